#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""A fixed-IPv4 service's update (registration) server for the mapce lab,
written against HTTP itself, not against mapce's code: each request is
one JSON line in the log, with what a provider's server sees:

    {"time": ..., "method": "GET", "path": "/update", "query": {"user": [...]},
     "raw_query": "...", "basic_user": "...", "basic_pass": "...",
     "src": "2001:db8:...", "code": 200}

    update_server.py --listen [2001:db8::1]:8080 --log FILE
                     [--fail-file FILE] [--cert FILE --key FILE] [--ready FILE]

While --fail-file exists the server answers 500 (a provider's outage);
else 200 with "OK <src>" (a body that names the registered address, as
real ones do).  With --cert/--key it speaks TLS only (python's ssl).
"""
import argparse
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import urllib.parse

from labnet import parse_ep, serve


def handler(log, fail_file):
    lock = threading.Lock()

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            rec = {
                'time': time.time(),
                'method': self.command,
                'path': u.path,
                'raw_query': u.query,
                'query': urllib.parse.parse_qs(u.query, keep_blank_values=True),
                'basic_user': None,
                'basic_pass': None,
                'src': self.client_address[0],
            }
            auth = self.headers.get('Authorization', '')
            if auth.startswith('Basic '):
                try:
                    user, _, pw = base64.b64decode(auth[6:]).decode().partition(':')
                    rec['basic_user'], rec['basic_pass'] = user, pw
                except ValueError:
                    rec['basic_user'] = '(undecodable)'
            fail = fail_file and os.path.exists(fail_file)
            rec['code'] = 500 if fail else 200
            body = ('outage\n' if fail else 'OK %s\n' % rec['src']).encode()
            with lock, open(log, 'a') as f:
                f.write(json.dumps(rec) + '\n')
            self.send_response(rec['code'])
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    return H


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--listen', required=True)
    ap.add_argument('--log', required=True)
    ap.add_argument('--fail-file')
    ap.add_argument('--cert')
    ap.add_argument('--key')
    ap.add_argument('--ready')
    a = ap.parse_args()
    family, host, port = parse_ep(a.listen)

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        address_family = family
        daemon_threads = True
        allow_reuse_address = True

    srv = Server((host, port), handler(a.log, a.fail_file))
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    return serve(srv, a.ready)


if __name__ == '__main__':
    sys.exit(main())
