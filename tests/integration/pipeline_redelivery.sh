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
# One member's history, in timestamp order: enrolment and premiums; a reversal of a claim
# not yet made; that claim; another claim, its resubmission and its reversal.
{
    grep '"type":"institution"' "$work/sample.jsonl"
    grep -E '"event_id":"YR-(E009129|P091290|P091291)"' "$work/sample.jsonl"
    echo '{"type":"reversal","claim_id":"YR-K030188","member_id":"YR-M009129","reason":"sent too early","event_time":"2022-02-10T09:00:00+08:00"}'
    grep '"claim_id":"YR-K030188"' "$work/sample.jsonl"
    grep -E '"claim_id":"YR-K001891"' "$work/sample.jsonl"
} >"$work/inputs.jsonl"
[ "$(grep -c '"claim_id":"YR-K001891"' "$work/inputs.jsonl")" = 3 ] ||
    fail "the sample no longer has YR-K001891 with its resubmission and reversal"
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
recorded=$(rcli hlen "$run:{m:YR-M009129}:claims")
[ "$recorded" = 2 ] || fail "$recorded claims recorded in Redis before the crash, expected 2"
echo "ok: crashed with both claims and the reversal recorded in Redis, nothing published"

start adjudicator adjudicate adjudicator-2
wait_settled "$(wc -l <"$work/offline.jsonl")" 60
check_exactly_once
jq -r '"  \(.claim_id) \(.status) duplicate=\(.duplicate)"' "$work/published.jsonl"
