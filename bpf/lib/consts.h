/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * consts.h - every constant of the BPF programs, CE and BR alike.
 *
 * Protocol numbers and kernel constants are macros in the UAPI headers, and
 * BTF (so vmlinux.h) carries only types and enums: they are restated here,
 * under their kernel names where the kernel has one.  Frame layouts and the
 * bounds the verifier needs follow at the end.  Constants of the ABI shared
 * with userspace (map sizes, timeouts, flags) are in include/mapce_abi.h;
 * a function's result codes are an enum next to it (PARSE_*, REASM_*...).
 */
#ifndef MAPCE_BPF_LIB_CONSTS_H
#define MAPCE_BPF_LIB_CONSTS_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* ---- program flow ------------------------------------------------ */

/* What a datapath stage returns when the packet goes on to the next
 * stage: no TC or XDP verdict has this value. */
#define STAGE_NEXT (-2)

/* ---- kernel ------------------------------------------------------ */

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

#define AF_INET 2	  /* bpf_fib_lookup family */
#define AF_INET6 10	  /* bpf_fib_lookup family */
#define CLOCK_MONOTONIC 1 /* bpf_timer_init clock */
#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull

/* ---- Ethernet ---------------------------------------------------- */

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

/* ---- IPv4 -------------------------------------------------------- */

#define IPV4_HLEN 20	 /* header without options */
#define IPV4_HLEN_MAX 60 /* ihl 15 */
#define IP_MF 0x2000	 /* frag_off, host order: more fragments */
#define IP_DF 0x4000	 /* don't fragment */
#define IP_OFFSET 0x1FFF /* fragment offset, in 8-byte units */

/* ICMPv4 types and codes (RFC 792) */
#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT 5
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_HOST_UNREACH 1  /* code of ICMP_DEST_UNREACH */
#define ICMP_FRAG_NEEDED 4   /* code of ICMP_DEST_UNREACH, with a next-hop MTU */
#define ICMP_PKT_FILTERED 13 /* code of ICMP_DEST_UNREACH: administratively prohibited */
#define ICMP_HLEN 8	     /* ICMPv4 header (type, code, checksum, 4 more bytes) */
/* Transport bytes an ICMPv4 error quotes after the IPv4 header (RFC 792:
 * "the first 64 bits"): what mapce requires of a quote and keeps in one. */
#define ICMP_QUOTE_L4 8

/* TCP: header without options, flags (byte 13 of the header), options */
#define TCP_HLEN 20
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOLEN_MSS 4

/* ECN field, the low 2 bits of TOS / traffic class (RFC 3168) */
#define ECN_NOT_ECT 0
#define ECN_ECT1 1
#define ECN_ECT0 2
#define ECN_CE 3

/* ---- IPv6 -------------------------------------------------------- */

#define IPV6_HLEN 40
#define IPV6_MIN_MTU 1280 /* RFC 8200 §5: no IPv6 link is smaller */
/* Next header values (IPPROTO_IPIP, 4, is an enum of vmlinux.h) */
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_ICMPV6 58
#define NEXTHDR_DEST 60 /* destination options */
#define FRAG_HLEN 8	/* IPv6 fragment header */

/* ICMPv6 types (RFC 4443): the errors */
#define ICMPV6_DEST_UNREACH 1
#define ICMPV6_PKT_TOOBIG 2
#define ICMPV6_TIME_EXCEED 3
#define ICMPV6_PARAMPROB 4
#define ICMPV6_HLEN 8

/* RFC 2473 §4.1.1: a tunnel entry point may add a destination options
 * header holding the Tunnel Encapsulation Limit option.  mapce writes and
 * accepts only the 8-byte header (hdrlen 0). */
#define DESTOPT_LEN 8
#define IPV6_TLV_PAD1 0
#define IPV6_TLV_PADN 1
#define IPV6_TLV_TNL_ENCAP_LIMIT 4

/* ---- frame layouts ----------------------------------------------- */

/* Headers TC egress needs in the linear area: Ethernet, IPv4 with
 * options, TCP header without options (the MSS walk checks its reads). */
#define EGRESS_PULL_LEN (ETH_HLEN + IPV4_HLEN_MAX + TCP_HLEN)
/* Bytes the BR's TC needs linear to parse a packet: Ethernet, IPv4 with
 * options, and either a TCP header or an ICMP error's header plus quoted
 * IPv4 header with options and 8 bytes of it (14 + 60 + 8 + 60 + 8). */
#define BR_TC_HDRS (ETH_HLEN + IPV4_HLEN_MAX + ICMP_HLEN + IPV4_HLEN_MAX + ICMP_QUOTE_L4)
/* What a CE reject quotes: the IPv4 header (no options) + 8 bytes */
#define REJECT_QUOTE_MAX (IPV4_HLEN + ICMP_QUOTE_L4)
/* What the CE's TC ingress looks at to pick its slow-path packets:
 * Ethernet, IPv6, the encapsulation limit option, then a fragment header
 * or an IPv4 header. */
#define SLOW_PATH_HDRS (ETH_HLEN + IPV6_HLEN + DESTOPT_LEN + IPV4_HLEN)
/* mapce_reasm_dg key offset of a datagram's own record (fragments use
 * their offset, a multiple of 8, never this) */
#define REASM_DGRAM_OFF 0xffff

/* An ICMPv6 error about a tunnel packet, and the ICMPv4 error made from it
 * in place (lib/icmp6_err.h).  The quoted IPv4 header moves from
 * ERR6_Q4 to ERR4_Q4: the frame start moves forward by the difference. */
#define ERR6_ICMP (ETH_HLEN + IPV6_HLEN)  /* 54: ICMPv6 header */
#define ERR6_Q6 (ERR6_ICMP + ICMPV6_HLEN) /* 62: quoted IPv6 header */
#define ERR6_Q4 (ERR6_Q6 + IPV6_HLEN)	  /* 102: quoted IPv4 header */
#define ERR4_ICMP (ETH_HLEN + IPV4_HLEN)  /* 34: ICMPv4 header */
#define ERR4_Q4 (ERR4_ICMP + ICMP_HLEN)	  /* 42: quoted IPv4 header */
#define ERR_SHIFT (ERR6_Q4 - ERR4_Q4)	  /* 60 */

/* ---- bounds for the verifier ------------------------------------- */

/* TCP options looked at before giving up (lib/mss.h).  Linux, Windows and
 * macOS put MSS first in a SYN; 8 covers NOP padding before it.
 * Verifier-sensitive: each step multiplies the states the verifier
 * explores (40 exceeds 1M insns). */
#define TCP_OPT_WALK_MAX 8
/* Longest buffer csum_words sums, bytes: an IPv4 header with options
 * (60), or an ICMP reply built on the stack (8 + 20 + 8).  Fully
 * unrolled: keep it small. */
#define CSUM_WORDS_MAX 64
/* Longest packet range csum_xdp sums.  RFC 4443 §2.4 (c) keeps ICMPv6
 * errors within the minimum MTU (1240 bytes of ICMPv6); a little slack
 * for sloppy routers, and a bounded loop for the verifier. */
#define CSUM_XDP_MAX 1456

/* ---- BPF-side map sizes ------------------------------------------ */

#ifndef MAPCE_BR_MAX_FRAGS
#define MAPCE_BR_MAX_FRAGS 16384 /* datagrams in flight through one BR */
#endif

#endif
