// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_pcp.c - NAT-PMP and PCP requests (user/core/pcp_codec.h) and the
 * mappings they make (user/ce/pcp_table.h): what a LAN host sends to
 * `mapce run --pcp`.
 *
 * Input: the whole input as one datagram, then the input cut into
 * datagrams (a length byte, then that many bytes) played in order against
 * one table over a model of the CE's forwards, the clock a second further
 * at each.  pcp_parse drops only what the RFCs drop (under 2 bytes, a
 * response, a NAT-PMP mapping shorter than its 12 bytes); every answer
 * pcp_build makes is the version's (0 or 2), the request's opcode with R
 * set, within 1100 bytes, a PCP answer a whole number of 32-bit words and
 * its MAP success carrying the nonce and internal port back.  The table
 * stays sound: every mapping a port of the set, open in the model, no two
 * on one port, at most MAPCE_PCP_PER_CLIENT per client, the model holding
 * nothing the table does not.
 */
#include <netinet/in.h>

#include "fuzz.h"
#include "mapce_rule.h"
#include "ce/pcp_table.h"
#include "core/pcp_codec.h"

static bool open_port[2][65536];
static int n_open;

static int m_open(void *arg, const struct portmap *pm, char *err, size_t errlen)
{
	bool *o = &open_port[pm->proto == IPPROTO_UDP][pm->first];

	if (*o || pm->first % 7 == 0) { /* taken, or another's */
		snprintf(err, errlen, "taken");
		return -1;
	}
	*o = true;
	n_open++;
	return 0;
}

static void m_close(void *arg, const struct portmap *pm)
{
	bool *o = &open_port[pm->proto == IPPROTO_UDP][pm->first];

	FUZZ_CHECK(*o, "closing %u, not open", pm->first);
	*o = false;
	n_open--;
}

static bool m_installed(void *arg, const struct portmap *pm)
{
	return open_port[pm->proto == IPPROTO_UDP][pm->first];
}

static const struct pcp_table_ops ops = { m_open, m_close, m_installed, NULL, NULL };
static struct pcp_table T;

static void check_answer(const struct pcp_request *r, const __u8 *raw, size_t len)
{
	struct pcp_answer a = { .epoch = 7, .external_ip = htonl(0xc6336412), .lifetime = 60 };
	static __u8 out[PCP_MAX_LEN];
	size_t n;

	a.result = r->result;
	a.external_port = 4930;
	n = pcp_build(r, raw, len, &a, out, sizeof(out));
	FUZZ_CHECK(n >= NATPMP_ERR_RESP_LEN && n <= PCP_MAX_LEN, "%zu bytes", n);
	FUZZ_CHECK(out[1] == (PCP_R_BIT | r->opcode), "opcode %u for %u", out[1], r->opcode);
	if (r->version == NATPMP_VERSION) {
		FUZZ_CHECK(out[0] == 0 && out[3] == a.result);
		return;
	}
	FUZZ_CHECK(out[0] == PCP_VERSION && out[3] == a.result && n % 4 == 0 && n >= PCP_HDR_LEN);
	if (!a.result && r->opcode == PCP_OP_MAP) {
		FUZZ_CHECK(!memcmp(out + 24, r->nonce, PCP_NONCE_LEN));
		FUZZ_CHECK((out[40] << 8 | out[41]) == r->internal_port);
	}
}

static void check_table(void)
{
	const struct mapce_config *c = &T.cfg;

	FUZZ_CHECK(T.n >= 0 && T.n <= MAPCE_PCP_MAX && T.n == n_open, "%d mappings, %d open", T.n,
		   n_open);
	for (int i = 0; i < T.n; i++) {
		const struct pcp_mapping *m = &T.m[i];

		FUZZ_CHECK(mapce_port_in_set(c->psid_offset, c->psid_len, c->psid, m->pm.first));
		FUZZ_CHECK(m->pm.first == m->pm.last && m_installed(NULL, &m->pm));
		FUZZ_CHECK(pcp_table_count(&T, m->pm.inside_ip) <= MAPCE_PCP_PER_CLIENT);
		for (int j = i + 1; j < T.n; j++)
			FUZZ_CHECK(T.m[j].pm.proto != m->pm.proto ||
				   T.m[j].pm.first != m->pm.first);
	}
}

/* One datagram: parse, answer, and a MAP into the table. */
static void one(const __u8 *d, size_t len, uint64_t now)
{
	struct pcp_request r;
	enum pcp_verdict v = pcp_parse(d, len, &r);
	struct pcp_map_res res;
	__be32 client = htonl(0xc000020a); /* 192.0.2.10 */

	if (v == PCP_DROP) {
		FUZZ_CHECK(len < 2 || (d[1] & PCP_R_BIT) ||
				   (d[0] == 0 && (d[1] == 1 || d[1] == 2) && len < 12),
			   "dropped %zu bytes", len);
		return;
	}
	FUZZ_CHECK(v == PCP_OK ? r.result == 0 : r.result != 0);
	check_answer(&r, d, len);
	if (v != PCP_OK)
		return;
	if (r.version == PCP_VERSION && !pcp_addr_v4(r.client_ip, &client))
		return;
	if ((r.version == NATPMP_VERSION && r.opcode != NATPMP_OP_ADDR) ||
	    (r.version == PCP_VERSION && r.opcode == PCP_OP_MAP &&
	     (r.proto == IPPROTO_TCP || r.proto == IPPROTO_UDP))) {
		struct pcp_map_req mr = { client,	    r.proto,
					  r.internal_port,  r.external_port,
					  r.lifetime % 120, r.version ? r.nonce : NULL,
					  r.prefer_failure };
		enum pcp_map_result x = pcp_table_map(&T, &mr, now, &res, NULL, 0);

		if (x == PCP_MAP_OK && mr.lifetime)
			FUZZ_CHECK(res.lifetime == mr.lifetime &&
				   mapce_port_in_set(4, 8, 52, res.external_port));
	}
	pcp_table_expire(&T, now);
	check_table();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mapce_config c = { .psid = 52, .psid_len = 8, .psid_offset = 4 };
	uint64_t now = 1000;

	c.ipv4 = htonl(0xc6336412); /* 198.51.100.18 */
	pcp_table_init(&T, &ops, &c);
	one(data, size, now);
	for (size_t i = 0; i < size;) {
		size_t n = data[i++];

		if (n > size - i)
			n = size - i;
		one(data + i, n, ++now);
		i += n;
	}
	pcp_table_clear(&T);
	FUZZ_CHECK(n_open == 0, "%d forwards left open", n_open);
	return 0;
}
