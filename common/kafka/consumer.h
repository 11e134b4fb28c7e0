/*
 * A Kafka consumer behind a small interface, for tools that read a topic from a chosen
 * point (claimctl consume, replay) and for the services' group consumers.
 *
 * Reads committed data only (isolation.level=read_committed) unless "kafka.isolation.level"
 * says otherwise, so that an aborted transaction's settlements are never seen. Every
 * "kafka.*" property goes to librdkafka as-is.
 */
#ifndef YB_IO_CONSUMER_H
#define YB_IO_CONSUMER_H

#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

typedef struct yb_consumer yb_consumer;

/* One message, valid until the next yb_consumer_poll or yb_consumer_destroy. */
typedef struct yb_message {
	const char *topic;
	int32_t partition;
	int64_t offset;
	int64_t timestamp_ms; /* the record's timestamp, -1 when it has none */
	const void *key;      /* NULL when the message has no key */
	size_t key_len;
	const void *value;
	size_t len;
} yb_message;

/* Where an assignment starts. */
#define YB_CONSUMER_FROM_BEGINNING (-2)
#define YB_CONSUMER_FROM_END       (-1)

/*
 * *out = a consumer configured from props. Without "kafka.group.id" a private group id is
 * made up (it is never committed to: use yb_consumer_assign_all). Returns YB_OK, or
 * YB_EINVAL with librdkafka's message in errstr.
 */
int yb_consumer_new(yb_consumer **out, const yb_props *props, char *errstr, size_t errlen);

/* Close (leaving the group, committing if auto-commit is on) and free; NULL is allowed. */
void yb_consumer_destroy(yb_consumer *c);

/*
 * Read every partition of topic from start (YB_CONSUMER_FROM_BEGINNING or _FROM_END),
 * outside any group: nothing is committed, no other consumer is disturbed. Returns YB_OK;
 * YB_ENOTFOUND when the topic does not exist; YB_EIO / YB_ETIMEDOUT with errstr.
 */
int yb_consumer_assign_all(yb_consumer *c, const char *topic, int64_t start, int timeout_ms,
			   char *errstr, size_t errlen);

/* Join the consumer group ("kafka.group.id") for topic; offsets are committed as usual. */
int yb_consumer_subscribe(yb_consumer *c, const char *topic, char *errstr, size_t errlen);

/* What one poll gave. */
typedef enum yb_poll_result {
	YB_POLL_NOTHING = 0,       /* the timeout passed */
	YB_POLL_MESSAGE = 1,       /* *msg holds a message */
	YB_POLL_PARTITION_END = 2, /* msg->topic and msg->partition reached the end of the log */
} yb_poll_result;

/*
 * Wait up to timeout_ms for the next message. Returns a yb_poll_result, or a negative
 * yb_err with errstr for a failure the caller should stop on (the topic vanished, the
 * broker refused authorisation, ...). Transient errors are logged and retried inside.
 */
int yb_consumer_poll(yb_consumer *c, int timeout_ms, yb_message *msg, char *errstr, size_t errlen);

/* The number of partitions assigned. */
int yb_consumer_partition_count(const yb_consumer *c);

#endif
