// SPDX-License-Identifier: GPL-2.0-only
/* br_state.c - the BR's per-device state file, "key=value" lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "br_state.h"
#include "lock.h"
#include "pin.h"

#define STATE_MAX_LINES (16 + MAPCE_MAX_RULES)

static int state_path(const char *ifname, char *buf, size_t len, const char *suffix)
{
	int n = snprintf(buf, len, "%s/br-%s.state%s", MAPCE_RUN_DIR, ifname, suffix);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "198.51.100.0/24,2001:db8::1" */
static int parse_route(char *val, struct br_state_route *r)
{
	char *slash = strchr(val, '/'), *comma = strchr(val, ',');
	char *end;
	long len;

	if (!slash || !comma || comma < slash)
		return -EINVAL;
	*slash = *comma = '\0';
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > 32)
		return -EINVAL;
	if (inet_pton(AF_INET, val, &r->dst) != 1 || inet_pton(AF_INET6, comma + 1, r->gw) != 1)
		return -EINVAL;
	r->dst_len = (__u8)len;
	return 0;
}

int br_state_load(const char *ifname, struct br_state *st)
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

		if (!eq || line[0] == '#')
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
		else if (!strcmp(line, "hook_created"))
			st->hook_created = atoi(val) != 0;
		else if (!strcmp(line, "route")) {
			if (st->n_routes >= MAPCE_MAX_RULES ||
			    parse_route(val, &st->routes[st->n_routes]))
				ret = -EINVAL;
			else
				st->n_routes++;
		}
	}
	fclose(f);
	return ret;
}

int br_state_save(const char *ifname, const struct br_state *st)
{
	char path[256], tmp[256], a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];
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
	fprintf(f, "# mapce br up: what it created on %s (read by mapce br down)\n", ifname);
	fprintf(f, "ifindex=%d\npins_created=%d\naddr_added=%d\naddr=%s\nhook_created=%d\n",
		st->ifindex, st->pins_created, st->addr_added,
		inet_ntop(AF_INET6, st->addr, a, sizeof(a)), st->hook_created);
	for (int i = 0; i < st->n_routes && i < MAPCE_MAX_RULES; i++)
		fprintf(f, "route=%s/%u,%s\n", inet_ntop(AF_INET, &st->routes[i].dst, b, sizeof(b)),
			st->routes[i].dst_len, inet_ntop(AF_INET6, st->routes[i].gw, a, sizeof(a)));
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

int br_state_remove(const char *ifname)
{
	char path[256];

	if (state_path(ifname, path, sizeof(path), ""))
		return -ENAMETOOLONG;
	return unlink(path) ? -errno : 0;
}
