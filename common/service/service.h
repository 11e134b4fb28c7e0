/*
 * What every streaming service has in common: the daemon frame (io/daemon.h: command line,
 * configuration, signals, /metrics and /healthz) with the pipeline's common keys, so one
 * properties file configures them all.
 */
#ifndef YB_IO_SERVICE_H
#define YB_IO_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/config.h"
#include "io/daemon.h"

/* A streaming service is a daemon (io/daemon.h) with the pipeline's keys. */
typedef yb_daemon yb_service;

/*
 * The daemon frame (yb_daemon_start) with the pipeline's common keys (kafka.bootstrap.servers,
 * redis, redis.prefix, redis.timeout.ms, topic.*, group.static, policies, log.level) then
 * the service's own keys[0..count); summary is the paragraph --help prints after the usage
 * line. Returns -1 to go on; otherwise the exit status to return now (0 after --help, 1 when
 * the configuration or the port is refused, 2 for a usage error).
 */
int yb_service_start(yb_service *svc, const char *name, const char *summary, int argc, char **argv,
		     const yb_config_key *keys, size_t count);

/* The instance's group.instance.id for yb_stream_new: its "instance.id" when "group.static"
 * is 1, else NULL (dynamic membership). */
const char *yb_service_static_instance(const yb_service *svc);

#endif
