/*
 * Properties of the rule engine over random claims (a seeded generator, so a failure
 * reproduces): for every settlement of every scheme,
 *   - the parts sum to the total, and none is negative;
 *   - a rejected claim pays nothing from any fund;
 *   - the fund never pays past the annual cap;
 *   - taking a claim's delta back restores the accumulators exactly, and adjudicating it
 *     again against them gives the same settlement and the same delta;
 *   - the same input stream gives byte-identical output (a replay settles the same).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codec/json.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "rules/adjudicate.h"
#include "base/date.h"
#include "base/error.h"

#define CLAIMS  20000
#define MEMBERS 400

static char arena_memory[1 << 20];

typedef struct rng {
	uint64_t s;
} rng;

static uint64_t next(rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

static int pick(rng *r, int n)
{
	return (int)(next(r) % (uint64_t)n);
}

static const char *const schemes[] = {"yingkou-resident", "binzhou-resident", "chaoyang-resident",
				      "yantai-employee", "yantai-resident"};
/* The year each scheme is exercised in: one in which its policy is in force. */
static const int years[] = {2024, 2024, 2024, 2022, 2022};

/* The random input stream, one JSON line at a time, into out; returns the line count. */
static size_t generate(uint64_t seed, char ***out)
{
	static const char *const categories[] = {"adult",
						 "student",
						 "minor",
						 "veteran",
						 "retiree",
						 "flexible",
						 "special_assistance",
						 "employee_transfer"};
	static const char *const visits[] = {
	    "inpatient",          "inpatient", "inpatient",          "outpatient",
	    "chronic_outpatient", "maternity", "accident_outpatient"};
	static const char *const causes[] = {"no_liable_party", "traffic", "self_harm",
					     "third_party"};
	static const char *const kinds[] = {"general", "tcm", "specialty", "community", "township"};
	size_t cap = 4 * CLAIMS + 4 * MEMBERS, n = 0;
	char **lines = calloc(cap, sizeof(char *)), buf[2048];
	rng r = {seed};

	for (int i = 0; i < 30; i++) {
		snprintf(
		    buf, sizeof(buf),
		    "{\"type\":\"institution\",\"institution_id\":\"I%d\",\"level\":%d,"
		    "\"grade\":\"%s\",\"kind\":\"%s\",\"specialty\":\"tb\",\"ownership\":\"%s\","
		    "\"beds\":%d,\"designated\":%s,\"essential_drug_system\":%s}",
		    i, pick(&r, 4), pick(&r, 2) ? "A" : "B", kinds[pick(&r, 5)],
		    pick(&r, 4) ? "public" : "private", 50 + pick(&r, 400),
		    pick(&r, 10) ? "true" : "false", pick(&r, 2) ? "true" : "false");
		lines[n++] = strdup(buf);
	}
	for (int m = 0; m < MEMBERS; m++) {
		int s = m % 5, y = years[s];

		snprintf(
		    buf, sizeof(buf),
		    "{\"type\":\"enrollment\",\"event_id\":\"E%d\",\"member_id\":\"M%d\","
		    "\"scheme\":\"%s\",\"action\":\"enroll\",\"category\":\"%s\",\"sex\":\"%s\","
		    "\"birth_date\":\"%d-0%d-1%d\",\"tier\":%d,\"contribution_years\":%d,"
		    "\"prior_coverage_end\":\"%d-02-01\",\"event_time\":\"%d-06-01T08:00:00+08:"
		    "00\"}",
		    m, m, schemes[s], categories[pick(&r, 8)], pick(&r, 2) ? "M" : "F",
		    1940 + pick(&r, 80), 1 + pick(&r, 9), pick(&r, 9), 1 + pick(&r, 2),
		    15 + pick(&r, 20), y, y - 2);
		lines[n++] = strdup(buf);
		if (s == 3) { /* employee: monthly contributions, some months missing */
			for (int k = 0; k < 30; k++) {
				if (pick(&r, 8) == 0)
					continue;
				snprintf(buf, sizeof(buf),
					 "{\"type\":\"payment\",\"event_id\":\"P%d-%d\",\"member_"
					 "id\":\"M%d\","
					 "\"scheme\":\"%s\",\"kind\":\"contribution\",\"period\":"
					 "\"%d-%02d\","
					 "\"wage_fen\":%d,\"amount_fen\":1,\"paid_at\":\"%d-%02d-"
					 "15T08:00:00+08:00\"}",
					 m, k, m, schemes[s], y - 2 + (k / 12), k % 12 + 1,
					 300000 + pick(&r, 1000000), y - 2 + (k / 12), k % 12 + 1);
				lines[n++] = strdup(buf);
			}
			if (pick(&r, 2)) {
				snprintf(
				    buf, sizeof(buf),
				    "{\"type\":\"payment\",\"event_id\":\"L%d\",\"member_id\":\"M%"
				    "d\","
				    "\"scheme\":\"%s\",\"kind\":\"large_relief_fee\",\"coverage_"
				    "year\":%d,"
				    "\"amount_fen\":3600,\"paid_at\":\"%d-01-05T08:00:00+08:00\"}",
				    m, m, schemes[s], y, y);
				lines[n++] = strdup(buf);
			}
		} else { /* residents: last year's premium maybe, this year's on time or late */
			if (pick(&r, 3)) {
				snprintf(
				    buf, sizeof(buf),
				    "{\"type\":\"payment\",\"event_id\":\"Q%d\",\"member_id\":\"M%"
				    "d\","
				    "\"scheme\":\"%s\",\"kind\":\"premium\",\"coverage_year\":%d,"
				    "\"amount_fen\":38000,\"paid_at\":\"%d-11-20T08:00:00+08:00\"}",
				    m, m, schemes[s], y - 1, y - 2);
				lines[n++] = strdup(buf);
			}
			if (pick(&r, 8)) {
				snprintf(
				    buf, sizeof(buf),
				    "{\"type\":\"payment\",\"event_id\":\"R%d\",\"member_id\":\"M%"
				    "d\","
				    "\"scheme\":\"%s\",\"kind\":\"premium\",\"coverage_year\":%d,"
				    "\"amount_fen\":38000,\"paid_at\":\"%d-%02d-%02dT08:00:00+08:"
				    "00\"}",
				    m, m, schemes[s], y, pick(&r, 3) ? y - 1 : y,
				    pick(&r, 3) ? 11 : 1 + pick(&r, 4), 1 + pick(&r, 28));
				lines[n++] = strdup(buf);
			}
		}
	}
	for (int c = 0; c < CLAIMS; c++) {
		int m = pick(&r, MEMBERS), s = m % 5, y = years[s];
		int month = 1 + pick(&r, 12), day = 1 + pick(&r, 25);
		const char *visit = visits[pick(&r, 7)];
		long total = 100 + (long)pick(&r, 5) * pick(&r, 3000000) + pick(&r, 100000);
		long compliant = total - (long)pick(&r, (int)(total / 3 + 1));
		int stay = strcmp(visit, "inpatient") == 0 || strcmp(visit, "maternity") == 0;
		char dates[96];

		if (stay)
			snprintf(dates, sizeof(dates),
				 "\"admission_date\":\"%d-%02d-%02d\",\"discharge_date\":\"%d-%02d-"
				 "%02d\"",
				 y, month, day, y, month, day + 1 + pick(&r, 2));
		else
			snprintf(dates, sizeof(dates), "\"service_date\":\"%d-%02d-%02d\"", y,
				 month, day);
		snprintf(
		    buf, sizeof(buf),
		    "{\"type\":\"claim\",\"claim_id\":\"C%d\",\"member_id\":\"M%d\",\"scheme\":\"%"
		    "s\","
		    "\"institution_id\":\"I%d\",\"visit_type\":\"%s\",%s,\"total_fen\":%ld,"
		    "\"compliant_fen\":%ld,\"essential_drug_fen\":%ld,\"diagnoses\":[\"%s\"],"
		    "\"chronic_class\":\"%s\",\"chronic_disease\":\"D%d\",\"treatments\":[\"%s\"],"
		    "\"injury_cause\":\"%s\",\"out_of_city\":%s,\"referral\":\"%s\",\"networked\":%"
		    "s,"
		    "%s\"submitted_at\":\"%d-12-31T08:00:00+08:00\"}",
		    c, m, schemes[s], pick(&r, 31), visit, dates, total, compliant,
		    compliant / (1 + pick(&r, 4)), pick(&r, 5) ? "J18.9" : "C91.0",
		    pick(&r, 2) ? "A" : "B", pick(&r, 4),
		    pick(&r, 4) ? "none" : (pick(&r, 2) ? "chemotherapy" : "dialysis"),
		    causes[pick(&r, 4)], pick(&r, 10) ? "false" : "true",
		    pick(&r, 2) ? "registered" : "unregistered", pick(&r, 2) ? "true" : "false",
		    c > 10 && pick(&r, 10) == 0 ? "\"referred_from_claim_id\":\"C1\"," : "", y);
		lines[n++] = strdup(buf);
		if (c > 0 && pick(&r, 10) == 0) {
			int target = pick(&r, c);

			snprintf(buf, sizeof(buf),
				 "{\"type\":\"reversal\",\"claim_id\":\"C%d\",\"event_time\":\"%d-"
				 "12-31T09:00:00+08:00\"}",
				 target, y);
			lines[n++] = strdup(buf);
		}
		if (c > 0 && pick(&r, 50) == 0) { /* a repeated claim */
			lines[n] = strdup(lines[n - 1]);
			n++;
		}
	}
	*out = lines;
	return n;
}

static void free_lines(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

static int64_t get(const json_t *s, const char *name)
{
	return json_integer_value(json_object_get(s, name));
}

static int64_t acc_get(const json_t *s, const char *name)
{
	return json_integer_value(json_object_get(json_object_get(s, "accumulators"), name));
}

/* Run the stream; check each settlement; return the output as one string. */
static char *run(uint64_t seed, const yb_policy_set *sets, size_t count, size_t *settled,
		 size_t *rejected)
{
	char **lines = NULL;
	size_t n = generate(seed, &lines), out_len = 0, out_cap = 1 << 20;
	char *out = malloc(out_cap);
	yb_ledger *ledger = NULL;

	assert_int_equal(yb_ledger_new(&ledger, sets, count), YB_OK);
	for (size_t i = 0; i < n; i++) {
		yb_arena arena;
		yb_record record;
		const yb_settlement *s = NULL;
		char errstr[512];
		int rc;

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		if (yb_json_decode(lines[i], strlen(lines[i]), &arena, &record, errstr,
				   sizeof(errstr)) != YB_OK)
			fail_msg("generated line %zu: %s", i, errstr);
		rc = yb_ledger_apply(ledger, &record, &s, errstr, sizeof(errstr));
		if (rc == 1) {
			yb_record o = {.type = YB_RECORD_SETTLEMENT};
			json_t *j;
			char *text;
			int64_t sum;
			const char *status;

			o.as.settlement = *s;
			j = yb_json_encode(&o);
			assert_non_null(j);
			status = json_string_value(json_object_get(j, "status"));
			sum = get(j, "fund_pay_fen") + get(j, "critical_illness_pay_fen") +
			      get(j, "large_relief_pay_fen") + get(j, "assistance_pay_fen") +
			      get(j, "personal_account_pay_fen") + get(j, "cash_pay_fen");
			if (sum != get(j, "total_fen") || get(j, "cash_pay_fen") < 0 ||
			    get(j, "fund_pay_fen") < 0 || get(j, "critical_illness_pay_fen") < 0 ||
			    get(j, "personal_account_pay_fen") < 0)
				fail_msg("parts do not make the total: %s", lines[i]);
			if (strcmp(status, "rejected") == 0) {
				(*rejected)++;
				if (sum != get(j, "cash_pay_fen"))
					fail_msg("a rejected claim paid by a fund: %s", lines[i]);
			} else {
				(*settled)++;
			}
			/* The largest cap of any scheme is 250000 yuan (烟台职工 第十四条). */
			if (acc_get(j, "fund_paid_fen") > 25000000 ||
			    acc_get(j, "fund_paid_fen") < 0)
				fail_msg("the year's fund past every cap: %s", lines[i]);
			text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (out_len + strlen(text) + 2 > out_cap) {
				out_cap *= 2;
				out = realloc(out, out_cap);
			}
			memcpy(out + out_len, text, strlen(text));
			out_len += strlen(text);
			out[out_len++] = '\n';
			free(text);
			json_decref(j);
		}
	}
	out[out_len] = '\0';
	yb_ledger_destroy(ledger);
	free_lines(lines, n);
	return out;
}

static yb_policy_set *load(size_t *count)
{
	yb_policy_set *sets = NULL;
	char errstr[512];

	if (yb_policy_load_dir(YB_TEST_POLICIES_DIR, &sets, count, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	return sets;
}

static void invariants_hold_and_a_replay_is_byte_identical(void **state)
{
	size_t count, settled = 0, rejected = 0, s2 = 0, r2 = 0;
	yb_policy_set *sets = load(&count);
	char *first = run(UINT64_C(0x9e3779b97f4a7c15), sets, count, &settled, &rejected);
	char *second = run(UINT64_C(0x9e3779b97f4a7c15), sets, count, &s2, &r2);

	(void)state;
	printf("%zu settled, %zu rejected\n", settled, rejected);
	/* The generator must exercise both outcomes in volume, or the test proves little. */
	assert_true(settled > CLAIMS / 10);
	assert_true(rejected > CLAIMS / 10);
	assert_string_equal(first, second);
	free(first);
	free(second);
	free(sets);
}

/* Reverse then re-apply, at the engine: acc + delta − delta = acc, and the same answer. */
static void reverse_then_reapply_gives_the_same_accumulators(void **state)
{
	size_t count;
	yb_policy_set *sets = load(&count);
	rng r = {42};
	yb_member member;
	yb_year_acc acc;
	yb_institution inst = {
	    .institution_id = "I", .level = 2, .designated = true, .kind = "general"};
	static yb_adjudication first, again;
	int checked = 0;

	(void)state;
	memset(&member, 0, sizeof(member));
	memset(&acc, 0, sizeof(acc));
	member.enrolled = true;
	snprintf(member.category, sizeof(member.category), "adult");
	member.premium_count = 2;
	member.premiums[0] = (yb_premium){2023, yb_date_from_ymd(2022, 11, 20)};
	member.premiums[1] = (yb_premium){2024, yb_date_from_ymd(2023, 11, 20)};
	for (int i = 0; i < 5000; i++) {
		const char *visits[] = {"inpatient", "outpatient", "chronic_outpatient"};
		yb_claim c;
		yb_claim_context ctx;
		yb_year_acc before = acc;
		char id[32];
		int v = pick(&r, 3);

		memset(&c, 0, sizeof(c));
		snprintf(id, sizeof(id), "C%d", i);
		c.claim_id = id;
		c.member_id = "M";
		c.scheme = "yingkou-resident";
		c.institution_id = "I";
		c.visit_type = visits[v];
		c.has_admission_date = c.has_discharge_date = v == 0;
		c.admission_date = yb_date_from_ymd(2024, 1 + pick(&r, 12), 1 + pick(&r, 20));
		c.discharge_date = c.admission_date + 3;
		c.has_service_date = v != 0;
		c.service_date = yb_date_from_ymd(2024, 1 + pick(&r, 12), 1 + pick(&r, 28));
		c.total_fen = yb_fen(1 + (int64_t)pick(&r, 5000000));
		c.compliant_fen =
		    yb_fen(c.total_fen.fen - pick(&r, (int)(c.total_fen.fen / 2 + 1)));
		c.chronic_class = pick(&r, 2) ? "A" : "B";
		c.chronic_disease = pick(&r, 2) ? "I10" : "E11";
		memset(&ctx, 0, sizeof(ctx));
		ctx.policy = yb_policy_in_force(&sets[4], yb_claim_service_day(&c));
		ctx.member = &member;
		ctx.acc = &acc;
		ctx.institution = &inst;
		ctx.referred_from_level = -1;
		assert_non_null(ctx.policy);
		yb_adjudicate(&ctx, &c, &first);
		yb_year_acc_apply(&acc, &first.delta, 1);
		yb_year_acc_apply(&acc, &first.delta, -1);
		if (memcmp(&acc, &before, sizeof(acc)) != 0) {
			const unsigned char *a = (const void *)&acc, *b = (const void *)&before;
			size_t at = 0;

			while (a[at] == b[at])
				at++;
			fail_msg("claim %d: taking the delta back does not restore the year "
				 "(first difference at byte %zu of %zu)",
				 i, at, sizeof(acc));
		}
		ctx.acc = &acc;
		yb_adjudicate(&ctx, &c, &again);
		assert_int_equal(again.settlement.fund_pay_fen.fen,
				 first.settlement.fund_pay_fen.fen);
		assert_int_equal(again.settlement.cash_pay_fen.fen,
				 first.settlement.cash_pay_fen.fen);
		assert_memory_equal(&again.delta, &first.delta, sizeof(first.delta));
		/* Keep the year moving so later claims meet caps and limits. */
		yb_year_acc_apply(&acc, &first.delta, 1);
		checked++;
	}
	assert_true(acc.fund_paid_fen <= 6000000); /* 营口 第二十一条 */
	assert_int_equal(checked, 5000);
	free(sets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(invariants_hold_and_a_replay_is_byte_identical),
	    cmocka_unit_test(reverse_then_reapply_gives_the_same_accumulators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
