#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""An HTTP upload sink for the mapce lab: PUT or POST a body, get back
"SIZE SHA256 PEER_IP:PEER_PORT" (what arrived, and from where), so a
test can compare an upload with what it sent (curl -T FILE URL).

    http_sink.py --listen 203.0.113.10:8081 [--ready FILE]
"""
import argparse
import hashlib
import http.server
import socketserver
import sys

from labnet import host_port, serve

MAX = 256 << 20  # the largest body taken


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_PUT(self):
        try:
            n = int(self.headers.get('Content-Length', ''))
        except ValueError:
            n = -1
        if not 0 <= n <= MAX:
            self.send_error(411 if n < 0 else 413)
            return
        h, left = hashlib.sha256(), n
        while left:
            b = self.rfile.read(min(left, 1 << 16))
            if not b:
                break
            h.update(b)
            left -= len(b)
        body = f'{n - left} {h.hexdigest()} {self.client_address[0]}:{self.client_address[1]}\n'
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    do_POST = do_PUT

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # HTTPServer's own looks the name of the address up (getfqdn): a
        # lab namespace has no DNS to answer it
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def main():
    a = argparse.ArgumentParser()
    a.add_argument('--listen', required=True)
    a.add_argument('--ready')
    o = a.parse_args()
    return serve(Server(host_port(o.listen), Sink), o.ready)


if __name__ == '__main__':
    sys.exit(main())
