/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mapce_flow.h - a flow's state and idle timeout, from what each half saw.
 * Shared by the expiry sweep (BPF) and `mapce flows` (CLI) so both agree.
 */
#ifndef MAPCE_FLOW_H
#define MAPCE_FLOW_H

#include "mapce_abi.h"

enum mapce_flow_state {
	MAPCE_FS_ACTIVE = 0,	  /* UDP and ICMP: no states, just idle time */
	MAPCE_FS_TCP_SYN_SENT,	  /* SYN seen one way only: transitory */
	MAPCE_FS_TCP_ESTABLISHED, /* SYN seen both ways, no FIN/RST */
	MAPCE_FS_TCP_CLOSING,	  /* FIN or RST seen: transitory */
	MAPCE_FS__MAX
};

#ifndef __bpf__
static const char *const mapce_flow_state_names[MAPCE_FS__MAX] = {
	[MAPCE_FS_ACTIVE] = "active",
	[MAPCE_FS_TCP_SYN_SENT] = "syn_sent",
	[MAPCE_FS_TCP_ESTABLISHED] = "established",
	[MAPCE_FS_TCP_CLOSING] = "closing",
};
#endif

#ifdef __bpf__
#define MAPCE_FLOW_FN static __always_inline
#else
#define MAPCE_FLOW_FN static inline __attribute__((unused))
#endif

/* out_seen/in_seen: MAPCE_TCP_SEEN_* of each half (in_seen 0 if none). */
MAPCE_FLOW_FN int mapce_flow_state(__u8 proto, __u8 out_seen, __u8 in_seen)
{
	__u8 both = out_seen | in_seen;

	if (proto != 6 /* IPPROTO_TCP */)
		return MAPCE_FS_ACTIVE;
	if (both & (MAPCE_TCP_SEEN_FIN | MAPCE_TCP_SEEN_RST))
		return MAPCE_FS_TCP_CLOSING;
	if ((out_seen & MAPCE_TCP_SEEN_SYN) && (in_seen & MAPCE_TCP_SEEN_SYN))
		return MAPCE_FS_TCP_ESTABLISHED;
	/* A flow picked up mid-stream (after a reload) has ACKs both ways. */
	if ((out_seen & MAPCE_TCP_SEEN_ACK) && (in_seen & MAPCE_TCP_SEEN_ACK) &&
	    !(both & MAPCE_TCP_SEEN_SYN))
		return MAPCE_FS_TCP_ESTABLISHED;
	return MAPCE_FS_TCP_SYN_SENT;
}

/* Idle timeout in seconds for a flow in state st. */
MAPCE_FLOW_FN __u32 mapce_flow_timeout(const struct mapce_config *c, __u8 proto, int st)
{
	if (proto == 6)
		return st == MAPCE_FS_TCP_ESTABLISHED ? c->timeout_tcp_est : c->timeout_tcp_trans;
	if (proto == 17)
		return c->timeout_udp;
	return c->timeout_icmp;
}

#endif
