#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_fib.sh - the BR's next-hop choice per CE: two CEs behind
# different IPv6 next hops on one link.
#
#   tbr-ce  (f00::2, MAP address of 198.51.100.18 PSID 0x34)  \
#   tbr-c2  (f00::3, MAP address of 198.51.100.19 PSID 0x34)  -- bridge in tbr-sw
#   tbr-br  (f00::1, br up)                                   /
#   tbr-sv  203.0.113.10 behind tbr-br
#
# The BR routes the rule IPv4 prefix via the next hop toward the rule IPv6
# prefix (f00::2), but 2001:db8:13::/48 is routed via f00::3: the TC
# program's bpf_fib_lookup on the outer destination must send .19's
# traffic to f00::3's MAC, or it lands on the wrong box.
# Root only; tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

CASES=(setup reaches_ce_behind_other_next_hop default_next_hop_still_works
	cleanup_leaves_nothing)
tbr_init br_fib
tbr_preflight "${CASES[@]}"

BRDEV=$(ns_ifname b)
setup() {
	local bridge p
	bridge=$(ns_ifname w)
	tbr_ns sw && tbr_ns ce && tbr_ns c2 && tbr_ns br && tbr_ns sv || return 1
	on sw ip link add "$bridge" type bridge && on sw ip link set "$bridge" up &&
		tbr_veth sw "$(ns_ifname 0)" br "$BRDEV" &&
		tbr_veth sw "$(ns_ifname 1)" ce "$(ns_ifname c)" &&
		tbr_veth sw "$(ns_ifname 2)" c2 "$(ns_ifname d)" &&
		tbr_veth br "$(ns_ifname i)" sv "$(ns_ifname s)" || return 1
	for p in 0 1 2; do
		on sw ip link set "$(ns_ifname $p)" master "$bridge" || return 1
	done
	tbr_addr ce "$(ns_ifname c)" 2001:db8:f00::2/64 "$TBR_CE6/128" &&
		on ce ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 &&
		tbr_addr c2 "$(ns_ifname d)" 2001:db8:f00::3/64 "$TBR_CE19_6/128" &&
		on c2 ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 &&
		tbr_addr br "$BRDEV" 2001:db8:f00::1/64 &&
		on br ip -6 route add 2001:db8::/40 via 2001:db8:f00::2 dev "$BRDEV" &&
		on br ip -6 route add 2001:db8:13::/48 via 2001:db8:f00::3 dev "$BRDEV" &&
		tbr_server_side br "$(ns_ifname i)" sv "$(ns_ifname s)" || return 1
	ns_reach "$(ns_name ce)" 2001:db8:f00::1 && ns_reach "$(ns_name c2)" 2001:db8:f00::1
}

t_begin "br_fib: setup"
if ! setup >"$TBR_TMP/setup.log" 2>&1; then
	t_why "topology: $(tail -n 3 "$TBR_TMP/setup.log" | tr '\n' ' ')"
elif ! tbr_br_up br "$BRDEV"; then
	t_why "br up: $(tr '\n' ' ' <"$TBR_TMP/br_up.out" | head -c 300)"
else
	tbr_udp_echo || t_why "UDP echo server did not start"
fi
t_end
if tbr_setup_ok "${CASES[@]:1:2}"; then
	t_begin "br_fib: reaches_ce_behind_other_next_hop"
	on c2 "$LAB_PY" "$LAB_TOOLS/ce_emul.py" "$TBR_CE19_6" "$TBR_BR6" 198.51.100.19 0x1341 \
		"$TBR_SV" 7007 --expect-to6 "$TBR_CE19_6" --expect-v4dst 198.51.100.19 \
		--expect-dport 4929 >"$TBR_TMP/emul.out" 2>&1 ||
		t_why "the echo did not reach tbr-c2: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
	t_end

	t_begin "br_fib: default_next_hop_still_works"
	on ce "$LAB_PY" "$LAB_TOOLS/ce_emul.py" "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" 0x1340 \
		"$TBR_SV" 7007 --expect-to6 "$TBR_CE6" --expect-v4dst "$TBR_CE_V4" \
		--expect-dport 4928 >"$TBR_TMP/emul.out" 2>&1 ||
		t_why "the echo did not reach tbr-ce: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
	t_end
fi

tbr_cleanup_case
t_exit
