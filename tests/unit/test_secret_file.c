/*
 * Secrets in files (io/secret_file.h): the first line only, a file others may use refused
 * with its name and mode, empty, long, missing and odd files refused; no error quoting the
 * secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/temp_file.h"

#include "base/error.h"
#include "io/secret_file.h"

#define PASSWORD "s3cr3t-Pa55word"

static void the_secret_is_the_first_line(void **state)
{
	static const struct {
		const char *content, *secret;
	} cases[] = {
	    {PASSWORD, PASSWORD},
	    {PASSWORD "\n", PASSWORD},
	    {PASSWORD "\r\n", PASSWORD},
	    {PASSWORD "\nsecond line\n", PASSWORD},
	    {" spaces are kept \n", " spaces are kept "},
	};
	char path[256], buf[YB_SECRET_MAX + 1], errstr[256];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yb_test_write_file(path, sizeof(path), cases[i].content, 0600);
		assert_int_equal(yb_secret_file_read(path, "redis.password.file", buf, sizeof(buf),
						     &len, errstr, sizeof(errstr)),
				 YB_OK);
		assert_string_equal(buf, cases[i].secret);
		assert_int_equal(len, strlen(cases[i].secret));
		unlink(path);
	}
	/* Owner read-only is fine too. */
	yb_test_write_file(path, sizeof(path), PASSWORD, 0400);
	assert_int_equal(
	    yb_secret_file_read(path, "x", buf, sizeof(buf), &len, errstr, sizeof(errstr)), YB_OK);
	unlink(path);
}

static void a_file_group_or_others_may_use_is_refused(void **state)
{
	static const mode_t modes[] = {0640, 0604, 0644, 0620, 0602, 0610, 0601, 0660, 0666};
	char path[256], buf[64], errstr[256], mode[16];
	size_t len = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		yb_test_write_file(path, sizeof(path), PASSWORD "\n", modes[i]);
		assert_int_equal(yb_secret_file_read(path, "redis.password.file", buf, sizeof(buf),
						     &len, errstr, sizeof(errstr)),
				 YB_EINVAL);
		/* The setting, the file and its mode; never the content. */
		snprintf(mode, sizeof(mode), "mode %04o", (unsigned)modes[i]);
		assert_non_null(strstr(errstr, "redis.password.file"));
		assert_non_null(strstr(errstr, path));
		assert_non_null(strstr(errstr, mode));
		assert_null(strstr(errstr, PASSWORD));
		assert_int_equal(len, 0);
		assert_string_equal(buf, "");
		unlink(path);
	}
}

static void empty_long_missing_and_odd_files_are_refused(void **state)
{
	char path[256], buf[16], errstr[256], big[64];
	size_t len;

	(void)state;
	yb_test_write_file(path, sizeof(path), "\nsecond\n", 0600);
	assert_int_equal(
	    yb_secret_file_read(path, "f", buf, sizeof(buf), &len, errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "empty"));
	unlink(path);
	/* 16 bytes do not fit in 16 with the NUL; 15 do. */
	memset(big, 'a', 16);
	big[16] = '\0';
	yb_test_write_file(path, sizeof(path), big, 0600);
	assert_int_equal(
	    yb_secret_file_read(path, "f", buf, sizeof(buf), &len, errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "longer than 15 bytes"));
	assert_null(strstr(errstr, big));
	unlink(path);
	big[15] = '\n';
	yb_test_write_file(path, sizeof(path), big, 0600);
	assert_int_equal(
	    yb_secret_file_read(path, "f", buf, sizeof(buf), &len, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(len, 15);
	unlink(path);
	assert_int_equal(
	    yb_secret_file_read(path, "f", buf, sizeof(buf), &len, errstr, sizeof(errstr)), YB_EIO);
	assert_non_null(strstr(errstr, path));
	/* A directory is not a secret file. */
	assert_int_equal(
	    yb_secret_file_read("/", "f", buf, sizeof(buf), &len, errstr, sizeof(errstr)),
	    YB_EINVAL);
	assert_non_null(strstr(errstr, "not a regular file"));
}

static void wipe_zeroes(void **state)
{
	char buf[8] = "secret!";

	(void)state;
	yb_secret_wipe(buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	yb_secret_wipe(NULL, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_secret_is_the_first_line),
	    cmocka_unit_test(a_file_group_or_others_may_use_is_refused),
	    cmocka_unit_test(empty_long_missing_and_odd_files_are_refused),
	    cmocka_unit_test(wipe_zeroes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
