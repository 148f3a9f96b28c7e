/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE service on the server's loop: the raw Ethernet interface
 * (net/goose.h) carrying the publisher and the subscriber of acsi/goose.h.
 *
 * Timing: a change of a published data set makes the publisher ask for a
 * flush (acsi_gpub_io.wake); the flush runs from an event of priority 0,
 * ahead of every MMS and source callback, and the base is configured to
 * return to the top of its loop after each lower-priority callback
 * (goose_run_config), so a frame waits for at most the one callback that is
 * running, never for a queue of MMS work. Received frames come in the
 * same way, at priority 0.
 *
 * iedd's own frames are not read back from the interface (net/goose.c
 * captures the inbound direction only); when the model subscribes to one
 * of its own GoCBs, each published frame is handed to the subscriber
 * directly.
 *
 * Thread: the event loop's. */
#pragma once
#include <stdbool.h>

#include "goose_svc.h"

struct event_base;
struct event_config;
struct loop_timer;
struct model;
struct goose_run;

/* Before the base exists: the dispatch limit above (call only when GOOSE
 * is configured; MMS pays one extra epoll_wait per callback under load). */
void goose_run_config(struct event_config *ec);
/* Before any event is created on `base`: two priorities (0 GOOSE, 1 the
 * rest, the default). 0 or -1. */
int goose_run_priorities(struct event_base *base);

/* Opens `ifname` and starts publishing and subscribing for `m`. Returns 0
 * with *out; a negative errno with err[errlen] when the model cannot be
 * published (a GoCB whose frame cannot fit: a start-up error). An interface
 * that cannot be opened is not an error: it is logged, and *out serves no
 * GOOSE (goose_run_pub returns NULL). */
int goose_run_new(struct event_base *base, struct loop_timer *lt, struct model *m,
		  const char *ifname, struct goose_run **out, char *err, size_t errlen);
void goose_run_free(struct goose_run *g);
/* The publisher (for data access's FC GO writes and the data set rules);
 * NULL when GOOSE is not running. */
struct acsi_gpub *goose_run_pub(struct goose_run *g);
/* The subscriber (the status page); NULL when GOOSE is not running. */
struct acsi_gsub *goose_run_sub(struct goose_run *g);
