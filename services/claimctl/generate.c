/*
 * claimctl generate: a seeded, reproducible sample of the pipeline's inputs, any size.
 *
 * Institutions of every level and kind in the four cities; a population across the five
 * schemes and their categories; payments through the year (on time, late, missing);
 * claims of every visit type; reversals and repeated claims; a share of malformed lines
 * (which the pipeline must dead-letter) and of suspicious patterns (double billing,
 * overlapping stays). Everything comes out as JSON Lines in event-time order, built from
 * the generated record structs, so every good line is valid against the schemas.
 * The same seed and sizes give the same bytes.
 *
 * Yantai's measures are in force 2018-2022, the others' from 2020 and 2021: Yantai members
 * live in 2022, the others in 2024.
 *
 * Real member histories come from a second random stream (so the rest of a seed's sample
 * stays as it was): Yantai members who change scheme mid-year, both ways; residents who
 * resume after a year's gap; newborns of late last year with the birth year's premium and a
 * late one for this year; stays that begin in December and end in January; stays reversed
 * and sent again under a new claim_id. Students are of any age from 7 to 22.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "codec/json.h"
#include "base/date.h"
#include "base/error.h"

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	/* xorshift64*: small, fast and the same on every platform. */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static int pick(rng *r, int n)
{
	return (int)(next(r) % (uint64_t)n);
}

static bool chance(rng *r, int percent)
{
	return pick(r, 100) < percent;
}

typedef struct scheme_info {
	const char *name, *city, *prefix;
	int year;
	bool employee;
} scheme_info;

static const scheme_info schemes[] = {
    {"yingkou-resident", "yingkou", "YK", 2024, false},
    {"binzhou-resident", "binzhou", "BZ", 2024, false},
    {"chaoyang-resident", "chaoyang", "CY", 2024, false},
    {"yantai-employee", "yantai", "YE", 2022, true},
    {"yantai-resident", "yantai", "YR", 2022, false},
};
#define SCHEMES 5

/* One output line and when it happened, for the event-time sort. */
typedef struct event {
	int64_t time;
	uint64_t seq;
	char *text;
} event;

typedef struct gen {
	rng r;
	rng h; /* member histories: switches, gaps, newborns, New Year stays, resubmissions */
	uint64_t switches, gaps, newborns, new_year_stays, resubmitted;
	event *events;
	size_t count, cap;
	uint64_t seq;
	yb_buf buf;
	int institutions_per_city;
	uint64_t claims, malformed, suspicious;
	/* --clean: a background without fraud patterns (members paid up, designated
	 * institutions, each member's claims apart); --inject: the patterns, and their labels. */
	bool clean;
	FILE *labels;
	uint64_t patterns;
} gen;

static int emit_text(gen *g, int64_t time, const char *text, size_t len)
{
	event *e;

	if (g->count == g->cap) {
		size_t cap = g->cap == 0 ? 4096 : g->cap * 2;
		event *grown = realloc(g->events, cap * sizeof(*grown));

		if (grown == NULL)
			return YB_ENOMEM;
		g->events = grown;
		g->cap = cap;
	}
	e = &g->events[g->count];
	e->text = malloc(len + 1);
	if (e->text == NULL)
		return YB_ENOMEM;
	memcpy(e->text, text, len);
	e->text[len] = '\0';
	e->time = time;
	e->seq = g->seq++;
	g->count++;
	return YB_OK;
}

static int emit(gen *g, int64_t time, const yb_record *r)
{
	g->buf.len = 0;
	if (yb_json_format(r, &g->buf) != YB_OK)
		return YB_EINVAL;
	return emit_text(g, time, (const char *)g->buf.data, g->buf.len);
}

static int64_t at(int32_t day, int hour)
{
	return (int64_t)day * YB_MS_PER_DAY + (int64_t)hour * 3600000 - YB_CST_OFFSET_MS;
}

static void id(char *out, size_t len, const char *prefix, const char *kind, uint64_t n)
{
	snprintf(out, len, "%s-%s%06" PRIu64, prefix, kind, n);
}

/* --- institutions ---------------------------------------------------------------------- */

static const char *const kinds[] = {"general",   "general",   "tcm",
				    "specialty", "community", "township"};
static const char *const specialties[] = {"tb", "psychiatric", "infectious", "oncology"};

static int institutions(gen *g)
{
	const char *cities[] = {"yingkou", "binzhou", "chaoyang", "yantai"};
	const char *prefixes[] = {"YK", "BZ", "CY", "YT"};

	for (int c = 0; c < 4; c++) {
		for (int i = 0; i < g->institutions_per_city; i++) {
			yb_record r = {.type = YB_RECORD_INSTITUTION};
			yb_institution *in = &r.as.institution;
			char iid[32];
			const char *kind = kinds[i % 6];

			snprintf(iid, sizeof(iid), "%s-H%03d", prefixes[c], i);
			in->institution_id = iid;
			in->city = cities[c];
			/* Every level, unrated included; community and township are level 1. */
			in->level = strcmp(kind, "community") == 0 || strcmp(kind, "township") == 0
					? 1
					: i % 4;
			in->grade = in->level == 3 ? (i % 8 < 4 ? "A" : "B") : "B";
			in->kind = kind;
			in->specialty = strcmp(kind, "specialty") == 0 ? specialties[i % 4] : NULL;
			in->ownership = i % 7 == 5 ? "private" : "public";
			in->has_beds = true;
			in->beds = 50 + pick(&g->r, 600);
			in->designated = i % 24 != 23; /* one in 24 is not designated */
			in->has_essential_drug_system = true;
			in->essential_drug_system = i % 3 != 0;
			if (emit(g, INT64_MIN + 1, &r) != YB_OK)
				return YB_ENOMEM;
		}
	}
	return YB_OK;
}

/* --- members, payments ------------------------------------------------------------------- */

typedef struct member {
	char id[32];
	const scheme_info *s;
	char category[24];
	char sex;
	int32_t birth;
	int32_t enrolled; /* day */
	/* a change of scheme: from switch_day on, the member is in switch_to */
	const scheme_info *switch_to;
	int32_t switch_day;
	/* --clean: the member's claims so far, kept apart so no fraud pattern forms by chance */
	int spans;
	int32_t span_from[8], span_to[8];
	int64_t spent_fen; /* --clean: kept well below any annual cap */
} member;

static const char *const resident_categories[] = {"adult",
						  "adult",
						  "adult",
						  "adult",
						  "minor",
						  "student",
						  "veteran",
						  "released",
						  "graduate",
						  "employee_transfer",
						  "special_assistance"};
static const char *const employee_categories[] = {"employee", "employee", "employee", "retiree",
						  "flexible"};

/* A payment of m's scheme with the fields every kind carries; the caller adds the rest. */
static yb_record payment(const member *m, const char *event_id, const char *kind)
{
	yb_record p = {.type = YB_RECORD_PAYMENT};

	p.as.payment.event_id = event_id;
	p.as.payment.member_id = m->id;
	p.as.payment.scheme = m->s->name;
	p.as.payment.kind = kind;
	return p;
}

static const scheme_info *scheme_named(const char *name)
{
	for (int i = 0; i < SCHEMES; i++) {
		if (strcmp(schemes[i].name, name) == 0)
			return &schemes[i];
	}
	return NULL;
}

/*
 * A Yantai member who changes scheme on m->switch_day (居民办法 第二十六条): the enrolment in
 * the other scheme, and its payments from then on: an employee who leaves work enrols as a
 * resident (employee_transfer) and pays the year's premium late; a resident who finds work
 * enrols as an employee and contributes monthly from that month.
 */
static int switch_scheme(gen *g, member *m, uint64_t n)
{
	yb_record e = {.type = YB_RECORD_ENROLLMENT};
	yb_enrollment *en = &e.as.enrollment;
	char eid[40], pid[40], period[24];
	int y, mo, d;

	id(eid, sizeof(eid), m->switch_to->prefix, "S", n);
	en->event_id = eid;
	en->member_id = m->id;
	en->scheme = m->switch_to->name;
	en->action = "enroll";
	en->category = m->switch_to->employee ? "employee" : "employee_transfer";
	en->sex = m->sex == 'M' ? "M" : "F";
	en->has_birth_date = true;
	en->birth_date = m->birth;
	en->has_tier = true;
	en->tier = 1;
	en->has_effective_date = true;
	en->effective_date = m->switch_day;
	if (!m->switch_to->employee) {
		en->has_prior_coverage_end = true;
		en->prior_coverage_end = m->switch_day - 1;
	}
	en->event_time = at(m->switch_day, 9);
	if (emit(g, en->event_time, &e) != YB_OK)
		return YB_ENOMEM;
	yb_date_to_ymd(m->switch_day, &y, &mo, &d);
	if (!m->switch_to->employee) {
		yb_record p = payment(m, pid, "premium");

		id(pid, sizeof(pid), m->switch_to->prefix, "Q", n);
		p.as.payment.scheme = m->switch_to->name;
		p.as.payment.has_coverage_year = true;
		p.as.payment.coverage_year = y;
		p.as.payment.amount_fen = yb_fen(38000);
		p.as.payment.paid_at = at(m->switch_day + 3 + pick(&g->h, 20), 11);
		return emit(g, p.as.payment.paid_at, &p);
	}
	for (int month = mo; month <= 12; month++) {
		yb_record p = payment(m, pid, "contribution");

		id(pid, sizeof(pid), m->switch_to->prefix, "Q", n * 100 + (uint64_t)month);
		snprintf(period, sizeof(period), "%04d-%02d", y, month);
		p.as.payment.scheme = m->switch_to->name;
		p.as.payment.period = period;
		p.as.payment.has_wage_fen = true;
		p.as.payment.wage_fen = yb_fen(500000);
		p.as.payment.amount_fen = yb_fen(45000);
		p.as.payment.paid_at = at(yb_date_from_ymd(y, month, 15), 10);
		if (emit(g, p.as.payment.paid_at, &p) != YB_OK)
			return YB_ENOMEM;
	}
	return YB_OK;
}

static int enroll_and_pay(gen *g, member *m, uint64_t n)
{
	yb_record e = {.type = YB_RECORD_ENROLLMENT};
	yb_enrollment *en = &e.as.enrollment;
	int y = m->s->year;
	char eid[40], pid[40], period[24];
	int32_t jan1 = yb_date_from_ymd(y, 1, 1);
	int age;
	bool newborn;

	m->sex = chance(&g->r, 50) ? 'M' : 'F';
	snprintf(m->category, sizeof(m->category), "%s",
		 m->s->employee ? employee_categories[pick(&g->r, 5)]
				: resident_categories[pick(&g->r, 11)]);
	if (g->clean) /* no category with a waiting rule of its own */
		snprintf(m->category, sizeof(m->category), "%s",
			 m->s->employee ? "employee" : "adult");
	age = strcmp(m->category, "minor") == 0     ? pick(&g->r, 16)
	      : strcmp(m->category, "student") == 0 ? 7 + pick(&g->r, 16)
	      : strcmp(m->category, "retiree") == 0 ? 60 + pick(&g->r, 25)
						    : 18 + pick(&g->r, 60);
	m->birth = yb_date_from_ymd(y - age, 1 + pick(&g->r, 12), 1 + pick(&g->r, 28));
	m->enrolled = yb_date_from_ymd(y - 2, 1 + pick(&g->r, 9), 1 + pick(&g->r, 28));
	if (!g->clean && strcmp(m->s->city, "yantai") == 0 && strcmp(m->category, "retiree") != 0 &&
	    strcmp(m->category, "minor") != 0 && strcmp(m->category, "student") != 0 &&
	    chance(&g->h, 8)) {
		m->switch_to = scheme_named(m->s->employee ? "yantai-resident" : "yantai-employee");
		m->switch_day = yb_date_from_ymd(y, 4, 1) + pick(&g->h, 150);
		g->switches++;
	}
	newborn =
	    !g->clean && !m->s->employee && strcmp(m->category, "minor") == 0 && chance(&g->h, 20);
	if (newborn) {
		/* Born late last year: enrolled in December with the birth year's premium. */
		m->birth = yb_date_from_ymd(y - 1, 11, 1) + pick(&g->h, 40);
		m->enrolled = m->birth + 10 + pick(&g->h, 10);
		g->newborns++;
	}
	id(eid, sizeof(eid), m->s->prefix, "E", n);
	en->event_id = eid;
	en->member_id = m->id;
	en->scheme = m->s->name;
	en->action = "enroll";
	en->category = m->category;
	en->sex = m->sex == 'M' ? "M" : "F";
	en->has_birth_date = true;
	en->birth_date = m->birth;
	en->has_tier = true;
	en->tier = 1 + pick(&g->r, 2);
	en->has_local_hukou = true;
	en->local_hukou = chance(&g->r, 85);
	if (strcmp(m->category, "employee_transfer") == 0) {
		en->has_prior_coverage_end = true;
		en->prior_coverage_end = jan1 + 30 + pick(&g->r, 60);
		m->enrolled = en->prior_coverage_end;
	}
	if (strcmp(m->category, "retiree") == 0) {
		en->has_contribution_years = true;
		en->contribution_years = 15 + pick(&g->r, 25);
	}
	en->event_time = at(m->enrolled, 9);
	if (emit(g, en->event_time, &e) != YB_OK)
		return YB_ENOMEM;

	if (m->s->employee) {
		/* Monthly contributions for two years; some members skip a stretch. */
		int gap_from = chance(&g->r, 15) && !g->clean ? pick(&g->r, 24) : 99,
		    gap = 1 + pick(&g->r, 14);

		if (strcmp(m->category, "retiree") == 0)
			return YB_OK;
		for (int k = 0; k < 24; k++) {
			yb_record p = payment(m, pid, "contribution");
			yb_payment *pay = &p.as.payment;
			int py = y - 1 + k / 12, pm = k % 12 + 1;

			if (k >= gap_from && k < gap_from + gap)
				continue;
			if (m->switch_to != NULL && yb_date_from_ymd(py, pm, 1) >= m->switch_day) {
				(void)pick(&g->r, 1200000); /* the rest of the sample as it was */
				continue;
			}
			id(pid, sizeof(pid), m->s->prefix, "C", n * 100 + (uint64_t)k);
			snprintf(period, sizeof(period), "%04d-%02d", py, pm);
			pay->period = period;
			pay->has_wage_fen = true;
			pay->wage_fen = yb_fen(300000 + pick(&g->r, 1200000));
			pay->amount_fen = yb_fen(pay->wage_fen.fen * 9 / 100);
			pay->paid_at = at(yb_date_from_ymd(py, pm, 15), 10);
			if (emit(g, pay->paid_at, &p) != YB_OK)
				return YB_ENOMEM;
		}
		if (m->switch_to != NULL && switch_scheme(g, m, n) != YB_OK)
			return YB_ENOMEM;
		if (chance(&g->r, 60)) {
			yb_record p = payment(m, pid, "large_relief_fee");

			id(pid, sizeof(pid), m->s->prefix, "L", n);
			p.as.payment.has_coverage_year = true;
			p.as.payment.coverage_year = y;
			p.as.payment.amount_fen = yb_fen(3600);
			p.as.payment.paid_at = at(jan1 + pick(&g->r, 20), 10);
			if (emit(g, p.as.payment.paid_at, &p) != YB_OK)
				return YB_ENOMEM;
		}
		return YB_OK;
	}
	/* Residents: last year's premium for most, this year's on time, late or never. */
	for (int year = y - 1; year <= y; year++) {
		yb_record p = payment(m, pid, "premium");
		int32_t paid_on;
		int roll = g->clean ? 50 : pick(&g->r, 100);

		if (newborn) {
			/* The birth year's premium within weeks of the birth; this year's late.
			 * The draws of an ordinary member are made all the same, so the rest of
			 * the sample stays as it was. */
			if (!(year == y - 1 && roll < 20) && !(year == y && roll >= 92))
				(void)pick(&g->r, year == y && roll >= 80 ? 120 : 55);
			paid_on = year == y - 1 ? m->birth + 15 + pick(&g->h, 10)
						: jan1 + 5 + pick(&g->h, 40);
			id(pid, sizeof(pid), m->s->prefix, "P", n * 10 + (uint64_t)(year - y + 1));
			p.as.payment.has_coverage_year = true;
			p.as.payment.coverage_year = year;
			p.as.payment.amount_fen = yb_fen(35000);
			p.as.payment.paid_at = at(paid_on, 11);
			if (emit(g, p.as.payment.paid_at, &p) != YB_OK)
				return YB_ENOMEM;
			continue;
		}
		if (year == y - 1 && roll < 20) {
			/* A new enrollee; now and then one who resumes after a year's gap. */
			if (!g->clean && chance(&g->h, 30)) {
				yb_record old = payment(m, pid, "premium");

				id(pid, sizeof(pid), m->s->prefix, "G", n);
				old.as.payment.has_coverage_year = true;
				old.as.payment.coverage_year = y - 2;
				old.as.payment.amount_fen = yb_fen(32000);
				old.as.payment.paid_at =
				    at(yb_date_from_ymd(y - 3, 11, 5) + pick(&g->h, 40), 11);
				g->gaps++;
				if (emit(g, old.as.payment.paid_at, &old) != YB_OK)
					return YB_ENOMEM;
			}
			continue;
		}
		if (year == y && roll >= 92)
			continue; /* missing: every claim of the year is refused */
		paid_on = year == y && roll >= 80
			      ? jan1 + 10 + pick(&g->r, 120) /* late */
			      : yb_date_from_ymd(year - 1, 11, 1) + pick(&g->r, 55);
		id(pid, sizeof(pid), m->s->prefix, "P", n * 10 + (uint64_t)(year - y + 1));
		p.as.payment.has_coverage_year = true;
		p.as.payment.coverage_year = year;
		p.as.payment.amount_fen = yb_fen(35000 + 3000 * (year - y + 1));
		p.as.payment.paid_at = at(paid_on, 11);
		if (emit(g, p.as.payment.paid_at, &p) != YB_OK)
			return YB_ENOMEM;
	}
	return m->switch_to != NULL ? switch_scheme(g, m, n) : YB_OK;
}

/* --- claims -------------------------------------------------------------------------------- */

static const char *const visits[] = {"inpatient",          "inpatient",  "inpatient",
				     "outpatient",         "outpatient", "outpatient",
				     "chronic_outpatient", "maternity",  "accident_outpatient"};
static const char *const diagnoses[] = {"J18.9", "I10", "E11.9", "K35.8", "S72.0", "C34.9",
					"N18.5", "O80", "C91.0", "Q21.0", "F20.9", "A15.0"};
static const char *const causes[] = {"no_liable_party", "traffic",     "third_party",
				     "self_harm",       "work_injury", "fight"};
/* Malformed claims, around their claim_id: each breaks the contract another way. */
static const struct {
	const char *before, *after;
} malformed[] = {
    {"{\"type\":\"claim\",\"claim_id\":\"", "\"}"}, /* the required fields missing */
    {"{\"type\":\"claim\",\"claim_id\":\"",
     "\",\"member_id\":\"M\",\"scheme\":\"yingkou-resident\",\"institution_id\":\"YK-H001\","
     "\"visit_type\":\"outpatient\",\"service_date\":\"2024-02-30\",\"total_fen\":100,"
     "\"compliant_fen\":100,\"submitted_at\":\"2024-03-01T10:00:00+08:00\"}"}, /* no such day */
    {"{\"type\":\"claim\",\"claim_id\":\"", "\",\"total_fen\":-5"},            /* cut off */
    {"{\"type\":\"claim\",\"claim_id\":\"",
     "\",\"member_id\":\"M\",\"scheme\":\"yingkou-resident\",\"institution_id\":\"YK-H001\","
     "\"visit_type\":\"outpatient\",\"service_date\":\"2024-03-01\",\"total_fen\":100,"
     "\"compliant_fen\":900,\"submitted_at\":\"2024-03-01T10:00:00+08:00\"}"}, /* compliant > total
										*/
    {"{\"type\":\"claim\",\"claim_id\":\"",
     "\",\"member_id\":\"M\",\"scheme\":\"yingkou-resident\",\"institution_id\":\"YK-H001\","
     "\"visit_type\":\"outpatient\",\"service_date\":\"2024-03-01\",\"total_fen\":12.5,"
     "\"compliant_fen\":10,\"submitted_at\":\"2024-03-01T10:00:00+08:00\"}"}, /* fractional money */
};

/* --clean: would a claim over [from, to] come within 16 days of one of the member's own? */
static bool crowds(const member *m, int32_t from, int32_t to)
{
	for (int i = 0; i < m->spans; i++) {
		if (from <= m->span_to[i] + 16 && m->span_from[i] <= to + 16)
			return true;
	}
	return false;
}

static int claim(gen *g, member *members, size_t member_count, uint64_t n)
{
	member *m = &members[pick(&g->r, (int)member_count)];
	yb_record r = {.type = YB_RECORD_CLAIM};
	yb_claim *c = &r.as.claim;
	char cid[40], iid[32];
	const char *visit = visits[pick(&g->r, 9)];
	const char *dx[1];
	const char *tx[1];
	int32_t day = yb_date_from_ymd(m->s->year, 1, 1) + pick(&g->r, 330);
	bool stay = strcmp(visit, "inpatient") == 0 || strcmp(visit, "maternity") == 0;
	int64_t total;
	int kind_roll = pick(&g->r, 100);
	const char *city_prefix = strcmp(m->s->city, "yantai") == 0 ? "YT" : m->s->prefix;

	id(cid, sizeof(cid), m->s->prefix, "K", n);
	if (stay && !g->clean && chance(&g->h, 3)) {
		/* A stay that begins in December of last year and may end in January. */
		day = yb_date_from_ymd(m->s->year - 1, 12, 18) + pick(&g->h, 14);
		g->new_year_stays++;
	}
	if (chance(&g->r, 1)) { /* malformed: the pipeline dead-letters it */
		char text[1024];
		int which = pick(&g->r, 5);
		int len = snprintf(text, sizeof(text), "%s%s%s", malformed[which].before, cid,
				   malformed[which].after);

		g->malformed++;
		return emit_text(g, at(day, 18), text, (size_t)len);
	}
	/* Where: mostly the city's own level 1-3, now and then a community centre. */
	snprintf(iid, sizeof(iid), "%s-H%03d", city_prefix,
		 strcmp(visit, "outpatient") == 0 && kind_roll < 60
		     ? 4 + 6 * pick(&g->r, g->institutions_per_city / 6 > 0
					       ? g->institutions_per_city / 6
					       : 1) /* community */
		     : pick(&g->r, g->institutions_per_city));
	c->claim_id = cid;
	c->member_id = m->id;
	/* A member who changed scheme claims under the scheme of the service day. */
	c->scheme = m->switch_to != NULL && day >= m->switch_day ? m->switch_to->name : m->s->name;
	c->institution_id = iid;
	c->visit_type = visit;
	if (m->sex == 'M' && strcmp(visit, "maternity") == 0) {
		visit = "inpatient"; /* 生育 is for women */
		c->visit_type = visit;
	}
	if (stay) {
		c->has_admission_date = c->has_discharge_date = true;
		c->admission_date = day;
		c->discharge_date = day + 1 + pick(&g->r, 14);
		total = 200000 + (int64_t)pick(&g->r, 3000000) +
			(chance(&g->r, 3) && !g->clean ? (int64_t)pick(&g->r, 30000000) : 0);
	} else {
		c->has_service_date = true;
		c->service_date = day;
		total = 2000 + pick(&g->r, 60000);
	}
	if (g->clean) {
		int32_t to = stay ? c->discharge_date : day;

		if (crowds(m, day, to) || m->spans == 8 || strtol(iid + 4, NULL, 10) % 24 == 23 ||
		    m->spent_fen + total > 4000000)
			return YB_OK; /* drawn again by the caller's loop */
		m->spent_fen += total;
		m->span_from[m->spans] = day;
		m->span_to[m->spans++] = to;
	}
	c->total_fen = yb_fen(total);
	c->compliant_fen = yb_fen(total - pick(&g->r, (int)(total / 4 + 1)));
	c->has_essential_drug_fen = true;
	c->essential_drug_fen = yb_fen(c->compliant_fen.fen / (2 + pick(&g->r, 4)));
	dx[0] = strcmp(visit, "maternity") == 0 ? "O80" : diagnoses[pick(&g->r, 12)];
	if (m->sex == 'M' && dx[0][0] == 'O')
		dx[0] = diagnoses[0];
	c->diagnoses = dx;
	c->diagnoses_count = 1;
	c->has_diagnoses = true;
	if (strcmp(visit, "chronic_outpatient") == 0) {
		c->chronic_class = chance(&g->r, 40) ? "A" : "B";
		c->chronic_disease = chance(&g->r, 50) ? "I10" : "E11";
		if (chance(&g->r, 20)) {
			tx[0] = "dialysis";
			c->treatments = tx;
			c->treatments_count = 1;
			c->has_treatments = true;
		}
	} else if (stay && chance(&g->r, 8)) {
		tx[0] = chance(&g->r, 50) ? "chemotherapy" : "radiotherapy";
		c->treatments = tx;
		c->treatments_count = 1;
		c->has_treatments = true;
	}
	if (strcmp(visit, "accident_outpatient") == 0 || (stay && chance(&g->r, 10)))
		c->injury_cause = causes[pick(&g->r, 6)];
	if (chance(&g->r, 2)) {
		c->has_abroad = true;
		c->abroad = true;
	}
	if (stay && chance(&g->r, 6)) {
		c->has_out_of_city = true;
		c->out_of_city = true;
		c->referral = chance(&g->r, 70) ? "registered" : "unregistered";
		c->has_networked = true;
		c->networked = chance(&g->r, 80);
	}
	/* A stay is settled at discharge; a visit at the desk, during opening hours. */
	c->submitted_at =
	    stay ? at(c->discharge_date, 17) : at(day, 8) + (int64_t)pick(&g->r, 9 * 60) * 60000;
	g->claims++;
	if (emit(g, c->submitted_at, &r) != YB_OK)
		return YB_ENOMEM;
	if (chance(&g->r, 2) && !g->clean) { /* double billing: the same care, another claim_id */
		char dup[48];

		snprintf(dup, sizeof(dup), "%s-DUP", cid);
		c->claim_id = dup;
		c->submitted_at += 3600000;
		g->suspicious++;
		if (emit(g, c->submitted_at, &r) != YB_OK)
			return YB_ENOMEM;
	}
	if (chance(&g->r, 1)) { /* the same claim sent twice: a duplicate */
		c->claim_id = cid;
		if (emit(g, c->submitted_at + 60000, &r) != YB_OK)
			return YB_ENOMEM;
	}
	if (chance(&g->r, 1)) { /* 冲正 */
		yb_record rv = {.type = YB_RECORD_REVERSAL};

		rv.as.reversal.claim_id = cid;
		rv.as.reversal.member_id = m->id;
		rv.as.reversal.reason = "billing error";
		rv.as.reversal.event_time = c->submitted_at + 2 * YB_MS_PER_DAY;
		if (emit(g, rv.as.reversal.event_time, &rv) != YB_OK)
			return YB_ENOMEM;
	} else if (stay && !g->clean && chance(&g->h, 2)) {
		/* A stay reversed and sent again, corrected, under a new claim_id: it keeps its
		 * place among the year's stays (滨州 第十四条(一)). */
		yb_record rv = {.type = YB_RECORD_REVERSAL};
		char again[48];

		rv.as.reversal.claim_id = cid;
		rv.as.reversal.member_id = m->id;
		rv.as.reversal.reason = "corrected and sent again";
		rv.as.reversal.event_time = c->submitted_at + YB_MS_PER_DAY;
		if (emit(g, rv.as.reversal.event_time, &rv) != YB_OK)
			return YB_ENOMEM;
		snprintf(again, sizeof(again), "%s-R", cid);
		c->claim_id = again;
		c->submitted_at += 2 * YB_MS_PER_DAY;
		g->resubmitted++;
		if (emit(g, c->submitted_at, &r) != YB_OK)
			return YB_ENOMEM;
	}
	return YB_OK;
}

/* --- fraud patterns (--inject) --------------------------------------------------------------
 *
 * Each rule of docs/FRAUD.md gets `count` instances of its pattern and as many near misses
 * beside them, on members of their own (enrolled and paid up, so nothing else about them
 * looks wrong). The labels file says, per line, "rule<TAB>pattern<TAB>claim_id<TAB>role":
 * role "positive" for the claims of a pattern the rule must find, "negative" for a near miss
 * it must not, "also" for a claim of another pattern that the rule may rightly report (the
 * rejected claims behind an institution's rejection jump are also ineligible members').
 */

typedef struct pattern {
	gen *g;
	member m;
	uint64_t serial; /* claim ids of injected claims */
	const char *rule;
	uint64_t no;
	bool negative;
} pattern;

static void label(pattern *pt, const char *rule, const char *claim_id, const char *role)
{
	if (pt->g->labels != NULL)
		fprintf(pt->g->labels, "%s\t%s-%" PRIu64 "\t%s\t%s\n", rule, pt->rule, pt->no,
			claim_id, role);
}

/* An enrollment event for the pattern's member, effective on day: action "change" (sex
 * and birth when given) or "terminate" (with reason); its event_id is the member's + suffix. */
static int amend(pattern *pt, const char *suffix, const char *action, int32_t day, char sex,
		 const int32_t *birth, const char *reason)
{
	yb_record e = {.type = YB_RECORD_ENROLLMENT};
	yb_enrollment *en = &e.as.enrollment;
	char eid[48];

	snprintf(eid, sizeof(eid), "%s-%s", pt->m.id, suffix);
	en->event_id = eid;
	en->member_id = pt->m.id;
	en->scheme = pt->m.s->name;
	en->action = action;
	en->category = strcmp(action, "change") == 0 ? pt->m.category : NULL;
	en->sex = sex == 'M' ? "M" : sex == 'F' ? "F" : NULL;
	en->has_birth_date = birth != NULL;
	en->birth_date = birth != NULL ? *birth : 0;
	en->reason = reason;
	en->has_effective_date = true;
	en->effective_date = day;
	en->event_time = at(day, 9);
	return emit(pt->g, en->event_time, &e);
}

/* A fresh member of scheme s, paid up, of the given sex ('\0': as drawn). */
static int fresh_member(pattern *pt, const scheme_info *s, char sex, uint64_t n)
{
	gen *g = pt->g;
	bool clean = g->clean;
	int rc;

	memset(&pt->m, 0, sizeof(pt->m));
	pt->m.s = s;
	id(pt->m.id, sizeof(pt->m.id), s->prefix, "M", n);
	g->clean = true;
	rc = enroll_and_pay(g, &pt->m, n);
	g->clean = clean;
	if (rc != YB_OK)
		return rc;
	/* enroll_and_pay drew sex and birth; the pattern's are what its rules look at. */
	if (sex != '\0' && sex != pt->m.sex) {
		pt->m.sex = sex;
		return amend(pt, "X", "change", pt->m.enrolled + 1, sex, NULL, NULL);
	}
	return YB_OK;
}

/* An injected claim: the fields every claim carries; visit days from..to. */
typedef struct inj {
	const char *institution, *visit, *dx;
	int32_t from, to;
	int64_t total_fen;
	int64_t submitted; /* 0: at discharge or at 10:00 on the day */
	yb_item *items;
	uint32_t item_count;
} inj;

static int inject_claim(pattern *pt, const inj *x, const char *role, char *claim_id_out)
{
	yb_record r = {.type = YB_RECORD_CLAIM};
	yb_claim *c = &r.as.claim;
	char cid[48];
	const char *dx[1] = {x->dx != NULL ? x->dx : "J18.9"};
	yb_item lines[8];
	bool stay = strcmp(x->visit, "inpatient") == 0 || strcmp(x->visit, "maternity") == 0;

	snprintf(cid, sizeof(cid), "%s-F%" PRIu64, pt->m.s->prefix, pt->serial++);
	c->claim_id = cid;
	c->member_id = pt->m.id;
	c->scheme = pt->m.s->name;
	c->institution_id = x->institution;
	c->visit_type = x->visit;
	if (stay) {
		c->has_admission_date = c->has_discharge_date = true;
		c->admission_date = x->from;
		c->discharge_date = x->to;
	} else {
		c->has_service_date = true;
		c->service_date = x->from;
	}
	c->total_fen = yb_fen(x->total_fen);
	c->compliant_fen = yb_fen(x->total_fen * 9 / 10);
	c->diagnoses = dx;
	c->diagnoses_count = 1;
	c->has_diagnoses = true;
	if (x->item_count > 0) {
		/* The items are the bill: the rest of the total is one more line, so that they
		 * add up to total_fen as the contract asks. */
		int64_t sum = 0;

		for (uint32_t i = 0; i < x->item_count && i < 7; i++) {
			lines[i] = x->items[i];
			sum += x->items[i].amount_fen.fen;
		}
		c->items = lines;
		c->items_count = x->item_count < 7 ? x->item_count : 7;
		if (sum < x->total_fen)
			lines[c->items_count++] =
			    (yb_item){.code = "REST-001",
				      .name = "other care",
				      .category = "service",
				      .amount_fen = yb_fen(x->total_fen - sum)};
		else
			c->total_fen = yb_fen(sum), c->compliant_fen = yb_fen(sum * 9 / 10);
		c->has_items = true;
	}
	c->submitted_at =
	    x->submitted != 0 ? x->submitted : at(stay ? x->to : x->from, stay ? 17 : 10);
	if (role != NULL)
		label(pt, pt->rule, cid, role);
	if (claim_id_out != NULL)
		snprintf(claim_id_out, 48, "%s", cid);
	pt->g->claims++;
	return emit(pt->g, c->submitted_at, &r);
}

/* The institution number i of the member's city ("YK-H004"). */
static void inst_of(const pattern *pt, int i, char *out, size_t len)
{
	const char *prefix = strcmp(pt->m.s->city, "yantai") == 0 ? "YT" : pt->m.s->prefix;

	snprintf(out, len, "%s-H%03d", prefix, i);
}

static int inject_one(pattern *pt, int rule, int32_t day)
{
	const char *role = pt->negative ? "negative" : "positive";
	char a[32], b[32];
	/* Amounts drawn like the background's, so the patterns do not skew the groups the
	 * outlier rule compares with. */
	inj x = {.visit = "outpatient",
		 .from = day,
		 .to = day,
		 .total_fen = 2000 + pick(&pt->g->r, 60000)};
	int rc = YB_OK;

	inst_of(pt, 1, a, sizeof(a));
	inst_of(pt, 2, b, sizeof(b));
	x.institution = a;
	switch (rule) {
	case 0: /* double billing: the same visit twice; near miss: another amount */
		rc = inject_claim(pt, &x, role, NULL);
		x.total_fen += pt->negative ? 100 : 0;
		x.submitted = at(day, 12);
		return rc != YB_OK ? rc : inject_claim(pt, &x, role, NULL);
	case 1: /* overlapping stays; near miss: admitted elsewhere on the discharge day */
		x.visit = "inpatient";
		x.to = day + 6;
		x.total_fen = 200000 + pick(&pt->g->r, 3000000);
		rc = inject_claim(pt, &x, role, NULL);
		x.institution = b;
		x.from = pt->negative ? day + 6 : day + 3;
		x.to = x.from + 5;
		return rc != YB_OK ? rc : inject_claim(pt, &x, role, NULL);
	case 2: /* a visit inside a stay; near miss: on the discharge day */
		x.visit = "inpatient";
		x.to = day + 8;
		x.total_fen = 200000 + pick(&pt->g->r, 3000000);
		rc = inject_claim(pt, &x, role, NULL);
		x.visit = "outpatient";
		x.institution = b;
		x.from = x.to = pt->negative ? day + 8 : day + 4;
		x.total_fen = 2000 + pick(&pt->g->r, 60000);
		return rc != YB_OK ? rc : inject_claim(pt, &x, role, NULL);
	case 3: /* readmitted 10 days after discharge, same diagnosis; near miss: 16 days */
		x.visit = "inpatient";
		x.dx = "K35.8";
		x.to = day + 5;
		x.total_fen = 200000 + pick(&pt->g->r, 3000000);
		rc = inject_claim(pt, &x, role, NULL);
		x.from = day + 5 + (pt->negative ? 16 : 10);
		x.to = x.from + 4;
		return rc != YB_OK ? rc : inject_claim(pt, &x, role, NULL);
	case 4: /* two institutions 20 minutes apart; near miss: 45 minutes */
		x.submitted = at(day, 10);
		rc = inject_claim(pt, &x, role, NULL);
		x.institution = b;
		x.submitted = at(day, 10) + (pt->negative ? 45 : 20) * 60000;
		return rc != YB_OK ? rc : inject_claim(pt, &x, role, NULL);
	case 5: /* 8 visits in 24 days; near miss: 7 */
		for (int k = 0; k < (pt->negative ? 7 : 8) && rc == YB_OK; k++) {
			x.from = x.to = day + 3 * k;
			x.institution = k % 2 ? a : b;
			x.total_fen = 2000 + pick(&pt->g->r, 60000);
			rc = inject_claim(pt, &x, role, NULL);
		}
		return rc;
	case 6: { /* a man billed for a women's diagnosis, or for an item of a child's age; near
		     miss: the same for a woman, or for a child */
		yb_item item = {.code = "PAED-001",
				.name = "paediatric dose",
				.category = "drug",
				.amount_fen = yb_fen(3000),
				.has_max_age = true,
				.max_age = 14};

		if ((pt->no / 2) % 2 == 0) {
			x.dx = "N80.0";
		} else {
			x.items = &item;
			x.item_count = 1;
		}
		return inject_claim(pt, &x, role, NULL);
	}
	case 7: /* claims after the member's coverage ended; near miss: the day before */
	{
		if (amend(pt, "T", "terminate", day, '\0', NULL, "death") != YB_OK)
			return YB_ENOMEM;
		x.from = x.to = pt->negative ? day - 1 : day + 20;
		return inject_claim(pt, &x, role, NULL);
	}
	case 8: /* a non-designated institution; near miss: a designated one */
		inst_of(pt, pt->negative ? 22 : 23, a, sizeof(a));
		return inject_claim(pt, &x, role, NULL);
	case 9: /* stays that take the fund past 90% of the cap; near miss: two of them */
		x.visit = "inpatient";
		for (int k = 0; k < (pt->negative ? 2 : 4) && rc == YB_OK; k++) {
			x.dx = diagnoses[k];
			x.from = day + 40 * k;
			x.to = x.from + 7;
			x.total_fen = 2800000;
			inst_of(pt, 1 + k, a, sizeof(a));
			rc = inject_claim(pt, &x, role, NULL);
		}
		return rc;
	default:
		return YB_EINVAL;
	}
}

/* Amount outliers: 24 ordinary stays at one institution and diagnosis from other members,
 * then one at ten times the amount (near miss: one and a half times). */
static int inject_outlier(pattern *pt, uint64_t *member_no, int32_t day, int inst)
{
	char a[32], cid[48];
	inj x = {.visit = "inpatient", .dx = "S72.0"};
	int rc = YB_OK;

	for (int k = 0; k < 25 && rc == YB_OK; k++) {
		if ((rc = fresh_member(pt, pt->m.s, '\0', (*member_no)++)) != YB_OK)
			return rc;
		inst_of(pt, inst, a, sizeof(a));
		x.institution = a;
		x.from = day + k / 3;
		x.to = x.from + 5;
		/* ordinary: spread over 2,000-32,000 yuan like the background */
		x.total_fen = k < 24         ? 200000 + (int64_t)k * 125000
			      : pt->negative ? 2500000
					     : 15000000;
		rc = inject_claim(pt, &x,
				  k < 24         ? NULL
				  : pt->negative ? "negative"
						 : "positive",
				  cid);
		if (rc == YB_OK && k == 24 && !pt->negative) /* 150,000 yuan: near the cap too */
			label(pt, "near_annual_cap", cid, "also");
	}
	return rc;
}

/* An institution's rejection jump: 26 claims on one day from other members, 16 of them after
 * their cover ended (near miss: 6). */
static int inject_anomaly(pattern *pt, uint64_t *member_no, int32_t day, int inst)
{
	char a[32], cid[48];
	inj x = {.visit = "outpatient", .from = day, .to = day};
	int rc = YB_OK, bad = pt->negative ? 6 : 16;

	for (int k = 0; k < 26 && rc == YB_OK; k++) {
		if ((rc = fresh_member(pt, pt->m.s, '\0', (*member_no)++)) != YB_OK)
			return rc;
		if (k < bad &&
		    amend(pt, "T", "terminate", day - 30, '\0', NULL, "moved_out") != YB_OK)
			return YB_ENOMEM;
		inst_of(pt, inst, a, sizeof(a));
		x.institution = a;
		x.submitted = at(day, 8) + (int64_t)k * 15 * 60000;
		x.total_fen = 2000 + pick(&pt->g->r, 60000);
		rc = inject_claim(pt, &x, pt->negative ? "negative" : "positive", cid);
		if (rc == YB_OK && k < bad) {
			pattern also = *pt;

			also.rule = "institution_anomaly";
			label(&also, "ineligible_member", cid, "also");
		}
	}
	return rc;
}

static const char *const pattern_rules[] = {
    "double_billing",     "overlapping_stay",  "visit_during_stay",
    "split_admission",    "card_sharing",      "frequent_visits",
    "restricted_service", "ineligible_member", "non_designated_institution",
    "near_annual_cap",    "amount_outlier",    "institution_anomaly",
};

/* count patterns and count near misses of every rule, on members numbered from member_no. */
static int inject_patterns(gen *g, uint64_t count, uint64_t member_no)
{
	pattern pt = {.g = g};

	for (uint64_t k = 0; k < 2 * count; k++) {
		for (int rule = 0; rule < 12; rule++) {
			/* Cap patterns in Yingkou (the 60,000 yuan cap), the rest round the
			 * schemes; spread over the year, outliers and jumps at institutions of
			 * their own. */
			const scheme_info *s =
			    rule == 9 ? &schemes[0] : &schemes[(k + (uint64_t)rule) % SCHEMES];
			int32_t day = yb_date_from_ymd(s->year, 2, 1) +
				      (int32_t)((k * 37 + (uint64_t)rule * 11) % 150);
			char sex = '\0';
			int rc;

			pt.rule = pattern_rules[rule];
			pt.no = k;
			pt.negative = k % 2 == 1;
			/* The women's diagnosis: positive for a man. The child's item: any sex. */
			if (rule == 6 && (k / 2) % 2 == 0 && !pt.negative)
				sex = 'M';
			else if (rule == 6)
				sex = 'F';
			rc = fresh_member(&pt, s, sex, member_no++);
			if (rc == YB_OK && rule == 6 && (pt.no / 2) % 2 == 1) {
				/* the child's item: positive for a member of 30, negative for a
				 * child of 8 */
				int32_t birth = day - (pt.negative ? 8 : 30) * 366;

				rc = amend(&pt, "B", "change", pt.m.enrolled + 2, '\0', &birth,
					   NULL);
			}
			if (rc == YB_OK)
				rc =
				    rule == 10
					? inject_outlier(&pt, &member_no, day, 7 + 6 * (int)(k % 3))
				    : rule == 11
					? inject_anomaly(&pt, &member_no, day, 4 + 6 * (int)(k % 3))
					: inject_one(&pt, rule, day);
			if (rc != YB_OK)
				return rc;
			g->patterns++;
		}
	}
	return YB_OK;
}

static int by_time(const void *a, const void *b)
{
	const event *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char generate_summary[] =
    "Write a seeded, reproducible sample of the pipeline's inputs as JSON Lines in\n"
    "event-time order: institutions of every level and kind in the four cities, members\n"
    "of the five schemes and their categories, payments (on time, late, missing),\n"
    "claims of every visit type, duplicates, reversals, about 1% malformed lines and 2%\n"
    "double billing; and real member histories: Yantai members who change scheme\n"
    "mid-year (both ways), residents resuming after a gap, newborns of last December,\n"
    "stays across New Year, stays reversed and sent again, students over 18. The same\n"
    "options give the same bytes.";

/* What generate's command line asks for. */
typedef struct generate_opts {
	long seed, claims, members, per_city, inject;
	const char *labels;
	int clean;
} generate_opts;

static int generate_parse(int argc, char **argv, generate_opts *o)
{
	const cli_opt opts[] = {
	    CLI_LONG("seed", 's', &o->seed, "N", 1, 100000000, "the seed (default 1)"),
	    CLI_LONG("claims", 'c', &o->claims, "N", 1, 100000000,
		     "claims to write (default 10000)"),
	    CLI_LONG("members", 'm', &o->members, "N", 1, 100000000,
		     "members (default claims / 5, at least 10)"),
	    CLI_LONG("institutions", 'i', &o->per_city, "N", 1, 999,
		     "institutions per city (default 24)"),
	    CLI_LONG("inject", 'j', &o->inject, "N", 1, 100000000,
		     "add N instances of every fraud pattern of docs/FRAUD.md and\nN near misses "
		     "beside them, on members of their own"),
	    CLI_VALUE("labels", 'l', &o->labels, "FILE",
		      "write what was injected: rule, pattern, claim_id and role\n(positive, "
		      "negative, also) per line, tab-separated"),
	    CLI_SWITCH(
		"clean", 'C', &o->clean,
		"a background without fraud patterns: members paid up,\ndesignated "
		"institutions, each member's claims apart, no\ndouble billing; for measuring "
		"the fraud rules"),
	};
	const cli_command cmd = {"generate",
				 "[options]",
				 generate_summary,
				 opts,
				 sizeof(opts) / sizeof(opts[0]),
				 "A summary of what was written goes to stderr.\n"};
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	if (o->members == 0)
		o->members = o->claims / 5 > 10 ? o->claims / 5 : 10;
	if (o->inject > 0 && o->per_city < 24) {
		fprintf(stderr,
			"claimctl generate: --inject needs at least 24 institutions a city\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	return -1;
}

/* Everything generated, in event-time order, and the summary; YB_OK or YB_EIO. */
static int generate_write(gen *g, const generate_opts *o)
{
	qsort(g->events, g->count, sizeof(g->events[0]), by_time);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	for (size_t i = 0; i < g->count; i++) {
		if (fputs(g->events[i].text, stdout) == EOF || putc('\n', stdout) == EOF)
			return YB_EIO;
	}
	if (fflush(stdout) != 0)
		return YB_EIO;
	fprintf(stderr,
		"claimctl generate: seed %ld: %zu lines: %d institutions, %ld members, %" PRIu64
		" claims (%" PRIu64 " malformed, %" PRIu64 " double-billed, %" PRIu64
		" fraud patterns and near misses injected); histories: %" PRIu64
		" scheme changes, %" PRIu64 " resumed after a gap, %" PRIu64
		" newborns of last year, %" PRIu64 " stays from December, %" PRIu64
		" stays sent again\n",
		o->seed, g->count, 4 * g->institutions_per_city, o->members,
		g->claims + g->malformed, g->malformed, g->suspicious, g->patterns, g->switches,
		g->gaps, g->newborns, g->new_year_stays, g->resubmitted);
	return YB_OK;
}

int claimctl_generate(int argc, char **argv)
{
	generate_opts o = {.seed = 1, .claims = 10000, .per_city = 24};
	uint64_t members, claims;
	gen g;
	member *pop = NULL;
	int exit_code = generate_parse(argc, argv, &o);

	if (exit_code >= 0)
		return exit_code;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	members = (uint64_t)o.members;
	claims = (uint64_t)o.claims;
	memset(&g, 0, sizeof(g));
	g.r.s = (uint64_t)o.seed * UINT64_C(0x9E3779B97F4A7C15) + 1;
	g.h.s = (uint64_t)o.seed * UINT64_C(0xD1B54A32D192ED03) + 7;
	g.institutions_per_city = (int)o.per_city;
	g.clean = o.clean;
	if (o.labels != NULL && (g.labels = fopen(o.labels, "w")) == NULL) {
		fprintf(stderr, "claimctl generate: %s: %s\n", o.labels, strerror(errno));
		return CLAIMCTL_EXIT_FAILURE;
	}
	pop = calloc(members, sizeof(*pop));
	if (pop == NULL || institutions(&g) != YB_OK)
		goto out;
	for (uint64_t n = 0; n < members; n++) {
		pop[n].s = &schemes[n % SCHEMES];
		id(pop[n].id, sizeof(pop[n].id), pop[n].s->prefix, "M", n);
		if (enroll_and_pay(&g, &pop[n], n) != YB_OK)
			goto out;
	}
	/* --clean draws again where a claim would crowd its member's others. */
	for (uint64_t n = 0; g.claims + g.malformed < claims && n < 20 * claims; n++) {
		if (claim(&g, pop, members, n) != YB_OK)
			goto out;
	}
	if (o.inject > 0 && inject_patterns(&g, (uint64_t)o.inject, members) != YB_OK)
		goto out;
	if (generate_write(&g, &o) != YB_OK)
		goto out;
	exit_code = CLAIMCTL_EXIT_OK;
out:
	if (exit_code != CLAIMCTL_EXIT_OK)
		fprintf(stderr, "claimctl generate: %s\n", strerror(errno != 0 ? errno : ENOMEM));
	for (size_t i = 0; i < g.count; i++)
		free(g.events[i].text);
	free(g.events);
	yb_buf_free(&g.buf);
	free(pop);
	if (g.labels != NULL && fclose(g.labels) != 0 && exit_code == CLAIMCTL_EXIT_OK) {
		fprintf(stderr, "claimctl generate: %s: %s\n", o.labels, strerror(errno));
		exit_code = CLAIMCTL_EXIT_FAILURE;
	}
	return exit_code;
}
