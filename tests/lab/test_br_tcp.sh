#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_br_tcp.sh - TCP bulk through the stateless BR: an 8 MB HTTP download
# from the internet host to the CE's shared address, with the server's
# offloads (TSO, GSO, checksum) on and off.
#
#   tbr-ce (tun_ce.py, curl from 198.51.100.18, ports 4928-4943)
#     <-> tbr-br (mapce br up) <-> tbr-sv (python3 -m http.server)
#
# With offloads on, the server hands the BR TCP GSO super-packets: the TC
# program must parse only their headers (no linearising) and encapsulate
# them whole as IPv4-in-IPv6 GSO (BPF_F_ADJ_ROOM_FIXED_GSO |
# ENCAP_L3_IPV6).  The BR's CE-facing veth has tx checksum offload off, so
# the kernel segments them in software after the TC program: every segment
# must come out a valid IPv6 + IPv4 + TCP packet (the CE's kernel checks
# the TCP checksums and the file's sha256 is compared).  br_encap's
# bytes per packet show the super-packets were seen.
# Root only; tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source-path=SCRIPTDIR source=lib/br.sh
. tests/lab/lib/br.sh

CASES=(setup download_offload_on download_offload_off nothing_dropped cleanup_leaves_nothing)
tbr_init br_tcp
tbr_preflight "${CASES[@]}"
command -v curl >/dev/null || tbr_skip_all "curl not installed" "${CASES[@]}"

t_begin "br_tcp: setup"
if tbr_tun_lab 0 br "$(ns_ifname b)"; then
	tbr_http_server 8 || t_why "HTTP server did not start"
fi
t_end

# download_case on|off
download_case() {
	local v=$1 p0 b0 p1 b1 avg
	t_begin "br_tcp: download_offload_$v"
	on sv ethtool -K "$TBR_SV_IF" tx "$v" tso "$v" gso "$v" >/dev/null 2>&1 ||
		t_why "ethtool -K $TBR_SV_IF tx/tso/gso $v failed"
	tbr_counters br "$TBR_BR_IF"
	p0=$(cnt br_encap) b0=$(cnt_bytes br_encap)
	tbr_download ce --local-port 4928-4943
	[ -n "$DL_WHY" ] && t_why "$DL_WHY"
	tbr_counters br "$TBR_BR_IF"
	p1=$(cnt br_encap) b1=$(cnt_bytes br_encap)
	if [ $((p1 - p0)) -le 0 ]; then
		t_why "br_encap did not move"
	else
		avg=$(((b1 - b0) / (p1 - p0)))
		t_note "offload $v: $((p1 - p0)) packets encapsulated, $avg bytes on average;" \
			"curl: $DL_INFO"
		# a frame is at most 1514 bytes; more on average means GSO packets
		if [ "$v" = on ] && [ "$avg" -le 1514 ]; then
			t_why "no GSO packets reached the BR's TC ($avg bytes per packet)"
		fi
	fi
	t_end
}
if tbr_setup_ok "${CASES[@]:1:3}"; then
	download_case on
	download_case off
	t_begin "br_tcp: nothing_dropped"
	tbr_counters br "$TBR_BR_IF"
	for r in drop_malformed drop_encap_failed drop_decap_failed br_drop_spoofed \
		br_drop_unsupported br_drop_port_out_of_set drop_frag_no_state; do
		[ "$(cnt "$r")" -eq 0 ] || t_why "$r = $(cnt "$r")"
	done
	t_note "counters: $(nonzero)"
	t_end
fi

tbr_cleanup_case
t_exit
