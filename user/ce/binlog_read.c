// SPDX-License-Identifier: GPL-2.0-only
/* binlog_read.c - the binding log's reader and its one printer (binlog_read.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "ce/binlog_read.h"
#include "core/addrfmt.h"
#include "core/output.h"
#include "core/policy.h"
#include "mapce_abi.h"
#include "sys/kv_file.h"
#include "sys/pin.h"

static const char *const event_names[] = {
	[MAPCE_BINLOG_CREATED] = "created",
	[MAPCE_BINLOG_CLOSED] = "closed",
	[MAPCE_BINLOG_EXPIRED] = "expired",
	[MAPCE_BINLOG_REFUSED] = "refused",
};

static int on_record(void *ctx, void *data, size_t len)
{
	struct binlog_reader *r = ctx;
	struct mapce_binlog_event e = {};

	/* a shorter record (an older build's) is zero-extended; a longer one
	 * (a newer build's) read as far as this one knows */
	memcpy(&e, data, len < sizeof(e) ? len : sizeof(e));
	r->fn(&e, r->arg);
	return 0;
}

int binlog_open(struct binlog_reader *r, const char *wan, binlog_fn fn, void *arg, char *err,
		size_t errlen)
{
	char dir[256], lock[PATH_MAX];
	pid_t holder;
	int ret;

	memset(r, 0, sizeof(*r));
	r->map_fd = -1;
	r->lock.fd = -1;
	r->fn = fn;
	r->arg = arg;
	if (pin_dir_path(dir, sizeof(dir), MAPCE_PIN_ROOT, wan) ||
	    kv_run_path(lock, sizeof(lock), "", wan, ".binlog")) {
		snprintf(err, errlen, "bad interface name '%s'", wan);
		return -1;
	}
	r->map_fd = pin_open(dir, "mapce_binlog");
	if (r->map_fd < 0) {
		ret = r->map_fd;
		r->map_fd = -1;
		if (ret == -ENOENT && pin_exists(dir, "mapce_config"))
			snprintf(err, errlen,
				 "the CE on %s runs a mapce without a binding log (no "
				 "%s/mapce_binlog): "
				 "'mapce down --wan %s' and up again with this one to have it",
				 wan, dir, wan);
		else if (ret == -ENOENT)
			snprintf(err, errlen, "not up on %s", wan);
		else
			snprintf(err, errlen, "opening %s/mapce_binlog: %s", dir, strerror(-ret));
		return -1;
	}
	ret = pidfile_acquire_at(lock, &r->lock, &holder);
	if (ret == -EBUSY) {
		snprintf(
			err, errlen,
			"the binding log of %s is being read by pid %d (%s): a ring buffer has one "
			"reader; a 'mapce run --binding-log' writes it to its file",
			wan, (int)holder, lock);
		binlog_close(r);
		return -1;
	}
	if (ret) {
		snprintf(err, errlen, "locking %s: %s", lock, strerror(-ret));
		binlog_close(r);
		return -1;
	}
	r->rb = ring_buffer__new(r->map_fd, on_record, r, NULL);
	if (!r->rb) {
		snprintf(err, errlen, "reading %s/mapce_binlog: %s", dir, strerror(errno));
		binlog_close(r);
		return -1;
	}
	return 0;
}

int binlog_fd(const struct binlog_reader *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int binlog_read(struct binlog_reader *r)
{
	return ring_buffer__consume(r->rb);
}

int binlog_wait(struct binlog_reader *r, int timeout_ms)
{
	int n = ring_buffer__poll(r->rb, timeout_ms);

	/* not woken: the datapath wakes a reader only for a burst
	 * (mapce_binlog.h), what came below it is read now */
	return n == 0 ? ring_buffer__consume(r->rb) : n;
}

void binlog_close(struct binlog_reader *r)
{
	if (r->rb)
		ring_buffer__free(r->rb);
	r->rb = NULL;
	if (r->map_fd >= 0)
		close(r->map_fd);
	r->map_fd = -1;
	pidfile_release(&r->lock);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

/* CLOCK_BOOTTIME ns (the datapath's bpf_ktime_get_boot_ns) as UTC, ISO
 * 8601 with milliseconds: the offset between the clocks taken now (both
 * count suspend, so one offset holds for any record). */
static const char *utc_str(__u64 boot_ns, char *buf, size_t len)
{
	__u64 utc = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME) + boot_ns;
	time_t s = (time_t)(utc / 1000000000ull);
	struct tm tm;
	char sec[32];

	if (!gmtime_r(&s, &tm) || !strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm))
		snprintf(sec, sizeof(sec), "%lld", (long long)s);
	snprintf(buf, len, "%s.%03uZ", sec, (unsigned)(utc % 1000000000ull / 1000000ull));
	return buf;
}

static void print_ep(const char *key, __be32 ip, __be16 port, bool none)
{
	char ep[EP4_STRLEN];

	if (none)
		out_null(key, " -");
	else
		out_str(key, " %s", ep4_str(ip, port, ep));
}

static const char *event_name(__u8 ev)
{
	if (ev < sizeof(event_names) / sizeof(event_names[0]) && event_names[ev])
		return event_names[ev];
	return "unknown"; /* a newer build's event */
}

void binlog_print(const struct mapce_binlog_event *e)
{
	const char *ev = event_name(e->event);
	char when[48];

	out_open_object(NULL);
	out_str("time", "%s", utc_str(e->time_ns, when, sizeof(when)));
	out_str("event", " %s", ev);
	out_str("proto", " %s", l4_proto_str(e->proto));
	print_ep("inside", e->inside_ip, e->inside_port, false);
	print_ep("outside", e->outside_ip, e->outside_port, e->event == MAPCE_BINLOG_REFUSED);
	print_ep("remote", e->remote_ip, e->remote_port, e->event == MAPCE_BINLOG_EXPIRED);
	out_str("reason", " %s\n", e->reason < MAPCE_R__MAX ? mapce_reason_names[e->reason] : "?");
	out_close_object();
	out_finish();
}
