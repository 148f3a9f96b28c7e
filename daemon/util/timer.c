/* SPDX-License-Identifier: Apache-2.0 */
#include "timer.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

void timer_queue_init(struct timer_queue *q)
{
	*q = (struct timer_queue){ 0 };
}

void timer_queue_clear(struct timer_queue *q)
{
	for (size_t i = 0; i < q->n; i++)
		q->heap[i]->slot = TIMER_UNARMED;
	free(q->heap);
	*q = (struct timer_queue){ 0 };
}

void timer_init(struct timer *t, timer_fn fn, void *arg)
{
	*t = (struct timer){ .slot = TIMER_UNARMED, .fn = fn, .arg = arg };
}

static bool earlier(const struct timer *a, const struct timer *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void place(struct timer_queue *q, size_t i, struct timer *t)
{
	q->heap[i] = t;
	t->slot = i;
}

/* Moves the timer at slot i up or down until the heap order holds again. */
static void settle(struct timer_queue *q, size_t i)
{
	struct timer *t = q->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(t, q->heap[parent]))
			break;
		place(q, i, q->heap[parent]);
		i = parent;
	}
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= q->n)
			break;
		if (child + 1 < q->n && earlier(q->heap[child + 1], q->heap[child]))
			child++;
		if (!earlier(q->heap[child], t))
			break;
		place(q, i, q->heap[child]);
		i = child;
	}
	place(q, i, t);
}

int timer_arm(struct timer_queue *q, struct timer *t, uint64_t deadline)
{
	if (q->processing && deadline <= q->now)
		deadline = q->now + 1;
	t->deadline = deadline;
	t->seq = q->next_seq++;
	if (timer_armed(t)) {
		settle(q, t->slot);
		return 0;
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 16;
		struct timer **h = realloc(q->heap, cap * sizeof(*h));
		if (!h)
			return -ENOMEM;
		q->heap = h;
		q->cap = cap;
	}
	place(q, q->n++, t);
	settle(q, t->slot);
	return 0;
}

void timer_cancel(struct timer_queue *q, struct timer *t)
{
	if (!timer_armed(t))
		return;
	size_t i = t->slot;
	assert(i < q->n && q->heap[i] == t);
	t->slot = TIMER_UNARMED;
	struct timer *last = q->heap[--q->n];
	if (last != t) {
		place(q, i, last);
		settle(q, i);
	}
}

uint64_t timer_process(struct timer_queue *q, uint64_t now)
{
	assert(!q->processing);
	q->processing = true;
	q->now = now;
	while (q->n && q->heap[0]->deadline <= now) {
		struct timer *t = q->heap[0];
		timer_cancel(q, t);
		t->fn(q, t, t->arg);
	}
	q->processing = false;
	return timer_next(q);
}
