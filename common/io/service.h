/*
 * What every streaming service has in common: the command line (-c FILE, -X key=value,
 * --help listing every key), the configuration loaded and validated before anything
 * connects (io/config.h), SIGTERM/SIGINT turned into a flag the main loop drains on, and an
 * HTTP server answering /metrics with the latest text the service published and /healthz.
 */
#ifndef YB_IO_SERVICE_H
#define YB_IO_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/record.h"
#include "io/config.h"
#include "io/http.h"
#include "io/props.h"

typedef struct yb_service {
	const char *name;
	yb_props *config;
	yb_http *http;
	pthread_mutex_t lock;
	yb_buf metrics; /* what /metrics serves, swapped under lock */
	bool healthy;
	char health[256]; /* why not healthy */
} yb_service;

/*
 * Parse argv, load the configuration (the pipeline's common keys: kafka.bootstrap.servers,
 * redis, redis.prefix, redis.timeout.ms, topic.*, policies, log.level; then the service's
 * own keys[0..count)), install the signal handlers and
 * start the HTTP server on the key "http.listen". summary is the paragraph --help prints
 * after the usage line. Returns -1 to go on; otherwise the exit status to return now
 * (0 after --help, 1 when the configuration or the port is refused, 2 for a usage error).
 */
int yb_service_start(yb_service *svc, const char *name, const char *summary, int argc, char **argv,
		     const yb_config_key *keys, size_t count);

/* Has SIGTERM or SIGINT arrived? */
bool yb_service_stopping(void);

/* Replace what /metrics serves and what /healthz says (reason: when not healthy). */
void yb_service_publish(yb_service *svc, const yb_buf *metrics, bool healthy, const char *reason);

/* Stop the HTTP server and free; safe on a service that did not start. */
void yb_service_stop(yb_service *svc);

/* The instance's group.instance.id for yb_stream_new: its "instance.id" when "group.static"
 * is 1, else NULL (dynamic membership). */
const char *yb_service_static_instance(const yb_service *svc);

/* Wall clock and monotonic milliseconds. */
int64_t yb_service_wall_ms(void);
int64_t yb_service_mono_ms(void);
void yb_service_sleep_ms(int ms);

#endif
