#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Soak: the full lab (tests/lab/lib/lab.sh), the CE with short timeouts
# (UDP and TCP transitory SOAK_TIMEOUT s, --allow-short-timeouts), short
# TCP and UDP flows churned from the LAN host for SOAK_SECONDS (default
# 45; `make soak` runs 600) beside long-lived ones, by
# tests/lab/tools/soak_flows.py (every byte echoed is checked).
#
#   soak_churn       the churn ran: thousands of flows (SOAK_MIN_FLOWS),
#                    every short TCP flow echoed, every long-lived TCP
#                    connection lived to the end (no reset it did not
#                    ask for), UDP losses reported
#   soak_bindings    after the timeouts the binding and flow counts are
#                    back at their baseline; never above the port set
#                    while it ran (sampled every 2 s)
#   soak_maps        every hash map of the CE holds what it held before
#                    (bpftool: no map grew)
#   soak_counters    the counters add up (no offloads on the way: one
#                    packet is one packet): the CE's encap = the BR's
#                    decap, the BR's encap = the CE's decap, the LAN
#                    host's packets = the CE's encap (ARP aside), no
#                    drop counted on either side
#   soak_teardown    the lab leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

CASES=(soak_churn soak_bindings soak_maps soak_counters soak_teardown)
SOAK_SECONDS=${SOAK_SECONDS:-45}
SOAK_TIMEOUT=${SOAK_TIMEOUT:-2}
SOAK_MIN_FLOWS=${SOAK_MIN_FLOWS:-$((SOAK_SECONDS * 20))}
LAB_START_CE=0
LAB_HTTP_MB=1
# No GSO from the servers: the BR encapsulates what the CE decapsulates
# packet for packet (a GSO packet is counted once at the BR and would be
# segmented on its way to the CE), so the counters must match exactly.
LAB_INET_OFFLOAD=off
lab_test_up
lab_need
case $LAB_NEED in
"" | *"CE not started"*) ;;
*) t_skip_all "$LAB_NEED" "${CASES[@]}" ;;
esac
command -v bpftool >/dev/null || t_skip_all "bpftool not installed" "${CASES[@]}"

ce() { NS_T=60 ns_nsenter "$LAB_NS_CE" "$@"; }
SAMPLER=
stop_sampler() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null && wait "$SAMPLER" 2>/dev/null
	SAMPLER=
}
cleanup() {
	ns_stop soak
	stop_sampler
	lab_down
}
trap cleanup EXIT

if ! out=$(ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" --allow-short-timeouts \
	--timeout-udp "$SOAK_TIMEOUT" --timeout-tcp-trans "$SOAK_TIMEOUT" 2>&1); then
	t_fail soak_up "up: $out"
	for c in "${CASES[@]:0:4}"; do t_skip "$c" "the CE did not come up"; done
	lab_teardown_case soak_teardown
	t_exit
	exit
fi

# snap NAME: what is counted, into LAB_DIR/NAME.json: the CE's status and
# stats, the BR's counters, the LAN host's packets out, the entries of
# every CE map (bpftool).
snap() {
	ce "$MAPCE" -j status --wan "$LAB_IF_WAN" >"$LAB_DIR/$1.status" 2>&1
	ce "$MAPCE" -j stats --wan "$LAB_IF_WAN" >"$LAB_DIR/$1.stats" 2>&1
	ns_nsenter "$LAB_NS_BR" "$MAPCE" -j br status --dev "$LAB_IF_BR_WAN" >"$LAB_DIR/$1.br" 2>&1
	ns_exec "$LAB_NS_LAN" cat "/sys/class/net/$LAB_IF_LAN/statistics/tx_packets" \
		>"$LAB_DIR/$1.lantx" 2>&1
	for p in "$LAB_CE_PIN"/*; do
		printf '%s ' "$(basename "$p")"
		bpftool -j map show pinned "$p" | python3 -c 'import json,sys; print(json.load(sys.stdin)["type"], end=" ")'
		bpftool -j map dump pinned "$p" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
	done >"$LAB_DIR/$1.maps" 2>&1
}

# facts A B: the numbers the cases check, from snapshots A and B, as shell
# assignments (K=V lines).
facts() {
	python3 - "$LAB_DIR/$1" "$LAB_DIR/$2" <<'EOF'
import json, sys
a, b = sys.argv[1:3]
def status(p):
    d = json.load(open(p + '.status'))
    return d['interfaces'][0] if 'interfaces' in d else d
def reasons(p):
    return {k: v['packets'] for k, v in json.load(open(p + '.stats'))['reasons'].items()}
def br(p):
    def find(o):
        if isinstance(o, dict):
            if 'counters' in o:
                return o['counters']
            for v in o.values():
                r = find(v)
                if r is not None:
                    return r
        if isinstance(o, list):
            for v in o:
                r = find(v)
                if r is not None:
                    return r
    return {k: v['packets'] for k, v in find(json.load(open(p + '.br'))).items()}
ra, rb, ba, bb = reasons(a), reasons(b), br(a), br(b)
d = {k: rb[k] - ra.get(k, 0) for k in rb}
bd = {k: bb[k] - ba.get(k, 0) for k in bb}
out = dict(
    bind0=status(a)['bindings'], bind1=status(b)['bindings'],
    flows0=status(a)['flows'], flows1=status(b)['flows'],
    encap=d['encap'], decap=d['decap'], br_encap=bd['br_encap'], br_decap=bd['br_decap'],
    lantx=int(open(b + '.lantx').read()) - int(open(a + '.lantx').read()),
    drops=' '.join('%s=%d' % (k, v) for k, v in sorted(d.items()) if k.startswith('drop') and v),
    br_drops=' '.join('%s=%d' % (k, v) for k, v in sorted(bd.items())
                      if k.startswith('br_drop') and v),
    created=d.get('ev_binding_created', 0), expired=d.get('ev_binding_expired', 0))
for k, v in out.items():
    print("%s='%s'" % (k, v))
EOF
}

snap base
# the binding and flow counts every 2 s while it runs (nsenter, not ip
# netns exec: the pins are in the host's bpffs)
sampler() {
	local i
	for ((i = 0; i < SOAK_SECONDS / 2 + 60; i++)); do
		ce "$MAPCE" -j status --wan "$LAB_IF_WAN" 2>/dev/null | tr -d '\n'
		echo
		sleep 2
	done
}
sampler >"$LAB_DIR/sampler.log" {NS_LOCK_FD}>&- &
SAMPLER=$!

tcp=() udp=()
for ip in "${LAB_INET_IPS[@]}"; do
	tcp+=(--tcp "$ip:$LAB_TCP_PORT")
	udp+=(--udp "$ip:$LAB_UDP_PORT")
done
ns_bg soak "$LAB_NS_LAN" timeout "$((SOAK_SECONDS + 60))" "$LAB_PY" "$LAB_TOOLS/soak_flows.py" \
	"${tcp[@]}" "${udp[@]}" --seconds "$SOAK_SECONDS" --hold "$((SOAK_TIMEOUT + 4))" \
	--budget 200 --out "$LAB_DIR/soak.json"
ns_wait "$((SOAK_SECONDS + 60))" test -e "$LAB_DIR/soak.json"
ns_stop soak

# ---- soak_churn -----------------------------------------------------------
t_begin soak_churn
if [ -s "$LAB_DIR/soak.json" ]; then
	t_json "$LAB_DIR/soak.json" "
n = d.get('tcp_flows', 0) + d.get('udp_flows', 0)
assert n >= $SOAK_MIN_FLOWS, 'only %d flows churned' % n
assert not d['long_tcp_errors'], 'long-lived TCP: %s' % d['long_tcp_errors']
assert d.get('tcp_failed', 0) == 0, 'short TCP flows failed: %s' % d['errors']
assert d.get('long_tcp_bytes', 0) > 0, 'the long-lived TCP connections moved nothing'
assert d.get('long_udp_echoed', 0) > 0, 'the long-lived UDP flows echoed nothing'
"
	t_note "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
g = d.get
print("%ds: %d short TCP flows (%d ok, %d bytes echoed), %d short UDP flows (%d datagrams, %d echoed, %d lost);"
      " %d long TCP (%d bytes, 0 resets: %s), %d long UDP (%d datagrams, %d echoed)" % (
    d["seconds"], g("tcp_flows", 0), g("tcp_ok", 0), g("tcp_bytes", 0), g("udp_flows", 0),
    g("udp_sent", 0), g("udp_echoed", 0), g("udp_sent", 0) - g("udp_echoed", 0),
    d["long_tcp"], g("long_tcp_bytes", 0), not d["long_tcp_errors"], d["long_udp"],
    g("long_udp_sent", 0), g("long_udp_echoed", 0)))' "$LAB_DIR/soak.json")"
else
	t_why "soak_flows.py wrote nothing: $(tail -n 3 "$NS_TMP/soak.log")"
fi
t_end

# ---- soak_bindings --------------------------------------------------------
t_begin soak_bindings
# (facts sets these; unset they say why a case failed)
bind0=none bind1=none flows0=none flows1=none created=none expired=none encap=0 decap=none
br_encap=none br_decap=none
lantx=0 drops='' br_drops=''
back() {
	snap after && eval "$(facts base after)" && [ "$bind1" = "$bind0" ] && [ "$flows1" = "$flows0" ]
}
t1=$SECONDS
ns_wait "$((SOAK_TIMEOUT * 4 + 40))" back ||
	t_why "bindings $bind0 -> ${bind1:-?}, flows $flows0 -> ${flows1:-?} $((SECONDS - t1))s after the churn"
stop_sampler
peak=$(python3 -c '
import json, sys
m = [0, 0]
for l in open(sys.argv[1]):
    try:
        d = json.loads(l)
    except ValueError:
        continue
    w = d["interfaces"][0] if "interfaces" in d else d
    m = [max(m[0], w["bindings"]), max(m[1], w["flows"])]
print(m[0], m[1])' "$LAB_DIR/sampler.log" 2>/dev/null)
read -r peak_b peak_f <<<"$peak"
ports=$(wc -l <"$(lab_port_set && echo "$LAB_PORTSET")")
[ -n "$peak_b" ] && [ "$peak_b" -gt "$bind0" ] || t_why "no binding seen while it ran (peak ${peak_b:-?})"
[ -n "$peak_b" ] && [ "$peak_b" -le "$ports" ] || t_why "peak $peak_b bindings above the $ports ports"
t_note "bindings $bind0 -> peak $peak_b (of $ports ports) -> $bind1, flows $flows0 -> peak $peak_f -> $flows1," \
	"back $((SECONDS - t1))s after the churn ended; $created bindings created, $expired expired"
t_end

# ---- soak_maps ------------------------------------------------------------
t_begin soak_maps
grew=$(join <(sort "$LAB_DIR/base.maps") <(sort "$LAB_DIR/after.maps") |
	awk '$2 ~ /hash/ && $3 != $5 { print $1 ": " $3 " -> " $5 }')
[ -s "$LAB_DIR/base.maps" ] || t_why "no map listed: $(head -c 200 "$LAB_DIR/base.maps")"
[ -z "$grew" ] || t_why "maps changed: $(tr '\n' ' ' <<<"$grew")"
t_note "hash maps: $(awk '$2 ~ /hash/ { printf "%s=%s ", $1, $3 }' "$LAB_DIR/after.maps")"
t_end

# ---- soak_counters --------------------------------------------------------
t_begin soak_counters
[ "$encap" -gt 0 ] || t_why "nothing encapsulated"
[ "$encap" = "$br_decap" ] || t_why "CE encap $encap, BR decap $br_decap"
[ "$decap" = "$br_encap" ] || t_why "BR encap $br_encap, CE decap $decap"
[ "$lantx" -ge "$encap" ] && [ $((lantx - encap)) -le 50 ] ||
	t_why "the LAN host sent $lantx packets, the CE encapsulated $encap"
[ -z "$drops" ] || t_why "CE drops: $drops"
[ -z "$br_drops" ] || t_why "BR drops: $br_drops"
t_note "LAN host sent $lantx packets; CE encap $encap = BR decap $br_decap; BR encap $br_encap = CE decap $decap;" \
	"drops: ${drops:-none} / BR ${br_drops:-none}"
t_end

lab_teardown_case soak_teardown
t_exit
