/*
 * The frame every long-running program of the product stands in: the command line (-c FILE,
 * -X key=value, --help listing every key), the configuration loaded and validated before
 * anything connects (io/config.h), SIGTERM/SIGINT turned into a flag the main loop drains
 * on, and an HTTP server on the key "http.listen" answering /metrics with the latest text
 * the program published and /healthz — or whatever the program's own handler serves.
 *
 * The streaming services add the pipeline's common keys on top (service/service.h); lag-exporter
 * uses the frame as it is, with its own keys and pages.
 */
#ifndef YB_IO_DAEMON_H
#define YB_IO_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/record.h"
#include "io/clock.h"
#include "io/config.h"
#include "io/http.h"
#include "io/props.h"

typedef struct yb_daemon {
	const char *name;
	yb_props *config;
	yb_http *http;
	pthread_mutex_t lock;
	yb_buf metrics; /* what /metrics serves, swapped under lock */
	bool healthy;
	char health[256]; /* why not healthy */
} yb_daemon;

/* What a program brings to the frame. */
typedef struct yb_daemon_spec {
	const char *name;
	const char *summary; /* the paragraph --help prints after the usage line */
	const yb_config_key *keys;
	size_t key_count;
	/* NULL: /metrics and /healthz from yb_daemon_publish; else the program's own pages,
	 * called on the HTTP thread with opaque. */
	yb_http_handler handler;
	void *opaque;
	const char *http_help; /* --help's line on what HTTP serves; NULL: /metrics, /healthz */
} yb_daemon_spec;

/*
 * Parse argv, load the configuration (spec's keys), set the log's service name and level
 * (the key "log.level" when the program has it), start the HTTP server on "http.listen" and
 * install the signal handlers. Returns -1 to go on; otherwise the exit status to return now
 * (0 after --help, 1 when the configuration or the port is refused, 2 for a usage error).
 */
int yb_daemon_start(yb_daemon *d, const yb_daemon_spec *spec, int argc, char **argv);

/* Has SIGTERM or SIGINT arrived? */
bool yb_daemon_stopping(void);

/* Replace what /metrics serves and what /healthz says (reason: when not healthy). */
void yb_daemon_publish(yb_daemon *d, const yb_buf *metrics, bool healthy, const char *reason);

/* Stop the HTTP server and free; safe on a daemon that did not start. */
void yb_daemon_stop(yb_daemon *d);

#endif
