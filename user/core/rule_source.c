// SPDX-License-Identifier: GPL-2.0-only
/*
 * rule_source.c - the rule sources (rule_source.h): loading an ISP table
 * or a DHCPv6 option, and handing their rules to the derivation as if
 * they had been given as --rule options (so they pass the same checks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/output.h"
#include "core/rule_source.h"
#include "core/text_file.h"

#define DHCPV6_FILE_MAX (S46_HEX_MAX + 64) /* hex, separators, a newline */

/* Every table an "auto" search needs (static: they are large). */
static struct isp_table isp_tables[ISP_MAX_TABLES];

static int load_isp(const struct up_settings *s, struct rule_source *src, char *err, size_t errlen)
{
	char where[PATH_MAX + 64], m[768];
	int n;

	up_settings_where(s, UK_ISP, where, sizeof(where));
	if (!strcmp(s->isp, "auto")) {
		n = isp_load_all(isp_tables, ISP_MAX_TABLES, m, sizeof(m));
		if (n < 0)
			return mapce_errf(err, errlen, "%s auto: %s", where, m);
		if (n == 0)
			return mapce_errf(err, errlen, "%s auto: no ISP table", where);
	} else {
		if (isp_load(s->isp, &isp_tables[0], m, sizeof(m)))
			return mapce_errf(err, errlen, "%s %s: %s", where, s->isp, m);
		n = 1;
	}
	src->origin = RULE_FROM_ISP;
	src->tables = isp_tables;
	src->n_tables = n;
	snprintf(src->what, sizeof(src->what), "isp %s", s->isp);
	return 0;
}

static int load_dhcpv6(const struct up_settings *s, struct rule_source *src, char *err,
		       size_t errlen)
{
	bool file = s->set[UK_DHCPV6_OPTION_FILE];
	char where[PATH_MAX + 64], m[768], *text = NULL;
	const char *hex = s->dhcpv6;
	int ret;

	up_settings_where(s, file ? UK_DHCPV6_OPTION_FILE : UK_DHCPV6_OPTION, where, sizeof(where));
	if (file) {
		ret = text_file_read(s->dhcpv6_file, DHCPV6_FILE_MAX, &text, m, sizeof(m));
		if (ret == -ENOENT)
			return mapce_errf(err, errlen,
					  "%s: no file %s (has the DHCPv6 client "
					  "received the option?)",
					  where, s->dhcpv6_file);
		if (ret)
			return mapce_errf(err, errlen, "%s: %s", where, m);
		hex = text;
	}
	ret = s46_parse_hex(hex, &src->s46, m, sizeof(m));
	free(text);
	if (ret)
		return mapce_errf(err, errlen, "%s: %s", where, m);
	src->origin = RULE_FROM_DHCPV6;
	snprintf(src->what, sizeof(src->what), "DHCPv6 option %d%s%s%s", src->s46.container,
		 file ? " (" : "", file ? s->dhcpv6_file : "", file ? ")" : "");
	return 0;
}

int rule_source_load(const struct up_settings *s, struct rule_source *src, char *err, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	src->table = -1;
	if (s->set[UK_ISP])
		return load_isp(s, src, err, errlen);
	if (s->set[UK_DHCPV6_OPTION] || s->set[UK_DHCPV6_OPTION_FILE])
		return load_dhcpv6(s, src, err, errlen);
	src->origin = RULE_FROM_OPTIONS;
	snprintf(src->what, sizeof(src->what), "%s",
		 s->rule_given && s->rule_line ? s->path : "command line");
	return 0;
}

bool rule_source_holds(const struct rule_source *src, const __u8 addr[16], __u8 *len)
{
	int ti, ri;

	if (src->origin != RULE_FROM_ISP ||
	    isp_match(src->tables, src->n_tables, addr, 128, &ti, &ri, NULL, 0))
		return false;
	*len = src->tables[ti].rules[ri].rule.ipv6_prefix_len +
	       src->tables[ti].rules[ri].rule.ea_len;
	return true;
}

/* Hand r to o as if it had been given as --rule (so it passes the same
 * checks and carries the same bookkeeping). */
static int add_rule(struct mapce_opts *o, const struct mapce_rule *r, char *err, size_t errlen)
{
	char spec[160];

	mapce_rule_format(r, spec, sizeof(spec));
	return mapce_opts_handle(o, MAPCE_OPT_RULE, spec, err, errlen);
}

static int apply_isp(struct rule_source *src, struct mapce_opts *o, char *err, size_t errlen)
{
	const struct isp_table *t;
	const struct isp_rule *ir;
	char a[INET6_ADDRSTRLEN], spec[160];
	int ti, ri;

	if (!o->have_prefix)
		return mapce_errf(err, errlen,
				  "%s: the CE prefix is needed to choose the rule "
				  "(--prefix)",
				  src->what);
	if (isp_match(src->tables, src->n_tables, o->prefix, o->prefix_len, &ti, &ri, err, errlen))
		return -1;
	t = &src->tables[ti];
	ir = &t->rules[ri];
	src->table = ti;
	if (add_rule(o, &ir->rule, err, errlen))
		return -1;
	if (o->mesh) {
		/* every other rule of the service as an FMR, if the datapath
		 * holds them all */
		if (t->n_rules > MAPCE_MAX_RULES)
			return mapce_errf(err, errlen,
					  "--mesh with isp %s: its %d rules are more "
					  "than the %d the datapath holds",
					  t->name, t->n_rules, MAPCE_MAX_RULES);
		for (int i = 0; i < t->n_rules; i++)
			if (i != ri && add_rule(o, &t->rules[i].rule, err, errlen))
				return -1;
	}
	if (!o->have_br) {
		memcpy(o->br, t->br[ir->br], 16);
		o->have_br = true;
	}
	o->legacy_iid = o->legacy_iid || t->legacy_iid;
	mapce_rule_format(&ir->rule, spec, sizeof(spec));
	snprintf(src->rule, sizeof(src->rule), "%s (isp %s, %s, BR %s)", spec, t->name, t->date,
		 inet_ntop(AF_INET6, t->br[ir->br], a, sizeof(a)));
	return 0;
}

static int apply_dhcpv6(struct rule_source *src, struct mapce_opts *o, char *err, size_t errlen)
{
	const struct s46_params *p = &src->s46;

	if (p->container == S46_OPT_AFTR_NAME)
		return mapce_errf(err, errlen,
				  "%s (OPTION_AFTR_NAME, the AFTR %s) is for --mode dslite, "
				  "not MAP rules",
				  src->what, p->aftr_name);
	if (p->container == S46_OPT_CONT_LW) {
		/* lw4o6: the binding is the explicit form */
		o->ipv4 = p->bind_ipv4;
		o->psid = p->psid;
		o->psid_len = p->psid_len;
		o->psid_offset = p->psid_offset;
		o->have_ipv4 = o->have_psid = o->have_psid_len = o->have_psid_offset = true;
		if (!o->have_prefix && p->bind_prefix_len) {
			memcpy(o->prefix, p->bind_prefix, 16);
			o->prefix_len = p->bind_prefix_len;
			o->have_prefix = true;
		}
	} else {
		for (int i = 0; i < p->n_rules; i++) {
			if (p->offset_defaulted[i])
				pr_warn("%s: rule %d has no S46_PORTPARAMS: PSID offset %u, the "
					"RFC 7597 default",
					src->what, i + 1, p->rules[i].psid_offset);
			if (add_rule(o, &p->rules[i], err, errlen))
				return -1;
		}
	}
	if (!o->have_br) {
		memcpy(o->br, p->br[0], 16);
		o->have_br = true;
	}
	return 0;
}

int rule_source_apply(struct rule_source *src, struct mapce_opts *o, char *err, size_t errlen)
{
	switch (src->origin) {
	case RULE_FROM_ISP:
		return apply_isp(src, o, err, errlen);
	case RULE_FROM_DHCPV6:
		return apply_dhcpv6(src, o, err, errlen);
	default:
		return 0;
	}
}
