#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "csprng.h"
#include "socks5_conn.h"
#include "xmalloc.h"

#define SOCKS5_CONN_ISOLATION_LEN 24 /* random credential characters */

enum socks5_conn_state {
	SOCKS5_CONN_CONNECTING,
	SOCKS5_CONN_GREETING, /* sent; waiting for the method */
	SOCKS5_CONN_AUTH,     /* sent; waiting for the status */
	SOCKS5_CONN_REQUEST,  /* sent; waiting for the reply */
	SOCKS5_CONN_FAILED,   /* failure scheduled for the next loop turn */
};

/* One CONNECT through the proxy; freed before its callback runs. */
struct socks5_conn {
	struct event_base *base;
	int fd;
	struct event *ev_io;
	struct event *ev_timer;
	enum socks5_conn_state state;
	enum socks5_reason fail_reason;
	struct timeval deadline;
	uint8_t out[SOCKS5_MAX_AUTH + SOCKS5_MAX_REQUEST];
	size_t outlen, outoff;
	uint8_t in[SOCKS5_MAX_REPLY];
	size_t inlen;
	char user[SOCKS5_MAX_CRED + 1];
	uint8_t request[SOCKS5_MAX_REQUEST];
	size_t requestlen;
	socks5_conn_cb *cb;
	void *arg;
	socks5_conn_observer_cb *observer;
};

static void socks5_conn_io_cb(evutil_socket_t fd, short what, void *arg);

/* Free the connection (closing fd unless handed over). */
static void
socks5_conn_free(struct socks5_conn *c)
{
	if (c->ev_io != NULL)
		event_free(c->ev_io);
	if (c->ev_timer != NULL)
		event_free(c->ev_timer);
	if (c->fd != -1)
		close(c->fd);
	freezero(c, sizeof(*c));
}

/* Finish: free the connection, then tell the caller. */
static void
socks5_conn_finish(struct socks5_conn *c, enum socks5_reason reason)
{
	socks5_conn_observer_cb *observer = c->observer;
	socks5_conn_cb *cb = c->cb;
	void *arg = c->arg;
	int fd = -1;

	if (reason == SOCKS5_OK) {
		fd = c->fd;
		c->fd = -1;
	}
	socks5_conn_free(c);
	if (observer != NULL)
		observer(reason);
	cb(fd, reason, arg);
}

/* Arm the step timer with what is left of the whole deadline. */
static void
socks5_conn_arm_timer(struct socks5_conn *c)
{
	struct timeval now, left;

	event_base_gettimeofday_cached(c->base, &now);
	if (timercmp(&now, &c->deadline, <))
		timersub(&c->deadline, &now, &left);
	else
		timerclear(&left);
	evtimer_add(c->ev_timer, &left);
}

/* Wait for the socket to become readable or writable. */
static void
socks5_conn_wait(struct socks5_conn *c, short what)
{
	event_del(c->ev_io);
	event_assign(c->ev_io, c->base, c->fd, what, socks5_conn_io_cb, c);
	event_add(c->ev_io, NULL);
}

/* Queue a message and wait until it is written. */
static void
socks5_conn_send(struct socks5_conn *c, const uint8_t *p, size_t len)
{
	memcpy(c->out, p, len);
	c->outlen = len;
	c->outoff = 0;
	c->inlen = 0;
	socks5_conn_wait(c, EV_WRITE | EV_PERSIST);
}

/* The step timer ran out, or a failure was scheduled. */
static void
socks5_conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct socks5_conn *c = arg;

	socks5_conn_finish(c,
	    c->state == SOCKS5_CONN_FAILED ? c->fail_reason : SOCKS5_TIMEOUT);
}

/* Fail on the next loop turn (never inside socks5_connect()). */
static void
socks5_conn_fail_later(struct socks5_conn *c, enum socks5_reason reason)
{
	struct timeval zero = { 0, 0 };

	c->state = SOCKS5_CONN_FAILED;
	c->fail_reason = reason;
	event_del(c->ev_io);
	evtimer_add(c->ev_timer, &zero);
}

/*
 * How many more bytes the current step needs: we read exactly the reply,
 * so no byte of the stream that follows is swallowed.
 */
static size_t
socks5_conn_want(const struct socks5_conn *c)
{
	size_t need;

	if (c->state != SOCKS5_CONN_REQUEST)
		return 2 - c->inlen;
	if (c->inlen < 5)
		return 5 - c->inlen;
	switch (c->in[3]) {
	case 1:
		need = 10;
		break;
	case 4:
		need = 22;
		break;
	default:
		need = 7 + (size_t)c->in[4];
		break;
	}
	return need > c->inlen ? need - c->inlen : 0;
}

/* Bytes arrived for the current step: parse and move on. */
static void
socks5_conn_input(struct socks5_conn *c)
{
	enum socks5_reason reason = SOCKS5_PROTOCOL;
	struct socks5_reply reply;
	enum socks5_parse r;
	uint8_t method = 0;
	size_t used = 0;
	uint8_t msg[SOCKS5_MAX_AUTH];
	int n;

	switch (c->state) {
	case SOCKS5_CONN_GREETING:
		r = socks5_parse_method(
		    c->in, c->inlen, &used, &method, &reason);
		if (r == SOCKS5_PARSE_NEED_MORE)
			return;
		if (r == SOCKS5_PARSE_ERROR || method != 0x02) {
			socks5_conn_finish(c, reason);
			return;
		}
		n = socks5_build_auth(msg, sizeof(msg), c->user, c->user);
		c->state = SOCKS5_CONN_AUTH;
		socks5_conn_send(c, msg, (size_t)n);
		explicit_bzero(msg, sizeof(msg));
		return;
	case SOCKS5_CONN_AUTH:
		r = socks5_parse_auth(c->in, c->inlen, &used, &reason);
		if (r == SOCKS5_PARSE_NEED_MORE)
			return;
		if (r == SOCKS5_PARSE_ERROR) {
			socks5_conn_finish(c, reason);
			return;
		}
		c->state = SOCKS5_CONN_REQUEST;
		socks5_conn_send(c, c->request, c->requestlen);
		return;
	case SOCKS5_CONN_REQUEST:
		r = socks5_parse_reply(c->in, c->inlen, &used, &reply);
		if (r == SOCKS5_PARSE_NEED_MORE)
			return;
		socks5_conn_finish(c,
		    r == SOCKS5_PARSE_ERROR ? SOCKS5_PROTOCOL : reply.reason);
		return;
	default:
		return;
	}
}

/* The socket is ready: finish connecting, write, or read. */
static void
socks5_conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct socks5_conn *c = arg;
	uint8_t greeting[3];
	socklen_t sl = sizeof(int);
	ssize_t n;
	int err = 0;

	if (c->state == SOCKS5_CONN_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == -1 ||
		    err != 0) {
			socks5_conn_finish(c, SOCKS5_PROXY_DOWN);
			return;
		}
		c->state = SOCKS5_CONN_GREETING;
		n = socks5_build_greeting(greeting, sizeof(greeting), 1);
		socks5_conn_send(c, greeting, (size_t)n);
		return;
	}
	if (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			socks5_conn_finish(c, SOCKS5_PROXY_DOWN);
			return;
		}
		c->outoff += (size_t)n;
		if (c->outoff == c->outlen) {
			explicit_bzero(c->out, sizeof(c->out));
			socks5_conn_wait(c, EV_READ | EV_PERSIST);
		}
		return;
	}
	n = recv(c->fd, c->in + c->inlen, socks5_conn_want(c), 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		socks5_conn_finish(
		    c, n == 0 ? SOCKS5_PROTOCOL : SOCKS5_PROXY_DOWN);
		return;
	}
	c->inlen += (size_t)n;
	socks5_conn_input(c);
}

/* Start one CONNECT through the proxy (see socks5_conn.h). */
struct socks5_conn *
socks5_connect(struct event_base *base, const struct sockaddr *proxy,
    socklen_t proxylen, const char *host, uint16_t port, const char *isolation,
    int timeout_ms, socks5_conn_cb *cb, void *arg)
{
	struct socks5_conn *c;
	struct timeval now, tv;
	int n;

	if (proxy == NULL || host == NULL || cb == NULL || timeout_ms <= 0 ||
	    (isolation != NULL &&
		(isolation[0] == '\0' || strlen(isolation) > SOCKS5_MAX_CRED)))
		return NULL;
	c = xcalloc(1, sizeof(*c));
	n = socks5_build_connect(c->request, sizeof(c->request), host, port);
	if (n < 0) {
		free(c);
		return NULL;
	}
	c->requestlen = (size_t)n;
	c->base = base;
	c->cb = cb;
	c->arg = arg;
	if (isolation != NULL)
		snprintf(c->user, sizeof(c->user), "%s", isolation);
	else
		csprng_token(c->user, SOCKS5_CONN_ISOLATION_LEN);
	event_base_gettimeofday_cached(base, &now);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	timeradd(&now, &tv, &c->deadline);
	c->ev_timer = evtimer_new(base, socks5_conn_timer_cb, c);
	c->fd = socket(
	    proxy->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	c->ev_io = event_new(base, -1, 0, socks5_conn_io_cb, c);
	if (c->fd == -1) {
		socks5_conn_fail_later(c, SOCKS5_PROXY_DOWN);
		return c;
	}
	c->state = SOCKS5_CONN_CONNECTING;
	if (connect(c->fd, proxy, proxylen) == -1 && errno != EINPROGRESS) {
		socks5_conn_fail_later(c, SOCKS5_PROXY_DOWN);
		return c;
	}
	socks5_conn_arm_timer(c);
	socks5_conn_wait(c, EV_WRITE | EV_PERSIST);
	return c;
}

/* Set the outcome observer. */
void
socks5_conn_set_observer(
    struct socks5_conn *c, socks5_conn_observer_cb *observer)
{
	c->observer = observer;
}

/* Abandon a CONNECT: no callback after this. */
void
socks5_conn_cancel(struct socks5_conn *c)
{
	if (c != NULL)
		socks5_conn_free(c);
}
