/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * owner.h - which CE owns an IPv4 packet, for the stateless BR
 * (RFC 7597 §5.1, §6, §8.2).
 *
 * A CE is named by its shared IPv4 address plus the PSID of one port of
 * the packet: the CE-side port.  Coming from a CE that is the source port,
 * going to a CE the destination port; an ICMP echo identifier counts as
 * the querying side's port; an ICMP error is attributed by the packet it
 * quotes (a CE's error quotes a packet that was sent to it, an error for a
 * CE quotes a packet the CE sent).  Rules without port sharing (k = 0)
 * need no port at all: the address alone names the CE, whatever the
 * protocol, fragments included.  With sharing, a first fragment names the
 * CE by its ports like any packet, and the later fragments by the record
 * their first fragment left (frag.h).
 *
 * Results are enum mapce_reason codes: 0 (never a drop reason) means the
 * owner was found.
 */
#ifndef MAPCE_BPF_BR_OWNER_H
#define MAPCE_BPF_BR_OWNER_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "lib/consts.h"
#include "lib/frag.h"
#include "lib/parse.h"
#include "maps.h"
#include "frag.h"

/* Direction of a packet seen by the BR. */
enum br_dir {
	BR_FROM_CE = 0, /* decapsulated at XDP: the CE-side address is the source */
	BR_TO_CE = 1,	/* encapsulated at TC: the CE-side address is the destination */
};

/* br_owner's (and br_ce_address's) "found": else they return the reason
 * to drop (enum mapce_reason, never 0). */
enum { BR_OWNER_OK = 0 };
_Static_assert(MAPCE_R_PASS_NATIVE == 0, "0 must not be a drop reason");

/* The rule whose IPv4 prefix covers addr (longest match), or NULL. */
static __always_inline struct mapce_rule *br_rule_for(__be32 addr)
{
	struct mapce_lpm_v4_key key = { .prefixlen = 32, .addr = addr };
	__u32 *idx = bpf_map_lookup_elem(&mapce_br_lpm, &key);

	if (!idx)
		return NULL;
	return bpf_map_lookup_elem(&mapce_br_rules, idx);
}

/*
 * The port of the CE quoted inside an ICMP error (type 3, 11 or 12) whose
 * transport header parse_ipv4 left at v->l4_off.  The quoted packet is an
 * IPv4 header plus at least 8 bytes of its transport header (RFC 792).
 */
static __always_inline int br_icmp_err_port(void *data, void *data_end, const struct v4_info *v,
					    int dir, __u16 *port)
{
	struct iphdr *q = data + v->l4_off + sizeof(struct icmphdr);
	__u8 *ql4;

	if ((void *)(q + 1) > data_end)
		return MAPCE_R_DROP_MALFORMED;
	if (q->version != 4 || q->ihl < 5)
		return MAPCE_R_DROP_MALFORMED;
	/* The quoted packet must concern the CE-side address of this one. */
	if ((dir == BR_FROM_CE ? q->daddr : q->saddr) != (dir == BR_FROM_CE ? v->saddr : v->daddr))
		return MAPCE_R_BR_DROP_SPOOFED;
	if (bpf_ntohs(q->frag_off) & IP_OFFSET)
		return MAPCE_R_BR_DROP_UNSUPPORTED; /* no transport header quoted */
	/* ihl is 5..15 words: the verifier sees ql4 within 60 bytes of q. */
	ql4 = (__u8 *)q + q->ihl * 4;
	if ((void *)(ql4 + ICMP_QUOTE_L4) > data_end)
		return MAPCE_R_DROP_MALFORMED;
	switch (q->protocol) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		/* ports are the first 4 bytes of both headers */
		*port = bpf_ntohs(*(__be16 *)(ql4 + (dir == BR_FROM_CE ? 2 : 0)));
		return BR_OWNER_OK;
	case IPPROTO_ICMP:
		/* The CE quotes an echo reply sent to it (id = its "destination
		 * port"); an error for the CE quotes its echo request. */
		if (ql4[0] != (dir == BR_FROM_CE ? ICMP_ECHOREPLY : ICMP_ECHO))
			return MAPCE_R_BR_DROP_UNSUPPORTED;
		*port = bpf_ntohs(*(__be16 *)(ql4 + 4));
		return BR_OWNER_OK;
	}
	return MAPCE_R_BR_DROP_UNSUPPORTED;
}

/*
 * The CE-side port of a packet parse_ipv4 returned rc for, host order.
 * Returns BR_OWNER_OK or the reason to drop.
 */
static __always_inline int br_ce_port(void *data, void *data_end, int rc, const struct v4_info *v,
				      int dir, __u16 *port)
{
	/* Only the first fragment has ports (later ones are br_owner's
	 * business).  parse_ipv4 parses a first fragment like any packet;
	 * it must hold the ports themselves, not just a header that claims
	 * them (RFC 1858 tiny fragments). */
	if (ipv4_is_later_fragment(v))
		return MAPCE_R_BR_DROP_UNSUPPORTED;
	if ((v->frag_off & IP_MF) && v->tot_len < v->l4_off - v->l3_off + 8)
		return MAPCE_R_DROP_MALFORMED;
	if (rc == PARSE_OK) {
		/* TCP/UDP have both ports; an echo request only a source
		 * "port", an echo reply only a destination "port". */
		if (dir == BR_FROM_CE ? !v->sport_off : !v->dport_off)
			return MAPCE_R_BR_DROP_UNSUPPORTED;
		*port = bpf_ntohs(dir == BR_FROM_CE ? v->sport : v->dport);
		return BR_OWNER_OK;
	}
	if (rc == PARSE_UNSUPPORTED && v->proto == IPPROTO_ICMP && icmp4_is_error(v->icmp_type))
		return br_icmp_err_port(data, data_end, v, dir, port);
	/* other protocols and ICMP types: no port to go by */
	return MAPCE_R_BR_DROP_UNSUPPORTED;
}

/*
 * The MAP IPv6 address of the CE that owns the CE-side address ipv4 of a
 * packet under rule r, into out.  Only calls br_ce_port (which needs the
 * packet) when the rule shares addresses.
 */
static __always_inline int br_ce_address(const struct mapce_rule *r, void *data, void *data_end,
					 int rc, const struct v4_info *v, int dir, int legacy,
					 __u8 out[16])
{
	__be32 ipv4 = dir == BR_FROM_CE ? v->saddr : v->daddr;
	__u8 a = r->psid_offset, k = mapce_rule_psid_len(r);
	__u32 p = 32 - r->ipv4_prefix_len, keep;
	__u16 port = 0;
	int res;

	if (k == 0) {
		/* No sharing.  With o < p the CE owns an IPv4 prefix of
		 * r4 + o bits, and its address carries that prefix with the
		 * host bits zero (RFC 7597 §6). */
		if (r->ea_len < p) {
			keep = r->ipv4_prefix_len + r->ea_len;
			ipv4 = mapce_htonl(keep ? mapce_ntohl(ipv4) & (0xffffffffu << (32 - keep))
						: 0);
		}
		mapce_ce_address(r, ipv4, 0, legacy, out);
		return BR_OWNER_OK;
	}
	res = br_ce_port(data, data_end, rc, v, dir, &port);
	if (res != BR_OWNER_OK)
		return res;
	/* Ports of no PSID: A = 0 (system ports) when a > 0. */
	if (!mapce_port_in_set(a, k, mapce_port_psid(a, k, port), port))
		return MAPCE_R_BR_DROP_PORT_OUT_OF_SET;
	mapce_ce_address_for_port(r, ipv4, port, legacy, out);
	return BR_OWNER_OK;
}

/*
 * br_ce_address for any packet, fragments included: a later fragment of a
 * shared-address rule gets the CE its first fragment recorded (and
 * *followed = 1), or MAPCE_R_DROP_FRAG_NO_STATE.  The caller records a
 * first fragment's owner once it has checked it (br_frag_record).
 */
static __always_inline int br_owner(const struct mapce_rule *r, void *data, void *data_end, int rc,
				    const struct v4_info *v, int dir, int legacy, __u8 out[16],
				    int *followed)
{
	*followed = 0;
	if (rc == PARSE_FRAGMENT && mapce_rule_psid_len(r) != 0) {
		if (br_frag_find(v, (__u8)dir, out))
			return MAPCE_R_DROP_FRAG_NO_STATE;
		*followed = 1;
		return BR_OWNER_OK;
	}
	return br_ce_address(r, data, data_end, rc, v, dir, legacy, out);
}

#endif
