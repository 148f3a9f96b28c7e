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

/* The index and the observers (struct model_priv.obs). The index lives in
 * the model's arena; the observers are malloc'd one by one. */
struct model_obs {
	uint32_t n_ds;
	const struct mdataset **ds;	/* by ds_no */
	const struct mcb ***cbs;	/* by ds_no: the control blocks naming it */
	uint32_t *n_cbs;
	/* Elementary intervals: bound[] are the sorted, distinct start and
	 * end offsets of every member; interval j is [bound[j], bound[j+1])
	 * and is covered by refs[start[j] .. start[j + 1]). FCDAs name DO or
	 * DA subtrees, which nest or are disjoint, so an offset lies inside
	 * few members and the refs stay close to the number of members. */
	uint32_t n_bound;
	uint32_t *bound;
	uint32_t *start;	/* n_bound entries; start[n_bound - 1] = number of refs */
	struct obs_ref *refs;
	size_t bytes;		/* of all the above */

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
static uint32_t bound_at(const struct model_obs *o, uint32_t off)
{
	uint32_t lo = 0, hi = o->n_bound;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (o->bound[mid] < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The interval holding `off`, or n_bound when none does. */
static uint32_t interval_of(const struct model_obs *o, uint32_t off)
{
	uint32_t lo = 0, hi = o->n_bound;	/* first bound > off */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (o->bound[mid] <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 || lo == o->n_bound ? o->n_bound : lo - 1;
}

static void *zalloc(struct model_obs *o, struct arena *a, size_t n)
{
	o->bytes += n;
	return arena_zalloc(a, n ? n : 1);
}

int model_observe_index(struct model *m)
{
	struct model_priv *p = m->priv;
	struct arena *A = &p->arena;
	struct model_obs *o = arena_zalloc(A, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->bytes = sizeof(*o);
	uint32_t n_ds = 0, n_mem = 0;
	for (uint32_t i = 0; i < m->n_ld; i++) {
		n_ds += m->lds[i].n_ds;
		for (uint32_t k = 0; k < m->lds[i].n_ds; k++)
			n_mem += m->lds[i].datasets[k].n;
	}
	o->n_ds = n_ds;
	o->ds = zalloc(o, A, n_ds * sizeof(*o->ds));
	o->cbs = zalloc(o, A, n_ds * sizeof(*o->cbs));
	o->n_cbs = zalloc(o, A, n_ds * sizeof(*o->n_cbs));
	o->by_ds = zalloc(o, A, n_ds * sizeof(*o->by_ds));
	uint32_t *bound = malloc((2 * (size_t)n_mem + 1) * sizeof(*bound));
	if (!o->ds || !o->cbs || !o->n_cbs || !o->by_ds || !bound) {
		free(bound);
		return -ENOMEM;
	}
	uint32_t nb = 0, no = 0;
	for (uint32_t i = 0; i < m->n_ld; i++)
		for (uint32_t k = 0; k < m->lds[i].n_ds; k++) {
			const struct mdataset *ds = &m->lds[i].datasets[k];
			o->ds[no++] = ds;
			for (uint32_t j = 0; j < ds->n; j++) {
				bound[nb++] = ds->members[j].voff;
				bound[nb++] = ds->members[j].voff + ds->members[j].type->size;
			}
		}
	qsort(bound, nb, sizeof(*bound), cmp_u32);
	uint32_t nu = 0;
	for (uint32_t i = 0; i < nb; i++)
		if (!nu || bound[nu - 1] != bound[i])
			bound[nu++] = bound[i];
	o->n_bound = nu;
	o->bound = zalloc(o, A, nu * sizeof(*o->bound));
	o->start = zalloc(o, A, (nu + 1) * sizeof(*o->start));
	if (!o->bound || !o->start) {
		free(bound);
		return -ENOMEM;
	}
	memcpy(o->bound, bound, nu * sizeof(*bound));
	free(bound);
	/* count the refs of each interval, then place them */
	for (uint32_t d = 0; d < n_ds; d++)
		for (uint32_t j = 0; j < o->ds[d]->n; j++) {
			const struct mfcda *f = &o->ds[d]->members[j];
			for (uint32_t b = bound_at(o, f->voff); o->bound[b] < f->voff + f->type->size; b++)
				o->start[b + 1]++;
		}
	for (uint32_t b = 0; b < nu; b++)
		o->start[b + 1] += o->start[b];
	uint32_t n_refs = nu ? o->start[nu] : 0;
	uint32_t *fill = calloc(nu ? nu : 1, sizeof(*fill));
	o->refs = zalloc(o, A, n_refs * sizeof(*o->refs));
	if (!fill || !o->refs) {
		free(fill);
		return -ENOMEM;
	}
	for (uint32_t d = 0; d < n_ds; d++)
		for (uint32_t j = 0; j < o->ds[d]->n; j++) {
			const struct mfcda *f = &o->ds[d]->members[j];
			for (uint32_t b = bound_at(o, f->voff); o->bound[b] < f->voff + f->type->size; b++)
				o->refs[o->start[b] + fill[b]++] = (struct obs_ref){ .ds_no = d,
										 .member = j };
		}
	free(fill);

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
				uint32_t d = 0;
				while (o->ds[d] != ds)
					d++;
				if (pass == 0) {
					o->n_cbs[d]++;
					continue;
				}
				if (!o->cbs[d]) {
					o->cbs[d] = zalloc(o, A, o->n_cbs[d] * sizeof(*o->cbs[d]));
					if (!o->cbs[d])
						return -ENOMEM;
					o->n_cbs[d] = 0;
				}
				o->cbs[d][o->n_cbs[d]++] = cb;
			}
	p->obs = o;
	return 0;
}

/* Frees the observers removed during a delivery. */
static void sweep(struct model_priv *p)
{
	struct model_obs *o = p->obs;
	for (uint32_t d = 0; o->n_dead && d <= o->n_ds; d++) {
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
	if (!o)
		return;
	for (uint32_t d = 0; d <= o->n_ds; d++) {
		struct model_observer *x = d == 0 ? o->all : o->by_ds[d - 1];
		while (x) {
			struct model_observer *next = x->next;
			free(x);
			x = next;
		}
	}
	o->all = NULL;
	memset(o->by_ds, 0, o->n_ds * sizeof(*o->by_ds));
	p->n_observers = 0;
}

struct model_observer *model_observe_add(struct model *m, const struct model_observer_desc *d)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p ? p->obs : NULL;
	if (!o || !d || !d->change)
		return NULL;
	uint32_t no = 0;
	if (d->ds) {
		while (no < o->n_ds && o->ds[no] != d->ds)
			no++;
		if (no == o->n_ds)
			return NULL;
	}
	struct model_observer *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->d = *d;
	if (!x->d.reasons)
		x->d.reasons = MODEL_TRG_DCHG | MODEL_TRG_QCHG | MODEL_TRG_DUPD;
	struct model_observer **head = d->ds ? &o->by_ds[no] : &o->all;
	x->next = *head;
	*head = x;
	p->n_observers++;
	return x;
}

void model_observe_remove(struct model *m, struct model_observer *x)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p->obs;
	if (!x || x->dead)
		return;
	x->dead = true;
	o->n_dead++;
	p->n_observers--;
	if (!o->depth)
		sweep(p);
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
	reason &= trgops;
	/* outside every member (most attributes of a large model): no search */
	if (!reason || !o->n_bound || voff < o->bound[0] || voff >= o->bound[o->n_bound - 1])
		return;
	uint32_t b = interval_of(o, voff);
	if (b == o->n_bound)
		return;
	/* IEC 61850-7-2 §17.2.2: the trigger belongs to the data attribute;
	 * every member containing it is concerned */
	assert(!o->depth);	/* a callback changed a value (observe.h) */
	o->depth++;
	for (uint32_t i = o->start[b]; i < o->start[b + 1]; i++) {
		const struct obs_ref *r = &o->refs[i];
		if (!leaf) {
			const struct mfcda *f = &o->ds[r->ds_no]->members[r->member];
			leaf = leaf_at(f->type, voff - f->voff);
		}
		const struct model_change c = { .ds = o->ds[r->ds_no], .ds_no = r->ds_no,
						.member = r->member, .reason = reason, .voff = voff,
						.leaf = leaf };
		tell(m, o, o->all, &c);
		tell(m, o, o->by_ds[r->ds_no], &c);
	}
	o->depth--;
}

void model_observe_end(struct model *m)
{
	struct model_priv *p = m->priv;
	struct model_obs *o = p->obs;
	if (!o->told && !o->n_dead)
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
}

bool model_observe_hit(const struct model *m, uint32_t voff, uint32_t size)
{
	const struct model_priv *p = m->priv;
	const struct model_obs *o = p->obs;
	if (!o->n_bound || voff >= o->bound[o->n_bound - 1] || voff + size <= o->bound[0])
		return false;
	uint32_t b = interval_of(o, voff);
	if (b == o->n_bound)
		b = 0;	/* voff before the first bound */
	for (; b + 1 < o->n_bound && o->bound[b] < voff + size; b++)
		if (o->start[b + 1] > o->start[b])
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
	return p->obs ? p->obs->n_ds : 0;
}

const struct mdataset *model_dataset_no(const struct model *m, uint32_t no)
{
	const struct model_priv *p = m->priv;
	return p->obs && no < p->obs->n_ds ? p->obs->ds[no] : NULL;
}

const struct mcb *const *model_dataset_cbs(const struct model *m, const struct mdataset *ds,
					   uint32_t *n)
{
	const struct model_priv *p = m->priv;
	const struct model_obs *o = p->obs;
	*n = 0;
	for (uint32_t d = 0; o && d < o->n_ds; d++)
		if (o->ds[d] == ds) {
			*n = o->n_cbs[d];
			return *n ? o->cbs[d] : NULL;
		}
	return NULL;
}

size_t model_observe_index_size(const struct model *m)
{
	const struct model_priv *p = m->priv;
	return p->obs ? p->obs->bytes : 0;
}
