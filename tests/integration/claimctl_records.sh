#!/usr/bin/env bash
# claimctl produce / consume against the test broker: every record type of the contract
# produced from JSON Lines and consumed back unchanged; keys and timestamps taken from the
# schemas; a message that is not ours dead-lettered with its position and bytes; a product
# topic refusing a record type it does not carry; --max; -J's envelope; and reading leaves
# no consumer group behind.
#
#   tests/integration/claimctl_records.sh CLAIMCTL DATA_DIR    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
claimctl=$1
data=$2
brokers=${YB_TEST_BROKERS:?}
topic="records-test-$$-$RANDOM"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
groups_list() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" --list 2>/dev/null | sort; }
groups_list >"$work/groups-before"

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 3 --replication-factor 1 --config retention.ms=-1 >/dev/null

# 1. Every record type, produced and consumed back: the same records.
"$claimctl" produce -b "$brokers" --topic "$topic" "$data/records/every-field.jsonl" \
    || fail "produce"
"$claimctl" consume -b "$brokers" --topic "$topic" --from-beginning --end >"$work/out.jsonl" \
    || fail "consume"
diff <(sort "$data/records/every-field.jsonl") <(sort "$work/out.jsonl") \
    || fail "consumed records differ from the produced ones"
echo "ok: $(wc -l <"$work/out.jsonl") records produced and consumed unchanged"

# 2. Keys and timestamps from the schema: the claim keyed by member_id, stamped submitted_at
#    (2024-03-10T17:45:12.250+08:00 = 1710063912250 ms).
kcat -b "$brokers" -C -t "$topic" -e -q -f '%k %T\n' >"$work/keys"
grep -qx 'M-1001 1710063912250' "$work/keys" || fail "claim key/timestamp: $(cat "$work/keys")"
grep -qx 'YK-H-301 [0-9]*' "$work/keys" || fail "institution key"
echo "ok: keys and timestamps from yb.key / yb.time"

# 3. --max stops after N records.
[ "$("$claimctl" consume -b "$brokers" --topic "$topic" --from-beginning --max 2 | wc -l)" = 2 ] \
    || fail "--max 2"
echo "ok: --max"

# 4. Bytes that are not a message of ours: a dead_letter naming topic/partition/offset, the
#    original bytes kept, exit status 1, and the good records still printed.
printf 'hello' | kcat -b "$brokers" -P -t "$topic" -p 0
set +e
"$claimctl" consume -b "$brokers" --topic "$topic" --from-beginning --end \
    >"$work/out2.jsonl" 2>"$work/err2"
rc=$?
set -e
[ "$rc" = 1 ] || fail "consume of a bad message exited $rc"
grep -q "\"type\":\"dead_letter\",\"source\":\"$topic/0/[0-9]*\",\"error\":\"not an Avro single-object message (no C3 01 marker)\",\"payload\":\"hello\"" \
    "$work/out2.jsonl" || fail "no dead_letter: $(cat "$work/out2.jsonl")"
[ "$(grep -c '"type":"claim"' "$work/out2.jsonl")" = 1 ] || fail "good records lost"
echo "ok: undecodable message dead-lettered"

# 5. A product topic takes only its record types: a payment is refused by claims.
set +e
grep '"type":"payment"' "$data/records/every-field.jsonl" |
    "$claimctl" produce -b "$brokers" --topic claims 2>"$work/err3"
rc=$?
set -e
[ "$rc" = 1 ] && grep -q 'stdin:1: topic claims does not carry payment records' "$work/err3" \
    || fail "claims took a payment (rc $rc): $(cat "$work/err3")"
echo "ok: claims refuses a payment"

# 6. -J: each record in kcat -J's envelope, where it was read.
"$claimctl" consume --bootstrap-server "$brokers" -t "$topic" --from-beginning --end -J >"$work/env.jsonl" 2>/dev/null || true
jq -e -s --arg t "$topic" 'length > 0 and all(.[]; .topic == $t and (.partition | type) == "number" and
    (.offset | type) == "number" and (.timestamp_ms | type) == "number" and has("key") and (.record.type | type) == "string")' \
    "$work/env.jsonl" >/dev/null || fail "-J: $(head -c 400 "$work/env.jsonl")"
echo "ok: -J wraps $(wc -l <"$work/env.jsonl") records with topic, partition, offset, timestamp and key"

# 7. All this reading left no consumer group (a group with offsets lags for ever in reports).
#    Other tests run beside this one and make groups of their own: a new group is this test's
#    if it holds offsets of this test's topic.
groups_list >"$work/groups-after"
left=
for group in $(comm -13 "$work/groups-before" "$work/groups-after"); do
    if yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand \
        --bootstrap-server "$brokers" --describe --group "$group" 2>/dev/null | grep -w -- "$topic" >/dev/null; then
        left="$left $group"
    fi
done
[ -z "$left" ] || fail "consume left consumer groups behind:$left"
echo "ok: consuming left no consumer group behind"
