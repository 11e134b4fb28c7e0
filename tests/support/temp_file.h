/*
 * Test helper: a temporary file holding some text, with the mode a test needs (a secret's
 * file is refused unless only its owner may use it). Include after <cmocka.h>.
 */
#ifndef YB_TEST_TEMP_FILE_H
#define YB_TEST_TEMP_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A new file under $TMPDIR (or /tmp) holding text, of the given mode; its path into path. */
static inline void yb_test_write_file(char *path, size_t size, const char *text, mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, size, "%s/yb-test-XXXXXX", dir != NULL && dir[0] ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

#endif
