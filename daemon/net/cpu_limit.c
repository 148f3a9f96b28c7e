/* SPDX-License-Identifier: Apache-2.0 */
#include "cpu_limit.h"

#include <assert.h>
#include <stdlib.h>

/* Headroom kept out of the shares of the busy associations, for the light
 * ones and for one read's overshoot each. */
#define RESERVE_DIV 16
/* Clients may always use budget / FLOOR_DIV per window. */
#define FLOOR_DIV 10

struct cpu_limit {
	unsigned percent;
	uint64_t window_us, quiet_us;
	cpu_limit_clock_fn clock;
	void *clock_ctx;
	int64_t budget_ns;		/* per window */

	uint64_t gen;			/* current window: [gen, gen + 1) * window_us */
	uint64_t win_end_us;
	int64_t tokens_ns;		/* the bucket at the last window start */
	uint64_t cpu_last_ns;		/* process CPU when this window was started (first look) */
	bool started;			/* cpu_last_ns is valid */
	int64_t avail_ns;		/* the window's budget for reading */
	uint64_t clients_ns;		/* charged in this window */
	uint64_t overdraft_ns;		/* of that, light reads past the budget */
	unsigned n_active, n_active_prev;
	/* saturated: deferred for having used their share; what they had
	 * spent then. Next window they share what the others left. */
	unsigned n_sat;
	uint64_t sat_ns;
	int64_t share_sat_ns;		/* this window's share of a saturated one; -1: none */
	int64_t other_ns;		/* last window's CPU outside reads */

	struct cpu_limit_user *head, *tail;	/* deferred, oldest first */
	unsigned n_deferred;
	uint64_t due_us;		/* when the queue is resumed */
	uint64_t defer_since_us;	/* the queue became non-empty */
	bool over;			/* avail used up since over_since_us */
	uint64_t over_since_us;
	bool throttling;
	uint64_t last_deferral_us;

	uint64_t throttled_us, over_us, deferrals;
};

struct cpu_limit *cpu_limit_new(const struct cpu_limit_cfg *cfg, uint64_t now_us)
{
	assert(cfg->cpu_ns);
	if (cfg->percent > CPU_LIMIT_MAX_PERCENT)
		return NULL;
	struct cpu_limit *cl = calloc(1, sizeof(*cl));
	if (!cl)
		return NULL;
	cl->percent = cfg->percent;
	cl->window_us = cfg->window_us ? cfg->window_us : CPU_LIMIT_WINDOW_US;
	cl->quiet_us = cfg->quiet_us ? cfg->quiet_us : CPU_LIMIT_QUIET_US;
	cl->clock = cfg->cpu_ns;
	cl->clock_ctx = cfg->clock_ctx;
	/* percent of one core over one window, in ns: window_us * 1000 * p / 100 */
	cl->budget_ns = (int64_t)(cl->window_us * 10u * cl->percent);
	cl->gen = now_us / cl->window_us;
	cl->win_end_us = (cl->gen + 1) * cl->window_us;
	cl->tokens_ns = cl->avail_ns = cl->budget_ns;
	return cl;
}

void cpu_limit_free(struct cpu_limit *cl)
{
	if (!cl)
		return;
	assert(!cl->head);
	free(cl);
}

bool cpu_limit_enabled(const struct cpu_limit *cl)
{
	return cl->percent > 0;
}

void cpu_limit_user_init(struct cpu_limit_user *u, void *owner)
{
	*u = (struct cpu_limit_user){ .gen = UINT64_MAX, .sat_gen = UINT64_MAX, .owner = owner };
}

static void unlink_user(struct cpu_limit *cl, struct cpu_limit_user *u)
{
	if (u->prev)
		u->prev->next = u->next;
	else
		cl->head = u->next;
	if (u->next)
		u->next->prev = u->prev;
	else
		cl->tail = u->prev;
	u->prev = u->next = NULL;
	u->deferred = false;
	cl->n_deferred--;
}

void cpu_limit_user_clear(struct cpu_limit *cl, struct cpu_limit_user *u)
{
	if (u->deferred)
		unlink_user(cl, u);
}

/* Starts the window of now_us when it is a later one: the bucket gets one
 * budget per window passed and pays what the process spent meanwhile. */
static void roll(struct cpu_limit *cl, uint64_t now_us, uint64_t cpu)
{
	uint64_t g = now_us / cl->window_us;
	if (g <= cl->gen && cl->started)
		return;
	if (!cl->started) {
		/* the first look: nothing is known to have been spent */
		cl->started = true;
		cl->cpu_last_ns = cpu;
	}
	uint64_t k = g > cl->gen ? g - cl->gen : 0;
	if (k > 1000000000u)
		k = 1000000000u; /* k * budget_ns stays far from overflow */
	int64_t t = cl->tokens_ns - (int64_t)(cpu - cl->cpu_last_ns) + (int64_t)k * cl->budget_ns;
	if (t > cl->budget_ns)
		t = cl->budget_ns;
	if (t < -cl->budget_ns)
		t = -cl->budget_ns;
	/* max-min fairness, one window behind: the associations that used
	 * their share last time split what the others did not need */
	cl->share_sat_ns = -1;
	/* the work outside reads (GOOSE, timers, sources, the loop itself),
	 * expected as last time */
	int64_t other = (int64_t)(cpu - cl->cpu_last_ns) - (int64_t)cl->clients_ns;
	cl->other_ns = k == 1 && other > 0 ? other : 0;
	if (k == 1 && cl->n_sat) {
		/* the others: the light associations and that work */
		int64_t unsat = (int64_t)(cl->clients_ns - cl->sat_ns);
		int64_t s = t - t / RESERVE_DIV - unsat - cl->other_ns;
		cl->share_sat_ns = s > 0 ? s / (int64_t)cl->n_sat : 0;
	}
	cl->n_sat = 0;
	cl->sat_ns = 0;
	cl->tokens_ns = t;
	cl->avail_ns = t;
	cl->cpu_last_ns = cpu;
	cl->n_active_prev = k == 1 ? cl->n_active : 0;
	cl->n_active = 0;
	cl->clients_ns = 0;
	cl->overdraft_ns = 0;
	cl->gen = g;
	cl->win_end_us = (g + 1) * cl->window_us;
}

static void defer(struct cpu_limit *cl, struct cpu_limit_user *u, uint64_t now_us, bool used_up)
{
	u->deferred = true;
	u->next = NULL;
	u->prev = cl->tail;
	if (cl->tail)
		cl->tail->next = u;
	else
		cl->head = u;
	cl->tail = u;
	if (!cl->n_deferred++) {
		cl->defer_since_us = now_us;
		cl->due_us = cl->win_end_us;
	}
	if (used_up && !cl->over) {
		cl->over = true;
		cl->over_since_us = now_us;
	}
	cl->deferrals++;
	cl->throttling = true;
	cl->last_deferral_us = now_us;
}

bool cpu_limit_may_read(struct cpu_limit *cl, struct cpu_limit_user *u, uint64_t now_us)
{
	if (!cl->percent)
		return true;
	if (u->deferred)
		return false;
	uint64_t cpu = cl->clock(cl->clock_ctx);
	roll(cl, now_us, cpu);
	if (u->gen != cl->gen) {
		bool last = u->gen != UINT64_MAX && u->gen + 1 == cl->gen;
		u->prev_spent_ns = last ? u->spent_ns : 0;
		u->was_sat = last && u->sat_gen == u->gen;
		u->gen = cl->gen;
		u->spent_ns = 0;
		cl->n_active++;
	}
	u->t0_ns = cpu;

	int64_t used = (int64_t)(cpu - cl->cpu_last_ns);
	int64_t rem = cl->avail_ns - used;
	int64_t floor = cl->budget_ns / FLOOR_DIV;
	int64_t base = cl->avail_ns > floor ? cl->avail_ns : floor;
	unsigned n = cl->n_active > cl->n_active_prev ? cl->n_active : cl->n_active_prev;
	int64_t share = cl->share_sat_ns >= 0 ?
				cl->share_sat_ns :
				(base - base / RESERVE_DIV - cl->other_ns) / (int64_t)n;
	if (share < floor / (int64_t)n)
		share = floor / (int64_t)n; /* the clients' tenth, whatever else runs */
	bool over_share = (int64_t)u->spent_ns >= share;
	/* an association that was not cut last window may spend twice what
	 * it spent then: the saturated shares left that room for it */
	int64_t limit = share;
	if (!u->was_sat && 2 * (int64_t)u->prev_spent_ns > limit)
		limit = 2 * (int64_t)u->prev_spent_ns;
	bool over_limit = (int64_t)u->spent_ns >= limit;
	/* shares bind only while the window's spending runs ahead of the
	 * budget's pace: a load under the limit is never cut */
	uint64_t start = cl->gen * cl->window_us;
	uint64_t into = now_us > start ? now_us - start : 0;
	bool ahead = (double)used > (double)cl->avail_ns * (double)into / (double)cl->window_us;
	/* past the budget, a light association (not cut for its share last
	 * window, under its limit now) still reads from an overdraft of a
	 * sixteenth of the budget, which the bucket pays back in the next
	 * window: a spike of the work that is never cut, or the loop's own
	 * cost of waking up for it, does not stall it */
	u->overdraft = rem <= 0 && !u->was_sat && !over_limit &&
		       (int64_t)cl->overdraft_ns < base / RESERVE_DIV;
	bool ok = rem > 0 ? !over_limit || !ahead :
			    !over_limit && ((int64_t)cl->clients_ns < floor || u->overdraft);
	/* cut with the budget used up: the busiest (above the average) count
	 * as saturated too, so the next window's shares are cut to fit */
	if (!ok && (over_share || (rem <= 0 && cl->n_active &&
				   u->spent_ns >= cl->clients_ns / cl->n_active))) {
		cl->n_sat++;
		cl->sat_ns += u->spent_ns;
		u->sat_gen = cl->gen;
	}
	if (!ok)
		defer(cl, u, now_us, rem <= 0);
	return ok;
}

void cpu_limit_charge(struct cpu_limit *cl, struct cpu_limit_user *u)
{
	if (!cl->percent)
		return;
	uint64_t cpu = cl->clock(cl->clock_ctx);
	uint64_t d = cpu > u->t0_ns ? cpu - u->t0_ns : 0;
	if (u->gen == cl->gen)
		u->spent_ns += d;
	cl->clients_ns += d;
	if (u->overdraft)
		cl->overdraft_ns += d;
}

uint64_t cpu_limit_next(const struct cpu_limit *cl)
{
	if (cl->n_deferred)
		return cl->due_us;
	if (cl->throttling)
		return cl->last_deferral_us + cl->quiet_us;
	return CPU_LIMIT_NEVER;
}

void cpu_limit_tick(struct cpu_limit *cl, uint64_t now_us,
		    void (*resume)(struct cpu_limit_user *u, void *ctx), void *ctx)
{
	if (cl->n_deferred && now_us >= cl->due_us) {
		cl->throttled_us += now_us - cl->defer_since_us;
		if (cl->over) {
			cl->over_us += now_us - cl->over_since_us;
			cl->over = false;
		}
		roll(cl, now_us, cl->clock(cl->clock_ctx));
		/* those deferred meanwhile (none, unless a callback defers) wait
		 * for the next round */
		unsigned n = cl->n_deferred;
		while (n-- && cl->head) {
			struct cpu_limit_user *u = cl->head;
			unlink_user(cl, u);
			resume(u, ctx);
		}
	}
	if (cl->throttling && !cl->n_deferred && now_us >= cl->last_deferral_us + cl->quiet_us)
		cl->throttling = false;
}

void cpu_limit_get_stats(const struct cpu_limit *cl, struct cpu_limit_stats *st)
{
	*st = (struct cpu_limit_stats){
		.percent = cl->percent,
		.window_us = cl->window_us,
		.cpu_ns = cl->clock(cl->clock_ctx),
		.throttled_us = cl->throttled_us,
		.over_us = cl->over_us,
		.deferrals = cl->deferrals,
		.deferred = cl->n_deferred,
		.throttling = cl->throttling,
	};
}
