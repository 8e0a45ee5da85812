/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * prom.h - the Prometheus text exposition format (version 0.0.4), as
 * node_exporter's textfile collector and promtool read it:
 *
 *   # HELP mapce_packets_total Packets counted under each reason.
 *   # TYPE mapce_packets_total counter
 *   mapce_packets_total{wan="wan0",reason="encap"} 1234
 *
 * A family's HELP and TYPE come once, before its samples; counters end in
 * _total.  Label values are escaped (\\, \" and \n), HELP text too (\\
 * and \n), so a value cannot break the line it stands on.
 */
#ifndef MAPCE_PROM_H
#define MAPCE_PROM_H

#include <stdbool.h>
#include <stdio.h>

struct prom_label {
	const char *name; /* [a-zA-Z_][a-zA-Z0-9_]* */
	const char *value;
};

/* A metric or label name as the format allows it? */
bool prom_name_ok(const char *name, bool metric);
/* s as a label value (without the quotes). */
void prom_escape_label(FILE *f, const char *s);
/* "# HELP name help" and "# TYPE name type" (counter, gauge). */
void prom_family(FILE *f, const char *name, const char *type, const char *help);
/* One sample: name{l[0]="...",...} value.  n may be 0. */
void prom_sample(FILE *f, const char *name, const struct prom_label *l, int n,
		 unsigned long long value);

#endif
