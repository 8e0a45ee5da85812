/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * update_call.h - the update call (core/update_url.h) made: one HTTP(S)
 * GET from the tunnel's local IPv6 address (CURLOPT_INTERFACE
 * "host!ADDR": the socket is bound to it, so the server sees the address
 * it is to register), credentials in the URL or as HTTP Basic auth,
 * bounded in time, no redirect followed (credentials stay with the host
 * they were given for).  What became of it is a record,
 * MAPCE_RUN_DIR/<wan>.update (kv_file.h), that `mapce status` shows: the
 * password is in none of it.
 */
#ifndef MAPCE_UPDATE_CALL_H
#define MAPCE_UPDATE_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <limits.h>
#include <netinet/in.h>
#include <linux/types.h>

#include "core/update_url.h"

#define UPDATE_TIMEOUT_S 20	    /* one call, whole */
#define UPDATE_CONNECT_TIMEOUT_S 10 /* its connection */

struct up_settings;

/* What a call needs (copied: the caller may change its settings). */
struct update_req {
	char url[UPDATE_URL_MAX]; /* the template */
	char user[UPDATE_CRED_MAX], pass[UPDATE_CRED_MAX];
	bool insecure;		  /* http:// taken */
	char ca[PATH_MAX];	  /* "" the system's CAs */
	unsigned int retry_min_s; /* update-retry-min */
	__u8 addr[16];		  /* the source: the tunnel's local address */
};

/* What became of the last call, and of the last one that worked. */
struct update_record {
	long long last_try;		     /* Unix time; 0: never */
	long code;			     /* HTTP status, 0: no reply */
	bool ok;			     /* 2xx */
	char addr[INET6_ADDRSTRLEN];	     /* the source of the last try */
	char url[UPDATE_URL_MAX];	     /* the URL asked, the password hidden */
	char reply[UPDATE_REPLY_MAX + 8];    /* update_reply_clean() of the body */
	char error[320];		     /* no reply: why (password hidden) */
	long long last_success;		     /* Unix time; 0: never */
	char success_addr[INET6_ADDRSTRLEN]; /* the address then registered */
	unsigned int failures;		     /* in a row since the last success */
	long long next_try;		     /* Unix time of the retry (run); 0: none */
};

/* The request of settings s (update-url set) from addr. */
void update_req_from(struct update_req *r, const struct up_settings *s, const __u8 addr[16]);

/* The same call (every field)? */
bool update_req_same(const struct update_req *a, const struct update_req *b);

/* Make the call; *abort (when given) set by another thread stops it
 * within about a second.  rec gets this try (last_success and its
 * address kept from before unless it worked; failures counted).  Returns
 * true when it worked (2xx). */
bool update_call(const struct update_req *r, const volatile bool *abort, struct update_record *rec);

/* One line of what became of it, for a log: "HTTP 200 from ADDR: REPLY"
 * or "failed from ADDR: ERROR". */
const char *update_summary(const struct update_record *rec, char *buf, size_t len);

/* The record of wan: 0, -ENOENT (none), -errno. */
int update_record_load(const char *wan, struct update_record *rec);
int update_record_save(const char *wan, const struct update_record *rec);
int update_record_forget(const char *wan);

#endif
