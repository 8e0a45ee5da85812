/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz.h - what the CE and BR packet fuzzers (test_ce_fuzz.c,
 * test_br_fuzz.c) share: the run's size and seed from the environment, a
 * seeded generator, running one frame and accounting for it, the exact
 * per-packet counter check on a sample, the validity oracle for an IPv4
 * packet, and the report of a violation.
 *
 *   FUZZ_PACKETS  frames per program (default FUZZ_SHORT: the short run of
 *                 `make test`; `make fuzz` asks for 10 million)
 *   FUZZ_SEED     the seed (default a fixed one: every run is the same run);
 *                 printed, with the index of the first failing frame, so a
 *                 failure replays with FUZZ_SEED and FUZZ_PACKETS = index + 1
 *
 * Frames are made (fuzz_frames.h) and checked in userspace; each costs one
 * BPF_PROG_TEST_RUN call (repeat = 1: every frame is a different frame, and
 * the programs change their input), which is what bounds the rate.
 */
#ifndef MAPCE_TEST_FUZZ_H
#define MAPCE_TEST_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "bpf/fixture.h"

#define FUZZ_SHORT 20000		/* frames per program in `make test` */
#define FUZZ_DEFAULT_SEED 0x4d415045ull /* "MAPE" */
/* One frame in this many gets the exact per-packet counter check (two
 * counter reads: about 100 syscalls); all frames are checked in sum. */
#define FUZZ_EXACT_EVERY 257

static __u64 fuzz_state;
static int fuzz_failures;

/* xorshift64*: fast, and the same stream for the same seed everywhere. */
static inline unsigned int rnd(void)
{
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (unsigned int)((fuzz_state * 0x2545F4914F6CDD1Dull) >> 32);
}

/* A chance of 1 in n. */
static inline int one_in(unsigned int n)
{
	return rnd() % n == 0;
}

static inline __u64 fuzz_env_u64(const char *name, __u64 dflt)
{
	const char *s = getenv(name);
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 0);
	if (*end) {
		fprintf(stderr, "%s=%s: not a number\n", name, s);
		exit(2);
	}
	return v;
}

/* One program's fuzzing run. */
struct fuzz_run {
	const char *name;
	enum fx_prog prog;
	__u64 packets, seed, base_seed; /* seed = base_seed (FUZZ_SEED) + k */
	__u64 runs, bytes;		/* frames that ran, their bytes */
	__u64 index;			/* of the frame being checked */
	__u64 first_failed;		/* index of the first violation + 1, 0 = none */
	__u64 counted_before, bytes_before;
	struct mapce_counter reasons_before[MAPCE_R__MAX];
	/* TC ingress counts only its slow-path packets: the rest (passed on
	 * unchanged, TC_ACT_OK) is counted by XDP, which saw them first */
	int counts_only_its_own;
	__u64 uncounted_max, uncounted_bytes_max; /* frames it may have left out */
	struct timespec t0;
};

/* Every reason's packets and bytes, events left out. */
static inline void fuzz_counted(__u64 *packets, __u64 *bytes)
{
	struct mapce_counter sum[MAPCE_R__MAX];

	fx_counters(sum);
	*packets = *bytes = 0;
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		if (fx_is_event(r))
			continue;
		*packets += sum[r].packets;
		*bytes += sum[r].bytes;
	}
}

/* Start fuzzing program p of the loaded object; the seed of run k of a
 * binary is FUZZ_SEED + k, so each program's stream is its own. */
static inline void fuzz_begin(struct fuzz_run *r, const char *name, enum fx_prog p, int k)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->prog = p;
	r->packets = fuzz_env_u64("FUZZ_PACKETS", FUZZ_SHORT);
	r->base_seed = fuzz_env_u64("FUZZ_SEED", FUZZ_DEFAULT_SEED);
	r->seed = r->base_seed + (__u64)k;
	fuzz_state = r->seed ? r->seed : 1;
	fuzz_failures = 0;
	fuzz_counted(&r->counted_before, &r->bytes_before);
	fx_counters(r->reasons_before);
	clock_gettime(CLOCK_MONOTONIC, &r->t0);
	TCASE_BEGIN(name);
}

/* One violation: the first five are shown with the frames' first bytes. */
static struct fuzz_run *fuzz_cur;
static inline void fuzz_fail(const char *what, const struct pkt *in, const struct pkt *out)
{
	if (fuzz_cur && !fuzz_cur->first_failed)
		fuzz_cur->first_failed = fuzz_cur->index + 1;
	if (fuzz_failures++ >= 5)
		return;
	printf("#   %s: %s (frame %llu; in %zu bytes, out %zu bytes)\n#     in: ",
	       fuzz_cur ? fuzz_cur->name : "", what,
	       fuzz_cur ? (unsigned long long)fuzz_cur->index : 0ull, in->len, out->len);
	for (size_t i = 0; i < in->len && i < 96; i++)
		printf(" %02x", in->b[i]);
	printf("\n#     out:");
	for (size_t i = 0; i < out->len && i < 96; i++)
		printf(" %02x", out->b[i]);
	printf("\n");
}

/* Run the program on in (ctx when given); every FUZZ_EXACT_EVERY-th frame
 * also checks that exactly one reason moved by one packet of in->len
 * bytes.  The verdict, or -1 when test_run refused the frame (too short
 * for an skb, too long for the test buffers). */
static inline int fuzz_run(struct fuzz_run *r, const struct pkt *in, struct __sk_buff *ctx,
			   struct pkt *out)
{
	struct mapce_counter before[MAPCE_R__MAX], after[MAPCE_R__MAX];
	int exact = r->index % FUZZ_EXACT_EVERY == 0, v, moved = 0, ok = 1;

	fuzz_cur = r;
	if (exact)
		fx_counters(before);
	v = fx_run_ctx(r->prog, in, ctx, out);
	if (v < 0)
		return v;
	r->runs++;
	r->bytes += in->len;
	if (r->counts_only_its_own && v == TC_ACT_OK && out->len == in->len) {
		r->uncounted_max++;
		r->uncounted_bytes_max += in->len;
	}
	if (!exact)
		return v;
	fx_counters(after);
	for (__u32 k = 0; k < MAPCE_R__MAX; k++) {
		__u64 dp = after[k].packets - before[k].packets;
		__u64 db = after[k].bytes - before[k].bytes;

		if (fx_is_event(k) || (!dp && !db))
			continue;
		moved++;
		ok &= dp == 1 && db == in->len;
	}
	if (!ok || moved > 1 ||
	    (!moved && !(r->counts_only_its_own && v == TC_ACT_OK && out->len == in->len &&
			 !memcmp(out->b, in->b, in->len))))
		fuzz_fail("not counted exactly once", in, out);
	return v;
}

/* End the run: every frame counted once in sum, the rate, the verdict. */
static inline void fuzz_end(struct fuzz_run *r)
{
	struct timespec t1;
	__u64 counted, bytes;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - r->t0.tv_sec) + (double)(t1.tv_nsec - r->t0.tv_nsec) / 1e9;
	fuzz_counted(&counted, &bytes);
	counted -= r->counted_before;
	bytes -= r->bytes_before;
	CHECK(counted <= r->runs && counted + r->uncounted_max >= r->runs,
	      "%llu frames counted of %llu (%llu may pass uncounted)", (unsigned long long)counted,
	      (unsigned long long)r->runs, (unsigned long long)r->uncounted_max);
	CHECK(bytes <= r->bytes && bytes + r->uncounted_bytes_max >= r->bytes,
	      "%llu bytes counted of %llu", (unsigned long long)bytes,
	      (unsigned long long)r->bytes);
	CHECK(r->runs > r->packets / 2, "only %llu of %llu frames ran", (unsigned long long)r->runs,
	      (unsigned long long)r->packets);
	CHECK(fuzz_failures == 0,
	      "%d invariant violations; replay: FUZZ_SEED=%llu FUZZ_PACKETS=%llu", fuzz_failures,
	      (unsigned long long)r->base_seed, (unsigned long long)r->first_failed);
	printf("# %s: %llu frames ran of %llu, FUZZ_SEED %llu, %.1f s, %.0f frames/s\n", r->name,
	       (unsigned long long)r->runs, (unsigned long long)r->packets,
	       (unsigned long long)r->base_seed, s, s > 0 ? (double)r->runs / s : 0.0);
	/* what the frames came to: the paths the run reached */
	{
		struct mapce_counter now[MAPCE_R__MAX];

		fx_counters(now);
		printf("# %s reasons:", r->name);
		for (__u32 k = 0; k < MAPCE_R__MAX; k++)
			if (now[k].packets != r->reasons_before[k].packets)
				printf(" %s=%llu", mapce_reason_names[k],
				       (unsigned long long)(now[k].packets -
							    r->reasons_before[k].packets));
		printf("\n");
	}
	TCASE_END();
	fuzz_cur = NULL;
}

/* ---- packet oracles ---------------------------------------------------- */

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

/* Its IPv4 header alone is whole and right. */
static inline int v4_hdr_valid(const uint8_t *ip, size_t avail)
{
	size_t hl = (ip[0] & 0xf) * 4;

	return avail >= 20 && (ip[0] >> 4) == 4 && hl >= 20 && hl <= avail && v4_hdr_csum_ok(ip);
}

#endif
