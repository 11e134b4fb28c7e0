/*
 * claimctl report: a summary of settlements (JSON Lines, as claimctl adjudicate writes or
 * claimctl consume --topic settlements prints) for a person: claims by scheme and status,
 * rejections by reason, and what each fund paid, in yuan. Other record types in the input
 * (dead letters) are counted, not summed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "base/error.h"
#include "rules/money.h"

#define MAX_ROWS 64

static const char *const funds[] = {
    "fund_pay_fen",       "critical_illness_pay_fen", "large_relief_pay_fen",
    "assistance_pay_fen", "personal_account_pay_fen", "cash_pay_fen"};
static const char *const fund_names[] = {
    "统筹基金 (basic fund)", "大病保险 (critical illness)", "大额救助 (large relief)",
    "医疗救助 (assistance)", "个人账户 (personal account)", "cash (patients)"};
#define FUNDS (sizeof(funds) / sizeof(funds[0]))

typedef struct row {
	char key[64];
	uint64_t settled, rejected, reversed, duplicates;
	int64_t paid[FUNDS];
} row;

typedef struct table {
	row rows[MAX_ROWS];
	int n;
} table;

static row *row_of(table *t, const char *key)
{
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->rows[i].key, key) == 0)
			return &t->rows[i];
	}
	if (t->n == MAX_ROWS)
		return &t->rows[MAX_ROWS - 1]; /* the rest pile into the last row */
	snprintf(t->rows[t->n].key, sizeof(t->rows[0].key), "%s", key);
	return &t->rows[t->n++];
}

static void yuan(int64_t fen, char *buf, size_t len)
{
	if (yb_money_format_yuan(buf, len, yb_fen(fen)) < 0)
		snprintf(buf, len, "?");
}

/* What the report adds up. */
typedef struct tally {
	table schemes, reasons;
	row total;
	uint64_t others, unreadable;
} tally;

/* Count one settlement (s: its JSON). */
static void count_settlement(tally *t, json_t *s)
{
	const char *status, *scheme;
	row *r;

	status = json_string_value(json_object_get(s, "status"));
	scheme = json_string_value(json_object_get(s, "scheme"));
	r = row_of(&t->schemes, scheme != NULL && scheme[0] != '\0' ? scheme : "(none)");
	if (json_is_true(json_object_get(s, "duplicate"))) {
		r->duplicates++;
		t->total.duplicates++;
		return;
	}
	if (status != NULL && strcmp(status, "settled") == 0) {
		r->settled++;
		t->total.settled++;
	} else if (status != NULL && strcmp(status, "reversed") == 0) {
		r->reversed++;
		t->total.reversed++;
	} else {
		r->rejected++;
		t->total.rejected++;
	}
	/* A reversal withdraws what the settlement paid: it counts against it. */
	for (size_t f = 0; f < FUNDS; f++) {
		int64_t v = json_integer_value(json_object_get(s, funds[f]));

		if (status != NULL && strcmp(status, "reversed") == 0)
			v = -v;
		r->paid[f] += v;
		t->total.paid[f] += v;
	}
	{
		size_t i;
		json_t *code;

		json_array_foreach (json_object_get(s, "reasons"), i, code) {
			row *rr =
			    row_of(&t->reasons,
				   json_string_value(code) != NULL ? json_string_value(code) : "?");

			if (status != NULL && strcmp(status, "rejected") == 0)
				rr->rejected++;
			else
				rr->settled++;
		}
	}
}

static void print_report(const tally *t)
{
	char buf[32];

	printf("Claims by scheme\n  %-20s %9s %9s %9s %10s\n", "scheme", "settled", "rejected",
	       "reversed", "duplicate");
	for (int i = 0; i < t->schemes.n; i++)
		printf("  %-20s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10" PRIu64 "\n",
		       t->schemes.rows[i].key, t->schemes.rows[i].settled,
		       t->schemes.rows[i].rejected, t->schemes.rows[i].reversed,
		       t->schemes.rows[i].duplicates);
	printf("  %-20s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10" PRIu64 "\n", "all",
	       t->total.settled, t->total.rejected, t->total.reversed, t->total.duplicates);
	printf("\nReasons\n  %-34s %9s %9s\n", "code", "rejected", "paid");
	for (int i = 0; i < t->reasons.n; i++)
		printf("  %-34s %9" PRIu64 " %9" PRIu64 "\n", t->reasons.rows[i].key,
		       t->reasons.rows[i].rejected, t->reasons.rows[i].settled);
	printf("\nPaid, yuan (reversals deducted)\n");
	for (size_t f = 0; f < FUNDS; f++) {
		yuan(t->total.paid[f], buf, sizeof(buf));
		/* The amount first: the names mix scripts of different widths. */
		printf("  %16s  %s\n", buf, fund_names[f]);
	}
	printf("\nBasic fund by scheme, yuan\n");
	for (int i = 0; i < t->schemes.n; i++) {
		yuan(t->schemes.rows[i].paid[0], buf, sizeof(buf));
		printf("  %-20s %16s\n", t->schemes.rows[i].key, buf);
	}
	if (t->others > 0 || t->unreadable > 0)
		printf("\n%" PRIu64 " other record(s) (dead letters) and %" PRIu64
		       " unreadable line(s) not summed\n",
		       t->others, t->unreadable);
}

int claimctl_report(int argc, char **argv)
{
	static tally t = {.total = {.key = "all"}};
	const char *input = NULL;
	const cli_opt opts[] = {
	    CLI_ARG("FILE", &input, "the settlements, JSON Lines (default or -: standard input)"),
	};
	const cli_command cmd = {
	    "report",
	    "[FILE|-]",
	    "Summarise settlements given as JSON Lines (claimctl adjudicate's output, or\n"
	    "claimctl consume --topic settlements): claims by scheme and status, rejections\n"
	    "by reason, and what each fund paid, in yuan. A settlement marked duplicate is\n"
	    "counted once, as a duplicate, and its money is not added again.",
	    opts,
	    1,
	    NULL};
	char *line = NULL;
	size_t cap = 0;
	FILE *in;
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	in = claimctl_open_input("report", input);
	if (in == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	while (getline(&line, &cap, in) >= 0) {
		json_t *s = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(s, "type"));

		if (s == NULL)
			t.unreadable++;
		else if (type == NULL || strcmp(type, "settlement") != 0)
			t.others++;
		else
			count_settlement(&t, s);
		json_decref(s);
	}
	free(line);
	if (in != stdin)
		fclose(in);
	print_report(&t);
	return CLAIMCTL_EXIT_OK;
}
