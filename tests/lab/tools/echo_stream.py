#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A steady echo stream through the CE, for tests that change the CE under
live traffic (pairs with tcp_server.py and udp_echo.py server).

    echo_stream.py --to 203.0.113.10:9000 [--udp] [--interval 0.2]
                   [--lifetime 120] --state FILE [--ready FILE]

TCP: one connection, kept open; every INTERVAL one numbered line is sent
and its echo awaited (a slow echo is waited for, however long: TCP
retransmits across a link flap).  The connection failing (reset, closed)
is an error and ends the stream: a test that expects live flows to
survive reads it.
UDP: one socket (one inside port); every INTERVAL one numbered datagram,
its echo awaited up to 1 s, a lost one counted.

FILE is rewritten (atomically) after every exchange with one JSON object:
{"proto", "local_port", "sent", "echoed", "lost", "last_echo" (monotonic
seconds of the last echo), "now", "error" (null or why it ended)}.
Runs until SIGTERM/SIGINT, an error (TCP) or LIFETIME seconds.
"""
import argparse
import json
import os
import socket
import time

from labnet import parse_ep, stop_flag, touch


def write_state(path, st):
    st['now'] = time.monotonic()
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(st, f)
    os.replace(tmp, path)


def tcp_stream(args, st, stop):
    fam, host, port = parse_ep(args.to)
    s = socket.create_connection((host, port), timeout=5)
    st['local_port'] = s.getsockname()[1]
    write_state(args.state, st)
    touch(args.ready)
    s.settimeout(0.2)
    buf = b''
    end = time.monotonic() + args.lifetime
    while not stop and time.monotonic() < end:
        st['sent'] += 1
        want = ('seq %d\n' % st['sent']).encode()
        s.sendall(want)
        while not stop and len(buf) < len(want) and time.monotonic() < end:
            try:
                data = s.recv(4096)
            except socket.timeout:
                write_state(args.state, st)
                continue
            if not data:
                raise ConnectionError('closed by the peer')
            buf += data
        if len(buf) >= len(want):
            if buf[:len(want)] != want:
                raise ConnectionError('echo %r, not %r' % (buf[:len(want)], want))
            buf = buf[len(want):]
            st['echoed'] += 1
            st['last_echo'] = time.monotonic()
        write_state(args.state, st)
        time.sleep(args.interval)


def udp_stream(args, st, stop):
    fam, host, port = parse_ep(args.to)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((host, port))
    st['local_port'] = s.getsockname()[1]
    write_state(args.state, st)
    touch(args.ready)
    end = time.monotonic() + args.lifetime
    while not stop and time.monotonic() < end:
        st['sent'] += 1
        want = ('seq %d' % st['sent']).encode()
        s.send(want)
        deadline = time.monotonic() + 1.0
        got = False
        while not got and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                got = s.recv(2048) == want
            except (socket.timeout, ConnectionRefusedError):
                pass
        if got:
            st['echoed'] += 1
            st['last_echo'] = time.monotonic()
        else:
            st['lost'] += 1
        write_state(args.state, st)
        time.sleep(args.interval)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--to', required=True)
    ap.add_argument('--udp', action='store_true')
    ap.add_argument('--interval', type=float, default=0.2)
    ap.add_argument('--lifetime', type=float, default=120.0)
    ap.add_argument('--state', required=True)
    ap.add_argument('--ready', help='file created once the stream runs')
    args = ap.parse_args()

    stop = stop_flag()
    st = {'proto': 'udp' if args.udp else 'tcp', 'local_port': None, 'sent': 0, 'echoed': 0,
          'lost': 0, 'last_echo': None, 'error': None}
    write_state(args.state, st)
    try:
        (udp_stream if args.udp else tcp_stream)(args, st, stop)
    except OSError as e:
        st['error'] = str(e) or type(e).__name__
    write_state(args.state, st)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
