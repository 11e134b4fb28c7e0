/*
 * claimctl: the operator's and auditor's command-line tool. main.c dispatches to one
 * function per subcommand; each parses its own options and returns the process exit code.
 */
#ifndef YB_CLAIMCTL_H
#define YB_CLAIMCTL_H

#include <stdio.h>

#include "io/props.h"

/* Exit codes of every subcommand. */
enum {
	CLAIMCTL_EXIT_OK = 0,
	CLAIMCTL_EXIT_FAILURE = 1, /* the work failed: a server unreachable, bad input */
	CLAIMCTL_EXIT_USAGE = 2,   /* the command line is wrong */
};

/* Defaults shared by subcommands that talk to the local pipeline (deploy/local/start). */
#define CLAIMCTL_DEFAULT_BROKERS "127.0.0.1:19092"
#define CLAIMCTL_DEFAULT_REDIS   "127.0.0.1:16379"

/* The subcommands: argv[0] is the subcommand's name; each returns an exit code. */
int claimctl_status(int argc, char **argv);
int claimctl_adjudicate(int argc, char **argv);
int claimctl_report(int argc, char **argv);
int claimctl_generate(int argc, char **argv);
int claimctl_lag(int argc, char **argv);
int claimctl_reset_offsets(int argc, char **argv);
int claimctl_replay(int argc, char **argv);
int claimctl_rebuild(int argc, char **argv);
int claimctl_encode(int argc, char **argv);
int claimctl_decode(int argc, char **argv);
int claimctl_produce(int argc, char **argv);
int claimctl_consume(int argc, char **argv);

/* The topic NAME, or PREFIX.NAME when prefix is not empty (a test's own set of topics). */
void claimctl_topic_name(const char *prefix, const char *name, char *buf, size_t size);

/* The environment variable's value when set and not empty, else fallback. */
const char *claimctl_env_or(const char *name, const char *fallback);

/* Record "-X key=value" as the librdkafka property "kafka.key"; prints the problem and
 * returns YB_EINVAL when the text is not key=value. */
int claimctl_kafka_property(yb_props *props, const char *command, const char *assignment);

/* Add the librdkafka settings of the file named by YB_KAFKA_CONFIG (if set) to props, under
 * "kafka."; YB_OK, or an error printed as "claimctl COMMAND: ...". */
int claimctl_kafka_config_file(yb_props *props, const char *command);

/* The policies directory: given, else $YB_POLICIES, else ./policies, else the source tree's. */
const char *claimctl_policies_dir(const char *given);

/* FILE, or standard input for NULL or "-"; NULL (after printing why) when it cannot open. */
FILE *claimctl_open_input(const char *command, const char *path);

/* A stream of single-object messages (claimctl encode/decode): each preceded by its length
 * as 4 bytes big-endian. */
#define CLAIMCTL_FRAME_MAX (16u * 1024 * 1024)

#endif
