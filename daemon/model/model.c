/* SPDX-License-Identifier: Apache-2.0 */
/* The loaded model: names of FCs and basic types, enumerations, lookups by
 * name, MMS names and object references, and paths. The values are
 * model_data.c's (MMS Data) and model_text.c's (text forms).
 *
 * Value storage is described in model.h (model_btype_size). Every access
 * goes through memcpy: values are packed without alignment. */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model_priv.h"
#include "objref.h"

/* ---- functional constraints and basic types ---- */

const char *model_fc_name(uint8_t fc)
{
	return mms_fc_name(fc);
}

uint8_t model_fc_parse(const char *s, size_t len)
{
	return mms_fc_parse(s, len);
}

/* model.h: MODEL_FCW_*. IEC 61850-7-2 Table 18 and §6.2.1; 8-1 §8.2. */
static const uint8_t fc_write[FC_COUNT] = {
	[FC_NONE] = MODEL_FCW_DENIED,
	/* the process's and the services' own values */
	[FC_ST] = MODEL_FCW_DENIED, [FC_MX] = MODEL_FCW_DENIED, [FC_SG] = MODEL_FCW_DENIED,
	[FC_SR] = MODEL_FCW_DENIED, [FC_OR] = MODEL_FCW_DENIED, [FC_EX] = MODEL_FCW_DENIED,
	/* configuration, description, set points, substitution, blocking */
	[FC_CF] = MODEL_FCW_PLAIN, [FC_DC] = MODEL_FCW_PLAIN, [FC_SP] = MODEL_FCW_PLAIN,
	[FC_SV] = MODEL_FCW_PLAIN, [FC_BL] = MODEL_FCW_PLAIN,
	/* the control model, the report, log, GOOSE and sampled-value control
	 * blocks, setting-group editing */
	[FC_CO] = MODEL_FCW_SERVICE, [FC_RP] = MODEL_FCW_SERVICE, [FC_BR] = MODEL_FCW_SERVICE,
	[FC_LG] = MODEL_FCW_SERVICE, [FC_GO] = MODEL_FCW_SERVICE, [FC_GS] = MODEL_FCW_SERVICE,
	[FC_MS] = MODEL_FCW_SERVICE, [FC_US] = MODEL_FCW_SERVICE, [FC_SC] = MODEL_FCW_SERVICE,
	[FC_SE] = MODEL_FCW_SERVICE,
};

uint8_t model_fc_write(uint8_t fc)
{
	return fc < FC_COUNT ? fc_write[fc] : MODEL_FCW_DENIED;
}

bool model_fc_carried(uint8_t fc, const char *path, size_t len)
{
	switch (model_fc_write(fc)) {
	case MODEL_FCW_PLAIN:
		return true;
	case MODEL_FCW_SERVICE:
		break;
	default:
		return false;
	}
	if (fc != FC_CO)
		return false;
	/* "DO[.SDO...].Oper.ctlVal[.sub...]": the operate command's value;
	 * SBOw, Cancel and Oper's other components (origin, ctlNum, T, Test,
	 * Check) are the control service's to act on */
	static const char key[] = ".Oper.ctlVal";
	const size_t kl = sizeof(key) - 1;
	for (size_t i = 0; i + kl <= len; i++)
		if (!memcmp(path + i, key, kl) && (i + kl == len || path[i + kl] == '.'))
			return i > 0;
	return false;
}

static const char *const btype_names[MB_COUNT] = {
	[MB_STRUCT] = "Struct",	      [MB_ARRAY] = "Array",	  [MB_BOOLEAN] = "BOOLEAN",
	[MB_INT8] = "INT8",	      [MB_INT16] = "INT16",	  [MB_INT24] = "INT24",
	[MB_INT32] = "INT32",	      [MB_INT64] = "INT64",	  [MB_INT128] = "INT128",
	[MB_INT8U] = "INT8U",	      [MB_INT16U] = "INT16U",	  [MB_INT24U] = "INT24U",
	[MB_INT32U] = "INT32U",	      [MB_FLOAT32] = "FLOAT32",	  [MB_FLOAT64] = "FLOAT64",
	[MB_ENUM] = "Enum",	      [MB_DBPOS] = "Dbpos",	  [MB_TCMD] = "Tcmd",
	[MB_CHECK] = "Check",	      [MB_QUALITY] = "Quality",	  [MB_TIMESTAMP] = "Timestamp",
	[MB_ENTRYTIME] = "EntryTime", [MB_VISSTRING] = "VisString", [MB_UNICODE] = "Unicode",
	[MB_OCTET] = "Octet",	      [MB_BITSTRING] = "BitString",
};

const char *model_btype_name(uint8_t bt)
{
	return bt < MB_COUNT ? btype_names[bt] : "?";
}

size_t model_btype_size(uint8_t bt, uint32_t max_len)
{
	switch (bt) {
	case MB_BOOLEAN: case MB_DBPOS: case MB_TCMD: case MB_CHECK:
		return 1;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		return 8;
	case MB_FLOAT32: case MB_ENUM:
		return 4;
	case MB_FLOAT64: case MB_TIMESTAMP:
		return 8;
	case MB_QUALITY:
		return 2;
	case MB_ENTRYTIME:
		return 6;
	case MB_VISSTRING: case MB_UNICODE:
		return (size_t)max_len + 1;
	case MB_OCTET:
		return (size_t)max_len + 2;
	case MB_BITSTRING:
		return 1 + ((size_t)max_len + 7) / 8;
	default:
		return 0;
	}
}


/* ---- enumerations ---- */

const char *enum_name(const struct enum_type *e, int32_t ord)
{
	uint32_t lo = 0, hi = e->n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (e->ords[mid] == ord)
			return e->names[mid];
		if (e->ords[mid] < ord)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool enum_ord(const struct enum_type *e, const char *name, int32_t *ord)
{
	/* Enumerations are short (a few dozen members at most). */
	for (uint32_t i = 0; i < e->n; i++)
		if (!strcmp(e->names[i], name)) {
			*ord = e->ords[i];
			return true;
		}
	return false;
}


/* ---- lookups ---- */

/* strcmp of a NUL-terminated `a` against the counted b[blen]. */
static int cmpn(const char *a, const char *b, size_t blen)
{
	int c = strncmp(a, b, blen);
	if (c)
		return c;
	return a[blen] ? 1 : 0;
}

const struct mld *model_find_ld(const struct model *m, const char *domain)
{
	size_t len = strlen(domain);
	uint32_t lo = 0, hi = m->n_ld;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmpn(m->lds[mid].name, domain, len);
		if (!c)
			return &m->lds[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct mld *model_find_ld_inst(const struct model *m, const char *inst)
{
	const struct model_priv *p = m->priv;
	size_t len = strlen(inst);
	uint32_t lo = 0, hi = m->n_ld;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmpn(p->ld_by_inst[mid]->inst, inst, len);
		if (!c)
			return p->ld_by_inst[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct mln *model_find_ln(const struct mld *ld, const char *name, size_t len)
{
	uint32_t lo = 0, hi = ld->n_ln;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = cmpn(ld->lns[mid].name, name, len);
		if (!c)
			return &ld->lns[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct mcomp *mtype_find(const struct mtype *t, const char *name, size_t len)
{
	if (t->btype != MB_STRUCT)
		return NULL;
	uint32_t lo = 0, hi = t->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct mcomp *c = &t->comp[t->by_name[mid]];
		int r = cmpn(c->name, name, len);
		if (!r)
			return c;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct mdataset *model_find_dataset(const struct mld *ld, const char *name)
{
	uint32_t lo = 0, hi = ld->n_ds;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(ld->datasets[mid].name, name);
		if (!c)
			return &ld->datasets[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ld->dsets ? model_find_rt_dataset(ld, name) : NULL;	/* dataset.c */
}

const char *model_saddr(const struct model *m, uint32_t voff)
{
	const struct model_priv *p = m->priv;
	size_t lo = 0, hi = p->n_saddr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->saddrs[mid].voff == voff)
			return p->saddrs[mid].saddr;
		if (p->saddrs[mid].voff < voff)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct msaddr *model_saddrs(const struct model *m, size_t *n)
{
	const struct model_priv *p = m->priv;
	*n = p->n_saddr;
	return p->saddrs;
}

uint32_t model_n_warnings(const struct model *m)
{
	const struct model_priv *p = m->priv;
	return p->n_warnings;
}

const char *model_warning(const struct model *m, uint32_t i)
{
	const struct model_priv *p = m->priv;
	return i < p->n_warnings ? p->warnings[i] : NULL;
}


/* ---- paths ---- */

int mtype_walk(const struct mtype *t, const char *path, size_t len, char sep, int32_t ix,
	       struct mwalk *w)
{
	const char *p = path, *end = path + len;
	bool ix_used = ix < 0;

	*w = (struct mwalk){ .type = t, .off = 0, .index = -1 };
	if (!len)
		return 0;
	for (;;) {
		const char *e = memchr(p, sep, (size_t)(end - p));
		if (!e)
			e = end;
		const char *paren = memchr(p, '(', (size_t)(e - p));
		size_t nlen = (size_t)((paren ? paren : e) - p);
		int64_t idx = -1;
		if (!nlen)
			return -EINVAL;
		if (paren) {
			/* "name(n)" */
			const char *q = paren + 1;
			idx = 0;
			if (q >= e || *q == ')')
				return -EINVAL;
			for (; q < e && *q != ')'; q++) {
				if (*q < '0' || *q > '9' || idx > INT32_MAX / 10)
					return -EINVAL;
				idx = idx * 10 + (*q - '0');
			}
			if (q + 1 != e || *q != ')')
				return -EINVAL;
		}
		const struct mcomp *c = mtype_find(w->type, p, nlen);
		if (!c)
			return -ENOENT;
		w->type = c->type;
		w->off += c->off;
		w->n_steps++;
		bool last = e == end;
		if (w->type->btype == MB_ARRAY) {
			if (!ix_used) {
				/* ix and an explicit "(n)" on the same array must agree
				 * (files write both). */
				if (idx >= 0 && idx != ix)
					return -EINVAL;
				idx = ix;
				ix_used = true;
			}
			if (idx >= 0) {
				if (w->index >= 0)
					return -EINVAL;
				if ((uint64_t)idx >= w->type->count)
					return -ENOENT;
				w->index = (int32_t)idx;
				w->index_step = w->n_steps - 1;
				w->off += (uint32_t)idx * w->type->elem->size;
				w->type = w->type->elem;
			} else if (!last) {
				return -ENOENT;
			}
		} else if (idx >= 0) {
			return -ENOENT;
		}
		if (last)
			break;
		p = e + 1;
	}
	return ix_used ? 0 : -ENOENT;
}

/* Resolves "LN[$FC[$rest]]" within `ld`. */
static int resolve_item(const struct mld *ld, const char *item, struct mref *out)
{
	const char *d1 = strchr(item, '$');
	size_t lnlen = d1 ? (size_t)(d1 - item) : strlen(item);
	const struct mln *ln = model_find_ln(ld, item, lnlen);
	struct mwalk w;

	if (!ln)
		return -ENOENT;
	*out = (struct mref){ .ld = ld, .ln = ln, .type = ln->type, .voff = ln->vbase };
	if (!d1)
		return 0;
	const char *fcs = d1 + 1, *d2 = strchr(fcs, '$');
	size_t fclen = d2 ? (size_t)(d2 - fcs) : strlen(fcs);
	const struct mcomp *fc = mtype_find(ln->type, fcs, fclen);
	if (!fc)
		return -ENOENT;
	out->fc = fc->type->fc;
	out->type = fc->type;
	out->voff += fc->off;
	if (!d2)
		return 0;
	if (!d2[1])
		return -ENOENT;
	/* MMS names never address array elements (8-1 §14.2.2: that is
	 * AlternateAccess), so "(n)" is not part of an item name. */
	if (strchr(d2 + 1, '('))
		return -ENOENT;
	int r = mtype_walk(fc->type, d2 + 1, strlen(d2 + 1), '$', -1, &w);
	if (r)
		return -ENOENT;
	out->type = w.type;
	out->voff += w.off;
	return 0;
}

int model_resolve_mms(const struct model *m, const char *domain, const char *item,
		      struct mref *out)
{
	const struct mld *ld = model_find_ld(m, domain);
	if (!ld)
		return -ENOENT;
	return resolve_item(ld, item, out);
}

int model_resolve_ref(const struct model *m, const char *ref, struct mref *out)
{
	struct objref r;

	if (objref_parse(ref, &r, NULL))
		return -EINVAL;
	const struct mld *ld = model_find_ld(m, r.ld);
	if (!ld)
		ld = model_find_ld_inst(m, r.ld);
	if (!ld)
		return -ENOENT;
	if (r.form == OBJREF_MMS)
		return resolve_item(ld, r.item, out);

	/* "LN.DO.DA[FC]" */
	const struct mln *ln = model_find_ln(ld, r.ln, strlen(r.ln));
	if (!ln)
		return -ENOENT;
	*out = (struct mref){ .ld = ld, .ln = ln, .type = ln->type, .voff = ln->vbase };
	const char *path = r.path;
	size_t plen = strlen(path);
	if (r.fc != FC_NONE) {
		const struct mcomp *fcc = mtype_find(ln->type, model_fc_name(r.fc), 2);
		if (!fcc)
			return -ENOENT;
		struct mwalk w;
		int e = mtype_walk(fcc->type, path, plen, '.', -1, &w);
		if (e)
			return e;
		out->fc = r.fc;
		out->type = w.type;
		out->voff += fcc->off + w.off;
		return 0;
	}
	if (!plen)
		return 0;
	/* No FC given: the attribute's FC if exactly one FC has it. */
	int found = 0;
	for (uint32_t i = 0; i < ln->type->n; i++) {
		const struct mcomp *fcc = &ln->type->comp[i];
		struct mwalk w;
		int e = mtype_walk(fcc->type, path, plen, '.', -1, &w);
		if (e == -EINVAL)
			return e;
		if (e)
			continue;
		if (found++)
			return -EINVAL;	/* ambiguous: name the FC */
		out->fc = fcc->type->fc;
		out->type = w.type;
		out->voff = ln->vbase + fcc->off + w.off;
	}
	return found ? 0 : -ENOENT;
}
