/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850-8-1 §20 control on the wire, beyond the Write of Oper/SBOw/
 * Cancel and the Read of SBO (which are plain variable access): the
 * InformationReports a server sends about a command, LastApplError and
 * CommandTermination. Sans I/O, no state.
 *
 * InformationReport (ISO 9506-2 §12.6) { variableAccessSpecification
 *   listOfVariable [0] { SEQUENCE { name [0] ObjectName }... },
 *   listOfAccessResult [0] { AccessResult... } }, with the items:
 * - LastApplError alone: vmd-specific "LastApplError"; its one result is
 *   the structure {CntrlObj visible-string, Error integer, Origin
 *   {orCat integer, orIdent octet-string}, ctlNum unsigned, AddCause
 *   integer}; sent before the negative response of a Write of Oper, SBOw
 *   or Cancel (and before an SBO Read answered with "").
 * - CommandTermination+ (ctlModel 3 and 4): one item, domain-specific
 *   (LD, "LN$CO$DO$Oper"), its result the Oper structure.
 * - CommandTermination-: two items, LastApplError then the Oper name; two
 *   results, the LastApplError structure then the Oper structure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mms_access.h"
#include "perr.h"

/* The LastApplError structure (IEC 61850-8-1 §20.2.3). */
struct mms_last_appl_error {
	char cntrl_obj[130];		/* "LD/LN$CO$DO$Oper" (or $SBOw, $Cancel) */
	int8_t error;			/* enum iec_control_error */
	int32_t or_cat;			/* Origin.orCat */
	uint8_t or_ident[64];		/* Origin.orIdent[0..or_ident_len) */
	size_t or_ident_len;
	uint8_t ctl_num;
	int8_t add_cause;		/* enum iec_addcause */
};

enum mms_ctl_report_kind {
	MMS_CTL_LAST_APPL_ERROR = 1,	/* LastApplError alone */
	MMS_CTL_TERMINATION_POS = 2,	/* CommandTermination+: the Oper name and value */
	MMS_CTL_TERMINATION_NEG = 3,	/* CommandTermination-: LastApplError, then Oper */
};

struct mms_ctl_report {
	uint8_t kind;			/* enum mms_ctl_report_kind */
	struct mms_last_appl_error lae;	/* LAST_APPL_ERROR, TERMINATION_NEG */
	/* TERMINATION_POS and _NEG: the Oper variable (domain-specific, item
	 * ending in "$Oper") and its value, the whole Data TLV (into the input) */
	struct mms_objname oper;
	const uint8_t *oper_data;
	size_t oper_len;
};

/* Client: decodes one InformationReport body (as mms_unconfirmed_report
 * gives it) into *out. Returns 1 for one of the three control reports; 0
 * for another InformationReport (a variableListName such as "RPT", or a
 * listOfVariable of other names, or of more than two), which the caller
 * may hand to another decoder; -EBADMSG (err) for a body that is no
 * InformationReport (its two parts missing or followed by more octets, a
 * malformed name among the first two of the listOfVariable), and for one
 * that names LastApplError or an Oper but is malformed: a field missing, of
 * the wrong type or out of its range (Error and AddCause int8, ctlNum
 * 0..255, orCat int32, orIdent at most 64 octets, CntrlObj at most 129
 * characters; the integers as integer or unsigned), an access failure in
 * place of a value, a count of results unlike the count of names. Reads
 * body[0..len) only; `out` is overwritten also on failure (kind 0). */
int mms_ctl_report_decode(const uint8_t *body, size_t len, struct mms_ctl_report *out,
			  struct proto_err *err);

/* The AddCause in the standard's words (IEC 61850-7-2 §20.5.2.9, the table
 * of mms_codes.h): "Blocked-by-Mode" for 8; NULL outside 0..27. */
const char *mms_add_cause_name(int add_cause);

/* orCat (IEC 61850-7-3 §6.9, OrCatKind): "remote-control" for 3; NULL
 * outside 0..8. */
const char *mms_or_cat_name(int or_cat);
/* ctlModel (IEC 61850-7-3 CtlModelKind): "sbo-with-enhanced-security" for
 * 4; NULL outside 0..4. */
const char *mms_ctl_model_name(int ctl_model);

/* Client: appends the MMS Data of an Oper, SBOw or Cancel whose ctlVal is
 * a BOOLEAN (SPC, DPC; IEC 61850-8-1 §20): ctlVal, origin {orCat,
 * orIdent}, ctlNum, T (8 octets of UtcTime), Test and, when check >= 0,
 * Check (bit 0 synchrocheck, bit 1 interlock-check; a Cancel has none:
 * check < 0). For tests and benchmarks; iedc control builds any type from
 * the server's type description instead. */
struct buf;
void mms_ctl_bool_cmd_encode(struct buf *d, bool val, int or_cat, const char *or_ident,
			     uint8_t ctl_num, const uint8_t t[8], bool test, int check);
