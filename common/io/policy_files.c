/* Loading policies/; see policy_files.h. */
#include "io/policy_files.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/record.h"
#include "io/dead_letter.h"
#include "base/error.h"

#define MAX_POLICY_FILES 32
#define MAX_POLICY_BYTES (1024 * 1024)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

static int read_file(const char *path, char **text, size_t *len, char *errstr, size_t errlen)
{
	FILE *f = fopen(path, "rb");

	*text = NULL;
	if (f == NULL) {
		snprintf(errstr, errlen, "%s: cannot open", path);
		return YB_EIO;
	}
	*text = malloc(MAX_POLICY_BYTES);
	*len = *text != NULL ? fread(*text, 1, MAX_POLICY_BYTES, f) : 0;
	fclose(f);
	if (*text == NULL)
		return YB_ENOMEM;
	if (*len == MAX_POLICY_BYTES) {
		snprintf(errstr, errlen, "%s: larger than %d bytes", path, MAX_POLICY_BYTES);
		free(*text);
		*text = NULL;
		return YB_EINVAL;
	}
	return YB_OK;
}

/* names[0..*n) = the ".policy" files of dir, sorted by name (strcmp: byte order), each
 * malloc'ed; none on failure. */
static int list_policy_files(const char *dir, char *names[MAX_POLICY_FILES], size_t *n,
			     char *errstr, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *entry;
	int err = YB_OK;

	*n = 0;
	if (d == NULL) {
		snprintf(errstr, errlen, "%s: cannot open the policies directory", dir);
		return YB_EIO;
	}
	while ((entry = readdir(d)) != NULL) {
		size_t len = strlen(entry->d_name);

		if (len <= 7 || strcmp(entry->d_name + len - 7, ".policy") != 0)
			continue;
		if (*n == MAX_POLICY_FILES) {
			snprintf(errstr, errlen, "%s: more than %d policies", dir,
				 MAX_POLICY_FILES);
			err = YB_EINVAL;
			break;
		}
		names[*n] = strdup(entry->d_name);
		if (names[*n] == NULL) {
			err = YB_ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (err == YB_OK && *n == 0) {
		snprintf(errstr, errlen, "%s: no .policy files", dir);
		err = YB_EINVAL;
	}
	if (err != YB_OK) {
		free_names(names, *n);
		*n = 0;
		return err;
	}
	qsort(names, *n, sizeof(names[0]), by_name);
	return YB_OK;
}

int yb_policy_load_dir(const char *dir, yb_policy_set **sets, size_t *count, char *errstr,
		       size_t errlen)
{
	char *names[MAX_POLICY_FILES];
	size_t n = 0;
	yb_policy_set *out = NULL;
	int err;

	*sets = NULL;
	*count = 0;
	err = list_policy_files(dir, names, &n, errstr, errlen);
	if (err == YB_OK) {
		out = calloc(n, sizeof(*out));
		if (out == NULL)
			err = YB_ENOMEM;
	}
	for (size_t i = 0; i < n && err == YB_OK; i++) {
		char path[4096], *text = NULL;
		size_t len = 0, stem = strlen(names[i]) - 7;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		err = read_file(path, &text, &len, errstr, errlen);
		if (err == YB_OK)
			err = yb_policy_parse(&out[i], path, text, len, errstr, errlen);
		free(text);
		if (err == YB_OK && (strlen(out[i].scheme) != stem ||
				     strncmp(out[i].scheme, names[i], stem) != 0)) {
			snprintf(errstr, errlen, "%s: scheme '%s' must be in %s.policy", path,
				 out[i].scheme, out[i].scheme);
			err = YB_EINVAL;
		}
	}
	free_names(names, n);
	if (err != YB_OK) {
		free(out);
		return err;
	}
	*sets = out;
	*count = n;
	return YB_OK;
}

/* Append name NUL length NUL bytes: no two directories frame to the same stream. */
static int frame_file(yb_buf *framed, const char *name, const char *text, size_t len)
{
	char length[32];
	size_t name_len = strlen(name) + 1, length_len;

	length_len = (size_t)snprintf(length, sizeof(length), "%zu", len) + 1;
	if (yb_buf_reserve(framed, name_len + length_len + len) != 0)
		return YB_ENOMEM;
	memcpy(framed->data + framed->len, name, name_len);
	memcpy(framed->data + framed->len + name_len, length, length_len);
	memcpy(framed->data + framed->len + name_len + length_len, text, len);
	framed->len += name_len + length_len + len;
	return YB_OK;
}

int yb_policy_dir_fingerprint(const char *dir, char hex[65], char *errstr, size_t errlen)
{
	char *names[MAX_POLICY_FILES];
	size_t n = 0;
	yb_buf framed = {0};
	int err;

	snprintf(hex, 65, "%s", "");
	err = list_policy_files(dir, names, &n, errstr, errlen);
	for (size_t i = 0; i < n && err == YB_OK; i++) {
		char path[4096], *text = NULL;
		size_t len = 0;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		err = read_file(path, &text, &len, errstr, errlen);
		if (err == YB_OK)
			err = frame_file(&framed, names[i], text, len);
		free(text);
	}
	free_names(names, n);
	if (err == YB_OK) {
		yb_sha256_hex(framed.data, framed.len, hex);
		if (strlen(hex) != 64) {
			snprintf(errstr, errlen, "%s: SHA-256 unavailable", dir);
			err = YB_EIO;
		}
	}
	yb_buf_free(&framed);
	return err;
}

int yb_fraud_params_load(const char *path, yb_fraud_params *out, char *errstr, size_t errlen)
{
	char *text = NULL, why[400];
	size_t len = 0;
	int err = read_file(path, &text, &len, errstr, errlen);

	if (err != YB_OK)
		return err;
	if (yb_fraud_params_parse(text, len, out, why, sizeof(why)) != 0) {
		snprintf(errstr, errlen, "%s:%s", path, why);
		err = YB_EINVAL;
	}
	free(text);
	return err;
}
