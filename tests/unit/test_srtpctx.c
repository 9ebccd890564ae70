#include "test.h"

#include <stdio.h>

#include "srtpctx.h"

static const uint8_t ka[SRTPCTX_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
	12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29,
	30 };
static const uint8_t kb[SRTPCTX_KEY_LEN] = { 30, 29, 28, 27 };

static void
test_format_parse(void **state)
{
	char line[SRTPCTX_CRYPTO_MAX], attr[SRTPCTX_CRYPTO_MAX + 8];
	uint8_t key[SRTPCTX_KEY_LEN];
	const char *why = NULL;

	srtpctx_format(ka, line, sizeof(line));
	assert_int_equal(strlen(line), strlen(SRTPCTX_SUITE) + 8 + 40);
	snprintf(attr, sizeof(attr), "1 %s", line);
	assert_int_equal(srtpctx_parse(attr, key, &why), 0);
	assert_memory_equal(key, ka, sizeof(ka));
	snprintf(attr, sizeof(attr), "3 %s|2^20", line);
	assert_int_equal(srtpctx_parse(attr, key, &why), 0);
	snprintf(attr, sizeof(attr), "3 %s|2^20|1:4", line);
	assert_int_equal(srtpctx_parse(attr, key, &why), -1);
	assert_int_equal(
	    srtpctx_parse("1 AES_CM_128_HMAC_SHA1_32 "
			  "inline:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		key, &why),
	    -1);
	assert_string_equal(why, "crypto attribute: unsupported suite");
	assert_int_equal(
	    srtpctx_parse("1 AES_CM_128_HMAC_SHA1_80 inline:AAAA", key, &why),
	    -1);
	snprintf(attr, sizeof(attr), "1 %s UNENCRYPTED_SRTP", line);
	assert_int_equal(srtpctx_parse(attr, key, &why), -1);
	assert_int_equal(srtpctx_parse("x", key, &why), -1);
}

static void
test_roundtrip_and_tamper(void **state)
{
	struct srtpctx *a = srtpctx_new(ka, kb), *b = srtpctx_new(kb, ka);
	uint8_t p[256] = { 0x80, 0, 0x12, 0x34, 0, 0, 0, 160, 1, 2, 3, 4 };
	uint8_t rtcp[256] = { 0x80, 201, 0, 1, 1, 2, 3, 4 };
	size_t len = 12 + 160, rlen = 8;

	assert_non_null(a);
	assert_non_null(b);
	memset(p + 12, 0x55, 160);
	assert_int_equal(srtpctx_protect_rtp(a, p, &len, sizeof(p)), 0);
	assert_int_equal(len, 12 + 160 + 10);
	assert_int_not_equal(p[12], 0x55);
	assert_int_equal(srtpctx_unprotect_rtp(b, p, &len), 0);
	assert_int_equal(len, 172);
	assert_int_equal(p[12], 0x55);
	/* A tampered packet fails authentication. */
	assert_int_equal(srtpctx_protect_rtp(a, p, &len, sizeof(p)), 0);
	p[20] ^= 1;
	assert_int_equal(srtpctx_unprotect_rtp(b, p, &len), -1);
	assert_int_equal(srtpctx_protect_rtcp(a, rtcp, &rlen, sizeof(rtcp)), 0);
	assert_int_equal(rlen, 8 + 14);
	assert_int_equal(srtpctx_unprotect_rtcp(b, rtcp, &rlen), 0);
	assert_int_equal(rlen, 8);
	assert_int_equal(rtcp[7], 4);
	srtpctx_free(a);
	srtpctx_free(b);
	srtpctx_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_roundtrip_and_tamper),
	};

	return cmocka_run_group_tests_name("srtpctx", tests, NULL, NULL);
}
