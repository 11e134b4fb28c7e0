/*
 * policies/fraud.conf: the fraud rules' parameters, each with the article it answers to.
 * One table drives parsing, range checks and the "every key given" check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fraud/fraud.h"
#include "base/error.h"
#include "rules/policy.h"

static const char *const rule_names[YB_FRAUD_RULE_COUNT] = {
    "double_billing",     "overlapping_stay",  "visit_during_stay",
    "split_admission",    "card_sharing",      "frequent_visits",
    "restricted_service", "ineligible_member", "non_designated_institution",
    "near_annual_cap",    "amount_outlier",    "institution_anomaly",
};

const char *yb_fraud_rule_name(yb_fraud_rule rule)
{
	return rule >= 0 && rule < YB_FRAUD_RULE_COUNT ? rule_names[rule] : "unknown";
}

enum kind { K_INT, K_SEVERITY, K_DX };

typedef struct key_def {
	const char *name;
	enum kind kind;
	size_t offset; /* of the int32_t, or of the dx list */
	size_t count_offset;
	int32_t min, max;
} key_def;

#define P(f) offsetof(yb_fraud_params, f)
static const key_def keys[] = {
    {"member.window_days", K_INT, P(member_window_days), 0, 1, 3660},
    {"split_admission.days", K_INT, P(split_admission_days), 0, 1, 365},
    {"card_sharing.minutes", K_INT, P(card_sharing_minutes), 0, 1, 1440},
    {"frequent_visits.days", K_INT, P(frequent_visits_days), 0, 1, 366},
    {"frequent_visits.count", K_INT, P(frequent_visits_count), 0, 2, YB_FRAUD_WINDOW_MAX},
    {"near_annual_cap.share_bp", K_INT, P(near_cap_share_bp), 0, 1, 10000},
    {"amount_outlier.days", K_INT, P(outlier_days), 0, 1, 3660},
    {"amount_outlier.min_samples", K_INT, P(outlier_min_samples), 0, 3, YB_FRAUD_GROUP_MAX},
    {"amount_outlier.max_samples", K_INT, P(outlier_max_samples), 0, 3, YB_FRAUD_GROUP_MAX},
    {"amount_outlier.z_milli", K_INT, P(outlier_z_milli), 0, 1000, 100000},
    {"amount_outlier.mad_floor_bp", K_INT, P(outlier_mad_floor_bp), 0, 0, 10000},
    {"institution_anomaly.baseline_days", K_INT, P(anomaly_baseline_days), 0, 1,
     YB_FRAUD_DAYS_MAX - 8},
    {"institution_anomaly.min_claims", K_INT, P(anomaly_min_claims), 0, 1, 1000000},
    {"institution_anomaly.min_baseline", K_INT, P(anomaly_min_baseline), 0, 1, 1000000},
    {"institution_anomaly.jump_bp", K_INT, P(anomaly_jump_bp), 0, 1, 10000},
    {"restricted_service.newborn_max_age", K_INT, P(newborn_max_age), 0, 0, 18},
    {"restricted_service.female_only_dx", K_DX, P(female_dx), P(female_dx_count), 0, 0},
    {"restricted_service.male_only_dx", K_DX, P(male_dx), P(male_dx_count), 0, 0},
    {"restricted_service.newborn_dx", K_DX, P(newborn_dx), P(newborn_dx_count), 0, 0},
};
#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))
#define ALL_KEYS  (KEY_COUNT + YB_FRAUD_RULE_COUNT)

static int parse_int(const char *text, int32_t min, int32_t max, int32_t *out)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int32_t)v;
	return 0;
}

static int parse_dx(char *text, char (*list)[8], int *count)
{
	*count = 0;
	for (char *tok = text; tok != NULL && *tok != '\0';) {
		char *comma = strchr(tok, ',');
		char *item;

		if (comma != NULL)
			*comma = '\0';
		item = yb_policy_trim(tok);
		if (*item == '\0' || strlen(item) >= 8 || *count == YB_FRAUD_MAX_DX_PREFIXES)
			return -1;
		snprintf(list[(*count)++], 8, "%s", item);
		tok = comma != NULL ? comma + 1 : NULL;
	}
	return *count > 0 ? 0 : -1;
}

static int severity_of(const char *text)
{
	static const char *const names[] = {"off", "low", "medium", "high"};

	for (int i = 0; i < 4; i++) {
		if (strcmp(text, names[i]) == 0)
			return i;
	}
	return -1;
}

/* Set one key; 0, or -1 with errstr. */
static int set_key(yb_fraud_params *out, bool *seen, const char *key, char *value, char *errstr,
		   size_t errlen, int line)
{
	size_t dot = strcspn(key, ".");

	if (strcmp(key + dot, ".severity") == 0) {
		for (int r = 0; r < YB_FRAUD_RULE_COUNT; r++) {
			if (strlen(rule_names[r]) == dot && strncmp(key, rule_names[r], dot) == 0) {
				int s = severity_of(value);

				if (seen[KEY_COUNT + (size_t)r] || s < 0) {
					snprintf(errstr, errlen, "%d: key '%s': %s", line, key,
						 s < 0 ? "off, low, medium or high"
						       : "given twice");
					return -1;
				}
				seen[KEY_COUNT + (size_t)r] = true;
				out->severity[r] = s;
				return 0;
			}
		}
	}
	for (size_t k = 0; k < KEY_COUNT; k++) {
		const key_def *d = &keys[k];
		int bad;

		if (strcmp(d->name, key) != 0)
			continue;
		if (seen[k]) {
			snprintf(errstr, errlen, "%d: key '%s': given twice", line, key);
			return -1;
		}
		seen[k] = true;
		bad = d->kind == K_INT
			  ? parse_int(value, d->min, d->max, (int32_t *)((char *)out + d->offset))
			  : parse_dx(value, (char(*)[8])((char *)out + d->offset),
				     (int *)((char *)out + d->count_offset));
		if (bad) {
			if (d->kind == K_INT)
				snprintf(errstr, errlen, "%d: key '%s': a whole number in %d..%d",
					 line, key, d->min, d->max);
			else
				snprintf(errstr, errlen,
					 "%d: key '%s': a comma-separated list of ICD-10 prefixes",
					 line, key);
			return -1;
		}
		return 0;
	}
	snprintf(errstr, errlen, "%d: key '%s': unknown", line, key);
	return -1;
}

int yb_fraud_params_parse(const char *text, size_t len, yb_fraud_params *out, char *errstr,
			  size_t errlen)
{
	bool seen[ALL_KEYS] = {false};
	size_t pos = 0;
	int line = 0;

	memset(out, 0, sizeof(*out));
	while (pos < len) {
		char buf[1024], *key, *value, *cite, *eq;
		size_t end = pos;

		while (end < len && text[end] != '\n')
			end++;
		line++;
		if (end - pos >= sizeof(buf)) {
			snprintf(errstr, errlen, "%d: line too long", line);
			return -1;
		}
		memcpy(buf, text + pos, end - pos);
		buf[end - pos] = '\0';
		pos = end + 1;
		key = yb_policy_trim(buf);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		cite = strchr(key, '@');
		if (eq == NULL || cite == NULL || cite < eq) {
			snprintf(errstr, errlen, "%d: expected 'key = value @ article'", line);
			return -1;
		}
		*eq = '\0';
		*cite = '\0';
		value = yb_policy_trim(eq + 1);
		if (*yb_policy_trim(cite + 1) == '\0') {
			snprintf(errstr, errlen, "%d: key '%s': no article cited", line,
				 yb_policy_trim(key));
			return -1;
		}
		if (set_key(out, seen, yb_policy_trim(key), value, errstr, errlen, line) != 0)
			return -1;
	}
	for (size_t k = 0; k < ALL_KEYS; k++) {
		if (!seen[k]) {
			if (k < KEY_COUNT)
				snprintf(errstr, errlen, "key '%s': missing", keys[k].name);
			else
				snprintf(errstr, errlen, "key '%s.severity': missing",
					 rule_names[k - KEY_COUNT]);
			return -1;
		}
	}
	if (out->outlier_min_samples > out->outlier_max_samples) {
		snprintf(errstr, errlen,
			 "key 'amount_outlier.min_samples': above amount_outlier.max_samples");
		return -1;
	}
	return 0;
}
