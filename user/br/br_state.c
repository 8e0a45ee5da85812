// SPDX-License-Identifier: GPL-2.0-only
/* br_state.c - the BR's per-device state file, "key=value" lines. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "br/br_state.h"
#include "sys/kv_file.h"

#define STATE_MAX_LINES (16 + MAPCE_MAX_RULES)

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

static int br_state_line(const char *key, char *val, void *ctx)
{
	struct br_state *st = ctx;

	if (!strcmp(key, "ifindex"))
		st->ifindex = atoi(val);
	else if (!strcmp(key, "pins_created"))
		st->pins_created = atoi(val) != 0;
	else if (!strcmp(key, "addr_added"))
		st->addr_added = atoi(val) != 0;
	else if (!strcmp(key, "addr") && inet_pton(AF_INET6, val, st->addr) != 1)
		return -EINVAL;
	else if (!strcmp(key, "hook_created"))
		st->hook_created = atoi(val) != 0;
	else if (!strcmp(key, "route")) {
		if (st->n_routes >= MAPCE_MAX_RULES || parse_route(val, &st->routes[st->n_routes]))
			return -EINVAL;
		st->n_routes++;
	}
	return 0;
}

int br_state_load(const char *ifname, struct br_state *st)
{
	char path[256];

	memset(st, 0, sizeof(*st));
	if (kv_run_path(path, sizeof(path), "br-", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_read(path, STATE_MAX_LINES, br_state_line, st);
}

struct br_state_out {
	const char *ifname;
	const struct br_state *st;
};

static void br_state_write(FILE *f, const void *ctx)
{
	const struct br_state_out *o = ctx;
	const struct br_state *st = o->st;
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	fprintf(f, "# mapce br up: what it created on %s (read by mapce br down)\n", o->ifname);
	fprintf(f, "ifindex=%d\npins_created=%d\naddr_added=%d\naddr=%s\nhook_created=%d\n",
		st->ifindex, st->pins_created, st->addr_added,
		inet_ntop(AF_INET6, st->addr, a, sizeof(a)), st->hook_created);
	for (int i = 0; i < st->n_routes && i < MAPCE_MAX_RULES; i++)
		fprintf(f, "route=%s/%u,%s\n", inet_ntop(AF_INET, &st->routes[i].dst, b, sizeof(b)),
			st->routes[i].dst_len, inet_ntop(AF_INET6, st->routes[i].gw, a, sizeof(a)));
}

int br_state_save(const char *ifname, const struct br_state *st)
{
	struct br_state_out o = { ifname, st };
	char path[256];

	if (kv_run_path(path, sizeof(path), "br-", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_write(path, br_state_write, &o);
}

int br_state_remove(const char *ifname)
{
	char path[256];

	if (kv_run_path(path, sizeof(path), "br-", ifname, ".state"))
		return -ENAMETOOLONG;
	return kv_file_remove(path);
}
