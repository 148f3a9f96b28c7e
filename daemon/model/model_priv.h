/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the loader (scl.c) and the model's lookups and values
 * (model.c); not for other modules. */
#pragma once
#include "update.h"
#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"

struct model_write_hooks;

/* struct model.priv */
struct model_priv {
	struct arena arena;		/* every node, name and table of the model */
	const struct mld **ld_by_inst;	/* sorted by inst, for model_find_ld_inst */
	struct msaddr *saddrs;		/* sorted by voff */
	size_t n_saddr;
	bool values_mapped;		/* model.values is mmap'd, not malloc'd */
	const char **warnings;
	uint32_t n_warnings;
	const struct model_write_hooks *write_hooks;	/* update.c; pv's, NULL: none */
	model_command_fn command_hook;			/* update.c; pv's, NULL: none */
	void *command_ctx;
	struct model_obs *obs;		/* observe.c: the change index and observers */
	uint32_t n_observers;		/* registered: 0 keeps the update path at one branch */
	/* dataset.c: the association-specific data sets, sorted by (owner, name) */
	const struct mdataset **aa;
	uint32_t n_aa, cap_aa;
	/* rcb.c: every RCB instance, sorted by voff */
	struct mrcb *rcbs;
	uint32_t n_rcbs;
	uint8_t edition;		/* 1: SCL 2003, 2: 2007 */
	/* gocb.c: every GoCB (gse.h), sorted by voff */
	struct mgocb *gocbs;
	uint32_t n_gocbs;
	/* gsub.c: every GOOSE subscription (gse.h) */
	struct mgoose_sub *gsubs;
	uint32_t n_gsubs;
};

/* ---- dataset.c, for model.c and observe.c ---- */

/* The run-time data sets of one LD (struct mld.dsets): malloc'd, with
 * room reserved before the observers' index is touched, so that entering
 * a set into them cannot fail. */
struct mld_dsets {
	const struct mdataset **dyn;	/* run-time ones, sorted by name */
	uint32_t n_dyn, cap_dyn;
	const struct mdataset **all;	/* SCL and run-time, sorted by name */
	uint32_t n_all, cap_all;
};
/* Run-time data set `name` of `ld` (model_find_dataset's second half). */
const struct mdataset *model_find_rt_dataset(const struct mld *ld, const char *name);
/* Frees one run-time data set; observe.c calls it once no index refers to it. */
void model_dataset_free(struct mdataset *ds);
/* Frees the lookups of run-time data sets (not the sets: observe.c's). */
void model_dataset_clear(struct model *m);

/* ---- observe.c, for dataset.c ---- */

/* Numbers a new run-time data set (the lowest free ds_no) and enters it
 * into the change index: rebuilt now, or at the end of the delivery in
 * progress. 0, or -ENOMEM with nothing changed. */
int model_observe_ds_add(struct model *m, struct mdataset *ds);
/* Whether `ds` is a live data set of m (its number is its own). */
bool model_observe_ds_live(const struct model *m, const struct mdataset *ds);
/* Removes the observers of a live run-time set and its number; the set is
 * freed (model_dataset_free) once no index refers to it, which
 * model_observe_settle brings about. */
void model_observe_ds_remove(struct model *m, const struct mdataset *ds);
/* Rebuilds the index when sets were added or removed and no delivery
 * runs (inside one, model_observe_end does it). */
void model_observe_settle(struct model *m);

/* ---- observe.c, for the loader and update.c ---- */

/* Builds the index from value offsets to data set members and of the
 * control blocks of each data set, in the model's arena: once, at the end
 * of loading, after data sets and control blocks are built. 0 or -ENOMEM. */
int model_observe_index(struct model *m);
/* Frees the observers still registered, the index and the run-time data
 * sets (model_free). */
void model_observe_clear(struct model *m);
/* Delivery; only called when n_observers != 0. model_observe_leaf tells
 * the observers of every member containing the basic attribute at `voff`
 * (of type `leaf`; NULL: found from the member) about `reason`
 * (MODEL_TRG_*, filtered here by the attribute's trigger options
 * `trgops`); model_observe_end closes one update (calls the `end`
 * callbacks). */
void model_observe_leaf(struct model *m, uint32_t voff, const struct mtype *leaf,
			uint16_t trgops, uint16_t reason);
void model_observe_end(struct model *m);
/* Whether a member lies (partly) inside [voff, voff + size). */
bool model_observe_hit(const struct model *m, uint32_t voff, uint32_t size);
/* A client's write of (t, voff) has stored its value; `old` holds the
 * octets before it: classifies each member leaf (dupd, and dchg or qchg
 * where the octets differ) and delivers, then model_observe_end. */
void model_observe_write(struct model *m, const struct mtype *t, uint32_t voff,
			 const uint8_t *old);

/* Text form of a basic value in raw storage `v` (see model_set_text). */
int model_val_set_text(uint8_t *v, const struct mtype *t, const char *text);
void model_val_get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n);

/* Result of walking a component path below a type. */
struct mwalk {
	const struct mtype *type;
	uint32_t off;		/* relative to the start */
	int32_t index;		/* -1, or the array element taken */
	uint32_t index_step;	/* step (0-based) whose array the index applied to */
	uint32_t n_steps;
};
/* Walks `path[len]` (names separated by `sep`; a name may end in "(n)" to
 * take element n of an array) from `t`. `ix` >= 0 is taken as the index of
 * the first array that the path meets without an explicit "(n)" (SCL FCDA
 * ix). At most one index per path. A path may end at an array, never pass
 * through one without an index. Returns 0, -ENOENT (no such component,
 * index out of bounds, ix unused) or -EINVAL (malformed, two indexes). */
int mtype_walk(const struct mtype *t, const char *path, size_t len, char sep, int32_t ix,
	       struct mwalk *w);

/* Value range of a signed basic type (and of Enum, Dbpos, Tcmd as
 * integers), shared by decoding, text parsing and source updates. */
static inline void model_int_range(uint8_t bt, int64_t *min, int64_t *max)
{
	switch (bt) {
	case MB_INT8: *min = INT8_MIN; *max = INT8_MAX; break;
	case MB_INT16: *min = INT16_MIN; *max = INT16_MAX; break;
	case MB_INT24: *min = -(1 << 23); *max = (1 << 23) - 1; break;
	case MB_INT32: case MB_ENUM: *min = INT32_MIN; *max = INT32_MAX; break;
	case MB_DBPOS: case MB_TCMD: *min = 0; *max = 3; break;
	default: *min = INT64_MIN; *max = INT64_MAX; break;
	}
}

/* Largest value of an unsigned basic type. */
static inline uint64_t model_uint_max(uint8_t bt)
{
	switch (bt) {
	case MB_INT8U: return UINT8_MAX;
	case MB_INT16U: return UINT16_MAX;
	case MB_INT24U: return (1u << 24) - 1;
	default: return UINT32_MAX;
	}
}

/* ---- model_data.c, shared with model.c (names, lookups, paths) and
 * model_text.c (text forms) ---- */

/* Reading packed values (no alignment: memcpy), as model_data.c stores
 * them (model.h, model_btype_size). */
int64_t model_get_i64(const uint8_t *v);
uint16_t model_get_octlen(const uint8_t *v);
uint64_t model_get_u64(const uint8_t *v);
/* Well-formed UTF-8 (RFC 3629): no overlong two-octet forms, nothing
 * beyond U+10FFFF; enough to keep garbage out of an mMSString. */
bool model_utf8_ok(const uint8_t *p, size_t n);
