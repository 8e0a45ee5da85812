#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tools for the mapce MTU lab tests (tests/lab/test_lab_mtu*.sh).

    mtu_tool.py udp-wait --bind IP:PORT --probe-to IP:PORT --ready FILE
                         [--timeout S]
        Open a UDP socket on IP:PORT, send one probe datagram to the probe
        destination (a UDP echo server: this opens the CE's mapping), wait
        for its echo, create FILE, then wait for the first datagram that is
        not the echo and print {"len", "sha256", "tos", "peer"} (JSON).
        Exit 1 when nothing comes in time.

    mtu_tool.py frag-send --src V6 --dst V6 --isrc IP:PORT --idst IP:PORT
                          --size N --frag-size F [--seed S] [--reverse]
        Build with scapy an IPv4/UDP packet (N bytes of seeded random
        payload, DF clear, checksums right) inside an IPv6 header from V6
        src to V6 dst, fragment the outer IPv6 packet into pieces of at
        most F bytes (RFC 8200 fragment headers), and send them through a
        raw IPv6 socket (the kernel routes them as they are; in reverse
        order with --reverse).  Prints {"fragments", "lens", "sha256"}.

    mtu_tool.py tunnel-send --src V6 --dst V6 --isrc IP:PORT --idst IP:PORT
                            --size N --tclass T --tos T [--seed S]
        One unfragmented IPv4/UDP-in-IPv6 packet with the given outer
        traffic class and inner TOS.  Prints {"sha256"}.

    mtu_tool.py pcap --file F --src V6 --dst V6
        The outer IPv6 packets from src to dst in a pcap file (Ethernet),
        one JSON object per line: tclass, hlim, nh (the IPv6 next header),
        plen, outer_len, dstopt_nh (after a destination options header),
        and for IPv4 inside (after destination options too): tos, ttl, id, df, mf, off (bytes),
        ilen (IPv4 total length), proto, icmp_type.

    mtu_tool.py frags --file F --src V6 --dst V6 --proto P [--icmp-type T]
        Check the pcap for IPv4 fragments inside tunnel packets from src to
        dst: prints {"datagrams": [{"id", "frags", "lens", "bytes",
        "max_outer"}]} where bytes is the reassembled IPv4 payload length.

    mtu_tool.py sink --listen IP:PORT --ready FILE
        TCP server: for each connection (one at a time) read to EOF, then
        answer "LEN SHA256\n" and close.  Stops on SIGTERM (or after an hour).

    mtu_tool.py upload --to IP:PORT --size N [--seed S] [--timeout S]
        Send N bytes of seeded random data, close the sending side, read
        the sink's answer; print {"sent", "sha256", "sink_len",
        "sink_sha256", "mss", "seconds"}; exit 0 only when the sink got
        every byte intact.

    mtu_tool.py stat --reason R
        stdin: `mapce -j stats` or `mapce -j br status`; prints the packet
        count of reason R (0 when absent).
"""
import argparse
import hashlib
import json
import random
import select
import socket
import struct
import sys
import time

from labnet import LIFETIME, host_port, touch


def payload(size, seed):
    return random.Random(seed).randbytes(size)


# ---- udp-wait ------------------------------------------------------------

def cmd_udp_wait(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    s.bind(host_port(a.bind))
    probe = b'mapce-mtu-probe'
    s.sendto(probe, host_port(a.probe_to))
    end = time.monotonic() + a.timeout
    ready = False
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.01, end - time.monotonic()))
        if not r:
            continue
        data, anc, _, peer = s.recvmsg(65535, 64)
        if data == probe:
            if not ready:
                touch(a.ready)
                ready = True
            continue
        tos = None
        for lvl, typ, val in anc:
            if lvl == socket.IPPROTO_IP and typ == socket.IP_TOS:
                tos = val[0]
        print(json.dumps({'len': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
                          'tos': tos, 'peer': '%s:%d' % peer, 'probe_echoed': ready}))
        return 0
    print(json.dumps({'error': 'nothing received in %.0f s' % a.timeout,
                      'probe_echoed': ready}))
    return 1


# ---- frag-send / tunnel-send ----------------------------------------------

def inner_packet(a, tos=0):
    from scapy.layers.inet import IP, UDP  # noqa: slow import, only here
    (isrc, isport), (idst, idport) = host_port(a.isrc), host_port(a.idst)
    data = payload(a.size, a.seed)
    pkt = IP(src=isrc, dst=idst, flags=0, tos=tos, ttl=60, id=0x4d54) / \
        UDP(sport=isport, dport=idport) / data
    return pkt, data


def raw_send(frames, dst):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    for f in frames:
        s.sendto(f, (dst, 0))
        time.sleep(0.005)


def cmd_frag_send(a):
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, fragment6
    inner, data = inner_packet(a)
    # (no nh on IPv6: scapy sets 44 for the fragment header, 4 after it)
    outer = IPv6(src=a.src, dst=a.dst, hlim=64) / IPv6ExtHdrFragment(id=0x6d617065, nh=4) / inner
    frags = fragment6(outer, a.frag_size)
    raws = [bytes(f) for f in frags]
    if len(raws) < 2:
        print(json.dumps({'error': 'not fragmented: %d bytes' % len(raws[0])}))
        return 1
    raw_send(list(reversed(raws)) if a.reverse else raws, a.dst)
    print(json.dumps({'fragments': len(raws), 'lens': [len(r) for r in raws],
                      'sha256': hashlib.sha256(data).hexdigest()}))
    return 0


def cmd_tunnel_send(a):
    from scapy.layers.inet6 import IPv6
    inner, data = inner_packet(a, tos=a.tos)
    outer = IPv6(src=a.src, dst=a.dst, hlim=64, nh=4, tc=a.tclass) / inner
    raw_send([bytes(outer)], a.dst)
    print(json.dumps({'sha256': hashlib.sha256(data).hexdigest()}))
    return 0


# ---- sink / upload ---------------------------------------------------------

def cmd_sink(a):
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(host_port(a.listen))
    ls.listen(4)
    ls.settimeout(1)
    touch(a.ready)
    end = time.monotonic() + LIFETIME
    while time.monotonic() < end:
        try:
            c, _ = ls.accept()
        except socket.timeout:
            continue
        c.settimeout(120)
        h, n = hashlib.sha256(), 0
        try:
            while True:
                b = c.recv(1 << 16)
                if not b:
                    break
                h.update(b)
                n += len(b)
            c.sendall(b'%d %s\n' % (n, h.hexdigest().encode()))
        except OSError:
            pass
        c.close()


def cmd_upload(a):
    data = payload(a.size, a.seed)
    t0 = time.monotonic()
    res = {'sent': 0, 'sha256': hashlib.sha256(data).hexdigest()}
    try:
        s = socket.create_connection(host_port(a.to), timeout=a.timeout)
        res['mss'] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
        s.settimeout(max(1.0, a.timeout - (time.monotonic() - t0)))
        s.sendall(data)
        res['sent'] = len(data)
        s.shutdown(socket.SHUT_WR)
        reply = b''
        while not reply.endswith(b'\n'):
            b = s.recv(256)
            if not b:
                break
            reply += b
        parts = reply.split()
        if len(parts) == 2:
            res['sink_len'], res['sink_sha256'] = int(parts[0]), parts[1].decode()
        res['mss_end'] = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG)
    except OSError as e:
        res['error'] = str(e)
    res['seconds'] = round(time.monotonic() - t0, 2)
    print(json.dumps(res))
    ok = res.get('sink_len') == a.size and res.get('sink_sha256') == res['sha256']
    return 0 if ok else 1


# ---- pcap ----------------------------------------------------------------

def pcap_frames(path):
    with open(path, 'rb') as f:
        buf = f.read()
    if len(buf) < 24:
        return
    magic = struct.unpack('<I', buf[:4])[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    linktype = struct.unpack(end + 'I', buf[20:24])[0]
    off = 24
    while off + 16 <= len(buf):
        _, _, incl, _ = struct.unpack(end + 'IIII', buf[off:off + 16])
        frame = buf[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:  # Ethernet
            if len(frame) < 14 or frame[12:14] != b'\x86\xdd':
                continue
            yield frame[14:]
        elif linktype == 113:  # Linux cooked (tcpdump -i any)
            if len(frame) < 16 or frame[14:16] != b'\x86\xdd':
                continue
            yield frame[16:]


def outer_packets(path, src, dst):
    s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    for p in pcap_frames(path):
        if len(p) < 40 or p[0] >> 4 != 6 or p[8:24] != s6 or p[24:40] != d6:
            continue
        vtf = struct.unpack('!I', p[:4])[0]
        r = {'tclass': (vtf >> 20) & 0xff, 'plen': struct.unpack('!H', p[4:6])[0],
             'nh': p[6], 'hlim': p[7], 'outer_len': len(p)}
        l4, nh = 40, p[6]
        if nh == 60 and len(p) >= 48:  # destination options (encapsulation limit)
            nh, l4 = p[40], 40 + (p[41] + 1) * 8
            r['dstopt_nh'] = nh
        if nh == 4 and len(p) >= l4 + 20:
            ip = p[l4:]
            ihl = (ip[0] & 15) * 4
            fo = struct.unpack('!H', ip[6:8])[0]
            r.update(tos=ip[1], ilen=struct.unpack('!H', ip[2:4])[0],
                     id=struct.unpack('!H', ip[4:6])[0], df=bool(fo & 0x4000),
                     mf=bool(fo & 0x2000), off=(fo & 0x1fff) * 8, ttl=ip[8], proto=ip[9],
                     ihl=ihl)
            if ip[9] == 1 and r['off'] == 0 and len(ip) > ihl:
                r['icmp_type'] = ip[ihl]
        yield r


def cmd_pcap(a):
    for r in outer_packets(a.file, a.src, a.dst):
        print(json.dumps(r))
    return 0


def cmd_frags(a):
    dg = {}
    for r in outer_packets(a.file, a.src, a.dst):
        if 'id' not in r or r['proto'] != a.proto:
            continue
        if not (r['mf'] or r['off']):
            continue
        d = dg.setdefault(r['id'], {'id': r['id'], 'frags': 0, 'lens': [], 'end': 0,
                                    'have': 0, 'max_outer': 0, 'first_type': None})
        d['frags'] += 1
        d['lens'].append(r['ilen'])
        d['have'] += r['ilen'] - r['ihl']
        d['max_outer'] = max(d['max_outer'], r['outer_len'])
        if not r['mf']:
            d['end'] = r['off'] + r['ilen'] - r['ihl']
        if r['off'] == 0:
            d['first_type'] = r.get('icmp_type')
    out = []
    for d in dg.values():
        if a.icmp_type is not None and d['first_type'] != a.icmp_type:
            continue
        d['bytes'] = d['end'] if d['end'] == d['have'] else -1
        out.append(d)
    print(json.dumps({'datagrams': out}))
    return 0


# ---- stat ----------------------------------------------------------------

def cmd_stat(a):
    text = sys.stdin.read()
    doc = None
    for cand in [text] + list(reversed(text.splitlines())):
        try:
            doc = json.loads(cand)
            break
        except ValueError:
            continue
    if not isinstance(doc, dict):
        print('no JSON: %r' % text[:200], file=sys.stderr)
        return 1
    reasons = doc.get('reasons') or doc.get('counters')
    if not isinstance(reasons, dict):
        print('no "reasons"/"counters" in %r' % text[:200], file=sys.stderr)
        return 1
    v = reasons.get(a.reason, {})
    print(v.get('packets', 0) if isinstance(v, dict) else v)
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('udp-wait')
    p.add_argument('--bind', required=True)
    p.add_argument('--probe-to', required=True)
    p.add_argument('--ready', required=True)
    p.add_argument('--timeout', type=float, default=20)
    for name in ('frag-send', 'tunnel-send'):
        p = sub.add_parser(name)
        p.add_argument('--src', required=True)
        p.add_argument('--dst', required=True)
        p.add_argument('--isrc', required=True)
        p.add_argument('--idst', required=True)
        p.add_argument('--size', type=int, default=2000)
        p.add_argument('--seed', type=int, default=4)
        if name == 'frag-send':
            p.add_argument('--frag-size', type=int, default=1280)
            p.add_argument('--reverse', action='store_true')
        else:
            p.add_argument('--tclass', type=lambda x: int(x, 0), default=0)
            p.add_argument('--tos', type=lambda x: int(x, 0), default=0)
    p = sub.add_parser('sink')
    p.add_argument('--listen', required=True)
    p.add_argument('--ready', required=True)
    p = sub.add_parser('upload')
    p.add_argument('--to', required=True)
    p.add_argument('--size', type=int, required=True)
    p.add_argument('--seed', type=int, default=7)
    p.add_argument('--timeout', type=float, default=60)
    p = sub.add_parser('pcap')
    p.add_argument('--file', required=True)
    p.add_argument('--src', required=True)
    p.add_argument('--dst', required=True)
    p = sub.add_parser('frags')
    p.add_argument('--file', required=True)
    p.add_argument('--src', required=True)
    p.add_argument('--dst', required=True)
    p.add_argument('--proto', type=int, default=1)
    p.add_argument('--icmp-type', type=int)
    p = sub.add_parser('stat')
    p.add_argument('--reason', required=True)
    a = ap.parse_args()
    return {'udp-wait': cmd_udp_wait, 'frag-send': cmd_frag_send,
            'tunnel-send': cmd_tunnel_send, 'pcap': cmd_pcap, 'frags': cmd_frags,
            'stat': cmd_stat, 'sink': cmd_sink, 'upload': cmd_upload}[a.cmd](a)


if __name__ == '__main__':
    sys.exit(main())
