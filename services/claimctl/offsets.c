/*
 * claimctl reset-offsets: move a consumer group's committed offsets (common/io/offsets.h),
 * a dry run unless --execute, refused while the group has active members.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "io/offsets.h"
#include "io/props.h"
#include "rules/date.h"
#include "rules/error.h"

static void reset_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: claimctl reset-offsets --group GROUP TARGET [options]\n"
	    "\n"
	    "Move a consumer group's committed offsets, for reprocessing after an incident,\n"
	    "as Kafka's kafka-consumer-groups --reset-offsets does. Shows the plan and changes\n"
	    "nothing unless --execute is given; refuses to change a group with active members\n"
	    "(stop its consumers first).\n"
	    "\n"
	    "TARGET, one of:\n"
	    "      --to-earliest        the start of each partition's log\n"
	    "      --to-latest          the end of each partition's log\n"
	    "      --to-offset N        offset N (kept within the log)\n"
	    "      --shift-by N         the committed offset plus N (N may be negative)\n"
	    "      --to-datetime TIME   the first record at or after TIME\n"
	    "                           (ISO-8601 with offset: 2024-03-01T00:00:00+08:00)\n"
	    "\n"
	    "Options:\n"
	    "  -G, --group GROUP        the group (required)\n"
	    "      --topic TOPIC        only TOPIC, all its partitions (default: every\n"
	    "                           partition the group has committed)\n"
	    "      --execute            apply the plan\n"
	    "  -b, --brokers HOST:PORT  bootstrap servers (env YB_BROKERS;\n"
	    "                           default " CLAIMCTL_DEFAULT_BROKERS ")\n"
	    "  -X KEY=VALUE             librdkafka property, repeatable (as kcat -X)\n"
	    "  -h, --help               this text\n"
	    "\n"
	    "Exit status: 0 planned (or applied); 1 refused or failed; 2 a wrong command line.\n");
}

static int parse_int64(const char *text, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text)
		return YB_EINVAL;
	*out = v;
	return YB_OK;
}

int claimctl_reset_offsets(int argc, char **argv)
{
	enum {
		OPT_EARLIEST = 1000,
		OPT_LATEST,
		OPT_OFFSET,
		OPT_SHIFT,
		OPT_DATETIME,
		OPT_TOPIC,
		OPT_EXECUTE
	};
	static const struct option options[] = {
	    {"group", required_argument, NULL, 'G'},
	    {"to-earliest", no_argument, NULL, OPT_EARLIEST},
	    {"to-latest", no_argument, NULL, OPT_LATEST},
	    {"to-offset", required_argument, NULL, OPT_OFFSET},
	    {"shift-by", required_argument, NULL, OPT_SHIFT},
	    {"to-datetime", required_argument, NULL, OPT_DATETIME},
	    {"topic", required_argument, NULL, OPT_TOPIC},
	    {"execute", no_argument, NULL, OPT_EXECUTE},
	    {"brokers", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *group = NULL, *topic = NULL;
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	int opt, targets = 0, execute = 0, members = 0, exit_code = CLAIMCTL_EXIT_USAGE;
	yb_reset_mode mode = YB_RESET_LATEST;
	int64_t value = 0;
	yb_props *props = yb_props_new();
	yb_offset_reset *plan = NULL;
	size_t count = 0;
	char state[32] = "", errstr[512];

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "G:b:X:h", options, NULL)) != -1) {
		switch (opt) {
		case 'G':
			group = optarg;
			break;
		case OPT_EARLIEST:
		case OPT_LATEST:
			mode = opt == OPT_EARLIEST ? YB_RESET_EARLIEST : YB_RESET_LATEST;
			targets++;
			break;
		case OPT_OFFSET:
		case OPT_SHIFT:
			mode = opt == OPT_OFFSET ? YB_RESET_OFFSET : YB_RESET_SHIFT;
			targets++;
			if (parse_int64(optarg, &value) != YB_OK ||
			    (mode == YB_RESET_OFFSET && value < 0)) {
				fprintf(stderr, "claimctl reset-offsets: '%s' is not an offset\n",
					optarg);
				goto out;
			}
			break;
		case OPT_DATETIME:
			mode = YB_RESET_DATETIME;
			targets++;
			if (yb_instant_parse(optarg, strlen(optarg), &value) != 0) {
				fprintf(stderr,
					"claimctl reset-offsets: '%s' is not a time with offset, "
					"e.g. 2024-03-01T00:00:00+08:00\n",
					optarg);
				goto out;
			}
			break;
		case OPT_TOPIC:
			topic = optarg;
			break;
		case OPT_EXECUTE:
			execute = 1;
			break;
		case 'b':
			brokers = optarg;
			break;
		case 'X':
			if (claimctl_kafka_property(props, "reset-offsets", optarg) != YB_OK)
				goto out;
			break;
		case 'h':
			reset_usage(stdout);
			exit_code = CLAIMCTL_EXIT_OK;
			goto out;
		default:
			reset_usage(stderr);
			goto out;
		}
	}
	if (group == NULL || targets != 1 || optind != argc) {
		fprintf(stderr, "claimctl reset-offsets: %s\n",
			group == NULL  ? "--group is required"
			: targets != 1 ? "give exactly one target (--to-earliest, --to-latest, "
					 "--to-offset, --shift-by, --to-datetime)"
				       : "unexpected argument");
		goto out;
	}
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);
	exit_code = CLAIMCTL_EXIT_FAILURE;
	if (yb_kafka_plan_reset(props, group, topic, mode, value, 10000, &plan, &count, state,
				&members, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl reset-offsets: %s\n", errstr);
		goto out;
	}
	printf("%-28s %-24s %9s %15s %15s\n", "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET",
	       "NEW-OFFSET");
	for (size_t i = 0; i < count; i++) {
		char current[24];

		if (plan[i].current >= 0)
			snprintf(current, sizeof(current), "%" PRId64, plan[i].current);
		else
			snprintf(current, sizeof(current), "-");
		printf("%-28s %-24s %9d %15s %15" PRId64 "\n", group, plan[i].topic,
		       (int)plan[i].partition, current, plan[i].target);
	}
	if (!execute) {
		printf("(a dry run: nothing changed; add --execute to apply)\n");
		exit_code = CLAIMCTL_EXIT_OK;
		goto out;
	}
	if (members > 0 || (strcmp(state, "Empty") != 0 && strcmp(state, "Dead") != 0)) {
		fprintf(stderr,
			"claimctl reset-offsets: group %s is %s with %d active member(s): stop its "
			"consumers first\n",
			group, state, members);
		goto out;
	}
	if (yb_kafka_apply_reset(props, group, plan, count, 10000, errstr, sizeof(errstr)) !=
	    YB_OK) {
		fprintf(stderr, "claimctl reset-offsets: %s\n", errstr);
		goto out;
	}
	printf("applied: %zu partition(s) of group %s moved\n", count, group);
	exit_code = CLAIMCTL_EXIT_OK;
out:
	free(plan);
	yb_props_destroy(props);
	return exit_code;
}
