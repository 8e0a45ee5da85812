// SPDX-License-Identifier: GPL-2.0-only
/* prom.c - the Prometheus text exposition format (prom.h). */
#include <string.h>

#include "core/prom.h"

bool prom_name_ok(const char *name, bool metric)
{
	if (!name || !*name)
		return false;
	for (const char *c = name; *c; c++) {
		bool alpha = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			     (metric && *c == ':');

		if (!alpha && !(c != name && *c >= '0' && *c <= '9'))
			return false;
	}
	return true;
}

/* label: also '"' escaped (HELP text keeps it as it is). */
static void escape(FILE *f, const char *s, bool label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (label && *s == '"')
			fputs("\\\"", f);
		else
			fputc(*s, f);
	}
}

void prom_escape_label(FILE *f, const char *s)
{
	escape(f, s, true);
}

void prom_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	escape(f, help, false);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void prom_sample(FILE *f, const char *name, const struct prom_label *l, int n,
		 unsigned long long value)
{
	fputs(name, f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "{", l[i].name);
		escape(f, l[i].value, true);
		fputc('"', f);
	}
	fprintf(f, "%s %llu\n", n ? "}" : "", value);
}
