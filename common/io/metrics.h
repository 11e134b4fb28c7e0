/*
 * Prometheus text-format helpers for the services' /metrics: counters, gauges and latency
 * histograms in milliseconds, rendered in seconds as Prometheus expects, and the quantile
 * estimate Prometheus' histogram_quantile makes (linear within a bucket), for summaries.
 */
#ifndef YB_IO_METRICS_H
#define YB_IO_METRICS_H

#include <stdint.h>

#include "codec/record.h"

#define YB_HISTOGRAM_BUCKETS 16

/* A latency histogram; bucket bounds in ms are yb_histogram_bounds_ms. Zero-initialise. */
typedef struct yb_histogram {
	uint64_t counts[YB_HISTOGRAM_BUCKETS + 1]; /* the last one is +Inf */
	uint64_t count;
	int64_t sum_ms;
} yb_histogram;

extern const int64_t yb_histogram_bounds_ms[YB_HISTOGRAM_BUCKETS];

void yb_histogram_observe(yb_histogram *h, int64_t ms);

/* Append "# HELP", "# TYPE" and the sample line(s). labels: "" or `a="b",c="d"`. */
void yb_metrics_counter(yb_buf *out, const char *name, const char *help, const char *labels,
			uint64_t value);
void yb_metrics_gauge(yb_buf *out, const char *name, const char *help, const char *labels,
		      int64_t value);
void yb_metrics_histogram(yb_buf *out, const char *name, const char *help, const yb_histogram *h);
/* A counter of time kept in milliseconds, published in seconds (name ends _seconds_total). */
void yb_metrics_seconds_counter(yb_buf *out, const char *name, const char *help, int64_t ms);
/* A sample line alone (no HELP/TYPE), for a labelled family's further members. */
void yb_metrics_sample(yb_buf *out, const char *name, const char *labels, int64_t value);

#endif
