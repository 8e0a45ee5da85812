#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""notify_listen.py - a stand-in for systemd's notification socket
(sd_notify(3)), for tests/lab/test_service_sandbox.sh:

  notify_listen.py SOCKET LOG SECONDS --ready FILE

Binds the datagram socket SOCKET, creates FILE, and writes one line per
assignment received to LOG, "PID KEY=VALUE" (the sender's pid from its
credentials: NotifyAccess=main accepts only the main process), flushed
at once; ends after SECONDS or on SIGTERM, removing SOCKET.
"""
import os
import signal
import socket
import struct
import sys
import time


def main():
    path, log, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    ready = sys.argv[sys.argv.index("--ready") + 1] if "--ready" in sys.argv else None
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    if os.path.exists(path):
        os.unlink(path)
    s.bind(path)
    try:
        if ready:
            open(ready, "w").close()
        end = time.monotonic() + secs
        with open(log, "a", buffering=1) as out:
            while time.monotonic() < end:
                s.settimeout(max(0.01, end - time.monotonic()))
                try:
                    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
                except socket.timeout:
                    continue
                pid = 0
                for level, kind, val in anc:
                    if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                        pid = struct.unpack("iII", val[:12])[0]
                for line in data.decode(errors="replace").splitlines():
                    if line:
                        out.write(f"{pid} {line}\n")
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
