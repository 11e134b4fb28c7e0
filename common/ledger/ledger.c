/*
 * The in-memory ledger; see ledger.h. Recorded settlements are kept as Avro single-object
 * bytes (the codec's own form), so a duplicate or a reversal reads back exactly what was
 * published.
 */
#include "ledger/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "ledger/strmap.h"
#include "rules/adjudicate.h"
#include "rules/date.h"
#include "rules/error.h"

#define MAX_YEARS     8
#define ARENA_SIZE    (256 * 1024)
#define INST_MEM_SIZE 2048

typedef struct year_entry {
	int32_t year;
	yb_year_acc acc;
} year_entry;

typedef struct member_entry {
	char scheme[YB_POLICY_NAME_LEN];
	yb_member member;
	int year_count;
	year_entry years[MAX_YEARS];
} member_entry;

typedef struct institution_entry {
	yb_institution inst;
	char memory[INST_MEM_SIZE];
} institution_entry;

typedef struct claim_entry {
	uint8_t *settlement; /* Avro single-object bytes */
	size_t settlement_len;
	uint8_t *reversal;
	size_t reversal_len;
	yb_year_acc delta;
	char member_id[128];
	int32_t year;
	int level; /* of the institution, for referrals */
	bool rejected;
} claim_entry;

struct yb_ledger {
	yb_policy_set *sets;
	size_t set_count;
	yb_strmap *members;      /* member_id → member_entry * */
	yb_strmap *institutions; /* institution_id → institution_entry * */
	yb_strmap *claims;       /* claim_id → claim_entry * */
	yb_strmap *events;       /* event_id → (nothing) */
	yb_avro *avro;
	yb_buf buf;
	yb_arena arena;
	char *arena_memory;
	yb_adjudication adjudication;
	yb_record decoded;
};

static void free_pointer(void *value)
{
	free(*(void **)value);
}

static void free_claim(void *value)
{
	claim_entry *c = *(claim_entry **)value;

	if (c != NULL) {
		free(c->settlement);
		free(c->reversal);
		free(c);
	}
}

int yb_ledger_new(yb_ledger **out, const yb_policy_set *sets, size_t count)
{
	yb_ledger *l = calloc(1, sizeof(*l));
	char errstr[256];

	*out = NULL;
	if (l == NULL)
		return YB_ENOMEM;
	l->sets = malloc((count > 0 ? count : 1) * sizeof(*sets));
	l->members = yb_strmap_new(sizeof(member_entry *));
	l->institutions = yb_strmap_new(sizeof(institution_entry *));
	l->claims = yb_strmap_new(sizeof(claim_entry *));
	l->events = yb_strmap_new(1);
	l->arena_memory = malloc(ARENA_SIZE);
	if (l->sets == NULL || l->members == NULL || l->institutions == NULL || l->claims == NULL ||
	    l->events == NULL || l->arena_memory == NULL ||
	    yb_avro_new(&l->avro, errstr, sizeof(errstr)) != YB_OK) {
		yb_ledger_destroy(l);
		return YB_ENOMEM;
	}
	memcpy(l->sets, sets, count * sizeof(*sets));
	l->set_count = count;
	yb_arena_init(&l->arena, l->arena_memory, ARENA_SIZE);
	*out = l;
	return YB_OK;
}

void yb_ledger_destroy(yb_ledger *l)
{
	if (l == NULL)
		return;
	yb_strmap_destroy(l->members, free_pointer);
	yb_strmap_destroy(l->institutions, free_pointer);
	yb_strmap_destroy(l->claims, free_claim);
	yb_strmap_destroy(l->events, NULL);
	yb_avro_destroy(l->avro);
	yb_buf_free(&l->buf);
	free(l->arena_memory);
	free(l->sets);
	free(l);
}

void yb_ledger_stats_get(const yb_ledger *l, yb_ledger_stats *stats)
{
	stats->members = yb_strmap_count(l->members);
	stats->institutions = yb_strmap_count(l->institutions);
	stats->claims = yb_strmap_count(l->claims);
	stats->events = yb_strmap_count(l->events);
}

static const yb_policy_set *set_of(const yb_ledger *l, const char *scheme)
{
	for (size_t i = 0; i < l->set_count; i++) {
		if (strcmp(l->sets[i].scheme, scheme) == 0)
			return &l->sets[i];
	}
	return NULL;
}

/* The entry of a member (created when create is set), or NULL. */
static member_entry *member_of(yb_ledger *l, const char *member_id, int create)
{
	member_entry **slot;
	int created;

	if (!create) {
		slot = yb_strmap_get(l->members, member_id);
		return slot != NULL ? *slot : NULL;
	}
	slot = yb_strmap_put(l->members, member_id, &created);
	if (slot == NULL)
		return NULL;
	if (created)
		*slot = calloc(1, sizeof(member_entry));
	return *slot;
}

/* The accumulators of a year (created zero when absent; the oldest year dropped when full). */
static yb_year_acc *year_of(member_entry *m, int32_t year)
{
	int oldest = 0;

	for (int i = 0; i < m->year_count; i++) {
		if (m->years[i].year == year)
			return &m->years[i].acc;
		if (m->years[i].year < m->years[oldest].year)
			oldest = i;
	}
	if (m->year_count == MAX_YEARS)
		m->years[oldest] = m->years[--m->year_count];
	memset(&m->years[m->year_count], 0, sizeof(m->years[0]));
	m->years[m->year_count].year = year;
	return &m->years[m->year_count++].acc;
}

/* The accumulators of a year when the member has them, else NULL. */
static const yb_year_acc *find_year(const member_entry *m, int32_t year)
{
	for (int i = 0; i < m->year_count; i++) {
		if (m->years[i].year == year)
			return &m->years[i].acc;
	}
	return NULL;
}

/* A repeated event_id? Records it when new. */
static int seen_event(yb_ledger *l, const char *event_id)
{
	int created;

	if (yb_strmap_put(l->events, event_id, &created) == NULL)
		return 0;
	return !created;
}

static int apply_institution(yb_ledger *l, const yb_institution *inst, char *errstr, size_t errlen)
{
	institution_entry **slot;
	yb_record r = {.type = YB_RECORD_INSTITUTION};
	yb_record copy;
	yb_arena arena;
	int created;

	r.as.institution = *inst;
	if (yb_avro_encode(&r, &l->buf, errstr, errlen) != YB_OK)
		return YB_EINVAL;
	slot = yb_strmap_put(l->institutions, inst->institution_id, &created);
	if (slot == NULL || (created && (*slot = calloc(1, sizeof(institution_entry))) == NULL))
		return YB_ENOMEM;
	/* The latest record is the truth (a compacted topic). */
	yb_arena_init(&arena, (*slot)->memory, sizeof((*slot)->memory));
	if (yb_avro_decode(l->avro, l->buf.data, l->buf.len, &arena, &copy, errstr, errlen) !=
	    YB_OK) {
		snprintf(errstr, errlen, "institution %s: too large to keep", inst->institution_id);
		return YB_EINVAL;
	}
	(*slot)->inst = copy.as.institution;
	return 0;
}

static int apply_enrollment(yb_ledger *l, const yb_enrollment *e, char *errstr, size_t errlen)
{
	member_entry *m;

	if (set_of(l, e->scheme) == NULL) {
		snprintf(errstr, errlen, "enrollment.scheme: unknown scheme '%s'", e->scheme);
		return YB_EINVAL;
	}
	if (seen_event(l, e->event_id))
		return 0;
	m = member_of(l, e->member_id, 1);
	if (m == NULL)
		return YB_ENOMEM;
	if (strcmp(e->action, "enroll") == 0)
		snprintf(m->scheme, sizeof(m->scheme), "%s", e->scheme);
	yb_member_apply_enrollment(&m->member, e);
	return 0;
}

static int apply_payment(yb_ledger *l, const yb_payment *p, char *errstr, size_t errlen)
{
	const yb_policy_set *set = set_of(l, p->scheme);
	member_entry *m;

	if (set == NULL) {
		snprintf(errstr, errlen, "payment.scheme: unknown scheme '%s'", p->scheme);
		return YB_EINVAL;
	}
	if (seen_event(l, p->event_id))
		return 0;
	m = member_of(l, p->member_id, 1);
	if (m == NULL)
		return YB_ENOMEM;
	if (yb_member_apply_payment(
		&m->member, yb_policy_in_force(set, yb_date_of_instant(p->paid_at)), p) != 0) {
		snprintf(errstr, errlen, "payment: kind %s needs %s", p->kind,
			 strcmp(p->kind, "contribution") == 0 ? "period (YYYY-MM)"
							      : "coverage_year");
		return YB_EINVAL;
	}
	return 0;
}

/* Read a recorded settlement back into l->decoded. */
static const yb_settlement *recorded(yb_ledger *l, const uint8_t *bytes, size_t len, char *errstr,
				     size_t errlen)
{
	yb_arena_reset(&l->arena);
	if (yb_avro_decode(l->avro, bytes, len, &l->arena, &l->decoded, errstr, errlen) != YB_OK)
		return NULL;
	return &l->decoded.as.settlement;
}

static uint8_t *keep(yb_ledger *l, const yb_settlement *s, size_t *len, char *errstr, size_t errlen)
{
	yb_record r = {.type = YB_RECORD_SETTLEMENT};
	uint8_t *copy;

	r.as.settlement = *s;
	if (yb_avro_encode(&r, &l->buf, errstr, errlen) != YB_OK)
		return NULL;
	copy = malloc(l->buf.len);
	if (copy != NULL)
		memcpy(copy, l->buf.data, l->buf.len);
	*len = l->buf.len;
	return copy;
}

static int apply_claim(yb_ledger *l, const yb_claim *c, const yb_settlement **out, char *errstr,
		       size_t errlen)
{
	const yb_policy_set *set = set_of(l, c->scheme);
	claim_entry **slot, *entry;
	member_entry *m;
	institution_entry **inst;
	yb_year_acc *acc, empty = {0}, previous = {0};
	yb_claim_context ctx = {.referred_from_level = -1};
	yb_adjudication *a = &l->adjudication;
	int created;

	if (yb_claim_check(c, errstr, errlen) != 0)
		return YB_EINVAL;
	if (set == NULL) {
		snprintf(errstr, errlen, "claim.scheme: unknown scheme '%s'", c->scheme);
		return YB_EINVAL;
	}
	slot = yb_strmap_put(l->claims, c->claim_id, &created);
	if (slot == NULL)
		return YB_ENOMEM;
	if (!created) {
		/* Idempotency: the original result, marked duplicate; nothing moves. */
		entry = *slot;
		*out =
		    recorded(l, entry->reversal != NULL ? entry->reversal : entry->settlement,
			     entry->reversal != NULL ? entry->reversal_len : entry->settlement_len,
			     errstr, errlen);
		if (*out == NULL)
			return YB_EINVAL;
		l->decoded.as.settlement.duplicate = true;
		return 1;
	}
	entry = calloc(1, sizeof(*entry));
	*slot = entry;
	if (entry == NULL)
		return YB_ENOMEM;

	m = member_of(l, c->member_id, 0);
	if (m != NULL && strcmp(m->scheme, c->scheme) != 0)
		m = NULL; /* enrolled in another scheme: not in this one */
	inst = yb_strmap_get(l->institutions, c->institution_id);
	ctx.policy = yb_policy_in_force(set, yb_claim_service_day(c));
	ctx.member = m != NULL ? &m->member : NULL;
	ctx.institution = inst != NULL ? &(*inst)->inst : NULL;
	{
		int yy, mo, dd;

		yb_date_to_ymd(yb_claim_service_day(c), &yy, &mo, &dd);
		entry->year = yy;
	}
	acc = m != NULL ? year_of(m, entry->year) : &empty;
	if (m != NULL && find_year(m, entry->year - 1) != NULL)
		previous = *find_year(m, entry->year - 1);
	ctx.acc = acc;
	ctx.previous_year_outpatient_fen = previous.outpatient_cost_fen;
	if (c->referred_from_claim_id != NULL) {
		claim_entry **from = yb_strmap_get(l->claims, c->referred_from_claim_id);

		if (from != NULL && !(*from)->rejected)
			ctx.referred_from_level = (*from)->level;
	}
	yb_adjudicate(&ctx, c, a);
	if (strcmp(a->settlement.status, "settled") == 0 && m != NULL) {
		yb_year_acc_apply(acc, &a->delta, 1);
		m->member.pa_spent_fen += a->delta.personal_account_paid_fen;
		entry->delta = a->delta;
	} else {
		entry->rejected = true;
	}
	yb_adjudication_set_accumulators(a, acc);
	snprintf(entry->member_id, sizeof(entry->member_id), "%s", c->member_id);
	entry->level = ctx.institution != NULL
			   ? (ctx.institution->level <= 0 ? 1 : ctx.institution->level)
			   : -1;
	entry->settlement = keep(l, &a->settlement, &entry->settlement_len, errstr, errlen);
	if (entry->settlement == NULL)
		return YB_EINVAL;
	*out = &a->settlement;
	return 1;
}

static int apply_reversal(yb_ledger *l, const yb_reversal *r, const yb_settlement **out,
			  char *errstr, size_t errlen)
{
	claim_entry **slot = yb_strmap_get(l->claims, r->claim_id);
	claim_entry *entry;
	const yb_settlement *original;
	member_entry *m;
	yb_year_acc *acc, empty = {0};

	if (slot == NULL) {
		yb_adjudicate_unknown_reversal(r, &l->adjudication);
		*out = &l->adjudication.settlement;
		return 1;
	}
	entry = *slot;
	if (entry->reversal != NULL) {
		*out = recorded(l, entry->reversal, entry->reversal_len, errstr, errlen);
		if (*out == NULL)
			return YB_EINVAL;
		l->decoded.as.settlement.duplicate = true;
		return 1;
	}
	m = member_of(l, entry->member_id, 0);
	acc = m != NULL ? year_of(m, entry->year) : &empty;
	if (!entry->rejected && m != NULL) {
		yb_year_acc_apply(acc, &entry->delta, -1);
		m->member.pa_spent_fen -= entry->delta.personal_account_paid_fen;
	}
	original = recorded(l, entry->settlement, entry->settlement_len, errstr, errlen);
	if (original == NULL)
		return YB_EINVAL;
	yb_adjudicate_reversal(original, r, acc, &l->adjudication);
	entry->reversal =
	    keep(l, &l->adjudication.settlement, &entry->reversal_len, errstr, errlen);
	if (entry->reversal == NULL)
		return YB_EINVAL;
	*out = &l->adjudication.settlement;
	return 1;
}

int yb_ledger_apply(yb_ledger *l, const yb_record *record, const yb_settlement **settlement,
		    char *errstr, size_t errlen)
{
	*settlement = NULL;
	switch (record->type) {
	case YB_RECORD_INSTITUTION:
		return apply_institution(l, &record->as.institution, errstr, errlen);
	case YB_RECORD_ENROLLMENT:
		return apply_enrollment(l, &record->as.enrollment, errstr, errlen);
	case YB_RECORD_PAYMENT:
		return apply_payment(l, &record->as.payment, errstr, errlen);
	case YB_RECORD_CLAIM:
		return apply_claim(l, &record->as.claim, settlement, errstr, errlen);
	case YB_RECORD_REVERSAL:
		return apply_reversal(l, &record->as.reversal, settlement, errstr, errlen);
	default:
		snprintf(errstr, errlen, "%s: an output record, not an input",
			 yb_record_desc_of(record->type)->name);
		return YB_EINVAL;
	}
}
