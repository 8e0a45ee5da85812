/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - the CE's maps.  All are pinned by name under
 * /sys/fs/bpf/mapce/<wan>/ so that the NAT state outlives the loader and a
 * program reload (live upgrade reuses them).  Keys and values are the
 * structs of include/mapce_abi.h.
 */
#ifndef MAPCE_BPF_CE_MAPS_H
#define MAPCE_BPF_CE_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "mapce_binlog.h"
#include "lib/clock.h"
#include "lib/consts.h"
#include "lib/maps.h"

/* Runtime configuration, one element at key 0.  Written by the loader
 * (`mapce up`, prefix changes), read by every packet. */
struct config_map mapce_config SEC(".maps");

/* The version and hash of the layout of these pins (deploy.h). */
struct layout_map mapce_layout SEC(".maps");

/* MAP rules of the domain, by index (BMR and FMRs).  Written by the
 * loader, read when a packet goes to or comes from an FMR destination. */
struct rules_map mapce_rules SEC(".maps");

/* FMR lookup: IPv4 destination (longest match on rule IPv4 prefixes) ->
 * index in mapce_rules.  Only FMRs are inserted, and only with mesh on. */
struct rule_lpm_map mapce_fmr_lpm SEC(".maps");

/* A half of every flow: struct mapce_tuple -> struct mapce_flow.  Sized
 * by the loader (`mapce up --max-flows`), as are the binding maps. */
struct flow_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAPCE_MAX_FLOWS);
	__type(key, struct mapce_tuple);
	__type(value, struct mapce_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* Outbound half of every flow: inside 5-tuple -> outside ip:port plus the
 * outbound counters.  Created by TC egress on a flow's first packet,
 * updated per packet, deleted by the expiry sweep. */
struct flow_map mapce_flow_out SEC(".maps");

/* Inbound half: outside ip:port + remote -> inside ip:port plus the
 * inbound counters.  Created with the outbound half; XDP ingress looks it
 * up for every decapsulated packet. */
struct flow_map mapce_flow_in SEC(".maps");

/* Mappings between endpoints: struct mapce_endpoint -> struct
 * mapce_binding.  Sized by the loader like the flow maps. */
struct binding_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAPCE_MAX_BINDINGS);
	__type(key, struct mapce_endpoint);
	__type(value, struct mapce_binding);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
};

/* Endpoint-independent mappings: inside ip:port/proto -> outside ip:port.
 * Every flow of an inside endpoint uses its mapping's outside port. */
struct binding_map mapce_bind SEC(".maps");

/* Port ownership: outside ip:port/proto -> inside owner.  Claimed with
 * BPF_NOEXIST, so two CPUs can never hand out the same port. */
struct binding_map mapce_ports SEC(".maps");

/* The port set's occupancy hint (port_hint.h): per protocol slot, one
 * bit per index of the set, set when the datapath claims the port or
 * finds it claimed, cleared when the sweep frees it; rebuilt from
 * mapce_ports by the loader (user/ce/port_hint_sync.h).  A new flow reads a word to
 * find a free port instead of walking the set; mapce_ports claimed with
 * NOEXIST stays the authority, and a port the hint misses is still found
 * by the walk.  A pin older than this map: the load creates it.
 * Element slot * 1024 + word (mapce_abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAPCE_PORT_HINT_KEYS);
	__type(key, __u32);
	/* one word an element: with the word in the key, the verifier's
	 * view of a scan's index stays imprecise (a loop it can prove
	 * converges) */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_port_hint SEC(".maps");

/* Remote addresses each mapping sent to (address-dependent filtering).
 * Created with a flow, refreshed by the sweep while a flow to that
 * address lives, deleted two sweeps after the last one. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAPCE_MAX_FLOWS);
	__type(key, struct mapce_peer_key);
	__type(value, __u64); /* refreshed, ns */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_peers SEC(".maps");

/* Per inside host (IPv4, network order): mappings held, and refusals when
 * config.max_per_host is reached.  Counted on mapping create/expire. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAPCE_MAX_BINDINGS);
	__type(key, __be32);
	__type(value, struct mapce_host);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_hosts SEC(".maps");

/* The path MTU to the BR learned from Packet Too Big (icmp6_err.h); until
 * it ages out, TC egress answers larger DF packets with ICMPv4
 * "fragmentation needed" and both directions clamp the MSS of SYNs to it
 * (mss_ceiling).  One element: one array read per packet that looks. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_pmtu);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_pmtu SEC(".maps");

/* The XDP fast path's LAN device (fastpath.h): one struct mapce_fastpath,
 * written by the loader (`up --fastpath LAN_IF`), read by both XDP
 * programs on every packet that could take the fast path.  Its own map,
 * not a field of the config: the config's size is part of the pinned
 * layout, and a new map is simply created by the next load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_fastpath);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_fastpath SEC(".maps");

/* Scratch for a new flow half's value (napt.h's flow_insert: 80 bytes
 * the fast path's XDP stack has no room for), per CPU.  Not pinned. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_flow);
} mapce_flow_tmp SEC(".maps");

/* The fast path's FIB cache (fib_cache.h): recent successful FIB lookups,
 * per CPU (no locks, no shared lines), direct-mapped by a hash of the
 * lookup's key.  Not pinned: soft state, empty again after every load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MAPCE_FIB_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct mapce_fib_entry);
} mapce_fib_cache SEC(".maps");

/* The per-packet clock (lib/clock.h): each CPU's last coarse clock
 * reading and the jiffies it was taken at, for the flows' activity stamps
 * and the FIB cache.  Not pinned: soft state, read again after a load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct clock_cache);
} mapce_clock SEC(".maps");

/* The next outbound IPv4 id each CPU hands out (frag.h), from its block
 * of FRAG_ID_BLOCK ids of the box's one sequence (blocks start at
 * multiples of FRAG_ID_BLOCK).  Not pinned: soft state (a load starts the
 * sequence again, as it always did: the sequence is the program's own
 * global). */
#define FRAG_ID_BLOCK 64

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} mapce_frag_ids SEC(".maps");

/* Fragment payloads held for reassembly (reasm.h): outer IPv6 fragments
 * of tunnel packets, and inner IPv4 fragments that came before their first
 * fragment; keyed by datagram (kind, source, id) and offset.  LRU and an
 * age check bound them: a fragment flood only evicts other fragments. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 512);
	__type(key, struct mapce_reasm_key);
	__type(value, struct mapce_reasm_frag);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_reasm SEC(".maps");

/* The datagrams being reassembled (reasm.h): the same key with offset
 * REASM_DGRAM_OFF -> how much has come, the total once the last fragment
 * came, the first fragment's IPv4 header (inner datagrams) and the age.
 * Deleted when the datagram is whole; LRU and the age check bound it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__type(key, struct mapce_reasm_key);
	__type(value, struct mapce_reasm_dgram);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_reasm_dg SEC(".maps");

/* Scratch for one fragment (too big for the BPF stack), per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_reasm_frag);
} mapce_reasm_tmp SEC(".maps");

/* Fragmented datagrams in flight (frag.h): created by a datagram's first
 * fragment seen (in either direction), read by its later fragments.  LRU
 * and an age check bound it: a fragment flood evicts only fragment state. */
FRAG_MAP(struct mapce_frag, MAPCE_MAX_FRAGS) mapce_frags SEC(".maps");

/* Reason counters (enum mapce_reason -> packets, bytes), per CPU: no
 * atomics on the hot path; the CLI sums the CPUs. */
struct stats_map mapce_stats SEC(".maps");

/* The binding log (binlog.h): struct mapce_binlog_event records, one per
 * binding made, refused, closed or expired, for `mapce log` and `mapce run
 * --binding-log` (one reader at a time: a ring buffer has one consumer
 * position).  Pinned so the reader finds it and events wait for it; a full
 * ring loses new events (counted), never blocks a packet. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, MAPCE_BINLOG_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_binlog SEC(".maps");

/* Value of mapce_gc. */
struct mapce_gc_state {
	struct bpf_timer timer;
	__u64 sweeps; /* sweeps run */
};

/* The expiry sweep's timer (gc.h), one element.  Armed by the first new
 * flow after a program load; runs every config.gc_interval_ms in softirq
 * context while the pinned map lives. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mapce_gc_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} mapce_gc SEC(".maps");

#endif
