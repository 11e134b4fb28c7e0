#!/usr/bin/env bash
# claimctl replay on the test broker: a recorded stream replays identical, claim for claim;
# a replay under a changed rate (a new policy version) reports exactly the claims whose money
# an offline adjudication under that policy changes, with the same fund delta, sorted by
# impact, each with its member, year and institution, and a breakdown that adds up; the two
# policy sets are named by the fingerprints of their contents.
#
#   tests/integration/claimctl_replay.sh CLAIMCTL POLICIES_DIR   (env YB_TEST_BROKERS)
set -euo pipefail
claimctl=$1 policies=$2
brokers=${YB_TEST_BROKERS:?}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# Record a stream: the inputs on their topics, the settlements the rule engine gave them.
"$claimctl" generate --seed 11 --claims 2000 >"$work/inputs.jsonl" 2>/dev/null
for topic in institutions enrollments payments claims; do
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        "$work/inputs.jsonl" 2>/dev/null
done
"$claimctl" adjudicate --no-fraud --policies "$policies" "$work/inputs.jsonl" >"$work/base.jsonl"
grep '"type":"settlement"' "$work/base.jsonl" |
    "$claimctl" produce -b "$brokers" --topic settlements --transactional-id "replay-test-$$" 2>/dev/null

# The fingerprint of a policy directory, as policy_files.h defines it.
fingerprint() {
    (cd "$1" && for f in $(LC_ALL=C ls -- *.policy); do
        printf '%s\0%s\0' "$f" "$(wc -c <"$f")"; cat "$f"; done) | sha256sum | cut -d' ' -f1
}

# 1. The same policies: every claim identical, and both sets named alike.
"$claimctl" replay -b "$brokers" --recorded-policies "$policies" --policies "$policies" --json \
    >"$work/same.json" 2>"$work/same.txt"
expected=$(grep '"type":"settlement"' "$work/base.jsonl" | grep -c '"duplicate":false')
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/same.json")"
[ "$compared" = "$expected" ] && [ "$identical" = "$compared" ] ||
    fail "replay compared $compared, identical $identical; $expected settlements recorded"
echo "ok: $compared claims replayed from the topics, all identical"
base_print=$(fingerprint "$policies")
jq -e --arg f "$base_print" '.what_if == false and .policies.recorded.fingerprint == $f and
    .policies.replayed.fingerprint == $f and .differences == [] and .impact.total.change_fen == 0' \
    "$work/same.json" >/dev/null || fail "the same policies: $(jq -c '.policies' "$work/same.json")"
grep -q "Audit replay" "$work/same.txt" && grep -q "$base_print" "$work/same.txt" ||
    fail "with --json, the text report (with the fingerprints) is not on stderr"
echo "ok: the same directory twice: one fingerprint ($base_print), an audit, text on stderr"

# A range of times (the state before it rebuilt from the inputs), and a range of offsets.
"$claimctl" replay --bootstrap-server "$brokers" --policies "$policies" --audit \
    --from 2024-06-01T00:00:00+08:00 --to 2024-09-01T00:00:00+08:00 --json >"$work/range.json" 2>/dev/null
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/range.json")"
[ "$compared" -gt 0 ] && [ "$compared" -lt "$expected" ] && [ "$identical" = "$compared" ] ||
    fail "June to August: compared $compared (of $expected), identical $identical"
echo "ok: June to August 2024 (Yingkou, Binzhou, Chaoyang time): $compared claims compared, all identical (--bootstrap-server)"
"$claimctl" replay -b "$brokers" --policies "$policies" --from 10 --to 60 --json >"$work/offsets.json" 2>/dev/null
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/offsets.json")"
[ "$compared" -gt 0 ] && [ "$compared" -le 300 ] && [ "$identical" = "$compared" ] ||
    fail "claims offsets 10 to 60: compared $compared, identical $identical"
echo "ok: claims-topic offsets 10 to 60 of each partition: $compared claims compared, all identical"

# The old form, --json FILE, is refused with the way to write a file.
status=0
"$claimctl" replay -b "$brokers" --json "$work/old.json" >/dev/null 2>"$work/old.txt" || status=$?
[ "$status" = 2 ] && grep -q -- '--json > FILE' "$work/old.txt" && [ ! -e "$work/old.json" ] ||
    fail "replay --json FILE: exit $status, $(cat "$work/old.txt")"
echo "ok: --json FILE refused (exit 2) with the hint to redirect stdout"

# 2. What-if: Yingkou's level-2 rate 75% -> 80% from 2024-06-01, as a new policy version.
cp -r "$policies" "$work/whatif"
printf '\n[2024-06-01]\ninpatient.rate.level2 = *:8000 @ 第二十二条(二)\n' >>"$work/whatif/yingkou-resident.policy"
"$claimctl" replay -b "$brokers" --recorded-policies "$policies" --policies "$work/whatif" --json \
    >"$work/whatif.json" 2>"$work/whatif.txt"
"$claimctl" adjudicate --no-fraud --policies "$work/whatif" "$work/inputs.jsonl" >"$work/changed.jsonl"
# Offline, line for line (the same inputs in the same order): what changed, and by how much.
paste -d '\t' "$work/base.jsonl" "$work/changed.jsonl" |
    awk -F '\t' '$1 != $2 && $2 ~ /"type":"settlement"/ && $2 ~ /"duplicate":false/ { print $1; print $2 }' \
    >"$work/pairs.jsonl"
money='["fund_pay_fen", "critical_illness_pay_fen", "large_relief_pay_fen", "assistance_pay_fen", "personal_account_pay_fen", "cash_pay_fen"]'
# What a settlement pays: a reversal takes back its claim's amounts (as claimctl report counts).
jq -s -c --argjson money "$money" 'def pays($f): (if .status == "reversed" then -1 else 1 end) * .[$f];
    [range(0; length; 2) as $i | {was: .[$i], now: .[$i + 1]}] |
    map(. + {paid: ([$money[] as $f | .was[$f] != .now[$f]] | any),
             fund: ((.now | pays("fund_pay_fen")) - (.was | pays("fund_pay_fen"))),
             funds: ([$money[0:5][] as $f | (.now | pays($f)) - (.was | pays($f))] | add)})' \
    "$work/pairs.jsonl" >"$work/offline.json"
offline_ids=$(jq -r '.[] | select(.paid) | .now.claim_id' "$work/offline.json" | sort -u | tr '\n' ' ')
offline_other=$(jq '[.[] | select(.paid | not)] | length' "$work/offline.json")
offline_delta=$(jq '[.[] | .fund] | add // 0' "$work/offline.json")
offline_funds=$(jq '[.[] | .funds] | add // 0' "$work/offline.json")
replay_ids=$(jq -r '.differences[].claim_id' "$work/whatif.json" | sort -u | tr '\n' ' ')
replay_delta=$(jq '.fund_delta_fen["yingkou-resident"].fund_pay_fen // 0' "$work/whatif.json")
[ -n "$offline_ids" ] || fail "the rate change changed nothing offline: a test of nothing"
[ "$replay_ids" = "$offline_ids" ] || fail "replay changed [$replay_ids], offline [$offline_ids]"
[ "$replay_delta" = "$offline_delta" ] || fail "fund delta: replay $replay_delta fen, offline $offline_delta fen"
[ "$(jq '.fund_delta_fen | keys | length' "$work/whatif.json")" = 1 ] || fail "schemes other than Yingkou changed"
[ "$(jq .other_differences "$work/whatif.json")" = "$offline_other" ] ||
    fail "differing in other fields only: replay $(jq .other_differences "$work/whatif.json"), offline $offline_other"
echo "ok: the what-if changes the money of exactly the $(echo "$replay_ids" | wc -w) claims the offline run does, fund $replay_delta fen; $offline_other differ otherwise, not listed"

# The policy sets named: the what-if's fingerprint is its own.
whatif_print=$(fingerprint "$work/whatif")
jq -e --arg b "$base_print" --arg w "$whatif_print" '.what_if and .policies.recorded.fingerprint == $b and
    .policies.replayed.fingerprint == $w and $b != $w' "$work/whatif.json" >/dev/null ||
    fail "fingerprints: $(jq -c .policies "$work/whatif.json"), expected $base_print and $whatif_print"
grep -q "What-if replay" "$work/whatif.txt" && grep -q "$whatif_print" "$work/whatif.txt" ||
    fail "the text report does not name the what-if policies"
echo "ok: recorded policies $base_print, what-if $whatif_print"

# Only changed claims, largest impact first (ties by claim_id), each with its own change.
jq -e --argjson money "$money" '.differences | length > 0 and all(.[];
    ([$money[] as $f | .recorded[$f] != .now[$f]] | any) and
    .funds_change_fen == .now.funds_fen - .recorded.funds_fen and
    .now.funds_fen == ([$money[0:5][] as $f | .now[$f]] | add))' "$work/whatif.json" >/dev/null ||
    fail "a listed claim whose money did not change, or a wrong funds_change_fen"
jq -e '[.differences[] | [(if .funds_change_fen < 0 then .funds_change_fen else -.funds_change_fen end), .claim_id]] |
    . == sort' "$work/whatif.json" >/dev/null || fail "the listed claims are not sorted by impact, then claim_id"
jq -e '.differing == (.differences | length) and .paid_differently == .differing and
    .compared == .identical + .differing + .other_differences + .missing' "$work/whatif.json" >/dev/null ||
    fail "counts: $(jq -c '{compared, identical, differing, other_differences, missing, paid_differently}' "$work/whatif.json")"
echo "ok: $(jq '.differences | length' "$work/whatif.json") claims listed, all with changed money, largest impact first"

# Each listed claim carries its member, year, visit and institution, as its input claim does.
# (The inputs hold malformed lines on purpose; a claim_id settled first is the one replayed.)
jq -R -c 'fromjson? | select(.type == "claim") | {(.claim_id): {member_id, institution_id, visit_type}}' \
    "$work/inputs.jsonl" | jq -s -c 'reverse | add' >"$work/claims.json"
jq -e --slurpfile claims "$work/claims.json" 'all(.differences[];
    (.benefit_year | type) == "number" and (.institution_level | type) == "number" and
    ($claims[0][.claim_id] as $c | .member_id == $c.member_id and
     .institution_id == $c.institution_id and .visit_type == $c.visit_type))' "$work/whatif.json" >/dev/null ||
    fail "a listed claim without its member, year, visit type or institution"
# The change is to the level-2 rate from 2024-06-01: claims at level-2 institutions from 2024,
# and the later claims of their members, whose year's accumulators (caps, the critical-illness
# deductible) it moved. A reversal takes back what its claim pays: together they change nothing.
jq -e '[.differences[] | select(.institution_level == 2) | .member_id] as $moved |
    (.impact.by_institution_level[] | select(.institution_level == 2) | .changed > 0) and
    all(.differences[]; .benefit_year >= 2024 and (.institution_level == 2 or (.member_id | IN($moved[])))) and
    all(.differences[] | select(.now.status == "reversed"); .funds_change_fen < 0)' "$work/whatif.json" >/dev/null ||
    fail "changes outside level 2 and its members, or before 2024: $(jq -c '[.impact.by_institution_level[] | {institution_level, changed}]' "$work/whatif.json")"
echo "ok: every listed claim names its member, benefit year, visit type and institution (level 2, whose rate changed, or a member it moved)"

# The breakdowns: each adds up to the total change, which is the listed claims' and offline's.
jq -e '.impact as $i | $i.total.change_fen as $t |
    $t == ([.differences[].funds_change_fen] | add) and
    $t == $i.total.new_fen - $i.total.baseline_fen and
    all(("by_scheme", "by_benefit_year", "by_visit_type", "by_institution_level", "by_fund");
        ([$i[.][].change_fen] | add) == $t) and
    all(("by_scheme", "by_benefit_year", "by_visit_type", "by_institution_level");
        ([$i[.][].claims] | add) == $i.total.claims) and
    $i.total.claims == .compared - .missing and
    all(($i.total, $i.by_scheme[], $i.by_fund[], $i.cash);
        if .baseline_fen == 0 then .change_bp == null and .change_pct == "n/a"
        else .change_bp == (.change_fen * 10000 / (if .baseline_fen < 0 then -.baseline_fen else .baseline_fen end) | round)
        end)' "$work/whatif.json" >/dev/null ||
    fail "the breakdowns do not add up: $(jq -c '.impact.total' "$work/whatif.json")"
[ "$(jq .impact.total.change_fen "$work/whatif.json")" = "$offline_funds" ] ||
    fail "funds' change: replay $(jq .impact.total.change_fen "$work/whatif.json"), offline $offline_funds"
echo "ok: by scheme, benefit year, visit type, institution level and fund, each adds up to the total change, $offline_funds fen ($(jq -r .impact.total.change_pct "$work/whatif.json")), as offline"
