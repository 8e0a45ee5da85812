// SPDX-License-Identifier: GPL-2.0-only
/* ce_prom.c - a running CE's state as Prometheus metrics (ce_prom.h). */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "ce/ce_prom.h"
#include "core/mode.h"
#include "core/addrfmt.h"
#include "core/atomic_file.h"
#include "core/prom.h"
#include "sys/lock.h"

struct flows_ctx {
	struct ce_prom *p;
	int flow_in;
};

static int flow_cb(const void *key, const void *val, void *arg)
{
	const struct mapce_tuple *t = key;
	const struct mapce_flow *out = val;
	struct flows_ctx *x = arg;
	struct mapce_flow in;
	bool have_in = ce_flow_in_half(x->flow_in, t, out, &in);
	int pr = port_use_proto(t->proto);
	int st = mapce_flow_state(t->proto, out->tcp_seen, have_in ? in.tcp_seen : 0);

	if (pr >= 0 && st >= 0 && st < MAPCE_FS__MAX)
		x->p->flows[pr][st]++;
	return 0;
}

int ce_prom_collect(const char *wan, struct ce_prom *p, char *err, size_t errlen)
{
	struct flows_ctx fx = { p, -1 };
	struct ce_maps m;
	int ncpus = libbpf_num_possible_cpus();
	int ret;

	memset(p, 0, sizeof(*p));
	snprintf(p->wan, sizeof(p->wan), "%s", wan);
	ret = ce_maps_open(wan, &m);
	if (ret) {
		snprintf(err, errlen, "not up on %s", wan);
		return ret;
	}
	ret = ce_maps_config(&m, &p->cfg);
	if (ret) {
		snprintf(err, errlen, "reading %s/mapce_config: %s", m.dir, strerror(-ret));
		goto out;
	}
	ret = ncpus > 0 ? ce_maps_stats(&m, p->sum, NULL, ncpus) : -EINVAL;
	if (ret) {
		snprintf(err, errlen, "reading %s/mapce_stats: %s", m.dir, strerror(-ret));
		goto out;
	}
	ret = port_use_read(&m, &p->cfg, &p->use);
	if (ret) {
		snprintf(err, errlen, "reading %s/mapce_ports, mapce_bind: %s", m.dir,
			 strerror(-ret));
		goto out;
	}
	fx.flow_in = m.flow_in;
	if (m.flow_out >= 0)
		ce_map_foreach(m.flow_out, flow_cb, &fx);
	p->pmtu = ce_maps_pmtu(&m);
out:
	ce_maps_close(&m);
	return ret;
}

void ce_prom_free(struct ce_prom *p)
{
	port_use_free(&p->use);
}

/* One family whose samples differ by one label (besides wan). */
static void by_proto(FILE *f, const struct ce_prom *p, const char *name, const char *help,
		     const __u32 v[PU__N])
{
	prom_family(f, name, "gauge", help);
	for (int i = 0; i < PU__N; i++) {
		const struct prom_label l[] = { { "wan", p->wan },
						{ "protocol", port_use_proto_names[i] } };

		prom_sample(f, name, l, 2, v[i]);
	}
}

static void reasons(FILE *f, const struct ce_prom *p, bool bytes)
{
	const char *name = bytes ? "mapce_bytes_total" : "mapce_packets_total";

	prom_family(f, name, "counter",
		    bytes ? "Bytes of the packets counted under each reason (mapce stats)."
			  : "Packets (ev_*: events) counted under each reason (mapce stats).");
	for (int r = 0; r < MAPCE_R__MAX; r++) {
		const struct prom_label l[] = { { "wan", p->wan },
						{ "reason", mapce_reason_names[r] } };

		prom_sample(f, name, l, 2, bytes ? p->sum[r].bytes : p->sum[r].packets);
	}
}

static void ports(FILE *f, const struct ce_prom *p)
{
	const struct prom_label w[] = { { "wan", p->wan } };
	__u32 free_ports[PU__N], n = mode_napt_port_count(&p->cfg); /* ipip6: 1024-65535 */

	prom_family(f, "mapce_port_set_size", "gauge",
		    "Ports in this CE's port set (the same set serves each protocol).");
	prom_sample(f, "mapce_port_set_size", w, 1, n);
	by_proto(f, p, "mapce_ports_in_use",
		 "Ports of the set claimed (mapce_ports), per protocol.", p->use.in_use);
	for (int i = 0; i < PU__N; i++)
		free_ports[i] = n > p->use.in_use[i] ? n - p->use.in_use[i] : 0;
	by_proto(f, p, "mapce_ports_free", "Ports of the set not claimed, per protocol.",
		 free_ports);
	by_proto(f, p, "mapce_ports_forwarded", "Ports of the set held by port forwards.",
		 p->use.claimed_forwards);
	by_proto(f, p, "mapce_ports_overlapped",
		 "Mappings sharing a port another mapping claims (RFC 7857 overlap).",
		 p->use.overlapped);
}

static void bindings(FILE *f, const struct ce_prom *p)
{
	const char *name = "mapce_bindings";

	prom_family(f, name, "gauge",
		    "Endpoint-independent mappings (mapce_bind) per protocol and type: dynamic, "
		    "overlapped (dynamic on a shared port), forward (static).");
	for (int i = 0; i < PU__N; i++) {
		const __u32 fw = p->use.forwards[i], ov = p->use.overlapped[i];
		const __u32 all = p->use.mappings[i];
		const __u32 dyn = all > fw + ov ? all - fw - ov : 0;
		const char *types[] = { "dynamic", "overlapped", "forward" };
		const __u32 v[] = { dyn, ov, fw };

		for (int t = 0; t < 3; t++) {
			const struct prom_label l[] = { { "wan", p->wan },
							{ "protocol", port_use_proto_names[i] },
							{ "type", types[t] } };

			prom_sample(f, name, l, 3, v[t]);
		}
	}
	name = "mapce_flows";
	prom_family(f, name, "gauge",
		    "NAT flows (mapce_flow_out) per protocol and state (TCP: syn_sent, "
		    "established, closing; UDP and ICMP: active).");
	for (int i = 0; i < PU__N; i++) {
		for (int s = 0; s < MAPCE_FS__MAX; s++) {
			const struct prom_label l[] = { { "wan", p->wan },
							{ "protocol", port_use_proto_names[i] },
							{ "state", mapce_flow_state_names[s] } };

			/* TCP has no "active", UDP and ICMP only that */
			if ((i == PU_TCP) != (s != MAPCE_FS_ACTIVE))
				continue;
			prom_sample(f, name, l, 3, p->flows[i][s]);
		}
	}
}

static void hosts(FILE *f, const struct ce_prom *p)
{
	const struct prom_label w[] = { { "wan", p->wan } };
	char a[IP4_STRLEN];

	prom_family(f, "mapce_host_mappings", "gauge",
		    "Mappings each LAN host holds, per protocol (forwards included).");
	for (size_t h = 0; h < p->use.n_hosts; h++) {
		ip4_str(p->use.hosts[h].ip, a);
		for (int i = 0; i < PU__N; i++) {
			const struct prom_label l[] = { { "wan", p->wan },
							{ "host", a },
							{ "protocol", port_use_proto_names[i] } };

			prom_sample(f, "mapce_host_mappings", l, 3, p->use.hosts[h].proto[i]);
		}
	}
	prom_family(f, "mapce_host_limit_hits_total", "counter",
		    "New mappings refused because the LAN host held the per-host limit.");
	for (size_t h = 0; h < p->use.n_hosts; h++) {
		const struct prom_label l[] = { { "wan", p->wan }, { "host", a } };

		if (!p->use.hosts[h].accounted)
			continue;
		ip4_str(p->use.hosts[h].ip, a);
		prom_sample(f, "mapce_host_limit_hits_total", l, 2, p->use.hosts[h].limit_hits);
	}
	prom_family(f, "mapce_per_host_limit", "gauge",
		    "Mappings one LAN host may hold (--max-per-host); 0: no limit.");
	prom_sample(f, "mapce_per_host_limit", w, 1, p->cfg.max_per_host);
}

void ce_prom_write(FILE *f, const void *ctx)
{
	const struct ce_prom *p = ctx;
	const struct prom_label w[] = { { "wan", p->wan } };

	reasons(f, p, false);
	reasons(f, p, true);
	ports(f, p);
	bindings(f, p);
	hosts(f, p);
	prom_family(f, "mapce_tunnel_path_mtu_bytes", "gauge",
		    "IPv6 path MTU toward the BR learned from Packet Too Big; 0: none learned "
		    "(or aged out).");
	prom_sample(f, "mapce_tunnel_path_mtu_bytes", w, 1, p->pmtu);
}

int ce_prom_file_update(const char *wan, const char *path, char *err, size_t errlen)
{
	static struct ce_prom p;
	int lock = mapce_lock(false), ret = ce_prom_collect(wan, &p, err, errlen);

	mapce_unlock(lock);
	if (!ret) {
		/* 0644: node_exporter runs as its own user */
		ret = atomic_write(path, 0644, ce_prom_write, &p);
		if (ret)
			snprintf(err, errlen, "writing %s: %s", path, strerror(-ret));
	}
	ce_prom_free(&p);
	return ret;
}
