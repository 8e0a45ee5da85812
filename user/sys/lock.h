/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lock.h - serialize mapce runs: flock(2) on MAPCE_LOCK_FILE.  Commands
 * that change state (up, down, br up/down) take it exclusive, readers
 * (status, stats, flows) shared.  Waits at most LOCK_WAIT_MS.
 */
#ifndef MAPCE_LOCK_H
#define MAPCE_LOCK_H

#include <stdbool.h>
#include "core/policy.h"

#define LOCK_WAIT_MS 10000

/* The lock's fd, or -errno (-EWOULDBLOCK: still held after the wait). */
int mapce_lock(bool exclusive);
void mapce_unlock(int fd);
/* mapce_lock for a command that must not run without it: on failure it
 * says why (err) and returns -1. */
int mapce_lock_or_err(bool exclusive);

#endif
