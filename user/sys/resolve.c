// SPDX-License-Identifier: GPL-2.0-only
/*
 * resolve.c - TXT and AAAA questions to given DNS servers (resolve.h).
 * Each try is bounded by a deadline (poll), each reply checked before
 * it is believed: from the server asked, our ID, a response, the same
 * question; then parsed with libresolv's ns_parserr.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/parse.h"
#include "core/text_file.h"
#include "sys/resolve.h"

#define BAD(...) (mapce_errf(err, errlen, __VA_ARGS__), -1)
#define DNS_MSG_MAX 65535
#define RESOLV_CONF_MAX ((size_t)64 * 1024)

void resolve_conf_init(struct resolve_conf *c, const char *ifname)
{
	memset(c, 0, sizeof(*c));
	if (ifname)
		snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
}

int resolve_add_server(struct resolve_conf *c, const char *addr, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;

	if (c->n >= RESOLVE_MAX_SERVERS)
		return BAD("DNS server %s: too many servers (at most %d)", addr,
			   RESOLVE_MAX_SERVERS);
	if (getaddrinfo(addr, "53", &hints, &res) || !res ||
	    res->ai_addrlen > sizeof(c->server[0])) {
		if (res)
			freeaddrinfo(res);
		return BAD("DNS server '%s': not an IPv6 or IPv4 address", addr);
	}
	memset(&c->server[c->n], 0, sizeof(c->server[0]));
	memcpy(&c->server[c->n], res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	c->n++;
	return 0;
}

int resolve_add_resolv_conf(struct resolve_conf *c, const char *path, char *err, size_t errlen)
{
	char *text = NULL, *line, *next, *w, *v;
	int ret, lineno = 0, before = c->n;

	path = path ? path : RESOLV_CONF;
	ret = text_file_read(path, RESOLV_CONF_MAX, &text, err, errlen);
	if (ret == -ENOENT)
		return BAD("%s: no such file (give the DNS server with --dns)", path);
	if (ret)
		return -1;
	for (line = text; line; line = next) {
		char *wsave = NULL;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		w = strtok_r(line, " \t\r", &wsave);
		if (!w || strcmp(w, "nameserver"))
			continue; /* comments, search, options: not ours */
		v = strtok_r(NULL, " \t\r", &wsave);
		if (!v)
			continue;
		if (c->n >= RESOLVE_MAX_SERVERS)
			break; /* the resolver's own limit: later ones are unused there too */
		if (resolve_add_server(c, v, err, errlen)) {
			/* the message first: v points into text */
			mapce_errf(err, errlen, "%s: line %d: nameserver '%s' is not an address",
				   path, lineno, v);
			free(text);
			return -1;
		}
	}
	free(text);
	if (c->n == before)
		return BAD("%s: no nameserver line (give the DNS server with --dns)", path);
	return 0;
}

const char *resolve_server_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	if (getnameinfo((const struct sockaddr *)ss,
			ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in),
			buf, (socklen_t)len, NULL, 0, NI_NUMERICHOST))
		snprintf(buf, len, "?");
	return buf;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll fd for events until deadline: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r >= 0 || errno != EINTR)
			return r > 0 ? 1 : r;
	}
}

static socklen_t ss_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
}

static bool same_server(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_port, &y->sin6_port, sizeof(x->sin6_port)) &&
		       !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr));
	}
	const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

	return !memcmp(&x->sin_port, &y->sin_port, sizeof(x->sin_port)) &&
	       !memcmp(&x->sin_addr, &y->sin_addr, sizeof(x->sin_addr));
}

static int open_sock(const struct resolve_conf *c, const struct sockaddr_storage *srv, int type)
{
	int fd = socket(srv->ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (c->ifname[0] &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, c->ifname, (socklen_t)strlen(c->ifname))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One UDP exchange: the reply's length, 0 on timeout, -1 on error. */
static int ask_udp(const struct resolve_conf *c, const struct sockaddr_storage *srv,
		   const unsigned char *q, int qlen, unsigned char *ans, int anslen, int timeout)
{
	long long deadline = now_ms() + timeout;
	struct sockaddr_storage from = { 0 };
	socklen_t fl;
	int fd = open_sock(c, srv, SOCK_DGRAM), n = -1;

	if (fd < 0)
		return -1;
	if (sendto(fd, q, (size_t)qlen, 0, (const struct sockaddr *)srv, ss_len(srv)) != qlen)
		goto out;
	for (;;) {
		n = wait_fd(fd, POLLIN, deadline);
		if (n <= 0)
			goto out;
		fl = sizeof(from);
		n = (int)recvfrom(fd, ans, (size_t)anslen, 0, (struct sockaddr *)&from, &fl);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			goto out;
		/* a reply from elsewhere or to another query: not ours, wait on */
		if (same_server(&from, srv) && n >= HFIXEDSZ && !memcmp(ans, q, 2))
			goto out;
	}
out:
	close(fd);
	return n;
}

/* Read or write exactly len bytes before deadline: 0, or -1. */
static int tcp_io(int fd, unsigned char *buf, size_t len, bool wr, long long deadline)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		if (wait_fd(fd, wr ? POLLOUT : POLLIN, deadline) <= 0)
			return -1;
		n = wr ? send(fd, buf + done, len - done, MSG_NOSIGNAL)
		       : recv(fd, buf + done, len - done, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/* The same over TCP (RFC 1035 §4.2.2: a two-byte length first). */
static int ask_tcp(const struct resolve_conf *c, const struct sockaddr_storage *srv,
		   const unsigned char *q, int qlen, unsigned char *ans, int anslen, int timeout)
{
	long long deadline = now_ms() + timeout;
	unsigned char len2[2] = { (unsigned char)(qlen >> 8), (unsigned char)qlen };
	int fd = open_sock(c, srv, SOCK_STREAM), n = -1, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)srv, ss_len(srv)) && errno != EINPROGRESS)
		goto out;
	if (wait_fd(fd, POLLOUT, deadline) <= 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr)
		goto out;
	if (tcp_io(fd, len2, 2, true, deadline) ||
	    tcp_io(fd, (unsigned char *)q, (size_t)qlen, true, deadline) ||
	    tcp_io(fd, len2, 2, false, deadline))
		goto out;
	n = len2[0] << 8 | len2[1];
	if (n > anslen || n < HFIXEDSZ || tcp_io(fd, ans, (size_t)n, false, deadline) ||
	    memcmp(ans, q, 2))
		n = -1;
out:
	close(fd);
	return n;
}

/* What one answer holds for the question (name, type). */
struct found {
	int count; /* records of the type */
	__u32 ttl;
	unsigned char rdata[DNS_MSG_MAX];
	int rdlen; /* the first record's */
};

/* The answer's records of type for name, following CNAMEs (bounded by the
 * message's record count). */
static int collect(ns_msg *m, const char *name, ns_type type, struct found *f)
{
	char want[NS_MAXDNAME], target[NS_MAXDNAME];
	int n = ns_msg_count(*m, ns_s_an);
	ns_rr rr;

	snprintf(want, sizeof(want), "%s", name);
	f->count = 0;
	f->ttl = UINT32_MAX;
	for (int pass = 0; pass <= n; pass++) {
		bool moved = false;

		for (int i = 0; i < n; i++) {
			if (ns_parserr(m, ns_s_an, i, &rr))
				return -1;
			if (ns_rr_class(rr) != ns_c_in || strcasecmp(ns_rr_name(rr), want))
				continue;
			if (ns_rr_type(rr) == type) {
				if (!f->count++) {
					f->rdlen = ns_rr_rdlen(rr);
					memcpy(f->rdata, ns_rr_rdata(rr), (size_t)f->rdlen);
				}
				f->ttl = ns_rr_ttl(rr) < f->ttl ? ns_rr_ttl(rr) : f->ttl;
			} else if (ns_rr_type(rr) == ns_t_cname && !f->count && !moved) {
				if (ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m),
						       ns_rr_rdata(rr), target, sizeof(target)) < 0)
					return -1;
				f->ttl = ns_rr_ttl(rr) < f->ttl ? ns_rr_ttl(rr) : f->ttl;
				snprintf(want, sizeof(want), "%s", target);
				moved = true;
			}
		}
		if (f->count || !moved)
			break;
	}
	return 0;
}

static const char *rcode_name(int rcode)
{
	static __thread char buf[16];

	switch (rcode) {
	case ns_r_formerr:
		return "FORMERR";
	case ns_r_servfail:
		return "SERVFAIL";
	case ns_r_notimpl:
		return "NOTIMP";
	case ns_r_refused:
		return "REFUSED";
	default:
		snprintf(buf, sizeof(buf), "rcode %d", rcode);
		return buf;
	}
}

/* Ask the servers in turn for (name, type): 0 with f filled, or one of
 * the results of resolve.h with the message in err. */
static int query(const char *name, ns_type type, const struct resolve_conf *c, struct found *f,
		 char *err, size_t errlen)
{
	/* per thread: `mapce run` asks for the AFTR's name in a thread of its
	 * own (ce/aftr_service.h) while a reload may ask in the loop */
	static __thread unsigned char q[NS_PACKETSZ], ans[DNS_MSG_MAX];
	const char *tname = type == ns_t_txt ? "TXT" : "AAAA";
	int qlen, n, tries = c->tries ? c->tries : RESOLVE_TRIES;
	int timeout = c->timeout_ms ? c->timeout_ms : RESOLVE_TIMEOUT_MS;
	char srv[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], last[256] = "";
	__u16 id;
	ns_msg m;
	ns_rr qr;

	if (!c->n)
		return BAD("%s %s: no DNS server to ask", tname, name);
	if (!*name || strlen(name) > NS_MAXDNAME - 2)
		return BAD("%s '%s': not a DNS name", tname, name);
	qlen = res_mkquery(ns_o_query, name, ns_c_in, type, NULL, 0, NULL, q, sizeof(q));
	if (qlen < HFIXEDSZ)
		return BAD("%s '%s': not a DNS name", tname, name);
	for (int t = 0; t < tries; t++) {
		for (int s = 0; s < c->n; s++) {
			/* a fresh random ID for every packet sent */
			if (getrandom(&id, sizeof(id), 0) != sizeof(id))
				id = (__u16)(now_ms() ^ getpid());
			memcpy(q, &id, 2);
			resolve_server_str(&c->server[s], srv, sizeof(srv));
			n = ask_udp(c, &c->server[s], q, qlen, ans, sizeof(ans), timeout);
			if (n >= HFIXEDSZ && ((HEADER *)ans)->tc)
				n = ask_tcp(c, &c->server[s], q, qlen, ans, sizeof(ans), timeout);
			if (n == 0) {
				snprintf(last, sizeof(last), "no answer from %s in %d ms", srv,
					 timeout);
				continue;
			}
			if (n < 0) {
				snprintf(last, sizeof(last), "%s: %s", srv, strerror(errno));
				continue;
			}
			if (ns_initparse(ans, n, &m) || !((HEADER *)ans)->qr ||
			    ns_msg_count(m, ns_s_qd) != 1 || ns_parserr(&m, ns_s_qd, 0, &qr) ||
			    strcasecmp(ns_rr_name(qr), name) || ns_rr_type(qr) != type ||
			    ns_rr_class(qr) != ns_c_in) {
				snprintf(last, sizeof(last), "%s: a malformed reply", srv);
				continue;
			}
			switch (ns_msg_getflag(m, ns_f_rcode)) {
			case ns_r_noerror:
				break;
			case ns_r_nxdomain:
				mapce_errf(err, errlen, "%s %s: no such name (NXDOMAIN from %s)",
					   tname, name, srv);
				return RESOLVE_NXDOMAIN;
			default: /* SERVFAIL, REFUSED...: the next server may know */
				snprintf(last, sizeof(last), "%s answered %s", srv,
					 rcode_name(ns_msg_getflag(m, ns_f_rcode)));
				continue;
			}
			if (collect(&m, name, type, f)) {
				snprintf(last, sizeof(last), "%s: a malformed record", srv);
				continue;
			}
			if (!f->count) {
				mapce_errf(err, errlen, "%s %s: no %s record (NODATA from %s)",
					   tname, name, tname, srv);
				return RESOLVE_NODATA;
			}
			return 0;
		}
	}
	return BAD("%s %s: %s", tname, name, last);
}

int resolve_txt(const char *name, const struct resolve_conf *c, char *out, size_t outlen,
		__u32 *ttl, char *err, size_t errlen)
{
	static __thread struct found f;
	size_t o = 0;
	int ret = query(name, ns_t_txt, c, &f, err, errlen);

	if (ret)
		return ret;
	/* character-strings: a length byte, then that many bytes */
	for (int i = 0; i < f.rdlen;) {
		int len = f.rdata[i++];

		if (i + len > f.rdlen)
			return BAD("TXT %s: a malformed record", name);
		for (int k = 0; k < len; k++, i++) {
			unsigned char ch = f.rdata[i];

			if (ch < 0x20 || ch > 0x7e)
				return BAD("TXT %s: byte 0x%02x in the record (printable ASCII "
					   "expected)",
					   name, ch);
			if (o + 1 >= outlen)
				return BAD("TXT %s: the record is longer than %zu bytes", name,
					   outlen - 1);
			out[o++] = (char)ch;
		}
	}
	out[o] = '\0';
	*ttl = f.ttl;
	return f.count;
}

int resolve_aaaa(const char *name, const struct resolve_conf *c, struct in6_addr *addr, __u32 *ttl,
		 char *err, size_t errlen)
{
	static __thread struct found f;
	int ret = query(name, ns_t_aaaa, c, &f, err, errlen);

	if (ret)
		return ret;
	if (f.rdlen != 16)
		return BAD("AAAA %s: a record of %d bytes (16 expected)", name, f.rdlen);
	memcpy(addr, f.rdata, 16);
	*ttl = f.ttl;
	return 0;
}
