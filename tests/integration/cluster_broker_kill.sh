#!/usr/bin/env bash
# Exactly once through the loss of a broker, on a cluster of three (deploy/local/start
# --brokers 3, the fixture tests/servers.sh start-cluster):
#  - the run's topics, __consumer_offsets and __transaction_state have three replicas and
#    min.insync.replicas=2;
#  - 50,000 claims stream in as a live feed (idempotent producer, acks=all) through
#    enrollment-svc, the adjudicator and fraud-svc;
#  - once settlements flow, the broker that coordinates the adjudicator's transactions (and
#    leads about a third of the partitions) is killed with -9; the pipeline goes on with
#    two brokers; the broker is then restarted and catches up (every partition back to
#    three in-sync replicas);
#  - then: every claim on the claims topic once, as produced; one settlement per claim and
#    reversal, identical to claimctl adjudicate; every fraud alert once, the member-level
#    ones identical to claimctl adjudicate's; no service stopped.
# It prints the stall ("stall: 12.3 s"): the longest time the adjudicator committed nothing,
# from its last commit before the kill to the last claim, and every gap over 2 s after it.
#
#   tests/integration/cluster_broker_kill.sh BIN_DIR POLICIES_DIR
#   (env YB_TEST_BROKERS: the three brokers; YB_TEST_REDIS_PORT; YB_TEST_RUN_DIR: the
#   cluster's run directory, and YB_TEST_KAFKA_PORT, YB_TEST_KAFKA_CONTROLLER_PORT: its
#   first node's ports, to restart the killed node; YB_TEST_CLAIM_RATE: the feed's claims a
#   second, default 1500; YB_TEST_MAX_STALL_MS: the stall that fails the test, default 60000)
. "$(dirname "$0")/pipeline_lib.sh"
. "$root/deploy/lib/common.sh"
run_dir=${YB_TEST_RUN_DIR:?} kafka_port=${YB_TEST_KAFKA_PORT:?} controller_port=${YB_TEST_KAFKA_CONTROLLER_PORT:?}
started_at=$SECONDS

# restart_nodes: start whichever node of the cluster is not running (deploy/local/start
# --brokers 3 does no more), also on the way out of a failed run, so that the services stop
# cleanly and the fixture's cluster is whole again.
restart_nodes() {
    "$root/deploy/local/start" --run-dir "$run_dir" --brokers 3 --kafka-port "$kafka_port" \
        --controller-port "$controller_port" --redis-port "$redis_port" --redis-cluster 2>"$work/restart.log"
}
killed=""
trap '[ -z "$killed" ] || restart_nodes || true; cleanup' EXIT

listed=$(kcat -b "$brokers" -L -m 10 -t __yb_probe_none 2>/dev/null | awk '$2 == "brokers:" { print $1 }')
[ "$listed" = 3 ] || fail "the cluster at $brokers lists ${listed:-no} brokers, not 3 (tests/servers.sh start-cluster)"
create_topics
"$claimctl" generate --seed 41 --claims 50000 >"$work/inputs.jsonl" 2>/dev/null
offline "$work/inputs.jsonl"
"$claimctl" adjudicate --policies "$policies" "$work/inputs.jsonl" 2>/dev/null |
    grep '"type":"fraud_alert"' | LC_ALL=C sort >"$work/offline-alerts.jsonl"
expected=$(wc -l <"$work/offline.jsonl")

# caught_up GROUP TOPICS: GROUP has committed every partition of its TOPICS member-keyed
# topics to their ends.
caught_up() {
    local behind
    behind=$("$claimctl" lag -b "$brokers" --group "$1" --samples 1 --json 2>/dev/null |
        jq --argjson n $(($2 * YB_PARTITIONS)) '[.groups[].partitions[]] | if length < $n then 1 else (map(.lag) | add) end' ||
        echo 1)
    [ "$behind" = 0 ]
}

# What the claims depend on first, applied by enrollment-svc; then the claims as a live
# feed while the services run, so that the producer, too, loses a broker mid-stream.
for topic in institutions enrollments payments; do produce "$topic" "$work/inputs.jsonl"; done
write_props enroll
write_props adjudicate
write_props fraud
start enrollment-svc enroll enrollment-svc
service_pids=("$last_pid")
wait_until 300 "enrollment-svc to apply the enrollments and payments" caught_up "$run-enroll" 2
start adjudicator adjudicate adjudicator
service_pids+=("$last_pid")
start fraud-svc fraud fraud-svc
service_pids+=("$last_pid")
adj_port=$(http_port adjudicator)
# The broker to kill: the one coordinating the adjudicator's transactions (its transactional
# id is registered at start-up), found before the feed so that the JVM tool does not slow it.
coordinator=$(yb_kafka_tool org.apache.kafka.tools.TransactionsCommand --bootstrap-server "$brokers" \
    describe --transactional-id "$run-adjudicate-0" 2>/dev/null | awk 'NR == 2 { print $1 }')
[[ $coordinator =~ ^[123]$ ]] || fail "no transaction coordinator for $run-adjudicate-0: '$coordinator'"
"$claimctl" produce -b "$brokers" --topic "$run.claims" --select --skip-invalid \
    --rate "${YB_TEST_CLAIM_RATE:-1500}" "$work/inputs.jsonl" >/dev/null 2>"$work/produce-claims.log" &
feed_pid=$!
pids+=("$feed_pid")

# The adjudicator's progress, sampled: "<ms> <claims committed>" lines.
committed() { metric "$adj_port" yb_consumed_total || true; }
while :; do
    echo "$(now_ms) $(committed)"
    sleep 0.1
done >"$work/progress.txt" &
pids+=($!)
committed_at_least() { [ "$(committed)" -ge "$1" ] 2>/dev/null; }

# 1. Settlements flow: kill -9 the broker coordinating the adjudicator's transactions.
wait_until 120 "the adjudicator to commit 5000 claims" committed_at_least 5000
kill -0 "$feed_pid" 2>/dev/null || fail "the feed ended before the kill: not mid-stream"
at_kill=$(committed)
kill -9 "$(cat "$run_dir/kafka/node$coordinator/kafka.pid")"
killed_ms=$(now_ms)
killed=$coordinator
echo "ok: killed broker $coordinator (kill -9), the adjudicator's transaction coordinator, after $at_kill claims committed, the feed still running"

# 2. Two brokers of three are a majority and two in-sync replicas: settlements go on.
wait_until 120 "the adjudicator to commit 5000 more claims with broker $coordinator down" \
    committed_at_least $((at_kill + 5000))
echo "ok: $(($(committed) - at_kill)) claims committed with broker $coordinator down"
restart_nodes || fail "restarting broker $coordinator: $(cat "$work/restart.log")"
killed=""
echo "ok: broker $coordinator restarted $(( ($(now_ms) - killed_ms) / 1000 )) s after the kill"

# 3. Everything settles; the restarted broker catches up.
wait "$feed_pid" || fail "producing the claims (acks=all) through the broker's loss"
produced=$(awk '/record\(s\) produced/ { print $3 }' "$work/produce-claims.log")
[[ $produced =~ ^[0-9]+$ ]] || fail "the feed did not say how many claims it produced"
wait_until 300 "the adjudicator to commit all $produced claims and reversals" committed_at_least "$produced"
wait_settled "$expected" 60
for pid in "${service_pids[@]}"; do kill -0 "$pid" 2>/dev/null || fail "a service stopped (pid $pid)"; done
# Partitions of the run's topics and the internal ones whose in-sync replicas are fewer than 3.
under_replicated() {
    kcat -b "$brokers" -L 2>/dev/null | awk -v run="$run." '
        /^  topic "/ { t = $2; gsub(/"/, "", t)
                       mine = index(t, run) == 1 || t == "__consumer_offsets" || t == "__transaction_state" }
        mine && match($0, /isrs: [0-9,]*/) { if (split(substr($0, RSTART + 6, RLENGTH - 6), r, ",") < 3) n++ }
        END { print n + 0 }'
}
all_in_sync() { [ "$(under_replicated)" = 0 ]; }
wait_until 120 "every partition back to three in-sync replicas" all_in_sync

# 4. Nothing lost, nothing twice.
on_topic=$(kcat -C -b "$brokers" -t "$run.claims" -e -q -f '.\n' 2>/dev/null | wc -l)
[ "$on_topic" = "$produced" ] || fail "$produced claims produced, $on_topic on the topic"
echo "ok: the $produced claims and reversals produced are on the topic, each once"
check_exactly_once
wait_until 300 "fraud-svc to commit claims and settlements to their ends" caught_up "$run-fraud" 2
consume fraud-alerts | LC_ALL=C sort >"$work/alerts.jsonl"
total=$(wc -l <"$work/alerts.jsonl")
[ "$total" -gt 0 ] || fail "no fraud alerts published"
[ "$(jq -r .alert_id "$work/alerts.jsonl" | sort -u | wc -l)" = "$total" ] || fail "a fraud alert published twice"
member_rules='select(.rule != "amount_outlier" and .rule != "institution_anomaly")'
jq -c "$member_rules" "$work/alerts.jsonl" | LC_ALL=C sort >"$work/member.jsonl"
jq -c "$member_rules" "$work/offline-alerts.jsonl" | LC_ALL=C sort >"$work/member-offline.jsonl"
cmp -s "$work/member.jsonl" "$work/member-offline.jsonl" ||
    fail "member-level alerts differ from claimctl adjudicate ($(wc -l <"$work/member.jsonl") streamed, $(wc -l <"$work/member-offline.jsonl") offline)"
echo "ok: $total fraud alerts, each once; the $(wc -l <"$work/member.jsonl") member-level ones identical to claimctl adjudicate"

# 5. The replicas the cluster was asked for (kafka-topics --describe).
yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --describe \
    --topic "$run\\..*|__consumer_offsets|__transaction_state" 2>/dev/null | grep 'PartitionCount' >"$work/describe.txt"
for topic in "$run".{institutions,enrollments,payments,claims,settlements,fraud-alerts,dead-letters} \
    __consumer_offsets __transaction_state; do
    grep -qE "^Topic: ${topic//./\\.}[[:space:]].*ReplicationFactor: 3[[:space:]]Configs: .*min\.insync\.replicas=2" \
        "$work/describe.txt" ||
        fail "$topic: not 3 replicas with min.insync.replicas=2: $(grep "^Topic: $topic[[:space:]]" "$work/describe.txt")"
done
echo "ok: the run's topics, __consumer_offsets and __transaction_state: 3 replicas, min.insync.replicas=2"

# 6. The stall: the longest time between two advances of the committed count, from the last
# advance before the kill to the last claim; every gap of over 2 s after the kill; and, for
# scale, the longest gap before it.
read -r stall resumed before gaps <<<"$(awk -v kill="$killed_ms" '
    $2 == "" { next }
    $2 != last {
        if (last != "") {
            gap = $1 - at
            if ($1 <= kill) { if (gap > before) before = gap }
            else {
                if (gap > stall) stall = gap
                if (resumed == "") resumed = $1 - kill
                if (gap > 2000) gaps = gaps (gaps == "" ? "" : ",") sprintf("%.1f", gap / 1000)
            }
        }
        at = $1; last = $2 }
    END { printf "%.1f %.1f %.1f %s\n", stall / 1000, resumed / 1000, before / 1000, gaps == "" ? "none" : gaps }' \
    "$work/progress.txt")"
echo "stall: $stall s (the longest the adjudicator committed nothing, around the kill of broker $coordinator)"
echo "  committing again $resumed s after the kill; gaps of over 2 s after it: $gaps s;" \
    "the longest gap before the kill: $before s"
awk -v s="$stall" -v max="${YB_TEST_MAX_STALL_MS:-60000}" 'BEGIN { exit !(s * 1000 < max) }' ||
    fail "the pipeline stalled $stall s after the loss of a broker (the limit is ${YB_TEST_MAX_STALL_MS:-60000} ms)"
echo "took: $((SECONDS - started_at)) s"
