/*
 * claimctl status: is the pipeline's infrastructure there, and what does it hold?
 *
 * Asks the broker for metadata and every partition's watermarks, and Redis for PING, its
 * version and key count (as the services' Redis user, with its password, when given: the
 * user needs PING and INFO). Prints a table for people, or one JSON object with --json.
 * Exit 0 when both answered, 1 when either did not.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "cli_opt.h"
#include "kafka/kafka.h"
#include "io/log.h"
#include "io/props.h"
#include "io/config.h"
#include "redis/redis.h"
#include "base/error.h"

/* Broker part: fills result; returns YB_OK when the broker answered. */
static int status_kafka(yb_props *props, int timeout_ms, json_t *result)
{
	char errstr[512];
	yb_kafka_topic_info *topics = NULL;
	size_t count = 0;
	int brokers = 0;
	int rc;
	json_t *kafka = json_object(), *list = json_array();

	json_object_set_new(result, "kafka", kafka);
	json_object_set_new(kafka, "bootstrap",
			    json_string(yb_props_get(props, "kafka.bootstrap.servers")));
	rc = yb_kafka_describe_cluster(props, timeout_ms, &topics, &count, &brokers, errstr,
				       sizeof(errstr));
	if (rc != YB_OK)
		goto out;
	json_object_set_new(kafka, "brokers", json_integer(brokers));
	for (size_t i = 0; i < count; i++) {
		json_array_append_new(list,
				      json_pack("{s:s, s:i, s:I}", "topic", topics[i].name,
						"partitions", topics[i].partitions, "log_offsets",
						(json_int_t)topics[i].log_offsets));
	}
out:
	json_object_set_new(kafka, "topics", list);
	if (rc != YB_OK)
		json_object_set_new(kafka, "error", json_string(errstr));
	free(topics);
	return rc;
}

/* Redis part: fills result; returns YB_OK when Redis answered. */
static int status_redis(const claimctl_redis *r, int timeout_ms, json_t *result)
{
	char errstr[512], version[64];
	long long keys = 0;
	yb_redis *redis = NULL;
	yb_member_key *key = NULL;
	/* An address that could hold a password (a URL's user:pw@) is not printed back. */
	json_t *out = json_pack("{s:s}", "address", yb_config_shown(NULL, r->endpoint));
	int rc;

	json_object_set_new(result, "redis", out);
	rc = claimctl_redis_connect(r, false, timeout_ms, &redis, &key, errstr, sizeof(errstr));
	if (rc == YB_OK)
		rc = yb_redis_ping(redis, errstr, sizeof(errstr));
	if (rc == YB_OK)
		rc = yb_redis_info_field(redis, "redis_version", version, sizeof(version), errstr,
					 sizeof(errstr));
	if (rc != YB_OK)
		goto out;
	json_object_set_new(out, "version", json_string(version));
	if (yb_redis_cluster_masters(redis) > 0)
		json_object_set_new(out, "cluster_masters",
				    json_integer((json_int_t)yb_redis_cluster_masters(redis)));
	rc = yb_redis_key_count(redis, &keys, errstr, sizeof(errstr));
	if (rc == YB_OK)
		json_object_set_new(out, "keys", json_integer(keys));
out:
	if (rc != YB_OK)
		json_object_set_new(out, "error", json_string(errstr));
	yb_member_key_destroy(key);
	yb_redis_destroy(redis);
	return rc;
}

static void print_table(const json_t *result)
{
	const json_t *kafka = json_object_get(result, "kafka");
	const json_t *redis = json_object_get(result, "redis");
	const json_t *topic;
	size_t i;

	printf("Kafka %s: ", json_string_value(json_object_get(kafka, "bootstrap")));
	if (json_object_get(kafka, "error") != NULL) {
		printf("UNAVAILABLE (%s)\n", json_string_value(json_object_get(kafka, "error")));
	} else {
		printf("%" JSON_INTEGER_FORMAT " broker(s), %zu topic(s)\n",
		       json_integer_value(json_object_get(kafka, "brokers")),
		       json_array_size(json_object_get(kafka, "topics")));
		printf("  %-24s %10s %14s\n", "topic", "partitions", "log offsets");
		json_array_foreach (json_object_get(kafka, "topics"), i, topic) {
			printf("  %-24s %10" JSON_INTEGER_FORMAT " %14" JSON_INTEGER_FORMAT "\n",
			       json_string_value(json_object_get(topic, "topic")),
			       json_integer_value(json_object_get(topic, "partitions")),
			       json_integer_value(json_object_get(topic, "log_offsets")));
		}
	}
	printf("Redis %s: ", json_string_value(json_object_get(redis, "address")));
	if (json_object_get(redis, "error") != NULL)
		printf("UNAVAILABLE (%s)\n", json_string_value(json_object_get(redis, "error")));
	else if (json_object_get(redis, "cluster_masters") != NULL)
		printf("version %s, Redis Cluster of %" JSON_INTEGER_FORMAT
		       " masters, %" JSON_INTEGER_FORMAT " key(s)\n",
		       json_string_value(json_object_get(redis, "version")),
		       json_integer_value(json_object_get(redis, "cluster_masters")),
		       json_integer_value(json_object_get(redis, "keys")));
	else
		printf("version %s, %" JSON_INTEGER_FORMAT " key(s)\n",
		       json_string_value(json_object_get(redis, "version")),
		       json_integer_value(json_object_get(redis, "keys")));
}

int claimctl_status(int argc, char **argv)
{
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	claimctl_redis redis;
	long timeout_ms = 5000;
	int as_json = 0, exit_code;
	yb_props *props = yb_props_new();
	json_t *result = NULL;
	const cli_opt opts[] = {
	    CLI_BROKERS(&brokers),
	    CLI_VALUE("redis", 'r', &redis.endpoint, "HOST:PORT",
		      "Redis server, or unix:/path/to/socket (env "
		      "YB_REDIS;\ndefault " CLAIMCTL_DEFAULT_REDIS ")"),
	    CLAIMCTL_REDIS_AUTH_OPTS(&redis),
	    CLI_KAFKA(props),
	    CLI_LONG("timeout", 0, &timeout_ms, "MS", 1, 600000,
		     "per-request timeout in milliseconds (default 5000)"),
	    CLI_SWITCH("json", 0, &as_json, "one JSON object instead of the table"),
	};
	const cli_command cmd = {
	    "status",
	    "[options]",
	    "Show the broker's topics (partitions, offsets in the log) and Redis (version,\n"
	    "keys). Exit 0 when both answer, 1 when either does not.",
	    opts,
	    sizeof(opts) / sizeof(opts[0]),
	    NULL};

	claimctl_redis_from_env(&redis);
	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	exit_code = cli_parse(&cmd, argc, argv);
	if (exit_code >= 0)
		goto out;
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);

	result = json_object();
	exit_code = CLAIMCTL_EXIT_OK;
	if (status_kafka(props, (int)timeout_ms, result) != YB_OK)
		exit_code = CLAIMCTL_EXIT_FAILURE;
	if (status_redis(&redis, (int)timeout_ms, result) != YB_OK)
		exit_code = CLAIMCTL_EXIT_FAILURE;
	if (as_json) {
		json_dumpf(result, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_table(result);
	}
out:
	json_decref(result);
	yb_props_destroy(props);
	return exit_code;
}
