/* SPDX-License-Identifier: Apache-2.0 */
/* The rooted file store behind the MMS file services (ISO 9506-2 Annex D,
 * IEC 61850-8-1 §23): the only code in iedd that opens paths a client
 * named. Every name is resolved beneath one root directory, with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) where the kernel has it
 * and a component-by-component walk (O_NOFOLLOW, O_DIRECTORY) where it
 * does not; nothing outside the root is ever opened, listed, removed or
 * renamed.
 *
 * Names are as MMS clients send them: relative to the root, '/'
 * separators, a leading '/' meaning the root. Refused before any system
 * call: NUL and control characters, names over 255 octets, empty
 * components ("a//b") and "." (-EINVAL: filename-syntax-error), and ".."
 * at any position (-EACCES: file-access-denied). Refused by the
 * resolution: a symlink that leads outside the root (-EXDEV), a magic
 * link or, in the walk, any symlink (-ELOOP), a regular file with more
 * than one hard link, since another link may lie outside the root
 * (-EACCES).
 *
 * Errors are negative errno; the service maps them onto ISO 9506 file
 * errors. One thread (the event loop), except files_frsm_read; no globals. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "mms_file.h"

/* How names are resolved: FILES_RESOLVE_AUTO uses openat2 when the kernel
 * has it and the walk otherwise; the other two force one (tests run both). */
enum files_resolve { FILES_RESOLVE_AUTO = 0, FILES_RESOLVE_OPENAT2, FILES_RESOLVE_WALK };

/* The sorted names of the directory listed last (see files_list). */
struct files_dir_cache {
	bool valid;
	char dir[MMS_FILE_NAME_MAX + 2];
	dev_t dev;
	ino_t ino;
	struct timespec mtim, ctim;
	char **names;
	size_t n;
};

struct files_store {
	int root_fd;			/* O_PATH | O_DIRECTORY, owned */
	enum files_resolve resolve;	/* what open/list use; AUTO is settled at open */
	unsigned max_open_per_assoc;	/* FRSMs per association (default 5) */
	unsigned max_open_total;	/* FRSMs over all associations (default 64) */
	unsigned open_total;		/* FRSMs open now */
	uint64_t opened, refused;	/* counters */
	uint64_t dir_reads;		/* directories read (not served from the cache) */
	uint64_t max_upload;		/* octets one ObtainFile may write */
	uint64_t keep_free;		/* octets an upload leaves free on the file system */
	/* Test hook (a slow disk): each FRSM read first sleeps this long.
	 * 0 in service; set by file_service.c from IEDD_TEST_FILE_READ_DELAY_MS. */
	unsigned read_delay_ms;
	struct files_dir_cache cache;
};

#define FILES_DEFAULT_OPEN_PER_ASSOC 5
#define FILES_DEFAULT_OPEN_TOTAL 64
/* Hard ceiling of FRSMs one association may hold. */
#define FILES_MAX_OPEN_PER_ASSOC 32

/* Opens `root` (which must be a directory). -errno; the store is unusable
 * then (files_store_clear is still safe). */
int files_store_open(struct files_store *s, const char *root, enum files_resolve resolve);
void files_store_clear(struct files_store *s);
/* True when this kernel offers openat2 (tests skip the openat2 case if not). */
bool files_have_openat2(void);

/* Checks a client's name (see the header comment); 0, -EINVAL or -EACCES.
 * `dir_ok` lets a single trailing '/' through (directory names). */
int files_name_check(const char *name, bool dir_ok);

/* Opens name beneath the root with `flags` (O_RDONLY, O_DIRECTORY...,
 * O_NOFOLLOW and O_CLOEXEC are always added); fd or -errno. */
int files_open(const struct files_store *s, const char *name, int flags);

/* Lists `spec` (NULL, "" or "/" = the root): a directory gives its
 * entries, a file its own entry, anything else the entries of its
 * directory whose names begin with its last component (a wildcard-free
 * prefix). Entries come sorted by name (strcmp), each named from the root
 * without a leading '/', directories with a trailing '/' and size 0;
 * those up to and including `after` (NULL = none) are skipped, so a
 * client pages with continueAfter = the last name it got. fn returns 0 to
 * go on and 1 when the response is full. Returns 0 when every entry was
 * given, 1 when fn stopped early (moreFollows), -errno (-ENOENT when
 * nothing matches). Entries the plant wrote a moment ago are listed: the
 * directory is read again whenever it changed (its mtime or ctime). */
int files_list(struct files_store *s, const char *spec, const char *after, mms_file_entry_fn fn,
	       void *ctx);

/* Removes a file (not a directory: -EISDIR); -errno. */
int files_remove(const struct files_store *s, const char *name);
/* Renames within the root; an existing `to` is -EEXIST (never replaced). */
int files_rename(const struct files_store *s, const char *from, const char *to);

/* An upload (ObtainFile): written to an unnamed file (O_TMPFILE) in the
 * destination's directory and linked under its name only when complete, so
 * no half file is ever visible and an abandoned one leaves nothing. */
struct files_upload {
	int fd, dir;
	char last[MMS_FILE_NAME_MAX + 1];	/* the name within dir */
	uint64_t size;
};
/* Largest upload by default (max_upload). */
#define FILES_DEFAULT_MAX_UPLOAD (256ull * 1024 * 1024)
/* -EEXIST when `name` exists, -EINVAL/-EACCES for the name, -errno. */
int files_upload_begin(struct files_store *s, const char *name, struct files_upload *u);
/* -ENOSPC beyond s->max_upload or when the file system would keep less
 * than s->keep_free octets free; -errno. */
int files_upload_write(struct files_store *s, struct files_upload *u, const uint8_t *p, size_t n);
/* Links the file under its name (-EEXIST if one appeared meanwhile) and
 * ends the upload whatever the outcome. */
int files_upload_commit(struct files_upload *u);
void files_upload_abort(struct files_upload *u);

/* The FRSMs (file read state machines, ISO 9506-1 §24.3) of one
 * association: ids are unique within it and never reused while it lasts. */
struct files_frsm {
	int32_t id;		/* 0 = free slot */
	int fd;
	uint64_t size, pos;
};
struct files_session {
	struct files_store *store;
	int32_t next_id;
	struct files_frsm frsm[FILES_MAX_OPEN_PER_ASSOC];
};
void files_session_init(struct files_session *ss, struct files_store *s);
/* Closes every FRSM still open (the association ended). */
void files_session_clear(struct files_session *ss);
/* FileOpen: -EMFILE over a limit, -EISDIR for a directory, -ESPIPE for an
 * initial position beyond the size, -EFBIG for a file over 4 GiB (sizeOfFile
 * is Unsigned32), or the resolution's error. */
int files_session_open(struct files_session *ss, const char *name, uint32_t pos, int32_t *frsm,
		       struct mms_file_attr *a);
/* FileRead: up to max octets at the FRSM's position into buf; *more is
 * false at the end. -EBADF for an id that is not open in this session. */
int files_session_read(struct files_session *ss, int32_t frsm, uint8_t *buf, size_t max,
		       size_t *n, bool *more);
/* The FRSM `id` of this session, NULL when it is not open. */
struct files_frsm *files_session_frsm(struct files_session *ss, int32_t id);
/* files_session_read of one FRSM found by files_session_frsm: touches only
 * *f (and reads s->read_delay_ms), so a worker thread may run it while the
 * loop serves the session's other FRSMs, as long as f is neither closed
 * nor read elsewhere meanwhile. */
int files_frsm_read(const struct files_store *s, struct files_frsm *f, uint8_t *buf, size_t max,
		    size_t *n, bool *more);
/* FileClose: -EBADF for an id that is not open (a second close). */
int files_session_close(struct files_session *ss, int32_t frsm);
/* FRSMs open in this session. */
unsigned files_session_count(const struct files_session *ss);
