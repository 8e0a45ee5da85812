// SPDX-License-Identifier: GPL-2.0-only
/*
 * rule_config.c - MAP rule options from the command line: parsing, checks
 * with messages that name the wrong value, and the derivation of a CE's
 * parameters (BMR selection, IPv4 address, PSID, port set, MAP address).
 *
 * The math lives in include/mapce_rule.h and is only called from here,
 * never re-done: this file decides what input is acceptable.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/rule_config.h"

/* Per-rule options seen (struct mapce_opts.seen / rule_seen[]). */
#define SEEN_IPV4 0x01
#define SEEN_EA_LEN 0x02
#define SEEN_OFFSET 0x04
#define SEEN_PSID_LEN 0x08
#define SEEN_FMR 0x10
#define SEEN_COMPACT 0x20 /* came from --rule: ipv4, ea-len, offset given */

const struct option mapce_rule_longopts[] = {
	{ "rule-ipv6", required_argument, NULL, MAPCE_OPT_RULE_IPV6 },
	{ "rule-ipv4", required_argument, NULL, MAPCE_OPT_RULE_IPV4 },
	{ "ea-len", required_argument, NULL, MAPCE_OPT_EA_LEN },
	{ "psid-offset", required_argument, NULL, MAPCE_OPT_PSID_OFFSET },
	{ "psid-len", required_argument, NULL, MAPCE_OPT_PSID_LEN },
	{ "fmr", no_argument, NULL, MAPCE_OPT_FMR },
	{ "rule", required_argument, NULL, MAPCE_OPT_RULE },
	{ "prefix", required_argument, NULL, MAPCE_OPT_PREFIX },
	{ "legacy-iid", no_argument, NULL, MAPCE_OPT_LEGACY_IID },
	{ "br", required_argument, NULL, MAPCE_OPT_BR },
	{ "mesh", no_argument, NULL, MAPCE_OPT_MESH },
	{ "ipv4", required_argument, NULL, MAPCE_OPT_IPV4 },
	{ "psid", required_argument, NULL, MAPCE_OPT_PSID },
};
const size_t mapce_rule_longopts_n = sizeof(mapce_rule_longopts) / sizeof(mapce_rule_longopts[0]);

const char mapce_rule_usage[] =
	"MAP rule (repeat for several rules; a new --rule-ipv6 starts a new rule,\n"
	"the options after it belong to that rule):\n"
	"  --rule-ipv6 PFX      rule IPv6 prefix, at most /64     (OpenWrt ip6prefix/ip6prefixlen)\n"
	"  --rule-ipv4 PFX      rule IPv4 prefix                  (OpenWrt ipaddr/ip4prefixlen)\n"
	"  --ea-len N           EA-bits length o, 0-48            (OpenWrt ealen)\n"
	"  --psid-offset A      PSID offset a, 0-15, default 6    (OpenWrt offset)\n"
	"  --psid-len K         optional check: must equal o - (32 - r4) (OpenWrt psidlen)\n"
	"  --fmr                the rule is also a forwarding rule (FMR)\n"
	"  --rule IPV6PFX,IPV4PFX,EALEN,OFFSET[,fmr]   the same in one option\n"
	"CE:\n"
	"  --prefix PFX         the CE's delegated IPv6 prefix (PD /56, or an RA /64);\n"
	"                       selects the BMR (longest rule IPv6 prefix containing it)\n"
	"  --legacy-iid         draft-03 interface identifier (v6plus, OCN, BIGLOBE;\n"
	"                       OpenWrt legacymap)\n"
	"  --br ADDR            BR IPv6 address                   (OpenWrt peeraddr)\n"
	"  --mesh               every rule is also an FMR (CE-to-CE traffic direct)\n"
	"Explicit form (lw4o6, RFC 7596; no rule):\n"
	"  --ipv4 ADDR --psid N --psid-len K [--psid-offset A] --prefix PFX\n"
	"                       the CE address is PFX's first /64 + the interface id\n"
	"Numbers are decimal or 0x hex.\n";

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Fill err and return -1.  usage_fail also marks a usage error (missing,
 * duplicated or misplaced option: exit 2); fail is a bad value (exit 1). */
static int vfail(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	return -1;
}

int mapce_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int usage_fail(struct mapce_opts *o, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int usage_fail(struct mapce_opts *o, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	o->usage_err = true;
	va_start(ap, fmt);
	vfail(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

#define USAGE(o, ...) usage_fail(o, err, errlen, __VA_ARGS__)
#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

static const char *fmt6(const __u8 a[16], char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

static const char *fmt4(__be32 a, char *buf)
{
	if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

/* Zero the bits of a 128-bit address after the first len. */
static void mask6(__u8 a[16], unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bit = i * 8;

		if (bit >= len)
			a[i] = 0;
		else if (bit + 8 > len)
			a[i] &= (__u8)(0xff << (8 - (len - bit)));
	}
}

static __u32 mask4(unsigned int len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* ------------------------------------------------------------------ */
/* Parsers                                                             */
/* ------------------------------------------------------------------ */

int parse_uint(const char *s, unsigned long max, unsigned long *val)
{
	unsigned long v = 0, base = 10;
	const char *p = s;

	if (!p || !*p)
		return -1;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return -1;
	}
	for (; *p; p++) {
		unsigned long d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return -1; /* sign, space, junk */
		if (v > (ULONG_MAX - d) / base)
			return -1;
		v = v * base + d;
	}
	if (v > max)
		return -1;
	*val = v;
	return 0;
}

/* "ADDR[/LEN]" into buf and the length; -1 when malformed. */
static int split_prefix(const char *s, char *buf, size_t buflen, unsigned long maxlen,
			unsigned long *len)
{
	char *slash;

	if (!s || !*s || strlen(s) >= buflen)
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	*len = maxlen;
	if (slash) {
		*slash = '\0';
		if (parse_uint(slash + 1, maxlen, len))
			return -1;
	}
	return buf[0] ? 0 : -1;
}

/* Host bits are kept as given: callers decide whether they are an error
 * (rule prefixes) or are to be ignored (the CE prefix). */
int parse_ipv6_prefix(const char *s, __u8 addr[16], __u8 *len)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long l;
	__u8 a[16];

	if (split_prefix(s, buf, sizeof(buf), 128, &l) || inet_pton(AF_INET6, buf, a) != 1)
		return -1;
	memcpy(addr, a, 16);
	*len = (__u8)l;
	return 0;
}

int parse_ipv4_prefix(const char *s, __be32 *addr, __u8 *len)
{
	char buf[INET_ADDRSTRLEN + 8];
	unsigned long l;
	struct in_addr a;

	if (split_prefix(s, buf, sizeof(buf), 32, &l) || inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*addr = a.s_addr;
	*len = (__u8)l;
	return 0;
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
		if (!arg || inet_pton(AF_INET, arg, &a4) != 1)
			return BAD("--ipv4 '%s' is not an IPv4 address", arg ? arg : "");
		if (o->have_ipv4)
			return USAGE(o, "--ipv4 given twice");
		o->ipv4 = a4.s_addr;
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
		return BAD("rule IPv6 prefix %s/%u is longer than /64", fmt6(r->ipv6_prefix, a6), r6);
	memcpy(masked, r->ipv6_prefix, 16);
	mask6(masked, r6);
	if (memcmp(masked, r->ipv6_prefix, 16))
		return BAD("rule IPv6 prefix %s/%u has bits set after /%u (did you mean %s/%u?)",
			   fmt6(r->ipv6_prefix, a6), r6, r6, fmt6(masked, m6), r6);
	if (r4 > 32)
		return BAD("rule IPv4 prefix %s/%u: length is more than 32", fmt4(r->ipv4_prefix, a4),
			   r4);
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
		return BAD("PSID offset %u + PSID length %u = %u is more than 16 bits", a, k, a + k);
	return 0;
}

int mapce_rules_validate(struct mapce_opts *o, char *err, size_t errlen)
{
	char m[200], a6[INET6_ADDRSTRLEN];

	if (o->n_rules <= 0)
		return USAGE(o, "no MAP rule (--rule-ipv6 PFX --rule-ipv4 PFX --ea-len N, "
				"or --rule IPV6PFX,IPV4PFX,EALEN,OFFSET)");
	if ((o->have_psid_len || o->have_psid_offset) && !o->have_ipv4 && !o->have_psid)
		return USAGE(o, "%s given before the first rule: per-rule options follow the "
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
			return BAD("rule %d: --psid-len %u contradicts the EA bits: k = o - (32 - r4) "
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

static int derive_explicit(struct mapce_opts *o, struct mapce_derived *d, char *err,
			   size_t errlen)
{
	unsigned int a = o->have_psid_offset ? o->psid_offset : MAPCE_DEFAULT_PSID_OFFSET;
	unsigned int k = o->psid_len;
	__u64 hi;

	if (!o->have_ipv4)
		return USAGE(o, "explicit form: missing --ipv4 (with --psid/--psid-len)");
	if (!o->have_psid_len)
		return USAGE(o, "explicit form: missing --psid-len");
	if (!o->have_prefix)
		return USAGE(o, "explicit form: missing --prefix (the CE's IPv6 prefix)");
	if (a > 15)
		return BAD("PSID offset %u is more than 15", a);
	if (k > 16)
		return BAD("PSID length %u is more than 16", k);
	if (a + k > 16)
		return BAD("PSID offset %u + PSID length %u = %u is more than 16 bits", a, k, a + k);
	if (!o->have_psid && k)
		return USAGE(o, "explicit form: missing --psid (PSID length is %u)", k);
	if (o->psid >> k)
		return BAD("PSID %u does not fit in a PSID length of %u bits (0-%u)", o->psid, k,
			   (1u << k) - 1);
	if (check_port0(a, k, o->psid, err, errlen))
		return -1;
	d->bmr = -1;
	d->ipv4 = o->ipv4;
	d->ipv4_len = 32;
	d->psid = o->psid;
	d->psid_len = k;
	d->psid_offset = a;
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
