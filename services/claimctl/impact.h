/*
 * The money impact of a replay (claimctl replay, above all its what-if): what each compared
 * claim was paid as recorded (the baseline) and as replayed (the new amount), added up in
 * total, by scheme, benefit year, visit type and institution level, and per amount (the
 * five funds and cash), with the change and the change as a percentage of the baseline.
 *
 * Money is integer fen throughout; a percentage is integer basis points of the baseline,
 * rounded halves away from zero, printed with two decimals ("n/a" for a baseline of 0).
 * Pure: no I/O, so that a unit test can check every sum.
 */
#ifndef CLAIMCTL_IMPACT_H
#define CLAIMCTL_IMPACT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The amounts of a settlement: the first IMPACT_FUNDS are paid by the funds (统筹基金,
 * 大病保险, 大额救助, 医疗救助, 个人账户), the last by the patient in cash. */
#define IMPACT_FUNDS   5
#define IMPACT_AMOUNTS 6

/* The settlement's field of each amount ("fund_pay_fen", ..., "cash_pay_fen"). */
extern const char *const impact_amount_fields[IMPACT_AMOUNTS];

/* Each amount's name for a person ("统筹基金 (basic fund)", ...). */
extern const char *const impact_amount_names[IMPACT_AMOUNTS];

typedef struct impact_amounts {
	int64_t fen[IMPACT_AMOUNTS];
} impact_amounts;

/* What the funds pay together: every amount but cash (a claim's impact is its change). */
int64_t impact_funds_fen(const impact_amounts *amounts);

/* Do a and b differ in any amount, cash included? */
bool impact_money_differs(const impact_amounts *a, const impact_amounts *b);

/* One compared claim: where it belongs, and what it was paid recorded and replayed. */
typedef struct impact_claim {
	const char *scheme;
	int32_t benefit_year;
	const char *visit_type;    /* NULL: unknown */
	int32_t institution_level; /* -1: unknown */
	impact_amounts recorded, replayed;
} impact_claim;

/* The breakdowns, in the order of the report. */
typedef enum impact_dimension {
	IMPACT_BY_SCHEME,
	IMPACT_BY_BENEFIT_YEAR,
	IMPACT_BY_VISIT_TYPE,
	IMPACT_BY_INSTITUTION_LEVEL,
	IMPACT_DIMENSIONS
} impact_dimension;

/* The JSON key of each dimension's value ("scheme", "benefit_year", ...). */
extern const char *const impact_dimension_keys[IMPACT_DIMENSIONS];

/* The claims that share a key, and what they were paid. */
typedef struct impact_row {
	char key[64];   /* the scheme, the year, the visit type, the level, or "unknown" */
	int64_t number; /* the year or the level; -1 unknown; 0 for a text key */
	uint64_t claims, changed; /* compared; whose money changed */
	impact_amounts recorded, replayed;
} impact_row;

/* Zero-initialise; impact_free releases it. */
typedef struct impact {
	impact_row total;
	impact_row *rows[IMPACT_DIMENSIONS]; /* each sorted by key (numbers in order) */
	size_t count[IMPACT_DIMENSIONS], cap[IMPACT_DIMENSIONS];
} impact;

/* The largest magnitude a sum may reach (5.8e15 yuan): the funds' total of a row and any
 * change between two sums then stay inside int64. */
#define IMPACT_MAX_SUM_FEN (INT64_MAX / 16)

/*
 * Add one compared claim to the total and to its row of every dimension. Returns YB_OK,
 * YB_ENOMEM, or YB_EOVERFLOW when a sum would pass IMPACT_MAX_SUM_FEN (nothing is added
 * then).
 */
int impact_add(impact *im, const impact_claim *claim);

/* Free the rows; NULL is allowed. */
void impact_free(impact *im);

/*
 * *bp = change × 10000 / |baseline|, rounded to the basis point with halves away from zero:
 * its sign is the change's. Returns false (*bp = 0) when baseline is 0 or the ratio leaves
 * int64.
 */
bool impact_change_bp(int64_t baseline, int64_t change, int64_t *bp);

/* The change as a percentage of baseline with two decimals and the change's sign:
 * "+1.25%", "-0.05%", "+0.00%" (a change under half a basis point), "0.00%", or "n/a" when
 * impact_change_bp has none. 32 bytes always suffice. */
void impact_format_percent(char *buf, size_t size, int64_t baseline, int64_t change);

/* {"baseline_fen", "new_fen", "change_fen", "change_bp" (null: n/a), "change_pct"}; both
 * amounts within ±IMPACT_FUNDS × IMPACT_MAX_SUM_FEN, so the change fits int64. */
json_t *impact_change_json(int64_t baseline, int64_t replayed);

/*
 * The breakdown as JSON: {"total": ROW, "by_scheme": [ROW...], "by_benefit_year": [...],
 * "by_visit_type": [...], "by_institution_level": [...], "by_fund": [...], "cash": CHANGE},
 * each ROW {"claims", "changed"} + impact_change_json of the funds' total (a dimension's row
 * also names its key: "scheme": "yingkou-resident", "institution_level": 2 or null), each
 * by_fund entry {"fund": field} + impact_change_json. NULL when out of memory.
 */
json_t *impact_json(const impact *im);

#endif
