// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmd_isp.c - `mapce isp list|show`: the ISP rule tables mapce knows
 * (built in, or overridden and added in the ISP directory): each
 * service's rules, BRs, IID format, data date and source.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "core/isp.h"
#include "core/output.h"

static int no_opts(void *ctx, const struct opt_def *opt, const char *arg)
{
	return 0;
}

static const struct cli_spec list_spec = {
	.name = "isp list",
	.synopsis = "[-j|-p] isp list",
	.description = "The services whose MAP-E rule tables mapce carries (the isp option of "
		       "up and calc, config key isp): rule count, BRs, the date of the data and "
		       "its source.  A file "
		       "NAME.rules in the ISP directory (" ISP_DIR ", $" ISP_DIR_ENV ") wins over "
		       "the built-in table and adds services.",
	.on_opt = no_opts,
};

static const struct cli_spec show_spec = {
	.name = "isp show",
	.synopsis = "[-j|-p] isp show NAME",
	.args = "NAME",
	.description = "Every rule of the service NAME's table, with its BR.",
	.on_opt = no_opts,
};

/* The fields `list` and `show` both print. */
static void print_table_head(const struct isp_table *t)
{
	char a[INET6_ADDRSTRLEN];

	out_str("isp", "%-9s", t->name);
	out_str("title", " %s\n", t->title[0] ? t->title : t->name);
	out_int("rules", "          %lld rules", t->n_rules);
	out_str("iid_format", ", %s IIDs", t->legacy_iid ? "legacy" : "rfc7597");
	out_str("date", ", data of %s", t->date);
	out_str("origin", " (%s)\n", t->origin);
	out_str("source", "          source: %s\n", t->source[0] ? t->source : "(not given)");
	out_open_array("brs");
	for (int i = 0; i < t->n_br; i++)
		out_str(NULL, "          br %s\n", inet_ntop(AF_INET6, t->br[i], a, sizeof(a)));
	out_close_array();
}

static struct isp_table tables[ISP_MAX_TABLES];

static int cmd_list(int argc, char **argv)
{
	char msg[768];
	int ret = cli_parse(&list_spec, argc, argv, NULL, NULL), n;

	if (ret != CLI_GO)
		return ret;
	n = isp_load_all(tables, ISP_MAX_TABLES, msg, sizeof(msg));
	if (n < 0) {
		pr_err("isp list: %s", msg);
		return 1;
	}
	out_open_object(NULL);
	out_open_array("services");
	for (int i = 0; i < n; i++) {
		out_open_object(NULL);
		print_table_head(&tables[i]);
		out_close_object();
	}
	out_close_array();
	out_close_object();
	out_finish();
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	char msg[768], a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	int first = 0, ret = cli_parse(&show_spec, argc, argv, NULL, &first);
	const struct isp_table *t = &tables[0];

	if (ret != CLI_GO)
		return ret;
	if (argc - first != 1) {
		pr_err("isp show: expected the service's NAME (try 'mapce isp show -h')");
		return EXIT_USAGE;
	}
	if (isp_load(argv[first], &tables[0], msg, sizeof(msg))) {
		pr_err("isp show: %s", msg);
		return 1;
	}
	out_open_object(NULL);
	print_table_head(t);
	out_open_array("table");
	for (int i = 0; i < t->n_rules; i++) {
		const struct mapce_rule *r = &t->rules[i].rule;

		out_open_object(NULL);
		snprintf(buf, sizeof(buf), "%s/%u",
			 inet_ntop(AF_INET6, r->ipv6_prefix, a6, sizeof(a6)), r->ipv6_prefix_len);
		out_str("ipv6_prefix", "  %-22s", buf);
		snprintf(buf, sizeof(buf), "%s/%u",
			 inet_ntop(AF_INET, &r->ipv4_prefix, a4, sizeof(a4)), r->ipv4_prefix_len);
		out_str("ipv4_prefix", " -> %-18s", buf);
		out_uint("ea_len", " ea-len %llu", r->ea_len);
		out_uint("psid_offset", " offset %llu", r->psid_offset);
		out_uint("psid_len", " psid-len %llu", r->psid_len);
		out_str("br", " br %s\n",
			inet_ntop(AF_INET6, t->br[t->rules[i].br], a6, sizeof(a6)));
		out_close_object();
	}
	out_close_array();
	out_close_object();
	out_finish();
	return 0;
}

static const struct cli_cmd isp_cmds[] = {
	{ "list", cmd_list, "the services mapce has rule tables for", &list_spec },
	{ "show", cmd_show, "every rule of one service's table", &show_spec },
	{},
};

const struct cli_level isp_level = {
	.name = "isp",
	.description = "The public MAP-E rule tables of Japanese services (isp NAME): with them "
		       "the service's name is all `up` needs to know.",
	.cmds = isp_cmds,
};
