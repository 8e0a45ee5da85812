#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# DS-Lite (RFC 6333) through the lab (tests/lab/lib/softwire.sh): LAN host
# -> CE (mapce up --mode dslite, a B4: no NAT) -> IPv6-only ISP -> AFTR
# (tests/lab/tools/softwire.py aftr, NAT44 by nft to 198.51.100.200) ->
# IPv4 internet, and back.
#
# The AFTR itself, with a stand-in B4 (tun_ce.py, no mapce):
#   dslite_aftr_standin      the clients below work; the AFTR saw the LAN's
#                            source and the B4
#   dslite_aftr_refuses      a B4 outside its prefix: dropped, counted
# The CE (skipped while mapce has no --mode dslite):
#   dslite_ping dslite_traceroute dslite_http_download dslite_http_upload
#   dslite_udp dslite_tcp200  the clients; the internet sees the AFTR's
#                             public address
#   dslite_b4_no_nat          the AFTR saw 192.0.2.10 (the LAN's private
#                             source) from the CE's WAN address, nothing else
#   dslite_ce_own             the CE's own IPv4 goes as 192.0.0.2
#   dslite_status             mapce status: no ports, no PSID (no NAT here)
#   dslite_inner_fragments    1500-byte pings without DF (ping -M dont -s 1472):
#                             the LAN host's leave as the CE's kernel cut
#                             them for the 1460 route, the AFTR cuts the
#                             replies for its 1460 TUN; the B4 passes the
#                             IPv4 fragments on as they are (XDP, no
#                             reassembly: reasm_held stays)
#   dslite_aftr_fragments     the AFTR's IPv4 MTU at 1500: its kernel
#                             fragments the 1540-byte IPv6 packets for the
#                             1500-byte link (RFC 6333 section 5.3 allows
#                             it); the LAN host gets its 1480-byte echo
#                             replies and 1472-byte UDP echoes, verified,
#                             the CE reassembled each (reasm_held)
#   dslite_aftr_name          --aftr NAME resolved (AAAA) through the line's
#                             DNS (dnsmasq in the ISP, --dns), asked from the
#                             WAN address; an unknown name refused, naming
#                             it, nothing left up
#   dslite_aftr_option64      the same name from DHCPv6 option 64 (RFC 6334,
#                             --dhcpv6-option, bytes written out below),
#                             resolved the same way; an explicit --aftr wins
#                             over it, with a note
#   dslite_teardown_clean     nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/softwire.sh
. tests/lab/lib/softwire.sh
# shellcheck source=lib/lab_mtu.sh
. tests/lab/lib/lab_mtu.sh # lab_mtu_stat: the CE's counters

ns_preflight ip nft curl traceroute sha256sum "$LAB_PY" ||
	t_skip_all "$NS_WHY" dslite_aftr_standin dslite_aftr_refuses dslite_ping dslite_traceroute \
		dslite_http_download dslite_http_upload dslite_udp dslite_tcp200 dslite_b4_no_nat \
		dslite_ce_own dslite_status dslite_inner_fragments dslite_aftr_fragments dslite_aftr_name \
		dslite_aftr_option64
sw_test_up dslite
PUB=$SW_AFTR_PUBLIC

# ---- the AFTR with a stand-in B4 ------------------------------------------
t_begin dslite_aftr_standin
if sw_standin_up dslite; then
	sw_clients "$PUB"
	sw_stats "
assert set(d['inner_sources']) == {'$LAB_LAN_IP'}, 'inner sources %s' % d['inner_sources']
assert d['inner_sources'].get('$LAB_LAN_IP', 0) > 0, 'no inner source $LAB_LAN_IP'
assert set(d['b4s']) == {'$LAB_CE_WAN_IP6'}, 'B4s %s' % d['b4s']
assert d['encap'] > 0 and not d['drops'], 'encap %d drops %s' % (d['encap'], d['drops'])"
else
	t_why "the stand-in B4 did not start"
fi
sw_standin_down
t_end

t_begin dslite_aftr_refuses
if sw_standin_up dslite "$SW_ALIEN6"; then
	sw_no_answer "ping from a B4 outside $SW_B4_PREFIX" "$LAB_NS_LAN" "$LAB_INET_IP" 3
	sw_stats "assert d['drops'].get('b4_outside_prefix', 0) >= 3, 'drops %s' % d['drops']"
else
	t_why "the stand-in B4 did not start"
fi
sw_standin_down
t_end

# ---- the CE -------------------------------------------------------------
AFTR_NAME=aftr.example.net
DNS6=$LAB_ISP_CE_IP6 # the ISP's router answers DNS too

# aftr_name_check: the CE again, with the AFTR by name
aftr_name_check() {
	local log=$NS_TMP/dns.log out
	if ! command -v dnsmasq >/dev/null; then
		t_why "dnsmasq is missing"
		return
	fi
	ns_bg dns "$LAB_NS_ISP" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --bind-interfaces --listen-address="$DNS6" --pid-file= \
		--log-queries --log-facility=- --host-record="$AFTR_NAME,$SW_FAR6" &&
		ns_wait 10 ns_udp_bound "$LAB_NS_ISP" 'sport = :53' || {
		t_why "dnsmasq did not start: $(tail -n 3 "$log" 2>/dev/null)"
		return
	}
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
	# an unknown name: refused, naming it, nothing up
	if out=$(mapce_in "$LAB_NS_CE" up --wan "$LAB_IF_WAN" --mode dslite \
		--aftr nosuch.example.net --dns "$DNS6" 2>&1); then
		t_why "up with an unknown AFTR name succeeded"
		lab_ce_down >/dev/null 2>&1
	else
		# (dnsmasq without upstream refuses names it does not hold)
		grep -q -- "--aftr nosuch.example.net: " <<<"$out" ||
			t_why "the error does not name the AFTR: $out"
	fi
	[ -z "$(ns_ip "$LAB_NS_CE" -4 route show default)" ] ||
		t_why "an IPv4 default route after the refused name"
	[ -z "$(ns_ip "$LAB_NS_CE" -4 addr show dev "$LAB_IF_WAN")" ] ||
		t_why "an IPv4 address on the WAN after the refused name"
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" --mode dslite \
		--aftr "$AFTR_NAME" --dns "$DNS6"; then
		t_why "up with --aftr $AFTR_NAME: $LAB_CE_STATE"
		return
	fi
	sw_ping "LAN ping (AFTR by name)" "$LAB_NS_LAN" "$LAB_INET_IP"
	grep -q "br  *$SW_FAR6" <<<"$(mapce_in "$LAB_NS_CE" status 2>&1)" ||
		t_why "status shows no AFTR $SW_FAR6: $(mapce_in "$LAB_NS_CE" status 2>&1 | grep br)"
	grep -q "query\[AAAA\] $AFTR_NAME from $LAB_CE_WAN_IP6" "$log" ||
		t_why "the AFTR's name was not asked from the WAN: $(grep query "$log" | head -n 3)"
}

# big_pings WHAT: 3 pings of 1500 bytes without DF from the LAN host, each
# answered with 1480 bytes (iputils checks the echoed data: no "wrong data")
big_pings() {
	local out n
	out=$(ns_exec_t "$SW_T" "$LAB_NS_LAN" ping -4 -n -c 3 -i 0.3 -W 2 -M dont -s 1472 \
		"$LAB_INET_IP" 2>&1)
	n=$(grep -c "^1480 bytes from $LAB_INET_IP" <<<"$out")
	grep -q " 3 received" <<<"$out" && [ "$n" = 3 ] && ! grep -qi "wrong data" <<<"$out" ||
		t_why "$1: $(tr '\n' '|' <<<"$out")"
}

# counter_moved WHAT REASON BEFORE MIN [MAX]: the CE's REASON counter moved
# from BEFORE by MIN to MAX packets
counter_moved() {
	local now d
	now=$(lab_mtu_stat CE "$2")
	d=$((${now:-0} - ${3:-0}))
	[ -n "$now" ] && [ -n "$3" ] && [ "$d" -ge "$4" ] && [ "$d" -le "${5:-$d}" ] ||
		t_why "$1: $2 went ${3:-?} -> ${now:-?}, want +$4${5:+..$5}"
}

# inner_frag_check: the AFTR's TUN at the lab's 1460: inner IPv4 fragments
# both ways, no outer fragments
inner_frag_check() {
	local held dec
	held=$(lab_mtu_stat CE reasm_held)
	dec=$(lab_mtu_stat CE decap)
	big_pings "1500-byte pings, IPv4 fragments both ways"
	counter_moved "the replies' fragments" decap "$dec" 6
	counter_moved "nothing to reassemble" reasm_held "$held" 0 0
}

# aftr_frag_check: the AFTR's TUN at 1500: the outer IPv6 fragmented
aftr_frag_check() {
	local held bad out
	if ! ns_ip "$SW_NS" link set "$SW_TUN" mtu 1500; then
		t_why "the AFTR's TUN MTU could not be set to 1500"
		return
	fi
	# the servers forget the path MTU the stand-in's 1460 taught them
	# (else they cut their answers to the AFTR themselves)
	ns_ip "$LAB_NS_INET" -4 route flush cache
	held=$(lab_mtu_stat CE reasm_held)
	bad=$(lab_mtu_stat CE drop_reasm_invalid)
	big_pings "1500-byte pings, the replies' IPv6 fragmented"
	out=$(ns_exec_t "$SW_T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "${LAB_INET_IPS[2]}:$LAB_UDP_PORT" --count 3 --size 1472 --no-df 2>&1)
	[ "$(lab_json_field "$out" verified)" = 3 ] ||
		t_why "1472-byte UDP echoes: $out"
	# one fragment held per reassembled packet (the other completes it)
	counter_moved "the outer fragments" reasm_held "$held" 6
	counter_moved "no bad fragment" drop_reasm_invalid "$bad" 0 0
	[ ${#T_WHY[@]} -eq 0 ] || t_note "CE: $(lab_ce stats 2>&1 | tr -s ' \n' ' ')"
	ns_ip "$SW_NS" link set "$SW_TUN" mtu 1460 || t_why "the AFTR's TUN MTU not put back"
}

# OPTION_AFTR_NAME (RFC 6334: 0040, 18 bytes) holding aftr.example.net in
# DNS wire format: 04 "aftr" 07 "example" 03 "net" 00
OPT64=004000120461667472076578616d706c65036e657400

# aftr_option_check: the CE again, the AFTR's name from DHCPv6 option 64
# (dnsmasq still up from aftr_name_check); an explicit --aftr wins, said
aftr_option_check() {
	local log=$NS_TMP/dns.log out n
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
	n=$(grep -c "query\[AAAA\] $AFTR_NAME from $LAB_CE_WAN_IP6" "$log" 2>/dev/null)
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" --mode dslite \
		--dhcpv6-option "$OPT64" --dns "$DNS6"; then
		t_why "up with --dhcpv6-option $OPT64: $LAB_CE_STATE"
		return
	fi
	sw_ping "LAN ping (AFTR from option 64)" "$LAB_NS_LAN" "$LAB_INET_IP"
	grep -q "br  *$SW_FAR6" <<<"$(mapce_in "$LAB_NS_CE" status 2>&1)" ||
		t_why "status shows no AFTR $SW_FAR6: $(mapce_in "$LAB_NS_CE" status 2>&1 | grep br)"
	[ "$(grep -c "query\[AAAA\] $AFTR_NAME from $LAB_CE_WAN_IP6" "$log")" -gt "${n:-0}" ] ||
		t_why "option 64's name was not asked from the WAN: $(grep query "$log" | tail -n 3)"
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
	# an explicit --aftr wins over the option, and says so
	out=$(mapce_in "$LAB_NS_CE" up --wan "$LAB_IF_WAN" --mode dslite --aftr "$SW_FAR6" \
		--dhcpv6-option "$OPT64" 2>&1) || t_why "up with --aftr and option 64: $out"
	grep -q -- "--aftr $SW_FAR6 wins over the AFTR $AFTR_NAME of DHCPv6 option 64" <<<"$out" ||
		t_why "no note that --aftr wins: $out"
	LAB_CE_STATE=up
}

if sw_ce_cases dslite dslite_b4_no_nat dslite_ce_own dslite_status dslite_inner_fragments \
	dslite_aftr_fragments dslite_aftr_name dslite_aftr_option64; then
	t_begin dslite_b4_no_nat
	sw_stats "
src = set(d['inner_sources'])
assert src == {'$LAB_LAN_IP'}, 'inner sources %s, want only $LAB_LAN_IP' % sorted(src)
assert set(d['b4s']) == {'$LAB_CE_WAN_IP6'}, 'B4s %s' % d['b4s']
assert not d['drops'], 'drops %s' % d['drops']"
	t_end
	t_begin dslite_ce_own
	sw_ping "CE ping" "$LAB_NS_CE" "$LAB_INET_IP"
	sw_stats "assert d['inner_sources'].get('192.0.0.2', 0) >= 3, 'inner sources %s' % d['inner_sources']"
	t_end
	t_begin dslite_status
	sw_status_check 0 "^  ports        none: no NAT here (the AFTR translates)$"
	! grep -q "^  psid " <<<"$(lab_ce status --wan "$LAB_IF_WAN" 2>&1)" || t_why "status shows a PSID"
	t_end
	t_begin dslite_inner_fragments
	inner_frag_check
	t_end
	t_begin dslite_aftr_fragments
	aftr_frag_check
	t_end
	t_begin dslite_aftr_name
	aftr_name_check
	t_end
	t_begin dslite_aftr_option64
	aftr_option_check
	t_end
	ns_stop dns
fi

lab_teardown_case dslite_teardown_clean
t_exit
