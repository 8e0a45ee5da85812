#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_lab_provision.sh - `mapce provision` against a line's HB46PP
# (v6mig-1) service in the lab: a real DNS server (dnsmasq) answering the
# TXT record 4over6.info and the provisioning server's AAAA, and an HTTPS
# server (tests/lab/tools/hb46pp_server.py: python's ssl, with a CA and a
# certificate made here by openssl) answering what the test puts in its
# answer file, and logging what the CE asked from which address.
#
#   CE namespace  WAN 2001:db8:1::100/64, MAC 00:00:5e:00:53:01 (RFC 7042's
#        |        documentation range: a universally administered OUI)
#   ISP namespace 2001:db8:1::53 dnsmasq, ::443 HTTPS (prov.example.net),
#                 ::80 port 8080 plain HTTP
#
# What is checked, from values written out here (the MAP rule's CE
# parameters worked by hand from RFC 7597 §5, not by mapce): the printed
# config, its JSON form, the config's use by `mapce calc`, the query the
# server saw (vendorid, product, version, capability; over IPv6 from the
# WAN's address), a 307 followed, a dslite answer, and the failures: a
# malformed answer, order [], an untrusted certificate, plain http, a
# silent DNS server, no TXT record, a MAC with no vendor in it - each an
# exit status 1, a message naming what is wrong and nothing on stdout.
# Root only; prints tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/harness.sh
. tests/lab/lib/harness.sh
# shellcheck source=lib/mapce.sh
. tests/lab/lib/mapce.sh

ALL=(setup txt_map_e query_seen json_form config_usable url_redirect url_literal dslite
	malformed empty_order untrusted_cert http_refused http_allowed dns_silent no_txt
	txt_over_tcp vendorid_local_mac leaves_nothing)
P="provision: "
ns_preflight dnsmasq openssl "$LAB_PY" || t_skip_all "$NS_WHY" "${ALL[@]/#/$P}"
[ -x "$MAPCE" ] || { t_fail "${P}setup" "$MAPCE not built"; exit 1; }
ns_init tpv
tmp=$NS_TMP
CE=$(ns_name ce)
ISP=$(ns_name isp)
WAN=$(ns_ifname w)
PEER=$(ns_ifname p)
CE_ADDR=2001:db8:1::100
DNS=2001:db8:1::53
WEB=2001:db8:1::443
PLAIN=2001:db8:1::80
SRV=$LAB_TOOLS/hb46pp_server.py

# ---- the lab ------------------------------------------------------------------
t_begin "${P}setup"
{
	ns_create "$CE" && ns_create "$ISP" && ns_veth "$CE" "$WAN" "$ISP" "$PEER" &&
		ns_ip "$CE" link set dev "$WAN" address 00:00:5e:00:53:01 &&
		ns_addr "$CE" "$WAN" "$CE_ADDR/64" &&
		ns_addr "$ISP" "$PEER" 2001:db8:1::1/64 "$DNS/64" "$WEB/64" "$PLAIN/64"
} || t_why "namespaces"
# a CA and the server's certificate (name and address), EC keys: quick
openssl_q() { openssl "$@" >>"$tmp/openssl.log" 2>&1 || t_why "openssl $1: $(tail -n 2 "$tmp/openssl.log")"; }
openssl_q req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj /CN=mapce-lab-ca -keyout "$tmp/ca.key" -out "$tmp/ca.pem"
openssl_q req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-subj /CN=prov.example.net -keyout "$tmp/srv.key" -out "$tmp/srv.csr"
printf 'subjectAltName=DNS:prov.example.net,IP:%s\nbasicConstraints=CA:FALSE\n' "$WEB" >"$tmp/ext"
openssl_q x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
	-CAcreateserial -days 2 -extfile "$tmp/ext" -out "$tmp/srv.pem"

# dnsmasq ARGS...: (re)start the line's DNS server with these records
dnsmasq_start() {
	ns_stop dns
	ns_bg dns "$ISP" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
		--no-hosts --bind-interfaces --listen-address="$DNS" --pid-file= \
		--log-queries --log-facility=- "$@" &&
		ns_wait 10 ns_udp_bound "$ISP" 'sport = :53'
}
TXT="v=v6mig-1 url=https://prov.example.net/config t=b"
# (no quotes around the text: on the command line dnsmasq would keep them)
dnsmasq_start "--txt-record=4over6.info,$TXT" --host-record=prov.example.net,"$WEB" ||
	t_why "dnsmasq did not start: $(tail -n 3 "$tmp/dns.log" 2>/dev/null)"
: >"$tmp/answer.json"
ns_serve web "$ISP" "$LAB_PY" "$SRV" --bind "$WEB" --port 443 --answer "$tmp/answer.json" \
	--log "$tmp/web.jsonl" --cert "$tmp/srv.pem" --key "$tmp/srv.key" ||
	t_why "the HTTPS server did not start"
ns_serve plain "$ISP" "$LAB_PY" "$SRV" --bind "$PLAIN" --port 8080 \
	--answer "$tmp/answer.json" --log "$tmp/plain.jsonl" || t_why "the HTTP server did not start"
ns_reach "$CE" "$DNS" || t_why "the ISP is not reachable from the CE"
t_end
rest=("${ALL[@]:1}")
t_setup_ok "the lab did not come up" "${rest[@]/#/$P}" || exit 1

# ---- helpers ------------------------------------------------------------------
# answer JSON: what the HTTPS (and HTTP) server answers next
answer() { printf '%s\n' "$1" >"$tmp/answer.json"; }
# prov ARGS...: mapce provision in the CE (stdout NS_TMP/out, stderr NS_TMP/err, $rc)
prov() { mapce_cmd "$CE" provision "$@"; }
# failed TEXT: exit 1, TEXT in the message, nothing on stdout
failed() {
	t_note "$T_NAME: $(errtext)"
	[ "$rc" -eq 1 ] || t_why "exit $rc, not 1 (stderr: $(errtext))"
	grep -qF -- "$1" "$NS_TMP/err" || t_why "stderr '$(errtext)' lacks '$1'"
	[ ! -s "$NS_TMP/out" ] || t_why "stdout not empty: $(head -c 200 "$NS_TMP/out")"
}
# prints FILE: exit 0 and stdout exactly FILE
prints() {
	[ "$rc" -eq 0 ] || t_why "exit $rc (stderr: $(errtext))"
	diff -u "$1" "$NS_TMP/out" >"$tmp/diff" ||
		t_why "output differs: $(grep '^[-+][^-+]' "$tmp/diff" | head -n 8 | tr '\n' '|')"
}
requests() { cat "$tmp/web.jsonl" 2>/dev/null | wc -l; }

# The MAP-E service of the lab: rule 2001:db8:100::/40 -> 198.51.100.0/24,
# EA 16 (k = 16 - 8 = 8), offset 4; draft-03 IIDs (version 0); no mesh.
MAP_E='{"enabler_name":"lab VNE","ttl":7200,"token":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
 "order":["464xlat","map_e","dslite"],
 "map_e":{"version":0,"br":"2001:db8:1::64","rules":[{"ipv6":"2001:db8:100::/40","ipv4":"198.51.100.0/24","ea_length":16,"psid_offset":4}]},
 "dslite":{"aftr":"aftr.example.net"},"464xlat":{"nat64prefix":"2001:db8:6::/96"}}'
cat >"$tmp/want_map_e" <<'EOF'
# HB46PP answer of https://prov.example.net/config
# order: 464xlat map_e dslite; mapce runs map_e; ask again in 7200 s
rule 2001:db8:100::/40,198.51.100.0/24,16,4
br 2001:db8:1::64
legacy-iid yes
mesh no
EOF

# ---- the service found through DNS ----------------------------------------------
answer "$MAP_E"
t_begin "${P}txt_map_e"
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
prints "$tmp/want_map_e"
t_end

t_begin "${P}query_seen"
tail -n 1 "$tmp/web.jsonl" >"$tmp/last.json" 2>/dev/null
t_json "$tmp/last.json" "
q = d['query']
assert d['client'] == '$CE_ADDR', d['client']
assert d['path'] == '/config', d['path']
assert q['vendorid'] == ['00005e-mapce'], q
assert q['product'] == ['mapce'], q
assert len(q['version']) == 1 and all(c in '0123456789_' for c in q['version'][0]), q
assert q['capability'] == ['map_e,dslite,lw4o6,ipip,hubspoke,mesh'], q
assert d['user_agent'].startswith('mapce/'), d
"
grep -q "query\[TXT\] 4over6.info from $CE_ADDR" "$tmp/dns.log" ||
	t_why "dnsmasq saw no TXT question from the WAN address"
grep -q "query\[AAAA\] prov.example.net from $CE_ADDR" "$tmp/dns.log" ||
	t_why "the server's name was not asked of the line's DNS"
t_end

t_begin "${P}json_form"
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem" -j
[ "$rc" -eq 0 ] || t_why "exit $rc: $(errtext)"
t_json "$NS_TMP/out" "
assert d['url'] == 'https://prov.example.net/config', d
assert d['order'] == ['464xlat', 'map_e', 'dslite'] and d['service'] == 'map_e', d
assert d['ttl'] == 7200, d
assert d['config'] == {'rule': ['2001:db8:100::/40,198.51.100.0/24,16,4'],
    'br': '2001:db8:1::64', 'legacy_iid': True, 'mesh': False}, d['config']
"
t_end

# The printed lines as mapce options: what a CE on 2001:db8:112:3400::/56
# derives.  RFC 7597 §5 by hand: EA bits = prefix bits 40..55 = 0x1234;
# IPv4 suffix (8 bits) 0x12 -> 198.51.100.18, PSID 0x34 = 52.
t_begin "${P}config_usable"
args=()
while read -r k v; do
	case $k in '#'* | '') continue ;; esac
	case $v in yes) args+=("--$k") ;; no) ;; *) args+=("--$k" "$v") ;; esac
done <"$tmp/want_map_e"
timeout 10 "$MAPCE" -j calc "${args[@]}" --prefix 2001:db8:112:3400::/56 >"$tmp/calc.json" \
	2>"$tmp/calc.err" || t_why "calc ${args[*]}: $(cat "$tmp/calc.err")"
t_json "$tmp/calc.json" "
assert d['ipv4'] == '198.51.100.18' and d['psid'] == 52 and d['psid_offset'] == 4, d
assert d['br'] == '2001:db8:1::64' and d['iid_format'] == 'legacy', d
"
t_end

t_begin "${P}url_redirect"
n0=$(requests)
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem" --url https://prov.example.net/moved
sed 's|^# HB46PP answer of .*|# HB46PP answer of https://prov.example.net/moved|' \
	"$tmp/want_map_e" >"$tmp/want_moved"
prints "$tmp/want_moved"
[ "$(tail -n +$((n0 + 1)) "$tmp/web.jsonl" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["path"] for l in sys.stdin))')" = "/moved /config" ] ||
	t_why "the server did not see /moved then /config"
t_end

t_begin "${P}url_literal"
prov --dns "$DNS" --ca "$tmp/ca.pem" --url "https://[$WEB]/config" --vendorid 00005e-lab
sed "s|^# HB46PP answer of .*|# HB46PP answer of https://[$WEB]/config|" \
	"$tmp/want_map_e" >"$tmp/want_lit"
prints "$tmp/want_lit"
t_end

t_begin "${P}dslite"
answer '{"ttl":86400,"token":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","dslite":{"aftr":"aftr.example.net"},"order":["dslite"]}'
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
printf '%s\n' "# HB46PP answer of https://prov.example.net/config" \
	"# order: dslite; mapce runs dslite; ask again in 86400 s" "mode dslite" \
	"aftr aftr.example.net" >"$tmp/want_dslite"
prints "$tmp/want_dslite"
t_end

# ---- what must fail, and print no config ------------------------------------------
t_begin "${P}malformed"
answer "${MAP_E/\"ea_length\":16/\"ea_length\":\"16\"}"
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
failed "map_e.rules[0].ea_length: a number (integer) expected, not string"
t_end

t_begin "${P}empty_order"
answer '{"ttl":3600,"order":[]}'
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
failed "no service for this line (order: [])"
t_end

t_begin "${P}untrusted_cert"
answer "$MAP_E"
n0=$(requests)
prov --wan "$WAN" --dns "$DNS" # the system's CAs: the lab CA is not among them
failed "https://prov.example.net/config?vendorid="
grep -qi "certificate" "$NS_TMP/err" || t_why "no word of the certificate: $(errtext)"
[ "$(requests)" -eq "$n0" ] || t_why "a request reached the server over an unverified TLS"
t_end

t_begin "${P}http_refused"
prov --wan "$WAN" --dns "$DNS" --url "http://[$PLAIN]:8080/config"
failed "plain http refused"
[ ! -s "$tmp/plain.jsonl" ] || t_why "the plain server was asked"
t_end

t_begin "${P}http_allowed"
prov --wan "$WAN" --dns "$DNS" --url "http://[$PLAIN]:8080/config" --allow-http
sed "s|^# HB46PP answer of .*|# HB46PP answer of http://[$PLAIN]:8080/config|" \
	"$tmp/want_map_e" >"$tmp/want_plain"
prints "$tmp/want_plain"
t_end

t_begin "${P}dns_silent"
t0=$SECONDS
prov --wan "$WAN" --dns 2001:db8:1::54 --ca "$tmp/ca.pem"
failed "TXT 4over6.info: no answer from 2001:db8:1::54"
[ $((SECONDS - t0)) -le 15 ] || t_why "took $((SECONDS - t0)) s (bounded at 2 x 2 s)"
t_end

t_begin "${P}no_txt"
dnsmasq_start --local=/4over6.info/ --host-record=prov.example.net,"$WEB" ||
	t_why "dnsmasq did not restart"
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
failed "no HB46PP server on this line"
grep -qF "from $DNS" "$NS_TMP/err" || t_why "the message does not name the server: $(errtext)"
t_end

# A record over 512 bytes in two character-strings (dnsmasq splits its
# value at commas): the UDP answer comes truncated (no EDNS0 in the
# question), the resolver asks again over TCP; the strings are joined.
t_begin "${P}txt_over_tcp"
pad_a=$(printf 'a%.0s' $(seq 250))
pad_b=$(printf 'b%.0s' $(seq 250))
dnsmasq_start "--txt-record=4over6.info,v=v6mig-1 url=https://prov.example.net/config?pad=$pad_a,$pad_b t=b" \
	--host-record=prov.example.net,"$WEB" || t_why "dnsmasq did not restart"
n0=$(requests)
ns_tcpdump tcp53 "$ISP" 20 -i "$PEER" -n -l -c 1 "tcp dst port 53" ||
	t_why "tcpdump did not start"
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
[ "$rc" -eq 0 ] || t_why "exit $rc: $(errtext)"
ns_wait 5 grep -q "$CE_ADDR\.[0-9]* > $DNS\.53" "$tmp/tcp53.log" ||
	t_why "no TCP connection to the DNS server: $(tail -n 2 "$tmp/tcp53.log")"
ns_stop tcp53
grep -qF "# HB46PP answer of https://prov.example.net/config?pad=$pad_a$pad_b" "$NS_TMP/out" ||
	t_why "not the long URL: $(head -n 1 "$NS_TMP/out")"
grep -qF "\"pad\": [\"$pad_a$pad_b\"]" <<<"$(tail -n +$((n0 + 1)) "$tmp/web.jsonl")" ||
	t_why "the server did not see the whole pad"
t_end

t_begin "${P}vendorid_local_mac"
ns_ip "$CE" link set dev "$WAN" address 02:00:5e:00:53:01
prov --wan "$WAN" --dns "$DNS" --ca "$tmp/ca.pem"
failed "locally administered"
grep -qF -- "--vendorid" "$NS_TMP/err" || t_why "no hint of --vendorid: $(errtext)"
t_end

t_begin "${P}leaves_nothing"
# provision only prints: no pins, no state files for the WAN
p=$(mapce_pins ce "$WAN" "$CE")
[ ! -e "$p" ] || t_why "pins left: $p"
mapce_state ce "$WAN" "$CE" >"$tmp/state" 2>/dev/null
[ ! -s "$tmp/state" ] || t_why "state files left: $(head -c 300 "$tmp/state")"
t_end
t_exit
