#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The binding log with real clients (tests/lab/lib/lab.sh): what `mapce
# log` prints for a curl download and a UDP exchange from the LAN, and
# what `mapce run --binding-log FILE` writes, across a logrotate-style
# rename + SIGHUP.
#
#   binlog_cli            log -h; up refuses --binding-log (run's), a
#                         relative --binding-log is refused naming it
#   binlog_events         curl from a fixed LAN port and a UDP echo
#                         exchange: `mapce -j log` has the TCP "created"
#                         (inside 192.0.2.10:PORT, outside 198.51.100.18
#                         and a port of the set, remote the server),
#                         its "closed" records (FIN), the UDP "created",
#                         each with a UTC time of the last minute; the
#                         text lines carry the same fields; read once,
#                         gone (a second log prints nothing)
#   binlog_follow         `mapce -j log --follow` in the background prints
#                         a UDP exchange's record as it happens, exits 0
#                         on SIGTERM
#   binlog_run_file       `mapce run --binding-log FILE`: a UDP exchange's
#                         record lands in FILE; `mapce log` refuses
#                         naming the run's pid; FILE renamed, SIGHUP: the
#                         next record goes to a new FILE, not the renamed
#                         one; moved again without a SIGHUP: the next
#                         record goes to a new FILE too
#   binlog_upgrade_refused  (with BINLOG_OLD_MAPCE, a mapce built before
#                         the binding log, e.g. from `git archive main`;
#                         skipped without) the old build's CE up: `mapce
#                         log` says it runs without a binding log and names
#                         the down; this build's up is refused (exit 1)
#                         naming mapce_stats and the down, and the old CE
#                         still carries traffic; down, then this build's up
#                         works and logs
#   binlog_teardown       the lab leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1}
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

ALL=(binlog_cli binlog_events binlog_follow binlog_run_file binlog_upgrade_refused binlog_teardown)
T=60
WAIT=${BINLOG_WAIT:-10} # seconds a record gets to show
TCP_PORT=40123          # curl's local port
RUN_PID=
FOLLOW_PID=

cleanup() {
	run_stop
	[ -z "$FOLLOW_PID" ] || kill -KILL "$FOLLOW_PID" 2>/dev/null
	lab_down
}
trap cleanup EXIT

lab_test_up
lab_need
[ -z "$LAB_NEED" ] || t_skip_all "$LAB_NEED" "${ALL[@]}"
lab_port_set

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
BINLOG=$LAB_DIR/binding.log
CONF=$LAB_DIR/run.conf
RUNLOG=$LAB_DIR/run.log
PIDFILE=$(mapce_run_dir "$LAB_NS_CE")/$LAB_IF_WAN.pid

# udp_from PORT: one UDP echo exchange from LAN_HOST:PORT to the server.
udp_from() {
	ns_exec_t 10 "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "$LAB_INET_IP:$LAB_UDP_PORT" --bind "$LAB_LAN_IP:$1" --count 1 >/dev/null
}

# check_records FILE EXPECT...: each EXPECT (python, r bound to one record
# of the JSON lines in FILE) matches a record; every record's time is UTC
# ISO 8601 of the last 120 s.  Prints what is wrong.
check_records() {
	python3 - "$@" <<'PY'
import datetime, json, sys
recs = []
for l in open(sys.argv[1]):
    l = l.strip()
    if l:
        recs.append(json.loads(l))
now = datetime.datetime.now(datetime.timezone.utc)
for r in recs:
    t = datetime.datetime.strptime(r['time'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(
        tzinfo=datetime.timezone.utc)
    if not -2 <= (now - t).total_seconds() <= 120:
        print('time', r['time'], 'is not of the last 2 minutes (now %s)' % now.isoformat())
for e in sys.argv[2:]:
    if not any(eval(e, {'r': r}) for r in recs):
        print('no record with', e, 'in', recs)
PY
}

# The ring empties as it is read, and a record may be a moment behind the
# packet that made it (a FIN the kernel sends after curl has gone): these
# read it onto a file, to be asked again (ns_wait) until the file has it.
# log_json_has FILE EXPR...: `log -j` onto FILE; every EXPR (check_records)
# matches a record there.
log_json_has() {
	ce "$MAPCE" -j log --wan "$LAB_IF_WAN" >>"$1" 2>>"$LAB_DIR/err" &&
		[ -z "$(check_records "$@")" ]
}
# log_text_has FILE ERE: `log` onto FILE; a line matches ERE.
log_text_has() {
	ce "$MAPCE" log --wan "$LAB_IF_WAN" >>"$1" 2>>"$LAB_DIR/err" && grep -qE "$2" "$1"
}

# ---- binlog_cli ------------------------------------------------------------
t_begin binlog_cli
"$MAPCE" log -h >"$LAB_DIR/out" 2>&1 || t_why "log -h exited $?"
grep -q '^Usage: mapce log' "$LAB_DIR/out" || t_why "log -h: $(head -n 2 "$LAB_DIR/out")"
ce "$MAPCE" up --wan "$LAB_IF_WAN" --binding-log /tmp/x.log >/dev/null 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 2 ] && grep -q "binding-log is mapce run's" "$LAB_DIR/err" ||
	t_why "up --binding-log: exit $rc $(cat "$LAB_DIR/err")"
ce "$MAPCE" run --wan "$LAB_IF_WAN" --binding-log rel.log >/dev/null 2>"$LAB_DIR/err"
rc=$?
[ $rc -ne 0 ] && grep -q "bad --binding-log 'rel.log'" "$LAB_DIR/err" ||
	t_why "relative path: exit $rc $(cat "$LAB_DIR/err")"
t_end

# ---- binlog_events ---------------------------------------------------------
t_begin binlog_events
ce "$MAPCE" log --wan "$LAB_IF_WAN" >/dev/null 2>"$LAB_DIR/err" || t_why "log: $(cat "$LAB_DIR/err")"
lab_fetch "$LAB_NS_LAN" 20 "$LAB_DIR/blob" --local-port "$TCP_PORT"
[ -z "$NS_FETCH_WHY" ] || t_why "curl: $NS_FETCH_WHY"
udp_from 40200 || t_why "UDP echo from port 40200 failed"
want=(
	"r['event'] == 'created' and r['proto'] == 'tcp' and r['inside'] == '$LAB_LAN_IP:$TCP_PORT' and r['outside'].startswith('$LAB_MAP_IPV4:') and r['remote'] == '$LAB_INET_IP:$LAB_HTTP_PORT' and r['reason'] == 'ev_binding_created'"
	"r['event'] == 'closed' and r['proto'] == 'tcp' and r['inside'] == '$LAB_LAN_IP:$TCP_PORT' and r['remote'] == '$LAB_INET_IP:$LAB_HTTP_PORT'"
	"r['event'] == 'created' and r['proto'] == 'udp' and r['inside'] == '$LAB_LAN_IP:40200' and r['remote'] == '$LAB_INET_IP:$LAB_UDP_PORT'"
)
: >"$LAB_DIR/log.json"
: >"$LAB_DIR/err"
ns_wait "$WAIT" log_json_has "$LAB_DIR/log.json" "${want[@]}" ||
	t_why "log -j: $(check_records "$LAB_DIR/log.json" "${want[@]}") $(cat "$LAB_DIR/err")"
out=$(python3 -c '
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["event"] == "created" and r["proto"] == "tcp":
        print(r["outside"].split(":")[1])' "$LAB_DIR/log.json")
lab_in_set "${out:-0}" || t_why "TCP outside port '$out' is not in the set"
# read once: gone from the ring
ce "$MAPCE" log --wan "$LAB_IF_WAN" >"$LAB_DIR/log2.txt" 2>&1
[ ! -s "$LAB_DIR/log2.txt" ] || t_why "read again: $(head -n 2 "$LAB_DIR/log2.txt")"
# text: the same fields
udp_from 40201 || t_why "UDP echo from port 40201 failed"
: >"$LAB_DIR/log.txt"
: >"$LAB_DIR/err"
ns_wait "$WAIT" log_text_has "$LAB_DIR/log.txt" \
	"^20[0-9-]{8}T[0-9:]{8}\.[0-9]{3}Z created udp $LAB_LAN_IP:40201 $LAB_MAP_IPV4:[0-9]+ $LAB_INET_IP:$LAB_UDP_PORT ev_binding_created$" ||
	t_why "text: $(cat "$LAB_DIR/log.txt" "$LAB_DIR/err")"
t_end

# ---- binlog_follow ---------------------------------------------------------
t_begin binlog_follow
# nsenter, not ip netns exec: the pins are in this mount namespace's bpffs
nsenter --net="/run/netns/$LAB_NS_CE" timeout -s TERM 60 "$MAPCE" -j log --follow \
	--wan "$LAB_IF_WAN" </dev/null >"$LAB_DIR/follow.json" 2>&1 {NS_LOCK_FD}>&- &
FOLLOW_PID=$!
sleep 0.5
udp_from 40202 || t_why "UDP echo from port 40202 failed"
has_40202() { grep -q "\"inside\":\"$LAB_LAN_IP:40202\"" "$LAB_DIR/follow.json"; }
ns_wait "$WAIT" has_40202 || t_why "--follow printed no record: $(head -c 300 "$LAB_DIR/follow.json")"
kill -TERM "$FOLLOW_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$FOLLOW_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$FOLLOW_PID" 2>/dev/null; then
	t_why "log --follow still runs 5 s after SIGTERM"
	kill -KILL "$FOLLOW_PID" 2>/dev/null
fi
wait "$FOLLOW_PID"
rc=$?
[ $rc -eq 0 ] || t_why "log --follow exited $rc on SIGTERM: $(tail -c 300 "$LAB_DIR/follow.json")"
FOLLOW_PID=
t_end

# ---- binlog_run_file -------------------------------------------------------
t_begin binlog_run_file
lab_ce_down >/dev/null 2>&1
{
	echo "# mapce run with a binding log (tests/lab/test_lab_binlog.sh)"
	echo "wan $LAB_IF_WAN"
	lab_rule_config
	echo "binding-log $BINLOG"
} >"$CONF"
: >"$RUNLOG"
rm -f "$BINLOG" "$BINLOG.1"
run_start "$CONF" "$RUNLOG"
run_pid() { RUN_MAPCE_PID=$(cat "$PIDFILE" 2>/dev/null) && [ -n "$RUN_MAPCE_PID" ]; }
ran() { grep -q "writing the binding log to $BINLOG" "$RUNLOG"; }
if ! ns_wait "$WAIT" ran || ! run_pid; then
	t_why "run did not start its binding log: $(tail -n 3 "$RUNLOG")"
else
	udp_from 40203 || t_why "UDP echo from port 40203 failed"
	in_file() { grep -q "created udp $LAB_LAN_IP:$1 " "$2" 2>/dev/null; }
	ns_wait "$WAIT" in_file 40203 "$BINLOG" || t_why "no record in $BINLOG: $(cat "$BINLOG")"
	ce "$MAPCE" log --wan "$LAB_IF_WAN" >/dev/null 2>"$LAB_DIR/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "being read by pid $RUN_MAPCE_PID " "$LAB_DIR/err" ||
		t_why "log beside run: exit $rc $(cat "$LAB_DIR/err")"
	mv "$BINLOG" "$BINLOG.1"
	kill -HUP "$RUN_MAPCE_PID"
	# the SIGHUP's own line: the reader's clock may see the move first
	# ("reopened ... (it was moved)"), and the reload's read comes later
	reopened() { grep -q "reopened $BINLOG\$" "$RUNLOG"; }
	ns_wait "$WAIT" reopened || t_why "no reopen after SIGHUP: $(tail -n 3 "$RUNLOG")"
	udp_from 40204 || t_why "UDP echo from port 40204 failed"
	ns_wait "$WAIT" in_file 40204 "$BINLOG" || t_why "no record in the new $BINLOG"
	in_file 40204 "$BINLOG.1" && t_why "a record went to the rotated file"
	in_file 40203 "$BINLOG.1" || t_why "the rotated file lost its record"
	# moved with no SIGHUP: found moved before the next record is written
	mv "$BINLOG" "$BINLOG.2"
	udp_from 40207 || t_why "UDP echo from port 40207 failed"
	ns_wait "$WAIT" in_file 40207 "$BINLOG" ||
		t_why "moved without SIGHUP: no record in a new $BINLOG: $(tail -n 2 "$RUNLOG")"
	in_file 40207 "$BINLOG.2" && t_why "moved without SIGHUP: the record went to the moved file"
fi
run_stop
[ "${RUN_RC:-1}" = 0 ] || t_why "run exited ${RUN_RC:-?}: $(tail -n 3 "$RUNLOG")"
t_end

# ---- binlog_upgrade_refused ------------------------------------------------
OLD=${BINLOG_OLD_MAPCE:-}
if [ -z "$OLD" ] || [ ! -x "$OLD" ]; then
	t_skip binlog_upgrade_refused "BINLOG_OLD_MAPCE names no mapce built before the binding log"
else
	t_begin binlog_upgrade_refused
	ce "$OLD" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" >"$LAB_DIR/out" 2>&1 ||
		t_why "the old build's up: $(tail -n 2 "$LAB_DIR/out")"
	ce "$MAPCE" log --wan "$LAB_IF_WAN" >/dev/null 2>"$LAB_DIR/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "without a binding log.*mapce down --wan $LAB_IF_WAN" "$LAB_DIR/err" ||
		t_why "log on the old CE: exit $rc $(cat "$LAB_DIR/err")"
	ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" >/dev/null 2>"$LAB_DIR/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "mapce_stats" "$LAB_DIR/err" && grep -q "down" "$LAB_DIR/err" ||
		t_why "this build's up over the old one: exit $rc $(head -c 400 "$LAB_DIR/err")"
	udp_from 40205 || t_why "the old CE carries no traffic after the refused up"
	ce "$MAPCE" down --wan "$LAB_IF_WAN" >/dev/null 2>"$LAB_DIR/err" ||
		t_why "down of the old CE: $(cat "$LAB_DIR/err")"
	ce "$MAPCE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" >/dev/null 2>"$LAB_DIR/err" ||
		t_why "up after down: $(cat "$LAB_DIR/err")"
	udp_from 40206 || t_why "UDP echo from port 40206 failed"
	: >"$LAB_DIR/log.txt"
	: >"$LAB_DIR/err"
	ns_wait "$WAIT" log_text_has "$LAB_DIR/log.txt" "created udp $LAB_LAN_IP:40206 " ||
		t_why "no record after the new up: $(cat "$LAB_DIR/log.txt" "$LAB_DIR/err")"
	t_end
fi

lab_teardown_case binlog_teardown
t_exit
