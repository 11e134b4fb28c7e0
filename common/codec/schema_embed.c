/*
 * Build tool: schemas/ (*.avsc) → a C table (yb_schema_table) of each schema's text, Parsing
 * Canonical Form and fingerprint.
 *
 *   yb_schema_embed OUTPUT.c SCHEMA.avsc...
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
#include "rules/error.h"

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

int main(int argc, char **argv)
{
	const char *sorted[MAX_SCHEMAS];
	uint64_t fingerprints[MAX_SCHEMAS] = {0};
	int embedded[MAX_SCHEMAS] = {0}; /* fingerprints[i] is set */
	int count = argc - 2, problems = 0;
	FILE *out;

	if (argc < 3 || count > MAX_SCHEMAS) {
		fprintf(stderr, "usage: %s OUTPUT.c SCHEMA.avsc... (at most %d)\n", argv[0],
			MAX_SCHEMAS);
		return 2;
	}
	for (int i = 0; i < count; i++)
		sorted[i] = argv[i + 2];
	qsort(sorted, (size_t)count, sizeof(sorted[0]), by_name);
	out = fopen(argv[1], "w");
	if (out == NULL) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out,
		"/* Generated from the schemas/ directory by yb_schema_embed. Do not edit. */\n"
		"#include \"codec/schemas.h\"\n\n"
		"const yb_schema_info yb_schema_table[] = {\n");
	for (int i = 0; i < count; i++) {
		json_error_t error;
		json_t *schema = json_load_file(sorted[i], 0, &error);
		char *text = NULL, *canonical = NULL, errstr[256], name[128];
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
		fingerprints[i] = yb_avro_crc64(canonical, strlen(canonical));
		embedded[i] = 1;
		for (int j = 0; j < i; j++) {
			if (embedded[j] && fingerprints[j] == fingerprints[i]) {
				fprintf(stderr, "%s and %s have one fingerprint\n", sorted[i],
					sorted[j]);
				problems++;
			}
		}
		/* The full name is the canonical form's first value: {"name":"<full>",... */
		full = canonical + strlen("{\"name\":\"");
		text = json_dumps(schema, JSON_INDENT(0) | JSON_PRESERVE_ORDER | JSON_COMPACT);
		base_name(sorted[i], name, sizeof(name));
		fprintf(out,
			"\t{\n\t\t.name = \"%s\",\n\t\t.full_name = \"%.*s\",\n\t\t.json = ", name,
			(int)strcspn(full, "\""), full);
		write_literal(out, text);
		fputs(",\n\t\t.canonical = ", out);
		write_literal(out, canonical);
		fprintf(out, ",\n\t\t.fingerprint = UINT64_C(0x%016" PRIx64 "),\n\t},\n",
			fingerprints[i]);
		free(text);
		free(canonical);
		json_decref(schema);
	}
	fprintf(out, "};\n\nconst size_t yb_schema_table_len = %d;\n", count);
	if (fclose(out) != 0 || problems > 0) {
		remove(argv[1]);
		fprintf(stderr, "yb_schema_embed: %d problem(s); no table written\n", problems);
		return 1;
	}
	return 0;
}
