/*
 * Consumer lag through librdkafka's admin API; see lag.h.
 *
 * Groups and their state: ListConsumerGroups and DescribeConsumerGroups. Committed offsets:
 * ListConsumerGroupOffsets. The log end and the last stable offset: the high watermark as
 * a read_uncommitted and as a read_committed client see it (the broker answers a
 * read_committed ListOffsets with the LSO). Whether a lagging partition holds a readable
 * record at all (or only markers): a read_committed consumer assigned at the committed
 * offset reads one record, or reaches the end. A partition appears once per assignment, so
 * partitions several groups are behind on are probed in rounds.
 */
#include "kafka/lag.h"

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/clock.h"
#include "kafka/kafka_client.h"
#include "base/error.h"

/* A client of the given isolation level, with the user's "kafka.*" properties. */
static rd_kafka_t *client(const yb_props *props, const char *isolation, char *errstr, size_t errlen)
{
	const char *settings[] = {"isolation.level", isolation, "enable.auto.commit", "false",
				  "enable.partition.eof", "true",
				  /* a probe wants the end at once, not data */
				  "fetch.wait.max.ms", "10", NULL};
	char group[64];

	snprintf(group, sizeof(group), "yb-lag-probe-%s", isolation);
	return yb_kafka_probe_new(props, group, settings, errstr, errlen);
}

static int list_groups(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms, char ***names,
		       size_t *count, char *errstr, size_t errlen)
{
	rd_kafka_AdminOptions_t *o =
	    yb_kafka_admin_options(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeout_ms);
	rd_kafka_event_t *ev;
	const rd_kafka_ConsumerGroupListing_t **list;
	const rd_kafka_error_t **errors;
	size_t n, error_count = 0;

	rd_kafka_ListConsumerGroups(rk, o, q);
	rd_kafka_AdminOptions_destroy(o);
	ev = yb_kafka_admin_answer(q, timeout_ms, "ListConsumerGroups", errstr, errlen);
	if (ev == NULL)
		return YB_EIO;
	list = rd_kafka_ListConsumerGroups_result_valid(
	    rd_kafka_event_ListConsumerGroups_result(ev), &n);
	errors = rd_kafka_ListConsumerGroups_result_errors(
	    rd_kafka_event_ListConsumerGroups_result(ev), &error_count);
	/* No broker answered: the cluster is unreachable, not empty. (Some answering is a
	 * listing of the groups those brokers coordinate.) */
	if (n == 0 && error_count > 0) {
		snprintf(errstr, errlen, "ListConsumerGroups: %s",
			 rd_kafka_error_string(errors[0]));
		rd_kafka_event_destroy(ev);
		return YB_EIO;
	}
	*names = calloc(n > 0 ? n : 1, sizeof(char *));
	*count = 0;
	for (size_t i = 0; i < n && *names != NULL; i++) {
		const char *id = rd_kafka_ConsumerGroupListing_group_id(list[i]);

		/* Our own probes are not the user's groups. */
		if (strncmp(id, "yb-lag-probe-", 13) == 0)
			continue;
		(*names)[(*count)++] = strdup(id);
	}
	rd_kafka_event_destroy(ev);
	return *names != NULL ? YB_OK : YB_ENOMEM;
}

static int by_group(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_partition(const void *a, const void *b)
{
	const yb_partition_lag *x = a, *y = b;
	int c;

	if (x->group != y->group)
		return x->group - y->group;
	c = strcmp(x->topic, y->topic);
	return c != 0 ? c : x->partition - y->partition;
}

static int describe(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms, char **names, size_t count,
		    yb_group_info *info, char *errstr, size_t errlen)
{
	rd_kafka_AdminOptions_t *o =
	    yb_kafka_admin_options(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout_ms);
	rd_kafka_event_t *ev;
	const rd_kafka_ConsumerGroupDescription_t **descs;
	size_t n;

	rd_kafka_DescribeConsumerGroups(rk, (const char **)names, count, o, q);
	rd_kafka_AdminOptions_destroy(o);
	ev = yb_kafka_admin_answer(q, timeout_ms, "DescribeConsumerGroups", errstr, errlen);
	if (ev == NULL)
		return YB_EIO;
	descs = rd_kafka_DescribeConsumerGroups_result_groups(
	    rd_kafka_event_DescribeConsumerGroups_result(ev), &n);
	for (size_t i = 0; i < count; i++) {
		snprintf(info[i].group, sizeof(info[i].group), "%s", names[i]);
		snprintf(info[i].state, sizeof(info[i].state), "Unknown");
	}
	/* The answers come in any order: match them by group id. */
	for (size_t d = 0; d < n; d++) {
		const char *id = rd_kafka_ConsumerGroupDescription_group_id(descs[d]);

		for (size_t i = 0; i < count; i++) {
			if (strcmp(names[i], id) != 0 ||
			    rd_kafka_ConsumerGroupDescription_error(descs[d]) != NULL)
				continue;
			snprintf(info[i].state, sizeof(info[i].state), "%s",
				 rd_kafka_consumer_group_state_name(
				     rd_kafka_ConsumerGroupDescription_state(descs[d])));
			info[i].members =
			    (int)rd_kafka_ConsumerGroupDescription_member_count(descs[d]);
		}
	}
	rd_kafka_event_destroy(ev);
	return YB_OK;
}

/* Append the committed offsets of group g to *parts. */
static int committed(rd_kafka_t *rk, rd_kafka_queue_t *q, int timeout_ms, const char *group, int g,
		     yb_partition_lag **parts, size_t *count, size_t *cap, char *errstr,
		     size_t errlen)
{
	rd_kafka_event_t *ev = NULL;
	const rd_kafka_topic_partition_list_t *list = NULL;
	int rc = yb_kafka_group_offsets(rk, q, group, timeout_ms, &ev, &list, errstr, errlen);

	if (rc != YB_OK)
		return rc;
	for (int i = 0; list != NULL && i < list->cnt && rc == YB_OK; i++) {
		yb_partition_lag *p;

		if (*count == *cap) {
			size_t grown_cap = *cap == 0 ? 64 : *cap * 2;
			yb_partition_lag *grown = realloc(*parts, grown_cap * sizeof(*grown));

			if (grown == NULL) {
				rc = YB_ENOMEM;
				break;
			}
			*parts = grown;
			*cap = grown_cap;
		}
		p = &(*parts)[(*count)++];
		memset(p, 0, sizeof(*p));
		p->group = g;
		snprintf(p->topic, sizeof(p->topic), "%s", list->elems[i].topic);
		p->partition = list->elems[i].partition;
		p->committed = list->elems[i].offset >= 0 ? list->elems[i].offset : -1;
	}
	rd_kafka_event_destroy(ev);
	return rc;
}

/* Stop fetching a partition whose answer we have, so the others' come sooner. */
static void pause_partition(rd_kafka_t *rk, const char *topic, int32_t partition)
{
	rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(one, topic, partition);
	rd_kafka_pause_partitions(rk, one);
	rd_kafka_topic_partition_list_destroy(one);
}

/* Does (topic, partition) of the probe's answer m match p? */
static bool answers(const rd_kafka_message_t *m, const yb_partition_lag *p)
{
	return p->partition == m->partition && strcmp(p->topic, rd_kafka_topic_name(m->rkt)) == 0;
}

/*
 * One round of probes: each partition once, at the committed offset of the first group not
 * yet probed there (and every other group at that same offset). A partition whose next
 * read_committed record is the end holds only markers (or aborted records): not lag.
 * Returns how many entries the round settled; 0 when none was left or the round failed.
 */
static size_t probe_round(rd_kafka_t *rc, yb_partition_lag *parts, bool *probed, size_t count,
			  int64_t deadline)
{
	rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new(16);
	size_t waiting = 0, settled = 0;

	for (size_t i = 0; i < count; i++) {
		if (probed[i] || rd_kafka_topic_partition_list_find(assign, parts[i].topic,
								    parts[i].partition) != NULL)
			continue;
		rd_kafka_topic_partition_list_add(assign, parts[i].topic, parts[i].partition)
		    ->offset = parts[i].committed;
		waiting++;
	}
	if (waiting == 0 || rd_kafka_assign(rc, assign) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		rd_kafka_topic_partition_list_destroy(assign);
		return 0;
	}
	while (waiting > 0 && yb_mono_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rc, 100);
		const rd_kafka_topic_partition_t *tp;

		if (m == NULL)
			continue;
		tp = m->rkt != NULL ? rd_kafka_topic_partition_list_find(
					  assign, rd_kafka_topic_name(m->rkt), m->partition)
				    : NULL;
		if (tp != NULL && (m->err == RD_KAFKA_RESP_ERR_NO_ERROR ||
				   m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)) {
			waiting--;
			pause_partition(rc, tp->topic, tp->partition);
			for (size_t i = 0; i < count; i++) {
				if (probed[i] || !answers(m, &parts[i]) ||
				    parts[i].committed != tp->offset)
					continue;
				probed[i] = true;
				settled++;
				if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
					parts[i].lag = 0;
			}
		}
		rd_kafka_message_destroy(m);
	}
	/* The client probes again: leave it unpaused and unassigned. */
	rd_kafka_resume_partitions(rc, assign);
	rd_kafka_assign(rc, NULL);
	rd_kafka_topic_partition_list_destroy(assign);
	return settled;
}

/* Set the lag of lagging partitions that hold only transaction markers to 0. */
static int probe_markers(rd_kafka_t *rc, yb_partition_lag *parts, size_t count, int timeout_ms)
{
	bool *probed = calloc(count > 0 ? count : 1, sizeof(bool));
	int64_t deadline = yb_mono_ms() + timeout_ms;

	if (probed == NULL)
		return YB_ENOMEM;
	for (size_t i = 0; i < count; i++)
		probed[i] = !(parts[i].lag > 0 && parts[i].committed >= 0);
	while (yb_mono_ms() < deadline && probe_round(rc, parts, probed, count, deadline) > 0)
		;
	free(probed);
	return YB_OK;
}

struct yb_lag_meter {
	rd_kafka_t *ru; /* read_uncommitted: admin requests and the log end */
	rd_kafka_t *rc; /* read_committed: the last stable offset and the marker probes */
	rd_kafka_queue_t *q;
	char brokers[256]; /* the bootstrap servers, to name in errors */
};

yb_lag_meter *yb_lag_meter_new(const yb_props *props, char *errstr, size_t errlen)
{
	yb_lag_meter *m = calloc(1, sizeof(*m));

	if (m == NULL) {
		snprintf(errstr, errlen, "out of memory");
		return NULL;
	}
	m->ru = client(props, "read_uncommitted", errstr, errlen);
	m->rc = m->ru != NULL ? client(props, "read_committed", errstr, errlen) : NULL;
	if (m->rc == NULL) {
		yb_lag_meter_destroy(m);
		return NULL;
	}
	m->q = rd_kafka_queue_new(m->ru);
	snprintf(m->brokers, sizeof(m->brokers), "%s",
		 yb_props_get(props, YB_KAFKA_PROP_PREFIX "bootstrap.servers") != NULL
		     ? yb_props_get(props, YB_KAFKA_PROP_PREFIX "bootstrap.servers")
		     : "(no bootstrap.servers)");
	return m;
}

void yb_lag_meter_destroy(yb_lag_meter *m)
{
	if (m == NULL)
		return;
	if (m->q != NULL)
		rd_kafka_queue_destroy(m->q);
	if (m->rc != NULL) {
		rd_kafka_consumer_close(m->rc);
		rd_kafka_destroy(m->rc);
	}
	if (m->ru != NULL)
		rd_kafka_destroy(m->ru);
	free(m);
}

/* The cluster did not answer: say which cluster, then librdkafka's reason. */
static int unreachable(const yb_lag_meter *m, char *errstr, size_t errlen)
{
	char reason[512];

	snprintf(reason, sizeof(reason), "%s", errstr);
	snprintf(errstr, errlen, "the Kafka cluster at %s did not answer: %s", m->brokers, reason);
	return YB_EIO;
}

/* The ends of every partition, and the lag in messages to the last stable offset. */
static int ends(yb_lag_meter *m, yb_partition_lag *lag, size_t count, int timeout_ms, char *errstr,
		size_t errlen)
{
	yb_end_query *q = calloc(count + 1, sizeof(*q));
	int64_t *log_end = calloc(count + 1, sizeof(*log_end));
	int rc = q == NULL || log_end == NULL ? YB_ENOMEM : YB_OK;

	for (size_t i = 0; rc == YB_OK && i < count; i++)
		q[i] = (yb_end_query){.topic = lag[i].topic, .partition = lag[i].partition};
	/* One request for every log end, one for every last stable offset: a cluster that does
	 * not answer costs one timeout each, not two per partition. */
	if (rc == YB_OK)
		rc = yb_kafka_latest_offsets(m->ru, q, count, timeout_ms, errstr, errlen);
	for (size_t i = 0; rc == YB_OK && i < count; i++)
		log_end[i] = q[i].end;
	if (rc == YB_OK)
		rc = yb_kafka_latest_offsets(m->rc, q, count, timeout_ms, errstr, errlen);
	for (size_t i = 0; rc == YB_OK && i < count; i++) {
		yb_partition_lag *p = &lag[i];
		int64_t stable = q[i].end;

		p->lag_ms = -1;
		if (log_end[i] < 0 || stable < 0) {
			p->log_end = p->stable_end = p->lag = -1;
			continue;
		}
		p->log_end = log_end[i];
		p->stable_end = stable;
		p->lag =
		    p->committed < 0 ? -1 : (stable > p->committed ? stable - p->committed : 0);
	}
	free(q);
	free(log_end);
	return rc;
}

int yb_lag_meter_measure(yb_lag_meter *m, const char *group, int timeout_ms, yb_group_info **groups,
			 size_t *group_count, yb_partition_lag **parts, size_t *part_count,
			 char *errstr, size_t errlen)
{
	char **names = NULL;
	size_t names_count = 0, cap = 0;
	yb_group_info *info = NULL;
	yb_partition_lag *lag = NULL;
	size_t lag_count = 0;
	int rc_err = YB_ENOMEM;

	*groups = NULL;
	*parts = NULL;
	*group_count = *part_count = 0;
	if (group != NULL) {
		names = calloc(1, sizeof(char *));
		if (names == NULL || (names[0] = strdup(group)) == NULL)
			goto out;
		names_count = 1;
	} else if ((rc_err = list_groups(m->ru, m->q, timeout_ms, &names, &names_count, errstr,
					 errlen)) != YB_OK) {
		rc_err = rc_err == YB_EIO ? unreachable(m, errstr, errlen) : rc_err;
		goto out;
	}
	qsort(names, names_count, sizeof(names[0]), by_group);
	info = calloc(names_count > 0 ? names_count : 1, sizeof(*info));
	if (info == NULL) {
		rc_err = YB_ENOMEM;
		goto out;
	}
	if (names_count > 0 && (rc_err = describe(m->ru, m->q, timeout_ms, names, names_count, info,
						  errstr, errlen)) != YB_OK) {
		rc_err = unreachable(m, errstr, errlen);
		goto out;
	}
	if (group != NULL && strcmp(info[0].state, "Dead") == 0) {
		snprintf(errstr, errlen, "no consumer group %s", group);
		rc_err = YB_ENOTFOUND;
		goto out;
	}
	/* One group's offsets that cannot be read do not blank the others'. */
	for (size_t g = 0; g < names_count; g++) {
		rc_err = committed(m->ru, m->q, timeout_ms, names[g], (int)g, &lag, &lag_count,
				   &cap, info[g].error, sizeof(info[g].error));
		if (rc_err == YB_ENOMEM)
			goto out;
	}
	rc_err = ends(m, lag, lag_count, timeout_ms, errstr, errlen);
	if (rc_err == YB_ETIMEDOUT || rc_err == YB_EIO)
		rc_err = unreachable(m, errstr, errlen);
	if (rc_err != YB_OK)
		goto out;
	if (probe_markers(m->rc, lag, lag_count, timeout_ms) != YB_OK) {
		rc_err = YB_ENOMEM;
		goto out;
	}
	if (lag_count > 0)
		qsort(lag, lag_count, sizeof(lag[0]), by_partition);
	*groups = info;
	*group_count = names_count;
	*parts = lag;
	*part_count = lag_count;
	info = NULL;
	lag = NULL;
	rc_err = YB_OK;
out:
	for (size_t i = 0; i < names_count; i++)
		free(names[i]);
	free(names);
	free(info);
	free(lag);
	return rc_err;
}

int yb_lag_meter_topic_end(yb_lag_meter *m, const char *topic, int timeout_ms, int64_t *records,
			   char *errstr, size_t errlen)
{
	int32_t *ids = NULL;
	int count = 0;
	int rc = yb_kafka_topic_partitions(m->rc, topic, timeout_ms, &ids, &count, errstr, errlen);

	*records = 0;
	for (int p = 0; rc == YB_OK && p < count; p++) {
		int64_t low, high;

		if (rd_kafka_query_watermark_offsets(m->rc, topic, ids[p], &low, &high,
						     timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "watermarks of %s", topic);
			rc = YB_EIO;
		} else {
			*records += high;
		}
	}
	free(ids);
	return rc;
}

int yb_kafka_lag(const yb_props *props, const char *group, int timeout_ms, yb_group_info **groups,
		 size_t *group_count, yb_partition_lag **parts, size_t *part_count, char *errstr,
		 size_t errlen)
{
	yb_lag_meter *m = yb_lag_meter_new(props, errstr, errlen);
	int rc;

	*groups = NULL;
	*parts = NULL;
	*group_count = *part_count = 0;
	if (m == NULL)
		return YB_EIO;
	rc = yb_lag_meter_measure(m, group, timeout_ms, groups, group_count, parts, part_count,
				  errstr, errlen);
	yb_lag_meter_destroy(m);
	return rc;
}
