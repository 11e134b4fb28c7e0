/*
 * enrollment-svc: enrollments and payments → each member's coverage history in Redis.
 *
 * It consumes the enrollments and payments topics in its group, admits every event as the
 * ledger would take it (keyed by its member_id, a known scheme, what a payment's kind
 * needs), and adds it to the member's history ({m:<member_id>}:ev, scored by event time,
 * with the partition and offset it was read at; store/member_store.h). After each batch it
 * records how far it has applied each partition (progress:<topic>:<partition>): the
 * adjudicator waits for that to pass the partitions' stable ends before it judges a claim,
 * and judges the claim on exactly the events before those ends, stamped at or before the
 * claim (docs/ARCHITECTURE.md, "What a claim is judged on").
 *
 * Anything that cannot be decoded or validated goes to the dead-letter topic with the reason
 * and the original bytes, in the same transaction as the batch's offsets; the Redis writes
 * come first and are idempotent, so a batch read again after a crash changes nothing twice.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/avro.h"
#include "service/batch_loop.h"
#include "io/log.h"
#include "store/member_store.h"
#include "io/metrics.h"
#include "io/policy_files.h"
#include "redis/redis.h"
#include "service/service.h"
#include "ledger/ledger.h"
#include "base/error.h"

#define ARENA_SIZE   (4u << 20)
#define MAX_PROGRESS 256

static const yb_config_key config_keys[] = {
    {"group", YB_CONFIG_STRING, "yb-enrollment", 0, 0, "the consumer group"},
    {"instance.id", YB_CONFIG_STRING, "0", 0, 0,
     "this instance's name in the group; the transactional.id is <group>-<instance.id>"},
    {"batch.max", YB_CONFIG_INT, "5000", 1, 1000000, "most messages in one batch"},
    {"batch.linger.ms", YB_CONFIG_INT, "20", 0, 10000,
     "how long a batch waits for more messages after its first"},
    {"debug.exit.before.commit", YB_CONFIG_INT, "0", 0, 1000000,
     "tests only: exit (status 70) right after the Nth batch's Redis writes, before its "
     "Kafka commit, the worst moment to crash; 0: never"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9311", 0, 0,
     "where /metrics and /healthz are served"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

typedef struct progress {
	char topic[128];
	int32_t partition;
	int64_t next;
} progress;

typedef struct enrollment_svc {
	yb_service svc;
	const yb_props *cfg;
	yb_batch_loop loop;
	yb_ledger *checker;
	yb_redis *redis;
	yb_member_key *member_key; /* NULL: member ids in clear in key names */
	yb_member_store *store;
	yb_avro *avro;
	char *arena_memory;
	progress marks[MAX_PROGRESS]; /* how far each partition is applied, this batch */
	size_t mark_count;
	size_t queued; /* replies the batch's Redis writes will bring */
	uint64_t applied, applied_in_batch;
} enrollment_svc;

static void mark(enrollment_svc *e, const char *topic, int32_t partition, int64_t next)
{
	for (size_t i = 0; i < e->mark_count; i++) {
		if (e->marks[i].partition == partition && strcmp(e->marks[i].topic, topic) == 0) {
			if (next > e->marks[i].next)
				e->marks[i].next = next;
			return;
		}
	}
	if (e->mark_count == MAX_PROGRESS)
		return;
	snprintf(e->marks[e->mark_count].topic, sizeof(e->marks[0].topic), "%s", topic);
	e->marks[e->mark_count].partition = partition;
	e->marks[e->mark_count].next = next;
	e->mark_count++;
}

/* A partition's end (after a transaction marker, say) is progress too. */
static void at_end(void *service, const char *topic, int32_t partition, int64_t end_offset)
{
	mark(service, topic, partition, end_offset);
}

static void metrics(void *service, yb_buf *text)
{
	const enrollment_svc *e = service;

	yb_metrics_counter(text, "yb_events_applied_total",
			   "Enrollment and payment events added to member histories.", "",
			   e->applied);
}

/*
 * Decode and admit each event as the ledger will take it; queue the admitted ones into
 * their members' histories, dead-letter the rest.
 */
static int process(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	enrollment_svc *e = service;
	const char *enrollments = yb_props_get(e->cfg, "topic.enrollments");

	e->queued = 0;
	e->applied_in_batch = 0;
	for (size_t i = 0; i < b->count; i++) {
		const yb_message *m = &b->msgs[i].m;
		yb_arena arena;
		yb_record rec;
		bool enrollment = strcmp(m->topic, enrollments) == 0;
		char why[512];
		int rc;

		mark(e, m->topic, m->partition, m->offset + 1);
		yb_arena_init(&arena, e->arena_memory, ARENA_SIZE);
		rc = yb_avro_decode(e->avro, m->value, m->len, &arena, &rec, why, sizeof(why));
		if (rc == YB_OK &&
		    rec.type != (enrollment ? YB_RECORD_ENROLLMENT : YB_RECORD_PAYMENT)) {
			snprintf(why, sizeof(why), "a %s record on the %s topic",
				 yb_record_desc_of(rec.type)->name, m->topic);
			rc = YB_EINVAL;
		}
		/* What the adjudicator's ledger will take: keyed by its member_id (so it is in
		 * its member's partition), a known scheme, what its kind needs. */
		if (rc == YB_OK)
			rc = yb_ledger_admit(e->checker, &rec, m->key != NULL ? m->key : "",
					     m->key_len, why, sizeof(why));
		if (rc < 0) {
			rc = yb_batch_loop_dead_letter(&e->loop, m, why, errstr, errlen);
			if (rc != YB_OK)
				return rc;
			continue;
		}
		/* Scored by its own event time (event_time, paid_at), not the message's
		 * timestamp: the history is in event-time order whoever produced it. */
		rc = yb_member_store_queue_event(
		    e->store, enrollment ? rec.as.enrollment.member_id : rec.as.payment.member_id,
		    yb_record_time(&rec),
		    enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT, m->partition,
		    m->offset, m->value, m->len);
		if (rc != YB_OK) {
			snprintf(errstr, errlen, "queueing an event: %s", yb_strerror(rc));
			return rc;
		}
		e->queued++;
		e->applied_in_batch++;
	}
	return YB_OK;
}

/* The events and each partition's progress, one round trip; idempotent. */
static int write(void *service, const yb_batch *b, char *errstr, size_t errlen)
{
	enrollment_svc *e = service;
	int rc;

	(void)b;
	for (size_t i = 0; i < e->mark_count; i++, e->queued++)
		yb_member_store_queue_progress(e->store, e->marks[i].topic, e->marks[i].partition,
					       e->marks[i].next);
	e->mark_count = 0;
	rc = yb_member_store_sync(e->store, e->queued, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	/* On the replicas before the commit: a failover must not lose committed events. */
	return yb_redis_wait_written(e->redis, errstr, errlen);
}

static void after_commit(void *service, const yb_batch *b)
{
	enrollment_svc *e = service;

	(void)b;
	e->applied += e->applied_in_batch;
}

static int reconnect(void *service, char *errstr, size_t errlen)
{
	enrollment_svc *e = service;
	int rc;

	yb_member_store_reset(e->store);
	rc = yb_redis_reconnect(e->redis, errstr, errlen);
	if (rc == YB_OK)
		yb_member_store_reconnected(e->store);
	return rc;
}

static const yb_batch_steps steps = {
    .process = process,
    .write = write,
    .after_commit = after_commit,
    .reconnect = reconnect,
    .at_end = at_end,
    .metrics = metrics,
};

static int setup(enrollment_svc *e, char *errstr, size_t errlen)
{
	const yb_props *cfg = e->cfg;
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	const char *topics[] = {yb_props_get(cfg, "topic.enrollments"),
				yb_props_get(cfg, "topic.payments")};
	int rc =
	    yb_policy_load_dir(yb_props_get(cfg, "policies"), &sets, &set_count, errstr, errlen);

	if (rc == YB_OK)
		rc = yb_ledger_new(&e->checker, sets, set_count);
	free(sets);
	if (rc == YB_OK)
		rc = yb_avro_new(&e->avro, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	rc = yb_service_redis_connect(cfg, &e->redis, &e->member_key, errstr, errlen);
	if (rc == YB_OK)
		rc = yb_member_store_new(&e->store, e->redis, yb_props_get(cfg, "redis.prefix"),
					 e->member_key);
	if (rc == YB_OK)
		rc = yb_batch_loop_init(&e->loop, &e->svc, topics, 2, &steps, e, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	e->arena_memory = malloc(ARENA_SIZE);
	return e->arena_memory != NULL ? YB_OK : YB_ENOMEM;
}

static void teardown(enrollment_svc *e)
{
	yb_batch_loop_destroy(&e->loop);
	yb_member_store_destroy(e->store);
	yb_member_key_destroy(e->member_key);
	yb_redis_destroy(e->redis);
	yb_ledger_destroy(e->checker);
	yb_avro_destroy(e->avro);
	free(e->arena_memory);
	yb_daemon_stop(&e->svc);
}

int main(int argc, char **argv)
{
	static enrollment_svc e;
	char errstr[512];
	int status = yb_service_start(
	    &e.svc, "enrollment-svc",
	    "Consume enrollments and payments and keep each member's coverage history in\n"
	    "Redis, for the adjudicator to fold up to each claim's time. Invalid events go to\n"
	    "the dead-letter topic with the reason.",
	    argc, argv, config_keys, KEYS);

	if (status >= 0)
		return status;
	e.cfg = e.svc.config;
	if (setup(&e, errstr, sizeof(errstr)) != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
		teardown(&e);
		return 1;
	}
	/* The endpoint was validated: it holds no '@', no credentials. */
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:s, s:s, s:i}", "brokers",
	       yb_props_get(e.cfg, "kafka.bootstrap.servers"), "redis", yb_redis_endpoint(e.redis),
	       "member_keys", e.member_key != NULL ? "hmac" : "clear", "http_port",
	       yb_http_port(e.svc.http));
	status = yb_batch_loop_run(&e.loop);
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I, s:I, s:I}", "consumed", (json_int_t)e.loop.c.consumed,
	       "applied", (json_int_t)e.applied, "dead_lettered",
	       (json_int_t)e.loop.c.dead_lettered);
	teardown(&e);
	return status;
}
