/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rule_fixture.h - what the rule tests share: run "--opt value ..." through
 * the rule options (the tables the CLI uses) and derive, with the parsed
 * options in O, the derived parameters in D and any message in errbuf;
 * RUN_OK / FAIL assertions; address helpers.  Each test binary includes it
 * once.
 */
#ifndef MAPCE_TEST_RULE_FIXTURE_H
#define MAPCE_TEST_RULE_FIXTURE_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdlib.h>

#include "harness.h"
#include "mapce_rule.h"
#include "core/rule_config.h"

static char errbuf[512];
static struct mapce_opts O;
static struct mapce_derived D;

static inline int longopt(const char *name, bool *has_arg)
{
	const struct opt_def *d = opt_find_name(mapce_rule_groups, name);

	if (!d)
		return -1;
	*has_arg = d->metavar != NULL;
	return d->val;
}

/*
 * Parse "--opt value --flag ..." through mapce_opts_handle, then derive.
 * Returns 0 ok, -1 (message in errbuf), -2 test bug (unknown option).
 */
static inline int run(const char *args)
{
	char buf[1024], *save = NULL, *tok;
	int ret;

	mapce_opts_init(&O);
	errbuf[0] = '\0';
	snprintf(buf, sizeof(buf), "%s", args);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		const char *val = NULL;
		bool has_arg;
		int opt;

		if (strncmp(tok, "--", 2) || (opt = longopt(tok + 2, &has_arg)) < 0) {
			snprintf(errbuf, sizeof(errbuf), "test bug: option %s", tok);
			return -2;
		}
		if (has_arg && !(val = strtok_r(NULL, " ", &save))) {
			snprintf(errbuf, sizeof(errbuf), "test bug: %s needs a value", tok);
			return -2;
		}
		ret = mapce_opts_handle(&O, opt, val, errbuf, sizeof(errbuf));
		if (ret)
			return ret < 0 ? -1 : -2;
	}
	return mapce_derive(&O, &D, errbuf, sizeof(errbuf));
}

/* run() must succeed. */
#define RUN_OK(args)                                                                        \
	do {                                                                                \
		int _r = run(args);                                                         \
		t_report(_r == 0, "run(" #args ") == 0", __FILE__, __LINE__, "%s", errbuf); \
	} while (0)

/* run() must fail with a message containing each of the strings. */
static inline void expect_fail(const char *args, const char *const *needles, int line)
{
	int r = run(args);

	t_report(r == -1, "rejected", __FILE__, line, "'%s' -> %d, msg '%s'", args, r, errbuf);
	for (; *needles; needles++)
		t_report(strstr(errbuf, *needles) != NULL, "message names the value", __FILE__,
			 line, "'%s': message '%s' lacks '%s'", args, errbuf, *needles);
}
#define FAIL(args, ...) expect_fail(args, (const char *const[]){ __VA_ARGS__, NULL }, __LINE__)

static inline const char *ntop6(const __u8 a[16])
{
	static char b[4][INET6_ADDRSTRLEN];
	static int n;

	n = (n + 1) % 4;
	inet_ntop(AF_INET6, a, b[n], sizeof(b[n]));
	return b[n];
}

static inline const char *ntop4(__be32 a)
{
	static char b[4][INET_ADDRSTRLEN];
	static int n;

	n = (n + 1) % 4;
	inet_ntop(AF_INET, &a, b[n], sizeof(b[n]));
	return b[n];
}

/* Canonical text of an IPv6 address literal (so tests may write zeros). */
static inline const char *canon6(const char *s)
{
	__u8 a[16];

	if (inet_pton(AF_INET6, s, a) != 1)
		return "(bad literal in test)";
	return ntop6(a);
}

#define CHECK_IP6(a, s) CHECK_STR(ntop6(a), canon6(s))
#define CHECK_IP4(a, s) CHECK_STR(ntop4(a), s)

static inline struct mapce_rule mkrule(const char *v6, const char *v4, int ea, int off)
{
	struct mapce_rule r = {};

	if (parse_ipv6_prefix(v6, r.ipv6_prefix, &r.ipv6_prefix_len) ||
	    parse_ipv4_prefix(v4, &r.ipv4_prefix, &r.ipv4_prefix_len))
		printf("not ok - mkrule: bad literal %s %s\n", v6, v4);
	r.ea_len = ea;
	r.psid_offset = off;
	return r;
}

static inline __be32 ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

#endif
