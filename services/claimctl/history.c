/* The recorded history and the pipeline's decisions taken again; see history.h. */
#include "history.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json.h"
#include "kafka/snapshot.h"
#include "base/error.h"

#define ARENA_SIZE (1u << 20)

static int collect(const yb_message *m, void *opaque)
{
	history *h = opaque;
	history_event *e;

	if (yb_array_grow((void **)&h->events, &h->cap, h->count + 1, sizeof(*h->events)) != 0)
		return YB_ENOMEM;
	e = &h->events[h->count];
	memset(e, 0, sizeof(*e));
	e->value = malloc(m->len > 0 ? m->len : 1);
	if (e->value == NULL)
		return YB_ENOMEM;
	memcpy(e->value, m->value, m->len);
	e->len = m->len;
	if (m->key != NULL) {
		e->key = malloc(m->key_len > 0 ? m->key_len : 1);
		if (e->key == NULL) {
			free(e->value);
			return YB_ENOMEM;
		}
		memcpy(e->key, m->key, m->key_len);
		e->key_len = m->key_len;
	}
	e->rank = h->rank;
	e->time = m->timestamp_ms;
	e->partition = m->partition;
	e->offset = m->offset;
	if (h->rank != HISTORY_CLAIMS && m->partition >= 0 &&
	    m->partition < HISTORY_MAX_PARTITIONS && m->offset + 1 > h->ends[h->rank][m->partition])
		h->ends[h->rank][m->partition] = m->offset + 1;
	h->count++;
	return YB_OK;
}

/* Keep the first recorded settlement (not a duplicate) of each position or claim_id. */
static int keep_recorded(yb_strmap *map, const char *key, const yb_message *m)
{
	int created;
	history_recorded *slot = yb_strmap_put(map, key, &created);

	if (slot == NULL)
		return YB_ENOMEM;
	if (!created)
		return YB_OK;
	slot->bytes = malloc(m->len);
	if (slot->bytes == NULL)
		return YB_ENOMEM;
	memcpy(slot->bytes, m->value, m->len);
	slot->len = m->len;
	return YB_OK;
}

static int collect_settlement(const yb_message *m, void *opaque)
{
	history *h = opaque;
	yb_arena arena;
	yb_record rec;
	const yb_settlement *s = &rec.as.settlement;
	yb_judged_on on;
	char errstr[256], key[300];
	int created;
	char **owner;

	yb_arena_init(&arena, h->recorded_arena, ARENA_SIZE);
	if (yb_avro_decode(h->avro, m->value, m->len, &arena, &rec, errstr, sizeof(errstr)) !=
		YB_OK ||
	    rec.type != YB_RECORD_SETTLEMENT) {
		h->undecodable++;
		return YB_OK;
	}
	h->settlements++;
	if (s->duplicate)
		return YB_OK;
	owner = yb_strmap_put(h->owners, s->claim_id, &created);
	if (owner == NULL || (created && (*owner = strdup(s->member_id)) == NULL))
		return YB_ENOMEM;
	if (yb_judged_on_of(s, &on)) {
		snprintf(key, sizeof(key), "%d/%" PRId64, (int)on.partition, on.offset);
		return keep_recorded(h->by_position, key, m);
	}
	snprintf(key, sizeof(key), "%s%s", s->claim_id,
		 strcmp(s->status, "reversed") == 0 ? "\x01r" : "");
	return keep_recorded(h->by_claim, key, m);
}

static void free_recorded(void *value)
{
	free(((history_recorded *)value)->bytes);
}

static void free_owner(void *value)
{
	free(*(char **)value);
}

int history_read(history *h, const yb_props *props, const char *const topics[4],
		 const char *settlements, const char *command, char *errstr, size_t errlen)
{
	size_t n = 0;
	int rc;

	h->by_position = yb_strmap_new(sizeof(history_recorded));
	h->by_claim = yb_strmap_new(sizeof(history_recorded));
	h->owners = yb_strmap_new(sizeof(char *));
	h->arena = malloc(ARENA_SIZE);
	h->recorded_arena = malloc(ARENA_SIZE);
	if (h->by_position == NULL || h->by_claim == NULL || h->owners == NULL ||
	    h->arena == NULL || h->recorded_arena == NULL)
		return YB_ENOMEM;
	rc = yb_avro_new(&h->avro, errstr, errlen);
	for (int t = 0; rc == YB_OK && t < 4; t++) {
		h->rank = t;
		n = 0;
		rc = yb_snapshot_read(props, topics[t], 10000, collect, h, &n, errstr, errlen);
		if (rc == YB_OK)
			fprintf(stderr, "claimctl %s: %-13s %8zu records\n", command, topics[t], n);
	}
	if (rc == YB_OK && settlements != NULL) {
		n = 0;
		rc = yb_snapshot_read(props, settlements, 10000, collect_settlement, h, &n, errstr,
				      errlen);
		if (rc == YB_OK)
			fprintf(stderr, "claimctl %s: %-13s %8zu recorded\n", command, settlements,
				n);
	}
	return rc;
}

void history_free(history *h)
{
	for (size_t i = 0; i < h->count; i++) {
		free(h->events[i].value);
		free(h->events[i].key);
	}
	free(h->events);
	yb_strmap_destroy(h->by_position, free_recorded);
	yb_strmap_destroy(h->by_claim, free_recorded);
	yb_strmap_destroy(h->owners, free_owner);
	yb_avro_destroy(h->avro);
	free(h->arena);
	free(h->recorded_arena);
	memset(h, 0, sizeof(*h));
}

/* The pipeline's order: institutions, the member events, then each partition's claims. */
static int by_pipeline_order(const void *a, const void *b)
{
	const history_event *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	if (x->partition != y->partition)
		return x->partition < y->partition ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int history_take(history *h, yb_ledger *ledger, const history_event *e, yb_arena *arena,
		 yb_record *rec, char *why, size_t whylen)
{
	static const yb_record_type expected[] = {YB_RECORD_INSTITUTION, YB_RECORD_ENROLLMENT,
						  YB_RECORD_PAYMENT, YB_RECORD_CLAIM};
	int rc = yb_avro_decode(h->avro, e->value, e->len, arena, rec, why, whylen);

	if (rc != YB_OK)
		return rc;
	if (rec->type != expected[e->rank] &&
	    !(e->rank == HISTORY_CLAIMS && rec->type == YB_RECORD_REVERSAL)) {
		snprintf(why, whylen, "a %s record on the %s topic",
			 yb_record_desc_of(rec->type)->name,
			 yb_record_desc_of(expected[e->rank])->name);
		return YB_EINVAL;
	}
	if (e->rank == HISTORY_INSTITUTIONS)
		return yb_ledger_admit(ledger, rec, NULL, 0, why, whylen);
	return yb_ledger_admit(ledger, rec, e->key != NULL ? (const void *)e->key : "", e->key_len,
			       why, whylen);
}

/* The settlement recorded for a claims-topic message, and its judged_on when it has one. */
static const history_recorded *recorded_for(history *h, const history_event *e,
					    const yb_record *rec, yb_judged_on *on, bool *has_on)
{
	char key[300];
	const history_recorded *r;
	yb_arena arena;
	yb_record s;
	char errstr[128];

	*has_on = false;
	snprintf(key, sizeof(key), "%d/%" PRId64, (int)e->partition, e->offset);
	r = yb_strmap_get(h->by_position, key);
	if (r != NULL) {
		yb_arena_init(&arena, h->recorded_arena, ARENA_SIZE);
		if (yb_avro_decode(h->avro, r->bytes, r->len, &arena, &s, errstr, sizeof(errstr)) ==
		    YB_OK)
			*has_on = yb_judged_on_of(&s.as.settlement, on);
		return r;
	}
	if (rec == NULL)
		return NULL;
	/* Written before settlements recorded judged_on: by claim_id. */
	snprintf(key, sizeof(key), "%s%s",
		 rec->type == YB_RECORD_CLAIM ? rec->as.claim.claim_id : rec->as.reversal.claim_id,
		 rec->type == YB_RECORD_REVERSAL ? "\x01r" : "");
	return yb_strmap_get(h->by_claim, key);
}

int history_replay(history *h, yb_ledger *ledger, history_view view, const int64_t *claims_end,
		   int (*fn)(const history_decision *decision, void *opaque), void *opaque,
		   history_counts *counts, char *errstr, size_t errlen)
{
	yb_arena arena;
	char why[512];
	int rc = YB_OK;

	memset(counts, 0, sizeof(*counts));
	qsort(h->events, h->count, sizeof(h->events[0]), by_pipeline_order);
	for (size_t i = 0; i < h->count && rc >= 0; i++) {
		const history_event *e = &h->events[i];
		history_decision d = {.message = e};
		yb_record rec;
		yb_judged_on on;
		bool has_on = false;
		char *member = NULL;

		if (e->partition < 0 || e->partition >= HISTORY_MAX_PARTITIONS)
			continue;
		if (e->rank == HISTORY_CLAIMS && claims_end != NULL &&
		    e->offset >= claims_end[e->partition]) {
			counts->skipped++; /* not judged yet: the adjudicator will */
			continue;
		}
		yb_arena_init(&arena, h->arena, ARENA_SIZE);
		rc = history_take(h, ledger, e, &arena, &rec, why, sizeof(why));
		if (e->rank == HISTORY_INSTITUTIONS) {
			counts->institutions++;
			rc = rc == YB_OK ? yb_ledger_add_institution(ledger, &rec.as.institution,
								     e->offset, why, sizeof(why))
					 : YB_OK;
			continue;
		}
		if (e->rank != HISTORY_CLAIMS) {
			bool enrollment = e->rank == HISTORY_ENROLLMENTS;

			if (rc != YB_OK) {
				counts->refused_events++;
				rc = YB_OK;
				continue;
			}
			counts->events++;
			rc = yb_ledger_add_event(
			    ledger,
			    enrollment ? rec.as.enrollment.member_id : rec.as.payment.member_id,
			    yb_record_time(&rec),
			    enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT,
			    e->partition, e->offset, e->value, e->len);
			continue;
		}
		counts->claims++;
		if (rc != YB_OK) {
			counts->refused_claims++;
			d.record = rc == YB_EINVAL ? &rec : NULL;
			d.refused = why;
			d.recorded = recorded_for(h, e, NULL, &on, &has_on);
			rc = fn(&d, opaque);
			continue;
		}
		if (rec.type == YB_RECORD_REVERSAL && rec.as.reversal.member_id == NULL) {
			/* Admitted: its Kafka key names the member. */
			member = malloc(e->key_len + 1);
			if (member == NULL)
				return YB_ENOMEM;
			memcpy(member, e->key, e->key_len);
			member[e->key_len] = '\0';
			rec.as.reversal.member_id = member;
		}
		d.record = &rec;
		d.recorded = recorded_for(h, e, &rec, &on, &has_on);
		d.judged_as_recorded = view == HISTORY_AS_JUDGED && has_on;
		if (!d.judged_as_recorded) {
			/* Judged on everything the topics hold now. */
			on.partition = e->partition;
			on.offset = e->offset;
			on.enrollments = h->ends[HISTORY_ENROLLMENTS][e->partition];
			on.payments = h->ends[HISTORY_PAYMENTS][e->partition];
			on.institutions = h->ends[HISTORY_INSTITUTIONS][0];
		}
		if (rec.type == YB_RECORD_CLAIM && d.recorded == NULL) {
			/* Not the first settlement of its claim_id: a duplicate, or refused as
			 * another member's: the registry's answer is the recorded owner. */
			char **owner = yb_strmap_get(h->owners, rec.as.claim.claim_id);

			if (owner != NULL && strcmp(*owner, rec.as.claim.member_id) != 0)
				rc = yb_ledger_load_owner(ledger, rec.as.claim.claim_id, *owner);
		}
		if (rc == YB_OK)
			rc = yb_ledger_judge(ledger, &rec, &on, &d.settlement, why, sizeof(why));
		if (rc >= 0 && !d.settlement->duplicate)
			yb_ledger_set_source(ledger,
					     rec.type == YB_RECORD_CLAIM ? rec.as.claim.claim_id
									 : rec.as.reversal.claim_id,
					     rec.type == YB_RECORD_REVERSAL, e->partition,
					     e->offset);
		if (rc < 0) {
			snprintf(errstr, errlen, "claims [%d] offset %" PRId64 ": %s",
				 (int)e->partition, e->offset, why);
			free(member);
			return rc;
		}
		rc = fn(&d, opaque);
		free(member);
	}
	return rc;
}

/* Does claim e wait for its claim_id's owner, another member, to be written first? The
 * registry gave the claim_id to whoever came first across partitions: the file must too. */
static bool waits_for_owner(history *h, const history_event *e, yb_strmap *owned, char *memory)
{
	yb_arena arena;
	yb_record rec;
	char errstr[128];
	char **owner;

	yb_arena_init(&arena, memory, ARENA_SIZE);
	if (yb_avro_decode(h->avro, e->value, e->len, &arena, &rec, errstr, sizeof(errstr)) !=
		YB_OK ||
	    rec.type != YB_RECORD_CLAIM)
		return false;
	owner = yb_strmap_get(h->owners, rec.as.claim.claim_id);
	return owner != NULL && strcmp(*owner, rec.as.claim.member_id) != 0 &&
	       yb_strmap_get(owned, rec.as.claim.claim_id) == NULL;
}

/* Write e as a JSON line when the pipeline took it; a reversal gets its member from the key.
 * owned (when not NULL) records the claim_ids whose owner's claim is out. */
static int export_one(history *h, yb_ledger *ledger, const history_event *e, yb_buf *scratch,
		      FILE *out, uint64_t *written, yb_strmap *owned)
{
	yb_arena arena;
	yb_record rec;
	char why[512], member[YB_LEDGER_ID_MAX + 1];

	yb_arena_init(&arena, h->arena, ARENA_SIZE);
	if (history_take(h, ledger, e, &arena, &rec, why, sizeof(why)) != YB_OK)
		return YB_OK; /* dead-lettered by the pipeline: nothing to adjudicate */
	if (rec.type == YB_RECORD_REVERSAL && rec.as.reversal.member_id == NULL) {
		snprintf(member, sizeof(member), "%.*s", (int)e->key_len, (const char *)e->key);
		rec.as.reversal.member_id = member;
	}
	if (owned != NULL && rec.type == YB_RECORD_CLAIM) {
		char **owner = yb_strmap_get(h->owners, rec.as.claim.claim_id);
		int created;

		if (owner != NULL && strcmp(*owner, rec.as.claim.member_id) == 0 &&
		    yb_strmap_put(owned, rec.as.claim.claim_id, &created) == NULL)
			return YB_ENOMEM;
	}
	(*written)++;
	return yb_json_write_line(&rec, scratch, out);
}

/* The index of the first event of rank in events[0..n) (sorted by pipeline order). */
static size_t first_of_rank(const history *h, int rank)
{
	size_t i = 0;

	while (i < h->count && h->events[i].rank < rank)
		i++;
	return i;
}

int history_export(history *h, yb_ledger *ledger, FILE *out, uint64_t *written, char *errstr,
		   size_t errlen)
{
	size_t start[5], next_inst, *next_event[2] = {NULL, NULL}, *head = NULL;
	int partitions = 0, rc = YB_OK;
	yb_buf scratch = {0};
	yb_strmap *owned = yb_strmap_new(1);
	char *memory = malloc(ARENA_SIZE);

	*written = 0;
	qsort(h->events, h->count, sizeof(h->events[0]), by_pipeline_order);
	for (int r = 0; r <= 4; r++)
		start[r] = r == 4 ? h->count : first_of_rank(h, r);
	for (size_t i = 0; i < h->count; i++)
		if (h->events[i].partition + 1 > partitions &&
		    h->events[i].partition < HISTORY_MAX_PARTITIONS)
			partitions = h->events[i].partition + 1;
	next_event[0] = calloc((size_t)partitions + 1, sizeof(size_t));
	next_event[1] = calloc((size_t)partitions + 1, sizeof(size_t));
	head = calloc((size_t)partitions + 1, sizeof(size_t));
	if (next_event[0] == NULL || next_event[1] == NULL || head == NULL || owned == NULL ||
	    memory == NULL) {
		rc = YB_ENOMEM;
		goto out;
	}
	/* Each partition's cursor into the enrollments, payments and claims (sorted by
	 * partition, then offset). */
	for (int t = 0; t < 2; t++) {
		for (int p = 0; p < partitions; p++) {
			size_t i = start[HISTORY_ENROLLMENTS + t];

			while (i < start[HISTORY_ENROLLMENTS + t + 1] && h->events[i].partition < p)
				i++;
			next_event[t][p] = i;
		}
	}
	for (int p = 0; p < partitions; p++) {
		size_t i = start[HISTORY_CLAIMS];

		while (i < start[4] && h->events[i].partition < p)
			i++;
		head[p] = i;
	}
	next_inst = start[HISTORY_INSTITUTIONS];
	/* Merge the partitions' claims by the institutions offset they were judged on (each
	 * partition's in offset order); before each, what it was judged on. */
	for (;;) {
		int best = -1;
		yb_judged_on best_on = {0};

		/* A claim waiting for its claim_id's owner goes after it; when every partition
		 * waits (a cycle), the first goes anyway. */
		for (int pass = 0; pass < 2 && best < 0; pass++) {
			for (int p = 0; p < partitions; p++) {
				const history_event *e;
				yb_judged_on on;
				bool has_on = false;

				if (head[p] >= start[4] || h->events[head[p]].partition != p)
					continue;
				e = &h->events[head[p]];
				if (pass == 0 && waits_for_owner(h, e, owned, memory))
					continue;
				recorded_for(h, e, NULL, &on, &has_on);
				if (!has_on) {
					/* Not recorded with judged_on: as of what is out so far. */
					on.institutions = 0;
					on.enrollments = on.payments = 0;
				}
				if (best < 0 || on.institutions < best_on.institutions) {
					best = p;
					best_on = on;
				}
			}
		}
		if (best < 0)
			break;
		while (next_inst < start[HISTORY_ENROLLMENTS] &&
		       h->events[next_inst].offset < best_on.institutions && rc == YB_OK)
			rc = export_one(h, ledger, &h->events[next_inst++], &scratch, out, written,
					NULL);
		for (int t = 0; t < 2 && rc == YB_OK; t++) {
			size_t *i = &next_event[t][best];
			int64_t limit = t == 0 ? best_on.enrollments : best_on.payments;

			while (*i < start[HISTORY_ENROLLMENTS + t + 1] &&
			       h->events[*i].partition == best && h->events[*i].offset < limit &&
			       rc == YB_OK)
				rc = export_one(h, ledger, &h->events[(*i)++], &scratch, out,
						written, NULL);
		}
		if (rc == YB_OK)
			rc = export_one(h, ledger, &h->events[head[best]++], &scratch, out, written,
					owned);
		if (rc != YB_OK)
			break;
	}
	/* What no claim was judged on yet. */
	for (size_t i = start[HISTORY_INSTITUTIONS]; rc == YB_OK && i < start[HISTORY_CLAIMS];
	     i++) {
		const history_event *e = &h->events[i];
		bool done = e->rank == HISTORY_INSTITUTIONS
				? i < next_inst
				: i < next_event[e->rank - HISTORY_ENROLLMENTS][e->partition];

		if (!done)
			rc = export_one(h, ledger, e, &scratch, out, written, NULL);
	}
out:
	if (rc != YB_OK)
		snprintf(errstr, errlen, "export: %s", yb_strerror(rc));
	free(next_event[0]);
	free(next_event[1]);
	free(head);
	free(memory);
	yb_strmap_destroy(owned, NULL);
	yb_buf_free(&scratch);
	return rc;
}
