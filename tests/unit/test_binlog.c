// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_binlog.c - the binding log's printer (user/ce/binlog_read.c): one
 * record as the text line and as the JSON line `mapce log` prints, every
 * field written out by hand here; the time a CLOCK_BOOTTIME stamp turned
 * to UTC (checked against the wall clock, to the second).  The records
 * the datapath writes are checked in tests/bpf/test_ce_binlog.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <time.h>

#include "harness.h"
#include "ce/binlog_read.h"
#include "core/output.h"
#include "mapce_abi.h"

/* binlog_print(e) in JSON or text mode, as a string (the caller frees). */
static char *printed(const struct mapce_binlog_event *e, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len), *prev;

	if (!f)
		return NULL;
	out_init(json, false);
	prev = out_stream(f);
	binlog_print(e);
	out_stream(prev);
	fclose(f);
	out_init(false, false);
	return buf;
}

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* The UTC second of now - ago_s, as binlog_print writes it (without the
 * milliseconds). */
static void utc_second(time_t ago_s, char *buf, size_t len)
{
	time_t t = time(NULL) - ago_s;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

static struct mapce_binlog_event ev(__u8 event, __u16 reason)
{
	struct mapce_binlog_event e = {
		.inside_ip = htonl(0xc000020a),	 /* 192.0.2.10 */
		.outside_ip = htonl(0xc6336412), /* 198.51.100.18 */
		.remote_ip = htonl(0xcb00710a),	 /* 203.0.113.10 */
		.inside_port = htons(40123),
		.outside_port = htons(4921),
		.remote_port = htons(8080),
		.proto = 6,
		.event = event,
		.reason = reason,
	};

	e.time_ns = boot_ns() - 10ull * 1000000000ull; /* 10 s ago */
	return e;
}

/* s starts with the UTC time of 10 s ago (the second, or the one after
 * when the clock turned meanwhile), then ".mmmZ", then rest. */
static void check_line(const char *s, const char *rest, const char *prefix)
{
	char a[32], b[32];
	size_t pl = strlen(prefix), n;

	utc_second(10, a, sizeof(a));
	utc_second(9, b, sizeof(b));
	n = strlen(a);
	CHECK(s && !strncmp(s, prefix, pl), "prefix: %s", s ? s : "(null)");
	if (!s || strlen(s) < pl + n + 5)
		return;
	CHECK(!strncmp(s + pl, a, n) || !strncmp(s + pl, b, n), "time %.24s, want %s", s + pl, a);
	CHECK(s[pl + n] == '.' && s[pl + n + 4] == 'Z', "milliseconds: %.6s", s + pl + n);
	CHECK_STR(s + pl + n + 5, rest);
}

/* e printed (JSON or text) is prefix, the time of 10 s ago, rest. */
static void expect_printed(const struct mapce_binlog_event *e, bool json, const char *prefix,
			   const char *rest)
{
	char *s = printed(e, json);

	check_line(s, rest, prefix);
	free(s);
}

static void t_text(void)
{
	struct mapce_binlog_event e = ev(MAPCE_BINLOG_CREATED, MAPCE_R_EV_BINDING_CREATED);

	TCASE_BEGIN("binlog_text_line_fields");
	expect_printed(&e, false, "",
		       " created tcp 192.0.2.10:40123 198.51.100.18:4921 203.0.113.10:8080 "
		       "ev_binding_created\n");
	/* refused: no outside port; expired: no remote */
	e = ev(MAPCE_BINLOG_REFUSED, MAPCE_R_DROP_HOST_LIMIT);
	e.proto = 17;
	e.outside_port = 0;
	expect_printed(&e, false, "",
		       " refused udp 192.0.2.10:40123 - 203.0.113.10:8080 drop_host_limit\n");
	e = ev(MAPCE_BINLOG_EXPIRED, MAPCE_R_EV_BINDING_EXPIRED);
	e.proto = 1;
	expect_printed(&e, false, "",
		       " expired icmp 192.0.2.10:40123 198.51.100.18:4921 - ev_binding_expired\n");
	TCASE_END();
}

static void t_json(void)
{
	struct mapce_binlog_event e = ev(MAPCE_BINLOG_CLOSED, MAPCE_R_DECAP);
	char *s;

	TCASE_BEGIN("binlog_json_line_fields");
	expect_printed(&e, true, "{\"time\":\"",
		       "\",\"event\":\"closed\",\"proto\":\"tcp\",\"inside\":\"192.0.2.10:40123\","
		       "\"outside\":\"198.51.100.18:4921\",\"remote\":\"203.0.113.10:8080\","
		       "\"reason\":\"decap\"}\n");
	e = ev(MAPCE_BINLOG_EXPIRED, MAPCE_R_EV_BINDING_EXPIRED);
	s = printed(&e, true);
	CHECK(s && strstr(s, "\"remote\":null,"), "expired: %s", s ? s : "(null)");
	free(s);
	/* an event a newer build adds */
	e.event = 99;
	s = printed(&e, true);
	CHECK(s && strstr(s, "\"event\":\"unknown\""), "unknown event: %s", s ? s : "(null)");
	free(s);
	TCASE_END();
}

int main(void)
{
	t_text();
	t_json();
	return t_exit();
}
