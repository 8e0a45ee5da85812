// SPDX-License-Identifier: GPL-2.0-only
/*
 * hb46pp_config.c - an HB46PP answer as config lines (hb46pp_config.h).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hb46pp_config.h"
#include "core/parse.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)

static void add(struct hb46pp_config *c, const char *key, const char *json, enum hb46pp_kind kind,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add(struct hb46pp_config *c, const char *key, const char *json, enum hb46pp_kind kind,
		const char *fmt, ...)
{
	struct hb46pp_line *l;
	va_list ap;

	if (c->n >= HB46PP_CONFIG_MAX)
		return; /* cannot happen: MAPCE_MAX_RULES rules and a few keys */
	l = &c->lines[c->n++];
	l->key = key;
	l->json = json;
	l->kind = kind;
	va_start(ap, fmt);
	vsnprintf(l->value, sizeof(l->value), fmt, ap);
	va_end(ap);
}

static const char *fmt6(const __u8 a[16], char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static const char *fmt4(__be32 a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void map_e(const struct hb46pp_answer *a, struct hb46pp_config *c)
{
	char buf[128], a6[INET6_ADDRSTRLEN];

	for (int i = 0; i < a->map_e.n_rules; i++)
		add(c, "rule", "rule", HB46PP_LIST, "%s",
		    mapce_rule_format(&a->map_e.rules[i], buf, sizeof(buf)));
	add(c, "br", "br", HB46PP_STR, "%s", fmt6(a->map_e.br, a6));
	add(c, "legacy-iid", "legacy_iid", HB46PP_BOOL, "%s", a->map_e.legacy_iid ? "yes" : "no");
	add(c, "mesh", "mesh", HB46PP_BOOL, "%s", a->map_e.mesh ? "yes" : "no");
}

static void lw4o6(const struct hb46pp_answer *a, struct hb46pp_config *c)
{
	char a4[INET_ADDRSTRLEN];

	add(c, "mode", "mode", HB46PP_STR, "lw4o6");
	add(c, "ipv4", "ipv4", HB46PP_STR, "%s", fmt4(a->lw4o6.ipv4, a4));
	add(c, "psid", "psid", HB46PP_UINT, "%u", a->lw4o6.psid);
	add(c, "psid-len", "psid_len", HB46PP_UINT, "%u", a->lw4o6.psid_len);
	add(c, "psid-offset", "psid_offset", HB46PP_UINT, "%u", a->lw4o6.psid_offset);
	add(c, "br", "br", HB46PP_STR, "%s", a->lw4o6.lwaftr);
}

static void ipip(const struct hb46pp_answer *a, struct hb46pp_config *c)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	__u8 iid[16] = { 0 };

	add(c, "mode", "mode", HB46PP_STR, "ipip6");
	/* one address: as --ipv4 takes it; a routed prefix as ADDR/LEN */
	if (a->ipip.ipv4_len == 32)
		add(c, "ipv4", "ipv4", HB46PP_STR, "%s", fmt4(a->ipip.ipv4, a4));
	else
		add(c, "ipv4", "ipv4", HB46PP_STR, "%s/%u", fmt4(a->ipip.ipv4, a4),
		    a->ipip.ipv4_len);
	add(c, "br", "br", HB46PP_STR, "%s", fmt6(a->ipip.remote, a6));
	/* the tunnel's local address is the line's /64 + this: the /64 part
	 * follows the line (a new prefix), the interface id is the contract's */
	memcpy(iid + 8, a->ipip.local + 8, 8);
	/* as four groups, high first ("c6:3364:7b00:0"): the form --iid
	 * takes whatever the groups hold ("::A:B:C:D" would not parse) */
	add(c, "iid", "iid", HB46PP_STR, "%x:%x:%x:%x", iid[8] << 8 | iid[9],
	    iid[10] << 8 | iid[11], iid[12] << 8 | iid[13], iid[14] << 8 | iid[15]);
	c->note = "the update call (update-url, update-user, update-password) is not part of "
		  "the answer: add your provider's";
}

int hb46pp_config(const struct hb46pp_answer *a, struct hb46pp_config *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->service = a->service;
	switch (a->service) {
	case HB46PP_MAP_E:
		map_e(a, c);
		return 0;
	case HB46PP_DSLITE:
		add(c, "mode", "mode", HB46PP_STR, "dslite");
		add(c, "aftr", "aftr", HB46PP_STR, "%s", a->dslite.aftr);
		return 0;
	case HB46PP_LW4O6:
		if (!a->lw4o6.is_addr)
			return BAD("lw4o6.lwaftr '%s' is a name; mapce takes the lwAFTR's "
				   "address only",
				   a->lw4o6.lwaftr);
		lw4o6(a, c);
		return 0;
	case HB46PP_IPIP:
		ipip(a, c);
		return 0;
	default:
		break;
	}
	if (!a->n_order)
		return BAD("no service for this line (order: [])");
	return BAD("no service mapce runs for this line (order: only services other than map_e, "
		   "dslite, lw4o6, ipip)");
}

bool hb46pp_config_same(const struct hb46pp_config *a, const struct hb46pp_config *b)
{
	if (a->service != b->service || a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->lines[i].key, b->lines[i].key) ||
		    strcmp(a->lines[i].value, b->lines[i].value))
			return false;
	return true;
}
