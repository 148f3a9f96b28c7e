/* SPDX-License-Identifier: Apache-2.0 */
/* IEC 61850 object references as text (IEC 61850-7-2 ObjectReference,
 * mapped to MMS names by IEC 61850-8-1 §8.1.3.2): the one parser that the
 * model (model_resolve_ref: the CSV map, the map template) and the client
 * (mms_ref_parse: iedc, the benchmarks) both use, so a reference
 * means the same to both. Syntax only: whether the reference names
 * anything is the model's question. Sans I/O, no state.
 *
 * Forms taken:
 *   LD/LN                      a logical node
 *   LD/LN[FC]                  the FC's part of it ("LD0/LLN0[CF]")
 *   LD/LN.DO[.SDO...][.DA...][FC]
 *                              dotted; the [FC] goes last and may be left out
 *                              (the model then finds the one FC that has the
 *                              attribute; the client needs it)
 *   LD/LN.DO.DA(n).sub[FC]     "(n)" after a name: element n of that array
 *                              (decimal, at most 2^31 - 1; dotted form only)
 *   LD/LN$FC$DO$DA             the MMS form, taken as the item name as it is
 *                              ("LD/LLN0$Events": a data set)
 * Rules: LD is 1..64 visible characters (0x21..0x7E) other than '/'; every
 * other name is 1 or more of A-Z a-z 0-9 '_'; no empty component; an FC is
 * one of mms_codes.h's list (SC included); the MMS name the reference stands
 * for ("LN$FC$DO$DA", with the FC counted when it is left out, the "(n)"
 * counted as written) is at most 129 characters. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mms_access.h"
#include "mms_codes.h"
#include "perr.h"

enum objref_form { OBJREF_DOTTED = 0, OBJREF_MMS = 1 };

struct objref {
	uint8_t form;			/* enum objref_form */
	char ld[MMS_MAX_DOMAIN + 1];	/* as written: an LD name or inst */
	char ln[MMS_MAX_ITEM + 1];
	/* FC_* given ([FC], or the MMS name's second name when it is one);
	 * FC_NONE when none is */
	uint8_t fc;
	/* the names below the FC (below the LN when fc is FC_NONE) joined by
	 * '.', with "(n)" as written: "Mod.stVal", "HA.phsAHar(2).cVal.mag.f";
	 * "" when the reference stops at the LN or FC */
	char path[MMS_MAX_ITEM + 1];
	bool indexed;			/* path holds an "(n)" */
	/* The MMS item name: the MMS form as written; for the dotted form
	 * "LN[$FC[$DO$DA...]]" when it has one (an FC or no path, and no
	 * index), else "" */
	char item[MMS_MAX_ITEM + 1];
};

/* Parses `ref` (NUL-terminated) into *out. Returns 0, or -EINVAL with err
 * (may be NULL) saying why, layer "reference". */
int objref_parse(const char *ref, struct objref *out, struct proto_err *err);

/* The other way: "LD/LN.DO.DA[FC]" into out[n] for the MMS item name `item`
 * of domain `domain` (NULL: no "LD/" part); an item whose second name is not
 * an FC (a data set "LLN0$Events") becomes "LD/LLN0.Events". Always
 * terminated (truncated to fit). Returns out. */
const char *objref_format(const char *domain, const char *item, char *out, size_t n);
