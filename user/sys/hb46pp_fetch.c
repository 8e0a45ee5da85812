// SPDX-License-Identifier: GPL-2.0-only
/*
 * hb46pp_fetch.c - the HTTPS GET of an HB46PP answer (hb46pp_fetch.h).
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hb46pp.h"
#include "core/parse.h"
#include "sys/hb46pp_fetch.h"
#include "sys/http_client.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)

/* The URL's scheme, host and port (libcurl's parser, the one that will
 * use it). */
static int url_parts(const char *url, bool *https, char *host, size_t hostlen, long *port,
		     char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *p = NULL;
	int ret = -1;

	if (!u)
		return BAD("url %s: out of memory", url);
	if (curl_url_set(u, CURLUPART_URL, url, 0) ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &h, 0) ||
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT)) {
		mapce_errf(err, errlen, "url '%s': not a URL libcurl takes", url);
		goto out;
	}
	if (strlen(h) >= hostlen) {
		mapce_errf(err, errlen, "url '%s': the host name is too long", url);
		goto out;
	}
	*https = !strcmp(scheme, "https");
	snprintf(host, hostlen, "%s", h);
	*port = strtol(p, NULL, 10);
	ret = 0;
out:
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return ret;
}

/* The host's address through the WAN's DNS, pinned for libcurl
 * ("HOST:PORT:[ADDR]"), so that the name is not asked of the system's
 * resolver (which may not be the line's); a literal needs none. */
static int pin_host(const struct hb46pp_fetch *f, const char *host, long port,
		    struct curl_slist **list, char *err, size_t errlen)
{
	struct in6_addr a;
	char txt[INET6_ADDRSTRLEN], entry[HB46PP_URL_MAX + 80], msg[512];
	struct curl_slist *l;
	__u32 ttl;

	if (host[0] == '[')
		return 0;
	if (inet_pton(AF_INET, host, &a) == 1)
		return BAD("url host %s: an IPv4 address (the server is asked over IPv6)", host);
	if (!f->dns)
		return 0;
	if (resolve_aaaa(host, f->dns, &a, &ttl, msg, sizeof(msg)))
		return BAD("the provisioning server's address: %s", msg);
	inet_ntop(AF_INET6, &a, txt, sizeof(txt));
	snprintf(entry, sizeof(entry), "%s:%ld:[%s]", host, port, txt);
	l = curl_slist_append(*list, entry);
	if (!l)
		return BAD("out of memory");
	*list = l;
	return 0;
}

int hb46pp_fetch(const struct hb46pp_fetch *f, char **body, size_t *len, char *err, size_t errlen)
{
	char host[256] = "", iface[IF_NAMESIZE + 4], cerr[CURL_ERROR_SIZE] = "";
	struct curl_slist *pins = NULL;
	struct http_body b = { .max = HB46PP_ANSWER_MAX };
	struct http_opts o = {
		.url = f->url,
		.allow_http = f->allow_http,
		.ca_file = f->ca_file,
		.timeout_s = HB46PP_FETCH_TIMEOUT_S,
		.connect_timeout_s = 10,
		.user_agent = f->user_agent,
	};
	long port = 0, status = 0;
	bool https = false;
	CURLcode rc;
	CURL *c;
	int ret = -1;

	*body = NULL;
	*len = 0;
	if (url_parts(f->url, &https, host, sizeof(host), &port, err, errlen))
		return -1;
	if (!https && !f->allow_http)
		return BAD("url %s: plain http refused (the answer could be anyone's; "
			   "--allow-http takes an http:// URL)",
			   f->url);
	if (pin_host(f, host, port, &pins, err, errlen))
		goto out_pins;
	if (f->ifname) {
		/* "if!": the interface only, never taken for a host name */
		snprintf(iface, sizeof(iface), "if!%s", f->ifname);
		o.iface = iface;
	}
	c = http_easy_new(&o, &b, cerr);
	if (!c) {
		mapce_errf(err, errlen, "libcurl: cannot start");
		goto out_pins;
	}
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)HB46PP_MAX_REDIRS);
	if (pins)
		curl_easy_setopt(c, CURLOPT_RESOLVE, pins);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (b.too_big)
		mapce_errf(err, errlen, "%s: the answer is longer than %zu bytes", f->url,
			   HB46PP_ANSWER_MAX);
	else if (rc != CURLE_OK)
		mapce_errf(err, errlen, "%s: %s", f->url, http_error(rc, cerr));
	else if (status == 403 || status == 404)
		mapce_errf(err, errlen, "%s: HTTP %ld: the server does not provision this line",
			   f->url, status);
	else if (status != 200)
		mapce_errf(err, errlen, "%s: HTTP %ld (200 expected)", f->url, status);
	else
		ret = 0;
	curl_easy_cleanup(c);
out_pins:
	curl_slist_free_all(pins);
	if (ret) {
		free(b.buf);
		return -1;
	}
	if (!b.buf) { /* an empty 200 */
		free(b.buf);
		return BAD("%s: HTTP 200 with an empty body", f->url);
	}
	*body = b.buf;
	*len = b.len;
	return 0;
}

int hb46pp_wan_oui(const char *ifname, char out[7], char *err, size_t errlen)
{
	struct ifreq ifr = { 0 };
	const unsigned char *m;
	int fd, r;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return BAD("%s: not an interface name", ifname);
	strcpy(ifr.ifr_name, ifname);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return BAD("socket: %m");
	r = ioctl(fd, SIOCGIFHWADDR, &ifr);
	close(fd);
	if (r)
		return BAD("%s: %m", ifname);
	m = (const unsigned char *)ifr.ifr_hwaddr.sa_data;
	/* the U/L bit: a locally administered address names no vendor */
	if (m[0] & 0x02)
		return BAD("%s's MAC address %02x:%02x:%02x:... is locally administered (no "
			   "vendor OUI in it)",
			   ifname, m[0], m[1], m[2]);
	snprintf(out, 7, "%02x%02x%02x", m[0], m[1], m[2]);
	return 0;
}
