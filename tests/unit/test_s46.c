// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_s46.c - the RFC 7598 DHCPv6 softwire options (user/core/s46.c).
 *
 * The option bytes are built here, field by field from the layouts of
 * RFC 7598 §4 (option code and length in network order, S46_RULE's fixed
 * part, the prefix in ceil(len / 8) bytes, PORTPARAMS' left-aligned PSID),
 * and the dhcpkit project's published vector for S46_PORTPARAMS
 * (005d 0004 06 07 fe00 = offset 6, PSID length 7, PSID 127) is checked
 * as it stands.  Then every malformed form: short headers and bodies, bad
 * lengths, unknown and missing sub-options, prefixes longer than their
 * length, trailing bytes, MAP-T.  Option 64 (RFC 6334 OPTION_AFTR_NAME):
 * one name in DNS wire format (RFC 1035 §3.1: length-prefixed labels, a
 * zero byte last), the vector written out byte by byte below, and the
 * ways a name on the wire goes wrong (compression, long labels, no root,
 * bytes after it, more than 255 bytes).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "harness.h"
#include "mapce_rule.h"
#include "core/s46.h"

static char errbuf[512];
static struct s46_params P;

/* ---- an independent option builder ---------------------------------- */

struct buf {
	__u8 b[1024];
	size_t n;
};

static void put8(struct buf *b, unsigned int v)
{
	b->b[b->n++] = (__u8)v;
}

static void put16(struct buf *b, unsigned int v)
{
	put8(b, v >> 8);
	put8(b, v & 0xff);
}

static void put_bytes(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

/* Append option code with body inner. */
static void put_opt(struct buf *b, unsigned int code, const struct buf *inner)
{
	put16(b, code);
	put16(b, (unsigned int)inner->n);
	put_bytes(b, inner->b, inner->n);
}

static void portparams(struct buf *b, unsigned int offset, unsigned int psid_len, unsigned int psid)
{
	struct buf pp = { .n = 0 };

	put8(&pp, offset);
	put8(&pp, psid_len);
	put16(&pp, psid_len ? psid << (16 - psid_len) : 0);
	put_opt(b, 93, &pp);
}

/* S46_RULE with an optional PORTPARAMS (offset < 0: none). */
static void rule(struct buf *b, unsigned int flags, unsigned int ea, const char *v4,
		 unsigned int p4, const char *v6, unsigned int p6, int offset)
{
	struct buf r = { .n = 0 };
	__u8 a6[16];
	struct in_addr a4;

	inet_pton(AF_INET, v4, &a4);
	inet_pton(AF_INET6, v6, a6);
	put8(&r, flags);
	put8(&r, ea);
	put8(&r, p4);
	put_bytes(&r, &a4, 4);
	put8(&r, p6);
	put_bytes(&r, a6, (p6 + 7) / 8);
	if (offset >= 0)
		portparams(&r, (unsigned int)offset, 0, 0);
	put_opt(b, 89, &r);
}

static void br(struct buf *b, const char *v6)
{
	struct buf x = { .n = 0 };
	__u8 a6[16];

	inet_pton(AF_INET6, v6, a6);
	put_bytes(&x, a6, 16);
	put_opt(b, 90, &x);
}

static void v4v6bind(struct buf *b, const char *v4, const char *v6, unsigned int p6, int offset,
		     unsigned int psid_len, unsigned int psid)
{
	struct buf x = { .n = 0 };
	__u8 a6[16];
	struct in_addr a4;

	inet_pton(AF_INET, v4, &a4);
	inet_pton(AF_INET6, v6, a6);
	put_bytes(&x, &a4, 4);
	put8(&x, p6);
	put_bytes(&x, a6, (p6 + 7) / 8);
	if (offset >= 0)
		portparams(&x, (unsigned int)offset, psid_len, psid);
	put_opt(b, 92, &x);
}

/* Wrap payload in container code. */
static struct buf container(unsigned int code, const struct buf *payload)
{
	struct buf c = { .n = 0 };

	put_opt(&c, code, payload);
	return c;
}

static int parse(const struct buf *b)
{
	errbuf[0] = '\0';
	return s46_parse(b->b, b->n, &P, errbuf, sizeof(errbuf));
}

/* Does the error mention s? */
static int says(const char *s)
{
	if (strstr(errbuf, s))
		return 1;
	printf("#   error \"%s\" does not mention \"%s\"\n", errbuf, s);
	return 0;
}

static const __u8 *a6(const char *s)
{
	static __u8 b[4][16];
	static int i;
	__u8 *p = b[i++ % 4];

	inet_pton(AF_INET6, s, p);
	return p;
}

static __be32 a4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* ---- well-formed options -------------------------------------------- */

static void test_mape_two_rules(void)
{
	struct buf pl = { .n = 0 }, c;

	TCASE_BEGIN("s46_mape_two_rules_fmr_flag_br_portparams");
	/* BMR: 2001:db8::/40 -> 198.51.100.0/24, EA 16, offset 4 (PORTPARAMS) */
	rule(&pl, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
	/* FMR (F flag), no PORTPARAMS: the RFC 7597 default offset 6 */
	rule(&pl, 1, 13, "203.0.113.0", 27, "2001:db8:100::", 40, -1);
	br(&pl, "2001:db8:ffff::64");
	c = container(94, &pl);
	CHECK_EQ(parse(&c), 0);
	CHECK_EQ(P.container, 94);
	CHECK_EQ(P.n_rules, 2);
	CHECK(!memcmp(P.rules[0].ipv6_prefix, a6("2001:db8::"), 16));
	CHECK_EQ(P.rules[0].ipv6_prefix_len, 40);
	CHECK_EQ(P.rules[0].ipv4_prefix, a4("198.51.100.0"));
	CHECK_EQ(P.rules[0].ipv4_prefix_len, 24);
	CHECK_EQ(P.rules[0].ea_len, 16);
	CHECK_EQ(P.rules[0].psid_offset, 4);
	CHECK_EQ(P.rules[0].psid_len, 8);
	CHECK_EQ(P.rules[0].flags, 0);
	CHECK_EQ(P.offset_defaulted[0], 0);
	CHECK_EQ(P.rules[1].flags, MAPCE_RULE_F_FMR);
	CHECK_EQ(P.rules[1].psid_offset, 6);
	CHECK_EQ(P.rules[1].psid_len, 8);
	CHECK_EQ(P.offset_defaulted[1], 1);
	CHECK_EQ(P.n_br, 1);
	CHECK(!memcmp(P.br[0], a6("2001:db8:ffff::64"), 16));
	TCASE_END();

	TCASE_BEGIN("s46_mape_payload_without_header_and_hex_forms");
	CHECK_EQ(parse(&pl), 0); /* the payload alone */
	CHECK_EQ(P.container, 94);
	CHECK_EQ(P.n_rules, 2);
	{
		char hex[4096], *h = hex;

		/* as dhclient prints unknown options: "00:5e:00:..." */
		for (size_t i = 0; i < c.n; i++)
			h += sprintf(h, i ? ":%02x" : "%02x", c.b[i]);
		CHECK_EQ(s46_parse_hex(hex, &P, errbuf, sizeof(errbuf)), 0);
		CHECK_EQ(P.n_rules, 2);
		h = hex;
		h += sprintf(h, "0x");
		for (size_t i = 0; i < pl.n; i++)
			h += sprintf(h, "%02X", pl.b[i]);
		CHECK_EQ(s46_parse_hex(hex, &P, errbuf, sizeof(errbuf)), 0);
		CHECK_EQ(P.rules[0].ea_len, 16);
	}
	TCASE_END();
}

/* The published S46_PORTPARAMS vector, inside an lw4o6 binding. */
static void test_lw(void)
{
	struct buf pl = { .n = 0 }, c, x = { .n = 0 };
	static const __u8 pp[] = { 0x00, 0x5d, 0x00, 0x04, 0x06, 0x07, 0xfe, 0x00 };
	__u8 a6b[16];
	struct in_addr v4;

	TCASE_BEGIN("s46_lw_binding_with_published_portparams_vector");
	inet_pton(AF_INET, "192.0.2.7", &v4);
	inet_pton(AF_INET6, "2001:db8:12:3400::", a6b);
	put_bytes(&x, &v4, 4);
	put8(&x, 56);
	put_bytes(&x, a6b, 7);
	put_bytes(&x, pp, sizeof(pp));
	put_opt(&pl, 92, &x);
	br(&pl, "2001:db8:ffff::1");
	c = container(96, &pl);
	CHECK_EQ(parse(&c), 0);
	CHECK_EQ(P.container, 96);
	CHECK_EQ(P.bind_ipv4, a4("192.0.2.7"));
	CHECK_EQ(P.bind_prefix_len, 56);
	CHECK(!memcmp(P.bind_prefix, a6("2001:db8:12:3400::"), 16));
	CHECK_EQ(P.psid_offset, 6);
	CHECK_EQ(P.psid_len, 7);
	CHECK_EQ(P.psid, 127);
	CHECK(!memcmp(P.br[0], a6("2001:db8:ffff::1"), 16));
	CHECK_EQ(parse(&pl), 0); /* payload alone: the binding says lw4o6 */
	CHECK_EQ(P.container, 96);
	TCASE_END();

	TCASE_BEGIN("s46_lw_binding_without_portparams_is_a_whole_address");
	pl.n = 0;
	v4v6bind(&pl, "192.0.2.8", "2001:db8:12:3400::", 64, -1, 0, 0);
	br(&pl, "2001:db8:ffff::1");
	c = container(96, &pl);
	CHECK_EQ(parse(&c), 0);
	CHECK_EQ(P.psid_len, 0);
	CHECK_EQ(P.psid_offset, 0);
	TCASE_END();
}

/* ---- malformed ------------------------------------------------------ */

/* c must fail with a message mentioning each of the strings. */
static void bad(const char *name, const struct buf *c, const char *s1, const char *s2)
{
	TCASE_BEGIN(name);
	CHECK_EQ(parse(c), -1);
	CHECK(says(s1));
	if (s2)
		CHECK(says(s2));
	CHECK_EQ(P.n_rules, 0); /* nothing half-parsed */
	TCASE_END();
}

static void test_malformed(void)
{
	struct buf pl, c;

	pl.n = 0;
	rule(&pl, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
	br(&pl, "2001:db8:ffff::64");
	c = container(94, &pl);

	{
		struct buf t = c;

		t.n = 3;
		bad("s46_short_input", &t, "OPTION_S46_CONT_MAPE", "trailing");
	}
	{
		struct buf t = c;

		t.b[3]++; /* container length one more than what follows */
		bad("s46_container_length_mismatch", &t, "OPTION_S46_CONT_MAPE", "byte 0");
	}
	{
		struct buf t = c;

		t.n--; /* lose the last byte, fix the container length */
		t.b[3]--;
		bad("s46_sub_option_longer_than_container", &t, "S46_BR", "byte 29");
	}
	{
		struct buf t = { .n = 0 };

		put16(&t, 94);
		put16(&t, 0);
		bad("s46_empty_container", &t, "empty", NULL);
	}
	{
		struct buf p2 = { .n = 0 }, x = { .n = 0 };

		put8(&x, 0);
		put8(&x, 16);
		put8(&x, 24);
		put_opt(&p2, 89, &x); /* 3 bytes of a rule */
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_rule_too_short", &c, "S46_RULE", "at least 8");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		c = container(94, &p2);
		bad("s46_missing_br", &c, "no S46_BR", NULL);
	}
	{
		struct buf p2 = { .n = 0 };

		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_missing_rule", &c, "no S46_RULE", NULL);
	}
	{
		struct buf p2 = { .n = 0 }, x = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		put16(&x, 0);
		put_opt(&p2, 200, &x);
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_unknown_sub_option", &c, "unknown sub-option", "code 200");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		p2.b[4 + 7] = 37;    /* prefix6-len 37: still 5 bytes */
		p2.b[4 + 12] = 0x01; /* bit 39 set, after /37 */
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_prefix_longer_than_its_length", &c, "S46_RULE", "bits set after /37");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		p2.b[4 + 7] = 129;
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_prefix6_len_over_128", &c, "S46_RULE", "more than 128");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		p2.b[4 + 2] = 33;
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_prefix4_len_over_32", &c, "prefix4-len 33", NULL);
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.1", 24, "2001:db8::", 40, 4);
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_rule_ipv4_host_bits", &c, "S46_RULE", "bits set after /24");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		br(&p2, "2001:db8:ffff::64");
		put8(&p2, 0); /* one byte after the last sub-option */
		put8(&p2, 0);
		c = container(94, &p2);
		bad("s46_trailing_bytes", &c, "2 trailing bytes", NULL);
	}
	{
		struct buf p2 = { .n = 0 }, r = { .n = 0 };

		/* PORTPARAMS of length 3 inside the rule */
		rule(&r, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, -1);
		p2 = r;
		p2.b[3] += 7; /* the rule grows by a 7-byte PORTPARAMS */
		put16(&p2, 93);
		put16(&p2, 3);
		put8(&p2, 4);
		put8(&p2, 0);
		put8(&p2, 0);
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_portparams_bad_length", &c, "S46_PORTPARAMS", "must be 4");
	}
	{
		struct buf p2 = { .n = 0 }, r = { .n = 0 };

		rule(&r, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, -1);
		p2 = r;
		p2.b[3] += 8;
		portparams(&p2, 16, 0, 0);
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_portparams_offset_over_15", &c, "S46_PORTPARAMS", "offset 16");
	}
	{
		struct buf p2 = { .n = 0 }, r = { .n = 0 };

		rule(&r, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, -1);
		p2 = r;
		p2.b[3] += 8;
		portparams(&p2, 4, 6, 0); /* k is 8 from the EA bits */
		br(&p2, "2001:db8:ffff::64");
		c = container(94, &p2);
		bad("s46_portparams_psid_len_contradicts_ea", &c, "PSID length 6", "k =");
	}
	{
		struct buf p2 = { .n = 0 }, x = { .n = 0 };
		__u8 bad_br[16] = { 0xfe, 0x80, [15] = 1 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		put_bytes(&x, bad_br, 16);
		put_opt(&p2, 90, &x);
		c = container(94, &p2);
		bad("s46_br_link_local", &c, "S46_BR", "not a global unicast");
	}
	{
		struct buf p2 = { .n = 0 }, x = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		put_bytes(&x, "0123456789", 10);
		put_opt(&p2, 90, &x);
		c = container(94, &p2);
		bad("s46_br_bad_length", &c, "S46_BR", "must be 16");
	}
	{
		struct buf p2 = { .n = 0 };

		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		br(&p2, "2001:db8:ffff::64");
		c = container(95, &p2);
		bad("s46_mapt_not_supported", &c, "MAP-T is not supported", NULL);
	}
	{
		struct buf p2 = { .n = 0 };

		v4v6bind(&p2, "192.0.2.8", "2001:db8:12:3400::", 64, -1, 0, 0);
		rule(&p2, 0, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
		br(&p2, "2001:db8:ffff::64");
		c = container(96, &p2);
		bad("s46_rule_in_lw_container", &c, "S46_RULE", "not allowed");
	}
	{
		struct buf p2 = { .n = 0 };

		v4v6bind(&p2, "192.0.2.8", "2001:db8:12:3400::", 64, 6, 8, 0x12);
		v4v6bind(&p2, "192.0.2.9", "2001:db8:12:3400::", 64, 6, 8, 0x13);
		br(&p2, "2001:db8:ffff::64");
		c = container(96, &p2);
		bad("s46_two_bindings", &c, "second S46_V4V6BIND", NULL);
	}
	{
		struct buf p2 = { .n = 0 };

		v4v6bind(&p2, "192.0.2.8", "2001:db8:12:3400::", 64, 6, 7, 0x12);
		/* set a bit after the 7-bit PSID: 0x12 << 9 | 1 */
		p2.b[p2.n - 1] |= 1;
		br(&p2, "2001:db8:ffff::64");
		c = container(96, &p2);
		bad("s46_psid_bits_after_length", &c, "S46_PORTPARAMS", "left-aligned");
	}
	TCASE_BEGIN("s46_hex_errors");
	CHECK_EQ(s46_parse_hex("005e00zz", &P, errbuf, sizeof(errbuf)), -1);
	CHECK(says("character 6"));
	CHECK_EQ(s46_parse_hex("005e0", &P, errbuf, sizeof(errbuf)), -1);
	CHECK(says("odd number"));
	CHECK_EQ(s46_parse_hex("", &P, errbuf, sizeof(errbuf)), -1);
	CHECK(says("no hex digits"));
	/* dhclient's colon form: a three-digit group is not a byte */
	CHECK_EQ(s46_parse_hex("0:5e0:2d", &P, errbuf, sizeof(errbuf)), -1);
	CHECK(says("odd number"));
	CHECK_EQ(s46_parse_hex("0:5e:g:2d", &P, errbuf, sizeof(errbuf)), -1);
	CHECK(says("character 5"));
	TCASE_END();
}

/* dhcpcd hands the option as "005e002d...", dhclient as "0:5e:0:2d:...":
 * both read as the same bytes */
static void test_hex_forms(void)
{
	struct buf pl = { .n = 0 }, c;
	char pairs[2 * sizeof(c.b) + 1], colons[3 * sizeof(c.b) + 1];
	struct s46_params a, b;
	size_t i, np = 0, nc = 0;

	TCASE_BEGIN("s46_hex_dhcpcd_and_dhclient_forms");
	rule(&pl, 1, 16, "198.51.100.0", 24, "2001:db8::", 40, 4);
	br(&pl, "2001:db8:ffff::64");
	c = container(94, &pl);
	for (i = 0; i < c.n; i++) {
		np += (size_t)sprintf(pairs + np, "%02x", c.b[i]);
		nc += (size_t)sprintf(colons + nc, "%s%x", i ? ":" : "", c.b[i]);
	}
	CHECK_EQ(s46_parse_hex(pairs, &a, errbuf, sizeof(errbuf)), 0);
	CHECK_EQ(s46_parse_hex(colons, &b, errbuf, sizeof(errbuf)), 0);
	CHECK(!memcmp(&a, &b, sizeof(a)));
	CHECK_EQ(b.n_rules, 1);
	CHECK_EQ(b.rules[0].ipv6_prefix_len, 40);
	TCASE_END();
}

/* ---- option 64: the AFTR name (RFC 6334) ----------------------------- */

/* "aftr.example.net" on the wire: 04 "aftr" 07 "example" 03 "net" 00,
 * 18 bytes, after the option header 0040 0012 */
#define AFTR_HEX "004000120461667472076578616d706c65036e657400"

/* b as dhcpcd's plain hex into hex */
static void hexify(const struct buf *b, char *hex)
{
	for (size_t i = 0; i < b->n; i++)
		sprintf(hex + 2 * i, "%02x", b->b[i]);
	hex[2 * b->n] = '\0';
}

static int parse_hex(const char *hex)
{
	errbuf[0] = '\0';
	return s46_parse_hex(hex, &P, errbuf, sizeof(errbuf));
}

/* hex must fail naming OPTION_AFTR_NAME and s, with nothing kept */
static void bad_name(const char *name, const char *hex, const char *s)
{
	TCASE_BEGIN(name);
	CHECK_EQ(parse_hex(hex), -1);
	CHECK(says("OPTION_AFTR_NAME (code 64)"));
	CHECK(says(s));
	CHECK_EQ(P.container, 0);
	CHECK_EQ(P.aftr_name[0], '\0');
	TCASE_END();
}

static void test_aftr_name(void)
{
	struct buf b = { .n = 0 }, x = { .n = 0 };
	char hex[2 * sizeof(b.b) + 1];

	TCASE_BEGIN("s46_aftr_name_wire_vector");
	CHECK_EQ(parse_hex(AFTR_HEX), 0);
	CHECK_EQ(P.container, 64);
	CHECK_STR(P.aftr_name, "aftr.example.net");
	CHECK_EQ(P.n_rules, 0);
	CHECK_EQ(P.n_br, 0);
	/* dhclient's colon form of the same bytes */
	CHECK_EQ(parse_hex("0:40:0:12:4:61:66:74:72:7:65:78:61:6d:70:6c:65:3:6e:65:74:0"), 0);
	CHECK_STR(P.aftr_name, "aftr.example.net");
	TCASE_END();

	TCASE_BEGIN("s46_aftr_name_longest_labels_and_name");
	/* four labels of 63, 63, 63 and 61 bytes: 1 + 63 + 1 + 63 + 1 + 63 +
	 * 1 + 61 + 1 = 255 bytes on the wire, 253 characters as text */
	for (int l = 0; l < 4; l++) {
		unsigned int len = l < 3 ? 63 : 61;

		put8(&x, len);
		for (unsigned int i = 0; i < len; i++)
			put8(&x, i == 0 ? 'a' + l : i == len - 1 ? 'z' : (i % 3 ? 'x' : '-'));
	}
	put8(&x, 0);
	CHECK_EQ(x.n, 255);
	put_opt(&b, 64, &x);
	hexify(&b, hex);
	CHECK_EQ(parse_hex(hex), 0);
	CHECK_EQ(strlen(P.aftr_name), 253);
	CHECK_EQ(P.aftr_name[0], 'a');
	CHECK_EQ(P.aftr_name[62], 'z');
	CHECK_EQ(P.aftr_name[63], '.');
	CHECK_EQ(P.aftr_name[64], 'b');
	/* one more byte in the last label: 256 bytes, refused */
	b.n = 0;
	x.b[x.n - 1] = 'y';
	x.b[192] = 62; /* the fourth label's length byte: 1+63+1+63+1+63 = 192 */
	put8(&x, 0);
	put_opt(&b, 64, &x);
	hexify(&b, hex);
	CHECK_EQ(parse_hex(hex), -1);
	CHECK(says("256 bytes"));
	CHECK_EQ(P.aftr_name[0], '\0');
	TCASE_END();

	/* (hex groups split by blanks: header, then the name's bytes) */
	bad_name("s46_aftr_name_compression_refused", "0040 0007 0461667472 c00c",
		 "compression pointer 0xc00c at byte 9");
	bad_name("s46_aftr_name_label_over_63_refused", "0040 0003 400000",
		 "label length 64 at byte 4");
	bad_name("s46_aftr_name_label_past_the_end_refused", "0040 0004 05616674",
		 "label of 5 bytes at byte 4, only 3 bytes follow");
	bad_name("s46_aftr_name_without_root_refused", "0040 0005 0461667472", "no root label");
	bad_name("s46_aftr_name_bytes_after_root_refused", "0040 0007 046166747200 04",
		 "1 byte after the name's root label at byte 9");
	bad_name("s46_aftr_name_root_alone_refused", "0040 0001 00", "root name alone");
	bad_name("s46_aftr_name_empty_refused", "0040 0000", "no root label");
	bad_name("s46_aftr_name_bad_character_refused", "0040 0006 04612e667200",
		 "label at byte 4 is not a host name label");
	bad_name("s46_aftr_name_leading_hyphen_refused", "0040 0006 042d66747200",
		 "label at byte 4 is not a host name label");
	bad_name("s46_aftr_name_nul_in_label_refused", "0040 0006 046100747200",
		 "not a host name label");
	bad_name("s46_aftr_name_header_length_refused", "0040 0013 0461667472 00",
		 "length 19, but 6 bytes follow");
}

int main(void)
{
	test_mape_two_rules();
	test_lw();
	test_malformed();
	test_hex_forms();
	test_aftr_name();
	return t_exit();
}
