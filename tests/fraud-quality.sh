#!/usr/bin/env bash
# The fraud rules' precision and recall, per rule (docs/FRAUD.md, "How well the rules do").
#
# claimctl generate writes a background of 100,000 claims without fraud patterns (--clean) and
# injects N instances of every rule's pattern and N near misses beside them (--inject N),
# writing what it injected to a labels file. claimctl adjudicate, the same code fraud-svc
# runs, raises the alerts. Then, per rule:
#   precision = alerts naming a claim labelled for the rule (positive, or "also") / alerts
#   recall    = positive patterns with an alert of the rule naming one of their claims
#               / positive patterns
#   near misses flagged = negative patterns with such an alert (counted in precision too)
# The test fails when a rule falls below its thresholds (the table below, justified in
# docs/FRAUD.md).
#
#   tests/fraud-quality.sh CLAIMCTL POLICIES_DIR [CLAIMS] [PATTERNS]
set -euo pipefail
claimctl=$1 policies=$2 claims=${3:-100000} patterns=${4:-50}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# rule                        min precision  min recall (per mille)
thresholds='
double_billing                1000 1000
overlapping_stay              1000 1000
visit_during_stay             1000 1000
split_admission               1000 1000
card_sharing                  1000 1000
frequent_visits               1000 1000
restricted_service            1000 1000
ineligible_member             1000 1000
non_designated_institution    1000 1000
near_annual_cap                950  960
amount_outlier                 850  960
institution_anomaly            900  960
'

"$claimctl" generate --seed 11 --claims "$claims" --clean --inject "$patterns" \
    --labels "$work/labels.tsv" >"$work/in.jsonl" 2>"$work/gen.err"
cat "$work/gen.err"
"$claimctl" adjudicate --summary --policies "$policies" "$work/in.jsonl" >"$work/out.jsonl" \
    2>"$work/adj.err"
tail -n 1 "$work/adj.err" >/dev/null
grep '"type":"fraud_alert"' "$work/out.jsonl" |
    jq -r '[.rule, .alert_id, (.claim_ids | join(","))] | @tsv' >"$work/alerts.tsv" || true

awk -F'\t' -v thresholds="$thresholds" '
    FILENAME == ARGV[1] {            # labels: rule pattern claim role
        role[$1 SUBSEP $3] = $4
        pat[$1 SUBSEP $3] = $2
        if ($4 == "positive") { if (!((($1) SUBSEP $2) in pos)) { pos[$1 SUBSEP $2] = 1; npos[$1]++ } }
        if ($4 == "negative") { if (!((($1) SUBSEP $2) in neg)) { neg[$1 SUBSEP $2] = 1; nneg[$1]++ } }
        next
    }
    {                                # alerts: rule id claims
        r = $1; alerts[r]++; good = 0
        n = split($3, ids, ",")
        for (i = 1; i <= n; i++) {
            k = r SUBSEP ids[i]
            if (k in role && (role[k] == "positive" || role[k] == "also")) good = 1
            if (k in role && role[k] == "positive") found[r SUBSEP pat[k]] = 1
            if (k in role && role[k] == "negative") flagged[r SUBSEP pat[k]] = 1
        }
        tp[r] += good
    }
    END {
        split(thresholds, lines, "\n"); fail = 0
        printf "%-28s %7s %7s %9s %7s %9s %11s\n", "rule", "alerts", "true", "precision", "found", "recall", "near misses"
        for (li = 1; li in lines; li++) {
            if (split(lines[li], f, " ") < 3) continue
            order[++nr] = f[1]; minp[f[1]] = f[2]; minr[f[1]] = f[3]
        }
        for (x = 1; x <= nr; x++) {
            r = order[x]; hit = 0; fl = 0
            for (k in found) { split(k, kk, SUBSEP); if (kk[1] == r) hit++ }
            for (k in flagged) { split(k, kk, SUBSEP); if (kk[1] == r) fl++ }
            p = alerts[r] > 0 ? int(1000 * tp[r] / alerts[r]) : 0
            c = npos[r] > 0 ? int(1000 * hit / npos[r]) : 0
            printf "%-28s %7d %7d %8.1f%% %7d %8.1f%% %6d of %d\n", r, alerts[r], tp[r], p / 10, hit, c / 10, fl, nneg[r]
            if (npos[r] == 0) { printf "FAIL: %s: nothing injected\n", r; fail = 1 }
            if (p < minp[r]) { printf "FAIL: %s: precision %.1f%% below %.1f%%\n", r, p / 10, minp[r] / 10; fail = 1 }
            if (c < minr[r]) { printf "FAIL: %s: recall %.1f%% below %.1f%%\n", r, c / 10, minr[r] / 10; fail = 1 }
        }
        exit fail
    }' "$work/labels.tsv" "$work/alerts.tsv"
echo "ok: every rule at or above its precision and recall thresholds"
