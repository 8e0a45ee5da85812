/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl_msg.h - building an rtnetlink request and talking to the kernel:
 * shared by netlink.c (links, addresses, tc) and nl_route.c (routes).
 * Not for other files; everyone else uses netlink.h.
 */
#ifndef MAPCE_NL_MSG_H
#define MAPCE_NL_MSG_H

#include <stddef.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#define NL_MSG_MAX 1024 /* our requests are a few attributes long */

/* A request under construction. */
struct nl_msg {
	union {
		struct nlmsghdr nh;
		char buf[NL_MSG_MAX];
	};
};

/* Start a request of type with flags (NLM_F_REQUEST added) and a zeroed
 * family header of hdrlen bytes; returns that header. */
void *nl_msg_init(struct nl_msg *m, __u16 type, __u16 flags, size_t hdrlen);
/* Append an attribute; our requests are far below NL_MSG_MAX, so running
 * out of room is a programming error reported as -EMSGSIZE by nl_talk. */
struct rtattr *nl_attr_put(struct nl_msg *m, __u16 type, const void *data, size_t len);
void nl_attr_put_u32(struct nl_msg *m, __u16 type, __u32 v);
/* Close a nest opened with nl_attr_put(m, type, NULL, 0). */
void nl_nest_end(struct nl_msg *m, struct rtattr *nest);

typedef int (*nl_cb)(const struct nlmsghdr *nh, void *arg);
/* Send m and feed every answer to cb (may be NULL).  Dumps end at
 * NLMSG_DONE, other requests (sent with NLM_F_ACK) at the ack.  0, the
 * first non-zero cb return, or -errno (nl_errmsg() has the extended ack). */
int nl_talk(struct nl_msg *m, nl_cb cb, void *arg);

#endif
