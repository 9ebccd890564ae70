#include "test.h"

#include <stdio.h>

#include "rtcprw.h"
#include "xmalloc.h"

#define CNAME "q8Zr2mXkP0aLw7Ty"

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

/* True if needle occurs in the len bytes at p. */
static bool
contains(const uint8_t *p, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0)
			return true;
	return false;
}

/* Rebuild a captured packet toward the network. */
static int
rebuild_capture(const char *name, struct rtprw *rw, uint8_t *out, size_t outsz,
    struct rtcprw_info *info)
{
	char path[256];
	const char *why = NULL;
	uint8_t *in;
	size_t len;
	int n;

	snprintf(path, sizeof(path), "tests/captures/rtcp/%s", name);
	in = (uint8_t *)test_read_file(path, &len);
	n = rtcprw_rebuild(rw, RTCPRW_OUT, in, len, out, outsz, info, &why);
	free(in);
	return n;
}

/* Every packet of the compound: types in order, total length exact. */
static void
types_of(const uint8_t *p, size_t len, char *types, size_t max)
{
	size_t off = 0, n = 0;

	while (off < len && n + 1 < max) {
		types[n++] = (char)('0' + p[off + 1] - 200);
		off += ((size_t)p[off + 2] << 8 | p[off + 3]) * 4 + 4;
	}
	assert_int_equal(off, len);
	types[n] = '\0';
}

static void
test_baresip_app_dropped(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	uint8_t out[256];

	rtprw_init(&rw, 0xabcdef01, 0, 0, 0, CNAME);
	assert_int_equal(rebuild_capture("baresip-app-ping.bin", &rw, out,
			     sizeof(out), &info),
	    0);
	assert_int_equal(info.dropped, 1);
}

static void
test_baresip_cname_replaced(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	uint8_t out[256];
	char types[8];
	int n;

	rtprw_init(&rw, 0xabcdef01, 0, 100, (uint64_t)1 << 40, CNAME);
	n = rebuild_capture(
	    "baresip-sr-sdes.bin", &rw, out, sizeof(out), &info);
	assert_true(n > 0);
	types_of(out, (size_t)n, types, sizeof(types));
	assert_string_equal(types, "02");
	assert_false(contains(out, (size_t)n, "alice"));
	assert_false(contains(out, (size_t)n, "127.0.0.1"));
	assert_true(contains(out, (size_t)n, CNAME));
	assert_int_equal(rd32(out + 4), 0xabcdef01);
	/* The softphone's SSRC is gone from the whole packet. */
	assert_false(contains(out, (size_t)n, "\xf7\xf1}"));
	assert_true(info.sr);
	/* The softphone SSRC is learnt for the way back. */
	assert_true(rw.have_local);
	assert_int_equal(rw.ssrc_local, 0xf7f17d00);
}

static void
test_linphonec_tool_dropped(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	uint8_t out[256];
	char types[8];
	int n;

	rtprw_init(&rw, 0x01020304, 0, 0, 0, CNAME);
	n = rebuild_capture(
	    "linphonec-sr-sdes-tool.bin", &rw, out, sizeof(out), &info);
	assert_true(n > 0);
	types_of(out, (size_t)n, types, sizeof(types));
	assert_string_equal(types, "02");
	assert_false(contains(out, (size_t)n, "Linphone"));
	assert_false(contains(out, (size_t)n, "carol"));
	assert_false(contains(out, (size_t)n, "127.0.0.1"));
	/* SR statistics survive: packet count and octet count. */
	assert_int_equal(rd32(out + 20), 0x4c);
	assert_int_equal(rd32(out + 24), 0x2f80);
}

static void
test_bye_reason_dropped(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	uint8_t out[256];
	char types[8];
	int n;

	rtprw_init(&rw, 0x01020304, 0, 0, 0, CNAME);
	n = rebuild_capture(
	    "baresip-bye-adjo.bin", &rw, out, sizeof(out), &info);
	assert_true(n > 0);
	types_of(out, (size_t)n, types, sizeof(types));
	/* An RR first (a compound must start with a report), then SDES, BYE */
	assert_string_equal(types, "123");
	assert_false(contains(out, (size_t)n, "Adjo"));
	assert_false(contains(out, (size_t)n, "alice"));
	assert_true(info.bye);
}

static void
test_sr_ntp_and_ts_mapped(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	uint8_t out[256], *in;
	const char *why;
	size_t len;
	int n;

	in = (uint8_t *)test_read_file(
	    "tests/captures/rtcp/baresip-sr-lsr.bin", &len);
	rtprw_init(&rw, 0x01020304, 0, 1000, (uint64_t)0x12345678 << 16, CNAME);
	n = rtcprw_rebuild(
	    &rw, RTCPRW_OUT, in, len, out, sizeof(out), &info, &why);
	assert_true(n > 0);
	/* Middle 32 bits of the NTP timestamp moved by the offset. */
	assert_int_equal(info.sr_ntp_mid,
	    (uint32_t)(((uint64_t)rd32(in + 8) << 16 | rd32(in + 12) >> 16) +
		0x12345678));
	assert_int_equal(rd32(out + 16), rd32(in + 16) + 1000);
	/* The report block about the peer's stream is kept as it was. */
	assert_memory_equal(out + 28, in + 28, 24);
	free(in);
}

static void
test_in_maps_report_back(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	const char *why;
	uint8_t out[256];
	/* RR from the peer's gateway about our stream 0x0a0b0c0d. */
	uint8_t in[] = { 0x81, 201, 0, 7, 0x55, 0x55, 0x55, 0x55, 0x0a, 0x0b,
		0x0c, 0x0d, 0, 0, 0, 0, 0, 0, 0x03, 0xe8 + 0, 0, 0, 0, 9, 0x12,
		0x34, 0x56, 0x78, 0, 1, 0, 0 };
	int n;

	rtprw_init(&rw, 0x0a0b0c0d, 0x100, 0, (uint64_t)0x1000 << 16, CNAME);
	rw.have_local = true;
	rw.ssrc_local = 0x11111111;
	n = rtcprw_rebuild(
	    &rw, RTCPRW_IN, in, sizeof(in), out, sizeof(out), &info, &why);
	assert_int_equal(n, 32);
	assert_int_equal(rd32(out + 8), 0x11111111);
	assert_int_equal(rd32(out + 16), 0x3e8 - 0x100);
	assert_int_equal(rd32(out + 24), 0x12345678 - 0x1000);
	assert_int_equal(info.nreports, 1);
	assert_int_equal(info.lsr[0], 0x12345678);
	assert_int_equal(info.dlsr[0], 0x10000);
}

static void
test_in_foreign_blocks_dropped(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	const char *why;
	uint8_t out[256];
	uint8_t in[] = { 0x81, 201, 0, 7, 0x55, 0x55, 0x55, 0x55, 9, 9, 9, 9, 0,
		0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

	rtprw_init(&rw, 0x0a0b0c0d, 0, 0, 0, CNAME);
	rw.have_local = true;
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_IN, in, sizeof(in), out,
			     sizeof(out), &info, &why),
	    8);
	assert_int_equal(out[0] & 0x1f, 0);
}

static void
test_malformed_refused(void **state)
{
	struct rtprw rw;
	struct rtcprw_info info;
	const char *why = NULL;
	uint8_t out[256];
	uint8_t longer[] = { 0x80, 201, 0, 5, 1, 2, 3, 4 };
	uint8_t v1[] = { 0x40, 201, 0, 1, 1, 2, 3, 4 };
	uint8_t rtp[] = { 0x80, 0, 0, 1, 1, 2, 3, 4 };
	uint8_t rcbig[] = { 0x85, 201, 0, 1, 1, 2, 3, 4 };
	uint8_t odd[] = { 0x80, 201, 0, 1, 1, 2, 3, 4, 5 };

	rtprw_init(&rw, 1, 0, 0, 0, CNAME);
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_OUT, longer, sizeof(longer),
			     out, sizeof(out), &info, &why),
	    -1);
	assert_non_null(why);
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_OUT, v1, sizeof(v1), out,
			     sizeof(out), &info, &why),
	    -1);
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_OUT, rtp, sizeof(rtp), out,
			     sizeof(out), &info, &why),
	    -1);
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_OUT, rcbig, sizeof(rcbig),
			     out, sizeof(out), &info, &why),
	    -1);
	assert_int_equal(rtcprw_rebuild(&rw, RTCPRW_OUT, odd, sizeof(odd), out,
			     sizeof(out), &info, &why),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baresip_app_dropped),
		cmocka_unit_test(test_baresip_cname_replaced),
		cmocka_unit_test(test_linphonec_tool_dropped),
		cmocka_unit_test(test_bye_reason_dropped),
		cmocka_unit_test(test_sr_ntp_and_ts_mapped),
		cmocka_unit_test(test_in_maps_report_back),
		cmocka_unit_test(test_in_foreign_blocks_dropped),
		cmocka_unit_test(test_malformed_refused),
	};

	return cmocka_run_group_tests_name("rtcprw", tests, NULL, NULL);
}
