#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The tunnel's MTU, fragments and traffic class in the lab (tests/lab/lib/lab.sh):
# LAN host -> CE (mapce up) -> IPv6 ISP router -> BR (mapce br up) -> servers.
# Issue 4's lab verification, part 1 (part 2, path MTU discovery through a
# narrower IPv6 link: test_lab_mtu_pmtud.sh).
#
#   lab_mtu_df_1432_fits        ping -M "do" -s 1432 (1460 bytes of IPv4) gets
#                               its replies through the tunnel
#   lab_mtu_df_1433_frag_needed ping -M "do" -s 1433 gets "Frag needed and DF
#                               set (mtu = 1460)" from the CE
#   lab_mtu_tracepath           tracepath -n from the LAN host ends with
#                               "pmtu 1460", learned at the CE
#   lab_mtu_ping_3000_fragmented
#                               a 3000-byte ping without DF: 3008 bytes back
#                               intact; on the ISP link both the request
#                               (CE -> BR) and the reply (BR -> CE) are
#                               IPv4 fragments in tunnel packets of at most
#                               1500 bytes, each datagram whole, the CE's
#                               outbound ids distinct
#   lab_mtu_dscp_hop_limit      ping -Q 0xb8: the outer IPv6 traffic class
#                               is 0xb8, hop limit 64, next header 4 (no
#                               destination options header), inner TOS 0xb8
#                               and TTL 63 (decremented once by the CE)
#   lab_mtu_ecn_encap           ping -Q 0xba (DSCP 0x2e, ECT(0)): the outer
#                               traffic class is 0xba (RFC 6040: copied)
#   lab_mtu_outer_fragments     the BR namespace sends (scapy) an IPv4 UDP
#                               datagram of 2000 bytes for the LAN host's
#                               mapping as 2 outer IPv6 fragments, in order
#                               and then in reverse order: the LAN socket gets
#                               the exact payload; mapce stats counts
#                               reasm_held and decap
#   lab_mtu_ecn_decap           a tunnel packet with CE on the outer header:
#                               ECT(0) inside arrives as CE; Not-ECT inside
#                               is dropped (drop_ecn_ce_not_ect)
#   lab_mtu_teardown_clean      lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab_mtu.sh
. tests/lab/lib/lab_mtu.sh

T=${LAB_TEST_TIMEOUT:-30} # per-step bound (seconds)
TOOL=("$LAB_PY" "$LAB_TOOLS/mtu_tool.py")
CASES=(lab_mtu_df_1432_fits lab_mtu_df_1433_frag_needed lab_mtu_tracepath
	lab_mtu_ping_3000_fragmented lab_mtu_dscp_hop_limit lab_mtu_ecn_encap
	lab_mtu_outer_fragments lab_mtu_ecn_decap)

# shellcheck disable=SC2034 # (read by lab_up)
LAB_HTTP_MB=1 # no HTTP here
lab_test_up
lab_need

lan() { ns_exec_t "$T" "$LAB_NS_LAN" "$@"; }
# forget the path MTUs the LAN host has learned
lan_flush() { ns_exec "$LAB_NS_LAN" ip route flush cache >/dev/null 2>&1; }

# cap_start NAME: tcpdump of the ISP's CE-side link (both directions),
# bounded by T; cap_stop NAME: stop it (the file is complete afterwards).
cap_start() {
	rm -f "$LAB_DIR/$1.pcap"
	ns_tcpdump "cap_$1" "$LAB_NS_ISP" "$T" -i "$LAB_IF_ISP_CE" -n -U --immediate-mode \
		-s 2000 -w "$LAB_DIR/$1.pcap" ip6
}
cap_stop() {
	sleep 0.5 # the last packets' way into the capture (immediate mode)
	ns_stop "cap_$1"
}

# ---- ping sizes -------------------------------------------------------
df_fits_case() {
	local out
	t_begin lab_mtu_df_1432_fits
	lan_flush
	out=$(lan ping -n -c 3 -i 0.2 -W 2 -M "do" -s 1432 "$LAB_INET_IP" 2>&1)
	grep -q '^PING .* 1432(1460) bytes' <<<"$out" || t_why "not a 1460-byte packet: $(head -n1 <<<"$out")"
	[ "$(grep -c '^1440 bytes from' <<<"$out")" = 3 ] ||
		t_why "expected 3 replies of 1440 bytes: $(grep -E 'transmitted|From|error' <<<"$out" | tr '\n' ' ')"
	t_end
}

df_too_big_case() {
	local out want='From 192.0.2.1 icmp_seq=1 Frag needed and DF set (mtu = 1460)'
	t_begin lab_mtu_df_1433_frag_needed
	lan_flush
	out=$(lan ping -n -c 2 -i 0.2 -W 2 -M "do" -s 1433 "$LAB_INET_IP" 2>&1)
	grep -qF "$want" <<<"$out" ||
		t_why "no '$want': $(grep -vE '^(PING|$|---)' <<<"$out" | tr '\n' ' ')"
	grep -q ' 0 received' <<<"$out" || t_why "a 1461-byte DF packet got through: $(grep transmitted <<<"$out")"
	t_end
}

tracepath_case() {
	local out
	t_begin lab_mtu_tracepath
	if ! command -v tracepath >/dev/null; then
		t_why "tracepath not installed (iputils-tracepath)"
		t_end
		return
	fi
	lan_flush
	out=$(lan tracepath -n -m 8 "$LAB_INET_IP" 2>&1)
	t_note "tracepath: $(tr -s ' \n' ' ' <<<"$out")"
	# the PMTU is found at the CE (192.0.2.1), and the path ends at 1460
	grep -qE '^ *[0-9]+: +192\.0\.2\.1 .*pmtu 1460$' <<<"$out" ||
		t_why "no 'pmtu 1460' learned at 192.0.2.1"
	grep -qE 'Resume: pmtu 1460 ' <<<"$out" || t_why "does not end with 'Resume: pmtu 1460'"
	grep -qE "^ *[0-9]+: +$LAB_INET_IP .*reached" <<<"$out" || t_why "did not reach $LAB_INET_IP"
	t_end
}

# ---- fragments both ways ----------------------------------------------
ping_3000_case() {
	local out js
	t_begin lab_mtu_ping_3000_fragmented
	lan_flush
	if ! cap_start p3000; then
		t_why "tcpdump did not start"
		t_end
		return
	fi
	out=$(lan ping -n -c 3 -i 0.3 -W 2 -s 3000 "$LAB_INET_IP" 2>&1)
	cap_stop p3000
	[ "$(grep -c '^3008 bytes from' <<<"$out")" = 3 ] ||
		t_why "expected 3 replies of 3008 bytes: $(grep -E 'transmitted|wrong|From' <<<"$out" | tr '\n' ' ')"
	grep -q 'wrong data' <<<"$out" && t_why "reply data differs: $(grep -m1 wrong <<<"$out")"
	frags_ok request "CE -> BR" "$LAB_MAP_IPV6" "$LAB_BR_IP6" 8 distinct-ids
	frags_ok reply "BR -> CE" "$LAB_BR_IP6" "$LAB_MAP_IPV6" 0
	t_end
}

# frags_ok request|reply WAY SRC DST ICMP_TYPE [distinct-ids]: the
# fragmented echo datagrams from SRC to DST in p3000.pcap: 3 of them, each
# 3008 bytes once whole, in tunnel packets of at most 1500 bytes (with
# distinct IPv4 ids when asked); t_why if not.
frags_ok() {
	local js
	js=$("${TOOL[@]}" frags --file "$LAB_DIR/p3000.pcap" --src "$3" --dst "$4" --proto 1 \
		--icmp-type "$5" 2>&1)
	"$LAB_PY" - "$js" "$1" "$2" "${6:-}" <<'PY' >"$LAB_DIR/why" || t_why "$(cat "$LAB_DIR/why")"
import json, sys
d = json.loads(sys.argv[1])['datagrams']
bad = []
if len(d) != 3:
    bad.append('%d fragmented echo %ss, want 3' % (len(d), sys.argv[2]))
for x in d:
    if x['bytes'] != 3008:
        bad.append('id %#x: fragments %s do not make 3008 bytes' % (x['id'], x['lens']))
    if x['max_outer'] > 1500:
        bad.append('id %#x: a %d-byte tunnel packet' % (x['id'], x['max_outer']))
if sys.argv[4] == 'distinct-ids' and len({x['id'] for x in d}) != len(d):
    bad.append('ids repeat')
if bad:
    print('%s (%s): %s' % (sys.argv[2], sys.argv[3], '; '.join(bad)))
    sys.exit(1)
PY
}

# ---- traffic class, hop limit -----------------------------------------
# tclass_case NAME TOS: ping -Q TOS; the echo requests on the ISP link
tclass_case() {
	local name=$1 tos=$2 out js
	t_begin "$name"
	if ! cap_start "$name"; then
		t_why "tcpdump did not start"
		t_end
		return
	fi
	out=$(lan ping -n -c 3 -i 0.2 -W 2 -Q "$tos" "$LAB_INET_IP" 2>&1)
	cap_stop "$name"
	grep -q ' 3 received' <<<"$out" || t_why "ping -Q $tos: $(grep -E 'transmitted|ping:' <<<"$out" | tr '\n' ' ')"
	js=$("${TOOL[@]}" pcap --file "$LAB_DIR/$name.pcap" --src "$LAB_MAP_IPV6" --dst "$LAB_BR_IP6" 2>&1)
	"$LAB_PY" - "$js" "$tos" "$name" >"$LAB_DIR/why" <<'PY' || t_why "$(cat "$LAB_DIR/why")"
import json, sys
pk = [json.loads(l) for l in sys.argv[1].splitlines() if l.startswith('{')]
tos = int(sys.argv[2], 0)
req = [p for p in pk if p.get('icmp_type') == 8]
bad = []
if len(req) != 3:
    bad.append('%d tunnel packets with an echo request, want 3 (saw %d CE->BR)' % (len(req), len(pk)))
for p in req:
    want = {'tclass': tos, 'hlim': 64, 'nh': 4, 'tos': tos}
    if sys.argv[3] == 'lab_mtu_dscp_hop_limit':
        want['ttl'] = 63
    got = {k: p.get(k) for k in want}
    if got != want:
        bad.append('outer/inner %s, want %s' % (
            ', '.join('%s %s' % (k, hex(v) if k in ('tclass', 'tos') and v is not None else v)
                      for k, v in got.items()),
            ', '.join('%s %s' % (k, hex(v) if k in ('tclass', 'tos') else v)
                      for k, v in want.items())))
        break
if bad:
    print('; '.join(bad))
    sys.exit(1)
PY
	t_end
}

# ---- outer IPv6 fragments (a BR that fragments) -------------------------
UDP_LPORT=40404
udp_mapping() { # the outside port of the LAN host's UDP flow to INET:UDP_PORT
	lab_ce -j flows 2>/dev/null | "$LAB_PY" -c '
import json, sys
d = json.load(sys.stdin)
for f in d.get("flows", []):
    if f["proto"] == "udp" and f["inside"] == sys.argv[1] and f["remote"] == sys.argv[2]:
        print(f["outside_port"]); break
' "$LAB_LAN_IP:$UDP_LPORT" "$LAB_INET_IP:$LAB_UDP_PORT"
}

# start_receiver NAME: a LAN socket on UDP_LPORT that opened its mapping
# (probe echoed); RECV_PORT = its outside port
start_receiver() {
	ns_serve "$1" "$LAB_NS_LAN" "${TOOL[@]}" udp-wait --bind "$LAB_LAN_IP:$UDP_LPORT" \
		--probe-to "$LAB_INET_IP:$LAB_UDP_PORT" --timeout "$T" ||
		{ t_why "the probe's echo did not come back"; return 1; }
	RECV_PORT=$(udp_mapping)
	[ -n "$RECV_PORT" ] || { t_why "no UDP flow for $LAB_LAN_IP:$UDP_LPORT in mapce flows -j"; return 1; }
}

rx_done() { ! ns_alive "$1"; }

# wait_receiver NAME: wait for it to exit; RECV = its JSON line
wait_receiver() {
	local pid
	pid=$(ns_bg_pid "$1")
	[ -n "$pid" ] && ns_wait "$T" rx_done "$pid"
	ns_stop "$1"
	RECV=$(grep '^{' "$LAB_DIR/$1.log" | tail -n1)
}

outer_frag_one() { # LABEL [--reverse]
	local label=$1 sent held0 held1 dec0 dec1 nfrag sha
	shift
	start_receiver "rx_$label" || return
	held0=$(lab_mtu_stat CE reasm_held)
	dec0=$(lab_mtu_stat CE decap)
	sent=$(ns_exec_t "$T" "$LAB_NS_BR" "${TOOL[@]}" frag-send --src "$LAB_BR_IP6" \
		--dst "$LAB_MAP_IPV6" --isrc "$LAB_INET_IP:$LAB_UDP_PORT" \
		--idst "$LAB_MAP_IPV4:$RECV_PORT" --size 2000 --frag-size 1280 --seed 77 "$@" 2>&1)
	wait_receiver "rx_$label"
	held1=$(lab_mtu_stat CE reasm_held)
	dec1=$(lab_mtu_stat CE decap)
	nfrag=$(lab_json_field "$sent" fragments)
	sha=$(lab_json_field "$sent" sha256)
	t_note "$label: sent $sent; received $RECV; reasm_held $held0 -> $held1, decap $dec0 -> $dec1"
	if [ -z "$nfrag" ] || [ "$nfrag" -lt 2 ]; then
		t_why "$label: scapy sender: $sent"
		return
	fi
	[ "$(lab_json_field "$RECV" len)" = 2000 ] && [ "$(lab_json_field "$RECV" sha256)" = "$sha" ] ||
		t_why "$label: the LAN socket got ${RECV:-nothing}, want 2000 bytes sha256 $sha"
	[ "$(lab_json_field "$RECV" peer)" = "$LAB_INET_IP:$LAB_UDP_PORT" ] ||
		t_why "$label: from $(lab_json_field "$RECV" peer), want $LAB_INET_IP:$LAB_UDP_PORT"
	[ -n "$held1" ] && [ -n "$held0" ] && [ $((held1 - held0)) = $((nfrag - 1)) ] ||
		t_why "$label: reasm_held went $held0 -> $held1, want +$((nfrag - 1))"
	# the probe's echo and the reassembled datagram
	[ -n "$dec1" ] && [ -n "$dec0" ] && [ $((dec1 - dec0)) -ge 1 ] ||
		t_why "$label: decap went $dec0 -> $dec1"
}

outer_frag_case() {
	t_begin lab_mtu_outer_fragments
	outer_frag_one in_order
	outer_frag_one reversed --reverse
	t_end
}

# ---- ECN on decapsulation (RFC 6040 §4.2) --------------------------------
ecn_decap_case() {
	local sent drop0 drop1
	t_begin lab_mtu_ecn_decap
	# outer CE, inner ECT(0) -> the LAN host sees CE
	if start_receiver rx_ecn; then
		sent=$(ns_exec_t "$T" "$LAB_NS_BR" "${TOOL[@]}" tunnel-send \
			--src "$LAB_BR_IP6" --dst "$LAB_MAP_IPV6" --isrc "$LAB_INET_IP:$LAB_UDP_PORT" \
			--idst "$LAB_MAP_IPV4:$RECV_PORT" --size 300 --tclass 0x03 --tos 0x02 2>&1)
		wait_receiver rx_ecn
		[ "$(lab_json_field "$RECV" sha256)" = "$(lab_json_field "$sent" sha256)" ] ||
			t_why "outer CE, inner ECT(0): received ${RECV:-nothing} (sent $sent)"
		[ "$(lab_json_field "$RECV" tos)" = 3 ] ||
			t_why "outer CE, inner ECT(0): inner TOS $(lab_json_field "$RECV" tos), want 3 (CE)"
	fi
	# outer CE, inner Not-ECT -> dropped and counted
	if start_receiver rx_ecn2; then
		drop0=$(lab_mtu_stat CE drop_ecn_ce_not_ect)
		ns_exec_t "$T" "$LAB_NS_BR" "${TOOL[@]}" tunnel-send \
			--src "$LAB_BR_IP6" --dst "$LAB_MAP_IPV6" --isrc "$LAB_INET_IP:$LAB_UDP_PORT" \
			--idst "$LAB_MAP_IPV4:$RECV_PORT" --size 300 --tclass 0x03 --tos 0x00 >/dev/null 2>&1
		sleep 1
		drop1=$(lab_mtu_stat CE drop_ecn_ce_not_ect)
		ns_stop rx_ecn2
		grep -q '"len"' "$LAB_DIR/rx_ecn2.log" &&
			t_why "outer CE, inner Not-ECT: delivered ($(grep '^{' "$LAB_DIR/rx_ecn2.log"))"
		[ -n "$drop0" ] && [ -n "$drop1" ] && [ $((drop1 - drop0)) = 1 ] ||
			t_why "drop_ecn_ce_not_ect went $drop0 -> $drop1, want +1"
	fi
	t_end
}

if [ -n "$LAB_NEED" ]; then
	for c in "${CASES[@]}"; do t_skip "$c" "$LAB_NEED"; done
else
	df_fits_case
	df_too_big_case
	tracepath_case
	ping_3000_case
	tclass_case lab_mtu_dscp_hop_limit 0xb8
	tclass_case lab_mtu_ecn_encap 0xba
	outer_frag_case
	ecn_decap_case
fi

lab_teardown_case lab_mtu_teardown_clean
t_exit
