/*
 * The fraud rules (docs/FRAUD.md): each judges one adjudicated claim against the claims
 * before it in the windows, and each finding becomes one fraud_alert with a stable id.
 *
 * The citations for all of them: 滨州 第二十八条 (事中监控预警), 烟台职工 第二十三条 and
 * 烟台居民 第三十一条 (实时监控), 朝阳 第二十四条 (欺诈骗保零容忍); each rule adds the
 * national 智能审核 category it implements.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fraud/fraud.h"
#include "rules/adjudicate.h"
#include "base/date.h"
#include "base/error.h"
#include "rules/money.h"

static const char *const visit_types[] = {"inpatient", "outpatient", "chronic_outpatient",
					  "maternity", "accident_outpatient"};
static const char *const severities[] = {"off", "low", "medium", "high"};

/* What one check works with. */
typedef struct judge {
	const yb_fraud_params *p;
	const yb_fraud_input *in;
	const yb_fraud_visit *v;                          /* the claim judged */
	const yb_fraud_visit *prior[YB_FRAUD_WINDOW_MAX]; /* the member's claims before it */
	int prior_count;
	yb_fraud_result *out;
} judge;

static bool is_stay(const yb_fraud_visit *v)
{
	return v->visit_class == YB_FRAUD_STAY;
}

/* General outpatient care: what 超人次 counts (chronic care is regular by design). */
static bool is_general_outpatient(const yb_fraud_visit *v)
{
	return v->visit_type == 1 || v->visit_type == 4;
}

static bool has_reason(const yb_settlement *s, const char *code)
{
	for (uint32_t i = 0; i < s->reasons_count; i++) {
		if (strcmp(s->reasons[i], code) == 0)
			return true;
	}
	return false;
}

static void day_text(int32_t day, char out[11])
{
	yb_date_format(day, out);
}

/* A new finding of rule for the claim judged, naming it first; NULL when full or off. */
static yb_fraud_finding *finding(judge *j, yb_fraud_rule rule, const char *id_key)
{
	yb_fraud_result *out = j->out;
	yb_fraud_finding *f;
	uint64_t h;

	if (out->count == YB_FRAUD_MAX_FINDINGS)
		return NULL;
	f = &out->findings[out->count++];
	memset(f, 0, sizeof(*f));
	f->rule = rule;
	/* One finding, one id: the rule and what completed it, never where or when it ran. */
	h = yb_fraud_hash(yb_fraud_rule_name(rule), YB_FRAUD_HASH_SEED);
	h = yb_fraud_hash("|", h);
	h = yb_fraud_hash(id_key, h);
	snprintf(f->alert_id, sizeof(f->alert_id), "FA-%016" PRIx64, h);
	return f;
}

static void add_claim(yb_fraud_finding *f, const char *claim_id)
{
	for (int i = 0; i < f->claim_count; i++) {
		if (strcmp(f->claim_id_memory[i], claim_id) == 0)
			return;
	}
	if (f->claim_count < YB_FRAUD_MAX_CLAIMS)
		snprintf(f->claim_id_memory[f->claim_count++], YB_FRAUD_ID_LEN, "%s", claim_id);
}

/* Finish a finding: evidence (taken), message, and the alert record. */
static void finish(judge *j, yb_fraud_finding *f, json_t *evidence, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(judge *j, yb_fraud_finding *f, json_t *evidence, const char *fmt, ...)
{
	const yb_claim *c = j->in->claim;
	yb_fraud_alert *a = &f->alert;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(f->message, sizeof(f->message), fmt, ap);
	va_end(ap);
	n = evidence != NULL ? json_dumpb(evidence, f->evidence, sizeof(f->evidence) - 1,
					  JSON_COMPACT | JSON_PRESERVE_ORDER)
			     : 0;
	if (n == 0 || n >= sizeof(f->evidence))
		snprintf(f->evidence, sizeof(f->evidence), "{}");
	else
		f->evidence[n] = '\0';
	json_decref(evidence);
	for (int i = 0; i < f->claim_count; i++)
		f->claim_ids[i] = f->claim_id_memory[i];
	a->alert_id = f->alert_id;
	a->rule = yb_fraud_rule_name(f->rule);
	a->severity = severities[j->p->severity[f->rule]];
	a->member_id = f->institution_level ? NULL : c->member_id;
	a->institution_id = c->institution_id;
	a->claim_ids = f->claim_ids;
	a->claim_ids_count = (uint32_t)f->claim_count;
	a->detected_at = c->submitted_at;
	a->evidence = f->evidence;
	a->message = f->message;
	j->out->visit.raised |= 1u << f->rule;
}

static bool on(const judge *j, yb_fraud_rule rule)
{
	return j->p->severity[rule] > 0;
}

/* 重复收费: the same care billed again under another claim_id. */
static bool same_care(const yb_fraud_visit *a, const yb_fraud_visit *b)
{
	return strcmp(a->institution_id, b->institution_id) == 0 &&
	       a->visit_type == b->visit_type && a->from_day == b->from_day &&
	       a->to_day == b->to_day && a->total_fen == b->total_fen;
}

static void double_billing(judge *j)
{
	const yb_fraud_visit *v = j->v;
	yb_fraud_finding *f = NULL;
	char from[11];

	for (int i = 0; i < j->prior_count; i++) {
		if (!same_care(j->prior[i], v))
			continue;
		if (f == NULL && (f = finding(j, YB_FRAUD_DOUBLE_BILLING, v->claim_id)) == NULL)
			return;
		add_claim(f, j->prior[i]->claim_id);
	}
	if (f == NULL)
		return;
	add_claim(f, v->claim_id);
	day_text(v->from_day, from);
	finish(j, f,
	       json_pack("{s:s,s:s,s:s,s:I}", "institution_id", v->institution_id, "visit_type",
			 visit_types[v->visit_type], "from", from, "total_fen",
			 (json_int_t)v->total_fen),
	       "Claim %s bills the same care as claim %s (same institution, visit type, dates "
	       "and amount, 重复收费): pay it once.",
	       v->claim_id, f->claim_id_memory[0]);
}

/* Two stays at once (挂床 / 重复住院): admitted somewhere while admitted elsewhere. */
static void overlapping_stay(judge *j)
{
	const yb_fraud_visit *v = j->v;
	const yb_claim *c = j->in->claim;
	yb_fraud_finding *f = NULL;
	int32_t overlap = 0;

	if (!is_stay(v))
		return;
	for (int i = 0; i < j->prior_count; i++) {
		const yb_fraud_visit *p = j->prior[i];

		if (!is_stay(p) || same_care(p, v) ||
		    !(v->from_day < p->to_day && p->from_day < v->to_day))
			continue;
		if (c->referred_from_claim_id != NULL &&
		    strcmp(c->referred_from_claim_id, p->claim_id) == 0)
			continue; /* 转院: the transfer it declares */
		if (f == NULL && (f = finding(j, YB_FRAUD_OVERLAPPING_STAY, v->claim_id)) == NULL)
			return;
		add_claim(f, p->claim_id);
		overlap += (v->to_day < p->to_day ? v->to_day : p->to_day) -
			   (v->from_day > p->from_day ? v->from_day : p->from_day);
	}
	if (f == NULL)
		return;
	add_claim(f, v->claim_id);
	finish(j, f,
	       json_pack("{s:s,s:i,s:i}", "institution_id", v->institution_id, "stays",
			 f->claim_count, "overlap_days", overlap),
	       "Stay %s overlaps %d other inpatient stay(s) of the same member (挂床/重复住院): "
	       "check where the patient actually was.",
	       v->claim_id, f->claim_count - 1);
}

/* An outpatient visit strictly inside a stay (挂床住院: the bed kept while the patient is out). */
static bool inside(const yb_fraud_visit *stay, const yb_fraud_visit *visit)
{
	return is_stay(stay) && !is_stay(visit) && stay->from_day < visit->from_day &&
	       visit->from_day < stay->to_day;
}

static void visit_during_stay(judge *j)
{
	const yb_fraud_visit *v = j->v;
	yb_fraud_finding *f = NULL;
	const yb_fraud_visit *stay = NULL;

	for (int i = 0; i < j->prior_count; i++) {
		const yb_fraud_visit *p = j->prior[i];

		if (!(inside(p, v) || inside(v, p)))
			continue;
		if (f == NULL && (f = finding(j, YB_FRAUD_VISIT_DURING_STAY, v->claim_id)) == NULL)
			return;
		add_claim(f, p->claim_id);
		if (is_stay(p))
			stay = p;
	}
	if (f == NULL)
		return;
	add_claim(f, v->claim_id);
	if (stay == NULL)
		stay = v;
	{
		char from[11], to[11];

		day_text(stay->from_day, from);
		day_text(stay->to_day, to);
		finish(j, f,
		       json_pack("{s:s,s:s,s:s,s:s}", "stay_claim_id", stay->claim_id,
				 "stay_institution_id", stay->institution_id, "admission", from,
				 "discharge", to),
		       "Outpatient care was billed while the member was an inpatient at %s from %s "
		       "to %s (挂床住院): check whether the stay was real.",
		       stay->institution_id, from, to);
	}
}

/* 分解住院: discharged and admitted again soon after, same institution, same diagnosis. */
static void split_admission(judge *j)
{
	const yb_fraud_visit *v = j->v, *before = NULL;
	yb_fraud_finding *f;

	if (!is_stay(v) || v->dx[0] == '\0' || j->in->claim->referred_from_claim_id != NULL)
		return;
	for (int i = 0; i < j->prior_count; i++) {
		const yb_fraud_visit *p = j->prior[i];

		if (is_stay(p) && !p->rejected &&
		    strcmp(p->institution_id, v->institution_id) == 0 &&
		    strcmp(p->dx, v->dx) == 0 && p->to_day <= v->from_day &&
		    v->from_day - p->to_day <= j->p->split_admission_days &&
		    (before == NULL || p->to_day > before->to_day))
			before = p;
	}
	if (before == NULL || (f = finding(j, YB_FRAUD_SPLIT_ADMISSION, v->claim_id)) == NULL)
		return;
	add_claim(f, before->claim_id);
	add_claim(f, v->claim_id);
	finish(j, f,
	       json_pack("{s:s,s:s,s:i,s:i}", "institution_id", v->institution_id, "diagnosis",
			 v->dx, "days_between", v->from_day - before->to_day, "limit_days",
			 j->p->split_admission_days),
	       "Stay %s readmits the member %d day(s) after stay %s at the same institution with "
	       "the same principal diagnosis %s (分解住院): check whether it is one stay split in "
	       "two.",
	       v->claim_id, v->from_day - before->to_day, before->claim_id, v->dx);
}

/* 冒名就医 / 借卡: the same card at two institutions within minutes. */
static void card_sharing(judge *j)
{
	const yb_fraud_visit *v = j->v;
	const yb_fraud_visit *other = NULL;
	int64_t limit = (int64_t)j->p->card_sharing_minutes * 60000, gap = 0;
	yb_fraud_finding *f;

	if (is_stay(v))
		return;
	for (int i = 0; i < j->prior_count; i++) {
		const yb_fraud_visit *p = j->prior[i];
		int64_t d = v->submitted_ms - p->submitted_ms;

		if (d < 0)
			d = -d;
		if (!is_stay(p) && strcmp(p->institution_id, v->institution_id) != 0 &&
		    d <= limit) {
			other = p;
			gap = d;
		}
	}
	if (other == NULL || (f = finding(j, YB_FRAUD_CARD_SHARING, v->claim_id)) == NULL)
		return;
	add_claim(f, other->claim_id);
	add_claim(f, v->claim_id);
	finish(j, f,
	       json_pack("{s:s,s:s,s:I,s:i}", "institution_id", v->institution_id,
			 "other_institution_id", other->institution_id, "minutes_apart",
			 (json_int_t)(gap / 60000), "limit_minutes", j->p->card_sharing_minutes),
	       "The member's card was used at %s and %s within %" PRId64
	       " minutes (冒名就医): check the patient's identity at both.",
	       other->institution_id, v->institution_id, gap / 60000);
}

/* 超人次: more general outpatient visits in a rolling window than care explains. */
static void frequent_visits(judge *j)
{
	const yb_fraud_visit *v = j->v;
	const yb_fraud_visit *in_window[YB_FRAUD_WINDOW_MAX];
	int32_t from = v->from_day - j->p->frequent_visits_days + 1;
	int n = 0;
	yb_fraud_finding *f;

	if (!is_general_outpatient(v))
		return;
	for (int i = 0; i < j->prior_count; i++) {
		const yb_fraud_visit *p = j->prior[i];

		if (!is_general_outpatient(p) || p->from_day < from || p->from_day > v->from_day)
			continue;
		if (p->raised & (1u << YB_FRAUD_FREQUENT_VISITS))
			return; /* this run of visits is already reported */
		in_window[n++] = p;
	}
	if (n + 1 < j->p->frequent_visits_count ||
	    (f = finding(j, YB_FRAUD_FREQUENT_VISITS, v->claim_id)) == NULL)
		return;
	for (int i = n - (n >= YB_FRAUD_MAX_CLAIMS ? YB_FRAUD_MAX_CLAIMS - 1 : n); i < n; i++)
		add_claim(f, in_window[i]->claim_id);
	add_claim(f, v->claim_id);
	finish(j, f,
	       json_pack("{s:i,s:i,s:i}", "visits", n + 1, "window_days",
			 j->p->frequent_visits_days, "limit", j->p->frequent_visits_count),
	       "The member had %d outpatient visits in %d days, at or above the limit of %d "
	       "(超人次): check whether the visits were needed.",
	       n + 1, j->p->frequent_visits_days, j->p->frequent_visits_count);
}

static bool dx_in(const char *code, const char (*list)[8], int count)
{
	for (int i = 0; i < count; i++) {
		if (strncmp(code, list[i], strlen(list[i])) == 0)
			return true;
	}
	return false;
}

/* 限性别 / 限年龄: care the patient's sex or age rules out. */
static void restricted_service(judge *j)
{
	const yb_claim *c = j->in->claim;
	const yb_member *m = j->in->member;
	const yb_fraud_params *p = j->p;
	char what[4][96];
	int n = 0, age = -1;
	yb_fraud_finding *f;
	json_t *list;

	if (m == NULL || (m->sex != 'M' && m->sex != 'F'))
		return;
	if (m->has_birth_date)
		age = yb_member_age(m, yb_claim_service_day(c));
	if (m->sex == 'M' && strcmp(c->visit_type, "maternity") == 0)
		snprintf(what[n++], sizeof(what[0]), "maternity care for a man");
	for (uint32_t i = 0; i < c->diagnoses_count && n < 4; i++) {
		const char *dx = c->diagnoses[i];

		if (m->sex == 'M' && dx_in(dx, p->female_dx, p->female_dx_count))
			snprintf(what[n++], sizeof(what[0]), "diagnosis %.16s is for women", dx);
		else if (m->sex == 'F' && dx_in(dx, p->male_dx, p->male_dx_count))
			snprintf(what[n++], sizeof(what[0]), "diagnosis %.16s is for men", dx);
		else if (age > p->newborn_max_age && dx_in(dx, p->newborn_dx, p->newborn_dx_count))
			snprintf(what[n++], sizeof(what[0]), "diagnosis %.16s is for newborns", dx);
	}
	for (uint32_t i = 0; i < c->items_count && n < 4; i++) {
		const yb_item *it = &c->items[i];
		const char *code = it->code != NULL ? it->code : "?";

		if (it->sex_restriction != NULL && it->sex_restriction[0] != m->sex)
			snprintf(what[n++], sizeof(what[0]), "item %.24s is for sex %.1s", code,
				 it->sex_restriction);
		else if (age >= 0 && it->has_min_age && age < it->min_age)
			snprintf(what[n++], sizeof(what[0]), "item %.24s is from age %d", code,
				 it->min_age);
		else if (age >= 0 && it->has_max_age && age > it->max_age)
			snprintf(what[n++], sizeof(what[0]), "item %.24s is up to age %d", code,
				 it->max_age);
	}
	if (n == 0 || (f = finding(j, YB_FRAUD_RESTRICTED_SERVICE, c->claim_id)) == NULL)
		return;
	add_claim(f, c->claim_id);
	list = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(list, json_string(what[i]));
	finish(j, f,
	       json_pack("{s:s,s:i,s:o}", "sex", m->sex == 'M' ? "M" : "F", "age", age,
			 "violations", list),
	       "Claim %s bills care the patient's sex or age rules out (%s; 限性别/限年龄): "
	       "check the diagnosis and items against the patient.",
	       c->claim_id, what[0]);
}

/* Claims for members without cover: rejected by the adjudicator, reported here. */
static void ineligible_member(judge *j)
{
	static const char *const codes[] = {"COVERAGE_TERMINATED", "NOT_ENROLLED",
					    "WAITING_PERIOD"};
	const yb_settlement *s = j->in->settlement;
	const yb_claim *c = j->in->claim;
	yb_fraud_finding *f;

	for (int i = 0; i < 3; i++) {
		if (!has_reason(s, codes[i]))
			continue;
		if ((f = finding(j, YB_FRAUD_INELIGIBLE_MEMBER, c->claim_id)) == NULL)
			return;
		add_claim(f, c->claim_id);
		finish(j, f, json_pack("{s:s,s:s}", "reason", codes[i], "scheme", c->scheme),
		       "Institution %s billed claim %s for a member without cover (%s): check "
		       "whom it treated and why it billed the fund.",
		       c->institution_id, c->claim_id, codes[i]);
		return;
	}
}

static void non_designated(judge *j)
{
	const yb_claim *c = j->in->claim;
	yb_fraud_finding *f;

	if (!has_reason(j->in->settlement, "NON_DESIGNATED") ||
	    (f = finding(j, YB_FRAUD_NON_DESIGNATED, c->claim_id)) == NULL)
		return;
	add_claim(f, c->claim_id);
	finish(j, f, json_pack("{s:s,s:b}", "institution_id", c->institution_id, "designated", 0),
	       "Claim %s comes from %s, which is not a designated institution (非定点): check how "
	       "it reached the fund.",
	       c->claim_id, c->institution_id);
}

static int64_t accumulator(const yb_settlement *s, const char *key, int64_t otherwise)
{
	for (uint32_t i = 0; i < s->accumulators_count; i++) {
		if (strcmp(s->accumulators[i].key, key) == 0)
			return s->accumulators[i].value;
	}
	return otherwise;
}

/* 冲顶: the claim that takes the member's fund spending past a share of the annual cap. */
static void near_annual_cap(judge *j)
{
	const yb_settlement *s = j->in->settlement;
	const yb_policy *pol = j->in->policy;
	const yb_member *m = j->in->member;
	int64_t cap, after, before;
	yb_money threshold;
	yb_fraud_finding *f;

	if (pol == NULL || strcmp(s->status, "settled") != 0)
		return;
	cap = pol->annual_cap[0].fen;
	if (m != NULL && m->tier >= 1 && m->tier <= 2 && pol->annual_cap[m->tier].fen > 0)
		cap = pol->annual_cap[m->tier].fen; /* as the engine's annual_cap */
	after = accumulator(s, "fund_paid_fen", -1);
	before = after - s->fund_pay_fen.fen;
	if (cap <= 0 || after < 0 ||
	    yb_money_apply_bp(&threshold, yb_fen(cap), j->p->near_cap_share_bp) != YB_OK ||
	    !(before < threshold.fen && after >= threshold.fen) ||
	    (f = finding(j, YB_FRAUD_NEAR_ANNUAL_CAP, j->v->claim_id)) == NULL)
		return;
	for (int i = 0; i < j->prior_count; i++) {
		if (j->prior[i]->year == j->v->year && !j->prior[i]->rejected &&
		    f->claim_count < YB_FRAUD_MAX_CLAIMS - 1)
			add_claim(f, j->prior[i]->claim_id);
	}
	add_claim(f, j->v->claim_id);
	finish(j, f,
	       json_pack("{s:i,s:I,s:I,s:I,s:i}", "benefit_year", s->benefit_year, "annual_cap_fen",
			 (json_int_t)cap, "fund_paid_before_fen", (json_int_t)before,
			 "fund_paid_after_fen", (json_int_t)after, "share_bp",
			 j->p->near_cap_share_bp),
	       "Claim %s brings the member's fund spending in %d to %" PRId64 " of the %" PRId64
	       " fen cap (冲顶): check the year's claims for padding.",
	       j->v->claim_id, (int)s->benefit_year, after, cap);
}

/* --- institution level ----------------------------------------------------------------- */

/* The k-th smallest of v[0..n) (v is reordered): Hoare's selection, linear on average. */
static int64_t select_kth(int64_t *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int64_t pivot = v[lo + (hi - lo) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				int64_t t = v[i];

				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

/* The median of v[0..n), n > 0; even n: the lower middle plus half the gap, rounded down. */
static int64_t median(int64_t *v, int n)
{
	int64_t upper = select_kth(v, n, n / 2), lower;

	if (n % 2 == 1)
		return upper;
	/* After selecting n/2, everything before it is no larger: the lower middle is their max. */
	lower = v[0];
	for (int i = 1; i < n / 2; i++)
		lower = v[i] > lower ? v[i] : lower;
	return lower + (upper - lower) / 2;
}

/*
 * 费用异常: an amount far above what the institution bills for the same visit class and
 * diagnosis, against its amounts of the days before the claim's (outlier_days of them).
 * Robust z = 0.6745 · (x − median) / MAD (Iglewicz and Hoaglin), compared in
 * integers: 6745 · (x − median) > z_milli · 10 · MAD. Returns true when it fired.
 */
static bool amount_outlier(judge *j, yb_fraud_group *g, uint64_t claim_hash)
{
	const yb_fraud_visit *v = j->v;
	int64_t values[YB_FRAUD_GROUP_MAX] = {0}, dev[YB_FRAUD_GROUP_MAX] = {0}, med, mad,
		floor_fen;
	int n = 0;
	yb_fraud_finding *f;
	yb_money floor_money;

	for (int i = 0; i < g->count; i++) {
		const yb_fraud_sample *s = &g->samples[i];

		/* Earlier days only: what a stream has seen of every partition by then. */
		if (s->claim_hash != claim_hash && s->day < v->from_day &&
		    s->day >= v->from_day - j->p->outlier_days)
			values[n++] = s->total_fen;
	}
	if (n < j->p->outlier_min_samples)
		return false;
	med = median(values, n);
	for (int i = 0; i < n; i++)
		dev[i] = values[i] > med ? values[i] - med : med - values[i];
	mad = median(dev, n);
	/* A group of identical amounts has MAD 0: a floor keeps one fen from being an outlier. */
	if (yb_money_apply_bp(&floor_money, yb_fen(med), j->p->outlier_mad_floor_bp) != YB_OK)
		return false;
	floor_fen = floor_money.fen > 100 ? floor_money.fen : 100;
	if (mad < floor_fen)
		mad = floor_fen;
	if (v->total_fen <= med ||
	    6745 * (v->total_fen - med) <= (int64_t)j->p->outlier_z_milli * 10 * mad)
		return false;
	if (on(j, YB_FRAUD_AMOUNT_OUTLIER) &&
	    (f = finding(j, YB_FRAUD_AMOUNT_OUTLIER, v->claim_id)) != NULL) {
		add_claim(f, v->claim_id);
		finish(j, f,
		       json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:i,s:I}", "institution_id",
				 v->institution_id, "visit_type", visit_types[v->visit_type],
				 "diagnosis", v->dx, "total_fen", (json_int_t)v->total_fen,
				 "median_fen", (json_int_t)med, "mad_fen", (json_int_t)mad,
				 "samples", n, "robust_z_milli",
				 (json_int_t)(6745 * (v->total_fen - med) / (10 * mad))),
		       "Claim %s bills %" PRId64
		       " fen where %s's median for %s care of %s is %" PRId64
		       " fen (费用异常): check the items billed.",
		       v->claim_id, v->total_fen, v->institution_id, visit_types[v->visit_type],
		       v->dx, med);
	}
	return true;
}

/*
 * An institution whose rejection or outlier rate on a day jumps against its own last
 * baseline_days: the day's rate at least jump_bp above the baseline's, with enough claims
 * on both sides. Raised once per institution, day and rate.
 */
static void institution_anomaly(judge *j, yb_fraud_institution *inst, yb_fraud_day *d, int kind,
				uint64_t claim_hash)
{
	static const char *const kinds[] = {"rejection", "outlier"};
	const yb_fraud_params *p = j->p;
	int64_t base_n = 0, base_k = 0, rate_day, rate_base;
	yb_fraud_finding *f;
	char key[3 * YB_FRAUD_ID_LEN], day[11];

	if (d->raised_by[kind] != 0 && d->raised_by[kind] != claim_hash)
		return;
	if (d->n <= 0 || d->n < p->anomaly_min_claims)
		return;
	for (int i = 0; i < inst->count; i++) {
		const yb_fraud_day *b = &inst->days[i];

		if (b->day < d->day && b->day >= d->day - p->anomaly_baseline_days) {
			base_n += b->n;
			base_k += b->count[kind];
		}
	}
	if (base_n <= 0 || base_n < p->anomaly_min_baseline)
		return;
	rate_day = (int64_t)d->count[kind] * 10000 / d->n;
	rate_base = base_k * 10000 / base_n;
	if (rate_day - rate_base < p->anomaly_jump_bp)
		return;
	day_text(d->day, day);
	snprintf(key, sizeof(key), "%s|%s|%s", j->v->institution_id, day, kinds[kind]);
	if ((f = finding(j, YB_FRAUD_INSTITUTION_ANOMALY, key)) == NULL)
		return;
	f->institution_level = true;
	for (int i = 0; i < d->id_count[kind]; i++)
		add_claim(f, d->ids[kind][i]);
	add_claim(f, j->v->claim_id);
	d->raised_by[kind] = claim_hash;
	j->out->raised_anomaly[kind] = true;
	finish(j, f,
	       json_pack("{s:s,s:s,s:i,s:i,s:I,s:I,s:I,s:i}", "rate", kinds[kind], "day", day,
			 "claims", d->n, "count", d->count[kind], "rate_bp", (json_int_t)rate_day,
			 "baseline_rate_bp", (json_int_t)rate_base, "baseline_claims",
			 (json_int_t)base_n, "baseline_days", p->anomaly_baseline_days),
	       "Institution %s's %s rate on %s is %" PRId64 ".%02" PRId64 "%% against %" PRId64
	       ".%02" PRId64 "%% over its previous %d days: review its claims of that day.",
	       j->v->institution_id, kinds[kind], day, rate_day / 100, rate_day % 100,
	       rate_base / 100, rate_base % 100, p->anomaly_baseline_days);
}

/* --- one claim ------------------------------------------------------------------------- */

/* The rules that look at the member's window and the claim alone, in the order they run. */
static const struct {
	yb_fraud_rule rule;
	void (*check)(judge *j);
} member_rules[] = {
    {YB_FRAUD_DOUBLE_BILLING, double_billing},
    {YB_FRAUD_OVERLAPPING_STAY, overlapping_stay},
    {YB_FRAUD_VISIT_DURING_STAY, visit_during_stay},
    {YB_FRAUD_SPLIT_ADMISSION, split_admission},
    {YB_FRAUD_CARD_SHARING, card_sharing},
    {YB_FRAUD_FREQUENT_VISITS, frequent_visits},
    {YB_FRAUD_RESTRICTED_SERVICE, restricted_service},
    {YB_FRAUD_INELIGIBLE_MEMBER, ineligible_member},
    {YB_FRAUD_NON_DESIGNATED, non_designated},
    {YB_FRAUD_NEAR_ANNUAL_CAP, near_annual_cap},
};

static int visit_type_index(const char *type)
{
	for (int i = 0; i < 5; i++) {
		if (strcmp(type, visit_types[i]) == 0)
			return i;
	}
	return 1;
}

static bool fits(const char *s)
{
	return s != NULL && strlen(s) < YB_FRAUD_ID_LEN;
}

void yb_fraud_group_key(const yb_claim *c, char *out, size_t len)
{
	bool stay =
	    strcmp(c->visit_type, "inpatient") == 0 || strcmp(c->visit_type, "maternity") == 0;
	const char *dx = c->diagnoses_count > 0 ? c->diagnoses[0] : "";

	snprintf(out, len, "%s|%s|%.3s", c->institution_id, stay ? "stay" : "visit", dx);
}

static void visit_of(const yb_fraud_input *in, yb_fraud_visit *v)
{
	const yb_claim *c = in->claim;
	int32_t day = yb_claim_service_day(c);
	int y, m, d;

	memset(v, 0, sizeof(*v));
	snprintf(v->claim_id, sizeof(v->claim_id), "%s", c->claim_id);
	snprintf(v->institution_id, sizeof(v->institution_id), "%s", c->institution_id);
	if (c->diagnoses_count > 0)
		snprintf(v->dx, sizeof(v->dx), "%.3s", c->diagnoses[0]);
	v->visit_type = (uint8_t)visit_type_index(c->visit_type);
	v->visit_class =
	    v->visit_type == 0 || v->visit_type == 3 ? YB_FRAUD_STAY : YB_FRAUD_OUTPATIENT;
	v->from_day = day;
	v->to_day =
	    v->visit_class == YB_FRAUD_STAY && c->has_discharge_date ? c->discharge_date : day;
	yb_date_to_ymd(day, &y, &m, &d);
	v->year = y;
	v->total_fen = c->total_fen.fen;
	v->submitted_ms = c->submitted_at;
	v->order = in->order;
	v->claim_pos = in->claim_pos;
	v->rejected = strcmp(in->settlement->status, "settled") != 0;
}

int yb_fraud_check(const yb_fraud_params *p, yb_fraud_state *st, const yb_fraud_input *in,
		   yb_fraud_result *out)
{
	const yb_claim *c = in->claim;
	yb_fraud_window *w;
	yb_fraud_group *g;
	yb_fraud_institution *inst;
	yb_fraud_day *d;
	judge j = {.p = p, .in = in, .out = out};
	uint64_t claim_hash = yb_fraud_hash(c->claim_id, YB_FRAUD_HASH_SEED);
	bool outlier = false;

	out->count = 0;
	out->skipped = out->sampled = out->counted = out->outlier = false;
	out->raised_anomaly[0] = out->raised_anomaly[1] = false;
	if (!fits(c->claim_id) || !fits(c->institution_id) || !fits(c->member_id)) {
		out->skipped = true;
		return YB_OK;
	}
	visit_of(in, &out->visit);
	j.v = &out->visit;
	if ((w = yb_fraud_state_window(st, c->member_id)) == NULL)
		return YB_ENOMEM;
	for (int i = 0; i < w->count; i++) {
		const yb_fraud_visit *p_ = &w->visits[i];

		if (strcmp(p_->claim_id, c->claim_id) == 0) {
			if (p_->order != in->order) {
				out->skipped =
				    true; /* a resubmitted claim_id: its findings were made */
				return YB_OK;
			}
			/* Read again after a crash: a reversal recorded since stays. */
			out->visit.reversed = p_->reversed;
			out->visit.reversed_at = p_->reversed_at;
		}
		/* Only the claims before this one: a claim read again finds what it found. */
		if (p_->order < in->order && !(p_->reversed && p_->reversed_at < in->order))
			j.prior[j.prior_count++] = p_;
	}
	for (size_t r = 0; r < sizeof(member_rules) / sizeof(member_rules[0]); r++) {
		if (on(&j, member_rules[r].rule))
			member_rules[r].check(&j);
	}

	/* Institution level: the claim's amount against its group, then its day's rates. */
	if (out->visit.dx[0] != '\0' && c->total_fen.fen > 0) {
		yb_fraud_group_key(c, out->group_key, sizeof(out->group_key));
		if ((g = yb_fraud_state_group(st, out->group_key)) == NULL)
			return YB_ENOMEM;
		outlier = out->outlier = amount_outlier(&j, g, claim_hash);
		out->sample.claim_hash = claim_hash;
		out->sample.day = out->visit.from_day;
		out->sample.total_fen = c->total_fen.fen;
		yb_fraud_group_put(g, &out->sample, p->outlier_days, p->outlier_max_samples);
		out->sampled = true;
	}
	if ((inst = yb_fraud_state_institution(st, c->institution_id)) == NULL)
		return YB_ENOMEM;
	d = yb_fraud_institution_day(inst, out->visit.from_day);
	if (d != NULL) {
		bool flag[2] = {out->visit.rejected, outlier};

		d->n++;
		/* Any claim of the day can complete a finding: the rate needs the day's count. */
		for (int k = 0; k < 2; k++) {
			if (flag[k]) {
				d->count[k]++;
				if (d->id_count[k] < YB_FRAUD_DAY_IDS)
					snprintf(d->ids[k][d->id_count[k]++], YB_FRAUD_ID_LEN, "%s",
						 c->claim_id);
			}
			if (on(&j, YB_FRAUD_INSTITUTION_ANOMALY))
				institution_anomaly(&j, inst, d, k, claim_hash);
		}
		out->counted = true;
	}
	return yb_fraud_window_put(w, &out->visit, p->member_window_days);
}

yb_fraud_visit *yb_fraud_reverse(yb_fraud_state *st, const char *member_id, const char *claim_id,
				 int64_t at)
{
	yb_fraud_window *w = yb_fraud_state_window(st, member_id);

	for (int i = 0; w != NULL && i < w->count; i++) {
		if (strcmp(w->visits[i].claim_id, claim_id) == 0) {
			w->visits[i].reversed = true;
			w->visits[i].reversed_at = at;
			return &w->visits[i];
		}
	}
	return NULL;
}
