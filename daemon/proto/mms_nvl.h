/* SPDX-License-Identifier: Apache-2.0 */
/* TEMP spec */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include "buf.h"
#include "mms_access.h"
#include "perr.h"
/* DefineNamedVariableList (ISO 9506-2 §11.4, 8-1 §14): request body
 * { variableListName ObjectName, listOfVariable SEQUENCE OF SEQUENCE {
 *   variableSpecification name ObjectName, alternateAccess [5] OPTIONAL } } */
struct mms_definenvl_req {
	struct mms_objname name;
	struct mms_vas vars;	/* is_list_name false; iterate with mms_varlist_next */
};
int mms_definenvl_req_decode(const uint8_t *body, size_t len, struct mms_definenvl_req *out,
			     struct proto_err *err);
void mms_definenvl_resp_encode(struct buf *b, uint32_t invoke_id);   /* NULL response */
/* client: members given as varspecs (alternate access allowed) */
void mms_definenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name,
			      const struct mms_varspec *vars, uint32_t n);

/* DeleteNamedVariableList (ISO 9506-2 §11.5): request
 * { scopeOfDelete [0] INTEGER {specific(0), aa-specific(1), domain(2), vmd(3)} DEFAULT specific,
 *   listOfVariableListName [1] SEQUENCE OF ObjectName OPTIONAL, domainName [2] OPTIONAL }
 * response { numberMatched [0] Unsigned32, numberDeleted [1] Unsigned32 } */
#define MMS_DELNVL_MAX 16
struct mms_deletenvl_req {
	int scope;			/* 0 specific, 1 aa-specific, 2 domain, 3 vmd */
	uint32_t n;			/* names given (specific); at most MMS_DELNVL_MAX decoded */
	struct mms_objname names[MMS_DELNVL_MAX];
	bool has_domain;
	char domain[MMS_MAX_DOMAIN + 1];
};
int mms_deletenvl_req_decode(const uint8_t *body, size_t len, struct mms_deletenvl_req *out,
			     struct proto_err *err);    /* more than MMS_DELNVL_MAX names: -EBADMSG? no:
			     decode n = real count, keep first MMS_DELNVL_MAX, caller refuses */
void mms_deletenvl_resp_encode(struct buf *b, uint32_t invoke_id, uint32_t matched,
			       uint32_t deleted);
void mms_deletenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name);
int mms_deletenvl_resp_decode(const uint8_t *body, size_t len, uint32_t *matched,
			      uint32_t *deleted, struct proto_err *err);
