/*
 * Generates the C records from the Avro schemas; see record_gen.h and codec/record.h.
 *
 * The mapping, one field at a time: string → const char *, bytes → pointer + length,
 * boolean/int/long → bool/int32_t/int64_t, a long named *_fen → yb_money, int "date" →
 * int32_t days, long "timestamp-millis" → int64_t ms, array of string or of a record →
 * pointer + count, map of long → yb_long_entry array. ["null", T] adds a has_ flag (a
 * string is simply NULL when absent). Anything else is refused, so the codecs never meet a
 * type they cannot store.
 */
#include "codec/record_gen.h"

#include <ctype.h>
#include <string.h>

#define MAX_RECORDS 64

typedef struct field_type {
	const char *kind; /* the YB_FIELD_* suffix */
	int optional;
	const json_t *record; /* RECORD_ARRAY: the element's schema */
} field_type;

typedef struct gen {
	FILE *h, *c;
	const char *path;
	const char *done[MAX_RECORDS]; /* Avro names of the records already written */
	int done_count;
	int problems;
} gen;

static const char *str(const json_t *object, const char *key)
{
	const char *s = json_string_value(json_object_get(object, key));

	return s != NULL ? s : "";
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* "TraceEntry" → "trace_entry"; "claim" stays. */
static void snake(const char *name, char *out, size_t len)
{
	size_t j = 0;

	for (size_t i = 0; name[i] != '\0' && j + 2 < len; i++) {
		if (isupper((unsigned char)name[i])) {
			if (i > 0)
				out[j++] = '_';
			out[j++] = (char)tolower((unsigned char)name[i]);
		} else {
			out[j++] = name[i];
		}
	}
	out[j] = '\0';
}

static void upper(const char *name, char *out, size_t len)
{
	size_t j = 0;

	for (; name[j] != '\0' && j + 1 < len; j++)
		out[j] = (char)toupper((unsigned char)name[j]);
	out[j] = '\0';
}

/* Classify a field's type; kind NULL when the C records cannot hold it. */
static field_type classify(const char *name, const json_t *type)
{
	field_type ft = {NULL, 0, NULL};
	const char *prim, *logical;

	if (json_is_array(type)) {
		if (json_array_size(type) != 2 ||
		    strcmp(json_string_value(json_array_get(type, 0)) != NULL
			       ? json_string_value(json_array_get(type, 0))
			       : "",
			   "null") != 0)
			return ft;
		ft = classify(name, json_array_get(type, 1));
		ft.optional = 1;
		return ft;
	}
	if (json_is_string(type)) {
		prim = json_string_value(type);
		logical = "";
	} else {
		prim = str(type, "type");
		logical = str(type, "logicalType");
	}
	if (strcmp(prim, "string") == 0)
		ft.kind = "STRING";
	else if (strcmp(prim, "bytes") == 0)
		ft.kind = "BYTES";
	else if (strcmp(prim, "boolean") == 0)
		ft.kind = "BOOL";
	else if (strcmp(prim, "int") == 0)
		ft.kind = strcmp(logical, "date") == 0 ? "DATE" : "INT";
	else if (strcmp(prim, "long") == 0)
		ft.kind = strcmp(logical, "timestamp-millis") == 0 ? "TIME"
			  : ends_with(name, "_fen")                ? "MONEY"
								   : "LONG";
	else if (strcmp(prim, "array") == 0) {
		const json_t *items = json_object_get(type, "items");

		if (json_is_string(items) && strcmp(json_string_value(items), "string") == 0)
			ft.kind = "STRING_ARRAY";
		else if (json_is_object(items) && strcmp(str(items, "type"), "record") == 0) {
			ft.kind = "RECORD_ARRAY";
			ft.record = items;
		}
	} else if (strcmp(prim, "map") == 0) {
		const json_t *values = json_object_get(type, "values");

		if (json_is_string(values) && strcmp(json_string_value(values), "long") == 0)
			ft.kind = "LONG_MAP";
	}
	return ft;
}

/* The C type name of a record: top-level records by their contract name, nested ones by
 * their Avro name. */
static void c_name(const json_t *record, const char *contract_name, char *out, size_t len)
{
	char s[96];

	snake(contract_name != NULL ? contract_name : str(record, "name"), s, sizeof(s));
	snprintf(out, len, "yb_%s", s);
}

/* Write a doc string as a C comment body, never closing the comment early. */
static void comment(FILE *out, const char *doc)
{
	for (const char *p = doc; *p != '\0'; p++) {
		if (p[0] == '*' && p[1] == '/')
			fputs("* ", out);
		else
			fputc(*p, out);
	}
}

static void gen_field_decl(gen *g, const char *name, const field_type *ft, const char *doc)
{
	FILE *h = g->h;

	fputs("\t/* ", h);
	comment(h, doc);
	fputs(" */\n", h);
	if (ft->optional && strcmp(ft->kind, "STRING") != 0)
		fprintf(h, "\tbool has_%s;\n", name);
	if (strcmp(ft->kind, "STRING") == 0)
		fprintf(h, "\tconst char *%s;\n", name);
	else if (strcmp(ft->kind, "BYTES") == 0)
		fprintf(h, "\tconst uint8_t *%s;\n\tuint32_t %s_len;\n", name, name);
	else if (strcmp(ft->kind, "BOOL") == 0)
		fprintf(h, "\tbool %s;\n", name);
	else if (strcmp(ft->kind, "INT") == 0 || strcmp(ft->kind, "DATE") == 0)
		fprintf(h, "\tint32_t %s;\n", name);
	else if (strcmp(ft->kind, "LONG") == 0 || strcmp(ft->kind, "TIME") == 0)
		fprintf(h, "\tint64_t %s;\n", name);
	else if (strcmp(ft->kind, "MONEY") == 0)
		fprintf(h, "\tyb_money %s;\n", name);
	else if (strcmp(ft->kind, "STRING_ARRAY") == 0)
		fprintf(h, "\tconst char **%s;\n\tuint32_t %s_count;\n", name, name);
	else if (strcmp(ft->kind, "LONG_MAP") == 0)
		fprintf(h, "\tyb_long_entry *%s;\n\tuint32_t %s_count;\n", name, name);
	else { /* RECORD_ARRAY */
		char elem[128];

		c_name(ft->record, NULL, elem, sizeof(elem));
		fprintf(h, "\t%s *%s;\n\tuint32_t %s_count;\n", elem, name, name);
	}
}

static void gen_field_desc(gen *g, const char *cname, const char *name, const field_type *ft,
			   const json_t *def)
{
	FILE *c = g->c;
	int counted = strcmp(ft->kind, "BYTES") == 0 || strcmp(ft->kind, "STRING_ARRAY") == 0 ||
		      strcmp(ft->kind, "RECORD_ARRAY") == 0 || strcmp(ft->kind, "LONG_MAP") == 0;

	fprintf(c, "\t{.name = \"%s\", .kind = YB_FIELD_%s, .optional = %s,\n", name, ft->kind,
		ft->optional ? "true" : "false");
	fprintf(c, "\t .offset = offsetof(%s, %s),\n", cname, name);
	if (ft->optional && strcmp(ft->kind, "STRING") != 0)
		fprintf(c, "\t .has_offset = offsetof(%s, has_%s),\n", cname, name);
	else
		fputs("\t .has_offset = YB_NO_OFFSET,\n", c);
	if (counted)
		fprintf(c, "\t .count_offset = offsetof(%s, %s_%s),\n", cname, name,
			strcmp(ft->kind, "BYTES") == 0 ? "len" : "count");
	else
		fputs("\t .count_offset = YB_NO_OFFSET,\n", c);
	if (ft->record != NULL) {
		char elem[128];

		c_name(ft->record, NULL, elem, sizeof(elem));
		fprintf(c, "\t .elem = &%s_desc,\n", elem);
	}
	if (!ft->optional && def != NULL) {
		fputs("\t .has_default = true,\n", c);
		if (json_is_integer(def))
			fprintf(c, "\t .default_int = %lld,\n", (long long)json_integer_value(def));
		else if (json_is_boolean(def))
			fprintf(c, "\t .default_int = %d,\n", json_is_true(def) ? 1 : 0);
		else if (json_is_string(def)) {
			/* Escape for a C literal: the generator's own rule, ASCII only. */
			fputs("\t .default_str = \"", c);
			for (const char *p = json_string_value(def); *p != '\0'; p++) {
				if (*p == '"' || *p == '\\')
					fputc('\\', c);
				fputc(*p, c);
			}
			fputs("\",\n", c);
		}
	}
	fputs("\t},\n", c);
}

static int field_index(const json_t *fields, const char *name)
{
	const json_t *field;
	size_t i;

	json_array_foreach (fields, i, field) {
		if (strcmp(str(field, "name"), name) == 0)
			return (int)i;
	}
	return -1;
}

static void gen_record(gen *g, const json_t *record, const char *contract_name)
{
	const json_t *fields = json_object_get(record, "fields");
	const json_t *field;
	const char *avro_name = str(record, "name");
	char cname[128], upname[128];
	size_t i;
	int key = -1, time = -1;

	for (int k = 0; k < g->done_count; k++) {
		if (strcmp(g->done[k], avro_name) == 0)
			return;
	}
	/* Nested records first: C needs them declared before use. */
	json_array_foreach (fields, i, field) {
		field_type ft = classify(str(field, "name"), json_object_get(field, "type"));

		if (ft.kind != NULL && ft.record != NULL)
			gen_record(g, ft.record, NULL);
	}
	if (g->done_count == MAX_RECORDS) {
		fprintf(stderr, "%s: more than %d records\n", g->path, MAX_RECORDS);
		g->problems++;
		return;
	}
	g->done[g->done_count++] = avro_name;
	c_name(record, contract_name, cname, sizeof(cname));

	fprintf(g->h, "/* %s: ", avro_name);
	comment(g->h, str(record, "doc"));
	fprintf(g->h, " */\ntypedef struct %s {\n", cname);
	fprintf(g->c, "static const yb_field_desc %s_fields[] = {\n", cname);
	json_array_foreach (fields, i, field) {
		const char *name = str(field, "name");
		field_type ft = classify(name, json_object_get(field, "type"));

		if (ft.kind == NULL) {
			fprintf(stderr, "%s: field '%s': a type the C records cannot hold\n",
				g->path, name);
			g->problems++;
			continue;
		}
		gen_field_decl(g, name, &ft, str(field, "doc"));
		gen_field_desc(g, cname, name, &ft, json_object_get(field, "default"));
	}
	fprintf(g->h, "} %s;\n\n", cname);
	fputs("};\n", g->c);

	if (json_object_get(record, "yb.key") != NULL) {
		key = field_index(fields, str(record, "yb.key"));
		if (key < 0) {
			fprintf(stderr, "%s: \"yb.key\" names no field\n", g->path);
			g->problems++;
		}
	}
	if (json_object_get(record, "yb.time") != NULL) {
		time = field_index(fields, str(record, "yb.time"));
		if (time < 0) {
			fprintf(stderr, "%s: \"yb.time\" names no field\n", g->path);
			g->problems++;
		}
	}
	if (contract_name != NULL)
		upper(contract_name, upname, sizeof(upname));
	fprintf(g->c,
		"static const yb_record_desc %s_desc = {\n"
		"\t.name = \"%s\",\n\t.full_name = \"%s%s%s\",\n\t.type = %s%s,\n"
		"\t.size = sizeof(%s),\n\t.fields = %s_fields,\n"
		"\t.field_count = sizeof(%s_fields) / sizeof(%s_fields[0]),\n"
		"\t.key_field = %d,\n\t.time_field = %d,\n};\n\n",
		cname, contract_name != NULL ? contract_name : avro_name, str(record, "namespace"),
		*str(record, "namespace") != '\0' ? "." : "", avro_name,
		contract_name != NULL ? "YB_RECORD_" : "", contract_name != NULL ? upname : "-1",
		cname, cname, cname, cname, key, time);
}

int yb_record_gen(FILE *header, FILE *table, json_t *const *schemas, const char *const *names,
		  const char *const *paths, int count)
{
	gen g = {.h = header, .c = table};
	char upname[128], sname[128];

	fputs("/* Generated from schemas/ by yb_schema_embed. Do not edit: edit the schema. */\n"
	      "#ifndef YB_RECORDS_H\n#define YB_RECORDS_H\n\n"
	      "#include <stdbool.h>\n#include <stdint.h>\n\n#include \"rules/money.h\"\n\n"
	      "/* One entry of an Avro map of long. */\n"
	      "typedef struct yb_long_entry {\n\tconst char *key;\n\tint64_t value;\n"
	      "} yb_long_entry;\n\n"
	      "/* The top-level record types, in the order of their names. */\n"
	      "typedef enum yb_record_type {\n",
	      header);
	for (int i = 0; i < count; i++) {
		upper(names[i], upname, sizeof(upname));
		fprintf(header, "\tYB_RECORD_%s,\n", upname);
	}
	fputs("\tYB_RECORD_TYPE_COUNT\n} yb_record_type;\n\n", header);
	fputs("/* Generated from schemas/ by yb_schema_embed. Do not edit: edit the schema. */\n"
	      "#include <stddef.h>\n\n#include \"codec/record.h\"\n\n",
	      table);
	for (int i = 0; i < count; i++) {
		g.path = paths[i];
		gen_record(&g, schemas[i], names[i]);
	}
	fputs("/* Any record, tagged with its type. */\ntypedef struct yb_record {\n"
	      "\tyb_record_type type;\n\tunion {\n",
	      header);
	fputs("const yb_record_desc *const yb_record_descs[YB_RECORD_TYPE_COUNT] = {\n", table);
	for (int i = 0; i < count; i++) {
		snake(names[i], sname, sizeof(sname));
		fprintf(header, "\t\tyb_%s %s;\n", sname, sname);
		fprintf(table, "\t&yb_%s_desc,\n", sname);
	}
	fputs("\t} as;\n} yb_record;\n\n#endif\n", header);
	fputs("};\n", table);
	return g.problems;
}
