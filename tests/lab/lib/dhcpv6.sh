# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash disable=SC2034  # (variables for the tests that source this)
#
# dhcpv6.sh - a real DHCPv6 line for the CE, built from ns.sh and mapce.sh:
# Kea (kea-dhcp6) in one namespace, dhcpcd in the CE's, a veth between
# them, both with their configuration, leases and sockets in the run's
# temp dir (never /etc/kea, /var/lib/kea, /var/lib/dhcpcd), and
# scripts/mapce-dhcpv6-hook installed in the private dhcpcd's hook dir.
# (tests/lab/test_lab_dhcpv6.sh)
#
#   PREFIX-sv-PID  SV_IF  PREFIXsPID  2001:db8:fffe::1/64 (the ISP: Kea)
#   PREFIX-ce-PID  WAN    PREFIXwPID  2001:db8:fffe::2/64, IPv6 default
#                                     via ::1; dhcpcd asks for a prefix
#                                     (IA_PD) and option 94 on it
#
#   dh6_init PREFIX          names, temp dir NS_TMP, dh6_cleanup on EXIT
#   dh6_preflight            root, the tools, Kea and dhcpcd; else NS_WHY
#   dh6_topology             the two namespaces and the veth
#   dh6_kea_config OPTION-DATA   the Kea config (DH6_KEA_CONF): the link's
#                            subnet, a pool of /56s in 2001:db8:12:3400::/54
#                            to delegate, OPTION-DATA (JSON list) on it
#   dh6_kea_start / dh6_kea_reload   start Kea / make it read the config
#                            again (SIGHUP); both wait until it has
#   dh6_client_config [HOOK-SETTINGS...]  the private dhcpcd: config,
#                            hooks (the mapce hook with these settings
#                            lines, and a recorder of each run of it);
#                            it requests DH6_REQUEST (default option 94,
#                            dhcp6_s46_cont_mape; dhcp6_s46_cont_lw: 96,
#                            dhcp6_aftr_name: 64)
#   dh6_client_start NAME    dhcpcd in the CE namespace (ns_stop NAME:
#                            SIGTERM, i.e. STOP6); DH6_CLIENT_PID
#   dh6_event REASONS [N]    wait (bounded) until the hook ran N times
#                            (default 1) for one of REASONS (an ERE);
#                            DH6_PD: the prefix of the last lease event
#   dh6_cleanup              clients, Kea, mapce, namespaces, files
#   dh6_cleanup_case PREFIX  that as the last case, checking nothing is left
#   dh6_status_is PYTHON     mapce status of WAN (w) satisfies PYTHON
#
# dhcpcd runs with only the network namespace switched and a mount
# namespace of its own (unshare -m) in which the run's directories are
# bound over /var/lib/dhcpcd and /run/dhcpcd: its DUID, leases, pid file
# and control socket stay in NS_TMP, while the host's /run/mapce and
# bpffs (the pins, when the hook runs `mapce up`) stay in view, as on a
# real CE.  Every wait is bounded; Kea and dhcpcd die with the namespaces.

# shellcheck source=harness.sh
. "$(dirname "${BASH_SOURCE[0]}")/harness.sh"
# shellcheck source=mapce.sh
. "$(dirname "${BASH_SOURCE[0]}")/mapce.sh"

DH6_HOOK=$LAB_TOP/scripts/mapce-dhcpv6-hook
DH6_RUN_HOOKS=/usr/lib/dhcpcd/dhcpcd-run-hooks # Debian's dhcpcd-base
DH6_SV_ADDR=2001:db8:fffe::1
DH6_CE_ADDR=2001:db8:fffe::2
DH6_POOL=2001:db8:12:3400::/54 # four /56s; Kea hands out the first free one
DH6_RUN_DHCPCD_MADE=0          # /run/dhcpcd was made by this run (rmdir it)

dh6_init() {
	NS_T=20
	ns_init "$1"
	ns_trap dh6_cleanup
	SV_NS=$(ns_name sv) CE_NS=$(ns_name ce)
	SV_IF=$(ns_ifname s) WAN=$(ns_ifname w)
	DH6_DIR=$NS_TMP/dh6
	DH6_KEA_CONF=$DH6_DIR/kea/kea-dhcp6.json
	DH6_EVENTS=$DH6_DIR/events
	DH6_FILE=/run/mapce/$WAN.dhcpv6 # dh6_topology: in the CE's namespace's directory
	mkdir -p "$DH6_DIR/kea" "$DH6_DIR/dhcpcd/db" "$DH6_DIR/dhcpcd/run" "$DH6_DIR/dhcpcd/hooks"
	mapce_track ce "$CE_NS" "$WAN"
}

dh6_preflight() {
	mapce_preflight ip nsenter unshare mount timeout python3 kea-dhcp6 dhcpcd || return 1
	[ -f "$DH6_RUN_HOOKS" ] || { NS_WHY="no $DH6_RUN_HOOKS"; return 1; }
}

dh6_topology() {
	ns_create "$SV_NS" && ns_create "$CE_NS" &&
		DH6_FILE=$(mapce_run_dir "$CE_NS")/$WAN.dhcpv6 &&
		ns_veth "$SV_NS" "$SV_IF" "$CE_NS" "$WAN" &&
		ns_addr "$SV_NS" "$SV_IF" "$DH6_SV_ADDR/64" && ns_addr "$CE_NS" "$WAN" "$DH6_CE_ADDR/64" &&
		ns_ip "$CE_NS" -6 route add default via "$DH6_SV_ADDR" dev "$WAN" &&
		ns_reach "$CE_NS" "$DH6_SV_ADDR"
}

# ---- Kea -------------------------------------------------------------------

# dh6_kea_config OPTION-DATA: Kea's whole config, every path in NS_TMP:
# the lease file (no lease-file cleanup process), the pid and logger lock
# files (KEA_PIDFILE_DIR, KEA_LOCKFILE_DIR at start); a fixed server DUID
# (DUID-EN, enterprise 32473: RFC 5612's for documentation): a generated
# one changes when Kea reloads its config, and the client's renewals,
# sent to the old one, would be dropped.  The log on stdout
# (NS_TMP/kea.log).
dh6_kea_config() {
	local pool=${DH6_POOL%/*} plen=${DH6_POOL#*/} k=$DH6_DIR/kea
	cat >"$DH6_KEA_CONF.tmp" <<EOF
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "$SV_IF" ] },
  "data-directory": "$k",
  "server-id": { "type": "EN", "enterprise-id": 32473, "identifier": "6d61706365",
                 "persist": false },
  "lease-database": { "type": "memfile", "persist": true, "name": "$k/leases6.csv",
                      "lfc-interval": 0 },
  "renew-timer": 1000, "rebind-timer": 2000,
  "preferred-lifetime": 3000, "valid-lifetime": 4000,
  "subnet6": [ {
    "id": 1, "subnet": "2001:db8:fffe::/64", "interface": "$SV_IF",
    "pd-pools": [ { "prefix": "$pool", "prefix-len": $plen, "delegated-len": 56 } ],
    "option-data": $1
  } ],
  "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                 "output_options": [ { "output": "stdout" } ] } ]
} }
EOF
	mv -f "$DH6_KEA_CONF.tmp" "$DH6_KEA_CONF"
}

# dh6_kea_up: Kea has (re)read its config: DHCP6_CONFIG_COMPLETE number
# $1 in its log, and no socket failed
dh6_kea_done() { [ "$(grep -c DHCP6_CONFIG_COMPLETE "$NS_TMP/kea.log")" -ge "$1" ]; }
dh6_kea_check() {
	local n=$1
	ns_wait 10 dh6_kea_done "$n" || {
		NS_WHY="kea-dhcp6 did not take its config: $(grep -E 'ERROR|FATAL' "$NS_TMP/kea.log" | tail -n 2 | tr '\n' ' ' | head -c 300)"
		return 1
	}
	if grep -q DHCPSRV_OPEN_SOCKET_FAIL "$NS_TMP/kea.log"; then
		NS_WHY="kea-dhcp6 cannot listen on $SV_IF: $(grep DHCPSRV_OPEN_SOCKET_FAIL "$NS_TMP/kea.log" | head -n 1 | head -c 300)"
		return 1
	fi
}

dh6_kea_start() {
	local k=$DH6_DIR/kea
	ns_bg kea "$SV_NS" env KEA_PIDFILE_DIR="$k" KEA_LOCKFILE_DIR="$k" \
		kea-dhcp6 -c "$DH6_KEA_CONF" || return 1
	dh6_kea_check 1
}

dh6_kea_reload() {
	local n
	n=$(grep -c DHCP6_CONFIG_COMPLETE "$NS_TMP/kea.log")
	kill -HUP "$(ns_bg_pid kea)" && dh6_kea_check $((n + 1))
}

# ---- dhcpcd ----------------------------------------------------------------

# dh6_client_config [SETTINGS-LINE...]: dhcpcd.conf, a copy of
# dhcpcd-run-hooks that reads only the private hook dir (not the host's
# hooks nor /etc/dhcpcd.enter-hook, /etc/dhcpcd.exit-hook), the mapce
# hook in it (90-mapce) with its settings file, and 99-record, which
# notes each run after it in DH6_EVENTS.
dh6_client_config() {
	local d=$DH6_DIR/dhcpcd
	sed -e "s|/usr/lib/dhcpcd/dhcpcd-hooks/\*|$d/hooks/*|" \
		-e "s|/etc/dhcpcd\.enter-hook|$d/enter-hook|" \
		-e "s|/etc/dhcpcd\.exit-hook|$d/exit-hook|" "$DH6_RUN_HOOKS" >"$d/run-hooks" &&
		chmod 0755 "$d/run-hooks" || return 1
	if grep -q '/usr/lib/dhcpcd/dhcpcd-hooks\|/etc/dhcpcd\.e' "$d/run-hooks" ||
		! grep -q "$d/hooks/\*" "$d/run-hooks"; then
		NS_WHY="$DH6_RUN_HOOKS does not have the hook dir where this test expects it"
		return 1
	fi
	install -m 0644 "$DH6_HOOK" "$d/hooks/90-mapce" || return 1
	printf '%s\n' "# written by $0" "$@" >"$d/hook.conf"
	cat >"$d/hooks/99-record" <<EOF
# the test's recorder: REASON INTERFACE PD (after 90-mapce ran)
pd=
[ -n "\${new_dhcp6_ia_pd1_prefix1:-}" ] && pd=\$new_dhcp6_ia_pd1_prefix1/\$new_dhcp6_ia_pd1_prefix1_length
echo "\$reason \$interface \$pd" >>"$DH6_EVENTS"
EOF
	# define6: option 94's (and 96's) bytes as one hex string (dhcpcd's
	# built-in definition splits it into variables per sub-option)
	cat >"$d/dhcpcd.conf" <<EOF
script $d/run-hooks
env MAPCE_HOOK_CONF=$d/hook.conf
define6 94 binhex s46_cont_mape
define6 96 binhex s46_cont_lw
duid
ipv6only
noipv6rs
interface $WAN
  ia_pd 1
  option ${DH6_REQUEST:-dhcp6_s46_cont_mape}
EOF
}

# dh6_client_start NAME: dhcpcd -B (in the foreground) in the CE
# namespace, in its own mount namespace; nsenter, unshare and sh exec, so
# DH6_CLIENT_PID is dhcpcd's manager: what SIGUSR1 (renew), SIGALRM
# (release and exit) and ns_stop's SIGTERM (STOP6 and exit) go to.  No
# timeout around it (it would take SIGALRM for its own); the namespace's
# end ends it.
dh6_client_start() {
	local d=$DH6_DIR/dhcpcd
	if [ ! -d /run/dhcpcd ]; then
		mkdir -p /run/dhcpcd && DH6_RUN_DHCPCD_MADE=1
	fi
	# shellcheck disable=SC2016 # expanded by that sh
	nsenter --net="/run/netns/$CE_NS" unshare -m sh -c \
		'mount --bind "$1/db" /var/lib/dhcpcd && mount --bind "$1/run" /run/dhcpcd &&
		exec dhcpcd -f "$1/dhcpcd.conf" -B -d -6 "$2"' sh "$d" "$WAN" \
		</dev/null >"$NS_TMP/$1.log" 2>&1 &
	DH6_CLIENT_PID=$!
	echo "$DH6_CLIENT_PID $(ns_starttime "$DH6_CLIENT_PID")" >"$NS_TMP/pids/$1"
}

# dh6_event REASONS [N]: the hook ran N times (default 1) for one of
# REASONS (an ERE: 'BOUND6|REBIND6'), 10 s at most
dh6_count() { [ "$(grep -cE "^($1) " "$DH6_EVENTS" 2>/dev/null)" -ge "$2" ]; }
dh6_event() {
	ns_wait 10 dh6_count "$1" "${2:-1}" || return 1
	DH6_PD=$(grep -E '^(BOUND6|RENEW6|REBIND6|REBOOT6) ' "$DH6_EVENTS" | tail -n 1 | cut -d' ' -f3)
}

dh6_cleanup() {
	ns_stop_all # dhcpcd (STOP6: the hook removes its file), Kea
	mapce_down_all
	ns_cleanup
	[ "$DH6_RUN_DHCPCD_MADE" = 1 ] && rmdir /run/dhcpcd 2>/dev/null
	DH6_RUN_DHCPCD_MADE=0
	return 0
}

# dh6_status_is PYTHON: `mapce -j status --wan WAN` has one entry for WAN,
# and PYTHON (asserts on w, that entry) holds
dh6_status_is() {
	mapce_cmd "$CE_NS" -j status --wan "$WAN"
	[ "$rc" -eq 0 ] || { t_why "status exited $rc: $(errtext)"; return; }
	t_json "$NS_TMP/out" "
w = [i for i in d['interfaces'] if i['wan'] == '$WAN']
assert len(w) == 1, 'no $WAN in status'
w = w[0]
$1"
}

# dh6_cleanup_case PREFIX: the last case, "PREFIX: cleanup_leaves_nothing":
# dh6_cleanup, then nothing of the run may be left
dh6_cleanup_case() {
	local res
	t_begin "$1: cleanup_leaves_nothing"
	dh6_cleanup
	res=$(dh6_residue)
	[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
	ns_forget
	mapce_forget
	t_end
}

# dh6_residue: what the run left (empty: nothing)
dh6_residue() {
	ns_residue
	mapce_residue
	[ "$DH6_RUN_DHCPCD_MADE" = 1 ] && [ -d /run/dhcpcd ] && echo "dir /run/dhcpcd"
	return 0
}
