#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mapce up on a system with no bpf filesystem mounted (a bare host, a fresh
# container): it mounts one on /sys/fs/bpf, as bpftool and tc do, and
# works.  Runs in a private mount namespace so the host's bpffs is untouched.
# Topology: tests/lab/lib/ce_wan.sh (tbf-ce-PID, WAN tbfwPID).
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/ce_wan.sh
. tests/lab/lib/ce_wan.sh
ce_wan_init tbf

if ! ce_wan_up >"$NS_TMP/setup" 2>&1; then
	t_fail bpffs_mounted_by_up "lab set-up failed: $(tr '\n' ' ' <"$NS_TMP/setup" | head -c 200)"
	t_exit
	exit
fi

# (inside the private mount namespace, up mounts its own bpffs: its pins
# vanish with it, so down runs there too)
out=$(timeout 60 unshare -m --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] && { echo "still bpffs"; exit 3; }
	n() { nsenter --net="/run/netns/$1" "${@:2}"; }
	n "$1" "$2" up --wan "$3" "${@:4}" --xdp-mode generic || exit 4
	echo "fs=$(stat -f -c %T /sys/fs/bpf)"
	ls "/sys/fs/bpf/mapce/$3/mapce_config" >/dev/null || exit 5
	n "$1" "$2" down --wan "$3" || exit 6
' bpffs "$CE_NS" "$MAPCE" "$WAN" "${RULE[@]}" 2>&1)
rc=$?
t_begin bpffs_mounted_by_up
[ $rc -eq 0 ] || t_why "exit $rc: $(tr '\n' ' ' <<<"$out")"
grep -q 'fs=bpf_fs' <<<"$out" || t_why "no bpffs after up: $(tr '\n' ' ' <<<"$out")"
grep -q 'mounted a bpf filesystem on /sys/fs/bpf' <<<"$out" || t_why "up did not say it mounted bpffs"
t_end
t_exit
