#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A WAN whose frames come with transport checksums left to offload
# (tests/lab/lib/lab.sh with LAB_XDP_PEER_TX=on: tx checksumming on the
# ISP's veth end toward the CE, the internet host's on as by default), as a
# veth WAN does when its peer sends so.  XDP cannot see the skb's
# CHECKSUM_PARTIAL; the CE's XDP ingress knows such a TCP/UDP packet by its
# checksum field and leaves it to the TC slow path, whose helpers finish it
# right (bpf/ce/ingress.h, csum_to_slow_path).  Real clients, every byte
# checked:
#
#   lab_wan_offload_udp     UDP echo from the LAN host
#   lab_wan_offload_tcp     HTTP download (sha256 verified) and an 8 MiB TCP
#                           echo up, every byte verified
#   lab_wan_offload_counted what XDP left to TC was counted as
#                           csum_to_slow_path and then decap
#   lab_wan_offload_teardown_clean  nothing left behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export LAB_XDP_PEER_TX=on
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

T=${LAB_TEST_TIMEOUT:-60} # per-step bound (seconds)

lab_test_up
lab_need
if [ -n "$LAB_NEED" ]; then
	t_skip_all "$LAB_NEED" lab_wan_offload_udp lab_wan_offload_tcp lab_wan_offload_counted
fi
lab_port_set

# counter NAME: packets of reason NAME in mapce stats -j (empty: unreadable)
counter() {
	MAPCE_T=$T lab_ce -j stats 2>/dev/null | "$LAB_PY" -c 'import json, sys
print(json.load(sys.stdin)["reasons"][sys.argv[1]]["packets"])' "$1" 2>/dev/null
}

before=$(counter csum_to_slow_path)

t_begin lab_wan_offload_udp
lab_udp_echo_check "$T"
t_end

t_begin lab_wan_offload_tcp
lab_fetch "$LAB_NS_LAN" "$T" "$LAB_DIR/download.bin"
[ -z "$NS_FETCH_WHY" ] || t_why "download: $NS_FETCH_WHY"
lab_tcp_echo_check "$T" 8
t_end

t_begin lab_wan_offload_counted
after=$(counter csum_to_slow_path)
decap=$(counter decap)
[ "${after:-0}" -gt $((${before:-0} + 100)) ] ||
	t_why "csum_to_slow_path ${before:-?} -> ${after:-?}, want the download's packets"
[ "${decap:-0}" -ge "${after:-1}" ] || t_why "decap ${decap:-?} < csum_to_slow_path ${after:-?}"
t_note "csum_to_slow_path ${before:-?} -> ${after:-?}, decap $decap"
t_end

lab_teardown_case lab_wan_offload_teardown_clean
