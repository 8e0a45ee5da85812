// SPDX-License-Identifier: GPL-2.0-only
/*
 * deploy_upgrade.c - up of another build on a side that runs: which of
 * the attached programs differ from this build's, and their replacement
 * in place (deploy_steps.h).  The pinned maps stay as they are (their
 * layout checked by the load, layout.h); only program bytes change, each
 * hook swapped atomically by the kernel, so no packet meets a missing
 * program (passed untranslated or dropped) during the swap.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>

#include "core/output.h"
#include "sys/deploy_steps.h"

/* The tag (sha of the instructions, bpf_prog_info.tag) of the program
 * behind fd.  0, or -errno. */
static int tag_of_fd(int fd, __u8 tag[BPF_TAG_SIZE])
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	memcpy(tag, info.tag, BPF_TAG_SIZE);
	return 0;
}

static int tag_of_id(__u32 id, __u8 tag[BPF_TAG_SIZE])
{
	int fd = bpf_prog_get_fd_by_id(id), ret;

	if (fd < 0)
		return -errno;
	ret = tag_of_fd(fd, tag);
	close(fd);
	return ret;
}

int deploy_probe(struct deploy *d)
{
	const struct deploy_spec *s = d->spec;
	__u8 old[BPF_TAG_SIZE], new[BPF_TAG_SIZE];
	struct deploy_attached a;
	int ret;

	d->replace = 0;
	if (deploy_load_object(d))
		return -1;
	for (int i = 0; i < s->n_progs; i++) {
		ret = deploy_query(s, i, d->ifindex, &a);
		if (ret == -ENOENT || (!ret && !a.ours))
			continue; /* missing: check_existing's, attached as such */
		if (!ret)
			ret = tag_of_id(a.prog_id, old);
		if (ret == -EPERM) {
			/* told ours by its recorded id: its bytes cannot be
			 * read without CAP_SYS_ADMIN, so it is kept */
			pr_warn("%s: the %s program cannot be compared with this build's "
				"without CAP_SYS_ADMIN: kept as it runs",
				d->dev, deploy_hook_str(s->progs[i].hook));
			continue;
		}
		if (!ret)
			ret = tag_of_fd(deploy_prog_fd(d, i), new);
		if (ret) {
			pr_err("comparing the %s program of %s with this build's: %s",
			       deploy_hook_str(s->progs[i].hook), d->dev, deploy_strerror(ret));
			return -1;
		}
		if (memcmp(old, new, BPF_TAG_SIZE))
			d->replace |= 1u << i;
	}
	return 0;
}

int deploy_replace_xdp(struct deploy *d, int i, const struct deploy_attached *xi)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, opts);
	__u32 flags = xi->xdp_mode == XDP_ATTACHED_SKB	? XDP_FLAGS_SKB_MODE
		      : xi->xdp_mode == XDP_ATTACHED_HW ? XDP_FLAGS_HW_MODE
							: XDP_FLAGS_DRV_MODE;
	int fd = bpf_prog_get_fd_by_id(xi->prog_id), ret;

	if (fd < 0) {
		ret = -errno;
	} else {
		/* the expected old program: a program attached by someone
		 * else since the query is never replaced */
		opts.old_prog_fd = fd;
		ret = bpf_xdp_attach(d->ifindex, deploy_prog_fd(d, i), flags | XDP_FLAGS_REPLACE,
				     &opts);
		close(fd);
	}
	if (ret)
		pr_err("replacing the XDP program %u of %s: %s", xi->prog_id, d->dev,
		       deploy_strerror(ret));
	return ret ? -1 : 0;
}
