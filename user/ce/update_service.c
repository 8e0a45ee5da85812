// SPDX-License-Identifier: GPL-2.0-only
/*
 * update_service.c - the update call kept by `mapce run`
 * (update_service.h).  The loop's side (every hook) and the call's thread
 * share nothing while the thread runs but what it was handed (treq,
 * trec) and the abort flag; the eventfd hands the result back.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ce/update_service.h"
#include "core/parse.h"
#include "sys/http_client.h"
#include "sys/update_call.h"

struct updater {
	char wan[IF_NAMESIZE];
	const struct up_settings *(*settings)(void);
	int efd, tfd; /* the call's end; the retry timer */
	pthread_t thread;
	bool busy;		/* a call is under way (the thread is to be joined) */
	bool pending;		/* another call is wanted once it ends */
	volatile bool abort;	/* stop: the call gives up within a second */
	__u8 addr[16];		/* the tunnel's local address now */
	struct update_req last; /* what was asked last (a reload compares) */
	bool asked;		/* last is set */
	struct update_record rec;
	/* the thread's: set before it starts, read after it ended */
	struct update_req treq;
	struct update_record trec;
};

static struct updater U = { .efd = -1, .tfd = -1 };

#define say(...) run_say(U.wan, "update", __VA_ARGS__)

static void *call_thread(void *arg)
{
	__u64 one = 1;

	update_call(&U.treq, &U.abort, &U.trec);
	if (write(U.efd, &one, sizeof(one)) != sizeof(one))
		U.abort = true; /* cannot happen: an eventfd takes 8 bytes */
	return NULL;
}

static void disarm(void)
{
	struct itimerspec off = { 0 };

	timerfd_settime(U.tfd, 0, &off, NULL);
}

/* Ask now (or after the call under way). */
static void call(void)
{
	const struct up_settings *s = U.settings();
	int ret;

	if (!s->update_url[0])
		return;
	if (U.busy) {
		U.pending = true;
		return;
	}
	disarm();
	update_req_from(&U.treq, s, U.addr);
	U.last = U.treq;
	U.asked = true;
	U.trec = U.rec;
	ret = pthread_create(&U.thread, NULL, call_thread, NULL);
	if (ret) {
		say("cannot start the call: %s (tried again at the next change)", strerror(ret));
		return;
	}
	U.busy = true;
}

/* The call ended: say it, keep it, retry a failure later. */
static void ended(void)
{
	char line[UPDATE_URL_MAX + 640];
	struct itimerspec at = { 0 };
	unsigned int delay;
	__u64 n;

	if (read(U.efd, &n, sizeof(n)) != sizeof(n) || !U.busy)
		return;
	pthread_join(U.thread, NULL);
	U.busy = false;
	U.rec = U.trec;
	if (U.pending) { /* the address or the keys changed meanwhile */
		U.pending = false;
		say("%s (superseded: asking again)", update_summary(&U.rec, line, sizeof(line)));
		update_record_save(U.wan, &U.rec);
		call();
		return;
	}
	if (U.rec.ok) {
		say("%s", update_summary(&U.rec, line, sizeof(line)));
	} else {
		delay = update_backoff_s(U.last.retry_min_s, U.rec.failures);
		U.rec.next_try = U.rec.last_try + delay;
		at.it_value.tv_sec = delay;
		timerfd_settime(U.tfd, 0, &at, NULL);
		say("%s (failure %u in a row: tried again in %u s)",
		    update_summary(&U.rec, line, sizeof(line)), U.rec.failures, delay);
	}
	update_record_save(U.wan, &U.rec);
}

/* The request of the settings now from addr differs from the last? */
static bool changed(void)
{
	static struct update_req now;

	update_req_from(&now, U.settings(), U.addr);
	return !U.asked || !update_req_same(&now, &U.last);
}

static int svc_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
		     size_t errlen)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */

	if (rc)
		return mapce_errf(err, errlen, "update: libcurl: %s", curl_easy_strerror(rc));
	snprintf(U.wan, sizeof(U.wan), "%s", wan);
	U.efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	U.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (U.efd < 0 || U.tfd < 0)
		return mapce_errf(err, errlen, "update: eventfd/timerfd: %s", strerror(errno));
	update_record_load(wan, &U.rec); /* the last success survives a restart */
	U.rec.next_try = 0;
	memcpy(U.addr, cur->cfg.ce_ipv6, 16);
	call();
	return 0;
}

static int svc_fds(void *arg, int *fds, int max)
{
	int n = 0;

	if (U.efd >= 0 && n < max)
		fds[n++] = U.efd;
	if (U.tfd >= 0 && n < max)
		fds[n++] = U.tfd;
	return n;
}

static void svc_ready(void *arg, int fd)
{
	__u64 n;

	if (fd == U.efd) {
		ended();
	} else if (fd == U.tfd && read(U.tfd, &n, sizeof(n)) == sizeof(n)) {
		call();
	}
}

/* Every pass that brought the CE to the line: a new address (or new
 * update keys after a reload) asks again; the rest (the periodic check)
 * leaves the last result, or its retry, as it is. */
static void svc_applied(void *arg, const struct ce_up_params *cur, bool reload)
{
	memcpy(U.addr, cur->cfg.ce_ipv6, 16);
	if (!U.settings()->update_url[0]) {
		if (U.asked && !U.busy)
			disarm(); /* a reload took the call away */
		U.asked = false;
		return;
	}
	if (changed())
		call();
}

static void svc_stop(void *arg)
{
	if (U.busy) {
		U.abort = true;
		pthread_join(U.thread, NULL);
		U.busy = false;
	}
	if (U.efd >= 0)
		close(U.efd);
	if (U.tfd >= 0)
		close(U.tfd);
	U.efd = U.tfd = -1;
	curl_global_cleanup();
}

static struct run_service service = {
	.name = "update",
	.start = svc_start,
	.fds = svc_fds,
	.ready = svc_ready,
	.applied = svc_applied,
	.stop = svc_stop,
};

struct run_service *update_service(const char *wan, const struct up_settings *(*settings)(void))
{
	snprintf(U.wan, sizeof(U.wan), "%s", wan);
	U.settings = settings;
	return &service;
}
