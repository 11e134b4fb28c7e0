#!/usr/bin/env bash
# lag-exporter on the test broker:
#  - /metrics passes `promtool check metrics`, carries the lag claimctl lag measures under
#    kafka-lag-exporter's names, each partition's end once (not once per group reading it),
#    lag in seconds by the wall clock, and Burrow's status per group as a label;
#  - /api/status (the page's data) stays small;
#  - when the cluster stops answering (the broker frozen with SIGSTOP), /healthz is 503,
#    yb_lag_exporter_up 0 and the scrape errors count, while the lag series stay as last
#    measured; when it answers again, all is well again;
#  - the Grafana dashboards ask only for metrics that are served;
#  - SIGTERM stops it at once with status 0; a bad key stops it at start, naming the key.
#
#   tests/integration/lag_exporter.sh BIN_DIR DEPLOY_DIR    (env YB_TEST_BROKERS,
#   YB_TEST_RUN_DIR: the servers' run directory, for the broker's pid)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
bin=$1 deploy=$2
brokers=${YB_TEST_BROKERS:?}
broker_pid=$(cat "${YB_TEST_RUN_DIR:?}/kafka/kafka.pid")
topic="exporter-test-$$-$RANDOM"
group="exporter-group-$$-$RANDOM"
other="exporter-other-$$-$RANDOM"
work=$(mktemp -d)
exporter=
cleanup() {
    kill -CONT "$broker_pid" 2>/dev/null || true
    [ -n "$exporter" ] && kill "$exporter" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/exporter.log" >&2 2>/dev/null || true; exit 1; }
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }
wait_until() {
    local s=$1 what=$2 started=$SECONDS
    shift 2
    until "$@"; do [ $((SECONDS - started)) -lt "$s" ] || fail "waited ${s}s for $what"; sleep 0.2; done
    echo "waited $((SECONDS - started))s for $what"
}
command -v promtool >/dev/null || fail "promtool is not installed (deploy/setup installs the prometheus package)"

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
"$bin/claimctl" generate --claims 50 --seed 2 2>/dev/null | grep -v '"type":"institution"' |
    "$bin/claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
# Two groups behind on the same partitions.
groups_tool --reset-offsets --group "$group" --topic "$topic" --to-offset 10 --execute >/dev/null
groups_tool --reset-offsets --group "$other" --topic "$topic" --to-offset 20 --execute >/dev/null

"$bin/lag-exporter" -X kafka.bootstrap.servers="$brokers" -X http.listen=127.0.0.1:0 \
    -X poll.interval.ms=500 -X request.timeout.ms=1500 -X status.throughput.topic="$topic" \
    -X status.dead_letters.topic="$topic" 2>"$work/exporter.log" &
exporter=$!
port=
port_known() { port=$(grep -o '"port":[0-9]*' "$work/exporter.log" | cut -d: -f2 || true); [ -n "$port" ]; }
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; }
# Measured often enough to judge the groups over a window (status.window, 10 samples).
judged() { curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics" && [ "$(awk '$1 == "yb_lag_exporter_scrapes_total" { print $2 }' "$work/metrics")" -ge 3 ]; }
wait_until 60 "the exporter to listen" port_known
wait_until 60 "a good measurement (/healthz 200)" healthy
wait_until 60 "three measurements" judged

promtool check metrics <"$work/metrics" 2>&1 | tee "$work/promtool" >&2
[ ! -s "$work/promtool" ] || fail "promtool check metrics: $(cat "$work/promtool")"
echo "ok: /metrics passes promtool check metrics"

"$bin/claimctl" lag -b "$brokers" -t "$topic" -n 1 --json >"$work/lag.json"
for g in "$group" "$other"; do
    want=$(jq -r --arg g "$g" '.groups[] | select(.group == $g) | .partitions[] | select(.partition == 0) | .lag' "$work/lag.json")
    labels="group=\"$g\",topic=\"$topic\",partition=\"0\""
    got=$(grep -F "kafka_consumergroup_group_lag{$labels}" "$work/metrics" | awk '{ print $2 }')
    [ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] || fail "$g: kafka_consumergroup_group_lag served '$got', claimctl lag says '$want'"
    grep -qE "^kafka_consumergroup_group_lag_seconds\{$labels\} [0-9]+\.[0-9]{3}$" "$work/metrics" || fail "$g: lag seconds"
    grep -qF "kafka_consumergroup_group_status{group=\"$g\",status=\"STOP\"} 1" "$work/metrics" ||
        fail "$g (no member, lagging): $(grep -F "group_status{group=\"$g\"" "$work/metrics")"
done
grep -qF "kafka_consumergroup_group_offset{group=\"$group\",topic=\"$topic\",partition=\"0\"} 10" "$work/metrics" || fail "committed offset"
ends=$(grep -c "^kafka_partition_latest_offset{topic=\"$topic\"," "$work/metrics")
[ "$ends" = 2 ] || fail "$ends kafka_partition_latest_offset series for $topic's 2 partitions read by 2 groups"
sum=$(awk -v g="$group" '$1 ~ "^kafka_consumergroup_group_lag\\{group=\"" g "\"" { s += $2 } END { print s }' "$work/metrics")
grep -qF "kafka_consumergroup_group_sum_lag{group=\"$group\"} $sum" "$work/metrics" || fail "sum lag: partitions add to $sum"
echo "ok: /metrics: the lag claimctl lag measures for two groups on one partition, each end once, status STOP, sums"

bytes=$(curl -sf "http://127.0.0.1:$port/api/status" | tee "$work/status.json" | wc -c)
[ "$bytes" -lt 102400 ] || fail "/api/status is $bytes bytes"
jq -e --arg g "$group" '.groups[] | select(.group == $g) | .status == "STOP" and .lag > 0' "$work/status.json" >/dev/null ||
    fail "/api/status: $(head -c 600 "$work/status.json")"
curl -sf "http://127.0.0.1:$port/api/partitions/$group" | jq -e '.partitions | length == 2' >/dev/null || fail "/api/partitions"
echo "ok: /api/status is $bytes bytes; a group's partitions on demand"

# The broker stops answering: loud, and the last figures stay.
errors_before=$(awk '$1 == "yb_lag_exporter_scrape_errors_total" { print $2 }' "$work/metrics")
kill -STOP "$broker_pid"
unhealthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 503 ]; }
# A measurement fails once its requests time out: until then the exporter may already be
# stale (503, up 0) with no error counted yet. Wait for the failure itself.
failed_once() {
    curl -sf "http://127.0.0.1:$port/metrics" >"$work/frozen" &&
        [ "$(awk '$1 == "yb_lag_exporter_scrape_errors_total" { print $2 }' "$work/frozen")" -gt "$errors_before" ]
}
wait_until 60 "a failed measurement with the broker frozen" failed_once
unhealthy || fail "/healthz is not 503 with the broker frozen"
kill -CONT "$broker_pid"
grep -qx "yb_lag_exporter_up 0" "$work/frozen" || fail "up is not 0 with the broker frozen"
errors=$(awk '$1 == "yb_lag_exporter_scrape_errors_total" { print $2 }' "$work/frozen")
[ "$errors" -gt "$errors_before" ] || fail "scrape errors $errors_before then $errors"
grep -qF "kafka_consumergroup_group_lag{group=\"$group\",topic=\"$topic\",partition=\"0\"}" "$work/frozen" ||
    fail "the lag series vanished while the broker did not answer"
curl -s "http://127.0.0.1:$port/healthz" | grep -q "not measuring" || fail "/healthz says no why"
echo "ok: a broker that does not answer: /healthz 503, up 0, $errors scrape errors, the last lag series kept"
wait_until 120 "/healthz 200 once the broker answers again" healthy

# The dashboards ask for what the exporter serves (the services' metrics: pipeline_fraud).
curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics"
for metric in $(jq -r '.panels[].targets[].expr' "$deploy/grafana/consumer-lag.json" | grep -oE '(kafka|yb)_[a-z_]+' | sort -u); do
    grep -q "^# TYPE $metric " "$work/metrics" || fail "the dashboard uses $metric, which is not served"
done
echo "ok: every metric of deploy/grafana/consumer-lag.json is served"

start=$(date +%s%N)
kill -TERM "$exporter"
wait "$exporter" && status=0 || status=$?
exporter=
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$status" = 0 ] && [ "$elapsed" -lt 5000 ] || fail "SIGTERM: status $status after $elapsed ms"
echo "ok: SIGTERM stops it in $elapsed ms, status 0"

for bad in "poll.interval.ms=often" "pol.interval.ms=500" "http.listen=nowhere" "status.window=1"; do
    if "$bin/lag-exporter" -X "$bad" >/dev/null 2>"$work/bad.log"; then fail "-X $bad was accepted"; fi
    grep -q "${bad%%=*}" "$work/bad.log" || fail "-X $bad: the key is not named: $(cat "$work/bad.log")"
done
YB_POLL_INTERVAL_MS=sometimes "$bin/lag-exporter" >/dev/null 2>"$work/bad.log" && fail "a bad environment value was accepted"
grep -q "poll.interval.ms" "$work/bad.log" || fail "the environment's key is not named"
echo "ok: bad keys and values stop it at start, naming the key"
