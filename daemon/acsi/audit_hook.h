/* SPDX-License-Identifier: Apache-2.0 */
/* What the services and the network runtime tell the audit trail: one
 * record per association event, write, control step, data set change and
 * file operation (IEC 62351 "logging write accesses and connections").
 * The receiver is the daemon's audit sink (daemon/audit.h), which formats,
 * queues and writes it off the loop; acsi and net only fill a record on
 * the stack and call record(). Every string is the caller's and valid
 * during the call only; NULL means "not given". Loop thread. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

enum acsi_audit_kind {
	ACSI_AUDIT_ASSOC_ACCEPTED,	/* MMS Initiate accepted */
	ACSI_AUDIT_ASSOC_ENDED,		/* released, aborted, timed out, failed */
	ACSI_AUDIT_ASSOC_REFUSED,	/* over the limit, TLS or protocol refusal */
	ACSI_AUDIT_WRITE,		/* one item of an MMS Write */
	ACSI_AUDIT_CONTROL,		/* select, operate, cancel, termination */
	ACSI_AUDIT_DATASET,		/* DefineNamedVariableList / Delete... */
	ACSI_AUDIT_FILE,		/* FileOpen, FileDelete, FileRename, ObtainFile */
	ACSI_AUDIT_CONFIG,		/* a reload, accepted or refused */
	ACSI_AUDIT_SERVICE,		/* start and stop */
	ACSI_AUDIT_LOST,		/* records dropped by a full queue (the sink's own) */
	ACSI_AUDIT_AUTHZ,		/* a service or object refused for want of a right */
	ACSI_AUDIT_N
};

struct acsi_audit_rec {
	enum acsi_audit_kind kind;
	const char *peer;	/* "10.0.0.5:49152" */
	const char *client;	/* the expected client's name (authz.h) */
	const char *roles;	/* its roles, "OPERATOR,VIEWER" */
	const char *subject;	/* its TLS certificate's subject */
	const char *action;	/* "write", "Oper", "define", "delete", "open", ... */
	const char *ref;	/* object reference, data set or file name */
	const char *old_val;	/* JSON text of the value before (writes) */
	const char *new_val;	/* JSON text of the value written */
	bool ok;
	const char *result;	/* "success" or what refused it */
	const char *detail;	/* more, free text (origin, ctlNum, AddCause, why it ended) */
	uint64_t duration_ms;	/* ASSOC_ENDED: how long it lasted */
};

struct acsi_audit {
	void (*record)(void *ctx, const struct acsi_audit_rec *r);
	void *ctx;
};

/* Records r through `a` (NULL: the audit trail is off, nothing happens). */
static inline void acsi_audit(const struct acsi_audit *a, const struct acsi_audit_rec *r)
{
	if (a && a->record)
		a->record(a->ctx, r);
}
