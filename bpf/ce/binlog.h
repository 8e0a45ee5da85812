/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * binlog.h - the binding log: one struct mapce_binlog_event
 * (include/mapce_binlog.h) into the ring buffer mapce_binlog per binding
 * event, for `mapce log` and `mapce run --binding-log`.
 *
 * Cost: a reserve, a query and a submit, only where a binding is made,
 * refused, closed (the first FIN or RST a flow half sees) or expired -
 * never on an established packet.  The reader is not woken by each event
 * (binlog_wake_flags).  Never blocks: a full ring (no reader, or a reader
 * too slow) makes the reserve fail, and the event is counted as
 * ev_binlog_lost instead.
 */
#ifndef MAPCE_BPF_CE_BINLOG_H
#define MAPCE_BPF_CE_BINLOG_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "mapce_binlog.h"
#include "lib/parse.h"
#include "lib/stats.h"
#include "maps.h"

/* The endpoints of one event, network order (remote 0:0 when none). */
struct binlog_ends {
	__be32 in_ip, out_ip, rem_ip;
	__be16 in_port, out_port, rem_port;
	__u8 proto;
};

/*
 * The submit's flags for an event just reserved: wake the reader only when
 * this event took the queue over MAPCE_BINLOG_WAKE_BYTES, else never (a
 * wakeup is a self-IPI; the reader reads on its own clock too: why and
 * how often, mapce_binlog.h).  Once per crossing: with nobody reading, the
 * ring fills with one wakeup, not one an event.  Two CPUs reserving at
 * once may both miss the crossing: the reader's clock still comes.
 */
static __always_inline __u64 binlog_wake_flags(void)
{
	__u64 queued = bpf_ringbuf_query(&mapce_binlog, BPF_RB_AVAIL_DATA);

	if (queued >= MAPCE_BINLOG_WAKE_BYTES &&
	    queued < MAPCE_BINLOG_WAKE_BYTES + MAPCE_BINLOG_RECORD_BYTES)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void binlog_emit(const struct binlog_ends *e, __u8 event, __u32 reason)
{
	struct mapce_binlog_event *ev;

	ev = bpf_ringbuf_reserve(&mapce_binlog, sizeof(*ev), 0);
	if (!ev) {
		stats_count(&mapce_stats, MAPCE_R_EV_BINLOG_LOST, 0);
		return;
	}
	/* BOOTTIME: counts suspend, so userspace needs one offset to UTC */
	ev->time_ns = bpf_ktime_get_boot_ns();
	ev->inside_ip = e->in_ip;
	ev->outside_ip = e->out_ip;
	ev->remote_ip = e->rem_ip;
	ev->inside_port = e->in_port;
	ev->outside_port = e->out_port;
	ev->remote_port = e->rem_port;
	ev->proto = e->proto;
	ev->event = event;
	ev->reason = (__u16)reason;
	ev->_pad = 0; /* reserved memory is not zeroed */
	bpf_ringbuf_submit(ev, binlog_wake_flags());
}

/* A flow of inside ko (its remote in ko too) on outside ip:port: made
 * (created), refused (port 0) with its reason. */
static __always_inline void binlog_flow(const struct mapce_tuple *ko, __be32 out_ip,
					__be16 out_port, __u8 event, __u32 reason)
{
	struct binlog_ends e = {
		.in_ip = ko->local_ip,
		.in_port = ko->local_port,
		.out_ip = out_ip,
		.out_port = out_port,
		.rem_ip = ko->remote_ip,
		.rem_port = ko->remote_port,
		.proto = ko->proto,
	};

	binlog_emit(&e, event, reason);
}

/* TCP packet v of a flow closed (its first FIN or RST in this direction):
 * leaving (in = 0: f is the outbound half, its outside ip:port) or coming
 * in (in = 1: f is the inbound half, its inside ip:port).  The reason
 * says the direction: encap (from inside) or decap (from outside). */
static __always_inline void binlog_closed(const struct v4_info *v, const struct mapce_flow *f,
					  int in)
{
	struct binlog_ends e = {
		.in_ip = in ? f->ip : v->saddr,
		.in_port = in ? f->port : v->sport,
		.out_ip = in ? v->daddr : f->ip,
		.out_port = in ? v->dport : f->port,
		.rem_ip = in ? v->saddr : v->daddr,
		.rem_port = in ? v->sport : v->dport,
		.proto = v->proto,
	};

	binlog_emit(&e, MAPCE_BINLOG_CLOSED, in ? MAPCE_R_DECAP : MAPCE_R_ENCAP);
}

/* Mapping in -> b removed by the expiry sweep (no remote: it had none
 * left). */
static __always_inline void binlog_expired(const struct mapce_endpoint *in,
					   const struct mapce_binding *b)
{
	struct binlog_ends e = {
		.in_ip = in->ip,
		.in_port = in->port,
		.out_ip = b->ip,
		.out_port = b->port,
		.proto = in->proto,
	};

	binlog_emit(&e, MAPCE_BINLOG_EXPIRED, MAPCE_R_EV_BINDING_EXPIRED);
}

#endif
