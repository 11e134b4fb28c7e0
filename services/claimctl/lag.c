/*
 * claimctl lag: consumer lag per group, topic and partition, in messages and in seconds by
 * the wall clock, with Burrow's status (common/kafka/lag.h, lag_monitor.h): a few
 * measurements a moment apart, judged together.
 */
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "kafka/lag.h"
#include "kafka/lag_monitor.h"
#include "io/props.h"
#include "base/error.h"

#define MAX_TOPICS 32

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char lag_summary[] =
    "Show each consumer group's status and lag, then each partition's: the committed\n"
    "offset, the log end, the last stable offset (what read_committed consumers can\n"
    "reach) and the lag in messages to it (markers of committed transactions are not\n"
    "lag: a caught-up consumer shows 0), in seconds, and the partition's status.\n"
    "\n"
    "It measures --samples times, --interval apart, and judges them together:\n"
    "  lag in seconds  the wall-clock time since the partition's end passed the group's\n"
    "                  committed offset, as kafka-lag-exporter measures it: the end is\n"
    "                  sampled with the clock, and the moment it passed the offset is\n"
    "                  interpolated between the samples around it (extrapolated along\n"
    "                  their trend when it is older than the first). Record timestamps\n"
    "                  are event times (a claim's submission) and say nothing of delay.\n"
    "                  When the end did not move while measuring, the figure is a lower\n"
    "                  bound, shown as >=N. lag-exporter keeps an hour of samples and\n"
    "                  gives the better figure for a long lag.\n"
    "  status          as Burrow evaluates a window of samples: OK (no lag now or at\n"
    "                  some sample); STOP (lagging, no active member); REWIND (the\n"
    "                  offset went back and has not returned); STALL (lagging, members,\n"
    "                  the offset never moved); WARN (the offset moves, the lag never\n"
    "                  falls); a group takes its worst partition's, or ERR when its\n"
    "                  offsets could not be read.";

typedef struct lag_options {
	const char *group;
	const char *topics[MAX_TOPICS];
	int topic_count;
	long samples, interval_ms, watch_s, timeout_ms, allowed_lag;
	int as_json;
} lag_options;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, in steps, returning early when interrupted. */
static void pause_ms(int ms)
{
	for (int slept = 0; slept < ms && !interrupted; slept += 100) {
		struct timespec step = {0, (ms - slept >= 100 ? 100 : ms - slept) * 1000000L};

		nanosleep(&step, NULL);
	}
}

/* "12.3", ">=12.3" (a lower bound) or "-" (unknown), from milliseconds. */
static const char *seconds_text(int64_t ms, yb_lag_time kind, char *buf, size_t len)
{
	if (ms < 0 || kind == YB_LAG_TIME_UNKNOWN)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s%" PRId64 ".%01" PRId64,
			 kind == YB_LAG_TIME_AT_LEAST ? ">=" : "", ms / 1000, (ms % 1000) / 100);
	return buf;
}

/* Keep only the partitions of the topics asked for (all when none was). */
static size_t keep_topics(const lag_options *o, yb_partition_lag *parts, size_t np)
{
	size_t kept = 0;

	for (size_t i = 0; i < np; i++) {
		int wanted = o->topic_count == 0;

		for (int t = 0; t < o->topic_count && !wanted; t++)
			wanted = strcmp(parts[i].topic, o->topics[t]) == 0;
		if (wanted)
			parts[kept++] = parts[i];
	}
	return kept;
}

/* The group's lag per topic, "claims 12, settlements 0", into buf. */
static const char *topic_sums(int g, const yb_partition_lag *parts, size_t np, char *buf,
			      size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < np; i++) {
		int64_t sum = 0;

		if (parts[i].group != g || (i > 0 && parts[i - 1].group == g &&
					    strcmp(parts[i - 1].topic, parts[i].topic) == 0))
			continue;
		for (size_t k = i;
		     k < np && parts[k].group == g && strcmp(parts[k].topic, parts[i].topic) == 0;
		     k++)
			sum += parts[k].lag > 0 ? parts[k].lag : 0;
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s %" PRId64,
					       at > 0 ? ", " : "", parts[i].topic, sum);
	}
	return buf;
}

static void print_table(const yb_group_info *groups, size_t ng, const yb_partition_lag *parts,
			size_t np)
{
	char secs[24], topics[512];

	printf("%-28s %-6s %-18s %7s %10s %10s %10s  %s\n", "GROUP", "STATUS", "STATE", "MEMBERS",
	       "LAG", "MAX-LAG", "MAX-LAG-S", "LAG BY TOPIC");
	for (size_t g = 0; g < ng; g++) {
		printf(
		    "%-28s %-6s %-18s %7d %10" PRId64 " %10" PRId64 " %10s  %s\n", groups[g].group,
		    yb_lag_status_name(groups[g].status), groups[g].state, groups[g].members,
		    groups[g].total_lag, groups[g].max_lag,
		    seconds_text(groups[g].max_lag_ms, groups[g].max_lag_time, secs, sizeof(secs)),
		    groups[g].error[0] != '\0'
			? groups[g].error
			: topic_sums((int)g, parts, np, topics, sizeof(topics)));
	}
	printf("\n%-28s %-20s %4s %10s %10s %10s %8s %9s %-6s\n", "GROUP", "TOPIC", "PART",
	       "COMMITTED", "LOG-END", "STABLE", "LAG", "LAG-S", "STATUS");
	for (size_t i = 0; i < np; i++) {
		const yb_partition_lag *p = &parts[i];

		printf("%-28s %-20s %4d %10" PRId64 " %10" PRId64 " %10" PRId64 " %8" PRId64
		       " %9s %-6s\n",
		       groups[p->group].group, p->topic, (int)p->partition, p->committed,
		       p->log_end, p->stable_end, p->lag,
		       seconds_text(p->lag_ms, p->lag_time, secs, sizeof(secs)),
		       yb_lag_status_name(p->status));
	}
}

static json_t *group_json(const yb_group_info *g, int index, const yb_partition_lag *parts,
			  size_t np)
{
	json_t *partitions = json_array(), *topics = json_array();
	json_t *out;

	for (size_t i = 0; i < np; i++) {
		const yb_partition_lag *p = &parts[i];

		if (p->group != index)
			continue;
		if (json_array_size(topics) == 0 ||
		    strcmp(json_string_value(json_object_get(
			       json_array_get(topics, json_array_size(topics) - 1), "topic")),
			   p->topic) != 0)
			json_array_append_new(topics,
					      json_pack("{s:s, s:I}", "topic", p->topic, "lag", 0));
		if (p->lag > 0) {
			json_t *t = json_array_get(topics, json_array_size(topics) - 1);

			json_object_set_new(
			    t, "lag",
			    json_integer(json_integer_value(json_object_get(t, "lag")) + p->lag));
		}
		json_array_append_new(
		    partitions,
		    json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:b, s:s}", "topic", p->topic,
			      "partition", (int)p->partition, "committed", (json_int_t)p->committed,
			      "log_end", (json_int_t)p->log_end, "stable_end",
			      (json_int_t)p->stable_end, "lag", (json_int_t)p->lag, "lag_ms",
			      (json_int_t)p->lag_ms, "lag_ms_at_least",
			      p->lag_time == YB_LAG_TIME_AT_LEAST, "status",
			      yb_lag_status_name(p->status)));
	}
	out = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:b, s:o, s:o}", "group", g->group,
			"status", yb_lag_status_name(g->status), "state", g->state, "members",
			g->members, "total_lag", (json_int_t)g->total_lag, "max_lag",
			(json_int_t)g->max_lag, "max_lag_ms", (json_int_t)g->max_lag_ms,
			"max_lag_ms_at_least", g->max_lag_time == YB_LAG_TIME_AT_LEAST, "topics",
			topics, "partitions", partitions);
	if (g->error[0] != '\0')
		json_object_set_new(out, "error", json_string(g->error));
	return out;
}

static void print_json(const lag_options *o, const yb_group_info *groups, size_t ng,
		       const yb_partition_lag *parts, size_t np, int64_t at)
{
	json_t *out =
	    json_pack("{s:I, s:i, s:i, s:[]}", "measured_at_ms", (json_int_t)at, "samples",
		      (int)o->samples, "interval_ms", (int)o->interval_ms, "groups");
	json_t *list = json_object_get(out, "groups");

	for (size_t g = 0; g < ng; g++)
		json_array_append_new(list, group_json(&groups[g], (int)g, parts, np));
	json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
}

/* Measure, judge with the samples so far, and print when asked to: YB_OK or the failure. */
static int measure(const lag_options *o, yb_lag_meter *meter, yb_lag_monitor *monitor, bool show)
{
	yb_group_info *groups = NULL;
	yb_partition_lag *parts = NULL;
	size_t ng = 0, np = 0;
	char errstr[512];
	int64_t at = now_ms();
	int rc = yb_lag_meter_measure(meter, o->group, (int)o->timeout_ms, &groups, &ng, &parts,
				      &np, errstr, sizeof(errstr));

	if (rc != YB_OK) {
		fprintf(stderr, "claimctl lag: %s\n", errstr);
		return rc;
	}
	np = keep_topics(o, parts, np);
	rc = yb_lag_monitor_observe(monitor, at, groups, ng, parts, np);
	if (rc == YB_OK && show && o->as_json) {
		print_json(o, groups, ng, parts, np, at);
	} else if (rc == YB_OK && show) {
		if (o->watch_s > 0) {
			time_t t = (time_t)(at / 1000);
			struct tm tm;
			char stamp[32];

			localtime_r(&t, &tm);
			strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
			printf("\n%s\n", stamp);
		}
		print_table(groups, ng, parts, np);
	}
	fflush(stdout);
	free(groups);
	free(parts);
	return rc;
}

static int run(const lag_options *o, const yb_props *props)
{
	char errstr[512];
	yb_lag_meter *meter = yb_lag_meter_new(props, errstr, sizeof(errstr));
	yb_lag_monitor *monitor =
	    yb_lag_monitor_new(o->samples > 1 ? (int)o->samples : 2, o->allowed_lag);
	int rc = YB_ENOMEM;

	if (meter == NULL)
		fprintf(stderr, "claimctl lag: %s\n", errstr);
	if (meter == NULL || monitor == NULL)
		goto out;
	for (int n = 1; n <= o->samples && !interrupted; n++) {
		if ((rc = measure(o, meter, monitor, n == o->samples)) != YB_OK)
			goto out;
		if (n < o->samples)
			pause_ms((int)o->interval_ms);
	}
	while (o->watch_s > 0 && !interrupted) {
		pause_ms((int)o->watch_s * 1000);
		if (!interrupted && (rc = measure(o, meter, monitor, true)) != YB_OK)
			goto out;
	}
out:
	yb_lag_monitor_destroy(monitor);
	yb_lag_meter_destroy(meter);
	return rc == YB_OK ? CLAIMCTL_EXIT_OK : CLAIMCTL_EXIT_FAILURE;
}

static int add_topic(void *value, const char *topic)
{
	lag_options *o = value;

	if (o->topic_count == MAX_TOPICS) {
		fprintf(stderr, "claimctl lag: at most %d --topic\n", MAX_TOPICS);
		return YB_EINVAL;
	}
	o->topics[o->topic_count++] = topic;
	return YB_OK;
}

/* Parse the command line into o and props: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, lag_options *o, yb_props *props, const char **brokers)
{
	const cli_opt opts[] = {
	    CLI_VALUE("group", 'G', &o->group, "GROUP", "one group (default: every group)"),
	    CLI_CALL("topic", 't', o, "TOPIC", add_topic, "only TOPIC's partitions (repeatable)"),
	    CLI_LONG("samples", 'n', &o->samples, "N", 1, 1000,
		     "measurements to judge (default 3; 1: no status\nbeyond OK and STOP, seconds "
		     "mostly lower bounds)"),
	    CLI_LONG("interval", 'i', &o->interval_ms, "MS", 1, 600000,
		     "between measurements (default 1000)"),
	    CLI_LONG("allowed-lag", 0, &o->allowed_lag, "N", 0, 1000000000,
		     "lag up to N messages counts as none (default 0)"),
	    CLI_LONG("watch", 'w', &o->watch_s, "SECONDS", 1, 86400,
		     "keep measuring every SECONDS, printing each time\n(judged over the last "
		     "--samples) until interrupted"),
	    CLI_SWITCH("json", 0, &o->as_json, "one JSON object per report on standard output"),
	    CLI_BROKERS(brokers),
	    CLI_KAFKA(props),
	    CLI_LONG("timeout", 0, &o->timeout_ms, "MS", 1, 600000,
		     "per-request timeout (default 10000)"),
	};
	const cli_command cmd = {
	    "lag",
	    "[options]",
	    lag_summary,
	    opts,
	    sizeof(opts) / sizeof(opts[0]),
	    "Exit status: 0; 1 when the cluster does not answer (naming its bootstrap servers)\n"
	    "or the group does not exist; 2 a wrong command line.\n"};

	return cli_parse(&cmd, argc, argv);
}

int claimctl_lag(int argc, char **argv)
{
	lag_options o = {.samples = 3, .interval_ms = 1000, .timeout_ms = 10000};
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	yb_props *props = yb_props_new();
	struct sigaction sa;
	int exit_code;

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = parse(argc, argv, &o, props, &brokers);
	if (exit_code >= 0) {
		yb_props_destroy(props);
		return exit_code;
	}
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	exit_code = run(&o, props);
	yb_props_destroy(props);
	return exit_code;
}
