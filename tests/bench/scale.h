/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * scale.h - the established path with 1K, 100K and 1M live flows, and the
 * time to create 1M.
 *
 * The tables are seeded from userspace with the ABI structs (batched map
 * updates, timed): flow i belongs to inside host 10.0.0.0 + i and uses a
 * port of the lab set shared with other flows, so 1M flows need the
 * outside 5-tuples to differ by remote endpoint (203.0.113.x, a port per
 * 256 flows): port overlapping across remotes.  The measured flow itself
 * is made through the datapath.  Creation through the datapath: new flows
 * from 4096 inside endpoints (a whole-address CE) to varied remotes, each
 * a new flow; the kernel's and the wall clock's time.
 */
#ifndef MAPCE_BENCH_SCALE_H
#define MAPCE_BENCH_SCALE_H

#include "bench/stateful.h"

/* Bytes a flow costs in both flow maps, with headroom (the memlock
 * figure of stateful.h is about 220 per flow for the two). */
#define SCALE_BYTES_PER_FLOW 512ull

static long long mem_available_kb(void)
{
	char line[128];
	long long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Flow i's two halves. */
static void seed_flow(__u32 i, struct mapce_tuple *ko, struct mapce_tuple *ki,
		      struct mapce_flow *fo, struct mapce_flow *fi, __u64 now)
{
	__u16 port = mapce_port_at(4, 8, CE_PSID, i % 240);

	*ko = (struct mapce_tuple){ .local_ip = htonl(IP4(10, 0, 0, 0) + i),
				    .remote_ip = htonl(IP4(203, 0, 113, 0) + (i & 0xff)),
				    .local_port = htons(40000),
				    .remote_port = htons((__u16)(1024 + (i >> 8))),
				    .proto = 17 };
	*ki = (struct mapce_tuple){ .local_ip = htonl(CE_V4),
				    .remote_ip = ko->remote_ip,
				    .local_port = htons(port),
				    .remote_port = ko->remote_port,
				    .proto = 17 };
	*fo = (struct mapce_flow){
		.ip = htonl(CE_V4), .port = htons(port), .created_ns = now, .last_ns = now
	};
	*fi = (struct mapce_flow){
		.ip = ko->local_ip, .port = ko->local_port, .created_ns = now, .last_ns = now
	};
}

/* n live flows in both flow maps, in batches.  Seconds, or < 0. */
static double seed(__u32 n)
{
	enum { CHUNK = 65536 };
	struct mapce_tuple *ko = calloc(CHUNK, sizeof(*ko)), *ki = calloc(CHUNK, sizeof(*ki));
	struct mapce_flow *fo = calloc(CHUNK, sizeof(*fo)), *fi = calloc(CHUNK, sizeof(*fi));
	int out = bpf_map__fd(fx.ce->maps.mapce_flow_out);
	int in = bpf_map__fd(fx.ce->maps.mapce_flow_in);
	__u64 now = fx_now_ns();
	double t0 = mono_s(), r = -1;

	for (__u32 done = 0; ko && ki && fo && fi && done < n;) {
		__u32 c = n - done < CHUNK ? n - done : CHUNK, c1 = c, c2 = c;

		for (__u32 j = 0; j < c; j++)
			seed_flow(done + j, &ko[j], &ki[j], &fo[j], &fi[j], now);
		if (bpf_map_update_batch(in, ki, fi, &c1, NULL) ||
		    bpf_map_update_batch(out, ko, fo, &c2, NULL))
			goto out;
		done += c;
		if (done == n)
			r = mono_s() - t0;
	}
out:
	free(ko);
	free(ki);
	free(fo);
	free(fi);
	return r;
}

static const char *count_name(__u32 n)
{
	static char b[4][16];
	static int k;
	char *s = b[k++ & 3];

	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(s, 16, "%uM", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(s, 16, "%uK", n / 1000);
	else
		snprintf(s, 16, "%u", n);
	return s;
}

/* Both established directions with n live flows besides; the a_net of
 * out and in (BENCH_NONE: not measured). */
static void scale_one(__u32 n, double net_ns[2])
{
	long long need_kb = (long long)(n * SCALE_BYTES_PER_FLOW / 1024),
		  avail = mem_available_kb();
	char name[64];
	static struct pkt in;
	__u16 port = 0;
	double t;

	net_ns[0] = net_ns[1] = BENCH_NONE;
	for (int dir = 0; dir < 2; dir++) {
		struct brow *r;

		snprintf(name, sizeof(name), "%s established UDP, %s flows", dir ? "in " : "out",
			 count_name(n));
		r = brow_add("scale", name, dir ? "xdp" : "tc");
		r->flows = n;
		if (avail >= 0 && avail < 2 * need_kb) {
			r->checked = 1;
			r->note = "  skipped: MemAvailable is below twice the maps' need";
			continue;
		}
		if (dir == 0) {
			if (bench_ce(n + 1024))
				return;
			t = seed(n);
			snprintf(name, sizeof(name), "seeding %s flows from userspace (batched)",
				 count_name(n));
			bfig_add("scale", name, t, "s", t >= 0);
		}
		{
			struct series s = { .verdict = dir ? XDP_PASS : TC_ACT_OK,
					    .reason = dir ? MAPCE_R_DECAP : MAPCE_R_ENCAP,
					    .in = &in };
			int failed = t_failed;
			struct v4_spec rep;

			/* the measured flow, made once through the datapath */
			if (dir == 0) {
				port = egress_mapped(&udp_est, EV_NEW_FLOW, 1, NULL);
				rep = reply_of(&udp_est, port);
				ingress_to(&rep, LAN_HOST, udp_est.sport, 0, NULL);
			}
			rep = reply_of(&udp_est, port);
			if (t_failed != failed)
				r->note = "  setup failed";
			if (dir)
				ce_frame_from(&in, BR6, &rep);
			else
				pkt_v4(&in, &udp_est);
			s.fd = bpf_program__fd(fx.prog[dir ? FX_XDP : FX_TC_EGRESS]);
			measure_row(r, &s, dir ? FX_XDP : FX_TC_EGRESS, 0);
			net_ns[dir] = r->a_net;
		}
	}
}

/* n new flows through TC egress, timed; the CE then holds n flows. */
static void create_through_datapath(__u32 n)
{
	long long need_kb = (long long)(n * SCALE_BYTES_PER_FLOW / 1024),
		  avail = mem_available_kb();
	int fd;
	__u64 f0, ns = 0;
	__u32 bad = 0;
	static struct pkt in, out;
	double t0, wall;
	char name[80];
	struct bfig *f;

	snprintf(name, sizeof(name), "creating %s flows through TC egress (kernel time)",
		 count_name(n));
	if ((avail >= 0 && avail < 2 * need_kb) || open_whole_address(n + 1024)) {
		f = bfig_add("scale", name, BENCH_NONE, "s", 1);
		snprintf(f->note, sizeof(f->note), "  skipped: %s",
			 fx.ce ? "no memory" : "the CE did not load");
		return;
	}
	fd = bpf_program__fd(fx.prog[FX_TC_EGRESS]);
	f0 = one_reason(MAPCE_R_EV_FLOW_CREATED);
	t0 = mono_s();
	for (__u32 i = 0; i < n; i++) {
		/* endpoint i % 4096 to remote 203.0.113.(i / 4096 % 256), port by i / 2^20 */
		struct v4_spec s = UDP_OUT((__u16)(20000 + i % 4096), 53, .payload = 64);
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out.b, .data_size_out = sizeof(out.b),
			    .repeat = 1);

		s.src = IP4(10, 1, 0, 0) + i % 4096;
		s.dst = IP4(203, 0, 113, 0) + (i / 4096) % 256;
		s.dport = (__u16)(1024 + i / (4096 * 256));
		pkt_v4(&in, &s);
		o.data_in = in.b;
		o.data_size_in = (__u32)in.len;
		if (bpf_prog_test_run_opts(fd, &o) || o.retval != TC_ACT_OK)
			bad++;
		else
			ns += o.duration;
	}
	wall = mono_s() - t0;
	f = bfig_add("scale", name, (double)ns / 1e9, "s",
		     !bad && one_reason(MAPCE_R_EV_FLOW_CREATED) - f0 == n);
	snprintf(f->note, sizeof(f->note), "  %.0f ns per new flow, 4096 inside endpoints",
		 (double)ns / n);
	snprintf(name, sizeof(name), "creating %s flows through TC egress (wall clock)",
		 count_name(n));
	bfig_add("scale", name, wall, "s", !bad);
	fx_close();
}

static void bench_scale(void)
{
	double first[2], last[2];

	scale_one(bo.scale[0], first);
	fx_close();
	scale_one(bo.scale[1], last);
	fx_close();
	scale_one(bo.scale[2], last);
	fx_close();
	for (int dir = 0; dir < 2; dir++) {
		char name[80];

		snprintf(name, sizeof(name), "%s cost ratio, %s / %s flows ((a) net)",
			 dir ? "in " : "out", count_name(bo.scale[2]), count_name(bo.scale[0]));
		if (first[dir] != BENCH_NONE && last[dir] != BENCH_NONE && first[dir] > 0)
			bfig_add("scale", name, last[dir] / first[dir], "x", 1);
	}
	create_through_datapath(bo.create);
}

#endif
