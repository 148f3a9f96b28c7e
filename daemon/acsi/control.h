/* SPDX-License-Identifier: Apache-2.0 */
/* The control model (IEC 61850-7-2 §20, mapped per IEC 61850-8-1 §20): one
 * state machine per controllable data object of the model, found at start
 * (every DO or SDO with Oper, SBOw, Cancel or SBO under FC CO), driven by
 * the client's Read of SBO and Write of SBOw, Oper and Cancel (handed here
 * by data access), by the event-loop clock (sboTimeout, operTimeout,
 * time-activated operate) and by the status of the object changing (the
 * source's feedback, seen through the model's change observers).
 *
 * Sans I/O: the time and the timers are the caller's (struct acsi_clock,
 * report.h); LastApplError and CommandTermination leave through the
 * client's `send` (struct acsi_rpt_client, the association's report
 * client, which is also its identity here). A command reaches the plant
 * through the model's write path: the accepted Oper is written with
 * model_write, whose hooks (pv's map rows, --simulate's control echo)
 * carry ctlVal to the source. Event-loop thread only.
 *
 * What is enforced (README "Controls" repeats the choices):
 * - ctlModel (CF, read at each command, so a client may change it where
 *   the SCL lets it): 0 status-only refuses everything; 1 and 3 operate
 *   directly; 2 selects by Read of SBO, 4 by Write of SBOw; 3 and 4 end
 *   with CommandTermination when the status reaches the commanded value
 *   (or, for a step command, changes) within operTimeout.
 * - A selection belongs to one association; it ends with sboTimeout (CF,
 *   default 30000 ms), with an operate (sboClass operate-once; with
 *   sboClass operate-many it stays, and sboTimeout restarts), with Cancel
 *   and with the end of the association.
 * - Beh (7-4 Annex A): off and on-blocked refuse with Blocked-by-Mode;
 *   test and test/blocked accept only Test=true, on only Test=false. The
 *   LN's own Beh is used, else its LD's LLN0.Beh. A control of Mod itself
 *   is carried out by the server: Mod.stVal takes ctlVal and Beh follows
 *   (the LD's LLN0 Mod combined with each LN's Mod, 7-4 Annex A).
 * - Loc.stVal true (the LN's, else LLN0's) refuses commands from station
 *   and remote originators (orCat 2, 3, 5, 6) with
 *   Blocked-by-switching-hierarchy; LocSta true refuses station ones.
 * - Step limits (CF minVal/maxVal): a step command (Tcmd) towards an end
 *   position already reached, or a position (ISC) outside them, is refused
 *   with Step-limit (object-value-invalid).
 * - Health alarm refuses with Blocked-by-health when cfg.health_blocks.
 * - A command that no source carries (no map row for Oper.ctlVal, not a
 *   Mod) is refused with Blocked-by-process: nothing would happen.
 * - A source with control() (include/iedd/source.h) is offered every
 *   SelectWithValue, Operate and Cancel with its parameters
 *   (model_command, update.h) and may refuse it with an AddCause
 *   (interlocking, synchrocheck, ...); it then carries out the operate
 *   itself. Any other source gets Oper written (its Oper.ctlVal row).
 * Every refusal sends LastApplError before the negative response and
 * writes one log line; so does every accepted command. A written value
 * that is not of the Oper/SBOw/Cancel type (type-inconsistent, or
 * object-value-invalid for a value outside its type, such as an orCat
 * OrCatKind lacks) is no command: it gets the DataAccessError alone. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ber.h"
#include "buf.h"
#include "model.h"
#include "report.h"
#include "audit_hook.h"

/* AddCauses are mms_codes.h's IEC_ADDCAUSE_* (IEC 61850-7-2; 8-1 encodes
 * them as INT8), their words iec_addcause_str. */

struct acsi_control_cfg {
	uint32_t sbo_timeout_ms;	/* when the SCL has no sboTimeout; 0: 30000 */
	uint32_t oper_timeout_ms;	/* when the SCL has no operTimeout; 0: 10000 */
	/* A command whose Check asks for interlock-check or synchrocheck, with
	 * no source to make them (no plugin with control() carries it): false
	 * (the default) passes it, as a plain write source cannot check;
	 * true refuses it with Blocked-by-interlocking / -synchrocheck. */
	bool refuse_unchecked;
	/* The LN's Health (else LLN0's) at alarm refuses commands with
	 * Blocked-by-health (7-4); false (the default): Health is not looked at. */
	bool health_blocks;
	/* the audit trail (audit_hook.h): one record per select, operate,
	 * cancel and termination; NULL: off */
	const struct acsi_audit *audit;
};

struct acsi_controls;

/* Finds the controllable objects of `m`. `clk` and `cfg` are copied.
 * NULL on out of memory (a model with no controls gives a service with
 * none). */
struct acsi_controls *acsi_controls_new(struct model *m, const struct acsi_clock *clk,
					const struct acsi_control_cfg *cfg);
/* Cancels the timers and frees everything; pending terminations are
 * dropped. NULL: no-op. */
void acsi_controls_free(struct acsi_controls *c);
/* How many controllable objects were found. */
uint32_t acsi_controls_count(const struct acsi_controls *c);
/* Controllable object i (< acsi_controls_count) as it stands now, for the
 * conformance statement (iedd --pics) and the status page. */
struct acsi_control_info {
	const char *ref;	/* "LD/LN.Pos" (the service's; valid while it lives) */
	int ctl_model;		/* CF ctlModel now (0..4); -1: the DO has none */
	bool has_sbo, has_sbow, has_cancel;
	bool timed;		/* Oper has operTm: time-activated operate */
};
int acsi_controls_info(const struct acsi_controls *c, uint32_t i, struct acsi_control_info *out);

/* SetDataValues under FC CO (data access's write slot): Oper, SBOw or
 * Cancel of a controllable object, written as a whole. Returns 0, an MMS
 * DataAccessError (LastApplError already sent), ACSI_WRITE_NOT_MINE
 * (data_access.h) for an attribute of FC CO that is no control, or, with
 * `wait` (may be NULL: the caller cannot wait), MODEL_WRITE_PENDING with
 * *wait when an operate waits for a source's control() on its thread
 * (update.h: answered by model_write_done; the caller waits on it as for
 * a deferred model_write). */
struct model_write_wait;
int acsi_controls_write(struct acsi_controls *c, struct acsi_rpt_client *cl,
			const struct mref *ref, const struct mtype *t, uint32_t voff,
			const struct ber_cur *parent, const struct ber_tlv *data,
			struct model_write_wait **wait);
/* The same for a caller that may or may not control (IEC 62351-8 CONTROL,
 * authz.h): !allowed refuses the command with LastApplError AddCause
 * No-access-authority and object-access-denied, changing nothing. */
int acsi_controls_write_as(struct acsi_controls *c, struct acsi_rpt_client *cl, bool allowed,
			   const struct mref *ref, const struct mtype *t, uint32_t voff,
			   const struct ber_cur *parent, const struct ber_tlv *data,
			   struct model_write_wait **wait);

/* GetDataValues of (t, voff): when it is the SBO of a controllable object,
 * runs the select (ctlModel 2) and appends the Data (the object reference,
 * or "" when the select failed) to `resp`, returning true; false for
 * anything else (read it as usual). */
bool acsi_controls_read(struct acsi_controls *c, struct acsi_rpt_client *cl,
			const struct mtype *t, uint32_t voff, struct buf *resp);
/* ... and for a caller that may not control: the select fails with
 * No-access-authority (LastApplError, "" as the Data). */
bool acsi_controls_read_as(struct acsi_controls *c, struct acsi_rpt_client *cl, bool allowed,
			   const struct mtype *t, uint32_t voff, struct buf *resp);

/* The association of `cl` ended: its selections end (stSeld false), its
 * time-activated operates are dropped, and the terminations it waits for
 * are not sent (the commands themselves go on in the plant). */
void acsi_controls_client_end(struct acsi_controls *c, struct acsi_rpt_client *cl);

/* Counters for tests and the status page. */
struct acsi_controls_stats {
	uint64_t selects, operates, cancels;	/* accepted */
	uint64_t refused;			/* any service refused (LastApplError sent) */
	uint64_t terminations_ok, terminations_failed;
};
void acsi_controls_stats(const struct acsi_controls *c, struct acsi_controls_stats *out);
