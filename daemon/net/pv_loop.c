#include "pv_loop.h"

#include <event2/event.h>
#include <stdlib.h>

#include "log.h"
#include "pv.h"

struct pv_timer {
	struct pv_loop *l;
	size_t cls;
	struct event *ev;
};

struct pv_loop {
	struct pv *pv;
	struct event *wake;
	struct pv_timer *timers;
	size_t n_timers;
};

static void on_scan(evutil_socket_t fd, short what, void *arg)
{
	struct pv_timer *t = arg;
	(void)fd;
	(void)what;
	pv_scan(t->l->pv, t->cls);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct pv_loop *l = arg;
	(void)fd;
	(void)what;
	pv_drain(l->pv);
}

struct pv_loop *pv_loop_new(struct event_base *base, struct pv *pv)
{
	struct pv_loop *l = calloc(1, sizeof(*l));
	size_t nc = pv_n_classes(pv);
	if (!l || !(l->timers = calloc(nc, sizeof(*l->timers))))
		goto oom;
	l->pv = pv;
	l->wake = event_new(base, pv_wake_fd(pv), EV_READ | EV_PERSIST, on_wake, l);
	if (!l->wake || event_add(l->wake, NULL))
		goto oom;
	for (size_t c = 0; c < nc; c++) {
		if (!pv_class_on_loop(pv, c))
			continue;
		struct pv_timer *t = &l->timers[l->n_timers];
		uint32_t ms = pv_class_period_ms(pv, c);
		struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };
		t->l = l;
		t->cls = c;
		t->ev = event_new(base, -1, EV_PERSIST, on_scan, t);
		if (!t->ev || event_add(t->ev, &tv))
			goto oom;
		l->n_timers++;
		log_msg(LOG_INFO, LOGC_PV, "scan class '%s': every %u ms on the event loop",
			pv_class_name(pv, c), ms);
		/* the first scan now, not one period after start */
		pv_scan(pv, c);
	}
	if (pv_start(pv)) {
		pv_loop_free(l);
		return NULL;
	}
	return l;
oom:
	log_msg(LOG_ERR, LOGC_PV, "out of memory setting up the process-variable scan");
	pv_loop_free(l);
	return NULL;
}

void pv_loop_free(struct pv_loop *l)
{
	if (!l)
		return;
	if (l->pv)
		pv_stop(l->pv);
	for (size_t i = 0; i < l->n_timers; i++)
		event_free(l->timers[i].ev);
	if (l->wake)
		event_free(l->wake);
	free(l->timers);
	free(l);
}
