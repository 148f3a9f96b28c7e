/* SPDX-License-Identifier: Apache-2.0 */
/* Report control block instances in the MMS view (model.h, struct mrcb;
 * IEC 61850-8-1 §17): the table reporting works from, and the RCBs'
 * initial values from the SCL's ReportControl. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"
#include "scl_priv.h"

static const char *const attr_names[MRCB_N] = {
	[MRCB_RPTID] = "RptID", [MRCB_RPTENA] = "RptEna", [MRCB_RESV] = "Resv",
	[MRCB_DATSET] = "DatSet", [MRCB_CONFREV] = "ConfRev", [MRCB_OPTFLDS] = "OptFlds",
	[MRCB_BUFTM] = "BufTm", [MRCB_SQNUM] = "SqNum", [MRCB_TRGOPS] = "TrgOps",
	[MRCB_INTGPD] = "IntgPd", [MRCB_GI] = "GI", [MRCB_PURGEBUF] = "PurgeBuf",
	[MRCB_ENTRYID] = "EntryID", [MRCB_TIMEOFENTRY] = "TimeofEntry",
	[MRCB_RESVTMS] = "ResvTms", [MRCB_OWNER] = "Owner",
};

const char *model_rcb_attr_name(unsigned a)
{
	return a < MRCB_N ? attr_names[a] : NULL;
}

uint8_t model_edition(const struct model *m)
{
	const struct model_priv *p = m->priv;
	return p->edition ? p->edition : 2;
}

void scl_rcb_inst_name(const char *name, bool indexed, uint32_t inst, char *out, size_t n)
{
	if (indexed && inst)
		snprintf(out, n, "%s%02u", name, (unsigned)inst);
	else
		snprintf(out, n, "%s", name);
}

uint32_t model_n_rcbs(const struct model *m)
{
	return ((const struct model_priv *)m->priv)->n_rcbs;
}

const struct mrcb *model_rcb(const struct model *m, uint32_t no)
{
	const struct model_priv *p = m->priv;
	return no < p->n_rcbs ? &p->rcbs[no] : NULL;
}

const struct mrcb *model_rcb_at(const struct model *m, uint32_t voff)
{
	const struct model_priv *p = m->priv;
	uint32_t lo = 0, hi = p->n_rcbs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct mrcb *r = &p->rcbs[mid];
		if (voff < r->voff)
			hi = mid;
		else if (voff >= r->voff + r->type->size)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

int model_rcb_attr_at(const struct mrcb *r, const struct mtype *t, uint32_t voff)
{
	for (int a = 0; a < MRCB_N; a++)
		if (r->a[a].type && r->a[a].voff == voff && r->a[a].type == t)
			return a;
	return -1;
}

static int cmp_voff(const void *a, const void *b)
{
	uint32_t x = ((const struct mrcb *)a)->voff, y = ((const struct mrcb *)b)->voff;
	return (x > y) - (x < y);
}

/* Initial values (8-1 §17, from the ReportControl): RptID, DatSet, ConfRev,
 * OptFlds, BufTm, TrgOps, IntgPd; everything else zero (false, empty). */
static void initial(struct model *m, const struct mrcb *r)
{
	const struct mcb *cb = r->cb;
	uint8_t *v = m->values;
	if (r->a[MRCB_RPTID].type)
		model_val_set_text(v + r->a[MRCB_RPTID].voff, r->a[MRCB_RPTID].type, cb->rpt_id);
	if (cb->dataset[0] && r->a[MRCB_DATSET].type) {
		char ds[200];
		snprintf(ds, sizeof(ds), "%s/%s$%s", r->ld->name, r->ln->name, cb->dataset);
		model_val_set_text(v + r->a[MRCB_DATSET].voff, r->a[MRCB_DATSET].type, ds);
	}
	uint64_t u = cb->conf_rev;
	memcpy(v + r->a[MRCB_CONFREV].voff, &u, sizeof(u));
	u = cb->buf_time;
	memcpy(v + r->a[MRCB_BUFTM].voff, &u, sizeof(u));
	u = cb->intg_pd;
	memcpy(v + r->a[MRCB_INTGPD].voff, &u, sizeof(u));
	/* bit strings: a count octet, then the bits MSB first (model.h) */
	uint8_t *o = v + r->a[MRCB_OPTFLDS].voff;
	o[0] = 10;
	for (unsigned i = 0; i < 10; i++)
		if (cb->opt_fields & (1u << i))
			o[1 + i / 8] |= (uint8_t)(0x80 >> (i % 8));
	uint8_t *t = v + r->a[MRCB_TRGOPS].voff;
	t[0] = 6;
	static const struct { uint16_t trg; unsigned bit; } map[] = {
		{ MODEL_TRG_DCHG, 1 }, { MODEL_TRG_QCHG, 2 }, { MODEL_TRG_DUPD, 3 },
		{ MODEL_TRG_PERIOD, 4 }, { MODEL_TRG_GI, 5 },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (cb->trgops & map[i].trg)
			t[1] |= (uint8_t)(0x80 >> map[i].bit);
	if (r->a[MRCB_ENTRYID].type) {
		uint16_t n = 8; /* fixed: 8 octets, all zero */
		memcpy(v + r->a[MRCB_ENTRYID].voff, &n, sizeof(n));
	}
}

int scl_build_rcbs(struct ctx *c)
{
	struct model *m = c->m;
	struct model_priv *p = c->p;
	uint32_t n = 0;
	for (uint32_t l = 0; l < m->n_ld; l++)
		for (uint32_t k = 0; k < m->lds[l].n_cb; k++) {
			const struct mcb *cb = &m->lds[l].cbs[k];
			if (cb->kind == MCB_URCB || cb->kind == MCB_BRCB)
				n += cb->indexed ? cb->max_instances : 1;
		}
	if (!n)
		return 0;
	struct mrcb *r = arena_zalloc(c->A, n * sizeof(*r));
	if (!r)
		return scl_oom(c);
	uint32_t k = 0;
	for (uint32_t l = 0; l < m->n_ld; l++) {
		const struct mld *ld = &m->lds[l];
		for (uint32_t i = 0; i < ld->n_cb; i++) {
			const struct mcb *cb = &ld->cbs[i];
			if (cb->kind != MCB_URCB && cb->kind != MCB_BRCB)
				continue;
			const struct mln *ln = cb->ln;
			const char *fcn = cb->buffered ? "BR" : "RP";
			const struct mcomp *fc = mtype_find(ln->type, fcn, 2);
			for (uint32_t inst = 1; inst <= (cb->indexed ? cb->max_instances : 1); inst++) {
				struct mrcb *x = &r[k];
				scl_rcb_inst_name(cb->name, cb->indexed, cb->indexed ? inst : 0, x->name,
						  sizeof(x->name));
				const struct mcomp *rc =
					fc ? mtype_find(fc->type, x->name, strlen(x->name)) : NULL;
				if (!rc || rc->type->btype != MB_STRUCT)
					continue; /* not made at load_ln (a name it could not take) */
				*x = (struct mrcb){ .cb = cb, .ld = ld, .ln = ln, .inst = cb->indexed ? inst : 0,
						    .buffered = cb->buffered, .type = rc->type,
						    .voff = ln->vbase + fc->off + rc->off };
				scl_rcb_inst_name(cb->name, cb->indexed, x->inst, x->name, sizeof(x->name));
				for (unsigned a = 0; a < MRCB_N; a++) {
					const struct mcomp *ac = mtype_find(rc->type, attr_names[a],
									    strlen(attr_names[a]));
					if (ac)
						x->a[a].type = ac->type, x->a[a].voff = x->voff + ac->off;
				}
				k++;
			}
		}
	}
	qsort(r, k, sizeof(*r), cmp_voff);
	for (uint32_t i = 0; i < k; i++) {
		r[i].no = i;
		initial(m, &r[i]);
	}
	p->rcbs = r;
	p->n_rcbs = k;
	return 0;
}
