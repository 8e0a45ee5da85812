#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mapce and the bpf filesystem its pins live in:
#   bpffs_mounted_by_up       no bpffs mounted (a bare host, a fresh container:
#                             pid 1 shares the mount namespace): up mounts one
#                             on /sys/fs/bpf, as bpftool and tc do, and works
#   bpffs_private_ns_refused  no bpffs in a private mount namespace (pid 1 is
#                             elsewhere; 'ip netns exec', unshare -m): a bpffs
#                             mounted there would vanish with the pins, so up
#                             refuses, says what to do, and changes nothing
#   ip_netns_exec             a CE up (nsenter --net): under 'ip netns exec'
#                             status says where the pins are, up refuses and
#                             leaves the running CE as it is
# The first two run in a new mount namespace so the host's bpffs is untouched.
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
out=$(timeout 60 unshare -m -p -f --mount-proc --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] && { echo "still bpffs"; exit 3; }
	n() { nsenter --net="/run/netns/$1" "${@:2}"; }
	n "$1" "$2" up --wan "$3" "${@:4}" --xdp-mode generic || exit 4
	echo "fs=$(stat -f -c %T /sys/fs/bpf)"
	ls /sys/fs/bpf/mapce/net:*/"$3"/mapce_config >/dev/null || exit 5
	n "$1" "$2" down --wan "$3" || exit 6
' bpffs "$CE_NS" "$MAPCE" "$WAN" "${RULE[@]}" 2>&1)
rc=$?
t_begin bpffs_mounted_by_up
[ $rc -eq 0 ] || t_why "exit $rc: $(tr '\n' ' ' <<<"$out")"
grep -q 'fs=bpf_fs' <<<"$out" || t_why "no bpffs after up: $(tr '\n' ' ' <<<"$out")"
grep -q 'mounted a bpf filesystem on /sys/fs/bpf' <<<"$out" || t_why "up did not say it mounted bpffs"
t_end

out=$(timeout 60 unshare -m --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] && { echo "still bpffs"; exit 3; }
	nsenter --net="/run/netns/$1" "$2" up --wan "$3" "${@:4}" --xdp-mode generic
	echo "up=$?"
	echo "fs=$(stat -f -c %T /sys/fs/bpf)"
' bpffs "$CE_NS" "$MAPCE" "$WAN" "${RULE[@]}" 2>&1)
t_begin bpffs_private_ns_refused
grep -q "up=1" <<<"$out" || t_why "up not refused: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "fs=bpf_fs" <<<"$out" && t_why "up mounted a throwaway bpffs"
grep -q "would vanish.*nsenter --net" <<<"$out" || t_why "message: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q xdp <<<"$(ns_ip "$CE_NS" link show "$WAN")" && t_why "an XDP program was attached"
t_end

t_begin ip_netns_exec
mapce_mount_bpffs || t_why "no bpffs on the host's /sys/fs/bpf"
m up --wan "$WAN" "${RULE[@]}" --xdp-mode generic
[ "$rc" -eq 0 ] || t_why "up (nsenter --net): exit $rc: $(errtext)"
out=$(ns_exec "$CE_NS" "$MAPCE" status 2>&1)
rc=$?
[ "$rc" -eq 1 ] || t_why "status under ip netns exec: exit $rc"
grep -q "not a bpf filesystem here.*nsenter --net" <<<"$out" ||
	t_why "status message: $(tr '\n' ' ' <<<"$out" | head -c 300)"
out=$(ns_exec "$CE_NS" "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode generic 2>&1)
rc=$?
[ "$rc" -eq 1 ] || t_why "up under ip netns exec: exit $rc: $(tr '\n' ' ' <<<"$out" | head -c 200)"
grep -q "would vanish.*nsenter --net" <<<"$out" || t_why "up message: $(tr '\n' ' ' <<<"$out" | head -c 300)"
m status --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "the CE after that: status exit $rc: $(errtext)"
[ -e "$PIN/mapce_config" ] || t_why "pins gone from $PIN"
m down --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "down: exit $rc: $(errtext)"
t_end
t_exit
