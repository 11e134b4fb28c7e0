/*
 * claimctl's option tables (services/claimctl/cli_opt.h): one table parses the command line
 * and writes --help, so what --help lists is exactly what is taken.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "io/props.h"

typedef struct opts {
	const char *topic, *brokers, *input;
	int end;
	long max;
	writer_list writers;
} opts;

static int parse(opts *o, yb_props *props, int argc, char **argv)
{
	const cli_opt table[] = {
	    CLI_VALUE("topic", 't', &o->topic, "TOPIC", "the topic"),
	    CLI_SWITCH("end", 'e', &o->end, "stop at the end"),
	    CLI_LONG("max", 'n', &o->max, "N", 1, 1000, "stop after N records"),
	    CLI_CALL("writer-schema", 'w', &o->writers, "FILE", add_writer_schema,
		     "a schema\nrepeatable"),
	    CLI_VALUE_ALSO("brokers", "bootstrap-server", 'b', &o->brokers, "HOST:PORT",
			   "bootstrap servers"),
	    CLI_KAFKA(props),
	    CLI_ARG("FILE", &o->input, "the input"),
	};
	const cli_command cmd = {
	    "test",    "[options] [FILE]", "A test.", table, sizeof(table) / sizeof(table[0]),
	    "After.\n"};

	return cli_parse(&cmd, argc, argv);
}

static void every_kind_is_taken(void **state)
{
	char *argv[] = {"test",
			"-t",
			"claims",
			"--end",
			"--max",
			"7",
			"-w",
			"a.avsc",
			"--writer-schema=b.avsc",
			"--bootstrap-server",
			"h:1",
			"-X",
			"acks=all",
			"in.jsonl",
			NULL};
	opts o = {0};
	yb_props *props = yb_props_new();

	(void)state;
	assert_int_equal(parse(&o, props, 14, argv), -1);
	assert_string_equal(o.topic, "claims");
	assert_int_equal(o.end, 1);
	assert_int_equal(o.max, 7);
	assert_int_equal(o.writers.count, 2);
	assert_string_equal(o.writers.paths[1], "b.avsc");
	assert_string_equal(o.brokers, "h:1");
	assert_string_equal(yb_props_get(props, "kafka.acks"), "all");
	assert_string_equal(o.input, "in.jsonl");
	yb_props_destroy(props);
}

static void a_wrong_command_line_is_exit_status_two(void **state)
{
	char *out_of_range[] = {"test", "--max", "1001", NULL};
	char *not_a_number[] = {"test", "-n", "7x", NULL};
	char *two_inputs[] = {"test", "a", "b", NULL};
	char *unknown[] = {"test", "--nope", NULL};
	char *bad_property[] = {"test", "-X", "novalue", NULL};
	opts o = {0};
	yb_props *props = yb_props_new();

	(void)state;
	assert_int_equal(parse(&o, props, 3, out_of_range), CLAIMCTL_EXIT_USAGE);
	assert_int_equal(parse(&o, props, 3, not_a_number), CLAIMCTL_EXIT_USAGE);
	assert_int_equal(parse(&o, props, 3, two_inputs), CLAIMCTL_EXIT_USAGE);
	assert_int_equal(parse(&o, props, 2, unknown), CLAIMCTL_EXIT_USAGE);
	assert_int_equal(parse(&o, props, 3, bad_property), CLAIMCTL_EXIT_USAGE);
	yb_props_destroy(props);
}

/* --help lists every entry of the table, help in one column, continuation lines under it. */
static void help_comes_from_the_table(void **state)
{
	opts o = {0};
	yb_props *props = yb_props_new();
	const cli_opt table[] = {
	    CLI_VALUE("topic", 't', &o.topic, "TOPIC", "the topic"),
	    CLI_CALL("writer-schema", 'w', &o.writers, "FILE", add_writer_schema,
		     "a schema\nrepeatable"),
	    CLI_SWITCH("a-very-long-switch-name", 0, &o.end, "long"),
	    CLI_KAFKA(props),
	    CLI_ARG("FILE", &o.input, "the input"),
	};
	const cli_command cmd = {"test", "[options] [FILE]", "A test.", table, 5, "After.\n"};
	char text[2048] = "";
	FILE *out = fmemopen(text, sizeof(text) - 1, "w");

	(void)state;
	assert_non_null(out);
	cli_usage(out, &cmd);
	fclose(out);
	assert_non_null(strstr(text, "Usage: claimctl test [options] [FILE]\n\nA test.\n\n"));
	assert_non_null(strstr(text, "  -t, --topic TOPIC         the topic\n"));
	assert_non_null(strstr(text, "  -w, --writer-schema FILE  a schema\n"
				     "                            repeatable\n"));
	assert_non_null(strstr(text, "      --a-very-long-switch-name long\n"));
	assert_non_null(strstr(text, "  -X KEY=VALUE              librdkafka property"));
	assert_non_null(strstr(text, "  FILE                      the input\n"));
	assert_non_null(strstr(text, "  -h, --help                this text\n\nAfter.\n"));
	yb_props_destroy(props);
}

/* A table that starts with a heading lays its options out under its own headings. */
static void sections_replace_the_options_heading(void **state)
{
	int a = 0, b = 0;
	char *argv[] = {"test", "--beta", NULL};
	const cli_opt table[] = {
	    CLI_SECTION("FIRST, one of:"),
	    CLI_SWITCH("alpha", 0, &a, "a"),
	    CLI_SECTION("Options:"),
	    CLI_SWITCH("beta", 0, &b, "b"),
	};
	const cli_command cmd = {"test", "[options]", "A test.", table, 4, NULL};
	char text[1024] = "";
	FILE *out = fmemopen(text, sizeof(text) - 1, "w");

	(void)state;
	assert_int_equal(cli_parse(&cmd, 2, argv), -1);
	assert_true(a == 0 && b == 1);
	assert_non_null(out);
	cli_usage(out, &cmd);
	fclose(out);
	assert_non_null(strstr(text, "A test.\n\nFIRST, one of:\n      --alpha"));
	assert_non_null(strstr(text, "\n\nOptions:\n      --beta"));
	assert_null(strstr(strstr(text, "Options:") + 1, "Options:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_kind_is_taken),
	    cmocka_unit_test(a_wrong_command_line_is_exit_status_two),
	    cmocka_unit_test(help_comes_from_the_table),
	    cmocka_unit_test(sections_replace_the_options_heading),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
