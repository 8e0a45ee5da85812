#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_frag.sh - IPv4 fragments through the stateless BR for a shared
# address (k = 8), both ways (RFC 7597 §8.3, lib/br_frag.h): the first
# fragment is attributed by its port, the later ones follow it.
#
#   tbr-ce (tun_ce.py, 198.51.100.18 PSID 0x34, TUN MTU 1460)
#     <-> tbr-br (mapce br up) <-> tbr-sv (203.0.113.10, MTU 1500)
#
# A 3000-byte ping without DF from the CE's shared address (echo id 4929,
# a port of the set): the request leaves the CE in 3 fragments, the reply
# leaves the server in 3 and the BR's kernel cuts the first two again for
# its 1460-byte route, so both directions have later fragments.  Then
# 3000-byte UDP datagrams both ways, and a later fragment with no first
# fragment, which must be dropped and counted (drop_frag_no_state).
# Root only; tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

# IPv4 datagrams the BR's kernel forwarded (Ip: ForwDatagrams)
ip_forwarded() { on br cat /proc/net/snmp | awk '/^Ip: [0-9]/ { print $7 }'; }

CASES=(setup ping_3000_no_df_both_ways udp_3000_both_ways later_fragments_followed
	orphan_later_fragment_dropped_and_counted cleanup_leaves_nothing)
tbr_init br_frag
tbr_preflight "${CASES[@]}"
command -v ping >/dev/null || tbr_skip_all "ping not installed" "${CASES[@]}"

t_begin "br_frag: setup"
if tbr_tun_lab 0; then
	tbr_udp_echo || t_why "UDP echo server did not start"
	# the path works at all (small ping, id in the set)
	ns_wait 10 on ce ping -c1 -W1 -e 4929 "$TBR_SV" || t_why "a small ping does not pass"
fi
t_end
SETUP_OK=$((T_FAILED == 0))
if tbr_setup_ok "${CASES[@]:1:4}"; then
	tbr_counters br "$TBR_BR_IF"
	base_followed=$(cnt ev_br_frag_followed) base_decap=$(cnt br_decap) base_encap=$(cnt br_encap)

	t_begin "br_frag: ping_3000_no_df_both_ways"
	out=$(on ce ping -c 3 -i 0.3 -W 2 -M dont -s 3000 -e 4929 "$TBR_SV" 2>&1)
	grep -q '3 packets transmitted, 3 received' <<<"$out" ||
		t_why "$(tail -n 2 <<<"$out" | tr '\n' ' ')"
	grep -q '^3008 bytes from 203.0.113.10' <<<"$out" ||
		t_why "no 3008-byte reply: $(grep -m1 'bytes from' <<<"$out")"
	t_end

	t_begin "br_frag: udp_3000_both_ways"
	out=$(on ce "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client --to "$TBR_SV:7007" \
		--bind "$TBR_CE_V4:4931" --count 3 --size 3000 --timeout 2 2>&1)
	"$LAB_PY" -c '
import json, sys
d = json.loads(sys.argv[1].strip().splitlines()[-1])
assert d["verified"] == 3 and d["size"] == 3000, d
' "$out" 2>/dev/null || t_why "echo: $(tr '\n' ' ' <<<"$out" | head -c 300)"
	t_end

	# 3 pings: up 3 x (1 first + 2 later); down 3 x (first, cut in 2, and
	# 3 more); 3 datagrams of 3028 bytes the same.  So at least 6 + 12
	# later fragments came through, each counted as ev_br_frag_followed
	# besides its br_decap / br_encap; nothing dropped for lack of state.
	t_begin "br_frag: later_fragments_followed"
	tbr_counters br "$TBR_BR_IF" || t_why "br status failed: $(head -c 200 "$TBR_TMP/status.err")"
	followed=$(($(cnt ev_br_frag_followed) - base_followed))
	decap=$(($(cnt br_decap) - base_decap))
	encap=$(($(cnt br_encap) - base_encap))
	[ "$followed" -ge 36 ] || t_why "ev_br_frag_followed moved by $followed, want >= 36"
	[ "$decap" -ge 18 ] || t_why "br_decap moved by $decap, want >= 18 (6 datagrams x 3)"
	[ "$encap" -ge 30 ] || t_why "br_encap moved by $encap, want >= 30 (6 datagrams x 5)"
	for r in drop_frag_no_state br_drop_spoofed br_drop_unsupported br_drop_port_out_of_set \
		drop_malformed; do
		[ "$(cnt "$r")" -eq 0 ] || t_why "$r = $(cnt "$r")"
	done
	grep -q '"fragments"' "$TBR_TMP/status.json" || t_why "br status -j has no fragments object"
	t_end
fi

# A later fragment (offset 1480, no MF) of a datagram whose first fragment
# the BR never saw, from the owner CE: dropped, counted, not forwarded.
if [ "$SETUP_OK" -ne 1 ]; then
	t_skip "br_frag: orphan_later_fragment_dropped_and_counted" "setup failed"
else
	t_begin "br_frag: orphan_later_fragment_dropped_and_counted"
	tbr_counters br "$TBR_BR_IF"
	before=$(cnt drop_frag_no_state)
	fwd_before=$(ip_forwarded)
	cat >"$TBR_TMP/orphan.py" <<'EOF'
import socket, struct, sys
src6, br6, s4, d4 = sys.argv[1:5]
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + 64, 0x7e57, 185, 64, 17, 0,
                 socket.inet_aton(s4), socket.inet_aton(d4))
ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
s.bind((src6, 0))
s.sendto(ip + bytes(range(64)), (br6, 0))
EOF
	on ce "$LAB_PY" "$TBR_TMP/orphan.py" "$TBR_CE6" "$TBR_BR6" "$TBR_CE_V4" "$TBR_SV" ||
		t_why "could not send"
	sleep 0.5
	tbr_counters br "$TBR_BR_IF"
	after=$(cnt drop_frag_no_state)
	[ $((after - before)) -eq 1 ] || t_why "drop_frag_no_state moved by $((after - before)), want 1"
	fwd_after=$(ip_forwarded)
	[ "$fwd_after" = "$fwd_before" ] ||
		t_why "the BR forwarded something (ForwDatagrams $fwd_before -> $fwd_after)"
	t_end
fi

tbr_cleanup_case
t_exit
