// SPDX-License-Identifier: GPL-2.0-only
/* ce_state.c - the per-WAN state file, "key=value" lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ce_state.h"
#include "lock.h"
#include "pin.h"

#define STATE_MAX_LINES 64

static int state_path(const char *ifname, char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s.state%s", MAPCE_RUN_DIR, ifname, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int ce_state_load(const char *ifname, struct ce_state *st)
{
	char path[256], line[256];
	int ret = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	if (state_path(ifname, path, sizeof(path), ""))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (int i = 0; i < STATE_MAX_LINES && fgets(line, sizeof(line), f); i++) {
		char *eq = strchr(line, '=');
		char *val;

		if (!eq)
			continue;
		*eq = '\0';
		val = eq + 1;
		val[strcspn(val, "\n")] = '\0';
		if (!strcmp(line, "ifindex"))
			st->ifindex = atoi(val);
		else if (!strcmp(line, "pins_created"))
			st->pins_created = atoi(val) != 0;
		else if (!strcmp(line, "addr_added"))
			st->addr_added = atoi(val) != 0;
		else if (!strcmp(line, "addr") && inet_pton(AF_INET6, val, st->addr) != 1)
			ret = -EINVAL;
		else if (!strcmp(line, "route_added"))
			st->route_added = atoi(val) != 0;
		else if (!strcmp(line, "hook_created"))
			st->hook_created = atoi(val) != 0;
	}
	fclose(f);
	return ret;
}

int ce_state_save(const char *ifname, const struct ce_state *st)
{
	char path[256], tmp[256], a[INET6_ADDRSTRLEN];
	int ret = mkdir_p(MAPCE_RUN_DIR, 0755);
	FILE *f;

	if (ret)
		return ret;
	if (state_path(ifname, path, sizeof(path), "") ||
	    state_path(ifname, tmp, sizeof(tmp), ".tmp"))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "# mapce up: what it created on %s (read by mapce down)\n", ifname);
	fprintf(f, "ifindex=%d\npins_created=%d\naddr_added=%d\naddr=%s\n"
		   "route_added=%d\nhook_created=%d\n",
		st->ifindex, st->pins_created, st->addr_added,
		inet_ntop(AF_INET6, st->addr, a, sizeof(a)), st->route_added,
		st->hook_created);
	if (fclose(f)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	if (rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
		return ret;
	}
	return 0;
}

int ce_state_remove(const char *ifname)
{
	char path[256];

	if (state_path(ifname, path, sizeof(path), ""))
		return -ENAMETOOLONG;
	return unlink(path) ? -errno : 0;
}
