/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MAPCE_BENCH_STATEFUL_H
#define MAPCE_BENCH_STATEFUL_H
static void bench_stateful(void) {}
#endif
