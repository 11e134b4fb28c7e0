#!/usr/bin/env bash
# The integration tests' servers fixture (ctest FIXTURES_SETUP / FIXTURES_CLEANUP).
#
#   tests/servers.sh start RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT
#   tests/servers.sh stop RUN_DIR
#
# start wipes RUN_DIR first, so every test run begins on an empty broker and Redis, then
# starts both and creates the product's topics. stop keeps RUN_DIR (logs for a post-mortem).
set -euo pipefail
deploy=$(cd "$(dirname "$0")/../deploy" && pwd)
case ${1:-} in
start)
    [ $# -eq 5 ] || { echo "usage: $0 start RUN_DIR KAFKA_PORT CONTROLLER_PORT REDIS_PORT" >&2; exit 2; }
    "$deploy/local/stop" --run-dir "$2" --wipe
    "$deploy/local/start" --run-dir "$2" --kafka-port "$3" --controller-port "$4" --redis-port "$5"
    "$deploy/local/create-topics" --bootstrap "127.0.0.1:$3"
    ;;
stop)
    [ $# -eq 2 ] || { echo "usage: $0 stop RUN_DIR" >&2; exit 2; }
    "$deploy/local/stop" --run-dir "$2"
    ;;
*)
    echo "usage: $0 start|stop ..." >&2
    exit 2
    ;;
esac
