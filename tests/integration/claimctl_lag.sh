#!/usr/bin/env bash
# claimctl lag on the test broker, against Kafka's own kafka-consumer-groups tool on the same
# groups:
#  - the same committed offsets and log ends; the same lag where records are waiting; 0 where
#    only a transaction's commit marker is left (Kafka's tool counts it as 1) — for two groups
#    behind on the same partitions at once, each with its own figures;
#  - lag in seconds by the wall clock: records stamped years ago (event times) that were
#    written a moment ago are seconds behind, not years;
#  - Burrow's status: STOP for a group with no member, STALL for a member that does not
#    move, OK once caught up;
#  - lag rises when records arrive for a stopped group and returns to 0 when it catches up;
#  - a cluster that does not answer is an error naming it (exit 1), as is an unknown group.
#
#   tests/integration/claimctl_lag.sh CLAIMCTL    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
claimctl=$1
brokers=${YB_TEST_BROKERS:?}
topic="lag-test-$$-$RANDOM"
group="lag-group-$$-$RANDOM"
second="lag-second-$$-$RANDOM"
work=$(mktemp -d)
member=
trap '[ -n "$member" ] && kill "$member" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }
# The tool's describe of group $1 as "partition committed log_end lag" lines, sorted.
tool_view() { groups_tool --describe --group "$1" 2>/dev/null | awk -v t="$topic" '$2 == t { print $3, $4, $5, $6 }' | sort -n; }
# Ours, the same columns plus lag_ms and the partition's status, from claimctl lag --json.
our_view() { jq -r --arg g "$1" '.groups[] | select(.group == $g) | .partitions[] | "\(.partition) \(.committed) \(.log_end) \(.lag) \(.lag_ms) \(.status)"' "$2" | sort -n; }
lag_json() { "$claimctl" lag -b "$brokers" -t "$topic" --samples "${1:-3}" --interval 500 --json; }
now_ms() { date +%s%3N; }

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
# Records in one transaction, stamped with their event times (2020-2024): each partition
# ends with a commit marker.
written_from=$(now_ms)
"$claimctl" generate --claims 100 --seed 5 2>/dev/null | grep -v '"type":"institution"' |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        --transactional-id "tx-$topic" 2>/dev/null
last0=$(kcat -b "$brokers" -C -t "$topic" -p 0 -e -q -f '%o\n' | tail -1)
last1=$(kcat -b "$brokers" -C -t "$topic" -p 1 -e -q -f '%o\n' | tail -1)
# The first group: 20 records into partition 0; partition 1 read to its last record, the
# marker after it not yet passed. The second group, on the same partitions: partition 0 read
# to its last record, partition 1 at 30.
groups_tool --reset-offsets --group "$group" --topic "$topic:0" --to-offset 20 --execute >/dev/null
groups_tool --reset-offsets --group "$group" --topic "$topic:1" --to-offset $((last1 + 1)) --execute >/dev/null
groups_tool --reset-offsets --group "$second" --topic "$topic:0" --to-offset $((last0 + 1)) --execute >/dev/null
groups_tool --reset-offsets --group "$second" --topic "$topic:1" --to-offset 30 --execute >/dev/null

lag_json >"$work/lag.json"
measured=$(now_ms)
for g in "$group" "$second"; do
    tool_view "$g" >"$work/tool"
    our_view "$g" "$work/lag.json" >"$work/ours"
    while read -r p c e l; do
        read -r op oc oe ol oms ostatus <<<"$(awk -v p="$p" '$1 == p' "$work/ours")"
        [ "$p $c $e" = "$op $oc $oe" ] || fail "$g/$p: tool '$p $c $e', ours '$op $oc $oe'"
        if [ "$c" = "$e" ] || [ "$((e - c))" = 1 ] && [ "$ol" = 0 ]; then
            # Only the commit marker is left: Kafka's tool says 1, it is no lag.
            [ "$ol" = 0 ] && [ "$oms" = 0 ] && [ "$ostatus" = OK ] ||
                fail "$g/$p: only the marker is left: tool lag $l, ours $ol ($oms ms, $ostatus)"
        else
            [ "$l" = "$ol" ] || fail "$g/$p: tool lag $l, ours $ol"
            # Written between written_from and now: its age is at most that, not years.
            [ "$oms" -gt 0 ] && [ "$oms" -le $((measured - written_from + 1000)) ] ||
                fail "$g/$p lags $ol: lag in seconds $oms ms, written $((measured - written_from)) ms ago"
            [ "$ostatus" = STOP ] || fail "$g/$p lags with no member: status $ostatus, not STOP"
        fi
    done <"$work/tool"
done
jq -e --arg g "$group" '.groups[] | select(.group == $g) | .status == "STOP" and .total_lag > 0' "$work/lag.json" >/dev/null ||
    fail "group status: $(jq -c --arg g "$group" '.groups[] | select(.group == $g) | {status, total_lag}' "$work/lag.json")"
echo "ok: two groups behind on the same partitions: offsets as kafka-consumer-groups, a commit marker is not lag, status STOP"
echo "ok: lag in seconds by the wall clock: $(jq -r --arg g "$group" '.groups[] | select(.group == $g) | .max_lag_ms' "$work/lag.json") ms for records stamped 2020-2024"

# A member that consumes but never commits: the offset does not move, the lag stays: STALL.
kcat -b "$brokers" -G "$second" -X enable.auto.commit=false -X isolation.level=read_committed \
    -q "$topic" >/dev/null 2>&1 &
member=$!
stalled() {
    lag_json 3 >"$work/stall.json"
    jq -e --arg g "$second" '.groups[] | select(.group == $g) | .members > 0 and .status == "STALL"' "$work/stall.json" >/dev/null
}
wait_until() { local s=$1 what=$2 started=$SECONDS; shift 2; until "$@"; do [ $((SECONDS - started)) -lt "$s" ] || fail "waited ${s}s for $what"; sleep 0.2; done; echo "waited $((SECONDS - started))s for $what"; }
wait_until 120 "a member that never commits to be judged STALL" stalled
kill "$member"; wait "$member" 2>/dev/null || true; member=
echo "ok: a member that does not move its offset is STALL"

# More records for the stopped group: its lag rises.
before=$(jq --arg g "$group" '.groups[] | select(.group == $g) | .total_lag' "$work/lag.json")
"$claimctl" generate --claims 50 --seed 6 2>/dev/null | grep -v '"type":"institution"' |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        --transactional-id "tx-$topic" 2>/dev/null
after=$(lag_json 1 | jq --arg g "$group" '.groups[] | select(.group == $g) | .total_lag')
[ "$after" -gt "$before" ] || fail "lag did not rise: $before then $after"
echo "ok: lag rises from $before to $after while the group is stopped"

# The group catches up (a read_committed consumer in the group): lag 0 everywhere, OK.
timeout 60 kcat -b "$brokers" -G "$group" -X isolation.level=read_committed \
    -X enable.partition.eof=true -e -q "$topic" >/dev/null
lag_json 2 >"$work/caught.json"
jq -e --arg g "$group" '.groups[] | select(.group == $g) | .status == "OK" and all(.partitions[]; .lag == 0 and .lag_ms == 0)' "$work/caught.json" >/dev/null ||
    fail "after catching up: $(jq -c --arg g "$group" '.groups[] | select(.group == $g)' "$work/caught.json")"
echo "ok: lag returns to 0 and the status to OK when the group catches up"

# The text report: the group's row with its status; the partitions' rows after it.
"$claimctl" lag -b "$brokers" -G "$group" -n 1 >"$work/table"
grep -qE "^$group +OK +" "$work/table" || fail "the table: $(cat "$work/table")"
echo "ok: the table shows the group's status"

# Failures are loud: a cluster that does not answer, an unknown group.
set +e
"$claimctl" lag -b 127.0.0.1:1 --timeout 2000 -n 1 >"$work/out" 2>"$work/err"
status=$?
set -e
[ "$status" = 1 ] && grep -q "the Kafka cluster at 127.0.0.1:1 did not answer" "$work/err" ||
    fail "an unreachable cluster: exit $status, $(grep -v librdkafka "$work/err" | head -3)"
[ ! -s "$work/out" ] || fail "an unreachable cluster printed a table: $(cat "$work/out")"
echo "ok: an unreachable cluster is an error naming it (exit 1)"
"$claimctl" lag -b "$brokers" -G no-such-group-$$ -n 1 >/dev/null 2>&1 && fail "an unknown group was not an error" || true
