#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages mapce builds and tests with, if any is missing.
# Idempotent and quiet when everything is there.
#   scripts/deps.sh          what make test needs: building and testing
#   scripts/deps.sh build    only what building and `make install` need
set -euo pipefail
# libcurl4-openssl-dev, libjson-c-dev: HB46PP provisioning (HTTPS, its JSON answer)
build=(make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libcap-dev libmnl-dev libsystemd-dev pkg-config
       libcurl4-openssl-dev libjson-c-dev)
# the lab's tools; python3-seccomp and groff-base: the service sandbox and
# the installed man pages (tests/lab/test_service_sandbox.sh, test_install.sh);
# kea-dhcp6-server and dhcpcd-base: the DHCPv6 lab (tests/lab/test_lab_dhcpv6.sh);
# debhelper and lintian: the Debian package (tests/lab/test_deb.sh), and
# logrotate: its -d parses the package's binding log snippet there;
# prometheus: its promtool checks mapce's metrics (tests/lab/test_lab_watch.sh);
# miniupnpd (with its nftables backend), miniupnpc and nftables: UPnP
# through a real miniupnpd and upnpc (tests/lab/test_lab_upnp.sh)
# natpmpc (libnatpmp's client): NAT-PMP against mapce run --pcp
# (tests/lab/test_lab_pcp.sh)
# nftables: the far ends of the other modes (tests/lab/lib/softwire.sh: the
# AFTR's NAT44, the kernel kept off their IPv4-in-IPv6)
# dnsmasq-base and openssl: the HB46PP lab's DNS server and its CA
# (tests/lab/test_lab_provision.sh; -base: the binary without a service)
# iperf3: make bench's end-to-end TCP rows (tests/bench/e2e.sh)
# linux-perf: make profile (tests/bench/profile.sh) and its smoke test
tests=(iproute2 iputils-ping ethtool curl socat python3-scapy tcpdump iperf3 linux-perf
       netcat-openbsd util-linux procps stun-client stun-server coturn traceroute iputils-tracepath
       cppcheck clang-tidy clang-format python3-seccomp groff-base
       kea-dhcp6-server dhcpcd-base prometheus dnsmasq-base openssl
       debhelper lintian logrotate
       miniupnpd miniupnpd-nftables miniupnpc nftables natpmpc
       libclang-rt-14-dev) # clang's fuzzer and sanitizer runtimes (make fuzz, tests/fuzz)
case ${1:-all} in
build) pkgs=("${build[@]}") ;;
all) pkgs=("${build[@]}" "${tests[@]}") ;;
*)
	echo "usage: scripts/deps.sh [build]" >&2
	exit 2
	;;
esac
missing=()
for p in "${pkgs[@]}"; do
	[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = 'install ok installed' ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The tests start their own STUN/TURN servers in namespaces: never leave a
# host-wide coturn service running (systemd hosts enable it on install).
# Likewise the DHCPv6 test runs its own Kea and dhcpcd in namespaces:
# kea-dhcp6-server's package enables and starts a host-wide server, which
# goes; dhcpcd-base brings no service (the dhcpcd package does, and is
# not installed here).  prometheus is there for promtool only: its server
# goes too.  miniupnpd's package leaves its service off unless debconf is
# told otherwise (noninteractive: its default), and the UPnP test runs its
# own in a namespace: if a host-wide one was started, it goes as well, and
# so does iperf3's (make bench starts its own server in the lab).
for svc in coturn kea-dhcp6-server prometheus miniupnpd iperf3; do
	if [[ " ${missing[*]} " == *" $svc "* ]] && command -v systemctl >/dev/null; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	fi
done
