// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcp_codec.c - NAT-PMP and PCP messages (pcp_codec.h).  Every length is
 * checked before a byte is read; what is refused is refused with the
 * result code the RFC gives for it, and the server only has to act on
 * PCP_OK.
 */
#include <netinet/in.h>
#include <string.h>

#include "core/pcp_codec.h"

static __u16 get16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static __u32 get32(const __u8 *p)
{
	return (__u32)p[0] << 24 | (__u32)p[1] << 16 | (__u32)p[2] << 8 | p[3];
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = (__u8)(v >> 8);
	p[1] = (__u8)v;
}

static void put32(__u8 *p, __u32 v)
{
	p[0] = (__u8)(v >> 24);
	p[1] = (__u8)(v >> 16);
	p[2] = (__u8)(v >> 8);
	p[3] = (__u8)v;
}

static const __u8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

bool pcp_addr_v4(const __u8 a[16], __be32 *v4)
{
	if (memcmp(a, v4_mapped, sizeof(v4_mapped)))
		return false;
	memcpy(v4, a + 12, 4);
	return true;
}

void pcp_addr_from_v4(__be32 v4, __u8 a[16])
{
	memcpy(a, v4_mapped, sizeof(v4_mapped));
	memcpy(a + 12, &v4, 4);
}

/* ---- parsing ------------------------------------------------------------ */

static enum pcp_verdict error(struct pcp_request *req, __u8 result)
{
	req->result = result;
	return PCP_ERROR;
}

/* RFC 6886 §3.2, §3.3. */
static enum pcp_verdict natpmp_parse(const __u8 *p, size_t len, struct pcp_request *req)
{
	switch (req->opcode) {
	case NATPMP_OP_ADDR:
		return PCP_OK;
	case NATPMP_OP_MAP_UDP:
	case NATPMP_OP_MAP_TCP:
		if (len < NATPMP_MAP_REQ_LEN)
			return PCP_DROP; /* no internal port to answer for */
		req->proto = req->opcode == NATPMP_OP_MAP_UDP ? IPPROTO_UDP : IPPROTO_TCP;
		req->internal_port = get16(p + 4);
		req->external_port = get16(p + 6);
		req->lifetime = get32(p + 8);
		return PCP_OK;
	}
	return error(req, NATPMP_UNSUPP_OPCODE);
}

static enum pcp_verdict bad_option(struct pcp_request *req, __u8 code, __u8 result)
{
	req->bad_option = code;
	return error(req, result);
}

/* RFC 6887 §7.3 and §13: the options after the payload, from off. */
static enum pcp_verdict pcp_options(const __u8 *p, size_t len, size_t off, struct pcp_request *req)
{
	bool map = req->opcode == PCP_OP_MAP;

	while (off < len) {
		__u8 code;
		size_t olen;

		if (len - off < 4)
			return bad_option(req, 0, PCP_MALFORMED_OPTION);
		code = p[off];
		olen = get16(p + off + 2);
		if (olen > len - off - 4)
			return bad_option(req, code, PCP_MALFORMED_OPTION);
		switch (code) {
		case PCP_OPT_THIRD_PARTY:
			if (olen != 16 || req->third_party)
				return bad_option(req, code, PCP_MALFORMED_OPTION);
			req->third_party = true;
			memcpy(req->third_party_ip, p + off + 4, 16);
			break;
		case PCP_OPT_PREFER_FAILURE:
			if (!map || olen != 0 || req->prefer_failure)
				return bad_option(req, code, PCP_MALFORMED_OPTION);
			req->prefer_failure = true;
			break;
		case PCP_OPT_FILTER:
			if (!map || olen != 20)
				return bad_option(req, code, PCP_MALFORMED_OPTION);
			req->filter = true;
			break;
		default:
			if (code < PCP_OPT_OPTIONAL)
				return bad_option(req, code, PCP_UNSUPP_OPTION);
			break; /* optional to process: skipped */
		}
		off += 4 + ((olen + 3) & ~(size_t)3);
	}
	/* THIRD_PARTY is for MAP and PEER only (§13.1) */
	if (req->third_party && req->opcode == PCP_OP_ANNOUNCE)
		return bad_option(req, PCP_OPT_THIRD_PARTY, PCP_MALFORMED_OPTION);
	return PCP_OK;
}

/* RFC 6887 §8.3: the server's checks, in its order. */
static enum pcp_verdict pcp_parse_v2(const __u8 *p, size_t len, struct pcp_request *req)
{
	if (len < PCP_HDR_LEN || len > PCP_MAX_LEN || len % 4)
		return error(req, PCP_MALFORMED_REQUEST);
	req->lifetime = get32(p + 4);
	memcpy(req->client_ip, p + 8, 16);
	switch (req->opcode) {
	case PCP_OP_ANNOUNCE:
		return pcp_options(p, len, PCP_HDR_LEN, req);
	case PCP_OP_MAP:
		if (len < PCP_HDR_LEN + PCP_MAP_LEN)
			return error(req, PCP_MALFORMED_REQUEST);
		p += PCP_HDR_LEN;
		memcpy(req->nonce, p, PCP_NONCE_LEN);
		req->proto = p[12];
		req->internal_port = get16(p + 16);
		req->external_port = get16(p + 18);
		memcpy(req->external_ip, p + 20, 16);
		return pcp_options(p - PCP_HDR_LEN, len, PCP_HDR_LEN + PCP_MAP_LEN, req);
	}
	return error(req, PCP_UNSUPP_OPCODE); /* PEER among them */
}

enum pcp_verdict pcp_parse(const void *buf, size_t len, struct pcp_request *req)
{
	const __u8 *p = buf;

	memset(req, 0, sizeof(*req));
	if (len < 2 || (p[1] & PCP_R_BIT)) /* RFC 6887 §8.3, RFC 6886 §3.5 */
		return PCP_DROP;
	req->version = p[0];
	req->opcode = p[1];
	if (p[0] == NATPMP_VERSION)
		return natpmp_parse(p, len, req);
	if (p[0] != PCP_VERSION)
		return error(req, PCP_UNSUPP_VERSION);
	return pcp_parse_v2(p, len, req);
}

/* ---- building ----------------------------------------------------------- */

static size_t natpmp_build(const struct pcp_request *req, const struct pcp_answer *a, __u8 *out,
			   size_t outlen)
{
	bool map = req->opcode == NATPMP_OP_MAP_UDP || req->opcode == NATPMP_OP_MAP_TCP;
	size_t n = a->result == NATPMP_UNSUPP_OPCODE || a->result == NATPMP_UNSUPP_VERSION
			   ? NATPMP_ERR_RESP_LEN
		   : map ? NATPMP_MAP_RESP_LEN
			 : NATPMP_ADDR_RESP_LEN;

	if (outlen < n)
		return 0;
	out[0] = NATPMP_VERSION;
	out[1] = (__u8)(PCP_R_BIT | req->opcode);
	put16(out + 2, a->result);
	put32(out + 4, a->epoch);
	if (n == NATPMP_MAP_RESP_LEN) {
		put16(out + 8, req->internal_port);
		put16(out + 10, a->external_port);
		put32(out + 12, a->lifetime);
	} else if (n == NATPMP_ADDR_RESP_LEN) {
		memcpy(out + 8, &a->external_ip, 4);
	}
	return n;
}

static void pcp_header(__u8 *out, __u8 opcode, __u8 result, __u32 lifetime, __u32 epoch)
{
	out[0] = PCP_VERSION;
	out[1] = (__u8)(PCP_R_BIT | (opcode & 0x7f));
	out[2] = 0;
	out[3] = result;
	put32(out + 4, lifetime);
	put32(out + 8, epoch);
	memset(out + 12, 0, 12);
}

static size_t pcp_build_v2(const struct pcp_request *req, const __u8 *raw, size_t rawlen,
			   const struct pcp_answer *a, __u8 *out, size_t outlen)
{
	size_t n;

	if (outlen < PCP_MAX_LEN)
		return 0;
	if (a->result != PCP_SUCCESS) {
		/* an error copies the request (§8.3), at least a header long
		 * and a whole number of 32-bit words */
		n = rawlen > PCP_MAX_LEN ? PCP_MAX_LEN : rawlen;
		memset(out, 0, PCP_MAX_LEN);
		memcpy(out, raw, n);
		n = n < PCP_HDR_LEN ? PCP_HDR_LEN : (n + 3) & ~(size_t)3;
		pcp_header(out, req->opcode, a->result, a->lifetime, a->epoch);
		return n;
	}
	pcp_header(out, req->opcode, PCP_SUCCESS, a->lifetime, a->epoch);
	if (req->opcode != PCP_OP_MAP)
		return PCP_HDR_LEN; /* ANNOUNCE */
	memcpy(out + 24, req->nonce, PCP_NONCE_LEN);
	out[36] = req->proto;
	memset(out + 37, 0, 3);
	put16(out + 40, req->internal_port);
	put16(out + 42, a->external_port);
	pcp_addr_from_v4(a->external_ip, out + 44);
	n = PCP_HDR_LEN + PCP_MAP_LEN;
	if (req->prefer_failure) { /* the options processed go back (§7.3) */
		out[n] = PCP_OPT_PREFER_FAILURE;
		out[n + 1] = 0;
		put16(out + n + 2, 0);
		n += 4;
	}
	return n;
}

size_t pcp_build(const struct pcp_request *req, const void *raw, size_t rawlen,
		 const struct pcp_answer *a, __u8 *out, size_t outlen)
{
	if (req->version == NATPMP_VERSION)
		return natpmp_build(req, a, out, outlen);
	return pcp_build_v2(req, raw, rawlen, a, out, outlen);
}

size_t natpmp_build_announce(__be32 external_ip, __u32 epoch, __u8 *out, size_t outlen)
{
	struct pcp_request req = { .version = NATPMP_VERSION, .opcode = NATPMP_OP_ADDR };
	struct pcp_answer a = { .epoch = epoch, .external_ip = external_ip };

	return natpmp_build(&req, &a, out, outlen);
}

size_t pcp_build_announce(__u32 epoch, __u8 *out, size_t outlen)
{
	if (outlen < PCP_HDR_LEN)
		return 0;
	pcp_header(out, PCP_OP_ANNOUNCE, PCP_SUCCESS, 0, epoch);
	return PCP_HDR_LEN;
}

const char *pcp_result_str(__u8 version, __u8 result)
{
	static const char *const natpmp[] = {
		"SUCCESS",	   "UNSUPP_VERSION", "NOT_AUTHORIZED",
		"NETWORK_FAILURE", "NO_RESOURCES",   "UNSUPP_OPCODE",
	};
	static const char *const pcp[] = {
		"SUCCESS",	     "UNSUPP_VERSION",	       "NOT_AUTHORIZED",
		"MALFORMED_REQUEST", "UNSUPP_OPCODE",	       "UNSUPP_OPTION",
		"MALFORMED_OPTION",  "NETWORK_FAILURE",	       "NO_RESOURCES",
		"UNSUPP_PROTOCOL",   "USER_EX_QUOTA",	       "CANNOT_PROVIDE_EXTERNAL",
		"ADDRESS_MISMATCH",  "EXCESSIVE_REMOTE_PEERS",
	};

	if (version == NATPMP_VERSION)
		return result < sizeof(natpmp) / sizeof(natpmp[0]) ? natpmp[result] : "?";
	return result < sizeof(pcp) / sizeof(pcp[0]) ? pcp[result] : "?";
}
