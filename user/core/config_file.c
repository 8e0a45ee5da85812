// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_file.c - `mapce up` settings: one apply function behind both the
 * command line and the config file, the file parser, the merge, the
 * checks on the merged result, and in-place edits of portmap lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/xdp_mode.h"
#include "core/config_file.h"
#include "sys/lock.h"
#include "sys/pin.h"

#define CONFIG_FILE_MAX (1024 * 1024) /* bytes an edit reads */

const struct up_key_def up_keys[] = {
	{ "wan", required_argument, UP_OPT_BASE + UK_WAN },
	{ "mtu", required_argument, UP_OPT_BASE + UK_MTU },
	{ "hop-limit", required_argument, UP_OPT_BASE + UK_HOP_LIMIT },
	{ "timeout-udp", required_argument, UP_OPT_BASE + UK_TIMEOUT_UDP },
	{ "timeout-tcp-est", required_argument, UP_OPT_BASE + UK_TIMEOUT_TCP_EST },
	{ "timeout-tcp-trans", required_argument, UP_OPT_BASE + UK_TIMEOUT_TCP_TRANS },
	{ "timeout-icmp", required_argument, UP_OPT_BASE + UK_TIMEOUT_ICMP },
	{ "xdp-mode", required_argument, UP_OPT_BASE + UK_XDP_MODE },
	{ "max-flows", required_argument, UP_OPT_BASE + UK_MAX_FLOWS },
	{ "mss-clamp", required_argument, UP_OPT_BASE + UK_MSS_CLAMP },
	{ "encap-limit", required_argument, UP_OPT_BASE + UK_ENCAP_LIMIT },
	{ "filtering", required_argument, UP_OPT_BASE + UK_FILTERING },
	{ "max-per-host", required_argument, UP_OPT_BASE + UK_MAX_PER_HOST },
	{ "allow-short-timeouts", no_argument, UP_OPT_BASE + UK_ALLOW_SHORT_TIMEOUTS },
};
const size_t up_keys_n = sizeof(up_keys) / sizeof(up_keys[0]);

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Filtering names                                                     */
/* ------------------------------------------------------------------ */

const char *filtering_str(__u8 mode)
{
	switch (mode) {
	case MAPCE_FILTER_EIF:
		return "eif";
	case MAPCE_FILTER_ADF:
		return "adf";
	case MAPCE_FILTER_APDF:
		return "apdf";
	}
	return "?";
}

int filtering_parse(const char *s, __u8 *mode)
{
	if (!strcmp(s, "eif"))
		*mode = MAPCE_FILTER_EIF;
	else if (!strcmp(s, "adf"))
		*mode = MAPCE_FILTER_ADF;
	else if (!strcmp(s, "apdf"))
		*mode = MAPCE_FILTER_APDF;
	else
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Apply                                                               */
/* ------------------------------------------------------------------ */

void up_settings_init(struct up_settings *s)
{
	memset(s, 0, sizeof(*s));
	mapce_opts_init(&s->rule);
}

static const char *key_name(int opt)
{
	for (size_t i = 0; i < up_keys_n; i++)
		if (up_keys[i].opt == opt)
			return up_keys[i].name;
	for (size_t i = 0; i < mapce_rule_longopts_n; i++)
		if (mapce_rule_longopts[i].val == opt)
			return mapce_rule_longopts[i].name;
	return "?";
}

/* The options that make up "the rules" (replaced as a whole on merge). */
static bool rule_group_opt(int opt)
{
	switch (opt) {
	case MAPCE_OPT_RULE_IPV6:
	case MAPCE_OPT_RULE_IPV4:
	case MAPCE_OPT_EA_LEN:
	case MAPCE_OPT_PSID_OFFSET:
	case MAPCE_OPT_PSID_LEN:
	case MAPCE_OPT_FMR:
	case MAPCE_OPT_RULE:
	case MAPCE_OPT_IPV4:
	case MAPCE_OPT_PSID:
		return true;
	}
	return false;
}

/* In a file, keys have no leading dashes: "missing --ea-len" becomes
 * "missing ea-len" (no address or number contains "--"). */
static void undash(char *m)
{
	char *o = m;

	for (const char *p = m; *p; p++) {
		if (p[0] == '-' && p[1] == '-' && (p == m || p[-1] == ' ' || p[-1] == '(')) {
			p++;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
}

/* A number of key k in [min, max]. */
static int num(struct up_settings *s, enum up_key k, const char *name, const char *arg,
	       unsigned long min, unsigned long max, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(arg, max, &v) || v < min)
		return BAD("bad %s '%s' (expected %lu..%lu)", name, arg, min, max);
	s->val[k] = v;
	return 0;
}

int up_settings_apply(struct up_settings *s, int opt, const char *arg, unsigned int line,
		      char *err, size_t errlen)
{
	char name[40], m[512];
	enum attach_xdp_mode xm;
	enum up_key k;
	__u8 f;
	int ret;

	s->usage_err = false;
	/* messages name the key as it was written: --key or key */
	snprintf(name, sizeof(name), "%s%s", line ? "" : "--", key_name(opt));
	if (opt >= MAPCE_OPT_BASE) {
		s->rule.usage_err = false;
		ret = mapce_opts_handle(&s->rule, opt, arg, m, sizeof(m));
		if (ret == 1)
			return BAD("unknown option %s", name);
		if (ret < 0) {
			s->usage_err = s->rule.usage_err;
			if (line)
				undash(m);
			return BAD("%s", m);
		}
		if (rule_group_opt(opt) && !s->rule_given) {
			s->rule_given = true;
			s->rule_line = line;
		}
		if ((opt == MAPCE_OPT_RULE_IPV6 || opt == MAPCE_OPT_RULE) && s->rule.n_rules > 0)
			s->rule_lines[s->rule.n_rules - 1] = line;
		return 0;
	}
	if (opt < UP_OPT_BASE || opt >= UP_OPT_BASE + UK__N)
		return BAD("unknown option %s", name);
	k = (enum up_key)(opt - UP_OPT_BASE);
	if (line && s->set[k]) {
		s->usage_err = true;
		return BAD("%s given twice (first on line %u)", name, s->line[k]);
	}
	switch (k) {
	case UK_WAN:
		if (!arg[0] || strlen(arg) >= IF_NAMESIZE || strchr(arg, '/') || arg[0] == '.')
			return BAD("bad interface name '%s'", arg);
		snprintf(s->wan, sizeof(s->wan), "%s", arg);
		ret = 0;
		break;
	case UK_MTU:
		ret = num(s, k, name, arg, MAPCE_MIN_MTU, 65535, err, errlen);
		break;
	case UK_HOP_LIMIT:
		ret = num(s, k, name, arg, 1, 255, err, errlen);
		break;
	case UK_TIMEOUT_UDP:
	case UK_TIMEOUT_TCP_EST:
	case UK_TIMEOUT_TCP_TRANS:
	case UK_TIMEOUT_ICMP:
		/* the RFC minimums are checked once merged (allow-short-timeouts
		 * may come from the other source) */
		ret = num(s, k, name, arg, 1, 0xffffffffUL, err, errlen);
		break;
	case UK_XDP_MODE:
		if (xdp_mode_parse(arg, &xm))
			return BAD("bad %s '%s' (auto, native or generic)", name, arg);
		s->val[k] = (unsigned long)xm;
		ret = 0;
		break;
	case UK_MAX_FLOWS:
		ret = num(s, k, name, arg, MAPCE_MIN_FLOWS, MAPCE_MAX_FLOWS_LIMIT, err, errlen);
		break;
	case UK_MSS_CLAMP:
		if (!strcmp(arg, "off")) {
			s->val[k] = 0;
			ret = 0;
		} else if (!strcmp(arg, "auto")) {
			s->val[k] = UP_MSS_AUTO; /* MTU - 40, whatever the MTU */
			ret = 0;
		} else {
			if (num(s, k, name, arg, 0, 65535, err, errlen) ||
			    (s->val[k] && s->val[k] < MAPCE_MIN_MSS))
				return BAD("bad %s '%s' (off, auto, or %d..MTU - 40)", name, arg,
					   MAPCE_MIN_MSS);
			ret = 0;
		}
		break;
	case UK_ENCAP_LIMIT:
		ret = num(s, k, name, arg, 0, 255, err, errlen);
		break;
	case UK_FILTERING:
		if (filtering_parse(arg, &f))
			return BAD("bad %s '%s' (eif, adf or apdf)", name, arg);
		s->val[k] = f;
		ret = 0;
		break;
	case UK_MAX_PER_HOST:
		ret = num(s, k, name, arg, 0, 0xffffffffUL, err, errlen);
		break;
	case UK_ALLOW_SHORT_TIMEOUTS:
		s->val[k] = 1;
		ret = 0;
		break;
	default:
		return BAD("unknown option %s", name);
	}
	if (ret)
		return ret;
	s->set[k] = true;
	s->line[k] = line;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parse a file                                                        */
/* ------------------------------------------------------------------ */

/* Split line (modified) into at most max words; comments cut.  Returns
 * the word count, max + 1 when there are more. */
static int split_words(char *line, char **w, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	line[strcspn(line, "#")] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == max)
			return max + 1;
		w[n++] = tok;
	}
	return n;
}

/* yes/no words of a flag line; -1 when neither. */
static int parse_bool(const char *s)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

/* Look a key up: getopt value and has_arg, or -1. */
static int find_key(const char *name, int *has_arg)
{
	for (size_t i = 0; i < up_keys_n; i++) {
		if (!strcmp(up_keys[i].name, name)) {
			*has_arg = up_keys[i].has_arg;
			return up_keys[i].opt;
		}
	}
	for (size_t i = 0; i < mapce_rule_longopts_n; i++) {
		if (mapce_rule_longopts[i].name && !strcmp(mapce_rule_longopts[i].name, name)) {
			*has_arg = mapce_rule_longopts[i].has_arg;
			return mapce_rule_longopts[i].val;
		}
	}
	return -1;
}

/* One "portmap" line. */
static int parse_portmap_line(struct up_settings *s, char **w, int n, unsigned int line,
			      char *err, size_t errlen)
{
	char m[256], a[PORTMAP_STRLEN];
	struct portmap pm;

	if (n != 4)
		return BAD("portmap needs 3 words: tcp|udp PORT[-PORT] INSIDE_IP[:PORT]%s",
			   n > 4 ? " (too many)" : "");
	if (portmap_parse(w[1], w[2], w[3], &pm, m, sizeof(m)))
		return BAD("portmap: %s", m);
	pm.line = line;
	for (int i = 0; i < s->n_portmaps; i++) {
		const struct portmap *o = &s->portmaps[i];

		if (portmap_outside_overlap(&pm, o))
			return BAD("portmap %s %s: outside ports overlap the portmap on line %u (%s)",
				   w[1], w[2], o->line, portmap_format(o, a, sizeof(a)));
		if (portmap_inside_overlap(&pm, o))
			return BAD("portmap %s %s %s: inside endpoints overlap the portmap on "
				   "line %u (%s)",
				   w[1], w[2], w[3], o->line, portmap_format(o, a, sizeof(a)));
	}
	if (s->n_portmaps == PORTMAP_MAX)
		return BAD("too many portmap lines (at most %d)", PORTMAP_MAX);
	s->portmaps[s->n_portmaps++] = pm;
	return 0;
}

/* One line (already split). */
static int parse_line(struct up_settings *s, char **w, int n, unsigned int line, char *err,
		      size_t errlen)
{
	int has_arg, opt, b;

	if (!strcmp(w[0], "portmap"))
		return parse_portmap_line(s, w, n, line, err, errlen);
	opt = find_key(w[0], &has_arg);
	if (opt < 0)
		return BAD("unknown key '%s'", w[0]);
	if (has_arg == required_argument) {
		if (n < 2)
			return BAD("%s needs a value", w[0]);
		if (n > 2)
			return BAD("%s takes one value, not '%s %s%s'", w[0], w[1], w[2],
				   n > 3 ? " ..." : "");
		return up_settings_apply(s, opt, w[1], line, err, errlen);
	}
	/* a flag: alone, or with yes/no */
	if (n > 2)
		return BAD("%s takes at most one value (yes or no), not '%s %s%s'", w[0], w[1],
			   w[2], n > 3 ? " ..." : "");
	b = n == 2 ? parse_bool(w[1]) : 1;
	if (b < 0)
		return BAD("bad %s value '%s' (yes or no)", w[0], w[1]);
	return b ? up_settings_apply(s, opt, NULL, line, err, errlen) : 0;
}

int config_file_parse(const char *path, struct up_settings *s, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 2], *w[8], m[1024];
	unsigned int line = 0;
	FILE *f;
	int n, ret = 0;

	up_settings_init(s);
	snprintf(s->path, sizeof(s->path), "%s", path);
	f = fopen(path, "re");
	if (!f)
		return BAD("cannot read the config file %s: %s", path, strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		size_t len = strlen(buf);

		line++;
		if (line > CONFIG_LINES_MAX) {
			ret = BAD("%s:%u: too many lines (at most %d)", path, line, CONFIG_LINES_MAX);
			break;
		}
		if (len == sizeof(buf) - 1 && buf[len - 1] != '\n') {
			ret = BAD("%s:%u: line longer than %d characters", path, line,
				  CONFIG_LINE_MAX);
			break;
		}
		n = split_words(buf, w, 6);
		if (n == 0)
			continue;
		if (parse_line(s, w, n, line, m, sizeof(m))) {
			ret = BAD("%s:%u: %s", path, line, m);
			break;
		}
	}
	if (!ret && ferror(f))
		ret = BAD("reading the config file %s: %s", path, strerror(errno));
	fclose(f);
	if (ret)
		return ret;
	/* Complete rules: a missing rule-ipv4 or ea-len is the file's fault,
	 * whatever the command line says (its rules would replace them).
	 * Rule by rule, so the message names the line that starts the bad one. */
	for (int i = 0; i < s->rule.n_rules; i++) {
		static struct mapce_opts copy;

		copy = s->rule;
		copy.n_rules = i + 1;
		if (mapce_rules_validate(&copy, m, sizeof(m))) {
			undash(m);
			return BAD("%s:%u: %s", path, s->rule_lines[i] ? s->rule_lines[i] :
				   s->rule_line, m);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Merge and check                                                     */
/* ------------------------------------------------------------------ */

void up_settings_merge(struct up_settings *out, const struct up_settings *file,
		       const struct up_settings *cli)
{
	const struct mapce_opts *fr = &file->rule, *cr = &cli->rule;
	const struct mapce_opts *rules = cli->rule_given ? cr : fr;
	struct mapce_opts *o;

	*out = *file;
	o = &out->rule;
	/* the rules, as a whole */
	memcpy(o->rules, rules->rules, sizeof(o->rules));
	memcpy(o->rule_seen, rules->rule_seen, sizeof(o->rule_seen));
	o->n_rules = rules->n_rules;
	o->seen = rules->seen;
	o->have_ipv4 = rules->have_ipv4;
	o->have_psid = rules->have_psid;
	o->have_psid_len = rules->have_psid_len;
	o->have_psid_offset = rules->have_psid_offset;
	o->ipv4 = rules->ipv4;
	o->psid = rules->psid;
	o->psid_len = rules->psid_len;
	o->psid_offset = rules->psid_offset;
	out->rule_given = cli->rule_given || file->rule_given;
	out->rule_line = cli->rule_given ? 0 : file->rule_line;
	/* the CE keys */
	if (cr->have_prefix) {
		o->have_prefix = true;
		memcpy(o->prefix, cr->prefix, 16);
		o->prefix_len = cr->prefix_len;
	}
	if (cr->have_br) {
		o->have_br = true;
		memcpy(o->br, cr->br, 16);
	}
	o->legacy_iid = fr->legacy_iid || cr->legacy_iid;
	o->mesh = fr->mesh || cr->mesh;
	o->usage_err = false;
	/* the scalars */
	for (int k = 0; k < UK__N; k++) {
		if (!cli->set[k])
			continue;
		out->set[k] = true;
		out->val[k] = cli->val[k];
		out->line[k] = 0;
	}
	if (cli->set[UK_WAN])
		memcpy(out->wan, cli->wan, sizeof(out->wan));
	out->usage_err = false;
}

const char *up_settings_where(const struct up_settings *s, enum up_key k, char *buf,
			      size_t len)
{
	const char *name = key_name(UP_OPT_BASE + (int)k);

	if (s->line[k])
		snprintf(buf, len, "%s:%u: %s", s->path, s->line[k], name);
	else
		snprintf(buf, len, "--%s", name);
	return buf;
}

int up_settings_check(const struct up_settings *s, char *err, size_t errlen)
{
	static const struct {
		enum up_key k;
		unsigned long min;
		const char *why;
	} mins[] = {
		{ UK_TIMEOUT_UDP, MAPCE_MIN_TIMEOUT_UDP, "RFC 4787 REQ-5" },
		{ UK_TIMEOUT_TCP_EST, MAPCE_MIN_TIMEOUT_TCP_EST, "RFC 5382 REQ-5" },
		{ UK_TIMEOUT_TCP_TRANS, MAPCE_MIN_TIMEOUT_TCP_TRANS, "RFC 5382 REQ-5" },
		{ UK_TIMEOUT_ICMP, MAPCE_MIN_TIMEOUT_ICMP, "RFC 5508 REQ-2" },
	};
	char where[PATH_MAX + 64];

	if (s->set[UK_ALLOW_SHORT_TIMEOUTS] && s->val[UK_ALLOW_SHORT_TIMEOUTS])
		return 0;
	for (size_t i = 0; i < sizeof(mins) / sizeof(mins[0]); i++) {
		enum up_key k = mins[i].k;

		if (!s->set[k] || s->val[k] >= mins[i].min)
			continue;
		return BAD("%s %lu is below %lu s, the minimum of %s (%s allows it, for tests)",
			   up_settings_where(s, k, where, sizeof(where)), s->val[k], mins[i].min,
			   mins[i].why,
			   s->line[k] ? "allow-short-timeouts" : "--allow-short-timeouts");
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Paths                                                               */
/* ------------------------------------------------------------------ */

int config_default_path(const char *wan, char *buf, size_t len)
{
	const char *dir = getenv(MAPCE_CONF_DIR_ENV);
	int n;

	if (!dir || !*dir)
		dir = MAPCE_CONF_DIR;
	n = snprintf(buf, len, "%s/%s.conf", dir, wan);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int record_path(const char *wan, char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s.config%s", MAPCE_RUN_DIR, wan, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int config_path_record(const char *wan, const char *path)
{
	char p[PATH_MAX], tmp[PATH_MAX];
	FILE *f;
	int ret;

	if (!path || !*path) {
		config_path_forget(wan);
		return 0;
	}
	if (record_path(wan, p, sizeof(p), "") || record_path(wan, tmp, sizeof(tmp), ".tmp"))
		return -ENAMETOOLONG;
	ret = mkdir_p(MAPCE_RUN_DIR, 0755);
	if (ret)
		return ret;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# mapce up on %s read this config file (mapce portmap edits it)\n"
		   "path=%s\n", wan, path);
	if (fclose(f) || rename(tmp, p)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;
}

int config_path_lookup(const char *wan, char *buf, size_t len)
{
	char p[PATH_MAX], line[PATH_MAX + 16];
	int ret = -ENOENT;
	FILE *f;

	if (record_path(wan, p, sizeof(p), ""))
		return -ENAMETOOLONG;
	f = fopen(p, "re");
	if (!f)
		return -errno;
	for (int i = 0; i < 16 && fgets(line, sizeof(line), f); i++) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "path=", 5) && line[5]) {
			if (strlen(line + 5) >= len) {
				ret = -ENAMETOOLONG;
				break;
			}
			strcpy(buf, line + 5);
			ret = 0;
			break;
		}
	}
	fclose(f);
	return ret;
}

int config_path_forget(const char *wan)
{
	char p[PATH_MAX];

	if (record_path(wan, p, sizeof(p), ""))
		return -ENAMETOOLONG;
	return unlink(p) ? -errno : 0;
}

/* ------------------------------------------------------------------ */
/* Edits                                                               */
/* ------------------------------------------------------------------ */

/* The whole file into a malloc'd, NUL-terminated buffer. */
static char *slurp(const char *path, struct stat *st, char *err, size_t errlen)
{
	char *buf;
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f) {
		BAD("cannot read the config file %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), st) || st->st_size > CONFIG_FILE_MAX) {
		BAD("config file %s: %s", path, errno ? strerror(errno) : "too big");
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)st->st_size + 2);
	if (!buf) {
		fclose(f);
		BAD("out of memory");
		return NULL;
	}
	n = fread(buf, 1, (size_t)st->st_size, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Replace path by text: a temporary file next to it, same mode and
 * owner, fsync'd, renamed over it. */
static int write_atomic(const char *path, const struct stat *st, const char *text, char *err,
			size_t errlen)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd, e = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return BAD("config file name too long: %s", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return BAD("cannot write the config file %s: creating %s: %s", path, tmp,
			   strerror(errno));
	if (fchmod(fd, st->st_mode & 07777) || (fchown(fd, st->st_uid, st->st_gid) && errno != EPERM))
		e = errno;
	if (!e && (write(fd, text, len) != (ssize_t)len || fsync(fd)))
		e = errno ? errno : EIO;
	if (close(fd) && !e)
		e = errno;
	if (!e && rename(tmp, path))
		e = errno;
	if (e) {
		unlink(tmp);
		return BAD("cannot write the config file %s: %s", path, strerror(e));
	}
	return 0;
}

int config_file_add_portmap(const char *path, const struct portmap *pm, char *err,
			    size_t errlen)
{
	static struct up_settings s;
	char line[PORTMAP_STRLEN], a[PORTMAP_STRLEN], *text, *out;
	struct stat st;
	size_t len;
	int ret;

	if (config_file_parse(path, &s, err, errlen))
		return -1;
	for (int i = 0; i < s.n_portmaps; i++) {
		if (portmap_outside_overlap(pm, &s.portmaps[i]) ||
		    portmap_inside_overlap(pm, &s.portmaps[i]))
			return BAD("%s overlaps the portmap on %s:%u (%s)",
				   portmap_format(pm, line, sizeof(line)), path, s.portmaps[i].line,
				   portmap_format(&s.portmaps[i], a, sizeof(a)));
	}
	text = slurp(path, &st, err, errlen);
	if (!text)
		return -1;
	len = strlen(text);
	out = malloc(len + PORTMAP_STRLEN + 16);
	if (!out) {
		free(text);
		return BAD("out of memory");
	}
	sprintf(out, "%s%sportmap %s\n", text, len && text[len - 1] != '\n' ? "\n" : "",
		portmap_format(pm, line, sizeof(line)));
	ret = write_atomic(path, &st, out, err, errlen);
	free(out);
	free(text);
	return ret;
}

int config_file_del_portmaps(const char *path, const struct portmap *range, int *dropped,
			     char *err, size_t errlen)
{
	static struct up_settings s;
	char *text, *out, *p, *o, *w[8], copy[CONFIG_LINE_MAX + 2];
	struct stat st;
	int ret;

	*dropped = 0;
	if (config_file_parse(path, &s, err, errlen))
		return -1;
	text = slurp(path, &st, err, errlen);
	if (!text)
		return -1;
	out = malloc(strlen(text) + 1);
	if (!out) {
		free(text);
		return BAD("out of memory");
	}
	o = out;
	/* Copy line by line, leaving out the portmap lines within range. */
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		struct portmap pm;
		bool drop = false;
		int n;

		if (len < sizeof(copy)) {
			memcpy(copy, p, len);
			copy[len] = '\0';
			n = split_words(copy, w, 6);
			drop = n == 4 && !strcmp(w[0], "portmap") &&
			       !portmap_parse(w[1], w[2], w[3], &pm, NULL, 0) &&
			       pm.proto == range->proto && pm.first >= range->first &&
			       pm.last <= range->last;
		}
		if (drop) {
			(*dropped)++;
		} else {
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	*o = '\0';
	ret = *dropped ? write_atomic(path, &st, out, err, errlen) : 0;
	free(out);
	free(text);
	return ret;
}
