#include "test.h"

#include "log.h"

static void
test_escape(void **state)
{
	char out[LOG_ESCAPE_MAX];

	assert_string_equal(
	    log_escape(out, sizeof(out), "a\"b\\c", 5), "a\\\"b\\\\c");
	assert_string_equal(log_escape(out, sizeof(out), "x\0\r\n\xff", 5),
	    "x\\x00\\x0d\\x0a\\xff");
	/* Cut to fit, with a marker, never past the buffer. */
	assert_string_equal(
	    log_escape(out, 10, "abcdefghijkl", 12), "abcdef...");
	assert_string_equal(log_escape(out, 8, "\x01\x02", 2), "\\x01...");
}

static void
test_ratelim(void **state)
{
	struct log_ratelim rl = LOG_RATELIM_INIT(10, 2);
	unsigned int sup = 99;

	assert_true(log_ratelim_allow(&rl, 1000, &sup));
	assert_int_equal(sup, 0);
	assert_true(log_ratelim_allow(&rl, 1001, &sup));
	assert_false(log_ratelim_allow(&rl, 1002, &sup));
	assert_false(log_ratelim_allow(&rl, 1009, &sup));
	assert_true(log_ratelim_allow(&rl, 1010, &sup));
	assert_int_equal(sup, 2);
	assert_true(log_ratelim_allow(&rl, 1011, &sup));
	assert_int_equal(sup, 0);
}

static void
test_sensitive(void **state)
{
	log_init(true, LOGL_ERR, false);
	assert_string_equal(log_sensitive("sip:a@b"), "[scrubbed]");
	log_init(true, LOGL_ERR, true);
	assert_string_equal(log_sensitive("sip:a@b"), "sip:a@b");
}

static void
test_levels(void **state)
{
	enum log_level l;

	assert_int_equal(log_level_from_str("DEBUG", &l), 0);
	assert_int_equal(l, LOGL_DEBUG);
	assert_int_equal(log_level_from_str("loud", &l), -1);
	assert_string_equal(log_level_str(LOGL_WARN), "warn");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_ratelim),
		cmocka_unit_test(test_sensitive),
		cmocka_unit_test(test_levels),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
