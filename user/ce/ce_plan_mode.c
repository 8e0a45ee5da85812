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
#include "core/s46.h"

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

/* The DHCPv6 option each mode takes (0: none): dslite the AFTR's name
 * (RFC 6334), lw4o6 its binding (RFC 7598 §5.3). */
static unsigned int mode_option(__u8 mode)
{
	return mode == MAPCE_MODE_DSLITE  ? S46_OPT_AFTR_NAME
	       : mode == MAPCE_MODE_LW4O6 ? S46_OPT_CONT_LW
					  : 0;
}

/* The rule source against the mode: no MAP rule, no ISP table; a DHCPv6
 * option only the mode's own. */
static int check_source(const struct up_settings *s, const struct rule_source *src, __u8 mode,
			char *err, size_t errlen)
{
	const char *m = mode_str(mode);
	unsigned int want = mode_option(mode);

	if (s->rule.n_rules > 0 || s->set[UK_ISP] || (src->origin == RULE_FROM_DHCPV6 && !want))
		return usage(err, errlen,
			     "--mode %s takes no MAP rule (--rule, --isp, "
			     "--dhcpv6-option)",
			     m);
	if (src->origin == RULE_FROM_DHCPV6 && (unsigned int)src->s46.container != want)
		return mapce_errf(err, errlen, "%s is %s, but --mode %s takes option %u (%s)",
				  src->what, s46_opt_name((unsigned int)src->s46.container), m,
				  want, s46_opt_name(want));
	return 0;
}

/* The options a mode does not take, refused by name. */
static int check_options(const struct up_settings *s, const struct mapce_opts *o, __u8 mode,
			 char *err, size_t errlen)
{
	const char *m = mode_str(mode);

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

const char *ce_plan_aftr(const struct up_settings *s, const struct rule_source *src, char *what,
			 size_t whatlen, const char **other)
{
	bool opt = src->origin == RULE_FROM_DHCPV6 && src->s46.container == S46_OPT_AFTR_NAME;

	*other = NULL;
	if (s->set[UK_AFTR]) {
		up_settings_where(s, UK_AFTR, what, whatlen);
		if (opt && strcmp(s->aftr, src->s46.aftr_name))
			*other = src->s46.aftr_name;
		return s->aftr;
	}
	if (!opt)
		return NULL;
	snprintf(what, whatlen, "%s", src->what);
	return src->s46.aftr_name;
}

static int plan_dslite(const struct up_settings *s, const struct rule_source *src,
		       struct mapce_derived *d, char *err, size_t errlen)
{
	struct in6_addr a;

	if (!s->set[UK_AFTR] && src->origin == RULE_FROM_DHCPV6)
		return BAD("%s: the AFTR %s is a name (resolved before the plan)", src->what,
			   src->s46.aftr_name);
	if (!s->set[UK_AFTR])
		return usage(err, errlen,
			     "--mode %s needs --aftr ADDR|NAME (the AFTR) or its DHCPv6 option 64",
			     "dslite");
	if (inet_pton(AF_INET6, s->aftr, &a) != 1)
		return BAD("--aftr %s: not an IPv6 address (a name is resolved before the plan)",
			   s->aftr);
	memcpy(d->br, a.s6_addr, 16);
	d->have_br = true;
	d->ipv4 = htonl(MAPCE_DSLITE_B4_IPV4);
	d->ipv4_len = 32;
	return 0;
}

/*
 * lw4o6 from option 96: the tunnel source from the binding's
 * bind-ipv6-prefix (RFC 7596 §5.1): a /128 is the address itself, a
 * prefix up to /64 gets the interface identifier of RFC 7597 §6 (16 zero
 * bits, the IPv4 address, the PSID).  0: no bind prefix (the WAN's
 * address is used), 1: addr filled, -1: a prefix between /64 and /128.
 */
static int lw4o6_bind_addr(const struct rule_source *src, __u8 addr[16], char *err, size_t errlen)
{
	const struct s46_params *p = &src->s46;
	char a6[IP6_STRLEN];

	if (src->origin != RULE_FROM_DHCPV6 || !p->bind_prefix_len)
		return 0;
	memcpy(addr, p->bind_prefix, 16);
	if (p->bind_prefix_len == 128)
		return 1;
	if (p->bind_prefix_len > 64)
		return BAD("%s: S46_V4V6BIND bind-ipv6-prefix %s/%u is longer than /64 and not "
			   "an address (/128): no room for the RFC 7597 interface identifier",
			   src->what, ip6_str(p->bind_prefix, a6), p->bind_prefix_len);
	mapce_store_be64(addr + 8, mapce_iid(p->bind_ipv4, p->psid, 0));
	return 1;
}

int ce_plan_mode(const struct up_settings *s, struct rule_source *src, const struct wan_facts *w,
		 struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen)
{
	__u8 mode = (__u8)s->val[UK_MODE], wan[16], bind[16];
	int ret = check_source(s, src, mode, err, errlen), have_bind = 0;

	if (ret)
		return ret;
	if (mode == MAPCE_MODE_LW4O6) {
		/* option 96's binding and lwAFTR, as if given (--br wins) */
		if (rule_source_apply(src, o, err, errlen))
			return MAPCE_ERR_VALUE;
		have_bind = lw4o6_bind_addr(src, bind, err, errlen);
		if (have_bind < 0)
			return MAPCE_ERR_VALUE;
	}
	if ((ret = check_options(s, o, mode, err, errlen)))
		return ret;
	if (ce_plan_wan_addr(w, wan, err, errlen))
		return MAPCE_ERR_VALUE;
	memset(d, 0, sizeof(*d));
	d->bmr = -1;
	if (mode == MAPCE_MODE_DSLITE) {
		if ((ret = plan_dslite(s, src, d, err, errlen)))
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
		memcpy(d->ce_ipv6, have_bind ? bind : wan, 16);
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
