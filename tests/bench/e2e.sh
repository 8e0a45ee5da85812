#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# e2e.sh - make bench, end to end: the lab topology (tests/lab/lib/lab.sh:
# LAN host -> CE -> IPv6 ISP router -> BR -> internet) forwarding 64-byte
# UDP frames and TCP, row by row in one run:
#
#   mapce           mapce up in the CE and mapce br up in the BR (MAP-E)
#   mapce + fastpath  the same with mapce up --fastpath on the CE's LAN side
#                   (the XDP fast path: the CE's forwarding and qdiscs skipped);
#                   GRO on the veth ends it redirects into (the ISP's side of
#                   the CE link, the LAN host's), as lab.sh's LAB_FASTPATH=on
#   kernel routing  the same namespaces routing plain IPv4 (no tunnel, no NAT)
#   nft masquerade  kernel routing plus nftables masquerade on the CE's WAN
#   routing, LAN XDP  kernel routing under the fast path row's XDP conditions:
#                   an XDP_PASS program on the CE's LAN side (on veth that
#                   takes GSO from the LAN host's end: it sends single
#                   segments, which the CE's GRO merges again) and GRO on
#                   the same ends; the fast path's TCP is compared with it
#
# Every row has the same offloads (the lab's defaults) and the same XDP
# attachments: the CE's WAN and the BR's IPv6 side carry mapce's XDP
# programs in the mapce row and an XDP_PASS program in the others
# (trafficgen xdp-pass); the CE's LAN side has GRO on (NAPI: what the
# generator's frames need to be received), the internet host the sink.
#
# Packets: tests/bench/trafficgen.c, XDP live frames from the LAN host
# (offered) counted by an XDP sink on the internet host (delivered), for
# E2E_SECONDS (5) each, E2E_FLOWS (1) UDP flows.  The generator runs on
# CPU 0 and the CE's LAN side steers what it receives to CPU 1 (RPS), so
# the whole forwarding path (every namespace: one kernel) runs on CPU 1
# and the generator, on its own core, offers more than that core takes.
# Not all of it: what the CE's LAN side receives is taken (GRO, and in
# the rows with XDP there, the XDP program: the fast path itself) by its
# NAPI on the generator's core, which RPS cannot move; E2E_NAPI_CPU1=1
# runs that NAPI in a thread pinned to CPU 1 (napi_to_cpu1), the whole
# chain of five namespaces then on one core.  In the fast path row no
# frame reaches the CE's stack, so RPS moves none: its redirect into the
# ISP's end of the CE link (GRO on: NAPI, run on the sending CPU) keeps
# the rest of the chain (ISP, BR, sink) on the generator's core too, and
# the path's core idles (E2E_PERF: 98.8% idle, 2026-12-06 17:29 UTC).
# E2E_ISP_RPS=MASK steers what the ISP's end of the CE link receives to
# the CPUs of MASK (hex, as rps_cpus) in every row: 2 puts the fast path
# row's chain after the CE on CPU 1 as the other rows have theirs; 1
# (with E2E_NAPI_CPU1=1) leaves CPU 1 to the CE alone in every row.
# Without RPS the frames would be forwarded inline in the generator's own
# softirq, and it would only ever offer what the path takes.  TCP: iperf3 from the LAN host to the internet host,
# one stream and eight, E2E_SECONDS each.
#
# Throughput (RFC 2544 section 26.1, with FD.io CSIT's partial drop rate:
# at most 0.5% of the frames lost): the figures above offer all the
# generator can, several times what the path takes, so the path drops
# most frames, some of them late (every namespace's receive enqueues to
# the one core's backlog, which the generator's frames keep full), and
# what it delivers then says how it behaves overloaded as much as what it
# can carry.  So each row also gets a search of the offered rate
# (trafficgen --rate, paced): E2E_PDR_STEPS (7) trials of
# E2E_PDR_SECONDS (2) each, halving the interval between the highest
# rate that passed (0 at first) and the lowest that failed (the row's
# all-out rate); the row's throughput is the delivered rate of the
# highest trial that passed, which then runs once more for E2E_SECONDS
# (the confirmation: how much a trial as long as the row's own figures
# loses at that rate, printed beside it).  A row whose all-out run lost
# no more than that needs no search: its throughput is the generator's
# ceiling.
#
# BPF on live traffic: for the rows with mapce, kernel.bpf_stats_enabled
# over a second run of the UDP frames and of TCP x1 gives run_time_ns /
# run_cnt of every program attached in the CE and BR namespaces: what
# each costs a packet with warm caches, beside make bench's one packet
# per call.  Never during the row's own figures: bpf_stats reads the
# clock twice a program run, which the other rows would not pay.  Beside
# them, measured the same way on the same frames: the trivial programs
# (the XDP_PASS ones of the last row, and for that run a TC program that
# returns TC_ACT_OK on the CE's WAN egress, where mapce's TC egress runs);
# each mapce figure is printed raw and net of its type's trivial one
# (the clock reads and the run's own overhead, which the two share).
#
# Inbound (the two mapce rows): 64-byte UDP frames from the internet host to a
# port forward of the CE's (udp, on a port of the set no mapping of the
# rows before holds, to the LAN host), through the BR and
# the CE's XDP ingress, the same generator and an XDP sink on the LAN host;
# offered and delivered pps, its throughput (searched as the rows') and the
# programs' bpf_stats (a second run), as a figure beside the table (the
# BR's IPv4 side steered to CPU 1 by RPS).
#
# Profile (E2E_PERF=DIR; needs perf: apt-get install linux-perf): each
# row's UDP frames are also sampled on the path's core, `perf record -C 1
# -g` into DIR/ROW.data (spaces and "+" in ROW as "_"), for `perf report
# -i DIR/ROW.data --no-children --sort sym`: where a row's time goes,
# the kernel's forwarding included, which bpf_stats cannot show.
#
#   tests/bench/e2e.sh [-j]
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../lab/lib/lab.sh
. tests/lab/lib/lab.sh
B=${OUTPUT:-build}
TGEN=$LAB_TOP/$B/tests/trafficgen
SECS=${E2E_SECONDS:-5}
JSON=0
[ "${1:-}" = -j ] && JSON=1
IPERF_PORT=5201

# IPv4 on the lab's IPv6-only links for the rows without a tunnel
# (documentation prefix; the MAP rule's 198.51.100.18 is not used by them)
CE_ISP4=198.51.100.250 ISP_CE4=198.51.100.249 ISP_BR4=198.51.100.253 BR_ISP4=198.51.100.254

log() { echo "e2e: $*" >&2; }

[ -x "$TGEN" ] || { log "$TGEN not built (make)"; exit 1; }
command -v iperf3 >/dev/null || { log "iperf3 missing (scripts/deps.sh)"; exit 1; }
[[ ${E2E_ISP_RPS:-0} =~ ^[0-9a-fA-F]+$ ]] ||
	{ log "E2E_ISP_RPS: '$E2E_ISP_RPS' is not a hex CPU mask (as rps_cpus)"; exit 2; }

LAB_START_SERVERS=0
lab_up || { log "the lab did not come up"; exit 1; }
[ "$LAB_CE_STATE" = up ] && [ "$LAB_BR_STATE" = up ] ||
	{ log "CE: $LAB_CE_STATE; BR: $LAB_BR_STATE"; exit 1; }
ns_offload "$LAB_NS_CE" "$LAB_IF_CE_LAN" on gro || exit 1
[ "$(nproc)" -ge 2 ] || { log "needs two CPUs (generator and path apart)"; exit 1; }
ns_exec "$LAB_NS_CE" sh -c "echo 2 >/sys/class/net/$LAB_IF_CE_LAN/queues/rx-0/rps_cpus" ||
	{ log "cannot steer $LAB_IF_CE_LAN to CPU 1 (RPS)"; exit 1; }
if [ -n "${E2E_ISP_RPS:-}" ]; then
	ns_exec "$LAB_NS_ISP" sh -c "echo $E2E_ISP_RPS >/sys/class/net/$LAB_IF_ISP_CE/queues/rx-0/rps_cpus" ||
		{ log "cannot steer $LAB_IF_ISP_CE to CPUs $E2E_ISP_RPS (RPS)"; exit 1; }
fi
iperf_listening() { grep -q LISTEN <<<"$(ns_exec "$LAB_NS_INET" ss -Hltn "sport = :$IPERF_PORT")"; }
ns_bg iperf "$LAB_NS_INET" iperf3 -s -B "$LAB_INET_IP" -p "$IPERF_PORT" &&
	ns_wait 10 iperf_listening || { log "iperf3 server did not start"; exit 1; }
CE_MAC=$(ip -n "$LAB_NS_CE" -br link show "$LAB_IF_CE_LAN" | awk '{print $3}')

# prog_stats: a JSON object {id: [name, run_time_ns, run_cnt, type]} of the
# programs attached in the CE and BR namespaces (bpftool net show)
prog_stats() {
	local id
	for id in $({ ns_exec "$LAB_NS_CE" bpftool -j net show; ns_exec "$LAB_NS_BR" bpftool -j net show; } |
		python3 -c '
import json, sys
def ids(o):
    if isinstance(o, dict):
        for k, v in o.items():
            if k in ("id", "prog_id") and isinstance(v, int):
                yield v
            else:
                yield from ids(v)
    elif isinstance(o, list):
        for v in o:
            yield from ids(v)
for line in sys.stdin:
    if line.strip():
        for i in sorted(set(ids(json.loads(line)))):
            print(i)'); do
		bpftool -j prog show id "$id"
		echo
	done | python3 -c '
import json, sys
out = {}
for line in sys.stdin:
    if line.strip():
        p = json.loads(line)
        out[p["id"]] = [p.get("name", "?"), p.get("run_time_ns", 0), p.get("run_cnt", 0),
                        p.get("type", "?")]
print(json.dumps(out))'
}

# bpf_ns BEFORE AFTER: {name: ns per run} between two prog_stats, for the
# programs that ran at least 1000 times (the frames' path; not the few
# neighbour and control packets the others saw); programs of one name (the
# trivial ones on two devices) as one, their runs together; and
# {"types": {name: type}} for the net figures
bpf_ns() {
	python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sums, types = {}, {}
for i, (name, ns, cnt, typ) in b.items():
    if i in a and cnt - a[i][2] >= 1000:
        s = sums.setdefault(name, [0, 0])
        s[0] += ns - a[i][1]
        s[1] += cnt - a[i][2]
        types[name] = typ
out = {n: round(ns / cnt, 1) for n, (ns, cnt) in sums.items()}
out["types"] = types
print(json.dumps(out))' "$1" "$2"
}

# gen ARGS...: the generator on its own core (CPU 0) for GEN_SECS (SECS
# unless a caller sets it) with ARGS (its devices and endpoints): its JSON
# (offered, delivered)
gen() {
	taskset -c 0 "$TGEN" "$@" --seconds "${GEN_SECS:-$SECS}" -j
}

INBOUND_PORT= # a port of the lab CE's set no UDP mapping of the rows holds
# inbound_frames BR_MAC [RATE]: UDP frames from the internet host to the
# forward, into the BR's IPv4 side (BR_MAC), all the generator can or RATE
# pps: the generator's JSON
inbound_frames() {
	napi_to_cpu1 "$LAB_NS_BR" "$LAB_IF_BR_INET" || return 1
	gen --flows 1 --gen-ns "$LAB_NS_INET" --gen-dev "$LAB_IF_INET" --dst-mac "$1" \
		--src "$LAB_INET_IP:40000" --dst "$LAB_MAP_IPV4:$INBOUND_PORT" --sink-ns "$LAB_NS_LAN" \
		--sink-dev "$LAB_IF_LAN" ${2:+--rate "$2"}
}

# inbound: the inbound figure of the mapce row as a JSON object (its
# throughput searched, and the programs' bpf_stats over a run of their
# own, as for the rows)
inbound() {
	local bri_mac pkt pdr="" bpf="{}" out
	INBOUND_PORT=$(lab_free_port udp) || { log "inbound: no free port of the set"; return 1; }
	out=$(lab_ce portmap add udp "$INBOUND_PORT" "$LAB_LAN_IP:$INBOUND_PORT" 2>&1) ||
		{ log "inbound: portmap add: $out"; return 1; }
	ns_offload "$LAB_NS_BR" "$LAB_IF_BR_INET" on gro &&
		ns_exec "$LAB_NS_BR" sh -c "echo 2 >/sys/class/net/$LAB_IF_BR_INET/queues/rx-0/rps_cpus" ||
		{ log "inbound: cannot steer $LAB_IF_BR_INET to CPU 1"; return 1; }
	bri_mac=$(ip -n "$LAB_NS_BR" -br link show "$LAB_IF_BR_INET" | awk '{print $3}')
	pkt=$(inbound_frames "$bri_mac") || pkt=""
	[ -n "$pkt" ] && { pdr=$(throughput "$pkt" inbound_frames "$bri_mac") || pdr=""; }
	[ -n "$pdr" ] && { bpf=$(stats_of inbound_frames "$bri_mac") || bpf="{}"; }
	lab_ce portmap del udp "$INBOUND_PORT" >/dev/null 2>&1
	[ -n "$pkt" ] || { log "inbound: trafficgen failed"; return 1; }
	[ -n "$pdr" ] || { log "inbound: throughput search failed"; return 1; }
	echo "{\"packets\":$pkt,\"throughput\":$pdr,\"bpf_ns\":$bpf}"
}

# profile_start NAME / profile_stop: E2E_PERF's sampling of the path's
# core (CPU 1) while a row's UDP frames flow; nothing without E2E_PERF
PERF_PID=
profile_start() {
	[ -n "${E2E_PERF:-}" ] || return 0
	mkdir -p "$E2E_PERF" || return 0
	perf record -q -C 1 -g -o "$E2E_PERF/$(tr ' +,' '___' <<<"$1").data" -- sleep "$((SECS + 1))" \
		>/dev/null 2>&1 &
	PERF_PID=$!
}
profile_stop() {
	[ -n "$PERF_PID" ] || return 0
	wait "$PERF_PID" 2>/dev/null
	PERF_PID=
}

# napi_to_cpu1 NS DEV (E2E_NAPI_CPU1=1 only): DEV's NAPI (what receives
# the generator's frames, and with XDP on DEV runs the program) in a
# kernel thread of its own, pinned to CPU 1 with the rest of the path.
# On veth the NAPI of frames redirected into it runs on the CPU that sent
# them, the generator's, and RPS moves only what comes out of it: by
# default the fast path row's XDP (and the XDP_PASS row's, and every
# row's GRO on DEV) run beside the generator on CPU 0.  Before every
# run: XDP or GRO switched on DEV makes its NAPI (and its thread) anew.
napi_to_cpu1() {
	local pid n=0

	[ "${E2E_NAPI_CPU1:-0}" = 1 ] || return 0
	ns_exec "$1" sh -c "echo 1 >/sys/class/net/$2/threaded" || return 1
	for pid in $(pgrep "^napi/$2-"); do
		taskset -pc 1 "$pid" >/dev/null || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { log "no NAPI thread of $2"; return 1; }
}

# frames NAME [RATE]: the row's UDP frames from the LAN host (gen), all
# the generator can or RATE pps
frames() {
	napi_to_cpu1 "$LAB_NS_CE" "$LAB_IF_CE_LAN" || return 1
	gen --flows "${E2E_FLOWS:-1}" --gen-ns "$LAB_NS_LAN" --gen-dev "$LAB_IF_LAN" \
		--dst-mac "$CE_MAC" --src "$LAB_LAN_IP:40000" --dst "$LAB_INET_IP:9" \
		--sink-ns "$LAB_NS_INET" --sink-dev "$LAB_IF_INET" ${2:+--rate "$2"} ||
		{ log "$1: trafficgen failed"; return 1; }
}

# judge GEN_JSON: a run's offered and delivered pps (whole) and whether
# it lost at most PDR_LOSS of what it offered ("pass" or "fail")
PDR_LOSS=0.005
judge() {
	python3 -c '
import json, sys
p = json.loads(sys.argv[1])
ok = p["delivered"] >= p["offered"] * (1 - float(sys.argv[2]))
print(int(p["offered_pps"]), int(p["delivered_pps"]), "pass" if ok else "fail")' "$1" "$PDR_LOSS"
}

# throughput ALL_OUT FRAMES ARG: the throughput search (the header's
# "Throughput") of what `FRAMES ARG [RATE]` sends (frames NAME,
# inbound_frames BR_MAC); ALL_OUT: the JSON of its all-out run.  A JSON
# object: the loss allowed, the trials ([rate asked, offered pps,
# delivered pps]), the delivered pps of the highest that passed (null:
# none did), or of the all-out run when that passed (generator_bound),
# and the confirmation (the highest passing rate again for SECS: [rate,
# offered, delivered], or null)
throughput() {
	local all_out=$1 frames=$2 arg=$3 lo=0 hi step=0 rate out off del verdict
	local best=null trials="" bound=false confirm=null
	read -r hi del verdict <<<"$(judge "$all_out")" && [ -n "$verdict" ] || return 1
	if [ "$verdict" = pass ]; then
		bound=true
		best=$del
	fi
	while [ "$bound" = false ] && [ "$step" -lt "${E2E_PDR_STEPS:-7}" ]; do
		step=$((step + 1))
		rate=$(((lo + hi) / 2))
		[ "$rate" -gt 0 ] || break
		out=$(GEN_SECS=${E2E_PDR_SECONDS:-2} "$frames" "$arg" "$rate") &&
			read -r off del verdict <<<"$(judge "$out")" && [ -n "$verdict" ] || return 1
		trials+="${trials:+,}[$rate,$off,$del]"
		if [ "$verdict" = pass ]; then
			lo=$rate
			best=$del
		else
			hi=$rate
		fi
	done
	if [ "$bound" = false ] && [ "$lo" -gt 0 ]; then
		out=$("$frames" "$arg" "$lo") && read -r off del verdict <<<"$(judge "$out")" &&
			[ -n "$verdict" ] || return 1
		confirm="[$lo,$off,$del]"
	fi
	echo "{\"loss\":$PDR_LOSS,\"pps\":$best,\"generator_bound\":$bound,\"trials\":[$trials],\"confirm\":$confirm}"
}

# stats_of CMD...: run CMD (its output dropped) with bpf_stats on: the
# programs' ns per run over it (bpf_ns), or {} when bpf_stats is not there
stats_of() {
	local was before out="{}" rc=0
	was=$(sysctl -n kernel.bpf_stats_enabled)
	if ! sysctl -qw kernel.bpf_stats_enabled=1 || ! before=$(prog_stats); then
		log "no bpf_stats"
	elif "$@" >/dev/null; then
		out=$(bpf_ns "$before" "$(prog_stats)") || out="{}"
	else
		rc=1
	fi
	sysctl -qw kernel.bpf_stats_enabled="$was"
	echo "$out"
	return $rc
}

rows=()
# row NAME XDP_NOTE [stats]: measure packets and TCP and append a JSON row;
# stats: then the BPF programs' cost on the UDP frames and on TCP x1
# (bpf_stats; on TCP a run is an skb, GSO ones included, or an ACK), each
# over a run of its own: bpf_stats reads the clock twice a program run
# (pvclock in the CI's VM: E2E_PERF put 290 ns of a mapce row's packet in
# those reads), which the rows without mapce would not pay
row() {
	local name=$1 note=$2 pkt pdr tcp1 tcp8 bpf="{}" bpf_tcp="{}" trivial="{}"
	ns_wait 10 ns_exec "$LAB_NS_LAN" ping -c1 -W1 "$LAB_INET_IP" >/dev/null ||
		{ log "$name: the LAN host cannot reach $LAB_INET_IP"; return 1; }
	profile_start "$name"
	pkt=$(frames "$name") || { profile_stop; return 1; }
	profile_stop
	pdr=$(throughput "$pkt" frames "$name") || { log "$name: throughput search failed"; return 1; }
	tcp1=$(iperf "$name" 1) || return 1
	tcp8=$(iperf "$name" 8) || return 1
	if [ "${3:-}" = stats ]; then
		bpf=$(stats_of frames "$name") || return 1
		bpf_tcp=$(stats_of iperf "$name" 1) || return 1
	fi
	if [ "${3:-}" = trivial ]; then
		# the trivial programs' bpf_stats on the same frames: the XDP_PASS
		# ones there, and a TC_ACT_OK one on the CE's WAN egress (where
		# mapce's TC egress runs) for this run only
		"$TGEN" tc-pass "$LAB_NS_CE" "$LAB_IF_WAN" || return 1
		trivial=$(stats_of frames "$name") || return 1
		ns_exec "$LAB_NS_CE" tc qdisc del dev "$LAB_IF_WAN" clsact || return 1
	fi
	rows+=("{\"row\":\"$name\",\"xdp\":\"$note\",\"packets\":$pkt,\"throughput\":$pdr,\"tcp1_bps\":$tcp1,\"tcp8_bps\":$tcp8,\"bpf_ns\":$bpf,\"bpf_tcp1_ns\":$bpf_tcp,\"trivial_ns\":$trivial}")
}

# iperf NAME STREAMS: received bits per second
iperf() {
	local out
	out=$(ns_exec_t $((SECS + 20)) "$LAB_NS_LAN" iperf3 -c "$LAB_INET_IP" -p "$IPERF_PORT" \
		-t "$SECS" -P "$2" -J) || { log "$1: iperf3 -P $2 failed"; return 1; }
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))' \
		<<<"$out"
}

plain_ipv4() {
	ns_forwarding "$LAB_NS_ISP" 4 &&
	ns_addr "$LAB_NS_CE" "$LAB_IF_WAN" "$CE_ISP4/30" &&
	ns_ip "$LAB_NS_CE" route add default via "$ISP_CE4" &&
	ns_addr "$LAB_NS_ISP" "$LAB_IF_ISP_CE" "$ISP_CE4/30" &&
	ns_addr "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$ISP_BR4/30" &&
	ns_ip "$LAB_NS_ISP" route add 192.0.2.0/24 via "$CE_ISP4" &&
	ns_ip "$LAB_NS_ISP" route add 203.0.113.0/24 via "$BR_ISP4" &&
	ns_addr "$LAB_NS_BR" "$LAB_IF_BR_WAN" "$BR_ISP4/30" &&
	ns_ip "$LAB_NS_BR" route add 192.0.2.0/24 via "$ISP_BR4" &&
	ns_ip "$LAB_NS_BR" route add "${CE_ISP4%.*}.248/30" via "$ISP_BR4" &&
	"$TGEN" xdp-pass "$LAB_NS_CE" "$LAB_IF_WAN" &&
	"$TGEN" xdp-pass "$LAB_NS_BR" "$LAB_IF_BR_WAN"
}

masquerade() {
	ns_exec "$LAB_NS_CE" nft -f - <<EOF
table ip mapce_bench {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "$LAB_IF_WAN" masquerade
	}
}
EOF
}

fail=0
row "mapce" "mapce XDP on CE WAN and BR" stats || fail=1
in_fig=$(inbound) || { in_fig="{}"; fail=1; }
lab_ce_down >/dev/null || { log "mapce down failed"; exit 1; }
LAB_FASTPATH=on
ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_CE" on gro && ns_offload "$LAB_NS_LAN" "$LAB_IF_LAN" on gro &&
	lab_ce_up || { log "mapce up --fastpath failed: $LAB_CE_STATE"; exit 1; }
row "mapce + fastpath" "mapce XDP on CE WAN, LAN and BR; GRO on ISP-CE, LAN host" stats || fail=1
in_fig_fp=$(inbound) || { in_fig_fp="{}"; fail=1; }
lab_ce_down >/dev/null && lab_br_down >/dev/null || { log "mapce down failed"; exit 1; }
ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_CE" off gro && ns_offload "$LAB_NS_LAN" "$LAB_IF_LAN" off gro ||
	{ log "GRO off again failed"; exit 1; }
plain_ipv4 || { log "plain IPv4 set-up failed"; exit 1; }
row "kernel routing" "XDP_PASS on CE WAN and BR" || fail=1
masquerade || { log "nft masquerade set-up failed"; exit 1; }
row "nft masquerade" "XDP_PASS on CE WAN and BR" || fail=1
ns_exec "$LAB_NS_CE" nft delete table ip mapce_bench &&
	"$TGEN" xdp-pass "$LAB_NS_CE" "$LAB_IF_CE_LAN" &&
	ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_CE" on gro && ns_offload "$LAB_NS_LAN" "$LAB_IF_LAN" on gro ||
	{ log "routing with XDP on the LAN side: set-up failed"; exit 1; }
row "routing, LAN XDP" "XDP_PASS on CE WAN, LAN and BR; GRO on ISP-CE, LAN host" trivial || fail=1

# the table (or JSON): ratios against kernel routing of this run
# where the rows ran: the knobs above that move work between the cores
placement="generator CPU 0, path CPU 1"
[ "${E2E_NAPI_CPU1:-0}" = 1 ] && placement+="; E2E_NAPI_CPU1=1: the CE LAN side's NAPI on CPU 1"
[ -n "${E2E_ISP_RPS:-}" ] && placement+="; E2E_ISP_RPS=$E2E_ISP_RPS: the ISP's end of the CE link to those CPUs"
{
	echo "{\"seconds\":$SECS,\"placement\":\"$placement\",\"inbound\":$in_fig,\"inbound_fastpath\":$in_fig_fp,\"rows\":["
	(IFS=,; echo "${rows[*]}")
	echo "]}"
} | python3 -c '
import json, sys
d = json.load(sys.stdin)
base = next((r for r in d["rows"] if r["row"] == "kernel routing"), None)
same = next((r for r in d["rows"] if r["row"] == "routing, LAN XDP"), None)
# the trivial programs of each type on the same frames (that row), for
# net figures: the ns per run of a program minus the trivial one of its type
triv = (same or {}).get("trivial_ns") or {}
ttypes = triv.get("types", {})
trivial = {ttypes[n]: v for n, v in triv.items() if n != "types" and n in ttypes}
def split(b):
    """a bpf_ns object: its figures, and the same net of the trivial program"""
    types = b.get("types", {})
    raw = {n: v for n, v in b.items() if n != "types"}
    net = {n: round(v - trivial[types[n]], 1) for n, v in raw.items()
           if types.get(n) in trivial}
    return raw, net
for r in d["rows"] + [d.get("inbound") or {}, d.get("inbound_fastpath") or {}]:
    for key in ("bpf_ns", "bpf_tcp1_ns"):
        if r.get(key):
            r[key], r[key.replace("_ns", "_net_ns")] = split(r[key])
for r in d["rows"]:
    if base:
        r["pps_vs_routing"] = round(r["packets"]["delivered_pps"] / max(1, base["packets"]["delivered_pps"]), 2)
        r["tcp1_vs_routing"] = round(r["tcp1_bps"] / max(1, base["tcp1_bps"]), 2)
        t, bt = r.get("throughput") or {}, base.get("throughput") or {}
        if t.get("pps") and bt.get("pps"):
            t["vs_routing"] = round(t["pps"] / bt["pps"], 2)
    # TCP against routing under the same XDP conditions: XDP on the LAN
    # side takes GSO from the LAN host there too
    if same and "fastpath" in r["row"]:
        r["tcp1_vs_same_xdp"] = round(r["tcp1_bps"] / max(1, same["tcp1_bps"]), 2)
        r["tcp8_vs_same_xdp"] = round(r["tcp8_bps"] / max(1, same["tcp8_bps"]), 2)
if sys.argv[1] == "1":
    print(json.dumps(d)); sys.exit(0)
print("end to end, lab topology: %d s per figure, 64-byte UDP frames (%s), iperf3 TCP" % (d["seconds"], d["placement"]))
print("%-18s %12s %12s %7s %10s %10s %7s  %s" % ("row", "offered pps", "deliv. pps", "vs rt", "TCP x1", "TCP x8", "vs rt", "XDP"))
for r in d["rows"]:
    if "missing" in r:
        print("%-18s %s" % (r["row"], r["missing"])); continue
    p = r["packets"]
    print("%-18s %12.0f %12.0f %6.2fx %7.2f Gb %7.2f Gb %6.2fx  %s" % (r["row"], p["offered_pps"], p["delivered_pps"],
          r.get("pps_vs_routing", 0), r["tcp1_bps"] / 1e9, r["tcp8_bps"] / 1e9, r.get("tcp1_vs_routing", 0), r["xdp"]))
print("throughput (RFC 2544; lost <= %.1f%%: the partial drop rate of FD.io CSIT): offered rate searched, paced" %
      (100 * float(next((r["throughput"]["loss"] for r in d["rows"] if r.get("throughput")), 0))))
print("%-18s %12s %7s  %s" % ("row", "deliv. pps", "vs rt", "trials: offered -> delivered (k pps)"))
def tried(t):
    if t["generator_bound"]:
        return "the all-out run passed: the ceiling of the generator"
    out = " ".join("%.0f->%.0f" % (o / 1e3, dl / 1e3) for a, o, dl in t["trials"])
    if t.get("confirm"):
        a, o, dl = t["confirm"]
        out += "; %d s at it: lost %.2f%%" % (d["seconds"], 100.0 * (o - dl) / max(1, o))
    return out
def found(t):
    return "%.0f" % t["pps"] if t["pps"] else "none passed"
for r in d["rows"]:
    t = r.get("throughput")
    if t:
        print("%-18s %12s %7s  %s" % (r["row"], found(t), "%.2fx" % t["vs_routing"] if "vs_routing" in t else "-",
                                      tried(t)))
for r in d["rows"]:
    if "tcp1_vs_same_xdp" in r:
        print("%s: TCP x1 %.2fx, x8 %.2fx routing, LAN XDP (the same XDP conditions)" %
              (r["row"], r["tcp1_vs_same_xdp"], r["tcp8_vs_same_xdp"]))
inb = (("mapce", d.get("inbound") or {}), ("mapce + fastpath", d.get("inbound_fastpath") or {}))
for what, i in inb:
    if i.get("packets"):
        print("%s inbound (internet host -> port forward -> LAN host): offered %.0f pps, delivered %.0f pps" %
              (what, i["packets"]["offered_pps"], i["packets"]["delivered_pps"]))
        if i.get("throughput"):
            print("  throughput %s pps; trials: %s" % (found(i["throughput"]), tried(i["throughput"])))
def figures(b, net):
    return ", ".join("%s %.0f%s" % (n, v, " (net %.0f)" % net[n] if n in net else "")
                     for n, v in sorted(b.items()))
if trivial:
    print("trivial programs on the same frames (routing, LAN XDP; bpf_stats): %s" %
          ", ".join("%s %.0f" % kv for kv in sorted(trivial.items())))
    print("  net: the ns per run of a program minus the trivial one of its type")
for what, i in inb:
    if i.get("packets") and i.get("bpf_ns"):
        print("%s inbound: BPF ns per run (bpf_stats): %s" % (what, figures(i["bpf_ns"], i.get("bpf_net_ns", {}))))
for r in d["rows"]:
    for key, what in (("bpf_ns", "the UDP frames"), ("bpf_tcp1_ns", "TCP x1")):
        if r.get(key):
            print("%s: BPF ns per run on %s (bpf_stats): %s" %
                  (r["row"], what, figures(r[key], r.get(key.replace("_ns", "_net_ns"), {}))))
' "$JSON" || fail=1
lab_down
exit $fail
