#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the binary seed files of the fuzz corpora (tests/fuzz/corpus/):
DHCPv6 S46 options for fuzz_s46 (the layouts of RFC 7598 section 4, the
cases of tests/unit/test_s46.c), rtnetlink batches for fuzz_nl (the
messages tests/unit/test_nl_msg.h builds: uapi layouts, host byte order)
and NAT-PMP / PCP requests for fuzz_pcp (RFC 6886 section 3, RFC 6887
sections 7, 11 and 13; a sequence is length-prefixed datagrams).
The text seeds (command lines, config files, ISP tables) are written by
hand; this script only makes what is not text.  Run it from anywhere;
it rewrites the files it owns (gen-*) and nothing else."""
import ipaddress
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "gen-" + name), "wb") as f:
        f.write(data)


# ---- RFC 7598 options ------------------------------------------------------

def opt(code, body):
    return struct.pack(">HH", code, len(body)) + body


def v6(s):
    return ipaddress.IPv6Address(s).packed


def v4(s):
    return ipaddress.IPv4Address(s).packed


def portparams(offset, psid_len=0, psid=0):
    raw = psid << (16 - psid_len) if psid_len else 0
    return opt(93, struct.pack(">BBH", offset, psid_len, raw))


def rule(flags, ea, pfx4, p4, pfx6, p6, offset=None):
    body = struct.pack(">BBB", flags, ea, p4) + v4(pfx4) + bytes([p6])
    body += v6(pfx6)[: (p6 + 7) // 8]
    if offset is not None:
        body += portparams(offset)
    return opt(89, body)


def br(a):
    return opt(90, v6(a))


def bind(a4, pfx6, p6, pp=b""):
    return opt(92, v4(a4) + bytes([p6]) + v6(pfx6)[: (p6 + 7) // 8] + pp)


def s46_seeds():
    two = (rule(0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4)
           + rule(1, 13, "203.0.113.0", 27, "2001:db8:100::", 40)
           + br("2001:db8:ffff::64"))
    yield "mape-two-rules", opt(94, two)
    yield "mape-payload", two
    yield "mape-v6plus", opt(94, rule(0, 25, "106.72.0.0", 15, "240b:10::", 31, 4)
                             + br("2404:9200:225:100::64"))
    yield "mape-two-brs", opt(94, rule(0, 16, "198.51.100.0", 24, "2001:db8::", 40)
                              + br("2001:db8:ffff::64") + br("2001:db8:ffff::65"))
    yield "mape-prefix4", opt(94, rule(0, 4, "198.51.100.0", 24, "2001:db8::", 40)
                              + br("2001:db8:ffff::64"))
    yield "lw-portparams", opt(96, bind("192.0.2.18", "2001:db8:1:2::", 64,
                                        portparams(4, 8, 52))
                               + br("2001:db8:ffff::1"))
    yield "lw-whole-address", opt(96, bind("192.0.2.18", "2001:db8:1::", 48)
                                  + br("2001:db8:ffff::1"))
    # near misses: the parser's refusals
    yield "mapt", opt(95, opt(91, bytes([64]) + v6("64:ff9b::")[:8]))
    yield "dmr-in-payload", opt(91, bytes([64]) + v6("64:ff9b::")[:8])
    yield "trailing", opt(94, two) + b"\x00\x5a"
    yield "dhcpkit-portparams", opt(94, opt(89, struct.pack(">BBB", 0, 16, 24) + v4("198.51.100.0")
                                            + bytes([40]) + v6("2001:db8::")[:5]
                                            + bytes.fromhex("005d000406070000"))
                                    + br("2001:db8:ffff::64"))
    yield "no-br", opt(94, rule(0, 16, "198.51.100.0", 24, "2001:db8::", 40))


# ---- rtnetlink messages (host byte order, as the kernel sends them) --------

NLMSG_ERROR, NLMSG_DONE = 2, 3
RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR = 16, 17, 20, 21
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x2, 0x10, 0x100, 0x200
AF_INET, AF_INET6 = 2, 10


def align(b):
    return b + b"\0" * (-len(b) % 4)


def attr(t, payload):
    return align(struct.pack("=HH", 4 + len(payload), t) + payload)


def u32(v):
    return struct.pack("=I", v)


def msg(t, payload, flags=0, seq=0, pid=0):
    return align(struct.pack("=IHHII", 16 + len(payload), t, flags, seq, pid) + payload)


def link(t, index, flags, name, mtu):
    hdr = struct.pack("=BxHiII", 0, 1, index, flags, 0)
    return msg(t, hdr + attr(3, name.encode() + b"\0") + attr(4, u32(mtu)))


def addr6(t, index, a, plen, local=True, flags=0x80, lft=(3600, 7200)):
    hdr = struct.pack("=BBBBI", AF_INET6, plen, 0, 0, index)
    body = attr(1, v6(a))
    if local:
        body += attr(2, v6(a))
    body += attr(8, u32(flags)) + attr(6, struct.pack("=IIII", lft[0], lft[1], 100, 200))
    return msg(t, hdr + body)


def route(t, family, dst, dst_len, attrs, rtm_flags=0, table=254, proto=4):
    hdr = struct.pack("=BBBBBBBBI", family, dst_len, 0, 0, table, proto, 0, 1, rtm_flags)
    body = attr(1, dst) if dst is not None else b""
    return msg(t, hdr + body + attrs)


def error(err, req_len, capped, text, flags=0):
    req = struct.pack("=IHHII", req_len, RTM_NEWROUTE, 0x605, 7, 0)
    if not capped:
        req += b"\0" * (req_len - 16)
    f = flags | (NLM_F_CAPPED if capped else 0) | (NLM_F_ACK_TLVS if text else 0)
    body = struct.pack("=i", err) + req
    if text:
        body = align(body) + attr(1, text.encode() + b"\0")
    return msg(NLMSG_ERROR, body, f)


def nl_seeds():
    up = link(RTM_NEWLINK, 2, 0x1 | 0x40 | 0x1000, "wan0", 1500)
    addr = addr6(RTM_NEWADDR, 2, "2001:db8:12:3400::1", 64)
    via = (attr(18, struct.pack("=H", AF_INET6) + v6("fe80::1")) + attr(4, u32(2))
           + attr(15, u32(254)) + attr(6, u32(1024))
           + attr(8, attr(2, u32(1460))))
    r4 = route(RTM_NEWROUTE, AF_INET, None, 0, via)
    r6 = route(RTM_NEWROUTE, AF_INET6, v6("2001:db8::"), 32,
               attr(5, v6("fe80::1")) + attr(4, u32(2)) + attr(15, u32(1000)))
    yield "link-new", up
    yield "link-del", link(RTM_DELLINK, 3, 0, "wan1", 0)
    yield "addr6-new", addr
    yield "addr6-del-peer", addr6(RTM_DELADDR, 2, "fe80::2", 128, local=False, flags=0x40,
                                  lft=(0xffffffff, 0xffffffff))
    yield "addr4", msg(RTM_NEWADDR, struct.pack("=BBBBI", AF_INET, 24, 0, 0, 2)
                       + attr(1, v4("192.0.2.1")))
    yield "route4-via", r4
    yield "route6-gw", r6
    yield "route6-cloned", route(RTM_NEWROUTE, AF_INET6, v6("2001:db8::1"), 128,
                                 attr(8, attr(2, u32(1400))), rtm_flags=0x200)
    yield "route-del-mpls-via", route(RTM_DELROUTE, AF_INET, v4("198.51.100.0"), 24,
                                      attr(18, struct.pack("=H", 28) + b"\0\0\1\0"))
    yield "error-capped-extack", error(-22, 40, True, "Invalid prefix length\n")
    yield "error-echo", error(-17, 28, False, "File exists")
    yield "error-ack", error(0, 16, True, "")
    yield "done-extack", msg(NLMSG_DONE, align(struct.pack("=i", -16))
                             + attr(1, b"Device busy\0"), NLM_F_MULTI | NLM_F_ACK_TLVS)
    yield "batch", up + addr + r4 + r6 + msg(NLMSG_DONE, struct.pack("=i", 0), NLM_F_MULTI)
    yield "dump-intr", up + msg(RTM_NEWLINK, up[16:], NLM_F_DUMP_INTR) + addr
    # near misses: an attribute longer than its message, a short header
    bad = bytearray(addr)
    struct.pack_into("=H", bad, 16 + 8, 200)
    yield "addr6-overrun", bytes(bad) + r6
    yield "route-short", msg(RTM_NEWROUTE, b"\x0a\x40\0\0")


# ---- NAT-PMP (RFC 6886 section 3) and PCP (RFC 6887 sections 7, 11, 13) ----

def v4mapped(a):
    return b"\0" * 10 + b"\xff\xff" + v4(a)


def pcp_map(proto=6, iport=8022, eport=4000, life=3600, opts=b"", version=2, op=1):
    return (struct.pack(">BBHI", version, op, 0, life) + v4mapped("192.0.2.10")
            + bytes(range(1, 13)) + struct.pack(">B3xHH", proto, iport, eport)
            + v4mapped("198.51.100.18") + opts)


def pcp_opt(code, data):
    return struct.pack(">BBH", code, 0, len(data)) + data + b"\0" * ((4 - len(data) % 4) % 4)


def pcp_seeds():
    yield "natpmp-addr", b"\0\0"
    yield "natpmp-map-tcp", struct.pack(">BBHHHI", 0, 2, 0, 8022, 4930, 7200)
    yield "natpmp-delete-all", struct.pack(">BBHHHI", 0, 1, 0, 0, 0, 0)
    yield "pcp-map", pcp_map()
    yield "pcp-map-prefer-failure", pcp_map(opts=pcp_opt(2, b""))
    yield "pcp-map-third-party", pcp_map(opts=pcp_opt(1, v4mapped("192.0.2.20")))
    yield "pcp-map-filter-optional", pcp_map(opts=pcp_opt(3, bytes(20)) + pcp_opt(200, b"xyz"))
    yield "pcp-announce", struct.pack(">BBHI", 2, 0, 0, 0) + v4mapped("192.0.2.10")
    yield "pcp-peer", pcp_map(op=2) + struct.pack(">HH", 80, 0) + v4mapped("203.0.113.10")
    # near misses: an option past the end, version 3, a response
    yield "pcp-option-overrun", pcp_map(opts=struct.pack(">BBH", 2, 0, 8))
    yield "pcp-version3", pcp_map(version=3)
    yield "pcp-response", pcp_map(op=0x81)
    # a sequence (a length byte before each datagram): map, renew, delete
    seq = [pcp_map(life=60), pcp_map(life=120),
           struct.pack(">BBHHHI", 0, 2, 0, 8022, 0, 0),
           struct.pack(">BBHHHI", 0, 1, 0, 7001, 9030, 30)]
    yield "seq-map-renew-delete", b"".join(bytes([len(d)]) + d for d in seq)


def main():
    for name, data in s46_seeds():
        write("fuzz_s46", name, data)
    for name, data in nl_seeds():
        write("fuzz_nl", name, data)
    for name, data in pcp_seeds():
        write("fuzz_pcp", name, data)
    # calc with the two-rule option as the hook's hex
    two = dict(s46_seeds())["mape-two-rules"]
    write("fuzz_cli", "calc-dhcpv6", ("calc\n--dhcpv6-option\n%s\n--prefix\n"
                                      "2001:db8:12:3400::/56\n" % two.hex(":")).encode())
    # and as a config file's key (one word: ':' separators)
    write("fuzz_config", "dhcpv6", ("wan eth0\ndhcpv6-option %s\nprefix 2001:db8:12:3400::/56\n"
                                    "mss-clamp auto\n" % two.hex(":")).encode())


if __name__ == "__main__":
    main()
