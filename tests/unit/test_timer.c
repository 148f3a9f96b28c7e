/* SPDX-License-Identifier: Apache-2.0 */
/* The sans-I/O timer queue (daemon/util/timer.c) on a fake clock: nothing
 * here sleeps or reads the time. Ordering (also of ties), cancel, re-arm,
 * thousands of timers against a reference, and callbacks that cancel, add,
 * re-arm or free timers while timer_process runs. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"
#include "timer.h"

/* Fired timers are recorded by the id in their arg. */
static int fired[64];
static size_t n_fired;

static void record(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	ck_assert(n_fired < 64);
	fired[n_fired++] = (int)(intptr_t)arg;
}

static void reset_record(void)
{
	n_fired = 0;
}

START_TEST(ordering)
{
	struct timer_queue q;
	struct timer t[6];
	static const uint64_t at[6] = { 50, 10, 30, 10, 40, 20 };

	timer_queue_init(&q);
	reset_record();
	ck_assert_uint_eq(timer_next(&q), TIMER_NEVER);
	ck_assert_uint_eq(timer_process(&q, 1000), TIMER_NEVER);
	for (int i = 0; i < 6; i++) {
		timer_init(&t[i], record, (void *)(intptr_t)i);
		ck_assert(!timer_armed(&t[i]));
		ck_assert_int_eq(timer_arm(&q, &t[i], at[i]), 0);
		ck_assert(timer_armed(&t[i]));
	}
	ck_assert_uint_eq(timer_next(&q), 10);
	/* nothing is due before the first deadline */
	ck_assert_uint_eq(timer_process(&q, 9), 10);
	ck_assert_uint_eq(n_fired, 0);
	/* due means deadline <= now; ties fire in the order they were armed */
	ck_assert_uint_eq(timer_process(&q, 20), 30);
	ck_assert_uint_eq(n_fired, 3);
	ck_assert_int_eq(fired[0], 1);
	ck_assert_int_eq(fired[1], 3);
	ck_assert_int_eq(fired[2], 5);
	ck_assert(!timer_armed(&t[1]));
	ck_assert_uint_eq(timer_process(&q, 100), TIMER_NEVER);
	ck_assert_uint_eq(n_fired, 6);
	ck_assert_int_eq(fired[3], 2);
	ck_assert_int_eq(fired[4], 4);
	ck_assert_int_eq(fired[5], 0);
	timer_queue_clear(&q);
}
END_TEST

START_TEST(cancel_and_rearm)
{
	struct timer_queue q;
	struct timer t[5];

	timer_queue_init(&q);
	reset_record();
	for (int i = 0; i < 5; i++) {
		timer_init(&t[i], record, (void *)(intptr_t)i);
		timer_arm(&q, &t[i], 10 * (uint64_t)(i + 1)); /* 10 20 30 40 50 */
	}
	/* cancel from the middle of the heap and from its top; twice is a no-op */
	timer_cancel(&q, &t[2]);
	timer_cancel(&q, &t[2]);
	ck_assert(!timer_armed(&t[2]));
	timer_cancel(&q, &t[0]);
	ck_assert_uint_eq(timer_next(&q), 20);
	/* re-arm moves: t[4] earlier than all, t[1] later than all */
	timer_arm(&q, &t[4], 5);
	timer_arm(&q, &t[1], 60);
	ck_assert_uint_eq(timer_next(&q), 5);
	/* a cancelled timer armed again is an ordinary timer */
	timer_arm(&q, &t[2], 45);
	ck_assert_uint_eq(timer_process(&q, 1000), TIMER_NEVER);
	ck_assert_uint_eq(n_fired, 4);
	ck_assert_int_eq(fired[0], 4);
	ck_assert_int_eq(fired[1], 3);
	ck_assert_int_eq(fired[2], 2);
	ck_assert_int_eq(fired[3], 1);
	timer_queue_clear(&q);
}
END_TEST

/* Thousands of timers with random deadlines, some re-armed and some
 * cancelled, processed in random steps of the fake clock: each armed timer
 * fires exactly once, in the first step whose `now` reaches its deadline,
 * and deadlines never go backwards. */
struct many {
	struct timer t;
	uint64_t deadline;	/* the expected one; 0: cancelled */
	uint64_t fired_at;
	int fires;
};
static uint64_t clock_now, last_deadline;

static void many_fired(struct timer_queue *q, struct timer *t, void *arg)
{
	struct many *m = arg;
	(void)q;
	ck_assert_uint_le(t->deadline, clock_now);
	ck_assert_uint_ge(t->deadline, last_deadline);
	last_deadline = t->deadline;
	m->fires++;
	m->fired_at = clock_now;
}

START_TEST(many_timers)
{
	enum { N = 20000 };
	struct timer_queue q;
	struct many *m = calloc(N, sizeof(*m));
	uint64_t prev = 0;

	ck_assert_ptr_nonnull(m);
	srand(61850);
	timer_queue_init(&q);
	clock_now = last_deadline = 0;
	for (int i = 0; i < N; i++) {
		timer_init(&m[i].t, many_fired, &m[i]);
		m[i].deadline = 1 + (uint64_t)(rand() % 1000000);
		ck_assert_int_eq(timer_arm(&q, &m[i].t, m[i].deadline), 0);
	}
	for (int i = 0; i < N; i += 3) {
		if (i % 2) {
			timer_cancel(&q, &m[i].t);
			m[i].deadline = 0;
		} else {
			m[i].deadline = 1 + (uint64_t)(rand() % 1000000);
			timer_arm(&q, &m[i].t, m[i].deadline);
		}
	}
	while (timer_next(&q) != TIMER_NEVER) {
		prev = clock_now;
		clock_now += 1 + (uint64_t)(rand() % 5000);
		uint64_t next = timer_process(&q, clock_now);
		ck_assert(next == TIMER_NEVER || next > clock_now);
	}
	for (int i = 0; i < N; i++) {
		if (!m[i].deadline) {
			ck_assert_int_eq(m[i].fires, 0);
			continue;
		}
		ck_assert_int_eq(m[i].fires, 1);
		ck_assert_uint_ge(m[i].fired_at, m[i].deadline);
	}
	(void)prev;
	timer_queue_clear(&q);
	free(m);
}
END_TEST

/* Callbacks that change the queue while timer_process runs. */
struct nest {
	struct timer_queue *q;
	struct timer a, b, c, d;
	int fa, fb, fc, fd;
	uint64_t now;
};

static void a_cancels_b_adds_c(struct timer_queue *q, struct timer *t, void *arg)
{
	struct nest *n = arg;
	(void)t;
	n->fa++;
	timer_cancel(q, &n->b);		/* due in this same call: must not fire */
	timer_arm(q, &n->c, n->now);	/* due "at once": fires on the next call */
	timer_arm(q, &n->a, n->now - 5); /* itself, in the past: next call too */
}

static void count_b(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	((struct nest *)arg)->fb++;
}

static void count_c(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	((struct nest *)arg)->fc++;
}

static void count_d(struct timer_queue *q, struct timer *t, void *arg)
{
	(void)q;
	(void)t;
	((struct nest *)arg)->fd++;
}

START_TEST(callbacks_change_the_queue)
{
	struct timer_queue q;
	struct nest n = { .q = &q, .now = 100 };

	timer_queue_init(&q);
	timer_init(&n.a, a_cancels_b_adds_c, &n);
	timer_init(&n.b, count_b, &n);
	timer_init(&n.c, count_c, &n);
	timer_init(&n.d, count_d, &n);
	timer_arm(&q, &n.a, 10);
	timer_arm(&q, &n.b, 20);
	timer_arm(&q, &n.d, 30);
	uint64_t next = timer_process(&q, 100);
	ck_assert_int_eq(n.fa, 1);
	ck_assert_int_eq(n.fb, 0);	/* cancelled by a before its turn */
	ck_assert_int_eq(n.fc, 0);	/* armed inside: not in this call */
	ck_assert_int_eq(n.fd, 1);	/* d still fires after the others changed */
	ck_assert(!timer_armed(&n.b));
	ck_assert(timer_armed(&n.a) && timer_armed(&n.c));
	/* "at once" and "in the past" became now + 1, ready for the next call */
	ck_assert_uint_eq(next, 101);
	/* at the same `now`, the next call does not fire them either */
	ck_assert_uint_eq(timer_process(&q, 100), 101);
	ck_assert_int_eq(n.fc, 0);
	n.now = 101;
	/* a fires again (and re-arms itself and c again for now + 1) */
	ck_assert_uint_eq(timer_process(&q, 101), 102);
	ck_assert_int_eq(n.fa, 2);
	ck_assert_int_eq(n.fc, 1);
	timer_queue_clear(&q);
	ck_assert(!timer_armed(&n.a));
}
END_TEST

/* A callback frees the object holding its own timer, and another one. */
struct owned {
	struct timer t;
	struct owned **peer;	/* freed (and cancelled) by this one's callback */
	int *count;
};

static void free_self_and_peer(struct timer_queue *q, struct timer *t, void *arg)
{
	struct owned *o = arg;
	(void)t;
	(*o->count)++;
	if (o->peer && *o->peer) {
		timer_cancel(q, &(*o->peer)->t);
		free(*o->peer);
		*o->peer = NULL;
	}
	free(o);
}

START_TEST(callback_frees_its_owner)
{
	struct timer_queue q;
	struct owned *x = calloc(1, sizeof(*x)), *y = calloc(1, sizeof(*y));
	int count = 0;

	timer_queue_init(&q);
	ck_assert(x && y);
	x->count = y->count = &count;
	x->peer = &y;
	timer_init(&x->t, free_self_and_peer, x);
	timer_init(&y->t, free_self_and_peer, y);
	timer_arm(&q, &x->t, 1);
	timer_arm(&q, &y->t, 2);
	/* ASan run: neither freed timer is touched again */
	ck_assert_uint_eq(timer_process(&q, 10), TIMER_NEVER);
	ck_assert_int_eq(count, 1);
	ck_assert_ptr_null(y);
	timer_queue_clear(&q);
}
END_TEST

static Suite *timer_suite(void)
{
	Suite *s = suite_create("timer");
	TCase *tc = tcase_create("timer");
	tcase_add_test(tc, ordering);
	tcase_add_test(tc, cancel_and_rearm);
	tcase_add_test(tc, many_timers);
	tcase_add_test(tc, callbacks_change_the_queue);
	tcase_add_test(tc, callback_frees_its_owner);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(timer_suite)
