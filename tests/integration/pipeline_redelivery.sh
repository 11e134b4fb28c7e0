#!/usr/bin/env bash
# A batch read again after a crash between its Redis writes and its Kafka commit is
# answered as the first time, message by message, although Redis already holds what later
# messages of the batch did: a duplicate of a claim reversed later in the batch gets the
# original settlement, a reversal that came before its claim stays a reversal of an
# unknown claim. On the real broker and Redis.
#
#   tests/integration/pipeline_redelivery.sh BIN_DIR POLICIES_DIR
. "$(dirname "$0")/pipeline_lib.sh"

create_topics
"$claimctl" generate --seed 31 --claims 50000 >"$work/sample.jsonl" 2>/dev/null
# A member with a claim sent twice and reversed, and another claim: found in the sample
# rather than named, so that a change to the generator keeps the case.
read -r member twice other < <(jq -rRn '
    [inputs | fromjson? | select((.type == "claim" or .type == "reversal") and (.member_id | type) == "string")] as $all |
    ($all | map(select(.type == "claim")) | group_by(.member_id)) as $members |
    ($all | map(select(.type == "reversal") | .claim_id)) as $reversed |
    first($members[] as $m |
          ($m | group_by(.claim_id) | map(select(length == 2)) | map(.[0].claim_id)
              | map(select(. as $c | $reversed | index($c)))) as $cands |
          ($m | map(.claim_id) | unique) as $ids |
          select(($cands | length) > 0 and ($ids | length) > 1) |
          "\($m[0].member_id) \($cands[0]) \($ids - [$cands[0]] | .[0])")' "$work/sample.jsonl")
[ -n "${other:-}" ] || fail "the sample has no member with a claim sent twice and reversed"
# Their history, in timestamp order: enrolment and premiums; a reversal of a claim not yet
# made; that claim; the other claim, its resubmission and its reversal.
{
    grep '"type":"institution"' "$work/sample.jsonl"
    grep -E '"type":"(enrollment|payment)"' "$work/sample.jsonl" | grep "\"member_id\":\"$member\""
    echo "{\"type\":\"reversal\",\"claim_id\":\"$other\",\"member_id\":\"$member\",\"reason\":\"sent too early\",\"event_time\":\"2022-01-01T09:00:00+08:00\"}"
    grep "\"claim_id\":\"$other\"" "$work/sample.jsonl" | grep '"type":"claim"'
    grep "\"claim_id\":\"$twice\"" "$work/sample.jsonl"
} >"$work/inputs.jsonl"
[ "$(grep -c "\"claim_id\":\"$twice\"" "$work/inputs.jsonl")" = 3 ] ||
    fail "$twice: not a claim, its resubmission and its reversal"
echo "case: member $member, $twice sent twice and reversed, $other reversed before it came"
offline "$work/inputs.jsonl"
for topic in institutions enrollments payments claims; do produce "$topic" "$work/inputs.jsonl"; done

write_props enroll
write_props adjudicate
start enrollment-svc enroll enrollment
start adjudicator adjudicate adjudicator-1 -X debug.exit.before.commit=1
status=0
wait "$last_pid" || status=$?
[ "$status" = 70 ] || fail "the adjudicator was to exit with 70 before its first commit, not $status"
[ "$(consume settlements | wc -l)" = 0 ] || fail "settlements were committed before the crash"
recorded=$(rcli hlen "$run:{m:$member}:claims")
[ "$recorded" = 2 ] || fail "$recorded claims recorded in Redis before the crash, expected 2"
echo "ok: crashed with both claims and the reversal recorded in Redis, nothing published"

start adjudicator adjudicate adjudicator-2
wait_settled "$(wc -l <"$work/offline.jsonl")" 60
check_exactly_once
jq -r '"  \(.claim_id) \(.status) duplicate=\(.duplicate)"' "$work/published.jsonl"
