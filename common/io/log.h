/*
 * Structured logging: one JSON object per line on stderr (or a stream set for tests).
 *
 *   YB_LOG(YB_LOG_INFO, "topic_created", "{s:s, s:i}", "topic", name, "partitions", n);
 *
 * writes {"ts":"2026-11-28T13:02:57.123Z","level":"info","service":"claimctl",
 * "event":"topic_created","topic":"claims","partitions":6}. The fields are a jansson
 * json_pack format and its arguments; the macro tests the level first, so the arguments are
 * not evaluated for a line that will not be written. Field names used across services:
 * service, claim_id, topic, partition, offset, err.
 *
 * The logger is process state (service name, level, stream): set it once at start-up, before
 * threads start. Writing a line is thread-safe (one fputs of a whole line).
 */
#ifndef YB_IO_LOG_H
#define YB_IO_LOG_H

#include <stdio.h>

typedef enum yb_log_level {
	YB_LOG_DEBUG = 0,
	YB_LOG_INFO = 1,
	YB_LOG_WARN = 2,
	YB_LOG_ERROR = 3,
} yb_log_level;

/* Name the service in every line (the string must outlive the logger's use). */
void yb_log_set_service(const char *service);

/* Lines below level are dropped. Default: YB_LOG_INFO. */
void yb_log_set_level(yb_log_level level);
yb_log_level yb_log_get_level(void);

/* Parse "debug", "info", "warn" or "error". Returns YB_OK or YB_EINVAL. */
int yb_log_level_parse(yb_log_level *out, const char *name);

/* Write to stream instead of stderr; NULL restores stderr. */
void yb_log_set_stream(FILE *stream);

/* Use YB_LOG; this writes unconditionally. fields_fmt may be NULL for no extra fields. */
void yb_log_write(yb_log_level level, const char *event, const char *fields_fmt, ...);

#define YB_LOG(level, event, ...)                                    \
	do {                                                         \
		if ((level) >= yb_log_get_level())                   \
			yb_log_write((level), (event), __VA_ARGS__); \
	} while (0)

#endif
