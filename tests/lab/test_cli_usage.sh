#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The CLI contract of every command: -h prints usage and exits 0; an unknown
# option exits 2 with a message on stderr naming it; with -j the error is
# also a JSON object {"error": ...} on stdout; a bad interface name is a
# usage error before anything is touched.  Needs no namespace (and root
# only for the bpffs sentinel, skipped without).
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/lab/lib/harness.sh
M=${OUTPUT:-build}/mapce
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for cmd in calc up down status flows stats ports portmap "br up" "br down" "br status"; do
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

# Interface names: one check for every command that takes one, before
# anything is read or touched: exit 2 naming the bad value.
R=(--rule 2001:db8::/40,192.0.2.0/24,16,6 --br 2001:db8::1)
for cmd in "up ${R[*]} --wan" "down --wan" "status --wan" "flows --wan" "stats --wan" \
	"portmap add tcp 1000 192.168.1.2 --wan" "portmap del tcp 1000 --wan" "portmap list --wan" \
	"br up ${R[*]} --dev" "br down --dev" "br status --dev"; do
	t_begin "cli: mapce $cmd BAD-NAME exits 2"
	for bad in "" . .. .x a/b "a b" $'a\tb' abcdefghijklmnop; do
		# shellcheck disable=SC2086
		timeout 10 "$M" -j $cmd "$bad" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 2 ] || t_why "'$bad': exit $rc, not 2"
		# stderr shows control characters as \xNN
		shown=${bad//$'\t'/\\x09}
		grep -qF "'$shown' is not an interface name" "$tmp/err" ||
			t_why "'$bad': stderr $(head -c 200 "$tmp/err")"
		grep -q '"error"' "$tmp/out" || t_why "'$bad': no JSON error on stdout"
	done
	t_end
done

# A single-valued option given twice is a usage error naming it (not the
# last one silently winning); a repeatable one (a second --rule starts a
# second rule) stays repeatable.
for c in "wan|up ${R[*]} --wan a --wan b" "mtu|up ${R[*]} --wan a --mtu 1400 --mtu 1300" \
	"wan|down --wan a --wan a" "wan|status --wan a --wan b" "wan|portmap list --wan a --wan b" \
	"dev|br up ${R[*]} --dev a --dev b" "prefix|calc ${R[*]} --prefix 2001:db8::/48 --prefix 2001:db8::/48"; do
	opt=${c%%|*} cmd=${c#*|}
	t_begin "cli: mapce $cmd: a repeated option exits 2 naming it"
	# shellcheck disable=SC2086
	timeout 10 "$M" $cmd >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || t_why "exit $rc, not 2"
	grep -q -- "--$opt given twice" "$tmp/err" || t_why "stderr: $(head -c 200 "$tmp/err")"
	t_end
done
t_begin "cli: a repeatable option (--rule) stays repeatable"
timeout 10 "$M" calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --rule 2001:db9::/40,198.51.100.0/24,16,6,fmr \
	--prefix 2001:db8:12:3400::/56 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || t_why "exit $rc: $(head -c 200 "$tmp/err")"
t_end

# `br down --dev ..` once unpinned everything at the bpffs root (the pin
# directory of ".." is /sys/fs/bpf/mapce_br/..): it must refuse before
# touching anything.  A pinned map at the root stands sentinel.
t_begin "cli: br down --dev .. leaves the bpffs root alone"
bpffs=/sys/fs/bpf
sentinel=$bpffs/mapce_cli_test_sentinel_$$
if [ "$(id -u)" -ne 0 ] || ! command -v bpftool >/dev/null ||
	[ "$(stat -f -c %T $bpffs 2>/dev/null)" != bpf_fs ]; then
	t_skip "$T_NAME" "needs root, bpftool and a bpffs on $bpffs"
else
	made_br=
	[ -d $bpffs/mapce_br ] || { mkdir $bpffs/mapce_br && made_br=1; }
	if bpftool map create "$sentinel" type array key 4 value 4 entries 1 name mapce_sentinel; then
		timeout 10 "$M" br down --dev .. >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 2 ] || t_why "exit $rc, not 2"
		[ -e "$sentinel" ] || t_why "the pin at the bpffs root was removed"
		rm -f "$sentinel"
	else
		t_why "cannot pin a sentinel map at $sentinel"
	fi
	[ -n "$made_br" ] && rmdir $bpffs/mapce_br
	t_end
fi

t_begin "cli: raw bytes in a value: valid UTF-8 JSON, no escape sequence on the terminal"
timeout 10 "$M" -j calc --rule-ipv6 $'\xff\xfe\x01\x7f\x1b[2J' >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
python3 -c 'import json,sys; d=json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict")); assert "is not an IPv6 prefix" in d["error"], d' \
	"$tmp/out" 2>"$tmp/py" || t_why "stdout is not valid UTF-8 JSON: $(tail -n1 "$tmp/py")"
grep -q $'\x1b' "$tmp/err" && t_why "stderr carries a raw ESC byte"
grep -qF '\x1b[2J' "$tmp/err" || t_why "stderr does not show the escape as \\x1b: $(od -c "$tmp/err" | head -3)"
t_end

t_exit
