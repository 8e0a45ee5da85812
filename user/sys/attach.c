// SPDX-License-Identifier: GPL-2.0-only
/* attach.c - XDP and tc attach/detach/query by program name. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <bpf/bpf.h>

#include "sys/attach.h"
#include "sys/netlink.h"

int prog_name_by_id(__u32 id, char name[PROG_NAME_LEN])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd, ret;

	name[0] = '\0';
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (ret)
		ret = -errno;
	else
		memcpy(name, info.name, PROG_NAME_LEN);
	name[PROG_NAME_LEN - 1] = '\0';
	close(fd);
	return ret;
}

bool prog_name_is(const char *kernel_name, const char *name)
{
	return kernel_name[0] && !strncmp(kernel_name, name, PROG_NAME_LEN - 1);
}

int prog_uses_map(__u32 prog_id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 ids[64], len = sizeof(info);
	int fd, ret = 0;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return -errno;
	info.nr_map_ids = 64;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		ret = -errno;
		goto out;
	}
	for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++) {
		if (ids[i] == map_id) {
			ret = 1;
			break;
		}
	}
out:
	close(fd);
	return ret;
}

__u32 prog_id_of_fd(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

__u32 map_id_of_fd(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

/* ---- XDP ------------------------------------------------------------ */

int xdp_query(int ifindex, struct xdp_info *info)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int ret;

	memset(info, 0, sizeof(*info));
	ret = bpf_xdp_query(ifindex, 0, &q);
	if (ret)
		return ret;
	info->mode = q.attach_mode;
	/* prog_id is 0 in MULTI mode; then prefer the driver-mode program. */
	info->prog_id = q.drv_prog_id	? q.drv_prog_id
			: q.skb_prog_id ? q.skb_prog_id
					: q.hw_prog_id;
	if (info->prog_id && q.attach_mode == XDP_ATTACHED_MULTI)
		info->mode = q.drv_prog_id ? XDP_ATTACHED_DRV : XDP_ATTACHED_SKB;
	if (info->prog_id)
		prog_name_by_id(info->prog_id, info->prog_name);
	return 0;
}

int xdp_attach(int ifindex, int prog_fd, enum attach_xdp_mode mode, __u8 *attached)
{
	int ret;

	if (mode != ATTACH_XDP_GENERIC) {
		ret = bpf_xdp_attach(ifindex, prog_fd,
				     XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE, NULL);
		if (!ret) {
			*attached = XDP_ATTACHED_DRV;
			return 0;
		}
		/* An attached program is a conflict, not a reason to fall back. */
		if (mode == ATTACH_XDP_NATIVE || ret == -EBUSY || ret == -EEXIST)
			return ret;
	}
	ret = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE,
			     NULL);
	if (!ret)
		*attached = XDP_ATTACHED_SKB;
	return ret;
}

int xdp_detach_id(int ifindex, __u32 prog_id, __u8 mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = mode == XDP_ATTACHED_SKB	? XDP_FLAGS_SKB_MODE
		      : mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE
						: XDP_FLAGS_DRV_MODE;
	int fd = bpf_prog_get_fd_by_id(prog_id), ret;

	/* REPLACE with the expected old program: never detaches a program
	 * that took its place since the query.  That takes its fd, and the fd
	 * of an id takes CAP_SYS_ADMIN: without, the detach is plain (the
	 * caller holds mapce's lock, so only a foreign tool could race it). */
	if (fd < 0 && errno != EPERM)
		return -errno;
	if (fd >= 0) {
		opts.old_prog_fd = fd;
		flags |= XDP_FLAGS_REPLACE;
	}
	ret = bpf_xdp_detach(ifindex, flags, &opts);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ---- tc ------------------------------------------------------------- */

/*
 * libbpf logs the kernel's extack text at warning level for every failed
 * tc request, also for the expected ones (no filter there, clsact exists
 * already).  Those calls run with the log muted; the caller reports the
 * real errors itself.
 */
#define QUIET(expr)                                              \
	({                                                       \
		libbpf_print_fn_t _old = libbpf_set_print(NULL); \
		int _ret = (expr);                               \
		libbpf_set_print(_old);                          \
		_ret;                                            \
	})

int tc_hook_create(int ifindex, bool *created)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	int ret = QUIET(bpf_tc_hook_create(&hook));

	*created = ret == 0;
	return ret == -EEXIST ? 0 : ret;
}

int tc_hook_destroy_if_empty(int ifindex)
{
	/* INGRESS|EGRESS destroys the qdisc; one side alone would flush that
	 * side's filters, which may belong to others. */
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int in = nl_tc_filter_count(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS));
	int eg = nl_tc_filter_count(ifindex, TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS));

	if (in < 0)
		return in;
	if (eg < 0)
		return eg;
	if (in || eg)
		return -ENOTEMPTY;
	return QUIET(bpf_tc_hook_destroy(&hook));
}

int tc_attach(int ifindex, enum bpf_tc_attach_point point, int prog_fd, __u32 handle, __u32 prio,
	      bool replace)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .handle = handle, .priority = prio,
		    .flags = replace ? BPF_TC_F_REPLACE : 0);

	return bpf_tc_attach(&hook, &opts);
}

int tc_query(int ifindex, enum bpf_tc_attach_point point, __u32 handle, __u32 prio,
	     struct tc_info *info)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);
	int ret;

	memset(info, 0, sizeof(*info));
	ret = QUIET(bpf_tc_query(&hook, &opts));
	if (ret)
		return ret == -EINVAL ? -ENOENT : ret; /* no clsact: nothing there */
	info->prog_id = opts.prog_id;
	if (info->prog_id)
		prog_name_by_id(info->prog_id, info->prog_name);
	return 0;
}

int tc_detach(int ifindex, enum bpf_tc_attach_point point, __u32 handle, __u32 prio)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	/* prog_fd, prog_id and flags must be zero for a detach */
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = handle, .priority = prio);

	return bpf_tc_detach(&hook, &opts);
}
