#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tear a lab down when the process that built it dies without doing so.

    lab_guard.py OWNER_PID LAB_SH LOCK_FILE OWNER_FILE

tests/lab/lib/lab.sh starts one per lab_up.  lab_down (run by the owner's trap)
kills it by pid.  When the owner dies first (SIGKILL, a signal that got
past its trap), the guard waits for the lab lock (released with the
owner's death), checks that OWNER_FILE still names the dead owner (a newer
lab has not started in between), and runs lab_down from LAB_SH.  One
process, no children while it waits, so killing it leaves nothing behind.
"""
import fcntl
import os
import signal
import subprocess
import sys
import time


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def main():
    owner, lab_sh, lock, owner_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        # a Ctrl-C or hangup to the owner's group must not stop the guard
        # before the owner's own trap has had its chance
        signal.signal(sig, signal.SIG_IGN)
    # (as long as the owner lives: its lab_down kills the guard)
    while alive(owner):
        time.sleep(0.2)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + 600
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.2)
    try:
        with open(owner_file) as f:
            if f.read().strip() != str(owner):
                return 0  # torn down already, or another lab's now
    except FileNotFoundError:
        return 0
    sys.stderr.write('lab guard: pid %d died with its lab up: tearing it down\n' % owner)
    env = dict(os.environ, LAB_GUARD_RUNNING='1')
    subprocess.run(['bash', '-c', '. "$1"; lab_down', 'lab_guard', lab_sh],
                   env=env, stdin=subprocess.DEVNULL, timeout=180)
    return 0


if __name__ == '__main__':
    sys.exit(main())
