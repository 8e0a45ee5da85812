#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Checks on JSON for the mapce lab tests (stdin: a JSON document).

Exit 0 when the check holds; otherwise 1 with the reason on stdout.

    ok                  a lab-tools client result (udp_echo, tcp_client) is clean
    tcp-check --expect N            tcp_client: N connected, exchanged, open at once
    peers-check --log F --ip A --portset F --psid-offset a --psid-len k
                --min-ranges R --expect N
                        tcp_server's log: N distinct peers, all from A, all
                        ports in the set, spanning >= R ranges
    portset             mapce calc -j -> the port set, one port per line
    calc-check --ipv4 A --psid P --ports N --ranges R --ce-ipv6 X
                        mapce calc -j gives these parameters, and its port
                        set is the one the rule formula gives
    flow-check --proto P --inside IP[:PORT] --remote IP[:PORT] --outside-ip A
               --portset F [--packets-out N --packets-in N --bytes-out N
               --bytes-in N]
                        mapce flows -j has that flow with those counters
    flows-vs-peers --log F --port P
                        mapce flows -j lists exactly the TCP connections to
                        port P that tcp_server logged (remote and outside
                        endpoints)
    net-prog-ids        bpftool -j net show -> program ids, one per line
    net-count --dev D   bpftool -j net show -> "xdp N egress N ingress N"
                        (programs attached to device D)
    prog-map-ids        bpftool -j prog show id N -> map ids, one per line
"""
import argparse
import ipaddress
import json
import sys


def load():
    text = sys.stdin.read().strip()
    try:
        return json.loads(text)
    except ValueError:
        # the last line holding a JSON object (tools may print notes first)
        for line in reversed(text.splitlines()):
            line = line.strip()
            if line.startswith('{') or line.startswith('['):
                try:
                    return json.loads(line)
                except ValueError:
                    continue
        fail('no JSON in input: %r' % text[:300])


def fail(msg):
    print(msg)
    sys.exit(1)


# ---- lab-tools results -------------------------------------------------

def cmd_ok(args):
    r = load()
    if r.get('errors'):
        fail('errors: %s' % '; '.join(r['errors']))
    if 'verified' in r and r['verified'] != r['sent']:
        fail('%d of %d verified' % (r['verified'], r['sent']))
    if 'exchanged' in r and r['exchanged'] != r['attempted']:
        fail('%d of %d exchanged' % (r['exchanged'], r['attempted']))


def cmd_tcp_check(args):
    r = load()
    why = []
    for k in ('attempted', 'connected', 'exchanged', 'max_open', 'open_at_end'):
        if r.get(k) != args.expect:
            why.append('%s %s' % (k, r.get(k)))
    if why:
        fail('expected %d: %s; errors (%d): %s' % (args.expect, ', '.join(why),
             r.get('error_count', 0), '; '.join(r.get('errors', []))))


def read_portset(path):
    with open(path) as f:
        return set(int(x) for x in f.read().split())


def cmd_peers_check(args):
    peers = set()
    max_open = 0
    with open(args.log) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != 'accept':
                continue
            # (server ip:port, peer ip:port): with port overlapping one
            # outside port may serve several remotes, never one remote twice
            peers.add((w[1], w[2]))
            max_open = max(max_open, int(w[3].split('=')[1]))
    portset = read_portset(args.portset)
    why = []
    if len(peers) != args.expect:
        why.append('server saw %d distinct (server, peer) pairs, expected %d' %
                   (len(peers), args.expect))
    bad_ip = sorted(p for _, p in peers if p.rsplit(':', 1)[0] != args.ip)
    if bad_ip:
        why.append('%d peers not from %s (e.g. %s)' % (len(bad_ip), args.ip, bad_ip[0]))
    ports = [int(p.rsplit(':', 1)[1]) for _, p in peers]
    out = sorted(p for p in ports if p not in portset)
    if out:
        why.append('%d ports outside the set: %s' % (len(out), out[:10]))
    ranges = sorted(set(p >> (16 - args.psid_offset) for p in ports if p in portset))
    if len(ranges) < args.min_ranges:
        why.append('ports span %d ranges (%s), expected >= %d' %
                   (len(ranges), ranges, args.min_ranges))
    per_port = {}
    for p in ports:
        per_port[p] = per_port.get(p, 0) + 1
    summary = ('%d connections, %d distinct ports over %d ranges, max %d flows per port, '
               'server max open %d' % (len(peers), len(per_port), len(ranges),
                                       max(per_port.values()) if per_port else 0, max_open))
    if why:
        fail('; '.join(why) + ' [' + summary + ']')
    print(summary)


# ---- mapce calc -j -----------------------------------------------------

def find_key(obj, names):
    """First value in obj (recursively) under one of names."""
    if isinstance(obj, dict):
        for n in names:
            if n in obj:
                return obj[n]
        for v in obj.values():
            r = find_key(v, names)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, names)
            if r is not None:
                return r
    return None


def to_int(v):
    if isinstance(v, int):
        return v
    return int(str(v), 0)


def calc_ports(js):
    """The port set from calc's JSON: an explicit list or ranges."""
    ports = find_key(js, ['ports'])
    if isinstance(ports, list) and ports and not isinstance(ports[0], (dict, list)):
        if all(isinstance(p, int) for p in ports):
            return set(ports)
    ranges = find_key(js, ['port_ranges', 'ranges'])
    if ranges is None and isinstance(ports, list):
        ranges = ports
    if not isinstance(ranges, list):
        fail('no port set in calc output')
    out = set()
    for r in ranges:
        if isinstance(r, dict):
            lo = next((r[k] for k in ('first', 'start', 'min', 'from', 'lo') if k in r), None)
            hi = next((r[k] for k in ('last', 'end', 'max', 'to', 'hi') if k in r), None)
        elif isinstance(r, list) and len(r) == 2:
            lo, hi = r
        elif isinstance(r, str) and '-' in r:
            lo, hi = r.split('-', 1)
        else:
            fail('unknown port range %r in calc output' % (r,))
        if lo is None or hi is None:
            fail('unknown port range %r in calc output' % (r,))
        out.update(range(to_int(lo), to_int(hi) + 1))
    return out


def cmd_portset(args):
    for p in sorted(calc_ports(load())):
        print(p)


def cmd_calc_check(args):
    js = load()
    why = []
    v4 = find_key(js, ['ipv4', 'ipv4_address', 'shared_ipv4'])
    if v4 is None or str(v4).split('/')[0] != args.ipv4:
        why.append('ipv4 %r != %s' % (v4, args.ipv4))
    psid = find_key(js, ['psid'])
    if psid is None or to_int(psid) != args.psid:
        why.append('psid %r != %d' % (psid, args.psid))
    n = find_key(js, ['port_count'])
    if n is None or to_int(n) != args.ports:
        why.append('port_count %r != %d' % (n, args.ports))
    rc = find_key(js, ['range_count'])
    if rc is not None and to_int(rc) != args.ranges:
        why.append('range_count %r != %d' % (rc, args.ranges))
    ce = find_key(js, ['ce_ipv6', 'map_ipv6', 'ce_address'])
    if ce is None or ipaddress.ip_address(str(ce).split('/')[0]) != ipaddress.ip_address(args.ce_ipv6):
        why.append('ce_ipv6 %r != %s' % (ce, args.ce_ipv6))
    ports = calc_ports(js)
    a, k = 4, 8
    formula = set(p for p in range(65536)
                  if p >> (16 - a) != 0 and (p >> (16 - a - k)) & ((1 << k) - 1) == args.psid)
    if ports != formula:
        why.append('port set differs from the formula: %d ports, %d extra, %d missing' %
                   (len(ports), len(ports - formula), len(formula - ports)))
    if why:
        fail('; '.join(why))


# ---- mapce flows -j ----------------------------------------------------

PROTO = {'tcp': 6, 'udp': 17, 'icmp': 1}


def flows_list(js):
    if isinstance(js, list):
        return js
    for k in ('flows', 'nat', 'entries'):
        if isinstance(js, dict) and isinstance(js.get(k), list):
            return js[k]
    fail('no flow list in mapce flows output')


def flatten(d, prefix=''):
    out = {}
    for k, v in d.items():
        key = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, key + '.'))
        else:
            out[key] = v
    return out


def endpoint(f, side):
    """(ip, port) of side 'inside', 'outside' or 'remote' in a flat flow."""
    ip = port = None
    for k, v in f.items():
        kl = k.lower()
        if not kl.startswith(side):
            continue
        rest = kl[len(side):].lstrip('._')
        if rest in ('', 'addr', 'address', 'endpoint') and isinstance(v, str):
            if v.count(':') == 1:
                ip, port = v.split(':')
                port = int(port)
            else:
                ip = v
        elif rest in ('ip', 'ipv4', 'addr', 'address'):
            ip = v
        elif rest in ('port', 'id'):
            port = to_int(v)
    return ip, port


def counter(f, direction, what):
    for k in ('%s_%s' % (what, direction), '%s.%s' % (direction, what),
              '%s_%s' % (direction, what)):
        if k in f:
            return to_int(f[k])
    return None


def cmd_flow_check(args):
    flows = [flatten(f) for f in flows_list(load())]
    want_proto = PROTO[args.proto]

    def split(s):
        if ':' in s:
            ip, port = s.split(':')
            return ip, int(port)
        return s, None
    in_ip, in_port = split(args.inside)
    r_ip, r_port = split(args.remote)
    match = []
    for f in flows:
        p = f.get('proto', f.get('protocol'))
        p = PROTO.get(str(p).lower(), p)
        if to_int(p) != want_proto:
            continue
        ip, port = endpoint(f, 'inside')
        if ip != in_ip or (in_port is not None and port != in_port):
            continue
        ip, port = endpoint(f, 'remote')
        if ip != r_ip or (r_port is not None and port != r_port):
            continue
        match.append(f)
    if len(match) != 1:
        fail('%d flows match %s %s -> %s (of %d flows: %s)' %
             (len(match), args.proto, args.inside, args.remote, len(flows),
              json.dumps(flows[:4])[:600]))
    f = match[0]
    why = []
    oip, oport = endpoint(f, 'outside')
    if oip != args.outside_ip:
        why.append('outside ip %s != %s' % (oip, args.outside_ip))
    if args.portset and oport not in read_portset(args.portset):
        why.append('outside port/id %s not in the port set' % oport)
    for name, direction, what in (('packets_out', 'out', 'packets'),
                                  ('packets_in', 'in', 'packets'),
                                  ('bytes_out', 'out', 'bytes'),
                                  ('bytes_in', 'in', 'bytes')):
        want = getattr(args, name)
        if want is None:
            continue
        got = counter(f, direction, what)
        if got != want:
            why.append('%s %s != %d' % (name, got, want))
    if why:
        fail('; '.join(why) + ' (flow: %s)' % json.dumps(f))


def cmd_flows_vs_peers(args):
    """Every connection the server logged is a TCP flow in mapce flows,
    with the same remote and outside endpoints, and no other flow to that
    server port exists."""
    seen = set()
    with open(args.log) as f:
        for line in f:
            w = line.split()
            if w and w[0] == 'accept':
                seen.add((w[1], w[2]))
    flows = set()
    for fl in flows_list(load()):
        fl = flatten(fl)
        p = fl.get('proto', fl.get('protocol'))
        if PROTO.get(str(p).lower(), p) != PROTO['tcp']:
            continue
        rip, rport = endpoint(fl, 'remote')
        oip, oport = endpoint(fl, 'outside')
        if rport != args.port:
            continue
        flows.add(('%s:%s' % (rip, rport), '%s:%s' % (oip, oport)))
    why = []
    if seen - flows:
        why.append('%d connections the server saw are not in mapce flows (e.g. %s)' %
                   (len(seen - flows), sorted(seen - flows)[:3]))
    if flows - seen:
        why.append('%d flows to port %d the server never saw (e.g. %s)' %
                   (len(flows - seen), args.port, sorted(flows - seen)[:3]))
    if why:
        fail('; '.join(why))
    print('%d flows match the server\'s view' % len(flows))


# ---- bpftool -------------------------------------------------------------

def net_entries(js):
    for blob in (js if isinstance(js, list) else [js]):
        for kind, lst in blob.items():
            for e in lst or []:
                if isinstance(e, dict):
                    yield kind, e


def cmd_net_prog_ids(args):
    for _, e in net_entries(load()):
        pid = e.get('id', e.get('prog_id'))
        if pid is not None:
            print(pid)
        for sub in e.get('multi_attachments', []) or []:
            print(sub.get('id'))


def cmd_net_count(args):
    xdp = egress = ingress = 0
    for kind, e in net_entries(load()):
        if e.get('devname') != args.dev:
            continue
        if kind == 'xdp':
            xdp += 1
        elif kind == 'tc' and e.get('kind', '').endswith('egress'):
            egress += 1
        elif kind == 'tc':
            ingress += 1
    print('xdp %d egress %d ingress %d' % (xdp, egress, ingress))


def cmd_prog_map_ids(args):
    for m in load().get('map_ids', []):
        print(m)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest='cmd', required=True)
    sub.add_parser('ok')
    p = sub.add_parser('tcp-check')
    p.add_argument('--expect', type=int, required=True)
    p = sub.add_parser('peers-check')
    p.add_argument('--log', required=True)
    p.add_argument('--ip', required=True)
    p.add_argument('--portset', required=True)
    p.add_argument('--psid-offset', type=int, required=True)
    p.add_argument('--psid-len', type=int, required=True)
    p.add_argument('--min-ranges', type=int, required=True)
    p.add_argument('--expect', type=int, required=True)
    sub.add_parser('portset')
    p = sub.add_parser('calc-check')
    p.add_argument('--ipv4', required=True)
    p.add_argument('--psid', type=int, required=True)
    p.add_argument('--ports', type=int, required=True)
    p.add_argument('--ranges', type=int, required=True)
    p.add_argument('--ce-ipv6', required=True)
    p = sub.add_parser('flow-check')
    p.add_argument('--proto', choices=sorted(PROTO), required=True)
    p.add_argument('--inside', required=True)
    p.add_argument('--remote', required=True)
    p.add_argument('--outside-ip', required=True)
    p.add_argument('--portset')
    for n in ('packets-out', 'packets-in', 'bytes-out', 'bytes-in'):
        p.add_argument('--' + n, type=int)
    p = sub.add_parser('flows-vs-peers')
    p.add_argument('--log', required=True)
    p.add_argument('--port', type=int, required=True)
    sub.add_parser('net-prog-ids')
    p = sub.add_parser('net-count')
    p.add_argument('--dev', required=True)
    sub.add_parser('prog-map-ids')
    args = ap.parse_args()
    {
        'ok': cmd_ok, 'tcp-check': cmd_tcp_check, 'peers-check': cmd_peers_check,
        'portset': cmd_portset, 'calc-check': cmd_calc_check,
        'flow-check': cmd_flow_check, 'flows-vs-peers': cmd_flows_vs_peers,
        'net-prog-ids': cmd_net_prog_ids,
        'net-count': cmd_net_count, 'prog-map-ids': cmd_prog_map_ids,
    }[args.cmd](args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
