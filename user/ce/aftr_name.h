/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aftr_name.h - a DS-Lite AFTR given by name (--aftr NAME, DHCPv6 option
 * 64, a HB46PP answer's; RFC 6333 §5.5): its AAAA asked through --dns or
 * the system's resolvers, out of the WAN (sys/resolve.h), for `mapce up`
 * once and for `mapce run`, which follows it (ce/aftr_service.h); and the
 * record run keeps of it,
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
#include "core/rule_source.h"

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

/*
 * The DS-Lite AFTR's name s and src ask for (mode dslite; --aftr, else
 * DHCPv6 option 64: ce_plan_aftr, whose what and *other it fills), NULL
 * when they name none or give an address.
 */
const char *aftr_name_of(const struct up_settings *s, const struct rule_source *src, char *what,
			 size_t whatlen, const char **other);

/*
 * How a plan gets the address of the AFTR's name: name (NULL: this plan
 * names none) through s's --dns or the system's resolvers, out of s's
 * WAN; what says where the name came from, for messages (NULL: "--aftr").
 * `up` asks once (aftr_resolve); `run` follows it (aftr_follow_plan,
 * ce/aftr_service.h).  0 with *addr and *ttl; 1: no name (nothing asked);
 * -1 with err naming where and the name ("--aftr NAME: no such name",
 * the server's failure).
 */
typedef int aftr_lookup_fn(const struct up_settings *s, const char *name, const char *what,
			   struct in6_addr *addr, __u32 *ttl, char *err, size_t errlen);

/* The AAAA of name now, and its TTL (aftr_lookup_fn). */
aftr_lookup_fn aftr_resolve;

/* The record of wan: 0, -ENOENT (none), -errno. */
int aftr_record_load(const char *wan, struct aftr_record *r);
int aftr_record_save(const char *wan, const struct aftr_record *r);
int aftr_record_forget(const char *wan);
/* The same from a file at path (tests). */
int aftr_record_read(const char *path, struct aftr_record *r);

#endif
