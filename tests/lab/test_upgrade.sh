#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Upgrade without loss (tests/lab/lib/lab.sh): `mapce up` of another build
# of this tree on a CE that runs, under live traffic.  Two more builds are
# made into OUTPUT/upgrade-* (kept between runs: make rebuilds only what
# changed):
#   next  -DMAPCE_BUILD_VARIANT=1: other program bytes (and tags), the same
#         behaviour and map layout
#   bump  -DMAPCE_TEST_LAYOUT_BUMP (BPF and userspace): mapce_hosts' value
#         grows and MAPCE_LAYOUT_VERSION is 2
# The CE runs from a config file with one port forward; the traffic: an
# outbound TCP echo stream (LAN -> internet), an inbound one through the
# forward (internet -> 198.51.100.18:FWD -> LAN) and an outbound UDP echo
# stream (every datagram echoed or counted lost).
#
#   upgrade_builds          the two builds exist
#   upgrade_same_build      up of the running build: "already up", no
#                           program replaced
#   upgrade_replaces        next's up: exit 0, says "programs replaced";
#                           the three programs have new ids and tags (next's,
#                           not the old ones), every pinned map the same id
#                           (state kept), the layout record version 1; the
#                           TCP streams never fail and echo on, the UDP
#                           stream loses nothing, the TCP flow keeps its
#                           outside port, the forward is still listed, the
#                           encap/decap counters continue from where they
#                           were (never reset)
#   upgrade_back            this build's up again: its own tags back, the
#                           streams echo on
#   upgrade_layout_refused  bump's up: exit 1, the message names
#                           mapce_hosts' value size, the layout versions
#                           and the down command; nothing changed (program
#                           and map ids, the layout record); the streams
#                           echo on through the old programs
#   upgrade_teardown        the lab leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1} # (the HTTP file is not used here)
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

ALL=(upgrade_builds upgrade_same_build upgrade_replaces upgrade_back upgrade_layout_refused)
T=60
WAIT=${UPGRADE_WAIT:-10} # seconds a stream gets to echo on
# seconds the streams live: past the two builds and every case even on a
# loaded machine (a full run once took 354 s, and 300 s streams stopped
# before the last case)
STREAM_LIFE=1200
FWD=4930 FWD_IN=8022     # outside port (in the set) -> the LAN's echo server
OUT=${OUTPUT:-build}
NEXT_OUT=$OUT/upgrade-next
BUMP_OUT=$OUT/upgrade-bump

# build OUTDIR FLAGS...: mapce of this tree into OUTDIR with more flags
# (outside any make that runs this test: no jobserver of its).
build() {
	local dir=$1
	shift
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s --no-print-directory -j2 \
		OUTPUT="$dir" "$@" "$dir/mapce" >"$LAB_DIR/build.log" 2>&1
}

LAB_START_CE=0
lab_test_up
lab_need
case $LAB_NEED in
"" | *"CE not started"*) ;;
*)
	t_skip_all "$LAB_NEED" "${ALL[@]}"
	lab_teardown_case upgrade_teardown
	t_exit
	exit
	;;
esac
trap 'ns_stop out_tcp; ns_stop in_tcp; ns_stop out_udp; ns_stop fwd_srv; lab_down' EXIT

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
PIN=$LAB_CE_PIN
CONF=$LAB_DIR/ce.conf
{
	echo "# mapce lab CE (tests/lab/test_upgrade.sh)"
	echo "wan $LAB_IF_WAN"
	lab_rule_config
	echo "portmap tcp $FWD $LAB_LAN_IP:$FWD_IN"
} >"$CONF"

# progs: "XDP_ID EGRESS_ID INGRESS_ID" of the attached programs.
progs() {
	ce "$MAPCE" -j status --wan "$LAB_IF_WAN" >"$LAB_DIR/st" 2>&1 &&
		js "$LAB_DIR/st" "'%s %s %s' % (w['xdp']['prog_id'], w['tc']['prog_id'], w['tc_ingress']['prog_id'])"
}
# tags IDS...: the tags of program ids, space separated.
tags() {
	local id
	for id in "$@"; do
		bpftool -j prog show id "$id" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["tag"])' ||
			echo "?"
	done | tr '\n' ' '
}
# map_ids: "name=id" of every pinned map of the CE, sorted.
map_ids() {
	local f
	for f in "$PIN"/*; do
		echo "$(basename "$f")=$(bpftool -j map show pinned "$f" 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
	done | sort | tr '\n' ' '
}
# record: the layout record (version hash) pinned.
record() {
	bpftool -j map lookup pinned "$PIN/mapce_layout" key 0 0 0 0 2>/dev/null | python3 -c '
import json, sys
v = bytes(int(b, 16) for b in json.load(sys.stdin)["value"])
print(int.from_bytes(v[0:4], "little"), int.from_bytes(v[8:16], "little"))'
}
# counter NAME: the packets of a reason of `mapce stats`.
counter() {
	ce "$MAPCE" -j stats --wan "$LAB_IF_WAN" >"$LAB_DIR/stats" 2>&1 &&
		js "$LAB_DIR/stats" "d['reasons']['$1']['packets']"
}
stream_get() { js "$LAB_DIR/$1.state" "d['$2']"; }
test_echoed_above() { [ "$(stream_get "$1" echoed)" -gt "$2" ] 2>/dev/null; }
# streams_move N: every stream echoed N more times (bounded) and none
# failed; t_why for each that did not.
streams_move() {
	local s from
	for s in out_tcp in_tcp out_udp; do
		from=$(stream_get $s echoed)
		ns_wait "$WAIT" test_echoed_above $s "$((${from:-0} + $1 - 1))" ||
			t_why "$s stopped echoing at ${from:-?}"
		[ "$(stream_get $s error)" = None ] || t_why "$s: $(stream_get $s error)"
	done
}
# tcp_outside: the outside ip:port of the outbound TCP stream's flow.
tcp_outside() {
	ce "$MAPCE" -j flows --wan "$LAB_IF_WAN" >"$LAB_DIR/fl" 2>&1 &&
		js "$LAB_DIR/fl" "[f['outside'] for f in d['flows'] if f['proto'] == 'tcp' and f['inside_port'] == $(stream_get out_tcp local_port)][0]"
}
# forward_installed: the forward is in the pinned maps (portmap list).
forward_installed() {
	ce "$MAPCE" -j portmap list --wan "$LAB_IF_WAN" >"$LAB_DIR/pm" 2>&1 &&
		[ "$(js "$LAB_DIR/pm" "any(f['outside_port'] == $FWD and f['installed'] for f in d['forwards'])")" = True ]
}

# ---- the CE and the traffic --------------------------------------------
if ! ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/up.out" 2>&1; then
	t_skip_all "mapce up failed: $(head -c 300 "$LAB_DIR/up.out")" "${ALL[@]}"
	lab_teardown_case upgrade_teardown
	t_exit
	exit
fi
mapce_track ce "$LAB_NS_CE" "$LAB_IF_WAN"
ns_serve fwd_srv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
	--listen "$LAB_LAN_IP:$FWD_IN" --log "$LAB_DIR/fwd.log" &&
	ns_serve out_tcp "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" \
		--to "$LAB_INET_IP:$LAB_TCP_PORT" --state "$LAB_DIR/out_tcp.state" --lifetime "$STREAM_LIFE" &&
	ns_serve in_tcp "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" \
		--to "$LAB_MAP_IPV4:$FWD" --state "$LAB_DIR/in_tcp.state" --lifetime "$STREAM_LIFE" &&
	ns_serve out_udp "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" --udp --interval 0.05 \
		--to "$LAB_INET_IP:$LAB_UDP_PORT" --state "$LAB_DIR/out_udp.state" --lifetime "$STREAM_LIFE" ||
	{
		t_skip_all "the streams did not start" "${ALL[@]}"
		lab_teardown_case upgrade_teardown
		t_exit
		exit
	}

# ---- upgrade_builds ------------------------------------------------------
t_begin upgrade_builds
t0=$SECONDS
build "$NEXT_OUT" EXTRA_BPF_CFLAGS=-DMAPCE_BUILD_VARIANT=1 ||
	t_why "the next build failed: $(tail -n 5 "$LAB_DIR/build.log")"
build "$BUMP_OUT" EXTRA_BPF_CFLAGS=-DMAPCE_TEST_LAYOUT_BUMP EXTRA_CFLAGS=-DMAPCE_TEST_LAYOUT_BUMP ||
	t_why "the bump build failed: $(tail -n 5 "$LAB_DIR/build.log")"
NEXT=$PWD/$NEXT_OUT/mapce BUMP=$PWD/$BUMP_OUT/mapce
case $OUT in /*) NEXT=$NEXT_OUT/mapce BUMP=$BUMP_OUT/mapce ;; esac
[ -x "$NEXT" ] && [ -x "$BUMP" ] || t_why "no $NEXT or $BUMP"
t_note "built in $((SECONDS - t0))s"
t_end
if [ ! -x "$NEXT" ] || [ ! -x "$BUMP" ]; then
	for c in "${ALL[@]:1}"; do t_skip "$c" "the builds failed"; done
	lab_teardown_case upgrade_teardown
	t_exit
	exit
fi

# ---- upgrade_same_build -------------------------------------------------
t_begin upgrade_same_build
streams_move 3
ids0=$(progs)
ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/out" 2>&1 || t_why "up exited $?: $(head -c 300 "$LAB_DIR/out")"
grep -q "already up on $LAB_IF_WAN" "$LAB_DIR/out" || t_why "no 'already up': $(head -c 300 "$LAB_DIR/out")"
! grep -q "replaced" "$LAB_DIR/out" || t_why "the same build replaced programs: $(head -c 300 "$LAB_DIR/out")"
[ "$(progs)" = "$ids0" ] || t_why "program ids $ids0 -> $(progs)"
rec0=$(record)
[ "${rec0%% *}" = 1 ] || t_why "layout record '$rec0', expected version 1"
t_end

# ---- upgrade_replaces -----------------------------------------------------
t_begin upgrade_replaces
read -r -a ids0 <<<"$(progs)"
tags0=$(tags "${ids0[@]}")
maps0=$(map_ids)
outside0=$(tcp_outside)
encap0=$(counter encap) decap0=$(counter decap)
lost0=$(stream_get out_udp lost) udp0=$(stream_get out_udp echoed)
t_note "before: programs ${ids0[*]} tags $tags0, outbound TCP via $outside0, encap $encap0 decap $decap0"
t0=$(date +%s.%N)
ce "$NEXT" up --config "$CONF" >"$LAB_DIR/out" 2>&1 || t_why "next's up exited $?: $(head -c 400 "$LAB_DIR/out")"
t_note "next's up took $(python3 -c 'import sys, time; print(round(time.time() - float(sys.argv[1]), 2))' "$t0")s"
grep -q "$LAB_IF_WAN: programs replaced by this build's (XDP, tc egress, tc ingress)" "$LAB_DIR/out" ||
	t_why "no 'programs replaced': $(head -c 400 "$LAB_DIR/out")"
read -r -a ids1 <<<"$(progs)"
tags1=$(tags "${ids1[@]}")
t_note "after: programs ${ids1[*]} tags $tags1"
for i in 0 1 2; do
	[ -n "${ids1[i]:-}" ] && [ "${ids1[i]}" != "${ids0[i]}" ] || t_why "program $i: id ${ids0[i]} -> ${ids1[i]:-none}"
	[ "$(cut -d' ' -f$((i + 1)) <<<"$tags1")" != "$(cut -d' ' -f$((i + 1)) <<<"$tags0")" ] ||
		t_why "program $i: the same tag after the replacement"
done
grep -q '?' <<<"$tags0$tags1" && t_why "a tag could not be read: $tags0 / $tags1"
[ "$(map_ids)" = "$maps0" ] || t_why "pinned maps changed: $maps0 -> $(map_ids)"
[ "$(record)" = "$rec0" ] || t_why "layout record $rec0 -> $(record)"
streams_move 5
[ "$(tcp_outside)" = "$outside0" ] || t_why "the TCP flow went from $outside0 to $(tcp_outside)"
forward_installed || t_why "the forward is no longer installed"
[ "$(stream_get out_udp lost)" = "$lost0" ] ||
	t_why "UDP datagrams lost across the upgrade: $lost0 -> $(stream_get out_udp lost)"
encap1=$(counter encap) decap1=$(counter decap)
[ "${encap1:-0}" -gt "${encap0:-0}" ] && [ "${decap1:-0}" -gt "${decap0:-0}" ] ||
	t_why "counters did not continue: encap $encap0 -> $encap1, decap $decap0 -> $decap1"
t_note "encap $encap0 -> $encap1, decap $decap0 -> $decap1, UDP echoed $udp0 -> $(stream_get out_udp echoed), lost $lost0 -> $(stream_get out_udp lost)"
t_end

# ---- upgrade_back ---------------------------------------------------------
t_begin upgrade_back
ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/out" 2>&1 || t_why "up exited $?: $(head -c 400 "$LAB_DIR/out")"
grep -q "programs replaced" "$LAB_DIR/out" || t_why "no 'programs replaced': $(head -c 300 "$LAB_DIR/out")"
read -r -a ids2 <<<"$(progs)"
[ "$(tags "${ids2[@]}")" = "$tags0" ] || t_why "tags $(tags "${ids2[@]}"), expected this build's $tags0"
[ "$(map_ids)" = "$maps0" ] || t_why "pinned maps changed: $maps0 -> $(map_ids)"
streams_move 3
t_end

# ---- upgrade_layout_refused ----------------------------------------------
t_begin upgrade_layout_refused
ids2=$(progs)
ce "$BUMP" up --config "$CONF" >"$LAB_DIR/out" 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 1 ] || t_why "bump's up exited $rc"
err=$(tr '\n' ' ' <"$LAB_DIR/err")
for want in "the maps pinned in $PIN have another layout than this build's" \
	"layout version 1 pinned, 2 in this build" "mapce_hosts: value size 16 pinned, 24 in this build" \
	"'mapce down --wan $LAB_IF_WAN' first"; do
	grep -qF -- "$want" <<<"$err" || t_why "the message lacks '$want': $err"
done
t_note "refused: $(head -c 400 <<<"$err")"
[ "$(progs)" = "$ids2" ] || t_why "programs changed: $ids2 -> $(progs)"
[ "$(map_ids)" = "$maps0" ] || t_why "pinned maps changed: $maps0 -> $(map_ids)"
[ "$(record)" = "$rec0" ] || t_why "layout record $rec0 -> $(record)"
streams_move 3
[ "$(tcp_outside)" = "$outside0" ] || t_why "the TCP flow went from $outside0 to $(tcp_outside)"
forward_installed || t_why "the forward is no longer installed"
t_end

ns_stop out_tcp
ns_stop in_tcp
ns_stop out_udp
ns_stop fwd_srv
lab_teardown_case upgrade_teardown
t_exit
