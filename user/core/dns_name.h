/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dns_name.h - DNS names as mapce takes them from the line: the labels
 * of a host name (letters, digits, hyphens; RFC 1123 §2.1), and the
 * uncompressed wire format DHCPv6 carries them in (RFC 1035 §3.1, RFC
 * 8415 §10: "MUST NOT be stored in compressed form"), as in option 64
 * OPTION_AFTR_NAME (RFC 6334 §3).
 */
#ifndef MAPCE_DNS_NAME_H
#define MAPCE_DNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* The longest name on the wire: 255 octets with its length bytes and the
 * root (RFC 1035 §2.3.4), so at most 253 characters as text. */
#define DNS_NAME_WIRE_MAX 255
#define DNS_NAME_TEXT_MAX 253
#define DNS_LABEL_MAX 63

/* Is s[0..n) a host name label: 1-63 letters, digits and hyphens, no
 * hyphen first or last? */
bool dns_label_ok(const char *s, size_t n);

/*
 * One fully qualified name in wire format, exactly filling p[0..n) (its
 * last byte the root label), to dotted text in out (at least
 * DNS_NAME_TEXT_MAX + 1 bytes, no trailing dot).  Refused, with a message
 * naming the byte offset (from p, plus at: where p is in the caller's
 * input): a compression pointer or another label
 * type, a label longer than its bytes, a name without the root label or
 * with bytes after it, one longer than 255 octets, the root alone, a
 * label that is not a host name label.  0, or -1 (out empty).
 */
int dns_name_from_wire(const __u8 *p, size_t n, size_t at, char *out, size_t outlen, char *err,
		       size_t errlen);

#endif
