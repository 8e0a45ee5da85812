#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mapce up / down on the lab's CE (tests/lab/lib/lab.sh, CE namespace only; no BR,
# no servers): what `up` adds and that `down` removes all of it.
#
#   lab_up_attaches        up: XDP on mce-wan, a tc egress filter (and at
#                          most one tc ingress filter), pins
#   lab_up_twice           a second up: exit 0 (or a clear error), the same
#                          programs attached (no duplicates), status works
#   lab_down_no_residue    down: links, addresses, routes, rules, neighbour
#                          proxies, qdiscs/filters, XDP, sysctls, nftables,
#                          pins and /run/mapce state equal the state before
#                          up; the programs and maps up loaded are freed
#   lab_down_twice         a second down exits cleanly (0 or 1 with a
#                          message, no crash) and changes nothing
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

T=${LAB_TEST_TIMEOUT:-60}

LAB_START_CE=0 LAB_START_BR=0 LAB_START_SERVERS=0
lab_test_up

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }

# snapshot FILE: everything in the CE namespace (and on the host) that up
# could change.  Volatile fields (neighbour timers, route expiry) dropped.
snapshot() {
	local f=$1 d
	{
		echo "== links"
		ce ip -d link show | sed 's/ \(alt\)\?name [^ ]*$//'
		echo "== addresses"
		ce ip addr show | grep -v 'valid_lft'
		echo "== routes"
		ce ip -4 route show table all
		ce ip -6 route show table all | sed 's/ expires [0-9]*sec//'
		echo "== rules"
		ce ip -4 rule show
		ce ip -6 rule show
		echo "== neighbour proxies"
		ce ip -6 neigh show proxy
		for d in "$LAB_IF_WAN" "$LAB_IF_CE_LAN"; do
			echo "== tc $d"
			ce tc qdisc show dev "$d"
			ce tc filter show dev "$d" ingress 2>/dev/null
			ce tc filter show dev "$d" egress 2>/dev/null
		done
		echo "== bpf net"
		ce bpftool net show
		echo "== sysctls"
		ce sysctl net.ipv4.ip_forward net.ipv4.conf net.ipv6.conf 2>/dev/null |
			grep -E "(ip_forward|\.($LAB_IF_WAN|$LAB_IF_CE_LAN|all|default)\.)" |
			grep -v stable_secret
		if command -v nft >/dev/null; then
			echo "== nftables"
			ce nft list ruleset
		fi
		echo "== pins"
		find /sys/fs/bpf/mapce -path "*$LAB_IF_WAN*" 2>/dev/null | sort
		echo "== state"
		find /run/mapce -path "*$LAB_IF_WAN*" 2>/dev/null | sort
	} >"$f" 2>&1
}

# bpf_ids: ids of the programs attached in the CE namespace and their maps
bpf_ids() {
	ce bpftool -j net show 2>/dev/null | lab_query net-prog-ids |
		while read -r id; do
			echo "prog $id"
			bpftool -j prog show id "$id" 2>/dev/null | lab_query prog-map-ids |
				sed 's/^/map /'
		done | sort -u
}

# attach_count: "xdp N egress N ingress N" programs attached to the WAN now
attach_count() {
	ce bpftool -j net show 2>/dev/null | lab_query net-count --dev "$LAB_IF_WAN"
}

snapshot "$LAB_DIR/before"

if ! out=$(ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" 2>&1); then
	if grep -qi 'not implemented' <<<"$out"; then
		for c in lab_up_attaches lab_up_twice lab_down_no_residue lab_down_twice; do
			t_skip "$c" "CE missing: $(head -n1 <<<"$out")"
		done
	else
		t_fail lab_up_attaches "mapce up failed: $(tr '\n' ' ' <<<"$out")"
		for c in lab_up_twice lab_down_no_residue lab_down_twice; do
			t_skip "$c" "mapce up failed"
		done
	fi
	lab_down
	t_exit
	exit
fi

# ---- lab_up_attaches ------------------------------------------------
snapshot "$LAB_DIR/up1"
bpf_ids >"$LAB_DIR/ids"
t_begin lab_up_attaches
grep -qE 'xdp' <(sed -n '/^== bpf net/,/^== /p' "$LAB_DIR/up1") ||
	t_why "no XDP program in 'bpftool net show'"
grep -q 'clsact' <<<"$(sed -n "/^== tc $LAB_IF_WAN/,/^== /p" "$LAB_DIR/up1")" ||
	t_why "no clsact qdisc on $LAB_IF_WAN"
grep -q 'bpf' <<<"$(sed -n "/^== tc $LAB_IF_WAN/,/^== /p" "$LAB_DIR/up1")" ||
	t_why "no TC BPF filter on $LAB_IF_WAN"
[ -d "$LAB_CE_PIN" ] || t_why "no pin directory $LAB_CE_PIN"
grep -q '^prog ' "$LAB_DIR/ids" || t_why "no program ids found"
count1=$(attach_count)
# one XDP program, one tc egress filter; a tc ingress one is optional
[[ "$count1" =~ ^xdp\ 1\ egress\ 1\ ingress\ [01]$ ]] ||
	t_why "expected one XDP, one tc egress and at most one tc ingress program on $LAB_IF_WAN: $count1"
t_note "up: $count1; $(grep -c '^prog' "$LAB_DIR/ids") programs, $(grep -c '^map' "$LAB_DIR/ids") maps"
t_end

# ---- lab_up_twice ---------------------------------------------------
t_begin lab_up_twice
out=$(ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" 2>&1)
rc=$?
t_note "second up: exit $rc: $(head -n2 <<<"$out" | tr '\n' ' ')"
if [ $rc -ne 0 ] && { [ $rc -ge 3 ] || [ -z "$out" ]; }; then
	t_why "second up exited $rc without a clear error: $out"
fi
snapshot "$LAB_DIR/up2"
bpf_ids >>"$LAB_DIR/ids" # a reload may bring new ids: all must go at down
count2=$(attach_count)
[ "$count2" = "$count1" ] || t_why "attachments changed: $count1 -> $count2"
diff <(grep -v ' id [0-9]' "$LAB_DIR/up1" | sed 's/id [0-9]*//g') \
	<(grep -v ' id [0-9]' "$LAB_DIR/up2" | sed 's/id [0-9]*//g') >"$LAB_DIR/up.diff" ||
	t_why "state changed by the second up: $(head -c 400 "$LAB_DIR/up.diff" | tr '\n' ' ')"
ce "$MAPCE" status >"$LAB_DIR/status" 2>&1 || t_why "status after the second up failed: $(head -n3 "$LAB_DIR/status")"
t_end

# ---- lab_down_no_residue --------------------------------------------
t_begin lab_down_no_residue
out=$(ce "$MAPCE" down --wan "$LAB_IF_WAN" 2>&1) || t_why "down failed: $out"
snapshot "$LAB_DIR/after"
diff "$LAB_DIR/before" "$LAB_DIR/after" >"$LAB_DIR/down.diff" ||
	t_why "state differs from before up: $(head -c 600 "$LAB_DIR/down.diff" | tr '\n' ' ')"
# programs and maps are freed after an RCU grace period: bounded wait
left=
for _ in $(seq 25); do
	left=$(while read -r kind id; do
		bpftool "$kind" show id "$id" >/dev/null 2>&1 && echo "$kind $id"
	done <"$LAB_DIR/ids")
	[ -z "$left" ] && break
	sleep 0.2
done
[ -z "$left" ] || t_why "still loaded: $(tr '\n' ' ' <<<"$left")"
t_end

# ---- lab_down_twice -------------------------------------------------
t_begin lab_down_twice
out=$(ce "$MAPCE" down --wan "$LAB_IF_WAN" 2>&1)
rc=$?
t_note "second down: exit $rc: $(head -n1 <<<"$out")"
[ $rc -le 1 ] || t_why "second down exited $rc: $out"
[ $rc -eq 0 ] || [ -n "$out" ] || t_why "second down failed without a message"
snapshot "$LAB_DIR/after2"
diff "$LAB_DIR/before" "$LAB_DIR/after2" >/dev/null || t_why "the second down changed state"
t_end

lab_down
t_exit
