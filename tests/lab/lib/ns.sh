# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the files that source this)
#
# ns.sh - the network-namespace primitives every lab topology is built from
# (lab.sh, br.sh, ce_wan.sh in this folder).  Sourceable: it defines
# functions and variables, nothing runs until a function is called.
#
#   ns_init PREFIX          temp dir NS_TMP, per-run names, ns_cleanup on EXIT
#                           (ns_tmpdir, ns_trap: the two halves)
#   ns_preflight TOOL...    root and the tools, else NS_WHY
#   ns_name ROLE            PREFIX-ROLE-ID, a namespace name unique to this run
#   ns_ifname LETTER        PREFIXLETTERID, an interface name (<= 15 characters)
#   ns_create NS            namespace with lo up and the lab sysctls (no DAD,
#                           no router advertisements or solicitations)
#   ns_veth NS1 IF1 NS2 IF2 a veth pair between two namespaces, both ends up
#   ns_addr NS IF ADDR/LEN...   addresses (IPv6 ones without DAD)
#   ns_ip NS ARGS...        ip -n NS ARGS (links, addresses, routes)
#   ns_forwarding NS 4|6...     the namespace routes IPv4 and/or IPv6
#   ns_offload NS IF on|off [FEATURE...]   ethtool -K (default tx tso gso)
#   ns_exec NS CMD...       CMD in NS, bounded by NS_T seconds (ns_exec_t:
#                           its own bound); ns_nsenter: only the network
#                           namespace switched (bpffs pins stay visible)
#   ns_wait SECONDS CMD...  retry CMD until it succeeds, bounded
#   ns_udp_bound NS FILTER  a UDP socket in NS matches ss FILTER
#   ns_reach NS ADDR        wait (10 s at most) until NS gets a ping answer
#   ns_bg NAME NS CMD...    CMD in the background, output in NS_TMP/NAME.log;
#                           ns_stop NAME ends it (TERM, then KILL, bounded)
#   ns_serve NAME NS CMD... ns_bg with "--ready FILE" appended, waiting
#                           (bounded) for CMD to create FILE
#   ns_tcpdump NAME NS SECONDS ARGS...   a bounded capture, once listening
#   ns_http_serve NAME NS IP PORT MB   a random file over HTTP
#   ns_fetch NS SECONDS URL FILE SIZE SHA256 [CURL_ARGS...]   get and verify it
#   ns_cleanup              stop the background processes, kill whatever runs
#                           in this run's namespaces, delete them, remove
#                           NS_TMP; idempotent; ns_residue: what is left
#
# Every command run inside a namespace is under `timeout` (ns_ip only
# talks rtnetlink into one), every wait loop has a count or a deadline, so
# a test cannot hang on a lab.  A run's names carry
# NS_ID (the shell's pid) so two runs never share a namespace, an interface
# name, or the pins and state files mapce keys by interface name.  (The
# five-namespace lab, lab.sh, keeps fixed, documented names instead and
# holds a lock: one at a time on a machine.)

[ -n "${NS_SH_LOADED:-}" ] && return 0
NS_SH_LOADED=1

LAB_TOP=${LAB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
LAB_TOOLS=$LAB_TOP/tests/lab/tools # the python helpers (tests/lab/tools/)
if [ -z "${LAB_PY:-}" ]; then
	if [ -x /usr/bin/python3 ]; then LAB_PY=/usr/bin/python3; else LAB_PY=python3; fi
fi

NS_T=${NS_T:-60}    # seconds: the bound of one command in a namespace
NS_ID=${NS_ID:-$$}  # what makes this run's names unique
NS_PREFIX=          # ns_name / ns_ifname prefix (ns_init)
NS_LIST=()          # the namespaces ns_cleanup deletes
NS_TMP=             # this run's files: logs, pids/, downloads (ns_cleanup removes it)
NS_LOCK_FD=         # an fd (a lock) no background process may inherit
NS_WHY=             # why ns_preflight failed
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ next to tests/lab/tools

ns_log() { echo "${NS_LOG_TAG:-lab}: $*" >&2; }

# ---- a run: names, temp dir, the EXIT trap ------------------------------

# ns_trap FUNC: FUNC on EXIT; INT and TERM exit (running the EXIT trap).
ns_trap() {
	# shellcheck disable=SC2064 # FUNC is fixed now
	trap "$1" EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ns_tmpdir NAME: a fresh NS_TMP, /tmp/NAME.XXXXXX.
ns_tmpdir() {
	NS_TMP=$(mktemp -d "/tmp/$1.XXXXXX") && mkdir "$NS_TMP/pids"
}

# ns_init PREFIX: a run with names PREFIX-ROLE-ID and PREFIXxID, its temp
# dir, and ns_cleanup as the EXIT trap (a topology with more to undo passes
# its own cleanup to ns_trap afterwards).
ns_init() {
	NS_PREFIX=$1
	ns_tmpdir "$1" || exit 1
	ns_trap ns_cleanup
}

ns_name() { echo "$NS_PREFIX-$1-$NS_ID"; }
ns_ifname() { echo "$NS_PREFIX$1$NS_ID"; }

# ns_preflight TOOL...: root and every TOOL on PATH; else NS_WHY, status 1.
ns_preflight() {
	local tool
	NS_WHY=
	[ "$(id -u)" -eq 0 ] || { NS_WHY="needs root"; return 1; }
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { NS_WHY="$tool not installed"; return 1; }
	done
}

# ---- namespaces, links, addresses ----------------------------------------

# ns_ip NS ARGS...: `ip -n NS ARGS` (rtnetlink into NS: no process in it,
# nothing that can hang, so no timeout).
ns_ip() { ip -n "$@"; }

# ns_exec NS CMD...: CMD in network namespace NS (ip netns exec), bounded
# by NS_T seconds; ns_exec_t SECONDS NS CMD...: with its own bound.
ns_exec() { ns_exec_t "$NS_T" "$@"; }
ns_exec_t() {
	local secs=$1 ns=$2
	shift 2
	timeout "$secs" ip netns exec "$ns" "$@"
}

# ns_nsenter NS CMD...: CMD with only the network namespace switched, so
# the host's /sys/fs/bpf (mapce's pins) and /run stay in view; bounded.
ns_nsenter() {
	local ns=$1
	shift
	timeout "$NS_T" nsenter --net="/run/netns/$ns" "$@"
}

# ns_create NS: the namespace (one left by a run killed hard is removed
# first), lo up, no DAD, no router advertisements or solicitations on
# every device created in it later.
ns_create() {
	local ns=$1
	[ -e "/run/netns/$ns" ] && ns_delete "$ns"
	ip netns add "$ns" || return 1
	case " ${NS_LIST[*]} " in *" $ns "*) ;; *) NS_LIST+=("$ns") ;; esac
	ns_ip "$ns" link set lo up &&
		ns_exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.all.router_solicitations=0 \
			net.ipv6.conf.default.router_solicitations=0 >/dev/null
}

# ns_veth NS1 IF1 NS2 IF2: a veth pair, IF1 in NS1 and IF2 in NS2, both up.
ns_veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ns_ip "$1" link set "$2" up && ns_ip "$3" link set "$4" up
}

# ns_addr NS IF ADDR/LEN...: add the addresses (IPv6 ones nodad).
ns_addr() {
	local ns=$1 dev=$2 a
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ns_ip "$ns" -6 addr add "$a" dev "$dev" nodad ;;
		*) ns_ip "$ns" addr add "$a" dev "$dev" ;;
		esac || return 1
	done
}

# ns_forwarding NS 4|6...: NS forwards IPv4 and/or IPv6 (a router).
ns_forwarding() {
	local ns=$1 v args=()
	shift
	for v in "$@"; do args+=("net.ipv$v.conf.all.forwarding=1"); done
	ns_exec "$ns" sysctl -qw "${args[@]}" >/dev/null
}

# ns_offload NS IF on|off [FEATURE...]: ethtool -K IF FEATURE on|off for
# each FEATURE (default: tx tso gso, i.e. checksum offload and
# segmentation: what a TC program is handed).
ns_offload() {
	local ns=$1 dev=$2 v=$3 f args=()
	shift 3
	[ $# -gt 0 ] || set -- tx tso gso
	for f in "$@"; do args+=("$f" "$v"); done
	ns_exec "$ns" ethtool -K "$dev" "${args[@]}" >/dev/null 2>&1 ||
		{ ns_log "ethtool -K $dev ${args[*]} failed in $ns"; return 1; }
}

# ns_wait SECONDS CMD...: retry CMD until it succeeds or SECONDS pass; 0
# when it did.
ns_wait() {
	local end=$((SECONDS + $1)) n=0
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge $end ] && break
		# most waits end within a second (a server starting): look often
		# then, less often after
		n=$((n + 1))
		if [ $n -le 20 ]; then sleep 0.05; else sleep 0.2; fi
	done
	"$@" >/dev/null 2>&1
}

# ns_udp_bound NS FILTER: a UDP socket in NS matches the ss FILTER
# ('sport = :53', 'src 192.0.2.1:53'): a server has bound its port.
# (Matched after ss ends, never through a pipe: under pipefail, grep -q
# leaving at its first match can kill the command with SIGPIPE.)
ns_udp_bound() { grep -q . <<<"$(ns_exec "$1" ss -Hlnu "$2" 2>/dev/null)"; }

# ns_reach NS ADDR: NS gets an answer to a ping to ADDR within 10 s (a
# veth's carrier comes up asynchronously).
ns_reach() {
	local v=-4
	case $2 in *:*) v=-6 ;; esac
	ns_wait 10 ns_exec "$1" ping "$v" -c1 -W1 "$2"
}

# ---- processes -----------------------------------------------------------

# /proc/PID/stat fields after the "(comm) " (which may hold spaces):
# 1 state ... 20 starttime (what tells a reused pid from ours).
ns_stat() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"; }
ns_starttime() { ns_stat "$1" 20; }
# ns_alive PID: running (a zombie is not)
ns_alive() {
	local s
	s=$(ns_stat "$1" 1)
	[ -n "$s" ] && [ "$s" != Z ]
}

# ns_kill_pid PID [STARTTIME]: TERM, up to 3 s, then KILL and up to 2 s
# more; a pid whose start time is not STARTTIME was reused: not ours.
ns_kill_pid() {
	local pid=$1 st=${2:-}
	[ -n "$pid" ] || return 0
	ns_alive "$pid" || { wait "$pid" 2>/dev/null; return 0; }
	[ -n "$st" ] && [ "$(ns_starttime "$pid")" != "$st" ] && return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 30); do
		ns_alive "$pid" || break
		sleep 0.1
	done
	if ns_alive "$pid"; then
		kill -KILL "$pid" 2>/dev/null
		for _ in $(seq 20); do
			ns_alive "$pid" || break
			sleep 0.1
		done
		ns_alive "$pid" && ns_log "pid $pid did not exit"
	fi
	wait "$pid" 2>/dev/null # reap it when it is our child
	return 0
}

# ns_bg NAME NS CMD...: CMD in NS in the background, stdin /dev/null,
# output to NS_TMP/NAME.log; its pid (NS_BG_PID) and start time recorded in
# NS_TMP/pids/NAME for ns_stop and ns_cleanup.  (`ip netns exec` execs CMD:
# the pid is CMD's.)
ns_bg() {
	local name=$1 ns=$2
	shift 2
	[ -d "$NS_TMP/pids" ] || { ns_log "ns_bg $name: no run (ns_init / ns_tmpdir)"; return 1; }
	if [ -n "$NS_LOCK_FD" ]; then # a server must not hold the lab's lock
		ip netns exec "$ns" "$@" </dev/null >"$NS_TMP/$name.log" 2>&1 {NS_LOCK_FD}>&- &
	else
		ip netns exec "$ns" "$@" </dev/null >"$NS_TMP/$name.log" 2>&1 &
	fi
	NS_BG_PID=$!
	echo "$NS_BG_PID $(ns_starttime "$NS_BG_PID")" >"$NS_TMP/pids/$name"
}

# ns_bg_pid NAME: the pid of a process ns_bg started (empty: none).
ns_bg_pid() { cut -d' ' -f1 "$NS_TMP/pids/$1" 2>/dev/null; }

# ns_stop NAME: stop a process ns_bg started.
ns_stop() {
	local f=$NS_TMP/pids/$1 pid st
	[ -f "$f" ] || return 0
	read -r pid st <"$f"
	ns_kill_pid "$pid" "$st"
	rm -f "$f"
}

# ns_serve NAME NS CMD...: ns_bg NAME NS CMD... --ready NS_TMP/NAME.ready,
# then wait up to 10 s for CMD to create that file (a tests/lab/tools
# server does once it listens).
ns_serve() {
	local name=$1
	rm -f "$NS_TMP/$name.ready"
	ns_bg "$@" --ready "$NS_TMP/$name.ready" &&
		ns_wait 10 test -e "$NS_TMP/$name.ready" && return 0
	ns_log "$name did not start:"
	tail -n 20 "$NS_TMP/$name.log" 2>/dev/null | sed "s/^/  $name: /" >&2
	return 1
}

# ns_tcpdump NAME NS SECONDS TCPDUMP_ARGS...: a capture in NS for at most
# SECONDS, started with ns_bg (ns_stop NAME ends it), once tcpdump says it
# is listening (10 s at most).
ns_tcpdump() {
	local name=$1 ns=$2 secs=$3
	shift 3
	ns_bg "$name" "$ns" timeout "$secs" tcpdump "$@" &&
		ns_wait 10 grep -q 'listening on' "$NS_TMP/$name.log" && return 0
	ns_log "tcpdump $name did not start: $(head -c 300 "$NS_TMP/$name.log" 2>/dev/null)"
	return 1
}

# ns_http_serve NAME NS IP PORT MB: MB MiB of random bytes served by
# python3 -m http.server on IP:PORT in NS; sets NS_HTTP_URL, NS_HTTP_SIZE,
# NS_HTTP_SHA256 once a first byte can be fetched (10 s at most).
ns_http_serve() {
	local name=$1 ns=$2 ip=$3 port=$4 mb=$5 www=$NS_TMP/www
	mkdir -p "$www" && head -c "$((mb * 1024 * 1024))" /dev/urandom >"$www/blob.bin" ||
		return 1
	NS_HTTP_SHA256=$(sha256sum "$www/blob.bin" | cut -d' ' -f1)
	NS_HTTP_SIZE=$(stat -c %s "$www/blob.bin")
	NS_HTTP_URL=http://$ip:$port/blob.bin
	ns_bg "$name" "$ns" "$LAB_PY" -m http.server "$port" --bind "$ip" --directory "$www" &&
		ns_wait 10 ns_exec "$ns" curl -sf -o /dev/null -r 0-0 "$NS_HTTP_URL" && return 0
	ns_log "the HTTP server did not start: $(tail -n 5 "$NS_TMP/$name.log" 2>/dev/null)"
	return 1
}

# ns_fetch NS SECONDS URL FILE SIZE SHA256 [CURL_ARGS...]: curl URL to FILE
# in NS (at most SECONDS); NS_FETCH_WHY says what is wrong with the copy
# (empty: SIZE bytes with that sha256), NS_FETCH_INFO is curl's
# "HTTP-code size speed".
ns_fetch() {
	local ns=$1 secs=$2 url=$3 file=$4 size=$5 sha=$6 got_size got_sha
	shift 6
	rm -f "$file"
	NS_FETCH_INFO=$(ns_exec_t "$((secs + 5))" "$ns" curl -sS --max-time "$secs" "$@" \
		-o "$file" -w '%{http_code} %{size_download} %{speed_download}' "$url" 2>&1)
	NS_FETCH_INFO=$(tr '\n' ' ' <<<"$NS_FETCH_INFO")
	got_size=$(stat -c %s "$file" 2>/dev/null || echo 0)
	got_sha=$(sha256sum "$file" 2>/dev/null | cut -d' ' -f1)
	NS_FETCH_WHY=
	if [ "$got_size" != "$size" ]; then
		NS_FETCH_WHY="got $got_size of $size bytes (curl: $NS_FETCH_INFO)"
	elif [ "$got_sha" != "$sha" ]; then
		NS_FETCH_WHY="sha256 $got_sha != $sha (curl: $NS_FETCH_INFO)"
	fi
}

# ---- cleanup -------------------------------------------------------------

# ns_stop_all: every process ns_bg recorded in NS_TMP/pids.
ns_stop_all() {
	local f
	[ -n "$NS_TMP" ] && [ -d "$NS_TMP/pids" ] || return 0
	for f in "$NS_TMP"/pids/*; do
		[ -f "$f" ] && ns_stop "${f##*/}"
	done
	return 0
}

# ns_delete NS...: kill whatever still runs in each namespace (a test's
# client, a daemon), then delete it.
ns_delete() {
	local ns pid
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			ns_kill_pid "$pid"
		done
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# ns_cleanup: the run's processes, namespaces and temp dir, gone.  Safe to
# call again (the EXIT trap will); the namespace list stays for ns_residue
# until ns_forget.
ns_cleanup() {
	ns_stop_all
	ns_delete "${NS_LIST[@]}"
	case $NS_TMP in /tmp/?*.??????) rm -rf "$NS_TMP" ;; esac
	NS_TMP=
	return 0
}

ns_forget() { NS_LIST=(); }

# ns_residue: the namespaces of this run that still exist (empty: none).
ns_residue() {
	local ns
	for ns in "${NS_LIST[@]}"; do
		[ -e "/run/netns/$ns" ] && echo "netns $ns"
	done
	return 0
}
