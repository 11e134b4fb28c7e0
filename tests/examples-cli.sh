#!/usr/bin/env bash
# The worked examples through the command line: claimctl adjudicate on each scheme's
# tests/data/examples/<scheme>.jsonl, its output checked against <scheme>.expected.jsonl.
#
#   tests/examples-cli.sh CLAIMCTL TEST_EXAMPLES EXAMPLES_DIR POLICIES_DIR
set -euo pipefail
claimctl=$1 checker=$2 examples=$3 policies=$4
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for input in "$examples"/*.jsonl; do
    case $input in *.expected.jsonl) continue ;; esac
    scheme=$(basename "$input" .jsonl)
    "$claimctl" adjudicate --policies "$policies" "$input" >"$out"
    printf '%s: ' "$scheme"
    "$checker" --compare "$examples/$scheme.expected.jsonl" "$out"
done
