#include "test.h"

#include "rtprw.h"

static const uint8_t pcmu_hdr[] = { 0x80, 0x00, 0x00, 0x00, /* seq 0 */
	0x00, 0x00, 0x00, 0xa0, 0x11, 0x22, 0x33, 0x44 };

/* A softphone packet: version 2, PT 0, seq, ts, ssrc, payload. */
static size_t
mkpkt(uint8_t *p, uint16_t seq, uint32_t ts, size_t payload)
{
	memcpy(p, pcmu_hdr, sizeof(pcmu_hdr));
	p[2] = seq >> 8;
	p[3] = seq & 0xff;
	p[4] = ts >> 24;
	p[5] = (ts >> 16) & 0xff;
	p[6] = (ts >> 8) & 0xff;
	p[7] = ts & 0xff;
	memset(p + 12, 0xd5, payload);
	return 12 + payload;
}

static void
test_rewrite_out(void **state)
{
	struct rtprw rw;
	uint8_t p[200];
	const char *why = NULL;
	size_t len = mkpkt(p, 0, 160, 160);

	rtprw_init(&rw, 0xdeadbeef, 1000, 5000, 0, "abcdefghijklmnop");
	assert_int_equal(rtprw_classify(p, len), RTPRW_RTP);
	assert_int_equal(rtprw_out(&rw, p, len, &why), (int)len);
	/* A softphone starting at sequence 0 is not visible any more. */
	assert_int_equal(p[2] << 8 | p[3], 1000);
	assert_int_equal(
	    (uint32_t)p[4] << 24 | p[5] << 16 | p[6] << 8 | p[7], 5160);
	assert_int_equal(
	    (uint32_t)p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11], 0xdeadbeef);
	assert_int_equal(p[12], 0xd5);
	assert_int_equal(rtprw_ssrc_back(&rw, 0xdeadbeef), 0x11223344);
	assert_int_equal(rtprw_ssrc_back(&rw, 7), 7);
}

static void
test_sequence_wraps(void **state)
{
	struct rtprw rw;
	uint8_t p[64];
	const char *why;
	size_t len = mkpkt(p, 65535, 0xffffffff, 4);

	rtprw_init(&rw, 1, 2, 3, 0, "x");
	assert_int_equal(rtprw_out(&rw, p, len, &why), (int)len);
	assert_int_equal(p[2] << 8 | p[3], 1);
	assert_int_equal(p[7], 2);
}

static void
test_strip_csrc_and_extension(void **state)
{
	struct rtprw rw;
	uint8_t p[64] = { 0x91, 0x00, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4,
		/* one CSRC */ 9, 9, 9, 9,
		/* extension, one word */ 0xbe, 0xde, 0, 1, 0x10, 'i', 'd', 0,
		/* payload */ 'P', 'A', 'Y' };
	const char *why = NULL;
	int n;

	rtprw_init(&rw, 5, 0, 0, 0, "x");
	n = rtprw_out(&rw, p, 27, &why);
	assert_int_equal(n, 15);
	assert_int_equal(p[0], 0x80);
	assert_memory_equal(p + 12, "PAY", 3);
}

static void
test_reject_garbage(void **state)
{
	struct rtprw rw;
	/* A STUN binding request (linphone probes the peer's RTP port). */
	uint8_t stun[20] = { 0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
	uint8_t shortp[8] = { 0x80, 0 };
	uint8_t v1[12] = { 0x40, 0 };
	uint8_t badcc[12] = { 0x8f, 0 };
	uint8_t badpad[13] = { 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	uint8_t badext[16] = { 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe,
		0xde, 0, 5 };
	const char *why = NULL;

	rtprw_init(&rw, 5, 0, 0, 0, "x");
	assert_int_equal(rtprw_classify(stun, sizeof(stun)), RTPRW_GARBAGE);
	assert_int_equal(rtprw_out(&rw, stun, sizeof(stun), &why), -1);
	assert_non_null(why);
	assert_int_equal(rtprw_out(&rw, shortp, sizeof(shortp), &why), -1);
	assert_int_equal(rtprw_out(&rw, v1, sizeof(v1), &why), -1);
	assert_int_equal(rtprw_out(&rw, badcc, sizeof(badcc), &why), -1);
	assert_int_equal(rtprw_out(&rw, badpad, sizeof(badpad), &why), -1);
	assert_int_equal(rtprw_out(&rw, badext, sizeof(badext), &why), -1);
	assert_false(rw.have_local);
}

static void
test_classify_rtcp(void **state)
{
	uint8_t rr[8] = { 0x80, 201, 0, 1, 1, 2, 3, 4 };

	assert_int_equal(rtprw_classify(rr, sizeof(rr)), RTPRW_RTCP);
}

static void
test_in_keeps_payload(void **state)
{
	uint8_t p[64];
	const char *why;
	size_t len = mkpkt(p, 7, 8, 20);

	assert_int_equal(rtprw_in(p, len, &why), (int)len);
	assert_int_equal(p[3], 7);
}

/* Payload types renumbered through a map, the marker kept; unknown: -1. */
static void
test_map_pt(void **state)
{
	uint8_t map[128], p[RTPRW_HDR] = { 0x80, 0x80 | 110, 0, 1 };

	(void)state;
	memset(map, 0xff, sizeof(map));
	map[110] = 101;
	map[0] = 0;
	assert_int_equal(rtprw_map_pt(map, p, sizeof(p)), 0);
	assert_int_equal(p[1], 0x80 | 101);
	p[1] = 0;
	assert_int_equal(rtprw_map_pt(map, p, sizeof(p)), 0);
	assert_int_equal(p[1], 0);
	p[1] = 96;
	assert_int_equal(rtprw_map_pt(map, p, sizeof(p)), -1);
	assert_int_equal(p[1], 96);
	assert_int_equal(rtprw_map_pt(map, p, RTPRW_HDR - 1), -1);
}

/*
 * The softphone's padding is dropped on the way out, ours is added to the
 * next RTPRW_PAD_BLOCK, and the receiving side strips it again.
 */
static void
test_padding(void **state)
{
	uint8_t p[RTPRW_MAX_PACKET] = { 0xa0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
		'a', 'b', 'c', 'd', 9, 9, 3 };
	struct rtprw rw;
	const char *why;
	size_t len;
	int n;

	(void)state;
	rtprw_init(&rw, 0x11111111, 0, 0, 0, "cname");
	n = rtprw_out(&rw, p, 19, &why);
	assert_int_equal(n, RTPRW_HDR + 4);
	assert_int_equal(p[0] & 0x20, 0);
	assert_memory_equal(p + RTPRW_HDR, "abcd", 4);
	len = rtprw_pad(p, (size_t)n, sizeof(p));
	assert_int_equal(len, RTPRW_HDR + RTPRW_PAD_BLOCK);
	assert_int_equal(p[0] & 0x20, 0x20);
	assert_int_equal(p[len - 1], RTPRW_PAD_BLOCK - 4);
	assert_int_equal(rtprw_check(p, len, &why), RTPRW_HDR);
	n = rtprw_in(p, len, &why);
	assert_int_equal(n, RTPRW_HDR + 4);
	assert_int_equal(p[0], 0x80);
	assert_memory_equal(p + RTPRW_HDR, "abcd", 4);
	/* Payloads of 191 and 192 bytes: one byte of padding, a block. */
	assert_int_equal(
	    rtprw_pad(p, RTPRW_HDR + 191, sizeof(p)), RTPRW_HDR + 192);
	p[0] = 0x80;
	assert_int_equal(
	    rtprw_pad(p, RTPRW_HDR + 192, sizeof(p)), RTPRW_HDR + 384);
	assert_int_equal(p[RTPRW_HDR + 383], 192);
	/* No room: unchanged. */
	p[0] = 0x80;
	assert_int_equal(
	    rtprw_pad(p, RTPRW_HDR + 4, RTPRW_HDR + 100), RTPRW_HDR + 4);
	assert_int_equal(p[0], 0x80);
	assert_int_equal(
	    rtprw_pad(p, RTPRW_HDR + 1400, sizeof(p)), RTPRW_HDR + 1400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite_out),
		cmocka_unit_test(test_sequence_wraps),
		cmocka_unit_test(test_strip_csrc_and_extension),
		cmocka_unit_test(test_reject_garbage),
		cmocka_unit_test(test_classify_rtcp),
		cmocka_unit_test(test_in_keeps_payload),
		cmocka_unit_test(test_map_pt),
		cmocka_unit_test(test_padding),
	};

	return cmocka_run_group_tests_name("rtprw", tests, NULL, NULL);
}
