// SPDX-License-Identifier: GPL-2.0-only
/*
 * rule_config.c - MAP rule options from the command line (and the config
 * file's rule keys): parsing each option into struct mapce_opts, with
 * messages that name the wrong value.  The checks of the whole and the
 * derivation of a CE's parameters are in rule_validate.c.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/rule_internal.h"

/* The options that build the rules: each may be given again (a new
 * --rule-ipv6 or --rule starts a rule, the others extend it; a per-rule
 * option twice in one rule is cur_rule()'s error). */
static const struct opt_def rule_opts[] = {
	{ "rule-ipv6", "PFX", "rule IPv6 prefix, at most /64 (OpenWrt ip6prefix/ip6prefixlen)",
	  MAPCE_OPT_RULE_IPV6, OPT_REPEAT },
	{ "rule-ipv4", "PFX", "rule IPv4 prefix (OpenWrt ipaddr/ip4prefixlen)", MAPCE_OPT_RULE_IPV4,
	  OPT_REPEAT },
	{ "ea-len", "N", "EA-bits length o, 0-48 (OpenWrt ealen)", MAPCE_OPT_EA_LEN, OPT_REPEAT },
	{ "psid-offset", "A",
	  "PSID offset a, 0-15, default " OPT_STR(MAPCE_DEFAULT_PSID_OFFSET) " (OpenWrt offset)",
	  MAPCE_OPT_PSID_OFFSET, OPT_REPEAT },
	{ "psid-len", "K", "optional check: must equal o - (32 - r4) (OpenWrt psidlen)",
	  MAPCE_OPT_PSID_LEN, OPT_REPEAT },
	{ "fmr", NULL, "the rule is also a forwarding rule (FMR)", MAPCE_OPT_FMR, OPT_REPEAT },
	{ "rule", "IPV6PFX,IPV4PFX,EALEN,OFFSET[,fmr]", "the same in one option", MAPCE_OPT_RULE,
	  OPT_REPEAT },
	{},
};

static const struct opt_def domain_opts[] = {
	{ "br", "ADDR", "BR IPv6 address (OpenWrt peeraddr)", MAPCE_OPT_BR },
	{ "legacy-iid", NULL,
	  "CE addresses use the draft-03 interface identifier (v6plus, OCN, BIGLOBE; OpenWrt "
	  "legacymap)",
	  MAPCE_OPT_LEGACY_IID },
	{},
};

static const struct opt_def ce_opts[] = {
	{ "prefix", "PFX",
	  "the CE's delegated IPv6 prefix (PD /56, or an RA /64); selects the BMR (longest rule "
	  "IPv6 prefix containing it)",
	  MAPCE_OPT_PREFIX },
	{ "mesh", NULL, "every rule is also an FMR (CE-to-CE traffic direct)", MAPCE_OPT_MESH },
	{},
};

static const struct opt_def explicit_opts[] = {
	{ "ipv4", "ADDR[/LEN]",
	  "the CE's IPv4 address: --ipv4 ADDR --psid N --psid-len K [--psid-offset A] --prefix "
	  "PFX instead of a rule; the CE address is PFX's first /64 + the interface id. "
	  "--mode ipip6: the fixed address, or ADDR/LEN (/24-/32) a routed prefix: the LAN is "
	  "NAPT-ed into ADDR, hosts holding its other addresses are routed untranslated",
	  MAPCE_OPT_IPV4 },
	{ "psid", "N", "the CE's PSID, 0-65535", MAPCE_OPT_PSID },
	{},
};

const struct opt_group mapce_rule_group = {
	"MAP rules (repeat for several rules: a new --rule-ipv6 or --rule starts a rule, the "
	"options after it belong to it; numbers are decimal or 0x hex)",
	rule_opts,
};
const struct opt_group mapce_domain_group = { "MAP domain (the same on its CEs and its BR)",
					      domain_opts };
const struct opt_group mapce_ce_group = { "CE", ce_opts };
const struct opt_group mapce_explicit_group = {
	"Explicit form (lw4o6, RFC 7596; no rule)",
	explicit_opts,
};
const struct opt_group *const mapce_rule_groups[] = {
	&mapce_rule_group, &mapce_domain_group, &mapce_ce_group, &mapce_explicit_group, NULL,
};

int rule_usage_fail(struct mapce_opts *o, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	o->usage_err = true;
	va_start(ap, fmt);
	mapce_verrf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

void mapce_opts_init(struct mapce_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->psid_offset = MAPCE_DEFAULT_PSID_OFFSET;
}

const char *mapce_rule_format(const struct mapce_rule *r, char *buf, size_t len)
{
	char a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u,%s/%u,%u,%u%s", fmt6(r->ipv6_prefix, a6), r->ipv6_prefix_len,
		 fmt4(r->ipv4_prefix, a4), r->ipv4_prefix_len, r->ea_len, r->psid_offset,
		 (r->flags & MAPCE_RULE_F_FMR) ? ",fmr" : "");
	return buf;
}

/* Start a new rule with its IPv6 prefix. */
static struct mapce_rule *new_rule(struct mapce_opts *o, const char *name, const char *arg,
				   char *err, size_t errlen)
{
	struct mapce_rule *r;

	if (o->n_rules >= MAPCE_MAX_RULES) {
		BAD("%s %s: too many rules (at most %d)", name, arg, MAPCE_MAX_RULES);
		return NULL;
	}
	r = &o->rules[o->n_rules];
	memset(r, 0, sizeof(*r));
	r->psid_offset = MAPCE_DEFAULT_PSID_OFFSET;
	o->rule_seen[o->n_rules] = 0;
	o->seen = 0;
	return r;
}

/* --rule IPV6PFX,IPV4PFX,EALEN,OFFSET[,fmr] */
static int handle_compact(struct mapce_opts *o, const char *arg, char *err, size_t errlen)
{
	char buf[256], *field[6], *save = NULL, *tok;
	struct mapce_rule rule = {}, *r;
	unsigned long v;
	int n = 0;

	if (strlen(arg) >= sizeof(buf))
		return BAD("--rule '%.40s...': too long", arg);
	strcpy(buf, arg);
	/* strtok would merge empty fields ("a,,b"): count commas first */
	for (const char *p = arg; *p; p++)
		n += *p == ',';
	if (n < 3 || n > 4)
		return BAD("--rule '%s': expected IPV6PFX,IPV4PFX,EALEN,OFFSET[,fmr] "
			   "(4 or 5 fields), got %d",
			   arg, n + 1);
	n = 0;
	for (tok = strtok_r(buf, ",", &save); tok && n < 6; tok = strtok_r(NULL, ",", &save))
		field[n++] = tok;
	if (n < 4 || n > 5 || arg[0] == ',' || arg[strlen(arg) - 1] == ',' || strstr(arg, ",,"))
		return BAD("--rule '%s': empty field (expected IPV6PFX,IPV4PFX,EALEN,OFFSET[,fmr])",
			   arg);
	if (parse_ipv6_prefix(field[0], rule.ipv6_prefix, &rule.ipv6_prefix_len))
		return BAD("--rule '%s': '%s' is not an IPv6 prefix (ADDR/LEN)", arg, field[0]);
	if (parse_ipv4_prefix(field[1], &rule.ipv4_prefix, &rule.ipv4_prefix_len))
		return BAD("--rule '%s': '%s' is not an IPv4 prefix (ADDR/LEN)", arg, field[1]);
	if (parse_uint(field[2], 255, &v))
		return BAD("--rule '%s': EA-bits length '%s' is not a number 0-48", arg, field[2]);
	rule.ea_len = (__u8)v;
	if (parse_uint(field[3], 255, &v))
		return BAD("--rule '%s': PSID offset '%s' is not a number 0-15", arg, field[3]);
	rule.psid_offset = (__u8)v;
	if (n == 5) {
		if (strcmp(field[4], "fmr"))
			return BAD("--rule '%s': unknown flag '%s' (only 'fmr')", arg, field[4]);
		rule.flags |= MAPCE_RULE_F_FMR;
	}
	if (!(r = new_rule(o, "--rule", arg, err, errlen)))
		return -1;
	*r = rule;
	o->seen = SEEN_IPV4 | SEEN_EA_LEN | SEEN_OFFSET | SEEN_COMPACT |
		  ((rule.flags & MAPCE_RULE_F_FMR) ? SEEN_FMR : 0);
	o->rule_seen[o->n_rules++] = o->seen;
	return 0;
}

/* The rule a per-rule option applies to, or NULL (message set). */
static struct mapce_rule *cur_rule(struct mapce_opts *o, const char *name, unsigned int bit,
				   char *err, size_t errlen)
{
	if (!o->n_rules) {
		USAGE(o, "%s must follow the --rule-ipv6 (or --rule) it belongs to", name);
		return NULL;
	}
	if (o->seen & bit) {
		USAGE(o, "%s given twice for rule %d", name, o->n_rules);
		return NULL;
	}
	o->seen |= bit;
	o->rule_seen[o->n_rules - 1] = o->seen;
	return &o->rules[o->n_rules - 1];
}

int mapce_opts_handle(struct mapce_opts *o, int opt, const char *arg, char *err, size_t errlen)
{
	struct mapce_rule *r;
	unsigned long v;
	struct in_addr a4;
	__u8 a6[16], len;
	__be32 v4;

	switch (opt) {
	case MAPCE_OPT_RULE_IPV6:
		if (parse_ipv6_prefix(arg, a6, &len))
			return BAD("--rule-ipv6 '%s' is not an IPv6 prefix (ADDR/LEN)", arg);
		if (!(r = new_rule(o, "--rule-ipv6", arg, err, errlen)))
			return -1;
		memcpy(r->ipv6_prefix, a6, 16);
		r->ipv6_prefix_len = len;
		o->n_rules++;
		return 0;
	case MAPCE_OPT_RULE_IPV4:
		if (parse_ipv4_prefix(arg, &v4, &len))
			return BAD("--rule-ipv4 '%s' is not an IPv4 prefix (ADDR/LEN)", arg);
		if (!(r = cur_rule(o, "--rule-ipv4", SEEN_IPV4, err, errlen)))
			return -1;
		r->ipv4_prefix = v4;
		r->ipv4_prefix_len = len;
		return 0;
	case MAPCE_OPT_EA_LEN:
		if (parse_uint(arg, 255, &v))
			return BAD("--ea-len '%s' is not a number 0-48", arg);
		if (!(r = cur_rule(o, "--ea-len", SEEN_EA_LEN, err, errlen)))
			return -1;
		r->ea_len = (__u8)v;
		return 0;
	case MAPCE_OPT_PSID_OFFSET:
		if (parse_uint(arg, 255, &v))
			return BAD("--psid-offset '%s' is not a number 0-15", arg);
		if (!o->n_rules) { /* explicit form */
			if (o->have_psid_offset)
				return USAGE(o, "--psid-offset given twice");
			o->have_psid_offset = true;
			o->psid_offset = (__u8)v;
			return 0;
		}
		if (!(r = cur_rule(o, "--psid-offset", SEEN_OFFSET, err, errlen)))
			return -1;
		r->psid_offset = (__u8)v;
		return 0;
	case MAPCE_OPT_PSID_LEN:
		if (parse_uint(arg, 255, &v))
			return BAD("--psid-len '%s' is not a number 0-16", arg);
		if (!o->n_rules) {
			if (o->have_psid_len)
				return USAGE(o, "--psid-len given twice");
			o->have_psid_len = true;
			o->psid_len = (__u8)v;
			return 0;
		}
		if (!(r = cur_rule(o, "--psid-len", SEEN_PSID_LEN, err, errlen)))
			return -1;
		r->psid_len = (__u8)v; /* checked against the EA bits in validate */
		return 0;
	case MAPCE_OPT_FMR:
		if (!(r = cur_rule(o, "--fmr", 0, err, errlen)))
			return -1;
		r->flags |= MAPCE_RULE_F_FMR;
		return 0;
	case MAPCE_OPT_RULE:
		return handle_compact(o, arg, err, errlen);
	case MAPCE_OPT_PREFIX:
		if (parse_ipv6_prefix(arg, a6, &len))
			return BAD("--prefix '%s' is not an IPv6 prefix (ADDR/LEN)", arg);
		if (o->have_prefix)
			return USAGE(o, "--prefix given twice");
		mask6(a6, len); /* an address with its length is fine: keep the prefix */
		memcpy(o->prefix, a6, 16);
		o->prefix_len = len;
		o->have_prefix = true;
		return 0;
	case MAPCE_OPT_LEGACY_IID:
		o->legacy_iid = true;
		return 0;
	case MAPCE_OPT_BR:
		if (!arg || inet_pton(AF_INET6, arg, a6) != 1)
			return BAD("--br '%s' is not an IPv6 address", arg ? arg : "");
		if (o->have_br)
			return USAGE(o, "--br given twice");
		memcpy(o->br, a6, 16);
		o->have_br = true;
		return 0;
	case MAPCE_OPT_MESH:
		o->mesh = true;
		return 0;
	case MAPCE_OPT_IPV4:
		len = 0;
		if (arg && strchr(arg, '/')) {
			/* ipip6's routed prefix: ADDR (the NAPT address) and
			 * its prefix, /24../32 (the mode is checked later) */
			if (parse_ipv4_prefix(arg, &v4, &len))
				return BAD("--ipv4 '%s' is not an IPv4 address or ADDR/LEN", arg);
			if (len < MAPCE_IPV4_PREFIX_MIN)
				return BAD("--ipv4 '%s': a routed prefix is /%u to /32, not /%u",
					   arg, MAPCE_IPV4_PREFIX_MIN, len);
			a4.s_addr = v4;
		} else if (!arg || inet_pton(AF_INET, arg, &a4) != 1) {
			return BAD("--ipv4 '%s' is not an IPv4 address", arg ? arg : "");
		}
		if (o->have_ipv4)
			return USAGE(o, "--ipv4 given twice");
		o->ipv4 = a4.s_addr;
		o->ipv4_len = len;
		o->have_ipv4 = true;
		return 0;
	case MAPCE_OPT_PSID:
		if (parse_uint(arg, 0xffff, &v))
			return BAD("--psid '%s' is not a number 0-65535", arg);
		if (o->have_psid)
			return USAGE(o, "--psid given twice");
		o->psid = (__u16)v;
		o->have_psid = true;
		return 0;
	}
	return 1;
}
