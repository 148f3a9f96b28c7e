/* Walks the model's mappable attributes: the map template
 * (--print-map-template) and the --simulate map (pv.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "update.h"

typedef int (*leaf_fn)(void *ctx, const char *ref, const char *path, const struct mtype *t,
		       uint8_t fc, uint32_t voff);

/* path: "DO.DA.sub" below the LN; ref: "LDinst/LN.path[FC]". Arrays are
 * not entered (their elements are addressed with "(n)", rarely mapped). */
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
			snprintf(ldln, sizeof(ldln), "%s/%s", ld->inst[0] ? ld->inst : ld->name,
				 ln->name);
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
	fprintf(x->f, "%s,,,,,%s,,%s\n", ref, model_fc_writable(fc) ? "rw" : "r",
		model_btype_name(t->btype));
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
		"# the FC lets a client write; type is checked against the model when set.\n"
		"reference,source,address,scale,offset,direction,scanClass,type\n",
		m->ied_name, m->scl_file);
	walk_model(m, tmpl_leaf, &x);
	return x.n;
}

/* ---- simulate ---- */

struct sim {
	const struct model *m;
	struct map *map;
	size_t cap;
	uint32_t i;
};

static bool ends_with(const char *s, const char *sfx)
{
	size_t a = strlen(s), b = strlen(sfx);
	return a >= b && !strcmp(s + a - b, sfx);
}

/* rangeC.min/max of the DO at `ref` minus `tail`, if configured and sane. */
static bool sim_range(const struct model *m, const char *ref, size_t dlen, double *lo, double *hi)
{
	char r1[MAP_REF_MAX + 32], r2[MAP_REF_MAX + 32];
	struct mref a, b;
	snprintf(r1, sizeof(r1), "%.*s.rangeC.min.f[CF]", (int)dlen, ref);
	snprintf(r2, sizeof(r2), "%.*s.rangeC.max.f[CF]", (int)dlen, ref);
	if (model_resolve_ref(m, r1, &a) || model_resolve_ref(m, r2, &b) ||
	    a.type->btype != MB_FLOAT32 || b.type->btype != MB_FLOAT32)
		return false;
	float x, y;
	memcpy(&x, m->values + a.voff, 4);
	memcpy(&y, m->values + b.voff, 4);
	if (!(y > x))
		return false;
	*lo = x;
	*hi = y;
	return true;
}

static int sim_add(struct sim *s, const char *ref, const char *addr)
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
	row->dir = MAP_DIR_R;
	return 0;
}

static int sim_leaf(void *ctx, const char *ref, const char *path, const struct mtype *t,
		    uint8_t fc, uint32_t voff)
{
	struct sim *s = ctx;
	char addr[MAP_ADDR_MAX];
	uint32_t i = s->i++;
	unsigned period = 10 + i % 50, phase = (i * 37) % 360;
	if (fc == FC_MX) {
		/* instMag/instCVal follow their mag row (deadband), not a row of their own */
		if (strstr(path, "instMag") || strstr(path, "instCVal"))
			return 0;
		uint8_t vk = model_btype_vkind(t->btype);
		if (vk != MODEL_V_FLOAT && vk != MODEL_V_INT && vk != MODEL_V_UINT)
			return 0;
		double lo = 0, hi = 100;
		const char *mag = NULL;
		if (ends_with(ref, ".cVal.mag.f[MX]") || ends_with(ref, ".cVal.mag.i[MX]"))
			mag = ".cVal.mag";
		else if (ends_with(ref, ".mag.f[MX]") || ends_with(ref, ".mag.i[MX]"))
			mag = ".mag";
		if (mag) {
			size_t dlen = (size_t)(strstr(ref, mag) - ref);
			sim_range(s->m, ref, dlen, &lo, &hi);
		} else if (ends_with(ref, ".ang.f[MX]")) {
			lo = -180;
			hi = 180;
		}
		if (vk == MODEL_V_UINT && lo < 0)
			lo = 0;
		double amp = (hi - lo) * 0.45, off = (lo + hi) / 2;
		snprintf(addr, sizeof(addr), "sine:period=%u,amplitude=%g,offset=%g,phase=%u",
			 period, amp, off, phase);
		return sim_add(s, ref, addr);
	}
	if (fc != FC_ST)
		return 0;
	switch (t->btype) {
	case MB_BOOLEAN:
		snprintf(addr, sizeof(addr), "square:period=%u", 20 + i % 40);
		break;
	case MB_DBPOS: /* off (1) <-> on (2) */
		snprintf(addr, sizeof(addr), "square:period=%u,low=1,high=2", 30 + i % 30);
		break;
	case MB_ENUM: {
		/* an Enum status (Beh, Health, Mod) keeps its value: q and t only */
		int32_t o;
		memcpy(&o, s->m->values + voff, 4);
		if (t->enm && t->enm->n && !enum_name(t->enm, o))
			o = t->enm->ords[0]; /* not set in the SCL: the first member */
		snprintf(addr, sizeof(addr), "const:%d", (int)o);
		break;
	}
	case MB_INT32: case MB_INT64: case MB_INT32U:
		snprintf(addr, sizeof(addr), "counter:step=1,period=%u", 2 + i % 10);
		break;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT8U: case MB_INT16U: case MB_INT24U:
		snprintf(addr, sizeof(addr), "ramp:period=%u,min=0,max=100", period);
		break;
	default:
		return 0; /* strings, Tcmd: left as they are */
	}
	return sim_add(s, ref, addr);
}

int pv_simulate_map(const struct model *m, struct map **out)
{
	*out = NULL;
	struct sim s = { .m = m };
	s.map = calloc(1, sizeof(*s.map));
	if (!s.map)
		return -ENOMEM;
	snprintf(s.map->file, sizeof(s.map->file), "(--simulate)");
	int rc = walk_model(m, sim_leaf, &s);
	if (rc) {
		map_free(s.map);
		return rc;
	}
	*out = s.map;
	return 0;
}
