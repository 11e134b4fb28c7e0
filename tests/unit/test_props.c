/* Properties: set/replace order, -X assignments, .properties files and their errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/props.h"
#include "base/error.h"

static void set_replaces_in_place_and_keeps_first_set_order(void **state)
{
	yb_props *props = yb_props_new();

	(void)state;
	assert_non_null(props);
	assert_int_equal(yb_props_set(props, "a", "1"), YB_OK);
	assert_int_equal(yb_props_set(props, "b", "2"), YB_OK);
	assert_int_equal(yb_props_set(props, "a", "3"), YB_OK);
	assert_int_equal(yb_props_count(props), 2);
	assert_string_equal(yb_props_key(props, 0), "a");
	assert_string_equal(yb_props_value(props, 0), "3");
	assert_string_equal(yb_props_get(props, "b"), "2");
	assert_null(yb_props_get(props, "c"));
	assert_null(yb_props_key(props, 2));
	assert_int_equal(yb_props_set(props, "", "x"), YB_EINVAL);
	yb_props_destroy(props);
	yb_props_destroy(NULL);
}

static void many_keys_grow_the_list(void **state)
{
	yb_props *props = yb_props_new();
	char key[32];

	(void)state;
	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "key.%d", i);
		assert_int_equal(yb_props_set(props, key, key), YB_OK);
	}
	assert_int_equal(yb_props_count(props), 100);
	assert_string_equal(yb_props_get(props, "key.99"), "key.99");
	yb_props_destroy(props);
}

static void assignment_splits_at_the_first_equals(void **state)
{
	yb_props *props = yb_props_new();
	char errstr[128];

	(void)state;
	assert_int_equal(
	    yb_props_set_assignment(props, " sasl.jaas = a=b ", errstr, sizeof(errstr)), YB_OK);
	assert_string_equal(yb_props_get(props, "sasl.jaas"), " a=b ");
	assert_int_equal(yb_props_set_assignment(props, "novalue", errstr, sizeof(errstr)),
			 YB_EPARSE);
	assert_non_null(strstr(errstr, "novalue"));
	assert_int_equal(yb_props_set_assignment(props, "=x", errstr, sizeof(errstr)), YB_EPARSE);
	yb_props_destroy(props);
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/yb-props-XXXXXX");
	int fd = mkstemp(path);
	FILE *file = fdopen(fd, "w");

	fputs(text, file);
	fclose(file);
	return path;
}

static void file_with_comments_and_blanks_loads(void **state)
{
	char *path = write_temp("# comment\n! also a comment\n\n  kafka.acks = all \n"
				"redis.port=6379\nempty=\n");
	yb_props *props = yb_props_new();
	char errstr[256];

	(void)state;
	assert_int_equal(yb_props_load_file(props, path, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_props_count(props), 3);
	assert_string_equal(yb_props_get(props, "kafka.acks"), "all");
	assert_string_equal(yb_props_get(props, "redis.port"), "6379");
	assert_string_equal(yb_props_get(props, "empty"), "");
	yb_props_destroy(props);
	unlink(path);
	free(path);
}

static void malformed_file_names_file_and_line(void **state)
{
	char *path = write_temp("a=1\nthis line has no equals sign\n");
	yb_props *props = yb_props_new();
	char errstr[256], expected[128];

	(void)state;
	assert_int_equal(yb_props_load_file(props, path, errstr, sizeof(errstr)), YB_EPARSE);
	snprintf(expected, sizeof(expected), "%s:2:", path);
	assert_non_null(strstr(errstr, expected));
	assert_int_equal(
	    yb_props_load_file(props, "/nonexistent/x.properties", errstr, sizeof(errstr)), YB_EIO);
	assert_non_null(strstr(errstr, "/nonexistent/x.properties"));
	yb_props_destroy(props);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(set_replaces_in_place_and_keeps_first_set_order),
	    cmocka_unit_test(many_keys_grow_the_list),
	    cmocka_unit_test(assignment_splits_at_the_first_equals),
	    cmocka_unit_test(file_with_comments_and_blanks_loads),
	    cmocka_unit_test(malformed_file_names_file_and_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
