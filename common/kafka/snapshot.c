/* Bounded reads of a topic; see snapshot.h. */
#include "kafka/snapshot.h"

#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/kafka_client.h"
#include "base/error.h"

int yb_snapshot_read(const yb_props *props, const char *topic, int timeout_ms, yb_snapshot_fn fn,
		     void *opaque, size_t *count, char *errstr, size_t errlen)
{
	const char *settings[] = {"isolation.level",
				  "read_committed",
				  "enable.auto.commit",
				  "false",
				  "enable.partition.eof",
				  "true",
				  NULL};
	rd_kafka_t *rk = yb_kafka_probe_new(props, "yb-snapshot", settings, errstr, errlen);
	rd_kafka_topic_partition_list_t *assign = NULL;
	int32_t *ids = NULL;
	int64_t *ends = NULL;
	int partitions = 0, open = 0, rc = YB_OK;
	size_t read = 0;

	if (count != NULL)
		*count = 0;
	if (rk == NULL)
		return YB_EIO;
	rc = yb_kafka_topic_partitions(rk, topic, timeout_ms, &ids, &partitions, errstr, errlen);
	if (rc != YB_OK)
		goto out;
	ends = calloc((size_t)partitions, sizeof(*ends));
	assign = rd_kafka_topic_partition_list_new(partitions);
	for (int p = 0; p < partitions && ends != NULL; p++) {
		int32_t id = ids[p];
		int64_t low, high;

		/* The read_committed high watermark is the last stable offset. */
		if (rd_kafka_query_watermark_offsets(rk, topic, id, &low, &high, timeout_ms) !=
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			snprintf(errstr, errlen, "watermarks of %s [%d]", topic, (int)id);
			rc = YB_EIO;
			goto out;
		}
		ends[p] = high;
		if (high > low) {
			rd_kafka_topic_partition_list_add(assign, topic, id)->offset =
			    RD_KAFKA_OFFSET_BEGINNING;
			open++;
		}
	}
	if (ends == NULL) {
		rc = YB_ENOMEM;
		goto out;
	}
	if (open > 0 && rd_kafka_assign(rk, assign) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		snprintf(errstr, errlen, "assign %s", topic);
		rc = YB_EIO;
		goto out;
	}
	while (open > 0 && rc == YB_OK) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, timeout_ms);
		int p;

		if (m == NULL) {
			snprintf(errstr, errlen,
				 "%s: nothing read in %d ms, %d partition(s) short of "
				 "their end",
				 topic, timeout_ms, open);
			rc = YB_ETIMEDOUT;
			break;
		}
		for (p = 0; p < partitions && ids[p] != m->partition; p++)
			;
		if (p == partitions || ends[p] < 0) {
			rd_kafka_message_destroy(m);
			continue; /* a partition already done */
		}
		if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset < ends[p]) {
			yb_message msg;
			rd_kafka_timestamp_type_t type;

			memset(&msg, 0, sizeof(msg));
			msg.topic = topic;
			msg.partition = m->partition;
			msg.offset = m->offset;
			msg.timestamp_ms = rd_kafka_message_timestamp(m, &type);
			msg.key = m->key;
			msg.key_len = m->key_len;
			msg.value = m->payload;
			msg.len = m->len;
			read++;
			rc = fn(&msg, opaque);
		} else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR &&
			   m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			snprintf(errstr, errlen, "%s [%d]: %s", topic, (int)m->partition,
				 rd_kafka_message_errstr(m));
			rc = YB_EIO;
		}
		/* Done with a partition at its end, or at the end seen at the start. */
		if (rc == YB_OK &&
		    (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF ||
		     (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset + 1 >= ends[p]))) {
			ends[p] = -1;
			open--;
		}
		rd_kafka_message_destroy(m);
	}
out:
	if (count != NULL)
		*count = read;
	if (assign != NULL)
		rd_kafka_topic_partition_list_destroy(assign);
	free(ids);
	free(ends);
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
	return rc;
}
