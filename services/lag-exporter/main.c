/*
 * lag-exporter: publishes consumer lag for Prometheus under kafka-lag-exporter's metric
 * names (exposition.h), with Burrow's status per group, and serves a status page.
 *
 * Every poll.interval.ms it measures every group (or one) with common/kafka/lag.c — lag to the
 * last stable offset, so transaction markers are not lag — and judges the measurement with
 * a lag monitor that keeps the partitions' ends over the wall clock (lag in seconds) and each
 * group's last status.window samples (the status). An HTTP thread serves:
 *   /metrics          the last good measurement's series, and the exporter's own health
 *                     (yb_lag_exporter_up, ..._scrape_errors_total): when the cluster
 *                     cannot be measured the series stay as they were last measured and
 *                     up is 0, so an alert sees both;
 *   /healthz          200 after a good measurement within three intervals, else 503;
 *   /status           the status page (status_page.c), from /api/status and
 *                     /api/partitions/<group> (status_api.h).
 * SIGTERM or SIGINT stops it within a poll's step (100 ms) plus one measurement.
 *
 * Exit status: 0 stopped by a signal; 1 could not start (configuration, port); 2 usage.
 */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "io/config.h"
#include "io/daemon.h"
#include "kafka/lag.h"
#include "kafka/lag_monitor.h"
#include "io/log.h"
#include "io/metrics.h"
#include "kafka/record_count.h"
#include "base/error.h"
#include "status_api.h"
#include "status_page.h"

static const yb_config_key config_keys[] = {
    {"kafka.bootstrap.servers", YB_CONFIG_STRING, "127.0.0.1:19092", 0, 0,
     "the Kafka cluster to measure"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9308", 0, 0,
     "where /metrics, /healthz and /status are served (9308: kafka_exporter's port)"},
    {"poll.interval.ms", YB_CONFIG_INT, "5000", 200, 3600000, "how often lag is measured"},
    {"request.timeout.ms", YB_CONFIG_INT, "10000", 100, 600000,
     "how long one request to the cluster may take"},
    {"group", YB_CONFIG_STRING, "*", 0, 0, "the consumer group to measure; * for every group"},
    {"status.window", YB_CONFIG_INT, "10", 2, 1000,
     "measurements a group's status is judged over (Burrow's window)"},
    {"allowed.lag", YB_CONFIG_INT, "0", 0, 1000000000,
     "lag up to this many messages counts as none for the status"},
    {"status.throughput.topic", YB_CONFIG_STRING, "settlements", 0, 0,
     "the topic whose growth the status page shows as throughput (none: not shown)"},
    {"status.dead_letters.topic", YB_CONFIG_STRING, "dead-letters", 0, 0,
     "the topic whose records the status page counts as dead letters (none: not shown)"},
    {"status.history", YB_CONFIG_INT, "720", 2, 100000,
     "measurements the status page keeps per group (720 at 5 s: an hour)"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* What the HTTP thread serves; the measuring thread updates it under the lock. */
typedef struct state {
	pthread_mutex_t lock;
	yb_buf metrics; /* the last good measurement's series */
	yb_status_history *history;
	yb_status_facts facts;
	char last_error[512];
	int64_t last_ok_ms; /* wall clock of the last good measurement, 0 before one */
	int64_t took_ms;
} state;

/* Is it measuring? The last measurement succeeded, within three intervals (one stuck on a
 * cluster that does not answer is not). /healthz and yb_lag_exporter_up say the same. */
static bool measuring(const state *st)
{
	return st->last_ok_ms > 0 && st->last_error[0] == '\0' &&
	       yb_wall_ms() - st->last_ok_ms <= 3 * st->facts.interval_ms + 10000;
}

/* The exporter's own series, rendered at each request. */
static void own_metrics(const state *st, yb_buf *b)
{
	int up = measuring(st);

	yb_metrics_gauge(b, "yb_lag_exporter_up",
			 "1 when the last measurement of the cluster succeeded within three "
			 "intervals, else 0 (the lag series then show the last good one).",
			 "", up);
	yb_metrics_counter(b, "yb_lag_exporter_scrapes_total", "Measurements made.", "",
			   st->facts.scrapes);
	yb_metrics_counter(b, "yb_lag_exporter_scrape_errors_total",
			   "Measurements that failed (the cluster did not answer).", "",
			   st->facts.scrape_errors);
	yb_buf_printf(b,
		      "# HELP yb_lag_exporter_scrape_duration_seconds How long the last "
		      "measurement took.\n# TYPE yb_lag_exporter_scrape_duration_seconds gauge\n"
		      "yb_lag_exporter_scrape_duration_seconds %" PRId64 ".%03" PRId64 "\n",
		      st->took_ms / 1000, st->took_ms % 1000);
	yb_metrics_gauge(b, "yb_lag_exporter_last_success_timestamp_seconds",
			 "When the last good measurement was made (Unix time).", "",
			 st->last_ok_ms / 1000);
}

static void serve(const char *path, yb_buf *body, int *status, const char **content_type,
		  void *opaque)
{
	state *st = opaque;
	static const char index[] =
	    "lag-exporter: /metrics (Prometheus text format), /healthz, /status (a page)\n";
	static const char partitions[] = "/api/partitions/";

	pthread_mutex_lock(&st->lock);
	if (strcmp(path, "/metrics") == 0) {
		*content_type = "text/plain; version=0.0.4; charset=utf-8";
		if (yb_buf_reserve(body, st->metrics.len) == 0) {
			memcpy(body->data, st->metrics.data, st->metrics.len);
			body->len = st->metrics.len;
		}
		own_metrics(st, body);
	} else if (strcmp(path, "/healthz") == 0) {
		bool fresh = measuring(st);

		*status = fresh ? 200 : 503;
		if (fresh)
			yb_buf_printf(body, "ok\n");
		else
			yb_buf_printf(body, "not measuring: %s\n",
				      st->last_error[0] != '\0' ? st->last_error
								: "no recent measurement");
	} else if (strcmp(path, "/status") == 0) {
		*content_type = "text/html; charset=utf-8";
		yb_buf_printf(body, "%s", yb_status_page);
	} else if (st->history == NULL && strncmp(path, "/api/", 5) == 0) {
		*status = 503; /* the first requests can come before the history is made */
		yb_buf_printf(body, "{\"error\":\"starting\"}\n");
	} else if (strcmp(path, "/api/status") == 0) {
		*content_type = "application/json";
		yb_status_render(st->history, &st->facts, body);
	} else if (strncmp(path, partitions, sizeof(partitions) - 1) == 0) {
		*content_type = "application/json";
		if (yb_status_render_partitions(st->history, path + sizeof(partitions) - 1, body) !=
		    0) {
			*status = 404;
			yb_buf_printf(body, "{\"error\":\"no such group\"}\n");
		}
	} else if (strcmp(path, "/") == 0) {
		yb_buf_printf(body, "%s", index);
	} else {
		*status = 404;
		yb_buf_printf(body, "not found\n");
	}
	pthread_mutex_unlock(&st->lock);
}

/* The pipeline's facts beside the groups: throughput (growth of a topic's end, a rate)
 * and dead letters (records counted). */
typedef struct facts_meter {
	yb_record_counter *dead_letters;
	int64_t last_end, last_end_ms;
} facts_meter;

static void measure_facts(facts_meter *fm, yb_lag_meter *meter, const yb_props *config,
			  int64_t now_ms, int64_t *throughput_milli, int64_t *dead_letters)
{
	/* Facts, not the lag: a topic that is missing costs a second, not a request timeout. */
	int timeout_ms = 1000;
	const char *topic = yb_props_get(config, "status.throughput.topic");
	int64_t end = 0;
	char errstr[256];

	*throughput_milli = *dead_letters = -1;
	if (topic[0] != '\0' && yb_lag_meter_topic_end(meter, topic, timeout_ms, &end, errstr,
						       sizeof(errstr)) == YB_OK) {
		if (fm->last_end_ms > 0 && now_ms > fm->last_end_ms && end >= fm->last_end)
			*throughput_milli =
			    (end - fm->last_end) * 1000 * 1000 / (now_ms - fm->last_end_ms);
		fm->last_end = end;
		fm->last_end_ms = now_ms;
	}
	if (fm->dead_letters != NULL) {
		int rc = yb_record_counter_update(fm->dead_letters, timeout_ms, dead_letters,
						  errstr, sizeof(errstr));

		if (rc != YB_OK && rc != YB_ETIMEDOUT)
			*dead_letters = -1;
	}
}

/* The dead-letter counter unless none is wanted; false with errstr when it cannot be made. */
static bool dead_letter_counter(facts_meter *fm, const yb_props *config, char *errstr,
				size_t errlen)
{
	const char *topic = yb_props_get(config, "status.dead_letters.topic");

	if (strcmp(topic, "none") == 0)
		return true;
	fm->dead_letters = yb_record_counter_new(config, topic, errstr, errlen);
	return fm->dead_letters != NULL;
}

/* One measurement: judged, rendered and handed to the HTTP thread. */
static void measure_once(state *st, yb_lag_meter *meter, yb_lag_monitor *monitor, facts_meter *fm,
			 const yb_props *config)
{
	const char *group = yb_props_get(config, "group");
	yb_group_info *groups = NULL;
	yb_partition_lag *parts = NULL;
	size_t ng = 0, np = 0;
	int64_t start = yb_wall_ms(), throughput = -1, dead = -1;
	char errstr[512];
	int rc = yb_lag_meter_measure(meter, strcmp(group, "*") == 0 ? NULL : group,
				      (int)yb_config_int(config, "request.timeout.ms"), &groups,
				      &ng, &parts, &np, errstr, sizeof(errstr));
	yb_buf text = {0};

	if (rc == YB_OK)
		rc = yb_lag_monitor_observe(monitor, start, groups, ng, parts, np);
	if (rc == YB_OK) {
		yb_exposition_render(&text, groups, ng, parts, np);
		measure_facts(fm, meter, config, start, &throughput, &dead);
	}
	pthread_mutex_lock(&st->lock);
	st->facts.scrapes++;
	st->took_ms = yb_wall_ms() - start;
	if (rc != YB_OK) {
		st->facts.scrape_errors++;
		snprintf(st->last_error, sizeof(st->last_error), "%s",
			 rc == YB_ENOMEM ? "out of memory" : errstr);
	} else {
		yb_buf_free(&st->metrics);
		st->metrics = text;
		text = (yb_buf){0};
		st->last_error[0] = '\0';
		st->last_ok_ms = yb_wall_ms();
		st->facts.throughput_milli = throughput;
		if (dead >= 0 || st->facts.dead_letters < 0)
			st->facts.dead_letters = dead;
		if (yb_status_history_add(st->history, start, groups, ng, parts, np) != YB_OK)
			snprintf(st->last_error, sizeof(st->last_error), "out of memory");
	}
	pthread_mutex_unlock(&st->lock);
	if (rc != YB_OK)
		YB_LOG(YB_LOG_WARN, "measure_failed", "{s:s}", "err", st->last_error);
	yb_buf_free(&text);
	free(groups);
	free(parts);
}

static const char summary[] =
    "Publish consumer lag for Prometheus on http.listen: /metrics, under\n"
    "kafka-lag-exporter's names (kafka_consumergroup_group_lag, ..._lag_seconds,\n"
    "..._max_lag, ..._sum_lag, ..._topic_sum_lag, kafka_partition_latest_offset) and\n"
    "kafka_consumergroup_group_status{status=OK|WARN|STOP|STALL|REWIND|ERR} as Burrow\n"
    "evaluates it; /healthz (503 while the cluster cannot be measured); /status, a page\n"
    "for a glance. Lag is measured to the last stable offset (transaction markers are\n"
    "not lag); lag in seconds by the wall clock, from the partitions' ends sampled at\n"
    "every measurement (see claimctl lag --help).";

int main(int argc, char **argv)
{
	static yb_daemon daemon;
	static state st;
	const yb_daemon_spec spec = {
	    .name = "lag-exporter",
	    .summary = summary,
	    .keys = config_keys,
	    .key_count = KEYS,
	    .handler = serve,
	    .opaque = &st,
	    .http_help = "/metrics, /healthz, /status and /api/status on http.listen.",
	};
	const yb_props *config;
	yb_lag_meter *meter = NULL;
	yb_lag_monitor *monitor = NULL;
	facts_meter fm = {0};
	char errstr[512];
	int exit_code;

	pthread_mutex_init(&st.lock, NULL);
	snprintf(st.last_error, sizeof(st.last_error), "no measurement yet");
	st.facts.last_error = st.last_error;
	st.facts.throughput_milli = st.facts.dead_letters = -1;
	exit_code = yb_daemon_start(&daemon, &spec, argc, argv);
	if (exit_code >= 0) {
		pthread_mutex_destroy(&st.lock);
		return exit_code;
	}
	exit_code = 1;
	config = daemon.config;
	pthread_mutex_lock(&st.lock);
	st.facts.interval_ms = yb_config_int(config, "poll.interval.ms");
	st.facts.throughput_topic = yb_props_get(config, "status.throughput.topic");
	st.facts.dead_letter_topic = yb_props_get(config, "status.dead_letters.topic");
	st.history = yb_status_history_new((size_t)yb_config_int(config, "status.history"));
	pthread_mutex_unlock(&st.lock);
	monitor = yb_lag_monitor_new((int)yb_config_int(config, "status.window"),
				     yb_config_int(config, "allowed.lag"));
	meter = yb_lag_meter_new(config, errstr, sizeof(errstr));
	if (st.history == NULL || monitor == NULL)
		snprintf(errstr, sizeof(errstr), "out of memory");
	if (st.history == NULL || monitor == NULL || meter == NULL ||
	    !dead_letter_counter(&fm, config, errstr, sizeof(errstr))) {
		fprintf(stderr, "lag-exporter: %s\n", errstr);
		goto out;
	}
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:i, s:s}", "listen",
	       yb_props_get(config, "http.listen"), "port", yb_http_port(daemon.http), "brokers",
	       yb_props_get(config, "kafka.bootstrap.servers"));
	while (!yb_daemon_stopping()) {
		measure_once(&st, meter, monitor, &fm, config);
		for (int64_t slept = 0; slept < st.facts.interval_ms && !yb_daemon_stopping();
		     slept += 100)
			yb_sleep_ms(100);
	}
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I}", "scrapes", (json_int_t)st.facts.scrapes);
	exit_code = 0;
out:
	yb_daemon_stop(&daemon); /* the HTTP thread ends before what it reads is freed */
	yb_record_counter_destroy(fm.dead_letters);
	yb_lag_meter_destroy(meter);
	yb_lag_monitor_destroy(monitor);
	yb_status_history_destroy(st.history);
	yb_buf_free(&st.metrics);
	pthread_mutex_destroy(&st.lock);
	return exit_code;
}
