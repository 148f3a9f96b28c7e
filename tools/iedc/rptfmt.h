/* SPDX-License-Identifier: Apache-2.0 */
/* The parts of iedc report that need no server, so unit tests reach them
 * (tests/unit/test_mms_report.c): one decoded report (mms_report.h) as a
 * text line or a JSON object, the RCB reference forms, the --trgops words.
 * No I/O, no globals. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "mms_access.h"
#include "mms_client.h"
#include "mms_report.h"
#include "perr.h"

/* What iedc learnt of the data set behind the RCB (GetNamedVariableListAttributes and
 * GetVariableAccessAttributes at start): the members' references as iedc prints them
 * ("LD/LN.DO.DA[FC]") and their types. n 0 when unknown; refs[i] and types[i] may be
 * NULL. Only read. */
struct rptfmt_dir {
	uint32_t n;
	char **refs;
	struct mms_typespec **types;
};

/* Appends one report as one line ending in '\n' to `out`:
 *   text: RPTID[ SqNum=N][ sub=K[ more]][ EntryID=HEX][ BufOvfl]: REF=VALUE (REASONS); ...
 *     REF is the report's data reference (dotted when it parses), else the
 *     directory's, else "#INDEX"; a structured VALUE is "{path: value, ...}";
 *     REASONS are the ReasonCode words (dchg qchg dupd period gi app),
 *     comma-separated, the parentheses left out without ReasonCode.
 *   json: {"rptId", "sqNum", "subSqNum", "moreSegments", "entryId" (hex),
 *     "timeOfEntry", "dataSet", "bufOvfl", "confRev" (each only when the report has it),
 *     "members": [{"index", "ref", "value" (as iedc read --json), "valueText" /
 *     "valueQuality" (as read), "reasons": [...]}]}.
 * Returns 0, -EBADMSG (a member's value is malformed: err says which) or out->err. */
int rptfmt_format(struct buf *out, const struct mms_report *r, const struct rptfmt_dir *dir,
		  bool json, struct proto_err *err);

/* The words of ReasonCode / TrgOps bit i (1..6): "dchg", "qchg", "dupd", "period", "gi",
 * "app"; NULL otherwise. */
const char *rptfmt_reason_name(unsigned bit);

/* An RCB reference: "LD/LN.RP.NAME", "LD/LN.BR.NAME", "LD/LN$RP$NAME", "LD/LN$BR$NAME" or
 * "LD/LN.NAME" into *out (item "LN$RP$NAME" or "LN$BR$NAME") and *fc: 'R' (RP), 'B' (BR)
 * or 0 (not given: out names the RP form, rptfmt_rcb_set_fc switches). 0 or -EINVAL. */
int rptfmt_rcb_parse(const char *ref, struct mms_objname *out, char *fc);
/* Rewrites the FC part of an item made by rptfmt_rcb_parse: buffered ? "BR" : "RP". */
void rptfmt_rcb_set_fc(struct mms_objname *rcb, bool buffered);

/* --trgops "dchg,qchg,dupd,period,gi" (any subset, any order; "integrity" also
 * for period) as the TrgOps bit string text for mms_data_parse ("011000": bit 0
 * reserved). 0 or -EINVAL (*bad = the offending word, in a static buffer). */
int rptfmt_trgops(const char *s, char out[7], const char **bad);
