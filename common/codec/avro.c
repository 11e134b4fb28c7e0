/*
 * Single-object Avro codec over the generated record tables; see avro.h.
 *
 * A writer schema is parsed once into a tree of nodes (wnode), and each record node is
 * resolved against the reader's record descriptor: for every writer field, the reader field
 * it fills or NULL to skip it; for every reader field the writer lacks, its default. Decoding
 * then walks the writer's tree over the bytes, which is what Avro resolution means.
 */
#include "codec/avro.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "codec/canonical.h"
#include "codec/schemas.h"
#include "base/date.h"
#include "base/error.h"

#define MAX_PATH        16
#define MAX_NAMED       64
#define MAX_PARSE_DEPTH 32

typedef enum wkind {
	W_NULL,
	W_BOOLEAN,
	W_INT,
	W_LONG,
	W_FLOAT,
	W_DOUBLE,
	W_BYTES,
	W_STRING,
	W_RECORD,
	W_ENUM,
	W_ARRAY,
	W_MAP,
	W_UNION,
	W_FIXED,
} wkind;

typedef struct wnode wnode;
struct wnode {
	wkind kind;
	char *name;         /* record: its full name */
	size_t n;           /* record fields, union branches, enum symbols, fixed size */
	wnode **children;   /* record field types, union branches; [0] items or values */
	char **field_names; /* record */
	/* Record resolved against a reader: */
	const yb_record_desc *reader;
	const yb_field_desc **targets;  /* per writer field: the reader field, or NULL */
	const yb_field_desc **defaults; /* reader fields the writer lacks that have defaults */
	size_t default_count;
};

typedef struct writer {
	uint64_t fingerprint;
	const yb_record_desc *reader;
	wnode *root;
} writer;

struct yb_avro {
	writer *writers;
	size_t count, cap;
};

/* --- writer schema parsing ------------------------------------------------------------ */

typedef struct parse_ctx {
	const char *names[MAX_NAMED];
	const json_t *defs[MAX_NAMED];
	int named;
	char *errstr;
	size_t errlen;
} parse_ctx;

static void node_free(wnode *w)
{
	size_t children;

	if (w == NULL)
		return;
	/* Records and unions have n children; arrays and maps one (items, values). */
	children = w->kind == W_RECORD || w->kind == W_UNION ? w->n
		   : w->kind == W_ARRAY || w->kind == W_MAP  ? 1
							     : 0;
	for (size_t i = 0; i < children && w->children != NULL; i++)
		node_free(w->children[i]);
	if (w->field_names != NULL) {
		for (size_t i = 0; i < w->n; i++)
			free(w->field_names[i]);
	}
	free(w->children);
	free(w->field_names);
	free(w->targets);
	free(w->defaults);
	free(w->name);
	free(w);
}

static wnode *node_new(wkind kind)
{
	wnode *w = calloc(1, sizeof(*w));

	if (w != NULL)
		w->kind = kind;
	return w;
}

static int primitive_kind(const char *s, wkind *kind)
{
	static const struct {
		const char *name;
		wkind kind;
	} prims[] = {{"null", W_NULL},   {"boolean", W_BOOLEAN}, {"int", W_INT},
		     {"long", W_LONG},   {"float", W_FLOAT},     {"double", W_DOUBLE},
		     {"bytes", W_BYTES}, {"string", W_STRING}};

	for (size_t i = 0; i < sizeof(prims) / sizeof(prims[0]); i++) {
		if (strcmp(s, prims[i].name) == 0) {
			*kind = prims[i].kind;
			return 1;
		}
	}
	return 0;
}

/* The full name of a named type given its name and the enclosing namespace. */
static void full_name(const json_t *def, const char *ns, char *out, size_t len)
{
	const char *name = json_string_value(json_object_get(def, "name"));
	const char *own_ns = json_string_value(json_object_get(def, "namespace"));

	const char *space = NULL; /* the namespace that applies, if any */

	if (name == NULL)
		name = "";
	if (strchr(name, '.') == NULL) {
		if (own_ns != NULL)
			space = own_ns; /* "" is the null namespace */
		else
			space = ns;
	}
	if (space != NULL && *space != '\0')
		snprintf(out, len, "%s.%s", space, name);
	else
		snprintf(out, len, "%s", name);
}

static wnode *parse_node(parse_ctx *ctx, const json_t *schema, const char *ns, int depth);

static wnode *parse_reference(parse_ctx *ctx, const char *ref, const char *ns, int depth)
{
	char qualified[256];

	snprintf(qualified, sizeof(qualified), "%s%s%s", ns != NULL ? ns : "",
		 ns != NULL && *ns != '\0' ? "." : "", ref);
	for (int i = ctx->named - 1; i >= 0; i--) {
		if (strcmp(ctx->names[i], ref) == 0 || strcmp(ctx->names[i], qualified) == 0) {
			/* A fresh copy: each use may resolve against a different reader. */
			return parse_node(ctx, ctx->defs[i], ns, depth + 1);
		}
	}
	snprintf(ctx->errstr, ctx->errlen, "unknown type '%s'", ref);
	return NULL;
}

static wnode *parse_record(parse_ctx *ctx, const json_t *schema, const char *ns, int depth)
{
	const json_t *fields = json_object_get(schema, "fields");
	char full[256], record_ns[256];
	wnode *w;
	const json_t *field;
	size_t i;

	full_name(schema, ns, full, sizeof(full));
	if (!json_is_array(fields) || *full == '\0') {
		snprintf(ctx->errstr, ctx->errlen, "record without name or fields");
		return NULL;
	}
	/* Register before the fields, as Avro does; references to it re-parse its text. */
	if (ctx->named < MAX_NAMED) {
		ctx->names[ctx->named] = json_string_value(json_object_get(schema, "name"));
		ctx->defs[ctx->named++] = schema;
	}
	snprintf(record_ns, sizeof(record_ns), "%.*s",
		 (int)(strrchr(full, '.') != NULL ? strrchr(full, '.') - full : 0), full);
	w = node_new(W_RECORD);
	if (w == NULL)
		goto nomem;
	w->name = strdup(full);
	w->n = json_array_size(fields);
	w->children = calloc(w->n + 1, sizeof(*w->children));
	w->field_names = calloc(w->n + 1, sizeof(*w->field_names));
	if (w->name == NULL || w->children == NULL || w->field_names == NULL)
		goto nomem;
	json_array_foreach (fields, i, field) {
		const char *name = json_string_value(json_object_get(field, "name"));

		if (name == NULL) {
			snprintf(ctx->errstr, ctx->errlen, "%s: a field without a name", full);
			node_free(w);
			return NULL;
		}
		w->field_names[i] = strdup(name);
		if (w->field_names[i] == NULL)
			goto nomem;
		w->children[i] =
		    parse_node(ctx, json_object_get(field, "type"), record_ns, depth + 1);
		if (w->children[i] == NULL) {
			node_free(w);
			return NULL;
		}
	}
	return w;
nomem:
	node_free(w);
	snprintf(ctx->errstr, ctx->errlen, "out of memory");
	return NULL;
}

static wnode *parse_node(parse_ctx *ctx, const json_t *schema, const char *ns, int depth)
{
	const char *type;
	wkind kind;
	wnode *w;

	if (depth > MAX_PARSE_DEPTH) {
		snprintf(ctx->errstr, ctx->errlen, "schema nested too deeply (recursive?)");
		return NULL;
	}
	if (json_is_string(schema)) {
		if (primitive_kind(json_string_value(schema), &kind))
			return node_new(kind);
		return parse_reference(ctx, json_string_value(schema), ns, depth);
	}
	if (json_is_array(schema)) {
		size_t i;
		const json_t *branch;

		w = node_new(W_UNION);
		if (w == NULL)
			return NULL;
		w->n = json_array_size(schema);
		w->children = calloc(w->n + 1, sizeof(*w->children));
		if (w->children == NULL) {
			node_free(w);
			return NULL;
		}
		json_array_foreach (schema, i, branch) {
			w->children[i] = parse_node(ctx, branch, ns, depth + 1);
			if (w->children[i] == NULL) {
				node_free(w);
				return NULL;
			}
		}
		return w;
	}
	type = json_string_value(json_object_get(schema, "type"));
	if (type == NULL) {
		if (json_is_object(schema) && json_object_get(schema, "type") != NULL)
			return parse_node(ctx, json_object_get(schema, "type"), ns, depth + 1);
		snprintf(ctx->errstr, ctx->errlen, "a schema without a type");
		return NULL;
	}
	if (primitive_kind(type, &kind))
		return node_new(kind);
	if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0)
		return parse_record(ctx, schema, ns, depth);
	if (strcmp(type, "enum") == 0 || strcmp(type, "fixed") == 0) {
		char full[256];

		w = node_new(strcmp(type, "enum") == 0 ? W_ENUM : W_FIXED);
		if (w == NULL)
			return NULL;
		if (w->kind == W_ENUM)
			w->n = json_array_size(json_object_get(schema, "symbols"));
		else
			w->n = (size_t)json_integer_value(json_object_get(schema, "size"));
		full_name(schema, ns, full, sizeof(full));
		if (ctx->named < MAX_NAMED) {
			ctx->names[ctx->named] = json_string_value(json_object_get(schema, "name"));
			ctx->defs[ctx->named++] = schema;
		}
		return w;
	}
	if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
		w = node_new(strcmp(type, "array") == 0 ? W_ARRAY : W_MAP);
		if (w == NULL)
			return NULL;
		w->children = calloc(1, sizeof(*w->children));
		if (w->children == NULL) {
			node_free(w);
			return NULL;
		}
		w->children[0] = parse_node(
		    ctx, json_object_get(schema, w->kind == W_ARRAY ? "items" : "values"), ns,
		    depth + 1);
		if (w->children[0] == NULL) {
			node_free(w);
			return NULL;
		}
		return w;
	}
	return parse_reference(ctx, type, ns, depth);
}

/* --- resolution ---------------------------------------------------------------------- */

static int resolve_record(wnode *w, const yb_record_desc *reader, char *errstr, size_t errlen);

/* Can a value written as w be read into reader field f? Resolves nested records. */
static int resolve_value(const wnode *w, const yb_field_desc *f, const char *record, char *errstr,
			 size_t errlen)
{
	int ok = 0;

	switch (f->kind) {
	case YB_FIELD_STRING:
	case YB_FIELD_BYTES:
		ok = w->kind == W_STRING || w->kind == W_BYTES;
		break;
	case YB_FIELD_BOOL:
		ok = w->kind == W_BOOLEAN;
		break;
	case YB_FIELD_INT:
	case YB_FIELD_DATE:
		ok = w->kind == W_INT;
		break;
	case YB_FIELD_LONG:
	case YB_FIELD_MONEY:
	case YB_FIELD_TIME:
		ok = w->kind == W_INT || w->kind == W_LONG;
		break;
	case YB_FIELD_STRING_ARRAY:
		ok = w->kind == W_ARRAY &&
		     (w->children[0]->kind == W_STRING || w->children[0]->kind == W_BYTES);
		break;
	case YB_FIELD_LONG_MAP:
		ok = w->kind == W_MAP &&
		     (w->children[0]->kind == W_INT || w->children[0]->kind == W_LONG);
		break;
	case YB_FIELD_RECORD_ARRAY:
		if (w->kind == W_ARRAY && w->children[0]->kind == W_RECORD)
			return resolve_record(w->children[0], f->elem, errstr, errlen);
		break;
	}
	if (!ok)
		snprintf(errstr, errlen, "%s.%s: the writer's type cannot be read as the reader's",
			 record, f->name);
	return ok ? YB_OK : YB_EINVAL;
}

static int resolve_field(wnode *w, const yb_field_desc *f, const char *record, char *errstr,
			 size_t errlen)
{
	if (w->kind != W_UNION)
		return resolve_value(w, f, record, errstr, errlen);
	/* Every non-null branch must be readable; a null branch needs an optional reader. */
	for (size_t i = 0; i < w->n; i++) {
		int err;

		if (w->children[i]->kind == W_NULL)
			continue;
		err = resolve_value(w->children[i], f, record, errstr, errlen);
		if (err != YB_OK)
			return err;
	}
	return YB_OK;
}

/* Avro matches records by unqualified name. */
static const char *short_name(const char *full)
{
	const char *dot;

	if (full == NULL)
		return "";
	dot = strrchr(full, '.');

	return dot != NULL ? dot + 1 : full;
}

static int resolve_record(wnode *w, const yb_record_desc *reader, char *errstr, size_t errlen)
{
	size_t defaults = 0;

	if (strcmp(short_name(w->name), short_name(reader->full_name)) != 0) {
		snprintf(errstr, errlen, "writer record %s cannot be read as %s", w->name,
			 reader->full_name);
		return YB_EINVAL;
	}
	w->reader = reader;
	w->targets = calloc(w->n + 1, sizeof(*w->targets));
	w->defaults = calloc(reader->field_count + 1, sizeof(*w->defaults));
	if (w->targets == NULL || w->defaults == NULL)
		return YB_ENOMEM;
	for (size_t i = 0; i < w->n; i++) {
		for (size_t j = 0; j < reader->field_count; j++) {
			if (strcmp(w->field_names[i], reader->fields[j].name) == 0) {
				int err = resolve_field(w->children[i], &reader->fields[j],
							reader->name, errstr, errlen);

				if (err != YB_OK)
					return err;
				w->targets[i] = &reader->fields[j];
			}
		}
	}
	for (size_t j = 0; j < reader->field_count; j++) {
		const yb_field_desc *f = &reader->fields[j];
		int written = 0;

		for (size_t i = 0; i < w->n; i++)
			written |= w->targets[i] == f;
		if (written || f->optional)
			continue;
		if (!f->has_default) {
			snprintf(errstr, errlen,
				 "%s.%s: the writer lacks it and the reader has no default",
				 reader->name, f->name);
			return YB_EINVAL;
		}
		w->defaults[defaults++] = f;
	}
	w->default_count = defaults;
	return YB_OK;
}

static int add_writer(yb_avro *avro, const json_t *schema, char *errstr, size_t errlen)
{
	parse_ctx ctx = {.errstr = errstr, .errlen = errlen};
	const yb_record_desc *reader = NULL;
	char *canonical = NULL;
	wnode *root;
	int err;

	if (yb_avro_canonical_form(&canonical, schema, errstr, errlen) != YB_OK)
		return YB_EINVAL;
	root = parse_node(&ctx, schema, NULL, 0);
	if (root == NULL) {
		free(canonical);
		return YB_EINVAL;
	}
	if (root->kind != W_RECORD) {
		snprintf(errstr, errlen, "a writer schema must be a record");
		err = YB_EINVAL;
		goto out;
	}
	for (int t = 0; t < YB_RECORD_TYPE_COUNT; t++) {
		const yb_record_desc *d = yb_record_desc_of((yb_record_type)t);

		if (strcmp(short_name(d->full_name), short_name(root->name)) == 0)
			reader = d;
	}
	if (reader == NULL) {
		snprintf(errstr, errlen, "writer record %s is no record of the contract",
			 root->name);
		err = YB_EINVAL;
		goto out;
	}
	err = resolve_record(root, reader, errstr, errlen);
	if (err != YB_OK)
		goto out;
	if (avro->count == avro->cap) {
		size_t cap = avro->cap == 0 ? 16 : avro->cap * 2;
		writer *grown = realloc(avro->writers, cap * sizeof(*grown));

		if (grown == NULL) {
			err = YB_ENOMEM;
			goto out;
		}
		avro->writers = grown;
		avro->cap = cap;
	}
	avro->writers[avro->count].fingerprint = yb_avro_crc64(canonical, strlen(canonical));
	avro->writers[avro->count].reader = reader;
	avro->writers[avro->count++].root = root;
	root = NULL;
out:
	node_free(root);
	free(canonical);
	return err;
}

int yb_avro_new(yb_avro **out, char *errstr, size_t errlen)
{
	yb_avro *avro;
	const yb_schema_info *schemas;
	size_t count;

	*out = NULL;
	avro = calloc(1, sizeof(*avro));
	if (avro == NULL)
		return YB_ENOMEM;
	for (int pass = 0; pass < 2; pass++) {
		/* The current schemas, then the earlier versions messages may still carry. */
		schemas = pass == 0 ? yb_schemas_all(&count) : yb_schemas_previous(&count);
		for (size_t i = 0; i < count; i++) {
			int err = yb_avro_add_writer(avro, schemas[i].json, errstr, errlen);

			if (err != YB_OK) {
				yb_avro_destroy(avro);
				return err;
			}
		}
	}
	*out = avro;
	return YB_OK;
}

int yb_avro_add_writer(yb_avro *avro, const char *schema_json, char *errstr, size_t errlen)
{
	json_error_t error;
	json_t *schema = json_loads(schema_json, JSON_DECODE_ANY, &error);
	int err;

	if (schema == NULL) {
		snprintf(errstr, errlen, "writer schema is not JSON: %s", error.text);
		return YB_EINVAL;
	}
	err = add_writer(avro, schema, errstr, errlen);
	json_decref(schema);
	return err;
}

void yb_avro_destroy(yb_avro *avro)
{
	if (avro == NULL)
		return;
	for (size_t i = 0; i < avro->count; i++)
		node_free(avro->writers[i].root);
	free(avro->writers);
	free(avro);
}

/* --- decoding ------------------------------------------------------------------------ */

typedef struct rd {
	const uint8_t *p, *end;
	yb_arena *arena;
	const char *path[MAX_PATH];
	int depth;
	char *errstr;
	size_t errlen;
} rd;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(rd *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yb_record_verror(r->errstr, r->errlen, r->path, r->depth < MAX_PATH ? r->depth : MAX_PATH,
			 fmt, ap);
	va_end(ap);
	return YB_EPARSE;
}

/* The arena is full: not the message's fault (a smaller batch takes it), so not YB_EPARSE. */
static int full(rd *r)
{
	fail(r, "the record is larger than its buffer");
	return YB_ENOMEM;
}

static int push(rd *r, const char *name)
{
	if (r->depth >= MAX_PATH)
		return fail(r, "nested too deeply");
	r->path[r->depth++] = name;
	return YB_OK;
}

static int read_long(rd *r, int64_t *out)
{
	uint64_t value = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (r->p >= r->end)
			return fail(r, "truncated: the data ends inside a number");
		b = *r->p++;
		if (shift == 63 && (b & 0x7e) != 0)
			return fail(r, "a number longer than 64 bits");
		value |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*out = (int64_t)(value >> 1) ^ -(int64_t)(value & 1);
			return YB_OK;
		}
	}
	return fail(r, "a number longer than 64 bits");
}

static int read_int(rd *r, int32_t *out)
{
	int64_t v = 0;
	int err = read_long(r, &v);

	if (err != YB_OK)
		return err;
	if (v < INT32_MIN || v > INT32_MAX)
		return fail(r, "%" PRId64 " does not fit an int", v);
	*out = (int32_t)v;
	return YB_OK;
}

/* A byte length, checked against what remains and against limit (a string's or bytes'). */
static int read_length_within(rd *r, size_t *len, int64_t limit)
{
	int64_t v = 0;
	int err = read_long(r, &v);

	if (err != YB_OK)
		return err;
	if (v < 0)
		return fail(r, "negative length %" PRId64, v);
	if (v > limit)
		return fail(r, "%" PRId64 " bytes, over the limit of %" PRId64, v, limit);
	if ((uint64_t)v > (uint64_t)(r->end - r->p))
		return fail(r, "truncated: %" PRId64 " bytes announced, %td left", v,
			    r->end - r->p);
	*len = (size_t)v;
	return YB_OK;
}

static int read_length(rd *r, size_t *len)
{
	return read_length_within(r, len, YB_RECORD_MAX_STRING);
}

static int skip_bytes(rd *r, size_t n)
{
	if (n > (size_t)(r->end - r->p))
		return fail(r, "truncated");
	r->p += n;
	return YB_OK;
}

/* Read a string or bytes value into the arena, NUL-terminated; text: must be UTF-8. */
static int read_text(rd *r, int text, const char **out, size_t *out_len)
{
	size_t len = 0;
	char *copy;
	int err = read_length_within(r, &len, text ? YB_RECORD_MAX_STRING : YB_RECORD_MAX_BYTES);

	if (err != YB_OK)
		return err;
	if (text && !yb_utf8_valid(r->p, len))
		return fail(r, "not UTF-8 text (or contains NUL)");
	copy = yb_arena_alloc(r->arena, len + 1);
	if (copy == NULL)
		return full(r);
	memcpy(copy, r->p, len);
	copy[len] = '\0';
	r->p += len;
	*out = copy;
	if (out_len != NULL)
		*out_len = len;
	return YB_OK;
}

/* A block count of an array or map; 0 ends it. Checked against the item limit. */
static int read_block(rd *r, size_t so_far, size_t *count)
{
	int64_t n = 0;
	int err = read_long(r, &n);

	if (err != YB_OK)
		return err;
	if (n < 0) {
		int64_t size;

		if (n == INT64_MIN)
			return fail(r, "invalid block count");
		n = -n;
		err = read_long(r, &size); /* the block's byte size: a hint we do not need */
		if (err != YB_OK)
			return err;
	}
	if ((uint64_t)n > YB_RECORD_MAX_ITEMS - so_far)
		return fail(r, "more than %d items", YB_RECORD_MAX_ITEMS);
	*count = (size_t)n;
	return YB_OK;
}

static int skip_value(rd *r, const wnode *w, int depth);

static int skip_items(rd *r, const wnode *item, int is_map, int depth)
{
	size_t total = 0, n = 0;
	int err;

	while ((err = read_block(r, total, &n)) == YB_OK && n > 0) {
		total += n;
		for (size_t i = 0; i < n; i++) {
			size_t len = 0;

			if (is_map && ((err = read_length(r, &len)) != YB_OK ||
				       (err = skip_bytes(r, len)) != YB_OK))
				return err;
			err = skip_value(r, item, depth + 1);
			if (err != YB_OK)
				return err;
		}
	}
	return err;
}

static int skip_value(rd *r, const wnode *w, int depth)
{
	int64_t v = 0;
	size_t len = 0;
	int err;

	if (depth > YB_RECORD_MAX_DEPTH * 4)
		return fail(r, "nested too deeply");
	switch (w->kind) {
	case W_NULL:
		return YB_OK;
	case W_BOOLEAN:
		return skip_bytes(r, 1);
	case W_INT:
	case W_LONG:
	case W_ENUM:
		return read_long(r, &v);
	case W_FLOAT:
		return skip_bytes(r, 4);
	case W_DOUBLE:
		return skip_bytes(r, 8);
	case W_FIXED:
		return skip_bytes(r, w->n);
	case W_BYTES:
	case W_STRING:
		err = read_length_within(
		    r, &len, w->kind == W_BYTES ? YB_RECORD_MAX_BYTES : YB_RECORD_MAX_STRING);
		return err != YB_OK ? err : skip_bytes(r, len);
	case W_RECORD:
		for (size_t i = 0; i < w->n; i++) {
			err = skip_value(r, w->children[i], depth + 1);
			if (err != YB_OK)
				return err;
		}
		return YB_OK;
	case W_ARRAY:
	case W_MAP:
		return skip_items(r, w->children[0], w->kind == W_MAP, depth);
	case W_UNION:
		err = read_long(r, &v);
		if (err != YB_OK)
			return err;
		if (v < 0 || (uint64_t)v >= w->n)
			return fail(r, "union branch %" PRId64 " does not exist", v);
		return skip_value(r, w->children[v], depth + 1);
	}
	return fail(r, "unknown writer type");
}

static int read_record(rd *r, const wnode *w, char *base, int depth);

/* Grow an array in the arena by n elements of size; old elements copied. */
static void *grow(rd *r, void *old, size_t count, size_t n, size_t size)
{
	void *p;

	if (count == 0 && n == 0)
		return yb_arena_alloc(r->arena, 0);
	p = yb_arena_alloc(r->arena, (count + n) * size);
	if (p != NULL && count > 0)
		memcpy(p, old, count * size);
	return p;
}

static int read_array(rd *r, const wnode *w, const yb_field_desc *f, char *base, int depth)
{
	const wnode *item = w->children[0];
	size_t total = 0, n = 0, size;
	void *elems = NULL;
	int err;

	size = f->kind == YB_FIELD_STRING_ARRAY ? sizeof(char *)
	       : f->kind == YB_FIELD_LONG_MAP   ? sizeof(yb_long_entry)
						: f->elem->size;
	elems = grow(r, NULL, 0, 0, size);
	if (elems == NULL)
		return full(r);
	while ((err = read_block(r, total, &n)) == YB_OK && n > 0) {
		elems = grow(r, elems, total, n, size);
		if (elems == NULL)
			return full(r);
		for (size_t i = 0; i < n; i++) {
			char *elem = (char *)elems + (total + i) * size;

			if (f->kind == YB_FIELD_STRING_ARRAY) {
				err = read_text(r, 1, (const char **)elem, NULL);
			} else if (f->kind == YB_FIELD_LONG_MAP) {
				yb_long_entry *e = (yb_long_entry *)(void *)elem;

				err = read_text(r, 1, &e->key, NULL);
				if (err == YB_OK)
					err = read_long(r, &e->value);
				/* Keys must differ: JSON and the accumulators have one
				 * value per key. */
				if (err == YB_OK && total + i >= YB_RECORD_MAX_MAP)
					return fail(r, "more than %d map entries",
						    YB_RECORD_MAX_MAP);
				for (size_t k = 0; err == YB_OK && k < total + i; k++) {
					const yb_long_entry *o =
					    (const yb_long_entry *)(const void *)((char *)elems +
										  k * size);

					if (strcmp(o->key, e->key) == 0)
						return fail(r, "map key \"%s\" repeated", e->key);
				}
			} else {
				memset(elem, 0, size);
				err = read_record(r, item, elem, depth + 1);
			}
			if (err != YB_OK)
				return err;
		}
		total += n;
	}
	if (err != YB_OK)
		return err;
	memcpy(base + f->offset, &elems, sizeof(elems));
	*(uint32_t *)(void *)(base + f->count_offset) = (uint32_t)total;
	return YB_OK;
}

/* Read a non-union writer value into reader field f of the struct at base. */
static int read_value(rd *r, const wnode *w, const yb_field_desc *f, char *base, int depth)
{
	char *at = base + f->offset;
	int64_t v = 0;
	int32_t i32 = 0;
	int err;

	switch (f->kind) {
	case YB_FIELD_STRING:
		err = read_text(r, 1, (const char **)(void *)at, NULL);
		break;
	case YB_FIELD_BYTES: {
		size_t len = 0;

		err = read_text(r, 0, (const char **)(void *)at, &len);
		if (err == YB_OK)
			*(uint32_t *)(void *)(base + f->count_offset) = (uint32_t)len;
		break;
	}
	case YB_FIELD_BOOL:
		if (r->p >= r->end)
			return fail(r, "truncated");
		if (*r->p > 1)
			return fail(r, "a boolean byte of %u", *r->p);
		*(bool *)(void *)at = *r->p++ == 1;
		err = YB_OK;
		break;
	case YB_FIELD_INT:
	case YB_FIELD_DATE:
		err = read_int(r, &i32);
		if (err != YB_OK)
			return err;
		if (f->kind == YB_FIELD_DATE && (i32 < YB_DATE_MIN || i32 > YB_DATE_MAX))
			return fail(r, "date %d is outside the years 1 to 9999", i32);
		*(int32_t *)(void *)at = i32;
		break;
	case YB_FIELD_LONG:
	case YB_FIELD_TIME:
	case YB_FIELD_MONEY:
		err = read_long(r, &v);
		if (err != YB_OK)
			return err;
		if (w->kind == W_INT && (v < INT32_MIN || v > INT32_MAX))
			return fail(r, "%" PRId64 " does not fit an int", v);
		if (f->kind == YB_FIELD_TIME && (v < YB_INSTANT_MIN || v > YB_INSTANT_MAX))
			return fail(r, "time %" PRId64 " is outside the years 1 to 9999", v);
		if (f->kind == YB_FIELD_MONEY && (v < 0 || v > YB_RECORD_MAX_FEN))
			return fail(r, "money %" PRId64 " fen is outside 0..%" PRId64, v,
				    YB_RECORD_MAX_FEN);
		*(int64_t *)(void *)at = v;
		break;
	case YB_FIELD_STRING_ARRAY:
	case YB_FIELD_RECORD_ARRAY:
	case YB_FIELD_LONG_MAP:
		err = read_array(r, w, f, base, depth);
		break;
	default:
		return fail(r, "unknown field kind");
	}
	if (err == YB_OK && f->has_offset != YB_NO_OFFSET)
		*(bool *)(void *)(base + f->has_offset) = true;
	return err;
}

static int read_field(rd *r, const wnode *w, const yb_field_desc *f, char *base, int depth)
{
	if (w->kind == W_UNION) {
		int64_t branch = 0;
		int err = read_long(r, &branch);

		if (err != YB_OK)
			return err;
		if (branch < 0 || (uint64_t)branch >= w->n)
			return fail(r, "union branch %" PRId64 " does not exist", branch);
		w = w->children[branch];
		if (w->kind == W_NULL) {
			if (!f->optional)
				return fail(r, "required, but null");
			return YB_OK; /* the struct was zeroed: absent */
		}
	}
	return read_value(r, w, f, base, depth);
}

static void apply_default(const yb_field_desc *f, char *base)
{
	char *at = base + f->offset;

	switch (f->kind) {
	case YB_FIELD_STRING:
		*(const char **)(void *)at = f->default_str != NULL ? f->default_str : "";
		break;
	case YB_FIELD_BOOL:
		*(bool *)(void *)at = f->default_int != 0;
		break;
	case YB_FIELD_INT:
	case YB_FIELD_DATE:
		*(int32_t *)(void *)at = (int32_t)f->default_int;
		break;
	case YB_FIELD_LONG:
	case YB_FIELD_TIME:
	case YB_FIELD_MONEY:
		*(int64_t *)(void *)at = f->default_int;
		break;
	default: /* bytes, arrays and maps default to empty: already zero */
		break;
	}
}

static int read_record(rd *r, const wnode *w, char *base, int depth)
{
	if (depth > YB_RECORD_MAX_DEPTH)
		return fail(r, "nested too deeply");
	for (size_t i = 0; i < w->n; i++) {
		int err;

		if (w->targets[i] == NULL) {
			err = skip_value(r, w->children[i], depth + 1);
		} else {
			err = push(r, w->targets[i]->name);
			if (err == YB_OK)
				err = read_field(r, w->children[i], w->targets[i], base, depth);
			r->depth--;
		}
		if (err != YB_OK)
			return err;
	}
	for (size_t i = 0; i < w->default_count; i++)
		apply_default(w->defaults[i], base);
	return YB_OK;
}

uint64_t yb_avro_fingerprint_of(const void *data, size_t len)
{
	const uint8_t *p = data;

	if (len < YB_AVRO_HEADER_LEN || p[0] != 0xc3 || p[1] != 0x01)
		return 0;
	return yb_le64_get(p + 2);
}

int yb_avro_decode(const yb_avro *avro, const void *data, size_t len, yb_arena *arena,
		   yb_record *out, char *errstr, size_t errlen)
{
	const uint8_t *p = data;
	const writer *w = NULL;
	uint64_t fp;
	rd r = {.arena = arena, .errstr = errstr, .errlen = errlen};
	int err;

	if (len < 2 || p[0] != 0xc3 || p[1] != 0x01) {
		snprintf(errstr, errlen, "not an Avro single-object message (no C3 01 marker)");
		return YB_EPARSE;
	}
	if (len < YB_AVRO_HEADER_LEN) {
		snprintf(errstr, errlen, "truncated: %zu bytes, shorter than the header", len);
		return YB_EPARSE;
	}
	fp = yb_avro_fingerprint_of(data, len);
	for (size_t i = 0; i < avro->count; i++) {
		if (avro->writers[i].fingerprint == fp)
			w = &avro->writers[i];
	}
	if (w == NULL) {
		snprintf(errstr, errlen, "unknown writer schema (fingerprint %016" PRIx64 ")", fp);
		return YB_EPARSE;
	}
	memset(out, 0, sizeof(*out));
	out->type = (yb_record_type)w->reader->type;
	r.p = p + YB_AVRO_HEADER_LEN;
	r.end = p + len;
	r.path[r.depth++] = w->reader->name;
	err = read_record(&r, w->root, yb_record_body(out), 0);
	if (err != YB_OK)
		return err;
	if (r.p != r.end) {
		r.depth = 1;
		return fail(&r, "%td bytes after the end of the record", r.end - r.p);
	}
	return YB_OK;
}

/* --- encoding ------------------------------------------------------------------------ */

typedef struct wr {
	yb_buf *buf;
	const char *path[MAX_PATH];
	int depth;
	char *errstr;
	size_t errlen;
	int err;
} wr;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
wfail_path(wr *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yb_record_verror(w->errstr, w->errlen, w->path, w->depth < MAX_PATH ? w->depth : MAX_PATH,
			 fmt, ap);
	va_end(ap);
}

static void wfail(wr *w, const char *problem)
{
	if (w->err != YB_OK)
		return;
	w->err = YB_EINVAL;
	wfail_path(w, "%s", problem);
}

static void put(wr *w, const void *data, size_t len)
{
	yb_buf *b = w->buf;

	if (w->err != YB_OK || len == 0)
		return;
	if (yb_buf_reserve(b, len) != 0) {
		w->err = YB_ENOMEM;
		snprintf(w->errstr, w->errlen, "out of memory");
		return;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void put_long(wr *w, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	uint8_t bytes[10];
	size_t n = 0;

	while (z >= 0x80) {
		bytes[n++] = (uint8_t)(z | 0x80);
		z >>= 7;
	}
	bytes[n++] = (uint8_t)z;
	put(w, bytes, n);
}

static void put_text_within(wr *w, const char *s, size_t len, size_t limit)
{
	if (len > limit) {
		char problem[96];

		snprintf(problem, sizeof(problem), "%zu bytes, over the limit of %zu", len, limit);
		wfail(w, problem);
		return;
	}
	put_long(w, (int64_t)len);
	put(w, s, len);
}

static void put_text(wr *w, const char *s, size_t len)
{
	put_text_within(w, s, len, YB_RECORD_MAX_STRING);
}

static void write_record(wr *w, const yb_record_desc *desc, const char *base);

static void write_value(wr *w, const yb_field_desc *f, const char *base)
{
	const char *at = base + f->offset;
	uint32_t count = f->count_offset != YB_NO_OFFSET
			     ? *(const uint32_t *)(const void *)(base + f->count_offset)
			     : 0;
	int64_t v = 0;

	switch (f->kind) {
	case YB_FIELD_STRING: {
		const char *s = *(const char *const *)(const void *)at;

		if (s == NULL)
			wfail(w, "required, but missing");
		else
			put_text(w, s, strlen(s));
		break;
	}
	case YB_FIELD_BYTES:
		put_text_within(w, *(const char *const *)(const void *)at, count,
				YB_RECORD_MAX_BYTES);
		break;
	case YB_FIELD_BOOL: {
		uint8_t b = *(const bool *)(const void *)at ? 1 : 0;

		put(w, &b, 1);
		break;
	}
	case YB_FIELD_INT:
	case YB_FIELD_DATE:
		put_long(w, *(const int32_t *)(const void *)at);
		break;
	case YB_FIELD_MONEY:
	case YB_FIELD_LONG:
	case YB_FIELD_TIME:
		v = *(const int64_t *)(const void *)at;
		if (f->kind == YB_FIELD_MONEY && (v < 0 || v > YB_RECORD_MAX_FEN))
			wfail(w, "money outside 0..10^13 fen");
		put_long(w, v);
		break;
	case YB_FIELD_STRING_ARRAY:
	case YB_FIELD_RECORD_ARRAY:
	case YB_FIELD_LONG_MAP: {
		const char *elems = *(const char *const *)(const void *)at;

		if (count > YB_RECORD_MAX_ITEMS) {
			wfail(w, "more items than the limit");
			break;
		}
		if (count > 0) {
			put_long(w, count);
			for (uint32_t i = 0; i < count; i++) {
				if (f->kind == YB_FIELD_STRING_ARRAY) {
					const char *s =
					    ((const char *const *)(const void *)elems)[i];

					if (s == NULL)
						wfail(w, "an array holds NULL");
					else
						put_text(w, s, strlen(s));
				} else if (f->kind == YB_FIELD_LONG_MAP) {
					const yb_long_entry *e =
					    &((const yb_long_entry *)(const void *)elems)[i];

					if (e->key == NULL)
						wfail(w, "a map key is NULL");
					else
						put_text(w, e->key, strlen(e->key));
					put_long(w, e->value);
				} else {
					write_record(w, f->elem, elems + i * f->elem->size);
				}
			}
		}
		put_long(w, 0);
		break;
	}
	}
}

static void write_record(wr *w, const yb_record_desc *desc, const char *base)
{
	for (size_t i = 0; i < desc->field_count && w->err == YB_OK; i++) {
		const yb_field_desc *f = &desc->fields[i];

		if (w->depth < MAX_PATH)
			w->path[w->depth] = f->name;
		w->depth++;
		if (f->optional) {
			int present =
			    f->has_offset != YB_NO_OFFSET
				? *(const bool *)(const void *)(base + f->has_offset)
				: *(const char *const *)(const void *)(base + f->offset) != NULL;

			put_long(w, present ? 1 : 0);
			if (present)
				write_value(w, f, base);
		} else {
			write_value(w, f, base);
		}
		w->depth--;
	}
}

int yb_avro_encode(const yb_record *record, yb_buf *buf, char *errstr, size_t errlen)
{
	const yb_record_desc *desc = yb_record_desc_of(record->type);
	const yb_schema_info *schema;
	uint8_t header[YB_AVRO_HEADER_LEN] = {0xc3, 0x01};
	wr w = {.buf = buf, .errstr = errstr, .errlen = errlen, .err = YB_OK};

	if (desc == NULL || (schema = yb_schema_by_name(desc->name)) == NULL) {
		snprintf(errstr, errlen, "unknown record type %d", (int)record->type);
		return YB_EINVAL;
	}
	yb_le64_put(header + 2, schema->fingerprint);
	buf->len = 0;
	put(&w, header, sizeof(header));
	w.path[w.depth++] = desc->name;
	write_record(&w, desc, yb_record_body_const(record));
	return w.err;
}
