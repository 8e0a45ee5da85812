#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_service_sandbox.sh - mapce under the limits systemd/mapce@.service.in
# sets, read from that file: the capability bounding set (setpriv, as root
# like the unit), NoNewPrivileges, the system call filter, address families
# and MemoryDenyWriteExecute (tests/lab/tools/seccomp_exec.py, libseccomp
# as systemd uses it), and the file system (a mount namespace: everything
# read-only but /dev, /proc, the RuntimeDirectory and ReadWritePaths, /sys
# and /proc/sys read-only too (ProtectKernelTunables), an empty /home and
# /root, a private /tmp).
#
#   sandbox_*   up, up again, status, portmap, down work in the sandbox
#   caps_*      each capability of the unit: without it, what fails, named
#               up front (CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON
#               in the kernel's checks, so those two are taken away with
#               CAP_SYS_ADMIN); without CAP_SYS_ADMIN mapce tells its
#               programs by the ids up recorded, and a down that cannot
#               tell them removes nothing
#   run_notify  `mapce run` in the sandbox, with a notification socket:
#               READY=1 once up, WATCHDOG=1 within WatchdogSec/2, STOPPING=1
#               and everything down after SIGTERM, each from the main pid
#               (skipped while the tree has no run command)
#
# Topology: tests/lab/lib/ce_wan.sh (a veth WAN in netns svc-ce-PID).
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/ce_wan.sh
. tests/lab/lib/ce_wan.sh

UNIT=systemd/mapce@.service.in
ALL_CASES=(sandbox_up sandbox_up_again sandbox_status sandbox_portmap sandbox_down
	caps_net_admin caps_sys_admin caps_sys_admin_unrecorded caps_perfmon caps_bpf run_notify)
ce_wan_init svc
CONF=/run/mapce-svc-test.$$ # not under /tmp: the sandbox's /tmp is its own
svc_cleanup() {
	ce_wan_cleanup
	rm -rf "$CONF"
}
ns_trap svc_cleanup

skip_all() { t_skip_all "$1" "${ALL_CASES[@]/#/service: }"; }

mapce_preflight ip tc nsenter unshare setpriv timeout python3 || skip_all "$NS_WHY"
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze not installed (the filter's groups)"
"$LAB_PY" -c 'import seccomp' 2>/dev/null || skip_all "python3-seccomp not installed"

# ---- the unit's settings ----------------------------------------------------

# unit_get KEY: the values of every KEY= line, joined by blanks.
unit_get() { sed -n "s/^$1=//p" "$UNIT" | tr '\n' ' ' | sed 's/ *$//'; }

CAPS=$(unit_get CapabilityBoundingSet)
RUNDIR=/run/$(unit_get RuntimeDirectory)
RW_PATHS=$(unit_get ReadWritePaths)
SYSCALLS=$(unit_get SystemCallFilter)
FAMILIES=$(unit_get RestrictAddressFamilies)
MDWE=$(unit_get MemoryDenyWriteExecute)
for want in "ProtectSystem=strict" "ProtectKernelTunables=yes" "ProtectHome=yes" \
	"PrivateTmp=yes" "NoNewPrivileges=yes" "SystemCallErrorNumber=EPERM"; do
	grep -qx "$want" "$UNIT" || skip_all "$UNIT: no $want (this test emulates it)"
done
[ "$RUNDIR" = /run/mapce ] && [ -n "$CAPS" ] && [ -n "$SYSCALLS" ] ||
	skip_all "$UNIT: RuntimeDirectory=mapce, CapabilityBoundingSet, SystemCallFilter expected"

# setpriv's form of a capability list: "CAP_BPF CAP_X" -> "+bpf,+x".
setpriv_caps() {
	local c out=
	for c in $1; do out+=",+$(tr '[:upper:]' '[:lower:]' <<<"${c#CAP_}")"; done
	echo "${out#,}"
}
# without CAPS CAP...: CAPS less each CAP.
without() {
	local caps=" $1 " c
	shift
	for c in "$@"; do caps=${caps/ $c / }; done
	echo "$caps"
}

# The file system the unit gives mapce, built in a new mount namespace
# (changes propagate into it, none out); then the exec into setpriv.
# shellcheck disable=SC2016 # expanded by the inner shell
SANDBOX_FS='
set -e
rundir=$1 rw=$2
shift 2
mkdir -p -m 0755 "$rundir"            # RuntimeDirectory=
mkdir -p -m 0700 /sys/fs/bpf/mapce    # ExecStartPre=+mkdir
for d in /tmp /var/tmp; do mount -t tmpfs -o mode=1777 tmpfs "$d"; done   # PrivateTmp=
for d in /home /root /run/user; do                                        # ProtectHome=
	[ -d "$d" ] && mount -t tmpfs -o ro,mode=0755 tmpfs "$d"
done
keep=" /tmp /var/tmp /home /root /run/user $rundir $rw "
for p in $rundir $rw; do mount --bind "$p" "$p"; done
mount --bind /proc/sys /proc/sys                # ProtectKernelTunables=
# ProtectSystem=strict and ProtectKernelTunables=: every other mount
# read-only, but /dev and /proc (/proc/sys is)
while read -r _ _ _ _ mp _; do
	mp=$(printf "%b" "$mp")
	case $mp in /dev | /dev/* | /proc | /proc/[0-9]* | /proc/sys/?*) continue ;; esac
	case $mp in /proc/*) [ "$mp" = /proc/sys ] || continue ;; esac
	case $keep in *" $mp "*) continue ;; esac
	mount -o remount,bind,ro "$mp"
done </proc/self/mountinfo
exec "$@"
'

# The sandbox has its own /tmp (PrivateTmp=): a tree checked out under /tmp
# would vanish inside it, so mapce and the seccomp launcher run from a copy
# under /run, as an installed mapce runs from /usr/sbin.
SB_BIN=$CONF/bin
mkdir -p -m 0755 "$CONF" "$SB_BIN" && cp "$MAPCE" "$LAB_TOOLS/seccomp_exec.py" "$SB_BIN/" ||
	skip_all "cannot copy mapce to $SB_BIN"

# sb CAPS MAPCE-ARGS...: mapce in the CE namespace under the unit's limits
# with the bounding set CAPS; out, err, rc as m().
sb() {
	local caps=$1 mdwe=()
	shift
	[ "$MDWE" = yes ] && mdwe=(--mdwe)
	ns_nsenter "$CE_NS" unshare --mount --propagation slave \
		/bin/bash -c "$SANDBOX_FS" sandbox "$RUNDIR" "$RW_PATHS" \
		setpriv --bounding-set="-all,$(setpriv_caps "$caps")" --inh-caps=-all \
		--no-new-privs -- "$LAB_PY" "$SB_BIN/seccomp_exec.py" --syscalls "$SYSCALLS" \
		--families "$FAMILIES" "${mdwe[@]}" -- "$SB_BIN/mapce" "$@" >"$NS_TMP/out" 2>"$NS_TMP/err"
	rc=$?
	return "$rc"
}

# What up leaves on the WAN, seen from outside the sandbox.
xdp_name() { ce ip -d link show dev "$WAN" | sed -n 's/.*prog\/xdp id [0-9]* name \([^ ]*\).*/\1/p'; }
egress_filter() { ce tc filter show dev "$WAN" egress 2>/dev/null | grep -c 'mapce_tc_egress'; }
all_gone() {
	[ -z "$(xdp_name)" ] || t_why "XDP program $(xdp_name) left"
	[ "$(egress_filter)" = 0 ] || t_why "tc egress filter left"
	[ ! -e "$PIN" ] || t_why "pins left: $(ls "$PIN" | head -3 | tr '\n' ' ')"
	[ ! -e "$STATE" ] || t_why "state file $STATE left"
}
# A port of the CE's set (the rule gives 198.51.100.18 psid 52, offset 4).
PORT=4928

ce_wan_up >"$NS_TMP/setup" 2>&1 ||
	skip_all "lab setup failed: $(tr '\n' ' ' <"$NS_TMP/setup" | head -c 200)"
ce sysctl -qw net.ipv4.conf.all.forwarding=1

# ---- mapce in the sandbox -----------------------------------------------------

t_begin "service: sandbox_up: up works with only $CAPS, read-only but $RUNDIR $RW_PATHS"
sb "$CAPS" up --wan "$WAN" "${RULE[@]}"
[ "$rc" = 0 ] || t_why "up exited $rc: $(errtext)"
[ "$(xdp_name)" = mapce_xdp_ingre ] || t_why "XDP: '$(xdp_name)'"
[ "$(egress_filter)" = 1 ] || t_why "no tc egress filter"
[ -e "$PIN/mapce_flow_out" ] || t_why "no pins in $PIN"
[ -e "$STATE" ] || t_why "no state file $STATE"
t_end

t_begin "service: sandbox_up_again: a second up (a restarted service) finds its own programs"
sb "$CAPS" up --wan "$WAN" "${RULE[@]}"
[ "$rc" = 0 ] || t_why "up exited $rc: $(errtext)"
grep -q 'already up' "$NS_TMP/err" "$NS_TMP/out" || t_why "not 'already up': $(errtext)"
t_end

t_begin "service: sandbox_status: status sees mapce's programs attached"
sb "$CAPS" -j status --wan "$WAN"
[ "$rc" = 0 ] || t_why "status exited $rc: $(errtext)"
py 'i = d["interfaces"][0]
assert i["xdp"]["attached"] and i["tc"]["attached"] and i["tc_ingress"]["attached"], i'
t_end

# portmap add keeps the forward in the WAN's config file (it creates one):
# the sandbox is given a writable config directory, as an operator's shell
# has /etc/mapce (the unit's /etc is read-only)
t_begin "service: sandbox_portmap: portmap add, list, del"
mkdir -p -m 0700 "$CONF/etc-mapce"
RW_PATHS="$RW_PATHS $CONF" MAPCE_CONF_DIR=$CONF/etc-mapce \
	sb "$CAPS" portmap add tcp "$PORT" 192.0.2.10:22 --wan "$WAN"
[ "$rc" = 0 ] || t_why "add exited $rc: $(errtext)"
grep -q "^portmap tcp $PORT " "$CONF/etc-mapce/$WAN.conf" 2>/dev/null ||
	t_why "add kept no portmap line in $CONF/etc-mapce/$WAN.conf"
sb "$CAPS" -j portmap list --wan "$WAN"
[ "$rc" = 0 ] || t_why "list exited $rc: $(errtext)"
grep -q "$PORT" "$NS_TMP/out" || t_why "list lacks $PORT: $(head -c 200 "$NS_TMP/out")"
RW_PATHS="$RW_PATHS $CONF" MAPCE_CONF_DIR=$CONF/etc-mapce \
	sb "$CAPS" portmap del tcp "$PORT" --wan "$WAN"
[ "$rc" = 0 ] || t_why "del exited $rc: $(errtext)"
t_end

t_begin "service: sandbox_down: down removes everything"
sb "$CAPS" down --wan "$WAN"
[ "$rc" = 0 ] || t_why "down exited $rc: $(errtext)"
grep -q 'left in place' "$NS_TMP/err" && t_why "down: $(errtext)"
all_gone
t_end

# ---- each capability, and what fails without it -------------------------------

# up_refused CASE PATTERN CAP...: up with the unit's capabilities less
# each CAP fails (exit 1), PATTERN in its messages (-v: the verifier's
# too), and leaves nothing.
up_refused() {
	local name=$1 pattern=$2
	shift 2
	t_begin "service: $name"
	sb "$(without "$CAPS" "$@")" -v up --wan "$WAN" "${RULE[@]}"
	[ "$rc" = 1 ] || t_why "up exited $rc"
	grep -q -- "$pattern" "$NS_TMP/err" || t_why "$(tail -n 3 "$NS_TMP/err" | tr '\n' ' ')"
	all_gone
	t_end
}

up_refused "caps_net_admin: without CAP_NET_ADMIN up refuses up front, naming it" \
	'mapce up needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON: missing CAP_NET_ADMIN' CAP_NET_ADMIN
up_refused "caps_perfmon: without CAP_PERFMON up refuses up front, naming it (not a verifier log)" \
	'mapce up needs .*: missing CAP_PERFMON' CAP_PERFMON CAP_SYS_ADMIN
up_refused "caps_bpf: without CAP_BPF mapce refuses to start" 'missing CAP_BPF' \
	CAP_BPF CAP_SYS_ADMIN

# CAP_SYS_ADMIN reads a program's name by id; mapce tells its programs
# without it by the ids up records in the state file.  What still needs it:
# a program up did not record, and (not run here) down after the WAN was
# deleted, which lists every program to see whether the maps are in use.
t_begin "service: caps_sys_admin: without CAP_SYS_ADMIN up, status, up again and down tell mapce's programs by the recorded ids"
NOSA=$(without "$CAPS" CAP_SYS_ADMIN)
sb "$NOSA" up --wan "$WAN" "${RULE[@]}"
[ "$rc" = 0 ] || t_why "up exited $rc: $(errtext)"
grep -q '^progs=[1-9]' "$STATE" 2>/dev/null || t_why "the state file records no program ids"
sb "$NOSA" -j status --wan "$WAN"
py 'i = d["interfaces"][0]; assert i["up"] and i["xdp"]["attached"] and i["tc"]["attached"] and i["tc_ingress"]["attached"], i'
sb "$NOSA" up --wan "$WAN" "${RULE[@]}"
[ "$rc" = 0 ] && grep -q 'already up' "$NS_TMP/err" ||
	t_why "a second up without CAP_SYS_ADMIN: exit $rc, $(errtext)"
sb "$NOSA" down --wan "$WAN"
[ "$rc" = 0 ] || t_why "down exited $rc: $(errtext)"
grep -q 'left in place' "$NS_TMP/err" && t_why "down: $(errtext)"
all_gone
t_end

t_begin "service: caps_sys_admin_unrecorded: down without CAP_SYS_ADMIN that cannot tell its programs removes nothing"
sb "$CAPS" up --wan "$WAN" "${RULE[@]}"
[ "$rc" = 0 ] || t_why "up exited $rc: $(errtext)"
sed -i '/^progs=/d' "$STATE" # a state file without the ids (an older mapce's)
sb "$NOSA" down --wan "$WAN"
[ "$rc" = 1 ] || t_why "down exited $rc, not 1: $(errtext)"
grep -q 'cannot tell whether XDP program [0-9]* is mapce.s.*nothing removed' "$NS_TMP/err" ||
	t_why "message: $(errtext)"
[ "$(xdp_name)" = mapce_xdp_ingre ] || t_why "XDP program gone: '$(xdp_name)'"
[ -e "$PIN/mapce_config" ] || t_why "pins removed"
[ -e "$STATE" ] || t_why "state file removed"
grep -q 'proto 77' <<<"$(ce ip -4 route show default)" || t_why "the IPv4 route removed"
sb "$CAPS" down --wan "$WAN"
[ "$rc" = 0 ] || t_why "down with CAP_SYS_ADMIN exited $rc: $(errtext)"
all_gone
t_end

# ---- mapce run as the unit runs it ------------------------------------------------

# notified KEY=VALUE: the pids that sent it (notify.log).
notified() { sed -n "s/^\([0-9]*\) $1\$/\1/p" "$NS_TMP/notify.log" 2>/dev/null | sort -u; }

run_notify() {
	local pid i main
	mkdir -p "$CONF" && chmod 0755 "$CONF"
	printf '%s\n' "rule-ipv6 2001:db8::/40" "rule-ipv4 198.51.100.0/24" "ea-len 16" \
		"psid-offset 4" "legacy-iid" "br 2001:db8:ffff::64" >"$CONF/$WAN.conf"
	"$LAB_PY" "$LAB_TOOLS/notify_listen.py" "$CONF/notify" "$NS_TMP/notify.log" 60 \
		--ready "$NS_TMP/notify.ready" </dev/null >"$NS_TMP/notify.out" 2>&1 &
	ns_wait 10 test -e "$NS_TMP/notify.ready" || { t_why "no notification socket"; return; }
	# as the unit: mapce run --wan IF, NOTIFY_SOCKET and WATCHDOG_USEC set
	MAPCE_CONF_DIR=$CONF NOTIFY_SOCKET=$CONF/notify WATCHDOG_USEC=2000000 NS_T=60 \
		sb "$CAPS" run --wan "$WAN" &
	pid=$!
	for i in $(seq 100); do [ -n "$(notified READY=1)" ] && break; sleep 0.2; done
	main=$(ip netns pids "$CE_NS" | while read -r p; do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = mapce ] && echo "$p"; done | head -n 1)
	# (a run that failed is ended by the cleanup: it kills what runs in the namespace)
	[ -n "$(notified READY=1)" ] || { t_why "no READY=1 in 20 s: $(errtext)"; return; }
	[ -n "$main" ] || { t_why "no process named mapce in $CE_NS"; return; }
	[ "$(notified READY=1)" = "$main" ] || t_why "READY=1 from $(notified READY=1), not mapce ($main)"
	[ "$(xdp_name)" = mapce_xdp_ingre ] || t_why "READY=1 before the CE is up (XDP: '$(xdp_name)')"
	sleep 2.5 # past WatchdogSec/2 twice
	[ "$(grep -c ' WATCHDOG=1$' "$NS_TMP/notify.log")" -ge 2 ] ||
		t_why "fewer than 2 WATCHDOG=1 in 2.5 s with WATCHDOG_USEC=2000000"
	kill -TERM "$main" 2>/dev/null
	for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
	kill -0 "$pid" 2>/dev/null && { t_why "still running 20 s after SIGTERM"; return; }
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || t_why "run exited $rc after SIGTERM: $(errtext)"
	[ "$(notified STOPPING=1)" = "$main" ] || t_why "no STOPPING=1 from mapce ($main)"
	all_gone
}

if "$MAPCE" run -h >/dev/null 2>&1; then
	t_begin "service: run_notify: mapce run as the unit runs it: READY=1 once up, watchdog, SIGTERM takes it down"
	run_notify
	t_end
else
	t_skip "service: run_notify" "this tree's mapce has no run command"
fi
t_exit
