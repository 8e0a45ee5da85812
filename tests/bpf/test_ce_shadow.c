// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_shadow.c - port shadowing (the class of CVE-2021-3773): no LAN
 * host obtains a mapping that hijacks traffic meant for another host's
 * mapping, a port forward, or the box's own flows.
 *
 * The attack.  A NAT that picks outside ports per flow can be made to give
 * an attacker's flow the outside port P that a victim already uses (or a
 * forwarded service listens on), toward the very remote R the victim talks
 * to (or a client R is about to connect from).  Inbound packets from R to
 * P then match the attacker's entry as well as, or instead of, the
 * victim's: the attacker receives the victim's traffic, or a client's
 * connection to the forwarded service, and can answer in its name.  With
 * Linux conntrack this was the VPN server's own port shadowed by a client.
 *
 * Why mapce's NAT table prevents it:
 *   - an outside port is owned: mapce_ports[public ip:port] is claimed
 *     with BPF_NOEXIST, so the port a host holds (or a forward) can never
 *     be handed to another endpoint; a host that asks for it by sending
 *     from that port as its inside port gets another one;
 *   - inbound is looked up by the full outside 5-tuple (mapce_flow_in:
 *     our ip:port, the remote ip:port, the protocol), inserted with
 *     BPF_NOEXIST: one inside endpoint per 5-tuple, first come; a flow
 *     whose 5-tuple exists for someone else fails (flow_insert -EEXIST);
 *   - port overlapping (RFC 7857 §3), the one case where two endpoints
 *     share an outside port (the set exhausted), keeps the 5-tuple unique
 *     and never uses a port forward's port: a forward admits every remote,
 *     so a flow on its port toward R would take R's connections to the
 *     forwarded service (napt.h, overlap_step; this test failed before);
 *   - a LAN host forging the public address as its source is one more
 *     inside endpoint, "public ip:port": it claims ports like anyone else
 *     and everything sent to its mappings goes to the public address, the
 *     box, never to the forger; the box's flows keep their ports.
 */
#include "harness.h"
#include "bpf/ce.h"

#define HOST_B IP4(192, 0, 2, 11)
#define SERVICE IP4(192, 0, 2, 20) /* the forwarded service */
#define BOX_LAN IP4(192, 0, 2, 1)  /* the box's own LAN address */
#define P 0x1341		   /* the victim's port, in the set */

/* Who owns outside port port (UDP), 0 when nobody. */
static uint32_t port_owner(uint16_t port, uint16_t *inside_port)
{
	struct mapce_endpoint k = { .ip = htonl(CE_V4), .port = htons(port), .proto = 17 };
	struct mapce_binding b;

	if (bpf_map__lookup_elem(fx.ce->maps.mapce_ports, &k, sizeof(k), &b, sizeof(b), 0))
		return 0;
	if (inside_port)
		*inside_port = ntohs(b.port);
	return ntohl(b.ip);
}

static void t_host_port(void)
{
	struct v4_spec a = udp_out(P, 3478), b = udp_out(P, 3478), b2, r;
	uint16_t pb, owner_port = 0;

	ce_fresh("port_shadowing_host_cannot_take_another_hosts_port");
	/* A talks to R from P: P kept */
	egress_mapped(&a, EV_NEW_FLOW, 1, NULL);
	/* B sends from inside port P itself, to the very same R ip:port */
	b.src = HOST_B;
	pb = egress_mapped(&b, EV_NEW_FLOW, 0, NULL);
	CHECK(pb != P, "B was given A's port 0x%x", pb);
	CHECK(port_owner(P, &owner_port) == LAN_HOST && owner_port == P);
	/* and to another remote: B's mapping, endpoint-independent */
	b2 = b;
	b2.dst = SERVER + 1;
	egress_mapped_as(&b2, NULL, EV(FLOW_CREATED), 0, NULL);
	/* R to P still reaches A; R to B's port reaches B */
	r = reply_of(&a, P);
	ingress_to(&r, LAN_HOST, P, 0, NULL);
	r = reply_of(&b, pb);
	ingress_to(&r, HOST_B, P, 0, NULL);
	TCASE_END();

	/* TCP the same: B's SYN from A's port toward A's server */
	TCASE_BEGIN("port_shadowing_tcp_the_same");
	{
		struct v4_spec ta = TCP_SYN_OUT(0x2341, 443), tb = ta, tr;
		uint16_t tpb;

		egress_mapped(&ta, EV_NEW_FLOW, 1, NULL);
		tb.src = HOST_B;
		tpb = egress_mapped(&tb, EV_NEW_FLOW, 0, NULL);
		CHECK(tpb != 0x2341);
		tr = reply_of(&ta, 0x2341);
		ingress_to(&tr, LAN_HOST, 0x2341, 0, NULL);
		tr = reply_of(&tb, tpb);
		ingress_to(&tr, HOST_B, 0x2341, 0, NULL);
	}
	TCASE_END();
}

/*
 * The set exhausted, every port but the forward's already carrying a flow
 * to R:rp: port overlapping could only put B's flow to R:rp on the
 * forward's port, which would hand B every packet R:rp sends to the
 * forwarded service.  B is refused instead (out of ports, told so), and
 * R:rp still reaches the service.
 */
static void t_forward(void)
{
	const uint16_t fwd = 0x2341, rp = 40000;
	struct v4_spec b = udp_out(30000, 53), r;
	struct pkt in, want;
	int ok = 1;

	ce_fresh("port_shadowing_overlap_never_takes_a_forwarded_port");
	b.src = HOST_B;
	b.dport = rp;
	for (uint32_t i = 0; i < 240; i++) {
		uint16_t port = mapce_port_at(4, 8, CE_PSID, i);
		struct mapce_endpoint out = { .ip = htonl(CE_V4),
					      .port = htons(port),
					      .proto = 17 };
		struct mapce_binding own = { .created_ns = fx_now_ns(),
					     .refreshed_ns = fx_now_ns() };
		struct mapce_tuple ki = { .local_ip = htonl(CE_V4),
					  .remote_ip = htonl(SERVER),
					  .local_port = htons(port),
					  .remote_port = htons(rp),
					  .proto = 17 };
		struct mapce_flow fi = { .created_ns = fx_now_ns(), .last_ns = fx_now_ns() };

		if (port == fwd) {
			/* the forward fwd -> SERVICE:fwd, as `mapce portmap add` writes it */
			struct mapce_endpoint in_ep = { .ip = htonl(SERVICE),
							.port = htons(fwd),
							.proto = 17 };
			struct mapce_binding bind = { .ip = htonl(CE_V4),
						      .port = htons(fwd),
						      .flags = MAPCE_BIND_F_STATIC };

			own.ip = htonl(SERVICE);
			own.port = htons(fwd);
			own.flags = MAPCE_BIND_F_STATIC;
			ok &= bpf_map__update_elem(fx.ce->maps.mapce_bind, &in_ep, sizeof(in_ep),
						   &bind, sizeof(bind), 0) == 0;
		} else {
			/* another host's mapping, with a flow to SERVER:rp */
			own.ip = htonl(IP4(192, 0, 2, 100));
			own.port = htons(port);
			fi.ip = own.ip;
			fi.port = own.port;
			ok &= bpf_map__update_elem(fx.ce->maps.mapce_flow_in, &ki, sizeof(ki), &fi,
						   sizeof(fi), 0) == 0;
		}
		ok &= ce_claim(&out, &own, BPF_ANY) == 0;
	}
	CHECK(ok, "seeding the maps failed");
	pkt_v4(&in, &b);
	ce_reject(&want, &in, 13, 0);
	expect_run(FX_TC_EGRESS, &in, TC_ACT_REDIRECT, MAPCE_R_DROP_NO_PORTS, EV(REJECT_SENT),
		   &want, NULL);
	/* a client at SERVER:rp reaches the forwarded service */
	r = (struct v4_spec)UDP_IN(rp, fwd);
	ingress_to(&r, SERVICE, fwd, EV_INBOUND_FLOW, NULL);
	TCASE_END();
}

/* A LAN host forges the public address as its source. */
static void t_spoofed_public_source(void)
{
	struct v4_spec box = udp_out(P, 123), box_pub = udp_out(0x3341, 123), spoof, r;
	uint16_t px;
	int bindings;

	ce_fresh("port_shadowing_spoofed_public_source_steals_nothing");
	/* the box's own flows: from its LAN address, and from the public
	 * address where that is assigned to the box */
	box.src = BOX_LAN;
	egress_mapped(&box, EV_NEW_FLOW, 1, NULL);
	box_pub.src = CE_V4;
	egress_mapped(&box_pub, EV_NEW_FLOW, 1, NULL);
	bindings = fx_map_count(fx.ce->maps.mapce_bind);

	/* from "public ip":P toward the box's peer: P is the box's, the forger
	 * is "public ip":P to the NAT and gets another port */
	spoof = box;
	spoof.src = CE_V4;
	px = egress_mapped(&spoof, EV_NEW_FLOW, 0, NULL);
	CHECK(px != P && px != 0x3341);
	CHECK(port_owner(P, NULL) == BOX_LAN);
	/* what comes back to it goes to the public address, not a LAN host */
	r = reply_of(&spoof, px);
	ingress_to(&r, CE_V4, P, 0, NULL);
	/* the box's flow on P is untouched */
	r = reply_of(&box, P);
	ingress_to(&r, BOX_LAN, P, 0, NULL);

	/* the exact 5-tuple of the box's public-address flow: the box's own
	 * flow carries it (nothing new), and its answer stays the box's */
	spoof = box_pub;
	egress_mapped(&spoof, 0, 1, NULL);
	CHECK_EQ(fx_map_count(fx.ce->maps.mapce_bind), bindings + 1);
	r = reply_of(&box_pub, 0x3341);
	ingress_to(&r, CE_V4, 0x3341, 0, NULL);
	TCASE_END();
}

int main(void)
{
	t_host_port();
	t_forward();
	t_spoofed_public_source();
	return fx_finish();
}
