/* The services' exactly-once batch loop; see batch_loop.h for its states. */
#include "service/batch_loop.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/log.h"
#include "base/error.h"

#define POLL_WAIT_MS   200
#define PUBLISH_IDLE   1000 /* ms between /metrics updates when idle */
#define PUBLISH_BUSY   500  /* ... and when working */
#define CRASH_EXIT     70   /* debug.exit.before.commit's status, which tests expect */
#define RECONNECT_WAIT 1000

static const char *const phase_names[YB_PHASE_COUNT] = {"prepare", "decode", "read",
							"process", "write",  "commit"};

static void on_end(const char *topic, int32_t partition, int64_t end_offset, void *opaque)
{
	yb_batch_loop *loop = opaque;

	loop->ended = true;
	loop->steps->at_end(loop->service, topic, partition, end_offset);
}

int yb_batch_loop_init(yb_batch_loop *loop, yb_service *svc, const char *const *topics, size_t n,
		       const yb_batch_steps *steps, void *service, char *errstr, size_t errlen)
{
	const yb_props *cfg = svc->config;
	char txn_id[512];
	int rc;

	memset(loop, 0, sizeof(*loop));
	loop->svc = svc;
	loop->steps = steps;
	loop->service = service;
	loop->max = (size_t)yb_config_int(cfg, "batch.max");
	loop->size = loop->max < YB_BATCH_LOOP_MIN ? loop->max : YB_BATCH_LOOP_MIN;
	loop->linger_ms = (int)yb_config_int(cfg, "batch.linger.ms");
	if (yb_props_get(cfg, "debug.exit.before.commit") != NULL)
		loop->crash_after = yb_config_int(cfg, "debug.exit.before.commit");
	loop->dead_letters = yb_props_get(cfg, "topic.dead-letters");
	snprintf(txn_id, sizeof(txn_id), "%s-%s", yb_props_get(cfg, "group"),
		 yb_props_get(cfg, "instance.id"));
	rc = yb_stream_new(&loop->stream, cfg, yb_props_get(cfg, "group"),
			   yb_service_static_instance(svc), txn_id, topics, n, errstr, errlen);
	if (rc != YB_OK)
		return rc;
	loop->batch.msgs = calloc(loop->max, sizeof(*loop->batch.msgs));
	if (loop->batch.msgs == NULL) {
		snprintf(errstr, errlen, "out of memory for a batch of %zu", loop->max);
		return YB_ENOMEM;
	}
	loop->generation = yb_stream_generation(loop->stream);
	return YB_OK;
}

void yb_batch_loop_destroy(yb_batch_loop *loop)
{
	yb_stream_destroy(loop->stream);
	loop->stream = NULL;
	free(loop->batch.msgs);
	loop->batch.msgs = NULL;
}

int yb_batch_loop_send(yb_batch_loop *loop, const char *topic, const char *key, const void *value,
		       size_t len, int64_t timestamp_ms, char *errstr, size_t errlen)
{
	return yb_stream_send(loop->stream, topic, key, value, len, timestamp_ms, errstr, errlen);
}

int yb_batch_loop_dead_letter(yb_batch_loop *loop, const yb_message *m, const char *why,
			      char *errstr, size_t errlen)
{
	int rc =
	    yb_stream_send_dead_letter(loop->stream, loop->dead_letters, m, why, errstr, errlen);

	if (rc == YB_OK)
		loop->batch_dead_letters++;
	return rc == YB_OK ? YB_OK : YB_EIO;
}

void yb_batch_loop_publish(yb_batch_loop *loop, bool healthy, const char *reason)
{
	const yb_batch_counters *c = &loop->c;
	yb_buf text = {0};

	if (loop->steps->metrics != NULL)
		loop->steps->metrics(loop->service, &text);
	yb_metrics_counter(&text, "yb_consumed_total", "Messages consumed and committed.", "",
			   c->consumed);
	yb_metrics_counter(&text, "yb_dead_lettered_total",
			   "Messages sent to the dead-letter topic.", "", c->dead_lettered);
	yb_metrics_counter(&text, "yb_batches_total", "Batches committed.", "", c->batches);
	yb_metrics_counter(&text, "yb_rewinds_total", "Transactions aborted and read again.", "",
			   c->rewinds);
	yb_metrics_counter(&text, "yb_redis_errors_total", "Redis failures (batch retried).", "",
			   c->store_errors);
	yb_metrics_counter(&text, "yb_redis_conflicts_total",
			   "Batches redone because a member moved under them or a message was "
			   "poisoned.",
			   "", c->redone);
	yb_metrics_gauge(&text, "yb_batch_size", "The batch size the loop polls for now.", "",
			 (int64_t)loop->size);
	yb_buf_printf(&text, "# HELP yb_batch_phase_seconds_total Time spent in each step of the "
			     "batch loop.\n# TYPE yb_batch_phase_seconds_total counter\n");
	for (int p = 0; p < YB_PHASE_COUNT; p++)
		yb_buf_printf(&text,
			      "yb_batch_phase_seconds_total{phase=\"%s\"} %" PRId64 ".%03d\n",
			      phase_names[p], c->phase_ms[p] / 1000, (int)(c->phase_ms[p] % 1000));
	yb_metrics_histogram(&text, "yb_batch_duration_seconds",
			     "Time from a batch's poll to its commit.", &c->batch_ms);
	yb_metrics_histogram(&text, "yb_end_to_end_latency_seconds",
			     "From an input's produce (its yb-sent-ms header) to the commit of "
			     "what it gave.",
			     &c->end_to_end_ms);
	yb_stream_lag_metrics(loop->stream, &text);
	yb_daemon_publish(loop->svc, &text, healthy, reason);
	yb_buf_free(&text);
	loop->last_publish = yb_mono_ms();
}

/* Abort and rewind; YB_OK or YB_EIO (logged). */
static int abort_batch(yb_batch_loop *loop)
{
	char errstr[512];

	loop->batch_dead_letters = 0;
	if (yb_stream_abort(loop->stream, errstr, sizeof(errstr)) == YB_OK)
		return YB_OK;
	YB_LOG(YB_LOG_ERROR, "abort_failed", "{s:s}", "err", errstr);
	return YB_EIO;
}

/* A store or a send failed: abort, back off, reconnect. YB_OK to go on, or YB_EIO. */
static int recover(yb_batch_loop *loop, const char *why)
{
	char errstr[512];

	loop->c.store_errors++;
	if (++loop->failures > YB_BATCH_LOOP_MAX_FAILURES) {
		YB_LOG(YB_LOG_ERROR, "batch_failed", "{s:s, s:i}", "err", why, "attempts",
		       loop->failures);
		return YB_EIO;
	}
	/* (a store, or Kafka under the batch: the barrier's offsets, a send) */
	YB_LOG(YB_LOG_ERROR, "batch_retried", "{s:s, s:i}", "err", why, "attempt", loop->failures);
	yb_batch_loop_publish(loop, false, why);
	if (abort_batch(loop) != YB_OK)
		return YB_EIO;
	yb_sleep_ms(loop->failures < 10 ? 200 * loop->failures : 2000);
	for (int attempt = 1; !yb_daemon_stopping() && loop->steps->reconnect != NULL; attempt++) {
		if (loop->steps->reconnect(loop->service, errstr, sizeof(errstr)) == YB_OK)
			break;
		/* Say why, the first time and every minute after: a refused AUTH (a password
		 * changed under the service) does not pass by itself. */
		if (attempt == 1 || attempt % 60 == 0) {
			YB_LOG(YB_LOG_ERROR, "redis_reconnect_failed", "{s:s, s:i}", "err", errstr,
			       "attempt", attempt);
			yb_batch_loop_publish(loop, false, errstr);
		}
		yb_sleep_ms(RECONNECT_WAIT);
	}
	return YB_OK;
}

/* The batch size for the next poll, from how full this one was. */
static void adapt_size(yb_batch_loop *loop, size_t got)
{
	if (got >= loop->size && loop->size < loop->max)
		loop->size = loop->size * 2 < loop->max ? loop->size * 2 : loop->max;
	else if (got < loop->size / 4 && loop->size / 2 >= YB_BATCH_LOOP_MIN)
		loop->size /= 2;
}

/* Run one step, timing it into phase; a NULL step is YB_OK. */
static int step(yb_batch_loop *loop, yb_batch_step fn, int phase, char *errstr, size_t errlen)
{
	int64_t began = yb_mono_ms();
	int rc = fn != NULL ? fn(loop->service, &loop->batch, errstr, errlen) : YB_OK;

	loop->c.phase_ms[phase] += yb_mono_ms() - began;
	return rc;
}

/* PREPARE through WRITE; returns the first step's failure. */
static int work(yb_batch_loop *loop, char *errstr, size_t errlen)
{
	const yb_batch_steps *s = loop->steps;
	int rc = step(loop, s->prepare, YB_PHASE_PREPARE, errstr, errlen);

	if (rc == YB_OK)
		rc = yb_stream_begin(loop->stream, errstr, errlen) == YB_OK ? YB_OK : YB_EIO;
	if (rc == YB_OK)
		rc = step(loop, s->decode, YB_PHASE_DECODE, errstr, errlen);
	if (rc == YB_OK)
		rc = step(loop, s->read, YB_PHASE_READ, errstr, errlen);
	if (rc == YB_OK)
		rc = step(loop, s->process, YB_PHASE_PROCESS, errstr, errlen);
	if (rc == YB_OK)
		rc = step(loop, s->write, YB_PHASE_WRITE, errstr, errlen);
	return rc;
}

/* The committed batch: count it, time it, tell the service. */
static void committed(yb_batch_loop *loop, int64_t polled)
{
	int64_t now = yb_wall_ms();

	loop->c.batches++;
	loop->c.consumed += loop->batch.count;
	loop->c.dead_lettered += loop->batch_dead_letters;
	loop->batch_dead_letters = 0;
	yb_histogram_observe(&loop->c.batch_ms, yb_mono_ms() - polled);
	for (size_t i = 0; i < loop->batch.count; i++) {
		if (loop->batch.msgs[i].sent_ms > 0)
			yb_histogram_observe(&loop->c.end_to_end_ms,
					     now - loop->batch.msgs[i].sent_ms);
	}
	if (loop->steps->after_commit != NULL)
		loop->steps->after_commit(loop->service, &loop->batch);
}

/* One turn: POLL to COMMIT. YB_OK to go on, else the loop ends. */
static int run_batch(yb_batch_loop *loop)
{
	char errstr[512];
	int64_t polled, phase_before[YB_PHASE_COUNT];
	int n, rc;

	loop->ended = false;
	n = yb_stream_poll(loop->stream, loop->batch.msgs, loop->size, POLL_WAIT_MS,
			   loop->linger_ms, loop->steps->at_end != NULL ? on_end : NULL, loop,
			   errstr, sizeof(errstr));
	if (n < 0) {
		YB_LOG(YB_LOG_ERROR, "consume_failed", "{s:s}", "err", errstr);
		return YB_EIO;
	}
	if (yb_stream_generation(loop->stream) != loop->generation) {
		loop->generation = yb_stream_generation(loop->stream);
		if (loop->steps->on_reassign != NULL)
			loop->steps->on_reassign(loop->service);
	}
	loop->batch.count = (size_t)n;
	if (n == 0 && !loop->ended) {
		if (yb_mono_ms() - loop->last_publish > PUBLISH_IDLE)
			yb_batch_loop_publish(loop, true, NULL);
		return YB_OK;
	}
	adapt_size(loop, (size_t)n);
	polled = yb_mono_ms();
	memcpy(phase_before, loop->c.phase_ms, sizeof(phase_before));
	loop->batch_dead_letters = 0;
	rc = work(loop, errstr, sizeof(errstr));
	if (rc != YB_OK && yb_daemon_stopping())
		return abort_batch(loop); /* interrupted (a wait cut short): read again later */
	if (rc == YB_BATCH_REDO) {
		loop->c.redone++;
		YB_LOG(YB_LOG_INFO, "batch_redone", "{s:s}", "why",
		       "a member moved since it was read (another instance, or Redis restarted), "
		       "or a message failed whatever is retried (dead-lettered now)");
		return abort_batch(loop); /* the rewound messages come back in the next poll */
	}
	if (rc == YB_EIO || rc == YB_ETIMEDOUT)
		return recover(loop, errstr);
	if (rc == YB_ENOMEM && loop->size > YB_BATCH_LOOP_MIN) {
		/* The batch did not fit the service's buffers: take fewer from now on. */
		loop->size =
		    loop->size / 2 > YB_BATCH_LOOP_MIN ? loop->size / 2 : YB_BATCH_LOOP_MIN;
		loop->max = loop->size;
		YB_LOG(YB_LOG_WARN, "batch_too_large", "{s:i, s:s}", "batch_max_now",
		       (int)loop->max, "err", errstr);
		return abort_batch(loop);
	}
	if (rc != YB_OK) {
		YB_LOG(YB_LOG_ERROR, "batch_failed", "{s:s}", "err", errstr);
		return YB_EIO;
	}
	loop->failures = 0;
	if (++loop->written == loop->crash_after) {
		YB_LOG(YB_LOG_WARN, "debug_exit", "{s:I}", "batch", (json_int_t)loop->written);
		_exit(CRASH_EXIT);
	}
	{
		int64_t began = yb_mono_ms();

		rc = yb_stream_commit(loop->stream, errstr, sizeof(errstr));
		loop->c.phase_ms[YB_PHASE_COMMIT] += yb_mono_ms() - began;
	}
	if (rc < 0) {
		YB_LOG(YB_LOG_ERROR, "commit_failed", "{s:s}", "err", errstr);
		return YB_EIO;
	}
	if (rc == YB_COMMIT_REWOUND) {
		loop->c.rewinds++;
		loop->batch_dead_letters = 0;
		return YB_OK;
	}
	committed(loop, polled);
	if (yb_log_get_level() <= YB_LOG_DEBUG) {
		json_t *phases = json_object();

		for (int p = 0; p < YB_PHASE_COUNT; p++)
			json_object_set_new(phases, phase_names[p],
					    json_integer(loop->c.phase_ms[p] - phase_before[p]));
		YB_LOG(YB_LOG_DEBUG, "batch", "{s:i, s:i, s:I, s:o}", "messages", n, "next_size",
		       (int)loop->size, "ms", (json_int_t)(yb_mono_ms() - polled), "phase_ms",
		       phases);
	}
	return YB_OK;
}

int yb_batch_loop_run(yb_batch_loop *loop)
{
	yb_batch_loop_publish(loop, true, NULL);
	while (!yb_daemon_stopping()) {
		if (run_batch(loop) != YB_OK)
			return 1;
		if (yb_mono_ms() - loop->last_publish > PUBLISH_BUSY)
			yb_batch_loop_publish(loop, true, NULL);
	}
	return 0;
}
