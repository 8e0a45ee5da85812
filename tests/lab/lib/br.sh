# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# test_br_lib.sh - shared by the BR lab tests (tests/lab/test_br_*.sh).
# Sourced, not run: it is not executable, so tests/run.sh skips it.
#
# Every name a test creates carries "tbr" and the test's pid: namespaces
# tbr-<role>-PID, interfaces tbr<letter>PID (at most 11 characters), pins
# /sys/fs/bpf/mapce_br/tbr<letter>PID, state /run/mapce/br-tbr<letter>PID.
# tbr_cleanup (installed as the EXIT trap by tbr_init) stops what the test
# started, takes the BR down and removes all of it.  Every command runs
# under a timeout.
#
# The CE side is emulated, so a BR test does not depend on the CE:
#   ce_emul.py  one UDP datagram from a MAP address over a raw IPv6 socket
#               (next header 4), then waits for the encapsulated answer
#   tun_ce.py   a CE without NAT: IPv4 from a TUN device goes to the BR as
#               IPv4-in-IPv6 from the MAP address, IPv4-in-IPv6 from the BR
#               goes into the TUN; the namespace's own stack (ping, curl)
#               is the CE's "LAN host" with the shared address
#   icmp_sniff.py  every ICMPv4 error a host receives, decoded, as JSON lines

# shellcheck disable=SC2034 # variables the tests that source this use
# shellcheck source-path=SCRIPTDIR source=../../tests/lab/lib/harness.sh
. tests/lab/lib/harness.sh

TBR_MAPCE=$(realpath "${OUTPUT:-build}/mapce" 2>/dev/null || echo "${OUTPUT:-build}/mapce")
if [ -x /usr/bin/python3 ]; then TBR_PY=/usr/bin/python3; else TBR_PY=python3; fi
TBR_T=20 # seconds, any single command
TBR_ID=$$

# The domain (v6plus style, legacy IIDs): 198.51.100.18 PSID 0x34 owns
# ports 0x1340-0x134f, 0x2340-0x234f, ... (4928-4943, ...).
TBR_BR6=2001:db8:ffff::64
TBR_CE_V4=198.51.100.18
TBR_CE6=2001:db8:12:3400:c6:3364:1200:3400  # 198.51.100.18 PSID 0x34
TBR_CE19_6=2001:db8:13:3400:c6:3364:1300:3400 # 198.51.100.19 PSID 0x34
# shellcheck disable=SC2054 # the commas are the rule's syntax
TBR_RULE=(--legacy-iid --rule 2001:db8::/40,198.51.100.0/24,16,4)
TBR_SV=203.0.113.10
TBR_SV_GW=203.0.113.1

TBR_NAMESPACES=()
TBR_PIDS=()
TBR_BR_UP=() # "NS DEV" pairs to take down (br down)
TBR_CE_UP=() # "NS WAN" pairs (mapce down), for tests that run the real CE
TBR_TMP=

# tbr_init NAME: temp dir, helpers, trap.  NAME prefixes the case names.
tbr_init() {
	TBR_NAME=$1
	TBR_TMP=$(mktemp -d /tmp/tbr.XXXXXX) || exit 1
	trap tbr_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	tbr_write_helpers
}

# tbr_skip_all REASON CASE...: every case skipped, exit 0.
tbr_skip_all() {
	local why=$1 c
	shift
	for c in "$@"; do t_skip "$TBR_NAME: $c" "$why"; done
	exit 0
}

# tbr_preflight CASE...: root, tools, build; skip everything otherwise.
tbr_preflight() {
	local tool
	[ "$(id -u)" -eq 0 ] || tbr_skip_all "needs root" "$@"
	for tool in ip nsenter timeout ethtool sha256sum "$TBR_PY"; do
		command -v "$tool" >/dev/null || tbr_skip_all "$tool not installed" "$@"
	done
	[ -x "$TBR_MAPCE" ] || tbr_skip_all "$TBR_MAPCE not built" "$@"
	[ "$(stat -f -c %T /sys/fs/bpf 2>/dev/null)" = bpf_fs ] ||
		mount -t bpf bpf /sys/fs/bpf 2>/dev/null ||
		tbr_skip_all "no bpffs on /sys/fs/bpf" "$@"
}

# tbr_ns ROLE: create namespace tbr-ROLE-PID (lo up, no DAD, no RAs).
tbr_ns() {
	local ns=tbr-$1-$TBR_ID
	ip netns add "$ns" || return 1
	TBR_NAMESPACES+=("$ns")
	ip -n "$ns" link set lo up &&
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_ra=0 \
			net.ipv6.conf.default.accept_ra=0 >/dev/null
}

# on NS CMD...: CMD in network namespace tbr-NS-PID, bounded.
on() {
	local ns=tbr-$1-$TBR_ID
	shift
	timeout "$TBR_T" ip netns exec "$ns" "$@"
}

# on_t SECONDS NS CMD...: like on, with its own bound.
on_t() {
	local secs=$1 ns=tbr-$2-$TBR_ID
	shift 2
	timeout "$secs" ip netns exec "$ns" "$@"
}

# tbr_mapce NS ARGS...: build/mapce with only the network namespace
# switched (the pins stay in the host's bpffs), bounded.
tbr_mapce() {
	local ns=tbr-$1-$TBR_ID
	shift
	timeout "$TBR_T" nsenter --net="/run/netns/$ns" "$TBR_MAPCE" "$@"
}

# tbr_br_up NS DEV [ARGS...]: mapce br up (rule and BR address by default);
# output in $TBR_TMP/br_up.out, status returned.
tbr_br_up() {
	local ns=$1 dev=$2
	shift 2
	TBR_BR_UP+=("$ns $dev")
	tbr_mapce "$ns" br up --dev "$dev" --br "$TBR_BR6" "${TBR_RULE[@]}" "$@" \
		>"$TBR_TMP/br_up.out" 2>&1
}

# tbr_bg NS CMD...: CMD in the background in namespace NS (output to
# $TBR_TMP/bg.N.log); its pid is killed by tbr_cleanup.  Sets TBR_LAST_PID.
tbr_bg() {
	local ns=tbr-$1-$TBR_ID
	shift
	ip netns exec "$ns" "$@" </dev/null >"$TBR_TMP/bg.${#TBR_PIDS[@]}.log" 2>&1 &
	TBR_LAST_PID=$!
	TBR_PIDS+=("$TBR_LAST_PID")
}

# tbr_kill PID: TERM, up to 3 s, then KILL; reaped.
tbr_kill() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for _ in $(seq 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# tbr_wait SECONDS CMD...: retry CMD every 0.2 s until it succeeds.
tbr_wait() {
	local end=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ $SECONDS -ge "$end" ] && return 1
		sleep 0.2
	done
}

tbr_cleanup() {
	local p ns dev pid
	for pid in "${TBR_PIDS[@]}"; do tbr_kill "$pid"; done
	for p in "${TBR_CE_UP[@]}"; do
		read -r ns dev <<<"$p"
		[ -e "/run/netns/tbr-$ns-$TBR_ID" ] &&
			tbr_mapce "$ns" down --wan "$dev" >/dev/null 2>&1
		rm -rf "/sys/fs/bpf/mapce/$dev" "/run/mapce/$dev.state"
	done
	for p in "${TBR_BR_UP[@]}"; do
		read -r ns dev <<<"$p"
		[ -e "/run/netns/tbr-$ns-$TBR_ID" ] &&
			tbr_mapce "$ns" br down --dev "$dev" >/dev/null 2>&1
		rm -rf "/sys/fs/bpf/mapce_br/$dev" "/run/mapce/br-$dev.state"
	done
	rmdir /sys/fs/bpf/mapce_br /sys/fs/bpf/mapce 2>/dev/null
	for ns in "${TBR_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do tbr_kill "$pid"; done
		ip netns del "$ns" 2>/dev/null
	done
	case $TBR_TMP in /tmp/tbr.*) rm -rf "$TBR_TMP" ;; esac
}

# tbr_cleanup_case: the last case of every test: clean up now and check
# that nothing is left (the EXIT trap then finds nothing to do).
tbr_cleanup_case() {
	local res
	t_begin "$TBR_NAME: cleanup_leaves_nothing"
	tbr_cleanup
	res=$(tbr_residue)
	[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
	TBR_PIDS=() TBR_BR_UP=() TBR_CE_UP=() TBR_NAMESPACES=() TBR_TMP=
	t_end
}

# tbr_restart: clean up and start over with a new temp dir (for tests
# that build a second lab).
tbr_restart() {
	tbr_cleanup
	TBR_PIDS=() TBR_BR_UP=() TBR_CE_UP=() TBR_NAMESPACES=()
	TBR_TMP=$(mktemp -d /tmp/tbr.XXXXXX) && tbr_write_helpers
}

# tbr_residue: what a test may leave behind (empty when clean).
tbr_residue() {
	local ns p dev
	for ns in "${TBR_NAMESPACES[@]}"; do
		[ -e "/run/netns/$ns" ] && echo "netns $ns"
	done
	for p in "${TBR_BR_UP[@]}"; do
		read -r ns dev <<<"$p"
		[ -e "/sys/fs/bpf/mapce_br/$dev" ] && echo "pins $dev"
		[ -e "/run/mapce/br-$dev.state" ] && echo "state $dev"
	done
	for p in "${TBR_CE_UP[@]}"; do
		read -r ns dev <<<"$p"
		[ -e "/sys/fs/bpf/mapce/$dev" ] && echo "pins $dev"
		[ -e "/run/mapce/$dev.state" ] && echo "state $dev"
	done
	return 0
}

# tbr_counters NS DEV: `br status -j` counters as "name packets bytes" lines
# in $TBR_TMP/counters (and the JSON in $TBR_TMP/status.json).
tbr_counters() {
	tbr_mapce "$1" -j br status --dev "$2" >"$TBR_TMP/status.json" 2>"$TBR_TMP/status.err" ||
		return 1
	"$TBR_PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k, v in d["counters"].items():
    print(k, v["packets"], v["bytes"])
' "$TBR_TMP/status.json" >"$TBR_TMP/counters"
}

# cnt NAME: packets of counter NAME from the last tbr_counters (0 if none).
cnt() { awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }' "$TBR_TMP/counters"; }
# cnt_bytes NAME
cnt_bytes() { awk -v n="$1" '$1 == n { print $3; f = 1 } END { if (!f) print 0 }' "$TBR_TMP/counters"; }
# nonzero: the counters that moved, for messages
nonzero() { awk '$2 != 0 { printf "%s=%s ", $1, $2 }' "$TBR_TMP/counters"; }

# ---- a BR between a TUN CE (optionally behind an IPv6 router) and a server
#
#   tbr-ce  tbrcPID (MAP address /128, 2001:db8:f01::2/64)  + tun tbrtPID
#           (198.51.100.18/32; 203.0.113.0/24 via the TUN)
#   [tbr-rt tbrrPID 2001:db8:f01::1/64 | tbrqPID 2001:db8:f00::2/64]
#   tbr-br  tbrbPID 2001:db8:f00::1/64 (br up here) | tbriPID 203.0.113.1/24
#   tbr-sv  tbrsPID 203.0.113.10/24
#
# Without the router, the CE's link is 2001:db8:f00::2/64 straight to the
# BR.  TBR_CE_MTU: MTU of the CE's IPv6 link (router side too);
# TBR_TUN_MTU: the TUN's (the CE's IPv4 MTU over the tunnel).
# Sets TBR_CE_IF TBR_TUN TBR_BR_IF TBR_BR_INET TBR_SV_IF.
tbr_topology() { # with_router(0|1)
	local router=$1 ce_mtu=${TBR_CE_MTU:-1500}
	TBR_CE_IF=tbrc$TBR_ID TBR_TUN=tbrt$TBR_ID TBR_BR_IF=tbrb$TBR_ID
	TBR_BR_INET=tbri$TBR_ID TBR_SV_IF=tbrs$TBR_ID
	local rt_ce=tbrr$TBR_ID rt_br=tbrq$TBR_ID ce_nh
	tbr_ns ce && tbr_ns br && tbr_ns sv || return 1
	if [ "$router" = 1 ]; then
		tbr_ns rt || return 1
		ip link add "$TBR_CE_IF" netns "tbr-ce-$TBR_ID" type veth peer name "$rt_ce" \
			netns "tbr-rt-$TBR_ID" &&
			ip link add "$rt_br" netns "tbr-rt-$TBR_ID" type veth peer name "$TBR_BR_IF" \
				netns "tbr-br-$TBR_ID" &&
			on rt ip link set "$rt_ce" mtu "$ce_mtu" up &&
			on rt ip link set "$rt_br" up &&
			on rt ip -6 addr add 2001:db8:f01::1/64 dev "$rt_ce" nodad &&
			on rt ip -6 addr add 2001:db8:f00::2/64 dev "$rt_br" nodad &&
			on rt sysctl -qw net.ipv6.conf.all.forwarding=1 &&
			on rt ip -6 route add 2001:db8::/40 via 2001:db8:f01::2 dev "$rt_ce" &&
			on rt ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 dev "$rt_br" &&
			on ce ip -6 addr add 2001:db8:f01::2/64 dev "$TBR_CE_IF" nodad || return 1
		ce_nh=2001:db8:f01::1
	else
		ip link add "$TBR_CE_IF" netns "tbr-ce-$TBR_ID" type veth peer name "$TBR_BR_IF" \
			netns "tbr-br-$TBR_ID" &&
			on ce ip -6 addr add 2001:db8:f00::2/64 dev "$TBR_CE_IF" nodad || return 1
		ce_nh=2001:db8:f00::1
	fi
	ip link add "$TBR_BR_INET" netns "tbr-br-$TBR_ID" type veth peer name "$TBR_SV_IF" \
		netns "tbr-sv-$TBR_ID" || return 1
	on ce ip link set "$TBR_CE_IF" mtu "$ce_mtu" up &&
		on ce ip -6 addr add "$TBR_CE6/128" dev "$TBR_CE_IF" nodad &&
		on ce ip -6 route add "$TBR_BR6/128" via "$ce_nh" dev "$TBR_CE_IF" &&
		on br ip link set "$TBR_BR_IF" up &&
		on br ip -6 addr add 2001:db8:f00::1/64 dev "$TBR_BR_IF" nodad &&
		on br ip -6 route add 2001:db8::/40 via 2001:db8:f00::2 dev "$TBR_BR_IF" &&
		on br ip addr add "$TBR_SV_GW/24" dev "$TBR_BR_INET" &&
		on br ip link set "$TBR_BR_INET" up &&
		on br sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv6.conf.all.forwarding=1 &&
		on sv ip addr add "$TBR_SV/24" dev "$TBR_SV_IF" &&
		on sv ip link set "$TBR_SV_IF" up &&
		on sv ip route add default via "$TBR_SV_GW" || return 1
	tbr_wait 10 on br ping -6 -c1 -W1 2001:db8:f00::2 || return 1
	tbr_wait 10 on ce ping -6 -c1 -W1 "$ce_nh" || return 1
	tbr_wait 10 on br ping -c1 -W1 "$TBR_SV" || return 1
}

# tbr_tun_ce: start tun_ce.py in tbr-ce and route the server's prefix
# through it from the shared address (TUN MTU ${TBR_TUN_MTU:-1460}).
tbr_tun_ce() {
	tbr_bg ce "$TBR_PY" "$TBR_TMP/tun_ce.py" "$TBR_TUN" "$TBR_CE6" "$TBR_BR6" 600 \
		"$TBR_TMP/tun.ready"
	tbr_wait 10 test -e "$TBR_TMP/tun.ready" || return 1
	on ce ip addr add "$TBR_CE_V4/32" dev "$TBR_TUN" &&
		on ce ip link set "$TBR_TUN" mtu "${TBR_TUN_MTU:-1460}" up &&
		on ce ip route add 203.0.113.0/24 dev "$TBR_TUN" src "$TBR_CE_V4"
}

# tbr_http_server SIZE_MB [NS]: a random file served by python3 -m
# http.server on $TBR_SV:8080 in NS (default sv); sets TBR_URL and
# TBR_SHA256.
tbr_http_server() {
	local ns=${2:-sv}
	mkdir -p "$TBR_TMP/www" &&
		head -c "$(($1 * 1024 * 1024))" /dev/urandom >"$TBR_TMP/www/blob.bin" || return 1
	TBR_SHA256=$(sha256sum "$TBR_TMP/www/blob.bin" | cut -d' ' -f1)
	TBR_URL=http://$TBR_SV:8080/blob.bin
	tbr_bg "$ns" "$TBR_PY" -m http.server 8080 --bind "$TBR_SV" --directory "$TBR_TMP/www"
	tbr_wait 10 on "$ns" curl -sf -o /dev/null -r 0-0 "$TBR_URL"
}

# tbr_download NS [CURL_ARGS...]: fetch TBR_URL in NS (at most 60 s); sets
# DL_WHY to what went wrong (empty: the file arrived, sha256 matches).
tbr_download() {
	local ns=$1 out got
	shift
	rm -f "$TBR_TMP/dl.bin"
	out=$(on_t 60 "$ns" curl -sS --max-time 50 "$@" -o "$TBR_TMP/dl.bin" \
		-w '%{http_code} %{size_download} %{speed_download}' "$TBR_URL" 2>&1)
	got=$(sha256sum "$TBR_TMP/dl.bin" 2>/dev/null | cut -d' ' -f1)
	DL_INFO=$(tr '\n' ' ' <<<"$out")
	DL_WHY=
	[ "$got" = "$TBR_SHA256" ] || DL_WHY="download failed or corrupt (curl: $DL_INFO)"
}

# ---- helpers, written to $TBR_TMP -------------------------------------
tbr_write_helpers() {
	cat >"$TBR_TMP/ce_emul.py" <<'EOF'
"""One UDP datagram from a MAP address to the BR as IPv4-in-IPv6 over a raw
socket; then wait for IPv4-in-IPv6 answers and match them.
  ce_emul.py SRC6 BR6 V4SRC SPORT V4DST DPORT [--expect-to6 A]
             [--expect-v4dst IP] [--expect-dport P] [--timeout S]
Exit 0: the expected answer came with a good IPv4 header checksum (or no
expectation); 1: nothing matching; 3: it came with a bad checksum."""
import argparse, socket, struct, sys, time

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

def udp4(src, sport, dst, dport, payload):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    n = 8 + len(payload)
    u = struct.pack('!HHHH', sport, dport, n, 0) + payload
    c = csum(s + d + struct.pack('!BBH', 0, 17, n) + u) or 0xffff
    u = u[:6] + struct.pack('!H', c) + u[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + n, 1, 0, 64, 17, 0, s, d)
    return ip[:10] + struct.pack('!H', csum(ip)) + ip[12:] + u

a = argparse.ArgumentParser()
for n in ('src6', 'br6', 'v4src', 'sport', 'v4dst', 'dport'):
    a.add_argument(n)
a.add_argument('--expect-to6')
a.add_argument('--expect-v4dst')
a.add_argument('--expect-dport', type=int)
a.add_argument('--timeout', type=float, default=2.0)
o = a.parse_args()
tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
tx.bind((o.src6, 0))
rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
tx.sendto(udp4(o.v4src, int(o.sport, 0), o.v4dst, int(o.dport, 0), b'mapce-br-test'), (o.br6, 0))
end = time.time() + o.timeout
rx.settimeout(0.2)
while time.time() < end:
    try:
        data, anc, _, addr = rx.recvmsg(65535, 256)
    except socket.timeout:
        continue
    to6 = '?'
    for lvl, typ, val in anc:
        if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
            to6 = socket.inet_ntop(socket.AF_INET6, val[:16])
    ihl = (data[0] & 15) * 4
    v4src, v4dst = socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])
    sport, dport = struct.unpack('!HH', data[ihl:ihl + 4])
    ok = csum(data[:ihl]) == 0
    print(f'got {addr[0]} -> {to6}: {v4src}:{sport} -> {v4dst}:{dport} len {len(data)} '
          f'iphdr_csum_ok={ok}', flush=True)
    if ((o.expect_to6 is None or socket.inet_pton(socket.AF_INET6, to6) ==
         socket.inet_pton(socket.AF_INET6, o.expect_to6)) and
            (o.expect_v4dst is None or v4dst == o.expect_v4dst) and
            (o.expect_dport is None or dport == o.expect_dport)):
        sys.exit(0 if ok else 3)
sys.exit(1 if o.expect_v4dst else 0)
EOF
	cat >"$TBR_TMP/tun_ce.py" <<'EOF'
"""A MAP-E CE without NAT, to test a BR: IPv4 from the TUN device goes to
the BR as IPv4-in-IPv6 from the CE's MAP address (raw socket, next header
4); IPv4-in-IPv6 from the BR goes into the TUN.
  tun_ce.py TUN MAP6 BR6 SECONDS READY_FILE
Prints its packet counts when it ends (SIGTERM or SECONDS)."""
import fcntl, os, select, signal, socket, struct, sys, time
tun, map6, br6, secs, ready = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', tun.encode(), IFF_TUN | IFF_NO_PI))
tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
tx.bind((map6, 0))
rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
br = socket.inet_pton(socket.AF_INET6, br6)
up = down = 0
stop = False

def term(*_):
    global stop
    stop = True

signal.signal(signal.SIGTERM, term)
open(ready, 'w').close()
end = time.time() + secs
while not stop and time.time() < end:
    try:
        r, _, _ = select.select([fd, rx], [], [], 0.2)
    except InterruptedError:
        continue
    if fd in r:
        pkt = os.read(fd, 65535)
        if pkt and pkt[0] >> 4 == 4:
            try:
                tx.sendto(pkt, (br6, 0))
                up += 1
            except OSError as e:
                print('send:', e, flush=True)
    if rx in r:
        data, addr = rx.recvfrom(65535)
        if socket.inet_pton(socket.AF_INET6, addr[0]) == br:
            os.write(fd, data)
            down += 1
print(f'tun_ce: {up} packets up, {down} down', flush=True)
EOF
	cat >"$TBR_TMP/icmp_sniff.py" <<'EOF'
"""Every ICMPv4 error delivered to this host, as JSON lines: outer source
and destination, type, code, next-hop MTU, whether the IPv4 header and ICMP
checksums verify, and the quoted packet's addresses and ports.
  icmp_sniff.py OUT_FILE SECONDS READY_FILE"""
import json, signal, socket, struct, sys, time
out, secs, ready = sys.argv[1], float(sys.argv[2]), sys.argv[3]

def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(0.2)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
open(ready, 'w').close()
end = time.time() + secs
with open(out, 'a') as f:
    while time.time() < end:
        try:
            p = s.recv(65535)
        except socket.timeout:
            continue
        ihl = (p[0] & 15) * 4
        ic = p[ihl:]
        if len(ic) < 8 or ic[0] not in (3, 11, 12):
            continue
        e = dict(src=socket.inet_ntoa(p[12:16]), dst=socket.inet_ntoa(p[16:20]),
                 type=ic[0], code=ic[1], mtu=struct.unpack('!H', ic[6:8])[0],
                 ip_csum_ok=csum(p[:ihl]) == 0, icmp_csum_ok=csum(ic) == 0, len=len(p))
        q = ic[8:]
        if len(q) >= 28:
            qh = (q[0] & 15) * 4
            e.update(q_src=socket.inet_ntoa(q[12:16]), q_dst=socket.inet_ntoa(q[16:20]),
                     q_proto=q[9])
            if len(q) >= qh + 4:
                e['q_sport'], e['q_dport'] = struct.unpack('!HH', q[qh:qh + 4])
        f.write(json.dumps(e) + '\n')
        f.flush()
EOF
}
