/*
 * The member store: the pipeline's state in Redis, and the only code that knows its keys.
 *
 * Every key of a member carries the hash tag {m:ID}, so Redis Cluster keeps a member on one
 * slot and the apply script touches one slot only. ID is the member_id itself; or, when the
 * services are given a key secret (redis.key.secret.file), the member's token: the first 16
 * bytes of HMAC-SHA256(secret, member_id) as 32 lowercase hex digits (store/member_key.h),
 * so no key name holds a member id. The claim registry then holds the owner's token too:
 * the owner is only ever compared with a member (yb_member_store_owner_token; the adjudicator
 * loads it into the ledger only to refuse a claim_id that is another member's), never shown,
 * so the token serves as well and keeps the member ids out of Redis's values there too. A
 * store written under one secret (or none) is unreachable under another: rebuild it
 * (claimctl rebuild with the same secret as the services).
 *
 *   <prefix>{m:ID}:ev      ZSET  the member's enrollment and payment events: score = record
 *                                time (event_time, paid_at) × 4 + rank (enrollment 1,
 *                                payment 2); member = rank (1 byte), the partition (4 bytes)
 *                                and offset (8 bytes, big-endian) it was read at, then its
 *                                Avro bytes. So the set's order is the event-time order, and
 *                                a claim can be judged on exactly the events before the
 *                                offsets its settlement records (ledger/ledger.h).
 *   <prefix>{m:ID}:acc     HASH  v (applies so far: the version an apply must match),
 *                                pa (personal account spent), w (the watermark: the latest
 *                                submitted_at of a recorded claim, ms), y<year>:<scheme>
 *                                (that scheme's year of accumulators, packed: a member who
 *                                changes scheme has a year in each)
 *   <prefix>{m:ID}:claims  HASH  claim_id → the claim's recorded state (ledger.h's packed
 *                                yb_claim_state: settlement, delta, reversal, fingerprint,
 *                                keep_until, source offsets)
 *   <prefix>{m:ID}:cx      ZSET  claim_id scored by its keep_until day: what the apply script
 *                                drops once the member's watermark passes it
 *   <prefix>{m:ID}:rel     SET   claim_ids the apply script dropped whose registrations are
 *                                not released yet: noted in the same atomic script, so a
 *                                crash before the release leaves them here, and the next read
 *                                of the member releases them (empty, hence absent, otherwise)
 *   <prefix>{c:CLAIM_ID}   STRING  the member the claim_id belongs to (the registry that
 *                                makes claim_ids unique across members and partitions): its
 *                                member_id, or its token with a key secret
 *   <prefix>progress:<topic>:<partition>  the next offset enrollment-svc has applied
 *
 * Everything is pipelined: queue calls, then read their replies in order, so a batch costs
 * one round trip per phase. Applying a claim is one Lua script that refuses a claim_id
 * already recorded (or a reversal already made) and a member whose version moved since it
 * was read: the write is atomic and idempotent, and a stale writer (a zombie after a
 * rebalance) cannot overwrite a newer state. The same script drops the member's records and
 * years its watermark has closed (ledger.h: keep_until, YB_LEDGER_KEEP_YEARS), so the state
 * stays bounded.
 */
#ifndef YB_IO_MEMBER_STORE_H
#define YB_IO_MEMBER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/avro.h"
#include "redis/redis.h"
#include "ledger/ledger.h"
#include "store/member_key.h"

typedef struct yb_member_store yb_member_store;

/*
 * *out = a store on redis with keys under prefix, naming members as key says (NULL: member
 * ids in clear). Neither redis nor key is owned: both must outlive the store. YB_OK or
 * YB_ENOMEM.
 */
int yb_member_store_new(yb_member_store **out, yb_redis *redis, const char *prefix,
			yb_member_key *key);
void yb_member_store_destroy(yb_member_store *st);

/* Queue: add an event to a member's history (idempotent: the same event at the same
 * position, one entry). rank is YB_LEDGER_RANK_*. */
int yb_member_store_queue_event(yb_member_store *st, const char *member_id, int64_t time_ms,
				int rank, int32_t partition, int64_t offset, const void *bytes,
				size_t len);

/* Queue: record the next offset of topic/partition that enrollment-svc has applied. */
int yb_member_store_queue_progress(yb_member_store *st, const char *topic, int32_t partition,
				   int64_t next_offset);

/* Queue: read the progress of topic's partitions [0, count). */
int yb_member_store_queue_progress_read(yb_member_store *st, const char *topic, int count);

/* Read the progress queued above: next[i] is -1 when nothing was recorded. */
int yb_member_store_read_progress(yb_member_store *st, int count, int64_t *next, char *errstr,
				  size_t errlen);

/* Read and check the replies of queued writes (events, progress, raw commands): YB_EIO when
 * any failed. */
int yb_member_store_sync(yb_member_store *st, size_t replies, char *errstr, size_t errlen);

/* One event of a member's history. */
typedef struct yb_store_event {
	int64_t time_ms;
	int rank;
	int32_t partition;
	int64_t offset;
	const uint8_t *bytes; /* Avro single-object */
	size_t len;
} yb_store_event;

/* A member as read: valid until the next yb_member_store_read_member or _reset. */
typedef struct yb_store_member {
	int64_t version;
	int64_t pa_spent_fen;
	int64_t watermark_ms;
	yb_store_event *events; /* in event-time order */
	size_t event_count;
	yb_member_year *years;
	size_t year_count;
	/* claims[i] is the packed state of the i-th claim_id asked for, NULL when unknown */
	const uint8_t **claims;
	size_t *claim_lens;
	size_t claim_count;
} yb_store_member;

/* Queue: read a member's events, accumulators and the claims claim_ids[0..n). */
int yb_member_store_queue_member(yb_member_store *st, const char *member_id,
				 const char *const *claim_ids, size_t n);

/* Read the next member queued, in order. Releases a crash left pending ({m:ID}:rel) are
 * noted for the next yb_member_store_queue_release. YB_EIO with errstr when Redis failed or
 * a stored value is not of this build's format (run claimctl rebuild). */
int yb_member_store_read_member(yb_member_store *st, yb_store_member *out, char *errstr,
				size_t errlen);

/* Load a member as read into ledger: its events, accumulators and watermark. */
int yb_member_store_load(yb_ledger *ledger, const char *member_id, const yb_store_member *member);

/*
 * Queue: register claim_id for member_id unless it belongs to a member already (SET NX GET),
 * one registration per claim of a batch, before it is judged.
 */
int yb_member_store_queue_register(yb_member_store *st, const char *claim_id,
				   const char *member_id);

/* Read the next registration: owner (size bytes) gets what the registry holds for the member
 * the claim_id belonged to ("" when it was free: it is the queued member's now). That is the
 * member's token with a key secret: compare it with yb_member_store_owner_token's. */
int yb_member_store_read_register(yb_member_store *st, char *owner, size_t size, char *errstr,
				  size_t errlen);

/* What the registry holds for member_id's claims into buf[size]: member_id, or its token
 * with a key secret. YB_OK, or YB_EINVAL when it does not fit, YB_EIO when libcrypto failed. */
int yb_member_store_owner_token(const yb_member_store *st, const char *member_id, char *buf,
				size_t size);

/* Free what the reads hold; call once the batch's members have been used. */
void yb_member_store_reset(yb_member_store *st);

/*
 * Queue the apply script: record claim (packed) under its claim_id and set the member's
 * accumulators for the claim's scheme and year (acc NULL: the member has none that year,
 * none written), its
 * personal-account spending and watermark, if the member is still at version expected and
 * the claim (reversal: its reversal) is not recorded yet; then drop the member's records and
 * years the watermark has closed.
 */
int yb_member_store_queue_apply(yb_member_store *st, const char *member_id, bool reversal,
				int64_t expected_version, const yb_claim_state *claim,
				const yb_year_acc *acc, int64_t pa_spent_fen, int64_t watermark_ms);

/* The outcome of one apply, in the order queued. */
typedef enum yb_apply_result {
	YB_APPLY_DONE = 0,     /* recorded; the member is now at version expected + 1 */
	YB_APPLY_RECORDED = 1, /* already recorded: nothing changed */
	YB_APPLY_CONFLICT = 2, /* the member moved since it was read: read again */
} yb_apply_result;

/* The next apply's outcome (>= 0), or YB_EIO with errstr. The claim_ids an apply dropped
 * are kept for yb_member_store_queue_release. */
int yb_member_store_read_apply(yb_member_store *st, char *errstr, size_t errlen);

/* Queue the release of the registrations of the claims the applies read so far dropped, and
 * of those the members read had pending: each only if still the member's, then taken off
 * the member's pending set. Returns how many commands were queued (their replies to sync),
 * or a negative yb_err. */
long yb_member_store_queue_release(yb_member_store *st);

/* Load the apply script unless it is loaded: before queueing applies. A server that forgot
 * it (a restart) answers NOSCRIPT; yb_member_store_read_apply then reports a conflict and
 * marks it unloaded, and the batch is redone after the next prepare. */
int yb_member_store_prepare(yb_member_store *st, char *errstr, size_t errlen);

/* After reconnecting: forget what is queued, and the script (the server may have restarted
 * and forgotten it; the next prepare loads it again). */
void yb_member_store_reconnected(yb_member_store *st);

/* Write a whole member (claimctl rebuild): accumulators, version, personal account and
 * watermark. Returns the number of commands queued, or a negative yb_err. */
long yb_member_store_queue_member_state(yb_member_store *st, const char *member_id, int64_t version,
					int64_t pa_spent_fen, int64_t watermark_ms,
					const yb_member_year *years, size_t count);
/* Write one claim's recorded state, its keep_until and its registration (claimctl
 * rebuild). Returns the number of commands queued, or a negative yb_err. */
long yb_member_store_queue_claim_state(yb_member_store *st, const yb_claim_state *claim);

#endif
