/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_fixture.h - what the config-file tests share: a temporary
 * directory and file (config_fixture_begin/end), writing text to it,
 * parsing it into S, reading it back, and REJECT (a parse that must fail
 * on a line with a message).  Each test binary includes it once.
 */
#ifndef MAPCE_TEST_CONFIG_FIXTURE_H
#define MAPCE_TEST_CONFIG_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "sys/attach.h"
#include "core/config_file.h"
#include "sys/config_record.h"
#include "sys/lock.h"
#include "ce/portmap.h"

static char dir[] = "/tmp/mapce-test-config-XXXXXX";
static char path[256];
static char errbuf[2048];
static struct up_settings S;

/* Write text to the test file; returns its path. */
static inline const char *put(const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

/* Parse text; 0 or -1 (message in errbuf). */
static inline int parse(const char *text)
{
	errbuf[0] = '\0';
	return config_file_parse(put(text), &S, errbuf, sizeof(errbuf));
}

static inline char *slurp(void)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return strcpy(buf, "(missing)");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Does errbuf start with "PATH:LINE: " and contain want? */
static inline int err_at(unsigned int line, const char *want)
{
	char pre[300];

	snprintf(pre, sizeof(pre), "%s:%u: ", path, line);
	return !strncmp(errbuf, pre, strlen(pre)) && strstr(errbuf, want);
}

/* A parse that must fail on line with a message containing want. */
#define REJECT(text, line, want)                                                                \
	do {                                                                                    \
		int _r = parse(text);                                                           \
		CHECK(_r == -1 && err_at(line, want), "%s -> [%s] (want line %u, '%s')", #text, \
		      errbuf, line, want);                                                      \
	} while (0)

static inline const char *ip4(__be32 a)
{
	static char b[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, b, sizeof(b));
}

/* The temporary directory and file; 0, or 1 (the exit status). */
static inline int config_fixture_begin(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/wan0.conf", dir);
	return 0;
}

/* Leave nothing behind (the edits' temporary files are renamed away). */
static inline int config_fixture_end(void)
{
	unlink(path);
	rmdir(dir);
	return t_exit();
}

#endif
