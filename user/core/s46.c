// SPDX-License-Identifier: GPL-2.0-only
/*
 * s46.c - the RFC 7598 softwire options and RFC 6334's AFTR name (s46.h):
 * hex to bytes, then a bounds-checked walk of the container and its
 * sub-options (or of the name).  Every error
 * names the (sub-)option and the byte offset in the input where it starts.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mapce_rule.h"
#include "core/parse.h"
#include "core/rule_config.h"
#include "core/s46.h"

#define RFC7597_DEFAULT_OFFSET 6

/* A sub-option being walked: its code, body and where it starts. */
struct s46_opt {
	unsigned int code;
	const __u8 *body;
	size_t len;
	size_t at; /* byte offset of its header in the input */
};

/* The walk: input start (for offsets) and the error buffer. */
struct s46_walk {
	const __u8 *base;
	char *err;
	size_t errlen;
};

#define FAIL(w, o, ...) s46_fail(w, o, __VA_ARGS__)

static int s46_fail(const struct s46_walk *w, const struct s46_opt *o, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int s46_fail(const struct s46_walk *w, const struct s46_opt *o, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return mapce_errf(w->err, w->errlen, "DHCPv6 %s (code %u) at byte %zu: %s",
			  s46_opt_name(o->code), o->code, o->at, msg);
}

const char *s46_opt_name(unsigned int code)
{
	switch (code) {
	case S46_OPT_AFTR_NAME:
		return "OPTION_AFTR_NAME";
	case S46_OPT_RULE:
		return "S46_RULE";
	case S46_OPT_BR:
		return "S46_BR";
	case S46_OPT_DMR:
		return "S46_DMR";
	case S46_OPT_V4V6BIND:
		return "S46_V4V6BIND";
	case S46_OPT_PORTPARAMS:
		return "S46_PORTPARAMS";
	case S46_OPT_CONT_MAPE:
		return "OPTION_S46_CONT_MAPE";
	case S46_OPT_CONT_MAPT:
		return "OPTION_S46_CONT_MAPT";
	case S46_OPT_CONT_LW:
		return "OPTION_S46_CONT_LW";
	}
	return "option";
}

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

/*
 * The next sub-option in [*pos, end): 1 found (o filled, *pos moved past
 * it), 0 at the end, -1 when a header or body does not fit (err filled,
 * naming parent).
 */
static int next_opt(const struct s46_walk *w, const struct s46_opt *parent, const __u8 **pos,
		    const __u8 *end, struct s46_opt *o)
{
	size_t left = (size_t)(end - *pos);

	if (left == 0)
		return 0;
	if (left < 4) {
		FAIL(w, parent,
		     "%zu trailing byte%s at byte %zu (a sub-option needs a "
		     "4-byte header)",
		     left, left == 1 ? "" : "s", (size_t)(*pos - w->base));
		return -1;
	}
	o->code = get16(*pos);
	o->len = get16(*pos + 2);
	o->at = (size_t)(*pos - w->base);
	o->body = *pos + 4;
	if (o->len > left - 4) {
		FAIL(w, o, "length %zu, but only %zu bytes follow", o->len, left - 4);
		return -1;
	}
	*pos += 4 + o->len;
	return 1;
}

/* Prefix bytes of a /len prefix at p (n bytes available) into out; the
 * bits after len must be zero. */
static int get_prefix6(const struct s46_walk *w, const struct s46_opt *o, const char *what,
		       const __u8 *p, size_t n, unsigned int len, __u8 out[16])
{
	size_t bytes = (len + 7) / 8;

	if (len > 128)
		return FAIL(w, o, "%s length %u is more than 128", what, len);
	if (bytes > n)
		return FAIL(w, o, "%s /%u needs %zu bytes, the option has %zu", what, len, bytes,
			    n);
	memset(out, 0, 16);
	memcpy(out, p, bytes);
	if (len % 8 && (out[bytes - 1] & (0xff >> (len % 8))))
		return FAIL(w, o, "%s has bits set after /%u", what, len);
	return 0;
}

/* S46_PORTPARAMS: offset, PSID length and (left-aligned) PSID. */
static int parse_portparams(const struct s46_walk *w, const struct s46_opt *o, __u8 *offset,
			    __u8 *psid_len, __u16 *psid)
{
	__u16 raw;

	if (o->len != 4)
		return FAIL(w, o, "length %zu, must be 4", o->len);
	*offset = o->body[0];
	*psid_len = o->body[1];
	raw = get16(o->body + 2);
	if (*offset > 15)
		return FAIL(w, o, "PSID offset %u is more than 15", *offset);
	if (*psid_len > 16)
		return FAIL(w, o, "PSID length %u is more than 16", *psid_len);
	if (*offset + *psid_len > 16)
		return FAIL(w, o, "PSID offset %u + PSID length %u is more than 16 bits", *offset,
			    *psid_len);
	if (*psid_len < 16 && (raw & (0xffffu >> *psid_len)))
		return FAIL(w, o,
			    "PSID 0x%04x has bits set after its %u-bit length (the PSID is "
			    "left-aligned)",
			    raw, *psid_len);
	*psid = *psid_len ? (__u16)(raw >> (16 - *psid_len)) : 0;
	return 0;
}

/* The sub-options after a rule's or a binding's fixed part: only one
 * S46_PORTPARAMS is known.  *have set when it came. */
static int parse_port_subopts(const struct s46_walk *w, const struct s46_opt *parent,
			      const __u8 *pos, const __u8 *end, bool *have, __u8 *offset,
			      __u8 *psid_len, __u16 *psid)
{
	struct s46_opt sub;
	int rc;

	*have = false;
	while ((rc = next_opt(w, parent, &pos, end, &sub)) > 0) {
		if (sub.code != S46_OPT_PORTPARAMS)
			return FAIL(w, &sub,
				    "unexpected inside %s (only S46_PORTPARAMS may be "
				    "there)",
				    s46_opt_name(parent->code));
		if (*have)
			return FAIL(w, &sub, "a second S46_PORTPARAMS in one %s",
				    s46_opt_name(parent->code));
		if (parse_portparams(w, &sub, offset, psid_len, psid))
			return -1;
		*have = true;
	}
	return rc;
}

static int parse_rule(const struct s46_walk *w, const struct s46_opt *o, struct s46_params *p)
{
	struct mapce_rule *r;
	char m[256];
	bool have_pp;
	__u8 offset = 0, psid_len = 0, k;
	__u16 psid = 0;
	unsigned int p6;

	if (p->n_rules >= MAPCE_MAX_RULES)
		return FAIL(w, o, "more than %d rules", MAPCE_MAX_RULES);
	if (o->len < 8)
		return FAIL(w, o,
			    "length %zu, at least 8 (flags, ea-len, prefix4-len, "
			    "ipv4-prefix, prefix6-len)",
			    o->len);
	r = &p->rules[p->n_rules];
	memset(r, 0, sizeof(*r));
	if (o->body[0] & ~1u)
		return FAIL(w, o, "flags 0x%02x: reserved bits set", o->body[0]);
	if (o->body[0] & 1)
		r->flags |= MAPCE_RULE_F_FMR;
	r->ea_len = o->body[1];
	if (o->body[2] > 32)
		return FAIL(w, o, "prefix4-len %u is more than 32", o->body[2]);
	r->ipv4_prefix_len = o->body[2];
	memcpy(&r->ipv4_prefix, o->body + 3, 4);
	p6 = o->body[7];
	if (get_prefix6(w, o, "ipv6-prefix", o->body + 8, o->len - 8, p6, r->ipv6_prefix))
		return -1;
	r->ipv6_prefix_len = (__u8)p6;
	if (parse_port_subopts(w, o, o->body + 8 + (p6 + 7) / 8, o->body + o->len, &have_pp,
			       &offset, &psid_len, &psid))
		return -1;
	r->psid_offset = have_pp ? offset : RFC7597_DEFAULT_OFFSET;
	p->offset_defaulted[p->n_rules] = !have_pp;
	if (mapce_rule_check(r, m, sizeof(m)))
		return FAIL(w, o, "%s", m);
	k = mapce_rule_psid_len(r);
	if (have_pp && psid_len && psid_len != k)
		return FAIL(w, o,
			    "S46_PORTPARAMS PSID length %u contradicts the EA bits: k = "
			    "ea-len - (32 - prefix4-len) = %u",
			    psid_len, k);
	if (have_pp && psid)
		return FAIL(w, o,
			    "S46_PORTPARAMS carries PSID %u, but in a MAP-E rule the EA "
			    "bits carry the PSID",
			    psid);
	r->psid_len = k;
	p->n_rules++;
	return 0;
}

static int parse_br(const struct s46_walk *w, const struct s46_opt *o, struct s46_params *p)
{
	char a[INET6_ADDRSTRLEN];

	if (o->len != 16)
		return FAIL(w, o, "length %zu, must be 16 (one IPv6 address)", o->len);
	if (!ipv6_global_unicast(o->body))
		return FAIL(w, o, "%s is not a global unicast IPv6 address",
			    inet_ntop(AF_INET6, o->body, a, sizeof(a)));
	if (p->n_br < S46_MAX_BRS)
		memcpy(p->br[p->n_br], o->body, 16);
	p->n_br++;
	return 0;
}

static int parse_bind(const struct s46_walk *w, const struct s46_opt *o, struct s46_params *p)
{
	char a[INET_ADDRSTRLEN];
	bool have_pp;
	unsigned int len;

	if (o->len < 5)
		return FAIL(w, o, "length %zu, at least 5 (ipv4-address, bindprefix6-len)", o->len);
	memcpy(&p->bind_ipv4, o->body, 4);
	if (!ipv4_unicast(p->bind_ipv4))
		return FAIL(w, o, "ipv4-address %s is not a unicast address",
			    inet_ntop(AF_INET, o->body, a, sizeof(a)));
	len = o->body[4];
	if (get_prefix6(w, o, "bind-ipv6-prefix", o->body + 5, o->len - 5, len, p->bind_prefix))
		return -1;
	p->bind_prefix_len = (__u8)len;
	if (parse_port_subopts(w, o, o->body + 5 + (len + 7) / 8, o->body + o->len, &have_pp,
			       &p->psid_offset, &p->psid_len, &p->psid))
		return -1;
	if (!have_pp) {
		/* No port restriction: the whole address (RFC 7596 §5.1). */
		p->psid_offset = 0;
		p->psid_len = 0;
		p->psid = 0;
	}
	return 0;
}

/* Walk the container's payload [pos, end) as container code c. */
static int parse_container(const struct s46_walk *w, const struct s46_opt *c, struct s46_params *p)
{
	const __u8 *pos = c->body, *end = c->body + c->len;
	struct s46_opt o;
	int binds = 0, rc;

	p->container = (int)c->code;
	while ((rc = next_opt(w, c, &pos, end, &o)) > 0) {
		switch (o.code) {
		case S46_OPT_RULE:
			if (c->code != S46_OPT_CONT_MAPE)
				return FAIL(w, &o, "not allowed in %s", s46_opt_name(c->code));
			rc = parse_rule(w, &o, p);
			break;
		case S46_OPT_BR:
			rc = parse_br(w, &o, p);
			break;
		case S46_OPT_V4V6BIND:
			if (c->code != S46_OPT_CONT_LW)
				return FAIL(w, &o, "not allowed in %s", s46_opt_name(c->code));
			if (binds++)
				return FAIL(w, &o, "a second S46_V4V6BIND (one binding per lwB4)");
			rc = parse_bind(w, &o, p);
			break;
		case S46_OPT_DMR:
			return FAIL(w, &o, "a MAP-T default mapping rule: MAP-T is not supported");
		default:
			return FAIL(w, &o, "unknown sub-option of %s", s46_opt_name(c->code));
		}
		if (rc)
			return -1;
	}
	if (rc)
		return -1;
	if (c->code == S46_OPT_CONT_MAPE && !p->n_rules)
		return FAIL(w, c, "no S46_RULE (a MAP-E container needs at least one)");
	if (c->code == S46_OPT_CONT_LW && !binds)
		return FAIL(w, c, "no S46_V4V6BIND (an lw4o6 container needs one)");
	if (!p->n_br)
		return FAIL(w, c, "no S46_BR (the %s address)",
			    c->code == S46_OPT_CONT_LW ? "lwAFTR" : "BR");
	return 0;
}

/* Which container a bare payload belongs to: a binding means lw4o6, a
 * DMR MAP-T, anything else MAP-E (its parse names what is wrong). */
static unsigned int guess_container(const __u8 *buf, size_t len)
{
	for (size_t i = 0; i + 4 <= len;) {
		unsigned int code = get16(buf + i);

		if (code == S46_OPT_V4V6BIND)
			return S46_OPT_CONT_LW;
		if (code == S46_OPT_DMR)
			return S46_OPT_CONT_MAPT;
		i += 4 + get16(buf + i + 2);
	}
	return S46_OPT_CONT_MAPE;
}

int s46_parse(const __u8 *buf, size_t len, struct s46_params *p, char *err, size_t errlen)
{
	struct s46_walk w = { .base = buf, .err = err, .errlen = errlen };
	struct s46_opt c = { .body = buf, .len = len, .at = 0 };
	unsigned int code = len >= 4 ? get16(buf) : 0;
	char m[256];

	memset(p, 0, sizeof(*p));
	if (code >= S46_OPT_CONT_MAPE && code <= S46_OPT_CONT_LW) {
		/* the whole option: code, length, payload */
		c.code = code;
		c.len = get16(buf + 2);
		c.body = buf + 4;
		if (c.len != len - 4)
			return FAIL(&w, &c, "length %zu, but %zu bytes follow", c.len, len - 4);
	} else {
		c.code = guess_container(buf, len);
	}
	if (code == S46_OPT_AFTR_NAME && len >= 4) {
		/* RFC 6334 §3: the whole option is one name */
		c.code = code;
		c.len = get16(buf + 2);
		c.body = buf + 4;
		if (c.len != len - 4)
			return FAIL(&w, &c, "length %zu, but %zu bytes follow", c.len, len - 4);
		if (dns_name_from_wire(c.body, c.len, 4, p->aftr_name, sizeof(p->aftr_name), m,
				       sizeof(m))) {
			memset(p, 0, sizeof(*p));
			return FAIL(&w, &c, "%s", m);
		}
		p->container = S46_OPT_AFTR_NAME;
		return 0;
	}
	if (c.code == S46_OPT_CONT_MAPT)
		return FAIL(&w, &c, "MAP-T is not supported (mapce does MAP-E and lw4o6)");
	if (len == 0 || (c.body == buf + 4 && c.len == 0))
		return FAIL(&w, &c, "empty");
	if (parse_container(&w, &c, p)) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	return 0;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

int s46_parse_hex(const char *hex, struct s46_params *p, char *err, size_t errlen)
{
	static __u8 buf[S46_HEX_MAX / 2];
	size_t n = 0, i = 0;

	memset(p, 0, sizeof(*p));
	if (strlen(hex) > S46_HEX_MAX)
		return mapce_errf(err, errlen, "DHCPv6 option: more than %d hex digits",
				  S46_HEX_MAX);
	/*
	 * "0x" prefix, then hex digits in groups separated by ':' or blanks.
	 * A group is read in pairs ("005e002d", dhcpcd's form); a one-digit
	 * group between colons is one byte ("0:5e:0:2d", dhclient's form).
	 */
	if (hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X'))
		i = 2;
	while (hex[i]) {
		size_t g = i, glen;

		if (hex[i] == ':' || isspace((unsigned char)hex[i])) {
			i++;
			continue;
		}
		while (isxdigit((unsigned char)hex[i]))
			i++;
		glen = i - g;
		if (hex[i] && hex[i] != ':' && !isspace((unsigned char)hex[i]))
			return mapce_errf(err, errlen,
					  "DHCPv6 option: character %zu (0x%02x) is "
					  "not a hex digit",
					  i, (unsigned char)hex[i]);
		if (glen == 1 && (hex[i] == ':' || (g > 0 && hex[g - 1] == ':'))) {
			buf[n++] = (__u8)hexval(hex[g]);
			continue;
		}
		if (glen % 2)
			return mapce_errf(err, errlen,
					  "DHCPv6 option: an odd number of hex digits "
					  "in the group at character %zu",
					  g);
		for (; g < i; g += 2)
			buf[n++] = (__u8)(hexval(hex[g]) << 4 | hexval(hex[g + 1]));
	}
	if (!n)
		return mapce_errf(err, errlen, "DHCPv6 option: no hex digits");
	return s46_parse(buf, n, p, err, errlen);
}
