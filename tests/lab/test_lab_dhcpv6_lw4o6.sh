#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_lab_dhcpv6_lw4o6.sh - an lw4o6 binding delivered by the line: a real
# DHCPv6 server (Kea) serves option 96 (RFC 7598 OPTION_S46_CONT_LW, with
# Kea's s46-v4v6bind, s46-portparams and s46-br) to a real client
# (dhcpcd) on the CE, whose hook writes it; mapce up --mode lw4o6
# --dhcpv6-option-file takes the binding from that file.  (The datapath of
# a binding from option 96 with a lwAFTR: test_lab_lw4o6.sh
# lw4o6_option96.)  Topology, Kea and dhcpcd: tests/lab/lib/dhcpv6.sh.
#   kea_serves_cont_lw     the hook wrote option 96 with Kea's binding
#                          (the bytes written out below, RFC 7598 §4)
#   up_from_option96       the binding, its port set, the lwAFTR and the
#                          tunnel source from the bind prefix (RFC 7596
#                          §5.1, computed here) in status; the address on
#                          the WAN
#   cleanup_leaves_nothing
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/dhcpv6.sh
. tests/lab/lib/dhcpv6.sh

ALL=(kea_serves_cont_lw up_from_option96 cleanup_leaves_nothing)
dh6_init tdl
tmp=$NS_TMP
skip_all() { t_skip_all "$1" "${ALL[@]/#/dhcpv6_lw4o6: }"; }

# the binding: 198.51.100.18, PSID 52 of 8 bits at offset 4, bind prefix
# the WAN's 2001:db8:fffe::/64, the lwAFTR Kea's address
KEA_LW='[
  { "name": "s46-cont-lw" },
  { "space": "s46-cont-lw-options", "name": "s46-v4v6bind",
    "data": "198.51.100.18, 2001:db8:fffe::/64" },
  { "space": "s46-v4v6bind-options", "name": "s46-portparams", "data": "4, 52/8" },
  { "space": "s46-cont-lw-options", "name": "s46-br", "data": "2001:db8:fffe::1" }
]'
# 0060 002d: S46_V4V6BIND 005c 0015 c6336412, /64 (40) 20010db8fffe0000,
# S46_PORTPARAMS 005d 0004 offset 04 PSID length 08 PSID 52 left-aligned
# 3400; S46_BR 005a 0010 2001:db8:fffe::1 (the sub-options in Kea's order)
BIND=005c0015c633641240""20010db8fffe0000005d000404083400
BR=005a001020010db8fffe0000000000000000""0001
# the lwB4's address: the /64 and the RFC 7597 §6 interface identifier
# (16 zero bits, c633:6412, the PSID 0x34)
B4=2001:db8:fffe::c633:6412:34

dh6_preflight || skip_all "$NS_WHY"
mapce_mount_bpffs
dh6_topology >"$tmp/setup" 2>&1 || skip_all "lab setup failed: $(tr '\n' ' ' <"$tmp/setup" | head -c 200)"
dh6_kea_config "$KEA_LW"
dh6_kea_start || skip_all "$NS_WHY"
DH6_REQUEST=dhcp6_s46_cont_lw dh6_client_config || skip_all "$NS_WHY"
dh6_client_start dhcpcd

t_begin "dhcpv6_lw4o6: kea_serves_cont_lw"
if ! dh6_event BOUND6; then
	t_why "no BOUND6 in 10 s: $(tail -n 5 "$tmp/dhcpcd.log" | tr '\n' ' ' | head -c 300)"
else
	got=$(cat "$DH6_FILE" 2>/dev/null)
	[ "$got" = "0060002d$BIND$BR" ] || [ "$got" = "0060002d$BR$BIND" ] ||
		t_why "$DH6_FILE is '$(head -c 200 "$DH6_FILE" 2>/dev/null)', not 0060002d + '$BIND' and '$BR'"
fi
t_end

t_begin "dhcpv6_lw4o6: up_from_option96"
mapce_cmd "$CE_NS" up --wan "$WAN" --mode lw4o6 --dhcpv6-option-file "$DH6_FILE"
if [ "$rc" -ne 0 ]; then
	t_why "up exited $rc: $(errtext)"
else
	dh6_status_is "
want = dict(ipv4='198.51.100.18', psid=52, psid_len=8, psid_offset=4, port_count=240,
            ce_ipv6='$B4', br='$DH6_SV_ADDR')
for k, v in want.items():
    assert w.get(k) == v, '%s is %r, not %r' % (k, w.get(k), v)
"
	grep -q "inet6 $B4/128 " <<<"$(ns_nsenter "$CE_NS" ip -6 addr show dev "$WAN")" ||
		t_why "no $B4/128 on $WAN"
	mapce_cmd "$CE_NS" down --wan "$WAN"
	[ "$rc" -eq 0 ] || t_why "down exited $rc: $(errtext)"
fi
t_end

dh6_cleanup_case dhcpv6_lw4o6

t_exit
