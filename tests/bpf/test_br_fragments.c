// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_br_fragments.c - fragments of shared-address rules through the BR under
 * BPF_PROG_TEST_RUN (RFC 7597 §8.3), both ways: a first fragment is
 * recorded in mapce_br_frags, later ones follow it, from the same CE only;
 * one before its first is dropped; the state is keyed by direction,
 * protocol, id and source, ages out and is a bounded LRU; rules without
 * sharing need none; hairpin; a 3000-byte ping.
 *
 * The rules and CEs: tests/bpf/br.h.  Each packet through expect_run
 * (tests/bpf/fixture.h); a later fragment followed counts the event
 * ev_br_frag_followed (with the packet's bytes, as the BR counts events).
 */
#include "harness.h"
#include "bpf/br.h"

#define FOLLOWED EV(BR_FRAG_FOLLOWED)

/* enum br_dir of bpf/br/owner.h, the dir of struct mapce_frag_key */
#define DIR_FROM_CE 0
#define DIR_TO_CE 1

/* Value of mapce_br_frags (struct br_frag in bpf/br/maps.h; its size
 * is checked against the map's in frag_map_is_bounded_lru). */
struct br_frag_val {
	uint8_t ce[16];
	uint64_t created_ns;
};

/* mapce_br_frags' key for a datagram src -> dst (id, protocol) going dir. */
static struct mapce_frag_key fkey(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto,
				  uint8_t dir)
{
	struct mapce_frag_key k;

	memset(&k, 0, sizeof(k));
	k.src = htonl(src);
	k.dst = htonl(dst);
	k.id = htons(id);
	k.proto = proto;
	k.dir = dir;
	return k;
}

static int frag_get(struct mapce_frag_key k, struct br_frag_val *v)
{
	return bpf_map__lookup_elem(fx.br->maps.mapce_br_frags, &k, sizeof(k), v, sizeof(*v), 0);
}

/* A record as if its first fragment passed age_ns ago (fx_ns_ago: right
 * whatever the machine's uptime). */
static int frag_put(struct mapce_frag_key k, const char *ce, uint64_t age_ns)
{
	struct br_frag_val v;

	memcpy(v.ce, a6(ce), 16);
	v.created_ns = fx_ns_ago(age_ns);
	return bpf_map__update_elem(fx.br->maps.mapce_br_frags, &k, sizeof(k), &v, sizeof(v), 0);
}

static void check_record(struct mapce_frag_key k, const char *ce, uint64_t t0)
{
	struct br_frag_val v;

	if (frag_get(k, &v)) {
		CHECK(0, "no record in mapce_br_frags");
		return;
	}
	CHECK(!memcmp(v.ce, a6(ce), 16), "recorded CE is not %s", ce);
	CHECK(v.created_ns + 50000000ull >= t0 && v.created_ns <= fx_now_ns() + 50000000ull,
	      "created_ns %llu, now %llu", (unsigned long long)v.created_ns,
	      (unsigned long long)fx_now_ns());
}

static void test_frag_decap(void)
{
	struct v4_spec s = udp(CE_V4, 0x1340, SERVER, 53);
	struct br_frag_val fv;
	struct pkt in, want, out;
	uint8_t v4[1600];
	uint64_t t0;
	size_t n;

	/* a datagram of 8 + 40 + 48 + 21 bytes in three fragments */
	s.ip_id = 0x4242;
	s.frag = 0x2000;
	s.payload = 40;

	TCASE_BEGIN("xdp_first_fragment_decapped_and_recorded");
	from_ce(&in, CE_LEGACY, &s);
	decapped(&want, &s);
	t0 = fx_now_ns();
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14), "IPv4 header checksum");
	check_record(fkey(CE_V4, SERVER, 0x4242, 17, DIR_FROM_CE), CE_LEGACY, t0);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragments_follow_first");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 6, 1, 48);
	frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 14), "IPv4 header checksum");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 12, 0, 21); /* the last one */
	frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragment_from_other_ce_spoofed");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x4242, 12, 0, 21);
	frame_v6(&in, a6(CE35_LEGACY), a6(BR6), v4, n); /* same IPv4 address, other PSID */
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	frame_v6(&in, a6("2001:db8:77:8800::1"), a6(BR6), v4, n);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_later_fragment_before_first_dropped");
	n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x5151, 6, 0, 8);
	frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
	expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_FRAG_NO_STATE, 0, NULL, NULL);
	CHECK(frag_get(fkey(CE_V4, SERVER, 0x5151, 17, DIR_FROM_CE), &fv) == -ENOENT,
	      "a later fragment left a record");
	{
		struct pkt first, fwant;
		struct v4_spec f = s;

		f.ip_id = 0x5151;
		from_ce(&first, CE_LEGACY, &f);
		decapped(&fwant, &f);
		expect_run(FX_XDP, &first, XDP_PASS, MAPCE_R_BR_DECAP, 0, &fwant, NULL);
	}
	/* the BR does not buffer: the early one is gone, a resent one passes */
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("xdp_spoofed_first_fragment_records_nothing");
	{
		struct v4_spec f = s;

		f.ip_id = 0x6161; /* port 0x1340 is PSID 0x34's, sent by 0x35 */
		from_ce(&in, CE35_LEGACY, &f);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_BR_DROP_SPOOFED, 0, NULL, NULL);
		CHECK(frag_get(fkey(CE_V4, SERVER, 0x6161, 17, DIR_FROM_CE), &fv) == -ENOENT,
		      "a spoofed first fragment left a record");
		n = put_v4_frag(v4, CE_V4, SERVER, 17, 0x6161, 6, 0, 8);
		frame_v6(&in, a6(CE35_LEGACY), a6(BR6), v4, n);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_FRAG_NO_STATE, 0, NULL, NULL);
	}
	TCASE_END();

	/* RFC 1858: a first fragment must hold the ports, not only claim them.
	 * tot_len 24 (4 bytes of UDP) in a frame with 8: the BR goes by
	 * tot_len. */
	TCASE_BEGIN("xdp_tiny_first_fragment_malformed");
	{
		struct v4_spec f = s;

		f.ip_id = 0x7171;
		f.payload = 0;
		from_ce(&in, CE_LEGACY, &f);
		put16(in.b + 54 + 2, 24);
		patch_v4_hdr(in.b + 54, CE_V4, SERVER, 0x7171);
		expect_run(FX_XDP, &in, XDP_DROP, MAPCE_R_DROP_MALFORMED, 0, NULL, NULL);
	}
	TCASE_END();
}

static void test_frag_encap(void)
{
	struct v4_spec s = udp(SERVER, 53, CE_V4, 0x1340);
	struct pkt in, want, out;
	uint8_t v4[1600];
	uint64_t t0;
	size_t n;

	s.ip_id = 0x4343;
	s.frag = 0x2000;
	s.payload = 40;

	TCASE_BEGIN("tc_first_fragment_encapped_and_recorded");
	pkt_v4(&in, &s);
	encapped(&want, CE_LEGACY, &s, 64);
	t0 = fx_now_ns();
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, &out);
	CHECK(v4_hdr_csum_ok(out.b + 54), "inner IPv4 header checksum");
	check_record(fkey(SERVER, CE_V4, 0x4343, 17, DIR_TO_CE), CE_LEGACY, t0);
	TCASE_END();

	TCASE_BEGIN("tc_later_fragments_follow_first");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4343, 6, 1, 48);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4343, 12, 0, 21);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("tc_later_fragment_before_first_dropped");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4444, 6, 0, 8);
	frame_v4(&in, v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, 0, NULL, NULL);
	TCASE_END();

	/* the record is per datagram: the next one, to the neighbour PSID,
	 * takes its later fragments there */
	TCASE_BEGIN("tc_fragments_of_another_datagram_follow_their_own_first");
	{
		struct v4_spec f = s;

		f.ip_id = 0x4545;
		f.dport = 0x1350;
		pkt_v4(&in, &f);
		encapped(&want, CE35_LEGACY, &f, 64);
		expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
		n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4545, 6, 0, 8);
		frame_v4(&in, v4, n);
		frame_v6(&want, a6(BR6), a6(CE35_LEGACY), v4, n);
		expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	}
	TCASE_END();
}

/* A 3000-byte ping (no DF) through the BR both ways: the echo request
 * from the CE in three fragments (decap), the reply in three (encap).  The
 * echo id 0x1341 is the CE's port; only the first fragments carry it. */
static void test_frag_ping(void)
{
	struct v4_spec req = icmp(CE_V4, SERVER, 8, 0x1341);
	struct v4_spec rep = icmp(SERVER, CE_V4, 0, 0x1341);
	struct pkt in, want;
	uint8_t v4[1600];
	size_t n;

	TCASE_BEGIN("ping_3000_bytes_fragmented_both_ways");
	req.ip_id = rep.ip_id = 0x3000;
	req.frag = rep.frag = 0x2000;
	req.payload = rep.payload = 1472; /* 20 + 8 + 1472 = 1500 */
	from_ce(&in, CE_LEGACY, &req);
	decapped(&want, &req);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, NULL);
	n = put_v4_frag(v4, CE_V4, SERVER, 1, 0x3000, 185, 1, 1480);
	frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, NULL);
	n = put_v4_frag(v4, CE_V4, SERVER, 1, 0x3000, 370, 0, 28);
	frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
	frame_v4(&want, v4, n);
	expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, NULL);

	pkt_v4(&in, &rep);
	encapped(&want, CE_LEGACY, &rep, 64);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 1, 0x3000, 185, 1, 1480);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	n = put_v4_frag(v4, SERVER, CE_V4, 1, 0x3000, 370, 0, 28);
	frame_v4(&in, v4, n);
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	TCASE_END();
}

static void test_frag_state(void)
{
	struct br_frag_val fv;
	struct pkt in, want;
	uint8_t v4[256];
	size_t n;

	TCASE_BEGIN("frag_state_keyed_by_direction_protocol_and_id");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4646, 6, 0, 8);
	frame_v4(&in, v4, n);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 17, DIR_FROM_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 6, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4647, 17, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	CHECK(frag_put(fkey(IP4(203, 0, 113, 11), CE_V4, 0x4646, 17, DIR_TO_CE), CE35_LEGACY, 0) ==
		      0,
	      "put");
	expect_run(FX_TC_EGRESS, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, 0, NULL, NULL);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4646, 17, DIR_TO_CE), CE35_LEGACY, 0) == 0, "put");
	frame_v6(&want, a6(BR6), a6(CE35_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("frag_state_ages_out");
	n = put_v4_frag(v4, SERVER, CE_V4, 17, 0x4848, 6, 0, 8);
	frame_v4(&in, v4, n);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4848, 17, DIR_TO_CE), CE_LEGACY,
		       (MAPCE_FRAG_TIMEOUT_S + 1) * SEC_NS) == 0,
	      "put");
	expect_run(FX_TC_EGRESS, &in, TC_ACT_SHOT, MAPCE_R_DROP_FRAG_NO_STATE, 0, NULL, NULL);
	CHECK(frag_put(fkey(SERVER, CE_V4, 0x4848, 17, DIR_TO_CE), CE_LEGACY,
		       (MAPCE_FRAG_TIMEOUT_S - 1) * SEC_NS) == 0,
	      "put");
	frame_v6(&want, a6(BR6), a6(CE_LEGACY), v4, n);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	TCASE_END();

	TCASE_BEGIN("frag_map_is_bounded_lru");
	CHECK(bpf_map__type(fx.br->maps.mapce_br_frags) == BPF_MAP_TYPE_LRU_HASH, "type %d",
	      bpf_map__type(fx.br->maps.mapce_br_frags));
	CHECK(bpf_map__max_entries(fx.br->maps.mapce_br_frags) == 16384, "max_entries %u",
	      bpf_map__max_entries(fx.br->maps.mapce_br_frags));
	CHECK(bpf_map__key_size(fx.br->maps.mapce_br_frags) == sizeof(struct mapce_frag_key),
	      "key size");
	CHECK(bpf_map__value_size(fx.br->maps.mapce_br_frags) == sizeof(struct br_frag_val),
	      "value size %u", bpf_map__value_size(fx.br->maps.mapce_br_frags));
	TCASE_END();

	/* k = 0: the address names the CE; no state, none recorded */
	TCASE_BEGIN("whole_address_rule_fragments_need_no_state");
	{
		struct v4_spec f = udp(SERVER, 53, R1_CE_V4, 7);

		f.ip_id = 0x4949;
		f.frag = 0x2000;
		pkt_v4(&in, &f);
		encapped(&want, R1_CE_LEGACY, &f, 64);
		expect_run(FX_TC_EGRESS, &in, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
		CHECK(frag_get(fkey(SERVER, R1_CE_V4, 0x4949, 17, DIR_TO_CE), &fv) == -ENOENT,
		      "a k = 0 first fragment left a record");
		n = put_v4_frag(v4, R1_CE_V4, SERVER, 17, 0x4a4a, 6, 0, 8);
		frame_v6(&in, a6(R1_CE_LEGACY), a6(BR6), v4, n);
		frame_v4(&want, v4, n);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, NULL);
	}
	TCASE_END();

	/* CE to CE: the first fragment records both ways (decap at XDP,
	 * encap at TC), the later ones follow both records. */
	TCASE_BEGIN("hairpin_fragments_ce_to_ce");
	{
		struct v4_spec f = udp(CE_V4, 0x1342, CE19_V4, 0x2341);
		struct pkt mid;

		f.ip_id = 0x4b4b;
		f.frag = 0x2000;
		f.payload = 40;
		from_ce(&in, CE_LEGACY, &f);
		decapped(&want, &f);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, 0, &want, &mid);
		encapped(&want, CE19_LEGACY, &f, 64);
		expect_run(FX_TC_EGRESS, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, 0, &want, NULL);
		n = put_v4_frag(v4, CE_V4, CE19_V4, 17, 0x4b4b, 6, 0, 8);
		frame_v6(&in, a6(CE_LEGACY), a6(BR6), v4, n);
		frame_v4(&want, v4, n);
		expect_run(FX_XDP, &in, XDP_PASS, MAPCE_R_BR_DECAP, FOLLOWED, &want, &mid);
		frame_v6(&want, a6(BR6), a6(CE19_LEGACY), v4, n);
		expect_run(FX_TC_EGRESS, &mid, TC_ACT_OK, MAPCE_R_BR_ENCAP, FOLLOWED, &want, NULL);
	}
	TCASE_END();
}

int main(void)
{
	if (br_start(0))
		return t_exit();
	test_frag_decap();
	test_frag_encap();
	test_frag_ping();
	test_frag_state();
	return fx_finish();
}
