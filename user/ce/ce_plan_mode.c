// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_plan_mode.c - the mode-dependent part of `mapce up`'s plan
 * (ce_plan_mode.h).  Pure, like ce_plan.c.
 */
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "mapce_rule.h"
#include "ce/ce_plan_mode.h"
#include "core/addrfmt.h"
#include "core/mode.h"
#include "core/output.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

static int usage(char *err, size_t errlen, const char *msg, const char *mode)
{
	mapce_errf(err, errlen, msg, mode);
	return MAPCE_ERR_USAGE;
}

int ce_plan_wan_addr(const struct wan_facts *w, __u8 addr[16], char *err, size_t errlen)
{
	const char *dev = w->addrs_of ? w->addrs_of : w->name;

	if (w->n_addrs < 0)
		return BAD("listing the IPv6 addresses of %s: %s", dev, strerror(-w->n_addrs));
	/* pass 0: preferred prefixes (SLAAC, DHCPv6 with a prefix length),
	 * 1: preferred /128s, 2: deprecated ones */
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < w->n_addrs; i++) {
			const struct nl_addr6 *ad = &w->addrs[i];
			bool deprecated = ad->flags & IFA_F_DEPRECATED;

			if (ad->scope != RT_SCOPE_UNIVERSE ||
			    (ad->flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE)))
				continue;
			if (pass == 2 ? !deprecated
				      : deprecated || (pass == 0) != (ad->prefix_len < 128))
				continue;
			memcpy(addr, ad->addr, 16);
			return 0;
		}
	}
	return BAD("%s has no global IPv6 address for the tunnel", dev);
}

/* The options a mode does not take, refused by name. */
static int check_options(const struct up_settings *s, __u8 mode, char *err, size_t errlen)
{
	const struct mapce_opts *o = &s->rule;
	const char *m = mode_str(mode);

	if (o->n_rules > 0 || s->set[UK_ISP] || s->set[UK_DHCPV6_OPTION] ||
	    s->set[UK_DHCPV6_OPTION_FILE])
		return usage(err, errlen,
			     "--mode %s takes no MAP rule (--rule, --isp, "
			     "--dhcpv6-option)",
			     m);
	if (o->mesh)
		return usage(err, errlen, "--mode %s has no FMRs: --mesh is for map-e", m);
	if (s->set[UK_AFTR] && mode != MAPCE_MODE_DSLITE)
		return usage(err, errlen, "--aftr is for --mode dslite, not %s", m);
	if (s->set[UK_DNS] && mode != MAPCE_MODE_DSLITE)
		return usage(err, errlen, "--dns is for --mode dslite (--aftr NAME), not %s", m);
	if (s->set[UK_IID] && mode != MAPCE_MODE_IPIP6)
		return usage(err, errlen, "--iid is for --mode ipip6, not %s", m);
	if (mode == MAPCE_MODE_DSLITE && (o->have_ipv4 || o->have_psid || o->have_psid_len))
		return usage(err, errlen,
			     "--mode %s has no IPv4 address of its own (the AFTR "
			     "translates): no --ipv4, --psid or --psid-len",
			     m);
	if (o->ipv4_len && mode != MAPCE_MODE_IPIP6)
		return usage(err, errlen,
			     "--ipv4 ADDR/LEN (a routed prefix) is for --mode ipip6; --mode %s "
			     "takes one address",
			     m);
	if (mode == MAPCE_MODE_IPIP6 && (o->have_psid || o->have_psid_len || o->have_psid_offset))
		return usage(err, errlen,
			     "--mode %s uses every port of its address: no --psid, "
			     "--psid-len or --psid-offset",
			     m);
	if (mode != MAPCE_MODE_DSLITE && !o->have_ipv4)
		return usage(err, errlen,
			     "--mode %s needs --ipv4 ADDR (the IPv4 address the "
			     "provider gave)",
			     m);
	if (mode != MAPCE_MODE_DSLITE && !o->have_br)
		return usage(err, errlen,
			     "--mode %s needs --br ADDR (the IPv6 address of the "
			     "tunnel's far end)",
			     m);
	return 0;
}

static int plan_dslite(const struct up_settings *s, struct mapce_derived *d, char *err,
		       size_t errlen)
{
	struct in6_addr a;

	if (!s->set[UK_AFTR])
		return usage(err, errlen, "--mode %s needs --aftr ADDR|NAME (the AFTR)", "dslite");
	if (inet_pton(AF_INET6, s->aftr, &a) != 1)
		return BAD("--aftr %s: not an IPv6 address (a name is resolved before the plan)",
			   s->aftr);
	memcpy(d->br, a.s6_addr, 16);
	d->have_br = true;
	d->ipv4 = htonl(MAPCE_DSLITE_B4_IPV4);
	d->ipv4_len = 32;
	return 0;
}

int ce_plan_mode(const struct up_settings *s, const struct wan_facts *w, struct mapce_opts *o,
		 struct mapce_derived *d, char *err, size_t errlen)
{
	__u8 mode = (__u8)s->val[UK_MODE], wan[16];
	int ret = check_options(s, mode, err, errlen);

	if (ret)
		return ret;
	if (ce_plan_wan_addr(w, wan, err, errlen))
		return MAPCE_ERR_VALUE;
	memset(d, 0, sizeof(*d));
	d->bmr = -1;
	if (mode == MAPCE_MODE_DSLITE) {
		if ((ret = plan_dslite(s, d, err, errlen)))
			return ret;
		memcpy(d->ce_ipv6, wan, 16);
	} else {
		if (mode == MAPCE_MODE_IPIP6) {
			/* every port: the explicit form without a PSID */
			o->psid_len = 0;
			o->psid_offset = MAPCE_DEFAULT_PSID_OFFSET;
			o->have_psid_len = o->have_psid_offset = true;
			o->psid = 0;
			o->have_psid = false;
		}
		o->have_prefix = false; /* the tunnel address is the mode's */
		if (mapce_derive(o, d, err, errlen))
			return o->usage_err ? MAPCE_ERR_USAGE : MAPCE_ERR_VALUE;
		memcpy(d->ce_ipv6, wan, 16);
		if (mode == MAPCE_MODE_IPIP6) {
			/* the WAN's /64 and the interface identifier */
			if (s->set[UK_IID])
				memcpy(d->ce_ipv6 + 8, s->iid, 8);
			else
				mapce_store_be64(d->ce_ipv6 + 8, mapce_iid(d->ipv4, 0, 1));
		}
	}
	d->have_ce_ipv6 = true;
	d->psid_offset = mode == MAPCE_MODE_DSLITE ? 0 : d->psid_offset;
	memcpy(o->prefix, d->ce_ipv6, 16);
	o->prefix_len = 128;
	o->have_prefix = true;
	return 0;
}
