#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: the CE's datapath costs in one run (tests/bench/bench_ce.c),
# then end to end through the lab (tests/bench/e2e.sh; BENCH_E2E=0 leaves
# it out): tables, or JSON with BENCH_ARGS=-j; the commit it measured is
# named.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${OUTPUT:-build}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$commit" != unknown ] && ! git diff --quiet HEAD -- bpf include 2>/dev/null; then
	commit="$commit+dirty"
fi
# shellcheck disable=SC2086 # BENCH_ARGS is a list of options
"$B"/tests/bench_ce --commit "$commit" ${BENCH_ARGS:-}
[ "${BENCH_E2E:-1}" = 0 ] && exit 0
echo
# shellcheck disable=SC2086
exec tests/bench/e2e.sh ${BENCH_ARGS:-}
