#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_ptb.sh - path MTU discovery through the BR: an IPv6 router
# between the BR and the CE whose CE-side link has MTU 1400.
#
#   tbr-ce (tun_ce.py, 198.51.100.18, TUN MTU 1460, link MTU 1400)
#     <-> tbr-rt (IPv6 router, tbrrPID MTU 1400) <-> tbr-br (mapce br up)
#     <-> tbr-sv (203.0.113.10, http.server, icmp_sniff.py)
#
# The CE announces MSS 1420, so the server sends 1460-byte IPv4 packets;
# encapsulated they are 1500 bytes of IPv6, which the router cannot
# forward: it sends ICMPv6 Packet Too Big (MTU 1400) to the BR address.
# The BR (lib/br_icmp6.h) turns it into ICMPv4 "fragmentation needed",
# next-hop MTU 1360, from the CE's shared address to the server, which
# lowers its path MTU and the download completes.  Without the
# translation it stalls after the handshake (a black hole).
#
# Then the same with the real CE: a LAN host behind `mapce up` (NAPT into
# the port set) instead of the TUN CE; skipped when mapce up does not
# work on this tree.  Root only; tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

CASES=(setup download_through_1400_path frag_needed_reached_server server_learned_pmtu
	br_counted_translation real_ce_download_through_1400_path cleanup_leaves_nothing)
tbr_init br_ptb
tbr_preflight "${CASES[@]}"
command -v curl >/dev/null || tbr_skip_all "curl not installed" "${CASES[@]}"

# ---- the TUN CE ----------------------------------------------------------
t_begin "br_ptb: setup"
# (the TUN CE reads a raw socket: segments must arrive with full checksums)
if TBR_CE_MTU=1400 tbr_tun_lab 1 rt "$(ns_ifname r)"; then
	tbr_http_server 4 || t_why "HTTP server did not start"
	tbr_serve sniff sv "$LAB_PY" "$LAB_TOOLS/icmp_sniff.py" "$TBR_TMP/icmp.jsonl" 300 ||
		t_why "ICMP sniffer did not start"
	on sv ip route flush cache >/dev/null 2>&1
fi
t_end
SETUP_OK=$((T_FAILED == 0))

if tbr_setup_ok "${CASES[@]:1:4}"; then
	tbr_counters br "$TBR_BR_IF"
	tr0=$(cnt icmp6_err_translated)

	t_begin "br_ptb: download_through_1400_path"
	tbr_download ce --local-port 4928-4943
	[ -n "$DL_WHY" ] && t_why "$DL_WHY"
	t_note "curl: $DL_INFO"
	t_end

	# what the server received: ICMPv4 3/4, MTU 1360, from the CE's
	# address, quoting its own packet to the CE (port 8080 -> the CE's)
	t_begin "br_ptb: frag_needed_reached_server"
	cat >"$TBR_TMP/icmp_check.py" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
fn = [e for e in ev if e['type'] == 3 and e['code'] == 4]
assert fn, 'no ICMPv4 frag-needed reached the server (saw %r)' % ev[:3]
e = fn[0]
want = dict(src='198.51.100.18', dst='203.0.113.10', mtu=1360, ip_csum_ok=True,
            icmp_csum_ok=True, q_src='203.0.113.10', q_dst='198.51.100.18', q_proto=6,
            q_sport=8080)
for k, v in want.items():
    assert e.get(k) == v, '%s is %r, want %r (%r)' % (k, e.get(k), v, e)
assert (e['q_dport'] >> 4) & 0xff == 0x34, 'quoted port %d not the CE\'s' % e['q_dport']
print('%d frag-needed, first %r' % (len(fn), e))
PY
	"$LAB_PY" "$TBR_TMP/icmp_check.py" "$TBR_TMP/icmp.jsonl" >"$TBR_TMP/icmp.check" 2>&1 ||
		t_why "$(tail -n 1 "$TBR_TMP/icmp.check")"
	t_note "$(tail -n 1 "$TBR_TMP/icmp.check")"
	t_end

	t_begin "br_ptb: server_learned_pmtu"
	r=$(on sv ip route get "$TBR_CE_V4" 2>&1)
	grep -q 'mtu 1360' <<<"$r" || t_why "route cache: $(tr '\n' ' ' <<<"$r")"
	t_end

	t_begin "br_ptb: br_counted_translation"
	tbr_counters br "$TBR_BR_IF"
	[ $(($(cnt icmp6_err_translated) - tr0)) -ge 1 ] || t_why "icmp6_err_translated did not move"
	for r in drop_malformed br_drop_spoofed br_drop_unsupported br_drop_no_rule; do
		[ "$(cnt "$r")" -eq 0 ] || t_why "$r = $(cnt "$r")"
	done
	t_note "counters: $(nonzero)"
	t_end
fi

# ---- the real CE ---------------------------------------------------------
# tbr-lan (192.0.2.10) <-> tbr-ce2 (mapce up --wan tbrwPID, WAN
# 2001:db8:12:3400::1/64) <-> tbr-rt2 (::ffff, MTU 1400 | f02::2)
# <-> tbr-br2 (tbrxPID f02::1, br up) <-> tbr-sv2 (203.0.113.10)
real_ce_lab() {
	local wan rce rbr brd bri sv lan cel
	wan=$(ns_ifname w) rce=$(ns_ifname v) rbr=$(ns_ifname y) brd=$(ns_ifname x)
	bri=$(ns_ifname j) sv=$(ns_ifname k) lan=$(ns_ifname l) cel=$(ns_ifname m)
	RC_BR_IF=$brd RC_WAN=$wan
	tbr_ns lan && tbr_ns ce2 && tbr_ns rt2 && tbr_ns br2 && tbr_ns sv2 || return 1
	tbr_veth lan "$lan" ce2 "$cel" && tbr_veth ce2 "$wan" rt2 "$rce" &&
		tbr_veth rt2 "$rbr" br2 "$brd" && tbr_veth br2 "$bri" sv2 "$sv" || return 1
	tbr_addr lan "$lan" 192.0.2.10/24 && on lan ip route add default via 192.0.2.1 &&
		ns_forwarding "$(ns_name ce2)" 4 &&
		tbr_addr ce2 "$cel" 192.0.2.1/24 &&
		tbr_addr ce2 "$wan" 2001:db8:12:3400::1/64 &&
		on ce2 ip -6 route add default via 2001:db8:12:3400::ffff dev "$wan" &&
		ns_forwarding "$(ns_name rt2)" 6 &&
		on rt2 ip link set "$rce" mtu 1400 &&
		tbr_addr rt2 "$rce" 2001:db8:12:3400::ffff/64 &&
		tbr_addr rt2 "$rbr" 2001:db8:f02::2/64 &&
		on rt2 ip -6 route add "$TBR_BR6/128" via 2001:db8:f02::1 dev "$rbr" &&
		tbr_addr br2 "$brd" 2001:db8:f02::1/64 &&
		on br2 ip -6 route add 2001:db8::/40 via 2001:db8:f02::2 dev "$brd" &&
		tbr_server_side br2 "$bri" sv2 "$sv" || return 1
	# XDP runs on the CE's WAN and the BR's device: their peers send full
	# checksums, as from a wire
	on rt2 ethtool -K "$rce" tx off >/dev/null && on rt2 ethtool -K "$rbr" tx off >/dev/null ||
		return 1
	ns_reach "$(ns_name ce2)" 2001:db8:12:3400::ffff && ns_reach "$(ns_name rt2)" 2001:db8:f02::1
}

if [ "$SETUP_OK" -ne 1 ]; then
	t_skip "br_ptb: real_ce_download_through_1400_path" "setup failed"
else
	# the TUN CE's namespaces go first (one http server, one address plan)
	tbr_restart
	if ! real_ce_lab >"$TBR_TMP/setup2.log" 2>&1; then
		t_fail "br_ptb: real_ce_download_through_1400_path" \
			"topology: $(tail -n 3 "$TBR_TMP/setup2.log" | tr '\n' ' ')"
	elif ! tbr_br_up br2 "$RC_BR_IF"; then
		t_fail "br_ptb: real_ce_download_through_1400_path" \
			"br up: $(tr '\n' ' ' <"$TBR_TMP/br_up.out" | head -c 300)"
	else
		tbr_track ce ce2 "$RC_WAN"
		if ! tbr_mapce ce2 up --wan "$RC_WAN" --rule-ipv6 2001:db8::/40 \
			--rule-ipv4 198.51.100.0/24 --ea-len 16 --psid-offset 4 --legacy-iid \
			--br "$TBR_BR6" >"$TBR_TMP/ce_up.out" 2>&1; then
			t_skip "br_ptb: real_ce_download_through_1400_path" \
				"mapce up fails here: $(tr '\n' ' ' <"$TBR_TMP/ce_up.out" | head -c 200)"
		elif ! tbr_http_server 4 sv2; then
			t_fail "br_ptb: real_ce_download_through_1400_path" "HTTP server did not start"
		else
			t_begin "br_ptb: real_ce_download_through_1400_path"
			tbr_serve sniff2 sv2 "$LAB_PY" "$LAB_TOOLS/icmp_sniff.py" "$TBR_TMP/icmp2.jsonl" \
				300 || t_why "ICMP sniffer did not start"
			tbr_counters br2 "$RC_BR_IF"
			tr0=$(cnt icmp6_err_translated)
			tbr_download lan
			[ -n "$DL_WHY" ] && t_why "$DL_WHY"
			tbr_counters br2 "$RC_BR_IF"
			[ $(($(cnt icmp6_err_translated) - tr0)) -ge 1 ] ||
				t_why "icmp6_err_translated did not move ($(nonzero))"
			grep -q '"type": 3, "code": 4, "mtu": 1360' "$TBR_TMP/icmp2.jsonl" 2>/dev/null ||
				t_why "no frag-needed (MTU 1360) at the server"
			t_note "curl: $DL_INFO; BR counters: $(nonzero)"
			t_end
		fi
	fi
fi

tbr_cleanup_case
t_exit
