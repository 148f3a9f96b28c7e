/* SPDX-License-Identifier: Apache-2.0 */
/* Change observers and the index from value offsets to data set members
 * (observe.h). */
#include "observe.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"

/* One data set member as an interval of value offsets. */
struct obs_ref {
	uint32_t ds_no;
	uint32_t member;
};

struct model_observer {
	struct model_observer_desc d;
	struct model_observer *next;	/* in its list: one data set's, or the list for all */
	struct model_observer *tnext;	/* in the list of those told during this delivery */
	bool touched, dead;
};

/* The index proper: elementary intervals. bound[] are the sorted,
 * distinct start and end offsets of every member of every live data set;
 * interval j is [bound[j], bound[j+1]) and is covered by refs[start[j] ..
 * start[j + 1]). FCDAs name DO or DA subtrees, which nest or are
 * disjoint, so an offset lies inside few members and the refs stay close
 * to the number of members. malloc'd: replaced whole when run-time data
 * sets come or go. */
struct obs_index {
	uint32_t n_bound;
	uint32_t *bound;
	uint32_t *start;	/* n_bound + 1 entries; start[n_bound] = number of refs */
	struct obs_ref *refs;
	size_t bytes;		/* of the three arrays */
};

/* The index and the observers (struct model_priv.obs). The struct and the
 * control block tables of the SCL's data sets live in the model's arena;
 * the tables by ds_no, the index and the observers are malloc'd.
 *
 * Numbers: the SCL's data sets are 0..n_scl-1 for good; a run-time one
 * takes the lowest free number. ds[no] is the live set of a number (NULL:
 * free, or removed); held[no] the set that the index may still refer to
 * under it: a removed set stays there, and its number stays taken, until
 * the index is rebuilt without it (never during a delivery, which walks
 * the index). So removing needs no memory and a delivery never meets a
 * freed set. */
struct model_obs {
	uint32_t n_no;		/* numbers in use are below n_no */
	uint32_t cap;		/* entries of ds, held, by_ds */
	uint32_t n_scl;
	const struct mdataset **ds;	/* by ds_no: live sets */
	struct mdataset **held;	/* by ds_no: sets the index may refer to */
	const struct mcb ***cbs;	/* by ds_no < n_scl: the control blocks naming it */
	uint32_t *n_cbs;
	struct obs_index ix;
	bool stale;		/* ds[] and the index differ: rebuild when no delivery runs */
	size_t fixed_bytes;	/* this struct and the control block tables */

	struct model_observer *all;	/* observers of every data set */
	struct model_observer **by_ds;	/* by ds_no */
	struct model_observer *told;	/* those told during this delivery */
	uint32_t depth;		/* a delivery is running */
	uint32_t n_dead;	/* removed during a delivery, not yet freed */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Index of the interval starting at `off` (an element of bound[]). */
static uint32_t bound_at(const struct obs_index *x, uint32_t off)
{
	uint32_t lo = 0, hi = x->n_bound;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (x->bound[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The interval holding `off`, or n_bound when none does. */
static uint32_t interval_of(const struct obs_index *x, uint32_t off)
{
	uint32_t lo = 0, hi = x->n_bound;	/* first bound > off */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (x->bound[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 || lo == x->n_bound ? x->n_bound : lo - 1;
}

static void index_free(struct obs_index *x)
{
	free(x->bound);
	free(x->start);
	free(x->refs);
	*x = (struct obs_index){ 0 };
}

/* Builds the index of the live data sets ds[0..n_no) into *x. O(M log M)
 * for M members. 0 or -ENOMEM (*x untouched). */
static int index_build(const struct model_obs *o, struct obs_index *out)
{
	struct obs_index x = { 0 };
	uint32_t *fill = NULL;
	size_t n_mem = 0;
	for (uint32_t d = 0; d < o->n_no; d++)
		n_mem += o->ds[d] ? o->ds[d]->n : 0;
	if (n_mem > UINT32_MAX / 2 - 1)
		return -ENOMEM;
	x.bound = malloc((2 * n_mem + 1) * sizeof(*x.bound));
	if (!x.bound)
		goto oom;
	uint32_t nb = 0;
	for (uint32_t d = 0; d < o->n_no; d++)
		for (uint32_t j = 0; o->ds[d] && j < o->ds[d]->n; j++) {
			const struct mfcda *f = &o->ds[d]->members[j];
			x.bound[nb++] = f->voff;
			x.bound[nb++] = f->voff + f->type->size;
		}
	qsort(x.bound, nb, sizeof(*x.bound), cmp_u32);
	uint32_t nu = 0;
	for (uint32_t i = 0; i < nb; i++)
		if (!nu || x.bound[nu - 1] != x.bound[i])
			x.bound[nu++] = x.bound[i];
	x.n_bound = nu;
	if (nu) {
		uint32_t *shrunk = realloc(x.bound, nu * sizeof(*x.bound));
		x.bound = shrunk ? shrunk : x.bound;
	}
	x.start = calloc((size_t)nu + 1, sizeof(*x.start));
	fill = calloc(nu ? nu : 1, sizeof(*fill));
	if (!x.start || !fill)
		goto oom;
	/* count the refs of each interval, then place them */
	for (uint32_t d = 0; d < o->n_no; d++)
		for (uint32_t j = 0; o->ds[d] && j < o->ds[d]->n; j++) {
			const struct mfcda *f = &o->ds[d]->members[j];
			for (uint32_t b = bound_at(&x, f->voff); x.bound[b] < f->voff + f->type->size;
			     b++)
				x.start[b + 1]++;
		}
	for (uint32_t b = 0; b < nu; b++)
		x.start[b + 1] += x.start[b];
	uint32_t n_refs = x.start[nu];
	x.refs = malloc((n_refs ? n_refs : 1) * sizeof(*x.refs));
	if (!x.refs)
		goto oom;
	for (uint32_t d = 0; d < o->n_no; d++)
		for (uint32_t j = 0; o->ds[d] && j < o->ds[d]->n; j++) {
			const struct mfcda *f = &o->ds[d]->members[j];
			for (uint32_t b = bound_at(&x, f->voff); x.bound[b] < f->voff + f->type->size;
			     b++)
				x.refs[x.start[b] + fill[b]++] = (struct obs_ref){ .ds_no = d,
										   .member = j };
		}
	free(fill);
	x.bytes = nu * sizeof(*x.bound) + ((size_t)nu + 1) * sizeof(*x.start) +
		  n_refs * sizeof(*x.refs);
	*out = x;
	return 0;
oom:
	free(fill);
	index_free(&x);
	return -ENOMEM;
}

/* Grows the tables by ds_no to hold `want` numbers. 0 or -ENOMEM (the
 * tables as they were; a grown one keeps its new size, harmlessly). */
static int tables_reserve(struct model_obs *o, uint32_t want)
{
	if (want <= o->cap)
		return 0;
	uint32_t cap = o->cap ? o->cap : 4;
	while (cap < want) {
		if (cap > UINT32_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	const struct mdataset **ds = realloc(o->ds, cap * sizeof(*ds));
	if (!ds)
		return -ENOMEM;
	o->ds = ds;
	struct mdataset **held = realloc(o->held, cap * sizeof(*held));
	if (!held)
		return -ENOMEM;
	o->held = held;
	struct model_observer **by_ds = realloc(o->by_ds, cap * sizeof(*by_ds));
	if (!by_ds)
		return -ENOMEM;
	o->by_ds = by_ds;
	for (uint32_t i = o->cap; i < cap; i++) {
		o->ds[i] = NULL;
		o->held[i] = NULL;
		o->by_ds[i] = NULL;
	}
	o->cap = cap;
	return 0;
}

/* Replaces the index by one of the live sets; frees the removed sets it
 * no longer refers to and releases their numbers. Only outside a
 * delivery. 0 or -ENOMEM (everything as it was, still stale). */
static int rebuild(struct model_obs *o)
{
	struct obs_index x;
	assert(!o->depth);
	if (index_build(o, &x))
		return -ENOMEM;
	index_free(&o->ix);
	o->ix = x;
	for (uint32_t no = o->n_scl; no < o->n_no; no++)
		if (!o->ds[no] && o->held[no]) {
			model_dataset_free(o->held[no]);
			o->held[no] = NULL;
		}
	while (o->n_no > o->n_scl && !o->held[o->n_no - 1])
		o->n_no--;
	o->stale = false;
	return 0;
}

int model_observe_index(struct model *m)
{
	struct model_priv *p = m->priv;
	struct arena *A = &p->arena;
	struct model_obs *o = arena_zalloc(A, sizeof(*o));
	if (!o)
		return -ENOMEM;
	p->obs = o;	/* from here model_observe_clear frees what was built */
	o->fixed_bytes = sizeof(*o);
	uint32_t n_ds = 0;
	for (uint32_t i = 0; i < m->n_ld; i++)
		n_ds += m->lds[i].n_ds;
	if (tables_reserve(o, n_ds ? n_ds : 1))
		return -ENOMEM;
	o->n_scl = o->n_no = n_ds;
	uint32_t no = 0;
	for (uint32_t i = 0; i < m->n_ld; i++)
		for (uint32_t k = 0; k < m->lds[i].n_ds; k++) {
			struct mdataset *ds = &m->lds[i].datasets[k];
			ds->no = no;
			ds->deletable = false;
			ds->owner = NULL;
			o->ds[no] = ds;
			o->held[no++] = ds;
		}
	o->cbs = arena_zalloc(A, (n_ds ? n_ds : 1) * sizeof(*o->cbs));
	o->n_cbs = arena_zalloc(A, (n_ds ? n_ds : 1) * sizeof(*o->n_cbs));
	if (!o->cbs || !o->n_cbs)
		return -ENOMEM;
	o->fixed_bytes += n_ds * (sizeof(*o->cbs) + sizeof(*o->n_cbs));
	if (index_build(o, &o->ix))
		return -ENOMEM;

	/* the control blocks of each data set: a datSet names a data set of
	 * the control block's own LN (scl.c resolved what it could) */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < m->n_ld; i++)
			for (uint32_t k = 0; k < m->lds[i].n_cb; k++) {
				const struct mcb *cb = &m->lds[i].cbs[k];
				char full[140];
				if (!cb->dataset[0])
					continue;
				snprintf(full, sizeof(full), "%s$%s", cb->ln->name, cb->dataset);
				const struct mdataset *ds = model_find_dataset(&m->lds[i], full);
				if (!ds)
					continue;
				uint32_t d = ds->no;
				if (pass == 0) {
					o->n_cbs[d]++;
					continue;
				}
				if (!o->cbs[d]) {
					size_t sz = o->n_cbs[d] * sizeof(*o->cbs[d]);
					o->cbs[d] = arena_zalloc(A, sz);
					if (!o->cbs[d])
						return -ENOMEM;
					o->fixed_bytes += sz;
					o->n_cbs[d] = 0;
				}
				o->cbs[d][o->n_cbs[d]++] = cb;
			}
	return 0;
}

/* Frees the observers removed during a delivery. */
static void sweep(struct model_priv *p)
{
	struct model_obs *o = p->obs;
	for (uint32_t d = 0; o->n_dead && d <= o->cap; d++) {
		struct model_observer **pp = d == 0 ? &o->all : &o->by_ds[d - 1];
		while (*pp) {
			struct model_observer *x = *pp;
			if (x->dead) {
				*pp = x->next;
				free(x);
				o->n_dead--;
			} else {
				pp = &x->next;
			}
		}
	}
}

void model_observe_clear(struct model *m)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p ? p->obs : NULL;
	if (o) {
		for (uint32_t d = 0; d <= o->cap; d++) {
			struct model_observer *x = d == 0 ? o->all : o->by_ds[d - 1];
			while (x) {
				struct model_observer *next = x->next;
				free(x);
				x = next;
			}
		}
		for (uint32_t no = o->n_scl; no < o->n_no; no++)
			if (o->held[no])
				model_dataset_free(o->held[no]);
		free(o->ds);
		free(o->held);
		free(o->by_ds);
		index_free(&o->ix);
		p->obs = NULL;	/* the struct itself is the arena's */
		p->n_observers = 0;
	}
	if (p)
		model_dataset_clear(m);
}

struct model_observer *model_observe_add(struct model *m, const struct model_observer_desc *d)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p ? p->obs : NULL;
	if (!o || !d || !d->change)
		return NULL;
	if (d->ds && (d->ds->no >= o->n_no || o->ds[d->ds->no] != d->ds))
		return NULL;
	struct model_observer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->d = *d;
	if (!x->d.reasons)
		x->d.reasons = MODEL_TRG_DCHG | MODEL_TRG_QCHG | MODEL_TRG_DUPD;
	struct model_observer **head = d->ds ? &o->by_ds[d->ds->no] : &o->all;
	x->next = *head;
	*head = x;
	p->n_observers++;
	return x;
}

/* Marks `x` removed; the caller sweeps when no delivery runs. */
static void unregister(struct model_priv *p, struct model_observer *x)
{
	x->dead = true;
	p->obs->n_dead++;
	p->n_observers--;
}

void model_observe_remove(struct model *m, struct model_observer *x)
{
	struct model_priv *p = m->priv;
	if (!x || x->dead)
		return;
	unregister(p, x);
	if (!p->obs->depth)
		sweep(p);
}

/* ---- run-time data sets (model_priv.h, for dataset.c) ---- */

bool model_observe_ds_live(const struct model *m, const struct mdataset *ds)
{
	const struct model_priv *p = m->priv;
	const struct model_obs *o = p ? p->obs : NULL;
	return o && ds && ds->no < o->n_no && o->ds[ds->no] == ds;
}

int model_observe_ds_add(struct model *m, struct mdataset *ds)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p ? p->obs : NULL;
	if (!o)
		return -ENOMEM;
	uint32_t no = o->n_scl;
	while (no < o->n_no && o->held[no])
		no++;
	if (tables_reserve(o, no + 1))
		return -ENOMEM;
	bool was_stale = o->stale;
	uint32_t n_no = o->n_no;
	ds->no = no;
	o->ds[no] = ds;
	o->held[no] = ds;
	if (no == o->n_no)
		o->n_no++;
	o->stale = true;
	/* inside a delivery the index is being walked: model_observe_end
	 * rebuilds it */
	if (o->depth || !rebuild(o))
		return 0;
	o->ds[no] = NULL;
	o->held[no] = NULL;
	o->n_no = n_no;
	o->stale = was_stale;
	return -ENOMEM;
}

void model_observe_ds_remove(struct model *m, const struct mdataset *ds)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p->obs;
	assert(model_observe_ds_live(m, ds) && ds->no >= o->n_scl);
	for (struct model_observer *x = o->by_ds[ds->no]; x; x = x->next)
		if (!x->dead)
			unregister(p, x);
	if (!o->depth)
		sweep(p);
	/* held[no] keeps it (and its number) until the index forgets it */
	o->ds[ds->no] = NULL;
	o->stale = true;
}

void model_observe_settle(struct model *m)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p ? p->obs : NULL;
	/* a failed rebuild keeps the old index, which is still right for
	 * what it holds (removed sets are skipped); the next add, remove or
	 * delivery end tries again */
	if (o && o->stale && !o->depth)
		(void)rebuild(o);
}

static void tell(struct model *m, struct model_obs *o, struct model_observer *x,
		 const struct model_change *c)
{
	for (; x; x = x->next) {
		uint16_t r = c->reason & x->d.reasons;
		if (x->dead || !r)
			continue;
		struct model_change cc = *c;
		cc.reason = r;
		x->d.change(x->d.ctx, m, &cc);
		if (!x->touched) {
			x->touched = true;
			x->tnext = o->told;
			o->told = x;
		}
	}
}

/* The basic attribute at offset `rel` inside a value of type `t`. */
static const struct mtype *leaf_at(const struct mtype *t, uint32_t rel)
{
	for (;;) {
		if (t->btype == MB_ARRAY) {
			rel %= t->elem->size;
			t = t->elem;
		} else if (t->btype == MB_STRUCT && t->n) {
			/* components are laid out in definition order */
			uint32_t lo = 0, hi = t->n;
			while (hi - lo > 1) {
				uint32_t mid = lo + (hi - lo) / 2;
				if (t->comp[mid].off <= rel)
					lo = mid;
				else
					hi = mid;
			}
			rel -= t->comp[lo].off;
			t = t->comp[lo].type;
		} else {
			return t;
		}
	}
}

void model_observe_leaf(struct model *m, uint32_t voff, const struct mtype *leaf,
			uint16_t trgops, uint16_t reason)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p->obs;
	const struct obs_index *x = &o->ix;
	reason &= trgops;
	/* outside every member (most attributes of a large model): no search */
	if (!reason || !x->n_bound || voff < x->bound[0] || voff >= x->bound[x->n_bound - 1])
		return;
	uint32_t b = interval_of(x, voff);
	if (b == x->n_bound)
		return;
	/* IEC 61850-7-2 §17.2.2: the trigger belongs to the data attribute;
	 * every member containing it is concerned */
	assert(!o->depth);	/* a callback changed a value (observe.h) */
	o->depth++;
	for (uint32_t i = x->start[b]; i < x->start[b + 1]; i++) {
		const struct obs_ref *r = &x->refs[i];
		/* o->ds is read again each time: a callback may add a data set
		 * (the table grows) or remove one (NULL: not told any more) */
		const struct mdataset *ds = o->ds[r->ds_no];
		if (!ds)
			continue;
		if (!leaf) {
			const struct mfcda *f = &ds->members[r->member];
			leaf = leaf_at(f->type, voff - f->voff);
		}
		const struct model_change c = { .ds = ds, .ds_no = r->ds_no, .member = r->member,
						.reason = reason, .voff = voff, .leaf = leaf };
		tell(m, o, o->all, &c);
		tell(m, o, o->by_ds[r->ds_no], &c);
	}
	o->depth--;
}

void model_observe_end(struct model *m)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p->obs;
	if (!o->told && !o->n_dead && !o->stale)
		return;
	o->depth++;
	while (o->told) {
		struct model_observer *x = o->told;
		o->told = x->tnext;
		x->touched = false;
		if (!x->dead && x->d.end)
			x->d.end(x->d.ctx, m);
	}
	o->depth--;
	if (o->n_dead)
		sweep(p);
	/* data sets added or removed by the callbacks: into the index now */
	if (o->stale)
		(void)rebuild(o);
}

bool model_observe_hit(const struct model *m, uint32_t voff, uint32_t size)
{
	const struct model_priv *p = m->priv;
	const struct obs_index *x = &p->obs->ix;
	if (!x->n_bound || voff >= x->bound[x->n_bound - 1] || voff + size <= x->bound[0])
		return false;
	uint32_t b = interval_of(x, voff);
	if (b == x->n_bound)
		b = 0;	/* voff before the first bound */
	for (; b + 1 < x->n_bound && x->bound[b] < voff + size; b++)
		if (x->start[b + 1] > x->start[b])
			return true;
	return false;
}

/* Each basic attribute of (t, voff) that a member contains: compares it
 * with its old octets (`old` is the value of the whole write, `base` its
 * offset). */
static void diff(struct model *m, const struct mtype *t, uint32_t voff, const uint8_t *old,
		 uint32_t base)
{
	if (!model_observe_hit(m, voff, t->size))
		return;
	switch (t->btype) {
	case MB_STRUCT:
		for (uint32_t i = 0; i < t->n; i++)
			diff(m, t->comp[i].type, voff + t->comp[i].off, old, base);
		return;
	case MB_ARRAY:
		for (uint32_t i = 0; i < t->count; i++)
			diff(m, t->elem, voff + i * t->elem->size, old, base);
		return;
	default: {
		bool changed = memcmp(m->values + voff, old + (voff - base), t->size) != 0;
		/* a client's write refreshes what it writes (dupd); what it
		 * changes is a quality change for a Quality, else a data change */
		uint16_t r = MODEL_TRG_DUPD;
		if (changed)
			r |= t->btype == MB_QUALITY ? MODEL_TRG_QCHG : MODEL_TRG_DCHG;
		model_observe_leaf(m, voff, t, t->trgops, r);
		return;
	}
	}
}

void model_observe_write(struct model *m, const struct mtype *t, uint32_t voff,
			 const uint8_t *old)
{
	diff(m, t, voff, old, voff);
	model_observe_end(m);
}

uint32_t model_n_datasets(const struct model *m)
{
	const struct model_priv *p = m->priv;
	return p->obs ? p->obs->n_no : 0;
}

const struct mdataset *model_dataset_no(const struct model *m, uint32_t no)
{
	const struct model_priv *p = m->priv;
	return p->obs && no < p->obs->n_no ? p->obs->ds[no] : NULL;
}

const struct mcb *const *model_dataset_cbs(const struct model *m, const struct mdataset *ds,
					   uint32_t *n)
{
	const struct model_priv *p = m->priv;
	const struct model_obs *o = p->obs;
	*n = 0;
	/* run-time sets have none (the RCBs' own state names them) */
	if (!o || !ds || ds->no >= o->n_scl || o->ds[ds->no] != ds)
		return NULL;
	*n = o->n_cbs[ds->no];
	return *n ? o->cbs[ds->no] : NULL;
}

size_t model_observe_index_size(const struct model *m)
{
	const struct model_priv *p = m->priv;
	const struct model_obs *o = p->obs;
	if (!o)
		return 0;
	return o->fixed_bytes + o->ix.bytes +
	       o->cap * (sizeof(*o->ds) + sizeof(*o->held) + sizeof(*o->by_ds));
}
