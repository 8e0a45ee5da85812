// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_hb46pp.c - HB46PP's answer and TXT record (user/core/hb46pp.h):
 * what a provisioning server and the line's DNS hand the CE.
 *
 * Input: a JSON answer (the corpus: tests/unit/hb46pp/'s answers), also
 * read as a TXT record's text.  hb46pp_parse must refuse with a message
 * that names a field, leaving the struct zeroed, or give an answer whose
 * every part holds: the chosen service is the first of order that mapce
 * runs and came with its object; ttl in range; each MAP-E rule passes the
 * rule checks of the command line and formats to a --rule that parses
 * back to the same rule.  An accepted TXT record has an http(s) URL that
 * makes a query URL.
 */
#include "fuzz.h"
#include "mapce_rule.h"
#include "core/hb46pp.h"

static void check_answer(const struct hb46pp_answer *a)
{
	static struct mapce_opts o;
	char err[512], buf[128];
	int first = -1;

	FUZZ_CHECK(!a->have_ttl || (a->ttl >= 1 && a->ttl <= HB46PP_TTL_MAX));
	FUZZ_CHECK(a->n_order >= 0 && a->n_order <= HB46PP_MAX_ORDER);
	for (int i = 0; i < a->n_order && first < 0; i++)
		if (a->order[i] != HB46PP_MAP_T && a->order[i] != HB46PP_464XLAT)
			first = i;
	FUZZ_CHECK(first < 0 ? a->service == HB46PP_NONE : a->service == a->order[first],
		   "service %d", a->service);
	FUZZ_CHECK(a->service != HB46PP_MAP_E || a->map_e.present);
	FUZZ_CHECK(a->service != HB46PP_DSLITE || a->dslite.present);
	FUZZ_CHECK(a->service != HB46PP_LW4O6 || a->lw4o6.present);
	FUZZ_CHECK(a->service != HB46PP_IPIP || a->ipip.present);
	if (a->map_e.present) {
		FUZZ_CHECK(a->map_e.n_rules >= 1 && a->map_e.n_rules <= MAPCE_MAX_RULES);
		for (int i = 0; i < a->map_e.n_rules; i++) {
			const struct mapce_rule *r = &a->map_e.rules[i];

			FUZZ_CHECK(!mapce_rule_check(r, err, sizeof(err)), "%s", err);
			mapce_opts_init(&o);
			mapce_rule_format(r, buf, sizeof(buf));
			FUZZ_CHECK(!mapce_opts_handle(&o, MAPCE_OPT_RULE, buf, err, sizeof(err)) &&
					   !mapce_rules_validate(&o, err, sizeof(err)),
				   "%s: %s", buf, err);
			FUZZ_CHECK(!memcmp(&o.rules[0], r, sizeof(*r)), "%s round trip", buf);
		}
	}
	if (a->lw4o6.present)
		FUZZ_CHECK(a->lw4o6.psid_offset + a->lw4o6.psid_len <= 16 &&
			   (a->lw4o6.psid_len == 16 || a->lw4o6.psid < (1u << a->lw4o6.psid_len)));
	if (a->dslite.present)
		FUZZ_CHECK(a->dslite.aftr[0] && strlen(a->dslite.aftr) <= HB46PP_NAME_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hb46pp_answer a, zero;
	static char q[HB46PP_URL_MAX + 1];
	struct hb46pp_client c = { "00005e-fuzz", "mapce", "0_1", HB46PP_CAPABILITY };
	struct hb46pp_txt t;
	char err[1024], *s;

	err[0] = '\0';
	if (hb46pp_parse((const char *)data, size, &a, err, sizeof(err))) {
		FUZZ_CHECK(err[0], "a refusal without a message");
		FUZZ_CHECK(!memcmp(&a, &zero, sizeof(a)), "a refused answer left half-filled");
	} else {
		check_answer(&a);
	}
	s = fuzz_cstr(data, size);
	err[0] = '\0';
	if (hb46pp_parse_txt(s, &t, err, sizeof(err))) {
		FUZZ_CHECK(err[0], "a refusal without a message");
	} else {
		FUZZ_CHECK(!strncmp(t.url, "https://", 8) ||
				   (!strncmp(t.url, "http://", 7) && !t.verify),
			   "%s", t.url);
		/* a URL the record passed, within the length a query leaves room for */
		if (strlen(t.url) < 512)
			FUZZ_CHECK(!hb46pp_query_url(t.url, &c, q, sizeof(q), err, sizeof(err)),
				   "%s", err);
	}
	free(s);
	return 0;
}
