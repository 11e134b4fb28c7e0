/*
 * Benchmark (not a test): the broker's limit for an exactly-once service on this machine.
 * Raw librdkafka, nothing of the project's: read a topic as a group member
 * (read_committed), and per batch of up to BATCH messages open a transaction, produce each
 * message's bytes unchanged to OUT (same key, same partition), send the consumed offsets in
 * the transaction and commit: the adjudicator's Kafka work without its own. Runs until
 * COUNT messages have been passed through, then prints one JSON line: messages a second,
 * batches, peak RSS.
 *
 *   build/bench/bench_passthrough BROKERS IN OUT BATCH COUNT [LINGER_MS]
 */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	}
	if (f != NULL)
		fclose(f);
	return kb;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_passthrough: %s: %s\n", what, why);
	exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value)
{
	char errstr[256];

	if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
		die(key, errstr);
}

static void check(rd_kafka_error_t *error, const char *what)
{
	if (error != NULL)
		die(what, rd_kafka_error_string(error));
}

int main(int argc, char **argv)
{
	rd_kafka_conf_t *cconf = rd_kafka_conf_new(), *pconf = rd_kafka_conf_new();
	rd_kafka_t *consumer, *producer;
	rd_kafka_topic_partition_list_t *topics;
	rd_kafka_message_t **batch;
	rd_kafka_consumer_group_metadata_t *meta;
	char errstr[512], group[300], txid[300];
	long size, count, linger_ms, done = 0, batches = 0;
	double started = 0;

	if (argc < 6) {
		fprintf(stderr,
			"usage: bench_passthrough BROKERS IN OUT BATCH COUNT [LINGER_MS]\n");
		return 2;
	}
	size = atol(argv[4]);
	count = atol(argv[5]);
	linger_ms = argc > 6 ? atol(argv[6]) : 10;
	snprintf(group, sizeof(group), "bench-passthrough-%s", argv[3]);
	snprintf(txid, sizeof(txid), "bench-passthrough-%s", argv[3]);
	set(cconf, "bootstrap.servers", argv[1]);
	set(cconf, "group.id", group);
	set(cconf, "isolation.level", "read_committed");
	set(cconf, "enable.auto.commit", "false");
	set(cconf, "auto.offset.reset", "earliest");
	set(pconf, "bootstrap.servers", argv[1]);
	set(pconf, "transactional.id", txid);
	set(pconf, "linger.ms", "5");
	if ((consumer = rd_kafka_new(RD_KAFKA_CONSUMER, cconf, errstr, sizeof(errstr))) == NULL)
		die("consumer", errstr);
	if ((producer = rd_kafka_new(RD_KAFKA_PRODUCER, pconf, errstr, sizeof(errstr))) == NULL)
		die("producer", errstr);
	rd_kafka_poll_set_consumer(consumer);
	check(rd_kafka_init_transactions(producer, 30000), "init_transactions");
	topics = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(topics, argv[2], RD_KAFKA_PARTITION_UA);
	if (rd_kafka_subscribe(consumer, topics) != RD_KAFKA_RESP_ERR_NO_ERROR)
		die("subscribe", argv[2]);
	rd_kafka_topic_partition_list_destroy(topics);
	batch = calloc((size_t)size, sizeof(*batch));
	while (done < count) {
		long n = 0;
		double first = 0;

		/* A batch: up to size messages, waiting linger_ms after the first. */
		while (n < size) {
			int wait = n == 0 ? 1000 : (int)(linger_ms - (now_s() - first) * 1000);
			rd_kafka_message_t *m =
			    rd_kafka_consumer_poll(consumer, wait > 0 ? wait : 0);

			if (m == NULL) {
				if (n > 0)
					break;
				continue;
			}
			if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
				rd_kafka_message_destroy(m);
				continue;
			}
			if (n == 0)
				first = now_s();
			if (started == 0)
				started = first;
			batch[n++] = m;
		}
		check(rd_kafka_begin_transaction(producer), "begin_transaction");
		for (long i = 0; i < n; i++) {
			rd_kafka_message_t *m = batch[i];
			rd_kafka_resp_err_t err;

			while ((err = rd_kafka_producev(producer, RD_KAFKA_V_TOPIC(argv[3]),
							RD_KAFKA_V_PARTITION(m->partition),
							RD_KAFKA_V_KEY(m->key, m->key_len),
							RD_KAFKA_V_VALUE(m->payload, m->len),
							RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
							RD_KAFKA_V_END)) ==
			       RD_KAFKA_RESP_ERR__QUEUE_FULL)
				rd_kafka_poll(producer, 10);
			if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
				die("produce", rd_kafka_err2str(err));
		}
		{
			rd_kafka_topic_partition_list_t *positions;

			check(rd_kafka_assignment(consumer, &positions) ==
				      RD_KAFKA_RESP_ERR_NO_ERROR
				  ? NULL
				  : rd_kafka_error_new(RD_KAFKA_RESP_ERR__FAIL, "assignment"),
			      "assignment");
			rd_kafka_topic_partition_list_t *read =
			    rd_kafka_topic_partition_list_new(8);

			rd_kafka_position(consumer, positions);
			/* Only the partitions read from have a position to commit. */
			for (int i = 0; i < positions->cnt; i++) {
				if (positions->elems[i].offset >= 0)
					rd_kafka_topic_partition_list_add(
					    read, positions->elems[i].topic,
					    positions->elems[i].partition)
					    ->offset = positions->elems[i].offset;
			}
			meta = rd_kafka_consumer_group_metadata(consumer);
			if (read->cnt > 0)
				check(rd_kafka_send_offsets_to_transaction(producer, read, meta,
									   30000),
				      "send_offsets_to_transaction");
			rd_kafka_consumer_group_metadata_destroy(meta);
			rd_kafka_topic_partition_list_destroy(read);
			rd_kafka_topic_partition_list_destroy(positions);
		}
		check(rd_kafka_commit_transaction(producer, 30000), "commit_transaction");
		for (long i = 0; i < n; i++)
			rd_kafka_message_destroy(batch[i]);
		done += n;
		batches++;
	}
	{
		double took = now_s() - started;

		printf("{\"batch\":%ld,\"messages\":%ld,\"batches\":%ld,\"seconds\":%.3f,"
		       "\"per_second\":%.0f,\"peak_rss_kb\":%ld}\n",
		       size, done, batches, took, (double)done / took, peak_rss_kb());
	}
	free(batch);
	rd_kafka_consumer_close(consumer);
	rd_kafka_destroy(consumer);
	rd_kafka_flush(producer, 10000);
	rd_kafka_destroy(producer);
	return 0;
}
