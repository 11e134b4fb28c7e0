#!/usr/bin/env bash
# claimctl reset-offsets on the test broker, against Kafka's kafka-consumer-groups
# --reset-offsets on the same group: the same plans for every kind of target, for two
# --topic options, a TOPIC:P partition list and --all-topics; the same --export CSV; a plan
# Kafka's tool exported read back with --from-file; a dry run (explicit or not) changes
# nothing; --execute moves the group; a group with an active member is refused; a wrong
# command line exits 2.
#
#   tests/integration/claimctl_reset_offsets.sh CLAIMCTL    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
claimctl=$1
brokers=${YB_TEST_BROKERS:?}
topic="reset-test-$$-$RANDOM"
topic2="reset-test2-$$-$RANDOM"
group="reset-group-$$-$RANDOM"
group2="reset-group2-$$-$RANDOM"
work=$(mktemp -d)
member=
cleanup() {
    [ -z "$member" ] || kill "$member" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    groups_tool --describe --group "$group" >&2 2>/dev/null || true
    exit 1
}
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }
ours() { "$claimctl" reset-offsets --bootstrap-server "$brokers" "$@"; }
# committed GROUP: its committed offsets as "topic partition offset" lines, sorted.
committed() { groups_tool --describe --group "$1" 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $2, $3, $4 }' | sort; }
# kafka_plan GROUP ARGS...: Kafka's dry run as "topic partition new-offset" lines, sorted.
# Kafka 3.9 prints the rows without newlines between them: read it as words, four to a row
# (group, topic, partition, new offset) after the header.
kafka_plan() {
    local g=$1
    shift
    groups_tool --reset-offsets --group "$g" "$@" --dry-run 2>/dev/null | tr -s ' \n' '\n\n' |
        awk -v g="$g" 'seen && $0 == g { getline t; getline p; getline o; print t, p, o } /^NEW-OFFSET$/ { seen = 1 }' |
        sort
}
# our_plan GROUP ARGS...: ours, the same columns.
our_plan() {
    local g=$1
    shift
    ours -G "$g" "$@" | awk -v g="$g" '$1 == g { print $2, $3, $5 }' | sort
}
# same_plan WHAT GROUP ARGS...: our plan is Kafka's, and not empty.
same_plan() {
    local what=$1 theirs mine
    shift
    theirs=$(kafka_plan "$@")
    mine=$(our_plan "$@")
    [ -n "$mine" ] && [ "$mine" = "$theirs" ] ||
        fail "$what: kafka-consumer-groups plans '$(echo $theirs)', ours '$(echo $mine)'"
    echo "ok: $what plans as kafka-consumer-groups does: $(echo $mine)"
}

for t in "$topic:2" "$topic2:3"; do
    yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
        --topic "${t%:*}" --partitions "${t##*:}" --replication-factor 1 --config retention.ms=-1 >/dev/null
done
# Without institutions (stamped with the time they are produced), each partition's records
# are in event-time order, so a time lands inside the log.
"$claimctl" generate --claims 100 --seed 9 2>/dev/null | grep -v '"type":"institution"' |
    "$claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
"$claimctl" generate --claims 30 --seed 10 2>/dev/null | grep -v '"type":"institution"' |
    "$claimctl" produce -b "$brokers" --topic "$topic2" --select --skip-invalid 2>/dev/null
# group: both partitions of topic at 40, nothing of topic2. group2: topic's partition 0 only,
# and every partition of topic2.
groups_tool --reset-offsets --group "$group" --topic "$topic" --to-offset 40 --execute >/dev/null
groups_tool --reset-offsets --group "$group2" --topic "$topic:0" --topic "$topic2" --to-offset 10 --execute >/dev/null
before=$(committed "$group")
before2=$(committed "$group2")

# A time inside partition 0: the timestamp of its record at offset 60, with an offset and,
# as Kafka's tool documents it, without one (UTC).
ts=$(kcat -b "$brokers" -C -t "$topic" -p 0 -o 60 -c 1 -q -f '%T')
when="$(date -u -d "@$((ts / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((ts % 1000)))+00:00"
# The same record by duration: now minus it is 59:59 before the record. The records are
# stamped on whole minutes, so the second or so between our run and Kafka's crosses none.
ago=$(($(date +%s) - ts / 1000 + 3599))
duration="P$((ago / 86400))DT$((ago % 86400 / 3600))H$((ago % 3600 / 60))M$((ago % 60))S"

for target in "--to-earliest" "--to-latest" "--to-current" "--to-offset 5" "--shift-by 7" \
              "--shift-by -100" "--to-datetime $when" "--to-datetime ${when%+00:00}"; do
    # shellcheck disable=SC2086
    same_plan "$target" "$group" --topic "$topic" $target
done
same_plan "--by-duration $duration" "$group" --topic "$topic" --by-duration "$duration"
same_plan "two --topic, --to-current (topic2 not committed: its end)" "$group" \
    --topic "$topic" --topic "$topic2" --to-current
same_plan "--topic $topic:0" "$group" --topic "$topic:0" --to-offset 5
same_plan "--topic $topic2:0,2" "$group" --topic "$topic2:0,2" --to-latest
same_plan "--all-topics" "$group2" --all-topics --to-earliest
# --all-topics is the committed partitions, not every partition of their topics.
our_plan "$group2" --all-topics --to-earliest | grep -q "^$topic 1 " &&
    fail "--all-topics planned $topic [1], which $group2 never committed"
same_plan "--all-topics --shift-by 2" "$group2" --all-topics --shift-by 2

# --shift-by where the group has no committed offset: Kafka's tool refuses, so do we.
if out=$(ours -G "$group" --topic "$topic2" --shift-by 1 2>&1); then
    fail "--shift-by of partitions never committed was planned: $out"
fi
echo "$out" | grep -q "no committed offset" || fail "no reason given: $out"
echo "ok: --shift-by of partitions never committed is refused: $out"

# An explicit --dry-run is the same plan, and like every dry run above changes nothing.
same_plan "--dry-run --to-earliest" "$group" --topic "$topic" --to-earliest --dry-run
[ "$(committed "$group")" = "$before" ] && [ "$(committed "$group2")" = "$before2" ] ||
    fail "a dry run changed the groups: $before / $before2 then $(committed "$group") / $(committed "$group2")"
echo "ok: dry runs changed nothing"

# --export: Kafka's CSV, byte for byte once both are sorted (Kafka's tool prints a hash
# map's order, ours is by topic and partition) and the empty line Kafka's tool ends with (a
# println after the last line) is dropped. Offset 50 is inside topic's partitions and past
# the end of some of topic2's (it has about 100 records over 3 partitions), so the lines
# cover an offset kept within the log too.
for scope in "--topic $topic --topic $topic2" "--all-topics"; do
    for g in "$group" "$group2"; do
        [ "$scope" = "--all-topics" ] && [ "$g" = "$group" ] && continue
        # shellcheck disable=SC2086
        groups_tool --reset-offsets --group "$g" $scope --to-offset 50 --export --dry-run 2>/dev/null >"$work/kafka.csv"
        grep -v '^$' "$work/kafka.csv" | LC_ALL=C sort >"$work/theirs.csv"
        # shellcheck disable=SC2086
        ours -G "$g" $scope --to-offset 50 --export 2>/dev/null | LC_ALL=C sort >"$work/ours.csv"
        [ -s "$work/ours.csv" ] && cmp -s "$work/ours.csv" "$work/theirs.csv" ||
            fail "--export $scope: kafka-consumer-groups '$(cat "$work/theirs.csv")', ours '$(cat "$work/ours.csv")'"
        echo "ok: --export $scope is kafka-consumer-groups' CSV: $(tr '\n' ' ' <"$work/ours.csv")"
    done
done

# --from-file: a plan Kafka's tool exported (as it wrote it), planned as Kafka's tool plans it.
groups_tool --reset-offsets --group "$group2" --topic "$topic" --topic "$topic2:1" --to-offset 25 \
    --export --dry-run 2>/dev/null >"$work/plan.csv"
same_plan "--from-file (Kafka's export)" "$group2" --from-file "$work/plan.csv"
# The same with a line added by hand asking for an offset past the log end: kept within it.
{ grep -v '^$' "$work/plan.csv"; echo "$topic2,0,999999"; } >"$work/edited.csv"
same_plan "--from-file (an offset past the end)" "$group2" --from-file "$work/edited.csv"

# --execute, with -t for --topic and -b for --bootstrap-server: the group moves.
applied=$("$claimctl" reset-offsets -b "$brokers" -G "$group" -t "$topic" --to-offset 3 --execute 2>&1)
[ "$(committed "$group" | tr '\n' ' ')" = "$topic 0 3 $topic 1 3 " ] ||
    fail "--execute: the group is at '$(committed "$group")' after: $applied"
echo "ok: --execute moved the group to $(committed "$group" | tr '\n' ' ')"
planned=$(kafka_plan "$group2" --from-file "$work/plan.csv")
applied=$(ours -G "$group2" --from-file "$work/plan.csv" --execute 2>&1)
[ "$(committed "$group2" | grep -c "^$topic2 [02] 10$")" = 2 ] &&
    [ -z "$(comm -23 <(echo "$planned") <(committed "$group2"))" ] ||
    fail "--from-file --execute: the group is at '$(committed "$group2")' after: $applied"
echo "ok: --from-file --execute moved the group to $(committed "$group2" | tr '\n' ' ')"

# A wrong command line: exit 2, with the reason, before asking the cluster anything.
while IFS='|' read -r args reason; do
    # shellcheck disable=SC2086
    if out=$(ours -G "$group" $args 2>&1); then rc=0; else rc=$?; fi
    [ "$rc" = 2 ] && echo "$out" | grep -q -- "$reason" ||
        fail "'$args': exit $rc (not 2) or no '$reason' in: $out"
done <<EOF
--topic $topic --to-earliest --dry-run --execute|not both
--topic $topic --to-earliest --to-latest|exactly one target
--to-earliest|--topic TOPIC
--topic $topic --all-topics --to-earliest|not both
--from-file $work/plan.csv --topic $topic|no --topic
--topic $topic --by-duration P1W|ISO-8601 duration
--topic $topic:x --to-earliest|not a partition
--topic $topic --to-datetime 2024-03-01|not a time
EOF
echo "ok: wrong command lines exit 2 with the reason"

# An active member: refused, and nothing changes.
kcat -b "$brokers" -G "$group" -q "$topic" >/dev/null 2>&1 &
member=$!
for _ in $(seq 1 240); do
    "$claimctl" lag -b "$brokers" -G "$group" --samples 1 --json | jq -e '.groups[0].members > 0' >/dev/null && break
    sleep 0.5
done
if out=$(ours -G "$group" --topic "$topic" --to-earliest --execute 2>&1); then
    fail "an active group was reset: $out"
fi
echo "$out" | grep -q "active member" || fail "no reason given: $out"
echo "ok: refused while the group has an active member"
