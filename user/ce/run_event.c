// SPDX-License-Identifier: GPL-2.0-only
/*
 * run_event.c - one pass of `mapce run` as one log line (run_event.h):
 * the biggest change names the event (a new prefix, a reload, a repair, a
 * config change, a new next hop), the others follow in its message.
 */
#include <string.h>

#include "ce/reconcile.h"
#include "ce/run_event.h"
#include "core/mode.h"
#include "core/addrfmt.h"

const char *run_prefix_str(const struct ce_up_params *p, char *buf, size_t len)
{
	char a[IP6_STRLEN];

	snprintf(buf, len, "%s/%u", ip6_str(p->prefix, a), p->prefix_len);
	return buf;
}

const char *run_summary(const struct ce_up_params *p, char *buf, size_t len)
{
	const struct mapce_config *c = &p->cfg;
	char a[IP4_STRLEN], b[IP6_STRLEN], pfx[64];

	snprintf(buf, len, "ipv4 %s psid %u (%u ports), prefix %s, MAP address %s",
		 ip4_str(c->ipv4, a), c->psid, mode_napt_port_count(c),
		 run_prefix_str(p, pfx, sizeof(pfx)), ip6_str(c->ce_ipv6, b));
	return buf;
}

static void nat_of(const struct ce_up_params *p, const struct mapce_config *c, struct run_nat *n)
{
	run_prefix_str(p, n->prefix, sizeof(n->prefix));
	n->ipv4 = c->ipv4;
	n->psid = c->psid;
	memcpy(n->ce_ipv6, c->ce_ipv6, 16);
}

/* What a new address or port set cut, and kept. */
static void counts(const struct ce_up_result *res, struct run_event *ev)
{
	if (!res->pruned)
		return;
	ev->counts = true;
	ev->bindings_dropped = res->nat.bindings_dropped;
	ev->bindings_kept = res->nat.bindings_kept;
	ev->flows_dropped = res->nat.flows_dropped;
	run_log_add(ev, "%ld bindings dropped, %ld kept", res->nat.bindings_dropped,
		    res->nat.bindings_kept);
	if (res->nat.flows_dropped)
		run_log_add(ev, "%ld flows dropped", res->nat.flows_dropped);
}

/* The smaller things a pass may have done besides its event.  missing:
 * what to say was put back (a new MAP address is not a repair). */
static void extras(const struct run_pass *ps, unsigned int missing, struct run_event *ev)
{
	const struct ce_up_result *res = ps->res;
	char a[IP6_STRLEN], b[IP6_STRLEN], m[160];

	if (missing)
		run_log_add(ev, "put back %s", ce_missing_str(missing, m, sizeof(m)));
	if (res->forwards_added || res->forwards_removed)
		run_log_add(ev, "port forwards +%d -%d", res->forwards_added,
			    res->forwards_removed);
	if (res->route_changed && memcmp(res->old_gw, res->gw, 16))
		run_log_add(ev, "next hop %s -> %s", ip6_str(res->old_gw, a), ip6_str(res->gw, b));
	if (ps->note && ps->note[0])
		run_log_add(ev, "%s", ps->note);
}

static bool first_pass(const struct run_pass *ps, struct run_event *ev)
{
	const struct ce_up_result *res = ps->res;
	char s[512], d[1024];

	ev->event = "start";
	run_summary(ps->now, s, sizeof(s));
	switch (res->mode) {
	case DEPLOY_FRESH:
		run_log_add(ev, "up: %s", s);
		break;
	case DEPLOY_COMPLETE:
	case DEPLOY_REPAIR: /* extras() says what was put back */
		run_log_add(ev, "took over the running CE: %s", s);
		break;
	case DEPLOY_RECONFIGURE:
		run_log_add(ev, "took over the running CE: %s", s);
		if (res->old_cfg_valid &&
		    ce_config_diff_text(&res->old_cfg, &ps->now->cfg, true, d, sizeof(d)))
			run_log_add(ev, "%s", d);
		counts(res, ev);
		break;
	}
	/* a new MAP address is a change, not a repair */
	extras(ps,
	       res->missing &
		       ~(res->old_cfg_valid && (ce_config_diff(&res->old_cfg, &ps->now->cfg) &
						CE_CH_ADDRESS)
				 ? (unsigned int)DEPLOY_MISS_ADDR
				 : 0u),
	       ev);
	return true;
}

bool run_event_describe(const struct run_pass *ps, struct run_event *ev)
{
	const struct ce_up_result *res = ps->res;
	const struct mapce_config *old, *new = &ps->now->cfg;
	unsigned int diff;
	char m[160], d[1024];

	memset(ev, 0, sizeof(*ev));
	if (!ps->before)
		return first_pass(ps, ev);
	/* what ran: as pinned (a reconcile reads it), else as last planned */
	old = res->old_cfg_valid ? &res->old_cfg : &ps->before->cfg;
	diff = ce_config_diff(old, new);
	if (diff & (CE_CH_NAT | CE_CH_ADDRESS)) {
		ev->event = "prefix";
		ev->nat = true;
		nat_of(ps->before, old, &ev->old);
		nat_of(ps->now, new, &ev->new);
		run_log_add(ev, "%s -> %s:", ev->old.prefix, ev->new.prefix);
		ce_config_diff_text(old, new, true, d, sizeof(d));
		run_log_add(ev, " %s", d);
		counts(res, ev);
		extras(ps,
		       res->missing & ~(diff & CE_CH_ADDRESS ? (unsigned int)DEPLOY_MISS_ADDR : 0u),
		       ev);
		return true;
	}
	ce_config_diff_text(old, new, false, d, sizeof(d));
	if (ps->reload) {
		ev->event = "reload";
		run_log_add(ev,
			    "%s:", ps->config && ps->config[0] ? ps->config : "(no config file)");
		run_log_add(ev, " %s", d[0] ? d : "no change in the parameters");
		extras(ps, res->missing, ev);
		return true;
	}
	if (res->missing) {
		ev->event = "repair";
		run_log_add(ev, "%sput back %s", ps->link_came_up ? "link up: " : "",
			    ce_missing_str(res->missing, m, sizeof(m)));
		if (d[0])
			run_log_add(ev, "%s", d);
		extras(ps, 0, ev);
		return true;
	}
	if (d[0]) {
		ev->event = "config";
		run_log_add(ev, "%s", d);
		extras(ps, 0, ev);
		return true;
	}
	if (res->route_changed || res->forwards_added || res->forwards_removed ||
	    (ps->note && ps->note[0])) {
		ev->event = "route";
		extras(ps, 0, ev);
		if (res->route_changed && !memcmp(res->old_gw, res->gw, 16))
			run_log_add(ev, "route mtu %u -> %u", res->old_mtu, new->mtu);
		if (res->forwards_added || res->forwards_removed || (ps->note && ps->note[0]))
			ev->event = "config";
		return true;
	}
	if (ps->link_came_up) {
		ev->event = "link";
		run_log_add(ev, "up: nothing was missing");
		return true;
	}
	return false;
}
