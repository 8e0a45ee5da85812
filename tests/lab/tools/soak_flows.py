#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Churn short TCP and UDP flows through the CE, with a few long-lived ones
beside them, for a bounded time; every byte echoed is checked (pairs with
tcp_server.py and udp_echo.py server).

    soak_flows.py --tcp 203.0.113.10:9000 [--tcp ...] --udp 203.0.113.10:7007
                  [--udp ...] --seconds 45 [--workers 12] [--long-tcp 4]
                  [--long-udp 2] [--budget 150] [--hold 6] --out FILE

Short flows: each worker opens a new socket (a new inside port: a new
binding on the CE) to a random server, sends random bytes (TCP: one
chunk, the whole echo awaited, then an orderly close; UDP: 1 to 3
datagrams, each echo awaited up to 1 s) and starts over.  At most BUDGET
flows are started within any HOLD seconds: the CE's port set is small and
a binding lives on for its timeout after the flow ends, so the churn stays
inside it (a flow refused for want of a port would be a loss of the
test's own making).
Long-lived flows: LONG_TCP connections and LONG_UDP sockets opened first
and kept until the end, one random chunk every 0.1 s (UDP 0.2 s) each;
a long TCP connection that fails (reset, closed, an echo that differs)
is an error: nothing should ever end it.

FILE gets one JSON object: the counts (tcp_flows, tcp_ok, udp_flows,
udp_ok, udp_sent, udp_echoed, long_tcp_bytes, long_udp_sent,
long_udp_echoed, ...), errors (the first few), long_tcp_errors.  Exit 0
when every long TCP connection lived and every short TCP flow echoed.
"""
import argparse
import collections
import json
import os
import random
import socket
import sys
import threading
import time

from labnet import parse_ep


def echo(s, data):
    """Send data on the TCP socket s; its echo, byte for byte, or raise."""
    s.sendall(data)
    got = b''
    while len(got) < len(data):
        b = s.recv(65536)
        if not b:
            raise ConnectionError('closed by the peer')
        got += b
    if got != data:
        raise ValueError('echo differs')


class Soak:
    def __init__(self, args):
        self.args = args
        self.end = time.monotonic() + args.seconds
        self.lock = threading.Lock()
        self.started = collections.deque()
        self.c = collections.Counter()
        self.errors = []
        self.long_tcp_errors = []

    def count(self, key, n=1):
        with self.lock:
            self.c[key] += n

    def error(self, what, lst=None):
        with self.lock:
            (self.errors if lst is None else lst).append(what)

    def admit(self):
        """Wait until a flow may start within the budget; False at the end."""
        while time.monotonic() < self.end:
            with self.lock:
                now = time.monotonic()
                while self.started and now - self.started[0] > self.args.hold:
                    self.started.popleft()
                if len(self.started) < self.args.budget:
                    self.started.append(now)
                    return True
            time.sleep(0.01)
        return False

    # ---- short flows ----------------------------------------------------
    def short_tcp(self, ep):
        fam, host, port = parse_ep(ep)
        data = os.urandom(random.randint(1, 3000))
        self.count('tcp_flows')
        try:
            with socket.create_connection((host, port), timeout=5) as s:
                echo(s, data)
                s.shutdown(socket.SHUT_WR)
                s.recv(1)  # the server's FIN: an orderly close both ways
            self.count('tcp_ok')
            self.count('tcp_bytes', len(data))
        except (OSError, ValueError) as e:
            self.count('tcp_failed')
            self.error('tcp %s: %s' % (ep, e))

    def short_udp(self, ep):
        fam, host, port = parse_ep(ep)
        self.count('udp_flows')
        ok = True
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.connect((host, port))
            s.settimeout(1.0)
            for _ in range(random.randint(1, 3)):
                data = os.urandom(random.randint(16, 1200))
                s.send(data)
                self.count('udp_sent')
                try:
                    if s.recv(65536) == data:
                        self.count('udp_echoed')
                        continue
                    self.error('udp %s: echo differs' % ep)
                except OSError as e:
                    self.error('udp %s: %s' % (ep, e))
                ok = False
        self.count('udp_ok' if ok else 'udp_failed')

    def worker(self):
        while self.admit():
            if random.random() < 0.5:
                self.short_tcp(random.choice(self.args.tcp))
            else:
                self.short_udp(random.choice(self.args.udp))

    # ---- long-lived flows -----------------------------------------------
    def long_tcp(self, ep):
        fam, host, port = parse_ep(ep)
        try:
            with socket.create_connection((host, port), timeout=10) as s:
                while time.monotonic() < self.end:
                    data = os.urandom(random.randint(1, 1400))
                    echo(s, data)
                    self.count('long_tcp_bytes', len(data))
                    time.sleep(0.1)
        except (OSError, ValueError) as e:
            self.error('long tcp %s: %s' % (ep, e), self.long_tcp_errors)

    def long_udp(self, ep):
        fam, host, port = parse_ep(ep)
        with socket.socket(fam, socket.SOCK_DGRAM) as s:
            s.connect((host, port))
            s.settimeout(1.0)
            while time.monotonic() < self.end:
                data = os.urandom(random.randint(16, 1200))
                s.send(data)
                self.count('long_udp_sent')
                try:
                    if s.recv(65536) == data:
                        self.count('long_udp_echoed')
                except OSError:
                    pass
                time.sleep(0.2)

    def run(self):
        a = self.args
        threads = [threading.Thread(target=self.long_tcp, args=(a.tcp[i % len(a.tcp)],))
                   for i in range(a.long_tcp)]
        threads += [threading.Thread(target=self.long_udp, args=(a.udp[i % len(a.udp)],))
                    for i in range(a.long_udp)]
        threads += [threading.Thread(target=self.worker) for _ in range(a.workers)]
        for t in threads:
            t.daemon = True
            t.start()
        for t in threads:
            t.join(a.seconds + 30)
        res = dict(self.c)
        res.update(seconds=a.seconds, long_tcp=a.long_tcp, long_udp=a.long_udp,
                   errors=self.errors[:10], n_errors=len(self.errors),
                   long_tcp_errors=self.long_tcp_errors)
        return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tcp', action='append', required=True)
    ap.add_argument('--udp', action='append', required=True)
    ap.add_argument('--seconds', type=float, default=45)
    ap.add_argument('--workers', type=int, default=12)
    ap.add_argument('--long-tcp', type=int, default=4)
    ap.add_argument('--long-udp', type=int, default=2)
    ap.add_argument('--budget', type=int, default=150)
    ap.add_argument('--hold', type=float, default=6)
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    res = Soak(args).run()
    with open(args.out + '.tmp', 'w') as f:
        json.dump(res, f)
    os.replace(args.out + '.tmp', args.out)
    bad = res['long_tcp_errors'] or res.get('tcp_failed', 0)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
