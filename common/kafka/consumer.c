/* Kafka consumer adapter; see consumer.h. */
#include "kafka/consumer.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka/kafka_client.h"
#include "io/log.h"
#include "base/error.h"

struct yb_consumer {
	rd_kafka_t *rk;
	rd_kafka_message_t *last; /* the message handed out by the last poll */
	int partitions;
};

static int set(rd_kafka_conf_t *conf, const yb_props *props, const char *name, const char *value,
	       char *errstr, size_t errlen)
{
	char key[256];

	snprintf(key, sizeof(key), "%s%s", YB_KAFKA_PROP_PREFIX, name);
	if (yb_props_get(props, key) != NULL)
		return YB_OK; /* the user's value stands */
	return rd_kafka_conf_set(conf, name, value, errstr, errlen) == RD_KAFKA_CONF_OK ? YB_OK
											: YB_EINVAL;
}

int yb_consumer_new(yb_consumer **out, const yb_props *props, char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	yb_consumer *c;
	char group[64];
	struct timespec now;
	int err;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return YB_ENOMEM;
	err = yb_kafka_conf_new(&conf, props, errstr, errlen);
	if (err != YB_OK)
		goto fail;
	/* Without a group of the caller's, a reader outside any group: librdkafka needs a
	 * group.id, but one that never subscribes and never commits leaves no group behind. */
	if (yb_props_get(props, YB_KAFKA_PROP_PREFIX "group.id") == NULL) {
		clock_gettime(CLOCK_REALTIME, &now);
		snprintf(group, sizeof(group), "yb-reader-%ld-%ld", (long)now.tv_sec,
			 (long)now.tv_nsec);
		if ((err = set(conf, props, "group.id", group, errstr, errlen)) != YB_OK ||
		    (err = set(conf, props, "enable.auto.commit", "false", errstr, errlen)) !=
			YB_OK ||
		    (err = set(conf, props, "enable.auto.offset.store", "false", errstr, errlen)) !=
			YB_OK)
			goto fail;
	}
	if ((err = set(conf, props, "isolation.level", "read_committed", errstr, errlen)) !=
		YB_OK ||
	    (err = set(conf, props, "enable.partition.eof", "true", errstr, errlen)) != YB_OK)
		goto fail;
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errlen);
	if (c->rk == NULL) {
		err = YB_EINVAL;
		goto fail;
	}
	conf = NULL;
	rd_kafka_poll_set_consumer(c->rk);
	*out = c;
	return YB_OK;
fail:
	if (conf != NULL)
		rd_kafka_conf_destroy(conf);
	free(c);
	return err;
}

void yb_consumer_destroy(yb_consumer *c)
{
	if (c == NULL)
		return;
	if (c->last != NULL)
		rd_kafka_message_destroy(c->last);
	rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy(c->rk);
	free(c);
}

int yb_consumer_assign_all(yb_consumer *c, const char *topic, int64_t start, int timeout_ms,
			   char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t err;
	int32_t *ids = NULL;
	int count = 0;
	int rc = yb_kafka_topic_partitions(c->rk, topic, timeout_ms, &ids, &count, errstr, errlen);

	if (rc != YB_OK)
		return rc;
	list = rd_kafka_topic_partition_list_new(count);
	for (int i = 0; i < count; i++)
		rd_kafka_topic_partition_list_add(list, topic, ids[i])->offset =
		    start == YB_CONSUMER_FROM_BEGINNING ? RD_KAFKA_OFFSET_BEGINNING
							: RD_KAFKA_OFFSET_END;
	err = rd_kafka_assign(c->rk, list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "assign %s: %s", topic, rd_kafka_err2str(err));
		rc = YB_EIO;
	} else {
		c->partitions = count;
	}
	rd_kafka_topic_partition_list_destroy(list);
	free(ids);
	return rc;
}

int yb_consumer_subscribe(yb_consumer *c, const char *topic, char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	rd_kafka_resp_err_t err;

	rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA);
	err = rd_kafka_subscribe(c->rk, list);
	rd_kafka_topic_partition_list_destroy(list);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "subscribe %s: %s", topic, rd_kafka_err2str(err));
		return YB_EIO;
	}
	return YB_OK;
}

int yb_consumer_poll(yb_consumer *c, int timeout_ms, yb_message *msg, char *errstr, size_t errlen)
{
	rd_kafka_message_t *m;
	rd_kafka_timestamp_type_t type;

	if (c->last != NULL) {
		rd_kafka_message_destroy(c->last);
		c->last = NULL;
	}
	m = rd_kafka_consumer_poll(c->rk, timeout_ms);
	if (m == NULL)
		return YB_POLL_NOTHING;
	c->last = m;
	memset(msg, 0, sizeof(*msg));
	msg->topic = m->rkt != NULL ? rd_kafka_topic_name(m->rkt) : "";
	msg->partition = m->partition;
	msg->offset = m->offset;
	if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
		return YB_POLL_PARTITION_END;
	if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "%s [%d]: %s", msg->topic, (int)m->partition,
			 rd_kafka_message_errstr(m));
		if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
		    m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
		    m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
		    m->err == RD_KAFKA_RESP_ERR__FATAL)
			return YB_EIO;
		YB_LOG(YB_LOG_WARN, "consume_error", "{s:s}", "err", errstr);
		return YB_POLL_NOTHING;
	}
	msg->timestamp_ms = rd_kafka_message_timestamp(m, &type);
	msg->key = m->key;
	msg->key_len = m->key_len;
	msg->value = m->payload;
	msg->len = m->len;
	return YB_POLL_MESSAGE;
}

int yb_consumer_partition_count(const yb_consumer *c)
{
	return c->partitions;
}
