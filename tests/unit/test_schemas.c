/*
 * Schema identity: Parsing Canonical Form and CRC-64-AVRO against the values Avro's own
 * Java implementation gives (org.apache.avro.SchemaNormalization 1.11.4: toParsingForm and
 * parsingFingerprint64), the compiled-in schema table, and avro-c accepting every schema.
 *
 * The product schemas' fingerprints are pinned: a changed fingerprint is a new writer schema
 * on the wire, which must be a deliberate act (add the new value here with the Java figure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <avro.h>
#include <cmocka.h>
#include <jansson.h>

#include "codec/canonical.h"
#include "codec/schemas.h"
#include "base/error.h"

static char *canonical_of(const char *schema_json)
{
	json_error_t error;
	json_t *schema = json_loads(schema_json, JSON_DECODE_ANY, &error);
	char *out = NULL, errstr[256];

	if (schema == NULL)
		fail_msg("test schema is not JSON: %s", error.text);
	if (yb_avro_canonical_form(&out, schema, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("canonical form: %s", errstr);
	json_decref(schema);
	return out;
}

static void canonical_form_and_fingerprint_match_avro_java(void **state)
{
	static const struct {
		const char *schema, *canonical;
		uint64_t fingerprint;
	} vectors[] = {
	    {"\"int\"", "\"int\"", UINT64_C(0x7275d51a3f395c8f)},
	    /* PRIMITIVES: a logical type reduces to its primitive. */
	    {"{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}", "\"long\"",
	     UINT64_C(0xd054e14493f41db7)},
	    /* FULLNAMES, STRIP, ORDER: namespaces resolved (inherited, dotted, and the null
	     * namespace ""), doc/default dropped, name before type, references by full name. */
	    {"{\"type\":\"record\",\"name\":\"R\",\"namespace\":\"a.b\",\"doc\":\"x\","
	     "\"fields\":[{\"name\":\"f\",\"type\":{\"type\":\"enum\",\"name\":\"E\","
	     "\"symbols\":[\"A\",\"B\"]},\"default\":\"A\"},{\"name\":\"g\",\"type\":\"E\"},"
	     "{\"name\":\"h\",\"type\":{\"type\":\"fixed\",\"name\":\"c.F\",\"size\":16}},"
	     "{\"name\":\"i\",\"type\":[\"null\",{\"type\":\"map\",\"values\":{\"type\":"
	     "\"array\",\"items\":\"c.F\"}}]},{\"name\":\"k\",\"type\":{\"type\":\"record\","
	     "\"name\":\"Inner\",\"namespace\":\"\",\"fields\":[{\"name\":\"x\",\"type\":"
	     "\"bytes\"}]}},{\"name\":\"l\",\"type\":{\"type\":\"record\",\"name\":\"In2\","
	     "\"fields\":[{\"name\":\"x\",\"type\":\"double\"}]}}]}",
	     "{\"name\":\"a.b.R\",\"type\":\"record\",\"fields\":[{\"name\":\"f\",\"type\":"
	     "{\"name\":\"a.b.E\",\"type\":\"enum\",\"symbols\":[\"A\",\"B\"]}},{\"name\":"
	     "\"g\",\"type\":\"a.b.E\"},{\"name\":\"h\",\"type\":{\"name\":\"c.F\",\"type\":"
	     "\"fixed\",\"size\":16}},{\"name\":\"i\",\"type\":[\"null\",{\"type\":\"map\","
	     "\"values\":{\"type\":\"array\",\"items\":\"c.F\"}}]},{\"name\":\"k\",\"type\":"
	     "{\"name\":\"Inner\",\"type\":\"record\",\"fields\":[{\"name\":\"x\",\"type\":"
	     "\"bytes\"}]}},{\"name\":\"l\",\"type\":{\"name\":\"a.b.In2\",\"type\":"
	     "\"record\",\"fields\":[{\"name\":\"x\",\"type\":\"double\"}]}}]}",
	     UINT64_C(0xf0a81982cde674b0)},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		char *canonical = canonical_of(vectors[i].schema);

		assert_string_equal(canonical, vectors[i].canonical);
		assert_true(yb_avro_crc64(canonical, strlen(canonical)) == vectors[i].fingerprint);
		free(canonical);
	}
}

static void product_schemas_have_their_pinned_fingerprints(void **state)
{
	/* From SchemaNormalization.parsingFingerprint64 over schemas/ (*.avsc). */
	static const struct {
		const char *name, *full_name;
		uint64_t fingerprint;
	} pinned[] = {
	    {"claim", "yibao.claims.Claim", UINT64_C(0x99f380e5ce5a0ff2)},
	    /* Was d0fb34bcdd18fd64 before payload_length and payload_sha256. */
	    {"dead_letter", "yibao.claims.DeadLetter", UINT64_C(0x8dddbf15a94105cb)},
	    {"enrollment", "yibao.claims.Enrollment", UINT64_C(0x41cad22edc7c881b)},
	    {"fraud_alert", "yibao.claims.FraudAlert", UINT64_C(0x696b3d28a3fc6e7e)},
	    {"institution", "yibao.claims.Institution", UINT64_C(0xfc549587d18d27b8)},
	    {"payment", "yibao.claims.Payment", UINT64_C(0x9cdbc51c6ab0da3c)},
	    /* Was 99d4773bc22af093 before member_id was added; test_codec still reads it. */
	    {"reversal", "yibao.claims.Reversal", UINT64_C(0x8b945eb9a2b7f87d)},
	    /* Was 94a3bbbd30d601e6 before trace entries named their policy_key, then
	     * 2ee677eee7b25673 before judged_on. */
	    {"settlement", "yibao.claims.Settlement", UINT64_C(0x19c2f80ac510842f)},
	};
	size_t count;
	const yb_schema_info *all = yb_schemas_all(&count);

	(void)state;
	assert_int_equal(count, sizeof(pinned) / sizeof(pinned[0]));
	for (size_t i = 0; i < count; i++) {
		const yb_schema_info *info = yb_schema_by_name(pinned[i].name);
		char *canonical;

		assert_non_null(info);
		assert_ptr_equal(info, &all[i]); /* the table is sorted by name */
		assert_string_equal(info->full_name, pinned[i].full_name);
		assert_true(info->fingerprint == pinned[i].fingerprint);
		assert_ptr_equal(yb_schema_by_fingerprint(info->fingerprint), info);
		/* The embedded canonical form is the one the embedded text yields. */
		canonical = canonical_of(info->json);
		assert_string_equal(canonical, info->canonical);
		free(canonical);
	}
	assert_null(yb_schema_by_name("no_such_record"));
	assert_null(yb_schema_by_fingerprint(0));
}

static void earlier_versions_are_compiled_in_with_their_fingerprints(void **state)
{
	/* From SchemaNormalization.parsingFingerprint64 over schemas/previous/ (*.avsc). */
	static const struct {
		const char *name;
		uint64_t fingerprint;
	} pinned[] = {
	    {"dead_letter", UINT64_C(0xd0fb34bcdd18fd64)},
	    {"reversal", UINT64_C(0x99d4773bc22af093)},
	    {"settlement", UINT64_C(0x2ee677eee7b25673)},
	    {"settlement", UINT64_C(0x94a3bbbd30d601e6)},
	};
	size_t count;
	const yb_schema_info *previous = yb_schemas_previous(&count);

	(void)state;
	assert_int_equal(count, sizeof(pinned) / sizeof(pinned[0]));
	for (size_t i = 0; i < count; i++) {
		char *canonical = canonical_of(previous[i].json);

		assert_string_equal(previous[i].name, pinned[i].name);
		assert_true(previous[i].fingerprint == pinned[i].fingerprint);
		assert_string_equal(canonical, previous[i].canonical);
		/* Writers only: a look-up of the current schemas never returns them. */
		assert_null(yb_schema_by_fingerprint(previous[i].fingerprint));
		free(canonical);
	}
}

static void avro_c_accepts_every_schema(void **state)
{
	size_t count;
	const yb_schema_info *all = yb_schemas_all(&count);

	(void)state;
	for (size_t i = 0; i < count; i++) {
		avro_schema_t schema;

		if (avro_schema_from_json_length(all[i].json, strlen(all[i].json), &schema) != 0)
			fail_msg("avro-c refuses %s: %s", all[i].name, avro_strerror());
		avro_schema_decref(schema);
	}
}

static void malformed_schemas_are_refused_with_a_reason(void **state)
{
	static const struct {
		const char *schema, *reason;
	} cases[] = {
	    {"\"9lives\"", "invalid name '9lives'"},
	    {"{\"type\":\"record\",\"name\":\"R\"}", "needs a \"fields\" array"},
	    {"{\"type\":\"record\",\"fields\":[]}", "needs a \"name\""},
	    {"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a-b\",\"type\":"
	     "\"int\"}]}",
	     "invalid field name 'a-b'"},
	    {"{\"type\":\"enum\",\"name\":\"E\",\"symbols\":[\"ok\",\"not ok\"]}",
	     "invalid enum symbol 'not ok'"},
	    {"{\"type\":\"fixed\",\"name\":\"F\",\"size\":-1}", "non-negative integer"},
	    {"{\"type\":\"array\"}", "needs \"items\""},
	    {"{\"name\":\"x\"}", "needs a \"type\""},
	    {"42", "must be a string, an object or an array"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *schema = json_loads(cases[i].schema, JSON_DECODE_ANY, NULL);
		char *out = (char *)1, errstr[256] = "";

		assert_non_null(schema);
		assert_int_equal(yb_avro_canonical_form(&out, schema, errstr, sizeof(errstr)),
				 YB_EINVAL);
		assert_null(out);
		if (strstr(errstr, cases[i].reason) == NULL)
			fail_msg("'%s': got '%s'", cases[i].schema, errstr);
		json_decref(schema);
	}
}

static void deep_nesting_is_refused_not_recursed_into(void **state)
{
	/* 1000 nested arrays: refused at the depth limit, no stack exhaustion. */
	char text[1000 * 30 + 16] = "";
	size_t len = 0;
	json_t *schema;
	char *out = NULL, errstr[128];

	(void)state;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"{\"type\":\"array\",\"items\":");
	len += (size_t)snprintf(text + len, sizeof(text) - len, "\"int\"");
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "}");
	schema = json_loads(text, 0, NULL);
	assert_non_null(schema);
	assert_int_equal(yb_avro_canonical_form(&out, schema, errstr, sizeof(errstr)), YB_EINVAL);
	assert_non_null(strstr(errstr, "too deeply"));
	json_decref(schema);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(canonical_form_and_fingerprint_match_avro_java),
	    cmocka_unit_test(product_schemas_have_their_pinned_fingerprints),
	    cmocka_unit_test(earlier_versions_are_compiled_in_with_their_fingerprints),
	    cmocka_unit_test(avro_c_accepts_every_schema),
	    cmocka_unit_test(malformed_schemas_are_refused_with_a_reason),
	    cmocka_unit_test(deep_nesting_is_refused_not_recursed_into),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
