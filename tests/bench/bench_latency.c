/*
 * Benchmark (not a test): end-to-end latency of the running pipeline at a steady rate. It
 * produces the claims of a JSON Lines file to the claims topic at RATE a second (Avro,
 * keyed by member, encoded before the clock starts) and reads the settlements topic
 * (read_committed, from its end when it starts, outside any group); a claim's latency is
 * from just before its send to the moment its settlement is readable. Prints one JSON line:
 * the rate asked and achieved, claims sent and answered, latency percentiles in ms.
 *
 *   build/bench/bench_latency BROKERS CLAIMS.jsonl RATE [TOPIC_PREFIX]
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/avro.h"
#include "codec/json.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "ledger/strmap.h"
#include "base/error.h"

#define ARENA (1u << 20)

typedef struct sent_claim {
	char *member_id, *claim_id;
	yb_buf avro;
	int64_t timestamp_ms;
} sent_claim;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_latency: %s: %s\n", what, why);
	exit(1);
}

/* Every claim of the file, Avro-encoded. */
static sent_claim *load(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, errstr[512];
	size_t cap = 0, n = 0, room = 1024;
	sent_claim *claims = calloc(room, sizeof(*claims));
	char *arena_memory = malloc(ARENA);

	if (f == NULL || claims == NULL || arena_memory == NULL)
		die(path, "cannot read");
	while (getline(&line, &cap, f) > 0) {
		yb_arena arena;
		yb_record record;

		yb_arena_init(&arena, arena_memory, ARENA);
		if (yb_json_decode(line, strlen(line), &arena, &record, errstr, sizeof(errstr)) !=
			YB_OK ||
		    record.type != YB_RECORD_CLAIM)
			continue;
		if (n == room && (claims = realloc(claims, (room *= 2) * sizeof(*claims))) == NULL)
			die("claims", "out of memory");
		memset(&claims[n], 0, sizeof(claims[n]));
		claims[n].member_id = strdup(record.as.claim.member_id);
		claims[n].claim_id = strdup(record.as.claim.claim_id);
		claims[n].timestamp_ms = record.as.claim.submitted_at;
		if (yb_avro_encode(&record, &claims[n].avro, errstr, sizeof(errstr)) != YB_OK)
			die("encode", errstr);
		n++;
	}
	free(line);
	free(arena_memory);
	fclose(f);
	*count = n;
	return claims;
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double percentile(const int64_t *sorted, size_t n, double q)
{
	size_t i = (size_t)(q * (double)(n - 1) + 0.5);

	return n == 0 ? -1 : (double)sorted[i < n ? i : n - 1] / 1e6;
}

/* Read what settlements are readable now, for up to wait_ms: record their latencies. */
static void receive(yb_consumer *c, const yb_avro *avro, yb_strmap *pending, char *arena_memory,
		    int wait_ms, int64_t *latencies, size_t *answered)
{
	yb_message m;
	char errstr[512];
	int got = yb_consumer_poll(c, wait_ms, &m, errstr, sizeof(errstr));

	while (got == YB_POLL_MESSAGE || got == YB_POLL_PARTITION_END) {
		if (got == YB_POLL_MESSAGE) {
			yb_arena arena;
			yb_record r;
			int64_t *sent;

			yb_arena_init(&arena, arena_memory, ARENA);
			if (yb_avro_decode(avro, m.value, m.len, &arena, &r, errstr,
					   sizeof(errstr)) == YB_OK &&
			    r.type == YB_RECORD_SETTLEMENT &&
			    (sent = yb_strmap_get(pending, r.as.settlement.claim_id)) != NULL &&
			    *sent > 0) {
				latencies[(*answered)++] = now_ns() - *sent;
				*sent = 0;
			}
		}
		got = yb_consumer_poll(c, 0, &m, errstr, sizeof(errstr));
	}
}

int main(int argc, char **argv)
{
	yb_props *props = yb_props_new(), *read_props = yb_props_new();
	yb_producer *producer = NULL;
	yb_consumer *consumer = NULL;
	yb_avro *avro = NULL;
	yb_strmap *pending = yb_strmap_new(sizeof(int64_t));
	char errstr[512], claims_topic[256], settlements_topic[256];
	char *arena_memory = malloc(ARENA);
	size_t count = 0, answered = 0, sent = 0;
	sent_claim *claims;
	int64_t *latencies, began, last_sent = 0, last_answer = 0;
	double rate;

	if (argc < 4) {
		fprintf(stderr, "usage: bench_latency BROKERS CLAIMS.jsonl RATE [TOPIC_PREFIX]\n");
		return 2;
	}
	rate = atof(argv[3]);
	snprintf(claims_topic, sizeof(claims_topic), "%s%sclaims", argc > 4 ? argv[4] : "",
		 argc > 4 ? "." : "");
	snprintf(settlements_topic, sizeof(settlements_topic), "%s%ssettlements",
		 argc > 4 ? argv[4] : "", argc > 4 ? "." : "");
	claims = load(argv[2], &count);
	latencies = calloc(count + 1, sizeof(*latencies));
	/* Sent at once; read as soon as readable: the probe must not add its own waits. */
	yb_props_set(props, "kafka.bootstrap.servers", argv[1]);
	yb_props_set(read_props, "kafka.bootstrap.servers", argv[1]);
	yb_props_set(props, "kafka.linger.ms", "0");
	yb_props_set(read_props, "kafka.fetch.wait.max.ms", "5");
	if (yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK ||
	    yb_producer_new(&producer, props, errstr, sizeof(errstr)) != YB_OK ||
	    yb_consumer_new(&consumer, read_props, errstr, sizeof(errstr)) != YB_OK ||
	    yb_consumer_assign_all(consumer, settlements_topic, YB_CONSUMER_FROM_END, 10000, errstr,
				   sizeof(errstr)) != YB_OK)
		die("start", errstr);
	/* Before the clock starts: the first claim warms the path up (a producer's first send
	 * to a topic waits for its metadata, about a second; the adjudicator may be idle) and
	 * is not measured: wait for its settlement, up to 30 s. */
	if (count < 2)
		die(argv[2], "needs two claims or more (the first warms up)");
	*(int64_t *)yb_strmap_put(pending, claims[0].claim_id, &(int){0}) = now_ns();
	if (yb_producer_send(producer, claims_topic, claims[0].member_id, claims[0].avro.data,
			     claims[0].avro.len, claims[0].timestamp_ms, errstr,
			     sizeof(errstr)) != YB_OK)
		die("send", errstr);
	for (int64_t until = now_ns() + 30LL * 1000000000; answered == 0 && now_ns() < until;)
		receive(consumer, avro, pending, arena_memory, 100, latencies, &answered);
	answered = 0;
	sent = 1;
	began = now_ns();
	/* Some claims get no settlement (the adjudicator dead-letters what it refuses): stop
	 * waiting 10 s after the last answer. */
	while (sent < count || (answered + 1 < sent &&
				now_ns() - (last_answer > last_sent ? last_answer : last_sent) <
				    10LL * 1000000000)) {
		size_t before = answered;
		int64_t due = began + (int64_t)((double)(sent - 1) * 1e9 / rate);

		if (sent < count && now_ns() >= due) {
			int created;
			int64_t *slot = yb_strmap_put(pending, claims[sent].claim_id, &created);

			*slot = now_ns();
			if (yb_producer_send(producer, claims_topic, claims[sent].member_id,
					     claims[sent].avro.data, claims[sent].avro.len,
					     claims[sent].timestamp_ms, errstr,
					     sizeof(errstr)) != YB_OK)
				die("send", errstr);
			last_sent = now_ns();
			sent++;
			continue;
		}
		receive(consumer, avro, pending, arena_memory, 1, latencies, &answered);
		if (answered > before)
			last_answer = now_ns();
	}
	qsort(latencies, answered, sizeof(*latencies), by_value);
	printf("{\"rate\":%.0f,\"achieved\":%.0f,\"sent\":%zu,\"answered\":%zu,\"p50_ms\":%.1f,"
	       "\"p90_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f}\n",
	       rate, (double)(sent - 1) * 1e9 / (double)(last_sent - began + 1), sent - 1, answered,
	       percentile(latencies, answered, 0.5), percentile(latencies, answered, 0.9),
	       percentile(latencies, answered, 0.99), percentile(latencies, answered, 1.0));
	for (size_t i = 0; i < count; i++) {
		free(claims[i].member_id);
		free(claims[i].claim_id);
		yb_buf_free(&claims[i].avro);
	}
	free(claims);
	free(latencies);
	free(arena_memory);
	yb_strmap_destroy(pending, NULL);
	yb_producer_flush(producer, 10000);
	yb_producer_destroy(producer);
	yb_consumer_destroy(consumer);
	yb_avro_destroy(avro);
	yb_props_destroy(props);
	yb_props_destroy(read_props);
	return 0;
}
