// SPDX-License-Identifier: GPL-2.0-only
/*
 * update_call.c - the update call over libcurl and its record
 * (update_call.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config_file.h"
#include "core/version.h"
#include "sys/http_client.h"
#include "sys/kv_file.h"
#include "sys/update_call.h"

#define UPDATE_BODY_MAX ((size_t)64 * 1024) /* reply bytes read (UPDATE_REPLY_MAX kept) */
#define RECORD_MAX_LINES 32

void update_req_from(struct update_req *r, const struct up_settings *s, const __u8 addr[16])
{
	memset(r, 0, sizeof(*r));
	snprintf(r->url, sizeof(r->url), "%s", s->update_url);
	snprintf(r->user, sizeof(r->user), "%s", s->update_user);
	snprintf(r->pass, sizeof(r->pass), "%s", s->update_password);
	snprintf(r->ca, sizeof(r->ca), "%s", s->update_ca);
	r->insecure = s->set[UK_UPDATE_INSECURE] && s->val[UK_UPDATE_INSECURE];
	r->retry_min_s = s->set[UK_UPDATE_RETRY_MIN] ? (unsigned int)s->val[UK_UPDATE_RETRY_MIN]
						     : UPDATE_RETRY_MIN_S;
	memcpy(r->addr, addr, 16);
}

bool update_req_same(const struct update_req *a, const struct update_req *b)
{
	return !strcmp(a->url, b->url) && !strcmp(a->user, b->user) && !strcmp(a->pass, b->pass) &&
	       !strcmp(a->ca, b->ca) && a->insecure == b->insecure &&
	       a->retry_min_s == b->retry_min_s && !memcmp(a->addr, b->addr, 16);
}

/* libcurl asks about once a second (and at every chunk): a nonzero
 * answer aborts the transfer. */
static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	const volatile bool *abort = arg;

	return abort && *abort;
}

bool update_call(const struct update_req *r, const volatile bool *abort, struct update_record *rec)
{
	char url[UPDATE_URL_MAX], iface[INET6_ADDRSTRLEN + 8], cerr[CURL_ERROR_SIZE] = "";
	struct http_body b = { .max = UPDATE_BODY_MAX };
	struct http_opts o = {
		.url = url,
		.allow_http = r->insecure,
		.ca_file = r->ca[0] ? r->ca : NULL,
		.iface = iface,
		.timeout_s = UPDATE_TIMEOUT_S,
		.connect_timeout_s = UPDATE_CONNECT_TIMEOUT_S,
		.user_agent = "mapce/" MAPCE_VERSION,
	};
	CURLcode rc = CURLE_FAILED_INIT;
	CURL *c = NULL;

	rec->last_try = (long long)time(NULL);
	rec->code = 0;
	rec->ok = false;
	rec->reply[0] = rec->error[0] = '\0';
	rec->next_try = 0;
	inet_ntop(AF_INET6, r->addr, rec->addr, sizeof(rec->addr));
	/* "host!": the address only, never taken for an interface name */
	snprintf(iface, sizeof(iface), "host!%s", rec->addr);
	if (update_url_expand(r->url, r->user, r->pass, true, rec->url, sizeof(rec->url)) ||
	    update_url_expand(r->url, r->user, r->pass, false, url, sizeof(url))) {
		snprintf(rec->error, sizeof(rec->error),
			 "the URL with the credentials is longer than %d bytes",
			 UPDATE_URL_MAX - 1);
		goto out;
	}
	c = http_easy_new(&o, &b, cerr);
	if (!c) {
		snprintf(rec->error, sizeof(rec->error), "libcurl: cannot start");
		goto out;
	}
	if (!update_url_has(r->url, UPDATE_PH_PASS) && r->user[0]) { /* RFC 7617 */
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->pass);
	}
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)abort);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rec->code);
	if (rc != CURLE_OK && !(b.too_big && rec->code)) {
		/* libcurl's words may quote what it was given: hidden too */
		update_reply_clean(http_error(rc, cerr), strlen(http_error(rc, cerr)), r->pass,
				   rec->error, sizeof(rec->error));
		rec->code = 0;
	}
	if (b.buf)
		update_reply_clean(b.buf, b.len, r->pass, rec->reply, sizeof(rec->reply));
	rec->ok = !rec->error[0] && rec->code >= 200 && rec->code < 300;
out:
	if (c)
		curl_easy_cleanup(c);
	free(b.buf);
	if (rec->ok) {
		rec->last_success = rec->last_try;
		snprintf(rec->success_addr, sizeof(rec->success_addr), "%s", rec->addr);
		rec->failures = 0;
	} else {
		rec->failures++;
	}
	return rec->ok;
}

const char *update_summary(const struct update_record *rec, char *buf, size_t len)
{
	if (rec->error[0])
		snprintf(buf, len, "%s from %s failed: %s", rec->url, rec->addr, rec->error);
	else
		snprintf(buf, len, "%s from %s: HTTP %ld%s%s", rec->url, rec->addr, rec->code,
			 rec->reply[0] ? ": " : "", rec->reply);
	return buf;
}

/* ---- the record ----------------------------------------------------------- */

static void record_write(FILE *f, const void *ctx)
{
	const struct update_record *r = ctx;

	fputs("# the update call: its last try and last success (mapce status shows it)\n", f);
	fprintf(f, "last_try=%lld\ncode=%ld\nok=%d\nfailures=%u\nnext_try=%lld\n", r->last_try,
		r->code, r->ok, r->failures, r->next_try);
	kv_put_text(f, "addr", r->addr);
	kv_put_text(f, "url", r->url);
	kv_put_text(f, "reply", r->reply);
	kv_put_text(f, "error", r->error);
	fprintf(f, "last_success=%lld\n", r->last_success);
	kv_put_text(f, "success_addr", r->success_addr);
}

static int record_line(const char *key, char *val, void *ctx)
{
	struct update_record *r = ctx;
	static const struct {
		const char *key;
		size_t off, size;
	} texts[] = {
#define T(k) { #k, offsetof(struct update_record, k), sizeof(((struct update_record *)0)->k) }
		T(addr), T(url), T(reply), T(error), T(success_addr),
#undef T
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(key, texts[i].key)) {
			snprintf((char *)r + texts[i].off, texts[i].size, "%s", val);
			return 0;
		}
	if (!strcmp(key, "last_try"))
		r->last_try = atoll(val);
	else if (!strcmp(key, "code"))
		r->code = atol(val);
	else if (!strcmp(key, "ok"))
		r->ok = atoi(val) != 0;
	else if (!strcmp(key, "failures"))
		r->failures = (unsigned int)strtoul(val, NULL, 10);
	else if (!strcmp(key, "next_try"))
		r->next_try = atoll(val);
	else if (!strcmp(key, "last_success"))
		r->last_success = atoll(val);
	return 0;
}

int update_record_load(const char *wan, struct update_record *rec)
{
	return kv_record_load(wan, ".update", RECORD_MAX_LINES, record_line, rec, sizeof(*rec));
}

int update_record_save(const char *wan, const struct update_record *rec)
{
	return kv_record_save(wan, ".update", record_write, rec);
}

int update_record_forget(const char *wan)
{
	return kv_record_forget(wan, ".update");
}
