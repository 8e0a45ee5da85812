#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `mapce run --mode dslite --aftr NAME` follows the name (RFC 6333 §5.5)
# through the lab (tests/lab/lib/softwire.sh): the AFTR is
# tests/lab/tools/softwire.py, the name is answered by dnsmasq in the ISP
# with a TTL of 1 s (mapce asks again after 30 s at the soonest).
#
#   dslite_follow_start     run asks the name through the line's DNS, from
#                           the WAN address; the LAN reaches the internet;
#                           status shows the name, its address and TTL
#   dslite_follow_moved     the name's AAAA changes and the AFTR moves to
#                           the new address: run follows within the TTL's
#                           floor (one log line), status shows the new
#                           address, ping and UDP go through the AFTR at
#                           its new address, the counters kept
#   dslite_follow_prefix    a new WAN prefix: the name is asked again at
#                           once, from the new address
#   dslite_follow_failure   the DNS gone: the failure retried with backoff,
#                           shown in status, the last good address kept
#                           and traffic still flowing
#   dslite_follow_option64  the name from DHCPv6 option 64 (a hook's file,
#                           no --aftr) is followed the same way: status
#                           shows it and its TTL; its AAAA changes, the
#                           AFTR moves back, run follows (one log line)
#                           and traffic goes to the AFTR's new address
#   dslite_follow_teardown  SIGTERM takes it down; nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/softwire.sh
. tests/lab/lib/softwire.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

CASES=(dslite_follow_start dslite_follow_moved dslite_follow_prefix dslite_follow_failure
	dslite_follow_option64)
ns_preflight ip nft dnsmasq "$LAB_PY" || t_skip_all "$NS_WHY" "${CASES[@]}"
sw_test_up dslite

AFTR_NAME=aftr.example.net
DNS6=$LAB_ISP_CE_IP6 # the ISP's router answers DNS too
NEW_FAR6=2001:db8:ffff::65 # where the AFTR moves
NEW_ISP_IP6=2001:db8:12:3401::ffff # a new WAN /64, in the AFTR's B4 prefix
NEW_WAN_IP6=2001:db8:12:3401::1
FOLLOW_WAIT=${FOLLOW_WAIT:-50} # the TTL's floor (30 s), the debounce, slack
CONF=$LAB_DIR/follow.conf
RUNLOG=$LAB_DIR/follow.log
DNSLOG=$NS_TMP/dns.log

ce() { NS_T=30 ns_nsenter "$LAB_NS_CE" "$@"; }
status_json() { ce "$MAPCE" -j status --wan "$LAB_IF_WAN" >"$1" 2>&1; }
# status_is EXPR: the WAN's status satisfies EXPR (python, w bound).
status_is() { status_json "$LAB_DIR/st" && [ "$(js "$LAB_DIR/st" "bool($1)")" = True ]; }
# dns_start ADDR6: dnsmasq in the ISP answering AFTR_NAME with ADDR6, TTL 1
dns_start() {
	ns_stop dns
	ns_bg dns "$LAB_NS_ISP" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --bind-interfaces --listen-address="$DNS6" --pid-file= \
		--log-queries --log-facility=- --host-record="$AFTR_NAME,$1,1" &&
		ns_wait 10 ns_udp_bound "$LAB_NS_ISP" 'sport = :53'
}
# asked_from ADDR6 N: at least N AAAA questions for the name from ADDR6
asked_from() {
	[ "$(grep -c "query\[AAAA\] $AFTR_NAME from $1\$" "$DNSLOG" 2>/dev/null)" -ge "$2" ]
}
# encap: the CE's encapsulated packets so far
encap() { ce "$MAPCE" -j stats --wan "$LAB_IF_WAN" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d["interfaces"] if isinstance(d, dict) and "interfaces" in d else d
d = d[0] if isinstance(d, list) else d
print(d["reasons"]["encap"]["packets"])' 2>/dev/null; }

# aftr_moves_to ADDR6 B4 WHAT: the AFTR (already given ADDR6) restarted
# there and the name's AAAA changed to it: run follows within
# FOLLOW_WAIT (status, one log line), and ping and UDP from the LAN reach
# the AFTR there from B4
aftr_moves_to() {
	local was=$SW_FAR6 t0=$SECONDS
	SW_FAR6=$1
	sw_far_restart || t_why "the AFTR did not start at $1"
	dns_start "$1" || t_why "dnsmasq did not start again"
	ns_wait "$FOLLOW_WAIT" status_is "w['br'] == '$1' and w['aftr_name']['address'] == '$1'" ||
		t_why "not followed: $(js "$LAB_DIR/st" "(w.get('br'), w.get('aftr_name'))"); log: $(tail -n 3 "$RUNLOG")"
	t_note "followed $((SECONDS - t0))s after the name changed"
	grep -q " aftr $AFTR_NAME is now $1 (was $was; TTL 1 s): re-applying" "$RUNLOG" ||
		t_why "no log line of the change: $(tail -n 3 "$RUNLOG")"
	sw_ping "LAN ping ($3)" "$LAB_NS_LAN" "$LAB_INET_IP"
	sw_udp "LAN UDP ($3)" "$LAB_NS_LAN" "$SW_AFTR_PUBLIC"
	sw_stats "
assert set(d['b4s']) == {'$2'}, 'B4s %s' % d['b4s']
assert d['inner_sources'].get('$LAB_LAN_IP', 0) >= 3, 'inner sources %s' % d['inner_sources']"
}

# ---- dslite_follow_start -----------------------------------------------
t_begin dslite_follow_start
if ! sw_far_restart || ! dns_start "$SW_FAR6"; then
	t_fail dslite_follow_start "the AFTR or dnsmasq did not start: $(tail -n 3 "$DNSLOG")"
	ns_stop dns
	t_skip_all "the AFTR or dnsmasq did not start" "${CASES[@]:1}"
fi
{
	echo "# mapce run following the AFTR's name (tests/lab/test_lab_dslite_follow.sh)"
	echo "wan $LAB_IF_WAN"
	echo "mode dslite"
	echo "aftr $AFTR_NAME"
	echo "dns $DNS6"
} >"$CONF"
: >"$RUNLOG"
run_start "$CONF" "$RUNLOG"
ns_wait 20 status_is "w['up'] and w['br'] == '$SW_FAR6'" ||
	t_why "not up with the AFTR $SW_FAR6: $(head -c 300 "$LAB_DIR/st"); log: $(tail -n 3 "$RUNLOG")"
sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
asked_from "$LAB_CE_WAN_IP6" 1 || t_why "not asked from the WAN: $(grep query "$DNSLOG" | head -n 3)"
status_is "w['aftr_name']['name'] == '$AFTR_NAME' and w['aftr_name']['address'] == '$SW_FAR6' \
and w['aftr_name']['ttl'] == 1 and w['aftr_name']['failures'] == 0 \
and 29 <= w['aftr_name']['next_try_in_s'] + w['aftr_name']['last_try_age_s'] <= 31" ||
	t_why "status: $(js "$LAB_DIR/st" "w.get('aftr_name')")"
grep -q "aftr name    $AFTR_NAME is $SW_FAR6 (TTL 1 s" <<<"$(ce "$MAPCE" status --wan "$LAB_IF_WAN" 2>&1)" ||
	t_why "text status: $(ce "$MAPCE" status --wan "$LAB_IF_WAN" 2>&1 | grep -A2 aftr)"
t_end
if ! run_alive; then
	t_skip_all "mapce run is not running: $(tail -n 3 "$RUNLOG")" "${CASES[@]:1}"
fi

# ---- dslite_follow_moved -----------------------------------------------
t_begin dslite_follow_moved
encap0=$(encap)
# the AFTR moves: the ISP routes its new address to the AFTR's host, which
# keeps the stack off its tunnel packets (sw_far_plumb), and the name says so
if ! ns_ip "$LAB_NS_ISP" -6 route add "$NEW_FAR6/128" via "$LAB_BR_LINK_IP6" ||
	! ns_addr "$SW_NS" "$LAB_IF_BR_WAN" "$NEW_FAR6/128" ||
	! ns_exec "$SW_NS" nft add rule inet softwire pre ip6 daddr "$NEW_FAR6" \
		ip6 nexthdr '{ 4, 44 }' counter drop; then
	t_why "cannot give the AFTR $NEW_FAR6"
fi
aftr_moves_to "$NEW_FAR6" "$LAB_CE_WAN_IP6" "AFTR moved"
encap1=$(encap)
if [ -z "$encap0" ] || [ -z "$encap1" ] || [ "$encap1" -le "$encap0" ]; then
	t_why "the encap counter did not go on: $encap0 -> $encap1"
fi
t_end

# ---- dslite_follow_prefix ----------------------------------------------
t_begin dslite_follow_prefix
t0=$SECONDS
if ! ns_ip "$LAB_NS_ISP" -6 addr add "$NEW_ISP_IP6/64" dev "$LAB_IF_ISP_CE" nodad ||
	! ce ip -6 addr add "$NEW_WAN_IP6/64" dev "$LAB_IF_WAN" nodad ||
	! ce ip -6 route replace default via "$NEW_ISP_IP6" dev "$LAB_IF_WAN" ||
	! ce ip -6 addr del "$LAB_CE_WAN_IP6/64" dev "$LAB_IF_WAN"; then
	t_why "cannot renumber the WAN"
fi
# well before the TTL's floor: asked because of the prefix
ns_wait 15 asked_from "$NEW_WAN_IP6" 1 ||
	t_why "not asked again from $NEW_WAN_IP6: $(grep query "$DNSLOG" | tail -n 3); log: $(tail -n 3 "$RUNLOG")"
t_note "asked $((SECONDS - t0))s after the new prefix"
grep -q " aftr the WAN prefix changed: asking for $AFTR_NAME again" "$RUNLOG" ||
	t_why "no log line: $(tail -n 3 "$RUNLOG")"
ns_wait 10 status_is "w['ce_ipv6'] == '$NEW_WAN_IP6' and w['br'] == '$NEW_FAR6'" ||
	t_why "status: $(js "$LAB_DIR/st" "(w.get('ce_ipv6'), w.get('br'))")"
sw_ping "LAN ping (new prefix)" "$LAB_NS_LAN" "$LAB_INET_IP"
t_end

# ---- dslite_follow_failure ---------------------------------------------
t_begin dslite_follow_failure
ns_stop dns
ns_wait "$FOLLOW_WAIT" status_is "w['aftr_name']['failures'] >= 1" ||
	t_why "no failure seen: $(js "$LAB_DIR/st" "w.get('aftr_name')")"
status_is "w['aftr_name']['address'] == '$NEW_FAR6' and w['br'] == '$NEW_FAR6' \
and w['aftr_name']['error'] and 0 <= w['aftr_name']['next_try_in_s'] <= 5" ||
	t_why "status: $(js "$LAB_DIR/st" "(w.get('br'), w.get('aftr_name'))")"
grep -q " aftr $CONF:4: aftr $AFTR_NAME: .*(failure 1 in a row: asked again in 5 s; the AFTR stays $NEW_FAR6)" "$RUNLOG" ||
	t_why "no log line of the failure: $(tail -n 3 "$RUNLOG")"
sw_ping "LAN ping (DNS gone)" "$LAB_NS_LAN" "$LAB_INET_IP"
t_end

run_stop
[ "$RUN_RC" = 0 ] || t_fail dslite_follow_stop "run exited $RUN_RC: $(tail -n 3 "$RUNLOG")"
sed 's/^/# run log: /' "$RUNLOG"

# ---- dslite_follow_option64 --------------------------------------------
t_begin dslite_follow_option64
# RFC 6334 §3: 0040 0012, then 04 "aftr" 07 "example" 03 "net" 00, as a
# DHCPv6 client's hook writes it (scripts/mapce-dhcpv6-hook)
echo 004000120461667472076578616d706c65036e657400 >"$LAB_DIR/opt64"
{
	echo "# mapce run following option 64's name (tests/lab/test_lab_dslite_follow.sh)"
	echo "wan $LAB_IF_WAN"
	echo "mode dslite"
	echo "dhcpv6-option-file $LAB_DIR/opt64"
	echo "dns $DNS6"
} >"$CONF"
RUNLOG=$LAB_DIR/follow64.log
: >"$RUNLOG"
dns_start "$NEW_FAR6" || t_why "dnsmasq did not start again"
run_start "$CONF" "$RUNLOG"
ns_wait 20 status_is "w['up'] and w['br'] == '$NEW_FAR6' and w['aftr_name']['name'] == '$AFTR_NAME' \
and w['aftr_name']['address'] == '$NEW_FAR6' and w['aftr_name']['ttl'] == 1" ||
	t_why "not up following option 64's name: $(head -c 300 "$LAB_DIR/st"); log: $(tail -n 3 "$RUNLOG")"
# the AFTR moves back to its first address (still on its host, routed,
# kept off the stack) and the name says so
aftr_moves_to "$LAB_BR_IP6" "$NEW_WAN_IP6" "option 64's AFTR moved"
t_end
run_stop
[ "$RUN_RC" = 0 ] || t_fail dslite_follow_option64_stop "run exited $RUN_RC: $(tail -n 3 "$RUNLOG")"
sed 's/^/# run log (option 64): /' "$RUNLOG"
lab_teardown_case dslite_follow_teardown
t_exit
