/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * test_nl_msg.h - netlink messages built by hand for the parser tests
 * (test_nl_parse.c, test_nl_monitor.c): plain structs and byte counts
 * from the uapi headers, deliberately not libmnl, so the tests don't
 * share the code under test.  Malformed messages are made by building a
 * good one and then breaking a length.
 */
#ifndef MAPCE_TEST_NL_MSG_H
#define MAPCE_TEST_NL_MSG_H

#include <string.h>
#include <linux/netlink.h>
#include <linux/types.h>

#define TMSG_MAX 2048

struct tmsg {
	union {
		struct nlmsghdr nh;
		char buf[TMSG_MAX];
	};
} __attribute__((aligned(8)));

/* A message of type with a zeroed family header of hdrlen bytes. */
static inline void *tmsg_start(struct tmsg *m, __u16 type, size_t hdrlen)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_type = type;
	m->nh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	return NLMSG_DATA(&m->nh);
}

/* Append an attribute (data may be NULL: zeroes); returns it so a test can
 * break its length or close it as a nest. */
static inline struct nlattr *tmsg_put(struct tmsg *m, __u16 type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (__u16)(NLA_HDRLEN + len);
	if (data)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static inline void tmsg_put_u32(struct tmsg *m, __u16 type, __u32 v)
{
	tmsg_put(m, type, &v, sizeof(v));
}

static inline void tmsg_put_str(struct tmsg *m, __u16 type, const char *s)
{
	tmsg_put(m, type, s, strlen(s) + 1);
}

/* Close a nest opened with tmsg_put(m, type, NULL, 0). */
static inline void tmsg_nest_end(struct tmsg *m, struct nlattr *nest)
{
	nest->nla_len = (__u16)(m->buf + m->nh.nlmsg_len - (char *)nest);
}

#endif
