// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_limits.c - what a command checks before it touches anything, host
 * only, no root: the capabilities each command needs and the message
 * naming the missing ones (sys/caps.h); the kernel memory the maps take
 * against MemAvailable (sys/map_mem.h), with the kernel's own figure for
 * a hash map as the reference; the map named in libbpf's log when a map
 * cannot be created (sys/load_log.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "mapce_abi.h"
#include "sys/caps.h"
#include "sys/load_log.h"
#include "sys/map_mem.h"

static void test_caps(void)
{
	char m[256] = "untouched";

	TCASE_BEGIN("caps: up with CAP_BPF and CAP_NET_ADMIN is refused, naming CAP_PERFMON");
	CHECK_EQ(caps_missing_str("mapce up", CAPS_LOAD, CAPS_BPF | CAPS_NET_ADMIN, m, sizeof(m)),
		 1);
	CHECK_STR(m, "mapce up needs CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON: missing "
		     "CAP_PERFMON; run as root");
	TCASE_END();

	TCASE_BEGIN("caps: every capability missing is named");
	CHECK_EQ(caps_missing_str("mapce down", CAPS_NET, 0, m, sizeof(m)), 1);
	CHECK_STR(m, "mapce down needs CAP_BPF and CAP_NET_ADMIN: missing CAP_BPF and "
		     "CAP_NET_ADMIN; run as root");
	CHECK_EQ(caps_missing_str("mapce status", CAPS_MAPS, CAPS_NET_ADMIN, m, sizeof(m)), 1);
	CHECK_STR(m, "mapce status needs CAP_BPF: missing CAP_BPF; run as root");
	TCASE_END();

	TCASE_BEGIN("caps: enough is enough (the reading commands need no CAP_NET_ADMIN)");
	strcpy(m, "untouched");
	CHECK_EQ(caps_missing_str("mapce up", CAPS_LOAD, CAPS_LOAD, m, sizeof(m)), 0);
	CHECK_EQ(caps_missing_str("mapce status", CAPS_MAPS, CAPS_BPF, m, sizeof(m)), 0);
	CHECK_STR(m, "untouched");
	TCASE_END();
}

static void test_map_mem(void)
{
	char dir[] = "/tmp/test_limits.XXXXXX", path[64], s[32];
	FILE *f;

	/* bpftool map create ... type hash key 8 value 8 entries 1048576,
	 * then bpftool map show: "memlock 83887120B" (kernel 6.18, 2 CPUs) */
	TCASE_BEGIN("map_mem: a hash map costs what the kernel reports for it");
	CHECK(llabs((long long)map_mem_bytes(BPF_MAP_TYPE_HASH, 8, 8, 1048576, 2) - 83887120LL) <
		      4096,
	      "%llu", (unsigned long long)map_mem_bytes(BPF_MAP_TYPE_HASH, 8, 8, 1048576, 2));
	TCASE_END();

	/* the 4 NAT tables at the largest --max-flows: flows 16+80 bytes
	 * (16+40 before a flow half kept its next hop: 7.2 GB), bindings
	 * 8+24, twice each (a 1 M-flow CE used 466 MB of memcg, slab
	 * included, with the 40-byte flows) */
	TCASE_BEGIN("map_mem: --max-flows 16777216 needs about 8.6 GB");
	{
		__u64 n = 16777216,
		      need = 2 * map_mem_bytes(BPF_MAP_TYPE_HASH, sizeof(struct mapce_tuple),
					       sizeof(struct mapce_flow), n, 2) +
			     2 * map_mem_bytes(BPF_MAP_TYPE_HASH, sizeof(struct mapce_endpoint),
					       sizeof(struct mapce_binding), n, 2);

		CHECK(need > 8300000000ULL && need < 8900000000ULL, "%llu",
		      (unsigned long long)need);
		CHECK_STR(mem_str(need, s, sizeof(s)), "8.6 GB");
	}
	TCASE_END();

	TCASE_BEGIN("map_mem: MemAvailable from a meminfo file");
	CHECK(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/meminfo", dir);
	f = fopen(path, "w");
	CHECK(f);
	if (f) {
		fputs("MemTotal:       24683756 kB\nMemFree:  1 kB\nMemAvailable:     300000 kB\n",
		      f);
		fclose(f);
	}
	CHECK_EQ(mem_available(path), 300000ULL * 1024);
	f = fopen(path, "w");
	if (f) {
		fputs("MemTotal:       24683756 kB\n", f);
		fclose(f);
	}
	CHECK_EQ(mem_available(path), 0);
	CHECK_EQ(mem_available("/nonexistent/meminfo"), 0);
	unlink(path);
	rmdir(dir);
	TCASE_END();
}

static void test_failed_map(void)
{
	char name[64] = "";

	TCASE_BEGIN("load_log: the map libbpf failed to create, from its log");
	CHECK_EQ(load_log_find_map("libbpf: map 'mapce_flow_out': failed to create: Cannot "
				   "allocate memory(-12)\nlibbpf: failed to load object\n",
				   name, sizeof(name)),
		 0);
	CHECK_STR(name, "mapce_flow_out");
	CHECK_EQ(load_log_find_map("libbpf: map 'x': created\nprog 'y': failed to load: -13\n",
				   name, sizeof(name)),
		 -1);
	CHECK_EQ(
		load_log_find_map("map 'a_name_longer_than_the_buffer': failed to create", name, 8),
		-1);
	TCASE_END();
}

int main(void)
{
	test_caps();
	test_map_mem();
	test_failed_map();
	return t_exit();
}
