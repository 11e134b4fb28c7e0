/*
 * The in-memory ledger; see ledger.h.
 *
 * A member's events are kept as their Avro single-object bytes, sorted in event-time order
 * (time, rank, partition, offset: the order of the Redis history, store/member_store.h), and
 * folded into its coverage when a claim needs it: forward from where the last fold stopped
 * when the claim is judged on the same inputs at a later time, from the start otherwise.
 * Recorded settlements are kept as Avro bytes too, so a duplicate or a reversal reads back
 * exactly what was published.
 */
#include "ledger/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "ledger/strmap.h"
#include "rules/adjudicate.h"
#include "base/date.h"
#include "base/error.h"
#include "rules/varint.h"

#define MAX_YEARS     12 /* (scheme, year) pairs: a scheme change keeps both schemes' years */
#define MAX_SCHEMES   4
#define ARENA_SIZE    (256 * 1024)
#define EVENT_ARENA   (64 * 1024)
#define INST_MEM_SIZE 2048

/* One enrollment or payment of a member's history. */
typedef struct history_event {
	int64_t time_ms;
	int32_t rank, partition;
	int64_t offset;
	uint8_t *bytes; /* Avro single-object */
	size_t len;
} history_event;

typedef struct member_entry {
	history_event *events; /* in event-time order */
	size_t event_count, event_cap;
	uint64_t version; /* bumped by every event added: a fold of an older one is stale */
	/* Where the fold stands: events[0..folded) considered, up to folded_time, on view. */
	bool folded_valid, folded_all;
	size_t folded;
	int64_t folded_time;
	uint64_t folded_version;
	yb_judged_on folded_view;
	uint64_t *applied_ids; /* FNV-1a of the event_ids the fold applied */
	size_t applied_count, applied_cap;
	/* The coverage the fold produced, one per scheme the member was ever in. */
	int scheme_count;
	struct scheme_state {
		char scheme[YB_POLICY_NAME_LEN];
		yb_member member;
	} schemes[MAX_SCHEMES];
	/* What claims moved. */
	int64_t pa_spent_fen;
	int64_t watermark_ms; /* the latest submitted_at (event_time) of a recorded claim */
	int year_count;
	yb_member_year years[MAX_YEARS];
} member_entry;

typedef struct institution_version {
	int64_t offset;
	yb_institution inst;
	char memory[INST_MEM_SIZE];
} institution_version;

typedef struct institution_entry {
	institution_version *versions; /* by offset */
	size_t count, cap;
} institution_entry;

typedef struct claim_entry {
	uint8_t *settlement; /* Avro single-object bytes */
	size_t settlement_len;
	uint8_t *reversal;
	size_t reversal_len;
	yb_year_acc delta;
	char member_id[YB_LEDGER_ID_MAX + 1];
	char scheme[YB_POLICY_NAME_LEN]; /* the scheme that judged it */
	int32_t year;
	int level; /* of the institution, for referrals */
	bool rejected;
	bool foreign; /* only known to belong to member_id, another member */
	uint64_t fingerprint;
	int32_t keep_until;
	int32_t partition, reversal_partition;
	int64_t offset, reversal_offset;
} claim_entry;

struct yb_ledger {
	yb_policy_set *sets;
	size_t set_count;
	yb_strmap *members;      /* member_id → member_entry * */
	yb_strmap *institutions; /* institution_id → institution_entry * */
	yb_strmap *claims;       /* claim_id → claim_entry * */
	yb_avro *avro;
	yb_buf buf;
	yb_arena arena;
	char *arena_memory;
	char *event_memory;
	yb_adjudication adjudication;
	yb_record decoded;
	yb_long_entry judged[5];  /* the settlement's judged_on */
	int64_t next_position[3]; /* a file's: institutions, enrollments, payments */
	size_t event_total;
};

static void free_member(void *value)
{
	member_entry *m = *(member_entry **)value;

	if (m == NULL)
		return;
	for (size_t i = 0; i < m->event_count; i++)
		free(m->events[i].bytes);
	free(m->events);
	free(m->applied_ids);
	free(m);
}

static void free_institution(void *value)
{
	institution_entry *i = *(institution_entry **)value;

	if (i != NULL) {
		free(i->versions);
		free(i);
	}
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
	l->arena_memory = malloc(ARENA_SIZE);
	l->event_memory = malloc(EVENT_ARENA);
	if (l->sets == NULL || l->members == NULL || l->institutions == NULL || l->claims == NULL ||
	    l->arena_memory == NULL || l->event_memory == NULL ||
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
	yb_strmap_destroy(l->members, free_member);
	yb_strmap_destroy(l->institutions, free_institution);
	yb_strmap_destroy(l->claims, free_claim);
	yb_avro_destroy(l->avro);
	yb_buf_free(&l->buf);
	free(l->arena_memory);
	free(l->event_memory);
	free(l->sets);
	free(l);
}

void yb_ledger_stats_get(const yb_ledger *l, yb_ledger_stats *stats)
{
	stats->members = yb_strmap_count(l->members);
	stats->institutions = yb_strmap_count(l->institutions);
	stats->claims = yb_strmap_count(l->claims);
	stats->events = l->event_total;
}

static const yb_policy_set *set_of(const yb_ledger *l, const char *scheme)
{
	for (size_t i = 0; i < l->set_count; i++) {
		if (strcmp(l->sets[i].scheme, scheme) == 0)
			return &l->sets[i];
	}
	return NULL;
}

/* --- admission ---------------------------------------------------------------------- */

/* An id: present, at most YB_LEDGER_ID_MAX bytes, no control characters. */
static int check_id(const char *field, const char *id, char *errstr, size_t errlen)
{
	size_t len = id != NULL ? strlen(id) : 0;

	if (len == 0) {
		snprintf(errstr, errlen, "%s: empty", field);
		return YB_EINVAL;
	}
	if (len > YB_LEDGER_ID_MAX) {
		snprintf(errstr, errlen, "%s: %zu bytes, over the limit of %d", field, len,
			 YB_LEDGER_ID_MAX);
		return YB_EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			snprintf(errstr, errlen, "%s: contains a control character", field);
			return YB_EINVAL;
		}
	}
	return YB_OK;
}

/* The key as printable text: other bytes as \xNN, at most 80 characters. */
static void printable_key(const void *key, size_t len, char *out, size_t size)
{
	const unsigned char *k = key;
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < size && n < 80; i++) {
		if (k[i] >= 0x20 && k[i] < 0x7f && k[i] != '\'' && k[i] != '\\')
			out[n++] = (char)k[i];
		else
			n += (size_t)snprintf(out + n, size - n, "\\x%02x", k[i]);
	}
	out[n] = '\0';
}

/* The Kafka key must be the member_id: a member's records meet in one partition by it. */
static int check_key(const char *member_id, const void *key, size_t key_len, char *errstr,
		     size_t errlen)
{
	char shown[400];

	if (key == NULL)
		return YB_OK; /* a line of a file */
	if (key_len == 0) {
		snprintf(errstr, errlen,
			 "no Kafka key: a member's records must be keyed by member_id '%s' "
			 "(co-partitioning)",
			 member_id);
		return YB_EINVAL;
	}
	if (key_len != strlen(member_id) || memcmp(key, member_id, key_len) != 0) {
		printable_key(key, key_len, shown, sizeof(shown));
		snprintf(errstr, errlen,
			 "Kafka key '%s' is not the member_id '%s': a member's records must be "
			 "keyed by member_id (co-partitioning)",
			 shown, member_id);
		return YB_EINVAL;
	}
	return YB_OK;
}

/* "YYYY-MM" with a month 01..12. */
static bool is_period(const char *s)
{
	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return false;
	for (int i = 0; i < 7; i++) {
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return false;
	}
	return (s[5] == '0' && s[6] >= '1') || (s[5] == '1' && s[6] <= '2');
}

static int admit_payment(const yb_payment *p, char *errstr, size_t errlen)
{
	bool monthly = strcmp(p->kind, "contribution") == 0 ||
		       (strcmp(p->kind, "backpay") == 0 && p->period != NULL);

	if (monthly && !is_period(p->period)) {
		snprintf(errstr, errlen, "payment.period: kind %s needs a month YYYY-MM", p->kind);
		return YB_EINVAL;
	}
	if (!monthly && strcmp(p->kind, "premium") != 0 && strcmp(p->kind, "backpay") != 0 &&
	    strcmp(p->kind, "large_relief_fee") != 0) {
		snprintf(errstr, errlen,
			 "payment.kind: '%s' is not premium, contribution, large_relief_fee or "
			 "backpay",
			 p->kind);
		return YB_EINVAL;
	}
	if (!monthly && !p->has_coverage_year) {
		snprintf(errstr, errlen, "payment.coverage_year: kind %s needs it", p->kind);
		return YB_EINVAL;
	}
	return YB_OK;
}

static int admit_scheme(const yb_ledger *l, const char *type, const char *scheme, char *errstr,
			size_t errlen)
{
	if (set_of(l, scheme) != NULL)
		return YB_OK;
	snprintf(errstr, errlen, "%s.scheme: unknown scheme '%s'", type, scheme);
	return YB_EINVAL;
}

int yb_ledger_admit(const yb_ledger *l, const yb_record *record, const void *key, size_t key_len,
		    char *errstr, size_t errlen)
{
	int rc;

	switch (record->type) {
	case YB_RECORD_INSTITUTION:
		return check_id("institution.institution_id", record->as.institution.institution_id,
				errstr, errlen);
	case YB_RECORD_ENROLLMENT: {
		const yb_enrollment *e = &record->as.enrollment;

		if ((rc = check_id("enrollment.event_id", e->event_id, errstr, errlen)) != YB_OK ||
		    (rc = check_id("enrollment.member_id", e->member_id, errstr, errlen)) !=
			YB_OK ||
		    (rc = admit_scheme(l, "enrollment", e->scheme, errstr, errlen)) != YB_OK)
			return rc;
		return check_key(e->member_id, key, key_len, errstr, errlen);
	}
	case YB_RECORD_PAYMENT: {
		const yb_payment *p = &record->as.payment;

		if ((rc = check_id("payment.event_id", p->event_id, errstr, errlen)) != YB_OK ||
		    (rc = check_id("payment.member_id", p->member_id, errstr, errlen)) != YB_OK ||
		    (rc = admit_scheme(l, "payment", p->scheme, errstr, errlen)) != YB_OK ||
		    (rc = admit_payment(p, errstr, errlen)) != YB_OK)
			return rc;
		return check_key(p->member_id, key, key_len, errstr, errlen);
	}
	case YB_RECORD_CLAIM: {
		const yb_claim *c = &record->as.claim;

		if ((rc = check_id("claim.claim_id", c->claim_id, errstr, errlen)) != YB_OK ||
		    (rc = check_id("claim.member_id", c->member_id, errstr, errlen)) != YB_OK ||
		    (rc = check_id("claim.institution_id", c->institution_id, errstr, errlen)) !=
			YB_OK ||
		    (c->referred_from_claim_id != NULL &&
		     (rc = check_id("claim.referred_from_claim_id", c->referred_from_claim_id,
				    errstr, errlen)) != YB_OK))
			return rc;
		if (yb_claim_check(c, errstr, errlen) != 0)
			return YB_EINVAL;
		if ((rc = admit_scheme(l, "claim", c->scheme, errstr, errlen)) != YB_OK)
			return rc;
		return check_key(c->member_id, key, key_len, errstr, errlen);
	}
	case YB_RECORD_REVERSAL: {
		const yb_reversal *r = &record->as.reversal;

		if ((rc = check_id("reversal.claim_id", r->claim_id, errstr, errlen)) != YB_OK)
			return rc;
		if (r->member_id != NULL) {
			if ((rc = check_id("reversal.member_id", r->member_id, errstr, errlen)) !=
			    YB_OK)
				return rc;
			return check_key(r->member_id, key, key_len, errstr, errlen);
		}
		/* A reversal without member_id is its Kafka key's (the claim's member). */
		if (key != NULL && key_len == 0) {
			snprintf(
			    errstr, errlen,
			    "reversal.member_id: missing, and no Kafka key to name the member");
			return YB_EINVAL;
		}
		if (key != NULL && (key_len > YB_LEDGER_ID_MAX || memchr(key, '\0', key_len))) {
			snprintf(errstr, errlen, "reversal: the Kafka key is not a member_id");
			return YB_EINVAL;
		}
		return YB_OK;
	}
	default:
		snprintf(errstr, errlen, "%s: an output record, not an input",
			 yb_record_desc_of(record->type)->name);
		return YB_EINVAL;
	}
}

/* --- members and their histories ------------------------------------------------------ */

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

static int32_t day_of(int64_t ms)
{
	return yb_date_of_instant(ms);
}

int32_t yb_ledger_purge_day(int64_t watermark_ms)
{
	return watermark_ms > 0 ? day_of(watermark_ms) : INT32_MIN;
}

int32_t yb_ledger_first_kept_year(int64_t watermark_ms)
{
	int y, m, d;

	if (watermark_ms <= 0)
		return INT32_MIN;
	yb_date_to_ymd(day_of(watermark_ms), &y, &m, &d);
	return y - YB_LEDGER_KEEP_YEARS;
}

/* Drop the years a member at watermark no longer keeps. */
static void drop_closed_years(member_entry *m)
{
	int32_t first = yb_ledger_first_kept_year(m->watermark_ms);

	for (int i = 0; i < m->year_count;) {
		if (m->years[i].year < first)
			m->years[i] = m->years[--m->year_count];
		else
			i++;
	}
}

/* The accumulators of a scheme's year (created zero when absent; the oldest year dropped
 * when full). */
static yb_year_acc *year_of(member_entry *m, const char *scheme, int32_t year)
{
	int oldest = 0;

	for (int i = 0; i < m->year_count; i++) {
		if (m->years[i].year == year && strcmp(m->years[i].scheme, scheme) == 0)
			return &m->years[i].acc;
		if (m->years[i].year < m->years[oldest].year)
			oldest = i;
	}
	if (m->year_count == MAX_YEARS)
		m->years[oldest] = m->years[--m->year_count];
	memset(&m->years[m->year_count], 0, sizeof(m->years[0]));
	snprintf(m->years[m->year_count].scheme, sizeof(m->years[0].scheme), "%s", scheme);
	m->years[m->year_count].year = year;
	return &m->years[m->year_count++].acc;
}

/* The accumulators of a scheme's year when the member has them, else NULL. */
static const yb_year_acc *find_year(const member_entry *m, const char *scheme, int32_t year)
{
	for (int i = 0; i < m->year_count; i++) {
		if (m->years[i].year == year && strcmp(m->years[i].scheme, scheme) == 0)
			return &m->years[i].acc;
	}
	return NULL;
}

/* The member's coverage in scheme (created when create is set), or NULL. */
static struct scheme_state *scheme_of(member_entry *m, const char *scheme, bool create)
{
	for (int i = 0; i < m->scheme_count; i++) {
		if (strcmp(m->schemes[i].scheme, scheme) == 0)
			return &m->schemes[i];
	}
	if (!create || m->scheme_count == MAX_SCHEMES)
		return NULL;
	memset(&m->schemes[m->scheme_count], 0, sizeof(m->schemes[0]));
	snprintf(m->schemes[m->scheme_count].scheme, sizeof(m->schemes[0].scheme), "%s", scheme);
	return &m->schemes[m->scheme_count++];
}

/* Does a scheme's period cover day: enrolled by then, not yet terminated? */
static bool covers(const struct scheme_state *st, int32_t day)
{
	return st != NULL && st->member.enrolled && st->member.enrolled_on <= day &&
	       !(st->member.terminated && day >= st->member.terminated_on);
}

/*
 * The scheme a claim of scheme `named` on day is judged by: the named one when its period
 * covers the day, else one whose period does, else the named one (which then refuses it).
 * NULL when the member has no coverage in the named scheme and none covers the day.
 */
static struct scheme_state *judging_scheme(member_entry *m, const char *named, int32_t day)
{
	struct scheme_state *st = scheme_of(m, named, false);

	if (covers(st, day))
		return st;
	for (int i = 0; i < m->scheme_count; i++) {
		if (covers(&m->schemes[i], day))
			return &m->schemes[i];
	}
	return st;
}

/* Event-time order: time, rank, partition, offset (the Redis history's order). */
static int event_cmp(const history_event *a, int64_t time_ms, int rank, int32_t partition,
		     int64_t offset)
{
	if (a->time_ms != time_ms)
		return a->time_ms < time_ms ? -1 : 1;
	if (a->rank != rank)
		return a->rank < rank ? -1 : 1;
	if (a->partition != partition)
		return a->partition < partition ? -1 : 1;
	if (a->offset != offset)
		return a->offset < offset ? -1 : 1;
	return 0;
}

int yb_ledger_add_event(yb_ledger *l, const char *member_id, int64_t time_ms, int rank,
			int32_t partition, int64_t offset, const uint8_t *bytes, size_t len)
{
	member_entry *m = member_of(l, member_id, 1);
	size_t at;
	history_event *e;

	if (m == NULL)
		return YB_ENOMEM;
	/* Almost always the latest: look from the end. */
	at = m->event_count;
	while (at > 0 && event_cmp(&m->events[at - 1], time_ms, rank, partition, offset) > 0)
		at--;
	if (at > 0 && event_cmp(&m->events[at - 1], time_ms, rank, partition, offset) == 0 &&
	    m->events[at - 1].len == len && memcmp(m->events[at - 1].bytes, bytes, len) == 0)
		return YB_OK; /* the same event at the same position: kept once */
	if (yb_array_grow((void **)&m->events, &m->event_cap, m->event_count + 1,
			  sizeof(*m->events)) != 0)
		return YB_ENOMEM;
	memmove(&m->events[at + 1], &m->events[at], (m->event_count - at) * sizeof(*m->events));
	e = &m->events[at];
	e->bytes = malloc(len > 0 ? len : 1);
	if (e->bytes == NULL) {
		memmove(&m->events[at], &m->events[at + 1],
			(m->event_count - at) * sizeof(*m->events));
		return YB_ENOMEM;
	}
	memcpy(e->bytes, bytes, len);
	e->len = len;
	e->time_ms = time_ms;
	e->rank = rank;
	e->partition = partition;
	e->offset = offset;
	m->event_count++;
	m->version++;
	l->event_total++;
	return YB_OK;
}

/* Is an event among the inputs a view names (NULL: everything)? */
static bool visible(const history_event *e, const yb_judged_on *on)
{
	if (on == NULL)
		return true;
	return e->partition == on->partition &&
	       e->offset < (e->rank == YB_LEDGER_RANK_ENROLLMENT ? on->enrollments : on->payments);
}

static bool same_view(const member_entry *m, const yb_judged_on *on)
{
	if (on == NULL)
		return m->folded_all;
	return !m->folded_all && m->folded_view.partition == on->partition &&
	       m->folded_view.enrollments == on->enrollments &&
	       m->folded_view.payments == on->payments;
}

static uint64_t fnv1a(const void *data, size_t len, uint64_t h)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}

#define FNV_BASIS UINT64_C(0xcbf29ce484222325)

/* Has the fold applied this event_id already? Records it when not. */
static bool repeated_event(member_entry *m, const char *event_id)
{
	uint64_t h = fnv1a(event_id, strlen(event_id), FNV_BASIS);

	for (size_t i = 0; i < m->applied_count; i++) {
		if (m->applied_ids[i] == h)
			return true;
	}
	if (yb_array_grow((void **)&m->applied_ids, &m->applied_cap, m->applied_count + 1,
			  sizeof(*m->applied_ids)) == 0)
		m->applied_ids[m->applied_count++] = h;
	return false;
}

static void fold_event(yb_ledger *l, member_entry *m, const history_event *e)
{
	yb_arena arena;
	yb_record rec;
	char errstr[256];

	yb_arena_init(&arena, l->event_memory, EVENT_ARENA);
	if (yb_avro_decode(l->avro, e->bytes, e->len, &arena, &rec, errstr, sizeof(errstr)) !=
	    YB_OK)
		return; /* admitted before it was stored: not reached */
	if (rec.type == YB_RECORD_ENROLLMENT) {
		const yb_enrollment *en = &rec.as.enrollment;
		struct scheme_state *st;

		if (set_of(l, en->scheme) == NULL || repeated_event(m, en->event_id) ||
		    (st = scheme_of(m, en->scheme, true)) == NULL)
			return;
		if (strcmp(en->action, "enroll") == 0) {
			/* A period in one scheme ends where one in another begins (居民办法
			 * 第二十六条, 职工办法 第十条: no member is in two schemes at once). */
			int32_t day = en->has_effective_date ? en->effective_date
							     : yb_date_of_instant(en->event_time);

			for (int i = 0; i < m->scheme_count; i++) {
				yb_member *other = &m->schemes[i].member;

				if (&m->schemes[i] != st && other->enrolled &&
				    !(other->terminated && other->terminated_on <= day)) {
					other->terminated = true;
					other->terminated_on = day;
				}
			}
		}
		yb_member_apply_enrollment(&st->member, en);
	} else if (rec.type == YB_RECORD_PAYMENT) {
		const yb_payment *p = &rec.as.payment;
		const yb_policy_set *set = set_of(l, p->scheme);
		struct scheme_state *st;

		if (set == NULL || repeated_event(m, p->event_id) ||
		    (st = scheme_of(m, p->scheme, true)) == NULL)
			return;
		(void)yb_member_apply_payment(
		    &st->member, yb_policy_in_force(set, yb_date_of_instant(p->paid_at)), p);
	}
}

/*
 * Fold the member's history into its coverage as of time_ms on the view on (NULL: every
 * event): forward from the last fold when that was on the same inputs and not later, else
 * from the start. The personal account's spending is the claims', kept across folds.
 */
static void fold(yb_ledger *l, member_entry *m, int64_t time_ms, const yb_judged_on *on)
{
	if (!m->folded_valid || !same_view(m, on) || m->folded_version != m->version ||
	    time_ms < m->folded_time) {
		m->scheme_count = 0;
		m->folded = 0;
		m->applied_count = 0;
		m->folded_valid = true;
		m->folded_all = on == NULL;
		if (on != NULL)
			m->folded_view = *on;
		m->folded_version = m->version;
	}
	while (m->folded < m->event_count && m->events[m->folded].time_ms <= time_ms) {
		const history_event *e = &m->events[m->folded++];

		if (visible(e, on))
			fold_event(l, m, e);
	}
	m->folded_time = time_ms;
	for (int i = 0; i < m->scheme_count; i++)
		m->schemes[i].member.pa_spent_fen = m->pa_spent_fen;
}

/* --- institutions -------------------------------------------------------------------- */

int yb_ledger_add_institution(yb_ledger *l, const yb_institution *inst, int64_t offset,
			      char *errstr, size_t errlen)
{
	institution_entry **slot;
	institution_version *v;
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
	if ((*slot)->count > 0 && (*slot)->versions[(*slot)->count - 1].offset >= offset)
		return 0; /* read again (a rewind): the versions hold it already */
	if (yb_array_grow((void **)&(*slot)->versions, &(*slot)->cap, (*slot)->count + 1,
			  sizeof(institution_version)) != 0)
		return YB_ENOMEM;
	v = &(*slot)->versions[(*slot)->count];
	yb_arena_init(&arena, v->memory, sizeof(v->memory));
	if (yb_avro_decode(l->avro, l->buf.data, l->buf.len, &arena, &copy, errstr, errlen) !=
	    YB_OK) {
		snprintf(errstr, errlen, "institution %s: too large to keep", inst->institution_id);
		return YB_EINVAL;
	}
	v->inst = copy.as.institution;
	v->offset = offset;
	(*slot)->count++;
	return 0;
}

/* The institution as of the view: its latest version before on->institutions. */
static const yb_institution *institution_at(const yb_ledger *l, const char *id,
					    const yb_judged_on *on)
{
	institution_entry **slot = yb_strmap_get(l->institutions, id);
	size_t n;

	if (slot == NULL || *slot == NULL)
		return NULL;
	n = (*slot)->count;
	while (n > 0 && on != NULL && (*slot)->versions[n - 1].offset >= on->institutions)
		n--;
	return n > 0 ? &(*slot)->versions[n - 1].inst : NULL;
}

/* --- claims -------------------------------------------------------------------------- */

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

void yb_judged_on_put(yb_settlement *s, yb_long_entry store[5], const yb_judged_on *on)
{
	static const char *const names[5] = {"partition", "offset", "enrollments", "payments",
					     "institutions"};
	int64_t values[5];

	s->has_judged_on = on != NULL;
	s->judged_on = NULL;
	s->judged_on_count = 0;
	if (on == NULL)
		return;
	values[0] = on->partition;
	values[1] = on->offset;
	values[2] = on->enrollments;
	values[3] = on->payments;
	values[4] = on->institutions;
	for (int i = 0; i < 5; i++) {
		store[i].key = names[i];
		store[i].value = values[i];
	}
	s->judged_on = store;
	s->judged_on_count = 5;
}

static void set_judged_on(yb_ledger *l, yb_settlement *s, const yb_judged_on *on)
{
	yb_judged_on_put(s, l->judged, on);
}

bool yb_judged_on_of(const yb_settlement *s, yb_judged_on *out)
{
	int found = 0;

	memset(out, 0, sizeof(*out));
	if (!s->has_judged_on)
		return false;
	for (uint32_t i = 0; i < s->judged_on_count; i++) {
		const char *k = s->judged_on[i].key;
		int64_t v = s->judged_on[i].value;

		if (strcmp(k, "partition") == 0 && v >= 0 && v <= INT32_MAX)
			out->partition = (int32_t)v, found |= 1;
		else if (strcmp(k, "offset") == 0)
			out->offset = v, found |= 2;
		else if (strcmp(k, "enrollments") == 0)
			out->enrollments = v, found |= 4;
		else if (strcmp(k, "payments") == 0)
			out->payments = v, found |= 8;
		else if (strcmp(k, "institutions") == 0)
			out->institutions = v, found |= 16;
	}
	return found == 31;
}

/* The content fingerprint: the claim's Avro bytes with submitted_at left out. */
static uint64_t fingerprint(yb_ledger *l, const yb_claim *c)
{
	yb_record r = {.type = YB_RECORD_CLAIM};
	char errstr[128];

	r.as.claim = *c;
	r.as.claim.submitted_at = 0;
	if (yb_avro_encode(&r, &l->buf, errstr, sizeof(errstr)) != YB_OK)
		return 0;
	return fnv1a(l->buf.data, l->buf.len, FNV_BASIS);
}

/* The last day a claim's record is answered from: its benefit year's filing deadline (the
 * next year's, by its policy) plus YB_LEDGER_KEEP_DAYS; for ever when there is none. */
static int32_t keep_until(const yb_policy *p, int32_t year)
{
	if (p == NULL || p->filing_deadline_month == 0)
		return INT32_MAX;
	return yb_date_from_ymd(year + 1, p->filing_deadline_month, p->filing_deadline_day) +
	       YB_LEDGER_KEEP_DAYS;
}

/* A member's watermark with a message stamped time_ms: the later of the two. */
static int64_t watermark_with(const member_entry *m, int64_t time_ms)
{
	int64_t w = m != NULL ? m->watermark_ms : 0;

	return time_ms > w ? time_ms : w;
}

/*
 * The record of claim_id as a message of member at watermark sees it: NULL when unknown, or
 * when its keep_until has passed (for another member's record: its owner's watermark).
 */
static claim_entry *visible_claim(yb_ledger *l, const char *claim_id, int64_t watermark)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);
	claim_entry *c = slot != NULL ? *slot : NULL;

	if (c == NULL)
		return NULL;
	if (!c->foreign) {
		const member_entry *owner = member_of(l, c->member_id, 0);
		int64_t w = owner != NULL && owner->watermark_ms > watermark ? owner->watermark_ms
									     : watermark;

		if (c->keep_until < yb_ledger_purge_day(w))
			return NULL;
	}
	return c;
}

/* A claim_id already another member's: refused, nothing recorded. */
static const yb_settlement *conflicting_member(yb_ledger *l, const yb_claim *c,
					       const yb_judged_on *on)
{
	yb_adjudicate_claim_id_taken(c, &l->adjudication);
	set_judged_on(l, &l->adjudication.settlement, on);
	return &l->adjudication.settlement;
}

int yb_ledger_repeat(yb_ledger *l, const yb_claim *c, const uint8_t *settlement, size_t len,
		     uint64_t recorded_fingerprint, const yb_settlement **out, char *errstr,
		     size_t errlen)
{
	yb_settlement *s;

	*out = recorded(l, settlement, len, errstr, errlen);
	if (*out == NULL)
		return YB_EINVAL;
	s = &l->decoded.as.settlement;
	s->duplicate = true;
	if (fingerprint(l, c) != recorded_fingerprint) {
		/* The hospital learns its resubmission, with other content, was not taken. */
		size_t n =
		    s->reasons_count < YB_MAX_REASONS ? s->reasons_count : YB_MAX_REASONS - 1;

		memcpy(l->adjudication.reasons, s->reasons, n * sizeof(*s->reasons));
		l->adjudication.reasons[n] = "CONFLICTING_DUPLICATE";
		s->reasons = l->adjudication.reasons;
		s->reasons_count = (uint32_t)n + 1;
	}
	return 1;
}

static int apply_claim(yb_ledger *l, const yb_claim *c, const yb_judged_on *on,
		       const yb_settlement **out, char *errstr, size_t errlen)
{
	const yb_policy_set *set;
	claim_entry **slot, *entry;
	member_entry *m = member_of(l, c->member_id, 0);
	struct scheme_state *st;
	yb_year_acc *acc, empty = {0};
	yb_claim_context ctx = {.referred_from_level = -1};
	yb_adjudication *a = &l->adjudication;
	int64_t watermark = watermark_with(m, c->submitted_at);
	int created;

	entry = visible_claim(l, c->claim_id, watermark);
	if (entry != NULL && (entry->foreign || strcmp(entry->member_id, c->member_id) != 0)) {
		if (strcmp(entry->member_id, c->member_id) != 0) {
			*out = conflicting_member(l, c, on);
			return 1;
		}
		entry = NULL; /* the registry's note of this very member's claim */
	}
	if (entry != NULL)
		return yb_ledger_repeat(
		    l, c, entry->reversal != NULL ? entry->reversal : entry->settlement,
		    entry->reversal != NULL ? entry->reversal_len : entry->settlement_len,
		    entry->fingerprint, out, errstr, errlen);

	slot = yb_strmap_put(l->claims, c->claim_id, &created);
	if (slot == NULL)
		return YB_ENOMEM;
	if (!created)
		free_claim(slot); /* a record past its keep_until, or a registry note */
	entry = *slot = calloc(1, sizeof(*entry));
	if (entry == NULL)
		return YB_ENOMEM;
	entry->partition = entry->reversal_partition = -1;
	entry->offset = entry->reversal_offset = -1;
	entry->fingerprint = fingerprint(l, c);

	/* Every claim has a member entry: it keeps the watermark and the accumulators. */
	m = member_of(l, c->member_id, 1);
	if (m == NULL)
		return YB_ENOMEM;
	fold(l, m, c->submitted_at, on);
	m->watermark_ms = watermark;
	drop_closed_years(m);
	/* The scheme whose period covers the service day judges, not the latest one. */
	st = judging_scheme(m, c->scheme, yb_claim_service_day(c));
	ctx.scheme = st != NULL ? st->scheme : c->scheme;
	set = set_of(l, ctx.scheme);
	ctx.policy = yb_policy_in_force(set, yb_claim_service_day(c));
	ctx.member = st != NULL ? &st->member : NULL;
	ctx.institution = institution_at(l, c->institution_id, on);
	snprintf(entry->scheme, sizeof(entry->scheme), "%s", ctx.scheme);
	{
		int yy, mo, dd;

		yb_date_to_ymd(yb_claim_service_day(c), &yy, &mo, &dd);
		entry->year = yy;
	}
	entry->keep_until = keep_until(ctx.policy, entry->year);
	acc = ctx.member != NULL ? year_of(m, ctx.scheme, entry->year) : &empty;
	ctx.acc = acc;
	ctx.previous_acc = ctx.member != NULL ? find_year(m, ctx.scheme, entry->year - 1) : NULL;
	if (c->referred_from_claim_id != NULL) {
		const claim_entry *from = visible_claim(l, c->referred_from_claim_id, watermark);

		/* A transfer from one of the member's own stays. */
		if (from != NULL && !from->foreign && !from->rejected &&
		    strcmp(from->member_id, c->member_id) == 0)
			ctx.referred_from_level = from->level;
	}
	yb_adjudicate(&ctx, c, a);
	if (strcmp(a->settlement.status, "settled") == 0 && ctx.member != NULL) {
		yb_year_acc_apply(acc, &a->delta, 1);
		m->pa_spent_fen += a->delta.personal_account_paid_fen;
		st->member.pa_spent_fen = m->pa_spent_fen;
		entry->delta = a->delta;
	} else {
		entry->rejected = true;
	}
	yb_adjudication_set_accumulators(a, acc);
	set_judged_on(l, &a->settlement, on);
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

static int apply_reversal(yb_ledger *l, const yb_reversal *r, const yb_judged_on *on,
			  const yb_settlement **out, char *errstr, size_t errlen)
{
	claim_entry *entry;
	const yb_settlement *original;
	member_entry *m = NULL;
	yb_year_acc *acc, empty = {0};
	int64_t watermark = 0;

	if (r->member_id != NULL) {
		m = member_of(l, r->member_id, 0);
		watermark = watermark_with(m, r->event_time);
	}
	entry = visible_claim(l, r->claim_id, watermark);
	if (entry != NULL && r->member_id == NULL) {
		/* A file's reversal without member_id: the claim's member's. */
		m = member_of(l, entry->member_id, 0);
		watermark = watermark_with(m, r->event_time);
		entry = visible_claim(l, r->claim_id, watermark);
	}
	if (entry == NULL || entry->foreign ||
	    (r->member_id != NULL && strcmp(entry->member_id, r->member_id) != 0)) {
		yb_adjudicate_unknown_reversal(r, &l->adjudication);
		set_judged_on(l, &l->adjudication.settlement, on);
		*out = &l->adjudication.settlement;
		return 1;
	}
	if (entry->reversal != NULL) {
		*out = recorded(l, entry->reversal, entry->reversal_len, errstr, errlen);
		if (*out == NULL)
			return YB_EINVAL;
		l->decoded.as.settlement.duplicate = true;
		return 1;
	}
	m = member_of(l, entry->member_id, 1);
	if (m == NULL)
		return YB_ENOMEM;
	m->watermark_ms = watermark_with(m, r->event_time);
	drop_closed_years(m);
	acc = entry->rejected ? &empty : year_of(m, entry->scheme, entry->year);
	if (!entry->rejected) {
		yb_year_acc_apply(acc, &entry->delta, -1);
		m->pa_spent_fen -= entry->delta.personal_account_paid_fen;
		for (int i = 0; i < m->scheme_count; i++)
			m->schemes[i].member.pa_spent_fen = m->pa_spent_fen;
	} else if (find_year(m, entry->scheme, entry->year) != NULL) {
		acc = year_of(m, entry->scheme, entry->year);
	}
	original = recorded(l, entry->settlement, entry->settlement_len, errstr, errlen);
	if (original == NULL)
		return YB_EINVAL;
	yb_adjudicate_reversal(original, r, acc, &l->adjudication);
	set_judged_on(l, &l->adjudication.settlement, on);
	entry->reversal =
	    keep(l, &l->adjudication.settlement, &entry->reversal_len, errstr, errlen);
	if (entry->reversal == NULL)
		return YB_EINVAL;
	*out = &l->adjudication.settlement;
	return 1;
}

int yb_ledger_judge(yb_ledger *l, const yb_record *record, const yb_judged_on *on,
		    const yb_settlement **settlement, char *errstr, size_t errlen)
{
	int rc;

	*settlement = NULL;
	if (record->type != YB_RECORD_CLAIM && record->type != YB_RECORD_REVERSAL) {
		snprintf(errstr, errlen, "%s: not a claim or a reversal",
			 yb_record_desc_of(record->type)->name);
		return YB_EINVAL;
	}
	rc = yb_ledger_admit(l, record, NULL, 0, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	return record->type == YB_RECORD_CLAIM
		   ? apply_claim(l, &record->as.claim, on, settlement, errstr, errlen)
		   : apply_reversal(l, &record->as.reversal, on, settlement, errstr, errlen);
}

int yb_ledger_apply(yb_ledger *l, const yb_record *record, const yb_settlement **settlement,
		    char *errstr, size_t errlen)
{
	int rc;

	*settlement = NULL;
	switch (record->type) {
	case YB_RECORD_CLAIM:
	case YB_RECORD_REVERSAL:
		return yb_ledger_judge(l, record, NULL, settlement, errstr, errlen);
	case YB_RECORD_INSTITUTION:
		rc = yb_ledger_admit(l, record, NULL, 0, errstr, errlen);
		return rc != YB_OK
			   ? rc
			   : yb_ledger_add_institution(l, &record->as.institution,
						       l->next_position[0]++, errstr, errlen);
	case YB_RECORD_ENROLLMENT:
	case YB_RECORD_PAYMENT: {
		bool enrollment = record->type == YB_RECORD_ENROLLMENT;

		rc = yb_ledger_admit(l, record, NULL, 0, errstr, errlen);
		if (rc != YB_OK)
			return rc;
		if (yb_avro_encode(record, &l->buf, errstr, errlen) != YB_OK)
			return YB_EINVAL;
		rc = yb_ledger_add_event(
		    l, enrollment ? record->as.enrollment.member_id : record->as.payment.member_id,
		    yb_record_time(record),
		    enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT, -1,
		    l->next_position[enrollment ? 1 : 2]++, l->buf.data, l->buf.len);
		return rc != YB_OK ? rc : 0;
	}
	default:
		return yb_ledger_admit(l, record, NULL, 0, errstr, errlen);
	}
}

void yb_ledger_claim_facts(yb_ledger *l, const yb_claim *c, const yb_judged_on *on,
			   yb_claim_facts *out)
{
	member_entry *m = member_of(l, c->member_id, 0);
	struct scheme_state *st = NULL;
	const yb_policy_set *set;

	if (m != NULL) {
		fold(l, m, c->submitted_at, on);
		st = judging_scheme(m, c->scheme, yb_claim_service_day(c));
	}
	set = set_of(l, st != NULL ? st->scheme : c->scheme);
	out->member = st != NULL ? &st->member : NULL;
	out->institution = institution_at(l, c->institution_id, on);
	out->policy = set != NULL ? yb_policy_in_force(set, yb_claim_service_day(c)) : NULL;
}

/* --- the working set of a batch, and rebuilds ----------------------------------------- */

void yb_ledger_forget_members(yb_ledger *l)
{
	yb_strmap_clear(l->members, free_member);
	yb_strmap_clear(l->claims, free_claim);
	l->event_total = 0;
}

int yb_ledger_load_member(yb_ledger *l, const char *member_id, int64_t pa_spent_fen,
			  int64_t watermark_ms, const yb_member_year *years, size_t count)
{
	member_entry *m = member_of(l, member_id, 1);

	if (m == NULL)
		return YB_ENOMEM;
	m->pa_spent_fen = pa_spent_fen;
	m->watermark_ms = watermark_ms;
	for (size_t i = 0; i < count; i++)
		*year_of(m, years[i].scheme, years[i].year) = years[i].acc;
	drop_closed_years(m);
	return YB_OK;
}

static uint8_t *copy_bytes(const uint8_t *bytes, size_t len)
{
	uint8_t *copy = malloc(len > 0 ? len : 1);

	if (copy != NULL && len > 0)
		memcpy(copy, bytes, len);
	return copy;
}

/* The slot of claim_id holding a fresh entry (a previous one freed). */
static claim_entry *fresh_claim(yb_ledger *l, const char *claim_id)
{
	int created;
	claim_entry **slot = yb_strmap_put(l->claims, claim_id, &created);

	if (slot == NULL)
		return NULL;
	if (!created)
		free_claim(slot);
	*slot = calloc(1, sizeof(claim_entry));
	return *slot;
}

int yb_ledger_load_claim(yb_ledger *l, const yb_claim_state *c)
{
	claim_entry *entry = fresh_claim(l, c->claim_id);

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
	snprintf(entry->scheme, sizeof(entry->scheme), "%s", c->scheme != NULL ? c->scheme : "");
	entry->year = c->year;
	entry->level = c->level;
	entry->rejected = c->rejected;
	entry->fingerprint = c->fingerprint;
	entry->keep_until = c->keep_until;
	entry->partition = c->partition;
	entry->offset = c->offset;
	entry->reversal_partition = c->reversal_partition;
	entry->reversal_offset = c->reversal_offset;
	return YB_OK;
}

int yb_ledger_load_owner(yb_ledger *l, const char *claim_id, const char *owner)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);
	claim_entry *entry;

	if (slot != NULL && *slot != NULL && !(*slot)->foreign)
		return YB_OK; /* the record itself is known */
	entry = fresh_claim(l, claim_id);
	if (entry == NULL)
		return YB_ENOMEM;
	snprintf(entry->member_id, sizeof(entry->member_id), "%s", owner);
	entry->foreign = true;
	entry->keep_until = INT32_MAX;
	entry->partition = entry->reversal_partition = -1;
	entry->offset = entry->reversal_offset = -1;
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
	out->scheme = e->scheme;
	out->year = e->year;
	out->level = e->level;
	out->rejected = e->rejected;
	out->fingerprint = e->fingerprint;
	out->keep_until = e->keep_until;
	out->partition = e->partition;
	out->offset = e->offset;
	out->reversal_partition = e->reversal_partition;
	out->reversal_offset = e->reversal_offset;
}

int yb_ledger_claim(const yb_ledger *l, const char *claim_id, yb_claim_state *out)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);

	if (slot == NULL || *slot == NULL || (*slot)->foreign)
		return YB_ENOTFOUND;
	state_of(claim_id, *slot, out);
	return YB_OK;
}

void yb_ledger_set_source(yb_ledger *l, const char *claim_id, bool reversal, int32_t partition,
			  int64_t offset)
{
	claim_entry **slot = yb_strmap_get(l->claims, claim_id);

	if (slot == NULL || *slot == NULL || (*slot)->foreign)
		return;
	if (reversal) {
		(*slot)->reversal_partition = partition;
		(*slot)->reversal_offset = offset;
	} else {
		(*slot)->partition = partition;
		(*slot)->offset = offset;
	}
}

int yb_ledger_member_year(const yb_ledger *l, const char *member_id, const char *scheme,
			  int32_t year, yb_year_acc *acc, int64_t *pa_spent_fen,
			  int64_t *watermark_ms)
{
	member_entry **slot = yb_strmap_get(l->members, member_id);
	const yb_year_acc *found;

	memset(acc, 0, sizeof(*acc));
	*pa_spent_fen = 0;
	*watermark_ms = 0;
	if (slot == NULL || *slot == NULL)
		return YB_ENOTFOUND;
	*pa_spent_fen = (*slot)->pa_spent_fen;
	*watermark_ms = (*slot)->watermark_ms;
	found = find_year(*slot, scheme, year);
	if (found == NULL)
		return YB_ENOTFOUND;
	*acc = *found;
	return YB_OK;
}

typedef struct each_member_ctx {
	int (*fn)(const char *, int64_t, int64_t, const yb_member_year *, size_t, void *);
	void *opaque;
} each_member_ctx;

static int each_member(const char *key, void *value, void *opaque)
{
	const member_entry *m = *(member_entry **)value;
	each_member_ctx *ctx = opaque;

	return ctx->fn(key, m->pa_spent_fen, m->watermark_ms, m->years, (size_t)m->year_count,
		       ctx->opaque);
}

int yb_ledger_each_member(const yb_ledger *l,
			  int (*fn)(const char *member_id, int64_t pa_spent_fen,
				    int64_t watermark_ms, const yb_member_year *years, size_t count,
				    void *opaque),
			  void *opaque)
{
	each_member_ctx ctx = {fn, opaque};

	return yb_strmap_each(l->members, each_member, &ctx);
}

typedef struct each_claim_ctx {
	const yb_ledger *ledger;
	int (*fn)(const yb_claim_state *, void *);
	void *opaque;
} each_claim_ctx;

static int each_claim(const char *key, void *value, void *opaque)
{
	each_claim_ctx *ctx = opaque;
	const claim_entry *c = *(claim_entry **)value;
	const member_entry *owner;
	yb_claim_state state;

	if (c->foreign)
		return 0;
	/* What the owner's watermark has dropped is not written out. */
	owner = member_of((yb_ledger *)ctx->ledger, c->member_id, 0);
	if (owner != NULL && c->keep_until < yb_ledger_purge_day(owner->watermark_ms))
		return 0;
	state_of(key, c, &state);
	return ctx->fn(&state, ctx->opaque);
}

int yb_ledger_each_claim(const yb_ledger *l, int (*fn)(const yb_claim_state *claim, void *opaque),
			 void *opaque)
{
	each_claim_ctx ctx = {l, fn, opaque};

	return yb_strmap_each(l->claims, each_claim, &ctx);
}

/*
 * The packed form: format, reversed, rejected, then the fixed fields as zigzag varints, the
 * delta packed (yb_year_acc_pack), member_id (with its NUL), the settlement and the reversal
 * bytes. A layout change bumps YB_CLAIM_STATE_FORMAT (Redis is a cache, rebuilt with
 * claimctl rebuild).
 */

#define PACKED_FIXED 12 /* varints before the delta */

int yb_claim_state_pack(const yb_claim_state *c, yb_buf *out)
{
	size_t member_len = strlen(c->member_id) + 1;
	const char *scheme = c->scheme != NULL ? c->scheme : "";
	size_t scheme_len = strlen(scheme) + 1;
	size_t reversal_len = c->reversal != NULL ? c->reversal_len : 0;
	size_t room = 3 + PACKED_FIXED * 10 + YB_YEAR_ACC_PACKED_MAX + member_len + scheme_len +
		      c->settlement_len + reversal_len;
	const int64_t fixed[PACKED_FIXED] = {c->year,
					     c->level,
					     c->partition,
					     c->offset,
					     c->reversal_partition,
					     c->reversal_offset,
					     c->keep_until,
					     (int64_t)c->fingerprint,
					     (int64_t)member_len,
					     (int64_t)c->settlement_len,
					     (int64_t)reversal_len,
					     (int64_t)scheme_len};
	uint8_t *p;
	size_t n = 0;

	out->len = 0;
	if (yb_buf_reserve(out, room) != 0)
		return YB_ENOMEM;
	p = out->data;
	p[n++] = YB_CLAIM_STATE_FORMAT;
	p[n++] = c->reversal != NULL;
	p[n++] = c->rejected;
	for (int i = 0; i < PACKED_FIXED; i++)
		n += yb_varint_put(p + n, fixed[i]);
	n += yb_year_acc_pack(&c->delta, p + n);
	memcpy(p + n, c->member_id, member_len);
	n += member_len;
	memcpy(p + n, scheme, scheme_len);
	n += scheme_len;
	memcpy(p + n, c->settlement, c->settlement_len);
	n += c->settlement_len;
	if (reversal_len > 0)
		memcpy(p + n, c->reversal, reversal_len);
	n += reversal_len;
	out->len = n;
	return YB_OK;
}

int yb_claim_state_unpack(const uint8_t *bytes, size_t len, const char *claim_id,
			  yb_claim_state *out)
{
	int64_t fixed[PACKED_FIXED];
	size_t at = 3;
	long used;

	memset(out, 0, sizeof(*out));
	if (len < 3 || bytes[0] != YB_CLAIM_STATE_FORMAT || bytes[1] > 1 || bytes[2] > 1)
		return YB_EINVAL;
	for (int i = 0; i < PACKED_FIXED; i++) {
		if (yb_varint_get(bytes, len, &at, &fixed[i]) != 0)
			return YB_EINVAL;
	}
	used = yb_year_acc_unpack(bytes + at, len - at, &out->delta);
	if (used < 0)
		return YB_EINVAL;
	at += (size_t)used;
	/* member_id, settlement, reversal: exactly the rest, member_id NUL-terminated. */
	if (fixed[8] <= 0 || fixed[9] < 0 || fixed[10] < 0 || fixed[11] <= 0 ||
	    fixed[8] > YB_LEDGER_ID_MAX + 1 || fixed[11] > YB_POLICY_NAME_LEN ||
	    (uint64_t)fixed[8] + (uint64_t)fixed[11] + (uint64_t)fixed[9] + (uint64_t)fixed[10] !=
		len - at ||
	    bytes[at + (size_t)fixed[8] - 1] != '\0' ||
	    bytes[at + (size_t)fixed[8] + (size_t)fixed[11] - 1] != '\0' ||
	    (bytes[1] == 0 && fixed[10] != 0) || fixed[0] < INT32_MIN || fixed[0] > INT32_MAX ||
	    fixed[1] < INT32_MIN || fixed[1] > INT32_MAX || fixed[2] < INT32_MIN ||
	    fixed[2] > INT32_MAX || fixed[4] < INT32_MIN || fixed[4] > INT32_MAX ||
	    fixed[6] < INT32_MIN || fixed[6] > INT32_MAX)
		return YB_EINVAL;
	out->claim_id = claim_id;
	out->year = (int32_t)fixed[0];
	out->level = (int32_t)fixed[1];
	out->partition = (int32_t)fixed[2];
	out->offset = fixed[3];
	out->reversal_partition = (int32_t)fixed[4];
	out->reversal_offset = fixed[5];
	out->keep_until = (int32_t)fixed[6];
	out->fingerprint = (uint64_t)fixed[7];
	out->member_id = (const char *)bytes + at;
	at += (size_t)fixed[8];
	out->scheme = (const char *)bytes + at;
	at += (size_t)fixed[11];
	out->settlement = bytes + at;
	out->settlement_len = (size_t)fixed[9];
	at += (size_t)fixed[9];
	out->reversal = bytes[1] ? bytes + at : NULL;
	out->reversal_len = (size_t)fixed[10];
	out->rejected = bytes[2] != 0;
	return YB_OK;
}
