#include "test.h"

#include <stdio.h>

#include "sipmsg.h"

#define VIA	    "Via: SIP/2.0/UDP pc33.example.com:5066;branch=z9hG4bKnashds8\r\n"
#define FROM	    "From: \"Alice A.\" <sip:alice@example.com>;tag=1928301774\r\n"
#define TO	    "To: Bob <sip:bob@example.org>\r\n"
#define CID	    "Call-ID: a84b4c76e66710@pc33.example.com\r\n"
#define INVITE_HDRS VIA FROM TO CID "CSeq: 314159 INVITE\r\n"
#define INVITE_LINE "INVITE sip:bob@example.org SIP/2.0\r\n"

/* Parse a C string; NULL with err filled when refused. */
static struct sipmsg *
parse(const char *s, struct sipmsg_error *err)
{
	return sipmsg_parse(s, strlen(s), err);
}

/* Expect s to be refused with scode. */
static void
refused(const char *s, int scode)
{
	struct sipmsg_error err;
	struct sipmsg *m = parse(s, &err);

	if (m != NULL) {
		sipmsg_free(m);
		fail_msg("accepted: %s", s);
	}
	if (err.scode != scode)
		fail_msg("got %d %s, want %d for: %s", err.scode, err.reason,
		    scode, s);
	assert_non_null(err.reason);
}

/* A full INVITE: every field lands where it should. */
static void
test_invite_fields(void **state)
{
	static const char msg[] = INVITE_LINE INVITE_HDRS
	    "v: SIP/2.0/TCP [2001:db8::9]:5070;branch=z9hG4bK2;received=x\r\n"
	    "Max-Forwards: 70\r\n"
	    "m: \"A\" <sip:alice@192.0.2.4:5066;transport=tcp>;expires=60\r\n"
	    "Expires: 120\r\n"
	    "User-Agent: Softphone/1.2.3\r\n"
	    "Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n"
	    "Require: 100rel\r\n"
	    "X-Private: secret\r\n"
	    "c: application/sdp\r\n"
	    "l: 5\r\n\r\nv=0\r\n";
	struct sipmsg_error err;
	struct sipmsg *m = parse(msg, &err);

	assert_non_null(m);
	assert_true(m->is_request);
	assert_int_equal(m->method, SIPMSG_INVITE);
	assert_true(span_eq(m->ruri.host, SPAN_LIT("example.org")));
	assert_true(span_eq(m->ruri.user, SPAN_LIT("bob")));
	assert_true(span_eq(m->ruri.scheme, SPAN_LIT("sip")));
	assert_int_equal(m->nvia, 2);
	assert_true(span_eq(m->via[0].branch, SPAN_LIT("z9hG4bKnashds8")));
	assert_true(span_eq(m->via[0].host, SPAN_LIT("pc33.example.com")));
	assert_int_equal(m->via[0].port, 5066);
	assert_true(span_eq(m->via[0].transport, SPAN_LIT("UDP")));
	assert_true(span_eq(m->via[1].host, SPAN_LIT("2001:db8::9")));
	assert_int_equal(m->via[1].port, 5070);
	assert_true(span_eq(m->via[1].transport, SPAN_LIT("TCP")));
	assert_true(span_eq(m->from.tag, SPAN_LIT("1928301774")));
	assert_true(span_eq(m->from.uri.user, SPAN_LIT("alice")));
	assert_true(m->from.dname.len > 0);
	assert_int_equal(m->to.tag.len, 0);
	assert_true(
	    span_eq(m->call_id, SPAN_LIT("a84b4c76e66710@pc33.example.com")));
	assert_int_equal(m->cseq, 314159);
	assert_true(span_eq(m->cseq_method, SPAN_LIT("INVITE")));
	assert_int_equal(m->ncontact, 1);
	assert_true(span_eq(m->contact.uri.host, SPAN_LIT("192.0.2.4")));
	assert_int_equal(m->contact.uri.port, 5066);
	assert_true(m->have_max_forwards);
	assert_int_equal(m->max_forwards, 70);
	assert_true(m->have_expires);
	assert_int_equal(m->expires, 120);
	assert_true(span_eq(m->user_agent, SPAN_LIT("Softphone/1.2.3")));
	assert_int_equal(m->nroute, 2);
	assert_true(span_eq(m->route[1].uri.host, SPAN_LIT("p2.example.com")));
	assert_true(span_eq(m->content_type, SPAN_LIT("application/sdp")));
	assert_int_equal(m->content_length, 5);
	assert_true(span_eq(m->body, SPAN_LIT("v=0\r\n")));
	assert_int_equal(sipmsg_count(m, SIPMSG_H_VIA), 2);
	assert_non_null(sipmsg_find(m, SIPMSG_H_REQUIRE, NULL));
	assert_int_equal(sipmsg_count(m, SIPMSG_H_OTHER), 1);
	{
		struct sipmsg *d = sipmsg_dup(m);
		size_t len;

		assert_ptr_equal(sipmsg_raw(m, &len), m->raw_);
		assert_int_equal(len, sizeof(msg) - 1);
		sipmsg_free(m);
		m = d; /* the copy outlives the original */
		assert_int_equal(m->nvia, 2);
		assert_true(span_eq(m->body, SPAN_LIT("v=0\r\n")));
	}
	sipmsg_free(m);
}

/* A response takes its method from CSeq. */
static void
test_response(void **state)
{
	static const char msg[] = "SIP/2.0 180 Ringing\r\n" INVITE_HDRS "\r\n";
	struct sipmsg_error err;
	struct sipmsg *m = parse(msg, &err);

	assert_non_null(m);
	assert_false(m->is_request);
	assert_int_equal(m->scode, 180);
	assert_int_equal(m->method, SIPMSG_INVITE);
	assert_true(span_eq(m->reason, SPAN_LIT("Ringing")));
	sipmsg_free(m);
	m = parse("SIP/2.0 100 \r\n" INVITE_HDRS "\r\n", &err);
	assert_non_null(m);
	assert_int_equal(m->reason.len, 0);
	sipmsg_free(m);
}

/* Names, methods and compact forms. */
static void
test_names(void **state)
{
	assert_int_equal(sipmsg_hid_from(SPAN_LIT("v")), SIPMSG_H_VIA);
	assert_int_equal(sipmsg_hid_from(SPAN_LIT("I")), SIPMSG_H_CALL_ID);
	assert_int_equal(sipmsg_hid_from(SPAN_LIT("k")), SIPMSG_H_SUPPORTED);
	assert_int_equal(
	    sipmsg_hid_from(SPAN_LIT("CALL-id")), SIPMSG_H_CALL_ID);
	assert_int_equal(sipmsg_hid_from(SPAN_LIT("s")), SIPMSG_H_OTHER);
	assert_int_equal(sipmsg_hid_from(SPAN_LIT("X-Foo")), SIPMSG_H_OTHER);
	assert_string_equal(sipmsg_hid_str(SIPMSG_H_CSEQ), "CSeq");
	assert_null(sipmsg_hid_str(SIPMSG_H_OTHER));
	assert_int_equal(sipmsg_method_from(SPAN_LIT("BYE")), SIPMSG_BYE);
	assert_int_equal(sipmsg_method_from(SPAN_LIT("bye")), SIPMSG_OTHER);
	assert_string_equal(sipmsg_method_str(SIPMSG_CANCEL), "CANCEL");
	assert_null(sipmsg_method_str(SIPMSG_OTHER));
}

/* Start lines: versions, spacing, status codes, URIs. */
static void
test_start_line(void **state)
{
	refused(
	    "INVITE sip:bob@example.org SIP/7.0\r\n" INVITE_HDRS "\r\n", 505);
	refused(
	    "INVITE sip:bob@example.org SIP/2.0x\r\n" INVITE_HDRS "\r\n", 400);
	refused(
	    "INVITE  sip:bob@example.org SIP/2.0\r\n" INVITE_HDRS "\r\n", 400);
	refused(
	    "INVITE sip:bob@example.org SIP/2.0 \r\n" INVITE_HDRS "\r\n", 400);
	refused(
	    "INVITE <sip:bob@example.org> SIP/2.0\r\n" INVITE_HDRS "\r\n", 400);
	refused("INVITE sip:bob@example.org?Route=x SIP/2.0\r\n" INVITE_HDRS
		"\r\n",
	    400);
	refused("INVITE tel:+1555 SIP/2.0\r\n" INVITE_HDRS "\r\n", 416);
	refused("INVITE sip:2001:db8::1 SIP/2.0\r\n" INVITE_HDRS "\r\n", 400);
	refused("SIP/2.0 4294967301 Huge\r\n" INVITE_HDRS "\r\n", 400);
	refused("SIP/2.0 099 Low\r\n" INVITE_HDRS "\r\n", 400);
	refused("SIP/2.0 200 O\x01K\r\n" INVITE_HDRS "\r\n", 400);
	refused(
	    "INV@TE sip:bob@example.org SIP/2.0\r\n" INVITE_HDRS "\r\n", 400);
}

/* Header syntax libre lets through. */
static void
test_header_syntax(void **state)
{
	static const char nul_name[] =
	    INVITE_LINE INVITE_HDRS "X-A\0b: 1\r\n\r\n";
	struct sipmsg_error err;

	assert_null(sipmsg_parse(nul_name, sizeof(nul_name) - 1, &err));
	assert_int_equal(err.scode, 400);
	refused(INVITE_LINE INVITE_HDRS "Bad Name: 1\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "NoColon\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "X-A: a\x01b\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "X-A: a\r\n", 400);
	refused(INVITE_LINE " folded-first: 1\r\n" INVITE_HDRS "\r\n", 400);
	refused(INVITE_LINE VIA "From: \"Alice <sip:a@b>;tag=1\r\n" TO CID
				"CSeq: 1 INVITE\r\n\r\n",
	    400);
}

/* Single-value fields, numbers, ranges. */
static void
test_values(void **state)
{
	refused(INVITE_LINE INVITE_HDRS CID "\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "CSeq: 2 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "Max-Forwards: 70\r\n"
					"Max-Forwards: 69\r\n\r\n",
	    400);
	refused(INVITE_LINE INVITE_HDRS "Max-Forwards: 300\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "Max-Forwards: -1\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "Expires: 99999999999\r\n\r\n", 400);
	refused(
	    INVITE_LINE VIA FROM TO CID "CSeq: 2147483648 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO CID "CSeq: 1\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO CID "CSeq: INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO CID "CSeq: 1 BYE\r\n\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS "Content-Length: 10\r\n\r\nabc", 400);
	refused(INVITE_LINE INVITE_HDRS "Content-Length: x\r\n\r\n", 400);
	refused(
	    INVITE_LINE INVITE_HDRS "Retry-After: 99999999999999\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO "Call-ID: a b\r\n"
					"CSeq: 1 INVITE\r\n\r\n",
	    400);
	refused(INVITE_LINE INVITE_HDRS
	    "Contact: <sip:a@b.example>;expires=99999999999\r\n\r\n",
	    400);
	refused(INVITE_LINE INVITE_HDRS "Contact: <sip:a@b.example>;;;\r\n\r\n",
	    400);
	refused(INVITE_LINE INVITE_HDRS "Contact: sip:a@b.example?x=y\r\n\r\n",
	    400);
}

/* What every message must carry. */
static void
test_mandatory(void **state)
{
	refused(INVITE_LINE FROM TO CID "CSeq: 1 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA TO CID "CSeq: 1 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM CID "CSeq: 1 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO "CSeq: 1 INVITE\r\n\r\n", 400);
	refused(INVITE_LINE VIA FROM TO CID "\r\n", 400);
	refused(INVITE_LINE INVITE_HDRS, 400);
}

/* Limits on lists. */
static void
test_limits(void **state)
{
	struct buf b;
	struct sipmsg_error err;
	size_t i;

	buf_init(&b, 65536);
	buf_addstr(&b, INVITE_LINE FROM TO CID "CSeq: 1 INVITE\r\n");
	for (i = 0; i <= SIPMSG_MAX_VIAS; i++)
		buf_printf(&b,
		    "Via: SIP/2.0/UDP h%zu.example;branch=z9hG4bK%zu\r\n", i,
		    i);
	buf_addstr(&b, "\r\n");
	assert_null(sipmsg_parse(b.data, b.len, &err));
	assert_int_equal(err.scode, 400);
	buf_reset(&b);
	buf_addstr(&b, INVITE_LINE INVITE_HDRS);
	for (i = 0; i <= SIPMSG_MAX_HDRS; i++)
		buf_printf(&b, "X-H%zu: v\r\n", i);
	buf_addstr(&b, "\r\n");
	assert_null(sipmsg_parse(b.data, b.len, &err));
	assert_int_equal(err.scode, 513);
	buf_free(&b);
}

/* Folding and white space in the places RFC 4475 puts them. */
static void
test_folding(void **state)
{
	static const char msg[] = INVITE_LINE VIA FROM
	    "TO :\r\n sip:bob@example.org ;   tag    = 1918181833n\r\n" CID
	    "cseq: 0009\r\n  INVITE\r\n"
	    "X-Long: a\r\n\tb\r\n\r\n";
	struct sipmsg_error err;
	struct sipmsg *m = parse(msg, &err);

	if (m == NULL)
		fail_msg("%d %s", err.scode, err.reason);
	assert_int_equal(m->cseq, 9);
	assert_true(span_eq(m->cseq_method, SPAN_LIT("INVITE")));
	assert_true(span_eq(m->to.tag, SPAN_LIT("1918181833n")));
	sipmsg_free(m);
}

/* White space inside an addr-spec, folded or not, is refused: libre
 * reads "Alice :" folded, and our echo of it (unfolded) would not parse
 * (found by fuzz_sipsan; the input is a seed there). */
static void
test_addr_spec_space(void **state)
{
	refused(INVITE_LINE VIA FROM "To: Alice :\r\n\t ; x=6\r\n" CID
				     "CSeq: 1 INVITE\r\n\r\n",
	    400);
	refused(INVITE_LINE VIA FROM "To: Alice : ; x=6\r\n" CID
				     "CSeq: 1 INVITE\r\n\r\n",
	    400);
	refused(INVITE_LINE VIA FROM "To: sip:bob\t@example.org\r\n" CID
				     "CSeq: 1 INVITE\r\n\r\n",
	    400);
	/* libre takes CR, LF and HT for URI characters: "receiv:" decodes
	 * only while folded (fuzz_sipsan in CI; a seed there too). */
	refused(INVITE_LINE VIA FROM "To: receiv:\r\n\t ; x=6\r\n" CID
				     "CSeq: 1 INVITE\r\n\r\n",
	    400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_invite_fields),
		cmocka_unit_test(test_response),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_start_line),
		cmocka_unit_test(test_header_syntax),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_mandatory),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_folding),
		cmocka_unit_test(test_addr_spec_space),
	};

	return cmocka_run_group_tests_name("sipmsg", tests, NULL, NULL);
}
