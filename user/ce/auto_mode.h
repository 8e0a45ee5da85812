/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * auto_mode.h - `mode auto`: the CE runs what the line's HB46PP server
 * orders (sys/hb46pp_ask.h).  `up` asks once before its plan (a failure:
 * nothing is applied); `run` asks once before its first up, then the
 * service below asks again at once when the WAN prefix changes and when
 * the answer's ttl ends (clamped to provision-ttl-min .. 7 days; a
 * failure retried after provision-ttl-min, doubled up to
 * PROVISION_RETRY_MAX_S, the running config kept), and asks the loop for
 * a pass when the answer changed.  The plan (cmd_up.c's)
 * takes the settings of the answer applied last (core/mode_auto.h).  The
 * record MAPCE_RUN_DIR/<wan>.provision (sys/provision_record.h) tells
 * `status` the service, the server, the last and the next question.
 */
#ifndef MAPCE_AUTO_MODE_H
#define MAPCE_AUTO_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "ce/run_service.h"
#include "core/config_file.h"

/* Ask the server of s (mode auto) and keep its answer as the one applied.
 * 0, or -1 with a message naming the bad field or the failure in err
 * (nothing kept). */
int auto_mode_ask(const struct up_settings *s, char *err, size_t errlen);

/* s with the kept answer applied (a static copy), s itself when s is not
 * mode auto; NULL with a message in err when none is kept or it does not
 * apply. */
const struct up_settings *auto_mode_settings(const struct up_settings *s, char *err, size_t errlen);

/* After an up that applied the kept answer: its record for status (next:
 * when run asks again, 0 for up). */
void auto_mode_record(const char *wan, const struct up_settings *s, bool run);

/* The service of `mapce run` that asks again (run_service.h); settings()
 * returns run's settings now (a reload may change them). */
struct run_service *auto_mode_service(const char *wan, const struct up_settings *(*settings)(void));

#endif
