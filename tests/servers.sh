#!/usr/bin/env bash
# The integration tests' servers fixtures (ctest FIXTURES_SETUP / FIXTURES_CLEANUP).
#
#   tests/servers.sh start RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT
#   tests/servers.sh start-cluster RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT
#   tests/servers.sh stop RUN_DIR
#
# start wipes RUN_DIR first, so every test run begins on an empty broker and Redis, then
# starts both and creates the product's topics. start-cluster does the same with three
# brokers (deploy/local/start --brokers 3: node i on KAFKA_PORT + 2i and CONTROLLER_PORT +
# 2i) and a Redis Cluster (--redis-cluster: 3 masters and 3 replicas on REDIS_PORT + 0..5,
# their bus on REDIS_PORT + 100..105). stop keeps RUN_DIR (logs for a post-mortem).
set -euo pipefail
deploy=$(cd "$(dirname "$0")/../deploy" && pwd)
. "$deploy/lib/common.sh"
case ${1:-} in
start | start-cluster)
    [ $# -eq 5 ] || { echo "usage: $0 $1 RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT" >&2; exit 2; }
    count=1 redis=()
    [ "$1" = start ] || { count=3; redis=(--redis-cluster); }
    YB_KAFKA_PORT=$3
    "$deploy/local/stop" --run-dir "$2" --wipe
    "$deploy/local/start" --run-dir "$2" --brokers "$count" --kafka-port "$3" --controller-port "$4" --redis-port "$5" "${redis[@]}"
    "$deploy/local/create-topics" --bootstrap "$(yb_kafka_bootstrap "$count")"
    ;;
stop)
    [ $# -eq 2 ] || { echo "usage: $0 stop RUN_DIR" >&2; exit 2; }
    "$deploy/local/stop" --run-dir "$2"
    ;;
*)
    echo "usage: $0 start|start-cluster|stop ..." >&2
    exit 2
    ;;
esac
