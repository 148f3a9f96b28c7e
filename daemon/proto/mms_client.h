/* SPDX-License-Identifier: Apache-2.0 */
/* Client side of MMS variable access and name services (ISO 9506-2 §11,
 * §12, §14; IEC 61850-8-1 §9, §11, §14): request encoders, response decoders,
 * TypeSpecification trees, and Data as text or JSON and back. Sans I/O, no
 * globals; the server side of the same services is mms_access.h, whose
 * ObjectName and list types this module shares.
 *
 * Decoders never read past `len`, recurse only through ber_enter (so at most
 * BER_MAX_DEPTH levels), and report refusals in `err` with layer "mms". */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
#include "mms.h"
#include "mms_access.h"
#include "perr.h"

/* ---- requests ----
 * Each appends one whole Confirmed-RequestPDU to `b` (build it with
 * ISO_HEADROOM of head room for iso_send_data); failures are sticky in
 * b->err. Names are the caller's and only read. */

/* GetNameList (ISO 9506-2 §10.5): objectClass, objectScope and optional
 * continueAfter as the server decodes them (struct mms_getnamelist_req). */
void mms_client_getnamelist_req(struct buf *b, uint32_t invoke_id,
				const struct mms_getnamelist_req *q);
/* GetVariableAccessAttributes by name. */
void mms_client_gvaa_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *name);
/* Read of names[0..n) as a listOfVariable (n >= 1). */
void mms_client_read_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *names,
			 size_t n);
/* Read of a named variable list (a data set): variableListName. */
void mms_client_read_nvl_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *list);
/* Write of one named variable; data[len] is one complete Data TLV (from
 * mms_data_parse). */
void mms_client_write_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *name,
			  const uint8_t *data, size_t len);
/* GetNamedVariableListAttributes. */
void mms_client_nvl_attr_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *list);

/* ---- answers ---- */

/* What a server sent instead of the expected confirmed response. */
struct mms_client_refusal {
	uint8_t kind;		/* MMS_CONFIRMED_ERROR or MMS_REJECT */
	int error_class;	/* confirmed-error: errorClass; Reject: rejectReason choice */
	int code;		/* the value within that class or choice */
};

/* Checks a decoded envelope against the request it answers. Returns 0 for a
 * Confirmed-ResponsePDU of `service` with `invoke_id` (its body is then the
 * service's contents); -EREMOTEIO when the server answered with a
 * confirmed-error or a Reject (described in *ref, may be NULL); -EBADMSG for
 * anything else (another PDU, service or invokeID). */
int mms_client_check(const struct mms_pdu *p, uint32_t invoke_id, uint32_t service,
		     struct mms_client_refusal *ref, struct proto_err *err);
/* "access: object-non-existent", "Reject: confirmed-requestPDU: invalid-argument"
 * into out[n]; returns out. */
const char *mms_client_refusal_str(const struct mms_client_refusal *ref, char *out, size_t n);
/* Name of a DataAccessError (ISO 9506-2 §14.4.2), "object-non-existent";
 * "data-access-error-N" for values outside the standard's list (a static
 * buffer then: not reentrant for those). */
const char *mms_dae_name(int code);

/* GetNameList response. decode validates every name (VisibleString of at
 * most MMS_MAX_ITEM characters) so that iteration cannot fail. */
struct mms_namelist_resp {
	struct ber_cur names;	/* over listOfIdentifier */
	uint32_t count;
	bool more_follows;	/* DEFAULT TRUE when absent */
};
int mms_client_namelist_decode(const uint8_t *body, size_t len, struct mms_namelist_resp *out,
			       struct proto_err *err);
/* Copies the next name; 1 = got one, 0 = end, <0 error. */
int mms_client_namelist_next(struct mms_namelist_resp *r, char name[MMS_MAX_ITEM + 1],
			     struct proto_err *err);

/* Read response: one AccessResult per variable, in request order. */
struct mms_read_resp {
	struct ber_cur results;	/* over listOfAccessResult */
	uint32_t count;
};
struct mms_access_result {
	int failure;		/* MMS_DAE_SUCCESS (-1), else the DataAccessError */
	const uint8_t *data;	/* success: the whole Data TLV (into the input) */
	size_t len;
};
int mms_client_read_decode(const uint8_t *body, size_t len, struct mms_read_resp *out,
			   struct proto_err *err);
/* 1 = got one, 0 = end, <0 error. */
int mms_client_read_next(struct mms_read_resp *r, struct mms_access_result *out,
			 struct proto_err *err);

/* Write response into results[0..max): MMS_DAE_SUCCESS (-1), else the DataAccessError;
 * *n = number of results. More than `max` results is an error. */
int mms_client_write_decode(const uint8_t *body, size_t len, int *results, size_t max,
			    size_t *n, struct proto_err *err);

/* GetNamedVariableListAttributes response; iterate the members with
 * mms_varlist_next(&out->vars, ...) from mms_access.h. */
struct mms_nvl_attr_resp {
	bool deletable;
	struct mms_vas vars;	/* vars.n_vars members */
};
int mms_client_nvl_attr_decode(const uint8_t *body, size_t len, struct mms_nvl_attr_resp *out,
			       struct proto_err *err);

/* ---- TypeSpecification (ISO 9506-2 §14.1) ---- */

/* TypeSpecification and Data CHOICE tags: the same numbers in both. */
enum mms_type {
	MMS_TYPE_ARRAY = 1, MMS_TYPE_STRUCTURE = 2, MMS_TYPE_BOOLEAN = 3,
	MMS_TYPE_BIT_STRING = 4, MMS_TYPE_INTEGER = 5, MMS_TYPE_UNSIGNED = 6,
	MMS_TYPE_FLOAT = 7, MMS_TYPE_OCTET_STRING = 9, MMS_TYPE_VISIBLE_STRING = 10,
	MMS_TYPE_GENERALIZED_TIME = 11, MMS_TYPE_BINARY_TIME = 12, MMS_TYPE_BCD = 13,
	MMS_TYPE_BOOLEAN_ARRAY = 14, MMS_TYPE_OBJID = 15, MMS_TYPE_MMS_STRING = 16,
	MMS_TYPE_UTC_TIME = 17,
};

/* One node of a decoded type. A whole tree is one allocation: free it with
 * mms_typespec_free on the root only. */
struct mms_typespec {
	uint8_t type;			/* enum mms_type */
	bool packed;			/* array, structure */
	uint8_t exp_width;		/* floating-point: exponent width */
	const char *name;		/* componentName in the parent structure, or NULL */
	/* bit-, octet-, visible- and MMS strings: size, negative = variable up
	 * to -size (IEC 61850-8-1); integer, unsigned: width in bits; bcd:
	 * digits; floating-point: format width in bits; binary-time: 1 with
	 * date (6 octets), 0 without (4). */
	int32_t size;
	uint32_t n;			/* array: numberOfElements; structure: components */
	struct mms_typespec *elem;	/* array: element type */
	struct mms_typespec *comp;	/* structure: comp[0..n) */
};

/* Limits on what a peer may make us allocate. Depth counts TypeSpecification
 * levels (the root is 1); each structure level also costs four BER levels,
 * so BER_MAX_DEPTH caps nesting at about 11 whatever is asked here. */
struct mms_typespec_limits {
	unsigned max_depth;
	unsigned max_nodes;
};
#define MMS_TYPESPEC_MAX_DEPTH 12
#define MMS_TYPESPEC_MAX_NODES 50000

/* Decodes a TypeSpecification CHOICE TLV (`t`, read from `parent`) into a
 * new tree (*out, the caller's). `lim` may be NULL for the defaults above.
 * typeName [0] (a named type reference) is refused: IEC 61850 never sends
 * it. Returns 0, -EBADMSG (err) or -ENOMEM. */
int mms_typespec_decode(const struct ber_cur *parent, const struct ber_tlv *t,
			const struct mms_typespec_limits *lim, struct mms_typespec **out,
			struct proto_err *err);
void mms_typespec_free(struct mms_typespec *root);
/* A short name: "boolean", "int32", "uint8", "float32", "bit-string(13)",
 * "visible-string(max 255)", "utc-time", "structure(4)", "array[3]"... */
const char *mms_typespec_str(const struct mms_typespec *t, char *out, size_t n);
/* The component of a structure by name, or NULL. */
const struct mms_typespec *mms_typespec_component(const struct mms_typespec *t,
						  const char *name);

/* GetVariableAccessAttributes response body into *deletable and a new type
 * tree (*type, the caller's on success). */
int mms_client_gvaa_decode(const uint8_t *body, size_t len, const struct mms_typespec_limits *lim,
			   bool *deletable, struct mms_typespec **type, struct proto_err *err);

/* ---- Data (ISO 9506-2 §14.4, IEC 61850-8-1 §8.1) ---- */

enum mms_fmt {
	/* A basic value as one token ("true", "42", "1.5", "0000000000000",
	 * "2026-11-24T10:00:00.000Z", hex octets, the string itself); a
	 * structure or array as lines "path: value", the path built from the
	 * component names of the type ("q", "origin.orCat", "[2]"). */
	MMS_FMT_TEXT,
	/* JSON: structures as objects keyed by component name (arrays when the
	 * type gives no names), arrays as arrays, bit strings as "0101" strings,
	 * octet strings as hex strings, times as ISO 8601 strings. */
	MMS_FMT_JSON,
};

/* Appends the Data TLV data[len] to `out` as text or JSON. `type` (may be
 * NULL) supplies component names where it matches the value's shape; the
 * value itself is self-describing. Returns 0, -EBADMSG (err) or out->err. */
int mms_data_format(struct buf *out, const uint8_t *data, size_t len,
		    const struct mms_typespec *type, enum mms_fmt fmt, struct proto_err *err);

/* The words mms_data_format puts beside a Quality, a Dbpos or a utc-time
 * (iedc.1, QUALITY AND DOUBLE POINTS) for the Data TLV data[len] of type
 * `type` (may be NULL) read on its own: true with the words in out[n] and,
 * for a time, *time_quality = its TimeQuality octet (else -1); false when
 * the value has no words. Decodes within data[len] only. */
bool mms_data_words(const uint8_t *data, size_t len, const struct mms_typespec *type,
		    int *time_quality, char *out, size_t n);

/* Encodes the text `s` as a Data TLV of basic type `t` into `b` (the forms
 * mms_data_format writes: "true"/"false"/"1"/"0"; decimal integers checked
 * against the width; floats; bit strings as binary digits of the exact
 * size; octet strings as hex; strings as themselves within their size;
 * utc-time as "YYYY-MM-DDTHH:MM:SS[.fff]Z" optionally followed by
 * " q=0xNN" and the words " (…)" that restate it; binary-time as ISO date-time or "HH:MM:SS.fff"; objId as
 * dotted arcs). Returns 0 or -EINVAL with err saying why (layer "value").
 * Structures and arrays are refused: write their components. */
int mms_data_parse(struct buf *b, const struct mms_typespec *t, const char *s,
		   struct proto_err *err);

/* ---- IEC 61850 references ↔ MMS names (IEC 61850-8-1 §8.1.3.2) ---- */

/* "LD/LN.DO.DA[FC]" or MMS form "LD/LN$FC$DO$DA" (also "LD/LN",
 * "LD/LN[FC]") into a domain-specific ObjectName, by objref_parse's rules
 * (objref.h: the model's too). The LD part is the MMS domain name exactly
 * as GetNameList returns it. Besides objref's rules, a dotted reference
 * needs its [FC] and may not name an array element "(n)". Returns 0 or
 * -EINVAL with err saying why (layer "reference"). */
int mms_ref_parse(const char *ref, struct mms_objname *out, struct proto_err *err);
/* The other way (objref_format): "LD/LN.DO.DA[FC]" for an item
 * "LN$FC$DO$DA"; an item whose second part is not a functional constraint
 * (a data set "LLN0$Events") becomes "LD/LLN0.Events"; a VMD-specific name
 * has no "LD/", an association-specific one starts with "@". Returns out. */
const char *mms_ref_format(const struct mms_objname *name, char *out, size_t n);
/* Whether s[0..len) is one of the functional constraints (mms_codes.h). */
bool mms_is_fc(const char *s, size_t len);
