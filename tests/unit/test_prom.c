// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_prom.c - the Prometheus text exposition writer (user/core/prom.c):
 * the expected text is written out by hand from the format's description
 * (HELP/TYPE lines, label sets, the escapes of label values and HELP
 * text), never produced by the code under test.  promtool checks whole
 * files in tests/lab/test_lab_watch.sh.
 */
#include <stdlib.h>

#include "harness.h"
#include "core/prom.h"

/* What fn writes, as a string (the caller frees it). */
static char *capture(void (*fn)(FILE *f))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fn(f);
	fclose(f);
	return buf;
}

static void w_family(FILE *f)
{
	prom_family(f, "mapce_packets_total", "counter", "Packets counted under each reason.");
}

static void w_plain(FILE *f)
{
	prom_sample(f, "mapce_tunnel_path_mtu_bytes", NULL, 0, 1400);
}

static void w_labels(FILE *f)
{
	const struct prom_label l[] = { { "wan", "wan0" }, { "reason", "encap" } };

	prom_sample(f, "mapce_packets_total", l, 2, 18446744073709551615ull);
}

static void w_escaped(FILE *f)
{
	const struct prom_label l[] = { { "wan", "a\"b\\c\nd" } };

	prom_sample(f, "m", l, 1, 0);
}

static void w_help_escaped(FILE *f)
{
	prom_family(f, "m", "gauge", "back\\slash \"quoted\"\nsecond line");
}

static void check_text(const char *name, void (*fn)(FILE *f), const char *want)
{
	char *got = capture(fn);

	TCASE_BEGIN(name);
	CHECK_STR(got, want);
	TCASE_END();
	free(got);
}

static void test_names(void)
{
	TCASE_BEGIN("names: metric and label names as the format allows them");
	CHECK(prom_name_ok("mapce_packets_total", true));
	CHECK(prom_name_ok("_x9", false));
	CHECK(prom_name_ok("a:b", true));
	CHECK(!prom_name_ok("a:b", false)); /* colons: metric names only */
	CHECK(!prom_name_ok("9x", true));
	CHECK(!prom_name_ok("", true));
	CHECK(!prom_name_ok("a-b", false));
	CHECK(!prom_name_ok(NULL, false));
	TCASE_END();
}

int main(void)
{
	check_text("family: HELP then TYPE", w_family,
		   "# HELP mapce_packets_total Packets counted under each reason.\n"
		   "# TYPE mapce_packets_total counter\n");
	check_text("sample without labels", w_plain, "mapce_tunnel_path_mtu_bytes 1400\n");
	check_text("sample with labels, a 64-bit value", w_labels,
		   "mapce_packets_total{wan=\"wan0\",reason=\"encap\"} 18446744073709551615\n");
	check_text("label value: quote, backslash, newline escaped", w_escaped,
		   "m{wan=\"a\\\"b\\\\c\\nd\"} 0\n");
	check_text("HELP: backslash and newline escaped, quotes kept", w_help_escaped,
		   "# HELP m back\\\\slash \"quoted\"\\nsecond line\n# TYPE m gauge\n");
	test_names();
	return t_exit();
}
