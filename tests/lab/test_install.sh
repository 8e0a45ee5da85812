#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_install.sh - `make install` and `make uninstall` into a DESTDIR:
#
#   tree          PREFIX=/usr: exactly the expected files, with their modes:
#                 sbin/mapce, the unit, a man page per command of build/man,
#                 the docs, the ISP tables of data/isp, and /etc/mapce
#   exec_path     the unit's ExecStart is PREFIX's mapce
#   man_render    every page renders without a groff warning, and man -l
#                 shows its NAME
#   unit_verify   systemd-analyze verify on the installed unit (ExecStart
#                 pointed into DESTDIR, the installed man pages on MANPATH)
#                 prints nothing; a unit with a wrong line it does flag
#   uninstall     leaves no file and none of mapce's directories
#   keeps_config  a user's /etc/mapce/IF.conf survives uninstall
#   prefixes      the default PREFIX (/usr/local) and one systemd does not
#                 search (/opt/mapce: the unit goes to /etc/systemd/system)
#
# Runs make in this tree (OUTPUT, default build); the build's generated
# pages and unit follow the PREFIX and are regenerated for the default one
# at the end.  Needs no root and no namespace.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/harness.sh
. tests/lab/lib/harness.sh

OUT=${OUTPUT:-build}
tmp=$(mktemp -d /tmp/mapce-install.XXXXXX) || exit 1
cleanup() {
	rm -rf "$tmp"
	make -s OUTPUT="$OUT" "$OUT/man/.stamp" "$OUT/mapce@.service" >/dev/null 2>&1
}
trap cleanup EXIT

if [ ! -x "$OUT/mapce" ] || [ ! -e "$OUT/man/.stamp" ]; then
	t_skip_all "$OUT not built (make all)" "install: tree" "install: exec_path" \
		"install: man_render" "install: unit_verify" "install: uninstall" \
		"install: keeps_config" "install: prefixes"
fi

# mk DESTDIR PREFIX TARGET: make TARGET into DESTDIR (PREFIX empty: the
# default); output in tmp/make.log.
mk() {
	local prefix=()
	[ -n "$2" ] && prefix=(PREFIX="$2")
	make -s OUTPUT="$OUT" DESTDIR="$1" "${prefix[@]}" "$3" >"$tmp/make.log" 2>&1
}
# files DIR: every file and link under DIR as "MODE PATH", sorted.
files() { (cd "$1" && find . \( -type f -o -type l \) -printf '%m %P\n' | sort); }

# ---- PREFIX=/usr ----------------------------------------------------------
D=$tmp/root
{
	echo "755 usr/sbin/mapce"
	echo "644 usr/lib/systemd/system/mapce@.service"
	for p in "$OUT"/man/*.8; do echo "644 usr/share/man/man8/${p##*/}"; done
	for f in README.md docs/*.md; do echo "644 usr/share/doc/mapce/${f##*/}"; done
	for f in data/isp/*.rules data/isp/README.md; do
		[ -e "$f" ] && echo "644 usr/share/mapce/isp/${f##*/}"
	done
	echo "755 usr/share/mapce/mapce-dhcpv6-hook"
	echo "644 usr/share/mapce/miniupnpd/mapce-upnp.nft"
	echo "644 usr/share/mapce/miniupnpd/miniupnpd.conf.example"
	echo "644 usr/share/bash-completion/completions/mapce"
} | sort >"$tmp/want"

t_begin "install: tree: PREFIX=/usr installs exactly the binary, unit, pages, docs, ISP tables, DHCPv6 hook, bash completion"
mk "$D" /usr install || t_why "make install failed: $(tail -n 3 "$tmp/make.log" | tr '\n' ' ')"
files "$D" >"$tmp/got"
diff "$tmp/want" "$tmp/got" >"$tmp/diff" ||
	t_why "tree differs: $(grep '^[<>]' "$tmp/diff" | head -n 6 | tr '\n' '|')"
[ "$(grep -c '/man8/' "$tmp/got")" -ge 15 ] || t_why "only $(grep -c '/man8/' "$tmp/got") pages"
[ -d "$D/etc/mapce" ] || t_why "no /etc/mapce"
grep -q '^mapce ' <<<"$("$D/usr/sbin/mapce" -V)" || t_why "the installed mapce does not run"
ls data/isp/*.rules >/dev/null 2>&1 || t_note "no data/isp/*.rules in this tree: none installed"
t_end

UNITF=$D/usr/lib/systemd/system/mapce@.service
t_begin "install: exec_path: the unit runs /usr/sbin/mapce run --wan %I"
grep -qx 'ExecStart=/usr/sbin/mapce run --wan %I' "$UNITF" ||
	t_why "$(grep '^ExecStart' "$UNITF" 2>&1)"
grep -q '@[A-Z]*@' "$UNITF" && t_why "unsubstituted: $(grep '@[A-Z]*@' "$UNITF")"
t_end

t_begin "install: man_render: every installed page renders cleanly"
if command -v groff >/dev/null; then
	for p in "$D"/usr/share/man/man8/*.8; do
		w=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
		[ -z "$w" ] || t_why "${p##*/}: $w"
		name=${p##*/}
		# read the whole page first: grep -q stopping early would make a long
		# page's groff die of SIGPIPE, and pipefail report that as a miss
		txt=$(groff -man -Tascii -rLL=200n "$p" 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g; s/.\x08//g')
		grep -q "^ *${name%.8} - " <<<"$txt" || t_why "${p##*/}: no NAME line"
	done
	if command -v man >/dev/null; then
		txt=$(MANWIDTH=100 man -l "$D/usr/share/man/man8/mapce-up.8" 2>/dev/null)
		grep -q -- '--wan IF' <<<"$txt" || t_why "man -l mapce-up.8 shows no --wan IF"
	fi
else
	t_note "groff not installed: pages checked as roff only"
	for p in "$D"/usr/share/man/man8/*.8; do
		grep -q '^\.TH ' "$p" && grep -q '^\.SH NAME' "$p" || t_why "${p##*/}: no .TH/.SH NAME"
	done
fi
t_end

t_begin "install: unit_verify: systemd-analyze verify passes the installed unit, flags a broken one"
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$tmp/unit" "$tmp/bad"
	sed "s|^ExecStart=/usr/sbin/mapce|ExecStart=$D/usr/sbin/mapce|" "$UNITF" >"$tmp/unit/mapce@.service"
	man=(--man=yes)
	if [ ! -e "$D/usr/share/man/man8/mapce-run.8" ]; then
		man=(--man=no) # the unit names mapce-run(8): no run command in this tree yet
		t_note "no mapce-run.8 (no run command): man references not checked"
	fi
	MANPATH=$D/usr/share/man systemd-analyze verify "${man[@]}" \
		"$tmp/unit/mapce@.service:mapce@eth0.service" >"$tmp/verify" 2>&1 ||
		t_why "verify exited $?"
	[ -s "$tmp/verify" ] && t_why "verify: $(head -n 4 "$tmp/verify" | tr '\n' '|')"
	sed 's/^ProtectHome=yes/ProtectHome=maybe/' "$tmp/unit/mapce@.service" >"$tmp/bad/mapce@.service"
	systemd-analyze verify --man=no "$tmp/bad/mapce@.service:mapce@eth0.service" \
		>"$tmp/verify.bad" 2>&1
	grep -q 'ProtectHome\|protect home' "$tmp/verify.bad" ||
		t_why "a broken unit passed: $(head -c 200 "$tmp/verify.bad")"
	t_end
else
	t_skip "install: unit_verify" "systemd-analyze not installed (package systemd)"
fi

t_begin "install: uninstall: nothing left"
mk "$D" /usr uninstall || t_why "make uninstall failed: $(tail -n 3 "$tmp/make.log" | tr '\n' ' ')"
left=$(files "$D")
[ -z "$left" ] || t_why "left: $(head -n 5 <<<"$left" | tr '\n' ' ')"
for d in usr/share/mapce usr/share/doc/mapce etc/mapce; do
	[ ! -e "$D/$d" ] || t_why "$d left"
done
t_end

t_begin "install: keeps_config: uninstall keeps a user's config file"
mk "$D" /usr install || t_why "make install failed"
echo 'isp v6plus' >"$D/etc/mapce/eth0.conf"
mk "$D" /usr uninstall || t_why "make uninstall failed"
[ "$(files "$D")" = "644 etc/mapce/eth0.conf" ] || t_why "left: $(files "$D" | tr '\n' ' ')"
t_end

t_begin "install: prefixes: /usr/local (default) and /opt/mapce"
mk "$tmp/local" "" install || t_why "make install (default PREFIX) failed"
grep -qx 'ExecStart=/usr/local/sbin/mapce run --wan %I' \
	"$tmp/local/usr/local/lib/systemd/system/mapce@.service" 2>/dev/null ||
	t_why "/usr/local: unit not in usr/local/lib/systemd/system or ExecStart wrong"
[ -x "$tmp/local/usr/local/sbin/mapce" ] || t_why "/usr/local: no sbin/mapce"
mk "$tmp/opt" /opt/mapce install || t_why "make install PREFIX=/opt/mapce failed"
grep -qx 'ExecStart=/opt/mapce/sbin/mapce run --wan %I' \
	"$tmp/opt/etc/systemd/system/mapce@.service" 2>/dev/null ||
	t_why "/opt/mapce: unit not in etc/systemd/system or ExecStart wrong"
grep -q '/opt/mapce/share/mapce/isp' "$tmp/opt/opt/mapce/share/man/man8/mapce.8" ||
	t_why "/opt/mapce: mapce(8) does not name the installed ISP tables"
mk "$tmp/opt" /opt/mapce uninstall && mk "$tmp/local" "" uninstall || t_why "uninstall failed"
[ -z "$(files "$tmp/opt")$(files "$tmp/local")" ] ||
	t_why "left: $(files "$tmp/opt") $(files "$tmp/local")"
t_end
t_exit
