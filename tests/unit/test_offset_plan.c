/*
 * Reset plans' text forms (kafka/offset_plan.h), as kafka-consumer-groups --reset-offsets reads
 * and writes them: --topic arguments with partition lists, the CSV of --export and
 * --from-file in its one-group and several-group forms, and the errors of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kafka/offset_plan.h"
#include "base/error.h"

/* The plan as "topic:partition=target" words, in its order. */
static const char *describe(const yb_offset_plan *plan)
{
	static char text[1024];
	size_t used = 0;

	text[0] = '\0';
	for (size_t i = 0; i < plan->count && used < sizeof(text); i++)
		used += (size_t)snprintf(text + used, sizeof(text) - used, "%s%s:%d=%lld",
					 i > 0 ? " " : "", plan->items[i].topic,
					 (int)plan->items[i].partition,
					 (long long)plan->items[i].target);
	return text;
}

static int read_csv(yb_offset_plan *plan, const char *text, const char *group, char *errstr)
{
	return yb_offset_plan_read_csv(plan, text, strlen(text), group, errstr, 256);
}

static void topic_arguments_name_all_or_listed_partitions(void **state)
{
	yb_offset_plan plan = {0};
	char errstr[256];

	(void)state;
	assert_int_equal(yb_offset_plan_add_topic_arg(&plan, "claims", errstr, sizeof(errstr)),
			 YB_OK);
	assert_int_equal(
	    yb_offset_plan_add_topic_arg(&plan, "settlements:2,0,5", errstr, sizeof(errstr)),
	    YB_OK);
	/* Again, and overlapping: each partition once. */
	assert_int_equal(
	    yb_offset_plan_add_topic_arg(&plan, "settlements:0", errstr, sizeof(errstr)), YB_OK);
	assert_int_equal(yb_offset_plan_add_topic_arg(&plan, "claims", errstr, sizeof(errstr)),
			 YB_OK);
	assert_string_equal(describe(&plan),
			    "claims:-1=-1 settlements:2=-1 settlements:0=-1 settlements:5=-1");
	assert_int_equal(plan.items[0].partition, YB_ALL_PARTITIONS);
	assert_int_equal(plan.items[1].current, -1);
	yb_offset_plan_sort(&plan);
	assert_string_equal(describe(&plan),
			    "claims:-1=-1 settlements:0=-1 settlements:2=-1 settlements:5=-1");
	yb_offset_plan_free(&plan);
	assert_int_equal(plan.count, 0);
}

static void malformed_topic_arguments_are_refused(void **state)
{
	static const char *bad[] = {
	    "",         "claims:",    ":0",   "claims:0,", "claims:,0", "claims:0,,1",
	    "claims:a", "claims:0:1", "c:-1", "c:+1",      "c: 1",      "c:2147483648",
	};
	char long_topic[300];
	yb_offset_plan plan = {0};
	char errstr[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr[0] = '\0';
		if (yb_offset_plan_add_topic_arg(&plan, bad[i], errstr, sizeof(errstr)) !=
		    YB_EINVAL)
			fail_msg("accepted --topic '%s'", bad[i]);
		if (strstr(errstr, "TOPIC:0,1,2") == NULL)
			fail_msg("no example given for '%s': %s", bad[i], errstr);
	}
	memset(long_topic, 'a', sizeof(long_topic) - 1);
	long_topic[sizeof(long_topic) - 1] = '\0';
	assert_int_equal(yb_offset_plan_add_topic_arg(&plan, long_topic, errstr, sizeof(errstr)),
			 YB_EINVAL);
	assert_int_equal(
	    yb_offset_plan_add_topic_arg(&plan, "c:2147483647", errstr, sizeof(errstr)), YB_OK);
	yb_offset_plan_free(&plan);
}

/* What kafka-consumer-groups --export prints for one group, its final empty line included. */
static void kafkas_export_reads_back(void **state)
{
	yb_offset_plan plan = {0};
	char errstr[256];

	(void)state;
	assert_int_equal(
	    read_csv(&plan, "claims,1,47\nclaims,0,73\nsettlements,2,118\n\n", "g", errstr), YB_OK);
	assert_string_equal(describe(&plan), "claims:1=47 claims:0=73 settlements:2=118");
	yb_offset_plan_free(&plan);
	/* CRLF, no final newline, a later line for the same partition wins (as in Kafka's). */
	assert_int_equal(read_csv(&plan, "claims,0,5\r\nclaims,0,9", "g", errstr), YB_OK);
	assert_string_equal(describe(&plan), "claims:0=9");
	yb_offset_plan_free(&plan);
}

/* Several groups' plan (kafka-consumer-groups --export with --all-groups): the group's
 * lines only; quoted fields. */
static void several_groups_plan_gives_the_groups_lines(void **state)
{
	yb_offset_plan plan = {0};
	char errstr[256];

	(void)state;
	assert_int_equal(read_csv(&plan,
				  "adjudicator,claims,0,10\n"
				  "\"fraud, svc\",claims,0,20\n"
				  "adjudicator,\"settlements\",1,30\n"
				  "\"say \"\"hi\"\"\",claims,2,40\n",
				  "adjudicator", errstr),
			 YB_OK);
	assert_string_equal(describe(&plan), "claims:0=10 settlements:1=30");
	yb_offset_plan_free(&plan);
	assert_int_equal(read_csv(&plan, "adjudicator,claims,0,10\n\"fraud, svc\",claims,0,20\n",
				  "fraud, svc", errstr),
			 YB_OK);
	assert_string_equal(describe(&plan), "claims:0=20");
	yb_offset_plan_free(&plan);
	assert_int_equal(read_csv(&plan, "\"say \"\"hi\"\"\",claims,2,40\n", "say \"hi\"", errstr),
			 YB_OK);
	assert_string_equal(describe(&plan), "claims:2=40");
	yb_offset_plan_free(&plan);
	assert_int_equal(read_csv(&plan, "adjudicator,claims,0,10\n", "nobody", errstr),
			 YB_ENOTFOUND);
	assert_non_null(strstr(errstr, "nobody"));
	yb_offset_plan_free(&plan);
}

static void malformed_plans_name_the_line(void **state)
{
	static const struct {
		const char *csv;
		const char *error;
	} bad[] = {
	    {"claims,0\n", "line 1: not topic,partition,offset"},
	    {"claims,0,1\nclaims,1\n", "line 2: not topic,partition,offset"},
	    {"claims,0,1,2,3\n", "line 1: not"},
	    {"claims,0,1\ng,claims,1,2\n", "line 2: 4 fields where the first line has 3"},
	    {"claims,x,1\n", "line 1: 'x' is not a partition"},
	    {"claims,0,-1\n", "line 1: '-1' is not an offset"},
	    {"claims,0, 1\n", "line 1: ' 1' is not an offset"},
	    {"claims,0,\n", "line 1: '' is not an offset"},
	    {"\n\nclaims,0,99999999999999999999\n", "line 3: '99999999999999999999'"},
	    {",0,1\n", "line 1: '' is not a topic"},
	    {"\"claims,0,1\n", "line 1: not"},
	    {"\"claims\"x,0,1\n", "line 1: not"},
	    {"", "no partitions in the plan"},
	    {"\n\r\n", "no partitions in the plan"},
	};
	yb_offset_plan plan = {0};
	char errstr[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr[0] = '\0';
		if (read_csv(&plan, bad[i].csv, "g", errstr) == YB_OK)
			fail_msg("accepted the plan '%s'", bad[i].csv);
		if (strstr(errstr, bad[i].error) == NULL)
			fail_msg("plan '%s': '%s', not '%s'", bad[i].csv, errstr, bad[i].error);
		yb_offset_plan_free(&plan);
	}
}

/* --export's lines, read back by --from-file to the same plan. */
static void written_plans_read_back(void **state)
{
	yb_offset_plan plan = {0}, again = {0};
	char *text = NULL, errstr[256];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	assert_int_equal(yb_offset_plan_put(&plan, "settlements", 3, 0), YB_OK);
	assert_int_equal(yb_offset_plan_put(&plan, "claims", 0, INT64_MAX), YB_OK);
	assert_int_equal(yb_offset_plan_put(&plan, "claims", 0, 7), YB_OK);
	assert_int_equal(yb_offset_plan_put(&plan, "", 0, 7), YB_EINVAL);
	yb_offset_plan_sort(&plan);
	assert_int_equal(yb_offset_plan_write_csv(&plan, out), YB_OK);
	fclose(out);
	assert_string_equal(text, "claims,0,7\nsettlements,3,0\n");
	assert_int_equal(yb_offset_plan_read_csv(&again, text, len, "g", errstr, sizeof(errstr)),
			 YB_OK);
	assert_string_equal(describe(&again), describe(&plan));
	assert_non_null(yb_offset_plan_find(&again, "settlements", 3));
	assert_null(yb_offset_plan_find(&again, "settlements", 2));
	free(text);
	yb_offset_plan_free(&plan);
	yb_offset_plan_free(&again);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(topic_arguments_name_all_or_listed_partitions),
	    cmocka_unit_test(malformed_topic_arguments_are_refused),
	    cmocka_unit_test(kafkas_export_reads_back),
	    cmocka_unit_test(several_groups_plan_gives_the_groups_lines),
	    cmocka_unit_test(malformed_plans_name_the_line),
	    cmocka_unit_test(written_plans_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
