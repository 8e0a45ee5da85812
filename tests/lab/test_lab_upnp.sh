#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# UPnP IGD through miniupnpd (issue 12), with Debian's miniupnpd and
# miniupnpc's upnpc against the lab's CE (tests/lab/lib/lab.sh).  The CE
# runs under `mapce run` from a config file with upnp-leases and one
# static forward (tcp 4931 -> 192.0.2.20:8023); miniupnpd runs in the CE's
# namespace with the configuration `mapce upnp-config` writes.
#
#   upnp_config            upnp-config: ext_ifname, ext_ip 198.51.100.18, the
#                          LAN interface (given, and picked when not), the
#                          lease file, no STUN, no NAT-PMP, the table
#                          mapce_upnp, one allow line per range of the set
#                          (15, the set's), deny last; a relative --leases
#                          and an unknown --lan are refused by name, no file
#   upnp_add_in_set        upnpc -a 192.0.2.10 8022 4930 TCP (LAN host):
#                          accepted; within 8 s `portmap list -j` has tcp
#                          4930 -> 192.0.2.10:8022, dynamic, not saved; run
#                          logged it opened; the config file is unchanged
#   upnp_list              SSDP discovery (upnpc -s) finds miniupnpd's IGD;
#                          upnpc -l lists 4930->192.0.2.10:8022 and the
#                          shared address
#   upnp_from_internet     3 TCP connections from 203.0.113.10 to
#                          198.51.100.18:4930 reach the LAN host's server
#   upnp_outside_refused   upnpc -a ... 4000 TCP (not in the set): refused
#                          by miniupnpd (606); no forward of port 4000
#   upnp_clash_refused     upnpc -a 192.0.2.10 8024 4931 TCP: miniupnpd
#                          takes it, the bridge refuses it (the static forward
#                          holds 4931) and says so; 4931 still -> 192.0.2.20
#   upnp_bad_line_named    a line "garbage" added to the lease file: logged
#                          with the file, its line number and the field
#   upnp_delete            upnpc -d 4930 TCP: within 8 s the forward is gone
#                          (run logged it closed) and a connection from the
#                          internet to 4930 fails
#   upnp_lease_expires     a mapping of 6 s (udp 4932): opened, then closed
#                          within 6 + 8 s with no upnpc -d
#   upnp_run_exit          SIGTERM to run: exit 0
#   upnp_teardown_clean    lab_down leaves nothing behind
#
# Debian's miniupnpd 2.3.1 refuses an external address in a documentation
# block, the only addresses the lab may use: it runs with
# tests/lab/tools/miniupnpd_shim.c preloaded (see there).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1}
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh
# shellcheck source=lib/fwd.sh
. tests/lab/lib/fwd.sh

T=60
P_UP=4930 S_UP=8022 # the mapping upnpc adds (port of the set) and the server
P_FWD=4931          # the config's static forward
P_OUT=4000          # not in the set
P_EXP=4932          # udp, a 6 s lease
ALL=(upnp_config upnp_add_in_set upnp_list upnp_from_internet upnp_outside_refused
	upnp_clash_refused upnp_bad_line_named upnp_delete upnp_lease_expires upnp_run_exit)

missing=
for c in miniupnpd upnpc nft clang; do
	command -v "$c" >/dev/null || missing="$missing $c"
done
[ -z "$missing" ] || t_skip_all "not installed:$missing (scripts/deps.sh)" "${ALL[@]}" \
	upnp_teardown_clean

run_lab_up "${ALL[@]}" upnp_teardown_clean
lab_port_set

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
lan() { ns_exec_t "$T" "$LAB_NS_LAN" "$@"; }
CONF=$LAB_DIR/upnp.conf
UPD=$LAB_DIR/upnp
LEASES=$UPD/upnp.leases
MUCONF=$LAB_DIR/miniupnpd.conf
RUNLOG=$LAB_DIR/run.log
RUN_PID=
mkdir -p "$UPD"
{
	echo "wan $LAB_IF_WAN"
	lab_rule_config
	echo "upnp-leases $LEASES"
	echo "portmap tcp $P_FWD 192.0.2.20:8023"
} >"$CONF"
cp "$CONF" "$CONF.orig"

cleanup() {
	ns_stop miniupnpd
	run_stop
	lab_down
}
trap cleanup EXIT

run_start "$CONF" "$RUNLOG"
ns_wait 15 grep -q 'mirroring' "$RUNLOG" ||
	t_fail upnp_run_start "no 'mirroring' line within 15 s: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
t_setup_ok "mapce run did not start the bridge" "${ALL[@]}" || exit 1

# ---- the configuration ---------------------------------------------------
t_begin upnp_config
ce "$MAPCE" upnp-config --wan "$LAB_IF_WAN" --lan "$LAB_IF_CE_LAN" --leases "$LEASES" \
	-o "$MUCONF" >"$LAB_DIR/cfg.out" 2>&1 || t_why "upnp-config: $(head -c 300 "$LAB_DIR/cfg.out")"
for l in "ext_ifname=$LAB_IF_WAN" "ext_ip=$LAB_MAP_IPV4" "listening_ip=$LAB_IF_CE_LAN" \
	"lease_file=$LEASES" ext_perform_stun=no enable_natpmp=no upnp_table_name=mapce_upnp \
	upnp_nat_table_name=mapce_upnp; do
	grep -qxF "$l" "$MUCONF" || t_why "no line '$l'"
done
# the set's ranges, from the port list: a new range where a port is not last + 1
want=$(awk 'NR > 1 && $1 != last + 1 { print first "-" last; first = $1 }
	NR == 1 { first = $1 } { last = $1 } END { print first "-" last }' "$LAB_PORTSET" |
	sed 's/.*/allow & 0.0.0.0\/0 0-65535/')
got=$(grep '^allow ' "$MUCONF")
[ "$got" = "$want" ] || t_why "allow lines: $(head -c 200 <<<"$got" | tr '\n' '|') want $(head -c 200 <<<"$want" | tr '\n' '|')"
[ "$(grep -c '^allow ' "$MUCONF")" = 15 ] || t_why "$(grep -c '^allow ' "$MUCONF") allow lines, want 15"
[ "$(grep -v '^#' "$MUCONF" | grep . | tail -n 1)" = "deny 0-65535 0.0.0.0/0 0-65535" ] ||
	t_why "the last rule is not the deny"
ce "$MAPCE" upnp-config --wan "$LAB_IF_WAN" --leases "$LEASES" >"$LAB_DIR/cfg2.out" 2>&1 ||
	t_why "upnp-config without --lan: $(head -c 200 "$LAB_DIR/cfg2.out")"
grep -qx "listening_ip=$LAB_IF_CE_LAN" "$LAB_DIR/cfg2.out" || t_why "the LAN picked is not $LAB_IF_CE_LAN"
ce "$MAPCE" upnp-config --wan "$LAB_IF_WAN" --leases rel/x -o "$LAB_DIR/bad.conf" >"$LAB_DIR/bad.out" 2>&1 &&
	t_why "a relative --leases was taken"
grep -q "'rel/x'" "$LAB_DIR/bad.out" || t_why "the bad --leases not named: $(head -c 200 "$LAB_DIR/bad.out")"
ce "$MAPCE" upnp-config --wan "$LAB_IF_WAN" --lan nosuch0 -o "$LAB_DIR/bad.conf" >"$LAB_DIR/bad.out" 2>&1 &&
	t_why "an unknown --lan was taken"
grep -q "nosuch0" "$LAB_DIR/bad.out" || t_why "the bad --lan not named: $(head -c 200 "$LAB_DIR/bad.out")"
[ ! -e "$LAB_DIR/bad.conf" ] || t_why "a refused upnp-config wrote its file"
t_end
t_setup_ok "no miniupnpd configuration" "${ALL[@]:1}" || exit 1

# ---- miniupnpd, with its table ---------------------------------------------
clang -shared -fPIC -O2 -o "$LAB_DIR/shim.so" tests/lab/tools/miniupnpd_shim.c -ldl \
	>"$LAB_DIR/cc.out" 2>&1 || t_fail upnp_miniupnpd "building the shim: $(head -c 300 "$LAB_DIR/cc.out")"
ce nft -f data/miniupnpd/mapce-upnp.nft >"$LAB_DIR/nft.out" 2>&1 ||
	t_fail upnp_miniupnpd "nft -f mapce-upnp.nft: $(head -c 300 "$LAB_DIR/nft.out")"
# 192.0.3.18: off miniupnpd's reserved list and never a packet's address (the shim)
ns_bg miniupnpd "$LAB_NS_CE" env LD_PRELOAD="$LAB_DIR/shim.so" MAPCE_SHIM_FROM="$LAB_MAP_IPV4" \
	MAPCE_SHIM_TO=192.0.3.18 timeout 600 miniupnpd -f "$MUCONF" -d -P "$UPD/miniupnpd.pid"
MULOG=$LAB_DIR/miniupnpd.log
ns_wait 10 grep -q 'HTTP listening on port' "$MULOG" ||
	t_fail upnp_miniupnpd "miniupnpd did not start: $(tail -n 5 "$MULOG" | tr '\n' ' ')"
MUPORT=$(grep -o 'HTTP listening on port [0-9]*' "$MULOG" | head -n 1 | awk '{print $5}')
URL=http://$LAB_CE_LAN_IP:$MUPORT/rootDesc.xml
t_setup_ok "miniupnpd did not start" "${ALL[@]:1}" || exit 1
ns_serve upsrv "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_server.py" \
	--listen "$LAB_LAN_IP:$S_UP" --log "$LAB_DIR/upsrv.peers"

# upnpc ARGS...: miniupnpc against the lab's IGD, output in $LAB_DIR/upnpc.out
upnpc_() { lan timeout 20 upnpc -u "$URL" "$@" >"$LAB_DIR/upnpc.out" 2>&1; }

# ---- a mapping in the set ----------------------------------------------------
t_begin upnp_add_in_set
lab_in_set "$P_UP" || t_why "$P_UP is not in the set"
upnpc_ -e mapce-lab -a "$LAB_LAN_IP" "$S_UP" "$P_UP" TCP ||
	t_why "upnpc -a exit $?: $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
grep -q "is redirected to internal $LAB_LAN_IP:$S_UP" "$LAB_DIR/upnpc.out" ||
	t_why "upnpc -a: $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
ns_wait 8 has_fwd tcp "$P_UP" "$LAB_LAN_IP" "$S_UP" 1 ||
	t_why "no dynamic forward tcp $P_UP within 8 s: $(head -c 400 "$LAB_DIR/fwd.json")"
grep -q "upnp.*tcp $P_UP -> $LAB_LAN_IP:$S_UP (mapce-lab) opened" "$RUNLOG" ||
	t_why "run did not log it: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
cmp -s "$CONF" "$CONF.orig" || t_why "the config file changed"
t_end

t_begin upnp_list
# SSDP discovery finds the IGD; miniupnpc then calls it "not connected", as
# it does any IGD whose external address is in a documentation block
lan timeout 20 upnpc -s >"$LAB_DIR/disc.out" 2>&1
grep -qF "desc: $URL" "$LAB_DIR/disc.out" ||
	t_why "discovery did not find $URL: $(grep -v '^$' "$LAB_DIR/disc.out" | tail -n 3 | tr '\n' ' ')"
upnpc_ -l || t_why "upnpc -l exit $?"
cp "$LAB_DIR/upnpc.out" "$LAB_DIR/list.out"
grep -q "TCP *$P_UP->$LAB_LAN_IP:$S_UP" "$LAB_DIR/list.out" ||
	t_why "not listed: $(grep -v '^$' "$LAB_DIR/list.out" | tail -n 4 | tr '\n' ' ')"
grep -q "ExternalIPAddress = $LAB_MAP_IPV4" "$LAB_DIR/list.out" ||
	t_why "external address: $(grep ExternalIP "$LAB_DIR/list.out")"
t_end

t_begin upnp_from_internet
inet_reach "$P_UP" 3 20 ||
	t_why "internet -> $LAB_MAP_IPV4:$P_UP: $(cat "$LAB_DIR/why")"
grep -q "^accept .*$LAB_INET_IP:" "$LAB_DIR/upsrv.peers" ||
	t_why "the LAN server saw no connection from $LAB_INET_IP"
t_end

t_begin upnp_outside_refused
lab_in_set "$P_OUT" && t_why "$P_OUT is in the set"
upnpc_ -a "$LAB_LAN_IP" 8023 "$P_OUT" TCP
grep -q "failed with code 606" "$LAB_DIR/upnpc.out" ||
	t_why "upnpc -a $P_OUT: $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
sleep 1
no_port "$P_OUT" || t_why "a forward of $P_OUT"
t_end

t_begin upnp_clash_refused
upnpc_ -a "$LAB_LAN_IP" 8024 "$P_FWD" TCP ||
	t_why "upnpc -a $P_FWD (miniupnpd does not know the forward): $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
ns_wait 8 grep -q "tcp $P_FWD -> $LAB_LAN_IP:8024 .* refused: .*already forwarded to 192.0.2.20:8023" "$RUNLOG" ||
	t_why "no refusal logged: $(tail -n 2 "$RUNLOG" | tr '\n' ' ')"
has_fwd tcp "$P_FWD" 192.0.2.20 8023 0 || t_why "the static forward changed: $(head -c 400 "$LAB_DIR/fwd.json")"
t_end

t_begin upnp_bad_line_named
n=$(($(wc -l <"$LEASES") + 1))
echo garbage >>"$LEASES"
ns_wait 8 grep -q "$LEASES:$n: 'garbage': not PROTO:EXT_PORT" "$RUNLOG" ||
	t_why "the bad line not named: $(tail -n 2 "$RUNLOG" | tr '\n' ' ')"
sed -i '/^garbage$/d' "$LEASES"
has_fwd tcp "$P_UP" "$LAB_LAN_IP" "$S_UP" 1 || t_why "the good lease lost"
t_end

t_begin upnp_delete
upnpc_ -d "$P_UP" TCP || t_why "upnpc -d exit $?: $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
ns_wait 8 no_port "$P_UP" || t_why "forward $P_UP still there after 8 s"
grep -q "upnp.*tcp $P_UP -> $LAB_LAN_IP:$S_UP (mapce-lab) closed" "$RUNLOG" ||
	t_why "run did not log it closed"
inet_reach "$P_UP" 1 3 && t_why "$P_UP still reachable"
t_end

t_begin upnp_lease_expires
upnpc_ -e short -a "$LAB_LAN_IP" 7009 "$P_EXP" UDP 6 ||
	t_why "upnpc -a $P_EXP UDP 6: $(tail -n 2 "$LAB_DIR/upnpc.out" | tr '\n' ' ')"
ns_wait 5 has_fwd udp "$P_EXP" "$LAB_LAN_IP" 7009 1 || t_why "not opened"
ns_wait 14 no_port "$P_EXP" || t_why "still open 14 s after a 6 s lease"
t_end

t_begin upnp_run_exit
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exit $RUN_RC: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
t_end

ns_stop miniupnpd
lab_teardown_case upnp_teardown_clean
t_exit
