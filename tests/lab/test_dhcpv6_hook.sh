#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# test_dhcpv6_hook.sh - scripts/mapce-dhcpv6-hook's contract, run as a
# DHCPv6 client's script runs it (the environment of a reason) without a
# client: the file it writes from dhcpcd's and dhclient's ways of giving
# the bytes, option 96, bad values (refused, named, nothing written),
# reasons it ignores, removal, whom it signals (only mapce, only on a
# change), its settings, being sourced (it must not exit the client's
# script nor leave names behind), and action=up against a stand-in mapce
# that records its arguments.  (With a real Kea and dhcpcd:
# test_lab_dhcpv6.sh.)  Root (it writes /run/mapce); prints
# tests/harness.h lines.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/harness.sh
. tests/lab/lib/harness.sh

HOOK=$PWD/scripts/mapce-dhcpv6-hook
BIN=${OUTPUT:-build}/mapce # the real mapce reads what the hook wrote
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
ALL=(plain_hex colon_hex lw4o6 aftr_name bad_hex bad_interface other_reasons no_option_drops
	tells_only_mapce settings sourced up_mode)
if [ "$(id -u)" -ne 0 ]; then
	t_skip_all "needs root (writes /run/mapce)" "${ALL[@]/#/dhcpv6_hook: }"
fi
tmp=$(mktemp -d /tmp/thk.XXXXXX)
IF=thk$$a IF2=thk$$b # unique to this run
F=/run/mapce/$IF.dhcpv6
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -f /run/mapce/"$IF".* /run/mapce/"$IF2".* /run/mapce/."$IF".* /run/mapce/."$IF2".*
	rm -rf "$tmp"
}
trap cleanup EXIT
export MAPCE_HOOK_CONF=$tmp/hook.conf # none yet: the defaults

# option 94 as Kea sent it in test_lab_dhcpv6.sh: one rule (F) with its
# port parameters, the BR
P=00590015011018c63364002820010db800005d000404000000005a001020010db8ffff00000000000000000064
WANT=005e002d$P
COLON=0:59:0:15:1:10:18:c6:33:64:0:28:20:1:d:b8:0:0:5d:0:4:4:0:0:0:0:5a:0:10:20:1:d:b8:ff:ff:0:0:0:0:0:0:0:0:0:64

# hook VAR=VALUE...: the hook run directly with only these client
# variables; stderr in $tmp/err, status in $rc (10 s at most)
hook() {
	env -u new_dhcp6_s46_cont_mape -u new_dhcp6_s46_cont_lw -u new_dhcp6_aftr_name "$@" timeout 10 "$HOOK" 2>"$tmp/err"
	rc=$?
}
file_is() { # WANT: the file holds exactly WANT
	local got
	got=$(cat "$F" 2>/dev/null) || { t_why "no $F"; return; }
	[ "$got" = "$1" ] || t_why "$F is '$got', not '$1'"
}

t_begin "dhcpv6_hook: plain_hex"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
[ $rc -eq 0 ] || t_why "exit $rc: $(cat "$tmp/err")"
file_is "$WANT"
[ "$(stat -c %a "$F" 2>/dev/null)" = 600 ] || t_why "mode $(stat -c %a "$F" 2>/dev/null), not 600"
[ "$(wc -c <"$F" 2>/dev/null)" -eq ${#WANT} ] || t_why "not ${#WANT} bytes (a newline?)"
t_end

t_begin "dhcpv6_hook: colon_hex"
rm -f "$F"
hook reason=REBIND6 interface="$IF" new_dhcp6_s46_cont_mape="$COLON"
[ $rc -eq 0 ] || t_why "dhclient's colon hex: exit $rc: $(cat "$tmp/err")"
file_is "$WANT"
rm -f "$F"
hook reason=REBOOT6 interface="$IF" new_dhcp6_s46_cont_mape="0X${P^^}"
[ $rc -eq 0 ] || t_why "0X and capitals: exit $rc: $(cat "$tmp/err")"
file_is "$WANT"
t_end

t_begin "dhcpv6_hook: lw4o6"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_lw=0a0b0c0d
file_is 006000040a0b0c0d
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_lw=0a0b0c0d new_dhcp6_s46_cont_mape="$P"
file_is "$WANT" # MAP-E first
t_end

# option 64 as dhcpcd decodes it (a name): back to RFC 6334's wire form,
# 0040 0012 04 "aftr" 07 "example" 03 "net" 00
t_begin "dhcpv6_hook: aftr_name"
A64=004000120461667472076578616d706c65036e657400
hook reason=BOUND6 interface="$IF" new_dhcp6_aftr_name=aftr.example.net
[ $rc -eq 0 ] || t_why "exit $rc: $(cat "$tmp/err")"
file_is $A64
hook reason=RENEW6 interface="$IF" new_dhcp6_aftr_name=aftr.example.net.
file_is $A64 # a trailing dot: the same name
# (calc takes MAP rules: it refuses option 64, naming the name it read)
out=$("$BIN" calc --dhcpv6-option "$(cat "$F")" 2>&1)
grep -q "OPTION_AFTR_NAME, the AFTR aftr.example.net" <<<"$out" ||
	t_why "mapce does not read the file as option 64: $out"
for bad in 'a..b' 'a_b.net' 'aftr example'; do
	hook reason=RENEW6 interface="$IF" new_dhcp6_aftr_name="$bad"
	[ $rc -eq 1 ] || t_why "'$bad': exit $rc, not 1"
	grep -qF "$IF: option 64 is not a DNS name: '$bad'" "$tmp/err" ||
		t_why "'$bad': message '$(cat "$tmp/err")'"
done
file_is $A64 # the last good one stays
hook reason=BOUND6 interface="$IF" new_dhcp6_aftr_name=aftr.example.net new_dhcp6_s46_cont_mape="$P"
file_is "$WANT" # MAP-E first
t_end

t_begin "dhcpv6_hook: bad_hex"
for bad in 0:59:zz 005 '00 5g' 0:159 '0x' 'x'; do
	hook reason=RENEW6 interface="$IF" new_dhcp6_s46_cont_mape="$bad"
	[ $rc -eq 1 ] || t_why "'$bad': exit $rc, not 1"
	grep -qF "$IF: option 94 is not hex: '$bad'" "$tmp/err" || t_why "'$bad': message '$(cat "$tmp/err")'"
done
file_is "$WANT" # the last good one stays
for f in /run/mapce/."$IF".*; do [ -e "$f" ] && t_why "a temporary file is left: $f"; done
t_end

t_begin "dhcpv6_hook: bad_interface"
for bad in ../x a/b 'a b' thisnameistoolong ''; do
	hook reason=BOUND6 interface="$bad" new_dhcp6_s46_cont_mape="$P"
	[ $rc -eq 1 ] || t_why "'$bad': exit $rc, not 1"
	grep -qF "bad interface name '$bad'" "$tmp/err" || t_why "'$bad': message '$(cat "$tmp/err")'"
done
[ -e /run/x.dhcpv6 ] && t_why "wrote /run/x.dhcpv6"
t_end

t_begin "dhcpv6_hook: other_reasons"
for r in BOUND RENEW PREINIT CARRIER ROUTERADVERT DELEGATED6 DEPREF6 TEST; do
	hook reason=$r interface="$IF2" new_dhcp6_s46_cont_mape="$P"
	[ $rc -eq 0 ] || t_why "$r: exit $rc"
	[ -s "$tmp/err" ] && t_why "$r: said '$(cat "$tmp/err")'"
done
[ -e "/run/mapce/$IF2.dhcpv6" ] && t_why "wrote a file for a reason that is not a DHCPv6 lease"
t_end

t_begin "dhcpv6_hook: no_option_drops"
hook reason=RENEW6 interface="$IF"
[ $rc -eq 0 ] || t_why "exit $rc: $(cat "$tmp/err")"
[ -e "$F" ] && t_why "a lease without the option left the file"
for r in EXPIRE6 RELEASE6 STOP6 DEPARTED; do
	hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
	hook reason=$r interface="$IF"
	[ $rc -eq 0 ] || t_why "$r: exit $rc"
	[ -e "$F" ] && t_why "$r left the file"
done
t_end

# stand-ins that count SIGHUPs: one is called mapce (as `mapce run` is),
# the other not; each makes FILE.ready once its trap is set; 30 s at most
mkdir -p "$tmp/a" "$tmp/b"
for n in a/mapce b/other; do
	cat >"$tmp/$n" <<'EOF'
#!/bin/sh
trap 'echo hup >>"$1"' HUP
: >"$1.ready"
i=0
while [ $i -lt 300 ]; do sleep 0.1 & wait $!; i=$((i + 1)); done
EOF
	chmod 0755 "$tmp/$n"
done
"$tmp/a/mapce" "$tmp/hups.mapce" & PIDS+=($!)
"$tmp/b/other" "$tmp/hups.other" & PIDS+=($!)
hups() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
hups_are() { [ "$(hups "$1")" -eq "$2" ]; }
wait_hups() { # FILE N: N lines within 3 s
	for _ in $(seq 30); do
		hups_are "$1" "$2" && return 0
		sleep 0.1
	done
	hups_are "$1" "$2"
}

t_begin "dhcpv6_hook: tells_only_mapce"
for _ in $(seq 50); do # (the stand-ins' traps are set: 5 s at most)
	[ -e "$tmp/hups.mapce.ready" ] && [ -e "$tmp/hups.other.ready" ] && break
	sleep 0.1
done
echo "${PIDS[0]}" >"/run/mapce/$IF.pid"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
wait_hups "$tmp/hups.mapce" 1 || t_why "new option: mapce got $(hups "$tmp/hups.mapce") SIGHUPs, not 1"
hook reason=RENEW6 interface="$IF" new_dhcp6_s46_cont_mape="$COLON"
sleep 0.3
hups_are "$tmp/hups.mapce" 1 || t_why "the same option: SIGHUP sent"
hook reason=RELEASE6 interface="$IF"
wait_hups "$tmp/hups.mapce" 2 || t_why "release: mapce got $(hups "$tmp/hups.mapce") SIGHUPs, not 2"
# a stale pid file whose number is another program now
echo "${PIDS[1]}" >"/run/mapce/$IF.pid"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
[ $rc -eq 0 ] || t_why "stale pid file: exit $rc"
sleep 0.3
hups_are "$tmp/hups.other" 0 || t_why "signalled a process that is not mapce"
echo "garbage; rm -rf /" >"/run/mapce/$IF.pid"
hook reason=RELEASE6 interface="$IF"
[ $rc -eq 0 ] || t_why "garbage pid file: exit $rc: $(cat "$tmp/err")"
rm -f "/run/mapce/$IF.pid"
t_end

t_begin "dhcpv6_hook: settings"
echo "action=sometimes" >"$MAPCE_HOOK_CONF"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
[ $rc -eq 1 ] || t_why "bad action: exit $rc, not 1"
grep -qF "bad action 'sometimes' (signal or up)" "$tmp/err" || t_why "bad action: '$(cat "$tmp/err")'"
[ -e "$F" ] && t_why "bad settings: the file was written"
printf '# a comment\n\n colour = blue\n' >"$MAPCE_HOOK_CONF"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
[ $rc -eq 1 ] || t_why "unknown key: exit $rc, not 1"
grep -qF "unknown setting 'colour'" "$tmp/err" || t_why "unknown key: '$(cat "$tmp/err")'"
printf '# only the other one\ninterfaces = eth9 %s\n' "$IF2" >"$MAPCE_HOOK_CONF"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
[ $rc -eq 0 ] || t_why "interfaces=: exit $rc: $(cat "$tmp/err")"
[ -e "$F" ] && t_why "interfaces= does not name $IF, yet its file was written"
hook reason=BOUND6 interface="$IF2" new_dhcp6_s46_cont_mape="$P"
[ -e "/run/mapce/$IF2.dhcpv6" ] || t_why "interfaces= names $IF2, yet no file"
hook reason=STOP6 interface="$IF2"
rm -f "$MAPCE_HOOK_CONF"
t_end

# Sourced, as dhcpcd-run-hooks and dhclient-script do, by dash and bash:
# an error in it must not end their script, and it leaves no names.
t_begin "dhcpv6_hook: sourced"
cat >"$tmp/client-script" <<EOF
reason=BOUND6 interface=$IF new_dhcp6_s46_cont_mape=zz
. "$HOOK"
echo "status \$?"
reason=BOUND6 interface=$IF new_dhcp6_s46_cont_mape=$P
. "$HOOK"
echo "status \$?"
set | grep -c '^mapce_h_\\|^mapce_dhcpv6' || true
EOF
for sh in dash bash; do
	command -v $sh >/dev/null || continue
	rm -f "$F"
	out=$(timeout 10 $sh "$tmp/client-script" 2>/dev/null | tr '\n' ' ')
	[ "$out" = "status 0 status 0 0 " ] || t_why "$sh: '$out', not 'status 0 status 0 0 '"
	file_is "$WANT"
done
rm -f "$F"
t_end

# action=up against a stand-in mapce that records its arguments and
# refuses the first up (as mapce does when other rules are up)
t_begin "dhcpv6_hook: up_mode"
cat >"$tmp/fake" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/calls"
case \$1 in up) [ -e "$tmp/refused" ] || { : >"$tmp/refused"; exit 1; } ;; esac
exit 0
EOF
chmod 0755 "$tmp/fake"
printf 'action=up\nmapce=%s\nup_args=--mtu 1400  --hop-limit 60\n' "$tmp/fake" >"$MAPCE_HOOK_CONF"
# dhcpcd names the delegated prefix new_dhcp6_ia_pd1_prefix1 and _length
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P" \
	new_dhcp6_ia_pd1_prefix1=2001:db8:12:3400:: new_dhcp6_ia_pd1_prefix1_length=56
[ $rc -eq 0 ] || t_why "BOUND6: exit $rc: $(cat "$tmp/err")"
up="up --wan $IF --dhcpv6-option $WANT --prefix 2001:db8:12:3400::/56 --mtu 1400 --hop-limit 60"
want=$(printf '%s\n' "$up" "down --wan $IF" "$up")
[ "$(cat "$tmp/calls" 2>/dev/null)" = "$want" ] ||
	t_why "calls: '$(tr '\n' '|' <"$tmp/calls")', not '$(tr '\n' '|' <<<"$want")'"
file_is "$WANT"
: >"$tmp/calls"
# dhclient: new_ip6_prefix; STOP6 keeps the CE, RELEASE6 takes it down
hook reason=RENEW6 interface="$IF" new_dhcp6_s46_cont_mape="$COLON" new_ip6_prefix=2001:db8:12:3500::/56
hook reason=STOP6 interface="$IF"
hook reason=BOUND6 interface="$IF" new_dhcp6_s46_cont_mape="$P"
hook reason=RELEASE6 interface="$IF"
want=$(printf '%s\n' "up --wan $IF --dhcpv6-option $WANT --prefix 2001:db8:12:3500::/56 --mtu 1400 --hop-limit 60" \
	"up --wan $IF --dhcpv6-option $WANT --mtu 1400 --hop-limit 60" "down --wan $IF")
[ "$(cat "$tmp/calls" 2>/dev/null)" = "$want" ] ||
	t_why "calls: '$(tr '\n' '|' <"$tmp/calls")', not '$(tr '\n' '|' <<<"$want")'"
[ -e "$F" ] && t_why "the file is still there after RELEASE6"
rm -f "$MAPCE_HOOK_CONF"
t_end

t_exit
