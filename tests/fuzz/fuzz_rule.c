// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_rule.c - the MAP rule options and the derivation of a CE's
 * parameters (user/core/rule_config.c, rule_validate.c, the math of
 * include/mapce_rule.h).
 *
 * Input: one option a line, "NAME VALUE" (NAME a rule option without the
 * dashes: rule-ipv6, rule-ipv4, ea-len, psid-offset, psid-len, fmr, rule,
 * br, legacy-iid, prefix, mesh, ipv4, psid), handed to mapce_opts_handle
 * as the command line does (a flag gets no value; the first error ends
 * the line, as it ends the command).  Then mapce_rules_validate and
 * mapce_derive, and on success the properties every CE and BR rely on:
 * the address and PSID fit the rule, the CE address carries the prefix's
 * EA bits, the BR's port-to-address mapping finds this CE again, the port
 * set is what its counts say, and a rule written back as --rule parses to
 * the same rule.
 */
#include <arpa/inet.h>

#include "fuzz.h"
#include "mapce_rule.h"
#include "core/rule_config.h"

#define LINES_MAX 80

static __u32 mask32(unsigned int len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

/* Do a and b agree on their first len bits? */
static int same_bits(const __u8 *a, const __u8 *b, unsigned int len)
{
	for (unsigned int i = 0; i < len; i++)
		if ((a[i / 8] ^ b[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

/* A validated rule written as --rule and parsed again is the same rule. */
static void check_format_roundtrip(const struct mapce_rule *r)
{
	static struct mapce_opts back;
	char spec[192], err[512];

	mapce_rule_format(r, spec, sizeof(spec));
	mapce_opts_init(&back);
	FUZZ_CHECK(mapce_opts_handle(&back, MAPCE_OPT_RULE, spec, err, sizeof(err)) == 0,
		   "'%s' does not parse back: %s", spec, err);
	FUZZ_CHECK(back.n_rules == 1);
	FUZZ_CHECK(!memcmp(back.rules[0].ipv6_prefix, r->ipv6_prefix, 16), "%s", spec);
	FUZZ_CHECK(back.rules[0].ipv6_prefix_len == r->ipv6_prefix_len, "%s", spec);
	FUZZ_CHECK(back.rules[0].ipv4_prefix == r->ipv4_prefix, "%s", spec);
	FUZZ_CHECK(back.rules[0].ipv4_prefix_len == r->ipv4_prefix_len, "%s", spec);
	FUZZ_CHECK(back.rules[0].ea_len == r->ea_len, "%s", spec);
	FUZZ_CHECK(back.rules[0].psid_offset == r->psid_offset, "%s", spec);
	FUZZ_CHECK((back.rules[0].flags & MAPCE_RULE_F_FMR) == (r->flags & MAPCE_RULE_F_FMR), "%s",
		   spec);
}

/* Range i of the port set: inside the set, indexed both ways, of its PSID. */
static void check_range(const struct mapce_derived *d, __u32 i)
{
	__u8 a = d->psid_offset, k = d->psid_len;
	__u32 size = mapce_range_size(a, k);
	__u16 first = mapce_range_first(a, k, d->psid, i);
	__u16 last = (__u16)(first + size - 1);

	FUZZ_CHECK(first != 0, "range %u starts at port 0", i);
	FUZZ_CHECK(mapce_port_in_set(a, k, d->psid, first), "range %u first %u", i, first);
	FUZZ_CHECK(mapce_port_in_set(a, k, d->psid, last), "range %u last %u", i, last);
	FUZZ_CHECK(mapce_port_index(a, k, first) == i * size, "index of %u", first);
	FUZZ_CHECK(mapce_port_at(a, k, d->psid, i * size) == first, "port at %u", i * size);
	FUZZ_CHECK(!k || mapce_port_psid(a, k, first) == d->psid, "psid of %u", first);
}

/* The port set of (a, k, psid): its counts, port 0 never in it, the
 * first ranges and the last (there may be 32767). */
static void check_port_set(const struct mapce_derived *d)
{
	__u8 a = d->psid_offset, k = d->psid_len;

	FUZZ_CHECK(a <= 15 && k <= 16 && a + k <= 16, "a %u k %u", a, k);
	FUZZ_CHECK(k ? d->psid < (1u << k) : d->psid == 0, "psid %u k %u", d->psid, k);
	FUZZ_CHECK(d->range_count >= 1 && d->port_count == d->range_count * mapce_range_size(a, k));
	FUZZ_CHECK(!mapce_port_in_set(a, k, d->psid, 0), "port 0 in the set");
	for (__u32 i = 0; i < d->range_count && i < 64; i++)
		check_range(d, i);
	check_range(d, d->range_count - 1);
}

/* A derivation from a rule (d->bmr >= 0). */
static void check_rule_derived(const struct mapce_opts *o, const struct mapce_derived *d)
{
	const struct mapce_rule *r = &o->rules[d->bmr];
	__u8 hi_ce[8], hi_eu[8], port_ce[16];

	/* the BMR holds the prefix, and no longer rule does */
	FUZZ_CHECK(r->ipv6_prefix_len <= o->prefix_len &&
		   same_bits(r->ipv6_prefix, o->prefix, r->ipv6_prefix_len));
	for (int i = 0; i < o->n_rules; i++)
		FUZZ_CHECK(!(o->rules[i].ipv6_prefix_len > r->ipv6_prefix_len &&
			     o->rules[i].ipv6_prefix_len <= o->prefix_len &&
			     same_bits(o->rules[i].ipv6_prefix, o->prefix,
				       o->rules[i].ipv6_prefix_len)),
			   "rule %d is longer than the BMR %d", i, d->bmr);
	/* the IPv4 address lies in the rule's IPv4 prefix */
	FUZZ_CHECK((ntohl(d->ipv4) & mask32(r->ipv4_prefix_len)) == ntohl(r->ipv4_prefix));
	FUZZ_CHECK(d->psid_len == mapce_rule_psid_len(r));
	FUZZ_CHECK(d->psid_offset == r->psid_offset);
	/* end-user prefix: the CE prefix cut to r6 + o */
	FUZZ_CHECK(d->end_user_len == r->ipv6_prefix_len + r->ea_len && d->end_user_len <= 64);
	FUZZ_CHECK(same_bits(d->end_user_prefix, o->prefix, d->end_user_len));
	/* the CE address's upper half is exactly the end-user prefix with
	 * subnet-id 0: the EA bits round-trip through (ipv4, psid) */
	memcpy(hi_ce, d->ce_ipv6_rfc, 8);
	memcpy(hi_eu, d->end_user_prefix, 8);
	FUZZ_CHECK(!memcmp(hi_ce, hi_eu, 8), "CE address's /64 is not the end-user prefix");
	FUZZ_CHECK(!memcmp(d->ce_ipv6_legacy, hi_eu, 8));
	FUZZ_CHECK(mapce_ea_join(r, d->ipv4, d->psid) == mapce_ea_bits(r, o->prefix));
	/* a BR (or an FMR peer) finds this CE from its address and a port */
	if (d->ipv4_len == 32) {
		__u16 port = mapce_range_first(d->psid_offset, d->psid_len, d->psid, 0);

		mapce_ce_address_for_port(r, d->ipv4, port, o->legacy_iid, port_ce);
		FUZZ_CHECK(!memcmp(port_ce, d->ce_ipv6, 16), "port %u maps to another CE", port);
	}
}

static void derive_and_check(struct mapce_opts *o)
{
	static struct mapce_opts v;
	static struct mapce_derived d;
	char err[1024];
	int ret;

	v = *o;
	if (v.n_rules > 0 && !mapce_rules_validate(&v, err, sizeof(err)))
		for (int i = 0; i < v.n_rules; i++) {
			FUZZ_CHECK(mapce_rule_check(&v.rules[i], err, sizeof(err)) == 0, "%s", err);
			check_format_roundtrip(&v.rules[i]);
		}
	err[0] = '\0';
	ret = mapce_derive(o, &d, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(err[0], "a failure without a message");
		return;
	}
	check_port_set(&d);
	if (d.bmr >= 0) {
		FUZZ_CHECK(d.bmr < o->n_rules && d.have_ce_ipv6);
		check_rule_derived(o, &d);
	} else {
		FUZZ_CHECK(o->n_rules == 0 && o->have_ipv4 && d.ipv4 == o->ipv4);
		FUZZ_CHECK(d.psid == o->psid);
	}
	FUZZ_CHECK(!memcmp(d.ce_ipv6, o->legacy_iid ? d.ce_ipv6_legacy : d.ce_ipv6_rfc, 16));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mapce_opts o;
	char *buf, **lines, err[1024];
	size_t n;

	lines = fuzz_words(data, size, LINES_MAX, &buf, &n);
	mapce_opts_init(&o);
	for (size_t i = 0; i < n; i++) {
		char *name = lines[i], *val = strchr(name, ' ');
		const struct opt_def *def;
		int ret;

		if (val)
			*val++ = '\0';
		def = opt_find_name(mapce_rule_groups, name);
		err[0] = '\0';
		/* an unknown name: an option value no table has */
		ret = mapce_opts_handle(&o, def ? def->val : 0,
					def && !def->metavar ? NULL
					: val		     ? val
							     : "",
					err, sizeof(err));
		FUZZ_CHECK(def ? ret == 0 || ret == -1 : ret == 1, "ret %d", ret);
		FUZZ_CHECK(o.n_rules >= 0 && o.n_rules <= MAPCE_MAX_RULES);
		if (ret < 0)
			FUZZ_CHECK(err[0], "a failure without a message");
		if (ret)
			goto out;
	}
	derive_and_check(&o);
out:
	free(lines);
	free(buf);
	return 0;
}
