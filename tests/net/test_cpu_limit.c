/* SPDX-License-Identifier: Apache-2.0 */
/* The CPU limit's core (daemon/net/cpu_limit.c) on a fake CPU clock and a
 * fake wall clock: a small single-core scheduler plays the event loop.
 * Ready associations are served in the order they became ready (epoll's
 * ready list), a busy one is ready again at once, a light one once per
 * period; serving costs CPU and the same wall time; a deferred association
 * is not ready until the limiter resumes it. Nothing here sleeps. Last,
 * the read gate of the connection object (conn.h) over a socketpair.
 */
#include <check.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn.h"
#include "cpu_limit.h"

#define MAX_USERS 32

struct fake_cpu {
	uint64_t ns;
	unsigned calls;
};

static uint64_t fake_clock(void *ctx)
{
	struct fake_cpu *f = ctx;
	f->calls++;
	return f->ns;
}

struct sim_user {
	struct cpu_limit_user lu;
	uint64_t cost_ns;	/* CPU per read */
	uint64_t period_us;	/* 0: busy (always has a request); else one per period */
	uint64_t next_req_us;	/* light: when its next request arrives */
	uint64_t req_at_us;	/* light: arrival of the request waiting */
	bool waiting;		/* light: a request is there */
	bool queued;		/* in the run queue */
	uint64_t reads, cpu_ns, deferrals, max_latency_us;
	uint64_t deferred_at_us;
	uint64_t resume_late_us;	/* worst resume after the window boundary */
};

struct sim {
	struct fake_cpu cpu;
	uint64_t now_us;
	struct cpu_limit *cl;
	struct sim_user u[MAX_USERS];
	size_t n;
	/* the run queue, FIFO */
	struct sim_user *rq[MAX_USERS];
	size_t rq_head, rq_len;
	uint64_t bg_ns_per_window;	/* work that is never cut, per 100 ms */
	uint64_t overhead_ns;		/* per read, outside may_read..charge (the loop's own) */
	uint64_t spike_ns;		/* uncut work once a second (a scan of every source) */
	uint64_t spike_next_us;
	uint64_t bg_next_us;
	uint64_t resumes;
	uint64_t window_us;
};

static void rq_push(struct sim *s, struct sim_user *u)
{
	ck_assert(!u->queued && s->rq_len < MAX_USERS);
	s->rq[(s->rq_head + s->rq_len++) % MAX_USERS] = u;
	u->queued = true;
}

static struct sim_user *rq_pop(struct sim *s)
{
	if (!s->rq_len)
		return NULL;
	struct sim_user *u = s->rq[s->rq_head];
	s->rq_head = (s->rq_head + 1) % MAX_USERS;
	s->rq_len--;
	u->queued = false;
	return u;
}

static void on_resume(struct cpu_limit_user *lu, void *ctx)
{
	struct sim *s = ctx;
	struct sim_user *u = lu->owner;
	/* the boundary that ended the deferral: the first after it began */
	uint64_t boundary = (u->deferred_at_us / s->window_us + 1) * s->window_us;
	ck_assert_uint_ge(s->now_us, boundary);
	if (s->now_us - boundary > u->resume_late_us)
		u->resume_late_us = s->now_us - boundary;
	s->resumes++;
	if (!u->period_us || u->waiting)
		rq_push(s, u);
}

static void sim_init(struct sim *s, unsigned percent)
{
	*s = (struct sim){ .now_us = 1000000, .window_us = CPU_LIMIT_WINDOW_US };
	const struct cpu_limit_cfg cfg = { .percent = percent, .cpu_ns = fake_clock,
					   .clock_ctx = &s->cpu };
	s->cl = cpu_limit_new(&cfg, s->now_us);
	ck_assert_ptr_nonnull(s->cl);
	s->bg_next_us = s->now_us;
}

static struct sim_user *sim_add(struct sim *s, uint64_t cost_ns, uint64_t period_us)
{
	ck_assert(s->n < MAX_USERS);
	struct sim_user *u = &s->u[s->n++];
	*u = (struct sim_user){ .cost_ns = cost_ns, .period_us = period_us,
				.next_req_us = s->now_us };
	cpu_limit_user_init(&u->lu, u);
	if (!period_us)
		rq_push(s, u);
	return u;
}

static void sim_free(struct sim *s)
{
	for (size_t i = 0; i < s->n; i++)
		cpu_limit_user_clear(s->cl, &s->u[i].lu);
	cpu_limit_free(s->cl);
}

/* Spends CPU (and the same wall time: one core). */
static void spend(struct sim *s, uint64_t ns)
{
	s->cpu.ns += ns;
	s->now_us += (ns + 999) / 1000;
}

/* The timers and arrivals due at now. */
static void sim_due(struct sim *s)
{
	if (s->bg_ns_per_window && s->now_us >= s->bg_next_us) {
		spend(s, s->bg_ns_per_window);
		s->bg_next_us += s->window_us;
	}
	if (s->spike_ns && s->now_us >= s->spike_next_us) {
		spend(s, s->spike_ns);
		s->spike_next_us += 1000000;
	}
	if (cpu_limit_next(s->cl) <= s->now_us)
		cpu_limit_tick(s->cl, s->now_us, on_resume, s);
	for (size_t i = 0; i < s->n; i++) {
		struct sim_user *u = &s->u[i];
		if (u->period_us && !u->waiting && s->now_us >= u->next_req_us) {
			u->waiting = true;
			u->req_at_us = u->next_req_us;
			u->next_req_us += u->period_us;
			if (!u->lu.deferred)
				rq_push(s, u);
		}
	}
}

/* The next time something happens while nobody is ready. */
static uint64_t sim_next_event(const struct sim *s)
{
	uint64_t t = cpu_limit_next(s->cl);
	if (s->bg_ns_per_window && s->bg_next_us < t)
		t = s->bg_next_us;
	if (s->spike_ns && s->spike_next_us < t)
		t = s->spike_next_us;
	for (size_t i = 0; i < s->n; i++)
		if (s->u[i].period_us && !s->u[i].waiting && s->u[i].next_req_us < t)
			t = s->u[i].next_req_us;
	return t;
}

static void sim_run(struct sim *s, uint64_t for_us)
{
	uint64_t end = s->now_us + for_us;
	while (s->now_us < end) {
		sim_due(s);
		struct sim_user *u = rq_pop(s);
		if (!u) {
			uint64_t t = sim_next_event(s);
			ck_assert_msg(t != CPU_LIMIT_NEVER, "nothing will ever happen");
			s->now_us = t > s->now_us ? t : s->now_us;
			continue;
		}
		if (!cpu_limit_may_read(s->cl, &u->lu, s->now_us)) {
			ck_assert(u->lu.deferred);
			u->deferrals++;
			u->deferred_at_us = s->now_us;
			ck_assert_uint_eq(cpu_limit_next(s->cl), (s->now_us / s->window_us + 1) *
								       s->window_us);
			continue;
		}
		spend(s, u->cost_ns);
		cpu_limit_charge(s->cl, &u->lu);
		spend(s, s->overhead_ns);
		u->reads++;
		u->cpu_ns += u->cost_ns;
		if (u->period_us) {
			uint64_t lat = s->now_us - u->req_at_us;
			if (lat > u->max_latency_us)
				u->max_latency_us = lat;
			u->waiting = false;
		} else {
			rq_push(s, u);
		}
	}
}

static uint64_t total_client_cpu(const struct sim *s)
{
	uint64_t t = 0;
	for (size_t i = 0; i < s->n; i++)
		t += s->u[i].cpu_ns;
	return t;
}

/* One busy association at 20 %: iedd's CPU over 10 s stays at the budget
 * (within 20 % + 2 points), reads are deferred, time over is counted. */
START_TEST(throttles_at_budget)
{
	struct sim s;
	sim_init(&s, 20);
	struct sim_user *u = sim_add(&s, 20000, 0);
	uint64_t cpu0 = s.cpu.ns;
	sim_run(&s, 10000000);
	double pct = (double)(s.cpu.ns - cpu0) / 10e9 * 100;
	if (getenv("CPU_LIMIT_TEST_VERBOSE"))
		fprintf(stderr, "one busy: %.2f %% CPU, %llu deferrals\n", pct,
			(unsigned long long)u->deferrals);
	ck_assert_msg(pct <= 22.0 && pct >= 15.0, "CPU %.2f %% for a 20 %% budget", pct);
	ck_assert_uint_gt(u->deferrals, 50);
	ck_assert_uint_le(u->resume_late_us, 20);
	struct cpu_limit_stats st;
	cpu_limit_get_stats(s.cl, &st);
	ck_assert_uint_eq(st.percent, 20);
	ck_assert_uint_eq(st.cpu_ns, s.cpu.ns);
	ck_assert_uint_eq(st.deferrals, u->deferrals);
	ck_assert(st.throttling);
	/* deferred about 80 ms of every 100 ms */
	ck_assert_msg(st.throttled_us > 6000000 && st.throttled_us < 9000000, "throttled %llu us",
		      (unsigned long long)st.throttled_us);
	sim_free(&s);
}
END_TEST

/* Without a limit the clock is never read and nothing is ever deferred. */
START_TEST(no_limit_no_cost)
{
	struct sim s;
	sim_init(&s, 0);
	ck_assert(!cpu_limit_enabled(s.cl));
	struct sim_user *u = sim_add(&s, 20000, 0);
	sim_run(&s, 2000000);
	ck_assert_uint_eq(u->deferrals, 0);
	ck_assert_uint_eq(s.cpu.calls, 0);
	ck_assert_uint_eq(cpu_limit_next(s.cl), CPU_LIMIT_NEVER);
	/* the whole core went to the client */
	ck_assert_uint_ge(s.cpu.ns, 1990000000u);
	struct cpu_limit_stats st;
	cpu_limit_get_stats(s.cl, &st);
	ck_assert_uint_eq(st.percent, 0);
	ck_assert_uint_eq(st.deferrals, 0);
	ck_assert(!st.throttling);
	sim_free(&s);
}
END_TEST

/* A budget the load never reaches: nothing deferred, nothing armed. */
START_TEST(under_budget_nothing_armed)
{
	struct sim s;
	sim_init(&s, 50);
	struct sim_user *a = sim_add(&s, 50000, 10000);
	struct sim_user *b = sim_add(&s, 100000, 5000);
	sim_run(&s, 3000000);
	ck_assert_uint_eq(a->deferrals + b->deferrals, 0);
	ck_assert_uint_ge(a->reads, 299);
	ck_assert_uint_ge(b->reads, 599);
	ck_assert_uint_eq(cpu_limit_next(s.cl), CPU_LIMIT_NEVER);
	sim_free(&s);

	/* one association far above an equal share, the total under the
	 * budget: not cut either */
	sim_init(&s, 80);
	struct sim_user *big = sim_add(&s, 50000, 100);
	for (int i = 0; i < 3; i++)
		sim_add(&s, 30000, 1000);
	sim_run(&s, 3000000);
	for (size_t i = 0; i < s.n; i++)
		ck_assert_uint_eq(s.u[i].deferrals, 0);
	ck_assert_uint_ge(big->reads, 29000);
	ck_assert_uint_eq(cpu_limit_next(s.cl), CPU_LIMIT_NEVER);
	sim_free(&s);
}
END_TEST

/* Four busy associations and a light one (a read every 10 ms): the busy
 * ones are deferred, the light one never, and it waits for at most the
 * reads queued in front of it; also when the loop spends a quarter as much
 * again outside the reads, and with a spike of 3 ms of uncut work (a scan)
 * once a second. */
START_TEST(busy_before_light)
{
	struct sim s;
	sim_init(&s, 20);
	s.overhead_ns = 5000;
	s.spike_ns = 3000000;
	s.spike_next_us = s.now_us + 350000;
	struct sim_user *busy[4];
	for (int i = 0; i < 4; i++)
		busy[i] = sim_add(&s, 20000, 0);
	struct sim_user *light = sim_add(&s, 50000, 10000);
	sim_run(&s, 10000000);
	for (int i = 0; i < 4; i++)
		ck_assert_uint_gt(busy[i]->deferrals, 50);
	ck_assert_uint_eq(light->deferrals, 0);
	ck_assert_uint_ge(light->reads, 999);
	ck_assert_msg(light->max_latency_us <= 4 * 25 + 25 + 50 + 3000 + 5, "light waited %llu us",
		      (unsigned long long)light->max_latency_us);
	double pct = (double)s.cpu.ns / 10e9 * 100;
	if (getenv("CPU_LIMIT_TEST_VERBOSE"))
		fprintf(stderr, "busy+light: %.2f %%, light max wait %llu us\n", pct,
			(unsigned long long)light->max_latency_us);
	ck_assert_msg(pct <= 22.0 && pct >= 15.0, "CPU %.2f %%", pct);
	sim_free(&s);

	/* sixteen busy ones, and a light one whose ten reads a window cost
	 * (cold caches) two thirds of a busy one's share: still never cut */
	sim_init(&s, 20);
	s.overhead_ns = 5000;
	for (int i = 0; i < 16; i++)
		sim_add(&s, 15000, 0);
	light = sim_add(&s, 60000, 10000);
	/* the first windows of the flood, before any history, may cut it */
	sim_run(&s, 500000);
	light->deferrals = light->max_latency_us = 0;
	uint64_t cpu0 = s.cpu.ns;
	sim_run(&s, 10000000);
	if (getenv("CPU_LIMIT_TEST_VERBOSE"))
		fprintf(stderr, "16 busy + light: light deferred %llu, max wait %llu us, CPU %.2f %%\n",
			(unsigned long long)light->deferrals,
			(unsigned long long)light->max_latency_us,
			(double)(s.cpu.ns - cpu0) / 10e9 * 100);
	ck_assert_uint_eq(light->deferrals, 0);
	ck_assert_uint_le(light->max_latency_us, 16 * 20 + 20 + 60 + 5);
	pct = (double)(s.cpu.ns - cpu0) / 10e9 * 100;
	ck_assert_msg(pct <= 22.0 && pct >= 15.0, "CPU %.2f %%", pct);
	sim_free(&s);
}
END_TEST

/* Equally busy associations share the budget: each within a wide margin
 * of an equal part; with unequal costs per read, CPU (not reads) is what
 * is shared. */
START_TEST(round_robin_fairness)
{
	struct sim s;
	sim_init(&s, 20);
	for (int i = 0; i < 8; i++)
		sim_add(&s, 15000, 0);
	sim_run(&s, 10000000);
	uint64_t total = total_client_cpu(&s);
	for (size_t i = 0; i < s.n; i++) {
		double part = (double)s.u[i].cpu_ns / (double)total;
		if (getenv("CPU_LIMIT_TEST_VERBOSE"))
			fprintf(stderr, "equal %zu: %.3f\n", i, part);
		ck_assert_msg(part > 0.125 * 0.7 && part < 0.125 * 1.3, "user %zu: %.3f of the CPU",
			      i, part);
	}
	ck_assert_uint_gt(s.resumes, 8 * 50);
	sim_free(&s);

	sim_init(&s, 20);
	for (int i = 0; i < 4; i++)
		sim_add(&s, i < 2 ? 10000 : 40000, 0);
	sim_run(&s, 10000000);
	total = total_client_cpu(&s);
	for (size_t i = 0; i < s.n; i++) {
		double part = (double)s.u[i].cpu_ns / (double)total;
		if (getenv("CPU_LIMIT_TEST_VERBOSE"))
			fprintf(stderr, "unequal %zu: %.3f\n", i, part);
		ck_assert_msg(part > 0.25 * 0.7 && part < 0.25 * 1.3,
			      "user %zu (%llu ns a read): %.3f of the CPU", i,
			      (unsigned long long)s.u[i].cost_ns, part);
	}
	sim_free(&s);
}
END_TEST

/* A deferred association is resumed at the window boundary, not before;
 * the resume deadline is the boundary. */
START_TEST(resumes_at_boundary)
{
	struct fake_cpu cpu = { 0 };
	const struct cpu_limit_cfg cfg = { .percent = 10, .cpu_ns = fake_clock, .clock_ctx = &cpu };
	uint64_t now = 5000000; /* a boundary */
	struct cpu_limit *cl = cpu_limit_new(&cfg, now);
	struct sim s = { .window_us = CPU_LIMIT_WINDOW_US, .now_us = now };
	struct sim_user su = { .period_us = 0 };
	cpu_limit_user_init(&su.lu, &su);
	ck_assert_ptr_eq(su.lu.owner, &su);
	ck_assert_uint_eq(cpu_limit_next(cl), CPU_LIMIT_NEVER);
	/* one read of 12 ms spends the 10 ms budget of the window */
	ck_assert(cpu_limit_may_read(cl, &su.lu, now));
	cpu.ns += 12000000;
	now += 12000;
	cpu_limit_charge(cl, &su.lu);
	ck_assert(!cpu_limit_may_read(cl, &su.lu, now));
	su.deferred_at_us = now;
	ck_assert_uint_eq(cpu_limit_next(cl), 5100000);
	/* early: nothing happens */
	s.now_us = 5099999;
	cpu_limit_tick(cl, s.now_us, on_resume, &s);
	ck_assert_uint_eq(s.resumes, 0);
	ck_assert(su.lu.deferred);
	s.now_us = 5100000;
	cpu_limit_tick(cl, s.now_us, on_resume, &s);
	ck_assert_uint_eq(s.resumes, 1);
	ck_assert(!su.lu.deferred);
	su.queued = false;
	/* the 2 ms debt is paid from the new window: 8 ms left */
	ck_assert(cpu_limit_may_read(cl, &su.lu, s.now_us));
	cpu.ns += 7000000;
	cpu_limit_charge(cl, &su.lu);
	ck_assert(cpu_limit_may_read(cl, &su.lu, s.now_us + 7000));
	cpu.ns += 1500000;
	cpu_limit_charge(cl, &su.lu);
	ck_assert(!cpu_limit_may_read(cl, &su.lu, s.now_us + 8500));
	struct cpu_limit_stats st;
	cpu_limit_get_stats(cl, &st);
	ck_assert_uint_eq(st.deferrals, 2);
	ck_assert_uint_eq(st.deferred, 1);
	ck_assert_uint_eq(st.throttled_us, 100000 - 12000);
	ck_assert_uint_eq(st.over_us, 100000 - 12000);
	/* a user that goes while deferred leaves the queue */
	cpu_limit_user_clear(cl, &su.lu);
	ck_assert(!su.lu.deferred);
	cpu_limit_get_stats(cl, &st);
	ck_assert_uint_eq(st.deferred, 0);
	cpu_limit_free(cl);
}
END_TEST

/* Idle costs nothing: once the flood is over, the quiet time ends the
 * episode with one more deadline, then nothing is armed and the clock is
 * not read while nobody reads. */
START_TEST(idle_costs_nothing)
{
	struct sim s;
	sim_init(&s, 20);
	sim_add(&s, 20000, 0);
	sim_run(&s, 1000000);
	/* the flood stops: the busy one is gone */
	cpu_limit_user_clear(s.cl, &s.u[0].lu);
	s.n = 0;
	s.rq_len = 0;
	uint64_t next = cpu_limit_next(s.cl);
	ck_assert_uint_ne(next, CPU_LIMIT_NEVER);
	struct cpu_limit_stats st;
	cpu_limit_get_stats(s.cl, &st);
	ck_assert(st.throttling);
	uint64_t last_deferral = s.u[0].deferred_at_us;
	ck_assert_uint_eq(next, last_deferral + CPU_LIMIT_QUIET_US);
	/* with the queue emptied, the next deadline ends the episode */
	s.resumes = 0;
	s.now_us = cpu_limit_next(s.cl);
	cpu_limit_tick(s.cl, s.now_us, on_resume, &s);
	ck_assert_uint_eq(s.resumes, 0);
	ck_assert_uint_eq(cpu_limit_next(s.cl), CPU_LIMIT_NEVER);
	cpu_limit_get_stats(s.cl, &st);
	ck_assert(!st.throttling);
	unsigned calls = s.cpu.calls;
	/* an hour of idleness (GOOSE and timers spending 1 % meanwhile): no
	 * clock read, and the next read is not deferred for that old CPU */
	s.now_us += 3600000000ull;
	s.cpu.ns += 36000000000ull;
	ck_assert_uint_eq(s.cpu.calls, calls);
	struct cpu_limit_user lu;
	cpu_limit_user_init(&lu, NULL);
	ck_assert(cpu_limit_may_read(s.cl, &lu, s.now_us));
	cpu_limit_charge(s.cl, &lu);
	ck_assert_uint_eq(cpu_limit_next(s.cl), CPU_LIMIT_NEVER);
	cpu_limit_user_clear(s.cl, &lu);
	cpu_limit_free(s.cl);
}
END_TEST

/* Work that is never cut (GOOSE, reports, sources) over the whole budget:
 * clients still get a tenth of it, and the deferral ends at each
 * boundary. */
START_TEST(uncut_work_over_budget)
{
	struct sim s;
	sim_init(&s, 10);
	s.bg_ns_per_window = 15000000; /* 15 % of a core against a 10 % budget */
	struct sim_user *u = sim_add(&s, 20000, 0);
	sim_run(&s, 5000000);
	/* a tenth of the 10 ms budget per window, 50 windows */
	ck_assert_msg(u->cpu_ns >= 40000000 && u->cpu_ns <= 80000000, "client got %llu ns",
		      (unsigned long long)u->cpu_ns);
	struct cpu_limit_stats st;
	cpu_limit_get_stats(s.cl, &st);
	if (getenv("CPU_LIMIT_TEST_VERBOSE"))
		fprintf(stderr, "uncut: client %llu ns, over %llu us\n",
			(unsigned long long)u->cpu_ns, (unsigned long long)st.over_us);
	ck_assert_uint_gt(st.over_us, 3000000);
	sim_free(&s);
}
END_TEST

START_TEST(rejects_bad_percent)
{
	struct fake_cpu cpu = { 0 };
	const struct cpu_limit_cfg cfg = { .percent = CPU_LIMIT_MAX_PERCENT + 1,
					   .cpu_ns = fake_clock, .clock_ctx = &cpu };
	ck_assert_ptr_null(cpu_limit_new(&cfg, 0));
}
END_TEST

/* The read gate of the connection object (conn.h may_read/read_done), as
 * net/server.c uses it: a "no" pauses reading, so the bytes stay in the
 * socket and the loop does not ask again; resumed, they arrive. */
struct gate {
	bool allow;
	int asked, done, data;
	size_t got;
};

static bool g_may_read(struct conn *c, void *arg)
{
	struct gate *g = arg;
	(void)c;
	g->asked++;
	return g->allow;
}

static void g_read_done(struct conn *c, void *arg)
{
	struct gate *g = arg;
	(void)c;
	g->done++;
}

static size_t g_data(struct conn *c, void *arg, const uint8_t *data, size_t len)
{
	struct gate *g = arg;
	(void)c;
	(void)data;
	g->data++;
	g->got += len;
	return len;
}

static void g_end(struct conn *c, void *arg, enum conn_end why, int err)
{
	(void)c;
	(void)arg;
	(void)why;
	(void)err;
}

static const struct conn_cbs gate_cbs = { .on_data = g_data, .on_end = g_end,
					  .may_read = g_may_read, .read_done = g_read_done };

static void turns(struct event_base *b)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(b, EVLOOP_NONBLOCK);
}

START_TEST(conn_read_gate)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	struct event_base *b = event_base_new();
	struct conn_loop *l = conn_loop_new(b);
	struct gate g = { .allow = true };
	struct conn *c = conn_new(l, sv[0], &gate_cbs, &g);
	ck_assert_ptr_nonnull(c);

	ck_assert_int_eq(send(sv[1], "abcd", 4, 0), 4);
	turns(b);
	ck_assert_int_eq(g.asked, 1);
	ck_assert_int_eq(g.data, 1);
	ck_assert_int_eq(g.done, 1);

	g.allow = false;
	ck_assert_int_eq(send(sv[1], "efgh", 4, 0), 4);
	turns(b);
	turns(b);
	/* asked once, then paused: no spinning on a readable socket */
	ck_assert_int_eq(g.asked, 2);
	ck_assert_int_eq(g.data, 1);
	ck_assert_int_eq(g.done, 1);
	ck_assert_uint_eq(g.got, 4);
	/* the bytes wait in the socket, not in iedd */
	ck_assert_int_eq(send(sv[1], "ijkl", 4, 0), 4);
	turns(b);
	ck_assert_int_eq(g.asked, 2);

	g.allow = true;
	conn_set_read_paused(c, false);
	turns(b);
	ck_assert_int_eq(g.asked, 3);
	ck_assert_int_eq(g.done, 2);
	ck_assert_uint_eq(g.got, 12);

	/* paused by the session itself, the same */
	conn_set_read_paused(c, true);
	ck_assert_int_eq(send(sv[1], "mn", 2, 0), 2);
	turns(b);
	ck_assert_int_eq(g.asked, 3);
	conn_set_read_paused(c, false);
	turns(b);
	ck_assert_uint_eq(g.got, 14);

	conn_free(c);
	conn_loop_free(l);
	event_base_free(b);
	close(sv[1]);
}
END_TEST

static Suite *cpu_limit_suite(void)
{
	Suite *s = suite_create("cpu_limit");
	TCase *tc = tcase_create("cpu_limit");
	tcase_add_test(tc, throttles_at_budget);
	tcase_add_test(tc, no_limit_no_cost);
	tcase_add_test(tc, under_budget_nothing_armed);
	tcase_add_test(tc, busy_before_light);
	tcase_add_test(tc, round_robin_fairness);
	tcase_add_test(tc, resumes_at_boundary);
	tcase_add_test(tc, idle_costs_nothing);
	tcase_add_test(tc, uncut_work_over_budget);
	tcase_add_test(tc, rejects_bad_percent);
	tcase_add_test(tc, conn_read_gate);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cpu_limit_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
