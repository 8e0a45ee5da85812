/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_record.h - MAPCE_RUN_DIR/<wan>.config: the config file `mapce up`
 * read on a WAN, so that `mapce portmap add|del` edit that same file and
 * the forwards come back after down/up.  A kv_file.h record ("path=...").
 */
#ifndef MAPCE_CONFIG_RECORD_H
#define MAPCE_CONFIG_RECORD_H

#include <stddef.h>

/* Record path for wan; path NULL or "" removes the record.  0 or -errno. */
int config_path_record(const char *wan, const char *path);
/* The recorded path into buf: 0, -ENOENT (none), -ENAMETOOLONG. */
int config_path_lookup(const char *wan, char *buf, size_t len);
/* Remove the record: 0, -ENOENT (there was none). */
int config_path_forget(const char *wan);

#endif
