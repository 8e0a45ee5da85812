// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_provision.c - `mapce provision`: ask the line's HB46PP (v6mig-1)
 * provisioning server which IPv4-over-IPv6 service it has for this CE
 * and print it as mapce config lines (or, with -j, the same as JSON).
 *
 * The server from the DNS TXT record 4over6.info through the WAN's DNS
 * servers (sys/resolve.h), or --url; the request and its answer:
 * sys/hb46pp_ask.h (the config lines: core/hb46pp_config.h, the ones
 * `mode auto` applies).  Nothing is applied: the output is
 * for a config file.  A wrong answer prints no config, only the error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "core/output.h"
#include "sys/hb46pp_ask.h"
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

/* The lines (core/hb46pp_config.h, the ones mode auto applies) as config
 * text, or as JSON: a string, number or boolean each, "rule" an array. */
static void print_lines(const struct hb46pp_config *c)
{
	const char *list = NULL;

	for (int i = 0; i < c->n; i++) {
		const struct hb46pp_line *l = &c->lines[i];
		char fmt[64];

		if (list && strcmp(list, l->key)) {
			out_close_array();
			list = NULL;
		}
		snprintf(fmt, sizeof(fmt), "%s %%s\n", l->key);
		switch (l->kind) {
		case HB46PP_LIST:
			if (!list)
				out_open_array(l->json);
			list = l->key;
			out_str(NULL, fmt, l->value);
			break;
		case HB46PP_UINT:
			snprintf(fmt, sizeof(fmt), "%s %%llu\n", l->key);
			out_uint(l->json, fmt, strtoull(l->value, NULL, 10));
			break;
		case HB46PP_BOOL:
			out_bool(l->json, fmt, !strcmp(l->value, "yes")); /* "KEY yes|no" */
			break;
		default:
			out_str(l->json, fmt, l->value);
			break;
		}
	}
	if (list)
		out_close_array();
	if (c->note)
		out_text("# %s\n", c->note);
}

static void print_answer(const char *url, const struct hb46pp_answer *a,
			 const struct hb46pp_config *c)
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
	print_lines(c);
	out_close_object();
	out_close_object();
	out_finish();
}

int cmd_provision(int argc, char **argv)
{
	static struct hb46pp_answer a;
	static struct hb46pp_config c;
	struct provision_args p = { 0 };
	struct hb46pp_ask q;
	char url[HB46PP_URL_MAX + 1], msg[1024];
	bool usage;
	int ret = cli_parse(&provision_spec, argc, argv, &p, NULL);

	if (ret != CLI_GO)
		return ret;
	q = (struct hb46pp_ask){ .wan = p.wan,
				 .url = p.url,
				 .ca = p.ca,
				 .vendorid = p.vendorid,
				 .dns = p.dns,
				 .n_dns = p.n_dns,
				 .allow_http = p.allow_http };
	if (hb46pp_ask(&q, &a, &c, url, &usage, msg, sizeof(msg))) {
		pr_err("provision: %s", msg);
		return usage ? EXIT_USAGE : 1;
	}
	print_answer(url, &a, &c);
	return 0;
}
