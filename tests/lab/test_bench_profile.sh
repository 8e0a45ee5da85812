#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make profile, briefly: bench_ce --jit-lines writes a line table for each
# of the CE's programs (offsets ascending within each function, every line
# on a source file of bpf/ or include/), and tests/bench/profile.sh puts perf's samples
# of the fast path's program on those lines: the symbols the tables name
# are the ones the kernel gave the JIT-ed code.  Nothing about timing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
B=${OUTPUT:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# a machine that hides kernel addresses even from root: no table, no symbol
if [ "$(cat /proc/sys/kernel/kptr_restrict 2>/dev/null)" = 2 ]; then
	echo "skip - bench_profile: kernel.kptr_restrict=2 hides the JIT's addresses from root"
	exit 0
fi

if ! timeout 120 "$B"/tests/bench_ce --quick --only "fast path out established UDP" \
	--jit-lines "$tmp" >"$tmp/bench.txt" 2>&1; then
	echo "not ok - bench_profile: bench_ce --jit-lines exited non-zero"
	sed 's/^/#   /' "$tmp/bench.txt" | head -20
	exit 1
fi
python3 - "$tmp" <<'PY'
import glob, os, re, sys

tmp = sys.argv[1]
srcs = {os.path.basename(p) for p in glob.glob("bpf/*/*.[ch]") + glob.glob("include/*.h")}
want = ["mapce_xdp_ingress", "mapce_xdp_fastpath", "mapce_tc_egress", "mapce_tc_ingress"]
for prog in want:
    path = os.path.join(tmp, prog + ".lines")
    if not os.path.exists(path):
        print(f"not ok - bench_profile line table {prog}: not written")
        continue
    last, bad, n, main = {}, [], 0, 0
    for line in open(path):
        m = re.match(r"^(bpf_prog_[0-9a-f]{16}_(\w+)) ([0-9a-f]+) ([\w.]+):(\d+) ", line)
        if not m:
            bad.append(line.strip())
            continue
        sym, func, off, src = m.group(1), m.group(2), int(m.group(3), 16), m.group(4)
        n += 1
        main += func == prog
        if src not in srcs or off < last.get(sym, -1):
            bad.append(line.strip())
        last[sym] = off
    if n and main and not bad:
        print(f"ok - bench_profile line table {prog} ({n} lines)")
    else:
        print(f"not ok - bench_profile line table {prog}: {n} lines, {main} of the program's "
              f"own function, bad: {bad[:3]}")
PY

# perf's samples on those lines (a few seconds of the fast path's frames)
if ! perf record -q -C 0 -o "$tmp/probe.data" -- true >"$tmp/probe.txt" 2>&1; then
	echo "skip - bench_profile samples: perf cannot sample this machine's CPUs: $(head -1 "$tmp/probe.txt")"
	exit 0
fi
if ! PROFILE_FRAMES=2000000 PROFILE_CALLS=20001 PROFILE_TOP=5 timeout 180 tests/bench/profile.sh \
	"fast path out established UDP" >"$tmp/profile.txt" 2>&1; then
	echo "not ok - bench_profile: profile.sh exited non-zero"
	sed 's/^/#   /' "$tmp/profile.txt" | head -20
	exit 1
fi
n=$(sed -n 's/^mapce_xdp_fastpath: \([0-9]*\) samples.*/\1/p' "$tmp/profile.txt")
if [ "${n:-0}" -gt 0 ] && grep -q '^  by source file: .*fastpath_out\.h' "$tmp/profile.txt"; then
	echo "ok - bench_profile samples on the fast path's source lines ($n)"
else
	echo "not ok - bench_profile: no sample of mapce_xdp_fastpath put on a source line"
	sed 's/^/#   /' "$tmp/profile.txt" | head -30
fi
