/* Consumer group offset resets; see offsets.h. */
#include "io/offsets.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/kafka.h"
#include "io/lag.h"
#include "rules/error.h"

static rd_kafka_t *consumer(const yb_props *props, char *errstr, size_t errlen)
{
	const char *settings[] = {"enable.auto.commit", "false", NULL};

	return yb_kafka_probe_new(props, "yb-offsets-probe", settings, errstr, errlen);
}

static int add(yb_offset_reset **plan, size_t *count, size_t *cap, const char *topic,
	       int32_t partition, int64_t current)
{
	if (*count == *cap) {
		size_t grown_cap = *cap == 0 ? 32 : *cap * 2;
		yb_offset_reset *grown = realloc(*plan, grown_cap * sizeof(*grown));

		if (grown == NULL)
			return YB_ENOMEM;
		*plan = grown;
		*cap = grown_cap;
	}
	memset(&(*plan)[*count], 0, sizeof(**plan));
	snprintf((*plan)[*count].topic, sizeof((*plan)[0].topic), "%s", topic);
	(*plan)[*count].partition = partition;
	(*plan)[(*count)++].current = current;
	return YB_OK;
}

/* Every partition of topic not in the plan yet. */
static int add_topic(rd_kafka_t *rk, const char *topic, int timeout_ms, yb_offset_reset **plan,
		     size_t *count, size_t *cap, char *errstr, size_t errlen)
{
	int32_t *ids = NULL;
	int n = 0;
	int rc = yb_kafka_topic_partitions(rk, topic, timeout_ms, &ids, &n, errstr, errlen);

	for (int p = 0; p < n && rc == YB_OK; p++) {
		int known = 0;

		for (size_t i = 0; i < *count; i++)
			known |=
			    strcmp((*plan)[i].topic, topic) == 0 && (*plan)[i].partition == ids[p];
		if (!known)
			rc = add(plan, count, cap, topic, ids[p], -1);
	}
	free(ids);
	return rc;
}

static int64_t clamp(int64_t v, int64_t low, int64_t high)
{
	return v < low ? low : v > high ? high : v;
}

int yb_kafka_plan_reset(const yb_props *props, const char *group, const char *topic,
			yb_reset_mode mode, int64_t value, int timeout_ms, yb_offset_reset **plan,
			size_t *count, char state[32], int *members, char *errstr, size_t errlen)
{
	yb_group_info *groups = NULL;
	yb_partition_lag *parts = NULL;
	size_t ng = 0, np = 0, cap = 0;
	rd_kafka_t *rk = NULL;
	int rc;

	*plan = NULL;
	*count = 0;
	rc = yb_kafka_lag(props, group, timeout_ms, 0, &groups, &ng, &parts, &np, errstr, errlen);
	if (rc == YB_ENOTFOUND && topic != NULL) {
		/* A group that never committed: reset the topic's partitions for it. */
		snprintf(state, 32, "Empty");
		*members = 0;
		rc = YB_OK;
	} else if (rc != YB_OK) {
		goto out;
	} else {
		snprintf(state, 32, "%s", groups[0].state);
		*members = groups[0].members;
	}
	for (size_t i = 0; i < np && rc == YB_OK; i++) {
		if (topic == NULL || strcmp(parts[i].topic, topic) == 0)
			rc = add(plan, count, &cap, parts[i].topic, parts[i].partition,
				 parts[i].committed);
	}
	rk = consumer(props, errstr, errlen);
	if (rc == YB_OK && rk == NULL)
		rc = YB_EIO;
	if (rc == YB_OK && topic != NULL)
		rc = add_topic(rk, topic, timeout_ms, plan, count, &cap, errstr, errlen);
	if (rc == YB_OK && *count == 0) {
		snprintf(errstr, errlen, "group %s has no committed offsets (name a --topic)",
			 group);
		rc = YB_ENOTFOUND;
	}
	for (size_t i = 0; i < *count && rc == YB_OK; i++) {
		yb_offset_reset *r = &(*plan)[i];
		int64_t low = 0, high = 0;

		if (rd_kafka_query_watermark_offsets(rk, r->topic, r->partition, &low, &high,
						     timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "watermarks of %s [%d]", r->topic,
				 (int)r->partition);
			rc = YB_EIO;
			break;
		}
		switch (mode) {
		case YB_RESET_EARLIEST:
			r->target = low;
			break;
		case YB_RESET_LATEST:
			r->target = high;
			break;
		case YB_RESET_OFFSET:
			r->target = clamp(value, low, high);
			break;
		case YB_RESET_SHIFT:
			r->target = clamp((r->current >= 0 ? r->current : low) + value, low, high);
			break;
		case YB_RESET_DATETIME: {
			rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);

			rd_kafka_topic_partition_list_add(l, r->topic, r->partition)->offset =
			    value;
			if (rd_kafka_offsets_for_times(rk, l, timeout_ms) !=
				RD_KAFKA_RESP_ERR_NO_ERROR ||
			    l->elems[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				snprintf(errstr, errlen, "offsets for times of %s [%d]", r->topic,
					 (int)r->partition);
				rc = YB_EIO;
			} else {
				/* -1: no record at or after the time: the end. */
				r->target = l->elems[0].offset >= 0 ? l->elems[0].offset : high;
			}
			rd_kafka_topic_partition_list_destroy(l);
			break;
		}
		}
	}
out:
	if (rk != NULL)
		rd_kafka_destroy(rk);
	free(groups);
	free(parts);
	if (rc != YB_OK) {
		free(*plan);
		*plan = NULL;
		*count = 0;
	}
	return rc;
}

int yb_kafka_apply_reset(const yb_props *props, const char *group, const yb_offset_reset *plan,
			 size_t count, int timeout_ms, char *errstr, size_t errlen)
{
	rd_kafka_t *rk = consumer(props, errstr, errlen);
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_AlterConsumerGroupOffsets_t *req;
	rd_kafka_AdminOptions_t *o;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	const rd_kafka_group_result_t **res;
	size_t n;
	int rc = YB_OK;
	char ignored[128];

	if (rk == NULL)
		return YB_EIO;
	list = rd_kafka_topic_partition_list_new((int)count);
	for (size_t i = 0; i < count; i++)
		rd_kafka_topic_partition_list_add(list, plan[i].topic, plan[i].partition)->offset =
		    plan[i].target;
	req = rd_kafka_AlterConsumerGroupOffsets_new(group, list);
	o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS);
	rd_kafka_AdminOptions_set_request_timeout(o, timeout_ms, ignored, sizeof(ignored));
	q = rd_kafka_queue_new(rk);
	rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
	ev = rd_kafka_queue_poll(q, timeout_ms + 2000);
	if (ev == NULL || rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "AlterConsumerGroupOffsets: %s",
			 ev != NULL ? rd_kafka_event_error_string(ev) : "no answer");
		rc = YB_EIO;
	} else {
		res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
		    rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
		if (n == 0 || rd_kafka_group_result_error(res[0]) != NULL) {
			snprintf(errstr, errlen, "AlterConsumerGroupOffsets: %s",
				 n == 0
				     ? "no answer"
				     : rd_kafka_error_string(rd_kafka_group_result_error(res[0])));
			rc = YB_EIO;
		} else {
			const rd_kafka_topic_partition_list_t *done =
			    rd_kafka_group_result_partitions(res[0]);

			for (int i = 0; done != NULL && i < done->cnt && rc == YB_OK; i++) {
				if (done->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
					snprintf(errstr, errlen, "%s [%d]: %s",
						 done->elems[i].topic,
						 (int)done->elems[i].partition,
						 rd_kafka_err2str(done->elems[i].err));
					rc = YB_EIO;
				}
			}
		}
	}
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_AlterConsumerGroupOffsets_destroy(req);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_topic_partition_list_destroy(list);
	rd_kafka_destroy(rk);
	return rc;
}
