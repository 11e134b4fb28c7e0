#!/usr/bin/env bash
# claimctl lag on the test broker, against Kafka's own kafka-consumer-groups tool on the same
# group: the same committed offsets and log ends; the same lag where records are waiting;
# 0 where only a transaction's commit marker is left (Kafka's tool counts it as 1); lag that
# rises when records arrive for a stopped consumer and returns to 0 when it catches up.
#
#   tests/integration/claimctl_lag.sh CLAIMCTL    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
claimctl=$1
brokers=${YB_TEST_BROKERS:?}
topic="lag-test-$$-$RANDOM"
group="lag-group-$$-$RANDOM"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }
# The tool's describe as "partition committed log_end lag" lines, sorted.
tool_view() { groups_tool --describe --group "$group" 2>/dev/null | awk -v t="$topic" '$2 == t { print $3, $4, $5, $6 }' | sort -n; }
# Ours, the same columns plus lag_ms.
our_view() { "$claimctl" lag -b "$brokers" -G "$group" --json | jq -r '.groups[0].partitions[] | "\(.partition) \(.committed) \(.log_end) \(.lag) \(.lag_ms)"' | sort -n; }

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
# Records in one transaction: each partition ends with a commit marker.
"$claimctl" generate --claims 100 --seed 5 2>/dev/null |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        --transactional-id "tx-$topic" 2>/dev/null
last1=$(kcat -b "$brokers" -C -t "$topic" -p 1 -e -q -f '%o\n' | tail -1)
# The group: 20 records into partition 0; partition 1 read to its last record, the marker
# after it not yet passed.
groups_tool --reset-offsets --group "$group" --topic "$topic:0" --to-offset 20 --execute >/dev/null
groups_tool --reset-offsets --group "$group" --topic "$topic:1" --to-offset $((last1 + 1)) --execute >/dev/null

tool_view >"$work/tool"
our_view >"$work/ours"
cat "$work/tool" "$work/ours"
read -r p c e l <<<"$(sed -n 1p "$work/tool")"
read -r op oc oe ol oms <<<"$(sed -n 1p "$work/ours")"
[ "$p $c $e $l" = "$op $oc $oe $ol" ] || fail "partition 0: tool '$p $c $e $l', ours '$op $oc $oe $ol'"
[ "$oms" -gt 0 ] || fail "partition 0 lags but its lag in seconds is $oms ms"
read -r p c e l <<<"$(sed -n 2p "$work/tool")"
read -r op oc oe ol oms <<<"$(sed -n 2p "$work/ours")"
[ "$p $c $e" = "$op $oc $oe" ] || fail "partition 1: tool '$p $c $e', ours '$op $oc $oe'"
[ "$l" = 1 ] && [ "$ol" = 0 ] && [ "$oms" = 0 ] || fail "partition 1: only the marker is left: tool lag $l, ours $ol ($oms ms)"
echo "ok: the same offsets as kafka-consumer-groups; a commit marker is not lag"

# More records for the stopped group: its lag rises.
"$claimctl" generate --claims 50 --seed 6 2>/dev/null |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        --transactional-id "tx-$topic" 2>/dev/null
our_view >"$work/later"
before=$(awk '{ s += $4 } END { print s }' "$work/ours")
after=$(awk '{ s += $4 } END { print s }' "$work/later")
[ "$after" -gt "$before" ] || fail "lag did not rise: $before then $after"
echo "ok: lag rises from $before to $after while the group is stopped"

# The group catches up (a read_committed consumer in the group): lag 0 everywhere.
timeout 60 kcat -b "$brokers" -G "$group" -X isolation.level=read_committed \
    -X enable.partition.eof=true -e -q "$topic" >/dev/null
our_view >"$work/caught"
awk '$4 != 0 || $5 != 0 { bad = 1 } END { exit bad }' "$work/caught" ||
    fail "lag after catching up: $(cat "$work/caught")"
echo "ok: lag returns to 0 when the group catches up"
"$claimctl" lag -b "$brokers" -G no-such-group-$$ >/dev/null 2>&1 && fail "an unknown group was not an error" || true
