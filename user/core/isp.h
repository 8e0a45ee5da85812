/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * isp.h - ISP presets: the public MAP-E rule table of a service (every
 * rule with its IPv6 and IPv4 prefixes, EA length and PSID offset, the
 * BR address(es), the interface-identifier format), so that "which service
 * am I on" is all a user has to know.
 *
 * A table is a plain text file, data/isp/NAME.rules in the repository,
 * carried in the binary too (built in) and installed where users can read
 * it; a file MAPCE_ISP_DIR/NAME.rules (default /etc/mapce/isp, moved with
 * $MAPCE_ISP_DIR) wins over the built-in copy.  Format, one "KEY VALUE"
 * per line, '#' starts a comment line:
 *
 *   isp NAME                     must match the file name
 *   title TEXT                   human name (rest of the line)
 *   date YYYY-MM-DD              when the data was gathered
 *   source TEXT                  where it comes from (rest of the line)
 *   br ADDR                      a BR address; repeatable, the first is
 *                                the default
 *   iid legacy|rfc               interface identifier format
 *   rule IPV6PFX,IPV4PFX,EALEN,OFFSET[,br=ADDR]   repeatable
 *
 * The rule for a CE prefix is the one with the longest rule IPv6 prefix
 * that holds it, across every table searched ("auto" searches them all).
 */
#ifndef MAPCE_ISP_H
#define MAPCE_ISP_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include "mapce_abi.h"

#define ISP_DIR "/etc/mapce/isp"
#define ISP_DIR_ENV "MAPCE_ISP_DIR"
#define ISP_SUFFIX ".rules"
#define ISP_MAX_RULES 512
#define ISP_MAX_BRS 8
#define ISP_MAX_TABLES 16
#define ISP_NAME_MAX 16
#define ISP_NAME_CHARS "abcdefghijklmnopqrstuvwxyz0123456789-_" /* a table name */
#define ISP_FILE_MAX ((size_t)256 * 1024) /* a bigger table file is an error */

struct isp_rule {
	struct mapce_rule rule; /* checked; psid_len derived */
	int br;			/* index into the table's br[] */
};

struct isp_table {
	char name[ISP_NAME_MAX];
	char title[96];
	char date[16];
	char source[256];
	char origin[PATH_MAX]; /* the file it was read from, or "built-in" */
	__u8 br[ISP_MAX_BRS][16];
	int n_br;
	bool legacy_iid;
	struct isp_rule rules[ISP_MAX_RULES];
	int n_rules;
};

/* One built-in table: its name and text (generated from data/isp). */
struct isp_builtin {
	const char *name;
	const char *text;
};
extern const struct isp_builtin isp_builtins[];
extern const size_t isp_builtins_n;

/* Parse the text of a table; messages are "ORIGIN:LINE: ...".  0, or -1
 * with a message in err. */
int isp_parse(const char *text, const char *origin, struct isp_table *t, char *err, size_t errlen);
/* Load the table NAME: the file in the ISP directory when there is one,
 * else the built-in copy.  "auto" is not a table (see isp_load_all).
 * 0, or -1 with a message (unknown names list the known ones). */
int isp_load(const char *name, struct isp_table *t, char *err, size_t errlen);
/* Every table (built-in names, and other *.rules files of the ISP
 * directory), into t[0..max).  Returns the count, or -1 + message. */
int isp_load_all(struct isp_table *t, int max, char *err, size_t errlen);
/* The ISP directory in effect. */
const char *isp_dir(void);

/*
 * The rule that holds CE prefix/len: the longest rule IPv6 prefix
 * containing it over tables t[0..n).  0 with *ti, *ri set, or -1 with a
 * message naming the service(s) and the closest rules.
 */
int isp_match(const struct isp_table *t, int n, const __u8 prefix[16], __u8 len, int *ti, int *ri,
	      char *err, size_t errlen);

#endif
