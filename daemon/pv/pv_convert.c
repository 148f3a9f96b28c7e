/* SPDX-License-Identifier: Apache-2.0 */
/* Conversion between source values (struct iedd_value) and model
 * attributes, scale and offset, and applying a value to the model with its
 * quality and time and the deadband; the scan classes' timers that read
 * the sources and apply what they give (pv_priv.h); write errors as the
 * standard's DataAccessError. */
#include "pv_priv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/eventfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "deadband.h"
#include "log.h"
#include "mms_codes.h"
#include "objref.h"
#include "plugin.h"
#include "update.h"

/* The model's quality bits are the SDK's (update.h, iedd/source.h). */
_Static_assert(MODEL_Q_VALIDITY_MASK == IEDD_Q_VALIDITY_MASK, "validity field");
_Static_assert(MODEL_Q_INVALID == IEDD_Q_INVALID, "invalid");
_Static_assert(MODEL_Q_INCONSISTENT == IEDD_Q_INCONSISTENT, "inconsistent");

/* ---- conversion and applying a value ---- */

static bool to_double(const struct iedd_value *v, double *d)
{
	switch (v->kind) {
	case IEDD_KIND_BOOL: *d = v->v.b; return true;
	case IEDD_KIND_INT: *d = (double)v->v.i; return true;
	case IEDD_KIND_UINT: *d = (double)v->v.u; return true;
	case IEDD_KIND_FLOAT: *d = v->v.f; return true;
	default: return false;
	}
}

/* The source's value as the model's kind, as it came. */
static bool source_to_model_raw(const struct iedd_value *v, struct model_val *out)
{
	switch (v->kind) {
	case IEDD_KIND_BOOL: out->kind = MODEL_V_BOOL; out->v.b = v->v.b; return true;
	case IEDD_KIND_INT: out->kind = MODEL_V_INT; out->v.i = v->v.i; return true;
	case IEDD_KIND_UINT: out->kind = MODEL_V_UINT; out->v.u = v->v.u; return true;
	case IEDD_KIND_FLOAT: out->kind = MODEL_V_FLOAT; out->v.f = v->v.f; return true;
	case IEDD_KIND_STRING: out->kind = MODEL_V_STRING; out->v.s = v->v.s; return true;
	default: return false;
	}
}

/* The source's value as the model's, with scale and offset. */
static bool source_to_model(const struct pv_row *r, const struct iedd_value *v,
			    struct model_val *out)
{
	double d;
	if (r->scaled && to_double(v, &d)) {
		out->kind = MODEL_V_FLOAT;
		out->v.f = d * r->scale + r->offset;
		return true;
	}
	return source_to_model_raw(v, out);
}

static double load_double(const struct model *m, const struct mtype *t, uint32_t voff)
{
	struct model_val v;
	if (model_load_val(m, t, voff, &v, NULL, 0))
		return 0;
	switch (v.kind) {
	case MODEL_V_BOOL: return v.v.b;
	case MODEL_V_INT: return (double)v.v.i;
	case MODEL_V_UINT: return (double)v.v.u;
	case MODEL_V_FLOAT: return v.v.f;
	default: return 0;
	}
}

static uint32_t load_u32(const struct model *m, uint32_t voff)
{
	uint64_t u;
	memcpy(&u, m->values + voff, 8);
	return u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
}

/* A value for messages: "70000", "true", "\"text\"". */
static void val_text(const struct model_val *v, char *buf, size_t len)
{
	switch (v->kind) {
	case MODEL_V_BOOL: snprintf(buf, len, "%s", v->v.b ? "true" : "false"); return;
	case MODEL_V_INT: snprintf(buf, len, "%lld", (long long)v->v.i); return;
	case MODEL_V_UINT: snprintf(buf, len, "%llu", (unsigned long long)v->v.u); return;
	case MODEL_V_FLOAT: snprintf(buf, len, "%.9g", v->v.f); return;
	case MODEL_V_STRING: snprintf(buf, len, "\"%.40s%s\"", v->v.s,
				      strlen(v->v.s) > 40 ? "..." : ""); return;
	default: snprintf(buf, len, "(none)"); return;
	}
}

/* Counts an update's outcome. A value that does not fit the attribute
 * (`tried` the value, `src` the source's before scale/offset) is a
 * condition that persists while the source sends such values: said once
 * when it starts, with the map row, the value and the attribute's range,
 * and once when a value fits again (collectd's c_complain / c_release);
 * an update without a value (a read failure) neither starts nor ends it. */
static void count(struct pv *pv, struct pv_row *r, int res, const struct model_val *tried,
		  const struct iedd_value *src)
{
	if (res < 0) {
		pv->st.bad_values++;
		if (!r->bad_logged) {
			char val[96] = "(none)", range[256], from[160] = "";
			if (tried)
				val_text(tried, val, sizeof(val));
			model_range_text(r->attr.type, range, sizeof(range));
			struct model_val sv;
			if (r->scaled && src && source_to_model_raw(src, &sv)) {
				char s1[96];
				val_text(&sv, s1, sizeof(s1));
				snprintf(from, sizeof(from), " (source value %s, scale %g, offset %g)",
					 s1, r->scale, r->offset);
			}
			log_msg(LOGL_WARNING, LOGC_PV,
				"%s:%u: %s: value %s%s from source '%s' does not fit the attribute "
				"(%s): the old value is kept and q is invalid+inconsistent until a "
				"value fits (said once)",
				pv->map_file, r->line, r->ref, val, from, r->src->name, range);
		}
		r->bad_logged = true;
		return;
	}
	if (r->bad_logged && tried) {
		log_msg(LOGL_NOTICE, LOGC_PV, "%s:%u: %s: the values of source '%s' fit again",
			pv->map_file, r->line, r->ref, r->src->name);
		r->bad_logged = false;
	}
	pv->st.dchg += (res & MODEL_TRG_DCHG) != 0;
	pv->st.qchg += (res & MODEL_TRG_QCHG) != 0;
	pv->st.dupd += (res & MODEL_TRG_DUPD) != 0;
}

/* `utc_ns`: the time of a value its source left unstamped. */
static void apply_value(struct pv *pv, uint32_t ri, const struct iedd_value *v, uint8_t tq,
			uint64_t utc_ns)
{
	struct pv_row *r = &pv->rows[ri];
	struct model *m = pv->model;
	uint8_t ts[8];
	model_timestamp(v->time_ns ? v->time_ns : utc_ns, tq, ts);
	uint16_t q = v->quality;
	struct model_val mv;
	bool have = v->kind != IEDD_KIND_NONE && source_to_model(r, v, &mv);
	pv->st.updates++;
	if (!have) {
		/* no value: keep the old one, take the quality (invalid) */
		count(pv, r, model_update(m, &r->attr, NULL, q, ts), NULL, v);
		return;
	}
	if (!r->deadband) {
		count(pv, r, model_update(m, &r->attr, &mv, q, ts), &mv, v);
		return;
	}
	/* instMag follows the source; mag only through the deadband */
	double inst;
	if (mv.kind == MODEL_V_FLOAT)
		inst = mv.v.f;
	else if (mv.kind == MODEL_V_INT)
		inst = (double)mv.v.i;
	else if (mv.kind == MODEL_V_UINT)
		inst = (double)mv.v.u;
	else
		inst = mv.v.b;
	if (r->has_inst) {
		bool changed;
		if (model_store_val(m, r->inst.type, r->inst.voff, &mv, &changed)) {
			/* sets q invalid */
			count(pv, r, model_update(m, &r->attr, &mv, q, ts), &mv, v);
			return;
		}
	}
	struct deadband_cfg c = {
		.db = r->has_db ? load_u32(m, r->db_voff) : 0,
		.zero_db = r->has_zdb ? load_u32(m, r->zdb_voff) : 0,
		.has_range = r->has_range,
	};
	if (r->has_range) {
		c.min = load_double(m, r->min_t, r->min_voff);
		c.max = load_double(m, r->max_t, r->max_voff);
	}
	double mag = load_double(m, r->attr.type, r->attr.voff), out;
	if (deadband_apply(&c, inst, mag, &out)) {
		struct model_val nv = { .kind = MODEL_V_FLOAT, .v.f = out };
		count(pv, r, model_update(m, &r->attr, &nv, q, ts), &nv, v);
	} else {
		/* inside the deadband: instMag took the value, so it fits */
		count(pv, r, model_update(m, &r->attr, NULL, q, ts), &mv, v);
	}
}

/* A whole-source read failure: every point without a value, invalid. */
static void mark_failed(struct iedd_point *pts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct iedd_value *v = &pts[i].value;
		v->kind = IEDD_KIND_NONE;
		if ((v->quality & IEDD_Q_VALIDITY_MASK) != IEDD_Q_INVALID)
			v->quality = IEDD_Q_INVALID | IEDD_Q_FAILURE;
		v->time_ns = 0;
	}
}

void pv_read_group(struct pv_src *s, struct pv_group *g)
{
	for (size_t i = 0; i < g->n; i++)
		memset(&g->batch[i].value, 0, offsetof(struct iedd_value, v) + sizeof(double));
	int rc = plugin_read(s->inst, g->batch, g->n);
	/* the loop or the source's thread: relaxed atomics for the status page */
	__atomic_fetch_add(&s->reads, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->last_read_ns, pv_now_utc_ns(s->pv), __ATOMIC_RELAXED);
	if (rc < 0)
		__atomic_fetch_add(&s->read_errors, 1, __ATOMIC_RELAXED);
	if (rc < 0) {
		mark_failed(g->batch, g->n);
		if (!s->down)
			log_msg(LOGL_WARNING, LOGC_PV,
				"source '%s': read failed: %s; its %zu point(s) are invalid until "
				"it answers again",
				s->name, strerror(-rc), g->n);
		s->down = true;
	} else if (s->down) {
		s->down = false;
		log_msg(LOGL_NOTICE, LOGC_PV, "source '%s': answers again", s->name);
	}
}

void pv_scan(struct pv *pv, size_t cls, uint64_t utc_ns)
{
	uint8_t tq = pv_clock_time_quality(pv);
	pv->st.scans++;
	pv->classes[cls].scans++;
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		if (s->blocking)
			continue;
		for (size_t gi = 0; gi < s->n_groups; gi++) {
			struct pv_group *g = &s->groups[gi];
			if (g->cls != cls)
				continue;
			pv_read_group(s, g);
			for (size_t i = 0; i < g->n; i++)
				apply_value(pv, g->rows[i], &g->batch[i].value, tq, utc_ns);
		}
	}
}

/* A scan class's timer on the loop's queue (times in us): scans, then
 * re-arms one period after the deadline it fired for, or one period after
 * the queue's now when that has passed already (missed periods are
 * skipped, as libevent's persistent timers did before). */
void pv_on_scan_due(struct timer_queue *q, struct timer *t, void *arg)
{
	struct pv_class *c = arg;
	struct pv *pv = c->pv;
	pv_scan(pv, (size_t)(c - pv->classes), pv_now_utc_ns(pv));
	uint64_t period = (uint64_t)c->period_ms * 1000u;
	uint64_t next = t->deadline + period;
	if (next <= q->now)
		next = q->now + period;
	/* cannot fail: re-arming a timer just taken off the heap needs no room */
	(void)timer_arm(q, t, next);
}

int pv_scan_arm(struct pv *pv, struct timer_queue *q, uint64_t now_us)
{
	pv_scan_cancel(pv);	/* armed before (on another queue, maybe): start over */
	pv->scan_q = q;
	for (size_t c = 0; c < pv->n_classes; c++) {
		if (!pv->classes[c].on_loop)
			continue;
		if (timer_arm(q, &pv->classes[c].timer, now_us)) {
			pv_scan_cancel(pv);
			return -ENOMEM;
		}
	}
	return 0;
}

void pv_scan_cancel(struct pv *pv)
{
	if (!pv->scan_q)
		return;
	for (size_t c = 0; c < pv->n_classes; c++)
		timer_cancel(pv->scan_q, &pv->classes[c].timer);
	pv->scan_q = NULL;
}

uint64_t pv_class_scans(const struct pv *pv, size_t cls)
{
	return pv->classes[cls].scans;
}

void pv_drain(struct pv *pv)
{
	uint64_t cnt;
	(void)!read(pv->wake_fd, &cnt, sizeof(cnt));
	uint8_t tq = pv_clock_time_quality(pv);
	uint64_t utc = pv_now_utc_ns(pv);
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		/* take everything under the lock, apply outside it */
		pthread_mutex_lock(&s->mu);
		size_t n = s->qlen;
		uint64_t dropped = s->dropped;
		s->dropped = 0;
		if (n > pv->drain_cap)
			n = pv->drain_cap;
		for (size_t i = 0; i < n; i++)
			pv->drain_buf[i] = s->q[(s->qhead + i) % s->qcap];
		s->qhead = (s->qhead + n) % s->qcap;
		s->qlen -= n;
		bool more = s->qlen > 0;
		/* a write's answer only after every update queued before it */
		size_t nres = more ? 0 : s->rlen;
		struct pv_wres res[PV_WQUEUE];
		for (size_t i = 0; i < nres; i++)
			res[i] = s->wr[(s->rhead + i) % PV_WQUEUE];
		s->rhead = (s->rhead + nres) % PV_WQUEUE;
		s->rlen -= nres;
		pthread_mutex_unlock(&s->mu);
		for (size_t i = 0; i < n; i++)
			apply_value(pv, pv->drain_buf[i].row, &pv->drain_buf[i].v, tq, utc);
		for (size_t i = 0; i < nres; i++) {
			if (res[i].dae)
				pv->st.write_errors++;
			model_write_done(res[i].wait, res[i].dae);
		}
		if (dropped) {
			pv->st.dropped += dropped;
			log_msg(LOGL_WARNING, LOGC_PV,
				"source '%s': queue full, %llu update(s) dropped (the next scan "
				"reads them again)",
				s->name, (unsigned long long)dropped);
		}
		if (more)
			pv_wake(pv);
	}
}


/* ---- write errors ---- */

int pv_dae_of_errno(int rc)
{
	switch (-rc) {
	case EAGAIN: case EBUSY: case ETIMEDOUT: case ENOTCONN: case ECONNREFUSED:
	case ECONNRESET: case EHOSTUNREACH: case ENETUNREACH: case EPIPE:
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	case EINVAL: case ERANGE: case EDOM: case EOVERFLOW:
		return MMS_DAE_OBJECT_VALUE_INVALID;
	case EROFS: case EACCES: case EPERM:
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	case EOPNOTSUPP:
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	default:
		return MMS_DAE_HARDWARE_FAULT;
	}
}

/* The write errors dae_of_errno gives, by the standard's name. */
const char *pv_dae_name(int dae)
{
	const char *n = mms_dae_str(dae);
	return n ? n : "hardware-fault";
}
