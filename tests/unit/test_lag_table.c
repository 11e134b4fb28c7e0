/*
 * Lag in seconds by the wall clock (kafka/lag_table.h): interpolated between the samples of a
 * partition's end around the committed offset, extrapolated before the oldest, a lower
 * bound when the end never moved; flat runs keep their first sample; a full table thins its
 * older half and keeps its oldest sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kafka/lag_table.h"

static void interpolates_between_the_samples_around_the_offset(void **state)
{
	yb_lag_table t = {0};
	int64_t lag = 0;

	(void)state;
	yb_lag_table_add(&t, 0, 1000);
	yb_lag_table_add(&t, 100, 2000);
	yb_lag_table_add(&t, 200, 3000);
	/* Committed 49: record 49 was readable once the end reached 50, halfway from 0 (1000 ms)
	 * to 100 (2000 ms): 1500 ms. At 4000 ms that is 2500 ms ago. */
	assert_int_equal(yb_lag_table_lag_ms(&t, 49, 4000, &lag), YB_LAG_TIME_ESTIMATE);
	assert_int_equal(lag, 2500);
	/* Committed 149: the end reached 150 at 2500 ms: 1500 ms ago. */
	yb_lag_table_lag_ms(&t, 149, 4000, &lag);
	assert_int_equal(lag, 1500);
	/* At the newest end: caught up. */
	assert_int_equal(yb_lag_table_lag_ms(&t, 200, 4000, &lag), YB_LAG_TIME_ESTIMATE);
	assert_int_equal(lag, 0);
}

static void extrapolates_before_the_oldest_sample_along_the_trend(void **state)
{
	yb_lag_table t = {0};
	int64_t lag = 0;

	(void)state;
	yb_lag_table_add(&t, 100, 10000);
	yb_lag_table_add(&t, 200, 20000);
	/* 100 offsets per 10 s: the end reached 50 fifty offsets (5000 ms) before it was at 100
	 * (10000 ms), at 5000 ms; at 30000 ms, 25000 ms ago. */
	assert_int_equal(yb_lag_table_lag_ms(&t, 49, 30000, &lag), YB_LAG_TIME_ESTIMATE);
	assert_int_equal(lag, 25000);
}

static void an_end_that_never_moved_gives_a_lower_bound(void **state)
{
	yb_lag_table t = {0};
	int64_t lag = 0;

	(void)state;
	assert_int_equal(yb_lag_table_lag_ms(&t, 5, 1000, &lag), YB_LAG_TIME_UNKNOWN);
	assert_int_equal(lag, -1);
	yb_lag_table_add(&t, 100, 1000);
	yb_lag_table_add(&t, 100, 2000);
	yb_lag_table_add(&t, 100, 5000);
	assert_int_equal(t.count, 2); /* the run keeps its first and its last */
	/* The record was there at the first sample (1000 ms): at least 6000 ms at 7000 ms. */
	assert_int_equal(yb_lag_table_lag_ms(&t, 50, 7000, &lag), YB_LAG_TIME_AT_LEAST);
	assert_int_equal(lag, 6000);
}

static void a_flat_run_keeps_when_the_end_got_there(void **state)
{
	yb_lag_table t = {0};
	int64_t lag = 0;

	(void)state;
	yb_lag_table_add(&t, 0, 0);
	yb_lag_table_add(&t, 100, 1000);
	yb_lag_table_add(&t, 100, 2000);
	yb_lag_table_add(&t, 100, 3000);
	assert_int_equal(t.count, 3);
	assert_int_equal(t.points[1].time_ms, 1000);
	assert_int_equal(t.points[2].time_ms, 3000);
	/* Committed 99: the end reached 100 at 1000 ms (0 → 100 over 0..1000 ms), 4000 ms before
	 * 5000 ms, however long it then stood still. */
	yb_lag_table_lag_ms(&t, 99, 5000, &lag);
	assert_int_equal(lag, 4000);
}

static void late_samples_are_ignored_and_a_lower_end_starts_again(void **state)
{
	yb_lag_table t = {0};

	(void)state;
	yb_lag_table_add(&t, 10, 1000);
	yb_lag_table_add(&t, 20, 1000); /* not later: ignored */
	yb_lag_table_add(&t, 30, 900);
	assert_int_equal(t.count, 1);
	yb_lag_table_add(&t, 5, 2000); /* the topic recreated */
	assert_int_equal(t.count, 1);
	assert_int_equal(t.points[0].offset, 5);
}

static void a_full_table_thins_its_older_half(void **state)
{
	yb_lag_table t = {0};
	int64_t lag = 0;

	(void)state;
	for (int i = 0; i <= YB_LAG_TABLE_POINTS; i++)
		yb_lag_table_add(&t, 10 * (int64_t)i, 1000 * (int64_t)i);
	/* 65 samples into 64 places: the older 32 thinned to 16, the newer 32 and the new one
	 * kept: 49, the oldest (offset 0 at 0 ms) still first. */
	assert_int_equal(t.count, YB_LAG_TABLE_POINTS / 4 + YB_LAG_TABLE_POINTS / 2 + 1);
	assert_int_equal(t.points[0].offset, 0);
	assert_int_equal(t.points[t.count - 1].offset, 10 * YB_LAG_TABLE_POINTS);
	/* Thinned samples were on the same line: committed 14 → the end at 15 at 1500 ms. */
	yb_lag_table_lag_ms(&t, 14, 100000, &lag);
	assert_int_equal(lag, 98500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(interpolates_between_the_samples_around_the_offset),
	    cmocka_unit_test(extrapolates_before_the_oldest_sample_along_the_trend),
	    cmocka_unit_test(an_end_that_never_moved_gives_a_lower_bound),
	    cmocka_unit_test(a_flat_run_keeps_when_the_end_got_there),
	    cmocka_unit_test(late_samples_are_ignored_and_a_lower_end_starts_again),
	    cmocka_unit_test(a_full_table_thins_its_older_half),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
