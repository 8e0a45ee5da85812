#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make demo: build the five-namespace lab the tests use (tests/lab/lib/lab.sh),
# show IPv4 traffic from a LAN host crossing the MAP-E CE and the IPv6-only
# network to the internet and back, then what mapce reports about it, and
# tear everything down.
#   scripts/demo.sh [map-e|ipip6|dslite|lw4o6]   (make demo MODE=...)
# The other modes run against their far end (tests/lab/lib/softwire.sh:
# an RFC 2473 endpoint, a DS-Lite AFTR, an lwAFTR) in the BR's place.
# Non-interactive (CI=true, no stdin); exit 0 only when every step worked.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-4}
MODE=${1:-map-e}
case $MODE in
map-e | ipip6 | dslite | lw4o6) ;;
*)
	echo "demo: unknown MODE '$MODE' (map-e, ipip6, dslite or lw4o6)" >&2
	exit 2
	;;
esac
# shellcheck source=../tests/lab/lib/softwire.sh
. tests/lab/lib/softwire.sh # (lab.sh and the far ends of the other modes)

step=0
heading() {
	step=$((step + 1))
	printf '\n=== %d. %s\n' "$step" "$*"
}
die() {
	printf '\ndemo: FAILED: %s\n' "$*" >&2
	exit 1
}
run() { # show a command, then run it
	printf '$'
	printf ' %q' "$@"
	printf '\n'
	"$@"
}

# verify_download FILE: the copy is the served file
verify_download() {
	local size sum
	size=$(stat -c %s "$1")
	sum=$(sha256sum "$1" | cut -d' ' -f1)
	echo "  size    $size (served $LAB_HTTP_SIZE)"
	echo "  sha256  $sum"
	echo "  served  $LAB_HTTP_SHA256"
	[ "$size" = "$LAB_HTTP_SIZE" ] && [ "$sum" = "$LAB_HTTP_SHA256" ] ||
		die "the download differs from the served file"
	echo "  verified"
}

# traffic PUB: ping, traceroute, a verified download, a UDP echo from the
# LAN host (the internet sees it as PUB)
traffic() {
	local out res rc peer
	heading "ping and traceroute from the LAN host to $LAB_INET_IP"
	run ip netns exec "$LAB_NS_LAN" timeout 20 ping -n -c 3 -i 0.3 -W 2 "$LAB_INET_IP" </dev/null ||
		die "ping $LAB_INET_IP"
	run ip netns exec "$LAB_NS_LAN" timeout 30 traceroute -n -q 1 -w 2 -m 8 "$LAB_INET_IP" </dev/null ||
		die "traceroute $LAB_INET_IP"

	heading "HTTP download of $LAB_HTTP_MB MiB with curl"
	out=$LAB_DIR/download.bin
	run ip netns exec "$LAB_NS_LAN" curl -sS --max-time 60 -o "$out" \
		-w '  HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n' "$LAB_HTTP_URL" </dev/null ||
		die "curl $LAB_HTTP_URL"
	verify_download "$out"

	heading "UDP echo to ${LAB_INET_IPS[1]}:$LAB_UDP_PORT"
	: >"$LAB_UDP_LOG"
	res=$(ip netns exec "$LAB_NS_LAN" timeout 20 "$LAB_PY" "$LAB_TOOLS/udp_echo.py" client \
		--to "${LAB_INET_IPS[1]}:$LAB_UDP_PORT" --count 5 --size 200 </dev/null)
	rc=$?
	echo "  client: $res"
	peer=$(awk '{ print $2 }' "$LAB_UDP_LOG" | sort -u | tr '\n' ' ')
	echo "  the server saw the client as: $peer (the internet sees $1)"
	[ $rc -eq 0 ] || die "UDP echo"
}

# softwire_demo MODE: the CE in MODE against its far end (softwire.sh)
softwire_demo() {
	local mode=$1 far
	case $mode in
	ipip6) far="RFC 2473 endpoint, $SW_FIXED_IP/32 routed to the CE's $SW_FIXED_IP6" ;;
	dslite) far="DS-Lite AFTR for $SW_B4_PREFIX, NAT44 to $SW_AFTR_PUBLIC" ;;
	lw4o6) far="lwAFTR, binding $SW_LW_IPV4 PSID $SW_LW_PSID/$SW_LW_PSID_LEN -> $LAB_CE_WAN_IP6" ;;
	esac
	heading "Lab: LAN host -> CE (mapce --mode $mode) -> IPv6-only ISP -> far end -> IPv4 internet"
	sw_up "$mode" </dev/null || die "the lab could not be built"
	sw_ce_up "$mode" </dev/null
	cat <<-EOF
		  LAN host  $LAB_LAN_IP (netns $LAB_NS_LAN), default via the CE $LAB_CE_LAN_IP
		  CE        netns $LAB_NS_CE, WAN $LAB_IF_WAN $LAB_CE_WAN_IP6/64
		            mapce ${SW_CE_ARGS[*]}
		  ISP       netns $LAB_NS_ISP, IPv6 only
		  far end   netns $SW_NS, $SW_FAR6: tests/lab/tools/softwire.py
		            ($far)
		  internet  netns $LAB_NS_INET, servers ${LAB_INET_IPS[0]}-${LAB_INET_IPS[9]##*.}
		  CE: $LAB_CE_STATE
	EOF
	[ -z "$SW_NEED" ] || die "the CE is not running: $SW_NEED"

	traffic "$(sw_public "$mode")"

	heading "what the far end saw ($SW_STATS)"
	sleep 1
	cat "$SW_STATS"

	heading "mapce status (in $LAB_NS_CE)"
	run nsenter --net="/run/netns/$LAB_NS_CE" "$MAPCE" status </dev/null || die "mapce status"
	teardown
}

teardown() {
	heading "Tear down"
	lab_down
	res=$(lab_residue)
	[ -z "$res" ] || die "left behind: $res"
	echo "  namespaces, pins and servers removed"
	printf '\ndemo: OK\n'
	exit 0
}

[ "$MODE" = map-e ] || softwire_demo "$MODE"

heading "Lab: LAN host -> CE (mapce) -> IPv6-only ISP -> BR -> IPv4 internet"
lab_up </dev/null || die "the lab could not be built"
cat <<EOF
  LAN host  $LAB_LAN_IP (netns $LAB_NS_LAN), default via the CE $LAB_CE_LAN_IP
  CE        netns $LAB_NS_CE, WAN $LAB_IF_WAN $LAB_CE_WAN_IP6/64
            rule 2001:db8::/40 -> 198.51.100.0/24, EA 16, offset 4, legacy IID
            shared IPv4 $LAB_MAP_IPV4, PSID $LAB_PSID, MAP address $LAB_MAP_IPV6
  ISP       netns $LAB_NS_ISP, IPv6 only
  BR        netns $LAB_NS_BR, $LAB_BR_IP6, IPv4 side $LAB_BR_INET_IP
  internet  netns $LAB_NS_INET, servers ${LAB_INET_IPS[0]}-${LAB_INET_IPS[9]##*.}
  BR: $LAB_BR_STATE
  CE: $LAB_CE_STATE
EOF
[ "$LAB_BR_STATE" = up ] || die "the BR is not running: $LAB_BR_STATE"
[ "$LAB_CE_STATE" = up ] || die "the CE is not running: $LAB_CE_STATE"

traffic "$LAB_MAP_IPV4"

heading "mapce status (in $LAB_NS_CE)"
run nsenter --net="/run/netns/$LAB_NS_CE" "$MAPCE" status </dev/null || die "mapce status"

heading "mapce flows (in $LAB_NS_CE)"
run nsenter --net="/run/netns/$LAB_NS_CE" "$MAPCE" flows </dev/null || die "mapce flows"

teardown
