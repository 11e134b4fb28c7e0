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
	case YB_CONFIG_ENDPOINT: {
		yb_endpoint ep;
		const char *why = NULL;

		return yb_endpoint_parse(value, &ep, &why) == YB_OK ? NULL : why;
	}
	case YB_CONFIG_OPTIONAL:
		return NULL;
	}
	return "unknown kind";
}

/* Does name end in suffix? */
static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n >= k && strcmp(name + n - k, suffix) == 0;
}

const char *yb_config_shown(const char *key, const char *value)
{
	if (strchr(value, '@') != NULL || (key != NULL && ends_with(key, "password")))
		return "(value not shown)";
	return value;
}

/* An unknown key's error; a would-be password key says where a password goes instead. */
static void unknown_key(char *errstr, size_t errlen, const char *where, const char *key)
{
	snprintf(errstr, errlen, "%s: unknown key '%s'%s", where, key,
		 ends_with(key, "password")
		     ? " (a password is never a key: give the file that holds it, see --help)"
		     : "");
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
				unknown_key(errstr, errlen, file, key);
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
			unknown_key(errstr, errlen, "-X", yb_props_key(one, 0));
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
			const char *shown = yb_config_shown(keys[i].name, value);

			if (shown == value)
				snprintf(errstr, errlen, "key '%s': '%s' %s", keys[i].name, value,
					 problem);
			else
				snprintf(errstr, errlen, "key '%s': %s %s", keys[i].name, shown,
					 problem);
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
			keys[i].default_value == NULL      ? "(required)"
			: keys[i].default_value[0] == '\0' ? "(empty)"
							   : keys[i].default_value,
			env);
	}
	fprintf(out, "  %-24s any librdkafka property, as-is (kafka.bootstrap.servers, ...)\n",
		"kafka.*");
	fprintf(out,
		"  %-24s a secret from a file of mode 0600, never on the command line\n"
		"  %-24s (also kafka.ssl.key.password.file, kafka.ssl.keystore.password.file)\n",
		"kafka.sasl.password.file", "");
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

/* A host name or IPv4 address: letters, digits, '.', '-', '_'. */
static bool host_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
			return false;
	}
	return n > 0;
}

/* An IPv6 address's characters: hex digits, ':' and '.' (an embedded IPv4 address). */
static bool ipv6_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[i]) && s[i] != ':' && s[i] != '.')
			return false;
	}
	return n > 1;
}

int yb_endpoint_parse(const char *text, yb_endpoint *out, const char **why)
{
	static const char usage[] = "must be HOST:PORT or unix:/path/to/socket";
	const char *host = text, *colon, *problem = usage;
	size_t host_len;
	char *end;
	long port;

	memset(out, 0, sizeof(*out));
	if (strchr(text, '@') != NULL || strstr(text, "://") != NULL) {
		problem = "must be HOST:PORT or unix:/path/to/socket, not a URL (a password "
			  "goes in a file, never in the address)";
		goto bad;
	}
	if (strncmp(text, "unix:", 5) == 0) {
		const char *path = text + 5;

		if (path[0] != '/') {
			problem = "unix: must be followed by the socket's absolute path";
			goto bad;
		}
		if (strlen(path) > YB_ENDPOINT_PATH_MAX) {
			problem = "the socket's path is longer than a Unix socket's 107 bytes";
			goto bad;
		}
		out->is_unix = true;
		snprintf(out->path, sizeof(out->path), "%s", path);
		return YB_OK;
	}
	colon = strrchr(text, ':');
	if (colon == NULL)
		goto bad;
	host_len = (size_t)(colon - text);
	if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
		host++;
		host_len -= 2;
		if (!ipv6_text(host, host_len))
			goto bad;
	} else if (!host_name(host, host_len)) {
		goto bad;
	}
	if (host_len >= sizeof(out->host))
		goto bad;
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || end == colon + 1 || !isdigit((unsigned char)colon[1]) || port < 1 ||
	    port > 65535) {
		problem = "must be HOST:PORT (PORT 1..65535) or unix:/path/to/socket";
		goto bad;
	}
	snprintf(out->host, sizeof(out->host), "%.*s", (int)host_len, host);
	out->port = (int)port;
	return YB_OK;
bad:
	memset(out, 0, sizeof(*out));
	if (why != NULL)
		*why = problem;
	return YB_EINVAL;
}
