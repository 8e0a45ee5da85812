#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fixed IPv4 over RFC 2473 through the lab (tests/lab/lib/softwire.sh):
# LAN host -> CE (mapce up --mode ipip6 --ipv4 198.51.100.123: NAPT into
# the fixed address over all ports; tunnel address = the WAN /64 + the
# legacy IID 00c6:3364:7b00:0000) -> IPv6-only ISP -> the provider's end
# (tests/lab/tools/softwire.py ipip6, 198.51.100.123/32 routed to it) ->
# IPv4 internet, and back; and from the internet in.
#
# The far end itself, with a stand-in CE (tun_ce.py, no mapce; the CE
# namespace's own stack holds the fixed address):
#   ipip6_far_standin        out (ping, download) and in (ping the fixed
#                            address from the internet)
#   ipip6_far_refuses        another outer source, an inner source outside
#                            the fixed address: dropped, counted
#   ipip6_far_follows        a new tunnel address (--remote-file) followed
#   ipip6_far_mape_ce        today's MAP-E CE with a /32 rule and no EA bits
#                            (the fixed address, every port, the same tunnel
#                            address): the clients below and the portmap,
#                            with offloads on; nothing dropped
# The CE (skipped while mapce has no --mode ipip6):
#   ipip6_ping ipip6_traceroute ipip6_http_download ipip6_http_upload
#   ipip6_udp ipip6_tcp200   the clients; the internet sees 198.51.100.123
#   ipip6_portmap            a LAN server on 22, 80 and 443 reached from the
#                            internet through mapce portmap
#   ipip6_ce_service         a service on the CE itself reached from the
#                            internet on the fixed address
#   ipip6_far_saw            every packet came from the tunnel address
#                            with the fixed address inside, none dropped
#   ipip6_hairpin            `up --hairpin LAN_IF` (already up: the hook
#                            added): the LAN host reaches the LAN server
#                            forwarded on the fixed address (port 80)
#                            through that address, and is seen from it;
#                            status shows the hook and its packets; up
#                            without it takes the hook away, so does down
#   ipip6_status             mapce status: the ports the NAPT gives out
#                            (1024-65535: 64512), no routed prefix
#   ipip6_prefix             mapce up --ipv4 198.51.100.123/29: the CE's LAN
#                            holds .121, a LAN host .122, reached from the
#                            internet (ping, TCP: the server sees the
#                            internet's address) and seen by the far end and
#                            the internet with its own source; the private
#                            LAN host still NAPT-ed into .123
#   ipip6_update             the update call (tests/lab/tools/update_server.py
#                            on the ISP router, plain HTTP): `mapce up
#                            --mode ipip6` with update keys in its config
#                            file registers from the tunnel address with
#                            the credentials (test_lab_update.sh covers
#                            run, prefix changes and retries)
#   ipip6_teardown_clean     nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/softwire.sh
. tests/lab/lib/softwire.sh

ns_preflight ip nft curl traceroute sha256sum "$LAB_PY" ||
	t_skip_all "$NS_WHY" ipip6_far_standin ipip6_far_refuses ipip6_far_follows \
		ipip6_far_mape_ce ipip6_ping ipip6_traceroute ipip6_http_download ipip6_http_upload \
		ipip6_udp ipip6_tcp200 ipip6_portmap ipip6_ce_service ipip6_far_saw ipip6_hairpin \
		ipip6_status ipip6_prefix ipip6_update
sw_test_up ipip6
PUB=$SW_FIXED_IP

# tcp_from NS WHAT N_EXPECTED [--bind A] TO...: TCP echo from namespace NS
# to each TO (ADDR:PORT=COUNT), every connection verified
tcp_from() {
	local ns=$1 what=$2 n=$3 out why a=()
	shift 3
	if [ "${1:-}" = --bind ]; then
		a+=(--bind "$2")
		shift 2
	fi
	for t in "$@"; do a+=(--to "$t"); done
	out=$(ns_exec_t "$SW_T" "$ns" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" "${a[@]}" \
		--bytes 1000 --timeout 20 2>&1)
	why=$(lab_query tcp-check --expect "$n" <<<"$out" 2>&1) || t_why "$what: $why"
}

# in_tcp WHAT N_EXPECTED TO...: tcp_from the internet
in_tcp() { tcp_from "$LAB_NS_INET" "$@"; }

# portmap_check: a LAN server on 22, 80 and 443, forwarded by mapce
# portmap, reached from the internet (the server sees the client's address)
portmap_check() {
	local p out
	if ! ns_serve lansrv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "$LAB_LAN_IP:22" --listen "$LAB_LAN_IP:80" --listen "$LAB_LAN_IP:443" \
		--log "$LAB_DIR/lansrv.peers"; then
		t_why "the LAN server did not start"
		return
	fi
	for p in 22 80 443; do
		out=$(MAPCE_T=20 lab_ce portmap add tcp "$p" "$LAB_LAN_IP" --wan "$LAB_IF_WAN" 2>&1) ||
			t_why "mapce portmap add tcp $p: $out"
	done
	in_tcp "from the internet" 3 "$PUB:22=1" "$PUB:80=1" "$PUB:443=1"
	for p in 22 80 443; do
		grep -q "^accept $LAB_LAN_IP:$p ${LAB_INET_IPS[0]}:" "$LAB_DIR/lansrv.peers" ||
			t_why "the LAN server saw no connection on $p from ${LAB_INET_IPS[0]}"
	done
	ns_stop lansrv
}

# far_saw: every packet the far end took came from the tunnel address with
# the fixed address inside; none dropped
far_saw() {
	sw_stats "
assert set(d['inner_sources']) == {'$PUB'}, 'inner sources %s' % d['inner_sources']
assert set(d['b4s']) == {'$SW_FIXED_IP6'}, 'outer sources %s' % d['b4s']
assert not d['drops'], 'drops %s' % d['drops']"
}

# hairpin_check: the LAN host reaches the LAN server forwarded on port 80
# (the forwards of ipip6_portmap are still there) through the fixed
# address, and is seen from it
hairpin_check() {
	if ns_serve lansrv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "$LAB_LAN_IP:80" --log "$LAB_DIR/hairpin.peers"; then
		tcp_from "$LAB_NS_LAN" "hairpin" 1 "$PUB:80=1"
		grep -q "^accept $LAB_LAN_IP:80 $PUB:" "$LAB_DIR/hairpin.peers" ||
			t_why "the LAN server saw no connection from $PUB: $(head -c 200 "$LAB_DIR/hairpin.peers")"
	else
		t_why "the LAN server did not start"
	fi
	ns_stop lansrv
}

# lan_filter: the tc ingress filters on the CE's LAN device
lan_filter() {
	ip netns exec "$LAB_NS_CE" tc filter show dev "$LAB_IF_CE_LAN" ingress 2>/dev/null
}

# hairpin_case: status says the hook is off; `up` again with --hairpin
# (already up: only the hook added) and the LAN host reaches the LAN server
# through the fixed address, status shows the hook and its packets; `up`
# without it takes the hook away, and so does down
hairpin_case() {
	local out
	out=$(lab_ce status --wan "$LAB_IF_WAN" 2>&1)
	grep -q '^  hairpin      off' <<<"$out" ||
		t_why "status before --hairpin: $(grep hairpin <<<"$out")"
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}" --hairpin "$LAB_IF_CE_LAN"; then
		t_why "mapce up --hairpin $LAB_IF_CE_LAN: $LAB_CE_STATE"
		return
	fi
	grep -q 'mapce_tc_lan' <<<"$(lan_filter)" ||
		t_why "no mapce filter on $LAB_IF_CE_LAN ingress: $(lan_filter | head -c 300)"
	hairpin_check
	out=$(lab_ce status --wan "$LAB_IF_WAN" 2>&1)
	grep -q "^  hairpin      via $LAB_IF_CE_LAN, [1-9][0-9]* packets" <<<"$out" ||
		t_why "status: $(grep hairpin <<<"$out")"
	lab_ce -j status --wan "$LAB_IF_WAN" >"$LAB_DIR/status.json" 2>&1
	t_json "$LAB_DIR/status.json" "h = d['interfaces'][0]['hairpin']
assert h['lan'] == '$LAB_IF_CE_LAN' and h['packets'] >= 2, h"
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}"; then
		t_why "mapce up without --hairpin: $LAB_CE_STATE"
	elif [ -n "$(lan_filter)" ]; then
		t_why "the hook stayed after up without --hairpin: $(lan_filter | head -c 300)"
	fi
	# down takes it away too (then up again for the cases after)
	lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}" --hairpin "$LAB_IF_CE_LAN" &&
		[ -n "$(lan_filter)" ] || t_why "the hook did not come back: $LAB_CE_STATE"
	out=$(lab_ce down --wan "$LAB_IF_WAN" 2>&1) || t_why "mapce down: $out"
	[ -z "$(lan_filter)" ] || t_why "the hook stayed after down: $(lan_filter | head -c 300)"
	lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}" || t_why "up again: $LAB_CE_STATE"
}

# status_check LEN LINE: mapce status (-j and text): the NAPT's ports
# 1024-65535 (64512), the routed prefix length LEN, the text line LINE
status_check() {
	sw_status_check 64512 "^  ports        1024-65535 for NAPT, forwards on any port: 64512 ports$" \
		"$2"
	t_json "$LAB_DIR/status.json" "assert d['interfaces'][0]['ipv4_prefix_len'] == $1, d"
}

# prefix_check: mapce up --ipv4 PUB/29; the CE's LAN holds SW_PREFIX_CE, the
# LAN host SW_PREFIX_HOST (its own server on port 9300), both removed after
prefix_check() {
	local h=$SW_PREFIX_HOST peers=$LAB_DIR/prefix.peers
	SW_CE_ARGS=(up --wan "$LAB_IF_WAN" --mode ipip6 --ipv4 "$PUB/29" --br "$SW_FAR6")
	if ! lab_ce_down >/dev/null 2>&1 ||
		! lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}"; then
		t_why "mapce up --ipv4 $PUB/29: $LAB_CE_STATE"
		return
	fi
	status_check 29 "  ipv4         $PUB (routed prefix $SW_FIXED_PREFIX)"
	if ! ns_addr "$LAB_NS_CE" "$LAB_IF_CE_LAN" "$SW_PREFIX_CE/29" ||
		! ns_addr "$LAB_NS_LAN" "$LAB_IF_LAN" "$h/29" ||
		! ns_serve pfxsrv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
			--listen "$h:9300" --log "$peers"; then
		t_why "the prefix host's address or server did not come up"
	else
		# in: not translated, the host sees the internet's address
		sw_ping "ping $h from the internet" "$LAB_NS_INET" "$h"
		in_tcp "TCP to $h" 1 "$h:9300=1"
		grep -q "^accept $h:9300 ${LAB_INET_IPS[0]}:" "$peers" ||
			t_why "$h saw no connection from ${LAB_INET_IPS[0]}: $(head -c 200 "$peers")"
		# out: its own source, to the far end and to the internet
		sw_ping "ping from $h" "$LAB_NS_LAN" "$LAB_INET_IP" 3 -I "$h"
		tcp_from "$LAB_NS_LAN" "TCP from $h" 1 --bind "$h" "$LAB_INET_IP:$LAB_TCP_PORT=1"
		grep -q " $h:" "$LAB_TCP_LOG" ||
			t_why "the internet server saw no connection from $h"
		# the private LAN host: NAPT-ed into the fixed address as before
		sw_ping "ping from $LAB_LAN_IP" "$LAB_NS_LAN" "$LAB_INET_IP"
		sw_stats "
assert {'$h', '$PUB'} <= set(d['inner_sources']), 'inner sources %s' % d['inner_sources']
assert set(d['b4s']) == {'$SW_FIXED_IP6'}, 'outer sources %s' % d['b4s']
assert not d['drops'], 'drops %s' % d['drops']"
	fi
	ns_stop pfxsrv
	ns_ip "$LAB_NS_LAN" addr del "$h/29" dev "$LAB_IF_LAN" 2>/dev/null
	ns_ip "$LAB_NS_CE" addr del "$SW_PREFIX_CE/29" dev "$LAB_IF_CE_LAN" 2>/dev/null
}

# ---- the far end with a stand-in CE ---------------------------------------
t_begin ipip6_far_standin
if sw_standin_up ipip6; then
	sw_ping "CE ping" "$LAB_NS_CE" "$LAB_INET_IP"
	sw_ping "ping from the internet" "$LAB_NS_INET" "$PUB"
	sw_download "download" "$LAB_NS_CE"
	sw_stats "
assert set(d['inner_sources']) == {'$PUB'}, 'inner sources %s' % d['inner_sources']
assert set(d['b4s']) == {'$SW_FIXED_IP6'}, 'sources %s' % d['b4s']
assert not d['drops'] and d['encap'] > 0, 'drops %s encap %d' % (d['drops'], d['encap'])"
else
	t_why "the stand-in CE did not start"
fi
sw_standin_down
t_end

t_begin ipip6_far_refuses
if sw_standin_up ipip6 "$LAB_CE_WAN_IP6"; then
	sw_no_answer "ping from outer source $LAB_CE_WAN_IP6" "$LAB_NS_CE" "$LAB_INET_IP" 3
else
	t_why "the stand-in CE did not start"
fi
sw_standin_down
if sw_standin_up ipip6; then
	# the LAN host's packets forwarded as they are: inner source 192.0.2.10
	sw_no_answer "ping with inner source $LAB_LAN_IP" "$LAB_NS_LAN" "$LAB_INET_IP" 2
else
	t_why "the stand-in CE did not start"
fi
sw_standin_down
sw_stats "
assert d['drops'].get('wrong_source', 0) >= 3, 'drops %s' % d['drops']
assert d['drops'].get('inner_source_outside', 0) >= 2, 'drops %s' % d['drops']"
t_end

# the CE's tunnel address changes (a new WAN prefix): the far end follows
# what the lab writes to its --remote-file
t_begin ipip6_far_follows
echo "$LAB_CE_WAN_IP6" >"$LAB_DIR/ipip6.remote"
sleep 1.5 # read every second
if sw_standin_up ipip6 "$LAB_CE_WAN_IP6"; then
	sw_ping "ping from the new tunnel address $LAB_CE_WAN_IP6" "$LAB_NS_CE" "$LAB_INET_IP"
	sw_stats "assert d['remote'] == '$LAB_CE_WAN_IP6', 'remote %s' % d['remote']"
else
	t_why "the stand-in CE did not start"
fi
sw_standin_down
rm -f "$LAB_DIR/ipip6.remote"
t_end

# ---- the far end with today's MAP-E CE, 1:1 ----------------------------------
# A /32 rule with no EA bits is the fixed address with every port, and its
# MAP address (legacy IID, PSID 0) is the ipip6 tunnel address.
MAPE_1TO1=(--rule-ipv6 2001:db8:12:3400::/64 --rule-ipv4 "$PUB/32" --ea-len 0 --legacy-iid
	--br "$SW_FAR6")
t_begin ipip6_far_mape_ce
if ! sw_far_restart; then
	t_why "the far end did not start again"
elif ! lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" "${MAPE_1TO1[@]}"; then
	t_why "mapce up (MAP-E 1:1): $LAB_CE_STATE"
else
	sw_offload on || t_why "ethtool could not set the offloads"
	sw_clients "$PUB"
	portmap_check
	far_saw
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down (MAP-E 1:1) failed"
	sw_offload "$LAB_WAN_OFFLOAD"
fi
LAB_CE_STATE=off
t_end

# ---- the CE -------------------------------------------------------------
if sw_ce_cases ipip6 ipip6_portmap ipip6_ce_service ipip6_far_saw ipip6_hairpin ipip6_status \
	ipip6_prefix ipip6_update; then
	t_begin ipip6_portmap
	portmap_check
	t_end

	t_begin ipip6_ce_service
	if ns_serve cesvc "$LAB_NS_CE" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "0.0.0.0:$SW_CE_SVC_PORT" --log "$LAB_DIR/cesvc.peers"; then
		in_tcp "the CE's service" 1 "$PUB:$SW_CE_SVC_PORT=1"
	else
		t_why "the CE's service did not start"
	fi
	t_end

	t_begin ipip6_far_saw
	far_saw
	t_end

	t_begin ipip6_hairpin
	hairpin_case
	t_end

	t_begin ipip6_status
	status_check 32 "  ipv4         $PUB\$"
	t_end

	t_begin ipip6_prefix
	prefix_check
	t_end

	t_begin ipip6_update
	upd_log=$LAB_DIR/ipip6-update.jsonl upd_conf=$LAB_DIR/ipip6-update.conf
	: >"$upd_log"
	printf '%s\n' "update-url http://[$LAB_ISP_BR_IP6]:8087/update?user={user}&pass={password}" \
		"update-insecure yes" "update-user fixed-user" "update-password s3cret" >"$upd_conf"
	chmod 600 "$upd_conf"
	sw_ce_args ipip6
	if ! ns_serve ipip6_upd "$LAB_NS_ISP" "$LAB_PY" "$LAB_TOOLS/update_server.py" \
		--listen "[::]:8087" --log "$upd_log"; then
		t_why "the update server did not start"
	elif ! lab_ce_down >/dev/null 2>&1 ||
		! lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}" --config "$upd_conf"; then
		t_why "mapce up --mode ipip6 with update keys: $LAB_CE_STATE"
	elif ! ns_wait 15 grep -q . "$upd_log"; then
		t_why "no update call reached the server"
	else
		python3 - "$upd_log" "$SW_FIXED_IP6" <<'PY' || t_why "$(tail -n1 "$upd_log")"
import ipaddress, json, sys
r = json.loads(open(sys.argv[1]).readline())
ok = (ipaddress.ip_address(r["src"]) == ipaddress.ip_address(sys.argv[2])
      and r["path"] == "/update" and r["query"].get("user") == ["fixed-user"]
      and r["query"].get("pass") == ["s3cret"])
sys.exit(0 if ok else 1)
PY
	fi
	ns_stop ipip6_upd
	t_end
fi

lab_teardown_case ipip6_teardown_clean
t_exit
