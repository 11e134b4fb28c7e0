/*
 * The services' way to Redis from their keys (service/service.h's yb_service_redis_connect),
 * up to the point where it would connect: the password given twice refused, a user without
 * a password refused, a key secret others may read or shorter than 16 bytes refused; then
 * a connection refused naming the endpoint. No error, whichever, quotes a secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

#define PASSWORD   "s3cr3t-Pa55word"
#define KEY_SECRET "0123456789abcdef0123456789abcdef"

/* The services' keys for yb_service_redis_connect; NULL values are left out. */
static yb_props *redis_keys(const char *password_file, const char *user, const char *secret_file)
{
	yb_props *cfg = yb_props_new();

	assert_non_null(cfg);
	/* Nothing listens on port 1: a configuration that passes every check fails to connect. */
	assert_int_equal(yb_props_set(cfg, "redis", "127.0.0.1:1"), YB_OK);
	assert_int_equal(yb_props_set(cfg, "redis.timeout.ms", "1000"), YB_OK);
	if (password_file != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.password.file", password_file), YB_OK);
	if (user != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.user", user), YB_OK);
	if (secret_file != NULL)
		assert_int_equal(yb_props_set(cfg, "redis.key.secret.file", secret_file), YB_OK);
	return cfg;
}

/* yb_service_redis_connect's answer; errstr checked for secrets. */
static int service_connect(yb_props *cfg, char *errstr, size_t errlen)
{
	yb_redis *redis = (yb_redis *)1;
	yb_member_key *key = (yb_member_key *)1;
	int rc = yb_service_redis_connect(cfg, &redis, &key, errstr, errlen);

	assert_int_not_equal(rc, YB_OK);
	assert_null(redis);
	assert_null(key);
	assert_null(strstr(errstr, PASSWORD));
	assert_null(strstr(errstr, KEY_SECRET));
	yb_props_destroy(cfg);
	return rc;
}

static void the_services_refuse_before_connecting(void **state)
{
	char password[256], open_secret[256], short_secret[256], secret[256], errstr[512];

	(void)state;
	unsetenv(YB_SERVICE_REDIS_PASSWORD_ENV);
	yb_test_write_file(password, sizeof(password), PASSWORD "\n", 0600);
	yb_test_write_file(open_secret, sizeof(open_secret), KEY_SECRET "\n", 0644);
	yb_test_write_file(short_secret, sizeof(short_secret), "0123456789abcde\n", 0600);
	yb_test_write_file(secret, sizeof(secret), KEY_SECRET "\n", 0600);

	/* The password from the file and from the environment: which one is meant? */
	setenv(YB_SERVICE_REDIS_PASSWORD_ENV, PASSWORD, 1);
	assert_int_equal(service_connect(redis_keys(password, NULL, NULL), errstr, sizeof(errstr)),
			 YB_EINVAL);
	assert_non_null(strstr(errstr, "both give a password"));
	unsetenv(YB_SERVICE_REDIS_PASSWORD_ENV);
	/* An ACL user needs a password. */
	assert_int_equal(
	    service_connect(redis_keys(NULL, "adjudicator", NULL), errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "redis.user 'adjudicator' needs a password"));
	/* A key secret others may read, or shorter than 16 bytes. */
	assert_int_equal(
	    service_connect(redis_keys(password, NULL, open_secret), errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "redis.key.secret.file"));
	assert_non_null(strstr(errstr, "mode 0644"));
	assert_int_equal(
	    service_connect(redis_keys(password, NULL, short_secret), errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "15 bytes, fewer than 16"));
	/* Everything in order, from the file or the environment: then it connects, and the
	 * refusal names the endpoint, never the password. */
	assert_int_equal(
	    service_connect(redis_keys(password, "adjudicator", secret), errstr, sizeof(errstr)),
	    YB_EIO);
	assert_non_null(strstr(errstr, "127.0.0.1:1"));
	setenv(YB_SERVICE_REDIS_PASSWORD_ENV, PASSWORD, 1);
	assert_int_equal(
	    service_connect(redis_keys(NULL, "adjudicator", NULL), errstr, sizeof(errstr)), YB_EIO);
	unsetenv(YB_SERVICE_REDIS_PASSWORD_ENV);
	unlink(password);
	unlink(open_secret);
	unlink(short_secret);
	unlink(secret);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_services_refuse_before_connecting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
