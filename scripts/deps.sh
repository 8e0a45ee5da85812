#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install the Debian packages mapce builds and tests with, if any is missing.
# Idempotent and quiet when everything is there.
set -euo pipefail
pkgs=(make clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libcap-dev libmnl-dev pkg-config
      iproute2 iputils-ping ethtool curl socat python3-scapy tcpdump
      netcat-openbsd util-linux procps stun-client stun-server coturn traceroute iputils-tracepath
      cppcheck clang-tidy clang-format
      libclang-rt-14-dev) # clang's fuzzer and sanitizer runtimes (make fuzz, tests/fuzz)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
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
if [[ " ${missing[*]} " == *" coturn "* ]] && command -v systemctl >/dev/null; then
	systemctl disable --now coturn >/dev/null 2>&1 || true
fi
