// SPDX-License-Identifier: GPL-2.0-only
/*
 * config_edit.c - the in-place edits `mapce portmap add|del` make to the
 * config file up read: append a portmap line, drop the portmap lines
 * within a range.  Everything else in the file (comments, order, blank
 * lines) stays as written; the file is parsed first, so a broken file is
 * never touched, and replaced atomically (core/atomic_file.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/atomic_file.h"
#include "core/config_file.h"
#include "core/config_internal.h"
#include "core/text_file.h"

#define CONFIG_FILE_MAX ((size_t)1024 * 1024) /* bytes an edit reads */

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

/* The whole file into a malloc'd, NUL-terminated buffer (a FIFO or a
 * device is refused, not waited on: core/text_file.h). */
static char *slurp(const char *path, char *err, size_t errlen)
{
	char m[512], *buf = NULL;
	int ret = text_file_read(path, CONFIG_FILE_MAX, &buf, m, sizeof(m));

	if (ret == -ENOENT)
		BAD("cannot read the config file %s: %s", path, strerror(ENOENT));
	else if (ret)
		BAD("config file: %s", m);
	return ret ? NULL : buf;
}

/* Replace the file by text (its mode and owner kept). */
static int write_back(const char *path, const char *text, char *err, size_t errlen)
{
	int ret = atomic_write_text(path, 0644, text);

	return ret ? BAD("cannot write the config file %s: %s", path, strerror(-ret)) : 0;
}

int config_file_add_portmap(const char *path, const struct portmap *pm, char *err, size_t errlen)
{
	static struct up_settings s;
	char line[PORTMAP_STRLEN], a[PORTMAP_STRLEN], *text, *out;
	size_t len;
	int ret;

	if (config_file_parse(path, &s, err, errlen))
		return -1;
	for (int i = 0; i < s.n_portmaps; i++) {
		if (portmap_outside_overlap(pm, &s.portmaps[i]) ||
		    portmap_inside_overlap(pm, &s.portmaps[i]))
			return BAD("%s overlaps the portmap on %s:%u (%s)",
				   portmap_format(pm, line, sizeof(line)), path, s.portmaps[i].line,
				   portmap_format(&s.portmaps[i], a, sizeof(a)));
	}
	text = slurp(path, err, errlen);
	if (!text)
		return -1;
	len = strlen(text);
	out = malloc(len + PORTMAP_STRLEN + 16);
	if (!out) {
		free(text);
		return BAD("out of memory");
	}
	sprintf(out, "%s%sportmap %s\n", text, len && text[len - 1] != '\n' ? "\n" : "",
		portmap_format(pm, line, sizeof(line)));
	ret = write_back(path, out, err, errlen);
	free(out);
	free(text);
	return ret;
}

int config_file_del_portmaps(const char *path, const struct portmap *range, int *dropped, char *err,
			     size_t errlen)
{
	static struct up_settings s;
	char *text, *out, *p, *o, *w[8], copy[CONFIG_LINE_MAX + 2];
	int ret;

	*dropped = 0;
	if (config_file_parse(path, &s, err, errlen))
		return -1;
	text = slurp(path, err, errlen);
	if (!text)
		return -1;
	out = malloc(strlen(text) + 1);
	if (!out) {
		free(text);
		return BAD("out of memory");
	}
	o = out;
	/* Copy line by line, leaving out the portmap lines within range. */
	for (p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);
		struct portmap pm;
		bool drop = false;
		int n;

		if (len < sizeof(copy)) {
			memcpy(copy, p, len);
			copy[len] = '\0';
			n = config_split_words(copy, w, 6);
			drop = n == 4 && !strcmp(w[0], "portmap") &&
			       !portmap_parse(w[1], w[2], w[3], &pm, NULL, 0) &&
			       pm.proto == range->proto && pm.first >= range->first &&
			       pm.last <= range->last;
		}
		if (drop) {
			(*dropped)++;
		} else {
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	*o = '\0';
	ret = *dropped ? write_back(path, out, err, errlen) : 0;
	free(out);
	free(text);
	return ret;
}

int config_file_create(const char *path, const char *wan, char *err, size_t errlen)
{
	char text[256], dir[PATH_MAX], *slash;
	struct stat st;
	int ret;

	if (!lstat(path, &st))
		return BAD("config file %s exists already", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return BAD("cannot create %s: %s", dir, strerror(errno));
	}
	snprintf(text, sizeof(text),
		 "# mapce settings of %s, created by `mapce portmap add` to keep its port\n"
		 "# forwards across down/up and reboots; `mapce up -h` lists the keys.\n"
		 "wan %s\n",
		 wan, wan);
	/* 0600: a config file may hold credentials (not this one, yet) */
	ret = atomic_write_text(path, 0600, text);
	return ret ? BAD("cannot write the config file %s: %s", path, strerror(-ret)) : 0;
}
