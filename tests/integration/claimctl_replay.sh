#!/usr/bin/env bash
# claimctl replay on the test broker: a recorded stream replays identical, claim for claim;
# a replay under a changed rate (a new policy version) reports exactly the claims an offline
# adjudication under that policy changes, with the same fund delta.
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

# 1. The same policies: every claim identical.
"$claimctl" replay -b "$brokers" --policies "$policies" --json "$work/same.json" >/dev/null 2>&1
expected=$(grep '"type":"settlement"' "$work/base.jsonl" | grep -c '"duplicate":false')
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/same.json")"
[ "$compared" = "$expected" ] && [ "$identical" = "$compared" ] ||
    fail "replay compared $compared, identical $identical; $expected settlements recorded"
echo "ok: $compared claims replayed from the topics, all identical"

# A range of times (the state before it rebuilt from the inputs), and a range of offsets.
"$claimctl" replay -b "$brokers" --policies "$policies" --audit \
    --from 2024-06-01T00:00:00+08:00 --to 2024-09-01T00:00:00+08:00 --json "$work/range.json" >/dev/null 2>&1
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/range.json")"
[ "$compared" -gt 0 ] && [ "$compared" -lt "$expected" ] && [ "$identical" = "$compared" ] ||
    fail "June to August: compared $compared (of $expected), identical $identical"
echo "ok: June to August 2024 (Yingkou, Binzhou, Chaoyang time): $compared claims compared, all identical"
"$claimctl" replay -b "$brokers" --policies "$policies" --from 10 --to 60 --json "$work/offsets.json" >/dev/null 2>&1
read -r compared identical <<<"$(jq -r '"\(.compared) \(.identical)"' "$work/offsets.json")"
[ "$compared" -gt 0 ] && [ "$compared" -le 300 ] && [ "$identical" = "$compared" ] ||
    fail "claims offsets 10 to 60: compared $compared, identical $identical"
echo "ok: claims-topic offsets 10 to 60 of each partition: $compared claims compared, all identical"

# 2. What-if: Yingkou's level-2 rate 75% -> 80% from 2024-06-01, as a new policy version.
cp -r "$policies" "$work/whatif"
printf '\n[2024-06-01]\ninpatient.rate.level2 = *:8000 @ 第二十二条(二)\n' >>"$work/whatif/yingkou-resident.policy"
"$claimctl" replay -b "$brokers" --policies "$work/whatif" --json "$work/whatif.json" >/dev/null 2>&1
"$claimctl" adjudicate --no-fraud --policies "$work/whatif" "$work/inputs.jsonl" >"$work/changed.jsonl"
# Offline, line for line (the same inputs in the same order): what changed, and by how much.
paste -d '\t' "$work/base.jsonl" "$work/changed.jsonl" |
    awk -F '\t' '$1 != $2 && $2 ~ /"type":"settlement"/ && $2 ~ /"duplicate":false/ { print $1; print $2 }' \
    >"$work/pairs.jsonl"
offline_ids=$(jq -r 'select(.type == "settlement") | .claim_id' "$work/pairs.jsonl" | sort -u | tr '\n' ' ')
offline_delta=$(jq -s '[range(0; length; 2) as $i | .[$i + 1].fund_pay_fen - .[$i].fund_pay_fen] | add // 0' "$work/pairs.jsonl")
replay_ids=$(jq -r '.differences[].claim_id' "$work/whatif.json" | sort -u | tr '\n' ' ')
replay_delta=$(jq '.fund_delta_fen["yingkou-resident"].fund_pay_fen // 0' "$work/whatif.json")
[ -n "$offline_ids" ] || fail "the rate change changed nothing offline: a test of nothing"
[ "$replay_ids" = "$offline_ids" ] || fail "replay changed [$replay_ids], offline [$offline_ids]"
[ "$replay_delta" = "$offline_delta" ] || fail "fund delta: replay $replay_delta fen, offline $offline_delta fen"
[ "$(jq '.fund_delta_fen | keys | length' "$work/whatif.json")" = 1 ] || fail "schemes other than Yingkou changed"
echo "ok: the what-if changes exactly the $(echo "$replay_ids" | wc -w) claims the offline run does, fund $replay_delta fen"
