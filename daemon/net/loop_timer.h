/* SPDX-License-Identifier: Apache-2.0 */
/* Drives the sans-I/O timer queue (daemon/util/timer.h) from ONE libevent
 * timer on an event_base, re-armed to the queue's next deadline; the clock
 * is CLOCK_MONOTONIC in microseconds. Every timer of net/ (association,
 * PDU and idle timeouts, the refusal grace, the accept pause, the systemd
 * watchdog) is a struct timer in this queue, so an idle association costs
 * one heap slot and no libevent event.
 *
 * Arming a timer later than the libevent timer leaves that one alone (a
 * re-armed idle timeout on every PDU costs no libevent call): when it fires
 * early, nothing is due and it is re-armed for the true next deadline.
 *
 * Thread: the event loop's. */
#pragma once
#include <stdint.h>

#include "timer.h"

struct event_base;
struct loop_timer;

/* The queue and its libevent timer on `base` (which must outlive it).
 * Returns NULL on out of memory. */
struct loop_timer *loop_timer_new(struct event_base *base);
/* Removes the libevent timer and frees the queue; timers still armed are
 * forgotten. NULL: no-op. */
void loop_timer_free(struct loop_timer *lt);

/* CLOCK_MONOTONIC now, in microseconds: the clock of every deadline here. */
uint64_t loop_timer_now(void);
/* The queue, for timer_armed() and for callbacks that receive it. */
struct timer_queue *loop_timer_queue(struct loop_timer *lt);
/* Arms (or moves) `t` to fire `delay_us` from now. 0 or -ENOMEM (t stays
 * disarmed). */
int loop_timer_arm(struct loop_timer *lt, struct timer *t, uint64_t delay_us);
/* Arms (or moves) `t` to an absolute deadline on loop_timer_now()'s clock. */
int loop_timer_arm_at(struct loop_timer *lt, struct timer *t, uint64_t deadline_us);
/* Disarms `t` (no-op when not armed). The libevent timer stays as it is. */
void loop_timer_cancel(struct loop_timer *lt, struct timer *t);
/* Fires what is due now and points the libevent timer at the queue's next
 * deadline: for an owner that armed timers on loop_timer_queue() directly
 * (a sans-I/O core such as pv_scan_arm, which knows no loop_timer), and
 * wants what it armed for "now" to run now. Not from inside a timer
 * callback (the queue is not re-entrant). */
void loop_timer_kick(struct loop_timer *lt);
