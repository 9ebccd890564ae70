#include "test.h"

#include "csprng.h"

static void
test_token(void **state)
{
	char a[33], b[33];
	size_t i;

	csprng_token(a, 32);
	csprng_token(b, 32);
	assert_int_equal(strlen(a), 32);
	assert_string_not_equal(a, b);
	for (i = 0; i < 32; i++)
		assert_non_null(
		    strchr("abcdefghijklmnopqrstuvwxyz0123456789", a[i]));
	for (i = 0; i < 1000; i++)
		assert_true(csprng_uniform(7) < 7);
	assert_int_equal(csprng_uniform(1), 0);
}

static void
test_uniform_covers_range(void **state)
{
	int seen[5] = { 0 };
	int i;

	for (i = 0; i < 2000; i++)
		seen[csprng_uniform(5)]++;
	for (i = 0; i < 5; i++)
		assert_true(seen[i] > 250);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_token),
		cmocka_unit_test(test_uniform_covers_range),
	};

	return cmocka_run_group_tests_name("csprng", tests, NULL, NULL);
}
