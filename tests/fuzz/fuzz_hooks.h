/* SPDX-License-Identifier: Apache-2.0 */
/* Write hooks for fuzz_inbound and its seed generator (make_seeds): a few
 * writable attributes of the embedded sample model (etc/sample.icd) get a
 * hook that behaves like a process-variable source on its own thread. The
 * value the client wrote decides what the source does, so the fuzzer
 * steers it and every run of an input is the same:
 *
 *   v % 4 == 2        refused at once with daes[(v >> 2) % 8] (2 when 0)
 *   v % 4 == 1        deferred, answered right after the TPKT of the Write
 *   v % 4 == 0 or 3   deferred, answered when the input has been fed
 *
 * A deferred write is answered with daes[(v >> 2) % 8] (0 is success). v
 * is the unsigned value, or the sum of a string's octets. make_seeds uses
 * the same table, so a seed it checks as "waits" waits in the fuzzer too.
 *
 * Header only: make_seeds is built from tests/unit/meson.build, and a
 * quoted include finds this file beside it. Thread: one (the loop's). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mms_access.h"
#include "model.h"
#include "update.h"

#define FUZZ_HOOKS_N 5
#define FUZZ_HOOKS_MAX_TICKETS 64

/* The hooked attributes (IEC 61850 references, LD by inst). */
static const char *const fuzz_hooks_refs[FUZZ_HOOKS_N] = {
	"BAY/MMXU1.TotW.db[CF]",	/* INT32U, MMS "IEDD1BAY" "MMXU1$CF$TotW$db" */
	"BAY/MMXU1.TotW.zeroDb[CF]",	/* INT32U, beside it in MMXU1$CF$TotW */
	"BAY/LLN0.NamPlt.d[DC]",	/* VisString255 */
	/* the control model's commands reach these (BOOLEAN; it writes
	 * without waiting, so these are answered at once) */
	"BAY/XCBR1.Pos.Oper.ctlVal[CO]",	/* sbo-with-enhanced-security */
	"BAY/XSWI1.Pos.Oper.ctlVal[CO]",	/* direct-with-normal-security */
};

/* A source's ticket: the write waits until model_write_done(w, dae). */
struct fuzz_ticket {
	struct model_write_wait *w;
	int dae;		/* the answer: 0 success, or a DataAccessError */
	bool soon;		/* answered right after the TPKT of the Write */
};

struct fuzz_hooks {
	struct model_write_hooks h;	/* installed; points into this struct */
	uint32_t voff[FUZZ_HOOKS_N];	/* sorted ascending, as model.h requires */
	uint32_t id[FUZZ_HOOKS_N];
	const struct mtype *type[FUZZ_HOOKS_N];	/* by id */
	uint32_t type_voff[FUZZ_HOOKS_N];	/* by id */
	struct fuzz_ticket t[FUZZ_HOOKS_MAX_TICKETS];	/* held, oldest first */
	size_t n;
	uint32_t calls, deferred, refused;	/* since install or the last reset */
};

/* What the source does with written value v (the table above). */
struct fuzz_policy {
	bool defer;
	bool soon;
	int dae;
};

static inline struct fuzz_policy fuzz_hooks_policy(uint32_t v)
{
	static const int daes[8] = { 0, 0, 0, 0, MMS_DAE_HARDWARE_FAULT,
				     MMS_DAE_TEMPORARILY_UNAVAILABLE, MMS_DAE_OBJECT_ACCESS_DENIED,
				     MMS_DAE_OBJECT_VALUE_INVALID };
	int dae = daes[(v >> 2) & 7];
	switch (v & 3) {
	case 2:
		return (struct fuzz_policy){ .defer = false,
					     .dae = dae ? dae : MMS_DAE_TEMPORARILY_UNAVAILABLE };
	case 1:
		return (struct fuzz_policy){ .defer = true, .soon = true, .dae = dae };
	default:
		return (struct fuzz_policy){ .defer = true, .dae = dae };
	}
}

/* The v of a loaded value. */
static inline uint32_t fuzz_hooks_value(const struct model_val *v)
{
	uint32_t sum = 0;
	switch (v->kind) {
	case MODEL_V_BOOL:
		return v->v.b;
	case MODEL_V_INT:
		return (uint32_t)v->v.i;
	case MODEL_V_UINT:
		return (uint32_t)v->v.u;
	case MODEL_V_STRING:
		for (const char *s = v->v.s; *s; s++)
			sum += (uint8_t)*s;
		return sum;
	default:
		return 0;	/* floats are not hooked */
	}
}

static inline int fuzz_hooks_fn(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	struct fuzz_hooks *fh = ctx;
	struct model_val v;
	char s[512];

	fh->calls++;
	/* called after the new value is in the model: read it as pv would */
	if (id >= FUZZ_HOOKS_N || model_load_val(m, fh->type[id], fh->type_voff[id], &v, s,
						 sizeof(s)))
		abort();	/* the hook table is wrong: not the input's doing */
	struct fuzz_policy p = fuzz_hooks_policy(fuzz_hooks_value(&v));
	if (!p.defer) {
		fh->refused++;
		return p.dae;
	}
	if (fh->n == FUZZ_HOOKS_MAX_TICKETS)
		return 0;	/* no room: the source took it at once */
	struct model_write_wait *w = model_wcall_defer(call);
	if (!w)
		return 0;	/* this write cannot wait: done at once */
	fh->t[fh->n++] = (struct fuzz_ticket){ .w = w, .dae = p.dae, .soon = p.soon };
	fh->deferred++;
	return 0;
}

/* Resolves the hooked attributes in `m` and installs the hooks (fh must
 * outlive them: model_set_write_hooks(m, NULL) first). Returns 0 or the
 * negative errno of model_resolve_ref. */
static inline int fuzz_hooks_install(struct fuzz_hooks *fh, struct model *m)
{
	*fh = (struct fuzz_hooks){ 0 };
	for (uint32_t i = 0; i < FUZZ_HOOKS_N; i++) {
		struct mref ref;
		int r = model_resolve_ref(m, fuzz_hooks_refs[i], &ref);
		if (r)
			return r;
		fh->type[i] = ref.type;
		fh->type_voff[i] = ref.voff;
		/* insertion into voff[] ascending, id[] alongside */
		uint32_t j = i;
		for (; j > 0 && fh->voff[j - 1] > ref.voff; j--) {
			fh->voff[j] = fh->voff[j - 1];
			fh->id[j] = fh->id[j - 1];
		}
		fh->voff[j] = ref.voff;
		fh->id[j] = i;
	}
	fh->h = (struct model_write_hooks){ .fn = fuzz_hooks_fn, .ctx = fh, .n = FUZZ_HOOKS_N,
					    .voff = fh->voff, .id = fh->id };
	model_set_write_hooks(m, &fh->h);
	return 0;
}

enum fuzz_answer {
	FUZZ_ANSWER_SOON,	/* the tickets marked soon */
	FUZZ_ANSWER_HALF,	/* every other one, from the newest: ceil(n / 2) */
	FUZZ_ANSWER_ALL,
};

/* The sources answer the selected tickets, newest first (so Writes are
 * answered out of order); the others stay, oldest first. Each ticket is
 * answered exactly once. Returns how many were answered. */
static inline size_t fuzz_hooks_answer(struct fuzz_hooks *fh, enum fuzz_answer which)
{
	struct fuzz_ticket keep[FUZZ_HOOKS_MAX_TICKETS];
	size_t nk = 0, done = 0;

	for (size_t i = fh->n; i-- > 0;) {
		const struct fuzz_ticket *t = &fh->t[i];
		bool now = which == FUZZ_ANSWER_ALL ||
			   (which == FUZZ_ANSWER_SOON ? t->soon : (fh->n - 1 - i) % 2 == 0);
		if (now) {
			model_write_done(t->w, t->dae);
			done++;
		} else {
			keep[nk++] = *t;
		}
	}
	fh->n = nk;
	for (size_t i = 0; i < nk; i++)
		fh->t[i] = keep[nk - 1 - i];
	return done;
}
