/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * deploy_steps.h - the steps of up (deploy.h's numbers) between deploy.c,
 * which decides the mode and runs them, and deploy_steps.c, which changes
 * the system.  Each returns 0, or -1 after pr_err().
 */
#ifndef MAPCE_DEPLOY_STEPS_H
#define MAPCE_DEPLOY_STEPS_H

#include "sys/deploy.h"

/* "mapce down --wan eth0", for messages (a static buffer). */
const char *deploy_down_cmd(const struct deploy *d);
/* FRESH: routes of the spec's protocol left on the device by an earlier
 * run go before anything else (their programs are not attached). */
void step_drop_leftover_routes(struct deploy *d);
int step_load(struct deploy *d); /* 2 */
/* Step 2's load alone (layout checked, the record written), for an up
 * that finds itself up and compares its programs (deploy_probe). */
int deploy_load_object(struct deploy *d);
/* The loaded object's fd of the spec's program i, or -ENOENT. */
int deploy_prog_fd(struct deploy *d, int i);
/* Outside FRESH: which attached programs of ours differ from this build's
 * (bpf_prog_info.tag): d->replace.  Loads the object (deploy_load_object).
 * 0, or -1 after pr_err(), nothing changed. */
int deploy_probe(struct deploy *d);
/* Replace our XDP program xi (attached, ours) with this build's program
 * i, atomically (XDP_FLAGS_REPLACE, the old program expected). */
int deploy_replace_xdp(struct deploy *d, int i, const struct deploy_attached *xi);
int step_address(struct deploy *d);	 /* 3 */
int step_config_last(struct deploy *d);	 /* 4 */
int step_attach(struct deploy *d);	 /* 5 */
void step_old_address(struct deploy *d); /* 7 */

#endif
