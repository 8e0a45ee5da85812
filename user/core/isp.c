// SPDX-License-Identifier: GPL-2.0-only
/*
 * isp.c - ISP rule tables (isp.h): the line parser (every row checked as
 * a `--rule` would be), loading by name with the ISP directory's file
 * winning over the built-in copy, and the longest-prefix match.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mapce_rule.h"
#include "core/parse.h"
#include "core/isp.h"
#include "core/rule_config.h"
#include "core/text_file.h"

#define ISP_LINE_MAX 512

/* Parser state: where we are, for "ORIGIN:LINE:" messages. */
struct isp_parse {
	const char *origin;
	unsigned int line;
	char *err;
	size_t errlen;
	bool seen_isp, seen_title, seen_date, seen_source, seen_iid;
};

static int perr(const struct isp_parse *ps, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int perr(const struct isp_parse *ps, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->line)
		return mapce_errf(ps->err, ps->errlen, "%s:%u: %s", ps->origin, ps->line, msg);
	return mapce_errf(ps->err, ps->errlen, "%s: %s", ps->origin, msg);
}

/* A BR address of the table: its index, adding it when new. */
static int br_index(struct isp_parse *ps, struct isp_table *t, const char *s)
{
	char a[INET6_ADDRSTRLEN];
	__u8 addr[16];

	if (inet_pton(AF_INET6, s, addr) != 1)
		return perr(ps, "'%s' is not an IPv6 address", s);
	if (!ipv6_global_unicast(addr))
		return perr(ps, "BR %s is not a global unicast IPv6 address",
			    inet_ntop(AF_INET6, addr, a, sizeof(a)));
	for (int i = 0; i < t->n_br; i++)
		if (!memcmp(t->br[i], addr, 16))
			return i;
	if (t->n_br >= ISP_MAX_BRS)
		return perr(ps, "more than %d BR addresses", ISP_MAX_BRS);
	memcpy(t->br[t->n_br], addr, 16);
	return t->n_br++;
}

/* rule IPV6PFX,IPV4PFX,EALEN,OFFSET[,br=ADDR] */
static int parse_rule_line(struct isp_parse *ps, struct isp_table *t, char *val)
{
	static struct mapce_opts o;
	char m[384], *br = strstr(val, ",br="), a6[INET6_ADDRSTRLEN];
	struct isp_rule *ir;
	int bri = -1;

	if (t->n_rules >= ISP_MAX_RULES)
		return perr(ps, "more than %d rules", ISP_MAX_RULES);
	if (br) {
		*br = '\0';
		bri = br_index(ps, t, br + 4);
		if (bri < 0)
			return -1;
	}
	if (strstr(val, ",fmr"))
		return perr(ps, "rule '%s': a table's rules carry no flags", val);
	mapce_opts_init(&o);
	if (mapce_opts_handle(&o, MAPCE_OPT_RULE, val, m, sizeof(m)))
		return perr(ps, "%s", m);
	if (mapce_rule_check(&o.rules[0], m, sizeof(m)))
		return perr(ps, "rule '%s': %s", val, m);
	o.rules[0].psid_len = mapce_rule_psid_len(&o.rules[0]);
	for (int i = 0; i < t->n_rules; i++) {
		const struct mapce_rule *q = &t->rules[i].rule;

		if (q->ipv6_prefix_len == o.rules[0].ipv6_prefix_len &&
		    !memcmp(q->ipv6_prefix, o.rules[0].ipv6_prefix, 16))
			return perr(ps, "rule IPv6 prefix %s/%u is in the table twice",
				    inet_ntop(AF_INET6, q->ipv6_prefix, a6, sizeof(a6)),
				    q->ipv6_prefix_len);
	}
	ir = &t->rules[t->n_rules++];
	ir->rule = o.rules[0];
	ir->br = bri;
	return 0;
}

/* Copy the rest-of-line value into a fixed field, once. */
static int set_text(struct isp_parse *ps, bool *seen, const char *key, char *dst, size_t n,
		    const char *val)
{
	if (*seen)
		return perr(ps, "'%s' given twice", key);
	if (strlen(val) >= n)
		return perr(ps, "'%s' is longer than %zu characters", key, n - 1);
	*seen = true;
	strcpy(dst, val);
	return 0;
}

/* Can this byte appear in a table?  Printable ASCII, tabs and UTF-8. */
static bool text_byte(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int parse_line(struct isp_parse *ps, struct isp_table *t, char *line)
{
	char *key, *val, *end;

	for (const char *p = line; *p; p++)
		if (!text_byte((unsigned char)*p))
			return perr(ps, "control character 0x%02x", (unsigned char)*p);
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#')
		return 0;
	key = line;
	val = key + strcspn(key, " \t");
	if (*val)
		*val++ = '\0';
	while (*val == ' ' || *val == '\t')
		val++;
	end = val + strlen(val);
	while (end > val && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	if (!*val)
		return perr(ps, "'%s' needs a value", key);
	if (!strcmp(key, "isp")) {
		if (strlen(val) >= ISP_NAME_MAX || strspn(val, ISP_NAME_CHARS) != strlen(val))
			return perr(ps,
				    "isp name '%s': lower-case letters, digits, '-' and '_', "
				    "at most %d",
				    val, ISP_NAME_MAX - 1);
		return set_text(ps, &ps->seen_isp, key, t->name, sizeof(t->name), val);
	}
	if (!strcmp(key, "title"))
		return set_text(ps, &ps->seen_title, key, t->title, sizeof(t->title), val);
	if (!strcmp(key, "source"))
		return set_text(ps, &ps->seen_source, key, t->source, sizeof(t->source), val);
	if (!strcmp(key, "date")) {
		unsigned int y, m, d;
		char c;

		if (sscanf(val, "%4u-%2u-%2u%c", &y, &m, &d, &c) != 3 || strlen(val) != 10 ||
		    m < 1 || m > 12 || d < 1 || d > 31 || y < 2000)
			return perr(ps, "date '%s' is not YYYY-MM-DD", val);
		return set_text(ps, &ps->seen_date, key, t->date, sizeof(t->date), val);
	}
	if (!strcmp(key, "iid")) {
		if (ps->seen_iid)
			return perr(ps, "'iid' given twice");
		ps->seen_iid = true;
		if (!strcmp(val, "legacy"))
			t->legacy_iid = true;
		else if (strcmp(val, "rfc"))
			return perr(ps, "iid '%s': legacy or rfc", val);
		return 0;
	}
	if (!strcmp(key, "br"))
		return br_index(ps, t, val) < 0 ? -1 : 0;
	if (!strcmp(key, "rule"))
		return parse_rule_line(ps, t, val);
	return perr(ps, "unknown key '%s' (isp, title, date, source, br, iid, rule)", key);
}

int isp_parse(const char *text, const char *origin, struct isp_table *t, char *err, size_t errlen)
{
	struct isp_parse ps = { .origin = origin, .err = err, .errlen = errlen };
	char line[ISP_LINE_MAX + 1];
	const char *p = text;

	memset(t, 0, sizeof(*t));
	snprintf(t->origin, sizeof(t->origin), "%s", origin);
	while (*p) {
		size_t n = strcspn(p, "\n");

		ps.line++;
		if (n > ISP_LINE_MAX)
			return perr(&ps, "line longer than %d characters", ISP_LINE_MAX);
		memcpy(line, p, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		if (parse_line(&ps, t, line))
			return -1;
		p += n;
		if (*p)
			p++;
	}
	ps.line = 0;
	if (!ps.seen_isp)
		return perr(&ps, "no 'isp NAME' line");
	if (!ps.seen_date)
		return perr(&ps, "no 'date YYYY-MM-DD' line (when was the data gathered?)");
	if (!t->n_br)
		return perr(&ps, "no 'br ADDR' line");
	if (!t->n_rules)
		return perr(&ps, "no 'rule' line");
	for (int i = 0; i < t->n_rules; i++)
		if (t->rules[i].br < 0)
			t->rules[i].br = 0;
	return 0;
}

const char *isp_dir(void)
{
	const char *d = getenv(ISP_DIR_ENV);

	return d && *d ? d : ISP_DIR;
}

static const struct isp_builtin *builtin(const char *name)
{
	for (size_t i = 0; i < isp_builtins_n; i++)
		if (!strcmp(isp_builtins[i].name, name))
			return &isp_builtins[i];
	return NULL;
}

/* Load NAME from path (when it exists) or the built-in copy. */
static int load_from(const char *name, const char *path, struct isp_table *t, char *err,
		     size_t errlen)
{
	const struct isp_builtin *b = builtin(name);
	char *text = NULL, m[512];
	int ret = text_file_read(path, ISP_FILE_MAX, &text, err, errlen);

	if (ret == -ENOENT) {
		if (!b) {
			char known[256] = "";

			for (size_t i = 0; i < isp_builtins_n; i++) {
				size_t l = strlen(known);

				snprintf(known + l, sizeof(known) - l, "%s%s", i ? ", " : "",
					 isp_builtins[i].name);
			}
			return mapce_errf(err, errlen,
					  "unknown ISP '%s' (known: %s, auto; or a "
					  "table in %s)",
					  name, known, isp_dir());
		}
		/* The build checked these; a bad one is a bug worth a clear word. */
		if (isp_parse(b->text, "built-in", t, m, sizeof(m)))
			return mapce_errf(err, errlen, "built-in table %s: %s", name, m);
		if (strcmp(t->name, name))
			return mapce_errf(err, errlen, "built-in table %s says 'isp %s'", name,
					  t->name);
		return 0;
	}
	if (ret)
		return -1;
	ret = isp_parse(text, path, t, err, errlen);
	free(text);
	if (!ret && strcmp(t->name, name))
		ret = mapce_errf(err, errlen, "%s: says 'isp %s', the file name says '%s'", path,
				 t->name, name);
	return ret;
}

static int table_path(const char *name, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s%s", isp_dir(), name, ISP_SUFFIX);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int isp_load(const char *name, struct isp_table *t, char *err, size_t errlen)
{
	char path[PATH_MAX];

	if (!*name || strlen(name) >= ISP_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return mapce_errf(err, errlen, "'%s' is not an ISP name", name);
	if (!strcmp(name, "auto"))
		return mapce_errf(err, errlen, "'auto' is every table, not one");
	if (table_path(name, path, sizeof(path)))
		return mapce_errf(err, errlen, "the ISP directory path is too long");
	return load_from(name, path, t, err, errlen);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct isp_table *)a)->name, ((const struct isp_table *)b)->name);
}

int isp_load_all(struct isp_table *t, int max, char *err, size_t errlen)
{
	char names[ISP_MAX_TABLES][ISP_NAME_MAX];
	int n = 0;
	DIR *d;

	for (size_t i = 0; i < isp_builtins_n && n < ISP_MAX_TABLES; i++)
		snprintf(names[n++], ISP_NAME_MAX, "%s", isp_builtins[i].name);
	d = opendir(isp_dir());
	if (d) {
		struct dirent *de;

		for (int i = 0; i < 1024 && (de = readdir(d)); i++) {
			size_t l = strlen(de->d_name), sl = strlen(ISP_SUFFIX);
			bool known = false;

			if (de->d_name[0] == '.' || l <= sl || l - sl >= ISP_NAME_MAX ||
			    strcmp(de->d_name + l - sl, ISP_SUFFIX))
				continue;
			de->d_name[l - sl] = '\0';
			for (int j = 0; j < n; j++)
				known |= !strcmp(names[j], de->d_name);
			if (!known && n < ISP_MAX_TABLES)
				snprintf(names[n++], ISP_NAME_MAX, "%s", de->d_name);
		}
		closedir(d);
	}
	if (n > max)
		n = max;
	for (int i = 0; i < n; i++)
		if (isp_load(names[i], &t[i], err, errlen))
			return -1;
	qsort(t, (size_t)n, sizeof(*t), cmp_names);
	return n;
}

/* Leading bits a and b share, at most max. */
static unsigned int common_bits(const __u8 *a, const __u8 *b, unsigned int max)
{
	unsigned int n = 0;

	while (n < max && !((a[n / 8] ^ b[n / 8]) & (0x80 >> (n % 8))))
		n++;
	return n;
}

int isp_match(const struct isp_table *t, int n, const __u8 prefix[16], __u8 len, int *ti, int *ri,
	      char *err, size_t errlen)
{
	struct {
		int t, r;
		unsigned int bits;
	} close[3] = { { -1, -1, 0 }, { -1, -1, 0 }, { -1, -1, 0 } };
	char a[INET6_ADDRSTRLEN], list[512] = "", svc[128] = "";
	int best_t = -1, best_r = -1;

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < t[i].n_rules; j++) {
			const struct mapce_rule *r = &t[i].rules[j].rule;
			unsigned int bits = common_bits(prefix, r->ipv6_prefix, r->ipv6_prefix_len);

			if (r->ipv6_prefix_len <= len && bits == r->ipv6_prefix_len) {
				if (best_t < 0 ||
				    r->ipv6_prefix_len >
					    t[best_t].rules[best_r].rule.ipv6_prefix_len) {
					best_t = i;
					best_r = j;
				}
				continue;
			}
			/* keep the three rules sharing the most leading bits */
			for (int k = 0; k < 3; k++) {
				if (close[k].t >= 0 && bits <= close[k].bits)
					continue;
				memmove(&close[k + 1], &close[k],
					sizeof(close[0]) * (size_t)(2 - k));
				close[k].t = i;
				close[k].r = j;
				close[k].bits = bits;
				break;
			}
		}
	}
	if (best_t >= 0) {
		*ti = best_t;
		*ri = best_r;
		return 0;
	}
	for (int i = 0; i < n; i++) {
		size_t l = strlen(svc);

		snprintf(svc + l, sizeof(svc) - l, "%s%s", i ? ", " : "", t[i].name);
	}
	for (int k = 0; k < 3 && close[k].t >= 0; k++) {
		const struct mapce_rule *r = &t[close[k].t].rules[close[k].r].rule;
		size_t l = strlen(list);
		char r4[INET_ADDRSTRLEN];

		snprintf(list + l, sizeof(list) - l, "%s%s %s/%u -> %s/%u", k ? ", " : "",
			 t[close[k].t].name, inet_ntop(AF_INET6, r->ipv6_prefix, a, sizeof(a)),
			 r->ipv6_prefix_len, inet_ntop(AF_INET, &r->ipv4_prefix, r4, sizeof(r4)),
			 r->ipv4_prefix_len);
	}
	return mapce_errf(err, errlen, "prefix %s/%u is not inside any rule of %s%s%s%s",
			  inet_ntop(AF_INET6, prefix, a, sizeof(a)), len,
			  n > 1 ? "the tables " : "", svc, *list ? "; closest rules: " : "", list);
}
