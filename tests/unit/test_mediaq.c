#include "test.h"

#include "delayctl.h"
#include "mediaq.h"

static void
test_drop_oldest_when_full(void **state)
{
	struct mediaq q;
	const uint8_t *p;
	size_t len, i;
	uint8_t *w;

	mediaq_init(&q, 0);
	for (i = 0; i < MEDIAQ_SLOTS + 3; i++) {
		w = mediaq_push(&q, 1000 * i, 4);
		assert_non_null(w);
		memset(w, (int)i, 4);
	}
	assert_int_equal(mediaq_count(&q), MEDIAQ_SLOTS);
	assert_int_equal(q.drops_full, 3);
	p = mediaq_peek(&q, &len, NULL);
	assert_int_equal(p[0], 3); /* the newest survive */
	assert_null(mediaq_push(&q, 0, MEDIAQ_MAX_FRAME + 1));
	mediaq_free(&q);
}

static void
test_expire_by_age(void **state)
{
	struct mediaq q;
	uint64_t t;
	size_t len;

	mediaq_init(&q, 200000);
	mediaq_push(&q, 0, 10);
	mediaq_push(&q, 100000, 10);
	mediaq_push(&q, 250000, 10);
	mediaq_expire(&q, 250000);
	assert_int_equal(mediaq_count(&q), 2);
	assert_int_equal(q.drops_age, 1);
	assert_non_null(mediaq_peek(&q, &len, &t));
	assert_int_equal(t, 100000);
	mediaq_pop(&q);
	mediaq_pop(&q);
	mediaq_pop(&q); /* popping empty is harmless */
	assert_null(mediaq_peek(&q, &len, &t));
	mediaq_free(&q);
}

static void
test_rtt_from_lsr_dlsr(void **state)
{
	struct delayctl d;

	delayctl_init(&d, 400);
	delayctl_sr_sent(&d, 0x11112222, 1000000);
	/* The peer held it 0.5 s (32768/65536); back after 1.3 s: RTT 800. */
	assert_int_equal(delayctl_report(&d, 0x11112222, 32768, 2300000), 800);
	assert_int_equal(d.rtt_ms, 800);
	assert_int_equal(delayctl_report(&d, 0x99, 0, 2300000), -1);
	/* The same NTP sent again: measured from the newest sending. */
	delayctl_sr_sent(&d, 0x11112222, 2000000);
	assert_int_equal(delayctl_report(&d, 0x11112222, 0, 2100000), 100);
	assert_int_equal(delayctl_report(&d, 0, 0, 2300000), -1);
	/* A DLSR longer than the time since is nonsense. */
	assert_int_equal(
	    delayctl_report(&d, 0x11112222, 65536 * 10, 2300000), -1);
}

static void
test_shedding(void **state)
{
	struct delayctl d;
	unsigned int i, shed = 0;

	delayctl_init(&d, 400);
	assert_int_equal(delayctl_shed_pct(&d, 100000, 0), 0);
	delayctl_sr_sent(&d, 1, 0);
	delayctl_report(&d, 1, 0, 1200000); /* RTT 1200: one way 600 */
	assert_int_equal(delayctl_shed_pct(&d, 0, 1200000), 50);
	for (i = 0; i < 100; i++)
		shed += delayctl_should_shed(&d, 0, 1200000);
	assert_int_equal(shed, 50);
	/* A stale measurement no longer counts. */
	assert_int_equal(
	    delayctl_shed_pct(&d, 0, 1200000 + DELAYCTL_STALE_US), 0);
	/* Queue age alone over budget sheds too. */
	assert_true(
	    delayctl_shed_pct(&d, 500000, 1200000 + DELAYCTL_STALE_US) > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drop_oldest_when_full),
		cmocka_unit_test(test_expire_by_age),
		cmocka_unit_test(test_rtt_from_lsr_dlsr),
		cmocka_unit_test(test_shedding),
	};

	return cmocka_run_group_tests_name("mediaq", tests, NULL, NULL);
}
