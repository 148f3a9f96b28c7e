/* The loaded model: names of FCs and basic types, lookups by name, MMS
 * names and object references, and the values: MMS Data encoding and
 * decoding (ISO 9506-2 Data, IEC 61850-8-1 §8.1.3) and a text form.
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
	return NULL;
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

/* ---- values: storage helpers ---- */

static int64_t get_i64(const uint8_t *v)
{
	int64_t x;
	memcpy(&x, v, 8);
	return x;
}

static uint64_t get_u64(const uint8_t *v)
{
	uint64_t x;
	memcpy(&x, v, 8);
	return x;
}

static uint16_t get_octlen(const uint8_t *v)
{
	uint16_t n;
	memcpy(&n, v, 2);
	return n;
}

/* ---- values: MMS Data encoding ---- */

static void encode(const uint8_t *v, const struct mtype *t, struct buf *b)
{
	const uint8_t C = BER_CONTEXT, CC = BER_CONTEXT | BER_CONSTRUCTED;

	switch (t->btype) {
	case MB_STRUCT: {
		size_t mark = ber_begin(b, CC, 2);
		for (uint32_t i = 0; i < t->n; i++)
			encode(v + t->comp[i].off, t->comp[i].type, b);
		ber_end(b, mark);
		break;
	}
	case MB_ARRAY: {
		size_t mark = ber_begin(b, CC, 1);
		for (uint32_t i = 0; i < t->count; i++)
			encode(v + (size_t)i * t->elem->size, t->elem, b);
		ber_end(b, mark);
		break;
	}
	case MB_BOOLEAN:
		ber_put_bool(b, C, 3, v[0] != 0);
		break;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
		ber_put_int(b, C, 5, get_i64(v));
		break;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		ber_put_uint(b, C, 6, get_u64(v));
		break;
	case MB_FLOAT32: {
		float f;
		memcpy(&f, v, 4);
		ber_put_float32(b, C, 7, f);
		break;
	}
	case MB_FLOAT64: {
		double d;
		memcpy(&d, v, 8);
		ber_put_float64(b, C, 7, d);
		break;
	}
	case MB_ENUM: {
		int32_t e;
		memcpy(&e, v, 4);
		ber_put_int(b, C, 5, e);
		break;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: {
		uint8_t bits = (uint8_t)(v[0] << 6);
		ber_put_bitstring(b, C, 4, &bits, 2);
		break;
	}
	case MB_QUALITY: {
		uint16_t q;
		memcpy(&q, v, 2);
		uint8_t bits[2] = { (uint8_t)(q >> 8), (uint8_t)q };
		ber_put_bitstring(b, C, 4, bits, 13);
		break;
	}
	case MB_TIMESTAMP:
		ber_put_raw(b, C, 17, v, 8);
		break;
	case MB_ENTRYTIME:
		ber_put_raw(b, C, 12, v, 6);
		break;
	case MB_VISSTRING:
		ber_put_raw(b, C, 10, v, strnlen((const char *)v, t->max_len));
		break;
	case MB_UNICODE:
		ber_put_raw(b, C, 16, v, strnlen((const char *)v, t->max_len));
		break;
	case MB_OCTET: {
		size_t n = (t->flags & MTYPE_FIXED) ? t->max_len : get_octlen(v);
		if (n > t->max_len)
			n = t->max_len;
		ber_put_raw(b, C, 9, v + 2, n);
		break;
	}
	case MB_BITSTRING:
		ber_put_bitstring(b, C, 4, v + 1, t->max_len);
		break;
	default:
		break;
	}
}

void model_encode_data(const struct model *m, const struct mtype *t, uint32_t voff,
		       struct buf *b)
{
	encode(m->values + voff, t, b);
}

/* ---- values: MMS Data decoding ---- */

/* Well-formed UTF-8 (RFC 3629): no overlong two-octet forms, nothing
 * beyond U+10FFFF; enough to keep garbage out of an mMSString. */
static bool utf8_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k;
		if (c < 0x80)
			k = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if ((c & 0xF0) == 0xE0)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return false;
		if (k > n - i - 1)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* Decodes into `v` (scratch storage of t->size octets). */
static int decode(uint8_t *v, const struct mtype *t, const struct ber_cur *parent,
		  const struct ber_tlv *tlv, unsigned depth)
{
	const uint8_t C = BER_CONTEXT, CC = BER_CONTEXT | BER_CONSTRUCTED;
	struct ber_cur c;
	struct ber_tlv e;

	if (depth > MODEL_MAX_DEPTH + 4)
		return MMS_DAE_OBJECT_VALUE_INVALID;
	switch (t->btype) {
	case MB_STRUCT:
	case MB_ARRAY: {
		bool st = t->btype == MB_STRUCT;
		uint32_t n = st ? t->n : t->count;
		if (!ber_is(tlv, CC, st ? 2 : 1))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_enter(parent, tlv, &c, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		for (uint32_t i = 0; i < n; i++) {
			if (ber_next(&c, &e, NULL))
				return MMS_DAE_TYPE_INCONSISTENT;	/* too few, or broken */
			const struct mtype *ct = st ? t->comp[i].type : t->elem;
			uint32_t off = st ? t->comp[i].off : i * t->elem->size;
			int r = decode(v + off, ct, &c, &e, depth + 1);
			if (r)
				return r;
		}
		return ber_cur_done(&c) ? 0 : MMS_DAE_TYPE_INCONSISTENT;
	}
	case MB_BOOLEAN: {
		bool x;
		if (!ber_is(tlv, C, 3))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_bool(tlv, &x, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		v[0] = x;
		return 0;
	}
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
	case MB_ENUM: {
		int64_t min, max, x;
		if (!ber_is(tlv, C, 5))
			return MMS_DAE_TYPE_INCONSISTENT;
		model_int_range(t->btype, &min, &max);
		if (ber_get_int_range(tlv, min, max, &x, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (t->btype == MB_ENUM) {
			int32_t e32 = (int32_t)x;
			if (t->enm && !enum_name(t->enm, e32))
				return MMS_DAE_OBJECT_VALUE_INVALID;
			memcpy(v, &e32, 4);
		} else {
			memcpy(v, &x, 8);
		}
		return 0;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		uint64_t x;
		if (!ber_is(tlv, C, 6))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_uint64(tlv, &x, NULL) || x > model_uint_max(t->btype))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		double d;
		bool dbl;
		if (!ber_is(tlv, C, 7))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_float(tlv, &d, &dbl, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (t->btype == MB_FLOAT32) {
			/* A FLOAT32 takes the single format only (its typedesc
			 * says format-width 32). */
			if (dbl)
				return MMS_DAE_TYPE_INCONSISTENT;
			float f = (float)d;
			memcpy(v, &f, 4);
		} else {
			memcpy(v, &d, 8);
		}
		return 0;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: case MB_QUALITY: case MB_BITSTRING: {
		uint8_t bits[8];
		size_t nbits, want = t->btype == MB_QUALITY ? 13 :
				     t->btype == MB_BITSTRING ? t->max_len : 2;
		if (!ber_is(tlv, C, 4))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (want > 64)
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_bitstring(tlv, bits, (want + 7) / 8, &nbits, NULL))
			return MMS_DAE_TYPE_INCONSISTENT;
		/* A fixed-size bit string (8-1: positive size) is of its size
		 * or of another type; Quality and Check are varying (up to 13,
		 * up to 2 bits; 8-1 §8.2): bits not conveyed are 0, and no
		 * bits at all is not a value (UCA TISSUE 1361). */
		bool varying = t->btype == MB_QUALITY || t->btype == MB_CHECK;
		if (varying ? nbits < 1 || nbits > want : nbits != want)
			return MMS_DAE_TYPE_INCONSISTENT;
		for (size_t k = nbits; k < want; k++)	/* bits not conveyed are 0 */
			bits[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
		if (t->btype == MB_QUALITY) {
			uint16_t q = (uint16_t)(bits[0] << 8 | (bits[1] & 0xF8));
			memcpy(v, &q, 2);
		} else if (t->btype == MB_BITSTRING) {
			v[0] = (uint8_t)want;
			memcpy(v + 1, bits, (want + 7) / 8);
		} else {
			v[0] = bits[0] >> 6;
		}
		return 0;
	}
	case MB_TIMESTAMP:
		if (!ber_is(tlv, C, 17))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len != 8)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, 8);
		return 0;
	case MB_ENTRYTIME:
		if (!ber_is(tlv, C, 12))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len != 6)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, 6);
		return 0;
	case MB_VISSTRING: case MB_UNICODE: {
		bool vis = t->btype == MB_VISSTRING;
		if (!ber_is(tlv, C, vis ? 10 : 16))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len > t->max_len)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		for (size_t i = 0; vis && i < tlv->len; i++)
			if (tlv->val[i] < 0x20 || tlv->val[i] > 0x7E)
				return MMS_DAE_OBJECT_VALUE_INVALID;
		if (!vis && (memchr(tlv->val, 0, tlv->len) || !utf8_ok(tlv->val, tlv->len)))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, tlv->len);
		memset(v + tlv->len, 0, t->max_len + 1 - tlv->len);
		return 0;
	}
	case MB_OCTET: {
		if (!ber_is(tlv, C, 9))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len > t->max_len || ((t->flags & MTYPE_FIXED) && tlv->len != t->max_len))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		uint16_t n = (uint16_t)tlv->len;
		memcpy(v, &n, 2);
		memcpy(v + 2, tlv->val, n);
		memset(v + 2 + n, 0, t->max_len - n);
		return 0;
	}
	default:
		return MMS_DAE_TYPE_INCONSISTENT;
	}
}

int model_decode_data(struct model *m, const struct mtype *t, uint32_t voff,
		      const struct ber_cur *parent, const struct ber_tlv *tlv)
{
	uint8_t small[512], *tmp = small;

	if (t->size > sizeof(small) && !(tmp = malloc(t->size)))
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	memcpy(tmp, m->values + voff, t->size);
	int r = decode(tmp, t, parent, tlv, 0);
	if (!r)
		memcpy(m->values + voff, tmp, t->size);
	if (tmp != small)
		free(tmp);
	return r;
}

/* ---- values: text ---- */

static const char *const dbpos_names[4] = { "intermediate-state", "off", "on", "bad-state" };
static const char *const tcmd_names[4] = { "stop", "lower", "higher", "reserved" };

/* Copies text without leading and trailing white space into out[n];
 * -ERANGE if it does not fit. */
static int trimmed(const char *s, char *out, size_t n, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t l = strlen(s);
	while (l && isspace((unsigned char)s[l - 1]))
		l--;
	if (l >= n)
		return -ERANGE;
	memcpy(out, s, l);
	out[l] = '\0';
	*len = l;
	return 0;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	if (!*s)
		return -EINVAL;
	errno = 0;
	long long x = strtoll(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	if (!*s || *s == '-')
		return *s == '-' ? -ERANGE : -EINVAL;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*v = x;
	return 0;
}

/* "0101..." of exactly `nbits` bits, MSB first, into bits[]. */
static int parse_bits(const char *s, size_t nbits, uint8_t *bits)
{
	if (strlen(s) != nbits)
		return -EINVAL;
	memset(bits, 0, (nbits + 7) / 8);
	for (size_t i = 0; i < nbits; i++) {
		if (s[i] != '0' && s[i] != '1')
			return -EINVAL;
		if (s[i] == '1')
			bits[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	return 0;
}

static void put_bits(const uint8_t *bits, size_t nbits, char *out, size_t n)
{
	size_t i;
	for (i = 0; i < nbits && i + 1 < n; i++)
		out[i] = (bits[i / 8] & (0x80 >> (i % 8))) ? '1' : '0';
	if (n)
		out[i] = '\0';
}

/* "YYYY-MM-DDTHH:MM:SS[.fraction][Z]" (UTC), or a number of seconds since
 * 1970 ("0"). *frac_out receives the fraction of a second, 0 <= f < 1. */
static int parse_time(const char *s, int64_t *secs, double *frac_out)
{
	int y, mo, d, h, mi, sec, n = 0;
	struct tm tm = { 0 };
	double frac = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 && n) {
		const char *p = s + n;
		if (*p == '.') {
			double scale = 0.1;
			if (!isdigit((unsigned char)p[1]))
				return -EINVAL;
			for (p++; isdigit((unsigned char)*p); p++, scale /= 10)
				frac += (*p - '0') * scale;
		}
		if (*p == 'Z')
			p++;
		if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
		    y < 1970 || h < 0 || mi < 0 || sec < 0)
			return -EINVAL;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		*secs = (int64_t)timegm(&tm);
		*frac_out = frac;
		return 0;
	}
	int64_t x;
	int r = parse_i64(s, &x);
	if (r)
		return r;
	if (x < 0)
		return -ERANGE;
	*secs = x;
	*frac_out = 0;
	return 0;
}

static void fmt_time(int64_t secs, char *out, size_t n, const char *fracfmt, uint32_t fracval)
{
	struct tm tm;
	time_t tt = (time_t)secs;
	char frac[16];

	gmtime_r(&tt, &tm);
	snprintf(frac, sizeof(frac), fracfmt, fracval);
	snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* 1984-01-01 00:00 UTC, the epoch of MMS TimeOfDay (ISO 9506-2). */
#define MMS_EPOCH_1984 441763200

int model_val_set_text(uint8_t *v, const struct mtype *t, const char *text)
{
	char s[1024];
	size_t len;
	int r;

	if (t->btype == MB_STRUCT || t->btype == MB_ARRAY)
		return -EINVAL;
	if ((r = trimmed(text, s, sizeof(s), &len)))
		return r;
	switch (t->btype) {
	case MB_BOOLEAN:
		/* xs:boolean, and the capitals some tools write. */
		if (!strcasecmp(s, "true") || !strcmp(s, "1"))
			v[0] = 1;
		else if (!strcasecmp(s, "false") || !strcmp(s, "0"))
			v[0] = 0;
		else
			return -EINVAL;
		return 0;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128: {
		int64_t x, min, max;
		if ((r = parse_i64(s, &x)))
			return r;
		model_int_range(t->btype, &min, &max);
		if (x < min || x > max)
			return -ERANGE;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		uint64_t x;
		if ((r = parse_u64(s, &x)))
			return r;
		if (x > model_uint_max(t->btype))
			return -ERANGE;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		char *end;
		if (!len)
			return -EINVAL;
		errno = 0;
		double d = strtod(s, &end);
		if (*end)
			return -EINVAL;
		if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL))
			return -ERANGE;
		if (t->btype == MB_FLOAT32) {
			float f = (float)d;
			if (isinf(f) && !isinf(d))
				return -ERANGE;
			memcpy(v, &f, 4);
		} else {
			memcpy(v, &d, 8);
		}
		return 0;
	}
	case MB_ENUM: {
		int32_t ord;
		int64_t x;
		if (t->enm && enum_ord(t->enm, s, &ord)) {
			memcpy(v, &ord, 4);
			return 0;
		}
		/* A number is taken if it is a member (or there is no EnumType). */
		if ((r = parse_i64(s, &x)))
			return -EINVAL;
		if (x < INT32_MIN || x > INT32_MAX || (t->enm && !enum_name(t->enm, (int32_t)x)))
			return -ERANGE;
		ord = (int32_t)x;
		memcpy(v, &ord, 4);
		return 0;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: {
		const char *const *names = t->btype == MB_DBPOS ? dbpos_names :
					   t->btype == MB_TCMD ? tcmd_names : NULL;
		for (int i = 0; names && i < 4; i++)
			if (!strcmp(s, names[i])) {
				v[0] = (uint8_t)i;
				return 0;
			}
		if (t->btype == MB_DBPOS && !strcmp(s, "intermediate")) {
			v[0] = 0;
			return 0;
		}
		uint8_t bits;
		if (!parse_bits(s, 2, &bits)) {
			v[0] = bits >> 6;
			return 0;
		}
		if (len == 1 && s[0] >= '0' && s[0] <= '3') {
			v[0] = (uint8_t)(s[0] - '0');
			return 0;
		}
		return -EINVAL;
	}
	case MB_QUALITY: {
		uint8_t bits[2];
		uint16_t q;
		if (!strcmp(s, "good") || !strcmp(s, "0")) {
			q = 0;
		} else if (!parse_bits(s, 13, bits)) {
			q = (uint16_t)(bits[0] << 8 | bits[1]);
		} else {
			return -EINVAL;
		}
		memcpy(v, &q, 2);
		return 0;
	}
	case MB_BITSTRING: {
		uint8_t bits[8];
		if (t->max_len > 64 || parse_bits(s, t->max_len, bits))
			return -EINVAL;
		v[0] = (uint8_t)t->max_len;
		memcpy(v + 1, bits, (t->max_len + 7) / 8);
		return 0;
	}
	case MB_TIMESTAMP: {
		int64_t secs;
		double frac;
		if ((r = parse_time(s, &secs, &frac)))
			return r;
		if (secs > UINT32_MAX)
			return -ERANGE;
		uint32_t f = (uint32_t)(frac * 16777216.0 + 0.5);
		if (f > 0xFFFFFF)
			f = 0xFFFFFF;
		uint8_t w[8] = { (uint8_t)(secs >> 24), (uint8_t)(secs >> 16), (uint8_t)(secs >> 8),
				 (uint8_t)secs, (uint8_t)(f >> 16), (uint8_t)(f >> 8), (uint8_t)f,
				 0 };
		memcpy(v, w, 8);
		return 0;
	}
	case MB_ENTRYTIME: {
		int64_t secs;
		double frac;
		if ((r = parse_time(s, &secs, &frac)))
			return r;
		/* The number form counts seconds since 1970 here as well. */
		if (secs < MMS_EPOCH_1984 && secs != 0)
			return -ERANGE;
		int64_t rel = secs ? secs - MMS_EPOCH_1984 : 0;
		int64_t days = rel / 86400;
		if (days > UINT16_MAX)
			return -ERANGE;
		uint32_t ms = (uint32_t)((rel % 86400) * 1000 + (int64_t)(frac * 1000));
		uint8_t w[6] = { (uint8_t)(ms >> 24), (uint8_t)(ms >> 16), (uint8_t)(ms >> 8),
				 (uint8_t)ms, (uint8_t)(days >> 8), (uint8_t)days };
		memcpy(v, w, 6);
		return 0;
	}
	case MB_VISSTRING: case MB_UNICODE:
		if (len > t->max_len)
			return -ERANGE;
		if (t->btype == MB_VISSTRING) {
			for (size_t i = 0; i < len; i++)
				if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7E)
					return -EINVAL;
		} else if (!utf8_ok((const uint8_t *)s, len)) {
			return -EINVAL;
		}
		memcpy(v, s, len);
		memset(v + len, 0, t->max_len + 1 - len);
		return 0;
	case MB_OCTET: {
		/* Hex octets, optionally separated by '-', ':' or ' '. */
		uint8_t o[1024];
		uint16_t n = 0;
		for (const char *p = s; *p;) {
			if (*p == '-' || *p == ':' || *p == ' ') {
				p++;
				continue;
			}
			int hi = hexval(p[0]), lo = p[1] ? hexval(p[1]) : -1;
			if (hi < 0 || lo < 0)
				return -EINVAL;
			if (n >= t->max_len)
				return -ERANGE;
			o[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
		if ((t->flags & MTYPE_FIXED) && n != t->max_len)
			return -ERANGE;
		memcpy(v, &n, 2);
		memcpy(v + 2, o, n);
		memset(v + 2 + n, 0, t->max_len - n);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

int model_set_text(struct model *m, const struct mtype *t, uint32_t voff, const char *text)
{
	return model_val_set_text(m->values + voff, t, text);
}

static void get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n, unsigned depth)
{
	if (!n)
		return;
	out[0] = '\0';
	switch (t->btype) {
	case MB_STRUCT: case MB_ARRAY: {
		bool st = t->btype == MB_STRUCT;
		uint32_t cnt = st ? t->n : t->count;
		size_t o = 0;
		if (n < 8 || depth > MODEL_MAX_DEPTH + 4)
			return;
		out[o++] = st ? '{' : '[';
		for (uint32_t i = 0; i < cnt; i++) {
			int k = snprintf(out + o, n - o, "%s%s%s", i ? "," : "",
					 st ? t->comp[i].name : "", st ? "=" : "");
			if (k < 0 || (size_t)k >= n - o - 1)
				break;
			o += (size_t)k;
			get_text(v + (st ? t->comp[i].off : i * t->elem->size),
				 st ? t->comp[i].type : t->elem, out + o, n - o - 1, depth + 1);
			o += strlen(out + o);
		}
		out[o++] = st ? '}' : ']';
		out[o] = '\0';
		return;
	}
	case MB_BOOLEAN:
		snprintf(out, n, "%s", v[0] ? "true" : "false");
		return;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
		snprintf(out, n, "%" PRId64, get_i64(v));
		return;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		snprintf(out, n, "%" PRIu64, get_u64(v));
		return;
	case MB_FLOAT32: {
		float f;
		memcpy(&f, v, 4);
		snprintf(out, n, "%.9g", (double)f);
		return;
	}
	case MB_FLOAT64: {
		double d;
		memcpy(&d, v, 8);
		snprintf(out, n, "%.17g", d);
		return;
	}
	case MB_ENUM: {
		int32_t e;
		memcpy(&e, v, 4);
		const char *name = t->enm ? enum_name(t->enm, e) : NULL;
		if (name && name[0])
			snprintf(out, n, "%s", name);
		else
			snprintf(out, n, "%" PRId32, e);
		return;
	}
	case MB_DBPOS:
		snprintf(out, n, "%s", dbpos_names[v[0] & 3]);
		return;
	case MB_TCMD:
		snprintf(out, n, "%s", tcmd_names[v[0] & 3]);
		return;
	case MB_CHECK: {
		uint8_t bits = (uint8_t)(v[0] << 6);
		put_bits(&bits, 2, out, n);
		return;
	}
	case MB_QUALITY: {
		uint16_t q;
		memcpy(&q, v, 2);
		uint8_t bits[2] = { (uint8_t)(q >> 8), (uint8_t)q };
		put_bits(bits, 13, out, n);
		return;
	}
	case MB_BITSTRING:
		put_bits(v + 1, t->max_len, out, n);
		return;
	case MB_TIMESTAMP: {
		uint32_t secs = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 |
				v[3];
		uint32_t f = (uint32_t)v[4] << 16 | (uint32_t)v[5] << 8 | v[6];
		uint32_t us = (uint32_t)(((uint64_t)f * 1000000 + (1u << 23)) >> 24);
		if (us > 999999)
			us = 999999;
		fmt_time(secs, out, n, ".%06u", us);
		return;
	}
	case MB_ENTRYTIME: {
		uint32_t ms = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		uint32_t days = (uint32_t)v[4] << 8 | v[5];
		int64_t secs = MMS_EPOCH_1984 + (int64_t)days * 86400 + ms / 1000;
		fmt_time(secs, out, n, ".%03u", ms % 1000);
		return;
	}
	case MB_VISSTRING: case MB_UNICODE:
		snprintf(out, n, "%.*s", (int)strnlen((const char *)v, t->max_len),
			 (const char *)v);
		return;
	case MB_OCTET: {
		size_t len = (t->flags & MTYPE_FIXED) ? t->max_len : get_octlen(v), o = 0;
		if (len > t->max_len)
			len = t->max_len;
		for (size_t i = 0; i < len && o + 3 <= n; i++)
			o += (size_t)snprintf(out + o, n - o, "%02x", v[2 + i]);
		return;
	}
	default:
		return;
	}
}

void model_val_get_text(const uint8_t *v, const struct mtype *t, char *out, size_t n)
{
	get_text(v, t, out, n, 0);
}

void model_get_text(const struct model *m, const struct mtype *t, uint32_t voff, char *out,
		    size_t n)
{
	get_text(m->values + voff, t, out, n, 0);
}
