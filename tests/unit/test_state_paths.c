// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_state_paths.c - the names of mapce's files (user/sys/scope.c,
 * kv_file.c, state_file.c): device names that are not one are refused,
 * the CE's and the BR's state files never share a name, and a BR's state
 * file of the old name ("br-DEV.state") is still read and removed, a CE's
 * of that name never.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "../harness.h"
#include "core/policy.h"
#include "sys/kv_file.h"
#include "sys/state_file.h"

static void test_names(void)
{
	char a[PATH_MAX], b[PATH_MAX];

	TCASE_BEGIN("paths: not a device name is refused");
	CHECK(kv_run_path(a, sizeof(a), "", "..", ".state") == -EINVAL);
	CHECK(kv_run_path(a, sizeof(a), "", "a/b", ".state") == -EINVAL);
	CHECK(kv_run_path(a, sizeof(a), "", "net:1", ".state") == -EINVAL);
	CHECK(kv_run_path(a, sizeof(a), "", "", ".state") == -EINVAL);
	TCASE_END();

	TCASE_BEGIN("paths: a CE on br-X and a BR on X have two state files");
	CHECK(kv_run_path(a, sizeof(a), "", "br-x0", ".state") == 0);
	CHECK(kv_run_path(b, sizeof(b), MAPCE_BR_STATE_PREFIX, "x0", ".state") == 0);
	CHECK(strcmp(a, b) != 0, "%s", a);
	TCASE_END();
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static void test_legacy(void)
{
	char dev[IF_NAMESIZE], ce[IF_NAMESIZE], path[PATH_MAX], cepath[PATH_MAX];
	struct up_state st;

	if (geteuid() != 0 || run_dir_ensure(true)) {
		TSKIP("paths: a BR's state file of the old name",
		      "needs root (writes " MAPCE_RUN_DIR ")");
		return;
	}
	TCASE_BEGIN("paths: a BR's state file of the old name");
	snprintf(dev, sizeof(dev), "tsp%d", (int)getpid() % 100000);
	snprintf(ce, sizeof(ce), "tsq%d", (int)getpid() % 100000);
	CHECK(kv_run_path(path, sizeof(path), "br-", dev, ".state") == 0);
	CHECK(kv_run_path(cepath, sizeof(cepath), "br-", ce, ".state") == 0);
	CHECK(write_file(path, "# mapce br up: what it created on x\nifindex=7\n") == 0);
	CHECK(write_file(cepath, "# mapce up: what it created on br-x\nifindex=9\n") == 0);
	CHECK(state_load(MAPCE_BR_STATE_PREFIX, dev, &st) == 0);
	CHECK_EQ(st.ifindex, 7);
	/* a CE's file of that name is not the BR's */
	CHECK(state_load(MAPCE_BR_STATE_PREFIX, ce, &st) == -ENOENT);
	CHECK(state_remove(MAPCE_BR_STATE_PREFIX, dev) == 0);
	CHECK(access(path, F_OK) != 0, "%s still there", path);
	CHECK(state_remove(MAPCE_BR_STATE_PREFIX, ce) == -ENOENT);
	CHECK(access(cepath, F_OK) == 0, "%s (a CE's) removed", cepath);
	unlink(cepath);
	TCASE_END();
}

int main(void)
{
	test_names();
	test_legacy();
	return t_exit();
}
