/* The transactional consume-process-produce loop; see stream.h. */
#include "kafka/stream.h"

#include <librdkafka/rdkafka.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/avro.h"
#include "io/clock.h"
#include "io/dead_letter.h"
#include "kafka/kafka_client.h"
#include "base/date.h"
#include "io/log.h"
#include "io/metrics.h"
#include "base/error.h"

#define TXN_TIMEOUT_MS 30000

struct yb_stream {
	rd_kafka_t *consumer;
	rd_kafka_t *producer;
	int transactional;
	int in_txn;
	uint64_t generation;
	int revoked; /* set by the rebalance callback while a poll collects */
	rd_kafka_message_t **held;
	size_t held_count, held_cap;
	yb_buf dead_letter;
	size_t dead_letter_payload_max; /* the producer's message.max.bytes less the room */
};

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	yb_stream *s = opaque;

	s->generation++;
	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		/* Start each partition exactly at the group's committed offset (the stable one:
		 * read_committed asks the broker to wait out pending transactional commits), or at
		 * the beginning when there is none, never at a position this client remembers
		 * from an earlier assignment: a batch dropped by a rebalance is read again. */
		rd_kafka_resp_err_t cerr = rd_kafka_committed(rk, parts, 30000);

		for (int i = 0; i < parts->cnt; i++) {
			if (cerr != RD_KAFKA_RESP_ERR_NO_ERROR || parts->elems[i].offset < 0)
				parts->elems[i].offset = cerr != RD_KAFKA_RESP_ERR_NO_ERROR
							     ? RD_KAFKA_OFFSET_INVALID
							     : RD_KAFKA_OFFSET_BEGINNING;
		}
		YB_LOG(YB_LOG_INFO, "partitions_assigned", "{s:i, s:s}", "count", parts->cnt,
		       "from",
		       cerr == RD_KAFKA_RESP_ERR_NO_ERROR ? "committed offsets"
							  : rd_kafka_err2str(cerr));
		rd_kafka_assign(rk, parts);
	} else {
		YB_LOG(YB_LOG_INFO, "partitions_revoked", "{s:i}", "count", parts->cnt);
		s->revoked = 1;
		rd_kafka_assign(rk, NULL);
	}
}

static int conf_set(rd_kafka_conf_t *conf, const yb_props *props, const char *name,
		    const char *value, char *errstr, size_t errlen)
{
	char key[256];

	snprintf(key, sizeof(key), "%s%s", YB_KAFKA_PROP_PREFIX, name);
	if (yb_props_get(props, key) != NULL && strcmp(name, "group.id") != 0 &&
	    strcmp(name, "group.instance.id") != 0 && strcmp(name, "transactional.id") != 0)
		return YB_OK; /* the user's value stands */
	return rd_kafka_conf_set(conf, name, value, errstr, errlen) == RD_KAFKA_CONF_OK ? YB_OK
											: YB_EINVAL;
}

static rd_kafka_t *new_consumer(yb_stream *s, const yb_props *props, const char *group_id,
				const char *instance_id, char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk;

	if (yb_kafka_conf_new(&conf, props, errstr, errlen) != YB_OK)
		return NULL;
	if (conf_set(conf, props, "group.id", group_id, errstr, errlen) != YB_OK ||
	    (instance_id != NULL &&
	     conf_set(conf, props, "group.instance.id", instance_id, errstr, errlen) != YB_OK) ||
	    conf_set(conf, props, "isolation.level", "read_committed", errstr, errlen) != YB_OK ||
	    conf_set(conf, props, "enable.auto.commit", "false", errstr, errlen) != YB_OK ||
	    conf_set(conf, props, "enable.auto.offset.store", "false", errstr, errlen) != YB_OK ||
	    conf_set(conf, props, "enable.partition.eof", "true", errstr, errlen) != YB_OK ||
	    conf_set(conf, props, "auto.offset.reset", "earliest", errstr, errlen) != YB_OK ||
	    /* Prefetch at most 16 MB (librdkafka's default is 64 MB): under any lag the
	     * service's memory stays bounded, and a batch needs far less. */
	    conf_set(conf, props, "queued.max.messages.kbytes", "16384", errstr, errlen) != YB_OK) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_opaque(conf, s);
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errlen);
	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		YB_LOG(YB_LOG_ERROR, "delivery_failed", "{s:s, s:i, s:s}", "topic",
		       rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "err",
		       rd_kafka_err2str(m->err));
}

static rd_kafka_t *new_producer(yb_stream *s, const yb_props *props, const char *transactional_id,
				char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk;
	char max_bytes[32];
	size_t size = sizeof(max_bytes);

	if (yb_kafka_conf_new(&conf, props, errstr, errlen) != YB_OK)
		return NULL;
	if (conf_set(conf, props, "enable.idempotence", "true", errstr, errlen) != YB_OK ||
	    (transactional_id != NULL && conf_set(conf, props, "transactional.id", transactional_id,
						  errstr, errlen) != YB_OK) ||
	    conf_set(conf, props, "linger.ms", "5", errstr, errlen) != YB_OK) {
		rd_kafka_conf_destroy(conf);
		return NULL;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	/* A dead letter must fit what this producer may send: the original is kept whole up
	 * to message.max.bytes less the room for the rest of the record (io/dead_letter.h). */
	s->dead_letter_payload_max = YB_DEAD_LETTER_PAYLOAD_DEFAULT;
	if (rd_kafka_conf_get(conf, "message.max.bytes", max_bytes, &size) == RD_KAFKA_CONF_OK &&
	    strtoll(max_bytes, NULL, 10) > 2 * YB_DEAD_LETTER_ROOM)
		s->dead_letter_payload_max =
		    (size_t)strtoll(max_bytes, NULL, 10) - YB_DEAD_LETTER_ROOM;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errlen);
	if (rk == NULL)
		rd_kafka_conf_destroy(conf);
	return rk;
}

int yb_stream_new(yb_stream **out, const yb_props *props, const char *group_id,
		  const char *instance_id, const char *transactional_id, const char *const *topics,
		  size_t n, char *errstr, size_t errlen)
{
	yb_stream *s = calloc(1, sizeof(*s));
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t err;

	*out = NULL;
	if (s == NULL)
		return YB_ENOMEM;
	s->consumer = new_consumer(s, props, group_id, instance_id, errstr, errlen);
	if (s->consumer == NULL) {
		free(s);
		return YB_EINVAL;
	}
	s->producer = new_producer(s, props, transactional_id, errstr, errlen);
	if (s->producer == NULL) {
		yb_stream_destroy(s);
		return YB_EINVAL;
	}
	if (transactional_id != NULL) {
		rd_kafka_error_t *e = rd_kafka_init_transactions(s->producer, TXN_TIMEOUT_MS);

		if (e != NULL) {
			snprintf(errstr, errlen, "init_transactions: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			yb_stream_destroy(s);
			return YB_EIO;
		}
		s->transactional = 1;
	}
	list = rd_kafka_topic_partition_list_new((int)n);
	for (size_t i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(list, topics[i], RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(s->consumer, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "subscribe: %s", rd_kafka_err2str(err));
		yb_stream_destroy(s);
		return YB_EIO;
	}
	*out = s;
	return YB_OK;
}

static void drop_held(yb_stream *s)
{
	for (size_t i = 0; i < s->held_count; i++)
		rd_kafka_message_destroy(s->held[i]);
	s->held_count = 0;
}

void yb_stream_destroy(yb_stream *s)
{
	if (s == NULL)
		return;
	drop_held(s);
	if (s->in_txn) {
		rd_kafka_error_t *e = rd_kafka_abort_transaction(s->producer, TXN_TIMEOUT_MS);

		if (e != NULL)
			rd_kafka_error_destroy(e);
	}
	if (s->consumer != NULL) {
		rd_kafka_consumer_close(s->consumer);
		rd_kafka_destroy(s->consumer);
	}
	if (s->producer != NULL) {
		rd_kafka_flush(s->producer, 10000);
		rd_kafka_destroy(s->producer);
	}
	free(s->held);
	yb_buf_free(&s->dead_letter);
	free(s);
}

static int rewind_to_committed(yb_stream *s, char *errstr, size_t errlen);

static int64_t sent_header(const rd_kafka_message_t *m)
{
	rd_kafka_headers_t *headers = NULL;
	const void *value;
	size_t size;
	char text[24];

	if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_header_get_last(headers, YB_STREAM_SENT_HEADER, &value, &size) !=
		RD_KAFKA_RESP_ERR_NO_ERROR ||
	    value == NULL || size == 0 || size >= sizeof(text))
		return -1;
	memcpy(text, value, size);
	text[size] = '\0';
	return strtoll(text, NULL, 10);
}

int yb_stream_poll(yb_stream *s, yb_stream_message *msgs, size_t max, int wait_ms, int linger_ms,
		   yb_stream_end_cb end_cb, void *opaque, char *errstr, size_t errlen)
{
	size_t n = 0;
	int64_t deadline = -1;

	drop_held(s);
	if (s->held_cap < max) {
		rd_kafka_message_t **grown = realloc(s->held, max * sizeof(*grown));

		if (grown == NULL)
			return YB_ENOMEM;
		s->held = grown;
		s->held_cap = max;
	}
	s->revoked = 0;
	while (n < max) {
		int timeout = deadline < 0 ? wait_ms : (int)(deadline - yb_mono_ms());
		rd_kafka_message_t *m;
		rd_kafka_timestamp_type_t type;

		if (timeout < 0)
			break;
		m = rd_kafka_consumer_poll(s->consumer, timeout);
		if (s->revoked) {
			/* Partitions went away mid-batch: their new owner reads them again. The
			 * same poll may already have run the new assignment and returned its first
			 * message: seek what is assigned now back to the committed offsets, so
			 * nothing this batch dropped is skipped. */
			if (m != NULL)
				rd_kafka_message_destroy(m);
			drop_held(s);
			if (rewind_to_committed(s, errstr, errlen) != YB_OK)
				return YB_EIO;
			return 0;
		}
		if (m == NULL)
			break;
		if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (end_cb != NULL)
				end_cb(rd_kafka_topic_name(m->rkt), m->partition, m->offset,
				       opaque);
			rd_kafka_message_destroy(m);
			if (deadline < 0)
				break; /* nothing pending: do not wait out wait_ms */
			continue;
		}
		if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "%s [%d]: %s",
				 m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : "-",
				 (int)m->partition, rd_kafka_message_errstr(m));
			if (m->err == RD_KAFKA_RESP_ERR__FATAL ||
			    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
			    m->err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED) {
				rd_kafka_message_destroy(m);
				return YB_EIO;
			}
			YB_LOG(YB_LOG_WARN, "consume_error", "{s:s}", "err", errstr);
			rd_kafka_message_destroy(m);
			continue;
		}
		s->held[s->held_count++] = m;
		memset(&msgs[n], 0, sizeof(msgs[n]));
		msgs[n].m.topic = rd_kafka_topic_name(m->rkt);
		msgs[n].m.partition = m->partition;
		msgs[n].m.offset = m->offset;
		msgs[n].m.timestamp_ms = rd_kafka_message_timestamp(m, &type);
		msgs[n].m.key = m->key;
		msgs[n].m.key_len = m->key_len;
		msgs[n].m.value = m->payload;
		msgs[n].m.len = m->len;
		msgs[n].sent_ms = sent_header(m);
		n++;
		if (deadline < 0)
			deadline = yb_mono_ms() + linger_ms;
	}
	return (int)n;
}

int yb_stream_begin(yb_stream *s, char *errstr, size_t errlen)
{
	rd_kafka_error_t *e;

	if (!s->transactional || s->in_txn)
		return YB_OK;
	e = rd_kafka_begin_transaction(s->producer);
	if (e != NULL) {
		snprintf(errstr, errlen, "begin_transaction: %s", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		return YB_EIO;
	}
	s->in_txn = 1;
	return YB_OK;
}

int yb_stream_send(yb_stream *s, const char *topic, const char *key, const void *value, size_t len,
		   int64_t timestamp_ms, char *errstr, size_t errlen)
{
	size_t key_len = key != NULL ? strlen(key) : 0;

	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
		    s->producer, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, key_len),
		    RD_KAFKA_V_VALUE((void *)value, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_TIMESTAMP(timestamp_ms > 0 ? timestamp_ms : 0), RD_KAFKA_V_END);

		if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
			return YB_OK;
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(errstr, errlen, "produce to %s: %s", topic, rd_kafka_err2str(err));
			return YB_EIO;
		}
		rd_kafka_poll(s->producer, 10);
	}
}

int yb_stream_send_dead_letter(yb_stream *s, const char *topic, const yb_message *msg,
			       const char *error, char *errstr, size_t errlen)
{
	yb_record record;
	yb_dead_letter_text text;
	char source[512];

	YB_LOG(YB_LOG_WARN, "dead_letter", "{s:s, s:i, s:I, s:I, s:s}", "topic", msg->topic,
	       "partition", (int)msg->partition, "offset", (json_int_t)msg->offset, "bytes",
	       (json_int_t)msg->len, "err", error);
	memset(&record, 0, sizeof(record));
	record.type = YB_RECORD_DEAD_LETTER;
	snprintf(source, sizeof(source), "%s/%d/%" PRId64, msg->topic, (int)msg->partition,
		 msg->offset);
	yb_dead_letter_fill(&record.as.dead_letter, &text, source, error, msg->value, msg->len,
			    s->dead_letter_payload_max);
	if (msg->timestamp_ms >= YB_INSTANT_MIN && msg->timestamp_ms <= YB_INSTANT_MAX) {
		record.as.dead_letter.has_failed_at = true;
		record.as.dead_letter.failed_at = msg->timestamp_ms;
	}
	if (yb_avro_encode(&record, &s->dead_letter, errstr, errlen) != YB_OK)
		return YB_EINVAL; /* a bug: yb_dead_letter_fill makes every record encodable */
	return yb_stream_send(s, topic, text.source, s->dead_letter.data, s->dead_letter.len,
			      msg->timestamp_ms, errstr, errlen);
}

/* Seek every assigned partition back to its committed offset. */
static int rewind_once(yb_stream *s, char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	rd_kafka_resp_err_t err = rd_kafka_assignment(s->consumer, &parts);
	rd_kafka_error_t *e;
	int rc = YB_OK;

	if (err == RD_KAFKA_RESP_ERR_NO_ERROR && parts->cnt == 0) {
		/* Nothing assigned (between a revocation and the next assignment, which starts
		 * at the committed offsets anyway). */
		rd_kafka_topic_partition_list_destroy(parts);
		return YB_OK;
	}
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		err = rd_kafka_committed(s->consumer, parts, 10000);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "rewind: %s", rd_kafka_err2str(err));
		rd_kafka_topic_partition_list_destroy(parts);
		return YB_EIO;
	}
	for (int i = 0; i < parts->cnt; i++) {
		if (parts->elems[i].offset < 0)
			parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
	}
	e = rd_kafka_seek_partitions(s->consumer, parts, 10000);
	if (e != NULL) {
		snprintf(errstr, errlen, "rewind: %s", rd_kafka_error_string(e));
		rd_kafka_error_destroy(e);
		rc = YB_EIO;
	}
	for (int i = 0; rc == YB_OK && i < parts->cnt; i++) {
		if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "rewind %s [%d]: %s", parts->elems[i].topic,
				 (int)parts->elems[i].partition,
				 rd_kafka_err2str(parts->elems[i].err));
			rc = YB_EIO;
		}
	}
	for (int i = 0; rc == YB_OK && i < parts->cnt; i++)
		YB_LOG(YB_LOG_DEBUG, "rewound", "{s:s, s:i, s:I}", "topic", parts->elems[i].topic,
		       "partition", (int)parts->elems[i].partition, "offset",
		       (json_int_t)parts->elems[i].offset);
	rd_kafka_topic_partition_list_destroy(parts);
	return rc;
}

/*
 * Seek every assigned partition back to its committed offset, dropping what the last poll
 * handed out. A seek can fail for a moment (a partition still starting to fetch): retried.
 */
static int rewind_to_committed(yb_stream *s, char *errstr, size_t errlen)
{
	int rc = YB_EIO;

	drop_held(s);
	for (int attempt = 0; attempt < 10 && rc != YB_OK; attempt++) {
		if (attempt > 0) {
			YB_LOG(YB_LOG_WARN, "rewind_retry", "{s:s, s:i}", "err", errstr, "attempt",
			       attempt);
			nanosleep(&(struct timespec){.tv_nsec = 200 * 1000000L}, NULL);
		}
		rc = rewind_once(s, errstr, errlen);
	}
	return rc;
}

int yb_stream_abort(yb_stream *s, char *errstr, size_t errlen)
{
	if (s->in_txn) {
		rd_kafka_error_t *e = rd_kafka_abort_transaction(s->producer, TXN_TIMEOUT_MS);

		s->in_txn = 0;
		if (e != NULL) {
			snprintf(errstr, errlen, "abort_transaction: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			return YB_EIO;
		}
	}
	return rewind_to_committed(s, errstr, errlen);
}

/* The positions after the messages of the last poll. */
static rd_kafka_topic_partition_list_t *positions(yb_stream *s)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(16);

	for (size_t i = 0; i < s->held_count; i++) {
		const rd_kafka_message_t *m = s->held[i];
		rd_kafka_topic_partition_t *p = rd_kafka_topic_partition_list_find(
		    list, rd_kafka_topic_name(m->rkt), m->partition);

		if (p == NULL)
			p = rd_kafka_topic_partition_list_add(list, rd_kafka_topic_name(m->rkt),
							      m->partition);
		if (m->offset + 1 > p->offset)
			p->offset = m->offset + 1;
	}
	return list;
}

/* Each partition's first and last offset of the batch just committed (debug). */
static void log_positions(const yb_stream *s)
{
	for (size_t i = 0; i < s->held_count; i++) {
		const rd_kafka_message_t *m = s->held[i];
		int64_t first = m->offset, last = m->offset;
		int seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = s->held[j]->partition == m->partition && s->held[j]->rkt == m->rkt;
		if (seen)
			continue;
		for (size_t j = i; j < s->held_count; j++) {
			if (s->held[j]->partition != m->partition || s->held[j]->rkt != m->rkt)
				continue;
			first = s->held[j]->offset < first ? s->held[j]->offset : first;
			last = s->held[j]->offset > last ? s->held[j]->offset : last;
		}
		YB_LOG(YB_LOG_DEBUG, "committed", "{s:s, s:i, s:I, s:I}", "topic",
		       rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "first",
		       (json_int_t)first, "last", (json_int_t)last);
	}
}

static int commit_transaction(yb_stream *s, char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *list = positions(s);
	rd_kafka_consumer_group_metadata_t *meta = rd_kafka_consumer_group_metadata(s->consumer);
	rd_kafka_error_t *e = NULL;

	for (int attempt = 0; list->cnt > 0 && attempt < 3; attempt++) {
		e = rd_kafka_send_offsets_to_transaction(s->producer, list, meta, TXN_TIMEOUT_MS);
		if (e == NULL || !rd_kafka_error_is_retriable(e))
			break;
		rd_kafka_error_destroy(e);
		e = NULL;
	}
	rd_kafka_consumer_group_metadata_destroy(meta);
	rd_kafka_topic_partition_list_destroy(list);
	if (e == NULL) {
		for (int attempt = 0; attempt < 3; attempt++) {
			e = rd_kafka_commit_transaction(s->producer, TXN_TIMEOUT_MS);
			if (e == NULL || !rd_kafka_error_is_retriable(e))
				break;
			rd_kafka_error_destroy(e);
			e = NULL;
		}
	}
	if (e == NULL) {
		s->in_txn = 0;
		if (yb_log_get_level() <= YB_LOG_DEBUG)
			log_positions(s);
		return YB_COMMIT_DONE;
	}
	snprintf(errstr, errlen, "commit_transaction: %s", rd_kafka_error_string(e));
	if (!rd_kafka_error_is_fatal(e)) {
		/* Abortable, or retried in vain (a rebalance, a coordinator moving): nothing of
		 * the batch is visible; abort, rewind, and the batch is read again. */
		rd_kafka_error_destroy(e);
		YB_LOG(YB_LOG_WARN, "transaction_aborted", "{s:s}", "err", errstr);
		return yb_stream_abort(s, errstr, errlen) == YB_OK ? YB_COMMIT_REWOUND : YB_EIO;
	}
	rd_kafka_error_destroy(e);
	return YB_EIO; /* fenced (another instance took over) or fatal: exit, restart */
}

int yb_stream_commit(yb_stream *s, char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t err;

	if (s->transactional)
		return s->in_txn ? commit_transaction(s, errstr, errlen) : YB_COMMIT_DONE;
	/* At least once: outputs delivered, then the positions. */
	if (rd_kafka_flush(s->producer, TXN_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "flush: outputs still in flight");
		return yb_stream_abort(s, errstr, errlen) == YB_OK ? YB_COMMIT_REWOUND : YB_EIO;
	}
	list = positions(s);
	err = list->cnt > 0 ? rd_kafka_commit(s->consumer, list, 0) : RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "commit: %s", rd_kafka_err2str(err));
		return yb_stream_abort(s, errstr, errlen) == YB_OK ? YB_COMMIT_REWOUND : YB_EIO;
	}
	return YB_COMMIT_DONE;
}

size_t yb_stream_assignment(yb_stream *s, yb_stream_partition *out, size_t max)
{
	rd_kafka_topic_partition_list_t *parts = NULL;
	size_t n = 0;

	if (rd_kafka_assignment(s->consumer, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	for (int i = 0; i < parts->cnt && n < max; i++, n++) {
		snprintf(out[n].topic, sizeof(out[n].topic), "%s", parts->elems[i].topic);
		out[n].partition = parts->elems[i].partition;
	}
	rd_kafka_topic_partition_list_destroy(parts);
	return n;
}

uint64_t yb_stream_generation(const yb_stream *s)
{
	return s->generation;
}

int64_t yb_stream_lag(yb_stream *s, const char *topic, int32_t partition)
{
	int64_t low, high;
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	int64_t position;

	rd_kafka_topic_partition_list_add(list, topic, partition);
	if (rd_kafka_get_watermark_offsets(s->consumer, topic, partition, &low, &high) !=
		RD_KAFKA_RESP_ERR_NO_ERROR ||
	    rd_kafka_position(s->consumer, list) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_topic_partition_list_destroy(list);
		return -1;
	}
	position = list->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(list);
	if (position < 0 || high < 0)
		return -1;
	return high > position ? high - position : 0;
}

void yb_stream_lag_metrics(yb_stream *s, yb_buf *out)
{
	yb_stream_partition parts[256];
	size_t n = yb_stream_assignment(s, parts, 256);

	for (size_t i = 0; i < n; i++) {
		char labels[400];

		snprintf(labels, sizeof(labels), "topic=\"%.127s\",partition=\"%d\"",
			 parts[i].topic, (int)parts[i].partition);
		if (i == 0)
			yb_metrics_gauge(out, "yb_consumer_lag",
					 "Messages behind the partition's end (consumer's view).",
					 labels,
					 yb_stream_lag(s, parts[i].topic, parts[i].partition));
		else
			yb_metrics_sample(out, "yb_consumer_lag", labels,
					  yb_stream_lag(s, parts[i].topic, parts[i].partition));
	}
}
