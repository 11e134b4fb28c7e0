#!/usr/bin/env bash
# claimctl generate: the same seed gives the same bytes and another seed other bytes; every
# good line adjudicates (only the malformed lines it reports become dead letters); every
# scheme settles claims and every visit type occurs.
#
#   tests/generate-check.sh CLAIMCTL POLICIES_DIR
set -euo pipefail
claimctl=$1 policies=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$claimctl" generate --seed 3 --claims 5000 >"$work/a.jsonl" 2>"$work/a.err"
"$claimctl" generate --seed 3 --claims 5000 >"$work/b.jsonl" 2>/dev/null
"$claimctl" generate --seed 4 --claims 5000 >"$work/c.jsonl" 2>/dev/null
cmp -s "$work/a.jsonl" "$work/b.jsonl" || fail "the same seed gave different samples"
! cmp -s "$work/a.jsonl" "$work/c.jsonl" || fail "another seed gave the same sample"
echo "ok: reproducible by seed ($(wc -l <"$work/a.jsonl") lines)"

malformed=$(sed -n 's/.*(\([0-9]*\) malformed.*/\1/p' "$work/a.err")
[ -n "$malformed" ] && [ "$malformed" -gt 0 ] || fail "no malformed count in: $(cat "$work/a.err")"
"$claimctl" adjudicate --policies "$policies" "$work/a.jsonl" >"$work/out.jsonl"
dead=$(grep -c '"type":"dead_letter"' "$work/out.jsonl" || true)
[ "$dead" = "$malformed" ] || fail "$dead dead letters for $malformed malformed lines"
echo "ok: the $malformed malformed lines, and only they, are dead letters"

for scheme in yingkou-resident binzhou-resident chaoyang-resident yantai-employee yantai-resident; do
    n=$(grep -c "\"scheme\":\"$scheme\",[^}]*\"status\":\"settled\"" "$work/out.jsonl" || true)
    [ "$n" -gt 0 ] || fail "no settled claim in $scheme"
done
for visit in inpatient outpatient chronic_outpatient maternity accident_outpatient; do
    grep -q "\"visit_type\":\"$visit\"" "$work/a.jsonl" || fail "no $visit claim"
done
grep -q '"type":"reversal"' "$work/a.jsonl" || fail "no reversal"
grep -q '"duplicate":true' "$work/out.jsonl" || fail "no repeated claim"
echo "ok: every scheme settles, every visit type, reversals and duplicates occur"

# Real member histories (issue: scheme changes, New Year stays, resubmitted stays, newborns
# across years, students over 18), each answered as a settlement of the right scheme.
switchers=$(jq -rR 'fromjson? | select(.type=="enrollment") | "\(.member_id) \(.scheme)"' "$work/a.jsonl" |
    sort -u | awk '{n[$1]++} END {for (m in n) if (n[m] > 1) c++; print c + 0}')
[ "$switchers" -gt 0 ] || fail "no member enrolled in two schemes"
both=$(jq -rR 'fromjson? | select(.type=="enrollment") | "\(.member_id) \(.event_time) \(.scheme)"' "$work/a.jsonl" |
    sort -k1,1 -k2,2 | awk '$1 != m {m = $1; s = $3; next} $3 != s {print s ">" $3; s = $3}' |
    sort -u | tr '\n' ' ')
case "$both" in *"yantai-employee>yantai-resident"*) ;; *) fail "no employee who became a resident: $both" ;; esac
case "$both" in *"yantai-resident>yantai-employee"*) ;; *) fail "no resident who became an employee: $both" ;; esac
new_year=$(jq -rR 'fromjson? | select(.type=="claim" and .admission_date != null and .discharge_date != null
    and .admission_date[0:4] != .discharge_date[0:4]) | .claim_id' "$work/a.jsonl" | wc -l)
[ "$new_year" -gt 0 ] || fail "no stay across New Year"
resubmitted=$(grep -c '"claim_id":"[^"]*-R"' "$work/a.jsonl" || true)
[ "$resubmitted" -gt 0 ] || fail "no reversed stay sent again"
day() { echo '(.[0:10] | strptime("%Y-%m-%d") | mktime / 86400)'; }
newborns=$(jq -rR "fromjson? | select(.type==\"enrollment\" and .category==\"minor\")
    | select(.birth_date[5:7] == \"11\" or .birth_date[5:7] == \"12\")
    | select((.event_time | $(day)) - (.birth_date | $(day)) < 30) | .member_id" "$work/a.jsonl" | wc -l)
[ "$newborns" -gt 0 ] || fail "no newborn of late last year"
students=$(jq -rR 'fromjson? | select(.type=="enrollment" and .category=="student")
    | (.event_time[0:4] | tonumber) - (.birth_date[0:4] | tonumber)' "$work/a.jsonl" |
    awk '$1 > 18' | wc -l)
[ "$students" -gt 0 ] || fail "no student over 18"
# The switchers' claims settle under the scheme of their service day, both sides of the change.
settled_switch=$(jq -rR 'fromjson? | select(.type=="settlement" and (.member_id | test("^Y[ER]-"))) |
    "\(.member_id) \(.scheme)"' "$work/out.jsonl" | sort -u |
    awk '{n[$1]++} END {for (m in n) if (n[m] > 1) c++; print c + 0}')
[ "$settled_switch" -gt 0 ] || fail "no member with settlements in two schemes"
echo "ok: histories: $switchers switchers ($settled_switch settled in both schemes)," \
    "$new_year New Year stays, $resubmitted resubmitted, $newborns newborns of late last year," \
    "$students students over 18"
