# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the tests that source this)
#
# ce_wan.sh - the smallest CE topology, built from ns.sh and mapce.sh, for
# the tests of `mapce up` / `down` / `portmap` on a real veth WAN
# (tests/lab/test_up_down.sh, test_portmap.sh, test_bpffs_mount.sh):
#
#   PREFIX-ce-PID   WAN  PREFIXwPID   2001:db8:12:3400::1/64, IPv6 default
#                                     via 2001:db8:12:3400::ffff
#   PREFIX-pr-PID   PEER PREFIXpPID   2001:db8:12:3400::ffff/64 (the ISP)
#
# mapce runs with only the network namespace switched (nsenter --net), so
# its pins (PIN) and state files (STATE, RECORD) are the host's.
#
#   ce_wan_init PREFIX       names, temp dir NS_TMP, cleanup on EXIT (mapce
#                            down, pins and state removed, namespaces gone)
#   ce_wan_up                the topology (0 when it works)
#   ce CMD...                CMD in the CE namespace (network only), bounded
#   m ARGS...                mapce there: NS_TMP/out, NS_TMP/err, $rc
#   py CODE                  t_json on NS_TMP/out (the last m's output)

# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
# shellcheck source=mapce.sh
. "$(dirname "${BASH_SOURCE[0]}")/mapce.sh"

CE_ADDR=2001:db8:12:3400::1
GW=2001:db8:12:3400::ffff
MAP_ADDR=2001:db8:12:3400:c6:3364:1200:3400 # legacy IID of 198.51.100.18 psid 52
RULE=(--rule-ipv6 2001:db8::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16 --psid-offset 4
	--legacy-iid --br 2001:db8:ffff::64)

ce_wan_init() {
	NS_T=20 # seconds, any single command
	ns_init "$1"
	ns_trap ce_wan_cleanup
	CE_NS=$(ns_name ce) PEER_NS=$(ns_name pr)
	WAN=$(ns_ifname w) PEER=$(ns_ifname p)
	PIN=$(mapce_pins ce "$WAN")
	STATE=/run/mapce/$WAN.state
	RECORD=/run/mapce/$WAN.config
	mapce_track ce "$CE_NS" "$WAN"
	# the config directory is the test's own: the host's /etc/mapce is
	# never read, and `portmap add` never writes there
	export MAPCE_CONF_DIR=$NS_TMP/etc-mapce
}

# ce_wan_paths: PIN, STATE, RECORD of the CE's namespace (mapce keys them
# by it: known once the namespace exists).
ce_wan_paths() {
	PIN=$(mapce_pins ce "$WAN" "$CE_NS")
	STATE=$(mapce_run_dir "$CE_NS")/$WAN.state
	RECORD=$(mapce_run_dir "$CE_NS")/$WAN.config
}

ce_wan_cleanup() {
	mapce_down_all
	ns_cleanup
}

ce_wan_up() {
	ns_create "$CE_NS" && ns_create "$PEER_NS" && ce_wan_paths &&
		ns_veth "$CE_NS" "$WAN" "$PEER_NS" "$PEER" &&
		ns_addr "$CE_NS" "$WAN" "$CE_ADDR/64" && ns_addr "$PEER_NS" "$PEER" "$GW/64" &&
		ns_ip "$CE_NS" -6 route add default via "$GW" dev "$WAN"
}

ce() { ns_nsenter "$CE_NS" "$@"; }
m() { mapce_cmd "$CE_NS" "$@"; }
py() { t_json "$NS_TMP/out" "$1"; }
