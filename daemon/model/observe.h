/* SPDX-License-Identifier: Apache-2.0 */
/* Change observers: who is told when a value inside a data set changes.
 *
 * The model classifies every change it makes (update.h): a process value
 * through model_update, a client's write through model_write (and the
 * deferred write's model_write_done). Each changed basic attribute (a
 * "leaf") is then looked up in an index built once at load, from a value
 * offset to the FCDAs (data set members, IEC 61850-7-2 §9) that contain
 * it, and every registered observer of those data sets is told, per (data
 * set, member index), the trigger condition (IEC 61850-7-2 §17.2.2: dchg a
 * value changed, qchg a quality changed, dupd a value was refreshed) as
 * far as the leaf's trigger options (SCL DA dchg/qchg/dupd) allow it.
 * Reports (7-2 §17: member index -> inclusion bitstring, reason) and GOOSE
 * (7-2 §15: a member changed -> new stNum, retransmission restarts) attach
 * here; neither walks the model again. The control blocks naming a data
 * set are found with model_dataset_cbs.
 *
 * Cost: a change reaches only the members that contain the leaf: a binary
 * search over the FCDA boundaries (O(log FCDAs)) plus O(members
 * affected). With no observer registered, model_update and model_write pay
 * one branch on a counter and nothing else.
 *
 * Data sets defined at run time (model_dataset_add, model.h) enter the
 * index as they come and leave it as they go: the index is rebuilt
 * (O(index size)) on each add and remove, never during a delivery. Their
 * numbers (ds_no) stay theirs while they live, so observers of one data
 * set and observers' tables by ds_no survive every rebuild.
 *
 * Not observed: values stored other than through model_update/model_write
 * (model_store_val, model_set_text, model_store_data_unhooked: SCL values
 * at load, pv's instMag beside a deadbanded mag).
 *
 * Thread: the event loop's, like the whole model. No locks. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* One member of one data set touched by one change. */
struct model_change {
	const struct mdataset *ds;
	uint32_t ds_no;		/* ds->no, 0..model_n_datasets()-1: for observers' tables */
	uint32_t member;	/* index into ds->members */
	uint16_t reason;	/* MODEL_TRG_DCHG / QCHG / DUPD (one or more), already
				 * filtered by the leaf's trigger options and the
				 * observer's `reasons` */
	uint32_t voff;		/* the changed leaf (absolute value offset) ... */
	const struct mtype *leaf;	/* ... and its basic type */
};

/* Told about one (data set, member) that a change touched; the new value
 * is already in the model (model_encode_data of the member reads it).
 * One model_update or model_write may call it several times: once per
 * changed leaf and member containing it (a DO-level member sees its
 * stVal's dchg and its q's qchg as two calls), in no promised order;
 * `end` (if set) follows the last of them, so an observer can collect a
 * whole update into one report or one GOOSE event.
 *
 * What a callback may do: read the model; register or unregister
 * observers (itself too: an observer removed during a delivery is not
 * called again; one added may or may not be told about the rest of the
 * change in progress); add and remove run-time data sets (model.h): a
 * removed one is told about no more (neither to its own observers, which
 * go with it, nor to observers of all sets), its memory stays valid until
 * the delivery ends; an added one is in the index from the end of the
 * delivery (the rest of the change in progress does not reach it; an
 * observer for it can be registered at once); schedule work on the event
 * loop. What it may not
 * do: change values (model_update, model_write, model_store_val,
 * model_set_text, model_store_data_unhooked): the other observers of the same
 * change would see a later value than the one they are told about, and
 * the delivery is not reentrant (asserted). Work that must change the
 * model (a GOOSE subscriber echo, a report's GI reset) goes through the
 * event loop. */
typedef void (*model_change_fn)(void *ctx, struct model *m, const struct model_change *c);
typedef void (*model_change_end_fn)(void *ctx, struct model *m);

struct model_observer_desc {
	uint16_t reasons;		/* MODEL_TRG_DCHG | QCHG | DUPD wanted; 0: all three */
	const struct mdataset *ds;	/* only this data set (a report's, a GoCB's); NULL: all */
	model_change_fn change;		/* required */
	model_change_end_fn end;	/* optional: after the last `change` of one update/write */
	void *ctx;
};

struct model_observer;

/* Registers an observer (at load or any time later). The descriptor is
 * copied. Returns the handle, or NULL (out of memory, no `change`, or a
 * `ds` that is not a live data set of `m`). The handle is the model's:
 * freed by model_observe_remove, model_dataset_remove of its `ds`, or
 * model_free; after model_dataset_remove of its `ds` it must not be used
 * again. */
struct model_observer *model_observe_add(struct model *m, const struct model_observer_desc *d);
/* Unregisters and frees `o` (NULL: nothing). Safe inside a callback. */
void model_observe_remove(struct model *m, struct model_observer *o);

/* Every data set of the model, numbered as model_change.ds_no: the SCL's
 * are 0..n-1 (in LD order, then by name) for good; a run-time one takes
 * the lowest free number and keeps it until removed. model_n_datasets is
 * one past the highest number in use (a table size: it grows and shrinks
 * with run-time sets); model_dataset_no is NULL for a number not in use
 * (free, or of a set removed during the delivery in progress: reused
 * only after it). */
uint32_t model_n_datasets(const struct model *m);
const struct mdataset *model_dataset_no(const struct model *m, uint32_t no);
/* The control blocks (struct mcb: RCBs, GoCBs, LCBs, ...) whose datSet
 * names `ds` (an SCL data set), *n receives the count; NULL when none,
 * and always for a run-time set (RCBs name those through their own state
 * in acsi). O(1). */
const struct mcb *const *model_dataset_cbs(const struct model *m, const struct mdataset *ds,
					   uint32_t *n);
/* Octets the change index of `m` takes (for the load benchmark). */
size_t model_observe_index_size(const struct model *m);
