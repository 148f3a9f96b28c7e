/* SPDX-License-Identifier: Apache-2.0 */
/* Named variable list services (ISO 9506-2 §11.4, §11.5; IEC 61850-8-1
 * §14: data sets defined and deleted by clients): DefineNamedVariableList
 * and DeleteNamedVariableList, server and client side. Sans I/O. Decoders
 * take the service body (mms_pdu.body), never read past `len`, and report
 * refusals in `err` with layer "mms". Encoders append one whole PDU to `b`
 * (build it with ISO_HEADROOM of head room); failures are sticky in b->err.
 * GetNamedVariableListAttributes is in mms_access.h / mms_client.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "mms_access.h"
#include "perr.h"

/* DefineNamedVariableList-Request (ISO 9506-2 §11.4)
 * { variableListName ObjectName, listOfVariable [0] IMPLICIT SEQUENCE OF
 *   SEQUENCE { variableSpecification name [0] ObjectName,
 *              alternateAccess [5] IMPLICIT AlternateAccess OPTIONAL } } */
struct mms_definenvl_req {
	struct mms_objname name;
	struct mms_vas vars;	/* is_list_name false; iterate with mms_varlist_next */
};
/* Decodes and validates every member (so iterating out->vars with
 * mms_varlist_next cannot fail); vars points into body. An empty
 * listOfVariable decodes (n_vars 0): refusing it is the service's
 * business (IEC 61850-7-2 §9.2.1: a data set has at least one member).
 * Returns 0 or -EBADMSG. */
int mms_definenvl_req_decode(const uint8_t *body, size_t len, struct mms_definenvl_req *out,
			     struct proto_err *err);
/* DefineNamedVariableList-Response ::= NULL */
void mms_definenvl_resp_encode(struct buf *b, uint32_t invoke_id);
/* Client: members given as varspecs (alternate access allowed: n_alt
 * steps, each a component, index, index range or all elements). */
void mms_definenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name,
			      const struct mms_varspec *vars, uint32_t n);

/* DeleteNamedVariableList (ISO 9506-2 §11.5): request
 * { scopeOfDelete [0] INTEGER {specific(0), aa-specific(1), domain(2), vmd(3)} DEFAULT specific,
 *   listOfVariableListName [1] SEQUENCE OF ObjectName OPTIONAL, domainName [2] OPTIONAL }
 * response { numberMatched [0] Unsigned32, numberDeleted [1] Unsigned32 } */
#define MMS_DELNVL_MAX 16
enum { MMS_DELNVL_SPECIFIC = 0, MMS_DELNVL_AA = 1, MMS_DELNVL_DOMAIN = 2, MMS_DELNVL_VMD = 3 };
struct mms_deletenvl_req {
	int scope;			/* 0 specific, 1 aa-specific, 2 domain, 3 vmd */
	uint32_t n;			/* names given (specific); at most MMS_DELNVL_MAX decoded */
	struct mms_objname names[MMS_DELNVL_MAX];
	bool has_domain;
	char domain[MMS_MAX_DOMAIN + 1];
};
/* Every name is validated; n is the real count and names[] holds the first
 * MMS_DELNVL_MAX of them (the caller refuses more than it can handle).
 * Returns 0 or -EBADMSG (also for a scopeOfDelete outside 0..3). */
int mms_deletenvl_req_decode(const uint8_t *body, size_t len, struct mms_deletenvl_req *out,
			     struct proto_err *err);
void mms_deletenvl_resp_encode(struct buf *b, uint32_t invoke_id, uint32_t matched,
			       uint32_t deleted);
/* Client: deletes the one list `name` (scope specific). */
void mms_deletenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name);
int mms_deletenvl_resp_decode(const uint8_t *body, size_t len, uint32_t *matched,
			      uint32_t *deleted, struct proto_err *err);
