/* SPDX-License-Identifier: Apache-2.0 */
/* The IEC 61850 data model of one IED, loaded from SCL at start and then
 * read-only in shape (values change). Owned and used by the event-loop
 * thread only.
 *
 * Shape: the MMS view of IEC 61850-8-1 §6/§7 is built once at load time:
 * an LD is an MMS domain; an LN is a named variable whose components are the
 * functional constraints present (ST, MX, CO, ...), each a structure of the
 * data objects that have attributes with that FC, filtered recursively.
 * Types (struct mtype) are shared by every instance of the same SCL type, so
 * memory grows with the number of distinct types, not of instances; an
 * instance is (type, value offset). Values live in one byte array.
 *
 * Lookups (domain by name, LN by name, component by name) use hash tables or
 * sorted arrays built at load: their cost does not grow with the model.
 *
 * This header is the model's shape, its loading, lookups, value codecs and
 * findings. A client's write and a source's update, with the write hooks
 * that carry mapped attributes to their sources: update.h. The change
 * observers that reports and GOOSE attach to: observe.h. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
/* The FCs (FC_*) and the DataAccessError codes (MMS_DAE_*) this interface
 * speaks in: defined once, in proto (model depends on proto). */
#include "mms_codes.h"

/* mms_fc_name and mms_fc_parse (mms_codes.h), under the model's prefix:
 * "ST", "MX", ...; NULL for FC_NONE. */
const char *model_fc_name(uint8_t fc);
/* FC_* for a two-letter name, FC_NONE if unknown. */
uint8_t model_fc_parse(const char *s, size_t len);

/* What a client's write (MMS Write, IEC 61850-7-2 SetDataValues) of an
 * attribute of each FC does: one table (model.c) that data access
 * (acsi/data_access.c: dispatch), the CSV map's check of w rows and the map
 * template (pv/) all use.
 *   MODEL_FCW_DENIED   ST, MX, SG, SR, OR, EX, and a whole LN (FC_NONE):
 *                      never written by a client (7-2 §6.2.1, Table 18:
 *                      status, measurands and the active settings come
 *                      from the process or their service):
 *                      object-access-denied.
 *   MODEL_FCW_PLAIN    CF, DC, SP, SV, BL: stored as written; a map row
 *                      with w carries the value to its source.
 *   MODEL_FCW_SERVICE  CO, RP, BR, LG, GO, GS, MS, US, SC, SE: the write
 *                      belongs to a service (control, reporting, logging,
 *                      GOOSE and sampled-value control blocks, setting-group
 *                      editing), which data access hands it to; without
 *                      that service it is object-access-unsupported, unless
 *                      a map row carries it to a source (model_fc_carried). */
enum model_fc_write { MODEL_FCW_DENIED = 0, MODEL_FCW_PLAIN, MODEL_FCW_SERVICE };
/* MODEL_FCW_* of `fc` (DENIED for FC_NONE and out of range). */
uint8_t model_fc_write(uint8_t fc);
/* Whether a map row with w may carry a client's write of the attribute
 * at `path` ("DO.DA.sub" below the LN, no FC; `len` octets) of FC `fc` to
 * a source: any attribute of a PLAIN FC, and of CO only Oper.ctlVal and
 * what lies below it (an APC's ctlVal.f): commands reach the sources
 * through the write path (DESIGN.md "How a value flows"). */
bool model_fc_carried(uint8_t fc, const char *path, size_t len);

/* Basic types (IEC 61850-7-2 §6.1, SCL bType) and constructed kinds. */
enum model_btype {
	MB_STRUCT = 0, MB_ARRAY,
	MB_BOOLEAN, MB_INT8, MB_INT16, MB_INT24, MB_INT32, MB_INT64, MB_INT128,
	MB_INT8U, MB_INT16U, MB_INT24U, MB_INT32U,
	MB_FLOAT32, MB_FLOAT64,
	MB_ENUM,		/* Enum: MMS integer (8-1 Ed.2: Integer) */
	MB_DBPOS, MB_TCMD, MB_CHECK,	/* 2-bit strings */
	MB_QUALITY,		/* bit-string(13); described as varying, up to 13 (8-1 §8.2) */
	MB_TIMESTAMP,		/* utc-time */
	MB_ENTRYTIME,		/* binary-time(6) */
	MB_VISSTRING,		/* VisString32/64/65/129/255, ObjRef (129), Currency (3) */
	MB_UNICODE,		/* Unicode255: mms-string (UTF-8) */
	MB_OCTET,		/* Octet64/Octet6/Octet16, EntryID (8), PhyComAddr */
	MB_BITSTRING,		/* TrgOps (6), OptFlds (10), SvOptFlds, LogOptFlds: max_len = bits */
	MB_COUNT
};
/* The SCL bType spelling ("FLOAT32"); for MB_STRUCT "Struct". */
const char *model_btype_name(uint8_t bt);

/* Bytes of value storage per basic type: fixed per type (strings: max_len+1,
 * NUL-terminated; octets: a host-order uint16_t length + max_len;
 * bitstrings: 1-byte bit count (kept at max_len: a bit string is fixed at
 * max_len bits) + ceil(bits/8); ints as int64_t/uint64_t, FLOAT32 as float,
 * FLOAT64 as double, ENUM as int32_t, DBPOS/TCMD/CHECK as uint8_t (the two
 * bits in the low bits, MSB first as on the wire), QUALITY as uint16_t (bit 0
 * of the wire in bit 15), TIMESTAMP as the 8 wire octets, ENTRYTIME as the 6
 * wire octets). All accesses use memcpy: no alignment is assumed. */
size_t model_btype_size(uint8_t bt, uint32_t max_len);

struct enum_type {
	const char *id;
	uint32_t n;
	int32_t *ords;		/* sorted ascending */
	const char **names;	/* names[i] belongs to ords[i] */
};
/* Name of `ord` or NULL. */
const char *enum_name(const struct enum_type *e, int32_t ord);
/* Ordinal of `name` (exact match); false if not a member. */
bool enum_ord(const struct enum_type *e, const char *name, int32_t *ord);

struct mcomp;
struct model;

/* A node of the MMS view type tree. Immutable after load; shared. */
struct mtype {
	uint8_t btype;		/* enum model_btype */
	uint8_t fc;		/* the FC of every leaf below (FC_NONE above the FC level) */
	uint16_t trgops;	/* DA trigger options: MODEL_TRG_* */
	uint32_t max_len;	/* strings, octets: max octets; bitstrings: bits */
	uint32_t size;		/* bytes of values of the whole subtree */
	uint32_t count;		/* MB_ARRAY: number of elements */
	const struct mtype *elem;	/* MB_ARRAY: element type */
	const struct enum_type *enm;	/* MB_ENUM */
	uint32_t n;		/* MB_STRUCT: number of components */
	const struct mcomp *comp;	/* MB_STRUCT: components in definition order */
	const uint32_t *by_name;	/* MB_STRUCT: indices into comp, sorted by strcmp */
	const uint8_t *typedesc;	/* MMS TypeDescription (ISO 9506-2 TypeSpecification), BER */
	size_t typedesc_len;
	uint32_t depth;		/* levels below (0 for a basic type) */
	uint8_t flags;		/* MTYPE_FIXED: octet string of exactly max_len octets
				 * (EntryID, PhyComAddr); its typedesc size is positive */
};
#define MTYPE_FIXED 0x01

#define MODEL_TRG_DCHG 0x01
#define MODEL_TRG_QCHG 0x02
#define MODEL_TRG_DUPD 0x04
/* Control-block trigger options only (struct mcb.trgops): */
#define MODEL_TRG_PERIOD 0x08
#define MODEL_TRG_GI 0x10

struct mcomp {
	const char *name;
	const struct mtype *type;
	uint32_t off;		/* offset of this component's values within the parent's */
};

/* A data set (IEC 61850-7-2 §9), from SCL DataSet/FCDA. */
struct mfcda {
	char ref[160];		/* "LDinst/LN.DO.DA[FC]" as written in the SCL, for messages */
	const struct mld *ld;
	const struct mln *ln;
	const struct mtype *type;	/* the member's type (FC-filtered) */
	uint32_t voff;		/* absolute value offset */
	char mms_item[130];	/* "LN$FC$DO$DA" */
	/* An FCDA naming an array element (FCDA ix, or "(n)" in doName or
	 * daName): mms_item names the array variable itself, arr_index the
	 * element, alt_item the components below the element ("cVal$mag$f",
	 * empty for the whole element): together the ISO 9506 AlternateAccess
	 * an MMS client uses (IEC 61850-8-1 §14.2.2). */
	int32_t arr_index;	/* -1: not an array element */
	char alt_item[130];
};
struct mdataset {
	char name[65];		/* MMS name of the named variable list: "LLN0$DSname";
				 * an association-specific one: "DSname" */
	const struct mln *ln;	/* LN holding it (LLN0 usually); NULL: association-specific */
	uint32_t n;
	struct mfcda *members;
	uint32_t no;		/* ds_no (observe.h): stable while the set lives */
	bool deletable;		/* client-defined (DefineNamedVariableList): true; SCL: false */
	const void *owner;	/* association-specific (@name): the defining association's
				 * handle (opaque to the model); NULL: domain-specific */
};

/* ---- data sets defined at run time (model/dataset.c) ----
 * IEC 61850-7-2 §9.2: a client defines data sets (MMS
 * DefineNamedVariableList, 8-1 §14) either in an LD (domain-specific,
 * "LN$DSname", visible to every association) or for its association only
 * (association-specific, "@DSname" on the wire, "DSname" here, gone with
 * the association). The model keeps them beside the SCL's, in the change
 * index (observe.h), numbered like them. A struct mdataset stays where it
 * is until it is removed (observers and RCBs hold pointers to it).
 * Thread: the event loop's, like the whole model. */
struct model;

/* Prepares one member from its MMS form: a domain-specific variable `item`
 * ("LN$FC$DO$DA") of `domain`, and (arr_index >= 0) an array element with
 * alt_item the components below it ("" or NULL for the whole element,
 * "cVal$mag$f"), as struct mfcda holds them. Fills ref (the object
 * reference "LDinst/LN.DO.DA[FC]", "(n)" after an array, as the SCL's
 * members have it), ld, ln, type, voff, mms_item, arr_index, alt_item.
 * Returns 0, -ENOENT (names nothing: no such LD, LN, FC, component, not an
 * array where arr_index is given, index out of bounds), -EINVAL
 * (malformed: empty names, characters outside letters, digits and '_', a
 * name too long for mfcda, alt_item without arr_index, or an FC level or
 * whole LN: 7-2 allows FCD and FCDA only, i.e. at least LN$FC$DO). */
int model_fcda_from_mms(const struct model *m, const char *domain, const char *item,
			int32_t arr_index, const char *alt_item, struct mfcda *out);

/* Adds a data set defined at run time: domain-specific (`ld` set, `owner`
 * NULL, name "LN$DSname", the LN must exist in ld) or association-specific
 * (`ld` NULL, `owner` non-NULL, name "DSname"). Members are copied
 * (model_fcda_from_mms's, of this model). The new set gets a ds_no (the
 * lowest free one), is findable by model_find_dataset /
 * model_find_aa_dataset and listed by model_ld_dataset / model_aa_dataset
 * at once, and is in the change index at once (observers of "all data
 * sets" see its members' changes) -- except when added by an observer's
 * callback: then from the end of the delivery in progress (observe.h).
 * *out (may be NULL) receives it. Returns 0, -EEXIST (that name exists in
 * that scope, SCL sets included), -ENOENT (the LN in name does not exist
 * in ld), -EINVAL (n == 0, both or neither of ld and owner, an ld not of
 * m, or a name that is not an MMS identifier: letters, digits, '_', '$'
 * exactly once for the domain form and never in the other, 1 to 32
 * characters for the DSname part, not starting with a digit, at most 64
 * in all), -ENOMEM (nothing changed). Cost: O(index size) (the change
 * index is rebuilt); a change delivery stays O(log FCDAs + members
 * affected). */
int model_dataset_add(struct model *m, const struct mld *ld, const void *owner,
		      const char *name, const struct mfcda *members, uint32_t n,
		      const struct mdataset **out);
/* Removes a deletable data set: its observers are removed
 * (model_observe_remove) first, then it is no longer found nor listed;
 * its memory and its ds_no are released once no delivery is running
 * (inside an observer's callback: at the end of that delivery), and the
 * ds_no may be reused by a later add. Returns 0, -EPERM (an SCL data set),
 * -ENOENT (not a live data set of m). Never fails for memory. */
int model_dataset_remove(struct model *m, const struct mdataset *ds);
/* Removes every association-specific data set of `owner` (an association
 * that ended; NULL: none), with one index rebuild. Returns how many. */
uint32_t model_dataset_remove_owner(struct model *m, const void *owner);
/* Association-specific data set `name` of `owner`, or NULL. O(log n). */
const struct mdataset *model_find_aa_dataset(const struct model *m, const void *owner,
					     const char *name);
/* Data sets of `ld` (SCL and run-time), sorted by MMS name (strcmp), for
 * GetNameList; i < model_ld_n_datasets(ld), else NULL. O(1). The order and
 * the count change with every add and remove in ld. */
uint32_t model_ld_n_datasets(const struct mld *ld);
const struct mdataset *model_ld_dataset(const struct mld *ld, uint32_t i);
/* Association-specific data sets of `owner`, sorted by name; NULL past
 * the end. O(log n). */
uint32_t model_aa_n_datasets(const struct model *m, const void *owner);
const struct mdataset *model_aa_dataset(const struct model *m, const void *owner, uint32_t i);
/* Count of run-time domain-specific sets of `ld` (for the per-LD limit). */
uint32_t model_ld_n_dynamic(const struct mld *ld);

/* Control blocks from SCL (ReportControl, GSEControl, LogControl,
 * SettingControl, SampledValueControl), for their services (reports,
 * GOOSE, logs, setting groups): the attributes the SCL gives, each with
 * its default where absent or repaired (doc/scl-findings.md). */
enum { MCB_URCB, MCB_BRCB, MCB_GOCB, MCB_LCB, MCB_SGCB, MCB_MSVCB, MCB_USVCB };
struct mcb {
	uint8_t kind;
	char name[65];
	char dataset[65];
	const struct mln *ln;
	uint32_t conf_rev;
	char rpt_id[130];	/* rptID / appID / logName */
	uint32_t max_instances;	/* RptEnabled max; 1 otherwise */
	bool buffered;
	uint32_t intg_pd, buf_time;
	uint16_t trgops;
	uint16_t opt_fields;	/* RCB OptFields: bit i (1u << i) = IEC 61850-8-1 OptFlds bit i
				 * (1 seqNum, 2 timeStamp, 3 reasonCode, 4 dataSet, 5 dataRef,
				 * 6 bufOvfl, 7 entryID, 8 configRef, 9 segmentation) */
	bool indexed;		/* RCB: instances named name01, name02, ... (SCL default true) */
	uint32_t act_sg;	/* SGCB: actSG (numOfSGs is in max_instances) */
};

/* TEMP spec (rcbmodel) */
/* The SCL's edition: 1 for SCL 2003 (Ed.1), 2 for 2007A/B/B4 (Ed.2, Ed.2.1). */
uint8_t model_edition(const struct model *m);

/* One RCB instance in the MMS view (8-1 §17): LN$RP$name or LN$BR$name. */
enum mrcb_attr { MRCB_RPTID, MRCB_RPTENA, MRCB_RESV, MRCB_DATSET, MRCB_CONFREV, MRCB_OPTFLDS,
		 MRCB_BUFTM, MRCB_SQNUM, MRCB_TRGOPS, MRCB_INTGPD, MRCB_GI, MRCB_PURGEBUF,
		 MRCB_ENTRYID, MRCB_TIMEOFENTRY, MRCB_RESVTMS, MRCB_OWNER, MRCB_N };
/* Component name of each attribute ("RptID", ... "TimeofEntry", "ResvTms", "Owner"). */
const char *model_rcb_attr_name(unsigned a);
struct mrcb {
	const struct mcb *cb;		/* the SCL ReportControl */
	const struct mld *ld;
	const struct mln *ln;
	char name[68];			/* instance name: "urcbA01", or cb->name when not indexed */
	uint32_t inst;			/* 1..max_instances when indexed, 0 otherwise */
	bool buffered;			/* BR (true) or RP */
	uint32_t no;			/* 0..model_n_rcbs()-1 */
	const struct mtype *type;	/* the whole RCB structure */
	uint32_t voff;			/* its absolute value offset */
	struct { const struct mtype *type; uint32_t voff; } a[MRCB_N];	/* type NULL: absent */
	/* Pre-assigned by the SCL (RptEnabled/ClientLN, IEC 61850-6 §9.3.8;
	 * 7-2 Ed.2 §17.2.2): the k-th ClientLN takes the k-th instance. Its
	 * client is known by the IP address of the ClientLN's IED in the
	 * Communication section (ConnectedAP apName = apRef, Address/P
	 * type IP or IPv6): preassigned_addr[0..preassigned_len) in network
	 * order, 4 or 16 octets; 0: not pre-assigned. A ClientLN whose
	 * address is not in the file leaves the instance free for any client
	 * (preassigned_unresolved, with a load warning). */
	uint8_t preassigned_addr[16];
	uint8_t preassigned_len;
	bool preassigned_unresolved;
	char preassigned_ied[65];	/* the ClientLN's iedName (logs, tests) */
};
uint32_t model_n_rcbs(const struct model *m);
const struct mrcb *model_rcb(const struct model *m, uint32_t no);
/* The RCB whose values contain the absolute offset `voff` (a Write's target), or NULL.
 * O(log n). */
const struct mrcb *model_rcb_at(const struct model *m, uint32_t voff);
/* The attribute (MRCB_*) at `voff` inside `r` when voff is exactly one attribute's offset
 * and `t` its type; -1 otherwise (a write of the whole RCB or of several attributes). */
int model_rcb_attr_at(const struct mrcb *r, const struct mtype *t, uint32_t voff);

struct mln {
	char name[65];		/* prefix + lnClass + inst, e.g. "MMXU1", "LLN0" */
	char ln_class[8];
	const struct mtype *type;	/* MB_STRUCT whose components are FCs (8-1 table order) */
	uint32_t vbase;		/* offset of the LN's values in model.values */
	const struct mld *ld;
};

struct mld {
	char name[65];		/* MMS domain name: IED name + inst, or Ed.2 ldName */
	char inst[65];
	uint32_t n_ln;
	struct mln *lns;	/* sorted by name */
	uint32_t n_ds;
	struct mdataset *datasets;	/* the SCL's, sorted by name (model_ld_dataset: all) */
	struct mld_dsets *dsets;	/* run-time data sets (dataset.c); NULL: none yet */
	uint32_t n_cb;
	struct mcb *cbs;
};

struct model {
	char ied_name[65];
	char scl_file[256];
	uint32_t n_ld;
	struct mld *lds;	/* sorted by name */
	uint8_t *values;	/* every attribute value, laid out by type */
	size_t values_size;
	uint32_t n_types;	/* distinct mtype nodes (for statistics) */
	void *priv;		/* loader-private: arena, hash tables */
};

/* Result of resolving an MMS name or an object reference. */
struct mref {
	const struct mld *ld;
	const struct mln *ln;
	const struct mtype *type;
	uint32_t voff;		/* absolute offset into model.values */
	uint8_t fc;		/* FC_NONE for a whole LN */
};

/* ---- loading (model/scl.c) ---- */

/* Loads `path` (SCL 2003, 2007B, 2007B4; ICD, CID, IID, SCD) and builds the
 * model of IED `ied` (NULL: the only IED in the file). On failure (an error
 * finding, see "Findings" below) returns a negative errno and writes into
 * err[errlen] a message naming the file, the line, the element and the
 * fix, e.g.
 *   "x.icd:120: DOI 'Mod' in LN 'LLN0': DOType 'X' is not defined in
 *    DataTypeTemplates (add it or fix the type attribute)".
 * On success the model may carry warnings (model_warning), among them an
 * SCL version other than 2003, 2007A, 2007B, 2007B4. Bounded: a type cycle
 * or nesting deeper than MODEL_MAX_DEPTH is an error. *out is the caller's
 * (model_free). */
int model_load_scl(const char *path, const char *ied, struct model **out, char *err,
		   size_t errlen);
/* The same for an SCL document held in memory (the embedded sample);
 * `name` stands for the file name in messages. */
int model_load_scl_mem(const char *name, const void *buf, size_t len, const char *ied,
		       struct model **out, char *err, size_t errlen);
/* Frees everything. */
void model_free(struct model *m);

#define MODEL_MAX_DEPTH 16

/* ---- lookup (model/model.c) ---- */

/* LD by its domain name (IED name + inst, or ldName), or NULL. */
const struct mld *model_find_ld(const struct model *m, const char *domain);
/* LD by its SCL inst, or NULL. */
const struct mld *model_find_ld_inst(const struct model *m, const char *inst);
/* LN of `ld` by name (name[len], not NUL-terminated), or NULL. */
const struct mln *model_find_ln(const struct mld *ld, const char *name, size_t len);
/* Resolves the item name of a domain-specific MMS variable ("LN",
 * "LN$FC", "LN$FC$DO$DA"; an item never passes through an array: array
 * elements are addressed by alternate access, not by name). Returns 0 or
 * -ENOENT. */
int model_resolve_mms(const struct model *m, const char *domain, const char *item,
		      struct mref *out);
/* Resolves an object reference "LD/LN.DO.DA[FC]" (or "LD/LN$FC$DO$DA"),
 * LD given by inst or domain name. The syntax is objref_parse's (objref.h,
 * the client's too); "(n)" after a name selects array element n
 * ("LD0/MHAI1.HA.phsAHar(2).cVal.mag.f[MX]"); without "[FC]" the FC is the
 * one FC that has the attribute. Returns 0; -EINVAL for a reference that
 * breaks those rules, or whose attribute without [FC] several FCs have;
 * -ENOENT for a well-formed one that names nothing here. */
int model_resolve_ref(const struct model *m, const char *ref, struct mref *out);
/* Component `name` (name[len]) of a struct type, or NULL. */
const struct mcomp *mtype_find(const struct mtype *t, const char *name, size_t len);
/* Data set of `ld` by its MMS name ("LLN0$DSname"), SCL or run-time
 * (model_dataset_add), or NULL. */
const struct mdataset *model_find_dataset(const struct mld *ld, const char *name);

/* ---- values (model/model_data.c: MMS Data; model/model_text.c: text) ----
 * Client writes go through model_write (update.h), which checks, stores,
 * calls the write hooks of mapped attributes and tells the change
 * observers (observe.h); source values through model_update (update.h).
 * The functions here touch the value store only. */

/* Encodes the value at `voff` of type `t` as MMS Data (ISO 9506-2 Data,
 * IEC 61850-8-1 §8.1.3) appended to `b`. */
void model_encode_data(const struct model *m, const struct mtype *t, uint32_t voff,
		       struct buf *b);
/* Decodes MMS Data `tlv` against type `t` and, if everything fits, stores
 * it at `voff`, WITHOUT the write hooks and the change observers (the name
 * says so: model_write is the path of a client's write). Returns 0 or an
 * MMS DataAccessError code (ISO 9506-2): MMS_DAE_TYPE_INCONSISTENT,
 * MMS_DAE_OBJECT_VALUE_INVALID. Nothing is stored unless the whole value is
 * valid. */
int model_store_data_unhooked(struct model *m, const struct mtype *t, uint32_t voff,
		      const struct ber_cur *parent, const struct ber_tlv *tlv);
/* Sets a basic value from text (SCL Val, the CSV map, tests), without hooks
 * or observers: BOOLEAN "true"/"false" (also 1/0, any case); integers
 * decimal; floats as strtod; Enum by name (a member's ordinal is taken
 * too); Dbpos "intermediate-state", "off", "on", "bad-state"; Tcmd "stop",
 * "lower", "higher", "reserved"; Check, Quality and bit strings as '0'/'1'
 * digits MSB first (Quality also "good"); Timestamp and EntryTime as
 * "YYYY-MM-DDTHH:MM:SS[.f]Z" (UTC) or a count of seconds since 1970; octet
 * strings as hex digits, '-', ':' or ' ' allowed between octets; strings as
 * they are. Returns 0 or -EINVAL / -ERANGE. */
int model_set_text(struct model *m, const struct mtype *t, uint32_t voff, const char *text);
/* Writes the text form of a basic value into out[n], in the forms
 * model_set_text takes (for logs and tests). */
void model_get_text(const struct model *m, const struct mtype *t, uint32_t voff, char *out,
		    size_t n);

/* ---- short addresses (model/scl.c) ---- */

/* Short addresses (SCL DAI sAddr) of the instance, for the process-variable
 * map: kept as written, keyed by the attribute's absolute value offset.
 * Template DA sAddr is not kept (it would name every instance alike). */
struct msaddr {
	uint32_t voff;
	const struct mtype *type;	/* the DAI's type (basic, or a struct/array) */
	const char *saddr;
};
/* The sAddr of the attribute at `voff`, or NULL. */
const char *model_saddr(const struct model *m, uint32_t voff);
/* Every sAddr, sorted by voff; *n receives the count. */
const struct msaddr *model_saddrs(const struct model *m, size_t *n);

/* ---- findings (model/scl.c; doc/scl-findings.md) ----
 * An error refuses the file (model_load_scl fails); a warning is a repair
 * the loader made, and the repaired model is served. Warnings are: an
 * EnumType that is not defined (the attribute stays an integer, its values
 * unchecked), instance data (DOI/SDI/DAI) naming nothing in the LN's type
 * (ignored), a Val that does not fit its type (the attribute keeps its
 * template Val or its type's default: 0, empty, false, the first member
 * of an Enum), a Val on a structured attribute (ignored), a BOOLEAN Val
 * other than xs:boolean ("TRUE") or an Enum Val given by ordinal (taken),
 * an SDO/DA/BDA whose type is missing or undefined (left out of its
 * DOType/DAType), an FCDA that does not resolve (left out of its data
 * set, ConfRev unchanged), a control block whose datSet names no data set
 * of its LN (kept without one, or resolved when datSet is a reference or
 * MMS name whose last name is a data set of the LN). The warnings are
 * kept in line order (model_warning(m, 0) has the lowest line), up to
 * 100000, one message each, "file:line: ...", for --check and the
 * daemon's start-up log. */
uint32_t model_n_warnings(const struct model *m);
const char *model_warning(const struct model *m, uint32_t i);
/* --strict: 0 if the model has no warnings; else -EINVAL and err[errlen]
 * says how many, starting with the first one. */
int model_strict(const struct model *m, char *err, size_t errlen);
/* Splits a loader message ("FILE:LINE: text", "FILE: text") of a file
 * named `file`: returns the text and stores LINE in *line (0: none). */
const char *model_finding_split(const char *file, const char *msg, long *line);
