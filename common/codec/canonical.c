/*
 * Parsing Canonical Form, following the spec's transformation rules:
 *   PRIMITIVES  {"type":"int"} → "int" (logical types reduce to their primitive);
 *   FULLNAMES   every name replaced by its full name, namespaces resolved;
 *   STRIP       only name, type, fields, symbols, items, values, size are kept;
 *   ORDER       attributes in that order;
 *   STRINGS / WHITESPACE / INTEGERS  no escapes, no blanks, plain integers.
 * Names must match [A-Za-z_][A-Za-z0-9_]* (dotted for full names), so they are written
 * without escaping.
 */
#include "codec/canonical.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* Deep enough for any real schema; a deeper one is refused rather than risk the stack. */
#define MAX_DEPTH 64

typedef struct buf {
	char *data;
	size_t len, cap;
	int failed;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap == 0 ? 256 : b->cap;
		char *data;

		while (b->len + n + 1 > cap)
			cap *= 2;
		data = realloc(b->data, cap);
		if (data == NULL) {
			b->failed = 1;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_quoted(buf *b, const char *s)
{
	put(b, "\"", 1);
	puts_(b, s);
	put(b, "\"", 1);
}

static const char *const primitives[] = {"null",  "boolean", "int",   "long",
					 "float", "double",  "bytes", "string"};

static int is_primitive(const char *name)
{
	for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++) {
		if (strcmp(name, primitives[i]) == 0)
			return 1;
	}
	return 0;
}

/* A name, or a dotted full name when dotted is set: [A-Za-z_][A-Za-z0-9_]*(\.…)* */
static int valid_name(const char *s, int dotted)
{
	int at_start = 1;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		char c = *s;

		if (c == '.' && dotted && !at_start) {
			at_start = 1;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
		      (!at_start && c >= '0' && c <= '9')))
			return 0;
		at_start = 0;
	}
	return !at_start;
}

typedef struct ctx {
	char *errstr;
	size_t errlen;
} ctx;

__attribute__((format(printf, 2, 3))) static int fail(ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->errstr, c->errlen, fmt, ap);
	va_end(ap);
	return YB_EINVAL;
}

/* full = name resolved against ns ("" = the null namespace). */
static int full_name(ctx *c, const char *name, const char *ns, char *full, size_t len)
{
	if (!valid_name(name, 1))
		return fail(c, "invalid name '%s'", name);
	if (strchr(name, '.') != NULL || ns[0] == '\0')
		snprintf(full, len, "%s", name);
	else
		snprintf(full, len, "%s.%s", ns, name);
	return YB_OK;
}

static int canonical(ctx *c, buf *b, const json_t *schema, const char *ns, int depth);

/* A named type's header: {"name":"<full>","type":"<type>"; sets the namespace for inside. */
static int named_header(ctx *c, buf *b, const json_t *schema, const char *type, const char *ns,
			char *inner_ns, size_t ns_len)
{
	const char *name = json_string_value(json_object_get(schema, "name"));
	const json_t *namespace = json_object_get(schema, "namespace");
	char full[512];
	char *dot;
	int rc;

	if (name == NULL)
		return fail(c, "a %s needs a \"name\"", type);
	if (strchr(name, '.') == NULL && json_is_string(namespace)) {
		ns = json_string_value(namespace);
		if (ns[0] != '\0' && !valid_name(ns, 1))
			return fail(c, "invalid namespace '%s'", ns);
	}
	rc = full_name(c, name, ns, full, sizeof(full));
	if (rc != YB_OK)
		return rc;
	/* Names inside take the namespace of the full name. */
	snprintf(inner_ns, ns_len, "%s", full);
	dot = strrchr(inner_ns, '.');
	if (dot != NULL)
		*dot = '\0';
	else
		inner_ns[0] = '\0';
	puts_(b, "{\"name\":");
	put_quoted(b, full);
	puts_(b, ",\"type\":");
	put_quoted(b, type);
	return YB_OK;
}

static int canonical_object(ctx *c, buf *b, const json_t *schema, const char *ns, int depth)
{
	const json_t *type = json_object_get(schema, "type");
	char inner_ns[512];
	const char *t;
	int rc;

	if (type == NULL)
		return fail(c, "%s", "a schema object needs a \"type\"");
	if (!json_is_string(type)) /* {"type": {...}} or {"type": [...]} */
		return canonical(c, b, type, ns, depth + 1);
	t = json_string_value(type);
	if (is_primitive(t)) {
		put_quoted(b, t); /* PRIMITIVES; logicalType and the rest are stripped */
		return YB_OK;
	}
	if (strcmp(t, "record") == 0 || strcmp(t, "error") == 0) {
		const json_t *fields = json_object_get(schema, "fields"), *field;
		size_t i;

		if (!json_is_array(fields))
			return fail(c, "record '%s' needs a \"fields\" array",
				    json_string_value(json_object_get(schema, "name")));
		rc = named_header(c, b, schema, t, ns, inner_ns, sizeof(inner_ns));
		if (rc != YB_OK)
			return rc;
		puts_(b, ",\"fields\":[");
		json_array_foreach (fields, i, field) {
			const char *fname = json_string_value(json_object_get(field, "name"));

			if (fname == NULL || !valid_name(fname, 0))
				return fail(c, "invalid field name '%s'", fname ? fname : "(none)");
			puts_(b, i > 0 ? ",{\"name\":" : "{\"name\":");
			put_quoted(b, fname);
			puts_(b, ",\"type\":");
			if (json_object_get(field, "type") == NULL)
				return fail(c, "field '%s' has no \"type\"", fname);
			rc = canonical(c, b, json_object_get(field, "type"), inner_ns, depth + 1);
			if (rc != YB_OK)
				return rc;
			puts_(b, "}");
		}
		puts_(b, "]}");
		return YB_OK;
	}
	if (strcmp(t, "enum") == 0) {
		const json_t *symbols = json_object_get(schema, "symbols"), *symbol;
		size_t i;

		if (!json_is_array(symbols))
			return fail(c, "%s", "an enum needs a \"symbols\" array");
		rc = named_header(c, b, schema, t, ns, inner_ns, sizeof(inner_ns));
		if (rc != YB_OK)
			return rc;
		puts_(b, ",\"symbols\":[");
		json_array_foreach (symbols, i, symbol) {
			const char *s = json_string_value(symbol);

			if (s == NULL || !valid_name(s, 0))
				return fail(c, "invalid enum symbol '%s'",
					    s ? s : "(not a string)");
			if (i > 0)
				puts_(b, ",");
			put_quoted(b, s);
		}
		puts_(b, "]}");
		return YB_OK;
	}
	if (strcmp(t, "fixed") == 0) {
		const json_t *size = json_object_get(schema, "size");
		char text[32];

		if (!json_is_integer(size) || json_integer_value(size) < 0)
			return fail(c, "%s", "a fixed needs a non-negative integer \"size\"");
		rc = named_header(c, b, schema, t, ns, inner_ns, sizeof(inner_ns));
		if (rc != YB_OK)
			return rc;
		snprintf(text, sizeof(text), ",\"size\":%" JSON_INTEGER_FORMAT "}",
			 json_integer_value(size));
		puts_(b, text);
		return YB_OK;
	}
	if (strcmp(t, "array") == 0 || strcmp(t, "map") == 0) {
		const char *key = t[0] == 'a' ? "items" : "values";
		const json_t *inner = json_object_get(schema, key);

		if (inner == NULL)
			return fail(c, "%s",
				    t[0] == 'a' ? "an array needs \"items\""
						: "a map needs \"values\"");
		puts_(b, "{\"type\":");
		put_quoted(b, t);
		puts_(b, ",\"");
		puts_(b, key);
		puts_(b, "\":");
		rc = canonical(c, b, inner, ns, depth + 1);
		if (rc == YB_OK)
			puts_(b, "}");
		return rc;
	}
	/* A reference to a named type written as {"type": "Name"}. */
	return canonical(c, b, type, ns, depth + 1);
}

static int canonical(ctx *c, buf *b, const json_t *schema, const char *ns, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(c, "%s", "schema nested too deeply");
	if (json_is_string(schema)) {
		const char *name = json_string_value(schema);
		char full[512];
		int rc;

		if (is_primitive(name)) {
			put_quoted(b, name);
			return YB_OK;
		}
		rc = full_name(c, name, ns, full, sizeof(full));
		if (rc == YB_OK)
			put_quoted(b, full);
		return rc;
	}
	if (json_is_array(schema)) {
		const json_t *branch;
		size_t i;

		puts_(b, "[");
		json_array_foreach (schema, i, branch) {
			int rc;

			if (i > 0)
				puts_(b, ",");
			rc = canonical(c, b, branch, ns, depth + 1);
			if (rc != YB_OK)
				return rc;
		}
		puts_(b, "]");
		return YB_OK;
	}
	if (json_is_object(schema))
		return canonical_object(c, b, schema, ns, depth);
	return fail(c, "%s", "a schema must be a string, an object or an array");
}

/* errstr is written through ctx. */
int yb_avro_canonical_form(char **out, const json_t *schema,
			   char *errstr, // NOLINT(readability-non-const-parameter)
			   size_t errlen)
{
	ctx c = {.errstr = errstr, .errlen = errlen};
	buf b = {0};
	int rc = canonical(&c, &b, schema, "", 0);

	*out = NULL;
	if (rc == YB_OK && b.failed)
		rc = YB_ENOMEM;
	if (rc != YB_OK) {
		free(b.data);
		return rc;
	}
	*out = b.data;
	return YB_OK;
}

uint64_t yb_avro_crc64(const void *data, size_t len)
{
	/* The Avro spec's CRC-64-AVRO. The table is built per call: fingerprints are computed
	 * at build time and in tests, never per message (messages carry them). */
	static const uint64_t empty = UINT64_C(0xc15d213aa4d7a795);
	uint64_t table[256];
	const unsigned char *p = data;
	uint64_t fp = empty;

	for (int i = 0; i < 256; i++) {
		uint64_t v = (uint64_t)i;

		for (int j = 0; j < 8; j++)
			v = (v >> 1) ^ (empty & (0 - (v & 1)));
		table[i] = v;
	}
	for (size_t i = 0; i < len; i++)
		fp = (fp >> 8) ^ table[(fp ^ p[i]) & 0xff];
	return fp;
}
