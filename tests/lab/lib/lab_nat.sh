# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the scripts that source this)
#
# lab_nat.sh - what the NAT lab tests (tests/lab/test_lab_nat*.sh) add to
# the five-namespace lab (lab.sh): a second LAN host, STUN servers, packet
# captures, a CE restart with other options, counter deltas.  Sourceable;
# sources lab.sh.
#
#   . tests/lab/lib/lab_nat.sh
#   lab_nat_up || exit 1     # lab_up + raised fd limit + the second LAN host
#   lab_nat_ce_restart --filtering eif
#   lab_nat_stund_start; lab_nat_coturn_start
#   lab_down                 # (lab_up's trap) removes the second host too
#
# Additions to the topology of lab.sh:
#
#   netns      interface   address                 link to
#   mce-lan2   mce-lanb    192.0.2.11/32           mce-ce/mce-celb
#   mce-ce     mce-celb    192.0.2.1/32, route 192.0.2.11/32 dev mce-celb
#
#   mce-lan2   a second LAN host on its own link (routed /32, default via
#              the CE): another inside address for the per-host limit and
#              hairpinning between LAN hosts.  Not reachable from mce-lan
#              directly (only through the CE's public address).
#   mce-inet   stund (RFC 3489, classic `stun` client) on 203.0.113.10 and
#              .11, ports 3478/3479; coturn's turnserver in STUN-only mode
#              (RFC 5780, turnutils_natdiscovery) on 203.0.113.12 and .13,
#              ports 3478/3479.

# shellcheck source=lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

LAB_NS_LAN2=mce-lan2
LAB_IF_LAN2=mce-lanb      # mce-lan2: the second LAN host
LAB_IF_CE_LAN2=mce-celb   # mce-ce:   its link
LAB_LAN2_IP=192.0.2.11

LAB_STUN_IP=203.0.113.10  # stund primary address (port 3478)
LAB_STUN_ALT_IP=203.0.113.11 # stund alternate address (port 3479)
LAB_TURN_IP=203.0.113.12  # turnserver, first listener (RFC 5780 pair)
LAB_TURN_ALT_IP=203.0.113.13
LAB_STUN_PORT=3478
LAB_STUN_ALT_PORT=3479

LAB_NAT_NOFILE=${LAB_NAT_NOFILE:-8192} # fd limit for the 1000-connection tests

# lab_nat_up: lab_up with the fd limit raised first (the servers lab_up
# starts inherit it: 1000 connections need more than 1024 fds), then the
# second LAN host.  Same return convention as lab_up.
lab_nat_up() {
	ulimit -n "$LAB_NAT_NOFILE" 2>/dev/null ||
		ns_log "cannot raise the fd limit to $LAB_NAT_NOFILE (now $(ulimit -n))"
	lab_up || return 1
	lab_nat_lan2_up || { ns_log "second LAN host failed"; return 1; }
}

# lab_nat_lan2_up: the second LAN host (call with the lab lock held, after
# lab_up); lab_down deletes it.
lab_nat_lan2_up() {
	ns_create "$LAB_NS_LAN2" &&
	ns_veth "$LAB_NS_LAN2" "$LAB_IF_LAN2" "$LAB_NS_CE" "$LAB_IF_CE_LAN2" &&
	ns_addr "$LAB_NS_LAN2" "$LAB_IF_LAN2" "$LAB_LAN2_IP/32" &&
	ns_ip "$LAB_NS_LAN2" route add "$LAB_CE_LAN_IP/32" dev "$LAB_IF_LAN2" &&
	ns_ip "$LAB_NS_LAN2" route add default via "$LAB_CE_LAN_IP" dev "$LAB_IF_LAN2" &&
	ns_addr "$LAB_NS_CE" "$LAB_IF_CE_LAN2" "$LAB_CE_LAN_IP/32" &&
	ns_ip "$LAB_NS_CE" route add "$LAB_LAN2_IP/32" dev "$LAB_IF_CE_LAN2" \
		src "$LAB_CE_LAN_IP" || return 1
	# the same offload setting as the first LAN host's path
	ns_offload "$LAB_NS_LAN2" "$LAB_IF_LAN2" "$LAB_WAN_OFFLOAD"
	ns_offload "$LAB_NS_CE" "$LAB_IF_CE_LAN2" "$LAB_WAN_OFFLOAD"
	ns_reach "$LAB_NS_LAN2" "$LAB_CE_LAN_IP" ||
		{ ns_log "second LAN host cannot reach the CE"; return 1; }
}

# lab_nat_ce_restart ARGS...: mapce down, then up with the lab's rule and
# ARGS (e.g. --filtering eif, --max-per-host 20, --config FILE).  A fresh
# start: down removes the pins, so the NAT state starts empty.  Sets
# LAB_CE_STATE / LAB_CE_ERR like lab_ce_up.
lab_nat_ce_restart() {
	lab_ce_down >/dev/null 2>&1
	lab_try_mapce LAB_CE "$LAB_NS_CE" up --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" "$@"
}

# lab_nat_ce_up_config FILE ARGS...: mapce down, then up from a config file.
lab_nat_ce_up_config() {
	local f=$1
	shift
	lab_ce_down >/dev/null 2>&1
	lab_try_mapce LAB_CE "$LAB_NS_CE" up --config "$f" "$@"
}

# lab_nat_udp_listening NS IP:PORT: a UDP socket is bound there.
lab_nat_udp_listening() {
	ns_udp_bound "$1" "src $2"
}

# lab_nat_wait_listening NAME SECONDS IP:PORT: NAME (started with ns_bg)
# binds IP:PORT in the internet namespace within SECONDS.
lab_nat_wait_listening() {
	ns_wait "$2" lab_nat_udp_listening "$LAB_NS_INET" "$3" && return 0
	ns_log "$1 did not start:"
	tail -n 20 "$LAB_DIR/$1.log" | sed 's/^/lab:   /' >&2
	return 1
}

# lab_nat_stund_start: stund on LAB_STUN_IP / LAB_STUN_ALT_IP, both ports.
lab_nat_stund_start() {
	command -v stund >/dev/null || { ns_log "stund not installed (stun-server)"; return 1; }
	ns_bg stund "$LAB_NS_INET" stund -v -h "$LAB_STUN_IP" -a "$LAB_STUN_ALT_IP" \
		-p "$LAB_STUN_PORT" -o "$LAB_STUN_ALT_PORT" &&
		lab_nat_wait_listening stund 10 "$LAB_STUN_ALT_IP:$LAB_STUN_ALT_PORT"
}

# lab_nat_coturn_start: turnserver as an RFC 5780 STUN server (two
# listener addresses, primary and alternate port), nothing persistent:
# its database and log live in LAB_DIR.
lab_nat_coturn_start() {
	command -v turnserver >/dev/null || { ns_log "turnserver not installed (coturn)"; return 1; }
	ns_bg coturn "$LAB_NS_INET" turnserver -n --stun-only \
		-L "$LAB_TURN_IP" -L "$LAB_TURN_ALT_IP" \
		--listening-port "$LAB_STUN_PORT" --alt-listening-port "$LAB_STUN_ALT_PORT" \
		--no-tls --no-dtls --no-cli --no-tcp --log-file stdout --simple-log \
		--userdb "$LAB_DIR/turndb" --pidfile "$LAB_DIR/turnserver.pid" &&
		lab_nat_wait_listening coturn 15 "$LAB_TURN_ALT_IP:$LAB_STUN_ALT_PORT"
}

# lab_nat_filtering: the CE's filtering mode (eif, adf or apdf) as
# `mapce status -j` reports it (else the error).
lab_nat_filtering() {
	lab_ce -j status 2>&1 | "$LAB_PY" -c \
		'import json,sys; print(json.load(sys.stdin)["interfaces"][0]["filtering"])' 2>&1
}

# lab_nat_stats FILE: `mapce stats -j` of the lab's CE into FILE.
lab_nat_stats() {
	lab_ce -j stats >"$1" 2>&1
}

# lab_nat_delta BEFORE AFTER REASON...: "reason=N ..." packet deltas
# between two lab_nat_stats files.
lab_nat_delta() {
	local before=$1 after=$2
	shift 2
	"$LAB_PY" - "$before" "$after" "$@" <<'EOF'
import json, sys
def load(p):
    with open(p) as f:
        return json.load(f)['reasons']
a, b = load(sys.argv[1]), load(sys.argv[2])
print(' '.join('%s=%d' % (r, b.get(r, {}).get('packets', 0) - a.get(r, {}).get('packets', 0))
               for r in sys.argv[3:]))
EOF
}

# lab_nat_capture_start NAME NS IF FILTER: tcpdump on IF in NS (text, one
# line per packet) into $LAB_DIR/NAME.log until lab_nat_capture_stop NAME.
lab_nat_capture_start() {
	ns_tcpdump "$1" "$2" 300 -l -n -i "$3" "$4"
}

# lab_nat_capture_stop NAME: stop it; its packet lines on stdout.
lab_nat_capture_stop() {
	sleep 0.3 # the last packet's line
	ns_stop "$1"
	grep -v -e 'listening on' -e 'verbose output suppressed' -e 'packets captured' -e 'packets received by' \
		-e 'packets dropped by' -e '^$' "$LAB_DIR/$1.log"
}
