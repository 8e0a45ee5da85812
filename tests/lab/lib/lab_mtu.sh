# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the scripts that source this)
#
# lab_mtu.sh - what the MTU lab tests (tests/lab/test_lab_mtu*.sh) add to
# the five-namespace lab (lab.sh): a narrow IPv6 link between the ISP
# router and the BR, and mapce's counters.  Sourceable; sources lab.sh.
#
#   . tests/lab/lib/lab_mtu.sh
#   lab_up || exit 1
#   lab_mtu_insert_router 1400 || ...   # a narrow IPv6 link between ISP and BR
#   lab_mtu_stat CE decap               # a counter of `mapce stats -j`
#
# lab_mtu_insert_router replaces the lab's ISP <-> BR link by
#
#   mce-isp   mce-ispb   2001:db8:ffff:1::1/64   MTU N   mce-rtr/mce-rtri
#   mce-rtr   mce-rtri   2001:db8:ffff:1::3/64   MTU N
#             mce-rtrb   2001:db8:ffff:2::1/64           mce-br/mce-brw
#   mce-br    mce-brw    2001:db8:ffff:2::2/64, 2001:db8:ffff::64/128 (BR)
#
# so that tunnel packets of the lab's usual size (1500 bytes of IPv6) fit
# the CE's and the BR's own links but not the path between them: the ISP
# router answers the CE's, and mce-rtr the BR's, with ICMPv6 Packet Too
# Big (MTU N).  Neither mapce knows the narrow link from its own device's
# MTU: path MTU discovery through the PTB translation is the only way.
# The BR is stopped around the re-plumbing (its device is recreated) and
# started again when it was up.  mce-rtr is made with ns_create, so
# lab_down removes it and lab_residue reports it.

# shellcheck source=lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

LAB_NS_RTR=mce-rtr
LAB_IF_RTR_ISP=mce-rtri  # mce-rtr: toward the ISP router (narrow link)
LAB_IF_RTR_BR=mce-rtrb   # mce-rtr: toward the BR
LAB_RTR_ISP_IP6=2001:db8:ffff:1::3
LAB_RTR_BR_IP6=2001:db8:ffff:2::1
LAB_BR_LINK2_IP6=2001:db8:ffff:2::2

# lab_mtu_insert_router MTU: put mce-rtr between the ISP router and the BR,
# with link MTU MTU between mce-isp and mce-rtr.  0 when the new path
# carries IPv6 CE <-> BR (small packets) and the BR is back up (if it was).
lab_mtu_insert_router() {
	local mtu=${1:-1400} br_was_up=0
	if [ "$LAB_BR_STATE" = up ]; then
		br_was_up=1
		lab_br_down >/dev/null 2>&1 || { ns_log "mapce br down failed"; return 1; }
		LAB_BR_STATE=off
	fi
	# the old ISP <-> BR veth pair goes (with mce-brw); new pairs come
	ns_ip "$LAB_NS_ISP" link del "$LAB_IF_ISP_BR" || return 1
	ns_create "$LAB_NS_RTR" &&
	ns_veth "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_NS_RTR" "$LAB_IF_RTR_ISP" &&
	ns_veth "$LAB_NS_RTR" "$LAB_IF_RTR_BR" "$LAB_NS_BR" "$LAB_IF_BR_WAN" || return 1
	ns_ip "$LAB_NS_ISP" link set "$LAB_IF_ISP_BR" mtu "$mtu" &&
	ns_ip "$LAB_NS_RTR" link set "$LAB_IF_RTR_ISP" mtu "$mtu" || return 1

	# ISP: the BR address now via mce-rtr
	ns_addr "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_ISP_BR_IP6/64" &&
	ns_ip "$LAB_NS_ISP" -6 route add "$LAB_BR_IP6/128" via "$LAB_RTR_ISP_IP6" || return 1
	# the new router: the CE side is everything but the BR
	ns_forwarding "$LAB_NS_RTR" 6 &&
	ns_addr "$LAB_NS_RTR" "$LAB_IF_RTR_ISP" "$LAB_RTR_ISP_IP6/64" &&
	ns_addr "$LAB_NS_RTR" "$LAB_IF_RTR_BR" "$LAB_RTR_BR_IP6/64" &&
	ns_ip "$LAB_NS_RTR" -6 route add default via "$LAB_ISP_BR_IP6" &&
	ns_ip "$LAB_NS_RTR" -6 route add "$LAB_BR_IP6/128" via "$LAB_BR_LINK2_IP6" ||
		return 1
	# BR: a new link, the same BR address
	ns_addr "$LAB_NS_BR" "$LAB_IF_BR_WAN" "$LAB_BR_LINK2_IP6/64" "$LAB_BR_IP6/128" &&
	ns_ip "$LAB_NS_BR" -6 route add default via "$LAB_RTR_BR_IP6" dev "$LAB_IF_BR_WAN" ||
		return 1
	# as lab.sh: the XDP peers send full checksums
	ns_offload "$LAB_NS_ISP" "$LAB_IF_ISP_BR" "$LAB_XDP_PEER_TX" tx &&
	ns_offload "$LAB_NS_RTR" "$LAB_IF_RTR_BR" "$LAB_XDP_PEER_TX" tx || return 1

	ns_reach "$LAB_NS_ISP" "$LAB_RTR_ISP_IP6" ||
		{ ns_log "ISP-router link not usable"; return 1; }
	ns_reach "$LAB_NS_CE" "$LAB_BR_IP6" ||
		{ ns_log "CE cannot reach the BR address through $LAB_NS_RTR"; return 1; }
	# the narrow link really is narrow: a full-size packet gets PTB
	if ns_exec "$LAB_NS_CE" ping -6 -c1 -W1 -M "do" -s 1452 "$LAB_BR_IP6" >/dev/null 2>&1; then
		ns_log "a 1500-byte IPv6 packet crossed the MTU $mtu link"
		return 1
	fi
	if [ "$br_was_up" = 1 ]; then
		lab_br_up || { ns_log "BR: $LAB_BR_STATE"; return 1; }
	fi
	return 0
}

# lab_mtu_stats_json CE|BR FILE: `mapce stats -j` (CE) or `mapce br status
# -j` (BR) into FILE.
lab_mtu_stats_json() {
	case $1 in
	CE) lab_ce -j stats --all >"$2" 2>&1 ;;
	BR) lab_br -j br status --dev "$LAB_IF_BR_WAN" >"$2" 2>&1 ;;
	esac
}

# lab_mtu_stat CE|BR REASON: packets counted under REASON now (0 when the
# reason is absent; empty, status 1, when the counters cannot be read).
lab_mtu_stat() {
	local f
	f=$(mktemp "${LAB_DIR:-/tmp}/stat.XXXXXX") || return 1
	if ! lab_mtu_stats_json "$1" "$f"; then
		rm -f "$f"
		return 1
	fi
	"$LAB_PY" "$LAB_TOOLS/mtu_tool.py" stat --reason "$2" <"$f"
	local rc=$?
	rm -f "$f"
	return $rc
}

# lab_json_field JSON KEY: a top-level field of a JSON object (empty when
# absent or not JSON).
lab_json_field() {
	"$LAB_PY" -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' \
		"$1" "$2" 2>/dev/null
}
