/*
 * Build tool: schemas/ (*.avsc) → C sources in OUTDIR:
 *   yb_schema_table.c  each schema's text, Parsing Canonical Form and fingerprint;
 *   yb_records.h       one C struct per record (record_gen.c);
 *   yb_record_table.c  the field descriptors the codecs walk (codec/record.h).
 *
 *   yb_schema_embed OUTDIR SCHEMA.avsc... [--previous OLD.avsc...]
 *
 * The --previous schemas are earlier versions of the records (schemas/previous/): they are
 * compiled in as writers only, so messages already on the topics stay readable after a
 * schema gains a field. Their file names are <record>-<fingerprint>.avsc.
 *
 * It also holds the schemas to the contract's conventions, failing the build otherwise:
 * a top-level record, a "doc" on every field, money fields (*_fen) of type long, and no two
 * schemas with one fingerprint. The record type's name is the file's base name.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/canonical.h"
#include "codec/record_gen.h"
#include "base/error.h"

#define MAX_SCHEMAS 64

/* Write s as a C string literal; octal escapes (never more than 3 digits) for non-ASCII. */
static void write_literal(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n\"\n\t\"", out);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\%03o", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static const char *str_or_empty(const json_t *value)
{
	const char *s = json_string_value(value);

	return s != NULL ? s : "";
}

/* Is t "long", or a union of null and long? */
static int is_long(const json_t *t)
{
	if (json_is_string(t))
		return strcmp(json_string_value(t), "long") == 0;
	if (json_is_array(t) && json_array_size(t) == 2)
		return strcmp(str_or_empty(json_array_get(t, 0)), "null") == 0 &&
		       is_long(json_array_get(t, 1));
	if (json_is_object(t))
		return is_long(json_object_get(t, "type"));
	return 0;
}

/* Check every field of every record in schema; returns the number of problems reported. */
static int lint(const char *path, const json_t *schema)
{
	int problems = 0;

	if (json_is_array(schema)) {
		for (size_t i = 0; i < json_array_size(schema); i++)
			problems += lint(path, json_array_get(schema, i));
		return problems;
	}
	if (!json_is_object(schema))
		return 0;
	const char *type = json_string_value(json_object_get(schema, "type"));
	if (type != NULL && strcmp(type, "record") == 0) {
		const json_t *field;
		size_t i;

		json_array_foreach (json_object_get(schema, "fields"), i, field) {
			const char *name = json_string_value(json_object_get(field, "name"));
			size_t len = name != NULL ? strlen(name) : 0;

			if (!json_is_string(json_object_get(field, "doc"))) {
				fprintf(stderr, "%s: field '%s' has no \"doc\"\n", path, name);
				problems++;
			}
			if (len > 4 && strcmp(name + len - 4, "_fen") == 0 &&
			    !is_long(json_object_get(field, "type"))) {
				fprintf(stderr, "%s: money field '%s' must be a long of fen\n",
					path, name);
				problems++;
			}
			problems += lint(path, json_object_get(field, "type"));
		}
	} else {
		problems += lint(path, json_object_get(schema, "type"));
		problems += lint(path, json_object_get(schema, "items"));
		problems += lint(path, json_object_get(schema, "values"));
	}
	return problems;
}

/* "dir/claim.avsc" → "claim" into buf. */
static void base_name(const char *path, char *buf, size_t len)
{
	const char *slash = strrchr(path, '/');
	const char *start = slash != NULL ? slash + 1 : path;
	const char *dot = strrchr(start, '.');

	snprintf(buf, len, "%.*s", (int)(dot != NULL ? dot - start : (long)strlen(start)), start);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static FILE *open_output(const char *dir, const char *file, char *path, size_t len)
{
	FILE *out;

	snprintf(path, len, "%s/%s", dir, file);
	out = fopen(path, "w");
	if (out == NULL)
		perror(path);
	return out;
}

/*
 * The earlier versions: yb_schema_previous_table, each with its canonical form and a
 * fingerprint that must differ from every current one (and match its file name).
 */
static int write_previous(FILE *out, char **paths, int n, const uint64_t *current, int current_n)
{
	int problems = 0;

	fputs("\nconst yb_schema_info yb_schema_previous_table[] = {\n", out);
	for (int i = 0; i < n; i++) {
		json_error_t error;
		json_t *schema = json_load_file(paths[i], 0, &error);
		char *text = NULL, *canonical = NULL, errstr[256], name[128], expected[160];
		const char *full;
		uint64_t fingerprint;

		if (schema == NULL ||
		    yb_avro_canonical_form(&canonical, schema, errstr, sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s: %s\n", paths[i], schema == NULL ? error.text : errstr);
			json_decref(schema);
			problems++;
			continue;
		}
		fingerprint = yb_avro_crc64(canonical, strlen(canonical));
		base_name(paths[i], name, sizeof(name));
		for (int j = 0; j < current_n; j++) {
			if (current[j] == fingerprint) {
				fprintf(stderr, "%s: the same as a current schema\n", paths[i]);
				problems++;
			}
		}
		/* "settlement-2ee677eee7b25673": the record's name, then its fingerprint. */
		snprintf(expected, sizeof(expected), "-%016" PRIx64, fingerprint);
		if (strlen(name) <= strlen(expected) ||
		    strcmp(name + strlen(name) - strlen(expected), expected) != 0) {
			fprintf(stderr, "%s: name it <record>%s.avsc\n", paths[i], expected);
			problems++;
		} else {
			name[strlen(name) - strlen(expected)] = '\0';
		}
		full = canonical + strlen("{\"name\":\"");
		text = json_dumps(schema, JSON_INDENT(0) | JSON_PRESERVE_ORDER | JSON_COMPACT);
		fprintf(out,
			"\t{\n\t\t.name = \"%s\",\n\t\t.full_name = \"%.*s\",\n\t\t.json = ", name,
			(int)strcspn(full, "\""), full);
		write_literal(out, text);
		fputs(",\n\t\t.canonical = ", out);
		write_literal(out, canonical);
		fprintf(out, ",\n\t\t.fingerprint = UINT64_C(0x%016" PRIx64 "),\n\t},\n",
			fingerprint);
		free(text);
		free(canonical);
		json_decref(schema);
	}
	/* A C array may not be empty: a terminating entry that no lookup returns. */
	fprintf(out, "\t{.name = NULL},\n};\n\nconst size_t yb_schema_previous_table_len = %d;\n",
		n);
	return problems;
}

int main(int argc, char **argv)
{
	const char *sorted[MAX_SCHEMAS];
	json_t *schemas[MAX_SCHEMAS] = {NULL};
	char names[MAX_SCHEMAS][128];
	const char *name_ptrs[MAX_SCHEMAS];
	uint64_t fingerprints[MAX_SCHEMAS] = {0};
	int count = argc - 2, problems = 0, loaded = 0, previous = argc;
	char table_path[1024], header_path[1024], records_path[1024];
	FILE *out, *header, *records;

	if (argc < 3 || count > MAX_SCHEMAS) {
		fprintf(stderr, "usage: %s OUTDIR SCHEMA.avsc... (at most %d)\n", argv[0],
			MAX_SCHEMAS);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--previous") == 0) {
			previous = i + 1;
			count = i - 2;
			break;
		}
	}
	for (int i = 0; i < count; i++)
		sorted[i] = argv[i + 2];
	qsort(sorted, (size_t)count, sizeof(sorted[0]), by_name);
	out = open_output(argv[1], "yb_schema_table.c", table_path, sizeof(table_path));
	header = open_output(argv[1], "yb_records.h", header_path, sizeof(header_path));
	records = open_output(argv[1], "yb_record_table.c", records_path, sizeof(records_path));
	if (out == NULL || header == NULL || records == NULL)
		return 1;
	fprintf(out,
		"/* Generated from the schemas/ directory by yb_schema_embed. Do not edit. */\n"
		"#include \"codec/schemas.h\"\n\n"
		"const yb_schema_info yb_schema_table[] = {\n");
	for (int i = 0; i < count; i++) {
		json_error_t error;
		json_t *schema = json_load_file(sorted[i], 0, &error);
		char *text = NULL, *canonical = NULL, errstr[256];
		const char *full;

		if (schema == NULL) {
			fprintf(stderr, "%s:%d: %s\n", sorted[i], error.line, error.text);
			problems++;
			continue;
		}
		if (!json_is_object(schema) ||
		    strcmp(str_or_empty(json_object_get(schema, "type")), "record") != 0) {
			fprintf(stderr, "%s: the top level must be a record\n", sorted[i]);
			problems++;
			json_decref(schema);
			continue;
		}
		problems += lint(sorted[i], schema);
		if (yb_avro_canonical_form(&canonical, schema, errstr, sizeof(errstr)) != YB_OK) {
			fprintf(stderr, "%s: %s\n", sorted[i], errstr);
			problems++;
			json_decref(schema);
			continue;
		}
		fingerprints[loaded] = yb_avro_crc64(canonical, strlen(canonical));
		for (int j = 0; j < loaded; j++) {
			if (fingerprints[j] == fingerprints[loaded]) {
				fprintf(stderr, "%s and %s have one fingerprint\n", sorted[i],
					sorted[j]);
				problems++;
			}
		}
		/* The full name is the canonical form's first value: {"name":"<full>",... */
		full = canonical + strlen("{\"name\":\"");
		text = json_dumps(schema, JSON_INDENT(0) | JSON_PRESERVE_ORDER | JSON_COMPACT);
		base_name(sorted[i], names[loaded], sizeof(names[loaded]));
		fprintf(out, "\t{\n\t\t.name = \"%s\",\n\t\t.full_name = \"%.*s\",\n\t\t.json = ",
			names[loaded], (int)strcspn(full, "\""), full);
		write_literal(out, text);
		fputs(",\n\t\t.canonical = ", out);
		write_literal(out, canonical);
		fprintf(out, ",\n\t\t.fingerprint = UINT64_C(0x%016" PRIx64 "),\n\t},\n",
			fingerprints[loaded]);
		free(text);
		free(canonical);
		name_ptrs[loaded] = names[loaded];
		sorted[loaded] = sorted[i];
		schemas[loaded++] = schema;
	}
	fprintf(out, "};\n\nconst size_t yb_schema_table_len = %d;\n", loaded);
	problems += write_previous(out, argv + previous, argc - previous, fingerprints, loaded);
	problems += yb_record_gen(header, records, schemas, name_ptrs, sorted, loaded);
	for (int i = 0; i < loaded; i++)
		json_decref(schemas[i]);
	problems += fclose(out) != 0;
	problems += fclose(header) != 0;
	problems += fclose(records) != 0;
	if (problems > 0) {
		remove(table_path);
		remove(header_path);
		remove(records_path);
		fprintf(stderr, "yb_schema_embed: %d problem(s); nothing written\n", problems);
		return 1;
	}
	return 0;
}
