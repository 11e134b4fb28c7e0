#!/usr/bin/env bash
# A Redis Cluster master killed with -9 mid-stream and its replica promoted: nothing lost,
# nothing paid twice.
#
# Replication is asynchronous, so the writes a master acknowledged may not be on its replica
# when it dies. The services WAIT for the replica before each Kafka commit
# (redis.wait.replicas): a batch whose writes are not on the replica is not committed, and
# is done again from Kafka after the failover. The test makes the worst case happen: the
# replica is frozen (SIGSTOP) so that the master's writes cannot reach it, the services'
# batches are held back (WAIT times out: a Redis error in their metrics), then the master is
# killed -9 and the replica thawed and promoted with only what it had. Afterwards the
# settlements are one per claim and identical to claimctl adjudicate, and the Redis state
# equals the one claimctl rebuild derives from the topics. Without the WAIT the batches
# committed while the replica was frozen would be lost from Redis and later claims of those
# members paid against stale accumulators: YB_TEST_WAIT_REPLICAS=0 runs the services with
# redis.wait.replicas=0 (the test then waits, instead of for a batch held back, until the
# master has cut its frozen replica off and 3 more batches are committed), and the test
# fails.
# The old master is then started again as an operator would (deploy/local/start, which
# waits for the failover first) and rejoins as a replica.
#
#   tests/integration/cluster_redis_failover.sh BIN_DIR POLICIES_DIR
#   (env as cluster_broker_kill.sh's: YB_TEST_BROKERS, YB_TEST_REDIS_PORT (a cluster node),
#   YB_TEST_REDIS_CLUSTER=1, and YB_TEST_RUN_DIR, YB_TEST_KAFKA_PORT,
#   YB_TEST_KAFKA_CONTROLLER_PORT: the fixture's, to start what is down again)
. "$(dirname "$0")/pipeline_lib.sh"

[ "$redis_cluster" = 1 ] || fail "this test runs on the Redis Cluster fixture (YB_TEST_REDIS_CLUSTER=1)"
start_args=(--run-dir "${YB_TEST_RUN_DIR:?}" --brokers 3 --kafka-port "${YB_TEST_KAFKA_PORT:?}"
    --controller-port "${YB_TEST_KAFKA_CONTROLLER_PORT:?}" --redis-port "$redis_port" --redis-cluster)

create_topics
"$claimctl" generate --seed 41 --claims 20000 >"$work/inputs.jsonl" 2>/dev/null
offline "$work/inputs.jsonl"
# The claims in two halves: the second goes in once the replica is frozen, so that there
# are batches to hold back (or, without WAIT, to commit) whatever the machine's speed.
grep -E '"type":"(claim|reversal)"' "$work/inputs.jsonl" >"$work/claims.jsonl"
half=$(($(wc -l <"$work/claims.jsonl") / 2))
head -n "$half" "$work/claims.jsonl" >"$work/claims-1.jsonl"
tail -n "+$((half + 1))" "$work/claims.jsonl" >"$work/claims-2.jsonl"
for topic in institutions enrollments payments; do produce "$topic" "$work/inputs.jsonl"; done
produce claims "$work/claims-1.jsonl"
expected=$(wc -l <"$work/offline.jsonl")

wait_replicas=${YB_TEST_WAIT_REPLICAS:--1}
write_props enroll "redis.wait.replicas=$wait_replicas"
write_props adjudicate "batch.max=500" "redis.wait.timeout.ms=1000" "redis.wait.replicas=$wait_replicas"
start enrollment-svc enroll enrollment
start adjudicator adjudicate adjudicator
adj_port=$(http_port adjudicator)

batches() { metric "$adj_port" yb_batches_total; }
at_least() { local have; have=$("$1"); [ "${have:-0}" -ge "$2" ]; }
wait_until 120 "the adjudicator to commit 5 batches" at_least batches 5

# The master of the first member's slot, and its replica.
node_line() { redis-cli -h 127.0.0.1 -p "$1" cluster nodes | awk '$3 ~ /myself/'; }
master=$(redis_masters | head -n 1)
master_id=$(node_line "$master" | awk '{ print $1 }')
replica=$(redis-cli -h 127.0.0.1 -p "$master" cluster nodes |
    awk -v id="$master_id" '$3 ~ /slave/ && $4 == id { split($2, a, "[:@]"); print a[2] }' | head -n 1)
[ -n "$replica" ] || fail "master $master has no replica"
pid_of() { redis-cli -h 127.0.0.1 -p "$1" info server | tr -d '\r' | sed -n 's/^process_id://p'; }
master_pid=$(pid_of "$master")
replica_pid=$(pid_of "$replica")
echo "master $master (pid $master_pid), replica $replica (pid $replica_pid)"

# 1. The replica frozen: the master's writes stop reaching it, and a batch is held back.
#    (The master cuts a replica off once 256 KB wait for it: past the kernel's socket
#    buffers, what the master writes then never reaches the replica.)
redis-cli -h 127.0.0.1 -p "$master" config set client-output-buffer-limit "replica 256kb 0 0" >/dev/null
errors_before=$(metric "$adj_port" yb_redis_errors_total)
echo "the adjudicator's Redis errors before the freeze: $errors_before"
kill -STOP "$replica_pid"
trap 'kill -CONT "$replica_pid" 2>/dev/null || true; cleanup' EXIT
produce claims "$work/claims-2.jsonl"
redis_errors() { metric "$adj_port" yb_redis_errors_total; }
replica_cut_off() {
    redis-cli -h 127.0.0.1 -p "$master" info replication | tr -d '\r' | grep -qx 'connected_slaves:0'
}
if [ "$wait_replicas" = 0 ]; then
    wait_until 120 "the master to cut off its frozen replica (no WAIT: batches go on)" replica_cut_off
    frozen_at=$(batches)
    wait_until 60 "3 batches committed that the replica will never see" at_least batches $((frozen_at + 3))
else
    wait_until 60 "a batch held back because its writes were not on the replica (WAIT)" \
        at_least redis_errors $((errors_before + 1))
fi
held=$(batches)

# 2. The master dies with what only it had; the replica, thawed, takes over.
kill -KILL "$master_pid"
killed=$(now_ms)
kill -CONT "$replica_pid"
is_master() { node_line "$1" | awk '$3 ~ /master/ { found = 1 } END { exit !found }'; }
wait_until 60 "replica $replica to be promoted" is_master "$replica"
wait_until 120 "the adjudicator to commit again after the failover" at_least batches $((held + 1))
awk -v ms=$(($(now_ms) - killed)) 'BEGIN { printf "stall: %.1f s from the kill -9 to the next commit\n", ms / 1000 }'

# 3. The old master started again as an operator would: it rejoins as a replica.
"$root/deploy/local/start" "${start_args[@]}" >"$work/restart.log" 2>&1 ||
    fail "deploy/local/start did not start the cluster again: $(tail -n 5 "$work/restart.log")"
is_replica() { node_line "$1" | awk '$3 ~ /slave/ { found = 1 } END { exit !found }'; }
wait_until 60 "node $master to rejoin as a replica" is_replica "$master"

wait_settled "$expected" 300
check_exactly_once
check_state "$run-adjudicate"
