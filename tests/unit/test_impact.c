/*
 * The money impact of a replay (services/claimctl/impact.h): percentages from basis points
 * rounded halves away from zero on each side of the half, "n/a" for a baseline of 0; every
 * breakdown adds up to the total; a sum that would leave its bound is refused whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "impact.h"
#include "base/error.h"

static void change_bp_rounds_halves_away_from_zero(void **state)
{
	static const struct {
		int64_t baseline, change, bp;
		bool has;
	} cases[] = {
	    {0, 100, 0, false}, /* nothing to compare with */
	    {0, 0, 0, false},
	    {100, 0, 0, true},
	    {3, 1, 3333, true},    /* 3333.3 */
	    {3, 2, 6667, true},    /* 6666.7 */
	    {20000, 1, 1, true},   /* 0.5 bp: away from zero */
	    {20000, -1, -1, true}, /* -0.5 bp */
	    {20001, 1, 0, true},   /* just under half */
	    {20001, -1, 0, true},
	    {40000, 3, 1, true}, /* 0.75 */
	    {40000, -3, -1, true},
	    {100, 100, 10000, true},             /* doubled: +100% */
	    {100, -100, -10000, true},           /* all gone: -100% */
	    {-200, 100, 5000, true},             /* a net take-back: of its size */
	    {1, INT64_MAX, 0, false},            /* beyond int64 */
	    {INT64_MAX, INT64_MAX, 10000, true}, /* no overflow on the way */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t bp = -42;

		assert_int_equal(impact_change_bp(cases[i].baseline, cases[i].change, &bp),
				 cases[i].has);
		assert_int_equal(bp, cases[i].bp);
	}
}

static void percentages_print_two_decimals_and_the_change_sign(void **state)
{
	static const struct {
		int64_t baseline, change;
		const char *text;
	} cases[] = {
	    {800, 10, "+1.25%"},       {10000, -5, "-0.05%"}, {1000000, 1, "+0.00%"},
	    {1000, 0, "0.00%"},        {0, 500, "n/a"},       {100, 100, "+100.00%"},
	    {100, -100, "-100.00%"},   {3, -1, "-33.33%"},    {7, 1000, "+14285.71%"},
	    {1, INT64_MAX / 2, "n/a"},
	};
	char text[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		impact_format_percent(text, sizeof(text), cases[i].baseline, cases[i].change);
		assert_string_equal(text, cases[i].text);
	}
}

static impact_claim claim(const char *scheme, int32_t year, const char *visit, int32_t level,
			  int64_t fund_was, int64_t fund_now, int64_t cash_was, int64_t cash_now)
{
	impact_claim c = {.scheme = scheme,
			  .benefit_year = year,
			  .visit_type = visit,
			  .institution_level = level};

	c.recorded.fen[0] = fund_was;
	c.replayed.fen[0] = fund_now;
	c.recorded.fen[1] = fund_was / 10; /* critical illness moves too */
	c.replayed.fen[1] = fund_now / 10;
	c.recorded.fen[IMPACT_FUNDS] = cash_was;
	c.replayed.fen[IMPACT_FUNDS] = cash_now;
	return c;
}

static int64_t json_fen(const json_t *object, const char *key)
{
	return (int64_t)json_integer_value(json_object_get(object, key));
}

static void every_breakdown_adds_up_to_the_total(void **state)
{
	impact im = {0};
	const impact_claim claims[] = {
	    claim("yingkou-resident", 2024, "inpatient", 2, 75000, 80000, 25000, 20000),
	    claim("yingkou-resident", 2023, "inpatient", 3, 60000, 60000, 40000, 40000),
	    claim("binzhou-resident", 2024, "outpatient", 1, 1000, 1200, 500, 300),
	    claim("yingkou-resident", 2024, "inpatient", 2, -75000, -80000, -25000, -20000),
	    claim("binzhou-resident", 2024, NULL, -1, 0, 0, 700, 700),
	    claim("yantai-employee", 2025, "chronic_outpatient", 0, 0, 300, 300, 0),
	};
	static const char *const lists[] = {"by_scheme", "by_benefit_year", "by_visit_type",
					    "by_institution_level", "by_fund"};
	json_t *report, *total;
	int64_t change;

	(void)state;
	for (size_t i = 0; i < sizeof(claims) / sizeof(claims[0]); i++)
		assert_int_equal(impact_add(&im, &claims[i]), YB_OK);
	assert_int_equal(im.total.claims, 6);
	assert_int_equal(im.total.changed, 4);
	/* Years and levels in numeric order, unknown last; text keys by name. */
	assert_int_equal(im.count[IMPACT_BY_BENEFIT_YEAR], 3);
	assert_int_equal(im.rows[IMPACT_BY_BENEFIT_YEAR][0].number, 2023);
	assert_int_equal(im.rows[IMPACT_BY_BENEFIT_YEAR][2].number, 2025);
	assert_int_equal(im.count[IMPACT_BY_INSTITUTION_LEVEL], 5);
	assert_int_equal(im.rows[IMPACT_BY_INSTITUTION_LEVEL][0].number, 0);
	assert_string_equal(im.rows[IMPACT_BY_INSTITUTION_LEVEL][4].key, "unknown");
	assert_string_equal(im.rows[IMPACT_BY_SCHEME][0].key, "binzhou-resident");
	assert_string_equal(im.rows[IMPACT_BY_VISIT_TYPE][3].key, "unknown");

	report = impact_json(&im);
	assert_non_null(report);
	total = json_object_get(report, "total");
	change = json_fen(total, "change_fen");
	/* (5000 + 500) + (200 + 20) - (5000 + 500) + (300 + 30): cash is not a fund */
	assert_int_equal(change, 550);
	assert_int_equal(json_fen(total, "new_fen") - json_fen(total, "baseline_fen"), change);
	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		const json_t *rows = json_object_get(report, lists[l]), *row;
		int64_t sum = 0, claims_sum = 0;
		size_t i;

		assert_true(json_array_size(rows) > 0);
		json_array_foreach (rows, i, row) {
			sum += json_fen(row, "change_fen");
			claims_sum += json_fen(row, "claims");
		}
		assert_int_equal(sum, change);
		if (l < 4)
			assert_int_equal(claims_sum, 6);
	}
	assert_int_equal(json_fen(json_object_get(report, "cash"), "change_fen"),
			 -5000 - 200 + 5000 - 300);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(report, "by_institution_level"), 4),
			    "institution_level")));
	json_decref(report);
	impact_free(&im);
}

static void a_sum_past_its_bound_is_refused_whole(void **state)
{
	impact im = {0};
	impact_claim big = claim("yingkou-resident", 2024, "inpatient", 2, 0, 0, 0, 0);

	(void)state;
	big.recorded.fen[0] = IMPACT_MAX_SUM_FEN;
	assert_int_equal(impact_add(&im, &big), YB_OK);
	big.recorded.fen[0] = 0;
	big.replayed.fen[0] = 1;
	assert_int_equal(impact_add(&im, &big), YB_OK);
	big.recorded.fen[0] = 1;
	assert_int_equal(impact_add(&im, &big), YB_EOVERFLOW);
	assert_int_equal(im.total.claims, 2);
	assert_int_equal(im.rows[IMPACT_BY_SCHEME][0].claims, 2);
	assert_int_equal(im.total.recorded.fen[0], IMPACT_MAX_SUM_FEN);
	impact_free(&im);
	impact_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(change_bp_rounds_halves_away_from_zero),
	    cmocka_unit_test(percentages_print_two_decimals_and_the_change_sign),
	    cmocka_unit_test(every_breakdown_adds_up_to_the_total),
	    cmocka_unit_test(a_sum_past_its_bound_is_refused_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
