/* A partition's end over wall-clock time; see lag_table.h. */
#include "kafka/lag_table.h"

#include <string.h>

/* Full: keep the newer half as it is and every second sample of the older half. */
static void thin(yb_lag_table *t)
{
	int half = t->count / 2, kept = 0;

	for (int i = 0; i < half; i += 2)
		t->points[kept++] = t->points[i];
	memmove(&t->points[kept], &t->points[half],
		(size_t)(t->count - half) * sizeof(t->points[0]));
	t->count = kept + (t->count - half);
}

void yb_lag_table_add(yb_lag_table *t, int64_t end, int64_t time_ms)
{
	if (t->count > 0) {
		const yb_lag_point *last = &t->points[t->count - 1];

		if (time_ms <= last->time_ms)
			return;
		if (end < last->offset)
			t->count = 0;
	}
	/* The end stands still: move the run's last sample, keep its first. */
	if (t->count >= 2 && t->points[t->count - 1].offset == end &&
	    t->points[t->count - 2].offset == end) {
		t->points[t->count - 1].time_ms = time_ms;
		return;
	}
	if (t->count == YB_LAG_TABLE_POINTS)
		thin(t);
	t->points[t->count].offset = end;
	t->points[t->count].time_ms = time_ms;
	t->count++;
}

/* The time on the line through a and b where the end is at offset (doubles: products of
 * offsets and milliseconds overflow 64 bits; this is a time, not money). */
static int64_t time_at(const yb_lag_point *a, const yb_lag_point *b, int64_t offset)
{
	double slope = (double)(b->time_ms - a->time_ms) / (double)(b->offset - a->offset);

	return a->time_ms + (int64_t)((double)(offset - a->offset) * slope);
}

yb_lag_time yb_lag_table_lag_ms(const yb_lag_table *t, int64_t committed, int64_t now_ms,
				int64_t *lag_ms)
{
	const yb_lag_point *first, *newest;
	int64_t wanted = committed + 1, passed;
	int i = 0;

	*lag_ms = -1;
	if (t->count == 0)
		return YB_LAG_TIME_UNKNOWN;
	first = &t->points[0];
	newest = &t->points[t->count - 1];
	if (committed >= newest->offset) {
		*lag_ms = 0;
		return YB_LAG_TIME_ESTIMATE;
	}
	/* The first unread record (offset committed) was there once the end reached wanted. */
	while (t->points[i].offset < wanted)
		i++;
	if (i > 0) {
		passed = time_at(&t->points[i - 1], &t->points[i], wanted);
	} else if (newest->offset > first->offset) {
		/* Before the oldest sample: along the table's trend, no later than that sample. */
		passed = time_at(first, newest, wanted);
		if (passed > first->time_ms)
			passed = first->time_ms;
	} else {
		*lag_ms = now_ms > first->time_ms ? now_ms - first->time_ms : 0;
		return YB_LAG_TIME_AT_LEAST;
	}
	*lag_ms = now_ms > passed ? now_ms - passed : 0;
	return YB_LAG_TIME_ESTIMATE;
}
