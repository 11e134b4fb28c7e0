/* Kafka producer adapter; see producer.h. */
#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "kafka/kafka_client.h"
#include "kafka/stream.h"
#include "io/log.h"
#include "base/error.h"

struct yb_producer {
	rd_kafka_t *rk;
	int transactional;
	uint64_t delivered;
	uint64_t failed;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	yb_producer *p = opaque;

	(void)rk;
	if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		p->delivered++;
		return;
	}
	p->failed++;
	YB_LOG(YB_LOG_ERROR, "delivery_failed", "{s:s, s:i, s:s}", "topic",
	       rd_kafka_topic_name(m->rkt), "partition", (int)m->partition, "err",
	       rd_kafka_err2str(m->err));
}

int yb_producer_new(yb_producer **out, const yb_props *props, char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	yb_producer *p;
	int err;

	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return YB_ENOMEM;
	err = yb_kafka_conf_new(&conf, props, errstr, errlen);
	if (err != YB_OK)
		goto fail;
	/* Idempotence and acks=all unless the user said otherwise: a write counts once every
	 * in-sync replica has it (min.insync.replicas of them at least), so losing one broker
	 * of a replicated cluster loses no acknowledged message. */
	if ((yb_props_get(props, "kafka.enable.idempotence") == NULL &&
	     rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, errlen) !=
		 RD_KAFKA_CONF_OK) ||
	    (yb_props_get(props, "kafka.acks") == NULL &&
	     rd_kafka_conf_set(conf, "acks", "all", errstr, errlen) != RD_KAFKA_CONF_OK)) {
		err = YB_EINVAL;
		goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, p);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errlen);
	if (p->rk == NULL) {
		err = YB_EINVAL;
		goto fail;
	}
	conf = NULL; /* rd_kafka_new took it */
	if (yb_props_get(props, "kafka.transactional.id") != NULL) {
		rd_kafka_error_t *e = rd_kafka_init_transactions(p->rk, 30000);

		if (e != NULL) {
			snprintf(errstr, errlen, "init_transactions: %s", rd_kafka_error_string(e));
			rd_kafka_error_destroy(e);
			rd_kafka_destroy(p->rk);
			err = YB_EIO;
			goto fail;
		}
		p->transactional = 1;
	}
	*out = p;
	return YB_OK;
fail:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	free(p);
	return err;
}

void yb_producer_destroy(yb_producer *p)
{
	if (p == NULL)
		return;
	rd_kafka_destroy(p->rk);
	free(p);
}

int yb_producer_send(yb_producer *p, const char *topic, const char *key, const void *value,
		     size_t len, int64_t timestamp_ms, char *errstr, size_t errlen)
{
	size_t key_len = key != NULL ? strlen(key) : 0;
	struct timespec now;
	char sent[24];

	/* When it was sent, for the services' end-to-end latency (the timestamp is event time). */
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(sent, sizeof(sent), "%lld", (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	for (;;) {
		rd_kafka_resp_err_t err = rd_kafka_producev(
		    p->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
		    RD_KAFKA_V_KEY(key, key_len), RD_KAFKA_V_VALUE((void *)value, len),
		    RD_KAFKA_V_TIMESTAMP(timestamp_ms),
		    RD_KAFKA_V_HEADER(YB_STREAM_SENT_HEADER, sent, (ssize_t)strlen(sent)),
		    RD_KAFKA_V_END);

		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			rd_kafka_poll(p->rk, 0);
			return YB_OK;
		}
		if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			snprintf(errstr, errlen, "produce to %s: %s", topic, rd_kafka_err2str(err));
			return YB_EIO;
		}
		rd_kafka_poll(p->rk, 100); /* let deliveries free the queue */
	}
}

int yb_producer_flush(yb_producer *p, int timeout_ms)
{
	return rd_kafka_flush(p->rk, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR ? YB_OK
									       : YB_ETIMEDOUT;
}

/* Turn a transactional call's error into errstr and a code. */
static int txn_result(rd_kafka_error_t *e, const char *what, char *errstr, size_t errlen)
{
	if (e == NULL)
		return YB_OK;
	snprintf(errstr, errlen, "%s: %s", what, rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return YB_EIO;
}

int yb_producer_begin(yb_producer *p, char *errstr, size_t errlen)
{
	return txn_result(rd_kafka_begin_transaction(p->rk), "begin_transaction", errstr, errlen);
}

int yb_producer_commit(yb_producer *p, int timeout_ms, char *errstr, size_t errlen)
{
	return txn_result(rd_kafka_commit_transaction(p->rk, timeout_ms), "commit_transaction",
			  errstr, errlen);
}

int yb_producer_abort(yb_producer *p, int timeout_ms, char *errstr, size_t errlen)
{
	return txn_result(rd_kafka_abort_transaction(p->rk, timeout_ms), "abort_transaction",
			  errstr, errlen);
}

int yb_producer_transactional(const yb_producer *p)
{
	return p->transactional;
}

uint64_t yb_producer_delivered(const yb_producer *p)
{
	return p->delivered;
}

uint64_t yb_producer_failed(const yb_producer *p)
{
	return p->failed;
}
