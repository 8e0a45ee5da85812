#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The CE's NAT as real third-party clients see it (issue 3), in the lab of
# tests/lab/lib/lab.sh + lab_nat.sh: the classic RFC 3489 `stun` client
# against stund (203.0.113.10/.11, ports 3478/3479), coturn's RFC 5780
# turnutils_natdiscovery against turnserver (203.0.113.12/.13), and
# traceroute/tracepath through the CE, with the CE restarted in each
# filtering mode.
#
#   nat_stun_adf / _eif / _apdf
#                 stun: "Independent Mapping, <filter> Filter ... will
#                 hairpin" with <filter> Address Dependent (the default,
#                 checked in `mapce status -j`), Independent, Port
#                 Dependent; the CE counted the hairpinned test packet,
#                 and (adf, apdf) the responses it refused (drop_filtered)
#                 or (eif) the inbound flows it opened (ev_inbound_flow)
#   nat_stun_port_preservation
#                 stun -p 4928 (a port of the set): "preserves ports";
#                 stun -p 40000 (not in the set): "random port"
#   nat_natdiscovery_adf / _eif / _apdf
#                 natdiscovery -m -f: "NAT with Endpoint Independent
#                 Mapping!" and "NAT with <Address Dependent | Endpoint
#                 Independent | Address and Port Dependent> Filtering!";
#                 every reflexive address it got is 198.51.100.18 and a
#                 port of the set
#   nat_natdiscovery_hairpin_eif
#                 natdiscovery -H (a binding request to its own mapped
#                 address from another local port) receives it
#   nat_traceroute_udp / _icmp / nat_tracepath
#                 from the LAN host to 203.0.113.10 (CE in apdf mode):
#                 hop 1 the CE (192.0.2.1), hop 2 the BR (203.0.113.1, an
#                 ICMP time exceeded that the CE translated back), hop 3 the
#                 server reached; tracepath also finds pmtu 1460
#   nat_teardown_clean
#                 lab_down leaves nothing behind (the second LAN host too)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1} # (the HTTP file is not used here)
# shellcheck source=lib/lab_nat.sh
. tests/lab/lib/lab_nat.sh

T=${LAB_TEST_TIMEOUT:-60}
MODES=(adf eif apdf)
declare -A STUN_FILTER=([eif]='Independent Mapping, Independent Filter'
	[adf]='Independent Mapping, Address Dependent Filter'
	[apdf]='Independent Mapping, Port Dependent Filter')
declare -A ND_FILTER=([eif]='NAT with Endpoint Independent Filtering!'
	[adf]='NAT with Address Dependent Filtering!'
	[apdf]='NAT with Address and Port Dependent Filtering!')
ALL=(nat_stun_adf nat_natdiscovery_adf nat_stun_eif nat_stun_port_preservation
	nat_natdiscovery_eif nat_natdiscovery_hairpin_eif nat_stun_apdf nat_natdiscovery_apdf
	nat_traceroute_udp nat_traceroute_icmp nat_tracepath)

skip_all() {
	local c
	for c in "${ALL[@]}"; do t_skip "$c" "$1"; done
}

for tool in stun stund turnserver turnutils_natdiscovery traceroute tracepath; do
	if ! command -v "$tool" >/dev/null; then
		skip_all "$tool not installed (scripts/deps.sh)"
		t_exit
		exit
	fi
done

lab_test_up lab_nat_up
lab_port_set
lab_need

# from_lan NAME CMD...: CMD on the LAN host (bounded by T); its output
# (stdout and stderr) into the caller's `out` and $LAB_DIR/NAME.out
from_lan() {
	local name=$1
	shift
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" "$@" 2>&1)
	echo "$out" >"$LAB_DIR/$name.out"
}

# one line of a tool's output for a failure message
brief() { tr '\n\t' '  ' <<<"$1" | sed 's/  */ /g' | head -c 400; }

# ---- stun (classic RFC 3489 client) -----------------------------------
stun_case() { # MODE
	local mode=$1 out d
	t_begin "nat_stun_$mode"
	lab_nat_stats "$LAB_DIR/s0.json"
	from_lan "stun_$mode" stun "$LAB_STUN_IP"
	lab_nat_stats "$LAB_DIR/s1.json"
	t_note "stun ($mode): $(grep '^Primary' <<<"$out" | tr -s '\t ' ' ')"
	grep -q "^Primary: ${STUN_FILTER[$mode]}," <<<"$out" ||
		t_why "expected 'Primary: ${STUN_FILTER[$mode]}', got: $(brief "$out")"
	grep -q '^Primary: .*, will hairpin' <<<"$out" ||
		t_why "expected 'will hairpin': $(grep '^Primary' <<<"$out")"
	d=$(lab_nat_delta "$LAB_DIR/s0.json" "$LAB_DIR/s1.json" hairpin drop_filtered \
		ev_inbound_flow)
	t_note "counters: $d"
	[[ $d =~ hairpin=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] ||
		t_why "the CE counted no hairpinned packet ($d)"
	case $mode in
	eif)
		[[ $d =~ ev_inbound_flow=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] ||
			t_why "no inbound flow opened for the changed-address responses ($d)"
		;;
	*)
		[[ $d =~ drop_filtered=([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] ||
			t_why "the CE refused no response as filtered ($d)"
		;;
	esac
	t_end
}

stun_port_case() {
	local out
	t_begin nat_stun_port_preservation
	lab_in_set 4928 && ! lab_in_set 40000 || t_why "lab port set: 4928 should be in, 40000 out"
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" stun "$LAB_STUN_IP" -p 4928 2>&1)
	grep -q '^Primary: .*, preserves ports' <<<"$out" ||
		t_why "stun -p 4928: expected 'preserves ports': $(brief "$out")"
	out=$(ns_exec_t "$T" "$LAB_NS_LAN" stun "$LAB_STUN_IP" -p 40000 2>&1)
	grep -q '^Primary: .*, random port' <<<"$out" ||
		t_why "stun -p 40000: expected 'random port': $(brief "$out")"
	t_end
}

# ---- turnutils_natdiscovery (RFC 5780) --------------------------------
natdiscovery_case() { # MODE
	local mode=$1 out addrs a port
	t_begin "nat_natdiscovery_$mode"
	from_lan "natdiscovery_$mode" turnutils_natdiscovery -m -f "$LAB_TURN_IP"
	t_note "natdiscovery ($mode): $(grep '^NAT with' <<<"$out" | tr '\n' ' ')"
	grep -qx 'NAT with Endpoint Independent Mapping!' <<<"$out" ||
		t_why "expected 'NAT with Endpoint Independent Mapping!': $(grep -E '^NAT|rror|imeout' <<<"$out" | tr '\n' ' ')"
	grep -qxF "${ND_FILTER[$mode]}" <<<"$out" ||
		t_why "expected '${ND_FILTER[$mode]}': $(grep -E '^NAT|rror' <<<"$out" | tr '\n' ' ')"
	addrs=$(sed -n 's/.*UDP reflexive addr: *//p' <<<"$out" | sort -u)
	[ -n "$addrs" ] || t_why "no reflexive address in the output"
	for a in $addrs; do
		port=${a##*:}
		[ "${a%:*}" = "$LAB_MAP_IPV4" ] && lab_in_set "$port" ||
			t_why "reflexive address $a is not $LAB_MAP_IPV4 and a port of the set"
	done
	t_end
}

natdiscovery_hairpin_case() {
	local out
	t_begin nat_natdiscovery_hairpin_eif
	from_lan natdiscovery_hairpin turnutils_natdiscovery -H "$LAB_TURN_IP"
	grep -q 'Received a request (maybe a successful hairpinning)' <<<"$out" ||
		t_why "its request to its own mapped address never came back: $(grep -E 'reflexive|imeout|rror' <<<"$out" | tr '\n' ' ')"
	t_end
}

# ---- traceroute / tracepath -------------------------------------------
# trace_check NAME OUTPUT HOPCOL: hop 1 the CE, hop 2 the BR, 3 the server.
trace_check() {
	local out=$2 h1 h2 h3
	h1=$(awk '$1 == "1" { print $2; exit }' <<<"$out")
	h2=$(awk '$1 == "2" { print $2; exit }' <<<"$out")
	h3=$(awk '$1 == "3" { print $2; exit }' <<<"$out")
	[ "$h1" = "$LAB_CE_LAN_IP" ] || t_why "hop 1 is '$h1', not the CE $LAB_CE_LAN_IP"
	[ "$h2" = "$LAB_BR_INET_IP" ] || t_why "hop 2 is '$h2', not the BR $LAB_BR_INET_IP"
	[ "$h3" = "$LAB_INET_IP" ] || t_why "hop 3 is '$h3', not the server $LAB_INET_IP"
	[ "$(awk '$1 ~ /^[0-9]+$/' <<<"$out" | wc -l)" = 3 ] ||
		t_why "expected exactly 3 hops: $(brief "$out")"
}

traceroute_case() { # NAME [traceroute options]
	local name=$1 out
	shift
	t_begin "$name"
	from_lan "$name" traceroute -n -q 1 -w 2 -m 8 "$@" "$LAB_INET_IP"
	t_note "$name: $(awk '$1 ~ /^[0-9]+$/ { printf "%s %s; ", $1, $2 }' <<<"$out")"
	trace_check "$name" "$out"
	t_end
}

tracepath_case() {
	local out h2
	t_begin nat_tracepath
	from_lan tracepath tracepath -n -m 8 "$LAB_INET_IP"
	t_note "tracepath: $(grep -E 'reached|Resume' <<<"$out" | tr -s ' \n' ' ')"
	h2=$(awk '$1 == "2:" && $2 != "no" { print $2 }' <<<"$out" | sort -u | tr '\n' ' ')
	grep -Eq "^ *2: +$LAB_BR_INET_IP " <<<"$out" ||
		t_why "hop 2 is not the BR $LAB_BR_INET_IP (hop 2 lines: '$h2')"
	grep -Eq "^ *3: +$LAB_INET_IP .*reached" <<<"$out" ||
		t_why "hop 3 is not '$LAB_INET_IP ... reached': $(brief "$out")"
	grep -q 'pmtu 1460' <<<"$out" || t_why "no 'pmtu 1460' (the tunnel's IPv4 MTU)"
	t_end
}

# ---- run --------------------------------------------------------------
if [ -n "$LAB_NEED" ]; then
	skip_all "$LAB_NEED"
elif ! lab_nat_stund_start || ! lab_nat_coturn_start; then
	for c in "${ALL[@]}"; do
		case $c in
		nat_trace*) ;;
		*) t_fail "$c" "the STUN servers did not start (see above)" ;;
		esac
	done
	traceroute_case nat_traceroute_udp
	traceroute_case nat_traceroute_icmp -I
	tracepath_case
else
	for mode in "${MODES[@]}"; do
		if [ "$mode" = adf ]; then
			# lab_up's CE: the default must be address-dependent filtering
			f=$(lab_nat_filtering)
			[ "$f" = adf ] || t_note "default filtering is '$f', not adf"
			[ "$f" = adf ] || lab_nat_ce_restart --filtering adf
		else
			lab_nat_ce_restart --filtering "$mode"
		fi
		if [ "$LAB_CE_STATE" != up ]; then
			t_fail "nat_stun_$mode" "mapce up --filtering $mode: $LAB_CE_STATE"
			t_fail "nat_natdiscovery_$mode" "mapce up --filtering $mode: $LAB_CE_STATE"
			continue
		fi
		# fresh NAT state: 4928 is free for the port preservation case
		[ "$mode" = eif ] && stun_port_case
		stun_case "$mode"
		natdiscovery_case "$mode"
		[ "$mode" = eif ] && natdiscovery_hairpin_case
	done
	# the last mode (apdf) is the strictest: ICMP errors are not filtered
	traceroute_case nat_traceroute_udp
	traceroute_case nat_traceroute_icmp -I
	tracepath_case
fi

lab_teardown_case nat_teardown_clean
t_exit
