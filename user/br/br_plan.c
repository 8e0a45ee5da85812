// SPDX-License-Identifier: GPL-2.0-only
/*
 * br_plan.c - the policy of `mapce br up` (br_plan.h): rules, duplicates,
 * the BR address, the MTU, the config.  Pure: settings and facts in,
 * parameters or a message out.
 */
#include <string.h>

#include "br/br_plan.h"
#include "core/parse.h"
#include "core/addrfmt.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

int br_plan_rules(struct mapce_opts *o, char *err, size_t errlen)
{
	char a[IP6_STRLEN], b[IP4_STRLEN];

	if (mapce_rules_validate(o, err, errlen))
		return o->usage_err ? MAPCE_ERR_USAGE : MAPCE_ERR_VALUE;
	for (int i = 0; i < o->n_rules; i++) {
		const struct mapce_rule *r = &o->rules[i];

		for (int j = 0; j < i; j++) {
			if (r->ipv4_prefix != o->rules[j].ipv4_prefix ||
			    r->ipv4_prefix_len != o->rules[j].ipv4_prefix_len)
				continue;
			return BAD(
				"rules %d and %d have the same IPv4 prefix %s/%u: the BR could not "
				"tell which one a packet belongs to",
				j + 1, i + 1, ip4_str(r->ipv4_prefix, b), r->ipv4_prefix_len);
		}
	}
	if (!ipv6_global_unicast(o->br))
		return BAD("--br %s is not a global unicast IPv6 address", ip6_str(o->br, a));
	return 0;
}

int br_plan(const struct br_settings *s, const struct br_link_facts *w, struct br_up_params *out,
	    char *err, size_t errlen)
{
	struct mapce_opts o = s->rule;
	unsigned long mtu = s->mtu;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = br_plan_rules(&o, err, errlen);
	if (ret)
		return ret;
	/* The routes' MTU is the link's minus the IPv6 header: the kernel
	 * fragments or sends "fragmentation needed" before a packet grows
	 * past the link. */
	if (w->mtu < MAPCE_BR_MIN_MTU + MAPCE_ENCAP_OVERHEAD)
		return BAD("%s has MTU %u: too small for IPv4 over IPv6 (at least %u)", w->name,
			   w->mtu, MAPCE_BR_MIN_MTU + MAPCE_ENCAP_OVERHEAD);
	if (!mtu)
		mtu = w->mtu - MAPCE_ENCAP_OVERHEAD;
	if (mtu > w->mtu - MAPCE_ENCAP_OVERHEAD)
		return BAD("--mtu %lu does not fit: %s has MTU %u, so IPv4 packets over %u bytes "
			   "would not fit after the %u-byte IPv6 header",
			   mtu, w->name, w->mtu, w->mtu - MAPCE_ENCAP_OVERHEAD,
			   MAPCE_ENCAP_OVERHEAD);

	snprintf(out->ifname, sizeof(out->ifname), "%s", w->name);
	out->ifindex = w->ifindex;
	memcpy(out->cfg.br_ipv6, o.br, 16);
	out->cfg.flags = MAPCE_CFG_F_ENABLED | (o.legacy_iid ? MAPCE_CFG_F_LEGACY_IID : 0);
	out->cfg.hop_limit = (__u8)s->hop_limit;
	out->cfg.mtu = (__u16)mtu;
	out->cfg.wan_ifindex = (__u32)w->ifindex;
	out->n_rules = o.n_rules;
	memcpy(out->rules, o.rules, sizeof(out->rules[0]) * (size_t)o.n_rules);
	out->xdp_mode = s->xdp_mode;
	return 0;
}
