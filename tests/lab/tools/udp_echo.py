#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""UDP echo server and client for the mapce lab.

    udp_echo.py server --listen 203.0.113.10:7007 [--listen ...] [--log FILE]
                       [--ready FILE]
        Echoes every datagram back to its sender from the address it was
        sent to; logs "LOCAL_IP:PORT PEER_IP:PEER_PORT LEN" per datagram
        when --log is given.  Stops on SIGTERM/SIGINT.

    udp_echo.py client --to 203.0.113.10:7007 [--bind 192.0.2.10:40001]
                       [--count 5] [--size 100] [--timeout 2] [--no-df]
        Sends COUNT datagrams of exactly SIZE payload bytes, one at a time,
        each carrying its sequence number and random bytes, and waits for
        each echo before sending the next (no retries: the packet counts of
        a test stay exact).  Prints one JSON object (sent, received,
        verified, size, local_port, errors) and exits 0 only when every
        echo came back byte for byte.  --no-df (IPv4): sent without DF
        (IP_PMTUDISC_DONT), so a datagram bigger than the path is
        fragmented on the way rather than answered "fragmentation needed".
"""
import argparse
import json
import os
import selectors
import socket
import struct
import sys
import time

from labnet import events, parse_ep, stop_flag, touch


def server(args):
    stop = stop_flag()
    # One socket per address: a reply must come from the address the
    # request went to (a wildcard socket would pick the route's source).
    sel = selectors.DefaultSelector()
    for ep in args.listen:
        fam, host, port = parse_ep(ep)
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, port))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    log = open(args.log, 'a', buffering=1) if args.log else None
    touch(args.ready)
    for key, _ in events(sel, stop):
        s = key.fileobj
        try:
            data, peer = s.recvfrom(65535)
        except BlockingIOError:
            continue
        s.sendto(data, peer)
        if log:
            local = s.getsockname()
            log.write('%s:%d %s:%d %d\n' % (local[0], local[1], peer[0], peer[1], len(data)))
    return 0


def client(args):
    fam, host, port = parse_ep(args.to)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if args.no_df:
        # Linux <linux/in.h>: IP_MTU_DISCOVER 10, IP_PMTUDISC_DONT 0
        s.setsockopt(socket.IPPROTO_IP, getattr(socket, 'IP_MTU_DISCOVER', 10),
                     getattr(socket, 'IP_PMTUDISC_DONT', 0))
    if args.bind:
        bfam, bhost, bport = parse_ep(args.bind)
        s.bind((bhost, bport))
    s.settimeout(args.timeout)
    s.connect((host, port))
    if args.size < 4:
        print(json.dumps({'error': 'size must be >= 4'}))
        return 2
    sent = received = verified = 0
    errors = []
    for seq in range(args.count):
        payload = struct.pack('!I', seq) + os.urandom(args.size - 4)
        s.send(payload)
        sent += 1
        end = time.monotonic() + args.timeout
        while True:
            try:
                s.settimeout(max(0.01, end - time.monotonic()))
                data = s.recv(65535)
            except socket.timeout:
                errors.append('seq %d: no echo within %.1fs' % (seq, args.timeout))
                break
            except OSError as e:
                errors.append('seq %d: %s' % (seq, e.strerror))
                break
            received += 1
            if data == payload:
                verified += 1
                break
            errors.append('seq %d: echo differs (%d bytes back)' % (seq, len(data)))
            break
    res = {
        'sent': sent,
        'received': received,
        'verified': verified,
        'size': args.size,
        'local_port': s.getsockname()[1],
        'errors': errors[:10],
    }
    print(json.dumps(res))
    return 0 if verified == args.count else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='mode', required=True)
    sp = sub.add_parser('server')
    sp.add_argument('--listen', action='append', required=True)
    sp.add_argument('--log')
    sp.add_argument('--ready')
    cp = sub.add_parser('client')
    cp.add_argument('--to', required=True)
    cp.add_argument('--bind')
    cp.add_argument('--count', type=int, default=5)
    cp.add_argument('--size', type=int, default=100)
    cp.add_argument('--timeout', type=float, default=2.0)
    cp.add_argument('--no-df', action='store_true')
    args = ap.parse_args()
    return server(args) if args.mode == 'server' else client(args)


if __name__ == '__main__':
    sys.exit(main())
