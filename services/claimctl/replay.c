/*
 * claimctl replay: take the pipeline's decisions again from the topics, for auditors.
 *
 * The input topics and the settlements are read as they stood when the replay starts
 * (io/snapshot.h: up to the last stable offsets, read_committed, no group, no commits) and
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
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "codec/avro.h"
#include "codec/json.h"
#include "history.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "rules/date.h"
#include "rules/error.h"

#define ARENA_SIZE (1u << 20)

static const char *const funds[] = {
    "fund_pay_fen",       "critical_illness_pay_fen", "large_relief_pay_fen",
    "assistance_pay_fen", "personal_account_pay_fen", "cash_pay_fen"};
#define FUNDS       6
#define MAX_SCHEMES 16

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

typedef struct impact {
	char scheme[48];
	uint64_t changed;
	int64_t delta[FUNDS];
} impact;

typedef struct replay {
	history h;
	bool as_of_now;
	int64_t from, to, from_offset, to_offset;
	long show;
	size_t shown;
	yb_avro *avro;
	char *arena;
	yb_buf text;
	uint64_t compared, identical, differing, missing, duplicates, refused, paid_differently;
	impact impacts[MAX_SCHEMES];
	int nimpacts;
	json_t *diffs, *missing_claims;
} replay;

static void replay_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: claimctl replay [options]\n"
	    "\n"
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
	    "With --policies DIR it is a what-if: the same history under changed policies,\n"
	    "reporting exactly which claims change and the fund impact by scheme and fund.\n"
	    "\n"
	    "Options:\n"
	    "      --from TIME|OFFSET   compare claims stamped from TIME (ISO-8601 with offset),\n"
	    "                           or from this offset of the claims topic's partitions\n"
	    "      --to TIME|OFFSET     ... and before TIME or OFFSET (default: all)\n"
	    "      --audit              judge as recorded and compare (the default)\n"
	    "      --as-of-now          judge on everything known now; list what changes\n"
	    "  -p, --policies DIR       the policies to replay under (default: as adjudicate)\n"
	    "      --json FILE          write the full report as JSON to FILE\n"
	    "      --export FILE        write the inputs the pipeline took as JSON Lines, in an\n"
	    "                           order in which claimctl adjudicate FILE gives the\n"
	    "                           pipeline's settlements (each claim after exactly what it\n"
	    "                           was judged on); nothing is compared\n"
	    "      --show N             differing claims to list (default 10)\n"
	    "      --topic-prefix P     read P.institutions, P.claims, ... (a test's own set)\n"
	    "  -b, --brokers HOST:PORT  bootstrap servers (env YB_BROKERS;\n"
	    "                           default " CLAIMCTL_DEFAULT_BROKERS ")\n"
	    "  -X KEY=VALUE             librdkafka property, repeatable (as kcat -X)\n"
	    "  -h, --help               this text\n"
	    "\n"
	    "Exit status: 0 when the replay ran (whatever it found), 1 when it could not.\n");
}

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

static impact *impact_of(replay *r, const char *scheme)
{
	for (int k = 0; k < r->nimpacts; k++) {
		if (strcmp(r->impacts[k].scheme, scheme) == 0)
			return &r->impacts[k];
	}
	if (r->nimpacts == MAX_SCHEMES)
		return NULL;
	snprintf(r->impacts[r->nimpacts].scheme, sizeof(r->impacts[0].scheme), "%s", scheme);
	return &r->impacts[r->nimpacts++];
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

static int compare(const history_decision *d, void *opaque)
{
	replay *r = opaque;
	yb_record out = {.type = YB_RECORD_SETTLEMENT};
	const yb_settlement *s = d->settlement;
	json_t *was, *now, *diff;
	bool had_judged_on = false, decides = false;
	impact *im;

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
	if (was == NULL || yb_json_format(&out, &r->text) != YB_OK) {
		json_decref(was);
		return YB_ENOMEM;
	}
	now = json_loadb((const char *)r->text.data, r->text.len, 0, NULL);
	if (json_equal(was, now)) {
		r->identical++;
		json_decref(was);
		json_decref(now);
		return 0;
	}
	diff = field_diff(was, now);
	for (size_t k = 0; k < DECISIVE; k++)
		decides |= json_object_get(diff, decisive[k]) != NULL;
	if (r->as_of_now && !decides) {
		/* Only the trace, the year's totals or what it was judged on: the same answer. */
		r->identical++;
		json_decref(diff);
		json_decref(was);
		json_decref(now);
		return 0;
	}
	r->differing++;
	r->paid_differently += decides;
	if ((im = impact_of(r, s->scheme)) != NULL) {
		im->changed++;
		for (int f = 0; f < FUNDS; f++)
			im->delta[f] += json_integer_value(json_object_get(now, funds[f])) -
					json_integer_value(json_object_get(was, funds[f]));
	}
	if ((long)r->shown < r->show) {
		const char *k;
		json_t *v;

		if (r->as_of_now) {
			char *before = json_dumps(json_object_get(was, "reasons"), JSON_COMPACT);
			char *after = json_dumps(json_object_get(now, "reasons"), JSON_COMPACT);

			printf("changes: %s (%s, %s): %s %s -> %s %s, fund %" JSON_INTEGER_FORMAT
			       " -> %" JSON_INTEGER_FORMAT " fen\n",
			       s->claim_id, s->member_id, s->scheme,
			       json_string_value(json_object_get(was, "status")),
			       before != NULL ? before : "[]",
			       json_string_value(json_object_get(now, "status")),
			       after != NULL ? after : "[]",
			       json_integer_value(json_object_get(was, "fund_pay_fen")),
			       json_integer_value(json_object_get(now, "fund_pay_fen")));
			free(before);
			free(after);
		} else {
			printf("differs: %s (%s):", s->claim_id, s->scheme);
			json_object_foreach (diff, k, v) {
				if (strcmp(k, "trace") != 0 && strcmp(k, "accumulators") != 0)
					printf(" %s", k);
			}
			printf("\n");
		}
		r->shown++;
	}
	json_array_append_new(
	    r->diffs,
	    json_pack("{s:s, s:s, s:s, s:I, s:o, s:{s:O, s:O, s:O}, s:{s:O, s:O, s:O}}", "claim_id",
		      s->claim_id, "member_id", s->member_id, "scheme", s->scheme, "benefit_year",
		      (json_int_t)s->benefit_year, "fields", diff, "recorded", "status",
		      json_object_get(was, "status"), "reasons", json_object_get(was, "reasons"),
		      "fund_pay_fen", json_object_get(was, "fund_pay_fen"), "now", "status",
		      json_object_get(now, "status"), "reasons", json_object_get(now, "reasons"),
		      "fund_pay_fen", json_object_get(now, "fund_pay_fen")));
	json_decref(was);
	json_decref(now);
	return 0;
}

static void print_report(const replay *r, const char *policies, const history_counts *counts)
{
	printf("\n%s under %s\n",
	       r->as_of_now ? "Re-adjudication as of now (everything the topics hold)"
			    : "Audit replay (each claim on what it was judged on)",
	       policies);
	printf("  compared   %10" PRIu64 "\n  %-10s %10" PRIu64 "\n  %-10s %10" PRIu64 "  (%" PRIu64
	       " in an amount, the status or the reasons)\n"
	       "  missing    %10" PRIu64 "  (no recorded settlement: not settled yet)\n"
	       "  duplicates %10" PRIu64 "  (repeated claim_ids, not compared)\n"
	       "  dead letters %8" PRIu64 "  (claims-topic messages the pipeline cannot take)\n",
	       r->compared, r->as_of_now ? "unchanged" : "identical", r->identical,
	       r->as_of_now ? "changed" : "differing", r->differing, r->paid_differently,
	       r->missing, r->duplicates, r->refused);
	if (counts->refused_events > 0)
		printf("  %" PRIu64 " enrollment or payment message(s) dead-lettered by the "
		       "pipeline\n",
		       counts->refused_events);
	if (r->h.undecodable > 0)
		printf("  %zu settlement message(s) could not be decoded\n", r->h.undecodable);
	if (r->nimpacts > 0) {
		printf("\nFund impact of the %s, yuan (%s - recorded)\n",
		       r->as_of_now ? "changes" : "differences",
		       r->as_of_now ? "as of now" : "replayed");
		printf("  %-20s %8s %14s %14s %14s %14s %14s %14s\n", "scheme", "claims", "fund",
		       "critical", "large_relief", "assistance", "account", "cash");
		for (int k = 0; k < r->nimpacts; k++) {
			printf("  %-20s %8" PRIu64, r->impacts[k].scheme, r->impacts[k].changed);
			for (int f = 0; f < FUNDS; f++) {
				char yuan[32];

				yb_money_format_yuan(yuan, sizeof(yuan),
						     yb_fen(r->impacts[k].delta[f]));
				printf(" %14s", yuan);
			}
			printf("\n");
		}
	}
}

static int write_json(const replay *r, const char *policies, const char *path)
{
	json_t *impact_json = json_object();
	json_t *report;
	int rc;

	for (int k = 0; k < r->nimpacts; k++) {
		json_t *byfund = json_object();

		for (int f = 0; f < FUNDS; f++)
			json_object_set_new(byfund, funds[f], json_integer(r->impacts[k].delta[f]));
		json_object_set_new(impact_json, r->impacts[k].scheme, byfund);
	}
	report =
	    json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:o}", "mode",
		      r->as_of_now ? "as-of-now" : "audit", "policies", policies, "compared",
		      (json_int_t)r->compared, "identical", (json_int_t)r->identical, "differing",
		      (json_int_t)r->differing, "paid_differently", (json_int_t)r->paid_differently,
		      "missing", (json_int_t)r->missing, "duplicates", (json_int_t)r->duplicates,
		      "dead_letters", (json_int_t)r->refused, "differences", r->diffs,
		      "missing_claims", r->missing_claims, "fund_delta_fen", impact_json);
	rc = report != NULL && json_dump_file(report, path, JSON_INDENT(1)) == 0 ? YB_OK : YB_EIO;
	json_decref(report);
	return rc;
}

int claimctl_replay(int argc, char **argv)
{
	enum {
		OPT_FROM = 1000,
		OPT_TO,
		OPT_JSON,
		OPT_SHOW,
		OPT_AUDIT,
		OPT_NOW,
		OPT_PREFIX,
		OPT_EXPORT
	};
	static const struct option options[] = {
	    {"from", required_argument, NULL, OPT_FROM},
	    {"to", required_argument, NULL, OPT_TO},
	    {"policies", required_argument, NULL, 'p'},
	    {"json", required_argument, NULL, OPT_JSON},
	    {"show", required_argument, NULL, OPT_SHOW},
	    {"audit", no_argument, NULL, OPT_AUDIT},
	    {"as-of-now", no_argument, NULL, OPT_NOW},
	    {"export", required_argument, NULL, OPT_EXPORT},
	    {"topic-prefix", required_argument, NULL, OPT_PREFIX},
	    {"brokers", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const input_names[] = {"institutions", "enrollments", "payments",
						  "claims"};
	const char *topic_names[4];
	char inputs[4][256], settlements[256];
	const char *prefix = "";
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	const char *policies = NULL, *json_path = NULL, *export_path = NULL;
	int opt, exit_code = CLAIMCTL_EXIT_USAGE;
	yb_props *props = yb_props_new();
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	yb_ledger *ledger = NULL;
	history_counts counts;
	replay r;
	char errstr[512];

	memset(&r, 0, sizeof(r));
	r.from = INT64_MIN;
	r.to = INT64_MAX;
	r.to_offset = INT64_MAX;
	r.show = 10;
	r.diffs = json_array();
	r.missing_claims = json_array();
	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "p:b:X:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_FROM:
		case OPT_TO: {
			char *end;
			long long offset = strtoll(optarg, &end, 10);

			if (*end == '\0' && end != optarg && offset >= 0) {
				/* An offset of the claims topic, in every partition. */
				if (opt == OPT_FROM)
					r.from_offset = offset;
				else
					r.to_offset = offset;
			} else if (yb_instant_parse(optarg, strlen(optarg),
						    opt == OPT_FROM ? &r.from : &r.to) != 0) {
				fprintf(stderr,
					"claimctl replay: '%s' is neither a time with offset nor a "
					"claims-topic offset\n",
					optarg);
				goto out;
			}
			break;
		}
		case OPT_PREFIX:
			prefix = optarg;
			break;
		case OPT_AUDIT:
			r.as_of_now = false;
			break;
		case OPT_NOW:
			r.as_of_now = true;
			break;
		case 'p':
			policies = optarg;
			break;
		case OPT_JSON:
			json_path = optarg;
			break;
		case OPT_EXPORT:
			export_path = optarg;
			break;
		case OPT_SHOW:
			r.show = strtol(optarg, NULL, 10);
			break;
		case 'b':
			brokers = optarg;
			break;
		case 'X':
			if (claimctl_kafka_property(props, "replay", optarg) != YB_OK)
				goto out;
			break;
		case 'h':
			replay_usage(stdout);
			exit_code = CLAIMCTL_EXIT_OK;
			goto out;
		default:
			replay_usage(stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "claimctl replay: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	exit_code = CLAIMCTL_EXIT_FAILURE;
	for (int t = 0; t < 4; t++) {
		claimctl_topic_name(prefix, input_names[t], inputs[t], sizeof(inputs[t]));
		topic_names[t] = inputs[t];
	}
	claimctl_topic_name(prefix, "settlements", settlements, sizeof(settlements));
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);
	policies = policies != NULL ? policies : claimctl_policies_dir(NULL);
	if (yb_policy_load_dir(policies, &sets, &set_count, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl replay: %s\n", errstr);
		goto out;
	}
	r.arena = malloc(ARENA_SIZE);
	if (r.arena == NULL || r.diffs == NULL || r.missing_claims == NULL ||
	    yb_avro_new(&r.avro, errstr, sizeof(errstr)) != YB_OK ||
	    yb_ledger_new(&ledger, sets, set_count) != YB_OK)
		goto out;
	if (export_path != NULL) {
		FILE *out = NULL;
		uint64_t written = 0;

		if (history_read(&r.h, props, topic_names, settlements, "replay", errstr,
				 sizeof(errstr)) != YB_OK ||
		    (out = fopen(export_path, "w")) == NULL ||
		    history_export(&r.h, ledger, out, &written, errstr, sizeof(errstr)) != YB_OK ||
		    fclose(out) != 0) {
			fprintf(stderr, "claimctl replay: %s\n",
				out == NULL ? "cannot write the export file" : errstr);
			goto out;
		}
		fprintf(stderr, "claimctl replay: %" PRIu64 " records written to %s\n", written,
			export_path);
		exit_code = CLAIMCTL_EXIT_OK;
		goto out;
	}
	if (history_read(&r.h, props, topic_names, settlements, "replay", errstr, sizeof(errstr)) !=
		YB_OK ||
	    history_replay(&r.h, ledger, r.as_of_now ? HISTORY_AS_OF_NOW : HISTORY_AS_JUDGED, NULL,
			   compare, &r, &counts, errstr, sizeof(errstr)) < 0) {
		fprintf(stderr, "claimctl replay: %s\n", errstr);
		goto out;
	}
	print_report(&r, policies, &counts);
	if (json_path != NULL && write_json(&r, policies, json_path) != YB_OK) {
		fprintf(stderr, "claimctl replay: cannot write %s\n", json_path);
		goto out;
	}
	exit_code = CLAIMCTL_EXIT_OK;
out:
	history_free(&r.h);
	yb_avro_destroy(r.avro);
	free(r.arena);
	yb_ledger_destroy(ledger);
	yb_buf_free(&r.text);
	json_decref(r.diffs);
	json_decref(r.missing_claims);
	free(sets);
	yb_props_destroy(props);
	return exit_code;
}
