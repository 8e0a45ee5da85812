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

BRDEV=tbrb$TBR_ID
setup() {
	local sw=tbr-sw-$TBR_ID
	tbr_ns sw && tbr_ns ce && tbr_ns c2 && tbr_ns br && tbr_ns sv || return 1
	on sw ip link add "tbrw$TBR_ID" type bridge && on sw ip link set "tbrw$TBR_ID" up || return 1
	ip link add "tbr0$TBR_ID" netns "$sw" type veth peer name "$BRDEV" netns "tbr-br-$TBR_ID" &&
		ip link add "tbr1$TBR_ID" netns "$sw" type veth peer name "tbrc$TBR_ID" \
			netns "tbr-ce-$TBR_ID" &&
		ip link add "tbr2$TBR_ID" netns "$sw" type veth peer name "tbrd$TBR_ID" \
			netns "tbr-c2-$TBR_ID" &&
		ip link add "tbri$TBR_ID" netns "tbr-br-$TBR_ID" type veth peer name "tbrs$TBR_ID" \
			netns "tbr-sv-$TBR_ID" || return 1
	for p in 0 1 2; do
		on sw ip link set "tbr$p$TBR_ID" master "tbrw$TBR_ID" up || return 1
	done
	on ce ip -6 addr add 2001:db8:f00::2/64 dev "tbrc$TBR_ID" nodad &&
		on ce ip -6 addr add "$TBR_CE6/128" dev "tbrc$TBR_ID" nodad &&
		on ce ip link set "tbrc$TBR_ID" up &&
		on ce ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 &&
		on c2 ip -6 addr add 2001:db8:f00::3/64 dev "tbrd$TBR_ID" nodad &&
		on c2 ip -6 addr add "$TBR_CE19_6/128" dev "tbrd$TBR_ID" nodad &&
		on c2 ip link set "tbrd$TBR_ID" up &&
		on c2 ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 &&
		on br ip -6 addr add 2001:db8:f00::1/64 dev "$BRDEV" nodad &&
		on br ip link set "$BRDEV" up &&
		on br ip -6 route add 2001:db8::/40 via 2001:db8:f00::2 dev "$BRDEV" &&
		on br ip -6 route add 2001:db8:13::/48 via 2001:db8:f00::3 dev "$BRDEV" &&
		on br ip addr add "$TBR_SV_GW/24" dev "tbri$TBR_ID" &&
		on br ip link set "tbri$TBR_ID" up &&
		on br sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1 &&
		on sv ip addr add "$TBR_SV/24" dev "tbrs$TBR_ID" &&
		on sv ip link set "tbrs$TBR_ID" up &&
		on sv ip route add default via "$TBR_SV_GW" || return 1
	tbr_wait 10 on ce ping -6 -c1 -W1 2001:db8:f00::1 &&
		tbr_wait 10 on c2 ping -6 -c1 -W1 2001:db8:f00::1 &&
		tbr_wait 10 on br ping -c1 -W1 "$TBR_SV"
}

t_begin "br_fib: setup"
if ! setup >"$TBR_TMP/setup.log" 2>&1; then
	t_why "topology: $(tail -n 3 "$TBR_TMP/setup.log" | tr '\n' ' ')"
elif ! tbr_br_up br "$BRDEV"; then
	t_why "br up: $(tr '\n' ' ' <"$TBR_TMP/br_up.out" | head -c 300)"
else
	tbr_bg sv "$TBR_PY" tests/lab/tools/udp_echo.py server --listen "$TBR_SV:7007" \
		--ready "$TBR_TMP/udp.ready"
	tbr_wait 10 test -e "$TBR_TMP/udp.ready" || t_why "UDP echo server did not start"
fi
t_end
if [ "$T_FAILED" -ne 0 ]; then
	for c in "${CASES[@]:1:2}"; do t_skip "br_fib: $c" "setup failed"; done
else
	t_begin "br_fib: reaches_ce_behind_other_next_hop"
	on c2 "$TBR_PY" "$TBR_TMP/ce_emul.py" "$TBR_CE19_6" "$TBR_BR6" 198.51.100.19 0x1341 \
		"$TBR_SV" 7007 --expect-to6 "$TBR_CE19_6" --expect-v4dst 198.51.100.19 \
		--expect-dport 4929 >"$TBR_TMP/emul.out" 2>&1 ||
		t_why "the echo did not reach tbr-c2: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
	t_end

	t_begin "br_fib: default_next_hop_still_works"
	on ce "$TBR_PY" "$TBR_TMP/ce_emul.py" "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" 0x1340 \
		"$TBR_SV" 7007 --expect-to6 "$TBR_CE6" --expect-v4dst "$TBR_CE_V4" \
		--expect-dport 4928 >"$TBR_TMP/emul.out" 2>&1 ||
		t_why "the echo did not reach tbr-ce: $(tr '\n' ' ' <"$TBR_TMP/emul.out")"
	t_end
fi

tbr_cleanup_case
t_exit
