/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * paths.h - the per-packet cost of every path of the CE, side by side
 * with the trivial programs (bench.h: the methods).
 *
 * Each path starts on a fresh lab CE (tests/bpf/fixture.h) holding the
 * state that path needs, made through the datapath itself and checked on
 * the way (egress_mapped, ingress_to); the expiry sweep is pushed out of
 * the runs.  A new flow must stay new on every call: each run's mapping
 * and flow are deleted again after it (new_flow_undo), so the port set
 * stays as full as the row says.
 */
#ifndef MAPCE_BENCH_PATHS_H
#define MAPCE_BENCH_PATHS_H

#include "bench/bench.h"
#include "bench/jit_lines.h"
#include "bench/restore.h"
#include "bpf/fastpath_net.h"
#include "ce/port_hint_sync.h"

struct bpath {
	const char *name;
	enum fx_prog prog;
	int verdict;
	__u32 reason;
	int (*setup)(struct pkt *in); /* a fresh CE and the input; 0 on success */
	void (*after)(const struct pkt *out);
	__u32 *ifindex; /* the frames' ingress device (the fast path's), or NULL */
	__u32 *to;	/* XDP_REDIRECT: the device it sends to */
	__u32 event;	/* an event each packet counts too (the fast path's), or 0 */
};

/* A fresh lab CE, its flow maps sized for max_flows (0: the object's
 * size), no expiry sweep during the runs. */
static int bench_ce(__u32 max_flows)
{
	if (fx_open_ce(max_flows))
		return -1;
	fx.cfg.gc_interval_ms = 3600 * 1000;
	return fx_config();
}

static int open_plain(void)
{
	return bench_ce(0);
}

/* ---- inputs and the state they need ------------------------------------- */

static const struct v4_spec udp_est = UDP_OUT(0x1345, 53, .payload = 64);
/* The same flow with DF clear (as DNS and pktgen-like senders send):
 * every packet leaves with a fresh IPv4 id (bpf/ce/frag.h). */
static const struct v4_spec udp_est_nodf = UDP_OUT(0x1345, 53, .payload = 64, .frag = 0);
static const struct v4_spec tcp_syn = TCP_SYN_OUT(0x1345, 80);
static const struct v4_spec icmp_req =
	UDP_OUT(0x1345, 0, .proto = 1, .icmp_type = 8, .payload = 56);
/* A new flow from a port outside the set: the CE searches its set. */
static const struct v4_spec udp_new = UDP_OUT(40000, 53, .payload = 64);

/* Open s's flow through the datapath and its reply's way back; in: the
 * reply as it comes from the BR when back, else s again. */
static int established(struct pkt *in, const struct v4_spec *s, int back)
{
	int failed = t_failed;
	__u16 port;
	struct v4_spec r;

	if (open_plain())
		return -1;
	port = egress_mapped(s, EV_NEW_FLOW, 1, NULL);
	r = reply_of(s, port);
	ingress_to(&r, s->src, s->sport, 0, NULL);
	if (back)
		ce_frame_from(in, BR6, &r);
	else
		pkt_v4(in, s);
	return t_failed != failed;
}

static int udp_out_est(struct pkt *in)
{
	return established(in, &udp_est, 0);
}

static int udp_out_est_nodf(struct pkt *in)
{
	return established(in, &udp_est_nodf, 0);
}

static int udp_in_est(struct pkt *in)
{
	return established(in, &udp_est, 1);
}

static int tcp_out_est(struct pkt *in)
{
	struct v4_spec ack = tcp_syn;

	ack.tcp_flags = 0x10; /* an ACK with data, the bulk of a connection */
	ack.payload = 64;
	if (established(in, &tcp_syn, 0))
		return -1;
	pkt_v4(in, &ack);
	return 0;
}

/* A bare ACK (no payload: 54 bytes, shorter than the headers TC egress
 * pulls), the most common packet of a download's upstream. */
static int tcp_out_bare_ack(struct pkt *in)
{
	struct v4_spec ack = tcp_syn;

	ack.tcp_flags = 0x10;
	ack.payload = 0;
	if (established(in, &tcp_syn, 0))
		return -1;
	pkt_v4(in, &ack);
	return 0;
}

/*
 * The established inbound path once more, made for live frames (b) too:
 * they come back recycled as the program left them, so this frame is left
 * as it came.  Its flow is the box's own (inside endpoint = outside
 * endpoint, CE_V4 and a port of the set kept): the translation writes back
 * the values it reads.  And the CE's MAP address, which XDP ingress only
 * compares, is taken to end with what the decapsulation writes over its
 * last 14 bytes: the frame's MAC addresses and EtherType 0x0800.  The work
 * is any established packet's: the same instructions, other values; every
 * live frame is checked to have taken the path (its reason counter).
 */
static int udp_in_est_unchanged(struct pkt *in)
{
	struct v4_spec s = udp_est;
	uint8_t *daddr = in->b + 14 + 24;

	s.src = CE_V4;
	if (established(in, &s, 1))
		return -1;
	memcpy(daddr + 2, in->b, 2 * 6); /* the MACs */
	daddr[14] = 0x08;
	daddr[15] = 0x00;
	memcpy(fx.cfg.ce_ipv6, daddr, sizeof(fx.cfg.ce_ipv6));
	return fx_config();
}

static int icmp_out_est(struct pkt *in)
{
	return established(in, &icmp_req, 0);
}

static int icmp_in_est(struct pkt *in)
{
	return established(in, &icmp_req, 1);
}

/* A reply to a port of the set no flow uses: dropped. */
static int in_miss(struct pkt *in)
{
	struct v4_spec r = UDP_IN(53, 0x1346, .payload = 64);

	if (open_plain())
		return -1;
	ce_frame_from(in, BR6, &r);
	return 0;
}

/* Junk to a mapped port: a stranger's UDP to the established flow's
 * outside port, which the default filtering (address-dependent) refuses:
 * the flow, the claim and the peer looked up, none found for it. */
static int in_filtered(struct pkt *in)
{
	struct v4_spec r;
	__u16 port;

	if (open_plain())
		return -1;
	port = egress_mapped(&udp_est, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&udp_est, port);
	r.src = IP4(203, 0, 113, 99);
	ce_frame_from(in, BR6, &r);
	return 0;
}

/* Junk the internet sends a CE, dropped before any NAT state is looked
 * up: a packet to a port outside the CE's set (a scan of the shared
 * address's other ports), and one through the tunnel from a source that
 * is neither the BR nor a mesh peer (spoofed encapsulation).  Beside an
 * established flow: its reply but for the port's set or the outer
 * source. */
static int in_junk(struct pkt *in, const char *src6, __u16 dport)
{
	struct v4_spec r;
	__u16 port;

	if (open_plain())
		return -1;
	port = egress_mapped(&udp_est, EV_NEW_FLOW, 1, NULL);
	r = reply_of(&udp_est, dport ? dport : port);
	ce_frame_from(in, src6, &r);
	return 0;
}

static int in_out_of_set(struct pkt *in)
{
	return in_junk(in, BR6, 40000); /* udp_new's port: not in the lab set */
}

static int in_spoofed_tunnel(struct pkt *in)
{
	return in_junk(in, "2001:db8:ffff::99", 0);
}

/* IPv6 that is not a tunnel packet: UDP from src6 to dst6. */
static int ipv6_udp(struct pkt *in, const char *src6, const char *dst6)
{
	uint8_t udp[8 + 64] = { 0x12, 0x34, 0x00, 0x35, 0, sizeof(udp) };

	if (open_plain())
		return -1;
	frame_v6(in, a6(src6), a6(dst6), udp, sizeof(udp));
	in->b[14 + 6] = 17;
	in->b[14 + 1] = 0; /* frame_v6 took udp[1] for the traffic class */
	return 0;
}

static int ipv6_native(struct pkt *in)
{
	return ipv6_udp(in, BR6, CE_MAP6);
}

static int ipv6_native_out(struct pkt *in)
{
	return ipv6_udp(in, CE_MAP6, BR6);
}

/* The fast path (--fastpath): the established UDP flow, its frames from
 * the LAN device to the WAN (out) or from the WAN to the LAN (in). */
static int fastpath_est(struct pkt *in, const struct v4_spec *s, int back)
{
	if (!bo.fp_net || established(in, s, back))
		return -1;
	return fp_net_on(lan_ifindex);
}

static int fastpath_out_est(struct pkt *in)
{
	return fastpath_est(in, &udp_est, 0);
}

static int fastpath_out_est_nodf(struct pkt *in)
{
	return fastpath_est(in, &udp_est_nodf, 0);
}

static int fastpath_in_est(struct pkt *in)
{
	return fastpath_est(in, &udp_est, 1);
}

/* ---- new flows ---------------------------------------------------------- */

static __be32 n32(uint32_t v)
{
	return htonl(v);
}

/* Read the call's binding log record, as a router's reader would; delete
 * what the new flow of udp_new created (it left on the port of out), so
 * that the next call is a new flow again on the same set (its port hint
 * bit too, as the expiry sweep clears it). */
static void new_flow_undo(const struct pkt *out)
{
	__u16 port = out->len > 54 + 24 ? encap_sport(out) : 0;
	struct mapce_endpoint pub = { .ip = htonl(CE_V4), .port = htons(port), .proto = 17 };

	binlog_reader_read();
	ce_udp_flow_forget(&udp_new, port);
	/* the port is free again, as the sweep would leave it */
	port_hint_mark(bpf_map__fd(fx.ce->maps.mapce_port_hint), &fx.cfg, &pub, false);
}

/* Claim permille of the lab set's ports for other inside hosts, at
 * random (a fixed seed: the same ports every run). */
static int ports_fill(__u32 permille)
{
	__u32 n = fx.cfg.port_count, want = n * permille / 1000;
	int fd = bpf_map__fd(fx.ce->maps.mapce_ports);
	__u64 now = fx_now_ns();
	unsigned int seed = 1;

	for (__u32 done = 0, tries = 0; done < want && tries < 100 * n; tries++) {
		__u32 idx = (__u32)rand_r(&seed) % n;
		struct mapce_endpoint pub = { .ip = n32(CE_V4),
					      .port = htons(mapce_port_at(fx.cfg.psid_offset,
									  fx.cfg.psid_len,
									  fx.cfg.psid, idx)),
					      .proto = 17 };
		struct mapce_binding owner = { .ip = n32(IP4(192, 0, 2, 100) + done % 100),
					       .port = htons((__u16)(1024 + done)),
					       .created_ns = now,
					       .refreshed_ns = now };

		if (bpf_map_update_elem(fd, &pub, &owner, BPF_NOEXIST) == 0)
			done++;
	}
	/* the hint as the datapath's claims would have left it */
	if (port_hint_rebuild(bpf_map__fd(fx.ce->maps.mapce_port_hint), fd, &fx.cfg))
		return -1;
	return fx_map_count(fx.ce->maps.mapce_ports) == (int)want ? 0 : -1;
}

static int new_flow_empty(struct pkt *in)
{
	if (open_plain() || binlog_reader_open())
		return -1;
	pkt_v4(in, &udp_new);
	return 0;
}

static int new_flow_90(struct pkt *in)
{
	if (open_plain() || ports_fill(900) || binlog_reader_open())
		return -1;
	pkt_v4(in, &udp_new);
	return 0;
}

/* clang-format off */
static const struct bpath bpaths[] = {
	{ "out established UDP (NAPT+encap)", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP, udp_out_est },
	{ "out established UDP, DF clear (new id)", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP,
	  udp_out_est_nodf },
	{ "out established TCP ACK", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP, tcp_out_est },
	{ "out established TCP bare ACK", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP, tcp_out_bare_ack },
	{ "out new flow, port set empty", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP, new_flow_empty,
	  new_flow_undo },
	{ "out new flow, port set 90% full", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP, new_flow_90,
	  new_flow_undo },
	{ "out ICMP echo request (established)", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_ENCAP,
	  icmp_out_est },
	{ "out IPv6 passthrough (not MAP)", FX_TC_EGRESS, TC_ACT_OK, MAPCE_R_PASS_NATIVE,
	  ipv6_native_out },
	{ "in established UDP (decap+NAPT)", FX_XDP, XDP_PASS, MAPCE_R_DECAP, udp_in_est },
	{ "in established UDP, frame kept as it is", FX_XDP, XDP_PASS, MAPCE_R_DECAP,
	  udp_in_est_unchanged },
	{ "in ICMP echo reply (established)", FX_XDP, XDP_PASS, MAPCE_R_DECAP, icmp_in_est },
	{ "in miss: no flow (dropped)", FX_XDP, XDP_DROP, MAPCE_R_DROP_NO_FLOW, in_miss },
	{ "in stranger to a mapped port (filtered)", FX_XDP, XDP_DROP, MAPCE_R_DROP_FILTERED,
	  in_filtered },
	{ "in junk: a port outside the set", FX_XDP, XDP_DROP, MAPCE_R_DROP_PORT_OUT_OF_SET,
	  in_out_of_set },
	{ "in junk: tunnel from a stranger", FX_XDP, XDP_DROP, MAPCE_R_DROP_BAD_TUNNEL_SRC,
	  in_spoofed_tunnel },
	{ "in IPv6 passthrough (not MAP)", FX_XDP, XDP_PASS, MAPCE_R_PASS_NATIVE, ipv6_native },
	{ "fast path out established UDP", FX_XDP_FASTPATH, XDP_REDIRECT, MAPCE_R_ENCAP,
	  fastpath_out_est, NULL, &lan_ifindex, &wan_ifindex, MAPCE_R_EV_FASTPATH_OUT },
	{ "fast path out established UDP, DF clear", FX_XDP_FASTPATH, XDP_REDIRECT, MAPCE_R_ENCAP,
	  fastpath_out_est_nodf, NULL, &lan_ifindex, &wan_ifindex, MAPCE_R_EV_FASTPATH_OUT },
	{ "fast path in established UDP", FX_XDP, XDP_REDIRECT, MAPCE_R_DECAP, fastpath_in_est,
	  NULL, &wan_ifindex, &lan_ifindex, MAPCE_R_EV_FASTPATH_IN },
};
/* clang-format on */

/* The trivial program of p's type and verdict, on p's input. */
static int trivial_of(enum fx_prog prog, int verdict)
{
	if (!fx_prog_is_xdp(prog))
		return base.tc;
	return verdict == XDP_DROP ? base.xdp_drop : base.xdp_pass;
}

/* (b) of a path that redirects the frame it rewrote (s, beside its
 * trivial program t): both behind the restoring wrapper (restore.h); no
 * (c), which would be the wrapper's.  0, or -1 when a wrapper cannot be
 * made. */
static int live_restored(struct series *s, struct series *t)
{
	struct restore ws, wt;
	struct series sw = *s, tw = *t;
	int err = restore_wrapper(&ws, s->fd, s->in);

	if (!err && restore_wrapper(&wt, t->fd, t->in)) {
		restore_close(&ws);
		err = -1;
	}
	if (err)
		return -1;
	sw.fd = ws.prog;
	tw.fd = wt.prog;
	series_live(&sw, bo.live, M_TIMED);
	series_live(&tw, bo.live, M_TIMED);
	restore_close(&ws);
	restore_close(&wt);
	s->ok = sw.ok;
	s->raw = sw.raw;
	t->ok = tw.ok;
	t->raw = tw.raw;
	return 0;
}

/* One row: s by (a) and (c), and by (b) for XDP, each beside the trivial
 * program of the same type and verdict timed the same way on the same
 * frame (on live frames an XDP_PASS frame's cost depends on what the
 * stack does with it; a redirect's goes out of the same device).  A live
 * series is kept only when every frame took the path: a program that
 * rewrites its frame meets its own output again when the page pool
 * recycles the page, unless it runs behind the restoring wrapper (the
 * redirects: restore.h). */
static void measure_row(struct brow *r, struct series *s, enum fx_prog prog, int xdp_live)
{
	int redirect = s->verdict == XDP_REDIRECT;
	struct series t = { .fd = redirect ? trivial_redirect_prog(s->to)
					   : trivial_of(prog, s->verdict),
			    .verdict = s->verdict,
			    .ifindex = s->ifindex,
			    .reason = MAPCE_R__MAX,
			    .in = s->in };

	if (t.fd < 0) {
		r->note = "  its trivial program did not load";
		return;
	}
	series_calls(s, bo.calls, M_TIMED);
	series_calls(&t, bo.calls, M_TIMED);
	r->checked = s->ok && t.ok;
	r->a_raw = s->raw;
	r->a_net = net(s->raw, t.raw);
	if (r->checked && bo.stats) {
		series_calls(s, bo.calls, M_STATS);
		r->checked = s->ok;
		r->c_a = s->stats;
	}
	if (!xdp_live || !r->checked)
		goto out;
	if (!bo.can_live) {
		r->note = "  (b) needs a network namespace of its own";
		goto out;
	}
	if (redirect) {
		if (live_restored(s, &t)) {
			r->note = "  (b) its restoring wrapper did not load";
			goto out;
		}
	} else {
		series_live(s, bo.live, M_TIMED);
		series_live(&t, bo.live, M_TIMED);
	}
	if (!s->ok || !t.ok) {
		r->note = redirect ? "  (b) some frames did not take the fast path"
				   : "  (b) frames rewritten in place come back recycled: not this "
				     "path";
		goto out;
	}
	r->b_raw = s->raw;
	r->b_net = net(s->raw, t.raw);
	if (!redirect && bo.stats) {
		series_live(s, bo.live, M_STATS);
		if (s->ok)
			r->c_b = s->stats;
		else
			r->note = "  (c) over live frames: some frames did not take the path";
	}
out:
	if (redirect)
		close(t.fd);
}

/* The trivial programs on the frames of the established paths. */
static void bench_baselines(const struct pkt *in4, const struct pkt *in6)
{
	static const struct {
		const char *name;
		enum fx_prog prog;
		int verdict;
	} t[] = {
		{ "trivial TC program (return OK)", FX_TC_EGRESS, TC_ACT_OK },
		{ "trivial XDP program (PASS)", FX_XDP, XDP_PASS },
		{ "trivial XDP program (DROP)", FX_XDP, XDP_DROP },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int xdp = t[i].prog == FX_XDP;
		struct brow *r = brow_add("paths", t[i].name, xdp ? "xdp" : "tc");
		struct series s = { .fd = trivial_of(t[i].prog, t[i].verdict),
				    .verdict = t[i].verdict,
				    .reason = MAPCE_R__MAX,
				    .in = xdp ? in6 : in4 };

		measure_row(r, &s, t[i].prog, xdp);
	}
}

static void bench_paths(void)
{
	int jit_written = 0;

	for (size_t i = 0; i < sizeof(bpaths) / sizeof(bpaths[0]); i++) {
		const struct bpath *p = &bpaths[i];
		struct brow *r;
		static struct pkt in;
		struct series s = { .verdict = p->verdict,
				    .ifindex = p->ifindex ? *p->ifindex : 0,
				    .to = p->to ? *p->to : 0,
				    .reason = p->reason,
				    .event = p->event,
				    .in = &in,
				    .after = p->after };
		int xdp = fx_prog_is_xdp(p->prog);

		if (bo.only && !strstr(p->name, bo.only))
			continue;
		r = brow_add("paths", p->name, xdp ? "xdp" : "tc");
		if (p->setup(&in)) {
			r->note = "  setup failed";
			fx_close();
			continue;
		}
		s.fd = bpf_program__fd(fx.prog[p->prog]);
		measure_row(r, &s, p->prog, xdp);
		/* the tables of the programs (a profiler's key: profile.sh),
		 * once: every row's CE loads the same code, and a table's
		 * offsets are within each function, whatever its address */
		if (bo.jit_dir && !jit_written) {
			if (jit_lines_dump(fx.ce->obj, bo.jit_dir)) {
				r->note = "  --jit-lines: a line table was not written";
				r->checked = 0;
			} else {
				jit_written = 1;
			}
		}
		fx_close();
	}
}

#endif
