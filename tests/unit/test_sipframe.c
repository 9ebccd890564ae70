#include "test.h"

#include <stdio.h>

#include "buf.h"
#include "sipframe.h"
#include "xmalloc.h"

#define OPTS                                                             \
	"OPTIONS sip:a@example.com SIP/2.0\r\n"                          \
	"Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK1\r\n"             \
	"From: <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\n" \
	"Call-ID: x\r\nCSeq: 1 OPTIONS\r\n"

static const char with_body[] = OPTS "Content-Length: 4\r\n\r\nabcd";
static const char no_clen[] = OPTS "\r\n";

/* A whole message with a body frames as one. */
static void
test_stream_one(void **state)
{
	struct sipframe_result r;
	size_t n = sizeof(with_body) - 1;

	assert_int_equal(sipframe_stream(with_body, n, &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.len, n);
	assert_int_equal(r.body_len, 4);
	assert_int_equal(r.hdr_len, n - 4);
}

/* Every prefix of a message asks for more, never for an error. */
static void
test_stream_prefixes(void **state)
{
	struct sipframe_result r;
	size_t n = sizeof(with_body) - 1, i;

	for (i = 0; i < n; i++) {
		assert_int_equal(
		    sipframe_stream(with_body, i, &r), SIPFRAME_NEED_MORE);
		/* Once the header is in, the caller knows what to wait for. */
		assert_int_equal(r.need, i >= n - 4 ? n : 0);
	}
}

/* Pipelined messages come apart at the right byte. */
static void
test_stream_pipelined(void **state)
{
	char buf[1024];
	struct sipframe_result r;
	size_t a = sizeof(with_body) - 1, b = sizeof(no_clen) - 1, off = 0;
	int n = 0;

	memcpy(buf, with_body, a);
	memcpy(buf + a, "\r\n\r\n", 4);
	memcpy(buf + a + 4, no_clen, b);
	while (sipframe_stream(buf + off, a + b + 4 - off, &r) !=
	    SIPFRAME_NEED_MORE) {
		assert_int_not_equal(r.status, SIPFRAME_ERROR);
		if (r.status == SIPFRAME_MESSAGE)
			n++;
		else
			assert_true(r.ping);
		off += r.len;
	}
	assert_int_equal(n, 2);
	assert_int_equal(off, a + b + 4);
}

/* CRLF keep-alives: a ping is CRLFCRLF, a lone CRLF is a pong. */
static void
test_keepalive(void **state)
{
	struct sipframe_result r;

	assert_int_equal(
	    sipframe_stream("\r\n\r\n", 4, &r), SIPFRAME_KEEPALIVE);
	assert_int_equal(r.len, 4);
	assert_true(r.ping);
	assert_int_equal(sipframe_stream("\r\nOP", 4, &r), SIPFRAME_KEEPALIVE);
	assert_int_equal(r.len, 2);
	assert_false(r.ping);
	assert_int_equal(sipframe_stream("\r\n\r", 3, &r), SIPFRAME_NEED_MORE);
	assert_int_equal(sipframe_stream("\r", 1, &r), SIPFRAME_NEED_MORE);
	assert_int_equal(sipframe_stream("\rX", 2, &r), SIPFRAME_ERROR);
	assert_int_equal(
	    sipframe_datagram("\r\n\r\n", 4, &r), SIPFRAME_KEEPALIVE);
}

/* Content-Length: compact form, bad values, duplicates, limits. */
static void
test_content_length(void **state)
{
	struct sipframe_result r;
	const char *m;

	m = OPTS "l:  2 \r\n\r\nab";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.body_len, 2);
	m = OPTS "content-LENGTH : 1\r\n\r\nab";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.len, strlen(m) - 1);
	m = OPTS "Content-Length: -1\r\n\r\n";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 400);
	m = OPTS "Content-Length: 99999999999999999999999\r\n\r\n";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 413);
	m = OPTS "Content-Length: 1\r\nl: 2\r\n\r\nab";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 400);
	m = OPTS "Content-Length: 1x\r\n\r\nab";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_ERROR);
	/* A folded value still counts. */
	m = OPTS "Content-Length:\r\n 2\r\n\r\nab";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.body_len, 2);
	/* A header merely starting with "l" is not Content-Length. */
	m = OPTS "lx: 5\r\n\r\n";
	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.body_len, 0);
}

/* Limits are checked before the end of the header arrives. */
static void
test_limits(void **state)
{
	struct sipframe_result r;
	size_t n = SIPFRAME_MAX_HEADER + 10, i;
	char *big = xmalloc(n);

	/* A header that never ends. */
	memcpy(big, "INVITE sip:a@b SIP/2.0\r\n", 24);
	for (i = 24; i < n; i++)
		big[i] = (i % 60 == 59) ? '\n' : (i % 60 == 58 ? '\r' : 'a');
	assert_int_equal(sipframe_stream(big, n, &r), SIPFRAME_ERROR);
	assert_true(r.scode == 513 || r.scode == 400);
	/* One line longer than the limit, no CRLF yet. */
	memset(big, 'a', n);
	assert_int_equal(
	    sipframe_stream(big, SIPFRAME_MAX_LINE + 1, &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 513);
	assert_int_equal(
	    sipframe_stream(big, SIPFRAME_MAX_LINE, &r), SIPFRAME_NEED_MORE);
	/* Too many header lines. */
	{
		struct buf b;

		buf_init(&b, 65536);
		buf_addstr(&b, "INVITE sip:a@b SIP/2.0\r\n");
		for (i = 0; i <= SIPFRAME_MAX_HEADERS; i++)
			buf_printf(&b, "X-H%zu: v\r\n", i);
		assert_int_equal(
		    sipframe_stream(b.data, b.len, &r), SIPFRAME_ERROR);
		assert_int_equal(r.scode, 513);
		buf_free(&b);
	}
	free(big);
}

/* Bare LF line ends are refused, not guessed at. */
static void
test_bare_lf(void **state)
{
	struct sipframe_result r;
	const char *m = "OPTIONS sip:a@b SIP/2.0\nVia: x\n\n";

	assert_int_equal(sipframe_stream(m, strlen(m), &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 400);
	assert_int_equal(sipframe_stream("\nX", 2, &r), SIPFRAME_ERROR);
}

/* Datagrams: body to the end, trailing octets ignored, short is 400. */
static void
test_datagram(void **state)
{
	struct sipframe_result r;
	char buf[512];
	size_t n = sizeof(no_clen) - 1;

	memcpy(buf, no_clen, n);
	memcpy(buf + n, "xyz", 3);
	assert_int_equal(sipframe_datagram(buf, n + 3, &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.body_len, 3);
	n = sizeof(with_body) - 1;
	memcpy(buf, with_body, n);
	memcpy(buf + n, "trailing", 8);
	assert_int_equal(sipframe_datagram(buf, n + 8, &r), SIPFRAME_MESSAGE);
	assert_int_equal(r.len, n);
	assert_int_equal(
	    sipframe_datagram(with_body, n - 1, &r), SIPFRAME_ERROR);
	assert_int_equal(r.scode, 400);
	assert_int_equal(sipframe_datagram(no_clen, sizeof(no_clen) - 3, &r),
	    SIPFRAME_ERROR);
	assert_int_equal(sipframe_datagram("", 0, &r), SIPFRAME_ERROR);
	assert_string_equal(sipframe_status_str(SIPFRAME_MESSAGE), "message");
}

/* The RFC 4475 framing cases: clerr, ncl, mcl01, baddn, dblreq. */
static void
test_rfc4475(void **state)
{
	static const struct {
		const char *file;
		enum sipframe_status want;
	} cases[] = {
		{ "tests/corpus/rfc4475/clerr.dat", SIPFRAME_ERROR },
		{ "tests/corpus/rfc4475/ncl.dat", SIPFRAME_ERROR },
		{ "tests/corpus/rfc4475/mcl01.dat", SIPFRAME_ERROR },
		{ "tests/corpus/rfc4475/baddn.dat", SIPFRAME_ERROR },
		{ "tests/corpus/rfc4475/dblreq.dat", SIPFRAME_MESSAGE },
		{ "tests/corpus/rfc4475/mpart01.dat", SIPFRAME_MESSAGE },
		{ "tests/corpus/rfc4475/longreq.dat", SIPFRAME_MESSAGE },
	};
	struct sipframe_result r;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *m = test_read_file(cases[i].file, &len);

		if (sipframe_datagram(m, len, &r) != cases[i].want)
			fail_msg("%s: %s", cases[i].file,
			    sipframe_status_str(r.status));
		free(m);
	}
	/* dblreq: only the first REGISTER, the second is ignored. */
	{
		char *m =
		    test_read_file("tests/corpus/rfc4475/dblreq.dat", &len);

		sipframe_datagram(m, len, &r);
		assert_true(r.len < len);
		free(m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_one),
		cmocka_unit_test(test_stream_prefixes),
		cmocka_unit_test(test_stream_pipelined),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_content_length),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bare_lf),
		cmocka_unit_test(test_datagram),
		cmocka_unit_test(test_rfc4475),
	};

	return cmocka_run_group_tests_name("sipframe", tests, NULL, NULL);
}
