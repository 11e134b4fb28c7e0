/*
 * Service configuration (io/config.h): the Redis endpoint's two forms and what is refused,
 * and a loader that never quotes back a value that could hold a secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/error.h"
#include "io/config.h"

static void endpoints_host_port_and_unix_socket(void **state)
{
	static const struct {
		const char *text;
		int is_unix;
		const char *host_or_path;
		int port;
	} good[] = {
	    {"127.0.0.1:16379", 0, "127.0.0.1", 16379},
	    {"redis.internal:6379", 0, "redis.internal", 6379},
	    {"my_host-1:1", 0, "my_host-1", 1},
	    {"localhost:65535", 0, "localhost", 65535},
	    {"[::1]:6379", 0, "::1", 6379},
	    {"[2001:db8::7]:26379", 0, "2001:db8::7", 26379},
	    {"unix:/run/redis/redis.sock", 1, "/run/redis/redis.sock", 0},
	    {"unix:/s", 1, "/s", 0},
	};
	yb_endpoint ep;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (yb_endpoint_parse(good[i].text, &ep, &why) != YB_OK)
			fail_msg("%s refused: %s", good[i].text, why);
		assert_int_equal(ep.is_unix, good[i].is_unix);
		assert_string_equal(good[i].is_unix ? ep.path : ep.host, good[i].host_or_path);
		assert_int_equal(ep.port, good[i].port);
	}
}

static void endpoints_refused_and_why(void **state)
{
	static const char *const bad[] = {
	    "",
	    "127.0.0.1",
	    ":6379",
	    "host:",
	    "host:0",
	    "host:65536",
	    "host:-1",
	    "host:+1",
	    "host:63 79",
	    "host:6379x",
	    "ho st:6379",
	    "::1:6379",  /* an IPv6 address goes in brackets */
	    "[::1:6379", /* unclosed */
	    "[host]:6379",
	    "unix:",
	    "unix:relative/path",
	    "redis://127.0.0.1:6379",
	    "redis://:hunter2@127.0.0.1:6379",
	    "user:hunter2@127.0.0.1:6379",
	    "unix:/run/a@b.sock",
	};
	char long_path[160];
	yb_endpoint ep;
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (yb_endpoint_parse(bad[i], &ep, &why) != YB_EINVAL)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(why);
		/* The reason never quotes the text (which could hold a password). */
		assert_null(strstr(why, "hunter2"));
		assert_false(ep.is_unix);
		assert_string_equal(ep.host, "");
	}
	why = NULL;
	assert_int_equal(yb_endpoint_parse("redis://:hunter2@h:1", &ep, &why), YB_EINVAL);
	assert_non_null(strstr(why, "not a URL"));
	/* A socket path longer than sockaddr_un can hold. */
	snprintf(long_path, sizeof(long_path), "unix:/%0*d", YB_ENDPOINT_PATH_MAX, 0);
	assert_int_equal(yb_endpoint_parse(long_path, &ep, &why), YB_EINVAL);
	assert_non_null(strstr(why, "longer"));
	snprintf(long_path, sizeof(long_path), "unix:/%0*d", YB_ENDPOINT_PATH_MAX - 1, 0);
	assert_int_equal(yb_endpoint_parse(long_path, &ep, NULL), YB_OK);
}

static const yb_config_key keys[] = {
    {"redis", YB_CONFIG_ENDPOINT, "127.0.0.1:16379", 0, 0, "the Redis server"},
    {"redis.user", YB_CONFIG_OPTIONAL, "", 0, 0, "the ACL user"},
    {"redis.timeout.ms", YB_CONFIG_INT, "5000", 10, 600000, "timeout"},
    {"vault.password", YB_CONFIG_INT, "1", 0, 9, "a key whose name says secret"},
};
#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

/* Load with -X overrides; returns the code, errstr filled. */
static int load(char *const *overrides, char *errstr, size_t errlen)
{
	yb_props *config = NULL;
	int rc = yb_config_load(&config, keys, KEY_COUNT, NULL, overrides, errstr, errlen);

	yb_props_destroy(config);
	return rc;
}

static void a_secret_looking_value_is_never_echoed(void **state)
{
	char errstr[512];
	char *url[] = {"redis=redis://:hunter2@127.0.0.1:1", NULL};
	char *at[] = {"redis=admin:hunter2@127.0.0.1", NULL};
	char *named[] = {"vault.password=hunter2", NULL};
	char *plain[] = {"redis=nohost", NULL};
	char *timeout[] = {"redis.timeout.ms=abc", NULL};

	(void)state;
	assert_int_equal(load(url, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(strstr(errstr, "hunter2"));
	assert_non_null(strstr(errstr, "key 'redis': (value not shown)"));
	assert_int_equal(load(at, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(strstr(errstr, "hunter2"));
	assert_non_null(strstr(errstr, "(value not shown)"));
	/* A key named like a password: never shown, whatever the value. */
	assert_int_equal(load(named, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(strstr(errstr, "hunter2"));
	assert_non_null(strstr(errstr, "key 'vault.password': (value not shown)"));
	/* Anything else is quoted, so a typo can be seen. */
	assert_int_equal(load(plain, errstr, sizeof(errstr)), YB_EINVAL);
	assert_non_null(strstr(errstr, "key 'redis': 'nohost' must be HOST:PORT"));
	assert_int_equal(load(timeout, errstr, sizeof(errstr)), YB_EINVAL);
	assert_non_null(strstr(errstr, "'abc'"));
	assert_string_equal(yb_config_shown("redis", "h:1"), "h:1");
	assert_string_equal(yb_config_shown(NULL, "a@b"), "(value not shown)");
	assert_string_equal(yb_config_shown("redis.password", "x"), "(value not shown)");
}

static void a_password_is_never_a_key(void **state)
{
	char errstr[512];
	char *given[] = {"redis.password=hunter2", NULL};

	(void)state;
	assert_int_equal(load(given, errstr, sizeof(errstr)), YB_EINVAL);
	assert_null(strstr(errstr, "hunter2"));
	assert_non_null(strstr(errstr, "unknown key 'redis.password'"));
	assert_non_null(strstr(errstr, "a password is never a key"));
}

static void optional_keys_may_be_empty_and_say_so_in_help(void **state)
{
	yb_props *config = NULL;
	char errstr[512], text[4096] = "";
	char *unix_socket[] = {"redis=unix:/run/redis.sock", "redis.user=", NULL};
	FILE *out = fmemopen(text, sizeof(text) - 1, "w");

	(void)state;
	assert_int_equal(
	    yb_config_load(&config, keys, KEY_COUNT, NULL, unix_socket, errstr, sizeof(errstr)),
	    YB_OK);
	assert_string_equal(yb_props_get(config, "redis"), "unix:/run/redis.sock");
	assert_string_equal(yb_props_get(config, "redis.user"), "");
	yb_props_destroy(config);
	assert_non_null(out);
	yb_config_usage(out, keys, KEY_COUNT);
	fclose(out);
	assert_non_null(strstr(text, "default: (empty); environment: YB_REDIS_USER"));
}

int main(void)
{
	/* The loader reads the environment: none of it here. */
	static const char *const env[] = {"YB_REDIS", "YB_REDIS_USER", "YB_REDIS_TIMEOUT_MS",
					  "YB_VAULT_PASSWORD"};
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(endpoints_host_port_and_unix_socket),
	    cmocka_unit_test(endpoints_refused_and_why),
	    cmocka_unit_test(a_secret_looking_value_is_never_echoed),
	    cmocka_unit_test(a_password_is_never_a_key),
	    cmocka_unit_test(optional_keys_may_be_empty_and_say_so_in_help),
	};

	for (size_t i = 0; i < sizeof(env) / sizeof(env[0]); i++)
		unsetenv(env[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
