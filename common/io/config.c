/* Service configuration; see config.h. */
#include "io/config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* "http.listen" → "YB_HTTP_LISTEN" */
static void env_name(const char *key, char *out, size_t len)
{
	size_t j = (size_t)snprintf(out, len, "YB_");

	for (size_t i = 0; key[i] != '\0' && j + 1 < len; i++)
		out[j++] =
		    isalnum((unsigned char)key[i]) ? (char)toupper((unsigned char)key[i]) : '_';
	out[j] = '\0';
}

static const yb_config_key *find(const yb_config_key *keys, size_t count, const char *name)
{
	for (size_t i = 0; i < count; i++) {
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	}
	return NULL;
}

static int known(const yb_config_key *keys, size_t count, const char *name)
{
	return find(keys, count, name) != NULL ||
	       strncmp(name, YB_KAFKA_PROP_PREFIX, strlen(YB_KAFKA_PROP_PREFIX)) == 0;
}

static const char *invalid(const yb_config_key *k, const char *value)
{
	char *end;
	long v;
	const char *colon;

	switch (k->kind) {
	case YB_CONFIG_STRING:
		return value[0] == '\0' ? "must not be empty" : NULL;
	case YB_CONFIG_INT:
		v = strtol(value, &end, 10);
		return *end != '\0' || end == value || v < k->min || v > k->max
			   ? "must be a whole number in range"
			   : NULL;
	case YB_CONFIG_HOSTPORT:
		colon = strrchr(value, ':');
		if (colon == NULL || colon == value)
			return "must be HOST:PORT";
		v = strtol(colon + 1, &end, 10);
		return *end != '\0' || end == colon + 1 || v < 0 || v > 65535 ? "must be HOST:PORT"
									      : NULL;
	}
	return "unknown kind";
}

int yb_config_load(yb_props **out, const yb_config_key *keys, size_t count, const char *file,
		   char *const *overrides, char *errstr, size_t errlen)
{
	yb_props *config = yb_props_new();
	yb_props *from_file = NULL;
	char env[128];

	*out = NULL;
	if (config == NULL)
		return YB_ENOMEM;
	for (size_t i = 0; i < count; i++) {
		if (keys[i].default_value != NULL)
			yb_props_set(config, keys[i].name, keys[i].default_value);
	}
	if (file != NULL) {
		from_file = yb_props_new();
		if (from_file == NULL ||
		    yb_props_load_file(from_file, file, errstr, errlen) != YB_OK)
			goto fail;
		for (size_t i = 0; i < yb_props_count(from_file); i++) {
			const char *key = yb_props_key(from_file, i);

			if (!known(keys, count, key)) {
				snprintf(errstr, errlen, "%s: unknown key '%s'", file, key);
				goto fail;
			}
			yb_props_set(config, key, yb_props_value(from_file, i));
		}
	}
	for (size_t i = 0; i < count; i++) {
		const char *value;

		env_name(keys[i].name, env, sizeof(env));
		value = getenv(env);
		if (value != NULL && value[0] != '\0')
			yb_props_set(config, keys[i].name, value);
	}
	for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++) {
		yb_props *one = yb_props_new();
		int bad = one == NULL ||
			  yb_props_set_assignment(one, overrides[i], errstr, errlen) != YB_OK;

		if (!bad && !known(keys, count, yb_props_key(one, 0))) {
			snprintf(errstr, errlen, "-X: unknown key '%s'", yb_props_key(one, 0));
			bad = 1;
		}
		if (!bad)
			yb_props_set(config, yb_props_key(one, 0), yb_props_value(one, 0));
		yb_props_destroy(one);
		if (bad)
			goto fail;
	}
	for (size_t i = 0; i < count; i++) {
		const char *value = yb_props_get(config, keys[i].name);
		const char *problem;

		env_name(keys[i].name, env, sizeof(env));
		if (value == NULL) {
			snprintf(errstr, errlen, "key '%s' is required (file, %s or -X)",
				 keys[i].name, env);
			goto fail;
		}
		problem = invalid(&keys[i], value);
		if (problem != NULL) {
			snprintf(errstr, errlen, "key '%s': '%s' %s", keys[i].name, value, problem);
			goto fail;
		}
	}
	yb_props_destroy(from_file);
	*out = config;
	return YB_OK;
fail:
	yb_props_destroy(from_file);
	yb_props_destroy(config);
	return YB_EINVAL;
}

long yb_config_int(const yb_props *config, const char *name)
{
	const char *value = yb_props_get(config, name);

	return value != NULL ? strtol(value, NULL, 10) : 0;
}

void yb_config_usage(FILE *out, const yb_config_key *keys, size_t count)
{
	char env[128];

	for (size_t i = 0; i < count; i++) {
		env_name(keys[i].name, env, sizeof(env));
		fprintf(out, "  %-24s %s\n  %-24s default: %s; environment: %s\n", keys[i].name,
			keys[i].doc, "",
			keys[i].default_value != NULL ? keys[i].default_value : "(required)", env);
	}
	fprintf(out, "  %-24s any librdkafka property, as-is (kafka.bootstrap.servers, ...)\n",
		"kafka.*");
}

/* Split "host:port"; host is copied into host_buf. */
int yb_host_port_split(const char *text, char *host_buf, size_t host_len, int *port)
{
	const char *colon = strrchr(text, ':');
	char *end;
	long value;

	if (colon == NULL || colon == text || (size_t)(colon - text) >= host_len)
		return YB_EINVAL;
	value = strtol(colon + 1, &end, 10);
	if (*end != '\0' || value <= 0 || value > 65535)
		return YB_EINVAL;
	snprintf(host_buf, host_len, "%.*s", (int)(colon - text), text);
	*port = (int)value;
	return YB_OK;
}
