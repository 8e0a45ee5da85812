// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_file.c - the `mapce up` config file: lines split into words,
 * each key handed to up_settings_apply() (config_settings.c) exactly as
 * the command line's options are, portmap lines checked against each
 * other, complete rules at the end; and where the file is by default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_file.h"
#include "core/config_internal.h"
#include "core/text_file.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Parse a file                                                        */
/* ------------------------------------------------------------------ */

int config_split_words(char *line, char **w, int max)
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

/* One "portmap" line. */
static int parse_portmap_line(struct up_settings *s, char **w, int n, unsigned int line, char *err,
			      size_t errlen)
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
			return BAD(
				"portmap %s %s: outside ports overlap the portmap on line %u (%s)",
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

/* One line (already split); config_file.h. */
int config_line_apply(struct up_settings *s, char **w, int n, unsigned int line, char *err,
		      size_t errlen)
{
	const struct opt_def *key;
	int opt, b;

	if (!strcmp(w[0], "portmap"))
		return parse_portmap_line(s, w, n, line, err, errlen);
	key = opt_find_name(up_key_groups, w[0]);
	if (!key)
		return BAD("unknown key '%s'", w[0]);
	opt = key->val;
	if (key->metavar) {
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

/* A control character in a line (other than tab and the CR of CRLF
 * files): its offset, or -1.  Refused rather than echoed in a message. */
static int control_char(const char *line)
{
	for (const char *p = line; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
			return (int)(p - line);
	}
	return -1;
}

int config_file_parse(const char *path, struct up_settings *s, char *err, size_t errlen)
{
	char buf[CONFIG_LINE_MAX + 2], *w[8], m[1024], *text = NULL;
	const char *p;
	unsigned int line = 0;
	int n, ret;

	up_settings_init(s);
	/* the path is recorded for `portmap` and shown by `status`: a newline
	 * in it would make another file of it there */
	for (const char *c = path; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return BAD("the config file's path has a control character (0x%02x) at "
				   "position %d",
				   (unsigned char)*c, (int)(c - path) + 1);
	snprintf(s->path, sizeof(s->path), "%s", path);
	/* whole, bounded, and never blocking on a FIFO; a NUL byte refused
	 * (it would cut a line silently) */
	ret = text_file_read(path, CONFIG_FILE_BYTES_MAX, &text, m, sizeof(m));
	if (ret == -ENOENT)
		return BAD("cannot read the config file %s: %s", path, strerror(ENOENT));
	if (ret)
		return BAD("config file: %s", m);
	ret = 0;
	for (p = text; *p && !ret; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] ? 1 : 0)) {
		size_t len = strcspn(p, "\n");
		int bad;

		line++;
		if (line > CONFIG_LINES_MAX) {
			ret = BAD("%s:%u: too many lines (at most %d)", path, line,
				  CONFIG_LINES_MAX);
			break;
		}
		if (len > CONFIG_LINE_MAX) {
			ret = BAD("%s:%u: line longer than %d characters", path, line,
				  CONFIG_LINE_MAX);
			break;
		}
		memcpy(buf, p, len);
		buf[len] = '\0';
		bad = control_char(buf);
		if (bad >= 0) {
			ret = BAD("%s:%u: control character 0x%02x at column %d", path, line,
				  (unsigned char)buf[bad], bad + 1);
			break;
		}
		n = config_split_words(buf, w, 6);
		if (n == 0)
			continue;
		if (config_line_apply(s, w, n, line, m, sizeof(m)))
			ret = BAD("%s:%u: %s", path, line, m);
	}
	free(text);
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
			config_undash(m);
			return BAD("%s:%u: %s", path,
				   s->rule_lines[i] ? s->rule_lines[i] : s->rule_line, m);
		}
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
