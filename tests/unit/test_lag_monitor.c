/*
 * Successive measurements judged together (kafka/lag_monitor.h): lag in seconds from the
 * partition's end over the wall clock, whatever the records' timestamps; two groups behind
 * on one partition each get their own figures; statuses over the window; group totals; a
 * group whose offsets could not be read is ERR while the others keep their figures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/lag_monitor.h"

static yb_group_info group(const char *name, int members)
{
	yb_group_info g;

	memset(&g, 0, sizeof(g));
	strcpy(g.group, name);
	strcpy(g.state, members > 0 ? "Stable" : "Empty");
	g.members = members;
	return g;
}

static yb_partition_lag part(int group, const char *topic, int partition, int64_t committed,
			     int64_t end)
{
	yb_partition_lag p;

	memset(&p, 0, sizeof(p));
	p.group = group;
	strcpy(p.topic, topic);
	p.partition = partition;
	p.committed = committed;
	p.log_end = p.stable_end = end;
	p.lag = end > committed ? end - committed : 0;
	return p;
}

static void two_groups_on_one_partition_each_have_their_figures(void **state)
{
	yb_lag_monitor *m = yb_lag_monitor_new(3, 0);
	yb_group_info g[2] = {group("adjudicator", 1), group("fraud", 1)};
	yb_partition_lag p[2];

	(void)state;
	/* claims/0 grows 1000 records a second (its end 1000 at 1 s, 2000 at 2 s, 3000 at 3 s);
	 * the adjudicator keeps up, fraud-svc sits at 500. At 3 s fraud-svc is 2500 behind:
	 * the end passed 500 (reached 501) before the first sample, at 0.501 s along the
	 * table's trend of 1000 a second, 2.499 s ago. */
	for (int64_t s = 1; s <= 3; s++) {
		p[0] = part(0, "claims", 0, 1000 * s, 1000 * s);
		p[1] = part(1, "claims", 0, 500, 1000 * s);
		assert_int_equal(yb_lag_monitor_observe(m, 1000 * s, g, 2, p, 2), 0);
	}
	assert_int_equal(p[0].lag_ms, 0);
	assert_int_equal(p[0].status, YB_LAG_OK);
	assert_int_equal(p[1].lag, 2500);
	assert_int_equal(p[1].lag_ms, 2499);
	assert_int_equal(p[1].lag_time, YB_LAG_TIME_ESTIMATE);
	/* Members, an offset that never moved over the window, lag all along: STALL. */
	assert_int_equal(p[1].status, YB_LAG_STALL);
	assert_int_equal(g[1].status, YB_LAG_STALL);
	assert_int_equal(g[1].total_lag, 2500);
	assert_int_equal(g[1].max_lag_ms, 2499);
	assert_int_equal(g[0].status, YB_LAG_OK);
	/* Now it moves: at 4 s it is at 2500, the end at 4000; the end reached 2501 at 2.501 s,
	 * 1.499 s ago; the lag fell from 2500 to 1500: OK. */
	p[0] = part(0, "claims", 0, 4000, 4000);
	p[1] = part(1, "claims", 0, 2500, 4000);
	yb_lag_monitor_observe(m, 4000, g, 2, p, 2);
	assert_int_equal(p[1].lag_ms, 1499);
	assert_int_equal(p[1].status, YB_LAG_OK);
	yb_lag_monitor_destroy(m);
}

static void a_group_that_cannot_be_read_is_err_and_the_others_are_not(void **state)
{
	yb_lag_monitor *m = yb_lag_monitor_new(3, 0);
	yb_group_info g[2] = {group("broken", 1), group("fine", 0)};
	yb_partition_lag p[1];

	(void)state;
	strcpy(g[0].error, "GROUP_AUTHORIZATION_FAILED");
	p[0] = part(1, "settlements", 2, 40, 50);
	assert_int_equal(yb_lag_monitor_observe(m, 5000, g, 2, p, 1), 0);
	assert_int_equal(g[0].status, YB_LAG_ERR);
	/* No member and ten messages behind: STOP, with its figures. */
	assert_int_equal(g[1].status, YB_LAG_STOP);
	assert_int_equal(g[1].max_lag, 10);
	yb_lag_monitor_destroy(m);
}

static void totals_and_the_slowest_partition(void **state)
{
	yb_lag_monitor *m = yb_lag_monitor_new(2, 0);
	yb_group_info g[1] = {group("enrollment", 1)};
	yb_partition_lag p[3];

	(void)state;
	/* Markers only (lag 0 although the offsets differ by one) count as no lag. */
	p[0] = part(0, "enrollments", 0, 10, 30);
	p[1] = part(0, "payments", 0, 5, 8);
	p[2] = part(0, "payments", 1, 99, 100);
	p[2].lag = 0;
	assert_int_equal(yb_lag_monitor_observe(m, 1000, g, 1, p, 3), 0);
	assert_int_equal(g[0].total_lag, 23);
	assert_int_equal(g[0].max_lag, 20);
	assert_int_equal(p[2].lag_ms, 0);
	/* First observation: the end never seen moving, so the seconds are a lower bound. */
	assert_int_equal(p[0].lag_time, YB_LAG_TIME_AT_LEAST);
	yb_lag_monitor_destroy(m);
}

static void what_measurements_stop_showing_is_forgotten(void **state)
{
	yb_lag_monitor *m = yb_lag_monitor_new(2, 0);
	yb_group_info g[1] = {group("gone", 1)};
	yb_partition_lag p[1];

	(void)state;
	p[0] = part(0, "claims", 0, 10, 20);
	yb_lag_monitor_observe(m, 1000, g, 1, p, 1);
	p[0] = part(0, "claims", 0, 10, 20);
	yb_lag_monitor_observe(m, 2000, g, 1, p, 1);
	assert_int_equal(p[0].status, YB_LAG_STALL);
	/* Three observations without it (window 2): forgotten. Back, it starts a new window,
	 * which one sample does not judge beyond OK. */
	for (int64_t t = 3000; t <= 5000; t += 1000)
		yb_lag_monitor_observe(m, t, g, 1, NULL, 0);
	p[0] = part(0, "claims", 0, 10, 20);
	yb_lag_monitor_observe(m, 6000, g, 1, p, 1);
	assert_int_equal(p[0].status, YB_LAG_OK);
	yb_lag_monitor_destroy(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_groups_on_one_partition_each_have_their_figures),
	    cmocka_unit_test(a_group_that_cannot_be_read_is_err_and_the_others_are_not),
	    cmocka_unit_test(totals_and_the_slowest_partition),
	    cmocka_unit_test(what_measurements_stop_showing_is_forgotten),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
