/*
 * Service configuration: defaults, then a properties file, then the environment, then the
 * command line (-X key=value), then validation of everything before anything connects.
 * One table of keys per service drives all of it and the --help text.
 *
 * A key "a.b-c" is overridden by the environment variable YB_A_B_C. Keys starting with
 * "kafka." go to librdkafka as-is (kafka/kafka.h) and are not validated here; any other key
 * not in the table is an error, so a misspelt setting is never silently ignored.
 *
 * Secrets are never keys: a key names the file that holds one (redis.password.file), so
 * neither --help nor an error shows a secret. An error about a value that could hold one
 * anyway (it contains '@', as a URL's user:password@host does, or its key's name ends in
 * "password") says "(value not shown)" instead of quoting it.
 */
#ifndef YB_IO_CONFIG_H
#define YB_IO_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include "io/props.h"

typedef enum yb_config_kind {
	YB_CONFIG_STRING,
	YB_CONFIG_INT,      /* an integer within [min, max] */
	YB_CONFIG_HOSTPORT, /* HOST:PORT */
	YB_CONFIG_ENDPOINT, /* HOST:PORT or unix:/path/to/socket (yb_endpoint_parse) */
	YB_CONFIG_OPTIONAL, /* any text, empty allowed (empty: not set) */
} yb_config_kind;

typedef struct yb_config_key {
	const char *name;
	yb_config_kind kind;
	const char *default_value; /* NULL: required */
	long min, max;             /* YB_CONFIG_INT */
	const char *doc;
} yb_config_key;

/*
 * *out = the configuration: keys[0..count) and every "kafka.*" property, from the sources
 * above in order. file may be NULL; overrides is a NULL-terminated list of "key=value"
 * (may be NULL). Returns YB_OK, or YB_EINVAL with errstr naming the source and the key.
 */
int yb_config_load(yb_props **out, const yb_config_key *keys, size_t count, const char *file,
		   char *const *overrides, char *errstr, size_t errlen);

/* An integer key's value (validated at load). */
long yb_config_int(const yb_props *config, const char *name);

/* Print the keys, their defaults, environment names and meanings, for --help. */
void yb_config_usage(FILE *out, const yb_config_key *keys, size_t count);

/* Split "HOST:PORT" (port 1..65535); host is copied into host_buf. YB_OK or YB_EINVAL. */
int yb_host_port_split(const char *text, char *host_buf, size_t host_len, int *port);

/* The longest Unix socket path (sockaddr_un's sun_path, less its NUL). */
#define YB_ENDPOINT_PATH_MAX 107

/* A server's address: a TCP host and port, or a Unix socket's path. A plain value. */
typedef struct yb_endpoint {
	bool is_unix;
	char host[256]; /* TCP: a name, an IPv4 address or an IPv6 one (without its brackets) */
	int port;       /* TCP: 1..65535 */
	char path[YB_ENDPOINT_PATH_MAX + 1]; /* Unix: the socket's absolute path */
} yb_endpoint;

/*
 * Parse "HOST:PORT" (HOST made of letters, digits, '.', '-' and '_', or "[IPv6]"; PORT
 * 1..65535) or "unix:/absolute/path" into *out. Neither form may hold '@', so a URL with
 * credentials (redis://user:pw@host:port) is refused, and an endpoint accepted here can be
 * logged. Returns YB_OK, or YB_EINVAL with *why (when why is not NULL) a static text saying
 * what is wrong, which never quotes the input.
 */
int yb_endpoint_parse(const char *text, yb_endpoint *out, const char **why);

/*
 * value as an error message may quote it: value itself, or "(value not shown)" when it could
 * hold a secret (it contains '@', or key, when not NULL, ends in "password").
 */
const char *yb_config_shown(const char *key, const char *value);

#endif
