/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcp_codec.h - NAT-PMP (RFC 6886) and PCP (RFC 6887) messages, parsed
 * and built.  Pure: bytes in, a struct out, and back; no socket, no
 * table.  One server port (5351) takes both: the first byte is the
 * version, 0 for NAT-PMP and 2 for PCP (RFC 6887 §9).
 *
 * NAT-PMP (RFC 6886 §3): requests
 *   public address  vers 0 | op 0                                        (2 bytes)
 *   map UDP / TCP   vers 0 | op 1/2 | reserved(16) | internal port(16) |
 *                   suggested external port(16) | requested lifetime(32) (12 bytes)
 * responses: vers 0 | op 128+op | result(16) | seconds since epoch(32) |
 *   the external IPv4 (public address, 12 bytes) or internal port |
 *   mapped external port | lifetime (map, 16 bytes); an error on a
 *   version or an opcode is the 8-byte head alone.
 *
 * PCP (RFC 6887 §7): a 24-byte header, the opcode's payload, options.
 *   request  vers 2 | R=0,opcode(7) | reserved(16) | requested lifetime(32) |
 *            client IP address(128)
 *   response vers 2 | R=1,opcode(7) | reserved(8) | result(8) | lifetime(32) |
 *            epoch time(32) | reserved(96)
 *   MAP payload (§11.1, 36 bytes): nonce(96) | protocol(8) | reserved(24) |
 *            internal port(16) | suggested/assigned external port(16) |
 *            suggested/assigned external IP address(128)
 *   option (§7.3): code(8) | reserved(8) | length(16) | data, padded to 4;
 *            codes 0-127 must be understood, 128-255 may be skipped.
 * Addresses are IPv6; an IPv4 one is IPv4-mapped (::ffff:a.b.c.d).
 */
#ifndef MAPCE_PCP_CODEC_H
#define MAPCE_PCP_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PCP_SERVER_PORT 5351 /* RFC 6887 §19.1, RFC 6886 §3: requests */
#define PCP_CLIENT_PORT 5350 /* announcements to 224.0.0.1 (RFC 6886 §3.2.1) */
#define NATPMP_VERSION 0
#define PCP_VERSION 2
#define PCP_MAX_LEN 1100 /* RFC 6887 §7: longest message */
#define PCP_HDR_LEN 24
#define PCP_MAP_LEN 36
#define PCP_NONCE_LEN 12
#define PCP_R_BIT 0x80 /* the response bit of the opcode octet (both protocols) */
#define NATPMP_ADDR_RESP_LEN 12
#define NATPMP_MAP_REQ_LEN 12
#define NATPMP_MAP_RESP_LEN 16
#define NATPMP_ERR_RESP_LEN 8

/* Opcodes. */
#define NATPMP_OP_ADDR 0    /* public address */
#define NATPMP_OP_MAP_UDP 1 /* a UDP mapping */
#define NATPMP_OP_MAP_TCP 2 /* a TCP mapping */
#define PCP_OP_ANNOUNCE 0
#define PCP_OP_MAP 1
#define PCP_OP_PEER 2

/* NAT-PMP result codes (RFC 6886 §3.5). */
#define NATPMP_SUCCESS 0
#define NATPMP_UNSUPP_VERSION 1
#define NATPMP_REFUSED 2 /* not authorized / refused */
#define NATPMP_NETWORK_FAILURE 3
#define NATPMP_NO_RESOURCES 4
#define NATPMP_UNSUPP_OPCODE 5

/* PCP result codes (RFC 6887 §7.4). */
#define PCP_SUCCESS 0
#define PCP_UNSUPP_VERSION 1
#define PCP_NOT_AUTHORIZED 2
#define PCP_MALFORMED_REQUEST 3
#define PCP_UNSUPP_OPCODE 4
#define PCP_UNSUPP_OPTION 5
#define PCP_MALFORMED_OPTION 6
#define PCP_NETWORK_FAILURE 7
#define PCP_NO_RESOURCES 8
#define PCP_UNSUPP_PROTOCOL 9
#define PCP_USER_EX_QUOTA 10
#define PCP_CANNOT_PROVIDE_EXTERNAL 11
#define PCP_ADDRESS_MISMATCH 12
#define PCP_EXCESSIVE_REMOTE_PEERS 13

/* PCP options (RFC 6887 §13). */
#define PCP_OPT_THIRD_PARTY 1	 /* 16 bytes: the internal address */
#define PCP_OPT_PREFER_FAILURE 2 /* no data */
#define PCP_OPT_FILTER 3	 /* 20 bytes: remote peer prefix */
#define PCP_OPT_OPTIONAL 128	 /* codes from here may be ignored */

/* Lifetime of an error response (RFC 6887 §7.4: how long the client
 * should take the error to hold): short for what may clear soon. */
#define PCP_ERR_LIFETIME_SHORT 30
#define PCP_ERR_LIFETIME_LONG 1800

/* What parsing found. */
enum pcp_verdict {
	PCP_DROP,  /* not a request (too short, a response): no answer */
	PCP_OK,	   /* a request, in req */
	PCP_ERROR, /* a request to answer with req->result, built from it */
};

struct pcp_request {
	__u8 version; /* NATPMP_VERSION or PCP_VERSION (others: PCP_ERROR) */
	__u8 opcode;  /* as sent, without the R bit */
	__u8 result;  /* PCP_ERROR: the result code (of the version's protocol) */
	__u8 proto;   /* MAP: IPPROTO_TCP / IPPROTO_UDP / other (PCP, as sent) */
	__u32 lifetime;
	__u16 internal_port;
	__u16 external_port; /* suggested, 0: none */
	__u8 client_ip[16];  /* PCP: the header's */
	__u8 external_ip[16];
	__u8 nonce[PCP_NONCE_LEN];
	bool third_party, prefer_failure, filter;
	__u8 third_party_ip[16];
	__u8 bad_option; /* PCP_UNSUPP_OPTION / PCP_MALFORMED_OPTION: its code */
};

/* Parse one datagram of len bytes. */
enum pcp_verdict pcp_parse(const void *buf, size_t len, struct pcp_request *req);

/* What the server answers: the common part of both protocols. */
struct pcp_answer {
	__u8 result;	     /* of the request's protocol */
	__u32 lifetime;	     /* granted (error: how long it holds) */
	__u32 epoch;	     /* seconds since the mapping state began */
	__be32 external_ip;  /* the CE's IPv4 */
	__u16 external_port; /* assigned (MAP) */
};

/* The response to req (whose datagram was raw, rawlen bytes: an error
 * response of PCP copies it, RFC 6887 §8.3) into out (at least
 * PCP_MAX_LEN bytes).  Returns the length, 0 when nothing is answered. */
size_t pcp_build(const struct pcp_request *req, const void *raw, size_t rawlen,
		 const struct pcp_answer *a, __u8 *out, size_t outlen);

/* The unsolicited announcements of a new epoch (RFC 6886 §3.2.1: a public
 * address response; RFC 6887 §14.1.3: an ANNOUNCE response).  Lengths. */
size_t natpmp_build_announce(__be32 external_ip, __u32 epoch, __u8 *out, size_t outlen);
size_t pcp_build_announce(__u32 epoch, __u8 *out, size_t outlen);

/* Is a an IPv4-mapped address (::ffff:a.b.c.d)?  Its IPv4 then in *v4. */
bool pcp_addr_v4(const __u8 a[16], __be32 *v4);
void pcp_addr_from_v4(__be32 v4, __u8 a[16]);

/* Names for the log. */
const char *pcp_result_str(__u8 version, __u8 result);

#endif
