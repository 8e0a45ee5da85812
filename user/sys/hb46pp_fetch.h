/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hb46pp_fetch.h - ask an HB46PP provisioning server (core/hb46pp.h) over
 * HTTPS with libcurl: the server's name resolved (AAAA) through the WAN's
 * DNS servers, the request over IPv6 (§3.3: MUST) out of the WAN
 * interface, the certificate always verified (the system's CAs, or one
 * given file), plain http only when the caller allows it.
 */
#ifndef MAPCE_HB46PP_FETCH_H
#define MAPCE_HB46PP_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "sys/resolve.h"

#define HB46PP_FETCH_TIMEOUT_S 30 /* the whole exchange */
#define HB46PP_MAX_REDIRS 3	  /* §3.3's 307 to another server */

struct hb46pp_fetch {
	const char *url;		/* with the query (hb46pp_query_url) */
	const char *ifname;		/* the WAN; NULL: wherever routing says */
	const char *ca_file;		/* NULL: the system's CA store */
	bool allow_http;		/* an http:// URL is taken (else refused) */
	const struct resolve_conf *dns; /* the server's name through these */
	const char *user_agent;
};

/* GET the URL: 0 with the HTTP 200 body in *body (malloc'd, NUL-terminated,
 * *len bytes; free it), or -1 with a message naming the URL in err. */
int hb46pp_fetch(const struct hb46pp_fetch *f, char **body, size_t *len, char *err, size_t errlen);

/* The OUI of ifname's MAC address as 6 hex digits (out: 7 bytes): the
 * vendorid §3.3 wants.  0, or -1 when the address is not a universally
 * administered one (a veth's, a random one: no vendor in it). */
int hb46pp_wan_oui(const char *ifname, char out[7], char *err, size_t errlen);

#endif
