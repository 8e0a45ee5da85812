// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_provision.c - `mapce provision`: ask the line's HB46PP (v6mig-1)
 * provisioning server which IPv4-over-IPv6 service it has for this CE
 * and print it as mapce config lines (or, with -j, the same as JSON).
 *
 * The server from the DNS TXT record 4over6.info through the WAN's DNS
 * servers (sys/resolve.h), or --url; the request and its answer:
 * core/hb46pp.h, sys/hb46pp_fetch.h.  Nothing is applied: the output is
 * for a config file.  A wrong answer prints no config, only the error.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/hb46pp.h"
#include "core/output.h"
#include "core/version.h"
#include "sys/hb46pp_fetch.h"
#include "sys/resolve.h"

#define HB46PP_PRODUCT "mapce"
#define PROVISION_MAX_DNS RESOLVE_MAX_SERVERS

enum { PO_WAN = 'w', PO_URL = 0x200, PO_DNS, PO_CA, PO_ALLOW_HTTP, PO_VENDORID };

static const struct opt_def provision_opts[] = {
	{ "wan", "IF",
	  "the WAN interface: the DNS questions and the request leave through it, and its MAC "
	  "address gives the vendor OUI",
	  PO_WAN, OPT_IFNAME },
	{ "url", "URL",
	  "the provisioning server (instead of the DNS TXT record " HB46PP_TXT_NAME ")", PO_URL },
	{ "dns", "ADDR",
	  "a DNS server of the line, IPv6 or IPv4 (up to " OPT_STR(
		  PROVISION_MAX_DNS) "; default: the nameservers of " RESOLV_CONF ")",
	  PO_DNS, OPT_REPEAT },
	{ "ca", "FILE",
	  "the CA certificate(s) the server's certificate is checked against "
	  "(default: the system's)",
	  PO_CA },
	{ "allow-http", NULL, "take an http:// URL (the answer then travels unprotected)",
	  PO_ALLOW_HTTP },
	{ "vendorid", "OUI[-NAME]",
	  "what the server is told the CE's vendor is (default: the OUI of the WAN's MAC address)",
	  PO_VENDORID },
	{},
};

static const struct opt_group provision_group = { NULL, provision_opts };
static const struct opt_group *const provision_groups[] = { &provision_group, NULL };

struct provision_args {
	const char *wan, *url, *ca, *vendorid;
	const char *dns[PROVISION_MAX_DNS];
	int n_dns;
	bool allow_http;
};

static int provision_opt(void *ctx, const struct opt_def *opt, const char *arg)
{
	struct provision_args *p = ctx;

	switch (opt->val) {
	case PO_WAN:
		p->wan = arg;
		break;
	case PO_URL:
		p->url = arg;
		break;
	case PO_CA:
		p->ca = arg;
		break;
	case PO_ALLOW_HTTP:
		p->allow_http = true;
		break;
	case PO_VENDORID:
		p->vendorid = arg;
		break;
	case PO_DNS:
		if (p->n_dns >= PROVISION_MAX_DNS) {
			pr_err("provision: --dns %s: at most %d servers", arg, PROVISION_MAX_DNS);
			return EXIT_USAGE;
		}
		p->dns[p->n_dns++] = arg;
		break;
	default:
		pr_err("provision: option --%s not handled", opt->name);
		return 1;
	}
	return 0;
}

const struct cli_spec provision_spec = {
	.name = "provision",
	.synopsis = "[-j|-p] provision [--wan IF] [--url URL] [--dns ADDR]... [--ca FILE]\n"
		    "                  [--allow-http] [--vendorid OUI[-NAME]]",
	.description =
		"Ask the line's HB46PP (v6mig-1) provisioning server which IPv4-over-IPv6 service "
		"it has for this CE and print it as config lines for /etc/mapce/IF.conf: the "
		"first service of the answer's order that mapce runs (map_e: rule, br, legacy-iid, "
		"mesh; dslite: mode and aftr; lw4o6: mode, ipv4, psid, br; ipip: mode, ipv4, br, "
		"iid).  The server is the url of the DNS TXT record " HB46PP_TXT_NAME
		" asked of the "
		"line's DNS servers, or --url; it is asked over IPv6 with HTTPS, its certificate "
		"checked.  Nothing is applied; an answer that is not what the specification says "
		"prints the field that is wrong and no config.",
	.groups = provision_groups,
	.notes = "The specification: HB46PP version 1.1, the IPv6 Promotion Council of Japan's "
		 "v6mig-prov spec.md (github.com/v6pc/v6mig-prov).",
	.examples = "  mapce provision --wan eth0 >>/etc/mapce/eth0.conf\n"
		    "  mapce provision --url https://prov.example.net/config --ca ca.pem -j\n",
	.on_opt = provision_opt,
};

/* ---- the config --------------------------------------------------------- */

static const char *fmt6(const __u8 a[16], char *buf)
{
	return inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN);
}

static void print_map_e(const struct hb46pp_answer *a)
{
	char buf[128], a6[INET6_ADDRSTRLEN];

	out_open_array("rule");
	for (int i = 0; i < a->map_e.n_rules; i++)
		out_str(NULL, "rule %s\n", mapce_rule_format(&a->map_e.rules[i], buf, sizeof(buf)));
	out_close_array();
	out_str("br", "br %s\n", fmt6(a->map_e.br, a6));
	out_bool("legacy_iid", "legacy-iid %s\n", a->map_e.legacy_iid);
	out_bool("mesh", "mesh %s\n", a->map_e.mesh);
}

static void print_lw4o6(const struct hb46pp_answer *a)
{
	char a4[INET_ADDRSTRLEN];

	out_str("mode", "mode %s\n", "lw4o6");
	out_str("ipv4", "ipv4 %s\n", inet_ntop(AF_INET, &a->lw4o6.ipv4, a4, sizeof(a4)));
	out_uint("psid", "psid %llu\n", a->lw4o6.psid);
	out_uint("psid_len", "psid-len %llu\n", a->lw4o6.psid_len);
	out_uint("psid_offset", "psid-offset %llu\n", a->lw4o6.psid_offset);
	out_str("br", "br %s\n", a->lw4o6.lwaftr);
}

static void print_ipip(const struct hb46pp_answer *a)
{
	char a4[INET_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8], a6[INET6_ADDRSTRLEN];
	__u8 iid[16] = { 0 };

	out_str("mode", "mode %s\n", "ipip6");
	snprintf(buf, sizeof(buf), "%s/%u", inet_ntop(AF_INET, &a->ipip.ipv4, a4, sizeof(a4)),
		 a->ipip.ipv4_len);
	out_str("ipv4", "ipv4 %s\n", buf);
	out_str("br", "br %s\n", fmt6(a->ipip.remote, a6));
	/* the tunnel's local address is the line's /64 + this: the /64 part
	 * follows the line (a new prefix), the interface id is the contract's */
	memcpy(iid + 8, a->ipip.local + 8, 8);
	out_str("iid", "iid %s\n", fmt6(iid, a6));
	out_text("# the update call (update-url, update-user, update-password) is not part of "
		 "the answer: add your provider's\n");
}

static void print_answer(const char *url, const struct hb46pp_answer *a)
{
	out_open_object(NULL);
	out_str("url", "# HB46PP answer of %s\n", url);
	out_text("# order:");
	out_open_array("order");
	for (int i = 0; i < a->n_order; i++)
		out_str(NULL, " %s", hb46pp_service_name(a->order[i]));
	out_close_array();
	out_str("service", "; mapce runs %s", hb46pp_service_name(a->service));
	if (a->have_ttl)
		out_uint("ttl", "; ask again in %llu s\n", a->ttl);
	else
		out_null("ttl", "; no ttl: ask again in 20-24 h\n");
	out_open_object("config");
	switch (a->service) {
	case HB46PP_MAP_E:
		print_map_e(a);
		break;
	case HB46PP_DSLITE:
		out_str("mode", "mode %s\n", "dslite");
		out_str("aftr", "aftr %s\n", a->dslite.aftr);
		break;
	case HB46PP_LW4O6:
		print_lw4o6(a);
		break;
	case HB46PP_IPIP:
		print_ipip(a);
		break;
	default:
		break;
	}
	out_close_object();
	out_close_object();
	out_finish();
}

/* ---- asking ------------------------------------------------------------- */

/* The server's URL: --url, or the TXT record through the line's DNS. */
static int find_server(const struct provision_args *p, const struct resolve_conf *dns,
		       struct hb46pp_txt *t)
{
	char txt[HB46PP_URL_MAX + 64], msg[768];
	__u32 ttl;
	int n;

	if (p->url) {
		memset(t, 0, sizeof(*t));
		if (strlen(p->url) > HB46PP_URL_MAX) {
			pr_err("provision: --url: longer than %d characters", HB46PP_URL_MAX);
			return 1;
		}
		snprintf(t->url, sizeof(t->url), "%s", p->url);
		t->verify = true;
		return 0;
	}
	n = resolve_txt(HB46PP_TXT_NAME, dns, txt, sizeof(txt), &ttl, msg, sizeof(msg));
	if (n == RESOLVE_NXDOMAIN || n == RESOLVE_NODATA) {
		pr_err("provision: no HB46PP server on this line (%s)", msg);
		return 1;
	}
	if (n < 0) {
		pr_err("provision: %s", msg);
		return 1;
	}
	if (n > 1) {
		pr_err("provision: TXT %s: %d records (the specification allows one)",
		       HB46PP_TXT_NAME, n);
		return 1;
	}
	if (hb46pp_parse_txt(txt, t, msg, sizeof(msg))) {
		pr_err("provision: %s: %s", HB46PP_TXT_NAME, msg);
		return 1;
	}
	if (!t->verify && !strncmp(t->url, "https://", 8))
		pr_warn("provision: the TXT record says t=a (no certificate check); mapce checks "
			"it all the same (--ca for a private CA)");
	return 0;
}

static int setup_dns(const struct provision_args *p, struct resolve_conf *dns)
{
	char msg[512];

	resolve_conf_init(dns, p->wan);
	for (int i = 0; i < p->n_dns; i++)
		if (resolve_add_server(dns, p->dns[i], msg, sizeof(msg))) {
			pr_err("provision: --dns: %s", msg);
			return 1;
		}
	if (!p->n_dns && resolve_add_resolv_conf(dns, NULL, msg, sizeof(msg))) {
		pr_err("provision: %s", msg);
		return 1;
	}
	return 0;
}

int cmd_provision(int argc, char **argv)
{
	static struct hb46pp_answer a;
	static char query[HB46PP_URL_MAX + 1];
	struct provision_args p = { 0 };
	struct resolve_conf dns;
	struct hb46pp_txt t;
	struct hb46pp_fetch f = { 0 };
	struct hb46pp_client cl;
	char oui[7], vendorid[40], version[40], ua[64], msg[768], *body = NULL;
	size_t len = 0;
	int ret = cli_parse(&provision_spec, argc, argv, &p, NULL);

	if (ret != CLI_GO)
		return ret;
	if (!p.vendorid) {
		if (!p.wan) {
			pr_err("provision: give --wan IF (its MAC's OUI is the vendorid) or "
			       "--vendorid OUI[-NAME]");
			return EXIT_USAGE;
		}
		if (hb46pp_wan_oui(p.wan, oui, msg, sizeof(msg))) {
			pr_err("provision: %s: give --vendorid OUI[-NAME]", msg);
			return 1;
		}
		snprintf(vendorid, sizeof(vendorid), "%s-%s", oui, HB46PP_PRODUCT);
		p.vendorid = vendorid;
	}
	if (setup_dns(&p, &dns) || find_server(&p, &dns, &t))
		return 1;
	hb46pp_version(MAPCE_VERSION, version, sizeof(version));
	cl = (struct hb46pp_client){ .vendorid = p.vendorid,
				     .product = HB46PP_PRODUCT,
				     .version = version,
				     .capability = HB46PP_CAPABILITY };
	if (hb46pp_query_url(t.url, &cl, query, sizeof(query), msg, sizeof(msg))) {
		pr_err("provision: %s", msg);
		return 1;
	}
	snprintf(ua, sizeof(ua), "mapce/%s", MAPCE_VERSION);
	f = (struct hb46pp_fetch){ .url = query,
				   .ifname = p.wan,
				   .ca_file = p.ca,
				   .allow_http = p.allow_http,
				   .dns = &dns,
				   .user_agent = ua };
	if (hb46pp_fetch(&f, &body, &len, msg, sizeof(msg))) {
		pr_err("provision: %s", msg);
		return 1;
	}
	ret = hb46pp_parse(body, len, &a, msg, sizeof(msg));
	free(body);
	if (ret) {
		pr_err("provision: the answer of %s: %s", t.url, msg);
		return 1;
	}
	if (a.service == HB46PP_NONE) {
		if (!a.n_order)
			pr_err("provision: %s: no service for this line (order: [])", t.url);
		else
			pr_err("provision: %s: no service mapce runs for this line (order: only "
			       "services other than map_e, dslite, lw4o6, ipip)",
			       t.url);
		return 1;
	}
	if (a.service == HB46PP_LW4O6 && !a.lw4o6.is_addr) {
		pr_err("provision: %s: lw4o6.lwaftr '%s' is a name; mapce takes the lwAFTR's "
		       "address only",
		       t.url, a.lw4o6.lwaftr);
		return 1;
	}
	print_answer(t.url, &a);
	return 0;
}
