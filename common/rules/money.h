/*
 * Money and rates.
 *
 * Money is an integer number of fen (1 yuan = 100 fen) in an int64, wrapped in a struct so
 * that a count of days or a rate cannot be passed where money is expected. Rates are integer
 * basis points (10000 bp = 100%). There is no float anywhere in the rules library.
 *
 * Every operation that can overflow reports it instead of wrapping: an amount beyond
 * ±9.2e16 yuan is bad input, not money.
 *
 * The one rounding rule (yb_money_apply_bp): amount × rate / 10000, rounded to the nearest
 * fen, halves away from zero (四舍五入 to the fen). Away from zero, not up, so that the
 * reversal of a claim (the negated amounts) rounds to exactly the negation of the original.
 * No other function in the project may round money (yb_money_apply_ratio applies the same
 * rule to a proportion of two amounts).
 */
#ifndef YB_RULES_MONEY_H
#define YB_RULES_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yb_money {
	int64_t fen;
} yb_money;

/* A rate in basis points: 10000 = 100%. */
typedef int32_t yb_bp;

#define YB_BP_FULL ((yb_bp)10000)

static inline yb_money yb_fen(int64_t fen)
{
	return (yb_money){.fen = fen};
}

/* Whole yuan as money; the caller keeps the value within ±92 233 720 368 547 yuan. */
static inline yb_money yb_yuan(int64_t yuan)
{
	return (yb_money){.fen = yuan * 100};
}

static inline yb_money yb_money_min(yb_money a, yb_money b)
{
	return a.fen < b.fen ? a : b;
}

static inline yb_money yb_money_max(yb_money a, yb_money b)
{
	return a.fen > b.fen ? a : b;
}

static inline bool yb_money_eq(yb_money a, yb_money b)
{
	return a.fen == b.fen;
}

/* *out = a + b. Returns YB_OK, or YB_EOVERFLOW with *out untouched. */
int yb_money_add(yb_money *out, yb_money a, yb_money b);

/* *out = a - b. Returns YB_OK, or YB_EOVERFLOW with *out untouched. */
int yb_money_sub(yb_money *out, yb_money a, yb_money b);

/*
 * *out = amount × rate / 10000, rounded to the fen with halves away from zero (the project's
 * one rounding rule, see above). rate may exceed 10000 (a bonus) or be negative.
 * Returns YB_OK, or YB_EOVERFLOW with *out untouched when the product leaves the int64 range.
 */
int yb_money_apply_bp(yb_money *out, yb_money amount, yb_bp rate);

/*
 * *out = amount × num / den (den > 0, num >= 0), rounded as yb_money_apply_bp rounds, for a
 * share that is a proportion of two amounts rather than a rate (大额救助: the compliant cost in
 * the proportion the cap cut the fund's payment). The product is computed in 128 bits: it
 * cannot overflow; YB_EOVERFLOW when the result leaves int64, YB_EINVAL for den <= 0.
 */
int yb_money_apply_ratio(yb_money *out, yb_money amount, int64_t num, int64_t den);

/*
 * Write amount as yuan with two decimals ("-1234.05") into buf, NUL-terminated.
 * Returns the length written, or YB_EINVAL when buf is too small (24 bytes always suffice).
 */
int yb_money_format_yuan(char *buf, size_t buflen, yb_money amount);

/*
 * Parse a yuan amount with at most two decimals ("200", "0.5", "-12.34") into money.
 * Strictly: no spaces, no exponent, no thousands separators. Returns YB_OK, YB_EPARSE for
 * malformed text, or YB_EOVERFLOW; *out is set only on success.
 */
int yb_money_parse_yuan(yb_money *out, const char *text);

#endif
