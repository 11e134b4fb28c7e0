/* Member state folding and accumulator arithmetic; see member.h. */
#include "rules/member.h"

#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "rules/varint.h"

static void copy_name(char *out, size_t len, const char *s)
{
	if (s != NULL)
		snprintf(out, len, "%s", s);
}

void yb_member_apply_enrollment(yb_member *m, const yb_enrollment *e)
{
	int32_t day = e->has_effective_date ? e->effective_date : yb_date_of_instant(e->event_time);

	if (strcmp(e->action, "terminate") == 0) {
		m->terminated = true;
		m->terminated_on = day;
		return;
	}
	if (strcmp(e->action, "enroll") == 0) {
		if (!m->enrolled || m->terminated)
			m->enrolled_on = day;
		m->enrolled = true;
		m->terminated = false;
	}
	copy_name(m->category, sizeof(m->category), e->category);
	if (e->sex != NULL)
		m->sex = e->sex[0];
	if (e->has_birth_date) {
		m->has_birth_date = true;
		m->birth_date = e->birth_date;
	}
	if (e->has_tier)
		m->tier = e->tier;
	if (e->has_local_hukou)
		m->local_hukou = e->local_hukou;
	if (e->has_prior_coverage_end) {
		m->has_prior_coverage_end = true;
		m->prior_coverage_end = e->prior_coverage_end;
	}
	if (e->has_contribution_years)
		m->contribution_years = e->contribution_years;
}

int yb_member_age(const yb_member *m, int32_t day)
{
	int by, bm, bd, y, mo, d, age;

	if (!m->has_birth_date)
		return -1;
	yb_date_to_ymd(m->birth_date, &by, &bm, &bd);
	yb_date_to_ymd(day, &y, &mo, &d);
	age = y - by;
	if (mo < bm || (mo == bm && d < bd))
		age--;
	return age < 0 ? 0 : age;
}

static bool bit(const uint8_t *bits, int month)
{
	int i = month - YB_MEMBER_MONTH_BASE;

	return i >= 0 && i < YB_MEMBER_MONTHS && (bits[i / 8] & (1u << (i % 8))) != 0;
}

static void set_bit(uint8_t *bits, int month)
{
	int i = month - YB_MEMBER_MONTH_BASE;

	if (i >= 0 && i < YB_MEMBER_MONTHS)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

bool yb_member_month_paid(const yb_member *m, int month)
{
	return bit(m->paid_months, month);
}

bool yb_member_month_backpaid(const yb_member *m, int month)
{
	return bit(m->backpaid_months, month);
}

const yb_premium *yb_member_premium(const yb_member *m, int32_t year)
{
	for (int i = 0; i < m->premium_count; i++) {
		if (m->premiums[i].year == year)
			return &m->premiums[i];
	}
	return NULL;
}

/* "YYYY-MM" → month index, or -1. */
static int parse_period(const char *s)
{
	int y = 0, mo = 0;

	if (s == NULL || strlen(s) != 7 || s[4] != '-')
		return -1;
	for (int i = 0; i < 4; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		y = y * 10 + (s[i] - '0');
	}
	for (int i = 5; i < 7; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		mo = mo * 10 + (s[i] - '0');
	}
	return mo >= 1 && mo <= 12 && y >= 1 ? y * 12 + mo - 1 : -1;
}

/* 烟台职工 第十七条: the month's credit to the personal account of an employee. */
static int64_t account_credit(const yb_member *m, const yb_policy *p, int month, int64_t wage)
{
	int age = yb_member_age(m, yb_date_from_ymd(month / 12, month % 12 + 1, 1));
	yb_bp rate = age < 0    ? p->pa_rate_bp_under35
		     : age < 35 ? p->pa_rate_bp_under35
		     : age < 45 ? p->pa_rate_bp_35to45
				: p->pa_rate_bp_45plus;

	yb_money credit = yb_fen(0);

	(void)yb_money_apply_bp(&credit, yb_fen(wage), rate);
	return credit.fen;
}

int yb_member_apply_payment(yb_member *m, const yb_policy *p, const yb_payment *pay)
{
	int32_t paid_on = yb_date_of_instant(pay->paid_at);

	if (strcmp(pay->kind, "contribution") == 0 ||
	    (strcmp(pay->kind, "backpay") == 0 && pay->period != NULL)) {
		int month = parse_period(pay->period);
		bool backpay = strcmp(pay->kind, "backpay") == 0;

		if (month < 0)
			return -1;
		if (backpay) {
			set_bit(m->backpaid_months, month);
			return 0; /* 第八条: 补缴 years give no account credit */
		}
		if (!bit(m->paid_months, month) && p != NULL && p->personal_account &&
		    pay->has_wage_fen && !yb_name_list_has(&p->pa_excluded_categories, m->category))
			m->pa_credited_fen += account_credit(m, p, month, pay->wage_fen.fen);
		set_bit(m->paid_months, month);
		return 0;
	}
	if (!pay->has_coverage_year)
		return -1;
	if (strcmp(pay->kind, "large_relief_fee") == 0) {
		if (pay->coverage_year >= 2000 && pay->coverage_year < 2064)
			m->relief_fee_years |= UINT64_C(1) << (pay->coverage_year - 2000);
		return 0;
	}
	if (strcmp(pay->kind, "premium") != 0 && strcmp(pay->kind, "backpay") != 0)
		return -1;
	for (int i = 0; i < m->premium_count; i++) {
		if (m->premiums[i].year == pay->coverage_year) {
			if (paid_on < m->premiums[i].paid_on)
				m->premiums[i].paid_on = paid_on;
			return 0;
		}
	}
	if (m->premium_count == YB_MEMBER_MAX_PREMIUMS) {
		/* Keep the latest years: drop the oldest. */
		int oldest = 0;

		for (int i = 1; i < m->premium_count; i++) {
			if (m->premiums[i].year < m->premiums[oldest].year)
				oldest = i;
		}
		m->premiums[oldest] = m->premiums[--m->premium_count];
	}
	m->premiums[m->premium_count].year = pay->coverage_year;
	m->premiums[m->premium_count++].paid_on = paid_on;
	return 0;
}

static void add_chronic(yb_year_acc *acc, const yb_chronic_use *use, int sign)
{
	int i;

	for (i = 0; i < acc->chronic_count; i++) {
		if (strcmp(acc->chronic[i].disease, use->disease) == 0)
			break;
	}
	if (i == acc->chronic_count) {
		if (sign < 0 || i == YB_ACC_MAX_CHRONIC)
			return;
		acc->chronic[i] = *use;
		acc->chronic[i].deductible_fen = 0;
		acc->chronic[i].fund_fen = 0;
		acc->chronic_count++;
	}
	acc->chronic[i].deductible_fen += sign * use->deductible_fen;
	acc->chronic[i].fund_fen += sign * use->fund_fen;
	if (acc->chronic[i].deductible_fen == 0 && acc->chronic[i].fund_fen == 0) {
		/* Nothing left of it: the disease no longer counts for the year. The freed slot
		 * is cleared so that a year restored by a reversal is the year it was. */
		acc->chronic[i] = acc->chronic[--acc->chronic_count];
		memset(&acc->chronic[acc->chronic_count], 0, sizeof(acc->chronic[0]));
	}
}

/* A year keeps its first YB_ACC_MAX_STAYS stays (for 住院期间 checks); more are not kept,
 * so that taking a delta back always restores exactly what was there. */
static void add_stay(yb_year_acc *acc, int32_t from, int32_t to, uint8_t level23, int sign)
{
	if (sign > 0) {
		if (acc->stay_count < YB_ACC_MAX_STAYS) {
			acc->stay_from[acc->stay_count] = from;
			acc->stay_to[acc->stay_count] = to;
			acc->stay_level23[acc->stay_count++] = level23;
		}
		return;
	}
	for (int i = acc->stay_count - 1; i >= 0; i--) {
		if (acc->stay_from[i] == from && acc->stay_to[i] == to &&
		    acc->stay_level23[i] == level23) {
			for (int j = i + 1; j < acc->stay_count; j++) {
				acc->stay_from[j - 1] = acc->stay_from[j];
				acc->stay_to[j - 1] = acc->stay_to[j];
				acc->stay_level23[j - 1] = acc->stay_level23[j];
			}
			acc->stay_count--;
			acc->stay_from[acc->stay_count] = 0;
			acc->stay_to[acc->stay_count] = 0;
			acc->stay_level23[acc->stay_count] = 0;
			return;
		}
	}
}

void yb_year_acc_apply(yb_year_acc *acc, const yb_year_acc *d, int sign)
{
	acc->fund_paid_fen += sign * d->fund_paid_fen;
	acc->deductible_fen += sign * d->deductible_fen;
	acc->oop_compliant_fen += sign * d->oop_compliant_fen;
	acc->critical_paid_fen += sign * d->critical_paid_fen;
	acc->large_relief_paid_fen += sign * d->large_relief_paid_fen;
	acc->assistance_paid_fen += sign * d->assistance_paid_fen;
	acc->personal_account_paid_fen += sign * d->personal_account_paid_fen;
	acc->stays += sign * d->stays;
	acc->stays_level23 += sign * d->stays_level23;
	acc->once_deductibles += sign * d->once_deductibles;
	acc->outpatient_cost_fen += sign * d->outpatient_cost_fen;
	acc->outpatient_deductible_fen += sign * d->outpatient_deductible_fen;
	acc->outpatient_fund_fen += sign * d->outpatient_fund_fen;
	for (int q = 0; q < 4; q++)
		acc->outpatient_quarter_fund_fen[q] += sign * d->outpatient_quarter_fund_fen[q];
	acc->accident_fund_fen += sign * d->accident_fund_fen;
	acc->maternity_fund_fen += sign * d->maternity_fund_fen;
	for (int i = 0; i < d->chronic_count; i++)
		add_chronic(acc, &d->chronic[i], sign);
	for (int i = 0; i < d->stay_count; i++)
		add_stay(acc, d->stay_from[i], d->stay_to[i], d->stay_level23[i], sign);
}

/* --- the packed form ------------------------------------------------------------------- */

/* The scalar fields, in the packed order. */
#define SCALARS 19

static void scalars_of(const yb_year_acc *a, int64_t v[SCALARS])
{
	const int64_t fields[SCALARS] = {a->fund_paid_fen,
					 a->deductible_fen,
					 a->oop_compliant_fen,
					 a->critical_paid_fen,
					 a->large_relief_paid_fen,
					 a->assistance_paid_fen,
					 a->personal_account_paid_fen,
					 a->stays,
					 a->stays_level23,
					 a->once_deductibles,
					 a->outpatient_cost_fen,
					 a->outpatient_deductible_fen,
					 a->outpatient_fund_fen,
					 a->outpatient_quarter_fund_fen[0],
					 a->outpatient_quarter_fund_fen[1],
					 a->outpatient_quarter_fund_fen[2],
					 a->outpatient_quarter_fund_fen[3],
					 a->accident_fund_fen,
					 a->maternity_fund_fen};

	memcpy(v, fields, sizeof(fields));
}

static int scalars_set(yb_year_acc *a, const int64_t v[SCALARS])
{
	for (int i = 7; i < 10; i++) {
		if (v[i] < INT32_MIN || v[i] > INT32_MAX)
			return -1;
	}
	a->fund_paid_fen = v[0];
	a->deductible_fen = v[1];
	a->oop_compliant_fen = v[2];
	a->critical_paid_fen = v[3];
	a->large_relief_paid_fen = v[4];
	a->assistance_paid_fen = v[5];
	a->personal_account_paid_fen = v[6];
	a->stays = (int32_t)v[7];
	a->stays_level23 = (int32_t)v[8];
	a->once_deductibles = (int32_t)v[9];
	a->outpatient_cost_fen = v[10];
	a->outpatient_deductible_fen = v[11];
	a->outpatient_fund_fen = v[12];
	for (int q = 0; q < 4; q++)
		a->outpatient_quarter_fund_fen[q] = v[13 + q];
	a->accident_fund_fen = v[17];
	a->maternity_fund_fen = v[18];
	return 0;
}

size_t yb_year_acc_pack(const yb_year_acc *a, uint8_t *out)
{
	int64_t v[SCALARS];
	size_t n = 0;

	scalars_of(a, v);
	for (int i = 0; i < SCALARS; i++)
		n += yb_varint_put(out + n, v[i]);
	n += yb_varint_put(out + n, a->chronic_count);
	for (int i = 0; i < a->chronic_count && i < YB_ACC_MAX_CHRONIC; i++) {
		const char *d = a->chronic[i].disease;
		const char *end = memchr(d, '\0', sizeof(a->chronic[i].disease) - 1);
		size_t len = end != NULL ? (size_t)(end - d) : sizeof(a->chronic[i].disease) - 1;

		out[n++] = (uint8_t)len;
		memcpy(out + n, a->chronic[i].disease, len);
		n += len;
		out[n++] = (uint8_t)a->chronic[i].class_;
		n += yb_varint_put(out + n, a->chronic[i].deductible_fen);
		n += yb_varint_put(out + n, a->chronic[i].fund_fen);
	}
	n += yb_varint_put(out + n, a->stay_count);
	for (int i = 0; i < a->stay_count && i < YB_ACC_MAX_STAYS; i++) {
		n += yb_varint_put(out + n, a->stay_from[i]);
		n += yb_varint_put(out + n, (int64_t)a->stay_to[i] - a->stay_from[i]);
		out[n++] = a->stay_level23[i] != 0;
	}
	return n;
}

long yb_year_acc_unpack(const uint8_t *in, size_t len, yb_year_acc *a)
{
	size_t at = 0;
	int64_t v = 0, fields[SCALARS];

	memset(a, 0, sizeof(*a));
	for (int i = 0; i < SCALARS; i++) {
		if (yb_varint_get(in, len, &at, &fields[i]) != 0)
			return -1;
	}
	if (scalars_set(a, fields) != 0)
		return -1;
	if (yb_varint_get(in, len, &at, &v) != 0 || v < 0 || v > YB_ACC_MAX_CHRONIC)
		return -1;
	a->chronic_count = (int)v;
	for (int i = 0; i < a->chronic_count; i++) {
		size_t n;

		if (at >= len || (n = in[at++]) >= sizeof(a->chronic[i].disease) || n > len - at)
			return -1;
		memcpy(a->chronic[i].disease, in + at, n);
		at += n;
		if (at >= len)
			return -1;
		a->chronic[i].class_ = (char)in[at++];
		if (yb_varint_get(in, len, &at, &a->chronic[i].deductible_fen) != 0 ||
		    yb_varint_get(in, len, &at, &a->chronic[i].fund_fen) != 0)
			return -1;
	}
	if (yb_varint_get(in, len, &at, &v) != 0 || v < 0 || v > YB_ACC_MAX_STAYS)
		return -1;
	a->stay_count = (int)v;
	for (int i = 0; i < a->stay_count; i++) {
		int64_t from, span;

		if (yb_varint_get(in, len, &at, &from) != 0 ||
		    yb_varint_get(in, len, &at, &span) != 0 || from < INT32_MIN ||
		    from > INT32_MAX || span < 0 || span > (int64_t)INT32_MAX - from)
			return -1;
		if (at >= len || in[at] > 1)
			return -1;
		a->stay_from[i] = (int32_t)from;
		a->stay_to[i] = (int32_t)(from + span);
		a->stay_level23[i] = in[at++];
	}
	return (long)at;
}
