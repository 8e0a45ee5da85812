/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rule_internal.h - what the two halves of the rule code share:
 * rule_config.c (the options) and rule_validate.c (checks and the
 * derivation of a CE's parameters).  Not for other files.
 */
#ifndef MAPCE_RULE_INTERNAL_H
#define MAPCE_RULE_INTERNAL_H

#include <arpa/inet.h>
#include <string.h>

#include "core/parse.h"
#include "core/rule_config.h"

/* Per-rule options seen (struct mapce_opts.seen / rule_seen[]). */
#define SEEN_IPV4 0x01
#define SEEN_EA_LEN 0x02
#define SEEN_OFFSET 0x04
#define SEEN_PSID_LEN 0x08
#define SEEN_FMR 0x10
#define SEEN_COMPACT 0x20 /* came from --rule: ipv4, ea-len, offset given */

/* Fill err, mark a usage error (missing, duplicated or misplaced option:
 * exit 2; mapce_errf is a bad value, exit 1) and return -1. */
int rule_usage_fail(struct mapce_opts *o, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define USAGE(o, ...) rule_usage_fail(o, err, errlen, __VA_ARGS__)
#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

static inline const char *fmt6(const __u8 a[16], char *buf)
{
	if (!inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

static inline const char *fmt4(__be32 a, char *buf)
{
	if (!inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

/* Zero the bits of a 128-bit address after the first len. */
static inline void mask6(__u8 a[16], unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bit = i * 8;

		if (bit >= len)
			a[i] = 0;
		else if (bit + 8 > len)
			a[i] &= (__u8)(0xff << (8 - (len - bit)));
	}
}

static inline __u32 mask4(unsigned int len)
{
	return len ? 0xffffffffu << (32 - len) : 0;
}

#endif
