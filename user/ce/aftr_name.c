// SPDX-License-Identifier: GPL-2.0-only
/*
 * aftr_name.c - the AFTR's name asked, and the record of it (aftr_name.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ce/aftr_name.h"
#include "ce/ce_plan_mode.h"
#include "core/mode.h"
#include "core/parse.h"
#include "sys/kv_file.h"
#include "sys/resolve.h"

#define RECORD_MAX_LINES 16 /* the keys below, and comments */

const char *aftr_name_of(const struct up_settings *s, const struct rule_source *src, char *what,
			 size_t whatlen, const char **other)
{
	struct in6_addr a;
	const char *name;

	*other = NULL;
	if (!(s->set[UK_MODE] && s->val[UK_MODE] == MAPCE_MODE_DSLITE))
		return NULL; /* option 64 is only dslite's; the plan refuses --aftr elsewhere */
	name = ce_plan_aftr(s, src, what, whatlen, other);
	return name && inet_pton(AF_INET6, name, &a) != 1 ? name : NULL;
}

int aftr_resolve(const struct up_settings *s, const char *name, const char *what,
		 struct in6_addr *addr, __u32 *ttl, char *err, size_t errlen)
{
	struct resolve_conf rc;
	char m[512];
	int ret;

	if (!name)
		return 1;
	resolve_conf_init(&rc, s->wan);
	if (s->set[UK_DNS] ? resolve_add_server(&rc, s->dns, m, sizeof(m))
			   : resolve_add_resolv_conf(&rc, NULL, m, sizeof(m))) {
		mapce_errf(err, errlen, "%s %s: %s", what ? what : "--aftr", name, m);
		return -1;
	}
	ret = resolve_aaaa(name, &rc, addr, ttl, m, sizeof(m));
	if (ret) {
		mapce_errf(err, errlen, "%s %s: %s", what ? what : "--aftr", name,
			   ret == RESOLVE_NXDOMAIN ? "no such name"
			   : ret == RESOLVE_NODATA ? "the name has no IPv6 address (AAAA)"
						   : m);
		return -1;
	}
	return 0;
}

/* ---- the record ----------------------------------------------------------- */

static void record_write(FILE *f, const void *ctx)
{
	const struct aftr_record *r = ctx;

	fputs("# the AFTR's name followed by mapce run (mapce status shows it)\n", f);
	kv_put_text(f, "name", r->name);
	kv_put_text(f, "addr", r->addr);
	fprintf(f, "ttl=%u\nresolved=%lld\nlast_try=%lld\nnext_try=%lld\nfailures=%u\n", r->ttl,
		r->resolved, r->last_try, r->next_try, r->failures);
	kv_put_text(f, "error", r->error);
}

static int record_line(const char *key, char *val, void *ctx)
{
	struct aftr_record *r = ctx;

	if (!strcmp(key, "name"))
		snprintf(r->name, sizeof(r->name), "%s", val);
	else if (!strcmp(key, "addr"))
		snprintf(r->addr, sizeof(r->addr), "%s", val);
	else if (!strcmp(key, "error"))
		snprintf(r->error, sizeof(r->error), "%s", val);
	else if (!strcmp(key, "ttl"))
		r->ttl = (unsigned int)strtoul(val, NULL, 10);
	else if (!strcmp(key, "resolved"))
		r->resolved = atoll(val);
	else if (!strcmp(key, "last_try"))
		r->last_try = atoll(val);
	else if (!strcmp(key, "next_try"))
		r->next_try = atoll(val);
	else if (!strcmp(key, "failures"))
		r->failures = (unsigned int)strtoul(val, NULL, 10);
	return 0; /* a key of a later version: not ours */
}

int aftr_record_read(const char *path, struct aftr_record *r)
{
	memset(r, 0, sizeof(*r));
	return kv_file_read(path, RECORD_MAX_LINES, record_line, r);
}

int aftr_record_load(const char *wan, struct aftr_record *r)
{
	return kv_record_load(wan, ".aftr", RECORD_MAX_LINES, record_line, r, sizeof(*r));
}

int aftr_record_save(const char *wan, const struct aftr_record *r)
{
	return kv_record_save(wan, ".aftr", record_write, r);
}

int aftr_record_forget(const char *wan)
{
	return kv_record_forget(wan, ".aftr");
}
