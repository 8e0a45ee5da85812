#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Fill a NAT's ports toward one remote, then time what the next flow gets.

    nat_exhaust.py --to 203.0.113.10:9001 --hold 240 [--proto tcp|udp]
                   [--bind 192.0.2.10] [--extra 1] [--extra-timeout 10]
                   [--timeout 30]

Opens HOLD flows to the one remote ip:port at once (TCP: connections;
UDP: connected sockets), and proves each one works by an echo of a random
payload (the lab's tcp_server.py / udp_echo.py echo).  While all of them
are held, opens EXTRA more, one after the other, and records for each what
it got and how fast:

    refused      TCP: ECONNREFUSED (a RST came back)
    unreachable  EHOSTUNREACH / ENETUNREACH / EACCES (an ICMP error: 3/13
                 is "communication administratively prohibited", which
                 Linux reports as EHOSTUNREACH)
    connected    it worked (TCP: connected and echoed; UDP: echoed)
    timeout      nothing within --extra-timeout seconds (a silent drop)
    error        anything else (errno text in "detail")

Then echoes once more on every held flow: the refusal must not have
touched the flows that had ports.  (UDP: a datagram without its echo
after 2 s is sent again, twice at most; udp_resent counts those.)
Prints one JSON object:

    {"proto", "to", "held_ok", "held_failed", "held_errors": [...],
     "extra": [{"result", "detail", "elapsed_s"}],
     "held_after_ok", "held_after_errors": [...], "udp_resent",
     "local_ports": [...]}

Exit 0 when it ran (whatever the results: the caller judges them), 2 on
bad arguments.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time

from labnet import host_port

UNREACH = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EACCES, errno.EPERM)


def classify(err):
    if err == errno.ECONNREFUSED:
        return 'refused'
    if err in UNREACH:
        return 'unreachable'
    if err in (errno.ETIMEDOUT,):
        return 'timeout'
    return 'error'


def new_sock(args):
    kind = socket.SOCK_STREAM if args.proto == 'tcp' else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    if args.bind:
        s.bind((args.bind, 0))
    s.setblocking(False)
    return s


def echo_all(socks, args, deadline, stats=None):
    """Send a random payload on every socket, wait for all echoes.
    Returns {sock: None | error text}.  UDP may lose a datagram: a socket
    without its echo after 2 s sends a new payload (at most 2 more times)
    and any of its payloads counts; stats['resent'] counts those resends.
    A torn-down mapping fails all three."""
    sel = selectors.DefaultSelector()
    sent = {}   # sock -> payloads sent
    got = {}
    res = {}
    udp = args.proto == 'udp'
    last = time.monotonic()

    def send(s):
        p = os.urandom(args.bytes)
        try:
            s.send(p)
        except OSError as e:
            return 'send: ' + os.strerror(e.errno)
        sent.setdefault(s, []).append(p)
        return None

    for s in socks:
        err = send(s)
        if err:
            res[s] = err
            continue
        got[s] = bytearray()
        sel.register(s, selectors.EVENT_READ)
    pending = set(got)
    while pending and time.monotonic() < deadline:
        if udp and time.monotonic() - last > 2.0:
            last = time.monotonic()
            for s in list(pending):
                if len(sent[s]) >= 3:
                    continue
                err = send(s)
                if stats is not None:
                    stats['resent'] = stats.get('resent', 0) + 1
                if err:
                    res[s] = err
                    sel.unregister(s)
                    pending.discard(s)
            if all(len(sent[s]) >= 3 for s in pending):
                deadline = min(deadline, time.monotonic() + 2.0)
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                res[s] = 'recv: ' + os.strerror(e.errno)
                sel.unregister(s)
                pending.discard(s)
                continue
            if udp:
                if data in sent[s]:
                    res[s] = None
                    sel.unregister(s)
                    pending.discard(s)
                continue
            if not data:
                res[s] = 'closed by peer'
                sel.unregister(s)
                pending.discard(s)
                continue
            got[s] += data
            want = sent[s][0]
            if len(got[s]) >= len(want):
                res[s] = None if bytes(got[s]) == want else 'echo mismatch'
                sel.unregister(s)
                pending.discard(s)
    for s in pending:
        res[s] = 'no echo in time'
    sel.close()
    return res


def open_tcp(socks, dst, deadline):
    """Connect every socket at once; {sock: None | error text}."""
    sel = selectors.DefaultSelector()
    res = {}
    for s in socks:
        rc = s.connect_ex(dst)
        if rc not in (0, errno.EINPROGRESS):
            res[s] = 'connect: ' + os.strerror(rc)
            continue
        sel.register(s, selectors.EVENT_WRITE)
    while len(res) < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            res[s] = None if rc == 0 else 'connect: ' + os.strerror(rc)
            sel.unregister(s)
    for s in socks:
        res.setdefault(s, 'connect timed out')
    sel.close()
    return res


def one_extra(args, dst):
    """One more flow to dst: what it gets and how fast."""
    s = new_sock(args)
    t0 = time.monotonic()
    end = t0 + args.extra_timeout
    result, detail = 'timeout', ''
    try:
        if args.proto == 'tcp':
            rc = s.connect_ex(dst)
            if rc not in (0, errno.EINPROGRESS):
                result, detail = classify(rc), os.strerror(rc)
            else:
                sel = selectors.DefaultSelector()
                sel.register(s, selectors.EVENT_WRITE)
                while time.monotonic() < end:
                    if sel.select(timeout=0.05):
                        rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                        if rc:
                            result, detail = classify(rc), os.strerror(rc)
                        else:
                            r = echo_all([s], args, end)[s]
                            result, detail = ('connected', '') if r is None else ('error', r)
                        break
                sel.close()
        else:
            s.connect(dst)
            # resend once a second (a lost first datagram is not a refusal);
            # an ICMP error turns up as an error on the connected socket
            nxt = 0.0
            while time.monotonic() < end and result == 'timeout':
                now = time.monotonic()
                try:
                    if now >= nxt:
                        s.send(os.urandom(args.bytes))
                        nxt = now + 1.0
                    data = s.recv(65536)
                    if data:
                        result = 'connected'
                except BlockingIOError:
                    time.sleep(0.02)
                except OSError as e:
                    result, detail = classify(e.errno), os.strerror(e.errno)
    finally:
        elapsed = time.monotonic() - t0
        s.close()
    return {'result': result, 'detail': detail, 'elapsed_s': round(elapsed, 3)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--to', required=True, help='IP:PORT')
    ap.add_argument('--hold', type=int, required=True, help='flows to open and keep')
    ap.add_argument('--proto', choices=('tcp', 'udp'), default='tcp')
    ap.add_argument('--bind', help='local address')
    ap.add_argument('--extra', type=int, default=1, help='flows to try beyond HOLD')
    ap.add_argument('--extra-timeout', type=float, default=10.0)
    ap.add_argument('--bytes', type=int, default=32)
    ap.add_argument('--timeout', type=float, default=30.0, help='deadline for HOLD')
    args = ap.parse_args()
    dst = host_port(args.to)

    socks = [new_sock(args) for _ in range(args.hold)]
    deadline = time.monotonic() + args.timeout
    if args.proto == 'tcp':
        res = open_tcp(socks, dst, deadline)
    else:
        res = {}
        for s in socks:
            s.connect(dst)
            res[s] = None
    ok = [s for s in socks if res[s] is None]
    stats = {}
    echo = echo_all(ok, args, deadline, stats)
    errors = [res[s] or echo.get(s) for s in socks if res[s] or echo.get(s)]
    held = [s for s in ok if echo.get(s) is None]
    ports = sorted(s.getsockname()[1] for s in held)

    extra = [one_extra(args, dst) for _ in range(args.extra)]

    after = echo_all(held, args, time.monotonic() + 10, stats)
    after_ok = sum(1 for s in held if after.get(s) is None)
    after_errors = sorted(set(after[s] for s in held if after.get(s)))
    for s in socks:
        s.close()
    print(json.dumps({
        'proto': args.proto, 'to': args.to,
        'held_ok': len(held), 'held_failed': args.hold - len(held),
        'held_errors': sorted(set(errors))[:10],
        'extra': extra,
        'held_after_ok': after_ok,
        'held_after_errors': after_errors[:10],
        'udp_resent': stats.get('resent', 0),
        'local_ports': ports,
    }))
    return 0


if __name__ == '__main__':
    sys.exit(main())
