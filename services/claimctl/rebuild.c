/*
 * claimctl rebuild: Redis is a cache; refill it from the topics after it lost its data.
 *
 * It reads the input topics as they stand (kafka/snapshot.h), and the adjudicator group's
 * committed offsets on the claims topic: a claim before them has been settled and its
 * settlement published, a claim after them has not (the adjudicator will settle it when it
 * resumes). It takes the pipeline's decisions again (history.h) through the ledger — the
 * same code the adjudicator runs — each settled claim judged on what its recorded
 * settlement says it was judged on, checks every settlement it reproduces against the
 * recorded one, and writes what the services keep (store/member_store.h): every member's event
 * history, accumulators, personal account and watermark, every settled claim's recorded
 * state with where it was read and its claim_id's registration, and last, enrollment-svc's
 * progress. The adjudicator waits while that progress is missing, so it resumes only once
 * the rebuild is complete.
 *
 * It names the members in key names as the services do: with their key secret
 * (--redis-key-secret-file, the services' redis.key.secret.file) the keyed hash, else the
 * member ids in clear (store/member_key.h). A rebuild under another secret than the
 * services' writes keys they never read.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "codec/avro.h"
#include "history.h"
#include "io/clock.h"
#include "io/config.h"
#include "kafka/kafka.h"
#include "kafka/lag.h"
#include "store/member_store.h"
#include "io/policy_files.h"
#include "redis/redis.h"
#include "kafka/snapshot.h"
#include "ledger/ledger.h"
#include "ledger/strmap.h"
#include "base/error.h"

#define ARENA_SIZE     (1u << 20)
#define MAX_PARTITIONS 1024
#define PIPELINE_CHUNK 2000

typedef struct rebuild {
	yb_strmap *applied; /* member_id → int64: claims and reversals recorded (its version) */
	yb_member_store *store;
	size_t queued;
	yb_buf encoded; /* a reproduced settlement, reused */
	uint64_t members, claims, events;
	uint64_t settled, differing, unrecorded, refused;
	char errstr[512];
} rebuild;

/* What rebuild's command line asks for, and the topics it names. */
typedef struct rebuild_opts {
	const char *brokers, *prefix, *group, *policies, *topic_prefix;
	claimctl_redis redis;
	char inputs[4][256], settlements[256]; /* institutions, enrollments, payments, claims */
} rebuild_opts;

static int rebuild_parse(int argc, char **argv, rebuild_opts *o, yb_props *props)
{
	static const char *const names[] = {"institutions", "enrollments", "payments", "claims"};
	const cli_opt opts[] = {
	    CLI_VALUE("redis", 'r', &o->redis.endpoint, "HOST:PORT",
		      "Redis server, or unix:/path/to/socket (env "
		      "YB_REDIS;\ndefault " CLAIMCTL_DEFAULT_REDIS ")"),
	    CLAIMCTL_REDIS_AUTH_OPTS(&o->redis),
	    CLAIMCTL_REDIS_SECRET_OPT(&o->redis),
	    CLI_VALUE("prefix", 0, &o->prefix, "P", "the services' redis.prefix (default yb:)"),
	    CLI_VALUE("group", 'G', &o->group, "G",
		      "the adjudicator's group (default yb-adjudicator)"),
	    CLI_VALUE("policies", 'p', &o->policies, "DIR",
		      "the policies the services run (default: as adjudicate)"),
	    CLI_VALUE("topic-prefix", 0, &o->topic_prefix, "P",
		      "read P.institutions, P.claims, ... (a test's own set)"),
	    CLI_BROKERS(&o->brokers),
	    CLI_KAFKA(props),
	};
	const cli_command cmd = {
	    "rebuild",
	    "[options]",
	    "Refill Redis from the topics after it lost its data (Redis is a cache; Kafka is\n"
	    "the record): every member's enrollment and payment history, year accumulators,\n"
	    "personal account and recorded claims, as the services keep them, so processing\n"
	    "continues with identical results. The claims settled are those before the\n"
	    "adjudicator group's committed offsets; each settlement the replay reproduces is\n"
	    "checked against the one recorded on the settlements topic. Give it the services'\n"
	    "Redis user, password and key secret: with the same secret it writes the same keys\n"
	    "(each member id as its keyed hash), without one the member ids in clear.",
	    opts,
	    sizeof(opts) / sizeof(opts[0]),
	    "Exit status: 0 rebuilt and every settlement reproduced; 1 it could not, or a\n"
	    "reproduced settlement differs from the recorded one (listed).\n"};
	int rc = cli_parse(&cmd, argc, argv);

	if (rc >= 0)
		return rc;
	for (int t = 0; t < 4; t++)
		claimctl_topic_name(o->topic_prefix, names[t], o->inputs[t], sizeof(o->inputs[t]));
	claimctl_topic_name(o->topic_prefix, "settlements", o->settlements, sizeof(o->settlements));
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", o->brokers);
	o->policies = o->policies != NULL ? o->policies : claimctl_policies_dir(NULL);
	return -1;
}

/* Read the replies of what is queued, every PIPELINE_CHUNK commands (force: all now). */
static int flush(rebuild *r, int force)
{
	size_t n = r->queued;

	if (n == 0 || (!force && n < PIPELINE_CHUNK))
		return YB_OK;
	r->queued = 0;
	return yb_member_store_sync(r->store, n, r->errstr, sizeof(r->errstr));
}

static int write_member(const char *member_id, int64_t pa_spent_fen, int64_t watermark_ms,
			const yb_member_year *years, size_t count, void *opaque)
{
	rebuild *r = opaque;
	const int64_t *version = yb_strmap_get(r->applied, member_id);
	long queued;

	if (version == NULL && count == 0 && pa_spent_fen == 0)
		return YB_OK; /* nothing the adjudicator would have written */
	queued =
	    yb_member_store_queue_member_state(r->store, member_id, version != NULL ? *version : 0,
					       pa_spent_fen, watermark_ms, years, count);
	if (queued < 0)
		return (int)queued;
	r->queued += (size_t)queued;
	r->members++;
	return flush(r, 0);
}

/* A member's version is the number of applies the adjudicator made: one per claim and one
 * per reversal it recorded (records dropped since included). */
static int count_apply(rebuild *r, const char *member_id)
{
	int created;
	int64_t *n = yb_strmap_put(r->applied, member_id, &created);

	if (n == NULL)
		return YB_ENOMEM;
	(*n)++;
	return YB_OK;
}

static int write_claim(const yb_claim_state *claim, void *opaque)
{
	rebuild *r = opaque;
	long queued = yb_member_store_queue_claim_state(r->store, claim);

	if (queued < 0)
		return (int)queued;
	r->queued += (size_t)queued;
	r->claims++;
	return flush(r, 0);
}

/* Each settled claim taken again: compared with the recorded settlement. */
static int check_decision(const history_decision *d, void *opaque)
{
	rebuild *r = opaque;
	yb_record out = {.type = YB_RECORD_SETTLEMENT};

	if (d->refused != NULL) {
		r->refused++; /* dead-lettered by the services */
		return YB_OK;
	}
	if (d->settlement->duplicate)
		return YB_OK;
	if ((d->record->type == YB_RECORD_CLAIM ||
	     strcmp(d->settlement->status, "reversed") == 0) &&
	    count_apply(r, d->settlement->member_id) != YB_OK)
		return YB_ENOMEM;
	r->settled++;
	if (d->recorded == NULL) {
		r->unrecorded++;
		return YB_OK;
	}
	out.as.settlement = *d->settlement;
	if (yb_avro_encode(&out, &r->encoded, r->errstr, sizeof(r->errstr)) == YB_OK &&
	    r->encoded.len == d->recorded->len &&
	    memcmp(r->encoded.data, d->recorded->bytes, d->recorded->len) == 0)
		return YB_OK;
	if (r->differing < 10)
		fprintf(stderr,
			"claimctl rebuild: %s%s: the replay differs from the recorded settlement\n",
			d->settlement->claim_id,
			d->record->type == YB_RECORD_REVERSAL ? " (reversal)" : "");
	r->differing++;
	return YB_OK;
}

/* Every member event the services admitted, into the member histories. */
static int write_events(rebuild *r, history *h, yb_ledger *ledger)
{
	char *arena_memory = malloc(ARENA_SIZE);
	int rc = arena_memory != NULL ? YB_OK : YB_ENOMEM;

	for (size_t i = 0; rc == YB_OK && i < h->count; i++) {
		const history_event *e = &h->events[i];
		yb_arena arena;
		yb_record rec;
		char why[256];
		bool enrollment = e->rank == HISTORY_ENROLLMENTS;

		if (e->rank != HISTORY_ENROLLMENTS && e->rank != HISTORY_PAYMENTS)
			continue;
		yb_arena_init(&arena, arena_memory, ARENA_SIZE);
		if (history_take(h, ledger, e, &arena, &rec, why, sizeof(why)) != YB_OK)
			continue; /* dead-lettered by enrollment-svc */
		rc = yb_member_store_queue_event(
		    r->store, enrollment ? rec.as.enrollment.member_id : rec.as.payment.member_id,
		    yb_record_time(&rec),
		    enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT, e->partition,
		    e->offset, e->value, e->len);
		r->queued++;
		r->events++;
		if (rc == YB_OK)
			rc = flush(r, 0);
	}
	free(arena_memory);
	return rc;
}

/* enrollment-svc's progress once rebuilt: the partitions' ends now, which the history will
 * reach; progress[t][p] for enrollments (t 0) and payments (t 1). */
static int progress_ends(rebuild *r, yb_end_probe *probe, const rebuild_opts *o, int partitions,
			 int64_t progress[2][MAX_PARTITIONS])
{
	static yb_end_query q[2 * MAX_PARTITIONS];
	int rc;

	for (int t = 0; t < 2; t++) {
		for (int p = 0; p < partitions; p++)
			q[t * partitions + p] =
			    (yb_end_query){.topic = o->inputs[1 + t], .partition = p};
	}
	rc = yb_end_probe_stable_ends(probe, q, (size_t)(2 * partitions), 10000, r->errstr,
				      sizeof(r->errstr));
	for (int t = 0; rc == YB_OK && t < 2; t++) {
		for (int p = 0; p < partitions; p++)
			progress[t][p] = q[t * partitions + p].end;
	}
	return rc;
}

/* What the adjudicator has settled and published: the claims before its offsets. */
static void committed_offsets(rebuild *r, yb_props *props, const rebuild_opts *o,
			      int64_t committed[MAX_PARTITIONS])
{
	yb_group_info *groups = NULL;
	yb_partition_lag *parts = NULL;
	size_t ngroups = 0, nparts = 0;

	for (int p = 0; p < MAX_PARTITIONS; p++)
		committed[p] = 0;
	if (yb_kafka_lag(props, o->group, 10000, &groups, &ngroups, &parts, &nparts, r->errstr,
			 sizeof(r->errstr)) == YB_OK) {
		for (size_t i = 0; i < nparts; i++) {
			if (strcmp(parts[i].topic, o->inputs[3]) == 0 && parts[i].partition >= 0 &&
			    parts[i].partition < MAX_PARTITIONS && parts[i].committed > 0)
				committed[parts[i].partition] = parts[i].committed;
		}
	} else {
		fprintf(stderr,
			"claimctl rebuild: group %s has no committed offsets (%s): no claim is "
			"settled yet\n",
			o->group, r->errstr);
	}
	free(groups);
	free(parts);
}

/* Members and claims, then the progress that lets the adjudicator resume. */
static int write_state(rebuild *r, yb_ledger *ledger, const rebuild_opts *o, int partitions,
		       int64_t progress[2][MAX_PARTITIONS])
{
	if (yb_ledger_each_member(ledger, write_member, r) != YB_OK ||
	    yb_ledger_each_claim(ledger, write_claim, r) != YB_OK || flush(r, 1) != YB_OK)
		return YB_EIO;
	for (int t = 0; t < 2; t++) {
		for (int p = 0; p < partitions; p++, r->queued++)
			yb_member_store_queue_progress(r->store, o->inputs[1 + t], p,
						       progress[t][p]);
	}
	return flush(r, 1);
}

static void print_rebuilt(const rebuild *r, const rebuild_opts *o, const history_counts *counts,
			  int64_t took_ms)
{
	printf("rebuilt %" PRIu64 " members (%" PRIu64 " events) and %" PRIu64
	       " recorded claims under '%s' in %" PRId64 " ms\n"
	       "  settled before %s's offsets: %" PRIu64 " (reproduced identical: %" PRIu64
	       ", differing: %" PRIu64 ", not recorded: %" PRIu64 ")\n"
	       "  left for the adjudicator:    %" PRIu64 " claims\n"
	       "  not taken (dead letters):    %" PRIu64 "\n",
	       r->members, r->events, r->claims, o->prefix, took_ms, o->group, r->settled,
	       r->settled - r->differing - r->unrecorded, r->differing, r->unrecorded,
	       counts->skipped, r->refused + counts->refused_events);
}

int claimctl_rebuild(int argc, char **argv)
{
	static rebuild_opts o;
	static rebuild r;
	static int64_t committed[MAX_PARTITIONS], progress[2][MAX_PARTITIONS];
	const char *topic_names[4] = {o.inputs[0], o.inputs[1], o.inputs[2], o.inputs[3]};
	int exit_code, partitions = 0;
	yb_props *props = yb_props_new();
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	yb_ledger *ledger = NULL;
	yb_redis *redis = NULL;
	yb_member_key *key = NULL;
	yb_end_probe *probe = NULL;
	yb_endpoint endpoint;
	const char *why = NULL;
	history h = {0};
	history_counts counts;
	int64_t began = yb_mono_ms();

	o = (rebuild_opts){.brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS),
			   .prefix = "yb:",
			   .group = "yb-adjudicator",
			   .topic_prefix = ""};
	claimctl_redis_from_env(&o.redis);
	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = rebuild_parse(argc, argv, &o, props);
	if (exit_code < 0 && yb_endpoint_parse(o.redis.endpoint, &endpoint, &why) != YB_OK) {
		fprintf(stderr, "claimctl rebuild: --redis '%s' %s\n",
			yb_config_shown(NULL, o.redis.endpoint), why);
		exit_code = CLAIMCTL_EXIT_USAGE;
	}
	if (exit_code >= 0)
		goto out;
	exit_code = CLAIMCTL_EXIT_FAILURE;
	r.applied = yb_strmap_new(sizeof(int64_t));
	if (yb_policy_load_dir(o.policies, &sets, &set_count, r.errstr, sizeof(r.errstr)) !=
		YB_OK ||
	    r.applied == NULL || yb_ledger_new(&ledger, sets, set_count) != YB_OK ||
	    claimctl_redis_connect(&o.redis, true, 10000, &redis, &key, r.errstr,
				   sizeof(r.errstr)) != YB_OK ||
	    yb_member_store_new(&r.store, redis, o.prefix, key) != YB_OK ||
	    (probe = yb_end_probe_new(props, r.errstr, sizeof(r.errstr))) == NULL ||
	    yb_end_probe_partitions(probe, o.inputs[1], 10000, &partitions, r.errstr,
				    sizeof(r.errstr)) != YB_OK ||
	    progress_ends(&r, probe, &o, partitions < MAX_PARTITIONS ? partitions : MAX_PARTITIONS,
			  progress) != YB_OK)
		goto failed;
	partitions = partitions < MAX_PARTITIONS ? partitions : MAX_PARTITIONS;
	committed_offsets(&r, props, &o, committed);
	if (history_read(&h, props, topic_names, o.settlements, "rebuild", r.errstr,
			 sizeof(r.errstr)) != YB_OK ||
	    history_replay(&h, ledger, HISTORY_AS_JUDGED, committed, check_decision, &r, &counts,
			   r.errstr, sizeof(r.errstr)) < 0 ||
	    write_events(&r, &h, ledger) != YB_OK ||
	    write_state(&r, ledger, &o, partitions, progress) != YB_OK)
		goto failed;
	print_rebuilt(&r, &o, &counts, yb_mono_ms() - began);
	exit_code = r.differing == 0 ? CLAIMCTL_EXIT_OK : CLAIMCTL_EXIT_FAILURE;
	goto out;
failed:
	fprintf(stderr, "claimctl rebuild: %s\n", r.errstr);
out:
	history_free(&h);
	yb_end_probe_destroy(probe);
	yb_member_store_destroy(r.store);
	yb_member_key_destroy(key);
	yb_redis_destroy(redis);
	yb_ledger_destroy(ledger);
	yb_strmap_destroy(r.applied, NULL);
	yb_buf_free(&r.encoded);
	free(sets);
	yb_props_destroy(props);
	return exit_code;
}
