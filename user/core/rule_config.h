/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rule_config.h - MAP rule options from the command line, their
 * validation (with messages naming the wrong value) and the derived
 * parameters of a CE.  Shared by `mapce calc`, `mapce up` and `mapce br up`.
 *
 * The options, their values and help are the tables of rule_config.c
 * (mapce_rule_groups): the rules (--rule-ipv6 ... or the compact --rule,
 * a new one starting each rule), the domain (--br, --legacy-iid), the CE
 * (--prefix, --mesh) and the explicit lw4o6 form (--ipv4 --psid).
 *
 * --psid-offset defaults to 6 (RFC 7597 §5.1) in both forms.  --psid-len and
 * --psid-offset before any rule belong to the explicit form; after a
 * --rule-ipv6 or --rule they belong to that rule.
 */
#ifndef MAPCE_RULE_CONFIG_H
#define MAPCE_RULE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include "mapce_abi.h"
#include "core/parse.h" /* parse_uint, parse_ipv6_prefix, mapce_errf */
#include "core/opt_table.h"
#include "core/policy.h"

/* What the user gave. */
struct mapce_opts {
	struct mapce_rule rules[MAPCE_MAX_RULES];
	int n_rules;
	bool have_prefix;
	__u8 prefix[16]; /* CE's IPv6 prefix (host bits zeroed) */
	__u8 prefix_len;
	bool have_br;
	__u8 br[16];
	bool legacy_iid;
	bool mesh;
	/* explicit form */
	bool have_ipv4, have_psid, have_psid_len, have_psid_offset;
	__be32 ipv4;
	__u16 psid;
	__u8 psid_len;
	__u8 psid_offset;
	/* which per-rule options were seen for the rule being built */
	unsigned int seen;
	/* --- added after the first version --- */
	/* seen bits of every rule (seen == rule_seen[n_rules - 1]) */
	unsigned int rule_seen[MAPCE_MAX_RULES];
	/* set with a -1 return when the error is a usage error (missing or
	 * misplaced option: exit 2) rather than a bad value (exit 1) */
	bool usage_err;
	/* --ipv4 ADDR/LEN: ipip6's routed prefix length, MAPCE_IPV4_PREFIX_MIN
	 * to 32; 0 when --ipv4 gave one address (and for every other form) */
	__u8 ipv4_len;
};

/* The CE's parameters, derived. */
struct mapce_derived {
	int bmr;       /* index of the BMR in opts->rules; -1 explicit */
	__be32 ipv4;   /* shared address, or base of the IPv4 prefix */
	__u8 ipv4_len; /* 32, or shorter when the CE gets a prefix */
	__u16 psid;
	__u8 psid_len;	  /* k */
	__u8 psid_offset; /* a */
	__u32 port_count;
	__u32 range_count;
	__u8 end_user_prefix[16]; /* rule prefix + EA bits */
	__u8 end_user_len;	  /* r6 + o */
	__u8 ce_ipv6_rfc[16];
	__u8 ce_ipv6_legacy[16];
	__u8 ce_ipv6[16];  /* the one selected by legacy_iid */
	bool have_ce_ipv6; /* false: the explicit form without a prefix (no
			    * MAP address: the IPv4 address and the port set only) */
	bool have_br;
	__u8 br[16];
};

/* The option values (opt_def.val) of the rule options.  The config file's
 * scalar keys use other values (config_file.h's UP_OPT_BASE). */
#define MAPCE_OPT_BASE 0x1000
enum mapce_rule_opt {
	MAPCE_OPT_RULE_IPV6 = MAPCE_OPT_BASE,
	MAPCE_OPT_RULE_IPV4,
	MAPCE_OPT_EA_LEN,
	MAPCE_OPT_PSID_OFFSET,
	MAPCE_OPT_PSID_LEN,
	MAPCE_OPT_FMR,
	MAPCE_OPT_RULE,
	MAPCE_OPT_PREFIX,
	MAPCE_OPT_LEGACY_IID,
	MAPCE_OPT_BR,
	MAPCE_OPT_MESH,
	MAPCE_OPT_IPV4,
	MAPCE_OPT_PSID,
	MAPCE_OPT__END
};
/* The option tables, by heading: the rules, the domain (BR address and
 * interface identifier: a BR takes these too), the CE's own, the explicit
 * form; mapce_rule_groups lists all four (NULL-terminated). */
extern const struct opt_group mapce_rule_group, mapce_domain_group, mapce_ce_group,
	mapce_explicit_group;
extern const struct opt_group *const mapce_rule_groups[];

void mapce_opts_init(struct mapce_opts *o);
/* Handle one rule option: 0 handled, 1 not a rule option, -1 bad value
 * (message written to err). */
int mapce_opts_handle(struct mapce_opts *o, int opt, const char *arg, char *err, size_t errlen);
/* Validate and derive.  need_prefix: a CE needs its prefix (calc and up;
 * up passes the WAN-detected one through opts->prefix when --prefix is
 * absent).  0 on success, -1 with a message in err. */
int mapce_derive(struct mapce_opts *o, struct mapce_derived *d, char *err, size_t errlen);
/* Validate one rule on its own (used by derive and by the BR). */
int mapce_rule_check(const struct mapce_rule *r, char *err, size_t errlen);
/* Validate every rule of o without a CE prefix (what a BR needs): required
 * per-rule options, --psid-len consistency, mapce_rule_check, duplicates;
 * fills each rule's psid_len with the derived k and sets MAPCE_RULE_F_FMR
 * on every rule with --mesh.  mapce_derive calls it.  0 ok, -1 + err. */
int mapce_rules_validate(struct mapce_opts *o, char *err, size_t errlen);
/* A rule in --rule syntax: "2001:db8::/40,192.0.2.0/24,16,6[,fmr]". */
const char *mapce_rule_format(const struct mapce_rule *r, char *buf, size_t len);

#endif
