/*
 * A Kafka producer behind a small interface: the services and claimctl hand it keyed,
 * timestamped values and never see librdkafka.
 *
 * Idempotent by default (enable.idempotence=true): a retry after a lost acknowledgement is
 * not a second copy. acks=all by default: a message is acknowledged once every in-sync
 * replica has it, so on a replicated cluster (min.insync.replicas=2 of 3) the loss of one
 * broker loses no acknowledged message. Every "kafka.*" property of the configuration is
 * given to librdkafka as-is (kafka/kafka.h), so kafka.acks, linger.ms, compression and the
 * rest are the user's to set, and win over both defaults.
 * Values are copied; delivery failures are counted and logged as they are reported.
 */
#ifndef YB_IO_PRODUCER_H
#define YB_IO_PRODUCER_H

#include <stddef.h>
#include <stdint.h>

#include "io/props.h"

typedef struct yb_producer yb_producer;

/*
 * *out = a producer configured from props ("kafka.bootstrap.servers" and any other
 * "kafka.*"). Returns YB_OK, or YB_EINVAL with librdkafka's message in errstr.
 */
int yb_producer_new(yb_producer **out, const yb_props *props, char *errstr, size_t errlen);

/* Flush nothing, free everything; NULL is allowed. Call yb_producer_flush first. */
void yb_producer_destroy(yb_producer *p);

/*
 * Queue value (copied) for topic with key (NULL: none) and timestamp_ms (0: now). Waits,
 * serving delivery reports, while the local queue is full. Returns YB_OK, or YB_EIO with
 * the reason in errstr (an unknown topic, a value over message.max.bytes, ...).
 */
int yb_producer_send(yb_producer *p, const char *topic, const char *key, const void *value,
		     size_t len, int64_t timestamp_ms, char *errstr, size_t errlen);

/*
 * Wait up to timeout_ms until every queued message is delivered or has failed. Returns
 * YB_OK, or YB_ETIMEDOUT when messages are still in flight.
 */
int yb_producer_flush(yb_producer *p, int timeout_ms);

/*
 * Transactions, for a producer configured with "kafka.transactional.id" (yb_producer_new
 * then registers it with the broker, fencing any older producer with the same id). Messages
 * sent between begin and commit become visible to read_committed consumers together, or
 * never (abort). Each returns YB_OK, or YB_EIO with librdkafka's reason in errstr; after a
 * failed commit the caller aborts and resends.
 */
int yb_producer_begin(yb_producer *p, char *errstr, size_t errlen);
int yb_producer_commit(yb_producer *p, int timeout_ms, char *errstr, size_t errlen);
int yb_producer_abort(yb_producer *p, int timeout_ms, char *errstr, size_t errlen);

/* Is the producer transactional? */
int yb_producer_transactional(const yb_producer *p);

/* Messages acknowledged by the broker, and messages whose delivery failed, so far. */
uint64_t yb_producer_delivered(const yb_producer *p);
uint64_t yb_producer_failed(const yb_producer *p);

#endif
