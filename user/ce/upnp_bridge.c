// SPDX-License-Identifier: GPL-2.0-only
/*
 * upnp_bridge.c - miniupnpd's lease file mirrored into dynamic forwards
 * (upnp_bridge.h).  Each read compares the file with what this bridge
 * opened (have[]): nothing else is trusted, so a missed event, a
 * restarted miniupnpd or a config forward that took a port all end in
 * the same state at the next read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "core/addrfmt.h"
#include "core/parse.h"
#include "core/policy.h"
#include "ce/portmap_dynamic.h"
#include "ce/upnp_bridge.h"
#include "ce/upnp_lease.h"
#include "sys/pin.h"
#include "sys/ticker.h"

#define LEASE_FILE_MAX (256 * 1024) /* bytes read of the lease file */
#define INO_EVENTS                                                                          \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | \
	 IN_DELETE_SELF | IN_MOVE_SELF)

struct bridge {
	char wan[IF_NAMESIZE];
	char path[PATH_MAX], dir[PATH_MAX], base[NAME_MAX + 1];
	int ino, tfd;
	bool open;
	struct portmap_maps m;
	unsigned long sig;			/* the last text read: bad lines are said once */
	bool read_failed;			/* said once until a read works */
	struct upnp_lease have[UPNP_LEASE_MAX]; /* opened by this bridge */
	int n_have;
	struct upnp_lease refused[UPNP_LEASE_MAX]; /* said once */
	int n_refused;
	struct upnp_lease want[UPNP_LEASE_MAX]; /* the file's, per read */
	char text[LEASE_FILE_MAX];
};

static struct bridge B = { .ino = -1, .tfd = -1 };

#define say(...) run_say(B.wan, "upnp", __VA_ARGS__)

static bool same(const struct upnp_lease *a, const struct upnp_lease *b)
{
	return a->pm.proto == b->pm.proto && a->pm.first == b->pm.first &&
	       a->pm.inside_ip == b->pm.inside_ip && a->pm.inside_port == b->pm.inside_port;
}

static int find(const struct upnp_lease *set, int n, const struct upnp_lease *l)
{
	for (int i = 0; i < n; i++)
		if (same(&set[i], l))
			return i;
	return -1;
}

static void drop(struct upnp_lease *set, int *n, int i)
{
	set[i] = set[--*n];
}

/* "tcp 4930 -> 192.0.2.10:8080 (desc)" */
static const char *lease_str(const struct upnp_lease *l, char *buf, size_t len)
{
	char a[EP4_STRLEN];

	snprintf(buf, len, "%s %u -> %s (%s)", portmap_proto_str(l->pm.proto), l->pm.first,
		 ep4_str(l->pm.inside_ip, htons(l->pm.inside_port), a), l->desc);
	return buf;
}

static void bad_line(void *arg, unsigned int line, const char *msg)
{
	say("%s:%u: %s (line left out)", B.path, line, msg);
}

/* FNV-1a of the text: has the file changed since bad lines were said? */
static unsigned long text_sig(const char *t, size_t n)
{
	unsigned long h = 1469598103934665603UL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)t[i]) * 1099511628211UL;
	return h ^ n;
}

/* The file's text into B.text: its length, 0 when there is no file, -1
 * when it cannot be read (said once). */
static long read_file(void)
{
	int fd = open(B.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	size_t n = 0;

	if (fd < 0 && errno == ENOENT)
		return 0;
	while (fd >= 0 && n < sizeof(B.text)) {
		ssize_t r = read(fd, B.text + n, sizeof(B.text) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0) {
				close(fd);
				fd = -1;
			}
			break;
		}
		n += (size_t)r;
	}
	if (fd < 0) {
		if (!B.read_failed)
			say("reading %s: %s (the forwards opened are kept)", B.path,
			    strerror(errno));
		B.read_failed = true;
		return -1;
	}
	close(fd);
	if (n == sizeof(B.text))
		say("%s: larger than %d bytes: the rest is left out", B.path, LEASE_FILE_MAX);
	B.read_failed = false;
	return (long)n;
}

/* Bring the dynamic forwards to the file's unexpired leases. */
static void sync_leases(void)
{
	long len = read_file();
	unsigned long sig;
	uint64_t now = (uint64_t)time(NULL);
	char s[160], err[1536];
	int n;

	if (len < 0 || !B.open)
		return;
	sig = text_sig(B.text, (size_t)len);
	n = upnp_lease_parse(B.text, (size_t)len, B.want, UPNP_LEASE_MAX,
			     sig == B.sig ? NULL : bad_line, NULL);
	B.sig = sig;
	for (int i = 0; i < n;) /* an expired lease is as good as gone */
		if (upnp_lease_expired(&B.want[i], now))
			drop(B.want, &n, i);
		else
			i++;
	/* gone from the file, or taken from us (a config forward won) */
	for (int i = 0; i < B.n_have;) {
		int w = find(B.want, n, &B.have[i]);

		if (w >= 0 && portmap_dynamic_installed(&B.m, &B.have[i].pm)) {
			B.have[i].expires = B.want[w].expires;
			i++;
			continue;
		}
		portmap_dynamic_del(&B.m, &B.have[i].pm);
		if (w < 0)
			say("%s closed: the lease is gone", lease_str(&B.have[i], s, sizeof(s)));
		drop(B.have, &B.n_have, i);
	}
	/* a refusal is said again only after its lease went */
	for (int i = 0; i < B.n_refused;)
		if (find(B.want, n, &B.refused[i]) < 0)
			drop(B.refused, &B.n_refused, i);
		else
			i++;
	for (int i = 0; i < n; i++) {
		int r = find(B.refused, B.n_refused, &B.want[i]);

		if (find(B.have, B.n_have, &B.want[i]) >= 0)
			continue;
		if (portmap_dynamic_add(&B.m, &B.want[i].pm, err, sizeof(err))) {
			if (r < 0) {
				say("%s refused: %s", lease_str(&B.want[i], s, sizeof(s)), err);
				B.refused[B.n_refused++] = B.want[i];
			}
			continue;
		}
		if (r >= 0)
			drop(B.refused, &B.n_refused, r);
		B.have[B.n_have++] = B.want[i];
		say("%s opened", lease_str(&B.want[i], s, sizeof(s)));
	}
}

/* (Re)open the CE's maps; a new address or port set forgets what was
 * opened under the old one (closed first). */
static void maps_reopen(void)
{
	char dir[PATH_MAX];
	struct portmap_maps m;
	int ret;

	if (pin_dir_path(dir, sizeof(dir), MAPCE_PIN_ROOT, B.wan))
		return;
	ret = portmap_maps_open(dir, &m);
	if (ret) {
		say("the CE's maps: %s (no forwards until they are back)", strerror(-ret));
		return;
	}
	if (B.open) {
		bool moved = m.cfg.ipv4 != B.m.cfg.ipv4 || m.cfg.psid != B.m.cfg.psid ||
			     m.cfg.psid_len != B.m.cfg.psid_len ||
			     m.cfg.psid_offset != B.m.cfg.psid_offset;

		if (moved) {
			for (int i = 0; i < B.n_have; i++)
				portmap_dynamic_del(&B.m, &B.have[i].pm);
			B.n_have = B.n_refused = 0;
			B.sig = 0;
		}
		portmap_maps_close(&B.m);
	}
	B.m = m;
	B.open = true;
}

static int bridge_start(void *arg, const char *wan, const struct ce_up_params *cur, char *err,
			size_t errlen)
{
	const char *slash = strrchr(B.path, '/');

	snprintf(B.wan, sizeof(B.wan), "%s", wan);
	if (!slash || !slash[1])
		return mapce_errf(err, errlen, "upnp-leases %s: not a file path", B.path);
	snprintf(B.dir, sizeof(B.dir), "%.*s", (int)(slash - B.path) ? (int)(slash - B.path) : 1,
		 B.path);
	snprintf(B.base, sizeof(B.base), "%s", slash + 1);
	B.ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (B.ino < 0 || inotify_add_watch(B.ino, B.dir, INO_EVENTS) < 0)
		return mapce_errf(err, errlen, "upnp-leases: watching %s: %s", B.dir,
				  strerror(errno));
	B.tfd = ticker_open(MAPCE_UPNP_CHECK_S * 1000L);
	if (B.tfd < 0)
		return mapce_errf(err, errlen, "upnp-leases: timerfd: %s", strerror(-B.tfd));
	maps_reopen();
	say("mirroring %s into the forwards of %s", B.path, wan);
	sync_leases();
	return 0;
}

static int bridge_fds(void *arg, int *fds, int max)
{
	int n = 0;

	if (B.ino >= 0 && n < max)
		fds[n++] = B.ino;
	if (B.tfd >= 0 && n < max)
		fds[n++] = B.tfd;
	return n;
}

/* Drain the inotify fd: did anything happen to the lease file (or its
 * directory, or events were lost)? */
static bool ino_drain(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool hit = false;

	for (int rounds = 0; rounds < 64; rounds++) {
		ssize_t n = read(B.ino, buf, sizeof(buf));

		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			if ((e->mask & (IN_Q_OVERFLOW | IN_DELETE_SELF | IN_MOVE_SELF)) ||
			    (e->len && !strcmp(e->name, B.base)))
				hit = true;
			p += sizeof(*e) + e->len;
		}
	}
	return hit;
}

static void bridge_ready(void *arg, int fd)
{
	if (fd == B.tfd) {
		if (ticker_fired(fd))
			sync_leases();
	} else if (fd == B.ino && ino_drain()) {
		sync_leases();
	}
}

static void bridge_applied(void *arg, const struct run_applied *pass)
{
	maps_reopen();
	sync_leases();
}

static void bridge_stop(void *arg)
{
	if (B.open) {
		for (int i = 0; i < B.n_have; i++)
			portmap_dynamic_del(&B.m, &B.have[i].pm);
		if (B.n_have)
			say("%d forward%s closed at exit", B.n_have, B.n_have == 1 ? "" : "s");
		B.n_have = 0;
		portmap_maps_close(&B.m);
		B.open = false;
	}
	if (B.ino >= 0)
		close(B.ino);
	if (B.tfd >= 0)
		close(B.tfd);
	B.ino = B.tfd = -1;
}

static struct run_service bridge_service = {
	.name = "upnp",
	.start = bridge_start,
	.fds = bridge_fds,
	.ready = bridge_ready,
	.applied = bridge_applied,
	.stop = bridge_stop,
};

struct run_service *upnp_bridge_service(const char *wan, const char *path)
{
	snprintf(B.wan, sizeof(B.wan), "%s", wan);
	snprintf(B.path, sizeof(B.path), "%s", path);
	return &bridge_service;
}
