/*
 * claimctl report: a summary of settlements (JSON Lines, as claimctl adjudicate writes or
 * claimctl consume --topic settlements prints) for a person: claims by scheme and status,
 * rejections by reason, and what each fund paid, in yuan. Other record types in the input
 * (dead letters) are counted, not summed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "rules/error.h"
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

static void report_usage(FILE *out)
{
	fprintf(out,
		"Usage: claimctl report [FILE|-]\n"
		"\n"
		"Summarise settlements given as JSON Lines (claimctl adjudicate's output, or\n"
		"claimctl consume --topic settlements): claims by scheme and status, rejections\n"
		"by reason, and what each fund paid, in yuan. A settlement marked duplicate is\n"
		"counted once, as a duplicate, and its money is not added again.\n"
		"\n"
		"Options:\n"
		"  -h, --help  this text\n");
}

static void yuan(int64_t fen, char *buf, size_t len)
{
	if (yb_money_format_yuan(buf, len, yb_fen(fen)) < 0)
		snprintf(buf, len, "?");
}

int claimctl_report(int argc, char **argv)
{
	static const struct option options[] = {
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	table schemes = {0}, reasons = {0};
	row total = {.key = "all"};
	uint64_t others = 0, unreadable = 0;
	char *line = NULL, buf[32];
	size_t cap = 0;
	FILE *in;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt == 'h') {
			report_usage(stdout);
			return CLAIMCTL_EXIT_OK;
		}
		report_usage(stderr);
		return CLAIMCTL_EXIT_USAGE;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "claimctl report: one input at most\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	in = claimctl_open_input("report", argv[optind]);
	if (in == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	while (getline(&line, &cap, in) >= 0) {
		json_t *s = json_loads(line, 0, NULL);
		const char *type = json_string_value(json_object_get(s, "type"));
		const char *status, *scheme;
		row *r;

		if (s == NULL) {
			unreadable++;
			continue;
		}
		if (type == NULL || strcmp(type, "settlement") != 0) {
			others++;
			json_decref(s);
			continue;
		}
		status = json_string_value(json_object_get(s, "status"));
		scheme = json_string_value(json_object_get(s, "scheme"));
		r = row_of(&schemes, scheme != NULL && scheme[0] != '\0' ? scheme : "(none)");
		if (json_is_true(json_object_get(s, "duplicate"))) {
			r->duplicates++;
			total.duplicates++;
			json_decref(s);
			continue;
		}
		if (status != NULL && strcmp(status, "settled") == 0) {
			r->settled++;
			total.settled++;
		} else if (status != NULL && strcmp(status, "reversed") == 0) {
			r->reversed++;
			total.reversed++;
		} else {
			r->rejected++;
			total.rejected++;
		}
		/* A reversal withdraws what the settlement paid: it counts against it. */
		for (size_t f = 0; f < FUNDS; f++) {
			int64_t v = json_integer_value(json_object_get(s, funds[f]));

			if (status != NULL && strcmp(status, "reversed") == 0)
				v = -v;
			r->paid[f] += v;
			total.paid[f] += v;
		}
		{
			size_t i;
			json_t *code;

			json_array_foreach (json_object_get(s, "reasons"), i, code) {
				row *rr = row_of(&reasons, json_string_value(code) != NULL
							       ? json_string_value(code)
							       : "?");

				if (status != NULL && strcmp(status, "rejected") == 0)
					rr->rejected++;
				else
					rr->settled++;
			}
		}
		json_decref(s);
	}
	free(line);
	if (in != stdin)
		fclose(in);

	printf("Claims by scheme\n  %-20s %9s %9s %9s %10s\n", "scheme", "settled", "rejected",
	       "reversed", "duplicate");
	for (int i = 0; i < schemes.n; i++)
		printf("  %-20s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10" PRIu64 "\n",
		       schemes.rows[i].key, schemes.rows[i].settled, schemes.rows[i].rejected,
		       schemes.rows[i].reversed, schemes.rows[i].duplicates);
	printf("  %-20s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %10" PRIu64 "\n", "all",
	       total.settled, total.rejected, total.reversed, total.duplicates);
	printf("\nReasons\n  %-34s %9s %9s\n", "code", "rejected", "paid");
	for (int i = 0; i < reasons.n; i++)
		printf("  %-34s %9" PRIu64 " %9" PRIu64 "\n", reasons.rows[i].key,
		       reasons.rows[i].rejected, reasons.rows[i].settled);
	printf("\nPaid, yuan (reversals deducted)\n");
	for (size_t f = 0; f < FUNDS; f++) {
		yuan(total.paid[f], buf, sizeof(buf));
		/* The amount first: the names mix scripts of different widths. */
		printf("  %16s  %s\n", buf, fund_names[f]);
	}
	printf("\nBasic fund by scheme, yuan\n");
	for (int i = 0; i < schemes.n; i++) {
		yuan(schemes.rows[i].paid[0], buf, sizeof(buf));
		printf("  %-20s %16s\n", schemes.rows[i].key, buf);
	}
	if (others > 0 || unreadable > 0)
		printf("\n%" PRIu64 " other record(s) (dead letters) and %" PRIu64
		       " unreadable line(s) not summed\n",
		       others, unreadable);
	return CLAIMCTL_EXIT_OK;
}
