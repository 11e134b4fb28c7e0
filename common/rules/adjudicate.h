/*
 * The rule engine: one claim in, its settlement out.
 *
 *   (policy, member, year accumulators, institution, claim) → settlement + delta + trace
 *
 * Pure: no I/O, no clock, no globals, no allocation. Everything it needs is passed in,
 * everything it decides comes out: the settlement (amounts by fund, reasons, the member's
 * year totals after the claim), the delta the claim moves the accumulators by, and a trace
 * naming, for each amount, the rule and the article (policy citation) behind it. The
 * services and claimctl call it with the same inputs and get the same bytes back.
 *
 * Money is integer fen throughout; rates are basis points; every product of an amount and a
 * rate goes through yb_money_apply_bp (rules/money.h), the one rounding rule.
 *
 * An adjudication outcome is data: a rejected claim is a settlement with status "rejected",
 * its reasons, and nothing paid from any fund. Only a claim that breaks the contract (a
 * stay without dates, compliant cost above the total) is refused by yb_claim_check, before
 * adjudication; the caller dead-letters it.
 */
#ifndef YB_RULES_ADJUDICATE_H
#define YB_RULES_ADJUDICATE_H

#include <stddef.h>
#include <stdint.h>

#include "rules/member.h"
#include "rules/policy.h"
#include "yb_records.h"

#define YB_MAX_TRACE       24
#define YB_MAX_REASONS     8
#define YB_MAX_ACC_ENTRIES 16

/* What the engine needs besides the claim. */
typedef struct yb_claim_context {
	const char *scheme;                /* the scheme judging (NULL: the claim's own) */
	const yb_policy *policy;           /* in force on the service day; NULL: none */
	const yb_member *member;           /* NULL: no enrollment known */
	const yb_year_acc *acc;            /* the member's benefit year so far */
	const yb_institution *institution; /* NULL: unknown institution */
	/* 转院: the level of the stay this one was referred from, -1 when none. */
	int referred_from_level;
	/* The member's accumulators of the year before in the same scheme (NULL: none): its
	 * outpatient cost (滨州 第十三条's next-year rate) and its stays (a stay across New
	 * Year pauses outpatient benefits in the new year too). */
	const yb_year_acc *previous_acc;
} yb_claim_context;

/* The engine's answer; the settlement's strings point into the claim, the policy and here. */
typedef struct yb_adjudication {
	yb_settlement settlement;
	yb_year_acc delta;
	int32_t service_day;
	const char *reasons[YB_MAX_REASONS];
	yb_trace_entry trace[YB_MAX_TRACE];
	char notes[YB_MAX_TRACE][160];
	yb_long_entry accumulators[YB_MAX_ACC_ENTRIES];
} yb_adjudication;

/*
 * Is the claim adjudicable at all? Returns 0, or -1 with errstr naming the field: a stay
 * without admission or discharge date, a discharge before the admission, an outpatient visit
 * without service date, compliant cost above the total, 基本药物 above the compliant cost, a
 * chronic claim without class or disease, an unknown visit type, an empty diagnosis code,
 * line items that do not add up to total_fen.
 */
int yb_claim_check(const yb_claim *claim, char *errstr, size_t errlen);

/* The day a claim is judged on: the admission day of a stay, else the service day. */
int32_t yb_claim_service_day(const yb_claim *claim);

/*
 * Adjudicate claim (which passed yb_claim_check) in ctx into *out. The caller then adds
 * out->delta to the accumulators (yb_year_acc_apply) and, for a personal account payment,
 * to the member's pa_spent_fen.
 */
void yb_adjudicate(const yb_claim_context *ctx, const yb_claim *claim, yb_adjudication *out);

/*
 * The settlement of a reversal: the original settlement (as recorded) with status
 * "reversed", a trace entry for the reversal, and acc_after as its accumulators. original
 * stays the caller's; out points into it.
 */
void yb_adjudicate_reversal(const yb_settlement *original, const yb_reversal *reversal,
			    const yb_year_acc *acc_after, yb_adjudication *out);

/* A reversal of a claim_id never settled: a rejected settlement, reason UNKNOWN_CLAIM. */
void yb_adjudicate_unknown_reversal(const yb_reversal *reversal, yb_adjudication *out);

/*
 * A claim whose claim_id another member's claim was settled under (claim_ids are unique
 * across members, as the national platform's settlement ids): a rejected settlement for this
 * member, reason CONFLICTING_DUPLICATE, duplicate set (the claim_id was already settled),
 * nothing paid and nothing moved.
 */
void yb_adjudicate_claim_id_taken(const yb_claim *claim, yb_adjudication *out);

/* Fill out->accumulators and settlement.accumulators from acc (the year after the claim). */
void yb_adjudication_set_accumulators(yb_adjudication *out, const yb_year_acc *acc);

#endif
