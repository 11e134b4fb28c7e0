/*
 * What the status page shows, as JSON small enough to fetch every two seconds: one entry
 * per group (status, lag in messages and seconds, consumption rate, its lag over the last
 * measurements, at most YB_STATUS_POINTS of them) and the pipeline's facts (throughput,
 * dead letters, the exporter's own health); a group's partitions only when asked for.
 *
 *   GET /api/status                  {"updated_ms", "interval_ms", "exporter", "throughput",
 *                                     "dead_letters", "groups": [...]}
 *   GET /api/partitions/<group>      {"group", "partitions": [...]}
 */
#ifndef YB_LAG_EXPORTER_STATUS_API_H
#define YB_LAG_EXPORTER_STATUS_API_H

#include <stddef.h>
#include <stdint.h>

#include "codec/record.h"
#include "kafka/lag.h"

#define YB_STATUS_POINTS 120 /* a group's lag over time, as sent: at most this many points */

typedef struct yb_status_history yb_status_history;

/* What the exporter knows besides the groups. */
typedef struct yb_status_facts {
	int64_t interval_ms;
	uint64_t scrapes, scrape_errors;
	const char *last_error; /* "" when the last measurement succeeded */
	const char *throughput_topic;
	int64_t throughput_milli; /* records a second × 1000 into it; -1 unknown */
	const char *dead_letter_topic;
	int64_t dead_letters; /* records counted; -1 unknown */
} yb_status_facts;

/* A history keeping `points` measurements per group (2 or more). NULL: out of memory. */
yb_status_history *yb_status_history_new(size_t points);
void yb_status_history_destroy(yb_status_history *h);

/* Record a judged measurement taken at t_ms. YB_OK or YB_ENOMEM. */
int yb_status_history_add(yb_status_history *h, int64_t t_ms, const yb_group_info *groups,
			  size_t group_count, const yb_partition_lag *parts, size_t part_count);

/* The page's summary into b (appended). */
void yb_status_render(const yb_status_history *h, const yb_status_facts *facts, yb_buf *b);

/* One group's partitions as last measured into b; 0, or -1 when there is no such group. */
int yb_status_render_partitions(const yb_status_history *h, const char *group, yb_buf *b);

#endif
