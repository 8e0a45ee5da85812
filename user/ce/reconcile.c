// SPDX-License-Identifier: GPL-2.0-only
/*
 * reconcile.c - what a change of the CE's parameters means for the state
 * that runs, and which kernel events `mapce run` must look at
 * (reconcile.h).  Pure: no system calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "mapce_rule.h"
#include "ce/reconcile.h"
#include "core/addrfmt.h"
#include "core/config_file.h"
#include "core/policy.h"

unsigned int ce_config_diff(const struct mapce_config *old, const struct mapce_config *new)
{
	struct mapce_config o = *old;
	unsigned int ch = 0;

	if (old->ipv4 != new->ipv4 || old->psid != new->psid || old->psid_len != new->psid_len ||
	    old->psid_offset != new->psid_offset)
		ch |= CE_CH_NAT;
	if (memcmp(old->ce_ipv6, new->ce_ipv6, 16))
		ch |= CE_CH_ADDRESS;
	if (memcmp(old->br_ipv6, new->br_ipv6, 16))
		ch |= CE_CH_BR;
	if (old->wan_ifindex != new->wan_ifindex)
		ch |= CE_CH_IFINDEX;
	/* the rest: what is left once those are equal */
	memcpy(o.ce_ipv6, new->ce_ipv6, 16);
	memcpy(o.br_ipv6, new->br_ipv6, 16);
	o.ipv4 = new->ipv4;
	o.psid = new->psid;
	o.psid_len = new->psid_len;
	o.psid_offset = new->psid_offset;
	o.port_count = new->port_count;
	o.wan_ifindex = new->wan_ifindex;
	if (memcmp(&o, new, sizeof(o)))
		ch |= CE_CH_TUNE;
	return ch;
}

/* One "name old -> new" item appended to buf. */
struct text {
	char *buf;
	size_t len, n;
};

static void __attribute__((format(printf, 2, 3))) item(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->n + 1 >= t->len)
		return;
	if (t->n) {
		w = snprintf(t->buf + t->n, t->len - t->n, ", ");
		t->n += (size_t)w < t->len - t->n ? (size_t)w : t->len - t->n - 1;
	}
	va_start(ap, fmt);
	w = vsnprintf(t->buf + t->n, t->len - t->n, fmt, ap);
	va_end(ap);
	if (w > 0)
		t->n += (size_t)w < t->len - t->n ? (size_t)w : t->len - t->n - 1;
}

static void num(struct text *t, const char *name, unsigned long a, unsigned long b)
{
	if (a != b)
		item(t, "%s %lu -> %lu", name, a, b);
}

static void flag(struct text *t, const char *name, const struct mapce_config *o,
		 const struct mapce_config *n, __u8 f)
{
	if ((o->flags & f) != (n->flags & f))
		item(t, "%s %s -> %s", name, o->flags & f ? "on" : "off",
		     n->flags & f ? "on" : "off");
}

static void addr6(struct text *t, const char *name, const __u8 *a, const __u8 *b)
{
	char x[IP6_STRLEN], y[IP6_STRLEN];

	if (memcmp(a, b, 16))
		item(t, "%s %s -> %s", name, ip6_str(a, x), ip6_str(b, y));
}

static const char *mss_str(__u16 v, char buf[16])
{
	if (!v)
		return "off";
	snprintf(buf, 16, "%u", v);
	return buf;
}

size_t ce_config_diff_text(const struct mapce_config *o, const struct mapce_config *n, bool nat,
			   char *buf, size_t len)
{
	struct text t = { buf, len, 0 };
	char a[IP4_STRLEN], b[IP4_STRLEN], m1[16], m2[16];

	if (!len)
		return 0;
	buf[0] = '\0';
	if (nat) {
		if (o->ipv4 != n->ipv4)
			item(&t, "ipv4 %s -> %s", ip4_str(o->ipv4, a), ip4_str(n->ipv4, b));
		num(&t, "psid", o->psid, n->psid);
		num(&t, "psid length", o->psid_len, n->psid_len);
		num(&t, "psid offset", o->psid_offset, n->psid_offset);
		addr6(&t, "MAP address", o->ce_ipv6, n->ce_ipv6);
	}
	num(&t, "ipv4 prefix length", o->ipv4_prefix_len, n->ipv4_prefix_len);
	addr6(&t, "BR", o->br_ipv6, n->br_ipv6);
	num(&t, "mtu", o->mtu, n->mtu);
	if (o->mss_clamp != n->mss_clamp)
		item(&t, "mss clamp %s -> %s", mss_str(o->mss_clamp, m1),
		     mss_str(n->mss_clamp, m2));
	num(&t, "hop limit", o->hop_limit, n->hop_limit);
	num(&t, "encap limit", o->encap_limit, n->encap_limit);
	if (o->filtering != n->filtering)
		item(&t, "filtering %s -> %s", filtering_str(o->filtering),
		     filtering_str(n->filtering));
	num(&t, "max per host", o->max_per_host, n->max_per_host);
	num(&t, "timeout udp", o->timeout_udp, n->timeout_udp);
	num(&t, "timeout tcp established", o->timeout_tcp_est, n->timeout_tcp_est);
	num(&t, "timeout tcp transitory", o->timeout_tcp_trans, n->timeout_tcp_trans);
	num(&t, "timeout icmp", o->timeout_icmp, n->timeout_icmp);
	num(&t, "gc interval ms", o->gc_interval_ms, n->gc_interval_ms);
	flag(&t, "mesh", o, n, MAPCE_CFG_F_MESH);
	flag(&t, "legacy iid", o, n, MAPCE_CFG_F_LEGACY_IID);
	num(&t, "wan ifindex", o->wan_ifindex, n->wan_ifindex);
	return t.n;
}

bool ce_outside_fits(const struct mapce_config *c, __be32 ip, __be16 port)
{
	return ip == c->ipv4 &&
	       mapce_port_in_set(c->psid_offset, c->psid_len, c->psid, ntohs(port));
}

/* ---- events -------------------------------------------------------------- */

static enum ce_ev_verdict link_verdict(const struct ce_watch *w, const struct nl_link_info *l)
{
	if (l->ifindex == w->wan_ifindex) {
		if (l->removed)
			return CE_EV_GONE;
		return l->up && l->running ? CE_EV_LINK_UP : CE_EV_LINK_DOWN;
	}
	/* the prefix-from link going down takes the prefix with it */
	if (l->ifindex == w->addr_ifindex)
		return CE_EV_CHECK;
	/* a link taking the WAN's name: the WAN recreated */
	if (!l->removed && l->name[0] && !strcmp(l->name, w->wan))
		return CE_EV_CHECK;
	return CE_EV_IGNORE;
}

static enum ce_ev_verdict addr_verdict(const struct ce_watch *w, const struct nl_event *ev)
{
	const struct nl_addr6_info *a = &ev->addr6;
	bool mine = !memcmp(a->a.addr, w->map_addr, 16);

	if (a->ifindex != w->wan_ifindex && a->ifindex != w->addr_ifindex)
		return CE_EV_IGNORE;
	if (a->a.scope != RT_SCOPE_UNIVERSE)
		return CE_EV_IGNORE; /* link-local: never a prefix */
	if (ev->kind == NL_EV_ADDR6_NEW) {
		/* our own address is our echo; a tentative one is not usable
		 * yet (the NEW that clears the flag follows) */
		if (mine || (a->a.flags & IFA_F_TENTATIVE))
			return CE_EV_IGNORE;
		return CE_EV_CHECK;
	}
	return CE_EV_CHECK; /* a prefix gone, or our address taken away */
}

static enum ce_ev_verdict route_verdict(const struct ce_watch *w, const struct nl_event *ev)
{
	const struct nl_route *r = &ev->route;

	/* the local table mirrors addresses: their own events say it */
	if (r->table == RT_TABLE_LOCAL)
		return CE_EV_IGNORE;
	if (r->protocol == RTPROT_MAPCE)
		/* ours: adding it is our echo, its loss needs repair */
		return ev->kind == NL_EV_ROUTE_DEL && r->oif == w->wan_ifindex ? CE_EV_CHECK
									       : CE_EV_IGNORE;
	/* IPv6 routes decide the next hop toward the BR: the WAN's, and
	 * default routes wherever they point */
	if (r->family == AF_INET6 && (r->oif == w->wan_ifindex || r->dst_len == 0))
		return CE_EV_CHECK;
	return CE_EV_IGNORE;
}

enum ce_ev_verdict ce_event_verdict(const struct ce_watch *w, const struct nl_event *ev)
{
	switch (ev->kind) {
	case NL_EV_LINK:
		return link_verdict(w, &ev->link);
	case NL_EV_ADDR6_NEW:
	case NL_EV_ADDR6_DEL:
		return addr_verdict(w, ev);
	case NL_EV_ROUTE_NEW:
	case NL_EV_ROUTE_DEL:
		return route_verdict(w, ev);
	case NL_EV_OVERFLOW:
		return CE_EV_CHECK; /* events lost: look at everything again */
	}
	return CE_EV_IGNORE;
}
