/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fixture.h - the one fixture of the BPF_PROG_TEST_RUN tests, the fuzzers
 * and the bench: load the real CE or BR object without pinning, configure
 * it, run its programs, read its reason counters, and check each run with
 * one oracle, expect_run().
 *
 * One object is loaded at a time, in the global fx (a test binary is one
 * process; fx_open_* closes what was open).  Everything is static inline:
 * the Makefile builds each tests/bpf/test_*.c into its own binary.
 *
 * The worlds both sides see (addresses shared by tests/bpf/ce.h and br.h):
 *   the lab CE: rule 2001:db8::/40 -> 198.51.100.0/24, EA 16, offset 4,
 *     legacy IID, prefix 2001:db8:12:3400::/56: IPv4 198.51.100.18, PSID
 *     0x34, 15 ranges of 16 ports (0x1340-0x134f ... 0xf340-0xf34f);
 *   the BR at 2001:db8:ffff::64 (its rules are the BR tests' to add).
 */
#ifndef MAPCE_TEST_FIXTURE_H
#define MAPCE_TEST_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "mapce_ce.skel.h"
#include "mapce_br.skel.h"
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "harness.h"
#include "pkt.h"

/* Packet shorthands (tests/bpf/ce.h, br.h) take overrides after their
 * defaults: UDP_OUT(1, 2, .payload = 9).  The later designator wins
 * (C11 6.7.9), which is the point. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define CE_V4 IP4(198, 51, 100, 18)
#define CE_PSID 0x34
#define CE_MAP6 "2001:db8:12:3400:c6:3364:1200:3400"
#define BR6 "2001:db8:ffff::64"
#define LAN_HOST IP4(192, 0, 2, 10)
#define SERVER IP4(203, 0, 113, 10)

#define SEC_NS 1000000000ull

/* The programs, by where they sit (the BR has no TC ingress program). */
enum fx_prog { FX_XDP, FX_TC_EGRESS, FX_TC_INGRESS, FX_XDP_FASTPATH, FX_TC_LAN, FX__PROGS };

/* The loaded object: ce or br is set. */
struct fx {
	struct mapce_ce *ce;
	struct mapce_br *br;
	struct bpf_program *prog[FX__PROGS];
	struct bpf_map *stats;	 /* per-CPU struct mapce_counter, by reason */
	struct bpf_map *config;	 /* one struct mapce_config */
	struct mapce_config cfg; /* what fx_config() writes */
	/* The XDP programs' ingress_ifindex (0: none): a device of the
	 * test's own network namespace, for bpf_fib_lookup (the fast path). */
	__u32 xdp_ifindex;
	struct mapce_rule bmr; /* the CE's basic mapping rule */
	/* Events: the BR counts them with the packet's bytes, the CE with 0. */
	int event_bytes_are_len;
	/* Events counted by a timer (the CE's expiry sweep), not by the packet
	 * a run sends: a run may see them move; expect_run ignores them. */
	__u64 async_events;
};

static struct fx fx;

_Static_assert(MAPCE_R__MAX <= 64, "expect_run's event mask holds every reason");
/* An event for expect_run's mask: EV(FLOW_CREATED) | EV(BINDING_CREATED). */
#define EV(name) (1ull << MAPCE_R_EV_##name)
/* expect_run's reason for a run that must count nothing at all. */
#define NO_REASON MAPCE_R__MAX

static inline int fx_is_event(__u32 r)
{
	return !strncmp(mapce_reason_names[r], "ev_", 3);
}

/* CLOCK_MONOTONIC_COARSE, the clock of bpf_ktime_get_coarse_ns(). */
static inline __u64 fx_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (__u64)ts.tv_sec * SEC_NS + (__u64)ts.tv_nsec;
}

/*
 * A timestamp age_ns in the past.  Unsigned arithmetic on purpose: on a
 * machine up for less than age_ns the value wraps, and the datapath's
 * "now - then" (u64) wraps back to exactly age_ns.  Never write 0 or a
 * small constant for "long ago": on a freshly booted machine it is recent.
 */
static inline __u64 fx_ns_ago(__u64 age_ns)
{
	return fx_now_ns() - age_ns;
}

/* ---- loading ----------------------------------------------------------- */

static inline void fx_close(void)
{
	if (fx.ce)
		mapce_ce__destroy(fx.ce);
	if (fx.br)
		mapce_br__destroy(fx.br);
	memset(&fx, 0, sizeof(fx));
}

/* The end of a test binary: the object closed, the exit status. */
static inline int fx_finish(void)
{
	fx_close();
	return t_exit();
}

/* The tests own their maps: nothing is pinned, nothing reused. */
static inline void fx_unpin(struct bpf_object *obj)
{
	struct bpf_map *m;

	bpf_object__for_each_map(m, obj) bpf_map__set_pin_path(m, NULL);
}

/* Write fx.cfg to the loaded object.  0 on success. */
static inline int fx_config(void)
{
	__u32 zero = 0;

	return bpf_map__update_elem(fx.config, &zero, sizeof(zero), &fx.cfg, sizeof(fx.cfg), 0);
}

static inline void fx_rule(struct mapce_rule *r, const char *v6, __u8 len6, uint32_t v4, __u8 len4,
			   __u8 ea_len, __u8 psid_offset)
{
	memset(r, 0, sizeof(*r));
	ip6(v6, r->ipv6_prefix);
	r->ipv6_prefix_len = len6;
	r->ipv4_prefix = htonl(v4);
	r->ipv4_prefix_len = len4;
	r->ea_len = ea_len;
	r->psid_offset = psid_offset;
}

/* The lab's v6plus-style rule: the CE's BMR, the BR's first rule. */
static inline void fx_lab_rule(struct mapce_rule *r)
{
	fx_rule(r, "2001:db8::", 40, IP4(198, 51, 100, 0), 24, 16, 4);
}

/*
 * Load the CE, its flow maps sized for max_flows (0: the object's size),
 * and configure it as the lab CE with the defaults `mapce up` writes.
 * 0 on success.
 */
static inline int fx_open_ce(__u32 max_flows)
{
	struct mapce_ce *s;
	__u32 zero = 0;

	fx_close();
	s = mapce_ce__open();
	if (!s)
		return -errno;
	fx_unpin(s->obj);
	if (max_flows) {
		bpf_map__set_max_entries(s->maps.mapce_flow_out, max_flows);
		bpf_map__set_max_entries(s->maps.mapce_flow_in, max_flows);
	}
	if (mapce_ce__load(s)) {
		mapce_ce__destroy(s);
		return -1;
	}
	fx.ce = s;
	fx.prog[FX_XDP] = s->progs.mapce_xdp_ingress;
	fx.prog[FX_TC_EGRESS] = s->progs.mapce_tc_egress;
	fx.prog[FX_TC_INGRESS] = s->progs.mapce_tc_ingress;
	fx.prog[FX_XDP_FASTPATH] = s->progs.mapce_xdp_fastpath;
	fx.prog[FX_TC_LAN] = s->progs.mapce_tc_lan;
	fx.stats = s->maps.mapce_stats;
	fx.config = s->maps.mapce_config;
	fx.async_events = EV(GC_SWEEP) | EV(FLOW_EXPIRED) | EV(BINDING_EXPIRED);

	fx_lab_rule(&fx.bmr);
	ip6(CE_MAP6, fx.cfg.ce_ipv6);
	ip6(BR6, fx.cfg.br_ipv6);
	fx.cfg.ipv4 = htonl(CE_V4);
	fx.cfg.psid = CE_PSID;
	fx.cfg.psid_len = 8;
	fx.cfg.psid_offset = 4;
	fx.cfg.port_count = mapce_port_count(4, 8);
	fx.cfg.flags = MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID;
	fx.cfg.hop_limit = 64;
	fx.cfg.mtu = 1460;
	fx.cfg.timeout_udp = 300;
	fx.cfg.timeout_tcp_est = 7440;
	fx.cfg.timeout_tcp_trans = 240;
	fx.cfg.timeout_icmp = 60;
	fx.cfg.gc_interval_ms = 1000;
	if (bpf_map__update_elem(s->maps.mapce_rules, &zero, sizeof(zero), &fx.bmr, sizeof(fx.bmr),
				 0))
		return -1;
	return fx_config();
}

/* Load the BR and enable it (legacy IID, hop limit 64), with no rule yet:
 * see fx_br_add_rule().  0 on success. */
static inline int fx_open_br(void)
{
	struct mapce_br *s;

	fx_close();
	s = mapce_br__open();
	if (!s)
		return -errno;
	fx_unpin(s->obj);
	if (mapce_br__load(s)) {
		mapce_br__destroy(s);
		return -1;
	}
	fx.br = s;
	fx.prog[FX_XDP] = s->progs.mapce_br_xdp;
	fx.prog[FX_TC_EGRESS] = s->progs.mapce_br_tc_egress;
	fx.stats = s->maps.mapce_br_stats;
	fx.config = s->maps.mapce_br_config;
	fx.event_bytes_are_len = 1;
	ip6(BR6, fx.cfg.br_ipv6);
	fx.cfg.flags = MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID;
	fx.cfg.hop_limit = 64;
	return fx_config();
}

/* The BR's rule idx, and its IPv4 prefix in the lookup trie. */
static inline int fx_br_add_rule(__u32 idx, const struct mapce_rule *r)
{
	struct mapce_lpm_v4_key k = { .prefixlen = r->ipv4_prefix_len, .addr = r->ipv4_prefix };

	if (bpf_map__update_elem(fx.br->maps.mapce_br_rules, &idx, sizeof(idx), r, sizeof(*r), 0))
		return -1;
	return bpf_map__update_elem(fx.br->maps.mapce_br_lpm, &k, sizeof(k), &idx, sizeof(idx), 0);
}

/* ---- running and counting ---------------------------------------------- */

static inline int fx_prog_is_xdp(enum fx_prog p)
{
	return p == FX_XDP || p == FX_XDP_FASTPATH;
}

/* Run prog once on in (with the __sk_buff ctx when given); the output
 * frame in out.  Returns the verdict, or -1 when the kernel refused. */
static inline int fx_run_ctx(enum fx_prog p, const struct pkt *in, struct __sk_buff *ctx,
			     struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);

	struct xdp_md xctx = { .data_end = (__u32)in->len, .ingress_ifindex = fx.xdp_ifindex };

	if (ctx) {
		o.ctx_in = ctx;
		o.ctx_size_in = sizeof(*ctx);
		o.ctx_out = ctx;
		o.ctx_size_out = sizeof(*ctx);
	} else if (fx.xdp_ifindex && fx_prog_is_xdp(p)) {
		o.ctx_in = &xctx;
		o.ctx_size_in = sizeof(xctx);
	}
	if (!fx.prog[p] || bpf_prog_test_run_opts(bpf_program__fd(fx.prog[p]), &o))
		return -1;
	out->len = o.data_size_out;
	return (int)o.retval;
}

static inline int fx_run(enum fx_prog p, const struct pkt *in, struct pkt *out)
{
	return fx_run_ctx(p, in, NULL, out);
}

/* Every reason counter, summed over the CPUs. */
static inline void fx_counters(struct mapce_counter sum[MAPCE_R__MAX])
{
	int n = libbpf_num_possible_cpus();
	struct mapce_counter v[n > 0 ? n : 1];

	memset(sum, 0, sizeof(*sum) * MAPCE_R__MAX);
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		if (bpf_map__lookup_elem(fx.stats, &r, sizeof(r), v, sizeof(v), 0))
			continue;
		for (int c = 0; c < n; c++) {
			sum[r].packets += v[c].packets;
			sum[r].bytes += v[c].bytes;
		}
	}
}

static inline __u64 fx_reason_packets(__u32 reason)
{
	struct mapce_counter sum[MAPCE_R__MAX];

	fx_counters(sum);
	return sum[reason].packets;
}

/* Packets counted under a reason (events not included): each packet a
 * program sees is counted exactly once. */
static inline __u64 fx_packets_counted(void)
{
	struct mapce_counter sum[MAPCE_R__MAX];
	__u64 n = 0;

	fx_counters(sum);
	for (__u32 r = 0; r < MAPCE_R__MAX; r++)
		if (!fx_is_event(r))
			n += sum[r].packets;
	return n;
}

/* Entries in the map of fd, keys of ksz bytes (stops at 100000). */
static inline int fx_map_fd_count(int fd, size_t ksz)
{
	uint8_t k[64], nk[64];
	void *prev = NULL;
	int n = 0;

	if (ksz > sizeof(k))
		return -1;
	while (n < 100000 && !bpf_map_get_next_key(fd, prev, nk)) {
		memcpy(k, nk, ksz);
		prev = k;
		n++;
	}
	return n;
}

/* Entries in a map (stops at 100000). */
static inline int fx_map_count(struct bpf_map *m)
{
	return fx_map_fd_count(bpf_map__fd(m), bpf_map__key_size(m));
}

/* ---- the oracle -------------------------------------------------------- */

/* expect_run's want when the frame is not comparable before the run: the
 * caller compares it with expect_frame() once it knows what the program
 * was free to choose (the port it mapped a flow to). */
static const struct pkt fx_frame_checked_later;
#define FRAME_LATER (&fx_frame_checked_later)

/* out is want byte for byte; else reports the length or the first byte
 * that differs. */
static inline int fx_expect_frame(const char *file, int line, const struct pkt *out,
				  const struct pkt *want)
{
	if (out->len != want->len) {
		t_report(0, "output frame", file, line, "length %zu, want %zu", out->len,
			 want->len);
		return 0;
	}
	for (size_t i = 0; i < out->len; i++) {
		if (out->b[i] != want->b[i]) {
			t_report(0, "output frame", file, line, "byte %zu is 0x%02x, want 0x%02x",
				 i, out->b[i], want->b[i]);
			return 0;
		}
	}
	return 1;
}
#define expect_frame(out, want) fx_expect_frame(__FILE__, __LINE__, out, want)

/*
 * Run program p once on in (and the __sk_buff ctx, when given) and check:
 *   - the verdict;
 *   - the counters: reason moved by one packet of in->len bytes (both
 *     sides count the frame's length; NO_REASON: nothing may move), each
 *     event in the mask events by one packet (bytes: in->len on the BR,
 *     0 on the CE), and no other counter moved (fx.async_events aside);
 *   - the output frame: want byte for byte; want NULL: the input
 *     unchanged, except after XDP_DROP, where there is no output.
 * The output is left in out when out is not NULL.  Returns 1 when all held.
 */
static inline int fx_expect_run(const char *file, int line, enum fx_prog p, const struct pkt *in,
				struct __sk_buff *ctx, int verdict, __u32 reason, __u64 events,
				const struct pkt *want, struct pkt *out)
{
	struct mapce_counter before[MAPCE_R__MAX], after[MAPCE_R__MAX];
	static struct pkt scratch;
	int failed = t_failed, ret;

	if (!out)
		out = &scratch;
	fx_counters(before);
	ret = fx_run_ctx(p, in, ctx, out);
	fx_counters(after);
	t_report(ret == verdict, "verdict", file, line, "%d, want %d", ret, verdict);
	if (ret < 0) {
		out->len = 0;
		return 0;
	}
	for (__u32 r = 0; r < MAPCE_R__MAX; r++) {
		__u64 dp = after[r].packets - before[r].packets;
		__u64 db = after[r].bytes - before[r].bytes;
		__u64 wp = 0, wb = 0;

		if (r == reason) {
			wp = 1;
			wb = in->len;
		} else if (events & (1ull << r)) {
			wp = 1;
			wb = fx.event_bytes_are_len ? in->len : 0;
		} else if (fx.async_events & (1ull << r)) {
			continue;
		}
		t_report(dp == wp && db == wb, "counters", file, line,
			 "%s moved by %llu packets %llu bytes, want %llu/%llu (reason %s)",
			 mapce_reason_names[r], (unsigned long long)dp, (unsigned long long)db,
			 (unsigned long long)wp, (unsigned long long)wb,
			 reason < MAPCE_R__MAX ? mapce_reason_names[reason] : "none");
	}
	if (want != FRAME_LATER && !(verdict == XDP_DROP && fx_prog_is_xdp(p)))
		fx_expect_frame(file, line, out, want ? want : in);
	return t_failed == failed;
}

#define expect_run(p, in, verdict, reason, events, want, out) \
	fx_expect_run(__FILE__, __LINE__, p, in, NULL, verdict, reason, events, want, out)
#define expect_run_ctx(p, in, ctx, verdict, reason, events, want, out) \
	fx_expect_run(__FILE__, __LINE__, p, in, ctx, verdict, reason, events, want, out)

/* ---- tables ------------------------------------------------------------ */

/*
 * A row: one packet through one program, checked by expect_run.  Rows of
 * one name in a row form one case (one "ok" line); they run in order, so
 * a row may rely on the state the rows before it left (a flow opened).
 */
struct fx_row {
	const char *name;
	void (*setup)(void); /* optional, before the packet: configure */
	enum fx_prog prog;
	struct v4_spec v4; /* the IPv4 packet of the input frame */
	/* The far end of the tunnel (an IPv6 address) for builders that need
	 * one; NULL: the side's usual peer. */
	const char *peer6;
	void (*in)(struct pkt *in, const struct fx_row *r);
	void (*mangle)(struct pkt *in); /* optional: break the input */
	int verdict;
	__u32 reason;
	__u64 events;
	/* The expected output; NULL: the input unchanged (or dropped). */
	void (*want)(struct pkt *want, const struct pkt *in, const struct fx_row *r);
	int csums;			      /* the output's IPv4 checksums verify, too */
	void (*check)(const struct pkt *out); /* optional, after: map state */
};

#define ROWS(t) (t), sizeof(t) / sizeof((t)[0])

/* Run the rows; open (when given) makes a fresh object for each case.
 * A failure names the case and, as "row:N", the row within it. */
static inline void fx_run_rows(const struct fx_row *rows, size_t n, int (*open)(void))
{
	int row = 0, skip = 0;

	for (size_t i = 0; i < n; i++) {
		const struct fx_row *r = &rows[i];
		struct pkt in, want, out;

		if (i == 0 || strcmp(r->name, rows[i - 1].name)) {
			TCASE_BEGIN(r->name);
			row = 0;
			skip = open && open();
			CHECK(!skip, "object failed to load");
		}
		row++;
		if (skip)
			goto next;
		if (r->setup)
			r->setup();
		r->in(&in, r);
		if (r->mangle)
			r->mangle(&in);
		if (r->want)
			r->want(&want, &in, r);
		fx_expect_run("row", row, r->prog, &in, NULL, r->verdict, r->reason, r->events,
			      r->want ? &want : NULL, &out);
		if (r->csums)
			t_report(frame_csums_ok(&out), "output checksums", "row", row, "");
		if (r->check)
			r->check(&out);
	next:
		if (i + 1 == n || strcmp(r->name, rows[i + 1].name))
			TCASE_END();
	}
}

#endif
