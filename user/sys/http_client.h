/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * http_client.h - what mapce's HTTP(S) requests share (libcurl easy
 * handles): the reply body collected up to a bound, the protocols taken,
 * the certificate always verified (the system's CAs, or one file),
 * bounded timeouts, no signals.  The HB46PP fetch (hb46pp_fetch.h) and
 * the update call (update_call.h) add their own options to the handle.
 */
#ifndef MAPCE_HTTP_CLIENT_H
#define MAPCE_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

/* A reply body: NUL-terminated, at most max bytes (more: too_big set and
 * the transfer stopped with CURLE_WRITE_ERROR). */
struct http_body {
	char *buf; /* malloc'd; free() it */
	size_t len, max;
	bool too_big;
};

struct http_opts {
	const char *url;
	bool allow_http;     /* http:// taken besides https:// */
	const char *ca_file; /* NULL: the system's CA store */
	const char *iface;   /* CURLOPT_INTERFACE ("if!IF", "host!ADDR"); NULL: none */
	long timeout_s;	     /* the whole exchange */
	long connect_timeout_s;
	const char *user_agent;
};

/* An easy handle set up for a GET of o->url over IPv6 into *body, errors
 * into cerr (CURL_ERROR_SIZE bytes); NULL when libcurl cannot start. */
CURL *http_easy_new(const struct http_opts *o, struct http_body *body, char *cerr);

/* The message of a failed transfer: libcurl's error buffer, else its
 * code's text. */
const char *http_error(CURLcode rc, const char *cerr);

#endif
