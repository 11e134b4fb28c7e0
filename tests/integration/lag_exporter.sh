#!/usr/bin/env bash
# lag-exporter on the test broker: /metrics carries the lag claimctl lag measures, under
# kafka_exporter's names; /healthz answers; SIGTERM stops it at once with status 0; a bad
# key stops it at start, naming the key; the Grafana dashboard asks for metrics it serves.
#
#   tests/integration/lag_exporter.sh BIN_DIR DEPLOY_DIR    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
bin=$1 deploy=$2
brokers=${YB_TEST_BROKERS:?}
topic="exporter-test-$$-$RANDOM"
group="exporter-group-$$-$RANDOM"
work=$(mktemp -d)
exporter=
trap '[ -n "$exporter" ] && kill "$exporter" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; cat "$work/exporter.log" >&2 2>/dev/null || true; exit 1; }
groups_tool() { yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" "$@"; }

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
"$bin/claimctl" generate --claims 50 --seed 2 2>/dev/null | grep -v '"type":"institution"' |
    "$bin/claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
groups_tool --reset-offsets --group "$group" --topic "$topic" --to-offset 10 --execute >/dev/null

"$bin/lag-exporter" -X kafka.bootstrap.servers="$brokers" -X http.listen=127.0.0.1:0 \
    -X group="$group" -X poll.interval.ms=500 2>"$work/exporter.log" &
exporter=$!
port=
for _ in $(seq 1 300); do
    port=$(grep -o '"port":[0-9]*' "$work/exporter.log" | cut -d: -f2 || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$port/healthz" | grep -qx ok || fail "/healthz"
curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics"
want=$("$bin/claimctl" lag -b "$brokers" -G "$group" --json | jq -r '.groups[0].partitions[] | select(.partition == 0) | .lag')
labels="consumergroup=\"$group\",topic=\"$topic\",partition=\"0\""
got=$(grep -F "kafka_consumergroup_lag{$labels}" "$work/metrics" | awk '{ print $2 }')
[ -n "$want" ] && [ "$want" -gt 0 ] && [ "$got" = "$want" ] || fail "kafka_consumergroup_lag: served '$got', claimctl lag says '$want'"
grep -qF "kafka_consumergroup_current_offset{$labels} 10" "$work/metrics" || fail "current offset"
grep -qE "^kafka_consumergroup_lag_seconds\{$labels\} [0-9]+\.[0-9]{3}$" "$work/metrics" || fail "lag seconds"
grep -q '^# TYPE kafka_consumergroup_lag gauge$' "$work/metrics" || fail "TYPE line"
echo "ok: /metrics serves lag $got for partition 0, as claimctl lag measures it"

# The dashboard asks for what the exporter serves.
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

for bad in "poll.interval.ms=often" "pol.interval.ms=500" "http.listen=nowhere"; do
    if "$bin/lag-exporter" -X "$bad" >/dev/null 2>"$work/bad.log"; then fail "-X $bad was accepted"; fi
    grep -q "${bad%%=*}" "$work/bad.log" || fail "-X $bad: the key is not named: $(cat "$work/bad.log")"
done
YB_POLL_INTERVAL_MS=sometimes "$bin/lag-exporter" >/dev/null 2>"$work/bad.log" && fail "a bad environment value was accepted"
grep -q "poll.interval.ms" "$work/bad.log" || fail "the environment's key is not named"
echo "ok: bad keys and values stop it at start, naming the key"
