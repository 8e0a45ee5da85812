// SPDX-License-Identifier: GPL-2.0-only
/* state_file.c - the per-device state file, "key=value" lines (state_file.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/policy.h"

#include "sys/kv_file.h"
#include "sys/state_file.h"

#define STATE_MAX_LINES (16 + MAPCE_MAX_RULES)

/* "198.51.100.0/24,2001:db8::1" */
static int parse_route(char *val, struct state_route *r)
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

/* "12,13,14": the program ids in hook order. */
static int parse_progs(const char *val, __u32 *ids)
{
	const char *p = val;
	char *end;

	for (int i = 0; i < STATE_PROGS_MAX && *p; i++) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || v > UINT32_MAX || (*end && *end != ','))
			return -EINVAL;
		ids[i] = (__u32)v;
		p = *end ? end + 1 : end;
	}
	return *p ? -EINVAL : 0;
}

static int state_line(const char *key, char *val, void *ctx)
{
	struct up_state *st = ctx;

	if (!strcmp(key, "ifindex"))
		st->ifindex = atoi(val);
	else if (!strcmp(key, "pins_created"))
		st->pins_created = atoi(val) != 0;
	else if (!strcmp(key, "addr_added"))
		st->addr_added = atoi(val) != 0;
	else if ((!strcmp(key, "addr") && inet_pton(AF_INET6, val, st->addr) != 1) ||
		 (!strcmp(key, "progs") && parse_progs(val, st->prog_id)))
		return -EINVAL;
	else if (!strcmp(key, "hook_created"))
		st->hook_created = atoi(val) != 0;
	else if (!strcmp(key, "route")) {
		if (st->n_routes >= MAPCE_MAX_RULES || parse_route(val, &st->routes[st->n_routes]))
			return -EINVAL;
		st->n_routes++;
	} else if (!strcmp(key, "source"))
		snprintf(st->source, sizeof(st->source), "%s", val);
	else if (!strcmp(key, "rule"))
		snprintf(st->rule, sizeof(st->rule), "%s", val);
	else if (!strcmp(key, "since"))
		st->since = atoll(val);
	/* route_added is for the reader of the file: down finds the routes
	 * by their protocol */
	return 0;
}

static int state_path(char *buf, size_t len, const char *prefix, const char *dev)
{
	return kv_run_path(buf, len, prefix, dev, ".state");
}

/* Before MAPCE_BR_STATE_PREFIX a BR's file was "br-<dev>.state", a name a
 * CE on a WAN "br-<dev>" shares: the BR's own (its first line names its
 * writer) is still read and removed, once, so a BR up across an upgrade
 * goes down cleanly.  0 with the path in buf, or -ENOENT. */
static int legacy_br_path(char *buf, size_t len, const char *prefix, const char *dev)
{
	char line[64] = "";
	FILE *f;
	int fd;

	if (strcmp(prefix, MAPCE_BR_STATE_PREFIX) || kv_run_path(buf, len, "br-", dev, ".state"))
		return -ENOENT;
	fd = kv_file_open(buf);
	if (fd < 0)
		return -ENOENT;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOENT;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strncmp(line, "# mapce br up:", 14) ? -ENOENT : 0;
}

int state_load(const char *prefix, const char *dev, struct up_state *st)
{
	char path[PATH_MAX];

	int ret;

	memset(st, 0, sizeof(*st));
	if (state_path(path, sizeof(path), prefix, dev))
		return -ENAMETOOLONG;
	ret = kv_file_read(path, STATE_MAX_LINES, state_line, st);
	if (ret == -ENOENT && !legacy_br_path(path, sizeof(path), prefix, dev))
		ret = kv_file_read(path, STATE_MAX_LINES, state_line, st);
	return ret;
}

struct state_out {
	const char *dev, *cmd;
	const struct up_state *st;
};

static void state_write(FILE *f, const void *ctx)
{
	const struct state_out *o = ctx;
	const struct up_state *st = o->st;
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	fprintf(f, "# %s up: what it created on %s (read by %s down)\n", o->cmd, o->dev, o->cmd);
	fprintf(f,
		"ifindex=%d\npins_created=%d\naddr_added=%d\naddr=%s\nroute_added=%d\n"
		"hook_created=%d\n",
		st->ifindex, st->pins_created, st->addr_added,
		inet_ntop(AF_INET6, st->addr, a, sizeof(a)), st->n_routes > 0, st->hook_created);
	for (int i = 0; i < st->n_routes && i < MAPCE_MAX_RULES; i++)
		fprintf(f, "route=%s/%u,%s\n", inet_ntop(AF_INET, &st->routes[i].dst, b, sizeof(b)),
			st->routes[i].dst_len, inet_ntop(AF_INET6, st->routes[i].gw, a, sizeof(a)));
	for (int i = 0; i < STATE_PROGS_MAX; i++) {
		if (!st->prog_id[i])
			continue;
		fprintf(f, "progs=");
		for (int k = 0; k < STATE_PROGS_MAX; k++)
			fprintf(f, "%s%u", k ? "," : "", st->prog_id[k]);
		fputc('\n', f);
		break;
	}
	if (st->source[0])
		kv_put_text(f, "source", st->source);
	if (st->rule[0])
		kv_put_text(f, "rule", st->rule);
	if (st->since)
		fprintf(f, "since=%lld\n", st->since);
}

int state_save(const char *prefix, const char *dev, const char *cmd, const struct up_state *st)
{
	struct state_out o = { dev, cmd, st };
	char path[PATH_MAX];

	if (state_path(path, sizeof(path), prefix, dev))
		return -ENAMETOOLONG;
	return kv_file_write(path, state_write, &o);
}

int state_remove(const char *prefix, const char *dev)
{
	char path[PATH_MAX];
	int ret;

	if (state_path(path, sizeof(path), prefix, dev))
		return -ENAMETOOLONG;
	ret = kv_file_remove(path);
	if (!legacy_br_path(path, sizeof(path), prefix, dev) && !kv_file_remove(path))
		ret = 0;
	return ret;
}
