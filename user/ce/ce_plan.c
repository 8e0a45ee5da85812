// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_plan.c - the policy of `mapce up` (ce_plan.h): MTU, MSS, the CE
 * prefix from the WAN's addresses, the rules and the derived parameters,
 * the config, the port forwards.  Pure: settings and facts in, parameters
 * or a message out.
 */
#include <string.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "mapce_rule.h"
#include "ce/ce_plan.h"
#include "ce/ce_plan_mode.h"
#include "core/addrfmt.h"
#include "core/mode.h"
#include "core/output.h"
#include "core/rule_source.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

/* A scalar setting of s, or its default. */
static unsigned long val_or(const struct up_settings *s, enum up_key k, unsigned long def)
{
	return s->set[k] ? s->val[k] : def;
}

/* -1 for a rule error: a usage error when the rule code says so. */
static int rule_fail(const struct mapce_opts *o)
{
	return o->usage_err ? MAPCE_ERR_USAGE : MAPCE_ERR_VALUE;
}

/* Keep the first len bits of a, zero the rest. */
static void prefix_mask(__u8 a[16], unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = len > i * 8 ? len - i * 8 : 0;

		if (bits < 8)
			a[i] &= (__u8)(0xff00u >> bits);
	}
}

/* The tunnel MTU and the MSS ceiling.  0, or -1 + message. */
static int plan_mtu(const struct up_settings *s, const struct wan_facts *w, unsigned long *mtu,
		    unsigned long *mss, char *err, size_t errlen)
{
	char where[PATH_MAX + 64];
	/* The outer IPv6 header, plus the destination options header
	 * carrying the encapsulation limit when asked for. */
	unsigned long overhead = MAPCE_ENCAP_OVERHEAD +
				 (val_or(s, UK_ENCAP_LIMIT, 0) ? MAPCE_ENCAP_LIMIT_OVERHEAD : 0);

	if (w->mtu < MAPCE_MIN_MTU + overhead)
		return BAD("the MTU of %s is %u; MAP-E needs at least %lu", w->name, w->mtu,
			   MAPCE_MIN_MTU + overhead);
	*mtu = val_or(s, UK_MTU, 0);
	if (*mtu && *mtu > w->mtu - overhead)
		return BAD("%s %lu is too big for %s (MTU %u): at most %lu",
			   up_settings_where(s, UK_MTU, where, sizeof(where)), *mtu, w->name,
			   w->mtu, w->mtu - overhead);
	if (!*mtu) {
		*mtu = MAPCE_DEFAULT_MTU;
		if (*mtu > w->mtu - overhead) {
			*mtu = w->mtu - overhead;
			pr_warn("%s has MTU %u: tunnel MTU %lu", w->name, w->mtu, *mtu);
		}
	}
	/* A SYN's MSS above MTU - 40 would make the peer send segments the
	 * tunnel must fragment or drop. */
	*mss = val_or(s, UK_MSS_CLAMP, UP_MSS_AUTO);
	if (*mss == UP_MSS_AUTO)
		*mss = *mtu - MAPCE_MSS_OVERHEAD;
	if (*mss > *mtu - MAPCE_MSS_OVERHEAD)
		return BAD("%s %lu is above the tunnel MTU %lu - 40",
			   up_settings_where(s, UK_MSS_CLAMP, where, sizeof(where)), *mss, *mtu);
	return 0;
}

/* The CE prefix: the first len bits of addr (an address of w). */
static void set_prefix(struct mapce_opts *o, const __u8 addr[16], __u8 len, const char *dev,
		       __u8 addr_len)
{
	char a[IP6_STRLEN], b[IP6_STRLEN];

	memcpy(o->prefix, addr, 16);
	prefix_mask(o->prefix, len);
	o->prefix_len = len;
	o->have_prefix = true;
	if (verbose)
		pr_warn("CE prefix %s/%u from %s/%u on %s", ip6_str(o->prefix, a), len,
			ip6_str(addr, b), addr_len, dev);
}

/* Is ad worth trying in pass (0: preferred prefixes, 1: preferred /128s
 * such as a MAP address of an earlier up, 2: deprecated ones)? */
static bool detect_pass(const struct nl_addr6 *ad, int pass)
{
	bool deprecated = ad->flags & IFA_F_DEPRECATED;

	if (ad->scope != RT_SCOPE_UNIVERSE || (ad->flags & (IFA_F_DADFAILED | IFA_F_TENTATIVE)))
		return false;
	if (pass == 2)
		return deprecated;
	return !deprecated && (pass == 0) == (ad->prefix_len < 128);
}

/*
 * The CE prefix from the WAN's global IPv6 addresses: the first r6 + o
 * bits of an address inside a rule's IPv6 prefix.  Addresses shorter than
 * /128 (the delegated or RA prefix) are preferred to /128s (such as a MAP
 * address from an earlier up), deprecated ones (a prefix being replaced)
 * come last.  0 found (in o), -1 + message.
 */
static int detect_prefix(const struct wan_facts *w, const struct rule_source *src,
			 struct mapce_opts *o, char *err, size_t errlen)
{
	const char *dev = w->addrs_of ? w->addrs_of : w->name;
	char a[IP6_STRLEN], rules[512] = "";
	bool any = false; /* a usable global address at all */

	if (w->n_addrs < 0)
		return BAD("listing the IPv6 addresses of %s: %s", dev, strerror(-w->n_addrs));
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < w->n_addrs; i++) {
			const struct nl_addr6 *ad = &w->addrs[i];
			__u8 isp_len;

			if (!detect_pass(ad, pass))
				continue;
			any = true;
			/* an ISP table: its rules are not in o (too many) */
			if (rule_source_holds(src, ad->addr, &isp_len)) {
				set_prefix(o, ad->addr, isp_len, dev, ad->prefix_len);
				return 0;
			}
			for (int r = 0; r < o->n_rules; r++) {
				const struct mapce_rule *rule = &o->rules[r];
				unsigned int len = rule->ipv6_prefix_len + rule->ea_len;

				if (len > 64 ||
				    !mapce_ipv6_prefix_match(ad->addr, rule->ipv6_prefix,
							     rule->ipv6_prefix_len))
					continue;
				set_prefix(o, ad->addr, (__u8)len, dev, ad->prefix_len);
				return 0;
			}
		}
	}
	/* none at all: the line has not given one yet (a link flap took it,
	 * the RA or DHCPv6 gives it back); no matter of the rules */
	if (!any)
		return BAD("%s has no global IPv6 address yet (the line's RA or DHCPv6 gives "
			   "one), or give the CE prefix with --prefix",
			   dev);
	if (src->origin == RULE_FROM_ISP)
		return BAD(
			"no global IPv6 address on %s lies inside a rule of %s; give the CE "
			"prefix with --prefix (mapce calc --%s --prefix P shows the closest rules)",
			dev, src->what, src->what);
	for (int r = 0; r < o->n_rules; r++) {
		size_t l = strlen(rules);

		snprintf(rules + l, sizeof(rules) - l, "%s%s/%u", r ? ", " : "",
			 ip6_str(o->rules[r].ipv6_prefix, a), o->rules[r].ipv6_prefix_len);
	}
	return BAD("no global IPv6 address on %s lies inside a rule IPv6 prefix (%s); "
		   "give the CE prefix with --prefix",
		   dev, rules);
}

/* The config, exactly as it will be pinned. */
static void fill_config(const struct up_settings *s, const struct mapce_opts *o,
			const struct mapce_derived *d, const struct wan_facts *w, unsigned long mtu,
			unsigned long mss, struct mapce_config *c)
{
	memcpy(c->ce_ipv6, d->ce_ipv6, 16);
	memcpy(c->br_ipv6, d->have_br ? d->br : o->br, 16);
	c->ipv4 = d->ipv4;
	c->psid = d->psid;
	c->psid_len = d->psid_len;
	c->psid_offset = d->psid_offset;
	c->port_count = mapce_port_count(d->psid_offset, d->psid_len);
	c->flags = MAPCE_CFG_F_ENABLED | (o->legacy_iid ? MAPCE_CFG_F_LEGACY_IID : 0) |
		   (o->mesh ? MAPCE_CFG_F_MESH : 0);
	c->hop_limit = (__u8)val_or(s, UK_HOP_LIMIT, MAPCE_DEFAULT_HOP_LIMIT);
	c->mtu = (__u16)mtu;
	c->timeout_udp = (__u32)val_or(s, UK_TIMEOUT_UDP, MAPCE_DEFAULT_TIMEOUT_UDP);
	c->timeout_tcp_est = (__u32)val_or(s, UK_TIMEOUT_TCP_EST, MAPCE_DEFAULT_TIMEOUT_TCP_EST);
	c->timeout_tcp_trans =
		(__u32)val_or(s, UK_TIMEOUT_TCP_TRANS, MAPCE_DEFAULT_TIMEOUT_TCP_TRANS);
	c->timeout_icmp = (__u32)val_or(s, UK_TIMEOUT_ICMP, MAPCE_DEFAULT_TIMEOUT_ICMP);
	c->gc_interval_ms = MAPCE_DEFAULT_GC_INTERVAL_MS;
	c->wan_ifindex = (__u32)w->ifindex;
	c->mss_clamp = (__u16)mss;
	c->encap_limit = (__u8)val_or(s, UK_ENCAP_LIMIT, 0);
	c->filtering = (__u8)val_or(s, UK_FILTERING, MAPCE_FILTER_ADF);
	c->max_per_host = (__u32)val_or(s, UK_MAX_PER_HOST, 0);
	c->mode = (__u8)val_or(s, UK_MODE, MAPCE_MODE_MAP_E);
	/* ipip6: the routed prefix ipv4 lies in (--ipv4 ADDR/LEN), else 32 */
	c->ipv4_prefix_len = c->mode == MAPCE_MODE_IPIP6 ? d->ipv4_len : 32;
	if (c->mode == MAPCE_MODE_DSLITE)
		c->port_count = 0; /* no NAT: no port set */
}

/* The MAP-E part of the plan: the rules (from their source), the CE
 * prefix, the derived parameters.  0, or the exit status + message. */
static int plan_map_e(const struct up_settings *s, struct rule_source *src,
		      const struct wan_facts *w, struct mapce_opts *o, struct mapce_derived *d,
		      char *err, size_t errlen)
{
	char a6[IP6_STRLEN];

	/* An ISP table's rule depends on the prefix: find the prefix first. */
	if (src->origin == RULE_FROM_ISP && !o->have_prefix &&
	    detect_prefix(w, src, o, err, errlen))
		return MAPCE_ERR_VALUE;
	if (rule_source_apply(src, o, err, errlen))
		return MAPCE_ERR_VALUE;
	/* Bad rules first: their message beats "no address in the prefix". */
	if (o->n_rules > 0 && mapce_rules_validate(o, err, errlen))
		return rule_fail(o);
	if (!o->have_prefix && o->n_rules > 0 && detect_prefix(w, src, o, err, errlen))
		return MAPCE_ERR_VALUE;
	if (s->set[UK_AFTR] || s->set[UK_DNS] || s->set[UK_IID]) {
		BAD("--%s is for --mode %s, not map-e",
		    s->set[UK_AFTR]  ? "aftr"
		    : s->set[UK_DNS] ? "dns"
				     : "iid",
		    s->set[UK_IID] && !s->set[UK_AFTR] && !s->set[UK_DNS] ? "ipip6" : "dslite");
		return MAPCE_ERR_USAGE;
	}
	if (!o->have_br) {
		if (s->path[0])
			BAD("--br ADDR (the BR's IPv6 address) is required (or a 'br' line in %s)",
			    s->path);
		else
			BAD("--br ADDR (the BR's IPv6 address) is required");
		return MAPCE_ERR_USAGE;
	}
	if (!ipv6_global_unicast(o->br))
		return BAD("--br %s is not a global unicast IPv6 address", ip6_str(o->br, a6));
	if (mapce_derive(o, d, err, errlen))
		return rule_fail(o);
	if (!d->have_ce_ipv6) {
		BAD("explicit form: missing --prefix (the CE's IPv6 prefix)");
		return MAPCE_ERR_USAGE;
	}
	return 0;
}

int ce_plan(const struct up_settings *s, struct rule_source *src, const struct wan_facts *w,
	    struct ce_up_params *out, char *err, size_t errlen)
{
	struct mapce_opts o = s->rule; /* validation fills in derived fields */
	struct mapce_derived d;
	char a[IP4_STRLEN], a6[IP6_STRLEN], m[1024];
	unsigned long mtu = 0, mss = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	if (val_or(s, UK_MODE, MAPCE_MODE_MAP_E) == MAPCE_MODE_AUTO)
		return BAD("mode auto: the service is the HB46PP answer's, and none was applied");
	if (plan_mtu(s, w, &mtu, &mss, err, errlen))
		return MAPCE_ERR_VALUE;
	if (val_or(s, UK_MODE, MAPCE_MODE_MAP_E) == MAPCE_MODE_MAP_E && o.ipv4_len) {
		BAD("--ipv4 ADDR/LEN (a routed prefix) is for --mode ipip6; map-e takes one "
		    "address");
		return MAPCE_ERR_USAGE;
	}
	if (val_or(s, UK_MODE, MAPCE_MODE_MAP_E) == MAPCE_MODE_MAP_E)
		ret = plan_map_e(s, src, w, &o, &d, err, errlen);
	else
		ret = ce_plan_mode(s, src, w, &o, &d, err, errlen);
	if (ret)
		return ret;
	if (d.have_br && !ipv6_global_unicast(d.br))
		return BAD("--%s %s is not a global unicast IPv6 address",
			   s->set[UK_AFTR] ? "aftr" : "br", ip6_str(d.br, a6));
	if (!src->rule[0] && d.bmr >= 0)
		mapce_rule_format(&o.rules[d.bmr], src->rule, sizeof(src->rule));
	snprintf(out->source, sizeof(out->source), "%s", src->what);
	snprintf(out->rule, sizeof(out->rule), "%s", src->rule);
	/* ipip6's routed prefix is its own (--ipv4 ADDR/LEN), not a rule's */
	if (d.ipv4_len != 32 && val_or(s, UK_MODE, MAPCE_MODE_MAP_E) != MAPCE_MODE_IPIP6)
		return BAD("the rule gives this CE the IPv4 prefix %s/%u, not one shared address; "
			   "mapce supports a single address (with or without a port set)",
			   ip4_str(d.ipv4, a), d.ipv4_len);
	fill_config(s, &o, &d, w, mtu, mss, &out->cfg);
	if (out->cfg.mode == MAPCE_MODE_DSLITE && s->n_portmaps)
		return BAD("%s:%u: --mode dslite has no port forwards (the AFTR translates)",
			   s->path, s->portmaps[0].line);

	/* Port forwards of the file: inside this CE's port set, or nothing
	 * is attached. */
	for (int i = 0; i < s->n_portmaps; i++) {
		if (portmap_check(&out->cfg, &s->portmaps[i], m, sizeof(m)))
			return BAD("%s:%u: %s", s->path, s->portmaps[i].line, m);
	}
	out->portmaps = s->portmaps;
	out->n_portmaps = s->n_portmaps;
	snprintf(out->config_path, sizeof(out->config_path), "%s", s->path);

	snprintf(out->ifname, sizeof(out->ifname), "%s", w->name);
	out->ifindex = w->ifindex;
	out->n_rules = o.n_rules;
	memcpy(out->rules, o.rules, sizeof(out->rules));
	memcpy(out->prefix, o.prefix, 16);
	out->prefix_len = o.prefix_len;
	out->mesh = o.mesh;
	out->xdp_mode = (enum attach_xdp_mode)val_or(s, UK_XDP_MODE, ATTACH_XDP_AUTO);
	out->max_flows = (__u32)val_or(s, UK_MAX_FLOWS, 0);
	return 0;
}
