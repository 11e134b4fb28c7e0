/*
 * claimctl reset-offsets: move a consumer group's committed offsets (common/kafka/offsets.h)
 * with the options and plans of Kafka's kafka-consumer-groups --reset-offsets; a dry run
 * unless --execute, refused while the group has active members.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimctl.h"
#include "kafka/offsets.h"
#include "io/props.h"
#include "base/date.h"
#include "base/error.h"

/* A plan file larger than this is not a plan. */
#define PLAN_FILE_MAX (64u * 1024 * 1024)

static void reset_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: claimctl reset-offsets --group GROUP SCOPE TARGET [--dry-run | --execute]\n"
	    "                              [--export] [options]\n"
	    "\n"
	    "Move a consumer group's committed offsets, for reprocessing after an incident,\n"
	    "as Kafka's kafka-consumer-groups --reset-offsets does: the same options, the same\n"
	    "plans. Shows the plan and changes nothing unless --execute is given; refuses to\n"
	    "change a group with active members (stop its consumers first). Unlike Kafka's\n"
	    "tool, a dry run shows an active group's plan too, with a note.\n"
	    "\n"
	    "SCOPE, one of (none with --from-file, whose lines name the partitions):\n"
	    "  -t, --topic TOPIC[:P,...] TOPIC's partitions: all of them, or those listed\n"
	    "                           (claims:0,2); repeatable\n"
	    "      --all-topics         every partition the group has committed an offset for\n"
	    "\n"
	    "TARGET, one of:\n"
	    "      --to-earliest        the start of each partition's log\n"
	    "      --to-latest          the end of each partition's log\n"
	    "      --to-current         the committed offset (the log end where there is none)\n"
	    "      --to-offset N        offset N\n"
	    "      --shift-by N         the committed offset plus N (N may be negative);\n"
	    "                           refused where the group has none, as Kafka's tool does\n"
	    "      --to-datetime TIME   the first record at or after TIME, the log end when\n"
	    "                           none: 2024-03-01T00:00:00+08:00; without an offset TIME\n"
	    "                           is UTC, as Kafka's tool reads 2024-03-01T00:00:00.000\n"
	    "      --by-duration D      --to-datetime of now minus D, an ISO-8601 duration\n"
	    "                           PnDTnHnMnS as Java reads it: P1D, PT6H30M, P2DT0.5S\n"
	    "      --from-file FILE     each partition's offset from a plan in CSV, as --export\n"
	    "                           prints it (topic,partition,offset lines, or\n"
	    "                           group,topic,partition,offset); FILE - is stdin\n"
	    "An offset outside the log (--to-offset, --shift-by, --from-file) becomes the log's\n"
	    "start or end, with a note on stderr.\n"
	    "\n"
	    "Options:\n"
	    "  -G, --group GROUP        the group (required)\n"
	    "      --dry-run            only show the plan (the default)\n"
	    "      --execute            apply the plan\n"
	    "      --export             print the plan as CSV, as kafka-consumer-groups --export\n"
	    "                           does: topic,partition,offset lines (for --from-file)\n"
	    "  -b, --brokers HOST:PORT  bootstrap servers (env YB_BROKERS;\n"
	    "                           default " CLAIMCTL_DEFAULT_BROKERS ")\n"
	    "      --bootstrap-server HOST:PORT  the same, as Kafka's tools spell it\n"
	    "      --timeout MS         wait at most MS for each answer of the cluster\n"
	    "                           (default 10000)\n"
	    "  -X KEY=VALUE             librdkafka property, repeatable (as kcat -X)\n"
	    "  -h, --help               this text\n"
	    "\n"
	    "The plan is printed sorted by topic and partition, with each partition's committed\n"
	    "offset (CURRENT-OFFSET, - when none) beside the new one.\n"
	    "Exit status: 0 planned (or applied); 1 refused or failed; 2 a wrong command line.\n");
}

/* The command line, as read. */
typedef struct reset_args {
	yb_reset_request req;
	yb_offset_plan scope; /* the --topic arguments, or the --from-file plan */
	const char *brokers;
	const char *from_file;
	int64_t duration_ms; /* --by-duration */
	int by_duration;
	int topics, targets, dry_run, execute, export_csv;
	yb_props *props;
} reset_args;

enum {
	OPT_EARLIEST = 1000,
	OPT_LATEST,
	OPT_CURRENT,
	OPT_OFFSET,
	OPT_SHIFT,
	OPT_DATETIME,
	OPT_DURATION,
	OPT_FROM_FILE,
	OPT_ALL_TOPICS,
	OPT_DRY_RUN,
	OPT_EXECUTE,
	OPT_EXPORT,
	OPT_TIMEOUT,
};

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

/* TIME as Kafka's tool reads it: with an offset; without one (no "+", "-" or "Z" after the
 * "T"), as UTC. */
static int parse_datetime(const char *text, int64_t *ms)
{
	const char *t = strchr(text, 'T');
	char utc[64];

	if (yb_instant_parse(text, strlen(text), ms) == 0)
		return YB_OK;
	if (t == NULL || strpbrk(t, "+-Z") != NULL ||
	    snprintf(utc, sizeof(utc), "%sZ", text) >= (int)sizeof(utc))
		return YB_EINVAL;
	return yb_instant_parse(utc, strlen(utc), ms) == 0 ? YB_OK : YB_EINVAL;
}

/* One TARGET option. Returns YB_OK, or YB_EINVAL after saying why. */
static int take_target(reset_args *a, int opt, const char *value)
{
	static const yb_reset_mode modes[] = {
	    [OPT_EARLIEST - OPT_EARLIEST] = YB_RESET_EARLIEST,
	    [OPT_LATEST - OPT_EARLIEST] = YB_RESET_LATEST,
	    [OPT_CURRENT - OPT_EARLIEST] = YB_RESET_CURRENT,
	    [OPT_OFFSET - OPT_EARLIEST] = YB_RESET_OFFSET,
	    [OPT_SHIFT - OPT_EARLIEST] = YB_RESET_SHIFT,
	    [OPT_DATETIME - OPT_EARLIEST] = YB_RESET_DATETIME,
	    [OPT_DURATION - OPT_EARLIEST] = YB_RESET_DATETIME,
	    [OPT_FROM_FILE - OPT_EARLIEST] = YB_RESET_FILE,
	};
	const char *problem = NULL;

	a->req.mode = modes[opt - OPT_EARLIEST];
	a->targets++;
	if ((opt == OPT_OFFSET || opt == OPT_SHIFT) && parse_int64(value, &a->req.value) != YB_OK)
		problem = "is not a whole number";
	else if (opt == OPT_DATETIME && parse_datetime(value, &a->req.value) != YB_OK)
		problem = "is not a time: 2024-03-01T00:00:00+08:00, or 2024-03-01T00:00:00.000 "
			  "for UTC";
	else if (opt == OPT_DURATION &&
		 yb_duration_parse(value, strlen(value), &a->duration_ms) != 0)
		problem = "is not an ISO-8601 duration PnDTnHnMnS (P1D, PT6H30M)";
	a->by_duration |= opt == OPT_DURATION;
	if (opt == OPT_FROM_FILE)
		a->from_file = value;
	if (problem != NULL)
		fprintf(stderr, "claimctl reset-offsets: '%s' %s\n", value, problem);
	return problem == NULL ? YB_OK : YB_EINVAL;
}

/* One option other than a target. Returns YB_OK, or YB_EINVAL after saying why. */
static int take_option(reset_args *a, int opt, const char *value)
{
	char errstr[512];
	int64_t timeout;

	switch (opt) {
	case 'G':
		a->req.group = value;
		return YB_OK;
	case 't':
		a->topics++;
		if (yb_offset_plan_add_topic_arg(&a->scope, value, errstr, sizeof(errstr)) == YB_OK)
			return YB_OK;
		fprintf(stderr, "claimctl reset-offsets: --topic %s\n", errstr);
		return YB_EINVAL;
	case OPT_ALL_TOPICS:
		a->req.all_topics = 1;
		return YB_OK;
	case OPT_DRY_RUN:
	case OPT_EXECUTE:
		*(opt == OPT_DRY_RUN ? &a->dry_run : &a->execute) = 1;
		return YB_OK;
	case OPT_EXPORT:
		a->export_csv = 1;
		return YB_OK;
	case 'b':
		a->brokers = value;
		return YB_OK;
	case OPT_TIMEOUT:
		if (parse_int64(value, &timeout) == YB_OK && timeout > 0 && timeout <= INT32_MAX) {
			a->req.timeout_ms = (int)timeout;
			return YB_OK;
		}
		fprintf(stderr, "claimctl reset-offsets: --timeout '%s' is not milliseconds\n",
			value);
		return YB_EINVAL;
	case 'X':
		return claimctl_kafka_property(a->props, "reset-offsets", value);
	default:
		reset_usage(stderr);
		return YB_EINVAL;
	}
}

/* The combination of options, as Kafka's tool checks it. NULL when right, else why not. */
static const char *combination_problem(const reset_args *a)
{
	if (a->req.group == NULL)
		return "--group is required";
	if (a->targets != 1)
		return "give exactly one target: --to-earliest, --to-latest, --to-current, "
		       "--to-offset, --shift-by, --to-datetime, --by-duration or --from-file";
	if (a->dry_run && a->execute)
		return "give --dry-run or --execute, not both";
	if (a->from_file != NULL && (a->topics > 0 || a->req.all_topics))
		return "--from-file takes its partitions from the file: no --topic or --all-topics";
	if (a->topics > 0 && a->req.all_topics)
		return "give --topic or --all-topics, not both";
	if (a->from_file == NULL && a->topics == 0 && !a->req.all_topics)
		return "say which partitions: --topic TOPIC[:P,...] (repeatable) or --all-topics";
	return NULL;
}

/* Read the command line into *a. Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, reset_args *a)
{
	static const struct option options[] = {
	    {"group", required_argument, NULL, 'G'},
	    {"topic", required_argument, NULL, 't'},
	    {"all-topics", no_argument, NULL, OPT_ALL_TOPICS},
	    {"to-earliest", no_argument, NULL, OPT_EARLIEST},
	    {"to-latest", no_argument, NULL, OPT_LATEST},
	    {"to-current", no_argument, NULL, OPT_CURRENT},
	    {"to-offset", required_argument, NULL, OPT_OFFSET},
	    {"shift-by", required_argument, NULL, OPT_SHIFT},
	    {"to-datetime", required_argument, NULL, OPT_DATETIME},
	    {"by-duration", required_argument, NULL, OPT_DURATION},
	    {"from-file", required_argument, NULL, OPT_FROM_FILE},
	    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
	    {"execute", no_argument, NULL, OPT_EXECUTE},
	    {"export", no_argument, NULL, OPT_EXPORT},
	    {"brokers", required_argument, NULL, 'b'},
	    {"bootstrap-server", required_argument, NULL, 'b'},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *problem;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "G:t:b:X:h", options, NULL)) != -1) {
		int rc;

		if (opt == 'h') {
			reset_usage(stdout);
			return CLAIMCTL_EXIT_OK;
		}
		rc = opt >= OPT_EARLIEST && opt <= OPT_FROM_FILE ? take_target(a, opt, optarg)
								 : take_option(a, opt, optarg);
		if (rc != YB_OK)
			return CLAIMCTL_EXIT_USAGE;
	}
	problem = optind != argc ? "unexpected argument" : combination_problem(a);
	if (problem != NULL) {
		fprintf(stderr, "claimctl reset-offsets: %s%s%s\n", problem,
			optind != argc ? ": " : "", optind != argc ? argv[optind] : "");
		return CLAIMCTL_EXIT_USAGE;
	}
	return -1;
}

/* All of in into *text (malloc'ed), at most PLAN_FILE_MAX bytes. Returns YB_OK, YB_EIO
 * (a read failed, or too large), YB_ENOMEM. */
static int read_all(FILE *in, char **text, size_t *len)
{
	size_t cap = 0;

	*text = NULL;
	*len = 0;
	do {
		if (*len == cap) {
			char *grown = cap < PLAN_FILE_MAX ? realloc(*text, cap + 65536) : NULL;

			if (grown == NULL)
				return cap < PLAN_FILE_MAX ? YB_ENOMEM : YB_EIO;
			*text = grown;
			cap += 65536;
		}
		*len += fread(*text + *len, 1, cap - *len, in);
	} while (!feof(in) && !ferror(in));
	return ferror(in) ? YB_EIO : YB_OK;
}

/* The --from-file plan into a->scope. Returns YB_OK, or an error after saying why. */
static int read_plan_file(reset_args *a)
{
	FILE *in = claimctl_open_input("reset-offsets", a->from_file);
	const char *name = strcmp(a->from_file, "-") == 0 ? "standard input" : a->from_file;
	char *text = NULL, errstr[512];
	size_t len = 0;
	int rc;

	if (in == NULL)
		return YB_EIO;
	rc = read_all(in, &text, &len);
	if (rc != YB_OK)
		fprintf(stderr, "claimctl reset-offsets: %s: %s\n", name,
			rc == YB_EIO ? "cannot read it (or too large for a plan)"
				     : yb_strerror(rc));
	else if ((rc = yb_offset_plan_read_csv(&a->scope, text, len, a->req.group, errstr,
					       sizeof(errstr))) != YB_OK)
		fprintf(stderr, "claimctl reset-offsets: %s: %s\n", name, errstr);
	if (in != stdin)
		fclose(in);
	free(text);
	return rc;
}

/* The time --by-duration means: now minus the duration, not before the epoch. */
static int64_t duration_ago(int64_t duration_ms)
{
	struct timespec now;
	int64_t now_ms, at;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	if (__builtin_sub_overflow(now_ms, duration_ms, &at))
		at = duration_ms > 0 ? 0 : INT64_MAX;
	return at < 0 ? 0 : at;
}

static void print_plan(const char *group, const yb_offset_plan *plan)
{
	printf("%-28s %-24s %9s %15s %15s\n", "GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET",
	       "NEW-OFFSET");
	for (size_t i = 0; i < plan->count; i++) {
		const yb_offset_reset *r = &plan->items[i];
		char current[24];

		if (r->current >= 0)
			snprintf(current, sizeof(current), "%" PRId64, r->current);
		else
			snprintf(current, sizeof(current), "-");
		printf("%-28s %-24s %9d %15s %15" PRId64 "\n", group, r->topic, (int)r->partition,
		       current, r->target);
	}
}

/* A note on stderr for each partition whose new offset is not the one asked for. */
static void print_notes(const yb_offset_plan *plan)
{
	static const char *const why[] = {
	    [YB_RESET_RAISED_TO_START] = "before the log start: its start",
	    [YB_RESET_LOWERED_TO_END] = "beyond the log end: its end",
	    [YB_RESET_NO_LATER_RECORD] = "no record at or after the time: the log end",
	};

	for (size_t i = 0; i < plan->count; i++) {
		const yb_offset_reset *r = &plan->items[i];

		if (r->note != YB_RESET_AS_ASKED)
			fprintf(stderr, "claimctl reset-offsets: note: %s [%d]: %s, %" PRId64 "\n",
				r->topic, (int)r->partition, why[r->note], r->target);
	}
}

/* Plan, show, and apply with --execute. Returns the exit code. */
static int reset(reset_args *a)
{
	yb_offset_plan plan = {0};
	FILE *notes = a->export_csv ? stderr : stdout;
	char state[32] = "", errstr[512];
	int members = 0, active, exit_code = CLAIMCTL_EXIT_FAILURE;

	if (a->by_duration)
		a->req.value = duration_ago(a->duration_ms);
	if (yb_kafka_plan_reset(a->props, &a->req, &plan, state, &members, errstr,
				sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl reset-offsets: %s\n", errstr);
		return CLAIMCTL_EXIT_FAILURE;
	}
	print_notes(&plan);
	if (a->export_csv) {
		if (yb_offset_plan_write_csv(&plan, stdout) != YB_OK)
			goto out;
	} else {
		print_plan(a->req.group, &plan);
	}
	active = members > 0 || (strcmp(state, "Empty") != 0 && strcmp(state, "Dead") != 0);
	if (!a->execute) {
		if (active)
			fprintf(stderr,
				"claimctl reset-offsets: note: group %s is %s with %d member(s): "
				"--execute would be refused\n",
				a->req.group, state, members);
		fprintf(notes, "(a dry run: nothing changed; add --execute to apply)\n");
		exit_code = CLAIMCTL_EXIT_OK;
	} else if (active) {
		fprintf(stderr,
			"claimctl reset-offsets: group %s is %s with %d active member(s): stop its "
			"consumers first\n",
			a->req.group, state, members);
	} else if (yb_kafka_apply_reset(a->props, a->req.group, &plan, a->req.timeout_ms, errstr,
					sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl reset-offsets: %s\n", errstr);
	} else {
		fprintf(notes, "applied: %zu partition(s) of group %s moved\n", plan.count,
			a->req.group);
		exit_code = CLAIMCTL_EXIT_OK;
	}
out:
	yb_offset_plan_free(&plan);
	return exit_code;
}

int claimctl_reset_offsets(int argc, char **argv)
{
	reset_args a = {
	    .req = {.timeout_ms = 10000},
	    .brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS),
	    .props = yb_props_new(),
	};
	int exit_code;

	if (a.props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = parse_args(argc, argv, &a);
	if (exit_code < 0 && a.from_file != NULL && read_plan_file(&a) != YB_OK)
		exit_code = CLAIMCTL_EXIT_FAILURE;
	if (exit_code < 0) {
		a.req.scope = &a.scope;
		if (yb_props_get(a.props, "kafka.bootstrap.servers") == NULL)
			yb_props_set(a.props, "kafka.bootstrap.servers", a.brokers);
		exit_code = reset(&a);
	}
	yb_offset_plan_free(&a.scope);
	yb_props_destroy(a.props);
	return exit_code;
}
