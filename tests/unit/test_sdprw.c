#include "test.h"

#include "buf.h"
#include "sdprw.h"

/* The session starts with the caller's identifiers. */
static void
test_session_init(void **state)
{
	struct sdprw_session s;

	(void)state;
	sdprw_session_init(&s, 42, 7);
	assert_int_equal(s.sess_id, 42);
	assert_int_equal(s.version, 7);
	assert_false(s.have_in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_session_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
