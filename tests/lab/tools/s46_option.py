#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""RFC 7598 softwire options, read from their bytes, and what a MAP-E CE
must derive from them (RFC 7597): the lab's check of what a DHCPv6 server
sent, independent of mapce's own parser.

    decode HEX          -> JSON: {"code": 94|96|null, "rules": [{"flags",
                           "fmr", "ea_len", "prefix4_len", "ipv4_prefix",
                           "ipv6_prefix", "portparams": {"offset",
                           "psid_len", "psid"}|null}], "br": [...],
                           "dmr": [...], "v4v6bind": [...]}
    expect HEX --prefix P
                        -> JSON: the parameters of the CE with end-user
                           prefix P: ipv4, psid, psid_len, psid_offset,
                           port_count, ce_ipv6, br, rule ("IPV6PFX,IPV4PFX,
                           EALEN,OFFSET" of the basic mapping rule)
    payload HEX         -> the option's payload (its 4-byte header cut)
    colon HEX           -> the bytes as dhclient prints them: "0:59:0:15:..."

HEX is a whole option 94 (S46_CONT_MAPE) or 96 (S46_CONT_LW) with its
header, or only its payload.  A malformed option: exit 1, the reason on
stdout.
"""
import argparse
import ipaddress
import json
import struct
import sys

S46_RULE, S46_BR, S46_DMR, S46_V4V6BIND, S46_PORTPARAMS = 89, 90, 91, 92, 93
CONTAINERS = (94, 95, 96)
DEFAULT_OFFSET = 6  # RFC 7597 5.1: a = 6 when the rule gives none


class Bad(Exception):
    pass


def tlvs(data, where):
    """The (code, body) sub-options of data; their lengths must tile it."""
    out, i = [], 0
    while i < len(data):
        if len(data) - i < 4:
            raise Bad('%s: %d stray bytes at %d' % (where, len(data) - i, i))
        code, n = struct.unpack_from('>HH', data, i)
        if i + 4 + n > len(data):
            raise Bad('%s: option %d at %d is %d bytes, %d left' % (where, code, i, n, len(data) - i - 4))
        out.append((code, data[i + 4:i + 4 + n]))
        i += 4 + n
    return out


def prefix6(data, at, where):
    """prefix6-len and the ceil(len / 8) bytes after it: (network, next)."""
    if at >= len(data):
        raise Bad('%s: no prefix6-len' % where)
    plen = data[at]
    if plen > 128:
        raise Bad('%s: prefix6-len %d' % (where, plen))
    nbytes = (plen + 7) // 8
    raw = data[at + 1:at + 1 + nbytes]
    if len(raw) != nbytes:
        raise Bad('%s: prefix6-len %d needs %d bytes, %d there' % (where, plen, nbytes, len(raw)))
    addr = ipaddress.IPv6Address(raw + bytes(16 - nbytes))
    return ipaddress.IPv6Network((addr, plen), strict=False), at + 1 + nbytes


def portparams(body, where):
    if len(body) != 4:
        raise Bad('%s: S46_PORTPARAMS is %d bytes, not 4' % (where, len(body)))
    offset, k, psid = struct.unpack('>BBH', body)
    if offset > 15 or k > 16:
        raise Bad('%s: offset %d psid-len %d' % (where, offset, k))
    # the PSID is left-aligned in its 16 bits (RFC 7598 4.5)
    return {'offset': offset, 'psid_len': k, 'psid': psid >> (16 - k) if k else 0}


def rule(body, where):
    if len(body) < 8:
        raise Bad('%s: S46_RULE is %d bytes' % (where, len(body)))
    flags, ea_len, p4 = body[0], body[1], body[2]
    if ea_len > 48 or p4 > 32:
        raise Bad('%s: ea-len %d prefix4-len %d' % (where, ea_len, p4))
    v4 = ipaddress.IPv4Network((ipaddress.IPv4Address(body[3:7]), p4), strict=False)
    v6, end = prefix6(body, 7, where)
    pp = None
    for code, sub in tlvs(body[end:], where + ' options'):
        if code == S46_PORTPARAMS:
            pp = portparams(sub, where)
    return {'flags': flags, 'fmr': bool(flags & 1), 'ea_len': ea_len, 'prefix4_len': p4,
            'ipv4_prefix': str(v4), 'ipv6_prefix': str(v6), 'portparams': pp}


def split(hexstr):
    """(container code or None, payload bytes)."""
    s = hexstr.strip().lower()
    if s.startswith('0x'):
        s = s[2:]
    try:
        if ':' in s or ' ' in s:  # bytes of one or two digits (dhclient)
            data = bytes(int(b, 16) for b in s.replace(':', ' ').split())
        else:
            data = bytes.fromhex(s)
    except ValueError as e:
        raise Bad('not hex: %s' % e)
    if len(data) >= 4:
        code, n = struct.unpack_from('>HH', data)
        if code in CONTAINERS and n == len(data) - 4:
            return code, data[4:]
    return None, data


def decode(hexstr):
    code, payload = split(hexstr)
    d = {'code': code, 'rules': [], 'br': [], 'dmr': [], 'v4v6bind': [], 'other': []}
    for i, (c, body) in enumerate(tlvs(payload, 'container')):
        where = 'sub-option %d (%d)' % (i, c)
        if c == S46_RULE:
            d['rules'].append(rule(body, where))
        elif c == S46_BR:
            if len(body) != 16:
                raise Bad('%s: S46_BR is %d bytes' % (where, len(body)))
            d['br'].append(str(ipaddress.IPv6Address(body)))
        elif c == S46_DMR:
            d['dmr'].append(str(prefix6(body, 0, where)[0]))
        elif c == S46_V4V6BIND:
            v6, end = prefix6(body, 4, where)
            d['v4v6bind'].append({'ipv4': str(ipaddress.IPv4Address(body[:4])), 'ipv6_prefix': str(v6)})
        else:
            d['other'].append(c)
    return d


def expect(hexstr, prefix):
    """RFC 7597: the basic mapping rule (longest rule IPv6 prefix holding
    the end-user prefix), its EA bits, the IPv4 address, PSID and ports,
    and the CE's MAP address (RFC 7597 6: 16 zero bits, IPv4, PSID)."""
    d = decode(hexstr)
    eup = ipaddress.IPv6Network(prefix, strict=False)
    rules = [r for r in d['rules'] if eup.subnet_of(ipaddress.IPv6Network(r['ipv6_prefix']))]
    if not rules:
        raise Bad('no rule holds %s' % eup)
    r = max(rules, key=lambda x: ipaddress.IPv6Network(x['ipv6_prefix']).prefixlen)
    r6 = ipaddress.IPv6Network(r['ipv6_prefix']).prefixlen
    o, p4 = r['ea_len'], r['prefix4_len']
    k = o - (32 - p4)
    if k < 0 or r6 + o > eup.prefixlen or r6 + o > 64:
        raise Bad('rule %s ea-len %d does not fit %s' % (r['ipv6_prefix'], o, eup))
    ea = (int(eup.network_address) >> (128 - r6 - o)) & ((1 << o) - 1)
    v4net = ipaddress.IPv4Network(r['ipv4_prefix'])
    ipv4 = ipaddress.IPv4Address(int(v4net.network_address) | (ea >> k))
    psid = ea & ((1 << k) - 1)
    pp = r['portparams'] or {}
    a = pp.get('offset', DEFAULT_OFFSET)
    m = 16 - a - k
    ports = ((1 << a) - 1) << m if a else 1 << m
    # the end-user prefix with subnet-id 0, then the interface identifier
    iid = (int(ipv4) << 16) | psid
    ce = ipaddress.IPv6Address((int(eup.network_address) >> 64 << 64) | iid)
    return {'ipv4': str(ipv4), 'psid': psid, 'psid_len': k, 'psid_offset': a, 'port_count': ports,
            'ce_ipv6': str(ce), 'br': d['br'][0] if d['br'] else None,
            # mapce's --rule syntax, with ",fmr" when the option's F flag is set
            'rule': '%s,%s,%d,%d%s' % (r['ipv6_prefix'], r['ipv4_prefix'], o, a,
                                      ',fmr' if r['fmr'] else '')}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('cmd', choices=('decode', 'expect', 'payload', 'colon'))
    ap.add_argument('hex')
    ap.add_argument('--prefix')
    args = ap.parse_args()
    try:
        if args.cmd == 'decode':
            out = json.dumps(decode(args.hex), sort_keys=True)
        elif args.cmd == 'expect':
            if not args.prefix:
                raise Bad('expect needs --prefix')
            out = json.dumps(expect(args.hex, args.prefix), sort_keys=True)
        elif args.cmd == 'payload':
            out = split(args.hex)[1].hex()
        else:
            code, payload = split(args.hex)
            raw = (struct.pack('>HH', code, len(payload)) if code else b'') + payload
            out = ':'.join('%x' % b for b in raw)
    except Bad as e:
        print(e)
        return 1
    print(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
