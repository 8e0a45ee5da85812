// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_man.c - the man pages the build generated (OUTPUT/man, from
 * tools/gen_man.c) against the command tables this binary links: for
 * every level and command of the tables its page exists, is named and
 * summarised as the table says, shows its synopsis, description, notes
 * and examples, and lists every option of its spec (short name, long
 * name, metavar) with that option's help, and no hidden option; no page
 * is left over.  The pages are read back by undoing the roff escapes, so
 * a table entry missing from a page, or a page no table entry has, fails.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "cli/commands.h"
#include "core/policy.h"

#define PAGE_MAX (64 * 1024)
#define LINES_MAX 2048
#define PAGES_MAX 64

struct page {
	char text[PAGE_MAX]; /* unescaped, lines split in place */
	char *line[LINES_MAX];
	int n;
};

static char man_dir[256];
static char seen[PAGES_MAX][64]; /* pages the tables account for */
static int n_seen;

/* roff back to text: \- -> -, \e -> \, \& and font changes dropped. */
static void unescape(char *s)
{
	char *o = s;

	for (char *p = s; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (p[1] == '-' || p[1] == 'e') {
			*o++ = p[1] == '-' ? '-' : '\\';
			p++;
		} else if (p[1] == '&') {
			p++;
		} else if (p[1] == 'f' && p[2]) {
			p += 2;
		} else if (p[1] == '"') { /* a comment: the rest of the line */
			while (p[1] && p[1] != '\n')
				p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

static bool load(const char *name, struct page *pg)
{
	char path[512];
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s.8", man_dir, name);
	f = fopen(path, "r");
	if (!f)
		return false;
	len = fread(pg->text, 1, sizeof(pg->text) - 1, f);
	fclose(f);
	pg->text[len] = '\0';
	unescape(pg->text);
	pg->n = 0;
	for (char *p = strtok(pg->text, "\n"); p && pg->n < LINES_MAX; p = strtok(NULL, "\n"))
		pg->line[pg->n++] = p;
	if (n_seen < PAGES_MAX)
		snprintf(seen[n_seen++], sizeof(seen[0]), "%s.8", name);
	return true;
}

/* Blanks collapsed to one, none at the ends. */
static void squeeze(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++) {
		bool blank = *in == ' ' || *in == '\n' || *in == '\t';

		if (blank && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = blank ? ' ' : *in;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

/* The text lines (no requests) of lines [from, to), squeezed. */
static void text_of(const struct page *pg, int from, int to, char *out, size_t len)
{
	static char raw[PAGE_MAX];
	size_t n = 0;

	raw[0] = '\0';
	for (int i = from; i < to && i < pg->n; i++)
		if (pg->line[i][0] != '.')
			n += (size_t)snprintf(raw + n, sizeof(raw) - n, "%s\n", pg->line[i]);
	squeeze(raw, out, len);
}

/* Does the page's running text hold text (blanks aside)? */
static bool has_text(const struct page *pg, const char *text)
{
	static char all[PAGE_MAX], want[PAGE_MAX];

	text_of(pg, 0, pg->n, all, sizeof(all));
	squeeze(text, want, sizeof(want));
	return strstr(all, want);
}

static int find_line(const struct page *pg, const char *line, int from)
{
	for (int i = from; i < pg->n; i++)
		if (!strcmp(pg->line[i], line))
			return i;
	return -1;
}

static void page_name(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "mapce%s%s", *name ? "-" : "", name);
	for (char *c = buf; *c; c++)
		if (*c == ' ')
			*c = '-';
}

/* A line starting with ".TH", "page - summary" under NAME. */
static void check_head(const struct page *pg, const char *name, const char *summary)
{
	char want[512], upper[64];
	size_t i;
	int th = -1;

	for (i = 0; name[i] && i + 1 < sizeof(upper); i++)
		upper[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	upper[i] = '\0';
	snprintf(want, sizeof(want), ".TH \"%s\" 8 ", upper);
	for (int l = 0; l < pg->n && th < 0; l++)
		if (!strncmp(pg->line[l], want, strlen(want)))
			th = l;
	CHECK(th >= 0, "%s: no title line %s", name, want);
	snprintf(want, sizeof(want), "%s - %s", name, summary);
	CHECK(find_line(pg, want, 0) == find_line(pg, ".SH NAME", 0) + 1, "%s: no NAME line '%s'",
	      name, want);
}

/* Is there an option entry (".TP", then the tag) for --name? */
static bool has_entry(const struct page *pg, const char *tag)
{
	size_t len = strlen(tag);

	for (int i = 1; i < pg->n; i++)
		if (!strcmp(pg->line[i - 1], ".TP") && !strncmp(pg->line[i], tag, len) &&
		    (!pg->line[i][len] || pg->line[i][len] == ' '))
			return true;
	return false;
}

/* An option's entry: ".TP", "-s, --name METAVAR", then its help. */
static void check_opt(const struct page *pg, const char *page, const struct opt_def *d)
{
	char tag[160], help[4096], want[4096];
	int i, end;

	int n = d->short_name ? snprintf(tag, sizeof(tag), "-%c, ", d->short_name) : 0;

	snprintf(tag + n, sizeof(tag) - (size_t)n, "--%s%s%s", d->name, d->metavar ? " " : "",
		 d->metavar ? d->metavar : "");
	i = find_line(pg, tag, 0);
	CHECK(i > 0 && !strcmp(pg->line[i - 1], ".TP"), "%s: no entry '%s'", page, tag);
	if (i <= 0)
		return;
	for (end = i + 1; end < pg->n; end++)
		if (!strncmp(pg->line[end], ".TP", 3) || !strncmp(pg->line[end], ".S", 2))
			break;
	text_of(pg, i + 1, end, help, sizeof(help));
	squeeze(d->help, want, sizeof(want));
	CHECK(!strcmp(help, want), "%s: %s: help '%s', want '%s'", page, tag, help, want);
}

static void check_groups(const struct page *pg, const char *page,
			 const struct opt_group *const *groups)
{
	for (const struct opt_group *const *g = groups; g && *g; g++) {
		char title[256];

		if ((*g)->title) {
			snprintf(title, sizeof(title), ".SS \"%s\"", (*g)->title);
			CHECK(find_line(pg, title, 0) > 0, "%s: no heading %s", page, title);
		}
		for (const struct opt_def *d = (*g)->opts; d->name; d++)
			check_opt(pg, page, d);
	}
}

/* Synopsis lines as "mapce LINE" (continuations as written). */
static void check_synopsis(const struct page *pg, const char *page, const char *text)
{
	char line[1024];

	for (const char *p = text; *p;) {
		int len = (int)strcspn(p, "\n");

		snprintf(line, sizeof(line), "%s%.*s", *p == ' ' ? "" : "mapce ", len, p);
		CHECK(find_line(pg, line, find_line(pg, ".SH SYNOPSIS", 0)) > 0,
		      "%s: synopsis lacks '%s'", page, line);
		p += len + (p[len] == '\n');
	}
}

static void check_command(const struct cli_cmd *c)
{
	static struct page pg;
	const struct cli_spec *s = c->spec;
	char page[64], buf[1024];

	page_name(s->name, page, sizeof(page));
	if (!load(page, &pg)) {
		CHECK(0, "%s.8 missing in %s", page, man_dir);
		return;
	}
	check_head(&pg, page, c->summary);
	check_synopsis(&pg, page, cli_synopsis(s, buf, sizeof(buf)));
	CHECK(!s->description || has_text(&pg, s->description), "%s: description", page);
	CHECK(!s->notes || has_text(&pg, s->notes), "%s: notes", page);
	CHECK(!s->examples || has_text(&pg, s->examples), "%s: examples", page);
	CHECK(find_line(&pg, "-h, --help", 0) > 0, "%s: no -h", page);
	check_groups(&pg, page, s->groups);
	for (const struct opt_group *const *g = s->hidden; g && *g; g++)
		for (const struct opt_def *d = (*g)->opts; d->name; d++) {
			char tag[80];

			snprintf(tag, sizeof(tag), "--%s", d->name);
			CHECK(!has_entry(&pg, tag), "%s: hidden option %s listed", page, tag);
		}
}

static void check_level(const struct cli_level *l, const char *summary, int *n_cmds)
{
	static struct page pg;
	char page[64], sub[64], want[160];

	page_name(l->name, page, sizeof(page));
	if (!load(page, &pg)) {
		CHECK(0, "%s.8 missing in %s", page, man_dir);
		return;
	}
	check_head(&pg, page, summary);
	if (l->synopsis)
		check_synopsis(&pg, page, l->synopsis);
	CHECK(!l->description || has_text(&pg, l->description), "%s: description", page);
	check_groups(&pg, page, l->groups);
	for (const struct cli_cmd *c = l->cmds; c->name; c++) {
		page_name(c->spec ? c->spec->name : c->sub->name, sub, sizeof(sub));
		snprintf(want, sizeof(want), "%s; see %s(8).", c->summary, sub);
		CHECK(find_line(&pg, c->name, 0) > 0 && find_line(&pg, want, 0) > 0,
		      "%s: command %s not listed as '%s'", page, c->name, want);
	}
	for (const struct cli_cmd *c = l->cmds; c->name; c++) {
		if (c->sub) {
			check_level(c->sub, c->summary, n_cmds);
		} else {
			check_command(c);
			++*n_cmds;
		}
	}
}

/* Every page in the directory is one the tables account for. */
static void check_no_stray(void)
{
	DIR *d = opendir(man_dir);
	struct dirent *e;

	CHECK(d, "cannot read %s", man_dir);
	while (d && (e = readdir(d))) {
		bool known = false;

		if (e->d_name[0] == '.')
			continue;
		for (int i = 0; i < n_seen; i++)
			known |= !strcmp(seen[i], e->d_name);
		CHECK(known, "%s/%s: no command of the tables has this page", man_dir, e->d_name);
	}
	if (d)
		closedir(d);
}

/* NAME's text of mapce(8): the top level's description after "mapce: ",
 * without its final period. */
static void top_summary(char *buf, size_t len)
{
	const char *d = mapce_level.description, *p = strstr(d, ": ");

	d = p ? p + 2 : d;
	snprintf(buf, len, "%.*s", (int)(strcspn(d, "\n") - (d[strcspn(d, "\n") - 1] == '.')), d);
}

int main(void)
{
	const char *out = getenv("OUTPUT");
	static struct page pg;
	char summary[256];
	int n_cmds = 0;

	snprintf(man_dir, sizeof(man_dir), "%s/man", out && *out ? out : "build");
	top_summary(summary, sizeof(summary));

	TCASE_BEGIN("man: every level and command of the tables has its page, options and help");
	check_level(&mapce_level, summary, &n_cmds);
	CHECK(n_cmds >= 12, "only %d command pages", n_cmds);
	TCASE_END();

	TCASE_BEGIN("man: no page without a command");
	check_no_stray();
	TCASE_END();

	TCASE_BEGIN("man: mapce(8) names the exit statuses and the files of policy.h");
	CHECK(load("mapce", &pg), "no mapce.8 in %s", man_dir);
	CHECK(find_line(&pg, ".SH EXIT STATUS", 0) > 0);
	CHECK(has_text(&pg, MAPCE_CONF_DIR "/IF.conf"));
	CHECK(has_text(&pg, MAPCE_RUN_DIR "/"));
	CHECK(has_text(&pg, MAPCE_PIN_ROOT "/IF/"));
	CHECK(has_text(&pg, "systemctl enable --now mapce@IF"));
	TCASE_END();
	return t_exit();
}
