/* claimctl's option tables: parsing and --help from one table; see cli_opt.h. */
#include "cli_opt.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "base/error.h"

#define MAX_OPTS   40
#define HELP_COL   28 /* where the help text of an option starts */
#define LONG_FIRST 1000

/* The left column of an option's --help line: "  -t, --topic TOPIC". */
static void left_column(const cli_opt *o, char *buf, size_t size)
{
	char value[64] = "";

	if (o->value_name != NULL)
		snprintf(value, sizeof(value), " %s", o->value_name);
	if (o->kind == CLI_OPT_ARG)
		snprintf(buf, size, "  %s", o->name);
	else if (o->alias != 0)
		snprintf(buf, size, "  -%c, --%s%s", o->alias, o->name, value);
	else
		snprintf(buf, size, "      --%s%s", o->name, value);
	if (o->kind == CLI_OPT_KAFKA)
		snprintf(buf, size, "  -%c %s", o->alias,
			 o->value_name != NULL ? o->value_name : "");
}

static void print_option(FILE *out, const char *left, const char *help)
{
	const char *line = help != NULL ? help : "";
	int width = (int)strlen(left);

	fputs(left, out);
	if (width >= HELP_COL - 1) {
		fputc(' ', out);
		width = HELP_COL;
	}
	for (int first = 1; first || *line != '\0'; first = 0) {
		const char *end = strchr(line, '\n');
		int len = end != NULL ? (int)(end - line) : (int)strlen(line);

		fprintf(out, "%*s%.*s\n", first ? HELP_COL - width : HELP_COL, "", len, line);
		line += len + (end != NULL);
	}
}

void cli_usage(FILE *out, const cli_command *cmd)
{
	char left[128];

	fprintf(out, "Usage: claimctl %s %s\n\n%s\n", cmd->name, cmd->synopsis, cmd->summary);
	if (cmd->count == 0 || cmd->opts[0].kind != CLI_OPT_SECTION)
		fprintf(out, "\nOptions:\n");
	for (size_t i = 0; i < cmd->count; i++) {
		if (cmd->opts[i].kind == CLI_OPT_SECTION) {
			fprintf(out, "\n%s\n", cmd->opts[i].name);
			continue;
		}
		left_column(&cmd->opts[i], left, sizeof(left));
		print_option(out, left, cmd->opts[i].help);
	}
	print_option(out, "  -h, --help", "this text");
	if (cmd->epilog != NULL)
		fprintf(out, "\n%s", cmd->epilog);
}

static int usage_error(const cli_command *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "claimctl %s: %s%s%s (see --help)\n", cmd->name, what,
		arg != NULL ? " " : "", arg != NULL ? arg : "");
	return CLAIMCTL_EXIT_USAGE;
}

/* Store one option's argument; -1 to go on, else the exit code. */
static int take(const cli_command *cmd, const cli_opt *o, const char *arg)
{
	char *end, what[160];
	long n;

	switch (o->kind) {
	case CLI_OPT_SWITCH:
		*(int *)o->value = 1;
		return -1;
	case CLI_OPT_VALUE:
		*(const char **)o->value = arg;
		return -1;
	case CLI_OPT_LONG:
		n = strtol(arg, &end, 10);
		if (*end != '\0' || end == arg || n < o->min || n > o->max) {
			snprintf(what, sizeof(what),
				 "--%s takes a whole number from %ld to %ld, not", o->name, o->min,
				 o->max);
			return usage_error(cmd, what, arg);
		}
		*(long *)o->value = n;
		return -1;
	case CLI_OPT_KAFKA:
		return claimctl_kafka_property(o->value, cmd->name, arg) == YB_OK
			   ? -1
			   : CLAIMCTL_EXIT_USAGE;
	case CLI_OPT_CALL:
		return o->call(o->value, arg) >= 0 ? -1 : CLAIMCTL_EXIT_USAGE;
	case CLI_OPT_ARG:
	case CLI_OPT_SECTION:
		break;
	}
	return -1;
}

int cli_parse(const cli_command *cmd, int argc, char **argv)
{
	struct option longs[2 * MAX_OPTS + 2];
	char shorts[3 * MAX_OPTS + 4] = "h";
	size_t nl = 0, ns = 1;
	int opt;

	if (cmd->count > MAX_OPTS)
		return usage_error(cmd, "too many options in the table", NULL);
	for (size_t i = 0; i < cmd->count; i++) {
		const cli_opt *o = &cmd->opts[i];
		int has_arg = o->kind == CLI_OPT_SWITCH ? no_argument
			      : o->kind == CLI_OPT_CALL && o->value_name == NULL
				  ? no_argument
				  : required_argument;
		int val = o->alias != 0 ? o->alias : LONG_FIRST + (int)i;

		if (o->kind == CLI_OPT_ARG || o->kind == CLI_OPT_SECTION)
			continue;
		if (o->kind != CLI_OPT_KAFKA)
			longs[nl++] = (struct option){o->name, has_arg, NULL, val};
		if (o->also != NULL)
			longs[nl++] = (struct option){o->also, has_arg, NULL, val};
		if (o->alias != 0) {
			shorts[ns++] = o->alias;
			if (has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	for (size_t i = 0; i < cmd->count; i++) {
		/* Settings from YB_KAFKA_CONFIG first, so that -X overrides them. */
		if (cmd->opts[i].kind == CLI_OPT_KAFKA &&
		    claimctl_kafka_config_file(cmd->opts[i].value, cmd->name) != YB_OK)
			return CLAIMCTL_EXIT_USAGE;
	}
	longs[nl++] = (struct option){"help", no_argument, NULL, 'h'};
	longs[nl] = (struct option){NULL, 0, NULL, 0};
	shorts[ns] = '\0';
	optind = 1;
	while ((opt = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const cli_opt *found = NULL;
		int rc;

		if (opt == 'h') {
			cli_usage(stdout, cmd);
			return CLAIMCTL_EXIT_OK;
		}
		for (size_t i = 0; i < cmd->count && found == NULL; i++) {
			if ((cmd->opts[i].alias != 0 && cmd->opts[i].alias == opt) ||
			    (cmd->opts[i].alias == 0 && opt == LONG_FIRST + (int)i))
				found = &cmd->opts[i];
		}
		if (found == NULL) {
			cli_usage(stderr, cmd);
			return CLAIMCTL_EXIT_USAGE;
		}
		rc = take(cmd, found, optarg);
		if (rc >= 0)
			return rc;
	}
	for (size_t i = 0; i < cmd->count && optind < argc; i++) {
		if (cmd->opts[i].kind == CLI_OPT_ARG) {
			*(const char **)cmd->opts[i].value = argv[optind++];
		}
	}
	if (optind < argc && optind > 1 && strcmp(argv[optind - 1], "--json") == 0) {
		/* "--json FILE": a switch taken for an option with a value. */
		fprintf(
		    stderr,
		    "claimctl %s: unexpected argument '%s' (--json writes the report to stdout: "
		    "--json > FILE)\n",
		    cmd->name, argv[optind]);
		return CLAIMCTL_EXIT_USAGE;
	}
	if (optind < argc)
		return usage_error(cmd, "unexpected argument", argv[optind]);
	return -1;
}

int add_writer_schema(void *list, const char *path)
{
	writer_list *w = list;

	if (w->count == 16) {
		fprintf(stderr, "claimctl: 16 --writer-schema files at most\n");
		return YB_EINVAL;
	}
	w->paths[w->count++] = path;
	return YB_OK;
}
