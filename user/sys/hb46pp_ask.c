// SPDX-License-Identifier: GPL-2.0-only
/*
 * hb46pp_ask.c - find the HB46PP server, ask it, read its answer
 * (hb46pp_ask.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/output.h"
#include "core/parse.h"
#include "core/version.h"
#include "sys/hb46pp_ask.h"
#include "sys/hb46pp_fetch.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)

static int setup_dns(const struct hb46pp_ask *q, struct resolve_conf *dns, char *err, size_t errlen)
{
	char msg[512];

	resolve_conf_init(dns, q->wan);
	for (int i = 0; i < q->n_dns; i++)
		if (resolve_add_server(dns, q->dns[i], msg, sizeof(msg)))
			return BAD("dns: %s", msg);
	if (!q->n_dns && resolve_add_resolv_conf(dns, NULL, msg, sizeof(msg)))
		return BAD("%s", msg);
	return 0;
}

/* The server's URL: the one given, or the TXT record through the line's DNS. */
static int find_server(const struct hb46pp_ask *q, const struct resolve_conf *dns,
		       struct hb46pp_txt *t, char *err, size_t errlen)
{
	char txt[HB46PP_URL_MAX + 64], msg[768];
	__u32 ttl;
	int n;

	if (q->url) {
		memset(t, 0, sizeof(*t));
		if (strlen(q->url) > HB46PP_URL_MAX)
			return BAD("url: longer than %d characters", HB46PP_URL_MAX);
		snprintf(t->url, sizeof(t->url), "%s", q->url);
		t->verify = true;
		return 0;
	}
	n = resolve_txt(HB46PP_TXT_NAME, dns, txt, sizeof(txt), &ttl, msg, sizeof(msg));
	if (n == RESOLVE_NXDOMAIN || n == RESOLVE_NODATA)
		return BAD("no HB46PP server on this line (%s)", msg);
	if (n < 0)
		return BAD("%s", msg);
	if (n > 1)
		return BAD("TXT %s: %d records (the specification allows one)", HB46PP_TXT_NAME, n);
	if (hb46pp_parse_txt(txt, t, msg, sizeof(msg)))
		return BAD("%s: %s", HB46PP_TXT_NAME, msg);
	if (!t->verify && !strncmp(t->url, "https://", 8))
		pr_warn("provision: the TXT record says t=a (no certificate check); mapce checks "
			"it all the same (--ca for a private CA)");
	return 0;
}

int hb46pp_ask(const struct hb46pp_ask *q, struct hb46pp_answer *a, struct hb46pp_config *c,
	       char url[HB46PP_URL_MAX + 1], bool *usage, char *err, size_t errlen)
{
	static char query[HB46PP_URL_MAX + 1];
	struct resolve_conf dns;
	struct hb46pp_txt t;
	struct hb46pp_fetch f;
	struct hb46pp_client cl;
	char oui[7], vendorid[40], version[40], ua[64], msg[768], *body = NULL;
	const char *vid = q->vendorid;
	size_t len = 0;
	int ret;

	*usage = false;
	if (!vid) {
		if (!q->wan) {
			*usage = true;
			return BAD("give --wan IF (its MAC's OUI is the vendorid) or --vendorid "
				   "OUI[-NAME]");
		}
		if (hb46pp_wan_oui(q->wan, oui, msg, sizeof(msg)))
			return BAD("%s: give --vendorid OUI[-NAME]", msg);
		snprintf(vendorid, sizeof(vendorid), "%s-%s", oui, HB46PP_PRODUCT);
		vid = vendorid;
	}
	if (setup_dns(q, &dns, err, errlen) || find_server(q, &dns, &t, err, errlen))
		return -1;
	snprintf(url, HB46PP_URL_MAX + 1, "%s", t.url);
	hb46pp_version(MAPCE_VERSION, version, sizeof(version));
	cl = (struct hb46pp_client){ .vendorid = vid,
				     .product = HB46PP_PRODUCT,
				     .version = version,
				     .capability = HB46PP_CAPABILITY };
	if (hb46pp_query_url(t.url, &cl, query, sizeof(query), err, errlen))
		return -1;
	snprintf(ua, sizeof(ua), "mapce/%s", MAPCE_VERSION);
	f = (struct hb46pp_fetch){ .url = query,
				   .ifname = q->wan,
				   .ca_file = q->ca,
				   .allow_http = q->allow_http,
				   .dns = &dns,
				   .user_agent = ua };
	if (hb46pp_fetch(&f, &body, &len, err, errlen))
		return -1;
	ret = hb46pp_parse(body, len, a, msg, sizeof(msg));
	free(body);
	if (ret)
		return BAD("the answer of %s: %s", t.url, msg);
	if (hb46pp_config(a, c, msg, sizeof(msg)))
		return BAD("%s: %s", t.url, msg);
	return 0;
}
