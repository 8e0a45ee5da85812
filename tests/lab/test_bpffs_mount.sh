#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# mapce up on a system with no bpf filesystem mounted (a bare host, a fresh
# container): it mounts one on /sys/fs/bpf, as bpftool and tc do, and
# works.  Runs in a private mount namespace so the host's bpffs is untouched.
set -u
cd "$(dirname "$0")/../.."
. tests/lab/lib/harness.sh
M=$(pwd)/${OUTPUT:-build}/mapce
NS=tbf-$$
IF=tbfw$$
PEER=tbfp-$$
trap 'ip netns del "$NS" 2>/dev/null; ip netns del "$PEER" 2>/dev/null' EXIT

ip netns add "$NS" && ip netns add "$PEER" &&
	ip link add "$IF" type veth peer name "${IF}p" &&
	ip link set "$IF" netns "$NS" &&
	ip link set "${IF}p" netns "$PEER" &&
	ip -n "$NS" addr add 2001:db8:12:3400::1/64 dev "$IF" nodad &&
	ip -n "$PEER" addr add 2001:db8:12:3400::ffff/64 dev "${IF}p" nodad &&
	ip -n "$NS" link set "$IF" up && ip -n "$PEER" link set "${IF}p" up &&
	ip -n "$NS" -6 route add default via 2001:db8:12:3400::ffff dev "$IF" ||
	{ t_fail bpffs_mounted_by_up "lab set-up failed"; t_exit; exit; }

out=$(timeout 60 unshare -m --propagation private bash -c '
	umount /sys/fs/bpf 2>/dev/null
	[ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] && { echo "still bpffs"; exit 3; }
	n() { nsenter --net=/run/netns/'"$NS"' "$@"; }
	n '"$M"' up --wan '"$IF"' --rule-ipv6 2001:db8::/40 --rule-ipv4 198.51.100.0/24 \
		--ea-len 16 --psid-offset 4 --legacy-iid --br 2001:db8:ffff::64 --xdp-mode generic || exit 4
	echo "fs=$(stat -f -c %T /sys/fs/bpf)"
	ls /sys/fs/bpf/mapce/'"$IF"'/mapce_config >/dev/null || exit 5
	n '"$M"' down --wan '"$IF"' || exit 6
' 2>&1)
rc=$?
t_begin bpffs_mounted_by_up
[ $rc -eq 0 ] || t_why "exit $rc: $(tr '\n' ' ' <<<"$out")"
grep -q 'fs=bpf_fs' <<<"$out" || t_why "no bpffs after up: $(tr '\n' ' ' <<<"$out")"
grep -q 'mounted a bpf filesystem on /sys/fs/bpf' <<<"$out" || t_why "up did not say it mounted bpffs"
t_end
t_exit
