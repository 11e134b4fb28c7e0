/*
 * The librdkafka side of the Kafka adapter, for yb_io's own code (and its tests): a
 * configuration from the project's properties with librdkafka's log routed into the
 * project's logger, a probe handle, a topic's partitions. Services and claimctl use the
 * modules built on these (stream, consumer, producer, kafka/kafka.h) and never librdkafka.
 */
#ifndef YB_IO_KAFKA_CLIENT_H
#define YB_IO_KAFKA_CLIENT_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "kafka/kafka.h"
#include "io/props.h"

/*
 * *out = a new librdkafka configuration holding every "kafka.*" property of props (prefix
 * removed), with librdkafka's log lines going to the project's logger. The caller owns *out
 * until it hands it to rd_kafka_new(), which takes it. Returns YB_OK, or YB_EINVAL naming
 * the refused property in errstr (librdkafka's own message); *out = NULL on failure.
 */
int yb_kafka_conf_new(rd_kafka_conf_t **out, const yb_props *props, char *errstr, size_t errlen);

/*
 * A consumer handle for asking the cluster (watermarks, offsets for times, admin calls,
 * a peek at one record): the "kafka.*" props, then group.id and the extra settings, given
 * as NULL-terminated key, value pairs. It never joins its group. NULL with errstr when a
 * setting is refused. The caller destroys it (rd_kafka_consumer_close first if it assigned).
 */
rd_kafka_t *yb_kafka_probe_new(const yb_props *props, const char *group_id,
			       const char *const *settings, char *errstr, size_t errlen);

/*
 * *ids = a malloc'ed array of topic's partition ids (the caller frees it), *count their
 * number. Returns YB_OK; YB_ENOTFOUND when the topic does not exist (or has no
 * partitions); YB_ETIMEDOUT or YB_EIO when the cluster does not answer; errstr says which.
 */
int yb_kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, int32_t **ids,
			      int *count, char *errstr, size_t errlen);

/*
 * The latest offset of each partition q[0..n) as rk's isolation level sees it (the log end
 * read_uncommitted, the last stable offset read_committed), in one ListOffsets request per
 * broker: q[i].end, or -1 with q[i].error where the partition's answer is an error. YB_OK
 * when the cluster answered; YB_ETIMEDOUT / YB_EIO with errstr when it did not.
 */
int yb_kafka_latest_offsets(rd_kafka_t *rk, yb_end_query *q, size_t n, int timeout_ms, char *errstr,
			    size_t errlen);

/* Options for an admin request of kind op, answered within timeout_ms. */
rd_kafka_AdminOptions_t *yb_kafka_admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op,
						int timeout_ms);

/* The answer to an admin request on q (what names it in errstr), or NULL with errstr when
 * none came in time or it is an error. The caller destroys the event. */
rd_kafka_event_t *yb_kafka_admin_answer(rd_kafka_queue_t *q, int timeout_ms, const char *what,
					char *errstr, size_t errlen);

/*
 * The committed offsets of group (ListConsumerGroupOffsets): *list lives in *ev, which the
 * caller destroys once it has read it. YB_OK, or YB_EIO with the reason in errstr.
 */
int yb_kafka_group_offsets(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *group, int timeout_ms,
			   rd_kafka_event_t **ev, const rd_kafka_topic_partition_list_t **list,
			   char *errstr, size_t errlen);

#endif
