#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The CLI contract of every command: -h prints usage and exits 0; an unknown
# option exits 2 with a message on stderr naming it; with -j the error is
# also a JSON object {"error": ...} on stdout.  Needs no root or namespace.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/harness.sh
M=${OUTPUT:-build}/mapce
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for cmd in calc up down status flows stats portmap "br up" "br down" "br status"; do
	t_begin "cli: mapce $cmd -h"
	# shellcheck disable=SC2086
	timeout 10 "$M" $cmd -h >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 0 ] || t_why "exit $rc"
	grep -qi '^usage' "$tmp/out" || t_why "no usage text on stdout"
	t_end

	t_begin "cli: mapce $cmd --no-such-option"
	# shellcheck disable=SC2086
	timeout 10 "$M" $cmd --no-such-option >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || t_why "exit $rc, not 2"
	grep -q -- '--no-such-option' "$tmp/err" || t_why "stderr does not name the option: $(cat "$tmp/err")"
	t_end

	t_begin "cli: mapce -j $cmd --no-such-option"
	# shellcheck disable=SC2086
	timeout 10 "$M" -j $cmd --no-such-option >"$tmp/out" 2>"$tmp/err"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "error" in d and "no-such-option" in d["error"], d' \
		"$tmp/out" 2>"$tmp/py" || t_why "stdout is not {\"error\": ...}: $(head -c 200 "$tmp/out") $(tail -n1 "$tmp/py")"
	t_end
done

t_begin "cli: unknown command exits 2"
timeout 10 "$M" frobnicate >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || t_why "exit $rc"
grep -q frobnicate "$tmp/err" || t_why "stderr: $(cat "$tmp/err")"
t_end

t_exit
