// SPDX-License-Identifier: GPL-2.0-only
/* output.c - text/JSON printer behind output.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/output.h"

#define OUT_MAX_DEPTH 16

bool out_json;
int verbose;
static out_msg_fn msg_fn; /* out_redirect_msgs */
static void *msg_arg;
static bool out_pretty;
static int depth;
static bool need_comma[OUT_MAX_DEPTH];
static FILE *out_stream_f; /* out_stream(); NULL: stdout */

static FILE *out_file(void)
{
	return out_stream_f ? out_stream_f : stdout;
}

FILE *out_stream(FILE *f)
{
	FILE *old = out_file();

	out_stream_f = f == stdout ? NULL : f;
	return old;
}

void out_init(bool json, bool pretty)
{
	out_json = json || pretty;
	out_pretty = pretty;
	depth = 0;
	memset(need_comma, 0, sizeof(need_comma));
}

/*
 * The length of the valid UTF-8 sequence at p (1-4), or 0 when p starts
 * an invalid one (a stray continuation byte, an overlong or surrogate
 * form, a sequence cut short).  Text we print comes from the user, files
 * and the kernel: JSON must stay valid and a terminal must not receive
 * raw escape sequences.
 */
static int utf8_len(const unsigned char *p)
{
	int n;
	unsigned int cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static void json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out_file());
	while (*p) {
		int n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			fprintf(out_file(), "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", out_file());
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out_file(), "\\u%04x", *p);
		else if (n == 0)
			fprintf(out_file(), "\\\\x%02x", *p); /* invalid UTF-8: the text "\xNN" */
		else
			fwrite(p, 1, (size_t)n, out_file());
		p += n ? n : 1;
	}
	fputc('"', out_file());
}

/* s for a terminal: control characters and invalid UTF-8 as \xNN. */
void text_safe(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = utf8_len(p);

		if (*p < 0x20 || *p == 0x7f || n == 0) {
			fprintf(f, "\\x%02x", *p);
			n = 1;
		} else {
			fwrite(p, 1, (size_t)n, f);
		}
		p += n;
	}
}

static void indent(void)
{
	if (!out_pretty)
		return;
	fputc('\n', out_file());
	for (int i = 0; i < depth; i++)
		fputs("  ", out_file());
}

/* Separator and key before a JSON value. */
static void json_key(const char *key)
{
	if (depth > 0 && need_comma[depth])
		fputc(',', out_file());
	if (depth > 0)
		need_comma[depth] = true;
	if (depth > 0)
		indent();
	if (key) {
		json_string(key);
		fputs(out_pretty ? ": " : ":", out_file());
	}
}

static void open(const char *key, char c)
{
	if (!out_json)
		return;
	json_key(key);
	fputc(c, out_file());
	if (depth < OUT_MAX_DEPTH - 1)
		depth++;
	need_comma[depth] = false;
}

static void close(char c)
{
	if (!out_json)
		return;
	if (depth > 0)
		depth--;
	if (need_comma[depth + 1])
		indent();
	fputc(c, out_file());
}

void out_open_object(const char *key)
{
	open(key, '{');
}
void out_close_object(void)
{
	close('}');
}
void out_open_array(const char *key)
{
	open(key, '[');
}
void out_close_array(void)
{
	close(']');
}

void out_str(const char *key, const char *text_fmt, const char *val)
{
	if (out_json) {
		json_key(key);
		json_string(val ? val : "");
	} else if (text_fmt) {
		fprintf(out_file(), text_fmt, val ? val : "");
	}
}

void out_uint(const char *key, const char *text_fmt, unsigned long long val)
{
	if (out_json) {
		json_key(key);
		fprintf(out_file(), "%llu", val);
	} else if (text_fmt) {
		fprintf(out_file(), text_fmt, val);
	}
}

void out_int(const char *key, const char *text_fmt, long long val)
{
	if (out_json) {
		json_key(key);
		fprintf(out_file(), "%lld", val);
	} else if (text_fmt) {
		fprintf(out_file(), text_fmt, val);
	}
}

void out_bool(const char *key, const char *text_fmt, bool val)
{
	if (out_json) {
		json_key(key);
		fputs(val ? "true" : "false", out_file());
	} else if (text_fmt) {
		fprintf(out_file(), text_fmt, val ? "yes" : "no");
	}
}

void out_null(const char *key, const char *text_fmt)
{
	if (out_json) {
		json_key(key);
		fputs("null", out_file());
	} else if (text_fmt) {
		fputs(text_fmt, out_file());
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out_json)
		return;
	va_start(ap, fmt);
	vfprintf(out_file(), fmt, ap);
	va_end(ap);
}

void out_finish(void)
{
	if (out_json)
		fputc('\n', out_file());
	fflush(out_file());
}

void out_redirect_msgs(out_msg_fn fn, void *arg)
{
	msg_fn = fn;
	msg_arg = arg;
}

void pr_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (msg_fn) {
		msg_fn(true, buf, msg_arg);
		return;
	}
	fputs("mapce: ", stderr);
	text_safe(stderr, buf);
	fputc('\n', stderr);
	if (out_json) {
		out_init(true, false);
		out_open_object(NULL);
		out_str("error", NULL, buf);
		out_close_object();
		out_finish();
	}
}

void pr_warn(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (msg_fn) {
		msg_fn(false, buf, msg_arg);
		return;
	}
	fputs("mapce: ", stderr);
	text_safe(stderr, buf);
	fputc('\n', stderr);
}
