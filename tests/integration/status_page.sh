#!/usr/bin/env bash
# The status page lag-exporter serves, in headless Chromium: it loads, its lag chart has
# data points for the group that lags, the group is in the legend, the dead-letter count
# shows; a screenshot is kept as a test artifact.
#
#   tests/integration/status_page.sh BIN_DIR ARTIFACT_DIR    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
bin=$1 artifacts=$2
brokers=${YB_TEST_BROKERS:?}
topic="status-test-$$-$RANDOM"
group="status-group-$$-$RANDOM"
work=$(mktemp -d)
exporter=
trap '[ -n "$exporter" ] && kill "$exporter" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "chromium is not installed (deploy/setup installs it)"

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
"$bin/claimctl" generate --claims 50 --seed 4 2>/dev/null |
    "$bin/claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" \
    --reset-offsets --group "$group" --topic "$topic" --to-offset 5 --execute >/dev/null

"$bin/lag-exporter" -X kafka.bootstrap.servers="$brokers" -X http.listen=127.0.0.1:0 \
    -X group="$group" -X poll.interval.ms=300 2>"$work/exporter.log" &
exporter=$!
port=
for _ in $(seq 1 200); do
    port=$(grep -o '"port":[0-9]*' "$work/exporter.log" | cut -d: -f2 || true)
    [ -n "$port" ] && [ "$(curl -sf "http://127.0.0.1:$port/api/history" | jq '.samples | length')" -ge 3 ] 2>/dev/null && break
    sleep 0.3
done
url="http://127.0.0.1:$port/status"
browse() { timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --virtual-time-budget=5000 "$@" 2>/dev/null; }

browse --dump-dom "$url" >"$work/dom.html"
points=$(grep -o 'id="lag"[^>]*data-points="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*"$' | tr -d '"')
[ -n "$points" ] && [ "$points" -ge 2 ] || fail "the lag chart has '${points:-no}' points"
grep -q "$group" "$work/dom.html" || fail "the group is not in the legend"
grep -q 'id="dead">[0-9]' "$work/dom.html" || fail "no dead-letter count"
echo "ok: the page loads in Chromium; the lag chart has $points points for $group"

mkdir -p "$artifacts"
browse --screenshot="$artifacts/status-page.png" --window-size=1000,720 "$url" >/dev/null
[ "$(head -c 8 "$artifacts/status-page.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "no screenshot"
echo "ok: screenshot kept in $artifacts/status-page.png ($(stat -c %s "$artifacts/status-page.png") bytes)"
