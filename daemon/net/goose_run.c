/* SPDX-License-Identifier: Apache-2.0 */
/* The GOOSE service on the server's loop (goose_run.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "gse.h"
#include "log.h"
#include "loop_timer.h"
#include "goose_run.h"
#include "goose_eth.h"

struct goose_run {
	struct event_base *base;
	struct loop_timer *lt;
	struct model *m;
	struct net_goose *eth;
	struct acsi_gpub *pub;
	struct acsi_gsub *sub;
	struct event *flush_ev;		/* priority 0: acsi_gpub_flush */
	bool own_sub;			/* the model subscribes to one of its own GoCBs */
	char ifname[16];
};

void goose_run_config(struct event_config *ec)
{
	/* after each callback of priority 1 (MMS, sources, timers), back to
	 * the top of the loop, where a pending GOOSE flush runs first */
	event_config_set_max_dispatch_interval(ec, NULL, 1, 1);
}

int goose_run_priorities(struct event_base *base)
{
	return event_base_priority_init(base, 2);
}

static uint64_t clk_mono(void *ctx)
{
	(void)ctx;
	return loop_timer_now();
}

static uint64_t clk_utc(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int clk_arm(void *ctx, struct timer *t, uint64_t deadline_us)
{
	return loop_timer_arm_at(ctx, t, deadline_us);
}

static void clk_cancel(void *ctx, struct timer *t)
{
	loop_timer_cancel(ctx, t);
}

static int pub_send(void *ctx, const uint8_t *frame, size_t len)
{
	struct goose_run *g = ctx;
	int r = g->eth ? net_goose_send(g->eth, frame, len) : -ENETDOWN;
	if (g->own_sub && g->sub)
		acsi_gsub_receive(g->sub, frame, len);
	return r;
}

static void pub_wake(void *ctx)
{
	struct goose_run *g = ctx;
	event_active(g->flush_ev, EV_TIMEOUT, 1);
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct goose_run *g = arg;
	(void)fd;
	(void)what;
	acsi_gpub_flush(g->pub);
}

static void on_rx(void *ctx, const uint8_t *frame, size_t len)
{
	struct goose_run *g = ctx;
	acsi_gsub_receive(g->sub, frame, len);
}

static bool subscribes_to_own(const struct model *m)
{
	for (uint32_t i = 0; i < model_n_goose_subs(m); i++) {
		const struct mgoose_sub *s = model_goose_sub(m, i);
		for (uint32_t k = 0; k < model_n_gocbs(m); k++)
			if (!strcmp(s->gocb_ref, model_gocb(m, k)->ref))
				return true;
	}
	return false;
}

int goose_run_new(struct event_base *base, struct loop_timer *lt, struct model *m,
		  const char *ifname, struct goose_run **out, char *err, size_t errlen)
{
	*out = NULL;
	struct goose_run *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(err, errlen, "out of memory setting up GOOSE");
		return -ENOMEM;
	}
	g->base = base;
	g->lt = lt;
	g->m = m;
	snprintf(g->ifname, sizeof(g->ifname), "%s", ifname);
	uint32_t n_pub = 0;
	for (uint32_t i = 0; i < model_n_gocbs(m); i++)
		n_pub += model_gocb(m, i)->has_addr && model_gocb(m, i)->ds;
	uint32_t n_sub = model_n_goose_subs(m);
	char eerr[512];
	int r = net_goose_open(base, ifname, n_sub ? on_rx : NULL, g, &g->eth, eerr, sizeof(eerr));
	if (r) {
		log_msg(LOGL_ERR, LOGC_NET, "GOOSE off: %s; serving MMS without GOOSE (%u GoCB(s) "
			"not published, %u subscription(s) not received)",
			eerr, (unsigned)n_pub, (unsigned)n_sub);
		*out = g;
		return 0;
	}
	const struct acsi_clock clk = { .mono_us = clk_mono, .utc_ns = clk_utc, .arm = clk_arm,
					.cancel = clk_cancel, .ctx = lt };
	if (n_sub && !(g->sub = acsi_gsub_new(m, &clk))) {
		snprintf(err, errlen, "out of memory setting up the GOOSE subscriber");
		goose_run_free(g);
		return -ENOMEM;
	}
	g->own_sub = subscribes_to_own(m);
	g->flush_ev = event_new(base, -1, 0, on_flush, g);
	if (!g->flush_ev || event_priority_set(g->flush_ev, 0)) {
		snprintf(err, errlen, "out of memory setting up GOOSE");
		goose_run_free(g);
		return -ENOMEM;
	}
	struct acsi_gpub_io io = { .send = pub_send, .wake = pub_wake, .ctx = g };
	net_goose_mac(g->eth, io.src_mac);
	if ((r = acsi_gpub_new(m, &clk, &io, &g->pub, err, errlen))) {
		goose_run_free(g);
		return r;
	}
	acsi_gpub_start(g->pub);
	log_msg(LOGL_NOTICE, LOGC_NET, "GOOSE on %s: publishing %u GoCB(s), %u subscription(s)%s",
		ifname, (unsigned)n_pub, (unsigned)n_sub,
		g->own_sub ? " (own frames delivered to the subscriber directly)" : "");
	*out = g;
	return 0;
}

void goose_run_free(struct goose_run *g)
{
	if (!g)
		return;
	if (g->pub) {
		struct acsi_gpub_stats st;
		acsi_gpub_stats(g->pub, &st);
		log_msg(LOGL_NOTICE, LOGC_NET, "GOOSE on %s: %llu frame(s) sent (%llu send errors), "
			"%llu event(s); change to send p50 %u us, p99 %u us, max %u us",
			g->ifname, (unsigned long long)st.frames, (unsigned long long)st.send_errors,
			(unsigned long long)st.events, (unsigned)st.lat_p50_us,
			(unsigned)st.lat_p99_us, (unsigned)st.lat_max_us);
	}
	if (g->sub) {
		struct acsi_gsub_stats st;
		acsi_gsub_stats(g->sub, &st);
		log_msg(LOGL_NOTICE, LOGC_NET, "GOOSE on %s: %llu frame(s) received, %llu delivered, "
			"%llu refused, %llu malformed, %llu for no subscription", g->ifname,
			(unsigned long long)st.frames, (unsigned long long)st.delivered,
			(unsigned long long)st.refused, (unsigned long long)st.malformed,
			(unsigned long long)st.unmatched);
	}
	acsi_gpub_free(g->pub);
	acsi_gsub_free(g->sub);
	if (g->flush_ev)
		event_free(g->flush_ev);
	net_goose_close(g->eth);
	free(g);
}

struct acsi_gsub *goose_run_sub(struct goose_run *g)
{
	return g ? g->sub : NULL;
}

struct acsi_gpub *goose_run_pub(struct goose_run *g)
{
	return g ? g->pub : NULL;
}
