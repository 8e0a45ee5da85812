#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""seccomp_exec.py - run a command under the system call limits a systemd
unit sets, as systemd would set them (libseccomp), for
tests/lab/test_service_sandbox.sh:

  seccomp_exec.py --syscalls "@system-service bpf" \\
      --families "AF_NETLINK AF_UNIX AF_INET AF_INET6" [--mdwe] -- CMD...

--syscalls   SystemCallFilter= (an allow list; @groups expanded from
             `systemd-analyze syscall-filter`, @default always in) with
             SystemCallErrorNumber=EPERM; only the native architecture
             (SystemCallArchitectures=native)
--families   RestrictAddressFamilies=: socket(2) of another family fails
             with EAFNOSUPPORT
--mdwe       MemoryDenyWriteExecute=: no mapping both writable and
             executable, no mprotect() to executable

The caller must have set no_new_privs (setpriv --no-new-privs), as
systemd does for a filtered unit without CAP_SYS_ADMIN.
"""
import argparse
import errno
import mmap
import os
import socket
import subprocess
import sys

import seccomp

AF_MAX = 46  # linux/socket.h (6.x)


def groups():
    """systemd's system call groups: {"@name": [members]}."""
    out = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"],
                         capture_output=True, text=True, check=True).stdout
    table, cur = {}, None
    for line in out.splitlines():
        word = line.strip()
        if not word or word.startswith("#"):
            continue
        if line.startswith("@"):
            cur = table.setdefault(word, [])
        elif cur is not None:
            cur.append(word)
    return table


def expand(items, table, seen=None):
    seen = set() if seen is None else seen
    names = set()
    for item in items:
        if not item.startswith("@"):
            names.add(item)
        elif item not in seen:
            if item not in table:
                sys.exit(f"seccomp_exec: unknown system call group {item}")
            seen.add(item)
            names |= expand(table[item], table, seen)
    return names


def family(name):
    value = getattr(socket, name, None)
    if value is None:
        sys.exit(f"seccomp_exec: unknown address family {name}")
    return int(value)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--syscalls", required=True)
    ap.add_argument("--families", default="")
    ap.add_argument("--mdwe", action="store_true")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args()

    allowed = expand(a.syscalls.split() + ["@default"], groups())
    f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
    special = {"socket"} if a.families else set()
    if a.mdwe:
        special |= {"mmap", "mprotect", "pkey_mprotect"}
    for name in sorted(allowed - special):
        try:
            f.add_rule(seccomp.ALLOW, name)
        except (RuntimeError, ValueError, OSError):
            pass  # a name libseccomp does not know on this architecture
    if a.families and "socket" in allowed:
        keep = {family(n) for n in a.families.split()}
        for fam in range(AF_MAX):
            action = seccomp.ALLOW if fam in keep else seccomp.ERRNO(errno.EAFNOSUPPORT)
            f.add_rule(action, "socket", seccomp.Arg(0, seccomp.EQ, fam))
    if a.mdwe:
        wx = mmap.PROT_WRITE | mmap.PROT_EXEC
        if "mmap" in allowed:
            f.add_rule(seccomp.ALLOW, "mmap", seccomp.Arg(2, seccomp.MASKED_EQ, wx, 0))
            f.add_rule(seccomp.ALLOW, "mmap",
                       seccomp.Arg(2, seccomp.MASKED_EQ, wx, mmap.PROT_WRITE))
            f.add_rule(seccomp.ALLOW, "mmap",
                       seccomp.Arg(2, seccomp.MASKED_EQ, wx, mmap.PROT_EXEC))
        for name in ("mprotect", "pkey_mprotect"):
            if name in allowed:
                f.add_rule(seccomp.ALLOW, name,
                           seccomp.Arg(2, seccomp.MASKED_EQ, mmap.PROT_EXEC, 0))
    f.load()
    os.execvp(a.cmd[0], a.cmd)


if __name__ == "__main__":
    main()
