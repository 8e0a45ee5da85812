// SPDX-License-Identifier: GPL-2.0-only
/*
 * update_url.c - the update call's URL, credentials and reply as text
 * (update_url.h): pure functions, no network.
 */
#include <stdio.h>
#include <string.h>

#include "core/parse.h"
#include "core/update_url.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

int update_url_check(const char *url, bool *https, char *err, size_t errlen)
{
	const char *host;
	size_t hostlen;

	if (strlen(url) >= UPDATE_URL_MAX)
		return BAD("update-url: longer than %d characters", UPDATE_URL_MAX - 1);
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return BAD("update-url '%s': a blank or control character at position %d",
				   url, (int)(p - url) + 1);
	if (!strncmp(url, "https://", 8)) {
		*https = true;
		host = url + 8;
	} else if (!strncmp(url, "http://", 7)) {
		*https = false;
		host = url + 7;
	} else {
		return BAD("update-url '%s': not an http:// or https:// URL", url);
	}
	hostlen = strcspn(host, "/?#");
	if (memchr(host, '@', hostlen))
		return BAD("update-url '%s': credentials in the URL (give update-user and "
			   "update-password; the URL takes {user} and {password})",
			   url);
	if (!hostlen || host[0] == ':')
		return BAD("update-url '%s': no host", url);
	if (host[0] == '[' && !memchr(host, ']', hostlen))
		return BAD("update-url '%s': an IPv6 address without its closing ']'", url);
	return 0;
}

bool update_url_has(const char *url, const char *ph)
{
	return strstr(url, ph) != NULL;
}

/* RFC 3986 section 2.3 */
static bool unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

int update_pct_encode(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p)) {
			if (o + 1 >= len)
				return -1;
			out[o++] = (char)*p;
			continue;
		}
		if (o + 3 >= len)
			return -1;
		out[o++] = '%';
		out[o++] = hex[*p >> 4];
		out[o++] = hex[*p & 15];
	}
	if (!len)
		return -1;
	out[o] = '\0';
	return 0;
}

int update_url_expand(const char *tmpl, const char *user, const char *pass, bool show, char *out,
		      size_t len)
{
	char u[UPDATE_CRED_MAX * 3 + 1], pw[UPDATE_CRED_MAX * 3 + 1];
	size_t o = 0;

	if (update_pct_encode(user ? user : "", u, sizeof(u)) ||
	    update_pct_encode(pass ? pass : "", pw, sizeof(pw)))
		return -1;
	if (show)
		snprintf(pw, sizeof(pw), "%s", UPDATE_HIDDEN);
	for (const char *p = tmpl; *p;) {
		const char *put = NULL;
		size_t skip = 1, n;

		if (!strncmp(p, UPDATE_PH_USER, strlen(UPDATE_PH_USER))) {
			put = u;
			skip = strlen(UPDATE_PH_USER);
		} else if (!strncmp(p, UPDATE_PH_PASS, strlen(UPDATE_PH_PASS))) {
			put = pw;
			skip = strlen(UPDATE_PH_PASS);
		}
		n = put ? strlen(put) : 1;
		if (o + n >= len)
			return -1;
		memcpy(out + o, put ? put : p, n);
		o += n;
		p += skip;
	}
	if (!len)
		return -1;
	out[o] = '\0';
	return 0;
}

void update_reply_clean(const char *body, size_t n, const char *pass, char *out, size_t len)
{
	char enc[UPDATE_CRED_MAX * 3 + 1] = "";
	const char *hide[2] = { pass && *pass ? pass : NULL, NULL };
	size_t o = 0, i = 0;

	if (!len)
		return;
	while (n && strchr(" \t\r\n", body[n - 1])) /* "OK\r\n" is "OK" */
		n--;
	if (hide[0] && !update_pct_encode(pass, enc, sizeof(enc)) && strcmp(enc, pass))
		hide[1] = enc;
	while (i < n && o < UPDATE_REPLY_MAX && o + 1 < len) {
		size_t hit = 0;

		/* the whole password is matched in the whole body: one cut by
		 * the limit is hidden too */
		for (int k = 0; k < 2 && !hit; k++)
			if (hide[k] && strlen(hide[k]) <= n - i &&
			    !memcmp(body + i, hide[k], strlen(hide[k])))
				hit = strlen(hide[k]);
		if (hit) {
			if (o + strlen(UPDATE_HIDDEN) + 1 >= len)
				break;
			memcpy(out + o, UPDATE_HIDDEN, strlen(UPDATE_HIDDEN));
			o += strlen(UPDATE_HIDDEN);
			i += hit;
			continue;
		}
		out[o++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : '.';
		i++;
	}
	if (i < n && o + 4 <= len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

unsigned int update_backoff_s(unsigned int min_s, unsigned int tries)
{
	unsigned long d = min_s ? min_s : 1;

	for (unsigned int i = 1; i < tries && d < UPDATE_RETRY_MAX_S; i++)
		d *= 2;
	return d > UPDATE_RETRY_MAX_S ? UPDATE_RETRY_MAX_S : (unsigned int)d;
}
