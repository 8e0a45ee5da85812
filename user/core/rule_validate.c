// SPDX-License-Identifier: GPL-2.0-only
/*
 * rule_validate.c - checks of the MAP rules given (each rule alone, then
 * the set) and the derivation of a CE's parameters: BMR selection, IPv4
 * address, PSID, port set, MAP address.
 *
 * The math lives in include/mapce_rule.h and is only called from here,
 * never re-done: this file decides what input is acceptable.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/rule_internal.h"

/* ------------------------------------------------------------------ */
/* Validation                                                          */
/* ------------------------------------------------------------------ */

int mapce_rule_check(const struct mapce_rule *r, char *err, size_t errlen)
{
	char a6[INET6_ADDRSTRLEN], m6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN], m4[INET_ADDRSTRLEN];
	unsigned int r6 = r->ipv6_prefix_len, r4 = r->ipv4_prefix_len, o = r->ea_len;
	unsigned int a = r->psid_offset, p = 32 - r4, k;
	__u8 masked[16];
	__u32 host4;

	if (r6 > 64)
		return BAD("rule IPv6 prefix %s/%u is longer than /64", fmt6(r->ipv6_prefix, a6),
			   r6);
	memcpy(masked, r->ipv6_prefix, 16);
	mask6(masked, r6);
	if (memcmp(masked, r->ipv6_prefix, 16))
		return BAD("rule IPv6 prefix %s/%u has bits set after /%u (did you mean %s/%u?)",
			   fmt6(r->ipv6_prefix, a6), r6, r6, fmt6(masked, m6), r6);
	if (r4 > 32)
		return BAD("rule IPv4 prefix %s/%u: length is more than 32",
			   fmt4(r->ipv4_prefix, a4), r4);
	host4 = mapce_ntohl(r->ipv4_prefix);
	if (host4 & ~mask4(r4))
		return BAD("rule IPv4 prefix %s/%u has bits set after /%u (did you mean %s/%u?)",
			   fmt4(r->ipv4_prefix, a4), r4, r4,
			   fmt4(mapce_htonl(host4 & mask4(r4)), m4), r4);
	if (o > 48)
		return BAD("EA-bits length %u is more than 48 (32 IPv4 suffix + 16 PSID bits)", o);
	if (r6 + o > 64)
		return BAD("rule IPv6 prefix /%u + %u EA bits = /%u is longer than /64 "
			   "(the EA bits must end within the first 64 bits)",
			   r6, o, r6 + o);
	if (a > 15)
		return BAD("PSID offset %u is more than 15", a);
	if (o == 0 && r4 < 32 && !(r->flags & MAPCE_RULE_F_EXPLICIT))
		return BAD("EA-bits length 0 with rule IPv4 prefix %s/%u: the CE's IPv4 address "
			   "cannot be derived (use a /32 rule IPv4 prefix, or the explicit form "
			   "--ipv4/--psid/--psid-len)",
			   fmt4(r->ipv4_prefix, a4), r4);
	if (r->flags & MAPCE_RULE_F_EXPLICIT)
		k = r->psid_len;
	else
		k = o > p ? o - p : 0;
	if (k > 16)
		return BAD("EA-bits length %u with rule IPv4 prefix /%u leaves a PSID of %u - %u = "
			   "%u bits (at most 16)",
			   o, r4, o, p, k);
	if (a + k > 16)
		return BAD("PSID offset %u + PSID length %u = %u is more than 16 bits", a, k,
			   a + k);
	if (!ipv4_unicast(r->ipv4_prefix))
		return BAD("rule IPv4 prefix %s/%u is not unicast address space (0/8, 127/8, "
			   "224/3 cannot be a CE's)",
			   fmt4(r->ipv4_prefix, a4), r4);
	return 0;
}

int mapce_rules_validate(struct mapce_opts *o, char *err, size_t errlen)
{
	char m[200], a6[INET6_ADDRSTRLEN];

	if (o->n_rules <= 0)
		return USAGE(o, "no MAP rule (--rule-ipv6 PFX --rule-ipv4 PFX --ea-len N, "
				"or --rule IPV6PFX,IPV4PFX,EALEN,OFFSET)");
	if ((o->have_psid_len || o->have_psid_offset) && !o->have_ipv4 && !o->have_psid)
		return USAGE(o,
			     "%s given before the first rule: per-rule options follow the "
			     "--rule-ipv6 or --rule they belong to",
			     o->have_psid_len ? "--psid-len" : "--psid-offset");
	for (int i = 0; i < o->n_rules; i++) {
		struct mapce_rule *r = &o->rules[i];
		unsigned int seen = o->rule_seen[i], p = 32 - r->ipv4_prefix_len, k;

		if (!(seen & SEEN_IPV4))
			return USAGE(o, "rule %d (%s/%u): missing --rule-ipv4", i + 1,
				     fmt6(r->ipv6_prefix, a6), r->ipv6_prefix_len);
		if (!(seen & SEEN_EA_LEN))
			return USAGE(o, "rule %d (%s/%u): missing --ea-len", i + 1,
				     fmt6(r->ipv6_prefix, a6), r->ipv6_prefix_len);
		if (mapce_rule_check(r, m, sizeof(m)))
			return BAD("rule %d: %s", i + 1, m);
		k = r->ea_len > p ? r->ea_len - p : 0;
		if ((seen & SEEN_PSID_LEN) && !(r->flags & MAPCE_RULE_F_EXPLICIT) &&
		    r->psid_len != k)
			return BAD(
				"rule %d: --psid-len %u contradicts the EA bits: k = o - (32 - r4) "
				"= %u - (32 - %u) = %u%s",
				i + 1, r->psid_len, r->ea_len, r->ipv4_prefix_len, k,
				r->ea_len < p ? " (the CE gets an IPv4 prefix, no sharing)" : "");
		r->psid_len = mapce_rule_psid_len(r);
		if (o->mesh)
			r->flags |= MAPCE_RULE_F_FMR;
		for (int j = 0; j < i; j++) {
			const struct mapce_rule *q = &o->rules[j];

			if (q->ipv6_prefix_len == r->ipv6_prefix_len &&
			    !memcmp(q->ipv6_prefix, r->ipv6_prefix, 16))
				return BAD("rules %d and %d have the same IPv6 prefix %s/%u", j + 1,
					   i + 1, fmt6(r->ipv6_prefix, a6), r->ipv6_prefix_len);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Derivation                                                          */
/* ------------------------------------------------------------------ */

/* PSID 0 with offset 0 owns ports 0 .. 2^m - 1: port 0 is not a port. */
static int check_port0(__u8 a, __u8 k, __u16 psid, char *err, size_t errlen)
{
	if (k && !a && !psid)
		return BAD("PSID 0 with offset 0 owns ports 0-%u, including port 0 "
			   "(use a PSID offset > 0 or another PSID)",
			   mapce_range_size(a, k) - 1);
	return 0;
}

static void finish(const struct mapce_opts *o, struct mapce_derived *d)
{
	d->port_count = mapce_port_count(d->psid_offset, d->psid_len);
	d->range_count = mapce_range_count(d->psid_offset, d->psid_len);
	memcpy(d->ce_ipv6, o->legacy_iid ? d->ce_ipv6_legacy : d->ce_ipv6_rfc, 16);
	d->have_br = o->have_br;
	if (o->have_br)
		memcpy(d->br, o->br, 16);
}

static int derive_explicit(struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen)
{
	unsigned int a = o->have_psid_offset ? o->psid_offset : MAPCE_DEFAULT_PSID_OFFSET;
	unsigned int k = o->psid_len;
	__u64 hi;

	if (!o->have_ipv4)
		return USAGE(o, "explicit form: missing --ipv4 (with --psid/--psid-len)");
	if (!o->have_psid_len)
		return USAGE(o, "explicit form: missing --psid-len");
	if (o->ipv4_len && (k || o->have_psid))
		return USAGE(o, "--ipv4 ADDR/LEN (a routed prefix, --mode ipip6) takes no "
				"--psid or --psid-len: give one address");
	if (a > 15)
		return BAD("PSID offset %u is more than 15", a);
	if (k > 16)
		return BAD("PSID length %u is more than 16", k);
	if (a + k > 16)
		return BAD("PSID offset %u + PSID length %u = %u is more than 16 bits", a, k,
			   a + k);
	if (!o->have_psid && k)
		return USAGE(o, "explicit form: missing --psid (PSID length is %u)", k);
	if (o->psid >> k)
		return BAD("PSID %u does not fit in a PSID length of %u bits (0-%u)", o->psid, k,
			   (1u << k) - 1);
	if (check_port0(a, k, o->psid, err, errlen))
		return -1;
	d->bmr = -1;
	d->ipv4 = o->ipv4;
	d->ipv4_len = o->ipv4_len ? o->ipv4_len : 32; /* ipip6's routed prefix */
	d->psid = o->psid;
	d->psid_len = k;
	d->psid_offset = a;
	finish(o, d);
	/* Without a prefix: the address and the port set, no MAP address. */
	if (!o->have_prefix)
		return 0;
	/* lw4o6: the prefix's first 64 bits (subnet-id as given) + the IID */
	memcpy(d->end_user_prefix, o->prefix, 16);
	d->end_user_len = o->prefix_len < 64 ? o->prefix_len : 64;
	mask6(d->end_user_prefix, d->end_user_len);
	hi = mapce_load_be64(o->prefix);
	mapce_store_be64(d->ce_ipv6_rfc, hi);
	mapce_store_be64(d->ce_ipv6_rfc + 8, mapce_iid(d->ipv4, d->psid, 0));
	mapce_store_be64(d->ce_ipv6_legacy, hi);
	mapce_store_be64(d->ce_ipv6_legacy + 8, mapce_iid(d->ipv4, d->psid, 1));
	finish(o, d);
	d->have_ce_ipv6 = true;
	return 0;
}

static int derive_rule(struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen)
{
	char a6[INET6_ADDRSTRLEN], list[160];
	const struct mapce_rule *r;
	int best = -1;
	size_t used = 0;
	__u64 ea;

	if (mapce_rules_validate(o, err, errlen))
		return -1;
	if (!o->have_prefix)
		return USAGE(o, "missing --prefix (the CE's delegated IPv6 prefix)");
	for (int i = 0; i < o->n_rules; i++) {
		r = &o->rules[i];
		if (r->ipv6_prefix_len > o->prefix_len ||
		    !mapce_ipv6_prefix_match(r->ipv6_prefix, o->prefix, r->ipv6_prefix_len))
			continue;
		if (best < 0 || r->ipv6_prefix_len > o->rules[best].ipv6_prefix_len)
			best = i;
	}
	if (best < 0) {
		list[0] = '\0';
		for (int i = 0; i < o->n_rules && used < sizeof(list); i++) {
			int n = snprintf(list + used, sizeof(list) - used, "%s%s/%u", i ? ", " : "",
					 fmt6(o->rules[i].ipv6_prefix, a6),
					 o->rules[i].ipv6_prefix_len);

			if (n < 0 || (size_t)n >= sizeof(list) - used) {
				strcpy(list + sizeof(list) - 5, "...");
				break;
			}
			used += n;
		}
		return BAD("prefix %s/%u is not inside any rule IPv6 prefix (%s)",
			   fmt6(o->prefix, a6), o->prefix_len, list);
	}
	r = &o->rules[best];
	if (o->prefix_len < r->ipv6_prefix_len + r->ea_len)
		return BAD("prefix %s/%u is shorter than rule /%u + %u EA bits = /%u",
			   fmt6(o->prefix, a6), o->prefix_len, r->ipv6_prefix_len, r->ea_len,
			   r->ipv6_prefix_len + r->ea_len);
	d->bmr = best;
	ea = mapce_ea_bits(r, o->prefix);
	mapce_ea_split(r, ea, &d->ipv4, &d->psid);
	d->psid_len = mapce_rule_psid_len(r);
	d->psid_offset = r->psid_offset;
	if (r->ea_len >= 32 - r->ipv4_prefix_len)
		d->ipv4_len = 32;
	else /* o < p: an IPv4 prefix, host bits zero */
		d->ipv4_len = r->ipv4_prefix_len + r->ea_len;
	if (check_port0(d->psid_offset, d->psid_len, d->psid, err, errlen))
		return -1;
	/* End-user prefix = rule prefix + EA bits = first r6 + o bits of the
	 * CE prefix (a longer one, e.g. an RA /64, is cut back to it). */
	d->end_user_len = r->ipv6_prefix_len + r->ea_len;
	memcpy(d->end_user_prefix, o->prefix, 16);
	mask6(d->end_user_prefix, d->end_user_len);
	mapce_ce_address(r, d->ipv4, d->psid, 0, d->ce_ipv6_rfc);
	mapce_ce_address(r, d->ipv4, d->psid, 1, d->ce_ipv6_legacy);
	finish(o, d);
	d->have_ce_ipv6 = true;
	return 0;
}

int mapce_derive(struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen)
{
	bool explicit = o->have_ipv4 || o->have_psid;

	memset(d, 0, sizeof(*d));
	d->bmr = -1;
	o->usage_err = false;
	if (explicit && o->n_rules > 0)
		return USAGE(o, "the explicit form (--ipv4/--psid) cannot be combined with MAP "
				"rules (--rule-ipv6/--rule)");
	if (!o->n_rules && (o->have_psid_len || o->have_psid_offset))
		explicit = true; /* --psid-len alone: say what else is missing */
	if (!explicit && !o->n_rules)
		return USAGE(o, "no MAP rule: give --rule-ipv6 PFX --rule-ipv4 PFX --ea-len N "
				"[--psid-offset A], or --rule IPV6PFX,IPV4PFX,EALEN,OFFSET, "
				"or the explicit form --ipv4 ADDR --psid N --psid-len K");
	return explicit ? derive_explicit(o, d, err, errlen) : derive_rule(o, d, err, errlen);
}
