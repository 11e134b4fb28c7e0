/*
 * The fraud store: fraud-svc's state in Redis, and the only code that knows its keys.
 *
 * Member keys carry the member's hash tag, institution keys the institution's, so each
 * command and the day script touch one slot. A member's ID is its member_id, or its token
 * with a key secret, exactly as in the member store (store/member_key.h):
 *
 *   <prefix>{m:ID}:fw        HASH  claim_id → the member's window entry (yb_fraud_visit,
 *                                  packed); TTL the member window (fraud.conf)
 *   <prefix>{m:ID}:fj        HASH  the join of claims and settlements: "c:<claim_id>" → a
 *                                  claim waiting for its settlement (only the fields the
 *                                  fraud rules read: fraud-svc's trim_claim), "s:<claim_id>" → a
 *                                  settlement waiting for its claim, "r:<claim_id>" → a
 *                                  reversal read before its claim was judged; each with the
 *                                  offset and time it was read at; "a:<claim_id>" → the
 *                                  alerts the claim raised when judged (at its settlement's
 *                                  offset), until the batch's commit; TTL join.ttl
 *   <prefix>{i:ID}:g:<group> ZSET  an institution's amounts of one visit class and
 *                                  diagnosis (yb_fraud_sample, packed), scored by day; the
 *                                  newest amount_outlier.max_samples within its days
 *   <prefix>{i:ID}:days      HASH  "<day>:n|r|o" counts, "<day>:ri|oi" the first claim ids,
 *                                  "<day>:ra|oa" the claim that raised the day's anomaly
 *   <prefix>{i:ID}:seen:<day> SET  the claims counted on that day (the count is idempotent)
 *
 * TTLs are the rules' windows in seconds: state outlives its window only while new claims
 * keep refreshing it. The counts are kept by one Lua script per claim, idempotent by
 * claim_id, so instances on other partitions can count the same institution at once.
 *
 * A batch's writes are one MULTI/EXEC, so a crash leaves all of them or none. They are made
 * before the batch's Kafka commit: a batch read again after a crash finds the state the lost
 * batch left (windows that moved on, samples and days counted), and its claims' alerts.
 * It publishes those alerts ("a:") rather than judging again against the moved-on state.
 */
#ifndef YB_IO_FRAUD_STORE_H
#define YB_IO_FRAUD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "fraud/fraud.h"
#include "redis/redis.h"
#include "store/member_key.h"

typedef struct yb_fraud_store yb_fraud_store;

/* *out = a store on redis, keys under prefix, members named as key says (NULL: member ids in
 * clear); join_ttl_s for pending joins. Neither redis nor key is owned: both must outlive
 * the store. */
int yb_fraud_store_new(yb_fraud_store **out, yb_redis *redis, const char *prefix,
		       yb_member_key *key, const yb_fraud_params *params, int64_t join_ttl_s);
void yb_fraud_store_destroy(yb_fraud_store *st);

/* Load the day script unless it is loaded (before queueing results). */
int yb_fraud_store_prepare(yb_fraud_store *st, char *errstr, size_t errlen);
/* After reconnecting: forget what is queued and the script. */
void yb_fraud_store_reconnected(yb_fraud_store *st);
/* Free the replies the reads hold; once the batch is done with what they returned. */
void yb_fraud_store_reset(yb_fraud_store *st);

/* One side of a join as stored: where it was read and its Avro bytes. */
typedef struct yb_fraud_pending {
	int64_t offset;  /* in its topic's partition */
	int64_t time_ms; /* the message's timestamp */
	const uint8_t *bytes;
	size_t len;
} yb_fraud_pending;

/* The sides of a claim_id's join entry: claim, settlement, reversal, alerts. */
#define YB_FRAUD_JOIN_SIDES 4

/* Queue: read member_id's window and the join entries of claim_ids[0..n) (every side). */
int yb_fraud_store_queue_member(yb_fraud_store *st, const char *member_id,
				const char *const *claim_ids, size_t n);
/*
 * Read the next member queued: its window put into w, and per claim id i, claims[i],
 * settlements[i], reversals[i] and results[i] (len 0 when absent; bytes valid until
 * reset). YB_EIO with errstr when Redis failed or an entry is not of this build's format.
 */
int yb_fraud_store_read_member(yb_fraud_store *st, yb_fraud_window *w, int32_t window_days,
			       yb_fraud_pending *claims, yb_fraud_pending *settlements,
			       yb_fraud_pending *reversals, yb_fraud_pending *results, char *errstr,
			       size_t errlen);

/* Queue HDELs of the window entries the reads found too old to keep; returns the replies
 * queued. */
int yb_fraud_store_queue_pruned(yb_fraud_store *st);

/* Queue: read an outlier group (yb_fraud_group_key) of an institution / an institution's
 * days; read them back in the order queued. */
int yb_fraud_store_queue_group(yb_fraud_store *st, const char *institution_id,
			       const char *group_key);
int yb_fraud_store_read_group(yb_fraud_store *st, yb_fraud_group *g, char *errstr, size_t errlen);
int yb_fraud_store_queue_institution(yb_fraud_store *st, const char *institution_id);
int yb_fraud_store_read_institution(yb_fraud_store *st, yb_fraud_institution *in, char *errstr,
				    size_t errlen);

/*
 * Writes, each returning the replies it queued (for yb_fraud_store_sync) or a negative
 * error: a side of a join waiting for the other (side 'c', 's' or 'r'), or a judged claim's
 * alerts (side 'a'; offset: its settlement's); the end of a join (every side);
 * a window entry (a reversal); everything a checked claim changed (its window entry, its
 * amount, its day).
 */
int yb_fraud_store_queue_pending(yb_fraud_store *st, const char *member_id, const char *claim_id,
				 char side, const yb_fraud_pending *p);
int yb_fraud_store_queue_joined(yb_fraud_store *st, const char *member_id, const char *claim_id);
int yb_fraud_store_queue_visit(yb_fraud_store *st, const char *member_id, const yb_fraud_visit *v);
int yb_fraud_store_queue_result(yb_fraud_store *st, const char *member_id,
				const yb_fraud_result *r);

/* Queue MULTI / EXEC around a batch's writes: one reply each (EXEC's holds the writes'). */
int yb_fraud_store_queue_multi(yb_fraud_store *st);
int yb_fraud_store_queue_exec(yb_fraud_store *st);

/* Read and check the replies of queued writes: YB_EIO when any failed. */
int yb_fraud_store_sync(yb_fraud_store *st, size_t replies, char *errstr, size_t errlen);

#endif
