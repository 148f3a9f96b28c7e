/* SPDX-License-Identifier: Apache-2.0 */
/* Value updates into the model and the write hooks (update.h). */
#include "update.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

uint8_t model_btype_vkind(uint8_t bt)
{
	switch (bt) {
	case MB_BOOLEAN:
		return MODEL_V_BOOL;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64:
	case MB_ENUM: case MB_DBPOS: case MB_TCMD:
		return MODEL_V_INT;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		return MODEL_V_UINT;
	case MB_FLOAT32: case MB_FLOAT64:
		return MODEL_V_FLOAT;
	case MB_VISSTRING: case MB_UNICODE:
		return MODEL_V_STRING;
	default:
		return MODEL_V_NONE;
	}
}

/* The value as a signed/unsigned integer, when it is one (floats rounded). */
static int as_i64(const struct model_val *v, int64_t *out)
{
	switch (v->kind) {
	case MODEL_V_BOOL: *out = v->v.b; return 0;
	case MODEL_V_INT: *out = v->v.i; return 0;
	case MODEL_V_UINT:
		if (v->v.u > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)v->v.u;
		return 0;
	case MODEL_V_FLOAT: {
		double d = nearbyint(v->v.f);
		/* 2^63 as a double is exact; anything from there up overflows */
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return -ERANGE;
		*out = (int64_t)d;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

static int as_u64(const struct model_val *v, uint64_t *out)
{
	switch (v->kind) {
	case MODEL_V_BOOL: *out = v->v.b; return 0;
	case MODEL_V_INT:
		if (v->v.i < 0)
			return -ERANGE;
		*out = (uint64_t)v->v.i;
		return 0;
	case MODEL_V_UINT: *out = v->v.u; return 0;
	case MODEL_V_FLOAT: {
		double d = nearbyint(v->v.f);
		if (!(d >= 0 && d < 18446744073709551616.0))
			return -ERANGE;
		*out = (uint64_t)d;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* Encodes `v` for type `t` into out[] (the model's storage). */
static int encode_val(const struct mtype *t, const struct model_val *v, uint8_t *out,
		      size_t *len)
{
	int r;
	switch (t->btype) {
	case MB_BOOLEAN: {
		int64_t x;
		if (v->kind == MODEL_V_STRING || (r = as_i64(v, &x)))
			return v->kind == MODEL_V_STRING ? -EINVAL : r;
		out[0] = x != 0;
		*len = 1;
		return 0;
	}
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64:
	case MB_ENUM: case MB_DBPOS: case MB_TCMD: {
		int64_t x, min, max;
		if ((r = as_i64(v, &x)))
			return r;
		model_int_range(t->btype, &min, &max);
		if (x < min || x > max)
			return -ERANGE;
		if (t->btype == MB_ENUM) {
			int32_t o = (int32_t)x;
			if (t->enm && !enum_name(t->enm, o))
				return -ERANGE;
			memcpy(out, &o, 4);
			*len = 4;
		} else if (t->btype == MB_DBPOS || t->btype == MB_TCMD) {
			out[0] = (uint8_t)x;
			*len = 1;
		} else {
			memcpy(out, &x, 8);
			*len = 8;
		}
		return 0;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		uint64_t x;
		if ((r = as_u64(v, &x)))
			return r;
		if (x > model_uint_max(t->btype))
			return -ERANGE;
		memcpy(out, &x, 8);
		*len = 8;
		return 0;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		double d;
		switch (v->kind) {
		case MODEL_V_BOOL: d = v->v.b; break;
		case MODEL_V_INT: d = (double)v->v.i; break;
		case MODEL_V_UINT: d = (double)v->v.u; break;
		case MODEL_V_FLOAT: d = v->v.f; break;
		default: return -EINVAL;
		}
		if (t->btype == MB_FLOAT32) {
			float f = (float)d;
			if (isinf(f) && !isinf(d))
				return -ERANGE;
			memcpy(out, &f, 4);
			*len = 4;
		} else {
			memcpy(out, &d, 8);
			*len = 8;
		}
		return 0;
	}
	case MB_VISSTRING: case MB_UNICODE: {
		if (v->kind != MODEL_V_STRING)
			return -EINVAL;
		size_t n = strlen(v->v.s);
		if (n > t->max_len)
			return -ERANGE;
		if (t->btype == MB_VISSTRING)
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)v->v.s[i] < 0x20 || (unsigned char)v->v.s[i] > 0x7e)
					return -ERANGE;
		/* the whole field, so that comparing octets compares strings */
		memset(out, 0, t->max_len + 1);
		memcpy(out, v->v.s, n);
		*len = t->max_len + 1;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

int model_store_val(struct model *m, const struct mtype *t, uint32_t voff,
		    const struct model_val *v, bool *changed)
{
	uint8_t small[64];
	uint8_t *buf = small;
	size_t len = 0;
	if ((t->btype == MB_VISSTRING || t->btype == MB_UNICODE) && t->max_len + 1 > sizeof(small)) {
		buf = malloc(t->max_len + 1);
		if (!buf)
			return -ENOMEM;
	}
	int r = encode_val(t, v, buf, &len);
	if (!r) {
		uint8_t *dst = m->values + voff;
		*changed = memcmp(dst, buf, len) != 0;
		if (*changed)
			memcpy(dst, buf, len);
	}
	if (buf != small)
		free(buf);
	return r;
}

void model_range_text(const struct mtype *t, char *buf, size_t len)
{
	const char *name = model_btype_name(t->btype);
	int64_t min, max;
	switch (t->btype) {
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64:
	case MB_DBPOS: case MB_TCMD:
		model_int_range(t->btype, &min, &max);
		snprintf(buf, len, "%s %lld..%lld", name, (long long)min, (long long)max);
		return;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		snprintf(buf, len, "%s 0..%llu", name, (unsigned long long)model_uint_max(t->btype));
		return;
	case MB_FLOAT32:
		snprintf(buf, len, "%s, magnitude up to 3.4e38", name);
		return;
	case MB_VISSTRING:
		snprintf(buf, len, "%s%u: up to %u printable ASCII characters", name, t->max_len,
			 t->max_len);
		return;
	case MB_UNICODE:
		snprintf(buf, len, "%s%u: up to %u octets of UTF-8", name, t->max_len, t->max_len);
		return;
	case MB_ENUM:
		break;
	default:
		snprintf(buf, len, "%s", name);
		return;
	}
	/* Enum: its members, as many as fit */
	const struct enum_type *e = t->enm;
	if (!e || !e->n) {
		snprintf(buf, len, "Enum (no members)");
		return;
	}
	size_t o = (size_t)snprintf(buf, len, "Enum %s:", e->id ? e->id : "");
	for (uint32_t i = 0; i < e->n && o < len; i++) {
		char one[96];
		int n = snprintf(one, sizeof(one), "%s %d %s", i ? "," : "", (int)e->ords[i],
				 e->names[i]);
		if (o + (size_t)n + 5 >= len) {
			snprintf(buf + o, len - o, ", ...");
			return;
		}
		memcpy(buf + o, one, (size_t)n + 1);
		o += (size_t)n;
	}
}

int model_load_val(const struct model *m, const struct mtype *t, uint32_t voff,
		   struct model_val *v, char *sbuf, size_t slen)
{
	const uint8_t *p = m->values + voff;
	switch (t->btype) {
	case MB_BOOLEAN:
		v->kind = MODEL_V_BOOL;
		v->v.b = p[0] != 0;
		return 0;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64:
		v->kind = MODEL_V_INT;
		memcpy(&v->v.i, p, 8);
		return 0;
	case MB_ENUM: {
		int32_t o;
		memcpy(&o, p, 4);
		v->kind = MODEL_V_INT;
		v->v.i = o;
		return 0;
	}
	case MB_DBPOS: case MB_TCMD:
		v->kind = MODEL_V_INT;
		v->v.i = p[0] & 3;
		return 0;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		v->kind = MODEL_V_UINT;
		memcpy(&v->v.u, p, 8);
		return 0;
	case MB_FLOAT32: {
		float f;
		memcpy(&f, p, 4);
		v->kind = MODEL_V_FLOAT;
		v->v.f = f;
		return 0;
	}
	case MB_FLOAT64:
		v->kind = MODEL_V_FLOAT;
		memcpy(&v->v.f, p, 8);
		return 0;
	case MB_VISSTRING: case MB_UNICODE: {
		if (!slen)
			return -EINVAL;
		size_t n = strnlen((const char *)p, t->max_len);
		if (n >= slen)
			n = slen - 1;
		memcpy(sbuf, p, n);
		sbuf[n] = 0;
		v->kind = MODEL_V_STRING;
		v->v.s = sbuf;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* Component `name` (of type `bt`) of the struct at (t, voff), if any. */
static bool find_leaf(const struct mtype *t, uint32_t voff, const char *name, uint8_t bt,
		      uint32_t *out, const struct mtype **type)
{
	if (t->btype != MB_STRUCT)
		return false;
	const struct mcomp *c = mtype_find(t, name, strlen(name));
	if (!c || c->type->btype != bt)
		return false;
	*out = voff + c->off;
	if (type)
		*type = c->type;
	return true;
}

int model_attr_bind(const struct model *m, const char *ref, struct model_attr *out)
{
	struct mref r;
	memset(out, 0, sizeof(*out));
	int rc = model_resolve_ref(m, ref, &r);
	if (rc)
		return rc;
	if (r.type->btype == MB_STRUCT || r.type->btype == MB_ARRAY)
		return -EINVAL;
	out->type = r.type;
	out->voff = r.voff;
	out->fc = r.fc;
	out->trgops = r.type->trgops;

	/* Walk up "LD/LN.DO.a.b[FC]": "LD/LN.DO.a[FC]", "LD/LN.DO[FC]", ...
	 * The first level holding a q (Quality) is the data object. */
	char buf[512];
	size_t len = strlen(ref);
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, ref, len + 1);
	char *fc = strchr(buf, '[');
	char fcs[8] = "";
	if (fc) {
		snprintf(fcs, sizeof(fcs), "%.7s", fc);
		*fc = 0;
	}
	char *slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	for (;;) {
		char *dot = strrchr(slash, '.');
		if (!dot)
			break;
		*dot = 0;
		if (!strchr(slash, '.'))
			break; /* "LD/LN": above every data object */
		char probe[520];
		snprintf(probe, sizeof(probe), "%s%s", buf, fcs);
		struct mref up;
		if (model_resolve_ref(m, probe, &up))
			break;
		out->trgops |= up.type->trgops;
		const struct mtype *qt;
		if (find_leaf(up.type, up.voff, "q", MB_QUALITY, &out->q_voff, &qt)) {
			out->has_q = true;
			out->q_trgops = qt->trgops;
			out->has_t = find_leaf(up.type, up.voff, "t", MB_TIMESTAMP, &out->t_voff,
					       NULL);
			break;
		}
	}
	return 0;
}

void model_timestamp(uint64_t utc_ns, uint8_t tq, uint8_t out[8])
{
	/* IEC 61850-8-1 §8.1.3.7: SecondSinceEpoch (32 bits), FractionOfSecond
	 * (24 bits, value = fraction * 2^24), TimeQuality (8 bits). */
	uint64_t s = utc_ns / 1000000000u, ns = utc_ns % 1000000000u;
	uint32_t frac = (uint32_t)((ns << 24) / 1000000000u);
	out[0] = (uint8_t)(s >> 24);
	out[1] = (uint8_t)(s >> 16);
	out[2] = (uint8_t)(s >> 8);
	out[3] = (uint8_t)s;
	out[4] = (uint8_t)(frac >> 16);
	out[5] = (uint8_t)(frac >> 8);
	out[6] = (uint8_t)frac;
	out[7] = tq;
}

/* The observers' part of model_update (only with observers registered):
 * out of line, so that the path without observers stays as it was. */
__attribute__((noinline)) static void observe_update(struct model *m, const struct model_attr *a,
						     int res, int rc)
{
	if (!rc && (res & (MODEL_TRG_DCHG | MODEL_TRG_DUPD)))
		model_observe_leaf(m, a->voff, a->type, a->type->trgops,
				   (uint16_t)(res & (MODEL_TRG_DCHG | MODEL_TRG_DUPD)));
	/* q's type is found from the member holding it, so that struct
	 * model_attr (one or two per map row) stays small */
	if (res & MODEL_TRG_QCHG)
		model_observe_leaf(m, a->q_voff, NULL, a->q_trgops, MODEL_TRG_QCHG);
	model_observe_end(m);
}

int model_update(struct model *m, const struct model_attr *a, const struct model_val *v,
		 uint16_t q, const uint8_t ts[8])
{
	int res = 0, rc = 0;
	if (v && v->kind != MODEL_V_NONE) {
		bool changed = false;
		rc = model_store_val(m, a->type, a->voff, v, &changed);
		if (rc)
			/* IEC 61850-7-3 §6.2: a value that does not fit the
			 * attribute is not the process value: keep the old one */
			q = MODEL_Q_INVALID | MODEL_Q_INCONSISTENT;
		else
			res |= changed ? MODEL_TRG_DCHG : 0;
		res |= MODEL_TRG_DUPD;
	}
	if (a->has_q) {
		uint16_t old;
		memcpy(&old, m->values + a->q_voff, 2);
		if (old != q) {
			memcpy(m->values + a->q_voff, &q, 2);
			res |= MODEL_TRG_QCHG;
		}
	}
	if (a->has_t && ((res & (MODEL_TRG_DCHG | MODEL_TRG_QCHG)) ||
			 ((res & MODEL_TRG_DUPD) && (a->trgops & MODEL_TRG_DUPD))))
		memcpy(m->values + a->t_voff, ts, 8);
	const struct model_priv *p = m->priv;
	/* the loader always sets priv; with no observer this is the whole cost */
	if (__builtin_expect(p->n_observers != 0, 0))
		observe_update(m, a, res, rc);
	return rc ? rc : res;
}

/* ---- write hooks ---- */

void model_set_write_hooks(struct model *m, const struct model_write_hooks *h)
{
	struct model_priv *p = m->priv;
	p->write_hooks = h;
}

void model_set_command_hook(struct model *m, model_command_fn fn, void *ctx)
{
	struct model_priv *p = m->priv;
	p->command_hook = fn;
	p->command_ctx = ctx;
}

void model_command(struct model *m, const struct model_command *c,
		   struct model_command_result *out)
{
	struct model_priv *p = m->priv;
	*out = (struct model_command_result){ 0 };
	if (p->command_hook)
		p->command_hook(p->command_ctx, m, c, out);
}

/* One write of one variable waiting for sources that answer later. */
struct model_write_wait {
	struct model *m;
	const struct mtype *type;	/* of the whole write, for the observers */
	uint32_t voff, size;
	uint32_t pending;	/* tickets not answered yet */
	int dae;		/* the first error */
	bool abandoned;		/* the write failed at once: answers only count down */
	bool bare;		/* model_wait_new's: no value to apply */
	model_wait_fn fn;
	void *ctx;
	uint8_t val[];		/* the written value, applied when all succeeded */
};

struct model_wcall {
	struct model *m;
	const struct mtype *type;
	uint32_t voff, size;
	bool can_wait;
	struct model_write_wait *wait;
};

struct model_write_wait *model_wcall_defer(struct model_wcall *call)
{
	if (!call || !call->can_wait)
		return NULL;
	if (!call->wait) {
		struct model_write_wait *w = calloc(1, sizeof(*w) + call->size);
		if (!w)
			return NULL;
		w->m = call->m;
		w->type = call->type;
		w->voff = call->voff;
		w->size = call->size;
		call->wait = w;
	}
	call->wait->pending++;
	return call->wait;
}

struct model_write_wait *model_wait_new(struct model *m)
{
	struct model_write_wait *w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->m = m;
	w->pending = 1;
	w->bare = true;
	return w;
}

void model_write_wait_on(struct model_write_wait *w, model_wait_fn fn, void *ctx)
{
	w->fn = fn;
	w->ctx = ctx;
}

/* The deferred write's value into the model, and to the observers: with
 * observers the octets are swapped, so that w->val holds the old value
 * for the comparison without another allocation (w is freed next). */
static void apply_waited(struct model_write_wait *w)
{
	const struct model_priv *p = w->m->priv;
	uint8_t *dst = w->m->values + w->voff;
	if (!p || !p->n_observers || !model_observe_hit(w->m, w->voff, w->size)) {
		memcpy(dst, w->val, w->size);
		return;
	}
	for (uint32_t i = 0; i < w->size; i++) {
		uint8_t x = dst[i];
		dst[i] = w->val[i];
		w->val[i] = x;
	}
	model_observe_write(w->m, w->type, w->voff, w->val);
}

void model_write_done(struct model_write_wait *w, int dae)
{
	if (dae && !w->dae)
		w->dae = dae;
	if (--w->pending)
		return;
	if (!w->abandoned) {
		if (!w->dae && !w->bare)
			apply_waited(w);
		if (w->fn)
			w->fn(w->ctx, w->dae);
	}
	free(w);
}

/* The hook table and the index of its first hook inside [voff, voff +
 * size); NULL when no hook lies there. */
static const struct model_write_hooks *first_hook(const struct model *m, uint32_t voff,
						  uint32_t size, size_t *first)
{
	const struct model_priv *p = m->priv;
	const struct model_write_hooks *h = p ? p->write_hooks : NULL;
	if (!h)
		return NULL;
	size_t lo = 0, hi = h->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (h->voff[mid] < voff)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == h->n || h->voff[lo] - voff >= size)
		return NULL;
	*first = lo;
	return h;
}

bool model_write_hooked(const struct model *m, uint32_t voff, uint32_t size)
{
	size_t first;
	return first_hook(m, voff, size, &first) != NULL;
}

/* model_write of a value no hook takes but an observer watches. */
static int write_observed(struct model *m, const struct mtype *t, uint32_t voff,
			  const struct ber_cur *parent, const struct ber_tlv *tlv)
{
	uint8_t small[256];
	uint8_t *old = t->size <= sizeof(small) ? small : malloc(t->size);
	if (!old)
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	memcpy(old, m->values + voff, t->size);
	int code = model_store_data_unhooked(m, t, voff, parent, tlv);
	if (!code)
		model_observe_write(m, t, voff, old);
	if (old != small)
		free(old);
	return code;
}

int model_store_data_observed(struct model *m, const struct mtype *t, uint32_t voff,
			      const struct ber_cur *parent, const struct ber_tlv *tlv)
{
	const struct model_priv *p = m->priv;
	if (p && p->n_observers && model_observe_hit(m, voff, t->size))
		return write_observed(m, t, voff, parent, tlv);
	return model_store_data_unhooked(m, t, voff, parent, tlv);
}

int model_write(struct model *m, const struct mtype *t, uint32_t voff,
		const struct ber_cur *parent, const struct ber_tlv *tlv,
		struct model_write_wait **wait)
{
	size_t lo;
	const struct model_write_hooks *h = first_hook(m, voff, t->size, &lo);
	const struct model_priv *p = m->priv;
	bool observed = p && p->n_observers && model_observe_hit(m, voff, t->size);
	if (!h && !observed)
		return model_store_data_unhooked(m, t, voff, parent, tlv);
	if (!h)
		return write_observed(m, t, voff, parent, tlv);

	uint8_t *old = malloc(t->size);
	if (!old)
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	memcpy(old, m->values + voff, t->size);
	struct model_wcall call = { .m = m, .type = t, .voff = voff, .size = t->size,
				    .can_wait = wait != NULL };
	int code = model_store_data_unhooked(m, t, voff, parent, tlv);
	for (size_t i = lo; !code && i < h->n && h->voff[i] < voff + t->size; i++)
		code = h->fn(h->ctx, h->id[i], m, &call);
	struct model_write_wait *w = call.wait;
	if (w && !code) {
		/* the model shows the old value until the sources have answered */
		memcpy(w->val, m->values + voff, t->size);
		code = MODEL_WRITE_PENDING;
		*wait = w;
	} else if (w) {
		w->abandoned = true;	/* freed by the last answer */
	}
	if (code)
		memcpy(m->values + voff, old, t->size);
	else if (observed && !w)
		model_observe_write(m, t, voff, old);
	free(old);
	return code;
}
