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

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* MAPCE_RUN_DIR[/net:INODE]/<prefix><name><suffix> into buf (scope.h);
 * 0, -ENAMETOOLONG, or -EINVAL when name is not a device name. */
int kv_run_path(char *buf, size_t len, const char *prefix, const char *name, const char *suffix);
/* Create MAPCE_RUN_DIR (and, scoped, this network namespace's directory
 * in it) safely (safe_dir.h): 0, or -errno (-EPERM: said why). */
int run_dir_ensure(bool scoped);
/* Remove this network namespace's directory in MAPCE_RUN_DIR when empty. */
void run_dir_prune(void);
/* Open a record for reading: no link followed, no FIFO waited on, only a
 * regular file of this user (-EPERM otherwise).  fd or -errno. */
int kv_file_open(const char *path);

/* Call fn for each key=value line of path (at most max_lines lines).
 * 0, -errno when path cannot be opened, or the first error fn returned
 * (the other lines are still read). */
int kv_file_read(const char *path, int max_lines, int (*fn)(const char *key, char *val, void *ctx),
		 void *ctx);

/* Replace path atomically with what fn writes (creating MAPCE_RUN_DIR).
 * 0 or -errno. */
int kv_file_write(const char *path, void (*fn)(FILE *f, const void *ctx), const void *ctx);

/* A "key=value" line of a text value: control characters (a newline in a
 * path, in a server's reply) become '?', so they cannot start a line of
 * their own. */
void kv_put_text(FILE *f, const char *key, const char *val);

/* Remove path: 0, or -errno (-ENOENT: there was none). */
int kv_file_remove(const char *path);

/* A WAN's record MAPCE_RUN_DIR[/net:INODE]/<wan><suffix> (".update",
 * ".provision"): read (the struct zeroed first, size bytes), written,
 * removed as above; -ENAMETOOLONG when the path does not fit. */
int kv_record_load(const char *wan, const char *suffix, int max_lines,
		   int (*fn)(const char *key, char *val, void *ctx), void *rec, size_t size);
int kv_record_save(const char *wan, const char *suffix, void (*fn)(FILE *f, const void *ctx),
		   const void *rec);
int kv_record_forget(const char *wan, const char *suffix);

#endif
