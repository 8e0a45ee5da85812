#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# mapce run on the lab's CE (tests/lab/lib/lab.sh; the CE started by the
# test, not by the lab): it keeps the CE in line while the line changes
# under live traffic.  Each case is bounded (RUN_WAIT seconds for what it
# waits on); "took Ns" notes say how long the CE needed.
#
#   run_cli                    -h, an unknown option, a bad interface name,
#                              a bad config file: the CLI contract of every
#                              command (exit 0 / 2 / 2 / 1), nothing started
#   run_starts                 run in the background: up within seconds,
#                              the pid file names it, status shows it, the
#                              LAN reaches the internet
#   run_second_refused         a second run on the WAN exits 1 naming the
#                              first one's pid; the first runs on
#   run_sighup_in_place        filtering, a timeout and a port forward
#                              changed in the file, SIGHUP: applied in place,
#                              the live TCP and UDP flows keep their
#                              bindings and echo on
#   run_sighup_bad_file        a broken line, SIGHUP: refused with FILE:LINE
#                              in the log, the running state unchanged
#   run_link_flap              the WAN down and up (its address and IPv6
#                              route given back as the ISP's RA would): the
#                              MAP address and the IPv4 route put back, the
#                              TCP connection and its binding survive
#   run_kill9_takeover         run killed with -9, run again (with -j): it
#                              takes the pinned state over, the live TCP
#                              connection keeps echoing
#   run_takeover_forward_held  the file gains a forward on the port the live
#                              TCP flow's mapping holds, run killed with -9,
#                              run again: it takes the CE over (start), says
#                              the held port once as an error event and in
#                              systemd's STATUS= (no exit, nothing changed:
#                              the flow echoes on its binding, the forward
#                              not installed)
#   run_held_forward_rest_applies  while that forward is held, the rest of
#                              a pass applies: a link flap is repaired, a
#                              SIGHUP's new timeout applied, the refusal
#                              not said again; the line taken out, SIGHUP:
#                              reloaded, STATUS= without the error
#   run_held_forward_installed_when_free  a forward on the port of a UDP
#                              mapping that nothing refreshes (5 s timeout):
#                              refused, then installed by run by itself
#                              once the mapping expired (at the latest at
#                              the 30 s check), said as an event
#   run_prefix_change          the WAN's prefix replaced under a UDP stream:
#                              new IPv4 and MAP address in status, the
#                              stream echoes again from the new address, old
#                              bindings gone, no old address or route left,
#                              the forward outside the new set left out
#   run_sigterm_down           SIGTERM (twice): exit 0, nothing of mapce left
#   up_repairs_after_flap      without run: a flap leaves status saying
#                              what is missing, `up` puts it back
#   run_exits_on_down          run takes over the CE `up` brought up;
#                              `mapce down` meanwhile: run exits 0
#   run_prefix_from            DHCPv6-PD style: the delegated prefix lives
#                              on a LAN interface (--prefix-from), the ISP
#                              routes it to the CE's WAN address; run uses
#                              it, and follows it when the LAN's prefix is
#                              replaced
#   run_teardown               the lab leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

ALL_CASES=(run_cli run_starts run_second_refused run_sighup_in_place run_sighup_bad_file run_link_flap
	run_kill9_takeover run_takeover_forward_held run_held_forward_rest_applies
	run_held_forward_installed_when_free run_prefix_change run_sigterm_down up_repairs_after_flap
	run_exits_on_down run_prefix_from run_teardown)
RUN_WAIT=${RUN_WAIT:-10} # seconds a case waits for the CE to follow
T=60

run_lab_up "${ALL_CASES[@]}"

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
PIDFILE=$(mapce_run_dir "$LAB_NS_CE")/$LAB_IF_WAN.pid
CONF=$LAB_DIR/run.conf
RUNLOG=$LAB_DIR/run.log # every run's stderr, appended
NEW_PREFIX=2001:db8:56:5600::/56
NEW_WAN_IP6=2001:db8:56:5600::1
NEW_ISP_IP6=2001:db8:56:5600::ffff
NEW_MAP_IPV4=198.51.100.86
NEW_MAP_IPV6=2001:db8:56:5600:c6:3364:5600:5600
RUN_PID=
NOTIFY_PID= # notify_listen.py: systemd's notification socket for run3

{
	echo "# mapce run in the lab (tests/lab/test_lab_run.sh)"
	echo "wan $LAB_IF_WAN"
	lab_rule_config
} >"$CONF"
cp "$CONF" "$CONF.base"

# run_start OUT [ARGS...]: `mapce run --config CONF ARGS` in the CE in the
# background (bounded by timeout), stdout to OUT; RUN_PID is that
# process (timeout's, which passes signals on), RUN_MAPCE_PID mapce's own
# once its pid file names it.
run_start() {
	local out=$1
	shift
	nsenter --net="/run/netns/$LAB_NS_CE" timeout -s TERM 600 "$MAPCE" run \
		--config "$CONF" "$@" </dev/null >"$out" 2>>"$RUNLOG" {NS_LOCK_FD}>&- &
	RUN_PID=$!
}

# run_wait_pid: the pid file names a live mapce other than OLD ($1).
run_pidfile_new() {
	local p
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ -n "$p" ] && [ "$p" != "${1:-}" ] && kill -0 "$p" 2>/dev/null || return 1
	RUN_MAPCE_PID=$p
}

# kill9_rerun OUT: the running run killed with -9, another started (-j,
# stdout to OUT); it takes the pid file over (bounded).
kill9_rerun() {
	local old_pid=$RUN_MAPCE_PID

	kill -KILL "$old_pid"
	wait "$RUN_PID" 2>/dev/null
	run_start "$1" -j
	ns_wait "$RUN_WAIT" run_pidfile_new "$old_pid"
}

cleanup() {
	[ -n "$NOTIFY_PID" ] && kill "$NOTIFY_PID" 2>/dev/null
	run_stop
	ns_stop tcpstream
	ns_stop udpstream
	lab_down
}
trap cleanup EXIT

# status_json FILE: `mapce status -j` of the WAN.
status_json() { ce "$MAPCE" -j status --wan "$LAB_IF_WAN" >"$1" 2>&1; }
flows_json() { ce "$MAPCE" -j flows --wan "$LAB_IF_WAN" >"$1" 2>&1; }

# status_is EXPR: the WAN's status satisfies EXPR (python, w bound).
status_is() {
	status_json "$LAB_DIR/st" && [ "$(js "$LAB_DIR/st" "bool($1)")" = True ]
}

# stream_get NAME KEY: a value of an echo stream's state.
stream_get() { js "$LAB_DIR/$1.state" "d['$2']"; }
# stream_moves NAME N: the stream echoed at least N more times (bounded).
stream_moves() {
	local from
	from=$(stream_get "$1" echoed)
	ns_wait "$RUN_WAIT" test_echoed_above "$1" "$((from + $2 - 1))"
}
test_echoed_above() { [ "$(stream_get "$1" echoed)" -gt "$2" ] 2>/dev/null; }

lan_ping() { ns_exec_t 5 "$LAB_NS_LAN" ping -c1 -W1 "$LAB_INET_IP" >/dev/null 2>&1; }

# the TCP flow of the tcp stream (its outside ip:port), from flows -j
tcp_flow_outside() {
	flows_json "$LAB_DIR/fl" &&
		js "$LAB_DIR/fl" "[f['outside'] for f in d['flows'] if f['proto'] == 'tcp' and f['inside_port'] == $(stream_get tcpstream local_port)][0]"
}

# wan_restore ADDR GW: what the ISP's RA gives back after a flap (the lab
# has none): the WAN's /64 and the IPv6 default route.
wan_restore() {
	ce ip -6 addr replace "$1/64" dev "$LAB_IF_WAN" nodad &&
		ce ip -6 route replace default via "$2" dev "$LAB_IF_WAN"
}

flap() {
	ce ip link set "$LAB_IF_WAN" down
	sleep 1
	ce ip link set "$LAB_IF_WAN" up
	sleep 0.3
	wan_restore "$1" "$2"
}

# log_has ERE: a line of every run's log, text (stderr) or JSON (stdout
# with -j, turned into text: "TIME WAN EVENT MESSAGE"), matches.
log_has() {
	{
		cat "$RUNLOG"
		python3 -c '
import json, sys
for f in sys.argv[1:]:
    for l in open(f):
        try:
            e = json.loads(l)
        except ValueError:
            continue
        if "event" in e:
            print(e["time"], e["wan"], e["event"], e["message"])' "$LAB_DIR"/run*.json 2>/dev/null
	} >"$LAB_DIR/log.txt"
	grep -qE -- "$1" "$LAB_DIR/log.txt"
}

# ce_left: what of the CE is left (its pins, its /run/mapce files).
ce_left() {
	[ -e "$LAB_CE_PIN" ] && echo "pins $LAB_CE_PIN"
	mapce_state ce "$LAB_IF_WAN"
}

# last_status: the last STATUS= of the run started with NOTIFY_SOCKET
# (notify.log: "PID STATUS=..."); status_says TEXT: it has TEXT.
last_status() { grep ' STATUS=' "$LAB_DIR/notify.log" 2>/dev/null | tail -n 1; }
status_says() { grep -qF -- "$1" <<<"$(last_status)"; }
status_clear() { status_says ' STATUS=ipv4 ' && ! status_says '; error '; }

# ---- run_cli ------------------------------------------------------------
t_begin run_cli
"$MAPCE" run -h >"$LAB_DIR/out" 2>&1 || t_why "run -h exited $?"
grep -q '^Usage: mapce run --wan IF' "$LAB_DIR/out" || t_why "run -h: $(head -n 2 "$LAB_DIR/out")"
"$MAPCE" run --no-such-option >/dev/null 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 2 ] && grep -q -- --no-such-option "$LAB_DIR/err" || t_why "unknown option: exit $rc"
"$MAPCE" -j run --wan 'a/b' >"$LAB_DIR/out" 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 2 ] && grep -q "'a/b' is not an interface name" "$LAB_DIR/err" &&
	grep -q '"error"' "$LAB_DIR/out" || t_why "bad interface name: exit $rc $(cat "$LAB_DIR/err")"
printf 'wan %s\nfiltering sometimes\n' "$LAB_IF_WAN" >"$LAB_DIR/bad.conf"
ce "$MAPCE" run --config "$LAB_DIR/bad.conf" >/dev/null 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 1 ] && grep -q "$LAB_DIR/bad.conf:2: bad filtering 'sometimes'" "$LAB_DIR/err" ||
	t_why "bad config: exit $rc: $(cat "$LAB_DIR/err")"
[ ! -e "$PIDFILE" ] && [ ! -e "$LAB_CE_PIN" ] || t_why "a refused run left its pid file or pins"
t_end

# ---- run_starts ---------------------------------------------------------
failed0=$T_FAILED
t_begin run_starts
: >"$RUNLOG"
t0=$SECONDS
run_start "$LAB_DIR/run1.out"
ns_wait "$RUN_WAIT" run_pidfile_new || t_why "no live pid in $PIDFILE: $(tail -n 3 "$RUNLOG")"
ns_wait "$RUN_WAIT" log_has " $LAB_IF_WAN start up: ipv4 $LAB_MAP_IPV4 psid $LAB_PSID " ||
	t_why "no start line: $(tail -n 3 "$RUNLOG")"
status_is "w['up'] and w['ipv4'] == '$LAB_MAP_IPV4' and w['run_pid'] == ${RUN_MAPCE_PID:-0} and w['address_present'] and w['route_present']" ||
	t_why "status: $(head -c 300 "$LAB_DIR/st")"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP"
t_note "up in $((SECONDS - t0))s: $(grep -m1 ' start ' "$RUNLOG")"
t_end
if [ "$T_FAILED" -ne "$failed0" ]; then
	for c in "${ALL_CASES[@]:2:${#ALL_CASES[@]}-3}"; do t_skip "$c" "run did not start"; done
	lab_teardown_case run_teardown
	t_exit
	exit
fi

# live traffic for what follows: one TCP connection, one UDP socket
ns_serve tcpstream "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" \
	--to "$LAB_INET_IP:$LAB_TCP_PORT" --state "$LAB_DIR/tcpstream.state" --lifetime 400 ||
	t_fail run_streams "the TCP stream did not start"
ns_serve udpstream "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/echo_stream.py" --udp \
	--to "$LAB_INET_IP:$LAB_UDP_PORT" --state "$LAB_DIR/udpstream.state" --lifetime 400 ||
	t_fail run_streams "the UDP stream did not start"
stream_moves tcpstream 3 || t_fail run_streams "the TCP stream does not echo"

# ---- run_second_refused -------------------------------------------------
t_begin run_second_refused
out=$(ce "$MAPCE" run --config "$CONF" 2>&1)
rc=$?
[ $rc -eq 1 ] || t_why "second run exited $rc: $out"
grep -q "already keeps $LAB_IF_WAN (pid $RUN_MAPCE_PID" <<<"$out" || t_why "message: $out"
run_alive || t_why "the first run died"
[ "$(cat "$PIDFILE" 2>/dev/null)" = "$RUN_MAPCE_PID" ] || t_why "the pid file changed"
t_end

# ---- run_sighup_in_place ------------------------------------------------
t_begin run_sighup_in_place
out_before=$(tcp_flow_outside)
status_json "$LAB_DIR/st0"
bindings0=$(js "$LAB_DIR/st0" "w['bindings']")
[ -n "$out_before" ] || t_why "no TCP flow of the stream in flows: $(head -c 300 "$LAB_DIR/fl")"
fwd_port=$(lab_free_port tcp) || t_why "no free port of the set: $(head -c 300 "$LAB_DIR/fl")"
{
	echo "filtering eif"
	echo "timeout-udp 200"
	echo "portmap tcp ${fwd_port:-4930} $LAB_LAN_IP:22"
} >>"$CONF"
t0=$SECONDS
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" status_is "w['filtering'] == 'eif' and w['timeouts']['udp'] == 200 and w['port_forwards'] == 1" ||
	t_why "not applied: $(head -c 400 "$LAB_DIR/st")"
t_note "applied in $((SECONDS - t0))s"
ns_wait "$RUN_WAIT" log_has "reload $CONF: filtering adf -> eif, timeout udp 300 -> 200, port forwards \+1 -0" ||
	t_why "no reload line: $(tail -n 2 "$RUNLOG")"
[ "$(tcp_flow_outside)" = "$out_before" ] || t_why "the TCP flow's binding changed: $out_before -> $(tcp_flow_outside)"
status_json "$LAB_DIR/st1"
[ "$(js "$LAB_DIR/st1" "w['bindings'] >= $bindings0")" = True ] ||
	t_why "bindings lost: $bindings0 -> $(js "$LAB_DIR/st1" "w['bindings']")"
stream_moves tcpstream 3 || t_why "the TCP stream stopped echoing"
stream_moves udpstream 3 || t_why "the UDP stream stopped echoing"
[ "$(stream_get tcpstream error)" = None ] || t_why "TCP stream: $(stream_get tcpstream error)"
t_end

# ---- run_sighup_bad_file ------------------------------------------------
t_begin run_sighup_bad_file
cp "$CONF" "$CONF.good"
echo "timeout-icmp forever" >>"$CONF"
bad_line=$(wc -l <"$CONF")
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" log_has "reload refused: $CONF:$bad_line: " ||
	t_why "no refusal naming $CONF:$bad_line: $(tail -n 2 "$RUNLOG")"
status_is "w['filtering'] == 'eif' and w['timeouts']['udp'] == 200 and w['timeouts']['icmp'] == 60 and w['port_forwards'] == 1" ||
	t_why "the running state changed: $(head -c 300 "$LAB_DIR/st")"
run_alive || t_why "run died"
cp "$CONF.good" "$CONF"
t_end

# ---- run_link_flap ------------------------------------------------------
t_begin run_link_flap
out_before=$(tcp_flow_outside)
status_json "$LAB_DIR/st0"
since0=$(js "$LAB_DIR/st0" "w['since']")
t0=$SECONDS
flap "$LAB_CE_WAN_IP6" "$LAB_ISP_CE_IP6"
ns_wait "$RUN_WAIT" status_is "w['address_present'] and w['route_present']" ||
	t_why "not put back: $(head -c 300 "$LAB_DIR/st"); log: $(tail -n 3 "$RUNLOG")"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP after the flap"
t_note "IPv4 back $((SECONDS - t0))s after the link went down (1 s down)"
log_has " link down " || t_why "no link down line"
log_has " repair link up: put back the MAP address, the IPv4 default route" ||
	t_why "no repair line: $(tail -n 3 "$RUNLOG")"
stream_moves tcpstream 3 || t_why "the TCP stream does not echo after the flap"
[ "$(stream_get tcpstream error)" = None ] || t_why "TCP stream: $(stream_get tcpstream error)"
[ "$(tcp_flow_outside)" = "$out_before" ] || t_why "the TCP flow changed: $out_before -> $(tcp_flow_outside)"
status_json "$LAB_DIR/st1"
[ -n "$since0" ] && [ "$(js "$LAB_DIR/st1" "w['since']")" = "$since0" ] ||
	t_why "since restarted by a flap (the same prefix): $since0 -> $(js "$LAB_DIR/st1" "w['since']")"
t_end

# ---- run_kill9_takeover -------------------------------------------------
t_begin run_kill9_takeover
out_before=$(tcp_flow_outside)
kill9_rerun "$LAB_DIR/run2.json" || t_why "the second run did not take the pid file"
ns_wait "$RUN_WAIT" grep -q '"event":"start"' "$LAB_DIR/run2.json" ||
	t_why "no start event on stdout: $(head -c 300 "$LAB_DIR/run2.json") $(tail -n 2 "$RUNLOG")"
python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
st = [e for e in ev if e["event"] == "start"][0]
assert st["wan"] == sys.argv[2] and st["message"].startswith("took over the running CE"), st
' "$LAB_DIR/run2.json" "$LAB_IF_WAN" 2>"$LAB_DIR/py" || t_why "$(tail -n 1 "$LAB_DIR/py")"
stream_moves tcpstream 5 || t_why "the TCP stream stopped echoing"
[ "$(stream_get tcpstream error)" = None ] || t_why "TCP stream: $(stream_get tcpstream error)"
[ "$(tcp_flow_outside)" = "$out_before" ] || t_why "the TCP flow changed: $out_before -> $(tcp_flow_outside)"
t_end

# ---- run_takeover_forward_held ------------------------------------------
t_begin run_takeover_forward_held
held=$(tcp_flow_outside)
held_port=${held##*:}
cp "$CONF" "$CONF.good"
echo "portmap tcp ${held_port:-0} $LAB_LAN_IP:23" >>"$CONF"
"$LAB_PY" "$LAB_TOOLS/notify_listen.py" "$LAB_DIR/notify" "$LAB_DIR/notify.log" 300 \
	--ready "$LAB_DIR/notify.ready" </dev/null >/dev/null 2>&1 &
NOTIFY_PID=$!
ns_wait "$RUN_WAIT" test -e "$LAB_DIR/notify.ready" || t_why "no notification socket"
NOTIFY_SOCKET=$LAB_DIR/notify kill9_rerun "$LAB_DIR/run3.json" ||
	t_why "the third run did not take the pid file"
ns_wait "$RUN_WAIT" grep -q '"event":"error"' "$LAB_DIR/run3.json" ||
	t_why "no error event: $(head -c 300 "$LAB_DIR/run3.json") $(tail -n 2 "$RUNLOG")"
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
assert all("event" in e for e in lines), "said outside the events: %s" % lines
ev = [e["event"] for e in lines]
assert ev[:2] == ["start", "error"], ev
assert lines[0]["message"].startswith("took over the running CE"), lines[0]
want = "port %s/tcp is held by a live mapping" % sys.argv[2]
assert want in lines[1]["message"] and "tried again" in lines[1]["message"], lines[1]
assert ev.count("error") == 1, ev
' "$LAB_DIR/run3.json" "$held_port" 2>"$LAB_DIR/py" || t_why "$(tail -n 1 "$LAB_DIR/py")"
# systemd's STATUS= says it while it stands
ns_wait "$RUN_WAIT" status_says "; error port forwards: " ||
	t_why "STATUS= does not say the refusal: $(last_status)"
ns_wait "$RUN_WAIT" status_says "port ${held_port:-0}/tcp is held by a live mapping" ||
	t_why "STATUS= does not name the held port: $(last_status)"
run_alive || t_why "run exited"
stream_moves tcpstream 3 || t_why "the TCP stream stopped echoing"
[ "$(tcp_flow_outside)" = "$held" ] || t_why "the TCP flow changed: $held -> $(tcp_flow_outside)"
ce "$MAPCE" -j portmap list --wan "$LAB_IF_WAN" >"$LAB_DIR/pm" 2>&1
[ "$(js "$LAB_DIR/pm" "sorted((f['outside_port'], f['installed']) for f in d['forwards']) == \
	sorted([($fwd_port, True), (${held_port:-0}, False)])")" = True ] ||
	t_why "forwards: $(head -c 300 "$LAB_DIR/pm")"
t_end

# ---- run_held_forward_rest_applies --------------------------------------
t_begin run_held_forward_rest_applies
# the forward of run_takeover_forward_held still held: a flap is repaired
flap "$LAB_CE_WAN_IP6" "$LAB_ISP_CE_IP6"
ns_wait "$RUN_WAIT" status_is "w['address_present'] and w['route_present']" ||
	t_why "not put back while a forward is held: $(head -c 300 "$LAB_DIR/st"); $(tail -c 400 "$LAB_DIR/run3.json")"
ns_wait "$RUN_WAIT" grep -q '"message":"link up: put back the MAP address' "$LAB_DIR/run3.json" ||
	t_why "no repair event: $(tail -c 400 "$LAB_DIR/run3.json")"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP after the flap"
# ... a reload's other settings apply, the held forward left out, its
# refusal not said again (said when it changes, not at every pass)
errors0=$(grep -c '"event":"error"' "$LAB_DIR/run3.json")
echo "timeout-icmp 90" >>"$CONF"
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" status_is "w['timeouts']['icmp'] == 90" ||
	t_why "the reload not applied while a forward is held: $(head -c 300 "$LAB_DIR/st"); $(tail -c 400 "$LAB_DIR/run3.json")"
ns_wait "$RUN_WAIT" grep -q '"message":"[^"]*timeout icmp 60 -> 90' "$LAB_DIR/run3.json" ||
	t_why "no reload event: $(tail -c 400 "$LAB_DIR/run3.json")"
[ "$(grep -c '"event":"error"' "$LAB_DIR/run3.json")" = "$errors0" ] ||
	t_why "error events: $(grep '"event":"error"' "$LAB_DIR/run3.json" | head -c 400)"
stream_moves tcpstream 3 || t_why "the TCP stream stopped echoing"
[ "$(tcp_flow_outside)" = "$held" ] || t_why "the TCP flow changed: $held -> $(tcp_flow_outside)"
ce "$MAPCE" -j portmap list --wan "$LAB_IF_WAN" >"$LAB_DIR/pm" 2>&1
[ "$(js "$LAB_DIR/pm" "[f['outside_port'] for f in d['forwards'] if f['installed']] == [$fwd_port]")" = True ] ||
	t_why "forwards: $(head -c 300 "$LAB_DIR/pm")"
# the line taken out, SIGHUP: reloaded, the file's state again
cp "$CONF.good" "$CONF"
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" status_is "w['timeouts']['icmp'] == 60" ||
	t_why "the second reload not applied: $(head -c 300 "$LAB_DIR/st")"
ns_wait "$RUN_WAIT" status_clear || t_why "STATUS= still says a problem: $(last_status)"
run_alive || t_why "run exited after the reloads"
t_end

# ---- run_held_forward_installed_when_free --------------------------------
t_begin run_held_forward_installed_when_free
cp "$CONF" "$CONF.good"
sed -i 's/^timeout-udp 200$/timeout-udp 5/' "$CONF"
echo "allow-short-timeouts" >>"$CONF"
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" status_is "w['timeouts']['udp'] == 5" ||
	t_why "short UDP timeout not applied: $(head -c 300 "$LAB_DIR/st")"
# one datagram from a port of its own: a mapping nothing refreshes
# (the UDP stream, every 0.2 s, keeps its own)
udp_once() {
	ns_exec_t 5 "$LAB_NS_LAN" python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 40123))
s.sendto(b"held", (sys.argv[1], int(sys.argv[2])))' "$LAB_INET_IP" "$LAB_UDP_PORT"
}
once_port() {
	flows_json "$LAB_DIR/fl" &&
		js "$LAB_DIR/fl" "[f['outside'].split(':')[1] for f in d['flows'] if f['proto'] == 'udp' and f['inside_port'] == 40123][0]"
}
udp_once || t_why "the datagram was not sent"
ns_wait "$RUN_WAIT" once_port >/dev/null
once=$(once_port)
[ -n "$once" ] || t_why "no mapping of 192.0.2.10:40123: $(head -c 300 "$LAB_DIR/fl")"
errors0=$(grep -c '"event":"error"' "$LAB_DIR/run3.json")
echo "portmap udp ${once:-0} $LAB_LAN_IP:40124" >>"$CONF"
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" grep -q "port ${once:-0}/udp is held by a live mapping" "$LAB_DIR/run3.json" ||
	t_why "no error naming ${once:-0}/udp: $(tail -c 400 "$LAB_DIR/run3.json")"
ns_wait "$RUN_WAIT" status_says "port ${once:-0}/udp is held" || t_why "STATUS= does not name ${once:-0}/udp: $(last_status)"
t0=$SECONDS
# the mapping expires (5 s, then two sweeps), the next pass installs the
# forward: at an event, at the latest RUN_CHECK_S (30 s) later
pm_installed() {
	ce "$MAPCE" -j portmap list --wan "$LAB_IF_WAN" >"$LAB_DIR/pm" 2>&1 &&
		[ "$(js "$LAB_DIR/pm" "[f['installed'] for f in d['forwards'] if f['outside_port'] == ${once:-0}] == [True]")" = True ]
}
ns_wait 50 pm_installed || t_why "not installed once free: $(head -c 300 "$LAB_DIR/pm")"
t_note "the forward installed $((SECONDS - t0))s after it was refused"
ns_wait "$RUN_WAIT" grep -q '"message":"[^"]*port forwards +1 -0' "$LAB_DIR/run3.json" ||
	t_why "no event saying the forward was added: $(tail -c 400 "$LAB_DIR/run3.json")"
ns_wait "$RUN_WAIT" status_clear || t_why "STATUS= still says a problem: $(last_status)"
[ "$(grep -c '"event":"error"' "$LAB_DIR/run3.json")" = $((errors0 + 1)) ] ||
	t_why "error events: $(grep '"event":"error"' "$LAB_DIR/run3.json" | tail -c 400)"
cp "$CONF.good" "$CONF"
kill -HUP "$RUN_MAPCE_PID"
ns_wait "$RUN_WAIT" status_is "w['timeouts']['udp'] == 200" ||
	t_why "the file's state not back: $(head -c 300 "$LAB_DIR/st")"
run_alive || t_why "run exited"
t_end

# ---- run_prefix_change --------------------------------------------------
t_begin run_prefix_change
ns_stop tcpstream # its public address is about to go
from=$(stream_get udpstream echoed)
# The line renumbers: the ISP routes the new prefix to the CE link, the CE
# gets its new /64 and next hop (as from an RA), the old /64 goes.
ns_ip "$LAB_NS_ISP" -6 addr add "$NEW_ISP_IP6/64" dev "$LAB_IF_ISP_CE" nodad
t0=$SECONDS
ce ip -6 addr add "$NEW_WAN_IP6/64" dev "$LAB_IF_WAN" nodad
ce ip -6 route replace default via "$NEW_ISP_IP6" dev "$LAB_IF_WAN"
ce ip -6 addr del "$LAB_CE_WAN_IP6/64" dev "$LAB_IF_WAN"
ns_wait "$RUN_WAIT" status_is "w['ipv4'] == '$NEW_MAP_IPV4' and w['ce_ipv6'] == '$NEW_MAP_IPV6' and w['psid'] == 86" ||
	t_why "status: $(head -c 300 "$LAB_DIR/st"); log: $(tail -n 2 "$RUNLOG")"
t_note "new prefix in use $((SECONDS - t0))s after it appeared"
# since: when this prefix came into use, not when run started
[ "$(js "$LAB_DIR/st" "w['since_age_s'] <= $((SECONDS - t0 + 2))")" = True ] ||
	t_why "since not restarted: $(js "$LAB_DIR/st" "w['since']")"
ns_wait "$RUN_WAIT" test_echoed_above udpstream "$((from + 3))" ||
	t_why "the UDP stream does not echo from the new address"
grep -q " $NEW_MAP_IPV4:" "$LAB_UDP_LOG" || t_why "the UDP server never saw $NEW_MAP_IPV4"
flows_json "$LAB_DIR/fl"
[ "$(js "$LAB_DIR/fl" "[f['outside_ip'] for f in d['flows'] if f['outside_ip'] != '$NEW_MAP_IPV4']")" = "[]" ] ||
	t_why "flows of the old address left: $(head -c 300 "$LAB_DIR/fl")"
[ "$(js "$LAB_DIR/fl" "len(d['flows']) > 0")" = True ] || t_why "no flow of the new address"
grep -q "$LAB_MAP_IPV6" <<<"$(ce ip -6 addr show dev "$LAB_IF_WAN")" && t_why "the old MAP address is still on $LAB_IF_WAN"
route=$(ce ip -4 route show default)
grep -q "via inet6 $NEW_ISP_IP6 .*proto 77" <<<"$route" || t_why "route: $route"
[ "$(grep -c . <<<"$route")" = 1 ] || t_why "more than one default route: $route"
log_has " prefix $LAB_PREFIX -> $NEW_PREFIX: ipv4 $LAB_MAP_IPV4 -> $NEW_MAP_IPV4, psid $LAB_PSID -> 86, MAP address $LAB_MAP_IPV6 -> $NEW_MAP_IPV6, [0-9]+ bindings dropped, 0 kept" ||
	t_why "no prefix line: $(tail -n 2 "$RUNLOG")"
log_has "1 port forward outside the new port set left out \($CONF:[0-9]+: " ||
	t_why "the forward outside the new set not said"
t_end

# ---- run_sigterm_down ---------------------------------------------------
t_begin run_sigterm_down
# a second SIGTERM while the CE is taken down (timeout(1) sends one to the
# child and one to its group; ^C twice) must not turn the clean exit into
# "killed by SIGTERM"
if run_pidfile_new; then
	kill -TERM "$RUN_MAPCE_PID" 2>/dev/null
	sleep 0.2
	kill -TERM "$RUN_MAPCE_PID" 2>/dev/null
fi
run_stop
[ "$RUN_RC" = 0 ] || t_why "exit status $RUN_RC"
log_has " stop SIGTERM: down" || t_why "no stop line"
res=$(ce_left)
[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
grep -q "$NEW_MAP_IPV6" <<<"$(ce ip -6 addr show dev "$LAB_IF_WAN")" && t_why "the MAP address is left"
[ -z "$(ce ip -4 route show proto 77)" ] || t_why "a route of mapce is left"
grep -q xdp <<<"$(ce ip link show "$LAB_IF_WAN")" && t_why "XDP is left on $LAB_IF_WAN"
t_end

# ---- up_repairs_after_flap ----------------------------------------------
t_begin up_repairs_after_flap
cp "$CONF.base" "$CONF" # without the forward the new port set lacks
out=$(ce "$MAPCE" up --config "$CONF" 2>&1) || t_why "up: $out"
flap "$NEW_WAN_IP6" "$NEW_ISP_IP6"
status_is "w['up'] and not w['address_present'] and not w['route_present'] and w['run_pid'] is None" ||
	t_why "status after the flap does not say what is missing: $(head -c 300 "$LAB_DIR/st")"
grep -q "route        missing" <<<"$(ce "$MAPCE" status --wan "$LAB_IF_WAN")" ||
	t_why "status text does not say the route is missing"
out=$(ce "$MAPCE" up --config "$CONF" 2>&1)
rc=$?
[ $rc -eq 0 ] || t_why "up after the flap exited $rc: $out"
grep -q "repaired: the MAP address, the IPv4 default route" <<<"$out" || t_why "up said: $out"
status_is "w['address_present'] and w['route_present']" || t_why "not put back: $(head -c 300 "$LAB_DIR/st")"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP"
out=$(ce "$MAPCE" up --config "$CONF" 2>&1)
grep -q "already up" <<<"$out" || t_why "a third up: $out"
t_end

# ---- run_exits_on_down --------------------------------------------------
t_begin run_exits_on_down
run_start "$LAB_DIR/run3.out"
ns_wait "$RUN_WAIT" log_has " start took over the running CE: ipv4 $NEW_MAP_IPV4 " ||
	t_why "run did not take over the CE up brought up: $(tail -n 2 "$RUNLOG")"
ce "$MAPCE" down --wan "$LAB_IF_WAN" >/dev/null 2>&1 || t_why "down failed"
ns_wait "$RUN_WAIT" eval '! run_alive' || t_why "run still runs after down"
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exited $RUN_RC after down"
log_has " stop the pinned maps in .* are gone or were replaced" || t_why "no stop line"
res=$(ce_left)
[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
t_end

# ---- run_prefix_from ----------------------------------------------------
# pd_prefix N: 2001:db8:N:N00::/56 delegated (the ISP routes it to the
# CE's WAN address), its first /64 on the CE's LAN side.
pd_prefix() {
	ns_ip "$LAB_NS_ISP" -6 route replace "2001:db8:$1:${1}00::/56" via "$NEW_WAN_IP6" \
		dev "$LAB_IF_ISP_CE" &&
		ce ip -6 addr add "2001:db8:$1:${1}01::1/64" dev "$LAB_IF_CE_LAN" nodad
}
t_begin run_prefix_from
pd_prefix 77 || t_why "cannot delegate 2001:db8:77:7700::/56"
run_start "$LAB_DIR/run4.out" --prefix-from "$LAB_IF_CE_LAN"
# the WAN's own /64 (2001:db8:56:5600::/56, 198.51.100.86) is not it
ns_wait "$RUN_WAIT" status_is "w['ipv4'] == '198.51.100.119' and w['psid'] == 119" ||
	t_why "not the LAN's prefix: $(head -c 300 "$LAB_DIR/st"); log: $(tail -n 2 "$RUNLOG")"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP with the delegated prefix"
t0=$SECONDS
pd_prefix 78 || t_why "cannot delegate 2001:db8:78:7800::/56"
ce ip -6 addr del 2001:db8:77:7701::1/64 dev "$LAB_IF_CE_LAN"
ns_wait "$RUN_WAIT" status_is "w['ipv4'] == '198.51.100.120' and w['psid'] == 120" ||
	t_why "did not follow the LAN's new prefix: $(head -c 300 "$LAB_DIR/st")"
t_note "the new delegated prefix in use $((SECONDS - t0))s after it appeared"
ns_wait "$RUN_WAIT" lan_ping || t_why "the LAN does not reach $LAB_INET_IP after the renumbering"
log_has " prefix 2001:db8:77:7700::/56 -> 2001:db8:78:7800::/56: ipv4 198.51.100.119 -> 198.51.100.120" ||
	t_why "no prefix line"
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exited $RUN_RC"
t_end

ns_stop udpstream
log_has . # the log as text, for a human reading the test's output
sed 's/^/# run log: /' "$LAB_DIR/log.txt"
lab_teardown_case run_teardown
t_exit
