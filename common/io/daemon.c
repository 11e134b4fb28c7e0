/* The programs' common frame; see daemon.h. */
#include "io/daemon.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/log.h"
#include "base/error.h"

#define MAX_OVERRIDES 64

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

bool yb_daemon_stopping(void)
{
	return stopping != 0;
}

static void serve(const char *path, yb_buf *body, int *status, const char **content_type,
		  void *opaque)
{
	yb_daemon *svc = opaque;
	const char *text;

	pthread_mutex_lock(&svc->lock);
	if (strcmp(path, "/metrics") == 0) {
		*content_type = "text/plain; version=0.0.4; charset=utf-8";
		if (svc->metrics.len > 0 && yb_buf_reserve(body, svc->metrics.len) == 0) {
			memcpy(body->data, svc->metrics.data, svc->metrics.len);
			body->len = svc->metrics.len;
		}
	} else if (strcmp(path, "/healthz") == 0) {
		*content_type = "text/plain; charset=utf-8";
		*status = svc->healthy ? 200 : 503;
		text = svc->healthy ? "ok\n" : svc->health;
		if (yb_buf_reserve(body, strlen(text) + 1) == 0) {
			memcpy(body->data, text, strlen(text));
			body->len = strlen(text);
		}
	} else {
		*status = 404;
		text = "not found: try /metrics or /healthz\n";
		if (yb_buf_reserve(body, strlen(text)) == 0) {
			memcpy(body->data, text, strlen(text));
			body->len = strlen(text);
		}
	}
	pthread_mutex_unlock(&svc->lock);
}

static void usage(FILE *out, const yb_daemon_spec *spec)
{
	fprintf(out,
		"Usage: %s [-c FILE] [-X key=value]...\n\n%s\n\n"
		"Options:\n"
		"  -c, --config FILE  a properties file (key=value lines)\n"
		"  -X KEY=VALUE       set a key, repeatable; wins over the file and the "
		"environment\n"
		"  -h, --help         this text\n\n"
		"Keys (defaults, then the file, then the environment, then -X); any kafka.* key\n"
		"goes to librdkafka as-is:\n",
		spec->name, spec->summary);
	yb_config_usage(out, spec->keys, spec->key_count);
	fprintf(out,
		"\nHTTP: %s\n"
		"Logs: one JSON object per line on stderr.\n"
		"Exit status: 0 stopped by SIGTERM/SIGINT after draining, 1 could not start "
		"or failed,\n2 usage.\n",
		spec->http_help != NULL ? spec->http_help
					: "/metrics (Prometheus text format) and /healthz on "
					  "http.listen.");
}

int yb_daemon_start(yb_daemon *svc, const yb_daemon_spec *spec, int argc, char **argv)
{
	static const struct option options[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *name = spec->name;
	char *overrides[MAX_OVERRIDES + 1];
	const char *file = NULL;
	int n = 0, opt;
	char errstr[512];
	struct sigaction sa;

	memset(svc, 0, sizeof(*svc));
	svc->name = name;
	pthread_mutex_init(&svc->lock, NULL);
	yb_log_set_service(name);
	while ((opt = getopt_long(argc, argv, "c:X:h", options, NULL)) != -1) {
		if (opt == 'c') {
			file = optarg;
		} else if (opt == 'X' && n < MAX_OVERRIDES) {
			overrides[n++] = optarg;
		} else if (opt == 'h') {
			usage(stdout, spec);
			return 0;
		} else {
			usage(stderr, spec);
			return 2;
		}
	}
	overrides[n] = NULL;
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", name, argv[optind]);
		return 2;
	}
	if (yb_config_load(&svc->config, spec->keys, spec->key_count, file, overrides, errstr,
			   sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "%s: %s\n", name, errstr);
		return 1;
	}
	{
		const char *level = yb_props_get(svc->config, "log.level");
		yb_log_level parsed;

		if (level != NULL) {
			if (yb_log_level_parse(&parsed, level) != 0) {
				fprintf(stderr,
					"%s: log.level: '%s' is not debug, info, warn or "
					"error\n",
					name, level);
				return 1;
			}
			yb_log_set_level(parsed);
		}
	}
	snprintf(svc->health, sizeof(svc->health), "starting\n");
	if (yb_http_start(&svc->http, yb_props_get(svc->config, "http.listen"),
			  spec->handler != NULL ? spec->handler : serve,
			  spec->handler != NULL ? spec->opaque : svc, errstr,
			  sizeof(errstr)) != YB_OK) {
		fprintf(stderr, "%s: %s\n", name, errstr);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	return -1;
}

void yb_daemon_publish(yb_daemon *svc, const yb_buf *metrics, bool healthy, const char *reason)
{
	pthread_mutex_lock(&svc->lock);
	svc->metrics.len = 0;
	if (metrics->len > 0 && yb_buf_reserve(&svc->metrics, metrics->len) == 0) {
		memcpy(svc->metrics.data, metrics->data, metrics->len);
		svc->metrics.len = metrics->len;
	}
	svc->healthy = healthy;
	if (!healthy)
		snprintf(svc->health, sizeof(svc->health), "%s\n", reason != NULL ? reason : "");
	pthread_mutex_unlock(&svc->lock);
}

void yb_daemon_stop(yb_daemon *svc)
{
	yb_http_stop(svc->http);
	svc->http = NULL;
	yb_props_destroy(svc->config);
	svc->config = NULL;
	yb_buf_free(&svc->metrics);
	pthread_mutex_destroy(&svc->lock);
}
