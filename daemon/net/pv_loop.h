/* SPDX-License-Identifier: Apache-2.0 */
/* libevent glue of the process-variable runtime (daemon/pv/pv.h): the scan
 * timers of the classes that have rows of non-blocking sources, armed by
 * pv_scan_arm on the loop's one timer queue (loop_timer.h, CLOCK_MONOTONIC
 * microseconds), and the eventfd through which source threads and
 * plugins' push() wake the loop (pv_drain). Idle costs nothing beyond the
 * scan timers themselves.
 *
 * Thread: the event loop's. */
#pragma once

struct event_base;
struct loop_timer;
struct pv;
struct pv_loop;

/* Adds the eventfd event on `base`, arms the scan timers on `lt` and runs
 * each class's first scan at once, then starts the source threads
 * (pv_start). `pv` and `lt` must outlive the pv_loop. Returns NULL after
 * logging why. */
struct pv_loop *pv_loop_new(struct event_base *base, struct loop_timer *lt, struct pv *pv);
/* Stops the source threads (pv_stop), cancels the scan timers and removes
 * the event. NULL: no-op. */
void pv_loop_free(struct pv_loop *l);
