/* Records of a topic, counted; see record_count.h. */
#include "kafka/record_count.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/clock.h"
#include "kafka/kafka_client.h"
#include "base/error.h"

struct yb_record_counter {
	rd_kafka_t *rk;
	char topic[256];
	int partitions;  /* assigned so far; 0 before the first update */
	int64_t *eof_at; /* per partition: the end it was last read to, -1 before */
	int64_t records;
};

yb_record_counter *yb_record_counter_new(const yb_props *props, const char *topic, char *errstr,
					 size_t errlen)
{
	static const char *const settings[] = {"isolation.level",
					       "read_committed",
					       "enable.auto.commit",
					       "false",
					       "enable.partition.eof",
					       "true",
					       "fetch.wait.max.ms",
					       "10",
					       NULL};
	yb_record_counter *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		snprintf(errstr, errlen, "out of memory");
		return NULL;
	}
	snprintf(c->topic, sizeof(c->topic), "%s", topic);
	c->rk = yb_kafka_probe_new(props, "yb-record-count", settings, errstr, errlen);
	if (c->rk == NULL) {
		free(c);
		return NULL;
	}
	return c;
}

void yb_record_counter_destroy(yb_record_counter *c)
{
	if (c == NULL)
		return;
	rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy(c->rk);
	free(c->eof_at);
	free(c);
}

/* Assign the partitions not assigned yet (a topic may grow), from their beginning. */
static int assign_new(yb_record_counter *c, int timeout_ms, char *errstr, size_t errlen)
{
	int32_t *ids = NULL;
	int count = 0, rc = yb_kafka_topic_partitions(c->rk, c->topic, timeout_ms, &ids, &count,
						      errstr, errlen);
	rd_kafka_topic_partition_list_t *more;
	rd_kafka_error_t *error;
	int64_t *grown;

	if (rc != YB_OK || count <= c->partitions) {
		free(ids);
		return rc;
	}
	if ((grown = realloc(c->eof_at, (size_t)count * sizeof(*grown))) == NULL) {
		free(ids);
		return YB_ENOMEM;
	}
	c->eof_at = grown;
	for (int i = c->partitions; i < count; i++)
		c->eof_at[i] = -1;
	more = rd_kafka_topic_partition_list_new(count - c->partitions);
	for (int i = 0; i < count; i++) {
		if (ids[i] >= c->partitions)
			rd_kafka_topic_partition_list_add(more, c->topic, ids[i])->offset =
			    RD_KAFKA_OFFSET_BEGINNING;
	}
	error = rd_kafka_incremental_assign(c->rk, more);
	if (error != NULL) {
		snprintf(errstr, errlen, "assign %s: %s", c->topic, rd_kafka_error_string(error));
		rd_kafka_error_destroy(error);
		rc = YB_EIO;
	} else {
		c->partitions = count;
	}
	rd_kafka_topic_partition_list_destroy(more);
	free(ids);
	return rc;
}

int yb_record_counter_update(yb_record_counter *c, int timeout_ms, int64_t *records, char *errstr,
			     size_t errlen)
{
	int64_t deadline = yb_mono_ms() + timeout_ms, *end;
	int rc = assign_new(c, timeout_ms, errstr, errlen), behind = 0;

	*records = c->records;
	if (rc != YB_OK)
		return rc;
	end = calloc((size_t)c->partitions + 1, sizeof(*end));
	if (end == NULL)
		return YB_ENOMEM;
	/* The ends now (read_committed: the last stable offsets); behind where ours are short.
	 * A partition reports its end once it has read all there is, and not again until there
	 * is more, so an idle one is known done by the end it last reported. */
	for (int p = 0; p < c->partitions; p++) {
		int64_t low = 0;

		if (rd_kafka_query_watermark_offsets(c->rk, c->topic, p, &low, &end[p],
						     timeout_ms) != RD_KAFKA_RESP_ERR_NO_ERROR)
			end[p] = c->eof_at[p] + 1; /* unknown: read until it reports its end */
		if (c->eof_at[p] < end[p])
			behind++;
	}
	while (behind > 0 && yb_mono_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);

		if (m == NULL)
			continue;
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			c->records++;
		} else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->partition >= 0 &&
			   m->partition < c->partitions) {
			if (c->eof_at[m->partition] < end[m->partition] &&
			    m->offset >= end[m->partition])
				behind--;
			c->eof_at[m->partition] = m->offset;
		}
		rd_kafka_message_destroy(m);
	}
	free(end);
	*records = c->records;
	return behind == 0 ? YB_OK : YB_ETIMEDOUT;
}
