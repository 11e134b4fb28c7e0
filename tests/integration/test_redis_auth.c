/*
 * Redis where and as whom, against the real redis-server the servers fixture started: an ACL
 * user made for the test (ACL SETUSER), connected to as the services do
 * (yb_service_redis_connect: the user, a password file); a wrong password refused with an
 * error that holds no password; AUTH again after a reconnect (the server killed the
 * connection: CLIENT KILL); a Unix socket when the server has one; and the stores with a
 * key secret, whose key names hold no member id. The user is deleted at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/temp_file.h"

#include "base/error.h"
#include "io/props.h"
#include "service/service.h"
#include "store/fraud_store.h"
#include "store/member_key.h"
#include "store/member_store.h"

#define PASSWORD       "yb-test-Pa55-5f1d0c"
#define WRONG_PASSWORD "yb-test-wrong-9a7e31"
#define KEY_SECRET     "0123456789abcdef0123456789abcdef"

static char user[64], endpoint[128];
static char password_file[256], wrong_file[256], secret_file[256];

/* A connection as the default user (the test server has no password): the test's admin. */
static yb_redis *admin(void)
{
	yb_redis_options opts = {.endpoint = endpoint, .timeout_ms = 5000};
	yb_redis *redis = NULL;
	char errstr[256];

	if (yb_redis_connect(&redis, &opts, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	return redis;
}

/* Run one command; the reply (the caller frees it). */
static redisReply *run(yb_redis *redis, int argc, const char **argv)
{
	redisReply *r = NULL;
	char errstr[256];

	assert_int_equal(yb_redis_append_command(redis, argc, argv, NULL), YB_OK);
	if (yb_redis_read_reply(redis, &r, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s: %s", argv[0], errstr);
	return r;
}

/* Run one command that must answer a status or string; its text into out. */
static void run_text(yb_redis *redis, int argc, const char **argv, char *out, size_t size)
{
	redisReply *r = run(redis, argc, argv);

	if (r->type != REDIS_REPLY_STATUS && r->type != REDIS_REPLY_STRING)
		fail_msg("%s: %s", argv[0], r->type == REDIS_REPLY_ERROR ? r->str : "no text");
	snprintf(out, size, "%s", r->str);
	yb_redis_reply_free(r);
}

/* The services' keys: the test server, as the test's user with password_file. */
static yb_props *keys_for(const char *where, const char *as, const char *pw_file,
			  const char *secret)
{
	yb_props *cfg = yb_props_new();

	assert_non_null(cfg);
	assert_int_equal(yb_props_set(cfg, "redis", where), YB_OK);
	assert_int_equal(yb_props_set(cfg, "redis.timeout.ms", "5000"), YB_OK);
	if (as != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.user", as), YB_OK);
	if (pw_file != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.password.file", pw_file), YB_OK);
	if (secret != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.key.secret.file", secret), YB_OK);
	return cfg;
}

/* Connect as the test's user, as the services do; fails the test when refused. */
static yb_redis *connect_as_user(const char *where, yb_member_key **key, const char *secret)
{
	yb_props *cfg = keys_for(where, user, password_file, secret);
	yb_member_key *unused = NULL;
	yb_redis *redis = NULL;
	char errstr[512];

	if (yb_service_redis_connect(cfg, &redis, key != NULL ? key : &unused, errstr,
				     sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	yb_member_key_destroy(unused);
	yb_props_destroy(cfg);
	return redis;
}

static void assert_whoami(yb_redis *redis, const char *expected)
{
	const char *whoami[] = {"ACL", "WHOAMI"};
	char name[128];

	run_text(redis, 2, whoami, name, sizeof(name));
	assert_string_equal(name, expected);
}

static int setup(void **state)
{
	const char *host = getenv("YB_TEST_REDIS_HOST");
	const char *port = getenv("YB_TEST_REDIS_PORT");
	char pass[64], ok[32];
	yb_redis *redis;

	(void)state;
	if (host == NULL || port == NULL)
		fail_msg("YB_TEST_REDIS_HOST/PORT not set: run through ctest (servers fixture)");
	snprintf(endpoint, sizeof(endpoint), "%s:%s", host, port);
	snprintf(user, sizeof(user), "yb-test-%ld", (long)getpid());
	snprintf(pass, sizeof(pass), ">%s", PASSWORD);
	/* The user may run anything on its own prefix's keys and nothing else's. */
	redis = admin();
	{
		char pattern[96];
		const char *setuser[] = {"ACL", "SETUSER", user,    "reset",
					 "on",  pass,      pattern, "+@all"};

		snprintf(pattern, sizeof(pattern), "~%s:*", user);
		run_text(redis, 8, setuser, ok, sizeof(ok));
		assert_string_equal(ok, "OK");
	}
	yb_redis_destroy(redis);
	yb_test_write_file(password_file, sizeof(password_file), PASSWORD "\n", 0600);
	yb_test_write_file(wrong_file, sizeof(wrong_file), WRONG_PASSWORD "\n", 0600);
	yb_test_write_file(secret_file, sizeof(secret_file), KEY_SECRET "\n", 0600);
	return 0;
}

static int teardown(void **state)
{
	yb_redis *redis = admin();
	const char *deluser[] = {"ACL", "DELUSER", user};
	redisReply *r;

	(void)state;
	r = run(redis, 3, deluser);
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	assert_int_equal(r->integer, 1);
	yb_redis_reply_free(r);
	yb_redis_destroy(redis);
	unlink(password_file);
	unlink(wrong_file);
	unlink(secret_file);
	return 0;
}

static void an_acl_user_with_a_password_file(void **state)
{
	yb_redis *redis = connect_as_user(endpoint, NULL, NULL);
	char key[128], value[64], errstr[256];

	(void)state;
	assert_whoami(redis, user);
	assert_int_equal(yb_redis_ping(redis, errstr, sizeof(errstr)), YB_OK);
	snprintf(key, sizeof(key), "%s:k", user);
	{
		const char *set[] = {"SET", key, "v", "EX", "60"};
		const char *get[] = {"GET", key};

		run_text(redis, 5, set, value, sizeof(value));
		run_text(redis, 2, get, value, sizeof(value));
		assert_string_equal(value, "v");
	}
	/* The ACL holds it to its keys: proof it runs as the user, not the default. */
	{
		const char *other[] = {"GET", "not-its-key"};
		redisReply *r = run(redis, 2, other);

		assert_int_equal(r->type, REDIS_REPLY_ERROR);
		assert_non_null(strstr(r->str, "NOPERM"));
		yb_redis_reply_free(r);
	}
	yb_redis_destroy(redis);
}

/* Refused, and the error names the user and Redis's reason and holds no password. */
static void a_wrong_password_is_refused_without_showing_it(void **state)
{
	yb_props *cfg = keys_for(endpoint, user, wrong_file, NULL);
	yb_redis *redis = (yb_redis *)1;
	yb_member_key *key = NULL;
	char errstr[512], expected[128];

	(void)state;
	assert_int_equal(yb_service_redis_connect(cfg, &redis, &key, errstr, sizeof(errstr)),
			 YB_EIO);
	assert_null(redis);
	snprintf(expected, sizeof(expected), "redis AUTH as user '%s' refused", user);
	assert_non_null(strstr(errstr, expected));
	assert_non_null(strstr(errstr, "WRONGPASS"));
	assert_null(strstr(errstr, WRONG_PASSWORD));
	assert_null(strstr(errstr, PASSWORD));
	print_message("refused as expected: %s\n", errstr);
	yb_props_destroy(cfg);

	/* The default user with a password (AUTH password): the test server's default user has
	 * none, so Redis refuses it; the message holds no password either. */
	cfg = keys_for(endpoint, NULL, wrong_file, NULL);
	assert_int_equal(yb_service_redis_connect(cfg, &redis, &key, errstr, sizeof(errstr)),
			 YB_EIO);
	assert_non_null(strstr(errstr, "redis AUTH as the default user refused"));
	assert_null(strstr(errstr, WRONG_PASSWORD));
	yb_props_destroy(cfg);
}

/* The server drops the connection (CLIENT KILL); the reconnect authenticates again. */
static void a_reconnect_authenticates_again(void **state)
{
	yb_redis *redis = connect_as_user(endpoint, NULL, NULL), *killer = admin();
	const char *client_id[] = {"CLIENT", "ID"};
	const char *ping[] = {"PING"};
	char id[32], errstr[256];
	redisReply *r = run(redis, 2, client_id);
	int rc;

	(void)state;
	assert_int_equal(r->type, REDIS_REPLY_INTEGER);
	snprintf(id, sizeof(id), "%lld", r->integer);
	yb_redis_reply_free(r);
	{
		const char *kill[] = {"CLIENT", "KILL", "ID", id};

		r = run(killer, 4, kill);
		if (r->type != REDIS_REPLY_INTEGER)
			fail_msg("CLIENT KILL: %s", r->type == REDIS_REPLY_ERROR ? r->str : "?");
		assert_int_equal(r->integer, 1);
		yb_redis_reply_free(r);
	}
	/* The killed connection fails... */
	assert_int_equal(yb_redis_append_command(redis, 1, ping, NULL), YB_OK);
	rc = yb_redis_read_reply(redis, &r, errstr, sizeof(errstr));
	assert_int_not_equal(rc, YB_OK);
	/* ...the new one is the user's again, not the default user's. */
	assert_int_equal(yb_redis_reconnect(redis, errstr, sizeof(errstr)), YB_OK);
	assert_whoami(redis, user);
	assert_int_equal(yb_redis_ping(redis, errstr, sizeof(errstr)), YB_OK);
	/* And again, from a healthy connection. */
	assert_int_equal(yb_redis_reconnect(redis, errstr, sizeof(errstr)), YB_OK);
	assert_whoami(redis, user);
	yb_redis_destroy(killer);
	yb_redis_destroy(redis);
}

/* Over the server's Unix socket (CONFIG GET unixsocket): deploy/local/start gives it one. */
static void a_unix_socket_when_the_server_has_one(void **state)
{
	yb_redis *redis = admin();
	const char *get[] = {"CONFIG", "GET", "unixsocket"};
	redisReply *r = run(redis, 3, get);
	char path[200] = "", where[256], errstr[256];

	(void)state;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		snprintf(path, sizeof(path), "%s", r->element[1]->str);
	yb_redis_reply_free(r);
	yb_redis_destroy(redis);
	if (path[0] == '\0')
		fail_msg("the test redis-server listens on no Unix socket (CONFIG GET unixsocket "
			 "is empty; deploy/local/start gives it RUN_DIR/redis/redis.sock)");
	snprintf(where, sizeof(where), "unix:%s", path);
	redis = connect_as_user(where, NULL, NULL);
	assert_whoami(redis, user);
	assert_string_equal(yb_redis_endpoint(redis), where);
	/* hiredis reconnects to the same socket; AUTH follows. */
	assert_int_equal(yb_redis_reconnect(redis, errstr, sizeof(errstr)), YB_OK);
	assert_whoami(redis, user);
	yb_redis_destroy(redis);
}

/* Every key under prefix (KEYS: the test's own few); the caller frees the reply. */
static redisReply *keys_under(yb_redis *redis, const char *prefix)
{
	char pattern[128];
	const char *keys[] = {"KEYS", pattern};

	snprintf(pattern, sizeof(pattern), "%s*", prefix);
	return run(redis, 2, keys);
}

/*
 * The member store and the fraud store with the key secret: every member key is under the
 * member's token, the claim registry holds the token, the release (EVAL comparing it) frees
 * the member's registration; no key name holds the member id.
 */
static void keyed_stores_keep_member_ids_out_of_key_names(void **state)
{
	yb_member_key *key = NULL;
	yb_redis *redis = connect_as_user(endpoint, &key, secret_file);
	yb_member_store *st = NULL;
	yb_fraud_store *fs = NULL;
	yb_fraud_params params;
	yb_fraud_visit visit;
	char prefix[96], member[32], token[64], acc[256], reg[160], fw[256], owner[64];
	char errstr[256];
	redisReply *r;

	(void)state;
	assert_non_null(key);
	snprintf(prefix, sizeof(prefix), "%s:keyed:", user);
	snprintf(member, sizeof(member), "M-%ld", (long)getpid());
	assert_int_equal(yb_member_key_token(key, member, token, sizeof(token)), 32);
	snprintf(acc, sizeof(acc), "%s{m:%s}:acc", prefix, token);
	snprintf(fw, sizeof(fw), "%s{m:%s}:fw", prefix, token);
	snprintf(reg, sizeof(reg), "%s{c:C-%ld}", prefix, (long)getpid());
	assert_int_equal(yb_member_store_new(&st, redis, prefix, key), YB_OK);
	assert_int_equal(yb_member_store_queue_member_state(st, member, 1, 0, 0, NULL, 0), 1);
	{
		char claim_id[32];

		snprintf(claim_id, sizeof(claim_id), "C-%ld", (long)getpid());
		assert_int_equal(yb_member_store_queue_register(st, claim_id, member), YB_OK);
		assert_int_equal(yb_member_store_sync(st, 1, errstr, sizeof(errstr)), YB_OK);
		assert_int_equal(
		    yb_member_store_read_register(st, owner, sizeof(owner), errstr, sizeof(errstr)),
		    YB_OK);
		assert_string_equal(owner, ""); /* free: the member's now */
		/* Registered again: the registry answers the member's token. */
		assert_int_equal(yb_member_store_queue_register(st, claim_id, member), YB_OK);
		assert_int_equal(
		    yb_member_store_read_register(st, owner, sizeof(owner), errstr, sizeof(errstr)),
		    YB_OK);
		assert_string_equal(owner, token);
		{
			char mine[64];

			assert_int_equal(
			    yb_member_store_owner_token(st, member, mine, sizeof(mine)), YB_OK);
			assert_string_equal(owner, mine);
		}
	}
	{
		const char *exists[] = {"EXISTS", acc};

		r = run(redis, 2, exists);
		assert_int_equal(r->integer, 1);
		yb_redis_reply_free(r);
	}
	/* The member read through the token finds what was written through it. */
	{
		yb_store_member m;

		assert_int_equal(yb_member_store_queue_member(st, member, NULL, 0), YB_OK);
		assert_int_equal(yb_member_store_read_member(st, &m, errstr, sizeof(errstr)),
				 YB_OK);
		assert_int_equal(m.version, 1);
		yb_member_store_reset(st);
	}
	memset(&params, 0, sizeof(params));
	memset(&visit, 0, sizeof(visit));
	snprintf(visit.claim_id, sizeof(visit.claim_id), "C-%ld", (long)getpid());
	snprintf(visit.institution_id, sizeof(visit.institution_id), "H1");
	assert_int_equal(yb_fraud_store_new(&fs, redis, prefix, key, &params, 60), YB_OK);
	assert_int_equal(yb_fraud_store_queue_visit(fs, member, &visit), 2);
	assert_int_equal(yb_fraud_store_sync(fs, 2, errstr, sizeof(errstr)), YB_OK);
	{
		const char *exists[] = {"EXISTS", fw};

		r = run(redis, 2, exists);
		assert_int_equal(r->integer, 1);
		yb_redis_reply_free(r);
	}
	/* No key name holds the member id. */
	r = keys_under(redis, prefix);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_true(r->elements >= 3);
	for (size_t i = 0; i < r->elements; i++) {
		if (strstr(r->element[i]->str, member) != NULL)
			fail_msg("a key name holds the member id: %s", r->element[i]->str);
	}
	yb_redis_reply_free(r);
	{
		const char *del[] = {"DEL", acc, fw, reg};

		yb_redis_reply_free(run(redis, 4, del));
	}
	yb_fraud_store_destroy(fs);
	yb_member_store_destroy(st);
	yb_member_key_destroy(key);
	yb_redis_destroy(redis);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(an_acl_user_with_a_password_file),
	    cmocka_unit_test(a_wrong_password_is_refused_without_showing_it),
	    cmocka_unit_test(a_reconnect_authenticates_again),
	    cmocka_unit_test(a_unix_socket_when_the_server_has_one),
	    cmocka_unit_test(keyed_stores_keep_member_ids_out_of_key_names),
	};

	unsetenv(YB_SERVICE_REDIS_PASSWORD_ENV);
	return cmocka_run_group_tests(tests, setup, teardown);
}
