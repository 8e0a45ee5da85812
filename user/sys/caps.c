// SPDX-License-Identifier: GPL-2.0-only
/* caps.c - the capabilities a command needs, checked with libcap (caps.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/capability.h>

#include "sys/caps.h"
#include "core/output.h"

#ifndef CAP_BPF
#define CAP_BPF 39 /* Linux 5.8 */
#endif
#ifndef CAP_PERFMON
#define CAP_PERFMON 38 /* Linux 5.8 */
#endif

static const struct {
	unsigned int bit;
	const char *name;
} cap_names[] = {
	{ CAPS_BPF, "CAP_BPF" },
	{ CAPS_NET_ADMIN, "CAP_NET_ADMIN" },
	{ CAPS_PERFMON, "CAP_PERFMON" },
};

#define N_CAPS (sizeof(cap_names) / sizeof(cap_names[0]))

static bool have(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	return cap_get_flag(caps, cap, CAP_EFFECTIVE, &v) == 0 && v == CAP_SET;
}

/* "A", "A and B", "A, B and C": the names of the bits of set. */
static size_t list(char *buf, size_t len, unsigned int set)
{
	size_t n = 0, k = 0, total = 0;

	for (size_t i = 0; i < N_CAPS; i++)
		total += !!(set & cap_names[i].bit);
	for (size_t i = 0; i < N_CAPS && n < len; i++) {
		if (!(set & cap_names[i].bit))
			continue;
		k++;
		n += (size_t)snprintf(buf + n, len - n, "%s%s",
				      k == 1	  ? ""
				      : k < total ? ", "
						  : " and ",
				      cap_names[i].name);
	}
	return n < len ? n : len;
}

int caps_missing_str(const char *what, unsigned int need, unsigned int have_set, char *buf,
		     size_t len)
{
	unsigned int missing = need & ~have_set;
	size_t n;

	if (!missing)
		return 0;
	n = (size_t)snprintf(buf, len, "%s needs ", what);
	if (n < len)
		n += list(buf + n, len - n, need);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, ": missing ");
	if (n < len)
		n += list(buf + n, len - n, missing);
	if (n < len)
		snprintf(buf + n, len - n, "; run as root");
	return 1;
}

int caps_check(const char *what, unsigned int need)
{
	unsigned int set = 0;
	cap_t caps = cap_get_proc();
	char m[256];
	bool sys_admin;

	if (!caps) {
		pr_err("%s: cannot read the process capabilities", what);
		return 1;
	}
	/* the kernel's bpf_capable() and perfmon_capable() take CAP_SYS_ADMIN
	 * too; nothing takes it for CAP_NET_ADMIN */
	sys_admin = have(caps, CAP_SYS_ADMIN);
	if (sys_admin || have(caps, CAP_BPF))
		set |= CAPS_BPF;
	if (sys_admin || have(caps, CAP_PERFMON))
		set |= CAPS_PERFMON;
	if (have(caps, CAP_NET_ADMIN))
		set |= CAPS_NET_ADMIN;
	cap_free(caps);
	if (!caps_missing_str(what, need, set, m, sizeof(m)))
		return 0;
	pr_err("%s", m);
	return 1;
}
