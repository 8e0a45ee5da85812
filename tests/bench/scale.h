/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef MAPCE_BENCH_SCALE_H
#define MAPCE_BENCH_SCALE_H
static void bench_scale(void) {}
#endif
