// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_resolve_follow.c - the schedule of a followed name
 * (user/sys/resolve_follow.h): the TTL clamped, the backoff after
 * failures doubling to its ceiling, the last good address kept, a change
 * reported once, a WAN prefix change asking at once.
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"
#include "sys/resolve_follow.h"

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

static void test_ttl(void)
{
	struct resolve_follow f = { 0 };
	struct in6_addr a = a6("2001:db8::1"), b = a6("2001:db8::2");

	TCASE_BEGIN("follow_ttl");
	CHECK(resolve_follow_due(&f, 0), "a new name is due at once");
	CHECK(resolve_follow_ok(&f, &a, 600, 100), "the first answer is a change");
	CHECK_EQ(f.next, 700);
	CHECK(!resolve_follow_due(&f, 699), "not before the TTL ends");
	CHECK(resolve_follow_due(&f, 700), "due when the TTL ends");
	CHECK(!resolve_follow_ok(&f, &a, 5, 700), "the same address is no change");
	CHECK_EQ(f.next, 700 + RESOLVE_FOLLOW_MIN_S);
	CHECK_EQ(f.ttl, 5);
	CHECK(!resolve_follow_ok(&f, &a, 1000000, 800), "same address");
	CHECK_EQ(f.next, 800 + RESOLVE_FOLLOW_MAX_S);
	CHECK(resolve_follow_ok(&f, &b, 60, 900), "a new address is a change");
	CHECK(!memcmp(&f.addr, &b, sizeof(b)), "the new address kept");
	TCASE_END();
}

static void test_backoff(void)
{
	struct resolve_follow f = { 0 };
	struct in6_addr a = a6("2001:db8::1");
	__u32 want[] = { 5, 10, 20, 40, 80, 160, 300, 300 };
	unsigned int i;

	TCASE_BEGIN("follow_backoff");
	resolve_follow_ok(&f, &a, 60, 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		resolve_follow_fail(&f, 1000);
		CHECK_EQ(f.next, 1000 + want[i]);
	}
	CHECK(f.have && !memcmp(&f.addr, &a, sizeof(a)), "the last good address kept");
	CHECK(!resolve_follow_ok(&f, &a, 60, 2000), "same address after failures");
	CHECK_EQ(f.retry, 0);
	resolve_follow_fail(&f, 2000);
	CHECK_EQ(f.next, 2000 + RESOLVE_FOLLOW_RETRY_S);
	TCASE_END();
}

static void test_wan(void)
{
	struct resolve_follow f = { 0 };
	struct in6_addr a = a6("2001:db8::1");

	TCASE_BEGIN("follow_wan_changed");
	resolve_follow_ok(&f, &a, 3600, 0);
	CHECK(!resolve_follow_due(&f, 10), "not due");
	resolve_follow_wan_changed(&f, 10);
	CHECK(resolve_follow_due(&f, 10), "due at once after a WAN prefix change");
	TCASE_END();
}

int main(void)
{
	test_ttl();
	test_backoff();
	test_wan();
	return t_exit();
}
