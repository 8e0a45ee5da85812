// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_nat_prune.c - the NAT state a new address or port set cuts
 * (user/ce/nat_prune.c), on real BPF hash maps of the datapath's key and
 * value sizes (root: BPF map creation; skipped without).
 *
 * The new config is the lab's 2001:db8:12:3400::/56: 198.51.100.18, PSID
 * 52 of 8 bits at offset 4 (ports 0x1340-0x134f, ..., 0xf340-0xf34f).
 * Filled in: entries of that address and set (kept), of the same address
 * but another PSID's ports (dropped), of the old address 198.51.100.86
 * (dropped), a port forward inside the set (kept) and one outside it
 * (dropped and counted apart); the dropped dynamic mapping of a host
 * gives its mapce_hosts count back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "ce/nat_prune.h"

#define NEW_IP "198.51.100.18"
#define OLD_IP "198.51.100.86"

static __be32 ip4(const char *s)
{
	__be32 a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static int mk(const char *name, __u32 ksz, __u32 vsz)
{
	return bpf_map_create(BPF_MAP_TYPE_HASH, name, ksz, vsz, 256, NULL);
}

static long count(int fd)
{
	__u8 key[64];
	long n = 0;

	for (int i = 0; i < 1000 && !bpf_map_get_next_key(fd, n ? key : NULL, key); i++)
		n++;
	return n;
}

/* One flow: both halves, its mapping, its port claim, its peer. */
static void flow(const struct nat_fds *m, const char *inside, __u16 iport, const char *out_ip,
		 __u16 oport, __u8 bind_flags)
{
	struct mapce_tuple ko = { .local_ip = ip4(inside),
				  .remote_ip = ip4("203.0.113.10"),
				  .local_port = htons(iport),
				  .remote_port = htons(7007),
				  .proto = 17 };
	struct mapce_tuple ki = { .local_ip = ip4(out_ip),
				  .remote_ip = ko.remote_ip,
				  .local_port = htons(oport),
				  .remote_port = ko.remote_port,
				  .proto = 17 };
	struct mapce_flow fo = { .ip = ki.local_ip, .port = ki.local_port };
	struct mapce_flow fi = { .ip = ko.local_ip, .port = ko.local_port };
	struct mapce_endpoint in = { .ip = ko.local_ip, .port = ko.local_port, .proto = 17 };
	struct mapce_endpoint out = { .ip = ki.local_ip, .port = ki.local_port, .proto = 17 };
	struct mapce_binding b = { .ip = out.ip, .port = out.port, .flags = bind_flags };
	struct mapce_binding owner = { .ip = in.ip, .port = in.port, .flags = bind_flags };
	struct mapce_peer_key pk = {
		.out_ip = out.ip, .remote_ip = ko.remote_ip, .out_port = out.port, .proto = 17
	};
	__u64 seen = 1;

	if (!(bind_flags & MAPCE_BIND_F_STATIC)) {
		CHECK(!bpf_map_update_elem(m->flow_out, &ko, &fo, BPF_ANY));
		CHECK(!bpf_map_update_elem(m->flow_in, &ki, &fi, BPF_ANY));
		CHECK(!bpf_map_update_elem(m->peers, &pk, &seen, BPF_ANY));
	}
	CHECK(!bpf_map_update_elem(m->bind, &in, &b, BPF_ANY));
	CHECK(!bpf_map_update_elem(m->ports, &out, &owner, BPF_ANY));
}

static void test_prune(void)
{
	struct nat_fds m = {
		.flow_out = mk("flow_out", sizeof(struct mapce_tuple), sizeof(struct mapce_flow)),
		.flow_in = mk("flow_in", sizeof(struct mapce_tuple), sizeof(struct mapce_flow)),
		.bind = mk("bind", sizeof(struct mapce_endpoint), sizeof(struct mapce_binding)),
		.ports = mk("ports", sizeof(struct mapce_endpoint), sizeof(struct mapce_binding)),
		.peers = mk("peers", sizeof(struct mapce_peer_key), sizeof(__u64)),
		.hosts = mk("hosts", sizeof(__be32), sizeof(struct mapce_host)),
	};
	struct mapce_config c = {
		.ipv4 = ip4(NEW_IP), .psid = 52, .psid_len = 8, .psid_offset = 4
	};
	struct mapce_host h = { .bindings = 3 }, got;
	__be32 host = ip4("192.0.2.10");
	struct nat_pruned n;

	TCASE_BEGIN(
		"nat_prune: the entries outside the new address and port set go, the rest stays");
	if (m.flow_out < 0 || m.flow_in < 0 || m.bind < 0 || m.ports < 0 || m.peers < 0 ||
	    m.hosts < 0) {
		TSKIP(t_case, "cannot create BPF maps (needs root)");
		goto out;
	}
	/* kept: the new address, ports of its set */
	flow(&m, "192.0.2.10", 40001, NEW_IP, 0x1340, 0);
	flow(&m, "192.0.2.11", 40002, NEW_IP, 0xf34f, 0);
	/* dropped: the new address, ports of PSID 53 and of range 0 */
	flow(&m, "192.0.2.10", 40003, NEW_IP, 0x1350, 0);
	flow(&m, "192.0.2.12", 40004, NEW_IP, 0x0345, 0);
	/* dropped: the old address (a port in the new set, even) */
	flow(&m, "192.0.2.10", 40005, OLD_IP, 0x1341, 0);
	/* forwards: one inside the set (kept), one outside (dropped) */
	flow(&m, "192.0.2.20", 22, NEW_IP, 0x1342, MAPCE_BIND_F_STATIC);
	flow(&m, "192.0.2.21", 80, OLD_IP, 0x5660, MAPCE_BIND_F_STATIC);
	CHECK(!bpf_map_update_elem(m.hosts, &host, &h, BPF_ANY));

	CHECK(nat_prune(&m, &c, &n) == 0);
	CHECK_EQ(n.flows_kept, 2);
	CHECK_EQ(n.flows_dropped, 3);
	CHECK_EQ(n.bindings_kept, 2);
	CHECK_EQ(n.bindings_dropped, 3);
	CHECK_EQ(n.forwards_dropped, 1);
	/* inbound halves 3, port claims 4 (3 dynamic + 1 forward), peers 3 */
	CHECK_EQ(n.other_dropped, 10);
	CHECK_EQ(count(m.flow_out), 2);
	CHECK_EQ(count(m.flow_in), 2);
	CHECK_EQ(count(m.bind), 3);
	CHECK_EQ(count(m.ports), 3);
	CHECK_EQ(count(m.peers), 2);
	/* 192.0.2.10 lost two of its three dynamic mappings */
	CHECK(!bpf_map_lookup_elem(m.hosts, &host, &got));
	CHECK_EQ(got.bindings, 1);
	/* a second walk finds nothing more to cut */
	CHECK(nat_prune(&m, &c, &n) == 0);
	CHECK_EQ(n.flows_dropped + n.bindings_dropped + n.forwards_dropped + n.other_dropped, 0);
	CHECK_EQ(n.flows_kept, 2);
	TCASE_END();
out:;
	int fds[] = { m.flow_out, m.flow_in, m.bind, m.ports, m.peers, m.hosts };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A flow map whose values or keys are bigger than nat_prune's buffers (a
 * map of another layout): refused, nothing read past a buffer, nothing
 * deleted. */
static void test_value_too_big(void)
{
	struct nat_fds m = { .flow_out = mk("flow_out", sizeof(struct mapce_tuple), 4096),
			     .flow_in = -1,
			     .bind = -1,
			     .ports = -1,
			     .peers = -1,
			     .hosts = -1 };
	struct mapce_config c = {
		.ipv4 = ip4(NEW_IP), .psid = 52, .psid_len = 8, .psid_offset = 4
	};
	struct mapce_tuple k = { .local_ip = ip4("192.0.2.10"), .proto = 17 };
	static __u8 big[4096];
	struct nat_pruned n;

	TCASE_BEGIN(
		"nat_prune: a map of keys or values bigger than its buffers is refused, untouched");
	if (m.flow_out < 0) {
		TSKIP(t_case, "cannot create BPF maps (needs root)");
		return;
	}
	CHECK(!bpf_map_update_elem(m.flow_out, &k, big, BPF_ANY));
	CHECK_EQ(nat_prune(&m, &c, &n), -E2BIG);
	CHECK_EQ(count(m.flow_out), 1);
	close(m.flow_out);
	/* keys bigger than the buffer of the walk's keys: the same */
	m.flow_out = mk("flow_out", 64, sizeof(struct mapce_flow));
	CHECK(m.flow_out >= 0 && !bpf_map_update_elem(m.flow_out, big, big, BPF_ANY));
	CHECK_EQ(nat_prune(&m, &c, &n), -E2BIG);
	CHECK_EQ(count(m.flow_out), 1);
	TCASE_END();
	if (m.flow_out >= 0)
		close(m.flow_out);
}

int main(void)
{
	test_prune();
	test_value_too_big();
	return t_exit();
}
