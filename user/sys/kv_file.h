/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * kv_file.h - the small "key=value" record files under MAPCE_RUN_DIR that
 * up writes for down and for `mapce portmap` (what it created, the config
 * file it read), read and written in one way: '#' lines are comments,
 * writes are atomic (core/atomic_file.h), so a crash leaves the old record
 * or the new one, never half of one.
 */
#ifndef MAPCE_KV_FILE_H
#define MAPCE_KV_FILE_H

#include <stddef.h>
#include <stdio.h>

/* MAPCE_RUN_DIR/<prefix><name><suffix> into buf; 0 or -ENAMETOOLONG. */
int kv_run_path(char *buf, size_t len, const char *prefix, const char *name, const char *suffix);

/* Call fn for each key=value line of path (at most max_lines lines).
 * 0, -errno when path cannot be opened, or the first error fn returned
 * (the other lines are still read). */
int kv_file_read(const char *path, int max_lines, int (*fn)(const char *key, char *val, void *ctx),
		 void *ctx);

/* Replace path atomically with what fn writes (creating MAPCE_RUN_DIR).
 * 0 or -errno. */
int kv_file_write(const char *path, void (*fn)(FILE *f, const void *ctx), const void *ctx);

/* Remove path: 0, or -errno (-ENOENT: there was none). */
int kv_file_remove(const char *path);

#endif
