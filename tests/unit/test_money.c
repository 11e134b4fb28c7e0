/*
 * Money: overflow on both sides of the int64 range, the one rounding rule on both sides of
 * the half fen, and the yuan text forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "rules/money.h"

static void add_and_sub_report_overflow_at_the_int64_edges(void **state)
{
	yb_money out = yb_fen(7);

	(void)state;
	assert_int_equal(yb_money_add(&out, yb_fen(INT64_MAX - 1), yb_fen(1)), YB_OK);
	assert_true(out.fen == INT64_MAX);
	out = yb_fen(7);
	assert_int_equal(yb_money_add(&out, yb_fen(INT64_MAX), yb_fen(1)), YB_EOVERFLOW);
	assert_true(out.fen == 7); /* untouched on failure */
	assert_int_equal(yb_money_sub(&out, yb_fen(INT64_MIN + 1), yb_fen(1)), YB_OK);
	assert_true(out.fen == INT64_MIN);
	assert_int_equal(yb_money_sub(&out, yb_fen(INT64_MIN), yb_fen(1)), YB_EOVERFLOW);
	assert_int_equal(yb_money_sub(&out, yb_fen(0), yb_fen(INT64_MIN)), YB_EOVERFLOW);
}

static void apply_bp_rounds_half_fen_away_from_zero(void **state)
{
	yb_money out;

	(void)state;
	/* 123.45 yuan at 50%: 12345 × 5000 / 10000 = 6172.5 fen → 6173 (half rounds up). */
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(12345), 5000), YB_OK);
	assert_true(out.fen == 6173);
	/* The reversal: -12345 × 5000 / 10000 = -6172.5 → -6173, the exact negation. */
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(-12345), 5000), YB_OK);
	assert_true(out.fen == -6173);
	/* Both sides of the half fen: 1 fen × 49.99% = 0.4999 → 0; × 50% = 0.5 → 1. */
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(1), 4999), YB_OK);
	assert_true(out.fen == 0);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(1), 5000), YB_OK);
	assert_true(out.fen == 1);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(-1), 4999), YB_OK);
	assert_true(out.fen == 0);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(-1), 5000), YB_OK);
	assert_true(out.fen == -1);
	/* 2000 yuan at 75%: 200000 × 7500 / 10000 = 150000 fen exactly. */
	assert_int_equal(yb_money_apply_bp(&out, yb_yuan(2000), 7500), YB_OK);
	assert_true(out.fen == 150000);
	/* A rate above 100% (a bonus): 333 fen × 110% = 366.3 → 366. */
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(333), 11000), YB_OK);
	assert_true(out.fen == 366);
}

static void apply_bp_reports_overflow(void **state)
{
	yb_money out = yb_fen(3);

	(void)state;
	/* amount × rate must fit in int64 before the division: INT64_MAX / 10000 fen
	 * (about 9.2e11 yuan) at 100% fits, one fen more does not. */
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(INT64_MAX / 10000), YB_BP_FULL), YB_OK);
	assert_true(out.fen == INT64_MAX / 10000);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(INT64_MAX / 10000 + 1), YB_BP_FULL),
			 YB_EOVERFLOW);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(INT64_MIN / 10000 - 1), YB_BP_FULL),
			 YB_EOVERFLOW);
	assert_int_equal(yb_money_apply_bp(&out, yb_fen(INT64_MAX), 2), YB_EOVERFLOW);
	assert_true(out.fen == INT64_MAX / 10000); /* untouched by the failures */
}

/* Property: negating the amount negates the result, for every rate (reversals are exact). */
static void apply_bp_is_symmetric_under_negation(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		yb_money pos, neg;
		int64_t amount;
		yb_bp rate;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		amount = (int64_t)(seed % 100000000000u); /* up to 1e9 yuan */
		rate = (yb_bp)((seed >> 40) % 20001);
		assert_int_equal(yb_money_apply_bp(&pos, yb_fen(amount), rate), YB_OK);
		assert_int_equal(yb_money_apply_bp(&neg, yb_fen(-amount), rate), YB_OK);
		assert_true(pos.fen == -neg.fen);
	}
}

static void format_yuan(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(yb_money_format_yuan(buf, sizeof(buf), yb_fen(0)), 4);
	assert_string_equal(buf, "0.00");
	yb_money_format_yuan(buf, sizeof(buf), yb_fen(-5));
	assert_string_equal(buf, "-0.05");
	yb_money_format_yuan(buf, sizeof(buf), yb_fen(123456));
	assert_string_equal(buf, "1234.56");
	yb_money_format_yuan(buf, sizeof(buf), yb_fen(INT64_MIN));
	assert_string_equal(buf, "-92233720368547758.08");
	assert_int_equal(yb_money_format_yuan(buf, 4, yb_fen(100)), YB_EINVAL);
}

static void parse_yuan_accepts_only_plain_amounts(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t fen;
	} cases[] = {
	    {"200", YB_OK, 20000},
	    {"0.5", YB_OK, 50},
	    {"-12.34", YB_OK, -1234},
	    {"0.01", YB_OK, 1},
	    {"92233720368547758.07", YB_OK, INT64_MAX},
	    {"-92233720368547758.08", YB_OK, INT64_MIN},
	    {"92233720368547758.08", YB_EOVERFLOW, 0},
	    {"1000000000000000000000", YB_EOVERFLOW, 0},
	    {"1.234", YB_EPARSE, 0},
	    {"", YB_EPARSE, 0},
	    {"-", YB_EPARSE, 0},
	    {".5", YB_EPARSE, 0},
	    {"1.", YB_EPARSE, 0},
	    {"1.2.3", YB_EPARSE, 0},
	    {" 1", YB_EPARSE, 0},
	    {"1e3", YB_EPARSE, 0},
	    {"1,000", YB_EPARSE, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yb_money out = yb_fen(-42);
		int rc = yb_money_parse_yuan(&out, cases[i].text);

		if (rc != cases[i].rc)
			fail_msg("'%s': rc %d, expected %d", cases[i].text, rc, cases[i].rc);
		if (out.fen != (rc == YB_OK ? cases[i].fen : -42))
			fail_msg("'%s': %lld fen", cases[i].text, (long long)out.fen);
	}
}

static void strerror_covers_every_code(void **state)
{
	(void)state;
	for (int code = YB_EPARSE; code <= YB_OK; code++)
		assert_string_not_equal(yb_strerror(code), "unknown error");
	assert_string_equal(yb_strerror(-1000), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(add_and_sub_report_overflow_at_the_int64_edges),
	    cmocka_unit_test(apply_bp_rounds_half_fen_away_from_zero),
	    cmocka_unit_test(apply_bp_reports_overflow),
	    cmocka_unit_test(apply_bp_is_symmetric_under_negation),
	    cmocka_unit_test(format_yuan),
	    cmocka_unit_test(parse_yuan_accepts_only_plain_amounts),
	    cmocka_unit_test(strerror_covers_every_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
