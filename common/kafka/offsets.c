/*
 * Consumer group offset resets; see offsets.h. Each step asks what Kafka's tool
 * (ConsumerGroupCommand) asks: the group's description and committed offsets from the admin
 * API, the log start and end, and offsets for times. The log end is the high watermark, as
 * a read_uncommitted client sees it, like Kafka's tool (not the last stable offset).
 */
#include "kafka/offsets.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/kafka_client.h"
#include "base/error.h"

static rd_kafka_t *client(const yb_props *props, char *errstr, size_t errlen)
{
	const char *settings[] = {"enable.auto.commit", "false", "isolation.level",
				  "read_uncommitted", NULL};

	return yb_kafka_probe_new(props, "yb-offsets-probe", settings, errstr, errlen);
}

/* The group's state and member count; a group the broker does not know is "Dead". */
static int describe_group(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *group, int timeout_ms,
			  char state[32], int *members, char *errstr, size_t errlen)
{
	rd_kafka_AdminOptions_t *o =
	    yb_kafka_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
	const rd_kafka_ConsumerGroupDescription_t **descs;
	const rd_kafka_error_t *error;
	rd_kafka_event_t *ev;
	size_t n;
	int rc = YB_OK;

	rd_kafka_DescribeConsumerGroups(rk, &group, 1, o, q);
	rd_kafka_AdminOptions_destroy(o);
	ev = yb_kafka_admin_answer(q, timeout_ms, "DescribeConsumerGroups", errstr, errlen);
	if (ev == NULL)
		return YB_EIO;
	descs = rd_kafka_DescribeConsumerGroups_result_groups(
	    rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
	error = n == 1 ? rd_kafka_ConsumerGroupDescription_error(descs[0]) : NULL;
	if (n != 1) {
		snprintf(errstr, errlen, "DescribeConsumerGroups: no answer for %s", group);
		rc = YB_EIO;
	} else if (error != NULL &&
		   rd_kafka_error_code(error) != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
		snprintf(errstr, errlen, "group %s: %s", group, rd_kafka_error_string(error));
		rc = YB_EIO;
	} else {
		snprintf(state, 32, "%s",
			 error != NULL ? "Dead"
				       : rd_kafka_consumer_group_state_name(
					     rd_kafka_ConsumerGroupDescription_state(descs[0])));
		*members = error != NULL
			       ? 0
			       : (int)rd_kafka_ConsumerGroupDescription_member_count(descs[0]);
	}
	rd_kafka_event_destroy(ev);
	return rc;
}

/* The group's committed offsets, as entries of *committed with current (and target) set. */
static int list_committed(rd_kafka_t *rk, rd_kafka_queue_t *q, const char *group, int timeout_ms,
			  yb_offset_plan *committed, char *errstr, size_t errlen)
{
	rd_kafka_event_t *ev = NULL;
	const rd_kafka_topic_partition_list_t *list = NULL;
	char reason[512];
	int rc =
	    yb_kafka_group_offsets(rk, q, group, timeout_ms, &ev, &list, reason, sizeof(reason));

	if (rc != YB_OK) {
		snprintf(errstr, errlen, "offsets of %s: %s", group, reason);
		return rc;
	}
	for (int i = 0; list != NULL && i < list->cnt && rc == YB_OK; i++) {
		const rd_kafka_topic_partition_t *tp = &list->elems[i];
		int64_t offset = tp->offset >= 0 ? tp->offset : -1;

		/* As Kafka's admin client: a partition answered with an error is left out. */
		if (tp->err != RD_KAFKA_RESP_ERR_NO_ERROR)
			continue;
		rc = yb_offset_plan_put(committed, tp->topic, tp->partition, offset);
		if (rc == YB_OK)
			yb_offset_plan_find(committed, tp->topic, tp->partition)->current = offset;
	}
	rd_kafka_event_destroy(ev);
	return rc;
}

static int has_partition(const int32_t *ids, int count, int32_t partition)
{
	for (int i = 0; i < count; i++) {
		if (ids[i] == partition)
			return 1;
	}
	return 0;
}

/* Each partition of a --topic scope once: every partition of a topic named alone, the
 * listed ones (which must exist) otherwise; targets carried over (a plan file's offsets). */
static int expand_scope(rd_kafka_t *rk, const yb_offset_plan *scope, int timeout_ms,
			yb_offset_plan *plan, char *errstr, size_t errlen)
{
	const char *ids_topic = NULL;
	int32_t *ids = NULL;
	int count = 0, rc = YB_OK;

	for (size_t i = 0; i < scope->count && rc == YB_OK; i++) {
		const yb_offset_reset *s = &scope->items[i];

		if (ids_topic == NULL || strcmp(ids_topic, s->topic) != 0) {
			free(ids);
			ids_topic = s->topic;
			rc = yb_kafka_topic_partitions(rk, s->topic, timeout_ms, &ids, &count,
						       errstr, errlen);
		}
		for (int p = 0; rc == YB_OK && s->partition == YB_ALL_PARTITIONS && p < count; p++)
			rc = yb_offset_plan_put(plan, s->topic, ids[p], s->target);
		if (rc != YB_OK || s->partition == YB_ALL_PARTITIONS)
			continue;
		if (!has_partition(ids, count, s->partition)) {
			snprintf(errstr, errlen, "topic %s has no partition %d (it has %d)",
				 s->topic, (int)s->partition, count);
			rc = YB_ENOTFOUND;
		} else {
			rc = yb_offset_plan_put(plan, s->topic, s->partition, s->target);
		}
	}
	free(ids);
	return rc;
}

/* The partitions to reset, each with the group's committed offset (-1 when none). */
static int choose_partitions(rd_kafka_t *rk, const yb_reset_request *req,
			     const yb_offset_plan *committed, yb_offset_plan *plan, char *errstr,
			     size_t errlen)
{
	int rc = YB_OK;

	if (req->all_topics) {
		for (size_t i = 0; i < committed->count && rc == YB_OK; i++)
			rc = yb_offset_plan_put(plan, committed->items[i].topic,
						committed->items[i].partition, -1);
		if (rc == YB_OK && plan->count == 0) {
			snprintf(errstr, errlen,
				 "group %s has no committed offsets: name the partitions with "
				 "--topic",
				 req->group);
			rc = YB_ENOTFOUND;
		}
	} else {
		rc = expand_scope(rk, req->scope, req->timeout_ms, plan, errstr, errlen);
	}
	for (size_t i = 0; i < plan->count && rc == YB_OK; i++) {
		const yb_offset_reset *c =
		    yb_offset_plan_find(committed, plan->items[i].topic, plan->items[i].partition);

		plan->items[i].current = c != NULL ? c->current : -1;
	}
	if (rc == YB_OK)
		yb_offset_plan_sort(plan);
	return rc;
}

/* v kept within low..high, as Kafka's tool keeps a requested offset, noting a change. */
static void within_log(yb_offset_reset *r, int64_t v, int64_t low, int64_t high)
{
	r->target = v > high ? high : v < low ? low : v;
	r->note = v > high  ? YB_RESET_LOWERED_TO_END
		  : v < low ? YB_RESET_RAISED_TO_START
			    : YB_RESET_AS_ASKED;
}

/* The first offset at or after time ms of every partition of the plan, in one request. */
static rd_kafka_topic_partition_list_t *offsets_for_time(rd_kafka_t *rk, const yb_offset_plan *plan,
							 int64_t ms, int timeout_ms, char *errstr,
							 size_t errlen)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)plan->count);
	rd_kafka_resp_err_t err;

	for (size_t i = 0; i < plan->count; i++)
		rd_kafka_topic_partition_list_add(l, plan->items[i].topic, plan->items[i].partition)
		    ->offset = ms;
	err = rd_kafka_offsets_for_times(rk, l, timeout_ms);
	for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < l->cnt; i++)
		err = l->elems[i].err;
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "offsets for times: %s", rd_kafka_err2str(err));
		rd_kafka_topic_partition_list_destroy(l);
		l = NULL;
	}
	return l;
}

/* One partition's new offset, given its log start and end. */
static int set_target(yb_offset_reset *r, const yb_reset_request *req,
		      const rd_kafka_topic_partition_list_t *times, int64_t low, int64_t high,
		      char *errstr, size_t errlen)
{
	const rd_kafka_topic_partition_t *found;
	int64_t shifted;

	r->note = YB_RESET_AS_ASKED;
	switch (req->mode) {
	case YB_RESET_EARLIEST:
		r->target = low;
		break;
	case YB_RESET_LATEST:
		r->target = high;
		break;
	case YB_RESET_CURRENT:
		r->target = r->current >= 0 ? r->current : high;
		break;
	case YB_RESET_OFFSET:
		within_log(r, req->value, low, high);
		break;
	case YB_RESET_FILE:
		within_log(r, r->target, low, high);
		break;
	case YB_RESET_SHIFT:
		if (r->current < 0) {
			snprintf(errstr, errlen,
				 "cannot shift %s [%d]: the group has no committed offset there",
				 r->topic, (int)r->partition);
			return YB_EINVAL;
		}
		if (__builtin_add_overflow(r->current, req->value, &shifted))
			shifted = req->value < 0 ? INT64_MIN : INT64_MAX;
		within_log(r, shifted, low, high);
		break;
	case YB_RESET_DATETIME:
		found = rd_kafka_topic_partition_list_find(times, r->topic, r->partition);
		r->target = found != NULL && found->offset >= 0 ? found->offset : high;
		if (found == NULL || found->offset < 0)
			r->note = YB_RESET_NO_LATER_RECORD;
		break;
	}
	return YB_OK;
}

static int set_targets(rd_kafka_t *rk, const yb_reset_request *req, yb_offset_plan *plan,
		       char *errstr, size_t errlen)
{
	rd_kafka_topic_partition_list_t *times = NULL;
	int rc = YB_OK;

	if (req->mode == YB_RESET_DATETIME &&
	    (times = offsets_for_time(rk, plan, req->value, req->timeout_ms, errstr, errlen)) ==
		NULL)
		return YB_EIO;
	for (size_t i = 0; i < plan->count && rc == YB_OK; i++) {
		yb_offset_reset *r = &plan->items[i];
		int64_t low = 0, high = 0;
		rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
		    rk, r->topic, r->partition, &low, &high, req->timeout_ms);

		if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "log start and end of %s [%d]: %s", r->topic,
				 (int)r->partition, rd_kafka_err2str(err));
			rc = YB_EIO;
		} else {
			rc = set_target(r, req, times, low, high, errstr, errlen);
		}
	}
	if (times != NULL)
		rd_kafka_topic_partition_list_destroy(times);
	return rc;
}

int yb_kafka_plan_reset(const yb_props *props, const yb_reset_request *req, yb_offset_plan *plan,
			char state[32], int *members, char *errstr, size_t errlen)
{
	yb_offset_plan committed = {0};
	rd_kafka_t *rk = client(props, errstr, errlen);
	rd_kafka_queue_t *q;
	int rc;

	if (rk == NULL)
		return YB_EIO;
	q = rd_kafka_queue_new(rk);
	rc = describe_group(rk, q, req->group, req->timeout_ms, state, members, errstr, errlen);
	if (rc == YB_OK)
		rc = list_committed(rk, q, req->group, req->timeout_ms, &committed, errstr, errlen);
	if (rc == YB_OK)
		rc = choose_partitions(rk, req, &committed, plan, errstr, errlen);
	if (rc == YB_OK)
		rc = set_targets(rk, req, plan, errstr, errlen);
	if (rc != YB_OK)
		yb_offset_plan_free(plan);
	yb_offset_plan_free(&committed);
	rd_kafka_queue_destroy(q);
	rd_kafka_destroy(rk);
	return rc;
}

/* Every partition's answer to the commit: the first error, or YB_OK. */
static int apply_answer(rd_kafka_event_t *ev, char *errstr, size_t errlen)
{
	size_t n;
	const rd_kafka_group_result_t **res = rd_kafka_AlterConsumerGroupOffsets_result_groups(
	    rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
	const rd_kafka_topic_partition_list_t *done;

	if (n == 0 || rd_kafka_group_result_error(res[0]) != NULL) {
		snprintf(errstr, errlen, "AlterConsumerGroupOffsets: %s",
			 n == 0 ? "no answer"
				: rd_kafka_error_string(rd_kafka_group_result_error(res[0])));
		return YB_EIO;
	}
	done = rd_kafka_group_result_partitions(res[0]);
	for (int i = 0; done != NULL && i < done->cnt; i++) {
		if (done->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "%s [%d]: %s", done->elems[i].topic,
				 (int)done->elems[i].partition,
				 rd_kafka_err2str(done->elems[i].err));
			return YB_EIO;
		}
	}
	return YB_OK;
}

int yb_kafka_apply_reset(const yb_props *props, const char *group, const yb_offset_plan *plan,
			 int timeout_ms, char *errstr, size_t errlen)
{
	rd_kafka_t *rk = client(props, errstr, errlen);
	rd_kafka_topic_partition_list_t *list;
	rd_kafka_AlterConsumerGroupOffsets_t *req;
	rd_kafka_AdminOptions_t *o;
	rd_kafka_queue_t *q;
	rd_kafka_event_t *ev;
	int rc;

	if (rk == NULL)
		return YB_EIO;
	list = rd_kafka_topic_partition_list_new((int)plan->count);
	for (size_t i = 0; i < plan->count; i++)
		rd_kafka_topic_partition_list_add(list, plan->items[i].topic,
						  plan->items[i].partition)
		    ->offset = plan->items[i].target;
	req = rd_kafka_AlterConsumerGroupOffsets_new(group, list);
	o = yb_kafka_admin_options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout_ms);
	q = rd_kafka_queue_new(rk);
	rd_kafka_AlterConsumerGroupOffsets(rk, &req, 1, o, q);
	ev = yb_kafka_admin_answer(q, timeout_ms, "AlterConsumerGroupOffsets", errstr, errlen);
	rc = ev != NULL ? apply_answer(ev, errstr, errlen) : YB_EIO;
	if (ev != NULL)
		rd_kafka_event_destroy(ev);
	rd_kafka_queue_destroy(q);
	rd_kafka_AlterConsumerGroupOffsets_destroy(req);
	rd_kafka_AdminOptions_destroy(o);
	rd_kafka_topic_partition_list_destroy(list);
	rd_kafka_destroy(rk);
	return rc;
}
