// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_s46.c - the RFC 7598 DHCPv6 softwire options (user/core/s46.c) and
 * what a CE makes of them (user/core/rule_source.c's DHCPv6 source, the
 * derivation).
 *
 * Input: the option's bytes (the container's payload, or the whole option
 * with its code and length).  s46_parse must refuse or fill the
 * parameters with checked rules (every rule passes mapce_rule_check, a
 * BR, a binding for lw4o6); the same bytes as hex text (what a DHCPv6
 * client hook hands over) must parse to the same; the input as text goes
 * through the hex reader too.  Accepted parameters become a rule source
 * and are derived for a CE prefix inside the first rule (or the binding),
 * as `mapce calc --dhcpv6-option` does.
 */
#include "fuzz.h"
#include "mapce_rule.h"
#include "core/rule_source.h"
#include "core/s46.h"

/* A CE prefix in the first rule: the rule's prefix, then EA bits taken
 * from the input's bytes, the rest zero; a /56 or the end-user length. */
static void ce_prefix(const struct mapce_rule *r, const uint8_t *data, size_t size,
		      struct mapce_opts *o)
{
	unsigned int r6 = r->ipv6_prefix_len, end = r6 + r->ea_len;

	memcpy(o->prefix, r->ipv6_prefix, 16);
	for (unsigned int bit = r6; bit < end && size; bit++) {
		unsigned int i = bit - r6, v = (data[(i / 8) % size] >> (i % 8)) & 1;

		o->prefix[bit / 8] |= (__u8)(v << (7 - bit % 8));
	}
	o->prefix_len = (__u8)(end < 56 ? 56 : end);
	o->have_prefix = true;
}

static void check_params(const struct s46_params *p)
{
	char err[512];

	FUZZ_CHECK(p->container == S46_OPT_CONT_MAPE || p->container == S46_OPT_CONT_LW);
	FUZZ_CHECK(p->n_br >= 1, "no BR");
	if (p->container == S46_OPT_CONT_MAPE) {
		FUZZ_CHECK(p->n_rules >= 1 && p->n_rules <= MAPCE_MAX_RULES);
		for (int i = 0; i < p->n_rules; i++) {
			FUZZ_CHECK(!mapce_rule_check(&p->rules[i], err, sizeof(err)), "%s", err);
			FUZZ_CHECK(p->rules[i].psid_len == mapce_rule_psid_len(&p->rules[i]));
		}
	} else {
		FUZZ_CHECK(p->n_rules == 0);
		FUZZ_CHECK(p->psid_offset + p->psid_len <= 16 && p->bind_prefix_len <= 128);
		FUZZ_CHECK(p->psid_len == 16 || p->psid < (1u << p->psid_len));
	}
}

/* The parameters as `calc --dhcpv6-option` uses them. */
static void derive(const struct s46_params *p, const uint8_t *data, size_t size)
{
	static struct rule_source src;
	static struct mapce_opts o;
	static struct mapce_derived d;
	char err[1024];

	memset(&src, 0, sizeof(src));
	src.origin = RULE_FROM_DHCPV6;
	src.s46 = *p;
	snprintf(src.what, sizeof(src.what), "fuzz");
	mapce_opts_init(&o);
	if (p->container == S46_OPT_CONT_MAPE)
		ce_prefix(&p->rules[0], data, size, &o);
	err[0] = '\0';
	if (rule_source_apply(&src, &o, err, sizeof(err))) {
		FUZZ_CHECK(err[0], "a failure without a message");
		return;
	}
	FUZZ_CHECK(o.have_br && !memcmp(o.br, p->br[0], 16));
	if (mapce_derive(&o, &d, err, sizeof(err)))
		FUZZ_CHECK(err[0], "a failure without a message");
	else if (p->container == S46_OPT_CONT_MAPE)
		FUZZ_CHECK(d.bmr >= 0 && d.have_ce_ipv6);
	else
		FUZZ_CHECK(d.bmr < 0 && d.ipv4 == p->bind_ipv4 && d.psid == p->psid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct s46_params p, q;
	char err[512], *hex, *text;
	int ret, ret2;

	err[0] = '\0';
	ret = s46_parse(data, size, &p, err, sizeof(err));
	FUZZ_CHECK(ret == 0 || ret == -1);
	if (ret) {
		FUZZ_CHECK(err[0] && strstr(err, "DHCPv6"), "message: '%s'", err);
	} else {
		check_params(&p);
		derive(&p, data, size);
	}
	/* the same bytes as a hook's hex ("xx:xx:xx:xx xx:..."): the same answer */
	if (size <= S46_HEX_MAX / 3) {
		hex = malloc(size * 3 + 1);
		if (!hex)
			abort();
		for (size_t i = 0; i < size; i++)
			sprintf(hex + i * 3, "%02x%c", data[i], i % 4 == 3 ? ' ' : ':');
		hex[size * 3] = '\0';
		ret2 = s46_parse_hex(hex, &q, err, sizeof(err));
		FUZZ_CHECK(size ? ret2 == ret : ret2 == -1, "hex %d, bytes %d", ret2, ret);
		if (!ret2)
			FUZZ_CHECK(!memcmp(&p, &q, sizeof(p)), "hex and bytes parse differently");
		free(hex);
	}
	/* the input as text through the hex reader */
	text = fuzz_cstr(data, size);
	if (!s46_parse_hex(text, &q, err, sizeof(err)))
		check_params(&q);
	free(text);
	return 0;
}
