/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * caps.h - check up front that we may load BPF and change the network:
 * CAP_BPF + CAP_NET_ADMIN (+ CAP_PERFMON is not needed), or CAP_SYS_ADMIN.
 */
#ifndef MAPCE_CAPS_H
#define MAPCE_CAPS_H

/* 0 when the effective set suffices; else prints one pr_err() naming what
 * is missing for `what` (e.g. "up") and returns 1 (the exit status). */
int caps_check(const char *what);

#endif
