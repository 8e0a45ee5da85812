/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hb46pp.h - the HB46PP (v6mig-1) provisioning protocol's data, without
 * the network: the DNS TXT record that names the provisioning server, the
 * query string the CE sends, and the JSON answer as a struct.
 *
 * The public specification: "IPv6マイグレーション技術の国内標準プロビジョ
 * ニング方式" (HB46PP) version 1.1 of the IPv6 Promotion Council's IPv4/IPv6
 * coexistence WG, github.com/v6pc/v6mig-prov spec.md (CC BY 4.0); section
 * numbers below are its own.  Every parser is strict: a value of the
 * wrong type or range, a missing field or an order entry the
 * specification does not know is an error whose message starts with the
 * field's path ("map_e.rules[1].ea_length: ...").  Unknown keys of an
 * object are ignored, as §3.4 allows (servers add their own).  Nothing
 * here does I/O.
 */
#ifndef MAPCE_HB46PP_H
#define MAPCE_HB46PP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "mapce_abi.h"
#include "core/rule_config.h"

#define HB46PP_TXT_NAME "4over6.info"	       /* §3.1: asked through the line's DNS */
#define HB46PP_URL_MAX 1024		       /* a longer URL is refused */
#define HB46PP_ANSWER_MAX ((size_t)256 * 1024) /* bytes of JSON read at most */
#define HB46PP_TTL_MAX 604800		       /* §3.4: ttl <= 7 days */
#define HB46PP_NAME_MAX 253		       /* a DNS name (an AFTR's) */
#define HB46PP_MAX_ORDER 16		       /* order entries read at most */

/* The TXT record "v=v6mig-1 url=URL t=a|b" (§3.1). */
struct hb46pp_txt {
	char url[HB46PP_URL_MAX + 1];
	bool verify; /* t=b: check the server's certificate (t=a: the VNE
		      * says it would not; mapce checks it all the same) */
};

/* Parse one TXT record's text (its character-strings joined): 0, or -1
 * with a message naming the bad part in err. */
int hb46pp_parse_txt(const char *txt, struct hb46pp_txt *t, char *err, size_t errlen);

/* What the CE says about itself (§3.3). */
struct hb46pp_client {
	const char *vendorid;	/* OUI (6 hex digits) [- up to 24 of 0-9a-zA-Z_] */
	const char *product;	/* up to 32 of 0-9a-zA-Z_- */
	const char *version;	/* up to 32 of 0-9_ */
	const char *capability; /* HB46PP_CAPABILITY */
};

/* v is OUI[-NAME] (§3.3's vendorid: 6 hex digits, then '-' and up to 24
 * of 0-9a-zA-Z_)?  0, or -1 with "WHAT 'V': not OUI[-NAME] (...)". */
#define HB46PP_VENDORID_MAX 31 /* 6 + '-' + 24 */
int hb46pp_check_vendorid(const char *what, const char *v, char *err, size_t errlen);

/* The services mapce can run (the modes of `up`), and the MAP-E forms. */
#define HB46PP_CAPABILITY "map_e,dslite,lw4o6,ipip,hubspoke,mesh"

/* version as §3.3 wants it: "0.1.0" -> "0_1_0" (digits kept, anything
 * else an underscore), at most 32 characters. */
void hb46pp_version(const char *in, char *out, size_t len);
/* The URL to GET: url + "?" or "&" + the percent-encoded parameters.  0,
 * or -1 when a parameter breaks §3.3's syntax or the result would be too
 * long (message in err). */
int hb46pp_query_url(const char *url, const struct hb46pp_client *c, char *out, size_t len,
		     char *err, size_t errlen);

enum hb46pp_service {
	HB46PP_NONE = 0,
	HB46PP_MAP_E,
	HB46PP_DSLITE,
	HB46PP_LW4O6,
	HB46PP_IPIP,
	HB46PP_MAP_T,	/* known to the specification, not run by mapce */
	HB46PP_464XLAT, /* the same */
};

/* The answer (§3.4).  An object that is absent has present == false. */
struct hb46pp_answer {
	bool have_ttl;
	__u32 ttl; /* seconds, 1 .. HB46PP_TTL_MAX */
	int n_order;
	enum hb46pp_service order[HB46PP_MAX_ORDER];
	/* The first entry of order that mapce runs (HB46PP_NONE when none:
	 * an empty order, or only services mapce does not run). */
	enum hb46pp_service service;
	struct {
		bool present;
		bool legacy_iid; /* version 0 (or absent): draft-03's IID */
		bool mesh;
		__u8 br[16];
		int n_rules;
		struct mapce_rule rules[MAPCE_MAX_RULES]; /* checked (mapce_rules_validate) */
	} map_e;
	struct {
		bool present;
		bool is_addr; /* aftr is an IPv6 address (else a DNS name) */
		char aftr[HB46PP_NAME_MAX + 1];
	} dslite;
	struct {
		bool present;
		bool is_addr;
		char lwaftr[HB46PP_NAME_MAX + 1];
		__u8 ipv6[16]; /* the operator-assigned prefix */
		__u8 ipv6_len;
		__be32 ipv4;
		__u16 psid;
		__u8 psid_len, psid_offset;
	} lw4o6;
	struct {
		bool present;
		int n; /* tunnels the array held; the first one is used */
		__u8 local[16], remote[16];
		__be32 ipv4;
		__u8 ipv4_len;
	} ipip;
};

/* Parse the JSON answer (len bytes, not NUL-terminated): 0, or -1 with
 * a message naming the field in err. */
int hb46pp_parse(const char *json, size_t len, struct hb46pp_answer *a, char *err, size_t errlen);

/* The order entry's name as the specification writes it ("map_e"). */
const char *hb46pp_service_name(enum hb46pp_service s);

#endif
