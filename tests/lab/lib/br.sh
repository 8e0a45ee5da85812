# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the tests that source this)
#
# br.sh - the BR topologies of tests/lab/test_br_*.sh, built from ns.sh and
# mapce.sh.  Sourced, not run.
#
# Every name carries "tbr" and the test's pid (ns.sh's per-run names):
# namespaces tbr-ROLE-PID (`on ROLE CMD...` runs in one), interfaces
# tbrXPID.  tbr_cleanup (the EXIT trap) takes the BR (and a CE) down,
# stops what the test started and removes all of it; every command runs
# under a timeout (TBR_T seconds).
#
#   tbr_init NAME              the run; NAME prefixes the case names
#   tbr_preflight CASE...      root, tools, mapce built, bpffs; else every
#                              case skipped
#   tbr_topology 0|1           CE -- [IPv6 router --] BR -- server, below
#   tbr_tun_ce                 the CE: tests/lab/tools/tun_ce.py on a TUN
#   tbr_tun_lab 0|1 [ROLE IF]  both, mapce br up, and the TUN CE
#   tbr_br_up ROLE DEV [ARGS]  mapce br up (the rule and BR address)
#   tbr_serve NAME ROLE CMD... a tests/lab/tools server (tbr_udp_echo: the
#                              UDP echo server on 203.0.113.10:7007)
#   tbr_http_server MB [ROLE]  a random file over HTTP; tbr_download ROLE
#   tbr_counters ROLE DEV      `br status -j` counters: cnt NAME, cnt_bytes
#                              NAME, nonzero
#   tbr_cleanup_case           the last case: cleanup leaves nothing
#
# The CE side is emulated, so a BR test does not depend on the CE
# (tests/lab/tools/):
#   ce_emul.py  one UDP datagram from a MAP address over a raw IPv6 socket
#               (next header 4), then waits for the encapsulated answer
#   tun_ce.py   a CE without NAT: IPv4 from a TUN device goes to the BR as
#               IPv4-in-IPv6 from the MAP address, IPv4-in-IPv6 from the BR
#               goes into the TUN; the namespace's own stack (ping, curl)
#               is the CE's "LAN host" with the shared address
#   icmp_sniff.py  every ICMPv4 error a host receives, decoded, as JSON lines

# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
# shellcheck source=mapce.sh
. "$(dirname "${BASH_SOURCE[0]}")/mapce.sh"

TBR_T=20 # seconds, any single command

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
TBR_TMP=

# tbr_init NAME: the run (names tbr-ROLE-PID, tbrXPID), its temp dir
# TBR_TMP, tbr_cleanup on EXIT.  NAME prefixes the case names.
tbr_init() {
	TBR_NAME=$1
	NS_T=$TBR_T
	ns_init tbr
	ns_trap tbr_cleanup
	TBR_TMP=$NS_TMP
}

# tbr_preflight CASE...: root, tools, build, bpffs; skip everything otherwise.
tbr_preflight() {
	mapce_preflight ip nsenter timeout ethtool sha256sum "$LAB_PY" ||
		t_skip_all "$NS_WHY" "${@/#/$TBR_NAME: }"
	mapce_mount_bpffs || t_skip_all "no bpffs on /sys/fs/bpf" "${@/#/$TBR_NAME: }"
}

# tbr_skip_all REASON CASE...: every case skipped, exit 0.
tbr_skip_all() {
	local why=$1
	shift
	t_skip_all "$why" "${@/#/$TBR_NAME: }"
}

# tbr_setup_ok CASE...: t_setup_ok "setup failed" for this test's CASEs.
tbr_setup_ok() { t_setup_ok "setup failed" "${@/#/$TBR_NAME: }"; }

# tbr_ns ROLE: create namespace tbr-ROLE-PID (ns_create).
tbr_ns() { ns_create "$(ns_name "$1")"; }

# on ROLE CMD...: CMD in namespace tbr-ROLE-PID, bounded (TBR_T).
on() {
	local ns
	ns=$(ns_name "$1")
	shift
	ns_exec "$ns" "$@"
}

# on_t SECONDS ROLE CMD...: like on, with its own bound.
on_t() {
	local secs=$1 ns
	ns=$(ns_name "$2")
	shift 2
	ns_exec_t "$secs" "$ns" "$@"
}

# tbr_veth ROLE1 IF1 ROLE2 IF2: ns_veth between two roles' namespaces;
# tbr_addr ROLE IF ADDR/LEN...: ns_addr in ROLE's.
tbr_veth() { ns_veth "$(ns_name "$1")" "$2" "$(ns_name "$3")" "$4"; }
tbr_addr() {
	local ns
	ns=$(ns_name "$1")
	shift
	ns_addr "$ns" "$@"
}

# tbr_mapce ROLE ARGS...: mapce in tbr-ROLE-PID (network namespace only).
tbr_mapce() {
	local ns
	ns=$(ns_name "$1")
	shift
	mapce_in "$ns" "$@"
}

# tbr_track ce|br ROLE DEV: a CE / BR in ROLE that cleanup takes down.
tbr_track() { mapce_track "$1" "$(ns_name "$2")" "$3"; }

# tbr_br_up ROLE DEV [ARGS...]: mapce br up (rule and BR address by
# default); output in $TBR_TMP/br_up.out, status returned.
tbr_br_up() {
	local role=$1 dev=$2
	shift 2
	tbr_track br "$role" "$dev"
	tbr_mapce "$role" br up --dev "$dev" --br "$TBR_BR6" "${TBR_RULE[@]}" "$@" \
		>"$TBR_TMP/br_up.out" 2>&1
}

# tbr_serve NAME ROLE CMD...: ns_serve in tbr-ROLE-PID (a tests/lab/tools
# server, waited for; cleanup stops it).
tbr_serve() {
	local name=$1 ns
	ns=$(ns_name "$2")
	shift 2
	ns_serve "$name" "$ns" "$@"
}

# tbr_udp_echo: udp_echo.py server on $TBR_SV:7007 in tbr-sv.
tbr_udp_echo() {
	tbr_serve udp sv "$LAB_PY" "$LAB_TOOLS/udp_echo.py" server --listen "$TBR_SV:7007"
}

tbr_cleanup() {
	mapce_down_all
	ns_cleanup
	TBR_TMP=
}

# tbr_cleanup_case: the last case of every test: clean up now and check
# that nothing is left (the EXIT trap then finds nothing to do).
tbr_cleanup_case() {
	local res
	t_begin "$TBR_NAME: cleanup_leaves_nothing"
	tbr_cleanup
	res=$(ns_residue; mapce_residue)
	[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
	ns_forget
	mapce_forget
	t_end
}

# tbr_restart: clean up and start over with a new temp dir (for tests
# that build a second lab).
tbr_restart() {
	tbr_cleanup
	ns_forget
	mapce_forget
	ns_tmpdir tbr && TBR_TMP=$NS_TMP
}

# tbr_counters ROLE DEV: `br status -j` counters as "name packets bytes"
# lines in $TBR_TMP/counters (and the JSON in $TBR_TMP/status.json).
tbr_counters() {
	tbr_mapce "$1" -j br status --dev "$2" >"$TBR_TMP/status.json" 2>"$TBR_TMP/status.err" ||
		return 1
	"$LAB_PY" -c '
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
# Sets TBR_CE_IF TBR_TUN TBR_BR_IF TBR_BR_INET TBR_SV_IF (and TBR_RT_CE_IF
# with the router).
tbr_topology() { # with_router(0|1)
	local router=$1 ce_mtu=${TBR_CE_MTU:-1500} rt_br ce_nh
	TBR_CE_IF=$(ns_ifname c) TBR_TUN=$(ns_ifname t) TBR_BR_IF=$(ns_ifname b)
	TBR_BR_INET=$(ns_ifname i) TBR_SV_IF=$(ns_ifname s)
	TBR_RT_CE_IF=$(ns_ifname r) rt_br=$(ns_ifname q)
	tbr_ns ce && tbr_ns br && tbr_ns sv || return 1
	if [ "$router" = 1 ]; then
		tbr_ns rt &&
			tbr_veth ce "$TBR_CE_IF" rt "$TBR_RT_CE_IF" &&
			tbr_veth rt "$rt_br" br "$TBR_BR_IF" &&
			on rt ip link set "$TBR_RT_CE_IF" mtu "$ce_mtu" &&
			tbr_addr rt "$TBR_RT_CE_IF" 2001:db8:f01::1/64 &&
			tbr_addr rt "$rt_br" 2001:db8:f00::2/64 &&
			ns_forwarding "$(ns_name rt)" 6 &&
			on rt ip -6 route add 2001:db8::/40 via 2001:db8:f01::2 dev "$TBR_RT_CE_IF" &&
			on rt ip -6 route add "$TBR_BR6/128" via 2001:db8:f00::1 dev "$rt_br" &&
			tbr_addr ce "$TBR_CE_IF" 2001:db8:f01::2/64 || return 1
		ce_nh=2001:db8:f01::1
	else
		tbr_veth ce "$TBR_CE_IF" br "$TBR_BR_IF" &&
			tbr_addr ce "$TBR_CE_IF" 2001:db8:f00::2/64 || return 1
		ce_nh=2001:db8:f00::1
	fi
	tbr_veth br "$TBR_BR_INET" sv "$TBR_SV_IF" &&
		on ce ip link set "$TBR_CE_IF" mtu "$ce_mtu" &&
		tbr_addr ce "$TBR_CE_IF" "$TBR_CE6/128" &&
		on ce ip -6 route add "$TBR_BR6/128" via "$ce_nh" dev "$TBR_CE_IF" &&
		tbr_addr br "$TBR_BR_IF" 2001:db8:f00::1/64 &&
		on br ip -6 route add 2001:db8::/40 via 2001:db8:f00::2 dev "$TBR_BR_IF" &&
		tbr_server_side br "$TBR_BR_INET" sv "$TBR_SV_IF" || return 1
	ns_reach "$(ns_name br)" 2001:db8:f00::2 && ns_reach "$(ns_name ce)" "$ce_nh"
}

# tbr_server_side BR_ROLE BR_IF SV_ROLE SV_IF: the BR's IPv4 side (a
# router, 203.0.113.1/24 on BR_IF) and the server (203.0.113.10/24 on SV_IF,
# default via the BR), reachable from the BR.
tbr_server_side() {
	tbr_addr "$1" "$2" "$TBR_SV_GW/24" &&
		ns_forwarding "$(ns_name "$1")" 4 6 &&
		tbr_addr "$3" "$4" "$TBR_SV/24" &&
		on "$3" ip route add default via "$TBR_SV_GW" &&
		ns_reach "$(ns_name "$1")" "$TBR_SV"
}

# tbr_tun_ce: start tun_ce.py in tbr-ce and route the server's prefix
# through it from the shared address (TUN MTU ${TBR_TUN_MTU:-1460}).
tbr_tun_ce() {
	tbr_serve tun ce "$LAB_PY" "$LAB_TOOLS/tun_ce.py" "$TBR_TUN" "$TBR_CE6" "$TBR_BR6" 600 ||
		return 1
	on ce ip addr add "$TBR_CE_V4/32" dev "$TBR_TUN" &&
		on ce ip link set "$TBR_TUN" mtu "${TBR_TUN_MTU:-1460}" up &&
		on ce ip route add 203.0.113.0/24 dev "$TBR_TUN" src "$TBR_CE_V4"
}

# tbr_tun_lab ROUTER [ROLE IF]: the usual start: tbr_topology ROUTER, tx
# checksum offload off on IF in ROLE when given, br up on the BR's device,
# the TUN CE.  t_why names the step that failed.
tbr_tun_lab() {
	if ! tbr_topology "$1" >"$TBR_TMP/setup.log" 2>&1; then
		t_why "topology: $(tail -n 3 "$TBR_TMP/setup.log" | tr '\n' ' ')"
	elif [ -n "${2:-}" ] && ! on "$2" ethtool -K "$3" tx off >/dev/null; then
		t_why "ethtool -K $3 tx off failed"
	elif ! tbr_br_up br "$TBR_BR_IF"; then
		t_why "br up: $(tr '\n' ' ' <"$TBR_TMP/br_up.out" | head -c 300)"
	elif ! tbr_tun_ce; then
		t_why "the TUN CE did not start"
	else
		return 0
	fi
	return 1
}

# tbr_http_server SIZE_MB [ROLE]: a random file served by python3 -m
# http.server on $TBR_SV:8080 in ROLE (default sv): ns_http_serve.
tbr_http_server() {
	ns_http_serve http "$(ns_name "${2:-sv}")" "$TBR_SV" 8080 "$1"
}

# tbr_download ROLE [CURL_ARGS...]: fetch the HTTP server's file in ROLE
# (at most 50 s); sets DL_WHY to what went wrong (empty: the file arrived,
# sha256 matches) and DL_INFO (curl's summary).
tbr_download() {
	local ns
	ns=$(ns_name "$1")
	shift
	ns_fetch "$ns" 50 "$NS_HTTP_URL" "$TBR_TMP/dl.bin" "$NS_HTTP_SIZE" "$NS_HTTP_SHA256" "$@"
	DL_WHY=$NS_FETCH_WHY DL_INFO=$NS_FETCH_INFO
}
