// SPDX-License-Identifier: GPL-2.0-only
/* run_log.c - `mapce run`'s one line per event, text or JSON (run_log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ce/run_log.h"
#include "core/addrfmt.h"
#include "core/output.h"

const char *run_log_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

size_t run_log_text(const char *wan, time_t t, const struct run_event *ev, char *buf, size_t len)
{
	char when[32];
	int n = snprintf(buf, len, "%s %s %s%s%s", run_log_time(t, when, sizeof(when)), wan,
			 ev->event, ev->msg[0] ? " " : "", ev->msg);

	if (n < 0)
		return 0;
	return (size_t)n < len ? (size_t)n : len - 1;
}

void run_log_add(struct run_event *ev, const char *fmt, ...)
{
	size_t n = strlen(ev->msg);
	va_list ap;

	if (n + 3 >= sizeof(ev->msg))
		return;
	if (n && ev->msg[n - 1] != ' ' && ev->msg[n - 1] != ':') {
		strcpy(ev->msg + n, ", ");
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(ev->msg + n, sizeof(ev->msg) - n, fmt, ap);
	va_end(ap);
}

static void nat_json(const char *key, const struct run_nat *s)
{
	char a[IP6_STRLEN];

	out_open_object(key);
	out_str("prefix", NULL, s->prefix);
	out_str("ipv4", NULL, ip4_str(s->ipv4, a));
	out_uint("psid", NULL, s->psid);
	out_str("ce_ipv6", NULL, ip6_str(s->ce_ipv6, a));
	out_close_object();
}

void run_log(const char *wan, const struct run_event *ev)
{
	time_t now = time(NULL);
	char line[2300], when[32];

	if (!out_json) {
		run_log_text(wan, now, ev, line, sizeof(line));
		text_safe(stderr, line);
		fputc('\n', stderr);
		fflush(stderr);
		return;
	}
	out_open_object(NULL);
	out_str("time", NULL, run_log_time(now, when, sizeof(when)));
	out_str("wan", NULL, wan);
	out_str("event", NULL, ev->event);
	out_str("message", NULL, ev->msg);
	if (ev->nat) {
		nat_json("old", &ev->old);
		nat_json("new", &ev->new);
	}
	if (ev->counts) {
		out_int("bindings_dropped", NULL, ev->bindings_dropped);
		out_int("bindings_kept", NULL, ev->bindings_kept);
		out_int("flows_dropped", NULL, ev->flows_dropped);
	}
	out_close_object();
	out_finish();
}
