# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the scripts that source this)
#
# lab.sh - the mapce five-namespace lab (LAN host, CE, IPv6 ISP router, BR,
# internet servers), built from ns.sh and mapce.sh, as a sourceable bash
# library for tests/lab/test_lab_*.sh and scripts/demo.sh.  lab_nat.sh and
# lab_mtu.sh extend it.
#
#   . tests/lab/lib/lab.sh
#   lab_up || exit 1        # installs a trap: lab_down on EXIT, INT, TERM
#   ns_exec "$LAB_NS_LAN" ping -c 3 "$LAB_INET_IP"
#   lab_down                # safe to call again (the trap will)
#
# Main functions: lab_up, lab_down, lab_residue; for tests lab_test_up (a
# "not ok" line and exit when the lab cannot be built), lab_need (why the
# datapath cannot be tested), lab_teardown_case; lab_ce / lab_br (mapce in
# the CE / the BR), lab_ce_up, lab_br_up, lab_ce_down, lab_br_down,
# lab_try_mapce, lab_set_wan_offload, lab_port_set and lab_in_set,
# lab_rule_config (the rule as config file lines),
# lab_query (tests/lab/tools/json_query.py), lab_fetch (the HTTP file).
#
# Topology (documentation prefixes only; every name starts with "mce"):
#
#   netns     interface   address                     link to
#   mce-lan   mce-lan0    192.0.2.10/24               mce-ce/mce-cel
#   mce-ce    mce-cel     192.0.2.1/24
#             mce-wan     2001:db8:12:3400::1/64      mce-isp/mce-ispc
#   mce-isp   mce-ispc    2001:db8:12:3400::ffff/64
#             mce-ispb    2001:db8:ffff:1::1/64       mce-br/mce-brw
#   mce-br    mce-brw     2001:db8:ffff:1::2/64, 2001:db8:ffff::64/128 (BR)
#             mce-bri     203.0.113.1/24              mce-inet/mce-inet0
#   mce-inet  mce-inet0   203.0.113.10-19/24
#
#   mce-lan   LAN host, IPv4 only, default via the CE.
#   mce-ce    the CE: mapce up on mce-wan (XDP ingress, TC egress); IPv4
#             forwarding between the LAN and the tunnel; native IPv6 on the WAN
#             with a default route to the ISP router.
#   mce-isp   IPv6-only router between the CE link and the BR link.
#   mce-br    the BR: mapce br up on mce-brw, IPv4 to the internet on mce-bri.
#   mce-inet  the "internet": ten server addresses, HTTP, UDP echo and TCP
#             echo servers (tests/lab/tools/).
#
# MAP rule (v6plus style: a=4, k=8, legacy IID): 2001:db8::/40 -> 198.51.100.0/24,
# EA length 16, PSID offset 4; the CE's prefix 2001:db8:12:3400::/56 gives
# IPv4 198.51.100.18, PSID 0x34 and 15 ranges of 16 ports (0x1340-0x134f ...
# 0xf340-0xf34f).
#
# Knobs (set before lab_up; the offload one also at run time with
# lab_set_wan_offload):
#   LAB_WAN_OFFLOAD=off|on  checksum offload, TSO and GSO on the CE's WAN
#                           egress path (mce-lan0, mce-cel, mce-wan).  "on"
#                           lets CHECKSUM_PARTIAL and GSO packets reach the
#                           CE's TC program, as from a real NIC.
#   LAB_XDP_PEER_TX=off     tx checksum offload on the veth ends whose peer
#                           runs XDP (mce-ispc, mce-ispb): XDP programs see
#                           packets as from a wire, with full checksums
#                           ("on": partial ones, test_lab_wan_offload.sh).
#   LAB_INET_OFFLOAD=on|off offloads on the internet host's veth (mce-inet0),
#                           i.e. what the BR's egress path is handed.
#   LAB_FASTPATH=off|on     on: mapce up with --fastpath mce-cel (the XDP fast
#                           path), and GRO on the veth ends the fast path
#                           redirects into (mce-ispc, mce-lan0): a veth takes
#                           XDP_REDIRECTed frames only when its peer runs NAPI,
#                           which an XDP program or GRO turns on.  Any lab
#                           test runs with the fast path so.
#   LAB_START_CE=1 LAB_START_BR=1 LAB_START_SERVERS=1   what lab_up starts.
#   LAB_HTTP_MB=12          size of the random file the HTTP server serves.
#
# After lab_up: LAB_CE_STATE and LAB_BR_STATE are "up", "off" (not asked
# for), "missing: WHY" (the command is a stub) or "failed: WHY"; the
# messages of a failed start are in LAB_CE_ERR / LAB_BR_ERR.  Everything a
# lab creates lives in LAB_DIR (ns.sh's NS_TMP: logs, pids) and
# /run/mce-lab (where LAB_DIR is, the guard); lab_down removes it all, and
# the namespaces, pins and mapce state.
#
# The names are fixed (so a person can `ip netns exec mce-lan ...` into a
# lab), hence one lab at a time on the machine: lab_up holds a lock (flock
# on /run/mce-lab.lock, kept as an empty file) until its shell exits, and
# removes what a lab killed hard left.  A guard process
# (tests/lab/tools/lab_guard.py) tears the lab down if that shell dies
# without running lab_down (SIGKILL).

[ -n "${LAB_SH_LOADED:-}" ] && return 0
LAB_SH_LOADED=1
# shellcheck source=ns.sh
. "$(dirname "${BASH_SOURCE[0]}")/ns.sh"
# shellcheck source=mapce.sh
. "$(dirname "${BASH_SOURCE[0]}")/mapce.sh"
# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"

# ---- names ------------------------------------------------------------
LAB_NS_LAN=mce-lan
LAB_NS_CE=mce-ce
LAB_NS_ISP=mce-isp
LAB_NS_BR=mce-br
LAB_NS_INET=mce-inet
LAB_NAMESPACES=("$LAB_NS_LAN" "$LAB_NS_CE" "$LAB_NS_ISP" "$LAB_NS_BR" "$LAB_NS_INET")

LAB_IF_LAN=mce-lan0     # mce-lan: the LAN host
LAB_IF_CE_LAN=mce-cel   # mce-ce:  CE LAN side
LAB_IF_WAN=mce-wan      # mce-ce:  CE WAN (mapce up --wan)
LAB_IF_ISP_CE=mce-ispc  # mce-isp: toward the CE
LAB_IF_ISP_BR=mce-ispb  # mce-isp: toward the BR
LAB_IF_BR_WAN=mce-brw   # mce-br:  BR IPv6 side (mapce br up --dev)
LAB_IF_BR_INET=mce-bri  # mce-br:  BR IPv4 side
LAB_IF_INET=mce-inet0   # mce-inet: the servers

# ---- addresses --------------------------------------------------------
LAB_LAN_IP=192.0.2.10
LAB_CE_LAN_IP=192.0.2.1
LAB_CE_WAN_IP6=2001:db8:12:3400::1
LAB_ISP_CE_IP6=2001:db8:12:3400::ffff
LAB_ISP_BR_IP6=2001:db8:ffff:1::1
LAB_BR_LINK_IP6=2001:db8:ffff:1::2
LAB_BR_IP6=2001:db8:ffff::64
LAB_BR_INET_IP=203.0.113.1
LAB_INET_IP=203.0.113.10
LAB_INET_IPS=(203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.13 203.0.113.14
	203.0.113.15 203.0.113.16 203.0.113.17 203.0.113.18 203.0.113.19)

# What the rule gives the CE (cross-checked with `mapce calc` by the tests).
LAB_PREFIX=2001:db8:12:3400::/56
LAB_MAP_IPV4=198.51.100.18
LAB_MAP_IPV6=2001:db8:12:3400:c6:3364:1200:3400
LAB_PSID=52
LAB_PSID_OFFSET=4
LAB_PSID_LEN=8
LAB_RULE_ARGS=(--rule-ipv6 2001:db8::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16
	--psid-offset 4 --legacy-iid --br "$LAB_BR_IP6")

# ---- servers in mce-inet (and one in mce-isp) -------------------------
LAB_HTTP_PORT=8080      # python3 -m http.server on $LAB_INET_IP: LAB_HTTP_URL
                        # (LAB_HTTP_SIZE bytes, sha256 LAB_HTTP_SHA256)
LAB_UDP_PORT=7007       # udp_echo.py on every server address; log $LAB_UDP_LOG
LAB_TCP_PORT=9000       # tcp_server.py on every address; log $LAB_TCP_LOG
LAB_TCP6_PORT=9100      # tcp_server.py in mce-isp on $LAB_ISP_CE_IP6

# ---- knobs ------------------------------------------------------------
LAB_WAN_OFFLOAD=${LAB_WAN_OFFLOAD:-off}
LAB_XDP_PEER_TX=${LAB_XDP_PEER_TX:-off}
LAB_INET_OFFLOAD=${LAB_INET_OFFLOAD:-on}
LAB_FASTPATH=${LAB_FASTPATH:-off}
LAB_START_CE=${LAB_START_CE:-1}
LAB_START_BR=${LAB_START_BR:-1}
LAB_START_SERVERS=${LAB_START_SERVERS:-1}
LAB_HTTP_MB=${LAB_HTTP_MB:-12}
LAB_VERBOSE=${LAB_VERBOSE:-0}

LAB_STATE=/run/mce-lab           # dir (where LAB_DIR is), owner, guard
LAB_LOCK=/run/mce-lab.lock       # one lab at a time on the machine
LAB_CE_PIN=$(mapce_pins ce "$LAB_IF_WAN")
LAB_DIR=
LAB_CE_STATE=off
LAB_BR_STATE=off
LAB_CE_ERR=
LAB_BR_ERR=

# What lab_down (also the guard's, in a new shell) removes: the namespaces
# (lab_nat.sh and lab_mtu.sh add theirs with ns_create), the CE and the BR.
NS_LIST+=("${LAB_NAMESPACES[@]}")
mapce_track ce "$LAB_NS_CE" "$LAB_IF_WAN"
mapce_track br "$LAB_NS_BR" "$LAB_IF_BR_WAN"

lab_vlog() { [ "$LAB_VERBOSE" = 1 ] && ns_log "$*"; return 0; }

# lab_query CHECK ARGS...: tests/lab/tools/json_query.py (JSON on stdin).
lab_query() { "$LAB_PY" "$LAB_TOOLS/json_query.py" "$@"; }

# lab_ce / lab_br ARGS...: mapce in the CE / the BR (bounded).
lab_ce() { mapce_in "$LAB_NS_CE" "$@"; }
lab_br() { mapce_in "$LAB_NS_BR" "$@"; }

# lab_free_port PROTO: a port of the CE's set (its first block) that no
# live PROTO mapping holds, by `mapce status` and `mapce flows`.  A forward
# added while flows run takes one: on a port a mapping took (any of the
# set, at random) it is refused, as it should be.
lab_free_port() {
	lab_ce -j status --wan "$LAB_IF_WAN" >"$LAB_DIR/free_port.st" &&
		lab_ce -j flows --wan "$LAB_IF_WAN" >"$LAB_DIR/free_port.fl" || return 1
	"$LAB_PY" -c '
import json, sys
w = json.load(open(sys.argv[2]))["interfaces"][0]
flows = json.load(open(sys.argv[3]))["flows"]
held = {int(f["outside"].rsplit(":", 1)[1]) for f in flows if f["proto"] == sys.argv[1]}
a_shift = 16 - w["psid_offset"]
base = (1 << a_shift) | (w["psid"] << (a_shift - w["psid_len"]))
print(next(p for p in range(base, base + (1 << (a_shift - w["psid_len"]))) if p not in held))' \
		"$1" "$LAB_DIR/free_port.st" "$LAB_DIR/free_port.fl"
}

# lab_set_wan_offload on|off: checksum offload, TSO and GSO along the CE's
# WAN egress path (LAN host -> CE -> mce-wan).
lab_set_wan_offload() {
	LAB_WAN_OFFLOAD=$1
	ns_offload "$LAB_NS_LAN" "$LAB_IF_LAN" "$1" &&
		ns_offload "$LAB_NS_CE" "$LAB_IF_CE_LAN" "$1" &&
		ns_offload "$LAB_NS_CE" "$LAB_IF_WAN" "$1"
}

# ---- plumbing ---------------------------------------------------------
lab_plumb() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		ns_create "$ns" || return 1
	done
	LAB_CE_PIN=$(mapce_pins ce "$LAB_IF_WAN" "$LAB_NS_CE") # keyed by the namespace
	ns_veth "$LAB_NS_LAN" "$LAB_IF_LAN" "$LAB_NS_CE" "$LAB_IF_CE_LAN" &&
	ns_veth "$LAB_NS_CE" "$LAB_IF_WAN" "$LAB_NS_ISP" "$LAB_IF_ISP_CE" &&
	ns_veth "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_NS_BR" "$LAB_IF_BR_WAN" &&
	ns_veth "$LAB_NS_BR" "$LAB_IF_BR_INET" "$LAB_NS_INET" "$LAB_IF_INET" || return 1

	# LAN host
	ns_addr "$LAB_NS_LAN" "$LAB_IF_LAN" "$LAB_LAN_IP/24" &&
	ns_ip "$LAB_NS_LAN" route add default via "$LAB_CE_LAN_IP" || return 1

	# CE: IPv4 router LAN <-> tunnel, IPv6 host on the WAN
	ns_forwarding "$LAB_NS_CE" 4 &&
	ns_addr "$LAB_NS_CE" "$LAB_IF_CE_LAN" "$LAB_CE_LAN_IP/24" &&
	ns_addr "$LAB_NS_CE" "$LAB_IF_WAN" "$LAB_CE_WAN_IP6/64" &&
	ns_ip "$LAB_NS_CE" -6 route add default via "$LAB_ISP_CE_IP6" dev "$LAB_IF_WAN" ||
		return 1

	# ISP: IPv6-only router
	ns_forwarding "$LAB_NS_ISP" 6 &&
	ns_addr "$LAB_NS_ISP" "$LAB_IF_ISP_CE" "$LAB_ISP_CE_IP6/64" &&
	ns_addr "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_ISP_BR_IP6/64" &&
	ns_ip "$LAB_NS_ISP" -6 route add "$LAB_BR_IP6/128" via "$LAB_BR_LINK_IP6" || return 1

	# BR
	ns_forwarding "$LAB_NS_BR" 4 6 &&
	ns_addr "$LAB_NS_BR" "$LAB_IF_BR_WAN" "$LAB_BR_LINK_IP6/64" "$LAB_BR_IP6/128" &&
	ns_ip "$LAB_NS_BR" -6 route add default via "$LAB_ISP_BR_IP6" dev "$LAB_IF_BR_WAN" &&
	ns_addr "$LAB_NS_BR" "$LAB_IF_BR_INET" "$LAB_BR_INET_IP/24" || return 1

	# internet: ten server addresses
	ns_addr "$LAB_NS_INET" "$LAB_IF_INET" "${LAB_INET_IPS[@]/%//24}" &&
	ns_ip "$LAB_NS_INET" route add default via "$LAB_BR_INET_IP" || return 1

	# offloads: XDP peers send full checksums; WAN path per LAB_WAN_OFFLOAD
	ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_CE" "$LAB_XDP_PEER_TX" tx &&
	ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_XDP_PEER_TX" tx &&
	ns_offload "$LAB_NS_INET" "$LAB_IF_INET" "$LAB_INET_OFFLOAD" &&
	lab_set_wan_offload "$LAB_WAN_OFFLOAD" || return 1
	if [ "$LAB_FASTPATH" = on ]; then
		ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_CE" on gro &&
		ns_offload "$LAB_NS_LAN" "$LAB_IF_LAN" on gro || return 1
	fi

	# every link usable
	ns_reach "$LAB_NS_LAN" "$LAB_CE_LAN_IP" || { ns_log "LAN link not usable"; return 1; }
	ns_reach "$LAB_NS_CE" "$LAB_ISP_CE_IP6" || { ns_log "CE-ISP link not usable"; return 1; }
	ns_reach "$LAB_NS_ISP" "$LAB_BR_LINK_IP6" || { ns_log "ISP-BR link not usable"; return 1; }
	ns_reach "$LAB_NS_CE" "$LAB_BR_IP6" ||
		{ ns_log "CE cannot reach the BR address over IPv6"; return 1; }
	ns_reach "$LAB_NS_BR" "${LAB_INET_IPS[9]}" ||
		{ ns_log "BR-internet link not usable"; return 1; }
}

lab_servers() {
	local ip udp_listen=()
	for ip in "${LAB_INET_IPS[@]}"; do
		udp_listen+=(--listen "$ip:$LAB_UDP_PORT")
	done
	LAB_TCP_LOG=$LAB_DIR/tcp$LAB_TCP_PORT.peers
	LAB_TCP6_LOG=$LAB_DIR/tcp$LAB_TCP6_PORT.peers
	LAB_UDP_LOG=$LAB_DIR/udp$LAB_UDP_PORT.peers
	ns_http_serve http "$LAB_NS_INET" "$LAB_INET_IP" "$LAB_HTTP_PORT" "$LAB_HTTP_MB" || return 1
	LAB_HTTP_URL=$NS_HTTP_URL LAB_HTTP_SIZE=$NS_HTTP_SIZE LAB_HTTP_SHA256=$NS_HTTP_SHA256
	ns_serve udp "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" server \
		"${udp_listen[@]}" --log "$LAB_UDP_LOG" &&
	ns_serve tcp "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "0.0.0.0:$LAB_TCP_PORT" --log "$LAB_TCP_LOG" &&
	ns_serve tcp6 "$LAB_NS_ISP" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "[$LAB_ISP_CE_IP6]:$LAB_TCP6_PORT" --log "$LAB_TCP6_LOG"
}

# Run mapce; on failure classify it: "missing" when the command is still
# a stub ("not implemented"), else "failed".  Sets $1_STATE / $1_ERR.
lab_try_mapce() { # VAR NS ARGS...
	local var=$1 ns=$2 out rc msg
	shift 2
	out=$(mapce_in "$ns" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		printf -v "${var}_STATE" up
		printf -v "${var}_ERR" ''
		[ -n "$out" ] && lab_vlog "$out"
		return 0
	fi
	printf -v "${var}_ERR" '%s' "$out"
	if grep -qi 'not implemented' <<<"$out"; then
		printf -v "${var}_STATE" 'missing: %s' "$(head -n1 <<<"$out")"
		return 1
	fi
	# mapce's own message (after any libbpf/verifier log), else the first line
	msg=$(grep '^mapce:' <<<"$out" | tail -n1)
	[ -n "$msg" ] || msg=$(head -n1 <<<"$out")
	[ $rc -eq 124 ] && msg="timed out after ${MAPCE_T:-$NS_T} s"
	printf -v "${var}_STATE" 'failed: mapce %s exited %d: %s' "$1" $rc "${msg:0:300}"
	ns_log "mapce $* exited $rc; its output:"
	sed 's/^/lab:   /' <<<"$out" | tail -n 40 >&2
	return 1
}

# lab_ce_up / lab_br_up: start mapce in the CE / the BR (LAB_*_STATE set).
lab_ce_up() {
	local fp=()
	[ "$LAB_FASTPATH" = on ] && fp=(--fastpath "$LAB_IF_CE_LAN")
	lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" "${fp[@]}"
}
lab_br_up() {
	lab_try_mapce LAB_BR "$LAB_NS_BR" br up --dev "$LAB_IF_BR_WAN" "${LAB_RULE_ARGS[@]}"
}
lab_ce_down() { lab_ce down --wan "$LAB_IF_WAN"; }
lab_br_down() { lab_br br down --dev "$LAB_IF_BR_WAN"; }

# lab_up: build the lab.  0 when the plumbing and the servers work (the CE
# and BR may still be missing: see LAB_CE_STATE / LAB_BR_STATE), 1 if not.
lab_up() {
	local fd
	ns_trap lab_down
	# one lab at a time: a second one would tear this one's namespaces down
	exec {fd}>"$LAB_LOCK"
	NS_LOCK_FD=$fd
	if ! flock -w 300 "$fd"; then
		ns_log "another lab holds $LAB_LOCK for over 300 s"
		return 1
	fi
	lab_down >/dev/null 2>&1 # leftovers of a run that was killed hard
	[ -x "$MAPCE" ] || { ns_log "$MAPCE not built (make)"; return 1; }
	mkdir -p "$LAB_STATE" && ns_tmpdir mce-lab || return 1
	LAB_DIR=$NS_TMP
	echo "$LAB_DIR" >"$LAB_STATE/dir"
	lab_start_guard || return 1
	mapce_mount_bpffs || { ns_log "cannot mount bpffs on /sys/fs/bpf"; return 1; }
	lab_vlog "plumbing"
	lab_plumb || { ns_log "plumbing failed"; return 1; }
	if [ "$LAB_START_SERVERS" = 1 ]; then
		lab_vlog "servers"
		lab_servers || { ns_log "servers did not come up"; return 1; }
	fi
	if [ "$LAB_START_BR" = 1 ]; then
		lab_br_up || ns_log "BR: $LAB_BR_STATE"
	fi
	if [ "$LAB_START_CE" = 1 ]; then
		lab_ce_up || ns_log "CE: $LAB_CE_STATE"
	fi
	return 0
}

# The guard (tests/lab/tools/lab_guard.py) tears the lab down if this
# shell dies without running lab_down (SIGKILL, a signal its trap did not
# get).
lab_start_guard() {
	local pid owner=$BASHPID # (expanded in a background child it would be the child's)
	echo "$owner" >"$LAB_STATE/owner"
	"$LAB_PY" "$LAB_TOOLS/lab_guard.py" "$owner" "$LAB_TOP/tests/lab/lib/lab.sh" \
		"$LAB_LOCK" "$LAB_STATE/owner" </dev/null >/dev/null {NS_LOCK_FD}>&- &
	pid=$!
	echo "$pid $(ns_starttime "$pid")" >"$LAB_STATE/guard"
}

lab_stop_guard() {
	local pid st
	[ -n "${LAB_GUARD_RUNNING:-}" ] && return 0 # we are the guard
	[ -f "$LAB_STATE/guard" ] || return 0
	read -r pid st <"$LAB_STATE/guard"
	if [ -n "$pid" ] && [ "$(ns_starttime "$pid")" = "$st" ]; then
		kill -KILL "$pid" 2>/dev/null # it ignores TERM by design
		wait "$pid" 2>/dev/null
	fi
	rm -f "$LAB_STATE/guard" "$LAB_STATE/owner"
}

# lab_down: stop mapce (CE, BR), the servers and anything else left in the
# lab's namespaces, delete the namespaces, and remove what a crashed mapce
# may have left (pins, /run/mapce state).  Bounded and idempotent.
lab_down() {
	lab_stop_guard
	mapce_down_all
	[ -z "$NS_TMP" ] && [ -f "$LAB_STATE/dir" ] && NS_TMP=$(cat "$LAB_STATE/dir")
	ns_cleanup
	rm -rf "$LAB_STATE"
	LAB_DIR=
	LAB_CE_STATE=off
	LAB_BR_STATE=off
	return 0
}

# lab_residue: print what a lab may leave behind (empty when clean).
lab_residue() {
	ns_residue
	mapce_residue
	[ -e "$LAB_STATE" ] && echo "state $LAB_STATE"
	ls -d /tmp/mce-lab.* 2>/dev/null | sed 's/^/tmpdir /'
	return 0
}

# ---- for the tests ----------------------------------------------------

# lab_test_up [UP]: lab_up (or UP, e.g. lab_nat_up); when the lab cannot
# be built, a "not ok - lab_up" line and exit 1.
lab_test_up() {
	"${1:-lab_up}" && return 0
	t_fail lab_up "lab plumbing or servers failed (see the messages above)"
	exit 1
}

# lab_need: LAB_NEED is why the datapath cannot be tested (empty: it can).
# A CE or BR that is only missing (a stub) or not started skips; one that
# failed to start is also a "not ok" line of its own.
lab_need() {
	LAB_NEED=
	case $LAB_BR_STATE in
	up) ;;
	missing*) LAB_NEED="BR $LAB_BR_STATE" ;;
	off) LAB_NEED="BR not started (LAB_START_BR=0)" ;;
	*) t_fail lab_br_up "$LAB_BR_STATE"; LAB_NEED="the BR did not start" ;;
	esac
	case $LAB_CE_STATE in
	up) ;;
	missing*) LAB_NEED="${LAB_NEED:+$LAB_NEED; }CE $LAB_CE_STATE" ;;
	off) LAB_NEED="${LAB_NEED:+$LAB_NEED; }CE not started (LAB_START_CE=0)" ;;
	*)
		t_fail lab_ce_up "$LAB_CE_STATE"
		LAB_NEED="${LAB_NEED:+$LAB_NEED; }the CE did not start"
		;;
	esac
}

# lab_teardown_case NAME: the last case of a lab test: lab_down leaves
# nothing behind.
lab_teardown_case() {
	local res
	lab_down
	res=$(lab_residue)
	if [ -z "$res" ]; then t_ok "$1"; else t_fail "$1" "left: $(tr '\n' ' ' <<<"$res")"; fi
}

# lab_rule_config: LAB_RULE_ARGS as config file lines ("rule-ipv6 X",
# "legacy-iid", ...), for tests that give the CE a config file.
lab_rule_config() {
	local i a=("${LAB_RULE_ARGS[@]}")
	for ((i = 0; i < ${#a[@]}; i++)); do
		if [ $((i + 1)) -lt ${#a[@]} ] && [[ "${a[i + 1]}" != --* ]]; then
			echo "${a[i]#--} ${a[i + 1]}"
			i=$((i + 1))
		else
			echo "${a[i]#--}"
		fi
	done
}

# lab_port_set: the CE's port set, one port per line, in LAB_PORTSET
# ($LAB_DIR/portset.txt): from `mapce calc -j` when calc works
# (LAB_PORTSET_SOURCE=calc), else from the rule formula
# (LAB_PORTSET_SOURCE=formula: ((port >> 4) & 0xff) == PSID, port >> 12 != 0).
lab_port_set() {
	local js p
	LAB_PORTSET=$LAB_DIR/portset.txt
	LAB_PORTSET_SOURCE=calc
	js=$("$MAPCE" -j calc "${LAB_RULE_ARGS[@]}" --prefix "$LAB_PREFIX" 2>/dev/null)
	if [ -n "$js" ] && lab_query portset <<<"$js" >"$LAB_PORTSET" 2>/dev/null &&
		[ -s "$LAB_PORTSET" ]; then
		return 0
	fi
	LAB_PORTSET_SOURCE=formula
	for ((p = 1024; p < 65536; p++)); do
		if (((p >> 4 & 0xff) == LAB_PSID && p >> 12 != 0)); then echo $p; fi
	done >"$LAB_PORTSET"
}

# lab_in_set PORT: PORT is in the CE's port set (after lab_port_set).
lab_in_set() { grep -qx "$1" "$LAB_PORTSET"; }

# lab_udp_seen_check: the UDP echo server's log (LAB_UDP_LOG) names one
# peer, from the shared IPv4 address and a port of the set; t_why if not.
lab_udp_seen_check() {
	local seen ip port
	seen=$(awk '{ print $2 }' "$LAB_UDP_LOG" | sort -u)
	if [ "$(wc -l <<<"$seen")" != 1 ] || [ -z "$seen" ]; then
		t_why "server saw peers '$(tr '\n' ' ' <<<"$seen")', expected one"
		return
	fi
	ip=${seen%:*} port=${seen##*:}
	[ "$ip" = "$LAB_MAP_IPV4" ] || t_why "server saw source $ip, not $LAB_MAP_IPV4"
	lab_in_set "$port" || t_why "source port $port is not in the port set"
}

# lab_result_ok WHAT JSON: a lab-tools client result is clean, else t_why
lab_result_ok() {
	local why
	why=$(lab_query ok <<<"$2" 2>&1) && return 0
	t_why "$1: $why"
	return 1
}

# lab_tcp_echo_check SECONDS MIB: MIB MiB from the LAN host to the
# internet's TCP echo server and back, every byte verified.
lab_tcp_echo_check() {
	local out
	out=$(ns_exec_t "$1" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "${LAB_INET_IPS[4]}:$LAB_TCP_PORT=1" --bytes $(($2 * 1024 * 1024)) \
		--timeout $(($1 - 5)) 2>&1)
	lab_result_ok "$2 MiB TCP echo" "$out"
}

# lab_udp_echo_check SECONDS: 3 UDP echoes of 512 bytes from the LAN host
# to the internet's UDP echo server, all answered, and the server saw one
# peer, the shared address and a port of the set (lab_udp_seen_check).
lab_udp_echo_check() {
	local out
	: >"$LAB_UDP_LOG"
	out=$(ns_exec_t "$1" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "${LAB_INET_IPS[2]}:$LAB_UDP_PORT" --count 3 --size 512 2>&1)
	lab_result_ok "UDP echo" "$out"
	lab_udp_seen_check
}

# lab_fetch NS SECONDS FILE [CURL_ARGS...]: the HTTP server's file to FILE
# in NS (ns_fetch: NS_FETCH_WHY empty when it arrived intact).
lab_fetch() {
	ns_fetch "$1" "$2" "$LAB_HTTP_URL" "$3" "$LAB_HTTP_SIZE" "$LAB_HTTP_SHA256" "${@:4}"
}
