/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz.h - what the CE and BR fuzzers (test_ce_fuzz.c, test_br_fuzz.c)
 * share: a seeded generator (a fixed seed: every run is the same run), the
 * validity oracle for an IPv4 packet, and the report of a violation.
 */
#ifndef MAPCE_TEST_FUZZ_H
#define MAPCE_TEST_FUZZ_H

#include <stdio.h>
#include "bpf/fixture.h"

static unsigned int fuzz_seed;
static int fuzz_failures;

static inline unsigned int rnd(void)
{
	fuzz_seed = fuzz_seed * 1103515245u + 12345u;
	return fuzz_seed >> 8;
}

/* Run program p on one fuzz frame; counts the frames that ran.  The
 * verdict, or -1 when test_run refused the frame (too short for an skb). */
static inline int fuzz_run(enum fx_prog p, const struct pkt *in, struct pkt *out, __u64 *runs)
{
	int v = fx_run(p, in, out);

	if (v >= 0)
		(*runs)++;
	return v;
}

/* One violation: the first five are shown with the frames' first bytes. */
static inline void fuzz_fail(const char *what, const struct pkt *in, const struct pkt *out)
{
	if (fuzz_failures++ >= 5)
		return;
	printf("#   %s (in %zu bytes, out %zu bytes)\n#     in: ", what, in->len, out->len);
	for (size_t i = 0; i < in->len && i < 80; i++)
		printf(" %02x", in->b[i]);
	printf("\n#     out:");
	for (size_t i = 0; i < out->len && i < 80; i++)
		printf(" %02x", out->b[i]);
	printf("\n");
}

/* Is this IPv4 packet (at ip, avail bytes) whole and are its checksums
 * right?  A fragment's transport checksum spans others: not looked at. */
static inline int v4_valid(const uint8_t *ip, size_t avail)
{
	size_t hl = (ip[0] & 0xf) * 4, tot;

	if (avail < 20 || (ip[0] >> 4) != 4 || hl < 20 || hl > avail)
		return 0;
	tot = get16(ip + 2);
	if (tot < hl || tot > avail || !v4_hdr_csum_ok(ip))
		return 0;
	if (get16(ip + 6) & 0x3fff)
		return 1;
	if (ip[9] == 6 || ip[9] == 17 || ip[9] == 1)
		return tot >= hl + 8 && v4_l4_csum_ok(ip, 1);
	return 1;
}

#endif
