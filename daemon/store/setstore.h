/* SPDX-License-Identifier: Apache-2.0 */
/* Durable settings: the values clients wrote to attributes of FC CF, DC,
 * SP and SE, kept across a restart (README "Durable settings"; the format
 * is in doc/state-format.md, "settings.snap").
 *
 * One file in the state directory, settings.snap: a versioned header with
 * the SCL identity, then one record per written variable (its object
 * reference, its MMS TypeDescription as the type signature, its value as
 * MMS Data BER), then a checksum. It is small (what engineers set by hand),
 * so every change rewrites it whole: temporary file, fdatasync, rename,
 * fsync of the directory. Changes are kept in memory (no I/O) and written
 * by setstore_sync, which the caller calls on its timer.
 *
 * A file that is damaged (short, bad checksum, bad lengths), of another
 * format version, or written for another SCL file (scl_id) is set aside:
 * renamed settings.snap.bad-<time>, never deleted, with one log line that
 * names the file and why; the store then starts empty (the SCL values
 * stay). setstore_set_aside does the same for a reason the caller finds
 * (an attribute whose type changed): the file is kept as it was, the
 * caller drops the entries it refuses and the next sync writes the rest.
 *
 * Keys and values are opaque octets here; the store sees libc only. One
 * thread; the caller's `now` (monotonic milliseconds) paces retries. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct setstore;

/* Log levels as syslog(3) priorities (3 error, 4 warning, 5 notice, 6 info). */
typedef void setstore_log_fn(void *arg, int level, const char *msg);

#define SETSTORE_VERSION 1
#define SETSTORE_KEY_MAX 255		/* octets of an object reference */
#define SETSTORE_SIG_MAX 65535		/* octets of a type signature */
#define SETSTORE_VAL_MAX (1u << 20)	/* octets of one value */
#define SETSTORE_MAX_ENTRIES 65536
#define SETSTORE_FILE_MAX (64u << 20)

struct setstore_cfg {
	const char *dir;	/* the state directory; created (0700) if missing */
	const char *scl_id;	/* the SCL's identity (rpt_persist_scl_id), at most 255 octets */
	int64_t wall;		/* seconds since 1970, for the *.bad-<time> names */
	setstore_log_fn *log;	/* may be NULL */
	void *log_arg;
	/* Test seam: asked before every write, fdatasync and rename ("write",
	 * "sync", "rename"); a negative errno makes it fail so. NULL in service. */
	int (*fault)(void *arg, const char *op);
	void *fault_arg;
};

/* Opens and reads cfg->dir/settings.snap (cfg and its strings are copied).
 * 0, or -errno when the directory cannot be used at all (*out NULL then);
 * a damaged or foreign file does not fail the open: it is set aside. */
int setstore_open(const struct setstore_cfg *cfg, struct setstore **out);
void setstore_close(struct setstore *s);

/* The entries held, oldest write first (so that a later write of a part
 * overrides an earlier write of the whole). A nonzero return of each()
 * stops and is returned. Pointers valid during the call. */
int setstore_each(const struct setstore *s,
		  int (*each)(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
			      const uint8_t *val, size_t val_len),
		  void *arg);
size_t setstore_count(const struct setstore *s);

/* Records a written value (replacing the key's old one and moving it to
 * the end). No I/O. 0, -EINVAL (limits above), -ENOMEM. */
int setstore_put(struct setstore *s, const char *key, const uint8_t *sig, size_t sig_len,
		 const uint8_t *val, size_t val_len);
/* Forgets key (no I/O); false when it was not held. */
bool setstore_remove(struct setstore *s, const char *key);

/* Renames settings.snap to settings.snap.bad-<time> (the file as it is on
 * disk) with one log line naming it and `why`. Once per open; later calls
 * only log. 0 or -errno. */
int setstore_set_aside(struct setstore *s, const char *why);

/* Writes the file when something changed since the last write (nothing
 * changed: no I/O). 0 or the disk's -errno (the change stays in memory
 * and a later sync, at least 1 s on, tries again; logged once when the
 * failure starts and once when it clears). */
int setstore_sync(struct setstore *s, int64_t now);

struct setstore_stats {
	uint64_t writes;	/* files written */
	size_t entries;
	bool dirty;		/* changes not on disk */
	bool failing;
	bool set_aside;		/* what open (or setstore_set_aside) did */
};
void setstore_get_stats(const struct setstore *s, struct setstore_stats *out);

/* The parser, for the fuzzer and the tests: checks buf[len] as a
 * settings.snap for scl_id and calls each() per record (as setstore_each).
 * 0, or -EBADMSG / -EPROTO (version) / -ESTALE (other scl_id) with a
 * reason in why[why_n]. */
int setstore_parse(const uint8_t *buf, size_t len, const char *scl_id,
		   int (*each)(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
			       const uint8_t *val, size_t val_len),
		   void *arg, char *why, size_t why_n);
