/* The streaming services' keys on the common frame; see service.h. */
#include "service/service.h"

#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "io/secret_file.h"

#define MAX_KEYS 64

/* The keys every service of the pipeline takes, so one file can configure them all. */
static const yb_config_key pipeline_keys[] = {
    {"kafka.bootstrap.servers", YB_CONFIG_STRING, "127.0.0.1:19092", 0, 0, "the Kafka cluster"},
    {"redis", YB_CONFIG_ENDPOINT, "127.0.0.1:16379", 0, 0,
     "the Redis server holding member state: HOST:PORT or unix:/path/to/socket"},
    {"redis.user", YB_CONFIG_OPTIONAL, "", 0, 0,
     "the Redis ACL user to AUTH as (empty: the default user); needs a password"},
    {"redis.password.file", YB_CONFIG_OPTIONAL, "", 0, 0,
     "a file, readable by its owner only (mode 600), whose first line is the Redis "
     "password; or set the environment variable " YB_SERVICE_REDIS_PASSWORD_ENV
     " (not both). Empty and unset: no AUTH"},
    {"redis.key.secret.file", YB_CONFIG_OPTIONAL, "", 0, 0,
     "a file, readable by its owner only (mode 600), whose first line (16 bytes or more, "
     "e.g. openssl rand -hex 32) keys the hash that stands for each member id in Redis key "
     "names (HMAC-SHA256, 32 hex digits). Empty: member ids in clear. Every service and "
     "claimctl rebuild must have the same secret"},
    {"redis.prefix", YB_CONFIG_STRING, "yb:", 0, 0, "the prefix of every Redis key"},
    {"redis.timeout.ms", YB_CONFIG_INT, "5000", 10, 600000, "Redis connect and command timeout"},
    {"redis.wait.replicas", YB_CONFIG_INT, "-1", -1, 16,
     "the replicas a batch's Redis writes must reach before its Kafka commit (WAIT on every "
     "master written to): -1, one on a Redis Cluster master that has a replica and none on a "
     "single server; 0 never waits (a failover may then lose committed state)"},
    {"redis.wait.timeout.ms", YB_CONFIG_INT, "5000", 10, 600000,
     "how long a WAIT may take; a batch whose writes did not reach the replicas is retried"},
    {"topic.institutions", YB_CONFIG_STRING, "institutions", 0, 0,
     "institution reference data (compacted)"},
    {"topic.enrollments", YB_CONFIG_STRING, "enrollments", 0, 0, "enrollment events"},
    {"topic.payments", YB_CONFIG_STRING, "payments", 0, 0, "payment events"},
    {"topic.claims", YB_CONFIG_STRING, "claims", 0, 0, "claims and reversals"},
    {"topic.settlements", YB_CONFIG_STRING, "settlements", 0, 0, "settlements"},
    {"topic.fraud-alerts", YB_CONFIG_STRING, "fraud-alerts", 0, 0, "fraud alerts"},
    {"topic.dead-letters", YB_CONFIG_STRING, "dead-letters", 0, 0,
     "what could not be decoded or validated, with the reason and the original bytes"},
    {"group.static", YB_CONFIG_INT, "1", 0, 1,
     "1: the instance is a static member of its group (group.instance.id = instance.id), so "
     "a restart after a crash takes its partitions back at once and the other instances "
     "keep theirs; a stopped instance's partitions move after kafka.session.timeout.ms. "
     "0: dynamic membership (partitions move at once on a clean stop, after the session "
     "timeout on a crash)"},
    {"policies", YB_CONFIG_STRING, "policies", 0, 0, "the scheme policy directory"},
    {"log.level", YB_CONFIG_STRING, "info", 0, 0, "debug, info, warn or error"},
};
#define PIPELINE_KEYS (sizeof(pipeline_keys) / sizeof(pipeline_keys[0]))

int yb_service_start(yb_service *svc, const char *name, const char *summary, int argc, char **argv,
		     const yb_config_key *keys, size_t count)
{
	static yb_config_key all[MAX_KEYS];
	size_t total = 0;
	yb_daemon_spec spec = {.name = name, .summary = summary, .keys = all};

	for (size_t i = 0; i < PIPELINE_KEYS && total < MAX_KEYS; i++)
		all[total++] = pipeline_keys[i];
	for (size_t i = 0; i < count && total < MAX_KEYS; i++)
		all[total++] = keys[i];
	spec.key_count = total;
	return yb_daemon_start(svc, &spec, argc, argv);
}

const char *yb_service_static_instance(const yb_service *svc)
{
	return yb_config_int(svc->config, "group.static") != 0
		   ? yb_props_get(svc->config, "instance.id")
		   : NULL;
}

/* A key's value, or "" when absent. */
static const char *get(const yb_props *cfg, const char *name)
{
	const char *value = yb_props_get(cfg, name);

	return value != NULL ? value : "";
}

/* The password (YB_SECRET_MAX bytes at most) into buf, from redis.password.file or the
 * environment; *given = 0 when neither gives one. */
static int read_password(const yb_props *cfg, char *buf, size_t size, int *given, char *errstr,
			 size_t errlen)
{
	const char *file = get(cfg, "redis.password.file");
	const char *env = getenv(YB_SERVICE_REDIS_PASSWORD_ENV);
	size_t len = 0;

	*given = 0;
	buf[0] = '\0';
	if (env != NULL && env[0] == '\0')
		env = NULL;
	if (file[0] != '\0' && env != NULL) {
		snprintf(errstr, errlen,
			 "redis.password.file and the environment's " YB_SERVICE_REDIS_PASSWORD_ENV
			 " both give a password: give one");
		return YB_EINVAL;
	}
	if (file[0] != '\0') {
		int rc = yb_secret_file_read(file, "redis.password.file", buf, size, &len, errstr,
					     errlen);

		if (rc != YB_OK)
			return rc;
	} else if (env != NULL) {
		len = strlen(env);
		if (len >= size) {
			snprintf(errstr, errlen,
				 YB_SERVICE_REDIS_PASSWORD_ENV " is longer than %zu bytes",
				 size - 1);
			return YB_EINVAL;
		}
		memcpy(buf, env, len + 1);
	}
	*given = file[0] != '\0' || env != NULL;
	return YB_OK;
}

/* The member key scheme of redis.key.secret.file: *out NULL when the key is empty. */
static int read_key_secret(const yb_props *cfg, yb_member_key **out, char *errstr, size_t errlen)
{
	const char *file = get(cfg, "redis.key.secret.file");
	char secret[YB_SECRET_MAX + 1];
	size_t len = 0;
	int rc;

	*out = NULL;
	if (file[0] == '\0')
		return YB_OK;
	rc = yb_secret_file_read(file, "redis.key.secret.file", secret, sizeof(secret), &len,
				 errstr, errlen);
	if (rc == YB_OK && len < YB_MEMBER_KEY_SECRET_MIN) {
		snprintf(errstr, errlen,
			 "redis.key.secret.file '%s': the secret is %zu bytes, fewer than %d "
			 "(make one with: openssl rand -hex 32)",
			 file, len, YB_MEMBER_KEY_SECRET_MIN);
		rc = YB_EINVAL;
	}
	if (rc == YB_OK) {
		rc = yb_member_key_new(out, secret, len);
		if (rc != YB_OK)
			snprintf(errstr, errlen,
				 "redis.key.secret.file: cannot key HMAC-SHA256 (%s)",
				 yb_strerror(rc));
	}
	yb_secret_wipe(secret, sizeof(secret));
	return rc;
}

int yb_service_redis_connect(const yb_props *cfg, yb_redis **redis, yb_member_key **key,
			     char *errstr, size_t errlen)
{
	char password[YB_SECRET_MAX + 1];
	const char *user = get(cfg, "redis.user");
	const char *timeout = yb_props_get(cfg, "redis.timeout.ms");
	const char *wait = yb_props_get(cfg, "redis.wait.replicas");
	const char *wait_timeout = yb_props_get(cfg, "redis.wait.timeout.ms");
	yb_redis_options opts = {
	    .endpoint = get(cfg, "redis"),
	    .user = user[0] != '\0' ? user : NULL,
	    .timeout_ms = timeout != NULL ? (int)strtol(timeout, NULL, 10) : 5000,
	    .wait_replicas = wait != NULL ? (int)strtol(wait, NULL, 10) : YB_REDIS_WAIT_AUTO,
	    .wait_timeout_ms = wait_timeout != NULL ? (int)strtol(wait_timeout, NULL, 10) : 0};
	int given = 0, rc;

	*redis = NULL;
	*key = NULL;
	rc = read_password(cfg, password, sizeof(password), &given, errstr, errlen);
	if (rc == YB_OK && opts.user != NULL && !given) {
		snprintf(errstr, errlen,
			 "redis.user '%s' needs a password: redis.password.file or "
			 "the environment's " YB_SERVICE_REDIS_PASSWORD_ENV,
			 opts.user);
		rc = YB_EINVAL;
	}
	if (rc == YB_OK)
		rc = read_key_secret(cfg, key, errstr, errlen);
	if (rc == YB_OK) {
		opts.password = given ? password : NULL;
		rc = yb_redis_connect(redis, &opts, errstr, errlen);
	}
	yb_secret_wipe(password, sizeof(password));
	if (rc != YB_OK) {
		yb_member_key_destroy(*key);
		*key = NULL;
	}
	return rc;
}
