/* SPDX-License-Identifier: Apache-2.0 */
/* A sans-I/O timer queue: a binary min-heap of deadlines on a clock the
 * caller passes in. Nothing here reads the time, sleeps or knows libevent:
 * the owner calls timer_process(q, now) when its one wake-up fires and arms
 * that wake-up again for the deadline it returns (daemon/net/loop_timer.c
 * does so on the event loop; unit tests drive a fake clock). The shape is
 * open62541's UA_Timer_process(t, now).
 *
 * Times are uint64_t in the caller's unit (daemon/net uses microseconds of
 * CLOCK_MONOTONIC); TIMER_NEVER means "nothing armed". A struct timer lives
 * inside its owner's object (no allocation per timer); the queue keeps a
 * pointer to each armed timer, so an armed timer must be cancelled before
 * its memory goes. Arming, re-arming and cancelling are O(log n), reading
 * the next deadline O(1). Timers due at the same time fire in the order
 * they were armed.
 *
 * Thread: one queue belongs to one thread (the event loop's); no locks. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMER_NEVER UINT64_MAX

struct timer_queue;
struct timer;

/* Called by timer_process for a due timer, which is already disarmed: the
 * callback may re-arm it, arm or cancel any other timer of the queue, and
 * free the object that holds `t` (it is not touched again). */
typedef void (*timer_fn)(struct timer_queue *q, struct timer *t, void *arg);

struct timer {
	uint64_t deadline;	/* valid while armed */
	uint64_t seq;		/* arming order: ties fire first-armed first */
	size_t slot;		/* index in the heap, TIMER_UNARMED when not armed */
	timer_fn fn;
	void *arg;
};

#define TIMER_UNARMED SIZE_MAX

struct timer_queue {
	struct timer **heap;	/* heap[0] is the earliest deadline */
	size_t n, cap;
	uint64_t next_seq;
	uint64_t now;		/* inside timer_process: its `now` */
	bool processing;
};

/* An empty queue; allocates nothing until the first timer is armed. */
void timer_queue_init(struct timer_queue *q);
/* Frees the heap. Timers still armed are forgotten (their owners must not
 * cancel them afterwards: call timer_init again before reuse). */
void timer_queue_clear(struct timer_queue *q);

/* A disarmed timer that will call fn(q, t, arg). No allocation. */
void timer_init(struct timer *t, timer_fn fn, void *arg);
static inline bool timer_armed(const struct timer *t)
{
	return t->slot != TIMER_UNARMED;
}

/* Arms `t` for `deadline`, or moves it there when it is armed already.
 * From inside timer_process, a deadline at or before that call's `now`
 * becomes now + 1: the timer fires on the next call, never in this one, so
 * a callback that re-arms itself "at once" cannot hold the caller in a loop.
 * Returns 0, or -ENOMEM when the heap could not grow (only when `t` was not
 * armed; it stays disarmed then). */
int timer_arm(struct timer_queue *q, struct timer *t, uint64_t deadline);
/* Disarms `t`; a no-op when it is not armed. */
void timer_cancel(struct timer_queue *q, struct timer *t);

/* The earliest deadline armed, or TIMER_NEVER. */
static inline uint64_t timer_next(const struct timer_queue *q)
{
	return q->n ? q->heap[0]->deadline : TIMER_NEVER;
}

/* Fires, in deadline order, every timer whose deadline is <= now, and
 * returns the next deadline (TIMER_NEVER when none is armed); it may be
 * <= now when a callback armed a timer for "at once" (see timer_arm): the
 * caller then calls again without waiting. Not re-entrant: a callback must
 * not call timer_process on the same queue (asserted). */
uint64_t timer_process(struct timer_queue *q, uint64_t now);
