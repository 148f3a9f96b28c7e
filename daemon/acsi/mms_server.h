/* SPDX-License-Identifier: Apache-2.0 */
/* The MMS server side of one association, sans I/O: bytes of TPKTs in,
 * bytes to send out. Runs the ISO association (daemon/proto/iso.h),
 * negotiates MMS Initiate, and dispatches confirmed services to the ACSI
 * service functions. net/ owns the socket and calls this; tests and the
 * fuzzer call it directly. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "iso.h"
#include "mms.h"
#include "perr.h"
#include "datasets.h"
#include "report.h"
#include "audit_hook.h"
#include "authz.h"

struct model;

/* Per-server settings, shared by every association. */
struct mms_server {
	struct mms_limits limits;	/* max PDU, outstanding calls, nesting, CBBs */
	struct mms_identify ident;	/* vendor / model / revision for Identify */
	struct model *model;		/* the data model; NULL serves an empty one */
	struct buf scratch;		/* response under construction (one thread) */
	struct buf report_out;		/* an InformationReport being framed */
	struct acsi_files *files;	/* file services; NULL: none (mms_server_set_files) */
	struct acsi_reports *reports;	/* reporting (the caller's); NULL: RCBs refuse writes */
	struct acsi_controls *controls;	/* control model (the caller's); NULL: no controls */
	struct acsi_gpub *gpub;		/* GOOSE publisher (the caller's); NULL: GO writes refused */
	struct acsi_ds_limits ds_limits;	/* client-defined data sets (0: defaults) */
	const struct acsi_audit *audit;	/* the audit trail (audit_hook.h); NULL: off */
	/* the expected clients and their rights (authz.h); NULL or !enabled:
	 * everyone may do everything */
	const struct authz_policy *authz;
	/* Confirmed requests by service (ConfirmedServiceRequest tag;
	 * [MMS_SVC_MAX_TAG] any other) and those answered with a
	 * confirmed-error or reject, for the status page and metrics. */
	struct {
		uint64_t requests[MMS_SVC_MAX_TAG + 1], errors[MMS_SVC_MAX_TAG + 1];
	} st;
};
/* "Read", "Write", ... for a ConfirmedServiceRequest tag. */
const char *mms_server_service_name(unsigned tag);

/* Fills limits.services from the services this server implements, and the
 * parameter CBBs IEC 61850-8-1 requires (str1, str2, vnam, valt, vlis). */
void mms_server_init(struct mms_server *srv, uint32_t max_pdu, int max_serv_outstanding,
		     int max_nesting);
/* Offers the file services of `files` (the caller's; may be NULL) and
 * announces the enabled ones in servicesSupportedCalled. */
struct acsi_files;
void mms_server_set_files(struct mms_server *srv, struct acsi_files *files);
/* The file store's wake-up: readable while FileReads done by its worker
 * wait (-1: none, reads are synchronous). net/ watches it and calls
 * mms_server_files_drain on the loop's thread, which sends their answers. */
int mms_server_files_wake_fd(const struct mms_server *srv);
void mms_server_files_drain(struct mms_server *srv);
/* Frees the scratch buffer (the model is the caller's). */
void mms_server_clear(struct mms_server *srv);

/* Outcome of feeding one TPKT. */
enum mms_step {
	MMS_STEP_CONTINUE = 0,	/* keep the connection */
	MMS_STEP_ASSOCIATED,	/* MMS Initiate accepted just now */
	MMS_STEP_CLOSE,		/* send `out`, then close (released, refused, peer aborted) */
};

/* Sends bytes (whole TPKTs) to the peer outside mms_assoc_input: a
 * response that waited for a source. Must not close or free the
 * association from inside the call. */
typedef void (*mms_emit_fn)(void *ctx, const uint8_t *data, size_t len);
typedef void (*mms_trace_fn)(void *ctx, bool in, const char *line);

struct acsi_write_job;

struct mms_assoc {
	struct iso_conn iso;
	uint32_t max_pdu;		/* negotiated, 0 until associated */
	uint16_t max_serv_outstanding;	/* negotiated for the called side */
	bool concluded;			/* MMS Conclude answered */
	uint64_t requests;		/* confirmed requests served */
	/* deferred responses (mms_assoc_set_emit); NULL emit: none */
	struct mms_server *srv;
	mms_emit_fn emit;
	mms_trace_fn trace;
	void *emit_ctx;
	struct acsi_write_job *jobs;	/* Writes waiting for their sources */
	uint32_t deferred;		/* responses sent later so far */
	struct acsi_file_assoc *files;	/* open FRSMs; closed by mms_assoc_clear */
	/* reports go out through rpt.send (set by mms_assoc_set_emit); its
	 * address also owns the association's data sets ("@name"). The
	 * caller fills rpt.addr/addr_len/peer with the peer's address. */
	struct acsi_rpt_client rpt;
	/* who the peer is (authz.h): net/ starts it at accept (authz_peer_begin)
	 * and narrows it after TLS (authz_peer_cert); the AARQ settles it.
	 * Zeroed (no policy): everything allowed. */
	struct authz_peer authz;
	bool auth_refused;		/* the AARQ was refused by the client list */
};

void mms_assoc_init(struct mms_assoc *a, uint16_t local_ref);
/* Lets the association answer requests later (a Write waiting for a
 * blocking source): the response goes out through emit(ctx, ...) when the
 * source answers; trace (may be NULL) gets its --trace line. Without this a
 * Write to a blocking source is answered success once queued. */
void mms_assoc_set_emit(struct mms_assoc *a, struct mms_server *srv, mms_emit_fn emit,
			mms_trace_fn trace, void *ctx);
/* Ends the association's reports (its URCBs released, its BRCBs keep
 * buffering) and deletes its association-specific data sets, drops
 * waiting Writes (their sources still answer; nothing is sent) and
 * closes the association's open files (a FileRead with the store's worker
 * is not answered; its FRSMs close when it is back). With emit set, a
 * FileRead of a store with a worker is answered later the same way, and
 * counts against maxServOutstandingCalled while it waits. */
void mms_assoc_clear(struct mms_assoc *a);

/* Feeds one complete TPKT (header included); responses are appended to
 * `out`. Returns enum mms_step (>= 0), or -EBADMSG when the peer broke the
 * protocol or its association request was refused: `err` names the layer
 * and reason, `out` holds what must still be sent (an abort, a COTP DR, or
 * the refusing AARE / session REFUSE), and the caller sends it and closes. `trace` (may be NULL) receives
 * one readable line per PDU in and out for --trace. */
int mms_assoc_input(struct mms_assoc *a, struct mms_server *srv, const uint8_t *tpkt,
		    size_t len, struct buf *out, struct proto_err *err, mms_trace_fn trace,
		    void *trace_ctx);

/* Largest TPKT to accept from this peer now (for framing). */
static inline size_t mms_assoc_max_tpkt(const struct mms_assoc *a)
{
	return iso_max_tpkt(&a->iso);
}
