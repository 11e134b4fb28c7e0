/* Logger: one valid JSON object per line, and arguments not evaluated below the level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "io/log.h"
#include "base/error.h"

static int evaluations;

static const char *counted(const char *value)
{
	evaluations++;
	return value;
}

static void lines_are_json_with_the_standard_fields(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *stream = open_memstream(&buf, &len);
	json_error_t error;
	json_t *line;

	(void)state;
	yb_log_set_stream(stream);
	yb_log_set_service("test-svc");
	yb_log_set_level(YB_LOG_INFO);
	YB_LOG(YB_LOG_WARN, "redelivered", "{s:s, s:i, s:I}", "topic", "claims \"quoted\"",
	       "partition", 3, "offset", (json_int_t)123456789012);
	fclose(stream);
	yb_log_set_stream(NULL);

	assert_non_null(strchr(buf, '\n'));
	assert_true(buf[len - 1] == '\n');
	line = json_loads(buf, 0, &error);
	assert_non_null(line);
	assert_string_equal(json_string_value(json_object_get(line, "service")), "test-svc");
	assert_string_equal(json_string_value(json_object_get(line, "level")), "warn");
	assert_string_equal(json_string_value(json_object_get(line, "event")), "redelivered");
	assert_string_equal(json_string_value(json_object_get(line, "topic")), "claims \"quoted\"");
	assert_int_equal(json_integer_value(json_object_get(line, "partition")), 3);
	assert_true(json_integer_value(json_object_get(line, "offset")) == 123456789012);
	assert_non_null(json_object_get(line, "ts"));
	json_decref(line);
	free(buf);
}

static void below_level_nothing_is_written_or_evaluated(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *stream = open_memstream(&buf, &len);

	(void)state;
	yb_log_set_stream(stream);
	yb_log_set_level(YB_LOG_WARN);
	evaluations = 0;
	YB_LOG(YB_LOG_INFO, "noise", "{s:s}", "x", counted("y"));
	assert_int_equal(evaluations, 0);
	YB_LOG(YB_LOG_ERROR, "kept", "{s:s}", "x", counted("y"));
	assert_int_equal(evaluations, 1);
	fclose(stream);
	yb_log_set_stream(NULL);
	yb_log_set_level(YB_LOG_INFO);
	assert_null(strstr(buf, "noise"));
	assert_non_null(strstr(buf, "kept"));
	free(buf);
}

static void level_names_parse(void **state)
{
	yb_log_level level;

	(void)state;
	assert_int_equal(yb_log_level_parse(&level, "debug"), YB_OK);
	assert_int_equal(level, YB_LOG_DEBUG);
	assert_int_equal(yb_log_level_parse(&level, "error"), YB_OK);
	assert_int_equal(level, YB_LOG_ERROR);
	assert_int_equal(yb_log_level_parse(&level, "verbose"), YB_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lines_are_json_with_the_standard_fields),
	    cmocka_unit_test(below_level_nothing_is_written_or_evaluated),
	    cmocka_unit_test(level_names_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
