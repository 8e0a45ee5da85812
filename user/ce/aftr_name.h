/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aftr_name.h - a DS-Lite AFTR given by name (--aftr NAME, RFC 6333
 * §5.5): its AAAA asked through --dns or the system's resolvers, out of
 * the WAN (sys/resolve.h), for `mapce up` once and for `mapce run`, which
 * follows it (ce/aftr_service.h); and the record run keeps of it,
 * MAPCE_RUN_DIR/<wan>.aftr, that `mapce status` shows: the name, the
 * last good address and its TTL, when it was asked last and will be next,
 * the failures since and the last one's message.  `down` removes it.
 */
#ifndef MAPCE_AFTR_NAME_H
#define MAPCE_AFTR_NAME_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "core/config_file.h"

struct aftr_record {
	char name[256];		     /* as given (up_settings.aftr) */
	char addr[INET6_ADDRSTRLEN]; /* the last good answer; "" none yet */
	unsigned int ttl;	     /* its TTL as received (seconds) */
	long long resolved;	     /* Unix time of the last good answer; 0 none */
	long long last_try;	     /* Unix time of the last question */
	long long next_try;	     /* Unix time of the next one */
	unsigned int failures;	     /* in a row since the last good answer */
	char error[512];	     /* the last failure's message; "" none */
};

/* s asks for a DS-Lite AFTR by name (mode dslite, --aftr not an IPv6
 * address)? */
bool aftr_is_name(const struct up_settings *s);

/* The AAAA of s's AFTR name (s->aftr) and its TTL.  0, or -1 with err
 * naming where the name came from (what: e.g. "DHCPv6 option 64 of FILE";
 * NULL: "--aftr") and the name ("--aftr NAME: no such name", the server's
 * failure). */
int aftr_resolve(const struct up_settings *s, const char *what, struct in6_addr *addr, __u32 *ttl,
		 char *err, size_t errlen);

/* The record of wan: 0, -ENOENT (none), -errno. */
int aftr_record_load(const char *wan, struct aftr_record *r);
int aftr_record_save(const char *wan, const struct aftr_record *r);
int aftr_record_forget(const char *wan);
/* The same from a file at path (tests). */
int aftr_record_read(const char *path, struct aftr_record *r);

#endif
