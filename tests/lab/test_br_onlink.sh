#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_onlink.sh - a BR whose CEs are on its own link: no IPv6 router
# between, the rule IPv6 prefix on-link (a connected route, no gateway).
#
#   tbr-ce (tun_ce.py: 198.51.100.18, MAP address on its link)
#     <-> tbr-br (2001:db8::/40 dev tbrbPID: on-link; br up here)
#     <-> tbr-sv (203.0.113.10: HTTP server)
#
# `br up` routes the rule's IPv4 prefix via the on-link placeholder
# fe80::6d61:7063:6272 (a permanent neighbour entry of 02:6d:61:70:63:65)
# and says "CEs on-link"; the tc program finds each packet's CE on the
# link itself: a download works with the BR's neighbour cache flushed
# first (the CE's entry resolved through bpf_redirect_neigh; a frame sent
# to the placeholder MAC would be dropped by the CE's kernel as another
# host's); `br up` again changes nothing; a lost neighbour entry is
# repaired; `br down` removes route and neighbour entry.
# Root only; tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

CASES=(setup up_says_onlink route_and_neighbour download_after_neigh_flush up_again_unchanged
	neighbour_repaired down_removes_all cleanup_leaves_nothing)
tbr_init br_onlink
tbr_preflight "${CASES[@]}"
command -v curl >/dev/null || tbr_skip_all "curl not installed" "${CASES[@]}"

GW=fe80::6d61:7063:6272
MAC=02:6d:61:70:63:65
snap() { # the BR side up and down touch, as text
	{
		on br ip -4 route show table main
		on br ip -6 route show table main
		on br ip -6 neigh show dev "$TBR_BR_IF" nud permanent
		on br tc filter show dev "$TBR_BR_IF" egress
	} 2>&1
}
# (grep -q on a variable, not a pipe: with pipefail, grep -q leaving early
# can fail the pipeline with ip's SIGPIPE)
neighs() { on br ip -6 neigh show dev "$TBR_BR_IF" "$@"; }
neigh_ok() { grep -q "^$GW lladdr $MAC" <<<"$(neighs nud permanent)"; }

t_begin "br_onlink: setup"
if ! tbr_topology 0 >"$TBR_TMP/setup.log" 2>&1; then
	t_why "topology: $(tail -n 3 "$TBR_TMP/setup.log" | tr '\n' ' ')"
else
	# the rule prefix on-link: no gateway toward the CEs
	on br ip -6 route replace 2001:db8::/40 dev "$TBR_BR_IF" || t_why "on-link route"
	# checksums filled before the wire: tun_ce.py hands the raw inner
	# packet to its TUN (as test_br_tcp.sh)
	on br ethtool -K "$TBR_BR_IF" tx off >/dev/null || t_why "ethtool -K tx off failed"
	snap >"$TBR_TMP/snap.before"
	tbr_http_server 4 || t_why "HTTP server did not start"
fi
t_end

if tbr_setup_ok "${CASES[@]:1:6}"; then
	t_begin "br_onlink: up_says_onlink"
	if ! tbr_br_up br "$TBR_BR_IF"; then
		t_why "br up: $(tr '\n' ' ' <"$TBR_TMP/br_up.out" | head -c 300)"
	else
		grep -q "198.51.100.0/24 via inet6 $GW (CEs on-link)" "$TBR_TMP/br_up.out" ||
			t_why "output: $(tr '\n' ' ' <"$TBR_TMP/br_up.out")"
	fi
	t_end

	t_begin "br_onlink: route_and_neighbour"
	grep -q "via inet6 $GW dev $TBR_BR_IF" <<<"$(on br ip -4 route show 198.51.100.0/24)" ||
		t_why "route: $(on br ip -4 route show 198.51.100.0/24)"
	neigh_ok || t_why "neighbour: $(on br ip -6 neigh show dev "$TBR_BR_IF" | tr '\n' ' ')"
	t_end

	t_begin "br_onlink: download_after_neigh_flush"
	if ! tbr_tun_ce; then
		t_why "the TUN CE did not start"
	else
		on br ip -6 neigh flush dev "$TBR_BR_IF" # not the permanent entry
		grep -q "^$TBR_CE6 " <<<"$(neighs)" &&
			t_why "the CE's neighbour entry survived the flush"
		tbr_download ce --local-port 4928-4943 # the port set of PSID 0x34
		[ -n "$DL_WHY" ] && t_why "$DL_WHY"
		# resolved by the kernel for the tc program (bpf_redirect_neigh)
		grep -q "^$TBR_CE6 lladdr" <<<"$(neighs)" ||
			t_why "no neighbour entry for the CE: $(on br ip -6 neigh show dev "$TBR_BR_IF" | tr '\n' ' ')"
		t_note "curl: $DL_INFO"
		tbr_counters br "$TBR_BR_IF"
		t_note "counters: $(nonzero)"
	fi
	t_end

	t_begin "br_onlink: up_again_unchanged"
	snap >"$TBR_TMP/snap.up"
	tbr_mapce br br up --dev "$TBR_BR_IF" --br "$TBR_BR6" "${TBR_RULE[@]}" >"$TBR_TMP/up2.out" 2>&1 ||
		t_why "up again: $(tr '\n' ' ' <"$TBR_TMP/up2.out")"
	t_same "$TBR_TMP/snap.up" snap
	t_end

	t_begin "br_onlink: neighbour_repaired"
	on br ip -6 neigh del "$GW" dev "$TBR_BR_IF"
	neigh_ok && t_why "the neighbour entry was not deleted"
	tbr_mapce br br up --dev "$TBR_BR_IF" --br "$TBR_BR6" "${TBR_RULE[@]}" >"$TBR_TMP/up3.out" 2>&1 ||
		t_why "up (repair): $(tr '\n' ' ' <"$TBR_TMP/up3.out")"
	neigh_ok || t_why "not repaired: $(tr '\n' ' ' <"$TBR_TMP/up3.out")"
	t_end

	t_begin "br_onlink: down_removes_all"
	tbr_mapce br br down --dev "$TBR_BR_IF" >"$TBR_TMP/down.out" 2>&1 ||
		t_why "down: $(tr '\n' ' ' <"$TBR_TMP/down.out")"
	neigh_ok && t_why "the neighbour entry is still there"
	t_same "$TBR_TMP/snap.before" snap
	t_end
fi

tbr_cleanup_case
t_exit
