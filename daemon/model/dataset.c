/* SPDX-License-Identifier: Apache-2.0 */
/* Data sets defined at run time (model.h, "data sets defined at run
 * time"): their members from MMS names, their lookups by LD and by
 * association, and their entry into the change index (observe.c).
 *
 * A run-time set is one malloc (the struct and its members); the lookups
 * are sorted arrays of pointers, with room reserved before anything is
 * changed, so that an add either fails with nothing changed or succeeds
 * whole. A removed set leaves the lookups at once; observe.c frees it
 * when its index no longer refers to it. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_priv.h"
#include "observe.h"

/* IEC 61850-8-1 §14 / ISO 9506-2: a data set's own name is an MMS
 * Identifier; 7-2 limits it to 32 characters. */
#define DS_NAME_MAX 32

struct rt_dataset {
	struct mdataset ds;		/* first: a struct mdataset * is the allocation */
	struct mfcda members[];
};

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* Whether s[len] is a non-empty run of letters, digits and '_'. */
static bool names_ok(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

/* Whether `s` is names joined by single '$' (no empty one). */
static bool path_ok(const char *s)
{
	for (;;) {
		const char *e = strchr(s, '$');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (!names_ok(s, len))
			return false;
		if (!e)
			return true;
		s = e + 1;
	}
}

/* Appends `path` to out[*o] with '$' turned into '.'; false when it does
 * not fit in `size` (NUL included). */
static bool put_dotted(char *out, size_t size, size_t *o, const char *path)
{
	size_t len = strlen(path);
	if (*o + len >= size)
		return false;
	for (size_t i = 0; i < len; i++)
		out[*o + i] = path[i] == '$' ? '.' : path[i];
	*o += len;
	out[*o] = '\0';
	return true;
}

int model_fcda_from_mms(const struct model *m, const char *domain, const char *item,
			int32_t arr_index, const char *alt_item, struct mfcda *out)
{
	if (!alt_item)
		alt_item = "";
	if (!m || !domain || !item || !out)
		return -EINVAL;
	if (strlen(item) >= sizeof(out->mms_item) || strlen(alt_item) >= sizeof(out->alt_item) ||
	    !path_ok(item) || (alt_item[0] && !path_ok(alt_item)) ||
	    (arr_index < 0 && alt_item[0]))
		return -EINVAL;
	/* IEC 61850-7-2 §9.1: members are FCDs (LN$FC$DO) and FCDAs, not an
	 * LN or a whole FC of one */
	const char *d1 = strchr(item, '$'), *d2 = d1 ? strchr(d1 + 1, '$') : NULL;
	if (!d2)
		return -EINVAL;
	const struct mld *ld = model_find_ld(m, domain);
	if (!ld)
		return -ENOENT;
	const struct mln *ln = model_find_ln(ld, item, (size_t)(d1 - item));
	if (!ln)
		return -ENOENT;
	const struct mcomp *fcc = mtype_find(ln->type, d1 + 1, (size_t)(d2 - d1 - 1));
	if (!fcc)
		return -ENOENT;
	struct mwalk w;
	if (mtype_walk(fcc->type, d2 + 1, strlen(d2 + 1), '$', -1, &w))
		return -ENOENT;	/* no such component (path_ok excluded malformed ones) */
	const struct mtype *t = w.type;
	uint32_t voff = ln->vbase + fcc->off + w.off;
	if (arr_index >= 0) {
		/* IEC 61850-8-1 §14.2.2: the variable is the array, the element
		 * and what lies below it are its AlternateAccess */
		if (t->btype != MB_ARRAY || (uint32_t)arr_index >= t->count)
			return -ENOENT;
		voff += (uint32_t)arr_index * t->elem->size;
		t = t->elem;
		if (alt_item[0]) {
			if (mtype_walk(t, alt_item, strlen(alt_item), '$', -1, &w))
				return -ENOENT;
			t = w.type;
			voff += w.off;
		}
	}
	/* "LDinst/LN.DO.DA[FC]" as the SCL's members have it, "(n)" after the
	 * array */
	char ref[sizeof(out->ref)];
	size_t o = 0;
	int k = snprintf(ref, sizeof(ref), "%s/%.*s.", ld->inst, (int)(d1 - item), item);
	if (k < 0 || (size_t)k >= sizeof(ref))
		return -EINVAL;
	o = (size_t)k;
	if (!put_dotted(ref, sizeof(ref), &o, d2 + 1))
		return -EINVAL;
	if (arr_index >= 0) {
		k = snprintf(ref + o, sizeof(ref) - o, "(%d)%s", (int)arr_index, alt_item[0] ? "." : "");
		if (k < 0 || (size_t)k >= sizeof(ref) - o)
			return -EINVAL;
		o += (size_t)k;
		if (!put_dotted(ref, sizeof(ref), &o, alt_item))
			return -EINVAL;
	}
	k = snprintf(ref + o, sizeof(ref) - o, "[%.*s]", (int)(d2 - d1 - 1), d1 + 1);
	if (k < 0 || (size_t)k >= sizeof(ref) - o)
		return -EINVAL;
	*out = (struct mfcda){ .ld = ld, .ln = ln, .type = t, .voff = voff,
			       .arr_index = arr_index >= 0 ? arr_index : -1 };
	memcpy(out->ref, ref, sizeof(ref));
	snprintf(out->mms_item, sizeof(out->mms_item), "%s", item);
	snprintf(out->alt_item, sizeof(out->alt_item), "%s", arr_index >= 0 ? alt_item : "");
	return 0;
}

/* ---- lookups ---- */

/* Position of `name` in the sorted v[n] (where it is or would go). */
static uint32_t by_name(const struct mdataset *const *v, uint32_t n, const char *name, bool *found)
{
	uint32_t lo = 0, hi = n;
	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = strcmp(v[mid]->name, name);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Order of the association-specific sets: owner (as an address), then name. */
static int cmp_aa(const void *owner_a, const char *name_a, const void *owner_b, const char *name_b)
{
	uintptr_t a = (uintptr_t)owner_a, b = (uintptr_t)owner_b;
	if (a != b)
		return a < b ? -1 : 1;
	return name_b ? strcmp(name_a, name_b) : 1;
}

/* First position in p->aa not below (owner, name); name NULL: the first
 * of owner. */
static uint32_t aa_pos(const struct model_priv *p, const void *owner, const char *name, bool *found)
{
	uint32_t lo = 0, hi = p->n_aa;
	*found = false;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const struct mdataset *d = p->aa[mid];
		int c = cmp_aa(d->owner, d->name, owner, name);
		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct mdataset *model_find_rt_dataset(const struct mld *ld, const char *name)
{
	const struct mld_dsets *s = ld->dsets;
	bool found;
	if (!s)
		return NULL;
	uint32_t i = by_name(s->dyn, s->n_dyn, name, &found);
	return found ? s->dyn[i] : NULL;
}

const struct mdataset *model_find_aa_dataset(const struct model *m, const void *owner,
					     const char *name)
{
	const struct model_priv *p = m->priv;
	bool found;
	if (!owner || !name)
		return NULL;
	uint32_t i = aa_pos(p, owner, name, &found);
	return found ? p->aa[i] : NULL;
}

uint32_t model_ld_n_datasets(const struct mld *ld)
{
	return ld->dsets ? ld->dsets->n_all : ld->n_ds;
}

const struct mdataset *model_ld_dataset(const struct mld *ld, uint32_t i)
{
	if (ld->dsets)
		return i < ld->dsets->n_all ? ld->dsets->all[i] : NULL;
	return i < ld->n_ds ? &ld->datasets[i] : NULL;
}

uint32_t model_ld_n_dynamic(const struct mld *ld)
{
	return ld->dsets ? ld->dsets->n_dyn : 0;
}

uint32_t model_aa_n_datasets(const struct model *m, const void *owner)
{
	const struct model_priv *p = m->priv;
	bool found;
	if (!owner)
		return 0;
	uint32_t i = aa_pos(p, owner, NULL, &found), n = 0;
	while (i + n < p->n_aa && p->aa[i + n]->owner == owner)
		n++;
	return n;
}

const struct mdataset *model_aa_dataset(const struct model *m, const void *owner, uint32_t i)
{
	const struct model_priv *p = m->priv;
	bool found;
	if (!owner)
		return NULL;
	uint32_t first = aa_pos(p, owner, NULL, &found);
	if (i >= p->n_aa - first || p->aa[first + i]->owner != owner)
		return NULL;
	return p->aa[first + i];
}

/* ---- add and remove ---- */

/* Room for one more pointer in *v (n used of *cap). 0 or -ENOMEM. */
static int reserve(const struct mdataset ***v, uint32_t n, uint32_t *cap)
{
	if (n < *cap)
		return 0;
	if (*cap > UINT32_MAX / 2)
		return -ENOMEM;
	uint32_t c = *cap ? *cap * 2 : 8;
	const struct mdataset **x = realloc(*v, c * sizeof(*x));
	if (!x)
		return -ENOMEM;
	*v = x;
	*cap = c;
	return 0;
}

static void insert_at(const struct mdataset **v, uint32_t *n, uint32_t i, const struct mdataset *d)
{
	memmove(v + i + 1, v + i, (*n - i) * sizeof(*v));
	v[i] = d;
	(*n)++;
}

static void remove_at(const struct mdataset **v, uint32_t *n, uint32_t i)
{
	memmove(v + i, v + i + 1, (*n - i - 1) * sizeof(*v));
	(*n)--;
}

/* The lookups of `ld` (created with the SCL's sets in `all`), with room
 * for one more set. 0 or -ENOMEM (what was allocated stays, harmlessly). */
static int ld_reserve(struct mld *ld)
{
	struct mld_dsets *s = ld->dsets;
	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->all = malloc(((size_t)ld->n_ds + 8) * sizeof(*s->all));
		if (!s->all) {
			free(s);
			return -ENOMEM;
		}
		s->cap_all = ld->n_ds + 8;
		for (uint32_t i = 0; i < ld->n_ds; i++)
			s->all[i] = &ld->datasets[i];
		s->n_all = ld->n_ds;
		ld->dsets = s;
	}
	if (reserve(&s->dyn, s->n_dyn, &s->cap_dyn) || reserve(&s->all, s->n_all, &s->cap_all))
		return -ENOMEM;
	return 0;
}

/* Checks a data set's name: "LN$DSname" (domain form) or "DSname";
 * *ln_len receives the length of LN. 0 or -EINVAL. */
static int check_name(const char *name, bool domain, size_t *ln_len)
{
	size_t len = strlen(name);
	const char *dollar = strchr(name, '$');
	if (len == 0 || len >= sizeof(((struct mdataset *)0)->name))
		return -EINVAL;
	if (domain != (dollar != NULL) || (dollar && strchr(dollar + 1, '$')))
		return -EINVAL;
	*ln_len = dollar ? (size_t)(dollar - name) : 0;
	const char *own = dollar ? dollar + 1 : name;
	size_t own_len = strlen(own);
	if (dollar && !names_ok(name, *ln_len))
		return -EINVAL;
	if (own_len > DS_NAME_MAX || !names_ok(own, own_len) || (own[0] >= '0' && own[0] <= '9'))
		return -EINVAL;
	return 0;
}

int model_dataset_add(struct model *m, const struct mld *ld, const void *owner,
		      const char *name, const struct mfcda *members, uint32_t n,
		      const struct mdataset **out)
{
	struct model_priv *p = m ? m->priv : NULL;
	size_t ln_len;
	if (!p || !name || !members || !n || !ld == !owner)
		return -EINVAL;
	struct mld *L = NULL;
	if (ld) {
		/* the LD must be one of m's: its lookups are written below */
		uintptr_t a = (uintptr_t)ld, lo = (uintptr_t)m->lds;
		if (a < lo || a >= (uintptr_t)(m->lds + m->n_ld) || (a - lo) % sizeof(*ld))
			return -EINVAL;
		L = &m->lds[ld - m->lds];
	}
	if (check_name(name, ld != NULL, &ln_len))
		return -EINVAL;
	const struct mln *ln = NULL;
	if (L) {
		ln = model_find_ln(L, name, ln_len);
		if (!ln)
			return -ENOENT;
		if (model_find_dataset(L, name))
			return -EEXIST;
	} else if (model_find_aa_dataset(m, owner, name)) {
		return -EEXIST;
	}
	struct rt_dataset *r = malloc(sizeof(*r) + (size_t)n * sizeof(r->members[0]));
	if (!r)
		return -ENOMEM;
	memcpy(r->members, members, (size_t)n * sizeof(r->members[0]));
	r->ds = (struct mdataset){ .ln = ln, .n = n, .members = r->members, .deletable = true,
				   .owner = owner };
	snprintf(r->ds.name, sizeof(r->ds.name), "%s", name);
	/* room in the lookups first, then the index (which may still fail),
	 * then the lookups, which cannot */
	int e = L ? ld_reserve(L) : reserve(&p->aa, p->n_aa, &p->cap_aa);
	if (!e)
		e = model_observe_ds_add(m, &r->ds);
	if (e) {
		free(r);
		return e;
	}
	bool found;
	if (L) {
		struct mld_dsets *s = L->dsets;
		insert_at(s->dyn, &s->n_dyn, by_name(s->dyn, s->n_dyn, name, &found), &r->ds);
		insert_at(s->all, &s->n_all, by_name(s->all, s->n_all, name, &found), &r->ds);
	} else {
		insert_at(p->aa, &p->n_aa, aa_pos(p, owner, name, &found), &r->ds);
	}
	if (out)
		*out = &r->ds;
	return 0;
}

/* Takes a live run-time set out of the lookups and out of the observers'
 * numbering (without settling the index). */
static void unlink_dataset(struct model *m, const struct mdataset *ds)
{
	struct model_priv *p = m->priv;
	bool found;
	if (ds->ln) {
		struct mld *L = &m->lds[ds->ln->ld - m->lds];
		struct mld_dsets *s = L->dsets;
		uint32_t i = by_name(s->dyn, s->n_dyn, ds->name, &found);
		if (found)
			remove_at(s->dyn, &s->n_dyn, i);
		i = by_name(s->all, s->n_all, ds->name, &found);
		if (found)
			remove_at(s->all, &s->n_all, i);
	} else {
		uint32_t i = aa_pos(p, ds->owner, ds->name, &found);
		if (found)
			remove_at(p->aa, &p->n_aa, i);
	}
	/* observe.c frees it once its index no longer refers to it */
	model_observe_ds_remove(m, ds);
}

int model_dataset_remove(struct model *m, const struct mdataset *ds)
{
	if (!m || !model_observe_ds_live(m, ds))
		return -ENOENT;
	if (!ds->deletable)
		return -EPERM;	/* the SCL's: IEC 61850-7-2 §9.2.4, not deletable */
	unlink_dataset(m, ds);
	model_observe_settle(m);
	return 0;
}

uint32_t model_dataset_remove_owner(struct model *m, const void *owner)
{
	uint32_t n = 0;
	const struct mdataset *ds;
	if (!m || !owner)
		return 0;
	while ((ds = model_aa_dataset(m, owner, 0)) != NULL) {
		unlink_dataset(m, ds);
		n++;
	}
	if (n)
		model_observe_settle(m);
	return n;
}

void model_dataset_free(struct mdataset *ds)
{
	free(ds);	/* the struct rt_dataset it begins */
}

void model_dataset_clear(struct model *m)
{
	struct model_priv *p = m->priv;
	for (uint32_t i = 0; m->lds && i < m->n_ld; i++) {
		struct mld_dsets *s = m->lds[i].dsets;
		if (!s)
			continue;
		free(s->dyn);
		free(s->all);
		free(s);
		m->lds[i].dsets = NULL;
	}
	free(p->aa);
	p->aa = NULL;
	p->n_aa = p->cap_aa = 0;
}
