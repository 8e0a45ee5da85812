#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The 240-port set under real load (issue 3; tests/lab/lib/lab.sh +
# lab_nat.sh): port overlapping (RFC 7857 §3), what the LAN host
# gets when the set runs out toward one remote, and the per-host limit.
#
#   nat_tcp_1000          1000 concurrent TCP connections from one LAN host,
#                         100 to each of the ten servers (port 9000), all
#                         connect and echo their payload while all are open
#   nat_tcp_1000_ports    the servers saw 1000 distinct (server, peer) pairs,
#                         every peer 198.51.100.18 and a port of the set,
#                         at most 240 distinct ports over >= 13 ranges: more
#                         flows than ports, so ports were overlapped: one
#                         ev_port_overlap at least for every mapping (inside
#                         ip:port) beyond the 240th, and no drop_no_ports
#   nat_tcp_1000_flows    mapce flows -j lists exactly those connections
#   nat_tcp_241st_refused 240 connections held to one server ip:port (a
#                         fresh one, 203.0.113.10:9001, on the busy table
#                         the 1000 left): all work; the 241st fails within
#                         2 s with ECONNREFUSED, a RST from 203.0.113.10:9001
#                         seen on the LAN link; the 240 still echo after;
#                         drop_no_ports and ev_reject_sent counted
#   nat_udp_241st_icmp    the same in UDP (203.0.113.11:7007): the 241st
#                         socket gets EHOSTUNREACH within 2 s from an ICMP
#                         3/13 (from 198.51.100.18) seen on the LAN link
#   nat_max_per_host      mapce up --max-per-host 20: the LAN host holds 20
#                         connections, its 21st fails within 2 s (RST); the
#                         second LAN host (192.0.2.11) still connects 5;
#                         status -j: limit hits on 192.0.2.10 only,
#                         drop_host_limit counted
#   nat_ports_teardown_clean    lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1} # (the HTTP file is not used here)
# shellcheck source=lib/lab_nat.sh
. tests/lab/lib/lab_nat.sh

T=${LAB_TEST_TIMEOUT:-60}
N_PER=100            # connections per server address
N_ALL=$((N_PER * ${#LAB_INET_IPS[@]}))
HOT_TCP=${LAB_INET_IPS[0]}:9001 # fresh remote for the exhaustion cases
HOT_UDP=${LAB_INET_IPS[1]}:$LAB_UDP_PORT
LIMIT=20
ALL=(nat_tcp_1000 nat_tcp_1000_ports nat_tcp_1000_flows nat_tcp_241st_refused
	nat_udp_241st_icmp nat_max_per_host)

lab_test_up lab_nat_up
lab_port_set
N_PORTS=$(wc -l <"$LAB_PORTSET")
lab_need
t_note "fd limit $(ulimit -n), port set $N_PORTS ports"

# field FILE EXPR: a python expression on the JSON object r in FILE
field() {
	"$LAB_PY" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$1" "$2" 2>/dev/null
}
# delta_ge DELTAS REASON MIN: REASON=N in DELTAS with N >= MIN
delta_ge() {
	[[ $1 =~ (^| )$2=([0-9]+) ]] && [ "${BASH_REMATCH[2]}" -ge "$3" ]
}

# ---- 1000 connections over the set ----------------------------------
tcp_1000_cases() {
	local to=() ip out d js b
	for ip in "${LAB_INET_IPS[@]}"; do
		to+=(--to "$ip:$LAB_TCP_PORT=$N_PER")
	done
	: >"$LAB_TCP_LOG"
	lab_nat_stats "$LAB_DIR/s0.json"
	ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		"${to[@]}" --bytes 128 --timeout 40 --hold 1 >"$LAB_DIR/tcp1000.json" 2>&1
	lab_nat_stats "$LAB_DIR/s1.json"

	t_begin nat_tcp_1000
	out=$(lab_query tcp-check --expect "$N_ALL" <"$LAB_DIR/tcp1000.json" 2>&1) ||
		t_why "$out"
	t_end

	t_begin nat_tcp_1000_ports
	out=$(lab_query peers-check --log "$LAB_TCP_LOG" --ip "$LAB_MAP_IPV4" \
		--portset "$LAB_PORTSET" --psid-offset "$LAB_PSID_OFFSET" \
		--psid-len "$LAB_PSID_LEN" --min-ranges 13 --expect "$N_ALL" 2>&1) || t_why "$out"
	t_note "$out"
	[[ $out =~ ([0-9]+)\ distinct\ ports ]] && [ "${BASH_REMATCH[1]}" -le "$N_PORTS" ] ||
		t_why "more distinct outside ports than the set has: $out"
	d=$(lab_nat_delta "$LAB_DIR/s0.json" "$LAB_DIR/s1.json" ev_binding_created \
		ev_port_overlap ev_flow_created drop_no_ports ev_reject_sent)
	t_note "counters: $d"
	# (Linux reuses a local port toward other servers: that is one mapping,
	# EIM.)  More mappings than ports: every one past the set's size is an
	# overlap.
	[[ $d =~ ev_binding_created=([0-9]+) ]] && b=${BASH_REMATCH[1]} || b=0
	[ "$b" -gt "$N_PORTS" ] || t_why "only $b mappings: no need to overlap ($d)"
	delta_ge "$d" ev_port_overlap $((b - N_PORTS)) ||
		t_why "expected >= $((b - N_PORTS)) ev_port_overlap ($d)"
	delta_ge "$d" drop_no_ports 1 && t_why "ports ran out ($d)"
	t_end

	t_begin nat_tcp_1000_flows
	if js=$(lab_ce -j flows 2>&1); then
		out=$(lab_query flows-vs-peers --log "$LAB_TCP_LOG" --port "$LAB_TCP_PORT" \
			<<<"$js" 2>&1) && t_note "$out" || t_why "$out"
	else
		t_why "mapce flows -j failed: $(head -c 300 <<<"$js")"
	fi
	t_end
}

# ---- the 241st flow to one remote -------------------------------------
# UDP datagrams the servers' sockets dropped (receive buffer full): a burst
# of 240 echoes can overflow udp_echo.py's buffer; nat_exhaust.py resends
# those, and the note shows that the losses were there, not in the CE.
rcvbuf_errors() {
	ns_exec "$LAB_NS_INET" nstat -az UdpRcvbufErrors 2>/dev/null |
		awk '$1 == "UdpRcvbufErrors" { n = $2 } END { print n + 0 }'
}

# exhaust_case NAME PROTO REMOTE CAPTURE-FILTER WANT-RESULT CAPTURE-WHAT
exhaust_case() {
	local name=$1 proto=$2 remote=$3 filter=$4 want=$5 what=$6
	local r=$LAB_DIR/$name.json res el d cap ov0 ov1
	t_begin "$name"
	lab_nat_stats "$LAB_DIR/e0.json"
	ov0=$(rcvbuf_errors)
	lab_nat_capture_start "cap_$name" "$LAB_NS_LAN" "$LAB_IF_LAN" "$filter" ||
		t_why "tcpdump did not start"
	ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/nat_exhaust.py" \
		--proto "$proto" --to "$remote" --hold "$N_PORTS" --extra 1 --extra-timeout 10 \
		--timeout 30 >"$r" 2>&1
	cap=$(lab_nat_capture_stop "cap_$name")
	lab_nat_stats "$LAB_DIR/e1.json"
	ov1=$(rcvbuf_errors)
	res=$(field "$r" 'r["extra"][0]["result"]')
	el=$(field "$r" 'r["extra"][0]["elapsed_s"]')
	t_note "$name: held $(field "$r" 'r["held_ok"]')/$N_PORTS," \
		"flow $((N_PORTS + 1)): $res ($(field "$r" 'r["extra"][0]["detail"]')) in ${el}s;" \
		"the held ones after: $(field "$r" 'r["held_after_ok"]')" \
		"(UDP datagrams resent: $(field "$r" 'r.get("udp_resent", 0)');" \
		"the echo server's socket overflowed $((ov1 - ov0)) times)"
	[ "$(field "$r" 'r["held_ok"]')" = "$N_PORTS" ] ||
		t_why "only $(field "$r" 'r["held_ok"]') of $N_PORTS flows worked: $(field "$r" 'r["held_errors"]' || head -c 300 "$r")"
	[ "$res" = "$want" ] || t_why "flow $((N_PORTS + 1)) got '$res', expected '$want'"
	"$LAB_PY" -c 'import sys; sys.exit(not float(sys.argv[1]) < 2.0)' "${el:-99}" 2>/dev/null ||
		t_why "flow $((N_PORTS + 1)) took ${el}s, not < 2 s"
	[ "$(field "$r" 'r["held_after_ok"]')" = "$N_PORTS" ] ||
		t_why "after the refusal only $(field "$r" 'r["held_after_ok"]') held flows still echo: $(field "$r" 'r["held_after_errors"]')"
	if [ -z "$cap" ]; then
		t_why "no $what seen on $LAB_IF_LAN"
	else
		t_note "seen: $(head -n 1 <<<"$cap")"
	fi
	d=$(lab_nat_delta "$LAB_DIR/e0.json" "$LAB_DIR/e1.json" drop_no_ports ev_reject_sent \
		ev_port_overlap)
	t_note "counters: $d"
	delta_ge "$d" drop_no_ports 1 || t_why "drop_no_ports not counted ($d)"
	delta_ge "$d" ev_reject_sent 1 || t_why "ev_reject_sent not counted ($d)"
	t_end
}

# ---- --max-per-host ---------------------------------------------------
per_host_case() {
	local r=$LAB_DIR/perhost.json res el out d hosts
	t_begin nat_max_per_host
	if ! lab_nat_ce_restart --max-per-host "$LIMIT"; then
		t_why "mapce up --max-per-host $LIMIT: $LAB_CE_STATE"
		t_end
		return
	fi
	lab_nat_stats "$LAB_DIR/h0.json"
	ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/nat_exhaust.py" \
		--to "$HOT_TCP" --hold "$LIMIT" --extra 1 --extra-timeout 10 >"$r" 2>&1
	res=$(field "$r" 'r["extra"][0]["result"]')
	el=$(field "$r" 'r["extra"][0]["elapsed_s"]')
	t_note "host $LAB_LAN_IP: held $(field "$r" 'r["held_ok"]')/$LIMIT, connection $((LIMIT + 1)): $res in ${el}s"
	[ "$(field "$r" 'r["held_ok"]')" = "$LIMIT" ] ||
		t_why "$LAB_LAN_IP: only $(field "$r" 'r["held_ok"]') of $LIMIT connections worked"
	[ "$res" = refused ] || [ "$res" = unreachable ] ||
		t_why "$LAB_LAN_IP: connection $((LIMIT + 1)) got '$res', expected a refusal"
	"$LAB_PY" -c 'import sys; sys.exit(not float(sys.argv[1]) < 2.0)' "${el:-99}" 2>/dev/null ||
		t_why "connection $((LIMIT + 1)) took ${el}s, not < 2 s"
	out=$(ns_exec_t "$T" "$LAB_NS_LAN2" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "$HOT_TCP=5" --timeout 20 --hold 0.5 2>&1)
	lab_query tcp-check --expect 5 <<<"$out" >"$LAB_DIR/perhost.why" 2>&1 ||
		t_why "the second LAN host $LAB_LAN2_IP: $(cat "$LAB_DIR/perhost.why")"
	lab_nat_stats "$LAB_DIR/h1.json"
	d=$(lab_nat_delta "$LAB_DIR/h0.json" "$LAB_DIR/h1.json" drop_host_limit ev_reject_sent)
	t_note "counters: $d"
	delta_ge "$d" drop_host_limit 1 || t_why "drop_host_limit not counted ($d)"
	hosts=$(lab_ce -j status 2>&1 | "$LAB_PY" -c '
import json, sys
h = {x["ip"]: x for x in json.load(sys.stdin)["interfaces"][0]["hosts"]}
print(" ".join("%s:held=%d,hits=%d" % (ip, h[ip]["held"], h[ip]["limit_hits"]) for ip in sorted(h)))
' 2>&1)
	t_note "status hosts: $hosts"
	[[ $hosts =~ $LAB_LAN_IP:held=$LIMIT,hits=[1-9] ]] ||
		t_why "status: $LAB_LAN_IP should hold $LIMIT with limit hits: '$hosts'"
	[[ $hosts =~ $LAB_LAN2_IP:held=5,hits=0 ]] ||
		t_why "status: $LAB_LAN2_IP should hold 5 without limit hits: '$hosts'"
	t_end
}

# ---- run --------------------------------------------------------------
if [ -n "$LAB_NEED" ]; then
	for c in "${ALL[@]}"; do t_skip "$c" "$LAB_NEED"; done
else
	ns_serve tcp9001 "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "0.0.0.0:${HOT_TCP##*:}" --log "$LAB_DIR/tcp9001.peers" ||
		t_note "the server on ${HOT_TCP##*:} did not start"
	tcp_1000_cases
	exhaust_case nat_tcp_241st_refused tcp "$HOT_TCP" \
		"tcp and src host ${HOT_TCP%:*} and src port ${HOT_TCP##*:} and tcp[tcpflags] & tcp-rst != 0" \
		refused "RST from $HOT_TCP"
	exhaust_case nat_udp_241st_icmp udp "$HOT_UDP" \
		"icmp and src host $LAB_MAP_IPV4 and icmp[0] == 3 and icmp[1] == 13" \
		unreachable "ICMP 3/13 from $LAB_MAP_IPV4"
	per_host_case
fi

lab_teardown_case nat_ports_teardown_clean
t_exit
