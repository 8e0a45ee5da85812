// SPDX-License-Identifier: GPL-2.0-only
/*
 * mode_auto.c - the HB46PP answer applied to the settings (mode_auto.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/mode.h"
#include "core/mode_auto.h"
#include "core/parse.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)
#define NO_TTL_S (20u * 3600u) /* HB46PP: without a ttl, ask again in 20-24 h */

int mode_auto_check(const struct up_settings *s, char *err, size_t errlen)
{
	static const enum up_key keys[] = { UK_ISP, UK_DHCPV6_OPTION, UK_DHCPV6_OPTION_FILE,
					    UK_AFTR, UK_IID };
	const struct mapce_opts *o = &s->rule;
	char where[PATH_MAX + 64];
	const char *what = NULL;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (s->set[keys[i]])
			return BAD("%s: mode auto takes the service from the HB46PP answer "
				   "(remove it, or give the mode)",
				   up_settings_where(s, keys[i], where, sizeof(where)));
	if (s->rule_given)
		what = "the MAP rule options";
	else if (o->have_br)
		what = "br";
	else if (o->legacy_iid)
		what = "legacy-iid";
	else if (o->mesh)
		what = "mesh";
	if (what)
		return BAD("%s%s%s: mode auto takes the service from the HB46PP answer (remove "
			   "them, or give the mode)",
			   s->path[0] ? s->path : "", s->path[0] ? ": " : "", what);
	return 0;
}

int mode_auto_apply(const struct up_settings *s, const struct hb46pp_config *c, const char *url,
		    struct up_settings *out, char *err, size_t errlen)
{
	char m[1024], key[40], value[HB46PP_VALUE_MAX];
	char *w[2] = { key, value };

	if (mode_auto_check(s, err, errlen))
		return -1;
	*out = *s;
	out->set[UK_MODE] = false;
	out->val[UK_MODE] = MAPCE_MODE_MAP_E;
	for (int i = 0; i < c->n; i++) {
		snprintf(key, sizeof(key), "%s", c->lines[i].key);
		snprintf(value, sizeof(value), "%s", c->lines[i].value);
		if (config_line_apply(out, w, 2, 0, m, sizeof(m)))
			return BAD("the answer of %s: %s %s: %s", url, c->lines[i].key,
				   c->lines[i].value, m);
	}
	/* dns asked the TXT record; for dslite it also resolves the AFTR's
	 * name, the other modes take none */
	if (out->val[UK_MODE] != MAPCE_MODE_DSLITE)
		out->set[UK_DNS] = false;
	return 0;
}

static unsigned int ttl_min(const struct up_settings *s)
{
	return s->set[UK_PROVISION_TTL_MIN] ? (unsigned int)s->val[UK_PROVISION_TTL_MIN]
					    : PROVISION_TTL_MIN_S;
}

unsigned int mode_auto_refresh_s(const struct up_settings *s, bool have_ttl, unsigned int ttl)
{
	unsigned int t = have_ttl ? ttl : NO_TTL_S;

	if (t < ttl_min(s))
		t = ttl_min(s);
	return t > HB46PP_TTL_MAX ? HB46PP_TTL_MAX : t;
}

unsigned int mode_auto_retry_s(const struct up_settings *s, unsigned int failures)
{
	unsigned int t = ttl_min(s);

	for (unsigned int i = 1; i < failures && t < PROVISION_RETRY_MAX_S; i++)
		t *= 2;
	return t > PROVISION_RETRY_MAX_S ? PROVISION_RETRY_MAX_S : t;
}
