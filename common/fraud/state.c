/*
 * The fraud rules' windows: members' recent claims, institutions' amount groups and days.
 * In memory, keyed by string; claimctl keeps one for the whole run, fraud-svc one per batch.
 * Also their stored form, a fixed little-endian layout with a format byte first.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/record.h"
#include "fraud/fraud.h"
#include "ledger/strmap.h"
#include "base/error.h"

struct yb_fraud_state {
	yb_strmap *windows;      /* member_id → yb_fraud_window * */
	yb_strmap *groups;       /* group key → yb_fraud_group * */
	yb_strmap *institutions; /* institution_id → yb_fraud_institution * */
};

static void free_pointer(void *value)
{
	free(*(void **)value);
}

static void free_window(void *value)
{
	yb_fraud_window *w = *(yb_fraud_window **)value;

	if (w != NULL)
		free(w->visits);
	free(w);
}

int yb_fraud_state_new(yb_fraud_state **out)
{
	yb_fraud_state *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (st == NULL)
		return YB_ENOMEM;
	st->windows = yb_strmap_new(sizeof(void *));
	st->groups = yb_strmap_new(sizeof(void *));
	st->institutions = yb_strmap_new(sizeof(void *));
	if (st->windows == NULL || st->groups == NULL || st->institutions == NULL) {
		yb_fraud_state_destroy(st);
		return YB_ENOMEM;
	}
	*out = st;
	return YB_OK;
}

void yb_fraud_state_destroy(yb_fraud_state *st)
{
	if (st == NULL)
		return;
	yb_strmap_destroy(st->windows, free_window);
	yb_strmap_destroy(st->groups, free_pointer);
	yb_strmap_destroy(st->institutions, free_pointer);
	free(st);
}

void yb_fraud_state_clear(yb_fraud_state *st)
{
	yb_strmap_clear(st->windows, free_window);
	yb_strmap_clear(st->groups, free_pointer);
	yb_strmap_clear(st->institutions, free_pointer);
}

static void *entry(yb_strmap *map, const char *key, size_t size)
{
	int created;
	void **slot = yb_strmap_put(map, key, &created);

	if (slot == NULL)
		return NULL;
	if (created)
		*slot = calloc(1, size);
	return *slot;
}

yb_fraud_window *yb_fraud_state_window(yb_fraud_state *st, const char *member_id)
{
	return entry(st->windows, member_id, sizeof(yb_fraud_window));
}

yb_fraud_group *yb_fraud_state_group(yb_fraud_state *st, const char *group_key)
{
	return entry(st->groups, group_key, sizeof(yb_fraud_group));
}

yb_fraud_institution *yb_fraud_state_institution(yb_fraud_state *st, const char *institution_id)
{
	return entry(st->institutions, institution_id, sizeof(yb_fraud_institution));
}

uint64_t yb_fraud_hash(const char *s, uint64_t h)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

int yb_fraud_window_put(yb_fraud_window *w, const yb_fraud_visit *v, int32_t days)
{
	int32_t newest = v->to_day;
	int i, kept = 0;

	for (i = 0; i < w->count; i++) {
		if (strcmp(w->visits[i].claim_id, v->claim_id) == 0) {
			w->visits[i] = *v;
			return YB_OK;
		}
	}
	for (i = 0; i < w->count; i++) {
		if (w->visits[i].to_day > newest)
			newest = w->visits[i].to_day;
	}
	/* Loaded out of order (fraud-svc reads a hash): what is too old is not taken. */
	if (v->to_day < newest - days)
		return YB_OK;
	/* Keep what the longest rule looks back over, then room for the new one. */
	for (i = 0; i < w->count; i++) {
		if (w->visits[i].to_day >= newest - days)
			w->visits[kept++] = w->visits[i];
	}
	w->count = kept;
	if (w->count == YB_FRAUD_WINDOW_MAX) {
		if (v->order < w->visits[0].order)
			return YB_OK;
		memmove(&w->visits[0], &w->visits[1],
			(size_t)(w->count - 1) * sizeof(w->visits[0]));
		w->count--;
	}
	if (w->count == w->cap) {
		int cap = w->cap == 0 ? 8 : 2 * w->cap;
		yb_fraud_visit *grown;

		if (cap > YB_FRAUD_WINDOW_MAX)
			cap = YB_FRAUD_WINDOW_MAX;
		grown = realloc(w->visits, (size_t)cap * sizeof(*grown));
		if (grown == NULL)
			return YB_ENOMEM;
		w->visits = grown;
		w->cap = cap;
	}
	for (i = w->count; i > 0 && w->visits[i - 1].order > v->order; i--)
		w->visits[i] = w->visits[i - 1];
	w->visits[i] = *v;
	w->count++;
	return YB_OK;
}

void yb_fraud_group_put(yb_fraud_group *g, const yb_fraud_sample *s, int32_t days, int max)
{
	int32_t newest = s->day;
	int i, kept = 0;

	for (i = 0; i < g->count; i++) {
		if (g->samples[i].claim_hash == s->claim_hash)
			return;
		if (g->samples[i].day > newest)
			newest = g->samples[i].day;
	}
	if (s->day < newest - days)
		return;
	for (i = 0; i < g->count; i++) {
		if (g->samples[i].day >= newest - days)
			g->samples[kept++] = g->samples[i];
	}
	g->count = kept;
	if (max > YB_FRAUD_GROUP_MAX)
		max = YB_FRAUD_GROUP_MAX;
	while (g->count >= max) {
		/* The oldest by day goes. */
		int oldest = 0;

		for (i = 1; i < g->count; i++) {
			if (g->samples[i].day < g->samples[oldest].day)
				oldest = i;
		}
		g->samples[oldest] = g->samples[--g->count];
	}
	g->samples[g->count++] = *s;
}

yb_fraud_day *yb_fraud_institution_day(yb_fraud_institution *in, int32_t day)
{
	int oldest = 0;

	for (int i = 0; i < in->count; i++) {
		if (in->days[i].day == day)
			return &in->days[i];
		if (in->days[i].day < in->days[oldest].day)
			oldest = i;
	}
	if (in->count < YB_FRAUD_DAYS_MAX)
		oldest = in->count++;
	else if (in->days[oldest].day > day)
		return NULL; /* older than everything kept: nothing to compare it with */
	memset(&in->days[oldest], 0, sizeof(in->days[oldest]));
	in->days[oldest].day = day;
	return &in->days[oldest];
}

/* --- stored form ----------------------------------------------------------------------- */

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
	yb_le64_put(p, v);
	return p + 8;
}

static const uint8_t *get_u64(const uint8_t *p, uint64_t *v)
{
	*v = yb_le64_get(p);
	return p + 8;
}

static uint8_t *put_str(uint8_t *p, const char *s)
{
	size_t n = strlen(s);

	*p++ = (uint8_t)n;
	memcpy(p, s, n); /* NOLINT(bugprone-not-null-terminated-result): length-prefixed */
	return p + n;
}

static const uint8_t *get_str(const uint8_t *p, const uint8_t *end, char *out, size_t cap)
{
	size_t n;

	if (p >= end || (n = *p++) >= cap || (size_t)(end - p) < n)
		return NULL;
	memcpy(out, p, n);
	out[n] = '\0';
	return p + n;
}

size_t yb_fraud_visit_pack(const yb_fraud_visit *v, uint8_t *out, size_t cap)
{
	uint8_t *p = out;

	if (cap < 5 + 7 * 8 + 3 + 2 * YB_FRAUD_ID_LEN + sizeof(v->dx))
		return 0;
	*p++ = YB_FRAUD_FORMAT;
	*p++ = v->visit_class;
	*p++ = v->visit_type;
	*p++ = (uint8_t)((v->rejected ? 1 : 0) | (v->reversed ? 2 : 0));
	*p++ = 0;
	p = put_u64(p, (uint64_t)v->total_fen);
	p = put_u64(p, (uint64_t)v->submitted_ms);
	p = put_u64(p, (uint64_t)v->order);
	p = put_u64(p, (uint64_t)v->claim_pos);
	p = put_u64(p, (uint64_t)v->reversed_at);
	p = put_u64(p, (uint64_t)(uint32_t)v->from_day | (uint64_t)(uint32_t)v->to_day << 32);
	p = put_u64(p, (uint64_t)(uint32_t)v->year | (uint64_t)v->raised << 32);
	p = put_str(p, v->claim_id);
	p = put_str(p, v->institution_id);
	p = put_str(p, v->dx);
	return (size_t)(p - out);
}

int yb_fraud_visit_unpack(const uint8_t *bytes, size_t len, yb_fraud_visit *out)
{
	const uint8_t *p = bytes, *end = bytes + len;
	uint64_t v;

	memset(out, 0, sizeof(*out));
	if (len < 5 + 7 * 8 + 3 || p[0] != YB_FRAUD_FORMAT)
		return -1;
	out->visit_class = p[1];
	out->visit_type = p[2];
	out->rejected = (p[3] & 1) != 0;
	out->reversed = (p[3] & 2) != 0;
	p = get_u64(p + 5, &v);
	out->total_fen = (int64_t)v;
	p = get_u64(p, &v);
	out->submitted_ms = (int64_t)v;
	p = get_u64(p, &v);
	out->order = (int64_t)v;
	p = get_u64(p, &v);
	out->claim_pos = (int64_t)v;
	p = get_u64(p, &v);
	out->reversed_at = (int64_t)v;
	p = get_u64(p, &v);
	out->from_day = (int32_t)(uint32_t)v;
	out->to_day = (int32_t)(uint32_t)(v >> 32);
	p = get_u64(p, &v);
	out->year = (int32_t)(uint32_t)v;
	out->raised = (uint32_t)(v >> 32);
	p = get_str(p, end, out->claim_id, sizeof(out->claim_id));
	if (p != NULL)
		p = get_str(p, end, out->institution_id, sizeof(out->institution_id));
	if (p != NULL)
		p = get_str(p, end, out->dx, sizeof(out->dx));
	return p == end ? 0 : -1;
}

size_t yb_fraud_sample_pack(const yb_fraud_sample *s, uint8_t *out, size_t cap)
{
	uint8_t *p = out;

	if (cap < 1 + 3 * 8)
		return 0;
	*p++ = YB_FRAUD_FORMAT;
	p = put_u64(p, s->claim_hash);
	p = put_u64(p, (uint64_t)(uint32_t)s->day);
	p = put_u64(p, (uint64_t)s->total_fen);
	return (size_t)(p - out);
}

int yb_fraud_sample_unpack(const uint8_t *bytes, size_t len, yb_fraud_sample *out)
{
	uint64_t v;

	if (len != 1 + 3 * 8 || bytes[0] != YB_FRAUD_FORMAT)
		return -1;
	get_u64(bytes + 1, &out->claim_hash);
	get_u64(bytes + 9, &v);
	out->day = (int32_t)(uint32_t)v;
	get_u64(bytes + 17, &v);
	out->total_fen = (int64_t)v;
	return 0;
}
