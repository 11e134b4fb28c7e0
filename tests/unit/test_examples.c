/*
 * The worked examples: every claim-bearing article of the five regulations, adjudicated
 * from tests/data/examples/<scheme>.jsonl and checked against <scheme>.expected.jsonl,
 * where each expected settlement carries, in its "why", the article and the arithmetic done
 * by hand. The in-process run goes through the same ledger claimctl adjudicate uses, and
 * checks the contract's invariants on every settlement too:
 *   total = fund + critical illness + large relief + assistance + personal account + cash,
 *   a rejected claim pays nothing from any fund.
 *
 *   test_examples                              the cmocka suite (one test per scheme)
 *   test_examples --compare EXPECTED ACTUAL    check claimctl adjudicate's output file
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codec/json.h"
#include "io/policy_files.h"
#include "ledger/ledger.h"
#include "base/error.h"

static char arena_memory[1 << 20];

static json_t *load_lines(const char *path)
{
	json_t *list = json_array();
	char line[65536];
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		json_error_t error;
		json_t *v;

		if (line[0] == '\n')
			continue;
		v = json_loads(line, 0, &error);
		if (v == NULL) {
			fprintf(stderr, "%s: %s\n", path, error.text);
			fclose(f);
			json_decref(list);
			return NULL;
		}
		json_array_append_new(list, v);
	}
	fclose(f);
	return list;
}

static int64_t field(const json_t *s, const char *name)
{
	return json_integer_value(json_object_get(s, name));
}

/* The contract's invariants; returns a description of the breach or NULL. */
static const char *invariant_breach(const json_t *s)
{
	static const char *const funds[] = {"fund_pay_fen", "critical_illness_pay_fen",
					    "large_relief_pay_fen", "assistance_pay_fen",
					    "personal_account_pay_fen"};
	int64_t sum = field(s, "cash_pay_fen");

	for (size_t i = 0; i < sizeof(funds) / sizeof(funds[0]); i++) {
		sum += field(s, funds[i]);
		if (field(s, funds[i]) < 0)
			return "a negative payment";
		if (strcmp(json_string_value(json_object_get(s, "status")), "rejected") == 0 &&
		    field(s, funds[i]) != 0)
			return "a rejected claim paid by a fund";
	}
	if (field(s, "cash_pay_fen") < 0)
		return "negative cash";
	if (sum != field(s, "total_fen"))
		return "the parts do not sum to the total";
	return NULL;
}

/* Compare expected (subsets, with "why") with actual settlements; returns failures. */
static int compare(const json_t *expected, const json_t *actual, const char *name)
{
	int failures = 0;

	if (json_array_size(expected) != json_array_size(actual)) {
		fprintf(stderr, "%s: %zu settlements expected, %zu produced\n", name,
			json_array_size(expected), json_array_size(actual));
		failures++;
	}
	for (size_t i = 0; i < json_array_size(expected) && i < json_array_size(actual); i++) {
		const json_t *e = json_array_get(expected, i), *a = json_array_get(actual, i);
		const char *key, *breach;
		const json_t *want;

		if (strcmp(json_string_value(json_object_get(a, "type")), "settlement") != 0) {
			fprintf(stderr, "%s: output %zu is not a settlement\n", name, i + 1);
			failures++;
			continue;
		}
		breach = invariant_breach(a);
		if (breach != NULL) {
			fprintf(stderr, "%s: %s: %s\n", name,
				json_string_value(json_object_get(a, "claim_id")), breach);
			failures++;
		}
		json_object_foreach ((json_t *)e, key, want) {
			const json_t *got = json_object_get(a, key);

			if (strcmp(key, "why") == 0 || json_equal(want, got))
				continue;
			{
				char *w = json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT);
				char *g = got != NULL
					      ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT)
					      : NULL;

				fprintf(stderr, "%s: %s: %s is %s, expected %s (%s)\n", name,
					json_string_value(json_object_get(e, "claim_id")), key,
					g != NULL ? g : "absent", w,
					json_string_value(json_object_get(e, "why")));
				free(w);
				free(g);
			}
			failures++;
		}
	}
	return failures;
}

static void run_scheme(const char *scheme)
{
	char path[1024], errstr[512];
	yb_policy_set *sets = NULL;
	size_t count = 0;
	yb_ledger *ledger = NULL;
	json_t *inputs, *expected, *actual = json_array();
	size_t i;
	json_t *line;

	assert_int_equal(
	    yb_policy_load_dir(YB_TEST_POLICIES_DIR, &sets, &count, errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_ledger_new(&ledger, sets, count), YB_OK);
	snprintf(path, sizeof(path), "%s/examples/%s.jsonl", YB_TEST_DATA_DIR, scheme);
	inputs = load_lines(path);
	snprintf(path, sizeof(path), "%s/examples/%s.expected.jsonl", YB_TEST_DATA_DIR, scheme);
	expected = load_lines(path);
	assert_non_null(inputs);
	assert_non_null(expected);
	json_array_foreach (inputs, i, line) {
		yb_arena arena;
		yb_record record;
		const yb_settlement *s = NULL;
		int rc;

		yb_arena_init(&arena, arena_memory, sizeof(arena_memory));
		if (yb_json_decode_object(line, &arena, &record, errstr, sizeof(errstr)) != YB_OK)
			fail_msg("%s line %zu: %s", scheme, i + 1, errstr);
		rc = yb_ledger_apply(ledger, &record, &s, errstr, sizeof(errstr));
		if (rc < 0)
			fail_msg("%s line %zu: %s", scheme, i + 1, errstr);
		if (rc == 1) {
			yb_record out = {.type = YB_RECORD_SETTLEMENT};

			out.as.settlement = *s;
			json_array_append_new(actual, yb_json_encode(&out));
		}
	}
	assert_int_equal(compare(expected, actual, scheme), 0);
	json_decref(inputs);
	json_decref(expected);
	json_decref(actual);
	yb_ledger_destroy(ledger);
	free(sets);
}

static void yingkou_resident(void **state)
{
	(void)state;
	run_scheme("yingkou-resident");
}

static void binzhou_resident(void **state)
{
	(void)state;
	run_scheme("binzhou-resident");
}

static void chaoyang_resident(void **state)
{
	(void)state;
	run_scheme("chaoyang-resident");
}

static void yantai_employee(void **state)
{
	(void)state;
	run_scheme("yantai-employee");
}

static void yantai_resident(void **state)
{
	(void)state;
	run_scheme("yantai-resident");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(yingkou_resident),  cmocka_unit_test(binzhou_resident),
	    cmocka_unit_test(chaoyang_resident), cmocka_unit_test(yantai_employee),
	    cmocka_unit_test(yantai_resident),
	};

	if (argc == 4 && strcmp(argv[1], "--compare") == 0) {
		json_t *expected = load_lines(argv[2]), *actual = load_lines(argv[3]);
		int failures;

		if (expected == NULL || actual == NULL) {
			fprintf(stderr, "cannot read %s or %s\n", argv[2], argv[3]);
			return 2;
		}
		failures = compare(expected, actual, argv[3]);
		printf("%zu settlements compared, %d mismatches\n", json_array_size(expected),
		       failures);
		json_decref(expected);
		json_decref(actual);
		return failures == 0 ? 0 : 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
