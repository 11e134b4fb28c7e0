/*
 * Kafka adapter: librdkafka configuration from the project's properties, librdkafka's log
 * routed into the project's logger, and the cluster inspection claimctl needs.
 *
 * Configuration: every property whose key starts with "kafka." is given to librdkafka with
 * the prefix removed ("kafka.bootstrap.servers" → "bootstrap.servers"), exactly as kcat's -X
 * does, so any librdkafka property can be set without this code knowing it.
 */
#ifndef YB_IO_KAFKA_H
#define YB_IO_KAFKA_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

/* The prefix of properties passed through to librdkafka. */
#define YB_KAFKA_PROP_PREFIX "kafka."

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
 * An end probe asks for partitions' last stable offsets (the end a read_committed consumer
 * sees) and partition counts, for a service's barriers; it never joins a group.
 */
typedef struct yb_end_probe yb_end_probe;
yb_end_probe *yb_end_probe_new(const yb_props *props, char *errstr, size_t errlen);
void yb_end_probe_destroy(yb_end_probe *p);
int yb_end_probe_stable_end(yb_end_probe *p, const char *topic, int32_t partition, int timeout_ms,
			    int64_t *end, char *errstr, size_t errlen);
int yb_end_probe_partitions(yb_end_probe *p, const char *topic, int timeout_ms, int *count,
			    char *errstr, size_t errlen);

/* One partition whose last stable offset is asked for. */
typedef struct yb_end_query {
	const char *topic;
	int32_t partition;
	int64_t end; /* the answer */
} yb_end_query;

/*
 * The last stable offsets of q[0..n) in one ListOffsets request per broker (a barrier asking
 * per partition pays two round trips each). YB_OK, or YB_ETIMEDOUT / YB_EIO naming the first
 * partition that failed.
 */
int yb_end_probe_stable_ends(yb_end_probe *p, yb_end_query *q, size_t n, int timeout_ms,
			     char *errstr, size_t errlen);

/* One topic as claimctl status shows it. */
typedef struct yb_kafka_topic_info {
	char name[256];
	int partitions;
	/* Sum over partitions of high - low watermark: the offsets in the log, which counts
	 * transaction markers too, so it is an upper bound on the records. */
	int64_t log_offsets;
} yb_kafka_topic_info;

/*
 * Describe every topic of the cluster except Kafka's internal ones ("__..."), sorted by name.
 * *out is a malloc'ed array the caller frees; *count its length. rk is any client handle.
 * Returns YB_OK, or YB_ETIMEDOUT / YB_EIO with librdkafka's message in errstr.
 */
int yb_kafka_describe_topics(rd_kafka_t *rk, int timeout_ms, yb_kafka_topic_info **out,
			     size_t *count, int *broker_count, char *errstr, size_t errlen);

#endif
