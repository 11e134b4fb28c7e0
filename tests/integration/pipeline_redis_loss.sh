#!/usr/bin/env bash
# Redis is a cache: restarted empty in the middle of the stream, it is refilled from the
# topics by claimctl rebuild, and processing continues with identical results — on the
# real broker and a real redis-server restarted for the purpose. With a key secret: the
# services and claimctl rebuild name every member by the same keyed hash, never its id.
#
#   tests/integration/pipeline_redis_loss.sh BIN_DIR POLICIES_DIR
#   (env YB_TEST_BROKERS, YB_TEST_REDIS_PORT, YB_TEST_RUN_DIR: where the servers run)
. "$(dirname "$0")/pipeline_lib.sh"
run_dir=${YB_TEST_RUN_DIR:?}
# The key secret (redis.key.secret.file) of every service and of claimctl rebuild, through
# the environment both read.
(umask 077 && openssl rand -hex 32 >"$work/key.secret")
export YB_REDIS_KEY_SECRET_FILE=$work/key.secret

create_topics
"$claimctl" generate --seed 33 --claims 10000 >"$work/inputs.jsonl" 2>/dev/null
offline "$work/inputs.jsonl"
expected=$(wc -l <"$work/offline.jsonl")
# The history in two halves by event time: the second half arrives after the loss.
lines=$(wc -l <"$work/inputs.jsonl")
head -n $((lines / 2)) "$work/inputs.jsonl" >"$work/first.jsonl"
tail -n +$((lines / 2 + 1)) "$work/inputs.jsonl" >"$work/second.jsonl"
produce institutions "$work/inputs.jsonl"
for topic in enrollments payments claims; do produce "$topic" "$work/first.jsonl"; done
first=$("$claimctl" adjudicate --policies "$policies" "$work/first.jsonl" 2>/dev/null | grep -c '"type":"settlement"')

write_props enroll
write_props adjudicate
start enrollment-svc enroll enrollment
start adjudicator adjudicate adjudicator
adj_port=$(http_port adjudicator)
wait_settled "$first" 120
keys=$(rcli --scan --pattern "$run:*" | wc -l)
echo "ok: first half settled ($first settlements); Redis holds $keys keys of it"
# Member keys named by the token only; the claim registry holds tokens.
check_keyed() {
    local members clear registry owner
    members=$(rcli --scan --pattern "$run:{m:*" | wc -l)
    clear=$(rcli --scan --pattern "$run:{m:*" | grep -cvE "^$run:\{m:[0-9a-f]{32}\}:" || true)
    [ "$members" -gt 0 ] && [ "$clear" -eq 0 ] ||
        fail "$clear of $members member keys not named by a 32-hex-digit token"
    registry=$(rcli --scan --pattern "$run:{c:*" | awk 'NR == 1')
    owner=$(rcli get "$registry")
    [[ $owner =~ ^[0-9a-f]{32}$ ]] || fail "the claim registry holds '$owner', not a token"
    echo "ok: $members member keys, every one named by its keyed hash; the registry holds tokens"
}
check_keyed

# Redis loses everything: shut down without saving, started again empty.
rcli shutdown nosave >/dev/null 2>&1 || true
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$run_dir/redis" --daemonize yes \
    --pidfile "$run_dir/redis/redis.pid" --logfile "$run_dir/redis/redis.log" \
    --save "" --appendonly no --maxmemory 1gb --maxmemory-policy noeviction
redis_answers() { [ "$(rcli ping 2>/dev/null)" = PONG ]; }
wait_until 60 "Redis to answer PING after its restart" redis_answers
[ "$(rcli --scan --pattern "$run:*" | wc -l)" = 0 ] || fail "Redis came back with data"
echo "ok: Redis restarted empty"

"$claimctl" rebuild -b "$brokers" -r "127.0.0.1:$redis_port" --prefix "$run:" \
    -G "$run-adjudicate" --topic-prefix "$run" -p "$policies" >"$work/rebuild.out" 2>&1 ||
    fail "claimctl rebuild: $(cat "$work/rebuild.out")"
grep -q "differing: 0" "$work/rebuild.out" || fail "rebuild: $(cat "$work/rebuild.out")"
echo "ok: $(grep "^rebuilt" "$work/rebuild.out")"

# The second half: the services, still running, reconnect and go on.
for topic in enrollments payments claims; do produce "$topic" "$work/second.jsonl"; done
wait_settled "$expected" 180
kill -0 "$last_pid" || fail "the adjudicator did not survive the Redis restart"
errors=$(metric "$adj_port" yb_redis_errors_total)
echo "ok: the services reconnected ($errors Redis errors counted by the adjudicator) and finished"
check_exactly_once
check_keyed
check_state "$run-adjudicate"
