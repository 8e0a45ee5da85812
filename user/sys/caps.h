/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * caps.h - check up front that a command has the capabilities it needs,
 * and name the missing ones, before it touches anything (without this
 * check, a missing CAP_PERFMON surfaces as a verifier-log dump).
 *
 *   CAPS_LOAD  up, run, br up: CAP_BPF (maps, programs), CAP_NET_ADMIN
 *              (a networking program type; the address, routes, XDP and
 *              tc over rtnetlink) and CAP_PERFMON (the verifier allows
 *              the programs' pointer arithmetic on packets only with it)
 *   CAPS_NET   down, br down: CAP_BPF and CAP_NET_ADMIN
 *   CAPS_MAPS  status, flows, stats, ports, portmap, br status: CAP_BPF (the
 *              pinned maps; the rtnetlink dumps they also read need none)
 *
 * CAP_SYS_ADMIN stands for CAP_BPF and CAP_PERFMON in the kernel's checks
 * (bpf_capable(), perfmon_capable()), never for CAP_NET_ADMIN.
 */
#ifndef MAPCE_CAPS_H
#define MAPCE_CAPS_H

#include <stddef.h>

#define CAPS_BPF (1u << 0)
#define CAPS_NET_ADMIN (1u << 1)
#define CAPS_PERFMON (1u << 2)

#define CAPS_LOAD (CAPS_BPF | CAPS_NET_ADMIN | CAPS_PERFMON)
#define CAPS_NET (CAPS_BPF | CAPS_NET_ADMIN)
#define CAPS_MAPS CAPS_BPF

/* 0 when the effective set has every capability of need (CAPS_*); else
 * one pr_err() naming what `what` (e.g. "mapce up") needs and what is
 * missing, and 1 (the exit status). */
int caps_check(const char *what, unsigned int need);
/* The message caps_check() prints, for the test: need and have are
 * CAPS_* sets.  0 when nothing is missing (buf untouched), else 1. */
int caps_missing_str(const char *what, unsigned int need, unsigned int have, char *buf, size_t len);

#endif
