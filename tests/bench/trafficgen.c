// SPDX-License-Identifier: GPL-2.0-only
/*
 * trafficgen.c - the end-to-end benchmark's packet generator and sink
 * (tests/bench/e2e.sh), independent of mapce's code.
 *
 *   trafficgen --gen-ns NS --gen-dev IF --dst-mac MAC --src IP:PORT
 *              --dst IP:PORT --sink-ns NS --sink-dev IF
 *              [--size 64] [--flows 1] [--seconds 5] [--rate PPS] [-j]
 *   trafficgen xdp-pass NS IF
 *   trafficgen tc-pass NS IF
 *
 * The generator is the XDP live-frame mode of BPF_PROG_TEST_RUN
 * (BPF_F_TEST_XDP_LIVE_FRAMES, what xdp-trafficgen is built on): a small
 * XDP program writes the frame's headers and returns bpf_redirect(gen-dev); the
 * kernel really transmits every repetition of the frame out of gen-dev
 * (a veth: its peer receives it as from a wire; the peer needs NAPI, i.e.
 * GRO on or an XDP program).  No socket, no skb on the sending side: it
 * offers more than one core of the device under test can forward.
 *
 * The sink is an XDP program on sink-dev that counts each UDP frame to
 * the destination port in a per-CPU array and drops it (nothing answers,
 * so no return traffic loads the path); it passes the rest (ARP).  Both programs are raw
 * instructions: nothing of mapce's BPF is involved at either end.
 *
 * The process attaches the sink from inside sink-ns, then moves to gen-ns
 * (bpf_redirect's ifindex is looked up in the namespace of the test run's
 * loopback), sends for --seconds, waits for the path to drain, and prints
 * offered and delivered packets per second.  Without --rate it offers as
 * many frames as it can; with --rate, PPS: the generator program itself
 * paces its frames (gen_pace), frame by frame, so they leave as the
 * kernel's live-frame loop flushes them, 64 at a time, never as bursts of
 * a whole run (4096) that a path taking less would have to queue; for the
 * throughput search of e2e.sh.  The sink is detached on every
 * exit path, as the same program by id (never someone else's).
 *
 * xdp-pass attaches a program that returns XDP_PASS to IF in NS and
 * leaves it there (`ip -n NS link set IF xdp off` removes it): the rows
 * without mapce get the XDP attachments mapce's rows have, since an XDP
 * program on a veth changes how it receives (NAPI, GRO) and its peer
 * segments.  tc-pass likewise attaches a TC program that returns
 * TC_ACT_OK to IF's egress (clsact; `tc -n NS qdisc del dev IF clsact`
 * removes it): the trivial TC program whose bpf_stats on the same frames
 * stand beside mapce's TC egress.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "bench/insns.h"

#define GEN_BATCH 4096U	  /* repetitions per test_run call */
#define GEN_MAX_FLOWS 64U /* source ports cycled through (a program each) */
#define GEN_MAX_SECONDS 60U
#define GEN_MIN_RATE 1000U /* keeps GEN_PACE_SLACK periods within an s32 of ns */
#define GEN_MAX_RATE 100000000U
/* gen_pace's bound on its clock reads per frame (each a bpf_ktime_get_ns:
 * tens of ns here): below ~20K pps a frame may leave before its time;
 * offered_pps says what was offered */
#define GEN_PACE_SPINS 4096
#define DRAIN_MS 300 /* after the last frame: what is in flight arrives */

struct opts {
	const char *gen_ns, *gen_dev, *sink_ns, *sink_dev;
	unsigned char dst_mac[6];
	struct in_addr src, dst;
	unsigned short sport, dport;
	unsigned size, flows, seconds;
	unsigned rate; /* pps offered; 0: as many as it can */
	int json;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int enter_ns(const char *name)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "trafficgen: network namespace %s: %s\n", name, strerror(errno));
		return -1;
	}
	ret = setns(fd, CLONE_NEWNET);
	if (ret)
		fprintf(stderr, "trafficgen: setns %s: %s\n", name, strerror(errno));
	close(fd);
	return ret;
}

/*
 * The pacing (--rate), at p[*n] on, before the generator's own
 * instructions (ctx in r1, kept): the frame waits, reading the clock,
 * until the time in the schedule (map_fd: an array of one u64, the
 * earliest time the next frame may leave, ns), then moves the schedule
 * period_ns on.  Frames run late while the kernel flushes the ones before
 * (every 64, on this core: the veth peer's NAPI); the ones after catch up,
 * at most GEN_PACE_SLACK frames' worth (what one flush would send at
 * once anyway), never more: a stall of the generator is not made up for
 * with a burst.  Verifier-sensitive: the
 * wait is a loop of at most GEN_PACE_SPINS rounds (r9 counts them down),
 * which the verifier walks round by round; r9 is dead after it, so the
 * states after the loop prune to one.
 */
#define GEN_PACE_INSNS (16 + INSNS_LOOKUP_KEY0)
#define GEN_PACE_SLACK 64
static void gen_pace(struct bpf_insn *p, int *n, int map_fd, __s32 period_ns)
{
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	insns_lookup_key0(p, n, map_fd);
	p[(*n)++] = ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 13, 0); /* no map value: go */
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_0, 0, 0);
	p[(*n)++] = ins(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_8, BPF_REG_7, 0, 0); /* r8: when */
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_9, 0, 0, GEN_PACE_SPINS);
	/* the wait: until now >= when, or r9 rounds */
	p[(*n)++] = ins(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ktime_get_ns);
	p[(*n)++] = ins(BPF_JMP | BPF_JGE | BPF_X, BPF_REG_0, BPF_REG_8, 2, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_SUB | BPF_K, BPF_REG_9, 0, 0, 1);
	p[(*n)++] = ins(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_9, 0, -4, 0);
	/* the next frame's time: max(when, now - slack) + period */
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_0, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_SUB | BPF_K, BPF_REG_1, 0, 0, GEN_PACE_SLACK * period_ns);
	p[(*n)++] = ins(BPF_JMP | BPF_JLE | BPF_X, BPF_REG_1, BPF_REG_8, 1, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_8, BPF_REG_1, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_8, 0, 0, period_ns);
	p[(*n)++] = ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_7, BPF_REG_8, 0, 0);
	p[(*n)++] = ins(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
}

/* XDP: write the frame's headers (hdr: GEN_HDR bytes), then return
 * bpf_redirect(ifindex, 0).  The headers are written on every run because
 * live frames are recycled pages: the path the frame takes on the far side
 * of the veth rewrites them in place (TTL, NAPT, encapsulation, MACs), and
 * the kernel resets a recycled frame's bounds but not its bytes. */
#define GEN_HDR 44 /* Ethernet + IPv4 + UDP (42), rounded up to words */
static int gen_prog(int ifindex, const unsigned char *hdr, int pace_fd, __s32 period_ns)
{
	struct bpf_insn insns[GEN_PACE_INSNS + XDP_BOUNDS_INSNS + GEN_HDR / 4 + 4];
	/* too short: skip the stores */
	const struct bpf_insn bounds[] = { XDP_BOUNDS(GEN_HDR, GEN_HDR / 4) };
	int n = 0;

	if (pace_fd >= 0)
		gen_pace(insns, &n, pace_fd, period_ns);
	memcpy(insns + n, bounds, sizeof(bounds));
	n += XDP_BOUNDS_INSNS;
	insns_write_bytes(insns, &n, hdr, GEN_HDR);
	insns_redirect(insns, &n, ifindex);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "tgen_redirect", "GPL", insns, (size_t)n, NULL);
}

/* XDP: for IPv4 UDP to dport (no IP options), count[0]++ in a per-CPU
 * array (map_fd) and XDP_DROP; pass everything else (ARP above all: the
 * router before the sink must keep resolving it). */
static int sink_prog(int map_fd, unsigned short dport)
{
	struct bpf_insn checks[] = {
		/* shorter than Ethernet + IPv4 + the UDP ports (38): pass */
		XDP_BOUNDS(38, 19),
		/* EtherType 0x0800 (as loaded on a little-endian host: 0x0008) */
		{ .code = BPF_LDX | BPF_MEM | BPF_H,
		  .dst_reg = BPF_REG_4,
		  .src_reg = BPF_REG_2,
		  .off = 12 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K,
		  .dst_reg = BPF_REG_4,
		  .off = 17,
		  .imm = 0x0008 },
		/* version/IHL 0x45, protocol 17 */
		{ .code = BPF_LDX | BPF_MEM | BPF_B,
		  .dst_reg = BPF_REG_4,
		  .src_reg = BPF_REG_2,
		  .off = 14 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_4, .off = 15, .imm = 0x45 },
		{ .code = BPF_LDX | BPF_MEM | BPF_B,
		  .dst_reg = BPF_REG_4,
		  .src_reg = BPF_REG_2,
		  .off = 23 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_4, .off = 13, .imm = 17 },
		/* UDP destination port (network order, loaded as it lies) */
		{ .code = BPF_LDX | BPF_MEM | BPF_H,
		  .dst_reg = BPF_REG_4,
		  .src_reg = BPF_REG_2,
		  .off = 36 },
		{ .code = BPF_JMP | BPF_JNE | BPF_K,
		  .dst_reg = BPF_REG_4,
		  .off = 11,
		  .imm = htons(dport) },
	};
	struct bpf_insn p[sizeof(checks) / sizeof(checks[0]) + INSNS_LOOKUP_KEY0 + 9];
	int n = (int)(sizeof(checks) / sizeof(checks[0]));

	memcpy(p, checks, sizeof(checks)); /* then the count */
	insns_lookup_key0(p, &n, map_fd);
	/* if r0 == 0 goto drop */
	p[n++] = ins(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 6, 0);
	/* per-CPU slot: a plain read-modify-write, no atomic needed */
	p[n++] = ins(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 0, 0);
	p[n++] = ins(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1);
	p[n++] = ins(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_1, 0, 0);
	p[n++] = ins(BPF_JMP | BPF_JA, 0, 0, 2, 0);
	/* pass: r0 = XDP_PASS; exit */
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	/* drop: r0 = XDP_DROP; exit */
	p[n++] = ins(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP);
	p[n++] = ins(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_XDP, "tgen_sink", "GPL", p, (size_t)n, NULL);
}

static unsigned long long sink_count(int map_fd)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long total = 0, *v;
	__u32 key = 0;

	if (ncpu <= 0)
		return 0;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(map_fd, &key, v))
		for (int i = 0; i < ncpu; i++)
			total += v[i];
	free(v);
	return total;
}

static unsigned short csum16(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (unsigned long)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned short)~s;
}

/* An Ethernet + IPv4 + UDP frame of o->size bytes (without the FCS: 64
 * on the wire is 60 here), source port sport.  The UDP checksum is 0
 * (none, legal over IPv4); the IPv4 header checksum is right. */
static size_t build_frame(const struct opts *o, unsigned short sport, unsigned char *f)
{
	size_t len = o->size > 4 ? o->size - 4 : 60;
	size_t ip_len = len - 14;

	memset(f, 0, len);
	memcpy(f, o->dst_mac, 6);
	f[6] = 0x02; /* a locally administered source MAC: the veth checks none */
	f[12] = 0x08;
	f[13] = 0x00;
	unsigned char *ip = f + 14;
	ip[0] = 0x45;
	ip[2] = (unsigned char)(ip_len >> 8);
	ip[3] = (unsigned char)ip_len;
	ip[8] = 64; /* TTL */
	ip[9] = 17; /* UDP */
	memcpy(ip + 12, &o->src, 4);
	memcpy(ip + 16, &o->dst, 4);
	unsigned short c = csum16(ip, 20);
	ip[10] = (unsigned char)(c >> 8);
	ip[11] = (unsigned char)c;
	unsigned char *udp = ip + 20;
	udp[0] = (unsigned char)(sport >> 8);
	udp[1] = (unsigned char)sport;
	udp[2] = (unsigned char)(o->dport >> 8);
	udp[3] = (unsigned char)o->dport;
	udp[4] = (unsigned char)((ip_len - 20) >> 8);
	udp[5] = (unsigned char)(ip_len - 20);
	return len;
}

static int parse_ep(const char *s, struct in_addr *a, unsigned short *port)
{
	char buf[64];
	char *colon;
	long p;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	p = strtol(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, buf, a) != 1 || p <= 0 || p > 65535)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

static int parse_mac(const char *s, unsigned char *m)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
		      &m[5]) == 6
		       ? 0
		       : -1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: trafficgen --gen-ns NS --gen-dev IF --dst-mac MAC --src IP:PORT\n"
		"                  --dst IP:PORT --sink-ns NS --sink-dev IF\n"
		"                  [--size 64] [--flows 1] [--seconds 5] [--rate PPS] [-j]\n"
		"       trafficgen xdp-pass NS IF | tc-pass NS IF\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "gen-ns", 1, 0, 'g' },   { "gen-dev", 1, 0, 'G' }, { "sink-ns", 1, 0, 'k' },
		{ "sink-dev", 1, 0, 'K' }, { "dst-mac", 1, 0, 'm' }, { "src", 1, 0, 's' },
		{ "dst", 1, 0, 'd' },	   { "size", 1, 0, 'z' },    { "flows", 1, 0, 'f' },
		{ "seconds", 1, 0, 't' },  { "rate", 1, 0, 'r' },    { 0 },
	};
	int c, have_mac = 0, have_src = 0, have_dst = 0;

	*o = (struct opts){ .size = 64, .flows = 1, .seconds = 5 };
	while ((c = getopt_long(argc, argv, "j", lo, NULL)) != -1) {
		switch (c) {
		case 'g':
			o->gen_ns = optarg;
			break;
		case 'G':
			o->gen_dev = optarg;
			break;
		case 'k':
			o->sink_ns = optarg;
			break;
		case 'K':
			o->sink_dev = optarg;
			break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac)) {
				fprintf(stderr, "trafficgen: bad MAC address %s\n", optarg);
				return -1;
			}
			have_mac = 1;
			break;
		case 's':
		case 'd':
			if (parse_ep(optarg, c == 's' ? &o->src : &o->dst,
				     c == 's' ? &o->sport : &o->dport)) {
				fprintf(stderr, "trafficgen: bad %s %s (want IPv4:PORT)\n",
					c == 's' ? "source" : "destination", optarg);
				return -1;
			}
			*(c == 's' ? &have_src : &have_dst) = 1;
			break;
		case 'z':
			o->size = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			o->flows = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o->seconds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r': {
			char *end;
			unsigned long r = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || r < GEN_MIN_RATE ||
			    r > GEN_MAX_RATE) {
				fprintf(stderr, "trafficgen: bad --rate %s (want %u..%u pps)\n",
					optarg, GEN_MIN_RATE, GEN_MAX_RATE);
				return -1;
			}
			o->rate = (unsigned)r;
			break;
		}
		case 'j':
			o->json = 1;
			break;
		default:
			return -1;
		}
	}
	if (!o->gen_ns || !o->gen_dev || !o->sink_ns || !o->sink_dev || !have_mac || !have_src ||
	    !have_dst) {
		usage();
		return -1;
	}
	if (o->size < 64 || o->size > 1518 || !o->flows || o->flows > GEN_MAX_FLOWS ||
	    !o->seconds || o->seconds > GEN_MAX_SECONDS) {
		fprintf(stderr, "trafficgen: --size 64..1518, --flows 1..%u, --seconds 1..%u\n",
			GEN_MAX_FLOWS, GEN_MAX_SECONDS);
		return -1;
	}
	return 0;
}

static volatile sig_atomic_t stop;
static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Repetitions per test_run call: GEN_BATCH, or with --rate what makes a
 * call last about 20 ms (the end of --seconds is checked between calls) */
static unsigned gen_batch(const struct opts *o)
{
	unsigned b = o->rate / 50;

	if (!o->rate || b > GEN_BATCH)
		return GEN_BATCH;
	return b < 64 ? 64 : b;
}

/* Send for o->seconds; returns frames offered (the kernel's count of
 * successful repetitions), *elapsed the wall time. */
static unsigned long long send_for(const struct opts *o, int ifindex, double *elapsed)
{
	static unsigned char frames[GEN_MAX_FLOWS][1520];
	int progs[GEN_MAX_FLOWS], pace = -1;
	size_t len = 0;
	unsigned long long sent = 0;
	unsigned i = 0, batch = gen_batch(o);
	double t0, end;

	*elapsed = 0;
	/* the schedule all flows' programs share (gen_pace), from 0: the
	 * first frame leaves at once */
	if (o->rate &&
	    (pace = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tgen_pace", 4, 8, 1, NULL)) < 0) {
		fprintf(stderr, "trafficgen: pacing map: %s\n", strerror(errno));
		return 0;
	}
	for (unsigned f = 0; f < o->flows; f++) {
		len = build_frame(o, (unsigned short)(o->sport + f), frames[f]);
		progs[f] = gen_prog(ifindex, frames[f], pace,
				    o->rate ? (__s32)(1000000000U / o->rate) : 0);
		if (progs[f] < 0) {
			fprintf(stderr, "trafficgen: generator program: %s\n", strerror(errno));
			while (f--)
				close(progs[f]);
			if (pace >= 0)
				close(pace);
			return 0;
		}
	}
	t0 = now_s();
	end = t0 + o->seconds;
	while (!stop && now_s() < end) {
		LIBBPF_OPTS(bpf_test_run_opts, r, .data_in = frames[i], .data_size_in = (__u32)len,
			    .repeat = batch, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(progs[i], &r)) {
			fprintf(stderr, "trafficgen: live-frame run: %s\n", strerror(errno));
			break;
		}
		sent += batch;
		i = (i + 1) % o->flows;
	}
	*elapsed = now_s() - t0;
	for (unsigned f = 0; f < o->flows; f++)
		close(progs[f]);
	if (pace >= 0)
		close(pace);
	return sent;
}

static int xdp_pass(const char *ns, const char *dev)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int ifindex, fd;

	if (enter_ns(ns))
		return 1;
	ifindex = (int)if_nametoindex(dev);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "tgen_pass", "GPL", insns, 2, NULL);
	if (!ifindex || fd < 0 || bpf_xdp_attach(ifindex, fd, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "trafficgen: XDP_PASS program on %s in %s: %s\n", dev, ns,
			ifindex ? strerror(errno) : "no such interface");
		return 1;
	}
	return 0;
}

static int tc_pass(const char *ns, const char *dev)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = 0 /* TC_ACT_OK */ },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_tc_hook, hook, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts);
	int fd, err;

	if (enter_ns(ns))
		return 1;
	hook.ifindex = (int)if_nametoindex(dev);
	fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "tgen_tc_pass", "GPL", insns, 2, NULL);
	if (!hook.ifindex || fd < 0) {
		fprintf(stderr, "trafficgen: TC program on %s in %s: %s\n", dev, ns,
			hook.ifindex ? strerror(errno) : "no such interface");
		return 1;
	}
	err = bpf_tc_hook_create(&hook);
	opts.prog_fd = fd;
	if ((err && err != -EEXIST) || bpf_tc_attach(&hook, &opts)) {
		fprintf(stderr, "trafficgen: TC program on %s in %s: cannot attach\n", dev, ns);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int map = -1, sink = -1, sink_ifindex = 0, gen_ifindex, rc = 1;
	unsigned long long c0, c1, offered;
	double elapsed = 0;

	if (argc == 4 && !strcmp(argv[1], "xdp-pass"))
		return xdp_pass(argv[2], argv[3]);
	if (argc == 4 && !strcmp(argv[1], "tc-pass"))
		return tc_pass(argv[2], argv[3]);
	if (parse_args(argc, argv, &o))
		return 2;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (enter_ns(o.sink_ns))
		return 1;
	sink_ifindex = (int)if_nametoindex(o.sink_dev);
	if (!sink_ifindex) {
		fprintf(stderr, "trafficgen: no interface %s in %s\n", o.sink_dev, o.sink_ns);
		return 1;
	}
	map = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "tgen_count", 4, 8, 1, NULL);
	sink = map < 0 ? -1 : sink_prog(map, o.dport);
	if (sink < 0 || bpf_xdp_attach(sink_ifindex, sink, XDP_FLAGS_DRV_MODE, NULL)) {
		fprintf(stderr, "trafficgen: sink XDP program on %s: %s\n", o.sink_dev,
			strerror(errno));
		goto out;
	}
	if (enter_ns(o.gen_ns))
		goto detach;
	gen_ifindex = (int)if_nametoindex(o.gen_dev);
	if (!gen_ifindex) {
		fprintf(stderr, "trafficgen: no interface %s in %s\n", o.gen_dev, o.gen_ns);
		goto detach;
	}
	c0 = sink_count(map);
	offered = send_for(&o, gen_ifindex, &elapsed);
	usleep(DRAIN_MS * 1000);
	c1 = sink_count(map);
	if (elapsed > 0 && offered) {
		double opps = (double)offered / elapsed, dpps = (double)(c1 - c0) / elapsed;

		if (o.json)
			printf("{\"size\":%u,\"flows\":%u,\"rate\":%u,\"seconds\":%.3f,"
			       "\"offered\":%llu,\"delivered\":%llu,\"offered_pps\":%.0f,"
			       "\"delivered_pps\":%.0f}\n",
			       o.size, o.flows, o.rate, elapsed, offered, c1 - c0, opps, dpps);
		else
			printf("offered %.0f pps (%llu in %.2f s), delivered %.0f pps (%llu)\n",
			       opps, offered, elapsed, dpps, c1 - c0);
		rc = 0;
	}
detach:
	/* detach our sink only: the flag makes the kernel check it is still ours */
	if (!enter_ns(o.sink_ns)) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, d, .old_prog_fd = sink);
		bpf_xdp_detach(sink_ifindex, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, &d);
	}
out:
	if (sink >= 0)
		close(sink);
	if (map >= 0)
		close(map);
	return rc;
}
