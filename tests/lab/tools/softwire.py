#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The far end of a softwire for the mapce lab: a DS-Lite AFTR, an lw4o6
lwAFTR or an RFC 2473 fixed-IPv4 endpoint, written apart from mapce (no
mapce code), so a CE bug is not hidden by the same code on this end.

    softwire.py aftr   --dev IF --tun TUN --local AFTR6 --b4-prefix PFX/LEN
    softwire.py lwaftr --dev IF --tun TUN --local AFTR6
                       --bind IPV4,PSID,B4 [--bind ...] --psid-len K
                       [--psid-offset A]
    softwire.py ipip6  --dev IF --tun TUN --local BR6 --remote CE6
                       --ipv4 ADDR/LEN [--remote-file FILE]
        common: --stats FILE.json [--seconds N] [--ready FILE]

IPv4-in-IPv6 sent to LOCAL arrives on IF (an AF_PACKET socket: the
kernel's own protocol-4 handling must not answer it; the lab drops it in
nft prerouting, after this socket has its copy); what the role accepts
goes into TUN (an existing TUN device the lab routes and NATs around),
and what the kernel routes into TUN goes out encapsulated (a raw IPv6
socket: the kernel finds the next hop, on-link or routed).  Outer hop
limit 64, traffic class = the inner TOS out, RFC 6040 ECN in.

    aftr    RFC 6333: accepts any B4 in the prefix; the kernel NATs the
            inner IPv4 (nft in the namespace); replies go to the B4 that
            last sent from the reply's destination (the softwire table)
    lwaftr  RFC 7596: no NAT; a packet whose source port (ICMP id) is
            outside the bound set, or whose B4 is not the binding's, is
            dropped and counted; inbound goes to the binding's B4
    ipip6   RFC 2473: only the CE's tunnel address as outer source, only
            the fixed address or prefix as inner source; --remote-file
            (read every second) follows the CE's new address

--stats: a JSON object, rewritten at most twice a second: counters,
drops by reason, inner sources, B4s, the source ports seen per address.
Ends on SIGTERM/SIGINT or after --seconds.
"""
import argparse
import ctypes
import fcntl
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

from labnet import inet_csum, stop_flag, touch

TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454ca, 0x0001, 0x1000
ETH_P_IPV6 = 0x86dd
PACKET_OUTGOING = 4
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_CSUMNOTREADY = 8
SO_ATTACH_FILTER = 26
IPPROTO_IPIP, IPPROTO_FRAG = 4, 44
ECT_MASK, ECN_CE = 3, 3
BATCH = 64  # packets per wakeup and direction: the other one is not starved


def ip6(s):
    try:
        return socket.inet_pton(socket.AF_INET6, s)
    except OSError:
        raise ValueError(f'{s!r} is not an IPv6 address') from None


def ip4str(b):
    return socket.inet_ntop(socket.AF_INET, b)


def ip6str(b):
    return socket.inet_ntop(socket.AF_INET6, b)


def fix_ip4_csum(pkt):
    ihl = (pkt[0] & 15) * 4
    pkt[10:12] = b'\0\0'
    pkt[10:12] = struct.pack('!H', inet_csum(bytes(pkt[:ihl])))


def finish_l4_csum(pkt):
    """What the NIC would do for a CHECKSUM_PARTIAL frame: fold the L4
    bytes as they are (the checksum field holds the sender's pseudo-header
    sum) into the final checksum.  A sender that wrote a wrong pseudo sum
    still gets a wrong checksum: nothing is hidden."""
    ihl = (pkt[0] & 15) * 4
    proto = pkt[9]
    off = {6: 16, 17: 6}.get(proto)
    if off is None or len(pkt) < ihl + off + 2 or pkt[6] & 0x3f or pkt[7]:
        return
    c = inet_csum(bytes(pkt[ihl:]))
    if proto == 17 and c == 0:
        c = 0xffff
    pkt[ihl + off:ihl + off + 2] = struct.pack('!H', c)


def ports(pkt, outward):
    """The port that decides the binding: outward (from the B4) the source
    port or echo id, an ICMP error's embedded destination port; inward the
    other way round.  None: no port (a non-first fragment, another
    protocol)."""
    ihl = (pkt[0] & 15) * 4
    if struct.unpack('!H', pkt[6:8])[0] & 0x1fff:
        return None
    proto, l4 = pkt[9], pkt[ihl:]
    if proto in (6, 17) and len(l4) >= 4:
        sp, dp = struct.unpack('!HH', l4[:4])
        return sp if outward else dp
    if proto == 1 and len(l4) >= 8:
        t = l4[0]
        if t in (0, 8, 13, 14):
            return struct.unpack('!H', l4[4:6])[0]
        if t in (3, 4, 5, 11, 12) and len(l4) >= 8 + 20:
            emb = l4[8:]
            eihl = (emb[0] & 15) * 4
            if len(emb) < eihl + 8:
                return None
            if emb[9] in (6, 17):
                sp, dp = struct.unpack('!HH', emb[eihl:eihl + 4])
                return dp if outward else sp
            if emb[9] == 1:
                return struct.unpack('!H', emb[eihl + 4:eihl + 6])[0]
    return None


class Psid:
    """RFC 7597 section 5.1: offset a, length k; a port is in PSID p's set
    when its k bits after the first a are p and (a > 0) its first a bits
    are not all zero."""

    def __init__(self, k, a):
        if not 0 <= a <= 15 or not 0 <= k <= 16 - a:
            raise ValueError(f'psid-len {k} / psid-offset {a}: need 0 <= a <= 15, a + k <= 16')
        self.k, self.a = k, a

    def of(self, port):
        if self.a and port >> (16 - self.a) == 0:
            return None
        return (port >> (16 - self.a - self.k)) & ((1 << self.k) - 1)


class Far:
    def __init__(self, o):
        self.o = o
        self.local = ip6(o.local)
        self.stats = {'role': o.role, 'decap': 0, 'encap': 0, 'drops': {},
                      'inner_sources': {}, 'b4s': {}, 'ports_ok': {}, 'ports_bad': {},
                      'csum_finished': 0}
        self.dirty = True
        self.last_dump = 0.0

    # ---- bookkeeping --------------------------------------------------
    def drop(self, why):
        d = self.stats['drops']
        d[why] = d.get(why, 0) + 1
        self.dirty = True

    def count(self, key, what):
        m = self.stats[key]
        m[what] = m.get(what, 0) + 1

    def port_seen(self, key, addr, port):
        s = self.stats[key].setdefault(addr, [])
        if port not in s and len(s) < 4096:
            s.append(port)

    def dump(self, force=False):
        now = time.monotonic()
        if not self.o.stats or not (force or (self.dirty and now - self.last_dump > 0.5)):
            return
        for m in ('ports_ok', 'ports_bad'):
            for v in self.stats[m].values():
                v.sort()
        tmp = self.o.stats + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.stats, f, indent=1, sort_keys=True)
        os.replace(tmp, self.o.stats)
        self.dirty, self.last_dump = False, now

    # ---- the roles: accept(src6, inner) -> True; route(inner) -> B4 ---
    def accept(self, src6, pkt):
        raise NotImplementedError

    def route(self, pkt):
        raise NotImplementedError

    def tick(self):
        pass


class Aftr(Far):
    def __init__(self, o):
        super().__init__(o)
        self.b4net = ipaddress.IPv6Network(o.b4_prefix, strict=False)
        self.softwires = {}  # inner IPv4 (bytes) -> B4 IPv6 (bytes)
        self.stats['softwires'] = {}

    def accept(self, src6, pkt):
        if ipaddress.IPv6Address(src6) not in self.b4net:
            return self.drop('b4_outside_prefix')
        src4 = bytes(pkt[12:16])
        old = self.softwires.get(src4)
        if old is not None and old != src6:
            # two B4s with one private address: the lab has one B4 per
            # address; the last one wins, counted
            self.drop('softwire_conflict')
        self.softwires[src4] = src6
        self.stats['softwires'][ip4str(src4)] = ip6str(src6)
        self.count('inner_sources', ip4str(src4))
        self.count('b4s', ip6str(src6))
        return True

    def route(self, pkt):
        b4 = self.softwires.get(bytes(pkt[16:20]))
        if b4 is None:
            self.drop('no_softwire')
        return b4


class LwAftr(Far):
    def __init__(self, o):
        super().__init__(o)
        self.psid = Psid(o.psid_len, o.psid_offset)
        self.bind = {}  # (IPv4 bytes, PSID) -> B4 bytes
        for b in o.bind:
            try:
                a4, p, b6 = b.split(',')
                key = (ipaddress.IPv4Address(a4).packed, int(p, 0))
                if not 0 <= key[1] < 1 << self.psid.k:
                    raise ValueError(f'PSID {p} does not fit in {self.psid.k} bits')
                self.bind[key] = ip6(b6)
            except (ValueError, OSError) as e:
                raise SystemExit(f'softwire: --bind {b!r}: {e} (want IPV4,PSID,B4)')
        self.addrs = {k[0] for k in self.bind}

    def accept(self, src6, pkt):
        src4 = bytes(pkt[12:16])
        if src4 not in self.addrs:
            return self.drop('no_binding')
        port = ports(pkt, True)
        if port is None:
            # a non-first fragment (or a portless protocol): only the
            # address and the B4 can be checked
            if src6 not in {b for (a, _), b in self.bind.items() if a == src4}:
                return self.drop('b4_mismatch')
            self.drop('accepted_without_port')
        else:
            p = self.psid.of(port)
            if p is None or (src4, p) not in self.bind:
                self.port_seen('ports_bad', ip4str(src4), port)
                return self.drop('port_outside_set')
            if self.bind[(src4, p)] != src6:
                return self.drop('b4_mismatch')
            self.port_seen('ports_ok', ip4str(src4), port)
        self.count('inner_sources', ip4str(src4))
        self.count('b4s', ip6str(src6))
        return True

    def route(self, pkt):
        dst4 = bytes(pkt[16:20])
        port = ports(pkt, False)
        p = self.psid.of(port) if port is not None else None
        b4 = self.bind.get((dst4, p))
        if b4 is None:
            self.drop('no_binding_inbound')
        return b4


class Ipip6(Far):
    def __init__(self, o):
        super().__init__(o)
        self.net4 = ipaddress.IPv4Network(o.ipv4, strict=False)
        self.remote = ip6(o.remote)
        self.stats['remote'] = o.remote
        self.mtime = None

    def tick(self):
        if not self.o.remote_file:
            return
        try:
            st = os.stat(self.o.remote_file)
            if st.st_mtime_ns == self.mtime:
                return
            self.mtime = st.st_mtime_ns
            with open(self.o.remote_file) as f:
                new = f.read().strip()
            self.remote = ip6(new)
            self.stats['remote'] = new
            self.dirty = True
        except (OSError, ValueError):
            pass

    def accept(self, src6, pkt):
        if src6 != self.remote:
            return self.drop('wrong_source')
        if ipaddress.IPv4Address(bytes(pkt[12:16])) not in self.net4:
            return self.drop('inner_source_outside')
        self.count('inner_sources', ip4str(pkt[12:16]))
        self.count('b4s', ip6str(src6))
        return True

    def route(self, pkt):
        return self.remote


ROLES = {'aftr': Aftr, 'lwaftr': LwAftr, 'ipip6': Ipip6}


def open_tun(name):
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def open_sockets(o):
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    rx.bind((o.dev, ETH_P_IPV6))
    rx.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    rx.setblocking(False)
    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPIP)
    tx.bind((o.local, 0))
    tx.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 64)
    # tx only: a filter that takes nothing, so nothing queues on it
    ins = ctypes.create_string_buffer(struct.pack('HBBI', 0x06, 0, 0, 0))
    tx.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                  struct.pack('HL', 1, ctypes.addressof(ins)))
    return rx, tx


def decap(far, data, anc):
    """One IPv6 frame from the device -> the inner IPv4 (bytearray) to
    write into the TUN, or None."""
    if len(data) < 40 or data[0] >> 4 != 6 or data[24:40] != far.local:
        return None
    nh = data[6]
    if nh == IPPROTO_FRAG and len(data) >= 48 and data[40] == IPPROTO_IPIP:
        return far.drop('outer_fragment')
    if nh != IPPROTO_IPIP:
        return None
    plen = struct.unpack('!H', data[4:6])[0]
    pkt = bytearray(data[40:40 + plen])
    if len(pkt) < 20 or pkt[0] >> 4 != 4 or struct.unpack('!H', pkt[2:4])[0] > len(pkt):
        return far.drop('bad_inner')
    del pkt[struct.unpack('!H', pkt[2:4])[0]:]
    if not far.accept(bytes(data[8:24]), pkt):
        return None
    for level, typ, val in anc:
        if level == SOL_PACKET and typ == PACKET_AUXDATA:
            if struct.unpack('I', val[:4])[0] & TP_STATUS_CSUMNOTREADY:
                finish_l4_csum(pkt)
                far.stats['csum_finished'] += 1
    tclass = (struct.unpack('!I', data[:4])[0] >> 20) & 0xff
    if tclass & ECT_MASK == ECN_CE:  # RFC 6040 section 4.2
        if pkt[1] & ECT_MASK == 0:
            return far.drop('ecn_ce_not_ect')
        pkt[1] |= ECN_CE
        fix_ip4_csum(pkt)
    far.stats['decap'] += 1
    far.dirty = True
    return pkt


def main():
    a = argparse.ArgumentParser()
    a.add_argument('role', choices=sorted(ROLES))
    a.add_argument('--dev', required=True)
    a.add_argument('--tun', required=True)
    a.add_argument('--local', required=True)
    a.add_argument('--b4-prefix')
    a.add_argument('--bind', action='append', default=[])
    a.add_argument('--psid-len', type=int, default=0)
    a.add_argument('--psid-offset', type=int, default=6)
    a.add_argument('--remote')
    a.add_argument('--remote-file')
    a.add_argument('--ipv4')
    a.add_argument('--stats')
    a.add_argument('--seconds', type=float, default=3600)
    a.add_argument('--ready')
    o = a.parse_args()
    need = {'aftr': ['b4_prefix'], 'lwaftr': ['bind'], 'ipip6': ['remote', 'ipv4']}[o.role]
    for n in need:
        if not getattr(o, n):
            a.error(f'{o.role} needs --{n.replace("_", "-")}')
    try:
        far = ROLES[o.role](o)
        tun = open_tun(o.tun)
        rx, tx = open_sockets(o)
    except (ValueError, OSError) as e:
        print(f'softwire: {e}', file=sys.stderr)
        return 2
    stop = stop_flag()
    far.dump(True)
    touch(o.ready)
    end = time.monotonic() + o.seconds
    asz = socket.CMSG_SPACE(20)
    while not stop and time.monotonic() < end:
        try:
            r, _, _ = select.select([tun, rx], [], [], 0.2)
        except InterruptedError:
            continue
        far.tick()
        for _ in range(BATCH if rx in r else 0):
            try:
                data, anc, _, addr = rx.recvmsg(65535, asz)
            except BlockingIOError:
                break
            if addr[2] == PACKET_OUTGOING:
                continue
            pkt = decap(far, data, anc)
            if pkt:
                try:
                    os.write(tun, pkt)
                except OSError:
                    far.drop('tun_write')
        for _ in range(BATCH if tun in r else 0):
            try:
                pkt = os.read(tun, 65535)
            except BlockingIOError:
                break
            if len(pkt) < 20 or pkt[0] >> 4 != 4:
                continue
            b4 = far.route(pkt)
            if b4 is None:
                continue
            tos = [(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, struct.pack('i', pkt[1]))]
            try:
                tx.sendmsg([pkt], tos, 0, (ip6str(b4), 0))
                far.stats['encap'] += 1
                far.dirty = True
            except OSError:
                far.drop('send_error')
        far.dump()
    far.dump(True)
    s = far.stats
    print(f'softwire {o.role}: {s["decap"]} decapsulated, {s["encap"]} encapsulated, '
          f'drops {s["drops"]}', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
