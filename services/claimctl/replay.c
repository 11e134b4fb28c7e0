/*
 * claimctl replay: take the pipeline's decisions again from the topics, for auditors.
 *
 * The input topics and the settlements are read as they stood when the replay starts
 * (kafka/snapshot.h: up to the last stable offsets, read_committed, no group, no commits) and
 * run through the same ledger and rule engine in the pipeline's order (history.h).
 *
 *   --audit (the default): each claim is judged on exactly what its recorded settlement says
 *     it was judged on (judged_on), so a correct pipeline is reproduced byte for byte,
 *     whatever order the topics arrived in; every difference is a real one.
 *   --as-of-now: each claim is judged on everything the topics hold now — the honest answer
 *     to late data: which claims would be answered differently today (a claim refused
 *     NOT_ENROLLED whose enrollment arrived later), with the old and new answers and the
 *     fund impact, as a re-adjudication list.
 *   --policies DIR: the same history under other policies: the what-if of a policy change.
 *
 * The report names both policy sets by the fingerprint of their contents (the recorded ones,
 * which the pipeline ran with, and the replayed ones): the same fingerprint makes an audit,
 * another a what-if. It lists the claims that matter to the mode (an audit: any difference;
 * as of now: a different answer; a what-if: different money), largest impact on the funds
 * first, and breaks the money down (impact.h) by scheme, benefit year, visit type,
 * institution level and fund, baseline against new. Text for people; --json puts the whole
 * report on stdout and the text on stderr.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "codec/avro.h"
#include "codec/json.h"
#include "history.h"
#include "impact.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "base/date.h"
#include "base/error.h"
#include "rules/money.h"

#define ARENA_SIZE (1u << 20)

/* The fields that decide what is paid: a difference in them is a different answer. */
static const char *const decisive[] = {"status",
				       "reasons",
				       "deductible_fen",
				       "fund_pay_fen",
				       "critical_illness_pay_fen",
				       "large_relief_pay_fen",
				       "assistance_pay_fen",
				       "personal_account_pay_fen",
				       "cash_pay_fen"};
#define DECISIVE (sizeof(decisive) / sizeof(decisive[0]))

/* Where a claim was treated, kept by claim_id so that its reversal is counted with it. */
typedef struct claim_place {
	const char *visit_type;     /* the one copy in replay.names; NULL unknown */
	const char *institution_id; /* the same */
	int32_t level;              /* the institution's when the claim was judged; -1 unknown */
} claim_place;

/* A claim the report lists, sorted by impact at the end. */
typedef struct listed_claim {
	json_t *entry;
	const char *claim_id; /* in entry */
	int64_t funds_change_fen;
	size_t seq; /* the order found: a claim before its reversal */
} listed_claim;

/* A policy set: where it was read and the fingerprint of its contents. */
typedef struct policy_side {
	const char *dir;
	char fingerprint[65];
} policy_side;

typedef struct replay {
	history h;
	yb_ledger *ledger;
	bool as_of_now;
	bool what_if; /* the replayed policies are not the recorded ones */
	policy_side recorded, replayed;
	int64_t from, to, from_offset, to_offset;
	long show;
	yb_avro *avro;
	char *arena;
	yb_buf text;
	uint64_t compared, identical, differing, other_differences, missing, duplicates, refused,
	    paid_differently;
	impact impact;
	listed_claim *listed;
	size_t nlisted, listed_cap;
	yb_strmap *places; /* claim_id → claim_place */
	yb_strmap *names;  /* visit type or institution_id → char * (the one copy) */
	json_t *missing_claims;
} replay;

static const char replay_summary[] =
    "Take the pipeline's decisions again from the topics (institutions, enrollments,\n"
    "payments, claims and the recorded settlements, read as they stood at the start:\n"
    "read_committed, no consumer group, no commits) through the same rule engine, in\n"
    "the pipeline's order: each partition's claims in topic order.\n"
    "\n"
    "  --audit      (the default) judge each claim on exactly what its recorded\n"
    "               settlement says it was judged on (judged_on: the enrollments and\n"
    "               payments applied then), and compare: identical, differing (with the\n"
    "               fields that differ), missing (not settled yet). A correct pipeline\n"
    "               is reproduced byte for byte whatever order its inputs arrived in.\n"
    "  --as-of-now  judge each claim on everything the topics hold now, and list the\n"
    "               claims that would be answered differently (a claim refused\n"
    "               NOT_ENROLLED whose enrollment arrived later): a re-adjudication\n"
    "               list with the old and new answers and the fund impact.\n"
    "\n"
    "What-if: with --policies DIR other than the recorded policies (those the pipeline\n"
    "ran with, which the recorded settlements come from), the same history is priced\n"
    "under changed policies.\n"
    "\n"
    "The report:\n"
    "  Policies   both sets named by a fingerprint of their contents (SHA-256 over the\n"
    "             *.policy files in byte order of name, each as name NUL length NUL\n"
    "             bytes). The same fingerprint is an audit; another is a what-if.\n"
    "  Counts     compared (claims in the range with a recorded settlement), identical\n"
    "             (byte for byte), listed, otherwise different (only in fields this\n"
    "             mode does not list: the trace, the policy version, ...), missing\n"
    "             (not settled yet), duplicates, dead letters.\n"
    "  Listed     audit: every claim that differs in any field; as of now: those\n"
    "             answered differently (status, reasons or an amount); what-if: those\n"
    "             whose money changed (any fund amount or cash). Largest impact first:\n"
    "             the absolute change in what the funds pay together (统筹基金 + 大病保险\n"
    "             + 大额救助 + 医疗救助 + 个人账户: every amount but cash), ties by\n"
    "             claim_id; each with its member, scheme, benefit year, visit type,\n"
    "             institution and level, the recorded and the replayed answer.\n"
    "  Impact     what the funds pay as recorded (the baseline) and replayed (new),\n"
    "             the change, and the change in percent of the baseline (from integer\n"
    "             basis points, halves away from zero; n/a for a baseline of 0): in\n"
    "             total, by scheme, benefit year (the replayed settlement's), visit\n"
    "             type, institution level (as when judged) and fund, and the patients'\n"
    "             cash. Every compared claim counts, so each breakdown adds up to the\n"
    "             total; a reversal counts negative (it takes back what its claim\n"
    "             paid). Yuan in the text, fen in the JSON.";

static const char replay_epilog[] =
    "JSON: {\"mode\", \"what_if\", \"policies\": {\"recorded\", \"replayed\": {\"dir\",\n"
    "\"fingerprint\"}}, \"listed\" (the rule), the counts, \"differences\" (the listed\n"
    "claims, sorted: claim_id, member_id, scheme, benefit_year, visit_type,\n"
    "institution_id, institution_level, funds_change_fen, fields, recorded, now),\n"
    "\"missing_claims\", \"impact\" {\"total\", \"by_scheme\", \"by_benefit_year\",\n"
    "\"by_visit_type\", \"by_institution_level\", \"by_fund\", \"cash\"},\n"
    "\"fund_delta_fen\" (the change of each amount, by scheme)}.\n"
    "\n"
    "Exit status: 0 when the replay ran (whatever it found), 1 when it could not,\n"
    "2 for a wrong command line.\n";

/* The top-level fields that differ, as {"field": {"recorded": .., "replayed": ..}}. */
static json_t *field_diff(const json_t *recorded, const json_t *replayed)
{
	json_t *diff = json_object();
	const char *key;
	const json_t *value;

	json_object_foreach ((json_t *)replayed, key, value) {
		const json_t *was = json_object_get(recorded, key);

		if (was == NULL || !json_equal(was, value))
			json_object_set_new(
			    diff, key,
			    json_pack("{s:O?, s:O}", "recorded", was, "replayed", value));
	}
	json_object_foreach ((json_t *)recorded, key, value) {
		if (json_object_get(replayed, key) == NULL)
			json_object_set_new(diff, key,
					    json_pack("{s:O, s:n}", "recorded", value, "replayed"));
	}
	return diff;
}

/* Is the decision in the range the command asked for? */
static bool in_range(const replay *r, const history_decision *d)
{
	int64_t t = d->record != NULL ? yb_record_time(d->record) : d->message->time;

	if (t < 0)
		t = d->message->time;
	return t >= r->from && t < r->to && d->message->offset >= r->from_offset &&
	       d->message->offset < r->to_offset;
}

/* The recorded settlement as JSON; *had_judged_on set when it records judged_on. */
static json_t *recorded_json(replay *r, const history_recorded *rec, bool *had_judged_on)
{
	yb_arena arena;
	yb_record s;
	char errstr[256];
	yb_buf text = {0};
	json_t *out = NULL;

	yb_arena_init(&arena, r->arena, ARENA_SIZE);
	if (yb_avro_decode(r->avro, rec->bytes, rec->len, &arena, &s, errstr, sizeof(errstr)) !=
		YB_OK ||
	    s.type != YB_RECORD_SETTLEMENT || yb_json_format(&s, &text) != YB_OK) {
		yb_buf_free(&text);
		return NULL;
	}
	*had_judged_on = s.as.settlement.has_judged_on;
	out = json_loadb((const char *)text.data, text.len, 0, NULL);
	yb_buf_free(&text);
	return out;
}

/* The one copy of name (NULL stays NULL); NULL when out of memory. */
static const char *intern(replay *r, const char *name, int *rc)
{
	int created;
	char **copy;

	if (name == NULL)
		return NULL;
	copy = yb_strmap_put(r->names, name, &created);
	if (copy != NULL && created)
		*copy = strdup(name);
	if (copy == NULL || *copy == NULL)
		*rc = YB_ENOMEM;
	return copy != NULL ? *copy : NULL;
}

/*
 * Where d's claim was treated: a claim's visit type and institution, with the level of the
 * institution version it was judged on (the ledger's view, as judged), kept by claim_id; a
 * reversal's, the claim's it reverses (unknown when that was never taken).
 */
static int place_of(replay *r, const history_decision *d, claim_place *place)
{
	const yb_claim *claim = &d->record->as.claim;
	claim_place *kept;
	yb_claim_facts facts;
	yb_judged_on on;
	int created, rc = YB_OK;

	*place = (claim_place){.level = -1};
	if (d->record->type == YB_RECORD_REVERSAL) {
		kept = yb_strmap_get(r->places, d->record->as.reversal.claim_id);
		if (kept != NULL)
			*place = *kept;
		return YB_OK;
	}
	yb_ledger_claim_facts(r->ledger, claim, yb_judged_on_of(d->settlement, &on) ? &on : NULL,
			      &facts);
	place->visit_type = intern(r, claim->visit_type, &rc);
	place->institution_id = intern(r, claim->institution_id, &rc);
	if (facts.institution != NULL)
		place->level = facts.institution->level;
	kept = yb_strmap_put(r->places, claim->claim_id, &created);
	if (kept == NULL || rc != YB_OK)
		return YB_ENOMEM;
	if (created)
		*kept = *place; /* the first settled: a duplicate repeats its answer */
	return YB_OK;
}

/* What a settlement pays: its amounts, negative for a reversal (it takes back its claim's,
 * as claimctl report counts it). */
static void amounts_of(const json_t *settlement, impact_amounts *out)
{
	const char *status = json_string_value(json_object_get(settlement, "status"));
	int sign = status != NULL && strcmp(status, "reversed") == 0 ? -1 : 1;

	for (int f = 0; f < IMPACT_AMOUNTS; f++)
		out->fen[f] =
		    sign * json_integer_value(json_object_get(settlement, impact_amount_fields[f]));
}

/* The answer of one side: status, reasons, every amount it pays (amounts_of) and the funds'
 * total. */
static json_t *answer_json(const json_t *settlement, const impact_amounts *amounts)
{
	json_t *out = json_pack("{s:O?, s:O?}", "status", json_object_get(settlement, "status"),
				"reasons", json_object_get(settlement, "reasons"));

	for (int f = 0; out != NULL && f < IMPACT_AMOUNTS; f++)
		json_object_set_new(out, impact_amount_fields[f], json_integer(amounts->fen[f]));
	if (out != NULL)
		json_object_set_new(out, "funds_fen", json_integer(impact_funds_fen(amounts)));
	return out;
}

/* Is a claim that differs by diff (money_changed: in an amount) listed in this mode? */
static bool listed_for(const replay *r, const json_t *diff, bool money_changed)
{
	bool decides = false;

	if (r->what_if)
		return money_changed;
	if (!r->as_of_now)
		return true;
	for (size_t k = 0; k < DECISIVE; k++)
		decides |= json_object_get(diff, decisive[k]) != NULL;
	return decides;
}

/* Add the claim to the listed ones (diff taken). */
static int list_claim(replay *r, const yb_settlement *s, const claim_place *place,
		      const json_t *was, const json_t *now, const impact_claim *money, json_t *diff)
{
	listed_claim *l;
	int64_t change = impact_funds_fen(&money->replayed) - impact_funds_fen(&money->recorded);
	json_t *entry = json_pack(
	    "{s:s, s:s, s:s, s:I, s:s?, s:s?, s:o, s:I, s:o, s:o, s:o}", "claim_id", s->claim_id,
	    "member_id", s->member_id, "scheme", s->scheme, "benefit_year",
	    (json_int_t)s->benefit_year, "visit_type", place->visit_type, "institution_id",
	    place->institution_id, "institution_level",
	    place->level >= 0 ? json_integer(place->level) : json_null(), "funds_change_fen",
	    (json_int_t)change, "fields", diff, "recorded", answer_json(was, &money->recorded),
	    "now", answer_json(now, &money->replayed));

	if (entry == NULL ||
	    yb_array_grow((void **)&r->listed, &r->listed_cap, r->nlisted + 1, sizeof(*l)) != 0) {
		json_decref(entry);
		return YB_ENOMEM;
	}
	l = &r->listed[r->nlisted];
	l->entry = entry;
	l->claim_id = json_string_value(json_object_get(entry, "claim_id"));
	l->funds_change_fen = change;
	l->seq = r->nlisted++;
	return YB_OK;
}

/* Count, add up and maybe list one compared claim: was recorded, now replayed. */
static int weigh(replay *r, const yb_settlement *s, const claim_place *place, const json_t *was,
		 const json_t *now)
{
	impact_claim money = {.scheme = s->scheme,
			      .benefit_year = s->benefit_year,
			      .visit_type = place->visit_type,
			      .institution_level = place->level};
	json_t *diff;
	bool money_changed;
	int rc;

	amounts_of(was, &money.recorded);
	amounts_of(now, &money.replayed);
	if ((rc = impact_add(&r->impact, &money)) != YB_OK)
		return rc;
	if (json_equal(was, now)) {
		r->identical++;
		return YB_OK;
	}
	diff = field_diff(was, now);
	money_changed = impact_money_differs(&money.recorded, &money.replayed);
	if (!listed_for(r, diff, money_changed)) {
		/* The trace, the policy version, the year's totals: not what this mode lists. */
		r->other_differences++;
		json_decref(diff);
		return YB_OK;
	}
	r->differing++;
	r->paid_differently += money_changed;
	return list_claim(r, s, place, was, now, &money, diff);
}

static int compare(const history_decision *d, void *opaque)
{
	replay *r = opaque;
	yb_record out = {.type = YB_RECORD_SETTLEMENT};
	const yb_settlement *s = d->settlement;
	json_t *was, *now;
	bool had_judged_on = false;
	claim_place place = {.level = -1};
	int rc;

	if (d->refused == NULL && !s->duplicate && (rc = place_of(r, d, &place)) != YB_OK)
		return rc; /* also out of range: a reversal in range needs its claim's */
	if (!in_range(r, d))
		return 0;
	if (d->refused != NULL) {
		r->refused++; /* dead-lettered by the pipeline as well */
		return 0;
	}
	if (s->duplicate) {
		r->duplicates++;
		return 0;
	}
	r->compared++;
	if (d->recorded == NULL) {
		r->missing++;
		json_array_append_new(r->missing_claims, json_string(s->claim_id));
		return 0;
	}
	was = recorded_json(r, d->recorded, &had_judged_on);
	out.as.settlement = *s;
	if (!had_judged_on)
		out.as.settlement.has_judged_on = false; /* recorded before judged_on existed */
	r->text.len = 0;
	now = was != NULL && yb_json_format(&out, &r->text) == YB_OK
		  ? json_loadb((const char *)r->text.data, r->text.len, 0, NULL)
		  : NULL;
	rc = was != NULL && now != NULL ? weigh(r, s, &place, was, now) : YB_ENOMEM;
	json_decref(was);
	json_decref(now);
	return rc;
}

static uint64_t magnitude(int64_t v)
{
	return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

/* Largest impact first, then by claim_id, then as found (a claim before its reversal). */
static int by_impact(const void *a, const void *b)
{
	const listed_claim *x = a, *y = b;
	uint64_t mx = magnitude(x->funds_change_fen), my = magnitude(y->funds_change_fen);
	int c;

	if (mx != my)
		return mx > my ? -1 : 1;
	if ((c = strcmp(x->claim_id, y->claim_id)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void yuan(char *buf, size_t size, int64_t fen)
{
	if (yb_money_format_yuan(buf, size, yb_fen(fen)) < 0)
		snprintf(buf, size, "?");
}

/* "settled []" for one side of a listed claim. */
static void print_answer(FILE *out, const json_t *answer)
{
	char *reasons = json_dumps(json_object_get(answer, "reasons"), JSON_COMPACT);

	fprintf(out, "%s %s", json_string_value(json_object_get(answer, "status")),
		reasons != NULL ? reasons : "[]");
	free(reasons);
}

static void print_listed_claim(const replay *r, FILE *out, const listed_claim *l)
{
	const json_t *e = l->entry, *was = json_object_get(e, "recorded"),
		     *now = json_object_get(e, "now"),
		     *level = json_object_get(e, "institution_level");
	char before[32], after[32], change[32];

	if (!r->what_if && !r->as_of_now) {
		const char *k;
		json_t *v;

		fprintf(out, "differs: %s (%s):", l->claim_id,
			json_string_value(json_object_get(e, "scheme")));
		json_object_foreach (json_object_get(e, "fields"), k, v) {
			if (strcmp(k, "trace") != 0 && strcmp(k, "accumulators") != 0)
				fprintf(out, " %s", k);
		}
		fprintf(out, "\n");
		return;
	}
	yuan(before, sizeof(before), json_integer_value(json_object_get(was, "funds_fen")));
	yuan(after, sizeof(after), json_integer_value(json_object_get(now, "funds_fen")));
	yuan(change, sizeof(change), l->funds_change_fen);
	fprintf(out, "changes: %s (%s, %s %" JSON_INTEGER_FORMAT ", %s at %s level ", l->claim_id,
		json_string_value(json_object_get(e, "member_id")),
		json_string_value(json_object_get(e, "scheme")),
		json_integer_value(json_object_get(e, "benefit_year")),
		json_is_string(json_object_get(e, "visit_type"))
		    ? json_string_value(json_object_get(e, "visit_type"))
		    : "?",
		json_is_string(json_object_get(e, "institution_id"))
		    ? json_string_value(json_object_get(e, "institution_id"))
		    : "?");
	if (json_is_integer(level))
		fprintf(out, "%" JSON_INTEGER_FORMAT "): ", json_integer_value(level));
	else
		fprintf(out, "?): ");
	print_answer(out, was);
	fprintf(out, " -> ");
	print_answer(out, now);
	fprintf(out, ", funds %s -> %s yuan (%s%s)\n", before, after,
		l->funds_change_fen > 0 ? "+" : "", change);
}

/* The listed claims, sorted by impact, the first --show of them printed. */
static void sort_and_print_listed(replay *r, FILE *out)
{
	size_t shown = r->show > 0 ? (size_t)r->show : 0;

	if (r->nlisted > 1)
		qsort(r->listed, r->nlisted, sizeof(r->listed[0]), by_impact);
	if (shown > r->nlisted)
		shown = r->nlisted;
	if (shown == 0)
		return;
	fprintf(out, "\n%s, largest impact first (%zu of %zu; the funds' total, yuan):\n",
		r->what_if     ? "Claims whose money changes"
		: r->as_of_now ? "Claims answered differently"
			       : "Claims that differ",
		shown, r->nlisted);
	for (size_t i = 0; i < shown; i++)
		print_listed_claim(r, out, &r->listed[i]);
}

static void print_counts(const replay *r, FILE *out, const history_counts *counts)
{
	static const char *const titles[2][2] = {
	    {"Audit replay (each claim on what it was judged on)",
	     "What-if replay (each claim on what it was judged on, under other policies)"},
	    {"Re-adjudication as of now (everything the topics hold)",
	     "What-if as of now (everything the topics hold, under other policies)"}};

	fprintf(out, "\n%s\n", titles[r->as_of_now][r->what_if]);
	fprintf(out, "  recorded policies  %s  %s\n  replayed policies  %s  %s\n",
		r->recorded.fingerprint, r->recorded.dir, r->replayed.fingerprint, r->replayed.dir);
	fprintf(out,
		"  compared   %10" PRIu64 "\n  identical  %10" PRIu64 "\n  %-10s %10" PRIu64
		"  (%s; %" PRIu64 " paid differently)\n  otherwise  %10" PRIu64
		"  (differ only in what is not listed: trace, policy version, ...)\n"
		"  missing    %10" PRIu64 "  (no recorded settlement: not settled yet)\n"
		"  duplicates %10" PRIu64 "  (repeated claim_ids, not compared)\n"
		"  dead letters %8" PRIu64 "  (claims-topic messages the pipeline cannot take)\n",
		r->compared, r->identical, r->what_if || r->as_of_now ? "changed" : "differing",
		r->differing,
		r->what_if     ? "listed: money, any fund amount or cash"
		: r->as_of_now ? "listed: the status, the reasons or an amount"
			       : "listed: any field",
		r->paid_differently, r->other_differences, r->missing, r->duplicates, r->refused);
	if (counts->refused_events > 0)
		fprintf(out,
			"  %" PRIu64 " enrollment or payment message(s) dead-lettered by the "
			"pipeline\n",
			counts->refused_events);
	if (r->h.undecodable > 0)
		fprintf(out, "  %zu settlement message(s) could not be decoded\n",
			r->h.undecodable);
}

/* One line of the impact: label, claims, changed, then baseline, new, change, percent. */
static void print_impact_line(FILE *out, const char *label, const impact_row *row, int64_t baseline,
			      int64_t replayed, const char *note)
{
	char was[32], now[32], change[32], percent[32];

	yuan(was, sizeof(was), baseline);
	yuan(now, sizeof(now), replayed);
	yuan(change, sizeof(change), replayed - baseline);
	impact_format_percent(percent, sizeof(percent), baseline, replayed - baseline);
	if (row != NULL)
		fprintf(out, "  %-26s %8" PRIu64 " %8" PRIu64, label, row->claims, row->changed);
	else
		fprintf(out, "  %-26s %8s %8s", label, "", "");
	fprintf(out, " %16s %16s %14s %10s%s%s\n", was, now, change, percent, note[0] ? "  " : "",
		note);
}

static void print_impact(const replay *r, FILE *out)
{
	static const char *const titles[IMPACT_DIMENSIONS] = {
	    "by scheme", "by benefit year", "by visit type", "by institution level"};
	const impact *im = &r->impact;

	if (!r->what_if && im->total.changed == 0)
		return; /* an audit that found the money as recorded */
	fprintf(out,
		"\nFund impact, yuan: what the funds pay (every amount but cash), recorded "
		"(baseline) and %s\n",
		r->as_of_now ? "as of now" : "replayed");
	fprintf(out, "  %-26s %8s %8s %16s %16s %14s %10s\n", "", "claims", "changed", "baseline",
		"new", "change", "change %");
	print_impact_line(out, "total", &im->total, impact_funds_fen(&im->total.recorded),
			  impact_funds_fen(&im->total.replayed), "");
	for (int d = 0; d < IMPACT_DIMENSIONS; d++) {
		fprintf(out, " %s\n", titles[d]);
		for (size_t i = 0; i < im->count[d]; i++) {
			const impact_row *row = &im->rows[d][i];

			print_impact_line(out, row->key, row, impact_funds_fen(&row->recorded),
					  impact_funds_fen(&row->replayed), "");
		}
	}
	fprintf(out, " by fund\n");
	for (int f = 0; f < IMPACT_AMOUNTS; f++)
		print_impact_line(out, impact_amount_fields[f], NULL, im->total.recorded.fen[f],
				  im->total.replayed.fen[f], impact_amount_names[f]);
}

static json_t *policy_json(const policy_side *side)
{
	return json_pack("{s:s, s:s}", "dir", side->dir, "fingerprint", side->fingerprint);
}

/* The change of every amount, for each scheme whose money changed. */
static json_t *fund_delta_json(const impact *im)
{
	json_t *out = json_object();

	for (size_t i = 0; out != NULL && i < im->count[IMPACT_BY_SCHEME]; i++) {
		const impact_row *row = &im->rows[IMPACT_BY_SCHEME][i];
		json_t *byfund = json_object();

		if (row->changed == 0) {
			json_decref(byfund);
			continue;
		}
		for (int f = 0; f < IMPACT_AMOUNTS; f++)
			json_object_set_new(
			    byfund, impact_amount_fields[f],
			    json_integer(row->replayed.fen[f] - row->recorded.fen[f]));
		json_object_set_new(out, row->key, byfund);
	}
	return out;
}

static int write_json(const replay *r, FILE *out)
{
	json_t *differences = json_array(), *report;
	int rc;

	for (size_t i = 0; differences != NULL && i < r->nlisted; i++)
		json_array_append(differences, r->listed[i].entry);
	report = json_pack(
	    "{s:s, s:b, s:{s:o, s:o}, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:O, s:o, "
	    "s:o}",
	    "mode", r->as_of_now ? "as-of-now" : "audit", "what_if", r->what_if, "policies",
	    "recorded", policy_json(&r->recorded), "replayed", policy_json(&r->replayed), "listed",
	    r->what_if     ? "money: any fund amount or cash"
	    : r->as_of_now ? "the answer: status, reasons or an amount"
			   : "any difference",
	    "compared", (json_int_t)r->compared, "identical", (json_int_t)r->identical, "differing",
	    (json_int_t)r->differing, "other_differences", (json_int_t)r->other_differences,
	    "paid_differently", (json_int_t)r->paid_differently, "missing", (json_int_t)r->missing,
	    "duplicates", (json_int_t)r->duplicates, "dead_letters", (json_int_t)r->refused,
	    "differences", differences, "missing_claims", r->missing_claims, "impact",
	    impact_json(&r->impact), "fund_delta_fen", fund_delta_json(&r->impact));
	rc = report != NULL && json_dumpf(report, out, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0 &&
		     fputc('\n', out) != EOF && fflush(out) == 0
		 ? YB_OK
		 : YB_EIO;
	json_decref(report);
	return rc;
}

/* Name both policy sets by their contents, then load the replayed one. */
static int load_policies(replay *r, yb_policy_set **sets, size_t *count, char *errstr,
			 size_t errlen)
{
	int rc =
	    yb_policy_dir_fingerprint(r->recorded.dir, r->recorded.fingerprint, errstr, errlen);

	if (rc != YB_OK) {
		size_t used = strlen(errstr);

		snprintf(errstr + used, errlen - used,
			 " (the recorded policies: name them with --recorded-policies DIR)");
		return rc;
	}
	rc = yb_policy_dir_fingerprint(r->replayed.dir, r->replayed.fingerprint, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_policy_load_dir(r->replayed.dir, sets, count, errstr, errlen);
	r->what_if = strcmp(r->recorded.fingerprint, r->replayed.fingerprint) != 0;
	return rc;
}

/* What the command line asked for, besides what replay holds. */
typedef struct replay_args {
	const char *prefix, *brokers, *export_path;
	bool json;
	yb_props *props;
} replay_args;

/* --from and --to: an instant, or an offset of the claims topic in every partition. */
static int parse_bound(replay *r, const char *text, bool from)
{
	char *end;
	long long offset = strtoll(text, &end, 10);

	if (*end == '\0' && end != text && offset >= 0) {
		if (from)
			r->from_offset = offset;
		else
			r->to_offset = offset;
		return YB_OK;
	}
	if (yb_instant_parse(text, strlen(text), from ? &r->from : &r->to) == 0)
		return YB_OK;
	fprintf(stderr,
		"claimctl replay: '%s' is neither a time with offset nor a claims-topic offset\n",
		text);
	return YB_EINVAL;
}

static int from_bound(void *r, const char *text)
{
	return parse_bound(r, text, true);
}

static int to_bound(void *r, const char *text)
{
	return parse_bound(r, text, false);
}

static int set_audit(void *r, const char *unused)
{
	(void)unused;
	((replay *)r)->as_of_now = false;
	return YB_OK;
}

static int set_as_of_now(void *r, const char *unused)
{
	(void)unused;
	((replay *)r)->as_of_now = true;
	return YB_OK;
}

/* Parse argv into r and args: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, replay *r, replay_args *args)
{
	int json = 0;
	const cli_opt opts[] = {
	    CLI_CALL(
		"from", 0, r, "TIME|OFFSET", from_bound,
		"compare claims stamped from TIME (ISO-8601 with offset),\nor from this offset "
		"of the claims topic's partitions"),
	    CLI_CALL("to", 0, r, "TIME|OFFSET", to_bound,
		     "... and before TIME or OFFSET (default: all)"),
	    CLI_CALL("audit", 0, r, NULL, set_audit, "judge as recorded and compare (the default)"),
	    CLI_CALL("as-of-now", 0, r, NULL, set_as_of_now,
		     "judge on everything known now; list what changes"),
	    CLI_VALUE("policies", 'p', &r->replayed.dir, "DIR",
		      "the policies to replay under (default: the recorded)"),
	    CLI_VALUE("recorded-policies", 0, &r->recorded.dir, "DIR",
		      "the policies the pipeline ran with (default: as\nadjudicate: $YB_POLICIES, "
		      "./policies, else the source\ntree's)"),
	    CLI_SWITCH("json", 0, &json,
		       "the report as one JSON object on stdout, every listed\nclaim in it; the "
		       "text report goes to stderr"),
	    CLI_VALUE(
		"export", 0, &args->export_path, "FILE",
		"write the inputs the pipeline took as JSON Lines, in an\norder in which "
		"claimctl adjudicate FILE gives the\npipeline's settlements (each claim after "
		"exactly what it\nwas judged on); nothing is compared"),
	    CLI_LONG("show", 0, &r->show, "N", 0, 1000000,
		     "listed claims to print in the text (default 10)"),
	    CLI_VALUE("topic-prefix", 0, &args->prefix, "P",
		      "read P.institutions, P.claims, ... (a test's own set)"),
	    CLI_BROKERS(&args->brokers),
	    CLI_KAFKA(args->props),
	};
	const cli_command cmd = {
	    "replay",     "[options]", replay_summary, opts, sizeof(opts) / sizeof(opts[0]),
	    replay_epilog};
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	args->json = json != 0;
	r->recorded.dir = claimctl_policies_dir(r->recorded.dir);
	if (r->replayed.dir == NULL)
		r->replayed.dir = r->recorded.dir;
	return -1;
}

/* --export: the inputs as JSON Lines, nothing compared. */
static int run_export(replay *r, const replay_args *args, const char *const topics[4],
		      const char *settlements)
{
	FILE *out = NULL;
	uint64_t written = 0;
	char errstr[512] = "";

	if (history_read(&r->h, args->props, topics, settlements, "replay", errstr,
			 sizeof(errstr)) != YB_OK ||
	    (out = fopen(args->export_path, "w")) == NULL ||
	    history_export(&r->h, r->ledger, out, &written, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl replay: %s\n",
			out == NULL && errstr[0] == '\0' ? "cannot write the export file" : errstr);
		if (out != NULL)
			fclose(out);
		return CLAIMCTL_EXIT_FAILURE;
	}
	if (fclose(out) != 0) {
		fprintf(stderr, "claimctl replay: cannot write %s\n", args->export_path);
		return CLAIMCTL_EXIT_FAILURE;
	}
	fprintf(stderr, "claimctl replay: %" PRIu64 " records written to %s\n", written,
		args->export_path);
	return CLAIMCTL_EXIT_OK;
}

/* The replay and its report: text on stdout, or on stderr with the JSON on stdout. */
static int run_replay(replay *r, const replay_args *args, const char *const topics[4],
		      const char *settlements)
{
	FILE *text = args->json ? stderr : stdout;
	history_counts counts;
	char errstr[512] = "";
	int rc;

	rc =
	    history_read(&r->h, args->props, topics, settlements, "replay", errstr, sizeof(errstr));
	if (rc == YB_OK)
		rc = history_replay(&r->h, r->ledger,
				    r->as_of_now ? HISTORY_AS_OF_NOW : HISTORY_AS_JUDGED, NULL,
				    compare, r, &counts, errstr, sizeof(errstr));
	if (rc < 0) {
		fprintf(stderr, "claimctl replay: %s\n",
			errstr[0] != '\0' ? errstr : yb_strerror(rc));
		return CLAIMCTL_EXIT_FAILURE;
	}
	print_counts(r, text, &counts);
	sort_and_print_listed(r, text);
	print_impact(r, text);
	if (args->json && write_json(r, stdout) != YB_OK) {
		fprintf(stderr, "claimctl replay: cannot write the JSON report\n");
		return CLAIMCTL_EXIT_FAILURE;
	}
	return CLAIMCTL_EXIT_OK;
}

static void free_name(void *value)
{
	free(*(char **)value);
}

int claimctl_replay(int argc, char **argv)
{
	static const char *const input_names[] = {"institutions", "enrollments", "payments",
						  "claims"};
	const char *topic_names[4];
	char inputs[4][256], settlements[256], errstr[512] = "";
	replay_args args = {.prefix = "",
			    .brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS),
			    .props = yb_props_new()};
	int exit_code;
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	replay r;

	memset(&r, 0, sizeof(r));
	r.from = INT64_MIN;
	r.to = INT64_MAX;
	r.to_offset = INT64_MAX;
	r.show = 10;
	if (args.props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	if ((exit_code = parse_args(argc, argv, &r, &args)) >= 0)
		goto out;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	for (int t = 0; t < 4; t++) {
		claimctl_topic_name(args.prefix, input_names[t], inputs[t], sizeof(inputs[t]));
		topic_names[t] = inputs[t];
	}
	claimctl_topic_name(args.prefix, "settlements", settlements, sizeof(settlements));
	if (yb_props_get(args.props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(args.props, "kafka.bootstrap.servers", args.brokers);
	if (load_policies(&r, &sets, &set_count, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl replay: %s\n", errstr);
		goto out;
	}
	r.arena = malloc(ARENA_SIZE);
	r.missing_claims = json_array();
	r.places = yb_strmap_new(sizeof(claim_place));
	r.names = yb_strmap_new(sizeof(char *));
	if (r.arena == NULL || r.missing_claims == NULL || r.places == NULL || r.names == NULL ||
	    yb_avro_new(&r.avro, errstr, sizeof(errstr)) != YB_OK ||
	    yb_ledger_new(&r.ledger, sets, set_count) != YB_OK)
		goto out;
	exit_code = args.export_path != NULL ? run_export(&r, &args, topic_names, settlements)
					     : run_replay(&r, &args, topic_names, settlements);
out:
	history_free(&r.h);
	yb_avro_destroy(r.avro);
	free(r.arena);
	yb_ledger_destroy(r.ledger);
	yb_buf_free(&r.text);
	for (size_t i = 0; i < r.nlisted; i++)
		json_decref(r.listed[i].entry);
	free(r.listed);
	impact_free(&r.impact);
	yb_strmap_destroy(r.places, NULL);
	yb_strmap_destroy(r.names, free_name);
	json_decref(r.missing_claims);
	free(sets);
	yb_props_destroy(args.props);
	return exit_code;
}
