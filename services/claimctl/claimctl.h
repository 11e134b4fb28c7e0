/*
 * claimctl: the operator's and auditor's command-line tool. main.c dispatches to one
 * function per subcommand; each parses its own options and returns the process exit code.
 */
#ifndef YB_CLAIMCTL_H
#define YB_CLAIMCTL_H

#include <stdbool.h>
#include <stdio.h>

#include "io/props.h"
#include "redis/redis.h"
#include "store/member_key.h"

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

/*
 * How the subcommands that talk to Redis (status, rebuild) connect: the services' keys
 * (service/service.h), from the command line or else the environment: YB_REDIS,
 * YB_REDIS_USER, YB_REDIS_PASSWORD_FILE (or the password itself in YB_REDIS_PASSWORD, not
 * both) and YB_REDIS_KEY_SECRET_FILE. The strings are the environment's or argv's.
 */
typedef struct claimctl_redis {
	const char *endpoint;        /* HOST:PORT or unix:/path/to/socket */
	const char *user;            /* NULL: the default user */
	const char *password_file;   /* NULL: YB_REDIS_PASSWORD, or no AUTH */
	const char *key_secret_file; /* NULL: member ids in clear in key names */
} claimctl_redis;

/* The settings the environment gives (defaults: CLAIMCTL_DEFAULT_REDIS, the rest unset). */
void claimctl_redis_from_env(claimctl_redis *r);

/* The option table's entries for a claimctl_redis (cli_opt.h), after its --redis: the user
 * and the password file; CLAIMCTL_REDIS_SECRET_OPT the key secret (for who writes keys). */
#define CLAIMCTL_REDIS_AUTH_OPTS(r)                                                             \
	CLI_VALUE("redis-user", 0, &(r)->user, "USER",                                          \
		  "the Redis ACL user (env YB_REDIS_USER; default: the\ndefault user)"),        \
	    CLI_VALUE("redis-password-file", 0, &(r)->password_file, "FILE",                    \
		      "a file (mode 600) whose first line is the Redis password\n(env "         \
		      "YB_REDIS_PASSWORD_FILE; or the password in env\nYB_REDIS_PASSWORD, not " \
		      "both)")
#define CLAIMCTL_REDIS_SECRET_OPT(r)                                                          \
	CLI_VALUE("redis-key-secret-file", 0, &(r)->key_secret_file, "FILE",                  \
		  "the services' redis.key.secret.file: member ids in key\nnames as a keyed " \
		  "hash (env YB_REDIS_KEY_SECRET_FILE;\ndefault: in clear)")

/*
 * Connect as r says (keyed: read its key secret into *key too, else *key = NULL), through
 * the services' own yb_service_redis_connect. Returns YB_OK, or an error with errstr never
 * holding a secret.
 */
int claimctl_redis_connect(const claimctl_redis *r, bool keyed, long timeout_ms, yb_redis **redis,
			   yb_member_key **key, char *errstr, size_t errlen);

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
