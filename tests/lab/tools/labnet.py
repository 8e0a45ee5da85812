# SPDX-License-Identifier: GPL-2.0-only
"""What the lab's python tools share (imported from their own folder).

    parse_ep("203.0.113.10:7007") / parse_ep("[2001:db8::1]:9100")
        -> (family, host, port); host_port(...) -> (host, port)
    fmt_ep(sockaddr)   -> "ip:port" or "[ip6]:port"
    inet_csum(bytes)   -> the Internet checksum (RFC 1071) of the bytes
    stop_flag()        -> a list that becomes non-empty on SIGTERM or SIGINT
    events(sel, stop)  -> a selector's (key, mask) events until stop is set
                          (looked at every 0.2 s: a server stops promptly)
                          or LIFETIME seconds pass
    LIFETIME           the longest a server runs: one whose test was killed
                       without its cleanup ends on its own
    touch(path)        -> create an empty file (a "ready" file a test waits
                          for; None: nothing)
    serve(srv, ready)  -> run a socketserver in a thread, touch ready, until
                          SIGTERM/SIGINT or LIFETIME seconds; then shut it down
"""
import signal
import socket
import struct
import threading
import time

LIFETIME = 3600


def parse_ep(s):
    if s.startswith('['):
        host, _, port = s[1:].partition(']:')
        return socket.AF_INET6, host, int(port)
    host, _, port = s.rpartition(':')
    return socket.AF_INET, host, int(port)


def host_port(s):
    return parse_ep(s)[1:]


def fmt_ep(addr):
    host, port = addr[0], addr[1]
    if ':' in host:
        return '[%s]:%d' % (host, port)
    return '%s:%d' % (host, port)


def inet_csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def stop_flag():
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    return stop


def events(sel, stop):
    end = time.monotonic() + LIFETIME
    while not stop and time.monotonic() < end:
        yield from sel.select(timeout=0.2)


def touch(path):
    if path:
        open(path, 'w').close()


def serve(srv, ready):
    stop = stop_flag()
    threading.Thread(target=srv.serve_forever, args=(0.2,), daemon=True).start()
    touch(ready)
    end = time.monotonic() + LIFETIME
    while not stop and time.monotonic() < end:
        time.sleep(0.2)
    srv.shutdown()
    return 0
