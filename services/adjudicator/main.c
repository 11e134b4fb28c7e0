/*
 * adjudicator: claims and reversals → settlements, exactly once.
 *
 * Each batch of the claims topic goes through four steps:
 *
 *  1. Barrier. For every claims partition in the batch, note the last stable offsets of the
 *     same partition of enrollments and payments and wait until enrollment-svc has applied
 *     them, and read institutions up to their end. Those offsets are what the batch's claims
 *     are judged on (docs/ARCHITECTURE.md, "What a claim is judged on"): each settlement
 *     records them in judged_on, so a replay reproduces it whatever order the topics arrived
 *     in.
 *  2. Decode and admit each message (yb_ledger_admit: its Kafka key must be its member_id,
 *     and the claim must be whole); what cannot be taken is dead-lettered with the reason.
 *     Read, one pipelined round trip: every member's event history, accumulators, and the
 *     recorded state of the claim_ids the batch names (store/member_store.h), and register each
 *     claim's claim_id for its member (claim_ids are unique across members).
 *  3. Judge each message in topic order in a ledger that is this batch's working set
 *     (ledger/ledger.h): the same code claimctl adjudicate runs. A message read again after
 *     a crash (its claim is recorded with this very partition and offset) gets its recorded
 *     settlement back and moves nothing.
 *  4. Write, one pipelined round trip: one apply script per claim, atomic and idempotent by
 *     claim_id, refused when the member moved since step 2 (then the batch is redone).
 *     Then the settlements and dead letters go out in one Kafka transaction with the
 *     consumed offsets.
 *
 * A crash between 4's Redis write and the commit leaves recorded claims whose settlements
 * were never published: the batch is read again, step 3 finds them recorded with the same
 * offsets, and publishes exactly what was recorded. A message that fails in a way no retry
 * mends (a settlement that cannot be encoded) is remembered, the batch redone, and that
 * message dead-lettered: no input stops the stream.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "service/batch_loop.h"
#include "kafka/consumer.h"
#include "kafka/kafka.h"
#include "io/log.h"
#include "store/member_store.h"
#include "io/metrics.h"
#include "io/policy_files.h"
#include "redis/redis.h"
#include "service/service.h"
#include "ledger/ledger.h"
#include "ledger/strmap.h"
#include "rules/adjudicate.h"
#include "base/error.h"

#define ARENA_SIZE      (8u << 20)
#define EVENT_ARENA     (64u << 10)
#define MAX_PARTITIONS  1024
#define REQUEST_TIMEOUT 10000
/* The barrier's ListOffsets: a leader that died is replaced only after the broker session
 * timeout (9 s), so waiting long on it only delays the batch's retry (which asks the new
 * leader); a live cluster answers in milliseconds. */
#define BARRIER_TIMEOUT 3000
#define MAX_POISON      64 /* messages remembered as failing whatever is retried */

static const yb_config_key config_keys[] = {
    {"group", YB_CONFIG_STRING, "yb-adjudicator", 0, 0, "the consumer group"},
    {"instance.id", YB_CONFIG_STRING, "0", 0, 0,
     "this instance's name in the group; the transactional.id is <group>-<instance.id>, so "
     "a restarted instance fences its predecessor at once"},
    {"batch.max", YB_CONFIG_INT, "2000", 1, 1000000, "most claims in one batch"},
    {"batch.linger.ms", YB_CONFIG_INT, "10", 0, 10000,
     "how long a batch waits for more claims after its first"},
    {"barrier.warn.ms", YB_CONFIG_INT, "5000", 100, 3600000,
     "log a warning when waiting this long for enrollment-svc to catch up"},
    {"debug.exit.before.commit", YB_CONFIG_INT, "0", 0, 1000000,
     "tests only: exit (status 70) right after the Nth batch's Redis writes, before its "
     "Kafka commit, the worst moment to crash; 0: never"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9312", 0, 0,
     "where /metrics and /healthz are served"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

/* Rejections by reason code (docs: the spec's reason codes; a few dozen at most). */
#define MAX_REASONS 48
typedef struct reason_tally {
	char code[48];
	uint64_t count;
} reason_tally;

/* What the adjudicator counts beside the loop's counters; a batch's own are added to the
 * totals when it is committed. */
typedef struct counters {
	uint64_t settled, rejected, reversed, duplicates, redelivered;
	reason_tally reasons[MAX_REASONS];
	size_t reason_count;
} counters;

/* Count n more rejections naming code. */
static void tally_reason(counters *c, const char *code, uint64_t n)
{
	size_t i = 0;

	while (i < c->reason_count && strcmp(c->reasons[i].code, code) != 0)
		i++;
	if (i == c->reason_count) {
		if (i == MAX_REASONS)
			return;
		snprintf(c->reasons[i].code, sizeof(c->reasons[i].code), "%s", code);
		c->reasons[i].count = 0;
		c->reason_count++;
	}
	c->reasons[i].count += n;
}

/* One claim or reversal of the batch, decoded. */
typedef struct item {
	const yb_stream_message *msg;
	yb_record rec;
	const char *member_id;
	int member; /* index into the batch's members */
	bool dead;  /* dead-lettered */
} item;

/* One member of the batch: its history (copied out of the store's reply arrays). */
typedef struct member_slot {
	const char *member_id;
	int64_t version;
	const char **claim_ids;
	size_t claim_count;
	bool owner_known;
	char owner[YB_LEDGER_ID_MAX + 1]; /* how the claim registry names it, once asked */
} member_slot;

/* A message that failed in a way no retry mends: dead-lettered when read again. */
typedef struct poison {
	int32_t partition;
	int64_t offset;
	char why[256];
} poison;

typedef struct adjudicator {
	yb_service svc;
	const yb_props *cfg;
	yb_ledger *ledger;
	yb_avro *avro;
	yb_redis *redis;
	yb_member_key *member_key; /* NULL: member ids in clear in key names */
	yb_member_store *store;
	yb_batch_loop loop;
	yb_end_probe *probe;
	yb_consumer *institutions;
	int64_t institutions_next[MAX_PARTITIONS];
	int institution_partitions;
	int member_partitions;
	char *arena_memory;
	char *event_arena;
	yb_arena arena; /* the batch's decoded records */
	item *items;
	member_slot *members;
	size_t member_count, member_cap;
	yb_strmap *member_index; /* member_id → int index + 1 */
	const char **ids;        /* claim ids named by the batch, per member, contiguous */
	size_t id_count, id_cap;
	yb_buf out;
	yb_adjudication adjudication; /* for a reversal answered outside the ledger */
	yb_long_entry judged[5];      /* its judged_on */
	/* What the batch is judged on (step 1): per partition, the next offsets of enrollments
	 * and payments enrollment-svc had applied, and of institutions. */
	int64_t judged_ends[2][MAX_PARTITIONS];
	yb_end_query end_queries[1 + 2 * MAX_PARTITIONS]; /* the barrier's request */
	poison poisoned[MAX_POISON];
	size_t poison_count;
	counters c, batch_counts; /* the totals, and the batch in hand's */
	size_t applies;           /* apply scripts the batch queued */
	int64_t barrier_wait_ms;
} adjudicator;

/* The adjudicator's series; the loop adds its own (consumed, batches, latency, lag). */
static void metrics(void *service, yb_buf *text)
{
	const adjudicator *a = service;
	const counters *c = &a->c;

	yb_metrics_counter(text, "yb_produced_total",
			   "Settlements and dead letters committed to Kafka.", "",
			   c->settled + c->rejected + c->reversed + c->duplicates + c->redelivered +
			       a->loop.c.dead_lettered);
	yb_metrics_counter(text, "yb_settled_total", "Claims settled (paid in part or whole).", "",
			   c->settled);
	yb_metrics_counter(text, "yb_rejected_total", "Claims rejected.", "", c->rejected);
	yb_buf_printf(text, "# HELP yb_rejections_total Reason codes named by rejected claims "
			    "(a claim may name several).\n# TYPE yb_rejections_total counter\n");
	for (size_t i = 0; i < c->reason_count; i++) {
		char labels[80];

		snprintf(labels, sizeof(labels), "reason=\"%s\"", c->reasons[i].code);
		yb_metrics_sample(text, "yb_rejections_total", labels,
				  (int64_t)c->reasons[i].count);
	}
	yb_metrics_counter(text, "yb_reversed_total", "Reversals applied.", "", c->reversed);
	yb_metrics_counter(text, "yb_duplicates_total",
			   "Resubmitted claim_ids answered with their recorded settlement.", "",
			   c->duplicates);
	yb_metrics_counter(text, "yb_redelivered_total",
			   "Messages read again after a failure, answered from the record.", "",
			   c->redelivered);
	yb_metrics_seconds_counter(text, "yb_barrier_wait_seconds_total",
				   "Time spent waiting for enrollment-svc and institutions.",
				   a->barrier_wait_ms);
}

/* Read institutions up to their current ends (reference data: every instance has all). */
static int catch_up_institutions(adjudicator *a, const yb_end_query *ends, char *errstr,
				 size_t errlen)
{
	const char *topic = yb_props_get(a->cfg, "topic.institutions");

	for (;;) {
		int behind = 0;
		yb_message m;
		int rc;

		for (int p = 0; p < a->institution_partitions; p++)
			behind |= a->institutions_next[p] < ends[p].end;
		if (!behind || yb_daemon_stopping())
			return YB_OK;
		rc = yb_consumer_poll(a->institutions, 200, &m, errstr, errlen);
		if (rc < 0)
			return rc;
		if (rc == YB_POLL_PARTITION_END) {
			if (m.partition < MAX_PARTITIONS &&
			    m.offset > a->institutions_next[m.partition])
				a->institutions_next[m.partition] = m.offset;
		} else if (rc == YB_POLL_MESSAGE) {
			yb_arena arena;
			yb_record rec;

			a->institutions_next[m.partition] = m.offset + 1;
			yb_arena_init(&arena, a->event_arena, EVENT_ARENA);
			if (yb_avro_decode(a->avro, m.value, m.len, &arena, &rec, errstr, errlen) !=
				YB_OK ||
			    rec.type != YB_RECORD_INSTITUTION ||
			    yb_ledger_admit(a->ledger, &rec, NULL, 0, errstr, errlen) != YB_OK ||
			    yb_ledger_add_institution(a->ledger, &rec.as.institution, m.offset,
						      errstr, errlen) < 0) {
				/* Reference data is the agency's: log it, it is not ours to drop.
				 */
				YB_LOG(YB_LOG_WARN, "institution_skipped", "{s:s, s:i, s:I, s:s}",
				       "topic", topic, "partition", (int)m.partition, "offset",
				       (json_int_t)m.offset, "err", errstr);
			}
		}
	}
}

/*
 * Wait until enrollment-svc has applied enrollments and payments of every partition in
 * the batch up to their ends as they are now (step 1); those ends are what the batch is
 * judged on (a->judged_ends).
 */
static int barrier(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	const char *topics[2] = {yb_props_get(a->cfg, "topic.enrollments"),
				 yb_props_get(a->cfg, "topic.payments")};
	bool needed[MAX_PARTITIONS] = {false};
	int64_t ends[2][MAX_PARTITIONS];
	int64_t next[2][MAX_PARTITIONS];
	int64_t started = yb_mono_ms(), warned = started;
	yb_end_query *q = a->end_queries;
	size_t nq = 0;
	int rc;

	for (size_t i = 0; i < b->count; i++) {
		if (b->msgs[i].m.partition >= 0 && b->msgs[i].m.partition < MAX_PARTITIONS)
			needed[b->msgs[i].m.partition] = true;
	}
	/* Every end the batch needs, institutions first, in one request. */
	for (int p = 0; p < a->institution_partitions; p++)
		q[nq++] = (yb_end_query){.topic = yb_props_get(a->cfg, "topic.institutions"),
					 .partition = p};
	for (int t = 0; t < 2; t++) {
		for (int p = 0; p < a->member_partitions; p++) {
			if (needed[p])
				q[nq++] = (yb_end_query){.topic = topics[t], .partition = p};
		}
	}
	rc = yb_end_probe_stable_ends(a->probe, q, nq, BARRIER_TIMEOUT, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	nq = (size_t)a->institution_partitions;
	for (int t = 0; t < 2; t++) {
		for (int p = 0; p < a->member_partitions; p++) {
			ends[t][p] = needed[p] ? q[nq++].end : 0;
			a->judged_ends[t][p] = ends[t][p];
		}
	}
	rc = catch_up_institutions(a, q, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	for (;;) {
		bool behind = false;
		char missing[256] = "";

		/* Both topics' progress in one round trip. */
		rc = yb_member_store_queue_progress_read(a->store, topics[0], a->member_partitions);
		if (rc == YB_OK)
			rc = yb_member_store_queue_progress_read(a->store, topics[1],
								 a->member_partitions);
		for (int t = 0; rc == YB_OK && t < 2; t++)
			rc = yb_member_store_read_progress(a->store, a->member_partitions, next[t],
							   errstr, errlen);
		if (rc != YB_OK)
			return rc;
		for (int t = 0; t < 2 && !behind; t++) {
			for (int p = 0; p < a->member_partitions && !behind; p++) {
				if (needed[p] && ends[t][p] > 0 && next[t][p] < ends[t][p]) {
					behind = true;
					snprintf(missing, sizeof(missing),
						 "%s [%d]: applied to %" PRId64 " of %" PRId64,
						 topics[t], p, next[t][p], ends[t][p]);
				}
			}
		}
		if (!behind)
			break;
		if (yb_daemon_stopping()) {
			snprintf(errstr, errlen, "stopping while waiting for enrollment-svc");
			return YB_ETIMEDOUT;
		}
		if (yb_mono_ms() - warned >= yb_config_int(a->cfg, "barrier.warn.ms")) {
			YB_LOG(YB_LOG_WARN, "waiting_for_enrollments", "{s:s, s:I}", "behind",
			       missing, "waited_ms", (json_int_t)(yb_mono_ms() - started));
			yb_batch_loop_publish(&a->loop, false,
					      "waiting for enrollment-svc (see the log)");
			warned = yb_mono_ms();
		}
		yb_sleep_ms(5);
	}
	a->barrier_wait_ms += yb_mono_ms() - started;
	return YB_OK;
}

/* The index of member_id in the batch, added when new. */
static int member_of(adjudicator *a, const char *member_id)
{
	int created;
	int *slot = yb_strmap_put(a->member_index, member_id, &created);

	if (slot == NULL || yb_array_grow((void **)&a->members, &a->member_cap, a->member_count + 1,
					  sizeof(*a->members)) != 0)
		return -1;
	if (created) {
		memset(&a->members[a->member_count], 0, sizeof(a->members[0]));
		a->members[a->member_count].member_id = member_id;
		*slot = (int)++a->member_count;
	}
	return *slot - 1;
}

/* The reason a message is remembered as poison, or NULL. */
static const char *poisoned(const adjudicator *a, const yb_message *m)
{
	for (size_t i = 0; i < a->poison_count; i++) {
		if (a->poisoned[i].partition == m->partition && a->poisoned[i].offset == m->offset)
			return a->poisoned[i].why;
	}
	return NULL;
}

/* Remember a message that failed whatever is retried: the batch is redone without it. */
static void poison_message(adjudicator *a, const yb_message *m, const char *why)
{
	poison *p = &a->poisoned[a->poison_count < MAX_POISON ? a->poison_count++ : 0];

	p->partition = m->partition;
	p->offset = m->offset;
	snprintf(p->why, sizeof(p->why), "%.200s", why);
	YB_LOG(YB_LOG_ERROR, "message_poisoned", "{s:i, s:I, s:s}", "partition", (int)m->partition,
	       "offset", (json_int_t)m->offset, "err", why);
}

/* Decode and admit the batch (dead letters sent into the open transaction); group the
 * claims by member. */
static int decode(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	yb_arena *arena = &a->arena;

	yb_arena_reset(arena);
	a->member_count = 0;
	yb_strmap_clear(a->member_index, NULL);
	for (size_t i = 0; i < b->count; i++) {
		item *it = &a->items[i];
		const yb_message *m = &b->msgs[i].m;
		const char *why_poison = poisoned(a, m);
		char why[512];
		int rc = YB_EINVAL;

		memset(it, 0, sizeof(*it));
		it->msg = &b->msgs[i];
		if (why_poison != NULL)
			snprintf(why, sizeof(why), "%.256s", why_poison);
		else
			rc = yb_avro_decode(a->avro, m->value, m->len, arena, &it->rec, why,
					    sizeof(why));
		if (rc == YB_ENOMEM && i > 0) {
			/* The arena is full, not the message bad: a smaller batch takes it. */
			snprintf(errstr, errlen, "%s", why);
			return YB_ENOMEM;
		}
		if (rc == YB_OK && it->rec.type != YB_RECORD_CLAIM &&
		    it->rec.type != YB_RECORD_REVERSAL) {
			snprintf(why, sizeof(why), "a %s record on the claims topic",
				 yb_record_desc_of(it->rec.type)->name);
			rc = YB_EINVAL;
		}
		if (rc == YB_OK)
			rc = yb_ledger_admit(a->ledger, &it->rec, m->key != NULL ? m->key : "",
					     m->key_len, why, sizeof(why));
		if (rc == YB_OK && it->rec.type == YB_RECORD_CLAIM) {
			it->member_id = it->rec.as.claim.member_id;
		} else if (rc == YB_OK) {
			/* A reversal names its member, or its Kafka key does (admitted). */
			it->member_id = it->rec.as.reversal.member_id;
			if (it->member_id == NULL) {
				char *key = yb_arena_alloc(arena, m->key_len + 1);

				if (key == NULL)
					return YB_ENOMEM;
				memcpy(key, m->key, m->key_len);
				key[m->key_len] = '\0';
				it->member_id = key;
				it->rec.as.reversal.member_id = key;
			}
		}
		if (rc != YB_OK) {
			it->dead = true;
			if (yb_batch_loop_dead_letter(&a->loop, m, why, errstr, errlen) != YB_OK)
				return YB_EIO;
			continue;
		}
		it->member = member_of(a, it->member_id);
		if (it->member < 0)
			return YB_ENOMEM;
	}
	return YB_OK;
}

/* How the claim registry names the batch's member mi: its token with a key secret (worked
 * out once a batch, and only for batches with a claim_id another member holds); NULL when
 * libcrypto failed. */
static const char *registry_name(adjudicator *a, size_t mi)
{
	member_slot *ms = &a->members[mi];

	if (!ms->owner_known && yb_member_store_owner_token(a->store, ms->member_id, ms->owner,
							    sizeof(ms->owner)) == YB_OK)
		ms->owner_known = true;
	return ms->owner_known ? ms->owner : NULL;
}

/*
 * The owner a registration names, as the ledger compares it with the batch's member_ids:
 * with a key secret the registry holds the owner's token (store/member_store.h), so a
 * member of this batch is named by its member_id again (its own claim of that claim_id,
 * later in the batch, is then its own); any other owner stays a token, which equals no
 * member_id of the batch, and the ledger only compares it (a claim_id that is another
 * member's is refused): it is never shown.
 */
static const char *owner_in_batch(adjudicator *a, const char *owner)
{
	for (size_t mi = 0; mi < a->member_count; mi++) {
		const char *name = registry_name(a, mi);

		if (name == NULL)
			return NULL;
		if (strcmp(name, owner) == 0)
			return a->members[mi].member_id;
	}
	return owner;
}

/*
 * Step 2: read every member of the batch and register its claims' claim_ids, in one round
 * trip, and load the ledger.
 */
static int read_members(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	size_t n = b->count, need = 0;
	int rc;

	yb_ledger_forget_members(a->ledger);
	yb_member_store_reset(a->store);
	rc = yb_member_store_prepare(a->store, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	a->id_count = 0;
	/* The claim ids each member's items name: its claims, reversed claims, referrals. */
	for (size_t i = 0; i < n; i++)
		need += a->items[i].dead ? 0 : 2;
	if (yb_array_grow((void **)&a->ids, &a->id_cap, need, sizeof(*a->ids)) != 0)
		return YB_ENOMEM;
	for (size_t mi = 0; mi < a->member_count; mi++) {
		member_slot *ms = &a->members[mi];

		ms->claim_ids = a->ids + a->id_count;
		ms->claim_count = 0;
		for (size_t i = 0; i < n; i++) {
			const item *it = &a->items[i];

			if (it->dead || it->member != (int)mi)
				continue;
			if (it->rec.type == YB_RECORD_CLAIM) {
				ms->claim_ids[ms->claim_count++] = it->rec.as.claim.claim_id;
				if (it->rec.as.claim.referred_from_claim_id != NULL)
					ms->claim_ids[ms->claim_count++] =
					    it->rec.as.claim.referred_from_claim_id;
			} else {
				ms->claim_ids[ms->claim_count++] = it->rec.as.reversal.claim_id;
			}
		}
		a->id_count += ms->claim_count;
		rc = yb_member_store_queue_member(a->store, ms->member_id, ms->claim_ids,
						  ms->claim_count);
		if (rc != YB_OK)
			return rc;
	}
	/* Each claim's claim_id, for its member unless another's already, in topic order. */
	for (size_t i = 0; i < n; i++) {
		const item *it = &a->items[i];

		if (!it->dead && it->rec.type == YB_RECORD_CLAIM &&
		    (rc = yb_member_store_queue_register(a->store, it->rec.as.claim.claim_id,
							 it->member_id)) != YB_OK)
			return rc;
	}
	for (size_t mi = 0; mi < a->member_count; mi++) {
		member_slot *ms = &a->members[mi];
		yb_store_member sm;

		rc = yb_member_store_read_member(a->store, &sm, errstr, errlen);
		if (rc != YB_OK)
			return rc;
		ms->version = sm.version;
		rc = yb_member_store_load(a->ledger, ms->member_id, &sm);
		for (size_t k = 0; rc == YB_OK && k < sm.claim_count; k++) {
			yb_claim_state state;

			if (sm.claims[k] == NULL)
				continue;
			if (yb_claim_state_unpack(sm.claims[k], sm.claim_lens[k], ms->claim_ids[k],
						  &state) != YB_OK) {
				snprintf(errstr, errlen,
					 "claim %s of member %s: stored state is not of this "
					 "build's format (run claimctl rebuild)",
					 ms->claim_ids[k], ms->member_id);
				return YB_EIO;
			}
			rc = yb_ledger_load_claim(a->ledger, &state);
		}
		if (rc != YB_OK)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		const item *it = &a->items[i];
		char owner[YB_LEDGER_ID_MAX + 1];
		const char *own, *known;

		if (it->dead || it->rec.type != YB_RECORD_CLAIM)
			continue;
		rc = yb_member_store_read_register(a->store, owner, sizeof(owner), errstr, errlen);
		if (rc != YB_OK)
			return rc;
		if (owner[0] == '\0')
			continue; /* it was free: the claim's member's now */
		own = registry_name(a, (size_t)it->member);
		if (own != NULL && strcmp(owner, own) == 0)
			continue; /* already this member's */
		known = own != NULL ? owner_in_batch(a, owner) : NULL;
		if (known == NULL) {
			snprintf(errstr, errlen,
				 "claim registry: no member token (libcrypto failed)");
			return YB_EIO;
		}
		rc = yb_ledger_load_owner(a->ledger, it->rec.as.claim.claim_id, known);
		if (rc != YB_OK)
			return rc;
	}
	return YB_OK;
}

/* Is this message the one the recorded claim (or its reversal) was read from? */
static bool redelivered(const yb_claim_state *state, const yb_message *m, bool reversal)
{
	return reversal ? state->reversal != NULL && state->reversal_partition == m->partition &&
			      state->reversal_offset == m->offset
			: state->partition == m->partition && state->offset == m->offset;
}

static int send_settlement(adjudicator *a, const char *member_id, const void *bytes, size_t len,
			   const yb_message *m, char *errstr, size_t errlen)
{
	return yb_batch_loop_send(&a->loop, yb_props_get(a->cfg, "topic.settlements"), member_id,
				  bytes, len, m->timestamp_ms, errstr, errlen);
}

/*
 * After a crash between the Redis writes and the commit, a claim's record can already hold
 * what a later message of the batch did (its reversal; the claim itself, for a reversal
 * read before it). A message read again must be answered as the record stood at its own
 * offset, as the first time: a duplicate of a claim reversed later gets the original
 * settlement, a reversal that came before its claim is a reversal of an unknown claim.
 * Returns 1 when it answered (the settlement is sent), 0 when the ledger should, or an
 * error.
 */
static int as_of_message(adjudicator *a, const item *it, const char *claim_id,
			 const char *member_id, const yb_judged_on *on, char *errstr, size_t errlen)
{
	const yb_message *m = &it->msg->m;
	yb_claim_state state;
	yb_record out = {.type = YB_RECORD_SETTLEMENT};
	const yb_settlement *s;

	if (yb_ledger_claim(a->ledger, claim_id, &state) != YB_OK)
		return 0;
	if (it->rec.type == YB_RECORD_CLAIM) {
		if (state.reversal == NULL || state.reversal_partition != m->partition ||
		    state.reversal_offset <= m->offset)
			return 0;
		if (yb_ledger_repeat(a->ledger, &it->rec.as.claim, state.settlement,
				     state.settlement_len, state.fingerprint, &s, errstr,
				     errlen) < 0)
			return YB_EIO;
		out.as.settlement = *s;
	} else {
		if (state.partition != m->partition || state.offset <= m->offset)
			return 0;
		yb_adjudicate_unknown_reversal(&it->rec.as.reversal, &a->adjudication);
		yb_judged_on_put(&a->adjudication.settlement, a->judged, on);
		out.as.settlement = a->adjudication.settlement;
	}
	if (yb_avro_encode(&out, &a->out, errstr, errlen) != YB_OK)
		return YB_EINVAL;
	return send_settlement(a, member_id, a->out.data, a->out.len, m, errstr, errlen) == YB_OK
		   ? 1
		   : YB_EIO;
}

/* What a message of the batch is judged on (step 1's ends, docs/ARCHITECTURE.md). */
static void judged_on_of(const adjudicator *a, const yb_message *m, yb_judged_on *on)
{
	on->partition = m->partition;
	on->offset = m->offset;
	on->enrollments = a->judged_ends[0][m->partition];
	on->payments = a->judged_ends[1][m->partition];
	on->institutions = a->institutions_next[0];
}

/*
 * Step 3: judge each message, send its settlement, queue its apply script. Returns YB_OK,
 * YB_BATCH_REDO when a message was poisoned (redo the batch without it), or an error.
 */
static int process(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	counters *delta = &a->batch_counts;
	int rc;

	memset(delta, 0, sizeof(*delta));
	a->applies = 0;
	for (size_t i = 0; i < b->count; i++) {
		item *it = &a->items[i];
		const yb_message *m = &it->msg->m;
		member_slot *ms;
		bool reversal;
		const char *claim_id;
		yb_claim_state state;
		const yb_settlement *s = NULL;
		yb_record out = {.type = YB_RECORD_SETTLEMENT};
		yb_judged_on on;
		yb_year_acc acc;
		int64_t pa, watermark;
		bool has_year;

		if (it->dead)
			continue;
		ms = &a->members[it->member];
		reversal = it->rec.type == YB_RECORD_REVERSAL;
		claim_id = reversal ? it->rec.as.reversal.claim_id : it->rec.as.claim.claim_id;
		if (yb_ledger_claim(a->ledger, claim_id, &state) == YB_OK &&
		    redelivered(&state, m, reversal)) {
			/* Read again after a failure: publish exactly what was recorded. */
			rc = send_settlement(a, ms->member_id,
					     reversal ? state.reversal : state.settlement,
					     reversal ? state.reversal_len : state.settlement_len,
					     m, errstr, errlen);
			if (rc != YB_OK)
				return rc;
			delta->redelivered++;
			continue;
		}
		judged_on_of(a, m, &on);
		rc = as_of_message(a, it, claim_id, ms->member_id, &on, errstr, errlen);
		if (rc == YB_EINVAL) {
			poison_message(a, m, errstr);
			return YB_BATCH_REDO;
		}
		if (rc < 0)
			return rc;
		if (rc == 1) {
			delta->duplicates += !reversal;
			delta->reversed += reversal;
			continue;
		}
		rc = yb_ledger_judge(a->ledger, &it->rec, &on, &s, errstr, errlen);
		if (rc == YB_ENOMEM)
			return rc;
		if (rc >= 0) {
			out.as.settlement = *s;
			rc = yb_avro_encode(&out, &a->out, errstr, errlen);
		}
		if (rc < 0) {
			/* No retry mends this message, and the ledger may have moved: redo the
			 * batch with it dead-lettered. */
			poison_message(a, m, errstr);
			return YB_BATCH_REDO;
		}
		rc = send_settlement(a, s->member_id, a->out.data, a->out.len, m, errstr, errlen);
		if (rc != YB_OK)
			return rc;
		if (s->duplicate) {
			delta->duplicates++;
			continue;
		}
		yb_ledger_set_source(a->ledger, claim_id, reversal, m->partition, m->offset);
		if (yb_ledger_claim(a->ledger, claim_id, &state) != YB_OK) {
			delta->reversed++; /* a reversal of an unknown claim: nothing to record */
			continue;
		}
		has_year = yb_ledger_member_year(a->ledger, state.member_id, state.scheme,
						 state.year, &acc, &pa, &watermark) == YB_OK;
		rc = yb_member_store_queue_apply(a->store, state.member_id, reversal, ms->version++,
						 &state, has_year ? &acc : NULL, pa, watermark);
		if (rc != YB_OK)
			return rc;
		a->applies++;
		if (reversal)
			delta->reversed++;
		else if (strcmp(s->status, "settled") == 0)
			delta->settled++;
		else
			delta->rejected++;
		for (uint32_t r = 0;
		     !reversal && strcmp(s->status, "rejected") == 0 && r < s->reasons_count; r++)
			tally_reason(delta, s->reasons[r], 1);
	}
	return YB_OK;
}

/*
 * Step 4's Redis half: the apply scripts' answers. YB_BATCH_REDO when a member moved since
 * it was read (every reply is read first), or an error.
 */
static int write(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	long released;
	int rc;

	(void)b;
	for (size_t k = 0; k < a->applies; k++) {
		rc = yb_member_store_read_apply(a->store, errstr, errlen);
		if (rc < 0)
			return rc;
		if (rc != YB_APPLY_DONE) {
			for (k++; k < a->applies; k++)
				if (yb_member_store_read_apply(a->store, errstr, errlen) < 0)
					return YB_EIO;
			return YB_BATCH_REDO;
		}
	}
	/* The claim_ids of records the applies dropped are free again. */
	released = yb_member_store_queue_release(a->store);
	if (released < 0)
		return (int)released;
	if (released > 0 &&
	    (rc = yb_member_store_sync(a->store, (size_t)released, errstr, errlen)) != YB_OK)
		return rc;
	/* On the replicas before the commit: a failover must not lose what was paid. */
	return yb_redis_wait_written(a->redis, errstr, errlen);
}

/* The batch is committed: its counts join the totals. */
static void after_commit(void *service, const yb_batch *b)
{
	adjudicator *a = service;
	const counters *delta = &a->batch_counts;

	(void)b;
	a->c.settled += delta->settled;
	a->c.rejected += delta->rejected;
	a->c.reversed += delta->reversed;
	a->c.duplicates += delta->duplicates;
	a->c.redelivered += delta->redelivered;
	for (size_t r = 0; r < delta->reason_count; r++)
		tally_reason(&a->c, delta->reasons[r].code, delta->reasons[r].count);
}

/* After a failure: forget what was queued, reconnect, load the scripts again. */
static int reconnect(void *service, char *errstr, size_t errlen)
{
	adjudicator *a = service;
	int rc;

	yb_member_store_reset(a->store);
	rc = yb_redis_reconnect(a->redis, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	yb_member_store_reconnected(a->store);
	return yb_member_store_prepare(a->store, errstr, errlen);
}

static const yb_batch_steps steps = {
    .prepare = barrier,
    .decode = decode,
    .read = read_members,
    .process = process,
    .write = write,
    .after_commit = after_commit,
    .reconnect = reconnect,
    .metrics = metrics,
};

static int setup(adjudicator *a, char *errstr, size_t errlen)
{
	const yb_props *cfg = a->cfg;
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	int claims_partitions = 0, rc;
	const char *topics[1] = {yb_props_get(cfg, "topic.claims")};

	rc = yb_policy_load_dir(yb_props_get(cfg, "policies"), &sets, &set_count, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_ledger_new(&a->ledger, sets, set_count);
	free(sets);
	if (rc == YB_OK)
		rc = yb_avro_new(&a->avro, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	rc = yb_service_redis_connect(cfg, &a->redis, &a->member_key, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_member_store_new(&a->store, a->redis, yb_props_get(cfg, "redis.prefix"),
					 a->member_key);
	if (rc == YB_OK)
		rc = yb_member_store_prepare(a->store, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	a->probe = yb_end_probe_new(cfg, errstr, errlen);
	if (a->probe == NULL)
		return YB_EINVAL;
	/* Co-partitioning is what makes one consumer own a member: check it. */
	if ((rc = yb_end_probe_partitions(a->probe, topics[0], REQUEST_TIMEOUT, &claims_partitions,
					  errstr, errlen)) != YB_OK ||
	    (rc = yb_end_probe_partitions(a->probe, yb_props_get(cfg, "topic.enrollments"),
					  REQUEST_TIMEOUT, &a->member_partitions, errstr,
					  errlen)) != YB_OK)
		return rc;
	{
		int payments = 0;

		rc = yb_end_probe_partitions(a->probe, yb_props_get(cfg, "topic.payments"),
					     REQUEST_TIMEOUT, &payments, errstr, errlen);
		if (rc != YB_OK)
			return rc;
		if (claims_partitions != a->member_partitions || payments != a->member_partitions ||
		    a->member_partitions > MAX_PARTITIONS) {
			snprintf(errstr, errlen,
				 "claims, enrollments and payments must have the same partition "
				 "count (co-partitioned by member_id); they have %d, %d and %d",
				 claims_partitions, a->member_partitions, payments);
			return YB_EINVAL;
		}
	}
	/* The outputs must exist: a batch that cannot be published is never committed. */
	{
		static const char *const outputs[] = {"topic.settlements", "topic.dead-letters"};

		for (size_t i = 0; i < 2; i++) {
			int count = 0;

			rc = yb_end_probe_partitions(a->probe, yb_props_get(cfg, outputs[i]),
						     REQUEST_TIMEOUT, &count, errstr, errlen);
			if (rc != YB_OK)
				return rc;
		}
	}
	rc = yb_end_probe_partitions(a->probe, yb_props_get(cfg, "topic.institutions"),
				     REQUEST_TIMEOUT, &a->institution_partitions, errstr, errlen);
	if (rc == YB_OK && a->institution_partitions != 1) {
		/* A settlement records how far institutions were read: one offset, one log. */
		snprintf(errstr, errlen,
			 "the institutions topic has %d partitions; it must have one (reference "
			 "data read in one order, deploy/topics.conf)",
			 a->institution_partitions);
		rc = YB_EINVAL;
	}
	if (rc == YB_OK)
		rc = yb_consumer_new(&a->institutions, cfg, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_consumer_assign_all(
		    a->institutions, yb_props_get(cfg, "topic.institutions"),
		    YB_CONSUMER_FROM_BEGINNING, REQUEST_TIMEOUT, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	rc = yb_batch_loop_init(&a->loop, &a->svc, topics, 1, &steps, a, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	a->items = calloc((size_t)yb_config_int(cfg, "batch.max"), sizeof(*a->items));
	a->arena_memory = malloc(ARENA_SIZE);
	a->event_arena = malloc(EVENT_ARENA);
	a->member_index = yb_strmap_new(sizeof(int));
	if (a->items == NULL || a->arena_memory == NULL || a->event_arena == NULL ||
	    a->member_index == NULL)
		return YB_ENOMEM;
	yb_arena_init(&a->arena, a->arena_memory, ARENA_SIZE);
	return YB_OK;
}

static void teardown(adjudicator *a)
{
	yb_batch_loop_destroy(&a->loop);
	yb_consumer_destroy(a->institutions);
	yb_end_probe_destroy(a->probe);
	yb_member_store_destroy(a->store);
	yb_member_key_destroy(a->member_key);
	yb_redis_destroy(a->redis);
	yb_ledger_destroy(a->ledger);
	yb_avro_destroy(a->avro);
	yb_strmap_destroy(a->member_index, NULL);
	free(a->items);
	free(a->members);
	free(a->ids);
	free(a->arena_memory);
	free(a->event_arena);
	yb_buf_free(&a->out);
	yb_daemon_stop(&a->svc);
}

int main(int argc, char **argv)
{
	static adjudicator a;
	char errstr[512];
	int status = yb_service_start(
	    &a.svc, "adjudicator",
	    "Consume claims and reversals, adjudicate each with the shared rule engine against\n"
	    "the member's coverage as of the claim's time and year accumulators in Redis, and\n"
	    "publish settlements exactly once (Kafka transactions with the consumed offsets;\n"
	    "an atomic, idempotent Redis update per claim_id). Needs enrollment-svc running.",
	    argc, argv, config_keys, KEYS);

	if (status >= 0)
		return status;
	a.cfg = a.svc.config;
	if (setup(&a, errstr, sizeof(errstr)) != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
		teardown(&a);
		return 1;
	}
	/* The endpoint was validated: it holds no '@', no credentials. */
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:s, s:s, s:i, s:i}", "brokers",
	       yb_props_get(a.cfg, "kafka.bootstrap.servers"), "redis", yb_redis_endpoint(a.redis),
	       "member_keys", a.member_key != NULL ? "hmac" : "clear", "partitions",
	       a.member_partitions, "http_port", yb_http_port(a.svc.http));
	status = yb_batch_loop_run(&a.loop);
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I, s:I, s:I, s:I}", "consumed",
	       (json_int_t)a.loop.c.consumed, "settled", (json_int_t)a.c.settled, "rejected",
	       (json_int_t)a.c.rejected, "dead_lettered", (json_int_t)a.loop.c.dead_lettered);
	teardown(&a);
	return status;
}
