/* JSON-lines logger; see log.h for the line format. */
#include "io/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/error.h"

static const char *log_service = "yibao";
static yb_log_level log_level = YB_LOG_INFO;
static FILE *log_stream;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void yb_log_set_service(const char *service)
{
	log_service = service;
}

void yb_log_set_level(yb_log_level level)
{
	log_level = level;
}

yb_log_level yb_log_get_level(void)
{
	return log_level;
}

int yb_log_level_parse(yb_log_level *out, const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (yb_log_level)i;
			return YB_OK;
		}
	}
	return YB_EINVAL;
}

void yb_log_set_stream(FILE *stream)
{
	log_stream = stream;
}

static void format_now(char *buf, size_t len)
{
	struct timespec now;
	struct tm utc;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &utc);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &utc);
	snprintf(buf + n, len - n, ".%03ldZ", now.tv_nsec / 1000000);
}

void yb_log_write(yb_log_level level, const char *event, const char *fields_fmt, ...)
{
	FILE *stream = log_stream != NULL ? log_stream : stderr;
	char ts[40];
	json_t *line;
	char *text;

	format_now(ts, sizeof(ts));
	line = json_pack("{s:s, s:s, s:s, s:s}", "ts", ts, "level",
			 level_names[level <= YB_LOG_ERROR ? level : YB_LOG_ERROR], "service",
			 log_service, "event", event);
	if (line == NULL)
		return;
	if (fields_fmt != NULL) {
		va_list ap;
		json_error_t error;
		json_t *fields;

		va_start(ap, fields_fmt);
		fields = json_vpack_ex(&error, 0, fields_fmt, ap);
		va_end(ap);
		if (fields == NULL)
			json_object_set_new(line, "log_error", json_string(error.text));
		else if (!json_is_object(fields))
			json_object_set_new(line, "log_error",
					    json_string("fields are not an object"));
		else
			json_object_update(line, fields);
		json_decref(fields);
	}
	text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text != NULL) {
		/* One write of the whole line so lines from threads never interleave. */
		size_t n = strlen(text);
		text[n] = '\n';
		fwrite(text, 1, n + 1, stream);
		fflush(stream);
		text[n] = '\0';
		free(text);
	}
	json_decref(line);
}
