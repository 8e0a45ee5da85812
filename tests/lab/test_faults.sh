#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Faults on the lab's CE (tests/lab/lib/lab.sh): mapce killed at every step
# of up and of down, the BR out of reach, the bpf filesystem unmounted.
# The steps come from the binary itself: MAPCE_FAULT_AFTER=list prints
# every fault point a run passes, MAPCE_FAULT_AFTER=PHASE:STEP kills it
# with SIGKILL right after that step (user/sys/deploy.c, a test hook), so a
# new step is covered without touching this file.
#
#   faults_list             up and down print their fault points; the
#                           known ones (the load, the routes, every
#                           program, the pins) are among them
#   kill_up_STEP            up killed after STEP (exit 137): the next up
#                           exits 0, the LAN reaches the internet, down
#                           exits 0 and leaves nothing
#   kill_down_STEP          down killed after STEP: the same
#   no_untranslated_ipv4    during all of the above a LAN host pinged the
#                           internet every 20 ms: not one IPv4 frame on the
#                           CE-ISP link (captured on the ISP side)
#   br_unreachable          the ISP's link to the BR down for 4 s under a
#                           TCP and a UDP echo stream: both echo again,
#                           the TCP connection and its binding survive
#   bpffs_unmounted         the bpffs under a running CE unmounted (in a
#                           private mount namespace): down still removes
#                           XDP, the filters, the route and the address
#   bpffs_unmounted_status  status then says what happened (not "not up")
#   faults_teardown         the lab leaves nothing behind
#
# Not here (tests/lab/test_lab_run.sh has them): the WAN link down and up
# under mapce run (run_link_flap) and without it (up_repairs_after_flap),
# run killed with -9 and taken over, the prefix changed under traffic.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh

LAB_START_CE=0
LAB_HTTP_MB=1
WAIT=${FAULTS_WAIT:-10} # seconds a case waits for traffic to resume
lab_test_up
lab_need
case $LAB_NEED in
"" | *"CE not started"*) ;;
*) t_skip_all "$LAB_NEED" faults_list no_untranslated_ipv4 br_unreachable bpffs_unmounted \
	bpffs_unmounted_status faults_teardown ;;
esac

ce() { NS_T=60 ns_nsenter "$LAB_NS_CE" "$@"; }
ce_up() { ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}"; }
ce_down() { ce "$MAPCE" down --wan "$LAB_IF_WAN"; }
lan_ping() { ns_exec_t 5 "$LAB_NS_LAN" ping -c1 -W1 "$LAB_INET_IP" >/dev/null 2>&1; }

cleanup() {
	ns_stop pinger
	ns_stop leakcap
	ns_stop tcpstream
	ns_stop udpstream
	lab_down
}
trap cleanup EXIT

# ce_left: what of the CE is on the system (empty: nothing).
ce_left() {
	local x
	[ -e "$LAB_CE_PIN" ] && echo "pins $LAB_CE_PIN"
	mapce_state ce "$LAB_IF_WAN" | sed 's/^/state /'
	grep -q 'prog/xdp' <<<"$(ce ip link show "$LAB_IF_WAN")" && echo "xdp"
	x=$(ce tc filter show dev "$LAB_IF_WAN" egress 2>/dev/null)
	[ -n "$x" ] && echo "tc egress filter"
	x=$(ce tc filter show dev "$LAB_IF_WAN" ingress 2>/dev/null)
	[ -n "$x" ] && echo "tc ingress filter"
	grep -q clsact <<<"$(ce tc qdisc show dev "$LAB_IF_WAN")" && echo "clsact"
	x=$(ce ip -4 route show proto 77)
	[ -n "$x" ] && echo "route $x"
	grep -q "$LAB_MAP_IPV6" <<<"$(ce ip -6 addr show dev "$LAB_IF_WAN")" && echo "address $LAB_MAP_IPV6"
	return 0
}

# ---- faults_list ----------------------------------------------------------
t_begin faults_list
MAPCE_FAULT_AFTER=list ce_up >/dev/null 2>"$LAB_DIR/list.up" || t_why "up: $(tail -n 2 "$LAB_DIR/list.up")"
MAPCE_FAULT_AFTER=list ce_down >/dev/null 2>"$LAB_DIR/list.down" ||
	t_why "down: $(tail -n 2 "$LAB_DIR/list.down")"
mapfile -t UP_STEPS < <(sed -n 's/^fault-point \(up:.*\)$/\1/p' "$LAB_DIR/list.up")
mapfile -t DOWN_STEPS < <(sed -n 's/^fault-point \(down:.*\)$/\1/p' "$LAB_DIR/list.down")
for want in up:load up:address up:config up:attach:mapce_xdp_ingress up:routes; do
	grep -qx "$want" <<<"$(printf '%s\n' "${UP_STEPS[@]}")" || t_why "up did not pass $want"
done
for want in down:routes down:detach:mapce_xdp_ingress down:pins down:state; do
	grep -qx "$want" <<<"$(printf '%s\n' "${DOWN_STEPS[@]}")" || t_why "down did not pass $want"
done
res=$(ce_left)
[ -z "$res" ] || t_why "left after a down: $(tr '\n' ' ' <<<"$res")"
t_note "up steps: ${UP_STEPS[*]}"
t_note "down steps: ${DOWN_STEPS[*]}"
t_end

# The capture on the ISP side of the CE's link, and a LAN host pinging the
# internet every 20 ms, for every kill below: the link carries IPv6 only.
ns_tcpdump leakcap "$LAB_NS_ISP" 600 -n -l -i "$LAB_IF_ISP_CE" -w "$LAB_DIR/leak.pcap" ip ||
	t_fail no_untranslated_ipv4 "tcpdump did not start"
ns_bg pinger "$LAB_NS_LAN" timeout 600 ping -q -i 0.02 -W 1 "$LAB_INET_IP"

# kill_case NAME PHASE:STEP CMD...: CMD killed after the step, then up,
# traffic, down, nothing left.
kill_case() {
	local name=$1 step=$2 out rc
	shift 2
	t_begin "$name"
	MAPCE_FAULT_AFTER=$step "$@" >"$LAB_DIR/k.out" 2>&1
	rc=$?
	[ $rc -eq 137 ] || t_why "not killed after $step: exit $rc: $(tail -n 2 "$LAB_DIR/k.out")"
	sleep 0.5 # LAN traffic through what the kill left
	out=$(ce_up 2>&1) || t_why "up after the kill exited $?: $out"
	ns_wait "$WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP after up"
	out=$(ce_down 2>&1) || t_why "down exited $?: $out"
	res=$(ce_left)
	[ -z "$res" ] || t_why "left after down: $(tr '\n' ' ' <<<"$res")"
	t_end
	[ -z "$res" ] || ce_down >/dev/null 2>&1 # the next case starts clean
}

for step in "${UP_STEPS[@]}"; do
	kill_case "kill_${step//:/_}" "$step" ce_up
done
for step in "${DOWN_STEPS[@]}"; do
	if ! out=$(ce_up 2>&1); then
		t_fail "kill_${step//:/_}" "up before the kill: $out"
		continue
	fi
	kill_case "kill_${step//:/_}" "$step" ce_down
done

# ---- no_untranslated_ipv4 -------------------------------------------------
t_begin no_untranslated_ipv4
kill -INT "$(ns_bg_pid pinger)" 2>/dev/null # ping prints its summary
ns_wait 3 grep -q 'packets transmitted' "$NS_TMP/pinger.log"
ns_stop pinger
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$NS_TMP/pinger.log")
ns_stop leakcap
leaks=$(tcpdump -n -r "$LAB_DIR/leak.pcap" 2>/dev/null)
[ -z "$leaks" ] || t_why "$(grep -c . <<<"$leaks") IPv4 frames on the WAN: $(head -n 3 <<<"$leaks" | tr '\n' '|')"
[ -n "$sent" ] && [ "$sent" -gt 100 ] || t_why "the LAN pinger sent ${sent:-nothing} (not a test)"
t_note "${#UP_STEPS[@]} kills in up, ${#DOWN_STEPS[@]} in down; the LAN sent $sent pings meanwhile" \
	"($(sed -n 's/.* \([0-9.]*%\) packet loss.*/\1 lost/p' "$NS_TMP/pinger.log"))"
t_end

# ---- br_unreachable -------------------------------------------------------
stream_get() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$LAB_DIR/$1.state" "$2" 2>/dev/null
}
echoed_above() { [ "$(stream_get "$1" echoed)" -gt "$2" ] 2>/dev/null; }
tcp_outside() {
	ce "$MAPCE" -j flows --wan "$LAB_IF_WAN" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([f["outside"] for f in d["flows"] if f["proto"] == "tcp" and f["inside_port"] == int(sys.argv[1])][0])' \
		"$(stream_get tcpstream local_port)" 2>/dev/null
}
t_begin br_unreachable
if out=$(ce_up 2>&1); then
	ns_serve tcpstream "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" \
		--to "$LAB_INET_IP:$LAB_TCP_PORT" --state "$LAB_DIR/tcpstream.state" --lifetime 120 ||
		t_why "the TCP stream did not start"
	ns_serve udpstream "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" --udp \
		--to "$LAB_INET_IP:$LAB_UDP_PORT" --state "$LAB_DIR/udpstream.state" --lifetime 120 ||
		t_why "the UDP stream did not start"
	ns_wait "$WAIT" echoed_above tcpstream 3 || t_why "the TCP stream does not echo"
	before=$(tcp_outside)
	ns_ip "$LAB_NS_ISP" link set "$LAB_IF_ISP_BR" down
	sleep 1
	t_from=$(stream_get tcpstream echoed) u_from=$(stream_get udpstream echoed)
	sleep 3
	# nothing echoes while the BR is out of reach (else this tests nothing)
	[ "$(stream_get udpstream echoed)" -le "$((u_from + 1))" ] 2>/dev/null ||
		t_why "UDP echoed with the BR unreachable ($u_from -> $(stream_get udpstream echoed))"
	# back up, with what the ISP's routing gives back (a link down
	# flushes the link's IPv6 address and the route through it)
	ns_ip "$LAB_NS_ISP" link set "$LAB_IF_ISP_BR" up
	ns_ip "$LAB_NS_ISP" -6 addr replace "$LAB_ISP_BR_IP6/64" dev "$LAB_IF_ISP_BR" nodad
	ns_ip "$LAB_NS_ISP" -6 route replace "$LAB_BR_IP6/128" via "$LAB_BR_LINK_IP6"
	t0=$SECONDS
	ns_wait 20 echoed_above tcpstream "$((t_from + 3))" ||
		t_why "the TCP stream does not echo after the BR came back"
	ns_wait "$WAIT" echoed_above udpstream "$((u_from + 3))" ||
		t_why "the UDP stream does not echo after the BR came back"
	t_note "echoes again $((SECONDS - t0))s after the BR link came back (4 s out)"
	[ "$(stream_get tcpstream error)" = None ] || t_why "TCP stream: $(stream_get tcpstream error)"
	[ -n "$before" ] && [ "$(tcp_outside)" = "$before" ] ||
		t_why "the TCP binding changed: ${before:-none} -> $(tcp_outside)"
	ns_stop tcpstream
	ns_stop udpstream
	out=$(ce_down 2>&1) || t_why "down: $out"
else
	t_why "up: $out"
fi
t_end

# ---- bpffs_unmounted ------------------------------------------------------
# In a private mount namespace with a bpffs of its own: the host's stays.
t_begin bpffs_unmounted
timeout 60 unshare -m --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	mount -t bpf bpf /sys/fs/bpf || exit 3
	n() { nsenter --net="/run/netns/$1" "${@:2}"; }
	n "$1" "$2" up --wan "$3" "${@:4}" >/dev/null 2>&1 || exit 4
	umount -l /sys/fs/bpf || exit 5
	echo "--- status"
	n "$1" "$2" status --wan "$3" 2>&1
	echo "rc=$?"
	echo "--- down"
	n "$1" "$2" down --wan "$3" 2>&1
	echo "rc=$?"
' faults "$LAB_NS_CE" "$MAPCE" "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" >"$LAB_DIR/bpffs.out" 2>&1
rc=$?
[ $rc -eq 0 ] || t_why "exit $rc: $(tr '\n' ' ' <"$LAB_DIR/bpffs.out" | head -c 300)"
status=$(sed -n '/^--- status/,/^--- down/p' "$LAB_DIR/bpffs.out")
down=$(sed -n '/^--- down/,$p' "$LAB_DIR/bpffs.out")
grep -q '^rc=0' <<<"$down" || t_why "down: $(tr '\n' ' ' <<<"$down")"
grep -q 'xdp tc-filter.* route address' <<<"$down" || t_why "down did not remove the netdev side: $(tr '\n' ' ' <<<"$down")"
res=$(ce_left)
[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
t_note "status said: $(tr '\n' ' ' <<<"$status" | head -c 300)"
t_end
# What status says with the pins gone and the datapath running: the fix is
# issue 9's item 8 (another change); until it is in, a skip that says so.
if grep -qiE 'bpf filesystem|bpffs|mount|xdp' <<<"$status"; then
	t_ok bpffs_unmounted_status
elif grep -q 'not up on' <<<"$status"; then
	t_skip bpffs_unmounted_status "status says 'not up' while the datapath runs (issue 9 item 8, not in this tree)"
else
	t_fail bpffs_unmounted_status "status: $(tr '\n' ' ' <<<"$status" | head -c 300)"
fi

lab_teardown_case faults_teardown
t_exit
