# Shared shell helpers for the deploy scripts. Source it; do not run it.
#
# Everything a script needs to know about where things live is here, so that setup, start,
# stop and the README's two commands agree: the repository root, the Kafka jar cache, the
# default run directory and ports. Every default can be overridden from the environment.

YB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# The pinned broker version; deploy/kafka/pom.xml says the same (setup checks they agree).
YB_KAFKA_VERSION=3.9.2
# Jars live outside the repository, where the machine keeps its caches.
YB_CACHE_DIR=${YB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/yibao-claims}
YB_KAFKA_LIB=${YB_KAFKA_LIB:-$YB_CACHE_DIR/kafka-$YB_KAFKA_VERSION/lib}

# The main job's servers. The tests use other ports (tests/CMakeLists.txt) so that a running
# local pipeline and a test run never meet.
YB_RUN_DIR=${YB_RUN_DIR:-$YB_ROOT/.run/local}
YB_KAFKA_PORT=${YB_KAFKA_PORT:-19092}
YB_KAFKA_CONTROLLER_PORT=${YB_KAFKA_CONTROLLER_PORT:-19093}
YB_REDIS_PORT=${YB_REDIS_PORT:-16379}
# The local Kafka: 1 node (broker and controller in one process), or 3 such nodes forming
# one cluster with one controller quorum. Node i (0, 1, 2) serves clients on
# YB_KAFKA_PORT + 2i and its controller on YB_KAFKA_CONTROLLER_PORT + 2i (19092, 19094,
# 19096 and 19093, 19095, 19097 by default).
YB_KAFKA_BROKER_COUNT=${YB_KAFKA_BROKER_COUNT:-1}
# Redis's memory bound (maxmemory, with the noeviction policy): see docs/ARCHITECTURE.md.
YB_REDIS_MAXMEMORY=${YB_REDIS_MAXMEMORY:-1gb}
# Partitions of every member-keyed topic; they must all be equal (co-partitioning).
YB_PARTITIONS=${YB_PARTITIONS:-6}

# yb_kafka_client_port I, yb_kafka_controller_port I: node I's ports (I from 0).
yb_kafka_client_port() { echo $((YB_KAFKA_PORT + 2 * $1)); }
yb_kafka_controller_port() { echo $((YB_KAFKA_CONTROLLER_PORT + 2 * $1)); }

# yb_kafka_bootstrap [COUNT]: the clients' bootstrap list, every node's client port, of a
# Kafka of COUNT brokers (default YB_KAFKA_BROKER_COUNT): 127.0.0.1:19092 for one,
# 127.0.0.1:19092,127.0.0.1:19094,127.0.0.1:19096 for three. Every script that hands the
# local Kafka to a client takes it from here.
yb_kafka_bootstrap() {
    local count=${1:-$YB_KAFKA_BROKER_COUNT} i list=""
    for ((i = 0; i < count; i++)); do
        list+=${list:+,}127.0.0.1:$(yb_kafka_client_port "$i")
    done
    echo "$list"
}

# yb_help SCRIPT: print the script's header comment (its usage text) without the '#'s.
yb_help() { sed -n '2,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'; }

yb_say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
yb_die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# yb_pid_alive PIDFILE PATTERN: true when the pid in PIDFILE runs a command line matching
# PATTERN (so a recycled pid of some other program is never taken for ours).
yb_pid_alive() {
    local pidfile=$1 pattern=$2 pid
    [ -f "$pidfile" ] || return 1
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$pattern"
}

# yb_wait_exit PIDFILE PATTERN SECONDS: wait for the process to go; false if it did not.
yb_wait_exit() {
    local pidfile=$1 pattern=$2 deadline=$((SECONDS + $3))
    while yb_pid_alive "$pidfile" "$pattern"; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

# yb_cmake_configure BUILD_DIR CMAKE_ARGS...: configure the project into BUILD_DIR, with Ninja
# for a new tree when it is installed (an existing tree keeps the generator it has).
yb_cmake_configure() {
    local dir=$1 generator=()
    shift
    [ -f "$dir/CMakeCache.txt" ] || ! command -v ninja >/dev/null || generator=(-G Ninja)
    cmake -S "$YB_ROOT" -B "$dir" "${generator[@]}" "$@" >/dev/null
}

# yb_java_classpath: the broker classpath, or a clear error if setup has not run.
yb_java_classpath() {
    [ -f "$YB_KAFKA_LIB/.complete" ] ||
        yb_die "Kafka $YB_KAFKA_VERSION jars not found in $YB_KAFKA_LIB: run deploy/setup first"
    printf '%s/*' "$YB_KAFKA_LIB"
}

# yb_kafka_tool CLASS ARGS...: run one of Kafka's JVM tools quietly (warnings to stderr).
yb_kafka_tool() {
    local class=$1; shift
    java -Xms64m -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
        -Dlog4j.configuration="file:$YB_ROOT/deploy/kafka/tools-log4j.properties" \
        -cp "$(yb_java_classpath)" "$class" "$@"
}
