// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_ce.c - per-packet cost of the CE datapath under BPF_PROG_TEST_RUN.
 *
 * Established flows, both directions, with the NAT table holding N live
 * flows (N = 1K and 100K, side by side in one run: on a shared, noisy
 * machine the ratio is the number that matters).
 *
 * How: test_run's "repeat" reruns a program on the same buffer, which the
 * first run has already encapsulated or decapsulated, so it would time the
 * pass-through path.  Instead each call runs once on a fresh copy of the
 * input; the figure is the median over many calls of the kernel-reported
 * duration, minus the median for a trivial program of the same type timed
 * the same way (the timing overhead).
 *
 *   build/tests/bench_ce [calls]
 */
#include <stdio.h>
#include <stdlib.h>
#include "harness.h"
#include "bpf/ce.h"

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Median kernel-reported ns of one run of prog_fd on in, over calls calls. */
static __u32 median_ns(int prog_fd, const struct pkt *in, __u32 calls)
{
	static struct pkt out;
	__u32 *v = calloc(calls, sizeof(*v)), m;

	for (__u32 i = 0; i < calls; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
			    .data_out = out.b, .data_size_out = sizeof(out.b), .repeat = 1);

		v[i] = bpf_prog_test_run_opts(prog_fd, &o) ? 0 : o.duration;
	}
	qsort(v, calls, sizeof(v[0]), cmp_u32);
	m = v[calls / 2];
	free(v);
	return m;
}

/* A program that returns at once: r0 = ret; exit. */
static int trivial_prog(enum bpf_prog_type type, int ret)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(type, "mapce_trivial", "GPL", insns, 2, NULL);
}

/* Fill the flow maps with n live UDP flows from other inside hosts (live:
 * used now, whatever the machine's uptime). */
static int populate(int n)
{
	__u64 now = fx_now_ns();
	struct mapce_flow f = { .ip = htonl(CE_V4), .created_ns = now, .last_ns = now };
	int fo = bpf_map__fd(fx.ce->maps.mapce_flow_out);
	int fi = bpf_map__fd(fx.ce->maps.mapce_flow_in);

	for (int i = 0; i < n; i++) {
		struct mapce_tuple ko = { .local_ip = htonl(0x0a000000 + (__u32)i),
					  .remote_ip = htonl(IP4(203, 0, 113, 50)),
					  .local_port = htons(1000),
					  .remote_port = htons(53),
					  .proto = 17 };
		struct mapce_tuple ki = { .local_ip = htonl(CE_V4),
					  .remote_ip = htonl(0x0b000000 + (__u32)i),
					  .local_port = htons(0x1340),
					  .remote_port = htons(53),
					  .proto = 17 };

		f.port = htons(0x1340);
		if (bpf_map_update_elem(fo, &ko, &f, BPF_ANY) ||
		    bpf_map_update_elem(fi, &ki, &f, BPF_ANY))
			return -1;
	}
	return 0;
}

struct result {
	__u32 egress_ns, ingress_ns;
};

/* Time both directions of one established flow, the NAT maps holding
 * flows more besides; its packets are checked by expect_run first. */
static int measure(int flows, __u32 calls, struct result *r)
{
	struct v4_spec s = UDP_OUT(0x1345, 53, .payload = 64), in4;
	struct pkt eg, ig;

	if (fx_open_ce(flows + 1024) || populate(flows))
		return -1;
	fx.cfg.gc_interval_ms = 3600 * 1000; /* no sweep during the runs */
	fx_config();
	/* the flow both runs take: created, then its established decap path */
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	in4 = reply_of(&s, 0x1345);
	ingress_to(&in4, LAN_HOST, 0x1345, 0, NULL);
	if (t_failed)
		return -1;
	pkt_v4(&eg, &s);
	ce_frame_from(&ig, BR6, &in4);
	r->egress_ns = median_ns(bpf_program__fd(fx.prog[FX_TC_EGRESS]), &eg, calls);
	r->ingress_ns = median_ns(bpf_program__fd(fx.prog[FX_XDP]), &ig, calls);
	return 0;
}

static void row(const char *name, __u32 a, __u32 b, __u32 base)
{
	__u32 na = a > base ? a - base : 0, nb = b > base ? b - base : 0;

	printf("  %-28s %6u ns %6u ns %9.2f   (raw %u / %u, timing overhead %u)\n", name, na, nb,
	       (double)nb / (na ? na : 1), a, b, base);
}

int main(int argc, char **argv)
{
	__u32 calls = argc > 1 ? (__u32)atoi(argv[1]) : 20001;
	struct result small, big;
	struct pkt eg, ig;
	int tc0 = trivial_prog(BPF_PROG_TYPE_SCHED_CLS, 0);
	int xdp0 = trivial_prog(BPF_PROG_TYPE_XDP, 2);
	__u32 tc_base, xdp_base;

	if (tc0 < 0 || xdp0 < 0 || measure(1000, calls, &small) || measure(100000, calls, &big)) {
		fprintf(stderr, "bench_ce: setup failed (run as root)\n");
		return 1;
	}
	{
		struct v4_spec s = UDP_OUT(0x1345, 53, .payload = 64, .frag = 0);

		pkt_v4(&eg, &s);
		ce_frame_from(&ig, BR6, &s);
	}
	tc_base = median_ns(tc0, &eg, calls);
	xdp_base = median_ns(xdp0, &ig, calls);
	printf("established UDP flow, one packet per BPF_PROG_TEST_RUN call, median of %u calls\n",
	       calls);
	printf("  %-28s %9s %9s %9s\n", "path", "1K flows", "100K flows", "ratio");
	row("TC egress (NAPT + encap)", small.egress_ns, big.egress_ns, tc_base);
	row("XDP ingress (decap + NAPT)", small.ingress_ns, big.ingress_ns, xdp_base);
	fx_close();
	return 0;
}
