#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# End-to-end traffic through the lab (tests/lab/lib/lab.sh): LAN host -> CE (mapce
# up) -> IPv6-only ISP -> BR (mapce br up) -> IPv4 internet, and back.
#
#   lab_ping              3 echo replies from 203.0.113.10
#   lab_http_offload_off  HTTP download (LAB_HTTP_MB, >= 8 MB), sha256 verified,
#                         checksum offload/TSO/GSO off on the CE's WAN path
#   lab_http_offload_on   the same with offloads on (CHECKSUM_PARTIAL and GSO
#                         packets reach the CE's TC egress program)
#   lab_upload_offload_off / _on
#                         8 MiB up through the CE's TC egress path (TCP echo,
#                         every byte verified both ways), offloads off / on
#   lab_udp_echo          UDP round trip, content verified, seen by the server
#                         from the shared IPv4 address and a port of the set
#   lab_native_ipv6       the CE's own IPv6 (ping both ways, TCP 1 MB echo)
#   lab_flows_udp         mapce flows -j: exact packet and byte counters
#   lab_flows_icmp        mapce flows -j: the ping's ICMP flow
#   lab_plumbing_ipv6     (only when the CE or BR is missing) the lab's own
#                         IPv6 path CE -> ISP -> BR address works
#   lab_teardown_clean    lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

T=${LAB_TEST_TIMEOUT:-60} # per-step bound (seconds)

lab_test_up

lab_need


lab_port_set

# pings WHAT NS N PING_ARGS...: N echo requests from NS, 0.2 s apart;
# t_why WHAT unless every one is answered
pings() {
	local what=$1 ns=$2 n=$3 out
	shift 3
	out=$(ns_exec_t "$T" "$ns" ping -n -c "$n" -i 0.2 -W 2 "$@" 2>&1)
	grep -q " $n received" <<<"$out" || t_why "$what: $(grep transmitted <<<"$out")"
}

# ---- lab_ping -------------------------------------------------------
ping_case() {
	t_begin lab_ping
	pings "expected 3 replies" "$LAB_NS_LAN" 3 "$LAB_INET_IP"
	t_end
}

# ---- lab_http_* -----------------------------------------------------
http_case() { # NAME on|off
	local name=$1 off=$2
	t_begin "$name"
	if ! lab_set_wan_offload "$off"; then
		t_why "ethtool could not set offloads $off"
		t_end
		return
	fi
	lab_fetch "$LAB_NS_LAN" "$T" "$LAB_DIR/download.bin"
	if [ -n "$NS_FETCH_WHY" ]; then
		t_why "$NS_FETCH_WHY"
	else
		t_note "$name: $LAB_HTTP_SIZE bytes, sha256 ok (curl: $NS_FETCH_INFO B/s)"
	fi
	t_end
}

# ---- lab_ce_own_traffic ---------------------------------------------
# IPv4 the CE box sends itself (its own stack: CHECKSUM_PARTIAL, GSO)
# leaves through the same TC program, with offloads on the WAN.
own_case() {
	t_begin lab_ce_own_traffic
	lab_set_wan_offload on || t_why "ethtool could not turn offloads on"
	pings "ping from the CE" "$LAB_NS_CE" 3 -4 "$LAB_INET_IP"
	lab_fetch "$LAB_NS_CE" "$T" "$LAB_DIR/own.bin"
	[ -z "$NS_FETCH_WHY" ] || t_why "download from the CE: $NS_FETCH_WHY"
	t_end
}

# ---- lab_upload_* ---------------------------------------------------
upload_case() { # NAME on|off
	local name=$1 off=$2 out
	t_begin "$name"
	if ! lab_set_wan_offload "$off"; then
		t_why "ethtool could not set offloads $off"
		t_end
		return
	fi
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "${LAB_INET_IPS[4]}:$LAB_TCP_PORT=1" --bytes $((8 * 1024 * 1024)) \
		--timeout $((T - 5)) 2>&1)
	lab_result_ok "8 MiB TCP echo" "$out"
	t_end
}

# ---- lab_udp_echo ---------------------------------------------------
udp_case() {
	t_begin lab_udp_echo
	lab_udp_echo_check "$T"
	t_end
}

# ---- lab_native_ipv6 ------------------------------------------------
native_case() {
	local out
	t_begin lab_native_ipv6
	pings "CE -> ISP ping6" "$LAB_NS_CE" 3 -6 -I "$LAB_CE_WAN_IP6" "$LAB_ISP_CE_IP6"
	pings "ISP -> CE ping6" "$LAB_NS_ISP" 3 -6 "$LAB_CE_WAN_IP6"
	pings "CE -> BR address ping6" "$LAB_NS_CE" 3 -6 "$LAB_BR_IP6"
	out=$(ns_exec_t "$T" "$LAB_NS_CE" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "[$LAB_ISP_CE_IP6]:$LAB_TCP6_PORT=2" --bytes 1048576 --timeout 30 2>&1)
	lab_result_ok "TCP over IPv6" "$out"
	t_end
}

# ---- lab_flows_* ----------------------------------------------------
FLOW_N=7
FLOW_SIZE=200 # UDP payload; inner IPv4 length 20 + 8 + 200
FLOW_LPORT=40007
# flows_to FILE: `mapce flows -j` into FILE; t_why when it fails
flows_to() {
	local js
	js=$(MAPCE_T=$T lab_ce -j flows 2>&1) && { echo "$js" >"$1"; return 0; }
	t_why "mapce flows -j failed: $js"
	return 1
}

flows_udp_case() {
	local out
	t_begin lab_flows_udp
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "${LAB_INET_IPS[1]}:$LAB_UDP_PORT" --bind "$LAB_LAN_IP:$FLOW_LPORT" \
		--count "$FLOW_N" --size "$FLOW_SIZE" 2>&1)
	if ! lab_result_ok "the UDP exchange itself" "$out" || ! flows_to "$LAB_DIR/flows_udp.json"; then
		t_end
		return
	fi
	out=$(lab_query flow-check --proto udp --inside "$LAB_LAN_IP:$FLOW_LPORT" \
		--remote "${LAB_INET_IPS[1]}:$LAB_UDP_PORT" --outside-ip "$LAB_MAP_IPV4" \
		--portset "$LAB_PORTSET" \
		--packets-out "$FLOW_N" --packets-in "$FLOW_N" \
		--bytes-out $((FLOW_N * (FLOW_SIZE + 28))) \
		--bytes-in $((FLOW_N * (FLOW_SIZE + 28))) <"$LAB_DIR/flows_udp.json" 2>&1) ||
		t_why "$out"
	t_end
}

flows_icmp_case() {
	local out
	t_begin lab_flows_icmp
	pings "ping to ${LAB_INET_IPS[3]} failed" "$LAB_NS_LAN" 4 "${LAB_INET_IPS[3]}"
	if [ ${#T_WHY[@]} -ne 0 ] || ! flows_to "$LAB_DIR/flows_icmp.json"; then
		t_end
		return
	fi
	# echo request: 20 + 8 + 56 bytes of ping data = 84 bytes each way
	out=$(lab_query flow-check --proto icmp --inside "$LAB_LAN_IP" \
		--remote "${LAB_INET_IPS[3]}" --outside-ip "$LAB_MAP_IPV4" \
		--portset "$LAB_PORTSET" \
		--packets-out 4 --packets-in 4 --bytes-out 336 --bytes-in 336 \
		<"$LAB_DIR/flows_icmp.json" 2>&1) || t_why "$out"
	t_end
}

ALL=(lab_ping lab_http_offload_off lab_http_offload_on lab_upload_offload_off
	lab_upload_offload_on lab_ce_own_traffic lab_udp_echo lab_native_ipv6
	lab_flows_udp lab_flows_icmp)
wan_offload=$LAB_WAN_OFFLOAD
if [ -n "$LAB_NEED" ]; then
	for c in "${ALL[@]}"; do
		t_skip "$c" "$LAB_NEED"
	done
	# The native IPv6 plumbing does not need mapce: check it anyway when the
	# CE is missing, and report it under its own name.
	t_note "checking the lab itself without mapce"
	ping_ok=$(ns_exec "$LAB_NS_CE" ping -6 -n -c 1 -W 2 "$LAB_BR_IP6" 2>&1 | grep -c ' 1 received')
	[ "$ping_ok" = 1 ] && t_ok lab_plumbing_ipv6 || t_fail lab_plumbing_ipv6 "CE cannot ping the BR address"
else
	ping_case
	http_case lab_http_offload_off off
	http_case lab_http_offload_on on
	upload_case lab_upload_offload_off off
	upload_case lab_upload_offload_on on
	own_case
	lab_set_wan_offload "$wan_offload" # back to the lab's setting
	udp_case
	native_case
	if grep -qi 'not implemented' <<<"$(lab_ce flows -h 2>&1)"; then
		t_skip lab_flows_udp "mapce flows: not implemented"
		t_skip lab_flows_icmp "mapce flows: not implemented"
	else
		flows_udp_case
		flows_icmp_case
	fi
fi

lab_teardown_case lab_teardown_clean
t_exit
