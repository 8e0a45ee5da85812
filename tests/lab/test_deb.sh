#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian package: debian/ builds a .deb with dpkg-buildpackage that
# holds what `make install` installs, passes lintian, installs and removes
# cleanly.
#
#   build     dpkg-buildpackage -us -uc -b in a copy of this tree succeeds
#   contents  the .deb holds the binary, the unit, a page per command, the
#             ISP tables, the DHCPv6 hook, the binding log's logrotate
#             snippet (which logrotate -d parses); nothing under /usr/local
#   lintian   lintian reports no error and no warning on the .changes
#   install   dpkg -i: /usr/sbin/mapce runs, the unit is where systemd
#             looks; dpkg --purge leaves none of the package's files
#
# The package is built in a throwaway copy (tracked and new files of this
# tree, not build/), so the tree's own build is untouched.  install is
# skipped when a mapce package or a /usr/sbin/mapce is already there: the
# test never replaces what a person installed.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/harness.sh
. tests/lab/lib/harness.sh

CASES=("deb: build" "deb: contents" "deb: lintian" "deb: install")
for c in dpkg-buildpackage dh lintian dpkg-deb git; do
	command -v "$c" >/dev/null || t_skip_all "$c not installed (scripts/deps.sh)" "${CASES[@]}"
done
git rev-parse --git-dir >/dev/null 2>&1 || t_skip_all "not a git tree (the copy lists its files with git)" "${CASES[@]}"

tmp=$(mktemp -d /tmp/mapce-deb.XXXXXX) || exit 1
installed=
cleanup() {
	[ -n "$installed" ] && dpkg --purge mapce >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
SRC=$tmp/mapce-$VERSION
DEB=$tmp/mapce_${VERSION}_$(dpkg --print-architecture).deb

t_begin "deb: build: dpkg-buildpackage -us -uc -b builds mapce $VERSION"
mkdir -p "$SRC"
git ls-files -co --exclude-standard -z | grep -zv '^build/' | tar --null -cf - -T - | tar -xf - -C "$SRC" ||
	t_why "cannot copy the tree"
(cd "$SRC" && timeout 600 dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 ||
	t_why "dpkg-buildpackage failed: $(tail -n 5 "$tmp/build.log" | tr '\n' '|')"
[ -f "$DEB" ] || t_why "no $DEB"
t_end
[ -f "$DEB" ] || {
	t_skip "deb: contents" "no package built"
	t_skip "deb: lintian" "no package built"
	t_skip "deb: install" "no package built"
	t_exit
	exit
}

t_begin "deb: contents: binary, unit, pages, ISP tables, hook; nothing in /usr/local"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
want=(/usr/sbin/mapce /usr/lib/systemd/system/mapce@.service /usr/share/man/man8/mapce.8.gz
	/usr/share/man/man8/mapce-run.8.gz /usr/share/man/man8/mapce-up.8.gz
	/usr/share/mapce/mapce-dhcpv6-hook /usr/share/doc/mapce/copyright /etc/mapce/
	/usr/share/mapce/miniupnpd/mapce-upnp.nft /usr/share/mapce/miniupnpd/miniupnpd.conf.example
	/etc/logrotate.d/mapce)
for f in data/isp/*.rules; do want+=("/usr/share/mapce/isp/${f##*/}"); done
for f in "${want[@]}"; do grep -qxF "$f" "$tmp/files" || t_why "no $f"; done
# a page for every page the tree's build makes
pages=$(grep -c '^/usr/share/man/man8/mapce.*\.8\.gz$' "$tmp/files")
[ "$pages" -ge 15 ] || t_why "only $pages man pages"
if command -v logrotate >/dev/null; then
	dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./etc/logrotate.d/mapce >"$tmp/logrotate" 2>/dev/null
	logrotate -d "$tmp/logrotate" >"$tmp/logrotate.out" 2>&1 ||
		t_why "logrotate -d: $(grep -i error "$tmp/logrotate.out" | head -n 2)"
fi
grep -q '^/usr/local' "$tmp/files" && t_why "files under /usr/local: $(grep '^/usr/local' "$tmp/files" | head -n 3)"
dpkg-deb -f "$DEB" Depends >"$tmp/depends"
grep -q 'libbpf' "$tmp/depends" || t_why "Depends names no libbpf (shlibs): $(cat "$tmp/depends")"
t_end

t_begin "deb: lintian: no error, no warning"
lintian "$tmp"/mapce_"${VERSION}"_*.changes >"$tmp/lintian" 2>&1
grep -E '^[EW]: ' "$tmp/lintian" >"$tmp/lintian.ew"
[ ! -s "$tmp/lintian.ew" ] || t_why "$(head -n 5 "$tmp/lintian.ew" | tr '\n' '|')"
t_end

if dpkg-query -W mapce >/dev/null 2>&1 || [ -e /usr/sbin/mapce ]; then
	t_skip "deb: install" "a mapce is installed on this machine already: not replaced"
	t_exit
	exit
fi
had_conf=$([ -e /etc/mapce ] && echo yes)
t_begin "deb: install: dpkg -i, mapce runs; dpkg --purge leaves nothing"
if dpkg -i "$DEB" >"$tmp/dpkg.log" 2>&1; then
	installed=1
	grep -q "^mapce $VERSION " <<<"$(/usr/sbin/mapce -V)" || t_why "/usr/sbin/mapce -V: $(/usr/sbin/mapce -V 2>&1)"
	/usr/sbin/mapce calc --isp v6plus --prefix 240b:10:3f6c:d400::/56 -j >"$tmp/calc" 2>&1 ||
		t_why "the installed mapce cannot calc: $(head -c 200 "$tmp/calc")"
	grep -q '"ipv4":"106.72.63.108"' "$tmp/calc" || t_why "calc: $(head -c 200 "$tmp/calc")"
	dpkg -L mapce | while read -r f; do [ -f "$f" ] && echo "$f"; done >"$tmp/owned"
	[ -s "$tmp/owned" ] || t_why "dpkg -L lists no file"
	dpkg --purge mapce >>"$tmp/dpkg.log" 2>&1 || t_why "dpkg --purge failed: $(tail -n 3 "$tmp/dpkg.log")"
	installed=
	while read -r f; do [ -e "$f" ] && t_why "$f left after purge"; done <"$tmp/owned"
	[ -z "$had_conf" ] && [ -e /etc/mapce ] && t_why "/etc/mapce left after purge"
else
	t_why "dpkg -i failed: $(tail -n 5 "$tmp/dpkg.log" | tr '\n' '|')"
fi
t_end
t_exit
