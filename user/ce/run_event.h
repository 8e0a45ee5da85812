/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run_event.h - what one pass of `mapce run` did, as its log line
 * (run_log.h): a pure function of what ran before, what runs now and what
 * ce_reconcile() reports (tests/unit/test_reconcile.c).
 */
#ifndef MAPCE_RUN_EVENT_H
#define MAPCE_RUN_EVENT_H

#include <stdbool.h>
#include "ce/ce_loader.h"
#include "ce/run_log.h"

struct run_pass {
	const struct ce_up_params *before; /* what ran (NULL: the first pass) */
	const struct ce_up_params *now;	   /* what runs */
	const struct ce_up_result *res;	   /* what ce_reconcile did */
	bool link_came_up;		   /* the WAN was down at the pass before */
	bool reload;			   /* SIGHUP: the config file read again */
	const char *config;		   /* the file read, for a reload ("" none) */
	const char *note;		   /* what the plan left out, "" none */
};

/* Fill *ev; false when nothing worth a line happened. */
bool run_event_describe(const struct run_pass *ps, struct run_event *ev);

/* "2001:db8:12:3400::/56" into buf (at least 64 bytes). */
const char *run_prefix_str(const struct ce_up_params *p, char *buf, size_t len);
/* The one-line summary: "ipv4 198.51.100.18 psid 52 (240 ports), prefix P,
 * MAP address A" (systemd's STATUS= and the start line). */
const char *run_summary(const struct ce_up_params *p, char *buf, size_t len);

#endif
