#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_lab_dhcpv6.sh - MAP-E rules delivered by the line: a real DHCPv6
# server (Kea, which knows RFC 7598's s46 options) delegates a prefix
# and serves option 94 to a real client (dhcpcd) on the CE, whose hook
# (scripts/mapce-dhcpv6-hook) hands the option to mapce.
#
# Topology and the private Kea and dhcpcd: tests/lab/lib/dhcpv6.sh.
# What is checked independently of mapce: the bytes the hook wrote decode
# (tests/lab/tools/s46_option.py, from RFC 7598's layout) to exactly what
# Kea was configured with, and the CE parameters mapce must derive are
# computed there from the delegated prefix (RFC 7597).  Then mapce: calc
# and up from the option; the hook telling `mapce run` (a stand-in that
# counts SIGHUPs) on a new option, not on the same one, and on release;
# the hook bringing the CE up and down itself (action=up).
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/dhcpv6.sh
. tests/lab/lib/dhcpv6.sh

S46=tests/lab/tools/s46_option.py
ALL=(checker_rfc7597_vector kea_delegates_prefix hook_writes_option option_is_kea_config calc_from_option
	up_from_option renew_new_option_tells_run two_rules_decode calc_two_rules
	renew_same_option_quiet stop_removes_option hook_up_mode release_takes_ce_down
	cleanup_leaves_nothing)
dh6_init tdh
tmp=$NS_TMP

skip_all() { # REASON: every case after the checker's skipped
	local c=("${ALL[@]:1}")
	t_skip_all "$1" "${c[@]/#/dhcpv6: }"
}

# The checker's own check: RFC 7597 Appendix A's first example as an
# option 94 (one S46_RULE, no port parameters: offset 6).
t_begin "dhcpv6: checker_rfc7597_vector"
"$LAB_PY" "$S46" expect 005e00110059000d001018c00002002820010db800 \
	--prefix 2001:db8:12:3400::/56 >"$tmp/vec" 2>&1 || t_why "checker: $(head -c 200 "$tmp/vec")"
t_json "$tmp/vec" "
assert d == dict(ipv4='192.0.2.18', psid=0x34, psid_len=8, psid_offset=6, port_count=252,
    ce_ipv6='2001:db8:12:3400:0:c000:212:34', br=None,
    rule='2001:db8::/40,192.0.2.0/24,16,6'), d
"
t_end

dh6_preflight || skip_all "$NS_WHY"
mapce_mount_bpffs

# mapce with --dhcpv6-option?  (until it has: those cases skip)
"$MAPCE" calc --dhcpv6-option 005e0000 >/dev/null 2>"$tmp/probe"
if [ $? -eq 2 ] && grep -q "unknown option '--dhcpv6-option'" "$tmp/probe"; then
	NO_OPT="mapce has no --dhcpv6-option yet"
else
	NO_OPT=
fi
needs_opt() { # CASE: 0 when mapce has the option, else the skip line
	[ -z "$NO_OPT" ] && return 0
	t_skip "dhcpv6: $1" "$NO_OPT"
	return 1
}

# ---- what Kea serves ---------------------------------------------------------
# First with Kea's s46 options by name: the basic mapping rule (also an FMR:
# the F flag), its port parameters (PSID offset 4; the PSID from the EA
# bits: psid-len 0) and the BR.
KEA_NAMED='[
  { "name": "s46-cont-mape" },
  { "space": "s46-cont-mape-options", "name": "s46-rule",
    "data": "1, 16, 24, 198.51.100.0, 2001:db8::/40" },
  { "space": "s46-rule-options", "name": "s46-portparams", "data": "4, 0/0" },
  { "space": "s46-cont-mape-options", "name": "s46-br", "data": "2001:db8:ffff::64" }
]'
WANT_NAMED="
assert d['code'] == 94, d['code']
assert d['rules'] == [dict(flags=1, fmr=True, ea_len=16, prefix4_len=24,
    ipv4_prefix='198.51.100.0/24', ipv6_prefix='2001:db8::/40',
    portparams=dict(offset=4, psid_len=0, psid=0))], d['rules']
assert d['br'] == ['2001:db8:ffff::64'], d['br']
assert d['dmr'] == [] and d['v4v6bind'] == [] and d['other'] == [], d
"
# Then two rules, the F flag on the first only.  Kea 2.2 packs one
# sub-option of a code per container (its named s46-rule options cannot
# give two), so this container is given to Kea as bytes, which it parses
# with its s46 definitions:
#   0059 0015 S46_RULE flags 01 ea-len 16 prefix4-len 24 198.51.100.0
#             prefix6-len 40 2001:0db8:00 + S46_PORTPARAMS 005d 0004
#             offset 4, psid-len 0, psid 0
#   0059 0015 S46_RULE flags 00 ea-len 16 prefix4-len 24 203.0.113.0
#             prefix6-len 40 2001:0db8:01 + the same S46_PORTPARAMS
#   005a 0010 S46_BR 2001:db8:ffff::64
TWO=00590015011018c63364002820010db800005d00040400000000590015001018cb0071002820010db801005d000404000000005a001020010db8ffff00000000000000000064
KEA_TWO="[ { \"name\": \"s46-cont-mape\", \"csv-format\": false, \"data\": \"$TWO\" } ]"
WANT_TWO="
pp = dict(offset=4, psid_len=0, psid=0)
assert d['rules'] == [
    dict(flags=1, fmr=True, ea_len=16, prefix4_len=24, ipv4_prefix='198.51.100.0/24',
         ipv6_prefix='2001:db8::/40', portparams=pp),
    dict(flags=0, fmr=False, ea_len=16, prefix4_len=24, ipv4_prefix='203.0.113.0/24',
         ipv6_prefix='2001:db8:100::/40', portparams=pp)], d['rules']
assert d['br'] == ['2001:db8:ffff::64'], d['br']
"
OTHER_PD=2001:db8:156:7800::/56 # in the second rule: 203.0.113.86 PSID 0x78

# Everything up/down may touch on the WAN, as text
snapshot() {
	{
		echo "## addr"; ns_nsenter "$CE_NS" ip addr show dev "$WAN"
		echo "## route4"; ns_nsenter "$CE_NS" ip -4 route show table main
		echo "## route6"; ns_nsenter "$CE_NS" ip -6 route show table main
		echo "## qdisc"; ns_nsenter "$CE_NS" tc qdisc show dev "$WAN"
		echo "## egress"; ns_nsenter "$CE_NS" tc filter show dev "$WAN" egress
		echo "## link"; ns_nsenter "$CE_NS" ip link show dev "$WAN"
		echo "## pins"; ls -A "$(mapce_pins ce "$WAN" "$CE_NS")" 2>&1 | sed 's/^ls: //'
		echo "## state"; mapce_state ce "$WAN" | grep -v '\.dhcpv6$'
	} 2>&1
}

# decode HEX CODE: t_why unless the checker decodes HEX and CODE holds on it
decode() {
	"$LAB_PY" "$S46" decode "$1" >"$tmp/dec" 2>&1 || { t_why "checker: $(head -c 200 "$tmp/dec")"; return; }
	t_json "$tmp/dec" "$2"
}
# expect HEX PREFIX: the checker's parameters as python (E = {...});
# expect_ce HEX PREFIX: only the CE's MAP address
expect() { echo "E = $("$LAB_PY" "$S46" expect "$1" --prefix "$2")"; }
expect_ce() {
	"$LAB_PY" "$S46" expect "$1" --prefix "$2" |
		"$LAB_PY" -c 'import json, sys; print(json.load(sys.stdin)["ce_ipv6"])'
}

# calc_is HEX-ARG PREFIX WANT-HEX: mapce calc -j from HEX-ARG gives what
# the checker computes from WANT-HEX for PREFIX
calc_is() {
	local want
	want=$(expect "$3" "$2") || { t_why "checker: $want"; return; }
	mapce_cmd "$CE_NS" calc --dhcpv6-option "$1" --prefix "$2" -j
	[ "$rc" -eq 0 ] || { t_why "calc ($1) exited $rc: $(errtext)"; return; }
	t_json "$tmp/out" "$want
for k, v in E.items():
    assert d.get(k) == v, '%s is %r, not %r' % (k, d.get(k), v)
assert d.get('source') == 'DHCPv6 option 94', d.get('source')
"
}

# the stand-in for `mapce run --wan WAN`: comm "mapce" (the hook signals
# only mapce), each SIGHUP a line in $tmp/hups; 60 s at most
mkdir -p "$tmp/bin"
cat >"$tmp/bin/mapce" <<'EOF'
#!/bin/sh
trap 'echo hup >>"$1"' HUP
trap 'exit 0' TERM
i=0
while [ $i -lt 600 ]; do
	sleep 0.1 &
	wait $!
	i=$((i + 1))
done
EOF
chmod 0755 "$tmp/bin/mapce"
hups() { if [ -f "$tmp/hups" ]; then wc -l <"$tmp/hups"; else echo 0; fi; }
hups_are() { [ "$(hups)" -eq "$1" ]; }

# ---- the line ------------------------------------------------------------------
dh6_topology >"$tmp/setup" 2>&1 || skip_all "lab setup failed: $(tr '\n' ' ' <"$tmp/setup" | head -c 200)"
dh6_kea_config "$KEA_NAMED"
dh6_kea_start || skip_all "$NS_WHY"
dh6_client_config || skip_all "$NS_WHY"
snapshot >"$tmp/snap.before"
dh6_client_start dhcpcd

reject_route() { grep -q "^unreachable $1 " <<<"$(ns_nsenter "$CE_NS" ip -6 route show)"; }
t_begin "dhcpv6: kea_delegates_prefix"
if ! dh6_event BOUND6; then
	t_why "no BOUND6 in 10 s: $(tail -n 5 "$tmp/dhcpcd.log" | tr '\n' ' ' | head -c 300)"
else
	"$LAB_PY" - "$DH6_PD" "$DH6_POOL" <<'EOF' || t_why "delegated prefix '$DH6_PD' not a /56 of $DH6_POOL"
import ipaddress, sys
p = ipaddress.IPv6Network(sys.argv[1])
assert p.prefixlen == 56 and p.subnet_of(ipaddress.IPv6Network(sys.argv[2]))
EOF
	grep -q "^${DH6_PD%/*}," "$DH6_DIR/kea/leases6.csv" 2>/dev/null ||
		t_why "no lease of $DH6_PD in Kea's lease file"
	ns_wait 5 reject_route "$DH6_PD" ||
		t_why "dhcpcd did not install its reject route for $DH6_PD"
fi
t_end
PD=${DH6_PD:-2001:db8:12:3400::/56}

t_begin "dhcpv6: hook_writes_option"
if [ ! -f "$DH6_FILE" ]; then
	t_why "no $DH6_FILE"
else
	[ "$(stat -c '%a %U' "$DH6_FILE")" = "600 root" ] ||
		t_why "$DH6_FILE is $(stat -c '%a %U' "$DH6_FILE"), not 600 root"
	grep -Eqx '005e[0-9a-f]{4}([0-9a-f]{2})+' "$DH6_FILE" ||
		t_why "not option 94 as hex: $(head -c 200 "$DH6_FILE")"
	[ "$(tail -c 1 "$DH6_FILE" | od -An -c | tr -d ' ')" != '\n' ] || t_why "ends with a newline"
	for f in "$(dirname "$DH6_FILE")/.$WAN.dhcpv6."*; do
		[ -e "$f" ] && t_why "a temporary file is left: $f"
	done
fi
t_end
OPT=$(cat "$DH6_FILE" 2>/dev/null)

t_begin "dhcpv6: option_is_kea_config"
decode "$OPT" "$WANT_NAMED"
t_end

if needs_opt calc_from_option; then
	t_begin "dhcpv6: calc_from_option"
	calc_is "$OPT" "$PD" "$OPT"
	# the payload alone and dhclient's way of writing bytes: the same
	calc_is "$("$LAB_PY" "$S46" payload "$OPT")" "$PD" "$OPT"
	calc_is "$("$LAB_PY" "$S46" colon "$OPT")" "$PD" "$OPT"
	t_end
fi

if needs_opt up_from_option; then
	t_begin "dhcpv6: up_from_option"
	snapshot >"$tmp/snap.bound" # (with dhcpcd's reject route for the prefix)
	want=$(expect "$OPT" "$PD")
	mapce_cmd "$CE_NS" up --wan "$WAN" --dhcpv6-option "$OPT" --prefix "$PD"
	[ "$rc" -eq 0 ] || t_why "up exited $rc: $(errtext)"
	mapce_cmd "$CE_NS" -j status --wan "$WAN"
	[ "$rc" -eq 0 ] || t_why "status exited $rc: $(errtext)"
	t_json "$tmp/out" "$want
w = [i for i in d['interfaces'] if i['wan'] == '$WAN']
assert len(w) == 1, 'no $WAN in status'
for k in ('ipv4', 'psid', 'psid_len', 'psid_offset', 'port_count', 'ce_ipv6', 'br'):
    assert w[0].get(k) == E[k], '%s is %r, not %r' % (k, w[0].get(k), E[k])
"
	grep -q "inet6 $(expect_ce "$OPT" "$PD")/128 " <<<"$(ns_nsenter "$CE_NS" ip -6 addr show dev "$WAN")" ||
		t_why "no MAP address $(expect_ce "$OPT" "$PD")/128 on $WAN"
	mapce_cmd "$CE_NS" down --wan "$WAN"
	[ "$rc" -eq 0 ] || t_why "down exited $rc: $(errtext)"
	t_same "$tmp/snap.bound" snapshot
	t_end
fi

# ---- renew: a new option, the same option; stop -------------------------------
"$tmp/bin/mapce" "$tmp/hups" </dev/null >/dev/null 2>&1 &
RUN_PID=$!
echo "$RUN_PID $(ns_starttime "$RUN_PID")" >"$tmp/pids/run"
echo "$RUN_PID" >"$(mapce_run_dir "$CE_NS")/$WAN.pid"

t_begin "dhcpv6: renew_new_option_tells_run"
dh6_kea_config "$KEA_TWO"
if ! dh6_kea_reload; then
	t_why "$NS_WHY"
else
	kill -USR1 "$DH6_CLIENT_PID"
	if ! dh6_event RENEW6; then
		t_why "no RENEW6 in 10 s: $(tail -n 3 "$tmp/dhcpcd.log" | tr '\n' ' ')"
	else
		want=005e$(printf '%04x' $((${#TWO} / 2)))$TWO
		[ "$(cat "$DH6_FILE" 2>/dev/null)" = "$want" ] ||
			t_why "$DH6_FILE is '$(head -c 200 "$DH6_FILE" 2>/dev/null)', not Kea's bytes '$want'"
		ns_wait 5 hups_are 1 || t_why "run got $(hups) SIGHUPs, not 1"
	fi
fi
t_end
OPT2=$(cat "$DH6_FILE" 2>/dev/null)

t_begin "dhcpv6: two_rules_decode"
decode "$OPT2" "$WANT_TWO"
t_end

if needs_opt calc_two_rules; then
	t_begin "dhcpv6: calc_two_rules"
	calc_is "$OPT2" "$PD" "$OPT2"
	calc_is "$OPT2" "$OTHER_PD" "$OPT2"
	# the F flag: the first rule is a forwarding rule, the second not
	mapce_cmd "$CE_NS" calc --dhcpv6-option "$OPT2" --prefix "$PD" -j
	t_json "$tmp/out" "
f = {r['ipv6_prefix']: r['fmr'] for r in d['rules']}
assert f == {'2001:db8::/40': True, '2001:db8:100::/40': False}, f
"
	t_end
fi

t_begin "dhcpv6: renew_same_option_quiet"
kill -USR1 "$DH6_CLIENT_PID"
if ! dh6_event RENEW6 2; then
	t_why "no second RENEW6 in 10 s"
else
	[ "$(cat "$DH6_FILE" 2>/dev/null)" = "$OPT2" ] || t_why "the file changed"
	sleep 0.3
	hups_are 1 || t_why "run got $(hups) SIGHUPs, not still 1"
fi
t_end

t_begin "dhcpv6: stop_removes_option"
ns_stop dhcpcd # SIGTERM: STOP6
grep -q '^STOP6 ' "$DH6_EVENTS" || t_why "no STOP6 ran: $(tail -n 3 "$tmp/dhcpcd.log" | tr '\n' ' ')"
[ -e "$DH6_FILE" ] && t_why "$DH6_FILE still there"
ns_wait 5 hups_are 2 || t_why "run got $(hups) SIGHUPs, not 2"
t_end
ns_stop run
rm -f "$(mapce_run_dir "$CE_NS")/$WAN.pid"

# ---- the hook brings the CE up itself -----------------------------------------
if [ -n "$NO_OPT" ]; then
	needs_opt hook_up_mode
	needs_opt release_takes_ce_down
else
	t_begin "dhcpv6: hook_up_mode"
	: >"$DH6_EVENTS"
	dh6_client_config action=up "mapce=$MAPCE" || t_why "$NS_WHY"
	dh6_client_start dhcpcd
	if ! dh6_event 'BOUND6|REBIND6|REBOOT6'; then
		t_why "no lease in 10 s: $(tail -n 3 "$tmp/dhcpcd.log" | tr '\n' ' ')"
	fi
	want=$(expect "$OPT2" "${DH6_PD:-$PD}")
	mapce_cmd "$CE_NS" -j status --wan "$WAN"
	[ "$rc" -eq 0 ] || t_why "not up (status exited $rc: $(errtext); hook: $(grep mapce-dhcpv6-hook "$tmp/dhcpcd.log" | tail -n 2 | tr '\n' ' '))"
	[ "$rc" -eq 0 ] && t_json "$tmp/out" "$want
w = [i for i in d['interfaces'] if i['wan'] == '$WAN'][0]
for k in ('ipv4', 'psid', 'psid_len', 'psid_offset', 'port_count', 'ce_ipv6', 'br'):
    assert w.get(k) == E[k], '%s is %r, not %r' % (k, w.get(k), E[k])
"
	t_end

	t_begin "dhcpv6: release_takes_ce_down"
	kill -ALRM "$DH6_CLIENT_PID" # release the lease and exit
	dh6_event RELEASE6 || t_why "no RELEASE6 in 10 s"
	[ -e "$DH6_FILE" ] && t_why "$DH6_FILE still there"
	mapce_cmd "$CE_NS" status --wan "$WAN"
	[ "$rc" -eq 0 ] && t_why "still up after the release"
	t_same "$tmp/snap.before" snapshot
	t_end
fi

dh6_cleanup_case dhcpv6

t_exit
