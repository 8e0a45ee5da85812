// SPDX-License-Identifier: GPL-2.0-only
/* xdp_mode.c - XDP attach modes as settings and as text (xdp_mode.h). */
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>

#include "core/xdp_mode.h"

int xdp_mode_parse(const char *s, enum attach_xdp_mode *mode)
{
	if (!strcmp(s, "auto"))
		*mode = ATTACH_XDP_AUTO;
	else if (!strcmp(s, "native") || !strcmp(s, "drv"))
		*mode = ATTACH_XDP_NATIVE;
	else if (!strcmp(s, "generic") || !strcmp(s, "skb"))
		*mode = ATTACH_XDP_GENERIC;
	else
		return -EINVAL;
	return 0;
}

const char *xdp_mode_wanted_str(enum attach_xdp_mode mode)
{
	switch (mode) {
	case ATTACH_XDP_NATIVE:
		return "native";
	case ATTACH_XDP_GENERIC:
		return "generic";
	default:
		return "native, then generic";
	}
}

const char *xdp_mode_str(__u8 attached)
{
	switch (attached) {
	case XDP_ATTACHED_DRV:
		return "native";
	case XDP_ATTACHED_SKB:
		return "generic";
	case XDP_ATTACHED_HW:
		return "offload";
	case XDP_ATTACHED_MULTI:
		return "multi";
	default:
		return "none";
	}
}
