#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The port set under load (tests/lab/lib/lab.sh lab): 200 concurrent TCP
# connections from the LAN host, 60 of them to one server ip:port (more than
# the 16 ports of one range) and the rest over the ten servers.
#
#   lab_portset_calc      mapce calc -j gives the lab's parameters
#                         (198.51.100.18, PSID 52, 15 x 16 ports)
#   lab_tcp_200           every connection connects and echoes its payload
#                         while all 200 are open at once
#   lab_tcp_200_ports     every source port the servers saw is the shared
#                         address and a port of the set; >= 13 of the 15
#                         ranges used
#   lab_tcp_200_flows     mapce flows -j lists exactly those 200 connections
#                         (remote and outside endpoints as the servers saw)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

T=${LAB_TEST_TIMEOUT:-60}
N_HOT=60   # connections to one server ip:port
N_SPREAD=140 # spread round-robin over the ten server addresses

# ---- lab_portset_calc (needs only mapce calc, no lab) ----------------
calc_case() {
	local js out
	js=$("$MAPCE" -j calc "${LAB_RULE_ARGS[@]}" --prefix "$LAB_PREFIX" 2>&1)
	if grep -qi 'not implemented' <<<"$js"; then
		t_skip lab_portset_calc "mapce calc: not implemented (port set from the rule formula)"
		return
	fi
	out=$(lab_query calc-check --ipv4 "$LAB_MAP_IPV4" --psid "$LAB_PSID" \
		--ports 240 --ranges 15 --ce-ipv6 "$LAB_MAP_IPV6" <<<"$js" 2>&1) &&
		t_ok lab_portset_calc || t_fail lab_portset_calc "$out"
}

lab_test_up
calc_case

lab_need

if [ -n "$LAB_NEED" ]; then
	t_skip lab_tcp_200 "$LAB_NEED"
	t_skip lab_tcp_200_ports "$LAB_NEED"
	t_skip lab_tcp_200_flows "$LAB_NEED"
else
	lab_port_set
	src=$(wc -l <"$LAB_PORTSET")
	t_note "port set: $src ports"
	# the hot destination, then round-robin over the ten addresses
	to=(--to "$LAB_INET_IP:$LAB_TCP_PORT=$N_HOT")
	per=$((N_SPREAD / ${#LAB_INET_IPS[@]}))
	for ip in "${LAB_INET_IPS[@]}"; do
		to+=(--to "$ip:$LAB_TCP_PORT=$per")
	done
	: >"$LAB_TCP_LOG"
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		"${to[@]}" --bytes 256 --timeout 40 --hold 1 2>&1)
	echo "$out" >"$LAB_DIR/tcp200.json"
	t_begin lab_tcp_200
	lab_query tcp-check --expect $((N_HOT + N_SPREAD)) <<<"$out" >"$LAB_DIR/tcp200.why" 2>&1 ||
		t_why "$(cat "$LAB_DIR/tcp200.why")"
	t_end

	t_begin lab_tcp_200_ports
	out=$(lab_query peers-check --log "$LAB_TCP_LOG" --ip "$LAB_MAP_IPV4" \
		--portset "$LAB_PORTSET" --psid-offset "$LAB_PSID_OFFSET" \
		--psid-len "$LAB_PSID_LEN" --min-ranges 13 \
		--expect $((N_HOT + N_SPREAD)) 2>&1) || t_why "$out"
	t_note "$out"
	t_end

	t_begin lab_tcp_200_flows
	if js=$(MAPCE_T=$T lab_ce -j flows 2>&1); then
		if out=$(lab_query flows-vs-peers --log "$LAB_TCP_LOG" --port "$LAB_TCP_PORT" \
			<<<"$js" 2>&1); then
			t_note "$out"
		else
			t_why "$out"
		fi
	else
		t_why "mapce flows -j failed: $(head -c 300 <<<"$js")"
	fi
	t_end
fi

lab_down
t_exit
