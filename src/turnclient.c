/* A TURN allocation over TCP through tor (RFC 8656). */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <linux/sockios.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "csprng.h"
#include "log.h"
#include "mediaq.h"
#include "socks5_conn.h"
#include "turnclient.h"
#include "turnframe.h"
#include "turnmsg.h"
#include "xmalloc.h"

#define TC_MAX_TRANS 8

struct tc_trans {
	bool used;
	uint8_t tid[TURNMSG_TID_LEN];
	enum turnmsg_method method;
	int peer;	   /* index into peer[] or -1 */
	uint32_t lifetime; /* Refresh: what was asked */
	bool has_lifetime;
	unsigned int stale; /* 438 retries */
	uint64_t deadline_us;
};

struct tc_peer {
	bool used;
	struct sockaddr_storage addr;
	uint16_t channel;
	uint64_t refresh_at_us;
};

struct turnclient {
	unsigned int id; /* for logs: a count, not an address */
	struct event_base *base;
	struct sockaddr_storage socks;
	socklen_t sockslen;
	char *host, *user, *password;
	uint16_t port;
	int timeout_ms;
	uint32_t lifetime_req;

	enum turnclient_state state;
	struct socks5_conn *sc;
	int fd;
	struct event *ev_read, *ev_write, *ev_tick, *ev_flush, *ev_notify,
	    *ev_destroy;
	struct evbuffer *in, *out, *ctl;
	struct mediaq q;

	char realm[TURNMSG_MAX_STR], nonce[TURNMSG_MAX_STR];
	uint8_t key[TURNMSG_KEY_LEN];
	bool have_key;
	struct tc_trans trans[TC_MAX_TRANS];
	struct tc_peer peer[TURNCLIENT_MAX_PEERS];
	uint16_t next_channel;
	struct sockaddr_storage relayed;
	uint64_t refresh_at_us, closing_deadline_us;
	uint64_t probe_sent_us; /* 0: no probe outstanding */
	uint64_t probe_rtt_us;	/* last answered probe */
	uint64_t last_media_us; /* last media queued */
	bool was_stalled;

	turnclient_cb *cb;
	turnclient_data_cb *dcb;
	void *arg;
	const char *reason;
	bool freed;
	struct turnclient_stats st;
};

static void tc_fail(struct turnclient *tc, const char *reason);
static void tc_send_request(struct turnclient *tc, enum turnmsg_method method,
    int peer, bool has_lifetime, uint32_t lifetime, unsigned int stale);

/* Microseconds on the monotonic clock. */
uint64_t
turnclient_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A state's name for logs. */
const char *
turnclient_state_str(enum turnclient_state s)
{
	switch (s) {
	case TURNCLIENT_CONNECTING:
		return "connecting";
	case TURNCLIENT_ALLOCATING:
		return "allocating";
	case TURNCLIENT_READY:
		return "ready";
	case TURNCLIENT_CLOSING:
		return "closing";
	case TURNCLIENT_FAILED:
		return "failed";
	}
	return "unknown";
}

/* Change state, logged as old -> new. */
static void
tc_set_state(struct turnclient *tc, enum turnclient_state s)
{
	log_debug("turn %u: %s -> %s", tc->id, turnclient_state_str(tc->state),
	    turnclient_state_str(s));
	tc->state = s;
}

/* Close the stream and its events. */
static void
tc_close_fd(struct turnclient *tc)
{
	if (tc->sc != NULL) {
		socks5_conn_cancel(tc->sc);
		tc->sc = NULL;
	}
	if (tc->ev_read != NULL) {
		event_free(tc->ev_read);
		tc->ev_read = NULL;
	}
	if (tc->ev_write != NULL) {
		event_free(tc->ev_write);
		tc->ev_write = NULL;
	}
	if (tc->fd != -1) {
		close(tc->fd);
		tc->fd = -1;
	}
}

/* Free everything; runs on the loop turn after turnclient_free(). */
static void
tc_destroy_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turnclient *tc = arg;

	tc_close_fd(tc);
	event_free(tc->ev_tick);
	event_free(tc->ev_flush);
	event_free(tc->ev_notify);
	event_free(tc->ev_destroy);
	evbuffer_free(tc->in);
	evbuffer_free(tc->out);
	evbuffer_free(tc->ctl);
	mediaq_free(&tc->q);
	free(tc->host);
	free(tc->user);
	if (tc->password != NULL)
		freezero(tc->password, strlen(tc->password));
	explicit_bzero(tc->key, sizeof(tc->key));
	free(tc);
}

/* Tell the owner about READY or FAILED (always from the loop). */
static void
tc_notify_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turnclient *tc = arg;

	if (tc->freed || tc->cb == NULL)
		return;
	if (tc->state == TURNCLIENT_READY)
		tc->cb(tc, TURNCLIENT_EV_READY, NULL, tc->arg);
	else if (tc->state == TURNCLIENT_FAILED)
		tc->cb(tc, TURNCLIENT_EV_FAILED, tc->reason, tc->arg);
}

/* Give up: close the stream and report the reason. */
static void
tc_fail(struct turnclient *tc, const char *reason)
{
	if (tc->state == TURNCLIENT_CLOSING) {
		tc_close_fd(tc);
		event_active(tc->ev_destroy, EV_TIMEOUT, 0);
		return;
	}
	if (tc->state == TURNCLIENT_FAILED)
		return;
	log_info("turn %u: %s", tc->id, reason);
	tc->reason = reason;
	tc_set_state(tc, TURNCLIENT_FAILED);
	tc_close_fd(tc);
	event_active(tc->ev_notify, EV_TIMEOUT, 0);
}

/* Bytes written to the kernel but not yet sent. */
static int
tc_unsent(int fd)
{
	int n = 0;

	if (ioctl(fd, SIOCOUTQNSD, &n) == -1)
		return 0;
	return n;
}

/* Note when the path starts to look stalled; true while it does. */
static bool
tc_check_stall(struct turnclient *tc, uint64_t now)
{
	if (!turnclient_stalled(tc, now))
		return false;
	if (!tc->was_stalled) {
		tc->was_stalled = true;
		tc->st.stalls++;
		log_info("turn %u: path stalled, holding media", tc->id);
	}
	return true;
}

/*
 * Write what is ready: control messages first (so a ChannelBind precedes
 * its ChannelData), then queued media while the kernel holds little
 * unsent, all coalesced into as few writes as possible.
 */
static void
tc_flush(struct turnclient *tc)
{
	const uint8_t *f;
	size_t len;
	int n;

	if (tc->fd == -1)
		return;
	if (evbuffer_get_length(tc->out) == 0) {
		evbuffer_add_buffer(tc->out, tc->ctl);
		mediaq_expire(&tc->q, turnclient_now_us());
		if (tc_unsent(tc->fd) < TURNCLIENT_NOTSENT_LOWAT &&
		    !tc_check_stall(tc, turnclient_now_us())) {
			while ((f = mediaq_peek(&tc->q, &len, NULL)) != NULL &&
			    evbuffer_get_length(tc->out) + len <=
				TURNCLIENT_WRITE_MAX) {
				evbuffer_add(tc->out, f, len);
				mediaq_pop(&tc->q);
				tc->st.frames_out++;
			}
		}
	}
	if (evbuffer_get_length(tc->out) > 0) {
		n = evbuffer_write(tc->out, tc->fd);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			tc_fail(tc, "TURN connection lost");
			return;
		}
		if (n > 0) {
			tc->st.bytes_out += (uint64_t)n;
			tc->st.writes++;
		}
	}
	if (evbuffer_get_length(tc->out) > 0 ||
	    evbuffer_get_length(tc->ctl) > 0 ||
	    (mediaq_count(&tc->q) > 0 && !tc->was_stalled))
		event_add(tc->ev_write, NULL);
}

/* The deferred flush: runs once per loop turn, however much was queued. */
static void
tc_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	tc_flush(arg);
}

/* The socket can take more (unsent data below TCP_NOTSENT_LOWAT). */
static void
tc_write_cb(evutil_socket_t fd, short what, void *arg)
{
	tc_flush(arg);
}

/* Queue a request and remember its transaction. */
static void
tc_send_request(struct turnclient *tc, enum turnmsg_method method, int peer,
    bool has_lifetime, uint32_t lifetime, unsigned int stale)
{
	struct turnmsg_req req;
	struct turnmsg_auth auth;
	struct tc_trans *t = NULL;
	uint8_t buf[TURNMSG_MAX_MSG];
	size_t i, n;

	for (i = 0; i < TC_MAX_TRANS; i++)
		if (!tc->trans[i].used) {
			t = &tc->trans[i];
			break;
		}
	if (t == NULL) {
		tc_fail(tc, "TURN: too many requests outstanding");
		return;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.cls = TURNMSG_REQUEST;
	csprng_bytes(req.tid, sizeof(req.tid));
	req.req_transport_udp = method == TURNMSG_ALLOCATE;
	if (method == TURNMSG_BINDING)
		tc->probe_sent_us = turnclient_now_us();
	req.has_lifetime = has_lifetime;
	req.lifetime = lifetime;
	if (peer >= 0) {
		req.peer = (const struct sockaddr *)&tc->peer[peer].addr;
		if (method == TURNMSG_CHANBIND)
			req.channel = tc->peer[peer].channel;
	}
	auth.user = tc->user;
	auth.realm = tc->realm;
	auth.nonce = tc->nonce;
	memcpy(auth.key, tc->key, sizeof(auth.key));
	n = turnmsg_build(&req,
	    tc->have_key && method != TURNMSG_BINDING ? &auth : NULL, buf,
	    sizeof(buf));
	explicit_bzero(auth.key, sizeof(auth.key));
	if (n == 0) {
		tc_fail(tc, "TURN: cannot build a request");
		return;
	}
	memset(t, 0, sizeof(*t));
	t->used = true;
	memcpy(t->tid, req.tid, sizeof(t->tid));
	t->method = method;
	t->peer = peer;
	t->has_lifetime = has_lifetime;
	t->lifetime = lifetime;
	t->stale = stale;
	t->deadline_us =
	    turnclient_now_us() + (uint64_t)TURNCLIENT_TRANS_TIMEOUT_MS * 1000;
	evbuffer_add(tc->ctl, buf, n);
	event_active(tc->ev_flush, EV_TIMEOUT, 0);
}

/* When to refresh an allocation granted for lifetime seconds. */
static uint64_t
tc_refresh_delay_us(uint32_t lifetime)
{
	uint64_t s = lifetime > 120 ? lifetime - 60 : lifetime / 2;

	return (s == 0 ? 1 : s) * 1000000;
}

/* The reason for an Allocate error code. */
static const char *
tc_alloc_error(uint16_t code)
{
	switch (code) {
	case 401:
		return "TURN credentials refused";
	case 403:
		return "TURN allocation forbidden";
	case 437:
		return "TURN allocation mismatch";
	case 486:
		return "TURN allocation quota reached";
	case 508:
		return "TURN server out of capacity";
	default:
		return "TURN Allocate refused";
	}
}

/* A success response for an Allocate. */
static void
tc_allocated(struct turnclient *tc, const struct turnmsg_parsed *m)
{
	if (!m->has_relayed) {
		tc_fail(tc, "TURN Allocate answer without relayed address");
		return;
	}
	tc->relayed = m->relayed;
	tc->st.lifetime = m->has_lifetime ? m->lifetime : 600;
	tc->refresh_at_us =
	    turnclient_now_us() + tc_refresh_delay_us(tc->st.lifetime);
	tc_set_state(tc, TURNCLIENT_READY);
	event_active(tc->ev_notify, EV_TIMEOUT, 0);
}

/* An error answer: the credential dance, or a failure with a reason. */
static void
tc_error_response(struct turnclient *tc, const struct tc_trans *tr,
    const struct turnmsg_parsed *m)
{
	if (m->error_code == 401 && !tc->have_key &&
	    tr->method == TURNMSG_ALLOCATE && m->realm[0] != '\0' &&
	    m->nonce[0] != '\0') {
		memcpy(tc->realm, m->realm, sizeof(tc->realm));
		memcpy(tc->nonce, m->nonce, sizeof(tc->nonce));
		turnmsg_key(tc->user, tc->realm, tc->password, tc->key);
		tc->have_key = true;
		tc_send_request(tc, tr->method, tr->peer, tr->has_lifetime,
		    tr->lifetime, 0);
		return;
	}
	if (m->error_code == 438 && m->nonce[0] != '\0' && tr->stale < 3) {
		memcpy(tc->nonce, m->nonce, sizeof(tc->nonce));
		tc->st.stale_nonces++;
		tc_send_request(tc, tr->method, tr->peer, tr->has_lifetime,
		    tr->lifetime, tr->stale + 1);
		return;
	}
	log_info("turn %u: %s error %u", tc->id, turnmsg_method_str(tr->method),
	    m->error_code);
	switch (tr->method) {
	case TURNMSG_ALLOCATE:
		tc_fail(tc, tc_alloc_error(m->error_code));
		break;
	case TURNMSG_REFRESH:
		tc_fail(tc,
		    m->error_code == 437 ? "TURN allocation mismatch (expired)"
					 : "TURN refresh refused");
		break;
	default:
		tc_fail(tc,
		    m->error_code == 403
			? "TURN peer address not allowed"
			: "TURN permission or channel refused");
		break;
	}
}

/* Handle a response to one of our transactions. */
static void
tc_response(
    struct turnclient *tc, struct tc_trans *t, const struct turnmsg_parsed *m)
{
	struct tc_trans tr = *t;

	t->used = false;
	if (tr.method == TURNMSG_BINDING) {
		/* A probe: only its timing matters; no credentials on it. */
		tc->probe_rtt_us = turnclient_now_us() - tc->probe_sent_us;
		tc->st.probe_rtt_ms = (uint32_t)(tc->probe_rtt_us / 1000);
		tc->probe_sent_us = 0;
		if (tc->was_stalled) {
			tc->was_stalled = false;
			event_active(tc->ev_flush, EV_TIMEOUT, 0);
		}
		return;
	}
	if (m->cls == TURNMSG_ERROR) {
		tc_error_response(tc, &tr, m);
		return;
	}
	if (!m->has_integrity || !m->integrity_ok) {
		tc_fail(tc, "TURN answer failed the integrity check");
		return;
	}
	switch (tr.method) {
	case TURNMSG_ALLOCATE:
		if (tc->state == TURNCLIENT_ALLOCATING)
			tc_allocated(tc, m);
		break;
	case TURNMSG_REFRESH:
		if (tc->state == TURNCLIENT_CLOSING) {
			tc_fail(tc, "deallocated");
			return;
		}
		tc->st.refreshes++;
		if (m->has_lifetime)
			tc->st.lifetime = m->lifetime;
		tc->refresh_at_us =
		    turnclient_now_us() + tc_refresh_delay_us(tc->st.lifetime);
		log_debug(
		    "turn %u: refreshed, lifetime %u", tc->id, tc->st.lifetime);
		break;
	case TURNMSG_CHANBIND:
		tc->st.binds++;
		break;
	default:
		break;
	}
}

/* A whole STUN message from the server. */
static void
tc_stun(struct turnclient *tc, const uint8_t *p, size_t len)
{
	struct turnmsg_parsed m;
	const char *why;
	size_t i;

	if (turnmsg_parse(p, len, tc->have_key ? tc->key : NULL,
		TURNMSG_KEY_LEN, &m, &why) < 0) {
		tc_fail(tc, "TURN server sent a malformed message");
		return;
	}
	if (m.cls == TURNMSG_INDICATION) {
		if (m.method == TURNMSG_DATA && m.data != NULL &&
		    tc->dcb != NULL && !tc->freed)
			tc->dcb(0, m.data, m.datalen, tc->arg);
		return;
	}
	if (m.cls != TURNMSG_SUCCESS && m.cls != TURNMSG_ERROR)
		return;
	for (i = 0; i < TC_MAX_TRANS; i++) {
		if (tc->trans[i].used &&
		    memcmp(tc->trans[i].tid, m.tid, TURNMSG_TID_LEN) == 0 &&
		    tc->trans[i].method == m.method) {
			tc_response(tc, &tc->trans[i], &m);
			return;
		}
	}
	/* An answer to nothing we asked: ignored (stale or forged). */
}

/* Read from the stream and handle every whole frame. */
static void
tc_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turnclient *tc = arg;
	struct turnframe f;
	const uint8_t *p;
	const char *why;
	size_t len, off = 0;
	int n;

	n = evbuffer_read(tc->in, fd, 16384);
	if (n == 0) {
		tc_fail(tc, "TURN server closed the connection");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			tc_fail(tc, "TURN connection lost");
		return;
	}
	tc->st.bytes_in += (uint64_t)n;
	len = evbuffer_get_length(tc->in);
	p = evbuffer_pullup(tc->in, -1);
	while (tc->fd != -1) {
		switch (turnframe_next(p + off, len - off, &f, &why)) {
		case TURNFRAME_NEED_MORE:
			goto done;
		case TURNFRAME_ERROR:
			log_info("turn %u: %s", tc->id, why);
			tc_fail(tc, "TURN stream out of step");
			return;
		case TURNFRAME_STUN:
			tc_stun(tc, f.payload, f.payload_len);
			break;
		case TURNFRAME_CHANNEL:
			tc->st.frames_in++;
			if (tc->dcb != NULL)
				tc->dcb(f.channel, f.payload, f.payload_len,
				    tc->arg);
			break;
		}
		off += f.total;
	}
done:
	if (tc->fd == -1)
		return;
	evbuffer_drain(tc->in, off);
	if (evbuffer_get_length(tc->in) > TURNCLIENT_MAX_INBUF)
		tc_fail(tc, "TURN frame too large");
}

/* Timers: transaction timeouts, allocation and permission refreshes. */
static void
tc_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct turnclient *tc = arg;
	uint64_t now = turnclient_now_us();
	size_t i;

	for (i = 0; i < TC_MAX_TRANS; i++) {
		if (tc->trans[i].used && now > tc->trans[i].deadline_us) {
			tc->trans[i].used = false;
			tc_fail(tc, "TURN server not answering");
			return;
		}
	}
	if (tc->state == TURNCLIENT_CLOSING) {
		if (now > tc->closing_deadline_us)
			tc_fail(tc, "deallocation timed out");
		return;
	}
	if (tc->state != TURNCLIENT_READY)
		return;
	if (tc->probe_sent_us == 0 && tc->last_media_us != 0 &&
	    now - tc->last_media_us < 2000000) {
		tc->st.probes++;
		tc_send_request(tc, TURNMSG_BINDING, -1, false, 0, 0);
	}
	if (turnclient_stalled(tc, now)) {
		mediaq_expire(&tc->q, now);
		if (!tc->was_stalled) {
			tc->was_stalled = true;
			tc->st.stalls++;
			log_info(
			    "turn %u: path stalled, holding media", tc->id);
		}
	}
	if (now >= tc->refresh_at_us) {
		/* Not again until this one is answered or times out. */
		tc->refresh_at_us =
		    now + (uint64_t)TURNCLIENT_TRANS_TIMEOUT_MS * 1000;
		tc_send_request(
		    tc, TURNMSG_REFRESH, -1, true, tc->lifetime_req, 0);
	}
	for (i = 0; i < TURNCLIENT_MAX_PEERS; i++) {
		if (tc->peer[i].used && now >= tc->peer[i].refresh_at_us) {
			tc->peer[i].refresh_at_us =
			    now + (uint64_t)TURNCLIENT_PERM_REFRESH_S * 1000000;
			/* ChannelBind refreshes the permission too. */
			tc_send_request(
			    tc, TURNMSG_CHANBIND, (int)i, false, 0, 0);
		}
	}
}

/* The SOCKS5 CONNECT through tor finished. */
static void
tc_connected(int fd, enum socks5_reason reason, void *arg)
{
	struct turnclient *tc = arg;
	int one = 1, lowat = TURNCLIENT_NOTSENT_LOWAT;

	tc->sc = NULL;
	if (fd == -1) {
		log_info(
		    "turn %u: SOCKS: %s", tc->id, socks5_reason_str(reason));
		tc_fail(tc,
		    reason == SOCKS5_PROXY_DOWN
			? "tor is not running (SocksPort closed)"
			: "TURN server unreachable through tor");
		return;
	}
	tc->fd = fd;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(
	    fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
	tc->ev_read =
	    event_new(tc->base, fd, EV_READ | EV_PERSIST, tc_read_cb, tc);
	tc->ev_write = event_new(tc->base, fd, EV_WRITE, tc_write_cb, tc);
	event_add(tc->ev_read, NULL);
	tc_set_state(tc, TURNCLIENT_ALLOCATING);
	tc_send_request(tc, TURNMSG_ALLOCATE, -1, true, tc->lifetime_req, 0);
}

/* Start an allocation. */
struct turnclient *
turnclient_new(struct event_base *base, const struct turnclient_config *cfg)
{
	static unsigned int turnclient_ids;
	struct turnclient *tc = xcalloc(1, sizeof(*tc));
	struct timeval tick = { 0, TURNCLIENT_PROBE_MS * 1000 };

	tc->id = ++turnclient_ids;
	tc->base = base;
	tc->fd = -1;
	if (cfg->sockslen <= sizeof(tc->socks)) {
		memcpy(&tc->socks, cfg->socks, cfg->sockslen);
		tc->sockslen = cfg->sockslen;
	}
	tc->host = xstrdup(cfg->host);
	tc->user = xstrdup(cfg->user);
	tc->password = xstrdup(cfg->password);
	tc->port = cfg->port;
	tc->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000;
	tc->lifetime_req = cfg->lifetime ? cfg->lifetime : TURNCLIENT_LIFETIME;
	tc->next_channel = TURNFRAME_CHAN_MIN;
	tc->in = evbuffer_new();
	tc->out = evbuffer_new();
	tc->ctl = evbuffer_new();
	mediaq_init(&tc->q, cfg->max_queue_us);
	tc->ev_tick = event_new(base, -1, EV_PERSIST, tc_tick_cb, tc);
	tc->ev_flush = event_new(base, -1, 0, tc_flush_cb, tc);
	tc->ev_notify = event_new(base, -1, 0, tc_notify_cb, tc);
	tc->ev_destroy = event_new(base, -1, 0, tc_destroy_cb, tc);
	event_add(tc->ev_tick, &tick);
	tc->state = TURNCLIENT_CONNECTING;
	tc->sc = socks5_connect(base, (const struct sockaddr *)&tc->socks,
	    tc->sockslen, tc->host, tc->port, NULL, tc->timeout_ms,
	    tc_connected, tc);
	if (tc->sc == NULL)
		tc_fail(tc, "TURNServer is not a usable host:port");
	return tc;
}

/* Release the allocation in the background and free. */
void
turnclient_free(struct turnclient *tc)
{
	if (tc == NULL || tc->freed)
		return;
	tc->freed = true;
	tc->cb = NULL;
	tc->dcb = NULL;
	if (tc->state == TURNCLIENT_READY && tc->fd != -1) {
		tc_set_state(tc, TURNCLIENT_CLOSING);
		tc->closing_deadline_us = turnclient_now_us() +
		    (uint64_t)TURNCLIENT_DEALLOC_WAIT_MS * 1000;
		tc_send_request(tc, TURNMSG_REFRESH, -1, true, 0, 0);
		return;
	}
	tc_close_fd(tc);
	event_active(tc->ev_destroy, EV_TIMEOUT, 0);
}

/* Set the owner's callbacks; a READY or FAILED state is reported anew. */
void
turnclient_set_cb(struct turnclient *tc, turnclient_cb *cb,
    turnclient_data_cb *dcb, void *arg)
{
	tc->cb = cb;
	tc->dcb = dcb;
	tc->arg = arg;
	if (tc->state == TURNCLIENT_READY || tc->state == TURNCLIENT_FAILED)
		event_active(tc->ev_notify, EV_TIMEOUT, 0);
}

/* The current state. */
enum turnclient_state
turnclient_state(const struct turnclient *tc)
{
	return tc->state;
}

/* The relayed address, once READY. */
int
turnclient_relayed(const struct turnclient *tc, struct sockaddr_storage *ss)
{
	if (tc->state != TURNCLIENT_READY)
		return -1;
	*ss = tc->relayed;
	return 0;
}

/* Compare two IPv4/IPv6 socket addresses, port included. */
static bool
tc_same_addr(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)a,
				 *b4 = (const struct sockaddr_in *)b;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a,
				  *b6 = (const struct sockaddr_in6 *)b;

	if (a->ss_family != b->sa_family)
		return false;
	if (b->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		    a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (b->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		    memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	return false;
}

/* Permission and channel for a peer. */
uint16_t
turnclient_bind(struct turnclient *tc, const struct sockaddr *peer)
{
	size_t i, free_slot = TURNCLIENT_MAX_PEERS;

	if (tc->state != TURNCLIENT_READY ||
	    (peer->sa_family != AF_INET && peer->sa_family != AF_INET6))
		return 0;
	for (i = 0; i < TURNCLIENT_MAX_PEERS; i++) {
		if (tc->peer[i].used && tc_same_addr(&tc->peer[i].addr, peer))
			return tc->peer[i].channel;
		if (!tc->peer[i].used && free_slot == TURNCLIENT_MAX_PEERS)
			free_slot = i;
	}
	if (free_slot == TURNCLIENT_MAX_PEERS)
		return 0;
	i = free_slot;
	memset(&tc->peer[i], 0, sizeof(tc->peer[i]));
	tc->peer[i].used = true;
	memcpy(&tc->peer[i].addr, peer,
	    peer->sa_family == AF_INET ? sizeof(struct sockaddr_in)
				       : sizeof(struct sockaddr_in6));
	tc->peer[i].channel = tc->next_channel++;
	tc->peer[i].refresh_at_us =
	    turnclient_now_us() + (uint64_t)TURNCLIENT_PERM_REFRESH_S * 1000000;
	tc_send_request(tc, TURNMSG_CREATEPERM, (int)i, false, 0, 0);
	tc_send_request(tc, TURNMSG_CHANBIND, (int)i, false, 0, 0);
	return tc->peer[i].channel;
}

/* Queue one datagram as ChannelData. */
int
turnclient_send(
    struct turnclient *tc, uint16_t channel, const uint8_t *p, size_t len)
{
	size_t total = turnframe_channel_size(len);
	uint8_t *w;

	if (tc->state != TURNCLIENT_READY || channel < TURNFRAME_CHAN_MIN ||
	    channel > TURNFRAME_CHAN_MAX || len > 65535)
		return -1;
	if ((w = mediaq_push(&tc->q, turnclient_now_us(), total)) == NULL)
		return -1;
	(void)turnframe_channel_write(w, total, channel, p, len);
	tc->last_media_us = turnclient_now_us();
	event_active(tc->ev_flush, EV_TIMEOUT, 0);
	return 0;
}

/* A probe unanswered for max(300 ms, 3 round trips): the path is stuck. */
bool
turnclient_stalled(const struct turnclient *tc, uint64_t now_us)
{
	uint64_t limit = (uint64_t)TURNCLIENT_STALL_MS * 1000;

	if (tc->probe_sent_us == 0 || now_us < tc->probe_sent_us)
		return false;
	if (3 * tc->probe_rtt_us > limit)
		limit = 3 * tc->probe_rtt_us;
	return now_us - tc->probe_sent_us > limit;
}

/* Age of the oldest queued frame. */
uint64_t
turnclient_queue_age_us(const struct turnclient *tc, uint64_t now_us)
{
	uint64_t t;
	size_t len;

	if (mediaq_peek(&tc->q, &len, &t) == NULL || now_us < t)
		return 0;
	return now_us - t;
}

/* Copy the counters. */
void
turnclient_get_stats(const struct turnclient *tc, struct turnclient_stats *st)
{
	*st = tc->st;
	st->drops_full = tc->q.drops_full;
	st->drops_age = tc->q.drops_age;
}
