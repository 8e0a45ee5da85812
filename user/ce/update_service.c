// SPDX-License-Identifier: GPL-2.0-only
/*
 * update_service.c - the update call kept by `mapce run`
 * (update_service.h).  The loop's side (every hook) and the call's thread
 * (run_worker.h) share nothing while the thread runs but what it was
 * handed (treq, trec) and the abort flag.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ce/run_worker.h"
#include "ce/update_service.h"
#include "core/parse.h"
#include "sys/http_client.h"
#include "sys/update_call.h"

struct updater {
	char wan[IF_NAMESIZE];
	const struct up_settings *(*settings)(void);
	struct run_worker w;	/* the call's thread, its end, the retry timer */
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

static void ended(void);
static void call(void);
static struct updater U = { .w = RUN_WORKER_INIT(ended, call) };

#define say(...) run_say(U.wan, "update", __VA_ARGS__)

static void call_thread(void *arg)
{
	update_call(&U.treq, &U.abort, &U.trec);
}

/* Ask now (or after the call under way). */
static void call(void)
{
	const struct up_settings *s = U.settings();
	int ret;

	if (!s->update_url[0])
		return;
	if (U.w.busy) {
		U.pending = true;
		return;
	}
	update_req_from(&U.treq, s, U.addr);
	U.last = U.treq;
	U.asked = true;
	U.trec = U.rec;
	ret = run_worker_start(&U.w, call_thread, NULL);
	if (ret)
		say("cannot start the call: %s (tried again at the next change)", strerror(ret));
}

/* The call ended: say it, keep it, retry a failure later. */
static void ended(void)
{
	char line[UPDATE_URL_MAX + 640];
	unsigned int delay;

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
		run_worker_arm(&U.w, delay);
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
	if (run_worker_open(&U.w, "update", err, errlen))
		return -1;
	update_record_load(wan, &U.rec); /* the last success survives a restart */
	U.rec.next_try = 0;
	memcpy(U.addr, cur->cfg.ce_ipv6, 16);
	call();
	return 0;
}

/* Every pass that brought the CE to the line: a new address (or new
 * update keys after a reload) asks again; the rest (the periodic check)
 * leaves the last result, or its retry, as it is. */
static void svc_applied(void *arg, const struct run_applied *pass)
{
	memcpy(U.addr, pass->cur->cfg.ce_ipv6, 16);
	if (!U.settings()->update_url[0]) {
		if (U.asked && !U.w.busy)
			run_worker_disarm(&U.w); /* a reload took the call away */
		U.asked = false;
		return;
	}
	if (changed())
		call();
}

static void svc_stop(void *arg)
{
	U.abort = true; /* a call under way gives up within a second */
	run_worker_close(&U.w);
	U.abort = false;
	curl_global_cleanup();
}

static struct run_service service = {
	.name = "update",
	.start = svc_start,
	.arg = &U.w,
	.fds = run_worker_fds,
	.ready = run_worker_ready,
	.applied = svc_applied,
	.stop = svc_stop,
};

struct run_service *update_service(const char *wan, const struct up_settings *(*settings)(void))
{
	snprintf(U.wan, sizeof(U.wan), "%s", wan);
	U.settings = settings;
	return &service;
}
