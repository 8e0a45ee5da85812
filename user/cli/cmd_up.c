// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_up.c - `mapce up --wan IF RULE-OPTIONS --br ADDR [...]`: parse the
 * command line and the config file (config_file.h: one apply function for
 * both, command line wins), check the merged settings, read the WAN's
 * MTU and addresses, let ce_plan() (ce_plan.h: MTU, MSS, CE prefix, rules,
 * forwards) make the parameters, hand over to ce_up() (ce_loader.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "sys/caps.h"
#include "ce/ce_plan.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "core/rule_config.h"

#define ADDRS_MAX 128
#define RULE_OPTS_MAX 64 /* room for rule_config's option table */

/* Options of up itself (the settings are config_file.h's keys). */
enum {
	OPT_CONFIG = 0x80,
	OPT_NO_CONFIG,
};

static const struct option up_only_longopts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
	{ "help", no_argument, NULL, 'h' },
};
#define UP_ONLY_N (sizeof(up_only_longopts) / sizeof(up_only_longopts[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mapce up --wan IF RULE-OPTIONS --br ADDR [OPTIONS]\n"
		"       mapce up --config FILE [OPTIONS]\n"
		"\n"
		"Start the MAP-E CE on the WAN interface IF: pin the maps under\n"
		"%s/IF/, add the MAP IPv6 address and an IPv4 default route via the\n"
		"BR's IPv6 next hop, attach XDP (ingress) and a tc filter (egress),\n"
		"install the port forwards of the config file.\n"
		"Running it again with the same parameters changes nothing (but\n"
		"brings the port forwards in line with the config file).\n"
		"\n"
		"Rule options:\n%s\n"
		"Without --prefix the CE prefix is taken from a global IPv6 address of\n"
		"IF inside a rule IPv6 prefix (its first r6 + ea-len bits).\n"
		"\n"
		"Options:\n"
		"  --wan IF                 WAN interface (required, here or in the file)\n"
		"  --config FILE            read settings and port forwards from FILE\n"
		"                           (default: %s/IF.conf when it exists;\n"
		"                           $%s moves that directory)\n"
		"  --no-config              read no config file\n"
		"  --mtu N                  IPv4 MTU over the tunnel, %d..WAN MTU - %d (default %d)\n"
		"  --mss-clamp off|auto|N   TCP MSS ceiling of SYNs both ways (auto: MTU - 40)\n"
		"                           (default: MTU - 40)\n"
		"  --encap-limit N          add the RFC 2473 tunnel encapsulation limit option\n"
		"                           with limit N (1..255; 8 more bytes per packet).\n"
		"                           Default: none (Japanese BRs drop packets with it)\n"
		"  --hop-limit N            outer IPv6 hop limit (default %d)\n"
		"  --filtering MODE         who may send to a mapped port: eif (anyone),\n"
		"                           adf (remote addresses the inside host sent to;\n"
		"                           default), apdf (only the exact remote ip:port)\n"
		"  --max-per-host N         mappings one LAN host may hold (0 = no limit,\n"
		"                           default); refusals are counted per host\n"
		"  --timeout-udp S          UDP idle timeout, seconds (default %d, at least %d)\n"
		"  --timeout-tcp-est S      TCP established idle timeout (default %d, at least %d)\n"
		"  --timeout-tcp-trans S    TCP transitory idle timeout (default %d, at least %d)\n"
		"  --timeout-icmp S         ICMP query idle timeout (default %d, at least %d)\n"
		"  --allow-short-timeouts   accept timeouts below the RFC minimums (tests)\n"
		"  --xdp-mode MODE          auto | native | generic (default auto: native,\n"
		"                           falling back to generic)\n"
		"  --max-flows N            size of the NAT tables (default %d; only when\n"
		"                           no pinned maps exist yet)\n"
		"  -h, --help               this text\n"
		"\n"
		"Config file: one 'KEY VALUE' per line, KEY a long option above without\n"
		"the dashes (wan, rule-ipv6, ..., br, mtu, filtering, timeout-udp, ...);\n"
		"flags alone or with yes/no (legacy-iid, mesh, fmr, allow-short-timeouts);\n"
		"'# comments'; and port forwards, repeatable:\n"
		"  portmap tcp|udp PORT[-PORT] INSIDE_IP[:PORT]\n"
		"Options on the command line win over the file; rule options on the\n"
		"command line replace the file's rules as a whole.\n",
		MAPCE_PIN_ROOT, mapce_rule_usage, MAPCE_CONF_DIR, MAPCE_CONF_DIR_ENV,
		MAPCE_MIN_MTU, MAPCE_ENCAP_OVERHEAD, MAPCE_DEFAULT_MTU, MAPCE_DEFAULT_HOP_LIMIT,
		MAPCE_DEFAULT_TIMEOUT_UDP, MAPCE_MIN_TIMEOUT_UDP, MAPCE_DEFAULT_TIMEOUT_TCP_EST,
		MAPCE_MIN_TIMEOUT_TCP_EST, MAPCE_DEFAULT_TIMEOUT_TCP_TRANS,
		MAPCE_MIN_TIMEOUT_TCP_TRANS, MAPCE_DEFAULT_TIMEOUT_ICMP, MAPCE_MIN_TIMEOUT_ICMP,
		MAPCE_MAX_FLOWS);
}

/*
 * The config file: --config FILE, else the WAN's default file when it
 * exists (and --no-config is absent).  0 ok (file->path "" when none),
 * else the exit status after pr_err().
 */
static int read_config(const char *arg, bool no_config, const char *wan,
		       struct up_settings *file)
{
	char path[PATH_MAX], errbuf[1536];

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
	if (config_file_parse(path, file, errbuf, sizeof(errbuf))) {
		pr_err("up: %s", errbuf);
		return 1;
	}
	return 0;
}

int cmd_up(int argc, char **argv)
{
	struct option longopts[UP_ONLY_N + UK__N + RULE_OPTS_MAX + 1];
	static struct up_settings cli, file, s;
	static struct nl_addr6 addrs[ADDRS_MAX];
	static struct ce_up_params p;
	struct mapce_opts *opts = &s.rule;
	struct wan_facts w;
	char errbuf[1536], real[PATH_MAX];
	const char *config_arg = NULL, *wan;
	bool no_config = false;
	size_t nl = 0;
	int opt, ret;

	memset(&p, 0, sizeof(p));
	up_settings_init(&cli);
	memcpy(longopts, up_only_longopts, sizeof(up_only_longopts));
	nl = UP_ONLY_N;
	for (size_t i = 0; i < up_keys_n; i++) {
		longopts[nl].name = up_keys[i].name;
		longopts[nl].has_arg = up_keys[i].has_arg;
		longopts[nl].flag = NULL;
		longopts[nl++].val = up_keys[i].opt;
	}
	for (size_t i = 0; i < mapce_rule_longopts_n && mapce_rule_longopts[i].name; i++) {
		if (nl + 1 >= sizeof(longopts) / sizeof(longopts[0]))
			break;
		longopts[nl++] = mapce_rule_longopts[i];
	}
	memset(&longopts[nl], 0, sizeof(longopts[0]));

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_CONFIG:
			config_arg = optarg;
			break;
		case OPT_NO_CONFIG:
			no_config = true;
			break;
		case ':':
			pr_err("up: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		case '?':
			if (optopt)
				pr_err("up: unknown option '-%c' (try 'mapce up -h')", optopt);
			else
				pr_err("up: unknown option '%s' (try 'mapce up -h')", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			if (up_settings_apply(&cli, opt, optarg, 0, errbuf, sizeof(errbuf))) {
				pr_err("up: %s", errbuf);
				return cli.usage_err ? EXIT_USAGE : 1;
			}
		}
	}
	if (optind < argc) {
		pr_err("up: unexpected argument '%s' (try 'mapce up -h')", argv[optind]);
		return EXIT_USAGE;
	}
	if (config_arg && no_config) {
		pr_err("up: --config and --no-config exclude each other");
		return EXIT_USAGE;
	}
	if (!config_arg && !cli.set[UK_WAN]) {
		pr_err("up: --wan IF is required");
		return EXIT_USAGE;
	}
	ret = read_config(config_arg, no_config, cli.set[UK_WAN] ? cli.wan : NULL, &file);
	if (ret)
		return ret;
	up_settings_merge(&s, &file, &cli);
	if (!s.set[UK_WAN]) {
		pr_err("up: --wan IF is required (on the command line or as 'wan IF' in %s)", s.path);
		return EXIT_USAGE;
	}
	wan = s.wan;
	if (!opts->have_br) {
		if (s.path[0])
			pr_err("up: --br ADDR (the BR's IPv6 address) is required (or a 'br' line "
			       "in %s)", s.path);
		else
			pr_err("up: --br ADDR (the BR's IPv6 address) is required");
		return EXIT_USAGE;
	}
	if (up_settings_check(&s, errbuf, sizeof(errbuf))) {
		pr_err("up: %s", errbuf);
		return 1;
	}
	if (caps_check("mapce up"))
		return 1;

	/* The facts about the WAN; the policy is ce_plan()'s. */
	w.name = wan;
	w.ifindex = (int)if_nametoindex(wan);
	if (!w.ifindex) {
		pr_err("up: no interface '%s' (%s)", wan, strerror(errno));
		return 1;
	}
	ret = nl_link_mtu(w.ifindex, &w.mtu);
	if (ret) {
		pr_err("up: reading the MTU of %s: %s", wan, strerror(-ret));
		return 1;
	}
	w.addrs = addrs;
	w.n_addrs = nl_addr6_list(w.ifindex, addrs, ADDRS_MAX);
	ret = ce_plan(&s, &w, &p, errbuf, sizeof(errbuf));
	if (ret) {
		pr_err("up: %s", errbuf);
		return ret == MAPCE_ERR_USAGE ? EXIT_USAGE : 1;
	}
	if (p.config_path[0] && realpath(s.path, real))
		snprintf(p.config_path, sizeof(p.config_path), "%s", real);
	return ce_up(&p);
}
