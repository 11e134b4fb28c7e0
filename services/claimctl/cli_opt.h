/*
 * claimctl's options: one table per subcommand drives both the parsing of its command line
 * and its --help, as libgit2's cli_opt_spec does, so the two never disagree.
 *
 *   const cli_opt opts[] = {
 *       CLI_VALUE("topic", 't', &topic, "TOPIC", "the topic (required)"),
 *       CLI_SWITCH("end", 'e', &end, "stop at the end instead of waiting"),
 *       CLI_ARG("FILE", &path, "the input (default: standard input)"),
 *   };
 *   const cli_command cmd = {"consume", "--topic T [options]", summary, opts, 3, NULL};
 *   int rc = cli_parse(&cmd, argc, argv);   // -1: go on; else the exit code, printed
 *
 * -h and --help come with every table. A table that starts with a CLI_SECTION lays its
 * options out under headings of its own instead of one "Options:". A value is stored as the command
 * line gives it; a CLI_OPT_LONG is checked against [min, max] and named when it is not.
 */
#ifndef YB_CLAIMCTL_CLI_OPT_H
#define YB_CLAIMCTL_CLI_OPT_H

#include <stddef.h>
#include <stdio.h>

#include "claimctl.h"

typedef enum cli_opt_kind {
	CLI_OPT_SWITCH,  /* --name: *(int *)value = 1 */
	CLI_OPT_VALUE,   /* --name VALUE: *(const char **)value = VALUE (the last one given) */
	CLI_OPT_LONG,    /* --name N: *(long *)value = N, within [min, max] */
	CLI_OPT_KAFKA,   /* -X KEY=VALUE, repeatable: the librdkafka property into (yb_props *) */
	CLI_OPT_CALL,    /* --name [VALUE]: call(value, VALUE), which prints why and fails (<0) */
	CLI_OPT_ARG,     /* a positional argument (name is its placeholder): *(const char **) */
	CLI_OPT_SECTION, /* not an option: --help's heading (name) for the entries after it */
} cli_opt_kind;

typedef int (*cli_opt_fn)(void *value, const char *arg);

typedef struct cli_opt {
	cli_opt_kind kind;
	const char *name; /* the long name without "--"; a CLI_OPT_ARG's placeholder */
	char alias;       /* the short letter, 0 for none */
	void *value;
	const char *value_name; /* what --help shows after the name ("TOPIC"); NULL: none */
	const char *help;       /* lines separated by '\n' */
	const char *also;       /* another long name it answers to, or NULL */
	long min, max;          /* CLI_OPT_LONG */
	cli_opt_fn call;        /* CLI_OPT_CALL */
} cli_opt;

/* Table entries. */
#define CLI_SWITCH(long_name, letter, ptr, text)                                                \
	{                                                                                       \
		.kind = CLI_OPT_SWITCH, .name = (long_name), .alias = (letter), .value = (ptr), \
		.help = (text)                                                                  \
	}
#define CLI_VALUE(long_name, letter, ptr, shown, text)                                         \
	{                                                                                      \
		.kind = CLI_OPT_VALUE, .name = (long_name), .alias = (letter), .value = (ptr), \
		.value_name = (shown), .help = (text)                                          \
	}
#define CLI_VALUE_ALSO(long_name, other, letter, ptr, shown, text)                             \
	{                                                                                      \
		.kind = CLI_OPT_VALUE, .name = (long_name), .alias = (letter), .value = (ptr), \
		.value_name = (shown), .help = (text), .also = (other)                         \
	}
#define CLI_LONG(long_name, letter, ptr, shown, lo, hi, text)                                 \
	{                                                                                     \
		.kind = CLI_OPT_LONG, .name = (long_name), .alias = (letter), .value = (ptr), \
		.value_name = (shown), .help = (text), .min = (lo), .max = (hi)               \
	}
#define CLI_CALL(long_name, letter, ptr, shown, fn, text)                                     \
	{                                                                                     \
		.kind = CLI_OPT_CALL, .name = (long_name), .alias = (letter), .value = (ptr), \
		.value_name = (shown), .help = (text), .call = (fn)                           \
	}
#define CLI_KAFKA(props)                                                                    \
	{                                                                                   \
		.kind = CLI_OPT_KAFKA, .name = "", .alias = 'X', .value = (props),          \
		.value_name = "KEY=VALUE",                                                  \
		.help = "librdkafka property, repeatable (as kcat -X); the file named by\n" \
			"YB_KAFKA_CONFIG holds more, e.g. security.protocol and\n"          \
			"sasl.password.file (a secret's file, mode 0600)"                   \
	}
#define CLI_SECTION(heading)                               \
	{                                                  \
		.kind = CLI_OPT_SECTION, .name = (heading) \
	}
#define CLI_BROKERS(ptr)                                                               \
	CLI_VALUE_ALSO("brokers", "bootstrap-server", 'b', (ptr), "HOST:PORT",         \
		       "bootstrap servers (also --bootstrap-server; env\nYB_BROKERS; " \
		       "default " CLAIMCTL_DEFAULT_BROKERS ")")
#define CLI_ARG(placeholder, ptr, text)                                                    \
	{                                                                                  \
		.kind = CLI_OPT_ARG, .name = (placeholder), .value = (ptr), .help = (text) \
	}

typedef struct cli_command {
	const char *name;     /* "consume" */
	const char *synopsis; /* what follows "claimctl NAME" on the usage line */
	const char *summary;  /* the paragraphs --help prints before the options */
	const cli_opt *opts;
	size_t count;
	const char *epilog; /* printed after the options, or NULL */
} cli_command;

/* A repeatable --writer-schema FILE (consume, decode): CLI_CALL with add_writer_schema. */
typedef struct writer_list {
	const char *paths[16];
	int count;
} writer_list;
int add_writer_schema(void *list, const char *path);

/* Parse argv (argv[0] is the subcommand). Returns -1 to go on; otherwise the exit code to
 * return now: 0 after --help, 2 after printing what is wrong with the command line. */
int cli_parse(const cli_command *cmd, int argc, char **argv);

/* The command's --help text. */
void cli_usage(FILE *out, const cli_command *cmd);

#endif
