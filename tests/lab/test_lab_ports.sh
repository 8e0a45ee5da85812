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
. tests/lab/lib/lab.sh
. tests/lab/lib/harness.sh

T=${LAB_TEST_TIMEOUT:-60}
QUERY=("$LAB_PY" "$LAB_TOOLS/json_query.py")
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
	out=$("${QUERY[@]}" calc-check --ipv4 "$LAB_MAP_IPV4" --psid "$LAB_PSID" \
		--ports 240 --ranges 15 --ce-ipv6 "$LAB_MAP_IPV6" <<<"$js" 2>&1) &&
		t_ok lab_portset_calc || t_fail lab_portset_calc "$out"
}

if ! lab_up; then
	t_fail lab_up "lab plumbing or servers failed (see the messages above)"
	exit 1
fi
calc_case

need=
case $LAB_BR_STATE in
up) ;;
missing*) need="BR $LAB_BR_STATE" ;;
off) need="BR not started (LAB_START_BR=0)" ;;
*) t_fail lab_br_up "$LAB_BR_STATE"; need="the BR did not start" ;;
esac
case $LAB_CE_STATE in
up) ;;
missing*) need="${need:+$need; }CE $LAB_CE_STATE" ;;
off) need="${need:+$need; }CE not started (LAB_START_CE=0)" ;;
*) t_fail lab_ce_up "$LAB_CE_STATE"; need="${need:+$need; }the CE did not start" ;;
esac

if [ -n "$need" ]; then
	t_skip lab_tcp_200 "$need"
	t_skip lab_tcp_200_ports "$need"
	t_skip lab_tcp_200_flows "$need"
else
	lab_port_set >"$LAB_DIR/portset.txt"
	src=$(cat "$LAB_DIR/portset.txt" | wc -l)
	t_note "port set: $src ports"
	# the hot destination, then round-robin over the ten addresses
	to=(--to "$LAB_INET_IP:$LAB_TCP_PORT=$N_HOT")
	per=$((N_SPREAD / ${#LAB_INET_IPS[@]}))
	for ip in "${LAB_INET_IPS[@]}"; do
		to+=(--to "$ip:$LAB_TCP_PORT=$per")
	done
	: >"$LAB_TCP_LOG"
	out=$(timeout "$T" ip netns exec "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		"${to[@]}" --bytes 256 --timeout 40 --hold 1 2>&1)
	echo "$out" >"$LAB_DIR/tcp200.json"
	t_begin lab_tcp_200
	"${QUERY[@]}" tcp-check --expect $((N_HOT + N_SPREAD)) <<<"$out" >"$LAB_DIR/tcp200.why" 2>&1 ||
		t_why "$(cat "$LAB_DIR/tcp200.why")"
	t_end

	t_begin lab_tcp_200_ports
	out=$("${QUERY[@]}" peers-check --log "$LAB_TCP_LOG" --ip "$LAB_MAP_IPV4" \
		--portset "$LAB_DIR/portset.txt" --psid-offset "$LAB_PSID_OFFSET" \
		--psid-len "$LAB_PSID_LEN" --min-ranges 13 \
		--expect $((N_HOT + N_SPREAD)) 2>&1) || t_why "$out"
	t_note "$out"
	t_end

	t_begin lab_tcp_200_flows
	if js=$(timeout "$T" nsenter --net="/run/netns/$LAB_NS_CE" "$MAPCE" -j flows 2>&1); then
		if out=$("${QUERY[@]}" flows-vs-peers --log "$LAB_TCP_LOG" --port "$LAB_TCP_PORT" \
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
