/*
 * Civil-date arithmetic after Howard Hinnant's days_from_civil / civil_from_days: exact
 * integer formulas over 400-year eras, no tables, no time zone database.
 */
#include "base/date.h"

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

bool yb_date_valid(int y, int m, int d)
{
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

int32_t yb_date_from_ymd(int y, int m, int d)
{
	int yy = m <= 2 ? y - 1 : y;
	int era = (yy >= 0 ? yy : yy - 399) / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void yb_date_to_ymd(int32_t days, int *y, int *m, int *d)
{
	int32_t z = days + 719468;
	int32_t era = (z >= 0 ? z : z - 146096) / 146097;
	int32_t doe = z - era * 146097;
	int32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int32_t mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

int32_t yb_date_add_months(int32_t days, int months)
{
	int y, m, d, index;

	yb_date_to_ymd(days, &y, &m, &d);
	index = y * 12 + (m - 1) + months;
	y = index / 12;
	m = index % 12 + 1;
	if (d > days_in_month(y, m))
		d = days_in_month(y, m);
	return yb_date_from_ymd(y, m, d);
}

/* Floor division, for instants before 1970. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int32_t yb_date_of_instant(int64_t ms)
{
	return (int32_t)floor_div(ms + YB_CST_OFFSET_MS, YB_MS_PER_DAY);
}

/* n decimal digits at text, or -1. */
static int digits(const char *text, int n)
{
	int value = 0;

	for (int i = 0; i < n; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		value = value * 10 + (text[i] - '0');
	}
	return value;
}

int yb_date_parse(const char *text, size_t len, int32_t *days)
{
	int y, m, d;

	if (len != 10 || text[4] != '-' || text[7] != '-')
		return -1;
	y = digits(text, 4);
	m = digits(text + 5, 2);
	d = digits(text + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !yb_date_valid(y, m, d))
		return -1;
	*days = yb_date_from_ymd(y, m, d);
	return 0;
}

static void put_digits(char *out, int value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

void yb_date_format(int32_t days, char buf[11])
{
	int y, m, d;

	yb_date_to_ymd(days, &y, &m, &d);
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = '\0';
}

int yb_instant_parse(const char *text, size_t len, int64_t *ms)
{
	int32_t days;
	int hh, mi, ss, frac = 0;
	int64_t offset_ms;
	size_t pos = 19;

	if (len < 20 || yb_date_parse(text, 10, &days) != 0 ||
	    (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
		return -1;
	hh = digits(text + 11, 2);
	mi = digits(text + 14, 2);
	ss = digits(text + 17, 2);
	if (hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59)
		return -1;
	if (text[pos] == '.') {
		int n = 0;

		pos++;
		while (pos < len && text[pos] >= '0' && text[pos] <= '9') {
			if (++n > 3)
				return -1;
			frac = frac * 10 + (text[pos] - '0');
			pos++;
		}
		if (n == 0)
			return -1;
		for (; n < 3; n++)
			frac *= 10;
	}
	if (pos < len && text[pos] == 'Z' && pos + 1 == len) {
		offset_ms = 0;
	} else if (pos + 6 == len && (text[pos] == '+' || text[pos] == '-') &&
		   text[pos + 3] == ':') {
		int oh = digits(text + pos + 1, 2), om = digits(text + pos + 4, 2);

		if (oh < 0 || oh > 18 || om < 0 || om > 59)
			return -1;
		offset_ms = ((int64_t)oh * 60 + om) * 60000;
		if (text[pos] == '-')
			offset_ms = -offset_ms;
	} else {
		return -1;
	}
	*ms = (int64_t)days * YB_MS_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss) * 1000 + frac -
	      offset_ms;
	return 0;
}

void yb_instant_format(int64_t ms, char buf[30])
{
	int64_t local = ms + YB_CST_OFFSET_MS;
	int64_t day = floor_div(local, YB_MS_PER_DAY);
	int64_t in_day = local - day * YB_MS_PER_DAY;
	int secs = (int)(in_day / 1000), millis = (int)(in_day % 1000);
	char *p = buf;

	yb_date_format((int32_t)day, p);
	p += 10;
	*p++ = 'T';
	put_digits(p, secs / 3600, 2);
	p[2] = ':';
	put_digits(p + 3, secs / 60 % 60, 2);
	p[5] = ':';
	put_digits(p + 6, secs % 60, 2);
	p += 8;
	if (millis != 0) {
		*p++ = '.';
		put_digits(p, millis, 3);
		p += 3;
	}
	p[0] = '+';
	p[1] = '0';
	p[2] = '8';
	p[3] = ':';
	p[4] = '0';
	p[5] = '0';
	p[6] = '\0';
}

int32_t yb_period_last_day(int32_t from, int32_t days, int32_t months)
{
	return months > 0 ? yb_date_add_months(from, months) : from + days;
}

/* *total += n * unit, or -1 when it leaves the int64 range. */
static int add_scaled(int64_t *total, int64_t n, int64_t unit)
{
	int64_t scaled;

	if (__builtin_mul_overflow(n, unit, &scaled) ||
	    __builtin_add_overflow(*total, scaled, total))
		return -1;
	return 0;
}

/*
 * One "[±]digits" then the unit letter (either case) at *pos: 1 and *pos past it when there,
 * 0 with *pos unmoved when the text there is not that section (it may be the next one), -1
 * when the number does not fit an int64. With fraction (the seconds), "[.,]" and up to nine
 * digits may come before the letter: *frac_ms their milliseconds, signed as the number.
 */
static int duration_section(const char *text, size_t len, size_t *pos, char unit, int64_t *n,
			    int64_t *frac_ms)
{
	size_t p = *pos, start;
	bool negative = false;
	int64_t v = 0, frac = 0;

	if (p < len && (text[p] == '+' || text[p] == '-'))
		negative = text[p++] == '-';
	for (start = p; p < len && text[p] >= '0' && text[p] <= '9'; p++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, text[p] - '0', &v))
			return -1;
	}
	if (p == start)
		return 0;
	if (frac_ms != NULL && p < len && (text[p] == '.' || text[p] == ',')) {
		size_t digits_start = ++p;

		for (; p < len && text[p] >= '0' && text[p] <= '9'; p++) {
			if (p - digits_start >= 9)
				return 0;
			if (p - digits_start < 3)
				frac = frac * 10 + (text[p] - '0');
		}
		for (size_t n_digits = p - digits_start; n_digits < 3; n_digits++)
			frac *= 10;
	}
	if (p >= len || (text[p] != unit && text[p] != unit + ('a' - 'A')))
		return 0;
	*n = negative ? -v : v;
	if (frac_ms != NULL)
		*frac_ms = negative ? -frac : frac;
	*pos = p + 1;
	return 1;
}

int yb_duration_parse(const char *text, size_t len, int64_t *ms)
{
	static const struct {
		char unit;
		int64_t ms;
	} time_units[] = {{'H', 3600000}, {'M', 60000}, {'S', 1000}};
	size_t pos = 0;
	bool negate = false;
	int sections = 0, found;
	int64_t total = 0, n = 0, frac = 0;

	if (pos < len && (text[pos] == '+' || text[pos] == '-'))
		negate = text[pos++] == '-';
	if (pos >= len || (text[pos] != 'P' && text[pos] != 'p'))
		return -1;
	pos++;
	found = duration_section(text, len, &pos, 'D', &n, NULL);
	if (found < 0 || (found > 0 && add_scaled(&total, n, YB_MS_PER_DAY) != 0))
		return -1;
	sections += found;
	if (pos < len && (text[pos] == 'T' || text[pos] == 't')) {
		int timed = 0;

		pos++;
		for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++) {
			found = duration_section(text, len, &pos, time_units[i].unit, &n,
						 time_units[i].unit == 'S' ? &frac : NULL);
			if (found < 0 ||
			    (found > 0 && add_scaled(&total, n, time_units[i].ms) != 0))
				return -1;
			timed += found;
		}
		/* A "T" must have a time section after it. */
		if (timed == 0 || __builtin_add_overflow(total, frac, &total))
			return -1;
		sections += timed;
	}
	if (pos != len || sections == 0 || (negate && total == INT64_MIN))
		return -1;
	*ms = negate ? -total : total;
	return 0;
}
