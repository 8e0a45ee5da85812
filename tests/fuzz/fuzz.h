/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz.h - what the libFuzzer harnesses (tests/fuzz/fuzz_*.c) share: the
 * oracle (FUZZ_CHECK: a broken property aborts, and libFuzzer keeps the
 * input as a crash), a private directory for the files a parser reads,
 * and the input cut into words.
 *
 * A harness runs in-process thousands of times a second: it never
 * touches the system (no netlink request, no bpf(), no file outside its
 * own directory) and keeps no state from one input to the next beyond
 * what the code under test keeps itself.
 */
#ifndef MAPCE_FUZZ_H
#define MAPCE_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property of the code under test: on failure, say which and abort
 * (libFuzzer saves the input as crash-*).  Said through the sanitizers'
 * report channel too: with -close_fd_mask=2 stderr is /dev/null, the
 * reports are not. */
#define FUZZ_CHECK(cond, ...)                                                 \
	do {                                                                  \
		if (!(cond))                                                  \
			fuzz_fail(#cond, __FILE__, __LINE__, "" __VA_ARGS__); \
	} while (0)

static void __attribute__((noreturn, format(printf, 4, 5), unused))
fuzz_fail(const char *cond, const char *file, int line, const char *fmt, ...)
{
	char msg[1024];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(msg, sizeof(msg), "FUZZ_CHECK failed: %s (%s:%d): ", cond, file, line);
	if (n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
		va_end(ap);
	}
	fprintf(stderr, "%s\n", msg);
	__sanitizer_report_error_summary(msg);
	abort();
}

/*
 * A directory of the harness's own under $TMPDIR (the runner gives each
 * run one and removes it), where the input is written when the code under
 * test reads a file.  The ISP and config directories point into it, so
 * nothing under /etc is read.  Removed at exit (fuzz_dir_cleanup).
 */
static char fuzz_dir[256];

static void fuzz_dir_cleanup(void)
{
	char cmd[300];

	if (!fuzz_dir[0])
		return;
	/* the harness's own mkdtemp() directory: nothing else is named */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fuzz_dir);
	if (system(cmd))
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
	fuzz_dir[0] = '\0';
}

static inline const char *fuzz_dir_init(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_dir[0])
		return fuzz_dir;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/mapce-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fuzz_dir)) {
		perror("fuzz: mkdtemp");
		exit(1);
	}
	atexit(fuzz_dir_cleanup);
	return fuzz_dir;
}

/* fuzz_dir/name into buf. */
static inline const char *fuzz_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", fuzz_dir_init(), name);
	return buf;
}

/* Write size bytes to path (replacing it); exits on failure: a harness
 * that cannot write its own file is broken, not the code under test. */
static inline void fuzz_write(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* The input as a NUL-terminated string (malloc'd: ASan sees its end). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Cut a copy of the input into words, each ended by '\n' or NUL (so a
 * corpus file is one word a line, and any byte but those two can be in a
 * word); the last word needs no end.  Empty words are kept (an empty
 * argument is an argument).  words[0..*n) point into *buf (free both); at
 * most max words, NULL after the last.
 */
static inline char **fuzz_words(const uint8_t *data, size_t size, size_t max, char **buf, size_t *n)
{
	char **w = calloc(max + 1, sizeof(*w));
	char *s = fuzz_cstr(data, size), *p = s;

	if (!w)
		abort();
	*n = 0;
	for (size_t i = 0; i < size && *n < max; i++) {
		if (s[i] == '\n' || s[i] == '\0') {
			s[i] = '\0';
			w[(*n)++] = p;
			p = s + i + 1;
		}
	}
	if (*n < max && p < s + size)
		w[(*n)++] = p;
	w[*n] = NULL;
	*buf = s;
	return w;
}

#endif
