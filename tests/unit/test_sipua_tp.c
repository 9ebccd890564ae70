#include "test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "sipua_tp.h"

#define MSG1 "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n"
#define MSG2 "MESSAGE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nhello"

/* Whole messages, keep-alives, partial bodies. */
static void
test_frame_basic(void **state)
{
	size_t skip;

	assert_int_equal(
	    sipua_tp_frame(MSG1, sizeof(MSG1) - 1, &skip), sizeof(MSG1) - 1);
	assert_int_equal(skip, 0);
	assert_int_equal(
	    sipua_tp_frame(MSG2, sizeof(MSG2) - 1, &skip), sizeof(MSG2) - 1);
	/* Body not all there yet. */
	assert_int_equal(sipua_tp_frame(MSG2, sizeof(MSG2) - 3, &skip), 0);
	/* Headers not all there yet. */
	assert_int_equal(sipua_tp_frame(MSG1, 20, &skip), 0);
	assert_int_equal(
	    sipua_tp_frame("\r\n\r\n" MSG1, sizeof(MSG1) + 3, &skip),
	    sizeof(MSG1) - 1);
	assert_int_equal(skip, 4);
	/* Two messages back to back: only the first. */
	assert_int_equal(
	    sipua_tp_frame(MSG1 MSG2, sizeof(MSG1 MSG2) - 1, &skip),
	    sizeof(MSG1) - 1);
}

/* Streams that must be closed. */
static void
test_frame_broken(void **state)
{
	static const char *bad[] = {
		"INVITE sip:a@b SIP/2.0\r\nVia: x\r\n\r\n", /* no length */
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: 1x\r\n\r\n",
		"INVITE sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab",
		"INVITE sip:a@b SIP/2.0\r\nX: a\0b\r\nl: 0\r\n\r\n",
	};
	static const size_t lens[] = { 0, 0, 0, 0, 0, 46 };
	char big[SIPUA_TP_MAX_HEAD + 10];
	size_t i, skip;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sipua_tp_frame(bad[i],
				     lens[i] ? lens[i] : strlen(bad[i]), &skip),
		    -1);
	memset(big, 'a', sizeof(big));
	assert_int_equal(sipua_tp_frame(big, sizeof(big), &skip), -1);
}

struct got {
	int n;
	char last[256];
	struct sipua_peer from;
	int closed;
	struct event_base *base;
};

/* Record a message and stop the loop. */
static void
got_msg_cb(
    const struct sipua_peer *from, const char *msg, size_t len, void *arg)
{
	struct got *g = arg;

	g->n++;
	snprintf(g->last, sizeof(g->last), "%.*s", (int)len, msg);
	g->from = *from;
	event_base_loopbreak(g->base);
}

/* Record a closed stream. */
static void
got_closed_cb(uint64_t conn, enum sipua_side side, void *arg)
{
	struct got *g = arg;

	g->closed++;
	event_base_loopbreak(g->base);
}

/* Run the loop until a callback breaks it or a second passes. */
static void
spin(struct event_base *base)
{
	struct timeval tv = { 1, 0 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

/* A socket connected to 127.0.0.1:port. */
static int
dial(int type, int port)
{
	struct sockaddr_in sin = { 0 };
	int fd = socket(AF_INET, type, 0);

	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* UDP and TCP on an ephemeral port, answers go back the same way. */
static void
test_loopback(void **state)
{
	struct settings_addr at = { "127.0.0.1", 0 };
	struct got g = { 0 };
	struct sipua_tp *tp;
	char err[128], buf[256];
	int ufd, tfd, port;

	g.base = event_base_new();
	tp = sipua_tp_new(g.base, got_msg_cb, got_closed_cb, &g);
	assert_int_equal(
	    sipua_tp_listen_udp(tp, SIPUA_LOCAL, &at, err, sizeof(err)), 0);
	assert_int_equal(
	    sipua_tp_listen_tcp(tp, SIPUA_NET, &at, err, sizeof(err)), 0);
	port = sipua_tp_bound_port(tp, SIPUA_UDP, SIPUA_LOCAL);
	assert_true(port > 0);
	ufd = dial(SOCK_DGRAM, port);
	assert_int_equal(
	    send(ufd, MSG1, sizeof(MSG1) - 1, 0), sizeof(MSG1) - 1);
	spin(g.base);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.last, MSG1);
	assert_int_equal(g.from.proto, SIPUA_UDP);
	assert_int_equal(g.from.side, SIPUA_LOCAL);
	assert_int_equal(sipua_tp_send(tp, &g.from, "pong", 4), 0);
	assert_int_equal(recv(ufd, buf, sizeof(buf), 0), 4);

	port = sipua_tp_bound_port(tp, SIPUA_TCP, SIPUA_NET);
	tfd = dial(SOCK_STREAM, port);
	/* Split across writes: framed back together. */
	assert_int_equal(write(tfd, MSG2, 10), 10);
	spin(g.base);
	assert_int_equal(g.n, 1);
	assert_int_equal(
	    write(tfd, MSG2 + 10, sizeof(MSG2) - 11), sizeof(MSG2) - 11);
	spin(g.base);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.last, MSG2);
	assert_int_equal(g.from.proto, SIPUA_TCP);
	assert_int_equal(g.from.side, SIPUA_NET);
	assert_true(sipua_tp_is_open(tp, g.from.conn));
	assert_int_equal(sipua_tp_send(tp, &g.from, "pong", 4), 0);
	spin(g.base); /* flush */
	assert_int_equal(recv(tfd, buf, sizeof(buf), 0), 4);
	/* Broken framing closes the stream and tells the owner. */
	assert_int_equal(write(tfd, "X sip:a SIP/2.0\r\nA: b\r\n\r\n", 25), 25);
	spin(g.base);
	assert_int_equal(g.closed, 1);
	assert_false(sipua_tp_is_open(tp, g.from.conn));
	assert_int_equal(sipua_tp_send(tp, &g.from, "x", 1), -1);
	assert_int_equal(sipua_tp_nconns(tp), 0);
	close(ufd);
	close(tfd);
	sipua_tp_free(tp);
	event_base_free(g.base);
}

/* Closing a stream right after a send still delivers the bytes. */
static void
test_close_flushes(void **state)
{
	struct settings_addr at = { "127.0.0.1", 0 };
	struct got g = { 0 };
	struct sipua_tp *tp;
	char err[128], buf[256];
	ssize_t n, total = 0;
	int fd, i;

	g.base = event_base_new();
	tp = sipua_tp_new(g.base, got_msg_cb, got_closed_cb, &g);
	assert_int_equal(
	    sipua_tp_listen_tcp(tp, SIPUA_NET, &at, err, sizeof(err)), 0);
	fd = dial(SOCK_STREAM, sipua_tp_bound_port(tp, SIPUA_TCP, SIPUA_NET));
	assert_int_equal(write(fd, MSG1, sizeof(MSG1) - 1), sizeof(MSG1) - 1);
	spin(g.base);
	assert_int_equal(g.n, 1);
	assert_int_equal(sipua_tp_send(tp, &g.from, MSG2, sizeof(MSG2) - 1), 0);
	sipua_tp_close(tp, g.from.conn);
	assert_false(sipua_tp_is_open(tp, g.from.conn));
	for (i = 0; i < 20 && total < (ssize_t)sizeof(MSG2) - 1; i++) {
		struct timeval tv = { 0, 50000 };

		event_base_loopexit(g.base, &tv);
		event_base_dispatch(g.base);
		while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			total += n;
	}
	assert_int_equal(total, sizeof(MSG2) - 1);
	assert_int_equal(g.closed, 0); /* the owner asked: not told */
	assert_int_equal(sipua_tp_nconns(tp), 0);
	close(fd);
	sipua_tp_free(tp);
	event_base_free(g.base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_basic),
		cmocka_unit_test(test_frame_broken),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_close_flushes),
	};

	return cmocka_run_group_tests_name("sipua_tp", tests, NULL, NULL);
}
