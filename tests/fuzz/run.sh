#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run the libFuzzer harnesses (build/fuzz/fuzz_*, `make fuzz-build`) and the
# BPF fuzzers (build/tests/test_{ce,br}_fuzz).  tests/fuzz/README.md says more.
#
#   run.sh           `make fuzz`: each harness FUZZ_SECONDS (default 60) and
#                    at most FUZZ_RUNS inputs (default 100000000), FUZZ_JOBS
#                    at a time (default 2); its corpus grows in
#                    build/fuzz/corpus/NAME (seeded from tests/fuzz/corpus/NAME),
#                    crashes land in build/fuzz/artifacts/NAME/.  Then each
#                    BPF fuzzer with FUZZ_PACKETS (default 10000000) and
#                    FUZZ_SEED.  A table of runs, coverage and crashes; exit 1
#                    on any crash or failure.
#   run.sh --smoke   `make test`: each harness over its repository corpus
#                    (seeds and the regression inputs of past crashes) and
#                    FUZZ_SMOKE_RUNS (default 2000) mutations, in a
#                    throw-away directory; one "ok/not ok/skip - " line each.
#
# FUZZ_HARNESSES="fuzz_isp fuzz_s46" limits the harnesses run.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${OUTPUT:-build}
F=$B/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:-100000000}
JOBS=${FUZZ_JOBS:-2}
PACKETS=${FUZZ_PACKETS:-10000000}
SEED=${FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
SMOKE_RUNS=${FUZZ_SMOKE_RUNS:-2000}

# The harnesses' private directories (tests/fuzz/fuzz.h) go under $tmp: on
# tmpfs when there is one, where the config editor's fsync() costs nothing.
tmp=$(mktemp -d /dev/shm/mapce-fuzz.XXXXXX 2>/dev/null || mktemp -d /tmp/mapce-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export TMPDIR=$tmp

harnesses=()
for src in tests/fuzz/fuzz_*.c; do
	h=$(basename "$src" .c)
	if [ -n "${FUZZ_HARNESSES:-}" ] && [[ " $FUZZ_HARNESSES " != *" $h "* ]]; then
		continue
	fi
	harnesses+=("$h")
done

# libFuzzer's flags for harness h: its dictionary, quiet target output
# (libFuzzer's and the sanitizers' reports still show), a per-input
# timeout, a memory bound.
flags() {
	local h=$1
	echo -close_fd_mask=3 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	[ -f "tests/fuzz/dict/$h.dict" ] && echo "-dict=tests/fuzz/dict/$h.dict"
}

# Seed directories of harness h: its corpus, and data it reads anyway.
seeds() {
	echo "tests/fuzz/corpus/$1"
	if [ "$1" = fuzz_isp ]; then
		echo data/isp # the shipped tables
	fi
}

# "runs cov ft" of a libFuzzer log.
stats() {
	local runs cov ft
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$1" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$1" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$1" | tail -n 1 | cut -d' ' -f2)
	echo "${runs:-?} ${cov:-?} ${ft:-?}"
}

smoke() {
	local h rc files
	if [ -f "$F/SKIPPED" ]; then
		echo "skip - fuzz_smoke: $(cat "$F/SKIPPED")"
		return 0
	fi
	for h in "${harnesses[@]}"; do
		if [ ! -x "$F/$h" ]; then
			echo "not ok - fuzz_smoke_$h: $F/$h is not built (make fuzz-build)"
			continue
		fi
		mkdir -p "$tmp/$h/new"
		# shellcheck disable=SC2046
		files=$(find $(seeds "$h") -type f | wc -l)
		# shellcheck disable=SC2046
		timeout 300 "$F/$h" $(flags "$h") -seed=1 -runs="$SMOKE_RUNS" \
			-artifact_prefix="$tmp/$h/" "$tmp/$h/new" $(seeds "$h") \
			>"$tmp/$h.log" 2>&1
		rc=$?
		read -r runs cov _ < <(stats "$tmp/$h.log")
		if [ $rc -eq 0 ] && [ "$files" -gt 0 ]; then
			echo "ok - fuzz_smoke_$h: $files corpus inputs, $runs runs, cov $cov"
		else
			# keep what it found: $tmp goes away
			mkdir -p "$F/artifacts/$h"
			cp "$tmp/$h"/crash-* "$tmp/$h"/timeout-* "$tmp/$h"/oom-* "$F/artifacts/$h/" \
				2>/dev/null
			echo "not ok - fuzz_smoke_$h: exited $rc ($files corpus inputs; inputs" \
				"kept in $F/artifacts/$h/)"
			grep -E 'FUZZ_CHECK|ERROR:|SUMMARY|Test unit written|#[0-9]+ .* (tests|user)/' \
				"$tmp/$h.log" | head -n 30
		fi
	done
}

# One harness for the time/run bound; its row of the table to $tmp/$h.row.
fuzz_one() {
	local h=$1 rc t0 crashes
	local work=$F/corpus/$h art=$F/artifacts/$h log=$F/logs/$h.log
	mkdir -p "$work" "$art" "$F/logs"
	t0=$SECONDS
	# shellcheck disable=SC2046
	"$F/$h" $(flags "$h") -seed="$SEED" -max_total_time="$SECONDS_EACH" -runs="$RUNS" \
		-artifact_prefix="$art/" "$work" $(seeds "$h") >"$log" 2>&1
	rc=$?
	crashes=$(grep -c 'Test unit written to' "$log")
	read -r runs cov ft < <(stats "$log")
	printf '%-12s %6ss %12s %7s %8s %8s  %s\n' "$h" "$((SECONDS - t0))" "$runs" "$cov" \
		"$ft" "$crashes" "$([ $rc -eq 0 ] && echo ok || echo "exit $rc: $log")" \
		>"$tmp/$h.row"
}

bpf_fuzzers() {
	local b rc out
	for b in test_ce_fuzz test_br_fuzz; do
		if [ ! -x "$B/tests/$b" ]; then
			echo "$b: skipped, $B/tests/$b is not built (it comes with the BPF fuzzers)"
			continue
		fi
		out=$tmp/$b.log
		t0=$SECONDS
		FUZZ_PACKETS=$PACKETS FUZZ_SEED=$SEED "$B/tests/$b" >"$out" 2>&1
		rc=$?
		if grep -q '^not ok' "$out" || [ $rc -ne 0 ]; then
			echo "$b: FAILED (exit $rc, seed $SEED):"
			grep -E '^(not ok|#)' "$out" | head -n 20
			failed=1
		elif grep -qE "(^|[^0-9])$PACKETS([^0-9]|$)" "$out"; then
			echo "$b: $PACKETS packets a program, seed $SEED, $((SECONDS - t0))s, no failure"
			grep -E '^# .*(frames|packets)' "$out" | sed 's/^/    /'
		else
			echo "$b: ran its own fixed packet count ($((SECONDS - t0))s): its output" \
				"does not show FUZZ_PACKETS=$PACKETS being read"
		fi
		grep -E '^(ok|skip) - ' "$out" | sed 's/^/    /'
	done
}

if [ "${1:-}" = --smoke ]; then
	smoke
	exit 0
fi

[ -f "$F/SKIPPED" ] && { cat "$F/SKIPPED"; exit 1; }
failed=0
echo "fuzz: ${#harnesses[@]} harnesses, ${SECONDS_EACH}s or $RUNS runs each, $JOBS at a time," \
	"seed $SEED"
running=0
for h in "${harnesses[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$h" &
	running=$((running + 1))
done
wait
printf '%-12s %7s %12s %7s %8s %8s  %s\n' harness time runs cov features crashes status
for h in "${harnesses[@]}"; do
	cat "$tmp/$h.row"
	grep -q ' ok$' "$tmp/$h.row" || failed=1
done
echo "crash inputs: $F/artifacts/NAME/ (reproduce: $F/NAME FILE; keep a fixed one as" \
	"tests/fuzz/corpus/NAME/crash-*)"
bpf_fuzzers
exit "$failed"
