/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * atomic_file.h - the one way mapce replaces a file: a temporary file in
 * the same directory (so the rename cannot cross filesystems), written,
 * fsync'd, then renamed over the old one.  A reader, or a crash, sees the
 * old file or the new one, never half of one.  Used by the state files,
 * the record of the config file up read, and `mapce portmap`'s edits of
 * the config file.
 */
#ifndef MAPCE_ATOMIC_FILE_H
#define MAPCE_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

/* Replace path with what fn writes to f (a write error fn leaves in f is
 * caught).  An existing file keeps its mode and, when we may, its owner;
 * a new one gets mode.  0, or -errno (the temporary file is gone again). */
int atomic_write(const char *path, mode_t mode, void (*fn)(FILE *f, const void *ctx),
		 const void *ctx);
/* atomic_write of a string. */
int atomic_write_text(const char *path, mode_t mode, const char *text);

#endif
