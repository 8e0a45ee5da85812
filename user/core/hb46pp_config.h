/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * hb46pp_config.h - an HB46PP answer (hb46pp.h) as mapce config lines:
 * the one conversion from the provisioning server's service to settings.
 * `mapce provision` prints the lines (text or JSON); `mode auto` (up,
 * run) applies the same lines as a config file's (config_file.h), so
 * what is printed is exactly what auto brings up.
 *
 * The service is the answer's (the first entry of order that mapce
 * runs): map_e -> rule..., br, legacy-iid, mesh; dslite -> mode, aftr;
 * lw4o6 -> mode, ipv4, psid, psid-len, psid-offset, br; ipip -> mode,
 * ipv4, br, iid (the tunnel's interface id: the /64 follows the line).
 */
#ifndef MAPCE_HB46PP_CONFIG_H
#define MAPCE_HB46PP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/hb46pp.h"

#define HB46PP_CONFIG_MAX (MAPCE_MAX_RULES + 8) /* lines of one service at most */
#define HB46PP_VALUE_MAX 272			/* a rule, an AFTR name */

/* How a line's value reads in JSON. */
enum hb46pp_kind {
	HB46PP_STR,  /* a string */
	HB46PP_UINT, /* a number */
	HB46PP_BOOL, /* "yes" / "no": true / false */
	HB46PP_LIST, /* one entry of an array (consecutive lines of one key) */
};

struct hb46pp_line {
	const char *key;  /* the config key ("legacy-iid") */
	const char *json; /* its JSON name ("legacy_iid") */
	enum hb46pp_kind kind;
	char value[HB46PP_VALUE_MAX];
};

struct hb46pp_config {
	enum hb46pp_service service;
	int n;
	struct hb46pp_line lines[HB46PP_CONFIG_MAX];
	const char *note; /* a comment to print after them, or NULL */
};

/* The answer's service as config lines.  0, or -1 with a message in err
 * when the answer has no service mapce runs (order empty, or only others)
 * or one it cannot take (an lwAFTR by name). */
int hb46pp_config(const struct hb46pp_answer *a, struct hb46pp_config *c, char *err, size_t errlen);

/* The same service with the same values? */
bool hb46pp_config_same(const struct hb46pp_config *a, const struct hb46pp_config *b);

#endif
