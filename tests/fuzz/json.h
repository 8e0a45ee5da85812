/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * json.h - is a text one JSON value (RFC 8259), strictly: UTF-8 strings
 * without control characters, numbers in JSON's grammar, nothing after the
 * value but blanks.  The harnesses' oracle for `mapce -j` output; written
 * here, not shared with output.c, so it does not trust what it checks.
 */
#ifndef MAPCE_FUZZ_JSON_H
#define MAPCE_FUZZ_JSON_H

#include <stddef.h>
#include <string.h>

#define JSON_DEPTH_MAX 64

struct json_in {
	const unsigned char *p, *end;
	int depth;
};

static void json_ws(struct json_in *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int json_lit(struct json_in *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return 0;
	j->p += n;
	return 1;
}

static int json_digits(struct json_in *j)
{
	const unsigned char *start = j->p;

	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > start;
}

static int json_number(struct json_in *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (!json_digits(j))
		return 0;
	if (j->p < j->end && *j->p == '.' && (j->p++, !json_digits(j)))
		return 0;
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		return json_digits(j);
	}
	return 1;
}

/* One UTF-8 sequence at j->p (its first byte >= 0x80): shortest form, no
 * surrogates, at most U+10FFFF. */
static int json_utf8(struct json_in *j)
{
	unsigned char c = *j->p;
	unsigned int n, cp;

	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(j->end - j->p) <= n)
		return 0;
	for (unsigned int i = 1; i <= n; i++) {
		if ((j->p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (j->p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	j->p += n + 1;
	return 1;
}

static int json_string(struct json_in *j)
{
	j->p++; /* '"' */
	while (j->p < j->end) {
		unsigned char c = *j->p;

		if (c == '"') {
			j->p++;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c >= 0x80) {
			if (!json_utf8(j))
				return 0;
			continue;
		}
		j->p++;
		if (c != '\\')
			continue;
		if (j->p == j->end)
			return 0;
		c = *j->p++;
		if (c == 'u') {
			for (int i = 0; i < 4; i++, j->p++)
				if (j->p == j->end || !strchr("0123456789abcdefABCDEF", *j->p) ||
				    !*j->p)
					return 0;
		} else if (!strchr("\"\\/bfnrt", c) || !c) {
			return 0;
		}
	}
	return 0;
}

static int json_value(struct json_in *j);

/* An object or an array (j->p at its opening bracket). */
static int json_container(struct json_in *j, unsigned char close)
{
	if (++j->depth > JSON_DEPTH_MAX)
		return 0;
	j->p++;
	json_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			json_ws(j);
			if (j->p == j->end || *j->p != '"' || !json_string(j))
				return 0;
			json_ws(j);
			if (j->p == j->end || *j->p++ != ':')
				return 0;
		}
		if (!json_value(j))
			return 0;
		json_ws(j);
		if (j->p == j->end)
			return 0;
		if (*j->p == close)
			break;
		if (*j->p++ != ',')
			return 0;
	}
	j->p++;
	j->depth--;
	return 1;
}

static int json_value(struct json_in *j)
{
	json_ws(j);
	if (j->p == j->end)
		return 0;
	switch (*j->p) {
	case '{':
		return json_container(j, '}');
	case '[':
		return json_container(j, ']');
	case '"':
		return json_string(j);
	case 't':
		return json_lit(j, "true");
	case 'f':
		return json_lit(j, "false");
	case 'n':
		return json_lit(j, "null");
	default:
		return json_number(j);
	}
}

/* Is text[0..len) JSON values one after another (blanks between them)?
 * The offset where it stops being so into *bad. */
static inline int json_valid(const char *text, size_t len, size_t *bad)
{
	struct json_in j = { (const unsigned char *)text, (const unsigned char *)text + len, 0 };

	for (json_ws(&j); j.p < j.end; json_ws(&j)) {
		if (!json_value(&j)) {
			*bad = (size_t)((const char *)j.p - text);
			return 0;
		}
	}
	return 1;
}

#endif
