/*
 * Policy files (rules/policy.h): versions inherit and are chosen by the service day; every
 * value has a citation; a malformed or incomplete policy is refused naming the file, the
 * line and the key; the five policies in policies/ all load; and a directory of policies
 * has a fingerprint of its contents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/policy_files.h"
#include "base/date.h"
#include "base/error.h"
#include "rules/policy.h"

/* A complete resident policy: every key a resident scheme must have. */
#define BASE                                                                       \
	"scheme = test-resident\n"                                                 \
	"regulation = test-2020.txt\n"                                             \
	"[2020-01-01]\n"                                                           \
	"scheme.kind = resident @ 第一条\n"                                     \
	"coverage.premium_window = 10-01..12-31 @ 第二条\n"                     \
	"coverage.waiting_rule = none @ 第二条\n"                               \
	"exclusion.abroad = true @ 第三条\n"                                    \
	"exclusion.non_designated = true @ 第三条\n"                            \
	"exclusion.causes = work_injury @ 第三条\n"                             \
	"fund.annual_cap_fen = 6000000 @ 第四条\n"                              \
	"inpatient.deductible_fen.level1 = 30000 @ 第五条(一)\n"               \
	"inpatient.deductible_fen.level2 = 50000 @ 第五条(一)\n"               \
	"inpatient.deductible_fen.level3 = 70000 @ 第五条(一)\n"               \
	"inpatient.rate.level1 = *:8000 @ 第五条(二)\n"                        \
	"inpatient.rate.level2 = *:7500 @ 第五条(二)\n"                        \
	"inpatient.rate.level3 = 500000:6000, *:7000 @ 第五条(二)\n"           \
	"maternity.mode = stay @ 第六条\n"                                      \
	"outpatient.enabled = false @ 第七条\n"                                 \
	"chronic.enabled = false @ 第七条\n"                                    \
	"critical.deductible_fen = 1500000 @ assumed: the province's 2019 rules\n" \
	"critical.rate = *:6000 @ assumed: the province's 2019 rules\n"

static int parse(yb_policy_set *set, const char *text, char *errstr, size_t errlen)
{
	return yb_policy_parse(set, "test.policy", text, strlen(text), errstr, errlen);
}

static void a_complete_policy_parses_with_its_citations(void **state)
{
	yb_policy_set *set = calloc(1, sizeof(*set));
	char errstr[256] = "";
	const yb_policy *p;

	(void)state;
	if (parse(set, BASE, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	assert_int_equal(set->count, 1);
	p = &set->versions[0];
	assert_string_equal(p->version, "test-resident@2020-01-01");
	assert_int_equal(p->deductible[3].fen, 70000);
	assert_int_equal(p->rate[3].count, 2);
	assert_int_equal(p->rate[3].upto[0], 500000);
	assert_int_equal(p->rate[3].rate[1], 7000);
	assert_int_equal(p->rate[3].upto[1], INT64_MAX);
	/* The regulation's file is written into each article citation. */
	assert_string_equal(p->cite[YB_PK_DED_L3], "test-2020.txt 第五条(一)");
	assert_string_equal(yb_policy_cite(p, "critical.rate"),
			    "assumed: the province's 2019 rules");
	assert_string_equal(p->cite[YB_PK_MATERNITY_FIXED], ""); /* not set */
	free(set);
}

static void versions_inherit_and_are_chosen_by_the_service_day(void **state)
{
	yb_policy_set *set = calloc(1, sizeof(*set));
	char errstr[256] = "";
	const char *text = BASE "[2022-01-01]\n"
				"inpatient.rate.level1 = *:8500 @ 第五条(二)\n"
				"effective_to = 2023-12-31 @ 第九条\n";

	(void)state;
	if (parse(set, text, errstr, sizeof(errstr)) != YB_OK)
		fail_msg("%s", errstr);
	assert_int_equal(set->count, 2);
	/* Before the first version: nothing in force. */
	assert_null(yb_policy_in_force(set, yb_date_from_ymd(2019, 12, 31)));
	/* The first version, to the day before the second. */
	assert_int_equal(yb_policy_in_force(set, yb_date_from_ymd(2020, 1, 1))->rate[1].rate[0],
			 8000);
	assert_int_equal(yb_policy_in_force(set, yb_date_from_ymd(2021, 12, 31))->rate[1].rate[0],
			 8000);
	/* The second changes one rate and inherits the rest. */
	assert_int_equal(yb_policy_in_force(set, yb_date_from_ymd(2022, 1, 1))->rate[1].rate[0],
			 8500);
	assert_int_equal(yb_policy_in_force(set, yb_date_from_ymd(2022, 1, 1))->deductible[3].fen,
			 70000);
	assert_string_equal(yb_policy_in_force(set, yb_date_from_ymd(2023, 12, 31))->version,
			    "test-resident@2022-01-01");
	/* After effective_to: nothing. */
	assert_null(yb_policy_in_force(set, yb_date_from_ymd(2024, 1, 1)));
	free(set);
}

static void malformed_policies_are_refused_naming_file_line_and_key(void **state)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
	    {BASE "inpatient.rate.level4 = *:1 @ 第五条\n",
	     "test.policy:22: unknown key 'inpatient.rate.level4'"},
	    {BASE "fund.annual_cap_fen = 100\n",
	     "test.policy:22: key 'fund.annual_cap_fen' has no citation"},
	    {BASE "fund.annual_cap_fen = 100 @ somewhere\n",
	     "key 'fund.annual_cap_fen': the citation must name an article"},
	    {BASE "fund.annual_cap_fen = 100 @ assumed:\n",
	     "an assumed value must say where it came from"},
	    {BASE "fund.annual_cap_fen = 12.50 @ 第四条\n",
	     "key 'fund.annual_cap_fen': '12.50' must be a whole number of fen"},
	    {BASE "fund.annual_cap_fen = -5 @ 第四条\n", "must be a whole number of fen"},
	    {BASE "inpatient.rate.level1 = 500000:6000 @ 第五条\n",
	     "must be rates by amount, rising, ending with *"},
	    {BASE "inpatient.rate.level1 = 500:6000,400:7000,*:1 @ 第五条\n",
	     "must be rates by amount"},
	    {BASE "inpatient.retiree_bonus_bp = 10001 @ 第五条\n",
	     "must be basis points, 0 to 10000"},
	    {BASE "coverage.premium_window = 10-01..13-31 @ 第二条\n",
	     "must be a window MM-DD..MM-DD"},
	    {BASE "coverage.newborn_from_birth_within = 3w @ 第二条\n",
	     "must be a number of days or months"},
	    {BASE "maternity.mode = sometimes @ 第六条\n", "must be none, stay or fixed"},
	    {BASE "outpatient.enabled = yes @ 第七条\n", "must be true or false"},
	    {BASE "[2019-01-01]\n", "version [2019-01-01] is not later than the one before"},
	    {BASE "[2021-13-01]\n", "a version starts with [YYYY-MM-DD]"},
	    {"scheme = x\nfund.annual_cap_fen = 1 @ 第一条\n",
	     "test.policy:2: key 'fund.annual_cap_fen' before the first"},
	    {"scheme = x\n", "no version"},
	    {"[2020-01-01]\n", "'scheme = NAME' must come before the first version"},
	    /* Incomplete: each benefit switched on needs its numbers. */
	    {BASE "outpatient.enabled = true @ 第七条\n", "key 'outpatient.rate_bp' is missing"},
	    {BASE "maternity.mode = fixed @ 第六条\n", "key 'maternity.fixed_fen' is missing"},
	    {BASE "coverage.waiting_rule = new @ 第二条\n", "'coverage.waiting_days' must be set"},
	    {BASE "scheme.kind = employee @ 第一条\n",
	     "key 'coverage.min_continuous_months' is missing"},
	    {"scheme = x\nregulation = r.txt\n[2020-01-01]\nscheme.kind = resident @ 第一条\n",
	     "key 'fund.annual_cap_fen' is missing"},
	    /* A missing key in an earlier version is reported when the next begins. */
	    {"scheme = x\nregulation = r.txt\n[2020-01-01]\nscheme.kind = resident @ "
	     "第一条\n[2021-01-01]\n",
	     "test.policy:5: version x@2020-01-01: key 'fund.annual_cap_fen' is missing"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yb_policy_set *set = calloc(1, sizeof(*set));
		char errstr[512] = "";

		assert_int_equal(parse(set, cases[i].text, errstr, sizeof(errstr)), YB_EINVAL);
		if (strstr(errstr, cases[i].error) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, errstr, cases[i].error);
		free(set);
	}
}

/* The committed policies: all five load; every value cites an article or says assumed. */
static void the_five_policies_load_and_cite_every_value(void **state)
{
	static const char *const schemes[] = {"binzhou-resident", "chaoyang-resident",
					      "yantai-employee", "yantai-resident",
					      "yingkou-resident"};
	yb_policy_set *sets = NULL;
	size_t count = 0;
	char errstr[512] = "";

	(void)state;
	if (yb_policy_load_dir(YB_TEST_POLICIES_DIR, &sets, &count, errstr, sizeof(errstr)) !=
	    YB_OK)
		fail_msg("%s", errstr);
	assert_int_equal(count, 5);
	for (size_t i = 0; i < count; i++) {
		assert_string_equal(sets[i].scheme, schemes[i]);
		for (int v = 0; v < sets[i].count; v++) {
			for (int k = 0; k < YB_PK_COUNT; k++) {
				const char *c = sets[i].versions[v].cite[k];

				if (c[0] == '\0')
					continue;
				if (strncmp(c, "assumed: ", 9) != 0 &&
				    (strstr(c, ".txt ") == NULL || strstr(c, "第") == NULL))
					fail_msg("%s %s: citation '%s'", schemes[i],
						 yb_policy_key_name((size_t)k), c);
			}
		}
	}
	free(sets);
}

static void a_directory_with_a_bad_policy_loads_nothing(void **state)
{
	yb_policy_set *sets = NULL;
	size_t count = 0;
	char errstr[512] = "";

	(void)state;
	assert_int_equal(yb_policy_load_dir(YB_TEST_DATA_DIR "/policies-bad", &sets, &count, errstr,
					    sizeof(errstr)),
			 YB_EINVAL);
	assert_null(sets);
	assert_non_null(strstr(errstr, "broken.policy:8: key 'inpatient.deductible_fen.level2'"));
	assert_int_equal(yb_policy_load_dir("/nonexistent", &sets, &count, errstr, sizeof(errstr)),
			 YB_EIO);
}

/* Write text to dir/name. */
static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void remove_dir(const char *dir, const char *const *names, size_t n)
{
	char path[512];

	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		remove(path);
	}
	rmdir(dir);
}

/* The fingerprint names a policy set by its contents: the value a shell computes (see
 * policy_files.h), the same for a copy elsewhere, another for any edit or rename. */
static void the_fingerprint_names_the_policy_files_by_content(void **state)
{
	static const char *const names[] = {"a-x.policy", "b.policy", "fraud.conf", "c.policy"};
	/* In the working directory (ctest: the build tree), removed at the end. */
	char one[] = "yb-fingerprint-XXXXXX", two[] = "yb-fingerprint-XXXXXX";
	char first[65], second[65], errstr[256] = "";

	(void)state;
	assert_non_null(mkdtemp(one));
	assert_non_null(mkdtemp(two));
	assert_int_equal(yb_policy_dir_fingerprint(one, first, errstr, sizeof(errstr)), YB_EINVAL);
	assert_string_equal(first, "");
	put_file(one, "b.policy", "two\n");
	put_file(one, "a-x.policy", "one\n");
	put_file(one, "fraud.conf", "not a policy\n");
	assert_int_equal(yb_policy_dir_fingerprint(one, first, errstr, sizeof(errstr)), YB_OK);
	/* printf 'a-x.policy\0004\000one\nb.policy\0004\000two\n' | sha256sum */
	assert_string_equal(first,
			    "8d921f7ff08c8a4d94310b41568b3b957561d4e7b909045d838b589d32b26e47");
	put_file(two, "a-x.policy", "one\n");
	put_file(two, "b.policy", "two\n");
	assert_int_equal(yb_policy_dir_fingerprint(two, second, errstr, sizeof(errstr)), YB_OK);
	assert_string_equal(first, second);
	put_file(two, "b.policy", "twO\n");
	assert_int_equal(yb_policy_dir_fingerprint(two, second, errstr, sizeof(errstr)), YB_OK);
	assert_string_not_equal(first, second);
	put_file(two, "b.policy", "two\n");
	put_file(two, "c.policy", "");
	assert_int_equal(yb_policy_dir_fingerprint(two, second, errstr, sizeof(errstr)), YB_OK);
	assert_string_not_equal(first, second);
	assert_int_equal(yb_policy_dir_fingerprint("/nonexistent", second, errstr, sizeof(errstr)),
			 YB_EIO);
	remove_dir(one, names, 4);
	remove_dir(two, names, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_complete_policy_parses_with_its_citations),
	    cmocka_unit_test(versions_inherit_and_are_chosen_by_the_service_day),
	    cmocka_unit_test(malformed_policies_are_refused_naming_file_line_and_key),
	    cmocka_unit_test(the_five_policies_load_and_cite_every_value),
	    cmocka_unit_test(a_directory_with_a_bad_policy_loads_nothing),
	    cmocka_unit_test(the_fingerprint_names_the_policy_files_by_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
