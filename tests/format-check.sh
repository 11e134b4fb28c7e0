#!/usr/bin/env bash
# Fail, naming the files, when a tracked C file differs from what .clang-format makes of it.
# Fix with: git ls-files '*.c' '*.h' | xargs clang-format-14 -i
set -euo pipefail
clang_format=${1:-clang-format-14}
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h')
[ ${#files[@]} -gt 0 ] || { echo "no C files found" >&2; exit 1; }
if ! "$clang_format" --dry-run --Werror "${files[@]}" 2>/tmp/format-check.$$; then
    grep -o '^[^:]*\.[ch]:' /tmp/format-check.$$ | sort -u | sed 's/:$//; s/^/not formatted: /' >&2
    rm -f /tmp/format-check.$$
    echo "fix with: git ls-files '*.c' '*.h' | xargs $clang_format -i" >&2
    exit 1
fi
rm -f /tmp/format-check.$$
echo "format_check: ${#files[@]} files formatted"
