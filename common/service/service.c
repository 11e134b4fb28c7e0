/* The streaming services' keys on the common frame; see service.h. */
#include "service/service.h"

#define MAX_KEYS 64

/* The keys every service of the pipeline takes, so one file can configure them all. */
static const yb_config_key pipeline_keys[] = {
    {"kafka.bootstrap.servers", YB_CONFIG_STRING, "127.0.0.1:19092", 0, 0, "the Kafka cluster"},
    {"redis", YB_CONFIG_HOSTPORT, "127.0.0.1:16379", 0, 0, "the Redis server holding member state"},
    {"redis.prefix", YB_CONFIG_STRING, "yb:", 0, 0, "the prefix of every Redis key"},
    {"redis.timeout.ms", YB_CONFIG_INT, "5000", 10, 600000, "Redis connect and command timeout"},
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
