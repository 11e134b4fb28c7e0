#!/usr/bin/env bash
# claimctl reset-offsets on the test broker, against Kafka's kafka-consumer-groups
# --reset-offsets on the same group: the same planned offsets for every kind of target; a dry
# run changes nothing; --execute moves the group; a group with an active member is refused.
#
#   tests/integration/claimctl_reset_offsets.sh CLAIMCTL    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
claimctl=$1
brokers=${YB_TEST_BROKERS:?}
topic="reset-test-$$-$RANDOM"
group="reset-group-$$-$RANDOM"
fail() {
    echo "FAIL: $*" >&2
    groups_tool --describe --group "$group" >&2 2>/dev/null || true
    exit 1
}
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }
committed() { groups_tool --describe --group "$group" 2>/dev/null | awk -v t="$topic" '$2 == t { print $3, $4 }' | sort -n | tr '\n' ' '; }
# Kafka 3.9 prints the dry run's rows without newlines between them: read it as words, four
# to a row (group, topic, partition, new offset) after the header.
kafka_plan() {
    groups_tool --reset-offsets --group "$group" --topic "$topic" "$@" --dry-run 2>/dev/null |
        tr -s ' \n' '\n\n' | awk -v t="$topic" 'seen && $0 == t { getline p; getline o; print p, o } /^NEW-OFFSET$/ { seen = 1 }' |
        sort -n | tr '\n' ' '
}
our_plan() { "$claimctl" reset-offsets -b "$brokers" -G "$group" --topic "$topic" "$@" | awk -v t="$topic" '$2 == t { print $3, $5 }' | sort -n | tr '\n' ' '; }

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
# Without institutions (stamped with the time they are produced), each partition's records
# are in event-time order, so a time lands inside the log.
"$claimctl" generate --claims 100 --seed 9 2>/dev/null | grep -v '"type":"institution"' |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
groups_tool --reset-offsets --group "$group" --topic "$topic" --to-offset 40 --execute >/dev/null
before=$(committed)

# A time inside partition 0: the timestamp of its record at offset 60.
ts=$(kcat -b "$brokers" -C -t "$topic" -p 0 -o 60 -c 1 -q -f '%T')
when="$(date -u -d "@$((ts / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((ts % 1000)))+00:00"

for target in "--to-earliest" "--to-latest" "--to-offset 5" "--shift-by 7" "--shift-by -100" \
              "--to-datetime $when"; do
    # shellcheck disable=SC2086
    theirs=$(kafka_plan $target)
    # shellcheck disable=SC2086
    ours=$(our_plan $target)
    [ -n "$ours" ] && [ "$ours" = "$theirs" ] || fail "$target: kafka-consumer-groups plans '$theirs', ours '$ours'"
    echo "ok: $target plans as kafka-consumer-groups does: $ours"
done
[ "$(committed)" = "$before" ] || fail "a dry run changed the group: $before then $(committed)"
echo "ok: dry runs changed nothing ($before)"

applied=$("$claimctl" reset-offsets -b "$brokers" -G "$group" --topic "$topic" --to-offset 3 --execute 2>&1)
[ "$(committed)" = "0 3 1 3 " ] || fail "--execute: the group is at '$(committed)' after: $applied"
echo "ok: --execute moved the group to $(committed)"

# An active member: refused, and nothing changes.
kcat -b "$brokers" -G "$group" -q "$topic" >/dev/null 2>&1 &
member=$!
trap 'kill $member 2>/dev/null || true' EXIT
for _ in $(seq 1 240); do
    "$claimctl" lag -b "$brokers" -G "$group" --json | jq -e '.groups[0].members > 0' >/dev/null && break
    sleep 0.5
done
if out=$("$claimctl" reset-offsets -b "$brokers" -G "$group" --topic "$topic" --to-earliest --execute 2>&1); then
    fail "an active group was reset: $out"
fi
echo "$out" | grep -q "active member" || fail "no reason given: $out"
echo "ok: refused while the group has an active member"
