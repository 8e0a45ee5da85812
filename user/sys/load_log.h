/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * load_log.h - libbpf's messages while a BPF object loads.  A verifier
 * rejection prints the whole verifier log (thousands of lines) at warning
 * level: unless asked for (-v) they are captured, and on failure only the
 * last lines, where the verifier says why, are shown.
 */
#ifndef MAPCE_LOAD_LOG_H
#define MAPCE_LOAD_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* Run load(arg) with libbpf's messages captured (all of them printed as
 * they come when show_all); when it fails, print the captured tail on
 * stderr.  Returns what load returned. */
int load_log_run(int (*load)(void *arg), void *arg, bool show_all);

/* The map libbpf said it failed to create ("map 'X': failed to create")
 * in log, into name: 0, or -1 when it said none.  load_log_failed_map()
 * reads the log of the last load_log_run(). */
int load_log_find_map(const char *log, char *name, size_t len);
int load_log_failed_map(char *name, size_t len);

#endif
