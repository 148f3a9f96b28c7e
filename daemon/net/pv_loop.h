/* libevent glue of the process-variable runtime (daemon/pv/pv.h): one
 * persistent timer per scan class that has rows of non-blocking sources
 * (pv_scan on the loop), and the eventfd through which source threads and
 * plugins' push() wake the loop (pv_drain). Idle costs nothing beyond the
 * scan timers themselves.
 *
 * Thread: the event loop's. */
#pragma once

struct event_base;
struct pv;
struct pv_loop;

/* Arms the timers and the eventfd event on `base`, then starts the source
 * threads (pv_start). `pv` must outlive the pv_loop. Returns NULL after
 * logging why. */
struct pv_loop *pv_loop_new(struct event_base *base, struct pv *pv);
/* Stops the source threads (pv_stop) and removes the events. NULL: no-op. */
void pv_loop_free(struct pv_loop *l);
