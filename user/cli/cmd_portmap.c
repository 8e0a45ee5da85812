// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_portmap.c - `mapce portmap add|del|list`: static port forwards of a
 * running CE.  add/del change the STATIC entries of the pinned maps
 * (portmap.h) and the portmap lines of the config file `up` read (its
 * path is recorded by up; config_file.h), so that the forwards come back
 * after down/up.  Maps and file change together or not at all.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "core/addrfmt.h"
#include "sys/caps.h"
#include "ce/ce_maps.h"
#include "cli/cli_wan.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "sys/config_record.h"
#include "sys/lock.h"
#include "core/output.h"
#include "sys/pin.h"
#include "ce/portmap.h"

#define LIST_MAX (PORTMAP_MAX * 4) /* saved forwards + unsaved groups shown */

/* Everything one portmap command works on, under the lock. */
struct pm_ctx {
	char wan[IF_NAMESIZE];
	char dir[256];
	char path[PATH_MAX]; /* the config file, "" none */
	struct portmap_maps m;
	struct up_settings file; /* its contents */
	int lock;
};

static void ctx_close(struct pm_ctx *x)
{
	portmap_maps_close(&x->m);
	mapce_unlock(x->lock);
}

/* Find the WAN, take the lock, open the maps, read the config file.
 * 0, or the exit status after pr_err(). */
static int ctx_open(struct pm_ctx *x, const char *wan, bool exclusive, bool need_file)
{
	static char errbuf[1536];
	int ret;

	memset(x, 0, sizeof(*x));
	x->m.ports = x->m.bind = x->m.hosts = -1;
	ret = cli_wan_one(wan, x->wan);
	if (ret)
		return ret;
	if (pin_dir_path(x->dir, sizeof(x->dir), MAPCE_PIN_ROOT, x->wan)) {
		pr_err("portmap: pin path for %s too long", x->wan);
		return 1;
	}
	x->lock = exclusive ? mapce_lock_or_err(true) : mapce_lock(false);
	if (x->lock < 0 && exclusive)
		return 1;
	ret = portmap_maps_open(x->dir, &x->m);
	if (ret) {
		if (ret == -ENOENT)
			pr_err("not up on %s", x->wan);
		else
			pr_err("portmap: opening the maps in %s: %s", x->dir, strerror(-ret));
		mapce_unlock(x->lock);
		return 1;
	}
	up_settings_init(&x->file);
	if (config_path_lookup(x->wan, x->path, sizeof(x->path)))
		x->path[0] = '\0';
	if (x->path[0] && config_file_parse(x->path, &x->file, errbuf, sizeof(errbuf))) {
		if (need_file) {
			pr_err("portmap: %s (fix the config file first)", errbuf);
			ctx_close(x);
			return 1;
		}
		pr_warn("%s (saved forwards not shown)", errbuf);
		up_settings_init(&x->file);
	}
	return 0;
}

static void print_forward(const struct portmap *pm)
{
	char a[IP4_STRLEN], range[16], in[EP4_STRLEN + 8];
	__u32 span = (__u32)pm->last - pm->first;

	if (span)
		snprintf(range, sizeof(range), "%u-%u", pm->first, pm->last);
	else
		snprintf(range, sizeof(range), "%u", pm->first);
	if (span)
		snprintf(in, sizeof(in), "%s:%u-%u", ip4_str(pm->inside_ip, a), pm->inside_port,
			 pm->inside_port + span);
	else
		snprintf(in, sizeof(in), "%s:%u", ip4_str(pm->inside_ip, a), pm->inside_port);
	out_str("proto", "%-5s", portmap_proto_str(pm->proto));
	out_text(" %-11s", range);
	out_uint("outside_port", NULL, pm->first);
	out_uint("outside_last", NULL, pm->last);
	out_text(" -> %-28s", in);
	out_str("inside_ip", NULL, ip4_str(pm->inside_ip, a));
	out_uint("inside_port", NULL, pm->inside_port);
	out_uint("inside_last", NULL, pm->inside_port + span);
}

/*
 * up read no config file: the forward goes into the WAN's default file
 * (created now, when missing), which the next `up` reads, so it survives
 * down/up and reboots.  Recorded as the file up used.  0, or 1 after
 * pr_err() (the context closed).
 */
static int keep_file(struct pm_ctx *x)
{
	char errbuf[1536];
	int ret;

	if (config_default_path(x->wan, x->path, sizeof(x->path))) {
		pr_err("portmap add: the config file path of %s is too long", x->wan);
		ctx_close(x);
		return 1;
	}
	if (access(x->path, F_OK) && config_file_create(x->path, x->wan, errbuf, sizeof(errbuf))) {
		pr_err("portmap add: %s (nothing changed)", errbuf);
		ctx_close(x);
		return 1;
	}
	ret = config_path_record(x->wan, x->path);
	if (ret)
		pr_warn("recording the config file of %s: %s", x->wan, strerror(-ret));
	return 0;
}

static int do_add(const char *wan, char **pos, int npos)
{
	static struct pm_ctx x;
	char errbuf[1536], s[PORTMAP_STRLEN];
	struct portmap pm;
	bool was_installed, saved = false;
	int ret;

	if (npos != 3) {
		pr_err("portmap add: expected tcp|udp PORT[-PORT] INSIDE_IP[:PORT] "
		       "(try 'mapce portmap add -h')");
		return EXIT_USAGE;
	}
	if (portmap_parse(pos[0], pos[1], pos[2], &pm, errbuf, sizeof(errbuf))) {
		pr_err("portmap add: %s", errbuf);
		return 1;
	}
	if (caps_check("mapce portmap", CAPS_MAPS))
		return 1;
	ret = ctx_open(&x, wan, true, true);
	if (ret)
		return ret;
	for (int i = 0; i < x.file.n_portmaps; i++) {
		const struct portmap *o = &x.file.portmaps[i];

		if (o->proto == pm.proto && o->first == pm.first && o->last == pm.last &&
		    o->inside_ip == pm.inside_ip && o->inside_port == pm.inside_port) {
			saved = true; /* the same forward again: make sure it is installed */
			break;
		}
		/* a conflict with the file is refused before the maps change */
		if (portmap_outside_overlap(&pm, o) || portmap_inside_overlap(&pm, o)) {
			char t[PORTMAP_STRLEN];

			pr_err("portmap add: %s overlaps the portmap on %s:%u (%s)",
			       portmap_format(&pm, s, sizeof(s)), x.path, o->line,
			       portmap_format(o, t, sizeof(t)));
			ctx_close(&x);
			return 1;
		}
	}
	if (!x.path[0] && keep_file(&x))
		return 1;
	was_installed = portmap_installed(&x.m, &pm);
	if (portmap_install(&x.m, &pm, false, errbuf, sizeof(errbuf))) {
		pr_err("portmap add: %s", errbuf);
		ctx_close(&x);
		return 1;
	}
	if (x.path[0] && !saved) {
		if (config_file_add_portmap(x.path, &pm, errbuf, sizeof(errbuf))) {
			if (!was_installed)
				portmap_uninstall(&x.m, &pm);
			pr_err("portmap add: %s (nothing changed)", errbuf);
			ctx_close(&x);
			return 1;
		}
		saved = true;
	}
	out_open_object(NULL);
	out_str("wan", "%s: forwarded ", x.wan);
	print_forward(&pm);
	out_bool("installed", NULL, true);
	out_bool("saved", NULL, saved);
	out_bool("already", NULL, was_installed);
	if (x.path[0])
		out_str("config", "(saved in %s)", x.path);
	else
		out_null("config", "(not saved)");
	out_text("\n");
	out_close_object();
	out_finish();
	ctx_close(&x);
	return 0;
}

static int do_del(const char *wan, char **pos, int npos)
{
	static struct portmap_entry list[LIST_MAX];
	static struct pm_ctx x;
	char errbuf[1536], s[PORTMAP_STRLEN];
	struct portmap range;
	int n, matched = 0, dropped = 0, ret;
	bool any_saved = false;

	if (npos != 2) {
		pr_err("portmap del: expected tcp|udp PORT[-PORT] (try 'mapce portmap del -h')");
		return EXIT_USAGE;
	}
	if (portmap_parse_ports(pos[0], pos[1], &range, errbuf, sizeof(errbuf))) {
		pr_err("portmap del: %s", errbuf);
		return 1;
	}
	if (caps_check("mapce portmap", CAPS_MAPS))
		return 1;
	ret = ctx_open(&x, wan, true, true);
	if (ret)
		return ret;
	n = portmap_collect(&x.m, x.file.portmaps, x.file.n_portmaps, list, LIST_MAX);
	if (n < 0) {
		pr_err("portmap del: reading the maps of %s: %s", x.wan, strerror(-n));
		ctx_close(&x);
		return 1;
	}
	/* Whole forwards only: a range cutting one in two is refused. */
	for (int i = 0; i < n; i++) {
		const struct portmap *pm = &list[i].pm;

		if (!portmap_outside_overlap(pm, &range))
			continue;
		if (pm->first < range.first || pm->last > range.last) {
			pr_err("portmap del: %s %s covers only part of the forward %s; delete its "
			       "whole range",
			       pos[0], pos[1], portmap_format(pm, s, sizeof(s)));
			ctx_close(&x);
			return 1;
		}
		matched++;
		any_saved |= list[i].saved;
	}
	if (!matched) {
		pr_err("portmap del: no port forward of %s %s on %s",
		       portmap_proto_str(range.proto), pos[1], x.wan);
		ctx_close(&x);
		return 1;
	}
	/* The file first: a failure there leaves everything as it was. */
	if (any_saved &&
	    config_file_del_portmaps(x.path, &range, &dropped, errbuf, sizeof(errbuf))) {
		pr_err("portmap del: %s (nothing changed)", errbuf);
		ctx_close(&x);
		return 1;
	}
	out_open_object(NULL);
	out_str("wan", "%s: removed\n", x.wan);
	out_open_array("removed");
	for (int i = 0; i < n; i++) {
		const struct portmap *pm = &list[i].pm;

		if (!portmap_outside_overlap(pm, &range))
			continue;
		portmap_uninstall(&x.m, pm);
		out_open_object(NULL);
		out_text("  ");
		print_forward(pm);
		out_bool("saved", list[i].saved ? "(was saved)\n" : "(was not saved)\n",
			 list[i].saved);
		out_close_object();
	}
	out_close_array();
	if (x.path[0])
		out_str("config", NULL, x.path);
	else
		out_null("config", NULL);
	out_close_object();
	out_finish();
	ctx_close(&x);
	return 0;
}

/* pos, npos: none (list_spec takes no arguments) */
static int do_list(const char *wan, char **pos, int npos)
{
	static struct portmap_entry list[LIST_MAX];
	static struct pm_ctx x;
	int n, ret;

	if (caps_check("mapce portmap", CAPS_MAPS))
		return 1;
	ret = ctx_open(&x, wan, false, false);
	if (ret)
		return ret;
	n = portmap_collect(&x.m, x.file.portmaps, x.file.n_portmaps, list, LIST_MAX);
	if (n < 0) {
		pr_err("portmap list: reading the maps of %s: %s", x.wan, strerror(-n));
		ctx_close(&x);
		return 1;
	}
	out_open_object(NULL);
	out_str("wan", "%s:", x.wan);
	if (x.path[0])
		out_str("config", " config %s\n", x.path);
	else
		out_null("config", " no config file (forwards last until down)\n");
	if (n)
		out_text("proto outside"
			 "%8s"
			 "inside"
			 "%23s"
			 "installed saved\n",
			 "", "");
	else
		out_text("no port forwards\n");
	out_open_array("forwards");
	for (int i = 0; i < n; i++) {
		out_open_object(NULL);
		print_forward(&list[i].pm);
		out_bool("installed", " %-9s", list[i].installed);
		out_bool("saved", " %s", list[i].saved);
		/* opened at run time by UPnP or PCP: never saved */
		out_bool("dynamic", NULL, list[i].pm.dynamic);
		out_text("%s\n", list[i].pm.dynamic ? " (dynamic)" : "");
		out_close_object();
	}
	out_close_array();
	out_close_object();
	out_finish();
	ctx_close(&x);
	return 0;
}

static const struct opt_group *const portmap_groups[] = { &cli_wan_group, NULL };

static const struct cli_spec add_spec = {
	.name = "portmap add",
	.args = "tcp|udp PORT[-PORT] INSIDE_IP[:PORT]",
	.description =
		"Forward the outside ports PORT[-PORT] of the CE's port set to a LAN host "
		"(static NAPT).  A range maps to consecutive inside ports; INSIDE_IP alone "
		"keeps the port numbers.  Forwarded ports are taken out of the dynamic pool, "
		"let in whatever the filtering mode, and hairpinned.  The running CE and the "
		"config file 'mapce up' read (the one it was given, or " MAPCE_CONF_DIR
		"/IF.conf) change together, so forwards survive down/up; when up read no "
		"config file, the forward lasts until down.",
	.groups = portmap_groups,
	.on_opt = cli_store_arg,
};

static const struct cli_spec del_spec = {
	.name = "portmap del",
	.args = "tcp|udp PORT[-PORT]",
	.description = "Remove every forward whose ports lie within PORT[-PORT], from the running "
		       "CE and from the config file.",
	.groups = portmap_groups,
	.on_opt = cli_store_arg,
};

static const struct cli_spec list_spec = {
	.name = "portmap list",
	.description =
		"Show the forwards: outside ports, inside ip:port, whether the maps hold them "
		"(installed) and the config file does (saved).",
	.groups = portmap_groups,
	.on_opt = cli_store_arg,
};

/* Options and arguments of spec, then fn(wan, arguments). */
static int run(const struct cli_spec *spec, int argc, char **argv,
	       int (*fn)(const char *wan, char **pos, int npos))
{
	const char *wan = NULL;
	int first, ret = cli_parse(spec, argc, argv, &wan, &first);

	if (ret != CLI_GO)
		return ret;
	return fn(wan, argv + first, argc - first);
}

static int cmd_add(int argc, char **argv)
{
	return run(&add_spec, argc, argv, do_add);
}

static int cmd_del(int argc, char **argv)
{
	return run(&del_spec, argc, argv, do_del);
}

static int cmd_list(int argc, char **argv)
{
	return run(&list_spec, argc, argv, do_list);
}

static const struct cli_cmd portmap_cmds[] = {
	{ "add", cmd_add, "forward outside ports to a LAN host", &add_spec },
	{ "del", cmd_del, "remove the forwards within a port range", &del_spec },
	{ "list", cmd_list, "show the forwards, installed and saved", &list_spec },
	{},
};

const struct cli_level portmap_level = {
	.name = "portmap",
	.description = "Static port forwards of a running CE: outside ports of its port set to LAN "
		       "hosts.  IF (--wan) is the CE's WAN; default: the only one that is up.",
	.cmds = portmap_cmds,
};

int cmd_portmap(int argc, char **argv)
{
	return cli_dispatch(&portmap_level, argc, argv);
}
