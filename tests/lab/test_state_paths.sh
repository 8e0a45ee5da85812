#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Where mapce's state lives, and that nobody else can choose it:
#   two_netns_same_wan     two CEs on a WAN of the same name in two network
#                          namespaces: each keeps its own pins, config and
#                          state; down in one leaves the other up
#   symlink_pin_dir        a user plants /sys/fs/bpf/mapce/<scope>/WAN as a
#                          symlink to a root pin directory: up and down refuse,
#                          nothing pinned or deleted through it
#   foreign_pin_root       a user makes /sys/fs/bpf/mapce first (mode 0777):
#                          up refuses, naming it
#   symlink_pin_root       /sys/fs/bpf/mapce itself a user's symlink: refused
#   failed_up_no_empty_dir an up that fails after the pin directory leaves no
#                          empty /sys/fs/bpf/mapce
# The planted-link cases run in a private mount namespace with a fresh
# bpffs of mode 1777 (as the host's), so the host's bpffs is untouched.
# Topology: tests/lab/lib/ce_wan.sh (tsp-ce-PID, WAN tspwPID) and a second
# CE namespace tsp-c2-PID with a WAN of the same name.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/ce_wan.sh
. tests/lab/lib/ce_wan.sh
ALL=(two_netns_same_wan symlink_pin_dir foreign_pin_root symlink_pin_root failed_up_no_empty_dir)
mapce_preflight ip nsenter unshare setpriv bpftool timeout python3 ||
	t_skip_all "$NS_WHY" "${ALL[@]/#/state_paths: }"
ce_wan_init tsp
CE2_NS=$(ns_name c2) PEER2_NS=$(ns_name p2) PEER2=$(ns_ifname q)
mapce_track ce "$CE2_NS" "$WAN"

if ! { ce_wan_up && ns_create "$CE2_NS" && ns_create "$PEER2_NS" &&
	ns_veth "$CE2_NS" "$WAN" "$PEER2_NS" "$PEER2" &&
	ns_addr "$CE2_NS" "$WAN" 2001:db8:12:5600::1/64 &&
	ns_addr "$PEER2_NS" "$PEER2" 2001:db8:12:5600::ffff/64 &&
	ns_ip "$CE2_NS" -6 route add default via 2001:db8:12:5600::ffff dev "$WAN"; } \
	>"$NS_TMP/setup" 2>&1; then
	t_setup_ok "lab set-up failed: $(tr '\n' ' ' <"$NS_TMP/setup" | head -c 200)" \
		"${ALL[@]/#/state_paths: }"
	t_exit
	exit
fi
m2() { mapce_cmd "$CE2_NS" "$@"; }
PIN2=$(mapce_pins ce "$WAN" "$CE2_NS")
# status_of FILE: "ipv4 psid ce_ipv6" of a -j status output
status_of() {
	"$LAB_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d=d[0] if isinstance(d,list) else d
p=d["interfaces"][0]; print(p.get("ipv4"), p.get("psid"), p.get("ce_ipv6"))' "$1" 2>/dev/null
}
map_id() { bpftool -j map show pinned "$1" 2>/dev/null | "$LAB_PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null; }

# ---- two namespaces, one WAN name ---------------------------------------
t_begin "state_paths: two_netns_same_wan"
m up --wan "$WAN" "${RULE[@]}" --xdp-mode generic
[ "$rc" -eq 0 ] || t_why "first up: exit $rc: $(errtext)"
m -j status --wan "$WAN"
cp "$NS_TMP/out" "$NS_TMP/st1.before"
id1=$(map_id "$PIN/mapce_bind")
[ -n "$id1" ] || t_why "no pinned mapce_bind in $PIN"
[ "$PIN" != "$PIN2" ] || t_why "both namespaces map to one pin directory $PIN"
m2 up --wan "$WAN" "${RULE[@]}" --xdp-mode generic
[ "$rc" -eq 0 ] || t_why "second up (other namespace): exit $rc: $(errtext)"
grep -q "flushing" "$NS_TMP/err" && t_why "second up flushed state: $(errtext)"
[ -e "$PIN2/mapce_config" ] || t_why "no pins in $PIN2"
[ -e "$(mapce_run_dir "$CE2_NS")/$WAN.state" ] || t_why "no state file of the second CE"
[ "$(map_id "$PIN/mapce_bind")" = "$id1" ] || t_why "the first CE's mapce_bind was replaced"
[ "$(map_id "$PIN2/mapce_bind")" != "$id1" ] || t_why "the second CE uses the first's maps"
m -j status --wan "$WAN"
s1=$(status_of "$NS_TMP/out")
[ "$s1" = "$(status_of "$NS_TMP/st1.before")" ] ||
	t_why "first CE's status changed: '$(status_of "$NS_TMP/st1.before")' -> '$s1'"
case $s1 in *"198.51.100.18 52 "*) ;; *) t_why "first CE's parameters: '$s1'" ;; esac
m2 -j status --wan "$WAN"
s2=$(status_of "$NS_TMP/out")
[ -n "$s2" ] && [ "$s2" != "$s1" ] || t_why "second CE's status '$s2' (first: '$s1')"
m2 down --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "down in the second namespace: exit $rc: $(errtext)"
[ -e "$PIN2" ] && t_why "$PIN2 left after its down"
[ "$(map_id "$PIN/mapce_config")" != "" ] || t_why "the first CE's pins went with the second's down"
m status --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "first CE after the second's down: exit $rc: $(errtext)"
grep -q xdp <<<"$(ns_ip "$CE_NS" link show "$WAN")" || t_why "first CE's XDP program gone"
m down --wan "$WAN"
[ "$rc" -eq 0 ] || t_why "first down: exit $rc: $(errtext)"
[ -e "$PIN" ] && t_why "$PIN left"
t_end

# ---- planted links, in a private bpffs --------------------------------------
# priv SCRIPT: bash -c SCRIPT in a new mount and pid namespace (pid 1 there
# shares it, as in a container) with a fresh bpffs of mode 1777; $1 the CE
# namespace, $2 mapce, $3 the WAN, $4 the pin scope, then the rule.
priv() {
	timeout 60 unshare -m -p -f --mount-proc --propagation private bash -c '
		mount -t bpf bpf /sys/fs/bpf && chmod 1777 /sys/fs/bpf || exit 90
		n() { nsenter --net="/run/netns/$CE" "$@"; }
		nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$@"; }
		CE=$1 MAPCE=$2 WAN=$3 SCOPE=$4; shift 4; RULE=("$@")
		mkdir -m 0700 /sys/fs/bpf/victim &&
			bpftool map create /sys/fs/bpf/victim/root_map type array key 4 value 4 \
				entries 1 name root_map || exit 91
		'"$1" bpffs "$CE_NS" "$MAPCE" "$WAN" "$(mapce_scope "$CE_NS")" "${RULE[@]}" 2>&1
}
# the checks every planted case ends with
VICTIM_CHECK='
	[ -e /sys/fs/bpf/victim/root_map ] || echo "VICTIM: root_map deleted"
	left=$(ls /sys/fs/bpf/victim | grep -v "^root_map$")
	[ -z "$left" ] || echo "VICTIM: pinned into it: $left"
	grep -q xdp <<<"$(n ip link show "$WAN")" && echo "VICTIM: XDP attached"
	n "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
	exit 0'

t_begin "state_paths: symlink_pin_dir"
out=$(priv '
	nobody mkdir -p "/sys/fs/bpf/mapce$SCOPE" && nobody chmod -R 777 /sys/fs/bpf/mapce &&
		nobody ln -s /sys/fs/bpf/victim "/sys/fs/bpf/mapce$SCOPE/$WAN" || exit 92
	n "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode generic; echo "up=$?"
	n "$MAPCE" down --wan "$WAN"; echo "down=$?"
	'"$VICTIM_CHECK")
grep -q "up=1" <<<"$out" || t_why "up not refused: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "down=1" <<<"$out" || t_why "down not refused: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "refusing /sys/fs/bpf/mapce" <<<"$out" || t_why "no message naming the path"
grep "VICTIM" <<<"$out" | while read -r l; do echo "$l"; done >"$NS_TMP/v"
[ -s "$NS_TMP/v" ] && t_why "$(tr '\n' ' ' <"$NS_TMP/v")"
t_end

t_begin "state_paths: foreign_pin_root"
out=$(priv '
	nobody mkdir -m 0777 /sys/fs/bpf/mapce || exit 92
	n "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode generic; echo "up=$?"
	ls -A /sys/fs/bpf/mapce | sed "s/^/LEFT: /"
	'"$VICTIM_CHECK")
grep -q "up=1" <<<"$out" || t_why "up not refused: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "refusing /sys/fs/bpf/mapce: it is owned by uid 65534" <<<"$out" ||
	t_why "message: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "LEFT\|VICTIM" <<<"$out" && t_why "$(grep "LEFT\|VICTIM" <<<"$out" | tr '\n' ' ')"
t_end

t_begin "state_paths: symlink_pin_root"
out=$(priv '
	nobody ln -s /sys/fs/bpf/victim /sys/fs/bpf/mapce || exit 92
	n "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode generic; echo "up=$?"
	'"$VICTIM_CHECK")
grep -q "up=1" <<<"$out" || t_why "up not refused: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "refusing /sys/fs/bpf/mapce: a symbolic link" <<<"$out" ||
	t_why "message: $(tr '\n' ' ' <<<"$out" | head -c 300)"
grep -q "VICTIM" <<<"$out" && t_why "$(grep "VICTIM" <<<"$out" | tr '\n' ' ')"
t_end

# An up that fails once it made the pin directory and pinned (native XDP
# cannot attach to a veth whose peer's MTU is 9000): the rollback leaves
# no empty /sys/fs/bpf/mapce (or scope directory); nor does a down.
t_begin "state_paths: failed_up_no_empty_dir"
out=$(PEER_NS=$PEER_NS PEER=$PEER priv '
	ip -n "$PEER_NS" link set "$PEER" mtu 9000 && n ip link set "$WAN" mtu 9000 || exit 93
	n "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode native >/dev/null 2>&1; echo "up=$?"
	[ -e /sys/fs/bpf/mapce ] && echo "LEFT after the failed up: $(find /sys/fs/bpf/mapce)"
	n ip link set "$WAN" mtu 1500 && ip -n "$PEER_NS" link set "$PEER" mtu 1500 || exit 94
	n "$MAPCE" up --wan "$WAN" "${RULE[@]}" --xdp-mode generic >/dev/null 2>&1; echo "up2=$?"
	n "$MAPCE" down --wan "$WAN" >/dev/null 2>&1; echo "down=$?"
	[ -e /sys/fs/bpf/mapce ] && echo "LEFT after down: $(find /sys/fs/bpf/mapce)"
	exit 0')
grep -q "up=1" <<<"$out" || t_why "the crippled up did not fail: $(tr '\n' ' ' <<<"$out")"
grep -q "up2=0" <<<"$out" && grep -q "down=0" <<<"$out" ||
	t_why "up/down as root: $(tr '\n' ' ' <<<"$out")"
grep -q "LEFT" <<<"$out" && t_why "$(grep LEFT <<<"$out" | tr '\n' ' ')"
t_end
t_exit
