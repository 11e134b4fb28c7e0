/*
 * The fraud and abuse rules: one adjudicated claim in, the findings it completes out.
 *
 *   (parameters, claim, its settlement, member, institution, policy, the rule windows)
 *       → findings (fraud_alert records) + what the windows keep of the claim
 *
 * The rules are docs/FRAUD.md, their parameters policies/fraud.conf, each citing its article
 * (滨州 第二十八条, 烟台职工 第二十三条, 烟台居民 第三十一条, 朝阳 第二十四条) or the national
 * 智能审核 rule category it implements. No I/O, no clock, no globals: the windows are passed
 * in (yb_fraud_state), so claimctl adjudicate (everything in memory) and fraud-svc (the
 * windows of one batch, read from Redis and written back) raise the same alerts from the same
 * code.
 *
 * Three kinds of window, each kept only as long as its rule looks back:
 *   - a member's recent claims (yb_fraud_visit): double billing, overlapping stays, visits
 *     during a stay, split admissions, card sharing, frequent visits, near the annual cap;
 *   - an institution's amounts by visit class and diagnosis group (yb_fraud_sample): outliers
 *     by median and MAD;
 *   - an institution's daily claim, rejection and outlier counts (yb_fraud_day): a jump
 *     against its own history.
 *
 * Every claim in a member's window carries its position in the member's stream (order: its
 * settlement's offset in fraud-svc — settlements follow the claims' order in each partition
 * — and the input line offline), and a reversal the position it came at. A claim is judged
 * against the claims before it, as they stood then (a reversal after it does not count), so
 * a claim read again after a crash finds the same findings and the same alert ids, however
 * late its two halves met, and a claim_id seen at another position (a resubmission) finds
 * none.
 */
#ifndef YB_FRAUD_FRAUD_H
#define YB_FRAUD_FRAUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/member.h"
#include "rules/policy.h"
#include "yb_records.h"

typedef enum yb_fraud_rule {
	YB_FRAUD_DOUBLE_BILLING,
	YB_FRAUD_OVERLAPPING_STAY,
	YB_FRAUD_VISIT_DURING_STAY,
	YB_FRAUD_SPLIT_ADMISSION,
	YB_FRAUD_CARD_SHARING,
	YB_FRAUD_FREQUENT_VISITS,
	YB_FRAUD_RESTRICTED_SERVICE,
	YB_FRAUD_INELIGIBLE_MEMBER,
	YB_FRAUD_NON_DESIGNATED,
	YB_FRAUD_NEAR_ANNUAL_CAP,
	YB_FRAUD_AMOUNT_OUTLIER,
	YB_FRAUD_INSTITUTION_ANOMALY,
	YB_FRAUD_RULE_COUNT
} yb_fraud_rule;

/* The rule's name as it appears in alerts and in policies/fraud.conf. */
const char *yb_fraud_rule_name(yb_fraud_rule rule);

/* Severity 0 = off (the rule does not run), 1 low, 2 medium, 3 high. */
#define YB_FRAUD_MAX_DX_PREFIXES 64

typedef struct yb_fraud_params {
	int severity[YB_FRAUD_RULE_COUNT];
	int32_t member_window_days; /* how long a member's claims are kept */
	int32_t split_admission_days;
	int32_t card_sharing_minutes;
	int32_t frequent_visits_days, frequent_visits_count;
	int32_t near_cap_share_bp;
	int32_t outlier_days, outlier_min_samples, outlier_max_samples;
	int32_t outlier_z_milli; /* robust z-score limit × 1000 */
	int32_t outlier_mad_floor_bp;
	int32_t anomaly_baseline_days, anomaly_min_claims, anomaly_min_baseline, anomaly_jump_bp;
	int32_t newborn_max_age;
	int female_dx_count, male_dx_count, newborn_dx_count;
	char female_dx[YB_FRAUD_MAX_DX_PREFIXES][8];
	char male_dx[YB_FRAUD_MAX_DX_PREFIXES][8];
	char newborn_dx[YB_FRAUD_MAX_DX_PREFIXES][8];
} yb_fraud_params;

/*
 * Parse policies/fraud.conf: "key = value @ citation" lines, '#' comments. Every key must be
 * given once, with a citation. Returns 0, or -1 with errstr "LINE: key 'K': ..." for an
 * unknown, repeated, missing, uncited or out-of-range key.
 */
int yb_fraud_params_parse(const char *text, size_t len, yb_fraud_params *out, char *errstr,
			  size_t errlen);

/* --- the windows ----------------------------------------------------------------------- */

#define YB_FRAUD_ID_LEN     64 /* ids are kept up to 63 bytes; a longer id is not checked */
#define YB_FRAUD_WINDOW_MAX 64 /* claims kept per member */

enum { YB_FRAUD_STAY = 1, YB_FRAUD_OUTPATIENT = 2 };

/* One claim as a member's window keeps it. */
typedef struct yb_fraud_visit {
	char claim_id[YB_FRAUD_ID_LEN];
	char institution_id[YB_FRAUD_ID_LEN];
	char dx[8];          /* principal diagnosis category: the ICD-10 code's first 3 chars */
	uint8_t visit_class; /* YB_FRAUD_STAY or YB_FRAUD_OUTPATIENT */
	uint8_t visit_type;  /* index into the contract's visit types */
	bool rejected, reversed;
	int32_t from_day, to_day; /* a stay's admission and discharge; a visit's day twice */
	int32_t year;
	int64_t total_fen;
	int64_t submitted_ms;
	int64_t order;       /* position in the member's stream */
	int64_t claim_pos;   /* where the claim itself was read (claims offset; line) */
	int64_t reversed_at; /* the reversal's position, when reversed */
	uint32_t raised;     /* bit per rule: the rules this claim raised */
} yb_fraud_visit;

typedef struct yb_fraud_window {
	int count, cap;
	yb_fraud_visit *visits; /* by order; grown as needed up to YB_FRAUD_WINDOW_MAX */
} yb_fraud_window;

/* One amount in an institution's group, for the outlier rule. */
typedef struct yb_fraud_sample {
	uint64_t claim_hash;
	int32_t day;
	int64_t total_fen;
} yb_fraud_sample;

#define YB_FRAUD_GROUP_MAX 512

typedef struct yb_fraud_group {
	int count;
	yb_fraud_sample samples[YB_FRAUD_GROUP_MAX]; /* oldest first */
} yb_fraud_group;

#define YB_FRAUD_DAY_IDS 16

/* The two institution-level rates: [0] rejections, [1] amount outliers. */
enum { YB_FRAUD_RATE_REJECTED = 0, YB_FRAUD_RATE_OUTLIER = 1 };

/* An institution's day: claims, rejected, outliers; the first of each kind's claims (the
 * alert's claim_ids); the claim that raised each kind's anomaly (0: none yet). */
typedef struct yb_fraud_day {
	int32_t day;
	int32_t n, count[2];
	int id_count[2];
	char ids[2][YB_FRAUD_DAY_IDS][YB_FRAUD_ID_LEN];
	uint64_t raised_by[2];
} yb_fraud_day;

#define YB_FRAUD_DAYS_MAX 64

typedef struct yb_fraud_institution {
	int count;
	yb_fraud_day days[YB_FRAUD_DAYS_MAX]; /* any order */
} yb_fraud_institution;

/*
 * The windows the rules see: a member's, an institution's groups and days. In memory for
 * claimctl; fraud-svc loads the ones a batch needs and writes back what changed.
 */
typedef struct yb_fraud_state yb_fraud_state;

int yb_fraud_state_new(yb_fraud_state **out);
void yb_fraud_state_destroy(yb_fraud_state *st);
/* Forget everything (the next batch's working set). */
void yb_fraud_state_clear(yb_fraud_state *st);

/* The window of member_id / the group key / the institution, created empty when absent;
 * NULL when out of memory. Pointers are valid until the next call that creates one. */
yb_fraud_window *yb_fraud_state_window(yb_fraud_state *st, const char *member_id);
yb_fraud_group *yb_fraud_state_group(yb_fraud_state *st, const char *group_key);
yb_fraud_institution *yb_fraud_state_institution(yb_fraud_state *st, const char *institution_id);

/* The outlier group of a claim: "<institution>|<visit class>|<dx category>". */
void yb_fraud_group_key(const yb_claim *claim, char *out, size_t len);

/* Add a visit to a window in order, replacing one with the same claim_id; drop what is older
 * than days before the newest (the visit itself too), and the oldest beyond the window's
 * room. The same visits in any order make the same window. Returns 0, or YB_ENOMEM. */
int yb_fraud_window_put(yb_fraud_window *w, const yb_fraud_visit *v, int32_t days);
/* Add a sample, unless its claim is in the group; keep the newest max within days. */
void yb_fraud_group_put(yb_fraud_group *g, const yb_fraud_sample *s, int32_t days, int max);
/* The slot for day (created zeroed, the oldest dropped when full). */
yb_fraud_day *yb_fraud_institution_day(yb_fraud_institution *in, int32_t day);

/* FNV-1a 64 of a string: claim ids in samples, alert ids. */
uint64_t yb_fraud_hash(const char *s, uint64_t h);
#define YB_FRAUD_HASH_SEED UINT64_C(0xcbf29ce484222325)

/* --- one claim ------------------------------------------------------------------------- */

typedef struct yb_fraud_input {
	const yb_claim *claim;
	const yb_settlement *settlement; /* as published: not a duplicate */
	const yb_member *member;         /* at the claim's time; NULL when not enrolled */
	const yb_institution *institution;
	const yb_policy *policy; /* in force on the service day; NULL none */
	int64_t order;           /* position in the member's stream (its settlement's) */
	int64_t claim_pos;       /* where the claim was read */
} yb_fraud_input;

#define YB_FRAUD_MAX_FINDINGS 12
#define YB_FRAUD_MAX_CLAIMS   16

typedef struct yb_fraud_finding {
	yb_fraud_rule rule;
	char alert_id[24];
	const char *claim_ids[YB_FRAUD_MAX_CLAIMS];
	char claim_id_memory[YB_FRAUD_MAX_CLAIMS][YB_FRAUD_ID_LEN];
	int claim_count;
	bool institution_level; /* keyed by institution, no member */
	char evidence[640];     /* a JSON object */
	char message[320];
	yb_fraud_alert alert; /* the record, pointing into this finding and the input */
} yb_fraud_finding;

/* What a claim changed in the windows, for fraud-svc to write back. */
typedef struct yb_fraud_result {
	int count;
	yb_fraud_finding findings[YB_FRAUD_MAX_FINDINGS];
	bool skipped;         /* an id too long, or the claim_id seen at another position */
	yb_fraud_visit visit; /* as the member's window now keeps it */
	bool sampled;         /* visit's amount went into its group (group_key) */
	yb_fraud_sample sample;
	char group_key[3 * YB_FRAUD_ID_LEN];
	bool outlier;           /* its amount is an outlier in its group */
	bool counted;           /* the claim was counted in its institution's day */
	bool raised_anomaly[2]; /* it raised the day's rejection / outlier anomaly */
} yb_fraud_result;

/*
 * Judge one adjudicated claim against the windows in st and add it to them. *out holds the
 * findings (each a complete fraud_alert) and what changed. Returns 0, or YB_ENOMEM.
 */
int yb_fraud_check(const yb_fraud_params *p, yb_fraud_state *st, const yb_fraud_input *in,
		   yb_fraud_result *out);

/* A reversal at position at: the claim no longer counts for claims after it. Returns the
 * visit changed, or NULL when the window does not hold the claim. */
yb_fraud_visit *yb_fraud_reverse(yb_fraud_state *st, const char *member_id, const char *claim_id,
				 int64_t at);

/* The stored form of windows (Redis): format byte first; 0 or -1 for bytes of another form. */
#define YB_FRAUD_FORMAT 2
size_t yb_fraud_visit_pack(const yb_fraud_visit *v, uint8_t *out, size_t cap);
int yb_fraud_visit_unpack(const uint8_t *bytes, size_t len, yb_fraud_visit *out);
size_t yb_fraud_sample_pack(const yb_fraud_sample *s, uint8_t *out, size_t cap);
int yb_fraud_sample_unpack(const uint8_t *bytes, size_t len, yb_fraud_sample *out);

#endif
