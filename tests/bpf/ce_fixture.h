/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ce_fixture.h - load the real CE object without pinning, configure it as
 * the v6plus-style lab CE, and run programs with BPF_PROG_TEST_RUN.
 *
 * The CE: rule 2001:db8::/40 -> 198.51.100.0/24, EA 16, offset 4, legacy
 * IID, prefix 2001:db8:12:3400::/56: IPv4 198.51.100.18, PSID 0x34, 15
 * ranges of 16 ports (0x1340-0x134f ... 0xf340-0xf34f).
 */
#ifndef MAPCE_TEST_CE_FIXTURE_H
#define MAPCE_TEST_CE_FIXTURE_H

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "mapce_ce.skel.h"
#include "mapce_abi.h"
#include "mapce_rule.h"
#include "pkt.h"

#define CE_IPV4 "198.51.100.18"
#define CE_PSID 0x34
#define CE_MAP6 "2001:db8:12:3400:c6:3364:1200:3400"
#define BR6 "2001:db8:ffff::64"
#define LAN_HOST "192.0.2.10"
#define SERVER "203.0.113.10"

struct ce_fx {
	struct mapce_ce *skel;
	struct mapce_config cfg;
	struct mapce_rule bmr;
};

static inline void ce_rule_v6plus(struct mapce_rule *r)
{
	memset(r, 0, sizeof(*r));
	ip6("2001:db8::", r->ipv6_prefix);
	r->ipv6_prefix_len = 40;
	r->ipv4_prefix = htonl(ip4("198.51.100.0"));
	r->ipv4_prefix_len = 24;
	r->ea_len = 16;
	r->psid_offset = 4;
}

static inline int ce_fx_config(struct ce_fx *fx)
{
	__u32 zero = 0;

	return bpf_map__update_elem(fx->skel->maps.mapce_config, &zero, sizeof(zero), &fx->cfg,
				    sizeof(fx->cfg), 0);
}

/* Open + load with no pinning and flow maps sized for max_flows (0 =
 * default), configure.  0 on success. */
static inline int ce_fx_open_sized(struct ce_fx *fx, __u32 max_flows)
{
	struct bpf_map *m;
	__u32 zero = 0;

	memset(fx, 0, sizeof(*fx));
	fx->skel = mapce_ce__open();
	if (!fx->skel)
		return -errno;
	bpf_object__for_each_map(m, fx->skel->obj)
		bpf_map__set_pin_path(m, NULL);
	if (max_flows) {
		bpf_map__set_max_entries(fx->skel->maps.mapce_flow_out, max_flows);
		bpf_map__set_max_entries(fx->skel->maps.mapce_flow_in, max_flows);
	}
	if (mapce_ce__load(fx->skel)) {
		mapce_ce__destroy(fx->skel);
		fx->skel = NULL;
		return -1;
	}
	ce_rule_v6plus(&fx->bmr);
	ip6(CE_MAP6, fx->cfg.ce_ipv6);
	ip6(BR6, fx->cfg.br_ipv6);
	fx->cfg.ipv4 = htonl(ip4(CE_IPV4));
	fx->cfg.psid = CE_PSID;
	fx->cfg.psid_len = 8;
	fx->cfg.psid_offset = 4;
	fx->cfg.port_count = mapce_port_count(4, 8);
	fx->cfg.flags = MAPCE_CFG_F_ENABLED | MAPCE_CFG_F_LEGACY_IID;
	fx->cfg.hop_limit = 64;
	fx->cfg.mtu = 1460;
	fx->cfg.timeout_udp = 300;
	fx->cfg.timeout_tcp_est = 7440;
	fx->cfg.timeout_tcp_trans = 240;
	fx->cfg.timeout_icmp = 60;
	fx->cfg.gc_interval_ms = 1000;
	bpf_map__update_elem(fx->skel->maps.mapce_rules, &zero, sizeof(zero), &fx->bmr,
			     sizeof(fx->bmr), 0);
	return ce_fx_config(fx);
}

static inline int ce_fx_open(struct ce_fx *fx)
{
	return ce_fx_open_sized(fx, 0);
}

static inline void ce_fx_close(struct ce_fx *fx)
{
	if (fx->skel)
		mapce_ce__destroy(fx->skel);
	fx->skel = NULL;
}

/* Run prog on in; output in out.  Returns the verdict, or -1. */
static inline int run_prog(struct bpf_program *prog, const struct pkt *in, struct pkt *out)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = (__u32)in->len,
		    .data_out = out->b, .data_size_out = sizeof(out->b), .repeat = 1);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err)
		return -1;
	out->len = o.data_size_out;
	return (int)o.retval;
}

/* Sum of a reason counter over all CPUs. */
static inline __u64 reason_packets(struct ce_fx *fx, __u32 reason)
{
	int n = libbpf_num_possible_cpus();
	struct mapce_counter v[n > 0 ? n : 1];
	__u64 sum = 0;

	if (bpf_map__lookup_elem(fx->skel->maps.mapce_stats, &reason, sizeof(reason), v,
				 sizeof(v), 0))
		return 0;
	for (int i = 0; i < n; i++)
		sum += v[i].packets;
	return sum;
}

/* Snapshot of every reason counter, to assert exact deltas. */
struct reason_snap {
	__u64 p[MAPCE_R__MAX];
};

static inline void snap(struct ce_fx *fx, struct reason_snap *s)
{
	for (__u32 r = 0; r < MAPCE_R__MAX; r++)
		s->p[r] = reason_packets(fx, r);
}

/* Exactly one packet counted, under reason r (events ignored). */
static inline int only_reason(struct ce_fx *fx, const struct reason_snap *before, __u32 r)
{
	struct reason_snap now;
	int ok = 1;

	snap(fx, &now);
	for (__u32 i = 0; i < MAPCE_R__MAX; i++) {
		if (!strncmp(mapce_reason_names[i], "ev_", 3))
			continue;
		__u64 d = now.p[i] - before->p[i];

		if (d != (i == r ? 1u : 0u)) {
			printf("#   reason %s delta %llu (expected %u)\n", mapce_reason_names[i],
			       (unsigned long long)d, i == r);
			ok = 0;
		}
	}
	return ok;
}

#endif
