/* SPDX-License-Identifier: Apache-2.0 */
/* The process-variable runtime: source instances (daemon/pv/plugin.h),
 * the CSV map bound to the model and to the sources' points, the scan of
 * non-blocking sources on the event loop, one thread per blocking source
 * with a bounded queue towards the loop, conversion (kind, scale, offset),
 * the MV/CMV deadband, and the write hooks that take a client's write of a
 * mapped attribute to its source (DESIGN.md "How a value flows").
 *
 * Thread: everything here runs on the event loop's thread except the
 * blocking sources' threads (started by pv_start, joined by pv_stop) and
 * plugins calling host->push from their own threads; those two only touch
 * a source's queue (mutex) and the wake-up eventfd. The libevent side
 * (the eventfd event, and arming the scan timers on the loop's timer
 * queue) is daemon/net/pv_loop.c.
 *
 * Time: the scan schedule of the loop runs on a timer queue
 * (daemon/util/timer.h) whose owner passes `now`; every other reading
 * (timestamps of unstamped values, the blocking sources' schedules, the
 * time a plugin is offered as host->mono_ns/utc_ns) goes through the
 * pv_clock of the configuration, the real clocks by default, so tests run
 * the whole runtime on a fake clock. The one reading of its own: a
 * blocking source's thread sleeps on a condition variable, which waits on
 * CLOCK_MONOTONIC for the time the pv_clock has left to the next read. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <iedd/source.h>

#include "map.h"
#include "model.h"
#include "timer.h"

struct pv_source_cfg {
	const char *name;		/* instance name the map's source column uses */
	const char *plugin;		/* bare name or path (plugin_load) */
	bool force_thread;		/* run in a thread even if the plugin does not block */
	const struct iedd_param *params;
	size_t n_params;
	/* where it is configured: a source's messages (plugin not found,
	 * open() refused) start "file:line: source 'NAME': " when both are set */
	const char *file;		/* its iedd.xml; NULL: none */
	unsigned line;			/* the line of its <source> there; 0: unknown */
};

struct pv_scan_cfg {
	const char *name;
	uint32_t period_ms;
};

/* The clocks the runtime reads. Every function is called from the loop's
 * thread, the blocking sources' threads and plugins' threads alike: it
 * must be thread-safe. A NULL function: the real one (pv_real_clock). */
struct pv_clock {
	/* nanoseconds of a monotonic clock (the blocking sources' schedules;
	 * offered to plugins as host->mono_ns) */
	uint64_t (*mono_ns)(void *ctx);
	/* nanoseconds since 1970-01-01T00:00:00Z, leap seconds not counted
	 * (the timestamp of a value its source leaves at 0; host->utc_ns) */
	uint64_t (*utc_ns)(void *ctx);
	/* TimeQuality (IEC 61850-8-1 §8.1.3.7) of utc_ns's time; NULL: the
	 * kernel's NTP state (adjtimex(2)), as for the real clock */
	uint8_t (*quality)(void *ctx);
	void *ctx;
};

/* The real clocks: CLOCK_MONOTONIC, CLOCK_REALTIME and the kernel's NTP
 * state. What a pv_cfg without a clock gets. */
extern const struct pv_clock pv_real_clock;

struct pv_cfg {
	const char *plugindir;		/* for bare plugin names */
	const struct pv_source_cfg *sources;
	size_t n_sources;
	const struct pv_scan_cfg *scans;	/* named classes; "default" is implicit */
	size_t n_scans;
	uint32_t default_period_ms;	/* the class of rows without a scanClass */
	const struct map *map;		/* the caller's, needed during pv_new only; NULL: none */
	bool simulate;			/* map the whole model to the sim plugin instead */
	/* iedd --check: open every source with IEDD_HOST_CHECK, so it only
	 * checks parameters and addresses; a plugin that cannot be told
	 * (no IEDD_SOURCE_CHECK) is not opened at all and its rows'
	 * addresses are not resolved (logged as a warning). The pv is then
	 * only good for pv_n_rows and pv_free: no pv_start, scan or write. */
	bool check;
	/* the clocks to read; NULL: pv_real_clock. Copied by pv_new; ctx
	 * must outlive the pv. */
	const struct pv_clock *clock;	/* A reload (SIGHUP): the running pv this one replaces, stopped
	 * (pv_stop: its threads joined; the caller has drained its queue
	 * with pv_drain). Each of its sources whose name, plugin, thread
	 * flag and parameters are the same is kept open and taken over
	 * instead of opened again (the plugin's open() is not called, its
	 * connection or segment stays), bound to the new map. Only when
	 * pv_new succeeds do they change hands (and the model's write hooks
	 * become the new map's); pv_free(adopt) then closes only the sources
	 * not taken over. When pv_new fails, adopt is as it was and can be
	 * started again. NULL: open everything. */
	struct pv *adopt;
};

struct pv;

/* Loads the plugins, opens the instances and binds every map row: the
 * reference must name a basic attribute of the model whose type converts,
 * a row with w must be one a client's write can carry to a source
 * (pv_ref_carried: CF, DC, SP, SV, BL, and of CO only Oper.ctlVal),
 * no attribute may be mapped twice, the source must be configured, the
 * scan class known, and the plugin must accept the address (resolve()).
 * A row naming its LD by the inst alone is taken, with one warning per map
 * file (log, also in --check). Installs the write hooks in the model.
 * Returns 0 and *out, or a negative
 * errno with "file:line:column: problem" (or the plugin's message) in err.
 * `m` must outlive the pv. */
int pv_new(struct model *m, const struct pv_cfg *cfg, struct pv **out, char *err,
	   size_t errlen);
/* Stops threads, removes the write hooks (unless a newer pv took them
 * over), closes instances and unloads plugins, except sources a newer pv
 * took over (pv_cfg.adopt). */
void pv_free(struct pv *pv);

/* Starts the threads of blocking sources. 0 or a negative errno. */
int pv_start(struct pv *pv);
/* Stops and joins them (idempotent). */
void pv_stop(struct pv *pv);

size_t pv_n_rows(const struct pv *pv);
size_t pv_n_classes(const struct pv *pv);
uint32_t pv_class_period_ms(const struct pv *pv, size_t cls);
const char *pv_class_name(const struct pv *pv, size_t cls);
/* Whether any non-blocking source has rows in the class (the loop needs a
 * timer for it). */
bool pv_class_on_loop(const struct pv *pv, size_t cls);
/* Loop: one scan of a class: reads its non-blocking sources' rows and
 * updates the model; a value its source left unstamped (time_ns 0) gets
 * `utc_ns`, the scan's instant on the pv_clock's utc_ns. The scan timers
 * (pv_scan_arm) call it; a test may call it directly. */
void pv_scan(struct pv *pv, size_t cls, uint64_t utc_ns);
/* Loop: arms one struct timer per scan class that has rows of
 * non-blocking sources (pv_class_on_loop) on `q`, whose times are
 * microseconds of the monotonic clock `now_us` is read from (daemon/net
 * drives the loop's queue on CLOCK_MONOTONIC, a test its own queue on a
 * fake time). Each class scans first at `now_us` (at q's next
 * timer_process: not one period after start), then every period: the
 * timer's callback runs pv_scan with the pv_clock's UTC time and re-arms
 * the timer one period after the deadline it fired for; when the queue's
 * now has already passed that (the loop was held up, or the scan overran),
 * the missed periods are skipped, not caught up: the next scan is one
 * period after now. Arming again first cancels what an earlier call
 * armed (on any queue). The timers live in the pv: cancel them
 * (pv_scan_cancel) before q goes; pv_free cancels them too (a queue
 * cleared by timer_queue_clear has forgotten them, which is safe).
 * Returns 0, or -ENOMEM with none armed. Arming outside timer_process
 * does not wake q's owner: a driver that sleeps until q's next deadline
 * must look at it again (the loop's: loop_timer_kick). */
int pv_scan_arm(struct pv *pv, struct timer_queue *q, uint64_t now_us);
/* Cancels the scan timers armed by pv_scan_arm (no-op when none are). */
void pv_scan_cancel(struct pv *pv);
/* Scans of the class run so far (pv_scan calls: the timers' and direct). */
uint64_t pv_class_scans(const struct pv *pv, size_t cls);
/* The eventfd the source threads and push() signal; readable when
 * pv_drain has work. */
int pv_wake_fd(const struct pv *pv);
/* Loop: applies every queued update; one stamped 0 gets the pv_clock's
 * UTC time of this call. */
void pv_drain(struct pv *pv);

struct pv_stats {
	uint64_t scans, updates, dchg, qchg, dupd, bad_values, dropped, writes, write_errors;
};
void pv_get_stats(const struct pv *pv, struct pv_stats *st);
/* The sources, for the status page and metrics (any time on the loop). */
struct pv_source_info {
	const char *name, *plugin;	/* the pv's; valid while it lives */
	bool blocking;			/* on its own thread */
	bool down;			/* the last read failed as a whole */
	uint64_t reads, read_errors;	/* batches */
	uint64_t last_read_ns;		/* UTC; 0: never read (a push-only source) */
	uint64_t dropped;		/* updates lost to a full queue */
	size_t queued;			/* updates waiting for the loop */
};
size_t pv_n_sources(const struct pv *pv);
int pv_source_info(const struct pv *pv, size_t i, struct pv_source_info *out);
/* How many sources pv_new took over from pv_cfg.adopt. */
size_t pv_n_adopted(const struct pv *pv);

/* Whether a map row with w is allowed on the basic attribute `ref`
 * ("LD/LN.DO.DA[FC]") of FC `fc`: whether a client's write of it can be
 * carried to a source (model_fc_carried). The map check and the template's
 * rw suggestion both ask this. */
bool pv_ref_carried(const char *ref, uint8_t fc);

/* Writes a CSV map skeleton listing every mappable attribute of the model
 * (basic-type leaves outside arrays whose type converts, with their FC) by
 * its object reference (LD name, as MMS and iedc spell it), suggesting rw
 * where the map accepts w (pv_ref_carried), w for Oper.ctlVal[CO] (a
 * command only goes to the source), r elsewhere. Returns the
 * number of rows. */
size_t pv_print_template(const struct model *m, FILE *f);
/* Builds the --simulate map (source "sim") for the model: every MX
 * analogue value, every ST status and counter, and for each controllable
 * data object (ctlModel not status-only) a write row for Oper.ctlVal that
 * shares a sim `hold` point with the matching status (stVal, valWTr.posVal
 * or mxVal; schemas/map-format.md); a DPC's write row travels 60 ms
 * through intermediate-state (travel=60), the others act at once. The
 * caller frees it (map_free). 0 or -ENOMEM. */
int pv_simulate_map(const struct model *m, struct map **out);

/* How the simulated plant carries out the commands of one controllable
 * data object (iedd.xml <simulate><control ref=... travelMs=... fail=.../>). */
struct pv_sim_control {
	const char *ref;	/* "LD/LN.DO" (an SDO "LD/LN.DO.SDO"), LD by name */
	int travel_ms;		/* the time a command takes; < 0: the default */
	const char *fail;	/* sim hold fail=: refuse, stuck, intermediate, every:N; NULL or "": none */
};

struct pv_sim_cfg {
	/* travel time of a DPC (status Dbpos: passes through intermediate-state
	 * 00); < 0: 60 ms. Other controls take effect at once unless a
	 * pv_sim_control says otherwise. */
	int dpc_travel_ms;
	const struct pv_sim_control *controls;
	size_t n_controls;
};

/* pv_simulate_map with the simulated plant's settings (NULL: the
 * defaults). A control whose ref names no controllable data object of the
 * model (or one left animated: status-only) is refused: -EINVAL with the
 * reason in err[errlen]. 0, -EINVAL or -ENOMEM. */
int pv_simulate_map_cfg(const struct model *m, const struct pv_sim_cfg *cfg, struct map **out,
			char *err, size_t errlen);
