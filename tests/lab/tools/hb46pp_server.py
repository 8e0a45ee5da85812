#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""hb46pp_server.py - a stand-in HB46PP provisioning server for the lab
(tests/lab/test_lab_provision.sh), independent of mapce's code.

  hb46pp_server.py --bind ADDR --port N --answer FILE --log FILE
                   [--cert FILE --key FILE] [--ready FILE]

GET /config?...  200 with FILE's bytes as they are now (the test swaps
                 them between requests), Content-Type application/json
GET /moved?...   307 to /config with the same query (HB46PP §3.3's
                 redirect to another server)
anything else    404

Each request is one JSON line in the log: the client's address, the path
and the query parameters as received, so the test checks what the CE
sent and from where.  With --cert/--key it speaks TLS only.
"""
import argparse
import http.server
import json
import socket
import ssl
import sys
import urllib.parse


class Server(http.server.HTTPServer):
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bind", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--answer", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--ready")
    a = ap.parse_args()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            sys.stderr.write(fmt % args + "\n")

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            with open(a.log, "a") as f:
                f.write(json.dumps({
                    "client": self.client_address[0],
                    "path": u.path,
                    "query": urllib.parse.parse_qs(u.query, keep_blank_values=True),
                    "user_agent": self.headers.get("User-Agent"),
                }) + "\n")
            if u.path == "/config":
                with open(a.answer, "rb") as f:
                    body = f.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif u.path == "/moved":
                self.send_response(307)
                self.send_header("Location", "/config?" + u.query)
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_error(404)

    srv = Server((a.bind, a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if a.ready:
        open(a.ready, "w").close()
    srv.serve_forever()


if __name__ == "__main__":
    main()
