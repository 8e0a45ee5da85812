#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: run the BPF_PROG_TEST_RUN benchmarks and say where and when.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${OUTPUT:-build}
echo "# $(date -u +'%F %T UTC') on $(uname -r), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
"$B"/tests/bench_ce "${CALLS:-20001}"
