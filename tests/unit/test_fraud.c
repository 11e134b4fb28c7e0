/*
 * The fraud rules (common/fraud, docs/FRAUD.md): every rule fires on its pattern and stays
 * quiet on the near miss beside it, with the parameters of policies/fraud.conf. Each case
 * uses members and institutions of its own, so no other rule's window interferes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fraud/fraud.h"
#include "io/policy_files.h"
#include "base/date.h"
#include "base/error.h"

typedef struct fx {
	yb_fraud_params p;
	yb_fraud_state *st;
	yb_fraud_result r;
	yb_member member;
	bool has_member;
	yb_policy policy;
	int64_t order;
	/* the settlement each check gets */
	const char *status;
	const char *reason;
	int64_t fund_pay, fund_after;
} fx;

static int setup(void **state)
{
	static fx f;
	char errstr[512];

	memset(&f, 0, sizeof(f));
	if (yb_fraud_params_load(YB_TEST_POLICIES_DIR "/" YB_FRAUD_PARAMS_FILE, &f.p, errstr,
				 sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "%s\n", errstr);
		return -1;
	}
	if (yb_fraud_state_new(&f.st) != YB_OK)
		return -1;
	f.member.enrolled = true;
	f.member.sex = 'M';
	f.member.has_birth_date = true;
	f.member.birth_date = yb_date_from_ymd(1980, 6, 1);
	f.has_member = true;
	f.policy.annual_cap[0] = yb_fen(6000000);
	f.status = "settled";
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;

	yb_fraud_state_destroy(f->st);
	return 0;
}

static int32_t day(int m, int d)
{
	return yb_date_from_ymd(2024, m, d);
}

/* 10:00 on a day, plus minutes. */
static int64_t at(int32_t dd, int minutes)
{
	return (int64_t)dd * YB_MS_PER_DAY + 10 * 3600000LL - YB_CST_OFFSET_MS +
	       (int64_t)minutes * 60000;
}

/* The claims' diagnosis arrays: each claim its own, so several can be built up front. */
static const char *dx_memory[256][1];
static int dx_next;

static yb_claim claim(const char *id, const char *member, const char *inst, const char *visit,
		      int32_t from, int32_t to, int64_t total, const char *dx, int minutes)
{
	yb_claim c;
	bool stay = strcmp(visit, "inpatient") == 0 || strcmp(visit, "maternity") == 0;

	memset(&c, 0, sizeof(c));
	c.claim_id = id;
	c.member_id = member;
	c.scheme = "yingkou-resident";
	c.institution_id = inst;
	c.visit_type = visit;
	if (stay) {
		c.has_admission_date = c.has_discharge_date = true;
		c.admission_date = from;
		c.discharge_date = to;
	} else {
		c.has_service_date = true;
		c.service_date = from;
	}
	c.total_fen = yb_fen(total);
	c.compliant_fen = yb_fen(total);
	dx_memory[dx_next][0] = dx;
	c.diagnoses = dx_memory[dx_next];
	dx_next = (dx_next + 1) % 256;
	c.diagnoses_count = dx != NULL ? 1 : 0;
	c.has_diagnoses = dx != NULL;
	c.submitted_at = at(stay ? to : from, minutes);
	return c;
}

/* Judge c at the next position; returns how many findings of rule it made. */
static int check(fx *f, const yb_claim *c, yb_fraud_rule rule)
{
	yb_settlement s;
	const char *reasons[1] = {f->reason};
	yb_long_entry acc[1] = {{"fund_paid_fen", f->fund_after}};
	yb_fraud_input in = {.claim = c,
			     .settlement = &s,
			     .member = f->has_member ? &f->member : NULL,
			     .policy = &f->policy,
			     .order = ++f->order,
			     .claim_pos = f->order};
	int n = 0;

	memset(&s, 0, sizeof(s));
	s.claim_id = c->claim_id;
	s.status = f->status;
	s.reasons = reasons;
	s.reasons_count = f->reason != NULL ? 1 : 0;
	s.fund_pay_fen = yb_fen(f->fund_pay);
	s.accumulators = acc;
	s.accumulators_count = 1;
	s.benefit_year = 2024;
	assert_int_equal(yb_fraud_check(&f->p, f->st, &in, &f->r), YB_OK);
	for (int i = 0; i < f->r.count; i++) {
		const yb_fraud_alert *a = &f->r.findings[i].alert;

		/* every alert is complete: id, severity, the claim itself, evidence, a sentence */
		assert_non_null(a->alert_id);
		assert_true(strncmp(a->alert_id, "FA-", 3) == 0);
		assert_true(a->claim_ids_count >= 1);
		assert_string_equal(a->evidence[0] == '{' ? "{" : a->evidence, "{");
		assert_true(strlen(a->message) > 20);
		if (f->r.findings[i].rule == rule)
			n++;
	}
	return n;
}

/* The last check's finding of rule (it must be there). */
static const yb_fraud_finding *found(const fx *f, yb_fraud_rule rule)
{
	for (int i = 0; i < f->r.count; i++) {
		if (f->r.findings[i].rule == rule)
			return &f->r.findings[i];
	}
	fail_msg("no %s finding", yb_fraud_rule_name(rule));
	return NULL;
}

static void test_double_billing(void **state)
{
	fx *f = *state;
	yb_claim a = claim("DB-1", "M-DB", "H1", "outpatient", day(3, 1), 0, 15000, "J18.9", 0);
	yb_claim b = a, c = a;

	assert_int_equal(check(f, &a, YB_FRAUD_DOUBLE_BILLING), 0);
	c.claim_id = "DB-3"; /* near miss: one fen more, a second visit that day */
	c.total_fen = yb_fen(15001);
	c.submitted_at += 3600000;
	assert_int_equal(check(f, &c, YB_FRAUD_DOUBLE_BILLING), 0);
	b.claim_id = "DB-2";
	b.submitted_at += 7200000;
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 1);
	assert_int_equal(found(f, YB_FRAUD_DOUBLE_BILLING)->alert.claim_ids_count, 2);
	assert_string_equal(found(f, YB_FRAUD_DOUBLE_BILLING)->alert.claim_ids[0], "DB-1");
	assert_string_equal(found(f, YB_FRAUD_DOUBLE_BILLING)->alert.claim_ids[1], "DB-2");
	assert_string_equal(found(f, YB_FRAUD_DOUBLE_BILLING)->alert.severity, "high");
}

static void test_reversed_claim_does_not_count(void **state)
{
	fx *f = *state;
	yb_claim a = claim("RV-1", "M-RV", "H1", "outpatient", day(3, 1), 0, 15000, "J18.9", 0);
	yb_claim b = a;

	assert_int_equal(check(f, &a, YB_FRAUD_DOUBLE_BILLING), 0);
	assert_non_null(yb_fraud_reverse(f->st, "M-RV", "RV-1", ++f->order));
	b.claim_id = "RV-2"; /* billed again after the first was withdrawn: a correction */
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 0);
}

/* A claim whose halves met late is judged as it stood at its place: a reversal that came
 * after it (but was applied first, fraud-svc's join) does not count. */
static void test_reversal_after_the_claim_counts_later(void **state)
{
	fx *f = *state;
	yb_claim a = claim("RL-1", "M-RL", "H1", "outpatient", day(3, 1), 0, 15000, "J18.9", 0);
	yb_claim b = a;
	int64_t at_b;

	assert_int_equal(check(f, &a, YB_FRAUD_DOUBLE_BILLING), 0); /* position n */
	at_b = ++f->order;                                          /* the copy's place: n + 1 */
	assert_non_null(yb_fraud_reverse(f->st, "M-RL", "RL-1", ++f->order)); /* n + 2 */
	b.claim_id = "RL-2";
	f->order = at_b - 1;
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 1);
	f->order = at_b + 1;
}

static void test_overlapping_stay(void **state)
{
	fx *f = *state;
	yb_claim a =
	    claim("OS-1", "M-OS", "H1", "inpatient", day(3, 1), day(3, 7), 500000, "J18.9", 0);
	yb_claim near = claim("OS-2", "M-OS", "H2", "inpatient", day(3, 7), day(3, 12), 400000,
			      "I10", 0); /* admitted on the discharge day: a transfer */
	yb_claim b =
	    claim("OS-3", "M-OS", "H3", "inpatient", day(3, 4), day(3, 9), 300000, "E11.9", 0);

	assert_int_equal(check(f, &a, YB_FRAUD_OVERLAPPING_STAY), 0);
	assert_int_equal(check(f, &near, YB_FRAUD_OVERLAPPING_STAY), 0);
	/* 3-04..3-09 overlaps 3-01..3-07 (3 days) and 3-07..3-12 (2 days) */
	assert_int_equal(check(f, &b, YB_FRAUD_OVERLAPPING_STAY), 1);
	assert_int_equal(found(f, YB_FRAUD_OVERLAPPING_STAY)->alert.claim_ids_count, 3);
	assert_non_null(
	    strstr(found(f, YB_FRAUD_OVERLAPPING_STAY)->evidence, "\"overlap_days\":5"));
}

static void test_visit_during_stay(void **state)
{
	fx *f = *state;
	yb_claim stay =
	    claim("VS-1", "M-VS", "H1", "inpatient", day(4, 1), day(4, 9), 500000, "J18.9", 0);
	yb_claim near = claim("VS-2", "M-VS", "H2", "outpatient", day(4, 9), 0, 5000, "I10", 0);
	yb_claim in = claim("VS-3", "M-VS", "H2", "outpatient", day(4, 5), 0, 5000, "I10", 0);
	yb_claim visit = claim("VS-4", "M-VS2", "H2", "outpatient", day(5, 5), 0, 5000, "I10", 0);
	yb_claim later =
	    claim("VS-5", "M-VS2", "H1", "inpatient", day(5, 1), day(5, 8), 400000, "J18.9", 0);

	assert_int_equal(check(f, &stay, YB_FRAUD_VISIT_DURING_STAY), 0);
	assert_int_equal(check(f, &near, YB_FRAUD_VISIT_DURING_STAY), 0); /* the discharge day */
	assert_int_equal(check(f, &in, YB_FRAUD_VISIT_DURING_STAY), 1);
	/* the stay billed after the visit inside it: found from the stay's side */
	assert_int_equal(check(f, &visit, YB_FRAUD_VISIT_DURING_STAY), 0);
	assert_int_equal(check(f, &later, YB_FRAUD_VISIT_DURING_STAY), 1);
}

static void test_split_admission(void **state)
{
	fx *f = *state;
	/* discharged 3-10; readmitted 3-25 is 15 days (the limit), 3-26 is 16 */
	yb_claim a =
	    claim("SA-1", "M-SA", "H1", "inpatient", day(3, 1), day(3, 10), 500000, "K35.8", 0);
	yb_claim b =
	    claim("SA-2", "M-SA", "H1", "inpatient", day(3, 25), day(3, 29), 300000, "K35.2", 0);
	yb_claim a2 =
	    claim("SA-3", "M-SA2", "H1", "inpatient", day(3, 1), day(3, 10), 500000, "K35.8", 0);
	yb_claim near =
	    claim("SA-4", "M-SA2", "H1", "inpatient", day(3, 26), day(3, 29), 300000, "K35.8", 0);
	yb_claim other =
	    claim("SA-5", "M-SA3", "H1", "inpatient", day(3, 1), day(3, 10), 500000, "K35.8", 0);
	yb_claim other_dx =
	    claim("SA-6", "M-SA3", "H1", "inpatient", day(3, 20), day(3, 22), 300000, "J18.9", 0);

	assert_int_equal(check(f, &a, YB_FRAUD_SPLIT_ADMISSION), 0);
	assert_int_equal(check(f, &b, YB_FRAUD_SPLIT_ADMISSION), 1); /* K35.8 and K35.2: K35 */
	assert_non_null(
	    strstr(found(f, YB_FRAUD_SPLIT_ADMISSION)->evidence, "\"days_between\":15"));
	assert_int_equal(check(f, &a2, YB_FRAUD_SPLIT_ADMISSION), 0);
	assert_int_equal(check(f, &near, YB_FRAUD_SPLIT_ADMISSION), 0);
	assert_int_equal(check(f, &other, YB_FRAUD_SPLIT_ADMISSION), 0);
	assert_int_equal(check(f, &other_dx, YB_FRAUD_SPLIT_ADMISSION), 0);
}

static void test_card_sharing(void **state)
{
	fx *f = *state;
	yb_claim a = claim("CS-1", "M-CS", "H1", "outpatient", day(6, 1), 0, 5000, "J18.9", 0);
	yb_claim near = claim("CS-2", "M-CS", "H2", "outpatient", day(6, 1), 0, 5000, "J18.9", -31);
	yb_claim same = claim("CS-3", "M-CS", "H1", "outpatient", day(6, 1), 0, 5000, "J18.9", 10);
	yb_claim b = claim("CS-4", "M-CS", "H3", "outpatient", day(6, 1), 0, 5000, "J18.9", 30);

	assert_int_equal(check(f, &a, YB_FRAUD_CARD_SHARING), 0);
	assert_int_equal(check(f, &near, YB_FRAUD_CARD_SHARING), 0); /* 31 minutes */
	assert_int_equal(check(f, &same, YB_FRAUD_CARD_SHARING), 0); /* the same institution */
	assert_int_equal(check(f, &b, YB_FRAUD_CARD_SHARING), 1);    /* 20 and 30 minutes */
}

static void test_frequent_visits(void **state)
{
	fx *f = *state;
	yb_claim c;
	char ids[12][16];

	/* 7 visits in 3-01..3-19 and chronic care between them: below the limit of 8 */
	for (int k = 0; k < 7; k++) {
		snprintf(ids[k], sizeof(ids[k]), "FV-%d", k);
		c = claim(ids[k], "M-FV", k % 2 ? "H1" : "H2", "outpatient", day(3, 1 + 3 * k), 0,
			  3000, "J18.9", 0);
		assert_int_equal(check(f, &c, YB_FRAUD_FREQUENT_VISITS), 0);
		c.claim_id = "FV-chronic";
		c.visit_type = "chronic_outpatient";
		if (k == 3)
			assert_int_equal(check(f, &c, YB_FRAUD_FREQUENT_VISITS), 0);
	}
	/* the 8th on 3-31 is 31 days after the first: 7 in the window, still quiet */
	c = claim("FV-7", "M-FV", "H1", "outpatient", day(3, 31), 0, 3000, "J18.9", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_FREQUENT_VISITS), 0);
	/* the 9th on 4-01 makes 8 in 3-03..4-01 */
	c = claim("FV-8", "M-FV", "H1", "outpatient", day(4, 1), 0, 3000, "J18.9", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_FREQUENT_VISITS), 1);
	assert_int_equal(found(f, YB_FRAUD_FREQUENT_VISITS)->alert.claim_ids_count, 8);
	/* the 10th is the same run of visits: reported once */
	c = claim("FV-9", "M-FV", "H1", "outpatient", day(4, 2), 0, 3000, "J18.9", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_FREQUENT_VISITS), 0);
}

static void test_restricted_service(void **state)
{
	fx *f = *state;
	yb_claim c = claim("RS-1", "M-RS", "H1", "outpatient", day(3, 1), 0, 3000, "N80.0", 0);
	yb_item item = {.code = "PAED-1", .has_max_age = true, .max_age = 43};

	f->member.sex = 'M';
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 1); /* endometriosis, a man */
	f->member.sex = 'F';
	c.claim_id = "RS-2";
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 0);
	c.claim_id = "RS-3";
	c.visit_type = "maternity";
	c.has_admission_date = c.has_discharge_date = true;
	c.admission_date = c.discharge_date = day(3, 1);
	c.diagnoses_count = 0;
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 0);
	f->member.sex = 'M';
	c.claim_id = "RS-4";
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 1); /* maternity, a man */
	/* born 1980-06-01: 43 on 2024-03-01, 44 on 2024-06-01 */
	c = claim("RS-5", "M-RS", "H1", "outpatient", day(3, 1), 0, 3000, "J18.9", 0);
	c.items = &item;
	c.items_count = 1;
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 0);
	c.claim_id = "RS-6";
	c.service_date = day(6, 1);
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 1);
	/* unknown sex: nothing to judge */
	f->has_member = false;
	c.claim_id = "RS-7";
	assert_int_equal(check(f, &c, YB_FRAUD_RESTRICTED_SERVICE), 0);
	f->has_member = true;
}

static void test_eligibility_and_designation(void **state)
{
	fx *f = *state;
	yb_claim c = claim("EL-1", "M-EL", "H1", "outpatient", day(3, 1), 0, 3000, "J18.9", 0);

	f->status = "rejected";
	f->reason = "COVERAGE_TERMINATED";
	assert_int_equal(check(f, &c, YB_FRAUD_INELIGIBLE_MEMBER), 1);
	c.claim_id = "EL-2";
	f->reason = "EXCLUDED_CAUSE"; /* rejected, but the member is covered */
	assert_int_equal(check(f, &c, YB_FRAUD_INELIGIBLE_MEMBER), 0);
	c.claim_id = "EL-3";
	f->reason = "NON_DESIGNATED";
	assert_int_equal(check(f, &c, YB_FRAUD_NON_DESIGNATED), 1);
	c.claim_id = "EL-4";
	f->reason = "UNKNOWN_INSTITUTION";
	assert_int_equal(check(f, &c, YB_FRAUD_NON_DESIGNATED), 0);
	f->status = "settled";
	f->reason = NULL;
}

static void test_near_annual_cap(void **state)
{
	fx *f = *state;
	yb_claim c =
	    claim("NC-1", "M-NC", "H1", "inpatient", day(3, 1), day(3, 5), 300000, "J18.9", 0);

	/* cap 6,000,000 fen; 90% is 5,400,000: reaching it is the finding */
	f->fund_pay = 100000;
	f->fund_after = 5399999;
	assert_int_equal(check(f, &c, YB_FRAUD_NEAR_ANNUAL_CAP), 0);
	c.claim_id = "NC-2";
	f->fund_after = 5400000;
	assert_int_equal(check(f, &c, YB_FRAUD_NEAR_ANNUAL_CAP), 1);
	assert_non_null(strstr(found(f, YB_FRAUD_NEAR_ANNUAL_CAP)->evidence,
			       "\"fund_paid_before_fen\":5300000"));
	c.claim_id = "NC-3"; /* already past it before: found once, by the claim that crossed */
	f->fund_after = 5600000;
	assert_int_equal(check(f, &c, YB_FRAUD_NEAR_ANNUAL_CAP), 0);
	f->fund_pay = f->fund_after = 0;
}

static void test_amount_outlier(void **state)
{
	fx *f = *state;
	yb_claim c;
	char ids[32][16];

	/*
	 * 25 stays at H-OUT for J18 on 3-01..3-25: 10,000, 10,100, ..., 12,400 fen.
	 *   median = 11,200 (the 13th)
	 *   deviations 0, 100, 100, ..., 1,200, 1,200: MAD = 600 (the 13th)
	 *   floor 5% of 11,200 = 560, below: MAD 600
	 *   fires when 6745 · (x − 11,200) > 3500 · 10 · 600 = 21,000,000
	 *   x = 14,314: 6745 · 3,114 = 21,003,930, an outlier
	 *   x = 14,313: 6745 · 3,113 = 20,997,185, not
	 */
	for (int k = 0; k < 25; k++) {
		snprintf(ids[k], sizeof(ids[k]), "AO-%d", k);
		c = claim(ids[k], ids[k], "H-OUT", "inpatient", day(3, 1 + k), day(3, 2 + k),
			  10000 + 100 * k, "J18.9", 0);
		assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 0);
	}
	c = claim("AO-near", "AO-near", "H-OUT", "inpatient", day(3, 26), day(3, 27), 14313,
		  "J18.1", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 0);
	c = claim("AO-out", "AO-out", "H-OUT", "inpatient", day(3, 26), day(3, 27), 14314, "J18.2",
		  0);
	assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 1);
	/*
	 * A day later both count: 27 values, median 11,300, deviations with 3,013 and 3,014:
	 * MAD 700 (the 14th); fires above 11,300 + 3500 · 10 · 700 / 6745 = 14,932.3
	 */
	c = claim("AO-x", "AO-x", "H-OUT", "inpatient", day(3, 27), day(3, 28), 14932, "J18.0", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 0);
	c = claim("AO-y", "AO-y", "H-OUT", "inpatient", day(3, 27), day(3, 28), 14933, "J18.0", 0);
	assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 1);
	assert_non_null(
	    strstr(found(f, YB_FRAUD_AMOUNT_OUTLIER)->evidence, "\"median_fen\":11300"));
	/* too few amounts at another institution: no median, no finding */
	for (int k = 0; k < 24; k++) {
		snprintf(ids[k], sizeof(ids[k]), "AF-%d", k);
		c = claim(ids[k], ids[k], "H-FEW", "inpatient", day(3, 1 + k), day(3, 2 + k), 10000,
			  "J18.9", 0);
		assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 0);
	}
	c = claim("AF-x", "AF-x", "H-FEW", "inpatient", day(3, 26), day(3, 27), 9000000, "J18.9",
		  0);
	assert_int_equal(check(f, &c, YB_FRAUD_AMOUNT_OUTLIER), 0);
}

/* 28 days of 2 claims a day at inst, none rejected; then the day: n claims, bad rejected. */
static int anomaly_day(fx *f, const char *inst, int bad, int n)
{
	char id[32], member[32];
	yb_claim c;
	int found = 0;

	for (int k = 0; k < 56; k++) {
		snprintf(id, sizeof(id), "%s-b%d", inst, k);
		c = claim(id, id, inst, "outpatient", day(2, 1) + k / 2, 0, 3000 + k, "J18.9", 0);
		assert_int_equal(check(f, &c, YB_FRAUD_INSTITUTION_ANOMALY), 0);
	}
	for (int k = 0; k < n; k++) {
		snprintf(id, sizeof(id), "%s-d%d", inst, k);
		snprintf(member, sizeof(member), "%s-m%d", inst, k);
		f->status = k < bad ? "rejected" : "settled";
		c = claim(id, member, inst, "outpatient", day(3, 1), 0, 3000 + k, "J18.9", k);
		found += check(f, &c, YB_FRAUD_INSTITUTION_ANOMALY);
	}
	f->status = "settled";
	return found;
}

static void test_institution_anomaly(void **state)
{
	fx *f = *state;

	/* 6 of 20 rejected: 30.00% against 0.00%, the 30-point jump: once, at the 20th claim */
	assert_int_equal(anomaly_day(f, "H-AN1", 6, 25), 1);
	/* 5 of 20 (25.00%) and then 5 of 25: below the jump */
	assert_int_equal(anomaly_day(f, "H-AN2", 5, 25), 0);
	/* 19 claims all rejected: too few on the day for a rate */
	assert_int_equal(anomaly_day(f, "H-AN3", 19, 19), 0);
}

static void test_redelivery_and_resubmission(void **state)
{
	fx *f = *state;
	yb_claim a = claim("RD-1", "M-RD", "H1", "outpatient", day(3, 1), 0, 15000, "J18.9", 0);
	yb_claim b = a;
	char first[24];
	int64_t order;

	assert_int_equal(check(f, &a, YB_FRAUD_DOUBLE_BILLING), 0);
	b.claim_id = "RD-2";
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 1);
	snprintf(first, sizeof(first), "%s", found(f, YB_FRAUD_DOUBLE_BILLING)->alert_id);
	order = f->order;
	/* read again at the same position (after a crash): the same finding, the same id */
	f->order = order - 1;
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 1);
	assert_string_equal(found(f, YB_FRAUD_DOUBLE_BILLING)->alert_id, first);
	/* the claim_id sent again in another message: its findings were made */
	f->order = order + 5;
	assert_int_equal(check(f, &b, YB_FRAUD_DOUBLE_BILLING), 0);
	assert_true(f->r.skipped);
}

static void test_stored_forms(void **state)
{
	yb_fraud_visit v, back;
	yb_fraud_sample s = {.claim_hash = 0x1234567890abcdefULL, .day = -5, .total_fen = 99}, s2;
	uint8_t bytes[512];
	size_t n;

	(void)state;
	memset(&v, 0, sizeof(v));
	snprintf(v.claim_id, sizeof(v.claim_id), "C-1");
	snprintf(v.institution_id, sizeof(v.institution_id), "H-1");
	snprintf(v.dx, sizeof(v.dx), "J18");
	v.visit_class = YB_FRAUD_STAY;
	v.visit_type = 3;
	v.rejected = true;
	v.from_day = -3;
	v.to_day = 19000;
	v.year = 2024;
	v.total_fen = 123456789012LL;
	v.submitted_ms = -1;
	v.order = 77;
	v.claim_pos = 70;
	v.reversed_at = 80;
	v.raised = 1u << 11;
	n = yb_fraud_visit_pack(&v, bytes, sizeof(bytes));
	assert_true(n > 0);
	assert_int_equal(yb_fraud_visit_unpack(bytes, n, &back), 0);
	assert_memory_equal(&v, &back, sizeof(v));
	assert_int_equal(yb_fraud_visit_unpack(bytes, n - 1, &back), -1);
	bytes[0] = 9;
	assert_int_equal(yb_fraud_visit_unpack(bytes, n, &back), -1);
	n = yb_fraud_sample_pack(&s, bytes, sizeof(bytes));
	assert_int_equal(yb_fraud_sample_unpack(bytes, n, &s2), 0);
	assert_true(s2.claim_hash == s.claim_hash);
	assert_int_equal(s2.day, -5);
	assert_int_equal(s2.total_fen, 99);
}

static void test_params_refused(void **state)
{
	yb_fraud_params p;
	char errstr[256];
	static const char uncited[] = "member.window_days = 90\n";
	static const char unknown[] = "member.window_dayz = 90 @ x\n";
	static const char range[] = "card_sharing.minutes = 0 @ x\n";
	static const char partial[] = "card_sharing.minutes = 30 @ x\n";

	(void)state;
	assert_int_equal(
	    yb_fraud_params_parse(uncited, sizeof(uncited) - 1, &p, errstr, sizeof(errstr)), -1);
	assert_non_null(strstr(errstr, "1: expected"));
	assert_int_equal(
	    yb_fraud_params_parse(unknown, sizeof(unknown) - 1, &p, errstr, sizeof(errstr)), -1);
	assert_non_null(strstr(errstr, "'member.window_dayz': unknown"));
	assert_int_equal(
	    yb_fraud_params_parse(range, sizeof(range) - 1, &p, errstr, sizeof(errstr)), -1);
	assert_non_null(strstr(errstr, "1..1440"));
	assert_int_equal(
	    yb_fraud_params_parse(partial, sizeof(partial) - 1, &p, errstr, sizeof(errstr)), -1);
	assert_non_null(strstr(errstr, "missing"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_double_billing),
	    cmocka_unit_test(test_reversed_claim_does_not_count),
	    cmocka_unit_test(test_reversal_after_the_claim_counts_later),
	    cmocka_unit_test(test_overlapping_stay),
	    cmocka_unit_test(test_visit_during_stay),
	    cmocka_unit_test(test_split_admission),
	    cmocka_unit_test(test_card_sharing),
	    cmocka_unit_test(test_frequent_visits),
	    cmocka_unit_test(test_restricted_service),
	    cmocka_unit_test(test_eligibility_and_designation),
	    cmocka_unit_test(test_near_annual_cap),
	    cmocka_unit_test(test_amount_outlier),
	    cmocka_unit_test(test_institution_anomaly),
	    cmocka_unit_test(test_redelivery_and_resubmission),
	    cmocka_unit_test(test_stored_forms),
	    cmocka_unit_test(test_params_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
