#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_cli_calc.sh - `mapce calc` as a user runs it: the real binary, text
# and -j output for the v6plus and RFC 7597 Appendix A vectors, exit codes
# (0 ok, 1 bad value with a message, 2 usage) and -h.
# No root, no namespaces.  Prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/harness.sh
. tests/lab/lib/harness.sh
MAPCE="${OUTPUT:-build}/mapce"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run ARGS...: stdout -> $tmp/out, stderr -> $tmp/err, status -> $rc
# (timeout: a hung binary fails the case instead of the whole run)
run() {
	timeout 10 "$MAPCE" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# has REGEX WHY: t_why WHY unless a line of the output matches REGEX
has() { grep -Eq -- "$1" "$tmp/out" || t_why "$2"; }
# ranges N: t_why unless the text output lists N port ranges
ranges() {
	[ "$(grep -Eo '[0-9]+-[0-9]+' "$tmp/out" | wc -l)" -eq "$1" ] ||
		t_why "expected $1 port ranges in the text"
}
# exits RC [STDERR-TEXT]: t_why unless the exit status is RC and stderr
# holds STDERR-TEXT
exits() {
	[ $rc -eq "$1" ] || t_why "exit $rc, not $1 (stderr '$(cat "$tmp/err")')"
	[ -z "${2:-}" ] || grep -qF -- "$2" "$tmp/err" || t_why "stderr '$(cat "$tmp/err")' lacks '$2'"
}

if [ ! -x "$MAPCE" ]; then
	t_fail "calc: binary" "$MAPCE not built"
	exit 1
fi

V6PLUS=(--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d400::/56
	--legacy-iid --br 2404:9200:225:100::64)
V6PLUS_LONG=(--rule-ipv6 240b:10::/31 --rule-ipv4 106.72.0.0/15 --ea-len 25 --psid-offset 4
	--prefix 240b:10:3f6c:d400::/56 --legacy-iid --br 2404:9200:225:100::64)
RFC=(--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56)

# --- v6plus, text ---------------------------------------------------------
run calc "${V6PLUS[@]}"
t_begin "calc: v6plus vector, text output"
exits 0
has '^ipv4 +106\.72\.63\.108$' "no 'ipv4 106.72.63.108' line"
has '^psid +212 \(0xd4\)$' "no 'psid 212 (0xd4)' line"
has '^ce_ipv6 +240b:10:3f6c:d400:6a:483f:6c00:d400$' "wrong or missing ce_ipv6 (legacy IID)"
has '^ce_ipv6_rfc +240b:10:3f6c:d400:0:6a48:3f6c:d4$' "wrong or missing ce_ipv6_rfc"
has '^port_count +240 ' "no 'port_count 240'"
has '7488-7503' "first range (7488-7503) missing"
has '64832-64847' "last range (64832-64847) missing"
ranges 15
has '^end_user_prefix +240b:10:3f6c:d400::/56$' "wrong end_user_prefix"
has '^br +2404:9200:225:100::64$' "wrong br"
[ -s "$tmp/err" ] && t_why "unexpected stderr: $(cat "$tmp/err")"
t_end

# --- v6plus, JSON -----------------------------------------------------------
run -j calc "${V6PLUS[@]}"
cp "$tmp/out" "$tmp/v6plus_compact.json"
t_begin "calc: v6plus vector, -j"
exits 0
[ $rc -eq 0 ] && t_json "$tmp/out" '
assert d["ipv4"] == "106.72.63.108", d["ipv4"]
assert d["ipv4_prefix_len"] == 32
assert d["psid"] == 212 and d["psid_len"] == 8 and d["psid_offset"] == 4
assert d["port_count"] == 240, d["port_count"]
p = d["ports"]
assert len(p) == 15, len(p)
assert p[0] == [7488, 7503] and p[-1] == [64832, 64847], (p[0], p[-1])
assert all(b - a == 15 for a, b in p)
assert sum(b - a + 1 for a, b in p) == d["port_count"]
assert all((x >> 4) & 0xff == 212 for a, b in p for x in range(a, b + 1))
assert d["ce_ipv6"] == "240b:10:3f6c:d400:6a:483f:6c00:d400", d["ce_ipv6"]
assert d["ce_ipv6_legacy"] == d["ce_ipv6"]
assert d["ce_ipv6_rfc"] == "240b:10:3f6c:d400:0:6a48:3f6c:d4", d["ce_ipv6_rfc"]
assert d["br"] == "2404:9200:225:100::64"
assert d["end_user_prefix"] == "240b:10:3f6c:d400::/56"
assert d["bmr"] == 0
'
t_end

# the long options give the same document as the compact --rule
run -j calc "${V6PLUS_LONG[@]}"
t_begin "calc: --rule-ipv6/--rule-ipv4/--ea-len/--psid-offset == --rule"
exits 0
cmp -s "$tmp/out" "$tmp/v6plus_compact.json" ||
	t_why "outputs differ: $(diff "$tmp/out" "$tmp/v6plus_compact.json" | head -c 300)"
t_end

# RA /64 on a v6plus line: same CE (End-user prefix /56, subnet-id 0)
run -j calc --rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d4ab::/64 --legacy-iid
t_begin "calc: v6plus with an RA /64"
exits 0
[ $rc -eq 0 ] && t_json "$tmp/out" '
assert d["ce_ipv6"] == "240b:10:3f6c:d400:6a:483f:6c00:d400", d["ce_ipv6"]
assert d["end_user_prefix"] == "240b:10:3f6c:d400::/56", d["end_user_prefix"]
assert d["br"] is None
'
t_end

# --- RFC 7597 Appendix A example 1, text and JSON ---------------------------
run calc "${RFC[@]}"
t_begin "calc: RFC 7597 vector, text output"
exits 0
has '^ipv4 +192\.0\.2\.18$' "no 'ipv4 192.0.2.18' line"
has '^psid +52 \(0x34\)$' "no 'psid 52 (0x34)' line"
has '^ce_ipv6 +2001:db8:12:3400:0:c000:212:34$' "wrong or missing ce_ipv6 (RFC IID by default)"
has '^ce_ipv6_legacy +2001:db8:12:3400:c0:2:1200:3400$' "wrong or missing ce_ipv6_legacy"
has '1232-1235 2256-2259' "ranges 1232-1235 2256-2259 missing"
has '64720-64723' "range 64720-64723 missing"
ranges 63
has '^br +\(none\)$' "br should be (none)"
t_end

run --json calc "${RFC[@]}"
t_begin "calc: RFC 7597 vector, -j"
exits 0
[ $rc -eq 0 ] && t_json "$tmp/out" '
assert d["ipv4"] == "192.0.2.18" and d["ipv4_prefix_len"] == 32
assert d["psid"] == 0x34 and d["psid_len"] == 8 and d["psid_offset"] == 6
assert d["port_count"] == 252
p = d["ports"]
assert len(p) == 63 and p[0] == [1232, 1235] and p[1] == [2256, 2259], p[:2]
assert p[-2] == [63696, 63699] and p[-1] == [64720, 64723], p[-2:]
assert d["ce_ipv6"] == "2001:db8:12:3400:0:c000:212:34"
assert d["ce_ipv6_rfc"] == d["ce_ipv6"]
assert d["ce_ipv6_legacy"] == "2001:db8:12:3400:c0:2:1200:3400"
assert d["br"] is None
assert d["end_user_prefix"] == "2001:db8:12:3400::/56"
'
t_end

# explicit (lw4o6) form, RFC Appendix A example 5 values
run -j calc --ipv4 192.0.2.18 --psid 0x34 --psid-len 8 --prefix 2001:db8:12:3400::/56
t_begin "calc: explicit form"
exits 0
[ $rc -eq 0 ] && t_json "$tmp/out" '
assert d["bmr"] is None and d["psid_offset"] == 6
assert d["ce_ipv6"] == "2001:db8:12:3400:0:c000:212:34", d["ce_ipv6"]
assert d["ports"][0] == [1232, 1235]
'
t_end

# --- exit codes ---------------------------------------------------------------
# bad value: exit 1, message naming the value on stderr, nothing on stdout
run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:112:3400::/56
t_begin "calc: prefix outside every rule exits 1 naming it"
exits 1 '2001:db8:112:3400::/56'
[ -s "$tmp/out" ] && t_why "stdout $(wc -c <"$tmp/out") bytes"
t_end

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12::/48
t_begin "calc: too short a prefix exits 1 with the lengths"
exits 1 '/48 is shorter than rule /40 + 16 EA bits = /56'
t_end

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6,fmx --prefix 2001:db8:12:3400::/56
t_begin "calc: bad --rule syntax exits 1 naming the field"
exits 1 fmx
t_end

# with -j an error is still one JSON document on stdout
run -j calc --rule 2001:db8::/40,192.0.2.0/24,16,16 --prefix 2001:db8:12:3400::/56
t_begin "calc: -j error is JSON {\"error\": ...}"
exits 1
[ $rc -eq 1 ] && t_json "$tmp/out" 'assert "PSID offset 16" in d["error"], d'
t_end

# usage errors: exit 2
run calc "${RFC[@]}" --bogus
t_begin "calc: unknown option exits 2"
exits 2 --bogus
t_end

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6
t_begin "calc: missing --prefix exits 2"
exits 2 --prefix
t_end

run calc "${RFC[@]}" stray
t_begin "calc: stray argument exits 2"
exits 2 stray
t_end

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix
t_begin "calc: option without its value exits 2"
exits 2 --prefix
t_end

run calc
t_begin "calc: no arguments exits 2"
exits 2
t_end

# -h: exit 0, usage on stdout with the OpenWrt names
run calc -h
t_begin "calc: -h exits 0 and documents the options"
exits 0
for opt in --rule-ipv6 ealen legacymap peeraddr; do
	grep -q -- "$opt" "$tmp/out" || t_why "the usage does not name $opt"
done
t_end

# --- ISP presets (the shipped tables; expectations from the published
# vectors in data/isp/README.md, computed by hand there) -----------------
# json EXPR: t_why unless the python expression over d (the -j output) holds
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), d' \
	"$tmp/out" "$1" 2>"$tmp/py" || t_why "$1: $(tail -n1 "$tmp/py")"; }

run -j calc --isp v6plus --prefix 240b:10:3f6c:d400::/56
t_begin "calc: --isp v6plus gives the address, the ports, the rule and the BR"
exits 0
json "d['isp'] == 'v6plus' and d['ipv4'] == '106.72.63.108' and d['psid'] == 212"
json "d['port_count'] == 240 and d['ports'][0] == [7488, 7503] and d['ports'][-1] == [64832, 64847]"
json "d['ce_ipv6'] == '240b:10:3f6c:d400:6a:483f:6c00:d400' and d['br'] == '2404:9200:225:100::64'"
json "d['rule'].startswith('240b:10::/31,106.72.0.0/15,25,4 (isp v6plus,') and d['source'] == 'isp v6plus'"
t_end

run -j calc --isp v6plus --prefix 240b:10:3f6c:d400::/64
t_begin "calc: --isp with only the RA /64 takes the table's /56"
exits 0
json "d['ipv4'] == '106.72.63.108' and d['end_user_prefix'] == '240b:10:3f6c:d400::/56'"
t_end

run -j calc --isp auto --prefix 2404:7a82:4d02:4100::/56
t_begin "calc: --isp auto picks the longest rule across tables"
exits 0
json "d['isp'] == 'biglobe' and d['ipv4'] == '133.209.13.2' and d['psid'] == 65"
json "d['rule'].startswith('2404:7a82:4c00::/38,133.209.12.0/22,18,4') and d['br'] == '2001:260:700:1::1:275'"
t_end

run -j calc --isp auto --prefix 2400:4050:1234:5600::/56
t_begin "calc: --isp auto, an OCN prefix: 63 ranges of 16"
exits 0
json "d['isp'] == 'ocn' and d['ipv4'] == '153.240.72.209' and d['psid'] == 22 and d['range_count'] == 63"
t_end

run calc --isp nuro --prefix 2001:db8:12:3400::/56
t_begin "calc: a prefix outside the service's rules names it and the closest rules"
exits 1 "is not inside any rule of nuro; closest rules: nuro 240d:f"
t_end

run calc --isp nosuch --prefix 240b:10:3f6c:d400::/56
t_begin "calc: an unknown service lists the known ones"
exits 1 "unknown ISP 'nosuch' (known: biglobe, nuro, ocn, v6plus, auto"
t_end

run calc --isp v6plus --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56
t_begin "calc: --isp and rule options exclude each other"
exits 1 "--isp and MAP rule options exclude each other"
t_end

run -j isp list
t_begin "isp list -j: every service with its rules, BRs, date and source"
exits 0
json "sorted(s['isp'] for s in d['services']) == ['biglobe', 'nuro', 'ocn', 'v6plus']"
json "all(s['rules'] > 0 and s['brs'] and s['date'] and s['source'] and s['origin'] == 'built-in' for s in d['services'])"
t_end

# --- the explicit form needs no prefix -----------------------------------
run -j calc --ipv4 192.0.2.18 --psid 52 --psid-len 8 --psid-offset 4
t_begin "calc: the explicit form without a prefix gives the port set, no MAP address"
exits 0
json "d['ipv4'] == '192.0.2.18' and d['port_count'] == 240 and d['ce_ipv6'] is None"
t_end

t_exit
