/*
 * The record codecs (codec/avro.h, codec/json.h): every record type round-trips
 * JSON → struct → Avro → struct → JSON unchanged; avro-c, the reference implementation,
 * reads this codec's bytes and writes back the very same bytes; newer and older writer
 * schemas are resolved; bad input of every kind named in the contract is refused with an
 * error naming the problem, never a crash (the tests run under ASan and UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <cmocka.h>
#include <jansson.h>

#include "codec/avro.h"
#include "codec/canonical.h"
#include "codec/json.h"
#include "codec/schemas.h"
#include "base/error.h"

#define ARENA_SIZE (256 * 1024)

static char arena_memory[ARENA_SIZE];
static char arena2_memory[ARENA_SIZE];

static yb_avro *new_reader(void)
{
	yb_avro *avro = NULL;
	char errstr[256];

	if (yb_avro_new(&avro, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("yb_avro_new: %s", errstr);
	return avro;
}

/* Every non-empty line of a data file, as a NULL-terminated array the caller frees. */
static char **read_lines(const char *name)
{
	char path[1024], line[16384];
	char **lines = calloc(64, sizeof(char *));
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/records/%s", YB_TEST_DATA_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL && n < 63) {
		if (line[0] != '\n')
			lines[n++] = strdup(line);
	}
	fclose(f);
	return lines;
}

static void free_lines(char **lines)
{
	for (size_t i = 0; lines[i] != NULL; i++)
		free(lines[i]);
	free(lines);
}

/* JSON line → record → Avro → record → JSON: the same object, field for field. */
static void round_trip_file(const char *name)
{
	yb_avro *avro = new_reader();
	char **lines = read_lines(name);
	int seen[YB_RECORD_TYPE_COUNT] = {0};
	yb_buf buf = {0};

	for (size_t i = 0; lines[i] != NULL; i++) {
		yb_arena arena, arena2;
		yb_record from_json, from_avro;
		char errstr[256];
		json_t *expected, *actual;
		json_error_t error;

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		yb_arena_init(&arena2, arena2_memory, sizeof(arena2_memory));
		if (yb_json_decode(lines[i], strlen(lines[i]), &arena, &from_json, errstr,
				   sizeof(errstr)) != YB_OK)
			fail_msg("%s line %zu: %s", name, i + 1, errstr);
		if (yb_avro_encode(&from_json, &buf, errstr, sizeof(errstr)) != YB_OK)
			fail_msg("%s line %zu: encode: %s", name, i + 1, errstr);
		if (yb_avro_decode(avro, buf.data, buf.len, &arena2, &from_avro, errstr,
				   sizeof(errstr)) != YB_OK)
			fail_msg("%s line %zu: decode: %s", name, i + 1, errstr);
		assert_int_equal(from_avro.type, from_json.type);
		expected = json_loads(lines[i], 0, &error);
		actual = yb_json_encode(&from_avro);
		assert_non_null(expected);
		assert_non_null(actual);
		if (!json_equal(expected, actual)) {
			char *text = json_dumps(actual, JSON_COMPACT | JSON_PRESERVE_ORDER);

			fail_msg("%s line %zu came back as %s", name, i + 1, text);
		}
		/* The direct writer gives jansson's bytes. */
		{
			char *dumped = json_dumps(actual, JSON_COMPACT | JSON_PRESERVE_ORDER);
			yb_buf text = {0};

			assert_int_equal(yb_json_format(&from_avro, &text), YB_OK);
			assert_int_equal(text.len, strlen(dumped));
			assert_memory_equal(text.data, dumped, text.len);
			free(dumped);
			yb_buf_free(&text);
		}
		seen[from_json.type] = 1;
		json_decref(expected);
		json_decref(actual);
	}
	for (int t = 0; t < YB_RECORD_TYPE_COUNT; t++) {
		if (!seen[t])
			fail_msg("%s has no %s record", name, yb_record_desc_of(t)->name);
	}
	yb_buf_free(&buf);
	free_lines(lines);
	yb_avro_destroy(avro);
}

static void every_record_type_round_trips_with_every_field(void **state)
{
	(void)state;
	round_trip_file("every-field.jsonl");
}

static void every_record_type_round_trips_with_required_fields_only(void **state)
{
	(void)state;
	round_trip_file("minimal.jsonl");
}

/* Times are instants: any offset on input, China Standard Time on output. */
static void times_are_instants_written_back_in_cst(void **state)
{
	const char *line = "{\"type\":\"reversal\",\"claim_id\":\"C\","
			   "\"event_time\":\"2024-03-01T01:30:00Z\"}";
	yb_arena arena;
	yb_record r;
	char errstr[256];
	json_t *out;

	(void)state;
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	assert_int_equal(yb_json_decode(line, strlen(line), &arena, &r, errstr, sizeof(errstr)),
			 YB_OK);
	/* 2024-03-01T01:30Z = 19783 days * 86400000 + 5400000 ms */
	assert_int_equal(r.as.reversal.event_time, INT64_C(19783) * 86400000 + 5400000);
	out = yb_json_encode(&r);
	assert_string_equal(json_string_value(json_object_get(out, "event_time")),
			    "2024-03-01T09:30:00+08:00");
	json_decref(out);
}

/* --- avro-c, the reference implementation, agrees byte for byte ------------------------ */

static void avro_c_reads_and_rewrites_the_same_bytes(void **state)
{
	char **lines = read_lines("every-field.jsonl");
	yb_buf buf = {0};

	(void)state;
	for (size_t i = 0; lines[i] != NULL; i++) {
		yb_arena arena;
		yb_record record;
		char errstr[256];
		const yb_schema_info *info;
		avro_schema_t schema;
		avro_value_iface_t *iface;
		avro_value_t value;
		avro_reader_t reader;
		avro_writer_t writer;
		size_t size = 0;
		char *copy;

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		assert_int_equal(yb_json_decode(lines[i], strlen(lines[i]), &arena, &record, errstr,
						sizeof(errstr)),
				 YB_OK);
		assert_int_equal(yb_avro_encode(&record, &buf, errstr, sizeof(errstr)), YB_OK);
		info = yb_schema_by_name(yb_record_desc_of(record.type)->name);
		assert_int_equal(yb_avro_fingerprint_of(buf.data, buf.len), info->fingerprint);
		assert_int_equal(
		    avro_schema_from_json_length(info->json, strlen(info->json), &schema), 0);
		iface = avro_generic_class_from_schema(schema);
		assert_int_equal(avro_generic_value_new(iface, &value), 0);
		reader = avro_reader_memory((const char *)buf.data + YB_AVRO_HEADER_LEN,
					    (int64_t)(buf.len - YB_AVRO_HEADER_LEN));
		if (avro_value_read(reader, &value) != 0)
			fail_msg("avro-c cannot read line %zu: %s", i + 1, avro_strerror());
		assert_int_equal(avro_value_sizeof(&value, &size), 0);
		assert_int_equal(size, buf.len - YB_AVRO_HEADER_LEN);
		copy = malloc(size);
		writer = avro_writer_memory(copy, (int64_t)size);
		assert_int_equal(avro_value_write(writer, &value), 0);
		assert_memory_equal(copy, buf.data + YB_AVRO_HEADER_LEN, size);
		free(copy);
		avro_writer_free(writer);
		avro_reader_free(reader);
		avro_value_decref(&value);
		avro_value_iface_decref(iface);
		avro_schema_decref(schema);
	}
	yb_buf_free(&buf);
	free_lines(lines);
}

/* --- schema evolution -------------------------------------------------------------------- */

/* Set every union of record that has no branch yet to its null branch. */
static void set_unset_unions_null(avro_value_t *record)
{
	size_t count = 0;

	assert_int_equal(avro_value_get_size(record, &count), 0);
	for (size_t i = 0; i < count; i++) {
		avro_value_t field, branch;
		int discriminant = 0;

		assert_int_equal(avro_value_get_by_index(record, i, &field, NULL), 0);
		if (avro_value_get_type(&field) != AVRO_UNION)
			continue;
		assert_int_equal(avro_value_get_discriminant(&field, &discriminant), 0);
		if (discriminant < 0) {
			assert_int_equal(avro_value_set_branch(&field, 0, &branch), 0);
			assert_int_equal(avro_value_set_null(&branch), 0);
		}
	}
}

/* A single-object message of an avro-c value written with schema_json. */
static size_t frame(const char *schema_json, avro_value_t *value, uint8_t *out, size_t cap)
{
	json_t *schema = json_loads(schema_json, 0, NULL);
	char *canonical = NULL, errstr[256];
	uint64_t fp;
	avro_writer_t writer;
	size_t size = 0;

	assert_non_null(schema);
	assert_int_equal(yb_avro_canonical_form(&canonical, schema, errstr, sizeof(errstr)), YB_OK);
	fp = yb_avro_crc64(canonical, strlen(canonical));
	out[0] = 0xc3;
	out[1] = 0x01;
	for (int i = 0; i < 8; i++)
		out[2 + i] = (uint8_t)(fp >> (8 * i));
	set_unset_unions_null(value);
	assert_int_equal(avro_value_sizeof(value, &size), 0);
	assert_true(size + YB_AVRO_HEADER_LEN <= cap);
	writer = avro_writer_memory((char *)out + YB_AVRO_HEADER_LEN, (int64_t)size);
	assert_int_equal(avro_value_write(writer, value), 0);
	avro_writer_free(writer);
	free(canonical);
	json_decref(schema);
	return size + YB_AVRO_HEADER_LEN;
}

static void set_string(avro_value_t *record, const char *field, const char *s)
{
	avro_value_t v, branch;

	assert_int_equal(avro_value_get_by_name(record, field, &v, NULL), 0);
	if (avro_value_get_type(&v) == AVRO_UNION) {
		assert_int_equal(avro_value_set_branch(&v, 1, &branch), 0);
		assert_int_equal(avro_value_set_string(&branch, s), 0);
	} else {
		assert_int_equal(avro_value_set_string(&v, s), 0);
	}
}

static void set_long(avro_value_t *record, const char *field, int64_t n)
{
	avro_value_t v;

	assert_int_equal(avro_value_get_by_name(record, field, &v, NULL), 0);
	assert_int_equal(avro_value_set_long(&v, n), 0);
}

/* The reversal as a newer producer might write it: two fields this reader has never heard
 * of, one between known fields. */
static const char newer_reversal[] =
    "{\"type\":\"record\",\"name\":\"Reversal\",\"namespace\":\"yibao.claims\",\"fields\":["
    "{\"name\":\"claim_id\",\"type\":\"string\"},"
    "{\"name\":\"operator\",\"type\":\"string\",\"default\":\"system\"},"
    "{\"name\":\"member_id\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"reason\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"event_time\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
    "{\"name\":\"refund\",\"type\":[\"null\",{\"type\":\"record\",\"name\":\"Refund\","
    "\"fields\":[{\"name\":\"amount\",\"type\":\"double\"},{\"name\":\"tags\",\"type\":{"
    "\"type\":\"map\",\"values\":{\"type\":\"array\",\"items\":\"float\"}}}]}],"
    "\"default\":null}]}";

static void a_newer_writer_is_read_by_this_older_reader(void **state)
{
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value, refund, branch, field;
	uint8_t message[512];
	size_t len;
	yb_avro *avro = new_reader();
	yb_arena arena;
	yb_record r;
	char errstr[256];

	(void)state;
	assert_int_equal(
	    avro_schema_from_json_length(newer_reversal, sizeof(newer_reversal) - 1, &schema), 0);
	iface = avro_generic_class_from_schema(schema);
	assert_int_equal(avro_generic_value_new(iface, &value), 0);
	set_string(&value, "claim_id", "C-42");
	set_string(&value, "operator", "clerk-7");
	set_string(&value, "member_id", "M-42");
	set_string(&value, "reason", "typo");
	set_long(&value, "event_time", INT64_C(1709256600000));
	assert_int_equal(avro_value_get_by_name(&value, "refund", &refund, NULL), 0);
	assert_int_equal(avro_value_set_branch(&refund, 1, &branch), 0);
	assert_int_equal(avro_value_get_by_name(&branch, "amount", &field, NULL), 0);
	assert_int_equal(avro_value_set_double(&field, 12.5), 0);
	len = frame(newer_reversal, &value, message, sizeof(message));

	/* Unknown until taught: the fingerprint names a schema this reader lacks. */
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	assert_int_equal(yb_avro_decode(avro, message, len, &arena, &r, errstr, sizeof(errstr)),
			 YB_EPARSE);
	assert_non_null(strstr(errstr, "unknown writer schema"));

	assert_int_equal(yb_avro_add_writer(avro, newer_reversal, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_avro_decode(avro, message, len, &arena, &r, errstr, sizeof(errstr)),
			 YB_OK);
	assert_int_equal(r.type, YB_RECORD_REVERSAL);
	assert_string_equal(r.as.reversal.claim_id, "C-42");
	assert_string_equal(r.as.reversal.member_id, "M-42");
	assert_string_equal(r.as.reversal.reason, "typo");
	assert_int_equal(r.as.reversal.event_time, INT64_C(1709256600000));

	avro_value_decref(&value);
	avro_value_iface_decref(iface);
	avro_schema_decref(schema);
	yb_avro_destroy(avro);
}

/* The reversal as its first version was written, before member_id was added. */
static const char older_reversal[] =
    "{\"type\":\"record\",\"name\":\"Reversal\",\"namespace\":\"yibao.claims\",\"fields\":["
    "{\"name\":\"claim_id\",\"type\":\"string\"},"
    "{\"name\":\"reason\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"event_time\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}}"
    "]}";

static void an_older_writer_is_read_by_this_newer_reader(void **state)
{
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value;
	uint8_t message[256];
	size_t len;
	yb_avro *avro = new_reader();
	yb_arena arena;
	yb_record r;
	char errstr[256];

	(void)state;
	assert_int_equal(
	    avro_schema_from_json_length(older_reversal, sizeof(older_reversal) - 1, &schema), 0);
	iface = avro_generic_class_from_schema(schema);
	assert_int_equal(avro_generic_value_new(iface, &value), 0);
	set_string(&value, "claim_id", "C-7");
	set_long(&value, "event_time", 0);
	len = frame(older_reversal, &value, message, sizeof(message));
	/* The first published reversal schema's fingerprint, as Avro Java computes it. */
	assert_int_equal(yb_avro_fingerprint_of(message, len), UINT64_C(0x99d4773bc22af093));

	assert_int_equal(yb_avro_add_writer(avro, older_reversal, errstr, sizeof(errstr)), YB_OK);
	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	assert_int_equal(yb_avro_decode(avro, message, len, &arena, &r, errstr, sizeof(errstr)),
			 YB_OK);
	assert_string_equal(r.as.reversal.claim_id, "C-7");
	assert_null(r.as.reversal.member_id); /* the reader's default: absent */
	assert_null(r.as.reversal.reason);

	avro_value_decref(&value);
	avro_value_iface_decref(iface);
	avro_schema_decref(schema);
	yb_avro_destroy(avro);
}

static void writers_that_cannot_be_resolved_are_refused(void **state)
{
	static const struct {
		const char *schema, *error;
	} cases[] = {
	    /* The reader requires claim_id and has no default for it. */
	    {"{\"type\":\"record\",\"name\":\"Reversal\",\"fields\":[{\"name\":\"event_time\","
	     "\"type\":\"long\"}]}",
	     "reversal.claim_id: the writer lacks it"},
	    /* A string cannot be read as a long. */
	    {"{\"type\":\"record\",\"name\":\"Reversal\",\"fields\":[{\"name\":\"claim_id\","
	     "\"type\":\"string\"},{\"name\":\"event_time\",\"type\":\"string\"}]}",
	     "reversal.event_time: the writer's type cannot be read"},
	    {"{\"type\":\"record\",\"name\":\"Unheard\",\"fields\":[]}",
	     "no record of the contract"},
	    {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"Nope\"}]}",
	     "unknown type 'Nope'"},
	    {"[\"int\"", "not JSON"},
	};
	yb_avro *avro = new_reader();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char errstr[256] = "";

		assert_int_equal(yb_avro_add_writer(avro, cases[i].schema, errstr, sizeof(errstr)),
				 YB_EINVAL);
		if (strstr(errstr, cases[i].error) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, errstr, cases[i].error);
	}
	yb_avro_destroy(avro);
}

/* --- bad Avro input ---------------------------------------------------------------------- */

static size_t encode_line(const char *line, uint8_t *out, size_t cap)
{
	yb_arena arena;
	yb_record r;
	yb_buf buf = {0};
	char errstr[256];
	size_t len;

	yb_arena_init(&arena, arena2_memory, sizeof(arena2_memory));
	if (yb_json_decode(line, strlen(line), &arena, &r, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	assert_int_equal(yb_avro_encode(&r, &buf, errstr, sizeof(errstr)), YB_OK);
	assert_true(buf.len <= cap);
	memcpy(out, buf.data, buf.len);
	len = buf.len;
	yb_buf_free(&buf);
	return len;
}

static const char payment_line[] =
    "{\"type\":\"payment\",\"event_id\":\"P\",\"member_id\":\"M\",\"scheme\":\"s\","
    "\"kind\":\"premium\",\"amount_fen\":5,\"paid_at\":\"2024-01-01T00:00:00+08:00\"}";

static void expect_decode_error(yb_avro *avro, const uint8_t *data, size_t len, const char *want)
{
	yb_arena arena;
	yb_record r;
	char errstr[256] = "";

	yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
	assert_int_equal(yb_avro_decode(avro, data, len, &arena, &r, errstr, sizeof(errstr)),
			 YB_EPARSE);
	if (strstr(errstr, want) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", errstr, want);
}

static void every_truncation_is_an_error(void **state)
{
	yb_avro *avro = new_reader();
	char **lines = read_lines("every-field.jsonl");
	uint8_t message[8192];

	(void)state;
	for (size_t i = 0; lines[i] != NULL; i++) {
		size_t len = encode_line(lines[i], message, sizeof(message));

		for (size_t cut = 0; cut < len; cut++) {
			yb_arena arena;
			yb_record r;
			char errstr[256];

			yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
			assert_int_equal(
			    yb_avro_decode(avro, message, cut, &arena, &r, errstr, sizeof(errstr)),
			    YB_EPARSE);
		}
	}
	free_lines(lines);
	yb_avro_destroy(avro);
}

/* Flip every bit of every byte: a decode may succeed or fail, but must stay in bounds. */
static void every_bit_flip_stays_in_bounds(void **state)
{
	yb_avro *avro = new_reader();
	char **lines = read_lines("every-field.jsonl");
	uint8_t message[8192];

	(void)state;
	for (size_t i = 0; lines[i] != NULL; i++) {
		size_t len = encode_line(lines[i], message, sizeof(message));

		for (size_t at = 0; at < len; at++) {
			for (int bit = 0; bit < 8; bit++) {
				yb_arena arena;
				yb_record r;
				char errstr[256];

				message[at] ^= (uint8_t)(1u << bit);
				yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
				(void)yb_avro_decode(avro, message, len, &arena, &r, errstr,
						     sizeof(errstr));
				message[at] ^= (uint8_t)(1u << bit);
			}
		}
	}
	free_lines(lines);
	yb_avro_destroy(avro);
}

static void bad_avro_input_is_named(void **state)
{
	yb_avro *avro = new_reader();
	uint8_t m[512];
	size_t len = encode_line(payment_line, m, sizeof(m));
	const yb_schema_info *reversal = yb_schema_by_name("reversal");
	uint8_t crafted[64];

	(void)state;
	expect_decode_error(avro, (const uint8_t *)"{\"type\":1}", 10, "no C3 01 marker");
	expect_decode_error(avro, m, 5, "shorter than the header");
	m[2] ^= 0xff; /* the fingerprint */
	expect_decode_error(avro, m, len, "unknown writer schema");
	m[2] ^= 0xff;
	m[len] = 0;
	expect_decode_error(avro, m, len + 1, "1 bytes after the end of the record");

	/* A reversal whose claim_id announces 2^40 bytes: refused before any allocation. */
	memcpy(crafted, m, 2);
	for (int i = 0; i < 8; i++)
		crafted[2 + i] = (uint8_t)(reversal->fingerprint >> (8 * i));
	memcpy(crafted + 10, "\x80\x80\x80\x80\x80\x40", 6); /* zig-zag 2^40 */
	expect_decode_error(avro, crafted, 16, "reversal.claim_id: 1099511627776 bytes, over");
	memcpy(crafted + 10, "\x01", 1); /* length -1 */
	expect_decode_error(avro, crafted, 11, "reversal.claim_id: negative length -1");
	/* A varint that never ends within 64 bits. */
	memcpy(crafted + 10, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	expect_decode_error(avro, crafted, 21, "longer than 64 bits");
	/* A union branch that does not exist (member_id's index 5). */
	memcpy(crafted + 10,
	       "\x02"
	       "C"
	       "\x0a",
	       3);
	expect_decode_error(avro, crafted, 13, "reversal.member_id: union branch 5 does not exist");
	/* Not UTF-8. */
	memcpy(crafted + 10, "\x04\xff\xfe", 3);
	expect_decode_error(avro, crafted, 13, "reversal.claim_id: not UTF-8");
	yb_avro_destroy(avro);
}

/* Money written by a producer that does not check it: negative, over the limit. */
static void money_out_of_range_is_refused(void **state)
{
	const yb_schema_info *info = yb_schema_by_name("payment");
	avro_schema_t schema;
	avro_value_iface_t *iface;
	avro_value_t value;
	uint8_t message[512];
	yb_avro *avro = new_reader();
	static const int64_t bad[] = {-1, INT64_C(10000000000001), INT64_MAX, INT64_MIN};

	(void)state;
	assert_int_equal(avro_schema_from_json_length(info->json, strlen(info->json), &schema), 0);
	iface = avro_generic_class_from_schema(schema);
	assert_int_equal(avro_generic_value_new(iface, &value), 0);
	set_string(&value, "event_id", "P");
	set_string(&value, "member_id", "M");
	set_string(&value, "scheme", "s");
	set_string(&value, "kind", "premium");
	set_long(&value, "paid_at", 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;

		set_long(&value, "amount_fen", bad[i]);
		len = frame(info->json, &value, message, sizeof(message));
		expect_decode_error(avro, message, len, "payment.amount_fen: money");
	}
	avro_value_decref(&value);
	avro_value_iface_decref(iface);
	avro_schema_decref(schema);
	yb_avro_destroy(avro);
}

/* A record bigger than its arena is an error, not an overrun. */
/* A full arena is YB_ENOMEM, not YB_EPARSE: a service decoding a batch into one arena takes a
 * smaller batch instead of dead-lettering a good message. */
static void a_record_larger_than_its_arena_is_refused(void **state)
{
	yb_avro *avro = new_reader();
	char **lines = read_lines("every-field.jsonl");
	uint8_t message[8192];
	size_t len = encode_line(lines[0], message, sizeof(message));
	char small[64];
	yb_arena arena;
	yb_record r;
	char errstr[256];

	(void)state;
	yb_arena_init(&arena, small, sizeof(small));
	assert_int_equal(yb_avro_decode(avro, message, len, &arena, &r, errstr, sizeof(errstr)),
			 YB_ENOMEM);
	assert_non_null(strstr(errstr, "larger than its buffer"));
	free_lines(lines);
	yb_avro_destroy(avro);
}

/* --- bad JSON input ----------------------------------------------------------------------- */

static void bad_json_input_is_named(void **state)
{
	static const struct {
		const char *line, *error;
	} cases[] = {
	    {"not json", "not JSON"},
	    {"[1]", "must be a JSON object"},
	    {"{\"claim_id\":\"C\"}", "\"type\" is missing"},
	    {"{\"type\":\"bill\"}", "unknown record type \"bill\""},
	    {"{\"type\":\"reversal\",\"event_time\":\"2024-01-01T00:00:00+08:00\"}",
	     "reversal.claim_id: required, but missing"},
	    {"{\"type\":\"reversal\",\"claim_id\":null,\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "reversal.claim_id: required, but missing"},
	    {"{\"type\":\"reversal\",\"claim_id\":7,\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "reversal.claim_id: must be a string, not an integer"},
	    {"{\"type\":\"reversal\",\"claim_id\":\"C\",\"event_time\":\"2024-01-01\"}",
	     "reversal.event_time: must be a time with offset"},
	    {"{\"type\":\"reversal\",\"claim_id\":\"C\",\"event_time\":\"2024-01-01T00:00:00\"}",
	     "reversal.event_time: must be a time with offset"},
	    {"{\"type\":\"reversal\",\"claim_id\":\"C\",\"claim_idd\":\"C\","
	     "\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "unknown field 'claim_idd'"},
	    {"{\"type\":\"reversal\",\"claim_id\":\"C\",\"claim_id\":\"D\","
	     "\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "duplicate"},
	    {"{\"type\":\"reversal\",\"claim_id\":\"C\\u0000D\","
	     "\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "\\u0000 is not allowed"},
	    {"{\"type\":\"payment\",\"event_id\":\"P\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"kind\":\"k\",\"amount_fen\":-1,\"paid_at\":\"2024-01-01T00:00:00Z\"}",
	     "payment.amount_fen: -1 is outside 0..10000000000000"},
	    {"{\"type\":\"payment\",\"event_id\":\"P\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"kind\":\"k\",\"amount_fen\":12.5,\"paid_at\":\"2024-01-01T00:00:00Z\"}",
	     "payment.amount_fen: must be an integer number of fen, not a fraction"},
	    {"{\"type\":\"payment\",\"event_id\":\"P\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"kind\":\"k\",\"amount_fen\":99999999999999999999,\"paid_at\":\"2024-01-01T00:00:"
	     "00Z\"}",
	     "not JSON"},
	    {"{\"type\":\"enrollment\",\"event_id\":\"E\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"action\":\"enroll\",\"birth_date\":\"2023-02-29\",\"event_time\":\"2024-01-01T00:"
	     "00:00Z\"}",
	     "enrollment.birth_date: must be a date"},
	    {"{\"type\":\"enrollment\",\"event_id\":\"E\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"action\":\"enroll\",\"tier\":4294967296,\"event_time\":\"2024-01-01T00:00:00Z\"}",
	     "enrollment.tier: 4294967296 is outside"},
	    {"{\"type\":\"claim\",\"claim_id\":\"C\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"institution_id\":\"I\",\"visit_type\":\"outpatient\",\"total_fen\":1,"
	     "\"compliant_fen\":1,\"items\":[{\"code\":\"X\"}],\"submitted_at\":\"2024-01-01T00:00:"
	     "00Z\"}",
	     "claim.items.amount_fen: required, but missing"},
	    {"{\"type\":\"claim\",\"claim_id\":\"C\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"institution_id\":\"I\",\"visit_type\":\"outpatient\",\"total_fen\":1,"
	     "\"compliant_fen\":1,\"diagnoses\":[\"A\",3],\"submitted_at\":\"2024-01-01T00:00:"
	     "00Z\"}",
	     "claim.diagnoses: item 1 must be a string"},
	    {"{\"type\":\"dead_letter\",\"source\":\"s\",\"error\":\"e\",\"payload_base64\":\"@@@@"
	     "\"}",
	     "dead_letter.payload: payload_base64 is not base64"},
	    {"{\"type\":\"settlement\",\"claim_id\":\"C\",\"member_id\":\"M\",\"scheme\":\"s\","
	     "\"policy_version\":\"v\",\"benefit_year\":2024,\"status\":\"settled\",\"reasons\":[],"
	     "\"total_fen\":0,\"compliant_fen\":0,\"deductible_fen\":0,\"fund_pay_fen\":0,"
	     "\"critical_illness_pay_fen\":0,\"large_relief_pay_fen\":0,\"assistance_pay_fen\":0,"
	     "\"personal_account_pay_fen\":0,\"cash_pay_fen\":0,\"trace\":[],"
	     "\"accumulators\":{\"x\":\"1\"},\"duplicate\":false}",
	     "settlement.accumulators: must be an integer"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yb_arena arena;
		yb_record r;
		char errstr[256] = "";

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		assert_int_equal(yb_json_decode(cases[i].line, strlen(cases[i].line), &arena, &r,
						errstr, sizeof(errstr)),
				 YB_EPARSE);
		if (strstr(errstr, cases[i].error) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, errstr, cases[i].error);
	}
}

/* The encoder refuses a record that breaks its schema rather than writing it. */
static void the_encoder_refuses_what_the_schema_forbids(void **state)
{
	yb_record r;
	yb_buf buf = {0};
	char errstr[256] = "";

	(void)state;
	memset(&r, 0, sizeof(r));
	r.type = YB_RECORD_REVERSAL;
	assert_int_equal(yb_avro_encode(&r, &buf, errstr, sizeof(errstr)), YB_EINVAL);
	assert_string_equal(errstr, "reversal.claim_id: required, but missing");

	memset(&r, 0, sizeof(r));
	r.type = YB_RECORD_PAYMENT;
	r.as.payment.event_id = r.as.payment.member_id = r.as.payment.scheme = "x";
	r.as.payment.kind = "premium";
	r.as.payment.amount_fen = yb_fen(-100);
	assert_int_equal(yb_avro_encode(&r, &buf, errstr, sizeof(errstr)), YB_EINVAL);
	assert_string_equal(errstr, "payment.amount_fen: money outside 0..10^13 fen");
	yb_buf_free(&buf);
}

static void keys_and_times_come_from_the_schema(void **state)
{
	char **lines = read_lines("every-field.jsonl");

	(void)state;
	for (size_t i = 0; lines[i] != NULL; i++) {
		yb_arena arena;
		yb_record r;
		char errstr[256];

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		assert_int_equal(
		    yb_json_decode(lines[i], strlen(lines[i]), &arena, &r, errstr, sizeof(errstr)),
		    YB_OK);
		switch (r.type) {
		case YB_RECORD_CLAIM:
			assert_string_equal(yb_record_key(&r), "M-1001");
			assert_int_equal(yb_record_time(&r), r.as.claim.submitted_at);
			break;
		case YB_RECORD_INSTITUTION:
			assert_string_equal(yb_record_key(&r), "YK-H-301");
			assert_int_equal(yb_record_time(&r), -1);
			break;
		case YB_RECORD_REVERSAL:
			assert_string_equal(yb_record_key(&r), "M-1001");
			break;
		default:
			assert_non_null(yb_record_key(&r));
			break;
		}
	}
	free_lines(lines);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_record_type_round_trips_with_every_field),
	    cmocka_unit_test(every_record_type_round_trips_with_required_fields_only),
	    cmocka_unit_test(times_are_instants_written_back_in_cst),
	    cmocka_unit_test(avro_c_reads_and_rewrites_the_same_bytes),
	    cmocka_unit_test(a_newer_writer_is_read_by_this_older_reader),
	    cmocka_unit_test(an_older_writer_is_read_by_this_newer_reader),
	    cmocka_unit_test(writers_that_cannot_be_resolved_are_refused),
	    cmocka_unit_test(every_truncation_is_an_error),
	    cmocka_unit_test(every_bit_flip_stays_in_bounds),
	    cmocka_unit_test(bad_avro_input_is_named),
	    cmocka_unit_test(money_out_of_range_is_refused),
	    cmocka_unit_test(a_record_larger_than_its_arena_is_refused),
	    cmocka_unit_test(bad_json_input_is_named),
	    cmocka_unit_test(the_encoder_refuses_what_the_schema_forbids),
	    cmocka_unit_test(keys_and_times_come_from_the_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
