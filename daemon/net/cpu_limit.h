/* SPDX-License-Identifier: Apache-2.0 */
/* The CPU limit: a budget of `percent` per cent of one core that iedd keeps
 * by deferring reads from its associations, never by delaying GOOSE,
 * report timers, control timeouts or the source scan (those are not asked;
 * their CPU counts against the budget all the same).
 *
 * Sans-I/O: the process CPU clock (all threads: the loop and the source
 * threads) is a function the caller injects; the wall clock is `now_us`
 * passed in (CLOCK_MONOTONIC µs in the daemon). Nothing here sleeps, logs or
 * arms anything: the edge (net/server.c) asks cpu_limit_next() for the one
 * deadline to arm and calls cpu_limit_tick() when it comes.
 *
 * The budget: time is cut into windows of window_us (100 ms), aligned to
 * multiples of window_us; each window adds percent % of it to a token
 * bucket that holds at most one window's budget and owes at most one
 * window's budget (a debt beyond that is forgiven, so work that is never
 * cut cannot starve the clients for ever). Whatever iedd spent since the
 * last look is taken from the bucket when a window starts; what the bucket
 * holds then is the window's budget for reading ("avail").
 *
 * The decision, before each read of an association (cpu_limit_may_read):
 *   - its share is avail, less a sixteenth kept as headroom, divided among
 *     the associations that read in this window (or the previous one,
 *     whichever are more). When some used their share in the last window
 *     ("saturated"), the share is instead an equal part of what the others
 *     left then: the light associations and the work outside reads (GOOSE,
 *     timers, sources, the loop itself). That is max-min fairness one
 *     window behind: a light association is not cut for a busy one, and
 *     what a light one leaves is not wasted. An association not cut for
 *     its share last window may spend up to twice what it spent then (the
 *     saturated shares left that room), so a light one whose few requests
 *     cost about a busy one's share still goes through;
 *   - while the window's spending runs ahead of the budget's pace (more
 *     spent than avail * time into the window / window), an association
 *     that has used its share is deferred: the busiest go first, and a load
 *     under the limit is never cut;
 *   - once avail is used up (the work that is never cut counts too), every
 *     association is deferred, except that clients together may always use
 *     a tenth of the budget per window (GOOSE, reports and sources alone
 *     over the budget do not end every association by timeout), and a
 *     light association (not cut for its share last window, under its
 *     limit now) reads on from an overdraft of a sixteenth of the budget,
 *     which the bucket pays back in the next window (a spike of uncut work
 *     does not stall it).
 * A deferred association is queued (FIFO) and stops being read, so its
 * requests wait in TCP, not in iedd's memory; at the next window boundary
 * the whole queue is resumed in the order it was deferred (round robin) by
 * the one timer of cpu_limit_next(). With nobody deferred nothing is armed,
 * and with percent 0 nothing is measured at all.
 *
 * Thread: the event loop's. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define CPU_LIMIT_NEVER UINT64_MAX
#define CPU_LIMIT_WINDOW_US 100000u	/* default window: 100 ms */
#define CPU_LIMIT_QUIET_US 10000000u	/* an episode ends after 10 s without deferral */
#define CPU_LIMIT_MAX_PERCENT 100u

/* Process CPU time in ns (CLOCK_PROCESS_CPUTIME_ID in the daemon). */
typedef uint64_t (*cpu_limit_clock_fn)(void *ctx);

struct cpu_limit_cfg {
	unsigned percent;		/* of one core, 1..CPU_LIMIT_MAX_PERCENT; 0: no limit */
	uint64_t window_us;		/* 0: CPU_LIMIT_WINDOW_US */
	uint64_t quiet_us;		/* 0: CPU_LIMIT_QUIET_US */
	cpu_limit_clock_fn cpu_ns;	/* required */
	void *clock_ctx;
};

/* One association's account, embedded in its owner; cpu_limit_user_init
 * before use, cpu_limit_user_clear before it goes. Fields are the
 * limiter's. */
struct cpu_limit_user {
	uint64_t gen;			/* window `spent_ns` belongs to */
	uint64_t spent_ns;		/* CPU charged in that window */
	uint64_t t0_ns;			/* process CPU when the current read began */
	uint64_t prev_spent_ns;		/* charged in the window before `gen` */
	uint64_t sat_gen;		/* last window it was cut for its share in */
	bool was_sat;			/* cut for its share in the window before `gen` */
	struct cpu_limit_user *prev, *next;	/* in the deferred queue */
	bool deferred;
	bool overdraft;			/* the current read is on the overdraft */
	void *owner;			/* the caller's, for the resume callback */
};

struct cpu_limit_stats {
	unsigned percent;		/* the limit; 0: none */
	uint64_t window_us;
	uint64_t cpu_ns;		/* process CPU time used so far (all threads) */
	uint64_t throttled_us;		/* wall time some association waited (ended waits) */
	uint64_t over_us;		/* wall time the window's budget was used up (ended) */
	uint64_t deferrals;		/* reads deferred */
	unsigned deferred;		/* associations waiting now */
	bool throttling;		/* deferring now, or within quiet_us of the last deferral */
};

struct cpu_limit;

/* NULL on out of memory or a percent above CPU_LIMIT_MAX_PERCENT (the
 * caller validates first). `now_us` starts the first window. */
struct cpu_limit *cpu_limit_new(const struct cpu_limit_cfg *cfg, uint64_t now_us);
/* The queue must be empty (every user cleared). NULL: no-op. */
void cpu_limit_free(struct cpu_limit *cl);
/* percent > 0. */
bool cpu_limit_enabled(const struct cpu_limit *cl);

void cpu_limit_user_init(struct cpu_limit_user *u, void *owner);
/* Leaves the queue if deferred. */
void cpu_limit_user_clear(struct cpu_limit *cl, struct cpu_limit_user *u);

/* Before one read of `u`: true, read now (then cpu_limit_charge after the
 * read's processing); false, `u` is deferred: stop reading it until the
 * resume callback of cpu_limit_tick names it. Always true without a limit. */
bool cpu_limit_may_read(struct cpu_limit *cl, struct cpu_limit_user *u, uint64_t now_us);
/* After the read that cpu_limit_may_read allowed: charges `u` the process
 * CPU spent since. */
void cpu_limit_charge(struct cpu_limit *cl, struct cpu_limit_user *u);

/* The one deadline the caller keeps armed: the window boundary while
 * someone is deferred, the end of the quiet time while an episode lasts,
 * else CPU_LIMIT_NEVER. */
uint64_t cpu_limit_next(const struct cpu_limit *cl);
/* The deadline has come (early calls do nothing): every deferred user is
 * handed to resume(u, ctx), oldest first, and leaves the queue first; the
 * callback may clear users. Ends the episode when quiet. */
void cpu_limit_tick(struct cpu_limit *cl, uint64_t now_us,
		    void (*resume)(struct cpu_limit_user *u, void *ctx), void *ctx);

void cpu_limit_get_stats(const struct cpu_limit *cl, struct cpu_limit_stats *st);
