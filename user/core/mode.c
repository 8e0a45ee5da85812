// SPDX-License-Identifier: GPL-2.0-only
/*
 * mode.c - the names of the CE modes (mode.h).
 */
#include <string.h>

#include "mapce_abi.h"
#include "core/mode.h"
#include "core/parse.h"

static const struct {
	const char *name;
	__u8 mode;
} modes[] = {
	{ "map-e", MAPCE_MODE_MAP_E },	 { "ipip6", MAPCE_MODE_IPIP6 },
	{ "dslite", MAPCE_MODE_DSLITE }, { "lw4o6", MAPCE_MODE_LW4O6 },
	{ "auto", MAPCE_MODE_AUTO },
};

const char *mode_str(__u8 mode)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (modes[i].mode == mode)
			return modes[i].name;
	}
	return "?";
}

int mode_parse(const char *s, __u8 *mode, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (!strcmp(s, modes[i].name)) {
			*mode = modes[i].mode;
			return 0;
		}
	}
	if (!strcmp(s, "map-t"))
		return mapce_errf(err, errlen,
				  "mode 'map-t' is not supported: MAP-T (RFC 7599) is used by no "
				  "Japanese service; map-e, ipip6, dslite, lw4o6 or auto");
	return mapce_errf(err, errlen, "unknown mode '%s' (map-e, ipip6, dslite, lw4o6 or auto)",
			  s);
}

__u32 mode_napt_port_count(const struct mapce_config *c)
{
	switch (c->mode) {
	case MAPCE_MODE_DSLITE:
		return 0;
	case MAPCE_MODE_IPIP6:
		return 65535u - MAPCE_IPIP6_NAPT_FIRST + 1;
	default:
		return c->port_count;
	}
}
