/*
 * fraud-svc: claims and their settlements → fraud alerts, exactly once.
 *
 * It consumes the claims and settlements topics (co-partitioned by member_id) in one group
 * and joins each claim with its settlement by claim_id: whichever side comes first waits in
 * Redis for the other ({m:ID}:fj, store/fraud_store.h). A joined claim goes through the fraud
 * rules (common/fraud, docs/FRAUD.md) — the code claimctl adjudicate runs — against the
 * windows they look back over, read from Redis for the batch and written back: the member's
 * recent claims, the institution's amounts and days. The member's coverage as of the claim
 * (sex, age, tier) is folded from the history enrollment-svc keeps, as the adjudicator
 * does. A reversed settlement takes its claim out of the member's window.
 *
 * Each batch: read (one round trip for the members, one for the institutions), judge in
 * settlement order (the claims' order in each partition), write (one round trip), then one
 * Kafka transaction with the alerts and the consumed offsets. A claim is judged against the
 * claims before its own offset only, so a batch read again after a crash raises the same
 * alerts with the same alert_ids, and they were never published the first time: one alert
 * per finding. A join is forgotten only after the commit, so a settlement read again still
 * finds its claim.
 *
 * The batch's Redis writes (one MULTI/EXEC) come before its commit, so a batch read again
 * after a crash finds the state the lost batch left: a window that may have moved on past
 * its claims. The alerts of every claim judged are written with the state (the claim's
 * "a:" join entry, fraud_store.h) and, when a claim is read again at the same settlement
 * offset, published as they were rather than judged again: the findings are those of the
 * first judgment, made on the state before it, as claimctl adjudicate makes them.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "service/batch_loop.h"
#include "fraud/fraud.h"
#include "store/fraud_store.h"
#include "kafka/kafka.h"
#include "io/log.h"
#include "store/member_store.h"
#include "io/metrics.h"
#include "io/policy_files.h"
#include "redis/redis.h"
#include "service/service.h"
#include "ledger/ledger.h"
#include "ledger/strmap.h"
#include "base/error.h"

#define ARENA_SIZE  (64u << 20)
#define EVENT_ARENA (64u << 10)

static const yb_config_key config_keys[] = {
    {"group", YB_CONFIG_STRING, "yb-fraud", 0, 0, "the consumer group"},
    {"instance.id", YB_CONFIG_STRING, "0", 0, 0,
     "this instance's name in the group; the transactional.id is <group>-<instance.id>"},
    {"batch.max", YB_CONFIG_INT, "2000", 1, 100000,
     "most messages (claims and settlements) in one batch"},
    {"batch.linger.ms", YB_CONFIG_INT, "20", 0, 10000,
     "how long a batch waits for more messages after its first"},
    {"fraud.rules", YB_CONFIG_STRING, YB_FRAUD_PARAMS_FILE, 0, 0,
     "the fraud rules' parameters; a name without '/' is in the policies directory"},
    {"join.ttl.s", YB_CONFIG_INT, "604800", 60, 31536000,
     "how long a claim waits in Redis for its settlement (or the other way round)"},
    {"debug.exit.before.commit", YB_CONFIG_INT, "0", 0, 1000000,
     "tests only: exit (status 70) right after the Nth batch's Redis writes, before its "
     "Kafka commit; 0: never"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9313", 0, 0,
     "where /metrics and /healthz are served"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

enum kind { SKIP, CLAIM, SETTLEMENT, REVERSED };

/* One message of the batch, decoded. */
typedef struct item {
	const yb_stream_message *msg;
	enum kind kind;
	yb_record rec;
	const char *member_id, *claim_id;
	int member;
	bool joined; /* its other side was found */
} item;

/* A claim and its settlement, or a reversal: what is judged, in settlement order. */
typedef struct action {
	int32_t partition;
	int64_t settlement_offset;
	const char *member_id;
	int member;
	bool reversal;
	const yb_claim *claim;
	const yb_settlement *settlement;
	int64_t claim_offset, claim_time;
	const char *claim_id;
} action;

typedef struct member_slot {
	const char *member_id;
	const char **claim_ids;
	size_t claim_count;
	yb_fraud_pending *pending_claims, *pending_settlements, *pending_reversals;
	yb_fraud_pending *judged; /* the alerts of a claim judged before, for a batch read again */
} member_slot;

/* What fraud-svc counts beside the loop's counters. */
typedef struct counters {
	uint64_t checked, waiting, skipped, refused, reversals, alerts, replayed;
	uint64_t by_rule[YB_FRAUD_RULE_COUNT];
} counters;

typedef struct fraud_svc {
	yb_service svc;
	const yb_props *cfg;
	yb_fraud_params params;
	yb_fraud_state *state;
	yb_fraud_result result;
	yb_ledger *ledger; /* the batch's members, folded from their histories */
	yb_avro *avro;
	yb_redis *redis;
	yb_member_key *member_key; /* NULL: member ids in clear in key names */
	yb_member_store *members_store;
	yb_fraud_store *store;
	yb_batch_loop loop;
	const yb_stream_message *batch; /* the loop's batch */
	item *items;
	action *actions;
	size_t action_count;
	member_slot *members;
	size_t member_count, member_cap;
	yb_strmap *member_index;
	yb_strmap *joined; /* "<member>\x1f<claim_id>" of the batch's pairs: one pair per claim */
	yb_strmap *claim_items; /* "<member>\x1f<claim_id>" → the batch's first claim of it */
	yb_strmap *seen;        /* the groups and institutions a batch reads, each once */
	char join_key[512];
	const char **ids;
	size_t id_count, id_cap;
	yb_fraud_pending *pending;
	size_t pending_cap;
	char *arena_memory, *event_arena;
	yb_arena arena;
	yb_buf out;
	yb_buf judged;  /* a claim's alerts as stored with its judgment */
	yb_buf trimmed; /* a waiting claim as stored: what the fraud rules read (trim_claim) */
	counters c;
	uint64_t batch_alerts[YB_FRAUD_RULE_COUNT]; /* the batch in hand's, by rule */
	int replies;                                /* what the batch's writes will answer */
} fraud_svc;

/* fraud-svc's series; the loop adds its own (consumed, batches, latency, lag). */
static void metrics(void *service, yb_buf *out)
{
	const fraud_svc *f = service;
	const counters *c = &f->c;
	char labels[96];

	yb_metrics_counter(out, "yb_claims_checked_total",
			   "Claims joined with their settlement and judged by the fraud rules.", "",
			   c->checked);
	yb_metrics_counter(out, "yb_join_waiting_total",
			   "Claims or settlements stored to wait for their other half.", "",
			   c->waiting);
	yb_metrics_counter(out, "yb_skipped_total",
			   "Messages not judged: reversal requests (their settlement counts), "
			   "duplicates, undecodable messages (the adjudicator dead-letters them).",
			   "", c->skipped);
	yb_metrics_counter(out, "yb_join_refused_total",
			   "Claims not held for a join: the adjudicator dead-letters them (a key "
			   "that is not the member_id, a claim that breaks the contract), so no "
			   "settlement will come.",
			   "", c->refused);
	yb_metrics_counter(
	    out, "yb_judgments_replayed_total",
	    "Claims read again after a crash before a commit: their alerts published "
	    "as first judged, not judged again on the state the lost batch left.",
	    "", c->replayed);
	yb_metrics_counter(out, "yb_reversals_total", "Claims taken out of a member's window.", "",
			   c->reversals);
	for (int r = 0; r < YB_FRAUD_RULE_COUNT; r++) {
		snprintf(labels, sizeof(labels), "rule=\"%s\"",
			 yb_fraud_rule_name((yb_fraud_rule)r));
		/* One family: HELP and TYPE once, then a sample per rule. */
		if (r == 0)
			yb_metrics_counter(out, "yb_fraud_alerts_total",
					   "Fraud alerts committed, by rule.", labels,
					   c->by_rule[r]);
		else
			yb_metrics_sample(out, "yb_fraud_alerts_total", labels,
					  (int64_t)c->by_rule[r]);
	}
}

static int member_of(fraud_svc *f, const char *member_id)
{
	int created;
	int *slot = yb_strmap_put(f->member_index, member_id, &created);

	if (slot == NULL || yb_array_grow((void **)&f->members, &f->member_cap, f->member_count + 1,
					  sizeof(*f->members)) != 0)
		return -1;
	if (created) {
		memset(&f->members[f->member_count], 0, sizeof(f->members[0]));
		f->members[f->member_count].member_id = member_id;
		*slot = (int)++f->member_count;
	}
	return *slot - 1;
}

/* Decode the batch: what each message is, and its member. */
static int decode(fraud_svc *f, int n)
{
	const char *claims_topic = yb_props_get(f->cfg, "topic.claims");

	f->member_count = 0;
	yb_strmap_clear(f->member_index, NULL);
	for (int i = 0; i < n; i++) {
		item *it = &f->items[i];
		const yb_message *m = &f->batch[i].m;
		bool claims = strcmp(m->topic, claims_topic) == 0;
		char why[256];
		int rc;

		memset(it, 0, sizeof(*it));
		it->msg = &f->batch[i];
		rc = yb_avro_decode(f->avro, m->value, m->len, &f->arena, &it->rec, why,
				    sizeof(why));
		if (rc == YB_ENOMEM && i > 0)
			return YB_ENOMEM; /* the arena is full: a smaller batch takes the message */
		if (rc != YB_OK) {
			/* The adjudicator dead-letters a bad claim; a bad settlement is ours. */
			if (!claims)
				YB_LOG(YB_LOG_WARN, "settlement_skipped", "{s:s, s:i, s:I, s:s}",
				       "topic", m->topic, "partition", (int)m->partition, "offset",
				       (json_int_t)m->offset, "err", why);
			f->c.skipped++;
			continue;
		}
		if (claims && it->rec.type == YB_RECORD_CLAIM &&
		    yb_ledger_admit(f->ledger, &it->rec, m->key != NULL ? m->key : "", m->key_len,
				    why, sizeof(why)) != YB_OK) {
			/* The adjudicator dead-letters it: no settlement will come to join. */
			f->c.refused++;
			continue;
		}
		if (claims && it->rec.type == YB_RECORD_CLAIM) {
			it->kind = CLAIM;
			it->member_id = it->rec.as.claim.member_id;
			it->claim_id = it->rec.as.claim.claim_id;
		} else if (!claims && it->rec.type == YB_RECORD_SETTLEMENT &&
			   !it->rec.as.settlement.duplicate) {
			it->kind = strcmp(it->rec.as.settlement.status, "reversed") == 0
				       ? REVERSED
				       : SETTLEMENT;
			it->member_id = it->rec.as.settlement.member_id;
			it->claim_id = it->rec.as.settlement.claim_id;
		}
		if (it->kind == SKIP || it->member_id == NULL || it->claim_id == NULL) {
			it->kind = SKIP;
			f->c.skipped++;
			continue;
		}
		it->member = member_of(f, it->member_id);
		if (it->member < 0)
			return YB_ENOMEM;
	}
	return YB_OK;
}

/* Read every member of the batch in one round trip: history, window, pending joins. */
static int read_members(fraud_svc *f, int n, char *errstr, size_t errlen)
{
	size_t need = (size_t)n;
	int rc = YB_OK;

	yb_fraud_state_clear(f->state);
	yb_ledger_forget_members(f->ledger);
	yb_member_store_reset(f->members_store);
	yb_fraud_store_reset(f->store);
	f->id_count = 0;
	if (yb_array_grow((void **)&f->ids, &f->id_cap, need, sizeof(*f->ids)) != 0 ||
	    yb_array_grow((void **)&f->pending, &f->pending_cap, YB_FRAUD_JOIN_SIDES * need,
			  sizeof(*f->pending)) != 0)
		return YB_ENOMEM;
	for (size_t mi = 0; mi < f->member_count && rc == YB_OK; mi++) {
		member_slot *ms = &f->members[mi];

		ms->claim_ids = f->ids + f->id_count;
		ms->claim_count = 0;
		for (int i = 0; i < n; i++) {
			if (f->items[i].kind != SKIP && f->items[i].member == (int)mi)
				ms->claim_ids[ms->claim_count++] = f->items[i].claim_id;
		}
		ms->pending_claims = f->pending + YB_FRAUD_JOIN_SIDES * f->id_count;
		ms->pending_settlements = ms->pending_claims + ms->claim_count;
		ms->pending_reversals = ms->pending_settlements + ms->claim_count;
		ms->judged = ms->pending_reversals + ms->claim_count;
		f->id_count += ms->claim_count;
		rc = yb_member_store_queue_member(f->members_store, ms->member_id, NULL, 0);
		if (rc == YB_OK)
			rc = yb_fraud_store_queue_member(f->store, ms->member_id, ms->claim_ids,
							 ms->claim_count);
	}
	for (size_t mi = 0; mi < f->member_count && rc == YB_OK; mi++) {
		member_slot *ms = &f->members[mi];
		yb_store_member sm;
		yb_fraud_window *w = yb_fraud_state_window(f->state, ms->member_id);

		if (w == NULL)
			return YB_ENOMEM;
		rc = yb_member_store_read_member(f->members_store, &sm, errstr, errlen);
		if (rc == YB_OK)
			rc = yb_fraud_store_read_member(f->store, w, f->params.member_window_days,
							ms->pending_claims, ms->pending_settlements,
							ms->pending_reversals, ms->judged, errstr,
							errlen);
		if (rc != YB_OK)
			return rc;
		rc = yb_member_store_load(f->ledger, ms->member_id, &sm);
		if (rc != YB_OK)
			return rc;
	}
	return rc;
}

/* The pending side of claim_id for member ms ('c' claim, 's' settlement, 'r' reversal,
 * 'a' the alerts of its judgment). */
static const yb_fraud_pending *pending_of(const member_slot *ms, const char *claim_id, char side)
{
	for (size_t i = 0; i < ms->claim_count; i++) {
		const yb_fraud_pending *p = side == 'c'   ? &ms->pending_claims[i]
					    : side == 's' ? &ms->pending_settlements[i]
					    : side == 'r' ? &ms->pending_reversals[i]
							  : &ms->judged[i];

		if (strcmp(ms->claim_ids[i], claim_id) == 0 && p->len > 0)
			return p;
	}
	return NULL;
}

/* A waiting half decoded into the batch's arena; NULL with errstr when it cannot be. */
static const yb_record *decode_pending(fraud_svc *f, const yb_fraud_pending *p, yb_record_type type,
				       char *errstr, size_t errlen)
{
	yb_record *rec = yb_arena_alloc(&f->arena, sizeof(*rec));

	if (rec == NULL) {
		snprintf(errstr, errlen, "out of batch memory");
		return NULL;
	}
	if (yb_avro_decode(f->avro, p->bytes, p->len, &f->arena, rec, errstr, errlen) != YB_OK)
		return NULL;
	if (rec->type != type) {
		snprintf(errstr, errlen, "a pending join entry holds a %s",
			 yb_record_desc_of(rec->type)->name);
		return NULL;
	}
	return rec;
}

/* The next action, for item it's claim_id at settlement position offset. */
static action *new_action(fraud_svc *f, const item *it, int64_t offset)
{
	action *a = &f->actions[f->action_count];

	memset(a, 0, sizeof(*a));
	a->partition = it->msg->m.partition;
	a->settlement_offset = offset;
	a->member_id = it->member_id;
	a->member = it->member;
	a->claim_id = it->claim_id;
	return a;
}

static void set_claim(action *a, const yb_claim *claim, int64_t offset, int64_t time_ms)
{
	a->claim = claim;
	a->claim_offset = offset;
	a->claim_time = time_ms;
}

static int by_position(const void *a, const void *b)
{
	const action *x = a, *y = b;

	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return (x->settlement_offset > y->settlement_offset) -
	       (x->settlement_offset < y->settlement_offset);
}

/*
 * Was this claim_id judged from another message (a resubmission: its settlement is a
 * duplicate and nothing will join it)? The same message read again after a crash is not.
 */
static bool resubmitted(fraud_svc *f, const item *it)
{
	const yb_fraud_window *w = yb_fraud_state_window(f->state, it->member_id);

	for (int i = 0; w != NULL && i < w->count; i++) {
		if (strcmp(w->visits[i].claim_id, it->claim_id) == 0)
			return w->visits[i].claim_pos != it->msg->m.offset;
	}
	return false;
}

/* Mark claim_id of member as paired in this batch; false when it already was. */
static bool first_pair(fraud_svc *f, const char *member_id, const char *claim_id)
{
	int created = 0;

	snprintf(f->join_key, sizeof(f->join_key), "%s\x1f%s", member_id, claim_id);
	return yb_strmap_put(f->joined, f->join_key, &created) != NULL && created;
}

/* Was claim_id of member paired in this batch? */
static bool paired(fraud_svc *f, const char *member_id, const char *claim_id)
{
	snprintf(f->join_key, sizeof(f->join_key), "%s\x1f%s", member_id, claim_id);
	return yb_strmap_get(f->joined, f->join_key) != NULL;
}

/* Index the batch's claims by member and claim_id: the first message of each. */
static int index_claims(fraud_svc *f, int n)
{
	yb_strmap_clear(f->claim_items, NULL);
	for (int i = 0; i < n; i++) {
		item *it = &f->items[i], **slot;
		int created;

		if (it->kind != CLAIM)
			continue;
		snprintf(f->join_key, sizeof(f->join_key), "%s\x1f%s", it->member_id, it->claim_id);
		if ((slot = yb_strmap_put(f->claim_items, f->join_key, &created)) == NULL)
			return YB_ENOMEM;
		if (created)
			*slot = it;
	}
	return YB_OK;
}

/* The batch's first claim message of the settlement item it, or NULL. */
static item *claim_item(fraud_svc *f, const item *it)
{
	item **slot;

	snprintf(f->join_key, sizeof(f->join_key), "%s\x1f%s", it->member_id, it->claim_id);
	slot = yb_strmap_get(f->claim_items, f->join_key);
	return slot != NULL ? *slot : NULL;
}

/*
 * Join: every claim with its settlement (in the batch or waiting in Redis), and every
 * reversal, into the batch's actions in settlement order; a claim_id pairs once (a claim
 * sent twice has one settlement that is not a duplicate). Returns YB_OK or an error.
 */
static int join(fraud_svc *f, int n, char *errstr, size_t errlen)
{
	f->action_count = 0;
	yb_strmap_clear(f->joined, NULL);
	if (index_claims(f, n) != YB_OK)
		return YB_ENOMEM;
	for (int i = 0; i < n; i++) {
		item *it = &f->items[i], *c;
		const yb_fraud_pending *p;
		const yb_record *rec;
		action *a;

		if (it->kind == SKIP || it->kind == CLAIM)
			continue;
		a = new_action(f, it, it->msg->m.offset);
		if (it->kind == REVERSED) {
			a->reversal = true;
			f->action_count++;
			continue;
		}
		a->settlement = &it->rec.as.settlement;
		/* The claim: in this batch (its first message), else waiting in Redis. */
		if ((c = claim_item(f, it)) != NULL && !c->joined) {
			c->joined = true;
			set_claim(a, &c->rec.as.claim, c->msg->m.offset, c->msg->m.timestamp_ms);
		}
		if (a->claim == NULL &&
		    (p = pending_of(&f->members[it->member], it->claim_id, 'c')) != NULL) {
			if ((rec = decode_pending(f, p, YB_RECORD_CLAIM, errstr, errlen)) == NULL)
				return YB_EIO;
			set_claim(a, &rec->as.claim, p->offset, p->time_ms);
		}
		if (a->claim != NULL && first_pair(f, it->member_id, it->claim_id)) {
			it->joined = true;
			f->action_count++;
		}
	}
	/* Claims whose settlement waited for them: judged at the settlement's position. */
	for (int i = 0; i < n; i++) {
		item *it = &f->items[i];
		const yb_fraud_pending *p;
		const yb_record *rec;
		action *a;

		if (it->kind != CLAIM || it->joined)
			continue;
		p = pending_of(&f->members[it->member], it->claim_id, 's');
		if (p == NULL || !first_pair(f, it->member_id, it->claim_id))
			continue;
		if ((rec = decode_pending(f, p, YB_RECORD_SETTLEMENT, errstr, errlen)) == NULL)
			return YB_EIO;
		it->joined = true;
		a = new_action(f, it, p->offset);
		a->settlement = &rec->as.settlement;
		set_claim(a, &it->rec.as.claim, it->msg->m.offset, it->msg->m.timestamp_ms);
		f->action_count++;
	}
	qsort(f->actions, f->action_count, sizeof(*f->actions), by_position);
	return YB_OK;
}

/*
 * A claim waiting in Redis for its settlement keeps only what the fraud rules read (the
 * dates, amounts, diagnoses, items, referral and submission): not its chronic disease,
 * treatments, injury cause, mental illness, travel, receipts or physician, which are health
 * data Redis need not hold (docs/SECURITY.md). Encoded into f->trimmed.
 */
static int trim_claim(fraud_svc *f, const yb_claim *claim, char *errstr, size_t errlen)
{
	yb_record r = {.type = YB_RECORD_CLAIM, .as.claim = *claim};
	yb_claim *c = &r.as.claim;

	c->compliant_fen = (yb_money){0};
	c->has_essential_drug_fen = false;
	c->essential_drug_fen = (yb_money){0};
	c->chronic_class = NULL;
	c->chronic_disease = NULL;
	c->has_treatments = false;
	c->treatments = NULL;
	c->treatments_count = 0;
	c->injury_cause = NULL;
	c->has_mental_illness = c->mental_illness = false;
	c->has_abroad = c->abroad = false;
	c->has_out_of_city = c->out_of_city = false;
	c->has_networked = c->networked = false;
	c->has_has_original_receipts = c->has_original_receipts = false;
	c->physician_id = NULL;
	f->trimmed.len = 0;
	return yb_avro_encode(&r, &f->trimmed, errstr, errlen);
}

/* Queue what is left of the batch to wait for its other half; returns the replies queued. */
static int queue_waiting(fraud_svc *f, int n)
{
	int replies = 0;

	/* What is left waits for its other half. */
	for (int i = 0; i < n; i++) {
		item *it = &f->items[i];
		const yb_message *m = &it->msg->m;
		yb_fraud_pending p = {.offset = m->offset,
				      .time_ms = m->timestamp_ms,
				      .bytes = m->value,
				      .len = m->len};
		int q;

		if ((it->kind != CLAIM && it->kind != SETTLEMENT) || it->joined)
			continue;
		if (it->kind == CLAIM &&
		    (resubmitted(f, it) || paired(f, it->member_id, it->claim_id))) {
			f->c.skipped++; /* a claim_id sent again: its settlement is a duplicate */
			continue;
		}
		if (it->kind == CLAIM) {
			char errstr[256];
			int rc = trim_claim(f, &it->rec.as.claim, errstr, sizeof(errstr));

			if (rc != YB_OK) {
				YB_LOG(YB_LOG_ERROR, "trim_failed", "{s:s}", "err", errstr);
				return rc;
			}
			p.bytes = f->trimmed.data;
			p.len = f->trimmed.len;
		}
		q = yb_fraud_store_queue_pending(f->store, it->member_id, it->claim_id,
						 it->kind == CLAIM ? 'c' : 's', &p);
		if (q < 0)
			return q;
		replies += q;
		f->c.waiting++;
	}
	return replies;
}

/*
 * One pass over the groups and institutions the batch's claims need, each once: queue their
 * reads, or (read) read them back into the working set, in the same order.
 */
static int institutions_pass(fraud_svc *f, yb_strmap *seen, bool read, char *errstr, size_t errlen)
{
	char key[3 * YB_FRAUD_ID_LEN];
	int rc = YB_OK;

	yb_strmap_clear(seen, NULL);
	for (size_t i = 0; rc == YB_OK && i < f->action_count; i++) {
		const yb_claim *c = f->actions[i].claim;
		int group_new = 0, institution_new = 0;

		if (c == NULL || strlen(c->institution_id) >= YB_FRAUD_ID_LEN)
			continue;
		yb_fraud_group_key(c, key, sizeof(key));
		if (yb_strmap_put(seen, key, &group_new) == NULL ||
		    yb_strmap_put(seen, c->institution_id, &institution_new) == NULL)
			return YB_ENOMEM;
		if (group_new && c->diagnoses_count > 0) {
			yb_fraud_group *g = read ? yb_fraud_state_group(f->state, key) : NULL;

			rc = !read ? yb_fraud_store_queue_group(f->store, c->institution_id, key)
			     : g == NULL ? YB_ENOMEM
					 : yb_fraud_store_read_group(f->store, g, errstr, errlen);
		}
		if (rc == YB_OK && institution_new) {
			yb_fraud_institution *in =
			    read ? yb_fraud_state_institution(f->state, c->institution_id) : NULL;

			rc = !read ? yb_fraud_store_queue_institution(f->store, c->institution_id)
			     : in == NULL
				 ? YB_ENOMEM
				 : yb_fraud_store_read_institution(f->store, in, errstr, errlen);
		}
	}
	return rc;
}

/* Read the institutions and groups the batch's claims need, in one round trip. */
static int read_institutions(fraud_svc *f, char *errstr, size_t errlen)
{
	int rc = institutions_pass(f, f->seen, false, errstr, errlen);

	return rc == YB_OK ? institutions_pass(f, f->seen, true, errstr, errlen) : rc;
}

/*
 * A judged claim's alerts as stored with its judgment (side 'a'): a count, then per alert
 * its rule, time, message key and Avro bytes; every number 8 bytes little-endian.
 */
static int judged_put(yb_buf *b, uint64_t v, const void *bytes, size_t len)
{
	if (yb_buf_reserve(b, 8 + len) != 0)
		return YB_ENOMEM;
	yb_le64_put(b->data + b->len, v);
	if (len > 0)
		memcpy(b->data + b->len + 8, bytes, len);
	b->len += 8 + len;
	return YB_OK;
}

static int judged_add(yb_buf *b, int rule, int64_t time_ms, const char *key, const yb_buf *avro)
{
	size_t key_len = strlen(key);

	yb_le64_put(b->data, yb_le64_get(b->data) + 1);
	if (judged_put(b, (uint64_t)rule, NULL, 0) != YB_OK ||
	    judged_put(b, (uint64_t)time_ms, NULL, 0) != YB_OK ||
	    judged_put(b, key_len, key, key_len) != YB_OK ||
	    judged_put(b, avro->len, avro->data, avro->len) != YB_OK)
		return YB_ENOMEM;
	return YB_OK;
}

/* Read a length-prefixed field of a stored judgment at *at; NULL when it overruns. */
static const uint8_t *judged_field(const yb_fraud_pending *p, size_t *at, uint64_t *v, bool bytes)
{
	const uint8_t *field;

	if (p->len - *at < 8)
		return NULL;
	*v = yb_le64_get(p->bytes + *at);
	*at += 8;
	field = p->bytes + *at;
	if (bytes) {
		if (*v > p->len - *at)
			return NULL;
		*at += (size_t)*v;
	}
	return field;
}

/* Publish a claim's alerts as stored when it was judged before (a batch read again). */
static int send_judged(fraud_svc *f, const yb_fraud_pending *p, const char *topic,
		       uint64_t *by_rule, char *errstr, size_t errlen)
{
	size_t at = 0;
	uint64_t count, rule, time_ms, key_len, len;
	const uint8_t *key, *avro;

	if (judged_field(p, &at, &count, false) == NULL)
		goto bad;
	for (uint64_t i = 0; i < count; i++) {
		char key_text[256];

		if (judged_field(p, &at, &rule, false) == NULL ||
		    judged_field(p, &at, &time_ms, false) == NULL ||
		    (key = judged_field(p, &at, &key_len, true)) == NULL ||
		    (avro = judged_field(p, &at, &len, true)) == NULL ||
		    rule >= YB_FRAUD_RULE_COUNT || key_len >= sizeof(key_text))
			goto bad;
		memcpy(key_text, key, (size_t)key_len);
		key_text[key_len] = '\0';
		if (yb_batch_loop_send(&f->loop, topic, key_text, avro, (size_t)len,
				       (int64_t)time_ms, errstr, errlen) != YB_OK)
			return YB_EIO;
		by_rule[rule]++;
	}
	return YB_OK;
bad:
	snprintf(errstr, errlen, "redis: a judged claim's alerts are not of this build's format");
	return YB_EIO;
}

/* Judge the batch's claims in order, send the alerts, queue the writes. Returns replies. */
static int judge(fraud_svc *f, uint64_t *by_rule, char *errstr, size_t errlen)
{
	const char *topic = yb_props_get(f->cfg, "topic.fraud-alerts");
	int replies = 0;

	for (size_t i = 0; i < f->action_count; i++) {
		const action *a = &f->actions[i];
		yb_judged_on on;
		member_slot *ms = &f->members[a->member];
		yb_fraud_result *r = &f->result;
		yb_claim_facts facts;
		yb_fraud_input in;
		const yb_fraud_pending *early, *before;
		int q;

		if (a->reversal) {
			yb_fraud_visit *v = yb_fraud_reverse(f->state, a->member_id, a->claim_id,
							     a->settlement_offset);
			yb_fraud_pending mark = {.offset = a->settlement_offset,
						 .bytes = (const uint8_t *)"r",
						 .len = 1};

			/* Its claim not judged yet (still waiting for a half): remember. */
			q = v != NULL ? yb_fraud_store_queue_visit(f->store, a->member_id, v)
				      : yb_fraud_store_queue_pending(f->store, a->member_id,
								     a->claim_id, 'r', &mark);
			if (q < 0)
				return q;
			replies += q;
			f->c.reversals++;
			continue;
		}
		/* The member as the adjudicator judged the claim (its settlement's judged_on). */
		yb_ledger_claim_facts(f->ledger, a->claim,
				      yb_judged_on_of(a->settlement, &on) ? &on : NULL, &facts);
		in.claim = a->claim;
		in.settlement = a->settlement;
		in.member = facts.member;
		in.institution = facts.institution;
		in.policy = facts.policy;
		in.order = a->settlement_offset;
		in.claim_pos = a->claim_offset;
		if (yb_fraud_check(&f->params, f->state, &in, r) != YB_OK)
			return YB_ENOMEM;
		/* Reversed before it could be judged: judged at its place, then taken out. */
		if (!r->skipped && (early = pending_of(ms, a->claim_id, 'r')) != NULL) {
			yb_fraud_reverse(f->state, a->member_id, a->claim_id, early->offset);
			r->visit.reversed = true;
			r->visit.reversed_at = early->offset;
		}
		/* Judged before, at this settlement (a batch read again): its alerts as they were.
		 */
		before = pending_of(ms, a->claim_id, 'a');
		if (before != NULL && before->offset == a->settlement_offset) {
			if (send_judged(f, before, topic, by_rule, errstr, errlen) != YB_OK)
				return YB_EIO;
			f->c.replayed++;
		} else if (!r->skipped) {
			yb_fraud_pending judged = {.offset = a->settlement_offset};

			f->judged.len = 0;
			if (judged_put(&f->judged, 0, NULL, 0) != YB_OK)
				return YB_ENOMEM;
			for (int k = 0; k < r->count; k++) {
				yb_record out = {.type = YB_RECORD_FRAUD_ALERT};
				const yb_fraud_alert *alert = &r->findings[k].alert;
				const char *key = alert->member_id != NULL ? alert->member_id
									   : alert->institution_id;

				out.as.fraud_alert = *alert;
				if (yb_avro_encode(&out, &f->out, errstr, errlen) != YB_OK)
					return YB_EINVAL;
				if (yb_batch_loop_send(&f->loop, topic, key, f->out.data,
						       f->out.len, alert->detected_at, errstr,
						       errlen) != YB_OK)
					return YB_EIO;
				if (judged_add(&f->judged, r->findings[k].rule, alert->detected_at,
					       key, &f->out) != YB_OK)
					return YB_ENOMEM;
				by_rule[r->findings[k].rule]++;
			}
			judged.bytes = f->judged.data;
			judged.len = f->judged.len;
			if ((q = yb_fraud_store_queue_pending(f->store, a->member_id, a->claim_id,
							      'a', &judged)) < 0)
				return q;
			replies += q;
		}
		if ((q = yb_fraud_store_queue_result(f->store, a->member_id, r)) < 0)
			return q;
		replies += q;
		f->c.checked++;
	}
	return replies;
}

/* After a failure: forget what was queued, reconnect, load the scripts again. */
static int reconnect(void *service, char *errstr, size_t errlen)
{
	fraud_svc *f = service;
	int rc;

	yb_member_store_reset(f->members_store);
	yb_fraud_store_reset(f->store);
	rc = yb_redis_reconnect(f->redis, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	yb_member_store_reconnected(f->members_store);
	yb_fraud_store_reconnected(f->store);
	return yb_fraud_store_prepare(f->store, errstr, errlen);
}

/* After the commit: the joins of the batch are done; forget them (best effort: TTL). */
static void forget_joins(fraud_svc *f)
{
	char errstr[256];
	size_t replies = 0;

	for (size_t i = 0; i < f->action_count; i++) {
		if (!f->actions[i].reversal &&
		    yb_fraud_store_queue_joined(f->store, f->actions[i].member_id,
						f->actions[i].claim_id) > 0)
			replies++;
	}
	if (replies > 0 && yb_fraud_store_sync(f->store, replies, errstr, sizeof(errstr)) != YB_OK)
		YB_LOG(YB_LOG_WARN, "join_cleanup_failed", "{s:s}", "err", errstr);
}

static int decode_step(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	fraud_svc *f = service;

	(void)errstr;
	(void)errlen;
	yb_arena_reset(&f->arena);
	return decode(f, (int)b->count);
}

/* Members (history, window, pending joins), the joins, the institutions' windows. */
static int read_step(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	fraud_svc *f = service;
	int rc = yb_fraud_store_prepare(f->store, errstr, errlen);

	if (rc == YB_OK)
		rc = read_members(f, (int)b->count, errstr, errlen);
	if (rc == YB_OK)
		rc = join(f, (int)b->count, errstr, errlen);
	if (rc == YB_OK)
		rc = read_institutions(f, errstr, errlen);
	return rc;
}

/* Add n replies (or pass on an error) to the batch's count. */
static int queued(fraud_svc *f, int n)
{
	if (n < 0)
		return n;
	f->replies += n;
	return YB_OK;
}

/*
 * Judge and queue the writes after the last read (replies come back in order), as one
 * MULTI/EXEC: a crash leaves all of them or none.
 */
static int process(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	fraud_svc *f = service;
	int rc;

	f->replies = 0;
	memset(f->batch_alerts, 0, sizeof(f->batch_alerts));
	rc = queued(f, yb_fraud_store_queue_multi(f->store));
	if (rc == YB_OK)
		rc = queued(f, queue_waiting(f, (int)b->count));
	if (rc == YB_OK)
		rc = queued(f, yb_fraud_store_queue_pruned(f->store));
	if (rc == YB_OK)
		rc = queued(f, judge(f, f->batch_alerts, errstr, errlen));
	if (rc == YB_OK)
		rc = queued(f, yb_fraud_store_queue_exec(f->store));
	return rc;
}

static int write(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	fraud_svc *f = service;

	int rc;

	(void)b;
	rc = yb_fraud_store_sync(f->store, (size_t)f->replies, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	/* On the replicas before the commit: a failover must not lose the windows. */
	return yb_redis_wait_written(f->redis, errstr, errlen);
}

static void after_commit(void *service, const yb_batch *b)
{
	fraud_svc *f = service;

	(void)b;
	for (int r = 0; r < YB_FRAUD_RULE_COUNT; r++) {
		f->c.by_rule[r] += f->batch_alerts[r];
		f->c.alerts += f->batch_alerts[r];
	}
	forget_joins(f);
}

static const yb_batch_steps steps = {
    .decode = decode_step,
    .read = read_step,
    .process = process,
    .write = write,
    .after_commit = after_commit,
    .reconnect = reconnect,
    .metrics = metrics,
};

static int setup(fraud_svc *f, char *errstr, size_t errlen)
{
	const yb_props *cfg = f->cfg;
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	char rules[4096];
	int rc;
	const char *topics[2] = {yb_props_get(cfg, "topic.claims"),
				 yb_props_get(cfg, "topic.settlements")};
	size_t max = (size_t)yb_config_int(cfg, "batch.max");

	if (strchr(yb_props_get(cfg, "fraud.rules"), '/') != NULL)
		snprintf(rules, sizeof(rules), "%s", yb_props_get(cfg, "fraud.rules"));
	else
		snprintf(rules, sizeof(rules), "%s/%s", yb_props_get(cfg, "policies"),
			 yb_props_get(cfg, "fraud.rules"));
	rc = yb_fraud_params_load(rules, &f->params, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_policy_load_dir(yb_props_get(cfg, "policies"), &sets, &set_count, errstr,
					errlen);
	if (rc == YB_OK)
		rc = yb_ledger_new(&f->ledger, sets, set_count);
	free(sets);
	if (rc == YB_OK)
		rc = yb_avro_new(&f->avro, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_fraud_state_new(&f->state);
	if (rc != YB_OK)
		return rc;
	rc = yb_service_redis_connect(cfg, &f->redis, &f->member_key, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_member_store_new(&f->members_store, f->redis,
					 yb_props_get(cfg, "redis.prefix"), f->member_key);
	if (rc == YB_OK)
		rc =
		    yb_fraud_store_new(&f->store, f->redis, yb_props_get(cfg, "redis.prefix"),
				       f->member_key, &f->params, yb_config_int(cfg, "join.ttl.s"));
	if (rc == YB_OK)
		rc = yb_fraud_store_prepare(f->store, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	/* Claims and settlements must be co-partitioned, and the output must exist. */
	{
		yb_end_probe *probe = yb_end_probe_new(cfg, errstr, errlen);
		int claims = 0, settlements = 0, alerts = 0;

		if (probe == NULL)
			return YB_EINVAL;
		rc = yb_end_probe_partitions(probe, topics[0], 10000, &claims, errstr, errlen);
		if (rc == YB_OK)
			rc = yb_end_probe_partitions(probe, topics[1], 10000, &settlements, errstr,
						     errlen);
		if (rc == YB_OK)
			rc = yb_end_probe_partitions(probe, yb_props_get(cfg, "topic.fraud-alerts"),
						     10000, &alerts, errstr, errlen);
		yb_end_probe_destroy(probe);
		if (rc != YB_OK)
			return rc;
		if (claims != settlements) {
			snprintf(errstr, errlen,
				 "claims and settlements must have the same partition count "
				 "(co-partitioned by member_id); they have %d and %d",
				 claims, settlements);
			return YB_EINVAL;
		}
	}
	rc = yb_batch_loop_init(&f->loop, &f->svc, topics, 2, &steps, f, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	f->batch = f->loop.batch.msgs;
	f->items = calloc(max, sizeof(*f->items));
	f->actions = calloc(max, sizeof(*f->actions));
	f->arena_memory = malloc(ARENA_SIZE);
	f->event_arena = malloc(EVENT_ARENA);
	f->member_index = yb_strmap_new(sizeof(int));
	f->joined = yb_strmap_new(1);
	f->claim_items = yb_strmap_new(sizeof(item *));
	f->seen = yb_strmap_new(1);
	if (f->items == NULL || f->actions == NULL || f->arena_memory == NULL ||
	    f->event_arena == NULL || f->member_index == NULL || f->joined == NULL ||
	    f->claim_items == NULL || f->seen == NULL)
		return YB_ENOMEM;
	yb_arena_init(&f->arena, f->arena_memory, ARENA_SIZE);
	return YB_OK;
}

static void teardown(fraud_svc *f)
{
	yb_batch_loop_destroy(&f->loop);
	yb_fraud_store_destroy(f->store);
	yb_member_store_destroy(f->members_store);
	yb_member_key_destroy(f->member_key);
	yb_redis_destroy(f->redis);
	yb_ledger_destroy(f->ledger);
	yb_avro_destroy(f->avro);
	yb_fraud_state_destroy(f->state);
	yb_strmap_destroy(f->member_index, NULL);
	yb_strmap_destroy(f->joined, NULL);
	yb_strmap_destroy(f->claim_items, NULL);
	yb_strmap_destroy(f->seen, NULL);
	free(f->items);
	free(f->actions);
	free(f->members);
	free(f->ids);
	free(f->pending);
	free(f->arena_memory);
	free(f->event_arena);
	yb_buf_free(&f->out);
	yb_buf_free(&f->trimmed);
	yb_buf_free(&f->judged);
	yb_daemon_stop(&f->svc);
}

int main(int argc, char **argv)
{
	static fraud_svc f;
	char errstr[512];
	int status = yb_service_start(
	    &f.svc, "fraud-svc",
	    "Consume claims and their settlements, join them by claim_id, run the fraud and\n"
	    "abuse rules (docs/FRAUD.md; parameters in policies/fraud.conf) against each\n"
	    "member's and institution's recent history in Redis, and publish fraud_alert\n"
	    "records exactly once, one per finding with a stable alert_id. Needs\n"
	    "enrollment-svc and the adjudicator running.",
	    argc, argv, config_keys, KEYS);

	if (status >= 0)
		return status;
	f.cfg = f.svc.config;
	if (setup(&f, errstr, sizeof(errstr)) != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
		teardown(&f);
		return 1;
	}
	/* The endpoint was validated: it holds no '@', no credentials. */
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:s, s:s, s:i}", "brokers",
	       yb_props_get(f.cfg, "kafka.bootstrap.servers"), "redis", yb_redis_endpoint(f.redis),
	       "member_keys", f.member_key != NULL ? "hmac" : "clear", "http_port",
	       yb_http_port(f.svc.http));
	status = yb_batch_loop_run(&f.loop);
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I, s:I, s:I}", "consumed", (json_int_t)f.loop.c.consumed,
	       "checked", (json_int_t)f.c.checked, "alerts", (json_int_t)f.c.alerts);
	teardown(&f);
	return status;
}
