#!/usr/bin/env bash
# Real-life disorder in one stream, on the real broker and Redis, with every service
# running (enrollment-svc, two adjudicator instances, fraud-svc):
#  - claims arrive before the enrollments and payments they depend on (those come minutes
#    of event time late, after the first claims were settled), and one member's claims
#    arrive out of submitted_at order;
#  - 70 KB and 1 MB of garbage on the claims and on the enrollments topic;
#  - a claim keyed by another member; a claim_id reused by another member in a later batch;
#  - a kill -9 of one adjudicator instance mid-stream, restarted at once.
# Then: every message answered exactly once (a settlement or a dead letter), no claim paid
# twice, the garbage kept (truncated with length and SHA-256 where too large), claimctl
# replay --audit finds every settlement identical, claimctl adjudicate over the export of
# the topics gives the same answers, the stall after the kill is under 5 s and the other
# instance kept its partitions, and no service stopped on input.
#
#   tests/integration/pipeline_disorder.sh BIN_DIR POLICIES_DIR
. "$(dirname "$0")/pipeline_lib.sh"

create_topics
"$claimctl" generate --seed 41 --claims 6000 >"$work/inputs.jsonl" 2>/dev/null
grep -E '"type":"(claim|reversal)"' "$work/inputs.jsonl" >"$work/claims.jsonl"
total=$(wc -l <"$work/claims.jsonl")
# Out of submitted_at order: each block of 40 claims arrives back to front, so a member's
# claims of a block come latest first.
awk '{ block[NR % 40] = $0 } NR % 40 == 0 { for (i = 39; i >= 0; i--) print block[i]; delete block }
     END { n = NR % 40; for (i = n; i >= 1; i--) print block[i] }' "$work/claims.jsonl" >"$work/disordered.jsonl"
head -n $((total / 3)) "$work/disordered.jsonl" >"$work/early.jsonl"
tail -n +$((total / 3 + 1)) "$work/disordered.jsonl" >"$work/late.jsonl"
[ "$(wc -l <"$work/disordered.jsonl")" = "$total" ] || fail "the disordered claims lost lines"

# raw TOPIC KEY FILE: FILE's bytes as one message.
raw() {
    { cat "$3"; printf '|@@|'; } | kcat -P -b "$brokers" -t "$run.$1" -k "$2" -D '|@@|' \
        -X message.max.bytes=1048576 2>>"$work/kcat.log" || fail "producing raw bytes to $1"
}
# Random bytes without the delimiter (head closing the pipe early is not a failure).
(head -c 300000 /dev/urandom | tr -d '|' | head -c 70000 >"$work/garbage-70k") || true
(head -c 2000000 /dev/urandom | tr -d '|' | head -c 1040000 >"$work/garbage-1m") || true
[ "$(wc -c <"$work/garbage-70k")" = 70000 ] && [ "$(wc -c <"$work/garbage-1m")" = 1040000 ] ||
    fail "could not make the garbage"

write_props enroll
write_props adjudicate "batch.max=300"
write_props fraud "batch.max=500"
start enrollment-svc enroll enrollment
enroll_pid=$last_pid
start adjudicator adjudicate adjudicator-a -X instance.id=a
a_pid=$last_pid
start adjudicator adjudicate adjudicator-b -X instance.id=b
b_pid=$last_pid
start fraud-svc fraud fraud
fraud_pid=$last_pid
port_b=$(http_port adjudicator-b)

# 1. Institutions, then a third of the claims before any enrollment or payment, and the
#    garbage on both topics.
produce institutions "$work/inputs.jsonl"
produce claims "$work/early.jsonl"
raw claims garbage "$work/garbage-70k"
raw claims garbage "$work/garbage-1m"
raw enrollments garbage "$work/garbage-70k"
raw enrollments garbage "$work/garbage-1m"
# A claim keyed by another member: its co-partitioning is broken.
# first_record FILTER FILE: the first record of FILE that FILTER selects, compact. (The sample
# has malformed lines on purpose: each line is parsed on its own.)
first_record() {
    jq -R -c "fromjson? | $1" "$2" >"$work/selected.jsonl"
    sed -n 1p "$work/selected.jsonl"
}
other=$(first_record 'select(.type == "enrollment")' "$work/inputs.jsonl" | jq -r .member_id)
first_record 'select(.type == "claim" and .member_id != "'"$other"'") | .claim_id = "WRONG-KEY-1"' \
    "$work/late.jsonl" >"$work/wrong-key.jsonl"
"$claimctl" encode <"$work/wrong-key.jsonl" 2>/dev/null |
    perl -e 'binmode STDIN; read(STDIN, my $h, 4); read(STDIN, my $m, unpack("N", $h)); binmode STDOUT; print $m' \
        >"$work/wrong-key.avro"
raw claims "$other" "$work/wrong-key.avro"
claims_messages() {
    kcat -C -b "$brokers" -t "$run.claims" -e -f '.\n' -X fetch.message.max.bytes=2000000 2>/dev/null | wc -l
}
early_messages=$(claims_messages)
settled_or_dead() {
    local s d
    s=$(consume settlements | wc -l)
    d=$(consume dead-letters | jq -r 'select(.source | startswith("'"$run"'.claims/"))' | jq -s length)
    [ $((s + d)) -ge "$1" ]
}
wait_until 180 "the early claims to be answered before any enrollment" settled_or_dead "$early_messages"
not_enrolled=$(consume settlements | jq -r 'select(.reasons | index("NOT_ENROLLED")) | .claim_id' | wc -l)
[ "$not_enrolled" -gt 100 ] || fail "only $not_enrolled claims NOT_ENROLLED before the enrollments: no disorder"
echo "ok: $not_enrolled of the early claims answered NOT_ENROLLED: their enrollments had not arrived"

# 2. The enrollments and payments arrive late; the rest of the claims stream in, and one
#    adjudicator instance is killed (-9) and restarted at once while they do.
produce enrollments "$work/inputs.jsonl"
produce payments "$work/inputs.jsonl"
port_a=$(http_port adjudicator-a)
a_early=$(metric "$port_a" yb_consumed_total)
"$claimctl" produce -b "$brokers" --topic "$run.claims" --select --skip-invalid --rate 600 \
    "$work/late.jsonl" >/dev/null 2>>"$work/produce.log" &
feeder=$!
consumed_some() { [ "$(metric "$port_a" yb_consumed_total || echo 0)" -ge $((a_early + 200)) ]; }
wait_until 120 "instance a to consume 200 of the late claims" consumed_some
revoked_before=$(grep -c '"partitions_revoked"' "$work/adjudicator-b.log" || true)
kill -9 "$a_pid"
killed_ms=$(now_ms)
wait "$a_pid" 2>/dev/null || true
start adjudicator adjudicate adjudicator-a2 -X instance.id=a
a_pid=$last_pid
port_a=$(http_port adjudicator-a2)
committed() { [ "$(metric "$port_a" yb_batches_total || echo 0)" -ge 1 ]; }
wait_until 60 "the restarted instance a to commit a batch" committed
stall_ms=$(($(now_ms) - killed_ms))
echo "ok: kill -9 of instance a mid-stream; settling again ${stall_ms} ms after the kill"
[ "$stall_ms" -lt 5000 ] || fail "settlement stalled ${stall_ms} ms after kill -9 (the target is under 5 s)"
wait "$feeder" || fail "producing the late claims"

# 3. A claim_id another member settled, reused by a third member in a later batch.
consume settlements >"$work/so-far.jsonl"
read -r reused owner <<<"$(first_record 'select(.duplicate == false and .status == "settled")' \
    "$work/so-far.jsonl" | jq -r '"\(.claim_id) \(.member_id)"')"
thief=$(first_record 'select(.type == "enrollment" and .member_id != "'"$owner"'")' "$work/inputs.jsonl" |
    jq -r .member_id)
first_record 'select(.type == "claim" and .claim_id == "'"$reused"'") | .member_id = "'"$thief"'"' \
    "$work/claims.jsonl" >"$work/reused.jsonl"
[ -s "$work/reused.jsonl" ] || fail "no claim $reused to reuse"
produce claims "$work/reused.jsonl"

messages=$(claims_messages)
wait_until 300 "every one of the $messages claims-topic messages to be answered" settled_or_dead "$messages"

# Every message answered exactly once: as many answers as messages, no position twice.
consume settlements >"$work/settlements.jsonl"
consume dead-letters >"$work/dead.jsonl"
settled=$(wc -l <"$work/settlements.jsonl")
dead_claims=$(jq -r 'select(.source | startswith("'"$run"'.claims/")) | .source' "$work/dead.jsonl" | sort | uniq | wc -l)
all_dead_claims=$(jq -r 'select(.source | startswith("'"$run"'.claims/")) | .source' "$work/dead.jsonl" | wc -l)
[ "$dead_claims" = "$all_dead_claims" ] || fail "a claims-topic message dead-lettered twice"
[ $((settled + dead_claims)) = "$messages" ] ||
    fail "$messages messages, $settled settlements + $dead_claims dead letters"
twice=$(jq -r 'select(.duplicate == false) | "\(.judged_on.partition)/\(.judged_on.offset)"' "$work/settlements.jsonl" | sort | uniq -d | wc -l)
[ "$twice" = 0 ] || fail "$twice claims-topic positions answered twice"
echo "ok: $messages claims-topic messages: $settled settlements + $dead_claims dead letters, each once"

# No claim paid twice.
paid_twice=$(jq -r 'select(.duplicate == false and .status == "settled") | .claim_id' "$work/settlements.jsonl" | sort | uniq -d | wc -l)
[ "$paid_twice" = 0 ] || fail "$paid_twice claims paid twice"
echo "ok: no claim paid twice"

# The garbage: kept, whole at 70 KB, truncated with its length and SHA-256 at 1 MB.
for topic in claims enrollments; do
    whole=$(jq -r 'select(.source | startswith("'"$run.$topic"'/")) | select(.payload_length == null) |
                   (.payload // .payload_base64) | length' "$work/dead.jsonl" | sort -n | tail -n 1)
    [ "${whole:-0}" -ge 70000 ] || fail "$topic: the 70 KB garbage is not kept whole (longest payload ${whole:-none})"
    sha=$(jq -r 'select(.source | startswith("'"$run.$topic"'/")) | select(.payload_length == 1040000) | .payload_sha256' "$work/dead.jsonl")
    [ "$sha" = "$(sha256sum <"$work/garbage-1m" | cut -d' ' -f1)" ] ||
        fail "$topic: the 1 MB garbage is not kept with its length and SHA-256 ('$sha')"
done
echo "ok: the 70 KB garbage dead-lettered whole, the 1 MB garbage truncated with its length and SHA-256, on claims and on enrollments"
grep -q "Kafka key '$other' is not the member_id" "$work/dead.jsonl" ||
    fail "the claim keyed by another member was not dead-lettered with both named"
echo "ok: the claim keyed by another member dead-lettered, naming the key and the member_id"
conflict=$(jq -c 'select(.claim_id == "'"$reused"'" and .member_id == "'"$thief"'")' "$work/settlements.jsonl")
echo "$conflict" | jq -e '.status == "rejected" and (.reasons | index("CONFLICTING_DUPLICATE")) and .fund_pay_fen == 0' >/dev/null ||
    fail "the claim_id reused by another member: $conflict"
echo "ok: claim_id $reused, $owner's, reused by $thief: refused CONFLICTING_DUPLICATE, nothing paid"

# The audit: every settlement reproduced as recorded, whatever order its inputs arrived in.
"$claimctl" replay -b "$brokers" --topic-prefix "$run" --policies "$policies" \
    --json >"$work/audit.json" 2>"$work/audit.out" || fail "claimctl replay: $(tail -n 3 "$work/audit.out")"
read -r compared identical missing <<<"$(jq -r '"\(.compared) \(.identical) \(.missing)"' "$work/audit.json")"
[ "$compared" -gt 5000 ] && [ "$identical" = "$compared" ] && [ "$missing" = 0 ] ||
    fail "replay --audit: compared $compared, identical $identical, missing $missing: $(grep differs "$work/audit.out" | head -n 3)"
echo "ok: claimctl replay --audit: $compared settlements identical to the recorded ones"
"$claimctl" replay -b "$brokers" --topic-prefix "$run" --policies "$policies" --as-of-now \
    --json >"$work/now.json" 2>"$work/now.out" || fail "claimctl replay --as-of-now"
late_enrolled=$(jq '[.differences[] | select(.recorded.reasons | index("NOT_ENROLLED"))] | length' "$work/now.json")
[ "$late_enrolled" -gt 0 ] || fail "replay --as-of-now lists no claim refused NOT_ENROLLED before its enrollment"
echo "ok: claimctl replay --as-of-now: $(jq .differing "$work/now.json") claims would be answered differently now, $late_enrolled of them refused NOT_ENROLLED before their enrollments came"

# Offline: the topics exported in the order they were judged, adjudicated by claimctl.
"$claimctl" replay -b "$brokers" --topic-prefix "$run" --export "$work/export.jsonl" >/dev/null 2>&1 ||
    fail "claimctl replay --export"
"$claimctl" adjudicate --no-fraud --policies "$policies" "$work/export.jsonl" 2>/dev/null |
    grep '"type":"settlement"' | answers | LC_ALL=C sort >"$work/offline-export.jsonl"
answers <"$work/settlements.jsonl" | LC_ALL=C sort >"$work/published.jsonl"
cmp -s "$work/published.jsonl" "$work/offline-export.jsonl" ||
    fail "claimctl adjudicate over the export differs: $(diff "$work/published.jsonl" "$work/offline-export.jsonl" | head -c 600)"
echo "ok: claimctl adjudicate over the exported topics gives the pipeline's $settled answers"

# The other instance kept its partitions through the kill; no service stopped on input.
revoked_after=$(grep -c '"partitions_revoked"' "$work/adjudicator-b.log" || true)
[ "$revoked_after" = "$revoked_before" ] || fail "instance b lost its partitions when a was killed"
echo "ok: instance b kept its partitions when a was killed and restarted (static membership)"
for p in "$enroll_pid" "$a_pid" "$b_pid" "$fraud_pid"; do
    kill -0 "$p" 2>/dev/null || fail "a service stopped (pid $p)"
done
fraud_caught_up() {
    local behind
    behind=$("$claimctl" lag -b "$brokers" --group "$run-fraud" --samples 1 --json 2>/dev/null |
        jq '[.groups[].partitions[]] | if length < 12 then 1 else (map(.lag) | add) end' || echo 1)
    [ "$behind" = 0 ]
}
wait_until 180 "fraud-svc to consume every claim and settlement, garbage included" fraud_caught_up
echo "ok: enrollment-svc, both adjudicator instances and fraud-svc are running: no input stopped them"
