// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_isp.c - the ISP rule tables (user/core/isp.c): isp_parse on a
 * table's text, and for a table it accepts, the longest-prefix match and
 * the rule source made of it (user/core/rule_source.c), as `calc --isp`
 * and `up --isp` use them.
 *
 * Input: a table file's text (the tables of data/isp are the seeds).  Properties
 * of an accepted table: a name of the allowed characters, a date, at least
 * one BR and one rule, every rule passing mapce_rule_check with its PSID
 * length derived and a BR index in range, no two rules with one IPv6
 * prefix.  For each rule (up to a bound), a CE prefix inside it matches a
 * rule that holds it, the longest such; that rule applied to a CE derives
 * (unless a longer rule nested in it won and wants a longer CE prefix).
 * A prefix outside every rule gets a message naming the table.
 */
#include "fuzz.h"
#include "mapce_rule.h"
#include "core/isp.h"
#include "core/rule_source.h"

#define MATCHES_MAX 16 /* rules whose prefixes are matched, per input */

static struct isp_table t;

static int holds(const struct mapce_rule *r, const __u8 *prefix, unsigned int len)
{
	if (r->ipv6_prefix_len > len)
		return 0;
	for (unsigned int i = 0; i < r->ipv6_prefix_len; i++)
		if ((r->ipv6_prefix[i / 8] ^ prefix[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static void check_table(void)
{
	char err[512];

	FUZZ_CHECK(t.name[0] && strspn(t.name, ISP_NAME_CHARS) == strlen(t.name), "'%s'", t.name);
	FUZZ_CHECK(strlen(t.date) == 10, "date '%s'", t.date);
	FUZZ_CHECK(t.n_br >= 1 && t.n_br <= ISP_MAX_BRS);
	FUZZ_CHECK(t.n_rules >= 1 && t.n_rules <= ISP_MAX_RULES);
	for (int i = 0; i < t.n_rules; i++) {
		const struct mapce_rule *r = &t.rules[i].rule;

		FUZZ_CHECK(t.rules[i].br >= 0 && t.rules[i].br < t.n_br, "rule %d br %d", i,
			   t.rules[i].br);
		FUZZ_CHECK(!mapce_rule_check(r, err, sizeof(err)), "rule %d: %s", i, err);
		FUZZ_CHECK(r->psid_len == mapce_rule_psid_len(r) && !r->flags);
		for (int j = 0; j < i && j < 64; j++)
			FUZZ_CHECK(t.rules[j].rule.ipv6_prefix_len != r->ipv6_prefix_len ||
					   memcmp(t.rules[j].rule.ipv6_prefix, r->ipv6_prefix, 16),
				   "rules %d and %d: one prefix", j, i);
	}
}

/* A /len CE prefix inside rule ri (its EA bits all ones: the last CE). */
static void match_rule(int ri, unsigned int len)
{
	static struct rule_source src;
	static struct mapce_opts o;
	static struct mapce_derived d;
	const struct mapce_rule *r = &t.rules[ri].rule;
	__u8 prefix[16];
	char err[1024];
	int ti = -1, mi = -1;

	memcpy(prefix, r->ipv6_prefix, 16);
	for (unsigned int b = r->ipv6_prefix_len; b < len; b++)
		prefix[b / 8] |= (__u8)(0x80 >> (b % 8));
	FUZZ_CHECK(!isp_match(&t, 1, prefix, (__u8)len, &ti, &mi, err, sizeof(err)), "rule %d: %s",
		   ri, err);
	FUZZ_CHECK(ti == 0 && mi >= 0 && mi < t.n_rules);
	FUZZ_CHECK(holds(&t.rules[mi].rule, prefix, len), "rule %d does not hold it", mi);
	FUZZ_CHECK(t.rules[mi].rule.ipv6_prefix_len >= r->ipv6_prefix_len,
		   "rule %d (/%u) is shorter than rule %d (/%u)", mi,
		   t.rules[mi].rule.ipv6_prefix_len, ri, r->ipv6_prefix_len);

	/* as a rule source: the CE gets that rule, the table's BR, its IID */
	memset(&src, 0, sizeof(src));
	src.origin = RULE_FROM_ISP;
	src.tables = &t;
	src.n_tables = 1;
	src.table = -1;
	mapce_opts_init(&o);
	memcpy(o.prefix, prefix, 16);
	o.prefix_len = (__u8)len;
	o.have_prefix = true;
	FUZZ_CHECK(!rule_source_apply(&src, &o, err, sizeof(err)), "%s", err);
	FUZZ_CHECK(src.table == 0 && o.n_rules == 1 && o.have_br &&
		   !memcmp(o.br, t.br[t.rules[mi].br], 16) && o.legacy_iid == t.legacy_iid);
	if (!mapce_derive(&o, &d, err, sizeof(err)))
		FUZZ_CHECK(d.bmr == 0);
	else if (!strstr(err, "port 0"))
		/* a longer rule nested in rule ri wins (longest match), and it
		 * may want a longer CE prefix than ri's */
		FUZZ_CHECK(mi != ri &&
				   len < t.rules[mi].rule.ipv6_prefix_len + t.rules[mi].rule.ea_len,
			   "a checked rule does not derive: %s", err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const __u8 outside[16] = { 0xff }; /* multicast: in no rule */
	char *text = fuzz_cstr(data, size), err[1024];
	int ti, ri, ret;

	err[0] = '\0';
	ret = isp_parse(text, "fuzz.rules", &t, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(!strncmp(err, "fuzz.rules", 10), "message '%s'", err);
		goto out;
	}
	check_table();
	for (int i = 0; i < t.n_rules && i < MATCHES_MAX; i++) {
		const struct mapce_rule *r = &t.rules[i].rule;
		unsigned int eu = r->ipv6_prefix_len + r->ea_len;

		match_rule(i, eu);
		match_rule(i, 64);
	}
	if (isp_match(&t, 1, outside, 56, &ti, &ri, err, sizeof(err)))
		FUZZ_CHECK(strstr(err, t.name), "'%s' does not name the table", err);
	else
		FUZZ_CHECK(holds(&t.rules[ri].rule, outside, 56));
out:
	free(text);
	return 0;
}
