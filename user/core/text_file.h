/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * text_file.h - read a small text file whole, safely: a FIFO, a device or
 * a directory is refused before it can block, the size is bounded, and a
 * NUL byte is an error (it would cut a line silently).
 */
#ifndef MAPCE_TEXT_FILE_H
#define MAPCE_TEXT_FILE_H

#include <stddef.h>

/* The file at path, at most max bytes, in a malloc'd NUL-terminated string
 * (*out; free it).  0; -ENOENT when there is no such file (no message);
 * or -1 with a message naming the file (and the line of a NUL byte). */
int text_file_read(const char *path, size_t max, char **out, char *err, size_t errlen);

#endif
