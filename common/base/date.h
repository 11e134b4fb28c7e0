/*
 * Calendar dates and instants, without the C library's clock or time zone.
 *
 * A date is the number of days since 1970-01-01 (the Avro "date" logical type); an instant
 * is milliseconds since 1970-01-01T00:00:00Z (Avro "timestamp-millis"). The rules compare
 * dates (a waiting period, a filing deadline); the codec prints instants in China Standard
 * Time, UTC+08:00, the zone every scheme's regulation speaks in. Proleptic Gregorian
 * calendar, years 1 to 9999. Pure: no I/O, no clock, no globals.
 */
#ifndef YB_RULES_DATE_H
#define YB_RULES_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* China Standard Time's offset from UTC, in milliseconds. */
#define YB_CST_OFFSET_MS (8 * 3600 * 1000LL)
#define YB_MS_PER_DAY    (86400 * 1000LL)

/* The days and instants that print as four-digit years: 0001-01-01 to 9999-12-31 (CST). */
#define YB_DATE_MIN    (-719162)
#define YB_DATE_MAX    2932896
#define YB_INSTANT_MIN (YB_DATE_MIN * YB_MS_PER_DAY - YB_CST_OFFSET_MS)
#define YB_INSTANT_MAX ((YB_DATE_MAX + 1) * YB_MS_PER_DAY - YB_CST_OFFSET_MS - 1)

/* Is y-m-d a real calendar day of the years 1..9999? */
bool yb_date_valid(int y, int m, int d);

/* Days since 1970-01-01 of a valid y-m-d (negative before 1970). */
int32_t yb_date_from_ymd(int y, int m, int d);

/* The y-m-d of a day number in YB_DATE_MIN..YB_DATE_MAX. */
void yb_date_to_ymd(int32_t days, int *y, int *m, int *d);

/* The date days + n (n may be negative). */
static inline int32_t yb_date_add_days(int32_t days, int32_t n)
{
	return days + n;
}

/* The same day of the month `months` later (negative: earlier), clamped to the month's
 * last day: 2024-01-31 + 1 month = 2024-02-29. */
int32_t yb_date_add_months(int32_t days, int months);

/*
 * The last day of a period of `days` days, or `months` months, counted from the day `from`
 * — one rule for every window the texts set (waiting periods, transitions, newborns,
 * transfers): 民法典 第二百零一条, the day the period starts from is not counted, it begins
 * the next day; 第二百零二条, a period of months ends on the corresponding day of its last
 * month, or that month's last day when it has none. So "within 90 days of X" is on or before
 * yb_period_last_day(X, 90, 0), and a 60-day waiting period from a payment on P covers
 * P+1..P+60: the first covered day is P+61.
 */
int32_t yb_period_last_day(int32_t from, int32_t days, int32_t months);

/* The calendar day, in China Standard Time, of an instant. */
int32_t yb_date_of_instant(int64_t ms);

/*
 * Parse "YYYY-MM-DD" (exactly that) of len bytes into *days. Returns 0, or -1 when the text is
 * not that form or not a real day.
 */
int yb_date_parse(const char *text, size_t len, int32_t *days);

/* Write "YYYY-MM-DD" and a NUL into buf (at least 11 bytes); days in YB_DATE_MIN..MAX. */
void yb_date_format(int32_t days, char buf[11]);

/*
 * Parse an ISO-8601 time with an offset: "YYYY-MM-DDTHH:MM:SS[.fff]" then "Z" or "±HH:MM"
 * (a space may stand for the "T"). Fractions beyond milliseconds are refused rather than
 * rounded: an instant is exact or an error. Returns 0, or -1.
 */
int yb_instant_parse(const char *text, size_t len, int64_t *ms);

/*
 * Parse an ISO-8601 duration as Java's Duration.parse reads it (Kafka's kafka-consumer-groups
 * --by-duration): "[±]P[nD][T[nH][nM][n[.fffffffff]S]]", letters in either case, each n with
 * its own optional sign, at least one section, a day exactly 24 hours (no years, months or
 * weeks). *ms = the duration in milliseconds, any finer fraction dropped. Returns 0, or -1
 * when the text is not that form or the duration leaves the int64 range of milliseconds.
 */
int yb_duration_parse(const char *text, size_t len, int64_t *ms);

/* Write the instant (YB_INSTANT_MIN..MAX) in China Standard Time, "2020-03-01T09:30:00+08:00", with
 * ".fff" only when the milliseconds are not zero; buf holds at least 30 bytes. */
void yb_instant_format(int64_t ms, char buf[30]);

#endif
