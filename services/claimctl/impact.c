/* The money impact of a replay, added up and broken down; see impact.h. */
#include "impact.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/record.h"
#include "base/error.h"

const char *const impact_amount_fields[IMPACT_AMOUNTS] = {
    "fund_pay_fen",       "critical_illness_pay_fen", "large_relief_pay_fen",
    "assistance_pay_fen", "personal_account_pay_fen", "cash_pay_fen"};

const char *const impact_amount_names[IMPACT_AMOUNTS] = {
    "统筹基金 (basic fund)", "大病保险 (critical illness)", "大额救助 (large relief)",
    "医疗救助 (assistance)", "个人账户 (personal account)", "cash (patients)"};

const char *const impact_dimension_keys[IMPACT_DIMENSIONS] = {"scheme", "benefit_year",
							      "visit_type", "institution_level"};

static const char *const dimension_lists[IMPACT_DIMENSIONS] = {
    "by_scheme", "by_benefit_year", "by_visit_type", "by_institution_level"};

int64_t impact_funds_fen(const impact_amounts *amounts)
{
	int64_t sum = 0;

	for (int f = 0; f < IMPACT_FUNDS; f++)
		sum += amounts->fen[f];
	return sum;
}

bool impact_money_differs(const impact_amounts *a, const impact_amounts *b)
{
	return memcmp(a->fen, b->fen, sizeof(a->fen)) != 0;
}

/* Would adding claim to row take a sum past IMPACT_MAX_SUM_FEN? */
static bool would_overflow(const impact_row *row, const impact_claim *claim)
{
	for (int f = 0; f < IMPACT_AMOUNTS; f++) {
		int64_t was, now;

		if (__builtin_add_overflow(row->recorded.fen[f], claim->recorded.fen[f], &was) ||
		    __builtin_add_overflow(row->replayed.fen[f], claim->replayed.fen[f], &now) ||
		    was > IMPACT_MAX_SUM_FEN || was < -IMPACT_MAX_SUM_FEN ||
		    now > IMPACT_MAX_SUM_FEN || now < -IMPACT_MAX_SUM_FEN)
			return true;
	}
	return false;
}

static void add_to(impact_row *row, const impact_claim *claim)
{
	row->claims++;
	row->changed += impact_money_differs(&claim->recorded, &claim->replayed);
	for (int f = 0; f < IMPACT_AMOUNTS; f++) {
		row->recorded.fen[f] += claim->recorded.fen[f];
		row->replayed.fen[f] += claim->replayed.fen[f];
	}
}

/* Rows sort by key; the numbers (years, levels) by value, unknown (-1) last. */
static int row_order(const impact_row *a, const impact_row *b, bool numeric)
{
	if (numeric && a->number != b->number) {
		if (a->number < 0 || b->number < 0)
			return a->number < 0 ? 1 : -1;
		return a->number < b->number ? -1 : 1;
	}
	return strcmp(a->key, b->key);
}

/* The row of key (number) in dimension d, inserted in order when new; NULL: no memory. */
static impact_row *row_of(impact *im, impact_dimension d, const char *key, int64_t number)
{
	bool numeric = d == IMPACT_BY_BENEFIT_YEAR || d == IMPACT_BY_INSTITUTION_LEVEL;
	impact_row probe = {.number = number};
	size_t at = 0;

	snprintf(probe.key, sizeof(probe.key), "%s", key);
	while (at < im->count[d] && row_order(&im->rows[d][at], &probe, numeric) < 0)
		at++;
	if (at < im->count[d] && row_order(&im->rows[d][at], &probe, numeric) == 0)
		return &im->rows[d][at];
	if (yb_array_grow((void **)&im->rows[d], &im->cap[d], im->count[d] + 1,
			  sizeof(impact_row)) != 0)
		return NULL;
	memmove(&im->rows[d][at + 1], &im->rows[d][at], (im->count[d] - at) * sizeof(impact_row));
	im->rows[d][at] = probe;
	im->count[d]++;
	return &im->rows[d][at];
}

int impact_add(impact *im, const impact_claim *claim)
{
	char year[16], level[16];
	const char *keys[IMPACT_DIMENSIONS];
	int64_t numbers[IMPACT_DIMENSIONS] = {0, claim->benefit_year, 0, claim->institution_level};
	impact_row *rows[IMPACT_DIMENSIONS];

	snprintf(year, sizeof(year), "%" PRId32, claim->benefit_year);
	if (claim->institution_level >= 0)
		snprintf(level, sizeof(level), "%" PRId32, claim->institution_level);
	else
		snprintf(level, sizeof(level), "unknown");
	keys[IMPACT_BY_SCHEME] = claim->scheme;
	keys[IMPACT_BY_BENEFIT_YEAR] = year;
	keys[IMPACT_BY_VISIT_TYPE] = claim->visit_type != NULL ? claim->visit_type : "unknown";
	keys[IMPACT_BY_INSTITUTION_LEVEL] = level;
	for (int d = 0; d < IMPACT_DIMENSIONS; d++) {
		rows[d] = row_of(im, (impact_dimension)d, keys[d], numbers[d]);
		if (rows[d] == NULL)
			return YB_ENOMEM;
	}
	/* Every sum checked before any changes (a reversal's negative amounts mean the total
	 * does not bound the rows). */
	for (int d = 0; d < IMPACT_DIMENSIONS; d++) {
		if (would_overflow(rows[d], claim))
			return YB_EOVERFLOW;
	}
	if (would_overflow(&im->total, claim))
		return YB_EOVERFLOW;
	add_to(&im->total, claim);
	for (int d = 0; d < IMPACT_DIMENSIONS; d++)
		add_to(rows[d], claim);
	return YB_OK;
}

void impact_free(impact *im)
{
	if (im == NULL)
		return;
	for (int d = 0; d < IMPACT_DIMENSIONS; d++)
		free(im->rows[d]);
	memset(im, 0, sizeof(*im));
}

bool impact_change_bp(int64_t baseline, int64_t change, int64_t *bp)
{
	__int128 scaled = (__int128)change * 10000, base = baseline, quotient, remainder;

	*bp = 0;
	if (baseline == 0)
		return false;
	if (base < 0)
		base = -base;
	quotient = scaled / base;
	remainder = scaled % base; /* the sign of scaled */
	if (remainder * 2 >= base)
		quotient++;
	else if (remainder * 2 <= -base)
		quotient--;
	if (quotient > INT64_MAX || quotient < INT64_MIN)
		return false;
	*bp = (int64_t)quotient;
	return true;
}

void impact_format_percent(char *buf, size_t size, int64_t baseline, int64_t change)
{
	int64_t bp;
	uint64_t magnitude;

	if (!impact_change_bp(baseline, change, &bp)) {
		snprintf(buf, size, "n/a");
		return;
	}
	magnitude = bp < 0 ? 0 - (uint64_t)bp : (uint64_t)bp;
	snprintf(buf, size, "%s%" PRIu64 ".%02" PRIu64 "%%",
		 change > 0   ? "+"
		 : change < 0 ? "-"
			      : "",
		 magnitude / 100, magnitude % 100);
}

json_t *impact_change_json(int64_t baseline, int64_t replayed)
{
	int64_t change = replayed - baseline, bp;
	bool has_bp = impact_change_bp(baseline, change, &bp);
	char percent[32];

	impact_format_percent(percent, sizeof(percent), baseline, change);
	return json_pack("{s:I, s:I, s:I, s:o, s:s}", "baseline_fen", (json_int_t)baseline,
			 "new_fen", (json_int_t)replayed, "change_fen", (json_int_t)change,
			 "change_bp", has_bp ? json_integer(bp) : json_null(), "change_pct",
			 percent);
}

/* {"claims", "changed"} and the funds' total of row; with its key when d is a dimension. */
static json_t *row_json(const impact_row *row, int d)
{
	json_t *out =
	    impact_change_json(impact_funds_fen(&row->recorded), impact_funds_fen(&row->replayed));
	json_t *key = NULL;

	if (out == NULL)
		return NULL;
	json_object_set_new(out, "claims", json_integer((json_int_t)row->claims));
	json_object_set_new(out, "changed", json_integer((json_int_t)row->changed));
	if (d == IMPACT_BY_BENEFIT_YEAR || d == IMPACT_BY_INSTITUTION_LEVEL)
		key = row->number >= 0 ? json_integer(row->number) : json_null();
	else if (d >= 0)
		key = json_string(row->key);
	if (key != NULL)
		json_object_set_new(out, impact_dimension_keys[d], key);
	return out;
}

json_t *impact_json(const impact *im)
{
	json_t *out = json_object(), *by_fund = json_array();

	if (out == NULL || by_fund == NULL) {
		json_decref(out);
		json_decref(by_fund);
		return NULL;
	}
	json_object_set_new(out, "total", row_json(&im->total, -1));
	for (int d = 0; d < IMPACT_DIMENSIONS; d++) {
		json_t *rows = json_array();

		for (size_t i = 0; i < im->count[d]; i++)
			json_array_append_new(rows, row_json(&im->rows[d][i], d));
		json_object_set_new(out, dimension_lists[d], rows);
	}
	for (int f = 0; f < IMPACT_FUNDS; f++) {
		json_t *entry =
		    impact_change_json(im->total.recorded.fen[f], im->total.replayed.fen[f]);

		json_object_set_new(entry, "fund", json_string(impact_amount_fields[f]));
		json_array_append_new(by_fund, entry);
	}
	json_object_set_new(out, "by_fund", by_fund);
	json_object_set_new(out, "cash",
			    impact_change_json(im->total.recorded.fen[IMPACT_FUNDS],
					       im->total.replayed.fen[IMPACT_FUNDS]));
	return out;
}
