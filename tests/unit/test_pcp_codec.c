// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pcp_codec.c - NAT-PMP and PCP messages (user/core/pcp_codec.c),
 * byte for byte against the layouts of RFC 6886 §3 and RFC 6887 §7,
 * §11.1 and §13, written out here by hand (the lab test runs the real
 * natpmpc and an independent PCP client against the server).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "harness.h"
#include "core/pcp_codec.h"

#define CHECK_BYTES(got, n, want)                                                 \
	do {                                                                      \
		CHECK_EQ((n), sizeof(want));                                      \
		CHECK(!memcmp((got), (want), sizeof(want)), "bytes differ at %d", \
		      first_diff((got), (want), sizeof(want)));                   \
	} while (0)

static int first_diff(const __u8 *a, const __u8 *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return (int)i;
	return -1;
}

/* 192.0.2.10 and 198.51.100.18, IPv4-mapped */
#define CLIENT_V4M 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 10
#define CE_V4M 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 18
#define NONCE 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12

static void natpmp(void)
{
	static const __u8 addr_req[] = { 0, 0 };
	/* RFC 6886 §3.2: vers 0, op 128, result 0, epoch, external address */
	static const __u8 addr_resp[] = { 0, 128, 0, 0, 0, 0, 0x01, 0x2c, 198, 51, 100, 18 };
	/* §3.3: op 2 (TCP), reserved, internal 8022, suggested 4000, lifetime 7200 */
	static const __u8 map_req[] = { 0, 2, 0, 0, 0x1f, 0x56, 0x0f, 0xa0, 0, 0, 0x1c, 0x20 };
	/* op 130, result 0, epoch 300, internal 8022, mapped 4930, lifetime 7200 */
	static const __u8 map_resp[] = { 0,    130,  0,	   0,	 0, 0, 0x01, 0x2c,
					 0x1f, 0x56, 0x13, 0x42, 0, 0, 0x1c, 0x20 };
	static const __u8 udp_req[] = { 0, 1, 0, 0, 0x1b, 0x59, 0, 0, 0, 0, 0, 0 };
	/* §3.5: an unsupported opcode, 8 bytes */
	static const __u8 bad_op[] = { 0, 3 };
	static const __u8 bad_op_resp[] = { 0, 131, 0, 5, 0, 0, 0x01, 0x2c };
	struct pcp_request r;
	struct pcp_answer a = { .epoch = 300, .external_ip = inet_addr("198.51.100.18") };
	__u8 out[PCP_MAX_LEN];
	size_t n;

	TCASE_BEGIN("natpmp: public address request and response");
	CHECK_EQ(pcp_parse(addr_req, sizeof(addr_req), &r), PCP_OK);
	CHECK_EQ(r.version, NATPMP_VERSION);
	CHECK_EQ(r.opcode, NATPMP_OP_ADDR);
	n = pcp_build(&r, addr_req, sizeof(addr_req), &a, out, sizeof(out));
	CHECK_BYTES(out, n, addr_resp);
	n = natpmp_build_announce(a.external_ip, 300, out, sizeof(out));
	CHECK_BYTES(out, n, addr_resp);
	TCASE_END();

	TCASE_BEGIN("natpmp: TCP mapping request and response");
	CHECK_EQ(pcp_parse(map_req, sizeof(map_req), &r), PCP_OK);
	CHECK_EQ(r.proto, IPPROTO_TCP);
	CHECK_EQ(r.internal_port, 8022);
	CHECK_EQ(r.external_port, 4000);
	CHECK_EQ(r.lifetime, 7200);
	a.external_port = 4930;
	a.lifetime = 7200;
	n = pcp_build(&r, map_req, sizeof(map_req), &a, out, sizeof(out));
	CHECK_BYTES(out, n, map_resp);
	TCASE_END();

	TCASE_BEGIN("natpmp: UDP mapping, lifetime 0 (a delete), no suggested port");
	CHECK_EQ(pcp_parse(udp_req, sizeof(udp_req), &r), PCP_OK);
	CHECK_EQ(r.proto, IPPROTO_UDP);
	CHECK_EQ(r.internal_port, 7001);
	CHECK_EQ(r.external_port, 0);
	CHECK_EQ(r.lifetime, 0);
	TCASE_END();

	TCASE_BEGIN("natpmp: unsupported opcode answered with result 5, 8 bytes");
	CHECK_EQ(pcp_parse(bad_op, sizeof(bad_op), &r), PCP_ERROR);
	CHECK_EQ(r.result, NATPMP_UNSUPP_OPCODE);
	a.result = r.result;
	n = pcp_build(&r, bad_op, sizeof(bad_op), &a, out, sizeof(out));
	CHECK_BYTES(out, n, bad_op_resp);
	a.result = 0;
	TCASE_END();

	TCASE_BEGIN("natpmp: dropped: 1 byte, a response, a short mapping request");
	CHECK_EQ(pcp_parse(addr_req, 1, &r), PCP_DROP);
	CHECK_EQ(pcp_parse(addr_resp, sizeof(addr_resp), &r), PCP_DROP);
	CHECK_EQ(pcp_parse(map_req, 11, &r), PCP_DROP);
	TCASE_END();
}

/* A PCP MAP request: header, payload, then extra (options). */
/* clang-format off */
static const __u8 map_hdr[] = {
	2, 1, 0, 0,             /* version 2, R=0 MAP, reserved */
	0, 0, 0x0e, 0x10,       /* requested lifetime 3600 */
	CLIENT_V4M,             /* client address */
	NONCE,                  /* mapping nonce */
	6, 0, 0, 0,             /* TCP, reserved */
	0x1f, 0x56, 0x0f, 0xa0, /* internal 8022, suggested external 4000 */
	CE_V4M,                 /* suggested external address */
};
/* clang-format on */

static size_t map_with(__u8 *buf, const __u8 *opts, size_t n)
{
	memcpy(buf, map_hdr, sizeof(map_hdr));
	if (n)
		memcpy(buf + sizeof(map_hdr), opts, n);
	return sizeof(map_hdr) + n;
}

static void pcp_map(void)
{
	/* clang-format off */
	static const __u8 want[] = {
		2, 0x81, 0, 0,          /* R=1 MAP, reserved, result SUCCESS */
		0, 0, 0x0e, 0x10,       /* lifetime 3600 */
		0, 0, 0x01, 0x2c,       /* epoch 300 */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* reserved 96 bits */
		NONCE,                  /* the request's nonce */
		6, 0, 0, 0,             /* TCP, reserved */
		0x1f, 0x56, 0x13, 0x42, /* internal 8022, assigned external 4930 */
		CE_V4M,                 /* assigned external address */
	};
	/* clang-format on */
	static const __u8 prefer[] = { 2, 0, 0, 0 };
	static const __u8 third[] = { 1, 0, 0, 16, CLIENT_V4M };
	static const __u8 optional[] = { 200, 0, 0, 3, 9, 9, 9, 0 }; /* skipped, padded */
	struct pcp_request r;
	struct pcp_answer a = { .epoch = 300,
				.external_ip = inet_addr("198.51.100.18"),
				.external_port = 4930,
				.lifetime = 3600 };
	__u8 in[PCP_MAX_LEN + 8], out[PCP_MAX_LEN];
	size_t len, n;

	TCASE_BEGIN("pcp: MAP request parsed");
	len = map_with(in, NULL, 0);
	CHECK_EQ(len, 60);
	CHECK_EQ(pcp_parse(in, len, &r), PCP_OK);
	CHECK_EQ(r.version, PCP_VERSION);
	CHECK_EQ(r.opcode, PCP_OP_MAP);
	CHECK_EQ(r.lifetime, 3600);
	CHECK_EQ(r.proto, IPPROTO_TCP);
	CHECK_EQ(r.internal_port, 8022);
	CHECK_EQ(r.external_port, 4000);
	CHECK(!memcmp(r.nonce, map_hdr + 24, 12));
	{
		__be32 v4;

		CHECK(pcp_addr_v4(r.client_ip, &v4) && v4 == inet_addr("192.0.2.10"));
		CHECK(pcp_addr_v4(r.external_ip, &v4) && v4 == inet_addr("198.51.100.18"));
	}
	CHECK(!r.third_party && !r.prefer_failure && !r.filter);
	TCASE_END();

	TCASE_BEGIN("pcp: MAP success response, byte for byte");
	n = pcp_build(&r, in, len, &a, out, sizeof(out));
	CHECK_BYTES(out, n, want);
	TCASE_END();

	TCASE_BEGIN("pcp: PREFER_FAILURE parsed and echoed; optional option skipped");
	len = map_with(in, prefer, sizeof(prefer));
	memcpy(in + len, optional, sizeof(optional));
	len += sizeof(optional);
	CHECK_EQ(pcp_parse(in, len, &r), PCP_OK);
	CHECK(r.prefer_failure);
	n = pcp_build(&r, in, len, &a, out, sizeof(out));
	CHECK_EQ(n, 64);
	CHECK(!memcmp(out, want, sizeof(want)));
	CHECK(!memcmp(out + 60, prefer, 4));
	TCASE_END();

	TCASE_BEGIN("pcp: THIRD_PARTY parsed with its address");
	len = map_with(in, third, sizeof(third));
	CHECK_EQ(pcp_parse(in, len, &r), PCP_OK);
	CHECK(r.third_party);
	CHECK(!memcmp(r.third_party_ip, third + 4, 16));
	TCASE_END();

	TCASE_BEGIN("pcp: an error response copies the request (RFC 6887 §8.3)");
	len = map_with(in, third, sizeof(third));
	pcp_parse(in, len, &r);
	a.result = PCP_NOT_AUTHORIZED;
	a.lifetime = PCP_ERR_LIFETIME_LONG;
	n = pcp_build(&r, in, len, &a, out, sizeof(out));
	CHECK_EQ(n, len);
	CHECK_EQ(out[0], 2);
	CHECK_EQ(out[1], 0x81);
	CHECK_EQ(out[3], PCP_NOT_AUTHORIZED);
	CHECK_EQ(out[4] << 24 | out[5] << 16 | out[6] << 8 | out[7], PCP_ERR_LIFETIME_LONG);
	CHECK_EQ(out[11], 300 & 0xff);
	CHECK(!memcmp(out + 24, in + 24, len - 24), "payload and options copied");
	TCASE_END();
}

/* req (len bytes) must be answered with result. */
static void pcp_err(const char *name, const __u8 *req, size_t len, enum pcp_verdict v, __u8 result)
{
	struct pcp_request r;

	TCASE_BEGIN(name);
	CHECK_EQ(pcp_parse(req, len, &r), v);
	if (v == PCP_ERROR)
		CHECK_EQ(r.result, result);
	TCASE_END();
}

static void pcp_errors(void)
{
	static const __u8 prefer[] = { 2, 0, 0, 0 };
	static const __u8 unknown[] = { 99, 0, 0, 0 };
	static const __u8 overrun[] = { 2, 0, 0, 8 };
	static const __u8 filter[] = { 3, 0, 0, 20, 0, 32, 0, 0, CE_V4M };
	static const __u8 short_tp[] = { 1, 0, 0, 4, 192, 0, 2, 10 };
	__u8 in[PCP_MAX_LEN + 8] = { 0 };
	size_t len;

	memcpy(in, map_hdr, sizeof(map_hdr));
	pcp_err("pcp: shorter than a header: MALFORMED_REQUEST", in, 20, PCP_ERROR,
		PCP_MALFORMED_REQUEST);
	pcp_err("pcp: not a multiple of 4: MALFORMED_REQUEST", in, 61, PCP_ERROR,
		PCP_MALFORMED_REQUEST);
	pcp_err("pcp: longer than 1100: MALFORMED_REQUEST", in, 1104, PCP_ERROR,
		PCP_MALFORMED_REQUEST);
	pcp_err("pcp: MAP without its payload: MALFORMED_REQUEST", in, 56, PCP_ERROR,
		PCP_MALFORMED_REQUEST);
	len = map_with(in, prefer, sizeof(prefer));
	memcpy(in + len, prefer, sizeof(prefer));
	pcp_err("pcp: PREFER_FAILURE twice: MALFORMED_OPTION", in, len + 4, PCP_ERROR,
		PCP_MALFORMED_OPTION);
	len = map_with(in, unknown, sizeof(unknown));
	pcp_err("pcp: unknown mandatory option 99: UNSUPP_OPTION", in, len, PCP_ERROR,
		PCP_UNSUPP_OPTION);
	len = map_with(in, overrun, sizeof(overrun));
	pcp_err("pcp: an option past the end: MALFORMED_OPTION", in, len, PCP_ERROR,
		PCP_MALFORMED_OPTION);
	len = map_with(in, short_tp, sizeof(short_tp));
	pcp_err("pcp: THIRD_PARTY of 4 bytes: MALFORMED_OPTION", in, len, PCP_ERROR,
		PCP_MALFORMED_OPTION);
	len = map_with(in, filter, sizeof(filter));
	{
		struct pcp_request r;

		TCASE_BEGIN("pcp: FILTER parsed (the server refuses it)");
		CHECK_EQ(pcp_parse(in, len, &r), PCP_OK);
		CHECK(r.filter);
		TCASE_END();
	}
	in[0] = 3;
	pcp_err("pcp: version 3: UNSUPP_VERSION", in, 60, PCP_ERROR, PCP_UNSUPP_VERSION);
	in[0] = 1;
	pcp_err("pcp: version 1: UNSUPP_VERSION", in, 60, PCP_ERROR, PCP_UNSUPP_VERSION);
	in[0] = 2;
	in[1] = PCP_OP_PEER;
	pcp_err("pcp: PEER: UNSUPP_OPCODE", in, 60, PCP_ERROR, PCP_UNSUPP_OPCODE);
	in[1] = 0x81;
	pcp_err("pcp: a response (R set): dropped", in, 60, PCP_DROP, 0);
	in[1] = PCP_OP_MAP;
}

static void pcp_version_and_announce(void)
{
	/* an ANNOUNCE request: header only */
	static const __u8 ann[] = { 2, 0, 0, 0, 0, 0, 0, 0, CLIENT_V4M };
	static const __u8 ann_resp[] = { 2, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x2c,
					 0, 0,	  0, 0, 0, 0, 0, 0, 0, 0, 0,	0 };
	/* version 9 MAP: UNSUPP_VERSION, answered as version 2 */
	__u8 v9[60];
	struct pcp_request r;
	struct pcp_answer a = { .epoch = 300 };
	__u8 out[PCP_MAX_LEN];
	size_t n;

	TCASE_BEGIN("pcp: ANNOUNCE request and response; unsolicited ANNOUNCE");
	CHECK_EQ(pcp_parse(ann, sizeof(ann), &r), PCP_OK);
	CHECK_EQ(r.opcode, PCP_OP_ANNOUNCE);
	n = pcp_build(&r, ann, sizeof(ann), &a, out, sizeof(out));
	CHECK_BYTES(out, n, ann_resp);
	n = pcp_build_announce(300, out, sizeof(out));
	CHECK_BYTES(out, n, ann_resp);
	TCASE_END();

	TCASE_BEGIN("pcp: UNSUPP_VERSION answered with version 2");
	memcpy(v9, map_hdr, sizeof(v9));
	v9[0] = 9;
	CHECK_EQ(pcp_parse(v9, sizeof(v9), &r), PCP_ERROR);
	a.result = r.result;
	a.lifetime = PCP_ERR_LIFETIME_LONG;
	n = pcp_build(&r, v9, sizeof(v9), &a, out, sizeof(out));
	CHECK_EQ(n, 60);
	CHECK_EQ(out[0], PCP_VERSION);
	CHECK_EQ(out[1], 0x81);
	CHECK_EQ(out[3], PCP_UNSUPP_VERSION);
	TCASE_END();

	TCASE_BEGIN("pcp: an error on a short request is a whole header");
	a.result = PCP_MALFORMED_REQUEST;
	CHECK_EQ(pcp_parse(v9 + 0, 3, &r), PCP_ERROR);
	n = pcp_build(&r, v9, 3, &a, out, sizeof(out));
	CHECK_EQ(n, PCP_HDR_LEN);
	TCASE_END();

	TCASE_BEGIN("pcp: result names");
	CHECK_STR(pcp_result_str(PCP_VERSION, PCP_ADDRESS_MISMATCH), "ADDRESS_MISMATCH");
	CHECK_STR(pcp_result_str(NATPMP_VERSION, NATPMP_UNSUPP_OPCODE), "UNSUPP_OPCODE");
	CHECK_STR(pcp_result_str(PCP_VERSION, 200), "?");
	TCASE_END();
}

int main(void)
{
	natpmp();
	pcp_map();
	pcp_errors();
	pcp_version_and_announce();
	return t_exit();
}
