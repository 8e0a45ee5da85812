#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""TCP echo/accept server for the mapce lab.

Listens on one or more ADDR:PORT (IPv4 or [IPv6]), accepts every
connection, writes one log line per accepted connection and echoes back
every byte it receives.  It never closes a connection itself: connections
stay open until the peer closes them or the server is told to stop
(SIGTERM / SIGINT), so a test can hold hundreds of them at once.

Log lines (flushed at once, one per event):
    accept LOCAL_IP:LOCAL_PORT PEER_IP:PEER_PORT open=N
    close  LOCAL_IP:LOCAL_PORT PEER_IP:PEER_PORT bytes=N
    stop max_open=N accepted=N

Usage: tcp_server.py --listen 0.0.0.0:9000 [--listen [::]:9100] --log FILE
                     [--ready FILE]
"""
import argparse
import selectors
import socket
import sys

from labnet import events, fmt_ep, parse_ep, stop_flag, touch


class Conn:
    def __init__(self, sock, local, peer):
        self.sock = sock
        self.local = local
        self.peer = peer
        self.out = bytearray()
        self.bytes = 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--listen', action='append', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--ready', help='file created once listening')
    args = ap.parse_args()

    stop = stop_flag()

    log = open(args.log, 'a', buffering=1)
    sel = selectors.DefaultSelector()
    for ep in args.listen:
        fam, host, port = parse_ep(ep)
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == socket.AF_INET6:
            ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        ls.bind((host, port))
        ls.listen(1024)
        ls.setblocking(False)
        sel.register(ls, selectors.EVENT_READ, None)
    touch(args.ready)

    nopen = max_open = accepted = 0

    def close(c):
        nonlocal nopen
        sel.unregister(c.sock)
        c.sock.close()
        nopen -= 1
        log.write('close %s %s bytes=%d\n' % (fmt_ep(c.local), fmt_ep(c.peer), c.bytes))

    for key, mask in events(sel, stop):
        if key.data is None:  # listener
            try:
                s, peer = key.fileobj.accept()
            except OSError:
                continue
            s.setblocking(False)
            c = Conn(s, s.getsockname(), peer)
            nopen += 1
            accepted += 1
            max_open = max(max_open, nopen)
            log.write('accept %s %s open=%d\n' % (fmt_ep(c.local), fmt_ep(peer), nopen))
            sel.register(s, selectors.EVENT_READ, c)
            continue
        c = key.data
        if mask & selectors.EVENT_READ:
            try:
                data = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if not data:
                close(c)
                continue
            c.bytes += len(data)
            c.out += data
        if c.out:
            try:
                n = c.sock.send(c.out)
                del c.out[:n]
            except BlockingIOError:
                pass
            except OSError:
                close(c)
                continue
            # wait for writability while output is pending
            sel.modify(c.sock, selectors.EVENT_READ | selectors.EVENT_WRITE
                       if c.out else selectors.EVENT_READ, c)
    log.write('stop max_open=%d accepted=%d\n' % (max_open, accepted))
    log.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
