// SPDX-License-Identifier: GPL-2.0-only
/*
 * aftr_service.c - the AFTR's name followed by `mapce run`
 * (aftr_service.h).  The loop's side (every hook, and the plan's
 * aftr_follow_plan) and the question's thread (run_worker.h) share
 * nothing while the thread runs but what it was handed (tset, twhat) and
 * what it returns (t*).  Time for the schedule is CLOCK_MONOTONIC
 * seconds; the record has Unix times.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ce/aftr_name.h"
#include "ce/aftr_service.h"
#include "ce/run_worker.h"
#include "core/parse.h"
#include "sys/resolve_follow.h"

struct follower {
	char wan[IF_NAMESIZE];
	struct run_worker w;	  /* the question's thread, its end, the next question's timer */
	bool want;		  /* a new address: the loop is asked for a pass */
	char name[256];		  /* the name followed; "" none */
	char dns[64];		  /* its --dns; "" the system's resolvers */
	char what[PATH_MAX + 64]; /* where the last plan took it from (messages) */
	struct up_settings s;	  /* the last plan's settings: the WAN, --dns */
	struct resolve_follow f;  /* its schedule and last good address */
	struct aftr_record rec;	  /* what status shows */
	char last_err[512];	  /* the last failure said (said again when it changes) */
	/* the thread's: set before it starts, read after it ended */
	struct up_settings tset;
	char twhat[PATH_MAX + 64];
	struct in6_addr taddr;
	__u32 tttl;
	int tret;
	char terr[512];
};

static void ended(void);
static void ask(void);
static struct follower U = { .w = RUN_WORKER_INIT(ended, ask) };

#define say(...) run_say(U.wan, "aftr", __VA_ARGS__)

static __u64 mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec;
}

/* name through s's servers is the AFTR U follows? */
static bool same_name(const struct up_settings *s, const char *name)
{
	return !strcmp(U.name, name) && !strcmp(U.dns, s->set[UK_DNS] ? s->dns : "");
}

static void follow(const struct up_settings *s, const char *name)
{
	snprintf(U.name, sizeof(U.name), "%s", name);
	snprintf(U.dns, sizeof(U.dns), "%s", s->set[UK_DNS] ? s->dns : "");
	memset(&U.f, 0, sizeof(U.f));
	memset(&U.rec, 0, sizeof(U.rec));
	snprintf(U.rec.name, sizeof(U.rec.name), "%s", name);
	U.last_err[0] = '\0';
}

static void unfollow(void)
{
	if (!U.name[0])
		return;
	U.name[0] = U.dns[0] = '\0';
	run_worker_disarm(&U.w);
	aftr_record_forget(U.wan);
}

/* The record from the schedule, saved. */
static void record(void)
{
	long long now = (long long)time(NULL);

	if (U.f.have)
		inet_ntop(AF_INET6, &U.f.addr, U.rec.addr, sizeof(U.rec.addr));
	U.rec.ttl = U.f.ttl;
	U.rec.next_try = now + ((long long)U.f.next - (long long)mono_s());
	aftr_record_save(U.wan, &U.rec);
}

/* A good answer for the followed name: true when its address changed. */
static bool answer_ok(const struct in6_addr *a, __u32 ttl)
{
	bool changed = resolve_follow_ok(&U.f, a, ttl, mono_s());

	U.rec.last_try = U.rec.resolved = (long long)time(NULL);
	U.rec.failures = 0;
	U.rec.error[0] = '\0';
	record();
	return changed;
}

/* A failed question: asked again after the backoff, the address kept. */
static void answer_fail(const char *err)
{
	resolve_follow_fail(&U.f, mono_s());
	U.rec.last_try = (long long)time(NULL);
	U.rec.failures++;
	snprintf(U.rec.error, sizeof(U.rec.error), "%s", err);
	record();
}

/* The timer at the next question (not while one is under way). */
static void arm_next(void)
{
	__u64 now = mono_s();

	if (U.w.busy || !U.name[0])
		return;
	run_worker_arm(&U.w, U.f.next > now ? U.f.next - now : 0);
}

static void ask_thread(void *arg)
{
	U.tret = aftr_resolve(&U.tset, U.tset.aftr, U.twhat, &U.taddr, &U.tttl, U.terr,
			      sizeof(U.terr));
}

/* Ask for the followed name now, in the thread. */
static void ask(void)
{
	int ret;

	if (U.w.busy || !U.name[0])
		return;
	U.tset = U.s;
	snprintf(U.tset.aftr, sizeof(U.tset.aftr), "%s", U.name);
	snprintf(U.twhat, sizeof(U.twhat), "%s", U.what);
	ret = run_worker_start(&U.w, ask_thread, NULL);
	if (ret) {
		say("%s: cannot start the question: %s", U.name, strerror(ret));
		answer_fail("cannot start a thread");
		arm_next();
	}
}

/* The question ended: keep the answer, say a change or a failure. */
static void ended(void)
{
	char a6[INET6_ADDRSTRLEN], was[INET6_ADDRSTRLEN] = "none";
	bool had = U.f.have;

	if (!same_name(&U.tset, U.tset.aftr)) { /* a plan named another meanwhile */
		arm_next();
		return;
	}
	if (had)
		inet_ntop(AF_INET6, &U.f.addr, was, sizeof(was));
	if (U.tret) {
		answer_fail(U.terr);
		if (strcmp(U.last_err, U.terr))
			say("%s (failure %u in a row: asked again in %u s; the AFTR stays %s)",
			    U.terr, U.rec.failures, U.f.retry, had ? was : "unknown");
		snprintf(U.last_err, sizeof(U.last_err), "%s", U.terr);
	} else {
		unsigned int failures = U.rec.failures;

		if (answer_ok(&U.taddr, U.tttl)) {
			inet_ntop(AF_INET6, &U.taddr, a6, sizeof(a6));
			say("%s is now %s (was %s; TTL %u s): re-applying", U.name, a6, was,
			    U.tttl);
			U.want = true;
		} else if (failures) {
			say("%s answers again (after %u failures): still %s", U.name, failures,
			    was);
		}
		U.last_err[0] = '\0';
	}
	arm_next();
}

int aftr_follow_plan(const struct up_settings *s, const char *name, const char *what,
		     struct in6_addr *addr, __u32 *ttl, char *err, size_t errlen)
{
	struct in6_addr a;
	__u32 t = 0;
	int ret;

	if (!name) {
		unfollow();
		return 1;
	}
	if (!same_name(s, name))
		follow(s, name);
	U.s = *s;
	snprintf(U.what, sizeof(U.what), "%s", what ? what : "--aftr");
	if (!U.f.have && !resolve_follow_due(&U.f, mono_s()))
		return mapce_errf(err, errlen, "%s (asked again in %llu s)", U.rec.error,
				  (unsigned long long)(U.f.next - mono_s()));
	if (!U.f.have) {
		/* the first answer: here, as `up` asks it */
		ret = aftr_resolve(s, name, U.what, &a, &t, err, errlen);
		if (ret)
			answer_fail(err);
		else
			answer_ok(&a, t);
		arm_next();
		if (ret)
			return -1;
	}
	*addr = U.f.addr;
	*ttl = U.f.ttl;
	return 0;
}

static int svc_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
		     size_t errlen)
{
	snprintf(U.wan, sizeof(U.wan), "%s", wan);
	if (run_worker_open(&U.w, "aftr", err, errlen))
		return -1;
	if (!U.name[0])
		aftr_record_forget(wan); /* a record an earlier run left (killed) */
	arm_next();
	return 0;
}

/* Every pass that brought the CE to the line: a new WAN prefix (the
 * tunnel's source, cfg.ce_ipv6) asks again at once. */
static void svc_applied(void *arg, const struct run_applied *pass)
{
	if (pass->prefix_moved && U.name[0]) {
		say("the WAN prefix changed: asking for %s again", U.name);
		resolve_follow_wan_changed(&U.f, mono_s());
		ask();
	}
}

static bool svc_want_pass(void *arg)
{
	bool w = U.want;

	U.want = false;
	return w;
}

static void svc_stop(void *arg)
{
	run_worker_close(&U.w); /* bounded: the resolver's tries and timeouts */
}

static struct run_service service = {
	.name = "aftr",
	.start = svc_start,
	.arg = &U.w,
	.fds = run_worker_fds,
	.ready = run_worker_ready,
	.applied = svc_applied,
	.want_pass = svc_want_pass,
	.stop = svc_stop,
};

struct run_service *aftr_service(const char *wan)
{
	snprintf(U.wan, sizeof(U.wan), "%s", wan);
	return &service;
}
