/*
 * claimctl reset-offsets: move a consumer group's committed offsets (common/kafka/offsets.h)
 * with the options and plans of Kafka's kafka-consumer-groups --reset-offsets; a dry run
 * unless --execute, refused while the group has active members.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "kafka/offsets.h"
#include "io/props.h"
#include "base/date.h"
#include "base/error.h"

/* A plan file larger than this is not a plan. */
#define PLAN_FILE_MAX (64u * 1024 * 1024)

static const char reset_summary[] =
    "Move a consumer group's committed offsets, for reprocessing after an incident,\n"
    "as Kafka's kafka-consumer-groups --reset-offsets does: the same options, the same\n"
    "plans. Shows the plan and changes nothing unless --execute is given; refuses to\n"
    "change a group with active members (stop its consumers first). Unlike Kafka's\n"
    "tool, a dry run shows an active group's plan too, with a note.";

static const char reset_epilog[] =
    "An offset outside the log (--to-offset, --shift-by, --from-file) becomes the log's\n"
    "start or end, with a note on stderr.\n"
    "The plan is printed sorted by topic and partition, with each partition's committed\n"
    "offset (CURRENT-OFFSET, - when none) beside the new one.\n"
    "Exit status: 0 planned (or applied); 1 refused or failed; 2 a wrong command line.\n";

/* The command line, as read. */
typedef struct reset_args {
	yb_reset_request req;
	yb_offset_plan scope; /* the --topic arguments, or the --from-file plan */
	const char *brokers;
	const char *from_file;
	int64_t duration_ms; /* --by-duration */
	int by_duration;
	int topics, targets, dry_run, execute, export_csv;
	long timeout_ms;
	yb_props *props;
} reset_args;

/* The targets, as take_target tells them apart. */
enum {
	OPT_EARLIEST = 1000,
	OPT_LATEST,
	OPT_CURRENT,
	OPT_OFFSET,
	OPT_SHIFT,
	OPT_DATETIME,
	OPT_DURATION,
	OPT_FROM_FILE,
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

static int add_topic(void *value, const char *arg)
{
	reset_args *a = value;
	char errstr[512];

	a->topics++;
	if (yb_offset_plan_add_topic_arg(&a->scope, arg, errstr, sizeof(errstr)) == YB_OK)
		return YB_OK;
	fprintf(stderr, "claimctl reset-offsets: --topic %s\n", errstr);
	return YB_EINVAL;
}

/* A TARGET entry of the table: the arguments and which target it is. */
typedef struct target_ref {
	reset_args *a;
	int opt;
} target_ref;

static int take_target_ref(void *value, const char *arg)
{
	const target_ref *t = value;

	return take_target(t->a, t->opt, arg);
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
	target_ref t[] = {{a, OPT_EARLIEST}, {a, OPT_LATEST},   {a, OPT_CURRENT},
			  {a, OPT_OFFSET},   {a, OPT_SHIFT},    {a, OPT_DATETIME},
			  {a, OPT_DURATION}, {a, OPT_FROM_FILE}};
	const cli_opt opts[] = {
	    CLI_SECTION("SCOPE, one of (none with --from-file, whose lines name the partitions):"),
	    CLI_CALL("topic", 't', a, "TOPIC[:P,...]", add_topic,
		     "TOPIC's partitions: all of them, or those listed\n(claims:0,2); repeatable"),
	    CLI_SWITCH("all-topics", 0, &a->req.all_topics,
		       "every partition the group has committed an offset for"),
	    CLI_SECTION("TARGET, one of:"),
	    CLI_CALL("to-earliest", 0, &t[0], NULL, take_target_ref,
		     "the start of each partition's log"),
	    CLI_CALL("to-latest", 0, &t[1], NULL, take_target_ref,
		     "the end of each partition's log"),
	    CLI_CALL("to-current", 0, &t[2], NULL, take_target_ref,
		     "the committed offset (the log end where there is none)"),
	    CLI_CALL("to-offset", 0, &t[3], "N", take_target_ref, "offset N"),
	    CLI_CALL(
		"shift-by", 0, &t[4], "N", take_target_ref,
		"the committed offset plus N (N may be negative);\nrefused where the group has "
		"none, as Kafka's tool does"),
	    CLI_CALL("to-datetime", 0, &t[5], "TIME", take_target_ref,
		     "the first record at or after TIME, the log end when\nnone: "
		     "2024-03-01T00:00:00+08:00; without an offset TIME\nis UTC, as Kafka's tool "
		     "reads 2024-03-01T00:00:00.000"),
	    CLI_CALL("by-duration", 0, &t[6], "D", take_target_ref,
		     "--to-datetime of now minus D, an ISO-8601 duration\nPnDTnHnMnS as Java reads "
		     "it: P1D, PT6H30M, P2DT0.5S"),
	    CLI_CALL("from-file", 0, &t[7], "FILE", take_target_ref,
		     "each partition's offset from a plan in CSV, as --export\nprints it "
		     "(topic,partition,offset lines, or\ngroup,topic,partition,offset); FILE - is "
		     "stdin"),
	    CLI_SECTION("Options:"),
	    CLI_VALUE("group", 'G', &a->req.group, "GROUP", "the group (required)"),
	    CLI_SWITCH("dry-run", 0, &a->dry_run, "only show the plan (the default)"),
	    CLI_SWITCH("execute", 0, &a->execute, "apply the plan"),
	    CLI_SWITCH("export", 0, &a->export_csv,
		       "print the plan as CSV, as kafka-consumer-groups --export\ndoes: "
		       "topic,partition,offset lines (for --from-file)"),
	    CLI_BROKERS(&a->brokers),
	    CLI_LONG("timeout", 0, &a->timeout_ms, "MS", 1, INT32_MAX,
		     "wait at most MS for each answer of the cluster\n(default 10000)"),
	    CLI_KAFKA(a->props),
	};
	const cli_command cmd = {"reset-offsets",
				 "--group GROUP SCOPE TARGET [--dry-run | --execute]\n"
				 "                              [--export] [options]",
				 reset_summary,
				 opts,
				 sizeof(opts) / sizeof(opts[0]),
				 reset_epilog};
	const char *problem;
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	a->req.timeout_ms = (int)a->timeout_ms;
	problem = combination_problem(a);
	if (problem != NULL) {
		fprintf(stderr, "claimctl reset-offsets: %s\n", problem);
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
	    .timeout_ms = 10000,
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
