// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_up.c - `mapce up --wan IF RULE-OPTIONS --br ADDR [...]`: parse the
 * command line and the config file (config_file.h: one apply function for
 * both, command line wins), check the merged settings, detect the CE
 * prefix on the WAN, derive the parameters, check the port forwards
 * against the port set, hand over to ce_up() (ce_loader.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "core/addrfmt.h"
#include "sys/caps.h"
#include "ce/ce_loader.h"
#include "cli/commands.h"
#include "core/config_file.h"
#include "mapce_rule.h"
#include "sys/netlink.h"
#include "core/output.h"
#include "ce/portmap.h"
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

/* Keep the first len bits of a, zero the rest. */
static void prefix_mask(__u8 a[16], unsigned int len)
{
	for (unsigned int i = 0; i < 16; i++) {
		unsigned int bits = len > i * 8 ? len - i * 8 : 0;

		if (bits < 8)
			a[i] &= (__u8)(0xff00u >> bits);
	}
}

/*
 * The CE prefix from the WAN's global IPv6 addresses: the first r6 + o
 * bits of an address inside a rule's IPv6 prefix.  Addresses shorter than
 * /128 (the delegated or RA prefix) are preferred to /128s (such as a MAP
 * address from an earlier up).  0 found, -1 none (err printed).
 */
static int detect_prefix(const char *wan, int ifindex, struct mapce_opts *o)
{
	struct nl_addr6 addrs[ADDRS_MAX];
	char a[IP6_STRLEN], b[IP6_STRLEN], rules[512] = "";
	int n = nl_addr6_list(ifindex, addrs, ADDRS_MAX);

	if (n < 0) {
		pr_err("listing the IPv6 addresses of %s: %s", wan, strerror(-n));
		return -1;
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < n; i++) {
			const struct nl_addr6 *ad = &addrs[i];

			if (ad->scope != RT_SCOPE_UNIVERSE || (ad->flags & IFA_F_DADFAILED) ||
			    (pass == 0) != (ad->prefix_len < 128))
				continue;
			for (int r = 0; r < o->n_rules; r++) {
				const struct mapce_rule *rule = &o->rules[r];
				unsigned int len = rule->ipv6_prefix_len + rule->ea_len;

				if (len > 64 || !mapce_ipv6_prefix_match(ad->addr, rule->ipv6_prefix,
									 rule->ipv6_prefix_len))
					continue;
				memcpy(o->prefix, ad->addr, 16);
				prefix_mask(o->prefix, len);
				o->prefix_len = (__u8)len;
				o->have_prefix = true;
				if (verbose)
					pr_warn("CE prefix %s/%u from %s/%u on %s",
					     ip6_str(o->prefix, a), len, ip6_str(ad->addr, b),
					     ad->prefix_len, wan);
				return 0;
			}
		}
	}
	for (int r = 0; r < o->n_rules; r++) {
		size_t l = strlen(rules);

		snprintf(rules + l, sizeof(rules) - l, "%s%s/%u", r ? ", " : "",
			 ip6_str(o->rules[r].ipv6_prefix, a), o->rules[r].ipv6_prefix_len);
	}
	pr_err("no global IPv6 address on %s lies inside a rule IPv6 prefix (%s); "
	    "give the CE prefix with --prefix", wan, rules);
	return -1;
}

/* A scalar setting of s, or its default. */
static unsigned long val_or(const struct up_settings *s, enum up_key k, unsigned long def)
{
	return s->set[k] ? s->val[k] : def;
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
	static struct mapce_derived d;
	static struct ce_up_params p;
	struct mapce_opts *opts = &s.rule;
	struct mapce_config *c = &p.cfg;
	char errbuf[1536], a[IP6_STRLEN], where[PATH_MAX + 64], real[PATH_MAX];
	const char *config_arg = NULL, *wan;
	bool no_config = false;
	unsigned long mtu, mss, encap_limit, overhead = MAPCE_ENCAP_OVERHEAD;
	unsigned int wan_mtu;
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

	p.ifindex = (int)if_nametoindex(wan);
	if (!p.ifindex) {
		pr_err("up: no interface '%s' (%s)", wan, strerror(errno));
		return 1;
	}
	snprintf(p.ifname, sizeof(p.ifname), "%s", wan);
	ret = nl_link_mtu(p.ifindex, &wan_mtu);
	if (ret) {
		pr_err("up: reading the MTU of %s: %s", wan, strerror(-ret));
		return 1;
	}
	/* The outer IPv6 header, plus the destination options header carrying
	 * the encapsulation limit when asked for. */
	encap_limit = val_or(&s, UK_ENCAP_LIMIT, 0);
	if (encap_limit)
		overhead += MAPCE_ENCAP_LIMIT_OVERHEAD;
	if (wan_mtu < MAPCE_MIN_MTU + overhead) {
		pr_err("up: the MTU of %s is %u; MAP-E needs at least %lu", wan, wan_mtu,
		    MAPCE_MIN_MTU + overhead);
		return 1;
	}
	mtu = val_or(&s, UK_MTU, 0);
	if (mtu && mtu > wan_mtu - overhead) {
		pr_err("up: %s %lu is too big for %s (MTU %u): at most %lu",
		    up_settings_where(&s, UK_MTU, where, sizeof(where)), mtu, wan, wan_mtu,
		    wan_mtu - overhead);
		return 1;
	}
	if (!mtu) {
		mtu = MAPCE_DEFAULT_MTU;
		if (mtu > wan_mtu - overhead) {
			mtu = wan_mtu - overhead;
			pr_warn("%s has MTU %u: tunnel MTU %lu", wan, wan_mtu, mtu);
		}
	}
	/* MSS = MTU - 20 (IPv4) - 20 (TCP): a SYN's MSS above it would make
	 * the peer send segments the tunnel must fragment or drop. */
	mss = val_or(&s, UK_MSS_CLAMP, UP_MSS_AUTO);
	if (mss == UP_MSS_AUTO)
		mss = mtu - 40;
	if (mss > mtu - 40) {
		pr_err("up: %s %lu is above the tunnel MTU %lu - 40",
		    up_settings_where(&s, UK_MSS_CLAMP, where, sizeof(where)), mss, mtu);
		return 1;
	}

	/* Bad rules first: their message beats "no address in the prefix". */
	if (opts->n_rules > 0 && mapce_rules_validate(opts, errbuf, sizeof(errbuf))) {
		pr_err("up: %s", errbuf);
		return opts->usage_err ? EXIT_USAGE : 1;
	}
	if (!opts->have_prefix && opts->n_rules > 0 && detect_prefix(wan, p.ifindex, opts))
		return 1;
	if (mapce_derive(opts, &d, errbuf, sizeof(errbuf))) {
		pr_err("up: %s", errbuf);
		return opts->usage_err ? EXIT_USAGE : 1;
	}
	if (d.ipv4_len != 32) {
		pr_err("up: the rule gives this CE the IPv4 prefix %s/%u, not one shared address; "
		    "mapce supports a single address (with or without a port set)",
		    ip4_str(d.ipv4, a), d.ipv4_len);
		return 1;
	}

	memcpy(c->ce_ipv6, d.ce_ipv6, 16);
	memcpy(c->br_ipv6, d.have_br ? d.br : opts->br, 16);
	c->ipv4 = d.ipv4;
	c->psid = d.psid;
	c->psid_len = d.psid_len;
	c->psid_offset = d.psid_offset;
	c->port_count = mapce_port_count(d.psid_offset, d.psid_len);
	c->flags = MAPCE_CFG_F_ENABLED | (opts->legacy_iid ? MAPCE_CFG_F_LEGACY_IID : 0) |
		   (opts->mesh ? MAPCE_CFG_F_MESH : 0);
	c->hop_limit = (__u8)val_or(&s, UK_HOP_LIMIT, MAPCE_DEFAULT_HOP_LIMIT);
	c->mtu = (__u16)mtu;
	c->timeout_udp = (__u32)val_or(&s, UK_TIMEOUT_UDP, MAPCE_DEFAULT_TIMEOUT_UDP);
	c->timeout_tcp_est = (__u32)val_or(&s, UK_TIMEOUT_TCP_EST, MAPCE_DEFAULT_TIMEOUT_TCP_EST);
	c->timeout_tcp_trans =
		(__u32)val_or(&s, UK_TIMEOUT_TCP_TRANS, MAPCE_DEFAULT_TIMEOUT_TCP_TRANS);
	c->timeout_icmp = (__u32)val_or(&s, UK_TIMEOUT_ICMP, MAPCE_DEFAULT_TIMEOUT_ICMP);
	c->gc_interval_ms = MAPCE_DEFAULT_GC_INTERVAL_MS;
	c->wan_ifindex = (__u32)p.ifindex;
	c->mss_clamp = (__u16)mss;
	c->encap_limit = (__u8)encap_limit;
	c->filtering = (__u8)val_or(&s, UK_FILTERING, MAPCE_FILTER_ADF);
	c->max_per_host = (__u32)val_or(&s, UK_MAX_PER_HOST, 0);

	/* Port forwards of the file: inside this CE's port set, or nothing
	 * is attached. */
	for (int i = 0; i < s.n_portmaps; i++) {
		if (portmap_check(c, &s.portmaps[i], errbuf, sizeof(errbuf))) {
			pr_err("up: %s:%u: %s", s.path, s.portmaps[i].line, errbuf);
			return 1;
		}
	}
	p.portmaps = s.portmaps;
	p.n_portmaps = s.n_portmaps;
	if (s.path[0]) {
		if (!realpath(s.path, real))
			snprintf(real, sizeof(real), "%s", s.path);
		snprintf(p.config_path, sizeof(p.config_path), "%s", real);
	}

	p.n_rules = opts->n_rules;
	memcpy(p.rules, opts->rules, sizeof(p.rules));
	p.mesh = opts->mesh;
	p.xdp_mode = (enum attach_xdp_mode)val_or(&s, UK_XDP_MODE, ATTACH_XDP_AUTO);
	p.max_flows = (__u32)val_or(&s, UK_MAX_FLOWS, 0);
	return ce_up(&p);
}
