/*
 * claimctl adjudicate: the offline adjudicator (../shared/spec/events.md, "claimctl
 * adjudicate"). Reads input records as JSON Lines in order, keeps the state in memory
 * (common/ledger), adjudicates with the same rule engine as the services, and writes one
 * settlement per claim and reversal, and a dead_letter per line it cannot take, to stdout
 * as JSON Lines. The run goes on after a bad line; the exit status is 0 even then, since a
 * dead letter is an answer: 1 only when the input cannot be read or the policies not loaded.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "claimctl.h"
#include "codec/json.h"
#include "fraud/fraud.h"
#include "io/dead_letter.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "line_reader.h"
#include "rules/error.h"

static void adjudicate_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: claimctl adjudicate [options] [FILE|-]\n"
	    "\n"
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
	    "moved; a repeated event_id of a member is ignored.\n"
	    "\n"
	    "Options:\n"
	    "  -p, --policies DIR  the scheme policies (default: $YB_POLICIES, else ./policies,\n"
	    "                      else the policies/ of the source tree this was built from)\n"
	    "  -f, --fraud-rules FILE  the fraud rules' parameters (default: fraud.conf in the\n"
	    "                      policies directory)\n"
	    "  -n, --no-fraud      settlements only: do not run the fraud rules\n"
	    "  -s, --summary       print counts by status, reason and alert rule to stderr at\n"
	    "                      the end\n"
	    "                      (always when stderr is a terminal)\n"
	    "  -h, --help          this text\n"
	    "\n"
	    "Exit status: 0 when every line was answered (settlement or dead_letter), 1 when the\n"
	    "input or the policies cannot be read, 2 for a wrong command line.\n");
}

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

int claimctl_adjudicate(int argc, char **argv)
{
	static const struct option options[] = {
	    {"policies", required_argument, NULL, 'p'},
	    {"summary", no_argument, NULL, 's'},
	    {"fraud-rules", required_argument, NULL, 'f'},
	    {"no-fraud", no_argument, NULL, 'n'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *policies = NULL, *input_name, *fraud_rules = NULL;
	int opt, summary = isatty(STDERR_FILENO), exit_code = CLAIMCTL_EXIT_FAILURE;
	bool no_fraud = false;
	yb_fraud_params fraud_params;
	yb_fraud_state *fraud = NULL;
	yb_fraud_result *found = NULL;
	uint64_t alerts = 0;
	tally rules = {0};
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	yb_ledger *ledger = NULL;
	char errstr[512];
	FILE *in = NULL;
	claimctl_reader *reader = NULL;
	yb_buf text = {0};
	uint64_t line_no = 0, settlements = 0, dead_letters = 0, duplicates = 0;
	tally statuses = {0}, reasons = {0};
	time_t last_progress = time(NULL);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:sf:nh", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			policies = optarg;
			break;
		case 'f':
			fraud_rules = optarg;
			break;
		case 'n':
			no_fraud = true;
			break;
		case 's':
			summary = 1;
			break;
		case 'h':
			adjudicate_usage(stdout);
			return CLAIMCTL_EXIT_OK;
		default:
			adjudicate_usage(stderr);
			return CLAIMCTL_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "claimctl adjudicate: one input at most\n");
		return CLAIMCTL_EXIT_USAGE;
	}
	policies = claimctl_policies_dir(policies);
	if (yb_policy_load_dir(policies, &sets, &set_count, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl adjudicate: %s\n", errstr);
		return CLAIMCTL_EXIT_FAILURE;
	}
	if (!no_fraud) {
		char path[4096];

		if (fraud_rules == NULL) {
			snprintf(path, sizeof(path), "%s/%s", policies, YB_FRAUD_PARAMS_FILE);
			fraud_rules = path;
		}
		if (yb_fraud_params_load(fraud_rules, &fraud_params, errstr, sizeof(errstr)) !=
		    YB_OK) {
			fprintf(stderr, "claimctl adjudicate: %s\n", errstr);
			free(sets);
			return CLAIMCTL_EXIT_FAILURE;
		}
		if (yb_fraud_state_new(&fraud) != YB_OK || (found = malloc(sizeof(*found))) == NULL)
			goto out;
	}
	in = claimctl_open_input("adjudicate", argv[optind]);
	if (in == NULL || yb_ledger_new(&ledger, sets, set_count) != YB_OK ||
	    claimctl_reader_start(&reader, in) != YB_OK)
		goto out;
	input_name = in == stdin ? "stdin" : argv[optind];
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);

	for (;;) {
		const claimctl_line *l = claimctl_reader_next(reader);
		const yb_settlement *settlement = NULL;
		char source[512];
		int rc;

		if (l == NULL)
			break;
		line_no = l->line_no;
		rc = l->rc;
		if (rc == YB_OK)
			rc =
			    yb_ledger_apply(ledger, l->record, &settlement, errstr, sizeof(errstr));
		else
			snprintf(errstr, sizeof(errstr), "%s", l->error);
		if (rc < 0) {
			snprintf(source, sizeof(source), "%s:%" PRIu64, input_name, l->line_no);
			if (write_dead_letter(source, errstr, l->text, l->len) != YB_OK)
				goto write_failed;
			dead_letters++;
		} else if (rc == 1 && settlement != NULL) {
			yb_record out = {.type = YB_RECORD_SETTLEMENT};

			out.as.settlement = *settlement;
			text.len = 0;
			if (yb_json_format(&out, &text) != YB_OK ||
			    fwrite(text.data, 1, text.len, stdout) != text.len ||
			    putc('\n', stdout) == EOF)
				goto write_failed;
			settlements++;
			if (fraud != NULL && !settlement->duplicate) {
				rc = check_fraud(&fraud_params, fraud, ledger, l, settlement, found,
						 &text);
				if (rc < 0)
					goto write_failed;
				alerts += (uint64_t)rc;
				for (int i = 0; summary && i < found->count; i++)
					tally_add(&rules, found->findings[i].alert.rule);
			}
			if (settlement->duplicate) {
				duplicates++;
			} else if (summary) {
				tally_add(&statuses, intern(settlement->status));
				for (uint32_t i = 0; i < settlement->reasons_count; i++)
					tally_add(&reasons, intern(settlement->reasons[i]));
			}
		}
		if (summary && (line_no & 0xffff) == 0 && time(NULL) - last_progress >= 2) {
			last_progress = time(NULL);
			fprintf(stderr,
				"claimctl adjudicate: %" PRIu64 " lines, %" PRIu64
				" settlements, %" PRIu64 " dead letters\n",
				line_no, settlements, dead_letters);
		}
	}
	if (claimctl_reader_error(reader) != 0) {
		fprintf(stderr, "claimctl adjudicate: reading %s: %s\n", input_name,
			strerror(claimctl_reader_error(reader)));
		goto out;
	}
	if (fflush(stdout) != 0)
		goto write_failed;
	exit_code = CLAIMCTL_EXIT_OK;
	if (summary) {
		fprintf(stderr,
			"claimctl adjudicate: %" PRIu64 " lines: %" PRIu64 " settlements (%" PRIu64
			" duplicates), %" PRIu64 " dead letters, %" PRIu64 " fraud alerts\n",
			line_no, settlements, duplicates, dead_letters, alerts);
		for (int i = 0; i < statuses.n; i++)
			fprintf(stderr, "  %-34s %10" PRIu64 "\n", statuses.key[i],
				statuses.count[i]);
		for (int i = 0; i < reasons.n; i++)
			fprintf(stderr, "  reason %-27s %10" PRIu64 "\n", reasons.key[i],
				reasons.count[i]);
		for (int i = 0; i < rules.n; i++)
			fprintf(stderr, "  alert %-28s %10" PRIu64 "\n", rules.key[i],
				rules.count[i]);
	}
	goto out;
write_failed:
	fprintf(stderr, "claimctl adjudicate: writing: %s\n", strerror(errno));
out:
	claimctl_reader_stop(reader);
	yb_buf_free(&text);
	if (in != NULL && in != stdin)
		fclose(in);
	yb_ledger_destroy(ledger);
	yb_fraud_state_destroy(fraud);
	free(found);
	free(sets);
	return exit_code;
}
