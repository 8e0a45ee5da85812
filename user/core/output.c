// SPDX-License-Identifier: GPL-2.0-only
/* output.c - text/JSON printer behind output.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/output.h"

#define OUT_MAX_DEPTH 16

bool out_json;
int verbose;
static bool out_pretty;
static int depth;
static bool need_comma[OUT_MAX_DEPTH];

void out_init(bool json, bool pretty)
{
	out_json = json || pretty;
	out_pretty = pretty;
	depth = 0;
	memset(need_comma, 0, sizeof(need_comma));
}

/* Bytes of the UTF-8 character at s (RFC 3629's grammar: no overlong
 * form, no surrogate, nothing past U+10FFFF), 0 when they are not one. */
static size_t utf8_char(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		size_t n;

		if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c < 0x20) {
			printf("\\u%04x", c);
		} else if (c < 0x80) {
			putchar(c);
		} else {
			/* JSON is UTF-8: a stray byte (a user's bad value in
			 * an error) becomes the replacement character */
			n = utf8_char((const unsigned char *)s);
			if (n)
				fwrite(s, 1, n, stdout);
			else
				fputs("\\ufffd", stdout);
			s += n ? n - 1 : 0;
		}
	}
	putchar('"');
}

static void indent(void)
{
	if (!out_pretty)
		return;
	putchar('\n');
	for (int i = 0; i < depth; i++)
		fputs("  ", stdout);
}

/* Separator and key before a JSON value. */
static void json_key(const char *key)
{
	if (depth > 0 && need_comma[depth])
		putchar(',');
	if (depth > 0)
		need_comma[depth] = true;
	if (depth > 0)
		indent();
	if (key) {
		json_string(key);
		fputs(out_pretty ? ": " : ":", stdout);
	}
}

static void open(const char *key, char c)
{
	if (!out_json)
		return;
	json_key(key);
	putchar(c);
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
	putchar(c);
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
		printf(text_fmt, val ? val : "");
	}
}

void out_uint(const char *key, const char *text_fmt, unsigned long long val)
{
	if (out_json) {
		json_key(key);
		printf("%llu", val);
	} else if (text_fmt) {
		printf(text_fmt, val);
	}
}

void out_int(const char *key, const char *text_fmt, long long val)
{
	if (out_json) {
		json_key(key);
		printf("%lld", val);
	} else if (text_fmt) {
		printf(text_fmt, val);
	}
}

void out_bool(const char *key, const char *text_fmt, bool val)
{
	if (out_json) {
		json_key(key);
		fputs(val ? "true" : "false", stdout);
	} else if (text_fmt) {
		printf(text_fmt, val ? "yes" : "no");
	}
}

void out_null(const char *key, const char *text_fmt)
{
	if (out_json) {
		json_key(key);
		fputs("null", stdout);
	} else if (text_fmt) {
		fputs(text_fmt, stdout);
	}
}

void out_text(const char *fmt, ...)
{
	va_list ap;

	if (out_json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void out_finish(void)
{
	if (out_json)
		putchar('\n');
	fflush(stdout);
}

void pr_err(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "mapce: %s\n", buf);
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
	va_list ap;

	fputs("mapce: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
