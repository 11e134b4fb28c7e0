#!/usr/bin/env bash
# The layering the code keeps (docs/ARCHITECTURE.md, "Where code goes"): the services and
# claimctl reach Kafka only through common/, and no public header carries a librdkafka type
# (kafka/kafka_client.h is yb_io's own). The rule engine stays pure: no I/O library in
# common/rules. The base room (error codes, the calendar) depends on nothing of ours, and the
# codec not on the rules. yb_io's rooms include only the rooms before them. Prints each
# breach; exits 1 when there is one.
#
#   tests/layering-check.sh        (from the source tree's root)
set -euo pipefail
breaches=0
breach() { echo "layering: $*" >&2; breaches=$((breaches + 1)); }

while IFS= read -r hit; do breach "a service calls librdkafka: $hit"; done < <(
    grep -rnE 'rd_kafka_[a-z_]+ *\(|rdkafka\.h' services --include='*.c' --include='*.h' || true)
while IFS= read -r hit; do breach "a public header carries librdkafka: $hit"; done < <(
    grep -nE 'rd_kafka_|rdkafka\.h' common/*/*.h | grep -v '^common/kafka/kafka_client\.h:' |
        grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' || true)
while IFS= read -r hit; do breach "the rule engine includes an I/O library: $hit"; done < <(
    grep -nE '#include *[<"](librdkafka|hiredis|jansson|avro|microhttpd)' common/rules/*.c common/rules/*.h || true)
while IFS= read -r hit; do breach "the base room includes another room: $hit"; done < <(
    grep -nE '#include *"' common/base/*.c common/base/*.h | grep -v '#include *"base/' || true)
while IFS= read -r hit; do breach "the codec includes the rules: $hit"; done < <(
    grep -nE '#include *"rules/' common/codec/*.c common/codec/*.h || true)
# The rooms of yb_io include only the rooms before them: io, then kafka and redis, then
# store, then service (common/CMakeLists.txt).
room_may_not() { # ROOM FORBIDDEN...
    local room=$1 other; shift
    for other in "$@"; do
        while IFS= read -r hit; do breach "common/$room includes common/$other: $hit"; done < <(
            grep -nE "#include *\"$other/" common/"$room"/*.[ch] || true)
    done
}
room_may_not io kafka redis store service
room_may_not kafka redis store service
room_may_not redis kafka store service
room_may_not store kafka service
# service, last, may include every room before it (it connects Redis as its keys say).
[ "$breaches" -eq 0 ] || exit 1
echo "layering: services reach Kafka through common/ only; no public header carries a librdkafka type; the rules include no I/O; base includes only itself; the codec not the rules; the rooms io < kafka, redis < store < service"
