#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# NAT-PMP and PCP on the LAN (issue 12): `mapce run` with `pcp LAN_IF` in
# its config file, against Debian's natpmpc (libnatpmp) and an independent
# PCP client (tests/lab/tools/pcp_client.py, written from RFC 6887's
# layouts) run from the lab's LAN host (tests/lab/lib/lab.sh).
#
#   pcp_natpmp_address     natpmpc: the public address is the CE's
#                          (198.51.100.18)
#   pcp_natpmp_map         natpmpc -a 4930 8022 tcp 3600: mapped to 4930;
#                          within 5 s `portmap list -j` has tcp 4930 ->
#                          192.0.2.10:8022, dynamic, not saved; run logged
#                          it opened; the config file is unchanged
#   pcp_from_internet      3 TCP connections from 203.0.113.10 to
#                          198.51.100.18:4930 reach the LAN host's server
#   pcp_natpmp_delete      natpmpc -a 4930 8022 tcp 0: answered with external
#                          port 0 and lifetime 0; the forward is gone; a
#                          connection from the internet to 4930 fails
#   pcp_map_outside_set    PCP MAP tcp 8023, suggested 4000 (not in the
#                          set): SUCCESS with a port of the set (the set's
#                          first, 4000's nearest), the CE's address, the
#                          nonce back; the forward is listed, dynamic
#   pcp_renewal            the same MAP again (same nonce), lifetime 120:
#                          the same port, lifetime 120; another nonce:
#                          NOT_AUTHORIZED
#   pcp_prefer_failure     MAP suggested 4000 with PREFER_FAILURE:
#                          CANNOT_PROVIDE_EXTERNAL, no forward of 4000
#   pcp_third_party        MAP with THIRD_PARTY 192.0.2.20: NOT_AUTHORIZED,
#                          no forward to 192.0.2.20
#   pcp_address_mismatch   a client address other than the source:
#                          ADDRESS_MISMATCH
#   pcp_filter_refused     MAP with a FILTER option: UNSUPP_OPTION
#   pcp_per_client_limit   31 more UDP mappings (one nonce) reach the 32 a
#                          host may hold: all SUCCESS, all listed; the next
#                          is USER_EX_QUOTA; a delete of all protocols and
#                          ports (protocol 0, internal port 0, lifetime 0)
#                          with that nonce closes the 31, keeps the first
#   pcp_peer_refused       PEER: UNSUPP_OPCODE; version 3: UNSUPP_VERSION
#                          answered as version 2
#   pcp_announce_epoch     ANNOUNCE: SUCCESS, lifetime 0; the epoch grows
#                          with the time between two answers
#   pcp_lifetime_expiry    MAP udp with lifetime 3: listed, then gone within
#                          3 + 4 s with no delete; run logged it expired
#   pcp_run_exit           SIGTERM to run: exit 0, the mappings closed
#   pcp_teardown_clean     lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1}
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh
# shellcheck source=lib/fwd.sh
. tests/lab/lib/fwd.sh

T=60
P_NP=4930 S_NP=8022 # natpmpc's mapping (a port of the set) and the LAN server
P_OUT=4000          # not in the set
ALL=(pcp_natpmp_address pcp_natpmp_map pcp_from_internet pcp_natpmp_delete
	pcp_map_outside_set pcp_renewal pcp_prefer_failure pcp_third_party
	pcp_address_mismatch pcp_filter_refused pcp_per_client_limit pcp_peer_refused
	pcp_announce_epoch pcp_lifetime_expiry pcp_run_exit)

command -v natpmpc >/dev/null ||
	t_skip_all "not installed: natpmpc (scripts/deps.sh)" "${ALL[@]}" pcp_teardown_clean

run_lab_up "${ALL[@]}" pcp_teardown_clean
lab_port_set

lan() { ns_exec_t "$T" "$LAB_NS_LAN" "$@"; }
CONF=$LAB_DIR/pcp.conf
RUNLOG=$LAB_DIR/run.log
RUN_PID=
{
	echo "wan $LAB_IF_WAN"
	lab_rule_config
	echo "pcp $LAB_IF_CE_LAN"
} >"$CONF"
cp "$CONF" "$CONF.orig"

cleanup() {
	run_stop
	lab_down
}
trap cleanup EXIT

run_start "$CONF" "$RUNLOG"
ns_wait 15 grep -q 'NAT-PMP and PCP on' "$RUNLOG" ||
	t_fail pcp_run_start "no 'NAT-PMP and PCP on' line within 15 s: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
t_setup_ok "mapce run did not start the server" "${ALL[@]}" || exit 1

# natpmpc_ ARGS...: natpmpc against the CE, output in $LAB_DIR/np.out
# natpmpc takes any answer as the one to its last request: an answer to a
# request it sent again (slow server, a loaded machine) that comes late is
# read as the next one's ("protocol UNKNOWN ... liftime 0"); asked once
# more then (a mapping request is idempotent: the same mapping renewed)
natpmpc_() {
	lan timeout 20 natpmpc -g "$LAB_CE_LAN_IP" "$@" >"$LAB_DIR/np.out" 2>&1 || return
	grep -q 'protocol UNKNOWN' "$LAB_DIR/np.out" || return 0
	lan timeout 20 natpmpc -g "$LAB_CE_LAN_IP" "$@" >"$LAB_DIR/np.out" 2>&1
}
np_tail() { tail -n 3 "$LAB_DIR/np.out" | tr '\n' ' '; }
# pcp ARGS...: the PCP client from the LAN host; its JSON answer in $LAB_DIR/pcp.json
pcp() {
	lan "$LAB_PY" "$LAB_TOOLS/pcp_client.py" --server "$LAB_CE_LAN_IP" "$@" \
		>"$LAB_DIR/pcp.json" 2>&1
}
# pj EXPR: the python expression on the last answer d
pj() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	"$LAB_DIR/pcp.json" "$1" 2>/dev/null; }
pcp_said() { head -c 300 "$LAB_DIR/pcp.json"; }
# dyn_ports: how many outside ports the dynamic forwards hold
dyn_ports() {
	fwd_json && python3 -c 'import json, sys; print(sum(f["outside_last"] - f["outside_port"] + 1
    for f in json.load(open(sys.argv[1]))["forwards"] if f["dynamic"]))' "$LAB_DIR/fwd.json"
}

# ---- NAT-PMP with natpmpc ----------------------------------------------------
t_begin pcp_natpmp_address
natpmpc_ || t_why "natpmpc exit $?: $(np_tail)"
grep -qx "Public IP address : $LAB_MAP_IPV4" "$LAB_DIR/np.out" || t_why "address: $(np_tail)"
t_end

ns_serve npsrv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
	--listen "$LAB_LAN_IP:$S_NP" --log "$LAB_DIR/npsrv.peers"

t_begin pcp_natpmp_map
lab_in_set "$P_NP" || t_why "$P_NP is not in the set"
natpmpc_ -a "$P_NP" "$S_NP" tcp 3600 || t_why "natpmpc -a exit $?: $(np_tail)"
grep -q "Mapped public port $P_NP protocol TCP to local port $S_NP liftime 3600" "$LAB_DIR/np.out" ||
	t_why "natpmpc -a: $(np_tail)"
ns_wait 5 has_fwd tcp "$P_NP" "$LAB_LAN_IP" "$S_NP" 1 ||
	t_why "no dynamic forward tcp $P_NP within 5 s: $(head -c 400 "$LAB_DIR/fwd.json")"
grep -q "pcp tcp $P_NP -> $LAB_LAN_IP:$S_NP opened (nat-pmp, 3600 s)" "$RUNLOG" ||
	t_why "run did not log it: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
cmp -s "$CONF" "$CONF.orig" || t_why "the config file changed"
t_end

t_begin pcp_from_internet
inet_reach "$P_NP" 3 20 ||
	t_why "internet -> $LAB_MAP_IPV4:$P_NP: $(cat "$LAB_DIR/why")"
grep -q "^accept .*$LAB_INET_IP:" "$LAB_DIR/npsrv.peers" ||
	t_why "the LAN server saw no connection from $LAB_INET_IP"
t_end

t_begin pcp_natpmp_delete
natpmpc_ -a "$P_NP" "$S_NP" tcp 0 || t_why "natpmpc -a ... 0 exit $?: $(np_tail)"
grep -q "Mapped public port 0 protocol TCP to local port $S_NP liftime 0" "$LAB_DIR/np.out" ||
	t_why "the delete's answer (RFC 6886 3.4: external port 0, lifetime 0): $(np_tail)"
ns_wait 5 no_port "$P_NP" || t_why "forward $P_NP still there after 5 s"
grep -q "pcp tcp $P_NP -> $LAB_LAN_IP:$S_NP deleted" "$RUNLOG" || t_why "run did not log it deleted"
inet_reach "$P_NP" 1 3 && t_why "$P_NP still reachable"
t_end

# ---- PCP with the python client ----------------------------------------------
NONCE=0123456789abcdef01234567
t_begin pcp_map_outside_set
lab_in_set "$P_OUT" && t_why "$P_OUT is in the set"
pcp map --proto tcp --internal 8023 --external "$P_OUT" --lifetime 60 --nonce "$NONCE" ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = SUCCESS ] || t_why "result: $(pcp_said)"
port=$(pj 'd["external_port"]')
first=$(head -n 1 "$LAB_PORTSET")
lab_in_set "$port" || t_why "port $port is not in the set"
[ "$port" = "$first" ] || t_why "port $port, not the set's first ($first), $P_OUT's nearest"
[ "$(pj 'd["external_ip"]')" = "$LAB_MAP_IPV4" ] || t_why "address: $(pcp_said)"
[ "$(pj 'd["nonce"]')" = "$NONCE" ] || t_why "nonce: $(pcp_said)"
[ "$(pj 'd["lifetime"]')" = 60 ] || t_why "lifetime: $(pcp_said)"
[ "$(pj 'd["r"] and d["version"] == 2 and d["opcode"] == 1')" = True ] || t_why "header: $(pcp_said)"
ns_wait 5 has_fwd tcp "$port" "$LAB_LAN_IP" 8023 1 ||
	t_why "no dynamic forward tcp $port: $(head -c 400 "$LAB_DIR/fwd.json")"
no_port "$P_OUT" || t_why "a forward of $P_OUT"
t_end

t_begin pcp_renewal
pcp map --proto tcp --internal 8023 --external "$P_OUT" --lifetime 120 --nonce "$NONCE" ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = SUCCESS ] || t_why "result: $(pcp_said)"
[ "$(pj 'd["external_port"]')" = "$port" ] || t_why "another port: $(pcp_said)"
[ "$(pj 'd["lifetime"]')" = 120 ] || t_why "lifetime: $(pcp_said)"
pcp map --proto tcp --internal 8023 --lifetime 120 --nonce ffffffffffffffffffffffff ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = NOT_AUTHORIZED ] || t_why "another nonce: $(pcp_said)"
has_fwd tcp "$port" "$LAB_LAN_IP" 8023 1 || t_why "the forward went"
t_end

t_begin pcp_prefer_failure
pcp map --proto udp --internal 8024 --external "$P_OUT" --lifetime 60 --prefer-failure ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = CANNOT_PROVIDE_EXTERNAL ] || t_why "result: $(pcp_said)"
[ "$(pj 'd["lifetime"]')" = 30 ] || t_why "error lifetime: $(pcp_said)"
no_port "$P_OUT" || t_why "a forward of $P_OUT"
t_end

t_begin pcp_third_party
pcp map --proto tcp --internal 8025 --external "$P_NP" --lifetime 60 --third-party 192.0.2.20 ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = NOT_AUTHORIZED ] || t_why "result: $(pcp_said)"
fwd_json
grep -q '192.0.2.20' "$LAB_DIR/fwd.json" && t_why "a forward to 192.0.2.20: $(head -c 300 "$LAB_DIR/fwd.json")"
t_end

t_begin pcp_address_mismatch
pcp map --proto tcp --internal 8026 --lifetime 60 --client 192.0.2.99 ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = ADDRESS_MISMATCH ] || t_why "result: $(pcp_said)"
t_end

t_begin pcp_filter_refused
pcp map --proto tcp --internal 8028 --lifetime 60 --filter 203.0.113.10 ||
	t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = UNSUPP_OPTION ] || t_why "result: $(pcp_said)"
t_end

t_begin pcp_per_client_limit
NONCE2=00000000000000000000beef
for i in $(seq 1 31); do
	pcp map --proto udp --internal $((20000 + i)) --lifetime 120 --nonce "$NONCE2" ||
		t_why "mapping $i: no answer: $(pcp_said)"
	[ "$(pj 'd["result_name"]')" = SUCCESS ] || t_why "mapping $i: $(pcp_said)"
done
n=$(dyn_ports)
[ "$n" = 32 ] || t_why "$n dynamic forwarded ports listed, want 32"
pcp map --proto udp --internal 20100 --lifetime 120 --nonce "$NONCE2" || t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = USER_EX_QUOTA ] || t_why "the 33rd: $(pcp_said)"
grep -q "pcp pcp from $LAB_LAN_IP: udp 20100 for 120 s refused: the client holds 32 mappings" "$RUNLOG" ||
	t_why "the refusal not logged: $(tail -n 1 "$RUNLOG")"
pcp map --proto all --internal 0 --lifetime 0 --nonce "$NONCE2" || t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = SUCCESS ] || t_why "delete all: $(pcp_said)"
n=$(dyn_ports)
[ "$n" = 1 ] || t_why "$n dynamic forwarded ports after the delete, want 1"
has_fwd tcp "$port" "$LAB_LAN_IP" 8023 1 || t_why "the first mapping (another nonce) went too"
t_end

t_begin pcp_peer_refused
pcp peer --proto tcp --internal 8027 --lifetime 60 || t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"]')" = UNSUPP_OPCODE ] || t_why "PEER: $(pcp_said)"
pcp map --version 3 --proto tcp --internal 8027 --lifetime 60 || t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"] + " " + str(d["version"])')" = "UNSUPP_VERSION 2" ] ||
	t_why "version 3: $(pcp_said)"
t_end

t_begin pcp_announce_epoch
# The epoch follows real time (RFC 6887 section 8.5), in whole seconds. The
# growth wanted is bounded by the clock read around each ask, not by the
# sleep: on a loaded machine the client's start alone can take seconds.
# (EPOCHREALTIME's decimal point is the locale's: the digits are taken.)
b1=${EPOCHREALTIME//[!0-9]/}
pcp announce || t_why "no answer: $(pcp_said)"
a1=${EPOCHREALTIME//[!0-9]/}
[ "$(pj 'd["result_name"] + " " + str(d["lifetime"]) + " " + str(d["len"])')" = "SUCCESS 0 24" ] ||
	t_why "ANNOUNCE: $(pcp_said)"
e1=$(pj 'd["epoch"]')
sleep 2
b2=${EPOCHREALTIME//[!0-9]/}
pcp announce
a2=${EPOCHREALTIME//[!0-9]/}
e2=$(pj 'd["epoch"]')
lo=$(((b2 - a1) / 1000000 - 1)) # floor of the least time between answers, less a second of rounding
hi=$(((a2 - b1 + 999999) / 1000000 + 1)) # ceiling of the most, plus one
[ "$lo" -ge 1 ] || lo=1
if [ -z "$e1" ] || [ -z "$e2" ] || [ "$((e2 - e1))" -lt "$lo" ] || [ "$((e2 - e1))" -gt "$hi" ]; then
	t_why "epoch $e1 then $e2, want a growth of $lo..$hi (the answers $(((b2 - a1) / 1000)) to $(((a2 - b1) / 1000)) ms apart)"
fi
t_end

t_begin pcp_lifetime_expiry
pcp map --proto udp --internal 7009 --external 4932 --lifetime 3 || t_why "no answer: $(pcp_said)"
[ "$(pj 'd["result_name"] + " " + str(d["lifetime"])')" = "SUCCESS 3" ] || t_why "result: $(pcp_said)"
eport=$(pj 'd["external_port"]')
# the run log, not the table: a loaded machine may list it after its 3 s
ns_wait 5 grep -q "pcp udp $eport -> $LAB_LAN_IP:7009 opened" "$RUNLOG" ||
	t_why "udp $eport not opened: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
ns_wait 7 no_port "$eport" || t_why "udp $eport still open 7 s after a 3 s lifetime"
grep -q "pcp udp $eport -> $LAB_LAN_IP:7009 expired" "$RUNLOG" || t_why "run did not log it expired"
t_end

t_begin pcp_run_exit
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exit $RUN_RC: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
grep -q "pcp 1 mapping closed at exit" "$RUNLOG" || t_why "no 'closed at exit': $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
t_end

ns_stop npsrv
lab_teardown_case pcp_teardown_clean
t_exit
