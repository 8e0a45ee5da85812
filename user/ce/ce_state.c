// SPDX-License-Identifier: GPL-2.0-only
/* ce_state.c - the per-WAN state file, "key=value" lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce/ce_state.h"
#include "sys/kv_file.h"

#define STATE_MAX_LINES 64

static int ce_state_line(const char *key, char *val, void *ctx)
{
	struct ce_state *st = ctx;

	if (!strcmp(key, "ifindex"))
		st->ifindex = atoi(val);
	else if (!strcmp(key, "pins_created"))
		st->pins_created = atoi(val) != 0;
	else if (!strcmp(key, "addr_added"))
		st->addr_added = atoi(val) != 0;
	else if (!strcmp(key, "addr") && inet_pton(AF_INET6, val, st->addr) != 1)
		return -EINVAL;
	else if (!strcmp(key, "route_added"))
		st->route_added = atoi(val) != 0;
	else if (!strcmp(key, "hook_created"))
		st->hook_created = atoi(val) != 0;
	return 0;
}

int ce_state_load(const char *ifname, struct ce_state *st)
{
	char path[256];

	memset(st, 0, sizeof(*st));
	if (kv_run_path(path, sizeof(path), "", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_read(path, STATE_MAX_LINES, ce_state_line, st);
}

struct ce_state_out {
	const char *ifname;
	const struct ce_state *st;
};

static void ce_state_write(FILE *f, const void *ctx)
{
	const struct ce_state_out *o = ctx;
	char a[INET6_ADDRSTRLEN];

	fprintf(f, "# mapce up: what it created on %s (read by mapce down)\n", o->ifname);
	fprintf(f, "ifindex=%d\npins_created=%d\naddr_added=%d\naddr=%s\n"
		   "route_added=%d\nhook_created=%d\n",
		o->st->ifindex, o->st->pins_created, o->st->addr_added,
		inet_ntop(AF_INET6, o->st->addr, a, sizeof(a)), o->st->route_added,
		o->st->hook_created);
}

int ce_state_save(const char *ifname, const struct ce_state *st)
{
	struct ce_state_out o = { ifname, st };
	char path[256];

	if (kv_run_path(path, sizeof(path), "", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_write(path, ce_state_write, &o);
}

int ce_state_remove(const char *ifname)
{
	char path[256];

	if (kv_run_path(path, sizeof(path), "", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_remove(path);
}
