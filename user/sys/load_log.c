// SPDX-License-Identifier: GPL-2.0-only
/* load_log.c - libbpf's log captured while loading (load_log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "sys/load_log.h"

#define LOAD_LOG_MAX ((size_t)256 * 1024)
#define LOAD_LOG_TAIL 8 /* lines shown without -v */

static char load_log[LOAD_LOG_MAX];
static size_t load_log_len;

static int load_log_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (load_log_len + (size_t)n >= LOAD_LOG_MAX) { /* keep the newer half */
		memmove(load_log, load_log + LOAD_LOG_MAX / 2, load_log_len - LOAD_LOG_MAX / 2);
		load_log_len -= LOAD_LOG_MAX / 2;
	}
	memcpy(load_log + load_log_len, line, (size_t)n);
	load_log_len += (size_t)n;
	load_log[load_log_len] = '\0';
	return n;
}

/* The last LOAD_LOG_TAIL lines of the captured log, on stderr. */
static void load_log_tail(void)
{
	char *end = load_log + load_log_len, *p = end;
	int lines = 0;

	while (p > load_log && lines <= LOAD_LOG_TAIL) {
		p--;
		if (*p == '\n' && p + 1 < end)
			lines++;
	}
	if (*p == '\n')
		p++;
	if (p < end)
		fprintf(stderr, "%s%s", p, end[-1] == '\n' ? "" : "\n");
}

int load_log_run(int (*load)(void *arg), void *arg, bool show_all)
{
	libbpf_print_fn_t old;
	int ret;

	if (show_all)
		return load(arg);
	old = libbpf_set_print(load_log_print);
	load_log_len = 0;
	load_log[0] = '\0';
	ret = load(arg);
	libbpf_set_print(old);
	if (ret && load_log_len) {
		fprintf(stderr, "mapce: the last lines of libbpf's log (-v shows all):\n");
		load_log_tail();
	}
	return ret;
}

int load_log_find_map(const char *log, char *name, size_t len)
{
	static const char head[] = "map '", tail[] = "': failed to create";
	const char *p = log, *end;

	while ((p = strstr(p, head))) {
		p += sizeof(head) - 1;
		end = strstr(p, tail);
		if (end && (size_t)(end - p) < len && !memchr(p, '\n', (size_t)(end - p))) {
			memcpy(name, p, (size_t)(end - p));
			name[end - p] = '\0';
			return 0;
		}
	}
	return -1;
}

int load_log_failed_map(char *name, size_t len)
{
	return load_log_find_map(load_log, name, len);
}
