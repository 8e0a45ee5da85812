// SPDX-License-Identifier: GPL-2.0-only
/*
 * http_client.c - the libcurl easy handle mapce's requests share
 * (http_client.h).
 */
#include <stdlib.h>
#include <string.h>

#include "sys/http_client.h"

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct http_body *b = arg;
	size_t add = size * n;
	char *nb;

	if (b->len + add > b->max) {
		b->too_big = true;
		return 0; /* libcurl stops with CURLE_WRITE_ERROR */
	}
	nb = realloc(b->buf, b->len + add + 1);
	if (!nb)
		return 0;
	memcpy(nb + b->len, p, add);
	b->buf = nb;
	b->len += add;
	b->buf[b->len] = '\0';
	return add;
}

CURL *http_easy_new(const struct http_opts *o, struct http_body *body, char *cerr)
{
	const char *protos = o->allow_http ? "https,http" : "https";
	CURL *c = curl_easy_init();

	cerr[0] = '\0';
	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, protos);
	curl_easy_setopt(c, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->iface)
		curl_easy_setopt(c, CURLOPT_INTERFACE, o->iface);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
	return c;
}

const char *http_error(CURLcode rc, const char *cerr)
{
	return cerr[0] ? cerr : curl_easy_strerror(rc);
}
