/*
 * lag-exporter: publishes consumer lag for Prometheus, under the metric names users know
 * from kafka_exporter and kafka-lag-exporter (kafka_consumergroup_lag,
 * kafka_consumergroup_lag_seconds, kafka_consumergroup_current_offset, ...).
 *
 * Every poll.interval.ms it measures every group (or one) with common/io/lag.c — lag to the
 * last stable offset, so transaction markers are not lag — and renders the metrics text;
 * an HTTP thread serves the latest text on /metrics, the exporter's health on /healthz,
 * and on /status a page charting lag over time, throughput and dead letters (from
 * /api/history, the last status.history measurements).
 * SIGTERM or SIGINT stops it within a poll's step (100 ms) plus one measurement.
 *
 * Exit status: 0 stopped by a signal; 1 could not start (configuration, port); 2 usage.
 */
#include <getopt.h>
#include <jansson.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/config.h"
#include "io/http.h"
#include "io/lag.h"
#include "io/log.h"
#include "io/service.h"
#include "rules/error.h"
#include "status_page.h"

static const yb_config_key config_keys[] = {
    {"kafka.bootstrap.servers", YB_CONFIG_STRING, "127.0.0.1:19092", 0, 0,
     "the Kafka cluster to measure"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9308", 0, 0,
     "where /metrics and /healthz are served (9308: kafka_exporter's port)"},
    {"poll.interval.ms", YB_CONFIG_INT, "5000", 200, 3600000, "how often lag is measured"},
    {"request.timeout.ms", YB_CONFIG_INT, "10000", 100, 600000,
     "how long one request to the cluster may take"},
    {"group", YB_CONFIG_STRING, "*", 0, 0, "the consumer group to measure; * for every group"},
    {"status.topics", YB_CONFIG_STRING, "settlements,dead-letters", 0, 0,
     "topics whose size the status page follows (throughput, dead letters)"},
    {"status.history", YB_CONFIG_INT, "720", 2, 100000,
     "measurements the status page keeps (720 at 5 s: an hour)"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* What the HTTP thread serves, swapped in whole after each measurement. */
typedef struct state {
	pthread_mutex_t lock;
	yb_buf metrics;
	int64_t last_ok_ms; /* wall clock of the last good measurement, 0 before one */
	int64_t interval_ms;
	uint64_t scrapes, errors;
	char **history; /* the last measurements as JSON objects, a ring */
	size_t history_cap, history_next, history_count;
} state;

/* A label value with \, " and newline escaped, as the exposition format wants. */
static const char *label(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (; *s != '\0' && j + 3 < len; s++) {
		if (*s == '\\' || *s == '"') {
			out[j++] = '\\';
			out[j++] = *s;
		} else if (*s == '\n') {
			out[j++] = '\\';
			out[j++] = 'n';
		} else {
			out[j++] = *s;
		}
	}
	out[j] = '\0';
	return out;
}

static void render(yb_buf *b, const yb_group_info *groups, size_t ng, const yb_partition_lag *parts,
		   size_t np, const state *st, int64_t took_ms)
{
	static const struct {
		const char *name, *help;
		int what; /* 0 lag, 1 lag seconds, 2 committed, 3 log end, 4 stable end */
	} series[] = {
	    {"kafka_consumergroup_lag",
	     "Messages the group has not consumed, to the last stable offset (transaction "
	     "markers are not lag).",
	     0},
	    {"kafka_consumergroup_lag_seconds",
	     "Age of the first record the group has not consumed, 0 when caught up.", 1},
	    {"kafka_consumergroup_current_offset", "The group's committed offset.", 2},
	    {"kafka_topic_partition_current_offset", "The partition's log end offset.", 3},
	    {"kafka_topic_partition_stable_offset",
	     "The partition's last stable offset (what read_committed consumers can reach).", 4},
	};
	char g[512], t[512];

	b->len = 0;
	for (size_t s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		yb_buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n", series[s].name, series[s].help,
			      series[s].name);
		for (size_t i = 0; i < np; i++) {
			const yb_partition_lag *p = &parts[i];
			int64_t v = series[s].what == 0   ? p->lag
				    : series[s].what == 2 ? p->committed
				    : series[s].what == 3 ? p->log_end
							  : p->stable_end;

			label(groups[p->group].group, g, sizeof(g));
			label(p->topic, t, sizeof(t));
			if (series[s].what == 1) {
				if (p->lag_ms >= 0)
					yb_buf_printf(
					    b,
					    "%s{consumergroup=\"%s\",topic=\"%s\",partition=\"%"
					    "d\"} "
					    "%" PRId64 ".%03" PRId64 "\n",
					    series[s].name, g, t, (int)p->partition,
					    p->lag_ms / 1000, p->lag_ms % 1000);
			} else if (series[s].what >= 3 || v >= 0) {
				/* Ends always; offsets and lag only when known. */
				yb_buf_printf(
				    b,
				    "%s{consumergroup=\"%s\",topic=\"%s\",partition=\"%d\"} "
				    "%" PRId64 "\n",
				    series[s].name, g, t, (int)p->partition, v);
			}
		}
	}
	yb_buf_printf(b,
		      "# HELP kafka_consumergroup_lag_sum Messages the group has not consumed, all "
		      "partitions.\n# TYPE kafka_consumergroup_lag_sum gauge\n");
	for (size_t k = 0; k < ng; k++) {
		int64_t sum = 0;

		for (size_t i = 0; i < np; i++) {
			if (parts[i].group == (int)k && parts[i].lag > 0)
				sum += parts[i].lag;
		}
		yb_buf_printf(b, "kafka_consumergroup_lag_sum{consumergroup=\"%s\"} %" PRId64 "\n",
			      label(groups[k].group, g, sizeof(g)), sum);
	}
	yb_buf_printf(b, "# HELP kafka_consumergroup_members Active members of the group.\n"
			 "# TYPE kafka_consumergroup_members gauge\n");
	for (size_t k = 0; k < ng; k++)
		yb_buf_printf(
		    b, "kafka_consumergroup_members{consumergroup=\"%s\",state=\"%s\"} %d\n",
		    label(groups[k].group, g, sizeof(g)), groups[k].state, groups[k].members);
	yb_buf_printf(
	    b,
	    "# HELP yb_lag_exporter_scrapes_total Measurements made.\n"
	    "# TYPE yb_lag_exporter_scrapes_total counter\nyb_lag_exporter_scrapes_total %" PRIu64
	    "\n# HELP yb_lag_exporter_scrape_errors_total Measurements that failed.\n"
	    "# TYPE yb_lag_exporter_scrape_errors_total counter\n"
	    "yb_lag_exporter_scrape_errors_total %" PRIu64 "\n"
	    "# HELP yb_lag_exporter_scrape_duration_seconds How long the last measurement "
	    "took.\n# TYPE yb_lag_exporter_scrape_duration_seconds gauge\n"
	    "yb_lag_exporter_scrape_duration_seconds %" PRId64 ".%03" PRId64 "\n",
	    st->scrapes, st->errors, took_ms / 1000, took_ms % 1000);
}

/* One measurement for the status page: {"t":..,"lag":{"group topic/p":n},"lag_seconds":{group:s},
 * "offsets":{topic:n},"errors":n}. */
static char *history_sample(yb_lag_meter *meter, const yb_group_info *groups, size_t ng,
			    const yb_partition_lag *parts, size_t np, const yb_props *config,
			    int64_t at, uint64_t errors)
{
	json_t *lag = json_object(), *seconds = json_object(), *offsets = json_object();
	json_t *sample;
	char *text, topics[512], *save = NULL, errstr[256];

	/* Lag by group and partition ("group topic/3"); lag in seconds by group (the oldest). */
	for (size_t i = 0; i < np; i++) {
		char series[600];

		snprintf(series, sizeof(series), "%s %s/%d", groups[parts[i].group].group,
			 parts[i].topic, (int)parts[i].partition);
		json_object_set_new(lag, series, json_integer(parts[i].lag > 0 ? parts[i].lag : 0));
	}
	for (size_t k = 0; k < ng; k++) {
		int64_t oldest = 0;

		for (size_t i = 0; i < np; i++) {
			if (parts[i].group == (int)k && parts[i].lag_ms > oldest)
				oldest = parts[i].lag_ms;
		}
		json_object_set_new(seconds, groups[k].group, json_real((double)oldest / 1000.0));
	}
	snprintf(topics, sizeof(topics), "%s", yb_props_get(config, "status.topics"));
	for (char *t = strtok_r(topics, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		int64_t end = 0;

		if (yb_lag_meter_topic_end(meter, t,
					   (int)yb_config_int(config, "request.timeout.ms"), &end,
					   errstr, sizeof(errstr)) == YB_OK)
			json_object_set_new(offsets, t, json_integer(end));
	}
	sample =
	    json_pack("{s:I, s:o, s:o, s:o, s:I}", "t", (json_int_t)at, "lag", lag, "lag_seconds",
		      seconds, "offsets", offsets, "errors", (json_int_t)errors);
	text = json_dumps(sample, JSON_COMPACT);
	json_decref(sample);
	return text;
}

static void history_add(state *st, char *sample)
{
	if (sample == NULL)
		return;
	free(st->history[st->history_next]);
	st->history[st->history_next] = sample;
	st->history_next = (st->history_next + 1) % st->history_cap;
	if (st->history_count < st->history_cap)
		st->history_count++;
}

static void serve(const char *path, yb_buf *body, int *status, const char **content_type,
		  void *opaque)
{
	state *st = opaque;
	static const char index[] = "lag-exporter: /metrics (Prometheus text format), /healthz\n";

	pthread_mutex_lock(&st->lock);
	if (strcmp(path, "/metrics") == 0) {
		*content_type = "text/plain; version=0.0.4; charset=utf-8";
		if (st->last_ok_ms == 0) {
			*status = 503;
			yb_buf_printf(body, "# no measurement yet\n");
		} else if (yb_buf_reserve(body, st->metrics.len) == 0) {
			memcpy(body->data, st->metrics.data, st->metrics.len);
			body->len = st->metrics.len;
		}
	} else if (strcmp(path, "/healthz") == 0) {
		/* Healthy: a good measurement within three intervals. */
		int fresh = st->last_ok_ms > 0 &&
			    yb_service_wall_ms() - st->last_ok_ms <= 3 * st->interval_ms + 10000;

		*status = fresh ? 200 : 503;
		yb_buf_printf(body, fresh ? "ok\n" : "no recent measurement\n");
	} else if (strcmp(path, "/status") == 0) {
		*content_type = "text/html; charset=utf-8";
		yb_buf_printf(body, "%s", yb_status_page);
	} else if (strcmp(path, "/api/history") == 0) {
		size_t first =
		    (st->history_next + st->history_cap - st->history_count) % st->history_cap;

		*content_type = "application/json";
		yb_buf_printf(body, "{\"interval_ms\":%" PRId64 ",\"samples\":[", st->interval_ms);
		for (size_t i = 0; i < st->history_count; i++)
			yb_buf_printf(body, "%s%s", i > 0 ? "," : "",
				      st->history[(first + i) % st->history_cap]);
		yb_buf_printf(body, "]}\n");
	} else if (strcmp(path, "/") == 0) {
		yb_buf_printf(body, "%s", index);
	} else {
		*status = 404;
		yb_buf_printf(body, "not found\n");
	}
	pthread_mutex_unlock(&st->lock);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: lag-exporter [-c FILE] [-X key=value]...\n"
	    "\n"
	    "Publish consumer lag for Prometheus on http.listen: /metrics "
	    "(kafka_consumergroup_lag,\n"
	    "kafka_consumergroup_lag_seconds, kafka_consumergroup_current_offset, ...) and\n"
	    "/healthz. Lag is measured to the last stable offset: transaction markers are not "
	    "lag.\n"
	    "\n"
	    "Options:\n"
	    "  -c, --config FILE  a properties file (key=value lines)\n"
	    "  -X KEY=VALUE       set a key, repeatable; wins over the file and the environment\n"
	    "  -h, --help         this text\n"
	    "\n"
	    "Keys (defaults, then the file, then the environment, then -X):\n");
	yb_config_usage(out, config_keys, KEYS);
	fprintf(out, "\nExit status: 0 stopped by SIGTERM/SIGINT, 1 could not start, 2 usage.\n");
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *file = NULL;
	char *overrides[64];
	int n_overrides = 0, opt, exit_code = 1;
	yb_props *config = NULL;
	yb_http *http = NULL;
	yb_lag_meter *meter = NULL;
	state st;
	char errstr[512];
	struct sigaction sa;

	yb_log_set_service("lag-exporter");
	while ((opt = getopt_long(argc, argv, "c:X:h", options, NULL)) != -1) {
		if (opt == 'c') {
			file = optarg;
		} else if (opt == 'X' && n_overrides < 63) {
			overrides[n_overrides++] = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	overrides[n_overrides] = NULL;
	if (optind != argc) {
		fprintf(stderr, "lag-exporter: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (yb_config_load(&config, config_keys, KEYS, file, overrides, errstr, sizeof(errstr)) !=
	    YB_OK) {
		fprintf(stderr, "lag-exporter: %s\n", errstr);
		return 1;
	}
	memset(&st, 0, sizeof(st));
	pthread_mutex_init(&st.lock, NULL);
	st.interval_ms = yb_config_int(config, "poll.interval.ms");
	st.history_cap = (size_t)yb_config_int(config, "status.history");
	st.history = calloc(st.history_cap, sizeof(char *));
	if (st.history == NULL)
		goto out;
	meter = yb_lag_meter_new(config, errstr, sizeof(errstr));
	if (meter == NULL) {
		fprintf(stderr, "lag-exporter: %s\n", errstr);
		goto out;
	}
	if (yb_http_start(&http, yb_props_get(config, "http.listen"), serve, &st, errstr,
			  sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "lag-exporter: %s\n", errstr);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:i, s:s}", "listen",
	       yb_props_get(config, "http.listen"), "port", yb_http_port(http), "brokers",
	       yb_props_get(config, "kafka.bootstrap.servers"));
	while (!stopping) {
		const char *group = yb_props_get(config, "group");
		yb_group_info *groups = NULL;
		yb_partition_lag *parts = NULL;
		size_t ng = 0, np = 0;
		int64_t start = yb_service_wall_ms();
		int rc =
		    yb_lag_meter_measure(meter, strcmp(group, "*") == 0 ? NULL : group,
					 (int)yb_config_int(config, "request.timeout.ms"), start,
					 &groups, &ng, &parts, &np, errstr, sizeof(errstr));
		yb_buf text = {0};

		pthread_mutex_lock(&st.lock);
		st.scrapes++;
		if (rc != YB_OK) {
			st.errors++;
			pthread_mutex_unlock(&st.lock);
			YB_LOG(YB_LOG_WARN, "measure_failed", "{s:s}", "err", errstr);
		} else {
			char *sample;

			pthread_mutex_unlock(&st.lock);
			render(&text, groups, ng, parts, np, &st, yb_service_wall_ms() - start);
			sample =
			    history_sample(meter, groups, ng, parts, np, config, start, st.errors);
			pthread_mutex_lock(&st.lock);
			yb_buf_free(&st.metrics);
			st.metrics = text;
			st.last_ok_ms = yb_service_wall_ms();
			history_add(&st, sample);
			pthread_mutex_unlock(&st.lock);
		}
		free(groups);
		free(parts);
		for (int64_t slept = 0; slept < st.interval_ms && !stopping; slept += 100) {
			struct timespec step = {0, 100 * 1000 * 1000};

			nanosleep(&step, NULL);
		}
	}
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I}", "scrapes", (json_int_t)st.scrapes);
	exit_code = 0;
out:
	yb_http_stop(http);
	yb_lag_meter_destroy(meter);
	yb_buf_free(&st.metrics);
	for (size_t i = 0; st.history != NULL && i < st.history_cap; i++)
		free(st.history[i]);
	free(st.history);
	pthread_mutex_destroy(&st.lock);
	yb_props_destroy(config);
	return exit_code;
}
