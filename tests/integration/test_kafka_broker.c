/*
 * librdkafka against the real Kafka 3.9 broker the servers fixture started: the features the
 * pipeline stands on, which librdkafka's mock cluster cannot show.
 *
 *  - a consumer group: a second member resumes exactly where the first committed;
 *  - a transaction: records produced and the input offsets committed atomically, an aborted
 *    transaction hidden from a read_committed consumer (and visible to read_uncommitted);
 *  - offsets_for_times: the earliest offset whose timestamp is at or after a given time;
 *  - the adjudicator's barrier (kafka/kafka.h): the last stable offsets of many partitions in
 *    one request, held back by an open transaction, the same as asked one by one.
 *
 * Each test makes its own topics with a unique suffix, so reruns on a kept broker never meet.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <librdkafka/rdkafka.h>

#include "kafka/kafka.h"
#include "io/props.h"
#include "base/error.h"

#define TIMEOUT_MS 30000

static const char *brokers(void)
{
	const char *value = getenv("YB_TEST_BROKERS");

	if (value == NULL)
		fail_msg("YB_TEST_BROKERS is not set: run through ctest (the servers fixture)");
	return value;
}

/* A name unique to this process and moment: "<base>-<pid>-<ns>". */
static void unique_name(char *buf, size_t len, const char *base)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(buf, len, "%s-%ld-%ld%09ld", base, (long)getpid(), (long)now.tv_sec, now.tv_nsec);
}

static rd_kafka_conf_t *base_conf(void)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	char errstr[256];

	if (rd_kafka_conf_set(conf, "bootstrap.servers", brokers(), errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK)
		fail_msg("%s", errstr);
	return conf;
}

static void conf_set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
	char errstr[256];

	if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
		fail_msg("%s=%s: %s", key, value, errstr);
}

static rd_kafka_t *client_new(rd_kafka_type_t type, rd_kafka_conf_t *conf)
{
	char errstr[256];
	rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));

	if (rk == NULL)
		fail_msg("rd_kafka_new: %s", errstr);
	return rk;
}

static void create_topic(const char *topic, int partitions)
{
	rd_kafka_t *rk = client_new(RD_KAFKA_PRODUCER, base_conf());
	rd_kafka_queue_t *queue = rd_kafka_queue_new(rk);
	char errstr[256];
	rd_kafka_NewTopic_t *new_topic =
	    rd_kafka_NewTopic_new(topic, partitions, 1, errstr, sizeof(errstr));
	rd_kafka_event_t *event;
	const rd_kafka_topic_result_t **results;
	size_t count;

	assert_non_null(new_topic);
	rd_kafka_CreateTopics(rk, &new_topic, 1, NULL, queue);
	event = rd_kafka_queue_poll(queue, TIMEOUT_MS);
	assert_non_null(event);
	assert_int_equal(rd_kafka_event_error(event), RD_KAFKA_RESP_ERR_NO_ERROR);
	results =
	    rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
	assert_int_equal(count, 1);
	if (rd_kafka_topic_result_error(results[0]) != RD_KAFKA_RESP_ERR_NO_ERROR)
		fail_msg("create %s: %s", topic, rd_kafka_topic_result_error_string(results[0]));
	rd_kafka_event_destroy(event);
	rd_kafka_NewTopic_destroy(new_topic);
	rd_kafka_queue_destroy(queue);
	rd_kafka_destroy(rk);
}

static void produce(rd_kafka_t *rk, const char *topic, int32_t partition, const char *key,
		    const char *value, int64_t timestamp_ms)
{
	rd_kafka_resp_err_t err = rd_kafka_producev(
	    rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
	    RD_KAFKA_V_KEY(key, strlen(key)), RD_KAFKA_V_VALUE((void *)value, strlen(value)),
	    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
	    RD_KAFKA_V_END);

	if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
		fail_msg("produce to %s: %s", topic, rd_kafka_err2str(err));
}

/* Delivery reports: count failures so a test can assert that every record landed. */
static void count_failed_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	(void)rk;
	if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR)
		(*(int *)opaque)++;
}

static rd_kafka_t *producer_new(const char *transactional_id, int *failed)
{
	rd_kafka_conf_t *conf = base_conf();

	conf_set(conf, "enable.idempotence", "true");
	conf_set(conf, "linger.ms", "5");
	if (transactional_id != NULL)
		conf_set(conf, "transactional.id", transactional_id);
	rd_kafka_conf_set_dr_msg_cb(conf, count_failed_delivery);
	rd_kafka_conf_set_opaque(conf, failed);
	return client_new(RD_KAFKA_PRODUCER, conf);
}

static rd_kafka_t *consumer_new(const char *group, const char *isolation)
{
	rd_kafka_conf_t *conf = base_conf();

	conf_set(conf, "group.id", group);
	conf_set(conf, "auto.offset.reset", "earliest");
	conf_set(conf, "enable.auto.commit", "false");
	conf_set(conf, "enable.partition.eof", "true");
	conf_set(conf, "isolation.level", isolation);
	return client_new(RD_KAFKA_CONSUMER, conf);
}

static void subscribe(rd_kafka_t *consumer, const char *topic)
{
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
	assert_int_equal(rd_kafka_subscribe(consumer, topics), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_topic_partition_list_destroy(topics);
}

/*
 * Poll until `want` records arrived (want > 0), or until every one of `partitions`
 * partitions reported EOF (want == 0). Values are appended to seen[] (each up to 31 chars).
 */
static int consume(rd_kafka_t *consumer, int want, int partitions, char (*seen)[32], int seen_cap)
{
	int got = 0, eofs = 0;
	time_t deadline = time(NULL) + TIMEOUT_MS / 1000;

	while (time(NULL) < deadline) {
		rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 200);

		if (msg == NULL)
			continue;
		if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			eofs++;
		} else if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fail_msg("consume: %s", rd_kafka_message_errstr(msg));
		} else {
			if (got < seen_cap)
				snprintf(seen[got], 32, "%.*s", (int)msg->len,
					 (const char *)msg->payload);
			got++;
		}
		rd_kafka_message_destroy(msg);
		if ((want > 0 && got == want) || (want == 0 && eofs >= partitions))
			return got;
	}
	fail_msg("consume: timed out with %d records, %d EOFs", got, eofs);
	return got;
}

static int64_t committed_offset(rd_kafka_t *consumer, const char *topic, int32_t partition)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	int64_t offset;

	rd_kafka_topic_partition_list_add(list, topic, partition);
	assert_int_equal(rd_kafka_committed(consumer, list, TIMEOUT_MS),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
	offset = list->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(list);
	return offset;
}

static void consumer_group_member_resumes_at_the_committed_offsets(void **state)
{
	char topic[128], group[128], seen[100][32];
	int failed = 0;
	rd_kafka_t *producer, *first, *second;

	(void)state;
	unique_name(topic, sizeof(topic), "it-group");
	unique_name(group, sizeof(group), "it-group-g");
	create_topic(topic, 2);
	producer = producer_new(NULL, &failed);
	for (int i = 0; i < 100; i++) {
		char key[16], value[16];

		snprintf(key, sizeof(key), "k%d", i);
		snprintf(value, sizeof(value), "v%d", i);
		produce(producer, topic, i % 2, key, value, 0);
	}
	assert_int_equal(rd_kafka_flush(producer, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(failed, 0);
	rd_kafka_destroy(producer);

	/* The first member takes 40 records, commits its position, leaves the group. */
	first = consumer_new(group, "read_committed");
	subscribe(first, topic);
	assert_int_equal(consume(first, 40, 2, seen, 100), 40);
	assert_int_equal(rd_kafka_commit(first, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(rd_kafka_consumer_close(first), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_destroy(first);

	/* The second member of the same group gets exactly the other 60, up to EOF. */
	second = consumer_new(group, "read_committed");
	subscribe(second, topic);
	assert_int_equal(consume(second, 0, 2, seen + 40, 60), 60);
	for (int i = 0; i < 100; i++) {
		for (int j = i + 1; j < 100; j++)
			assert_string_not_equal(seen[i], seen[j]); /* no record twice */
	}
	assert_int_equal(rd_kafka_commit(second, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_true(committed_offset(second, topic, 0) + committed_offset(second, topic, 1) == 100);
	rd_kafka_consumer_close(second);
	rd_kafka_destroy(second);
}

static void transaction_commits_output_and_input_offsets_together(void **state)
{
	char in[128], out[128], group[128], txid[128], readers[128], seen[32][32];
	int failed = 0;
	rd_kafka_t *producer, *consumer, *reader;
	rd_kafka_error_t *error;
	rd_kafka_topic_partition_list_t *positions;
	rd_kafka_consumer_group_metadata_t *cgmd;

	(void)state;
	unique_name(in, sizeof(in), "it-tx-in");
	unique_name(out, sizeof(out), "it-tx-out");
	unique_name(group, sizeof(group), "it-tx-g");
	unique_name(txid, sizeof(txid), "it-tx-id");
	unique_name(readers, sizeof(readers), "it-tx-readers");
	create_topic(in, 1);
	create_topic(out, 1);

	producer = producer_new(NULL, &failed);
	for (int i = 0; i < 10; i++)
		produce(producer, in, 0, "m", "input", 0);
	assert_int_equal(rd_kafka_flush(producer, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
	rd_kafka_destroy(producer);

	/* Consume-transform-produce: 10 inputs in, 10 outputs and the offsets in one commit. */
	consumer = consumer_new(group, "read_committed");
	subscribe(consumer, in);
	assert_int_equal(consume(consumer, 10, 1, seen, 32), 10);

	producer = producer_new(txid, &failed);
	error = rd_kafka_init_transactions(producer, TIMEOUT_MS);
	assert_null(error);
	assert_null(rd_kafka_begin_transaction(producer));
	for (int i = 0; i < 10; i++)
		produce(producer, out, 0, "m", "committed", 0);
	assert_int_equal(rd_kafka_assignment(consumer, &positions), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(rd_kafka_position(consumer, positions), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_true(positions->cnt == 1 && positions->elems[0].offset == 10);
	cgmd = rd_kafka_consumer_group_metadata(consumer);
	error = rd_kafka_send_offsets_to_transaction(producer, positions, cgmd, TIMEOUT_MS);
	if (error != NULL)
		fail_msg("send_offsets_to_transaction: %s", rd_kafka_error_string(error));
	rd_kafka_consumer_group_metadata_destroy(cgmd);
	rd_kafka_topic_partition_list_destroy(positions);
	error = rd_kafka_commit_transaction(producer, TIMEOUT_MS);
	if (error != NULL)
		fail_msg("commit_transaction: %s", rd_kafka_error_string(error));

	/* An aborted transaction: its 5 records are in the log but must never be read. */
	assert_null(rd_kafka_begin_transaction(producer));
	for (int i = 0; i < 5; i++)
		produce(producer, out, 0, "m", "aborted", 0);
	assert_int_equal(rd_kafka_flush(producer, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_null(rd_kafka_abort_transaction(producer, TIMEOUT_MS));

	assert_null(rd_kafka_begin_transaction(producer));
	produce(producer, out, 0, "m", "committed", 0);
	assert_null(rd_kafka_commit_transaction(producer, TIMEOUT_MS));
	assert_int_equal(failed, 0);
	rd_kafka_destroy(producer);

	/* The input offsets were committed by the transaction, not by the consumer. */
	assert_true(committed_offset(consumer, in, 0) == 10);
	rd_kafka_consumer_close(consumer);
	rd_kafka_destroy(consumer);

	/* read_committed: the 11 committed records, none of the aborted ones. */
	reader = consumer_new(readers, "read_committed");
	subscribe(reader, out);
	assert_int_equal(consume(reader, 0, 1, seen, 32), 11);
	for (int i = 0; i < 11; i++)
		assert_string_equal(seen[i], "committed");
	rd_kafka_consumer_close(reader);
	rd_kafka_destroy(reader);

	/* read_uncommitted sees all 16: the broker really holds the aborted records. */
	strncat(readers, "-uncommitted", sizeof(readers) - strlen(readers) - 1);
	reader = consumer_new(readers, "read_uncommitted");
	subscribe(reader, out);
	assert_int_equal(consume(reader, 0, 1, seen, 32), 16);
	rd_kafka_consumer_close(reader);
	rd_kafka_destroy(reader);
}

static int64_t offset_for_time(rd_kafka_t *rk, const char *topic, int64_t timestamp_ms)
{
	rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
	int64_t offset;

	/* In and out: the query's .offset holds the timestamp, the answer the offset. */
	rd_kafka_topic_partition_list_add(list, topic, 0)->offset = timestamp_ms;
	assert_int_equal(rd_kafka_offsets_for_times(rk, list, TIMEOUT_MS),
			 RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(list->elems[0].err, RD_KAFKA_RESP_ERR_NO_ERROR);
	offset = list->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(list);
	return offset;
}

static void offsets_for_times_finds_the_first_record_at_or_after_a_time(void **state)
{
	/* 2020-03-01T09:30:00+08:00, the kind of event time a claim carries. */
	const int64_t base = 1583026200000;
	char topic[128];
	int failed = 0;
	rd_kafka_t *producer;

	(void)state;
	unique_name(topic, sizeof(topic), "it-times");
	create_topic(topic, 1);
	producer = producer_new(NULL, &failed);
	/* Records at offsets 0..9 stamped base + 0 s, + 1 s, ..., + 9 s. */
	for (int i = 0; i < 10; i++)
		produce(producer, topic, 0, "m", "x", base + i * 1000);
	assert_int_equal(rd_kafka_flush(producer, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(failed, 0);

	assert_true(offset_for_time(producer, topic, base) == 0);
	assert_true(offset_for_time(producer, topic, base - 1) == 0);
	/* base + 3.5 s falls between offset 3 (+3 s) and offset 4 (+4 s): the answer is 4. */
	assert_true(offset_for_time(producer, topic, base + 3500) == 4);
	assert_true(offset_for_time(producer, topic, base + 4000) == 4);
	assert_true(offset_for_time(producer, topic, base + 9000) == 9);
	/* After the last record: no such offset, reported as the log end (-1). */
	assert_true(offset_for_time(producer, topic, base + 9001) == RD_KAFKA_OFFSET_END);
	rd_kafka_destroy(producer);
}

static void stable_ends_stop_at_an_open_transaction(void **state)
{
	char topic[128], txid[128], errstr[256];
	int failed = 0;
	rd_kafka_t *plain, *txn;
	yb_props *props = yb_props_new();
	yb_end_probe *probe;
	yb_end_query q[2];

	(void)state;
	unique_name(topic, sizeof(topic), "it-lso");
	unique_name(txid, sizeof(txid), "it-lso-id");
	create_topic(topic, 2);
	/* Partition 0: records at offsets 0, 1, 2; partition 1: one at offset 0. */
	plain = producer_new(NULL, &failed);
	for (int i = 0; i < 3; i++)
		produce(plain, topic, 0, "m", "committed", 0);
	produce(plain, topic, 1, "m", "committed", 0);
	assert_int_equal(rd_kafka_flush(plain, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);
	assert_int_equal(failed, 0);
	/* An open transaction writes offsets 3 and 4 of partition 0: the stable end stays 3. */
	txn = producer_new(txid, &failed);
	assert_null(rd_kafka_init_transactions(txn, TIMEOUT_MS));
	assert_null(rd_kafka_begin_transaction(txn));
	produce(txn, topic, 0, "m", "open", 0);
	produce(txn, topic, 0, "m", "open", 0);
	assert_int_equal(rd_kafka_flush(txn, TIMEOUT_MS), RD_KAFKA_RESP_ERR_NO_ERROR);

	yb_props_set(props, "kafka.bootstrap.servers", brokers());
	probe = yb_end_probe_new(props, errstr, sizeof(errstr));
	assert_non_null(probe);
	q[0] = (yb_end_query){.topic = topic, .partition = 0, .end = -1};
	q[1] = (yb_end_query){.topic = topic, .partition = 1, .end = -1};
	assert_int_equal(yb_end_probe_stable_ends(probe, q, 2, TIMEOUT_MS, errstr, sizeof(errstr)),
			 YB_OK);
	assert_true(q[0].end == 3 && q[1].end == 1);
	for (int p = 0; p < 2; p++) {
		int64_t one = -1;

		assert_int_equal(yb_end_probe_stable_end(probe, topic, p, TIMEOUT_MS, &one, errstr,
							 sizeof(errstr)),
				 YB_OK);
		assert_true(one == q[p].end);
	}
	/* Committed: offsets 3, 4 and the marker at 5 are stable, the end is 6 once the
	 * coordinator has written the marker (after commit_transaction returns): wait for it. */
	assert_null(rd_kafka_commit_transaction(txn, TIMEOUT_MS));
	for (time_t until = time(NULL) + 30;; nanosleep(&(struct timespec){0, 50000000}, NULL)) {
		assert_int_equal(
		    yb_end_probe_stable_ends(probe, q, 2, TIMEOUT_MS, errstr, sizeof(errstr)),
		    YB_OK);
		if (q[0].end == 6 || time(NULL) > until)
			break;
	}
	if (q[0].end != 6 || q[1].end != 1)
		fail_msg("waited 30 s for the stable ends 6 and 1 after the commit: %lld and %lld",
			 (long long)q[0].end, (long long)q[1].end);
	/* A partition that does not exist is named. */
	q[1].partition = 7;
	assert_int_not_equal(yb_end_probe_stable_ends(probe, q, 2, 5000, errstr, sizeof(errstr)),
			     YB_OK);
	assert_non_null(strstr(errstr, "[7]"));
	yb_end_probe_destroy(probe);
	yb_props_destroy(props);
	rd_kafka_destroy(txn);
	rd_kafka_destroy(plain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(consumer_group_member_resumes_at_the_committed_offsets),
	    cmocka_unit_test(transaction_commits_output_and_input_offsets_together),
	    cmocka_unit_test(offsets_for_times_finds_the_first_record_at_or_after_a_time),
	    cmocka_unit_test(stable_ends_stop_at_an_open_transaction),
	};
	int failures = cmocka_run_group_tests(tests, NULL, NULL);

	/* Every handle is destroyed above; make sure librdkafka's threads are gone too. */
	if (rd_kafka_wait_destroyed(10000) != 0)
		failures++;
	return failures;
}
