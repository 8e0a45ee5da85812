// SPDX-License-Identifier: GPL-2.0-only
/* caps.c - capability check with libcap. */
#include <stdbool.h>
#include <sys/capability.h>

#include "sys/caps.h"
#include "core/output.h"

#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif

static bool have(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

int caps_check(const char *what)
{
	bool sys_admin, bpf, net_admin;
	cap_t caps = cap_get_proc();

	if (!caps) {
		pr_err("%s: cannot read the process capabilities", what);
		return 1;
	}
	sys_admin = have(caps, CAP_SYS_ADMIN);
	bpf = have(caps, CAP_BPF);
	net_admin = have(caps, CAP_NET_ADMIN);
	cap_free(caps);
	if (sys_admin || (bpf && net_admin))
		return 0;
	pr_err("%s needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN): missing %s%s%s; run as root",
	       what, bpf ? "" : "CAP_BPF", !bpf && !net_admin ? " and " : "",
	       net_admin ? "" : "CAP_NET_ADMIN");
	return 1;
}
