/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stateful.h - the stateful NAT figures RFC 9693 defines, for the CE:
 *   setup rate    bindings (connections) the datapath creates per second:
 *                 new flows of distinct inside endpoints through TC egress,
 *                 timed by the kernel (the sum of the per-call durations)
 *                 and by the wall clock (syscalls and frame building too);
 *   tear-down     what expiry costs: one sweep of the in-kernel gc over a
 *                 table of expired bindings, per binding;
 *   capacity      the bindings a CE sized for --max-flows M holds: new
 *                 flows until the datapath refuses one (table_full);
 *   memory        bytes of map memory per binding: the memlock the kernel
 *                 charges for the NAT maps, over M.
 * Port sets: the lab CE's 240 ports (v6plus-like, PSID 8 bits), and a CE
 * that owns a whole IPv4 address (no PSID: 64512 ports above 1023) where
 * many bindings must fit without overlapping.
 */
#ifndef MAPCE_BENCH_STATEFUL_H
#define MAPCE_BENCH_STATEFUL_H

#include <bpf/btf.h>
#include "bench/paths.h"

/* One reason counter summed over the CPUs (cheaper than fx_counters: the
 * tear-down polls it). */
static __u64 one_reason(__u32 r)
{
	int n = libbpf_num_possible_cpus();
	struct mapce_counter v[n > 0 ? n : 1];
	__u64 sum = 0;

	if (bpf_map__lookup_elem(fx.stats, &r, sizeof(r), v, sizeof(v), 0))
		return 0;
	for (int c = 0; c < n; c++)
		sum += v[c].packets;
	return sum;
}

/* The CE of a whole IPv4 address (no PSID), its four NAT maps sized
 * for max_flows as `mapce up --max-flows` sizes them (fx_open_ce sizes
 * the flow maps only): the fixture's configuration, reloaded resized. */
static int open_whole_address(__u32 max_flows)
{
	struct mapce_config cfg;
	struct mapce_rule bmr;
	struct mapce_ce *s;
	__u32 zero = 0;

	if (fx_open_ce(max_flows))
		return -1;
	cfg = fx.cfg;
	bmr = fx.bmr;
	fx_close();
	s = mapce_ce__open();
	if (!s)
		return -1;
	fx_unpin(s->obj);
	bpf_map__set_max_entries(s->maps.mapce_flow_out, max_flows);
	bpf_map__set_max_entries(s->maps.mapce_flow_in, max_flows);
	bpf_map__set_max_entries(s->maps.mapce_bind, max_flows);
	bpf_map__set_max_entries(s->maps.mapce_ports, max_flows);
	if (mapce_ce__load(s)) {
		mapce_ce__destroy(s);
		return -1;
	}
	fx.ce = s;
	fx.prog[FX_XDP] = s->progs.mapce_xdp_ingress;
	fx.prog[FX_TC_EGRESS] = s->progs.mapce_tc_egress;
	fx.prog[FX_TC_INGRESS] = s->progs.mapce_tc_ingress;
	fx.stats = s->maps.mapce_stats;
	fx.config = s->maps.mapce_config;
	fx.bmr = bmr;
	fx.cfg = cfg;
	fx.cfg.psid_len = 0;
	fx.cfg.psid = 0;
	fx.cfg.psid_offset = 0;
	fx.cfg.port_count = mapce_port_count(0, 0);
	fx.cfg.gc_interval_ms = 3600 * 1000;
	if (bpf_map__update_elem(s->maps.mapce_rules, &zero, sizeof(zero), &fx.bmr, sizeof(fx.bmr),
				 0))
		return -1;
	return fx_config();
}

/* The i-th new flow of a distinct inside endpoint (10.x.y.z, a port of
 * its own), to SERVER port 53; from OVERLAP_FIRST on, each to a port of
 * its own of SERVER. */
#define OVERLAP_FIRST 0x10000000u
static void new_endpoint(struct pkt *in, __u32 i)
{
	struct v4_spec s = UDP_OUT((__u16)(1024 + (i * 7919u) % 64000), 53, .payload = 64);

	s.src = IP4(10, 0, 0, 0) + i;
	if (i >= OVERLAP_FIRST) /* a remote port of its own: overlapping allowed */
		s.dport = (__u16)(1024 + i - OVERLAP_FIRST);
	pkt_v4(in, &s);
}

/* Time n new flows of new endpoints from endpoint first on; the kernel's
 * and the wall clock's seconds.  Returns the bindings created. */
static __u64 setup_flows(__u32 first, __u32 n, double *kernel_s, double *wall_s, __u32 *dropped)
{
	int fd = bpf_program__fd(fx.prog[FX_TC_EGRESS]);
	__u64 b0 = one_reason(MAPCE_R_EV_BINDING_CREATED), ns = 0;
	static struct pkt in, out;
	double t0 = mono_s();

	*dropped = 0;
	if (binlog_reader_open())
		return 0;
	for (__u32 i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_out = out.b, .data_size_out = sizeof(out.b),
			    .repeat = 1);

		new_endpoint(&in, first + i);
		o.data_in = in.b;
		o.data_size_in = (__u32)in.len;
		if (bpf_prog_test_run_opts(fd, &o) || o.retval != TC_ACT_OK) {
			(*dropped)++;
			continue;
		}
		ns += o.duration;
		binlog_reader_read(); /* as the router's log reader keeps up */
	}
	*wall_s = mono_s() - t0;
	*kernel_s = (double)ns / 1e9;
	return one_reason(MAPCE_R_EV_BINDING_CREATED) - b0;
}

/* Setup rate on the port set now configured; returns the bindings made. */
static __u64 setup_rate(const char *what, __u32 first, __u32 n)
{
	double ks, ws;
	__u32 dropped;
	__u64 made = setup_flows(first, n, &ks, &ws, &dropped);
	char name[80];
	struct bfig *f;

	snprintf(name, sizeof(name), "setup rate, %s (kernel time)", what);
	f = bfig_add("stateful", name, ks > 0 ? (double)made / ks : 0, "bindings/s",
		     made == n && !dropped);
	snprintf(f->note, sizeof(f->note), "  %u new flows, %.0f ns each", n,
		 made ? ks * 1e9 / (double)made : 0);
	snprintf(name, sizeof(name), "setup rate, %s (wall clock)", what);
	bfig_add("stateful", name, ws > 0 ? (double)made / ws : 0, "bindings/s", made == n);
	return made;
}

/* The offset of the datapath's gc_armed in .bss: cleared, the next new
 * flow re-arms the sweep timer with the configured interval. */
static long gc_armed_offset(void)
{
	const struct btf *btf = bpf_object__btf(fx.ce->obj);
	int id = btf ? btf__find_by_name_kind(btf, ".bss", BTF_KIND_DATASEC) : -1;
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	const struct btf_var_secinfo *v = t ? btf_var_secinfos(t) : NULL;

	for (int i = 0; v && i < btf_vlen(t); i++) {
		const struct btf_type *var = btf__type_by_id(btf, v[i].type);

		if (var && !strcmp(btf__name_by_offset(btf, var->name_off), "gc_armed"))
			return (long)v[i].offset;
	}
	return -1;
}

/* Expire the n bindings made (UDP timeout 1 s, waited out), re-arm the
 * sweep at 1 ms and time the one sweep that removes them all. */
static void teardown_rate(__u64 n, __u32 next)
{
	long off = gc_armed_offset();
	__u64 sw0, fe0, be0;
	double t0, t1;
	static struct pkt in, out;
	struct bfig *f;
	int ok;

	struct bpf_map *bss = fx.ce->maps.bss;
	__u8 data[256];
	__u32 zero = 0;
	size_t sz = bss ? bpf_map__value_size(bss) : 0;

	if (off < 0 || sz > sizeof(data) || (size_t)off + 4 > sz ||
	    bpf_map__lookup_elem(bss, &zero, sizeof(zero), data, sz, 0)) {
		f = bfig_add("stateful", "tear-down: expiry sweep per binding", BENCH_NONE, "ns",
			     1);
		snprintf(f->note, sizeof(f->note), "  skipped: gc_armed not found in .bss");
		return;
	}
	fx.cfg.timeout_udp = 1;
	fx_config();
	usleep(1100 * 1000);
	fx.cfg.gc_interval_ms = 1;
	fx_config();
	memset(data + off, 0, 4);
	bpf_map__update_elem(bss, &zero, sizeof(zero), data, sz, 0);
	sw0 = one_reason(MAPCE_R_EV_GC_SWEEP);
	fe0 = one_reason(MAPCE_R_EV_FLOW_EXPIRED);
	be0 = one_reason(MAPCE_R_EV_BINDING_EXPIRED);
	new_endpoint(&in, next); /* a new flow arms the timer: 1 ms */
	t0 = mono_s();
	fx_run(FX_TC_EGRESS, &in, &out);
	/* the clock read after the counter moved: the sweep runs in a softirq
	 * that may interrupt this very loop */
	while (one_reason(MAPCE_R_EV_GC_SWEEP) == sw0 && mono_s() - t0 < 30)
		;
	t1 = mono_s();
	ok = one_reason(MAPCE_R_EV_FLOW_EXPIRED) - fe0 == n &&
	     one_reason(MAPCE_R_EV_BINDING_EXPIRED) - be0 == n;
	t1 -= t0 + 0.001;
	f = bfig_add("stateful", "tear-down: expiry sweep per binding", t1 * 1e9 / (double)n, "ns",
		     ok);
	snprintf(f->note, sizeof(f->note), "  one sweep removed %llu expired bindings and flows",
		 (unsigned long long)n);
	bfig_add("stateful", "tear-down rate (expiry sweep)", (double)n / t1, "bindings/s", ok);
}

/* Capacity at max_flows m, and the map memory per binding. */
static void capacity(__u32 m)
{
	struct bpf_map *sized[] = { fx.ce->maps.mapce_flow_out, fx.ce->maps.mapce_flow_in,
				    fx.ce->maps.mapce_bind, fx.ce->maps.mapce_ports };
	struct bpf_map *fixed[] = { fx.ce->maps.mapce_peers, fx.ce->maps.mapce_hosts };
	double ks, ws;
	__u32 dropped;
	__u64 made = setup_flows(0, m + 16, &ks, &ws, &dropped);
	long long mem = 0, extra = 0;
	struct bfig *f;
	char name[80];

	snprintf(name, sizeof(name), "table capacity at --max-flows %u", m);
	f = bfig_add("stateful", name, (double)made, "bindings",
		     made == m && dropped == 16 && one_reason(MAPCE_R_DROP_TABLE_FULL) == 16);
	snprintf(f->note, sizeof(f->note), "  the next %u new flows dropped (table_full)", dropped);
	for (size_t i = 0; i < sizeof(sized) / sizeof(sized[0]); i++)
		mem += map_memlock(bpf_map__fd(sized[i]));
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		extra += map_memlock(bpf_map__fd(fixed[i]));
	f = bfig_add("stateful", "map memory per binding (flow_out, flow_in, bind, ports)",
		     (double)mem / m, "bytes", mem > 0);
	snprintf(f->note, sizeof(f->note), "  memlock %lld bytes for %u", mem, m);
	f = bfig_add("stateful", "  + peers and hosts (65536 entries each, not resized)",
		     (double)extra / m, "bytes", extra > 0);
	snprintf(f->note, sizeof(f->note), "  memlock %lld bytes", extra);
}

static void bench_stateful(void)
{
	__u32 lab = 0;
	__u64 made;

	/* the lab CE: 240 ports; 90% of them, then overlap once full */
	if (bench_ce(0) == 0) {
		lab = fx.cfg.port_count * 9 / 10;
		setup_rate("240-port set, to 90%", 0, lab);
		setup_flows(lab, fx.cfg.port_count - lab, &(double){ 0 }, &(double){ 0 },
			    &(__u32){ 0 });
		setup_rate("240-port set full: overlap", OVERLAP_FIRST, 100);
	}
	/* a whole address: many bindings, then their expiry */
	if (open_whole_address(bo.setup * 2) == 0) {
		made = setup_rate("whole address (64512 ports)", 0, bo.setup);
		teardown_rate(made, bo.setup);
	}
	if (open_whole_address(bo.capacity) == 0)
		capacity(bo.capacity);
	fx_close();
}

#endif
