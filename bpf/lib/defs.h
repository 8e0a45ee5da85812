/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * defs.h - constants that UAPI headers define as macros and BTF therefore
 * lacks (vmlinux.h has only types and enums).
 */
#ifndef MAPCE_BPF_DEFS_H
#define MAPCE_BPF_DEFS_H

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define TC_ACT_UNSPEC (-1)
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7

#define IP_MF 0x2000
#define IP_DF 0x4000
#define IP_OFFSET 0x1FFF

#define ICMP_ECHOREPLY 0
#define ICMP_DEST_UNREACH 3
#define ICMP_ECHO 8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

#define NEXTHDR_IPIP 4

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#endif
