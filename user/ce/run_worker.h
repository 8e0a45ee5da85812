/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * run_worker.h - what a run service (run_service.h) that waits on the
 * network keeps so the loop does not: one thread at a time doing the
 * slow work, an eventfd it writes when done (polled by the loop, which
 * then joins it), and a timerfd for the next try.  The thread and the
 * loop share only what the service hands the thread before it starts and
 * reads after it ended.  Used by the update call, the AFTR's name and
 * mode auto's question.
 */
#ifndef MAPCE_RUN_WORKER_H
#define MAPCE_RUN_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct run_worker {
	int efd, tfd; /* the work's end; the next try's timer */
	pthread_t thread;
	bool busy;		/* the thread runs (it is to be joined) */
	void (*fn)(void *arg);	/* the thread's work */
	void *arg;		/* its argument */
	void (*on_ended)(void); /* in the loop: the thread ended and was joined */
	void (*on_timer)(void); /* in the loop: the timer fired */
};

#define RUN_WORKER_INIT(ended, timer)                                      \
	{                                                                  \
		.efd = -1, .tfd = -1, .on_ended = ended, .on_timer = timer \
	}

/* The eventfd and the timerfd (name: for the message).  0, or -1 + err. */
int run_worker_open(struct run_worker *w, const char *name, char *err, size_t errlen);
/* run_service.fds and .ready of a service whose arg is its run_worker:
 * its two fds; one readable calls on_ended or on_timer. */
int run_worker_fds(void *w, int *fds, int max);
void run_worker_ready(void *w, int fd);
/* fn(arg) in the thread (the timer disarmed).  0, or an errno (the thread
 * did not start); busy when one runs: EBUSY. */
int run_worker_start(struct run_worker *w, void (*fn)(void *arg), void *arg);
/* The timer at seconds from now (0: at once); disarm: never. */
void run_worker_arm(struct run_worker *w, unsigned long long seconds);
void run_worker_disarm(struct run_worker *w);
/* At stop: the thread joined (the caller made it end soon), fds closed. */
void run_worker_close(struct run_worker *w);
/* At stop, for work that has no abort and may take long: a thread still
 * running is detached to end with the process (true; its eventfd is left
 * open for it to write), else run_worker_close (false). */
bool run_worker_leave(struct run_worker *w);

#endif
