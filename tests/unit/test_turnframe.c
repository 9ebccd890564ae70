#include "test.h"

#include "turnframe.h"

static void
test_channel_roundtrip_padding(void **state)
{
	uint8_t buf[64], payload[5] = { 1, 2, 3, 4, 5 };
	struct turnframe f;
	const char *why = NULL;
	size_t n;

	n = turnframe_channel_write(buf, sizeof(buf), 0x4001, payload, 5);
	assert_int_equal(n, 12); /* 4 + 5, padded to 4 */
	assert_int_equal(buf[9], 0);
	assert_int_equal(turnframe_next(buf, 8, &f, &why), TURNFRAME_NEED_MORE);
	assert_int_equal(turnframe_next(buf, n, &f, &why), TURNFRAME_CHANNEL);
	assert_int_equal(f.total, 12);
	assert_int_equal(f.channel, 0x4001);
	assert_int_equal(f.payload_len, 5);
	assert_memory_equal(f.payload, payload, 5);
	/* Bad arguments write nothing. */
	assert_int_equal(
	    turnframe_channel_write(buf, 8, 0x4001, payload, 5), 0);
	assert_int_equal(
	    turnframe_channel_write(buf, 64, 0x3fff, payload, 5), 0);
}

static void
test_stream_of_mixed_frames(void **state)
{
	uint8_t buf[128] = { 0 };
	uint8_t stun[20] = { 0x01, 0x13, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
	struct turnframe f;
	const char *why = NULL;
	size_t off = 0, n;
	int kinds = 0;

	n = turnframe_channel_write(
	    buf, sizeof(buf), 0x4fff, (const uint8_t *)"abc", 3);
	memcpy(buf + n, stun, sizeof(stun));
	n += sizeof(stun);
	n += turnframe_channel_write(
	    buf + n, sizeof(buf) - n, 0x4000, (const uint8_t *)"", 0);
	while (turnframe_next(buf + off, n - off, &f, &why) !=
	    TURNFRAME_NEED_MORE) {
		assert_int_not_equal(f.kind, TURNFRAME_ERROR);
		kinds = kinds * 10 + (int)f.kind;
		off += f.total;
	}
	assert_int_equal(off, n);
	assert_int_equal(kinds, 212);
}

static void
test_out_of_step(void **state)
{
	uint8_t bad1[8] = { 0x80, 0, 0, 4 };
	uint8_t bad2[8] = { 0x50, 0x00, 0, 4 }; /* channel 0x5000 */
	uint8_t bad3[8] = { 0x00, 0x01, 0, 3 }; /* STUN length not 4k */
	uint8_t bad4[8] = { 0x00, 0x01, 0, 4, 1, 2, 3, 4 }; /* cookie */
	struct turnframe f;
	const char *why = NULL;

	assert_int_equal(turnframe_next(bad1, 8, &f, &why), TURNFRAME_ERROR);
	assert_non_null(why);
	assert_int_equal(turnframe_next(bad2, 8, &f, &why), TURNFRAME_ERROR);
	assert_int_equal(turnframe_next(bad3, 8, &f, &why), TURNFRAME_ERROR);
	assert_int_equal(turnframe_next(bad4, 8, &f, &why), TURNFRAME_ERROR);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channel_roundtrip_padding),
		cmocka_unit_test(test_stream_of_mixed_frames),
		cmocka_unit_test(test_out_of_step),
	};

	return cmocka_run_group_tests_name("turnframe", tests, NULL, NULL);
}
