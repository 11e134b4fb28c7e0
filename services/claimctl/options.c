/* Option helpers every claimctl subcommand shares; see claimctl.h. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "claimctl.h"
#include "kafka/kafka.h"
#include "service/service.h"
#include "base/error.h"

const char *claimctl_env_or(const char *name, const char *fallback)
{
	const char *value = getenv(name);

	return value != NULL && value[0] != '\0' ? value : fallback;
}

void claimctl_redis_from_env(claimctl_redis *r)
{
	r->endpoint = claimctl_env_or("YB_REDIS", CLAIMCTL_DEFAULT_REDIS);
	r->user = claimctl_env_or("YB_REDIS_USER", NULL);
	r->password_file = claimctl_env_or("YB_REDIS_PASSWORD_FILE", NULL);
	r->key_secret_file = claimctl_env_or("YB_REDIS_KEY_SECRET_FILE", NULL);
}

int claimctl_redis_connect(const claimctl_redis *r, bool keyed, long timeout_ms, yb_redis **redis,
			   yb_member_key **key, char *errstr, size_t errlen)
{
	yb_props *cfg = yb_props_new();
	char timeout[24];
	int rc;

	*redis = NULL;
	*key = NULL;
	if (cfg == NULL)
		return YB_ENOMEM;
	snprintf(timeout, sizeof(timeout), "%ld", timeout_ms);
	rc = yb_props_set(cfg, "redis", r->endpoint);
	if (rc == YB_OK && r->user != NULL)
		rc = yb_props_set(cfg, "redis.user", r->user);
	if (rc == YB_OK && r->password_file != NULL)
		rc = yb_props_set(cfg, "redis.password.file", r->password_file);
	if (rc == YB_OK && keyed && r->key_secret_file != NULL)
		rc = yb_props_set(cfg, "redis.key.secret.file", r->key_secret_file);
	if (rc == YB_OK)
		rc = yb_props_set(cfg, "redis.timeout.ms", timeout);
	if (rc == YB_OK)
		rc = yb_service_redis_connect(cfg, redis, key, errstr, errlen);
	else
		snprintf(errstr, errlen, "%s", yb_strerror(rc));
	yb_props_destroy(cfg);
	return rc;
}

int claimctl_kafka_property(yb_props *props, const char *command, const char *assignment)
{
	char key[1024], errstr[256];

	/* -X bootstrap.servers=... is the librdkafka key, kept under "kafka." */
	snprintf(key, sizeof(key), "%s%s", YB_KAFKA_PROP_PREFIX, assignment);
	if (yb_props_set_assignment(props, key, errstr, sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "claimctl %s: -X %s\n", command, errstr);
		return YB_EINVAL;
	}
	return YB_OK;
}

int claimctl_kafka_config_file(yb_props *props, const char *command)
{
	const char *path = getenv("YB_KAFKA_CONFIG");
	yb_props *file;
	char errstr[512];
	int rc;

	if (path == NULL || path[0] == '\0')
		return YB_OK;
	file = yb_props_new();
	if (file == NULL)
		return YB_ENOMEM;
	rc = yb_props_load_file(file, path, errstr, sizeof(errstr));
	if (rc != YB_OK)
		fprintf(stderr, "claimctl %s: YB_KAFKA_CONFIG: %s\n", command, errstr);
	for (size_t i = 0; rc == YB_OK && i < yb_props_count(file); i++) {
		char key[1024];

		/* librdkafka's names, as kcat -F: kept under "kafka." like -X's */
		snprintf(key, sizeof(key), "%s%s", YB_KAFKA_PROP_PREFIX, yb_props_key(file, i));
		rc = yb_props_set(props, key, yb_props_value(file, i));
	}
	yb_props_destroy(file);
	return rc;
}

FILE *claimctl_open_input(const char *command, const char *path)
{
	FILE *in;

	if (path == NULL || (path[0] == '-' && path[1] == '\0'))
		return stdin;
	in = fopen(path, "rb");
	if (in == NULL)
		perror(path);
	(void)command;
	return in;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *claimctl_policies_dir(const char *given)
{
	const char *env = claimctl_env_or("YB_POLICIES", NULL);

	if (given != NULL)
		return given;
	if (env != NULL)
		return env;
	if (is_dir("policies"))
		return "policies";
	return YB_SOURCE_DIR "/policies";
}

void claimctl_topic_name(const char *prefix, const char *name, char *buf, size_t size)
{
	if (prefix != NULL && prefix[0] != '\0')
		snprintf(buf, size, "%s.%s", prefix, name);
	else
		snprintf(buf, size, "%s", name);
}
