// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_fastpath.c - the XDP fast path under BPF_PROG_TEST_RUN, exact
 * frames both ways and every fallback.
 *
 * The test runs in a network namespace of its own (unshare: gone with the
 * process) holding the CE's two devices (bpf/fastpath_net.h).  Outbound
 * frames go through mapce_xdp_fastpath with ingress_ifindex lan0, inbound
 * ones through mapce_xdp_ingress with ingress_ifindex wan0 and the fast
 * path on.
 */
#include <sched.h>
#include <unistd.h>
#include "harness.h"
#include "bpf/ce.h"
#include "bpf/fastpath_net.h"

/* A fresh CE on wan0 with the fast path on lan (0: off). */
static int fp_open(__u32 lan)
{
	return ce_open() ? -1 : fp_net_on(lan);
}

static int case_open;

/* The "ok" line of the case before, if it passed. */
static void fp_end(void)
{
	if (case_open)
		TCASE_END();
	case_open = 0;
}

static void fp_case(const char *name, __u32 lan)
{
	fp_end();
	case_open = 1;
	TCASE_BEGIN(name);
	CHECK(fp_open(lan) == 0, "CE object failed to load");
}

/* Out of the LAN device / in from the WAN device. */
static void from_lan(void)
{
	fx.xdp_ifindex = lan_ifindex;
}

static void from_wan(void)
{
	fx.xdp_ifindex = wan_ifindex;
}

/* What leaves the WAN for inside packet s NAPT-ed to out_port: forwarded
 * (TTL - 1), encapsulated to the BR, to the router's MAC from wan0's. */
static void want_out(struct pkt *want, const struct v4_spec *s, uint16_t out_port)
{
	struct v4_spec t = *s;

	t.ttl--;
	ce_encapped(want, &t, out_port);
	memcpy(want->b, gw6_mac, 6);
	memcpy(want->b + 6, wan_mac, 6);
}

/* What leaves the LAN for outside packet s to ip:port: decapsulated,
 * translated, forwarded (TTL - 1), to the host's MAC from lan0's. */
static void want_in(struct pkt *want, const struct v4_spec *s, uint32_t ip, uint16_t port)
{
	struct v4_spec t = *s;

	t.ttl--;
	ce_decapped(want, &t, ip, port);
	memcpy(want->b, host_mac, 6);
	memcpy(want->b + 6, lan_mac, 6);
}

/* One outbound packet s that must take the fast path out as out_port. */
static void expect_out_fast(const struct v4_spec *s, uint16_t out_port, __u64 events)
{
	struct pkt in, want;

	from_lan();
	pkt_v4(&in, s);
	want_out(&want, s, out_port);
	expect_run(FX_XDP_FASTPATH, &in, XDP_REDIRECT, MAPCE_R_ENCAP, events | EV(FASTPATH_OUT),
		   &want, NULL);
}

/* ---- both ways --------------------------------------------------------------- */

static void t_udp_both_ways(void)
{
	struct v4_spec o = UDP_OUT(0x1345, 53), r = UDP_IN(53, 0x1345);
	struct pkt in, want;

	fp_case("fastpath_udp_out_new_flow_established_and_reply_in", lan_ifindex);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	expect_out_fast(&o, 0x1345, 0);
	from_wan();
	ce_frame_from(&in, BR6, &r);
	want_in(&want, &r, LAN_HOST, 0x1345);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);
	CHECK(frame_csums_ok(&want));
}

static void t_tcp_syn_clamped(void)
{
	struct v4_spec o = TCP_SYN_OUT(0x1346, 443, .tcp_opts = OPT_MSS1460, .tcp_opts_len = 8);
	struct v4_spec c = o;
	struct v4_spec r = TCP_SYNACK_IN(443, 0x1346, .tcp_opts = OPT_MSS1460, .tcp_opts_len = 8);
	struct pkt in, want;

	fp_case("fastpath_tcp_syn_mss_clamped_both_ways", lan_ifindex);
	fx.cfg.mss_clamp = 1420; /* the default of `up`: mtu - 40 */
	CHECK(fx_config() == 0);
	from_lan();
	pkt_v4(&in, &o);
	c.tcp_opts = OPT_MSS1420;
	want_out(&want, &c, 0x1346);
	expect_run(FX_XDP_FASTPATH, &in, XDP_REDIRECT, MAPCE_R_ENCAP,
		   EV_NEW_FLOW | EV(FASTPATH_OUT) | EV(MSS_CLAMPED), &want, NULL);
	from_wan();
	ce_frame_from(&in, BR6, &r);
	c = r;
	c.tcp_opts = OPT_MSS1420;
	want_in(&want, &c, LAN_HOST, 0x1346);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN) | EV(MSS_CLAMPED),
		   &want, NULL);
}

static void t_echo(void)
{
	struct v4_spec o = { .src = LAN_HOST,
			     .dst = SERVER,
			     .proto = 1,
			     .icmp_type = 8,
			     .sport = 0x1347,
			     .payload = 56,
			     .ttl = 64,
			     .frag = 0x4000 };
	struct v4_spec r = reply_of(&o, 0x1347);
	struct pkt in, want;

	fp_case("fastpath_icmp_echo_both_ways", lan_ifindex);
	expect_out_fast(&o, 0x1347, EV_NEW_FLOW);
	from_wan();
	r.ttl = 60;
	ce_frame_from(&in, BR6, &r);
	want_in(&want, &r, LAN_HOST, 0x1347);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);
}

/* A frame Ethernet padded: only the IPv4 packet goes in the tunnel. */
static void t_padded(void)
{
	struct v4_spec o = UDP_OUT(0x1348, 53, .payload = 2);
	struct pkt in, want;

	fp_case("fastpath_out_ethernet_padding_trimmed", lan_ifindex);
	from_lan();
	pkt_v4(&in, &o);
	memset(in.b + in.len, 0, 60 - in.len);
	in.len = 60;
	want_out(&want, &o, 0x1348);
	expect_run(FX_XDP_FASTPATH, &in, XDP_REDIRECT, MAPCE_R_ENCAP,
		   EV_NEW_FLOW | EV(FASTPATH_OUT), &want, NULL);
}

/* Without DF: each packet leaves with a fresh IPv4 id (as TC egress gives
 * it), under the NAT's and the TTL's one update of the header checksum:
 * the frame is the one expected with that id, checksums included. */
static void t_df_clear_fresh_id(void)
{
	struct v4_spec o = UDP_OUT(0x1349, 53, .frag = 0, .ip_id = 0x1234);
	struct pkt in, out, want;
	uint16_t ids[2];

	fp_case("fastpath_out_df_clear_fresh_id", lan_ifindex);
	from_lan();
	pkt_v4(&in, &o);
	for (int i = 0; i < 2; i++) {
		struct v4_spec t = o;

		expect_run(FX_XDP_FASTPATH, &in, XDP_REDIRECT, MAPCE_R_ENCAP,
			   (i ? 0 : EV_NEW_FLOW) | EV(FASTPATH_OUT), FRAME_LATER, &out);
		ids[i] = out.len >= 54 + 20 ? get16(out.b + 54 + 4) : 0;
		t.ip_id = ids[i];
		want_out(&want, &t, 0x1349);
		expect_frame(&out, &want);
		CHECK(frame_csums_ok(&out));
	}
	CHECK(ids[0] != o.ip_id && ids[1] != o.ip_id && ids[0] != ids[1],
	      "ids 0x%x, 0x%x for a packet of id 0x%x: not fresh", ids[0], ids[1], o.ip_id);
}

/* ---- fallbacks: the frame untouched, passed, the reason counted ---------------- */

static void icmp_err_frame(struct pkt *k, const struct v4_spec *unused)
{
	static const uint8_t quote[28] = { 0x45 };
	struct icmp4_err e = { .src = LAN_HOST,
			       .dst = SERVER,
			       .type = 3,
			       .code = 3,
			       .ttl = 64,
			       .quote = quote,
			       .qlen = sizeof(quote) };

	(void)unused;
	frame_icmp4_err(k, &e);
}

/* A LAN host's frame with its transport checksum left to offload. */
static void csum_partial_frame(struct pkt *k, const struct v4_spec *s)
{
	pkt_v4(k, s);
	put_v4_csum_partial(k->b + 14);
}

static const struct {
	const char *name;
	struct v4_spec s;
	void (*frame)(struct pkt *k, const struct v4_spec *s);
	__u64 events;
} out_fallbacks[] = {
	{ "fastpath_out_fragment_passed", UDP_OUT(0x1345, 53, .frag = 0x2000), NULL,
	  EV(FP_FRAGMENT) },
	{ "fastpath_out_ipv4_options_passed", UDP_OUT(0x1345, 53, .ihl_words = 6), NULL,
	  EV(FP_OPTIONS) },
	{ "fastpath_out_ttl_1_passed", UDP_OUT(0x1345, 53, .ttl = 1), NULL, EV(FP_TTL) },
	{ "fastpath_out_icmp_error_passed", UDP_OUT(0, 0), icmp_err_frame, EV(FP_ICMP_ERROR) },
	{ "fastpath_out_unresolved_next_hop_passed", UDP_OUT(0x1345, 53, .dst = NO_NEIGH_DST), NULL,
	  EV(FP_NO_NEIGH) },
	{ "fastpath_out_over_mtu_passed", UDP_OUT(0x1345, 53, .payload = 1500), NULL, EV(FP_MTU) },
	{ "fastpath_out_to_the_box_passed", UDP_OUT(0x1345, 53, .dst = IP4(192, 0, 2, 1)), NULL,
	  EV(FP_LOCAL) },
	{ "fastpath_out_lan_to_lan_passed", UDP_OUT(0x1345, 53, .dst = IP4(192, 0, 2, 20)), NULL,
	  EV(FP_LOCAL) },
	{ "fastpath_out_hairpin_passed", UDP_OUT(0x1345, 0x1350, .dst = CE_V4), NULL,
	  EV(FP_HAIRPIN) },
	{ "fastpath_out_other_protocol_passed", UDP_OUT(0, 0, .proto = 47), NULL, EV(FP_OTHER) },
	{ "fastpath_out_udp_csum_partial_passed", UDP_OUT(0x1345, 53), csum_partial_frame,
	  EV(FP_CSUM_PARTIAL) },
	{ "fastpath_out_tcp_csum_partial_passed", TCP_SYN_OUT(0x1346, 443), csum_partial_frame,
	  EV(FP_CSUM_PARTIAL) },
};

static void t_out_fallbacks(void)
{
	struct pkt in;

	for (size_t i = 0; i < sizeof(out_fallbacks) / sizeof(out_fallbacks[0]); i++) {
		fp_case(out_fallbacks[i].name, lan_ifindex);
		from_lan();
		if (out_fallbacks[i].frame)
			out_fallbacks[i].frame(&in, &out_fallbacks[i].s);
		else
			pkt_v4(&in, &out_fallbacks[i].s);
		expect_run(FX_XDP_FASTPATH, &in, XDP_PASS, NO_REASON, out_fallbacks[i].events, NULL,
			   NULL);
		CHECK(fx_map_count(fx.ce->maps.mapce_flow_out) == 0, "no flow made");
	}
}

static void t_out_off(void)
{
	struct v4_spec o = UDP_OUT(0x1345, 53);
	struct pkt in;

	fp_case("fastpath_off_passes_everything_uncounted", 0);
	from_lan();
	pkt_v4(&in, &o);
	expect_run(FX_XDP_FASTPATH, &in, XDP_PASS, NO_REASON, 0, NULL, NULL);
}

/* Inbound: decapsulated and translated as always, then up to the kernel
 * (the frame the normal path passes) with the reason counted. */
static void expect_in_fallback(const struct v4_spec *r, uint32_t ip, __u64 events)
{
	struct pkt in, want;

	from_wan();
	ce_frame_from(&in, BR6, r);
	ce_decapped(&want, r, ip, r->dport);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_DECAP, events, &want, NULL);
}

static void t_in_fallbacks(void)
{
	struct v4_spec o2 = UDP_OUT(0x1349, 53, .src = LAN_HOST2);
	struct v4_spec o = UDP_OUT(0x1345, 53);

	fp_case("fastpath_in_unresolved_lan_host_passed", lan_ifindex);
	expect_out_fast(&o2, 0x1349, EV_NEW_FLOW);
	expect_in_fallback(&(struct v4_spec)UDP_IN(53, 0x1349), LAN_HOST2, EV(FP_NO_NEIGH));

	fp_case("fastpath_in_ttl_1_passed", lan_ifindex);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	expect_in_fallback(&(struct v4_spec)UDP_IN(53, 0x1345, .ttl = 1), LAN_HOST, EV(FP_TTL));

	fp_case("fastpath_in_fragment_passed", lan_ifindex);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	expect_in_fallback(&(struct v4_spec)UDP_IN(53, 0x1345, .frag = 0x2000), LAN_HOST,
			   EV(FP_FRAGMENT));

	fp_case("fastpath_in_off_decap_as_before", 0);
	from_lan();
	{
		struct pkt in;

		pkt_v4(&in, &o);
		fx_run(FX_TC_EGRESS, &in, &in);
	}
	expect_in_fallback(&(struct v4_spec)UDP_IN(53, 0x1345), LAN_HOST, 0);
}

/* ---- the FIB cache (bpf/ce/fib_cache.h) ---------------------------------------- */

/* The cached answer (any CPU's) for a packet from src to dst (host
 * order) in on ifindex: 0 and *e, or -1. */
static int fib_cached(uint32_t src, uint32_t dst, __u32 ifindex, struct mapce_fib_entry *e)
{
	int n = libbpf_num_possible_cpus();
	struct mapce_fib_entry v[n > 0 ? n : 1];

	for (__u32 slot = 0; slot < MAPCE_FIB_CACHE_SLOTS; slot++) {
		if (bpf_map__lookup_elem(fx.ce->maps.mapce_fib_cache, &slot, sizeof(slot), v,
					 sizeof(v), 0))
			return -1;
		for (int c = 0; c < n; c++) {
			if (v[c].expires_ns && v[c].src == htonl(src) && v[c].dst == htonl(dst) &&
			    v[c].in_ifindex == ifindex) {
				*e = v[c];
				return 0;
			}
		}
	}
	return -1;
}

/* Longer than MAPCE_FIB_CACHE_NS and a tick of the coarse clock. */
static void fib_cache_expire(void)
{
	usleep(4 * MAPCE_FIB_CACHE_NS / 1000);
}

/* The cache keeps what the FIB said, the route's MTU too (a locked route
 * MTU: forwarding uses the device's otherwise): a packet over it asks the
 * FIB again and passes. */
static void t_fib_cache_mtu(void)
{
	struct v4_spec o = UDP_OUT(0x1345, 53, .dst = IP4(203, 0, 113, 70), .payload = 1100);
	struct v4_spec big = o;
	struct mapce_fib_entry e;
	struct pkt in;

	fp_case("fastpath_fib_cache_keeps_next_hop_and_route_mtu", lan_ifindex);
	CHECK(system("ip route add 203.0.113.64/26 via inet6 2001:db8:1::fe dev wan0 mtu lock "
		     "1300") == 0);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	CHECK(fib_cached(LAN_HOST, o.dst, lan_ifindex, &e) == 0, "the lookup is cached");
	CHECK(e.out_ifindex == wan_ifindex && e.mtu == 1300, "out %u mtu %u", e.out_ifindex, e.mtu);
	CHECK(memcmp(e.dmac, gw6_mac, 6) == 0 && memcmp(e.smac, wan_mac, 6) == 0);
	expect_out_fast(&o, 0x1345, 0);
	big.payload = 1300;
	from_lan();
	pkt_v4(&in, &big);
	expect_run(FX_XDP_FASTPATH, &in, XDP_PASS, NO_REASON, EV(FP_MTU), NULL, NULL);
	CHECK(system("ip route del 203.0.113.64/26") == 0);
}

/* A neighbour's new MAC reaches the fast path, both ways, once the
 * cached lookup has expired. */
static void t_fib_cache_neigh_change(void)
{
	struct v4_spec o = UDP_OUT(0x1345, 53), r = UDP_IN(53, 0x1345);
	static const uint8_t new_mac[6] = { 2, 0, 0, 0, 0, 0x77 };
	struct pkt in, want;

	fp_case("fastpath_fib_cache_follows_neighbour_mac_change", lan_ifindex);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	from_wan();
	ce_frame_from(&in, BR6, &r);
	want_in(&want, &r, LAN_HOST, 0x1345);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);

	CHECK(system("ip -6 neigh replace 2001:db8:1::fe lladdr 02:00:00:00:00:77 dev wan0 "
		     "nud permanent && ip neigh replace 192.0.2.10 lladdr 02:00:00:00:00:77 "
		     "dev lan0 nud permanent") == 0);
	fib_cache_expire();
	from_lan();
	pkt_v4(&in, &o);
	want_out(&want, &o, 0x1345);
	memcpy(want.b, new_mac, 6);
	expect_run(FX_XDP_FASTPATH, &in, XDP_REDIRECT, MAPCE_R_ENCAP, EV(FASTPATH_OUT), &want,
		   NULL);
	from_wan();
	ce_frame_from(&in, BR6, &r);
	want_in(&want, &r, LAN_HOST, 0x1345);
	memcpy(want.b, new_mac, 6);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);
	CHECK(system("ip -6 neigh replace 2001:db8:1::fe lladdr " GW6_MAC " dev wan0 "
		     "nud permanent && ip neigh replace 192.0.2.10 lladdr " HOST_MAC " "
		     "dev lan0 nud permanent") == 0);
}

/* Every CPU's FIB cache emptied (userspace: the programs are idle). */
static int fib_cache_clear(void)
{
	int n = libbpf_num_possible_cpus();
	struct mapce_fib_entry v[n > 0 ? n : 1];

	memset(v, 0, sizeof(v));
	for (__u32 slot = 0; slot < MAPCE_FIB_CACHE_SLOTS; slot++)
		if (bpf_map__update_elem(fx.ce->maps.mapce_fib_cache, &slot, sizeof(slot), v,
					 sizeof(v), 0))
			return -1;
	return 0;
}

/* A flow keeps the next hop its fast-path packets took (mapce_flow.hop:
 * the cache's entry, its expiry too) and asks it before the cache. */
static void t_flow_hop(void)
{
	struct v4_spec o = UDP_OUT(0x1345, 53), r = UDP_IN(53, 0x1345);
	struct mapce_fib_entry e;
	struct mapce_flow f;
	struct pkt in, want;

	fp_case("fastpath_flow_keeps_its_next_hop_both_ways", lan_ifindex);
	expect_out_fast(&o, 0x1345, EV_NEW_FLOW);
	CHECK(flow_out_get(&o, &f) == 0 && fib_cached(LAN_HOST, SERVER, lan_ifindex, &e) == 0);
	CHECK(memcmp(&f.hop, &e, sizeof(e)) == 0, "the outbound half's hop is the cache's entry");
	CHECK(f.hop.out_ifindex == wan_ifindex && memcmp(f.hop.dmac, gw6_mac, 6) == 0);
	from_wan();
	ce_frame_from(&in, BR6, &r);
	want_in(&want, &r, LAN_HOST, 0x1345);
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);
	CHECK(flow_in_get(SERVER, 53, 0x1345, 17, &f) == 0);
	CHECK(f.hop.expires_ns && f.hop.in_ifindex == wan_ifindex &&
		      f.hop.out_ifindex == lan_ifindex && f.hop.src == htonl(SERVER) &&
		      f.hop.dst == htonl(LAN_HOST),
	      "in %u out %u", f.hop.in_ifindex, f.hop.out_ifindex);
	CHECK(memcmp(f.hop.dmac, host_mac, 6) == 0 && memcmp(f.hop.smac, lan_mac, 6) == 0);

	/* the cache emptied: both halves still leave fast, by their own
	 * hops, and the cache stays empty (not asked) */
	CHECK(fib_cache_clear() == 0);
	expect_out_fast(&o, 0x1345, 0);
	from_wan();
	expect_run(FX_XDP, &in, XDP_REDIRECT, MAPCE_R_DECAP, EV(FASTPATH_IN), &want, NULL);
	CHECK(fib_cached(LAN_HOST, SERVER, lan_ifindex, &e) != 0 &&
		      fib_cached(SERVER, LAN_HOST, wan_ifindex, &e) != 0,
	      "the cache was asked");

	/* a flow the normal path made: its first fast-path packet keeps
	 * the hop */
	fp_case("fastpath_flow_made_by_tc_egress_takes_its_hop", lan_ifindex);
	from_lan();
	pkt_v4(&in, &o);
	fx_run(FX_TC_EGRESS, &in, &in);
	CHECK(flow_out_get(&o, &f) == 0 && f.hop.expires_ns == 0, "no hop before the fast path");
	expect_out_fast(&o, 0x1345, 0);
	CHECK(flow_out_get(&o, &f) == 0 && f.hop.expires_ns && f.hop.out_ifindex == wan_ifindex);
}

int main(void)
{
	if (unshare(CLONE_NEWNET) || fp_net_setup()) {
		TSKIP("fastpath", "no network namespace of its own (unshare and ip need root)");
		return t_exit();
	}
	t_udp_both_ways();
	t_tcp_syn_clamped();
	t_echo();
	t_padded();
	t_df_clear_fresh_id();
	t_out_fallbacks();
	t_out_off();
	t_in_fallbacks();
	t_fib_cache_mtu();
	t_fib_cache_neigh_change();
	t_flow_hop();
	fp_end();
	return fx_finish();
}
