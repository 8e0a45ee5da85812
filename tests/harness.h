/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * harness.h - the tiny test protocol every mapce test speaks.
 *
 * Each check prints one line: "ok - NAME", "not ok - NAME: why" or
 * "skip - NAME: reason".  tests/run.sh counts them and prints the closing
 * "N passed, N failed, N skipped" line.  A test binary exits non-zero when
 * any check failed.
 */
#ifndef MAPCE_TEST_HARNESS_H
#define MAPCE_TEST_HARNESS_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int t_failed, t_passed;
static const char *t_case = "";

/* Name the case the following CHECKs belong to. */
#define TCASE(name) (t_case = (name))

static inline void t_report(int ok, const char *what, const char *file, int line, const char *fmt,
			    ...)
{
	va_list ap;

	if (ok) {
		t_passed++;
		return;
	}
	t_failed++;
	printf("not ok - %s: %s (%s:%d)", t_case, what, file, line);
	if (fmt && *fmt) {
		printf(": ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
	}
	printf("\n");
}

/* CHECK(cond, fmt, ...): one assertion inside the current case. */
#define CHECK(cond, ...) t_report(!!(cond), #cond, __FILE__, __LINE__, "" __VA_ARGS__)
#define CHECK_EQ(a, b)                                                                        \
	do {                                                                                  \
		long long _a = (long long)(a), _b = (long long)(b);                           \
		t_report(_a == _b, #a " == " #b, __FILE__, __LINE__, "%lld != %lld", _a, _b); \
	} while (0)
#define CHECK_STR(a, b)                                                                \
	do {                                                                           \
		const char *_a = (a), *_b = (b);                                       \
		t_report(_a &&_b && !strcmp(_a, _b), #a " == " #b, __FILE__, __LINE__, \
			 "\"%s\" != \"%s\"", _a ? _a : "(null)", _b ? _b : "(null)");  \
	} while (0)

/* Close a case: one "ok" line when every CHECK since TCASE passed. */
static int t_case_failed_before;
#define TCASE_BEGIN(name) (TCASE(name), t_case_failed_before = t_failed)
#define TCASE_END() \
	((t_failed == t_case_failed_before) ? (void)printf("ok - %s\n", t_case) : (void)0)
#define TSKIP(name, reason) printf("skip - %s: %s\n", (name), (reason))

static inline int t_exit(void)
{
	return t_failed ? 1 : 0;
}

#endif
