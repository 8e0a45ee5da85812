/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * s46.h - MAP-E, lw4o6 and DS-Lite parameters delivered by the line: the
 * DHCPv6 softwire options of RFC 7598 and the AFTR name of RFC 6334.
 *
 *   OPTION_AFTR_NAME     (64)  the DS-Lite AFTR's name: one FQDN in DNS
 *                          wire format, uncompressed (dns_name.h)
 *   OPTION_S46_CONT_MAPE (94)  container: S46_RULE+, S46_BR+
 *   OPTION_S46_CONT_MAPT (95)  container: refused ("MAP-T is not supported")
 *   OPTION_S46_CONT_LW   (96)  container: S46_V4V6BIND, S46_BR+
 *     S46_RULE       (89)  flags (F = also an FMR), ea-len, prefix4-len,
 *                          ipv4-prefix (4), prefix6-len, ipv6-prefix
 *                          (ceil(prefix6-len / 8) bytes), sub-options
 *     S46_BR         (90)  the BR (or lwAFTR) IPv6 address (16)
 *     S46_V4V6BIND   (92)  ipv4-address (4), bindprefix6-len, prefix bytes,
 *                          sub-options
 *     S46_PORTPARAMS (93)  offset (1), PSID-len (1), PSID (2, left-aligned)
 *
 * Input is what a DHCPv6 client hands its hook scripts: the option in hex
 * (pairs, optionally separated by ':' or blanks), either the container's
 * payload or the whole option with its 4-byte code/length header (option
 * 64 only whole: a bare name cannot be told from a container).  Any
 * malformed byte is an error naming the sub-option and its byte offset in
 * the input; nothing is returned half-parsed.
 *
 * A PSID offset comes from S46_PORTPARAMS when the server sends it; when
 * it does not, the RFC 7597 default (6) is used and offset_defaulted says
 * so, so that the caller can tell the user (never silently).
 */
#ifndef MAPCE_S46_H
#define MAPCE_S46_H

#include <stdbool.h>
#include <stddef.h>
#include "mapce_abi.h"
#include "core/dns_name.h"

#define S46_OPT_AFTR_NAME 64
#define S46_OPT_RULE 89
#define S46_OPT_BR 90
#define S46_OPT_DMR 91
#define S46_OPT_V4V6BIND 92
#define S46_OPT_PORTPARAMS 93
#define S46_OPT_CONT_MAPE 94
#define S46_OPT_CONT_MAPT 95
#define S46_OPT_CONT_LW 96

#define S46_MAX_BRS 4	 /* BR addresses kept (the first is used) */
#define S46_HEX_MAX 8192 /* hex characters accepted (options are < 64 KiB) */

struct s46_params {
	int container; /* S46_OPT_CONT_MAPE, S46_OPT_CONT_LW or S46_OPT_AFTR_NAME */
	/* MAP-E: the rules, psid_offset filled (from PORTPARAMS or the
	 * default), MAPCE_RULE_F_FMR set for rules with the F flag. */
	struct mapce_rule rules[MAPCE_MAX_RULES];
	int n_rules;
	bool offset_defaulted[MAPCE_MAX_RULES]; /* no PORTPARAMS: offset 6 */
	/* BR / lwAFTR addresses, in option order. */
	__u8 br[S46_MAX_BRS][16];
	int n_br;
	/* lw4o6: the binding. */
	__be32 bind_ipv4;
	__u8 bind_prefix[16];
	__u8 bind_prefix_len;
	__u8 psid_offset, psid_len;
	__u16 psid; /* right-aligned */
	/* option 64: the AFTR's name as text ("aftr.example.net") */
	char aftr_name[DNS_NAME_TEXT_MAX + 1];
};

/* Parse the hex text of an option 64, 94 or 96 (see above).  0, or -1 with a
 * message in err naming the sub-option and byte offset. */
int s46_parse_hex(const char *hex, struct s46_params *p, char *err, size_t errlen);
/* The same on raw bytes. */
int s46_parse(const __u8 *buf, size_t len, struct s46_params *p, char *err, size_t errlen);
/* "S46_RULE" etc. for an option code, "option N" otherwise. */
const char *s46_opt_name(unsigned int code);

#endif
