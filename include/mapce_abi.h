/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mapce_abi.h - the contract between the BPF programs and the loader.
 *
 * Map keys and values, the runtime configuration, and the reason codes
 * every packet is counted under.  Fixed-width types only, explicit padding
 * (always zeroed by the writer), no pointers, no bool, no enums in structs.
 * Byte order is stated per field: "be" = network order, otherwise host.
 *
 * Everything here is append-only: pinned maps outlive a program reload, so
 * a new mapce must read the old layouts.  Add fields at the end of values,
 * never reorder, never renumber a reason.
 */
#ifndef MAPCE_ABI_H
#define MAPCE_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* ------------------------------------------------------------------ */
/* Sizes                                                               */
/* ------------------------------------------------------------------ */

#ifndef MAPCE_MAX_RULES
#define MAPCE_MAX_RULES 32 /* BMR + FMRs per domain */
#endif
#ifndef MAPCE_MAX_FLOWS
#define MAPCE_MAX_FLOWS 65536 /* default; the loader may resize */
#endif
#ifndef MAPCE_MAX_BINDINGS
#define MAPCE_MAX_BINDINGS 65536
#endif

/* Pin paths, tc handles, defaults and minimums of the settings are the
 * loader's policy, not ABI: user/core/policy.h. */

/* ------------------------------------------------------------------ */
/* MAP rules                                                           */
/* ------------------------------------------------------------------ */

/*
 * One MAP rule (RFC 7597 §5): BMR or FMR.  Also the input of the rule math
 * in mapce_rule.h.  psid_len is only meaningful with MAPCE_RULE_F_EXPLICIT
 * (lw4o6 style, no EA bits); otherwise it is derived: k = ea_len - (32 - r4).
 */
struct mapce_rule {
	__u8 ipv6_prefix[16]; /* rule IPv6 prefix, network order, host bits zero */
	__be32 ipv4_prefix;   /* rule IPv4 prefix, host bits zero */
	__u8 ipv6_prefix_len; /* r6, 0..64 */
	__u8 ipv4_prefix_len; /* r4, 0..32 */
	__u8 ea_len;	      /* o, EA-bits length, 0..48 */
	__u8 psid_offset;     /* a, 0..15 */
	__u8 psid_len;	      /* k; derived unless MAPCE_RULE_F_EXPLICIT */
	__u8 flags;	      /* MAPCE_RULE_F_* */
	__u8 _pad[2];
};

#define MAPCE_RULE_F_FMR 0x01	   /* also used as a forwarding rule (mesh) */
#define MAPCE_RULE_F_EXPLICIT 0x02 /* psid_len given, not derived */

/* Key of the FMR longest-prefix-match map: IPv4 destination -> rule index. */
struct mapce_lpm_v4_key {
	__u32 prefixlen; /* LPM keys start with the prefix length */
	__be32 addr;
};

/*
 * The BR's placeholder next hop for CEs on its own link (no IPv6 router
 * between): `mapce br up` routes such a rule's IPv4 prefix via a
 * link-local next hop whose permanent neighbour entry has this MAC, so
 * the kernel hands the packet to the tc program with it as destination;
 * the program then resolves the packet's CE itself (bpf_redirect_neigh).
 * Locally administered and unused: a frame that left with it (a bug)
 * reaches no one.
 */
#define MAPCE_BR_ONLINK_MAC                        \
	{                                          \
		0x02, 0x6d, 0x61, 0x70, 0x63, 0x65 \
	} /* 02:6d:61:70:63:65 */

/* ------------------------------------------------------------------ */
/* Runtime configuration (one element, written by the loader)          */
/* ------------------------------------------------------------------ */

struct mapce_config {
	__u8 ce_ipv6[16];	 /* our MAP IPv6 address: tunnel source, decap dst */
	__u8 br_ipv6[16];	 /* BR (DMR) address: default tunnel destination */
	__be32 ipv4;		 /* shared public IPv4 address (NAPT target) */
	__u16 psid;		 /* our PSID, right-aligned */
	__u8 psid_len;		 /* k: 0 = whole address */
	__u8 psid_offset;	 /* a */
	__u32 port_count;	 /* ports in the set (cached from the math) */
	__u8 flags;		 /* MAPCE_CFG_F_* */
	__u8 hop_limit;		 /* outer IPv6 hop limit, default 64 */
	__u16 mtu;		 /* IPv4 MTU over the tunnel, default 1460 */
	__u32 timeout_udp;	 /* seconds, default 300 */
	__u32 timeout_tcp_est;	 /* seconds, default 7440 */
	__u32 timeout_tcp_trans; /* seconds, default 240 */
	__u32 timeout_icmp;	 /* seconds, default 60 */
	__u32 gc_interval_ms;	 /* expiry sweep period, default 1000 */
	__u32 wan_ifindex;	 /* the WAN the programs are attached to */
	__u16 mss_clamp;	 /* TCP SYN MSS ceiling both ways; 0 = off; default mtu - 40 */
	__u8 encap_limit;	 /* RFC 2473 encapsulation limit option: 0 = none (default) */
	__u8 filtering;		 /* MAPCE_FILTER_*: inbound from new remotes; default ADF */
	__u32 max_per_host;	 /* mappings one inside host may hold; 0 = no limit */
	__u8 mode;		 /* MAPCE_MODE_*: which service the tunnel carries */
	__u8 ipv4_prefix_len;	 /* ipip6: the routed prefix ipv4 lies in, MAPCE_IPV4_PREFIX_MIN..32
				  * (32: one address; anything else: none either) */
	__u16 _pad2;
};

/*
 * The IPv4-over-IPv6 service (mode): one datapath, other parameters.
 *   MAP_E   RFC 7597: NAPT into the port set, rules, FMRs (the default: 0)
 *   IPIP6   a fixed IPv4 address over an RFC 2473 tunnel to br_ipv6: NAPT
 *           into ipv4 over ports 1024-65535; inbound that matches no
 *           binding goes to the box's own stack (ipv4 is a local address)
 *   DSLITE  RFC 6333 B4: no NAT; IPv4 as it is to the AFTR (br_ipv6), and
 *           only what the AFTR sends is decapsulated
 *   LW4O6   RFC 7596 lwB4: NAPT into the port set as MAP-E, no FMRs
 */
/* ipip6's shortest routed prefix (--ipv4 ADDR/LEN): 256 addresses, what
 * fixed-IP services sell (/32 to /28, a few /24). */
#define MAPCE_IPV4_PREFIX_MIN 24

#define MAPCE_MODE_MAP_E 0
#define MAPCE_MODE_IPIP6 1
#define MAPCE_MODE_DSLITE 2
#define MAPCE_MODE_LW4O6 3

/* Filtering (RFC 4787 §5, RFC 5382 REQ-3): who may send to a mapped port. */
#define MAPCE_FILTER_ADF 0  /* remotes the inside endpoint sent to (any port) */
#define MAPCE_FILTER_EIF 1  /* anyone */
#define MAPCE_FILTER_APDF 2 /* only the exact remote ip:port of a flow */

#define MAPCE_CFG_F_ENABLED 0x01    /* config is valid; else pass everything */
#define MAPCE_CFG_F_MESH 0x02	    /* FMRs route CE-to-CE directly */
#define MAPCE_CFG_F_LEGACY_IID 0x04 /* draft-03 interface identifiers */

/* gc_interval_ms 0 means this (the datapath's fallback); the other
 * defaults are the loader's (user/core/policy.h). */
#define MAPCE_DEFAULT_GC_INTERVAL_MS 1000

/* ------------------------------------------------------------------ */
/* NAT table                                                           */
/* ------------------------------------------------------------------ */

/*
 * A flow, seen from one side.  Key of both flow maps:
 *   mapce_flow_out: local = inside host,  remote = internet peer
 *   mapce_flow_in:  local = our outside (public) address and port
 * For ICMP echo the "port" is the identifier and remote_port is 0.
 */
struct mapce_tuple {
	__be32 local_ip;
	__be32 remote_ip;
	__be16 local_port;
	__be16 remote_port;
	__u8 proto; /* IPPROTO_TCP, _UDP, _ICMP */
	__u8 _pad[3];
};

/*
 * The fast path's FIB cache (bpf/ce/fib_cache.h, map mapce_fib_cache: per
 * CPU, not pinned): one successful bpf_fib_lookup for a packet from src to
 * dst (TOS tos) in on in_ifindex, kept until expires_ns (coarse clock,
 * MAPCE_FIB_CACHE_NS after the lookup).  Used only for packets no longer
 * than mtu, the MTU the FIB judged by (its mtu_result).  The flow a
 * fast-path packet belongs to keeps a copy, with the same expiry
 * (mapce_flow.hop), asked first.
 */
struct mapce_fib_entry {
	__u64 expires_ns; /* 0: an empty slot */
	__be32 src;
	__be32 dst;
	__u32 in_ifindex;
	__u32 out_ifindex; /* the device the FIB chose */
	__u8 tos;
	__u8 _pad;
	__u16 mtu;
	__u8 dmac[6]; /* the next hop's MACs */
	__u8 smac[6];
};

#define MAPCE_FIB_CACHE_SLOTS 256	     /* per CPU, direct-mapped by key hash */
#define MAPCE_FIB_CACHE_NS (20 * 1000000ull) /* the staleness bound: 20 ms */

/*
 * One direction of a flow.  Value of both flow maps:
 *   in mapce_flow_out, ip:port is the outside translation;
 *   in mapce_flow_in,  ip:port is the inside endpoint.
 * packets/bytes count that map's direction (bytes = inner IPv4 length).
 * last_ns and created_ns use CLOCK_MONOTONIC_COARSE (bpf_ktime_get_coarse_ns;
 * a packet's last_ns through bpf/lib/clock.h's per-CPU cache: at most two
 * ticks behind the clock, never ahead of it).
 */
struct mapce_flow {
	__be32 ip;
	__be16 port;
	__u8 tcp_seen; /* MAPCE_TCP_SEEN_* of this direction */
	__u8 flags;    /* reserved */
	__u64 created_ns;
	__u64 last_ns;
	__u64 packets;
	__u64 bytes;
	/* The fast path's next hop for this direction (bpf/ce/fib_cache.h):
	 * a copy of the FIB cache's entry, with its expiry, made by the
	 * fast path; zero (expired) in a flow it has not carried. */
	struct mapce_fib_entry hop;
};

#define MAPCE_TCP_SEEN_SYN 0x01
#define MAPCE_TCP_SEEN_FIN 0x02
#define MAPCE_TCP_SEEN_RST 0x04
#define MAPCE_TCP_SEEN_ACK 0x08

/*
 * An endpoint: key of mapce_bind (inside ip:port, the EIM mapping's owner)
 * and of mapce_ports (outside ip:port, the allocated port).
 */
struct mapce_endpoint {
	__be32 ip;
	__be16 port;
	__u8 proto;
	__u8 _pad;
};

/*
 * An endpoint-independent mapping.  Value of both binding maps:
 *   in mapce_bind,  ip:port is the outside address and port;
 *   in mapce_ports, ip:port is the inside owner.
 * refreshed_ns is bumped by the expiry sweep while a flow uses the mapping.
 */
struct mapce_binding {
	__be32 ip;
	__be16 port;
	__u8 flags; /* MAPCE_BIND_F_* */
	__u8 _pad;
	__u64 created_ns;
	__u64 refreshed_ns;
};

#define MAPCE_BIND_F_STATIC 0x01  /* port forward: never expires */
#define MAPCE_BIND_F_OVERLAP 0x02 /* shares its port with another owner (RFC 7857 §3) */
/* With STATIC: a forward a program opened at run time (UPnP, PCP), not the
 * config file's: the config's sync leaves it, the service removes it. */
#define MAPCE_BIND_F_DYNAMIC 0x04

/*
 * Remotes a mapping has sent to, for address-dependent filtering.  Key of
 * mapce_peers: the outside endpoint and one remote address.
 */
struct mapce_peer_key {
	__be32 out_ip;
	__be32 remote_ip;
	__be16 out_port;
	__u8 proto;
	__u8 _pad;
};

/* Path MTU toward the BR learned from ICMPv6 Packet Too Big (value of
 * mapce_pmtu[0]).  Like the kernel's PMTU cache, it ages out. */
struct mapce_pmtu {
	__u32 mtu; /* IPv6 path MTU, bytes; 0 = none learned */
	__u32 _pad;
	__u64 learned_ns; /* CLOCK_MONOTONIC_COARSE */
};

#define MAPCE_PMTU_EXPIRE_S 600 /* as Linux's net.ipv6.route.mtu_expires */

/* The XDP fast path (value of mapce_fastpath[0], written by `up
 * --fastpath LAN_IF`): the LAN device whose XDP program (mapce_xdp_fastpath)
 * sends tunnel-bound IPv4 straight out of the WAN, and to which the WAN's
 * XDP ingress redirects decapsulated packets for LAN hosts.  lan_ifindex 0:
 * the fast path is off (every packet takes the normal path). */
struct mapce_fastpath {
	__u32 lan_ifindex;
	__u32 _pad;
};

/*
 * Outer IPv6 fragments of tunnel packets waiting for reassembly (TC ingress
 * slow path, reasm.h).  A datagram is keyed by source and fragment id; each
 * fragment by that plus its offset.
 */
#define MAPCE_REASM_FRAG_MAX 1456   /* payload bytes per fragment (1500 MTU) */
#define MAPCE_REASM_MAX_FRAGS 12    /* fragments per datagram */
#define MAPCE_REASM_DGRAM_MAX 16384 /* reassembled IPv6 payload, bytes */
#define MAPCE_REASM_TIMEOUT_S 30    /* RFC 8200 §4.5: 60 s at most */

struct mapce_reasm_key {
	__u8 src[16]; /* outer: the IPv6 source; inner: IPv4 source, proto */
	__be32 id;    /* outer: fragment id; inner: IPv4 id */
	__u16 offset; /* fragment offset in bytes; 0xffff for the datagram */
	__u16 kind;   /* MAPCE_REASM_OUTER, MAPCE_REASM_INNER */
};

#define MAPCE_REASM_OUTER 0 /* IPv6 fragments of tunnel packets */
#define MAPCE_REASM_INNER 1 /* IPv4 fragments whose first came late (REQ-14) */

struct mapce_reasm_dgram {
	__u32 total;	/* payload length, known once the last fragment came; 0 */
	__u32 have;	/* payload bytes held */
	__u64 first_ns; /* first fragment seen */
	__u8 hdr[60];	/* inner: the first fragment's IPv4 header */
	__u16 hdr_len;	/* inner: its length, 0 until the first fragment came */
	__u16 _pad;
};

struct mapce_reasm_frag {
	__u16 len;
	__u16 _pad[3];
	__u8 data[MAPCE_REASM_FRAG_MAX];
};

/* Per inside host: mappings held and refusals at the limit. */
/* mapce_port_hint: which indices of the port set are (believed) claimed,
 * one bit an index, per protocol slot (mapce_port_hint_slot): element
 * slot * MAPCE_PORT_HINT_WORDS + idx / 64, bit idx % 64.  A hint only:
 * mapce_ports stays the authority (bpf/ce/port_hint.h).  65536 bits a
 * slot cover any set. */
#define MAPCE_PORT_HINT_WORDS 1024u
#define MAPCE_PORT_HINT_SLOTS 4u /* TCP, UDP, ICMP, any other protocol */
#define MAPCE_PORT_HINT_KEYS (MAPCE_PORT_HINT_SLOTS * MAPCE_PORT_HINT_WORDS)

/* The slot of mapce_port_hint for protocol proto (its words start at
 * slot * MAPCE_PORT_HINT_WORDS). */
static inline __u32 mapce_port_hint_slot(__u8 proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : proto == 1 ? 2 : 3;
}

struct mapce_host {
	__u32 bindings; /* live mappings (created - expired) */
	__u32 _pad;
	__u64 limit_hits; /* new mappings refused by max_per_host */
#ifdef MAPCE_TEST_LAYOUT_BUMP
	__u64 test_bump; /* tests/lab/test_upgrade.sh: a build whose layout differs */
#endif
};

/*
 * Fragment state: a later fragment follows its first fragment's
 * translation.  Key: the datagram as seen on the side it arrived from
 * (src, dst, IPv4 id, proto) and the direction.
 */
struct mapce_frag_key {
	__be32 src;
	__be32 dst;
	__be16 id;
	__u8 proto;
	__u8 dir; /* MAPCE_DIR_* */
};

struct mapce_frag {
	__be32 ip; /* egress: our public address; ingress: the inside host */
	__be16 id; /* egress: the rewritten IPv4 id */
	__u16 _pad;
	__u64 created_ns; /* entries older than MAPCE_FRAG_TIMEOUT_S are void */
};

#define MAPCE_DIR_OUT 0
#define MAPCE_DIR_IN 1
#define MAPCE_FRAG_TIMEOUT_S 30 /* RFC 791 suggests 15 s reassembly timers; be lenient */
#ifndef MAPCE_MAX_FRAGS
#define MAPCE_MAX_FRAGS 4096 /* datagrams in flight; LRU bounds a flood */
#endif

/* ------------------------------------------------------------------ */
/* Reason codes                                                        */
/* ------------------------------------------------------------------ */

/*
 * Every packet a program sees is counted under exactly one reason; events
 * (EV_*) are counted besides.  Stable and append-only: a retired reason is
 * renamed unused_N, never removed.  The CLI prints the names below.
 */
/* One reason a line, its comment beside it (kept out of clang-format). */
/* clang-format off */
#define MAPCE_REASONS(X)                                                     \
	X(PASS_NATIVE, "pass_native")               /* not MAP traffic */      \
	X(ENCAP, "encap")                           /* egress: NAPT + encap */ \
	X(DECAP, "decap")                           /* ingress: decap + NAPT */\
	X(DROP_MALFORMED, "drop_malformed")         /* truncated/bad header */ \
	X(DROP_NOT_CONFIGURED, "drop_not_configured")                          \
	X(DROP_UNSUPPORTED_PROTO, "drop_unsupported_proto")                    \
	X(DROP_ICMP_UNSUPPORTED, "drop_icmp_unsupported")                      \
	X(DROP_FRAGMENT, "drop_fragment")                                      \
	X(DROP_NO_PORTS, "drop_no_ports")           /* port set exhausted */   \
	X(DROP_TABLE_FULL, "drop_table_full")       /* NAT maps full */        \
	X(DROP_NO_FLOW, "drop_no_flow")             /* inbound, no binding */  \
	X(DROP_PORT_OUT_OF_SET, "drop_port_out_of_set")                        \
	X(DROP_WRONG_IPV4, "drop_wrong_ipv4")       /* inner dst not ours */   \
	X(DROP_BAD_TUNNEL_SRC, "drop_bad_tunnel_src") /* not BR nor FMR CE */  \
	X(DROP_ENCAP_FAILED, "drop_encap_failed")                              \
	X(DROP_DECAP_FAILED, "drop_decap_failed")                              \
	X(BR_ENCAP, "br_encap")                     /* BR: IPv4 -> CE */       \
	X(BR_DECAP, "br_decap")                     /* BR: CE -> IPv4 */       \
	X(BR_DROP_SPOOFED, "br_drop_spoofed")       /* src not the owner CE */ \
	X(BR_DROP_NO_RULE, "br_drop_no_rule")                                  \
	X(EV_FLOW_CREATED, "ev_flow_created")                                  \
	X(EV_FLOW_EXPIRED, "ev_flow_expired")                                  \
	X(EV_BINDING_CREATED, "ev_binding_created")                            \
	X(EV_BINDING_EXPIRED, "ev_binding_expired")                            \
	X(EV_GC_SWEEP, "ev_gc_sweep")                                          \
	X(BR_DROP_PORT_OUT_OF_SET, "br_drop_port_out_of_set")                  \
	X(BR_DROP_UNSUPPORTED, "br_drop_unsupported")                          \
	X(DROP_ECN_CE_NOT_ECT, "drop_ecn_ce_not_ect") /* RFC 6040 §4.2 */       \
	X(EV_MSS_CLAMPED, "ev_mss_clamped")                                    \
	X(ICMP6_ERR_TRANSLATED, "icmp6_err_translated") /* -> ICMPv4 to inside */\
	X(DROP_ICMP6_ERR_NO_FLOW, "drop_icmp6_err_no_flow")                    \
	X(DROP_FRAG_NO_STATE, "drop_frag_no_state") /* later fragment, first unseen */ \
	X(DROP_ICMP_ERR_NO_FLOW, "drop_icmp_err_no_flow") /* quotes no flow of ours */ \
	X(DROP_FILTERED, "drop_filtered")           /* inbound refused by filtering */\
	X(DROP_HOST_LIMIT, "drop_host_limit")       /* --max-per-host reached */  \
	X(HAIRPIN, "hairpin")                       /* LAN to LAN via our address */\
	X(EV_PORT_OVERLAP, "ev_port_overlap")       /* flow on a shared port */   \
	X(EV_INBOUND_FLOW, "ev_inbound_flow")       /* flow opened from outside */\
	X(EV_REJECT_SENT, "ev_reject_sent")         /* RST / ICMP 3/13 to the host */\
	X(FRAG_NEEDED_SENT, "frag_needed_sent")     /* too big for the learned path MTU */\
	X(REASM_HELD, "reasm_held")                 /* outer IPv6 fragment kept for reassembly */\
	X(DROP_REASM_INVALID, "drop_reasm_invalid") /* bad, oversized or overlapping fragment */\
	X(FRAG_TO_SLOW_PATH, "frag_to_slow_path")   /* IPv4 fragment held until its first comes */\
	X(EV_BR_FRAG_FOLLOWED, "ev_br_frag_followed") /* BR: later fragment sent by its first's CE */\
	X(DROP_TOO_BIG, "drop_too_big")             /* over the tunnel MTU without DF */\
	X(DROP_BAD_CHECKSUM, "drop_bad_checksum")   /* inner IPv4 header checksum wrong */\
	X(EV_BINLOG_LOST, "ev_binlog_lost")         /* binding log event lost: ring buffer full */\
	X(DECAP_LOCAL, "decap_local")               /* ipip6: to the box itself, no NAT */\
	X(EV_FASTPATH_OUT, "ev_fastpath_out")       /* LAN XDP: NAPT + encap, redirected to the WAN */\
	X(EV_FASTPATH_IN, "ev_fastpath_in")         /* WAN XDP: decap + NAPT, redirected to the LAN */\
	X(EV_FP_FRAGMENT, "ev_fastpath_pass_fragment") /* fast path: IPv4 fragment, normal path */\
	X(EV_FP_OPTIONS, "ev_fastpath_pass_options") /* fast path: IPv4 options, normal path */\
	X(EV_FP_TTL, "ev_fastpath_pass_ttl")        /* fast path: TTL <= 1, the kernel answers */\
	X(EV_FP_ICMP_ERROR, "ev_fastpath_pass_icmp_error") /* fast path: ICMP error, normal path */\
	X(EV_FP_NO_NEIGH, "ev_fastpath_pass_no_neigh") /* fast path: next hop unresolved */\
	X(EV_FP_MTU, "ev_fastpath_pass_mtu")        /* fast path: over the route or tunnel MTU */\
	X(EV_FP_LOCAL, "ev_fastpath_pass_local")    /* fast path: not routed tunnel <-> LAN */\
	X(EV_FP_HAIRPIN, "ev_fastpath_pass_hairpin") /* fast path: to our own public address */\
	X(EV_FP_OTHER, "ev_fastpath_pass_other")    /* fast path: not simple (see fastpath.h) */\
	X(DROP_HAIRPIN_NO_ROUTE, "drop_hairpin_no_route") /* ipip6 hairpin: no LAN route to the target */\
	X(EV_FP_CSUM_PARTIAL, "ev_fastpath_pass_csum_partial") /* fast path: TCP/UDP checksum left to offload */\
	X(CSUM_TO_SLOW_PATH, "csum_to_slow_path")   /* tunnel TCP/UDP, checksum left to offload: TC translates it */
/* clang-format on */

#define MAPCE_REASON_ENUM(id, name) MAPCE_R_##id,
enum mapce_reason { MAPCE_REASONS(MAPCE_REASON_ENUM) MAPCE_R__MAX };
#undef MAPCE_REASON_ENUM

/* Slots of the reason counter maps (mapce_stats, mapce_br_stats): more
 * than there are reasons, so that a release adding reasons keeps the
 * pinned maps' layout and an upgrade takes their state over (the NAT
 * table with it: user/sys/layout.c refuses a pinned map of another
 * size).  Slots from MAPCE_R__MAX on stay zero. */
#define MAPCE_STATS_SLOTS 128
_Static_assert(MAPCE_R__MAX <= MAPCE_STATS_SLOTS, "a reason counter slot for every reason");

/* Value of the per-CPU reason counters (mapce_stats, mapce_br_stats). */
struct mapce_counter {
	__u64 packets;
	__u64 bytes;
};

#ifndef __bpf__
/* Reason names, indexed by enum mapce_reason (userspace only). */
#define MAPCE_REASON_NAME(id, name) [MAPCE_R_##id] = name,
static const char *const mapce_reason_names[MAPCE_R__MAX] = { MAPCE_REASONS(MAPCE_REASON_NAME) };
#undef MAPCE_REASON_NAME
#endif

/* ------------------------------------------------------------------ */
/* The layout of the pinned state                                      */
/* ------------------------------------------------------------------ */

/*
 * The version of what the pinned maps mean.  Their sizes are checked map
 * by map (user/sys/layout.h); this says what sizes cannot: bump it when a
 * field changes meaning or place, and a build whose version differs from
 * the pinned one's refuses to take the pins over instead of misreading
 * them.
 */
#ifdef MAPCE_TEST_LAYOUT_BUMP
#define MAPCE_LAYOUT_VERSION 2u
#else
#define MAPCE_LAYOUT_VERSION 1u
#endif

/* Value of the pinned layout record (mapce_layout, mapce_br_layout), key
 * 0: written by up after it loaded its programs over the pins. */
struct mapce_layout {
	__u32 version; /* MAPCE_LAYOUT_VERSION of the build that wrote it */
	__u32 _pad;
	__u64 hash; /* layout_hash() of that build's pinned maps */
};

#ifndef __bpf__
_Static_assert(sizeof(struct mapce_rule) == 28, "mapce_rule layout");
_Static_assert(sizeof(struct mapce_config) == 84, "mapce_config layout");
_Static_assert(sizeof(struct mapce_tuple) == 16, "mapce_tuple layout");
_Static_assert(sizeof(struct mapce_fib_entry) == 40, "mapce_fib_entry layout");
_Static_assert(sizeof(struct mapce_flow) == 80, "mapce_flow layout");
_Static_assert(sizeof(struct mapce_endpoint) == 8, "mapce_endpoint layout");
_Static_assert(sizeof(struct mapce_binding) == 24, "mapce_binding layout");
_Static_assert(sizeof(struct mapce_peer_key) == 12, "mapce_peer_key layout");
#ifndef MAPCE_TEST_LAYOUT_BUMP
_Static_assert(sizeof(struct mapce_host) == 16, "mapce_host layout");
#endif
_Static_assert(sizeof(struct mapce_layout) == 16, "mapce_layout layout");
#endif

#endif /* MAPCE_ABI_H */
