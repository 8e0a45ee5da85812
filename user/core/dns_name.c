// SPDX-License-Identifier: GPL-2.0-only
/*
 * dns_name.c - host name labels and DHCPv6's wire-format names
 * (dns_name.h).
 */
#include <string.h>

#include "core/dns_name.h"
#include "core/parse.h"

#define LDH "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

bool dns_label_ok(const char *s, size_t n)
{
	if (n == 0 || n > DNS_LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(LDH, s[i]))
			return false;
	return true;
}

int dns_name_from_wire(const __u8 *p, size_t n, size_t at, char *out, size_t outlen, char *err,
		       size_t errlen)
{
	size_t i = 0, o = 0;

	if (outlen)
		out[0] = '\0';
	if (n > DNS_NAME_WIRE_MAX)
		return mapce_errf(err, errlen, "name of %zu bytes, more than the %d of RFC 1035", n,
				  DNS_NAME_WIRE_MAX);
	while (i < n) {
		unsigned int len = p[i];

		if (len == 0)
			break;
		if ((len & 0xc0) == 0xc0)
			return mapce_errf(err, errlen,
					  "compression pointer 0x%02x%02x at byte %zu (a DHCPv6 "
					  "name is never compressed, RFC 8415 §10)",
					  len, i + 1 < n ? p[i + 1] : 0, at + i);
		if (len > DNS_LABEL_MAX)
			return mapce_errf(err, errlen,
					  "label length %u at byte %zu (0x%02x: not a plain "
					  "label of at most 63 bytes)",
					  len, at + i, len);
		if (len > n - i - 1)
			return mapce_errf(err, errlen,
					  "label of %u bytes at byte %zu, only %zu bytes follow",
					  len, at + i, n - i - 1);
		if (!dns_label_ok((const char *)p + i + 1, len))
			return mapce_errf(err, errlen,
					  "the label at byte %zu is not a host name label "
					  "(letters, digits, '-' inside)",
					  at + i);
		if (o + len + 1 > outlen)
			return mapce_errf(err, errlen, "name longer than %zu characters",
					  outlen - 1);
		if (o)
			out[o++] = '.';
		memcpy(out + o, p + i + 1, len);
		o += len;
		out[o] = '\0';
		i += 1 + len;
	}
	if (i >= n) {
		out[0] = '\0';
		return mapce_errf(err, errlen,
				  "no root label (a zero byte) ends the name: not fully qualified");
	}
	if (i + 1 != n) {
		out[0] = '\0';
		return mapce_errf(err, errlen, "%zu byte%s after the name's root label at byte %zu",
				  n - i - 1, n - i - 1 == 1 ? "" : "s", at + i);
	}
	if (!o)
		return mapce_errf(err, errlen, "the root name alone (no labels)");
	return 0;
}
