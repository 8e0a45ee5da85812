# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Helpers of the tests that keep a `mapce run` in the background
# (test_lab_run.sh, test_lab_watch.sh, test_upgrade.sh): RUN_PID is the
# process they started (timeout's, which passes signals on).

# js FILE EXPR: the python expression on the JSON document d of FILE (w:
# the WAN's object of a status), printed; empty on any failure.
js() {
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
w = d["interfaces"][0] if "interfaces" in d else d
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# run_lab_up CASES...: the lab without its CE (mapce run is to start it);
# every CASE skipped when the lab cannot carry traffic.
run_lab_up() {
	LAB_START_CE=0
	lab_test_up
	lab_need
	case $LAB_NEED in
	"" | *"CE not started"*) ;;
	*) t_skip_all "$LAB_NEED" "$@" ;;
	esac
}

# run_start CONF LOG: `mapce run --config CONF` in the lab's CE (at most
# 600 s), its log lines appended to LOG; RUN_PID its pid.
run_start() {
	nsenter --net="/run/netns/$LAB_NS_CE" timeout -s TERM 600 "$MAPCE" run --config "$1" \
		</dev/null >/dev/null 2>>"$2" {NS_LOCK_FD}>&- &
	RUN_PID=$!
}

run_alive() { [ -n "${RUN_PID:-}" ] && kill -0 "$RUN_PID" 2>/dev/null; }

# run_stop: SIGTERM, bounded (10 s, then SIGKILL); RUN_RC its exit status,
# RUN_PID cleared.
run_stop() {
	RUN_RC=
	[ -n "${RUN_PID:-}" ] || return 0
	if run_alive; then
		kill -TERM "$RUN_PID" 2>/dev/null
		for _ in $(seq 100); do
			run_alive || break
			sleep 0.1
		done
		run_alive && kill -KILL "$RUN_PID" 2>/dev/null
	fi
	wait "$RUN_PID" 2>/dev/null
	RUN_RC=$?
	RUN_PID=
}
