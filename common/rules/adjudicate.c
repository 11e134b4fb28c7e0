/*
 * The rule engine; see adjudicate.h. The order of the checks and of the funds:
 *
 *   1. is there a policy in force, was the claim filed in time (LATE_SUBMISSION)
 *   2. the institution: known, designated
 *   3. exclusions: abroad, excluded causes, missing receipts out of region
 *   4. coverage on the service day: enrolled, paid, past any waiting period, not terminated
 *   5. outpatient benefits paused during a stay
 *   6. the basic fund by visit type (inpatient, maternity, outpatient, chronic, accident),
 *      then the annual cap
 *   7. 大额救助 above the cap, 大病保险 on the year's compliant out-of-pocket, 医疗救助,
 *      the personal account; cash is what is left
 *
 * Every amount is written to the trace with the citation of the policy key that set it.
 */
#include "rules/adjudicate.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/date.h"

typedef struct calc {
	const yb_claim_context *ctx;
	const yb_claim *c;
	const yb_policy *p;
	const yb_member *m;
	yb_adjudication *out;
	int32_t day;
	int year;
	int level; /* the institution level the claim is paid at, 1..3 */
	int tier;  /* the payment tier the member is paid at */
	int age;   /* on the service day, -1 unknown */
	bool half_rate;
	bool rejected;
	/* amounts, fen */
	int64_t compliant; /* the compliant cost the basic fund works on */
	int64_t deductible;
	int64_t fund;
	int64_t fund_uncapped;
	int64_t eligible; /* compliant cost above the deductible the fund's rates applied to */
	int64_t critical, relief, assistance, account;
	bool counts_for_critical;
} calc;

/*
 * vsnprintf for trace notes, without stdio: the engine writes a few notes per claim and
 * printf's machinery was half its time. Knows what the notes use: %s %c %d %ld %lld %%,
 * with a zero flag and a width (%02d). Always NUL-terminates; truncates to len.
 */
static void format_note(char *buf, size_t len, const char *fmt, va_list ap)
{
	size_t n = 0;

#define PUT(ch)                          \
	do {                             \
		if (n + 1 < len)         \
			buf[n++] = (ch); \
	} while (0)
	for (const char *f = fmt; *f != '\0'; f++) {
		char digits[24];
		int width = 0, longs = 0, nd = 0;
		bool zero = false, negative = false;
		unsigned long long v;

		if (*f != '%') {
			PUT(*f);
			continue;
		}
		f++;
		if (*f == '0') {
			zero = true;
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l') {
			longs++;
			f++;
		}
		switch (*f) {
		case 's':
			for (const char *str = va_arg(ap, const char *);
			     str != NULL && *str != '\0'; str++)
				PUT(*str);
			break;
		case 'c':
			PUT((char)va_arg(ap, int));
			break;
		case 'd': {
			long long x = longs == 0   ? va_arg(ap, int)
				      : longs == 1 ? va_arg(ap, long)
						   : va_arg(ap, long long);

			negative = x < 0;
			v = negative ? 0ULL - (unsigned long long)x : (unsigned long long)x;
			do {
				digits[nd++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			if (negative)
				PUT('-');
			for (int pad = nd + negative; pad < width; pad++)
				PUT(zero ? '0' : ' ');
			while (nd > 0)
				PUT(digits[--nd]);
			break;
		}
		case '\0':
			f--;
			break;
		default:
			PUT(*f);
			break;
		}
	}
	if (len > 0)
		buf[n] = '\0';
#undef PUT
}

static const char *cite(const calc *k, int key)
{
	return key >= 0 ? k->p->cite[key] : "";
}

#if defined(__GNUC__)
__attribute__((format(printf, 7, 8)))
#endif
static void
trace(calc *k, const char *rule, int key, int64_t base, int rate, int64_t amount, const char *fmt,
      ...)
{
	yb_settlement *s = &k->out->settlement;
	yb_trace_entry *t;
	char *note;
	va_list ap;

	if (s->trace_count >= YB_MAX_TRACE)
		return;
	t = &k->out->trace[s->trace_count];
	memset(t, 0, sizeof(*t));
	note = k->out->notes[s->trace_count];
	s->trace_count++;
	t->rule = rule;
	t->article = k->p != NULL ? cite(k, key) : "";
	t->policy_key = key >= 0 ? yb_policy_key_name((size_t)key) : NULL;
	if (base >= 0) {
		t->has_base_fen = true;
		t->base_fen = yb_fen(base);
	}
	if (rate >= 0) {
		t->has_rate_bp = true;
		t->rate_bp = rate;
	}
	if (amount >= 0) {
		t->has_amount_fen = true;
		t->amount_fen = yb_fen(amount);
	}
	va_start(ap, fmt);
	format_note(note, sizeof(k->out->notes[0]), fmt, ap);
	va_end(ap);
	t->note = note;
}

static void reason(calc *k, const char *code)
{
	yb_settlement *s = &k->out->settlement;

	for (uint32_t i = 0; i < s->reasons_count; i++) {
		if (strcmp(k->out->reasons[i], code) == 0)
			return;
	}
	if (s->reasons_count < YB_MAX_REASONS)
		k->out->reasons[s->reasons_count++] = code;
}

/* Reject: a reason, a trace entry with the article, nothing paid. Returns 0 for chaining. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
reject(calc *k, const char *code, const char *rule, int key, const char *fmt, ...)
{
	yb_settlement *s = &k->out->settlement;
	yb_trace_entry *t;
	va_list ap;

	k->rejected = true;
	reason(k, code);
	if (s->trace_count >= YB_MAX_TRACE)
		return 0;
	t = &k->out->trace[s->trace_count];
	memset(t, 0, sizeof(*t));
	t->rule = rule;
	t->article = k->p != NULL ? cite(k, key) : "";
	t->policy_key = key >= 0 ? yb_policy_key_name((size_t)key) : NULL;
	va_start(ap, fmt);
	format_note(k->out->notes[s->trace_count], sizeof(k->out->notes[0]), fmt, ap);
	va_end(ap);
	t->note = k->out->notes[s->trace_count];
	s->trace_count++;
	return 0;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int32_t max32(int32_t a, int32_t b)
{
	return a > b ? a : b;
}

/* base × rate, the one rounding rule; amounts here are bounded (10^13 fen), never overflow. */
static int64_t pay(int64_t base, int rate)
{
	yb_money out = yb_fen(0);

	(void)yb_money_apply_bp(&out, yb_fen(base), rate > 10000 ? 10000 : rate);
	return out.fen;
}

static bool has_treatment(const yb_claim *c, const yb_name_list *list)
{
	for (uint32_t i = 0; i < c->treatments_count; i++) {
		if (yb_name_list_has(list, c->treatments[i]))
			return true;
	}
	return false;
}

/* Is the principal diagnosis under one of the ICD-10 prefixes (an empty list: any)? */
static bool principal_in(const yb_claim *c, const yb_name_list *prefixes)
{
	if (prefixes->count == 0)
		return true;
	if (c->diagnoses_count == 0)
		return false;
	for (int i = 0; i < prefixes->count; i++) {
		if (strncmp(c->diagnoses[0], prefixes->name[i], strlen(prefixes->name[i])) == 0)
			return true;
	}
	return false;
}

static bool is_visit(const yb_claim *c, const char *type)
{
	return strcmp(c->visit_type, type) == 0;
}

static bool is_minor(const calc *k)
{
	return k->m != NULL &&
	       (strcmp(k->m->category, "minor") == 0 || strcmp(k->m->category, "student") == 0 ||
		(k->age >= 0 && k->age < 18));
}

/* --- the claim itself -------------------------------------------------------------------- */

int32_t yb_claim_service_day(const yb_claim *c)
{
	if (c->has_admission_date)
		return c->admission_date;
	if (c->has_service_date)
		return c->service_date;
	return yb_date_of_instant(c->submitted_at);
}

int yb_claim_check(const yb_claim *c, char *errstr, size_t errlen)
{
	static const char *const visits[] = {"inpatient", "outpatient", "chronic_outpatient",
					     "maternity", "accident_outpatient"};
	bool known = false;
	const char *problem = NULL;

	for (size_t i = 0; i < sizeof(visits) / sizeof(visits[0]); i++)
		known |= strcmp(c->visit_type, visits[i]) == 0;
	if (!known)
		problem = "claim.visit_type: not one of inpatient, outpatient, chronic_outpatient, "
			  "maternity, accident_outpatient";
	else if ((is_visit(c, "inpatient") || is_visit(c, "maternity")) &&
		 (!c->has_admission_date || !c->has_discharge_date))
		problem = "claim.admission_date/discharge_date: a stay needs both";
	else if (c->has_admission_date && c->has_discharge_date &&
		 c->discharge_date < c->admission_date)
		problem = "claim.discharge_date: before the admission";
	else if (!is_visit(c, "inpatient") && !is_visit(c, "maternity") && !c->has_service_date)
		problem = "claim.service_date: an outpatient visit needs it";
	else if (c->compliant_fen.fen > c->total_fen.fen)
		problem = "claim.compliant_fen: more than total_fen";
	else if (c->has_essential_drug_fen && c->essential_drug_fen.fen > c->compliant_fen.fen)
		problem = "claim.essential_drug_fen: more than compliant_fen";
	else if (is_visit(c, "chronic_outpatient") &&
		 (c->chronic_class == NULL || c->chronic_disease == NULL ||
		  (strcmp(c->chronic_class, "A") != 0 && strcmp(c->chronic_class, "B") != 0)))
		problem = "claim.chronic_class/chronic_disease: a chronic claim needs class A or B "
			  "and the disease";
	if (problem == NULL) {
		for (uint32_t i = 0; i < c->diagnoses_count && problem == NULL; i++) {
			const char *d = c->diagnoses[i];

			while (*d == ' ')
				d++;
			if (*d == '\0')
				problem = "claim.diagnoses: an empty diagnosis code";
		}
	}
	if (problem == NULL && c->has_items && c->items_count > 0) {
		/* The line items are the bill: they add up to its total (10^5 items of at most
		 * 10^13 fen each stay inside int64). */
		int64_t sum = 0;

		for (uint32_t i = 0; i < c->items_count; i++)
			sum += c->items[i].amount_fen.fen;
		if (sum != c->total_fen.fen) {
			snprintf(errstr, errlen,
				 "claim.items: the items add up to %lld fen, total_fen is %lld",
				 (long long)sum, (long long)c->total_fen.fen);
			return -1;
		}
	}
	if (problem == NULL)
		return 0;
	snprintf(errstr, errlen, "%s", problem);
	return -1;
}

/* --- 1-3: filing, institution, exclusions --------------------------------------------------- */

static int check_filing(calc *k)
{
	const yb_policy *p = k->p;
	int32_t deadline, submitted;

	if (p->filing_deadline_month == 0)
		return 1;
	deadline = yb_date_from_ymd(k->year + 1, p->filing_deadline_month, p->filing_deadline_day);
	submitted = yb_date_of_instant(k->c->submitted_at);
	if (submitted > deadline) {
		char d[11];

		yb_date_format(deadline, d);
		return reject(k, "LATE_SUBMISSION", "filing_deadline", YB_PK_FILING_DEADLINE,
			      "filed after %s, the deadline for care in %d", d, k->year);
	}
	return 1;
}

static int check_institution(calc *k)
{
	const yb_institution *inst = k->ctx->institution;

	if (inst == NULL)
		return reject(k, "UNKNOWN_INSTITUTION", "designated_institution",
			      YB_PK_NON_DESIGNATED, "institution %s is not known",
			      k->c->institution_id);
	if (!inst->designated && k->p->non_designated_excluded)
		return reject(k, "NON_DESIGNATED", "designated_institution", YB_PK_NON_DESIGNATED,
			      "institution %s is not designated (定点)", inst->institution_id);
	return 1;
}

static int check_exclusions(calc *k)
{
	const yb_claim *c = k->c;
	const yb_policy *p = k->p;

	if (c->has_abroad && c->abroad && p->abroad_excluded)
		return reject(k, "ABROAD", "exclusion_abroad", YB_PK_ABROAD,
			      "care received abroad");
	if (c->injury_cause != NULL && yb_name_list_has(&p->excluded_causes, c->injury_cause)) {
		if (strcmp(c->injury_cause, "self_harm") == 0 && c->has_mental_illness &&
		    c->mental_illness && p->self_harm_excepted_for_mental_illness)
			trace(k, "exclusion_self_harm_excepted", YB_PK_SELF_HARM_EXCEPTED, -1, -1,
			      -1, "self-harm by a psychiatric patient is paid");
		else
			return reject(k, "EXCLUDED_CAUSE", "exclusion_cause", YB_PK_EXCLUDED_CAUSES,
				      "injury cause %s is not paid by the fund", c->injury_cause);
	}
	if (p->missing_receipts_excluded && c->has_out_of_city && c->out_of_city &&
	    !(c->has_networked && c->networked) &&
	    !(c->has_has_original_receipts && c->has_original_receipts))
		return reject(k, "MISSING_RECEIPTS", "exclusion_missing_receipts",
			      YB_PK_MISSING_RECEIPTS,
			      "care out of region, not settled on the network, without original "
			      "receipts");
	return 1;
}

/* --- 4: coverage ------------------------------------------------------------------------ */

static int32_t window_end(const yb_mmdd_range *w, int year)
{
	return yb_date_from_ymd(year, w->to_month, w->to_day);
}

/* The last day of a window of d from day (yb_period_last_day: the first day not counted). */
static int32_t window_last_day(int32_t day, yb_duration d)
{
	return yb_period_last_day(day, d.days, d.months);
}

/*
 * Was the member covered on every day of year (滨州 第十三条(一): "一年内未发生门诊费用" is a
 * year of cover without outpatient cost; a year without cover is not such a year)? A
 * resident: that year's premium paid in its window, born and enrolled before it began, not
 * terminated in it. An employee: every month of it paid.
 */
static bool covered_all_year(const calc *k, int year)
{
	const yb_member *m = k->m;
	const yb_policy *p = k->p;
	int32_t jan1 = yb_date_from_ymd(year, 1, 1), dec31 = yb_date_from_ymd(year, 12, 31);
	const yb_premium *prem;
	bool student;

	if (m == NULL || !m->enrolled || m->enrolled_on > jan1 ||
	    (m->has_birth_date && m->birth_date > jan1) ||
	    (m->terminated && m->terminated_on <= dec31))
		return false;
	if (p->employee) {
		for (int month = year * 12; month < year * 12 + 12; month++) {
			if (!yb_member_month_paid(m, month))
				return false;
		}
		return true;
	}
	prem = yb_member_premium(m, year);
	student = strcmp(m->category, "student") == 0 || strcmp(m->category, "minor") == 0;
	return prem != NULL &&
	       prem->paid_on <= window_end(student && p->student_window.set ? &p->student_window
									    : &p->premium_window,
					   year - 1);
}

static int resident_coverage(calc *k)
{
	const yb_member *m = k->m;
	const yb_policy *p = k->p;
	const yb_premium *prem = yb_member_premium(m, k->year);
	bool student = strcmp(m->category, "student") == 0 || strcmp(m->category, "minor") == 0;
	const yb_mmdd_range *window =
	    student && p->student_window.set ? &p->student_window : &p->premium_window;
	int32_t jan1 = yb_date_from_ymd(k->year, 1, 1), paid, covered_from;
	bool on_time, renewal, born_this_year, waits = false, exception = false;
	char d1[11], d2[11];
	int mo, dd, yy;

	yb_date_to_ymd(k->day, &yy, &mo, &dd);
	if (prem == NULL && p->student_deemed_paid && student && mo >= 9) {
		/* 营口 第十一条(二): students who enrol pay in autumn for the next year and are
		 * covered from 9月1日 of the year they enrol (视同缴费). */
		const yb_premium *next = yb_member_premium(m, k->year + 1);
		int32_t sept1 = yb_date_from_ymd(k->year, 9, 1);

		if (next != NULL && next->paid_on <= k->day && next->paid_on >= sept1 &&
		    yb_member_premium(m, k->year - 1) == NULL) {
			trace(k, "coverage_student_deemed_paid", YB_PK_STUDENT_DEEMED, -1, -1, -1,
			      "student enrolled in %d: 9月1日-12月31日 视同缴费", k->year);
			return 1;
		}
	}
	if (prem == NULL)
		return reject(k, "NOT_ENROLLED", "coverage_premium", YB_PK_PREMIUM_WINDOW,
			      "no premium paid for %d", k->year);
	paid = prem->paid_on;
	on_time = paid <= window_end(window, k->year - 1);
	/* A renewal has no gap: last year's premium, and this year's paid before it begins,
	 * in whichever window (营口 第十二条 waits only for new enrolment or a gap). */
	renewal = yb_member_premium(m, k->year - 1) != NULL && paid < jan1;
	covered_from = on_time ? jan1 : paid;
	born_this_year = m->has_birth_date && m->birth_date >= jan1;

	if (m->has_birth_date && (!p->newborn_birth_year_only || born_this_year) &&
	    p->newborn_from_birth_within.days + p->newborn_from_birth_within.months > 0 &&
	    paid <= window_last_day(m->birth_date, p->newborn_from_birth_within)) {
		covered_from = max32(m->birth_date, jan1);
		exception = true;
		trace(k, "coverage_newborn", YB_PK_NEWBORN_FROM_BIRTH, -1, -1, -1,
		      "newborn enrolled in time: covered from birth");
	} else if (m->has_birth_date && (!p->newborn_birth_year_only || born_this_year) &&
		   p->newborn_no_waiting_within.days + p->newborn_no_waiting_within.months > 0 &&
		   paid <= window_last_day(m->birth_date, p->newborn_no_waiting_within)) {
		covered_from = max32(paid, jan1);
		exception = true;
		trace(k, "coverage_newborn", YB_PK_NEWBORN_NO_WAITING, -1, -1, -1,
		      "infant enrolled within the year after birth: covered from the payment");
	} else if (strcmp(m->category, "employee_transfer") == 0 && p->transfer_within_days > 0 &&
		   m->has_prior_coverage_end &&
		   paid <= yb_period_last_day(m->prior_coverage_end, p->transfer_within_days, 0)) {
		covered_from = max32(m->prior_coverage_end + 1, jan1);
		exception = true;
		trace(k, "coverage_employee_transfer", YB_PK_TRANSFER_WITHIN, -1, -1, -1,
		      "from employee cover within %d days: covered from the day after it ended",
		      p->transfer_within_days);
	} else if (yb_name_list_has(&p->month_after_payment_categories, m->category)) {
		int py, pm, pd;

		yb_date_to_ymd(paid, &py, &pm, &pd);
		covered_from = max32(yb_date_add_months(yb_date_from_ymd(py, pm, 1), 1), jan1);
		waits = true;
		trace(k, "coverage_month_after_payment", YB_PK_MONTH_AFTER_PAYMENT, -1, -1, -1,
		      "%s: covered from the month after the payment", m->category);
	} else if ((p->waiting_rule == YB_WAITING_NEW && !renewal) ||
		   (p->waiting_rule == YB_WAITING_LATE && !on_time)) {
		/* The waiting days follow the payment day; cover begins after the last. */
		covered_from =
		    max32(covered_from, yb_period_last_day(paid, p->waiting_days, 0) + 1);
		waits = true;
	}
	if (k->day < covered_from) {
		yb_date_format(covered_from, d1);
		yb_date_format(paid, d2);
		if (k->day < paid)
			return reject(k, "NOT_ENROLLED", "coverage_no_payment_no_benefit",
				      YB_PK_PREMIUM_WINDOW,
				      "care before the premium for %d was credited on %s", k->year,
				      d2);
		if (waits)
			return reject(k, "WAITING_PERIOD", "coverage_waiting_period",
				      p->waiting_rule != YB_WAITING_NONE &&
					      !yb_name_list_has(&p->month_after_payment_categories,
								m->category)
					  ? YB_PK_WAITING_DAYS
					  : YB_PK_MONTH_AFTER_PAYMENT,
				      "paid %s, covered from %s", d2, d1);
		return reject(k, "NOT_ENROLLED", "coverage_premium", YB_PK_PREMIUM_WINDOW,
			      "covered from %s", d1);
	}
	/* A newborn or a transfer inside its allowance paid in time for its own rule. */
	if (!on_time && !exception && p->late_transition_days > 0 &&
	    k->day <= yb_period_last_day(paid, p->late_transition_days, 0)) {
		k->half_rate = true;
		yb_date_format(paid, d2);
		trace(k, "coverage_late_transition", YB_PK_LATE_TRANSITION_DAYS, -1, -1, -1,
		      "paid late on %s: %d-day transition", d2, p->late_transition_days);
	}
	return 1;
}

static int employee_coverage(calc *k)
{
	const yb_member *m = k->m;
	const yb_policy *p = k->p;
	int yy, mo, dd, month, latest, start, prev;

	if (strcmp(m->category, "retiree") == 0) {
		int need = m->sex == 'F' ? p->retiree_min_years_female : p->retiree_min_years_male;

		if (m->contribution_years < need)
			return reject(
			    k, "INSUFFICIENT_CONTRIBUTION_YEARS", "retiree_contribution_years",
			    m->sex == 'F' ? YB_PK_RETIREE_MIN_FEMALE : YB_PK_RETIREE_MIN_MALE,
			    "%d contribution years, %d needed", m->contribution_years, need);
		return 1;
	}
	yb_date_to_ymd(k->day, &yy, &mo, &dd);
	month = yy * 12 + mo - 1;
	/* The service month's contribution, or the previous month's (paid in arrears). */
	latest = yb_member_month_paid(m, month)       ? month
		 : yb_member_month_paid(m, month - 1) ? month - 1
						      : -1;
	if (latest < 0)
		return reject(k, "NOT_ENROLLED", "coverage_contribution", YB_PK_MIN_CONT_MONTHS,
			      "no contribution for %04d-%02d or the month before", yy, mo);
	for (start = latest; yb_member_month_paid(m, start - 1); start--)
		;
	for (prev = start - 1; prev >= YB_MEMBER_MONTH_BASE && !yb_member_month_paid(m, prev);
	     prev--)
		;
	/* New: never paid before, or a gap of a year or more (中断缴费一年以上). */
	if (prev < YB_MEMBER_MONTH_BASE || start - prev - 1 >= p->break_months) {
		int run = latest - start + 1;

		if (run < p->min_continuous_months)
			return reject(k, "WAITING_PERIOD", "coverage_continuous_months",
				      YB_PK_MIN_CONT_MONTHS,
				      "%d of %d continuous months paid (补缴 not counted)", run,
				      p->min_continuous_months);
	}
	return 1;
}

static int check_coverage(calc *k)
{
	const yb_member *m = k->m;

	if (m == NULL || !m->enrolled)
		return reject(k, "NOT_ENROLLED", "coverage_enrollment",
			      k->p->employee ? YB_PK_MIN_CONT_MONTHS : YB_PK_PREMIUM_WINDOW,
			      "no enrollment for member %s", k->c->member_id);
	if (m->terminated && k->day >= m->terminated_on) {
		char d[11];

		yb_date_format(m->terminated_on, d);
		return reject(k, "COVERAGE_TERMINATED", "coverage_terminated",
			      k->p->employee ? YB_PK_MIN_CONT_MONTHS : YB_PK_PREMIUM_WINDOW,
			      "cover ended on %s", d);
	}
	return k->p->employee ? employee_coverage(k) : resident_coverage(k);
}

static int check_stay_overlap(calc *k)
{
	/* A stay is kept in the year it began: one begun last year may last into this one. */
	const yb_year_acc *years[2] = {k->ctx->acc, k->ctx->previous_acc};

	if (!k->p->outpatient_paused_during_stay || is_visit(k->c, "inpatient") ||
	    is_visit(k->c, "maternity"))
		return 1;
	for (int y = 0; y < 2; y++) {
		const yb_year_acc *acc = years[y];

		for (int i = 0; acc != NULL && i < acc->stay_count; i++) {
			if (acc->stay_from[i] <= k->day && k->day < acc->stay_to[i]) {
				char a[11], b[11];

				yb_date_format(acc->stay_from[i], a);
				yb_date_format(acc->stay_to[i], b);
				return reject(k, "OUTPATIENT_DURING_INPATIENT",
					      "outpatient_paused_during_stay",
					      YB_PK_PAUSED_DURING_STAY,
					      "outpatient care during the stay %s..%s", a, b);
			}
		}
	}
	return 1;
}

/* --- 6: the basic fund ------------------------------------------------------------------ */

/* Pay cost from `from` to `to` (compliant cost positions) by segments plus bonus. */
static int64_t segmented(calc *k, int64_t from, int64_t to, const yb_segments *seg, int bonus,
			 int key)
{
	int64_t lo = 0, total = 0;

	for (int i = 0; i < seg->count && from < to; i++) {
		int64_t hi = seg->upto[i];
		int64_t a = max64(from, lo), b = min64(to, hi);

		if (b > a) {
			int rate = seg->rate[i] + bonus;
			int64_t amount = pay(b - a, rate);
			char lo_s[32], hi_s[32];

			yb_money_format_yuan(lo_s, sizeof(lo_s), yb_fen(a));
			yb_money_format_yuan(hi_s, sizeof(hi_s), yb_fen(b));
			trace(k, "fund_rate", key, b - a, rate > 10000 ? 10000 : rate, amount,
			      "compliant cost %s..%s yuan at level %d", lo_s, hi_s, k->level);
			total += amount;
		}
		lo = hi;
	}
	return total;
}

static int deductible_key(int level)
{
	return level == 1 ? YB_PK_DED_L1 : level == 2 ? YB_PK_DED_L2 : YB_PK_DED_L3;
}

static bool children_disease(const calc *k)
{
	const yb_policy *p = k->p;

	if (p->children_diseases.count == 0 || k->age < 0 || k->age > p->children_max_age)
		return false;
	return principal_in(k->c, &p->children_diseases);
}

/*
 * The place of this level-2/3 stay among the year's, by admission date (滨州 第十四条(一)
 * "第三次住院"): the settled level-2/3 stays admitted before it, and those admitted the same
 * day already settled, plus one. A stay reversed and sent again keeps its place; one that
 * arrives after later stays is counted where its date puts it. Past the YB_ACC_MAX_STAYS
 * stays a year keeps, by arrival.
 */
static int stay_place(const calc *k)
{
	const yb_year_acc *acc = k->ctx->acc;
	int before = 0;

	if (acc->stays > acc->stay_count)
		return acc->stays_level23 + 1; /* more stays than the year keeps */
	for (int i = 0; i < acc->stay_count; i++)
		before += acc->stay_level23[i] && acc->stay_from[i] <= k->c->admission_date;
	return before + 1;
}

static void inpatient(calc *k)
{
	const yb_claim *c = k->c;
	const yb_policy *p = k->p;
	const yb_institution *inst = k->ctx->institution;
	const yb_year_acc *acc = k->ctx->acc;
	yb_year_acc *delta = &k->out->delta;
	int64_t base = k->compliant, ded, essential, nonessential, d1;
	const yb_segments *seg;
	int bonus = 0, rate_key;
	bool private_hospital = inst->ownership != NULL && strcmp(inst->ownership, "private") == 0;

	if (c->has_out_of_city && c->out_of_city) {
		bool registered = c->referral != NULL && strcmp(c->referral, "registered") == 0;
		int bp = registered ? p->out_of_city_self_pay_bp_registered
				    : p->out_of_city_self_pay_bp_unregistered;
		int64_t self = pay(base, bp);

		k->level = 3;
		base -= self;
		trace(k, "out_of_city_first_self_pay",
		      registered ? YB_PK_OOC_REGISTERED : YB_PK_OOC_UNREGISTERED, k->compliant, bp,
		      self,
		      "%s out-of-city stay: the patient pays this share first, then level-3 terms",
		      registered ? "registered" : "unregistered");
	} else if (private_hospital && p->private_beds_threshold > 0 && inst->has_beds) {
		k->level = inst->beds < p->private_beds_threshold ? 2 : 3;
		trace(k, "private_hospital_level", YB_PK_PRIVATE_BEDS, -1, -1, -1,
		      "private hospital with %d beds: paid as level %d", inst->beds, k->level);
	}
	if (children_disease(k)) {
		k->fund = pay(k->compliant, p->children_fund_bp);
		k->assistance = pay(k->compliant, p->children_assistance_bp);
		k->eligible = k->compliant;
		trace(k, "children_disease_fund", YB_PK_CHILD_FUND, k->compliant,
		      p->children_fund_bp, k->fund, "child with %s: no deductible",
		      c->diagnoses[0]);
		trace(k, "children_disease_assistance", YB_PK_CHILD_ASSISTANCE, k->compliant,
		      p->children_assistance_bp, k->assistance, "医疗救助's share");
		delta->stays = 1;
		delta->stays_level23 = k->level >= 2;
		return;
	}

	/* The deductible (起付线). */
	ded = p->deductible[k->level].fen;
	if (inst->kind != NULL && strcmp(inst->kind, "specialty") == 0 &&
	    yb_name_list_has(&p->deductible_waived_specialties, inst->specialty) &&
	    principal_in(c, &p->deductible_waived_diagnoses)) {
		/* 营口 第二十二条(一): for patients with the disease, at such a hospital. */
		ded = 0;
		trace(k, "deductible_waived_specialty", YB_PK_DED_WAIVED_DX, -1, -1, 0,
		      "%s at a %s specialty hospital: no deductible", c->diagnoses[0],
		      inst->specialty);
	} else if (p->deductible_waived_from_stay > 0 && k->level >= 2 &&
		   stay_place(k) >= p->deductible_waived_from_stay) {
		ded = 0;
		trace(k, "deductible_waived_repeat_stay", YB_PK_DED_WAIVED_STAY, -1, -1, 0,
		      "level-2/3 stay number %d this year by admission date: no deductible",
		      stay_place(k));
	} else if (has_treatment(c, &p->deductible_once_a_year_treatments) &&
		   acc->once_deductibles > 0) {
		ded = 0;
		trace(k, "deductible_once_a_year", YB_PK_DED_ONCE, -1, -1, 0,
		      "radiotherapy/chemotherapy: the year's deductible was already taken");
	} else if (k->ctx->referred_from_level > 0 && p->referral_pays_difference) {
		int from = k->ctx->referred_from_level;

		if (from < k->level) {
			ded = max64(0, ded - p->deductible[from].fen);
			trace(k, "deductible_referral_up", YB_PK_REFERRAL_DIFF, -1, -1, ded,
			      "referred up from level %d: only the difference", from);
		} else {
			ded = 0;
			trace(k, "deductible_referral_down", YB_PK_REFERRAL_DIFF, -1, -1, 0,
			      "referred from level %d to level %d: no deductible", from, k->level);
		}
	}
	if (has_treatment(c, &p->deductible_once_a_year_treatments) && acc->once_deductibles == 0 &&
	    ded > 0)
		delta->once_deductibles = 1;
	ded = min64(ded, base);
	k->deductible = ded;
	trace(k, "deductible", deductible_key(k->level), base, -1, ded, "deductible at level %d%s",
	      k->level, k->ctx->institution->level == 0 ? " (unrated counts as level 1)" : "");

	/* The rate. */
	seg = &p->rate[k->level];
	rate_key = k->level == 1 ? YB_PK_RATE_L1 : k->level == 2 ? YB_PK_RATE_L2 : YB_PK_RATE_L3;
	if (k->tier == 2 && p->rate_tier2[k->level].count > 0) {
		seg = &p->rate_tier2[k->level];
		rate_key = k->level == 1   ? YB_PK_RATE_T2_L1
			   : k->level == 2 ? YB_PK_RATE_T2_L2
					   : YB_PK_RATE_T2_L3;
	}
	if (k->level == 3 && p->rate_level3_grade_a_general.count > 0 && inst->grade != NULL &&
	    strcmp(inst->grade, "A") == 0 && inst->kind != NULL &&
	    strcmp(inst->kind, "general") == 0 && !(c->has_out_of_city && c->out_of_city)) {
		seg = &p->rate_level3_grade_a_general;
		rate_key = YB_PK_RATE_L3_GRADE_A;
	}
	if (k->m != NULL && strcmp(k->m->category, "retiree") == 0 && p->retiree_bonus_bp > 0) {
		bonus += p->retiree_bonus_bp;
		trace(k, "retiree_bonus", YB_PK_RETIREE_BONUS, -1, p->retiree_bonus_bp, -1,
		      "retiree: rates raised");
	}
	if (inst->kind != NULL && strcmp(inst->kind, "tcm") == 0 && p->tcm_bonus_bp > 0) {
		bonus += p->tcm_bonus_bp;
		trace(k, "tcm_bonus", YB_PK_TCM_BONUS, -1, p->tcm_bonus_bp, -1,
		      "TCM institution: rates raised");
	}
	essential = c->has_essential_drug_fen ? min64(c->essential_drug_fen.fen, base) : 0;
	if (k->level == 1 && k->tier != 2 && p->rate_level1_without_eds_bp > 0 &&
	    !(inst->has_essential_drug_system && inst->essential_drug_system)) {
		/* 烟台居民 第十三条(一): level 1 without 基本药物制度, one rate for everything. */
		yb_segments flat = {1, {INT64_MAX}, {p->rate_level1_without_eds_bp}};

		k->fund = segmented(k, ded, base, &flat, bonus, YB_PK_RATE_L1_NO_EDS);
	} else if (k->level == 1 && p->essential_drug_rate_bp > 0 && essential > 0) {
		/* The deductible comes off the other costs first; 基本药物 at their own rate. */
		nonessential = base - essential;
		d1 = min64(ded, nonessential);
		k->fund = segmented(k, d1, nonessential, seg, bonus, rate_key);
		{
			int64_t ebase = essential - (ded - d1);
			int64_t amount = pay(ebase, p->essential_drug_rate_bp + bonus);

			trace(k, "essential_drug_rate", YB_PK_ESSENTIAL_DRUG_RATE, ebase,
			      p->essential_drug_rate_bp + bonus, amount, "基本药物 at level 1");
			k->fund += amount;
		}
	} else {
		k->fund = segmented(k, ded, base, seg, bonus, rate_key);
	}
	k->eligible = base - ded;
	if (k->half_rate) {
		int64_t halved = pay(k->fund, k->p->late_transition_rate_bp);

		trace(k, "late_transition_rate", YB_PK_LATE_TRANSITION_RATE, k->fund,
		      k->p->late_transition_rate_bp, halved, "paid late: the rate is halved");
		reason(k, "HALF_RATE_TRANSITION");
		k->fund = halved;
	}
	delta->stays = 1;
	delta->stays_level23 = k->level >= 2;
	delta->deductible_fen = ded;
	k->counts_for_critical = true;
}

static void maternity(calc *k)
{
	const yb_policy *p = k->p;

	if (p->maternity == YB_MATERNITY_NONE) {
		reject(k, "BENEFIT_NOT_COVERED", "maternity", YB_PK_MATERNITY,
		       "maternity is not a benefit of this scheme");
		return;
	}
	if (k->m != NULL && k->m->sex == 'M') {
		reject(k, "BENEFIT_NOT_COVERED", "maternity", YB_PK_MATERNITY,
		       "maternity claimed for a man");
		return;
	}
	if (p->maternity == YB_MATERNITY_STAY) {
		trace(k, "maternity_as_stay", YB_PK_MATERNITY, -1, -1, -1,
		      "paid as an inpatient stay");
		inpatient(k);
		return;
	}
	k->fund = min64(p->maternity_fixed.fen, k->compliant);
	k->eligible = k->compliant;
	k->out->delta.maternity_fund_fen = k->fund;
	trace(k, "maternity_fixed", YB_PK_MATERNITY_FIXED, k->compliant, -1, k->fund,
	      "a fixed sum per delivery, at most the compliant cost");
}

static void outpatient(calc *k)
{
	const yb_policy *p = k->p;
	const yb_institution *inst = k->ctx->institution;
	const yb_year_acc *acc = k->ctx->acc;
	yb_year_acc *delta = &k->out->delta;
	int64_t counted, ded, base, room;
	int rate, rate_key = YB_PK_OP_RATE, quarter, yy, mo, dd;

	if (!p->outpatient) {
		trace(k, "outpatient_not_fund", YB_PK_OP, -1, -1, 0,
		      "general outpatient is not paid by the pooled fund");
		return;
	}
	if ((p->outpatient_max_level > 0 && k->level > p->outpatient_max_level) ||
	    (p->outpatient_kinds.count > 0 &&
	     !yb_name_list_has(&p->outpatient_kinds, inst->kind))) {
		reject(k, "BENEFIT_NOT_COVERED", "outpatient_institution",
		       p->outpatient_kinds.count > 0 ? YB_PK_OP_KINDS : YB_PK_OP_MAX_LEVEL,
		       "general outpatient is paid only at contracted primary institutions");
		return;
	}
	counted = k->compliant;
	if (p->outpatient_annual_cost_limit.fen > 0) {
		counted = min64(counted, max64(0, p->outpatient_annual_cost_limit.fen -
						      acc->outpatient_cost_fen));
		trace(k, "outpatient_cost_limit", YB_PK_OP_COST_LIMIT, k->compliant, -1, counted,
		      "compliant cost counted within the year's limit");
	}
	ded =
	    min64(counted, max64(0, p->outpatient_deductible.fen - acc->outpatient_deductible_fen));
	if (p->outpatient_deductible.fen > 0)
		trace(k, "outpatient_deductible", YB_PK_OP_DEDUCTIBLE, counted, -1, ded,
		      "the year's outpatient deductible");
	base = counted - ded;
	rate = p->outpatient_rate_bp;
	if (p->outpatient_bonus_rate_bp > 0 && covered_all_year(k, k->year - 1) &&
	    (k->ctx->previous_acc == NULL || k->ctx->previous_acc->outpatient_cost_fen == 0)) {
		rate = p->outpatient_bonus_rate_bp;
		rate_key = YB_PK_OP_BONUS_RATE;
	}
	k->fund = pay(base, rate);
	trace(k, "outpatient_rate", rate_key, base, rate, k->fund, "%s",
	      rate_key == YB_PK_OP_BONUS_RATE
		  ? "covered all last year, no outpatient cost: the higher rate"
		  : "general outpatient");
	if (p->outpatient_annual_fund_limit.fen > 0) {
		room = max64(0, p->outpatient_annual_fund_limit.fen - acc->outpatient_fund_fen);
		if (k->fund > room) {
			trace(k, "outpatient_annual_limit", YB_PK_OP_FUND_LIMIT, k->fund, -1, room,
			      "the year's outpatient limit");
			k->fund = room;
		}
	}
	yb_date_to_ymd(k->day, &yy, &mo, &dd);
	quarter = (mo - 1) / 3;
	if (p->outpatient_quarterly_fund_limit.fen > 0) {
		room = max64(0, p->outpatient_quarterly_fund_limit.fen -
				    acc->outpatient_quarter_fund_fen[quarter]);
		if (k->fund > room) {
			trace(k, "outpatient_quarterly_limit", YB_PK_OP_QUARTER_LIMIT, k->fund, -1,
			      room, "the quarter's outpatient limit (Q%d)", quarter + 1);
			k->fund = room;
		}
	}
	k->deductible = ded;
	k->eligible = base;
	delta->outpatient_cost_fen = counted;
	delta->outpatient_deductible_fen = ded;
	delta->outpatient_fund_fen = k->fund;
	delta->outpatient_quarter_fund_fen[quarter] = k->fund;
}

static void chronic(calc *k)
{
	const yb_claim *c = k->c;
	const yb_policy *p = k->p;
	const yb_year_acc *acc = k->ctx->acc;
	yb_chronic_use *use = &k->out->delta.chronic[0];
	const yb_chronic_use *before = NULL;
	char class_ = c->chronic_class[0];
	int rate, b_diseases = 0;
	int64_t ded = 0, room;

	if (!p->chronic) {
		reject(k, "BENEFIT_NOT_COVERED", "chronic", YB_PK_CH,
		       "chronic outpatient is not a benefit of this scheme");
		return;
	}
	for (int i = 0; i < acc->chronic_count; i++) {
		if (strcmp(acc->chronic[i].disease, c->chronic_disease) == 0)
			before = &acc->chronic[i];
		else if (acc->chronic[i].class_ == 'B')
			b_diseases++;
	}
	if (class_ == 'B' && before == NULL && p->chronic_max_diseases_b > 0 &&
	    b_diseases >= p->chronic_max_diseases_b) {
		reject(k, "BENEFIT_NOT_COVERED", "chronic_disease_count", YB_PK_CH_MAX_B,
		       "already %d class-B diseases this year", b_diseases);
		return;
	}
	snprintf(use->disease, sizeof(use->disease), "%s", c->chronic_disease);
	use->class_ = class_;
	k->out->delta.chronic_count = 1;
	if (yb_name_list_has(&p->chronic_deductible_classes, c->chronic_class)) {
		int64_t used = before != NULL ? before->deductible_fen : 0;

		if (p->chronic_deductible_shared) {
			used = 0;
			for (int i = 0; i < acc->chronic_count; i++)
				used += acc->chronic[i].deductible_fen;
		}
		ded = min64(k->compliant, max64(0, p->chronic_deductible.fen - used));
		trace(k, "chronic_deductible", YB_PK_CH_DEDUCTIBLE, k->compliant, -1, ded, "%s",
		      p->chronic_deductible_shared ? "the year's chronic deductible"
						   : "the disease's deductible this year");
	}
	rate = class_ == 'A' ? p->chronic_rate_bp_a : p->chronic_rate_bp_b;
	if (k->tier == 2 && p->chronic_rate_tier2_bonus_bp > 0) {
		rate += p->chronic_rate_tier2_bonus_bp;
		trace(k, "chronic_tier2_bonus", YB_PK_CH_TIER2_BONUS, -1,
		      p->chronic_rate_tier2_bonus_bp, -1, "tier 2: rate raised");
	}
	if (p->chronic_bonus_bp > 0 && has_treatment(c, &p->chronic_bonus_treatments)) {
		rate += p->chronic_bonus_bp;
		trace(k, "chronic_treatment_bonus", YB_PK_CH_BONUS, -1, p->chronic_bonus_bp, -1,
		      "dialysis or anti-rejection: rate raised");
	}
	k->fund = pay(k->compliant - ded, rate);
	trace(k, "chronic_rate", class_ == 'A' ? YB_PK_CH_RATE_A : YB_PK_CH_RATE_B,
	      k->compliant - ded, rate > 10000 ? 10000 : rate, k->fund,
	      "class %c chronic outpatient", class_);
	if (class_ == 'B' && p->chronic_annual_limit_b.fen > 0) {
		room = max64(0, p->chronic_annual_limit_b.fen -
				    (before != NULL ? before->fund_fen : 0));
		if (k->fund > room) {
			trace(k, "chronic_annual_limit", YB_PK_CH_LIMIT_B, k->fund, -1, room,
			      "the disease's limit for the year");
			k->fund = room;
		}
	}
	k->deductible = ded;
	k->eligible = k->compliant - ded;
	use->deductible_fen = ded;
	use->fund_fen = k->fund;
	k->counts_for_critical = true;
}

static void accident_outpatient(calc *k)
{
	const yb_policy *p = k->p;
	int64_t base, room;

	/* Students by status, whatever their age; others by age where the text says 未成年. */
	bool eligible = p->accident_outpatient && k->m != NULL &&
			(yb_name_list_has(&p->accident_outpatient_categories, k->m->category) ||
			 (k->age >= 0 && k->age < p->accident_outpatient_under_age));

	if (!eligible) {
		trace(k, "accident_as_outpatient", YB_PK_ACC_CATEGORIES, -1, -1, -1,
		      "not a student's or minor's accident benefit: paid as general outpatient");
		outpatient(k);
		return;
	}
	base = max64(0, k->compliant - p->accident_outpatient_threshold.fen);
	k->fund = pay(base, p->accident_outpatient_rate_bp);
	trace(k, "accident_outpatient", YB_PK_ACC_RATE, base, p->accident_outpatient_rate_bp,
	      k->fund, "minor's accident outpatient above %" PRId64 " fen",
	      p->accident_outpatient_threshold.fen);
	room = max64(0, p->accident_outpatient_annual_limit.fen - k->ctx->acc->accident_fund_fen);
	if (k->fund > room) {
		trace(k, "accident_outpatient_limit", YB_PK_ACC_LIMIT, k->fund, -1, room,
		      "the year's limit");
		k->fund = room;
	}
	k->deductible = min64(k->compliant, p->accident_outpatient_threshold.fen);
	k->eligible = base;
	k->out->delta.accident_fund_fen = k->fund;
}

/* Paid as general outpatient: an outpatient visit, or an accident visit paid as one. */
static bool is_general_outpatient(const calc *k)
{
	return k->out->delta.outpatient_fund_fen > 0 || k->out->delta.outpatient_cost_fen > 0 ||
	       is_visit(k->c, "outpatient");
}

static void annual_cap(calc *k)
{
	const yb_policy *p = k->p;
	int key = YB_PK_CAP;
	int64_t cap = p->annual_cap[0].fen, room;

	if (k->tier >= 1 && k->tier <= 2 && p->annual_cap[k->tier].fen > 0) {
		cap = p->annual_cap[k->tier].fen;
		key = k->tier == 1 ? YB_PK_CAP_TIER1 : YB_PK_CAP_TIER2;
	}
	k->fund_uncapped = k->fund;
	if (p->cap_excludes_general_outpatient) {
		/* 烟台居民 第十八条: the limit is on stays, chronic and accident outpatient and
		 * deliveries; general outpatient has its own (第十五条). */
		if (is_general_outpatient(k))
			return;
		room =
		    max64(0, cap - (k->ctx->acc->fund_paid_fen - k->ctx->acc->outpatient_fund_fen));
	} else {
		room = max64(0, cap - k->ctx->acc->fund_paid_fen);
	}
	if (k->fund > room) {
		trace(k, "annual_cap", key, k->fund, -1, room,
		      "the fund's annual limit: %" PRId64 " fen already paid this year",
		      k->ctx->acc->fund_paid_fen);
		reason(k, "ANNUAL_CAP_REACHED");
		k->fund = room;
	}
}

/* --- 7: after the basic fund ---------------------------------------------------------------- */

static void large_relief(calc *k)
{
	const yb_policy *p = k->p;
	int64_t cut = k->fund_uncapped - k->fund, base, room;
	yb_money share;

	if (!p->large_relief || cut <= 0 || k->m == NULL || k->year < 2000 || k->year >= 2064 ||
	    (k->m->relief_fee_years & (UINT64_C(1) << (k->year - 2000))) == 0)
		return;
	/* The compliant cost the cap left unpaid: the eligible cost in the exact proportion the
	 * cap cut the fund's payment (eligible × cut / uncapped, rounded to the fen). */
	share = yb_fen(0);
	(void)yb_money_apply_ratio(&share, yb_fen(k->eligible), cut, k->fund_uncapped);
	base = share.fen;
	k->relief = pay(base, p->large_relief_rate_bp);
	room = max64(0, p->large_relief_annual_cap.fen - k->ctx->acc->large_relief_paid_fen);
	trace(k, "large_relief", YB_PK_LR_RATE, base, p->large_relief_rate_bp,
	      min64(k->relief, room), "大额救助 on the compliant cost above the fund's limit");
	if (k->relief > room) {
		trace(k, "large_relief_limit", YB_PK_LR_CAP, k->relief, -1, room,
		      "its annual limit");
		k->relief = room;
	}
}

static void critical_illness(calc *k, int64_t oop)
{
	const yb_policy *p = k->p;
	int64_t before = k->ctx->acc->oop_compliant_fen, after = before + oop;
	int64_t from = max64(before, p->critical_deductible.fen), room;
	int64_t lo = 0;

	if (after <= from)
		return;
	for (int i = 0; i < p->critical_rate.count; i++) {
		int64_t hi = p->critical_rate.upto[i];
		int64_t a = max64(from, lo), b = min64(after, hi);

		if (b > a) {
			int64_t amount = pay(b - a, p->critical_rate.rate[i]);
			char a_s[32], b_s[32];

			yb_money_format_yuan(a_s, sizeof(a_s), yb_fen(a));
			yb_money_format_yuan(b_s, sizeof(b_s), yb_fen(b));
			trace(k, "critical_illness", YB_PK_CRIT_RATE, b - a,
			      p->critical_rate.rate[i], amount,
			      "大病保险: the year's compliant out-of-pocket %s..%s yuan", a_s, b_s);
			k->critical += amount;
		}
		lo = hi;
	}
	if (p->critical_annual_cap.fen > 0) {
		room = max64(0, p->critical_annual_cap.fen - k->ctx->acc->critical_paid_fen);
		if (k->critical > room) {
			trace(k, "critical_illness_limit", YB_PK_CRIT_CAP, k->critical, -1, room,
			      "大病保险's annual limit");
			k->critical = room;
		}
	}
}

static void assistance(calc *k)
{
	const yb_policy *p = k->p;
	int64_t base = k->compliant - k->fund - k->relief - k->critical - k->assistance, amount,
		room;

	if (k->m == NULL || !yb_name_list_has(&p->assistance_categories, k->m->category) ||
	    base <= 0)
		return;
	amount = pay(base, p->assistance_rate_bp);
	room = max64(0, p->assistance_annual_cap.fen - k->ctx->acc->assistance_paid_fen -
			    k->assistance);
	amount = min64(amount, room);
	trace(k, "medical_assistance", YB_PK_AS_RATE, base, p->assistance_rate_bp, amount,
	      "医疗救助 for %s", k->m->category);
	k->assistance += amount;
}

/* 烟台职工 第十七条: a retiree's credits, age × 1.5 yuan a month since enrolment. */
static int64_t retiree_credits(const calc *k)
{
	const yb_member *m = k->m;
	int y0, m0, d0, y1, m1, d1;
	int64_t total = 0;

	if (strcmp(m->category, "retiree") != 0 || !m->has_birth_date)
		return 0;
	yb_date_to_ymd(m->enrolled_on, &y0, &m0, &d0);
	yb_date_to_ymd(k->day, &y1, &m1, &d1);
	for (int month = y0 * 12 + m0 - 1; month <= y1 * 12 + m1 - 1; month++) {
		int age = yb_member_age(m, yb_date_from_ymd(month / 12, month % 12 + 1, 1));

		total += (int64_t)age * k->p->pa_retiree_per_year_of_age.fen;
	}
	return total;
}

static void personal_account(calc *k, int64_t share)
{
	const yb_policy *p = k->p;
	int64_t balance;

	if (!p->personal_account || k->m == NULL ||
	    yb_name_list_has(&p->pa_excluded_categories, k->m->category) || share <= 0)
		return;
	balance = k->m->pa_credited_fen + retiree_credits(k) - k->m->pa_spent_fen;
	if (balance <= 0)
		return;
	k->account = min64(balance, share);
	trace(k, "personal_account", YB_PK_PA, share, -1, k->account,
	      "个人账户 pays the patient's share (balance %" PRId64 " fen)", balance);
}

/* --- the whole claim ------------------------------------------------------------------------ */

static void settle_amounts(calc *k)
{
	yb_settlement *s = &k->out->settlement;
	yb_year_acc *d = &k->out->delta;
	int64_t total = k->c->total_fen.fen;

	if (k->rejected) {
		memset(d, 0, sizeof(*d));
		k->fund = k->critical = k->relief = k->assistance = k->account = k->deductible = 0;
		s->status = "rejected";
	}
	s->deductible_fen = yb_fen(k->deductible);
	s->fund_pay_fen = yb_fen(k->fund);
	s->critical_illness_pay_fen = yb_fen(k->critical);
	s->large_relief_pay_fen = yb_fen(k->relief);
	s->assistance_pay_fen = yb_fen(k->assistance);
	s->personal_account_pay_fen = yb_fen(k->account);
	s->cash_pay_fen =
	    yb_fen(total - k->fund - k->critical - k->relief - k->assistance - k->account);
	if (k->rejected)
		return;
	d->fund_paid_fen = k->fund;
	d->critical_paid_fen = k->critical;
	d->large_relief_paid_fen = k->relief;
	d->assistance_paid_fen = k->assistance;
	d->personal_account_paid_fen = k->account;
	if (k->counts_for_critical)
		d->oop_compliant_fen = k->compliant - k->fund - k->relief;
	/* The year keeps its first YB_ACC_MAX_STAYS stays; the delta carries a stay only when
	 * the year has room, so taking the delta back is always exact. */
	if ((is_visit(k->c, "inpatient") || is_visit(k->c, "maternity")) && d->stays > 0 &&
	    k->ctx->acc->stay_count < YB_ACC_MAX_STAYS) {
		d->stay_count = 1;
		d->stay_from[0] = k->c->admission_date;
		d->stay_to[0] = k->c->discharge_date;
		d->stay_level23[0] = d->stays_level23 > 0;
	}
}

void yb_adjudicate(const yb_claim_context *ctx, const yb_claim *c, yb_adjudication *out)
{
	calc k = {.ctx = ctx, .c = c, .p = ctx->policy, .m = ctx->member, .out = out};
	yb_settlement *s = &out->settlement;
	int yy, mo, dd;

	/* Clear what every claim sets; trace entries are cleared as they are written, and the
	 * notes are written before they are pointed at: the rest need not be zeroed. */
	memset(&out->settlement, 0, sizeof(out->settlement));
	memset(&out->delta, 0, sizeof(out->delta));
	k.day = yb_claim_service_day(c);
	yb_date_to_ymd(k.day, &yy, &mo, &dd);
	k.year = yy;
	out->service_day = k.day;
	s->claim_id = c->claim_id;
	s->member_id = c->member_id;
	s->scheme = ctx->scheme != NULL ? ctx->scheme : c->scheme;
	s->policy_version = k.p != NULL ? k.p->version : "none";
	s->benefit_year = k.year;
	s->status = "settled";
	s->reasons = out->reasons;
	s->trace = out->trace;
	s->total_fen = c->total_fen;
	s->compliant_fen = c->compliant_fen;
	k.compliant = c->compliant_fen.fen;
	k.age = k.m != NULL ? yb_member_age(k.m, k.day) : -1;

	if (ctx->scheme != NULL && strcmp(ctx->scheme, c->scheme) != 0)
		trace(&k, "scheme_of_the_service_day", -1, -1, -1, -1,
		      "the member's scheme on the service day is %s, not %s: judged by %s",
		      ctx->scheme, c->scheme, ctx->scheme);
	if (k.p == NULL) {
		reject(&k, "NO_POLICY_IN_FORCE", "policy", -1,
		       "no version of the %s policy is in force on the service day", c->scheme);
		settle_amounts(&k);
		return;
	}
	k.tier = k.m != NULL && k.m->tier > 0 ? k.m->tier : 1;
	if (k.p->minor_tier > 0 && is_minor(&k) && k.tier < k.p->minor_tier) {
		k.tier = k.p->minor_tier;
		trace(&k, "minor_tier", YB_PK_MINOR_TIER, -1, -1, -1,
		      "minors and students are paid at tier %d", k.tier);
	}
	if (check_filing(&k) && check_institution(&k) && check_exclusions(&k) &&
	    check_coverage(&k) && check_stay_overlap(&k)) {
		k.level = ctx->institution->level <= 0 ? 1 : ctx->institution->level;
		if (k.level > 3)
			k.level = 3;
		if (is_visit(c, "inpatient"))
			inpatient(&k);
		else if (is_visit(c, "maternity"))
			maternity(&k);
		else if (is_visit(c, "chronic_outpatient"))
			chronic(&k);
		else if (is_visit(c, "accident_outpatient"))
			accident_outpatient(&k);
		else
			outpatient(&k);
		if (!k.rejected) {
			int64_t oop;

			annual_cap(&k);
			large_relief(&k);
			oop = k.compliant - k.fund - k.relief;
			if (k.counts_for_critical && oop > 0)
				critical_illness(&k, oop);
			assistance(&k);
			personal_account(&k, c->total_fen.fen - k.fund - k.critical - k.relief -
						 k.assistance);
		}
	}
	settle_amounts(&k);
}

void yb_adjudication_set_accumulators(yb_adjudication *out, const yb_year_acc *acc)
{
	const struct {
		const char *name;
		int64_t value;
	} entries[] = {
	    {"fund_paid_fen", acc->fund_paid_fen},
	    {"deductible_fen", acc->deductible_fen},
	    {"oop_compliant_fen", acc->oop_compliant_fen},
	    {"critical_illness_paid_fen", acc->critical_paid_fen},
	    {"large_relief_paid_fen", acc->large_relief_paid_fen},
	    {"assistance_paid_fen", acc->assistance_paid_fen},
	    {"personal_account_paid_fen", acc->personal_account_paid_fen},
	    {"stays", acc->stays},
	    {"outpatient_fund_fen", acc->outpatient_fund_fen},
	    {"accident_fund_fen", acc->accident_fund_fen},
	};
	size_t n = sizeof(entries) / sizeof(entries[0]);

	for (size_t i = 0; i < n && i < YB_MAX_ACC_ENTRIES; i++) {
		out->accumulators[i].key = entries[i].name;
		out->accumulators[i].value = entries[i].value;
	}
	out->settlement.accumulators = out->accumulators;
	out->settlement.accumulators_count = (uint32_t)n;
}

void yb_adjudicate_reversal(const yb_settlement *original, const yb_reversal *reversal,
			    const yb_year_acc *acc_after, yb_adjudication *out)
{
	yb_settlement *s = &out->settlement;
	uint32_t n;

	memset(out, 0, sizeof(*out));
	*s = *original;
	s->status = "reversed";
	s->duplicate = false;
	n = original->reasons_count < YB_MAX_REASONS ? original->reasons_count : YB_MAX_REASONS;
	for (uint32_t i = 0; i < n; i++)
		out->reasons[i] = original->reasons[i];
	s->reasons = out->reasons;
	s->reasons_count = n;
	n = original->trace_count < YB_MAX_TRACE - 1 ? original->trace_count : YB_MAX_TRACE - 1;
	for (uint32_t i = 0; i < n; i++)
		out->trace[i] = original->trace[i];
	snprintf(
	    out->notes[n], sizeof(out->notes[0]), "reversed%s%s: every accumulator moved goes back",
	    reversal->reason != NULL ? ": " : "", reversal->reason != NULL ? reversal->reason : "");
	out->trace[n].rule = "reversal";
	out->trace[n].article = "";
	out->trace[n].note = out->notes[n];
	s->trace = out->trace;
	s->trace_count = n + 1;
	yb_adjudication_set_accumulators(out, acc_after);
}

void yb_adjudicate_unknown_reversal(const yb_reversal *reversal, yb_adjudication *out)
{
	yb_settlement *s = &out->settlement;

	memset(out, 0, sizeof(*out));
	s->claim_id = reversal->claim_id;
	s->member_id = reversal->member_id != NULL ? reversal->member_id : "";
	s->scheme = "";
	s->policy_version = "none";
	s->status = "rejected";
	out->reasons[0] = "UNKNOWN_CLAIM";
	s->reasons = out->reasons;
	s->reasons_count = 1;
	out->trace[0].rule = "reversal";
	out->trace[0].article = "";
	out->trace[0].note = "no settled claim with this claim_id to reverse";
	s->trace = out->trace;
	s->trace_count = 1;
	s->accumulators = out->accumulators;
}

void yb_adjudicate_claim_id_taken(const yb_claim *c, yb_adjudication *out)
{
	yb_settlement *s = &out->settlement;
	int yy, mo, dd;

	memset(&out->settlement, 0, sizeof(out->settlement));
	memset(&out->delta, 0, sizeof(out->delta));
	out->service_day = yb_claim_service_day(c);
	yb_date_to_ymd(out->service_day, &yy, &mo, &dd);
	s->claim_id = c->claim_id;
	s->member_id = c->member_id;
	s->scheme = c->scheme;
	s->policy_version = "none";
	s->benefit_year = yy;
	s->status = "rejected";
	out->reasons[0] = "CONFLICTING_DUPLICATE";
	s->reasons = out->reasons;
	s->reasons_count = 1;
	s->total_fen = c->total_fen;
	s->compliant_fen = c->compliant_fen;
	s->cash_pay_fen = c->total_fen;
	memset(&out->trace[0], 0, sizeof(out->trace[0]));
	out->trace[0].rule = "claim_id_unique";
	out->trace[0].article = "events.md: claim_id is unique, the idempotency key";
	out->trace[0].note = "claim_id already settled for another member: this claim is not "
			     "taken; resubmit it under a claim_id of its own";
	s->trace = out->trace;
	s->trace_count = 1;
	s->accumulators = out->accumulators;
	s->duplicate = true;
}
