// SPDX-License-Identifier: GPL-2.0-only
/*
 * cli_usage.c - `mapce CMD -h` written from the command's spec (cli.h):
 * the text is the tables', wrapped here, so no usage string repeats an
 * option's name, value or help.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define WIDTH 80    /* wrap before this column */
#define HELP_COL 26 /* where an option's help starts */

/* Write text wrapped before column WIDTH: lines start at column indent
 * (the first at column col, where the caller left off); '\n' breaks a
 * line, a line's leading blanks indent its continuations too. */
static void wrap(FILE *f, const char *text, int indent, int col)
{
	const char *p = text;

	while (*p) {
		int start = indent + (int)strspn(p, " ");
		bool empty = true; /* nothing on this output line yet */

		p += strspn(p, " ");
		while (*p && *p != '\n') {
			int w = (int)strcspn(p, " \n");

			if (!empty && col + 1 + w >= WIDTH) {
				fputc('\n', f);
				col = 0;
				empty = true;
			}
			if (!empty) {
				fputc(' ', f);
				col++;
			}
			for (; col < start; col++) /* only before a word: no trailing blanks */
				fputc(' ', f);
			fwrite(p, 1, (size_t)w, f);
			col += w;
			empty = false;
			p += w;
			p += strspn(p, " ");
		}
		fputc('\n', f);
		col = 0;
		if (*p == '\n')
			p++;
	}
}

/* text's lines after "mapce ": the first after prefix, the others under
 * it; a line that starts with a blank continues the one before (its
 * blanks count from where "mapce" stands). */
static void print_synopsis(FILE *f, const char *prefix, const char *text)
{
	int pad = (int)strlen(prefix);

	for (const char *p = text; *p;) {
		int len = (int)strcspn(p, "\n");

		if (p == text)
			fprintf(f, "%s", prefix);
		else
			fprintf(f, "%*s", pad, "");
		fprintf(f, "%s%.*s\n", *p == ' ' ? "" : "mapce ", len, p);
		p += len + (p[len] == '\n');
	}
}

const char *cli_synopsis(const struct cli_spec *c, char *buf, size_t len)
{
	int n;

	if (c->synopsis)
		return c->synopsis;
	/* NAME [ARGS] [--opt X]...: every listed option is optional */
	n = snprintf(buf, len, "%s%s%s", c->name, c->args ? " " : "", c->args ? c->args : "");
	for (const struct opt_group *const *g = c->groups; g && *g; g++)
		for (const struct opt_def *d = (*g)->opts; d->name; d++)
			if (n > 0 && (size_t)n < len)
				n += snprintf(buf + n, len - (size_t)n, " [--%s%s%s]", d->name,
					      d->metavar ? " " : "", d->metavar ? d->metavar : "");
	return buf;
}

/* The synopsis lines of c, the first after prefix, the others under it. */
static void synopsis(const struct cli_spec *c, FILE *f, const char *prefix)
{
	char buf[1024];

	print_synopsis(f, prefix, cli_synopsis(c, buf, sizeof(buf)));
}

/* One option (dashes: "--name"), or a config file key ("" : "name"). */
static void print_opt(FILE *f, const struct opt_def *d, const char *dashes)
{
	int col = fprintf(f, "  ");

	if (d->short_name)
		col += fprintf(f, "-%c, ", d->short_name);
	col += fprintf(f, "%s%s%s%s", dashes, d->name, d->metavar ? " " : "",
		       d->metavar ? d->metavar : (*dashes ? "" : " [yes|no]"));
	if (col >= HELP_COL - 1) { /* a long name: its help on the next line */
		fputc('\n', f);
		col = 0;
	}
	wrap(f, d->help, HELP_COL, col);
}

/* The option groups under their headings; with_help: -h first, under
 * "Options". */
static void print_groups(FILE *f, const struct opt_group *const *groups, bool with_help,
			 const char *dashes)
{
	static const struct opt_def help = { "help", NULL, "this text", 0, 0, 'h' };
	char title[512];

	if (with_help && !(groups && *groups && !(*groups)->title)) {
		fprintf(f, "\nOptions:\n"); /* the first group has a heading of its own */
		print_opt(f, &help, "--");
		with_help = false;
	}
	for (const struct opt_group *const *g = groups; g && *g; g++) {
		if (g == groups || (*g)->title) {
			snprintf(title, sizeof(title),
				 "%s:", (*g)->title ? (*g)->title : "Options");
			fputc('\n', f);
			wrap(f, title, 0, 0);
		}
		if (with_help)
			print_opt(f, &help, "--");
		with_help = false;
		for (const struct opt_def *d = (*g)->opts; d->name; d++)
			print_opt(f, d, dashes);
	}
}

void cli_usage(const struct cli_spec *c, FILE *f)
{
	synopsis(c, f, "Usage: ");
	if (c->description) {
		fputc('\n', f);
		wrap(f, c->description, 0, 0);
	}
	print_groups(f, c->groups, true, "--");
	print_groups(f, c->file_only, false, "");
	if (c->notes) {
		fputc('\n', f);
		wrap(f, c->notes, 0, 0);
	}
	if (c->examples) /* shell lines: as written */
		fprintf(f, "\nExamples:\n%s", c->examples);
}

void cli_level_usage(const struct cli_level *l, FILE *f)
{
	const char *prefix = "Usage: ";
	char line[160];

	if (l->synopsis) {
		print_synopsis(f, prefix, l->synopsis);
	} else {
		for (const struct cli_cmd *c = l->cmds; c->name; c++) {
			if (c->spec)
				synopsis(c->spec, f, prefix);
			prefix = "       ";
		}
	}
	if (l->description) {
		fputc('\n', f);
		wrap(f, l->description, 0, 0);
	}
	fprintf(f, "\nCommands (a unique prefix selects one):\n");
	for (const struct cli_cmd *c = l->cmds; c->name; c++) {
		snprintf(line, sizeof(line), "  %-8s ", c->name);
		fputs(line, f);
		wrap(f, c->summary, 11, (int)strlen(line));
	}
	print_groups(f, l->groups, false, "--");
	fprintf(f, "\nRun 'mapce %s%sCOMMAND -h' for a command's options.\n", l->name,
		*l->name ? " " : "");
}
