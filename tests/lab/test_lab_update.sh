#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The update call (the registration fixed-IPv4 services want from the
# tunnel's local address) against an update server on the ISP side of the
# lab (tests/lab/tools/update_server.py: plain HTTP, independent of
# mapce's code), which records the method, path and query, the Basic
# auth credentials and the client's source address of every request.
# The tunnel's local address is cfg.ce_ipv6 (here the MAP address).
#
#   update_cli             a password (or any update key) on the command
#                          line: exit 2 naming the key, not the value;
#                          an http:// URL without update-insecure: exit 1
#                          naming the URL, nothing brought up
#   update_up_call         `mapce up` with {user}/{password} in the URL:
#                          one GET from the MAP address with the values
#                          percent-encoded; status (text and -j) shows
#                          the try, code 200, the address, the last
#                          success; up's message has no password
#   update_https_ca        an https:// URL (a lab CA made by openssl, the
#                          server's certificate for its address): without
#                          update-ca the certificate is refused (status
#                          says why, nothing reached the server); with
#                          update-ca FILE the call goes through, from the
#                          MAP address
#   update_up_failure      the server answers 500: up stays up (exit 0),
#                          says the failure, status shows code 500 and the
#                          earlier success kept; down removes the record
#   update_run_basic       `mapce run`, no placeholders: the credentials
#                          as HTTP Basic auth, from the MAP address
#   update_run_prefix      the WAN's prefix replaced: the call again, from
#                          the new MAP address; status shows it
#   update_run_retry       the server fails (500) for a while: run retries
#                          with backoff (update-retry-min 1: 1 s, 2 s,
#                          4 s, ...), logs each failure, and once the
#                          server is back the retry succeeds; status goes
#                          from failures N to ok
#   update_run_ipip6       the same in --mode ipip6 (tunnel address = the
#                          WAN /64 + iid ::feed): the call from that
#                          address at start, and from the new one after
#                          the WAN prefix is replaced again
#   update_no_password     the password (raw, percent-encoded, base64 of
#                          user:password) is in no log, status or
#                          /run/mapce file
#   update_teardown        SIGTERM: run exits 0, nothing left
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/lab.sh
. tests/lab/lib/lab.sh
# shellcheck source=lib/run.sh
. tests/lab/lib/run.sh

ALL_CASES=(update_cli update_up_call update_https_ca update_up_failure update_run_basic update_run_prefix
	update_run_retry update_run_ipip6 update_no_password update_teardown)
WAIT=${UPDATE_WAIT:-15} # seconds a case waits for a call to arrive
LAB_START_SERVERS=0     # no IPv4 servers: the call is native IPv6
T=60

run_lab_up "${ALL_CASES[@]}"

ce() { NS_T=$T ns_nsenter "$LAB_NS_CE" "$@"; }
SRV_PORT=8087
SRV_URL="http://[$LAB_ISP_BR_IP6]:$SRV_PORT"
SRV_LOG=$LAB_DIR/update-requests.jsonl
FAIL=$LAB_DIR/update-fail # while it exists the server answers 500
CONF=$LAB_DIR/update.conf
RUNLOG=$LAB_DIR/update-run.log
USER_NAME='lab.user@example'
PASS='p&ss:w0rd/Zq9+'
PASS_ENC='p%26ss%3Aw0rd%2FZq9%2B'
PASS_B64=$(printf '%s:%s' "$USER_NAME" "$PASS" | base64 -w0)
NEW_ISP_IP6=2001:db8:56:5600::ffff
NEW_WAN_IP6=2001:db8:56:5600::1
NEW_MAP_IPV6=2001:db8:56:5600:c6:3364:5600:5600
IPIP6_CONF=$LAB_DIR/update-ipip6.conf
IPIP6_TUN1=2001:db8:56:5600::feed # NEW_WAN_IP6's /64 + the iid
IPIP6_ISP2=2001:db8:57:5700::ffff
IPIP6_WAN2=2001:db8:57:5700::1
IPIP6_TUN2=2001:db8:57:5700::feed
RUN_PID=

cleanup() {
	run_stop
	ns_stop update_tls
	ns_stop update_srv
	lab_down
}
trap cleanup EXIT

: >"$SRV_LOG"
ns_serve update_srv "$LAB_NS_ISP" "$LAB_PY" "$LAB_TOOLS/update_server.py" \
	--listen "[::]:$SRV_PORT" --log "$SRV_LOG" --fail-file "$FAIL" ||
	t_skip_all "the update server did not start" "${ALL_CASES[@]}"

# conf EXTRA-LINES...: the lab's CE config and the given lines
conf() {
	{
		echo "wan $LAB_IF_WAN"
		lab_rule_config
		printf '%s\n' "$@"
	} >"$CONF"
	chmod 600 "$CONF"
}

# req_in LOG N EXPR: python EXPR on the Nth request a server logged in LOG
# (r; 1 the first, -1 the last), printed; empty when there is none.
# req N EXPR: the same of the plain server's log.
req_in() {
	python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
r = rs[n - 1 if n > 0 else n] if rs and abs(n) <= len(rs) else None
print(eval(sys.argv[3]) if r else "")' "$1" "$2" "$3" 2>/dev/null
}
req() { req_in "$SRV_LOG" "$@"; }
n_reqs() { grep -c . "$SRV_LOG"; }
reqs_above() { [ "$(n_reqs)" -gt "$1" ]; }

status_json() { ce "$MAPCE" -j status --wan "$LAB_IF_WAN" >"$1" 2>&1; }
status_is() { status_json "$LAB_DIR/st" && [ "$(js "$LAB_DIR/st" "bool($1)")" = True ]; }
log_has() { grep -qE -- "$1" "$RUNLOG"; }
log_has_text() { grep -qF -- "$1" "$RUNLOG"; }

# ---- update_cli -----------------------------------------------------------
t_begin update_cli
for cmd in up run; do
	ce "$MAPCE" "$cmd" --wan "$LAB_IF_WAN" "${LAB_RULE_ARGS[@]}" --update-password "$PASS" \
		>"$LAB_DIR/out" 2>"$LAB_DIR/err"
	rc=$?
	[ $rc -eq 2 ] || t_why "$cmd --update-password: exit $rc, not 2"
	grep -q -- "--update-password is a config file key only" "$LAB_DIR/err" ||
		t_why "$cmd: $(head -c 300 "$LAB_DIR/err")"
	grep -qF "$PASS" "$LAB_DIR/err" "$LAB_DIR/out" && t_why "$cmd: the password echoed"
done
conf "update-url $SRV_URL/update?user={user}" "update-user bob"
ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/out" 2>"$LAB_DIR/err"
rc=$?
[ $rc -eq 1 ] && grep -qF "$CONF:" "$LAB_DIR/err" &&
	grep -qF "update-url '$SRV_URL/update?user={user}': plain http refused" "$LAB_DIR/err" ||
	t_why "http without update-insecure: exit $rc: $(head -c 300 "$LAB_DIR/err")"
[ -e "$LAB_CE_PIN" ] && t_why "a refused up left its pins"
[ "$(n_reqs)" = 0 ] || t_why "a refused up called the server"
t_end

# ---- update_up_call -------------------------------------------------------
t_begin update_up_call
conf "update-url $SRV_URL/update?user={user}&pass={password}" "update-insecure yes" \
	"update-user $USER_NAME" "update-password $PASS"
ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/up.out" 2>"$LAB_DIR/up.err"
rc=$?
[ $rc -eq 0 ] || t_why "up: exit $rc: $(head -c 300 "$LAB_DIR/up.err")"
ns_wait "$WAIT" reqs_above 0 || t_why "no request reached the server"
[ "$(req 1 "r['src']")" = "$LAB_MAP_IPV6" ] || t_why "from $(req 1 "r['src']"), not $LAB_MAP_IPV6"
[ "$(req 1 "r['method'] + ' ' + r['path']")" = "GET /update" ] || t_why "request: $(req 1 r)"
[ "$(req 1 "r['query']['user'] == ['$USER_NAME'] and r['query']['pass'] == ['$PASS']")" = True ] ||
	t_why "credentials: $(req 1 "r['query']")"
[ "$(req 1 "r['raw_query']")" = "user=lab.user%40example&pass=$PASS_ENC" ] ||
	t_why "not percent-encoded as RFC 3986 says: $(req 1 "r['raw_query']")"
[ "$(req 1 "r['basic_user']")" = None ] || t_why "Basic auth sent besides: $(req 1 r)"
grep -q "update call .*pass=\*\*\*\* from $LAB_MAP_IPV6: HTTP 200: OK $LAB_MAP_IPV6" "$LAB_DIR/up.err" ||
	t_why "up's message: $(head -c 300 "$LAB_DIR/up.err")"
status_json "$LAB_DIR/st"
[ "$(js "$LAB_DIR/st" "w['update']['ok'] and w['update']['code'] == 200 and w['update']['address'] == '$LAB_MAP_IPV6' and w['update']['success_address'] == '$LAB_MAP_IPV6' and w['update']['failures'] == 0 and w['update']['last_try_age_s'] < 60")" = True ] ||
	t_why "status -j: $(js "$LAB_DIR/st" "w.get('update')")"
ce "$MAPCE" status --wan "$LAB_IF_WAN" >"$LAB_DIR/st.txt" 2>&1
grep -qE "^    last try   [0-9T:-]+Z \([0-9]+s ago\) from $LAB_MAP_IPV6: HTTP 200: OK" "$LAB_DIR/st.txt" &&
	grep -qE "^    last ok    [0-9T:-]+Z" "$LAB_DIR/st.txt" ||
	t_why "status text: $(grep -A3 update "$LAB_DIR/st.txt")"
t_end

# ---- update_https_ca ------------------------------------------------------
TLS_LOG=$LAB_DIR/update-tls.jsonl
: >"$TLS_LOG"
ossl() { openssl "$@" >>"$LAB_DIR/openssl.log" 2>&1; }
if ! command -v openssl >/dev/null; then
	t_skip update_https_ca "no openssl to make the lab CA"
else
	t_begin update_https_ca
	if ! { ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=mapce-update-lab-ca -keyout "$LAB_DIR/ca.key" -out "$LAB_DIR/ca.pem" &&
		ossl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=update.lab \
			-keyout "$LAB_DIR/srv.key" -out "$LAB_DIR/srv.csr" &&
		printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\n' "$LAB_ISP_BR_IP6" >"$LAB_DIR/ext" &&
		ossl x509 -req -in "$LAB_DIR/srv.csr" -CA "$LAB_DIR/ca.pem" -CAkey "$LAB_DIR/ca.key" \
			-CAcreateserial -days 2 -extfile "$LAB_DIR/ext" -out "$LAB_DIR/srv.pem"; }; then
		t_why "openssl: $(tail -n 2 "$LAB_DIR/openssl.log")"
	elif ! ns_serve update_tls "$LAB_NS_ISP" "$LAB_PY" "$LAB_TOOLS/update_server.py" \
		--listen "[::]:8443" --log "$TLS_LOG" --cert "$LAB_DIR/srv.pem" --key "$LAB_DIR/srv.key"; then
		t_why "the TLS update server did not start"
	else
		tls_url="https://[$LAB_ISP_BR_IP6]:8443/update"
		conf "update-url $tls_url" "update-user $USER_NAME" "update-password $PASS"
		ce "$MAPCE" up --config "$CONF" >/dev/null 2>"$LAB_DIR/tls1.err"
		rc=$?
		[ $rc -eq 0 ] || t_why "up (no CA): exit $rc"
		grep -q certificate <<<"$(grep -F "update call $tls_url from $LAB_MAP_IPV6 failed: " "$LAB_DIR/tls1.err")" ||
			t_why "no certificate failure said: $(head -c 300 "$LAB_DIR/tls1.err")"
		[ -s "$TLS_LOG" ] && t_why "a request got through an unverified certificate"
		status_json "$LAB_DIR/st"
		[ "$(js "$LAB_DIR/st" "w['update']['code'] is None and 'certificate' in w['update']['error']")" = True ] ||
			t_why "status: $(js "$LAB_DIR/st" "w.get('update')")"
		conf "update-url $tls_url" "update-user $USER_NAME" "update-password $PASS" \
			"update-ca $LAB_DIR/ca.pem"
		ce "$MAPCE" up --config "$CONF" >/dev/null 2>"$LAB_DIR/tls2.err"
		grep -qF "update call $tls_url from $LAB_MAP_IPV6: HTTP 200: OK $LAB_MAP_IPV6" "$LAB_DIR/tls2.err" ||
			t_why "with update-ca: $(head -c 300 "$LAB_DIR/tls2.err")"
		[ "$(req_in "$TLS_LOG" -1 "r['src'] == '$LAB_MAP_IPV6' and r['basic_user'] == '$USER_NAME' and r['basic_pass'] == '$PASS'")" = True ] ||
			t_why "the TLS server saw: $(tail -n 1 "$TLS_LOG")"
		ns_stop update_tls
		# back to the plain server for the cases below
		conf "update-url $SRV_URL/update?user={user}&pass={password}" "update-insecure yes" \
			"update-user $USER_NAME" "update-password $PASS"
	fi
	t_end
fi

# ---- update_up_failure ----------------------------------------------------
t_begin update_up_failure
touch "$FAIL"
n0=$(n_reqs)
ce "$MAPCE" up --config "$CONF" >"$LAB_DIR/up2.out" 2>"$LAB_DIR/up2.err"
rc=$?
[ $rc -eq 0 ] || t_why "up with a failing server: exit $rc (the CE is up: 0 wanted)"
reqs_above "$n0" || t_why "no second request"
[ "$(req -1 "r['code']")" = 500 ] || t_why "the server's answer: $(req -1 r)"
grep -q "HTTP 500: outage (up stays up; 'mapce run' retries)" "$LAB_DIR/up2.err" ||
	t_why "up's message: $(head -c 300 "$LAB_DIR/up2.err")"
status_json "$LAB_DIR/st"
[ "$(js "$LAB_DIR/st" "not w['update']['ok'] and w['update']['code'] == 500 and w['update']['failures'] == 1 and w['update']['last_success'] is not None")" = True ] ||
	t_why "status -j: $(js "$LAB_DIR/st" "w.get('update')")"
rm -f "$FAIL"
ce "$MAPCE" down --wan "$LAB_IF_WAN" >/dev/null 2>&1 || t_why "down failed"
[ -z "$(mapce_state ce "$LAB_IF_WAN" | grep '\.update$')" ] || t_why "down left the update record"
t_end

# ---- update_run_basic -----------------------------------------------------
t_begin update_run_basic
conf "update-url $SRV_URL/nic/update" "update-insecure yes" "update-user $USER_NAME" \
	"update-password $PASS" "update-retry-min 1"
: >"$RUNLOG"
n0=$(n_reqs)
run_start "$CONF" "$RUNLOG"
ns_wait "$WAIT" reqs_above "$n0" || t_why "no request after run started: $(tail -n 3 "$RUNLOG")"
[ "$(req -1 "r['src']")" = "$LAB_MAP_IPV6" ] || t_why "from $(req -1 "r['src']")"
[ "$(req -1 "r['path'] + '?' + r['raw_query']")" = "/nic/update?" ] || t_why "request: $(req -1 r)"
[ "$(req -1 "r['basic_user'] == '$USER_NAME' and r['basic_pass'] == '$PASS'")" = True ] ||
	t_why "Basic auth: $(req -1 "(r['basic_user'], r['basic_pass'])")"
ns_wait "$WAIT" log_has_text " $LAB_IF_WAN update $SRV_URL/nic/update from $LAB_MAP_IPV6: HTTP 200: OK $LAB_MAP_IPV6" ||
	t_why "run's log: $(tail -n 3 "$RUNLOG")"
t_end

# ---- update_run_prefix ----------------------------------------------------
t_begin update_run_prefix
n0=$(n_reqs)
ns_ip "$LAB_NS_ISP" -6 addr add "$NEW_ISP_IP6/64" dev "$LAB_IF_ISP_CE" nodad
ce ip -6 addr add "$NEW_WAN_IP6/64" dev "$LAB_IF_WAN" nodad
ce ip -6 route replace default via "$NEW_ISP_IP6" dev "$LAB_IF_WAN"
ce ip -6 addr del "$LAB_CE_WAN_IP6/64" dev "$LAB_IF_WAN"
t0=$SECONDS
ns_wait "$WAIT" reqs_above "$n0" || t_why "no call after the prefix change: $(tail -n 3 "$RUNLOG")"
t_note "the call $((SECONDS - t0))s after the new prefix"
[ "$(req -1 "r['src']")" = "$NEW_MAP_IPV6" ] || t_why "from $(req -1 "r['src']"), not $NEW_MAP_IPV6"
[ "$(req -1 "r['basic_user'] == '$USER_NAME' and r['basic_pass'] == '$PASS'")" = True ] ||
	t_why "Basic auth: $(req -1 "(r['basic_user'], r['basic_pass'])")"
ns_wait "$WAIT" status_is "w['update']['ok'] and w['update']['success_address'] == '$NEW_MAP_IPV6'" ||
	t_why "status: $(js "$LAB_DIR/st" "w.get('update')")"
t_end

# ---- update_run_retry -----------------------------------------------------
t_begin update_run_retry
touch "$FAIL"
n0=$(n_reqs)
# another user in the file, SIGHUP: the changed keys ask again (and fail)
sed -i "s/^update-user .*/update-user second/" "$CONF"
# the pid of mapce itself (timeout's child) takes the SIGHUP
kill -HUP "$(cat "$(mapce_run_dir "$LAB_NS_CE")/$LAB_IF_WAN.pid")" 2>/dev/null
ns_wait "$WAIT" reqs_above "$((n0 + 2))" || t_why "fewer than 3 tries: $(n_reqs) - $n0"
ns_wait "$WAIT" status_is "not w['update']['ok'] and w['update']['failures'] >= 2 and w['update']['code'] == 500 and w['update']['next_try'] is not None" ||
	t_why "status while failing: $(js "$LAB_DIR/st" "w.get('update')")"
log_has "update .* HTTP 500: outage \(failure 1 in a row: tried again in 1 s\)" &&
	log_has "\(failure 2 in a row: tried again in 2 s\)" || t_why "the retries not logged: $(tail -n 3 "$RUNLOG")"
# the tries' times: each gap at least the backoff before it (1 s, 2 s)
[ "$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()][int(sys.argv[2]):]
t = [r["time"] for r in rs]
print(len(t) >= 3 and t[1] - t[0] >= 0.9 and t[2] - t[1] >= 1.9)' "$SRV_LOG" "$n0")" = True ] ||
	t_why "no backoff between the tries"
rm -f "$FAIL"
ns_wait 20 status_is "w['update']['ok'] and w['update']['failures'] == 0" ||
	t_why "no success once the server is back: $(js "$LAB_DIR/st" "w.get('update')")"
[ "$(req -1 "r['code'] == 200 and r['basic_user'] == 'second' and r['src'] == '$NEW_MAP_IPV6'")" = True ] ||
	t_why "the last request: $(req -1 r)"
t_end

# ---- update_run_ipip6 -----------------------------------------------------
# The fixed-address mode the update call exists for: its tunnel address is
# the WAN /64 + the configured IID, so a new prefix is a new address.
t_begin update_run_ipip6
run_stop
[ "$RUN_RC" = 0 ] || t_why "the map-e run exited $RUN_RC"
{
	echo "wan $LAB_IF_WAN"
	printf '%s\n' "mode ipip6" "ipv4 198.51.100.77" "br $LAB_BR_IP6" "iid ::feed" \
		"update-url $SRV_URL/fixed?user={user}&pass={password}" "update-insecure yes" \
		"update-user fixed" "update-password $PASS" "update-retry-min 1"
} >"$IPIP6_CONF"
chmod 600 "$IPIP6_CONF"
n0=$(n_reqs)
run_start "$IPIP6_CONF" "$RUNLOG"
if ! ns_wait "$WAIT" reqs_above "$n0"; then
	t_why "no call after the ipip6 run started: $(tail -n 3 "$RUNLOG")"
else
	[ "$(req -1 "r['src']")" = "$IPIP6_TUN1" ] || t_why "from $(req -1 "r['src']"), not $IPIP6_TUN1"
	[ "$(req -1 "r['path'] == '/fixed' and r['query'] == {'user': ['fixed'], 'pass': ['$PASS']}")" = True ] ||
		t_why "request: $(req -1 r)"
	n0=$(n_reqs)
	ns_ip "$LAB_NS_ISP" -6 addr add "$IPIP6_ISP2/64" dev "$LAB_IF_ISP_CE" nodad
	ce ip -6 addr add "$IPIP6_WAN2/64" dev "$LAB_IF_WAN" nodad
	ce ip -6 route replace default via "$IPIP6_ISP2" dev "$LAB_IF_WAN"
	ce ip -6 addr del "$NEW_WAN_IP6/64" dev "$LAB_IF_WAN"
	ns_wait "$WAIT" reqs_above "$n0" || t_why "no call after the prefix change: $(tail -n 3 "$RUNLOG")"
	[ "$(req -1 "r['src']")" = "$IPIP6_TUN2" ] || t_why "from $(req -1 "r['src']"), not $IPIP6_TUN2"
	ns_wait "$WAIT" status_is "w['update']['ok'] and w['update']['success_address'] == '$IPIP6_TUN2'" ||
		t_why "status: $(js "$LAB_DIR/st" "w.get('update')")"
fi
t_end

# ---- update_no_password ---------------------------------------------------
t_begin update_no_password
status_json "$LAB_DIR/st"
ce "$MAPCE" status --wan "$LAB_IF_WAN" >"$LAB_DIR/st.txt" 2>&1
files=("$RUNLOG" "$LAB_DIR/st" "$LAB_DIR/st.txt" "$LAB_DIR"/up*.err "$LAB_DIR"/up*.out "$LAB_DIR"/tls*.err
	"$(mapce_run_dir "$LAB_NS_CE")"/*)
for s in "$PASS" "$PASS_ENC" "$PASS_B64"; do
	hit=$(grep -lF -- "$s" "${files[@]}" 2>/dev/null)
	[ -z "$hit" ] || t_why "'$s' found in: $hit"
done
grep -q '\*\*\*\*' "$LAB_DIR"/up.err || t_why "the hidden password not marked in up's message"
t_end

# ---- update_teardown ------------------------------------------------------
t_begin update_teardown
run_stop
[ "$RUN_RC" = 0 ] || t_why "run exited $RUN_RC"
res=$(mapce_state ce "$LAB_IF_WAN")
[ -z "$res" ] || t_why "left: $(tr '\n' ' ' <<<"$res")"
t_end
