#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# lw4o6 (RFC 7596) through the lab (tests/lab/lib/softwire.sh): LAN host
# -> CE (mapce up --mode lw4o6, a lwB4: NAPT into 198.51.100.18 PSID 52,
# psid-len 8, offset 4) -> IPv6-only ISP -> lwAFTR (tests/lab/tools/
# softwire.py lwaftr: a binding table, no NAT) -> IPv4 internet, and back.
#
# The lwAFTR itself, with a stand-in lwB4 (tun_ce.py, no mapce; the CE
# namespace's own stack with the bound address and ports of the set):
#   lw4o6_lwaftr_standin     UDP from a port of the set, a download with
#                            the kernel's ports held in one range of it
#   lw4o6_lwaftr_refuses     a port outside the set, a B4 not the
#                            binding's: dropped, counted
#   lw4o6_lwaftr_mape_ce     today's MAP-E CE (the lab's rule: the same
#                            address and port set) through the lwAFTR, its
#                            MAP address bound: ping, traceroute, download
#                            and upload with offloads on, 200 TCP; every
#                            port the lwAFTR saw in the set, none dropped
# The CE (skipped while mapce has no --mode lw4o6):
#   lw4o6_ping lw4o6_traceroute lw4o6_http_download lw4o6_http_upload
#   lw4o6_udp lw4o6_tcp200   the clients; the internet sees 198.51.100.18
#                            and ports of the set
#   lw4o6_ports_in_set       every source port the lwAFTR saw is in the
#                            set (computed here, not by mapce), none dropped
#   lw4o6_status             mapce status: the PSID and its 240 ports
#   lw4o6_option96           the same binding from DHCPv6 option 96
#                            (--dhcpv6-option, written out below) with a
#                            bind prefix: the lwAFTR bound to the address
#                            RFC 7596 §5.1 makes of it sees the tunnel come
#                            from there; ping and UDP from the LAN
#   lw4o6_teardown_clean     nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/softwire.sh
. tests/lab/lib/softwire.sh

ns_preflight ip nft curl traceroute sha256sum "$LAB_PY" ||
	t_skip_all "$NS_WHY" lw4o6_lwaftr_standin lw4o6_lwaftr_refuses lw4o6_lwaftr_mape_ce \
		lw4o6_ping lw4o6_traceroute lw4o6_http_download lw4o6_http_upload lw4o6_udp \
		lw4o6_tcp200 lw4o6_ports_in_set lw4o6_status lw4o6_option96
sw_test_up lw4o6
PUB=$SW_LW_IPV4
IN_SET=4928  # 0x1340: PSID 0x34 = 52
IN_SET53=4944 # 0x1350: PSID 53, bound to another B4
OUT_SET=5000 # 0x1388: PSID 56, not bound

# ---- the lwAFTR with a stand-in lwB4 ------------------------------------
t_begin lw4o6_lwaftr_standin
if sw_standin_up lw4o6; then
	sw_udp "UDP from $PUB:$IN_SET" "$LAB_NS_CE" "$PUB" "$PUB:$IN_SET"
	[ "$SW_UDP_PEER" = "$PUB:$IN_SET" ] || t_why "the server saw $SW_UDP_PEER"
	# the kernel's own ports: one range of the set (4928-4943)
	ns_exec "$LAB_NS_CE" sysctl -qw net.ipv4.ip_local_port_range="4928 4943" ||
		t_why "cannot set ip_local_port_range"
	sw_download "download" "$LAB_NS_CE"
	sw_stats "
ok = d['ports_ok'].get('$PUB', [])
assert $IN_SET in ok and all(4928 <= p <= 4943 for p in ok), 'ports %s' % ok
assert not d['drops'] and d['encap'] > 0, 'drops %s encap %d' % (d['drops'], d['encap'])"
else
	t_why "the stand-in lwB4 did not start"
fi
sw_standin_down
t_end

t_begin lw4o6_lwaftr_refuses
if sw_standin_up lw4o6; then
	ns_exec_t 10 "$LAB_NS_CE" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client --count 1 \
		--to "${LAB_INET_IPS[2]}:$LAB_UDP_PORT" --bind "$PUB:$OUT_SET" >/dev/null 2>&1 &&
		t_why "UDP from port $OUT_SET (outside the set) was answered"
	ns_exec_t 10 "$LAB_NS_CE" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client --count 1 \
		--to "${LAB_INET_IPS[2]}:$LAB_UDP_PORT" --bind "$PUB:$IN_SET53" >/dev/null 2>&1 &&
		t_why "UDP from port $IN_SET53 (PSID 53, another B4's) was answered"
	sw_stats "
assert d['drops'].get('port_outside_set') == 1, 'drops %s' % d['drops']
assert d['drops'].get('b4_mismatch') == 1, 'drops %s' % d['drops']
assert d['ports_bad'].get('$PUB') == [$OUT_SET], 'ports_bad %s' % d['ports_bad']"
else
	t_why "the stand-in lwB4 did not start"
fi
sw_standin_down
ns_exec "$LAB_NS_CE" sysctl -qw net.ipv4.ip_local_port_range="32768 60999"
t_end

# ---- the lwAFTR with today's MAP-E CE ----------------------------------------
t_begin lw4o6_lwaftr_mape_ce
SW_LW_B4=$LAB_MAP_IPV6
if ! sw_far_restart; then
	t_why "the lwAFTR did not start again"
elif ! lab_ce_up; then
	t_why "mapce up (MAP-E): $LAB_CE_STATE"
else
	sw_offload on || t_why "ethtool could not set the offloads"
	sw_clients "$PUB"
	sw_stats "
a, k, psid = $SW_LW_PSID_OFFSET, $SW_LW_PSID_LEN, $SW_LW_PSID
ok = d['ports_ok'].get('$PUB', [])
bad = [p for p in ok if p >> (16 - a) == 0 or (p >> (16 - a - k)) & ((1 << k) - 1) != psid]
assert len(ok) >= 200 and not bad, '%d ports, outside the set: %s' % (len(ok), bad[:10])
assert not d['drops'] and set(d['b4s']) == {'$LAB_MAP_IPV6'}, 'drops %s B4s %s' % (d['drops'], d['b4s'])"
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down (MAP-E) failed"
	sw_offload "$LAB_WAN_OFFLOAD"
fi
# shellcheck disable=SC2034 # (read by sw_far_start)
SW_LW_B4=$LAB_CE_WAN_IP6
LAB_CE_STATE=off
t_end

# ---- the CE -------------------------------------------------------------
if sw_ce_cases lw4o6 lw4o6_ports_in_set lw4o6_status; then
	t_begin lw4o6_ports_in_set
	sw_in_set "${SW_UDP_PEER##*:}" || t_why "UDP source port ${SW_UDP_PEER##*:} not in the set"
	while read -r p; do
		sw_in_set "$p" || { t_why "TCP source port $p (seen by the server) not in the set"; break; }
	done <"$SW_TCP_PORTS"
	sw_stats "
a, k, psid = $SW_LW_PSID_OFFSET, $SW_LW_PSID_LEN, $SW_LW_PSID
ok = d['ports_ok'].get('$PUB', [])
bad = [p for p in ok if p >> (16 - a) == 0 or (p >> (16 - a - k)) & ((1 << k) - 1) != psid]
assert len(ok) >= 200, 'the lwAFTR saw %d ports' % len(ok)
assert not bad, 'ports outside the set: %s' % bad[:10]
assert not d['ports_bad'] and not d['drops'], 'dropped %s %s' % (d['ports_bad'], d['drops'])
assert set(d['b4s']) == {'$LAB_CE_WAN_IP6'}, 'B4s %s' % d['b4s']"
	t_end
	# the binding's port set: 15 ranges of 16
	t_begin lw4o6_status
	sw_status_check 240 "^  psid         $SW_LW_PSID (length $SW_LW_PSID_LEN, offset $SW_LW_PSID_OFFSET), 240 ports$"
	t_end
fi

# ---- the CE from DHCPv6 option 96 ---------------------------------------
# OPTION_S46_CONT_LW (0060, 44 bytes): S46_V4V6BIND (005c, 20 bytes)
# 198.51.100.18 (c6336412), bind-ipv6-prefix 2001:db8:12:3400::/56 (38 +
# 7 bytes), S46_PORTPARAMS offset 4, PSID length 8, PSID 52 left-aligned
# (005d 0004 04 08 3400); S46_BR (005a, 16 bytes) the lwAFTR.  The lwB4's
# address: the /56, subnet 0, the RFC 7597 §6 interface identifier
# 0000:c633:6412:0034 (16 zero bits, the IPv4 address, the PSID).
LW96=0060002c005c0014c63364123820010db8001234005d000404083400
LW96+=005a0010$("$LAB_PY" -c "import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).packed.hex())" "$SW_FAR6")
LW96_B4=2001:db8:12:3400:0:c633:6412:34
t_begin lw4o6_option96
lab_ce_down >/dev/null 2>&1
SW_LW_B4=$LW96_B4
if ! sw_far_restart; then
	t_why "the lwAFTR did not start again"
elif ! lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" --mode lw4o6 \
	--dhcpv6-option "$LW96"; then
	t_why "mapce up --mode lw4o6 --dhcpv6-option: $LAB_CE_STATE"
else
	sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
	sw_udp "LAN UDP" "$LAB_NS_LAN" "$PUB"
	sw_in_set "${SW_UDP_PEER##*:}" || t_why "UDP source port ${SW_UDP_PEER##*:} not in the set"
	grep -q "ce_ipv6  *$LW96_B4" <<<"$(mapce_in "$LAB_NS_CE" status 2>&1)" ||
		t_why "status shows no ce_ipv6 $LW96_B4: $(mapce_in "$LAB_NS_CE" status 2>&1 | grep ce_ipv6)"
	sw_stats "
assert set(d['b4s']) == {'$LW96_B4'}, 'B4s %s' % d['b4s']
assert not d['ports_bad'] and not d['drops'], 'dropped %s %s' % (d['ports_bad'], d['drops'])"
	lab_ce_down >/dev/null 2>&1 || t_why "mapce down failed"
fi
# shellcheck disable=SC2034 # (read by sw_far_start)
SW_LW_B4=$LAB_CE_WAN_IP6
LAB_CE_STATE=off
t_end

lab_teardown_case lw4o6_teardown_clean
t_exit
