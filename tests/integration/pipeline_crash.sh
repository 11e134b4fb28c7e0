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
recorded=$(rcli --scan --pattern "$run:{m:*}:claims" | while read -r k; do rcli hlen "$k"; done |
    awk '{ s += $1 } END { print s + 0 }')
[ "$recorded" -gt "$committed" ] ||
    fail "expected claims recorded in Redis but unpublished: $recorded recorded, $committed published"
echo "ok: crashed with $recorded claims recorded in Redis and $committed settlements committed"

# 2. Restart, then kill -9 in the middle of the stream.
start adjudicator adjudicate adjudicator-2
port=$(http_port adjudicator-2)
for _ in $(seq 1 600); do
    consumed=$(metric "$port" yb_consumed_total || echo 0)
    [ "${consumed:-0}" -ge 15000 ] && break
    sleep 0.05
done
redelivered=$(metric "$port" yb_redelivered_total)
kill -9 "$last_pid"
wait "$last_pid" 2>/dev/null || true
[ "${redelivered:-0}" -gt 0 ] || fail "the restarted adjudicator answered no claim from its record"
echo "ok: restarted, it republished $redelivered recorded claims without adjudicating them again"
partial=$(consume settlements | wc -l)
[ "$partial" -lt "$expected" ] || fail "kill -9 came after the end ($partial of $expected): not mid-stream"
echo "ok: kill -9 after $consumed claims consumed, $partial of $expected settlements committed"

# 3. Restart with the same instance id: it fences the killed producer and finishes.
start adjudicator adjudicate adjudicator-3
wait_settled "$expected" 300
check_exactly_once
check_state "$run-adjudicate"
