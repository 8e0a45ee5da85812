/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * attach.h - attach BPF programs to a device the persistent way (netlink
 * XDP attach and a tc clsact filter: both stay after the CLI exits), and
 * find or detach them again (deploy.h tells which are whose: by name, or
 * by the ids up recorded).  Used by `mapce up/down/
 * status` and `mapce br up/down/status`.
 *
 * Program identity: the kernel keeps the first 15 characters of a
 * program's name (BPF_OBJ_NAME_LEN - 1); "by name" below compares those.
 * All functions return 0 on success or -errno (libbpf style: print with
 * libbpf_strerror()).
 */
#ifndef MAPCE_ATTACH_H
#define MAPCE_ATTACH_H

#include <stdbool.h>
#include <linux/types.h>
#include <bpf/libbpf.h>
#include "core/xdp_mode.h"

#define PROG_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

/* Kernel name of program id (at most 15 characters). */
int prog_name_by_id(__u32 id, char name[PROG_NAME_LEN]);
/* Does a kernel program name stand for the (possibly longer) name? */
bool prog_name_is(const char *kernel_name, const char *name);
/* Does program prog_id use map map_id?  1 yes, 0 no, -errno. */
int prog_uses_map(__u32 prog_id, __u32 map_id);
/* Id of the program behind fd, 0 on error. */
__u32 prog_id_of_fd(int fd);
/* Id of the map behind fd, 0 on error. */
__u32 map_id_of_fd(int fd);

/* ---- XDP ------------------------------------------------------------ */

struct xdp_info {
	__u32 prog_id;		       /* 0: nothing attached */
	__u8 mode;		       /* XDP_ATTACHED_* */
	char prog_name[PROG_NAME_LEN]; /* kernel name, "" when none */
};

/* What is attached to ifindex (native or generic; offload is reported as
 * mode XDP_ATTACHED_HW with its id). */
int xdp_query(int ifindex, struct xdp_info *info);
/* Attach prog_fd with XDP_FLAGS_UPDATE_IF_NOEXIST: never replaces a
 * program (-EBUSY or -EEXIST when one is attached; query first to name
 * it).  AUTO tries native, then generic.  *attached gets XDP_ATTACHED_DRV
 * or XDP_ATTACHED_SKB. */
int xdp_attach(int ifindex, int prog_fd, enum attach_xdp_mode mode, __u8 *attached);
/* Detach prog_id, attached in mode (XDP_ATTACHED_*), atomically when
 * the process may open the program by id (CAP_SYS_ADMIN); the caller
 * told it is its program (deploy_query). */
int xdp_detach_id(int ifindex, __u32 prog_id, __u8 mode);

/* ---- tc (clsact) ---------------------------------------------------- */

/* Create the clsact qdisc.  *created is false when it already existed
 * (not ours: never destroy it then). */
int tc_hook_create(int ifindex, bool *created);
/* Destroy clsact only if neither ingress nor egress has a filter left.
 * -ENOTEMPTY when filters remain, -ENOENT/-EINVAL when there is none. */
int tc_hook_destroy_if_empty(int ifindex);

struct tc_info {
	__u32 prog_id; /* 0: no filter at handle/priority */
	char prog_name[PROG_NAME_LEN];
};

/* Attach prog_fd as a direct-action bpf filter at (handle, prio).  With
 * replace, an existing filter at the same handle/prio is replaced;
 * without, -EEXIST. */
int tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd, __u32 handle, __u32 prio,
	      bool replace);
/* The filter at (handle, prio): -ENOENT when none. */
int tc_query(int ifindex, enum bpf_tc_attach_point point, __u32 handle, __u32 prio,
	     struct tc_info *info);
/* Detach the filter at (handle, prio); the caller told it is its own
 * (deploy_query).  -ENOENT none there. */
int tc_detach(int ifindex, enum bpf_tc_attach_point point, __u32 handle, __u32 prio);

#endif
