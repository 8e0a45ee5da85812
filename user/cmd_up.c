// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_up.c - `mapce up --wan IF RULE-OPTIONS --br ADDR [...]`: parse,
 * detect the CE prefix on the WAN, derive the parameters, hand over to
 * ce_up() (ce_loader.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "addrfmt.h"
#include "caps.h"
#include "ce_loader.h"
#include "commands.h"
#include "mapce_rule.h"
#include "netlink.h"
#include "output.h"
#include "rule_config.h"

#define ADDRS_MAX 128
#define RULE_OPTS_MAX 64 /* room for rule_config's option table */

enum {
	OPT_WAN = 0x100,
	OPT_MTU,
	OPT_HOP_LIMIT,
	OPT_TIMEOUT_UDP,
	OPT_TIMEOUT_TCP_EST,
	OPT_TIMEOUT_TCP_TRANS,
	OPT_TIMEOUT_ICMP,
	OPT_XDP_MODE,
	OPT_MAX_FLOWS,
	OPT_MSS_CLAMP,
	OPT_ENCAP_LIMIT,
};

static const struct option up_longopts[] = {
	{ "wan", required_argument, NULL, OPT_WAN },
	{ "mtu", required_argument, NULL, OPT_MTU },
	{ "hop-limit", required_argument, NULL, OPT_HOP_LIMIT },
	{ "timeout-udp", required_argument, NULL, OPT_TIMEOUT_UDP },
	{ "timeout-tcp-est", required_argument, NULL, OPT_TIMEOUT_TCP_EST },
	{ "timeout-tcp-trans", required_argument, NULL, OPT_TIMEOUT_TCP_TRANS },
	{ "timeout-icmp", required_argument, NULL, OPT_TIMEOUT_ICMP },
	{ "xdp-mode", required_argument, NULL, OPT_XDP_MODE },
	{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
	{ "mss-clamp", required_argument, NULL, OPT_MSS_CLAMP },
	{ "encap-limit", required_argument, NULL, OPT_ENCAP_LIMIT },
	{ "help", no_argument, NULL, 'h' },
};
#define UP_NOPTS (sizeof(up_longopts) / sizeof(up_longopts[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mapce up --wan IF RULE-OPTIONS --br ADDR [OPTIONS]\n"
		"\n"
		"Start the MAP-E CE on the WAN interface IF: pin the maps under\n"
		"%s/IF/, add the MAP IPv6 address and an IPv4 default route via the\n"
		"BR's IPv6 next hop, attach XDP (ingress) and a tc filter (egress).\n"
		"Running it again with the same parameters changes nothing.\n"
		"\n"
		"Rule options:\n%s\n"
		"Without --prefix the CE prefix is taken from a global IPv6 address of\n"
		"IF inside a rule IPv6 prefix (its first r6 + ea-len bits).\n"
		"\n"
		"Options:\n"
		"  --wan IF                 WAN interface (required)\n"
		"  --mtu N                  IPv4 MTU over the tunnel, %d..WAN MTU - %d (default %d)\n"
		"  --mss-clamp N            TCP MSS ceiling of SYNs both ways, 0 = off\n"
		"                           (default: MTU - 40)\n"
		"  --encap-limit N          add the RFC 2473 tunnel encapsulation limit option\n"
		"                           with limit N (1..255; 8 more bytes per packet).\n"
		"                           Default: none (Japanese BRs drop packets with it)\n"
		"  --hop-limit N            outer IPv6 hop limit (default %d)\n"
		"  --timeout-udp S          UDP idle timeout, seconds (default %d)\n"
		"  --timeout-tcp-est S      TCP established idle timeout (default %d)\n"
		"  --timeout-tcp-trans S    TCP transitory idle timeout (default %d)\n"
		"  --timeout-icmp S         ICMP query idle timeout (default %d)\n"
		"  --xdp-mode MODE          auto | native | generic (default auto: native,\n"
		"                           falling back to generic)\n"
		"  --max-flows N            size of the NAT tables (default %d; only when\n"
		"                           no pinned maps exist yet)\n"
		"  -h, --help               this text\n",
		MAPCE_PIN_ROOT, mapce_rule_usage, MAPCE_MIN_MTU, MAPCE_ENCAP_OVERHEAD,
		MAPCE_DEFAULT_MTU, MAPCE_DEFAULT_HOP_LIMIT, MAPCE_DEFAULT_TIMEOUT_UDP,
		MAPCE_DEFAULT_TIMEOUT_TCP_EST, MAPCE_DEFAULT_TIMEOUT_TCP_TRANS,
		MAPCE_DEFAULT_TIMEOUT_ICMP, MAPCE_MAX_FLOWS);
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
		err("listing the IPv6 addresses of %s: %s", wan, strerror(-n));
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
					warn("CE prefix %s/%u from %s/%u on %s",
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
	err("no global IPv6 address on %s lies inside a rule IPv6 prefix (%s); "
	    "give the CE prefix with --prefix", wan, rules);
	return -1;
}

/* Parse a numeric option into [min, max]: 0 ok, 1 after err() (a bad
 * value is exit 1, like rule_config's; a bad command line is exit 2). */
static int num_opt(const char *name, const char *arg, unsigned long min, unsigned long max,
		   unsigned long *v)
{
	if (parse_uint(arg, max, v) || *v < min) {
		err("up: bad %s '%s' (expected %lu..%lu)", name, arg, min, max);
		return 1;
	}
	return 0;
}

int cmd_up(int argc, char **argv)
{
	struct option longopts[UP_NOPTS + RULE_OPTS_MAX + 1];
	static struct mapce_opts opts;
	static struct mapce_derived d;
	static struct ce_up_params p;
	struct mapce_config *c = &p.cfg;
	char errbuf[512], a[IP6_STRLEN];
	const char *wan = NULL;
	unsigned long mss = 0, encap_limit = 0, overhead = MAPCE_ENCAP_OVERHEAD;
	bool have_mss = false;
	unsigned long mtu = 0, hop = MAPCE_DEFAULT_HOP_LIMIT, max_flows = 0;
	unsigned long t_udp = MAPCE_DEFAULT_TIMEOUT_UDP, t_est = MAPCE_DEFAULT_TIMEOUT_TCP_EST;
	unsigned long t_trans = MAPCE_DEFAULT_TIMEOUT_TCP_TRANS, t_icmp = MAPCE_DEFAULT_TIMEOUT_ICMP;
	unsigned int wan_mtu;
	size_t nl = 0;
	int opt, ret, rc;

	memset(&p, 0, sizeof(p));
	mapce_opts_init(&opts);
	memcpy(longopts, up_longopts, sizeof(up_longopts));
	nl = UP_NOPTS;
	for (size_t i = 0; i < mapce_rule_longopts_n && mapce_rule_longopts[i].name; i++) {
		if (nl + 1 >= sizeof(longopts) / sizeof(longopts[0]))
			break;
		longopts[nl++] = mapce_rule_longopts[i];
	}
	memset(&longopts[nl], 0, sizeof(longopts[0]));

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		ret = 0;
		switch (opt) {
		case 'h':
			usage(stdout);
			return 0;
		case OPT_WAN:
			wan = optarg;
			break;
		case OPT_MTU:
			ret = num_opt("--mtu", optarg, MAPCE_MIN_MTU, 65535, &mtu);
			break;
		case OPT_HOP_LIMIT:
			ret = num_opt("--hop-limit", optarg, 1, 255, &hop);
			break;
		case OPT_TIMEOUT_UDP:
			ret = num_opt("--timeout-udp", optarg, 1, 0xffffffffUL, &t_udp);
			break;
		case OPT_TIMEOUT_TCP_EST:
			ret = num_opt("--timeout-tcp-est", optarg, 1, 0xffffffffUL, &t_est);
			break;
		case OPT_TIMEOUT_TCP_TRANS:
			ret = num_opt("--timeout-tcp-trans", optarg, 1, 0xffffffffUL, &t_trans);
			break;
		case OPT_TIMEOUT_ICMP:
			ret = num_opt("--timeout-icmp", optarg, 1, 0xffffffffUL, &t_icmp);
			break;
		case OPT_XDP_MODE:
			if (xdp_mode_parse(optarg, &p.xdp_mode)) {
				err("up: bad --xdp-mode '%s' (auto, native or generic)", optarg);
				ret = 1;
			}
			break;
		case OPT_MSS_CLAMP:
			have_mss = true;
			ret = num_opt("--mss-clamp", optarg, 0, 65535, &mss);
			if (!ret && mss && mss < MAPCE_MIN_MSS) {
				err("up: bad --mss-clamp '%s' (0 = off, or %d..MTU - 40)", optarg,
				    MAPCE_MIN_MSS);
				ret = 1;
			}
			break;
		case OPT_ENCAP_LIMIT:
			ret = num_opt("--encap-limit", optarg, 0, 255, &encap_limit);
			break;
		case OPT_MAX_FLOWS:
			ret = num_opt("--max-flows", optarg, 16, 1u << 24, &max_flows);
			break;
		case ':':
			err("up: option '%s' needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		case '?':
			if (optopt)
				err("up: unknown option '-%c' (try 'mapce up -h')", optopt);
			else
				err("up: unknown option '%s' (try 'mapce up -h')", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			rc = mapce_opts_handle(&opts, opt, optarg, errbuf, sizeof(errbuf));
			if (rc == 1) {
				err("up: unknown option '%s'", argv[optind - 1]);
				ret = EXIT_USAGE;
			} else if (rc < 0) {
				err("up: %s", errbuf);
				ret = opts.usage_err ? EXIT_USAGE : 1;
			}
		}
		if (ret)
			return ret;
	}
	if (optind < argc) {
		err("up: unexpected argument '%s' (try 'mapce up -h')", argv[optind]);
		return EXIT_USAGE;
	}
	if (!wan) {
		err("up: --wan IF is required");
		return EXIT_USAGE;
	}
	if (!opts.have_br) {
		err("up: --br ADDR (the BR's IPv6 address) is required");
		return EXIT_USAGE;
	}
	if (strlen(wan) >= IF_NAMESIZE) {
		err("up: bad interface name '%s'", wan);
		return EXIT_USAGE;
	}
	if (caps_check("mapce up"))
		return 1;

	p.ifindex = (int)if_nametoindex(wan);
	if (!p.ifindex) {
		err("up: no interface '%s' (%s)", wan, strerror(errno));
		return 1;
	}
	snprintf(p.ifname, sizeof(p.ifname), "%s", wan);
	ret = nl_link_mtu(p.ifindex, &wan_mtu);
	if (ret) {
		err("up: reading the MTU of %s: %s", wan, strerror(-ret));
		return 1;
	}
	/* The outer IPv6 header, plus the destination options header carrying
	 * the encapsulation limit when asked for. */
	if (encap_limit)
		overhead += MAPCE_ENCAP_LIMIT_OVERHEAD;
	if (wan_mtu < MAPCE_MIN_MTU + overhead) {
		err("up: the MTU of %s is %u; MAP-E needs at least %lu", wan, wan_mtu,
		    MAPCE_MIN_MTU + overhead);
		return 1;
	}
	if (mtu && mtu > wan_mtu - overhead) {
		err("up: --mtu %lu is too big for %s (MTU %u): at most %lu", mtu, wan, wan_mtu,
		    wan_mtu - overhead);
		return 1;
	}
	if (!mtu) {
		mtu = MAPCE_DEFAULT_MTU;
		if (mtu > wan_mtu - overhead) {
			mtu = wan_mtu - overhead;
			warn("%s has MTU %u: tunnel MTU %lu", wan, wan_mtu, mtu);
		}
	}
	/* MSS = MTU - 20 (IPv4) - 20 (TCP): a SYN's MSS above it would make
	 * the peer send segments the tunnel must fragment or drop. */
	if (!have_mss)
		mss = mtu - 40;
	if (mss > mtu - 40) {
		err("up: --mss-clamp %lu is above the tunnel MTU %lu - 40", mss, mtu);
		return 1;
	}

	/* Bad rules first: their message beats "no address in the prefix". */
	if (opts.n_rules > 0 && mapce_rules_validate(&opts, errbuf, sizeof(errbuf))) {
		err("up: %s", errbuf);
		return opts.usage_err ? EXIT_USAGE : 1;
	}
	if (!opts.have_prefix && opts.n_rules > 0 && detect_prefix(wan, p.ifindex, &opts))
		return 1;
	if (mapce_derive(&opts, &d, errbuf, sizeof(errbuf))) {
		err("up: %s", errbuf);
		return opts.usage_err ? EXIT_USAGE : 1;
	}
	if (d.ipv4_len != 32) {
		err("up: the rule gives this CE the IPv4 prefix %s/%u, not one shared address; "
		    "mapce supports a single address (with or without a port set)",
		    ip4_str(d.ipv4, a), d.ipv4_len);
		return 1;
	}

	memcpy(c->ce_ipv6, d.ce_ipv6, 16);
	memcpy(c->br_ipv6, d.have_br ? d.br : opts.br, 16);
	c->ipv4 = d.ipv4;
	c->psid = d.psid;
	c->psid_len = d.psid_len;
	c->psid_offset = d.psid_offset;
	c->port_count = mapce_port_count(d.psid_offset, d.psid_len);
	c->flags = MAPCE_CFG_F_ENABLED | (opts.legacy_iid ? MAPCE_CFG_F_LEGACY_IID : 0) |
		   (opts.mesh ? MAPCE_CFG_F_MESH : 0);
	c->hop_limit = (__u8)hop;
	c->mtu = (__u16)mtu;
	c->timeout_udp = (__u32)t_udp;
	c->timeout_tcp_est = (__u32)t_est;
	c->timeout_tcp_trans = (__u32)t_trans;
	c->timeout_icmp = (__u32)t_icmp;
	c->gc_interval_ms = MAPCE_DEFAULT_GC_INTERVAL_MS;
	c->wan_ifindex = (__u32)p.ifindex;
	c->mss_clamp = (__u16)mss;
	c->encap_limit = (__u8)encap_limit;

	p.n_rules = opts.n_rules;
	memcpy(p.rules, opts.rules, sizeof(p.rules));
	p.mesh = opts.mesh;
	p.max_flows = (__u32)max_flows;
	return ce_up(&p);
}
