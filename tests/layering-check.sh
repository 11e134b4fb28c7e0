#!/usr/bin/env bash
# The layering the code keeps (docs/ARCHITECTURE.md): the services and claimctl reach Kafka
# only through common/io, and no public header of common/io carries a librdkafka type
# (io/kafka_client.h is yb_io's own). The rule engine stays pure: no I/O library in
# common/rules. Prints each breach; exits 1 when there is one.
#
#   tests/layering-check.sh        (from the source tree's root)
set -euo pipefail
breaches=0
breach() { echo "layering: $*" >&2; breaches=$((breaches + 1)); }

while IFS= read -r hit; do breach "a service calls librdkafka: $hit"; done < <(
    grep -rnE 'rd_kafka_[a-z_]+ *\(|rdkafka\.h' services --include='*.c' --include='*.h' || true)
while IFS= read -r hit; do breach "a public common/io header carries librdkafka: $hit"; done < <(
    grep -nE 'rd_kafka_|rdkafka\.h' common/io/*.h | grep -v '^common/io/kafka_client\.h:' |
        grep -vE '^[^:]+:[0-9]+:\s*(/?\*|//)' || true)
while IFS= read -r hit; do breach "the rule engine includes an I/O library: $hit"; done < <(
    grep -nE '#include *[<"](librdkafka|hiredis|jansson|avro|microhttpd)' common/rules/*.c common/rules/*.h || true)
[ "$breaches" -eq 0 ] || exit 1
echo "layering: services reach Kafka through common/io only; its public headers carry no librdkafka type; the rules include no I/O"
