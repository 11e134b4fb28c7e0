/*
 * Ordered key=value list. Small (tens of entries) and read at start-up only, so a linear
 * search over a growable array is the simple and sufficient structure.
 */
#include "io/props.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

struct yb_props {
	char **keys;
	char **values;
	size_t count;
	size_t capacity;
};

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static char *copy_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = malloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

yb_props *yb_props_new(void)
{
	return calloc(1, sizeof(yb_props));
}

void yb_props_destroy(yb_props *props)
{
	if (props == NULL)
		return;
	for (size_t i = 0; i < props->count; i++) {
		free(props->keys[i]);
		free(props->values[i]);
	}
	free(props->keys);
	free(props->values);
	free(props);
}

static long find(const yb_props *props, const char *key)
{
	for (size_t i = 0; i < props->count; i++) {
		if (strcmp(props->keys[i], key) == 0)
			return (long)i;
	}
	return -1;
}

static int grow(yb_props *props)
{
	size_t capacity = props->capacity == 0 ? 16 : props->capacity * 2;
	char **keys = realloc(props->keys, capacity * sizeof(*keys));

	if (keys == NULL)
		return YB_ENOMEM;
	props->keys = keys;
	char **values = realloc(props->values, capacity * sizeof(*values));
	if (values == NULL)
		return YB_ENOMEM;
	props->values = values;
	props->capacity = capacity;
	return YB_OK;
}

int yb_props_set(yb_props *props, const char *key, const char *value)
{
	long at;
	char *value_copy;

	if (key == NULL || key[0] == '\0' || value == NULL)
		return YB_EINVAL;
	value_copy = copy_string(value);
	if (value_copy == NULL)
		return YB_ENOMEM;
	at = find(props, key);
	if (at >= 0) {
		free(props->values[at]);
		props->values[at] = value_copy;
		return YB_OK;
	}
	if (props->count == props->capacity && grow(props) != YB_OK) {
		free(value_copy);
		return YB_ENOMEM;
	}
	props->keys[props->count] = copy_string(key);
	if (props->keys[props->count] == NULL) {
		free(value_copy);
		return YB_ENOMEM;
	}
	props->values[props->count] = value_copy;
	props->count++;
	return YB_OK;
}

/* Split "key=value" in place; on success *key and *value point into line. */
static int split(char *line, char **key, char **value)
{
	char *eq = strchr(line, '=');

	if (eq == NULL)
		return YB_EPARSE;
	*eq = '\0';
	*key = trim(line);
	*value = eq + 1;
	return (*key)[0] == '\0' ? YB_EPARSE : YB_OK;
}

int yb_props_set_assignment(yb_props *props, const char *assignment, char *errstr, size_t errlen)
{
	char *line = copy_string(assignment);
	char *key, *value;
	int err;

	if (line == NULL)
		return YB_ENOMEM;
	err = split(line, &key, &value);
	if (err == YB_OK)
		err = yb_props_set(props, key, value);
	else
		snprintf(errstr, errlen, "'%s' is not of the form key=value", assignment);
	free(line);
	return err;
}

int yb_props_load_file(yb_props *props, const char *path, char *errstr, size_t errlen)
{
	FILE *file = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int err = YB_OK;

	if (file == NULL) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return YB_EIO;
	}
	while (getline(&line, &cap, file) >= 0) {
		char *text = trim(line), *key, *value;

		lineno++;
		if (text[0] == '\0' || text[0] == '#' || text[0] == '!')
			continue;
		if (split(text, &key, &value) != YB_OK) {
			snprintf(errstr, errlen, "%s:%u: expected key=value, found '%s'", path,
				 lineno, text);
			err = YB_EPARSE;
			goto out;
		}
		err = yb_props_set(props, key, trim(value));
		if (err != YB_OK) {
			snprintf(errstr, errlen, "%s:%u: %s", path, lineno, yb_strerror(err));
			goto out;
		}
	}
	if (ferror(file)) {
		snprintf(errstr, errlen, "%s: read error", path);
		err = YB_EIO;
	}
out:
	free(line);
	fclose(file);
	return err;
}

const char *yb_props_get(const yb_props *props, const char *key)
{
	long at = find(props, key);

	return at >= 0 ? props->values[at] : NULL;
}

size_t yb_props_count(const yb_props *props)
{
	return props->count;
}

const char *yb_props_key(const yb_props *props, size_t i)
{
	return i < props->count ? props->keys[i] : NULL;
}

const char *yb_props_value(const yb_props *props, size_t i)
{
	return i < props->count ? props->values[i] : NULL;
}
