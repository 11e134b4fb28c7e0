#!/usr/bin/env bash
# The status page lag-exporter serves, in headless Chromium, as an operator sees it:
#  - one row per group with its status word, lag in messages and seconds: a group behind
#    with no member reads STOP with its lag, a live group that keeps up reads OK;
#  - the chart has a time axis and a unit and draws the groups with members;
#  - each refresh fetches one small document (/api/status under 100 KB);
#  - the screenshot says the same: tesseract reads the group and its lag, and the status
#    word, off the picture. The screenshot is kept as a test artifact.
#
#   tests/integration/status_page.sh BIN_DIR ARTIFACT_DIR    (env YB_TEST_BROKERS)
set -euo pipefail
source "$(dirname "$0")/../../deploy/lib/common.sh"
bin=$1 artifacts=$2
brokers=${YB_TEST_BROKERS:?}
topic="status-test-$$-$RANDOM"
group="status-$$"
live="live-$$"
work=$(mktemp -d)
exporter= member=
trap '[ -n "$exporter" ] && kill "$exporter" 2>/dev/null; [ -n "$member" ] && kill "$member" 2>/dev/null; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
wait_until() {
    local s=$1 what=$2 started=$SECONDS
    shift 2
    until "$@"; do [ $((SECONDS - started)) -lt "$s" ] || fail "waited ${s}s for $what"; sleep 0.3; done
    echo "waited $((SECONDS - started))s for $what"
}
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || fail "chromium is not installed (deploy/setup installs it)"
command -v tesseract >/dev/null || fail "tesseract is not installed (deploy/setup installs tesseract-ocr)"

yb_kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$brokers" --create \
    --topic "$topic" --partitions 2 --replication-factor 1 --config retention.ms=-1 >/dev/null
"$bin/claimctl" generate --claims 50 --seed 4 2>/dev/null | grep -v '"type":"institution"' |
    "$bin/claimctl" produce -b "$brokers" --topic "$topic" --select --skip-invalid 2>/dev/null
yb_kafka_tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server "$brokers" \
    --reset-offsets --group "$group" --topic "$topic" --to-offset 5 --execute >/dev/null
lag=$("$bin/claimctl" lag -b "$brokers" -G "$group" -n 1 --json | jq '.groups[0].total_lag')
# A live member that keeps up.
kcat -b "$brokers" -G "$live" -X auto.offset.reset=earliest -q "$topic" >/dev/null 2>&1 &
member=$!

"$bin/lag-exporter" -X kafka.bootstrap.servers="$brokers" -X http.listen=127.0.0.1:0 \
    -X poll.interval.ms=300 -X status.throughput.topic="$topic" -X status.dead_letters.topic=none \
    2>"$work/exporter.log" &
exporter=$!
port=
ready() {
    port=$(grep -o '"port":[0-9]*' "$work/exporter.log" | cut -d: -f2 || true)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/api/status" >"$work/status.json" &&
        jq -e --arg g "$group" --arg l "$live" '
            ([.groups[] | select(.group == $g and .status == "STOP")] | length == 1) and
            ([.groups[] | select(.group == $l and .members > 0 and .lag == 0 and (.points | length) >= 3)] | length == 1)' \
            "$work/status.json" >/dev/null
}
wait_until 120 "the exporter to judge $group STOP and $live caught up" ready
bytes=$(wc -c <"$work/status.json")
[ "$bytes" -lt 102400 ] || fail "/api/status is $bytes bytes a refresh"
echo "ok: a refresh fetches /api/status, $bytes bytes"

url="http://127.0.0.1:$port/status"
browse() { timeout 90 "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --virtual-time-budget=5000 --window-size=1280,800 "$@" 2>/dev/null; }
browse --dump-dom "$url" >"$work/dom.html"
row() { grep -o "<tr data-group=\"$1\"[^>]*>.*" "$work/dom.html" | sed 's#</tr>.*##'; }
row "$group" | grep -q 'data-status="STOP"' || fail "the row of $group: $(row "$group" | head -c 400)"
row "$group" | grep -q "<td class=\"lag\">$lag</td>" || fail "$group's lag $lag is not shown: $(row "$group" | head -c 400)"
row "$group" | grep -qE '<td class="seconds">(≥)?[0-9]+\.[0-9]</td>' || fail "$group's lag in seconds"
row "$live" | grep -q 'data-status="OK"' || fail "the row of $live: $(row "$live" | head -c 400)"
grep -q '>messages</text>' "$work/dom.html" || fail "the chart has no unit"
grep -q '>now</text>' "$work/dom.html" || fail "the chart has no time axis"
points=$(grep -o 'id="chart"[^>]*data-points="[0-9]*"' "$work/dom.html" | grep -o '[0-9]*"$' | tr -d '"')
[ -n "$points" ] && [ "$points" -ge 3 ] || fail "the chart has '${points:-no}' points"
echo "ok: in Chromium: $group STOP with its lag $lag, $live OK, a chart of $points points with a time axis and unit"

mkdir -p "$artifacts"
# Twice the pixels: what a person reads at a glance, tesseract reads without guessing.
browse --screenshot="$artifacts/status-page.png" --force-device-scale-factor=2 "$url" >/dev/null
tesseract "$artifacts/status-page.png" - --psm 6 2>/dev/null >"$work/ocr.txt"
# Read as lines (psm 6), tesseract sometimes takes the tinted badges for pictures and drops
# their words; read as sparse text (psm 12) it finds them. The row's figures come from the
# lines, the status word from either: on the row's line, or the text just before the group's
# name in the sparse reading (the badge sits left of the name).
tesseract "$artifacts/status-page.png" - --psm 12 2>/dev/null >"$work/ocr-sparse.txt"
grep -E "$group +0 +$lag" "$work/ocr.txt" >/dev/null ||
    fail "the screenshot does not read '$group 0 $lag': $(grep -i "$group\|STOP" "$work/ocr.txt" | head -3)"
grep -E "STOP +$group +0 +$lag" "$work/ocr.txt" >/dev/null ||
    awk -v g="$group" 'NF == 0 { next } $0 == g { found = (last == "STOP"); exit } { last = $0 }
        END { exit !found }' "$work/ocr-sparse.txt" ||
    fail "the screenshot does not read STOP beside $group: $(grep -B3 "$group" "$work/ocr-sparse.txt" | tr '\n' ' ')"
echo "ok: the screenshot reads '$(grep -oE "$group +0 +$lag" "$work/ocr.txt")' and STOP beside it ($artifacts/status-page.png)"
