/*
 * The exactly-once batch loop every streaming service runs, written once. A service keeps
 * only its own steps, registered in a yb_batch_steps table (as Redis's ae.c runs registered
 * procedures); the loop owns the stream, the batch, the transaction, recovery, the crash
 * hook for tests, the batch size and the phase timings.
 *
 * States and transitions (one batch per turn; every step may be NULL):
 *
 *   POLL      collect up to the current batch size (the first message waits up to 200 ms,
 *             the rest at most batch.linger.ms). Nothing, and no partition end the service
 *             asked to hear of: publish metrics now and then, POLL again.
 *   PREPARE   steps.prepare, outside any transaction (the adjudicator's barrier).
 *   BEGIN     open the Kafka transaction.
 *   DECODE    steps.decode: decode and validate; refused messages become dead letters
 *             (yb_batch_loop_dead_letter) in the transaction.
 *   READ      steps.read: the stores' reads for the batch, one round trip.
 *   PROCESS   steps.process: the service's own work; outputs go out with yb_batch_loop_send.
 *   WRITE     steps.write: the stores' writes, idempotent (a batch may be read again).
 *   CRASH     tests only: exit 70 after the Nth batch's writes (debug.exit.before.commit),
 *             the worst moment to die.
 *   COMMIT    outputs and consumed offsets in one transaction. DONE: steps.after_commit,
 *             POLL. REWOUND (the broker refused; aborted): POLL, the batch comes again.
 *
 * From any step, what it returns decides:
 *   YB_OK               the next state;
 *   YB_BATCH_REDO       REDO: abort and rewind, POLL (a member moved under the batch, or
 *                       a message is poisoned and will be dead-lettered next time);
 *   YB_EIO, YB_ETIMEDOUT
 *                       a store or a send failed: abort and rewind, back off (200 ms per
 *                       consecutive failure, at most 2 s), steps.reconnect until it
 *                       answers, POLL; after YB_BATCH_LOOP_MAX_FAILURES consecutive failed
 *                       batches the loop gives up (status 1: the supervisor restarts it);
 *   YB_ENOMEM           the batch did not fit the service's buffers: abort and rewind,
 *                       halve the batch size and keep it as the most (a batch of
 *                       YB_BATCH_LOOP_MIN that does not fit ends the loop);
 *   anything else       the loop ends with status 1 (the open transaction is aborted when
 *                       the stream is destroyed).
 * SIGTERM or SIGINT ends the loop between batches with status 0.
 *
 * Batch size adapts: it doubles after a full batch (there is lag) up to batch.max and
 * halves after a batch under a quarter full, down to YB_BATCH_LOOP_MIN; under lag a batch
 * pays for one barrier and one commit per batch.max messages, caught up the linger decides.
 */
#ifndef YB_IO_BATCH_LOOP_H
#define YB_IO_BATCH_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/metrics.h"
#include "service/service.h"
#include "kafka/stream.h"

#define YB_BATCH_LOOP_MAX_FAILURES 30 /* consecutive failed batches (about a minute) */
#define YB_BATCH_LOOP_MIN          64 /* the smallest batch size the loop polls for */

/* A step's answer (beside YB_OK and the yb_err codes): abort, rewind, do the batch again. */
#define YB_BATCH_REDO 2

/* The batch being worked on: valid from POLL to the next POLL. */
typedef struct yb_batch {
	yb_stream_message *msgs;
	size_t count;
} yb_batch;

typedef int (*yb_batch_step)(void *service, const yb_batch *b, char *errstr, size_t errlen);

/* A service's steps; every member may be NULL. service is the opaque given to init. */
typedef struct yb_batch_steps {
	yb_batch_step prepare, decode, read, process, write;
	void (*after_commit)(void *service, const yb_batch *b);
	/* The assignment changed (a rebalance): per-partition state is stale. */
	void (*on_reassign)(void *service);
	/* After a failure: reset the stores and reconnect; YB_OK when they answer again. */
	int (*reconnect)(void *service, char *errstr, size_t errlen);
	/* A partition reached its end (after a transaction marker, say). Setting it makes the
	 * loop run a batch even when no message came, for the service to record progress. */
	void (*at_end)(void *service, const char *topic, int32_t partition, int64_t end_offset);
	/* Append the service's own series to /metrics. */
	void (*metrics)(void *service, yb_buf *out);
} yb_batch_steps;

enum yb_batch_phase {
	YB_PHASE_PREPARE,
	YB_PHASE_DECODE,
	YB_PHASE_READ,
	YB_PHASE_PROCESS,
	YB_PHASE_WRITE,
	YB_PHASE_COMMIT,
	YB_PHASE_COUNT
};

/* What the loop counts for every service; /metrics shows them. */
typedef struct yb_batch_counters {
	uint64_t consumed, batches, rewinds, redone, store_errors, dead_lettered;
	int64_t phase_ms[YB_PHASE_COUNT];
	yb_histogram batch_ms, end_to_end_ms;
} yb_batch_counters;

typedef struct yb_batch_loop {
	yb_service *svc;
	yb_stream *stream;
	const yb_batch_steps *steps;
	void *service;
	yb_batch batch;
	size_t size, max;     /* the current batch size and batch.max */
	int linger_ms;        /* batch.linger.ms */
	long crash_after;     /* debug.exit.before.commit */
	long written;         /* batches written, for crash_after */
	int failures;         /* consecutive failed batches */
	bool ended;           /* a partition end came during the poll */
	uint64_t generation;  /* the stream's, when the steps last heard of it */
	int64_t last_publish; /* monotonic ms */
	yb_batch_counters c;
	uint64_t batch_dead_letters; /* of the batch in hand, counted when it is committed */
	const char *dead_letters;    /* topic.dead-letters */
} yb_batch_loop;

/*
 * Create the stream over topics[0..n) in the service's group ("group"), static member
 * "instance.id" when "group.static" is 1, transactional.id "<group>-<instance.id>"; and the
 * batch (batch.max messages). Reads the keys batch.max, batch.linger.ms and, when the
 * service has it, debug.exit.before.commit. Returns YB_OK or an error with errstr.
 */
int yb_batch_loop_init(yb_batch_loop *loop, yb_service *svc, const char *const *topics, size_t n,
		       const yb_batch_steps *steps, void *service, char *errstr, size_t errlen);

/* Run until stopped (0) or failed for good (1); returns the exit status. */
int yb_batch_loop_run(yb_batch_loop *loop);

/* Free the stream (an open transaction is aborted) and the batch. */
void yb_batch_loop_destroy(yb_batch_loop *loop);

/* Send an output in the batch's transaction (copied). */
int yb_batch_loop_send(yb_batch_loop *loop, const char *topic, const char *key, const void *value,
		       size_t len, int64_t timestamp_ms, char *errstr, size_t errlen);

/* Send a dead_letter for m (topic.dead-letters) in the batch's transaction, counted. */
int yb_batch_loop_dead_letter(yb_batch_loop *loop, const yb_message *m, const char *why,
			      char *errstr, size_t errlen);

/* Publish /metrics (the service's series, the loop's, the consumer's lag) and /healthz. */
void yb_batch_loop_publish(yb_batch_loop *loop, bool healthy, const char *reason);

#endif
