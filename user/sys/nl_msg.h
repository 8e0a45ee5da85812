/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * nl_msg.h - building an rtnetlink request (libmnl) and the exchange with
 * the kernel: shared by netlink.c (links, addresses, tc) and nl_route.c
 * (routes).  Not for other files; everyone else uses netlink.h.
 */
#ifndef MAPCE_NL_MSG_H
#define MAPCE_NL_MSG_H

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

/* Room for one request.  Ours are a family header and a few attributes:
 * the largest, a route with RTA_VIA and metrics, is about 110 bytes, so
 * the unchecked mnl_attr_put* calls can't run past it. */
#define NL_MSG_MAX 1024

struct nl_req {
	union {
		struct nlmsghdr nh; /* aligns the buffer for the header */
		char buf[NL_MSG_MAX];
	};
};

/* Start a request of type with flags (NLM_F_REQUEST added) and a zeroed
 * family header of hdrlen bytes; returns that header.  Add attributes to
 * &req->nh with mnl_attr_put*. */
static inline void *nl_req_start(struct nl_req *req, __u16 type, __u16 flags, size_t hdrlen)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(req->buf);

	nh->nlmsg_type = type;
	nh->nlmsg_flags = NLM_F_REQUEST | flags;
	return mnl_nlmsg_put_extra_header(nh, hdrlen);
}

/* Fail a libmnl callback with -err (libmnl passes errors in errno). */
static inline int nl_cb_error(int err)
{
	errno = -err;
	return MNL_CB_ERROR;
}

/* Send the request and feed every data message of the answer to cb (may
 * be NULL; a libmnl callback: MNL_CB_OK to go on, MNL_CB_ERROR with errno
 * set to fail).  Dumps end at NLMSG_DONE, other requests (sent with
 * NLM_F_ACK) at the ack.  0 or -errno (nl_errmsg() has the extended ack). */
int nl_talk(struct nl_req *req, mnl_cb_t cb, void *arg);

#endif
