#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench's end-to-end part, briefly (tests/bench/e2e.sh -j, one second
# a figure): every row is there, the generator's frames crossed the lab in
# each and inbound to a port forward (delivered > 0, never more than
# offered), TCP flowed, the mapce rows' and the inbound figure's programs
# were timed (bpf_stats), every row's and the inbound figure's throughput
# search ran paced trials (two of a second each here: never more offered
# than asked, the figure the delivered rate of a trial that lost at most
# the loss allowed, that rate run once more to confirm it), the table's
# JSON parses and says where the rows ran (the default placement), a bad
# placement knob is refused before any lab exists, and the lab is gone
# afterwards.  No rate is asserted:
# benchmarks report, tests check behaviour.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# a knob that would move work between the cores, refused before the lab
# exists, naming the value
msg=$(E2E_ISP_RPS=zz timeout 60 tests/bench/e2e.sh -j 2>&1 >/dev/null)
rc=$?
if [ "$rc" -ne 2 ] || ! grep -q "E2E_ISP_RPS: 'zz' is not a hex CPU mask" <<<"$msg" ||
	grep -q '^mce-' <<<"$(ip netns list)"; then
	echo "not ok - bench_e2e_bad_knob_refused: exit $rc, '$msg'"
else
	echo "ok - bench_e2e_bad_knob_refused"
fi

# the default placement (no knob from the caller's environment)
if ! env -u E2E_NAPI_CPU1 -u E2E_ISP_RPS E2E_SECONDS=1 E2E_PDR_STEPS=2 E2E_PDR_SECONDS=1 \
	timeout 300 tests/bench/e2e.sh -j >"$out" 2>&1; then
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
def search_faults(p, t):
    """what is wrong with the throughput search t beside the all-out run p:
    paced trials (trafficgen --rate), or none when the all-out run itself
    lost no more than allowed"""
    bad = []
    t = t or {}
    trials, loss = t.get("trials"), t.get("loss", -1)
    if trials is None or not 0 < loss < 0.05:
        return ["no throughput search: %s" % t]
    if not t["generator_bound"] and len(trials) != 2:
        bad.append("%d trials, not the 2 asked" % len(trials))
    for asked, offered, delivered in trials:
        # 64 frames of catch-up a second at most, and a batch's rounding
        if not 0 < offered <= asked * 1.02 + 200:
            bad.append("trial at %d pps offered %d" % (asked, offered))
        if delivered > offered:
            bad.append("trial at %d pps delivered %d of %d" % (asked, delivered, offered))
    ok = sorted((a, d) for a, o, d in trials if d >= o * (1 - loss))
    want = p["delivered_pps"] if t["generator_bound"] else (ok[-1][1] if ok else None)
    if t["generator_bound"] and p["delivered"] < p["offered"] * (1 - loss):
        bad.append("all-out run lost %d of %d, called the ceiling" % (p["offered"] - p["delivered"], p["offered"]))
    if t["pps"] is not None and want is not None and abs(t["pps"] - want) > 1:
        bad.append("throughput %s, not the passing trial's %s" % (t["pps"], want))
    if (t["pps"] is None) != (want is None):
        bad.append("throughput %s with trials %s" % (t["pps"], trials))
    # the confirmation: the highest passing rate again, paced as the trials
    c = t.get("confirm")
    if (c is not None) != (bool(ok) and not t["generator_bound"]):
        bad.append("confirmation %s after trials %s" % (c, trials))
    elif c is not None:
        asked, offered, delivered = c
        if asked != ok[-1][0] or not 0 < offered <= asked * 1.02 + 200 or delivered > offered:
            bad.append("confirmation %s after trials %s" % (c, trials))
    return bad

placement = d.get("placement")
print(("not ok - bench_e2e_placement: %r" % placement) if placement != "generator CPU 0, path CPU 1"
      else "ok - bench_e2e_placement")
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
    bad += search_faults(p, r.get("throughput"))
    tag = "bench_e2e_" + name.replace(" + ", "_").replace(" ", "_")
    print(("not ok - %s: %s" % (tag, "; ".join(bad))) if bad else "ok - %s" % tag)
i = d.get("inbound") or {}
p = i.get("packets") or {}
bad = []
if not 0 < p.get("delivered", 0) <= p.get("offered", 0): bad.append("delivered %s of %s" % (p.get("delivered"), p.get("offered")))
if not any(k.startswith("mapce") for k in i.get("bpf_ns") or {}): bad.append("no bpf_stats of its programs: %s" % i.get("bpf_ns"))
if p: bad += search_faults(p, i.get("throughput"))
print(("not ok - bench_e2e_inbound: %s" % "; ".join(bad)) if bad else "ok - bench_e2e_inbound")
PY
if grep -q '^mce-' <<<"$(ip netns list)"; then
	echo "not ok - bench_e2e_cleanup: lab namespaces left: $(ip netns list | grep '^mce-' | tr '\n' ' ')"
else
	echo "ok - bench_e2e_cleanup"
fi
