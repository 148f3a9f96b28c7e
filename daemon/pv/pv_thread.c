/* SPDX-License-Identifier: Apache-2.0 */
/* Blocking sources on their own threads (pv_priv.h): each reads its groups
 * on their periods and posts results to the loop through a bounded queue
 * and an eventfd; writes go to it through a second queue. Also the
 * model's write hook, which sends a client's write to the row's source,
 * at once or through that queue. */
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

/* ---- blocking sources: one thread each ---- */

/* A blocking source's group is due (its timer on the thread's queue, in
 * ns of the pv_clock's mono_ns): reads it with the lock released, queues
 * the values for the loop, and re-arms one period after the deadline it
 * fired for, or one period after the read when that has passed (an
 * overrun skips the missed periods, it does not catch up). timer_process
 * calls it from src_thread with s->mu held. */
static void on_group_due(struct timer_queue *q, struct timer *t, void *arg)
{
	struct pv_group *g = arg;
	struct pv_src *s = g->src;
	struct pv *pv = s->pv;
	if (s->stop)
		return;	/* the thread ends; its queue goes with it */
	pthread_mutex_unlock(&s->mu);
	pv_read_group(s, g);
	uint64_t utc = pv_now_utc_ns(pv), now = pv_now_mono_ns(pv);
	pthread_mutex_lock(&s->mu);
	for (size_t i = 0; i < g->n; i++) {
		if (!g->batch[i].value.time_ns)
			g->batch[i].value.time_ns = utc;
		pv_enqueue_locked(s, g->rows[i], &g->batch[i].value);
	}
	pv_wake(pv);
	uint64_t period = (uint64_t)pv->classes[g->cls].period_ms * 1000000u;
	uint64_t next = t->deadline + period;
	if (next <= now)
		next = now + period;
	/* cannot fail: re-arming a timer just taken off the heap needs no room */
	(void)timer_arm(q, t, next);
}

/* Sleeps on s->cv (s->mu held) until `next` on the pv_clock's mono_ns,
 * a write or pv_stop. The condition variable waits on CLOCK_MONOTONIC
 * (pv_new), so the pv_clock's remaining time is added to that clock's
 * now: the real clock gives the same deadline, a fake one a real wait of
 * its remaining time. */
static void src_wait(struct pv_src *s, uint64_t next)
{
	if (next == TIMER_NEVER) {
		pthread_cond_wait(&s->cv, &s->mu);
		return;
	}
	uint64_t now = pv_now_mono_ns(s->pv);
	if (next <= now)
		return;
	uint64_t at = pv_real_ns(CLOCK_MONOTONIC) + (next - now);
	struct timespec ts = { .tv_sec = (time_t)(at / 1000000000u),
			       .tv_nsec = (long)(at % 1000000000u) };
	pthread_cond_timedwait(&s->cv, &s->mu, &ts);
}

static void *src_thread(void *arg)
{
	struct pv_src *s = arg;
	struct pv *pv = s->pv;
	/* every group reads at once, then on its own period */
	timer_queue_init(&s->tq);
	uint64_t now = pv_now_mono_ns(pv);
	for (size_t gi = 0; gi < s->n_groups; gi++) {
		struct pv_group *g = &s->groups[gi];
		timer_init(&g->due, on_group_due, g);
		if (timer_arm(&s->tq, &g->due, now))
			log_msg(LOGL_ERR, LOGC_PV,
				"source '%s': out of memory scheduling its scan class '%s': "
				"it is not read (writes still go through)",
				s->name, pv->classes[g->cls].name);
	}
	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		/* writes first: a client waits less for them than a scan would */
		while (s->wlen && !s->stop) {
			struct pv_wmsg w = s->wq[s->whead];
			s->whead = (s->whead + 1) % PV_WQUEUE;
			s->wlen--;
			pthread_mutex_unlock(&s->mu);
			char err[512];
			/* rows and the map's name do not change after pv_new */
			const struct pv_row *wr = &pv->rows[w.row];
			int rc, dae;
			if (w.is_cmd) {
				/* the answer goes back through the wait (update.h:
				 * MODEL_CMD_CAUSE for an AddCause); with none, it was
				 * counted as accepted when queued and a refusal is logged */
				rc = plugin_control(s->inst, wr->point, &w.cmd, err, sizeof(err));
				dae = rc > 0 ? MODEL_CMD_CAUSE(rc) : rc < 0 ? pv_dae_of_errno(rc) : 0;
				if (rc)
					log_msg(LOGL_WARNING, LOGC_PV,
						"%s:%u: %s: source '%s' refused a command: %s (%d)",
						pv->map_file, wr->line, wr->ref, s->name, err, rc);
			} else {
				rc = plugin_write(s->inst, wr->point, &w.v, err, sizeof(err));
				dae = rc ? pv_dae_of_errno(rc) : 0;
			}
			if (rc && !w.is_cmd)
				log_msg(LOGL_WARNING, LOGC_PV,
					"%s:%u: %s: write to source '%s' failed: %s -> %s",
					pv->map_file, wr->line, wr->ref, s->name, err, pv_dae_name(dae));
			pthread_mutex_lock(&s->mu);
			if (w.wait) {
				s->wr[(s->rhead + s->rlen) % PV_WQUEUE] = (struct pv_wres){ w.wait, dae };
				s->rlen++;
				pv_wake(pv);
			}
		}
		if (s->stop)
			break;
		uint64_t next = timer_process(&s->tq, pv_now_mono_ns(pv));
		if (s->stop || s->wlen)
			continue;
		src_wait(s, next);
	}
	pthread_mutex_unlock(&s->mu);
	timer_queue_clear(&s->tq);
	return NULL;
}

int pv_start(struct pv *pv)
{
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		if (s->pv != pv || !s->blocking || s->running)
			continue;
		s->stop = false;
		int rc = pthread_create(&s->thr, NULL, src_thread, s);
		if (rc) {
			log_msg(LOGL_ERR, LOGC_PV, "source '%s': cannot start its thread: %s", s->name,
				strerror(rc));
			pv_stop(pv);
			return -rc;
		}
		s->running = true;
	}
	return 0;
}

void pv_stop(struct pv *pv)
{
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		if (s->pv != pv || !s->running)
			continue;
		pthread_mutex_lock(&s->mu);
		s->stop = true;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->thr, NULL);
		s->running = false;
	}
	/* Whoever waits for a write gets an answer: the thread's answers not
	 * yet taken, and temporarily-unavailable for writes never done. */
	for (size_t k = 0; k < pv->n_srcs; k++) {
		struct pv_src *s = pv->srcs[k];
		if (s->pv != pv)
			continue;
		for (; s->rlen; s->rlen--, s->rhead = (s->rhead + 1) % PV_WQUEUE)
			model_write_done(s->wr[s->rhead].wait, s->wr[s->rhead].dae);
		for (; s->wlen; s->wlen--, s->whead = (s->whead + 1) % PV_WQUEUE)
			if (s->wq[s->whead].wait)
				model_write_done(s->wq[s->whead].wait, MMS_DAE_TEMPORARILY_UNAVAILABLE);
	}
}


/* ---- writes: the model's hook ---- */

/* A value of the row's attribute type at (t, voff) (the row's own, or
 * the same attribute of SBOw or Cancel) as the source's kind, scale and
 * offset undone. */
static int value_to_source(const struct pv *pv, const struct pv_row *r, const struct mtype *t,
			   uint32_t voff, struct iedd_value *out)
{
	struct model_val mv;
	memset(out, 0, sizeof(*out));
	out->quality = IEDD_Q_GOOD;
	out->time_ns = pv_now_utc_ns(pv);
	out->kind = r->kind;
	if (model_load_val(pv->model, t, voff, &mv, out->v.s, sizeof(out->v.s)))
		return -EINVAL;
	if (r->kind == IEDD_KIND_STRING)
		return 0; /* model_load_val wrote into out->v.s */
	double d;
	switch (mv.kind) {
	case MODEL_V_BOOL: d = mv.v.b; break;
	case MODEL_V_INT: d = (double)mv.v.i; break;
	case MODEL_V_UINT: d = (double)mv.v.u; break;
	case MODEL_V_FLOAT: d = mv.v.f; break;
	default: return -EINVAL;
	}
	if (r->scaled)
		d = (d - r->offset) / r->scale;
	else if (mv.kind == MODEL_V_INT && r->kind == IEDD_KIND_INT) {
		out->v.i = mv.v.i;
		return 0;
	} else if (mv.kind == MODEL_V_UINT && r->kind == IEDD_KIND_UINT) {
		out->v.u = mv.v.u;
		return 0;
	}
	switch (r->kind) {
	case IEDD_KIND_BOOL: out->v.b = d != 0; return 0;
	case IEDD_KIND_INT:
		d = nearbyint(d);
		if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
			return -ERANGE;
		out->v.i = (int64_t)d;
		return 0;
	case IEDD_KIND_UINT:
		d = nearbyint(d);
		if (!(d >= 0 && d < 18446744073709551616.0))
			return -ERANGE;
		out->v.u = (uint64_t)d;
		return 0;
	case IEDD_KIND_FLOAT: out->v.f = d; return 0;
	default: return -EINVAL;
	}
}

/* The model's value of a row as the source's kind. */
static int model_to_source(const struct pv *pv, const struct pv_row *r, struct iedd_value *out)
{
	return value_to_source(pv, r, r->attr.type, r->attr.voff, out);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void pv_command_hook(void *ctx, struct model *m, const struct model_command *c,
		     struct model_command_result *out)
{
	struct pv *pv = ctx;
	(void)m;
	const uint32_t *at = pv->hooks.n ? bsearch(&c->row_voff, pv->hook_voff, pv->hooks.n,
						   sizeof(uint32_t), cmp_u32) : NULL;
	if (!at)
		return; /* no row: not handled */
	uint32_t id = pv->hook_id[at - pv->hook_voff];
	struct pv_row *r = &pv->rows[id];
	struct pv_src *s = r->src;
	if (!plugin_controls(s->plugin))
		return; /* the plain write of Oper carries it */
	struct iedd_command cmd = { .step = c->step, .or_cat = c->or_cat,
				    .or_ident_len = c->or_ident_len, .ctl_num = c->ctl_num,
				    .test = c->test, .check = c->check, .t_ns = c->t_ns };
	memcpy(cmd.or_ident, c->or_ident, sizeof(cmd.or_ident));
	out->handled = true;
	if (value_to_source(pv, r, c->val_type, c->val_voff, &cmd.value)) {
		out->add_cause = 1; /* Not-supported: the value does not convert */
		out->dae = MMS_DAE_OBJECT_VALUE_INVALID;
		return;
	}
	pv->st.writes++;
	if (s->blocking) {
		pthread_mutex_lock(&s->mu);
		bool full = s->wlen + s->rlen >= PV_WQUEUE;
		if (!full) {
			s->wq[(s->whead + s->wlen) % PV_WQUEUE] =
				(struct pv_wmsg){ .row = id, .is_cmd = true, .cmd = cmd,
						  .wait = c->wait };
			s->wlen++;
			pthread_cond_signal(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
		if (full) {
			pv->st.write_errors++;
			out->add_cause = 9; /* Blocked-by-process */
			out->dae = MMS_DAE_TEMPORARILY_UNAVAILABLE;
		} else {
			out->pending = c->wait != NULL;
		}
		return;
	}
	char err[512];
	int rc = plugin_control(s->inst, r->point, &cmd, err, sizeof(err));
	if (rc > 0) {
		log_msg(LOGL_INFO, LOGC_PV, "%s:%u: %s: source '%s' refused the command: %s",
			pv->map_file, r->line, r->ref, s->name, err);
		out->add_cause = rc;
		out->dae = MMS_DAE_OBJECT_ACCESS_DENIED;
	} else if (rc < 0) {
		pv->st.write_errors++;
		out->add_cause = 9; /* Blocked-by-process */
		out->dae = pv_dae_of_errno(rc);
		log_msg(LOGL_WARNING, LOGC_PV, "%s:%u: %s: command to source '%s' failed: %s -> %s",
			pv->map_file, r->line, r->ref, s->name, err, pv_dae_name(out->dae));
	}
}

int pv_write_hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	struct pv *pv = ctx;
	struct pv_row *r = &pv->rows[id];
	struct pv_src *s = r->src;
	(void)m;
	struct iedd_value v;
	pv->st.writes++;
	int rc = model_to_source(pv, r, &v);
	if (rc) {
		pv->st.write_errors++;
		return MMS_DAE_OBJECT_VALUE_INVALID;
	}
	if (s->blocking) {
		/* Queued for the source's thread; the MMS Write response waits
		 * for its answer (a ticket), unless the caller cannot wait: then
		 * it counts as done once queued (logged if it fails). */
		pthread_mutex_lock(&s->mu);
		bool full = s->wlen + s->rlen >= PV_WQUEUE;
		if (!full) {
			s->wq[(s->whead + s->wlen) % PV_WQUEUE] =
				(struct pv_wmsg){ .row = id, .v = v, .wait = model_wcall_defer(call) };
			s->wlen++;
			pthread_cond_signal(&s->cv);
		}
		pthread_mutex_unlock(&s->mu);
		if (full) {
			pv->st.write_errors++;
			log_msg(LOGL_WARNING, LOGC_PV,
				"%s:%u: %s: write to source '%s' refused: %d writes already queued",
				pv->map_file, r->line, r->ref, s->name, PV_WQUEUE);
			return MMS_DAE_TEMPORARILY_UNAVAILABLE;
		}
		return 0;
	}
	char err[512];
	rc = plugin_write(s->inst, r->point, &v, err, sizeof(err));
	if (rc) {
		pv->st.write_errors++;
		int code = pv_dae_of_errno(rc);
		log_msg(LOGL_WARNING, LOGC_PV, "%s:%u: %s: write to source '%s' failed: %s -> %s",
			pv->map_file, r->line, r->ref, s->name, err, pv_dae_name(code));
		return code;
	}
	return 0;
}
