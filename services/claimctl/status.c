/*
 * claimctl status: is the pipeline's infrastructure there, and what does it hold?
 *
 * Asks the broker for metadata and every partition's watermarks, and Redis for PING, its
 * version and key count. Prints a table for people, or one JSON object with --json.
 * Exit 0 when both answered, 1 when either did not.
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimctl.h"
#include "io/kafka.h"
#include "io/log.h"
#include "io/props.h"
#include "io/config.h"
#include "io/redis.h"
#include "rules/error.h"

static void status_usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: claimctl status [options]\n"
	    "\n"
	    "Show the broker's topics (partitions, offsets in the log) and Redis (version,\n"
	    "keys). Exit 0 when both answer, 1 when either does not.\n"
	    "\n"
	    "Options:\n"
	    "  -b, --brokers HOST:PORT  Kafka bootstrap servers (also --bootstrap-server;\n"
	    "                           env YB_BROKERS; default " CLAIMCTL_DEFAULT_BROKERS ")\n"
	    "  -r, --redis HOST:PORT    Redis server (env YB_REDIS; default " CLAIMCTL_DEFAULT_REDIS
	    ")\n"
	    "  -X KEY=VALUE             librdkafka property, repeatable (as kcat -X)\n"
	    "      --timeout MS         per-request timeout in milliseconds (default 5000)\n"
	    "      --json               one JSON object instead of the table\n"
	    "  -h, --help               this text\n");
}

/* A positive millisecond count up to ten minutes, or -1. */
static int parse_timeout(const char *text)
{
	char *end;
	long value = strtol(text, &end, 10);

	return *end == '\0' && end != text && value > 0 && value <= 600000 ? (int)value : -1;
}

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
static int status_redis(const char *address, int timeout_ms, json_t *result)
{
	char errstr[512], host[256], version[64], keyspace[128];
	yb_redis *redis = NULL;
	json_t *out = json_pack("{s:s}", "address", address);
	int port;
	int rc = yb_host_port_split(address, host, sizeof(host), &port);

	json_object_set_new(result, "redis", out);
	if (rc != YB_OK) {
		snprintf(errstr, sizeof(errstr), "'%s' is not HOST:PORT", address);
		goto out;
	}
	rc = yb_redis_connect(&redis, host, port, timeout_ms, errstr, sizeof(errstr));
	if (rc == YB_OK)
		rc = yb_redis_ping(redis, errstr, sizeof(errstr));
	if (rc == YB_OK)
		rc = yb_redis_info_field(redis, "redis_version", version, sizeof(version), errstr,
					 sizeof(errstr));
	if (rc != YB_OK)
		goto out;
	json_object_set_new(out, "version", json_string(version));
	/* "db0:keys=12,expires=0,avg_ttl=0"; absent when the database is empty. */
	if (yb_redis_info_field(redis, "db0", keyspace, sizeof(keyspace), errstr, sizeof(errstr)) ==
	    YB_OK)
		json_object_set_new(out, "keys", json_integer(strtoll(keyspace + 5, NULL, 10)));
	else
		json_object_set_new(out, "keys", json_integer(0));
out:
	if (rc != YB_OK)
		json_object_set_new(out, "error", json_string(errstr));
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
	else
		printf("version %s, %" JSON_INTEGER_FORMAT " key(s)\n",
		       json_string_value(json_object_get(redis, "version")),
		       json_integer_value(json_object_get(redis, "keys")));
}

int claimctl_status(int argc, char **argv)
{
	static const struct option options[] = {
	    {"brokers", required_argument, NULL, 'b'},
	    {"bootstrap-server", required_argument, NULL, 'b'},
	    {"redis", required_argument, NULL, 'r'},
	    {"timeout", required_argument, NULL, 'T'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *brokers = claimctl_env_or("YB_BROKERS", CLAIMCTL_DEFAULT_BROKERS);
	const char *redis = claimctl_env_or("YB_REDIS", CLAIMCTL_DEFAULT_REDIS);
	int timeout_ms = 5000, as_json = 0, opt, exit_code = CLAIMCTL_EXIT_USAGE;
	yb_props *props = yb_props_new();
	json_t *result = NULL;

	if (props == NULL)
		return CLAIMCTL_EXIT_FAILURE;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "b:r:X:h", options, NULL)) != -1) {
		switch (opt) {
		case 'b':
			brokers = optarg;
			break;
		case 'r':
			redis = optarg;
			break;
		case 'X':
			if (claimctl_kafka_property(props, "status", optarg) != YB_OK)
				goto out;
			break;
		case 'T':
			timeout_ms = parse_timeout(optarg);
			if (timeout_ms <= 0) {
				fprintf(stderr, "claimctl status: --timeout must be a positive "
						"number of milliseconds\n");
				goto out;
			}
			break;
		case 'j':
			as_json = 1;
			break;
		case 'h':
			status_usage(stdout);
			exit_code = CLAIMCTL_EXIT_OK;
			goto out;
		default:
			status_usage(stderr);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "claimctl status: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (yb_props_get(props, "kafka.bootstrap.servers") == NULL)
		yb_props_set(props, "kafka.bootstrap.servers", brokers);

	result = json_object();
	exit_code = CLAIMCTL_EXIT_OK;
	if (status_kafka(props, timeout_ms, result) != YB_OK)
		exit_code = CLAIMCTL_EXIT_FAILURE;
	if (status_redis(redis, timeout_ms, result) != YB_OK)
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
