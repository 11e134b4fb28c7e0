# Shared by the pipeline tests (sourced): a set of topics and a Redis key prefix of the run's
# own, the services started on them, and the checks every test makes.
#
#   . pipeline_lib.sh BIN_DIR POLICIES_DIR   (env YB_TEST_BROKERS, YB_TEST_REDIS_PORT)
set -euo pipefail
bin=$1 policies=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
brokers=${YB_TEST_BROKERS:?}
redis_port=${YB_TEST_REDIS_PORT:?}
claimctl=$bin/claimctl
run=t$$x$RANDOM
work=$(mktemp -d)
pids=()
. "$root/tests/integration/test_lib.sh"

# Redis: one server, or (YB_TEST_REDIS_CLUSTER=1) a Redis Cluster reached through any node;
# rcli follows its redirections, rscan and rdel visit every master.
redis_cluster=${YB_TEST_REDIS_CLUSTER:-0}
rcli() {
    if [ "$redis_cluster" = 1 ]; then
        redis-cli -c -h 127.0.0.1 -p "$redis_port" "$@"
    else
        redis-cli -h 127.0.0.1 -p "$redis_port" "$@"
    fi
}
. "$root/deploy/lib/redis_cluster.sh"
# The masters' ports (deploy/lib/redis_cluster.sh, as the first live node sees them), or the
# one server's.
redis_masters() {
    if [ "$redis_cluster" = 1 ]; then
        YB_REDIS_PORT=$redis_port yb_redis_cluster_masters
    else
        echo "$redis_port"
    fi
}
# rscan PATTERN: the keys matching PATTERN, on every master.
rscan() {
    local port
    for port in $(redis_masters); do redis-cli -h 127.0.0.1 -p "$port" --scan --pattern "$1"; done
}
# rdel PATTERN: delete them, one key a command (a cluster refuses several slots in one).
rdel() {
    local port
    for port in $(redis_masters); do
        redis-cli -h 127.0.0.1 -p "$port" --scan --pattern "$1" | sed 's/^/UNLINK /' |
            redis-cli -h 127.0.0.1 -p "$port" >/dev/null
    done
}

cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${YB_TEST_KEEP:-}" ]; then
        echo "kept: $work, topics and keys $run*" >&2
        return
    fi
    rdel "$run*" || true
    rm -rf "$work"
}
trap cleanup EXIT

# The run's topics: $run.claims, $run.settlements, ... (deploy/topics.conf).
create_topics() {
    "$root/deploy/local/create-topics" --bootstrap "$brokers" --prefix "$run" >/dev/null
}

# A properties file for the services on the run's topics and keys: $work/NAME.props.
# Extra key=value lines may follow.
write_props() {
    local name=$1; shift
    {
        echo "kafka.bootstrap.servers=$brokers"
        echo "redis=127.0.0.1:$redis_port"
        echo "redis.prefix=$run:"
        for t in institutions enrollments payments claims settlements fraud-alerts dead-letters; do
            echo "topic.$t=$run.$t"
        done
        echo "policies=$policies"
        echo "group=$run-$name"
        echo "http.listen=127.0.0.1:0"
        printf '%s\n' "$@"
    } >"$work/$name.props"
}

# start SERVICE PROPS LOGNAME [-X ...]: run a service in the background; its pid is $!.
start() {
    local service=$1 props=$2 log=$3; shift 3
    "$bin/$service" -c "$work/$props.props" "$@" 2>>"$work/$log.log" &
    pids+=($!)
    last_pid=$!
}

# The port a service's log says it serves HTTP on (waits up to 60 s for it to start).
http_port() {
    local log=$1 port="" started=$SECONDS
    while [ $((SECONDS - started)) -lt 60 ]; do
        port=$(grep -o '"http_port":[0-9]*' "$work/$log.log" 2>/dev/null | tail -n 1 | cut -d: -f2)
        [ -n "$port" ] && { echo "$port"; return; }
        sleep 0.1
    done
    fail "$log did not start within 60s"
}


# produce TOPIC FILE: the records of FILE that TOPIC carries.
produce() {
    "$claimctl" produce -b "$brokers" --topic "$run.$1" --select --skip-invalid "$2" \
        >/dev/null 2>>"$work/produce.log" || fail "producing to $run.$1"
}

# consume TOPIC: every committed record of the topic as JSON Lines.
consume() { "$claimctl" consume -b "$brokers" --topic "$run.$1" --from-beginning --end 2>/dev/null; }

# wait_settled N SECONDS: until the settlements topic holds N records.
wait_settled() {
    local want=$1 seconds=$2 have=0 started=$SECONDS
    while [ $((SECONDS - started)) -lt "$seconds" ]; do
        have=$(consume settlements | wc -l)
        [ "$have" -ge "$want" ] && { echo "waited $((SECONDS - started))s for $want settlements"; return 0; }
        sleep 0.5
    done
    fail "$have of $want settlements after ${seconds}s"
}

# The answer of a settlement, without what the pipeline judged it on (judged_on: offsets
# of its topics, which claimctl adjudicate over a file has not), one per line.
answers() { jq -c 'del(.judged_on)'; }

# The offline run: claimctl adjudicate over the same events in timestamp order (the file).
offline() {
    "$claimctl" adjudicate --policies "$policies" "$1" 2>/dev/null |
        grep '"type":"settlement"' | answers | LC_ALL=C sort >"$work/offline.jsonl"
}

# The settlements the pipeline published, as answers, sorted like offline().
published() { consume settlements | answers | LC_ALL=C sort >"$work/published.jsonl"; }

# check_exactly_once: one settlement per claim (and per reversal), equal to the offline run
# byte for byte.
check_exactly_once() {
    published
    local total firsts expected
    total=$(wc -l <"$work/published.jsonl")
    # Answered twice (not as a duplicate): only where the offline run does too (a reversal
    # of a claim not yet made, then the claim).
    twice() {
        jq -r 'select(.duplicate == false) | "\(.claim_id) \(.status == "reversed")"' "$1" |
            sort | uniq -d | wc -l
    }
    firsts=$(twice "$work/published.jsonl")
    expected=$(twice "$work/offline.jsonl")
    [ "$firsts" -eq "$expected" ] || fail "$firsts claims settled more than once ($expected offline)"
    [ "$total" -eq "$(wc -l <"$work/offline.jsonl")" ] ||
        fail "$total settlements published, $(wc -l <"$work/offline.jsonl") offline"
    cmp -s "$work/published.jsonl" "$work/offline.jsonl" ||
        fail "settlements differ from the offline run: $(diff "$work/published.jsonl" "$work/offline.jsonl" | head -c 600)"
    echo "ok: $total settlements, one per claim and reversal, identical to claimctl adjudicate"
}

# state_digest PREFIX: "KEYS SHA1", a digest of the member state under PREFIX on every master
# (tests/integration/state_digest.lua).
state_digest() {
    local port lines
    lines=$(for port in $(redis_masters); do
        redis-cli -h 127.0.0.1 -p "$port" --eval "$root/tests/integration/state_digest.lua" , "$1"
    done | grep -v '^$' | LC_ALL=C sort)
    echo "$(grep -c . <<<"$lines") $(sha1sum <<<"$lines" | cut -c1-40)"
}

# check_state GROUP: the adjudicator's Redis state equals the state claimctl rebuild derives
# from the topics through the offline ledger (accumulators, personal accounts, claim records).
check_state() {
    local group=$1 live rebuilt
    "$claimctl" rebuild -b "$brokers" -r "127.0.0.1:$redis_port" --prefix "$run-rebuilt:" \
        -G "$group" --topic-prefix "$run" -p "$policies" >"$work/rebuild.out" 2>"$work/rebuild.log" ||
        fail "claimctl rebuild: $(cat "$work/rebuild.out")"
    live=$(state_digest "$run:")
    rebuilt=$(state_digest "$run-rebuilt:")
    [ "$live" = "$rebuilt" ] || fail "Redis state [$live] differs from the offline ledger's [$rebuilt]"
    echo "ok: Redis state (accumulators, personal accounts, claim records: ${live%% *} keys) equals the offline ledger's"
    rdel "$run-rebuilt:*"
}
