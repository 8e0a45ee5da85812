# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the files that source this)
#
# mapce.sh - mapce in the lab's namespaces, on ns.sh: the binary, bounded
# runs with only the network namespace switched (the pins stay in the
# host's bpffs, as for a real CE), and the CE and BR instances a test
# brings up: taken down at cleanup together with what a failed `down`
# would leave (pins, /run/mapce state files), and reported if anything is.
#
#   MAPCE                      the mapce binary of this tree (absolute)
#   mapce_in NS ARGS...        mapce in NS, bounded by MAPCE_T (default NS_T)
#   mapce_cmd NS ARGS...       the same; stdout in NS_TMP/out, stderr in
#                              NS_TMP/err, exit status in $rc; errtext: that
#                              stderr on one line, for a message
#   mapce_track ce|br NS DEV   a CE (WAN DEV) or BR (device DEV) in NS that
#                              mapce_down_all takes down
#   mapce_down_all             `down` / `br down` for each, then its pins and
#                              state files removed; mapce_residue: what is left
#   mapce_preflight TOOL...    ns_preflight, and mapce built
#   mapce_mount_bpffs          a bpf filesystem on /sys/fs/bpf

[ -n "${MAPCE_SH_LOADED:-}" ] && return 0
MAPCE_SH_LOADED=1
# shellcheck source=ns.sh
. "$(dirname "${BASH_SOURCE[0]}")/ns.sh"

if [ -z "${MAPCE:-}" ]; then
	case ${OUTPUT:-build} in
	/*) MAPCE=${OUTPUT}/mapce ;;
	*) MAPCE=$LAB_TOP/${OUTPUT:-build}/mapce ;;
	esac
fi
MAPCE_UPS=() # "ce|br NS DEV" entries, for mapce_down_all and mapce_residue

mapce_in() {
	local ns=$1
	shift
	NS_T=${MAPCE_T:-$NS_T} ns_nsenter "$ns" "$MAPCE" "$@"
}

mapce_cmd() {
	mapce_in "$@" >"$NS_TMP/out" 2>"$NS_TMP/err"
	rc=$?
}

errtext() { tr '\n' ' ' <"$NS_TMP/err" | head -c 400; }

mapce_track() {
	local e
	for e in "${MAPCE_UPS[@]}"; do [ "$e" = "$*" ] && return 0; done
	MAPCE_UPS+=("$*")
}

# mapce_scope NS: what mapce adds to its directories for the network
# namespace NS: "/net:INODE", or "" for this shell's (the host's) one; a
# namespace that is gone: "/net:*" (a glob: the run's device names are
# its own).  mapce_pins ce|br DEV [NS]: the pin directory; mapce_run_dir
# [NS]: where the state files are; mapce_state ce|br DEV [NS]: the state
# files (`up`'s record of what it changed, the config file it read).
# Without NS: wherever they are (ROOT/DEV or ROOT/net:*/DEV).
mapce_scope() {
	local ino
	ino=$(stat -L -c %i "/run/netns/$1" 2>/dev/null) || { echo "/net:*"; return 0; }
	[ "$ino" = "$(stat -L -c %i /proc/self/ns/net)" ] || echo "/net:$ino"
}
mapce_pins() {
	local root=/sys/fs/bpf/mapce d
	[ "$1" = br ] && root=/sys/fs/bpf/mapce_br
	if [ -n "${3:-}" ]; then
		echo "$root$(mapce_scope "$3")/$2"
		return 0
	fi
	for d in "$root/$2" "$root"/net:*/"$2"; do [ -e "$d" ] && { echo "$d"; return 0; }; done
	echo "$root/$2"
}
mapce_run_dir() { echo "/run/mapce${1:+$(mapce_scope "$1")}"; }
mapce_state() {
	local kind=$1 dev=$2 d f dirs=(/run/mapce /run/mapce/net:*)
	[ -n "${3:-}" ] && dirs=("$(mapce_run_dir "$3")")
	for d in "${dirs[@]}"; do
		if [ "$kind" = br ]; then set -- "$d/br:$dev".*; else set -- "$d/$dev".*; fi
		for f in "$@"; do [ -e "$f" ] && echo "$f"; done
	done
	return 0
}

mapce_down_all() {
	local e kind ns dev f
	for e in "${MAPCE_UPS[@]}"; do
		read -r kind ns dev <<<"$e"
		if [ -x "$MAPCE" ] && [ -e "/run/netns/$ns" ]; then
			if [ "$kind" = br ]; then
				MAPCE_T=20 mapce_in "$ns" br down --dev "$dev"
			else
				MAPCE_T=20 mapce_in "$ns" down --wan "$dev"
			fi >/dev/null 2>&1
		fi
		rm -rf "$(mapce_pins "$kind" "$dev")"
		for f in $(mapce_state "$kind" "$dev"); do rm -f "$f"; done
	done
	rmdir /sys/fs/bpf/mapce/net:* /sys/fs/bpf/mapce_br/net:* /run/mapce/net:* 2>/dev/null
	rmdir /sys/fs/bpf/mapce /sys/fs/bpf/mapce_br /run/mapce 2>/dev/null
	return 0
}

mapce_forget() { MAPCE_UPS=(); }

mapce_residue() {
	local e kind ns dev p
	for e in "${MAPCE_UPS[@]}"; do
		read -r kind ns dev <<<"$e"
		p=$(mapce_pins "$kind" "$dev")
		[ -e "$p" ] && echo "pins $p"
		mapce_state "$kind" "$dev" | sed 's/^/state /'
	done
	return 0
}

mapce_preflight() {
	ns_preflight "$@" || return 1
	[ -x "$MAPCE" ] || { NS_WHY="$MAPCE not built"; return 1; }
}

mapce_mount_bpffs() {
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && return 0
	mount -t bpf bpf /sys/fs/bpf 2>/dev/null
}
