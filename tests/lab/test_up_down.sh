#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_up_down.sh - the CE loader on a real veth WAN in a network namespace:
# `mapce up` (prefix detection, pins, MAP address, IPv4 default route via
# inet6, XDP, tc), `up` again (a no-op), `status`/`stats`/`flows` (-j
# parsed, flows and per-host port usage from seeded map entries), `down`
# (everything gone: ip addr/route/-6 route/tc/link identical to before
# up), bad input (exit code, no residue) and rollback after a failure in
# the middle (pre-existing IPv4 default route, foreign XDP program); up
# after a crash during the load (no false "flushing" warning), a FIFO at
# the recorded config path (portmap fails fast, the lock is not held), a
# --max-flows the memory cannot hold, and status once the WAN is deleted
# (last: it deletes the WAN).
#
# Topology (tests/lab/lib/ce_wan.sh): netns tud-ce-PID (WAN tudwPID,
# 2001:db8:12:3400::1/64, IPv6 default via ::ffff) <-veth-> netns
# tud-pr-PID (tudpPID, ::ffff/64).  mapce runs with only the network
# namespace switched (nsenter --net), so the pins under
# /sys/fs/bpf/mapce/tudwPID/ live in the host's bpffs.
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/ce_wan.sh
. tests/lab/lib/ce_wan.sh

MAPS=(mapce_config mapce_rules mapce_fmr_lpm mapce_flow_out mapce_flow_in mapce_bind
	mapce_ports mapce_stats mapce_gc)
ALL_CASES=(up_runs up_xdp_attached up_tc_filter up_pins up_map_address up_default_route
	up_state_file status_json status_text stats_json flows_json flows_seeded
	status_port_usage up_again_noop up_other_params down_removes_all down_not_up
	bad_rule_prefix bad_mtu bad_interface usage_errors rollback_default_route
	rollback_foreign_xdp foreign_clsact_kept up_after_load_crash fifo_recorded_config
	max_flows_memory status_wan_gone)
ce_wan_init tud
tmp=$NS_TMP

skip_all() { t_skip_all "$1" "${ALL_CASES[@]/#/up_down: }"; }

mapce_preflight ip tc bpftool python3 nsenter timeout || skip_all "$NS_WHY"
grep -q 'not implemented' <<<"$("$MAPCE" up -h 2>&1)" && skip_all "mapce up not implemented"

# Everything up/down may touch, as text: must be identical before up and
# after down (or after a failed up).
snapshot() {
	{
		echo "## addr"; ce ip addr show dev "$WAN"
		echo "## route4"; ce ip -4 route show table main
		echo "## route6"; ce ip -6 route show table main
		echo "## qdisc"; ce tc qdisc show dev "$WAN"
		echo "## egress"; ce tc filter show dev "$WAN" egress
		echo "## ingress"; ce tc filter show dev "$WAN" ingress
		echo "## link"; ce ip link show dev "$WAN"
		echo "## pins"; ls -A "$PIN" 2>&1 | sed 's/^ls: //'
		echo "## state"; [ -e "$STATE" ] && cat "$STATE"
	} 2>&1
}
# same_as FILE: t_why with a short diff when the current snapshot differs.
same_as() { t_same "$1" snapshot; }

# ---- lab -----------------------------------------------------------------
ce_wan_up >"$tmp/setup" 2>&1 || skip_all "lab setup failed: $(tr '\n' ' ' <"$tmp/setup" | head -c 200)"
snapshot >"$tmp/snap.before"

# ---- up ------------------------------------------------------------------
t_begin "up_down: up_runs"
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "mapce up exited $rc: $(errtext)"
grep -q '198.51.100.18' "$tmp/out" || t_why "no IPv4 address in the up summary: $(head -c 200 "$tmp/out")"
[ $rc -ne 0 ] && same_as "$tmp/snap.before" # a failed up leaves nothing
t_end
UP_OK=$rc
if [ $UP_OK -ne 0 ]; then
	for c in "${ALL_CASES[@]:1:12}"; do t_skip "up_down: $c" "mapce up failed"; done
else
	t_begin "up_down: up_xdp_attached"
	link=$(ce ip link show dev "$WAN")
	grep -q 'prog/xdp id [0-9]* name mapce_xdp_ingre' <<<"$link" ||
		t_why "no mapce XDP program on $WAN: $(tr '\n' ' ' <<<"$link")"
	grep -q "mtu [0-9]* xdp " <<<"$link" || t_why "not attached in native mode"
	t_end

	t_begin "up_down: up_tc_filter"
	f=$(ce tc filter show dev "$WAN" egress)
	grep -q 'handle 0x4d41 mapce_tc_egress' <<<"$f" || t_why "no mapce filter at handle 0x4d41: $f"
	grep -q 'pref 17221 ' <<<"$f" || t_why "not at priority 0x4345 (17221)"
	grep -q 'direct-action' <<<"$f" || t_why "not direct-action"
	f=$(ce tc filter show dev "$WAN" ingress)
	grep -q 'handle 0x4d41 mapce_tc_ingres' <<<"$f" ||
		t_why "no mapce reassembly filter on ingress at handle 0x4d41: $f"
	t_end

	t_begin "up_down: up_pins"
	for p in "${MAPS[@]}"; do [ -e "$PIN/$p" ] || t_why "$PIN/$p missing"; done
	d=$(bpftool map dump pinned "$PIN/mapce_config" 2>&1)
	for field in '"psid": 52' '"psid_len": 8' '"psid_offset": 4' '"port_count": 240' \
		'"mtu": 1460' '"hop_limit": 64' '"timeout_udp": 300' '"ce_ipv6": \['; do
		grep -q "$field" <<<"$d" || t_why "bpftool dump of mapce_config lacks $field"
	done
	t_end

	t_begin "up_down: up_map_address"
	a=$(ce ip -6 addr show dev "$WAN")
	grep -q "inet6 $MAP_ADDR/128 scope global nodad noprefixroute" <<<"$a" ||
		t_why "no $MAP_ADDR/128 nodad noprefixroute: $(tr '\n' ' ' <<<"$a")"
	t_end

	t_begin "up_down: up_default_route"
	r=$(ce ip -4 route show default)
	[ "$(xargs <<<"$r")" = "default via inet6 $GW dev $WAN proto 77 mtu 1460" ] ||
		t_why "route is '$r'"
	t_end

	t_begin "up_down: up_state_file"
	if [ ! -f "$STATE" ]; then
		t_why "no $STATE"
	else
		for kv in pins_created=1 addr_added=1 route_added=1 hook_created=1 "addr=$MAP_ADDR"; do
			grep -qx "$kv" "$STATE" || t_why "$STATE lacks $kv"
		done
	fi
	t_end

	# ---- status / stats / flows ------------------------------------------
	t_begin "up_down: status_json"
	m -j status
	[ $rc -eq 0 ] || t_why "status -j exited $rc: $(errtext)"
	py "
w = [i for i in d['interfaces'] if i['wan'] == '$WAN']
assert len(w) == 1, 'no $WAN in interfaces'
w = w[0]
exp = dict(ipv4='198.51.100.18', psid=52, psid_len=8, psid_offset=4, port_count=240,
           ce_ipv6='$MAP_ADDR', br='2001:db8:ffff::64', mtu=1460, hop_limit=64,
           mss_clamp=1420, encap_limit=0)
for k, v in exp.items():
    assert w.get(k) == v, '%s is %r, not %r' % (k, w.get(k), v)
assert w['timeouts'] == dict(udp=300, tcp_est=7440, tcp_trans=240, icmp=60), w['timeouts']
assert w['flags'] == ['enabled', 'legacy_iid'], w['flags']
assert w['xdp']['attached'] is True and w['xdp']['mode'] == 'native', w['xdp']
assert w['tc']['attached'] is True and w['tc']['prog_id'] > 0, w['tc']
assert w['flows'] == 0 and w['bindings'] == 0 and w['hosts'] == [], 'state not empty'
for k in ('encap', 'decap', 'pass_native', 'dropped'):
    c = w['counters'][k]
    assert isinstance(c['packets'], int) and isinstance(c['bytes'], int), k
"
	t_end

	t_begin "up_down: status_text"
	m status --wan "$WAN"
	[ $rc -eq 0 ] || t_why "status exited $rc: $(errtext)"
	grep -Eq '^  ipv4 +198\.51\.100\.18$' "$tmp/out" || t_why "no ipv4 line"
	grep -Eq '^  xdp +yes, native, prog id [0-9]+$' "$tmp/out" || t_why "no xdp line"
	t_end

	t_begin "up_down: stats_json"
	m -j stats
	[ $rc -eq 0 ] || t_why "stats -j exited $rc: $(errtext)"
	# every reason of include/mapce_abi.h, each with integer packets/bytes
	py "
import re
names = re.findall(r'X\(\w+, \"(\w+)\"\)', open('include/mapce_abi.h').read())
assert names and set(d['reasons']) == set(names), 'reasons differ: %s' % (set(names) ^ set(d['reasons']))
for n, c in d['reasons'].items():
    assert set(c) == {'packets', 'bytes'} and all(isinstance(v, int) for v in c.values()), n
"
	m -j stats --per-cpu
	py "
c = d['reasons']['encap']
assert sum(x['packets'] for x in c['per_cpu']) == c['packets'], 'per-cpu sum'
"
	t_end

	t_begin "up_down: flows_json"
	m -j flows --wan "$WAN"
	[ $rc -eq 0 ] || t_why "flows -j exited $rc: $(errtext)"
	py "assert d['wan'] == '$WAN' and d['flows'] == [], d"
	t_end

	# Seed one UDP flow (both halves), its binding and port: what the TC
	# program writes.  Host-order u64 times = now (CLOCK_MONOTONIC_COARSE).
	t_begin "up_down: flows_seeded"
	python3 - "$tmp" <<'EOF' || t_why "seed generation failed"
import socket, struct, sys, time
now = time.clock_gettime_ns(6)  # CLOCK_MONOTONIC_COARSE
ip = socket.inet_aton
hx = lambda b: ' '.join('%02x' % x for x in b)
tup = lambda l, r, lp, rp, pr: ip(l) + ip(r) + struct.pack('>HHB3x', lp, rp, pr)
# struct mapce_flow; its hop (struct mapce_fib_entry, 40 bytes) all zero:
# no next hop kept (the fast path never carried the flow)
flow = lambda a, p, pk, by: (ip(a) + struct.pack('>H', p) +
                             struct.pack('<BBQQQQ', 0, 0, now - 4 * 10**9, now, pk, by) + bytes(40))
ep = lambda a, p, pr: ip(a) + struct.pack('>HBx', p, pr)
bind = lambda a, p: ip(a) + struct.pack('>H', p) + struct.pack('<BxQQ', 0, now, now)
seeds = {
    'mapce_flow_out': (tup('192.0.2.10', '203.0.113.5', 5000, 53, 17), flow('198.51.100.18', 4928, 3, 150)),
    'mapce_flow_in': (tup('198.51.100.18', '203.0.113.5', 4928, 53, 17), flow('192.0.2.10', 5000, 2, 100)),
    'mapce_bind': (ep('192.0.2.10', 5000, 17), bind('198.51.100.18', 4928)),
    'mapce_ports': (ep('198.51.100.18', 4928, 17), bind('192.0.2.10', 5000)),
}
with open(sys.argv[1] + '/seeds', 'w') as f:
    for m, (k, v) in seeds.items():
        f.write('%s|%s|%s\n' % (m, hx(k), hx(v)))
EOF
	while IFS='|' read -r map key val; do
		# shellcheck disable=SC2086 # hex bytes are separate words
		bpftool map update pinned "$PIN/$map" key hex $key value hex $val 2>"$tmp/bt" ||
			t_why "seeding $map: $(head -c 200 "$tmp/bt")"
	done <"$tmp/seeds"
	m -j flows
	[ $rc -eq 0 ] || t_why "flows -j exited $rc: $(errtext)"
	py "
f = d['flows']
assert len(f) == 1, '%d flows' % len(f)
f = f[0]
exp = dict(proto='udp', inside='192.0.2.10:5000', inside_ip='192.0.2.10', inside_port=5000,
           outside='198.51.100.18:4928', outside_port=4928, remote='203.0.113.5:53',
           remote_ip='203.0.113.5', remote_port=53, state='active', packets_out=3,
           bytes_out=150, packets_in=2, bytes_in=100)
for k, v in exp.items():
    assert f.get(k) == v, '%s is %r, not %r' % (k, f.get(k), v)
assert 3 <= f['age_s'] <= 10, 'age_s %r' % f['age_s']
assert 0 <= f['idle_s'] <= 6, 'idle_s %r' % f['idle_s']
assert f['timeout_s'] == 300, 'timeout_s %r' % f['timeout_s']
"
	m flows
	grep -Eq '^udp +192\.0\.2\.10:5000 +198\.51\.100\.18:4928 +203\.0\.113\.5:53 +active ' "$tmp/out" ||
		t_why "text flows lacks the seeded flow: $(tr '\n' ' ' <"$tmp/out" | head -c 300)"
	t_end

	t_begin "up_down: status_port_usage"
	m -j status --wan "$WAN"
	py "
w = d['interfaces'][0]
assert w['flows'] == 1 and w['bindings'] == 1, (w['flows'], w['bindings'])
assert w['hosts'] == [dict(ip='192.0.2.10', tcp=0, udp=1, icmp=0, total=1)], w['hosts']
"
	m status --wan "$WAN"
	grep -Eq '^    192\.0\.2\.10 +tcp 0  udp 1  icmp 0  total 1$' "$tmp/out" ||
		t_why "text status lacks the port usage line"
	t_end
fi

# ---- idempotence ---------------------------------------------------------
# (the cases that need a working up skip when up_runs failed: a datapath
# that does not load is up_runs' failure, not theirs)
needs_up() { # CASE: 0 when up works, else prints the skip line
	[ "$UP_OK" -eq 0 ] && return 0
	t_skip "up_down: $1" "mapce up failed (see up_runs)"
	return 1
}
if needs_up up_again_noop; then
t_begin "up_down: up_again_noop"
snapshot >"$tmp/snap.up"
ids=$(ce ip link show dev "$WAN" | grep -o 'prog/xdp id [0-9]*'; ce tc filter show dev "$WAN" egress | grep -o ' id [0-9]*')
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "second up exited $rc: $(errtext)"
grep -q "mapce: already up on $WAN" "$tmp/err" || t_why "no 'already up' message: $(errtext)"
same_as "$tmp/snap.up"
ids2=$(ce ip link show dev "$WAN" | grep -o 'prog/xdp id [0-9]*'; ce tc filter show dev "$WAN" egress | grep -o ' id [0-9]*')
[ "$ids" = "$ids2" ] || t_why "program ids changed: $ids -> $ids2"
t_end

fi
if needs_up up_other_params; then
t_begin "up_down: up_other_params"
m up --wan "$WAN" "${RULE[@]}" --mtu 1400
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "already up on $WAN with other parameters; run 'mapce down --wan $WAN' first" "$tmp/err" ||
	t_why "message: $(errtext)"
same_as "$tmp/snap.up"
t_end

fi

# ---- down ----------------------------------------------------------------
if needs_up down_removes_all; then
t_begin "up_down: down_removes_all"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
same_as "$tmp/snap.before"
[ -e "$PIN" ] && t_why "$PIN still exists"
[ -e "$STATE" ] && t_why "$STATE still exists"
grep -q clsact <<<"$(ce tc qdisc show dev "$WAN")" && t_why "clsact (created by up) still there"
t_end
fi

t_begin "up_down: down_not_up"
m down --wan "$WAN"
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "not up on $WAN" "$tmp/err" || t_why "message: $(errtext)"
t_end

# ---- bad input: clear error, exit code, nothing left ---------------------
t_begin "up_down: bad_rule_prefix"
m up --wan "$WAN" --rule-ipv6 2001:db8:100::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16 \
	--psid-offset 4 --br 2001:db8:ffff::64
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "no global IPv6 address on $WAN lies inside a rule IPv6 prefix (2001:db8:100::/40)" "$tmp/err" ||
	t_why "message: $(errtext)"
same_as "$tmp/snap.before"
t_end

t_begin "up_down: bad_mtu"
m up --wan "$WAN" "${RULE[@]}" --mtu 99999
[ $rc -eq 1 ] || t_why "--mtu 99999: exit $rc, not 1"
grep -q "bad --mtu '99999'" "$tmp/err" || t_why "--mtu 99999 message: $(errtext)"
m up --wan "$WAN" "${RULE[@]}" --mtu 1461
[ $rc -eq 1 ] || t_why "--mtu 1461: exit $rc, not 1"
grep -q -- "--mtu 1461 is too big for $WAN (MTU 1500): at most 1460" "$tmp/err" ||
	t_why "--mtu 1461 message: $(errtext)"
m up --wan "$WAN" "${RULE[@]}" --mtu 1279
[ $rc -eq 1 ] || t_why "--mtu 1279: exit $rc, not 1"
m up --wan "$WAN" "${RULE[@]}" --encap-limit 4 --mtu 1460
[ $rc -eq 1 ] || t_why "--encap-limit 4 --mtu 1460: exit $rc, not 1"
grep -q -- "--mtu 1460 is too big for $WAN (MTU 1500): at most 1452" "$tmp/err" ||
	t_why "--encap-limit message: $(errtext)"
m up --wan "$WAN" "${RULE[@]}" --mss-clamp 1421
[ $rc -eq 1 ] || t_why "--mss-clamp 1421: exit $rc, not 1"
same_as "$tmp/snap.before"
t_end

t_begin "up_down: bad_interface"
m up --wan "tudnone$NS_ID" "${RULE[@]}"
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "no interface 'tudnone$NS_ID'" "$tmp/err" || t_why "message: $(errtext)"
[ -e "$(mapce_pins ce "tudnone$NS_ID" "$CE_NS")" ] && t_why "pin dir created for a missing interface"
[ -e "$(mapce_run_dir "$CE_NS")/tudnone$NS_ID.state" ] &&
	t_why "state file created for a missing interface"
same_as "$tmp/snap.before"
t_end

t_begin "up_down: usage_errors"
m up "${RULE[@]}"
[ $rc -eq 2 ] || t_why "no --wan: exit $rc, not 2"
m up --wan "$WAN" --rule-ipv6 2001:db8::/40 --rule-ipv4 198.51.100.0/24 --ea-len 16
[ $rc -eq 2 ] || t_why "no --br: exit $rc, not 2"
m up --wan "$WAN" "${RULE[@]}" --bogus
[ $rc -eq 2 ] || t_why "unknown option: exit $rc, not 2"
m down
[ $rc -eq 2 ] || t_why "down without --wan: exit $rc, not 2"
m -j up --wan "$WAN" "${RULE[@]}" --xdp-mode turbo
[ $rc -eq 1 ] || t_why "--xdp-mode turbo: exit $rc, not 1"
py "assert 'xdp-mode' in d['error'], d"
same_as "$tmp/snap.before"
t_end

# ---- failures in the middle roll everything back -------------------------
if needs_up rollback_default_route; then
t_begin "up_down: rollback_default_route"
ce ip -4 route add default dev "$WAN" || t_why "cannot add the conflicting route"
snapshot >"$tmp/snap.conflict"
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 1 ] || t_why "exit $rc, not 1"
grep -q "an IPv4 default route exists already (default dev $WAN" "$tmp/err" ||
	t_why "message: $(errtext)"
same_as "$tmp/snap.conflict" # address, pins, state: all rolled back
ce ip -4 route del default dev "$WAN"
same_as "$tmp/snap.before"
t_end
fi

# A foreign XDP program: up gets past maps, address and route, then must
# refuse and undo all three.
cat >"$tmp/pass.c" <<'EOF'
__attribute__((section("xdp"), used)) int tud_pass(void *ctx) { return 2; }
char _license[] __attribute__((section("license"), used)) = "GPL";
EOF
if [ "$UP_OK" -ne 0 ]; then
	needs_up rollback_foreign_xdp
elif ! clang -O2 -g -target bpf -c "$tmp/pass.c" -o "$tmp/pass.o" >"$tmp/cc" 2>&1; then
	t_skip "up_down: rollback_foreign_xdp" "cannot build a test XDP program: $(head -c 100 "$tmp/cc")"
elif ! ce ip link set dev "$WAN" xdpgeneric obj "$tmp/pass.o" sec xdp >"$tmp/ipl" 2>&1; then
	t_skip "up_down: rollback_foreign_xdp" "cannot attach a test XDP program: $(head -c 100 "$tmp/ipl")"
else
	t_begin "up_down: rollback_foreign_xdp"
	fid=$(ce ip link show dev "$WAN" | grep -o 'prog/xdp id [0-9]*' | grep -o '[0-9]*$')
	snapshot >"$tmp/snap.foreign"
	m up --wan "$WAN" "${RULE[@]}"
	[ $rc -eq 1 ] || t_why "exit $rc, not 1"
	grep -q "$WAN already has XDP program $fid (tud_pass, generic mode) attached; refusing to replace it" \
		"$tmp/err" || t_why "message: $(errtext)"
	same_as "$tmp/snap.foreign" # foreign program kept, our address/route/pins gone
	m down --wan "$WAN"
	[ $rc -eq 1 ] || t_why "down after the failed up: exit $rc, not 1 (not up)"
	grep -q "prog/xdp id $fid " <<<"$(ce ip link show dev "$WAN")" || t_why "down removed the foreign program"
	ce ip link set dev "$WAN" xdpgeneric off
	same_as "$tmp/snap.before"
	t_end
fi

# Someone else's clsact (with an ingress filter) and the MAP address
# already configured by hand: up uses them, down leaves both as found.
if needs_up foreign_clsact_kept; then
t_begin "up_down: foreign_clsact_kept"
if ! { ce tc qdisc add dev "$WAN" clsact &&
	ce tc filter add dev "$WAN" ingress prio 1 bpf bytecode '1,6 0 0 0,' &&
	ce ip addr add "$MAP_ADDR/128" dev "$WAN" nodad; }; then
	t_why "setup failed"
fi
snapshot >"$tmp/snap.foreign"
m -j up --wan "$WAN" "${RULE[@]}" --xdp-mode generic
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
py "assert d['xdp_mode'] == 'generic' and d['maps_reused'] is False, d"
grep -qx 'hook_created=0' "$STATE" 2>/dev/null || t_why "state does not say clsact was there"
grep -qx 'addr_added=0' "$STATE" 2>/dev/null || t_why "state does not say the address was there"
grep -q 'xdpgeneric' <<<"$(ce ip link show dev "$WAN")" || t_why "not in generic mode"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
same_as "$tmp/snap.foreign"
ce tc qdisc del dev "$WAN" clsact
ce ip addr del "$MAP_ADDR/128" dev "$WAN"
same_as "$tmp/snap.before"
t_end
fi

# A kill during the BPF load leaves the pins with a config never written
# (all zeros) and nothing attached: the next up must not warn that it
# flushes NAT state "of another address or port set".  Made by hand: up,
# then everything but the pins and the state file taken away and the
# config zeroed, as the load had left it.
if needs_up up_after_load_crash; then
t_begin "up_down: up_after_load_crash"
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
vsize=$(bpftool map show pinned "$PIN/mapce_config" | grep -o 'value [0-9]*' | grep -o '[0-9]*')
ce ip link set dev "$WAN" xdp off
ce tc qdisc del dev "$WAN" clsact
ce ip -4 route del default
ce ip -6 addr del "$MAP_ADDR/128" dev "$WAN"
# shellcheck disable=SC2046 # one argument per byte
bpftool map update pinned "$PIN/mapce_config" key 0 0 0 0 value $(printf '0 %.0s' $(seq "${vsize:-1}")) ||
	t_why "cannot zero the pinned config"
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "up after the crash exited $rc: $(errtext)"
grep -qi 'another address or port set\|flushing' "$tmp/err" && t_why "false warning: $(errtext)"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
same_as "$tmp/snap.before"
t_end
fi

# A FIFO where the config file up read was: portmap list must not block
# on it (it holds the lock meanwhile, every other mapce would wait), and
# portmap add refuses naming it.
if needs_up fifo_recorded_config; then
t_begin "up_down: fifo_recorded_config"
printf 'mtu 1460\n' >"$tmp/fifo.conf"
m up --wan "$WAN" "${RULE[@]}" --config "$tmp/fifo.conf"
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
rm -f "$tmp/fifo.conf" && mkfifo "$tmp/fifo.conf"
t0=$SECONDS
NS_T=10 m portmap list --wan "$WAN"
[ $rc -eq 124 ] && t_why "portmap list hangs on the FIFO"
grep -q "$tmp/fifo.conf is not a regular file" "$tmp/err" || t_why "list: $(errtext)"
NS_T=10 m portmap add tcp 4928 192.0.2.10 --wan "$WAN"
[ $rc -eq 1 ] || t_why "portmap add exited $rc, not 1"
grep -q "$tmp/fifo.conf is not a regular file" "$tmp/err" || t_why "add: $(errtext)"
[ $((SECONDS - t0)) -lt 8 ] || t_why "list and add took $((SECONDS - t0)) s"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
rm -f "$tmp/fifo.conf"
same_as "$tmp/snap.before"
t_end
fi

# The largest --max-flows needs about 8.6 GB of kernel memory (4 NAT
# tables, 512 bytes per flow; tests/unit/test_limits.c): refused up front
# with the numbers where MemAvailable is less (skipped from 8300000 kB, a
# little under that).
avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB/\1/p' /proc/meminfo)
if [ "${avail_kb:-0}" -ge 8300000 ]; then
	t_skip "up_down: max_flows_memory" "MemAvailable $((avail_kb / 1024)) MB holds --max-flows 16777216 (tests/unit/test_limits.c checks the sum)"
else
	t_begin "up_down: max_flows_memory"
	m up --wan "$WAN" "${RULE[@]}" --max-flows 16777216
	[ $rc -eq 1 ] || t_why "exit $rc, not 1"
	grep -q -- "--max-flows 16777216: the maps need about .* bytes) of kernel memory, more than the .* MemAvailable" \
		"$tmp/err" || t_why "message: $(errtext)"
	same_as "$tmp/snap.before"
	t_end
fi

# The WAN deleted while up: status says so (up false, wan_gone) and what
# to do; down then removes the rest.
if needs_up status_wan_gone; then
t_begin "up_down: status_wan_gone"
m up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
ce ip link del "$WAN" || t_why "cannot delete $WAN"
# the tc programs are released after an RCU grace period: a few tries
for _ in $(seq 25); do
	m -j status --wan "$WAN"
	grep -q '"wan_gone": *true' "$tmp/out" && break
	sleep 0.2
done
[ $rc -eq 0 ] || t_why "status exited $rc: $(errtext)"
py 'i = d["interfaces"][0]; assert i["up"] is False and i["wan_gone"] is True, i'
m status --wan "$WAN"
grep -q "the WAN device is gone .*'mapce down --wan $WAN' removes what is left" "$tmp/out" ||
	t_why "text: $(head -c 300 "$tmp/out")"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
[ -e "$PIN" ] && t_why "$PIN left"
[ -e "$STATE" ] && t_why "$STATE left"
t_end
fi

t_exit
