// SPDX-License-Identifier: GPL-2.0-only
/*
 * provision_record.c - mode auto's record (provision_record.h).
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/kv_file.h"
#include "sys/provision_record.h"

#define RECORD_MAX_LINES 32

static void record_write(FILE *f, const void *ctx)
{
	const struct provision_record *r = ctx;

	fputs("# mode auto: the HB46PP answer applied and the last question (mapce status)\n", f);
	kv_put_text(f, "url", r->url);
	kv_put_text(f, "service", r->service);
	kv_put_text(f, "config", r->config);
	fprintf(f, "fetched=%lld\nlast_try=%lld\nnext=%lld\nttl=%u\nfailures=%u\n", r->fetched,
		r->last_try, r->next, r->ttl, r->failures);
	kv_put_text(f, "error", r->error);
}

static int record_line(const char *key, char *val, void *ctx)
{
	struct provision_record *r = ctx;
	static const struct {
		const char *key;
		size_t off, size;
	} texts[] = {
#define T(k) { #k, offsetof(struct provision_record, k), sizeof(((struct provision_record *)0)->k) }
		T(url),
		T(service),
		T(config),
		T(error),
#undef T
	};

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (!strcmp(key, texts[i].key)) {
			snprintf((char *)r + texts[i].off, texts[i].size, "%s", val);
			return 0;
		}
	if (!strcmp(key, "fetched"))
		r->fetched = atoll(val);
	else if (!strcmp(key, "last_try"))
		r->last_try = atoll(val);
	else if (!strcmp(key, "next"))
		r->next = atoll(val);
	else if (!strcmp(key, "ttl"))
		r->ttl = (unsigned int)strtoul(val, NULL, 10);
	else if (!strcmp(key, "failures"))
		r->failures = (unsigned int)strtoul(val, NULL, 10);
	return 0;
}

int provision_record_load(const char *wan, struct provision_record *rec)
{
	return kv_record_load(wan, ".provision", RECORD_MAX_LINES, record_line, rec, sizeof(*rec));
}

int provision_record_save(const char *wan, const struct provision_record *rec)
{
	return kv_record_save(wan, ".provision", record_write, rec);
}

int provision_record_forget(const char *wan)
{
	return kv_record_forget(wan, ".provision");
}
