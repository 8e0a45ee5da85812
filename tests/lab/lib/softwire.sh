# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the files that source this)
#
# softwire.sh - the lab (lab.sh) with the far end of another mode in
# place of the MAP-E BR: tests/lab/tools/softwire.py in the BR's namespace
# as a DS-Lite AFTR, an lw4o6 lwAFTR or an RFC 2473 fixed-IPv4 endpoint
# (no mapce code on that side), for tests/lab/test_lab_{dslite,lw4o6,ipip6}.sh
# and `make demo MODE=...`.
#
#   LAN 192.0.2.10 -- CE (mapce up --mode M) -- IPv6 ISP -- far end
#   2001:db8:ffff::64 (softwire.py on TUN mce-swt, IPv4 routed into it)
#   -- internet 203.0.113.10-19 (HTTP, HTTP upload, UDP and TCP echo)
#
#   sw_up MODE              the lab without BR and CE, then the far end
#                           (SW_STATS: its JSON); a trap tears it all down
#   sw_ce_up MODE           mapce up in the CE with the mode's arguments;
#                           SW_NEED: why the CE cannot be tested (empty: it
#                           can), "mapce has no --mode M yet" when it lacks it
#   sw_standin_up MODE [SRC6]   a stand-in B4 without mapce (tun_ce.py, no
#                           NAT) in the CE namespace, to check the far end
#                           itself; sw_standin_down removes it
#   sw_stats PY             python assertions on the far end's JSON (d)
#   sw_ping / sw_traceroute / sw_download / sw_upload / sw_udp / sw_tcp
#                           the client checks, each adding reasons (t_why);
#                           sw_clients PUB: all of them from the LAN host
#   sw_ce_cases MODE EXTRA...   a fresh far end, the CE in MODE, and the
#                           client checks as cases MODE_ping ... MODE_tcp200;
#                           1 (those and the EXTRA cases skipped) when the
#                           CE cannot be tested
#   sw_status_check PORTS RE...  mapce status: the NAPT's ports, text lines
#   sw_offload on|off       lab_set_wan_offload, but the CE's WAN never
#                           hands the far end a GSO super-frame
#
# Addresses (documentation prefixes only): the far end is LAB_BR_IP6; the
# CE's WAN 2001:db8:12:3400::1/64 is the DS-Lite B4 and lwB4 address.

[ -n "${SOFTWIRE_SH_LOADED:-}" ] && return 0
SOFTWIRE_SH_LOADED=1
# shellcheck source=lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

SW_NS=$LAB_NS_BR   # the far end's namespace
SW_FAR6=$LAB_BR_IP6
SW_TUN=mce-swt     # the far end's TUN
SW_B4_TUN=mce-sb4  # the stand-in B4's TUN (CE namespace)
SW_T=${SW_T:-60}   # seconds, any single client step
SW_MODE=
SW_NEED=
SW_STATS=

# dslite: the B4s the AFTR serves, the address it NATs them to
SW_B4_PREFIX=2001:db8:12:3400::/56
SW_AFTR_PUBLIC=198.51.100.200
SW_AFTR_IP=192.0.0.1 # RFC 6333 section 5.7: the AFTR's, the B4's is 192.0.0.2
# lw4o6: the binding (the lab's MAP-E values: ports 4928-4943, 9024-...)
SW_LW_IPV4=198.51.100.18
SW_LW_PSID=52
SW_LW_PSID_LEN=8
SW_LW_PSID_OFFSET=4
SW_LW_B4=$LAB_CE_WAN_IP6 # the binding's B4 (the lwB4's WAN address)
# ipip6: the fixed address, the CE's tunnel address: the WAN /64 + the
# legacy MAP IID of the address with PSID 0 (00c6:3364:7b00:0000)
SW_FIXED_IP=198.51.100.123
SW_FIXED_IP6=2001:db8:12:3400:c6:3364:7b00:0
# ipip6's routed prefix (mapce up --ipv4 $SW_FIXED_IP/29): routed to the far
# end, which takes every inner source in it; the CE's LAN holds .121, a LAN
# host .122
SW_FIXED_PREFIX=198.51.100.120/29
SW_PREFIX_CE=198.51.100.121
SW_PREFIX_HOST=198.51.100.122
# a B4 address the far end must refuse, by mode: outside the B4 prefix
# (dslite), not the binding's (lw4o6), not the tunnel address (ipip6)
SW_ALIEN6=2001:db8:ff00::77
SW_OTHER6=2001:db8:12:3400::77

SW_UPLOAD_PORT=8081
SW_CE_SVC_PORT=9200 # ipip6: a service on the CE itself

# sw_ce_args MODE: the mapce up arguments of MODE (SW_CE_ARGS)
sw_ce_args() {
	SW_CE_ARGS=(up --wan "$LAB_IF_WAN" --mode "$1")
	case $1 in
	dslite) SW_CE_ARGS+=(--aftr "$SW_FAR6") ;;
	lw4o6) SW_CE_ARGS+=(--ipv4 "$SW_LW_IPV4" --psid "$SW_LW_PSID" --psid-len "$SW_LW_PSID_LEN"
		--psid-offset "$SW_LW_PSID_OFFSET" --br "$SW_FAR6") ;;
	ipip6) SW_CE_ARGS+=(--ipv4 "$SW_FIXED_IP" --br "$SW_FAR6") ;;
	*) return 1 ;;
	esac
}

# sw_public MODE: the IPv4 address the internet sees the LAN as
sw_public() {
	case $1 in
	dslite) echo "$SW_AFTR_PUBLIC" ;;
	lw4o6) echo "$SW_LW_IPV4" ;;
	ipip6) echo "$SW_FIXED_IP" ;;
	esac
}

# ---- the far end -----------------------------------------------------

sw_far_plumb() {
	local mode=$1
	ns_exec "$SW_NS" ip tuntap add dev "$SW_TUN" mode tun &&
		ns_ip "$SW_NS" link set "$SW_TUN" mtu 1460 up || return 1
	# softwire.py takes IPv4-in-IPv6 off the device (AF_PACKET) before the
	# stack; the stack must not answer it too (parameter problem, port
	# unreachable), nor reassemble it
	ns_exec "$SW_NS" nft -f - <<-EOF || return 1
		table inet softwire {
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				ip6 daddr $SW_FAR6 ip6 nexthdr { 4, 44 } counter drop # IPv4, fragment
			}
		}
	EOF
	case $mode in
	dslite)
		# replies, once un-NATed, go into the TUN (the softwire table)
		ns_addr "$SW_NS" "$SW_TUN" "$SW_AFTR_IP/32" &&
			ns_ip "$SW_NS" route add default dev "$SW_TUN" || return 1
		ns_exec "$SW_NS" nft -f - <<-EOF || return 1
			table ip aftr {
				chain post {
					type nat hook postrouting priority srcnat; policy accept;
					oifname "$LAB_IF_BR_INET" snat to $SW_AFTR_PUBLIC
				}
			}
		EOF
		;;
	lw4o6) ns_ip "$SW_NS" route add "$SW_LW_IPV4/32" dev "$SW_TUN" ;;
	ipip6) ns_ip "$SW_NS" route add "$SW_FIXED_PREFIX" dev "$SW_TUN" ;;
	esac
}

sw_far_start() {
	local args=(--dev "$LAB_IF_BR_WAN" --tun "$SW_TUN" --local "$SW_FAR6" --stats "$SW_STATS")
	case $1 in
	dslite) args=(aftr "${args[@]}" --b4-prefix "$SW_B4_PREFIX") ;;
	lw4o6) args=(lwaftr "${args[@]}" --psid-len "$SW_LW_PSID_LEN"
		--psid-offset "$SW_LW_PSID_OFFSET"
		--bind "$SW_LW_IPV4,$SW_LW_PSID,$SW_LW_B4"
		--bind "$SW_LW_IPV4,$((SW_LW_PSID + 1)),$SW_OTHER6") ;;
	ipip6) args=(ipip6 "${args[@]}" --ipv4 "$SW_FIXED_PREFIX" --remote "$SW_FIXED_IP6"
		--remote-file "$LAB_DIR/ipip6.remote") ;;
	esac
	ns_serve far "$SW_NS" "$LAB_PY" "$LAB_TOOLS/softwire.py" "${args[@]}" --seconds 3600
}

# sw_up MODE: the lab (no BR, no CE yet), the far end, the upload sink.
sw_up() {
	SW_MODE=$1
	LAB_START_BR=0 LAB_START_CE=0 lab_up || return 1
	SW_STATS=$LAB_DIR/softwire.json
	# the config directory is the lab's own: the host's /etc/mapce is
	# never read, and `portmap add` never writes there
	export MAPCE_CONF_DIR=$LAB_DIR/etc-mapce
	if ! sw_offload "$LAB_WAN_OFFLOAD" || ! sw_far_plumb "$1"; then
		ns_log "far end plumbing failed"
		return 1
	fi
	sw_far_start "$1" || return 1
	ns_serve sink "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/http_sink.py" \
		--listen "${LAB_INET_IPS[1]}:$SW_UPLOAD_PORT"
}

# sw_offload on|off: offloads along the CE's WAN path (lab_set_wan_offload),
# but the CE's WAN does not segment (tso, gso off): the far end reads each
# IPv6 frame as it is, and a GSO super-frame is no frame.  The CE's TC
# program still gets them from the LAN; the kernel segments after it.
sw_offload() {
	lab_set_wan_offload "$1" && ns_offload "$LAB_NS_CE" "$LAB_IF_WAN" off tso gso
}

# sw_test_up MODE: sw_up, or a "not ok" line and exit 1.
sw_test_up() { lab_test_up "sw_up_$1"; }
sw_up_dslite() { sw_up dslite; }
sw_up_lw4o6() { sw_up lw4o6; }
sw_up_ipip6() { sw_up ipip6; }

# sw_stats PY: python assertions (PY) on the far end's JSON as d (t_why)
sw_stats() {
	sleep 1 # the far end rewrites its JSON at most twice a second
	t_json "$SW_STATS" "$1"
}

# ---- the CE ------------------------------------------------------------

# sw_has_mode MODE: this mapce knows --mode MODE (its up -h says so)
sw_has_mode() {
	local h
	h=$("$MAPCE" up -h 2>&1)
	grep -q -- '--mode' <<<"$h" && grep -qw -- "$1" <<<"$h"
}

sw_ce_up() {
	SW_NEED=
	sw_ce_args "$1"
	if ! sw_has_mode "$1"; then
		SW_NEED="mapce has no --mode $1 yet"
		return 1
	fi
	if ! lab_try_mapce LAB_CE "$LAB_NS_CE" "${SW_CE_ARGS[@]}"; then
		case $LAB_CE_ERR in
		*"unknown mode"* | *"not implemented"* | *"unknown option"*)
			SW_NEED="mapce has no --mode $1 yet: $(head -n1 <<<"$LAB_CE_ERR")" ;;
		*)
			t_fail "ce_up_$1" "$LAB_CE_STATE"
			SW_NEED="the CE did not start" ;;
		esac
		return 1
	fi
}

# sw_status_check PORTS RE...: mapce status of the CE: -j says port_count
# PORTS (the ports the NAPT gives out), the text has a line matching each
# RE (grep)
sw_status_check() {
	local n=$1 out re
	shift
	out=$(lab_ce status --wan "$LAB_IF_WAN" 2>&1)
	for re in "$@"; do
		grep -q -- "$re" <<<"$out" ||
			t_why "status: no line '$re': $(grep -E '^  (ipv4|psid|ports) ' <<<"$out" | tr '\n' '|')"
	done
	lab_ce -j status --wan "$LAB_IF_WAN" >"$LAB_DIR/status.json" 2>&1
	t_json "$LAB_DIR/status.json" "i = d['interfaces'][0]
assert i['port_count'] == $n, 'port_count %r' % i.get('port_count')"
}

# ---- a stand-in B4 (no mapce): checks the far end itself ---------------

# sw_standin_up MODE [SRC6]: tun_ce.py in the CE namespace with outer
# source SRC6 (default: the mode's B4 / tunnel address); IPv4 to the
# internet goes into its TUN: from the LAN host (forwarded, not NATed:
# dslite), or from the CE namespace's own stack with the mode's public
# address (lw4o6, ipip6).
sw_standin_up() {
	local mode=$1 src=${2:-} own=
	case $mode in
	dslite) src=${src:-$LAB_CE_WAN_IP6} ;;
	lw4o6) src=${src:-$LAB_CE_WAN_IP6} own=$SW_LW_IPV4 ;;
	ipip6) src=${src:-$SW_FIXED_IP6} own=$SW_FIXED_IP ;;
	esac
	[ "$src" = "$LAB_CE_WAN_IP6" ] || ns_addr "$LAB_NS_CE" "$LAB_IF_WAN" "$src/128" || return 1
	SW_STANDIN_SRC=$src
	ns_exec "$LAB_NS_CE" ip tuntap add dev "$SW_B4_TUN" mode tun &&
		ns_ip "$LAB_NS_CE" link set "$SW_B4_TUN" mtu 1460 up || return 1
	if [ -n "$own" ]; then
		ns_addr "$LAB_NS_CE" "$SW_B4_TUN" "$own/32" &&
			ns_ip "$LAB_NS_CE" route add 203.0.113.0/24 dev "$SW_B4_TUN" src "$own" || return 1
	else
		ns_ip "$LAB_NS_CE" route add 203.0.113.0/24 dev "$SW_B4_TUN" || return 1
	fi
	ns_serve standin "$LAB_NS_CE" "$LAB_PY" "$LAB_TOOLS/tun_ce.py" "$SW_B4_TUN" "$src" \
		"$SW_FAR6" 600
}

sw_standin_down() {
	ns_stop standin
	ns_ip "$LAB_NS_CE" link del "$SW_B4_TUN" 2>/dev/null
	[ "${SW_STANDIN_SRC:-$LAB_CE_WAN_IP6}" = "$LAB_CE_WAN_IP6" ] ||
		ns_ip "$LAB_NS_CE" -6 addr del "$SW_STANDIN_SRC/128" dev "$LAB_IF_WAN" 2>/dev/null
	SW_STANDIN_SRC=
	return 0
}

# ---- the client checks (each adds reasons with t_why) -------------------

# sw_ping WHAT NS DST [N [PING_ARGS...]]: every echo answered
sw_ping() {
	local out n=${4:-3}
	out=$(ns_exec_t "$SW_T" "$2" ping -4 -n -c "$n" -i 0.2 -W 2 "${@:5}" "$3" 2>&1)
	grep -q " $n received" <<<"$out" || t_why "$1: $(grep transmitted <<<"$out")"
}

# sw_no_answer WHAT NS DST N: N pings from NS, none answered (the far end
# dropped them)
sw_no_answer() {
	ns_exec_t 10 "$2" ping -4 -n -c "$4" -i 0.2 -W 1 "$3" >/dev/null 2>&1 && t_why "$1 was answered"
}

# sw_traceroute WHAT NS DST: traceroute (UDP probes) ends at DST
sw_traceroute() {
	local out last
	out=$(ns_exec_t "$SW_T" "$2" traceroute -n -q 1 -w 2 -m 8 "$3" 2>&1)
	last=$(tail -n 1 <<<"$out" | awk '{ print $2 }')
	[ "$last" = "$3" ] || t_why "$1: did not reach $3: $(tr '\n' '|' <<<"$out")"
	SW_TRACE=$out
}

# sw_download WHAT NS: the HTTP server's file, size and sha256 verified
sw_download() {
	lab_fetch "$2" "$SW_T" "$LAB_DIR/download.bin"
	[ -z "$NS_FETCH_WHY" ] || t_why "$1: $NS_FETCH_WHY"
}

# sw_upload WHAT NS WANT_SRC: 8 MiB PUT to the sink; it reports the size
# and sha256 it got and the peer address (WANT_SRC)
sw_upload() {
	local f=$LAB_DIR/upload.bin out sha
	head -c $((8 << 20)) /dev/urandom >"$f"
	sha=$(sha256sum "$f" | cut -d' ' -f1)
	out=$(ns_exec_t "$SW_T" "$2" curl -sS --max-time $((SW_T - 5)) -T "$f" \
		"http://${LAB_INET_IPS[1]}:$SW_UPLOAD_PORT/up" 2>&1)
	read -r n got peer <<<"$out"
	if [ "${n:-}" != $((8 << 20)) ] || [ "${got:-}" != "$sha" ]; then
		t_why "$1: the sink got '$out', sent $((8 << 20)) bytes sha256 $sha"
	elif [ -n "$3" ] && [ "${peer%:*}" != "$3" ]; then
		t_why "$1: the sink saw the upload from ${peer%:*}, not $3"
	fi
}

# sw_udp WHAT NS WANT_SRC [BIND]: UDP echo, content verified; the server
# saw one peer, from WANT_SRC (SW_UDP_PEER: "ip:port")
sw_udp() {
	local out seen
	: >"$LAB_UDP_LOG"
	out=$(ns_exec_t "$SW_T" "$2" "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "${LAB_INET_IPS[2]}:$LAB_UDP_PORT" --count 3 --size 512 ${4:+--bind "$4"} 2>&1)
	lab_query ok <<<"$out" >/dev/null 2>&1 || t_why "$1: $out"
	seen=$(awk '{ print $2 }' "$LAB_UDP_LOG" | sort -u)
	SW_UDP_PEER=$seen
	if [ "$(wc -l <<<"$seen")" != 1 ] || [ -z "$seen" ]; then
		t_why "$1: server saw peers '$(tr '\n' ' ' <<<"$seen")', expected one"
	elif [ "${seen%:*}" != "$3" ]; then
		t_why "$1: server saw source ${seen%:*}, not $3"
	fi
}

# sw_tcp WHAT NS N WANT_SRC: N TCP connections open at once, each echoing
# its payload; the server saw them all from WANT_SRC (SW_TCP_PORTS: the
# source ports it saw, one a line)
sw_tcp() {
	local out why
	: >"$LAB_TCP_LOG"
	out=$(ns_exec_t "$SW_T" "$2" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "${LAB_INET_IPS[3]}:$LAB_TCP_PORT=$3" --bytes 256 --timeout $((SW_T - 10)) 2>&1)
	why=$(lab_query tcp-check --expect "$3" <<<"$out" 2>&1) || t_why "$1: $why"
	SW_TCP_PORTS=$LAB_DIR/tcp_ports.txt
	awk '$1 == "accept" { print $3 }' "$LAB_TCP_LOG" >"$LAB_DIR/tcp_peers.txt"
	sed 's/.*://' "$LAB_DIR/tcp_peers.txt" | sort -n >"$SW_TCP_PORTS"
	why=$(sed 's/:[0-9]*$//' "$LAB_DIR/tcp_peers.txt" | sort -u | tr '\n' ' ')
	[ "$why" = "$4 " ] || t_why "$1: the server saw sources '$why', want $4"
	[ "$(wc -l <"$SW_TCP_PORTS")" -ge "$3" ] ||
		t_why "$1: the server logged $(wc -l <"$SW_TCP_PORTS") connections, want $3"
}

# sw_clients PUB: every client check from the LAN host (the internet
# sees PUB); dslite: the AFTR is a hop of the traceroute
sw_clients() {
	sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
	sw_traceroute "LAN traceroute" "$LAB_NS_LAN" "$LAB_INET_IP"
	sw_download "LAN download" "$LAB_NS_LAN"
	sw_upload "LAN upload" "$LAB_NS_LAN" "$1"
	sw_udp "LAN UDP" "$LAB_NS_LAN" "$1"
	sw_tcp "200 TCP" "$LAB_NS_LAN" 200 "$1"
}

# sw_ce_cases MODE EXTRA_CASE...: a fresh far end, mapce up --mode MODE,
# and each client check as a case of its own; 1, with those cases and
# every EXTRA_CASE skipped, when the CE cannot be tested (SW_NEED)
sw_ce_cases() {
	local mode=$1 pub c
	shift
	pub=$(sw_public "$mode")
	local cases=("${mode}_ping" "${mode}_traceroute" "${mode}_http_download"
		"${mode}_http_upload" "${mode}_udp" "${mode}_tcp200")
	if ! sw_far_restart; then
		SW_NEED="the far end did not start again"
		t_fail "${mode}_far_restart" "$SW_NEED"
	elif sw_ce_up "$mode"; then
		t_begin "${mode}_ping"
		sw_ping "LAN ping" "$LAB_NS_LAN" "$LAB_INET_IP"
		t_end
		t_begin "${mode}_traceroute"
		sw_traceroute "LAN traceroute" "$LAB_NS_LAN" "$LAB_INET_IP"
		[ "$mode" != dslite ] || grep -q " $SW_AFTR_IP " <<<"$SW_TRACE" ||
			t_why "no hop $SW_AFTR_IP (the AFTR) in $(tr '\n' '|' <<<"$SW_TRACE")"
		t_end
		t_begin "${mode}_http_download"
		sw_download "LAN download" "$LAB_NS_LAN"
		t_end
		t_begin "${mode}_http_upload"
		sw_upload "LAN upload" "$LAB_NS_LAN" "$pub"
		t_end
		t_begin "${mode}_udp"
		sw_udp "LAN UDP" "$LAB_NS_LAN" "$pub"
		t_end
		t_begin "${mode}_tcp200"
		sw_tcp "200 TCP" "$LAB_NS_LAN" 200 "$pub"
		t_end
		return 0
	fi
	for c in "${cases[@]}" "$@"; do t_skip "$c" "$SW_NEED"; done
	return 1
}

# sw_far_restart: a fresh far end (its counters from zero), e.g. between
# the stand-in's checks and the CE's
sw_far_restart() {
	ns_stop far
	rm -f "$SW_STATS"
	sw_far_start "$SW_MODE"
}

# sw_in_set PORT: PORT is in the lw4o6 binding's set (RFC 7597 5.1,
# computed here, not by mapce)
sw_in_set() {
	local p=$1 a=$SW_LW_PSID_OFFSET k=$SW_LW_PSID_LEN
	((p >> (16 - a) != 0 && (p >> (16 - a - k) & ((1 << k) - 1)) == SW_LW_PSID))
}
