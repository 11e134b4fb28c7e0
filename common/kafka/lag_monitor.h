/*
 * A lag monitor: what successive measurements (kafka/lag.h) say together. It keeps, for every
 * partition, a lag table of its end over the wall clock (kafka/lag_table.h: lag in seconds)
 * and, for every group's partition, a window of its last samples (kafka/lag_status.h: Burrow's
 * status). Each observation fills in the measurement's lag in seconds, statuses and group
 * totals. What a measurement no longer shows (a group deleted, a topic gone) is forgotten.
 *
 * claimctl lag observes a few measurements a moment apart; lag-exporter observes every
 * scrape, so its tables reach back further and its lag in seconds is seldom a lower bound.
 * Pure: no I/O, the caller passes the clock.
 */
#ifndef YB_IO_LAG_MONITOR_H
#define YB_IO_LAG_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include "kafka/lag.h"

typedef struct yb_lag_monitor yb_lag_monitor;

/* A monitor judging over the last `window` samples (2 or more), with lag up to allowed_lag
 * messages counted as none. NULL when out of memory. */
yb_lag_monitor *yb_lag_monitor_new(int window, int64_t allowed_lag);
void yb_lag_monitor_destroy(yb_lag_monitor *m);

/*
 * Add the measurement taken at now_ms and judge it: each partition's lag_ms, lag_time and
 * status, each group's status, total_lag, max_lag, max_lag_ms and max_lag_time. A group with
 * its error set is ERR. YB_OK or YB_ENOMEM.
 */
int yb_lag_monitor_observe(yb_lag_monitor *m, int64_t now_ms, yb_group_info *groups,
			   size_t group_count, yb_partition_lag *parts, size_t part_count);

#endif
