#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_portmap.sh - the user side of issue 3 on a real veth WAN in a
# network namespace: `mapce up --config FILE` (settings and port forwards
# from the file, no --wan on the command line), --filtering and
# --max-per-host reaching the pinned mapce_config, `mapce portmap
# add|del|list` (STATIC entries in mapce_ports/mapce_bind checked with
# bpftool, -j parsed with python3, the config file edited), refusals (port
# outside the set with the set's ranges, a port held by a live dynamic
# mapping naming its inside endpoint, bad input), persistence across
# down/up, up again bringing the forwards in line with the file, config
# file errors (file:line, nothing attached), the RFC timeout minimums,
# the default config file, and per-host accounting in `status`.
# Traffic through forwards is the full lab's test; here the map entries.
#
# Topology (tests/lab/lib/ce_wan.sh): netns tpm-ce-PID (WAN tpmwPID,
# 2001:db8:12:3400::1/64, IPv6 default via ::ffff) <-veth-> netns
# tpm-pr-PID.  mapce runs with only the network namespace switched
# (nsenter --net): pins live in the host bpffs.
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/ce_wan.sh
. tests/lab/lib/ce_wan.sh

PUB=198.51.100.18 # psid 52, offset 4, length 8
RANGES="4928-4943, 9024-9039, 13120-13135, 17216-17231, 21312-21327, 25408-25423, 29504-29519, 33600-33615, 37696-37711, 41792-41807, 45888-45903, 49984-49999, 54080-54095, 58176-58191, 62272-62287"
ALL_CASES=(up_with_config config_in_maps forward_entries list_json list_text add_range
	add_outside_set add_conflicts add_bad_input del status_hosts persistence_down_up
	up_again_syncs config_errors cli_filtering cli_overrides_file short_timeouts
	default_config down_forgets_config)
ce_wan_init tpm
tmp=$NS_TMP
CONF=$tmp/wan.conf

skip_all() { t_skip_all "$1" "${ALL_CASES[@]/#/portmap: }"; }

mapce_preflight ip bpftool python3 nsenter timeout || skip_all "$NS_WHY"
"$MAPCE" portmap -h >/dev/null 2>&1 || skip_all "mapce has no portmap command"

# eps MAP: one sorted line per entry of mapce_ports/mapce_bind,
# "proto KEYIP:PORT VALIP:PORT FLAGS", decoded from bpftool's raw bytes.
eps() {
	timeout "$NS_T" bpftool map dump pinned "$PIN/$1" -j 2>/dev/null | python3 -c '
import json, socket, struct, sys
for e in json.load(sys.stdin):
    k = bytes(int(x, 16) for x in e["key"])
    v = bytes(int(x, 16) for x in e["value"])
    print("%s %s:%d %s:%d %d" % ({6: "tcp", 17: "udp"}.get(k[6], k[6]), socket.inet_ntoa(k[:4]),
          struct.unpack(">H", k[4:6])[0], socket.inet_ntoa(v[:4]), struct.unpack(">H", v[4:6])[0], v[6]))
' | sort
}
# cfg FIELD: a field of the pinned mapce_config (bpftool's BTF view).
cfg() {
	timeout "$NS_T" bpftool map dump pinned "$PIN/mapce_config" -j 2>/dev/null | python3 -c '
import json, sys
e = json.load(sys.stdin)[0]
print(e.get("formatted", e)["value"][sys.argv[1]])
' "$1"
}
# has MAP LINE / hasnt MAP LINE: an entry of eps MAP (exact line).
has() { grep -qxF -- "$2" <<<"$(eps "$1")" || t_why "$1 lacks '$2'"; }
hasnt() { ! grep -qxF -- "$2" <<<"$(eps "$1")" || t_why "$1 still has '$2'"; }
# seed MAP KEYHEX VALHEX
seed() {
	# shellcheck disable=SC2086 # hex bytes are separate words
	timeout "$NS_T" bpftool map update pinned "$PIN/$1" key hex $2 value hex $3 2>"$tmp/bt" ||
		t_why "seeding $1: $(head -c 200 "$tmp/bt")"
}
# hx KIND ARGS: hex of an endpoint key (ep IP PORT PROTO) or a binding
# value (bind IP PORT FLAGS) or a host value (host BINDINGS HITS).
hx() {
	python3 - "$@" <<'EOF'
import socket, struct, sys, time
a = sys.argv[1:]
now = time.clock_gettime_ns(6)
if a[0] == 'ep':
    b = socket.inet_aton(a[1]) + struct.pack('>HBx', int(a[2]), int(a[3]))
elif a[0] == 'bind':
    b = socket.inet_aton(a[1]) + struct.pack('>HBx', int(a[2]), int(a[3])) + struct.pack('<QQ', now, now)
elif a[0] == 'ip':
    b = socket.inet_aton(a[1])
else:
    b = struct.pack('<IIQ', int(a[1]), 0, int(a[2]))
print(' '.join('%02x' % x for x in b))
EOF
}
# nothing_up: after a refused up, nothing of mapce is on the WAN.
nothing_up() {
	grep -q 'prog/xdp' <<<"$(ce ip link show dev "$WAN")" && t_why "an XDP program is attached"
	[ -e "$PIN" ] && t_why "$PIN exists"
	[ -e "$STATE" ] && t_why "$STATE exists"
	[ -e "$RECORD" ] && t_why "$RECORD exists"
	grep -q . <<<"$(ce ip -4 route show default)" && t_why "an IPv4 default route exists"
	return 0
}

# ---- lab -----------------------------------------------------------------
ce_wan_up >"$tmp/setup" 2>&1 || skip_all "lab setup failed: $(tr '\n' ' ' <"$tmp/setup" | head -c 200)"

cat >"$CONF" <<EOF
# mapce test config ($WAN)
wan $WAN
rule-ipv6 2001:db8::/40
rule-ipv4 198.51.100.0/24
ea-len 16
psid-offset 4   # RFC 7597 default is 6; v6plus uses 4
legacy-iid
br 2001:db8:ffff::64
filtering eif
max-per-host 50
portmap tcp 4928-4930 192.0.2.10:8000
EOF

# ---- up from the file ----------------------------------------------------
t_begin "portmap: up_with_config"
m -j up --config "$CONF"
[ $rc -eq 0 ] || t_why "up --config exited $rc: $(errtext)"
py "
assert d['wan'] == '$WAN' and d['ipv4'] == '$PUB', d
assert d['filtering'] == 'eif' and d['max_per_host'] == 50, d
assert d['port_forwards'] == 1 and d['config'] == '$CONF', d
"
grep -qx "path=$CONF" "$RECORD" 2>/dev/null || t_why "$RECORD does not name $CONF"
t_end
UP_OK=$rc
if [ "$UP_OK" -ne 0 ]; then
	for c in "${ALL_CASES[@]:1:12}"; do t_skip "portmap: $c" "up --config failed"; done
else
	t_begin "portmap: config_in_maps"
	[ "$(cfg filtering)" = 1 ] || t_why "mapce_config.filtering is '$(cfg filtering)', not 1 (EIF)"
	[ "$(cfg max_per_host)" = 50 ] || t_why "mapce_config.max_per_host is '$(cfg max_per_host)'"
	m -j status --wan "$WAN"
	[ $rc -eq 0 ] || t_why "status -j exited $rc: $(errtext)"
	py "
w = d['interfaces'][0]
assert w['filtering'] == 'eif' and w['max_per_host'] == 50, (w['filtering'], w['max_per_host'])
assert w['port_forwards'] == 1 and w['forwarded_ports'] == 3, (w['port_forwards'], w['forwarded_ports'])
"
	m status --wan "$WAN"
	grep -Eq '^  nat +filtering eif, max 50 mappings per host$' "$tmp/out" ||
		t_why "no nat line in status: $(grep nat "$tmp/out")"
	grep -Eq '^  forwards +1 \(3 ports' "$tmp/out" || t_why "no forwards line in status"
	t_end

	t_begin "portmap: forward_entries"
	for i in 0 1 2; do
		has mapce_ports "tcp $PUB:$((4928 + i)) 192.0.2.10:$((8000 + i)) 1"
		has mapce_bind "tcp 192.0.2.10:$((8000 + i)) $PUB:$((4928 + i)) 1"
	done
	[ "$(eps mapce_ports | wc -l)" -eq 3 ] || t_why "mapce_ports has $(eps mapce_ports | wc -l) entries, not 3"
	t_end

	t_begin "portmap: list_json"
	m -j portmap list
	[ $rc -eq 0 ] || t_why "portmap list -j exited $rc: $(errtext)"
	py "
assert d['wan'] == '$WAN' and d['config'] == '$CONF', d
assert d['forwards'] == [dict(proto='tcp', outside_port=4928, outside_last=4930, inside_ip='192.0.2.10',
    inside_port=8000, inside_last=8002, installed=True, saved=True, dynamic=False)], d['forwards']
"
	t_end

	t_begin "portmap: list_text"
	m portmap list --wan "$WAN"
	[ $rc -eq 0 ] || t_why "portmap list exited $rc: $(errtext)"
	grep -Eq '^tcp +4928-4930 +-> 192\.0\.2\.10:8000-8002 +yes +yes$' "$tmp/out" ||
		t_why "no forward line: $(tr '\n' '|' <"$tmp/out")"
	grep -q "config $CONF" "$tmp/out" || t_why "config file not named"
	t_end

	# ---- add -------------------------------------------------------------
	t_begin "portmap: add_range"
	m -j portmap add udp 9024-9025 192.0.2.20 --wan "$WAN"
	[ $rc -eq 0 ] || t_why "portmap add exited $rc: $(errtext)"
	py "
assert d['proto'] == 'udp' and d['outside_port'] == 9024 and d['outside_last'] == 9025, d
assert d['inside_ip'] == '192.0.2.20' and d['inside_port'] == 9024, d
assert d['saved'] is True and d['config'] == '$CONF', d
"
	grep -qx 'portmap udp 9024-9025 192.0.2.20:9024' "$CONF" || t_why "not recorded in $CONF"
	has mapce_ports "udp $PUB:9024 192.0.2.20:9024 1"
	has mapce_ports "udp $PUB:9025 192.0.2.20:9025 1"
	has mapce_bind "udp 192.0.2.20:9025 $PUB:9025 1"
	m portmap add tcp 13125 192.0.2.21:22
	[ $rc -eq 0 ] || t_why "text portmap add exited $rc: $(errtext)"
	grep -q "forwarded tcp *13125 *-> 192.0.2.21:22 .*(saved in $CONF)" "$tmp/out" ||
		t_why "text add output: $(head -c 200 "$tmp/out")"
	m -j portmap list
	py "
f = [(x['proto'], x['outside_port'], x['installed'], x['saved']) for x in d['forwards']]
assert f == [('tcp', 4928, True, True), ('udp', 9024, True, True), ('tcp', 13125, True, True)], f
"
	# the same forward again: nothing changes, exit 0
	cp "$CONF" "$tmp/conf.before"
	m portmap add tcp 13125 192.0.2.21:22
	[ $rc -eq 0 ] || t_why "repeated add exited $rc: $(errtext)"
	cmp -s "$CONF" "$tmp/conf.before" || t_why "repeated add changed the file"
	t_end

	t_begin "portmap: add_outside_set"
	cp "$CONF" "$tmp/conf.before"
	eps mapce_ports >"$tmp/ports.before"
	m portmap add tcp 80 192.0.2.10
	[ $rc -eq 1 ] || t_why "port 80: exit $rc, not 1"
	grep -qF "port 80 is not in this CE's port set (240 ports: $RANGES)" "$tmp/err" ||
		t_why "message: $(errtext)"
	m -j portmap add tcp 4943-4944 192.0.2.10
	[ $rc -eq 1 ] || t_why "4943-4944: exit $rc, not 1"
	py "assert 'port 4944 is not in this CE' in d['error'] and '4928-4943' in d['error'], d"
	cmp -s "$CONF" "$tmp/conf.before" || t_why "a refused add changed the file"
	eps mapce_ports | cmp -s - "$tmp/ports.before" || t_why "a refused add changed mapce_ports"
	t_end

	t_begin "portmap: add_conflicts"
	m portmap add tcp 4930 192.0.2.11
	[ $rc -eq 1 ] || t_why "forwarded port: exit $rc, not 1"
	grep -q "tcp 4930 192.0.2.11:4930 overlaps the portmap on $CONF:11 (tcp 4928-4930 192.0.2.10:8000)" "$tmp/err" ||
		t_why "forwarded port message: $(errtext)"
	# a live dynamic mapping (what TC egress writes) holds udp 13120
	seed mapce_bind "$(hx ep 192.0.2.30 5555 17)" "$(hx bind $PUB 13120 0)"
	seed mapce_ports "$(hx ep $PUB 13120 17)" "$(hx bind 192.0.2.30 5555 0)"
	m portmap add udp 13120 192.0.2.40
	[ $rc -eq 1 ] || t_why "dynamic holder: exit $rc, not 1"
	grep -q "port 13120/udp is held by a live mapping of the inside endpoint 192.0.2.30:5555" "$tmp/err" ||
		t_why "dynamic holder message: $(errtext)"
	has mapce_ports "udp $PUB:13120 192.0.2.30:5555 0"
	# a claim without its mapping is a leftover: the forward takes it
	seed mapce_ports "$(hx ep $PUB 13121 17)" "$(hx bind 192.0.2.31 6000 0)"
	m portmap add udp 13121 192.0.2.41
	[ $rc -eq 0 ] || t_why "stale claim: exit $rc: $(errtext)"
	has mapce_ports "udp $PUB:13121 192.0.2.41:13121 1"
	# an inside endpoint already forwarded from another port
	m portmap add tcp 13126 192.0.2.21:22
	[ $rc -eq 1 ] || t_why "inside endpoint twice: exit $rc, not 1"
	grep -q "overlaps the portmap on $CONF:[0-9]* (tcp 13125 192.0.2.21:22)" "$tmp/err" ||
		t_why "inside endpoint message: $(errtext)"
	m portmap del udp 13121
	[ $rc -eq 0 ] || t_why "del udp 13121 exited $rc: $(errtext)"
	t_end

	t_begin "portmap: add_bad_input"
	m portmap add tcp 4931 224.0.0.1
	[ $rc -eq 1 ] || t_why "multicast inside: exit $rc, not 1"
	grep -q "inside address 224.0.0.1 is not a unicast IPv4 address" "$tmp/err" || t_why "multicast message: $(errtext)"
	m portmap add tcp 4931 192.0.2.300
	[ $rc -eq 1 ] || t_why "bad inside: exit $rc, not 1"
	grep -q "bad inside address '192.0.2.300'" "$tmp/err" || t_why "bad inside message: $(errtext)"
	m portmap add tcp 4931 $PUB
	[ $rc -eq 1 ] || t_why "public address inside: exit $rc, not 1"
	m portmap add sctp 4931 192.0.2.10
	[ $rc -eq 1 ] || t_why "sctp: exit $rc, not 1"
	m portmap add tcp 4931
	[ $rc -eq 2 ] || t_why "missing inside: exit $rc, not 2"
	m portmap frob
	[ $rc -eq 2 ] || t_why "unknown subcommand: exit $rc, not 2"
	m portmap list --bogus
	[ $rc -eq 2 ] || t_why "unknown option: exit $rc, not 2"
	m portmap add tcp 4931 192.0.2.10 --wan "tpmnone$NS_ID"
	[ $rc -eq 1 ] || t_why "not-up WAN: exit $rc, not 1"
	grep -q "not up on tpmnone$NS_ID" "$tmp/err" || t_why "not-up message: $(errtext)"
	m portmap -h
	[ $rc -eq 0 ] && grep -q 'Usage: mapce portmap add' "$tmp/out" || t_why "-h: exit $rc"
	m portmap add -h
	[ $rc -eq 0 ] || t_why "add -h: exit $rc"
	cmp -s "$CONF" "$tmp/conf.before" || t_why "bad input changed the file"
	t_end

	# ---- del -------------------------------------------------------------
	t_begin "portmap: del"
	m portmap del tcp 4929
	[ $rc -eq 1 ] || t_why "part of a range: exit $rc, not 1"
	grep -q "tcp 4929 covers only part of the forward tcp 4928-4930 192.0.2.10:8000" "$tmp/err" ||
		t_why "partial message: $(errtext)"
	m portmap del udp 9030
	[ $rc -eq 1 ] || t_why "no forward: exit $rc, not 1"
	grep -q "no port forward of udp 9030 on $WAN" "$tmp/err" || t_why "none message: $(errtext)"
	m -j portmap del udp 9024-9025
	[ $rc -eq 0 ] || t_why "del exited $rc: $(errtext)"
	py "assert [(r['proto'], r['outside_port'], r['outside_last'], r['saved']) for r in d['removed']] == [('udp', 9024, 9025, True)], d"
	grep -q 'portmap udp 9024' "$CONF" && t_why "the line is still in $CONF"
	hasnt mapce_ports "udp $PUB:9024 192.0.2.20:9024 1"
	hasnt mapce_bind "udp 192.0.2.20:9025 $PUB:9025 1"
	m portmap del tcp 13000-13200 # a range covering whole forwards
	[ $rc -eq 0 ] || t_why "del by covering range exited $rc: $(errtext)"
	grep -q 'portmap tcp 13125' "$CONF" && t_why "tcp 13125 is still in $CONF"
	m -j portmap list
	py "assert [(x['proto'], x['outside_port']) for x in d['forwards']] == [('tcp', 4928)], d['forwards']"
	grep -q '^# mapce test config' "$CONF" || t_why "del lost the comments of $CONF"
	t_end

	t_begin "portmap: status_hosts"
	seed mapce_hosts "$(hx ip 192.0.2.30)" "$(hx host 1 4)"
	m -j status --wan "$WAN"
	py "
h = {x['ip']: x for x in d['interfaces'][0]['hosts']}
assert h['192.0.2.30']['held'] == 1 and h['192.0.2.30']['limit_hits'] == 4, h['192.0.2.30']
assert h['192.0.2.30']['udp'] == 1 and h['192.0.2.30']['total'] == 1, h['192.0.2.30']
assert h['192.0.2.10']['tcp'] == 3 and h['192.0.2.10']['forwards'] == 3, h['192.0.2.10']
assert 'held' not in h['192.0.2.10'], h['192.0.2.10']
"
	m status --wan "$WAN"
	grep -Eq '^    192\.0\.2\.30 +tcp 0  udp 1  icmp 0  total 1  held 1  limit hits 4$' "$tmp/out" ||
		t_why "text host line: $(grep 192.0.2.30 "$tmp/out")"
	t_end

	# ---- down/up -----------------------------------------------------------
	t_begin "portmap: persistence_down_up"
	m portmap add udp 9030 192.0.2.21:53
	[ $rc -eq 0 ] || t_why "add udp 9030 exited $rc: $(errtext)"
	m down --wan "$WAN"
	[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
	[ -e "$PIN" ] && t_why "$PIN survived down"
	m -j up --config "$CONF"
	[ $rc -eq 0 ] || t_why "up again exited $rc: $(errtext)"
	py "assert d['port_forwards'] == 2 and d['maps_reused'] is False, d"
	has mapce_ports "udp $PUB:9030 192.0.2.21:53 1"
	has mapce_ports "tcp $PUB:4930 192.0.2.10:8002 1"
	m -j portmap list
	py "
f = [(x['proto'], x['outside_port'], x['installed'], x['saved']) for x in d['forwards']]
assert f == [('tcp', 4928, True, True), ('udp', 9030, True, True)], f
"
	t_end

	t_begin "portmap: up_again_syncs"
	echo 'portmap tcp 13122 192.0.2.50   # added by hand' >>"$CONF"
	m up --config "$CONF"
	[ $rc -eq 0 ] || t_why "up (file edited) exited $rc: $(errtext)"
	grep -q "already up on $WAN" "$tmp/err" || t_why "no 'already up': $(errtext)"
	grep -q "port forwards brought in line with the config: 1 added, 0 removed" "$tmp/err" ||
		t_why "no sync note: $(errtext)"
	has mapce_ports "tcp $PUB:13122 192.0.2.50:13122 1"
	sed -i '/192.0.2.50/d; /portmap udp 9030/d' "$CONF"
	m up --config "$CONF"
	[ $rc -eq 0 ] || t_why "up (lines removed) exited $rc: $(errtext)"
	hasnt mapce_ports "tcp $PUB:13122 192.0.2.50:13122 1"
	hasnt mapce_ports "udp $PUB:9030 192.0.2.21:53 1"
	has mapce_ports "tcp $PUB:4928 192.0.2.10:8000 1"
	m up --config "$CONF"
	grep -q "brought in line" "$tmp/err" && t_why "an unchanged file still changed forwards: $(errtext)"
	t_end
fi

ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1

# ---- refused ups: file:line, nothing attached ------------------------------
t_begin "portmap: config_errors"
bad=$tmp/bad.conf
# bad_file LINE-TEXT: $CONF with LINE-TEXT appended (line 13)
bad_file() { { cat "$CONF"; echo "$1"; } >"$bad"; }
n=$(($(wc -l <"$CONF") + 1))
for case in "hop-limit 0|bad hop-limit '0' (expected 1..255)" \
	"encap-limit lots|bad encap-limit 'lots'" \
	"filtering apdf|filtering given twice (first on line 9)" \
	"colour blue|unknown key 'colour'" \
	"mtu 1400 1500|mtu takes one value, not '1400 1500'" \
	"portmap tcp 4929 192.0.2.99|portmap tcp 4929: outside ports overlap the portmap on line 11 (tcp 4928-4930 192.0.2.10:8000)" \
	"portmap tcp 4931 192.0.2.256|portmap: bad inside address '192.0.2.256'" \
	"portmap tcp 80 192.0.2.10|tcp 80 192.0.2.10:80: port 80 is not in this CE's port set (240 ports: $RANGES)" \
	"timeout-udp 30|timeout-udp 30 is below 120 s, the minimum of RFC 4787 REQ-5 (allow-short-timeouts allows it"; do
	bad_file "${case%%|*}"
	m up --config "$bad"
	[ $rc -eq 1 ] || t_why "'${case%%|*}': exit $rc, not 1"
	grep -qF "mapce: up: $bad:$n: ${case#*|}" "$tmp/err" || t_why "'${case%%|*}': message $(errtext)"
	nothing_up
done
bad_file "rule-ipv6 2001:db8:100::/40"
m up --config "$bad"
[ $rc -eq 1 ] || t_why "incomplete rule: exit $rc, not 1"
grep -qF "$bad:$n: rule 2 (2001:db8:100::/40): missing rule-ipv4" "$tmp/err" || t_why "incomplete rule: $(errtext)"
m -j up --config "$tmp/nonexistent.conf"
[ $rc -eq 1 ] || t_why "missing file: exit $rc, not 1"
py "assert 'cannot read the config file $tmp/nonexistent.conf: No such file' in d['error'], d"
m up --config "$CONF" --no-config
[ $rc -eq 2 ] || t_why "--config with --no-config: exit $rc, not 2"
nothing_up
t_end

# ---- command-line settings ---------------------------------------------------
t_begin "portmap: cli_filtering"
m up --no-config --wan "$WAN" "${RULE[@]}" --filtering apdf --max-per-host 7
[ $rc -eq 0 ] || t_why "up --filtering apdf exited $rc: $(errtext)"
[ "$(cfg filtering)" = 2 ] || t_why "filtering is '$(cfg filtering)', not 2 (APDF)"
[ "$(cfg max_per_host)" = 7 ] || t_why "max_per_host is '$(cfg max_per_host)', not 7"
[ -e "$RECORD" ] && t_why "$RECORD exists without a config file"
m portmap add tcp 4931 192.0.2.10
[ $rc -eq 0 ] || t_why "add without a config file exited $rc: $(errtext)"
# up read no file: the forward is kept in the WAN's default file, created
DEF=$MAPCE_CONF_DIR/$WAN.conf
[ -f "$DEF" ] || t_why "portmap add did not create $DEF"
[ "$(stat -c %a "$DEF" 2>/dev/null)" = 600 ] || t_why "$DEF has mode $(stat -c %a "$DEF" 2>/dev/null), not 600"
grep -qx "wan $WAN" "$DEF" || t_why "$DEF lacks 'wan $WAN': $(cat "$DEF")"
grep -qx "portmap tcp 4931 192.0.2.10:4931" "$DEF" || t_why "$DEF lacks the forward: $(cat "$DEF")"
m -j portmap list
py "assert d['config'] == '$DEF' and d['forwards'] == [dict(proto='tcp', outside_port=4931, outside_last=4931, inside_ip='192.0.2.10', inside_port=4931, inside_last=4931, installed=True, saved=True, dynamic=False)], d"
m portmap add tcp 4931-4932 192.0.2.12 # held by the forward (saved in the file)
[ $rc -eq 1 ] || t_why "forwarded port: exit $rc, not 1"
grep -q "overlaps the portmap on $DEF:4 (tcp 4931 192.0.2.10:4931)" "$tmp/err" ||
	t_why "forwarded port message: $(errtext)"
has mapce_ports "tcp $PUB:4931 192.0.2.10:4931 1"
hasnt mapce_ports "tcp $PUB:4932 192.0.2.12:4932 1"
m up --no-config --wan "$WAN" "${RULE[@]}" --filtering eif --max-per-host 7
[ $rc -eq 1 ] || t_why "other --filtering while up: exit $rc, not 1"
grep -q "already up on $WAN with other parameters" "$tmp/err" || t_why "other filtering: $(errtext)"
m up --wan "$WAN" "${RULE[@]}" --filtering bogus
[ $rc -eq 1 ] || t_why "--filtering bogus: exit $rc, not 1"
grep -q "bad --filtering 'bogus' (eif, adf or apdf)" "$tmp/err" || t_why "bogus message: $(errtext)"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
# the next up reads the file portmap add wrote: the forward comes back
m -j up --wan "$WAN" "${RULE[@]}"
[ $rc -eq 0 ] || t_why "up with the created default file exited $rc: $(errtext)"
py "assert d['config'] == '$DEF' and d['port_forwards'] == 1, d"
has mapce_ports "tcp $PUB:4931 192.0.2.10:4931 1"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
rm -f "$DEF"
t_end

t_begin "portmap: cli_overrides_file"
m -j up --config "$CONF" --filtering adf --max-per-host 0
[ $rc -eq 0 ] || t_why "up exited $rc: $(errtext)"
[ "$(cfg filtering)" = 0 ] || t_why "filtering is '$(cfg filtering)', not 0 (ADF)"
[ "$(cfg max_per_host)" = 0 ] || t_why "max_per_host is '$(cfg max_per_host)', not 0"
py "assert d['filtering'] == 'adf' and d['port_forwards'] == 1, d"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
t_end

t_begin "portmap: short_timeouts"
for case in "--timeout-udp 30|--timeout-udp 30 is below 120 s, the minimum of RFC 4787 REQ-5" \
	"--timeout-tcp-est 600|--timeout-tcp-est 600 is below 7440 s, the minimum of RFC 5382 REQ-5" \
	"--timeout-tcp-trans 60|--timeout-tcp-trans 60 is below 240 s, the minimum of RFC 5382 REQ-5" \
	"--timeout-icmp 10|--timeout-icmp 10 is below 60 s, the minimum of RFC 5508 REQ-2"; do
	# shellcheck disable=SC2086 # option and value
	m up --no-config --wan "$WAN" "${RULE[@]}" ${case%%|*}
	[ $rc -eq 1 ] || t_why "'${case%%|*}': exit $rc, not 1"
	grep -qF -- "${case#*|} (--allow-short-timeouts allows it, for tests)" "$tmp/err" ||
		t_why "'${case%%|*}': message $(errtext)"
	nothing_up
done
m up --no-config --wan "$WAN" "${RULE[@]}" --timeout-udp 30 --timeout-icmp 10 --allow-short-timeouts
[ $rc -eq 0 ] || t_why "with --allow-short-timeouts: exit $rc: $(errtext)"
[ "$(cfg timeout_udp)" = 30 ] || t_why "timeout_udp is '$(cfg timeout_udp)', not 30"
[ "$(cfg timeout_icmp)" = 10 ] || t_why "timeout_icmp is '$(cfg timeout_icmp)', not 10"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
t_end

t_begin "portmap: default_config"
mkdir -p "$tmp/etc"
cp "$CONF" "$tmp/etc/$WAN.conf"
ce env MAPCE_CONF_DIR="$tmp/etc" "$MAPCE" -j up --wan "$WAN" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || t_why "up with the default file exited $rc: $(errtext)"
py "assert d['config'] == '$tmp/etc/$WAN.conf' and d['port_forwards'] == 1 and d['filtering'] == 'eif', d"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
ce env MAPCE_CONF_DIR="$tmp/etc" "$MAPCE" -j up --no-config --wan "$WAN" "${RULE[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || t_why "up --no-config exited $rc: $(errtext)"
py "assert d['config'] is None and d['filtering'] == 'adf' and d['port_forwards'] == 0, d"
t_end

t_begin "portmap: down_forgets_config"
ce "$MAPCE" down --wan "$WAN" >/dev/null 2>&1
m up --config "$CONF"
[ $rc -eq 0 ] || t_why "up --config exited $rc: $(errtext)"
[ -e "$RECORD" ] || t_why "no $RECORD while up"
m down --wan "$WAN"
[ $rc -eq 0 ] || t_why "down exited $rc: $(errtext)"
[ -e "$RECORD" ] && t_why "$RECORD survived down"
m portmap list --wan "$WAN"
[ $rc -eq 1 ] || t_why "list when down: exit $rc, not 1"
nothing_up
t_end

t_exit
