/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mode_auto.h - `mode auto`'s settings: the config (mode auto, the WAN,
 * MTU, timeouts, forwards...) with the HB46PP answer's service lines
 * (core/hb46pp_config.h) applied as a config file's lines would be.  The
 * keys the answer gives (the rules, br, mode's own) are the answer's
 * alone: in the config beside mode auto they are an error naming them.
 * Pure: the question is sys/hb46pp_ask.h's, the keeping ce/auto_mode.h's.
 */
#ifndef MAPCE_MODE_AUTO_H
#define MAPCE_MODE_AUTO_H

#include <stddef.h>

#include "core/config_file.h"
#include "core/hb46pp_config.h"

/* A key of s that mode auto takes from the answer: 0 when none, else -1
 * with a message naming where it was given. */
int mode_auto_check(const struct up_settings *s, char *err, size_t errlen);

/* out = s (mode auto) with c's lines applied; url names the answer in
 * messages.  0, or -1 with "the answer of URL: KEY VALUE: why" in err. */
int mode_auto_apply(const struct up_settings *s, const struct hb46pp_config *c, const char *url,
		    struct up_settings *out, char *err, size_t errlen);

/* When to ask again, seconds from now: the answer's ttl (none: 20 h, the
 * low end of HB46PP's 20-24 h) clamped to [provision-ttl-min, 7 days]. */
unsigned int mode_auto_refresh_s(const struct up_settings *s, bool have_ttl, unsigned int ttl);
/* After failures failed questions in a row: provision-ttl-min doubled up
 * to PROVISION_RETRY_MAX_S. */
unsigned int mode_auto_retry_s(const struct up_settings *s, unsigned int failures);

#endif
