/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * parse.h - the small parsers every setting goes through (numbers,
 * prefixes) and the error convention of all of mapce's checkers: a
 * message naming the bad value goes into a caller's buffer, the function
 * returns -1.  Nothing here prints.
 */
#ifndef MAPCE_PARSE_H
#define MAPCE_PARSE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* What a checker's failure means to the caller: a bad value (exit 1), or a
 * missing, repeated or misplaced option (a usage error, exit 2). */
#define MAPCE_ERR_VALUE (-1)
#define MAPCE_ERR_USAGE (-2)

/* Format a message into err (when given) and return -1 (MAPCE_ERR_VALUE). */
int mapce_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mapce_verrf(char *err, size_t errlen, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Decimal or 0x hex, no sign, at most max.  0 ok, -1 bad. */
int parse_uint(const char *s, unsigned long max, unsigned long *val);
/* "ADDR[/LEN]" (no LEN: a host route).  Host bits are kept as given:
 * callers decide whether they are an error (rule prefixes) or are to be
 * ignored (the CE prefix).  0 ok, -1 bad. */
int parse_ipv6_prefix(const char *s, __u8 addr[16], __u8 *len);
int parse_ipv4_prefix(const char *s, __be32 *addr, __u8 *len);
/*
 * An interface name as every command takes it (--wan, --dev, the config
 * file's wan): 1 to IF_NAMESIZE - 1 bytes, no '/', whitespace or control
 * character (the kernel's own rule), and no leading '.' ("." and ".."
 * among them).  The name becomes a path under the bpffs pin root and
 * /run/mapce: "..", "a/b" or ".hidden" there would reach outside the
 * device's own directory.  0 ok, -1 with "'NAME' is not an interface
 * name (why)" in err.
 */
int parse_ifname(const char *s, char *err, size_t errlen);

/* A global unicast IPv6 address: not unspecified, loopback, multicast,
 * link-local or IPv4-mapped (a BR, an AFTR, a tunnel end). */
bool ipv6_global_unicast(const __u8 a[16]);
/* A unicast IPv4 address a host can have: not 0/8, 127/8, multicast or
 * 240/4 (nor the broadcast address). */
bool ipv4_unicast(__be32 a);

#endif
