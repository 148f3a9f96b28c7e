/* SPDX-License-Identifier: Apache-2.0 */
#include "pv_loop.h"

#include <event2/event.h>
#include <stdbool.h>
#include <stdlib.h>

#include "log.h"
#include "loop_timer.h"
#include "pv.h"

struct pv_loop {
	struct pv *pv;
	struct event *wake;
	bool scans_armed;
};

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pv_loop *l = arg;
	(void)fd;
	(void)what;
	pv_drain(l->pv);
}

struct pv_loop *pv_loop_new(struct event_base *base, struct loop_timer *lt, struct pv *pv)
{
	struct pv_loop *l = calloc(1, sizeof(*l));
	if (!l)
		goto oom;
	l->pv = pv;
	l->wake = event_new(base, pv_wake_fd(pv), EV_READ | EV_PERSIST, on_wake, l);
	if (!l->wake || event_add(l->wake, NULL))
		goto oom;
	for (size_t c = 0; c < pv_n_classes(pv); c++)
		if (pv_class_on_loop(pv, c))
			log_msg(LOGL_INFO, LOGC_PV, "scan class '%s': every %u ms on the event loop",
				pv_class_name(pv, c), pv_class_period_ms(pv, c));
	if (pv_scan_arm(pv, loop_timer_queue(lt), loop_timer_now()))
		goto oom;
	l->scans_armed = true;
	/* the first scans now, not one period after start */
	loop_timer_kick(lt);
	if (pv_start(pv)) {
		pv_loop_free(l);
		return NULL;
	}
	return l;
oom:
	log_msg(LOGL_ERR, LOGC_PV, "out of memory setting up the process-variable scan");
	pv_loop_free(l);
	return NULL;
}

void pv_loop_free(struct pv_loop *l)
{
	if (!l)
		return;
	if (l->pv)
		pv_stop(l->pv);
	if (l->scans_armed)
		pv_scan_cancel(l->pv);
	if (l->wake)
		event_free(l->wake);
	free(l);
}
