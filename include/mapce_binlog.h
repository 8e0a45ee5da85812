/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mapce_binlog.h - the binding log: one record per binding event, written
 * by the CE datapath into the pinned ring buffer mapce_binlog
 * (bpf/ce/binlog.h) and read by `mapce log` and `mapce run --binding-log`
 * (user/ce/binlog_read.c).
 *
 * What an abuse report needs to find the inside host behind an outside
 * address and port at a time (RFC 6302: the source port and an accurate
 * time with its zone): the time, the protocol, the inside, outside and
 * remote endpoints.  Fixed-width fields, explicit zeroed padding,
 * append-only like mapce_abi.h.
 */
#ifndef MAPCE_BINLOG_H
#define MAPCE_BINLOG_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* What happened to the binding (mapce_binlog_event.event). */
#define MAPCE_BINLOG_CREATED 1 /* a new mapping (or a flow's own overlap port) */
#define MAPCE_BINLOG_CLOSED 2  /* the flow saw a TCP FIN or RST (first time) */
#define MAPCE_BINLOG_EXPIRED 3 /* the expiry sweep removed the mapping */
#define MAPCE_BINLOG_REFUSED 4 /* no mapping made: port set exhausted, per-host limit */

/*
 * One event.  time_ns is CLOCK_BOOTTIME (bpf_ktime_get_boot_ns): it counts
 * suspend, so a reader converts it to UTC with one offset taken now
 * (CLOCK_REALTIME - CLOCK_BOOTTIME), whatever the box slept through.
 * Not the clock of the flow maps (CLOCK_MONOTONIC_COARSE).
 *
 * reason is an enum mapce_reason (mapce_abi.h) saying why:
 *   created  ev_binding_created, or ev_port_overlap (a flow that had to
 *            take another port than its mapping's)
 *   closed   encap (the FIN or RST came from inside), decap (from outside)
 *   expired  ev_binding_expired
 *   refused  drop_no_ports, drop_host_limit, drop_table_full
 * Addresses and ports in network order; for ICMP echo the "port" is the
 * identifier and the remote port 0.  An expired mapping has no remote
 * (0.0.0.0:0); a refused one no outside port (0).
 */
struct mapce_binlog_event {
	__u64 time_ns;	   /* CLOCK_BOOTTIME */
	__be32 inside_ip;  /* the LAN host */
	__be32 outside_ip; /* our public address */
	__be32 remote_ip;  /* the internet peer */
	__be16 inside_port;
	__be16 outside_port;
	__be16 remote_port;
	__u8 proto;   /* IPPROTO_TCP, _UDP, _ICMP */
	__u8 event;   /* MAPCE_BINLOG_* */
	__u16 reason; /* enum mapce_reason */
	__u16 _pad;
};

/* Ring buffer bytes (a power of two, a multiple of the page size): each
 * event takes MAPCE_BINLOG_RECORD_BYTES (the event and the ring's 8-byte
 * header), so ~6500 events wait for the reader; beyond that new events are
 * lost and counted (ev_binlog_lost). */
#define MAPCE_BINLOG_RING_BYTES (256 * 1024)
#define MAPCE_BINLOG_RECORD_BYTES 40

/*
 * When the reader reads.  Waking a reader for every event costs the
 * datapath an irq_work (a self-IPI: about 5 us a new flow measured in a VM,
 * six times the rest of a new flow).  So the datapath wakes the reader
 * only when the queue crosses MAPCE_BINLOG_WAKE_BYTES (a burst is read long
 * before the ring fills), and every reader also reads on its own clock,
 * every MAPCE_BINLOG_FLUSH_MS: an event waits at most that long.  The
 * records carry their own times, so the log's times do not move.
 */
#define MAPCE_BINLOG_WAKE_BYTES (MAPCE_BINLOG_RING_BYTES / 4)
#define MAPCE_BINLOG_FLUSH_MS 250

#ifndef __bpf__
_Static_assert(sizeof(struct mapce_binlog_event) == 32, "mapce_binlog_event layout");
_Static_assert(sizeof(struct mapce_binlog_event) + 8 == MAPCE_BINLOG_RECORD_BYTES,
	       "a record: the event and the ring's header (BPF_RINGBUF_HDR_SZ)");
#endif

#endif /* MAPCE_BINLOG_H */
