/* SPDX-License-Identifier: Apache-2.0 */
#include "loop_timer.h"

#include <event2/event.h>
#include <stdlib.h>
#include <time.h>

struct loop_timer {
	struct timer_queue q;
	struct event *ev;
	uint64_t armed_for;	/* deadline the libevent timer waits for, TIMER_NEVER: idle */
};

uint64_t loop_timer_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Points the libevent timer at `next` (a deadline on loop_timer_now). */
static void rearm(struct loop_timer *lt, uint64_t next, uint64_t now)
{
	lt->armed_for = next;
	if (next == TIMER_NEVER) {
		evtimer_del(lt->ev);
		return;
	}
	uint64_t d = next > now ? next - now : 0;
	struct timeval tv = { .tv_sec = (time_t)(d / 1000000u),
			      .tv_usec = (suseconds_t)(d % 1000000u) };
	evtimer_add(lt->ev, &tv);
}

/* Fires what is due and re-arms the libevent timer for what is left. */
static void run_due(struct loop_timer *lt)
{
	uint64_t now = loop_timer_now();
	lt->armed_for = TIMER_NEVER;
	rearm(lt, timer_process(&lt->q, now), now);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	run_due(arg);
}

void loop_timer_kick(struct loop_timer *lt)
{
	run_due(lt);
}

struct loop_timer *loop_timer_new(struct event_base *base)
{
	struct loop_timer *lt = calloc(1, sizeof(*lt));
	if (!lt)
		return NULL;
	timer_queue_init(&lt->q);
	lt->armed_for = TIMER_NEVER;
	lt->ev = evtimer_new(base, on_tick, lt);
	if (!lt->ev) {
		free(lt);
		return NULL;
	}
	return lt;
}

void loop_timer_free(struct loop_timer *lt)
{
	if (!lt)
		return;
	event_free(lt->ev);
	timer_queue_clear(&lt->q);
	free(lt);
}

struct timer_queue *loop_timer_queue(struct loop_timer *lt)
{
	return &lt->q;
}

/* now: the current time when the caller has read it, else 0 */
static int arm(struct loop_timer *lt, struct timer *t, uint64_t deadline, uint64_t now)
{
	int r = timer_arm(&lt->q, t, deadline);
	/* Inside on_tick the wake-up is re-armed when timer_process returns. */
	if (!r && !lt->q.processing && t->deadline < lt->armed_for)
		rearm(lt, t->deadline, now ? now : loop_timer_now());
	return r;
}

int loop_timer_arm_at(struct loop_timer *lt, struct timer *t, uint64_t deadline_us)
{
	return arm(lt, t, deadline_us, 0);
}

int loop_timer_arm(struct loop_timer *lt, struct timer *t, uint64_t delay_us)
{
	uint64_t now = loop_timer_now();
	return arm(lt, t, now + delay_us, now);
}

void loop_timer_cancel(struct loop_timer *lt, struct timer *t)
{
	timer_cancel(&lt->q, t);
}
