/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * binlog_service.h - `mapce run --binding-log PATH`: the CE's binding log
 * (ce/binlog_read.h) appended to PATH as it comes, in `mapce log`'s
 * format (JSON lines when run has -j).  PATH is reopened after every
 * SIGHUP (logrotate renames the file, then its postrotate sends the
 * signal: debian/mapce.logrotate), so nothing is written into a rotated
 * file for longer than the signal takes; a file moved without the signal
 * (or with a reload refused) is found moved before the next records are
 * written, and reopened then.  While it runs, the service is
 * the ring's one reader: `mapce log` on the WAN refuses.
 */
#ifndef MAPCE_CE_BINLOG_SERVICE_H
#define MAPCE_CE_BINLOG_SERVICE_H

#include "ce/run_service.h"

/* The service for the file path (absolute, checked by the settings); one
 * per run. */
struct run_service *binlog_service(const char *path);

#endif
