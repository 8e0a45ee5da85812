# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the scripts that source this)
#
# lab.sh - the mapce network-namespace lab, as a sourceable bash library.
#
#   . tests/lab/lib/lab.sh
#   lab_up || exit 1        # installs a trap: lab_down on EXIT, INT, TERM
#   lab_exec "$LAB_NS_LAN" ping -c 3 "$LAB_INET_IP"
#   lab_down                # safe to call again (the trap will)
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
#                           packets as from a wire, with full checksums.
#   LAB_INET_OFFLOAD=on|off offloads on the internet host's veth (mce-inet0),
#                           i.e. what the BR's egress path is handed.
#   LAB_START_CE=1 LAB_START_BR=1 LAB_START_SERVERS=1   what lab_up starts.
#   LAB_HTTP_MB=12          size of the random file the HTTP server serves.
#
# After lab_up: LAB_CE_STATE and LAB_BR_STATE are "up", "off" (not asked
# for), "missing: WHY" (the command is a stub) or "failed: WHY"; the
# messages of a failed start are in LAB_CE_ERR / LAB_BR_ERR.  Everything a
# lab creates lives in LAB_DIR (a temp dir) and /run/mce-lab (pids);
# lab_down removes it all, and the namespaces, pins and mapce state.
#
# One lab at a time on the machine: lab_up holds a lock (flock on
# /run/mce-lab.lock, kept as an empty file) until its shell exits.  A guard
# process (lab-tools/lab_guard.py) tears the lab down if that shell dies
# without running lab_down (SIGKILL).

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
MAPCE=${MAPCE:-$LAB_TOP/${OUTPUT:-build}/mapce}
LAB_TOOLS=$LAB_TOP/tests/lab/tools
if [ -z "${LAB_PY:-}" ]; then
	if [ -x /usr/bin/python3 ]; then LAB_PY=/usr/bin/python3; else LAB_PY=python3; fi
fi

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
LAB_HTTP_PORT=8080      # python3 -m http.server on $LAB_INET_IP
LAB_UDP_PORT=7007       # udp_echo.py on every server address; log $LAB_UDP_LOG
LAB_TCP_PORT=9000       # tcp_server.py on every address; log $LAB_TCP_LOG
LAB_TCP6_PORT=9100      # tcp_server.py in mce-isp on $LAB_ISP_CE_IP6
LAB_HTTP_FILE=blob.bin  # $LAB_DIR/www/blob.bin, sha256 in $LAB_HTTP_SHA256

# ---- knobs ------------------------------------------------------------
LAB_WAN_OFFLOAD=${LAB_WAN_OFFLOAD:-off}
LAB_XDP_PEER_TX=${LAB_XDP_PEER_TX:-off}
LAB_INET_OFFLOAD=${LAB_INET_OFFLOAD:-on}
LAB_START_CE=${LAB_START_CE:-1}
LAB_START_BR=${LAB_START_BR:-1}
LAB_START_SERVERS=${LAB_START_SERVERS:-1}
LAB_HTTP_MB=${LAB_HTTP_MB:-12}
LAB_VERBOSE=${LAB_VERBOSE:-0}

LAB_STATE=/run/mce-lab           # pids/, dir (path of LAB_DIR)
LAB_LOCK=/run/mce-lab.lock       # one lab at a time on the machine
LAB_CE_PIN=/sys/fs/bpf/mapce/$LAB_IF_WAN
LAB_BR_PIN=/sys/fs/bpf/mapce_br/$LAB_IF_BR_WAN
LAB_DIR=${LAB_DIR:-}
LAB_CE_STATE=off
LAB_BR_STATE=off
LAB_CE_ERR=
LAB_BR_ERR=

# ---- helpers ----------------------------------------------------------
lab_log() { echo "lab: $*" >&2; }
lab_vlog() { [ "$LAB_VERBOSE" = 1 ] && echo "lab: $*" >&2; return 0; }

# lab_exec NS CMD...: run CMD in network namespace NS (ip netns exec).
lab_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# lab_nsenter NS CMD...: CMD with only the network namespace switched, so
# bpffs pins under /sys/fs/bpf persist between calls (use for mapce).
lab_nsenter() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# lab_mapce NS ARGS...: build/mapce in NS (bounded by LAB_MAPCE_TIMEOUT
# seconds).  lab_ce / lab_br: in the CE / the BR.
lab_mapce() {
	local ns=$1
	shift
	timeout "${LAB_MAPCE_TIMEOUT:-60}" nsenter --net="/run/netns/$ns" "$MAPCE" "$@"
}
lab_ce() { lab_mapce "$LAB_NS_CE" "$@"; }
lab_br() { lab_mapce "$LAB_NS_BR" "$@"; }

# lab_wait SECONDS CMD...: retry CMD every 0.2 s until it succeeds or
# SECONDS pass.  Returns CMD's last status.
lab_wait() {
	local secs=$1
	shift
	local end=$((SECONDS + secs))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && break
		sleep 0.2
	done
	"$@" >/dev/null 2>&1
}

# lab_bg NAME NS CMD...: start CMD in NS in the background; output to
# $LAB_DIR/NAME.log; pid (and start time, against pid reuse) recorded in
# $LAB_STATE/pids/NAME for lab_stop / lab_down.
lab_bg() {
	local name=$1 ns=$2
	shift 2
	local pidf=$LAB_STATE/pids/$name
	mkdir -p "$LAB_STATE/pids"
	# The child writes its own pid, then execs into the server (ip netns
	# exec execs too), so the recorded pid is the server's.
	# (without the lab lock's fd: a server must not hold the lock)
	if [ -n "${LAB_LOCK_FD:-}" ]; then
		sh -c 'echo $$ > "$0.tmp"; exec ip netns exec "$@"' "$pidf" "$ns" "$@" \
			</dev/null >"$LAB_DIR/$name.log" 2>&1 {LAB_LOCK_FD}>&- &
	else
		sh -c 'echo $$ > "$0.tmp"; exec ip netns exec "$@"' "$pidf" "$ns" "$@" \
			</dev/null >"$LAB_DIR/$name.log" 2>&1 &
	fi
	for _ in $(seq 50); do
		[ -s "$pidf.tmp" ] && break
		sleep 0.05
	done
	local pid
	pid=$(cat "$pidf.tmp" 2>/dev/null)
	rm -f "$pidf.tmp"
	[ -n "$pid" ] || { lab_log "could not start $name"; return 1; }
	echo "$pid $(lab_starttime "$pid")" >"$pidf"
}

# /proc/PID/stat fields after the "(comm) " (which may hold spaces):
# 1 state ... 20 starttime.
lab_stat() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"; }
lab_starttime() { lab_stat "$1" 20; }
# lab_alive PID: running (a zombie is not)
lab_alive() {
	local s
	s=$(lab_stat "$1" 1)
	[ -n "$s" ] && [ "$s" != Z ]
}

# lab_kill_pid PID [STARTTIME]: TERM, wait up to 3 s, then KILL (bounded).
lab_kill_pid() {
	local pid=$1 st=${2:-}
	[ -n "$pid" ] || return 0
	lab_alive "$pid" || return 0
	if [ -n "$st" ] && [ "$(lab_starttime "$pid")" != "$st" ]; then
		return 0 # the pid was reused: not ours
	fi
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 30); do
		lab_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 20); do
		lab_alive "$pid" || return 0
		sleep 0.1
	done
	lab_log "pid $pid did not exit"
}

# lab_stop NAME: stop a process started with lab_bg.
lab_stop() {
	local pidf=$LAB_STATE/pids/$1 pid st
	[ -f "$pidf" ] || return 0
	read -r pid st <"$pidf"
	lab_kill_pid "$pid" "$st"
	rm -f "$pidf"
	# reap it if it is our child
	wait "$pid" 2>/dev/null || true
}

# lab_set_wan_offload on|off: checksum offload, TSO and GSO along the CE's
# WAN egress path (LAN host -> CE -> mce-wan).
lab_set_wan_offload() {
	local v=$1
	LAB_WAN_OFFLOAD=$v
	lab_exec "$LAB_NS_LAN" ethtool -K "$LAB_IF_LAN" tx "$v" tso "$v" gso "$v" >/dev/null 2>&1 &&
	lab_exec "$LAB_NS_CE" ethtool -K "$LAB_IF_CE_LAN" tx "$v" tso "$v" gso "$v" >/dev/null 2>&1 &&
	lab_exec "$LAB_NS_CE" ethtool -K "$LAB_IF_WAN" tx "$v" tso "$v" gso "$v" >/dev/null 2>&1 || {
		lab_log "ethtool -K ... tx $v failed"
		return 1
	}
}

# ---- plumbing ---------------------------------------------------------
lab_ns_sysctls() { # NS: no DAD, no RAs, quiet IPv6 on every new device
	local ns=$1
	lab_exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.all.router_solicitations=0 >/dev/null
}

lab_veth() { # NS1 IF1 NS2 IF2
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		lab_exec "$1" ip link set "$2" up &&
		lab_exec "$3" ip link set "$4" up
}

lab_plumb() {
	local ns ip
	for ns in "${LAB_NAMESPACES[@]}"; do
		ip netns add "$ns" || return 1
		lab_exec "$ns" ip link set lo up || return 1
		lab_ns_sysctls "$ns" || return 1
	done
	lab_veth "$LAB_NS_LAN" "$LAB_IF_LAN" "$LAB_NS_CE" "$LAB_IF_CE_LAN" &&
	lab_veth "$LAB_NS_CE" "$LAB_IF_WAN" "$LAB_NS_ISP" "$LAB_IF_ISP_CE" &&
	lab_veth "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_NS_BR" "$LAB_IF_BR_WAN" &&
	lab_veth "$LAB_NS_BR" "$LAB_IF_BR_INET" "$LAB_NS_INET" "$LAB_IF_INET" || return 1

	# LAN host
	lab_exec "$LAB_NS_LAN" ip addr add "$LAB_LAN_IP/24" dev "$LAB_IF_LAN" &&
	lab_exec "$LAB_NS_LAN" ip route add default via "$LAB_CE_LAN_IP" || return 1

	# CE: IPv4 router LAN <-> tunnel, IPv6 host on the WAN
	lab_exec "$LAB_NS_CE" sysctl -qw net.ipv4.ip_forward=1 >/dev/null &&
	lab_exec "$LAB_NS_CE" ip addr add "$LAB_CE_LAN_IP/24" dev "$LAB_IF_CE_LAN" &&
	lab_exec "$LAB_NS_CE" ip -6 addr add "$LAB_CE_WAN_IP6/64" dev "$LAB_IF_WAN" nodad &&
	lab_exec "$LAB_NS_CE" ip -6 route add default via "$LAB_ISP_CE_IP6" dev "$LAB_IF_WAN" ||
		return 1

	# ISP: IPv6-only router
	lab_exec "$LAB_NS_ISP" sysctl -qw net.ipv6.conf.all.forwarding=1 >/dev/null &&
	lab_exec "$LAB_NS_ISP" ip -6 addr add "$LAB_ISP_CE_IP6/64" dev "$LAB_IF_ISP_CE" nodad &&
	lab_exec "$LAB_NS_ISP" ip -6 addr add "$LAB_ISP_BR_IP6/64" dev "$LAB_IF_ISP_BR" nodad &&
	lab_exec "$LAB_NS_ISP" ip -6 route add "$LAB_BR_IP6/128" via "$LAB_BR_LINK_IP6" ||
		return 1

	# BR
	lab_exec "$LAB_NS_BR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 >/dev/null &&
	lab_exec "$LAB_NS_BR" ip -6 addr add "$LAB_BR_LINK_IP6/64" dev "$LAB_IF_BR_WAN" nodad &&
	lab_exec "$LAB_NS_BR" ip -6 addr add "$LAB_BR_IP6/128" dev "$LAB_IF_BR_WAN" nodad &&
	lab_exec "$LAB_NS_BR" ip -6 route add default via "$LAB_ISP_BR_IP6" dev "$LAB_IF_BR_WAN" &&
	lab_exec "$LAB_NS_BR" ip addr add "$LAB_BR_INET_IP/24" dev "$LAB_IF_BR_INET" || return 1

	# internet: ten server addresses
	for ip in "${LAB_INET_IPS[@]}"; do
		lab_exec "$LAB_NS_INET" ip addr add "$ip/24" dev "$LAB_IF_INET" || return 1
	done
	lab_exec "$LAB_NS_INET" ip route add default via "$LAB_BR_INET_IP" || return 1

	# offloads: XDP peers send full checksums; WAN path per LAB_WAN_OFFLOAD
	lab_exec "$LAB_NS_ISP" ethtool -K "$LAB_IF_ISP_CE" tx "$LAB_XDP_PEER_TX" >/dev/null &&
	lab_exec "$LAB_NS_ISP" ethtool -K "$LAB_IF_ISP_BR" tx "$LAB_XDP_PEER_TX" >/dev/null &&
	lab_exec "$LAB_NS_INET" ethtool -K "$LAB_IF_INET" tx "$LAB_INET_OFFLOAD" \
		tso "$LAB_INET_OFFLOAD" gso "$LAB_INET_OFFLOAD" >/dev/null || return 1
	lab_set_wan_offload "$LAB_WAN_OFFLOAD" || return 1

	# every link usable (no DAD, but veth carrier comes up asynchronously)
	lab_wait 10 lab_exec "$LAB_NS_LAN" ping -c1 -W1 "$LAB_CE_LAN_IP" ||
		{ lab_log "LAN link not usable"; return 1; }
	lab_wait 10 lab_exec "$LAB_NS_CE" ping -6 -c1 -W1 "$LAB_ISP_CE_IP6" ||
		{ lab_log "CE-ISP link not usable"; return 1; }
	lab_wait 10 lab_exec "$LAB_NS_ISP" ping -6 -c1 -W1 "$LAB_BR_LINK_IP6" ||
		{ lab_log "ISP-BR link not usable"; return 1; }
	lab_wait 10 lab_exec "$LAB_NS_CE" ping -6 -c1 -W1 "$LAB_BR_IP6" ||
		{ lab_log "CE cannot reach the BR address over IPv6"; return 1; }
	lab_wait 10 lab_exec "$LAB_NS_BR" ping -c1 -W1 "${LAB_INET_IPS[9]}" ||
		{ lab_log "BR-internet link not usable"; return 1; }
}

lab_servers() {
	local ip udp_listen=()
	for ip in "${LAB_INET_IPS[@]}"; do
		udp_listen+=(--listen "$ip:$LAB_UDP_PORT")
	done
	mkdir -p "$LAB_DIR/www" || return 1
	head -c "$((LAB_HTTP_MB * 1024 * 1024))" /dev/urandom >"$LAB_DIR/www/$LAB_HTTP_FILE" ||
		return 1
	LAB_HTTP_SHA256=$(sha256sum "$LAB_DIR/www/$LAB_HTTP_FILE" | cut -d' ' -f1)
	LAB_HTTP_SIZE=$(stat -c %s "$LAB_DIR/www/$LAB_HTTP_FILE")
	LAB_HTTP_URL=http://$LAB_INET_IP:$LAB_HTTP_PORT/$LAB_HTTP_FILE
	LAB_TCP_LOG=$LAB_DIR/tcp$LAB_TCP_PORT.peers
	LAB_TCP6_LOG=$LAB_DIR/tcp$LAB_TCP6_PORT.peers
	LAB_UDP_LOG=$LAB_DIR/udp$LAB_UDP_PORT.peers

	lab_bg http "$LAB_NS_INET" "$LAB_PY" -m http.server "$LAB_HTTP_PORT" \
		--bind "$LAB_INET_IP" --directory "$LAB_DIR/www" || return 1
	lab_bg udp "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" server \
		"${udp_listen[@]}" --log "$LAB_UDP_LOG" \
		--ready "$LAB_DIR/udp.ready" || return 1
	lab_bg tcp "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "0.0.0.0:$LAB_TCP_PORT" --log "$LAB_TCP_LOG" \
		--ready "$LAB_DIR/tcp.ready" || return 1
	lab_bg tcp6 "$LAB_NS_ISP" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
		--listen "[$LAB_ISP_CE_IP6]:$LAB_TCP6_PORT" --log "$LAB_TCP6_LOG" \
		--ready "$LAB_DIR/tcp6.ready" || return 1

	lab_wait 10 test -e "$LAB_DIR/udp.ready" &&
	lab_wait 10 test -e "$LAB_DIR/tcp.ready" &&
	lab_wait 10 test -e "$LAB_DIR/tcp6.ready" &&
	lab_wait 10 lab_exec "$LAB_NS_INET" curl -sf -o /dev/null -r 0-0 "$LAB_HTTP_URL" || {
		lab_log "servers did not come up"
		for ip in http udp tcp tcp6; do
			sed "s/^/lab: $ip: /" "$LAB_DIR/$ip.log" >&2
		done
		return 1
	}
}

# Run mapce; on failure classify it: "missing" when the command is still
# a stub ("not implemented"), else "failed".  Sets $1_STATE / $1_ERR.
lab_try_mapce() { # VAR NS ARGS...
	local var=$1 ns=$2 out rc msg
	shift 2
	out=$(lab_mapce "$ns" "$@" 2>&1)
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
	[ $rc -eq 124 ] && msg="timed out after ${LAB_MAPCE_TIMEOUT:-60} s"
	printf -v "${var}_STATE" 'failed: mapce %s exited %d: %s' "$1" $rc "${msg:0:300}"
	lab_log "mapce $* exited $rc; its output:"
	sed 's/^/lab:   /' <<<"$out" | tail -n 40 >&2
	return 1
}

# lab_ce_up / lab_br_up: start mapce in the CE / the BR (LAB_*_STATE set).
lab_ce_up() {
	lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}"
}
lab_br_up() {
	lab_try_mapce LAB_BR "$LAB_NS_BR" br up --dev "$LAB_IF_BR_WAN" "${LAB_RULE_ARGS[@]}"
}
lab_ce_down() { lab_ce down --wan "$LAB_IF_WAN"; }
lab_br_down() { lab_br br down --dev "$LAB_IF_BR_WAN"; }

lab_mount_bpffs() {
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] && return 0
	mount -t bpf bpf /sys/fs/bpf
}

# lab_up: build the lab.  0 when the plumbing and the servers work (the CE
# and BR may still be missing: see LAB_CE_STATE / LAB_BR_STATE), 1 if not.
lab_up() {
	local fd
	trap 'lab_down' EXIT
	trap 'lab_down; exit 130' INT
	trap 'lab_down; exit 143' TERM
	# one lab at a time: a second one would tear this one's namespaces down
	exec {fd}>"$LAB_LOCK"
	LAB_LOCK_FD=$fd
	if ! flock -w 300 "$fd"; then
		lab_log "another lab holds $LAB_LOCK for over 300 s"
		return 1
	fi
	lab_down_quiet # leftovers of a run that was killed hard
	[ -x "$MAPCE" ] || { lab_log "$MAPCE not built (make)"; return 1; }
	mkdir -p "$LAB_STATE/pids" || return 1
	LAB_DIR=$(mktemp -d /tmp/mce-lab.XXXXXX) || return 1
	echo "$LAB_DIR" >"$LAB_STATE/dir"
	lab_start_guard || return 1
	lab_mount_bpffs || { lab_log "cannot mount bpffs on /sys/fs/bpf"; return 1; }
	lab_vlog "plumbing"
	lab_plumb || { lab_log "plumbing failed"; return 1; }
	if [ "$LAB_START_SERVERS" = 1 ]; then
		lab_vlog "servers"
		lab_servers || return 1
	fi
	if [ "$LAB_START_BR" = 1 ]; then
		lab_br_up || lab_log "BR: $LAB_BR_STATE"
	fi
	if [ "$LAB_START_CE" = 1 ]; then
		lab_ce_up || lab_log "CE: $LAB_CE_STATE"
	fi
	return 0
}

lab_down_quiet() { lab_down >/dev/null 2>&1; }

# The guard (lab-tools/lab_guard.py) tears the lab down if this shell dies
# without running lab_down (SIGKILL, a signal its trap did not get).
lab_start_guard() {
	local pid owner=$BASHPID # (expanded in a background child it would be the child's)
	echo "$owner" >"$LAB_STATE/owner"
	"$LAB_PY" "$LAB_TOOLS/lab_guard.py" "$owner" "$LAB_TOP/tests/lab/lib/lab.sh" \
		"$LAB_LOCK" "$LAB_STATE/owner" </dev/null >/dev/null {LAB_LOCK_FD}>&- &
	pid=$!
	echo "$pid $(lab_starttime "$pid")" >"$LAB_STATE/guard"
}

lab_stop_guard() {
	local pid st
	[ -n "${LAB_GUARD_RUNNING:-}" ] && return 0 # we are the guard
	[ -f "$LAB_STATE/guard" ] || return 0
	read -r pid st <"$LAB_STATE/guard"
	if [ -n "$pid" ] && [ "$(lab_starttime "$pid")" = "$st" ]; then
		kill -KILL "$pid" 2>/dev/null # it ignores TERM by design
		wait "$pid" 2>/dev/null
	fi
	rm -f "$LAB_STATE/guard" "$LAB_STATE/owner"
}

# lab_down: stop mapce (CE, BR), the servers and anything else left in the
# lab's namespaces, delete the namespaces, and remove what a crashed mapce
# may have left (pins, /run/mapce state).  Bounded and idempotent.
lab_down() {
	local ns pidf pid st dir f
	lab_stop_guard
	if [ -x "$MAPCE" ]; then
		[ -e "/run/netns/$LAB_NS_CE" ] && LAB_MAPCE_TIMEOUT=20 lab_ce_down >/dev/null 2>&1
		[ -e "/run/netns/$LAB_NS_BR" ] && LAB_MAPCE_TIMEOUT=20 lab_br_down >/dev/null 2>&1
	fi
	if [ -d "$LAB_STATE/pids" ]; then
		for pidf in "$LAB_STATE"/pids/*; do
			[ -f "$pidf" ] || continue
			read -r pid st <"$pidf"
			lab_kill_pid "$pid" "$st"
			wait "$pid" 2>/dev/null
			rm -f "$pidf"
		done
	fi
	for ns in "${LAB_NAMESPACES[@]}"; do
		[ -e "/run/netns/$ns" ] || continue
		# anything still running inside (a test's client, a stray daemon)
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			lab_kill_pid "$pid"
		done
		ip netns del "$ns" 2>/dev/null
	done
	# What a failing or missing `mapce down` leaves: the lab's own pins and
	# state only (keyed by the lab's unique interface names).
	rm -rf "$LAB_CE_PIN" "$LAB_BR_PIN"
	rmdir /sys/fs/bpf/mapce /sys/fs/bpf/mapce_br 2>/dev/null
	for f in /run/mapce/*"$LAB_IF_WAN"* /run/mapce/*"$LAB_IF_BR_WAN"*; do
		[ -e "$f" ] && rm -rf "$f"
	done
	rmdir /run/mapce 2>/dev/null
	dir=$LAB_DIR
	[ -z "$dir" ] && [ -f "$LAB_STATE/dir" ] && dir=$(cat "$LAB_STATE/dir")
	case $dir in /tmp/mce-lab.*) rm -rf "$dir" ;; esac
	rm -rf "$LAB_STATE"
	LAB_DIR=
	LAB_CE_STATE=off
	LAB_BR_STATE=off
	return 0
}

# lab_residue: print what a lab may leave behind (empty when clean).
lab_residue() {
	local ns
	for ns in "${LAB_NAMESPACES[@]}"; do
		[ -e "/run/netns/$ns" ] && echo "netns $ns"
	done
	[ -e "$LAB_CE_PIN" ] && echo "pins $LAB_CE_PIN"
	[ -e "$LAB_BR_PIN" ] && echo "pins $LAB_BR_PIN"
	ls -d /run/mapce/*"$LAB_IF_WAN"* /run/mapce/*"$LAB_IF_BR_WAN"* 2>/dev/null |
		sed 's/^/state /'
	[ -e "$LAB_STATE" ] && echo "state $LAB_STATE"
	ls -d /tmp/mce-lab.* 2>/dev/null | sed 's/^/tmpdir /'
	return 0
}

# ---- queries used by the tests and the demo ---------------------------

# lab_port_set: the CE's port set, one port per line, from `mapce calc -j`
# when calc works (LAB_PORTSET_SOURCE=calc), else from the rule formula
# (LAB_PORTSET_SOURCE=formula: ((port >> 4) & 0xff) == PSID, port >> 12 != 0).
lab_port_set() {
	local js
	LAB_PORTSET_SOURCE=formula
	js=$("$MAPCE" -j calc "${LAB_RULE_ARGS[@]}" --prefix "$LAB_PREFIX" 2>/dev/null)
	if [ -n "$js" ] && "$LAB_PY" "$LAB_TOOLS/json_query.py" portset <<<"$js" >"$LAB_DIR/portset" 2>/dev/null &&
		[ -s "$LAB_DIR/portset" ]; then
		LAB_PORTSET_SOURCE=calc
		cat "$LAB_DIR/portset"
		return 0
	fi
	local p
	for ((p = 1024; p < 65536; p++)); do
		if (((p >> 4 & 0xff) == LAB_PSID && p >> 12 != 0)); then echo $p; fi
	done
}
