# Helpers of every shell integration test (sourced, after $work is set): failing with the
# logs of the run, waiting on a condition, reading a service's metrics.

# fail MESSAGE: print it and the last lines of every log in $work, and exit 1.
fail() {
    echo "FAIL: $*" >&2
    for log in "$work"/*.log; do
        [ -f "$log" ] && { echo "--- $(basename "$log") (last lines)" >&2; grep -v "\"dead_letter\"" "$log" | tail -n 8 >&2; }
    done
    exit 1
}

# wait_until SECONDS WHAT COMMAND [ARGS...]: run COMMAND every 0.2 s until it succeeds; fail
# naming WHAT after SECONDS. Prints how long the wait took. A deadline is a limit, never a
# result: the condition decides.
wait_until() {
    local seconds=$1 what=$2 started=$SECONDS
    shift 2
    until "$@"; do
        [ $((SECONDS - started)) -lt "$seconds" ] || fail "waited ${seconds}s for $what"
        sleep 0.2
    done
    echo "waited $((SECONDS - started))s for $what"
}

# now_ms: the wall clock in milliseconds.
now_ms() { date +%s%3N; }

# A counter from a service's /metrics.
metric() { curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { print $2 }'; }
