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
