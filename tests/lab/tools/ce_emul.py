#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""One UDP datagram from a MAP address to the BR as IPv4-in-IPv6 over a raw
socket (next header 4); then wait for IPv4-in-IPv6 answers and match them.
A CE for the BR tests (tests/lab/test_br_*.sh) that needs no mapce.

    ce_emul.py SRC6 BR6 V4SRC SPORT V4DST DPORT [--expect-to6 A]
               [--expect-v4dst IP] [--expect-dport P] [--timeout S]

Exit 0: the expected answer came with a good IPv4 header checksum (or no
expectation); 1: nothing matching; 3: it came with a bad checksum.
"""
import argparse
import socket
import struct
import sys
import time

from labnet import inet_csum


def udp4(src, sport, dst, dport, payload):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    n = 8 + len(payload)
    u = struct.pack('!HHHH', sport, dport, n, 0) + payload
    c = inet_csum(s + d + struct.pack('!BBH', 0, 17, n) + u) or 0xffff
    u = u[:6] + struct.pack('!H', c) + u[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + n, 1, 0, 64, 17, 0, s, d)
    return ip[:10] + struct.pack('!H', inet_csum(ip)) + ip[12:] + u


def same6(a, b):
    return socket.inet_pton(socket.AF_INET6, a) == socket.inet_pton(socket.AF_INET6, b)


def main():
    a = argparse.ArgumentParser()
    for n in ('src6', 'br6', 'v4src', 'sport', 'v4dst', 'dport'):
        a.add_argument(n)
    a.add_argument('--expect-to6')
    a.add_argument('--expect-v4dst')
    a.add_argument('--expect-dport', type=int)
    a.add_argument('--timeout', type=float, default=2.0)
    o = a.parse_args()
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    tx.bind((o.src6, 0))
    rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    rx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    tx.sendto(udp4(o.v4src, int(o.sport, 0), o.v4dst, int(o.dport, 0), b'mapce-br-test'),
              (o.br6, 0))
    end = time.time() + o.timeout
    rx.settimeout(0.2)
    while time.time() < end:
        try:
            data, anc, _, addr = rx.recvmsg(65535, 256)
        except socket.timeout:
            continue
        to6 = '?'
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                to6 = socket.inet_ntop(socket.AF_INET6, val[:16])
        ihl = (data[0] & 15) * 4
        v4src, v4dst = socket.inet_ntoa(data[12:16]), socket.inet_ntoa(data[16:20])
        sport, dport = struct.unpack('!HH', data[ihl:ihl + 4])
        ok = inet_csum(data[:ihl]) == 0
        print(f'got {addr[0]} -> {to6}: {v4src}:{sport} -> {v4dst}:{dport} len {len(data)} '
              f'iphdr_csum_ok={ok}', flush=True)
        if ((o.expect_to6 is None or same6(to6, o.expect_to6)) and
                (o.expect_v4dst is None or v4dst == o.expect_v4dst) and
                (o.expect_dport is None or dport == o.expect_dport)):
            return 0 if ok else 3
    return 1 if o.expect_v4dst else 0


if __name__ == '__main__':
    sys.exit(main())
