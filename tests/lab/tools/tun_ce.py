#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A MAP-E CE without NAT, to test a BR: IPv4 from the TUN device goes to
the BR as IPv4-in-IPv6 from the CE's MAP address (raw socket, next header
4); IPv4-in-IPv6 from the BR goes into the TUN.  The namespace's own stack
(ping, curl) is the CE's "LAN host" with the shared address.

    tun_ce.py TUN MAP6 BR6 SECONDS [--ready FILE]

Prints its packet counts when it ends (SIGTERM or SECONDS).
"""
import argparse
import fcntl
import os
import select
import socket
import struct
import sys
import time

from labnet import stop_flag, touch

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000


def main():
    a = argparse.ArgumentParser()
    a.add_argument('tun')
    a.add_argument('map6')
    a.add_argument('br6')
    a.add_argument('seconds', type=float)
    a.add_argument('--ready')
    o = a.parse_args()
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', o.tun.encode(), IFF_TUN | IFF_NO_PI))
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    tx.bind((o.map6, 0))
    rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 4)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    br = socket.inet_pton(socket.AF_INET6, o.br6)
    up = down = 0
    stop = stop_flag()
    touch(o.ready)
    end = time.time() + o.seconds
    while not stop and time.time() < end:
        try:
            r, _, _ = select.select([fd, rx], [], [], 0.2)
        except InterruptedError:
            continue
        if fd in r:
            pkt = os.read(fd, 65535)
            if pkt and pkt[0] >> 4 == 4:
                try:
                    tx.sendto(pkt, (o.br6, 0))
                    up += 1
                except OSError as e:
                    print('send:', e, flush=True)
        if rx in r:
            data, addr = rx.recvfrom(65535)
            if socket.inet_pton(socket.AF_INET6, addr[0]) == br:
                os.write(fd, data)
                down += 1
    print(f'tun_ce: {up} packets up, {down} down', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
