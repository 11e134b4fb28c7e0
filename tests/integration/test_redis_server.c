/*
 * The Redis adapter against the real redis-server the servers fixture started: PING, INFO,
 * a Lua script loaded and called by SHA (applying a claim's amount once per claim_id, the
 * shape of the adjudicator's accumulator update), reload after SCRIPT FLUSH, pipelining, and
 * the member store's release of the registrations of the records its apply script drops,
 * across a crash between the two.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/error.h"
#include "ledger/ledger.h"
#include "redis/redis.h"
#include "store/member_store.h"

/*
 * KEYS[1] the set of applied claim ids, KEYS[2] the accumulator hash, both under the member's
 * hash tag. ARGV[1] claim_id, ARGV[2] amount in fen. Adds the amount once per claim_id and
 * returns {1 if applied now else 0, the total}.
 */
static const char apply_once_lua[] =
    "local fresh = redis.call('SADD', KEYS[1], ARGV[1])\n"
    "if fresh == 1 then redis.call('HINCRBY', KEYS[2], 'fund_paid_fen', ARGV[2]) end\n"
    "return {fresh, tonumber(redis.call('HGET', KEYS[2], 'fund_paid_fen') or '0')}\n";

static yb_redis *connect_to_test_server(void)
{
	const char *host = getenv("YB_TEST_REDIS_HOST");
	const char *port = getenv("YB_TEST_REDIS_PORT");
	yb_redis *redis = NULL;
	char errstr[256], endpoint[128];
	yb_redis_options opts = {.endpoint = endpoint, .timeout_ms = 5000};

	if (host == NULL || port == NULL)
		fail_msg("YB_TEST_REDIS_HOST/PORT not set: run through ctest (servers fixture)");
	snprintf(endpoint, sizeof(endpoint), "%s:%s", host, port);
	if (yb_redis_connect(&redis, &opts, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	return redis;
}

/* Fresh keys for each test run: "{m:<member>}:..." with a per-process member id. */
static void member_keys(char *applied, char *acc, size_t len, const char *member)
{
	snprintf(applied, len, "{m:%s-%ld}:applied", member, (long)getpid());
	snprintf(acc, len, "{m:%s-%ld}:acc", member, (long)getpid());
}

static void ping_and_info_answer(void **state)
{
	yb_redis *redis = connect_to_test_server();
	char errstr[256], version[64];

	(void)state;
	assert_int_equal(yb_redis_ping(redis, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_redis_info_field(redis, "redis_version", version, sizeof(version),
					     errstr, sizeof(errstr)),
			 YB_OK);
	assert_true(version[0] >= '6'); /* Debian bookworm: 7.0 */
	assert_int_equal(yb_redis_info_field(redis, "no_such_field", version, sizeof(version),
					     errstr, sizeof(errstr)),
			 YB_ENOTFOUND);
	yb_redis_destroy(redis);
	yb_redis_destroy(NULL);
}

static long long call_apply(yb_redis *redis, yb_redis_script *script, const char *applied,
			    const char *acc, const char *claim_id, const char *fen,
			    long long *total)
{
	const char *keys[] = {applied, acc};
	const char *args[] = {claim_id, fen};
	redisReply *reply = NULL;
	char errstr[256];
	long long fresh;

	if (yb_redis_eval(redis, script, 2, keys, 2, args, NULL, &reply, errstr, sizeof(errstr)) !=
	    YB_OK)
		fail_msg("%s", errstr);
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	assert_int_equal(reply->elements, 2);
	fresh = reply->element[0]->integer;
	*total = reply->element[1]->integer;
	yb_redis_reply_free(reply);
	return fresh;
}

static void lua_script_applies_each_claim_once(void **state)
{
	yb_redis *redis = connect_to_test_server();
	yb_redis_script script = {.source = apply_once_lua};
	char applied[128], acc[128], errstr[256];
	long long total;

	(void)state;
	member_keys(applied, acc, sizeof(applied), "once");
	assert_int_equal(yb_redis_script_load(redis, &script, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(strlen(script.sha), 40);
	/* 120.00 yuan, then 30.50 yuan, then the first claim again: 12000 + 3050 = 15050. */
	assert_int_equal(call_apply(redis, &script, applied, acc, "c1", "12000", &total), 1);
	assert_int_equal(total, 12000);
	assert_int_equal(call_apply(redis, &script, applied, acc, "c2", "3050", &total), 1);
	assert_int_equal(total, 15050);
	assert_int_equal(call_apply(redis, &script, applied, acc, "c1", "12000", &total), 0);
	assert_int_equal(total, 15050);
	yb_redis_destroy(redis);
}

static void flushed_script_is_reloaded_transparently(void **state)
{
	yb_redis *redis = connect_to_test_server();
	yb_redis_script script = {.source = apply_once_lua};
	const char *flush[] = {"SCRIPT", "FLUSH"};
	char applied[128], acc[128], errstr[256];
	redisReply *reply = NULL;
	long long total;

	(void)state;
	member_keys(applied, acc, sizeof(applied), "reload");
	assert_int_equal(call_apply(redis, &script, applied, acc, "c1", "100", &total), 1);
	assert_int_equal(yb_redis_append_command(redis, 2, flush, NULL), YB_OK);
	assert_int_equal(yb_redis_read_reply(redis, &reply, errstr, sizeof(errstr)), YB_OK);
	yb_redis_reply_free(reply);
	/* The server forgot the script; the call still goes through (NOSCRIPT → load → retry). */
	assert_int_equal(call_apply(redis, &script, applied, acc, "c2", "100", &total), 1);
	assert_int_equal(total, 200);
	yb_redis_destroy(redis);
}

static void pipeline_of_a_thousand_calls_and_noscript_detection(void **state)
{
	yb_redis *redis = connect_to_test_server();
	yb_redis_script script = {.source = apply_once_lua};
	const char *flush[] = {"SCRIPT", "FLUSH"};
	char applied[128], acc[128], errstr[256], claim_id[32];
	redisReply *reply = NULL;

	(void)state;
	member_keys(applied, acc, sizeof(applied), "pipe");
	assert_int_equal(yb_redis_script_load(redis, &script, errstr, sizeof(errstr)), YB_OK);
	/* 1000 claims of 1 fen each, every other one a repeat: 500 applied, total 500 fen. */
	for (int i = 0; i < 1000; i++) {
		const char *keys[] = {applied, acc};
		const char *args[] = {claim_id, "1"};

		snprintf(claim_id, sizeof(claim_id), "c%d", i / 2);
		assert_int_equal(yb_redis_append_eval(redis, &script, 2, keys, 2, args, NULL),
				 YB_OK);
	}
	long long fresh_count = 0, last_total = 0;
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(yb_redis_read_reply(redis, &reply, errstr, sizeof(errstr)), YB_OK);
		assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
		fresh_count += reply->element[0]->integer;
		last_total = reply->element[1]->integer;
		yb_redis_reply_free(reply);
	}
	assert_int_equal(fresh_count, 500);
	assert_int_equal(last_total, 500);

	/* A pipeline meeting a flushed script sees NOSCRIPT and can tell it apart. */
	assert_int_equal(yb_redis_append_command(redis, 2, flush, NULL), YB_OK);
	const char *keys[] = {applied, acc};
	const char *args[] = {"late", "1"};
	assert_int_equal(yb_redis_append_eval(redis, &script, 2, keys, 2, args, NULL), YB_OK);
	assert_int_equal(yb_redis_read_reply(redis, &reply, errstr, sizeof(errstr)), YB_OK);
	yb_redis_reply_free(reply);
	assert_int_equal(yb_redis_read_reply(redis, &reply, errstr, sizeof(errstr)), YB_OK);
	assert_true(yb_redis_reply_is_noscript(reply));
	yb_redis_reply_free(reply);
	yb_redis_destroy(redis);
}

static void refused_connection_is_an_error_with_a_reason(void **state)
{
	yb_redis *redis = (yb_redis *)1;
	char errstr[256] = "";
	yb_redis_options opts = {.endpoint = "127.0.0.1:1", .timeout_ms = 1000};

	(void)state;
	/* Port 1 on loopback: nothing listens there. */
	assert_int_equal(yb_redis_connect(&redis, &opts, errstr, sizeof(errstr)), YB_EIO);
	assert_null(redis);
	assert_non_null(strstr(errstr, "127.0.0.1:1"));
	/* A socket path where no socket is; an endpoint that is no endpoint. */
	opts.endpoint = "unix:/nonexistent/redis.sock";
	assert_int_equal(yb_redis_connect(&redis, &opts, errstr, sizeof(errstr)), YB_EIO);
	assert_non_null(strstr(errstr, "unix:/nonexistent/redis.sock"));
	opts.endpoint = "redis://:hunter2@127.0.0.1:1";
	assert_int_equal(yb_redis_connect(&redis, &opts, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(strstr(errstr, "hunter2"));
}

/* One command's integer (or string length, nil -1) answer. */
static long long command(yb_redis *redis, int argc, const char **argv)
{
	redisReply *r = NULL;
	char errstr[256];
	long long v;

	assert_int_equal(yb_redis_append_command(redis, argc, argv, NULL), YB_OK);
	assert_int_equal(yb_redis_read_reply(redis, &r, errstr, sizeof(errstr)), YB_OK);
	v = r->type == REDIS_REPLY_INTEGER  ? r->integer
	    : r->type == REDIS_REPLY_STRING ? (long long)r->len
	    : r->type == REDIS_REPLY_ARRAY  ? (long long)r->elements
					    : -1;
	yb_redis_reply_free(r);
	return v;
}

/* Apply claim_id for member at version, kept until day keep_until, the watermark at ms. */
static int apply_claim(yb_member_store *st, const char *member, const char *claim_id,
		       int64_t version, int32_t keep_until, int64_t watermark_ms)
{
	static const uint8_t settlement[] = {0xc3, 0x01, 1, 2, 3};
	yb_claim_state c = {.claim_id = claim_id,
			    .member_id = member,
			    .settlement = settlement,
			    .settlement_len = sizeof(settlement),
			    .scheme = "yingkou-resident",
			    .year = 2024,
			    .level = -1,
			    .keep_until = keep_until,
			    .partition = 0,
			    .offset = version,
			    .reversal_partition = -1,
			    .reversal_offset = -1};
	char errstr[256];

	assert_int_equal(
	    yb_member_store_queue_apply(st, member, false, version, &c, NULL, 0, watermark_ms),
	    YB_OK);
	return yb_member_store_read_apply(st, errstr, sizeof(errstr));
}

/*
 * The apply script drops a record whose keep_until the watermark passed; its claim_id's
 * registration is released after it. A crash between the two left the registration for
 * ever; now the script notes the release in the member's {m:ID}:rel, and the member's next
 * read releases it — only if the registration is still the member's.
 */
static void a_release_cut_short_by_a_crash_is_done_at_the_next_read(void **state)
{
	yb_redis *redis = connect_to_test_server();
	yb_member_store *st = NULL;
	char prefix[64], member[32], other[32], reg_x[160], reg_z[160], rel[160], owner[64];
	char errstr[256];
	const char *claim_ids[] = {"X"};
	yb_store_member m;
	long released;

	(void)state;
	snprintf(prefix, sizeof(prefix), "rel-%ld:", (long)getpid());
	snprintf(member, sizeof(member), "M-%ld", (long)getpid());
	snprintf(other, sizeof(other), "N-%ld", (long)getpid());
	snprintf(reg_x, sizeof(reg_x), "%s{c:X-%ld}", prefix, (long)getpid());
	snprintf(reg_z, sizeof(reg_z), "%s{c:Z-%ld}", prefix, (long)getpid());
	snprintf(rel, sizeof(rel), "%s{m:%s}:rel", prefix, member);
	assert_int_equal(yb_member_store_new(&st, redis, prefix, NULL), YB_OK);
	assert_int_equal(yb_member_store_prepare(st, errstr, sizeof(errstr)), YB_OK);
	{
		char x[32], z[32];

		snprintf(x, sizeof(x), "X-%ld", (long)getpid());
		snprintf(z, sizeof(z), "Z-%ld", (long)getpid());
		claim_ids[0] = x;
		/* X is the member's; Z another member's. */
		assert_int_equal(yb_member_store_queue_register(st, x, member), YB_OK);
		assert_int_equal(yb_member_store_queue_register(st, z, other), YB_OK);
		assert_int_equal(
		    yb_member_store_read_register(st, owner, sizeof(owner), errstr, sizeof(errstr)),
		    YB_OK);
		assert_int_equal(
		    yb_member_store_read_register(st, owner, sizeof(owner), errstr, sizeof(errstr)),
		    YB_OK);
		/* X kept until day 1; Y's watermark (2024-03-01) passes it: X's record goes. */
		assert_int_equal(apply_claim(st, member, x, 0, 1, 0), YB_APPLY_DONE);
		assert_int_equal(apply_claim(st, member, "Y", 1, 30000, 1709222400000),
				 YB_APPLY_DONE);
		/* The crash: the release is never sent; what was in memory is gone. */
		yb_member_store_reset(st);
		assert_true(command(redis, 2, (const char *[]){"EXISTS", reg_x}) == 1);
		assert_true(command(redis, 3, (const char *[]){"SISMEMBER", rel, x}) == 1);
		/* A release noted for Z by mistake must not free another member's claim_id. */
		assert_true(command(redis, 3, (const char *[]){"SADD", rel, z}) == 1);

		/* The next read of the member releases X, and only X. */
		assert_int_equal(yb_member_store_queue_member(st, member, claim_ids, 1), YB_OK);
		assert_int_equal(yb_member_store_read_member(st, &m, errstr, sizeof(errstr)),
				 YB_OK);
		released = yb_member_store_queue_release(st);
		assert_true(released == 4);
		assert_int_equal(yb_member_store_sync(st, (size_t)released, errstr, sizeof(errstr)),
				 YB_OK);
		assert_true(command(redis, 2, (const char *[]){"EXISTS", reg_x}) == 0);
		assert_true(command(redis, 2, (const char *[]){"EXISTS", reg_z}) == 1);
		assert_true(command(redis, 2, (const char *[]){"EXISTS", rel}) == 0);
		/* The record of X is gone, Y's is there. */
		assert_null(m.claims[0]);
	}
	yb_member_store_destroy(st);
	yb_redis_destroy(redis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ping_and_info_answer),
	    cmocka_unit_test(lua_script_applies_each_claim_once),
	    cmocka_unit_test(flushed_script_is_reloaded_transparently),
	    cmocka_unit_test(pipeline_of_a_thousand_calls_and_noscript_detection),
	    cmocka_unit_test(refused_connection_is_an_error_with_a_reason),
	    cmocka_unit_test(a_release_cut_short_by_a_crash_is_done_at_the_next_read),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
