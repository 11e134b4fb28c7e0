/*
 * The Redis Cluster client (common/redis/cluster.c) against a real cluster of 3 masters and 3
 * replicas that the cluster fixture started (deploy/local/start --redis-cluster): slot
 * hashing equal to the server's CLUSTER KEYSLOT; a pipeline spread over every master with
 * its replies in queued order; a slot migrated under the client (ASK while it moves, MOVED
 * once it has moved); a transaction over several slots; scripts on every master, also on a
 * master whose script cache was flushed once the client reconnects; WAIT for replicas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "redis/cluster.h"
#include "redis/redis.h"

static char endpoint[64];
static int seed_port;
static char prefix[64];

static yb_redis *client(int wait_replicas, int wait_timeout_ms)
{
	yb_redis_options opts = {.endpoint = endpoint,
				 .timeout_ms = 5000,
				 .wait_replicas = wait_replicas,
				 .wait_timeout_ms = wait_timeout_ms};
	yb_redis *r = NULL;
	char errstr[256];

	if (yb_redis_connect(&r, &opts, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("connect to %s: %s", endpoint, errstr);
	return r;
}

/* A plain hiredis connection to one node (the test's admin). */
static redisContext *node(int port)
{
	redisContext *c = redisConnect("127.0.0.1", port);

	assert_non_null(c);
	assert_int_equal(c->err, 0);
	return c;
}

static redisReply *must(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL)
		fail_msg("%s: %s", fmt, c->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		fail_msg("%s: %s", fmt, r->str);
	return r;
}

/* The master serving slot (its port and node id), from CLUSTER NODES. */
static int owner_of(unsigned slot, char *id, size_t idlen)
{
	redisContext *c = node(seed_port);
	redisReply *r = must(c, "CLUSTER SLOTS");
	int port = -1;

	for (size_t i = 0; i < r->elements; i++) {
		redisReply *range = r->element[i];

		if ((unsigned)range->element[0]->integer <= slot &&
		    slot <= (unsigned)range->element[1]->integer) {
			port = (int)range->element[2]->element[1]->integer;
			snprintf(id, idlen, "%s", range->element[2]->element[2]->str);
		}
	}
	freeReplyObject(r);
	redisFree(c);
	return port;
}

/* Another master than the one on port: its port and id. */
static int other_master(int port, char *id, size_t idlen)
{
	redisContext *c = node(seed_port);
	redisReply *r = must(c, "CLUSTER SLOTS");
	int other = -1;

	for (size_t i = 0; i < r->elements && other < 0; i++) {
		redisReply *m = r->element[i]->element[2];

		if (m->element[1]->integer != port) {
			other = (int)m->element[1]->integer;
			snprintf(id, idlen, "%s", m->element[2]->str);
		}
	}
	freeReplyObject(r);
	redisFree(c);
	return other;
}

static void test_slot_hashing_equals_cluster_keyslot(void **state)
{
	/* Redis's own examples: 123456789 is CRC16's check value 0x31C3 = 12739. */
	static const char *const fixed[] = {"123456789",
					    "{user1000}.following",
					    "foo{}{bar}",
					    "foo{{bar}}zap",
					    "foo{bar}{zap}",
					    "{",
					    "}{",
					    "yb:{m:330102199001011234}:acc",
					    "yb:c:CLM-2024-000001",
					    ""};
	redisContext *c = node(seed_port);
	char key[64];

	(void)state;
	assert_int_equal(yb_redis_key_slot("123456789", 9), 12739);
	assert_int_equal(yb_redis_key_slot("{user1000}.following", 20),
			 yb_redis_key_slot("user1000", 8));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		redisReply *r = must(c, "CLUSTER KEYSLOT %b", fixed[i], strlen(fixed[i]));

		assert_int_equal(yb_redis_key_slot(fixed[i], strlen(fixed[i])), r->integer);
		freeReplyObject(r);
	}
	/* And 2,000 keys of the product's shapes and of random bytes. */
	srand(7);
	for (int i = 0; i < 2000; i++) {
		size_t len;
		redisReply *r;

		if (i % 2 == 0) {
			len = (size_t)snprintf(key, sizeof(key), "t:{m:%d}:%s", rand(),
					       i % 4 ? "acc" : "ev");
		} else {
			len = 1 + (size_t)rand() % 40;
			for (size_t k = 0; k < len; k++)
				key[k] = (char)(rand() % 256);
		}
		r = must(c, "CLUSTER KEYSLOT %b", key, len);
		assert_int_equal(yb_redis_key_slot(key, len), r->integer);
		freeReplyObject(r);
	}
	redisFree(c);
}

/* 600 SETs then 600 GETs over every master, read back in the order they were queued. */
static void test_pipeline_over_every_master(void **state)
{
	yb_redis *r = client(0, 0);
	char errstr[256], key[96], value[32];
	int ports[3] = {0}, distinct = 0;

	(void)state;
	assert_int_equal(yb_redis_cluster_masters(r), 3);
	for (int i = 0; i < 600; i++) {
		const char *argv[] = {"SET", key, value};

		snprintf(key, sizeof(key), "%s{m:%d}:k", prefix, i);
		snprintf(value, sizeof(value), "v%d", i);
		assert_int_equal(yb_redis_append_command(r, 3, argv, NULL), YB_OK);
	}
	for (int i = 0; i < 600; i++) {
		const char *argv[] = {"GET", key};

		snprintf(key, sizeof(key), "%s{m:%d}:k", prefix, i);
		assert_int_equal(yb_redis_append_command(r, 2, argv, NULL), YB_OK);
	}
	assert_int_equal(yb_redis_sync(r, 600, errstr, sizeof(errstr)), YB_OK);
	for (int i = 0; i < 600; i++) {
		redisReply *reply;
		char id[64];

		assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
		snprintf(value, sizeof(value), "v%d", i);
		assert_int_equal(reply->type, REDIS_REPLY_STRING);
		assert_string_equal(reply->str, value);
		yb_redis_reply_free(reply);
		snprintf(key, sizeof(key), "%s{m:%d}:k", prefix, i);
		if (i % 50 == 0) {
			int port = owner_of(yb_redis_key_slot(key, strlen(key)), id, sizeof(id));
			int seen = 0;

			for (int k = 0; k < distinct; k++)
				seen |= ports[k] == port;
			if (!seen && distinct < 3)
				ports[distinct++] = port;
		}
	}
	assert_int_equal(distinct, 3); /* the pipeline went to every master */
	yb_redis_destroy(r);
}

/* SETSLOT slot <how> id on a node. */
static void setslot(int port, unsigned slot, const char *how, const char *id)
{
	redisContext *c = node(port);

	freeReplyObject(must(c, "CLUSTER SETSLOT %u %s %s", slot, how, id));
	redisFree(c);
}

/* A slot migrated under a connected client: ASK while it moves, MOVED once it has moved. */
static void test_ask_then_moved(void **state)
{
	yb_redis *r = client(0, 0);
	char key[96], from_id[64], to_id[64], errstr[256];
	redisReply *reply;
	unsigned slot;
	int from, to;

	(void)state;
	snprintf(key, sizeof(key), "%s{m:migrating}:acc", prefix);
	slot = yb_redis_key_slot(key, strlen(key));
	from = owner_of(slot, from_id, sizeof(from_id));
	to = other_master(from, to_id, sizeof(to_id));
	assert_true(from > 0 && to > 0);

	/* The slot (empty) is moving from -> to: a new key there is ASKed to the target. */
	setslot(to, slot, "IMPORTING", from_id);
	setslot(from, slot, "MIGRATING", to_id);
	{
		const char *argv[] = {"HSET", key, "v", "41"};

		assert_int_equal(yb_redis_append_command(r, 4, argv, NULL), YB_OK);
		assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
		assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
		yb_redis_reply_free(reply);
	}
	{
		redisContext *c = node(to);

		freeReplyObject(must(c, "ASKING"));
		reply = must(c, "HGET %s v", key);
		assert_string_equal(reply->str, "41"); /* it went to the target */
		freeReplyObject(reply);
		redisFree(c);
	}
	/* The migration ends: the client's map is now wrong, and MOVED corrects it. */
	setslot(to, slot, "NODE", to_id);
	setslot(from, slot, "NODE", to_id);
	for (int i = 0; i < 3; i++) {
		const char *argv[] = {"HINCRBY", key, "v", "1"};

		assert_int_equal(yb_redis_append_command(r, 4, argv, NULL), YB_OK);
	}
	for (int i = 0; i < 3; i++) {
		assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
		assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
		assert_int_equal(reply->integer, 42 + i);
		yb_redis_reply_free(reply);
	}
	/* Put the slot back (emptied) where it was, on every master. */
	{
		const char *argv[] = {"DEL", key};

		assert_int_equal(yb_redis_append_command(r, 2, argv, NULL), YB_OK);
		assert_int_equal(yb_redis_sync(r, 1, errstr, sizeof(errstr)), YB_OK);
	}
	setslot(from, slot, "NODE", from_id);
	setslot(to, slot, "NODE", from_id);
	{
		const char *argv[] = {"GET", key};

		/* and the client follows it back */
		assert_int_equal(yb_redis_append_command(r, 2, argv, NULL), YB_OK);
		assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
		assert_int_equal(reply->type, REDIS_REPLY_NIL);
		yb_redis_reply_free(reply);
	}
	yb_redis_destroy(r);
}

/* MULTI/EXEC over three members (three slots): +OK, +QUEUED each, EXEC's replies in order. */
static void test_transaction_over_slots(void **state)
{
	yb_redis *r = client(0, 0);
	char keys[4][96], errstr[256];
	redisReply *reply;

	(void)state;
	for (int i = 0; i < 4; i++)
		snprintf(keys[i], sizeof(keys[i]), "%s{m:tx%d}:x", prefix, i % 3);
	{
		const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
		const char *set0[] = {"SET", keys[0], "a"}, *set1[] = {"SET", keys[1], "b"};
		const char *hset[] = {"HSET", keys[3], "f", "v"}; /* keys[3] is keys[0]: a string */
		const char *get2[] = {"GET", keys[2]};

		assert_int_equal(yb_redis_append_command(r, 1, multi, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 3, set0, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 3, set1, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 4, hset, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 2, get2, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 1, exec, NULL), YB_OK);
	}
	assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(reply->type, REDIS_REPLY_STATUS);
	assert_string_equal(reply->str, "OK");
	yb_redis_reply_free(reply);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
		assert_string_equal(reply->str, "QUEUED");
		yb_redis_reply_free(reply);
	}
	assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	assert_int_equal(reply->elements, 4);
	assert_string_equal(reply->element[0]->str, "OK");
	assert_string_equal(reply->element[1]->str, "OK");
	assert_int_equal(reply->element[2]->type, REDIS_REPLY_ERROR); /* WRONGTYPE */
	assert_non_null(strstr(reply->element[2]->str, "WRONGTYPE"));
	assert_int_equal(reply->element[3]->type, REDIS_REPLY_NIL);
	yb_redis_reply_free(reply);
	/* yb_redis_sync reports the error inside EXEC's reply */
	{
		const char *multi[] = {"MULTI"}, *exec[] = {"EXEC"};
		const char *hset[] = {"HSET", keys[0], "f", "v"};

		assert_int_equal(yb_redis_append_command(r, 1, multi, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 4, hset, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(r, 1, exec, NULL), YB_OK);
		assert_int_equal(yb_redis_sync(r, 3, errstr, sizeof(errstr)), YB_EIO);
		assert_non_null(strstr(errstr, "WRONGTYPE"));
	}
	yb_redis_destroy(r);
}

/* A script is on every master, and on a master whose cache was flushed after a reconnect. */
static void test_scripts_on_every_master(void **state)
{
	static const char source[] = "return redis.call('INCRBY', KEYS[1], ARGV[1])";
	yb_redis_script script = {.source = source};
	yb_redis *r = client(0, 0);
	char errstr[256], key[96];
	redisReply *reply;
	int flushed = 0;

	(void)state;
	assert_int_equal(yb_redis_script_load(r, &script, errstr, sizeof(errstr)), YB_OK);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < 30; i++) {
			const char *keys[] = {key}, *args[] = {"2"};

			snprintf(key, sizeof(key), "%s{m:s%d}", prefix, i);
			assert_int_equal(yb_redis_append_eval(r, &script, 1, keys, 1, args, NULL),
					 YB_OK);
		}
		for (int i = 0; i < 30; i++) {
			assert_int_equal(yb_redis_read_reply(r, &reply, errstr, sizeof(errstr)),
					 YB_OK);
			if (reply->type != REDIS_REPLY_INTEGER)
				fail_msg("script %d: %s", i, reply->str);
			assert_int_equal(reply->integer, 2 * (pass + 1));
			yb_redis_reply_free(reply);
		}
		if (pass == 0) {
			/* One master forgets its scripts; a reconnect loads them there again. */
			redisContext *c = node(seed_port);

			freeReplyObject(must(c, "SCRIPT FLUSH"));
			redisFree(c);
			flushed = 1;
			assert_int_equal(yb_redis_reconnect(r, errstr, sizeof(errstr)), YB_OK);
		}
	}
	assert_true(flushed);
	yb_redis_destroy(r);
}

/* WAIT: the writes reach each master's replica; asking for more replicas than exist fails
 * in time and says so. */
static void test_wait_for_replicas(void **state)
{
	yb_redis *r = client(YB_REDIS_WAIT_AUTO, 2000), *greedy = client(2, 300);
	char errstr[256], key[96];

	(void)state;
	for (int i = 0; i < 50; i++) {
		const char *argv[] = {"SET", key, "x"};

		snprintf(key, sizeof(key), "%s{m:w%d}", prefix, i);
		assert_int_equal(yb_redis_append_command(r, 3, argv, NULL), YB_OK);
		assert_int_equal(yb_redis_append_command(greedy, 3, argv, NULL), YB_OK);
	}
	assert_int_equal(yb_redis_sync(r, 50, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_redis_wait_written(r, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_redis_sync(greedy, 50, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_redis_wait_written(greedy, errstr, sizeof(errstr)), YB_ETIMEDOUT);
	assert_non_null(strstr(errstr, "of 2 replicas"));
	yb_redis_destroy(r);
	yb_redis_destroy(greedy);
}

int main(void)
{
	const char *port = getenv("YB_TEST_REDIS_CLUSTER_PORT");
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slot_hashing_equals_cluster_keyslot),
	    cmocka_unit_test(test_pipeline_over_every_master),
	    cmocka_unit_test(test_ask_then_moved),
	    cmocka_unit_test(test_transaction_over_slots),
	    cmocka_unit_test(test_scripts_on_every_master),
	    cmocka_unit_test(test_wait_for_replicas),
	};

	if (port == NULL) {
		fprintf(stderr,
			"YB_TEST_REDIS_CLUSTER_PORT is not set (the cluster fixture sets it)\n");
		return 1;
	}
	seed_port = atoi(port);
	snprintf(endpoint, sizeof(endpoint), "127.0.0.1:%d", seed_port);
	snprintf(prefix, sizeof(prefix), "t%d:", (int)getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
