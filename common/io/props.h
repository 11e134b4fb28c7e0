/*
 * Properties: an ordered list of key=value strings.
 *
 * The one configuration shape of the project, as in Kafka's own .properties files and kcat's
 * -X: read from a file, added from the command line or the environment, later values
 * replacing earlier ones for the same key. Services validate the result before connecting;
 * keys under "kafka." are handed to librdkafka as they are (yb_kafka_conf_new).
 */
#ifndef YB_IO_PROPS_H
#define YB_IO_PROPS_H

#include <stddef.h>

/* The prefix of properties passed through to librdkafka as-is ("kafka.acks" → "acks"). */
#define YB_KAFKA_PROP_PREFIX "kafka."

typedef struct yb_props yb_props;

/* An empty list, or NULL when out of memory. */
yb_props *yb_props_new(void);

/* Free the list and every string in it. Accepts NULL. */
void yb_props_destroy(yb_props *props);

/*
 * Set key to value (both copied), replacing an earlier value of the same key in place so the
 * first-set order is kept. Returns YB_OK, YB_EINVAL for an empty key, or YB_ENOMEM.
 */
int yb_props_set(yb_props *props, const char *key, const char *value);

/*
 * Parse one "key=value" assignment (as given to -X): the key is trimmed of blanks, the value
 * is taken verbatim after the first '='. Returns YB_OK or YB_EPARSE with a message in errstr.
 */
int yb_props_set_assignment(yb_props *props, const char *assignment, char *errstr, size_t errlen);

/*
 * Read a properties file: one key=value per line, blank lines and lines starting with '#' or
 * '!' ignored, blanks around keys and values trimmed. Returns YB_OK, YB_EIO when the file
 * cannot be read, or YB_EPARSE naming the file and line in errstr.
 */
int yb_props_load_file(yb_props *props, const char *path, char *errstr, size_t errlen);

/* The value of key, or NULL. The pointer stays valid until the key is set again. */
const char *yb_props_get(const yb_props *props, const char *key);

/* Number of entries, and the i-th (0-based, in first-set order) key and value. */
size_t yb_props_count(const yb_props *props);
const char *yb_props_key(const yb_props *props, size_t i);
const char *yb_props_value(const yb_props *props, size_t i);

#endif
