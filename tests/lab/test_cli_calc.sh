#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_cli_calc.sh - `mapce calc` as a user runs it: the real binary, text
# and -j output for the REFERENCE.md §1 vectors (v6plus and RFC 7597 A),
# exit codes (0 ok, 1 bad value with a message, 2 usage) and -h.
# No root, no namespaces.  Prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
MAPCE="${OUTPUT:-build}/mapce"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1: $2"; failed=1; }

# run ARGS...: stdout -> $tmp/out, stderr -> $tmp/err, status -> $rc
# (timeout: a hung binary fails the case instead of the whole run)
run() {
	timeout 10 "$MAPCE" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# json_check NAME PYTHON-ASSERTIONS: the assertions see the document as d
json_check() {
	local name=$1 code=$2 why
	if why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
' "$tmp/out" "$code" 2>&1); then
		ok "$name"
	else
		notok "$name" "$(echo "$why" | tail -n 1) (output: $(head -c 300 "$tmp/out"))"
	fi
}

if [ ! -x "$MAPCE" ]; then
	notok "calc: binary" "$MAPCE not built"
	exit 1
fi

V6PLUS=(--rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d400::/56
	--legacy-iid --br 2404:9200:225:100::64)
V6PLUS_LONG=(--rule-ipv6 240b:10::/31 --rule-ipv4 106.72.0.0/15 --ea-len 25 --psid-offset 4
	--prefix 240b:10:3f6c:d400::/56 --legacy-iid --br 2404:9200:225:100::64)
RFC=(--rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12:3400::/56)

# --- v6plus, text ---------------------------------------------------------
run calc "${V6PLUS[@]}"
name="calc: v6plus vector, text output"
if [ $rc -ne 0 ]; then
	notok "$name" "exit $rc: $(cat "$tmp/err")"
elif ! grep -Eq '^ipv4 +106\.72\.63\.108$' "$tmp/out"; then
	notok "$name" "no 'ipv4 106.72.63.108' line"
elif ! grep -Eq '^psid +212 \(0xd4\)$' "$tmp/out"; then
	notok "$name" "no 'psid 212 (0xd4)' line"
elif ! grep -Eq '^ce_ipv6 +240b:10:3f6c:d400:6a:483f:6c00:d400$' "$tmp/out"; then
	notok "$name" "wrong or missing ce_ipv6 (legacy IID)"
elif ! grep -Eq '^ce_ipv6_rfc +240b:10:3f6c:d400:0:6a48:3f6c:d4$' "$tmp/out"; then
	notok "$name" "wrong or missing ce_ipv6_rfc"
elif ! grep -Eq '^port_count +240 ' "$tmp/out"; then
	notok "$name" "no 'port_count 240'"
elif ! grep -q '7488-7503' "$tmp/out" || ! grep -q '64832-64847' "$tmp/out"; then
	notok "$name" "first (7488-7503) or last (64832-64847) range missing"
elif [ "$(grep -Eo '[0-9]+-[0-9]+' "$tmp/out" | wc -l)" -ne 15 ]; then
	notok "$name" "expected 15 port ranges in the text"
elif ! grep -Eq '^end_user_prefix +240b:10:3f6c:d400::/56$' "$tmp/out"; then
	notok "$name" "wrong end_user_prefix"
elif ! grep -Eq '^br +2404:9200:225:100::64$' "$tmp/out"; then
	notok "$name" "wrong br"
elif [ -s "$tmp/err" ]; then
	notok "$name" "unexpected stderr: $(cat "$tmp/err")"
else
	ok "$name"
fi

# --- v6plus, JSON -----------------------------------------------------------
run -j calc "${V6PLUS[@]}"
cp "$tmp/out" "$tmp/v6plus_compact.json"
if [ $rc -ne 0 ]; then
	notok "calc: v6plus vector, -j" "exit $rc: $(cat "$tmp/err")"
else
	json_check "calc: v6plus vector, -j" '
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
fi

# the long options give the same document as the compact --rule
run -j calc "${V6PLUS_LONG[@]}"
if [ $rc -eq 0 ] && cmp -s "$tmp/out" "$tmp/v6plus_compact.json"; then
	ok "calc: --rule-ipv6/--rule-ipv4/--ea-len/--psid-offset == --rule"
else
	notok "calc: --rule-ipv6/--rule-ipv4/--ea-len/--psid-offset == --rule" \
		"exit $rc, outputs differ: $(diff "$tmp/out" "$tmp/v6plus_compact.json" | head -c 300)"
fi

# RA /64 on a v6plus line: same CE (End-user prefix /56, subnet-id 0)
run -j calc --rule 240b:10::/31,106.72.0.0/15,25,4 --prefix 240b:10:3f6c:d4ab::/64 --legacy-iid
if [ $rc -ne 0 ]; then
	notok "calc: v6plus with an RA /64" "exit $rc: $(cat "$tmp/err")"
else
	json_check "calc: v6plus with an RA /64" '
assert d["ce_ipv6"] == "240b:10:3f6c:d400:6a:483f:6c00:d400", d["ce_ipv6"]
assert d["end_user_prefix"] == "240b:10:3f6c:d400::/56", d["end_user_prefix"]
assert d["br"] is None
'
fi

# --- RFC 7597 Appendix A example 1, text and JSON ---------------------------
run calc "${RFC[@]}"
name="calc: RFC 7597 vector, text output"
if [ $rc -ne 0 ]; then
	notok "$name" "exit $rc: $(cat "$tmp/err")"
elif ! grep -Eq '^ipv4 +192\.0\.2\.18$' "$tmp/out"; then
	notok "$name" "no 'ipv4 192.0.2.18' line"
elif ! grep -Eq '^psid +52 \(0x34\)$' "$tmp/out"; then
	notok "$name" "no 'psid 52 (0x34)' line"
elif ! grep -Eq '^ce_ipv6 +2001:db8:12:3400:0:c000:212:34$' "$tmp/out"; then
	notok "$name" "wrong or missing ce_ipv6 (RFC IID by default)"
elif ! grep -Eq '^ce_ipv6_legacy +2001:db8:12:3400:c0:2:1200:3400$' "$tmp/out"; then
	notok "$name" "wrong or missing ce_ipv6_legacy"
elif ! grep -q '1232-1235 2256-2259' "$tmp/out" || ! grep -q '64720-64723' "$tmp/out"; then
	notok "$name" "ranges 1232-1235 2256-2259 ... 64720-64723 missing"
elif [ "$(grep -Eo '[0-9]+-[0-9]+' "$tmp/out" | wc -l)" -ne 63 ]; then
	notok "$name" "expected 63 port ranges in the text"
elif ! grep -Eq '^br +\(none\)$' "$tmp/out"; then
	notok "$name" "br should be (none)"
else
	ok "$name"
fi

run --json calc "${RFC[@]}"
if [ $rc -ne 0 ]; then
	notok "calc: RFC 7597 vector, -j" "exit $rc: $(cat "$tmp/err")"
else
	json_check "calc: RFC 7597 vector, -j" '
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
fi

# explicit (lw4o6) form, RFC Appendix A example 5 values
run -j calc --ipv4 192.0.2.18 --psid 0x34 --psid-len 8 --prefix 2001:db8:12:3400::/56
if [ $rc -ne 0 ]; then
	notok "calc: explicit form" "exit $rc: $(cat "$tmp/err")"
else
	json_check "calc: explicit form" '
assert d["bmr"] is None and d["psid_offset"] == 6
assert d["ce_ipv6"] == "2001:db8:12:3400:0:c000:212:34", d["ce_ipv6"]
assert d["ports"][0] == [1232, 1235]
'
fi

# --- exit codes ---------------------------------------------------------------
# bad value: exit 1, message naming the value on stderr, nothing on stdout
run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db9:12:3400::/56
if [ $rc -eq 1 ] && grep -q '2001:db9:12:3400::/56' "$tmp/err" && [ ! -s "$tmp/out" ]; then
	ok "calc: prefix outside every rule exits 1 naming it"
else
	notok "calc: prefix outside every rule exits 1 naming it" \
		"exit $rc, stderr '$(cat "$tmp/err")', stdout $(wc -c <"$tmp/out") bytes"
fi

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix 2001:db8:12::/48
if [ $rc -eq 1 ] && grep -q '/48 is shorter than rule /40 + 16 EA bits = /56' "$tmp/err"; then
	ok "calc: too short a prefix exits 1 with the lengths"
else
	notok "calc: too short a prefix exits 1 with the lengths" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6,fmx --prefix 2001:db8:12:3400::/56
if [ $rc -eq 1 ] && grep -q "fmx" "$tmp/err"; then
	ok "calc: bad --rule syntax exits 1 naming the field"
else
	notok "calc: bad --rule syntax exits 1 naming the field" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

# with -j an error is still one JSON document on stdout
run -j calc --rule 2001:db8::/40,192.0.2.0/24,16,16 --prefix 2001:db8:12:3400::/56
if [ $rc -eq 1 ]; then
	json_check "calc: -j error is JSON {\"error\": ...}" '
assert "PSID offset 16" in d["error"], d
'
else
	notok "calc: -j error is JSON {\"error\": ...}" "exit $rc"
fi

# usage errors: exit 2
run calc "${RFC[@]}" --bogus
if [ $rc -eq 2 ] && grep -q -- '--bogus' "$tmp/err"; then
	ok "calc: unknown option exits 2"
else
	notok "calc: unknown option exits 2" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6
if [ $rc -eq 2 ] && grep -q -- '--prefix' "$tmp/err"; then
	ok "calc: missing --prefix exits 2"
else
	notok "calc: missing --prefix exits 2" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

run calc "${RFC[@]}" stray
if [ $rc -eq 2 ] && grep -q "stray" "$tmp/err"; then
	ok "calc: stray argument exits 2"
else
	notok "calc: stray argument exits 2" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

run calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix
if [ $rc -eq 2 ] && grep -q -- "--prefix" "$tmp/err"; then
	ok "calc: option without its value exits 2"
else
	notok "calc: option without its value exits 2" "exit $rc, stderr '$(cat "$tmp/err")'"
fi

run calc
if [ $rc -eq 2 ]; then
	ok "calc: no arguments exits 2"
else
	notok "calc: no arguments exits 2" "exit $rc"
fi

# -h: exit 0, usage on stdout with the OpenWrt names
run calc -h
if [ $rc -eq 0 ] && grep -q -- '--rule-ipv6' "$tmp/out" && grep -q 'ealen' "$tmp/out" &&
	grep -q 'legacymap' "$tmp/out" && grep -q 'peeraddr' "$tmp/out"; then
	ok "calc: -h exits 0 and documents the options"
else
	notok "calc: -h exits 0 and documents the options" "exit $rc"
fi

exit $failed
