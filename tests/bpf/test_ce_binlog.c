// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_ce_binlog.c - the binding log (bpf/ce/binlog.h) under
 * BPF_PROG_TEST_RUN: each binding event's record read back from the ring
 * buffer with libbpf's ring_buffer API (as `mapce log` reads it), every
 * field checked: a mapping made, refused (per-host limit, port set
 * exhausted), closed (FIN out, RST in), expired by the sweep; no record
 * for an established packet; a full ring loses events and counts them;
 * the reader is woken only for a burst.
 */
#include <errno.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "harness.h"
#include "bpf/ce.h"
#include "mapce_binlog.h"

#define EV_MAX 8192

static struct mapce_binlog_event evs[EV_MAX];
static int n_evs;

static int on_event(void *ctx, void *data, size_t len)
{
	if (len == sizeof(struct mapce_binlog_event) && n_evs < EV_MAX)
		memcpy(&evs[n_evs++], data, len);
	return 0;
}

/* The records queued now, into evs (n_evs of them). */
static int drain(void)
{
	struct ring_buffer *rb;

	n_evs = 0;
	rb = ring_buffer__new(bpf_map__fd(fx.ce->maps.mapce_binlog), on_event, NULL, NULL);
	if (!rb)
		return -1;
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n_evs;
}

static __u64 boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * SEC_NS + (__u64)ts.tv_nsec;
}

/* Record e is exactly this (time between t0 and now). */
#define expect_ev(e, ev, why, pr, in, inp, out, outp, rem, remp, t0) \
	ev_check(__FILE__, __LINE__, e, ev, why, pr, in, inp, out, outp, rem, remp, t0)
static void ev_check(const char *file, int line, const struct mapce_binlog_event *e, __u8 ev,
		     __u32 why, __u8 proto, uint32_t in, uint16_t inp, uint32_t out, uint16_t outp,
		     uint32_t rem, uint16_t remp, __u64 t0)
{
	__u64 t1 = boot_ns();

	t_report(e->event == ev, "event", file, line, "%u, want %u", e->event, ev);
	t_report(e->reason == why, "reason", file, line, "%s, want %s",
		 e->reason < MAPCE_R__MAX ? mapce_reason_names[e->reason] : "?",
		 mapce_reason_names[why]);
	t_report(e->proto == proto, "proto", file, line, "%u, want %u", e->proto, proto);
	t_report(ntohl(e->inside_ip) == in && ntohs(e->inside_port) == inp, "inside", file, line,
		 "0x%x:%u, want 0x%x:%u", ntohl(e->inside_ip), ntohs(e->inside_port), in, inp);
	t_report(ntohl(e->outside_ip) == out && ntohs(e->outside_port) == outp, "outside", file,
		 line, "0x%x:%u, want 0x%x:%u", ntohl(e->outside_ip), ntohs(e->outside_port), out,
		 outp);
	t_report(ntohl(e->remote_ip) == rem && ntohs(e->remote_port) == remp, "remote", file, line,
		 "0x%x:%u, want 0x%x:%u", ntohl(e->remote_ip), ntohs(e->remote_port), rem, remp);
	t_report(e->_pad == 0, "padding zeroed", file, line, "0x%x", e->_pad);
	t_report(e->time_ns >= t0 && e->time_ns <= t1, "time (CLOCK_BOOTTIME)", file, line,
		 "%llu not in [%llu, %llu]", (unsigned long long)e->time_ns, (unsigned long long)t0,
		 (unsigned long long)t1);
}

static void t_created(void)
{
	struct v4_spec s = udp_out(0x6346, 53);
	struct pkt want;
	__u64 t0 = boot_ns();

	ce_fresh("binlog_created_once_per_mapping");
	CHECK_EQ(drain(), 0);
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	CHECK_EQ(drain(), 1);
	expect_ev(&evs[0], MAPCE_BINLOG_CREATED, MAPCE_R_EV_BINDING_CREATED, 17, LAN_HOST, 0x6346,
		  CE_V4, 0x6346, SERVER, 53, t0);
	/* established packets and a new flow on the same mapping: nothing */
	ce_encapped(&want, &s, 0x6346);
	egress(&s, TC_ACT_OK, MAPCE_R_ENCAP, 0, &want, NULL);
	s.dport = 54;
	egress_mapped(&s, EV(FLOW_CREATED), 1, NULL);
	CHECK_EQ(drain(), 0);
	TCASE_END();
}

static void t_refused_host_limit(void)
{
	struct v4_spec a = udp_out(50000, 53), b = udp_out(50001, 5353);
	struct pkt in, out;
	__u64 t0 = boot_ns();

	ce_fresh("binlog_refused_per_host_limit");
	fx.cfg.max_per_host = 1;
	fx_config();
	egress_mapped(&a, EV_NEW_FLOW, 0, NULL);
	CHECK_EQ(drain(), 1);
	pkt_v4(&in, &b);
	CHECK_EQ(fx_run(FX_TC_EGRESS, &in, &out), TC_ACT_REDIRECT);
	CHECK_EQ(drain(), 1);
	expect_ev(&evs[0], MAPCE_BINLOG_REFUSED, MAPCE_R_DROP_HOST_LIMIT, 17, LAN_HOST, 50001,
		  CE_V4, 0, SERVER, 5353, t0);
	TCASE_END();
}

static void t_refused_exhausted(void)
{
	struct v4_spec s = udp_out(31000, 53);
	struct pkt in, out;
	int created = 0;
	__u64 t0 = boot_ns();

	ce_fresh("binlog_refused_port_set_exhausted");
	for (int i = 0; i < 240; i++) {
		struct v4_spec t = udp_out((uint16_t)(30000 + i), 53);

		egress_mapped(&t, EV_NEW_FLOW, 0, NULL);
	}
	CHECK_EQ(drain(), 240);
	for (int i = 0; i < n_evs; i++)
		created += evs[i].event == MAPCE_BINLOG_CREATED &&
			   ntohs(evs[i].inside_port) == 30000 + i;
	CHECK_EQ(created, 240);
	pkt_v4(&in, &s);
	CHECK_EQ(fx_run(FX_TC_EGRESS, &in, &out), TC_ACT_REDIRECT);
	CHECK_EQ(drain(), 1);
	expect_ev(&evs[0], MAPCE_BINLOG_REFUSED, MAPCE_R_DROP_NO_PORTS, 17, LAN_HOST, 31000, CE_V4,
		  0, SERVER, 53, t0);
	TCASE_END();
}

static void t_closed(void)
{
	struct v4_spec syn = TCP_SYN_OUT(0x6346, 443);
	struct v4_spec fin = TCP_SYN_OUT(0x6346, 443, .tcp_flags = 0x11);
	struct v4_spec rst = TCP_SYNACK_IN(443, 0x6346, .tcp_flags = 0x04);
	__u64 t0 = boot_ns();

	ce_fresh("binlog_closed_by_fin_out_and_rst_in");
	egress_mapped(&syn, EV_NEW_FLOW, 1, NULL);
	CHECK_EQ(drain(), 1);
	egress_mapped(&fin, 0, 1, NULL);
	CHECK_EQ(drain(), 1);
	expect_ev(&evs[0], MAPCE_BINLOG_CLOSED, MAPCE_R_ENCAP, 6, LAN_HOST, 0x6346, CE_V4, 0x6346,
		  SERVER, 443, t0);
	/* a second FIN out (retransmitted): logged once */
	egress_mapped(&fin, 0, 1, NULL);
	CHECK_EQ(drain(), 0);
	ingress_to(&rst, LAN_HOST, 0x6346, 0, NULL);
	CHECK_EQ(drain(), 1);
	expect_ev(&evs[0], MAPCE_BINLOG_CLOSED, MAPCE_R_DECAP, 6, LAN_HOST, 0x6346, CE_V4, 0x6346,
		  SERVER, 443, t0);
	TCASE_END();
}

static void t_expired(void)
{
	struct v4_spec s = udp_out(0x6346, 53);
	int waited, found = -1;
	__u64 t0 = boot_ns();

	ce_fresh("binlog_expired_by_the_sweep");
	fx.cfg.timeout_udp = 1;
	fx.cfg.gc_interval_ms = 200;
	fx_config();
	egress_mapped(&s, EV_NEW_FLOW, 1, NULL);
	CHECK_EQ(drain(), 1);
	for (waited = 0; waited < 50 && found < 0; waited++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		drain();
		for (int i = 0; i < n_evs; i++)
			if (evs[i].event == MAPCE_BINLOG_EXPIRED)
				found = i;
	}
	CHECK(found >= 0, "no expired record after 5 s");
	if (found >= 0) {
		CHECK_EQ(n_evs, 1);
		expect_ev(&evs[found], MAPCE_BINLOG_EXPIRED, MAPCE_R_EV_BINDING_EXPIRED, 17,
			  LAN_HOST, 0x6346, CE_V4, 0x6346, 0, 0, t0);
	}
	TCASE_END();
}

/* Nobody reads: the ring fills, later events are lost and counted, the
 * packets are refused as before (never blocked). */
static void t_lost(void)
{
	struct v4_spec a = udp_out(50000, 53), b = udp_out(50001, 53);
	struct pkt in, out;
	int runs = 8000, ok = 0;
	__u64 lost;

	ce_fresh("binlog_full_ring_counts_lost_events");
	fx.cfg.max_per_host = 1;
	fx_config();
	egress_mapped(&a, EV_NEW_FLOW, 0, NULL);
	pkt_v4(&in, &b);
	for (int i = 0; i < runs; i++)
		ok += fx_run(FX_TC_EGRESS, &in, &out) == TC_ACT_REDIRECT;
	CHECK_EQ(ok, runs);
	lost = fx_reason_packets(MAPCE_R_EV_BINLOG_LOST);
	CHECK(lost > 0, "nothing lost");
	/* every event either queued or counted lost */
	CHECK_EQ((__u64)drain() + lost, (__u64)runs + 1);
	CHECK(n_evs <= MAPCE_BINLOG_RING_BYTES / MAPCE_BINLOG_RECORD_BYTES,
	      "%d records in the ring", n_evs);
	TCASE_END();
}

/* Events below a quarter of the ring wake nobody: the reader reads them
 * on its clock (mapce_binlog.h).  The event that takes the queue over the
 * mark wakes it, once: the next one does not. */
static void t_wakeup(void)
{
	struct v4_spec a = udp_out(50000, 53), b = udp_out(50001, 53);
	/* events that leave the queue under the mark: the next one crosses */
	int below = (MAPCE_BINLOG_WAKE_BYTES - 1) / MAPCE_BINLOG_RECORD_BYTES, ok = 0;
	struct ring_buffer *rb;
	struct pkt in, out;

	ce_fresh("binlog_wakes_its_reader_only_for_a_burst");
	fx.cfg.max_per_host = 1; /* every packet of b: a refused event */
	fx_config();
	egress_mapped(&a, EV_NEW_FLOW, 0, NULL);
	drain();
	/* added while the ring is empty: readable only once woken */
	rb = ring_buffer__new(bpf_map__fd(fx.ce->maps.mapce_binlog), on_event, NULL, NULL);
	if (!rb) {
		CHECK(0, "ring_buffer__new: %s", strerror(errno));
		TCASE_END();
		return;
	}
	n_evs = 0;
	pkt_v4(&in, &b);
	for (int i = 0; i < below; i++)
		ok += fx_run(FX_TC_EGRESS, &in, &out) == TC_ACT_REDIRECT;
	CHECK_EQ(ok, below);
	CHECK_EQ(ring_buffer__poll(rb, 50), 0); /* not woken */
	CHECK_EQ(n_evs, 0);
	CHECK_EQ(fx_run(FX_TC_EGRESS, &in, &out), TC_ACT_REDIRECT); /* over the mark */
	CHECK_EQ(ring_buffer__poll(rb, 1000), below + 1);	    /* woken: all of them read */
	CHECK_EQ(n_evs, below + 1);
	/* level-triggered epoll looks at a reported fd once more: empty now */
	CHECK_EQ(ring_buffer__poll(rb, 0), 0);
	CHECK_EQ(fx_run(FX_TC_EGRESS, &in, &out), TC_ACT_REDIRECT);
	CHECK_EQ(ring_buffer__poll(rb, 50), 0); /* one event: not woken */
	CHECK_EQ(ring_buffer__consume(rb), 1);	/* but there, for the clock's read */
	CHECK_EQ(fx_reason_packets(MAPCE_R_EV_BINLOG_LOST), 0);
	ring_buffer__free(rb);
	TCASE_END();
}

int main(void)
{
	t_created();
	t_refused_host_limit();
	t_refused_exhausted();
	t_closed();
	t_expired();
	t_lost();
	t_wakeup();
	return fx_finish();
}
