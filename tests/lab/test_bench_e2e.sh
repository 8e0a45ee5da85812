#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench's end-to-end part, briefly (tests/bench/e2e.sh -j, one second
# a figure): every row is there, the generator's frames crossed the lab in
# each and inbound to a port forward (delivered > 0, never more than
# offered), TCP flowed, the mapce rows' and the inbound figure's programs
# were timed (bpf_stats), the table's JSON parses, and the lab is gone
# afterwards.  No rate is asserted:
# benchmarks report, tests check behaviour.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT

if ! E2E_SECONDS=1 timeout 300 tests/bench/e2e.sh -j >"$out" 2>&1; then
	echo "not ok - bench_e2e: tests/bench/e2e.sh -j exited non-zero"
	sed 's/^/#   /' "$out" | tail -20
	exit 1
fi
python3 - "$out" <<'PY'
import json, sys

lines = [l for l in open(sys.argv[1]) if l.startswith("{")]
try:
    d = json.loads(lines[-1])
except (IndexError, ValueError) as e:
    print("not ok - bench_e2e_json: no JSON table: %s" % e); sys.exit(0)
rows = {r["row"]: r for r in d["rows"]}
for name in ("mapce", "mapce + fastpath", "kernel routing", "nft masquerade"):
    r = rows.get(name)
    if not r:
        print("not ok - bench_e2e_%s: row missing" % name.replace(" ", "_")); continue
    p = r["packets"]
    bad = []
    if not p["offered"] > 0: bad.append("nothing offered")
    if not 0 < p["delivered"] <= p["offered"]: bad.append("delivered %d of %d" % (p["delivered"], p["offered"]))
    if not (r["tcp1_bps"] > 0 and r["tcp8_bps"] > 0): bad.append("no TCP")
    # the mapce rows' programs, timed by bpf_stats over runs of their own
    if name.startswith("mapce") and not (any(k.startswith("mapce") for k in r["bpf_ns"]) and
                                         any(k.startswith("mapce") for k in r["bpf_tcp1_ns"])):
        bad.append("no bpf_stats of its programs: %s %s" % (r["bpf_ns"], r["bpf_tcp1_ns"]))
    tag = "bench_e2e_" + name.replace(" + ", "_").replace(" ", "_")
    print(("not ok - %s: %s" % (tag, "; ".join(bad))) if bad else "ok - %s" % tag)
i = d.get("inbound") or {}
p = i.get("packets") or {}
bad = []
if not 0 < p.get("delivered", 0) <= p.get("offered", 0): bad.append("delivered %s of %s" % (p.get("delivered"), p.get("offered")))
if not any(k.startswith("mapce") for k in i.get("bpf_ns") or {}): bad.append("no bpf_stats of its programs: %s" % i.get("bpf_ns"))
print(("not ok - bench_e2e_inbound: %s" % "; ".join(bad)) if bad else "ok - bench_e2e_inbound")
PY
if ip netns list | grep -q '^mce-'; then
	echo "not ok - bench_e2e_cleanup: lab namespaces left: $(ip netns list | grep '^mce-' | tr '\n' ' ')"
else
	echo "ok - bench_e2e_cleanup"
fi
