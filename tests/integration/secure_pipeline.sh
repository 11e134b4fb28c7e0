#!/usr/bin/env bash
# The pipeline over the secure deployment (deploy/local/start --secure), on a broker and
# Redis of its own: claims settle over SASL_SSL exactly as claimctl adjudicate settles them
# offline; a client without credentials, or with a wrong password, is refused; each service's
# user is held to its own topics (the adjudicator cannot write enrollments nor read dead
# letters) and its own Redis keys and commands; no key name holds a member id; every file
# of the servers is private; no secret is on a command line; and no log of the run holds a
# member id, a birth date or a diagnosis code.
#
#   tests/integration/secure_pipeline.sh BIN_DIR POLICIES_DIR RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT
set -euo pipefail
bin=$1 policies=$2 run_dir=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
export YB_RUN_DIR=$run_dir YB_KAFKA_PORT=$4 YB_KAFKA_CONTROLLER_PORT=$5 YB_REDIS_PORT=$6
brokers=127.0.0.1:$YB_KAFKA_PORT
secure=$run_dir/credentials
claimctl=$bin/claimctl
work=$(mktemp -d)
pids=()

. "$root/tests/integration/test_lib.sh"
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    "$root/deploy/local/stop" --run-dir "$run_dir" --wipe >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

as() { # USER CLAIMCTL-ARGS...: claimctl as a Kafka user
    local user=$1
    shift
    YB_KAFKA_CONFIG=$secure/$user.librdkafka.conf "$claimctl" "$@"
}
rcli_as() { # USER REDIS-CLI-ARGS...
    local user=$1
    shift
    REDISCLI_AUTH=$(cat "$secure/$user.redis.password") \
        redis-cli --no-auth-warning --user "$user" -p "$YB_REDIS_PORT" "$@"
}

"$root/deploy/local/stop" --run-dir "$run_dir" --wipe >/dev/null 2>&1 || true
"$root/deploy/local/start" --secure
"$root/deploy/local/create-topics" --secure --bootstrap "$brokers"

# --- every file of the servers and every secret is private ---------------------------------
open_files=$(find "$run_dir" -perm /077 -printf '%m %p\n')
[ -z "$open_files" ] || fail "files others may read or enter: $open_files"
echo "ok: every directory 0700 and file 0600 under the run directory"

# --- the pipeline over SASL_SSL -------------------------------------------------------------
"$claimctl" generate --seed 17 --claims 3000 --inject 10 >"$work/inputs.jsonl" 2>/dev/null
for topic in institutions enrollments payments claims; do
    as operator produce -b "$brokers" --topic "$topic" --select --skip-invalid \
        "$work/inputs.jsonl" 2>"$work/produce-$topic.log" || fail "producing $topic as the operator"
done
sent=$(grep -h 'record(s) produced' "$work/produce-claims.log" | awk '{ print $3 }')
port=9511
for service in enrollment-svc adjudicator fraud-svc; do
    {
        echo "kafka.bootstrap.servers=$brokers"
        echo "redis=127.0.0.1:$YB_REDIS_PORT"
        echo "policies=$policies"
        echo "http.listen=127.0.0.1:$port"
        cat "$secure/$service.properties"
    } >"$work/$service.properties"
    "$bin/$service" -c "$work/$service.properties" 2>"$work/$service.log" &
    pids+=($!)
    port=$((port + 1))
done
count() { local n; n=$(metric "$@" || true); echo "${n:-0}"; } # 0 until the service serves it
adjudicated() { [ "$(count 9512 yb_consumed_total)" -ge "$sent" ]; }
wait_until 300 "the adjudicator to take all $sent claims over SASL_SSL" adjudicated

"$claimctl" adjudicate --policies "$policies" "$work/inputs.jsonl" 2>/dev/null |
    grep '"type":"settlement"' | jq -c 'del(.judged_on)' | LC_ALL=C sort >"$work/offline.jsonl"
as operator consume -b "$brokers" --topic settlements --from-beginning --end 2>/dev/null |
    jq -c 'del(.judged_on)' | LC_ALL=C sort >"$work/published.jsonl"
[ -s "$work/offline.jsonl" ] || fail "claimctl adjudicate settled nothing"
cmp -s "$work/offline.jsonl" "$work/published.jsonl" ||
    fail "settlements over SASL_SSL differ from claimctl adjudicate's: $(diff "$work/offline.jsonl" "$work/published.jsonl" | head -n 4)"
echo "ok: $(wc -l <"$work/published.jsonl") settlements over SASL_SSL, equal to claimctl adjudicate's"
# fraud-svc reads both topics: every claim record and every settlement
joined=$((sent + $(wc -l <"$work/published.jsonl")))
fraud_done() { [ "$(count 9513 yb_consumed_total)" -ge "$joined" ]; }
wait_until 300 "fraud-svc to read $joined claims and settlements" fraud_done

# --- refusals -------------------------------------------------------------------------------
# no credentials, no TLS: the broker does not answer in PLAINTEXT
if timeout 60 kcat -b "$brokers" -L -m 10 >"$work/plain.out" 2>&1; then
    fail "a client without credentials read the metadata"
fi
echo "ok: a client without credentials is refused ($(grep -o 'Broker transport failure\|SSL\|Disconnected' "$work/plain.out" | head -n 1))"
# the right CA but a wrong password
sed 's/^sasl.password.file=.*/sasl.password=not-the-password/' "$secure/operator.librdkafka.conf" \
    >"$work/wrong.conf"
if YB_KAFKA_CONFIG=$work/wrong.conf timeout 60 "$claimctl" consume -b "$brokers" --topic claims \
    --from-beginning --end >"$work/wrong.out" 2>"$work/wrong.log"; then
    fail "a wrong password read the claims"
fi
grep -q 'Authentication failed' "$work/wrong.log" || fail "a wrong password: no authentication failure in $(tail -n 2 "$work/wrong.log")"
[ ! -s "$work/wrong.out" ] || fail "a wrong password read records"
echo "ok: a wrong password is refused (SASL authentication failed)"
# the adjudicator's user may not write enrollments nor read dead letters
if as adjudicator produce -b "$brokers" --topic enrollments --select --skip-invalid "$work/inputs.jsonl" \
    >/dev/null 2>"$work/adj-write.log"; then
    fail "the adjudicator's user wrote to enrollments"
fi
grep -q 'Topic authorization failed' "$work/adj-write.log" ||
    fail "the adjudicator's user writing enrollments: $(tail -n 1 "$work/adj-write.log")"
echo "ok: the adjudicator's user cannot write enrollments (Topic authorization failed)"
if as adjudicator consume -b "$brokers" --topic dead-letters --from-beginning --end \
    >"$work/adj-dl.out" 2>"$work/adj-dl.log"; then
    fail "the adjudicator's user read the dead letters"
fi
[ ! -s "$work/adj-dl.out" ] || fail "the adjudicator's user read dead letters"
as operator consume -b "$brokers" --topic dead-letters --from-beginning --end >"$work/dl.out" 2>/dev/null ||
    fail "the operator could not read the dead letters"
echo "ok: dead letters: the operator reads $(wc -l <"$work/dl.out"), the adjudicator's user none"

# Redis: no default user; each user its own keys and no FLUSHALL, CONFIG or DEBUG
[ "$(redis-cli -p "$YB_REDIS_PORT" ping 2>&1)" != PONG ] || fail "Redis answered without a user"
for user in operator enrollment-svc adjudicator fraud-svc; do
    for cmd in flushall "config get maxmemory" "debug sleep 0"; do
        # shellcheck disable=SC2086
        out=$(rcli_as "$user" $cmd 2>&1)
        # (DEBUG is also off in Redis 7's own configuration: refused either way)
        case $out in *NOPERM* | "ERR DEBUG command not allowed"*) ;; *) fail "Redis user $user may run $cmd: $out" ;; esac
    done
done
out=$(rcli_as enrollment-svc hset "yb:{m:x}:acc" v 1 2>&1)
case $out in *NOPERM*) ;; *) fail "enrollment-svc may write accumulators: $out" ;; esac
out=$(rcli_as adjudicator zadd "yb:{m:x}:ev" 1 forged 2>&1)
case $out in *NOPERM*) ;; *) fail "the adjudicator may write member histories: $out" ;; esac
echo "ok: Redis refuses the default user, FLUSHALL/CONFIG/DEBUG for everyone, others' keys"

# --- personal data: key names, command lines, logs ------------------------------------------
# (the sample's malformed lines are skipped: fromjson?)
jq -rR 'fromjson? | select(.member_id? | type == "string") | .member_id' "$work/inputs.jsonl" |
    sort -u >"$work/members"
rcli_as operator --scan >"$work/keys"
[ "$(grep -c '{m:' "$work/keys")" -gt 0 ] || fail "no member keys in Redis"
if grep -F -f "$work/members" "$work/keys" | head -n 3 | grep -q .; then
    fail "member ids in Redis key names: $(grep -F -f "$work/members" "$work/keys" | head -n 3)"
fi
echo "ok: $(grep -c '{m:' "$work/keys") member keys, none with any of $(wc -l <"$work/members") member ids in its name"
cat "$secure"/*.password >"$work/secrets"
for pid in "${pids[@]}"; do tr '\0' ' ' <"/proc/$pid/cmdline"; echo; done >"$work/cmdlines"
! grep -F -f "$work/secrets" "$work/cmdlines" >/dev/null || fail "a secret on a service's command line"

for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || true; done
pids=()
# (whole words of 3 characters or more: an ICD-10 code has 3 at least, and a malformed
# record's one-letter id or "diagnosis" would match every log)
jq -rR 'fromjson? | (.diagnoses? // [] | .[] | strings), (.birth_date? // empty | strings)' \
    "$work/inputs.jsonl" | cat - "$work/members" | awk 'length >= 3' | sort -u >"$work/personal"
grep -q -F -w -f "$work/personal" "$work/inputs.jsonl" || fail "the scan's words match nothing, not even the inputs"
logs=("$work"/*.log "$run_dir"/kafka/logs/*.log "$run_dir"/redis/redis.log)
if grep -o -F -w -f "$work/personal" "${logs[@]}" >"$work/leaks" 2>/dev/null; then
    fail "personal data in the logs: $(sort "$work/leaks" | uniq -c | sort -rn | head -n 5)"
fi
if grep -F -f "$work/secrets" "${logs[@]}" >/dev/null 2>&1; then
    fail "a secret in the logs"
fi
echo "ok: no member id, birth date, diagnosis code or secret in $(cat "${logs[@]}" | wc -l) lines of logs"
