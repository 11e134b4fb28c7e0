/*
 * Secrets kept in files: the Redis password, the key of the member ids' keyed hash.
 *
 * A secret is the first line of a file only its owner may use: a file whose mode gives its
 * group or others any access is refused, as ssh refuses such a private key, so a secret is
 * never one chmod away from every account on the machine. The errors name the file, the
 * setting that pointed to it and its mode, never a byte of what it holds. The memory that
 * held a secret is wiped (yb_secret_wipe) once it is no longer needed.
 */
#ifndef YB_IO_SECRET_FILE_H
#define YB_IO_SECRET_FILE_H

#include <stddef.h>

/* The longest secret a file may hold, in bytes. */
#define YB_SECRET_MAX 1024

/*
 * Read the secret in path: its first line, without the line end ("\n" or "\r\n"), into
 * buf[size] NUL-terminated, and its length into *len. what names the setting in errors
 * ("redis.password.file"). Refused with YB_EINVAL, errstr naming the file: a file that is not
 * a regular file, or whose mode has any group or other bit (0077) set; a first line that is
 * empty, holds a NUL byte, or is size bytes or longer. YB_EIO when it cannot be opened or
 * read. On failure buf holds nothing of the file.
 */
int yb_secret_file_read(const char *path, const char *what, char *buf, size_t size, size_t *len,
			char *errstr, size_t errlen);

/* Overwrite n bytes at p with zeros, in a way the compiler may not drop. Accepts NULL. */
void yb_secret_wipe(void *p, size_t n);

#endif
