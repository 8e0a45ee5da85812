#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Watching the CE (issue 12): `mapce ports`, `mapce stats --prometheus`
# and `mapce run --prometheus-file`, against the lab's CE with traffic
# (tests/lab/lib/lab.sh).  The CE runs under `mapce run` from a config
# file with a port forward (tcp 4928 -> 192.0.2.10:8022), max-per-host 50
# and the key prometheus-file.
#
#   watch_prom_file_kept  the textfile appears within 10 s of the start and
#                         is rewritten (its encap counter grows after
#                         traffic) within 2 periods
#   watch_traffic         20 TCP connections, 3 pings, 3 UDP echoes from the
#                         LAN host all work
#   watch_promtool        `promtool check metrics` finds nothing in `mapce
#                         stats --prometheus` nor in run's textfile
#   watch_prom_vs_stats   every reason's packets and bytes in `mapce stats
#                         -j` lie between two --prometheus reads taken
#                         around it (the same moment: only pass_native and
#                         the sweep's counters may move), and encap/decap
#                         are not 0
#   watch_ports           `mapce ports -j`: 240 ports in 15 ranges of 16,
#                         the first 4928-4943; tcp in use >= 21 (20
#                         connections + the forward), 1 forward, free =
#                         240 - in use; icmp and udp mappings >= 1; the
#                         limit 50; the LAN host first with its mappings;
#                         the same numbers in the Prometheus gauges; the
#                         text names the set and the host
#   watch_prom_refuses    stats --prometheus with -j or --all: exit 2;
#                         up --prometheus-file: exit 2, nothing up
#   watch_prom_file_gone  SIGTERM to run: exit 0, the textfile removed
#   watch_teardown_clean  lab_down leaves nothing behind
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
LAB_HTTP_MB=${LAB_HTTP_MB:-1}
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

T=60
ALL=(watch_prom_file_kept watch_traffic watch_prom_file_kept_after_traffic watch_promtool watch_prom_vs_stats watch_ports
	watch_prom_refuses watch_prom_file_gone)
FWD_PORT=4928 # the first port of the lab's set (PSID 52, offset 4)

run_lab_up "${ALL[@]}" watch_teardown_clean
PROMTOOL=$(command -v promtool) || PROMTOOL=

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
CONF=$LAB_DIR/watch.conf
PROM=$LAB_DIR/textfile/mapce.prom
RUNLOG=$LAB_DIR/run.log
RUN_PID=
mkdir -p "$LAB_DIR/textfile"
{
	echo "wan $LAB_IF_WAN"
	lab_rule_config
	echo "max-per-host 50"
	echo "prometheus-file $PROM"
	echo "portmap tcp $FWD_PORT $LAB_LAN_IP:8022"
} >"$CONF"

cleanup() {
	run_stop
	lab_down
}
trap cleanup EXIT

run_start "$CONF" "$RUNLOG"

# prom_get FILE NAME LABELS: the value of the sample NAME{LABELS} in FILE
prom_get() {
	grep -F "$2{$3} " "$1" | awk '{print $2}'
}

# ---- the textfile appears and is kept -----------------------------------
t_begin watch_prom_file_kept
ns_wait 10 test -s "$PROM" || t_why "no $PROM within 10 s: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
run_alive || t_why "run exited: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
enc0=$(prom_get "$PROM" mapce_packets_total "wan=\"$LAB_IF_WAN\",reason=\"encap\"")
[ -n "$enc0" ] || t_why "no encap sample in $PROM: $(head -c 300 "$PROM")"
t_end
t_setup_ok "mapce run did not keep the textfile" "${ALL[@]:1}" || exit 1

# ---- traffic ------------------------------------------------------------
t_begin watch_traffic
ns_exec_t "$T" "$LAB_NS_LAN" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
	--to "$LAB_INET_IP:$LAB_TCP_PORT=20" --bytes 128 --timeout 20 >"$LAB_DIR/tcp.json" 2>&1 ||
	t_why "tcp_client: $(head -c 300 "$LAB_DIR/tcp.json")"
ns_exec "$LAB_NS_LAN" ping -c 3 -i 0.2 -W 2 "$LAB_INET_IP" >"$LAB_DIR/ping.log" 2>&1 ||
	t_why "ping: $(tail -n 2 "$LAB_DIR/ping.log" | tr '\n' ' ')"
for i in 1 2 3; do
	r=$(ns_exec "$LAB_NS_LAN" timeout 5 socat -T 2 - "UDP4:$LAB_INET_IP:$LAB_UDP_PORT" \
		<<<"watch $i" 2>&1)
	[ "$r" = "watch $i" ] || t_why "udp echo $i: '$r'"
done
t_end

# the textfile follows within two periods (5 s each)
t_begin watch_prom_file_kept_after_traffic
ok=
for _ in $(seq 60); do
	enc1=$(prom_get "$PROM" mapce_packets_total "wan=\"$LAB_IF_WAN\",reason=\"encap\"")
	[ -n "$enc1" ] && [ "$enc1" -gt "${enc0:-0}" ] && { ok=1; break; }
	sleep 0.25
done
[ -n "$ok" ] || t_why "encap stayed ${enc1:-missing} (was $enc0) for 15 s"
t_end

# ---- promtool -----------------------------------------------------------
ce "$MAPCE" stats --prometheus --wan "$LAB_IF_WAN" >"$LAB_DIR/p1.prom" 2>"$LAB_DIR/p1.err"
p1rc=$?
ce "$MAPCE" -j stats --wan "$LAB_IF_WAN" >"$LAB_DIR/s.json" 2>&1
ce "$MAPCE" -j ports --wan "$LAB_IF_WAN" >"$LAB_DIR/ports.json" 2>&1
ce "$MAPCE" stats --prometheus --wan "$LAB_IF_WAN" >"$LAB_DIR/p2.prom" 2>&1
ce "$MAPCE" ports --wan "$LAB_IF_WAN" >"$LAB_DIR/ports.txt" 2>&1

if [ -z "$PROMTOOL" ]; then
	t_skip watch_promtool "promtool not installed (Debian's prometheus package)"
else
	t_begin watch_promtool
	[ $p1rc -eq 0 ] || t_why "stats --prometheus exit $p1rc: $(cat "$LAB_DIR/p1.err")"
	for f in "$LAB_DIR/p1.prom" "$PROM"; do
		out=$("$PROMTOOL" check metrics <"$f" 2>&1)
		rc=$?
		[ $rc -eq 0 ] && [ -z "$out" ] || t_why "promtool on ${f##*/}: exit $rc: $(head -c 300 <<<"$out")"
	done
	# the check can fail: a counter without _total is reported
	out=$(printf '# HELP x_count a counter\n# TYPE x_count counter\nx_count 1\n' |
		"$PROMTOOL" check metrics 2>&1)
	[ -n "$out" ] || t_why "promtool reports nothing about a counter without _total"
	t_end
fi

t_begin watch_prom_vs_stats
"$LAB_PY" - "$LAB_DIR/p1.prom" "$LAB_DIR/s.json" "$LAB_DIR/p2.prom" "$LAB_IF_WAN" \
	>"$LAB_DIR/cmp.out" 2>&1 <<'PY' || t_why "$(tail -n 5 "$LAB_DIR/cmp.out" | tr '\n' ' ')"
import json, re, sys
def prom(path):
    v = {}
    for line in open(path):
        m = re.match(r'^(mapce_(?:packets|bytes)_total)\{wan="([^"]*)",reason="([^"]*)"\} (\d+)$', line)
        if m:
            assert m.group(2) == sys.argv[4], line
            v[(m.group(1), m.group(3))] = int(m.group(4))
    return v
a, b = prom(sys.argv[1]), prom(sys.argv[3])
# what moves with no traffic: the host's own IPv6, and the sweep's timer
# (every second, on its own clock) with what it expires
MOVING = ('pass_native', 'ev_gc_sweep', 'ev_flow_expired', 'ev_binding_expired')
s = json.load(open(sys.argv[2]))['reasons']
assert len(s) > 40 and len(a) == 2 * len(s), (len(a), len(s))
bad = []
for reason, c in s.items():
    for kind, name in (('packets', 'mapce_packets_total'), ('bytes', 'mapce_bytes_total')):
        lo, hi = a[(name, reason)], b[(name, reason)]
        if not lo <= c[kind] <= hi or (reason not in MOVING and lo != hi):
            bad.append('%s %s: %d, %d, %d' % (reason, kind, lo, c[kind], hi))
assert not bad, bad
assert s['encap']['packets'] > 0 and s['decap']['packets'] > 0, s['encap']
print('ok', len(s), 'reasons')
PY
t_end

t_begin watch_ports
t_json "$LAB_DIR/ports.json" '
assert d["wan"] == "'"$LAB_IF_WAN"'" and d["ipv4"] == "'"$LAB_MAP_IPV4"'", d
assert d["port_count"] == 240 and d["range_size"] == 16 and len(d["ranges"]) == 15, d["ranges"]
assert d["ranges"][0] == {"first": 4928, "last": 4943}, d["ranges"][0]
p = d["protocols"]
assert p["tcp"]["in_use"] >= 21 and p["tcp"]["forwards"] == 1, p
for k in ("tcp", "udp", "icmp"):
    assert p[k]["free"] == 240 - p[k]["in_use"], p
assert p["udp"]["mappings"] >= 1 and p["icmp"]["mappings"] >= 1, p
assert d["max_per_host"] == 50, d["max_per_host"]
assert d["allocation_failures"] == {"no_ports": 0, "host_limit": 0, "table_full": 0}, d
h = d["hosts"][0]
assert h["ip"] == "'"$LAB_LAN_IP"'" and h["tcp"] >= 21 and h["forwards"] == 1, h
assert h["held"] >= 20 and h["limit_hits"] == 0, h
'
# the same numbers in the gauges (p1 and ports -j were read with nothing moving)
js() { "$LAB_PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
	"$LAB_DIR/ports.json" "$1"; }
W="wan=\"$LAB_IF_WAN\""
for k in tcp udp icmp; do
	for g in in_use:mapce_ports_in_use free:mapce_ports_free forwards:mapce_ports_forwarded; do
		want=$(js "d['protocols']['$k']['${g%%:*}']")
		got=$(prom_get "$LAB_DIR/p1.prom" "${g#*:}" "$W,protocol=\"$k\"")
		[ "$want" = "$got" ] || t_why "${g#*:} $k: prometheus '$got', ports -j '$want'"
	done
	want=$(js "d['hosts'][0]['$k']")
	got=$(prom_get "$LAB_DIR/p1.prom" mapce_host_mappings "$W,host=\"$LAB_LAN_IP\",protocol=\"$k\"")
	[ "$want" = "$got" ] || t_why "host mappings $k: prometheus '$got', ports -j '$want'"
done
[ "$(prom_get "$LAB_DIR/p1.prom" mapce_port_set_size "$W")" = 240 ] || t_why "mapce_port_set_size"
[ "$(prom_get "$LAB_DIR/p1.prom" mapce_per_host_limit "$W")" = 50 ] || t_why "mapce_per_host_limit"
[ "$(prom_get "$LAB_DIR/p1.prom" mapce_host_limit_hits_total "$W,host=\"$LAB_LAN_IP\"")" = 0 ] ||
	t_why "mapce_host_limit_hits_total"
[ "$(prom_get "$LAB_DIR/p1.prom" mapce_bindings "$W,protocol=\"tcp\",type=\"forward\"")" = 1 ] ||
	t_why "mapce_bindings forward"
flows=$(grep -E "^mapce_flows\{$W,protocol=\"tcp\"" "$LAB_DIR/p1.prom" | awk '{s += $2} END {print s + 0}')
[ "$flows" -ge 20 ] || t_why "tcp flows $flows"
grep -q '^mapce_tunnel_path_mtu_bytes{'"$W"'} 0$' "$LAB_DIR/p1.prom" ||
	t_why "path MTU: $(grep path_mtu "$LAB_DIR/p1.prom")"
grep -q "240 ports in ranges of 16: 4928-4943, 9024-9039" "$LAB_DIR/ports.txt" ||
	t_why "ports text: $(head -n 3 "$LAB_DIR/ports.txt" | tr '\n' '|')"
grep -qE "^    $LAB_LAN_IP +tcp [0-9]+" "$LAB_DIR/ports.txt" || t_why "ports text lacks the host row"
t_end

t_begin watch_prom_refuses
for a in "-j stats --prometheus" "stats --prometheus --all"; do
	# shellcheck disable=SC2086
	ce "$MAPCE" $a --wan "$LAB_IF_WAN" >"$LAB_DIR/r.out" 2>&1
	rc=$?
	[ $rc -eq 2 ] || t_why "$a: exit $rc"
	grep -q -- --prometheus "$LAB_DIR/r.out" || t_why "$a: $(head -c 200 "$LAB_DIR/r.out")"
done
ce "$MAPCE" up --wan mce-nosuch --prometheus-file "$LAB_DIR/x.prom" "${LAB_RULE_ARGS[@]}" \
	>"$LAB_DIR/r.out" 2>&1
rc=$?
[ $rc -eq 2 ] || t_why "up --prometheus-file: exit $rc"
grep -q "prometheus-file is mapce run's" "$LAB_DIR/r.out" || t_why "up: $(head -c 200 "$LAB_DIR/r.out")"
[ ! -e "$(mapce_pins ce mce-nosuch "$LAB_NS_CE")" ] || t_why "up --prometheus-file left pins"
t_end

t_begin watch_prom_file_gone
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exit $RUN_RC: $(tail -n 3 "$RUNLOG" | tr '\n' ' ')"
[ ! -e "$PROM" ] || t_why "$PROM still there"
[ -z "$(ls -A "$LAB_DIR/textfile")" ] || t_why "left in the textfile dir: $(ls -A "$LAB_DIR/textfile")"
t_end

[ -n "${WATCH_DEBUG:-}" ] && cp -r "$LAB_DIR" "$WATCH_DEBUG"
lab_teardown_case watch_teardown_clean
t_exit
