/*
 * Service configuration: defaults, then a properties file, then the environment, then the
 * command line (-X key=value), then validation of everything before anything connects.
 * One table of keys per service drives all of it and the --help text.
 *
 * A key "a.b-c" is overridden by the environment variable YB_A_B_C. Keys starting with
 * "kafka." go to librdkafka as-is (kafka/kafka.h) and are not validated here; any other key
 * not in the table is an error, so a misspelt setting is never silently ignored.
 */
#ifndef YB_IO_CONFIG_H
#define YB_IO_CONFIG_H

#include <stdio.h>

#include "io/props.h"

typedef enum yb_config_kind {
	YB_CONFIG_STRING,
	YB_CONFIG_INT,      /* an integer within [min, max] */
	YB_CONFIG_HOSTPORT, /* HOST:PORT */
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

#endif
