#!/usr/bin/env bash
# The streaming services against the offline run, on the real broker and Redis:
#  - the claims arrive before the enrollments and payments they depend on (event time
#    decides, not arrival order);
#  - every scheme settles to the fen as claimctl adjudicate settles the same events, the
#    generated sample (scheme changes, gaps, newborns, stays across New Year, stays sent
#    again) and every worked example of docs/RULES.md alike;
#  - a burst of malformed messages is dead-lettered with reasons while good claims flow;
#  - claimctl replay finds every claim identical, and a second pipeline over the same
#    topics publishes byte-identical settlements.
#
#   tests/integration/pipeline_equivalence.sh BIN_DIR POLICIES_DIR
. "$(dirname "$0")/pipeline_lib.sh"

create_topics
"$claimctl" generate --seed 21 --claims 4000 >"$work/inputs.jsonl" 2>/dev/null
# And every worked example of docs/RULES.md (tests/data/examples), the readings on both
# sides of each rule, through the pipeline as well.
cat "$root"/tests/data/examples/{yingkou-resident,binzhou-resident,chaoyang-resident,yantai-employee,yantai-resident}.jsonl \
    >>"$work/inputs.jsonl"
offline "$work/inputs.jsonl"

# Arrival order against event time: claims first, then what they depend on.
produce claims "$work/inputs.jsonl"
produce payments "$work/inputs.jsonl"
produce enrollments "$work/inputs.jsonl"
produce institutions "$work/inputs.jsonl"
# 300 malformed messages on the claims topic: text, an unknown schema, a payment.
for i in $(seq 1 100); do echo "not a claim $i"; done |
    kcat -P -b "$brokers" -t "$run.claims" -k junk 2>/dev/null
for i in $(seq 1 100); do printf '\xc3\x01\x00\x01\x02\x03\x04\x05\x06\x07garbage%d\n' "$i"; done |
    kcat -P -b "$brokers" -t "$run.claims" -k junk 2>/dev/null
grep -m 100 '"type":"payment"' "$work/inputs.jsonl" >"$work/payments.jsonl"
# claimctl encode frames each message with its length (4 bytes, big-endian); kcat splits
# on a delimiter instead.
"$claimctl" encode <"$work/payments.jsonl" 2>/dev/null |
    perl -e 'binmode STDIN; binmode STDOUT;
             while (read(STDIN, my $h, 4) == 4) { read(STDIN, my $m, unpack("N", $h)); print $m, "|@@|" }' |
    kcat -P -b "$brokers" -t "$run.claims" -k junk -D '|@@|' 2>/dev/null
messages=$(kcat -C -b "$brokers" -t "$run.claims" -e -f '.\n' 2>/dev/null | wc -l)

write_props enroll
write_props adjudicate
start enrollment-svc enroll enrollment
start adjudicator adjudicate adjudicator
adj_port=$(http_port adjudicator)
wait_settled "$(wc -l <"$work/offline.jsonl")" 120
check_exactly_once

# Every scheme to the fen: settled and rejected counts, and each fund's total.
for scheme in yingkou-resident binzhou-resident chaoyang-resident yantai-employee yantai-resident; do
    sum='[.[] | select(.scheme == $s and .duplicate == false)] |
         "\(map(select(.status == "settled")) | length) settled, \(map(select(.status == "rejected")) | length) rejected, fund \(map(.fund_pay_fen) | add // 0) fen, 大病 \(map(.critical_illness_pay_fen) | add // 0), account \(map(.personal_account_pay_fen) | add // 0), cash \(map(.cash_pay_fen) | add // 0)"'
    streamed=$(jq -rs --arg s "$scheme" "$sum" "$work/published.jsonl")
    expected=$(jq -rs --arg s "$scheme" "$sum" "$work/offline.jsonl")
    [ "$streamed" = "$expected" ] || fail "$scheme: streamed [$streamed], offline [$expected]"
    case $streamed in "0 settled"*) fail "$scheme: nothing settled, a test of nothing" ;; esac
    echo "ok: $scheme: $streamed (as offline)"
done

# The malformed burst: every message dead-lettered with its reason, none lost.
consume dead-letters >"$work/dead.jsonl"
dead=$(jq -r 'select(.source | startswith("'"$run"'.claims/")) | .source' "$work/dead.jsonl" | wc -l)
settled=$(wc -l <"$work/published.jsonl")
[ $((settled + dead)) -eq "$messages" ] ||
    fail "$messages messages on the claims topic, $settled settled + $dead dead-lettered"
text=$(jq -r 'select(.payload | type == "string" and startswith("not a claim"))' "$work/dead.jsonl" | grep -c '"error"' || true)
payments=$(grep -c 'a payment record on the claims topic' "$work/dead.jsonl" || true)
[ "$text" = 100 ] && [ "$payments" = 100 ] && [ "$dead" -ge 300 ] ||
    fail "dead letters: $text text, $payments payments, $dead in all (300 malformed sent)"
jq -e -s 'all(.[]; (.error | length) > 0 and (.payload != null or .payload_base64 != null) and (.source | length) > 0)' \
    "$work/dead.jsonl" >/dev/null || fail "a dead letter without its reason, source or payload"
echo "ok: $messages messages on the claims topic: $settled settled, $dead dead-lettered with reasons (the 300 malformed among them), none lost"
[ "$(metric "$adj_port" yb_dead_lettered_total)" = "$dead" ] ||
    fail "/metrics says $(metric "$adj_port" yb_dead_lettered_total) dead-lettered, the topic $dead"

# The audit replay: every claim identical to its recorded settlement.
"$claimctl" replay -b "$brokers" --topic-prefix "$run" --policies "$policies" \
    --json >"$work/replay.json" 2>/dev/null || fail "claimctl replay"
read -r compared identical missing <<<"$(jq -r '"\(.compared) \(.identical) \(.missing)"' "$work/replay.json")"
[ "$compared" -gt 3000 ] && [ "$identical" = "$compared" ] && [ "$missing" = 0 ] ||
    fail "replay: compared $compared, identical $identical, missing $missing"
echo "ok: claimctl replay: $compared claims identical to their recorded settlements"

# A second pipeline (own groups, own Redis keys) over the same topics: the same bytes.
kafka_tool() {
    . "$root/deploy/lib/common.sh"
    yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" "$@"
}
(kafka_tool --create --topic "$run.settlements-again" --partitions 6 --replication-factor 1 >/dev/null)
write_props enroll2 "redis.prefix=$run:again:"
write_props adjudicate2 "redis.prefix=$run:again:" "topic.settlements=$run.settlements-again"
start enrollment-svc enroll2 enrollment2
start adjudicator adjudicate2 adjudicator2
for _ in $(seq 1 240); do
    [ "$(consume settlements-again | wc -l)" -ge "$(wc -l <"$work/published.jsonl")" ] && break
    kill -0 "$last_pid" 2>/dev/null || fail "the second adjudicator stopped"
    sleep 0.5
done
for p in 0 1 2 3 4 5; do
    a=$(kcat -C -b "$brokers" -t "$run.settlements" -p "$p" -e -X isolation.level=read_committed -f '%k %s\n' 2>/dev/null | md5sum)
    b=$(kcat -C -b "$brokers" -t "$run.settlements-again" -p "$p" -e -X isolation.level=read_committed -f '%k %s\n' 2>/dev/null | md5sum)
    [ "$a" = "$b" ] || fail "partition $p: the second pipeline's settlements differ in bytes or order"
done
echo "ok: a second pipeline over the same topics published byte-identical settlements, partition by partition"
