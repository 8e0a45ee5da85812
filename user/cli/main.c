// SPDX-License-Identifier: GPL-2.0-only
/*
 * mapce - MAP-E CE gateway on XDP and TC.
 *
 *   mapce [-j|-p] [-v] COMMAND [ARGS]    (global options may follow COMMAND)
 */
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "cli/commands.h"
#include "core/output.h"

#define MAPCE_VERSION "0.1.0"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "calc", cmd_calc, "derive MAP-E parameters from a rule and a prefix" },
	{ "up", cmd_up, "start the CE on a WAN interface" },
	{ "down", cmd_down, "stop the CE and remove everything up added" },
	{ "status", cmd_status, "show parameters, attach modes and counters" },
	{ "flows", cmd_flows, "list live NAT flows with per-flow counters" },
	{ "stats", cmd_stats, "print the per-reason packet counters" },
	{ "portmap", cmd_portmap, "forward outside ports to LAN hosts (portmap add|del|list)" },
	{ "br", cmd_br, "run a stateless BR on an interface (br up|down|status)" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: mapce [-j|--json] [-p|--pretty] [-v] COMMAND [ARGS]\n"
		   "       mapce COMMAND -h\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nGlobal options:\n"
		   "  -j, --json     JSON output\n"
		   "  -p, --pretty   indented JSON output\n"
		   "  -v, --verbose  libbpf and verifier messages (repeat for more)\n"
		   "  -V, --version  print versions\n");
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv)
{
	bool json = false, pretty = false;
	int n = 0;

	/* Pull the global options out of argv wherever they stand. */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			while (i < argc)
				argv[++n] = argv[i++];
			break;
		}
		if (!strcmp(a, "-j") || !strcmp(a, "--json"))
			json = true;
		else if (!strcmp(a, "-p") || !strcmp(a, "--pretty"))
			pretty = true;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			verbose++;
		else if (!strcmp(a, "-vv"))
			verbose += 2;
		else
			argv[++n] = argv[i];
	}
	argc = n + 1;
	argv[argc] = NULL;
	out_init(json, pretty);
	libbpf_set_print(libbpf_print);

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("mapce %s (libbpf %s)\n", MAPCE_VERSION, libbpf_version_string());
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	pr_err("unknown command '%s' (try 'mapce -h')", argv[1]);
	return EXIT_USAGE;
}
