// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_aftr_name.c - the AFTR's name (user/ce/aftr_name.h): the record
 * `mapce run` keeps of it read back as `mapce status` reads it: every key,
 * a key of a later version ignored, comments skipped, a value too long
 * cut, not overflowing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ce/aftr_name.h"
#include "core/mode.h"

static void test_record(void)
{
	char path[] = "/tmp/test_aftr_name.XXXXXX", longv[1200];
	struct aftr_record r;
	FILE *f;
	int fd = mkstemp(path);

	TCASE_BEGIN("aftr_record_read");
	CHECK(fd >= 0);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	CHECK(f != NULL);
	if (f) {
		memset(longv, 'x', sizeof(longv) - 1);
		longv[sizeof(longv) - 1] = '\0';
		fprintf(f, "# a comment\nname=aftr.example.net\naddr=2001:db8:ffff::65\n"
			   "ttl=30\nresolved=1700000000\nlast_try=1700000100\n"
			   "next_try=1700000105\nfailures=2\nfuture_key=1\n"
			   "error=AAAA aftr.example.net: SERVFAIL from 2001:db8::53\n");
		fclose(f);
		CHECK_EQ(aftr_record_read(path, &r), 0);
		CHECK_STR(r.name, "aftr.example.net");
		CHECK_STR(r.addr, "2001:db8:ffff::65");
		CHECK_EQ(r.ttl, 30);
		CHECK_EQ(r.resolved, 1700000000LL);
		CHECK_EQ(r.last_try, 1700000100LL);
		CHECK_EQ(r.next_try, 1700000105LL);
		CHECK_EQ(r.failures, 2);
		CHECK_STR(r.error, "AAAA aftr.example.net: SERVFAIL from 2001:db8::53");
		f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fprintf(f, "error=%s\naddr=%s\n", longv, longv);
			fclose(f);
			CHECK_EQ(aftr_record_read(path, &r), 0);
			CHECK_EQ(strlen(r.error), sizeof(r.error) - 1);
			CHECK_EQ(strlen(r.addr), sizeof(r.addr) - 1);
			CHECK_EQ(r.ttl, 0);
		}
	}
	if (fd >= 0)
		unlink(path);
	CHECK(aftr_record_read("/nonexistent/aftr", &r) < 0, "no record");
	TCASE_END();
}

int main(void)
{
	test_record();
	return t_exit();
}
