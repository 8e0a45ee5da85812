#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench, briefly (bench_ce --quick -j): every path, stateful, scale,
# counters and state row is there, took the path it is named for (the bench checks each run's
# verdict and reason counters: "checked"), and the JSON parses.  No timing
# is asserted: benchmarks report, tests check behaviour.
set -uo pipefail
cd "$(dirname "$0")/../.."
B=${OUTPUT:-build}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! timeout 120 "$B"/tests/bench_ce --quick -j >"$out" 2>&1; then
	echo "not ok - bench_smoke: bench_ce --quick -j exited non-zero"
	sed 's/^/#   /' "$out" | head -20
	exit 1
fi
python3 - "$out" <<'PY'
import json, sys

want_rows = [
    "trivial TC program (return OK)", "trivial XDP program (PASS)",
    "trivial XDP program (DROP)", "out established UDP (NAPT+encap)",
    "out established TCP ACK", "out new flow, port set empty",
    "out new flow, port set 90% full", "out ICMP echo request (established)",
    "out IPv6 passthrough (not MAP)", "in established UDP (decap+NAPT)",
    "in ICMP echo reply (established)", "in miss: no flow (dropped)",
    "in stranger to a mapped port (filtered)", "in junk: a port outside the set",
    "in junk: tunnel from a stranger", "in IPv6 passthrough (not MAP)",
]
want_figs = ["setup rate", "tear-down: expiry sweep per binding",
             "tear-down rate", "table capacity", "map memory per binding",
             "seeding", "creating", "cost ratio"]
try:
    d = json.load(open(sys.argv[1]))
except ValueError as e:
    print(f"not ok - bench_smoke json: {e}")
    sys.exit(1)
print("ok - bench_smoke json")
for k in ("machine", "cores", "kernel", "commit", "date"):
    print(("ok - bench_smoke header " + k) if k in d else f"not ok - bench_smoke header: no {k}")
rows = {r["name"]: r for r in d["rows"] if r["section"] == "paths"}
# bpf_stats on only for the (c) series: the timed ones saw no run counted
# unless it is on system-wide; (c) is there wherever bpf_stats is
try:
    sysw = open("/proc/sys/kernel/bpf_stats_enabled").read().strip() == "1"
except OSError:
    sysw = False
if d.get("bpf_stats_while_timing") is sysw:
    print("ok - bench_smoke bpf_stats off while timing (on system-wide: %s)" % sysw)
else:
    print(f"not ok - bench_smoke bpf_stats while timing: {d.get('bpf_stats_while_timing')}, system-wide {sysw}")
r = rows.get("out established UDP (NAPT+encap)") or {}
k = rows.get("in established UDP, frame kept as it is") or {}
if not d.get("bpf_stats") or (r.get("c_on_a_ns") is not None and k.get("c_on_b_ns") is not None):
    print("ok - bench_smoke (c) over runs of its own")
else:
    print(f"not ok - bench_smoke (c) missing: {r}, {k}")
for n in want_rows:
    r = rows.get(n)
    if not r:
        print(f"not ok - bench_smoke row {n}: missing")
    elif not r["checked"] or r["a_raw_ns"] is None:
        print(f"not ok - bench_smoke row {n}: not measured on its path: {r}")
    else:
        print(f"ok - bench_smoke row {n}")
# the established inbound path by live frames: every recycled frame took it
r = rows.get("in established UDP, frame kept as it is")
if r and r["checked"] and r["b_raw_ns"] is not None and r["b_net_ns"] is not None:
    print("ok - bench_smoke row in established UDP, frame kept: live frames (b) measured")
else:
    print(f"not ok - bench_smoke row in established UDP, frame kept: no (b): {r}")
# the fast path both ways by live frames, behind the wrapper that writes
# each recycled frame back (restore.h): every frame took the fast path
# (its reason and its event counted once per frame)
for n in ("fast path out established UDP", "fast path out established UDP, DF clear",
          "fast path in established UDP"):
    r = rows.get(n)
    if r and r["checked"] and r["a_raw_ns"] is not None and r["b_raw_ns"] is not None \
            and r["b_net_ns"] is not None:
        print(f"ok - bench_smoke row {n}: live frames (b) measured")
    else:
        print(f"not ok - bench_smoke row {n}: no (b): {r}")
scale = [r for r in d["rows"] if r["section"] == "scale"]
bad = [r["name"] for r in scale if not r["checked"]]
ok = len(scale) == 6 and not bad
print("ok - bench_smoke scale rows" if ok else f"not ok - bench_smoke scale rows: {len(scale)} rows, unchecked {bad}")
figs = d["figures"]
for w in want_figs:
    got = [f for f in figs if f["name"].startswith(w) or w in f["name"]]
    bad = [f["name"] for f in got if not f["checked"] or f["value"] is None]
    if not got or bad:
        print(f"not ok - bench_smoke figure {w}: {'missing' if not got else bad}")
    else:
        print(f"ok - bench_smoke figure {w}")
# counters: each kind on one CPU and on all at once; atomic and per-CPU
# must lose no increment (checked), the plain kind reports what it lost
ctr = [f for f in figs if f["section"] == "counters"]
bad = [f["name"] for f in ctr if not f["checked"] or f["value"] is None]
ok = len(ctr) == 9 and not bad
print("ok - bench_smoke counters" if ok else f"not ok - bench_smoke counters: {len(ctr)} figures, unchecked {bad}")
# state: a fresh key's insert filled the table as many times as it ran,
# the warm pair left it empty, the warm lookup found its key (each run's
# verdict and the table's count: checked)
st = [f for f in figs if f["section"] == "state"]
bad = [f["name"] for f in st if not f["checked"] or f["value"] is None]
ok = len(st) == 4 and not bad
print("ok - bench_smoke state" if ok else f"not ok - bench_smoke state: {len(st)} figures, unchecked {bad}")
PY
