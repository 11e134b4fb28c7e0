/* Secrets kept in files; see secret_file.h. */
#include "io/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.h"

void yb_secret_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

/* Read up to size bytes of fd into buf; *got = how many. YB_OK or YB_EIO. */
static int read_some(int fd, char *buf, size_t size, size_t *got)
{
	*got = 0;
	while (*got < size) {
		ssize_t n = read(fd, buf + *got, size - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return YB_EIO;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return YB_OK;
}

int yb_secret_file_read(const char *path, const char *what, char *buf, size_t size, size_t *len,
			char *errstr, size_t errlen)
{
	struct stat st;
	size_t got = 0, line;
	int fd, rc = YB_EINVAL;

	*len = 0;
	if (size < 2)
		return YB_EINVAL;
	buf[0] = '\0';
	/* O_NONBLOCK: a FIFO put in the file's place must not hang the start. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(errstr, errlen, "%s '%s': %s", what, path, strerror(errno));
		return YB_EIO;
	}
	/* The mode of the file opened, not of the path looked at before: no race between. */
	if (fstat(fd, &st) != 0) {
		snprintf(errstr, errlen, "%s '%s': %s", what, path, strerror(errno));
		rc = YB_EIO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(errstr, errlen, "%s '%s': not a regular file", what, path);
		goto out;
	}
	if ((st.st_mode & 0077) != 0) {
		snprintf(errstr, errlen,
			 "%s '%s': mode %04o gives group or others access to a secret; "
			 "allow its owner only (chmod 600)",
			 what, path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	/* size bytes at most: a first line of size bytes or more does not fit with its NUL. */
	if (read_some(fd, buf, size, &got) != YB_OK) {
		snprintf(errstr, errlen, "%s '%s': %s", what, path, strerror(errno));
		rc = YB_EIO;
		goto out;
	}
	for (line = 0; line < got && buf[line] != '\n'; line++)
		;
	if (line == got && got == size) {
		snprintf(errstr, errlen, "%s '%s': the first line is longer than %zu bytes", what,
			 path, size - 1);
		goto out;
	}
	if (line > 0 && buf[line - 1] == '\r')
		line--;
	if (line == 0) {
		snprintf(errstr, errlen, "%s '%s': the first line is empty", what, path);
		goto out;
	}
	if (memchr(buf, '\0', line) != NULL) {
		snprintf(errstr, errlen, "%s '%s': the first line holds a NUL byte", what, path);
		goto out;
	}
	/* Keep the line; wipe what was read after it. */
	yb_secret_wipe(buf + line, got - line);
	buf[line] = '\0';
	*len = line;
	rc = YB_OK;
out:
	if (rc != YB_OK)
		yb_secret_wipe(buf, size);
	close(fd);
	return rc;
}
