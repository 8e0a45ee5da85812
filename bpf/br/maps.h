/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps.h - the BR's maps.  All are pinned by name under
 * /sys/fs/bpf/mapce_br/<dev>/ (MAPCE_BR_PIN_ROOT), so `mapce br status`
 * and a second `mapce br up` find them.  Names are prefixed mapce_br_ and
 * fit the kernel's 15-character map name.  Keys and values are the structs
 * of include/mapce_abi.h.  The BR keeps no per-flow state: the only
 * per-packet memory is mapce_br_frags, which lets the later fragments of a
 * datagram follow its first one (bounded, LRU, entries age out).
 */
#ifndef MAPCE_BPF_BR_MAPS_H
#define MAPCE_BPF_BR_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "mapce_abi.h"
#include "lib/consts.h"
#include "lib/maps.h"

/*
 * Runtime configuration, one element at key 0.  Written by `mapce br up`,
 * read by both programs for every packet.  Of struct mapce_config the BR
 * uses: br_ipv6 (its own address: decap destination and encap source),
 * flags (MAPCE_CFG_F_ENABLED: else everything passes untouched;
 * MAPCE_CFG_F_LEGACY_IID: CE addresses use draft-03 interface
 * identifiers), hop_limit (outer hop limit of encapsulated packets) and
 * wan_ifindex (the device both programs are attached to).  The rest is 0.
 */
struct config_map mapce_br_config SEC(".maps");

/* The version and hash of the layout of these pins (deploy.h). */
struct layout_map mapce_br_layout SEC(".maps");

/* The domain's MAP rules by index (struct mapce_rule, prefixes in network
 * order).  Written by `mapce br up`; read after an mapce_br_lpm hit. */
struct rules_map mapce_br_rules SEC(".maps");

/* Rule IPv4 prefix (longest match) -> index in mapce_br_rules.  Written by
 * `mapce br up` (one entry per rule); read by XDP for the inner IPv4
 * source of a decapsulated packet and by TC for an IPv4 destination. */
struct rule_lpm_map mapce_br_lpm SEC(".maps");

/* Reason counters (enum mapce_reason -> packets, bytes of the frame as the
 * program saw it), per CPU.  Written by both programs through
 * stats_count(); read (summed over CPUs) by `mapce br status`. */
struct stats_map mapce_br_stats SEC(".maps");

/*
 * Value of mapce_br_frags: the CE a fragmented datagram belongs to, as its
 * first fragment (the one with the ports) showed.  BPF-side only: the
 * loader and `br status` only count keys.
 */
struct br_frag {
	__u8 ce[16];	  /* MAP IPv6 address of the owner CE */
	__u64 created_ns; /* bpf_ktime_get_coarse_ns() when the first fragment
			   * passed; void after MAPCE_FRAG_TIMEOUT_S */
};

/*
 * Fragmented datagrams to and from CEs of shared-address rules (k > 0),
 * RFC 7597 §8.3: struct mapce_frag_key (the inner IPv4 src, dst, id and
 * protocol as the BR sees them; dir = enum br_dir: BR_FROM_CE 0 at XDP,
 * BR_TO_CE 1 at TC) -> struct br_frag.  Written by either program when a
 * first fragment (offset 0, MF) is attributed to its CE; read for every
 * later fragment, which has no ports.  LRU: a flood of first fragments
 * evicts old entries instead of failing, and bounds the memory; lookups
 * ignore entries older than MAPCE_FRAG_TIMEOUT_S.
 */
FRAG_MAP(struct br_frag, MAPCE_BR_MAX_FRAGS) mapce_br_frags SEC(".maps");

#endif
