// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_pcp_table.c - the NAT-PMP / PCP mappings (user/ce/pcp_table.c)
 * against a model of the CE's forwards: which port of the set, renewals,
 * nonces, deletes, expiry, a port lost to a config forward, the limits.
 * The set: PSID 52 of length 8 at offset 4, 240 ports in 15 ranges of 16
 * (4928-4943, 9024-9039, ...), the lab's.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "harness.h"
#include "mapce_rule.h"
#include "ce/pcp_table.h"

/* The model: which outside ports of each protocol hold a forward, ours
 * or another's (taken[]), and how many opens were tried. */
static bool open_port[2][65536], taken[2][65536];
static int opens, notes;
static char last_note[32];

static int pi(__u8 proto)
{
	return proto == IPPROTO_UDP;
}

static int m_open(void *arg, const struct portmap *pm, char *err, size_t errlen)
{
	opens++;
	if (taken[pi(pm->proto)][pm->first] || open_port[pi(pm->proto)][pm->first]) {
		snprintf(err, errlen, "port %u is taken", pm->first);
		return -1;
	}
	open_port[pi(pm->proto)][pm->first] = true;
	return 0;
}

static void m_close(void *arg, const struct portmap *pm)
{
	open_port[pi(pm->proto)][pm->first] = false;
}

static bool m_installed(void *arg, const struct portmap *pm)
{
	return open_port[pi(pm->proto)][pm->first];
}

static void m_note(void *arg, const struct pcp_mapping *m, const char *what)
{
	notes++;
	snprintf(last_note, sizeof(last_note), "%s", what);
}

static const struct pcp_table_ops ops = { m_open, m_close, m_installed, m_note, NULL };
static struct pcp_table T;

static void reset(void)
{
	struct mapce_config c = { .psid = 52, .psid_len = 8, .psid_offset = 4 };

	c.ipv4 = inet_addr("198.51.100.18");
	memset(open_port, 0, sizeof(open_port));
	memset(taken, 0, sizeof(taken));
	opens = notes = 0;
	pcp_table_init(&T, &ops, &c);
}

#define CLIENT inet_addr("192.0.2.10")

static enum pcp_map_result req(__be32 client, __u8 proto, __u16 iport, __u16 eport, __u32 life,
			       const __u8 *nonce, uint64_t now, struct pcp_map_res *res)
{
	struct pcp_map_req r = { client, proto, iport, eport, life, nonce, false };

	return pcp_table_map(&T, &r, now, res, NULL, 0);
}

static void ports(void)
{
	struct pcp_map_res res;

	reset();
	TCASE_BEGIN("table: a free port of the set asked for is given");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 3600, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4930);
	CHECK_EQ(res.lifetime, 3600);
	CHECK(open_port[0][4930]);
	CHECK_EQ(T.n, 1);
	CHECK_EQ(T.m[0].expires, 3700);
	CHECK_STR(last_note, "opened");
	TCASE_END();

	TCASE_BEGIN("table: a port below the set gets the set's first port");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8023, 4000, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4928);
	CHECK(mapce_port_in_set(4, 8, 52, res.external_port));
	TCASE_END();

	TCASE_BEGIN("table: a port between ranges gets the nearest (9000 -> 9024)");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8024, 9000, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 9024);
	TCASE_END();

	TCASE_BEGIN("table: above the set's last port gets the last (65535 -> 62287)");
	CHECK_EQ(req(CLIENT, IPPROTO_UDP, 8024, 65535, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 62287);
	TCASE_END();

	TCASE_BEGIN("table: a taken port gets its nearest free neighbour");
	taken[0][4935] = true;
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8025, 4935, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4936);
	/* 4930 is ours (8022): its neighbours, up first on a tie */
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8026, 4930, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4931);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8027, 4930, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4929);
	TCASE_END();

	TCASE_BEGIN("table: no suggestion: the internal port is the hint");
	CHECK_EQ(req(CLIENT, IPPROTO_UDP, 9030, 0, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 9030);
	TCASE_END();

	TCASE_BEGIN("table: the other protocol's port is free for this one");
	CHECK_EQ(req(CLIENT, IPPROTO_UDP, 8022, 4930, 60, NULL, 100, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4930);
	TCASE_END();
}

static void leases(void)
{
	static const __u8 n1[12] = { 1 }, n2[12] = { 2 };
	struct pcp_map_res res;
	int n;

	reset();
	TCASE_BEGIN("table: a renewal keeps the port and extends the lifetime");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 60, n1, 100, &res), PCP_MAP_OK);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 9030, 120, n1, 150, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4930);
	CHECK_EQ(res.lifetime, 120);
	CHECK_EQ(T.n, 1);
	CHECK_EQ(T.m[0].expires, 270);
	TCASE_END();

	TCASE_BEGIN("table: another nonce is refused, NAT-PMP (no nonce) renews");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 60, n2, 160, &res), PCP_MAP_NOT_AUTHORIZED);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 0, n2, 160, &res), PCP_MAP_NOT_AUTHORIZED);
	CHECK_EQ(T.n, 1);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 0, 300, NULL, 160, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4930);
	CHECK_EQ(T.m[0].expires, 460);
	TCASE_END();

	TCASE_BEGIN("table: another client's request is its own mapping");
	CHECK_EQ(req(inet_addr("192.0.2.11"), IPPROTO_TCP, 8022, 4930, 60, NULL, 160, &res),
		 PCP_MAP_OK);
	CHECK(res.external_port != 4930);
	CHECK_EQ(T.n, 2);
	TCASE_END();

	TCASE_BEGIN("table: lifetime 0 deletes; a second delete is a success");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 0, 0, n1, 170, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4930);
	CHECK_EQ(res.lifetime, 0);
	CHECK(!open_port[0][4930]);
	CHECK_STR(last_note, "deleted");
	CHECK_EQ(T.n, 1);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 0, 0, n1, 170, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 0);
	TCASE_END();

	TCASE_BEGIN("table: internal port 0, lifetime 0 deletes the client's of the protocol");
	req(CLIENT, IPPROTO_TCP, 1001, 0, 60, NULL, 170, &res);
	req(CLIENT, IPPROTO_TCP, 1002, 0, 60, NULL, 170, &res);
	req(CLIENT, IPPROTO_UDP, 1003, 0, 60, NULL, 170, &res);
	CHECK_EQ(T.n, 4);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 0, 0, 0, NULL, 171, &res), PCP_MAP_OK);
	CHECK_EQ(T.n, 2); /* the UDP one and the other client's */
	CHECK_EQ(pcp_table_count(&T, CLIENT), 1);
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 0, 0, 60, NULL, 171, &res), PCP_MAP_NOT_AUTHORIZED);
	TCASE_END();

	TCASE_BEGIN("table: expiry closes at the end, not before");
	CHECK_EQ(pcp_table_expire(&T, 219), 0); /* ends 220 and 230 */
	CHECK_EQ(T.n, 2);
	n = pcp_table_expire(&T, 230);
	CHECK_EQ(n, 2);
	CHECK_EQ(T.n, 0);
	CHECK_STR(last_note, "expired");
	for (int p = 0; p < 65536; p++)
		CHECK(!open_port[0][p] && !open_port[1][p], "port %d left open", p);
	TCASE_END();

	TCASE_BEGIN("table: a port taken by a config forward is lost, then re-mapped");
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 60, NULL, 300, &res), PCP_MAP_OK);
	open_port[0][4930] = false; /* the config's forward replaced ours */
	taken[0][4930] = true;
	CHECK_EQ(req(CLIENT, IPPROTO_TCP, 8022, 4930, 60, NULL, 301, &res), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4931);
	CHECK_EQ(T.n, 1);
	open_port[0][4931] = false;
	CHECK_EQ(pcp_table_expire(&T, 302), 1);
	CHECK_STR(last_note, "lost");
	CHECK_EQ(T.n, 0);
	TCASE_END();

	TCASE_BEGIN("table: a lifetime above the most is cut to it");
	CHECK_EQ(req(CLIENT, IPPROTO_UDP, 5000, 0, 1000000, NULL, 400, &res), PCP_MAP_OK);
	CHECK_EQ(res.lifetime, MAPCE_PCP_LIFETIME_MAX);
	pcp_table_clear(&T);
	CHECK_EQ(T.n, 0);
	CHECK_STR(last_note, "closed");
	TCASE_END();
}

static void limits(void)
{
	struct pcp_map_res res;
	struct pcp_map_req pf = { CLIENT, IPPROTO_TCP, 8022, 4000, 60, NULL, true };
	char msg[256] = "";

	reset();
	TCASE_BEGIN("table: PREFER_FAILURE: a port outside the set or taken is refused");
	CHECK_EQ(pcp_table_map(&T, &pf, 1, &res, msg, sizeof(msg)), PCP_MAP_CANNOT_PROVIDE);
	CHECK(strstr(msg, "4000") != NULL, "%s", msg);
	taken[0][4930] = true;
	pf.external_port = 4930;
	CHECK_EQ(pcp_table_map(&T, &pf, 1, &res, NULL, 0), PCP_MAP_CANNOT_PROVIDE);
	pf.external_port = 4931;
	CHECK_EQ(pcp_table_map(&T, &pf, 1, &res, NULL, 0), PCP_MAP_OK);
	CHECK_EQ(res.external_port, 4931);
	TCASE_END();

	reset();
	TCASE_BEGIN("table: a client may hold MAPCE_PCP_PER_CLIENT mappings");
	for (int i = 0; i < MAPCE_PCP_PER_CLIENT; i++)
		CHECK_EQ(req(CLIENT, IPPROTO_UDP, (__u16)(2000 + i), 0, 60, NULL, 1, &res),
			 PCP_MAP_OK);
	CHECK_EQ(pcp_table_map(
			 &T, &(struct pcp_map_req){ CLIENT, IPPROTO_UDP, 3000, 0, 60, NULL, false },
			 1, &res, msg, sizeof(msg)),
		 PCP_MAP_QUOTA);
	CHECK(strstr(msg, "32") != NULL, "%s", msg);
	/* a renewal is not a new mapping */
	CHECK_EQ(req(CLIENT, IPPROTO_UDP, 2000, 0, 60, NULL, 2, &res), PCP_MAP_OK);
	/* another host is not held by this one's limit */
	CHECK_EQ(req(inet_addr("192.0.2.11"), IPPROTO_UDP, 3000, 0, 60, NULL, 2, &res), PCP_MAP_OK);
	TCASE_END();

	reset();
	TCASE_BEGIN("table: no free port: NO_RESOURCES after at most MAPCE_PCP_TRY_MAX tries");
	for (int p = 0; p < 65536; p++)
		taken[0][p] = true;
	CHECK_EQ(pcp_table_map(&T,
			       &(struct pcp_map_req){ CLIENT, IPPROTO_TCP, 80, 0, 60, NULL, false },
			       1, &res, msg, sizeof(msg)),
		 PCP_MAP_NO_RESOURCES);
	CHECK(opens <= MAPCE_PCP_TRY_MAX && opens == 240, "%d opens", opens);
	CHECK(strstr(msg, "no free port") != NULL, "%s", msg);
	TCASE_END();

	reset();
	TCASE_BEGIN("table: the CE's own address, 0.0.0.0 and multicast may not map");
	CHECK_EQ(req(inet_addr("198.51.100.18"), IPPROTO_TCP, 80, 0, 60, NULL, 1, &res),
		 PCP_MAP_NOT_AUTHORIZED);
	CHECK_EQ(req(0, IPPROTO_TCP, 80, 0, 60, NULL, 1, &res), PCP_MAP_NOT_AUTHORIZED);
	CHECK_EQ(req(inet_addr("224.0.0.1"), IPPROTO_TCP, 80, 0, 60, NULL, 1, &res),
		 PCP_MAP_NOT_AUTHORIZED);
	CHECK_EQ(T.n, 0);
	CHECK_EQ(opens, 0);
	TCASE_END();
}

int main(void)
{
	ports();
	leases();
	limits();
	return t_exit();
}
