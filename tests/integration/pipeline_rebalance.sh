#!/usr/bin/env bash
# Exactly once with two adjudicator instances in one group, on the real broker and Redis,
# over 50,000 claims: a second instance joins mid-stream (a rebalance hands it half the
# partitions) and the first leaves (another rebalance); then one settlement per claim,
# identical to claimctl adjudicate, and the accumulators in Redis equal to the offline
# ledger's. The instances are static members (group.static=1): one that stops hands its
# partitions over when its session times out, here 6 s (kafka.session.timeout.ms).
#
#   tests/integration/pipeline_rebalance.sh BIN_DIR POLICIES_DIR
. "$(dirname "$0")/pipeline_lib.sh"

create_topics
"$claimctl" generate --seed 32 --claims 50000 >"$work/inputs.jsonl" 2>/dev/null
offline "$work/inputs.jsonl"
for topic in institutions enrollments payments; do produce "$topic" "$work/inputs.jsonl"; done
# The claims in three parts, so that both rebalances happen while claims flow.
grep -E '"type":"(claim|reversal)"' "$work/inputs.jsonl" >"$work/claims.jsonl" || true
total=$(wc -l <"$work/claims.jsonl")
split -n l/3 -d "$work/claims.jsonl" "$work/part"
expected=$(wc -l <"$work/offline.jsonl")

write_props enroll
write_props adjudicate "batch.max=500" "log.level=${YB_TEST_LOG_LEVEL:-info}" \
    "kafka.session.timeout.ms=6000"
start enrollment-svc enroll enrollment
start adjudicator adjudicate adjudicator-a -X instance.id=a
pid_a=$last_pid
port_a=$(http_port adjudicator-a)
produce claims "$work/part00"

# A second instance joins: the group rebalances, each gets three partitions.
start adjudicator adjudicate adjudicator-b -X instance.id=b
port_b=$(http_port adjudicator-b)
wait_until 120 "instance b to be given three partitions" \
    grep -q '"partitions_assigned","count":3' "$work/adjudicator-b.log"
produce claims "$work/part01"
consumed_some() { [ "$(metric "$port_b" yb_consumed_total || echo 0)" -gt 0 ]; }
wait_until 120 "instance b to consume claims" consumed_some
a=$(metric "$port_a" yb_consumed_total)
b=$(metric "$port_b" yb_consumed_total)
[ "${b:-0}" -gt 0 ] && [ "${a:-0}" -gt 0 ] || fail "both instances were to consume: a $a, b $b"

# The first leaves while the last part streams in: the group rebalances again.
produce claims "$work/part02" &
producer=$!
sleep 0.5
kill -TERM "$pid_a" 2>/dev/null || fail "instance a had stopped before it was asked to"
wait "$pid_a" || fail "instance a did not stop cleanly on SIGTERM"
partial=$(consume settlements | wc -l)
wait "$producer" || fail "producing the last part"
[ "$partial" -lt "$expected" ] || fail "the second rebalance came after the end: not mid-stream"
echo "ok: b joined after a had consumed ${a:-0} claims; a left (SIGTERM) with $partial of $expected settled"
wait_settled "$expected" 300
grep -q '"event":"partitions_assigned","count":6' "$work/adjudicator-b.log" ||
    fail "instance b never took all six partitions after a left"
echo "ok: instance a consumed $(grep '"event":"stopped"' "$work/adjudicator-a.log" | jq .consumed), instance b $(metric "$port_b" yb_consumed_total)"
check_exactly_once
check_state "$run-adjudicate"
