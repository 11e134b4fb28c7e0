/*
 * JSON form of the records over the generated tables; see json.h.
 */
#include "codec/json.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/date.h"
#include "base/error.h"

#define MAX_PATH 16

typedef struct jctx {
	yb_arena *arena;
	const char *path[MAX_PATH];
	int depth;
	char *errstr;
	size_t errlen;
} jctx;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(jctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yb_record_verror(c->errstr, c->errlen, c->path, c->depth < MAX_PATH ? c->depth : MAX_PATH,
			 fmt, ap);
	va_end(ap);
	return YB_EPARSE;
}

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

/* --- base64 (RFC 4648, with padding), for bytes that are not UTF-8 text ---------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64_string(const uint8_t *data, size_t len)
{
	size_t out_len = (len + 2) / 3 * 4;
	char *out = malloc(out_len + 1);
	json_t *s;
	size_t j = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)data[i + 1] << 8;
		if (i + 2 < len)
			v |= data[i + 2];
		out[j++] = b64[(v >> 18) & 63];
		out[j++] = b64[(v >> 12) & 63];
		out[j++] = '=';
		out[j++] = '=';
		if (i + 1 < len)
			out[j - 2] = b64[(v >> 6) & 63];
		if (i + 2 < len)
			out[j - 1] = b64[v & 63];
	}
	out[j] = '\0';
	s = json_stringn(out, j);
	free(out);
	return s;
}

static int b64_value(char c)
{
	const char *p = c != '\0' ? strchr(b64, c) : NULL;

	return p != NULL ? (int)(p - b64) : -1;
}

/* Decode base64 text into the arena; returns the length or -1. */
static long base64_decode(const char *text, size_t len, yb_arena *arena, const uint8_t **out)
{
	uint8_t *bytes;
	size_t n = 0;

	if (len % 4 != 0)
		return -1;
	bytes = yb_arena_alloc(arena, len / 4 * 3 + 1);
	if (bytes == NULL)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int a = b64_value(text[i]), b = b64_value(text[i + 1]);
		int c = text[i + 2] == '=' ? 0 : b64_value(text[i + 2]);
		int d = text[i + 3] == '=' ? 0 : b64_value(text[i + 3]);
		int pad = (text[i + 2] == '=') + (text[i + 3] == '=');

		if (a < 0 || b < 0 || c < 0 || d < 0 || (pad > 0 && i + 4 != len) ||
		    (text[i + 2] == '=' && text[i + 3] != '='))
			return -1;
		bytes[n++] = (uint8_t)((a << 2) | (b >> 4));
		if (pad < 2)
			bytes[n++] = (uint8_t)(((b & 15) << 4) | (c >> 2));
		if (pad < 1)
			bytes[n++] = (uint8_t)(((c & 3) << 6) | d);
	}
	*out = bytes;
	return (long)n;
}

/* --- JSON → record ------------------------------------------------------------------- */

static int decode_record(jctx *c, const json_t *object, const yb_record_desc *desc, char *base,
			 int depth);

static int copy_string_within(jctx *c, const json_t *v, const char **out, size_t limit)
{
	size_t len = json_string_length(v);
	char *copy;

	if (len > limit)
		return fail(c, "%zu bytes, over the limit of %zu", len, limit);
	if (memchr(json_string_value(v), '\0', len) != NULL)
		return fail(c, "contains NUL");
	copy = yb_arena_alloc(c->arena, len + 1);
	if (copy == NULL)
		return fail(c, "the record is larger than its buffer");
	memcpy(copy, json_string_value(v), len + 1);
	*out = copy;
	return YB_OK;
}

static int copy_string(jctx *c, const json_t *v, const char **out)
{
	return copy_string_within(c, v, out, YB_RECORD_MAX_STRING);
}

static int integer_in(jctx *c, const json_t *v, int64_t min, int64_t max, const char *what,
		      int64_t *out)
{
	json_int_t n;

	if (!json_is_integer(v))
		return fail(c, "must be %s, not %s", what, json_type_name(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return fail(c, "%" PRId64 " is outside %" PRId64 "..%" PRId64, (int64_t)n, min,
			    max);
	*out = (int64_t)n;
	return YB_OK;
}

static int decode_array(jctx *c, const json_t *v, const yb_field_desc *f, char *base, int depth)
{
	size_t n, size;
	char *elems;

	if (f->kind == YB_FIELD_LONG_MAP ? !json_is_object(v) : !json_is_array(v))
		return fail(c, "must be %s, not %s",
			    f->kind == YB_FIELD_LONG_MAP ? "an object" : "an array",
			    json_type_name(v));
	n = f->kind == YB_FIELD_LONG_MAP ? json_object_size(v) : json_array_size(v);
	if (n > YB_RECORD_MAX_ITEMS)
		return fail(c, "more than %d items", YB_RECORD_MAX_ITEMS);
	if (f->kind == YB_FIELD_LONG_MAP && n > YB_RECORD_MAX_MAP)
		return fail(c, "more than %d map entries", YB_RECORD_MAX_MAP);
	size = f->kind == YB_FIELD_STRING_ARRAY ? sizeof(char *)
	       : f->kind == YB_FIELD_LONG_MAP   ? sizeof(yb_long_entry)
						: f->elem->size;
	elems = yb_arena_alloc(c->arena, n * size);
	if (elems == NULL)
		return fail(c, "the record is larger than its buffer");
	memset(elems, 0, n * size);
	if (f->kind == YB_FIELD_LONG_MAP) {
		const char *key;
		const json_t *value;
		size_t i = 0;

		json_object_foreach ((json_t *)v, key, value) {
			yb_long_entry *e = (yb_long_entry *)(void *)(elems + i++ * size);
			json_t *k = json_string(key);
			int err;

			if (k == NULL)
				return fail(c, "out of memory");
			err = copy_string(c, k, &e->key);
			json_decref(k);
			if (err == YB_OK)
				err = integer_in(c, value, INT64_MIN, INT64_MAX, "an integer",
						 &e->value);
			if (err != YB_OK)
				return err;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			const json_t *item = json_array_get(v, i);
			char *elem = elems + i * size;
			int err;

			if (f->kind == YB_FIELD_STRING_ARRAY) {
				if (!json_is_string(item))
					return fail(c, "item %zu must be a string, not %s", i,
						    json_type_name(item));
				err = copy_string(c, item, (const char **)(void *)elem);
			} else {
				if (!json_is_object(item))
					return fail(c, "item %zu must be an object, not %s", i,
						    json_type_name(item));
				err = decode_record(c, item, f->elem, elem, depth + 1);
			}
			if (err != YB_OK)
				return err;
		}
	}
	memcpy(base + f->offset, &elems, sizeof(elems));
	*(uint32_t *)(void *)(base + f->count_offset) = (uint32_t)n;
	return YB_OK;
}

static int decode_value(jctx *c, const json_t *v, const yb_field_desc *f, char *base, int depth)
{
	char *at = base + f->offset;
	int64_t n = 0;
	int err;

	switch (f->kind) {
	case YB_FIELD_STRING:
		if (!json_is_string(v))
			return fail(c, "must be a string, not %s", json_type_name(v));
		return copy_string(c, v, (const char **)(void *)at);
	case YB_FIELD_BYTES:
		/* Text in the field itself; base64 under "<name>_base64" (decode_record). */
		if (!json_is_string(v))
			return fail(c, "must be a string, not %s", json_type_name(v));
		err = copy_string_within(c, v, (const char **)(void *)at, YB_RECORD_MAX_BYTES);
		if (err == YB_OK)
			*(uint32_t *)(void *)(base + f->count_offset) =
			    (uint32_t)json_string_length(v);
		return err;
	case YB_FIELD_BOOL:
		if (!json_is_boolean(v))
			return fail(c, "must be true or false, not %s", json_type_name(v));
		*(bool *)(void *)at = json_is_true(v);
		return YB_OK;
	case YB_FIELD_INT:
		err = integer_in(c, v, INT32_MIN, INT32_MAX, "an integer", &n);
		if (err == YB_OK)
			*(int32_t *)(void *)at = (int32_t)n;
		return err;
	case YB_FIELD_LONG:
		return integer_in(c, v, INT64_MIN, INT64_MAX, "an integer", (int64_t *)(void *)at);
	case YB_FIELD_MONEY:
		return integer_in(c, v, 0, YB_RECORD_MAX_FEN, "an integer number of fen",
				  (int64_t *)(void *)at);
	case YB_FIELD_DATE:
		if (!json_is_string(v) || yb_date_parse(json_string_value(v), json_string_length(v),
							(int32_t *)(void *)at) != 0)
			return fail(c, "must be a date \"YYYY-MM-DD\"");
		return YB_OK;
	case YB_FIELD_TIME:
		if (!json_is_string(v) ||
		    yb_instant_parse(json_string_value(v), json_string_length(v),
				     (int64_t *)(void *)at) != 0)
			return fail(c, "must be a time with offset \"YYYY-MM-DDTHH:MM:SS+08:00\"");
		return YB_OK;
	case YB_FIELD_STRING_ARRAY:
	case YB_FIELD_RECORD_ARRAY:
	case YB_FIELD_LONG_MAP:
		return decode_array(c, v, f, base, depth);
	}
	return fail(c, "unknown field kind");
}

/* Is key the "<bytes field>_base64" spelling of a field of desc? Returns it or NULL. */
static const yb_field_desc *base64_field(const yb_record_desc *desc, const char *key)
{
	size_t len = strlen(key);

	if (len <= 7 || strcmp(key + len - 7, "_base64") != 0)
		return NULL;
	for (size_t i = 0; i < desc->field_count; i++) {
		const yb_field_desc *f = &desc->fields[i];

		if (f->kind == YB_FIELD_BYTES && strlen(f->name) == len - 7 &&
		    strncmp(f->name, key, len - 7) == 0)
			return f;
	}
	return NULL;
}

static int decode_record(jctx *c, const json_t *object, const yb_record_desc *desc, char *base,
			 int depth)
{
	const char *key;
	const json_t *value;

	if (depth > YB_RECORD_MAX_DEPTH)
		return fail(c, "nested too deeply");
	/* Every key must be a field: a misspelt optional field would otherwise vanish. */
	json_object_foreach ((json_t *)object, key, value) {
		int known = depth == 0 && strcmp(key, "type") == 0;

		for (size_t i = 0; i < desc->field_count && !known; i++)
			known = strcmp(desc->fields[i].name, key) == 0;
		if (!known && base64_field(desc, key) == NULL)
			return fail(c, "unknown field '%s'", key);
	}
	for (size_t i = 0; i < desc->field_count; i++) {
		const yb_field_desc *f = &desc->fields[i];
		const json_t *v = json_object_get(object, f->name);
		int err = YB_OK;

		if (c->depth >= MAX_PATH)
			return fail(c, "nested too deeply");
		c->path[c->depth++] = f->name;
		if (f->kind == YB_FIELD_BYTES) {
			char alt[128];
			const json_t *encoded;

			snprintf(alt, sizeof(alt), "%s_base64", f->name);
			encoded = json_object_get(object, alt);
			if (encoded != NULL && v != NULL) {
				err = fail(c, "given both as text and as %s", alt);
			} else if (encoded != NULL) {
				long n;

				if (!json_is_string(encoded))
					err = fail(c, "%s must be a string", alt);
				else if (json_string_length(encoded) / 4 * 3 > YB_RECORD_MAX_BYTES)
					err = fail(c, "%s: over the limit of %d bytes", alt,
						   YB_RECORD_MAX_BYTES);
				else if ((n = base64_decode(
					      json_string_value(encoded),
					      json_string_length(encoded), c->arena,
					      (const uint8_t **)(void *)(base + f->offset))) < 0)
					err = fail(c, "%s is not base64", alt);
				else
					*(uint32_t *)(void *)(base + f->count_offset) = (uint32_t)n;
				if (err == YB_OK && f->has_offset != YB_NO_OFFSET)
					*(bool *)(void *)(base + f->has_offset) = true;
				c->depth--;
				if (err != YB_OK)
					return err;
				continue;
			}
		}
		if (v == NULL || json_is_null(v)) {
			if (!f->optional)
				err = fail(c, "required, but missing");
		} else {
			err = decode_value(c, v, f, base, depth);
			if (err == YB_OK && f->has_offset != YB_NO_OFFSET)
				*(bool *)(void *)(base + f->has_offset) = true;
		}
		c->depth--;
		if (err != YB_OK)
			return err;
	}
	return YB_OK;
}

int yb_json_decode_object(const json_t *object, yb_arena *arena, yb_record *out, char *errstr,
			  size_t errlen)
{
	jctx c = {.arena = arena, .errstr = errstr, .errlen = errlen};
	const json_t *type;

	if (errlen > 0)
		errstr[0] = '\0';
	const yb_record_desc *desc;

	if (!json_is_object(object))
		return fail(&c, "a record must be a JSON object, not %s", json_type_name(object));
	type = json_object_get(object, "type");
	if (!json_is_string(type))
		return fail(&c, "\"type\" is missing or not a string");
	desc = yb_record_desc_by_name(json_string_value(type));
	if (desc == NULL)
		return fail(&c, "unknown record type \"%s\"", json_string_value(type));
	memset(out, 0, sizeof(*out));
	out->type = (yb_record_type)desc->type;
	c.path[c.depth++] = desc->name;
	return decode_record(&c, object, desc, yb_record_body(out), 0);
}

int yb_json_decode(const char *text, size_t len, yb_arena *arena, yb_record *out, char *errstr,
		   size_t errlen)
{
	json_error_t error;
	json_t *object;
	int err;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	object = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
	if (object == NULL) {
		snprintf(errstr, errlen, "not JSON (column %d): %s", error.column, error.text);
		return YB_EPARSE;
	}
	err = yb_json_decode_object(object, arena, out, errstr, errlen);
	json_decref(object);
	return err;
}

/* --- record → JSON ------------------------------------------------------------------- */

json_t *yb_json_encode(const yb_record *record)
{
	/* One writer: the text yb_json_format gives, parsed back. */
	yb_buf text = {0};
	json_t *object = NULL;

	if (yb_json_format(record, &text) == YB_OK)
		object = json_loadb((const char *)text.data, text.len, 0, NULL);
	yb_buf_free(&text);
	return object;
}

/* --- record → JSON text, straight from the tables --------------------------------------- */

/*
 * Written straight into a buffer, in the form jansson's compact dump has (so that a
 * record parsed and dumped again by jansson is the same bytes, which the tests and fuzz
 * targets check): building a jansson tree per record made claimctl adjudicate three times
 * slower than jq.
 */
typedef struct out {
	yb_buf *buf;
	int failed; /* 1: the record breaks its schema; 2: out of memory */
} out;

static void put_raw(out *o, const char *s, size_t len)
{
	yb_buf *b = o->buf;

	if (len > b->cap - b->len && yb_buf_reserve(b, len) != 0)
		o->failed = 2;
	if (o->failed)
		return;
	memcpy(b->data + b->len, s, len);
	b->len += len;
}

static void put_c(out *o, char c)
{
	yb_buf *b = o->buf;

	if (b->len == b->cap && yb_buf_reserve(b, 1) != 0)
		o->failed = 2;
	if (!o->failed)
		b->data[b->len++] = (uint8_t)c;
}

/* A JSON string as jansson writes it: " and \ escaped, control characters as \n or
 * \u00XX, everything else (UTF-8 included) as is. */
static void put_string(out *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF"; /* as jansson writes \u001C */
	size_t start = 0;

	put_c(o, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6];
		size_t n = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put_raw(o, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
			break;
		}
		put_raw(o, esc, n);
	}
	put_raw(o, s + start, len - start);
	put_c(o, '"');
}

static void put_int(out *o, int64_t v)
{
	char digits[24];
	int n = 0;
	uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		digits[n++] = (char)('0' + m % 10);
		m /= 10;
	} while (m > 0);
	if (v < 0)
		put_c(o, '-');
	while (n > 0)
		put_c(o, digits[--n]);
}

static void put_key(out *o, const char *key, int *first)
{
	if (!*first)
		put_c(o, ',');
	*first = 0;
	put_string(o, key, strlen(key));
	put_c(o, ':');
}

static void format_record(out *o, const yb_record_desc *desc, const char *base, const char *type);

static void format_value(out *o, const yb_field_desc *f, const char *base)
{
	const char *at = base + f->offset;
	uint32_t count = f->count_offset != YB_NO_OFFSET
			     ? *(const uint32_t *)(const void *)(base + f->count_offset)
			     : 0;
	char text[32];

	switch (f->kind) {
	case YB_FIELD_STRING: {
		const char *s = *(const char *const *)(const void *)at;

		if (s == NULL)
			o->failed = 1;
		else
			put_string(o, s, strlen(s));
		return;
	}
	case YB_FIELD_BYTES:
		return; /* format_record writes it, under one of two names */
	case YB_FIELD_BOOL:
		if (*(const bool *)(const void *)at)
			put_raw(o, "true", 4);
		else
			put_raw(o, "false", 5);
		return;
	case YB_FIELD_INT:
		put_int(o, *(const int32_t *)(const void *)at);
		return;
	case YB_FIELD_LONG:
	case YB_FIELD_MONEY:
		put_int(o, *(const int64_t *)(const void *)at);
		return;
	case YB_FIELD_DATE: {
		int32_t days = *(const int32_t *)(const void *)at;

		if (days < YB_DATE_MIN || days > YB_DATE_MAX) {
			o->failed = 1;
			return;
		}
		yb_date_format(days, text);
		put_string(o, text, strlen(text));
		return;
	}
	case YB_FIELD_TIME: {
		int64_t ms = *(const int64_t *)(const void *)at;

		if (ms < YB_INSTANT_MIN || ms > YB_INSTANT_MAX) {
			o->failed = 1;
			return;
		}
		yb_instant_format(ms, text);
		put_string(o, text, strlen(text));
		return;
	}
	case YB_FIELD_STRING_ARRAY:
	case YB_FIELD_RECORD_ARRAY: {
		const char *elems = *(const char *const *)(const void *)at;

		put_c(o, '[');
		for (uint32_t i = 0; i < count; i++) {
			if (i > 0)
				put_c(o, ',');
			if (f->kind == YB_FIELD_STRING_ARRAY) {
				const char *s = ((const char *const *)(const void *)elems)[i];

				if (s == NULL)
					o->failed = 1;
				else
					put_string(o, s, strlen(s));
			} else {
				format_record(o, f->elem, elems + i * f->elem->size, NULL);
			}
		}
		put_c(o, ']');
		return;
	}
	case YB_FIELD_LONG_MAP: {
		const yb_long_entry *entries = *(const yb_long_entry *const *)(const void *)at;

		put_c(o, '{');
		for (uint32_t i = 0; i < count; i++) {
			if (i > 0)
				put_c(o, ',');
			if (entries[i].key == NULL) {
				o->failed = 1;
				return;
			}
			put_string(o, entries[i].key, strlen(entries[i].key));
			put_c(o, ':');
			put_int(o, entries[i].value);
		}
		put_c(o, '}');
		return;
	}
	}
}

static void format_record(out *o, const yb_record_desc *desc, const char *base, const char *type)
{
	int first = 1;

	put_c(o, '{');
	if (type != NULL) {
		put_key(o, "type", &first);
		put_string(o, type, strlen(type));
	}
	for (size_t i = 0; i < desc->field_count; i++) {
		const yb_field_desc *f = &desc->fields[i];

		if (f->has_offset != YB_NO_OFFSET) {
			if (!*(const bool *)(const void *)(base + f->has_offset))
				continue;
		} else if (f->optional &&
			   *(const char *const *)(const void *)(base + f->offset) == NULL) {
			continue;
		}
		if (f->kind == YB_FIELD_BYTES) {
			const uint8_t *bytes =
			    *(const uint8_t *const *)(const void *)(base + f->offset);
			uint32_t len = *(const uint32_t *)(const void *)(base + f->count_offset);
			char alt[128];

			if (bytes == NULL && len > 0) {
				o->failed = 1;
				return;
			}
			if (len > 0 && !yb_utf8_valid(bytes, len)) {
				json_t *encoded = base64_string(bytes, len);

				snprintf(alt, sizeof(alt), "%s_base64", f->name);
				put_key(o, alt, &first);
				if (encoded == NULL)
					o->failed = 1;
				else
					put_string(o, json_string_value(encoded),
						   json_string_length(encoded));
				json_decref(encoded);
			} else {
				put_key(o, f->name, &first);
				put_string(o, len > 0 ? (const char *)bytes : "", len);
			}
			continue;
		}
		put_key(o, f->name, &first);
		format_value(o, f, base);
	}
	put_c(o, '}');
}

int yb_json_format(const yb_record *record, yb_buf *buf)
{
	const yb_record_desc *desc = yb_record_desc_of(record->type);
	out o = {.buf = buf};
	size_t start = buf->len;

	if (desc == NULL)
		return YB_EINVAL;
	format_record(&o, desc, yb_record_body_const(record), desc->name);
	if (o.failed) {
		buf->len = start;
		return o.failed == 2 ? YB_ENOMEM : YB_EINVAL;
	}
	return YB_OK;
}

int yb_json_write_line(const yb_record *record, yb_buf *scratch, FILE *stream)
{
	yb_buf own = {0};
	yb_buf *buf = scratch != NULL ? scratch : &own;
	int rc;

	buf->len = 0;
	rc = yb_json_format(record, buf);
	if (rc == YB_OK &&
	    (fwrite(buf->data, 1, buf->len, stream) != buf->len || fputc('\n', stream) == EOF))
		rc = YB_EIO;
	yb_buf_free(&own);
	return rc;
}
