#!/usr/bin/env bash
# Exactly once through crashes, on the real broker and Redis, over 50,000 claims:
#  1. the adjudicator exits at the worst moment (claims recorded in Redis, their
#     settlements not yet committed to Kafka); restarted, it publishes what it recorded;
#  2. kill -9 in the middle of the stream; restarted with the same instance id, it fences
#     its predecessor and goes on;
# then one settlement per claim, identical to claimctl adjudicate, and the accumulators in
# Redis equal to the offline ledger's.
#
#   tests/integration/pipeline_crash.sh BIN_DIR POLICIES_DIR
. "$(dirname "$0")/pipeline_lib.sh"

create_topics
"$claimctl" generate --seed 31 --claims 50000 >"$work/inputs.jsonl" 2>/dev/null
offline "$work/inputs.jsonl"
for topic in institutions enrollments payments claims; do produce "$topic" "$work/inputs.jsonl"; done
expected=$(wc -l <"$work/offline.jsonl")

write_props enroll
write_props adjudicate "batch.max=1000"
start enrollment-svc enroll enrollment

# 1. Exit right after the third batch's Redis writes, before its commit.
start adjudicator adjudicate adjudicator-1 -X debug.exit.before.commit=3
status=0
wait "$last_pid" || status=$?
[ "$status" = 70 ] || fail "the adjudicator was to exit with 70 before its third commit, not $status"
committed=$(consume settlements | wc -l)
recorded=$(rscan "$run:{m:*}:claims" | while read -r k; do rcli hlen "$k"; done |
    awk '{ s += $1 } END { print s + 0 }')
[ "$recorded" -gt "$committed" ] ||
    fail "expected claims recorded in Redis but unpublished: $recorded recorded, $committed published"
echo "ok: crashed with $recorded claims recorded in Redis and $committed settlements committed"

# 2. Restart, then kill -9 in the middle of the stream.
start adjudicator adjudicate adjudicator-2
port=$(http_port adjudicator-2)
consumed_at_least() { [ "$(metric "$1" yb_consumed_total || echo 0)" -ge "$2" ]; }
wait_until 180 "the restarted adjudicator to consume 15000 claims" consumed_at_least "$port" 15000
consumed=$(metric "$port" yb_consumed_total)
redelivered=$(metric "$port" yb_redelivered_total)
kill -9 "$last_pid"
killed_ms=$(now_ms)
wait "$last_pid" 2>/dev/null || true
[ "${redelivered:-0}" -gt 0 ] || fail "the restarted adjudicator answered no claim from its record"
echo "ok: restarted, it republished $redelivered recorded claims without adjudicating them again"

# 3. Restart at once with the same instance id: a static member of the group, it takes its
# partitions back without waiting out the session timeout, fences the killed producer and
# finishes.
start adjudicator adjudicate adjudicator-3
port=$(http_port adjudicator-3)
committed_a_batch() { [ "$(metric "$port" yb_batches_total || echo 0)" -ge 1 ]; }
wait_until 120 "the adjudicator restarted after kill -9 to commit a batch" committed_a_batch
stall_ms=$(($(now_ms) - killed_ms))
partial=$(consume settlements | wc -l)
[ "$partial" -lt "$expected" ] || fail "kill -9 came after the end ($partial of $expected): not mid-stream"
echo "ok: kill -9 after $consumed claims consumed; settling again ${stall_ms} ms after the kill (restarted at once)"
[ "$stall_ms" -lt "${YB_TEST_MAX_STALL_MS:-5000}" ] ||
    fail "settlement stalled ${stall_ms} ms after kill -9 and a restart (the target is under 5 s)"
wait_settled "$expected" 300
check_exactly_once
check_state "$run-adjudicate"
