#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "log.h"
#include "sipua_tp.h"
#include "xmalloc.h"

struct sipua_conn {
	struct sipua_conn *next;
	struct sipua_tp *tp;
	uint64_t id;
	enum sipua_side side;
	struct bufferevent *bev;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool connecting;
	bool keep;    /* carries a call: no idle timeout */
	bool closing; /* flushing its last bytes, then freed */
};

struct sipua_udp {
	struct sipua_tp *tp;
	int fd;
	struct event *ev;
	enum sipua_side side;
	uint16_t port;
};

struct sipua_lis {
	struct evconnlistener *lev;
	struct sipua_tp *tp;
	enum sipua_side side;
	uint16_t port;
};

struct sipua_tp {
	struct event_base *base;
	sipua_tp_msg_cb *msg_cb;
	sipua_tp_closed_cb *closed_cb;
	void *arg;
	struct sipua_udp udp[SIPUA_TP_MAX_LISTENERS];
	size_t nudp;
	struct sipua_lis lis[SIPUA_TP_MAX_LISTENERS];
	size_t nlis;
	struct sipua_conn *conns;
	size_t nconns;
	size_t nnet; /* of them on the onion side */
	uint64_t next_id;
	char *rxbuf; /* one datagram or one framed message */
};

static struct log_ratelim sipua_tp_rl = LOG_RATELIM_INIT(60, 5);

/* Case-insensitive prefix test of a header line. */
static bool
sipua_tp_hdr_is(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len < n + 1 || strncasecmp(p, name, n) != 0)
		return false;
	p += n;
	len -= n;
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	return len > 0 && *p == ':';
}

/* The value of a Content-Length (or compact "l") header line, or -1. */
static long
sipua_tp_clen(const char *p, size_t len)
{
	const char *colon = memchr(p, ':', len);
	const char *end = p + len;
	long v = 0;
	bool digits = false;

	if (colon == NULL)
		return -1;
	for (p = colon + 1; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		digits = true;
		if (v > SIPUA_TP_MAX_MSG)
			return -1;
	}
	for (; p < end && (*p == ' ' || *p == '\t'); p++)
		;
	return digits && p == end ? v : -1;
}

/* Stream framing: see sipua_tp.h. */
long
sipua_tp_frame(const char *p, size_t len, size_t *skip)
{
	size_t i, head, line;
	long clen = -1, v;

	*skip = 0;
	while (*skip + 1 < len && p[*skip] == '\r' && p[*skip + 1] == '\n')
		*skip += 2;
	p += *skip;
	len -= *skip;
	if (len == 0)
		return 0;
	for (head = 0; head + 3 < len; head++)
		if (memcmp(p + head, "\r\n\r\n", 4) == 0)
			break;
	if (head + 3 >= len)
		return len > SIPUA_TP_MAX_HEAD ? -1 : 0;
	if (head > SIPUA_TP_MAX_HEAD)
		return -1;
	/* Header lines (folded lines included), looking for the length. */
	for (i = 0; i < head + 2; i = line + 2) {
		for (line = i; line + 1 < head + 2 &&
		     !(p[line] == '\r' && p[line + 1] == '\n');
		     line++)
			if (p[line] == '\0')
				return -1;
		if (sipua_tp_hdr_is(p + i, line - i, "Content-Length") ||
		    sipua_tp_hdr_is(p + i, line - i, "l")) {
			v = sipua_tp_clen(p + i, line - i);
			if (v < 0 || (clen >= 0 && clen != v))
				return -1;
			clen = v;
		}
	}
	/* RFC 3261 section 18.3: mandatory on streams. */
	if (clen < 0)
		return -1;
	if (head + 4 + (size_t)clen > SIPUA_TP_MAX_MSG)
		return -1;
	if (len < head + 4 + (size_t)clen)
		return 0;
	return (long)(head + 4 + (size_t)clen);
}

/* The stream with this id, or NULL. */
static struct sipua_conn *
sipua_tp_find(const struct sipua_tp *tp, uint64_t id)
{
	struct sipua_conn *c;

	for (c = tp->conns; c != NULL; c = c->next)
		if (c->id == id && !c->closing)
			return c;
	return NULL;
}

/* Unlink and free a stream, telling the owner unless quiet. */
static void
sipua_tp_conn_free(struct sipua_conn *c, bool tell)
{
	struct sipua_tp *tp = c->tp;
	struct sipua_conn **pp;
	uint64_t id = c->id;
	enum sipua_side side = c->side;

	for (pp = &tp->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	tp->nconns--;
	if (side == SIPUA_NET)
		tp->nnet--;
	bufferevent_free(c->bev);
	free(c);
	if (tell && tp->closed_cb != NULL)
		tp->closed_cb(id, side, tp->arg);
}

/* Bytes arrived on a stream: hand over every whole message. */
static void
sipua_tp_read_cb(struct bufferevent *bev, void *arg)
{
	struct sipua_conn *c = arg;
	struct sipua_tp *tp = c->tp;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct sipua_peer from;
	uint64_t id = c->id;
	size_t avail, skip;
	long n;

	for (;;) {
		avail = evbuffer_get_length(in);
		if (avail == 0)
			return;
		if (avail > SIPUA_TP_MAX_MSG + 64)
			avail = SIPUA_TP_MAX_MSG + 64;
		n = sipua_tp_frame(
		    (const char *)evbuffer_pullup(in, (ev_ssize_t)avail), avail,
		    &skip);
		if (skip > 0)
			evbuffer_drain(in, skip);
		if (n == 0) {
			if (evbuffer_get_length(in) > SIPUA_TP_MAX_MSG)
				n = -1;
			else
				return;
		}
		if (n < 0) {
			log_ratelim_warnx(&sipua_tp_rl,
			    "SIP stream broke the framing; closing it");
			sipua_tp_conn_free(c, true);
			return;
		}
		evbuffer_remove(in, tp->rxbuf, (size_t)n);
		memset(&from, 0, sizeof(from));
		from.side = c->side;
		from.proto = SIPUA_TCP;
		from.addr = c->addr;
		from.addrlen = c->addrlen;
		from.conn = id;
		tp->msg_cb(&from, tp->rxbuf, (size_t)n, tp->arg);
		/* The callback may have closed this stream. */
		if ((c = sipua_tp_find(tp, id)) == NULL)
			return;
	}
}

/* Connected, closed, timed out or failed. */
static void
sipua_tp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct sipua_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		struct timeval idle = { SIPUA_TP_IDLE_SECONDS, 0 };

		/* From here on the idle rule, not the connect time-out. */
		c->connecting = false;
		bufferevent_set_timeouts(bev, c->keep ? NULL : &idle, NULL);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		sipua_tp_conn_free(c, !c->closing);
}

/* A closing stream's last bytes are out: free it. */
static void
sipua_tp_drained_cb(struct bufferevent *bev, void *arg)
{
	struct sipua_conn *c = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		sipua_tp_conn_free(c, false);
}

/* Wrap a stream socket. */
static struct sipua_conn *
sipua_tp_conn_add(struct sipua_tp *tp, int fd, enum sipua_side side,
    const struct sockaddr *sa, socklen_t salen)
{
	struct timeval idle = { SIPUA_TP_IDLE_SECONDS, 0 };
	struct sipua_conn *c;
	int one = 1;

	/* The onion side cannot take the softphone's share. */
	if (tp->nconns >= SIPUA_TP_MAX_CONNS ||
	    (side == SIPUA_NET && tp->nnet >= SIPUA_TP_MAX_NET_CONNS)) {
		log_ratelim_warnx(&sipua_tp_rl,
		    "too many SIP streams (%d); refusing one",
		    SIPUA_TP_MAX_CONNS);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (fd != -1) {
		evutil_make_socket_nonblocking(fd);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	c = xcalloc(1, sizeof(*c));
	c->tp = tp;
	c->id = ++tp->next_id;
	c->side = side;
	if (sa != NULL && salen <= sizeof(c->addr)) {
		memcpy(&c->addr, sa, salen);
		c->addrlen = salen;
	}
	c->bev = bufferevent_socket_new(tp->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		fatalx("bufferevent_socket_new");
	bufferevent_setcb(c->bev, sipua_tp_read_cb, NULL, sipua_tp_event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, NULL);
	bufferevent_setwatermark(c->bev, EV_READ, 0, SIPUA_TP_MAX_MSG + 4096);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->next = tp->conns;
	tp->conns = c;
	tp->nconns++;
	if (side == SIPUA_NET)
		tp->nnet++;
	return c;
}

/* A new stream on one of our listeners. */
static void
sipua_tp_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct sipua_lis *l = arg;

	(void)sipua_tp_conn_add(l->tp, fd, l->side, sa, (socklen_t)salen);
}

/* Datagrams on a UDP socket: each one is one message. */
static void
sipua_tp_udp_cb(evutil_socket_t fd, short events, void *arg)
{
	struct sipua_udp *u = arg;
	struct sipua_tp *tp = u->tp;
	struct sipua_peer from;
	ssize_t n;
	int i;

	for (i = 0; i < 64; i++) {
		memset(&from, 0, sizeof(from));
		from.side = u->side;
		from.proto = SIPUA_UDP;
		from.addrlen = sizeof(from.addr);
		n = recvfrom(fd, tp->rxbuf, SIPUA_TP_MAX_MSG, 0,
		    (struct sockaddr *)&from.addr, &from.addrlen);
		if (n < 0)
			return;
		/* Keep-alives (CRLF) and runts are not messages. */
		if (n < 16)
			continue;
		tp->msg_cb(&from, tp->rxbuf, (size_t)n, tp->arg);
	}
}

/* Make a sockaddr from a numeric settings address. */
static int
sipua_tp_sockaddr(
    const struct settings_addr *at, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, at->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(at->port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, at->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(at->port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* The port a socket ended up on. */
static uint16_t
sipua_tp_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return 0;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* New transports with no sockets yet. */
struct sipua_tp *
sipua_tp_new(struct event_base *base, sipua_tp_msg_cb *msg_cb,
    sipua_tp_closed_cb *closed_cb, void *arg)
{
	struct sipua_tp *tp = xcalloc(1, sizeof(*tp));

	tp->base = base;
	tp->msg_cb = msg_cb;
	tp->closed_cb = closed_cb;
	tp->arg = arg;
	tp->rxbuf = xmalloc(SIPUA_TP_MAX_MSG + 1);
	return tp;
}

/* Close every socket and stream, quietly. */
void
sipua_tp_free(struct sipua_tp *tp)
{
	size_t i;

	if (tp == NULL)
		return;
	while (tp->conns != NULL)
		sipua_tp_conn_free(tp->conns, false);
	for (i = 0; i < tp->nudp; i++) {
		event_free(tp->udp[i].ev);
		close(tp->udp[i].fd);
	}
	for (i = 0; i < tp->nlis; i++)
		evconnlistener_free(tp->lis[i].lev);
	free(tp->rxbuf);
	free(tp);
}

/* Receive datagrams on at. */
int
sipua_tp_listen_udp(struct sipua_tp *tp, enum sipua_side side,
    const struct settings_addr *at, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sipua_udp *u;
	socklen_t len;
	int fd;

	if (tp->nudp >= SIPUA_TP_MAX_LISTENERS ||
	    sipua_tp_sockaddr(at, &ss, &len) != 0) {
		snprintf(err, errlen, "bad UDP listen address");
		return -1;
	}
	if ((fd = socket(ss.ss_family,
		 SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&ss, len) == -1) {
		snprintf(err, errlen, "UDP %s:%u: %s", at->host, at->port,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	u = &tp->udp[tp->nudp++];
	u->tp = tp;
	u->fd = fd;
	u->side = side;
	u->port = sipua_tp_local_port(fd);
	u->ev =
	    event_new(tp->base, fd, EV_READ | EV_PERSIST, sipua_tp_udp_cb, u);
	event_add(u->ev, NULL);
	return 0;
}

/* Accept streams on at. */
int
sipua_tp_listen_tcp(struct sipua_tp *tp, enum sipua_side side,
    const struct settings_addr *at, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sipua_lis *l;
	socklen_t len;

	if (tp->nlis >= SIPUA_TP_MAX_LISTENERS ||
	    sipua_tp_sockaddr(at, &ss, &len) != 0) {
		snprintf(err, errlen, "bad TCP listen address");
		return -1;
	}
	l = &tp->lis[tp->nlis];
	l->tp = tp;
	l->side = side;
	l->lev = evconnlistener_new_bind(tp->base, sipua_tp_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    64, (struct sockaddr *)&ss, (int)len);
	if (l->lev == NULL) {
		snprintf(err, errlen, "TCP %s:%u: %s", at->host, at->port,
		    strerror(errno));
		return -1;
	}
	l->port = sipua_tp_local_port(evconnlistener_get_fd(l->lev));
	tp->nlis++;
	return 0;
}

/* Accept streams on a listening socket someone else bound (tor's). */
int
sipua_tp_listen_fd(
    struct sipua_tp *tp, enum sipua_side side, int fd, char *err, size_t errlen)
{
	struct sipua_lis *l;

	if (tp->nlis >= SIPUA_TP_MAX_LISTENERS || fd < 0) {
		snprintf(err, errlen, "no listener slot");
		return -1;
	}
	l = &tp->lis[tp->nlis];
	l->tp = tp;
	l->side = side;
	evutil_make_socket_nonblocking(fd);
	l->lev = evconnlistener_new(tp->base, sipua_tp_accept_cb, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (l->lev == NULL) {
		snprintf(err, errlen, "listener: %s", strerror(errno));
		return -1;
	}
	l->port = sipua_tp_local_port(fd);
	tp->nlis++;
	return 0;
}

/* The port of the first socket of this kind on this side, or -1. */
int
sipua_tp_bound_port(
    const struct sipua_tp *tp, enum sipua_proto proto, enum sipua_side side)
{
	size_t i;

	if (proto == SIPUA_UDP) {
		for (i = 0; i < tp->nudp; i++)
			if (tp->udp[i].side == side)
				return tp->udp[i].port;
	} else {
		for (i = 0; i < tp->nlis; i++)
			if (tp->lis[i].side == side)
				return tp->lis[i].port;
	}
	return -1;
}

/* Take over a connected stream socket (a SOCKS5 connection); 0 if refused. */
uint64_t
sipua_tp_adopt(struct sipua_tp *tp, int fd, enum sipua_side side)
{
	struct sipua_conn *c = sipua_tp_conn_add(tp, fd, side, NULL, 0);

	return c == NULL ? 0 : c->id;
}

/* Open a stream to a numeric local address (the softphone); 0 if refused. */
uint64_t
sipua_tp_connect(struct sipua_tp *tp, const struct sockaddr *sa,
    socklen_t salen, enum sipua_side side)
{
	struct timeval tv = { SIPUA_TP_CONNECT_SECONDS, 0 };
	struct sipua_conn *c = sipua_tp_conn_add(tp, -1, side, sa, salen);

	if (c == NULL)
		return 0;
	c->connecting = true;
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	if (bufferevent_socket_connect(
		c->bev, (struct sockaddr *)sa, (int)salen) != 0) {
		sipua_tp_conn_free(c, false);
		return 0;
	}
	return c->id;
}

/* Send one message the way from says (UDP datagram or stream). */
int
sipua_tp_send(struct sipua_tp *tp, const struct sipua_peer *to, const char *msg,
    size_t len)
{
	struct sipua_conn *c;
	size_t i;

	if (to->proto == SIPUA_TCP) {
		if ((c = sipua_tp_find(tp, to->conn)) == NULL)
			return -1;
		if (evbuffer_get_length(bufferevent_get_output(c->bev)) + len >
		    SIPUA_TP_MAX_QUEUED)
			return -1;
		return bufferevent_write(c->bev, msg, len);
	}
	for (i = 0; i < tp->nudp; i++)
		if (tp->udp[i].side == to->side && tp->udp[i].port != 0)
			break;
	if (i == tp->nudp)
		return -1;
	if (sendto(tp->udp[i].fd, msg, len, 0,
		(const struct sockaddr *)&to->addr,
		to->addrlen) != (ssize_t)len)
		return -1;
	return 0;
}

/* Close a stream without telling the owner (who asked), after a flush. */
void
sipua_tp_close(struct sipua_tp *tp, uint64_t conn)
{
	struct timeval tv = { SIPUA_TP_FLUSH_SECONDS, 0 };
	struct sipua_conn *c = sipua_tp_find(tp, conn);

	if (c == NULL)
		return;
	/* What we wrote last (a 200 to BYE, a BYE) still goes out. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 ||
	    c->connecting) {
		sipua_tp_conn_free(c, false);
		return;
	}
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(
	    c->bev, NULL, sipua_tp_drained_cb, sipua_tp_event_cb, c);
	bufferevent_set_timeouts(c->bev, NULL, &tv);
}

/* Whether a stream is still open. */
bool
sipua_tp_is_open(const struct sipua_tp *tp, uint64_t conn)
{
	return sipua_tp_find(tp, conn) != NULL;
}

/* A stream that carries a call (keep) has no idle timeout; else it has. */
void
sipua_tp_keep(struct sipua_tp *tp, uint64_t conn, bool keep)
{
	struct timeval idle = { SIPUA_TP_IDLE_SECONDS, 0 };
	struct sipua_conn *c = sipua_tp_find(tp, conn);

	if (c == NULL)
		return;
	c->keep = keep;
	if (!c->connecting)
		bufferevent_set_timeouts(c->bev, keep ? NULL : &idle, NULL);
}

/* How many streams are open. */
size_t
sipua_tp_nconns(const struct sipua_tp *tp)
{
	return tp->nconns;
}
