#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_lab_auto.sh - `mode auto`: the CE runs what the line's HB46PP
# (v6mig-1) provisioning server orders.  The server is
# tests/lab/tools/hb46pp_server.py (no mapce code) on the ISP router,
# answering what the test writes in its answer file; the CE's WAN gets a
# MAC of RFC 7042's documentation range (a universally administered OUI:
# the vendorid the CE sends).  The far ends are the lab's own: the MAP-E
# BR (mapce br, lab.sh) and the RFC 2473 fixed-IPv4 endpoint (softwire.py,
# softwire.sh).  Plain http with provision-insecure: the HTTPS path, the
# DNS discovery and the certificate checks are test_lab_provision.sh's.
#
#   auto_map_e            mapce up with "mode auto" and the lab's MAP-E
#                         rule in the answer: up, status names the service
#                         and server, the LAN reaches the internet from
#                         198.51.100.18 (the lab's rule worked by hand in
#                         lab.sh), the server saw the CE's WAN address
#   auto_malformed        an answer with a field of the wrong type: exit 1,
#                         the message names the field, nothing attached,
#                         no pins, no state files
#   auto_ipip6            `mapce run` with mode auto and a fixed-IPv4
#                         answer: the LAN reaches the internet from the
#                         ordered address through the far end; the server
#                         was told the provision-vendorid given
#   auto_run_follows      the server's answer changed: after its ttl run
#                         asks again and applies it (status: the new
#                         address; the log: the changed answer)
#   auto_run_keeps        a malformed answer in run: said with the field,
#                         the running config kept, status counts the failure
#   auto_run_prefix       a good answer with a ttl of an hour, then a new
#                         WAN prefix: run asks the server again at once,
#                         from the new prefix (the server's log), and says so
#   auto_teardown_clean   nothing left behind
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/softwire.sh
. tests/lab/lib/softwire.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

ALL=(auto_map_e auto_malformed auto_ipip6 auto_run_follows auto_run_keeps auto_run_prefix
	auto_teardown_clean)
ns_preflight ip nft curl "$LAB_PY" || t_skip_all "$NS_WHY" "${ALL[@]}"
SRV=$LAB_TOOLS/hb46pp_server.py
PROV=$LAB_ISP_CE_IP6
URL="http://[$PROV]:8080/config"

# ---- helpers --------------------------------------------------------------------
# auto_lab: what both labs add: the vendor MAC, the server, the config file
auto_lab() {
	T=$LAB_DIR/auto
	mkdir -p "$T" && : >"$T/answer.json" || return 1
	ns_ip "$LAB_NS_CE" link set dev "$LAB_IF_WAN" address 00:00:5e:00:53:01 &&
		ns_ip "$LAB_NS_ISP" neigh flush dev "$LAB_IF_ISP_CE" || return 1
	ns_serve prov "$LAB_NS_ISP" "$LAB_PY" "$SRV" --bind "$PROV" --port 8080 \
		--answer "$T/answer.json" --log "$T/prov.jsonl" || return 1
	CONF=$T/auto.conf
	printf '%s\n' "wan $LAB_IF_WAN" "mode auto" "provision-url $URL" "provision-insecure" \
		"provision-ttl-min 2" >"$CONF"
}
answer() { printf '%s\n' "$1" >"$T/answer.json"; }
ce() { mapce_cmd "$LAB_NS_CE" "$@"; }
status_json() { mapce_in "$LAB_NS_CE" -j status --wan "$LAB_IF_WAN" >"$T/status.json" 2>&1; }
nothing_left() {
	local p
	p=$(mapce_pins ce "$LAB_IF_WAN" "$LAB_NS_CE")
	[ ! -e "$p" ] || t_why "pins left: $p"
	mapce_state ce "$LAB_IF_WAN" "$LAB_NS_CE" >"$T/state" 2>/dev/null
	[ ! -s "$T/state" ] || t_why "state files left: $(tr '\n' ' ' <"$T/state")"
	grep -q xdp <<<"$(ns_exec "$LAB_NS_CE" ip link show dev "$LAB_IF_WAN")" &&
		t_why "an XDP program is attached"
	grep -q . <<<"$(ns_exec "$LAB_NS_CE" tc filter show dev "$LAB_IF_WAN" egress)" &&
		t_why "a tc filter is attached"
}
# wait_for SECONDS PY: the status JSON satisfies PY (w: the WAN's object)
wait_for() {
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		status_json && [ "$(js "$T/status.json" "$2")" = True ] && return 0
		sleep 0.5
	done
	return 1
}

# The lab's MAP-E service (lab.sh): rule 2001:db8::/40 -> 198.51.100.0/24,
# EA 16, offset 4, draft-03 IIDs (version 0), BR 2001:db8:ffff::64.
MAP_E='{"ttl":3600,"token":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
 "order":["map_e"],
 "map_e":{"version":0,"br":"2001:db8:ffff::64","rules":[{"ipv6":"2001:db8::/40","ipv4":"198.51.100.0/24","ea_length":16,"psid_offset":4}]}}'
# ipip ADDR TTL: the fixed-IPv4 service of softwire.sh (the tunnel address
# the far end expects: the WAN /64 + the legacy IID of 198.51.100.123)
ipip() {
	printf '{"ttl":%s,"order":["ipip"],"ipip":[{"ipv6_local":"%s","ipv6_remote":"%s","ipv4":"%s"}]}' \
		"$2" "$SW_FIXED_IP6" "$SW_FAR6" "$1"
}

# ---- MAP-E: up -----------------------------------------------------------------------
LAB_START_CE=0 lab_test_up
auto_lab || t_fail setup "the HB46PP server or the config did not come up"

t_begin auto_map_e
answer "$MAP_E"
ce up --config "$CONF"
mapce_track ce "$LAB_NS_CE" "$LAB_IF_WAN"
[ "$rc" -eq 0 ] || t_why "mapce up exited $rc: $(errtext)"
status_json || t_why "status: $(head -c 300 "$T/status.json")"
t_json "$T/status.json" "
w = d['interfaces'][0]
p = w['provision']
assert w['mode'] == 'map-e' and w['ipv4'] == '$LAB_MAP_IPV4' and w['psid'] == $LAB_PSID, w
assert p['mode'] == 'auto' and p['service'] == 'map_e' and p['url'] == '$URL', p
assert p['fetched'] and p['ttl'] == 3600 and p['failures'] == 0, p
"
sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
sw_udp "LAN UDP" "$LAB_NS_LAN" "$LAB_MAP_IPV4"
tail -n 1 "$T/prov.jsonl" >"$T/last.json" 2>/dev/null
t_json "$T/last.json" "
assert d['client'] == '$LAB_CE_WAN_IP6', d['client']
assert d['query']['vendorid'] == ['00005e-mapce'], d['query']
"
t_end

t_begin auto_malformed
ce down --wan "$LAB_IF_WAN"
[ "$rc" -eq 0 ] || t_why "down exited $rc: $(errtext)"
answer "${MAP_E/\"ea_length\":16/\"ea_length\":\"16\"}"
ce up --config "$CONF"
[ "$rc" -eq 1 ] || t_why "up exited $rc, not 1"
grep -qF "map_e.rules[0].ea_length: a number (integer) expected, not string" "$NS_TMP/err" ||
	t_why "the message does not name the field: $(errtext)"
grep -qF "nothing applied" "$NS_TMP/err" || t_why "not said that nothing was applied: $(errtext)"
nothing_left
t_end
lab_down
# the lab lock (lab_up's) is held per open file: let the second lab take it
[ -z "${NS_LOCK_FD:-}" ] || exec {NS_LOCK_FD}>&-

# ---- fixed IPv4 (ipip6): run ------------------------------------------------------------
sw_test_up ipip6
auto_lab || t_fail setup "the HB46PP server or the config did not come up"
VENDORID=00005e-lab_ce # given: told instead of the MAC's (auto_map_e's)
echo "provision-vendorid $VENDORID" >>"$CONF"

t_begin auto_ipip6
answer "$(ipip "$SW_FIXED_IP" 1)"
run_start "$CONF" "$T/run.log"
mapce_track ce "$LAB_NS_CE" "$LAB_IF_WAN"
# the record of the answer is written just after the pass that applied it
wait_for 30 "w['mode'] == 'ipip6' and w['ipv4'] == '$SW_FIXED_IP' and bool(w.get('provision'))" ||
	t_why "not up as ipip6 $SW_FIXED_IP: $(head -c 300 "$T/status.json"); log: $(tail -n 3 "$T/run.log")"
t_json "$T/status.json" "
p = d['interfaces'][0]['provision']
assert p['service'] == 'ipip' and p['url'] == '$URL' and p['ttl'] == 1, p
assert 'iid c6:3364:7b00:0' in p['config'], p
assert p['next'], p
"
sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
sw_udp "LAN UDP" "$LAB_NS_LAN" "$SW_FIXED_IP"
tail -n 1 "$T/prov.jsonl" >"$T/last.json" 2>/dev/null
t_json "$T/last.json" "
assert d['query']['vendorid'] == ['$VENDORID'], d['query']
"
t_end

NEW_IP=198.51.100.124
t_begin auto_run_follows
answer "$(ipip "$NEW_IP" 1)"
# ttl 1, clamped to provision-ttl-min 2: asked again within 2 s
wait_for 15 "w['ipv4'] == '$NEW_IP' and w['mode'] == 'ipip6'" ||
	t_why "the new address was not applied: $(head -c 300 "$T/status.json")"
grep -q "provision .*changed answer: ipip" "$T/run.log" ||
	t_why "the log does not say the changed answer: $(tail -n 3 "$T/run.log")"
run_alive || t_why "mapce run exited"
t_end

t_begin auto_run_keeps
answer '{"ttl":1,"order":["ipip"],"ipip":[{"ipv6_local":"'"$SW_FIXED_IP6"'","ipv6_remote":"'"$SW_FAR6"'","ipv4":5}]}'
wait_for 15 "w['provision']['failures'] >= 1" ||
	t_why "no failure counted: $(head -c 400 "$T/status.json")"
t_json "$T/status.json" "
w = d['interfaces'][0]
assert w['ipv4'] == '$NEW_IP' and w['mode'] == 'ipip6', w
assert 'ipip[0].ipv4' in w['provision']['error'], w['provision']
"
grep -q "ipip\[0\].ipv4.*the running config is kept" "$T/run.log" ||
	t_why "the log does not name the field: $(tail -n 2 "$T/run.log")"
run_alive || t_why "mapce run exited"
t_end

NEW_ISP_IP6=2001:db8:12:3401::ffff # a new WAN /64
NEW_WAN_IP6=2001:db8:12:3401::1
t_begin auto_run_prefix
answer "$(ipip "$NEW_IP" 3600)"
# the backoff's retry takes the good answer: the next question in an hour
wait_for 40 "w['provision']['failures'] == 0 and w['provision']['ttl'] == 3600" ||
	t_why "the good answer was not taken again: $(head -c 400 "$T/status.json")"
asked=$(wc -l <"$T/prov.jsonl")
if ! ns_ip "$LAB_NS_ISP" -6 addr add "$NEW_ISP_IP6/64" dev "$LAB_IF_ISP_CE" nodad ||
	! ns_ip "$LAB_NS_CE" -6 addr add "$NEW_WAN_IP6/64" dev "$LAB_IF_WAN" nodad ||
	! ns_ip "$LAB_NS_CE" -6 route replace default via "$NEW_ISP_IP6" dev "$LAB_IF_WAN" ||
	! ns_ip "$LAB_NS_CE" -6 addr del "$LAB_CE_WAN_IP6/64" dev "$LAB_IF_WAN"; then
	t_why "cannot renumber the WAN"
fi
# asked_from_new: a question after the renumbering, from the new /64
asked_from_new() {
	grep -q "\"client\": *\"2001:db8:12:3401:" <<<"$(tail -n +"$((asked + 1))" "$T/prov.jsonl")"
}
ns_wait 20 asked_from_new ||
	t_why "not asked again from the new prefix: $(tail -n +"$((asked + 1))" "$T/prov.jsonl" | head -c 300); log: $(tail -n 3 "$T/run.log")"
grep -q "provision the WAN prefix changed: asking the provisioning server again" "$T/run.log" ||
	t_why "the log does not say it: $(tail -n 3 "$T/run.log")"
run_alive || t_why "mapce run exited"
run_stop
[ "$RUN_RC" = 0 ] || t_why "mapce run exited $RUN_RC at SIGTERM"
nothing_left
t_end

lab_teardown_case auto_teardown_clean
t_exit
