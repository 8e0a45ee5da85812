#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Path MTU discovery through the tunnel (issue 4's lab verification, part 2;
# part 1: test_lab_mtu.sh).  The lab (tests/lab/lib/lab.sh) with an extra IPv6
# router between the ISP router and the BR whose link has MTU 1400
# (tests/lab/lib/lab_mtu.sh: lab_mtu_insert_router): the CE's and the BR's own
# links stay at 1500, so 1500-byte tunnel packets leave both and are
# refused on the way with ICMPv6 Packet Too Big (MTU 1400):
#   - to the CE (uploads): the CE turns it into ICMPv4 "fragmentation
#     needed", MTU 1360, to the LAN host, and remembers 1400 for the BR;
#   - to the BR (downloads): the BR turns it into ICMPv4 "fragmentation
#     needed", MTU 1360, to the internet host.
# Without either translation the transfer stalls after the handshake.
#
#   lab_pmtud_narrow_path           the router is in and a 1500-byte IPv6
#                                   packet does not cross it
#   lab_pmtud_download_20m          20 MiB HTTP to the LAN host, sha256 ok;
#                                   (every transfer starts with the LAN
#                                   host's and the server's route caches
#                                   flushed: it must find the path MTU itself);
#                                   the BR translated PTB (icmp6_err_translated
#                                   grew) and the server's route to the CE's
#                                   address has mtu 1360
#   lab_pmtud_upload_20m            20 MiB from the LAN host to a sink, sha256
#                                   ok; the CE translated PTB, remembered path
#                                   MTU 1400 (mapce_pmtu), the LAN host's
#                                   route has mtu 1360; SYNs were clamped
#                                   (ev_mss_clamped grew, MSS <= 1420 - 12)
#   lab_pmtud_learned_pmtu_df_ping  then a 1428-byte DF ping to a server the
#                                   LAN host has no path MTU for is answered by
#                                   the CE (frag_needed_sent): "Frag needed and
#                                   DF set (mtu = 1360)"; 1360 bytes pass
#   lab_pmtud_mss_clamp_off_up      mapce down, mapce up --mss-clamp off (a
#                                   fresh CE: no path MTU known)
#   lab_pmtud_download_20m_clamp_off, lab_pmtud_upload_20m_clamp_off
#                                   the same transfers and evidence without
#                                   MSS clamping (ev_mss_clamped stays, the
#                                   upload starts with MSS 1448)
#   lab_pmtud_teardown_clean        lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab_mtu.sh
. tests/lab/lib/lab_mtu.sh

T=${LAB_TEST_TIMEOUT:-60} # per-transfer bound (seconds)
TOOL=("$LAB_PY" "$LAB_TOOLS/mtu_tool.py")
MB=${LAB_PMTUD_MB:-20}
SINK_IP=${LAB_INET_IPS[5]}
SINK_PORT=9500
CASES=(lab_pmtud_narrow_path lab_pmtud_download_20m lab_pmtud_upload_20m
	lab_pmtud_learned_pmtu_df_ping
	lab_pmtud_mss_clamp_off_up lab_pmtud_download_20m_clamp_off
	lab_pmtud_upload_20m_clamp_off)

# shellcheck disable=SC2034 # (read by lab_up)
LAB_HTTP_MB=$MB
lab_test_up
lab_need

# route_mtu NS DST: the MTU the route cache of NS has for DST (empty: none)
route_mtu() {
	ns_exec "$1" ip -4 route get "$2" 2>/dev/null | grep -o 'mtu [0-9]*' | cut -d' ' -f2
}

# ce_pmtu: the path MTU the CE has learned for the BR (mapce_pmtu[0].mtu)
ce_pmtu() {
	bpftool -j map dump pinned "$LAB_CE_PIN/mapce_pmtu" 2>/dev/null | "$LAB_PY" -c '
import json, struct, sys
for e in json.load(sys.stdin):
    v = e.get("formatted", {}).get("value")
    if isinstance(v, dict):
        print(v.get("mtu", 0)); break
    raw = bytes(int(b, 16) for b in e["value"])
    print(struct.unpack("<I", raw[:4])[0]); break
'
}

# flush_pmtu: the LAN host and the servers forget the path MTUs they
# learned (each transfer must discover its own); t_why if they do not
flush_pmtu() {
	local m1 m2
	ns_exec "$LAB_NS_LAN" ip route flush cache >/dev/null 2>&1
	ns_exec "$LAB_NS_INET" ip route flush cache >/dev/null 2>&1
	m1=$(route_mtu "$LAB_NS_LAN" "$SINK_IP")
	m2=$(route_mtu "$LAB_NS_INET" "$LAB_MAP_IPV4")
	[ -z "$m1$m2" ] || t_why "route caches still hold mtu '$m1' (LAN) '$m2' (server)"
}

# download NAME: 20 MiB over HTTP to the LAN host; evidence at the BR and
# the server
download_case() {
	local name=$1 tr0 tr1 m
	t_begin "$name"
	flush_pmtu
	tr0=$(lab_mtu_stat BR icmp6_err_translated)
	lab_fetch "$LAB_NS_LAN" "$T" "$LAB_DIR/download.bin" --speed-limit 10000 --speed-time 15
	tr1=$(lab_mtu_stat BR icmp6_err_translated)
	[ -z "$NS_FETCH_WHY" ] || t_why "$NS_FETCH_WHY"
	[ -n "$tr0" ] && [ -n "$tr1" ] && [ "$tr1" -gt "$tr0" ] ||
		t_why "BR icmp6_err_translated went '$tr0' -> '$tr1': no Packet Too Big translated at the BR"
	m=$(route_mtu "$LAB_NS_INET" "$LAB_MAP_IPV4")
	[ "$m" = 1360 ] || t_why "the server's route to $LAB_MAP_IPV4 has mtu '${m:-none}', want 1360"
	t_note "$name: curl: $NS_FETCH_INFO B/s; BR icmp6_err_translated $tr0 -> $tr1; server pmtu $m"
	t_end
}

# upload NAME MSS-CHECK: 20 MiB from the LAN host to the sink; evidence at
# the CE and the LAN host.  MSS-CHECK: clamped | unclamped
upload_case() {
	local name=$1 mss_mode=$2 out tr0 tr1 cl0 cl1 m p mss
	t_begin "$name"
	flush_pmtu
	tr0=$(lab_mtu_stat CE icmp6_err_translated)
	cl0=$(lab_mtu_stat CE ev_mss_clamped)
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" "${TOOL[@]}" upload \
		--to "$SINK_IP:$SINK_PORT" --size $((MB * 1024 * 1024)) --timeout $((T - 5)) 2>&1)
	tr1=$(lab_mtu_stat CE icmp6_err_translated)
	cl1=$(lab_mtu_stat CE ev_mss_clamped)
	[ "$(lab_json_field "$out" sink_len)" = $((MB * 1024 * 1024)) ] &&
		[ "$(lab_json_field "$out" sink_sha256)" = "$(lab_json_field "$out" sha256)" ] ||
		t_why "the sink did not get the $MB MiB intact: $out"
	[ -n "$tr0" ] && [ -n "$tr1" ] && [ "$tr1" -gt "$tr0" ] ||
		t_why "CE icmp6_err_translated went '$tr0' -> '$tr1': no Packet Too Big translated at the CE"
	m=$(route_mtu "$LAB_NS_LAN" "$SINK_IP")
	[ "$m" = 1360 ] || t_why "the LAN host's route to $SINK_IP has mtu '${m:-none}', want 1360"
	p=$(ce_pmtu)
	[ "$p" = 1400 ] || t_why "the CE's learned path MTU to the BR is '${p:-none}', want 1400"
	mss=$(lab_json_field "$out" mss)
	case $mss_mode in
	clamped)
		[ -n "$cl0" ] && [ -n "$cl1" ] && [ "$cl1" -gt "$cl0" ] ||
			t_why "ev_mss_clamped went '$cl0' -> '$cl1' (clamping on)"
		# 1420 less the timestamp option, and no more than the learned
		# path MTU allows (1400 - 80 - 12) once it is known
		[ -n "$mss" ] && [ "$mss" -le 1408 ] || t_why "connection MSS '$mss', want <= 1408"
		;;
	unclamped)
		[ "$cl1" = "$cl0" ] || t_why "ev_mss_clamped went '$cl0' -> '$cl1' with --mss-clamp off"
		[ "$mss" = 1448 ] || t_why "connection MSS '$mss', want 1448 (1460 - 12: not clamped)"
		;;
	esac
	t_note "$name: $out; CE icmp6_err_translated $tr0 -> $tr1, ev_mss_clamped $cl0 -> $cl1; LAN pmtu $m; CE pmtu $p"
	t_end
}

# After the upload the CE knows path MTU 1400 to the BR: a DF packet that
# fits its route (1460) but not the path is answered by the CE itself.
learned_pmtu_case() {
	local out fn0 fn1 dst=${LAB_INET_IPS[7]}
	t_begin lab_pmtud_learned_pmtu_df_ping
	ns_exec "$LAB_NS_LAN" ip route flush cache >/dev/null 2>&1
	fn0=$(lab_mtu_stat CE frag_needed_sent)
	out=$(ns_exec_t 20 "$LAB_NS_LAN" ping -n -c 2 -i 0.3 -W 2 -M "do" -s 1400 "$dst" 2>&1)
	fn1=$(lab_mtu_stat CE frag_needed_sent)
	grep -q 'Frag needed and DF set (mtu = 1360)' <<<"$out" ||
		t_why "1428-byte DF ping: no 'Frag needed and DF set (mtu = 1360)': $(grep -vE '^(PING|$|---)' <<<"$out" | tr '\n' ' ')"
	[ -n "$fn0" ] && [ -n "$fn1" ] && [ "$fn1" -gt "$fn0" ] ||
		t_why "frag_needed_sent went '$fn0' -> '$fn1'"
	out=$(ns_exec_t 20 "$LAB_NS_LAN" ping -n -c 2 -i 0.3 -W 2 -M "do" -s 1332 "$dst" 2>&1)
	grep -q ' 2 received' <<<"$out" || t_why "1360-byte DF ping: $(grep transmitted <<<"$out")"
	t_end
}

clamp_off_up_case() {
	t_begin lab_pmtud_mss_clamp_off_up
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" \
		--mss-clamp off; then
		t_why "mapce up --mss-clamp off: $LAB_CE_STATE"
	else
		[ -z "$(ce_pmtu | grep -v '^0$')" ] || t_why "the CE still knows a path MTU: $(ce_pmtu)"
	fi
	t_end
	[ "$LAB_CE_STATE" = up ]
}

if [ -n "$LAB_NEED" ]; then
	for c in "${CASES[@]}"; do t_skip "$c" "$LAB_NEED"; done
else
	t_begin lab_pmtud_narrow_path
	lab_mtu_insert_router 1400 || t_why "could not insert the MTU 1400 router (see above): BR $LAB_BR_STATE"
	ns_serve sink "$LAB_NS_INET" "${TOOL[@]}" sink --listen "$SINK_IP:$SINK_PORT" ||
		t_why "the TCP sink did not start"
	t_end
	if t_setup_ok "no narrow path" "${CASES[@]:1}"; then
		download_case lab_pmtud_download_20m
		upload_case lab_pmtud_upload_20m clamped
		learned_pmtu_case
		if clamp_off_up_case; then
			download_case lab_pmtud_download_20m_clamp_off
			upload_case lab_pmtud_upload_20m_clamp_off unclamped
		else
			t_skip lab_pmtud_download_20m_clamp_off "mapce up --mss-clamp off failed"
			t_skip lab_pmtud_upload_20m_clamp_off "mapce up --mss-clamp off failed"
		fi
	fi
fi

lab_teardown_case lab_pmtud_teardown_clean
t_exit
