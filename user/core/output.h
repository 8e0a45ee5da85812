/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * output.h - one printing path for text and JSON (iproute2 print_* style).
 *
 * Every value is emitted once through out_*(key, text_fmt, value): in JSON
 * mode as "key": value, in text mode through text_fmt (NULL: JSON only).
 * Keys are snake_case; counters are numbers.
 */
#ifndef MAPCE_OUTPUT_H
#define MAPCE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

extern bool out_json; /* -j */

void out_init(bool json, bool pretty);
void out_open_object(const char *key); /* key NULL inside arrays / at top */
void out_close_object(void);
void out_open_array(const char *key);
void out_close_array(void);
void out_str(const char *key, const char *text_fmt, const char *val);
void out_uint(const char *key, const char *text_fmt, unsigned long long val);
void out_int(const char *key, const char *text_fmt, long long val);
void out_bool(const char *key, const char *text_fmt, bool val);
void out_null(const char *key, const char *text_fmt);
/* Text-mode only decoration (headings, newlines). */
void out_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Where the out_*() calls write from now on (stdout at start); returns
 * the stream before.  `mapce run --binding-log` prints its records into
 * its file with the calls `mapce log` prints them with. */
FILE *out_stream(FILE *f);
/* Finish the document (JSON: newline). */
void out_finish(void);

/* Errors: "mapce: ..." on stderr (and {"error": ...} on stdout with -j). */
/* s for a terminal: control characters and invalid UTF-8 as \xNN. */
void text_safe(FILE *f, const char *s);
void pr_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warnings and notes: stderr only. */
void pr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int verbose; /* -v count */
/* Errors and warnings to fn instead of stderr (and stdout), NULL: back to
 * them.  `mapce run` folds them into its one log line per event. */
typedef void (*out_msg_fn)(bool error, const char *msg, void *arg);
void out_redirect_msgs(out_msg_fn fn, void *arg);

#endif
