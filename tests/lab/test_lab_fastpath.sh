#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The XDP fast path (mapce up --fastpath LAN_IF) in the lab
# (tests/lab/lib/lab.sh with LAB_FASTPATH=on: the CE up with --fastpath
# mce-cel, GRO on the veth ends it redirects into), with real clients:
#
#   lab_fastpath_status     mapce status -j: the fast path on mce-cel, and
#                           mce-cel holds mapce's XDP program
#   lab_fastpath_ping       3 echo replies
#   lab_fastpath_udp        UDP echo, the server sees the shared address and a
#                           port of the set
#   lab_fastpath_tcp        HTTP download (sha256 verified) and an 8 MiB TCP
#                           echo up, every byte verified
#   lab_fastpath_hits       the fast path counted packets both ways, and what
#                           took it was counted encap / decap as before
#   lab_fastpath_ttl        a TTL 1 packet takes the normal path (the kernel
#                           answers time exceeded), counted as such
#   lab_fastpath_csum_partial  with tx checksum offload on the LAN host's
#                           veth, TCP still works (a 1 MiB echo,
#                           every byte verified) and the fast path counts
#                           what it handed to the normal path (csum_partial)
#   lab_fastpath_refused    --fastpath of no such interface, or of the WAN:
#                           refused naming it, the running CE untouched
#   lab_fastpath_veth_warned  up names mce-cel a veth whose peer's partial
#                           checksums (XDP sees no CHECKSUM_PARTIAL) take the
#                           normal path
#   lab_fastpath_down       mapce down detaches it from mce-cel
#   lab_fastpath_teardown_clean  nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export LAB_FASTPATH=on
# The WAN's frames with complete checksums, as a NIC's: partial ones from
# the ISP's end go the slow path, not the fast one (test_lab_wan_offload.sh).
export LAB_XDP_PEER_TX=off
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

T=${LAB_TEST_TIMEOUT:-60} # per-step bound (seconds)

lab_test_up
lab_need
if [ -n "$LAB_NEED" ]; then
	t_skip_all "$LAB_NEED" lab_fastpath_status lab_fastpath_ping lab_fastpath_udp \
		lab_fastpath_tcp lab_fastpath_hits lab_fastpath_ttl lab_fastpath_csum_partial \
		lab_fastpath_refused \
		lab_fastpath_veth_warned lab_fastpath_down
fi
lab_port_set

# fp_json EXPR: the Python expression EXPR over f, the fast path object of
# mapce status -j (empty output when status fails)
fp_json() {
	MAPCE_T=$T lab_ce -j status 2>/dev/null |
		"$LAB_PY" -c 'import json, sys
f = json.load(sys.stdin)["interfaces"][0]["fastpath"]
print('"$1"')' 2>/dev/null
}

# xdp_on_lan: the XDP program id on mce-cel (empty: none)
xdp_on_lan() {
	ns_exec "$LAB_NS_CE" ip -j -d link show "$LAB_IF_CE_LAN" |
		"$LAB_PY" -c 'import json, sys
x = json.load(sys.stdin)[0].get("xdp", {})
print(x.get("prog", {}).get("id", "") if x else "")'
}


t_begin lab_fastpath_status
on=$(fp_json 'f["on"], f["lan"]')
[ "$on" = "True mce-cel" ] || t_why "status says '$on', want the fast path on mce-cel"
[ -n "$(xdp_on_lan)" ] || t_why "no XDP program on $LAB_IF_CE_LAN"
t_end

t_begin lab_fastpath_ping
out=$(ns_exec_t "$T" "$LAB_NS_LAN" ping -n -c 3 -i 0.2 -W 2 "$LAB_INET_IP" 2>&1)
grep -q " 3 received" <<<"$out" || t_why "ping: $(grep transmitted <<<"$out")"
t_end

t_begin lab_fastpath_udp
lab_udp_echo_check "$T"
t_end

t_begin lab_fastpath_tcp
lab_fetch "$LAB_NS_LAN" "$T" "$LAB_DIR/download.bin"
[ -z "$NS_FETCH_WHY" ] || t_why "download: $NS_FETCH_WHY"
lab_tcp_echo_check "$T" 8
t_end

t_begin lab_fastpath_hits
hits=$(fp_json 'f["out"], f["in"]')
read -r out_n in_n <<<"$hits"
[ "${out_n:-0}" -gt 1000 ] || t_why "fast path out: '${out_n:-}' packets, want > 1000"
[ "${in_n:-0}" -gt 1000 ] || t_why "fast path in: '${in_n:-}' packets, want > 1000"
cnt=$(MAPCE_T=$T lab_ce -j status 2>/dev/null | "$LAB_PY" -c 'import json, sys
c = json.load(sys.stdin)["interfaces"][0]["counters"]
print(c["encap"]["packets"], c["decap"]["packets"])' 2>/dev/null)
read -r enc dec <<<"$cnt"
[ "${enc:-0}" -ge "${out_n:-1}" ] || t_why "encap ${enc:-} < fast path out ${out_n:-}"
[ "${dec:-0}" -ge "${in_n:-1}" ] || t_why "decap ${dec:-} < fast path in ${in_n:-}"
t_note "fast path: out $out_n in $in_n; encap $enc decap $dec"
t_end

t_begin lab_fastpath_ttl
before=$(fp_json 'f["passed"].get("ttl", 0)')
out=$(ns_exec_t "$T" "$LAB_NS_LAN" ping -n -c 1 -t 1 -W 2 "$LAB_INET_IP" 2>&1)
grep -qi "time to live exceeded" <<<"$out" || t_why "ping -t 1: no time exceeded: $out"
after=$(fp_json 'f["passed"].get("ttl", 0)')
[ "${after:-0}" -gt "${before:-0}" ] || t_why "passed ttl ${before:-?} -> ${after:-?}, want a rise"
t_end

t_begin lab_fastpath_csum_partial
# Offloads on along the LAN host -> CE path: the host's TCP leaves with
# checksums left to offload (CHECKSUM_PARTIAL), which the fast path must
# hand to the normal path; every byte still comes back right.
before=$(fp_json 'f["passed"].get("csum_partial", 0)')
if lab_set_wan_offload on; then
	lab_tcp_echo_check "$T" 1
	after=$(fp_json 'f["passed"].get("csum_partial", 0)')
	[ "${after:-0}" -gt "${before:-0}" ] ||
		t_why "passed csum_partial ${before:-?} -> ${after:-?}, want a rise"
else
	t_why "ethtool could not turn offloads on"
fi
lab_set_wan_offload off || t_why "ethtool could not turn offloads off again"
t_end

t_begin lab_fastpath_refused
for bad in nosuch0 "$LAB_IF_WAN"; do
	out=$(lab_ce up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" --fastpath "$bad" 2>&1) &&
		t_why "--fastpath $bad taken"
	grep -q "fastpath '$bad'" <<<"$out" || t_why "--fastpath $bad: message '$out' names it not"
done
grep -q "is the WAN" <<<"$out" || t_why "--fastpath $LAB_IF_WAN: '$out'"
[ "$(fp_json 'f["lan"]')" = mce-cel ] || t_why "the running fast path changed"
t_end

t_begin lab_fastpath_veth_warned
# mce-cel is a veth: up says what its peer's partial checksums get
out=$(lab_ce up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" --fastpath "$LAB_IF_CE_LAN" 2>&1) ||
	t_why "up again with --fastpath $LAB_IF_CE_LAN: $out"
grep -q "fastpath $LAB_IF_CE_LAN is a veth device: TCP and UDP its peer sends with checksum offload take the normal path" <<<"$out" ||
	t_why "no checksum warning: '$out'"
t_end

t_begin lab_fastpath_down
lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
[ -z "$(xdp_on_lan)" ] || t_why "an XDP program is left on $LAB_IF_CE_LAN"
t_end

lab_teardown_case lab_fastpath_teardown_clean
