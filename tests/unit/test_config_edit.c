// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_config_edit.c - port forwards in the config file: the portmap
 * syntax and the port-set checks (user/core/portmap.c), the in-place edits
 * `mapce portmap` makes (user/core/config_edit.c), and the record of the
 * file up used (user/sys/config_record.c).
 *
 * The port set is the lab CE's: PSID 52, offset 4, length 8, i.e. ranges
 * 4928-4943, ..., 62272-62287, 240 ports (RFC 7597 §5.1, written out in
 * docs/sources.md), never computed by the code under test.
 */
#include "config_fixture.h"

static void test_portmap_set(void)
{
	/* the lab CE: offset 4, PSID length 8, PSID 52 */
	struct mapce_config c = { .psid = 52, .psid_len = 8, .psid_offset = 4, .port_count = 240 };
	struct portmap pm;
	char s[PORTMAP_STRLEN];

	inet_pton(AF_INET, "198.51.100.18", &c.ipv4);
	TCASE_BEGIN("portmap: parse, format and the port set");
	CHECK(portmap_parse("tcp", "4928-4943", "192.168.1.10:8000", &pm, errbuf, sizeof(errbuf)) ==
		      0,
	      "%s", errbuf);
	CHECK_STR(portmap_format(&pm, s, sizeof(s)), "tcp 4928-4943 192.168.1.10:8000");
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK(portmap_parse("UDP", "62287", "10.1.2.3", &pm, errbuf, sizeof(errbuf)) == 0);
	CHECK_STR(portmap_format(&pm, s, sizeof(s)), "udp 62287 10.1.2.3:62287");
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	/* one port past a range */
	CHECK(portmap_parse("tcp", "4940-4944", "192.168.1.10", &pm, errbuf, sizeof(errbuf)) == 0);
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "tcp 4940-4944 192.168.1.10:4940: port 4944 is not in this CE's "
			     "port set (240 ports: 4928-4943, 9024-9039, 13120-13135, "
			     "17216-17231, 21312-21327, 25408-25423, 29504-29519, 33600-33615, "
			     "37696-37711, 41792-41807, 45888-45903, 49984-49999, 54080-54095, "
			     "58176-58191, 62272-62287)"),
	      "%s", errbuf);
	CHECK(portmap_parse("tcp", "80", "192.168.1.10", &pm, errbuf, sizeof(errbuf)) == 0);
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == -1 &&
		      strstr(errbuf, "port 80 is not in"),
	      "%s", errbuf);
	/* the CE's own public address is no inside host */
	CHECK(portmap_parse("tcp", "4928", "198.51.100.18", &pm, errbuf, sizeof(errbuf)) == 0);
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == -1 &&
		      strstr(errbuf, "198.51.100.18 is the CE's public address"),
	      "%s", errbuf);
	/* no sharing (k = 0): every port but 0 */
	c.psid_len = 0;
	c.psid = 0;
	c.port_count = 65535;
	CHECK(portmap_parse("tcp", "22", "192.168.1.10", &pm, errbuf, sizeof(errbuf)) == 0);
	CHECK(portmap_check(&c, &pm, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_STR(portmap_set_ranges(&c, s, sizeof(s)), "1-65535");
	/* overlap rules */
	{
		struct portmap a, b;

		portmap_parse("tcp", "100-110", "10.0.0.1:200", &a, NULL, 0);
		portmap_parse("tcp", "110-120", "10.0.0.2", &b, NULL, 0);
		CHECK(portmap_outside_overlap(&a, &b) && !portmap_inside_overlap(&a, &b));
		portmap_parse("udp", "110-120", "10.0.0.2", &b, NULL, 0);
		CHECK(!portmap_outside_overlap(&a, &b));
		portmap_parse("tcp", "300", "10.0.0.1:210", &b, NULL, 0);
		CHECK(!portmap_outside_overlap(&a, &b) && portmap_inside_overlap(&a, &b));
		portmap_parse("tcp", "300", "10.0.0.1:211", &b, NULL, 0);
		CHECK(!portmap_inside_overlap(&a, &b));
	}
	TCASE_END();
}

static void test_edits(void)
{
	struct portmap pm, range;
	int dropped = -1;
	struct stat st;

	TCASE_BEGIN("config: portmap add/del edit the file in place");
	put("# keep me\nwan wan0\nportmap tcp 4928 192.168.1.10\nmtu 1400"); /* no final \n */
	chmod(path, 0640);
	portmap_parse("udp", "4929-4930", "192.168.1.20:7000", &pm, NULL, 0);
	CHECK(config_file_add_portmap(path, &pm, errbuf, sizeof(errbuf)) == 0, "%s", errbuf);
	CHECK_STR(slurp(), "# keep me\nwan wan0\nportmap tcp 4928 192.168.1.10\nmtu 1400\n"
			   "portmap udp 4929-4930 192.168.1.20:7000\n");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "mode %o", st.st_mode & 0777);
	/* the result parses, the forward included */
	CHECK(config_file_parse(path, &S, errbuf, sizeof(errbuf)) == 0 && S.n_portmaps == 2 &&
		      S.portmaps[1].line == 5,
	      "%s", errbuf);
	/* an overlapping forward is refused, the file untouched */
	portmap_parse("tcp", "4928", "192.168.1.99", &pm, NULL, 0);
	CHECK(config_file_add_portmap(path, &pm, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(errbuf, "tcp 4928 192.168.1.99:4928 overlaps the portmap on") &&
		      strstr(errbuf, ":3 (tcp 4928 192.168.1.10:4928)"),
	      "%s", errbuf);
	CHECK(strstr(slurp(), "192.168.1.99") == NULL);
	/* del: the lines within the range go, the rest stays as written */
	portmap_parse_ports("udp", "4900-5000", &range, NULL, 0);
	CHECK(config_file_del_portmaps(path, &range, &dropped, errbuf, sizeof(errbuf)) == 0, "%s",
	      errbuf);
	CHECK_EQ(dropped, 1);
	CHECK_STR(slurp(), "# keep me\nwan wan0\nportmap tcp 4928 192.168.1.10\nmtu 1400\n");
	portmap_parse_ports("tcp", "4929", &range, NULL, 0);
	CHECK(config_file_del_portmaps(path, &range, &dropped, errbuf, sizeof(errbuf)) == 0);
	CHECK_EQ(dropped, 0);
	/* a broken file is not touched */
	put("mtu 1400\nportmap tcp 4928 192.168.1.10\nmtu oops\n");
	portmap_parse_ports("tcp", "4928", &range, NULL, 0);
	CHECK(config_file_del_portmaps(path, &range, &dropped, errbuf, sizeof(errbuf)) == -1);
	CHECK(err_at(3, "mtu given twice"), "%s", errbuf);
	CHECK(strstr(slurp(), "portmap tcp 4928") != NULL);
	portmap_parse("tcp", "4929", "192.168.1.11", &pm, NULL, 0);
	CHECK(config_file_add_portmap(path, &pm, errbuf, sizeof(errbuf)) == -1);
	CHECK(strstr(slurp(), "4929") == NULL);
	TCASE_END();
}

static void test_paths(void)
{
	char buf[PATH_MAX], wan[IF_NAMESIZE];

	TCASE_BEGIN("config: default path and the record of the file up used");
	unsetenv(MAPCE_CONF_DIR_ENV);
	CHECK(config_default_path("eth1", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/etc/mapce/eth1.conf");
	setenv(MAPCE_CONF_DIR_ENV, "/tmp/x", 1);
	CHECK(config_default_path("eth1", buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/tmp/x/eth1.conf");
	unsetenv(MAPCE_CONF_DIR_ENV);
	TCASE_END();

	if (access(MAPCE_RUN_DIR, W_OK) && geteuid() != 0) {
		TSKIP("config: record of the config file", "needs root (writes " MAPCE_RUN_DIR ")");
		return;
	}
	TCASE_BEGIN("config: record of the config file");
	snprintf(wan, sizeof(wan), "tcf%d", (int)getpid() % 100000);
	config_path_forget(wan);
	CHECK(config_path_lookup(wan, buf, sizeof(buf)) == -ENOENT);
	CHECK(config_path_record(wan, "/etc/mapce/some file.conf") == 0);
	CHECK(config_path_lookup(wan, buf, sizeof(buf)) == 0);
	CHECK_STR(buf, "/etc/mapce/some file.conf");
	CHECK(config_path_record(wan, "") == 0); /* up without a file */
	CHECK(config_path_lookup(wan, buf, sizeof(buf)) == -ENOENT);
	CHECK(config_path_forget(wan) == -ENOENT);
	TCASE_END();
}

int main(void)
{
	if (config_fixture_begin())
		return 1;
	test_portmap_set();
	test_edits();
	test_paths();
	return config_fixture_end();
}
