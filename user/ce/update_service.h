/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * update_service.h - `mapce run`'s update call (sys/update_call.h) as a
 * run service (run_service.h): one call after the start, one after every
 * change of the tunnel's local address (cfg.ce_ipv6: a new prefix) or of
 * the update keys (a reload), and a failed one retried after
 * update-retry-min seconds, doubled per failure up to an hour.  The call
 * runs in a thread of its own (libcurl's easy interface, bounded by
 * UPDATE_TIMEOUT_S) that tells the loop through an eventfd, so the loop
 * never waits on the network; a call asked for while one is under way
 * follows it.  Each result is one log line and the record status shows.
 */
#ifndef MAPCE_UPDATE_SERVICE_H
#define MAPCE_UPDATE_SERVICE_H

#include "ce/run_service.h"
#include "core/config_file.h"

/* The service; settings() gives run's settings as they are now (a reload
 * replaces them): without update-url it does nothing. */
struct run_service *update_service(const char *wan, const struct up_settings *(*settings)(void));

#endif
