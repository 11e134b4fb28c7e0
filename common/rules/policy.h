/*
 * Scheme policies: the numbers of a scheme's regulation, each with the article it comes from.
 *
 * A policy file (policies/<scheme>.policy) is text, one parameter per line:
 *
 *     inpatient.deductible_fen.level3 = 70000   @ 第二十二条(一)
 *     critical.deductible_fen = 1500000         @ assumed: 辽宁省城乡居民大病保险 ...
 *
 * Every parameter carries its citation after "@": an article (第N条) of the scheme's
 * regulation file (named once at the top with "regulation = <file>"), another file and
 * article, or "assumed:" and where the assumed value came from. A file holds one or more
 * versions, each opened by "[YYYY-MM-DD]" (the day it takes effect); a version inherits
 * every value of the one before and changes only what it lists, so a rate change is a new
 * version, never an edit of history. A claim is judged by the version in force on its
 * service date.
 *
 * One table (policy.c) lists every key with its type, its place in yb_policy and its
 * meaning; it drives parsing, validation and docs/RULES.md. Parsing is pure: the caller
 * reads the file. Errors name the file, the line and the key.
 */
#ifndef YB_RULES_POLICY_H
#define YB_RULES_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/money.h"

#define YB_POLICY_MAX_SEGMENTS 6
#define YB_POLICY_MAX_LIST     24
#define YB_POLICY_MAX_VERSIONS 8
#define YB_POLICY_NAME_LEN     48

/* Progressive rates: amounts up to upto[0] at rate[0], then up to upto[1] at rate[1], ...;
 * the last segment has upto = INT64_MAX. What the amounts measure is the rule's business. */
typedef struct yb_segments {
	int count;
	int64_t upto[YB_POLICY_MAX_SEGMENTS];
	yb_bp rate[YB_POLICY_MAX_SEGMENTS];
} yb_segments;

/* A set of short names ("radiotherapy,chemotherapy"). */
typedef struct yb_name_list {
	int count;
	char name[YB_POLICY_MAX_LIST][32];
} yb_name_list;

bool yb_name_list_has(const yb_name_list *list, const char *name);

/* A span of days or months ("90d", "3m"); 0 = none. */
typedef struct yb_duration {
	int32_t days;
	int32_t months;
} yb_duration;

/* A window of the calendar year, month and day ("10-01..12-31"). */
typedef struct yb_mmdd_range {
	bool set;
	int from_month, from_day, to_month, to_day;
} yb_mmdd_range;

/* How a maternity claim is paid. */
typedef enum yb_maternity_mode {
	YB_MATERNITY_NONE,  /* not a benefit of this scheme */
	YB_MATERNITY_STAY,  /* as an inpatient stay */
	YB_MATERNITY_FIXED, /* a fixed sum per delivery */
} yb_maternity_mode;

/* Who a waiting period applies to. */
typedef enum yb_waiting_rule {
	YB_WAITING_NONE,
	YB_WAITING_NEW,  /* new enrollees and those who resume after a gap (营口 第十二条) */
	YB_WAITING_LATE, /* those who paid after the payment window (朝阳 第四条) */
} yb_waiting_rule;

/* The parameters of one version of a scheme. Amounts in fen, rates in basis points. */
typedef struct yb_policy {
	char scheme[YB_POLICY_NAME_LEN];
	char version[YB_POLICY_NAME_LEN * 2]; /* "<scheme>@<effective_from>" */
	bool employee; /* 职工 (monthly contributions) or 居民 (premium) */
	int32_t effective_from, effective_to; /* days; effective_to INT32_MAX when open */

	/* coverage: residents */
	yb_mmdd_range premium_window; /* in the year before the coverage year */
	yb_mmdd_range student_window;
	yb_waiting_rule waiting_rule;
	int32_t waiting_days;
	int32_t late_transition_days;
	yb_bp late_transition_rate_bp;
	yb_duration newborn_from_birth_within;
	yb_duration newborn_no_waiting_within;
	bool newborn_birth_year_only; /* the newborn rules cover the birth year's premium only */
	int32_t transfer_within_days;
	yb_name_list month_after_payment_categories;
	bool student_deemed_paid; /* 9月1日-12月31日 of the enrolment year 视同缴费 */
	/* coverage: employees */
	int32_t min_continuous_months;
	int32_t break_months;
	int32_t retiree_min_years_male, retiree_min_years_female;

	/* exclusions and conditions */
	bool abroad_excluded;
	bool non_designated_excluded;
	bool outpatient_paused_during_stay;
	yb_name_list excluded_causes;
	bool self_harm_excepted_for_mental_illness;
	bool missing_receipts_excluded;
	int filing_deadline_month, filing_deadline_day; /* of the next year; 0 = none */

	/* fund */
	yb_money annual_cap[3];               /* [0] the cap; [1], [2] by tier where they differ */
	bool cap_excludes_general_outpatient; /* general outpatient neither counts nor is capped */

	/* inpatient */
	yb_money deductible[4]; /* by level 0..3; level 0 (unrated) = level 1 */
	yb_name_list deductible_once_a_year_treatments;
	int32_t deductible_waived_from_stay; /* the Nth level-2/3 stay in a year on: none */
	yb_name_list deductible_waived_specialties;
	yb_name_list deductible_waived_diagnoses; /* ICD-10 prefixes: only patients with them */
	bool referral_pays_difference;
	yb_segments rate[4];       /* by level: on the stay's compliant cost */
	yb_segments rate_tier2[4]; /* 二档 where it differs (count 0: as rate) */
	yb_segments rate_level3_grade_a_general;
	yb_bp rate_level1_without_eds_bp; /* level 1 without 基本药物制度 (tier 1); 0 = as rate */
	yb_bp essential_drug_rate_bp;     /* 基本药物 at level 1; 0 = no separate rate */
	yb_bp retiree_bonus_bp;
	yb_bp tcm_bonus_bp;
	int32_t minor_tier; /* the tier minors and students are paid at; 0 = their own */
	int32_t private_beds_threshold;
	yb_bp out_of_city_self_pay_bp_registered, out_of_city_self_pay_bp_unregistered;
	yb_name_list children_diseases; /* ICD-10 prefixes of 儿童 定点救治 */
	yb_bp children_fund_bp, children_assistance_bp;
	int32_t children_max_age;

	/* maternity */
	yb_maternity_mode maternity;
	yb_money maternity_fixed;

	/* general outpatient */
	bool outpatient;
	int32_t outpatient_max_level;
	yb_name_list outpatient_kinds;
	yb_money outpatient_deductible; /* per year, on compliant cost */
	yb_bp outpatient_rate_bp;
	yb_bp outpatient_bonus_rate_bp;        /* when no outpatient cost the year before */
	yb_money outpatient_annual_cost_limit; /* compliant cost counted per year */
	yb_money outpatient_annual_fund_limit;
	yb_money outpatient_quarterly_fund_limit;

	/* chronic outpatient */
	bool chronic;
	yb_name_list chronic_deductible_classes;
	yb_money chronic_deductible;    /* per disease per year */
	bool chronic_deductible_shared; /* one deductible a year for all diseases */
	yb_bp chronic_rate_bp_a, chronic_rate_bp_b;
	yb_bp chronic_rate_tier2_bonus_bp;
	yb_name_list chronic_bonus_treatments;
	yb_bp chronic_bonus_bp;
	yb_money chronic_annual_limit_b; /* fund per disease per year; 0 = none */
	int32_t chronic_max_diseases_b;

	/* minors' accident outpatient */
	bool accident_outpatient;
	yb_name_list accident_outpatient_categories; /* who has it: these categories, */
	int32_t accident_outpatient_under_age;       /* and anyone younger than this (0: no one) */
	yb_money accident_outpatient_threshold;      /* per claim */
	yb_bp accident_outpatient_rate_bp;
	yb_money accident_outpatient_annual_limit;

	/* after the basic fund */
	yb_money critical_deductible; /* on the year's compliant out-of-pocket */
	yb_segments critical_rate;    /* upto measured on that out-of-pocket */
	yb_money critical_annual_cap; /* 0 = none */
	bool large_relief;
	yb_bp large_relief_rate_bp;
	yb_money large_relief_annual_cap;
	yb_name_list assistance_categories;
	yb_bp assistance_rate_bp;
	yb_money assistance_annual_cap;

	/* personal account (职工) */
	bool personal_account;
	yb_bp pa_rate_bp_under35, pa_rate_bp_35to45, pa_rate_bp_45plus;
	yb_money pa_retiree_per_year_of_age; /* a month's credit per year of age */
	yb_name_list pa_excluded_categories;

	/* The citation of each parameter, by key (YB_PK_*): "<file> 第N条..." or "assumed: ...";
	 * "" when the version does not set it. */
	char cite[128][160];
} yb_policy;

/*
 * The key table: X(ID, "key", KIND, field, "meaning"). Each key's citation is
 * p->cite[YB_PK_<ID>], which the rule engine copies into the settlement trace.
 */
#define YB_POLICY_KEYS(X)                                                                              \
	X(SCHEME_KIND, "scheme.kind", KIND, employee,                                                  \
	  "resident (annual premium) or employee (monthly contribution)")                              \
	X(EFFECTIVE_TO, "effective_to", DATE, effective_to, "last day the version is in force")        \
	X(PREMIUM_WINDOW, "coverage.premium_window", MMDD_RANGE, premium_window,                       \
	  "payment window, in the year before the coverage year")                                      \
	X(STUDENT_WINDOW, "coverage.student_window", MMDD_RANGE, student_window,                       \
	  "students' and minors' payment window")                                                      \
	X(STUDENT_DEEMED, "coverage.student_deemed_paid", BOOL, student_deemed_paid,                   \
	  "students covered 9-01..12-31 of the year they enrol (视同缴费)")                            \
	X(WAITING_RULE, "coverage.waiting_rule", WAITING, waiting_rule,                                \
	  "who waits: none, new (new and resumed enrollees) or late (paid after the window)")          \
	X(WAITING_DAYS, "coverage.waiting_days", INT, waiting_days,                                    \
	  "length of the waiting period from the payment")                                             \
	X(LATE_TRANSITION_DAYS, "coverage.late_transition_days", INT, late_transition_days,            \
	  "late payers: days of transition after the payment")                                         \
	X(LATE_TRANSITION_RATE, "coverage.late_transition_rate_bp", BP, late_transition_rate_bp,       \
	  "late payers: share of the inpatient rate paid during the transition")                       \
	X(NEWBORN_FROM_BIRTH, "coverage.newborn_from_birth_within", DURATION,                          \
	  newborn_from_birth_within,                                                                   \
	  "newborns paid for within this of birth are covered from birth")                             \
	X(NEWBORN_NO_WAITING, "coverage.newborn_no_waiting_within", DURATION,                          \
	  newborn_no_waiting_within,                                                                   \
	  "newborns paid for within this of birth are covered from the payment")                       \
	X(NEWBORN_BIRTH_YEAR, "coverage.newborn_birth_year_only", BOOL, newborn_birth_year_only,       \
	  "the newborn rules are for the birth year's premium; the next year's is an ordinary "        \
	  "one")                                                                                       \
	X(TRANSFER_WITHIN, "coverage.transfer_within_days", INT, transfer_within_days,                 \
	  "职工转居民 paid within these days of the old cover's end: covered from the day after " \
	  "it")                                                                                        \
	X(MONTH_AFTER_PAYMENT, "coverage.month_after_payment_categories", LIST,                        \
	  month_after_payment_categories, "categories covered from the month after the payment")       \
	X(MIN_CONT_MONTHS, "coverage.min_continuous_months", INT, min_continuous_months,               \
	  "employees: continuous months paid before new contributors are covered")                     \
	X(BREAK_MONTHS, "coverage.break_months", INT, break_months,                                    \
	  "employees: a gap of more than this many months makes a contributor new again")              \
	X(RETIREE_MIN_MALE, "coverage.retiree_min_years.male", INT, retiree_min_years_male,            \
	  "retirees: contribution years a man needs")                                                  \
	X(RETIREE_MIN_FEMALE, "coverage.retiree_min_years.female", INT, retiree_min_years_female,      \
	  "retirees: contribution years a woman needs")                                                \
	X(ABROAD, "exclusion.abroad", BOOL, abroad_excluded, "care abroad is not paid")                \
	X(NON_DESIGNATED, "exclusion.non_designated", BOOL, non_designated_excluded,                   \
	  "care at a non-designated institution is not paid")                                          \
	X(PAUSED_DURING_STAY, "outpatient.paused_during_stay", BOOL,                                   \
	  outpatient_paused_during_stay, "outpatient benefits pause during an inpatient stay")         \
	X(EXCLUDED_CAUSES, "exclusion.causes", LIST, excluded_causes,                                  \
	  "injury causes the fund does not pay for")                                                   \
	X(SELF_HARM_EXCEPTED, "exclusion.self_harm_excepted_for_mental_illness", BOOL,                 \
	  self_harm_excepted_for_mental_illness, "self-harm by a psychiatric patient is paid")         \
	X(MISSING_RECEIPTS, "exclusion.missing_receipts", BOOL, missing_receipts_excluded,             \
	  "out-of-region care without network settlement needs original receipts")                     \
	X(FILING_DEADLINE, "filing.deadline_next_year", MMDD, filing_deadline_month,                   \
	  "claims must be filed by this day of the year after the service")                            \
	X(CAP, "fund.annual_cap_fen", MONEY, annual_cap[0],                                            \
	  "the basic fund's annual payment limit")                                                     \
	X(CAP_TIER1, "fund.annual_cap_fen.tier1", MONEY, annual_cap[1],                                \
	  "the limit for tier-1 payers")                                                               \
	X(CAP_TIER2, "fund.annual_cap_fen.tier2", MONEY, annual_cap[2],                                \
	  "the limit for tier-2 payers")                                                               \
	X(CAP_EXCLUDES_OP, "fund.cap_excludes_general_outpatient", BOOL,                               \
	  cap_excludes_general_outpatient,                                                             \
	  "general outpatient payments neither count toward the annual limit nor are cut by it")       \
	X(DED_L1, "inpatient.deductible_fen.level1", MONEY, deductible[1],                             \
	  "deductible per stay, level 1 (and unrated)")                                                \
	X(DED_L2, "inpatient.deductible_fen.level2", MONEY, deductible[2],                             \
	  "deductible per stay, level 2")                                                              \
	X(DED_L3, "inpatient.deductible_fen.level3", MONEY, deductible[3],                             \
	  "deductible per stay, level 3")                                                              \
	X(DED_ONCE, "inpatient.deductible_once_a_year_treatments", LIST,                               \
	  deductible_once_a_year_treatments, "treatments whose stays take one deductible a year")      \
	X(DED_WAIVED_STAY, "inpatient.deductible_waived_from_stay", INT,                               \
	  deductible_waived_from_stay, "from this level-2/3 stay of the year on, no deductible")       \
	X(DED_WAIVED_SPECIALTIES, "inpatient.deductible_waived_specialties", LIST,                     \
	  deductible_waived_specialties, "specialty hospitals without deductible")                     \
	X(DED_WAIVED_DX, "inpatient.deductible_waived_diagnoses", LIST,                                \
	  deductible_waived_diagnoses,                                                                 \
	  "ICD-10 prefixes of the principal diagnoses that specialty waiver is for")                   \
	X(REFERRAL_DIFF, "inpatient.referral_pays_difference", BOOL, referral_pays_difference,         \
	  "a transfer up pays the difference of deductibles, down none")                               \
	X(RATE_L1, "inpatient.rate.level1", SEGMENTS, rate[1],                                         \
	  "fund rate by compliant cost, level 1")                                                      \
	X(RATE_L2, "inpatient.rate.level2", SEGMENTS, rate[2],                                         \
	  "fund rate by compliant cost, level 2")                                                      \
	X(RATE_L3, "inpatient.rate.level3", SEGMENTS, rate[3],                                         \
	  "fund rate by compliant cost, level 3")                                                      \
	X(RATE_T2_L1, "inpatient.rate.tier2.level1", SEGMENTS, rate_tier2[1],                          \
	  "tier-2 rate, level 1")                                                                      \
	X(RATE_T2_L2, "inpatient.rate.tier2.level2", SEGMENTS, rate_tier2[2],                          \
	  "tier-2 rate, level 2")                                                                      \
	X(RATE_T2_L3, "inpatient.rate.tier2.level3", SEGMENTS, rate_tier2[3],                          \
	  "tier-2 rate, level 3")                                                                      \
	X(RATE_L3_GRADE_A, "inpatient.rate.level3_grade_a_general", SEGMENTS,                          \
	  rate_level3_grade_a_general, "rate at 三级甲等 general hospitals")                           \
	X(RATE_L1_NO_EDS, "inpatient.rate_bp.level1_without_essential_drug_system", BP,                \
	  rate_level1_without_eds_bp, "tier 1, level 1 without 基本药物制度")                          \
	X(ESSENTIAL_DRUG_RATE, "inpatient.essential_drug_rate_bp", BP, essential_drug_rate_bp,         \
	  "rate for 基本药物 at level 1")                                                              \
	X(RETIREE_BONUS, "inpatient.retiree_bonus_bp", BP, retiree_bonus_bp,                           \
	  "added to the rate for retirees")                                                            \
	X(TCM_BONUS, "inpatient.tcm_bonus_bp", BP, tcm_bonus_bp,                                       \
	  "added to the rate at TCM institutions")                                                     \
	X(MINOR_TIER, "inpatient.minor_tier", INT, minor_tier,                                         \
	  "the tier minors and students are paid at")                                                  \
	X(PRIVATE_BEDS, "inpatient.private_beds_threshold", INT, private_beds_threshold,               \
	  "private hospitals below this bed count are paid as level 2, from it as level 3")            \
	X(OOC_REGISTERED, "out_of_city.self_pay_bp.registered", BP,                                    \
	  out_of_city_self_pay_bp_registered,                                                          \
	  "out-of-city stays, registered: share paid by the patient first")                            \
	X(OOC_UNREGISTERED, "out_of_city.self_pay_bp.unregistered", BP,                                \
	  out_of_city_self_pay_bp_unregistered,                                                        \
	  "out-of-city stays, unregistered: share paid by the patient first")                          \
	X(CHILD_DISEASES, "children.diseases", LIST, children_diseases,                                \
	  "ICD-10 prefixes of the children's diseases paid in full")                                   \
	X(CHILD_FUND, "children.fund_bp", BP, children_fund_bp,                                        \
	  "the fund's share of them, without deductible")                                              \
	X(CHILD_ASSISTANCE, "children.assistance_bp", BP, children_assistance_bp,                      \
	  "医疗救助's share of them")                                                                  \
	X(CHILD_MAX_AGE, "children.max_age", INT, children_max_age, "oldest age counted a child")      \
	X(MATERNITY, "maternity.mode", MATERNITY, maternity,                                           \
	  "none, stay (paid as an inpatient stay) or fixed")                                           \
	X(MATERNITY_FIXED, "maternity.fixed_fen", MONEY, maternity_fixed,                              \
	  "the fixed sum per delivery")                                                                \
	X(OP, "outpatient.enabled", BOOL, outpatient, "general outpatient is a benefit")               \
	X(OP_MAX_LEVEL, "outpatient.max_level", INT, outpatient_max_level,                             \
	  "highest institution level it is paid at")                                                   \
	X(OP_KINDS, "outpatient.institution_kinds", LIST, outpatient_kinds,                            \
	  "institution kinds it is paid at (empty: any)")                                              \
	X(OP_DEDUCTIBLE, "outpatient.deductible_fen", MONEY, outpatient_deductible,                    \
	  "annual deductible on compliant cost")                                                       \
	X(OP_RATE, "outpatient.rate_bp", BP, outpatient_rate_bp, "fund rate")                          \
	X(OP_BONUS_RATE, "outpatient.bonus_rate_bp", BP, outpatient_bonus_rate_bp,                     \
	  "fund rate after a year without outpatient cost")                                            \
	X(OP_COST_LIMIT, "outpatient.annual_cost_limit_fen", MONEY, outpatient_annual_cost_limit,      \
	  "compliant cost counted per year")                                                           \
	X(OP_FUND_LIMIT, "outpatient.annual_fund_limit_fen", MONEY, outpatient_annual_fund_limit,      \
	  "fund payment per year")                                                                     \
	X(OP_QUARTER_LIMIT, "outpatient.quarterly_fund_limit_fen", MONEY,                              \
	  outpatient_quarterly_fund_limit, "fund payment per quarter")                                 \
	X(CH, "chronic.enabled", BOOL, chronic, "chronic outpatient is a benefit")                     \
	X(CH_DED_CLASSES, "chronic.deductible_classes", LIST, chronic_deductible_classes,              \
	  "classes with a deductible")                                                                 \
	X(CH_DEDUCTIBLE, "chronic.deductible_fen", MONEY, chronic_deductible,                          \
	  "deductible per disease per year")                                                           \
	X(CH_DED_SHARED, "chronic.deductible_shared", BOOL, chronic_deductible_shared,                 \
	  "one deductible a year for all the member's diseases, not one each")                         \
	X(CH_RATE_A, "chronic.rate_bp.A", BP, chronic_rate_bp_a, "fund rate, class A")                 \
	X(CH_RATE_B, "chronic.rate_bp.B", BP, chronic_rate_bp_b, "fund rate, class B")                 \
	X(CH_TIER2_BONUS, "chronic.tier2_bonus_bp", BP, chronic_rate_tier2_bonus_bp,                   \
	  "added for tier-2 payers")                                                                   \
	X(CH_BONUS_TREATMENTS, "chronic.bonus_treatments", LIST, chronic_bonus_treatments,             \
	  "treatments with a higher rate")                                                             \
	X(CH_BONUS, "chronic.bonus_bp", BP, chronic_bonus_bp, "added for them")                        \
	X(CH_LIMIT_B, "chronic.annual_limit_fen.B", MONEY, chronic_annual_limit_b,                     \
	  "fund per class-B disease per year")                                                         \
	X(CH_MAX_B, "chronic.max_diseases.B", INT, chronic_max_diseases_b,                             \
	  "class-B diseases one member may have")                                                      \
	X(ACC, "accident_outpatient.enabled", BOOL, accident_outpatient,                               \
	  "minors' accident outpatient is a benefit")                                                  \
	X(ACC_CATEGORIES, "accident_outpatient.categories", LIST, accident_outpatient_categories,      \
	  "member categories with the accident benefit (students by status, whatever their age)")      \
	X(ACC_UNDER_AGE, "accident_outpatient.under_age", INT, accident_outpatient_under_age,          \
	  "also anyone younger than this (未成年: under 18); 0: no one by age")                        \
	X(ACC_THRESHOLD, "accident_outpatient.threshold_fen", MONEY,                                   \
	  accident_outpatient_threshold, "paid above this per claim")                                  \
	X(ACC_RATE, "accident_outpatient.rate_bp", BP, accident_outpatient_rate_bp, "fund rate")       \
	X(ACC_LIMIT, "accident_outpatient.annual_limit_fen", MONEY,                                    \
	  accident_outpatient_annual_limit, "fund payment per year")                                   \
	X(CRIT_DEDUCTIBLE, "critical.deductible_fen", MONEY, critical_deductible,                      \
	  "大病保险: deductible on the year's compliant out-of-pocket")                                \
	X(CRIT_RATE, "critical.rate", SEGMENTS, critical_rate,                                         \
	  "大病保险: rates by the year's compliant out-of-pocket")                                     \
	X(CRIT_CAP, "critical.annual_cap_fen", MONEY, critical_annual_cap,                             \
	  "大病保险: payment per year (0: none)")                                                      \
	X(LR, "large_relief.enabled", BOOL, large_relief,                                              \
	  "大额救助 is a benefit (for those who paid its fee)")                                        \
	X(LR_RATE, "large_relief.rate_bp", BP, large_relief_rate_bp,                                   \
	  "its rate above the fund's limit")                                                           \
	X(LR_CAP, "large_relief.annual_cap_fen", MONEY, large_relief_annual_cap,                       \
	  "its payment per year")                                                                      \
	X(AS_CATEGORIES, "assistance.categories", LIST, assistance_categories,                         \
	  "医疗救助: categories it pays for")                                                          \
	X(AS_RATE, "assistance.rate_bp", BP, assistance_rate_bp,                                       \
	  "医疗救助: share of the remaining compliant cost")                                           \
	X(AS_CAP, "assistance.annual_cap_fen", MONEY, assistance_annual_cap,                           \
	  "医疗救助: payment per year")                                                                \
	X(PA, "personal_account.enabled", BOOL, personal_account,                                      \
	  "个人账户 pays the patient's share")                                                         \
	X(PA_UNDER35, "personal_account.rate_bp.under35", BP, pa_rate_bp_under35,                      \
	  "monthly credit, share of the contribution wage, under 35")                                  \
	X(PA_35TO45, "personal_account.rate_bp.35to45", BP, pa_rate_bp_35to45,                         \
	  "the same, 35 to 44")                                                                        \
	X(PA_45PLUS, "personal_account.rate_bp.45plus", BP, pa_rate_bp_45plus,                         \
	  "the same, 45 and over")                                                                     \
	X(PA_RETIREE, "personal_account.retiree_fen_per_year_of_age", MONEY,                           \
	  pa_retiree_per_year_of_age, "retirees' monthly credit per year of age")                      \
	X(PA_EXCLUDED, "personal_account.excluded_categories", LIST, pa_excluded_categories,           \
	  "categories without an account")

/* YB_PK_<ID>: a key's index in the table and in yb_policy.cite. */
#define YB_POLICY_KEY_ENUM(id, name, kind, field, doc) YB_PK_##id,
enum { YB_POLICY_KEYS(YB_POLICY_KEY_ENUM) YB_PK_COUNT };
#undef YB_POLICY_KEY_ENUM

/* All versions of one scheme, oldest first. */
typedef struct yb_policy_set {
	char scheme[YB_POLICY_NAME_LEN];
	char regulation[64];
	int count;
	yb_policy versions[YB_POLICY_MAX_VERSIONS];
} yb_policy_set;

/*
 * Parse the text of one policy file (file names it in messages) into *set. Returns YB_OK,
 * or YB_EINVAL with errstr "FILE:LINE: key 'K': what is wrong" (a value that is not of the
 * key's type, a key without a citation, an unknown key, a key a version of this kind of
 * scheme must have and lacks, versions out of order).
 */
int yb_policy_parse(yb_policy_set *set, const char *file, const char *text, size_t len,
		    char *errstr, size_t errlen);

/* The version of set in force on day, or NULL when none is. */
const yb_policy *yb_policy_in_force(const yb_policy_set *set, int32_t day);

/* The citation of a parameter by its key ("inpatient.deductible_fen.level3"), or "". */
const char *yb_policy_cite(const yb_policy *p, const char *key);

/* The key table, for docs: key i's name, type and meaning; NULL past the end. */
const char *yb_policy_key_name(size_t i);
const char *yb_policy_key_doc(size_t i);

/* s without the blanks (spaces, tabs, a CR) around it: cut in place, the start returned. For
 * the "key = value @ citation" lines of the policy files and policies/fraud.conf. */
char *yb_policy_trim(char *s);

#endif
