/* Prometheus text-format helpers; see metrics.h. */
#include "io/metrics.h"

#include <inttypes.h>
#include <stdio.h>

const int64_t yb_histogram_bounds_ms[YB_HISTOGRAM_BUCKETS] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000};

void yb_histogram_observe(yb_histogram *h, int64_t ms)
{
	int i = 0;

	if (ms < 0)
		ms = 0;
	while (i < YB_HISTOGRAM_BUCKETS && ms > yb_histogram_bounds_ms[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum_ms += ms;
}

static void head(yb_buf *out, const char *name, const char *help, const char *type)
{
	yb_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void yb_metrics_sample(yb_buf *out, const char *name, const char *labels, int64_t value)
{
	if (labels[0] != '\0')
		yb_buf_printf(out, "%s{%s} %" PRId64 "\n", name, labels, value);
	else
		yb_buf_printf(out, "%s %" PRId64 "\n", name, value);
}

void yb_metrics_counter(yb_buf *out, const char *name, const char *help, const char *labels,
			uint64_t value)
{
	head(out, name, help, "counter");
	yb_metrics_sample(out, name, labels, (int64_t)value);
}

void yb_metrics_gauge(yb_buf *out, const char *name, const char *help, const char *labels,
		      int64_t value)
{
	head(out, name, help, "gauge");
	yb_metrics_sample(out, name, labels, value);
}

/* Milliseconds as seconds, without leaving integers: 1500 → "1.5". */
static void seconds(char *buf, size_t size, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, size, "%" PRId64, ms / 1000);
	else
		snprintf(buf, size, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
}

void yb_metrics_seconds_counter(yb_buf *out, const char *name, const char *help, int64_t ms)
{
	char text[32];

	head(out, name, help, "counter");
	seconds(text, sizeof(text), ms);
	yb_buf_printf(out, "%s %s\n", name, text);
}

void yb_metrics_histogram(yb_buf *out, const char *name, const char *help, const yb_histogram *h)
{
	uint64_t cumulative = 0;
	char le[32];

	head(out, name, help, "histogram");
	for (int i = 0; i < YB_HISTOGRAM_BUCKETS; i++) {
		cumulative += h->counts[i];
		seconds(le, sizeof(le), yb_histogram_bounds_ms[i]);
		yb_buf_printf(out, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, le, cumulative);
	}
	yb_buf_printf(out, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, h->count);
	seconds(le, sizeof(le), h->sum_ms);
	yb_buf_printf(out, "%s_sum %s\n%s_count %" PRIu64 "\n", name, le, name, h->count);
}
