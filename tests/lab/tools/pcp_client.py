#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A small PCP client (RFC 6887) for the lab, written from the RFC's
layouts and independent of mapce's code: one request to a server, its
answer as one JSON object on stdout.

  pcp_client.py --server 192.0.2.1 map --proto tcp --internal 8023 \
      --external 4000 --lifetime 60 [--nonce HEX] [--prefer-failure] \
      [--third-party IP] [--filter IP] [--client IP]
  pcp_client.py --server 192.0.2.1 announce
  pcp_client.py --server 192.0.2.1 peer --proto tcp --internal 8023

Request (RFC 6887 §7.1): version 2, R=0|opcode, 16 bits reserved, the
requested lifetime, the client's address (IPv4-mapped IPv6); MAP (§11.1):
a 96-bit nonce, protocol, 24 bits reserved, internal port, suggested
external port, suggested external address; options (§7.3): code,
reserved, 16-bit length, data padded to 32 bits.  The answer
(§7.2): version, R|opcode, reserved, result, lifetime, epoch, 96 bits
reserved, and for MAP the assigned port and address.  Sent up to three
times (RFC 6887 §8.1.1 retransmits; a lab answers at once or never).
Exit 0 when an answer came (whatever its result), 1 when none did.
"""
import argparse
import ipaddress
import json
import os
import socket
import struct
import sys

OPCODES = {"announce": 0, "map": 1, "peer": 2}
PROTOS = {"tcp": 6, "udp": 17, "all": 0}
RESULTS = ["SUCCESS", "UNSUPP_VERSION", "NOT_AUTHORIZED", "MALFORMED_REQUEST",
           "UNSUPP_OPCODE", "UNSUPP_OPTION", "MALFORMED_OPTION", "NETWORK_FAILURE",
           "NO_RESOURCES", "UNSUPP_PROTOCOL", "USER_EX_QUOTA",
           "CANNOT_PROVIDE_EXTERNAL", "ADDRESS_MISMATCH", "EXCESSIVE_REMOTE_PEERS"]


def mapped(ip):
    """An IPv4 address as RFC 6887 carries it: ::ffff:a.b.c.d."""
    return b"\0" * 10 + b"\xff\xff" + ipaddress.IPv4Address(ip).packed


def unmapped(b):
    a = ipaddress.IPv6Address(b)
    return str(a.ipv4_mapped) if a.ipv4_mapped else str(a)


def option(code, data):
    pad = (4 - len(data) % 4) % 4
    return struct.pack(">BBH", code, 0, len(data)) + data + b"\0" * pad


def build(a, client):
    msg = struct.pack(">BBHI", a.version, OPCODES[a.op], 0, a.lifetime) + mapped(client)
    if a.op in ("map", "peer"):
        nonce = bytes.fromhex(a.nonce) if a.nonce else os.urandom(12)
        msg += nonce + struct.pack(">B3xHH", PROTOS[a.proto], a.internal, a.external)
        msg += mapped(a.external_ip)
        if a.op == "peer":  # remote peer port, reserved, remote peer address
            msg += struct.pack(">HH", 80, 0) + mapped("203.0.113.10")
    if a.prefer_failure:
        msg += option(2, b"")
    if a.third_party:
        msg += option(1, mapped(a.third_party))
    if a.filter:  # reserved, prefix length, remote peer port, remote peer address
        msg += option(3, struct.pack(">BBH", 0, 128, 0) + mapped(a.filter))
    return msg


def parse(b, op):
    if len(b) < 24:
        return {"error": "answer of %d bytes" % len(b)}
    ver, rop, _, result, life, epoch = struct.unpack(">BBBBII", b[:12])
    out = {"len": len(b), "version": ver, "r": bool(rop & 0x80), "opcode": rop & 0x7f,
           "result": result,
           "result_name": RESULTS[result] if result < len(RESULTS) else "?",
           "lifetime": life, "epoch": epoch}
    if op == "map" and len(b) >= 60:
        nonce, proto, iport, eport, eip = struct.unpack(">12sB3xHH16s", b[24:60])
        out.update({"nonce": nonce.hex(), "proto": proto, "internal_port": iport,
                    "external_port": eport, "external_ip": unmapped(eip)})
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--server", required=True)
    p.add_argument("--port", type=int, default=5351)
    p.add_argument("--client", help="the client address of the header (default: ours)")
    p.add_argument("--version", type=int, default=2)
    p.add_argument("--timeout", type=float, default=2.0, help="per try, seconds")
    p.add_argument("op", choices=sorted(OPCODES))
    p.add_argument("--proto", choices=sorted(PROTOS), default="tcp")
    p.add_argument("--internal", type=int, default=0)
    p.add_argument("--external", type=int, default=0)
    p.add_argument("--external-ip", default="0.0.0.0")
    p.add_argument("--lifetime", type=int, default=0)
    p.add_argument("--nonce", help="24 hex digits (default: random)")
    p.add_argument("--prefer-failure", action="store_true")
    p.add_argument("--third-party")
    p.add_argument("--filter", help="a FILTER option for this remote address")
    a = p.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.server, a.port))
    client = a.client or s.getsockname()[0]
    msg = build(a, client)
    s.settimeout(a.timeout)
    for _ in range(3):
        s.send(msg)
        try:
            b = s.recv(2048)
        except socket.timeout:
            continue
        except OSError as e:  # e.g. ICMP port unreachable
            print(json.dumps({"error": str(e)}))
            return 1
        out = parse(b, a.op)
        out["sent_nonce"] = msg[24:36].hex() if a.op != "announce" else ""
        print(json.dumps(out))
        return 0
    print(json.dumps({"error": "no answer"}))
    return 1


if __name__ == "__main__":
    sys.exit(main())
