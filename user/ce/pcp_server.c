// SPDX-License-Identifier: GPL-2.0-only
/*
 * pcp_server.c - the NAT-PMP / PCP server of `mapce run --pcp`
 * (pcp_server.h): sockets, the answer to each request, the expiry timer.
 * What is decided about a mapping is pcp_table.c's; what the bytes are is
 * core/pcp_codec.c's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "core/addrfmt.h"
#include "core/parse.h"
#include "ce/pcp_server.h"
#include "ce/pcp_table.h"
#include "ce/portmap_dynamic.h"
#include "sys/pin.h"

#define RECV_BURST 64 /* datagrams read per wakeup: the loop's other work goes first */

struct server {
	char wan[IF_NAMESIZE], lan[IF_NAMESIZE];
	unsigned int lan_ifindex;
	int socks[PCP_SERVER_SOCKS];
	__be32 addrs[PCP_SERVER_SOCKS];
	int n_socks;
	int tfd;
	bool open;
	struct portmap_maps m;
	uint64_t epoch_start; /* monotonic seconds: the mappings' state began */
	struct pcp_table t;
	__u8 in[PCP_MAX_LEN + 4], out[PCP_MAX_LEN];
};

static struct server S = { .tfd = -1 };

#define say(...) run_say(S.wan, "pcp", __VA_ARGS__)

static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static __u32 epoch(void)
{
	return (__u32)(now_s() - S.epoch_start);
}

/* ---- the table's hands on the CE's maps -------------------------------- */

static int op_open(void *arg, const struct portmap *pm, char *err, size_t errlen)
{
	return portmap_dynamic_add(&S.m, pm, err, errlen);
}

static void op_close(void *arg, const struct portmap *pm)
{
	portmap_dynamic_del(&S.m, pm);
}

static bool op_installed(void *arg, const struct portmap *pm)
{
	return portmap_dynamic_installed(&S.m, pm);
}

/* "tcp 4930 -> 192.0.2.10:8022" */
static const char *mapping_str(const struct portmap *pm, char *buf, size_t len)
{
	char a[EP4_STRLEN];

	snprintf(buf, len, "%s %u -> %s", portmap_proto_str(pm->proto), pm->first,
		 ep4_str(pm->inside_ip, htons(pm->inside_port), a));
	return buf;
}

static void op_note(void *arg, const struct pcp_mapping *m, const char *what)
{
	char s[64];
	uint64_t now = now_s();

	if (!strcmp(what, "opened"))
		say("%s opened (%s, %llu s)", mapping_str(&m->pm, s, sizeof(s)),
		    m->pcp ? "pcp" : "nat-pmp",
		    (unsigned long long)(m->expires > now ? m->expires - now : 0));
	else if (!strcmp(what, "lost"))
		say("%s closed: the port was taken by a forward of the config",
		    mapping_str(&m->pm, s, sizeof(s)));
	else
		say("%s %s", mapping_str(&m->pm, s, sizeof(s)), what);
}

static const struct pcp_table_ops table_ops = {
	.open = op_open,
	.close = op_close,
	.installed = op_installed,
	.note = op_note,
};

/* ---- announcements ------------------------------------------------------ */

/* A new epoch, to 224.0.0.1:5350 from each address (best effort: a LAN
 * without a multicast route is told by the next answer's epoch). */
static void announce(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PCP_CLIENT_PORT) };
	__u8 buf[PCP_HDR_LEN];
	size_t n;

	if (!S.open)
		return;
	to.sin_addr.s_addr = htonl(INADDR_ALLHOSTS_GROUP);
	for (int i = 0; i < S.n_socks; i++) {
		n = natpmp_build_announce(S.m.cfg.ipv4, epoch(), buf, sizeof(buf));
		(void)!sendto(S.socks[i], buf, n, 0, (struct sockaddr *)&to, sizeof(to));
		n = pcp_build_announce(epoch(), buf, sizeof(buf));
		(void)!sendto(S.socks[i], buf, n, 0, (struct sockaddr *)&to, sizeof(to));
	}
}

/* ---- the CE's maps ------------------------------------------------------ */

/* (Re)open them; a new address or port set drops the mappings (closed on
 * the old set first) and begins a new epoch. */
static void maps_reopen(void)
{
	char dir[PATH_MAX];
	struct portmap_maps m;
	bool moved = false;
	int ret;

	if (pin_dir_path(dir, sizeof(dir), MAPCE_PIN_ROOT, S.wan))
		return;
	ret = portmap_maps_open(dir, &m);
	if (ret) {
		say("the CE's maps: %s (answering NETWORK_FAILURE until they are back)",
		    strerror(-ret));
		return;
	}
	if (S.open) {
		moved = m.cfg.ipv4 != S.m.cfg.ipv4 || m.cfg.psid != S.m.cfg.psid ||
			m.cfg.psid_len != S.m.cfg.psid_len ||
			m.cfg.psid_offset != S.m.cfg.psid_offset;
		if (moved) {
			int n = S.t.n;

			pcp_table_clear(&S.t);
			if (n)
				say("%d mapping%s dropped: a new address or port set", n,
				    n == 1 ? "" : "s");
		}
		portmap_maps_close(&S.m);
	}
	S.m = m;
	if (!S.open) {
		pcp_table_init(&S.t, &table_ops, &m.cfg);
		moved = true;
	}
	S.t.cfg = m.cfg;
	S.open = true;
	if (moved) {
		S.epoch_start = now_s();
		announce();
	}
}

/* ---- answers ------------------------------------------------------------ */

static __u32 err_lifetime(__u8 version, __u8 result)
{
	if (version == NATPMP_VERSION)
		return 0;
	switch (result) {
	case PCP_NETWORK_FAILURE:
	case PCP_NO_RESOURCES:
	case PCP_USER_EX_QUOTA:
	case PCP_CANNOT_PROVIDE_EXTERNAL:
		return PCP_ERR_LIFETIME_SHORT;
	}
	return PCP_ERR_LIFETIME_LONG;
}

/* The table's outcome as a result code of the request's protocol. */
static __u8 result_code(__u8 version, enum pcp_map_result r)
{
	static const __u8 natpmp[] = {
		[PCP_MAP_OK] = NATPMP_SUCCESS,
		[PCP_MAP_NOT_AUTHORIZED] = NATPMP_REFUSED,
		[PCP_MAP_QUOTA] = NATPMP_NO_RESOURCES,
		[PCP_MAP_NO_RESOURCES] = NATPMP_NO_RESOURCES,
		[PCP_MAP_CANNOT_PROVIDE] = NATPMP_NO_RESOURCES,
	};
	static const __u8 pcp[] = {
		[PCP_MAP_OK] = PCP_SUCCESS,
		[PCP_MAP_NOT_AUTHORIZED] = PCP_NOT_AUTHORIZED,
		[PCP_MAP_QUOTA] = PCP_USER_EX_QUOTA,
		[PCP_MAP_NO_RESOURCES] = PCP_NO_RESOURCES,
		[PCP_MAP_CANNOT_PROVIDE] = PCP_CANNOT_PROVIDE_EXTERNAL,
	};

	return version == NATPMP_VERSION ? natpmp[r] : pcp[r];
}

/* A MAP (either protocol) through the table. */
static __u8 map(const struct pcp_request *req, __be32 client, struct pcp_answer *a, const char *who)
{
	struct pcp_map_req r = {
		.client = client,
		.proto = req->proto,
		.internal_port = req->internal_port,
		.external_port = req->external_port,
		.lifetime = req->lifetime,
		.nonce = req->version == PCP_VERSION ? req->nonce : NULL,
		.prefer_failure = req->prefer_failure,
	};
	struct pcp_map_res res;
	enum pcp_map_result mr;
	char msg[640], c[IP4_STRLEN];

	mr = pcp_table_map(&S.t, &r, now_s(), &res, msg, sizeof(msg));
	/* a NAT-PMP delete answers external port 0 (RFC 6886 §3.4) */
	a->external_port = req->version == NATPMP_VERSION && !req->lifetime ? 0 : res.external_port;
	a->lifetime = res.lifetime;
	if (mr != PCP_MAP_OK)
		say("%s from %s: %s %u for %u s refused: %s", who, ip4_str(client, c),
		    portmap_proto_str(req->proto), req->internal_port, req->lifetime, msg);
	return result_code(req->version, mr);
}

static __u8 natpmp_answer(const struct pcp_request *req, __be32 client, struct pcp_answer *a)
{
	if (!S.open)
		return NATPMP_NETWORK_FAILURE;
	if (req->opcode == NATPMP_OP_ADDR)
		return NATPMP_SUCCESS;
	return map(req, client, a, "nat-pmp");
}

static bool zero16(const __u8 a[16])
{
	static const __u8 z[16];
	__be32 v4;

	return !memcmp(a, z, 16) || (pcp_addr_v4(a, &v4) && !v4);
}

static __u8 pcp_answer(const struct pcp_request *req, __be32 client, struct pcp_answer *a)
{
	__be32 v4;

	if (!pcp_addr_v4(req->client_ip, &v4) || v4 != client)
		return PCP_ADDRESS_MISMATCH; /* RFC 6887 §8.3: a NAT between */
	if (req->opcode == PCP_OP_ANNOUNCE)
		return PCP_SUCCESS;
	if (req->third_party)
		return PCP_NOT_AUTHORIZED; /* mappings for the client's own address only */
	if (req->filter)
		return PCP_UNSUPP_OPTION;
	if (!S.open)
		return PCP_NETWORK_FAILURE;
	if (req->proto == 0 && !req->internal_port && !req->lifetime) {
		/* all protocols: a delete of all of the client's mappings */
		struct pcp_request r = *req;
		__u8 res;

		r.proto = IPPROTO_TCP;
		res = map(&r, client, a, "pcp");
		r.proto = IPPROTO_UDP;
		return res ? res : map(&r, client, a, "pcp");
	}
	if (req->proto != IPPROTO_TCP && req->proto != IPPROTO_UDP)
		return PCP_UNSUPP_PROTOCOL;
	if (!req->internal_port && req->lifetime)
		return PCP_MALFORMED_REQUEST; /* all ports: only protocol 0 (§11.1) */
	if (req->prefer_failure && !zero16(req->external_ip) &&
	    (!pcp_addr_v4(req->external_ip, &v4) || v4 != S.m.cfg.ipv4))
		return PCP_CANNOT_PROVIDE_EXTERNAL;
	return map(req, client, a, "pcp");
}

static void handle(int fd, size_t len, const struct sockaddr_in *src)
{
	struct pcp_request req;
	struct pcp_answer a = { 0 };
	enum pcp_verdict v = pcp_parse(S.in, len, &req);
	size_t n;

	if (v == PCP_DROP)
		return;
	a.external_ip = S.open ? S.m.cfg.ipv4 : 0;
	if (v == PCP_ERROR)
		a.result = req.result;
	else if (req.version == NATPMP_VERSION)
		a.result = natpmp_answer(&req, src->sin_addr.s_addr, &a);
	else
		a.result = pcp_answer(&req, src->sin_addr.s_addr, &a);
	if (a.result)
		a.lifetime = err_lifetime(req.version, a.result);
	a.epoch = epoch();
	n = pcp_build(&req, S.in, len, &a, S.out, sizeof(S.out));
	if (n)
		(void)!sendto(fd, S.out, n, 0, (const struct sockaddr *)src, sizeof(*src));
}

/* Read what is waiting on fd (at most RECV_BURST datagrams). */
static void sock_ready(int fd)
{
	for (int i = 0; i < RECV_BURST; i++) {
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct sockaddr_in src;
		struct iovec iov = { .iov_base = S.in, .iov_len = sizeof(S.in) };
		struct msghdr mh = { .msg_name = &src,
				     .msg_namelen = sizeof(src),
				     .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		unsigned int ifindex = 0;
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				ifindex = (unsigned int)pi.ipi_ifindex;
			}
		/* the LAN's own requests only (RFC 6886 §3: never from outside);
		 * a datagram cut at the buffer is longer than any request */
		if (ifindex != S.lan_ifindex || !src.sin_port || (mh.msg_flags & MSG_TRUNC) ||
		    (size_t)n > PCP_MAX_LEN + 1)
			continue;
		handle(fd, (size_t)n, &src);
	}
}

/* ---- the service -------------------------------------------------------- */

static void socks_close(void)
{
	for (int i = 0; i < S.n_socks; i++)
		close(S.socks[i]);
	S.n_socks = 0;
}

/* A socket on addr:5351.  0, or -1 with err. */
static int sock_open(__be32 addr, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons(PCP_SERVER_PORT),
				  .sin_addr.s_addr = addr };
	struct ip_mreqn mr = { .imr_address.s_addr = addr, .imr_ifindex = (int)S.lan_ifindex };
	char a[IP4_STRLEN];
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return mapce_errf(err, errlen, "pcp %s: listening on %s:%d: %s", S.lan,
				  ip4_str(addr, a), PCP_SERVER_PORT, strerror(e));
	}
	S.addrs[S.n_socks] = addr;
	S.socks[S.n_socks++] = fd;
	return 0;
}

static int server_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
			size_t errlen)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	struct ifaddrs *ifa, *i;
	char list[PCP_SERVER_SOCKS * (IP4_STRLEN + 1)] = "", a[IP4_STRLEN];

	snprintf(S.wan, sizeof(S.wan), "%s", wan);
	S.lan_ifindex = if_nametoindex(S.lan);
	if (!S.lan_ifindex)
		return mapce_errf(err, errlen, "pcp %s: %s", S.lan, strerror(errno));
	if (getifaddrs(&ifa))
		return mapce_errf(err, errlen, "pcp %s: the addresses: %s", S.lan, strerror(errno));
	for (i = ifa; i && S.n_socks < PCP_SERVER_SOCKS; i = i->ifa_next) {
		__be32 addr;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, S.lan))
			continue;
		addr = ((const struct sockaddr_in *)(const void *)i->ifa_addr)->sin_addr.s_addr;
		if (sock_open(addr, err, errlen)) {
			freeifaddrs(ifa);
			socks_close();
			return -1;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 S.n_socks > 1 ? " " : "", ip4_str(addr, a));
	}
	freeifaddrs(ifa);
	if (!S.n_socks)
		return mapce_errf(err, errlen, "pcp %s: no IPv4 address to listen on", S.lan);
	S.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (S.tfd < 0 || timerfd_settime(S.tfd, 0, &its, NULL)) {
		socks_close();
		return mapce_errf(err, errlen, "pcp: timerfd: %s", strerror(errno));
	}
	S.epoch_start = now_s();
	maps_reopen();
	say("NAT-PMP and PCP on %s (%s port %d), mappings into the forwards of %s", S.lan, list,
	    PCP_SERVER_PORT, wan);
	return 0;
}

static int server_fds(void *arg, int *fds, int max)
{
	int n = 0;

	for (int i = 0; i < S.n_socks && n < max; i++)
		fds[n++] = S.socks[i];
	if (S.tfd >= 0 && n < max)
		fds[n++] = S.tfd;
	return n;
}

static void server_ready(void *arg, int fd)
{
	__u64 ticks;

	if (fd == S.tfd) {
		if (read(S.tfd, &ticks, sizeof(ticks)) > 0 && S.open)
			pcp_table_expire(&S.t, now_s());
		return;
	}
	sock_ready(fd);
}

static void server_applied(void *arg, const struct run_applied *pass)
{
	maps_reopen();
}

static void server_stop(void *arg)
{
	if (S.open) {
		int n = S.t.n;

		pcp_table_clear(&S.t);
		if (n)
			say("%d mapping%s closed at exit", n, n == 1 ? "" : "s");
		portmap_maps_close(&S.m);
		S.open = false;
	}
	socks_close();
	if (S.tfd >= 0)
		close(S.tfd);
	S.tfd = -1;
}

static struct run_service server_service = {
	.name = "pcp",
	.start = server_start,
	.fds = server_fds,
	.ready = server_ready,
	.applied = server_applied,
	.stop = server_stop,
};

struct run_service *pcp_server_service(const char *wan, const char *lan)
{
	snprintf(S.wan, sizeof(S.wan), "%s", wan);
	snprintf(S.lan, sizeof(S.lan), "%s", lan);
	return &server_service;
}
