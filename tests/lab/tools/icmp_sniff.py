#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every ICMPv4 error delivered to this host, as JSON lines: outer source
and destination, type, code, next-hop MTU, whether the IPv4 header and ICMP
checksums verify, and the quoted packet's addresses and ports.

    icmp_sniff.py OUT_FILE SECONDS [--ready FILE]
"""
import argparse
import json
import socket
import struct
import sys
import time

from labnet import inet_csum, stop_flag, touch


def decode(p):
    ihl = (p[0] & 15) * 4
    ic = p[ihl:]
    if len(ic) < 8 or ic[0] not in (3, 11, 12):
        return None
    e = dict(src=socket.inet_ntoa(p[12:16]), dst=socket.inet_ntoa(p[16:20]),
             type=ic[0], code=ic[1], mtu=struct.unpack('!H', ic[6:8])[0],
             ip_csum_ok=inet_csum(p[:ihl]) == 0, icmp_csum_ok=inet_csum(ic) == 0, len=len(p))
    q = ic[8:]
    if len(q) >= 28:
        qh = (q[0] & 15) * 4
        e.update(q_src=socket.inet_ntoa(q[12:16]), q_dst=socket.inet_ntoa(q[16:20]),
                 q_proto=q[9])
        if len(q) >= qh + 4:
            e['q_sport'], e['q_dport'] = struct.unpack('!HH', q[qh:qh + 4])
    return e


def main():
    a = argparse.ArgumentParser()
    a.add_argument('out')
    a.add_argument('seconds', type=float)
    a.add_argument('--ready')
    o = a.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(0.2)
    stop = stop_flag()
    touch(o.ready)
    end = time.time() + o.seconds
    with open(o.out, 'a') as f:
        while not stop and time.time() < end:
            try:
                p = s.recv(65535)
            except (socket.timeout, InterruptedError):
                continue
            e = decode(p)
            if e:
                f.write(json.dumps(e) + '\n')
                f.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
