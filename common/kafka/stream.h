/*
 * A transactional consume-process-produce loop over Kafka: what every streaming service
 * runs, so that none of them sees librdkafka.
 *
 * The service polls a batch, works on it, sends its outputs between yb_stream_begin and
 * yb_stream_commit, and the commit sends the consumed positions in the same transaction
 * (sendOffsetsToTransaction with the group's metadata, KIP-447): the outputs and the
 * progress become visible together or not at all. A commit that fails in a way the
 * transaction can survive is aborted and the consumer rewound to the last committed
 * offsets, so the batch is read and processed again (the services' Redis writes are
 * idempotent for exactly this). A fenced or fatal producer is reported as YB_EIO: the
 * service exits and its supervisor restarts it.
 *
 * The transactional.id should be stable per instance ("<group>-<instance>"): a restarted
 * instance then fences its predecessor and aborts its open transaction at once instead of
 * leaving the output partitions blocked until transaction.timeout.ms.
 */
#ifndef YB_IO_STREAM_H
#define YB_IO_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "codec/record.h"
#include "kafka/consumer.h"
#include "io/props.h"

typedef struct yb_stream yb_stream;

/* A consumed message; the fields of yb_message plus when its producer sent it. */
typedef struct yb_stream_message {
	yb_message m;
	int64_t sent_ms; /* the "yb-sent-ms" header (wall clock at produce), -1 when absent */
} yb_stream_message;

/* The header claimctl produce stamps on every message, for end-to-end latency. */
#define YB_STREAM_SENT_HEADER "yb-sent-ms"

/*
 * *out = a stream consuming topics[0..n) in group_id (read_committed, manual commits) and
 * producing transactionally as transactional_id (NULL: not transactional; offsets are then
 * committed by the consumer after the outputs are delivered: at least once). "kafka.*"
 * props go to both clients. Returns YB_OK, or YB_EINVAL / YB_EIO with errstr.
 *
 * instance_id, when not NULL, makes the consumer a static member of the group (KIP-345,
 * group.instance.id): a restarted instance (after a crash, kill -9, a deploy) takes its
 * partitions back at once instead of after session.timeout.ms, and the other members keep
 * theirs, no rebalance. The price: a static member that stops and does not come back keeps
 * its partitions until the session times out (the broker never hears it leave).
 */
int yb_stream_new(yb_stream **out, const yb_props *props, const char *group_id,
		  const char *instance_id, const char *transactional_id, const char *const *topics,
		  size_t n, char *errstr, size_t errlen);

/* Leave the group and free; an open transaction is aborted. NULL is allowed. */
void yb_stream_destroy(yb_stream *s);

/*
 * Collect up to max messages into msgs: wait up to wait_ms for the first, then at most
 * linger_ms for more. Messages stay valid until the next call. Returns how many (0 when
 * none came, or when a rebalance revoked partitions while collecting: the messages are
 * dropped, to be read again by their new owner), or a negative yb_err with errstr.
 * end_cb, when set, is called for each partition that reached its end (topic, partition,
 * the end offset), which enrollment-svc uses to record progress past a transaction marker.
 */
typedef void (*yb_stream_end_cb)(const char *topic, int32_t partition, int64_t end_offset,
				 void *opaque);
int yb_stream_poll(yb_stream *s, yb_stream_message *msgs, size_t max, int wait_ms, int linger_ms,
		   yb_stream_end_cb end_cb, void *opaque, char *errstr, size_t errlen);

/* Open the batch's transaction (no-op when not transactional). */
int yb_stream_begin(yb_stream *s, char *errstr, size_t errlen);

/* Send an output (copied) in the open transaction. */
int yb_stream_send(yb_stream *s, const char *topic, const char *key, const void *value, size_t len,
		   int64_t timestamp_ms, char *errstr, size_t errlen);

/*
 * Log it and send a dead_letter record for msg to topic, in the open transaction: its source
 * ("topic/partition/offset", also the key), the error, the original bytes and, as
 * failed_at, the message's timestamp (so a replay writes the same bytes).
 */
int yb_stream_send_dead_letter(yb_stream *s, const char *topic, const yb_message *msg,
			       const char *error, char *errstr, size_t errlen);

/* What a commit did. */
typedef enum yb_commit_result {
	YB_COMMIT_DONE = 0,    /* outputs and positions committed */
	YB_COMMIT_REWOUND = 1, /* aborted and rewound: process the messages again */
} yb_commit_result;

/*
 * Commit the batch: the positions after the messages of the last poll, and the outputs.
 * Returns a yb_commit_result, or YB_EIO (fenced, fatal) with errstr.
 */
int yb_stream_commit(yb_stream *s, char *errstr, size_t errlen);

/* Abort the open transaction (if any) and rewind to the committed offsets. */
int yb_stream_abort(yb_stream *s, char *errstr, size_t errlen);

/* One assigned partition. */
typedef struct yb_stream_partition {
	char topic[128];
	int32_t partition;
} yb_stream_partition;

/* The current assignment into out[0..max); returns the count. */
size_t yb_stream_assignment(yb_stream *s, yb_stream_partition *out, size_t max);

/* Incremented by every rebalance: a caller holding per-assignment state compares it. */
uint64_t yb_stream_generation(const yb_stream *s);

/* The consumer handle's lag on an assigned partition (high watermark - position), -1 when
 * unknown; for /metrics without a broker round trip. */
int64_t yb_stream_lag(yb_stream *s, const char *topic, int32_t partition);

/* Append the yb_consumer_lag gauge, one sample per assigned partition, for /metrics. */
void yb_stream_lag_metrics(yb_stream *s, yb_buf *out);

#endif
