#!/usr/bin/env bash
# The worked examples through the command line: claimctl adjudicate on each scheme's
# tests/data/examples/<scheme>.jsonl, its output checked against <scheme>.expected.jsonl.
#
#   tests/examples-cli.sh CLAIMCTL TEST_EXAMPLES EXAMPLES_DIR POLICIES_DIR
set -euo pipefail
claimctl=$1 checker=$2 examples=$3 policies=$4
out=$(mktemp) each=$(mktemp) all=$(mktemp)
trap 'rm -f "$out" "$each" "$all"' EXIT
inputs=()
for input in "$examples"/*.jsonl; do
    case $input in *.expected.jsonl) continue ;; esac
    inputs+=("$input")
    scheme=$(basename "$input" .jsonl)
    "$claimctl" adjudicate --no-fraud --policies "$policies" "$input" >"$out"
    cat "$out" >>"$each"
    printf '%s: ' "$scheme"
    "$checker" --compare "$examples/$scheme.expected.jsonl" "$out"
done
# The schemes' ids are distinct, so the files run as one stream settle exactly as alone:
# the sample the main job (deploy/run) streams.
cat "${inputs[@]}" | "$claimctl" adjudicate --no-fraud --policies "$policies" >"$all"
cmp "$each" "$all" || { echo "1 mismatches: the five files run as one differ from each alone"; exit 1; }
echo "all schemes as one stream: the same $(wc -l <"$all") settlements"
