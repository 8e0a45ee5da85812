#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_lab_dhcpv6_dslite.sh - a DS-Lite AFTR delivered by the line: a real
# DHCPv6 server (Kea) serves option 64 (RFC 6334 OPTION_AFTR_NAME, Kea's
# "aftr-name") to a real client (dhcpcd) on the CE, whose hook
# (scripts/mapce-dhcpv6-hook) writes it for mapce; mapce up --mode dslite
# reads it from that file, resolves the name through the line's DNS
# (dnsmasq beside Kea) and the B4 talks to the AFTR.
#
# Topology, Kea and dhcpcd: tests/lab/lib/dhcpv6.sh.  The AFTR end is the
# lab's softwire.py aftr in Kea's namespace with RFC 6333 §5.7's
# 192.0.0.1, so no mapce code is on the other end.  Cases:
#   kea_serves_aftr_name   the hook wrote option 64 as RFC 6334 lays it
#                          out (bytes written out below)
#   up_from_option64       mapce up --mode dslite --dhcpv6-option-file:
#                          the AFTR is the name's AAAA, asked from the WAN
#   b4_talks_to_aftr       ping 192.0.0.1 from the CE (192.0.0.2) through
#                          the softwire; the AFTR saw it from the B4; down
#   cleanup_leaves_nothing
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/dhcpv6.sh
. tests/lab/lib/dhcpv6.sh

ALL=(kea_serves_aftr_name up_from_option64 b4_talks_to_aftr cleanup_leaves_nothing)
dh6_init tds
tmp=$NS_TMP
skip_all() { t_skip_all "$1" "${ALL[@]/#/dhcpv6_dslite: }"; }

AFTR_NAME=aftr.example.net
# 0040 0012, then 04 "aftr" 07 "example" 03 "net" 00 (RFC 1035 §3.1)
WANT=004000120461667472076578616d706c65036e657400
KEA_AFTR="[ { \"name\": \"aftr-name\", \"data\": \"$AFTR_NAME\" } ]"

dh6_preflight || skip_all "$NS_WHY"
command -v dnsmasq >/dev/null || skip_all "dnsmasq is missing"
command -v nft >/dev/null || skip_all "nft is missing"
mapce_mount_bpffs
dh6_topology >"$tmp/setup" 2>&1 || skip_all "lab setup failed: $(tr '\n' ' ' <"$tmp/setup" | head -c 200)"
dh6_kea_config "$KEA_AFTR"
dh6_kea_start || skip_all "$NS_WHY"
DH6_REQUEST=dhcp6_aftr_name dh6_client_config || skip_all "$NS_WHY"
# the line's DNS: the AFTR's name is Kea's host
ns_bg dns "$SV_NS" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	--bind-interfaces --listen-address="$DH6_SV_ADDR" --pid-file= --log-queries \
	--log-facility=- --host-record="$AFTR_NAME,$DH6_SV_ADDR" || skip_all "dnsmasq did not start"
ns_wait 10 ns_udp_bound "$SV_NS" 'sport = :53' ||
	skip_all "dnsmasq did not start: $(tail -n 3 "$tmp/dns.log" 2>/dev/null)"
# the AFTR: the lab's own (tests/lab/tools/softwire.py aftr, no mapce
# code) on Kea's side with RFC 6333 §5.7's 192.0.0.1: what it takes off
# the link goes into its TUN, what the kernel answers into the TUN goes
# back to the B4; the stack must not see the IPv4-in-IPv6 itself
{
	ns_exec "$SV_NS" ip tuntap add dev aftrt mode tun &&
		ns_ip "$SV_NS" link set aftrt mtu 1460 up &&
		ns_ip "$SV_NS" addr add 192.0.0.1/32 dev aftrt &&
		ns_ip "$SV_NS" route add default dev aftrt &&
		ns_exec "$SV_NS" nft -f - <<-EOF
			table inet softwire {
				chain pre {
					type filter hook prerouting priority raw; policy accept;
					ip6 daddr $DH6_SV_ADDR ip6 nexthdr { 4, 44 } counter drop
				}
			}
		EOF
} >"$tmp/aftr.setup" 2>&1 || skip_all "no AFTR: $(tr '\n' ' ' <"$tmp/aftr.setup" | head -c 200)"
ns_serve aftr "$SV_NS" "$LAB_PY" "$LAB_TOOLS/softwire.py" aftr --dev "$SV_IF" --tun aftrt \
	--local "$DH6_SV_ADDR" --b4-prefix 2001:db8:fffe::/64 --stats "$tmp/aftr.json" \
	--seconds 600 || skip_all "the AFTR did not start: $(tail -n 2 "$tmp/aftr.log")"
dh6_client_start dhcpcd

t_begin "dhcpv6_dslite: kea_serves_aftr_name"
if ! dh6_event BOUND6; then
	t_why "no BOUND6 in 10 s: $(tail -n 5 "$tmp/dhcpcd.log" | tr '\n' ' ' | head -c 300)"
elif [ "$(cat "$DH6_FILE" 2>/dev/null)" != "$WANT" ]; then
	t_why "$DH6_FILE is '$(head -c 200 "$DH6_FILE" 2>/dev/null)', not '$WANT'"
fi
t_end

t_begin "dhcpv6_dslite: up_from_option64"
mapce_cmd "$CE_NS" up --wan "$WAN" --mode dslite --dhcpv6-option-file "$DH6_FILE" \
	--dns "$DH6_SV_ADDR"
if [ "$rc" -ne 0 ]; then
	t_why "up exited $rc: $(errtext)"
else
	dh6_status_is "
assert w.get('br') == '$DH6_SV_ADDR', 'AFTR %r' % w.get('br')
assert w.get('ce_ipv6') == '$DH6_CE_ADDR', 'B4 %r' % w.get('ce_ipv6')"
	grep -q "query\[AAAA\] $AFTR_NAME from $DH6_CE_ADDR" "$tmp/dns.log" ||
		t_why "the AFTR's name was not asked from the WAN: $(grep query "$tmp/dns.log" | head -n 3)"
fi
t_end

t_begin "dhcpv6_dslite: b4_talks_to_aftr"
out=$(ns_exec_t 20 "$CE_NS" ping -4 -n -c 3 -i 0.2 -W 2 192.0.0.1 2>&1)
grep -q " 3 received" <<<"$out" || t_why "ping 192.0.0.1: $(grep -E 'transmitted|From' <<<"$out" | head -n 2)"
ns_wait 3 test -s "$tmp/aftr.json"
t_json "$tmp/aftr.json" "
assert d['inner_sources'].get('192.0.0.2', 0) >= 3, 'inner sources %s' % d['inner_sources']
assert set(d['b4s']) == {'$DH6_CE_ADDR'}, 'B4s %s' % d['b4s']
assert not d['drops'], 'drops %s' % d['drops']"
mapce_cmd "$CE_NS" down --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "down exited $rc: $(errtext)"
t_end

dh6_cleanup_case dhcpv6_dslite

t_exit
