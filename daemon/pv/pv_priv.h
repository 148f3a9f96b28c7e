/* SPDX-License-Identifier: Apache-2.0 */
/* The process-variable runtime's own parts (pv.h is its interface),
 * private to pv/:
 *   pv.c          the clocks, binding the map to sources, start and end;
 *   pv_convert.c  conversion between source and model values, applying a
 *                 value (quality, time, deadband), the scans that read and
 *                 apply them on their timers, write errors;
 *   pv_thread.c   blocking sources on their own threads and the queues to and
 *                 from the loop, and the model's write hook.
 * Everything here runs on the event loop unless a field says otherwise. */
#pragma once
#include "pv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "deadband.h"
#include "log.h"
#include "mms_codes.h"
#include "objref.h"
#include "plugin.h"
#include "update.h"

/* Updates a source thread (or push) may have waiting for the loop, at
 * least; more for sources with many rows (two full scans). */
#define PV_QUEUE_MIN 1024
#define PV_QUEUE_MAX 262144
#define PV_WQUEUE 256

/* One bound map row. */
struct pv_row {
	struct model_attr attr;
	struct pv_src *src;
	void *point;
	double scale, offset;
	bool scaled;
	uint8_t dir;
	uint8_t kind;		/* enum iedd_kind the source exchanges */
	uint32_t cls;
	uint32_t line;
	char *ref;		/* the map's reference, for messages */
	bool bad_logged;	/* complained about a value that does not fit */
	/* deadband (mag of an MV / cVal.mag of a CMV): the companion instMag
	 * and the DO's db, zeroDb, rangeC.min/max (CF, read at each update
	 * since clients may write them) */
	bool deadband;
	bool has_inst, has_db, has_zdb, has_range;
	struct model_attr inst;
	uint32_t db_voff, zdb_voff;
	const struct mtype *min_t, *max_t;
	uint32_t min_voff, max_voff;
};

struct pv_msg {
	uint32_t row;
	struct iedd_value v;
};

/* A client's write towards a blocking source's thread, and its answer
 * back to the loop (the MMS Write response waits for it). */
struct pv_wmsg {
	uint32_t row;
	struct iedd_value v;
	struct model_write_wait *wait;	/* NULL: nobody waits */
	bool is_cmd;			/* a command for control(), not a write */
	struct iedd_command cmd;
};

struct pv_wres {
	struct model_write_wait *wait;
	int dae;
};

struct pv_group {
	struct pv_src *src;
	uint32_t cls;
	size_t n;
	uint32_t *rows;
	struct iedd_point *batch;
	struct timer due;	/* blocking sources: on the thread's queue (ns) */
};

struct point_ix {
	void *point;
	uint32_t row;
};

struct pv_src {
	/* the pv that owns it: written on the loop under `mu` when a reload's
	 * new pv takes the source over (pv_cfg.adopt); a plugin's push()
	 * reads it under `mu` */
	struct pv *pv;
	char *sig;			/* its configuration, for pv_cfg.adopt's comparison */
	char name[MAP_NAME_MAX];
	struct plugin *plugin;		/* shared; owned by pv->plugins */
	struct plugin_instance *inst;
	bool blocking;
	bool down;			/* the last read failed as a whole */
	uint64_t reads, read_errors;	/* batches read, failed (relaxed atomics) */
	uint64_t last_read_ns;		/* UTC of the last read (relaxed atomic) */
	struct pv_group *groups;
	size_t n_groups;
	struct point_ix *by_point;	/* sorted by point, for push() */
	size_t n_points;
	/* the queue towards the loop and the write queue towards the thread */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pv_msg *q;
	size_t qcap, qhead, qlen;
	uint64_t dropped;
	struct pv_wmsg *wq;
	size_t whead, wlen;
	struct pv_wres *wr;		/* answers; wlen + rlen <= PV_WQUEUE */
	size_t rhead, rlen;
	pthread_t thr;
	bool running, stop;
	/* the thread's schedule: one timer per group, times in ns of the
	 * pv_clock's mono_ns; the thread's own, no lock */
	struct timer_queue tq;
};

struct pv_class {
	struct pv *pv;
	char name[MAP_NAME_MAX];
	uint32_t period_ms;
	bool on_loop;
	uint64_t scans;
	struct timer timer;	/* on the loop's queue (pv_scan_arm), in us */
};

struct pv {
	struct model *model;
	struct pv_clock clock;
	struct timer_queue *scan_q;	/* the queue the scan timers are armed on */
	char map_file[256];	/* the map's name, for messages */
	struct pv_row *rows;
	size_t n_rows;
	struct pv_src **srcs;		/* each its own allocation: a reload's pv may take one over */
	size_t n_srcs;
	size_t n_adopted;		/* of srcs, taken over from pv_cfg.adopt */
	struct pv_class *classes;
	size_t n_classes;
	int wake_fd;
	struct pv_msg *drain_buf;
	size_t drain_cap;
	uint32_t *hook_voff, *hook_id;
	struct model_write_hooks hooks;
	bool hooks_installed;
	struct pv_stats st;
};

/* ---- pv.c ---- */

uint8_t pv_clock_time_quality(const struct pv *pv);
/* Appends to a source's queue under its lock; false when full. */
bool pv_enqueue_locked(struct pv_src *s, uint32_t row, const struct iedd_value *v);
uint64_t pv_now_mono_ns(const struct pv *pv);
uint64_t pv_now_utc_ns(const struct pv *pv);
uint64_t pv_real_ns(clockid_t id);
void pv_wake(struct pv *pv);

/* ---- pv_convert.c ---- */

/* The write errors dae_of_errno gives, by the standard's name. */
const char *pv_dae_name(int dae);
int pv_dae_of_errno(int rc);
/* A scan class's timer on the loop's queue (times in us): scans, then
 * re-arms one period after the deadline it fired for, or one period after
 * the queue's now when that has passed already (missed periods are
 * skipped, as libevent's persistent timers did before). */
void pv_on_scan_due(struct timer_queue *q, struct timer *t, void *arg);
void pv_read_group(struct pv_src *s, struct pv_group *g);

/* ---- pv_thread.c ---- */

int pv_write_hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call);
/* The model's command hook (update.h): a command for a row's source that
 * has control(). */
void pv_command_hook(void *ctx, struct model *m, const struct model_command *c,
		     struct model_command_result *out);
