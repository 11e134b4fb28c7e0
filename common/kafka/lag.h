/*
 * Consumer lag: for each consumer group, topic and partition, how far the group's committed
 * offset is behind the log, in messages and in seconds. claimctl lag prints it; lag-exporter
 * publishes it.
 *
 * Correct on transactional topics: lag is measured to the last stable offset (LSO, what a
 * read_committed consumer can read), not to the log end, so open transactions are not
 * counted; and a partition whose offsets from the committed one to the LSO hold no readable
 * record (only transaction markers, or aborted records) has lag 0, where Kafka's own
 * kafka-consumer-groups tool counts the markers. Lag in messages is otherwise the offset
 * distance (markers inside it included). Both ends are reported. Two groups behind on one
 * partition are probed one after the other, never in one assignment.
 *
 * A measurement is one moment. Lag in seconds and the status need several: a lag monitor
 * (kafka/lag_monitor.h) keeps the samples and fills them in. A group whose offsets cannot be
 * read carries its error and the other groups are measured all the same; a cluster that
 * cannot be reached fails the measurement, naming the bootstrap servers.
 */
#ifndef YB_IO_LAG_H
#define YB_IO_LAG_H

#include <stddef.h>
#include <stdint.h>

#include "kafka/lag_status.h"
#include "kafka/lag_table.h"
#include "io/props.h"

typedef struct yb_group_info {
	char group[256];
	char state[32]; /* "Stable", "Empty", "PreparingRebalance", ... */
	int members;
	char error[256]; /* why its offsets could not be read; "" when they were */
	/* Filled in by a lag monitor (kafka/lag_monitor.h): */
	yb_lag_status status; /* its worst partition's; ERR when error is set */
	int64_t total_lag;    /* messages, over its partitions of known lag */
	int64_t max_lag;      /* messages, its partition furthest behind */
	int64_t max_lag_ms;   /* seconds behind (ms) of its partition furthest behind in time */
	yb_lag_time max_lag_time;
} yb_group_info;

typedef struct yb_partition_lag {
	int group; /* index into the groups */
	char topic[256];
	int32_t partition;
	int64_t committed;  /* the group's committed offset, -1 when none */
	int64_t log_end;    /* high watermark: the next offset to be written */
	int64_t stable_end; /* last stable offset: what read_committed consumers can reach */
	int64_t lag;        /* messages: stable_end - committed (never negative); -1 unknown */
	/* Filled in by a lag monitor: */
	int64_t lag_ms;       /* wall-clock time since the end passed committed; -1 unknown */
	yb_lag_time lag_time; /* what lag_ms is: an estimate or a lower bound */
	yb_lag_status status; /* over the monitor's window */
} yb_partition_lag;

/*
 * A lag meter keeps its librdkafka clients (and their broker connections) from one
 * measurement to the next, for a service that measures every few seconds.
 * NULL (errstr set) when the "kafka.*" props are not a valid client configuration.
 */
typedef struct yb_lag_meter yb_lag_meter;

yb_lag_meter *yb_lag_meter_new(const yb_props *props, char *errstr, size_t errlen);
void yb_lag_meter_destroy(yb_lag_meter *m);

/*
 * Measure the lag of group (NULL: every group of the cluster). *groups and *parts are
 * malloc'ed arrays the caller frees, sorted by group, topic, partition; lag_ms is -1 and
 * status OK until a monitor judges them. Returns YB_OK (a group whose offsets could not be
 * read has its error set); YB_ENOTFOUND when the named group does not exist; YB_EIO with
 * the reason, naming the bootstrap servers, when the cluster did not answer.
 */
int yb_lag_meter_measure(yb_lag_meter *m, const char *group, int timeout_ms, yb_group_info **groups,
			 size_t *group_count, yb_partition_lag **parts, size_t *part_count,
			 char *errstr, size_t errlen);

/*
 * *records = the sum over topic's partitions of the last stable offset (what read_committed
 * consumers can reach): the offsets written so far, for throughput and dead-letter counts.
 * Returns YB_OK, YB_ENOTFOUND (no such topic), YB_ETIMEDOUT or YB_EIO with errstr.
 */
int yb_lag_meter_topic_end(yb_lag_meter *m, const char *topic, int timeout_ms, int64_t *records,
			   char *errstr, size_t errlen);

/* One measurement with a meter of its own, for a command that measures once. */
int yb_kafka_lag(const yb_props *props, const char *group, int timeout_ms, yb_group_info **groups,
		 size_t *group_count, yb_partition_lag **parts, size_t *part_count, char *errstr,
		 size_t errlen);

#endif
