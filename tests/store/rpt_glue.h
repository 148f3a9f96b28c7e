/* SPDX-License-Identifier: Apache-2.0 */
/* struct rpt_persist (daemon/acsi/report_buf.h) over the state store
 * (daemon/store/rptstore.h): what the daemon's main.c does, and the tests
 * and the benchmark with it. Only a place that sees both acsi and store
 * can hold this (DESIGN.md: acsi never sees the store). */
#pragma once
#include <errno.h>
#include <string.h>

#include "report_buf.h"
#include "rptstore.h"

static void rpt_glue_cfg_to_store(const struct rpt_persist_cfg *c, struct rptstore_rcb_cfg *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->rpt_id, c->rpt_id, sizeof(o->rpt_id));
	memcpy(o->datset, c->datset, sizeof(o->datset));
	memcpy(o->owner, c->owner, sizeof(o->owner));
	o->conf_rev = c->conf_rev;
	o->opt_flds = c->opt_flds;
	o->trg_ops = c->trg_ops;
	o->intg_pd = c->intg_pd;
	o->buf_tm = c->buf_tm;
	o->resv_tms = c->resv_tms;
	o->entry_pos = c->entry_pos;
}

static void rpt_glue_cfg_from_store(const struct rptstore_rcb_cfg *c, struct rpt_persist_cfg *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->rpt_id, c->rpt_id, sizeof(o->rpt_id));
	memcpy(o->datset, c->datset, sizeof(o->datset));
	memcpy(o->owner, c->owner, sizeof(o->owner));
	o->conf_rev = c->conf_rev;
	o->opt_flds = c->opt_flds;
	o->trg_ops = c->trg_ops;
	o->intg_pd = c->intg_pd;
	o->buf_tm = c->buf_tm;
	o->resv_tms = c->resv_tms;
	o->entry_pos = c->entry_pos;
}

/* An entry read back: into the buffer; one the buffer refuses (a body not
 * well formed) is skipped, the others still load. */
static int rpt_glue_restore(void *arg, uint64_t id, const uint8_t toe[6], const uint8_t *body,
			    size_t len)
{
	rpt_buf_restore_body(arg, id, toe, body, len);
	return 0;
}

static int rpt_glue_load(void *ctx, const char *key, uint32_t scl_conf_rev, struct rpt_buf *b,
			 struct rpt_persist_state *st)
{
	struct rptstore_rcb_state rs;
	memset(st, 0, sizeof(*st));
	int r = rptstore_load_rcb(ctx, key, scl_conf_rev, &rs, rpt_glue_restore, b);
	if (r)
		return r;
	rpt_buf_set_last_id(b, rs.last_id);
	/* what the buffer's limits dropped while restoring is gone on disk too */
	const struct rpt_entry *o = rpt_buf_oldest(b);
	rptstore_dropped(ctx, key, o ? rpt_entry_id(o) - 1 : rpt_buf_last_id(b));
	st->has_cfg = rs.has_cfg;
	if (rs.has_cfg)
		rpt_glue_cfg_from_store(&rs.cfg, &st->cfg);
	st->unclean = rs.unclean;
	return 0;
}

static void rpt_glue_entry_added(void *ctx, const char *key, const struct rpt_entry *e)
{
	size_t len;
	const uint8_t *body = rpt_entry_body(e, &len);
	rptstore_entry(ctx, key, rpt_entry_id(e), rpt_entry_toe(e), body, len);
}

static void rpt_glue_dropped(void *ctx, const char *key, uint64_t through)
{
	rptstore_dropped(ctx, key, through);
}

static void rpt_glue_config(void *ctx, const char *key, const struct rpt_persist_cfg *cfg)
{
	struct rptstore_rcb_cfg c;
	rpt_glue_cfg_to_store(cfg, &c);
	rptstore_config(ctx, key, &c);
}

static void rpt_glue_ds_defined(void *ctx, const char *ld, const char *name,
				const char *const *refs, uint32_t n)
{
	rptstore_dataset_defined(ctx, ld, name, refs, n);
}

static void rpt_glue_ds_deleted(void *ctx, const char *ld, const char *name)
{
	rptstore_dataset_deleted(ctx, ld, name);
}

static void rpt_glue_datasets(void *ctx,
			      void (*each)(void *arg, const char *ld, const char *name,
					   const char *const *refs, uint32_t n),
			      void *arg)
{
	rptstore_datasets(ctx, each, arg);
}

static inline struct rpt_persist rpt_glue_persist(struct rptstore *s)
{
	return (struct rpt_persist){
		.ctx = s,
		.load = rpt_glue_load,
		.entry_added = rpt_glue_entry_added,
		.dropped = rpt_glue_dropped,
		.config = rpt_glue_config,
		.dataset_defined = rpt_glue_ds_defined,
		.dataset_deleted = rpt_glue_ds_deleted,
		.datasets = rpt_glue_datasets,
	};
}
