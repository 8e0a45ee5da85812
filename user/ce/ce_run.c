// SPDX-License-Identifier: GPL-2.0-only
/*
 * ce_run.c - `mapce run`'s loop (ce_run.h): the pid file, the first up,
 * then poll() over the rtnetlink monitor, a signalfd and two timerfds;
 * each pass plans the CE from the WAN as it is and reconciles what runs.
 * Work per wake-up is bounded: nl_monitor_read() reads a bounded number of
 * batches, a burst of events is one pass after the debounce.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "ce/ce_prom.h"
#include "ce/ce_run.h"
#include "ce/reconcile.h"
#include "ce/run_event.h"
#include "core/output.h"
#include "sys/attach.h"
#include "sys/daemon.h"
#include "sys/nl_monitor.h"
#include "sys/nl_parse.h"
#include "sys/pin.h"
#include "sys/ticker.h"

struct runner {
	const char *wan;
	const struct ce_run_ops *ops;
	void *ctx;
	struct pidfile pf;
	struct nl_monitor *mon;
	int sfd, debounce, tick;
	int prom;		  /* the Prometheus textfile's timer; -1 without one */
	char prom_path[PATH_MAX]; /* the textfile written last, removed at exit */
	char prom_err[512];	  /* its last failure, said once */
	int wdog; /* systemd's watchdog: WATCHDOG=1 every WatchdogSec/2; -1 without */
	bool armed, pending, reload, stop, link_down;
	bool came_up; /* the link came back: said with the next pass that works */
	int stop_sig, exit_code;
	__u32 pins; /* the pinned config this run keeps */
	bool have_cur;
	struct ce_up_params cur; /* what runs */
	struct ce_watch watch;
	char waiting[1600]; /* the last problem said (problem()) */
	char err[1536];	    /* the first error of a pass (pr_err caught) */
	char note[512];	    /* what the plan left out: said when it changes */
	char warn[1024];    /* its warnings */
	size_t started;	    /* services started (run_service.h) */
};

/* ---- the log ------------------------------------------------------------ */

void run_say(const char *wan, const char *event, const char *fmt, ...)
{
	struct run_event ev = { .event = event };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ev.msg, sizeof(ev.msg), fmt, ap);
	va_end(ap);
	run_log(wan, &ev);
}

#define say(r, event, ...) run_say((r)->wan, event, __VA_ARGS__)

/* What keeps the CE from following the line (event "waiting": the plan
 * fails; "error": applying it does): said when it changes, not at every
 * event and periodic check that finds it again. */
static void problem(struct runner *r, const char *event, const char *why)
{
	char line[sizeof(r->waiting)];

	snprintf(line, sizeof(line), "%s %s", event, why);
	if (!strcmp(r->waiting, line))
		return;
	snprintf(r->waiting, sizeof(r->waiting), "%s", line);
	if (!strcmp(event, "error"))
		say(r, event, "%s (tried again at the next event, at the latest in %d s)", why,
		    RUN_CHECK_S);
	else
		say(r, event, "%s (the running state is kept)", why);
}

static void waiting(struct runner *r, const char *why)
{
	problem(r, "waiting", why);
}

/* pr_err / pr_warn during a pass: folded into its one line. */
static void catch_msg(bool error, const char *msg, void *arg)
{
	struct runner *r = arg;
	char *buf = error ? r->err : r->warn;
	size_t size = error ? sizeof(r->err) : sizeof(r->warn), n = strlen(buf);

	if (error && n)
		return; /* the first error is the cause */
	snprintf(buf + n, size - n, "%s%s", n ? "; " : "", msg);
}

static void catch_start(struct runner *r)
{
	r->err[0] = r->warn[0] = '\0';
	out_redirect_msgs(catch_msg, r);
}

static void catch_stop(void)
{
	out_redirect_msgs(NULL, NULL);
}

/* ---- timers and events ---------------------------------------------------- */

/* Fire fd (a timerfd) once, ms (> 0) from now: the debounce.  The
 * periodic timers are tickers (sys/ticker.h). */
static void arm_once(int fd, long ms)
{
	struct itimerspec it = { .it_value = { ms / 1000, (ms % 1000) * 1000000L } };

	timerfd_settime(fd, 0, &it, NULL);
}

static void drain(int fd)
{
	__u64 n;

	while (read(fd, &n, sizeof(n)) == sizeof(n))
		;
}

static void on_event(const struct nl_event *ev, void *arg)
{
	struct runner *r = arg;

	if (ce_event_verdict(&r->watch, ev) != CE_EV_IGNORE)
		r->pending = true;
}

static void on_signals(struct runner *r)
{
	struct signalfd_siginfo si;

	while (read(r->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			r->reload = r->pending = true;
		} else {
			r->stop = true;
			r->stop_sig = (int)si.ssi_signo;
		}
	}
}

static void watch_update(struct runner *r, int ifindex)
{
	const char *pf = r->ops->prefix_from(r->ctx);

	snprintf(r->watch.wan, sizeof(r->watch.wan), "%s", r->wan);
	r->watch.wan_ifindex = ifindex;
	r->watch.addr_ifindex = pf ? (int)if_nametoindex(pf) : ifindex;
	if (r->have_cur)
		memcpy(r->watch.map_addr, r->cur.cfg.ce_ipv6, 16);
}

/* ---- one pass ------------------------------------------------------------- */

/* systemd's STATUS= (`systemctl status`): what runs, and while it stands
 * what keeps the CE from following the line (problem(): a held forward,
 * a plan that fails), on one line. */
static void status(struct runner *r, bool ready)
{
	char s[512 + sizeof(r->waiting)] = "starting";
	size_t n;

	if (r->have_cur)
		run_summary(&r->cur, s, sizeof(s));
	n = strlen(s);
	if (r->waiting[0])
		snprintf(s + n, sizeof(s) - n, "; %s", r->waiting);
	for (char *c = s; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (ready)
		notify_ready(s);
	else
		notify_status(s);
}

/* The link is there, up and running?  Says so when it changes. */
static bool link_usable(struct runner *r, int *ifindex)
{
	struct nl_link_info link;
	char why[128];

	*ifindex = (int)if_nametoindex(r->wan);
	if (!*ifindex || nl_link_get(*ifindex, &link)) {
		snprintf(why, sizeof(why), "no interface %s", r->wan);
		waiting(r, why);
		return false;
	}
	if (!link.up || !link.running) {
		if (!r->link_down)
			say(r, "link", "down (%s): waiting for it to come back",
			    !link.up ? "administratively" : "no carrier");
		r->link_down = true;
		r->came_up = false;
		return false;
	}
	r->came_up |= r->link_down;
	r->link_down = false;
	return true;
}

/* Are the pins this run keeps still there?  (A `mapce down` meanwhile:
 * also seen while the WAN is down or the plan fails; ce_reconcile checks
 * it again under the lock.) */
static bool pins_kept(struct runner *r)
{
	char dir[256];
	int fd = -1;
	bool same;

	if (!pin_dir_path(dir, sizeof(dir), ce_spec.pins.root, r->wan)) /* this namespace's */
		fd = pin_open(dir, ce_spec.pins.config_map);
	same = fd >= 0 && map_id_of_fd(fd) == r->pins;
	if (fd >= 0)
		close(fd);
	if (!same) {
		say(r, "stop",
		    "the pinned maps in %s are gone or were replaced (mapce down?): exiting", dir);
		r->stop = true;
	}
	return same;
}

/* ---- the services beside the CE (run_service.h) -------------------------- */

static void services_applied(struct runner *r, bool reload, bool prefix_moved)
{
	struct run_applied pass = { .cur = &r->cur,
				    .reload = reload,
				    .prefix_moved = prefix_moved };

	for (size_t i = 0; i < r->started; i++) {
		struct run_service *s = r->ops->services[i];

		if (s->applied)
			s->applied(s->arg, &pass);
	}
}

/* Start them in order; a failure stops the ones started (run exits 1). */
static int services_start(struct runner *r)
{
	char err[1024];

	for (; r->started < r->ops->n_services; r->started++) {
		struct run_service *s = r->ops->services[r->started];

		err[0] = '\0';
		if (s->start && s->start(s->arg, r->wan, &r->cur, err, sizeof(err))) {
			pr_err("run: %s: %s", s->name, err[0] ? err : "cannot start");
			return -1;
		}
	}
	return 0;
}

static void services_stop(struct runner *r)
{
	while (r->started > 0) {
		struct run_service *s = r->ops->services[--r->started];

		if (s->stop)
			s->stop(s->arg);
	}
}

static void pass(struct runner *r)
{
	static struct ce_up_params p;
	static struct ce_up_result res;
	struct run_event ev;
	struct run_pass ps = { .before = &r->cur, .now = &p, .res = &res };
	char err[1536], note[512] = "";
	bool reload = r->reload, moved;
	int ifindex, ret;

	r->reload = r->pending = false;
	if (!pins_kept(r))
		return;
	if (reload) {
		notify_reloading();
		if (r->ops->reread(r->ctx, err, sizeof(err))) {
			say(r, "reload", "refused: %s (the running state is kept)", err);
			status(r, true);
			return;
		}
	}
	if (!link_usable(r, &ifindex)) {
		r->reload = reload; /* the new settings apply once it is back */
		goto out;
	}
	catch_start(r);
	ret = r->ops->plan(r->ctx, !reload, &p, note, sizeof(note), err, sizeof(err));
	catch_stop();
	if (ret) {
		if (reload)
			say(r, "reload", "refused: %s (the running state is kept)", err);
		else
			waiting(r, err);
		goto out;
	}
	catch_start(r);
	ret = ce_reconcile(&p, &r->pins, &res);
	catch_stop();
	if (ret && res.pins_lost) {
		say(r, "stop", "%s: exiting", r->err);
		r->stop = true;
		return;
	}
	if (ret) {
		problem(r, "error", r->err);
		goto out;
	}
	ps.link_came_up = r->came_up;
	r->came_up = false;
	ps.reload = reload;
	ps.config = r->ops->config(r->ctx);
	ps.note = strcmp(note, r->note) ? note : "";
	snprintf(r->note, sizeof(r->note), "%s", note);
	if (run_event_describe(&ps, &ev)) {
		if (r->warn[0])
			run_log_add(&ev, "(%s)", r->warn);
		run_log(r->wan, &ev);
	}
	moved = memcmp(r->cur.cfg.ce_ipv6, p.cfg.ce_ipv6, 8) != 0; /* the /64 */
	r->cur = p;
	watch_update(r, ifindex);
	services_applied(r, reload, moved);
	if (res.forwards_refused[0]) /* said after what applied */
		problem(r, "error", res.forwards_refused);
	else
		r->waiting[0] = '\0';
out:
	status(r, reload);
}

/* first_up's errors in order, said as they came when the start fails
 * (the first is the cause, a rollback's may follow). */
#define FIRST_ERRS 8
static struct {
	char msg[FIRST_ERRS][1024];
	int n;
} first_errs;

/* first_up's messages: errors kept (first_errs), warnings printed as
 * they come, as `up` prints them. */
static void first_msg(bool error, const char *msg, void *arg)
{
	if (error) {
		if (first_errs.n < FIRST_ERRS)
			snprintf(first_errs.msg[first_errs.n++], sizeof(first_errs.msg[0]), "%s",
				 msg);
		return;
	}
	out_redirect_msgs(NULL, NULL);
	pr_warn("%s", msg);
	out_redirect_msgs(first_msg, arg);
}

/* The first up: as `up` (errors said as errors, exit 1).  Taking over a
 * running CE whose config file has a forward that a live mapping holds
 * (added after the mapping, the run before killed) is not one: as in a
 * pass, the rest applies and run follows the CE, trying the forwards
 * again at each pass, rather than exit and leave the line unwatched until
 * the mapping expires. */
static int first_up(struct runner *r)
{
	static struct ce_up_params p;
	static struct ce_up_result res;
	struct run_pass ps = { .now = &p, .res = &res, .note = "" };
	struct run_event ev;
	char err[1536], note[8];
	int ret;

	if (r->ops->plan(r->ctx, false, &p, note, sizeof(note), err, sizeof(err))) {
		pr_err("run: %s", err);
		return -1;
	}
	first_errs.n = 0;
	out_redirect_msgs(first_msg, r);
	ret = ce_reconcile(&p, &r->pins, &res);
	catch_stop();
	if (ret) {
		for (int i = 0; i < first_errs.n; i++)
			pr_err("%s", first_errs.msg[i]);
		return -1;
	}
	run_event_describe(&ps, &ev);
	run_log(r->wan, &ev);
	if (res.forwards_refused[0])
		problem(r, "error", res.forwards_refused);
	r->cur = p;
	r->have_cur = true;
	watch_update(r, p.ifindex);
	status(r, true);
	return 0;
}

/* ---- the Prometheus textfile (ce_prom.h) ---------------------------------- */

/* Write it (again); a failure is said when it changes, the file of a
 * path no longer asked for (a reload) removed. */
static void prom_update(struct runner *r)
{
	const char *path = r->ops->prometheus_file ? r->ops->prometheus_file(r->ctx) : NULL;
	char err[512];

	if (r->prom_path[0] && (!path || strcmp(path, r->prom_path))) {
		unlink(r->prom_path);
		r->prom_path[0] = '\0';
	}
	if (!path)
		return;
	if (ce_prom_file_update(r->wan, path, err, sizeof(err))) {
		if (strcmp(err, r->prom_err))
			say(r, "error", "prometheus-file: %s (tried again in %d s)", err,
			    MAPCE_PROM_INTERVAL_S);
		snprintf(r->prom_err, sizeof(r->prom_err), "%s", err);
		return;
	}
	r->prom_err[0] = '\0';
	snprintf(r->prom_path, sizeof(r->prom_path), "%s", path);
}

/* ---- setup and the loop ------------------------------------------------- */

/* What run takes through its signalfd: reload, stop, stop. */
static const int run_signals[] = { SIGHUP, SIGTERM, SIGINT };

static int setup(struct runner *r, sigset_t *old)
{
	sigset_t set;
	pid_t holder;
	long wdog_ms;
	int ret;

	r->sfd = r->debounce = r->tick = r->wdog = r->prom = -1;
	ret = pidfile_acquire(r->wan, &r->pf, &holder);
	if (ret == -EBUSY) {
		pr_err("run: mapce run already keeps %s (pid %d, %s)", r->wan, (int)holder,
		       r->pf.path);
		return -1;
	}
	if (ret) {
		pr_err("run: the pid file %s: %s", r->pf.path, strerror(-ret));
		return -1;
	}
	/* the monitor first: nothing changes unseen between reading the
	 * state and watching it */
	ret = nl_monitor_open(&r->mon);
	if (ret) {
		pr_err("run: the rtnetlink monitor: %s", strerror(-ret));
		return -1;
	}
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
		sigaddset(&set, run_signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
	r->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	r->debounce = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->sfd < 0 || r->debounce < 0) {
		pr_err("run: signalfd/timerfd: %s", strerror(errno));
		return -1;
	}
	r->tick = ticker_open(RUN_CHECK_S * 1000L);
	/* always running: a reload may ask for a textfile */
	r->prom = ticker_open(MAPCE_PROM_INTERVAL_S * 1000L);
	if (r->tick < 0 || r->prom < 0) {
		pr_err("run: timerfd: %s", strerror(-(r->tick < 0 ? r->tick : r->prom)));
		return -1;
	}
	wdog_ms = watchdog_interval_ms();
	if (wdog_ms > 0) {
		r->wdog = ticker_open(wdog_ms);
		if (r->wdog < 0) {
			pr_err("run: timerfd: %s", strerror(-r->wdog));
			return -1;
		}
		/* the first ping at once: up may have taken most of the period */
		notify_watchdog();
	}
	watch_update(r, (int)if_nametoindex(r->wan));
	return 0;
}

static void teardown(struct runner *r, const sigset_t *old)
{
	int fds[] = { r->sfd, r->debounce, r->tick, r->wdog, r->prom };

	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (fds[i] >= 0)
			close(fds[i]);
	}
	if (r->prom_path[0])
		unlink(r->prom_path); /* stale metrics would look like a live CE */
	nl_monitor_close(r->mon);
	pidfile_release(&r->pf);
	/* A second SIGTERM may be pending, sent while the CE was taken down
	 * (timeout(1) signals the child and then its process group; a user
	 * presses ^C twice): ignoring it discards it, so unblocking does not
	 * kill the process with a "killed by signal" status after a clean
	 * down. */
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
		signal(run_signals[i], SIG_IGN);
	sigprocmask(SIG_SETMASK, old, NULL);
	for (size_t i = 0; i < sizeof(run_signals) / sizeof(run_signals[0]); i++)
		signal(run_signals[i], SIG_DFL);
}

/* The loop's own fds, then each started service's (owner: its index). */
#define RUN_FIXED_FDS 6

static nfds_t services_poll(struct runner *r, struct pollfd *fds, size_t *owner)
{
	nfds_t n = RUN_FIXED_FDS;

	for (size_t i = 0; i < r->started; i++) {
		struct run_service *s = r->ops->services[i];
		int got[RUN_SERVICE_MAX_FDS];
		int k = s->fds ? s->fds(s->arg, got, RUN_SERVICE_MAX_FDS) : 0;

		for (int j = 0; j < k && j < RUN_SERVICE_MAX_FDS; j++) {
			owner[n - RUN_FIXED_FDS] = i;
			fds[n++] = (struct pollfd){ got[j], POLLIN, 0 };
		}
	}
	return n;
}

static void loop(struct runner *r)
{
	while (!r->stop) {
		struct pollfd fds[RUN_FIXED_FDS + RUN_SERVICE_MAX * RUN_SERVICE_MAX_FDS] = {
			{ nl_monitor_fd(r->mon), POLLIN, 0 },
			{ r->sfd, POLLIN, 0 },
			{ r->debounce, POLLIN, 0 },
			{ r->tick, POLLIN, 0 },
			{ r->wdog, POLLIN, 0 }, /* fd -1 (no watchdog): poll skips it */
			{ r->prom, POLLIN, 0 },
		};
		size_t owner[RUN_SERVICE_MAX * RUN_SERVICE_MAX_FDS];
		nfds_t n = services_poll(r, fds, owner);
		bool now = false;
		int ret;

		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			say(r, "error", "poll: %s: exiting", strerror(errno));
			r->exit_code = 1;
			return;
		}
		if (fds[4].revents) { /* the loop turns: tell systemd */
			drain(r->wdog);
			notify_watchdog();
		}
		if (fds[1].revents)
			on_signals(r);
		if (r->stop)
			return;
		if (fds[0].revents) {
			ret = nl_monitor_read(r->mon, on_event, r);
			if (ret < 0) {
				say(r, "error", "the rtnetlink monitor: %s: exiting",
				    strerror(-ret));
				r->exit_code = 1;
				return;
			}
		}
		if (fds[3].revents) { /* the safety net */
			drain(r->tick);
			now = true;
		}
		if (fds[2].revents) {
			drain(r->debounce);
			r->armed = false;
			now = true;
		}
		if (now)
			pass(r);
		if (fds[5].revents && !r->stop) {
			drain(r->prom);
			prom_update(r);
		}
		for (nfds_t i = RUN_FIXED_FDS; i < n && !r->stop; i++) {
			struct run_service *s = r->ops->services[owner[i - RUN_FIXED_FDS]];

			if (fds[i].revents && s->ready)
				s->ready(s->arg, fds[i].fd);
			if (fds[i].revents && s->want_pass && s->want_pass(s->arg))
				r->pending = true; /* a pass after the debounce */
		}
		if (r->pending && !r->armed && !r->stop) {
			arm_once(r->debounce, RUN_DEBOUNCE_MS);
			r->armed = true;
		}
	}
}

int ce_run_loop(const char *wan, const struct ce_run_ops *ops, void *ctx)
{
	static struct runner r;
	sigset_t old;

	memset(&r, 0, sizeof(r));
	r.wan = wan;
	r.ops = ops;
	r.ctx = ctx;
	sigemptyset(&old);
	if (ops->n_services > RUN_SERVICE_MAX) {
		pr_err("run: %zu services, at most %d", ops->n_services, RUN_SERVICE_MAX);
		return 1;
	}
	if (setup(&r, &old) || first_up(&r)) {
		teardown(&r, &old);
		return 1;
	}
	if (services_start(&r)) {
		services_stop(&r);
		teardown(&r, &old);
		return 1;
	}
	prom_update(&r); /* at once, not only after the first period */
	loop(&r);
	services_stop(&r);
	if (r.stop_sig) {
		notify_stopping();
		say(&r, "stop", "%s: down", r.stop_sig == SIGINT ? "SIGINT" : "SIGTERM");
		r.exit_code = deploy_down_exit(&ce_spec, wan);
	}
	teardown(&r, &old);
	return r.exit_code;
}
