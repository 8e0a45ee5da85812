#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_updown.sh - `mapce br up|down|status` on a real veth in network
# namespaces, and UDP through the BR from emulated CEs:
#
#   tbr-ce (MAP addresses of 198.51.100.18 and .19, PSID 0x34; ce_emul.py)
#     <-> tbr-br (tbrbPID: br up) <-> tbr-sv (udp_echo.py on 203.0.113.10)
#
# Failures roll back (no route toward the rule prefix, a foreign XDP
# program), up creates address, route, XDP, tc and pins (mapce_br_frags
# included), up again changes nothing, other parameters are refused,
# owner traffic passes and spoofed traffic does not, CE to CE hairpins,
# `br status -j` counts exactly, down removes everything up made (and only
# that: a BR address that was there stays).  Root only; harness lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

CASES=(setup up_without_route_rolls_back up_with_foreign_xdp_rolls_back up_creates_all
	up_again_changes_nothing up_other_params_refused udp_round_trip spoofed_port_gets_nothing
	hairpin_ce_to_ce status_counters_exact down_removes_all down_and_status_when_not_up
	preexisting_address_kept cleanup_leaves_nothing)
tbr_init br_updown
tbr_preflight "${CASES[@]}"

PIN=
STATE=
# everything up/down may touch on the BR side, as text
snap() {
	{
		echo "## addr"; on br ip -6 addr show dev "$TBR_BR_IF"
		echo "## route4"; on br ip -4 route show table main
		echo "## route6"; on br ip -6 route show table main
		echo "## link"; on br ip link show dev "$TBR_BR_IF"
		echo "## qdisc"; on br tc qdisc show dev "$TBR_BR_IF"
		echo "## egress"; on br tc filter show dev "$TBR_BR_IF" egress
		echo "## pins"; ls -A "$PIN" 2>&1 | sed 's/^ls: //'
		echo "## state"; [ -e "$STATE" ] && cat "$STATE"
	} 2>&1 | grep -v valid_lft
}
same_as() { t_same "$1" snap; } # FILE: t_why with a short diff when the BR side changed
m() { mapce_cmd "$(ns_name br)" "$@"; } # ARGS...: mapce in tbr-br; $rc, $TBR_TMP/out, err
UP=(br up --dev "$(ns_ifname b)" --br "$TBR_BR6" "${TBR_RULE[@]}")
emul() { # ARGS of ce_emul.py
	on ce "$LAB_PY" "$LAB_TOOLS/ce_emul.py" "$@" >"$TBR_TMP/emul.out" 2>&1
}

t_begin "br_updown: setup"
if ! tbr_topology 0 >"$TBR_TMP/setup.log" 2>&1; then
	t_why "topology: $(tail -n 3 "$TBR_TMP/setup.log" | tr '\n' ' ')"
else
	PIN=$(mapce_pins br "$TBR_BR_IF" "$(ns_name br)")
	STATE=$(mapce_run_dir "$(ns_name br)")/br:$TBR_BR_IF.state
	tbr_track br br "$TBR_BR_IF" # cleanup takes it down whatever happens
	tbr_addr ce "$TBR_CE_IF" "$TBR_CE19_6/128" || t_why "second CE address"
	tbr_udp_echo || t_why "UDP echo server did not start"
	snap >"$TBR_TMP/snap.before"
fi
t_end
if tbr_setup_ok "${CASES[@]:1:12}"; then

t_begin "br_updown: up_without_route_rolls_back"
on br ip -6 route del 2001:db8::/40 via 2001:db8:f00::2
snap >"$TBR_TMP/snap.noroute"
m "${UP[@]}"
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q 'no IPv6 route toward the rule IPv6 prefix 2001:db8::/40' "$TBR_TMP/err" ||
	t_why "message: $(errtext)"
same_as "$TBR_TMP/snap.noroute"
on br ip -6 route add 2001:db8::/40 via 2001:db8:f00::2 dev "$TBR_BR_IF"
t_end

cat >"$TBR_TMP/pass.c" <<'C'
__attribute__((section("xdp"), used)) int tbr_pass(void *ctx) { return 2; }
char _license[] __attribute__((section("license"), used)) = "GPL";
C
if ! clang -O2 -target bpf -c "$TBR_TMP/pass.c" -o "$TBR_TMP/pass.o" >"$TBR_TMP/cc" 2>&1; then
	t_skip "br_updown: up_with_foreign_xdp_rolls_back" "cannot build a test XDP program"
elif ! on br ip link set dev "$TBR_BR_IF" xdpgeneric obj "$TBR_TMP/pass.o" sec xdp 2>"$TBR_TMP/ipl"; then
	t_skip "br_updown: up_with_foreign_xdp_rolls_back" \
		"cannot attach a test XDP program: $(head -c 100 "$TBR_TMP/ipl")"
else
	t_begin "br_updown: up_with_foreign_xdp_rolls_back"
	snap >"$TBR_TMP/snap.foreign"
	m "${UP[@]}"
	[ $rc -eq 1 ] || t_why "exit $rc, not 1"
	grep -q "already has XDP program [0-9]* (tbr_pass, generic mode) attached; refusing to replace it" \
		"$TBR_TMP/err" || t_why "message: $(errtext)"
	same_as "$TBR_TMP/snap.foreign"
	on br ip link set dev "$TBR_BR_IF" xdpgeneric off
	same_as "$TBR_TMP/snap.before"
	t_end
fi

t_begin "br_updown: up_creates_all"
m "${UP[@]}"
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
# (captured, then matched: "cmd | grep -q" fails at random under pipefail
# when grep exits before cmd has written everything)
a=$(on br ip -6 addr show dev "$TBR_BR_IF")
grep -q "$TBR_BR6/128" <<<"$a" || t_why "no BR address: $(tr '\n' ' ' <<<"$a")"
r=$(on br ip route show 198.51.100.0/24)
grep -q "198.51.100.0/24 via inet6 2001:db8:f00::2 dev $TBR_BR_IF proto 66 .*mtu 1460" <<<"$r" ||
	t_why "route: $r"
a=$(on br ip link show dev "$TBR_BR_IF")
grep -q 'prog/xdp id [0-9]* name mapce_br_xdp' <<<"$a" ||
	t_why "no XDP program"
a=$(on br tc filter show dev "$TBR_BR_IF" egress)
grep -q mapce_br_tc_egr <<<"$a" || t_why "no tc filter"
for p in mapce_br_config mapce_br_rules mapce_br_lpm mapce_br_stats mapce_br_frags; do
	[ -e "$PIN/$p" ] || t_why "$PIN/$p missing"
done
t_end
snap >"$TBR_TMP/snap.up"

t_begin "br_updown: up_again_changes_nothing"
m "${UP[@]}"
[ $rc -eq 0 ] || t_why "exit $rc: $(errtext)"
grep -q "the BR is already up on $TBR_BR_IF" "$TBR_TMP/err" || t_why "message: $(errtext)"
same_as "$TBR_TMP/snap.up"
t_end

t_begin "br_updown: up_other_params_refused"
m br up --dev "$TBR_BR_IF" --br "$TBR_BR6" --rule 2001:db8::/40,198.51.100.0/24,16,6
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "already up on $TBR_BR_IF with other parameters" "$TBR_TMP/err" || t_why "message: $(errtext)"
same_as "$TBR_TMP/snap.up"
t_end

tbr_counters br "$TBR_BR_IF"
d0=$(cnt br_decap) e0=$(cnt br_encap) s0=$(cnt br_drop_spoofed)

t_begin "br_updown: udp_round_trip"
emul "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" 0x1340 "$TBR_SV" 7007 --expect-to6 "$TBR_CE6" \
	--expect-v4dst "$TBR_CE_V4" --expect-dport 4928 ||
	t_why "no echo: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
t_end

t_begin "br_updown: spoofed_port_gets_nothing"
# port 0x1350 belongs to PSID 0x35, not to this CE
emul "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" 0x1350 "$TBR_SV" 7007 --expect-v4dst "$TBR_CE_V4" \
	--timeout 1.5
[ $? -eq 1 ] || t_why "got an answer: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
t_end

t_begin "br_updown: hairpin_ce_to_ce"
# 198.51.100.18 port 0x1341 -> 198.51.100.19 port 0x2341 (its PSID 0x34):
# decapsulated, routed back out, encapsulated to the other CE
emul "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" 0x1341 198.51.100.19 0x2341 --expect-to6 "$TBR_CE19_6" \
	--expect-v4dst 198.51.100.19 --expect-dport 9025 ||
	t_why "not delivered: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
t_end

t_begin "br_updown: status_counters_exact"
tbr_counters br "$TBR_BR_IF" || t_why "status -j failed: $(head -c 200 "$TBR_TMP/status.err")"
# up: the datagram and the hairpin; down: the echo and the hairpin
moved() { # NAME BEFORE WANT
	local d=$(($(cnt "$1") - $2))
	[ "$d" -eq "$3" ] || t_why "$1 moved by $d, want $3"
}
moved br_decap "$d0" 2
moved br_encap "$e0" 2
moved br_drop_spoofed "$s0" 1
"$LAB_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["enabled"] and d["xdp"]["attached"] and d["tc"]["attached"], "not attached"
assert d["fragments"]["max"] == 16384 and d["fragments"]["timeout_s"] == 30, d["fragments"]
' "$TBR_TMP/status.json" 2>"$TBR_TMP/py.err" || t_why "$(tail -n 1 "$TBR_TMP/py.err")"
m br status --dev "$TBR_BR_IF"
grep -Eq '^  fragments   [0-9]+ datagrams tracked \(at most 16384, 30 s\)$' "$TBR_TMP/out" ||
	t_why "text status has no fragments line"
t_end

t_begin "br_updown: down_removes_all"
m br down --dev "$TBR_BR_IF"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
same_as "$TBR_TMP/snap.before"
[ -e "$PIN" ] && t_why "$PIN still there"
[ -e "$STATE" ] && t_why "$STATE still there"
t_end

t_begin "br_updown: down_and_status_when_not_up"
m br down --dev "$TBR_BR_IF"
[ $rc -eq 1 ] || t_why "second down: exit $rc, not 1"
grep -q "the BR is not up on $TBR_BR_IF" "$TBR_TMP/err" || t_why "message: $(errtext)"
m br status --dev "$TBR_BR_IF"
[ $rc -eq 1 ] || t_why "status: exit $rc, not 1"
t_end

t_begin "br_updown: preexisting_address_kept"
on br ip -6 addr add "$TBR_BR6/128" dev "$TBR_BR_IF" nodad || t_why "cannot add the address"
snap >"$TBR_TMP/snap.addr"
m "${UP[@]}"
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
m br down --dev "$TBR_BR_IF"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
same_as "$TBR_TMP/snap.addr"
t_end
fi

tbr_cleanup_case
t_exit
