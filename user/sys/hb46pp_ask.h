/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hb46pp_ask.h - the whole HB46PP question, as `mapce provision` and
 * `mode auto` ask it: the server from --url (or the config's
 * provision-url), else from the DNS TXT record 4over6.info asked of the
 * line's DNS servers; the query with the CE's vendorid (the OUI of the
 * WAN's MAC), product, version and capability (core/hb46pp.h); the GET
 * (sys/hb46pp_fetch.h); the answer parsed and turned into config lines
 * (core/hb46pp_config.h).
 */
#ifndef MAPCE_HB46PP_ASK_H
#define MAPCE_HB46PP_ASK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/hb46pp.h"
#include "core/hb46pp_config.h"
#include "sys/resolve.h"

#define HB46PP_PRODUCT "mapce"

struct hb46pp_ask {
	const char *wan;	/* the DNS questions and the GET leave through it */
	const char *url;	/* the server; NULL: the TXT record */
	const char *ca;		/* the CA file; NULL: the system's */
	const char *vendorid;	/* NULL: the OUI of the WAN's MAC + "-mapce" */
	const char *const *dns; /* the line's DNS servers (n_dns); none: resolv.conf */
	int n_dns;
	bool allow_http;
};

/* Ask: 0 with the answer in *a, its service as config lines in *c and the
 * server's URL (without the query) in url; or -1 with a message in err
 * (the field of a malformed answer named, prefixed "the answer of URL:")
 * and *usage set when the arguments were at fault (no vendorid). */
int hb46pp_ask(const struct hb46pp_ask *q, struct hb46pp_answer *a, struct hb46pp_config *c,
	       char url[HB46PP_URL_MAX + 1], bool *usage, char *err, size_t errlen);

#endif
