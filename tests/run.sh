#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run every mapce test and print the closing "N passed, N failed, N skipped".
# Tests speak tests/harness.h's protocol: "ok - X", "not ok - X: why",
# "skip - X: reason", one line per case.  A test binary or script that
# exits non-zero without printing a "not ok" line counts as one failure.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${OUTPUT:-build}
filter=${TESTS:-}
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run() { # run NAME CMD...
	local name=$1; shift
	[ -n "$filter" ] && [[ "$name" != *$filter* ]] && return
	echo "# $name"
	local t0=$SECONDS
	"$@" >"$log" 2>&1
	local rc=$?
	grep -E '^(ok|not ok|skip) - ' "$log"
	local p f s
	p=$(grep -c '^ok - ' "$log"); f=$(grep -c '^not ok - ' "$log"); s=$(grep -c '^skip - ' "$log")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name: exited $rc"; f=1
	fi
	if [ "$f" -ne 0 ] || [ $rc -ne 0 ]; then
		echo "## output of $name:"; sed 's/^/##   /' "$log" | tail -n 60
	fi
	echo "# $name: $((SECONDS - t0))s"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] && run "$(basename "$t")" "$t"
done
# Only tests/lab/test_*.sh: tests/lab/lib/ (the namespace library) and
# tests/lab/tools/ (its helpers) are not tests.  A test that lost its
# executable bit fails (exit 126) instead of vanishing from the count.
for t in tests/lab/test_*.sh; do
	run "$(basename "$t" .sh)" "$t"
done

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
