/*
 * Money arithmetic with overflow checks, and the project's one rounding rule.
 * Design note in money.h.
 */
#include "rules/money.h"

#include <inttypes.h>
#include <stdio.h>

#include "base/error.h"

int yb_money_add(yb_money *out, yb_money a, yb_money b)
{
	int64_t sum;

	if (__builtin_add_overflow(a.fen, b.fen, &sum))
		return YB_EOVERFLOW;
	out->fen = sum;
	return YB_OK;
}

int yb_money_sub(yb_money *out, yb_money a, yb_money b)
{
	int64_t diff;

	if (__builtin_sub_overflow(a.fen, b.fen, &diff))
		return YB_EOVERFLOW;
	out->fen = diff;
	return YB_OK;
}

int yb_money_apply_bp(yb_money *out, yb_money amount, yb_bp rate)
{
	int64_t product, quotient, remainder;

	if (__builtin_mul_overflow(amount.fen, (int64_t)rate, &product))
		return YB_EOVERFLOW;
	/* C division truncates toward zero, so |remainder| < 10000 carries the sign of the
	 * product; a remainder of at least half a unit moves the result one fen further from
	 * zero. quotient is at most INT64_MAX / 10000, so the step cannot overflow. */
	quotient = product / YB_BP_FULL;
	remainder = product % YB_BP_FULL;
	if (remainder >= YB_BP_FULL / 2)
		quotient += 1;
	else if (remainder <= -(YB_BP_FULL / 2))
		quotient -= 1;
	out->fen = quotient;
	return YB_OK;
}

int yb_money_apply_ratio(yb_money *out, yb_money amount, int64_t num, int64_t den)
{
	__int128 product, quotient, remainder;

	if (den <= 0 || num < 0)
		return YB_EINVAL;
	product = (__int128)amount.fen * num;
	quotient = product / den;
	remainder = product % den;
	/* Halves away from zero: |remainder| * 2 >= den moves one fen further out. */
	if (remainder * 2 >= den)
		quotient += 1;
	else if (remainder * 2 <= -(__int128)den)
		quotient -= 1;
	if (quotient > INT64_MAX || quotient < INT64_MIN)
		return YB_EOVERFLOW;
	out->fen = (int64_t)quotient;
	return YB_OK;
}

int yb_money_format_yuan(char *buf, size_t buflen, yb_money amount)
{
	/* Work on the magnitude as unsigned so INT64_MIN formats too; digits by hand, since
	 * trace notes format amounts on the engine's hot path. */
	uint64_t magnitude =
	    amount.fen < 0 ? (uint64_t)0 - (uint64_t)amount.fen : (uint64_t)amount.fen;
	char digits[24];
	size_t n = 0, len = 0;

	digits[n++] = (char)('0' + magnitude % 10);
	magnitude /= 10;
	digits[n++] = (char)('0' + magnitude % 10);
	magnitude /= 10;
	do {
		digits[n++] = (char)('0' + magnitude % 10);
		magnitude /= 10;
	} while (magnitude > 0);
	if (buflen < n + 2 + (amount.fen < 0))
		return YB_EINVAL;
	if (amount.fen < 0)
		buf[len++] = '-';
	while (n > 2)
		buf[len++] = digits[--n];
	buf[len++] = '.';
	buf[len++] = digits[1];
	buf[len++] = digits[0];
	buf[len] = '\0';
	return (int)len;
}

int yb_money_parse_yuan(yb_money *out, const char *text)
{
	const char *p = text;
	bool negative = false;
	int64_t fen = 0;
	int decimals = -1; /* -1: no point seen yet */
	int digits = 0;

	if (*p == '-') {
		negative = true;
		p++;
	}
	for (; *p != '\0'; p++) {
		if (*p == '.') {
			if (decimals >= 0 || digits == 0)
				return YB_EPARSE;
			decimals = 0;
			continue;
		}
		if (*p < '0' || *p > '9')
			return YB_EPARSE;
		if (decimals >= 0 && ++decimals > 2)
			return YB_EPARSE;
		/* Accumulate negatively so the full int64 range, INT64_MIN included, parses. */
		if (__builtin_mul_overflow(fen, 10, &fen) ||
		    __builtin_sub_overflow(fen, (int64_t)(*p - '0'), &fen))
			return YB_EOVERFLOW;
		digits++;
	}
	if (digits == 0 || decimals == 0)
		return YB_EPARSE;
	for (int scale = decimals < 0 ? 0 : decimals; scale < 2; scale++) {
		if (__builtin_mul_overflow(fen, 10, &fen))
			return YB_EOVERFLOW;
	}
	if (!negative && __builtin_sub_overflow((int64_t)0, fen, &fen))
		return YB_EOVERFLOW;
	out->fen = fen;
	return YB_OK;
}
