/*
 * enrollment-svc: enrollments and payments → each member's coverage history in Redis.
 *
 * It consumes the enrollments and payments topics in its group, admits every event as the
 * ledger would take it (keyed by its member_id, a known scheme, what a payment's kind
 * needs), and adds it to the member's history ({m:<member_id>}:ev, scored by event time,
 * with the partition and offset it was read at; io/member_store.h). After each batch it
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
#include "io/log.h"
#include "io/member_store.h"
#include "io/metrics.h"
#include "io/policy_files.h"
#include "io/redis.h"
#include "io/service.h"
#include "io/stream.h"
#include "ledger/ledger.h"
#include "rules/error.h"

#define ARENA_SIZE   (4u << 20)
#define MAX_PROGRESS 256

static const yb_config_key config_keys[] = {
    {"group", YB_CONFIG_STRING, "yb-enrollment", 0, 0, "the consumer group"},
    {"instance.id", YB_CONFIG_STRING, "0", 0, 0,
     "this instance's name in the group; the transactional.id is <group>-<instance.id>"},
    {"batch.max", YB_CONFIG_INT, "5000", 1, 1000000, "most messages in one batch"},
    {"batch.linger.ms", YB_CONFIG_INT, "20", 0, 10000,
     "how long a batch waits for more messages after its first"},
    {"http.listen", YB_CONFIG_HOSTPORT, "127.0.0.1:9311", 0, 0,
     "where /metrics and /healthz are served"},
};
#define KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

typedef struct progress {
	char topic[128];
	int32_t partition;
	int64_t next;
} progress;

typedef struct counters {
	uint64_t consumed, applied, dead_lettered, redis_errors, batches, rewinds;
	yb_histogram batch_ms;
} counters;

typedef struct service_state {
	progress marks[MAX_PROGRESS];
	size_t mark_count;
} service_state;

static void mark(service_state *st, const char *topic, int32_t partition, int64_t next)
{
	for (size_t i = 0; i < st->mark_count; i++) {
		if (st->marks[i].partition == partition && strcmp(st->marks[i].topic, topic) == 0) {
			if (next > st->marks[i].next)
				st->marks[i].next = next;
			return;
		}
	}
	if (st->mark_count == MAX_PROGRESS)
		return;
	snprintf(st->marks[st->mark_count].topic, sizeof(st->marks[0].topic), "%s", topic);
	st->marks[st->mark_count].partition = partition;
	st->marks[st->mark_count].next = next;
	st->mark_count++;
}

static void on_end(const char *topic, int32_t partition, int64_t end_offset, void *opaque)
{
	mark(opaque, topic, partition, end_offset);
}

static void publish(yb_service *svc, yb_stream *stream, const counters *c, bool healthy,
		    const char *reason)
{
	yb_buf text = {0};

	yb_metrics_counter(&text, "yb_consumed_total", "Messages consumed.", "", c->consumed);
	yb_metrics_counter(&text, "yb_events_applied_total",
			   "Enrollment and payment events added to member histories.", "",
			   c->applied);
	yb_metrics_counter(&text, "yb_dead_lettered_total",
			   "Messages sent to the dead-letter topic.", "", c->dead_lettered);
	yb_metrics_counter(&text, "yb_redis_errors_total", "Redis failures (batch retried).", "",
			   c->redis_errors);
	yb_metrics_counter(&text, "yb_batches_total", "Batches committed.", "", c->batches);
	yb_metrics_counter(&text, "yb_rewinds_total", "Batches aborted and read again.", "",
			   c->rewinds);
	yb_metrics_histogram(&text, "yb_batch_duration_seconds",
			     "Time to apply and commit one batch.", &c->batch_ms);
	yb_stream_lag_metrics(stream, &text);
	yb_service_publish(svc, &text, healthy, reason);
	yb_buf_free(&text);
}

int main(int argc, char **argv)
{
	yb_service svc;
	int status = yb_service_start(
	    &svc, "enrollment-svc",
	    "Consume enrollments and payments and keep each member's coverage history in\n"
	    "Redis, for the adjudicator to fold up to each claim's time. Invalid events go to\n"
	    "the dead-letter topic with the reason.",
	    argc, argv, config_keys, KEYS);
	const yb_props *cfg;
	yb_policy_set *sets = NULL;
	size_t set_count = 0;
	yb_ledger *checker = NULL;
	yb_redis *redis = NULL;
	yb_member_store *store = NULL;
	yb_stream *stream = NULL;
	yb_avro *avro = NULL;
	yb_stream_message *batch = NULL;
	char *arena_memory = NULL;
	char errstr[512], host[256], txn_id[512];
	int port;
	service_state st = {0};
	counters c = {0};
	int64_t last_publish = 0;

	if (status >= 0)
		return status;
	status = 1;
	cfg = svc.config;
	if (yb_policy_load_dir(yb_props_get(cfg, "policies"), &sets, &set_count, errstr,
			       sizeof(errstr)) != YB_OK ||
	    yb_ledger_new(&checker, sets, set_count) != YB_OK ||
	    yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
		goto out;
	}
	yb_host_port_split(yb_props_get(cfg, "redis"), host, sizeof(host), &port);
	if (yb_redis_connect(&redis, host, port, (int)yb_config_int(cfg, "redis.timeout.ms"),
			     errstr, sizeof(errstr)) != YB_OK ||
	    yb_member_store_new(&store, redis, yb_props_get(cfg, "redis.prefix")) != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
		goto out;
	}
	snprintf(txn_id, sizeof(txn_id), "%s-%s", yb_props_get(cfg, "group"),
		 yb_props_get(cfg, "instance.id"));
	{
		const char *topics[] = {yb_props_get(cfg, "topic.enrollments"),
					yb_props_get(cfg, "topic.payments")};

		if (yb_stream_new(&stream, cfg, yb_props_get(cfg, "group"),
				  yb_service_static_instance(&svc), txn_id, topics, 2, errstr,
				  sizeof(errstr)) != YB_OK) {
			YB_LOG(YB_LOG_ERROR, "start_failed", "{s:s}", "err", errstr);
			goto out;
		}
	}
	batch = calloc((size_t)yb_config_int(cfg, "batch.max"), sizeof(*batch));
	arena_memory = malloc(ARENA_SIZE);
	if (batch == NULL || arena_memory == NULL)
		goto out;
	YB_LOG(YB_LOG_INFO, "started", "{s:s, s:s, s:i}", "brokers",
	       yb_props_get(cfg, "kafka.bootstrap.servers"), "redis", yb_props_get(cfg, "redis"),
	       "http_port", yb_http_port(svc.http));
	publish(&svc, stream, &c, true, NULL);

	while (!yb_service_stopping()) {
		int n = yb_stream_poll(stream, batch, (size_t)yb_config_int(cfg, "batch.max"), 200,
				       (int)yb_config_int(cfg, "batch.linger.ms"), on_end, &st,
				       errstr, sizeof(errstr));
		int64_t started = yb_service_mono_ms();
		size_t queued = 0;
		int rc;

		if (n < 0) {
			YB_LOG(YB_LOG_ERROR, "consume_failed", "{s:s}", "err", errstr);
			goto out;
		}
		if (n == 0 && st.mark_count == 0) {
			if (started - last_publish > 1000) {
				publish(&svc, stream, &c, true, NULL);
				last_publish = started;
			}
			continue;
		}
		c.consumed += (uint64_t)n;
		if (yb_stream_begin(stream, errstr, sizeof(errstr)) != YB_OK) {
			YB_LOG(YB_LOG_ERROR, "transaction_failed", "{s:s}", "err", errstr);
			goto out;
		}
		for (int i = 0; i < n; i++) {
			const yb_message *m = &batch[i].m;
			yb_arena arena;
			yb_record rec;
			bool enrollment =
			    strcmp(m->topic, yb_props_get(cfg, "topic.enrollments")) == 0;
			const char *member_id;

			mark(&st, m->topic, m->partition, m->offset + 1);
			yb_arena_init(&arena, arena_memory, ARENA_SIZE);
			rc = yb_avro_decode(avro, m->value, m->len, &arena, &rec, errstr,
					    sizeof(errstr));
			if (rc == YB_OK &&
			    rec.type != (enrollment ? YB_RECORD_ENROLLMENT : YB_RECORD_PAYMENT)) {
				snprintf(errstr, sizeof(errstr), "a %s record on the %s topic",
					 yb_record_desc_of(rec.type)->name, m->topic);
				rc = YB_EINVAL;
			}
			/* What the adjudicator's ledger will take: keyed by its member_id (so it
			 * is in its member's partition), a known scheme, what its kind needs. */
			if (rc == YB_OK)
				rc = yb_ledger_admit(checker, &rec, m->key != NULL ? m->key : "",
						     m->key_len, errstr, sizeof(errstr));
			if (rc < 0) {
				if (yb_stream_send_dead_letter(
					stream, yb_props_get(cfg, "topic.dead-letters"), m, errstr,
					errstr, sizeof(errstr)) != YB_OK) {
					YB_LOG(YB_LOG_ERROR, "produce_failed", "{s:s}", "err",
					       errstr);
					goto out;
				}
				c.dead_lettered++;
				continue;
			}
			member_id =
			    enrollment ? rec.as.enrollment.member_id : rec.as.payment.member_id;
			/* Scored by its own event time (event_time, paid_at), not the message's
			 * timestamp: the history is in event-time order whoever produced it. */
			if (yb_member_store_queue_event(
				store, member_id, yb_record_time(&rec),
				enrollment ? YB_LEDGER_RANK_ENROLLMENT : YB_LEDGER_RANK_PAYMENT,
				m->partition, m->offset, m->value, m->len) != YB_OK)
				goto out;
			queued++;
			c.applied++;
		}
		for (size_t i = 0; i < st.mark_count; i++, queued++)
			yb_member_store_queue_progress(store, st.marks[i].topic,
						       st.marks[i].partition, st.marks[i].next);
		st.mark_count = 0;
		rc = yb_member_store_sync(store, queued, errstr, sizeof(errstr));
		if (rc != YB_OK) {
			/* Nothing is committed: the batch is read again once Redis answers. */
			c.redis_errors++;
			YB_LOG(YB_LOG_ERROR, "redis_failed", "{s:s}", "err", errstr);
			publish(&svc, stream, &c, false, errstr);
			if (yb_stream_abort(stream, errstr, sizeof(errstr)) != YB_OK)
				goto out;
			while (!yb_service_stopping() &&
			       yb_redis_reconnect(redis, errstr, sizeof(errstr)) != YB_OK)
				yb_service_sleep_ms(1000);
			yb_member_store_reconnected(store);
			continue;
		}
		rc = yb_stream_commit(stream, errstr, sizeof(errstr));
		if (rc < 0) {
			YB_LOG(YB_LOG_ERROR, "commit_failed", "{s:s}", "err", errstr);
			goto out;
		}
		if (rc == YB_COMMIT_REWOUND)
			c.rewinds++;
		else
			c.batches++;
		yb_histogram_observe(&c.batch_ms, yb_service_mono_ms() - started);
		if (yb_service_mono_ms() - last_publish > 500) {
			publish(&svc, stream, &c, true, NULL);
			last_publish = yb_service_mono_ms();
		}
	}
	status = 0;
	YB_LOG(YB_LOG_INFO, "stopped", "{s:I, s:I, s:I}", "consumed", (json_int_t)c.consumed,
	       "applied", (json_int_t)c.applied, "dead_lettered", (json_int_t)c.dead_lettered);
out:
	yb_stream_destroy(stream);
	yb_member_store_destroy(store);
	yb_redis_destroy(redis);
	yb_ledger_destroy(checker);
	yb_avro_destroy(avro);
	free(sets);
	free(batch);
	free(arena_memory);
	yb_service_stop(&svc);
	return status;
}
