/*
 * claimctl adjudicate: the offline adjudicator (../shared/spec/events.md, "claimctl
 * adjudicate"). Reads input records as JSON Lines in order, keeps the state in memory
 * (common/ledger), adjudicates with the same rule engine as the services, and writes one
 * settlement per claim and reversal, and a dead_letter per line it cannot take, to stdout
 * as JSON Lines. The run goes on after a bad line; the exit status is 0 even then, since a
 * dead letter is an answer: 1 only when the input cannot be read or the policies not loaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "codec/json.h"
#include "fraud/fraud.h"
#include "io/dead_letter.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "line_reader.h"
#include "base/error.h"

static const char adjudicate_summary[] =
    "Adjudicate input records (institution, enrollment, payment, claim, reversal),\n"
    "given as JSON Lines, with the same rule code as the services and the state in\n"
    "memory. Each claim is judged on the records before it in the file: its member's\n"
    "enrollments and payments stamped at or before its submitted_at, the latest\n"
    "version of its institution, and the claims before it. The topics exported by\n"
    "claimctl replay --export adjudicate to the pipeline's settlements.\n"
    "Writes JSON Lines to stdout: a settlement for every claim\n"
    "and reversal, a fraud_alert for every finding of the fraud rules (docs/FRAUD.md)\n"
    "right after the settlement that completed it, and a dead_letter (naming the line\n"
    "and the field) for every line that cannot be taken; the run goes on after it.\n"
    "\n"
    "A repeated claim_id returns its first settlement marked \"duplicate\" (with\n"
    "CONFLICTING_DUPLICATE when its content differs); another member's claim with it\n"
    "is refused CONFLICTING_DUPLICATE; a reversal takes back everything its claim\n"
    "moved; a repeated event_id of a member is ignored.";

static const char adjudicate_epilog[] =
    "Exit status: 0 when every line was answered (settlement or dead_letter), 1 when the\n"
    "input or the policies cannot be read, 2 for a wrong command line.\n";

/* Counts for the summary. */
#define MAX_KEYS 48
typedef struct tally {
	const char *key[MAX_KEYS];
	uint64_t count[MAX_KEYS];
	int n;
} tally;

static void tally_add(tally *t, const char *key)
{
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->key[i], key) == 0) {
			t->count[i]++;
			return;
		}
	}
	if (t->n < MAX_KEYS) {
		/* Reason codes and statuses are static strings of the engine. */
		t->key[t->n] = key;
		t->count[t->n++] = 1;
	}
}

static int write_dead_letter(const char *source, const char *error, const char *line, size_t len)
{
	yb_record r;
	yb_dead_letter_text text;

	memset(&r, 0, sizeof(r));
	r.type = YB_RECORD_DEAD_LETTER;
	yb_dead_letter_fill(&r.as.dead_letter, &text, source, error, line, len, SIZE_MAX);
	return yb_json_write_line(&r, NULL, stdout);
}

/* Status and reason codes are engine constants; a recorded settlement's are not. */
static const char *intern(const char *s)
{
	static const char *const known[] = {
	    "settled",
	    "rejected",
	    "reversed",
	    "NOT_ENROLLED",
	    "WAITING_PERIOD",
	    "COVERAGE_TERMINATED",
	    "EXCLUDED_CAUSE",
	    "ABROAD",
	    "NON_DESIGNATED",
	    "UNKNOWN_INSTITUTION",
	    "LATE_SUBMISSION",
	    "INSUFFICIENT_CONTRIBUTION_YEARS",
	    "OUTPATIENT_DURING_INPATIENT",
	    "MISSING_RECEIPTS",
	    "ANNUAL_CAP_REACHED",
	    "HALF_RATE_TRANSITION",
	    "BENEFIT_NOT_COVERED",
	    "NO_POLICY_IN_FORCE",
	    "UNKNOWN_CLAIM",
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (strcmp(known[i], s) == 0)
			return known[i];
	}
	return "other";
}

/*
 * Run the fraud rules on a claim's settlement (a reversal takes its claim out of the
 * member's window) and write the alerts after it. Returns the number of alerts, or -1 when
 * writing failed or memory ran out.
 */
static int check_fraud(const yb_fraud_params *params, yb_fraud_state *fraud, yb_ledger *ledger,
		       const claimctl_line *l, const yb_settlement *settlement,
		       yb_fraud_result *found, yb_buf *text)
{
	yb_claim_facts facts;
	yb_fraud_input in;

	found->count = 0;
	if (l->record->type == YB_RECORD_REVERSAL) {
		if (strcmp(settlement->status, "reversed") == 0)
			yb_fraud_reverse(fraud, settlement->member_id, settlement->claim_id,
					 (int64_t)l->line_no);
		return 0;
	}
	yb_ledger_claim_facts(ledger, &l->record->as.claim, NULL, &facts);
	in.claim = &l->record->as.claim;
	in.settlement = settlement;
	in.member = facts.member;
	in.institution = facts.institution;
	in.policy = facts.policy;
	in.order = (int64_t)l->line_no; /* the member's claims come in line order */
	in.claim_pos = (int64_t)l->line_no;
	if (yb_fraud_check(params, fraud, &in, found) != YB_OK)
		return -1;
	for (int i = 0; i < found->count; i++) {
		yb_record out = {.type = YB_RECORD_FRAUD_ALERT};

		out.as.fraud_alert = found->findings[i].alert;
		text->len = 0;
		if (yb_json_format(&out, text) != YB_OK ||
		    fwrite(text->data, 1, text->len, stdout) != text->len ||
		    putc('\n', stdout) == EOF)
			return -1;
	}
	return found->count;
}

/* One offline run: the options, the state the inputs build, the counts. */
typedef struct adjudication_run {
	const char *policies, *fraud_rules, *input;
	int summary, no_fraud;
	yb_fraud_params fraud_params;
	yb_fraud_state *fraud;
	yb_fraud_result *found;
	yb_policy_set *sets;
	size_t set_count;
	yb_ledger *ledger;
	yb_buf text;
	uint64_t line_no, settlements, dead_letters, duplicates, alerts;
	tally statuses, reasons, rules;
} adjudication_run;

static int adjudicate_parse(int argc, char **argv, adjudication_run *a)
{
	const cli_opt opts[] = {
	    CLI_VALUE("policies", 'p', &a->policies, "DIR",
		      "the scheme policies (default: $YB_POLICIES, else ./policies,\nelse the "
		      "policies/ of the source tree this was built from)"),
	    CLI_VALUE("fraud-rules", 'f', &a->fraud_rules, "FILE",
		      "the fraud rules' parameters (default: fraud.conf in the\npolicies "
		      "directory)"),
	    CLI_SWITCH("no-fraud", 'n', &a->no_fraud,
		       "settlements only: do not run the fraud rules"),
	    CLI_SWITCH("summary", 's', &a->summary,
		       "print counts by status, reason and alert rule to stderr at\nthe end "
		       "(always when stderr is a terminal)"),
	    CLI_ARG("FILE", &a->input, "the JSON Lines input (default or -: standard input)"),
	};
	const cli_command cmd = {"adjudicate", "[options] [FILE|-]",           adjudicate_summary,
				 opts,         sizeof(opts) / sizeof(opts[0]), adjudicate_epilog};

	return cli_parse(&cmd, argc, argv);
}

/* The policies and, unless --no-fraud, the fraud rules; YB_OK or an error (printed). */
static int adjudicate_setup(adjudication_run *a)
{
	char errstr[512], path[4096];

	a->policies = claimctl_policies_dir(a->policies);
	if (yb_policy_load_dir(a->policies, &a->sets, &a->set_count, errstr, sizeof(errstr)) !=
	    YB_OK) {
		fprintf(stderr, "claimctl adjudicate: %s\n", errstr);
		return YB_EINVAL;
	}
	if (a->no_fraud)
		return yb_ledger_new(&a->ledger, a->sets, a->set_count);
	snprintf(path, sizeof(path), "%s/%s", a->policies, YB_FRAUD_PARAMS_FILE);
	if (yb_fraud_params_load(a->fraud_rules != NULL ? a->fraud_rules : path, &a->fraud_params,
				 errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl adjudicate: %s\n", errstr);
		return YB_EINVAL;
	}
	if (yb_fraud_state_new(&a->fraud) != YB_OK ||
	    (a->found = malloc(sizeof(*a->found))) == NULL)
		return YB_ENOMEM;
	return yb_ledger_new(&a->ledger, a->sets, a->set_count);
}

/* Write a settlement and what the fraud rules find with it; YB_OK or YB_EIO. */
static int answer(adjudication_run *a, const claimctl_line *l, const yb_settlement *settlement)
{
	yb_record out = {.type = YB_RECORD_SETTLEMENT};
	int rc;

	out.as.settlement = *settlement;
	a->text.len = 0;
	if (yb_json_format(&out, &a->text) != YB_OK ||
	    fwrite(a->text.data, 1, a->text.len, stdout) != a->text.len ||
	    putc('\n', stdout) == EOF)
		return YB_EIO;
	a->settlements++;
	if (a->fraud != NULL && !settlement->duplicate) {
		rc = check_fraud(&a->fraud_params, a->fraud, a->ledger, l, settlement, a->found,
				 &a->text);
		if (rc < 0)
			return YB_EIO;
		a->alerts += (uint64_t)rc;
		for (int i = 0; a->summary && i < a->found->count; i++)
			tally_add(&a->rules, a->found->findings[i].alert.rule);
	}
	if (settlement->duplicate) {
		a->duplicates++;
	} else if (a->summary) {
		tally_add(&a->statuses, intern(settlement->status));
		for (uint32_t i = 0; i < settlement->reasons_count; i++)
			tally_add(&a->reasons, intern(settlement->reasons[i]));
	}
	return YB_OK;
}

/* Every line of the input, answered in order; YB_OK, or YB_EIO when writing failed. */
static int adjudicate_lines(adjudication_run *a, claimctl_reader *reader, const char *input_name)
{
	time_t last_progress = time(NULL);
	const claimctl_line *l;

	while ((l = claimctl_reader_next(reader)) != NULL) {
		const yb_settlement *settlement = NULL;
		char source[512], errstr[512];
		int rc = l->rc;

		a->line_no = l->line_no;
		if (rc == YB_OK)
			rc = yb_ledger_apply(a->ledger, l->record, &settlement, errstr,
					     sizeof(errstr));
		else
			snprintf(errstr, sizeof(errstr), "%s", l->error);
		if (rc < 0) {
			snprintf(source, sizeof(source), "%s:%" PRIu64, input_name, l->line_no);
			if (write_dead_letter(source, errstr, l->text, l->len) != YB_OK)
				return YB_EIO;
			a->dead_letters++;
		} else if (rc == 1 && settlement != NULL && answer(a, l, settlement) != YB_OK) {
			return YB_EIO;
		}
		if (a->summary && (a->line_no & 0xffff) == 0 && time(NULL) - last_progress >= 2) {
			last_progress = time(NULL);
			fprintf(stderr,
				"claimctl adjudicate: %" PRIu64 " lines, %" PRIu64
				" settlements, %" PRIu64 " dead letters\n",
				a->line_no, a->settlements, a->dead_letters);
		}
	}
	return YB_OK;
}

static void print_summary(const adjudication_run *a)
{
	fprintf(stderr,
		"claimctl adjudicate: %" PRIu64 " lines: %" PRIu64 " settlements (%" PRIu64
		" duplicates), %" PRIu64 " dead letters, %" PRIu64 " fraud alerts\n",
		a->line_no, a->settlements, a->duplicates, a->dead_letters, a->alerts);
	for (int i = 0; i < a->statuses.n; i++)
		fprintf(stderr, "  %-34s %10" PRIu64 "\n", a->statuses.key[i],
			a->statuses.count[i]);
	for (int i = 0; i < a->reasons.n; i++)
		fprintf(stderr, "  reason %-27s %10" PRIu64 "\n", a->reasons.key[i],
			a->reasons.count[i]);
	for (int i = 0; i < a->rules.n; i++)
		fprintf(stderr, "  alert %-28s %10" PRIu64 "\n", a->rules.key[i],
			a->rules.count[i]);
}

int claimctl_adjudicate(int argc, char **argv)
{
	static adjudication_run a;
	int exit_code = CLAIMCTL_EXIT_FAILURE;
	FILE *in = NULL;
	claimctl_reader *reader = NULL;
	const char *input_name;

	a.summary = isatty(STDERR_FILENO);
	exit_code = adjudicate_parse(argc, argv, &a);
	if (exit_code >= 0)
		return exit_code;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	if (adjudicate_setup(&a) != YB_OK)
		goto out;
	in = claimctl_open_input("adjudicate", a.input);
	if (in == NULL || claimctl_reader_start(&reader, in) != YB_OK)
		goto out;
	input_name = in == stdin ? "stdin" : a.input;
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	if (adjudicate_lines(&a, reader, input_name) != YB_OK || fflush(stdout) != 0) {
		fprintf(stderr, "claimctl adjudicate: writing: %s\n", strerror(errno));
		goto out;
	}
	if (claimctl_reader_error(reader) != 0) {
		fprintf(stderr, "claimctl adjudicate: reading %s: %s\n", input_name,
			strerror(claimctl_reader_error(reader)));
		goto out;
	}
	exit_code = CLAIMCTL_EXIT_OK;
	if (a.summary)
		print_summary(&a);
out:
	claimctl_reader_stop(reader);
	yb_buf_free(&a.text);
	if (in != NULL && in != stdin)
		fclose(in);
	yb_ledger_destroy(a.ledger);
	yb_fraud_state_destroy(a.fraud);
	free(a.found);
	free(a.sets);
	return exit_code;
}
