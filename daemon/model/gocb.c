/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE control blocks in the MMS view (gse.h, struct mgocb; IEC 61850-8-1
 * §18): the table the publisher (acsi/goose_pub.c) works from, and the
 * GoCBs' initial values from the SCL's GSEControl and its GSE.
 *
 * Initial values (what a client reads before any publisher runs):
 * - GoEna false: 7-2 §15 makes GoEna the publishing state, and the model
 *   alone publishes nothing. The publisher (acsi_gpub_new) sets it true for
 *   every GoCB it publishes; a GoCB without an address or data set stays
 *   false.
 * - GoID the SCL appID (the gocbRef when absent), DatSet "LD/LLN0$name"
 *   ("" without a data set), ConfRev the SCL confRev, NdsCom true exactly
 *   when there is no data set, DstAddress and MinTime/MaxTime from the
 *   GSE (zero without one), FixedOffs the SCL fixedOffs (default false).
 * Findings (warnings, the file is served): a GoCB with no GSE in the
 * Communication section while the IED has a ConnectedAP there (a CID or
 * SCD: addresses engineered), a GSE that is routable GOOSE (gse.c), or a
 * gocbRef or goID longer than the frame may carry: kept in the MMS view
 * and not published. A file with no ConnectedAP for the IED (an ICD, whose
 * addresses are not engineered yet) says nothing at load; the publisher
 * logs at start which GoCBs it does not publish. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gse.h"
#include "model_priv.h"
#include "scl_priv.h"

static const char *const attr_names[MGOCB_N] = {
	[MGOCB_GOENA] = "GoEna", [MGOCB_GOID] = "GoID", [MGOCB_DATSET] = "DatSet",
	[MGOCB_CONFREV] = "ConfRev", [MGOCB_NDSCOM] = "NdsCom", [MGOCB_DSTADDRESS] = "DstAddress",
	[MGOCB_MINTIME] = "MinTime", [MGOCB_MAXTIME] = "MaxTime", [MGOCB_FIXEDOFFS] = "FixedOffs",
};

const char *model_gocb_attr_name(unsigned a)
{
	return a < MGOCB_N ? attr_names[a] : NULL;
}

uint32_t model_n_gocbs(const struct model *m)
{
	return ((const struct model_priv *)m->priv)->n_gocbs;
}

const struct mgocb *model_gocb(const struct model *m, uint32_t no)
{
	const struct model_priv *p = m->priv;
	return no < p->n_gocbs ? &p->gocbs[no] : NULL;
}

const struct mgocb *model_gocb_at(const struct model *m, uint32_t voff)
{
	const struct model_priv *p = m->priv;
	uint32_t lo = 0, hi = p->n_gocbs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct mgocb *g = &p->gocbs[mid];
		if (voff < g->voff)
			hi = mid;
		else if (voff >= g->voff + g->type->size)
			lo = mid + 1;
		else
			return g;
	}
	return NULL;
}

int model_gocb_attr_at(const struct mgocb *g, const struct mtype *t, uint32_t voff)
{
	for (int a = 0; a < MGOCB_N; a++)
		if (g->a[a].type && g->a[a].voff == voff && g->a[a].type == t)
			return a;
	return -1;
}

static int cmp_voff(const void *a, const void *b)
{
	uint32_t x = ((const struct mgocb *)a)->voff, y = ((const struct mgocb *)b)->voff;
	return (x > y) - (x < y);
}

static void put_u64(struct model *m, const struct mgocb *g, int a, uint64_t v)
{
	if (g->a[a].type)
		memcpy(m->values + g->a[a].voff, &v, sizeof(v));
}

static void initial(struct model *m, const struct mgocb *g)
{
	uint8_t *v = m->values;
	v[g->a[MGOCB_GOENA].voff] = 0;
	model_val_set_text(v + g->a[MGOCB_GOID].voff, g->a[MGOCB_GOID].type, g->go_id);
	model_val_set_text(v + g->a[MGOCB_DATSET].voff, g->a[MGOCB_DATSET].type, g->dat_set);
	put_u64(m, g, MGOCB_CONFREV, g->cb->conf_rev);
	v[g->a[MGOCB_NDSCOM].voff] = g->ds ? 0 : 1;
	if (g->a[MGOCB_FIXEDOFFS].type)
		v[g->a[MGOCB_FIXEDOFFS].voff] = g->fixed_offs;
	if (!g->has_addr)
		return;
	put_u64(m, g, MGOCB_MINTIME, g->addr.min_time_ms);
	put_u64(m, g, MGOCB_MAXTIME, g->addr.max_time_ms);
	/* DstAddress: Addr (fixed 6 octets after the 2-octet length), PRIORITY, VID, APPID */
	const struct mtype *dt = g->a[MGOCB_DSTADDRESS].type;
	uint32_t base = g->a[MGOCB_DSTADDRESS].voff;
	uint16_t six = 6;
	memcpy(v + base + dt->comp[0].off, &six, 2);
	memcpy(v + base + dt->comp[0].off + 2, g->addr.mac, 6);
	uint64_t u = g->addr.priority;
	memcpy(v + base + dt->comp[1].off, &u, 8);
	u = g->addr.vid;
	memcpy(v + base + dt->comp[2].off, &u, 8);
	u = g->addr.appid;
	memcpy(v + base + dt->comp[3].off, &u, 8);
}

static const xmlNode *cb_node(struct ctx *c, const struct mcb *cb)
{
	const struct scl_cb_node *e = c->cb_nodes.p;
	for (size_t i = 0; i < c->cb_nodes.n; i++)
		if (e[i].cb == cb)
			return e[i].node;
	return NULL;
}

/* Whether the Communication section has a GSE element for (ldinst, cb)
 * of the served IED (any address: scl_gse_find has judged it), and in
 * *aps whether it has a ConnectedAP for the IED at all. */
static bool comm_has(struct ctx *c, const char *ldinst, const char *cb, bool *aps)
{
	*aps = false;
	for (const xmlNode *cm = c->root ? c->root->children : NULL; cm; cm = cm->next) {
		if (!scl_is_scl(cm, "Communication"))
			continue;
		for (const xmlNode *sn = cm->children; sn; sn = sn->next) {
			if (!scl_is_scl(sn, "SubNetwork"))
				continue;
			for (const xmlNode *ca = sn->children; ca; ca = ca->next) {
				const char *in = scl_attr(ca, "iedName");
				if (!scl_is_scl(ca, "ConnectedAP") || !in || strcmp(in, c->m->ied_name))
					continue;
				*aps = true;
				for (const xmlNode *g = ca->children; g; g = g->next) {
					const char *li = scl_attr(g, "ldInst"), *cn = scl_attr(g, "cbName");
					if (scl_is_scl(g, "GSE") && li && cn && !strcmp(li, ldinst) &&
					    !strcmp(cn, cb))
						return true;
				}
			}
		}
	}
	return false;
}

/* One GoCB from its GSEControl: 1 when made, 0 when it is not in the LN's
 * type (a name load_ln could not take), or a negative errno. */
static int make(struct ctx *c, const struct mld *ld, const struct mcb *cb, struct mgocb *x)
{
	const struct mln *ln = cb->ln;
	const struct mcomp *fc = mtype_find(ln->type, "GO", 2);
	const struct mcomp *gc = fc ? mtype_find(fc->type, cb->name, strlen(cb->name)) : NULL;
	if (!gc || gc->type->btype != MB_STRUCT)
		return 0;
	const xmlNode *node = cb_node(c, cb);
	*x = (struct mgocb){ .cb = cb, .ld = ld, .ln = ln, .type = gc->type,
			     .voff = ln->vbase + fc->off + gc->off,
			     .line = node ? (uint32_t)xmlGetLineNo(node) : 0 };
	for (unsigned a = 0; a < MGOCB_N; a++) {
		const struct mcomp *ac = mtype_find(gc->type, attr_names[a], strlen(attr_names[a]));
		if (ac)
			x->a[a].type = ac->type, x->a[a].voff = x->voff + ac->off;
	}
	char who[200];
	snprintf(who, sizeof(who), "GSEControl '%s' in LN '%s' of LDevice '%s'", cb->name, ln->name,
		 ld->inst);
	if (node) {
		bool fo = false;
		scl_soft_bool(c, node, "fixedOffs", who, false, &fo);
		x->fixed_offs = fo;
	}
	if (cb->dataset[0]) {
		char full[140];
		snprintf(full, sizeof(full), "%s$%s", ln->name, cb->dataset);
		x->ds = model_find_dataset(ld, full);
	}
	/* 8-1 §18: gocbRef "LD/LLN0$GO$name", datSet "LD/LLN0$dsname" */
	int n1 = snprintf(x->ref, sizeof(x->ref), "%s/%s$GO$%s", ld->name, ln->name, cb->name);
	if (x->ds)
		snprintf(x->dat_set, sizeof(x->dat_set), "%s/%s", ld->name, x->ds->name);
	snprintf(x->go_id, sizeof(x->go_id), "%s", cb->rpt_id[0] ? cb->rpt_id : x->ref);
	/* the MMS view's GoID holds 65 (Ed.1) or 129 (Ed.2) characters */
	uint32_t idmax = x->a[MGOCB_GOID].type->max_len;
	bool fits = n1 > 0 && (size_t)n1 < sizeof(x->ref) && strlen(x->go_id) <= idmax &&
		    strlen(x->dat_set) <= x->a[MGOCB_DATSET].type->max_len;
	if (!fits) {
		if (node)
			scl_warn(c, node, "%s: its gocbRef, goID or datSet is longer than %u characters"
				 " (IEC 61850-8-1 §18); it will not be published (shorten the LD name,"
				 " the control block's name or its appID)", who, (unsigned)idmax);
		x->go_id[idmax < sizeof(x->go_id) ? idmax : sizeof(x->go_id) - 1] = '\0';
		return 1;
	}
	int r = scl_gse_find(c, c->m->ied_name, ld->inst, cb->name, &x->addr);
	if (r < 0)
		return r;
	x->has_addr = r == 1;
	bool aps, gse = comm_has(c, ld->inst, cb->name, &aps);
	if (!x->has_addr && node && aps && !gse)
		scl_warn(c, node, "%s: no GSE with a MAC-Address for it in the Communication section; it will not be"
			 " published (add <GSE ldInst=\"%s\" cbName=\"%s\"> with its MAC-Address and"
			 " APPID to the IED's ConnectedAP)", who, ld->inst, cb->name);
	return 1;
}

int scl_build_gocbs(struct ctx *c)
{
	struct model *m = c->m;
	struct model_priv *p = c->p;
	uint32_t n = 0;
	for (uint32_t l = 0; l < m->n_ld; l++)
		for (uint32_t k = 0; k < m->lds[l].n_cb; k++)
			n += m->lds[l].cbs[k].kind == MCB_GOCB;
	if (!n)
		return 0;
	struct mgocb *g = arena_zalloc(c->A, n * sizeof(*g));
	if (!g)
		return scl_oom(c);
	uint32_t k = 0;
	for (uint32_t l = 0; l < m->n_ld; l++) {
		const struct mld *ld = &m->lds[l];
		for (uint32_t i = 0; i < ld->n_cb; i++) {
			if (ld->cbs[i].kind != MCB_GOCB)
				continue;
			int r = make(c, ld, &ld->cbs[i], &g[k]);
			if (r < 0)
				return r;
			k += (uint32_t)r;
		}
	}
	qsort(g, k, sizeof(*g), cmp_voff);
	for (uint32_t i = 0; i < k; i++) {
		g[i].no = i;
		initial(m, &g[i]);
	}
	p->gocbs = g;
	p->n_gocbs = k;
	return 0;
}
