/*
 * claimctl lag: consumer lag per group, topic and partition, in messages and in seconds
 * (common/io/lag.h: measured to the last stable offset, so transaction markers are not lag).
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claimctl.h"
#include "io/lag.h"
#include "io/props.h"
#include "rules/error.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void lag_usage(FILE *out)
{
	fprintf(out,
		"Usage: claimctl lag [options]\n"
		"\n"
		"Show each consumer group's lag: for every topic and partition it has committed,\n"
		"the committed offset, the log end, the last stable offset (what read_committed\n"
		"consumers can reach), the lag in messages (to the last stable offset, so the\n"
		"markers of committed transactions are not lag: a caught-up consumer shows 0) and\n"
		"in seconds (the age of the first record not consumed), with the group's state\n"
		"and member count.\n"
		"\n"
		"Options:\n"
		"  -G, --group GROUP        one group (default: every group)\n"
		"  -w, --watch SECONDS      measure again every SECONDS until interrupted\n"
		"      --json               one JSON object per measurement\n"
		"  -b, --brokers HOST:PORT  bootstrap servers (env YB_BROKERS;\n"
		"                           default " CLAIMCTL_DEFAULT_BROKERS ")\n"
		"  -X KEY=VALUE             librdkafka property, repeatable (as kcat -X)\n"
		"  -t, --timeout MS         per-request timeout (default 10000)\n"
		"  -h, --help               this text\n"
		"\n"
		"Exit status: 0, 1 when the broker cannot be asked or the group does not exist.\n");
}

/* A whole number in 1..max, or -1. */
static int bounded(const char *text, long max)
{
	char *end;
	long v = strtol(text, &end, 10);

	return *end == '\0' && end != text && v >= 1 && v <= max ? (int)v : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void print_table(const yb_group_info *groups, size_t ng, const yb_partition_lag *parts,
			size_t np)
{
	printf("%-28s %-18s %7s %-20s %4s %10s %10s %10s %8s %8s\n", "GROUP", "STATE", "MEMBERS",
	       "TOPIC", "PART", "COMMITTED", "LOG-END", "STABLE", "LAG", "LAG-S");
	for (size_t i = 0; i < np; i++) {
		const yb_partition_lag *p = &parts[i];
		const yb_group_info *g = &groups[p->group];
		char lag_s[24];

		if (p->lag_ms < 0)
			snprintf(lag_s, sizeof(lag_s), "-");
		else
			snprintf(lag_s, sizeof(lag_s), "%" PRId64 ".%01" PRId64, p->lag_ms / 1000,
				 (p->lag_ms % 1000) / 100);
		printf("%-28s %-18s %7d %-20s %4d %10" PRId64 " %10" PRId64 " %10" PRId64
		       " %8" PRId64 " %8s\n",
		       g->group, g->state, g->members, p->topic, (int)p->partition, p->committed,
		       p->log_end, p->stable_end, p->lag, lag_s);
	}
	for (size_t g = 0; g < ng; g++) {
		int any = 0;

		for (size_t i = 0; i < np; i++)
			any |= parts[i].group == (int)g;
		if (!any)
			printf("%-28s %-18s %7d (no committed offsets)\n", groups[g].group,
			       groups[g].state, groups[g].members);
	}
}

static void print_json(const yb_group_info *groups, size_t ng, const yb_partition_lag *parts,
		       size_t np, int64_t at)
{
	json_t *out = json_pack("{s:I, s:[]}", "measured_at_ms", (json_int_t)at, "groups");
	json_t *list = json_object_get(out, "groups");

	for (size_t g = 0; g < ng; g++) {
		json_t *partitions = json_array();

		for (size_t i = 0; i < np; i++) {
			const yb_partition_lag *p = &parts[i];

			if (p->group != (int)g)
				continue;
			json_array_append_new(
			    partitions,
			    json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I}", "topic", p->topic,
				      "partition", (int)p->partition, "committed",
				      (json_int_t)p->committed, "log_end", (json_int_t)p->log_end,
				      "stable_end", (json_int_t)p->stable_end, "lag",
				      (json_int_t)p->lag, "lag_ms", (json_int_t)p->lag_ms));
		}
		json_array_append_new(list,
				      json_pack("{s:s, s:s, s:i, s:o}", "group", groups[g].group,
						"state", groups[g].state, "members",
						groups[g].members, "partitions", partitions));
	}
	json_dumpf(out, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(out);
}

int claimctl_lag(int argc, char **argv)
{
	enum { OPT_JSON = 1000 };
	static const struct option options[] = {
	    {"group", required_argument, NULL, 'G'},
	    {"watch", required_argument, NULL, 'w'},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"brokers", required_argument, NULL, 'b'},
	    {"timeout", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *group = NULL;
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	int opt, watch = 0, as_json = 0, timeout_ms = 10000, exit_code = CLAIMCTL_EXIT_USAGE;
	yb_props *props = yb_props_new();
	struct sigaction sa;

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "G:w:b:X:t:h", options, NULL)) != -1) {
		switch (opt) {
		case 'G':
			group = optarg;
			break;
		case 'w':
			watch = bounded(optarg, 86400);
			if (watch < 0) {
				fprintf(stderr,
					"claimctl lag: --watch needs seconds, 1 to 86400\n");
				goto out;
			}
			break;
		case OPT_JSON:
			as_json = 1;
			break;
		case 'b':
			brokers = optarg;
			break;
		case 'X':
			if (claimctl_kafka_property(props, "lag", optarg) != YB_OK)
				goto out;
			break;
		case 't':
			timeout_ms = bounded(optarg, 600000);
			if (timeout_ms < 0) {
				fprintf(stderr, "claimctl lag: --timeout needs milliseconds\n");
				goto out;
			}
			break;
		case 'h':
			lag_usage(stdout);
			exit_code = CLAIMCTL_EXIT_OK;
			goto out;
		default:
			lag_usage(stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "claimctl lag: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	exit_code = CLAIMCTL_EXIT_OK;
	do {
		yb_group_info *groups = NULL;
		yb_partition_lag *parts = NULL;
		size_t ng = 0, np = 0;
		char errstr[512];
		int64_t at = now_ms();

		if (yb_kafka_lag(props, group, timeout_ms, at, &groups, &ng, &parts, &np, errstr,
				 sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "claimctl lag: %s\n", errstr);
			exit_code = CLAIMCTL_EXIT_FAILURE;
			break;
		}
		if (as_json) {
			print_json(groups, ng, parts, np, at);
		} else {
			if (watch > 0) {
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
		for (int s = 0; watch > 0 && s < watch && !interrupted; s++)
			sleep(1);
	} while (watch > 0 && !interrupted);
out:
	yb_props_destroy(props);
	return exit_code;
}
