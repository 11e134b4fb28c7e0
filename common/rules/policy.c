/*
 * Policy files: parsing and validation over the key table in policy.h.
 */
#include "rules/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/error.h"

typedef enum kind {
	KIND_MONEY,
	KIND_BP,
	KIND_INT,
	KIND_BOOL,
	KIND_LIST,
	KIND_SEGMENTS,
	KIND_DURATION,
	KIND_MMDD_RANGE,
	KIND_MMDD,
	KIND_DATE,
	KIND_KIND,
	KIND_WAITING,
	KIND_MATERNITY,
} kind;

typedef struct key_info {
	const char *name;
	kind kind;
	size_t offset;
	const char *doc;
} key_info;

#define YB_POLICY_KEY_INFO(id, key, k, field, meaning) \
	{key, KIND_##k, offsetof(yb_policy, field), meaning},
static const key_info keys[YB_PK_COUNT] = {YB_POLICY_KEYS(YB_POLICY_KEY_INFO)};
#undef YB_POLICY_KEY_INFO

/* Keys every version must have; and those each kind of scheme must add. */
static const int required_all[] = {
    YB_PK_SCHEME_KIND,
    YB_PK_CAP,
    YB_PK_DED_L1,
    YB_PK_DED_L2,
    YB_PK_DED_L3,
    YB_PK_RATE_L1,
    YB_PK_RATE_L2,
    YB_PK_RATE_L3,
    YB_PK_MATERNITY,
    YB_PK_OP,
    YB_PK_CH,
    YB_PK_EXCLUDED_CAUSES,
    YB_PK_ABROAD,
    YB_PK_NON_DESIGNATED,
    YB_PK_CRIT_DEDUCTIBLE,
    YB_PK_CRIT_RATE,
};
static const int required_resident[] = {YB_PK_PREMIUM_WINDOW, YB_PK_WAITING_RULE};
static const int required_employee[] = {YB_PK_MIN_CONT_MONTHS, YB_PK_BREAK_MONTHS,
					YB_PK_RETIREE_MIN_MALE, YB_PK_RETIREE_MIN_FEMALE, YB_PK_PA};

bool yb_name_list_has(const yb_name_list *list, const char *name)
{
	if (name == NULL)
		return false;
	for (int i = 0; i < list->count; i++) {
		if (strcmp(list->name[i], name) == 0)
			return true;
	}
	return false;
}

const char *yb_policy_key_name(size_t i)
{
	return i < YB_PK_COUNT ? keys[i].name : NULL;
}

const char *yb_policy_key_doc(size_t i)
{
	return i < YB_PK_COUNT ? keys[i].doc : NULL;
}

const char *yb_policy_cite(const yb_policy *p, const char *key)
{
	for (size_t i = 0; i < YB_PK_COUNT; i++) {
		if (strcmp(keys[i].name, key) == 0)
			return p->cite[i];
	}
	return "";
}

const yb_policy *yb_policy_in_force(const yb_policy_set *set, int32_t day)
{
	for (int i = set->count - 1; i >= 0; i--) {
		const yb_policy *p = &set->versions[i];

		if (p->effective_from <= day)
			return day <= p->effective_to ? p : NULL;
	}
	return NULL;
}

/* --- values ------------------------------------------------------------------------------ */

static int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s == '\0')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_mmdd(const char *s, int *month, int *day)
{
	int64_t m, d;
	char buf[8];

	if (strlen(s) != 5 || s[2] != '-')
		return -1;
	memcpy(buf, s, 2);
	buf[2] = '\0';
	if (parse_int64(buf, 1, 12, &m) != 0 || parse_int64(s + 3, 1, 31, &d) != 0)
		return -1;
	/* A day of some year: 02-29 is allowed (a leap year's window). */
	if (!yb_date_valid(2000, (int)m, (int)d))
		return -1;
	*month = (int)m;
	*day = (int)d;
	return 0;
}

/* "name,name,...": each a short word. */
static int parse_list(const char *s, yb_name_list *list)
{
	memset(list, 0, sizeof(*list));
	while (*s != '\0') {
		size_t n = strcspn(s, ",");

		while (n > 0 && s[n - 1] == ' ')
			n--;
		if (n == 0 || n >= sizeof(list->name[0]) || list->count == YB_POLICY_MAX_LIST)
			return -1;
		memcpy(list->name[list->count], s, n);
		list->name[list->count++][n] = '\0';
		s += strcspn(s, ",");
		if (*s == ',')
			s++;
		while (*s == ' ')
			s++;
	}
	return 0;
}

/* "500000:8000, 1000000:8500, *:9000": rates by amount, rising amounts, "*" last. */
static int parse_segments(const char *s, yb_segments *seg)
{
	memset(seg, 0, sizeof(*seg));
	while (*s != '\0') {
		char part[64];
		size_t n = strcspn(s, ",");
		char *colon;
		int64_t upto, rate;

		if (n == 0 || n >= sizeof(part) || seg->count == YB_POLICY_MAX_SEGMENTS)
			return -1;
		memcpy(part, s, n);
		part[n] = '\0';
		colon = strchr(part, ':');
		if (colon == NULL)
			return -1;
		*colon = '\0';
		if (strcmp(part, "*") == 0)
			upto = INT64_MAX;
		else if (parse_int64(part, 1, INT64_MAX - 1, &upto) != 0)
			return -1;
		if (parse_int64(colon + 1, 0, 10000, &rate) != 0)
			return -1;
		if (seg->count > 0 && upto <= seg->upto[seg->count - 1])
			return -1;
		seg->upto[seg->count] = upto;
		seg->rate[seg->count++] = (yb_bp)rate;
		s += n;
		if (*s == ',')
			s++;
		while (*s == ' ')
			s++;
	}
	return seg->count > 0 && seg->upto[seg->count - 1] == INT64_MAX ? 0 : -1;
}

/* Set key k of p from text; returns NULL or what is wrong. */
static const char *set_value(yb_policy *p, const key_info *k, const char *v)
{
	char *at = (char *)p + k->offset;
	int64_t n;

	switch (k->kind) {
	case KIND_MONEY:
		if (parse_int64(v, 0, INT64_C(1000000000000), &n) != 0)
			return "must be a whole number of fen, 0 to 10^12";
		((yb_money *)(void *)at)->fen = n;
		return NULL;
	case KIND_BP:
		if (parse_int64(v, 0, 10000, &n) != 0)
			return "must be basis points, 0 to 10000";
		*(yb_bp *)(void *)at = (yb_bp)n;
		return NULL;
	case KIND_INT:
		if (parse_int64(v, 0, 100000, &n) != 0)
			return "must be a whole number, 0 to 100000";
		*(int32_t *)(void *)at = (int32_t)n;
		return NULL;
	case KIND_BOOL:
		if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0)
			return "must be true or false";
		*(bool *)(void *)at = strcmp(v, "true") == 0;
		return NULL;
	case KIND_LIST:
		return parse_list(v, (yb_name_list *)(void *)at) == 0
			   ? NULL
			   : "must be a list of names, a,b,c (at most 24, each under 32 bytes)";
	case KIND_SEGMENTS:
		return parse_segments(v, (yb_segments *)(void *)at) == 0
			   ? NULL
			   : "must be rates by amount, rising, ending with *: 500000:8000,*:9000";
	case KIND_DURATION: {
		yb_duration *d = (yb_duration *)(void *)at;
		size_t len = strlen(v);
		char num[16];

		if (len < 2 || len >= sizeof(num) || (v[len - 1] != 'd' && v[len - 1] != 'm'))
			return "must be a number of days or months: 90d, 3m";
		memcpy(num, v, len - 1);
		num[len - 1] = '\0';
		if (parse_int64(num, 0, 100000, &n) != 0)
			return "must be a number of days or months: 90d, 3m";
		d->days = v[len - 1] == 'd' ? (int32_t)n : 0;
		d->months = v[len - 1] == 'm' ? (int32_t)n : 0;
		return NULL;
	}
	case KIND_MMDD_RANGE: {
		yb_mmdd_range *r = (yb_mmdd_range *)(void *)at;
		const char *dots = strstr(v, "..");
		char from[8];

		if (dots == NULL || dots - v != 5)
			return "must be a window MM-DD..MM-DD";
		memcpy(from, v, 5);
		from[5] = '\0';
		if (parse_mmdd(from, &r->from_month, &r->from_day) != 0 ||
		    parse_mmdd(dots + 2, &r->to_month, &r->to_day) != 0)
			return "must be a window MM-DD..MM-DD";
		r->set = true;
		return NULL;
	}
	case KIND_MMDD: {
		int *md = (int *)(void *)at; /* filing_deadline_month, then _day */

		if (parse_mmdd(v, &md[0], &md[1]) != 0)
			return "must be a day MM-DD";
		return NULL;
	}
	case KIND_DATE: {
		int32_t day;

		if (yb_date_parse(v, strlen(v), &day) != 0)
			return "must be a date YYYY-MM-DD";
		*(int32_t *)(void *)at = day;
		return NULL;
	}
	case KIND_KIND:
		if (strcmp(v, "resident") != 0 && strcmp(v, "employee") != 0)
			return "must be resident or employee";
		*(bool *)(void *)at = strcmp(v, "employee") == 0;
		return NULL;
	case KIND_WAITING:
		if (strcmp(v, "none") == 0)
			*(yb_waiting_rule *)(void *)at = YB_WAITING_NONE;
		else if (strcmp(v, "new") == 0)
			*(yb_waiting_rule *)(void *)at = YB_WAITING_NEW;
		else if (strcmp(v, "late") == 0)
			*(yb_waiting_rule *)(void *)at = YB_WAITING_LATE;
		else
			return "must be none, new or late";
		return NULL;
	case KIND_MATERNITY:
		if (strcmp(v, "none") == 0)
			*(yb_maternity_mode *)(void *)at = YB_MATERNITY_NONE;
		else if (strcmp(v, "stay") == 0)
			*(yb_maternity_mode *)(void *)at = YB_MATERNITY_STAY;
		else if (strcmp(v, "fixed") == 0)
			*(yb_maternity_mode *)(void *)at = YB_MATERNITY_FIXED;
		else
			return "must be none, stay or fixed";
		return NULL;
	}
	return "unknown kind";
}

/* --- files ------------------------------------------------------------------------------- */

typedef struct parser {
	yb_policy_set *set;
	const char *file;
	int line;
	char *errstr;
	size_t errlen;
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(parser *ps, const char *fmt, ...)
{
	int n = snprintf(ps->errstr, ps->errlen, "%s:%d: ", ps->file, ps->line);
	va_list ap;

	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->errstr + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return YB_EINVAL;
}

char *yb_policy_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Does s hold "第...条" with Chinese numerals between? */
static int names_article(const char *s)
{
	const char *start = strstr(s, "第");
	const char *end = start != NULL ? strstr(start, "条") : NULL;

	return start != NULL && end != NULL && end - start > (long)strlen("第");
}

/* Check a citation and write it, expanded with the regulation's file, into out. */
static int take_citation(parser *ps, const char *key, const char *cite, char *out, size_t len)
{
	int n;

	if (strncmp(cite, "assumed:", 8) == 0) {
		if (strlen(yb_policy_trim((char *)cite + 8)) < 4)
			return fail(ps, "key '%s': an assumed value must say where it came from",
				    key);
		n = snprintf(out, len, "%s", cite);
	} else if (!names_article(cite)) {
		return fail(ps,
			    "key '%s': the citation must name an article (第N条) or start "
			    "with 'assumed:'",
			    key);
	} else if (strstr(cite, ".txt") != NULL) {
		n = snprintf(out, len, "%s", cite);
	} else {
		if (ps->set->regulation[0] == '\0')
			return fail(ps, "key '%s': no 'regulation = FILE' above to cite", key);
		n = snprintf(out, len, "%s %s", ps->set->regulation, cite);
	}
	if (n < 0 || (size_t)n >= len)
		return fail(ps, "key '%s': the citation is longer than %zu bytes", key, len - 1);
	return YB_OK;
}

static int start_version(parser *ps, const char *date)
{
	yb_policy_set *set = ps->set;
	yb_policy *p;
	int32_t day;

	if (yb_date_parse(date, strlen(date), &day) != 0)
		return fail(ps, "a version starts with [YYYY-MM-DD], not [%s]", date);
	if (set->scheme[0] == '\0')
		return fail(ps, "'scheme = NAME' must come before the first version");
	if (set->count == YB_POLICY_MAX_VERSIONS)
		return fail(ps, "more than %d versions", YB_POLICY_MAX_VERSIONS);
	if (set->count > 0 && set->versions[set->count - 1].effective_from >= day)
		return fail(ps, "version [%s] is not later than the one before", date);
	p = &set->versions[set->count];
	if (set->count > 0) {
		*p = set->versions[set->count - 1]; /* inherit everything */
		/* The previous version ends the day before, unless it ended earlier. */
		if (set->versions[set->count - 1].effective_to >= day)
			set->versions[set->count - 1].effective_to = day - 1;
	} else {
		memset(p, 0, sizeof(*p));
		memcpy(p->scheme, set->scheme, sizeof(p->scheme));
	}
	p->effective_from = day;
	p->effective_to = INT32_MAX;
	snprintf(p->version, sizeof(p->version), "%s@%s", set->scheme, date);
	set->count++;
	return YB_OK;
}

static int check_required(parser *ps, const yb_policy *p, const int *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p->cite[list[i]][0] == '\0')
			return fail(ps, "version %s: key '%s' is missing (%s)", p->version,
				    keys[list[i]].name, keys[list[i]].doc);
	}
	return YB_OK;
}

/* Keys that a benefit switched on needs. */
static int check_version(parser *ps, const yb_policy *p)
{
	static const int outpatient[] = {YB_PK_OP_RATE};
	static const int chronic[] = {YB_PK_CH_RATE_A, YB_PK_CH_RATE_B};
	static const int fixed[] = {YB_PK_MATERNITY_FIXED};
	static const int relief[] = {YB_PK_LR_RATE, YB_PK_LR_CAP};
	static const int accident[] = {YB_PK_ACC_THRESHOLD, YB_PK_ACC_RATE, YB_PK_ACC_LIMIT,
				       YB_PK_ACC_CATEGORIES};
	static const int account[] = {YB_PK_PA_UNDER35, YB_PK_PA_35TO45, YB_PK_PA_45PLUS,
				      YB_PK_PA_RETIREE};
	int err = check_required(ps, p, required_all, sizeof(required_all) / sizeof(int));

	if (err == YB_OK)
		err = p->employee ? check_required(ps, p, required_employee,
						   sizeof(required_employee) / sizeof(int))
				  : check_required(ps, p, required_resident,
						   sizeof(required_resident) / sizeof(int));
	if (err == YB_OK && p->outpatient)
		err = check_required(ps, p, outpatient, 1);
	if (err == YB_OK && p->chronic)
		err = check_required(ps, p, chronic, 2);
	if (err == YB_OK && p->maternity == YB_MATERNITY_FIXED)
		err = check_required(ps, p, fixed, 1);
	if (err == YB_OK && p->large_relief)
		err = check_required(ps, p, relief, 2);
	if (err == YB_OK && p->accident_outpatient)
		err = check_required(ps, p, accident, 4);
	if (err == YB_OK && p->personal_account)
		err = check_required(ps, p, account, 4);
	if (err == YB_OK && p->waiting_rule != YB_WAITING_NONE && p->waiting_days <= 0)
		err = fail(ps,
			   "version %s: key 'coverage.waiting_days' must be set with a "
			   "waiting rule",
			   p->version);
	return err;
}

int yb_policy_parse(yb_policy_set *set, const char *file, const char *text, size_t len,
		    char *errstr, size_t errlen)
{
	parser ps = {.set = set, .file = file, .errstr = errstr, .errlen = errlen};
	size_t pos = 0;
	int err = YB_OK;

	memset(set, 0, sizeof(*set));
	if (errlen > 0)
		errstr[0] = '\0';
	while (pos < len && err == YB_OK) {
		size_t n = 0;
		char line[1024], *s, *eq, *at, *key, *value;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		ps.line++;
		if (n >= sizeof(line)) {
			err = fail(&ps, "line longer than %zu bytes", sizeof(line) - 1);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		s = yb_policy_trim(line);
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *close = strchr(s, ']');

			if (close == NULL || *yb_policy_trim(close + 1) != '\0') {
				err = fail(&ps, "a version line is [YYYY-MM-DD]");
				break;
			}
			*close = '\0';
			if (set->count > 0)
				err = check_version(&ps, &set->versions[set->count - 1]);
			if (err == YB_OK)
				err = start_version(&ps, s + 1);
			continue;
		}
		eq = strchr(s, '=');
		if (eq == NULL) {
			err = fail(&ps, "expected KEY = VALUE @ CITATION");
			break;
		}
		*eq = '\0';
		key = yb_policy_trim(s);
		at = strchr(eq + 1, '@');
		if (at != NULL)
			*at = '\0';
		value = yb_policy_trim(eq + 1);
		if (set->count == 0) {
			/* The header: which scheme, which regulation. */
			if (strcmp(key, "scheme") == 0)
				snprintf(set->scheme, sizeof(set->scheme), "%s", value);
			else if (strcmp(key, "regulation") == 0)
				snprintf(set->regulation, sizeof(set->regulation), "%s", value);
			else
				err = fail(&ps,
					   "key '%s' before the first [YYYY-MM-DD] version "
					   "(only scheme and regulation go there)",
					   key);
			continue;
		}
		{
			yb_policy *p = &set->versions[set->count - 1];
			const char *problem;
			size_t k;

			for (k = 0; k < YB_PK_COUNT; k++) {
				if (strcmp(keys[k].name, key) == 0)
					break;
			}
			if (k == YB_PK_COUNT) {
				err = fail(&ps, "unknown key '%s'", key);
				break;
			}
			if (at == NULL) {
				err = fail(&ps,
					   "key '%s' has no citation (@ 第N条, or @ assumed: ...)",
					   key);
				break;
			}
			problem = set_value(p, &keys[k], value);
			if (problem != NULL) {
				err = fail(&ps, "key '%s': '%s' %s", key, value, problem);
				break;
			}
			err = take_citation(&ps, key, yb_policy_trim(at + 1), p->cite[k],
					    sizeof(p->cite[k]));
		}
	}
	if (err == YB_OK && set->count == 0)
		err = fail(&ps, "no version: a policy needs at least one [YYYY-MM-DD] section");
	if (err == YB_OK)
		err = check_version(&ps, &set->versions[set->count - 1]);
	return err;
}
