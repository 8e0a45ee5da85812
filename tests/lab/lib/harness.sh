# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# harness.sh - tests/harness.h's protocol for shell tests.
#
#   t_ok NAME            -> "ok - NAME"
#   t_fail NAME WHY      -> "not ok - NAME: WHY"
#   t_skip NAME REASON   -> "skip - NAME: REASON"
#   t_check NAME WHY...  -> ok when no WHY was collected with t_why
#   t_exit               -> exit status: 1 if any case failed
#
# A case that collects several problems: t_begin NAME; t_why "x"; ...;
# t_end (prints ok, or not ok with every reason joined by "; ").

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

t_exit() {
	[ "$T_FAILED" -eq 0 ]
}

# t_note TEXT: context for a human reading the log (ignored by run.sh).
t_note() { echo "# $*"; }
