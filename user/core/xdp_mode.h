/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * xdp_mode.h - the XDP attach mode as a setting (--xdp-mode, the config
 * file's xdp-mode) and as text.  Parsing lives here, below the attach code
 * in sys/attach.h, so that the config parser needs nothing above core.
 */
#ifndef MAPCE_XDP_MODE_H
#define MAPCE_XDP_MODE_H

#include <linux/types.h>

enum attach_xdp_mode {
	ATTACH_XDP_AUTO = 0, /* native, falling back to generic */
	ATTACH_XDP_NATIVE,   /* driver mode only */
	ATTACH_XDP_GENERIC,  /* skb mode only */
};

/* "auto" | "native" (or "drv") | "generic" (or "skb") -> mode; -EINVAL
 * otherwise. */
int xdp_mode_parse(const char *s, enum attach_xdp_mode *mode);
/* What a setting asks for, for messages: "native", "generic" or
 * "native, then generic". */
const char *xdp_mode_wanted_str(enum attach_xdp_mode mode);
/* XDP_ATTACHED_* -> "none" | "native" | "generic" | "offload" | "multi". */
const char *xdp_mode_str(__u8 attached);

#endif
