/* SPDX-License-Identifier: Apache-2.0 */
/* Value updates into the model: the process side of "How a value flows"
 * (DESIGN.md) steps 2-3. pv hands the model typed values with quality and
 * time; the model converts them to the attribute's basic type, compares
 * them with what it holds and classifies the change (dchg, qchg, dupd,
 * IEC 61850-7-2 §17.2.2 trigger conditions), and keeps the data object's q
 * and t in step. The other direction, a client's write of a mapped
 * attribute, goes through the write hooks pv installs here, so acsi never
 * calls pv (DESIGN.md "How a value flows").
 *
 * Thread: the event loop's, like the rest of the model. No locks. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* A typed value as exchanged with pv: the same kinds as a source plugin's
 * enum iedd_kind, without depending on the plugin SDK. */
enum model_vkind { MODEL_V_NONE = 0, MODEL_V_BOOL, MODEL_V_INT, MODEL_V_UINT, MODEL_V_FLOAT,
		   MODEL_V_STRING };

struct model_val {
	uint8_t kind;	/* enum model_vkind */
	union {
		bool b;
		int64_t i;
		uint64_t u;
		double f;
		const char *s;	/* the caller's, NUL-terminated */
	} v;
};

/* The kind a value of basic type `bt` is exchanged as, or MODEL_V_NONE when
 * the type cannot be mapped to a process variable (Quality, Timestamp,
 * EntryTime, Check, octet and bit strings, INT128, structures). Dbpos and
 * Tcmd travel as integers 0..3, Enum as its ordinal. */
uint8_t model_btype_vkind(uint8_t bt);

/* Stores `v` into the basic attribute (t, voff), converting between kinds:
 * a float into an integer type is rounded to the nearest; a bool is 0/1;
 * a string only into a string type. *changed tells whether the stored
 * octets differ from before. Returns 0, -ERANGE (outside the type's range,
 * not a member of the Enum, NaN into an integer, string too long) or
 * -EINVAL (a kind that does not convert, MODEL_V_NONE). Nothing is stored
 * on failure. */
int model_store_val(struct model *m, const struct mtype *t, uint32_t voff,
		    const struct model_val *v, bool *changed);
/* The values the basic attribute type `t` holds, for messages about a
 * value that does not fit (model_store_val's -ERANGE): "INT16
 * -32768..32767", "INT32U 0..4294967295", "Enum HealthKind: 1 Ok, 2
 * Warning, 3 Alarm", "VisString64: up to 64 printable ASCII characters".
 * Always NUL-terminates buf (len > 0); long Enum lists end in "...". */
void model_range_text(const struct mtype *t, char *buf, size_t len);
/* Loads the basic attribute as a value of its kind (model_btype_vkind);
 * a string is copied into sbuf[slen] and v->v.s points there. Returns 0 or
 * -EINVAL for a type that does not convert. */
int model_load_val(const struct model *m, const struct mtype *t, uint32_t voff,
		   struct model_val *v, char *sbuf, size_t slen);

/* A basic attribute prepared for updates: found once at start. */
struct model_attr {
	const struct mtype *type;
	uint32_t voff;
	uint8_t fc;
	uint16_t trgops;	/* MODEL_TRG_* of the DA (and the attributes above it) */
	bool has_q, has_t;	/* the data object's q and t (same FC) */
	uint16_t q_trgops;	/* has_q: q's trigger options (qchg, for the observers) */
	uint32_t q_voff, t_voff;
};

/* Prepares the attribute named by `ref` ("LD/LN.DO.DA[FC]"): resolves it,
 * and finds the q and t of the nearest enclosing data object that has them
 * (for mag.f of an MV, MV.q and MV.t; for an SDO's attribute, the SDO's).
 * Returns 0, -ENOENT (no such attribute), -EINVAL (malformed, or not a
 * basic attribute). */
int model_attr_bind(const struct model *m, const char *ref, struct model_attr *out);

/* IEC 61850-8-1 §8.1.3.7 TimeQuality octet of a Timestamp. */
#define MODEL_TQ_LEAP_SECONDS_KNOWN 0x80
#define MODEL_TQ_CLOCK_FAILURE 0x40
#define MODEL_TQ_CLOCK_NOT_SYNCHRONIZED 0x20
#define MODEL_TQ_ACCURACY_UNSPECIFIED 0x1F

/* Encodes UTC ns since 1970 and a TimeQuality octet as the 8 octets of an
 * IEC 61850-8-1 UtcTime (seconds, 24-bit fraction, quality). */
void model_timestamp(uint64_t utc_ns, uint8_t tq, uint8_t out[8]);

/* Applies one update of the attribute: `v` (NULL or MODEL_V_NONE: the value
 * is kept, only the quality changes, as for a failed read), quality `q`
 * (IEC 61850 bit layout, the model's storage: validity in the two top
 * bits) and the time `ts` (8 octets, model_timestamp). The DO's q is set to
 * `q`; its t is set to `ts` when the value or the quality changed, or on
 * every update when the attribute has the dupd trigger option
 * (IEC 61850-7-3 §6.1: t is the time of the last change of the value or of
 * q). Returns the MODEL_TRG_DCHG / QCHG / DUPD bits of what happened, before
 * filtering by the attribute's trigger options (the caller ANDs with
 * a->trgops for what to report), or a negative errno from model_store_val
 * (then the value is kept and q is set invalid + inconsistent, which the
 * return value does not classify).
 *
 * The classification also goes to the change observers (observe.h) of
 * every data set member holding the value (dchg, dupd) or q (qchg), each
 * filtered by that attribute's trigger options, before model_update
 * returns; with none registered this costs one branch. */
int model_update(struct model *m, const struct model_attr *a, const struct model_val *v,
		 uint16_t q, const uint8_t ts[8]);
/* A value received from another IED (a GOOSE subscription's member,
 * acsi/goose_sub.c): decodes MMS Data `tlv` against (t, voff) and stores
 * it as model_store_data_unhooked does (all or nothing), WITHOUT the write
 * hooks (it is not a client's write and goes to no source), and classifies
 * it like a client's write: per basic attribute stored, dupd, and dchg (or
 * qchg for a Quality) where the octets changed, handed to the change
 * observers of the data set members holding it before this returns.
 * Returns 0 or an MMS DataAccessError (then nothing is stored and nobody
 * is told). A structure (a whole data object) carries its q and t in it. */
int model_store_data_observed(struct model *m, const struct mtype *t, uint32_t voff,
			      const struct ber_cur *parent, const struct ber_tlv *tlv);
/* Bits of `q` as model_update takes it (the Quality as stored, wire bit 0
 * in bit 15; IEC 61850-7-3 §6.2): the ones the model sets itself. The SDK's
 * IEDD_Q_* are the same bits (pv asserts it). */
#define MODEL_Q_VALIDITY_MASK 0xC000
#define MODEL_Q_INVALID 0x4000		/* validity invalid (01) */
#define MODEL_Q_INCONSISTENT 0x0080	/* detailQual inconsistent */

/* ---- write hooks: mapped attributes -> pv ---- */

/* The write in progress that a hook is called for (opaque). */
struct model_wcall;
/* A write waiting for sources that answer later (opaque). */
struct model_write_wait;

/* Called for each hooked attribute inside a value a client wrote, after the
 * new value is in the model: the hook reads it (model_load_val) and passes
 * it on. Returns 0 or an MMS DataAccessError code (ISO 9506-2 §7.5.2,
 * positive, e.g. 2 temporarily-unavailable, 1 hardware-fault); then the
 * model restores the old value of the whole write.
 *
 * A hook whose source answers later (a blocking source on its own thread)
 * takes a ticket with model_wcall_defer(call) and returns 0; when the
 * source has answered, the hook's owner calls model_write_done(ticket, dae)
 * on the loop thread, exactly once per ticket. */
typedef int (*model_write_fn)(void *ctx, uint32_t id, struct model *m,
			      struct model_wcall *call);

struct model_write_hooks {
	model_write_fn fn;
	void *ctx;
	size_t n;
	const uint32_t *voff;	/* sorted ascending, unique */
	const uint32_t *id;	/* id[i] is passed for voff[i] */
};

/* Installs the hook table (the caller's, must outlive the model or be
 * removed with NULL first). */
void model_set_write_hooks(struct model *m, const struct model_write_hooks *h);

/* Returned by model_write when a hook deferred: *wait is set and the
 * result arrives through model_write_wait_on's callback. Not an MMS code. */
#define MODEL_WRITE_PENDING 0x100

/* The MMS Write of one variable (acsi, after its access checks): decodes
 * `tlv` against `t` into `voff` (model_store_data_unhooked) and calls the hook of
 * every hooked attribute inside [voff, voff + t->size). Returns 0 or a
 * DataAccessError; on error the model holds the old value. A write spanning
 * several hooked attributes is not atomic towards the sources: those
 * called before the failing one have been written.
 *
 * `wait` NULL: hooks may not defer (a blocking source then queues the write
 * and it counts as done). Otherwise, when a hook deferred, returns
 * MODEL_WRITE_PENDING with *wait: the model keeps the old value until every
 * deferred source has answered, then takes the written value if all
 * succeeded; the caller must call model_write_wait_on at once.
 *
 * A write that took effect is classified per basic attribute written (dupd;
 * dchg, or qchg for a Quality, where the octets changed) and handed to the
 * change observers (observe.h) of the data set members holding it, after
 * the value is in the model: here, or for a deferred write in the
 * model_write_done that applies it. A failed write tells nobody. */
int model_write(struct model *m, const struct mtype *t, uint32_t voff,
		const struct ber_cur *parent, const struct ber_tlv *tlv,
		struct model_write_wait **wait);

/* Whether some hooked attribute lies inside [voff, voff + size): whether a
 * model_write there would carry (part of) the value to a source. Data
 * access asks this for a write of an FC whose service is missing
 * (model_fc_write: MODEL_FCW_SERVICE), which only a map row may take. */
bool model_write_hooked(const struct model *m, uint32_t voff, uint32_t size);

/* A hook's ticket for a source that answers later; NULL when the write
 * cannot wait (model_write got no `wait`, or out of memory): the hook then
 * answers now. */
struct model_write_wait *model_wcall_defer(struct model_wcall *call);

/* Sets what is called, once, with the final DataAccessError (0: success)
 * when every ticket of the write has been answered. */
typedef void (*model_wait_fn)(void *ctx, int dae);
void model_write_wait_on(struct model_write_wait *w, model_wait_fn fn, void *ctx);

/* A source's answer to one ticket (loop thread). The last answer applies
 * the value (all succeeded), calls the callback and frees the wait. */
void model_write_done(struct model_write_wait *w, int dae);
/* A wait with one ticket and no value behind it, for a service that
 * answers a Write later itself (the control model waiting for a source's
 * control()): model_write_wait_on, then model_write_done once. NULL on
 * out of memory. */
struct model_write_wait *model_wait_new(struct model *m);

/* ---- command hook: the control model's commands -> pv ----
 * The control model (acsi/control.c) offers each Select-with-value,
 * Operate and Cancel to the source of the data object's Oper.ctlVal map
 * row first, with the command's parameters (a plugin with control(),
 * include/iedd/source.h); a source without control() gets the operate as
 * the plain write of Oper (model_write and its hooks). */
enum { MODEL_CMD_SELECT = 1, MODEL_CMD_OPERATE = 2, MODEL_CMD_CANCEL = 3 };
struct model_command {
	uint8_t step;			/* MODEL_CMD_* */
	uint32_t row_voff;		/* Oper.ctlVal: the map row's attribute */
	const struct mtype *val_type;	/* where ctlVal is (Oper's, SBOw's or Cancel's) */
	uint32_t val_voff;
	uint8_t or_cat;
	uint8_t or_ident[64];
	uint8_t or_ident_len;
	uint8_t ctl_num;
	bool test;
	uint8_t check;			/* bit 0 synchrocheck, bit 1 interlock-check */
	uint64_t t_ns;			/* T, UTC ns; 0 unknown */
	/* may be NULL: the command cannot wait. Otherwise a source that
	 * answers later (a blocking plugin's thread) takes it, sets
	 * out->pending, and answers with model_write_done(wait, x): x is 0
	 * (accepted), MODEL_CMD_CAUSE(add_cause) (refused with it) or a
	 * DataAccessError (failed). */
	struct model_write_wait *wait;
};
#define MODEL_CMD_CAUSE_BASE 0x200	/* above every DataAccessError and MODEL_WRITE_PENDING */
#define MODEL_CMD_CAUSE(ac) (MODEL_CMD_CAUSE_BASE + (ac))
struct model_command_result {
	bool handled;		/* a source took it (false: no hook, no row, no control()) */
	bool pending;		/* handled, and the answer comes through c->wait */
	int add_cause;		/* handled: 0 accepted, else the AddCause refusing it */
	int dae;		/* add_cause != 0: the DataAccessError to answer */
};
typedef void (*model_command_fn)(void *ctx, struct model *m, const struct model_command *c,
				 struct model_command_result *out);
/* Installs pv's command hook (NULL: none). */
void model_set_command_hook(struct model *m, model_command_fn fn, void *ctx);
/* Offers `c` to the hook; out->handled false when there is none. */
void model_command(struct model *m, const struct model_command *c,
		   struct model_command_result *out);
