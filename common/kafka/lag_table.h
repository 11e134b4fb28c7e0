/*
 * Lag in seconds by the wall clock: when did a partition's end pass an offset?
 *
 * Record timestamps are event times (a claim's submission, last year's for a late one), so
 * the age of the first unconsumed record by its timestamp says nothing about how long a
 * consumer has been behind. As kafka-lag-exporter does, a lag table keeps samples of the
 * partition's end (the last stable offset) taken by the wall clock, and a group's lag in
 * seconds is the time since the end passed the group's committed offset: interpolated
 * between the two samples around it, extrapolated along the table's trend when it is older
 * than the oldest sample, and a lower bound ("at least") when the end did not move at all
 * while the table was kept.
 *
 * A run of samples at one offset keeps its first and its last (the end stood still from
 * the first); when the table is full the older half is thinned, so the table reaches
 * further back the longer it is kept. Pure: the caller passes the clock.
 */
#ifndef YB_IO_LAG_TABLE_H
#define YB_IO_LAG_TABLE_H

#include <stdint.h>

#define YB_LAG_TABLE_POINTS 64

typedef struct yb_lag_point {
	int64_t offset;  /* the partition's end */
	int64_t time_ms; /* when it was sampled, wall clock */
} yb_lag_point;

/* Zero-initialise. */
typedef struct yb_lag_table {
	yb_lag_point points[YB_LAG_TABLE_POINTS]; /* oldest first; offsets never decrease */
	int count;
} yb_lag_table;

/* What a lag in seconds is. */
typedef enum yb_lag_time {
	YB_LAG_TIME_UNKNOWN = 0, /* no sample yet */
	YB_LAG_TIME_ESTIMATE,    /* interpolated or extrapolated */
	YB_LAG_TIME_AT_LEAST     /* the end never moved in the table: at least this old */
} yb_lag_time;

/*
 * Add a sample: the end was `end` at time_ms. A sample no later than the last is ignored;
 * an end below the last (the topic recreated or truncated) starts the table again.
 */
void yb_lag_table_add(yb_lag_table *t, int64_t end, int64_t time_ms);

/*
 * *lag_ms = how long ago, at now_ms, the end passed the first offset a reader at committed
 * has not read (0 when committed is at the newest end). Returns what the figure is.
 */
yb_lag_time yb_lag_table_lag_ms(const yb_lag_table *t, int64_t committed, int64_t now_ms,
				int64_t *lag_ms);

#endif
