#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Concurrent TCP client for the mapce lab (pairs with tcp_server.py).

Opens every connection first (non-blocking, all in flight at once), then
sends each one a distinct random payload and reads it back (the server
echoes), verifying every byte, while all connections stay open.  Only when
every connection is done (or the deadline passes) are they closed.

    tcp_client.py --to 203.0.113.10:9000=60 --to 203.0.113.11:9000=16 ...
                  [--bind 192.0.2.10] [--bytes 64] [--timeout 30] [--hold 0]

Prints one JSON object: attempted, connected, exchanged, max_open,
local_ports (inside source ports), errors (first few), and exits 0 only
when every connection connected and exchanged its payload intact.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time

from labnet import parse_ep


def parse_to(s):
    ep, _, count = s.rpartition('=')
    return parse_ep(ep) + (int(count),)


class Conn:
    def __init__(self, sock, dst, payload):
        self.sock = sock
        self.dst = dst
        self.payload = payload
        self.sent = 0
        self.rcvd = bytearray()
        self.state = 'connecting'  # connecting, open, done, failed
        self.err = None
        self.lport = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--to', action='append', required=True, help='ADDR:PORT=COUNT')
    ap.add_argument('--bind', help='local address')
    ap.add_argument('--bytes', type=int, default=64, help='payload per connection')
    ap.add_argument('--timeout', type=float, default=30.0, help='overall deadline (s)')
    ap.add_argument('--hold', type=float, default=0.0,
                    help='seconds to keep the connections open after the exchange')
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    conns = []
    deadline = time.monotonic() + args.timeout
    for spec in args.to:
        fam, host, port, count = parse_to(spec)
        for _ in range(count):
            s = socket.socket(fam, socket.SOCK_STREAM)
            if args.bind:
                s.bind((args.bind, 0))
            s.setblocking(False)
            c = Conn(s, (host, port), os.urandom(args.bytes))
            conns.append(c)
            rc = s.connect_ex((host, port))
            if rc not in (0, errno.EINPROGRESS):
                c.state, c.err = 'failed', 'connect: ' + os.strerror(rc)
                continue
            sel.register(s, selectors.EVENT_WRITE, c)

    max_open = 0
    nopen = 0
    pending = sum(1 for c in conns if c.state == 'connecting')
    while pending and time.monotonic() < deadline:
        for key, mask in sel.select(timeout=0.2):
            c = key.data
            if c.state == 'connecting':
                rc = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if rc:
                    c.state, c.err = 'failed', 'connect: ' + os.strerror(rc)
                    sel.unregister(c.sock)
                    pending -= 1
                    continue
                c.state = 'open'
                c.lport = c.sock.getsockname()[1]
                nopen += 1
                max_open = max(max_open, nopen)
                sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
                continue
            if mask & selectors.EVENT_WRITE and c.sent < len(c.payload):
                try:
                    c.sent += c.sock.send(c.payload[c.sent:c.sent + 65536])
                except OSError as e:
                    if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK):
                        c.state, c.err = 'failed', 'send: ' + e.strerror
                        sel.unregister(c.sock)
                        pending -= 1
                        continue
                if c.sent >= len(c.payload):
                    sel.modify(c.sock, selectors.EVENT_READ, c)
            if mask & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(65536)
                except OSError as e:
                    if e.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
                        continue
                    c.state, c.err = 'failed', 'recv: ' + e.strerror
                    sel.unregister(c.sock)
                    pending -= 1
                    continue
                if not data:
                    c.state, c.err = 'failed', 'closed by peer after %d bytes' % len(c.rcvd)
                    sel.unregister(c.sock)
                    pending -= 1
                    continue
                c.rcvd += data
                if len(c.rcvd) >= len(c.payload):
                    if bytes(c.rcvd) == c.payload:
                        c.state = 'done'
                    else:
                        c.state, c.err = 'failed', 'echo mismatch'
                    sel.unregister(c.sock)
                    pending -= 1
    for c in conns:
        if c.state in ('connecting', 'open'):
            c.err = 'timeout while %s (sent %d, received %d)' % (c.state, c.sent, len(c.rcvd))
            c.state = 'failed'
    if args.hold > 0:
        time.sleep(args.hold)
    still_open = 0
    for c in conns:
        # a connection that was closed under us would read EOF now
        if c.state == 'done':
            try:
                c.sock.setblocking(False)
                if c.sock.recv(1) == b'':
                    c.state, c.err = 'failed', 'closed by peer while held'
                else:
                    still_open += 1
            except BlockingIOError:
                still_open += 1
            except OSError as e:
                c.state, c.err = 'failed', 'held: ' + e.strerror
        c.sock.close()

    errors = ['%s:%d %s' % (c.dst[0], c.dst[1], c.err) for c in conns if c.err]
    res = {
        'attempted': len(conns),
        'connected': sum(1 for c in conns if c.lport is not None),
        'exchanged': sum(1 for c in conns if c.state == 'done'),
        'open_at_end': still_open,
        'max_open': max_open,
        'bytes': args.bytes,
        'local_ports': sorted(c.lport for c in conns if c.lport is not None),
        'errors': errors[:10],
        'error_count': len(errors),
    }
    print(json.dumps(res))
    return 0 if res['exchanged'] == len(conns) and not errors else 1


if __name__ == '__main__':
    sys.exit(main())
