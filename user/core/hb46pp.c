// SPDX-License-Identifier: GPL-2.0-only
/*
 * hb46pp.c - HB46PP's TXT record (§3.1) and the CE's query (§3.3)
 * (hb46pp.h); the JSON answer is hb46pp_json.c's.
 */
#include <stdio.h>
#include <string.h>

#include "core/hb46pp.h"
#include "core/parse.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)

/* A URL as mapce takes one: http:// or https://, a host, printable ASCII
 * without blanks or quotes.  The rest (the host's syntax, the port) is
 * libcurl's to check when it parses it. */
static int check_url(const char *u, char *err, size_t errlen)
{
	const char *host;

	if (strlen(u) > HB46PP_URL_MAX)
		return BAD("url: longer than %d characters", HB46PP_URL_MAX);
	for (const char *p = u; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\\')
			return BAD("url '%.64s...': character 0x%02x not allowed in a URL", u,
				   (unsigned char)*p);
	if (!strncmp(u, "https://", 8))
		host = u + 8;
	else if (!strncmp(u, "http://", 7))
		host = u + 7;
	else
		return BAD("url '%s': not an http:// or https:// URL", u);
	if (!*host || *host == '/' || *host == '?' || *host == '#')
		return BAD("url '%s': no host", u);
	if (strchr(u, '#'))
		return BAD("url '%s': a fragment (#) has no place in a query URL", u);
	return 0;
}

int hb46pp_parse_txt(const char *txt, struct hb46pp_txt *t, char *err, size_t errlen)
{
	char buf[HB46PP_URL_MAX + 64], *save = NULL, *w;
	bool have_v = false, have_t = false;
	int i = 0;

	memset(t, 0, sizeof(*t));
	if (strlen(txt) >= sizeof(buf))
		return BAD("TXT record: longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, txt);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save), i++) {
		if (!strncmp(w, "v=", 2)) {
			if (have_v)
				return BAD("TXT record: v= given twice");
			/* the version comes first: a record of another version
			 * may have other fields after it */
			if (i != 0 || strcmp(w + 2, "v6mig-1"))
				return BAD("TXT record: '%.64s': not a v=v6mig-1 record", w);
			have_v = true;
		} else if (!have_v) {
			return BAD("TXT record '%.64s': does not start with v=v6mig-1", txt);
		} else if (!strncmp(w, "url=", 4)) {
			if (t->url[0])
				return BAD("TXT record: url= given twice");
			if (!w[4])
				return BAD("TXT record: url= is empty");
			if (check_url(w + 4, err, errlen))
				return -1;
			strcpy(t->url, w + 4);
		} else if (!strncmp(w, "t=", 2)) {
			if (have_t)
				return BAD("TXT record: t= given twice");
			if (strcmp(w + 2, "a") && strcmp(w + 2, "b"))
				return BAD("TXT record: t=%.16s: not a or b", w + 2);
			t->verify = w[2] == 'b';
			have_t = true;
		} else {
			return BAD("TXT record: unknown field '%.64s'", w);
		}
	}
	if (!have_v)
		return BAD("TXT record: empty");
	if (!t->url[0])
		return BAD("TXT record: no url=");
	if (!have_t)
		return BAD("TXT record: no t=");
	/* §3.1: an http URL MUST say t=a; the two together or neither */
	if (!strncmp(t->url, "http://", 7) && t->verify)
		return BAD("TXT record: t=b (verify the certificate) with the http URL '%s'",
			   t->url);
	return 0;
}

void hb46pp_version(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len && n < 32; in++)
		out[n++] = (*in >= '0' && *in <= '9') ? *in : '_';
	if (!n && len > 1)
		out[n++] = '0';
	if (len)
		out[n] = '\0';
}

/* Every character of s in set (a strspn set), 1 to max of them. */
static bool only(const char *s, const char *set, size_t max)
{
	size_t n = strlen(s);

	return n >= 1 && n <= max && strspn(s, set) == n;
}

#define DIGITS "0123456789"
#define ALNUM DIGITS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define HEX DIGITS "abcdefABCDEF"

int hb46pp_check_vendorid(const char *what, const char *v, char *err, size_t errlen)
{
	char oui[7];

	if (strlen(v) < 6)
		return BAD("%s '%s': not OUI[-NAME] (6 hex digits)", what, v);
	memcpy(oui, v, 6);
	oui[6] = '\0';
	if (!only(oui, HEX, 6) || (v[6] && v[6] != '-') ||
	    (v[6] == '-' && !only(v + 7, ALNUM "_", 24)))
		return BAD("%s '%s': not OUI[-NAME] (6 hex digits, then '-' and up to 24 of "
			   "0-9 a-z A-Z _)",
			   what, v);
	return 0;
}

int hb46pp_query_url(const char *url, const struct hb46pp_client *c, char *out, size_t len,
		     char *err, size_t errlen)
{
	int n;

	if (check_url(url, err, errlen) ||
	    hb46pp_check_vendorid("vendorid", c->vendorid, err, errlen))
		return -1;
	if (!only(c->product, ALNUM "_-", 32))
		return BAD("product '%s': 1-32 of 0-9 a-z A-Z _ -", c->product);
	if (!only(c->version, DIGITS "_", 32))
		return BAD("version '%s': 1-32 of 0-9 _", c->version);
	if (!only(c->capability, "abcdefghijklmnopqrstuvwxyz0123456789_,", 128))
		return BAD("capability '%s': not a list of service names", c->capability);
	/* every value is in the unreserved set, or ',' (a sub-delimiter
	 * allowed in a query), so none needs percent-encoding */
	n = snprintf(out, len, "%s%cvendorid=%s&product=%s&version=%s&capability=%s", url,
		     strchr(url, '?') ? '&' : '?', c->vendorid, c->product, c->version,
		     c->capability);
	if (n < 0 || (size_t)n >= len || (size_t)n > HB46PP_URL_MAX)
		return BAD("url '%.64s...': too long with the query", url);
	return 0;
}

const char *hb46pp_service_name(enum hb46pp_service s)
{
	switch (s) {
	case HB46PP_MAP_E:
		return "map_e";
	case HB46PP_DSLITE:
		return "dslite";
	case HB46PP_LW4O6:
		return "lw4o6";
	case HB46PP_IPIP:
		return "ipip";
	case HB46PP_MAP_T:
		return "map_t";
	case HB46PP_464XLAT:
		return "464xlat";
	case HB46PP_NONE:
		break;
	}
	return "none";
}
