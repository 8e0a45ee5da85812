# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# harness.sh - tests/harness.h's protocol for shell tests: one line per
# case, counted by tests/run.sh.
#
#   t_ok NAME              -> "ok - NAME"
#   t_fail NAME WHY        -> "not ok - NAME: WHY"
#   t_skip NAME REASON     -> "skip - NAME: REASON"
#   t_skip_all REASON CASE...  every CASE skipped, then exit 0
#   t_setup_ok REASON CASE...  when a case failed: every CASE skipped, 1
#   t_note TEXT            -> "# TEXT" (for a human reading the log)
#   t_exit                 -> exit status: 1 if any case failed
#
# A case that collects several problems: t_begin NAME; t_why "x"; ...;
# t_end (prints ok, or not ok with every reason joined by "; ").
# t_json FILE CODE adds a reason when python assertions on a JSON document
# fail; t_same FILE CMD... when CMD's output is no longer FILE's.

[ -n "${HARNESS_SH_LOADED:-}" ] && return 0
HARNESS_SH_LOADED=1

T_FAILED=0
T_PASSED=0
T_SKIPPED=0
T_NAME=
T_WHY=()

t_ok() {
	echo "ok - $1"
	T_PASSED=$((T_PASSED + 1))
}

t_fail() {
	echo "not ok - $1: $2"
	T_FAILED=$((T_FAILED + 1))
}

t_skip() {
	echo "skip - $1: $2"
	T_SKIPPED=$((T_SKIPPED + 1))
}

t_skip_all() {
	local why=$1 c
	shift
	for c in "$@"; do t_skip "$c" "$why"; done
	exit 0
}

t_begin() {
	T_NAME=$1
	T_WHY=()
}

t_why() { T_WHY+=("$*"); }

t_end() {
	if [ ${#T_WHY[@]} -eq 0 ]; then
		t_ok "$T_NAME"
	else
		t_fail "$T_NAME" "$(printf '%s; ' "${T_WHY[@]}" | sed 's/; $//')"
	fi
}

# t_setup_ok REASON CASE...: 0 when no case has failed so far; else every
# CASE skipped with REASON, and 1 (cases that need a setup that failed).
t_setup_ok() {
	local why=$1 c
	shift
	[ "$T_FAILED" -eq 0 ] && return 0
	for c in "$@"; do t_skip "$c" "$why"; done
	return 1
}

t_exit() {
	[ "$T_FAILED" -eq 0 ]
}

t_note() { echo "# $*"; }

# t_json FILE CODE: python assertions (CODE) on the JSON document in FILE,
# bound to d; the failed assertion and the document's start as the reason.
t_json() {
	local why
	why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
' "$1" "$2" 2>&1) || t_why "$(tail -n 1 <<<"$why") (json: $(head -c 300 "$1"))"
}

# t_same FILE CMD...: CMD's output (stdout and stderr) is FILE's, else the
# first changed lines as the reason.
t_same() {
	local want=$1
	shift
	"$@" >"$want.now" 2>&1
	diff -u "$want" "$want.now" >"$want.diff" ||
		t_why "changed: $(grep '^[-+][^-+]' "$want.diff" | head -n 8 | tr '\n' '|')"
}
