/*
 * Calendar dates and instants (base/date.h): every day of the years 1..9999 round-trips,
 * the edges of the range, leap years, month arithmetic clamped to the month's end, and
 * ISO-8601 times with offsets read as instants and written in China Standard Time, and
 * ISO-8601 durations read as Java (Kafka's --by-duration) reads them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/date.h"

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

static int64_t duration_ms(const char *s)
{
	int64_t ms = -1;

	if (yb_duration_parse(s, strlen(s), &ms) != 0)
		fail_msg("cannot parse the duration %s", s);
	return ms;
}

/* Java's Duration.parse, as Kafka's --by-duration reads it: days, hours, minutes and seconds,
 * each with its own sign, a fraction of a second, letters in either case. */
static void durations_read_as_java_reads_them(void **state)
{
	(void)state;
	assert_int_equal(duration_ms("PT0S"), 0);
	assert_int_equal(duration_ms("P1D"), YB_MS_PER_DAY);
	assert_int_equal(duration_ms("PT1H"), 3600000);
	assert_int_equal(duration_ms("PT15M"), 900000);
	assert_int_equal(duration_ms("PT30S"), 30000);
	assert_int_equal(duration_ms("P2DT3H4M5S"),
			 2 * YB_MS_PER_DAY + 3 * 3600000 + 4 * 60000 + 5000);
	assert_int_equal(duration_ms("p1dt2h"), YB_MS_PER_DAY + 2 * 3600000);
	assert_int_equal(duration_ms("PT1.5S"), 1500);
	assert_int_equal(duration_ms("PT1,25S"), 1250);
	assert_int_equal(duration_ms("PT1.S"), 1000);
	assert_int_equal(duration_ms("PT0.123456789S"), 123);
	assert_int_equal(duration_ms("PT-0.5S"), -500);
	assert_int_equal(duration_ms("-PT6H"), -6 * 3600000);
	assert_int_equal(duration_ms("+PT6H"), 6 * 3600000);
	assert_int_equal(duration_ms("PT-6H3M"), -6 * 3600000 + 3 * 60000);
	assert_int_equal(duration_ms("-P1DT-1H"), -YB_MS_PER_DAY + 3600000);
	assert_int_equal(duration_ms("PT+2M"), 120000);
	assert_int_equal(duration_ms("PT36H"), 36 * 3600000);
	assert_int_equal(duration_ms("P106751991167DT7H12M55.807S"), INT64_MAX);
}

static void malformed_durations_are_refused(void **state)
{
	static const char *bad[] = {
	    "",
	    "P",                 /* no section */
	    "PT",                /* a T with no time after it */
	    "P1DT",              /* the same after days */
	    "1D",                /* no P */
	    "P1H",               /* hours without the T */
	    "PT1D",              /* days after the T */
	    "P1W",               /* weeks, */
	    "P1Y",               /* years */
	    "P1M",               /* and months are not Java Durations */
	    "PT1M1H",            /* out of order */
	    "PT1.5M",            /* a fraction of a minute */
	    "PT.5S",             /* a fraction with no seconds */
	    "PT1.0123456789S",   /* finer than a nanosecond */
	    "PT1S ",             /* trailing text */
	    " PT1S",             /* leading text */
	    "PT--1S",            /* two signs */
	    "P106751991167DT8H", /* beyond int64 milliseconds */
	    "P99999999999999999999D",
	};
	int64_t ms;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (yb_duration_parse(bad[i], strlen(bad[i]), &ms) != -1)
			fail_msg("accepted the duration '%s'", bad[i]);
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
	    cmocka_unit_test(durations_read_as_java_reads_them),
	    cmocka_unit_test(malformed_durations_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
