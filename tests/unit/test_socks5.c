#include "test.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <event2/event.h>

#include "socks5.h"
#include "socks5_conn.h"

static void
test_greeting_auth_connect(void **state)
{
	uint8_t b[600];
	char host[300];

	assert_int_equal(socks5_build_greeting(b, sizeof(b), 1), 3);
	assert_memory_equal(b, "\x05\x01\x02", 3);
	assert_int_equal(socks5_build_greeting(b, sizeof(b), 0), 3);
	assert_memory_equal(b, "\x05\x01\x00", 3);
	assert_int_equal(socks5_build_greeting(b, 2, 1), -1);

	assert_int_equal(socks5_build_auth(b, sizeof(b), "ab", "xyz"), 8);
	assert_memory_equal(b,
	    "\x01\x02"
	    "ab"
	    "\x03"
	    "xyz",
	    8);
	assert_int_equal(socks5_build_auth(b, sizeof(b), "", "x"), -1);
	assert_int_equal(socks5_build_auth(b, sizeof(b), "x", ""), -1);
	assert_int_equal(socks5_build_auth(b, 7, "ab", "xyz"), -1);

	assert_int_equal(
	    socks5_build_connect(b, sizeof(b), "a.onion", 5060), 14);
	assert_memory_equal(b,
	    "\x05\x01\x00\x03\x07"
	    "a.onion"
	    "\x13\xc4",
	    14);
	/* Names only, printable, 1..255 bytes, port not 0. */
	assert_int_equal(socks5_build_connect(b, sizeof(b), "", 1), -1);
	assert_int_equal(socks5_build_connect(b, sizeof(b), "a b", 1), -1);
	assert_int_equal(socks5_build_connect(b, sizeof(b), "a\x7f", 1), -1);
	assert_int_equal(socks5_build_connect(b, sizeof(b), "a", 0), -1);
	memset(host, 'a', 255);
	host[255] = '\0';
	assert_int_equal(socks5_build_connect(b, sizeof(b), host, 1), 262);
	host[255] = 'a';
	host[256] = '\0';
	assert_int_equal(socks5_build_connect(b, sizeof(b), host, 1), -1);
	assert_int_equal(socks5_build_connect(b, 10, "abcd", 1), -1);
}

static void
test_method_and_auth(void **state)
{
	enum socks5_reason r = SOCKS5_OK;
	uint8_t m = 0;
	size_t used = 0;

	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"", 0, &used, &m, &r),
	    SOCKS5_PARSE_NEED_MORE);
	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"\x05", 1, &used, &m, &r),
	    SOCKS5_PARSE_NEED_MORE);
	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"\x05\x02", 2, &used, &m, &r),
	    SOCKS5_PARSE_DONE);
	assert_int_equal(m, 2);
	assert_int_equal(used, 2);
	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"\x05\xff", 2, &used, &m, &r),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(r, SOCKS5_NOT_ALLOWED);
	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"\x04", 1, &used, &m, &r),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(r, SOCKS5_PROTOCOL);
	assert_int_equal(
	    socks5_parse_method((const uint8_t *)"\x05\x01", 2, &used, &m, &r),
	    SOCKS5_PARSE_ERROR);

	assert_int_equal(
	    socks5_parse_auth((const uint8_t *)"\x01", 1, &used, &r),
	    SOCKS5_PARSE_NEED_MORE);
	assert_int_equal(
	    socks5_parse_auth((const uint8_t *)"\x01\x00", 2, &used, &r),
	    SOCKS5_PARSE_DONE);
	assert_int_equal(
	    socks5_parse_auth((const uint8_t *)"\x01\x01", 2, &used, &r),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(r, SOCKS5_NOT_ALLOWED);
	assert_int_equal(
	    socks5_parse_auth((const uint8_t *)"\x05\x00", 2, &used, &r),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(r, SOCKS5_PROTOCOL);
}

/* Every prefix of a reply needs more; the whole reply is done. */
static void
check_reply_prefixes(const char *msg, size_t len, enum socks5_reason want)
{
	struct socks5_reply rep;
	size_t i, used = 0;

	for (i = 0; i < len; i++)
		assert_int_equal(
		    socks5_parse_reply((const uint8_t *)msg, i, &used, &rep),
		    SOCKS5_PARSE_NEED_MORE);
	assert_int_equal(
	    socks5_parse_reply((const uint8_t *)msg, len, &used, &rep),
	    SOCKS5_PARSE_DONE);
	assert_int_equal(used, len);
	assert_int_equal(rep.reason, want);
}

static void
test_reply(void **state)
{
	struct socks5_reply rep;
	size_t used;

	check_reply_prefixes(
	    "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00", 10, SOCKS5_OK);
	check_reply_prefixes("\x05\xf0\x00\x01\x00\x00\x00\x00\x00\x00", 10,
	    SOCKS5_ONION_DESC_NOT_FOUND);
	check_reply_prefixes("\x05\xf6\x00\x01\x00\x00\x00\x00\x00\x00", 10,
	    SOCKS5_ONION_BAD_ADDRESS);
	check_reply_prefixes("\x05\x05\x00\x04"
			     "0123456789abcdef\x01\x02",
	    22, SOCKS5_REFUSED);
	check_reply_prefixes("\x05\x00\x00\x03\x03"
			     "abc\x01\x02",
	    10, SOCKS5_OK);
	/* Unknown reply codes are a general failure, not a success. */
	check_reply_prefixes(
	    "\x05\x42\x00\x01\x00\x00\x00\x00\x00\x00", 10, SOCKS5_GENERAL);
	check_reply_prefixes(
	    "\x05\xf8\x00\x01\x00\x00\x00\x00\x00\x00", 10, SOCKS5_GENERAL);
	/* Trailing stream bytes are left alone. */
	assert_int_equal(socks5_parse_reply((const uint8_t *)"\x05\x00\x00\x01"
							     "\x00\x00\x00\x00"
							     "\x13\xc4XYZ",
			     13, &used, &rep),
	    SOCKS5_PARSE_DONE);
	assert_int_equal(used, 10);
	assert_int_equal(rep.bind_port, 5060);
	/* Malformed: version, reserved byte, address type, empty name. */
	assert_int_equal(
	    socks5_parse_reply((const uint8_t *)"\x04", 1, &used, &rep),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(
	    socks5_parse_reply((const uint8_t *)"\x05\x00\x01", 3, &used, &rep),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(socks5_parse_reply((const uint8_t *)"\x05\x00\x00\x02"
							     "\x00",
			     5, &used, &rep),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(socks5_parse_reply((const uint8_t *)"\x05\x00\x00\x03"
							     "\x00",
			     5, &used, &rep),
	    SOCKS5_PARSE_ERROR);
	assert_int_equal(rep.reason, SOCKS5_PROTOCOL);
}

static void
test_reasons(void **state)
{
	static const struct {
		uint8_t rep;
		enum socks5_reason r;
		int sip;
	} t[] = {
		{ 0x00, SOCKS5_OK, 200 },
		{ 0x01, SOCKS5_GENERAL, 502 },
		{ 0x04, SOCKS5_HOST_UNREACH, 502 },
		{ 0x06, SOCKS5_TTL, 408 },
		{ 0xf0, SOCKS5_ONION_DESC_NOT_FOUND, 404 },
		{ 0xf1, SOCKS5_ONION_DESC_INVALID, 404 },
		{ 0xf2, SOCKS5_ONION_INTRO_FAILED, 480 },
		{ 0xf3, SOCKS5_ONION_REND_FAILED, 480 },
		{ 0xf4, SOCKS5_ONION_MISSING_AUTH, 403 },
		{ 0xf5, SOCKS5_ONION_BAD_AUTH, 403 },
		{ 0xf6, SOCKS5_ONION_BAD_ADDRESS, 404 },
		{ 0xf7, SOCKS5_ONION_INTRO_TIMEOUT, 408 },
	};
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(socks5_reason_from_rep(t[i].rep), t[i].r);
		assert_int_equal(socks5_reason_sip_status(t[i].r), t[i].sip);
	}
	assert_int_equal(socks5_reason_sip_status(SOCKS5_TIMEOUT), 408);
	assert_int_equal(socks5_reason_sip_status(SOCKS5_PROXY_DOWN), 503);
	assert_int_equal(socks5_reason_sip_status(SOCKS5_CANCELED), 487);
	assert_int_equal(socks5_reason_sip_status(SOCKS5_PROTOCOL), 502);
	for (r = SOCKS5_OK; r <= SOCKS5_CANCELED; r++)
		assert_string_not_equal(
		    socks5_reason_str((enum socks5_reason)r), "unknown");
}

/*
 * A scripted proxy on the same loop: it checks what the client sends and
 * answers byte by byte (each reply split across reads).
 */
struct fake {
	struct event_base *base;
	int lfd, fd;
	struct event *ev;
	const char *reply; /* method+auth+connect reply, sent one byte a turn */
	size_t replylen, sent;
	uint8_t got[600];
	size_t gotlen;
	int done_fd;
	enum socks5_reason done_reason;
	int done;
	int silent; /* never answer: the client must time out */
};

static int observed = -1;
static int observed_before_cb;

static void
observer_cb(enum socks5_reason reason)
{
	observed = (int)reason;
}

static void
fake_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;
	ssize_t n;

	if (what & EV_READ) {
		n = recv(
		    f->fd, f->got + f->gotlen, sizeof(f->got) - f->gotlen, 0);
		if (n > 0)
			f->gotlen += (size_t)n;
	}
	/* Answer one byte at a time once the request prefix arrived. */
	if (!f->silent && f->sent < f->replylen &&
	    f->gotlen >= 3 + (f->sent >= 2 ? 1 : 0)) {
		if (send(f->fd, f->reply + f->sent, 1, MSG_NOSIGNAL) == 1)
			f->sent++;
	}
}

static void
fake_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct fake *f = arg;

	f->fd = accept4(f->lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(f->fd != -1);
	f->ev = event_new(
	    f->base, f->fd, EV_READ | EV_WRITE | EV_PERSIST, fake_io_cb, f);
	event_add(f->ev, NULL);
}

static void
conn_done_cb(int fd, enum socks5_reason reason, void *arg)
{
	struct fake *f = arg;

	f->done = 1;
	observed_before_cb = observed;
	f->done_fd = fd;
	f->done_reason = reason;
	event_base_loopbreak(f->base);
}

static socks5_conn_observer_cb *fake_observer;

/* Run one CONNECT against the fake proxy. */
static void
run_fake(struct fake *f, const char *reply, size_t replylen, int silent,
    int timeout_ms)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct event *ev_accept;
	struct socks5_conn *c;

	memset(f, 0, sizeof(*f));
	f->base = event_base_new();
	f->reply = reply;
	f->replylen = replylen;
	f->silent = silent;
	f->fd = -1;
	f->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(f->lfd, 4), 0);
	getsockname(f->lfd, (struct sockaddr *)&sin, &sl);
	ev_accept = event_new(f->base, f->lfd, EV_READ, fake_accept_cb, f);
	event_add(ev_accept, NULL);
	c = socks5_connect(f->base, (struct sockaddr *)&sin, sl,
	    "example.onion", 5060, "iso", timeout_ms, conn_done_cb, f);
	assert_non_null(c);
	if (fake_observer != NULL)
		socks5_conn_set_observer(c, fake_observer);
	assert_int_equal(f->done, 0); /* never called before returning */
	event_base_dispatch(f->base);
	assert_int_equal(f->done, 1);
	event_free(ev_accept);
	if (f->ev != NULL)
		event_free(f->ev);
	if (f->fd != -1)
		close(f->fd);
	close(f->lfd);
	event_base_free(f->base);
}

static void
test_conn_ok_split(void **state)
{
	static const char reply[] = "\x05\x02"
				    "\x01\x00"
				    "\x05\x00\x00\x01\x7f\x00\x00\x01\x13\xc4";
	static const char want[] = "\x05\x01\x02"
				   "\x01\x03iso\x03iso"
				   "\x05\x01\x00\x03\x0d"
				   "example.onion\x13\xc4";
	struct fake f;

	run_fake(&f, reply, sizeof(reply) - 1, 0, 5000);
	assert_int_equal(f.done_reason, SOCKS5_OK);
	assert_true(f.done_fd >= 0);
	assert_int_equal(f.gotlen, sizeof(want) - 1);
	assert_memory_equal(f.got, want, sizeof(want) - 1);
	assert_true(fcntl(f.done_fd, F_GETFL) & O_NONBLOCK);
	close(f.done_fd);
}

static void
test_conn_onion_error(void **state)
{
	static const char reply[] = "\x05\x02\x01\x00"
				    "\x05\xf0\x00\x01\x00\x00\x00\x00\x00\x00";
	struct fake f;

	fake_observer = observer_cb;
	run_fake(&f, reply, sizeof(reply) - 1, 0, 5000);
	fake_observer = NULL;
	assert_int_equal(f.done_fd, -1);
	assert_int_equal(f.done_reason, SOCKS5_ONION_DESC_NOT_FOUND);
	/* The observer hears the outcome before the callback runs. */
	assert_int_equal(observed_before_cb, SOCKS5_ONION_DESC_NOT_FOUND);
}

static void
test_conn_refused_methods(void **state)
{
	struct fake f;

	run_fake(&f, "\x05\xff", 2, 0, 5000);
	assert_int_equal(f.done_reason, SOCKS5_NOT_ALLOWED);
	/* A proxy that picks "no auth" would ignore our isolation. */
	run_fake(&f, "\x05\x00", 2, 0, 5000);
	assert_int_equal(f.done_fd, -1);
	assert_int_not_equal(f.done_reason, SOCKS5_OK);
}

static void
test_conn_timeout(void **state)
{
	struct fake f;

	run_fake(&f, "", 0, 1, 200);
	assert_int_equal(f.done_fd, -1);
	assert_int_equal(f.done_reason, SOCKS5_TIMEOUT);
}

static void
conn_never_cb(int fd, enum socks5_reason reason, void *arg)
{
	fail_msg("callback after cancel");
}

static void
test_conn_proxy_down_and_cancel(void **state)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct socks5_conn *c;
	struct fake f;
	int s;

	/* A port nobody listens on: bind one, close it. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(s, (struct sockaddr *)&sin, &sl);
	close(s);
	memset(&f, 0, sizeof(f));
	f.base = event_base_new();
	c = socks5_connect(f.base, (struct sockaddr *)&sin, sl, "x.onion", 1,
	    NULL, 2000, conn_done_cb, &f);
	assert_non_null(c);
	event_base_dispatch(f.base);
	assert_int_equal(f.done_reason, SOCKS5_PROXY_DOWN);

	/* Cancel: no callback, nothing leaked (ASan). */
	c = socks5_connect(f.base, (struct sockaddr *)&sin, sl, "x.onion", 1,
	    NULL, 2000, conn_never_cb, &f);
	socks5_conn_cancel(c);
	event_base_loop(f.base, EVLOOP_NONBLOCK);
	/* Bad arguments: NULL, no callback. */
	assert_null(socks5_connect(f.base, (struct sockaddr *)&sin, sl, "", 1,
	    NULL, 2000, conn_never_cb, &f));
	assert_null(socks5_connect(f.base, (struct sockaddr *)&sin, sl, "a", 0,
	    NULL, 2000, conn_never_cb, &f));
	event_base_free(f.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_greeting_auth_connect),
		cmocka_unit_test(test_method_and_auth),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_conn_ok_split),
		cmocka_unit_test(test_conn_onion_error),
		cmocka_unit_test(test_conn_refused_methods),
		cmocka_unit_test(test_conn_timeout),
		cmocka_unit_test(test_conn_proxy_down_and_cancel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
