/*
 * Kafka, as the services and claimctl see it: the ends of partitions for a barrier, and
 * the cluster as claimctl status shows it. No librdkafka type crosses this header; the
 * code that holds librdkafka handles includes kafka/kafka_client.h (yb_io's own).
 *
 * Configuration: every property whose key starts with "kafka." is given to librdkafka with
 * the prefix removed ("kafka.bootstrap.servers" → "bootstrap.servers"), exactly as kcat's -X
 * does, so any librdkafka property can be set without this code knowing it.
 */
#ifndef YB_IO_KAFKA_H
#define YB_IO_KAFKA_H

#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

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
	int64_t end;   /* the answer; -1 when the partition's answer was an error */
	int32_t error; /* then librdkafka's error code for it, else 0 */
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
 * Describe every topic of the cluster props names except Kafka's internal ones ("__..."),
 * sorted by name, and count its brokers. *out is a malloc'ed array the caller frees; *count
 * its length. Returns YB_OK; YB_EINVAL when a "kafka.*" setting is refused; YB_ETIMEDOUT /
 * YB_EIO with librdkafka's message in errstr.
 */
int yb_kafka_describe_cluster(const yb_props *props, int timeout_ms, yb_kafka_topic_info **out,
			      size_t *count, int *broker_count, char *errstr, size_t errlen);

#endif
