/* SPDX-License-Identifier: Apache-2.0 */
/* Report control block instances in the MMS view (model.h, struct mrcb;
 * IEC 61850-8-1 §17): the table reporting works from, and the RCBs'
 * initial values from the SCL's ReportControl. */
#include <arpa/inet.h>
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
	if (r->preassigned_len) {
		/* 7-2 Ed.2 §17.2.2: reserved by configuration. A BRCB says so
		 * with ResvTms = -1; a URCB with Resv = true (the same state
		 * a client's reservation shows); Owner names the client. */
		if (r->a[MRCB_RESVTMS].type) {
			int64_t m1 = -1;
			memcpy(v + r->a[MRCB_RESVTMS].voff, &m1, sizeof(m1));
		}
		if (r->a[MRCB_RESV].type)
			v[r->a[MRCB_RESV].voff] = 1;
		const struct mtype *ot = r->a[MRCB_OWNER].type;
		if (ot && ot->max_len >= r->preassigned_len) {
			uint16_t n = r->preassigned_len;
			memcpy(v + r->a[MRCB_OWNER].voff, &n, sizeof(n));
			memcpy(v + r->a[MRCB_OWNER].voff + 2, r->preassigned_addr, n);
		}
	}
}

/* A Communication address text, blanks around it allowed: 4 octets for
 * type "IP", 16 for "IPv6"; 0 when it is not one. */
static uint8_t parse_ip(const char *text, bool v6, uint8_t out[16])
{
	char s[64];
	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	size_t n = strcspn(text, " \t\r\n");
	if (!n || n >= sizeof(s))
		return 0;
	memcpy(s, text, n);
	s[n] = '\0';
	return inet_pton(v6 ? AF_INET6 : AF_INET, s, out) == 1 ? (v6 ? 16 : 4) : 0;
}

/* The IP address of the AccessPoint `ap` of IED `ied` (IEC 61850-6 §9.3:
 * SubNetwork/ConnectedAP iedName, apName, Address/P type="IP" or "IPv6";
 * with no apRef, the IED's first ConnectedAP that has one). 0: none. */
static uint8_t client_addr(struct ctx *c, const char *ied, const char *ap, uint8_t out[16])
{
	for (const xmlNode *cm = c->root ? c->root->children : NULL; cm; cm = cm->next) {
		if (!scl_is_scl(cm, "Communication"))
			continue;
		for (const xmlNode *sn = cm->children; sn; sn = sn->next) {
			if (!scl_is_scl(sn, "SubNetwork"))
				continue;
			for (const xmlNode *ca = sn->children; ca; ca = ca->next) {
				const char *in = scl_attr(ca, "iedName"), *an = scl_attr(ca, "apName");
				if (!scl_is_scl(ca, "ConnectedAP") || !in || strcmp(in, ied) ||
				    (ap && (!an || strcmp(an, ap))))
					continue;
				const xmlNode *ad = scl_child(ca, "Address");
				for (const xmlNode *pp = ad ? ad->children : NULL; pp; pp = pp->next) {
					const char *t = scl_attr(pp, "type");
					if (!scl_is_scl(pp, "P") || !t ||
					    (strcmp(t, "IP") && strcmp(t, "IPv6")))
						continue;
					const char *text = scl_text_of(c, pp);
					uint8_t n = text ? parse_ip(text, !strcmp(t, "IPv6"), out) : 0;
					if (n)
						return n;
				}
			}
		}
	}
	return 0;
}

/* The ReportControl element of `cb` (c->cb_nodes, in the order the RCB
 * table is built: `*at` is where the last one was found). */
static const xmlNode *cb_node(struct ctx *c, const struct mcb *cb, size_t *at)
{
	const struct scl_cb_node *e = c->cb_nodes.p;
	for (size_t k = 0; k < c->cb_nodes.n; k++) {
		size_t i = (*at + k) % c->cb_nodes.n;
		if (e[i].cb == cb) {
			*at = i;
			return e[i].node;
		}
	}
	return NULL;
}

/* RptEnabled/ClientLN of instance x (1-based inst; 0: the only one):
 * the client it is pre-assigned to, and its address. */
static void preassign(struct ctx *c, const xmlNode *rc, struct mrcb *x)
{
	const xmlNode *re = rc ? scl_child(rc, "RptEnabled") : NULL;
	uint32_t want = x->inst ? x->inst : 1, k = 0;
	const xmlNode *cl = NULL;
	for (const xmlNode *n = re ? re->children : NULL; n; n = n->next)
		if (scl_is_scl(n, "ClientLN") && ++k == want) {
			cl = n;
			break;
		}
	if (!cl)
		return;
	const char *ied = scl_attr(cl, "iedName"), *ap = scl_attr(cl, "apRef");
	if (!ied || !ied[0])
		return; /* a ClientLN names its IED (tClientLN iedName is required) */
	snprintf(x->preassigned_ied, sizeof(x->preassigned_ied), "%s", ied);
	x->preassigned_len = client_addr(c, ied, ap && ap[0] ? ap : NULL, x->preassigned_addr);
	if (x->preassigned_len)
		return;
	x->preassigned_unresolved = true;
	char b1[80], b2[80];
	scl_warn(c, cl, "ReportControl '%s' in LN '%s' of LDevice '%s': ClientLN of IED '%s'%s%s%s"
		 " has no IP address in the Communication section; %s is not pre-assigned, any"
		 " client may reserve it (add a ConnectedAP with <Address><P type=\"IP\">)",
		 x->cb->name, x->ln->name, x->ld->inst, scl_shown(ied, b1, sizeof(b1)),
		 ap ? " (apRef '" : "", ap ? scl_shown(ap, b2, sizeof(b2)) : "", ap ? "')" : "",
		 x->name);
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
	size_t at = 0;
	for (uint32_t l = 0; l < m->n_ld; l++) {
		const struct mld *ld = &m->lds[l];
		for (uint32_t i = 0; i < ld->n_cb; i++) {
			const struct mcb *cb = &ld->cbs[i];
			if (cb->kind != MCB_URCB && cb->kind != MCB_BRCB)
				continue;
			const struct mln *ln = cb->ln;
			const char *fcn = cb->buffered ? "BR" : "RP";
			const struct mcomp *fc = mtype_find(ln->type, fcn, 2);
			const xmlNode *rcx = cb_node(c, cb, &at);
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
				preassign(c, rcx, x);
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
