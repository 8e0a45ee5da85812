#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Port forwarding and hairpinning with real traffic (issue 3; tests/lab/lib/lab.sh
# + lab_nat.sh).  The CE runs from a config file (filtering apdf,
# the strictest, and one forward); two more forwards are added with
# `mapce portmap add`:
#
#   tcp 4930 -> 192.0.2.10:8022  (config file; server on the LAN host)
#   tcp 4931 -> 192.0.2.11:8023  (portmap add; server on the second LAN host)
#   udp 4932 -> 192.0.2.10:7008  (portmap add; UDP echo on the LAN host)
#
#   nat_forward_config        up --config FILE: the file's forward installed;
#                             status -j says apdf; portmap add saves both
#                             new forwards in the file
#   nat_forward_from_internet the internet (203.0.113.10) reaches all three
#                             through 198.51.100.18 (TCP echo, UDP echo); the
#                             LAN servers see the real remote address
#   nat_forward_hairpin       from the other LAN host (192.0.2.11 -> 4930,
#                             192.0.2.10 -> 4931, 192.0.2.11 -> udp 4932) and
#                             from the same host (192.0.2.10 -> 4930): every
#                             connection works and the server sees
#                             198.51.100.18 and a port of the set, not a LAN
#                             address; the CE counted hairpinned packets
#   nat_unsolicited_syn_silent
#                             a SYN from the internet to a port of the set
#                             with no mapping or forward gets no answer for
#                             7 s (no RST, no ICMP: RFC 5382 REQ-4), counted
#                             as a drop
#   nat_forward_survives_down_up
#                             mapce down; up --config FILE: all three
#                             forwards work again from the internet
#   nat_forward_teardown_clean        lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1} # (the HTTP file is not used here)
# shellcheck source=lib/lab_nat.sh
. tests/lab/lib/lab_nat.sh

T=${LAB_TEST_TIMEOUT:-60}
P1=4930 P2=4931 PU=4932 # outside ports (in the set)
S1=8022 S2=8023 SU=7008 # inside ports of the servers
P_NONE=4940            # in the set, neither mapped nor forwarded
ALL=(nat_forward_config nat_forward_from_internet nat_forward_hairpin
	nat_unsolicited_syn_silent nat_forward_survives_down_up)

lab_test_up lab_nat_up
lab_port_set
lab_need
CONF=$LAB_DIR/ce.conf
LOG1=$LAB_DIR/fwd1.peers LOG2=$LAB_DIR/fwd2.peers LOGU=$LAB_DIR/fwdu.peers

# tcp_to NS IP:PORT N: N concurrent connections that echo; t_why if not
tcp_to() {
	local out
	out=$(ns_exec_t "$T" "$1" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "$2=$3" --timeout 20 --hold 0.2 2>&1)
	lab_query tcp-check --expect "$3" <<<"$out" >"$LAB_DIR/why" 2>&1 ||
		t_why "$1 -> $2: $(cat "$LAB_DIR/why")"
}
# udp_to NS IP:PORT N: N echoed datagrams
udp_to() {
	local out
	out=$(ns_exec_t "$T" "$1" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "$2" --count "$3" --size 200 2>&1)
	lab_query ok <<<"$out" >"$LAB_DIR/why" 2>&1 ||
		t_why "$1 -> udp $2: $(cat "$LAB_DIR/why")"
}
# peers LOG: the peers a server logged (tcp_server: accept lines;
# udp_echo: every datagram), one ip:port per line, unique
peers() {
	awk '$1 == "accept" { print $3; next } $1 != "close" && $1 != "stop" { print $2 }' \
		"$1" | sort -u
}
# peers_are LOG N WHAT IP [inset]: N distinct peers, all from IP (and with
# a port of the set)
peers_are() {
	local log=$1 n=$2 what=$3 ip=$4 inset=${5:-} p got
	got=$(peers "$log")
	[ "$(grep -c . <<<"$got")" = "$n" ] ||
		t_why "$what: the server saw $(grep -c . <<<"$got") peers, expected $n: $(tr '\n' ' ' <<<"$got")"
	for p in $got; do
		[ "${p%:*}" = "$ip" ] || { t_why "$what: the server saw $p, expected $ip"; continue; }
		[ -z "$inset" ] || lab_in_set "${p##*:}" || t_why "$what: source port of $p not in the set"
	done
	t_note "$what: the server saw $(tr '\n' ' ' <<<"$got")"
}
clear_logs() { : >"$LOG1"; : >"$LOG2"; : >"$LOGU"; }

start_servers() {
	ns_serve fwd1 "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "$LAB_LAN_IP:$S1" --log "$LOG1" &&
	ns_serve fwd2 "$LAB_NS_LAN2" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "$LAB_LAN2_IP:$S2" --log "$LOG2" &&
	ns_serve fwdu "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" server \
		--listen "$LAB_LAN_IP:$SU" --log "$LOGU"
}

# ---- cases ------------------------------------------------------------
config_case() {
	local f out
	t_begin nat_forward_config
	cat >"$CONF" <<-EOF
		# mapce lab CE (tests/lab/test_lab_nat_forward.sh)
		wan $LAB_IF_WAN
		rule-ipv6 2001:db8::/40
		rule-ipv4 198.51.100.0/24
		ea-len 16
		psid-offset 4
		legacy-iid
		br $LAB_BR_IP6
		filtering apdf
		portmap tcp $P1 $LAB_LAN_IP:$S1
	EOF
	if ! lab_nat_ce_up_config "$CONF"; then
		t_why "mapce up --config: $LAB_CE_STATE"
		t_end
		return 1
	fi
	f=$(lab_nat_filtering)
	[ "$f" = apdf ] || t_why "status -j: filtering '$f', expected apdf (from the file)"
	out=$(lab_ce portmap add tcp "$P2" "$LAB_LAN2_IP:$S2" 2>&1) ||
		t_why "portmap add tcp $P2: $out"
	out=$(lab_ce portmap add udp "$PU" "$LAB_LAN_IP:$SU" 2>&1) ||
		t_why "portmap add udp $PU: $out"
	out=$(lab_ce -j portmap list 2>&1)
	echo "$out" >"$LAB_DIR/portmap.json"
	"$LAB_PY" - "$LAB_DIR/portmap.json" "$P1" "$P2" "$PU" <<-'EOF' >"$LAB_DIR/why" 2>&1 ||
		import json, sys
		text = open(sys.argv[1]).read()
		got = sorted((f['proto'], f['outside_port'], f['installed'], f['saved'])
		             for f in json.loads(text)['forwards'])
		p1, p2, pu = (int(x) for x in sys.argv[2:])
		want = sorted([('tcp', p1, True, True), ('tcp', p2, True, True), ('udp', pu, True, True)])
		if got != want:
		    print('portmap list -j: %s, expected %s' % (got, want))
		    sys.exit(1)
	EOF
		t_why "$(cat "$LAB_DIR/why")"
	grep -Eq "^portmap +tcp +$P2 +$LAB_LAN2_IP:$S2" "$CONF" &&
		grep -Eq "^portmap +udp +$PU +$LAB_LAN_IP:$SU" "$CONF" ||
		t_why "the config file lacks the added forwards: $(grep portmap "$CONF" | tr '\n' ';')"
	t_end
}

from_internet_case() {
	t_begin nat_forward_from_internet
	clear_logs
	tcp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$P1" 3
	tcp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$P2" 3
	udp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$PU" 3
	peers_are "$LOG1" 3 "internet -> tcp $P1" "$LAB_INET_IP"
	peers_are "$LOG2" 3 "internet -> tcp $P2" "$LAB_INET_IP"
	peers_are "$LOGU" 1 "internet -> udp $PU" "$LAB_INET_IP"
	t_end
}

hairpin_case() {
	local d
	t_begin nat_forward_hairpin
	lab_nat_stats "$LAB_DIR/h0.json"
	clear_logs
	tcp_to "$LAB_NS_LAN2" "$LAB_MAP_IPV4:$P1" 3
	peers_are "$LOG1" 3 "$LAB_LAN2_IP -> tcp $P1" "$LAB_MAP_IPV4" inset
	tcp_to "$LAB_NS_LAN" "$LAB_MAP_IPV4:$P2" 3
	peers_are "$LOG2" 3 "$LAB_LAN_IP -> tcp $P2" "$LAB_MAP_IPV4" inset
	udp_to "$LAB_NS_LAN2" "$LAB_MAP_IPV4:$PU" 3
	peers_are "$LOGU" 1 "$LAB_LAN2_IP -> udp $PU" "$LAB_MAP_IPV4" inset
	: >"$LOG1"
	tcp_to "$LAB_NS_LAN" "$LAB_MAP_IPV4:$P1" 3
	peers_are "$LOG1" 3 "$LAB_LAN_IP -> its own tcp $P1" "$LAB_MAP_IPV4" inset
	lab_nat_stats "$LAB_DIR/h1.json"
	d=$(lab_nat_delta "$LAB_DIR/h0.json" "$LAB_DIR/h1.json" hairpin encap)
	t_note "counters: $d"
	[[ $d =~ hairpin=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 24 ] ||
		t_why "expected >= 24 hairpinned packets (12 handshakes + echoes) ($d)"
	t_end
}

unsolicited_case() {
	local r=$LAB_DIR/unsolicited.json res d
	t_begin nat_unsolicited_syn_silent
	lab_in_set "$P_NONE" || t_why "$P_NONE is not in the lab's set"
	lab_nat_stats "$LAB_DIR/u0.json"
	ns_exec_t "$T" "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/nat_exhaust.py" \
		--to "$LAB_MAP_IPV4:$P_NONE" --hold 0 --extra 1 --extra-timeout 7 >"$r" 2>&1
	lab_nat_stats "$LAB_DIR/u1.json"
	res=$("$LAB_PY" -c 'import json,sys; e=json.load(open(sys.argv[1]))["extra"][0]; print(e["result"], e["detail"], e["elapsed_s"])' "$r" 2>&1)
	t_note "SYN to $LAB_MAP_IPV4:$P_NONE: $res"
	[ "${res%% *}" = timeout ] || t_why "expected no answer for 7 s, got: $res"
	d=$(lab_nat_delta "$LAB_DIR/u0.json" "$LAB_DIR/u1.json" drop_no_flow drop_filtered \
		ev_reject_sent)
	t_note "counters: $d"
	[[ $d =~ drop_no_flow=([0-9]+)\ drop_filtered=([0-9]+) ]] &&
		[ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -ge 1 ] ||
		t_why "the SYNs were not counted as dropped ($d)"
	t_end
}

down_up_case() {
	t_begin nat_forward_survives_down_up
	if ! lab_nat_ce_up_config "$CONF"; then
		t_why "mapce down; up --config: $LAB_CE_STATE"
		t_end
		return
	fi
	clear_logs
	tcp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$P1" 2
	tcp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$P2" 2
	udp_to "$LAB_NS_INET" "$LAB_MAP_IPV4:$PU" 2
	peers_are "$LOG1" 2 "after down/up: internet -> tcp $P1" "$LAB_INET_IP"
	peers_are "$LOG2" 2 "after down/up: internet -> tcp $P2" "$LAB_INET_IP"
	peers_are "$LOGU" 1 "after down/up: internet -> udp $PU" "$LAB_INET_IP"
	t_end
}

# ---- run --------------------------------------------------------------
if [ -n "$LAB_NEED" ]; then
	for c in "${ALL[@]}"; do t_skip "$c" "$LAB_NEED"; done
elif ! start_servers; then
	for c in "${ALL[@]}"; do t_fail "$c" "the LAN servers did not start"; done
elif ! config_case; then
	for c in "${ALL[@]:1}"; do t_skip "$c" "the CE did not start from its config file"; done
else
	from_internet_case
	hairpin_case
	unsolicited_case
	down_up_case
fi

lab_teardown_case nat_forward_teardown_clean
t_exit
