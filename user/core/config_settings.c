// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_settings.c - `mapce up` settings: the scalar keys, one apply
 * function behind both the command line and the config file (each value
 * checked where it is read), the merge of file and command line, and the
 * checks only the merged result allows.  The file parser is
 * config_file.c, the edits `mapce portmap` makes are config_edit.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_file.h"
#include "core/config_internal.h"
#include "core/hb46pp.h"
#include "core/pcp_codec.h"
#include "core/mode.h"
#include "core/xdp_mode.h"

#define KEY(k) (UP_OPT_BASE + UK_##k)
#define TIMEOUT_HELP(what, def, min) \
	what " idle timeout, seconds (default " OPT_STR(def) ", at least " OPT_STR(min) ")"

/* The scalar keys, in the order `mapce up -h` lists them. */
static const struct opt_def up_keys[] = {
	{ "wan", "IF", "WAN interface (required, here or in the config file)", KEY(WAN),
	  OPT_IFNAME },
	{ "mode", "MODE",
	  "the service: map-e (RFC 7597, default), ipip6 (a fixed IPv4 address over RFC 2473: "
	  "--ipv4 ADDR[/LEN] --br ADDR [--iid IID]), dslite (RFC 6333 B4: --aftr ADDR|NAME, or "
	  "DHCPv6 option 64), lw4o6 (RFC 7596 lwB4: --ipv4 ADDR --psid N --psid-len K "
	  "[--psid-offset A] --br ADDR, or DHCPv6 option 96); auto (the service the line's HB46PP "
	  "provisioning server orders, asked at up and again when its ttl ends under run: "
	  "provision-url, or the DNS TXT record 4over6.info); map-t is not supported",
	  KEY(MODE) },
	{ "aftr", "ADDR|NAME",
	  "dslite: the AFTR's IPv6 address, or its name (its AAAA, through --dns or the "
	  "nameservers of /etc/resolv.conf; 'mapce run' asks again when the TTL ends, at the "
	  "soonest after 30 s and at the latest after a day, at once on a new WAN prefix, and "
	  "after a failure with backoff from 5 s to 5 min, keeping the last good address); wins "
	  "over DHCPv6 option 64's name",
	  KEY(AFTR) },
	{ "dns", "ADDR",
	  "dslite: the DNS server --aftr NAME (or option 64's name) is resolved through (the "
	  "line's; default: the nameservers of /etc/resolv.conf), asked out of the WAN; mode "
	  "auto: also the one the TXT record and the provisioning server's name are asked of",
	  KEY(DNS) },
	{ "iid", "IID",
	  "ipip6: the interface identifier of the tunnel address on the WAN's /64 (e.g. ::feed "
	  "or c6:3364:7b00:0; default: the legacy MAP IID of the fixed address with PSID 0)",
	  KEY(IID) },
	{ "prefix-from", "IF",
	  "find the CE prefix among the addresses of IF instead of the WAN's (with DHCPv6 prefix "
	  "delegation the delegated prefix is often only on a LAN interface)",
	  KEY(PREFIX_FROM), OPT_IFNAME },
	/* clang-format off */
	{ "mtu", "N",
	  "IPv4 MTU over the tunnel, " OPT_STR(MAPCE_MIN_MTU) "..WAN MTU - "
	  OPT_STR(MAPCE_ENCAP_OVERHEAD) " (default " OPT_STR(MAPCE_DEFAULT_MTU) ")",
	  KEY(MTU) },
	/* clang-format on */
	{ "mss-clamp", "off|auto|N",
	  "TCP MSS ceiling of SYNs both ways (auto: MTU - 40) (default: MTU - 40)",
	  KEY(MSS_CLAMP) },
	{ "encap-limit", "N",
	  "add the RFC 2473 tunnel encapsulation limit option with limit N (1..255; 8 more bytes "
	  "per packet).  Default: none (Japanese BRs drop packets with it)",
	  KEY(ENCAP_LIMIT) },
	{ "hop-limit", "N", "outer IPv6 hop limit (default " OPT_STR(MAPCE_DEFAULT_HOP_LIMIT) ")",
	  KEY(HOP_LIMIT) },
	{ "filtering", "MODE",
	  "who may send to a mapped port: eif (anyone), adf (remote addresses the inside host "
	  "sent to; default), apdf (only the exact remote ip:port)",
	  KEY(FILTERING) },
	{ "max-per-host", "N",
	  "mappings one LAN host may hold (0 = no limit, default); refusals are counted per host",
	  KEY(MAX_PER_HOST) },
	{ "timeout-udp", "S", TIMEOUT_HELP("UDP", MAPCE_DEFAULT_TIMEOUT_UDP, MAPCE_MIN_TIMEOUT_UDP),
	  KEY(TIMEOUT_UDP) },
	{ "timeout-tcp-est", "S",
	  TIMEOUT_HELP("TCP established", MAPCE_DEFAULT_TIMEOUT_TCP_EST, MAPCE_MIN_TIMEOUT_TCP_EST),
	  KEY(TIMEOUT_TCP_EST) },
	{ "timeout-tcp-trans", "S",
	  TIMEOUT_HELP("TCP transitory", MAPCE_DEFAULT_TIMEOUT_TCP_TRANS,
		       MAPCE_MIN_TIMEOUT_TCP_TRANS),
	  KEY(TIMEOUT_TCP_TRANS) },
	{ "timeout-icmp", "S",
	  TIMEOUT_HELP("ICMP query", MAPCE_DEFAULT_TIMEOUT_ICMP, MAPCE_MIN_TIMEOUT_ICMP),
	  KEY(TIMEOUT_ICMP) },
	{ "allow-short-timeouts", NULL, "accept timeouts below the RFC minimums (tests)",
	  KEY(ALLOW_SHORT_TIMEOUTS) },
	{ "xdp-mode", "MODE",
	  "auto | native | generic (default auto: native, falling back to generic)",
	  KEY(XDP_MODE) },
	{ "fastpath", "LAN_IF",
	  "the XDP fast path on LAN_IF: simple IPv4 between LAN_IF and the tunnel is translated "
	  "and sent on in XDP, past the kernel's forwarding (netfilter forward hooks, qdiscs); "
	  "anything else takes the normal path (default: off)",
	  KEY(FASTPATH), OPT_IFNAME },
	{ "hairpin", "LAN_IF",
	  "ipip6: LAN hosts on LAN_IF reach mappings and port forwards on the fixed address "
	  "(hairpinning) through a tc hook there; without it the box takes such packets itself "
	  "(MAP-E and lw4o6 hairpin without it; default: off)",
	  KEY(HAIRPIN), OPT_IFNAME },
	/* clang-format off */
	{ "max-flows", "N",
	  "size of the NAT tables (default " OPT_STR(MAPCE_MAX_FLOWS) "; only when no pinned "
	  "maps exist yet)",
	  KEY(MAX_FLOWS) },
	/* clang-format on */
	{},
};

/* The rule sources besides the rule options: one of them, or rules. */
static const struct opt_def source_keys[] = {
	{ "isp", "NAME",
	  "the rules, BR and IID format of a service's public table: v6plus, ocn, biglobe, nuro, "
	  "or auto (every table; the longest matching rule prefix wins); mapce isp list shows them",
	  KEY(ISP) },
	{ "dhcpv6-option", "HEX",
	  "the parameters from the line, as a DHCPv6 client hands an option to its hooks (hex, "
	  "':' or blanks allowed; the payload, or the whole option): RFC 7598 "
	  "OPTION_S46_CONT_MAPE (94, map-e) or _LW (96, lw4o6), or RFC 6334 OPTION_AFTR_NAME "
	  "(64, dslite; the whole option)",
	  KEY(DHCPV6_OPTION) },
	{ "dhcpv6-option-file", "FILE",
	  "the same, read from FILE (what a DHCPv6 client hook writes)", KEY(DHCPV6_OPTION_FILE) },
	{},
};

/* Settings only `mapce run` uses (it stays to keep them); `up` refuses
 * them on its command line and leaves them in a file to run. */
static const struct opt_def run_keys[] = {
	{ "prometheus-file", "FILE",
	  "keep FILE a Prometheus textfile of the CE's metrics (mapce stats --prometheus), "
	  "rewritten atomically every " OPT_STR(
		  MAPCE_PROM_INTERVAL_S) " seconds and removed at "
					 "exit (for node_exporter's textfile collector: a *.prom "
					 "file in its directory)",
	  KEY(PROMETHEUS_FILE) },
	{ "upnp-leases", "FILE",
	  "mirror miniupnpd's lease file FILE (its lease_file option; mapce upnp-config "
	  "writes both) into the CE's port forwards: each UPnP mapping opens its port as a "
	  "dynamic forward and closes it when the lease goes; a lease outside the port set "
	  "or on a forwarded port is refused and logged",
	  KEY(UPNP_LEASES) },
	{ "pcp", "LAN_IF",
	  "answer NAT-PMP (RFC 6886) and PCP (RFC 6887) on UDP port " OPT_STR(
		  PCP_SERVER_PORT) " of LAN_IF's IPv4 addresses: each mapping opens a port of the "
				   "set (the one asked for, else the nearest free one) as a "
				   "dynamic forward to the client's own address, closed when its "
				   "lifetime ends; at most " OPT_STR(
					   MAPCE_PCP_PER_CLIENT) " mappings per LAN host",
	  KEY(PCP), OPT_IFNAME },
	{ "binding-log", "FILE",
	  "append the binding log (mapce log: each mapping created, closed, expired or "
	  "refused, with UTC time and the inside, outside and remote address and port) to "
	  "FILE, absolute; reopened on SIGHUP, so logrotate can move it (its postrotate "
	  "sends the SIGHUP); JSON lines with -j; while it runs, mapce log on the WAN "
	  "refuses (the log has one reader)",
	  KEY(BINDING_LOG) },
	{},
};

/* mode auto (sys/hb46pp_ask.h): where the service is asked. */
static const struct opt_def provision_keys[] = {
	{ "provision-url", "URL",
	  "mode auto: the HB46PP provisioning server (default: the url of the DNS TXT record "
	  "4over6.info); asked over IPv6 out of the WAN, https with its certificate checked",
	  KEY(PROVISION_URL) },
	{ "provision-ca", "FILE",
	  "mode auto: check the server against the CA certificates in FILE (PEM) instead of "
	  "the system's",
	  KEY(PROVISION_CA) },
	{ "provision-insecure", NULL,
	  "mode auto: take an http:// provision-url (the answer then travels unprotected)",
	  KEY(PROVISION_INSECURE) },
	/* clang-format off */
	{ "provision-ttl-min", "S",
	  "mode auto: ask again no sooner than S seconds (default " OPT_STR(PROVISION_TTL_MIN_S)
	  "), whatever the answer's ttl; a failed question is asked again after S, doubled "
	  "up to " OPT_STR(PROVISION_RETRY_MAX_S) " s",
	  KEY(PROVISION_TTL_MIN) },
	/* clang-format on */
	{ "provision-vendorid", "OUI[-NAME]",
	  "mode auto: the vendorid the server is told (default: the OUI of the WAN's MAC, "
	  "then -mapce)",
	  KEY(PROVISION_VENDORID) },
	{},
};

/* The update call (core/update_url.h): keys of the config file only. */
static const struct opt_def update_keys[] = {
	{ "update-url", "URL",
	  "register the tunnel's local IPv6 address (the MAP address here) with a GET of URL "
	  "made from that address, the call fixed-IPv4 services want: 'mapce up' once after it "
	  "brought the CE up; 'mapce run' after its start, after every change of the address "
	  "or of these keys, and again with backoff after a failure.  {user} and {password} in "
	  "URL are replaced by the percent-encoded values (JPIX: "
	  "http://fcs.enabler.ne.jp/update?user={user}&pass={password}); without {password} "
	  "the credentials go as HTTP Basic auth.  https:// checks the server's certificate",
	  KEY(UPDATE_URL) },
	{ "update-user", "NAME", "the user of the update call", KEY(UPDATE_USER) },
	{ "update-password", "SECRET",
	  "its password (no blank or '#': a value is one word): never shown (logs, status and "
	  "errors say " UPDATE_HIDDEN "); keep the file mode 0600",
	  KEY(UPDATE_PASSWORD) },
	{ "update-insecure", NULL,
	  "take an http:// update-url (the password then crosses the line in clear; without "
	  "this key an http:// URL is an error)",
	  KEY(UPDATE_INSECURE) },
	{ "update-ca", "FILE",
	  "check the https server against the CA certificates in FILE (PEM) instead of the "
	  "system's",
	  KEY(UPDATE_CA) },
	/* clang-format off */
	{ "update-retry-min", "S",
	  "seconds before the first retry of a failed update call, doubled at each failure "
	  "up to " OPT_STR(UPDATE_RETRY_MAX_S) " (default " OPT_STR(UPDATE_RETRY_MIN_S) ")",
	  KEY(UPDATE_RETRY_MIN) },
	/* clang-format on */
	{},
};

const struct opt_group up_update_group = {
	"Update call (config file keys only: refused on the command line)", update_keys
};
const struct opt_group up_run_group = { "Run settings (mapce run only; also config file keys)",
					run_keys };
const struct opt_group up_settings_group = { "Settings (also config file keys)", up_keys };
const struct opt_group up_provision_group = { "Provisioning (mode auto; also config file keys)",
					      provision_keys };
const struct opt_group up_source_group = { "Rule sources (instead of rule options)", source_keys };
const struct opt_group *const up_key_groups[] = {
	&up_settings_group,    &up_source_group,
	&up_run_group,	       &up_provision_group,
	&up_update_group,      &mapce_rule_group,
	&mapce_domain_group,   &mapce_ce_group,
	&mapce_explicit_group, NULL,
};

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

/* Where the interface name of key k (wan, prefix-from, pcp) is kept. */
static char *ifname_key(struct up_settings *s, enum up_key k)
{
	if (k == UK_WAN)
		return s->wan;
	if (k == UK_FASTPATH)
		return s->fastpath;
	if (k == UK_HAIRPIN)
		return s->hairpin;
	return k == UK_PCP ? s->pcp : s->prefix_from;
}

/* ------------------------------------------------------------------ */
/* Filtering names                                                     */
/* ------------------------------------------------------------------ */

const char *filtering_str(__u8 mode)
{
	switch (mode) {
	case MAPCE_FILTER_EIF:
		return "eif";
	case MAPCE_FILTER_ADF:
		return "adf";
	case MAPCE_FILTER_APDF:
		return "apdf";
	}
	return "?";
}

int filtering_parse(const char *s, __u8 *mode)
{
	if (!strcmp(s, "eif"))
		*mode = MAPCE_FILTER_EIF;
	else if (!strcmp(s, "adf"))
		*mode = MAPCE_FILTER_ADF;
	else if (!strcmp(s, "apdf"))
		*mode = MAPCE_FILTER_APDF;
	else
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Apply                                                               */
/* ------------------------------------------------------------------ */

void up_settings_init(struct up_settings *s)
{
	memset(s, 0, sizeof(*s));
	mapce_opts_init(&s->rule);
}

static const char *key_name(int opt)
{
	const struct opt_def *d = opt_find_val(up_key_groups, opt);

	return d ? d->name : "?";
}

/* The options that make up "the rules" (replaced as a whole on merge). */
static bool rule_group_opt(int opt)
{
	switch (opt) {
	case MAPCE_OPT_RULE_IPV6:
	case MAPCE_OPT_RULE_IPV4:
	case MAPCE_OPT_EA_LEN:
	case MAPCE_OPT_PSID_OFFSET:
	case MAPCE_OPT_PSID_LEN:
	case MAPCE_OPT_FMR:
	case MAPCE_OPT_RULE:
	case MAPCE_OPT_IPV4:
	case MAPCE_OPT_PSID:
		return true;
	}
	return false;
}

void config_undash(char *m)
{
	char *o = m;

	for (const char *p = m; *p; p++) {
		if (p[0] == '-' && p[1] == '-' && (p == m || p[-1] == ' ' || p[-1] == '(')) {
			p++;
			continue;
		}
		*o++ = *p;
	}
	*o = '\0';
}

/* What an AFTR's address or name is made of. */
#define AFTR_CHARS "0123456789abcdefABCDEF:.-_ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ"

/* An interface identifier: "::X[:Y...]" (the low groups, as in an IPv6
 * address) or one to four hex groups "A:B:C:D" (the high ones first, the
 * missing ones zero on the left).  0, or -1. */
static int parse_iid(const char *arg, __u8 iid[8])
{
	struct in6_addr a;
	char buf[64];
	const char *p = arg;
	unsigned long g[4];
	int n = 0;

	if (!strncmp(arg, "::", 2)) {
		if (strlen(arg) + 8 >= sizeof(buf))
			return -1;
		snprintf(buf, sizeof(buf), "0:0:0:0%s", arg);
		if (inet_pton(AF_INET6, buf, &a) != 1)
			return -1;
		memcpy(iid, a.s6_addr + 8, 8);
		return 0;
	}
	while (n < 4) {
		char *end;

		if (!isxdigit((unsigned char)*p))
			return -1;
		g[n] = strtoul(p, &end, 16);
		if (end - p > 4)
			return -1;
		n++;
		p = end;
		if (!*p)
			break;
		if (*p++ != ':')
			return -1;
	}
	if (*p || !n)
		return -1;
	memset(iid, 0, 8);
	for (size_t i = 0; i < (size_t)n; i++) {
		size_t at = 2 * (4 - (size_t)n + i);

		iid[at] = (__u8)(g[i] >> 8);
		iid[at + 1] = (__u8)g[i];
	}
	return 0;
}

/* A number of key k in [min, max]. */
static int num(struct up_settings *s, enum up_key k, const char *name, const char *arg,
	       unsigned long min, unsigned long max, char *err, size_t errlen)
{
	unsigned long v;

	if (parse_uint(arg, max, &v) || v < min)
		return BAD("bad %s '%s' (expected %lu..%lu)", name, arg, min, max);
	s->val[k] = v;
	return 0;
}

/* A file setting that must be an absolute path (into dst, PATH_MAX). */
static int set_abs_file(char dst[PATH_MAX], const char *name, const char *arg, char *err,
			size_t errlen)
{
	if (arg[0] != '/' || strlen(arg) >= PATH_MAX || arg[strlen(arg) - 1] == '/')
		return BAD("bad %s '%s' (an absolute file name)", name, arg);
	snprintf(dst, PATH_MAX, "%s", arg);
	return 0;
}

/*
 * A rule source other than the rule options.  An ISP name is checked for
 * its form here (whether the table exists when it is loaded); an option
 * given as text must parse, so its errors point at its line.
 */
static int apply_source(struct up_settings *s, enum up_key k, const char *name, const char *arg,
			char *err, size_t errlen)
{
	static struct s46_params p;
	char m[512];

	switch (k) {
	case UK_ISP:
		if (!*arg || strlen(arg) >= sizeof(s->isp) ||
		    strspn(arg, ISP_NAME_CHARS) != strlen(arg))
			return BAD("bad %s '%s' (a service name: v6plus, ocn, biglobe, nuro, auto, "
				   "or a table in %s)",
				   name, arg, isp_dir());
		snprintf(s->isp, sizeof(s->isp), "%s", arg);
		break;
	case UK_DHCPV6_OPTION:
		if (strlen(arg) >= sizeof(s->dhcpv6))
			return BAD("%s: more than %d characters", name, S46_HEX_MAX);
		if (s46_parse_hex(arg, &p, m, sizeof(m)))
			return BAD("%s: %s", name, m);
		snprintf(s->dhcpv6, sizeof(s->dhcpv6), "%s", arg);
		break;
	default:
		if (!*arg || strlen(arg) >= sizeof(s->dhcpv6_file))
			return BAD("bad %s '%s'", name, arg);
		snprintf(s->dhcpv6_file, sizeof(s->dhcpv6_file), "%s", arg);
		break;
	}
	if (!s->rule_given) {
		s->rule_given = true;
		s->rule_line = 0;
	}
	return 0;
}

/*
 * The update call's text keys.  The password is never put in a message
 * (only its length); the URL is checked whole once merged (whether http
 * is allowed depends on update-insecure, on any line).
 */
static int apply_update(struct up_settings *s, enum up_key k, const char *name, const char *arg,
			char *err, size_t errlen)
{
	char *dst[] = { [UK_UPDATE_URL] = s->update_url,
			[UK_UPDATE_USER] = s->update_user,
			[UK_UPDATE_PASSWORD] = s->update_password,
			[UK_UPDATE_CA] = s->update_ca };
	size_t size[] = { [UK_UPDATE_URL] = sizeof(s->update_url),
			  [UK_UPDATE_USER] = sizeof(s->update_user),
			  [UK_UPDATE_PASSWORD] = sizeof(s->update_password),
			  [UK_UPDATE_CA] = sizeof(s->update_ca) };
	bool https;
	char m[UPDATE_URL_MAX + 128];

	if (strlen(arg) >= size[k])
		return k == UK_UPDATE_PASSWORD ? BAD("%s: longer than %zu bytes", name, size[k] - 1)
					       : BAD("bad %s '%.64s...': longer than %zu bytes",
						     name, arg, size[k] - 1);
	if (k == UK_UPDATE_URL && update_url_check(arg, &https, m, sizeof(m)))
		return BAD("%s", m);
	if (k == UK_UPDATE_CA && (arg[0] != '/' || arg[strlen(arg) - 1] == '/'))
		return BAD("bad %s '%s' (an absolute file name)", name, arg);
	snprintf(dst[k], size[k], "%s", arg);
	return 0;
}

int up_settings_apply(struct up_settings *s, int opt, const char *arg, unsigned int line, char *err,
		      size_t errlen)
{
	char name[40], m[512];
	enum attach_xdp_mode xm;
	enum up_key k;
	__u8 f;
	int ret;

	s->usage_err = false;
	/* messages name the key as it was written: --key or key */
	snprintf(name, sizeof(name), "%s%s", line ? "" : "--", key_name(opt));
	if (opt >= MAPCE_OPT_BASE) {
		s->rule.usage_err = false;
		ret = mapce_opts_handle(&s->rule, opt, arg, m, sizeof(m));
		if (ret == 1)
			return BAD("unknown option %s", name);
		if (ret < 0) {
			s->usage_err = s->rule.usage_err;
			if (line)
				config_undash(m);
			return BAD("%s", m);
		}
		if (rule_group_opt(opt) && !s->rule_given) {
			s->rule_given = true;
			s->rule_line = line;
		}
		if ((opt == MAPCE_OPT_RULE_IPV6 || opt == MAPCE_OPT_RULE) && s->rule.n_rules > 0)
			s->rule_lines[s->rule.n_rules - 1] = line;
		return 0;
	}
	if (opt < UP_OPT_BASE || opt >= UP_OPT_BASE + UK__N)
		return BAD("unknown option %s", name);
	k = (enum up_key)(opt - UP_OPT_BASE);
	if (line && s->set[k]) {
		s->usage_err = true;
		return BAD("%s given twice (first on line %u)", name, s->line[k]);
	}
	switch (k) {
	case UK_WAN:
	case UK_PREFIX_FROM: /* interface names, all IF_NAMESIZE */
	case UK_PCP:
	case UK_FASTPATH:
	case UK_HAIRPIN:
		if (parse_ifname(arg, m, sizeof(m)))
			return BAD("%s %s", name, m);
		snprintf(ifname_key(s, k), IF_NAMESIZE, "%s", arg);
		ret = 0;
		break;
	case UK_MTU:
		ret = num(s, k, name, arg, MAPCE_MIN_MTU, 65535, err, errlen);
		break;
	case UK_HOP_LIMIT:
		ret = num(s, k, name, arg, 1, 255, err, errlen);
		break;
	case UK_TIMEOUT_UDP:
	case UK_TIMEOUT_TCP_EST:
	case UK_TIMEOUT_TCP_TRANS:
	case UK_TIMEOUT_ICMP:
		/* the RFC minimums are checked once merged (allow-short-timeouts
		 * may come from the other source) */
		ret = num(s, k, name, arg, 1, 0xffffffffUL, err, errlen);
		break;
	case UK_XDP_MODE:
		if (xdp_mode_parse(arg, &xm))
			return BAD("bad %s '%s' (auto, native or generic)", name, arg);
		s->val[k] = (unsigned long)xm;
		ret = 0;
		break;
	case UK_MAX_FLOWS:
		ret = num(s, k, name, arg, MAPCE_MIN_FLOWS, MAPCE_MAX_FLOWS_LIMIT, err, errlen);
		break;
	case UK_MSS_CLAMP:
		if (!strcmp(arg, "off")) {
			s->val[k] = 0;
			ret = 0;
		} else if (!strcmp(arg, "auto")) {
			s->val[k] = UP_MSS_AUTO; /* MTU - 40, whatever the MTU */
			ret = 0;
		} else {
			if (num(s, k, name, arg, 0, 65535, err, errlen) ||
			    (s->val[k] && s->val[k] < MAPCE_MIN_MSS))
				return BAD("bad %s '%s' (off, auto, or %d..MTU - 40)", name, arg,
					   MAPCE_MIN_MSS);
			ret = 0;
		}
		break;
	case UK_ENCAP_LIMIT:
		ret = num(s, k, name, arg, 0, 255, err, errlen);
		break;
	case UK_FILTERING:
		if (filtering_parse(arg, &f))
			return BAD("bad %s '%s' (eif, adf or apdf)", name, arg);
		s->val[k] = f;
		ret = 0;
		break;
	case UK_MAX_PER_HOST:
		ret = num(s, k, name, arg, 0, 0xffffffffUL, err, errlen);
		break;
	case UK_ALLOW_SHORT_TIMEOUTS:
		s->val[k] = 1;
		ret = 0;
		break;
	case UK_ISP:
	case UK_DHCPV6_OPTION:
	case UK_DHCPV6_OPTION_FILE:
		ret = apply_source(s, k, name, arg, err, errlen);
		break;
	case UK_PROMETHEUS_FILE:
		/* a directory would make the rename fail every few seconds */
		if (!*arg || strlen(arg) >= sizeof(s->prometheus_file) ||
		    arg[strlen(arg) - 1] == '/')
			return BAD("bad %s '%s' (a file name)", name, arg);
		snprintf(s->prometheus_file, sizeof(s->prometheus_file), "%s", arg);
		ret = 0;
		break;
	case UK_MODE:
		if (mode_parse(arg, &f, m, sizeof(m)))
			return BAD("%s: %s", name, m);
		s->val[k] = f;
		ret = 0;
		break;
	case UK_AFTR:
		if (!*arg || strlen(arg) >= sizeof(s->aftr) ||
		    strspn(arg, AFTR_CHARS) != strlen(arg))
			return BAD("bad %s '%s' (an IPv6 address or a DNS name)", name, arg);
		snprintf(s->aftr, sizeof(s->aftr), "%s", arg);
		ret = 0;
		break;
	case UK_DNS: {
		struct in6_addr a6;
		struct in_addr a4;

		if (strlen(arg) >= sizeof(s->dns) ||
		    (inet_pton(AF_INET6, arg, &a6) != 1 && inet_pton(AF_INET, arg, &a4) != 1))
			return BAD("bad %s '%s' (an IPv6 or IPv4 address)", name, arg);
		snprintf(s->dns, sizeof(s->dns), "%s", arg);
		ret = 0;
		break;
	}
	case UK_IID:
		if (parse_iid(arg, s->iid))
			return BAD("bad %s '%s' (an interface identifier: ::feed, or up to four "
				   "16-bit hex groups such as c6:3364:7b00:0)",
				   name, arg);
		ret = 0;
		break;
	case UK_UPNP_LEASES:
		/* watched by its directory: a path, absolute so that a run under
		 * systemd and the miniupnpd config name the same file */
		ret = set_abs_file(s->upnp_leases, name, arg, err, errlen);
		break;
	case UK_BINDING_LOG:
		/* absolute: logrotate, the unit and a reload name the same file */
		ret = set_abs_file(s->binding_log, name, arg, err, errlen);
		break;
	case UK_UPDATE_URL:
	case UK_UPDATE_USER:
	case UK_UPDATE_PASSWORD:
	case UK_UPDATE_CA:
		ret = apply_update(s, k, name, arg, err, errlen);
		break;
	case UK_UPDATE_INSECURE:
		s->val[k] = 1;
		ret = 0;
		break;
	case UK_UPDATE_RETRY_MIN:
		ret = num(s, k, name, arg, 1, UPDATE_RETRY_MAX_S, err, errlen);
		break;
	case UK_PROVISION_URL:
		if (strlen(arg) >= sizeof(s->provision_url) ||
		    (strncmp(arg, "https://", 8) && strncmp(arg, "http://", 7)))
			return BAD("bad %s '%.64s' (an http:// or https:// URL of at most %zu "
				   "characters)",
				   name, arg, sizeof(s->provision_url) - 1);
		snprintf(s->provision_url, sizeof(s->provision_url), "%s", arg);
		ret = 0;
		break;
	case UK_PROVISION_CA:
		ret = set_abs_file(s->provision_ca, name, arg, err, errlen);
		break;
	case UK_PROVISION_INSECURE:
		s->val[k] = 1;
		ret = 0;
		break;
	case UK_PROVISION_TTL_MIN:
		ret = num(s, k, name, arg, 1, PROVISION_RETRY_MAX_S, err, errlen);
		break;
	case UK_PROVISION_VENDORID:
		snprintf(m, sizeof(m), "bad %s", name);
		if (hb46pp_check_vendorid(m, arg, err, errlen))
			return -1; /* (longer than HB46PP_VENDORID_MAX: refused too) */
		snprintf(s->provision_vendorid, sizeof(s->provision_vendorid), "%s", arg);
		ret = 0;
		break;
	default:
		return BAD("unknown option %s", name);
	}
	if (ret)
		return ret;
	s->set[k] = true;
	s->line[k] = line;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Merge and check                                                     */
/* ------------------------------------------------------------------ */

void up_settings_merge(struct up_settings *out, const struct up_settings *file,
		       const struct up_settings *cli)
{
	const struct mapce_opts *fr = &file->rule, *cr = &cli->rule;
	const struct mapce_opts *rules = cli->rule_given ? cr : fr;
	struct mapce_opts *o;

	*out = *file;
	o = &out->rule;
	/* the rules, as a whole */
	memcpy(o->rules, rules->rules, sizeof(o->rules));
	memcpy(o->rule_seen, rules->rule_seen, sizeof(o->rule_seen));
	o->n_rules = rules->n_rules;
	o->seen = rules->seen;
	o->have_ipv4 = rules->have_ipv4;
	o->have_psid = rules->have_psid;
	o->have_psid_len = rules->have_psid_len;
	o->have_psid_offset = rules->have_psid_offset;
	o->ipv4 = rules->ipv4;
	o->ipv4_len = rules->ipv4_len;
	o->psid = rules->psid;
	o->psid_len = rules->psid_len;
	o->psid_offset = rules->psid_offset;
	/* the other rule sources go with the rules */
	if (cli->rule_given) {
		const enum up_key src[] = { UK_ISP, UK_DHCPV6_OPTION, UK_DHCPV6_OPTION_FILE };

		memcpy(out->isp, cli->isp, sizeof(out->isp));
		memcpy(out->dhcpv6, cli->dhcpv6, sizeof(out->dhcpv6));
		memcpy(out->dhcpv6_file, cli->dhcpv6_file, sizeof(out->dhcpv6_file));
		for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
			out->set[src[i]] = cli->set[src[i]];
			out->line[src[i]] = 0;
		}
	}
	out->rule_given = cli->rule_given || file->rule_given;
	out->rule_line = cli->rule_given ? 0 : file->rule_line;
	/* the CE keys */
	if (cr->have_prefix) {
		o->have_prefix = true;
		memcpy(o->prefix, cr->prefix, 16);
		o->prefix_len = cr->prefix_len;
	}
	if (cr->have_br) {
		o->have_br = true;
		memcpy(o->br, cr->br, 16);
	}
	o->legacy_iid = fr->legacy_iid || cr->legacy_iid;
	o->mesh = fr->mesh || cr->mesh;
	o->usage_err = false;
	/* the scalars */
	for (int k = 0; k < UK__N; k++) {
		if (!cli->set[k])
			continue;
		out->set[k] = true;
		out->val[k] = cli->val[k];
		out->line[k] = 0;
	}
	if (cli->set[UK_WAN])
		memcpy(out->wan, cli->wan, sizeof(out->wan));
	if (cli->set[UK_PREFIX_FROM])
		memcpy(out->prefix_from, cli->prefix_from, sizeof(out->prefix_from));
	if (cli->set[UK_PROMETHEUS_FILE])
		memcpy(out->prometheus_file, cli->prometheus_file, sizeof(out->prometheus_file));
	if (cli->set[UK_UPNP_LEASES])
		memcpy(out->upnp_leases, cli->upnp_leases, sizeof(out->upnp_leases));
	if (cli->set[UK_PCP])
		memcpy(out->pcp, cli->pcp, sizeof(out->pcp));
	if (cli->set[UK_FASTPATH])
		memcpy(out->fastpath, cli->fastpath, sizeof(out->fastpath));
	if (cli->set[UK_HAIRPIN])
		memcpy(out->hairpin, cli->hairpin, sizeof(out->hairpin));
	if (cli->set[UK_BINDING_LOG])
		memcpy(out->binding_log, cli->binding_log, sizeof(out->binding_log));
	if (cli->set[UK_AFTR])
		memcpy(out->aftr, cli->aftr, sizeof(out->aftr));
	if (cli->set[UK_IID])
		memcpy(out->iid, cli->iid, sizeof(out->iid));
	if (cli->set[UK_DNS])
		memcpy(out->dns, cli->dns, sizeof(out->dns));
	if (cli->set[UK_PROVISION_URL])
		memcpy(out->provision_url, cli->provision_url, sizeof(out->provision_url));
	if (cli->set[UK_PROVISION_CA])
		memcpy(out->provision_ca, cli->provision_ca, sizeof(out->provision_ca));
	if (cli->set[UK_PROVISION_VENDORID])
		memcpy(out->provision_vendorid, cli->provision_vendorid,
		       sizeof(out->provision_vendorid));
	out->usage_err = false;
}

const char *up_settings_where(const struct up_settings *s, enum up_key k, char *buf, size_t len)
{
	const char *name = key_name(UP_OPT_BASE + (int)k);

	if (s->line[k])
		snprintf(buf, len, "%s:%u: %s", s->path, s->line[k], name);
	else
		snprintf(buf, len, "--%s", name);
	return buf;
}

/* The update keys together: a URL for the others, plain http only when
 * allowed, a value for each placeholder. */
static int update_check(const struct up_settings *s, char *err, size_t errlen)
{
	static const enum up_key others[] = { UK_UPDATE_USER, UK_UPDATE_PASSWORD,
					      UK_UPDATE_INSECURE, UK_UPDATE_CA,
					      UK_UPDATE_RETRY_MIN };
	char where[PATH_MAX + 64];
	bool https = true;

	if (!s->set[UK_UPDATE_URL]) {
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (s->set[others[i]])
				return BAD("%s without update-url (the call it sets up)",
					   up_settings_where(s, others[i], where, sizeof(where)));
		return 0;
	}
	up_settings_where(s, UK_UPDATE_URL, where, sizeof(where));
	if (update_url_check(s->update_url, &https, err, errlen))
		return -1;
	if (!https && !s->val[UK_UPDATE_INSECURE])
		return BAD("%s '%s': plain http refused (the request and its credentials cross "
			   "the line in clear); 'update-insecure yes' takes it",
			   where, s->update_url);
	if (update_url_has(s->update_url, UPDATE_PH_USER) && !s->update_user[0])
		return BAD("%s '%s' has %s but no update-user is given", where, s->update_url,
			   UPDATE_PH_USER);
	if (update_url_has(s->update_url, UPDATE_PH_PASS) && !s->set[UK_UPDATE_PASSWORD])
		return BAD("%s '%s' has %s but no update-password is given", where, s->update_url,
			   UPDATE_PH_PASS);
	if (s->set[UK_UPDATE_PASSWORD] && !s->update_user[0])
		return BAD("%s without update-user (HTTP Basic auth needs both)",
			   up_settings_where(s, UK_UPDATE_PASSWORD, where, sizeof(where)));
	return 0;
}

/* The provision keys belong to mode auto; an http:// URL only when allowed. */
static int provision_check(const struct up_settings *s, char *err, size_t errlen)
{
	static const enum up_key keys[] = { UK_PROVISION_URL, UK_PROVISION_CA,
					    UK_PROVISION_INSECURE, UK_PROVISION_TTL_MIN,
					    UK_PROVISION_VENDORID };
	char where[PATH_MAX + 64];

	if (s->val[UK_MODE] != MAPCE_MODE_AUTO) {
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (s->set[keys[i]])
				return BAD("%s is for mode auto (not %s)",
					   up_settings_where(s, keys[i], where, sizeof(where)),
					   mode_str((__u8)s->val[UK_MODE]));
		return 0;
	}
	if (!strncmp(s->provision_url, "http://", 7) && !s->val[UK_PROVISION_INSECURE])
		return BAD("%s '%s': plain http refused (the answer would travel unprotected); "
			   "'provision-insecure yes' takes it",
			   up_settings_where(s, UK_PROVISION_URL, where, sizeof(where)),
			   s->provision_url);
	return 0;
}

int up_settings_check(const struct up_settings *s, char *err, size_t errlen)
{
	static const struct {
		enum up_key k;
		unsigned long min;
		const char *why;
	} mins[] = {
		{ UK_TIMEOUT_UDP, MAPCE_MIN_TIMEOUT_UDP, "RFC 4787 REQ-5" },
		{ UK_TIMEOUT_TCP_EST, MAPCE_MIN_TIMEOUT_TCP_EST, "RFC 5382 REQ-5" },
		{ UK_TIMEOUT_TCP_TRANS, MAPCE_MIN_TIMEOUT_TCP_TRANS, "RFC 5382 REQ-5" },
		{ UK_TIMEOUT_ICMP, MAPCE_MIN_TIMEOUT_ICMP, "RFC 5508 REQ-2" },
	};
	char where[PATH_MAX + 64], where2[PATH_MAX + 64];
	bool rules = s->rule.n_rules > 0 || s->rule.have_ipv4 || s->rule.have_psid;
	bool option = s->set[UK_DHCPV6_OPTION] || s->set[UK_DHCPV6_OPTION_FILE];

	/* one kind of rule source (they do not combine) */
	if (s->set[UK_DHCPV6_OPTION] && s->set[UK_DHCPV6_OPTION_FILE])
		return BAD("%s and %s exclude each other",
			   up_settings_where(s, UK_DHCPV6_OPTION, where, sizeof(where)),
			   up_settings_where(s, UK_DHCPV6_OPTION_FILE, where2, sizeof(where2)));
	if (s->set[UK_ISP] && (rules || option))
		return BAD("%s and %s exclude each other: give one rule source",
			   up_settings_where(s, UK_ISP, where, sizeof(where)),
			   rules ? "MAP rule options"
				 : up_settings_where(s,
						     s->set[UK_DHCPV6_OPTION]
							     ? UK_DHCPV6_OPTION
							     : UK_DHCPV6_OPTION_FILE,
						     where2, sizeof(where2)));
	if (option && rules)
		return BAD("%s and MAP rule options exclude each other: give one rule source",
			   up_settings_where(s,
					     s->set[UK_DHCPV6_OPTION] ? UK_DHCPV6_OPTION
								      : UK_DHCPV6_OPTION_FILE,
					     where, sizeof(where)));
	if (update_check(s, err, errlen) || provision_check(s, err, errlen))
		return -1;
	if (s->set[UK_ALLOW_SHORT_TIMEOUTS] && s->val[UK_ALLOW_SHORT_TIMEOUTS])
		return 0;
	for (size_t i = 0; i < sizeof(mins) / sizeof(mins[0]); i++) {
		enum up_key k = mins[i].k;

		if (!s->set[k] || s->val[k] >= mins[i].min)
			continue;
		return BAD("%s %lu is below %lu s, the minimum of %s (%s allows it, for tests)",
			   up_settings_where(s, k, where, sizeof(where)), s->val[k], mins[i].min,
			   mins[i].why,
			   s->line[k] ? "allow-short-timeouts" : "--allow-short-timeouts");
	}
	return 0;
}
