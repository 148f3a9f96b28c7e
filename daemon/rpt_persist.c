/* SPDX-License-Identifier: Apache-2.0 */
#include "rpt_persist.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* struct rpt_persist_cfg and struct rptstore_rcb_cfg are the same fields,
 * declared twice so that acsi and store do not see each other. */
static void cfg_to_store(const struct rpt_persist_cfg *c, struct rptstore_rcb_cfg *o)
{
	_Static_assert(sizeof(o->rpt_id) == sizeof(c->rpt_id) &&
			       sizeof(o->datset) == sizeof(c->datset) &&
			       sizeof(o->owner) == sizeof(c->owner),
		       "the two cfg structs hold the same strings");
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

static void cfg_from_store(const struct rptstore_rcb_cfg *c, struct rpt_persist_cfg *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->rpt_id, c->rpt_id, sizeof(o->rpt_id));
	memcpy(o->datset, c->datset, sizeof(o->datset));
	memcpy(o->owner, c->owner, sizeof(o->owner));
	/* the store's strings come from a file: terminated here whatever it held */
	o->rpt_id[sizeof(o->rpt_id) - 1] = '\0';
	o->datset[sizeof(o->datset) - 1] = '\0';
	o->owner[sizeof(o->owner) - 1] = '\0';
	o->conf_rev = c->conf_rev;
	o->opt_flds = c->opt_flds;
	o->trg_ops = c->trg_ops;
	o->intg_pd = c->intg_pd;
	o->buf_tm = c->buf_tm;
	o->resv_tms = c->resv_tms;
	o->entry_pos = c->entry_pos;
}

/* An entry read back goes into the buffer; one the buffer refuses (a body
 * not well formed) is skipped and the others still load. */
static int restore_entry(void *arg, uint64_t id, const uint8_t toe[6], const uint8_t *body,
			 size_t len)
{
	(void)rpt_buf_restore_body(arg, id, toe, body, len);
	return 0;
}

static int load(void *ctx, const char *key, uint32_t scl_conf_rev, struct rpt_buf *b,
		struct rpt_persist_state *st)
{
	struct rptstore_rcb_state rs;
	memset(st, 0, sizeof(*st));
	int r = rptstore_load_rcb(ctx, key, scl_conf_rev, &rs, restore_entry, b);
	if (r)
		return r;
	rpt_buf_set_last_id(b, rs.last_id);
	/* what the buffer's limits dropped while restoring (a smaller
	 * bufferEntries than last time) is gone on disk too */
	const struct rpt_entry *o = rpt_buf_oldest(b);
	rptstore_dropped(ctx, key, o ? rpt_entry_id(o) - 1 : rpt_buf_last_id(b));
	st->has_cfg = rs.has_cfg;
	if (rs.has_cfg)
		cfg_from_store(&rs.cfg, &st->cfg);
	st->unclean = rs.unclean;
	return 0;
}

static void entry_added(void *ctx, const char *key, const struct rpt_entry *e)
{
	size_t len;
	const uint8_t *body = rpt_entry_body(e, &len);
	rptstore_entry(ctx, key, rpt_entry_id(e), rpt_entry_toe(e), body, len);
}

static void dropped(void *ctx, const char *key, uint64_t through)
{
	rptstore_dropped(ctx, key, through);
}

static void config(void *ctx, const char *key, const struct rpt_persist_cfg *cfg)
{
	struct rptstore_rcb_cfg c;
	cfg_to_store(cfg, &c);
	rptstore_config(ctx, key, &c);
}

static void ds_defined(void *ctx, const char *ld, const char *name, const char *const *refs,
		       uint32_t n)
{
	rptstore_dataset_defined(ctx, ld, name, refs, n);
}

static void ds_deleted(void *ctx, const char *ld, const char *name)
{
	rptstore_dataset_deleted(ctx, ld, name);
}

static void datasets(void *ctx,
		     void (*each)(void *arg, const char *ld, const char *name,
				  const char *const *refs, uint32_t n),
		     void *arg)
{
	rptstore_datasets(ctx, each, arg);
}

struct rpt_persist rpt_persist_store(struct rptstore *s)
{
	return (struct rpt_persist){
		.ctx = s,
		.load = load,
		.entry_added = entry_added,
		.dropped = dropped,
		.config = config,
		.dataset_defined = ds_defined,
		.dataset_deleted = ds_deleted,
		.datasets = datasets,
	};
}

char *rpt_persist_scl_id(const char *ied, const void *scl, size_t len, char *out, size_t n)
{
	/* FNV-1a, 64-bit offset basis and prime */
	uint64_t h = 0xcbf29ce484222325u;
	const uint8_t *p = scl;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
	}
	/* rptstore takes at most 255 octets; " fnv1a64:" and 16 digits are 25 */
	size_t room = n < 256 ? n : 256;
	int max_ied = (int)room - 1 - 25;
	snprintf(out, n, "%.*s fnv1a64:%016" PRIx64, max_ied > 0 ? max_ied : 0, ied, h);
	return out;
}
