/*
 * Calendar dates and instants (rules/date.h): every day of the years 1..9999 round-trips,
 * the edges of the range, leap years, month arithmetic clamped to the month's end, and
 * ISO-8601 times with offsets read as instants and written in China Standard Time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rules/date.h"

static int32_t parse(const char *s)
{
	int32_t days = 0;

	if (yb_date_parse(s, strlen(s), &days) != 0)
		fail_msg("cannot parse %s", s);
	return days;
}

static void every_day_round_trips(void **state)
{
	char buf[11], again[11];

	(void)state;
	for (int32_t d = YB_DATE_MIN; d <= YB_DATE_MAX; d++) {
		int32_t back = 0;

		yb_date_format(d, buf);
		assert_int_equal(yb_date_parse(buf, 10, &back), 0);
		if (back != d) {
			yb_date_format(back, again);
			fail_msg("%d printed %s, read back %d (%s)", d, buf, back, again);
		}
	}
}

static void known_days(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01"), 0);
	assert_int_equal(parse("0001-01-01"), YB_DATE_MIN);
	assert_int_equal(parse("9999-12-31"), YB_DATE_MAX);
	assert_int_equal(parse("2000-03-01") - parse("2000-02-28"), 2); /* 2000 is leap */
	assert_int_equal(parse("1900-03-01") - parse("1900-02-28"), 1); /* 1900 is not */
	assert_int_equal(parse("2024-03-01"), 19783);
}

static void impossible_days_are_refused(void **state)
{
	static const char *bad[] = {"2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31",
				    "0000-01-01", "2024-1-01",  "2024/01/01", "2024-01-01x",
				    "",           "20240101"};
	int32_t d;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(yb_date_parse(bad[i], strlen(bad[i]), &d), -1);
}

static void months_clamp_to_the_months_end(void **state)
{
	char buf[11];

	(void)state;
	yb_date_format(yb_date_add_months(parse("2024-01-31"), 1), buf);
	assert_string_equal(buf, "2024-02-29");
	yb_date_format(yb_date_add_months(parse("2023-01-31"), 1), buf);
	assert_string_equal(buf, "2023-02-28");
	yb_date_format(yb_date_add_months(parse("2024-11-15"), 3), buf);
	assert_string_equal(buf, "2025-02-15");
	yb_date_format(yb_date_add_months(parse("2024-03-31"), -1), buf);
	assert_string_equal(buf, "2024-02-29");
	yb_date_format(yb_date_add_months(parse("2024-01-15"), -13), buf);
	assert_string_equal(buf, "2022-12-15");
}

static void instants_read_any_offset_and_print_in_cst(void **state)
{
	static const struct {
		const char *in, *out;
		int64_t ms;
	} cases[] = {
	    {"1970-01-01T00:00:00Z", "1970-01-01T08:00:00+08:00", 0},
	    {"1970-01-01T08:00:00+08:00", "1970-01-01T08:00:00+08:00", 0},
	    {"2020-03-01T09:30:00+08:00", "2020-03-01T09:30:00+08:00", INT64_C(1583026200000)},
	    {"2020-03-01 01:30:00.5-00:00", "2020-03-01T09:30:00.500+08:00",
	     INT64_C(1583026200500)},
	    /* Across midnight and a year end in CST. */
	    {"2023-12-31T16:00:00.001Z", "2024-01-01T00:00:00.001+08:00", INT64_C(1704038400001)},
	    {"1969-12-31T23:59:59.999Z", "1970-01-01T07:59:59.999+08:00", -1},
	    {"0001-01-01T00:00:00+08:00", "0001-01-01T00:00:00+08:00", YB_INSTANT_MIN},
	    {"9999-12-31T23:59:59.999+08:00", "9999-12-31T23:59:59.999+08:00", YB_INSTANT_MAX},
	};
	char buf[30];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ms = 0;

		if (yb_instant_parse(cases[i].in, strlen(cases[i].in), &ms) != 0)
			fail_msg("cannot parse %s", cases[i].in);
		assert_int_equal(ms, cases[i].ms);
		yb_instant_format(ms, buf);
		assert_string_equal(buf, cases[i].out);
	}
	assert_int_equal(yb_date_of_instant(INT64_C(1704038400001)), parse("2024-01-01"));
	assert_int_equal(yb_date_of_instant(INT64_C(1704038399999)), parse("2023-12-31"));
}

static void malformed_times_are_refused(void **state)
{
	static const char *bad[] = {
	    "2020-03-01T09:30:00",        /* no offset */
	    "2020-03-01T24:00:00Z",       /* no hour 24 */
	    "2020-03-01T09:60:00Z",       /* no minute 60 */
	    "2020-03-01T09:30:00.Z",      /* an empty fraction */
	    "2020-03-01T09:30:00.1234Z",  /* finer than a millisecond */
	    "2020-03-01T09:30:00+0800",   /* offset without colon */
	    "2020-03-01T09:30:00+08:00x", /* trailing text */
	    "2020-02-30T09:30:00Z",       /* no such day */
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (yb_instant_parse(bad[i], strlen(bad[i]), &ms) != -1)
			fail_msg("accepted %s", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(every_day_round_trips),
	    cmocka_unit_test(known_days),
	    cmocka_unit_test(impossible_days_are_refused),
	    cmocka_unit_test(months_clamp_to_the_months_end),
	    cmocka_unit_test(instants_read_any_offset_and_print_in_cst),
	    cmocka_unit_test(malformed_times_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
