// SPDX-License-Identifier: GPL-2.0-only
/*
 * portmap_maps.c - static port forwards in the pinned maps: the STATIC
 * entries of mapce_ports / mapce_bind, installed, removed, checked, and
 * brought in line with a wanted list (portmap_sync).
 *
 * Userspace writes these maps while the datapath runs: every change is a
 * single-element update or delete, ports are claimed with BPF_NOEXIST
 * (the same claim the datapath's allocator makes), so a port can never
 * end up with two owners.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "core/addrfmt.h"
#include "core/grow.h"
#include "core/parse.h"
#include "ce/ce_maps.h"
#include "ce/port_hint_sync.h"
#include "ce/portmap.h"
#include "sys/pin.h"

#define BAD(...) mapce_errf(err, errlen, __VA_ARGS__)

int portmap_maps_open(const char *dir, struct portmap_maps *m)
{
	__u32 key = 0;
	int cfd, ret = 0;

	m->ports = m->bind = m->hosts = m->hint = -1;
	cfd = pin_open(dir, "mapce_config");
	if (cfd < 0)
		return cfd == -ENOENT ? -ENOENT : cfd;
	if (bpf_map_lookup_elem(cfd, &key, &m->cfg))
		ret = -errno;
	close(cfd);
	if (ret)
		return ret;
	m->ports = pin_open(dir, "mapce_ports");
	m->bind = pin_open(dir, "mapce_bind");
	m->hosts = pin_open(dir, "mapce_hosts"); /* optional: accounting only */
	if (m->hosts < 0)
		m->hosts = -1;
	m->hint = pin_open(dir, "mapce_port_hint"); /* optional: a hint only */
	if (m->hint < 0)
		m->hint = -1;
	if (m->ports < 0 || m->bind < 0) {
		ret = m->ports < 0 ? m->ports : m->bind;
		portmap_maps_close(m);
		return ret;
	}
	return 0;
}

void portmap_maps_close(struct portmap_maps *m)
{
	int *fds[] = { &m->ports, &m->bind, &m->hosts, &m->hint };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* The claim of out was made (used) or removed for good: the datapath's
 * port hint follows (port_hint_sync.h; a claim replaced on the spot
 * keeps its bit).  Race-sensitive, as the datapath's release
 * (bpf/ce/port_hint.h port_release): after a clear, a claim the
 * datapath made meanwhile gets its bit back, for XDP ingress trusts a
 * clear bit to mean no claim. */
static void port_note(const struct portmap_maps *m, const struct mapce_endpoint *out, bool used)
{
	struct mapce_binding b;

	if (m->hint < 0)
		return;
	port_hint_mark(m->hint, &m->cfg, out, used);
	if (!used && !bpf_map_lookup_elem(m->ports, out, &b))
		port_hint_mark(m->hint, &m->cfg, out, true);
}

/* Port i of pm: outside and inside keys, and the STATIC values. */
struct pm_port {
	struct mapce_endpoint out, in;
	struct mapce_binding owner, bind;
};

static void pm_port(const struct portmap_maps *m, const struct portmap *pm, __u32 i,
		    struct pm_port *pp)
{
	__u64 now = ce_now_ns();
	__u8 flags = MAPCE_BIND_F_STATIC | (pm->dynamic ? MAPCE_BIND_F_DYNAMIC : 0);

	memset(pp, 0, sizeof(*pp));
	pp->out.ip = m->cfg.ipv4;
	pp->out.port = htons((__u16)(pm->first + i));
	pp->out.proto = pm->proto;
	pp->in.ip = pm->inside_ip;
	pp->in.port = htons((__u16)(pm->inside_port + i));
	pp->in.proto = pm->proto;
	pp->owner.ip = pp->in.ip;
	pp->owner.port = pp->in.port;
	pp->owner.flags = flags;
	pp->owner.created_ns = pp->owner.refreshed_ns = now;
	pp->bind.ip = pp->out.ip;
	pp->bind.port = pp->out.port;
	pp->bind.flags = flags;
	pp->bind.created_ns = pp->bind.refreshed_ns = now;
}

/* The mapping of inside endpoint in has one less binding: what the
 * datapath's expiry would have counted (best effort: a read-modify-write
 * racing the datapath's atomic adds may lose one). */
static void host_release(struct portmap_maps *m, __be32 ip)
{
	struct mapce_host h;

	if (m->hosts < 0 || bpf_map_lookup_elem(m->hosts, &ip, &h) || !h.bindings)
		return;
	h.bindings--;
	bpf_map_update_elem(m->hosts, &ip, &h, BPF_EXIST);
}

/* What holds an outside port.  H_DYNFWD: a dynamic forward (UPnP, PCP)
 * where a forward of the config goes: the config wins, the service that
 * opened it sees it gone and says so. */
enum holder { H_FREE, H_SAME, H_STATIC, H_DYNAMIC, H_STALE, H_DYNFWD };

/* Same kind of forward: both dynamic or both of the config. */
static bool same_kind(const struct mapce_binding *a, const struct mapce_binding *b)
{
	return (a->flags & MAPCE_BIND_F_DYNAMIC) == (b->flags & MAPCE_BIND_F_DYNAMIC);
}

static enum holder port_holder(struct portmap_maps *m, const struct pm_port *pp,
			       struct mapce_binding *owner)
{
	struct mapce_endpoint in;
	struct mapce_binding b;

	if (bpf_map_lookup_elem(m->ports, &pp->out, owner))
		return H_FREE;
	if (owner->flags & MAPCE_BIND_F_STATIC) {
		if ((owner->flags & MAPCE_BIND_F_DYNAMIC) &&
		    !(pp->owner.flags & MAPCE_BIND_F_DYNAMIC))
			return H_DYNFWD;
		return owner->ip == pp->owner.ip && owner->port == pp->owner.port &&
				       same_kind(owner, &pp->owner)
			       ? H_SAME
			       : H_STATIC;
	}
	/* A dynamic claim is live while its owner's mapping uses the port;
	 * otherwise it is a leftover the expiry sweep will release. */
	in.ip = owner->ip;
	in.port = owner->port;
	in.proto = pp->out.proto;
	in._pad = 0;
	if (!bpf_map_lookup_elem(m->bind, &in, &b) && b.ip == pp->out.ip && b.port == pp->out.port)
		return H_DYNAMIC;
	return H_STALE;
}

/* Drop the dynamic mapping (or dynamic forward: fwd) owning the claim on
 * pp->out (and the claim). */
static void evict_dynamic(struct portmap_maps *m, const struct pm_port *pp,
			  const struct mapce_binding *owner, bool fwd)
{
	struct mapce_endpoint in = { .ip = owner->ip, .port = owner->port, .proto = pp->out.proto };
	struct mapce_binding b;
	__u8 want = fwd ? MAPCE_BIND_F_STATIC | MAPCE_BIND_F_DYNAMIC : 0;

	if (!bpf_map_lookup_elem(m->bind, &in, &b) &&
	    (b.flags & (MAPCE_BIND_F_STATIC | MAPCE_BIND_F_DYNAMIC)) == want &&
	    b.port == pp->out.port && b.ip == pp->out.ip) {
		bpf_map_delete_elem(m->bind, &in);
		if (!fwd)
			host_release(m, in.ip);
	}
	bpf_map_delete_elem(m->ports, &pp->out);
}

/* Check one forward against the maps without changing them.  statics_ok:
 * a STATIC holder is about to be removed (sync). */
static int install_check(struct portmap_maps *m, const struct portmap *pm, bool evict,
			 bool statics_ok, char *err, size_t errlen)
{
	char s[PORTMAP_STRLEN], a[EP4_STRLEN];
	struct mapce_binding owner, b;
	struct pm_port pp;

	for (__u32 i = 0; i <= (__u32)(pm->last - pm->first); i++) {
		pm_port(m, pm, i, &pp);
		switch (port_holder(m, &pp, &owner)) {
		case H_STATIC:
			if (statics_ok)
				break;
			return BAD("%s: port %u/%s is already forwarded to %s",
				   portmap_format(pm, s, sizeof(s)), pm->first + i,
				   portmap_proto_str(pm->proto), ep4_str(owner.ip, owner.port, a));
		case H_DYNAMIC:
			/* the inside endpoint's own mapping becomes the forward */
			if (evict || (owner.ip == pp.owner.ip && owner.port == pp.owner.port))
				break;
			return BAD("%s: port %u/%s is held by a live mapping of the inside "
				   "endpoint %s; pick another port, or retry when that mapping "
				   "has expired",
				   portmap_format(pm, s, sizeof(s)), pm->first + i,
				   portmap_proto_str(pm->proto), ep4_str(owner.ip, owner.port, a));
		default:
			break;
		}
		if (!bpf_map_lookup_elem(m->bind, &pp.in, &b) && (b.flags & MAPCE_BIND_F_STATIC) &&
		    b.port != pp.out.port && !statics_ok &&
		    !((b.flags & MAPCE_BIND_F_DYNAMIC) && !pm->dynamic))
			return BAD("%s: the inside endpoint %s/%s is already the target of "
				   "forwarded port %u",
				   portmap_format(pm, s, sizeof(s)),
				   ep4_str(pp.in.ip, pp.in.port, a), portmap_proto_str(pm->proto),
				   ntohs(b.port));
	}
	return 0;
}

/* Install port i.  0, or -errno. */
static int install_port(struct portmap_maps *m, const struct pm_port *pp, bool evict)
{
	struct mapce_binding owner, b;
	enum holder h = port_holder(m, pp, &owner);

	if (h == H_DYNAMIC && !evict && (owner.ip != pp->owner.ip || owner.port != pp->owner.port))
		return -EBUSY;
	if (h == H_DYNAMIC || h == H_STALE || h == H_DYNFWD)
		evict_dynamic(m, pp, &owner, h == H_DYNFWD);
	if (h != H_SAME) {
		/* NOEXIST: the datapath claims ports the same way; losing the
		 * race to it is a refusal, never a double owner. */
		if (bpf_map_update_elem(m->ports, &pp->out, &pp->owner, BPF_NOEXIST))
			return -errno;
		port_note(m, &pp->out, true);
	}
	/* The inside endpoint's mapping becomes the forward's. */
	if (!bpf_map_lookup_elem(m->bind, &pp->in, &b) && !(b.flags & MAPCE_BIND_F_STATIC)) {
		struct mapce_endpoint out = { .ip = b.ip, .port = b.port, .proto = pp->in.proto };
		struct mapce_binding o;

		if (!(b.flags & MAPCE_BIND_F_OVERLAP) && !bpf_map_lookup_elem(m->ports, &out, &o) &&
		    o.ip == pp->in.ip && o.port == pp->in.port &&
		    !(o.flags & MAPCE_BIND_F_STATIC) && !bpf_map_delete_elem(m->ports, &out))
			port_note(m, &out, false);
		host_release(m, pp->in.ip);
	}
	if (bpf_map_update_elem(m->bind, &pp->in, &pp->bind, BPF_ANY)) {
		int ret = -errno;

		if (h != H_SAME && !bpf_map_delete_elem(m->ports, &pp->out))
			port_note(m, &pp->out, false);
		return ret;
	}
	return 0;
}

/* Remove port i's STATIC entries when they are still pp's. */
static void uninstall_port(struct portmap_maps *m, const struct pm_port *pp)
{
	struct mapce_binding b;

	if (!bpf_map_lookup_elem(m->ports, &pp->out, &b) && (b.flags & MAPCE_BIND_F_STATIC) &&
	    same_kind(&b, &pp->owner) && b.ip == pp->owner.ip && b.port == pp->owner.port &&
	    !bpf_map_delete_elem(m->ports, &pp->out))
		port_note(m, &pp->out, false);
	if (!bpf_map_lookup_elem(m->bind, &pp->in, &b) && (b.flags & MAPCE_BIND_F_STATIC) &&
	    same_kind(&b, &pp->bind) && b.port == pp->out.port)
		bpf_map_delete_elem(m->bind, &pp->in);
}

void portmap_uninstall(struct portmap_maps *m, const struct portmap *pm)
{
	struct pm_port pp;

	for (__u32 i = 0; i <= (__u32)(pm->last - pm->first); i++) {
		pm_port(m, pm, i, &pp);
		uninstall_port(m, &pp);
	}
}

bool portmap_installed(struct portmap_maps *m, const struct portmap *pm)
{
	struct mapce_binding owner, b;
	struct pm_port pp;

	for (__u32 i = 0; i <= (__u32)(pm->last - pm->first); i++) {
		pm_port(m, pm, i, &pp);
		if (port_holder(m, &pp, &owner) != H_SAME ||
		    bpf_map_lookup_elem(m->bind, &pp.in, &b) || !(b.flags & MAPCE_BIND_F_STATIC) ||
		    !same_kind(&b, &pp.bind) || b.port != pp.out.port)
			return false;
	}
	return true;
}

/* Install without checks; on failure undo the ports done.  0 or -errno. */
static int install_apply(struct portmap_maps *m, const struct portmap *pm, bool evict)
{
	struct pm_port pp;
	__u32 n = (__u32)(pm->last - pm->first) + 1;
	bool *fresh = calloc(n, sizeof(*fresh));
	int ret = 0;

	if (!fresh)
		return -ENOMEM;
	for (__u32 i = 0; i < n && !ret; i++) {
		struct mapce_binding owner;

		pm_port(m, pm, i, &pp);
		fresh[i] = port_holder(m, &pp, &owner) != H_SAME;
		ret = install_port(m, &pp, evict);
		if (ret) {
			/* undo what this call added, keep what was there */
			for (__u32 j = 0; j < i; j++) {
				if (!fresh[j])
					continue;
				pm_port(m, pm, j, &pp);
				uninstall_port(m, &pp);
			}
		}
	}
	free(fresh);
	return ret;
}

int portmap_install(struct portmap_maps *m, const struct portmap *pm, bool evict, char *err,
		    size_t errlen)
{
	char s[PORTMAP_STRLEN];
	int ret;

	if (portmap_check(&m->cfg, pm, err, errlen) ||
	    install_check(m, pm, evict, false, err, errlen))
		return -1;
	ret = install_apply(m, pm, evict);
	if (ret == -EBUSY || ret == -EEXIST) /* the datapath claimed a port meanwhile */
		return install_check(m, pm, evict, false, err, errlen)
			       ? -1
			       : BAD("%s: a port was taken meanwhile; try again",
				     portmap_format(pm, s, sizeof(s)));
	if (ret)
		return BAD("%s: writing the maps: %s", portmap_format(pm, s, sizeof(s)),
			   strerror(-ret));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Sync                                                                */
/* ------------------------------------------------------------------ */

/* Is single port p (proto, first, inside) part of a wanted forward? */
static bool wanted(const struct portmap *want, int n, __u8 proto, __u16 out, __be32 ip, __u16 in)
{
	for (int i = 0; i < n; i++) {
		const struct portmap *w = &want[i];

		if (w->proto == proto && out >= w->first && out <= w->last && w->inside_ip == ip &&
		    in == w->inside_port + (out - w->first))
			return true;
	}
	return false;
}

/* STATIC entries of mapce_bind or mapce_ports that no wanted forward
 * explains, collected for removal. */
struct static_scan {
	const struct portmap *want;
	int n;
	__be32 pub;
	struct mapce_endpoint *drop;
	size_t n_drop, cap;
};

/* Add ep to the entries to drop; 1 (stop the walk) when out of memory. */
static int scan_drop(struct static_scan *s, const struct mapce_endpoint *ep)
{
	struct mapce_endpoint *d = grow(s->drop, &s->cap, s->n_drop, sizeof(*d), 32);

	if (!d)
		return 1;
	s->drop = d;
	s->drop[s->n_drop++] = *ep;
	return 0;
}

/* mapce_bind: inside endpoint -> outside port. */
static int bind_scan_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_endpoint *in = key;
	const struct mapce_binding *b = val;
	struct static_scan *s = arg;

	if (!(b->flags & MAPCE_BIND_F_STATIC) || (b->flags & MAPCE_BIND_F_DYNAMIC))
		return 0;
	if (b->ip == s->pub &&
	    wanted(s->want, s->n, in->proto, ntohs(b->port), in->ip, ntohs(in->port)))
		return 0;
	return scan_drop(s, in);
}

/* mapce_ports: outside endpoint (of any address) -> inside owner. */
static int port_scan_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_endpoint *out = key;
	const struct mapce_binding *o = val;
	struct static_scan *s = arg;

	if (!(o->flags & MAPCE_BIND_F_STATIC) || (o->flags & MAPCE_BIND_F_DYNAMIC))
		return 0;
	if (out->ip == s->pub &&
	    wanted(s->want, s->n, out->proto, ntohs(out->port), o->ip, ntohs(o->port)))
		return 0;
	return scan_drop(s, out);
}

/* Prefix a message with the forward's file:line when it has one. */
static int fail_at(const char *file, const struct portmap *pm, char *err, size_t errlen)
{
	char m[1400];

	if (!file || !pm->line)
		return -1;
	snprintf(m, sizeof(m), "%s", err);
	return BAD("%s:%u: %s", file, pm->line, m);
}

int portmap_sync(struct portmap_maps *m, const struct portmap *want, int n, bool evict,
		 const char *file, int *added, int *removed, char *err, size_t errlen)
{
	struct static_scan ps = { .want = want, .n = n, .pub = m->cfg.ipv4 };
	struct static_scan bs = { .want = want, .n = n, .pub = m->cfg.ipv4 };
	struct portmap *have = NULL;
	int n_have, ret = 0;

	*added = *removed = 0;
	/* 1. check every wanted forward before anything changes */
	for (int i = 0; i < n; i++) {
		if (portmap_check(&m->cfg, &want[i], err, errlen) ||
		    install_check(m, &want[i], evict, true, err, errlen))
			return fail_at(file, &want[i], err, errlen);
	}
	/* 2. forwards that are not wanted go (counted as grouped forwards) */
	have = calloc((size_t)PORTMAP_MAX * 4, sizeof(*have));
	if (!have)
		return BAD("out of memory");
	n_have = portmap_read_installed(m, have, PORTMAP_MAX * 4, NULL);
	for (int i = 0; i < n_have; i++) {
		bool any = false;

		if (have[i].dynamic)
			continue; /* not the config's to remove */
		for (__u32 p = have[i].first; p <= have[i].last && !any; p++)
			any = !wanted(want, n, have[i].proto, (__u16)p, have[i].inside_ip,
				      (__u16)(have[i].inside_port + (p - have[i].first)));
		*removed += any;
	}
	free(have);
	if (ce_map_foreach(m->ports, port_scan_cb, &ps) >= 0 &&
	    ce_map_foreach(m->bind, bind_scan_cb, &bs) >= 0) {
		for (size_t i = 0; i < ps.n_drop; i++)
			if (!bpf_map_delete_elem(m->ports, &ps.drop[i]))
				port_note(m, &ps.drop[i], false);
		for (size_t i = 0; i < bs.n_drop; i++)
			bpf_map_delete_elem(m->bind, &bs.drop[i]);
	}
	free(ps.drop);
	free(bs.drop);
	/* 3. the wanted ones that are missing */
	for (int i = 0; i < n; i++) {
		char s[PORTMAP_STRLEN];

		if (portmap_installed(m, &want[i]))
			continue;
		ret = install_apply(m, &want[i], evict);
		if (ret) {
			BAD("%s: writing the maps: %s%s", portmap_format(&want[i], s, sizeof(s)),
			    strerror(-ret),
			    ret == -EEXIST || ret == -EBUSY ? " (a port was taken meanwhile)" : "");
			return fail_at(file, &want[i], err, errlen);
		}
		(*added)++;
	}
	return 0;
}
