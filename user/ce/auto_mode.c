// SPDX-License-Identifier: GPL-2.0-only
/*
 * auto_mode.c - mode auto's answer, kept and asked again (auto_mode.h).
 * The question of `run`'s service runs in a thread of its own
 * (ce/run_worker.h: it may take HB46PP_FETCH_TIMEOUT_S and the DNS
 * questions); while it runs it owns A.ask_*.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "ce/auto_mode.h"
#include "ce/run_worker.h"
#include "core/mode.h"
#include "core/mode_auto.h"
#include "core/output.h"
#include "core/parse.h"
#include "sys/hb46pp_ask.h"
#include "sys/provision_record.h"

/* One answer as applied: its lines, server and ttl. */
struct auto_answer {
	struct hb46pp_config cfg;
	char url[HB46PP_URL_MAX + 1];
	bool have_ttl;
	unsigned int ttl;
	long long at; /* Unix time it came */
};

static struct auto_answer kept; /* the answer applied (the plan's) */
static bool have_kept;

/* Ask: *out, or -1 + message.  Reads s only (the thread's copy). */
static int ask(const struct up_settings *s, struct auto_answer *out, char *err, size_t errlen)
{
	static struct hb46pp_answer a;
	const char *dns[1] = { s->dns };
	struct hb46pp_ask q = {
		.wan = s->wan,
		.url = s->provision_url[0] ? s->provision_url : NULL,
		.ca = s->provision_ca[0] ? s->provision_ca : NULL,
		.vendorid = s->provision_vendorid[0] ? s->provision_vendorid : NULL,
		.dns = dns,
		.n_dns = s->set[UK_DNS] ? 1 : 0,
		.allow_http = s->val[UK_PROVISION_INSECURE] != 0,
	};
	bool usage;

	if (hb46pp_ask(&q, &a, &out->cfg, out->url, &usage, err, errlen))
		return -1;
	out->have_ttl = a.have_ttl;
	out->ttl = a.ttl;
	out->at = (long long)time(NULL);
	return 0;
}

int auto_mode_ask(const struct up_settings *s, char *err, size_t errlen)
{
	static struct up_settings check;
	static struct auto_answer a;
	char m[1536];

	if (mode_auto_check(s, err, errlen))
		return -1;
	if (ask(s, &a, m, sizeof(m)))
		return mapce_errf(err, errlen, "mode auto: %s", m);
	/* an answer that does not apply is refused before anything is kept */
	if (mode_auto_apply(s, &a.cfg, a.url, &check, m, sizeof(m)))
		return mapce_errf(err, errlen, "mode auto: %s", m);
	kept = a;
	have_kept = true;
	return 0;
}

const struct up_settings *auto_mode_settings(const struct up_settings *s, char *err, size_t errlen)
{
	static struct up_settings out;
	char m[1536];

	if (s->val[UK_MODE] != MAPCE_MODE_AUTO)
		return s;
	if (!have_kept) {
		mapce_errf(err, errlen, "mode auto: no HB46PP answer applied yet");
		return NULL;
	}
	if (mode_auto_apply(s, &kept.cfg, kept.url, &out, m, sizeof(m))) {
		mapce_errf(err, errlen, "mode auto: %s", m);
		return NULL;
	}
	return &out;
}

/* The lines as one text: "mode ipip6; ipv4 ...". */
static void lines_text(const struct hb46pp_config *c, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < c->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s %s", i ? "; " : "", c->lines[i].key,
				      c->lines[i].value);
}

static void record_fill(struct provision_record *r, const struct auto_answer *a)
{
	snprintf(r->url, sizeof(r->url), "%s", a->url);
	snprintf(r->service, sizeof(r->service), "%s", hb46pp_service_name(a->cfg.service));
	lines_text(&a->cfg, r->config, sizeof(r->config));
	r->fetched = r->last_try = a->at;
	r->ttl = a->have_ttl ? a->ttl : 0;
	r->failures = 0;
	r->error[0] = '\0';
}

void auto_mode_record(const char *wan, const struct up_settings *s, bool run)
{
	static struct provision_record r;

	if (s->val[UK_MODE] != MAPCE_MODE_AUTO || !have_kept)
		return;
	memset(&r, 0, sizeof(r));
	record_fill(&r, &kept);
	r.next = run ? kept.at + mode_auto_refresh_s(s, kept.have_ttl, kept.ttl) : 0;
	provision_record_save(wan, &r);
}

/* ---- run's service ---------------------------------------------------------- */

struct asker {
	char wan[IF_NAMESIZE];
	const struct up_settings *(*settings)(void);
	struct run_worker w; /* the question's thread, its end, the next question's timer */
	bool again;	     /* the WAN prefix changed during a question: ask once more */
	bool replan;	     /* a new answer is kept: the loop's next pass applies it */
	bool curl;	     /* curl_global_init done */
	struct provision_record rec;
	/* the thread's: set before it starts, read after it ended */
	struct up_settings ask_s;
	struct auto_answer ask_a;
	char ask_err[1536];
	int ask_ret;
};

static void ended(void);
static void start_question(void);
static struct asker A = { .w = RUN_WORKER_INIT(ended, start_question) };

#define say(...) run_say(A.wan, "provision", __VA_ARGS__)

static void ask_thread(void *arg)
{
	A.ask_ret = ask(&A.ask_s, &A.ask_a, A.ask_err, sizeof(A.ask_err));
}

static void arm_in(unsigned int s)
{
	run_worker_arm(&A.w, s);
	A.rec.next = (long long)time(NULL) + s;
}

static void start_question(void)
{
	int ret;

	if (A.w.busy)
		return;
	A.again = false;
	A.ask_s = *A.settings();
	ret = run_worker_start(&A.w, ask_thread, NULL);
	if (ret) {
		say("cannot ask: %s (asked again in %u s)", strerror(ret),
		    mode_auto_retry_s(&A.ask_s, 1));
		arm_in(mode_auto_retry_s(&A.ask_s, 1));
	}
}

/* The question ended: keep a new answer (the pass applies it), say it,
 * arm the next question (at once when the WAN prefix changed meanwhile). */
static void ended(void)
{
	static struct up_settings check;
	const struct up_settings *s = A.settings();
	char lines[512], m[1536];
	unsigned int in;

	A.rec.last_try = (long long)time(NULL);
	if (!A.ask_ret &&
	    mode_auto_apply(s, &A.ask_a.cfg, A.ask_a.url, &check, A.ask_err, sizeof(A.ask_err)))
		A.ask_ret = -1;
	if (A.ask_ret) {
		A.rec.failures++;
		snprintf(A.rec.error, sizeof(A.rec.error), "%.*s", (int)sizeof(A.rec.error) - 1,
			 A.ask_err);
		in = A.again ? 0 : mode_auto_retry_s(s, A.rec.failures);
		say("%s (failure %u in a row: the running config is kept; asked again in %u s)",
		    A.ask_err, A.rec.failures, in);
		arm_in(in);
		provision_record_save(A.wan, &A.rec);
		return;
	}
	lines_text(&A.ask_a.cfg, lines, sizeof(lines));
	in = A.again ? 0 : mode_auto_refresh_s(s, A.ask_a.have_ttl, A.ask_a.ttl);
	if (have_kept && hb46pp_config_same(&kept.cfg, &A.ask_a.cfg)) {
		say("%s: unchanged (%s); asked again in %u s", A.ask_a.url, lines, in);
		kept.at = A.ask_a.at;
	} else {
		snprintf(m, sizeof(m), "%s", have_kept ? "changed" : "new");
		say("%s: %s answer: %s (%s); applying it; asked again in %u s", A.ask_a.url, m,
		    hb46pp_service_name(A.ask_a.cfg.service), lines, in);
		A.replan = true;
	}
	kept = A.ask_a;
	have_kept = true;
	record_fill(&A.rec, &kept);
	arm_in(in);
	provision_record_save(A.wan, &A.rec);
}

static int svc_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
		     size_t errlen)
{
	const struct up_settings *s = A.settings();
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread */

	if (rc)
		return mapce_errf(err, errlen, "provision: libcurl: %s", curl_easy_strerror(rc));
	A.curl = true;
	if (run_worker_open(&A.w, "provision", err, errlen))
		return -1;
	memset(&A.rec, 0, sizeof(A.rec));
	if (have_kept)
		record_fill(&A.rec, &kept);
	arm_in(have_kept ? mode_auto_refresh_s(s, kept.have_ttl, kept.ttl)
			 : mode_auto_retry_s(s, 1));
	provision_record_save(A.wan, &A.rec);
	return 0;
}

/* Every pass that brought the CE to the line: a new WAN prefix (the
 * tunnel's source moved; the server may answer otherwise from it) asks
 * at once, or right after the question under way. */
static void svc_applied(void *arg, const struct run_applied *pass)
{
	if (!pass->prefix_moved)
		return;
	say("the WAN prefix changed: asking the provisioning server again");
	if (A.w.busy)
		A.again = true;
	else
		arm_in(0);
}

static bool svc_want_pass(void *arg)
{
	bool r = A.replan;

	A.replan = false;
	return r;
}

static void svc_stop(void *arg)
{
	/* the question has no abort: one under way is left to end with the
	 * process (libcurl's global state left up for it) */
	if (run_worker_leave(&A.w))
		A.curl = false;
	if (A.curl)
		curl_global_cleanup();
	A.curl = false;
}

static struct run_service service = {
	.name = "provision",
	.start = svc_start,
	.arg = &A.w,
	.fds = run_worker_fds,
	.ready = run_worker_ready,
	.applied = svc_applied,
	.want_pass = svc_want_pass,
	.stop = svc_stop,
};

struct run_service *auto_mode_service(const char *wan, const struct up_settings *(*settings)(void))
{
	snprintf(A.wan, sizeof(A.wan), "%s", wan);
	A.settings = settings;
	return &service;
}
