// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_up.c - `mapce up --wan IF RULE-OPTIONS --br ADDR [...]`: parse the
 * command line and the config file (config_file.h: one apply function for
 * both, command line wins), check the merged settings, read the WAN's
 * MTU and addresses, let ce_plan() (ce_plan.h: MTU, MSS, CE prefix, rules,
 * forwards) make the parameters, hand over to ce_up() (ce_loader.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/stat.h>

#include "sys/caps.h"
#include "ce/auto_mode.h"
#include "ce/ce_plan.h"
#include "ce/aftr_name.h"
#include "ce/ce_plan_mode.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "sys/ethtool.h"
#include "core/mode.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "core/parse.h"
#include "core/rule_config.h"
#include "core/rule_source.h"
#include "sys/update_call.h"

#define ADDRS_MAX 128

/* The command line: the settings (config_file.h's keys) and which file. */
struct up_args {
	struct up_settings cli;
	const char *config;
	bool no_config;
};

enum { UP_OPT_CONFIG = 1, UP_OPT_NO_CONFIG }; /* up's own options (not file keys) */

static const struct opt_def up_opts[] = {
	{ "config", "FILE",
	  "read settings and port forwards from FILE (default: " MAPCE_CONF_DIR "/IF.conf when it "
	  "exists; $" MAPCE_CONF_DIR_ENV " moves that directory)",
	  UP_OPT_CONFIG },
	{ "no-config", NULL, "read no config file", UP_OPT_NO_CONFIG },
	{},
};

static const struct opt_group up_group = { NULL, up_opts };
const struct opt_group *const up_groups[] = {
	&up_group,	  &up_settings_group,	 &up_provision_group,
	&up_source_group, &mapce_rule_group,	 &mapce_domain_group,
	&mapce_ce_group,  &mapce_explicit_group, NULL,
};
/* run: up's and its own (up takes those only to refuse them). */
const struct opt_group *const run_groups[] = {
	&up_group,
	&up_settings_group,
	&up_provision_group,
	&up_source_group,
	&up_run_group,
	&mapce_rule_group,
	&mapce_domain_group,
	&mapce_ce_group,
	&mapce_explicit_group,
	NULL,
};
static const struct opt_group *const up_hidden[] = { &up_run_group, NULL };
/* up and run: the keys a command line never takes (config_file.h) */
const struct opt_group *const up_file_only[] = { &up_update_group, NULL };

/* The keys only mapce run takes (a service that stays), and why up,
 * which exits, refuses them on its command line. */
static const struct {
	enum up_key key;
	const char *opt, *why;
} run_only[] = {
	{ UK_PROMETHEUS_FILE, "--prometheus-file", "keep the file" },
	{ UK_UPNP_LEASES, "--upnp-leases", "watch the file" },
	{ UK_PCP, "--pcp", "answer" },
	{ UK_BINDING_LOG, "--binding-log", "write the file" },
};

static bool run_only_given(const struct up_settings *cli)
{
	for (size_t i = 0; i < sizeof(run_only) / sizeof(run_only[0]); i++)
		if (cli->set[run_only[i].key]) {
			pr_err("up: %s is mapce run's (up does not stay to %s)", run_only[i].opt,
			       run_only[i].why);
			return true;
		}
	return false;
}

int up_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct up_args *a = ctx;
	char errbuf[1536];

	if (opt->val == UP_OPT_CONFIG) {
		a->config = arg;
	} else if (opt->val == UP_OPT_NO_CONFIG) {
		a->no_config = true;
	} else if (up_settings_apply(&a->cli, opt->val, arg, 0, errbuf, sizeof(errbuf))) {
		pr_err("up: %s", errbuf);
		return a->cli.usage_err ? EXIT_USAGE : 1;
	}
	return 0;
}

const struct cli_spec up_spec = {
	.name = "up",
	.synopsis = "up --wan IF RULE-OPTIONS --br ADDR [OPTIONS]\n"
		    "up --wan IF --mode ipip6|lw4o6|dslite MODE-OPTIONS [OPTIONS]\n"
		    "up --config FILE [OPTIONS]",
	.description =
		"Start the MAP-E CE on the WAN interface IF: pin the maps under " MAPCE_PIN_ROOT
		"/IF/, add the MAP IPv6 address and an IPv4 default route via the BR's IPv6 next "
		"hop, attach XDP (ingress) and a tc filter (egress), install the port forwards of "
		"the config file.  Running it again with the same parameters changes nothing (but "
		"brings the port forwards in line with the config file, and puts back what a link "
		"flap or a crash took: the MAP address, the route, a program); with other "
		"parameters it refuses ('mapce run' applies them in place).\n\n"
		"Without --prefix the CE prefix is taken from a global IPv6 address of IF inside a "
		"rule IPv6 prefix (its first r6 + ea-len bits).\n\n"
		"--mode selects another service on the same datapath: ipip6 (a fixed IPv4 address "
		"over RFC 2473, NAPT over ports 1024-65535, what no binding or forward takes goes "
		"to this box; the tunnel address is IF's /64 + --iid; --ipv4 ADDR/LEN: a routed "
		"prefix, whose other addresses LAN hosts hold and the tunnel carries "
		"untranslated), dslite (RFC 6333 B4: no "
		"NAT, this box's own IPv4 is 192.0.0.2), lw4o6 (RFC 7596: NAPT into the "
		"binding's port set).  Their tunnel source is a global IPv6 address of IF; the "
		"fixed address (ipip6) and 192.0.0.2 (dslite) are added to IF as /32.  dslite "
		"takes the AFTR's name from DHCPv6 option 64 (RFC 6334) and lw4o6 its binding and "
		"lwAFTR from option 96 (the tunnel source then the bind prefix with the RFC 7597 "
		"interface identifier, added to IF) through --dhcpv6-option or "
		"--dhcpv6-option-file; an explicit --aftr or --br wins over the option.  --mode "
		"auto "
		"first asks the line's HB46PP server (mapce provision) and brings up the service "
		"it orders; a failed question or a malformed answer applies nothing.",
	.groups = up_groups,
	.hidden = up_hidden,
	.file_only = up_file_only,
	.notes = "Config file: one 'KEY VALUE' per line, KEY one of the settings, rule, domain or "
		 "CE options above without the dashes (wan, rule-ipv6, ..., br, mtu, filtering, "
		 "timeout-udp, ...); flags alone or with yes/no (legacy-iid, mesh, fmr, "
		 "allow-short-timeouts); '# comments'; and port forwards, repeatable:\n"
		 "  portmap tcp|udp PORT[-PORT] INSIDE_IP[:PORT]\n"
		 "Options on the command line win over the file; rule options on the command line "
		 "replace the file's rules as a whole.",
	.on_opt = up_opt,
};

/*
 * The config file: --config FILE, else the WAN's default file when it
 * exists (and --no-config is absent).  0 ok (file->path "" when none),
 * else 1 with the message in err.
 */
static int read_config(const char *arg, bool no_config, const char *wan, struct up_settings *file,
		       char *err, size_t errlen)
{
	char path[PATH_MAX];

	up_settings_init(file);
	if (arg) {
		snprintf(path, sizeof(path), "%s", arg);
	} else {
		if (no_config || !wan || config_default_path(wan, path, sizeof(path)))
			return 0;
		if (access(path, F_OK))
			return 0;
		if (verbose)
			pr_warn("reading %s", path);
	}
	return config_file_parse(path, file, err, errlen) ? 1 : 0;
}

/* The command line of the last up_settings_from_argv (a reload merges
 * the file read again with it). */
static struct up_args last;

/* The file (read) merged with the command line, checked: 0, or 1 / the
 * usage status with the message in err. */
static int merge(struct up_settings *s, char *err, size_t errlen)
{
	static struct up_settings file;
	int ret = read_config(last.config, last.no_config,
			      last.cli.set[UK_WAN] ? last.cli.wan : NULL, &file, err, errlen);

	if (ret)
		return ret;
	up_settings_merge(s, &file, &last.cli);
	if (!s->set[UK_WAN]) {
		mapce_errf(err, errlen,
			   "--wan IF is required (on the command line or as 'wan IF' in %s)",
			   s->path);
		return EXIT_USAGE;
	}
	if (up_settings_check(s, err, errlen))
		return 1;
	return 0;
}

/* A file that holds the update password should be its owner's alone:
 * said (not refused: the system is the admin's). */
static void secret_file_check(const char *cmd, const struct up_settings *s)
{
	struct stat st;

	if (s->set[UK_UPDATE_PASSWORD] && s->path[0] && !stat(s->path, &st) && (st.st_mode & 077))
		pr_warn("%s: %s holds update-password and others may read it (mode %04o): "
			"chmod 600 %s",
			cmd, s->path, (unsigned int)(st.st_mode & 07777), s->path);
}

int up_settings_from_argv(const struct cli_spec *spec, int argc, char **argv, struct up_settings *s)
{
	char errbuf[1536];
	int ret;

	memset(&last, 0, sizeof(last));
	up_settings_init(&last.cli);
	ret = cli_parse(spec, argc, argv, &last, NULL);
	if (ret != CLI_GO)
		return ret;
	if (last.config && last.no_config) {
		pr_err("%s: --config and --no-config exclude each other", spec->name);
		return EXIT_USAGE;
	}
	if (spec == &up_spec && run_only_given(&last.cli))
		return EXIT_USAGE;
	if (!last.config && !last.cli.set[UK_WAN]) {
		pr_err("%s: --wan IF is required", spec->name);
		return EXIT_USAGE;
	}
	ret = merge(s, errbuf, sizeof(errbuf));
	if (ret) {
		pr_err("%s: %s", spec->name, errbuf);
		return ret;
	}
	secret_file_check(spec->name, s);
	return CLI_GO;
}

int up_settings_reread(struct up_settings *s, char *err, size_t errlen)
{
	return merge(s, err, errlen);
}

/* An explicit --aftr over the line's: said once a pair (run plans at
 * every pass). */
static void aftr_wins_note(const char *what, const char *aftr, const char *other, const char *src)
{
	static char said[2 * PATH_MAX];
	static char now[sizeof(said)];
	int n = snprintf(now, sizeof(now), "%s %s %s %s", what, aftr, other, src);

	if (n > 0 && (size_t)n < sizeof(now) && !strcmp(now, said))
		return;
	snprintf(said, sizeof(said), "%s", now);
	pr_warn("%s %s wins over the AFTR %s of %s", what, aftr, other, src);
}

/*
 * dslite with the AFTR's name (--aftr NAME, DHCPv6 option 64, a HB46PP
 * answer's): s with the name's AAAA, as lookup gives it (up: asked now;
 * run: the name it follows), in its place as aftr, else s itself (lookup
 * told there is no name).  NULL + message when the name has no address.
 */
static const struct up_settings *aftr_resolved(const struct up_settings *s,
					       const struct rule_source *src,
					       aftr_lookup_fn *lookup, char *err, size_t errlen)
{
	static struct up_settings r;
	struct in6_addr a;
	char a6[INET6_ADDRSTRLEN], what[PATH_MAX + 64];
	const char *name, *other;
	__u32 ttl = 0;
	int ret;

	name = aftr_name_of(s, src, what, sizeof(what), &other);
	if (other)
		aftr_wins_note(what, s->aftr, other, src->what);
	ret = lookup(s, name, what, &a, &ttl, err, errlen);
	if (ret)
		return ret > 0 ? s : NULL;
	inet_ntop(AF_INET6, &a, a6, sizeof(a6));
	if (!ipv6_global_unicast(a.s6_addr)) {
		mapce_errf(err, errlen, "%s %s is %s, not a global unicast IPv6 address", what,
			   name, a6);
		return NULL;
	}
	r = *s;
	snprintf(r.aftr, sizeof(r.aftr), "%s", a6);
	r.set[UK_AFTR] = true; /* the plan takes the address */
	if (verbose)
		pr_warn("AFTR %s is %s (TTL %u s, %s)", name, a6, ttl, what);
	return &r;
}

/* XDP sees no skb: a frame whose TCP/UDP checksum the peer left to
 * offload (CHECKSUM_PARTIAL, a veth or tap peer with tx checksumming on)
 * cannot leave by the fast path with it unfinished; the fast path knows
 * one by its field (csum_pseudo_only) and passes it to the normal path.
 * Said once a process (run plans at every pass). */
static void fastpath_csum_warn(const char *lan)
{
	static char warned[IF_NAMESIZE];
	char drv[32];

	if (!strcmp(warned, lan) || !netdev_may_pass_partial_csum(lan, drv, sizeof(drv)))
		return;
	snprintf(warned, sizeof(warned), "%s", lan);
	pr_warn("fastpath %s is a %s device: TCP and UDP its peer sends with checksum offload "
		"take the normal path (ev_fastpath_pass_csum_partial); ethtool -K PEER tx off "
		"gives them the fast path",
		lan, drv);
}

/* The LAN device of key (fastpath, hairpin): *ifindex, or 1 with err. */
static int lan_dev(const char *key, const char *lan, int wan_ifindex, int *ifindex, char *err,
		   size_t errlen)
{
	*ifindex = (int)if_nametoindex(lan);
	if (!*ifindex) {
		mapce_errf(err, errlen, "bad %s '%s': no such interface (%s)", key, lan,
			   strerror(errno));
		return 1;
	}
	if (*ifindex == wan_ifindex) {
		mapce_errf(err, errlen, "bad %s '%s': it is the WAN (it goes on a LAN interface)",
			   key, lan);
		return 1;
	}
	return 0;
}

/* hairpin LAN_IF outside ipip6: said once a mode (run plans at every pass). */
static void hairpin_unused_note(const char *lan, __u8 mode)
{
	static int said = -1;

	if (said == mode)
		return;
	said = mode;
	pr_warn("hairpin %s: only ipip6 needs the LAN hook (its fixed address is the box's own): "
		"not attached in mode %s",
		lan, mode_str(mode));
}

int up_plan_msg(const struct up_settings *s, aftr_lookup_fn *aftr_lookup, struct ce_up_params *p,
		char *err, size_t errlen)
{
	static struct nl_addr6 addrs[ADDRS_MAX];
	static struct rule_source src;
	const char *dev = s->prefix_from[0] ? s->prefix_from : s->wan;
	struct wan_facts w = { .addrs_of = s->prefix_from[0] ? s->prefix_from : NULL };
	char real[PATH_MAX];
	int ret, addr_ifindex;

	s = auto_mode_settings(s, err, errlen); /* mode auto: the answer's service */
	if (!s)
		return 1;
	if (rule_source_load(s, &src, err, errlen))
		return 1;
	s = aftr_resolved(s, &src, aftr_lookup, err, errlen);
	if (!s)
		return 1;
	/* The facts about the WAN; the policy is ce_plan()'s. */
	w.name = s->wan;
	w.ifindex = (int)if_nametoindex(s->wan);
	if (!w.ifindex) {
		mapce_errf(err, errlen, "no interface '%s' (%s)", s->wan, strerror(errno));
		return 1;
	}
	ret = nl_link_mtu(w.ifindex, &w.mtu);
	if (ret) {
		mapce_errf(err, errlen, "reading the MTU of %s: %s", s->wan, strerror(-ret));
		return 1;
	}
	addr_ifindex = s->prefix_from[0] ? (int)if_nametoindex(dev) : w.ifindex;
	if (!addr_ifindex) {
		mapce_errf(err, errlen, "no interface '%s' (prefix-from: %s)", dev,
			   strerror(errno));
		return 1;
	}
	w.addrs = addrs;
	w.n_addrs = nl_addr6_list(addr_ifindex, addrs, ADDRS_MAX);
	ret = ce_plan(s, &src, &w, p, err, errlen);
	if (ret)
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	if (s->fastpath[0]) {
		if (lan_dev("fastpath", s->fastpath, w.ifindex, &p->fastpath_ifindex, err, errlen))
			return 1;
		snprintf(p->fastpath, sizeof(p->fastpath), "%s", s->fastpath);
		fastpath_csum_warn(s->fastpath);
	}
	if (s->hairpin[0]) {
		if (lan_dev("hairpin", s->hairpin, w.ifindex, &p->hairpin_ifindex, err, errlen))
			return 1;
		snprintf(p->hairpin, sizeof(p->hairpin), "%s", s->hairpin);
		if (p->cfg.mode != MAPCE_MODE_IPIP6) {
			hairpin_unused_note(s->hairpin, p->cfg.mode);
			p->hairpin_ifindex = 0; /* only ipip6's address is the box's own */
		}
	}
	if (p->config_path[0] && realpath(s->path, real))
		snprintf(p->config_path, sizeof(p->config_path), "%s", real);
	return 0;
}

int up_plan(const char *cmd, const struct up_settings *s, struct ce_up_params *p)
{
	char errbuf[1536];
	int ret = up_plan_msg(s, aftr_resolve, p, errbuf, sizeof(errbuf));

	if (ret)
		pr_err("%s: %s", cmd, errbuf);
	return ret;
}

int up_auto_ask(const char *cmd, const struct up_settings *s)
{
	char errbuf[2048];

	if (s->val[UK_MODE] != MAPCE_MODE_AUTO)
		return 0;
	if (auto_mode_ask(s, errbuf, sizeof(errbuf))) {
		pr_err("%s: %s (nothing applied)", cmd, errbuf);
		return 1;
	}
	return 0;
}

/* The update call after an up that worked: said, recorded for status,
 * never a failure of up (the CE is up; `mapce run` retries). */
static void up_update_call(const struct up_settings *s, const struct ce_up_params *p)
{
	static struct update_req req;
	static struct update_record rec;
	char line[UPDATE_URL_MAX + 512];

	update_req_from(&req, s, p->cfg.ce_ipv6);
	update_record_load(s->wan, &rec);
	if (update_call(&req, NULL, &rec))
		pr_warn("up: update call %s", update_summary(&rec, line, sizeof(line)));
	else
		pr_warn("up: update call %s (up stays up; 'mapce run' retries)",
			update_summary(&rec, line, sizeof(line)));
	update_record_save(s->wan, &rec);
}

int cmd_up(int argc, char **argv)
{
	static struct up_settings s;
	static struct ce_up_params p;
	int ret;

	ret = up_settings_from_argv(&up_spec, argc, argv, &s);
	if (ret != CLI_GO)
		return ret;
	if (caps_check("mapce up", CAPS_LOAD))
		return 1;
	if (up_auto_ask("up", &s))
		return 1;
	ret = up_plan("up", &s, &p);
	if (!ret)
		ret = ce_up(&p);
	if (!ret)
		auto_mode_record(s.wan, &s, false);
	if (!ret && s.update_url[0])
		up_update_call(&s, &p);
	return ret;
}
