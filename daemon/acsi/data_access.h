/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850-7-2 data access, data set and directory services mapped to MMS
 * per IEC 61850-8-1: GetNameList (GetServerDirectory, GetLogicalDevice-
 * Directory, GetLogicalNodeDirectory, GetDataSetDirectory), GetVariable-
 * AccessAttributes (GetDataDefinition), Read (GetDataValues,
 * GetDataSetValues), Write (SetDataValues), GetNamedVariableListAttributes.
 *
 * Each is a plain function of (model, request) -> response in `resp`, plus
 * effects on the model; no I/O. Called from mms_server.c on the event-loop
 * thread. A request that does not decode is answered with a Reject (the
 * function returns -EBADMSG and leaves resp empty). */
#pragma once
#include "audit_hook.h"
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms.h"
#include "model.h"
#include "authz.h"

/* The calling association, as the services need it: its report client
 * (whose address is also the owner of its association-specific data
 * sets, datasets.h) and the server's report service. Either may be NULL
 * (tests, a server without reporting). */
struct acsi_reports;
struct acsi_rpt_client;
struct acsi_controls;
struct acsi_gpub;
struct acsi_caller {
	struct acsi_reports *reports;
	struct acsi_rpt_client *client;
	struct acsi_controls *controls;	/* control model (control.h); NULL: none */
	struct acsi_gpub *gpub;		/* GOOSE publisher (goose.h); NULL: none, the GO
					 * attributes read and their writes are refused */
	const struct acsi_audit *audit;	/* the audit trail (audit_hook.h); NULL: off */
	/* who the association is and what it may do (authz.h); NULL: anything.
	 * A name it may not VIEW is answered as if it did not exist. */
	const struct authz_peer *authz;
};

/* GetNameList; named variable lists of the domain (SCL and client-defined,
 * in name order) or of the association (aa-specific scope). */
int acsi_get_name_list(const struct model *m, const struct mms_pdu *p, size_t max_pdu,
		       struct buf *resp, const struct acsi_caller *who);
int acsi_get_var_access_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp,
			     const struct acsi_caller *who);
/* Read; a named variable list may be the association's own ("@name"). */
int acsi_read(const struct model *m, const struct mms_pdu *p, struct buf *resp,
	      const struct acsi_caller *who);

/* A Write whose mapped attributes went to sources that answer later (a
 * Modbus device on its own thread): the response waits for them, so the
 * client gets the source's error as the item's DataAccessError. */
struct acsi_write_job;
struct model_write_wait;
typedef void (*acsi_write_done_fn)(void *ctx, struct acsi_write_job *job);
struct acsi_write_job {
	uint32_t invoke_id;
	uint32_t n_items;
	uint32_t outstanding;		/* items still waiting */
	acsi_write_done_fn done;	/* the caller's; called once, then the job is the caller's */
	void *ctx;
	struct acsi_write_job *prev, *next;	/* the caller's list */
	struct acsi_write_item {
		struct acsi_write_job *job;
		struct model_write_wait *wait;	/* the model's, while the source has not answered */
		int code;		/* DataAccessError, or MMS_DAE_SUCCESS */
		struct mref setting;	/* a setting written (acsi_setting_hook); type NULL: none */
		struct model *setting_m;
	} items[];
};

/* A service's handler of SetDataValues for one variable of an FC it owns
 * (model_fc_write: MODEL_FCW_SERVICE), in data_access.c's table by FC.
 * `ref` is the variable named, (t, voff) what is written of it after
 * alternate access, `data` its Data inside `parent`. Returns like
 * model_write (update.h): 0, a DataAccessError, or MODEL_WRITE_PENDING with
 * *wait (`wait` NULL: the caller cannot wait). A handler stores what it
 * accepts through model_write, so that mapped attributes still reach their
 * sources. Event-loop thread. */
/* A handler's "not one of my objects": the write is handled as if the FC
 * had no service (an SCL attribute of FC RP that is no RCB). */
#define ACSI_WRITE_NOT_MINE 0x102
typedef int (*acsi_write_fn)(struct model *m, const struct acsi_caller *who,
			     const struct mref *ref, const struct mtype *t,
			     uint32_t voff, const struct ber_cur *parent, const struct ber_tlv *data,
			     struct model_write_wait **wait);

/* SetDataValues: per item the FC decides (model_fc_write): denied,
 * stored (plain), or handed to its service's handler; with no handler
 * yet, object-access-unsupported unless a map row carries the attribute
 * (or one inside the written structure) to a source.
 *
 * With `job` NULL every item is answered at once (a write to a blocking
 * source counts as done when it is queued). Otherwise, when some
 * item waits for its source, returns ACSI_DEFERRED with a new *job, leaves
 * `resp` empty, and the caller sets job->done/ctx before returning to the
 * loop: done() runs when every item has an answer, then the caller encodes
 * the response (acsi_write_job_encode) and frees the job (free()). */
#define ACSI_DEFERRED 0x101	/* >= MMS_CODE_SENTINEL_BASE: no standard code (mms_codes.h) */
int acsi_write(struct model *m, const struct mms_pdu *p, struct buf *resp,
	       struct acsi_write_job **job, const struct acsi_caller *who);
/* Durable settings (README): told after a client's Write of a variable of
 * FC CF, DC, SP or SE took effect (the value is in the model; a write that
 * waited for its source: when the source said yes). `ref` is the variable
 * the client named (alternate access: the whole of it). The daemon sets it
 * once at start (NULL: none); one per process, event-loop thread. */
struct acsi_setting_hook {
	void (*written)(void *ctx, struct model *m, const struct mref *ref);
	void *ctx;
};
void acsi_set_setting_hook(const struct acsi_setting_hook *h);
void acsi_write_job_encode(const struct acsi_write_job *job, struct buf *resp);
/* GetNamedVariableListAttributes: mmsDeletable true for client-defined
 * sets; an association-specific name is looked up among `who`'s. */
int acsi_get_nvl_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp,
		      const struct acsi_caller *who);
