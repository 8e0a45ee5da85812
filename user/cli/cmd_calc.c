// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_calc.c - `mapce calc`: derive and print a CE's MAP-E parameters
 * (IPv4 address, PSID, port set, MAP IPv6 address) from rules and a prefix,
 * without touching the kernel.  Text or, with -j, one JSON object.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "mapce_rule.h"
#include "core/output.h"
#include "core/config_file.h"
#include "core/rule_config.h"
#include "core/rule_source.h"

#define CALC_RANGES_PER_LINE 6 /* text mode: port ranges per line */

static int calc_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct up_settings *s = ctx;
	char m[1024];

	if (up_settings_apply(s, opt->val, arg, 0, m, sizeof(m))) {
		pr_err("calc: %s", m);
		return s->usage_err ? EXIT_USAGE : 1;
	}
	return 0;
}

static const struct opt_group *const calc_groups[] = {
	&up_source_group, &mapce_rule_group,	 &mapce_domain_group,
	&mapce_ce_group,  &mapce_explicit_group, NULL,
};

const struct cli_spec calc_spec = {
	.name = "calc",
	.synopsis = "[-j|-p] calc --isp NAME --prefix PFX\n"
		    "[-j|-p] calc --dhcpv6-option HEX [--prefix PFX]\n"
		    "[-j|-p] calc RULE... --prefix PFX [--legacy-iid] [--br ADDR] [--mesh]\n"
		    "[-j|-p] calc --ipv4 ADDR --psid N --psid-len K [--psid-offset A]\n"
		    "                   [--prefix PFX] [--legacy-iid] [--br ADDR]",
	.description =
		"Derive a CE's IPv4 address, PSID, port set and MAP IPv6 address from a "
		"service's table (--isp), the line's DHCPv6 option, or rules; touches nothing.  "
		"The prefix may be the delegated /56 or only the /64 of an RA: the rule says how "
		"many of its bits count.  The explicit form without a prefix gives the port set "
		"(the MAP address needs a prefix).",
	.groups = calc_groups,
	.examples = "  mapce calc --isp v6plus --prefix 240b:10:3f6c:d400::/56\n"
		    "  mapce calc --isp auto --prefix 2404:7a82:4d02:4100::/64 -j\n"
		    "  mapce calc --rule 2001:db8::/40,192.0.2.0/24,16,6 --prefix "
		    "2001:db8:12:3400::/56\n"
		    "  mapce calc --ipv4 192.0.2.18 --psid 52 --psid-len 8 --psid-offset 4\n",
	.on_opt = calc_opt,
};

static const char *fmt6(const __u8 a[16], char *buf, size_t len)
{
	if (!inet_ntop(AF_INET6, a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

static void print_ports(const struct mapce_derived *d)
{
	__u32 size = mapce_range_size(d->psid_offset, d->psid_len);

	out_text("%-16s", "ports");
	out_open_array("ports");
	for (__u32 i = 0; i < d->range_count; i++) {
		__u32 first = mapce_range_first(d->psid_offset, d->psid_len, d->psid, i);

		if (i && i % CALC_RANGES_PER_LINE == 0)
			out_text("\n%-16s", "");
		else if (i)
			out_text(" ");
		out_open_array(NULL);
		out_uint(NULL, "%llu-", first);
		out_uint(NULL, "%llu", first + size - 1);
		out_close_array();
	}
	out_close_array();
	out_text("\n");
}

static void print_rules(const struct mapce_opts *o, const struct mapce_derived *d)
{
	char buf[INET6_ADDRSTRLEN + 8], a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];

	out_open_array("rules");
	for (int i = 0; i < o->n_rules; i++) {
		const struct mapce_rule *r = &o->rules[i];

		out_open_object(NULL);
		/* JSON indexes from 0 (like "bmr"); text counts from 1, like
		 * the error messages ("rule 2: ...") */
		out_int("index", NULL, i);
		out_text("rule %-11d", i + 1);
		snprintf(buf, sizeof(buf), "%s/%u", fmt6(r->ipv6_prefix, a6, sizeof(a6)),
			 r->ipv6_prefix_len);
		out_str("ipv6_prefix", "%s", buf);
		inet_ntop(AF_INET, &r->ipv4_prefix, a4, sizeof(a4));
		snprintf(buf, sizeof(buf), "%s/%u", a4, r->ipv4_prefix_len);
		out_str("ipv4_prefix", " -> %s", buf);
		out_uint("ea_len", "  ea-len %llu", r->ea_len);
		out_uint("psid_offset", "  offset %llu", r->psid_offset);
		out_uint("psid_len", "  psid-len %llu", r->psid_len);
		out_bool("fmr", (r->flags & MAPCE_RULE_F_FMR) ? "  fmr" : NULL,
			 r->flags & MAPCE_RULE_F_FMR);
		out_bool("bmr", i == d->bmr ? "  (BMR)" : NULL, i == d->bmr);
		out_text("\n");
		out_close_object();
	}
	out_close_array();
}

static void print_derived(const struct mapce_opts *o, const struct mapce_derived *d,
			  const struct rule_source *src)
{
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];

	out_open_object(NULL);
	out_str("source", "source          %s\n", src->what);
	if (src->origin == RULE_FROM_ISP)
		out_str("isp", "isp             %s\n", src->tables[src->table].name);
	else
		out_null("isp", NULL);
	if (src->rule[0])
		out_str("rule", "rule            %s\n", src->rule);
	else
		out_null("rule", NULL);
	out_str("mode", "mode            %s", d->bmr >= 0 ? "rule" : "explicit");
	if (d->bmr >= 0) {
		out_int("bmr", NULL, d->bmr);
		out_text(" (BMR: rule %d of %d)\n", d->bmr + 1, o->n_rules);
	} else
		out_null("bmr", " (lw4o6, no rule)\n");
	inet_ntop(AF_INET, &d->ipv4, a4, sizeof(a4));
	out_str("ipv4", "ipv4            %s", a4);
	out_uint("ipv4_prefix_len",
		 d->ipv4_len < 32 ? "/%llu (an IPv4 prefix, no sharing)\n" : "\n", d->ipv4_len);
	snprintf(buf, sizeof(buf), "0x%x", d->psid);
	out_uint("psid", "psid            %llu", d->psid);
	out_str("psid_hex", " (%s)\n", buf);
	out_uint("psid_len", "psid_len        %llu\n", d->psid_len);
	out_uint("psid_offset", "psid_offset     %llu\n", d->psid_offset);
	out_uint("sharing_ratio", "sharing_ratio   %llu\n", 1ull << d->psid_len);
	out_uint("port_count", "port_count      %llu", d->port_count);
	out_uint("range_count", d->range_count == 1 ? " (%llu range" : " (%llu ranges",
		 d->range_count);
	out_uint("range_size", " of %llu)\n", mapce_range_size(d->psid_offset, d->psid_len));
	print_ports(d);
	out_str("iid_format", "iid_format      %s\n", o->legacy_iid ? "legacy" : "rfc7597");
	if (d->have_ce_ipv6) {
		out_str("ce_ipv6", "ce_ipv6         %s\n", fmt6(d->ce_ipv6, a6, sizeof(a6)));
		out_str("ce_ipv6_rfc", "ce_ipv6_rfc     %s\n",
			fmt6(d->ce_ipv6_rfc, a6, sizeof(a6)));
		out_str("ce_ipv6_legacy", "ce_ipv6_legacy  %s\n",
			fmt6(d->ce_ipv6_legacy, a6, sizeof(a6)));
	} else {
		out_null("ce_ipv6", "ce_ipv6         (the MAP address needs --prefix)\n");
		out_null("ce_ipv6_rfc", NULL);
		out_null("ce_ipv6_legacy", NULL);
	}
	if (d->have_br)
		out_str("br", "br              %s\n", fmt6(d->br, a6, sizeof(a6)));
	else
		out_null("br", "br              (none)\n");
	if (d->have_ce_ipv6) {
		snprintf(buf, sizeof(buf), "%s/%u", fmt6(d->end_user_prefix, a6, sizeof(a6)),
			 d->end_user_len);
		out_str("end_user_prefix", "end_user_prefix %s\n", buf);
	} else {
		out_null("end_user_prefix", NULL);
	}
	out_bool("mesh", "mesh            %s\n", o->mesh);
	print_rules(o, d);
	out_close_object();
	out_finish();
}

int cmd_calc(int argc, char **argv)
{
	static struct up_settings s;
	static struct rule_source src;
	struct mapce_opts o;
	struct mapce_derived d;
	char msg[1024];
	int ret;

	up_settings_init(&s);
	ret = cli_parse(&calc_spec, argc, argv, &s, NULL);
	if (ret != CLI_GO)
		return ret;
	if (up_settings_check(&s, msg, sizeof(msg)) ||
	    rule_source_load(&s, &src, msg, sizeof(msg))) {
		pr_err("calc: %s", msg);
		return 1;
	}
	o = s.rule;
	if (rule_source_apply(&src, &o, msg, sizeof(msg))) {
		pr_err("calc: %s", msg);
		return !o.have_prefix && src.origin == RULE_FROM_ISP ? EXIT_USAGE : 1;
	}
	if (mapce_derive(&o, &d, msg, sizeof(msg))) {
		pr_err("calc: %s", msg);
		return o.usage_err ? EXIT_USAGE : 1;
	}
	if (!src.rule[0] && d.bmr >= 0)
		mapce_rule_format(&o.rules[d.bmr], src.rule, sizeof(src.rule));
	print_derived(&o, &d, &src);
	return 0;
}
