// SPDX-License-Identifier: GPL-2.0-only
/*
 * portmap_dynamic.c - forwards opened at run time (portmap_dynamic.h):
 * the config forward's install and removal with the dynamic mark.
 */
#include "ce/portmap_dynamic.h"

static struct portmap marked(const struct portmap *pm)
{
	struct portmap d = *pm;

	d.dynamic = true;
	d.line = 0;
	return d;
}

int portmap_dynamic_add(struct portmap_maps *m, const struct portmap *pm, char *err, size_t errlen)
{
	struct portmap d = marked(pm);

	/* no evict: a live mapping of another host keeps its port */
	return portmap_install(m, &d, false, err, errlen) ? -1 : 0;
}

void portmap_dynamic_del(struct portmap_maps *m, const struct portmap *pm)
{
	struct portmap d = marked(pm);

	portmap_uninstall(m, &d);
}

bool portmap_dynamic_installed(struct portmap_maps *m, const struct portmap *pm)
{
	struct portmap d = marked(pm);

	return portmap_installed(m, &d);
}
