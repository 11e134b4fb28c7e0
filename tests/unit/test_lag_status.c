/*
 * A consumer's status over its window (kafka/lag_status.h), each of Burrow's rules on both
 * sides: OK when the lag was within bounds at some sample; STOP with no member; REWIND
 * until the consumer is back where it was; STALL when the offset never moves; WARN when it
 * moves but the lag never falls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kafka/lag_status.h"

#define N(w) ((int)(sizeof(w) / sizeof((w)[0])))

static void lag_within_bounds_now_or_once_is_ok(void **state)
{
	const yb_lag_sample now_zero[] = {{10, 5, 0}, {20, 7, 1000}, {30, 0, 2000}};
	const yb_lag_sample once_zero[] = {{10, 5, 0}, {15, 0, 1000}, {15, 9, 2000}};
	const yb_lag_sample allowed[] = {{10, 3, 0}, {10, 3, 1000}, {10, 3, 2000}};

	(void)state;
	assert_int_equal(yb_lag_evaluate(now_zero, N(now_zero), 1, 0), YB_LAG_OK);
	assert_int_equal(yb_lag_evaluate(once_zero, N(once_zero), 1, 0), YB_LAG_OK);
	/* Three messages behind and still: within an allowed lag of 3, a STALL without it. */
	assert_int_equal(yb_lag_evaluate(allowed, N(allowed), 1, 3), YB_LAG_OK);
	assert_int_equal(yb_lag_evaluate(allowed, N(allowed), 1, 0), YB_LAG_STALL);
	assert_int_equal(yb_lag_evaluate(NULL, 0, 1, 0), YB_LAG_OK);
}

static void lagging_with_no_member_is_stop(void **state)
{
	const yb_lag_sample one[] = {{10, 5, 0}};
	const yb_lag_sample caught_up[] = {{10, 0, 0}};

	(void)state;
	assert_int_equal(yb_lag_evaluate(one, N(one), 0, 0), YB_LAG_STOP);
	assert_int_equal(yb_lag_evaluate(caught_up, N(caught_up), 0, 0), YB_LAG_OK);
	/* One sample with a member decides nothing more (a window not yet complete). */
	assert_int_equal(yb_lag_evaluate(one, N(one), 1, 0), YB_LAG_OK);
}

static void a_rewind_counts_until_the_consumer_is_back(void **state)
{
	const yb_lag_sample rewound[] = {{100, 5, 0}, {50, 55, 1000}, {60, 45, 2000}};
	const yb_lag_sample recovered[] = {{100, 5, 0}, {50, 55, 1000}, {120, 4, 2000}};

	(void)state;
	assert_int_equal(yb_lag_evaluate(rewound, N(rewound), 1, 0), YB_LAG_REWIND);
	/* Back past 100: the rest of the rules decide; the lag fell, so OK. */
	assert_int_equal(yb_lag_evaluate(recovered, N(recovered), 1, 0), YB_LAG_OK);
}

static void an_offset_that_never_moves_is_stall(void **state)
{
	const yb_lag_sample stalled[] = {{40, 10, 0}, {40, 10, 1000}, {40, 12, 2000}};
	const yb_lag_sample moving[] = {{40, 10, 0}, {41, 10, 1000}, {41, 12, 2000}};

	(void)state;
	assert_int_equal(yb_lag_evaluate(stalled, N(stalled), 2, 0), YB_LAG_STALL);
	/* It moved once: not stalled, but its lag never fell: WARN. */
	assert_int_equal(yb_lag_evaluate(moving, N(moving), 2, 0), YB_LAG_WARN);
}

static void a_lag_that_never_falls_is_warn(void **state)
{
	const yb_lag_sample slower[] = {{10, 5, 0}, {20, 6, 1000}, {30, 7, 2000}};
	const yb_lag_sample catching_up[] = {{10, 5, 0}, {20, 6, 1000}, {30, 4, 2000}};

	(void)state;
	assert_int_equal(yb_lag_evaluate(slower, N(slower), 1, 0), YB_LAG_WARN);
	assert_int_equal(yb_lag_evaluate(catching_up, N(catching_up), 1, 0), YB_LAG_OK);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(yb_lag_status_name(YB_LAG_OK), "OK");
	assert_string_equal(yb_lag_status_name(YB_LAG_STALL), "STALL");
	assert_string_equal(yb_lag_status_name(YB_LAG_ERR), "ERR");
	assert_true(YB_LAG_WARN < YB_LAG_STOP && YB_LAG_STOP < YB_LAG_STALL &&
		    YB_LAG_STALL < YB_LAG_REWIND && YB_LAG_REWIND < YB_LAG_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lag_within_bounds_now_or_once_is_ok),
	    cmocka_unit_test(lagging_with_no_member_is_stop),
	    cmocka_unit_test(a_rewind_counts_until_the_consumer_is_back),
	    cmocka_unit_test(an_offset_that_never_moves_is_stall),
	    cmocka_unit_test(a_lag_that_never_falls_is_warn),
	    cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
