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

typedef struct member_entry {
	char scheme[YB_POLICY_NAME_LEN];
	yb_member member;
	int year_count;
	yb_member_year years[MAX_YEARS];
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
	int32_t partition, reversal_partition;
	int64_t offset, reversal_offset;
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
	entry->partition = entry->reversal_partition = -1;
	entry->offset = entry->reversal_offset = -1;

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

void yb_ledger_claim_facts(const yb_ledger *l, const yb_claim *c, yb_claim_facts *out)
{
	const yb_policy_set *set = set_of(l, c->scheme);
	member_entry **m = yb_strmap_get(l->members, c->member_id);
	institution_entry **inst = yb_strmap_get(l->institutions, c->institution_id);

	out->member = m != NULL && strcmp((*m)->scheme, c->scheme) == 0 ? &(*m)->member : NULL;
	out->institution = inst != NULL ? &(*inst)->inst : NULL;
	out->policy = set != NULL ? yb_policy_in_force(set, yb_claim_service_day(c)) : NULL;
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

void yb_ledger_forget_members(yb_ledger *l)
{
	yb_strmap_clear(l->members, free_pointer);
	yb_strmap_clear(l->claims, free_claim);
	yb_strmap_clear(l->events, NULL);
}

int yb_ledger_load_member(yb_ledger *l, const char *member_id, int64_t pa_spent_fen,
			  const yb_member_year *years, size_t count)
{
	member_entry *m = member_of(l, member_id, 1);

	if (m == NULL)
		return YB_ENOMEM;
	m->member.pa_spent_fen = pa_spent_fen;
	for (size_t i = 0; i < count; i++)
		*year_of(m, years[i].year) = years[i].acc;
	return YB_OK;
}

static uint8_t *copy_bytes(const uint8_t *bytes, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy != NULL && len > 0)
		memcpy(copy, bytes, len);
	return copy;
}

int yb_ledger_load_claim(yb_ledger *l, const yb_claim_state *c)
{
	claim_entry **slot, *entry;
	int created;

	slot = yb_strmap_put(l->claims, c->claim_id, &created);
	if (slot == NULL)
		return YB_ENOMEM;
	if (!created)
		free_claim(slot);
	entry = calloc(1, sizeof(*entry));
	*slot = entry;
	if (entry == NULL)
		return YB_ENOMEM;
	entry->settlement = copy_bytes(c->settlement, c->settlement_len);
	entry->settlement_len = c->settlement_len;
	if (c->reversal != NULL) {
		entry->reversal = copy_bytes(c->reversal, c->reversal_len);
		entry->reversal_len = c->reversal_len;
		if (entry->reversal == NULL)
			return YB_ENOMEM;
	}
	if (entry->settlement == NULL)
		return YB_ENOMEM;
	entry->delta = c->delta;
	snprintf(entry->member_id, sizeof(entry->member_id), "%s", c->member_id);
	entry->year = c->year;
	entry->level = c->level;
	entry->rejected = c->rejected;
	entry->partition = c->partition;
	entry->offset = c->offset;
	entry->reversal_partition = c->reversal_partition;
	entry->reversal_offset = c->reversal_offset;
	return YB_OK;
}

static void state_of(const char *claim_id, const claim_entry *e, yb_claim_state *out)
{
	out->claim_id = claim_id;
	out->member_id = e->member_id;
	out->settlement = e->settlement;
	out->settlement_len = e->settlement_len;
	out->reversal = e->reversal;
	out->reversal_len = e->reversal_len;
	out->delta = e->delta;
	out->year = e->year;
	out->level = e->level;
	out->rejected = e->rejected;
	out->partition = e->partition;
	out->offset = e->offset;
	out->reversal_partition = e->reversal_partition;
	out->reversal_offset = e->reversal_offset;
}

int yb_ledger_claim(const yb_ledger *l, const char *claim_id, yb_claim_state *out)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);

	if (slot == NULL || *slot == NULL)
		return YB_ENOTFOUND;
	state_of(claim_id, *slot, out);
	out->claim_id = claim_id;
	return YB_OK;
}

void yb_ledger_set_source(yb_ledger *l, const char *claim_id, bool reversal, int32_t partition,
			  int64_t offset)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);

	if (slot == NULL || *slot == NULL)
		return;
	if (reversal) {
		(*slot)->reversal_partition = partition;
		(*slot)->reversal_offset = offset;
	} else {
		(*slot)->partition = partition;
		(*slot)->offset = offset;
	}
}

int yb_ledger_member_year(const yb_ledger *l, const char *member_id, int32_t year, yb_year_acc *acc,
			  int64_t *pa_spent_fen)
{
	member_entry **slot = yb_strmap_get(l->members, member_id);
	const yb_year_acc *found;

	if (slot == NULL || *slot == NULL) {
		memset(acc, 0, sizeof(*acc));
		*pa_spent_fen = 0;
		return YB_ENOTFOUND;
	}
	found = find_year(*slot, year);
	*pa_spent_fen = (*slot)->member.pa_spent_fen;
	if (found == NULL) {
		memset(acc, 0, sizeof(*acc));
		return YB_ENOTFOUND;
	}
	*acc = *found;
	return YB_OK;
}

typedef struct each_member_ctx {
	int (*fn)(const char *, int64_t, const yb_member_year *, size_t, void *);
	void *opaque;
} each_member_ctx;

static int each_member(const char *key, void *value, void *opaque)
{
	const member_entry *m = *(member_entry **)value;
	each_member_ctx *ctx = opaque;

	return ctx->fn(key, m->member.pa_spent_fen, m->years, (size_t)m->year_count, ctx->opaque);
}

int yb_ledger_each_member(const yb_ledger *l,
			  int (*fn)(const char *member_id, int64_t pa_spent_fen,
				    const yb_member_year *years, size_t count, void *opaque),
			  void *opaque)
{
	each_member_ctx ctx = {fn, opaque};

	return yb_strmap_each(l->members, each_member, &ctx);
}

typedef struct each_claim_ctx {
	int (*fn)(const yb_claim_state *, void *);
	void *opaque;
} each_claim_ctx;

static int each_claim(const char *key, void *value, void *opaque)
{
	each_claim_ctx *ctx = opaque;
	yb_claim_state state;

	state_of(key, *(claim_entry **)value, &state);
	return ctx->fn(&state, ctx->opaque);
}

int yb_ledger_each_claim(const yb_ledger *l, int (*fn)(const yb_claim_state *claim, void *opaque),
			 void *opaque)
{
	each_claim_ctx ctx = {fn, opaque};

	return yb_strmap_each(l->claims, each_claim, &ctx);
}

/*
 * The packed form: format, reversed, rejected, then little-endian-by-host fixed fields, the
 * delta as the struct's bytes (a layout change bumps YB_CLAIM_STATE_FORMAT; Redis is a
 * cache, rebuilt with claimctl rebuild), then member_id (with its NUL), the settlement and
 * the reversal bytes.
 */
typedef struct packed_head {
	uint8_t format, reversed, rejected, pad;
	int32_t year, level, partition, reversal_partition;
	uint32_t member_id_len, settlement_len, reversal_len, delta_size;
	int64_t offset, reversal_offset;
} packed_head;

int yb_claim_state_pack(const yb_claim_state *c, yb_buf *out)
{
	packed_head h = {0};
	size_t member_len = strlen(c->member_id) + 1;
	size_t total = sizeof(h) + sizeof(c->delta) + member_len + c->settlement_len +
		       (c->reversal != NULL ? c->reversal_len : 0);
	uint8_t *p;

	h.format = YB_CLAIM_STATE_FORMAT;
	h.reversed = c->reversal != NULL;
	h.rejected = c->rejected;
	h.year = c->year;
	h.level = c->level;
	h.partition = c->partition;
	h.reversal_partition = c->reversal_partition;
	h.offset = c->offset;
	h.reversal_offset = c->reversal_offset;
	h.member_id_len = (uint32_t)member_len;
	h.settlement_len = (uint32_t)c->settlement_len;
	h.reversal_len = c->reversal != NULL ? (uint32_t)c->reversal_len : 0;
	h.delta_size = sizeof(c->delta);
	out->len = 0;
	if (yb_buf_reserve(out, total) != 0)
		return YB_ENOMEM;
	p = out->data;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, &c->delta, sizeof(c->delta));
	p += sizeof(c->delta);
	memcpy(p, c->member_id, member_len);
	p += member_len;
	memcpy(p, c->settlement, c->settlement_len);
	p += c->settlement_len;
	if (c->reversal != NULL)
		memcpy(p, c->reversal, c->reversal_len);
	out->len = total;
	return YB_OK;
}

int yb_claim_state_unpack(const uint8_t *bytes, size_t len, const char *claim_id,
			  yb_claim_state *out)
{
	packed_head h;
	const uint8_t *p = bytes;

	if (len < sizeof(h))
		return YB_EINVAL;
	memcpy(&h, p, sizeof(h));
	if (h.format != YB_CLAIM_STATE_FORMAT || h.delta_size != sizeof(out->delta) ||
	    (uint64_t)sizeof(h) + h.delta_size + h.member_id_len + h.settlement_len +
		    h.reversal_len !=
		len ||
	    h.member_id_len == 0 || p[sizeof(h) + h.delta_size + h.member_id_len - 1] != '\0')
		return YB_EINVAL;
	p += sizeof(h);
	memset(out, 0, sizeof(*out));
	out->claim_id = claim_id;
	memcpy(&out->delta, p, sizeof(out->delta));
	p += sizeof(out->delta);
	out->member_id = (const char *)p; /* stored with its terminating NUL */
	p += h.member_id_len;
	out->settlement = p;
	out->settlement_len = h.settlement_len;
	p += h.settlement_len;
	out->reversal = h.reversed ? p : NULL;
	out->reversal_len = h.reversal_len;
	out->year = h.year;
	out->level = h.level;
	out->rejected = h.rejected != 0;
	out->partition = h.partition;
	out->offset = h.offset;
	out->reversal_partition = h.reversal_partition;
	out->reversal_offset = h.reversal_offset;
	return YB_OK;
}
