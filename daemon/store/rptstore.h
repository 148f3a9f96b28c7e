/* SPDX-License-Identifier: Apache-2.0 */
/* Durable state of reporting (IEC 61850-7-2 §17.2.4: a BRCB's buffer is
 * kept across a restart of the server): each BRCB's entries, its EntryID
 * counter and what clients wrote into it, and the data sets clients
 * defined. The format is in doc/state-format.md.
 *
 * Two files in one directory: rpt.snap (a snapshot, replaced atomically)
 * and rpt.log (records appended since that snapshot). Records are batched
 * in memory and written and fdatasync'ed by rptstore_sync, which the
 * caller calls on its timer (every 100 ms); when the log has grown past
 * the snapshot and cfg.compact_min, the next sync writes a new snapshot of
 * what is live and starts an empty log. Nothing blocks except those writes.
 *
 * Life cycle:
 *   rptstore_open           reads both files (a damaged or foreign one is
 *                           renamed *.bad-<time>, with one log line)
 *   rptstore_datasets       the data sets kept, to define them again
 *   rptstore_load_rcb       once per BRCB of the model: its state
 *   rptstore_load_done      forgets BRCBs not loaded, writes a fresh
 *                           snapshot; from here on records are written
 *   rptstore_entry ...      as things happen (no I/O)
 *   rptstore_sync           on the timer
 *   rptstore_flush          at SIGTERM: everything, plus the clean-stop mark
 *   rptstore_close
 * A last run that ended without rptstore_flush is an unclean stop: every
 * BRCB's state says so (its first report carries BufOvfl) and its counter
 * is moved on by 2^32, so no EntryID given out but not yet written is ever
 * given again.
 *
 * A disk that refuses (full, read-only, I/O error): the records stay in
 * memory (up to cfg.max_pending octets; entries beyond it are not kept on
 * disk, and counted), the failure is logged once when it starts and once
 * when it clears, every sync tries again, and the call returns the error.
 *
 * Entries are opaque octets here (report_buf.h's stored form); the store
 * sees proto and libc only. One thread; the caller's `now` (monotonic
 * milliseconds) only paces retries. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rptstore;

/* Log levels as syslog(3) priorities (3 error, 4 warning, 5 notice, 6 info). */
typedef void rptstore_log_fn(void *arg, int level, const char *msg);

struct rptstore_cfg {
	const char *dir;	/* the state directory; created (0700) if missing */
	/* The SCL's identity, e.g. "IED1 sha256:<hex of the file>" (at most
	 * 255 octets): state written under another is set aside. */
	const char *scl_id;
	int64_t wall;		/* seconds since 1970, for the *.bad-<time> names */
	size_t compact_min;	/* 0: 4 MiB */
	size_t max_pending;	/* 0: 64 MiB */
	rptstore_log_fn *log;	/* may be NULL */
	void *log_arg;
	/* Test seam: asked before every write, fdatasync and rename with the
	 * operation's name ("write", "sync", "rename"); a negative errno makes
	 * that operation fail so. NULL in service. */
	int (*fault)(void *arg, const char *op);
	void *fault_arg;
	/* The log's fdatasync on a thread of the store's own (the daemon),
	 * so that the caller's loop only writes (to the page cache): a sync
	 * hands the octets written to the thread and returns; the next sync
	 * takes its result (a failed one is written and synced again from
	 * the same offset) and hands on what came meanwhile. rptstore_flush
	 * and compaction wait for it. `fault` is then also asked on that
	 * thread. false: every sync is done inside rptstore_sync. */
	bool sync_thread;
};

/* What a client wrote into one BRCB (report_buf.h's rpt_persist_cfg). */
struct rptstore_rcb_cfg {
	char rpt_id[130];
	char datset[130];
	uint32_t conf_rev;
	uint16_t opt_flds;
	uint8_t trg_ops;
	uint32_t intg_pd, buf_tm;
	int16_t resv_tms;
	char owner[130];
	uint64_t entry_pos;
};

struct rptstore_rcb_state {
	bool has_cfg;
	struct rptstore_rcb_cfg cfg;
	uint64_t last_id;	/* the EntryID counter (moved on after an unclean stop) */
	bool unclean;		/* the last run did not stop cleanly */
};

/* Opens and reads the state in cfg->dir (cfg is copied; its strings too).
 * 0, or -errno when the directory cannot be used at all (*out NULL then).
 * Damaged files do not fail the open: they are set aside. */
int rptstore_open(const struct rptstore_cfg *cfg, struct rptstore **out);
void rptstore_close(struct rptstore *s);

/* Data sets kept, oldest definition first (strings valid during each()). */
void rptstore_datasets(struct rptstore *s,
		       void (*each)(void *arg, const char *ld, const char *name,
				    const char *const *refs, uint32_t n),
		       void *arg);

/* The state of BRCB `key` (at most 200 octets): fills *st and calls
 * entry() for each entry held, ids ascending (body valid during the call;
 * a nonzero return stops the calls and is returned). State kept under
 * another ConfRev than scl_conf_rev is discarded, with one log line, and
 * the files holding it are kept as *.bad-<time>. Once per key, before
 * rptstore_load_done; a key never loaded then is forgotten. 0, -EINVAL
 * (key too long), -EALREADY (loaded before), -ENOMEM. */
int rptstore_load_rcb(struct rptstore *s, const char *key, uint32_t scl_conf_rev,
		      struct rptstore_rcb_state *st,
		      int (*entry)(void *arg, uint64_t id, const uint8_t toe[6],
				   const uint8_t *body, size_t len),
		      void *arg);
/* Ends loading: writes a snapshot of what was loaded and starts a new log
 * (on a refusing disk: retried by later syncs). Returns as sync does. */
int rptstore_load_done(struct rptstore *s, int64_t now);

/* Records (no I/O; written at the next sync). Calls for a key that was
 * never loaded are ignored (and logged once); so are entries before
 * rptstore_load_done (config, dropped and data sets then change what
 * load_done's snapshot holds). entry: body in the stored
 * form of report_buf.h, at most 17 MiB; ids ascending per key. */
void rptstore_entry(struct rptstore *s, const char *key, uint64_t id, const uint8_t toe[6],
		    const uint8_t *body, size_t len);
/* Entries of key with id <= through are gone. */
void rptstore_dropped(struct rptstore *s, const char *key, uint64_t through);
void rptstore_config(struct rptstore *s, const char *key, const struct rptstore_rcb_cfg *cfg);
/* A client-defined persistent data set (defined again: replaced). Names at
 * most 255 octets, at most 65535 members; longer ones are not kept. */
void rptstore_dataset_defined(struct rptstore *s, const char *ld, const char *name,
			      const char *const *refs, uint32_t n);
void rptstore_dataset_deleted(struct rptstore *s, const char *ld, const char *name);

/* Writes what is batched and fdatasyncs it (nothing to do: no I/O);
 * compacts when due. 0 or the disk's -errno (kept in memory, retried).
 * With cfg.sync_thread the fdatasync runs on the store's thread and its
 * error comes from the next call. */
int rptstore_sync(struct rptstore *s, int64_t now);
/* As sync, plus the clean-stop mark. For SIGTERM, before rptstore_close. */
int rptstore_flush(struct rptstore *s, int64_t now);

struct rptstore_stats {
	uint64_t written;	/* octets written to the log and snapshots */
	uint64_t syncs;		/* fdatasyncs that succeeded */
	uint64_t compactions;
	uint64_t lost;		/* entries not kept on disk (max_pending) */
	size_t pending;		/* octets batched now */
	size_t log_size, snap_size;
	bool unclean;		/* what open found */
	bool failing;		/* the disk refuses now */
};
void rptstore_get_stats(const struct rptstore *s, struct rptstore_stats *out);
