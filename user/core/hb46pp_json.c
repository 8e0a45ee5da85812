// SPDX-License-Identifier: GPL-2.0-only
/*
 * hb46pp_json.c - HB46PP's JSON answer (§3.4) into struct hb46pp_answer
 * (hb46pp.h), with json-c's strict tokenizer.  Each field is read by
 * type and range and named by its path in the message; the MAP-E rules
 * then go through the same checks as the rule options (rule_config.h),
 * so a rule the command line would refuse is refused here too.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/dns_name.h"
#include "core/hb46pp.h"
#include "core/parse.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)
#define MAP_E_RULES_MAX 256 /* §3.4: a CE accepts 256 rules in the format */

/* A value's type for a message. */
static const char *type_name(const struct json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

/* An integer field in [min, max]: 0, or -1 naming path. */
static int get_int(const struct json_object *v, const char *path, long long min, long long max,
		   long long *out, char *err, size_t errlen)
{
	long long x;

	if (!json_object_is_type(v, json_type_int))
		return BAD("%s: a number (integer) expected, not %s", path, type_name(v));
	x = json_object_get_int64(v);
	/* json-c keeps numbers above INT64_MAX as unsigned 64-bit: those
	 * read as INT64_MAX here, out of every range below */
	if (x < min || x > max)
		return BAD("%s: %lld out of range (%lld-%lld)", path, x, min, max);
	*out = x;
	return 0;
}

/* A string field without NUL bytes, at most max bytes. */
static int get_str(const struct json_object *v, const char *path, size_t max, const char **out,
		   char *err, size_t errlen)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return BAD("%s: a string expected, not %s", path, type_name(v));
	s = json_object_get_string((struct json_object *)v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return BAD("%s: a NUL byte in the string", path);
	if (strlen(s) > max)
		return BAD("%s: longer than %zu characters", path, max);
	*out = s;
	return 0;
}

/* A member that must be there. */
static int need(const struct json_object *o, const char *key, const char *path,
		struct json_object **v, char *err, size_t errlen)
{
	if (!json_object_object_get_ex(o, key, v))
		return BAD("%s.%s: missing", path, key);
	return 0;
}

/* §3.4's flags are 0/1 in the text and true in its example: both. */
static int get_flag(const struct json_object *v, const char *path, bool *out, char *err,
		    size_t errlen)
{
	long long x;

	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_int))
		return BAD("%s: true, false, 0 or 1 expected, not %s", path, type_name(v));
	if (get_int(v, path, 0, 1, &x, err, errlen))
		return -1;
	*out = x;
	return 0;
}

static int get_addr6(const struct json_object *v, const char *path, __u8 a[16], char *err,
		     size_t errlen)
{
	const char *s;

	if (get_str(v, path, 64, &s, err, errlen))
		return -1;
	if (inet_pton(AF_INET6, s, a) != 1)
		return BAD("%s: '%s' is not an IPv6 address", path, s);
	if (!ipv6_global_unicast(a))
		return BAD("%s: %s is not a global unicast address", path, s);
	return 0;
}

/* A DNS name (letters, digits, hyphens, labels of 1-63) or an IPv6
 * address: an AFTR's. */
static int get_host(const struct json_object *v, const char *path, char *out, bool *is_addr,
		    char *err, size_t errlen)
{
	const char *s, *label;
	__u8 a[16];

	if (get_str(v, path, HB46PP_NAME_MAX, &s, err, errlen))
		return -1;
	*is_addr = inet_pton(AF_INET6, s, a) == 1;
	if (*is_addr && !ipv6_global_unicast(a))
		return BAD("%s: %s is not a global unicast address", path, s);
	if (!*is_addr) {
		if (!*s)
			return BAD("%s: empty", path);
		for (label = s; *label;) {
			size_t n = strcspn(label, ".");

			if (!dns_label_ok(label, n) || (label[n] == '.' && !label[n + 1]))
				return BAD("%s: '%s' is neither an IPv6 address nor a DNS name",
					   path, s);
			label += n + (label[n] == '.');
		}
	}
	strcpy(out, s);
	return 0;
}

static int parse_order(const struct json_object *root, struct hb46pp_answer *a, char *err,
		       size_t errlen)
{
	static const struct {
		const char *name;
		enum hb46pp_service s;
	} names[] = {
		{ "map_e", HB46PP_MAP_E }, { "dslite", HB46PP_DSLITE },
		{ "lw4o6", HB46PP_LW4O6 }, { "ipip", HB46PP_IPIP },
		{ "map_t", HB46PP_MAP_T }, { "464xlat", HB46PP_464XLAT },
	};
	struct json_object *ord;
	char path[32];
	size_t n;

	if (need(root, "order", "answer", &ord, err, errlen))
		return -1;
	if (!json_object_is_type(ord, json_type_array))
		return BAD("order: an array expected, not %s", type_name(ord));
	n = json_object_array_length(ord);
	if (n > HB46PP_MAX_ORDER)
		return BAD("order: %zu entries (at most %d)", n, HB46PP_MAX_ORDER);
	for (size_t i = 0; i < n; i++) {
		const struct json_object *e = json_object_array_get_idx(ord, i);
		const char *s;
		size_t k;

		snprintf(path, sizeof(path), "order[%zu]", i);
		if (get_str(e, path, 32, &s, err, errlen))
			return -1;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcmp(s, names[k].name))
				break;
		if (k == sizeof(names) / sizeof(names[0]))
			return BAD("%s: unknown service '%s'", path, s);
		for (int j = 0; j < a->n_order; j++)
			if (a->order[j] == names[k].s)
				return BAD("%s: '%s' listed twice", path, s);
		a->order[a->n_order++] = names[k].s;
	}
	return 0;
}

/* One map_e rule: its fields by type, then the rule option's own checks. */
static int parse_rule(const struct json_object *r, size_t i, struct mapce_opts *o, char *err,
		      size_t errlen)
{
	char path[64], fpath[96], arg[160], m[512];
	struct json_object *v;
	const char *v6, *v4;
	long long ea, off;
	__u8 a6[16], l6;
	__be32 a4;
	__u8 l4;

	snprintf(path, sizeof(path), "map_e.rules[%zu]", i);
	if (!json_object_is_type(r, json_type_object))
		return BAD("%s: an object expected, not %s", path, type_name(r));
	snprintf(fpath, sizeof(fpath), "%s.ipv6", path);
	if (need(r, "ipv6", path, &v, err, errlen) || get_str(v, fpath, 64, &v6, err, errlen))
		return -1;
	if (parse_ipv6_prefix(v6, a6, &l6) || !strchr(v6, '/'))
		return BAD("%s: '%s' is not an IPv6 prefix", fpath, v6);
	snprintf(fpath, sizeof(fpath), "%s.ipv4", path);
	if (need(r, "ipv4", path, &v, err, errlen) || get_str(v, fpath, 32, &v4, err, errlen))
		return -1;
	if (parse_ipv4_prefix(v4, &a4, &l4) || !strchr(v4, '/'))
		return BAD("%s: '%s' is not an IPv4 prefix", fpath, v4);
	snprintf(fpath, sizeof(fpath), "%s.ea_length", path);
	if (need(r, "ea_length", path, &v, err, errlen) ||
	    get_int(v, fpath, 0, 48, &ea, err, errlen))
		return -1;
	snprintf(fpath, sizeof(fpath), "%s.psid_offset", path);
	if (need(r, "psid_offset", path, &v, err, errlen) ||
	    get_int(v, fpath, 0, 15, &off, err, errlen))
		return -1;
	snprintf(arg, sizeof(arg), "%s,%s,%lld,%lld", v6, v4, ea, off);
	if (mapce_opts_handle(o, MAPCE_OPT_RULE, arg, m, sizeof(m)) ||
	    mapce_rule_check(&o->rules[o->n_rules - 1], m, sizeof(m)))
		return BAD("%s: %s", path, m);
	return 0;
}

static int parse_map_e(const struct json_object *m, struct hb46pp_answer *a, char *err,
		       size_t errlen)
{
	static struct mapce_opts o; /* 32 rules and their bookkeeping: not on the stack */
	struct json_object *v, *rules;
	char msg[512];
	long long ver = 0;
	size_t n;

	if (!json_object_is_type(m, json_type_object))
		return BAD("map_e: an object expected, not %s", type_name(m));
	/* version: 0 or absent = draft-ietf-softwire-map-03's IID, 1 = RFC 7597 */
	if (json_object_object_get_ex(m, "version", &v) &&
	    get_int(v, "map_e.version", 0, 1, &ver, err, errlen))
		return -1;
	a->map_e.legacy_iid = ver == 0;
	if (json_object_object_get_ex(m, "mesh", &v) &&
	    get_flag(v, "map_e.mesh", &a->map_e.mesh, err, errlen))
		return -1;
	if (need(m, "br", "map_e", &v, err, errlen) ||
	    get_addr6(v, "map_e.br", a->map_e.br, err, errlen))
		return -1;
	if (need(m, "rules", "map_e", &rules, err, errlen))
		return -1;
	if (!json_object_is_type(rules, json_type_array))
		return BAD("map_e.rules: an array expected, not %s", type_name(rules));
	n = json_object_array_length(rules);
	if (n == 0)
		return BAD("map_e.rules: empty");
	if (n > MAP_E_RULES_MAX)
		return BAD("map_e.rules: %zu rules (the specification's limit is %d)", n,
			   MAP_E_RULES_MAX);
	if (n > MAPCE_MAX_RULES)
		return BAD("map_e.rules: %zu rules; mapce holds at most %d", n, MAPCE_MAX_RULES);
	mapce_opts_init(&o);
	for (size_t i = 0; i < n; i++)
		if (parse_rule(json_object_array_get_idx(rules, i), i, &o, err, errlen))
			return -1;
	/* mesh stays the answer's flag (printed as the mesh key), not an
	 * fmr on each rule */
	if (mapce_rules_validate(&o, msg, sizeof(msg)))
		return BAD("map_e.rules: %s", msg);
	a->map_e.n_rules = o.n_rules;
	memcpy(a->map_e.rules, o.rules, sizeof(o.rules[0]) * (size_t)o.n_rules);
	a->map_e.present = true;
	return 0;
}

static int parse_dslite(const struct json_object *d, struct hb46pp_answer *a, char *err,
			size_t errlen)
{
	struct json_object *v;

	if (!json_object_is_type(d, json_type_object))
		return BAD("dslite: an object expected, not %s", type_name(d));
	if (need(d, "aftr", "dslite", &v, err, errlen) ||
	    get_host(v, "dslite.aftr", a->dslite.aftr, &a->dslite.is_addr, err, errlen))
		return -1;
	a->dslite.present = true;
	return 0;
}

static int parse_lw4o6(const struct json_object *l, struct hb46pp_answer *a, char *err,
		       size_t errlen)
{
	struct json_object *v;
	long long psid, k, off;
	const char *s;

	if (!json_object_is_type(l, json_type_object))
		return BAD("lw4o6: an object expected, not %s", type_name(l));
	if (need(l, "lwaftr", "lw4o6", &v, err, errlen) ||
	    get_host(v, "lw4o6.lwaftr", a->lw4o6.lwaftr, &a->lw4o6.is_addr, err, errlen))
		return -1;
	if (need(l, "ipv6", "lw4o6", &v, err, errlen) ||
	    get_str(v, "lw4o6.ipv6", 64, &s, err, errlen))
		return -1;
	if (parse_ipv6_prefix(s, a->lw4o6.ipv6, &a->lw4o6.ipv6_len) || !strchr(s, '/'))
		return BAD("lw4o6.ipv6: '%s' is not an IPv6 prefix", s);
	if (need(l, "ipv4", "lw4o6", &v, err, errlen) ||
	    get_str(v, "lw4o6.ipv4", 32, &s, err, errlen))
		return -1;
	if (inet_pton(AF_INET, s, &a->lw4o6.ipv4) != 1 || !ipv4_unicast(a->lw4o6.ipv4))
		return BAD("lw4o6.ipv4: '%s' is not a unicast IPv4 address", s);
	if (need(l, "psid_length", "lw4o6", &v, err, errlen) ||
	    get_int(v, "lw4o6.psid_length", 0, 16, &k, err, errlen))
		return -1;
	if (need(l, "psid_offset", "lw4o6", &v, err, errlen) ||
	    get_int(v, "lw4o6.psid_offset", 0, 15, &off, err, errlen))
		return -1;
	if (off + k > 16)
		return BAD("lw4o6.psid_offset: %lld + psid_length %lld is over 16 bits", off, k);
	if (need(l, "psid", "lw4o6", &v, err, errlen) ||
	    get_int(v, "lw4o6.psid", 0, (1ll << k) - 1, &psid, err, errlen))
		return -1;
	a->lw4o6.psid = (__u16)psid;
	a->lw4o6.psid_len = (__u8)k;
	a->lw4o6.psid_offset = (__u8)off;
	a->lw4o6.present = true;
	return 0;
}

static int parse_ipip(const struct json_object *arr, struct hb46pp_answer *a, char *err,
		      size_t errlen)
{
	const struct json_object *t;
	struct json_object *v;
	const char *s;
	size_t n;

	if (!json_object_is_type(arr, json_type_array))
		return BAD("ipip: an array expected, not %s", type_name(arr));
	n = json_object_array_length(arr);
	if (n == 0)
		return BAD("ipip: empty");
	/* the first tunnel is the one mapce runs; the others are checked
	 * only for their shape (an object), as they are not used */
	for (size_t i = 1; i < n; i++)
		if (!json_object_is_type(json_object_array_get_idx(arr, i), json_type_object))
			return BAD("ipip[%zu]: an object expected", i);
	t = json_object_array_get_idx(arr, 0);
	if (!json_object_is_type(t, json_type_object))
		return BAD("ipip[0]: an object expected, not %s", type_name(t));
	if (need(t, "ipv6_local", "ipip[0]", &v, err, errlen) ||
	    get_addr6(v, "ipip[0].ipv6_local", a->ipip.local, err, errlen))
		return -1;
	if (need(t, "ipv6_remote", "ipip[0]", &v, err, errlen) ||
	    get_addr6(v, "ipip[0].ipv6_remote", a->ipip.remote, err, errlen))
		return -1;
	if (need(t, "ipv4", "ipip[0]", &v, err, errlen) ||
	    get_str(v, "ipip[0].ipv4", 32, &s, err, errlen))
		return -1;
	/* "addr/plen"; a bare address is the /32 */
	if (parse_ipv4_prefix(s, &a->ipip.ipv4, &a->ipip.ipv4_len) || !ipv4_unicast(a->ipip.ipv4))
		return BAD("ipip[0].ipv4: '%s' is not a unicast IPv4 address or ADDR/LEN", s);
	a->ipip.n = (int)n;
	a->ipip.present = true;
	return 0;
}

static int parse_root(const struct json_object *root, struct hb46pp_answer *a, char *err,
		      size_t errlen)
{
	static const struct {
		const char *key;
		int (*fn)(const struct json_object *, struct hb46pp_answer *, char *, size_t);
	} objs[] = {
		{ "map_e", parse_map_e },
		{ "dslite", parse_dslite },
		{ "lw4o6", parse_lw4o6 },
		{ "ipip", parse_ipip },
	};
	struct json_object *v;
	long long ttl;

	if (!json_object_is_type(root, json_type_object))
		return BAD("answer: a JSON object expected, not %s", type_name(root));
	/* ttl: §3.6 k.2 knows answers without one (the CE asks again in
	 * 20-24 hours) */
	if (json_object_object_get_ex(root, "ttl", &v)) {
		if (get_int(v, "ttl", 1, HB46PP_TTL_MAX, &ttl, err, errlen))
			return -1;
		a->have_ttl = true;
		a->ttl = (__u32)ttl;
	}
	if (parse_order(root, a, err, errlen))
		return -1;
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		if (json_object_object_get_ex(root, objs[i].key, &v) &&
		    !json_object_is_type(v, json_type_null) && objs[i].fn(v, a, err, errlen))
			return -1;
	/* the first service of order that mapce runs; it must have come
	 * with its parameters */
	for (int i = 0; i < a->n_order && a->service == HB46PP_NONE; i++) {
		enum hb46pp_service s = a->order[i];
		bool have = (s == HB46PP_MAP_E && a->map_e.present) ||
			    (s == HB46PP_DSLITE && a->dslite.present) ||
			    (s == HB46PP_LW4O6 && a->lw4o6.present) ||
			    (s == HB46PP_IPIP && a->ipip.present);

		if (s == HB46PP_MAP_T || s == HB46PP_464XLAT)
			continue;
		if (!have)
			return BAD("order[%d]: '%s' ordered but the answer has no %s object", i,
				   hb46pp_service_name(s), hb46pp_service_name(s));
		a->service = s;
	}
	return 0;
}

int hb46pp_parse(const char *json, size_t len, struct hb46pp_answer *a, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error e;
	size_t used;
	int ret;

	memset(a, 0, sizeof(*a));
	if (len > HB46PP_ANSWER_MAX)
		return BAD("answer: %zu bytes (at most %zu)", len, HB46PP_ANSWER_MAX);
	if (memchr(json, '\0', len))
		return BAD("answer: a NUL byte in the JSON text");
	tok = json_tokener_new_ex(32);
	if (!tok)
		return BAD("answer: out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	e = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!root || e != json_tokener_success) {
		json_object_put(root);
		if (e == json_tokener_continue)
			return BAD("answer: the JSON text ends early");
		return BAD("answer: not JSON (%s, at byte %zu)", json_tokener_error_desc(e), used);
	}
	/* only blanks after the value */
	for (size_t i = used; i < len; i++)
		if (!strchr(" \t\r\n", json[i])) {
			json_object_put(root);
			return BAD("answer: text after the JSON value (at byte %zu)", i);
		}
	ret = parse_root(root, a, err, errlen);
	json_object_put(root);
	if (ret)
		memset(a, 0, sizeof(*a));
	return ret;
}
