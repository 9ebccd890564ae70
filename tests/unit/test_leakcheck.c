#include "test.h"

#include "leakcheck.h"

/* Verdicts have names. */
static void
test_verdict_str(void **state)
{
	(void)state;
	assert_string_equal(leakcheck_verdict_str(LEAKCHECK_PASS), "pass");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
