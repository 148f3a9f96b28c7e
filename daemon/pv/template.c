/* SPDX-License-Identifier: Apache-2.0 */
/* Walks the model's mappable attributes: the map template
 * (--print-map-template) and the --simulate map (pv.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "update.h"

typedef int (*leaf_fn)(void *ctx, const char *ref, const char *path, const struct mtype *t,
		       uint8_t fc, uint32_t voff);

/* path: "DO.DA.sub" below the LN; ref: "LDname/LN.path[FC]", the
 * IEC 61850-7-2 object reference (LD name = IED name + LD inst, or the
 * LDevice's ldName: the MMS domain name iedc shows). Arrays are not
 * entered (their elements are addressed with "(n)", rarely mapped). */
static int walk_type(const struct mtype *t, uint32_t voff, char *path, size_t plen,
		     const char *ldln, uint8_t fc, leaf_fn fn, void *ctx)
{
	if (t->btype == MB_ARRAY)
		return 0;
	if (t->btype != MB_STRUCT) {
		if (model_btype_vkind(t->btype) == MODEL_V_NONE)
			return 0;
		char ref[MAP_REF_MAX + 64];
		snprintf(ref, sizeof(ref), "%s.%s[%s]", ldln, path, model_fc_name(fc));
		return fn(ctx, ref, path, t, fc, voff);
	}
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mcomp *c = &t->comp[i];
		size_t nl = strlen(c->name);
		if (plen + 1 + nl + 1 > MAP_REF_MAX)
			continue;
		size_t np = plen;
		if (plen)
			path[np++] = '.';
		memcpy(path + np, c->name, nl + 1);
		int rc = walk_type(c->type, voff + c->off, path, np + nl, ldln, fc, fn, ctx);
		path[plen] = 0;
		if (rc)
			return rc;
	}
	return 0;
}

static int walk_model(const struct model *m, leaf_fn fn, void *ctx)
{
	char path[MAP_REF_MAX + 1], ldln[200];
	for (uint32_t l = 0; l < m->n_ld; l++) {
		const struct mld *ld = &m->lds[l];
		for (uint32_t n = 0; n < ld->n_ln; n++) {
			const struct mln *ln = &ld->lns[n];
			snprintf(ldln, sizeof(ldln), "%s/%s", ld->name, ln->name);
			/* the LN's components are its FCs; below them the DOs */
			for (uint32_t f = 0; f < ln->type->n; f++) {
				const struct mcomp *fcc = &ln->type->comp[f];
				uint8_t fc = model_fc_parse(fcc->name, strlen(fcc->name));
				path[0] = 0;
				int rc = walk_type(fcc->type, ln->vbase + fcc->off, path, 0, ldln, fc,
						   fn, ctx);
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

/* ---- template ---- */

struct tmpl {
	FILE *f;
	size_t n;
};

static int tmpl_leaf(void *ctx, const char *ref, const char *path, const struct mtype *t,
		     uint8_t fc, uint32_t voff)
{
	struct tmpl *x = ctx;
	(void)path;
	(void)voff;
	/* a reference never holds '"' or ','; quote nothing */
	/* rw where the map accepts w; a command (Oper.ctlVal) only goes to
	 * the source: w */
	const char *dir = !pv_ref_carried(ref, fc) ? "r" : fc == FC_CO ? "w" : "rw";
	fprintf(x->f, "%s,,,,,%s,,%s\n", ref, dir, model_btype_name(t->btype));
	x->n++;
	return 0;
}

size_t pv_print_template(const struct model *m, FILE *f)
{
	struct tmpl x = { .f = f };
	fprintf(f,
		"# CSV map template for IED %s (%s), written by iedd --print-map-template.\n"
		"# One row per mappable attribute; fill in source and address, delete the rows\n"
		"# you do not map. Format: schemas/map-format.md. direction suggests rw where\n"
		"# a client's write can reach a source (FC CF, DC, SP, SV, BL), w for a\n"
		"# command (Oper.ctlVal[CO]), r elsewhere; type is checked against the\n"
		"# model when set.\n"
		"reference,source,address,scale,offset,direction,scanClass,type\n",
		m->ied_name, m->scl_file);
	walk_model(m, tmpl_leaf, &x);
	return x.n;
}

/* ---- simulate ---- */

/* A control of a controllable data object (IEC 61850-7-3 §7.5 SPC, DPC,
 * INC, ENC, BSC, ISC, APC, BAC) and the status that reflects it. The
 * client's MMS Write of Oper (8-1 §20) stores ctlVal and fires the model's
 * write hook of the write row; both rows are points of one sim "hold"
 * cell, so the status shows the commanded value and keeps it: after the
 * write row's travel= (a DPC 60 ms through intermediate-state, unless
 * pv_sim_cfg says otherwise), or never (its fail=). */
struct sim_ctl {
	char doref[MAP_REF_MAX];	/* "LD/LN.DO" */
	char ctl[MAP_REF_MAX + 32];	/* "LD/LN.DO.Oper.ctlVal[CO]" (.f/.i for APC) */
	char status[MAP_REF_MAX + 32];	/* "LD/LN.DO.stVal[ST]" and the like */
	char waddr[MAP_ADDR_MAX];	/* the write row's sim address */
	char raddr[MAP_ADDR_MAX];	/* the status row's */
	bool dbpos;			/* a DPC: the status is a Dbpos */
	bool configured;		/* a pv_sim_control named it */
};

struct sim {
	const struct model *m;
	struct map *map;
	size_t cap;
	uint32_t i;
	struct sim_ctl *ctls;
	size_t n_ctl, cap_ctl;
	const struct sim_ctl **by_status, **by_do;	/* sorted */
};

static bool ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);
	return a >= b && !strcmp(s + a - b, sfx);
}

/* The model's value of the numeric attribute "<doref><name><sfx>[CF]" for
 * sfx "", ".f" or ".i" (an INT8 minVal, an AnalogueValue rangeC.min). */
static bool sim_cf_number(const struct model *m, const char *ref, size_t dlen, const char *name,
			  double *out)
{
	static const char *const sfx[] = { ".f", ".i", "" };
	for (size_t k = 0; k < 3; k++) {
		char r[MAP_REF_MAX + 48];
		struct mref a;
		struct model_val v;
		if ((size_t)snprintf(r, sizeof(r), "%.*s%s%s[CF]", (int)dlen, ref, name, sfx[k]) >=
		    sizeof(r))
			return false;
		if (model_resolve_ref(m, r, &a) || a.type->btype == MB_STRUCT ||
		    a.type->btype == MB_ARRAY || model_load_val(m, a.type, a.voff, &v, NULL, 0))
			continue;
		switch (v.kind) {
		case MODEL_V_INT: *out = (double)v.v.i; return true;
		case MODEL_V_UINT: *out = (double)v.v.u; return true;
		case MODEL_V_FLOAT: *out = v.v.f; return isfinite(v.v.f);
		default: continue;
		}
	}
	return false;
}

/* The configured range of the data object "<ref up to dlen>", if sane:
 * rangeC.min/max (MV, CMV: IEC 61850-7-3), else minVal/maxVal (APC, BAC,
 * ISC), else min/max (SAV). */
static bool sim_range(const struct model *m, const char *ref, size_t dlen, double *lo, double *hi)
{
	static const char *const pairs[][2] = {
		{ ".rangeC.min", ".rangeC.max" }, { ".minVal", ".maxVal" }, { ".min", ".max" },
	};
	for (size_t k = 0; k < 3; k++) {
		double x, y;
		if (sim_cf_number(m, ref, dlen, pairs[k][0], &x) &&
		    sim_cf_number(m, ref, dlen, pairs[k][1], &y) && y > x) {
			*lo = x;
			*hi = y;
			return true;
		}
	}
	return false;
}

/* The values an integer type holds (IEC 61850-7-2 INT8..INT64, INT8U..
 * INT32U), kept within 2^53 (the sim computes in doubles); false for a
 * type that is not an integer. */
static bool sim_int_range(uint8_t bt, double *lo, double *hi)
{
	switch (bt) {
	case MB_INT8: *lo = INT8_MIN; *hi = INT8_MAX; return true;
	case MB_INT16: *lo = INT16_MIN; *hi = INT16_MAX; return true;
	case MB_INT24: *lo = -(1 << 23); *hi = (1 << 23) - 1; return true;
	case MB_INT32: *lo = INT32_MIN; *hi = INT32_MAX; return true;
	case MB_INT64: *lo = -0x1p53; *hi = 0x1p53; return true;
	case MB_INT8U: *lo = 0; *hi = UINT8_MAX; return true;
	case MB_INT16U: *lo = 0; *hi = UINT16_MAX; return true;
	case MB_INT24U: *lo = 0; *hi = (1 << 24) - 1; return true;
	case MB_INT32U: *lo = 0; *hi = UINT32_MAX; return true;
	default: return false;
	}
}

/* Whether `ref` is the instMag (instCVal.mag) of an MV (CMV) whose mag
 * (cVal.mag) exists: that row drives it through the deadband. A SAV's
 * instMag (TCTR.Amp, TVTR.Vol: IEC 61850-7-3 sampled value) has no mag
 * and is animated itself. */
static bool inst_follows_mag(const struct model *m, const char *ref)
{
	const char *p = strstr(ref, ".instMag.");
	const char *mag = ".mag";
	if (!p) {
		p = strstr(ref, ".instCVal.mag.");
		mag = ".cVal.mag";
	}
	if (!p)
		return false;
	static const char *const sfx[] = { ".f[MX]", ".i[MX]" };
	for (size_t k = 0; k < 2; k++) {
		char r[MAP_REF_MAX + 48];
		struct mref a;
		snprintf(r, sizeof(r), "%.*s%s%s", (int)(p - ref), ref, mag, sfx[k]);
		if (!model_resolve_ref(m, r, &a) && a.type->btype != MB_STRUCT)
			return true;
	}
	return false;
}

/* The length of the data object part of an MX reference "LD/LN.DO.x[.f|.i][MX]":
 * before the attribute (and its .f/.i). */
static size_t sim_do_len(const char *ref)
{
	const char *end = strrchr(ref, '[');
	size_t n = end ? (size_t)(end - ref) : strlen(ref);
	const char *dot = memrchr(ref, '.', n);
	if (dot && (!strncmp(dot, ".f[", 3) || !strncmp(dot, ".i[", 3)))
		dot = memrchr(ref, '.', (size_t)(dot - ref));
	return dot ? (size_t)(dot - ref) : n;
}

static int sim_add(struct sim *s, const char *ref, const char *addr, uint8_t dir)
{
	if (s->map->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		struct map_row *r = realloc(s->map->rows, nc * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->map->rows = r;
		s->cap = nc;
	}
	struct map_row *row = &s->map->rows[s->map->n++];
	memset(row, 0, sizeof(*row));
	row->line = (uint32_t)s->map->n;
	for (int c = 0; c < MAP_N_COLS; c++)
		row->col[c] = 1;
	snprintf(row->ref, sizeof(row->ref), "%s", ref);
	snprintf(row->source, sizeof(row->source), "sim");
	snprintf(row->address, sizeof(row->address), "%s", addr);
	row->scale = 1;
	row->dir = dir;
	return 0;
}

/* The attribute `ref` if it exists and is a basic type. */
static bool sim_attr(const struct model *m, const char *ref, struct mref *r)
{
	return !model_resolve_ref(m, ref, r) && r->type->btype != MB_STRUCT &&
	       r->type->btype != MB_ARRAY;
}

/* "<doref><sfx>" as a basic attribute. */
static bool sim_do_attr(const struct model *m, const char *doref, const char *sfx, struct mref *r)
{
	char ref[MAP_REF_MAX + 64];
	if ((size_t)snprintf(ref, sizeof(ref), "%s%s", doref, sfx) >= sizeof(ref))
		return false;
	return sim_attr(m, ref, r);
}

/* The model's value of a basic numeric attribute (limits, step sizes). */
static bool sim_number(const struct model *m, const struct mref *r, double *out)
{
	struct model_val v;
	if (model_load_val(m, r->type, r->voff, &v, NULL, 0))
		return false;
	switch (v.kind) {
	case MODEL_V_BOOL: *out = v.v.b; break;
	case MODEL_V_INT: *out = (double)v.v.i; break;
	case MODEL_V_UINT: *out = (double)v.v.u; break;
	case MODEL_V_FLOAT: *out = v.v.f; break;
	default: return false;
	}
	return true;
}

/* The model's value of a basic attribute as the sim parses it for the
 * attribute's kind (const:VALUE, start=V): exact for every integer. */
static bool sim_text(const struct model *m, const struct mref *r, char *out, size_t len)
{
	struct model_val v;
	if (model_load_val(m, r->type, r->voff, &v, NULL, 0))
		return false;
	const struct enum_type *e = r->type->enm;
	switch (v.kind) {
	case MODEL_V_BOOL: snprintf(out, len, "%s", v.v.b ? "true" : "false"); return true;
	case MODEL_V_INT:
		if (r->type->btype == MB_ENUM && e && e->n && !enum_name(e, (int32_t)v.v.i))
			v.v.i = e->ords[0];
		snprintf(out, len, "%lld", (long long)v.v.i);
		return true;
	case MODEL_V_UINT: snprintf(out, len, "%llu", (unsigned long long)v.v.u); return true;
	case MODEL_V_FLOAT: snprintf(out, len, "%.17g", v.v.f); return true;
	default: return false;
	}
}

/* ",min=A,max=B" from the DO's configured minVal/maxVal (IEC 61850-7-3
 * BSC, ISC: INT8; APC, BAC: AnalogueValue, sfx ".f"/".i"), else from
 * dmin/dmax when those are finite. */
static void sim_limits(const struct model *m, const char *doref, const char *sfx, double dmin,
		       double dmax, char *out, size_t len)
{
	char a[32], b[32];
	struct mref lo, hi;
	double x, y;
	snprintf(a, sizeof(a), ".minVal%s[CF]", sfx);
	snprintf(b, sizeof(b), ".maxVal%s[CF]", sfx);
	if (sim_do_attr(m, doref, a, &lo) && sim_do_attr(m, doref, b, &hi) &&
	    sim_number(m, &lo, &x) && sim_number(m, &hi, &y) && y > x) {
		dmin = x;
		dmax = y;
	}
	if (dmin > -1e300 && dmax < 1e300 && dmax > dmin)
		snprintf(out, len, ",min=%.17g,max=%.17g", dmin, dmax);
	else
		out[0] = 0;
}

/* IEC 61850-7-3 ValWithTrans: posVal is an INT8 in -64..63. */
#define SIM_POS_MIN -64
#define SIM_POS_MAX 63

/* Recognises the CDC of a DO with Oper.ctlVal by the attributes it has
 * (the model keeps no cdc) and fills the control's status and addresses;
 * false for a DO left animated: status-only, or no status iedd knows how
 * to reflect the control in. */
static bool sim_ctl_classify(const struct model *m, struct sim_ctl *c, const struct mtype *ct,
			     const char *analog, uint32_t k)
{
	const char *d = c->doref;
	struct mref r;
	double v;
	/* IEC 61850-7-3 CtlModelKind 0 status-only: no control service; an
	 * Oper written anyway just lands in the model. Not set in the SCL, the
	 * Enum holds 0 too. No ctlModel at all: taken as controllable. */
	struct model_val mv;
	if (sim_do_attr(m, d, ".ctlModel[CF]", &r) && r.type->btype == MB_ENUM &&
	    !model_load_val(m, r.type, r.voff, &mv, NULL, 0) && mv.v.i == 0)
		return false;
	char extra[160] = "", lim[120];
	uint8_t cb = ct->btype;
	snprintf(c->status, sizeof(c->status), "%s.valWTr.posVal[ST]", d);
	if (analog) {
		/* APC: ctlVal.f -> mxVal.f (ctlVal.i -> mxVal.i) */
		snprintf(c->status, sizeof(c->status), "%s.mxVal%s[MX]", d, analog);
		sim_limits(m, d, analog, -INFINITY, INFINITY, extra, sizeof(extra));
	} else if (sim_attr(m, c->status, &r)) {
		/* BSC: a Tcmd steps posVal by one; ISC: posVal = ctlVal */
		sim_limits(m, d, "", SIM_POS_MIN, SIM_POS_MAX, lim, sizeof(lim));
		snprintf(extra, sizeof(extra), "%s%s", cb == MB_TCMD ? ",tcmd=1" : "", lim);
	} else if (cb == MB_TCMD) {
		/* BAC: a Tcmd steps mxVal by stepSize (1 when not configured) */
		const char *f = ".f";
		snprintf(c->status, sizeof(c->status), "%s.mxVal.f[MX]", d);
		if (!sim_attr(m, c->status, &r)) {
			f = ".i";
			snprintf(c->status, sizeof(c->status), "%s.mxVal.i[MX]", d);
		}
		double step = 1;
		char ss[32];
		snprintf(ss, sizeof(ss), ".stepSize%s[CF]", f);
		if (sim_do_attr(m, d, ss, &r) && sim_number(m, &r, &v) && v > 0)
			step = v;
		sim_limits(m, d, f, -INFINITY, INFINITY, lim, sizeof(lim));
		snprintf(extra, sizeof(extra), ",tcmd=%.17g%s", step, lim);
	} else {
		/* SPC, DPC, INC, ENC */
		snprintf(c->status, sizeof(c->status), "%s.stVal[ST]", d);
	}
	if (strlen(c->status) >= MAP_REF_MAX || !sim_attr(m, c->status, &r))
		return false;
	uint8_t sb = r.type->btype, sk = model_btype_vkind(sb), ck = model_btype_vkind(cb);
	bool ok;
	if (cb == MB_TCMD)
		ok = sk == MODEL_V_INT || sk == MODEL_V_UINT || sk == MODEL_V_FLOAT;
	else if (sb == MB_DBPOS)
		ok = cb == MB_BOOLEAN; /* DPC */
	else if (sk == MODEL_V_BOOL)
		ok = ck == MODEL_V_BOOL; /* SPC */
	else
		ok = (sk == MODEL_V_INT || sk == MODEL_V_UINT || sk == MODEL_V_FLOAT) &&
		     (ck == MODEL_V_INT || ck == MODEL_V_UINT || ck == MODEL_V_FLOAT);
	char start[64];
	if (!ok || !sim_text(m, &r, start, sizeof(start)))
		return false;
	/* IEC 61850-7-3 DPC: ctlVal true = on (Dbpos 10 = 2), false = off (01 = 1) */
	c->dbpos = sb == MB_DBPOS;
	if (sb == MB_DBPOS)
		snprintf(extra, sizeof(extra), ",false=1,true=2");
	/* the cell's name: the status reference without its FC */
	char name[160];
	size_t nl = strlen(c->status) - 4;
	if (nl < sizeof(name))
		snprintf(name, sizeof(name), "%.*s", (int)nl, c->status);
	else
		snprintf(name, sizeof(name), "ctl%u", k);
	if ((size_t)snprintf(c->waddr, sizeof(c->waddr), "hold:name=%s%s", name, extra) >=
		    sizeof(c->waddr) ||
	    (size_t)snprintf(c->raddr, sizeof(c->raddr), "hold:name=%s,start=%s", name, start) >=
		    sizeof(c->raddr))
		return false;
	return true;
}

/* Pass 1: every Oper.ctlVal (Oper.ctlVal.f/.i of an APC) of the model. */
static int ctl_leaf(void *ctx, const char *ref, const char *path, const struct mtype *t,
		    uint8_t fc, uint32_t voff)
{
	struct sim *s = ctx;
	(void)voff;
	if (fc != FC_CO || strlen(ref) >= MAP_REF_MAX)
		return 0;
	const char *analog = NULL, *sfx = ".Oper.ctlVal";
	if (ends_with(path, ".Oper.ctlVal.f"))
		analog = ".f";
	else if (ends_with(path, ".Oper.ctlVal.i"))
		analog = ".i";
	else if (!ends_with(path, sfx))
		return 0;
	size_t plen = strlen(path), rlen = strlen(ref);
	size_t dolen = plen - strlen(sfx) - (analog ? 2 : 0);
	size_t at = rlen - 4 - plen; /* path's start in ref ("[CO]" ends it) */
	if (s->n_ctl == s->cap_ctl) {
		size_t nc = s->cap_ctl ? s->cap_ctl * 2 : 16;
		struct sim_ctl *c = realloc(s->ctls, nc * sizeof(*c));
		if (!c)
			return -ENOMEM;
		s->ctls = c;
		s->cap_ctl = nc;
	}
	struct sim_ctl *c = &s->ctls[s->n_ctl];
	memset(c, 0, sizeof(*c));
	if (at + dolen >= sizeof(c->doref))
		return 0;
	memcpy(c->doref, ref, at + dolen);
	snprintf(c->ctl, sizeof(c->ctl), "%s", ref);
	if (sim_ctl_classify(s->m, c, t, analog, (uint32_t)s->n_ctl))
		s->n_ctl++;
	return 0;
}

static int cmp_status_key(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct sim_ctl *const *)elem)->status);
}

static int cmp_status(const void *a, const void *b)
{
	return strcmp((*(const struct sim_ctl *const *)a)->status,
		      (*(const struct sim_ctl *const *)b)->status);
}

static int cmp_do(const void *a, const void *b)
{
	return strcmp((*(const struct sim_ctl *const *)a)->doref,
		      (*(const struct sim_ctl *const *)b)->doref);
}

struct prefix {
	const char *s;
	size_t n;
};

static int cmp_prefix(const void *key, const void *elem)
{
	const struct prefix *k = key;
	const char *d = (*(const struct sim_ctl *const *)elem)->doref;
	int c = strncmp(k->s, d, k->n);
	return c ? c : d[k->n] ? -1 : 0;
}

/* The control whose status `ref` is, or NULL. */
static const struct sim_ctl *ctl_of_status(const struct sim *s, const char *ref)
{
	const struct sim_ctl *const *hit =
		bsearch(ref, s->by_status, s->n_ctl, sizeof(*s->by_status), cmp_status_key);
	return hit ? *hit : NULL;
}

/* Whether `ref` ("LD/LN.DO.x.y[FC]") lies inside a controlled DO (an SDO
 * included): every prefix ending before a '.' after the LN is a candidate. */
static bool in_controlled_do(const struct sim *s, const char *ref)
{
	const char *p = strchr(ref, '.');
	while (p && (p = strchr(p + 1, '.'))) {
		struct prefix k = { .s = ref, .n = (size_t)(p - ref) };
		if (bsearch(&k, s->by_do, s->n_ctl, sizeof(*s->by_do), cmp_prefix))
			return true;
	}
	return false;
}

/* An Enum (a status like Beh, Health, Mod; a measurement's range) keeps
 * its value: the sim gives q and t only. Its SCL value, or the first
 * member when the SCL left it unset. */
static void enum_const(const struct sim *s, const struct mtype *t, uint32_t voff, char *addr,
		       size_t n)
{
	int32_t o;
	memcpy(&o, s->m->values + voff, 4);
	if (t->enm && t->enm->n && !enum_name(t->enm, o))
		o = t->enm->ords[0];
	snprintf(addr, n, "const:%d", (int)o);
}

/* What the control model (acsi/control.c) keeps itself and the simulator
 * must not overwrite: the LN's mode and behaviour (a Mod command changes
 * them) and the switching hierarchy, held at its SCL value (remote
 * control allowed unless the SCL says local), so that a commissioning
 * engineer's commands are not refused at random. */
static bool server_owned(const char *path)
{
	static const char *const dos[] = { "Beh.", "Mod.", "Loc.", "LocSta.", "LocKey." };
	for (size_t i = 0; i < sizeof(dos) / sizeof(dos[0]); i++)
		if (!strncmp(path, dos[i], strlen(dos[i])))
			return true;
	return false;
}

/* The parts of a controllable DO's status the control model sets:
 * stSeld, opRcvd, opOk, tOpOk, origin and ctlNum (7-3 §7.5). */
static bool controlled_part_owned(const char *path)
{
	static const char *const das[] = { ".stSeld", ".opRcvd", ".opOk", ".tOpOk", ".ctlNum" };
	for (size_t i = 0; i < sizeof(das) / sizeof(das[0]); i++)
		if (ends_with(path, das[i]))
			return true;
	return strstr(path, ".origin.") != NULL;
}

static int sim_leaf(void *ctx, const char *ref, const char *path, const struct mtype *t,
		    uint8_t fc, uint32_t voff)
{
	struct sim *s = ctx;
	char addr[MAP_ADDR_MAX];
	uint32_t i = s->i++;
	unsigned period = 10 + i % 50, phase = (i * 37) % 360;
	if (fc == FC_ST && server_owned(path))
		return 0;
	if ((fc == FC_MX || fc == FC_ST) && s->n_ctl) {
		const struct sim_ctl *c = ctl_of_status(s, ref);
		if (c)
			return sim_add(s, ref, c->raddr, MAP_DIR_R);
		if (in_controlled_do(s, ref) && controlled_part_owned(path))
			return 0;
		if (in_controlled_do(s, ref)) {
			/* the rest of a controllable DO (stSeld, valWTr.transInd,
			 * origin.orCat, ctlNum...) keeps the value it has: the
			 * process does not move on its own */
			struct mref r = { .type = t, .voff = voff };
			char v[64];
			if (model_btype_vkind(t->btype) == MODEL_V_STRING ||
			    !sim_text(s->m, &r, v, sizeof(v)))
				return 0;
			snprintf(addr, sizeof(addr), "const:%s", v);
			return sim_add(s, ref, addr, MAP_DIR_R);
		}
	}
	if (fc == FC_MX) {
		/* an MV's instMag/instCVal follows its mag row (deadband), not a
		 * row of its own; a SAV's instMag is the measurement */
		if ((strstr(path, "instMag") || strstr(path, "instCVal")) &&
		    inst_follows_mag(s->m, ref))
			return 0;
		uint8_t vk = model_btype_vkind(t->btype);
		if (vk != MODEL_V_FLOAT && vk != MODEL_V_INT && vk != MODEL_V_UINT)
			return 0;
		if (t->btype == MB_ENUM || t->btype == MB_DBPOS || t->btype == MB_TCMD) {
			/* not an analogue: an MV's range (normal, high, ...) */
			if (t->btype != MB_ENUM)
				return 0;
			enum_const(s, t, voff, addr, sizeof(addr));
			return sim_add(s, ref, addr, MAP_DIR_R);
		}
		/* within the DO's configured range (rangeC, minVal/maxVal, a SAV's
		 * min/max), else 0..100, ±180 for an angle and ±100 for a sampled
		 * value (it swings around 0); an integer within its type too */
		double lo = 0, hi = 100, tlo, thi;
		const char *mag = NULL;
		if (ends_with(ref, ".cVal.mag.f[MX]") || ends_with(ref, ".cVal.mag.i[MX]"))
			mag = ".cVal.mag";
		else if (ends_with(ref, ".mag.f[MX]") || ends_with(ref, ".mag.i[MX]"))
			mag = ".mag";
		else if (strstr(ref, ".instMag."))
			mag = ".instMag";
		size_t dlen = mag ? (size_t)(strstr(ref, mag) - ref) : sim_do_len(ref);
		if (!sim_range(s->m, ref, dlen, &lo, &hi)) {
			if (ends_with(ref, ".ang.f[MX]") || ends_with(ref, ".ang.i[MX]")) {
				lo = -180;
				hi = 180;
			} else if (mag && !strcmp(mag, ".instMag")) {
				lo = -100;
				hi = 100;
			}
		}
		if (sim_int_range(t->btype, &tlo, &thi)) {
			lo = fmax(lo, tlo);
			hi = fmin(hi, thi);
			if (!(hi > lo)) {
				lo = tlo;
				hi = fmin(thi, tlo + 100);
			}
		}
		if (vk == MODEL_V_UINT && lo < 0)
			lo = 0;
		double amp = (hi - lo) * 0.45, off = (lo + hi) / 2;
		snprintf(addr, sizeof(addr), "sine:period=%u,amplitude=%.17g,offset=%.17g,phase=%u",
			 period, amp, off, phase);
		return sim_add(s, ref, addr, MAP_DIR_R);
	}
	if (fc != FC_ST)
		return 0;
	/* statuses change every second or few (a square wave's period 2..8 s
	 * in half seconds, staggered per row), so two reads a few seconds apart
	 * see them move; --simulate-speed makes it faster still */
	double square = 2 + 0.5 * (i % 13);
	switch (t->btype) {
	case MB_BOOLEAN:
		snprintf(addr, sizeof(addr), "square:period=%g", square);
		break;
	case MB_DBPOS: /* off (1) <-> on (2) */
		snprintf(addr, sizeof(addr), "square:period=%g,low=1,high=2", square);
		break;
	case MB_ENUM:
		enum_const(s, t, voff, addr, sizeof(addr));
		break;
	case MB_INT32: case MB_INT64: case MB_INT32U:
		snprintf(addr, sizeof(addr), "counter:step=1,period=%u", 1 + i % 5);
		break;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT8U: case MB_INT16U: case MB_INT24U:
		snprintf(addr, sizeof(addr), "ramp:period=%u,min=0,max=100", period);
		break;
	default:
		return 0; /* strings, Tcmd: left as they are */
	}
	return sim_add(s, ref, addr, MAP_DIR_R);
}

/* The simulated plant: how long each control's command takes (a DPC's
 * breaker or disconnector 60 ms by default, through intermediate-state)
 * and which ones fail on purpose; appended to the write rows' addresses. */
static int sim_plant(struct sim *s, const struct pv_sim_cfg *cfg, char *err, size_t errlen)
{
	int dpc = cfg && cfg->dpc_travel_ms >= 0 ? cfg->dpc_travel_ms : 60;
	for (size_t k = 0; cfg && k < cfg->n_controls; k++) {
		const struct pv_sim_control *pc = &cfg->controls[k];
		struct sim_ctl *c = NULL;
		for (size_t i = 0; i < s->n_ctl && !c; i++)
			if (!strcmp(s->ctls[i].doref, pc->ref))
				c = &s->ctls[i];
		if (!c) {
			if (err)
				snprintf(err, errlen,
					 "simulate: control \"%s\" is no controllable data object of "
					 "the model (LD/LN.DO, the LD by name as iedc shows it; "
					 "status-only objects are not controlled)",
					 pc->ref);
			return -EINVAL;
		}
		c->configured = true;
	}
	for (size_t i = 0; i < s->n_ctl; i++) {
		struct sim_ctl *c = &s->ctls[i];
		int travel = c->dbpos ? dpc : 0;
		const char *fail = NULL;
		for (size_t k = 0; c->configured && k < cfg->n_controls; k++) {
			const struct pv_sim_control *pc = &cfg->controls[k];
			if (strcmp(c->doref, pc->ref))
				continue;
			if (pc->travel_ms >= 0)
				travel = pc->travel_ms;
			if (pc->fail && pc->fail[0])
				fail = pc->fail;
		}
		size_t n = strlen(c->waddr);
		int w = 0;
		if (travel > 0)
			w = snprintf(c->waddr + n, sizeof(c->waddr) - n, ",travel=%d", travel);
		if (w >= 0 && fail && (size_t)w < sizeof(c->waddr) - n)
			w += snprintf(c->waddr + n + (size_t)w, sizeof(c->waddr) - n - (size_t)w,
				      ",fail=%s", fail);
		if (w < 0 || (size_t)w >= sizeof(c->waddr) - n) {
			if (err)
				snprintf(err, errlen, "simulate: control \"%s\": address too long",
					 c->doref);
			return -EINVAL;
		}
	}
	return 0;
}

int pv_simulate_map(const struct model *m, struct map **out)
{
	return pv_simulate_map_cfg(m, NULL, out, NULL, 0);
}

int pv_simulate_map_cfg(const struct model *m, const struct pv_sim_cfg *cfg, struct map **out,
			char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = 0;
	struct sim s = { .m = m };
	s.map = calloc(1, sizeof(*s.map));
	if (!s.map)
		return -ENOMEM;
	snprintf(s.map->file, sizeof(s.map->file), "(--simulate)");
	int rc = walk_model(m, ctl_leaf, &s);
	if (rc)
		goto out;
	if (s.n_ctl) {
		s.by_status = malloc(s.n_ctl * sizeof(*s.by_status));
		s.by_do = malloc(s.n_ctl * sizeof(*s.by_do));
		if (!s.by_status || !s.by_do) {
			rc = -ENOMEM;
			goto out;
		}
		for (size_t k = 0; k < s.n_ctl; k++)
			s.by_status[k] = s.by_do[k] = &s.ctls[k];
		qsort(s.by_status, s.n_ctl, sizeof(*s.by_status), cmp_status);
		qsort(s.by_do, s.n_ctl, sizeof(*s.by_do), cmp_do);
	}
	rc = sim_plant(&s, cfg, err, errlen);
	if (rc)
		goto out;
	rc = walk_model(m, sim_leaf, &s);
	/* the write rows: Oper.ctlVal -> the status's cell */
	for (size_t k = 0; !rc && k < s.n_ctl; k++)
		rc = sim_add(&s, s.ctls[k].ctl, s.ctls[k].waddr, MAP_DIR_W);
out:
	free(s.ctls);
	free(s.by_status);
	free(s.by_do);
	if (rc) {
		if (rc == -ENOMEM && err && errlen)
			snprintf(err, errlen, "simulate: out of memory");
		map_free(s.map);
		return rc;
	}
	*out = s.map;
	return 0;
}
