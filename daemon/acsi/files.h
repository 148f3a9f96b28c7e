/* SPDX-License-Identifier: Apache-2.0 */
/* The MMS file services (ISO 9506-1 Annex D / ISO 9506-2 Annex D; IEC
 * 61850-8-1 §23: GetFile = FileOpen + FileRead... + FileClose,
 * DeleteFile = FileDelete, GetFileAttributeValues = FileDirectory) as plain
 * functions of (association, request) -> response, over a file store seen
 * only through the function pointers of struct acsi_file_ops (the daemon
 * passes daemon/store/files.c in; acsi never includes store/).
 *
 * Store errors are negative errno and become ServiceErrors of class file
 * (ISO 9506-2 §7.4.1) as listed at acsi_files_error. One thread (the
 * event loop's); a store that offers read_submit does the FileRead disk
 * work on its own thread and hands finished reads back through
 * acsi_files_drain, so a slow disk never stalls the other associations. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms.h"
#include "mms_file.h"

/* One FileRead handed to the store's worker (read_submit): the in part is
 * acsi's, the out part the worker's until the job comes back through
 * drain. */
struct acsi_file_job {
	void *session;
	int32_t frsm;
	uint8_t *buf;
	size_t max;
	int result;		/* out: 0 or -errno */
	size_t n;		/* out: octets in buf */
	bool more;		/* out: moreFollows */
	void *priv;		/* the store's (its FRSM, its queue link) */
	struct acsi_file_job *next;
};

/* What acsi needs of a file store. `store` is the store's own object;
 * `session` the per-association state session_new made (FRSMs). Each
 * returns 0 or -errno, except list (0 all given, 1 fn stopped early) and
 * session_new (NULL when out of memory). */
struct acsi_file_ops {
	int (*list)(void *store, const char *spec, const char *after, mms_file_entry_fn fn,
		    void *ctx);
	void *(*session_new)(void *store);
	void (*session_free)(void *session);	/* closes its FRSMs */
	int (*open)(void *session, const char *name, uint32_t pos, int32_t *frsm,
		    struct mms_file_attr *a);
	int (*read)(void *session, int32_t frsm, uint8_t *buf, size_t max, size_t *n, bool *more);
	int (*close)(void *session, int32_t frsm);
	int (*remove)(void *store, const char *name);
	int (*rename)(void *store, const char *from, const char *to);
	/* ObtainFile: an upload becomes visible under `name` at commit only;
	 * abort (and a failed commit) leaves nothing. */
	int (*upload_begin)(void *store, const char *name, void **upload);
	int (*upload_write)(void *upload, const uint8_t *data, size_t n);
	int (*upload_commit)(void *upload);	/* frees the upload */
	void (*upload_abort)(void *upload);	/* frees the upload */
	/* Optional (NULL: FileRead is read synchronously). Queues the read of
	 * job (0), or refuses it now (-EBADF for an FRSM that is not open).
	 * wake_fd is readable while finished jobs wait; drain hands each to fn
	 * on the caller's thread. The store reads only the job's FRSM, so the
	 * session's other FRSMs may be served meanwhile. */
	int (*read_submit)(void *store, struct acsi_file_job *job);
	int (*wake_fd)(void *store);
	void (*drain)(void *store, void (*fn)(struct acsi_file_job *job));
};

/* The file services of one server. FileDelete, FileRename and ObtainFile
 * are off by default: refused with file-access-denied and not announced. */
struct acsi_files {
	const struct acsi_file_ops *ops;
	void *store;
	bool allow_delete, allow_rename, allow_obtain;
	uint8_t *chunk;		/* FileRead scratch, grown to the largest PDU */
	size_t chunk_cap;
	uint64_t served, refused;	/* counters */
};

/* The file state of one association (its store session); NULL until its
 * first FileOpen. */
struct acsi_file_assoc;

/* Returned by acsi_files_serve when the FileRead is with the store's
 * worker: nothing is in resp; the answer goes to done(ctx, ...) on the
 * loop's thread when the read has finished (acsi_files_drain), unless the
 * association ended meanwhile (acsi_files_assoc_end). */
#define ACSI_FILES_DEFERRED 0x102	/* >= MMS_CODE_SENTINEL_BASE, != ACSI_DEFERRED */
/* done's arguments: the FileRead's invokeID and its answer, built by
 * acsi_files_serve's rules into resp by acsi_files_job_encode. */
typedef void (*acsi_files_done_fn)(void *ctx, struct acsi_file_assoc *assoc);

/* True for the services acsi_files_serve answers (all six when f is not
 * NULL, also FileDelete/FileRename when they are switched off, so a client
 * gets a file error rather than "not offered"). */
bool acsi_files_handles(const struct acsi_files *f, uint32_t service);
/* Sets the servicesSupportedCalled bits of what is enabled. */
void acsi_files_announce(const struct acsi_files *f, uint8_t services[MMS_SERVICE_OCTETS]);

/* Answers one confirmed request of a file service into `resp` (a whole
 * Confirmed-Response or -ErrorPDU); f is not NULL and
 * acsi_files_handles(f, p->service). `*assoc` is the association's file
 * state (created here when needed). Returns 0, or -EBADMSG when the
 * argument does not decode (the caller Rejects it). `why` (may be NULL)
 * gets a short text for --trace. */
int acsi_files_serve(struct acsi_files *f, struct acsi_file_assoc **assoc,
		     const struct mms_pdu *p, uint32_t max_pdu, struct buf *resp,
		     const char **why);
/* The same, letting a FileRead go to the store's worker when the store
 * has one and `done` is not NULL: then returns ACSI_FILES_DEFERRED. One
 * FileRead per association is with the worker at a time; a FileClose of
 * its FRSM meanwhile is refused file-busy, another FileRead too. */
int acsi_files_serve_async(struct acsi_files *f, struct acsi_file_assoc **assoc,
			   const struct mms_pdu *p, uint32_t max_pdu, struct buf *resp,
			   const char **why, acsi_files_done_fn done, void *ctx);
/* The FileRead with the worker (its invokeID in *invoke_id): true while
 * there is one. It counts against maxServOutstandingCalled. */
bool acsi_files_pending(const struct acsi_file_assoc *assoc, uint32_t *invoke_id);
/* From done: the finished FileRead's response (or ServiceError) into
 * resp; `why` as for acsi_files_serve. The association may then send
 * another. */
void acsi_files_job_encode(struct acsi_file_assoc *assoc, struct buf *resp, const char **why);
/* The store's wake_fd, -1 when reads are synchronous; net/ watches it and
 * calls acsi_files_drain on the loop's thread when it is readable. */
int acsi_files_wake_fd(const struct acsi_files *f);
void acsi_files_drain(struct acsi_files *f);
/* ObtainFile (ISO 9506-2 Annex D): iedd, as file client over the same
 * association, sends the client FileOpen, FileRead... and FileClose for the
 * source file and answers the ObtainFile when the upload is complete (or
 * with its error). A Confirmed-Response or -Error PDU from the client is
 * handed here first: returns true when it answered one of those requests,
 * with the next request or the ObtainFile's answer in `resp`; false when it
 * is no answer to iedd (the caller Rejects it). */
bool acsi_files_response(struct acsi_files *f, struct acsi_file_assoc **assoc,
			 const struct mms_pdu *p, struct buf *resp, const char **why);
/* An ObtainFile or a worker's FileRead is in progress (a Conclude must wait). */
bool acsi_files_busy(const struct acsi_file_assoc *assoc);
/* The association ended (release, abort, TCP loss, daemon stop): closes
 * its FRSMs, drops a partial upload and frees its state; *assoc is NULL
 * afterwards. A FileRead with the worker is not answered; the FRSMs close
 * when the worker has done with it (at its acsi_files_drain). */
void acsi_files_assoc_end(struct acsi_file_assoc **assoc);
/* Frees the scratch (the store is the caller's). */
void acsi_files_clear(struct acsi_files *f);

/* The ServiceError for a store error: class file, and
 *   -EINVAL -ENAMETOOLONG           filename-syntax-error
 *   -EACCES -EPERM -ELOOP -EXDEV
 *   -EISDIR -EROFS                  file-access-denied
 *   -ENOENT -ENOTDIR                file-non-existent
 *   -EEXIST -ENOTEMPTY              duplicate-filename
 *   -ENOSPC -EDQUOT                 insufficient-space-in-filestore
 *   -EBUSY -ETXTBSY                 file-busy
 *   -ESPIPE                         position-invalid
 *   -EBADF (an FRSM that is not open), anything else: other;
 * except -EMFILE / -ENFILE (FRSM limits): class resource,
 * capability-unavailable (ISO 9506-2 §7.4.1). */
void acsi_files_error(int err, int *error_class, int *code);
