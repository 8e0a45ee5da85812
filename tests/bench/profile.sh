#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make profile ONLY="fast path out": where the BPF time of the bench's
# paths named ONLY goes, by source line.
#
# perf samples the bench's core (CPU 1, the bench pinned there at
# SCHED_FIFO 50) while bench_ce runs those paths with PROFILE_FRAMES live
# frames a series (20 million: seconds of each) and PROFILE_CALLS calls
# of one packet (200001: a TC path has only those).  Each sample in a JIT-ed
# BPF program (one kernel symbol, bpf_prog_<tag>_<function>, and an
# offset: perf script -F ip,sym,symoff) is put on its source line by the
# programs' JIT line tables, which the bench writes as it runs (bench_ce
# --jit-lines, tests/bench/jit_lines.h): perf annotate cannot, without
# binutils' BPF disassembler.  The rest of the core's samples (the
# helpers the programs call, the trivial programs, the page pool's and the
# stack's work around the frames, the verifier loading each row's CE) are
# listed by kernel symbol.
#
# A profile of a sampling clock, not of cycles (a VM without a PMU gives
# perf its cpu-clock only): a line's share is where the CPU was when the
# clock fired; a stall may show on an instruction after the load that
# caused it.
#
#   tests/bench/profile.sh ONLY   (PROFILE_FRAMES=N, PROFILE_CALLS=N,
#                                  PROFILE_TOP=N lines)
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${OUTPUT:-build}
only=${1:-}
if [ -z "$only" ]; then
	echo "usage: tests/bench/profile.sh ONLY (a part of a bench row's name)" >&2
	exit 2
fi
frames=${PROFILE_FRAMES:-20000000}
calls=${PROFILE_CALLS:-200001} # (a)'s calls: TC paths have no live frames
top=${PROFILE_TOP:-25}
if ! command -v perf >/dev/null || ! perf version >/dev/null 2>&1; then
	echo "profile: needs perf (apt-get install linux-perf; scripts/deps.sh has it)" >&2
	exit 2
fi
if [ "$(cat /proc/sys/kernel/kptr_restrict 2>/dev/null)" = 2 ]; then
	echo "profile: kernel.kptr_restrict=2 hides the kernel's and the JIT's addresses" \
		"(sysctl -w kernel.kptr_restrict=1: root sees them then)" >&2
	exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# -C 1: the whole core, the kernel's work for the bench's frames included
if ! perf record -q -C 1 -o "$tmp/perf.data" -- chrt -f 50 taskset -c 1 \
	"$B"/tests/bench_ce --only "$only" --calls "$calls" --live "$frames" --jit-lines "$tmp" \
	>"$tmp/bench.txt" 2>"$tmp/bench.err"; then
	echo "profile: bench_ce --only '$only' failed:" >&2
	cat "$tmp/bench.err" "$tmp/bench.txt" >&2
	exit 1
fi
echo "# the bench's figures of this run (perf's sampling slows them: timings are make bench's)"
grep -E '^#|^  ' "$tmp/bench.txt" | grep -v '^# ns per\|^#   ' || true
# (perf prints no symbol without its address: ip first, dropped below)
perf script -i "$tmp/perf.data" -F ip,sym,symoff 2>/dev/null >"$tmp/samples.txt"
python3 - "$tmp" "$top" <<'PY'
import bisect, collections, glob, os, sys

tmp, top = sys.argv[1], int(sys.argv[2])
# symbol -> sorted [(offset, "file:line text")]
tables = collections.defaultdict(list)
for path in glob.glob(os.path.join(tmp, "*.lines")):
    for line in open(path):
        sym, off, rest = line.rstrip("\n").split(" ", 2)
        tables[sym].append((int(off, 16), rest))
for t in tables.values():
    t.sort()
offsets = {s: [o for o, _ in t] for s, t in tables.items()}

total = 0
bpf = collections.Counter()                         # program -> samples
lines = collections.defaultdict(collections.Counter)  # program -> line -> samples
files = collections.defaultdict(collections.Counter)
other = collections.Counter()
for raw in open(os.path.join(tmp, "samples.txt")):
    raw = raw.strip().partition(" ")[2]  # the address dropped
    if not raw:
        continue
    total += 1
    sym, _, off = raw.rpartition("+0x")
    if not sym:
        sym, off = raw, "0"
    if sym in tables:
        i = bisect.bisect_right(offsets[sym], int(off, 16)) - 1
        where = tables[sym][i][1] if i >= 0 else "(before the first line)"
        prog = sym.split("_", 3)[3] if sym.count("_") >= 3 else sym
        bpf[prog] += 1
        lines[prog][where] += 1
        files[prog][where.split(":", 1)[0]] += 1
    else:
        # the bench's own raw programs have no BTF, so no line table
        other[sym + " (no line table)" if sym.startswith("bpf_prog_") else sym] += 1

def pct(n, d):
    return 100.0 * n / d if d else 0.0

print(f"\n# {total} samples on CPU 1; in the CE's BPF programs {sum(bpf.values())} "
      f"({pct(sum(bpf.values()), total):.1f}%)")
for prog, n in bpf.most_common():
    print(f"\n{prog}: {n} samples ({pct(n, total):.1f}% of the core)")
    print("  by source file: " + ", ".join(f"{f} {pct(c, n):.1f}%" for f, c in files[prog].most_common()))
    for where, c in lines[prog].most_common(top):
        print(f"  {pct(c, n):5.1f}%  {where[:110]}")
print(f"\noutside the CE's programs (the top {top} kernel symbols of the core):")
for sym, c in other.most_common(top):
    print(f"  {pct(c, total):5.1f}%  {sym}")
PY
