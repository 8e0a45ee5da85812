/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * update_url.h - the text of the update call (the registration request
 * fixed-IPv4 services want from the tunnel's local IPv6 address after
 * every change of it), without any network: the URL checked, the
 * credentials put into it, what may be shown of it, what may be kept of
 * the reply.  sys/update_call.h makes the request.
 *
 * The URL is a template: "{user}" and "{password}" are replaced by the
 * values percent-encoded (RFC 3986 section 2.1: every octet but the
 * unreserved ALPHA DIGIT - . _ ~ as %XX), e.g. JPIX's
 *   http://fcs.enabler.ne.jp/update?user={user}&pass={password}
 * Without "{password}" the credentials go as HTTP Basic auth (RFC 7617).
 * The password never appears in anything this file shows: shown URLs
 * carry "****" in its place, a reply echoing it gets "****" too.
 */
#ifndef MAPCE_UPDATE_URL_H
#define MAPCE_UPDATE_URL_H

#include <stdbool.h>
#include <stddef.h>

#define UPDATE_URL_MAX 1024	/* the template and the URL made from it */
#define UPDATE_CRED_MAX 256	/* user and password, bytes */
#define UPDATE_REPLY_MAX 200	/* reply body bytes kept (log, state, status) */
#define UPDATE_RETRY_MIN_S 30	/* the first retry after a failure ... */
#define UPDATE_RETRY_MAX_S 3600 /* ... doubled up to this */
#define UPDATE_HIDDEN "****"	/* the password, wherever it is shown */
#define UPDATE_PH_USER "{user}" /* the placeholders of the template */
#define UPDATE_PH_PASS "{password}"

/* A template as the config file gives it: http:// or https://, a host,
 * no blank or control character, at most UPDATE_URL_MAX - 1 bytes.
 * *https: its scheme.  0, or -1 with why in err (naming the URL: a
 * template holds no password, only its placeholder). */
int update_url_check(const char *url, bool *https, char *err, size_t errlen);

/* Does the template carry ph (UPDATE_PH_USER / UPDATE_PH_PASS)? */
bool update_url_has(const char *url, const char *ph);

/* s percent-encoded into out (RFC 3986 unreserved kept).  0, or -1 when
 * out (len bytes) is too small. */
int update_pct_encode(const char *s, char *out, size_t len);

/* The URL to ask: the template with {user} and {password} replaced by
 * the percent-encoded values; with show set, the password as
 * UPDATE_HIDDEN (not encoded) instead: the URL that may be logged.
 * 0, or -1 when it would be longer than len - 1. */
int update_url_expand(const char *tmpl, const char *user, const char *pass, bool show, char *out,
		      size_t len);

/* What may be kept of a reply body: at most UPDATE_REPLY_MAX bytes of
 * body[0..n), every byte outside printable ASCII (0x20..0x7e) as '.',
 * the password (as sent, raw and percent-encoded) as UPDATE_HIDDEN, a
 * trailing "..." when cut; trailing blanks and line ends dropped.  out: at least UPDATE_REPLY_MAX +
 * 8 bytes. */
void update_reply_clean(const char *body, size_t n, const char *pass, char *out, size_t len);

/* The delay before retry number tries (1: the first after a failure):
 * min_s doubled per try, at most UPDATE_RETRY_MAX_S. */
unsigned int update_backoff_s(unsigned int min_s, unsigned int tries);

#endif
