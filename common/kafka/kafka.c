/* Kafka adapter; see kafka.h. */
#include "kafka/kafka_client.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/log.h"
#include "io/secret_file.h"
#include "base/error.h"

/* librdkafka logs with syslog levels (0 emerg .. 7 debug). */
static void log_from_librdkafka(const rd_kafka_t *rk, int level, const char *facility,
				const char *message)
{
	yb_log_level ours = level <= 3   ? YB_LOG_ERROR
			    : level == 4 ? YB_LOG_WARN
			    : level <= 6 ? YB_LOG_INFO
					 : YB_LOG_DEBUG;

	YB_LOG(ours, "librdkafka", "{s:s, s:s, s:s}", "client", rd_kafka_name(rk), "facility",
	       facility, "message", message);
}

/* librdkafka's secrets, which may also come from a file: "<name>.file" = the file. */
static const char *const secret_names[] = {
    "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret"};

/* Set a secret property from its file (io/secret_file.h: mode 0600, first line). */
static int set_secret_from_file(rd_kafka_conf_t *conf, const char *name, size_t name_len,
				const char *path, char *errstr, size_t errlen)
{
	char secret[YB_SECRET_MAX], prop[64], what[80];
	size_t len;
	int rc;

	snprintf(prop, sizeof(prop), "%.*s", (int)name_len, name);
	snprintf(what, sizeof(what), "kafka.%s.file", prop);
	rc = yb_secret_file_read(path, what, secret, sizeof(secret), &len, errstr, errlen);
	if (rc == YB_OK &&
	    rd_kafka_conf_set(conf, prop, secret, errstr, errlen) != RD_KAFKA_CONF_OK)
		rc = YB_EINVAL;
	yb_secret_wipe(secret, sizeof(secret));
	return rc;
}

/* The length of the secret's name when key is "<secret>.file", else 0. */
static size_t secret_file_key(const char *key)
{
	for (size_t i = 0; i < sizeof(secret_names) / sizeof(secret_names[0]); i++) {
		size_t n = strlen(secret_names[i]);

		if (strncmp(key, secret_names[i], n) == 0 && strcmp(key + n, ".file") == 0)
			return n;
	}
	return 0;
}

int yb_kafka_conf_new(rd_kafka_conf_t **out, const yb_props *props, char *errstr, size_t errlen)
{
	const size_t prefix_len = strlen(YB_KAFKA_PROP_PREFIX);
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	*out = NULL;
	for (size_t i = 0; i < yb_props_count(props); i++) {
		const char *key = yb_props_key(props, i);
		size_t secret_len;

		if (strncmp(key, YB_KAFKA_PROP_PREFIX, prefix_len) != 0)
			continue;
		secret_len = secret_file_key(key + prefix_len);
		if (secret_len > 0) {
			if (set_secret_from_file(conf, key + prefix_len, secret_len,
						 yb_props_value(props, i), errstr,
						 errlen) != YB_OK) {
				rd_kafka_conf_destroy(conf);
				return YB_EINVAL;
			}
			continue;
		}
		if (rd_kafka_conf_set(conf, key + prefix_len, yb_props_value(props, i), errstr,
				      errlen) != RD_KAFKA_CONF_OK) {
			rd_kafka_conf_destroy(conf);
			return YB_EINVAL;
		}
	}
	rd_kafka_conf_set_log_cb(conf, log_from_librdkafka);
	*out = conf;
	return YB_OK;
}

rd_kafka_t *yb_kafka_probe_new(const yb_props *props, const char *group_id,
			       const char *const *settings, char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk;

	if (yb_kafka_conf_new(&conf, props, errstr, errlen) != YB_OK)
		return NULL;
	if (rd_kafka_conf_set(conf, "group.id", group_id, errstr, errlen) != RD_KAFKA_CONF_OK)
		goto fail;
	for (size_t i = 0; settings != NULL && settings[i] != NULL; i += 2) {
		if (rd_kafka_conf_set(conf, settings[i], settings[i + 1], errstr, errlen) !=
		    RD_KAFKA_CONF_OK)
			goto fail;
	}
	rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, errlen);
	if (rk != NULL)
		return rk;
fail:
	rd_kafka_conf_destroy(conf);
	return NULL;
}

int yb_kafka_topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms, int32_t **ids,
			      int *count, char *errstr, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	rd_kafka_resp_err_t err;
	int rc = YB_OK, waited_ms = 0;

	*ids = NULL;
	*count = 0;
	if (rkt == NULL) {
		snprintf(errstr, errlen, "topic %s: %s", topic,
			 rd_kafka_err2str(rd_kafka_last_error()));
		return YB_EINVAL;
	}
	for (;;) {
		err = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
		if (err != RD_KAFKA_RESP_ERR_NO_ERROR || md->topic_cnt != 1 ||
		    (md->topics[0].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART &&
		     md->topics[0].err != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE &&
		     md->topics[0].partition_cnt > 0) ||
		    waited_ms >= timeout_ms)
			break;
		/* A topic just created reaches every broker's metadata a moment later. */
		rd_kafka_metadata_destroy(md);
		md = NULL;
		{
			struct timespec pause = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};

			nanosleep(&pause, NULL);
		}
		waited_ms += 200;
	}
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "metadata of %s: %s", topic, rd_kafka_err2str(err));
		rc = err == RD_KAFKA_RESP_ERR__TIMED_OUT ? YB_ETIMEDOUT : YB_EIO;
	} else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
		   md->topics[0].partition_cnt == 0) {
		snprintf(errstr, errlen, "topic %s does not exist", topic);
		rc = YB_ENOTFOUND;
	} else if ((*ids = malloc((size_t)md->topics[0].partition_cnt * sizeof(**ids))) == NULL) {
		rc = YB_ENOMEM;
	} else {
		for (int p = 0; p < md->topics[0].partition_cnt; p++)
			(*ids)[p] = md->topics[0].partitions[p].id;
		*count = md->topics[0].partition_cnt;
	}
	if (md != NULL)
		rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
	return rc;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const yb_kafka_topic_info *)a)->name,
		      ((const yb_kafka_topic_info *)b)->name);
}

static int describe_topics(rd_kafka_t *rk, int timeout_ms, yb_kafka_topic_info **out, size_t *count,
			   int *broker_count, char *errstr, size_t errlen)
{
	const struct rd_kafka_metadata *md = NULL;
	yb_kafka_topic_info *topics = NULL;
	size_t n = 0;
	rd_kafka_resp_err_t err;
	int rc = YB_OK;

	*out = NULL;
	*count = 0;
	err = rd_kafka_metadata(rk, 1, NULL, &md, timeout_ms);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "metadata request failed: %s", rd_kafka_err2str(err));
		return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? YB_ETIMEDOUT : YB_EIO;
	}
	topics = calloc(md->topic_cnt > 0 ? (size_t)md->topic_cnt : 1, sizeof(*topics));
	if (topics == NULL) {
		rc = YB_ENOMEM;
		goto out;
	}
	for (int t = 0; t < md->topic_cnt; t++) {
		const rd_kafka_metadata_topic_t *mt = &md->topics[t];
		yb_kafka_topic_info *info = &topics[n];

		if (strncmp(mt->topic, "__", 2) == 0)
			continue;
		snprintf(info->name, sizeof(info->name), "%s", mt->topic);
		info->partitions = mt->partition_cnt;
		for (int p = 0; p < mt->partition_cnt; p++) {
			int64_t low, high;

			err = rd_kafka_query_watermark_offsets(rk, mt->topic, mt->partitions[p].id,
							       &low, &high, timeout_ms);
			if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				snprintf(errstr, errlen, "watermarks of %s [%d]: %s", mt->topic,
					 mt->partitions[p].id, rd_kafka_err2str(err));
				rc = YB_EIO;
				goto out;
			}
			info->log_offsets += high - low;
		}
		n++;
	}
	qsort(topics, n, sizeof(*topics), by_name);
	*broker_count = md->broker_cnt;
	*out = topics;
	*count = n;
	topics = NULL;
out:
	free(topics);
	rd_kafka_metadata_destroy(md);
	return rc;
}

struct yb_end_probe {
	rd_kafka_t *rk;
};

yb_end_probe *yb_end_probe_new(const yb_props *props, char *errstr, size_t errlen)
{
	static const char *const settings[] = {"isolation.level", "read_committed", NULL};
	yb_end_probe *p = calloc(1, sizeof(*p));

	if (p == NULL) {
		snprintf(errstr, errlen, "out of memory");
		return NULL;
	}
	p->rk = yb_kafka_probe_new(props, "yb-end-probe", settings, errstr, errlen);
	if (p->rk == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

void yb_end_probe_destroy(yb_end_probe *p)
{
	if (p == NULL)
		return;
	rd_kafka_destroy(p->rk);
	free(p);
}

int yb_end_probe_stable_end(yb_end_probe *p, const char *topic, int32_t partition, int timeout_ms,
			    int64_t *end, char *errstr, size_t errlen)
{
	int64_t low, high;
	rd_kafka_resp_err_t err =
	    rd_kafka_query_watermark_offsets(p->rk, topic, partition, &low, &high, timeout_ms);

	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "end of %s [%d]: %s", topic, (int)partition,
			 rd_kafka_err2str(err));
		return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? YB_ETIMEDOUT : YB_EIO;
	}
	*end = high; /* read_committed: the last stable offset */
	return YB_OK;
}

int yb_kafka_latest_offsets(rd_kafka_t *rk, yb_end_query *q, size_t n, int timeout_ms, char *errstr,
			    size_t errlen)
{
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_resp_err_t err;

	if (n == 0)
		return YB_OK;
	list = rd_kafka_topic_partition_list_new((int)n);
	/* The "time" RD_KAFKA_OFFSET_END asks for the latest offset: under read_committed, the
	 * last stable one. */
	for (size_t i = 0; i < n; i++)
		rd_kafka_topic_partition_list_add(list, q[i].topic, q[i].partition)->offset =
		    RD_KAFKA_OFFSET_END;
	err = rd_kafka_offsets_for_times(rk, list, timeout_ms);
	for (size_t i = 0; i < n; i++) {
		const rd_kafka_topic_partition_t *tp =
		    rd_kafka_topic_partition_list_find(list, q[i].topic, q[i].partition);
		bool answered = err == RD_KAFKA_RESP_ERR_NO_ERROR && tp != NULL &&
				tp->err == RD_KAFKA_RESP_ERR_NO_ERROR && tp->offset >= 0;

		q[i].end = answered ? tp->offset : -1;
		q[i].error = answered ? 0
			     : err != RD_KAFKA_RESP_ERR_NO_ERROR
				 ? err
				 : (tp != NULL && tp->err != RD_KAFKA_RESP_ERR_NO_ERROR
					? tp->err
					: RD_KAFKA_RESP_ERR__BAD_MSG);
	}
	rd_kafka_topic_partition_list_destroy(list);
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return YB_OK;
	snprintf(errstr, errlen, "the ends of %zu partition(s): %s", n, rd_kafka_err2str(err));
	return err == RD_KAFKA_RESP_ERR__TIMED_OUT ? YB_ETIMEDOUT : YB_EIO;
}

int yb_end_probe_stable_ends(yb_end_probe *p, yb_end_query *q, size_t n, int timeout_ms,
			     char *errstr, size_t errlen)
{
	int rc = yb_kafka_latest_offsets(p->rk, q, n, timeout_ms, errstr, errlen);

	/* A barrier needs every end: the first partition without one is the error. */
	for (size_t i = 0; i < n; i++) {
		if (q[i].end >= 0)
			continue;
		snprintf(errstr, errlen, "end of %s [%d]: %s", q[i].topic, (int)q[i].partition,
			 rd_kafka_err2str((rd_kafka_resp_err_t)q[i].error));
		return q[i].error == RD_KAFKA_RESP_ERR__TIMED_OUT ? YB_ETIMEDOUT : YB_EIO;
	}
	return rc;
}

int yb_end_probe_partitions(yb_end_probe *p, const char *topic, int timeout_ms, int *count,
			    char *errstr, size_t errlen)
{
	int32_t *ids = NULL;
	int rc = yb_kafka_topic_partitions(p->rk, topic, timeout_ms, &ids, count, errstr, errlen);

	free(ids);
	return rc;
}

int yb_kafka_describe_cluster(const yb_props *props, int timeout_ms, yb_kafka_topic_info **out,
			      size_t *count, int *broker_count, char *errstr, size_t errlen)
{
	rd_kafka_conf_t *conf = NULL;
	rd_kafka_t *rk;
	int rc = yb_kafka_conf_new(&conf, props, errstr, errlen);

	*out = NULL;
	*count = 0;
	if (rc != YB_OK)
		return rc;
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, errlen);
	if (rk == NULL) {
		rd_kafka_conf_destroy(conf);
		return YB_EINVAL;
	}
	rc = describe_topics(rk, timeout_ms, out, count, broker_count, errstr, errlen);
	rd_kafka_destroy(rk);
	return rc;
}

rd_kafka_AdminOptions_t *yb_kafka_admin_options(rd_kafka_t *rk, rd_kafka_admin_op_t op,
						int timeout_ms)
{
	rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
	char ignored[128];

	rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, ignored, sizeof(ignored));
	return o;
}

rd_kafka_event_t *yb_kafka_admin_answer(rd_kafka_queue_t *q, int timeout_ms, const char *what,
					char *errstr, size_t errlen)
{
	rd_kafka_event_t *ev = rd_kafka_queue_poll(q, timeout_ms + 2000);

	if (ev == NULL) {
		snprintf(errstr, errlen, "%s: no answer in %d ms", what, timeout_ms);
	} else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "%s: %s", what, rd_kafka_event_error_string(ev));
		rd_kafka_event_destroy(ev);
		ev = NULL;
	}
	return ev;
}

int yb_kafka_group_offsets(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *group, int timeout_ms,
			   rd_kafka_event_t **ev, const rd_kafka_topic_partition_list_t **list,
			   char *errstr, size_t errlen)
{
	rd_kafka_AdminOptions_t *o =
	    yb_kafka_admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_ms);
	rd_kafka_ListConsumerGroupOffsets_t *req =
	    rd_kafka_ListConsumerGroupOffsets_new(group, NULL);
	const rd_kafka_group_result_t **res;
	size_t n;

	rd_kafka_ListConsumerGroupOffsets(rk, &req, 1, o, q);
	rd_kafka_ListConsumerGroupOffsets_destroy(req);
	rd_kafka_AdminOptions_destroy(o);
	*ev = yb_kafka_admin_answer(q, timeout_ms, "ListConsumerGroupOffsets", errstr, errlen);
	if (*ev == NULL)
		return YB_EIO;
	res = rd_kafka_ListConsumerGroupOffsets_result_groups(
	    rd_kafka_event_ListConsumerGroupOffsets_result(*ev), &n);
	if (n == 0 || rd_kafka_group_result_error(res[0]) != NULL) {
		snprintf(errstr, errlen, "%s",
			 n == 0 ? "no answer"
				: rd_kafka_error_string(rd_kafka_group_result_error(res[0])));
		rd_kafka_event_destroy(*ev);
		*ev = NULL;
		return YB_EIO;
	}
	*list = rd_kafka_group_result_partitions(res[0]);
	return YB_OK;
}
