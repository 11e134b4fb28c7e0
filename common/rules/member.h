/*
 * A member's coverage state and year accumulators, as the rule engine reads them.
 *
 * The state is folded from the member's enrollment and payment events in event-time order
 * (yb_member_apply_*); the services keep it in Redis, claimctl in memory. The accumulators
 * are per member and benefit year; every claim moves them by a delta (yb_year_acc too), kept
 * with the claim's settlement so that a reversal takes exactly that delta back and a rebuild
 * can sum the deltas again. Pure: no I/O, no clock, no globals; fixed-size, so a state
 * copies with memcpy and never allocates.
 */
#ifndef YB_RULES_MEMBER_H
#define YB_RULES_MEMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "rules/money.h"
#include "rules/policy.h"
#include "yb_records.h"

#define YB_MEMBER_MAX_PREMIUMS 16
#define YB_MEMBER_MONTH_BASE   (2000 * 12) /* month index of 2000-01 */
#define YB_MEMBER_MONTHS       (100 * 12)  /* contributions tracked: 2000-01 .. 2099-12 */
#define YB_ACC_MAX_CHRONIC     4
#define YB_ACC_MAX_STAYS       16

/* One premium: the coverage year it pays for and the day it was credited (到账, CST). */
typedef struct yb_premium {
	int32_t year;
	int32_t paid_on;
} yb_premium;

typedef struct yb_member {
	bool enrolled;
	int32_t enrolled_on; /* the first enrolment's day */
	char category[24];
	char sex; /* 'M', 'F' or 0 */
	bool has_birth_date;
	int32_t birth_date;
	int32_t tier;
	bool local_hukou;
	bool has_prior_coverage_end;
	int32_t prior_coverage_end;
	int32_t contribution_years;
	bool terminated;
	int32_t terminated_on; /* the first day without cover */

	/* residents */
	int premium_count;
	yb_premium premiums[YB_MEMBER_MAX_PREMIUMS];
	/* employees: months paid by regular contribution, and by 补缴 */
	uint8_t paid_months[YB_MEMBER_MONTHS / 8];
	uint8_t backpaid_months[YB_MEMBER_MONTHS / 8];
	uint64_t relief_fee_years; /* bit y-2000: 大额救助金 paid for year y */
	int64_t pa_credited_fen;   /* 个人账户: credits from contributions */
	int64_t pa_spent_fen;      /* what claims took from it, all years */
} yb_member;

/* One chronic disease's use of its year. */
typedef struct yb_chronic_use {
	char disease[16];
	char class_;
	int64_t deductible_fen;
	int64_t fund_fen;
} yb_chronic_use;

/* A member's totals for one benefit year; also the shape of one claim's delta. */
typedef struct yb_year_acc {
	int64_t fund_paid_fen;     /* 统筹基金, against the annual cap */
	int64_t deductible_fen;    /* 起付线 taken */
	int64_t oop_compliant_fen; /* compliant cost left to the patient, for 大病保险 */
	int64_t critical_paid_fen; /* 大病保险 */
	int64_t large_relief_paid_fen;
	int64_t assistance_paid_fen;
	int64_t personal_account_paid_fen;
	int32_t stays;               /* inpatient stays settled */
	int32_t stays_level23;       /* of them at level 2 or 3 */
	int32_t once_deductibles;    /* once-a-year deductibles taken (放化疗) */
	int64_t outpatient_cost_fen; /* general outpatient compliant cost counted */
	int64_t outpatient_deductible_fen;
	int64_t outpatient_fund_fen;
	int64_t outpatient_quarter_fund_fen[4];
	int64_t accident_fund_fen;
	int64_t maternity_fund_fen;
	int chronic_count;
	yb_chronic_use chronic[YB_ACC_MAX_CHRONIC];
	int stay_count;
	int32_t stay_from[YB_ACC_MAX_STAYS], stay_to[YB_ACC_MAX_STAYS]; /* days */
	uint8_t stay_level23[YB_ACC_MAX_STAYS]; /* 1: at a level-2/3 institution */
} yb_year_acc;

/* Fold an enrollment event into m (enroll, change, terminate). */
void yb_member_apply_enrollment(yb_member *m, const yb_enrollment *e);

/*
 * Fold a payment into m: a premium or 补缴 for a coverage year; a monthly contribution
 * (crediting the personal account by p's rates when p has one); a 大额救助金 fee. p is the
 * policy in force when it was paid, or NULL. Returns 0, or -1 when the payment lacks what
 * its kind needs (coverage_year, period) — the caller dead-letters it.
 */
int yb_member_apply_payment(yb_member *m, const yb_policy *p, const yb_payment *pay);

/* Add (sign 1) or take back (sign -1) a claim's delta. */
void yb_year_acc_apply(yb_year_acc *acc, const yb_year_acc *delta, int sign);

/*
 * The packed form of accumulators (a year's, or a claim's delta) for storage: each field as
 * a zigzag varint, zero fields in one byte, so a typical delta takes a few dozen bytes
 * instead of the struct's few hundred. out needs YB_YEAR_ACC_PACKED_MAX bytes; returns the
 * bytes written. unpack returns the bytes read, or -1 when in is not such a form.
 */
#define YB_YEAR_ACC_PACKED_MAX \
	(32 * 10 + YB_ACC_MAX_CHRONIC * (2 + 16 + 20) + YB_ACC_MAX_STAYS * 21)
size_t yb_year_acc_pack(const yb_year_acc *acc, uint8_t *out);
long yb_year_acc_unpack(const uint8_t *in, size_t len, yb_year_acc *acc);

/* Full years of age on day, or -1 when the birth date is unknown. */
int yb_member_age(const yb_member *m, int32_t day);

/* Is the month (index y*12 + m-1) paid by contribution? by 补缴? */
bool yb_member_month_paid(const yb_member *m, int month);
bool yb_member_month_backpaid(const yb_member *m, int month);

/* The premium for a coverage year, or NULL. */
const yb_premium *yb_member_premium(const yb_member *m, int32_t year);

#endif
