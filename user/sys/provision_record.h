/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * provision_record.h - what `mode auto` last asked of the HB46PP server
 * and what it applied: MAPCE_RUN_DIR/<wan>.provision (kv_file.h), written
 * by `up` and `run`, shown by `status`, removed by `down`.
 */
#ifndef MAPCE_PROVISION_RECORD_H
#define MAPCE_PROVISION_RECORD_H

#include <stdbool.h>

#include "core/hb46pp.h"

struct provision_record {
	char url[HB46PP_URL_MAX + 1]; /* the server (without the query) */
	char service[16];	      /* the service applied ("map_e", ...) */
	char config[512];	      /* its lines, "; "-separated */
	long long fetched;	      /* Unix time of the last answer applied */
	long long last_try;	      /* of the last question; 0: never */
	long long next;		      /* of the next one (run); 0: none */
	unsigned int ttl;	      /* the answer's; 0: none */
	unsigned int failures;	      /* questions failed in a row */
	char error[512];	      /* the last failure, "" after a success */
};

/* The record of wan: 0, -ENOENT (none), -errno. */
int provision_record_load(const char *wan, struct provision_record *rec);
int provision_record_save(const char *wan, const struct provision_record *rec);
int provision_record_forget(const char *wan);

#endif
