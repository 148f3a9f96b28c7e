/* SPDX-License-Identifier: Apache-2.0 */
#include "set_persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "buf.h"
#include "update.h"

static int add(char *out, size_t n, size_t *at, const char *s)
{
	size_t l = strlen(s);
	if (*at + l + 1 > n)
		return -ENAMETOOLONG;
	memcpy(out + *at, s, l + 1);
	*at += l;
	return 0;
}

int set_persist_key(const struct mref *ref, char *out, size_t n)
{
	if (!ref->ld || !ref->ln || !ref->type || ref->fc == FC_NONE)
		return -ENOENT;
	size_t at = 0;
	int r = add(out, n, &at, ref->ld->name);
	r = r ? r : add(out, n, &at, "/");
	r = r ? r : add(out, n, &at, ref->ln->name);
	if (r)
		return r;
	/* down from the LN's FC component to the variable, by value offsets */
	const struct mtype *t = ref->ln->type;
	uint32_t base = ref->ln->vbase;
	const char *fcn = model_fc_name(ref->fc);
	const struct mcomp *fc = mtype_find(t, fcn, strlen(fcn));
	if (!fc)
		return -ENOENT;
	t = fc->type;
	base += fc->off;
	for (unsigned depth = 0; t != ref->type || base != ref->voff; depth++) {
		if (t->btype != MB_STRUCT || depth > MODEL_MAX_DEPTH)
			return -ENOENT;
		const struct mcomp *pick = NULL;
		for (uint32_t i = 0; i < t->n && !pick; i++) {
			const struct mcomp *c = &t->comp[i];
			uint32_t o = base + c->off;
			if (o == ref->voff && c->type == ref->type)
				pick = c;
			else if (o <= ref->voff && ref->voff < o + c->type->size)
				pick = c;
		}
		if (!pick)
			return -ENOENT;
		r = add(out, n, &at, ".");
		r = r ? r : add(out, n, &at, pick->name);
		if (r)
			return r;
		t = pick->type;
		base += pick->off;
	}
	r = add(out, n, &at, "[");
	r = r ? r : add(out, n, &at, fcn);
	return r ? r : add(out, n, &at, "]");
}

int set_persist_key_mms(const char *key, char *domain, size_t dn, char *item, size_t in)
{
	const char *slash = strchr(key, '/'), *br = strrchr(key, '[');
	size_t kl = strlen(key);
	if (!slash || !br || br < slash || kl < 2 || key[kl - 1] != ']' ||
	    (size_t)(slash - key) >= dn || kl - (size_t)(br - key) - 2 == 0)
		return -EINVAL;
	memcpy(domain, key, (size_t)(slash - key));
	domain[slash - key] = '\0';
	const char *ln = slash + 1, *dot = memchr(ln, '.', (size_t)(br - ln));
	size_t lnl = dot ? (size_t)(dot - ln) : (size_t)(br - ln);
	size_t fcl = kl - (size_t)(br - key) - 2;
	size_t restl = dot ? (size_t)(br - dot) : 0;
	if (!lnl || lnl + 1 + fcl + restl + 1 > in)
		return -EINVAL;
	size_t at = 0;
	memcpy(item + at, ln, lnl), at += lnl;
	item[at++] = '$';
	memcpy(item + at, br + 1, fcl), at += fcl;
	for (size_t i = 0; i < restl; i++)
		item[at++] = dot[i] == '.' ? '$' : dot[i];
	item[at] = '\0';
	return 0;
}

static void written(void *ctx, struct model *m, const struct mref *ref)
{
	struct setstore *s = ctx;
	char key[SETSTORE_KEY_MAX + 1];
	if (set_persist_key(ref, key, sizeof(key)))
		return;
	struct buf v;
	buf_init(&v, 0, 0);
	model_encode_data(m, ref->type, ref->voff, &v);
	if (!v.err)
		(void)setstore_put(s, key, ref->type->typedesc, ref->type->typedesc_len,
				   buf_data(&v), v.len);
	buf_clear(&v);
}

struct acsi_setting_hook set_persist_hook(struct setstore *s)
{
	return (struct acsi_setting_hook){ .written = written, .ctx = s };
}

struct restore {
	struct model *m;
	size_t applied;
	char **refused;		/* keys, to remove after the walk */
	size_t n_refused, cap;
	char why[400];
};

static void refuse(struct restore *r, const char *key, const char *why)
{
	if (!r->why[0])
		snprintf(r->why, sizeof(r->why), "%s: %s", key, why);
	if (r->n_refused == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 8;
		char **g = realloc(r->refused, nc * sizeof(*g));
		if (!g)
			return;
		r->refused = g;
		r->cap = nc;
	}
	char *k = strdup(key);
	if (k)
		r->refused[r->n_refused++] = k;
}

static int apply(void *arg, const char *key, const uint8_t *sig, size_t sig_len,
		 const uint8_t *val, size_t val_len)
{
	struct restore *r = arg;
	char dom[80], item[SETSTORE_KEY_MAX + 8];
	struct mref ref;
	if (set_persist_key_mms(key, dom, sizeof(dom), item, sizeof(item))) {
		refuse(r, key, "not an object reference LD/LN.DO.DA[FC]");
		return 0;
	}
	if (model_resolve_mms(r->m, dom, item, &ref) || !ref.type || ref.fc == FC_NONE) {
		refuse(r, key, "names nothing in this SCL");
		return 0;
	}
	if (ref.type->typedesc_len != sig_len || memcmp(ref.type->typedesc, sig, sig_len)) {
		refuse(r, key, "its type changed");
		return 0;
	}
	struct ber_cur c;
	struct ber_tlv t;
	ber_cur_init(&c, val, val_len);
	if (ber_next(&c, &t, NULL) || !ber_cur_done(&c) ||
	    model_write(r->m, ref.type, ref.voff, &c, &t, NULL)) {
		refuse(r, key, "the model refuses its value");
		return 0;
	}
	r->applied++;
	return 0;
}

size_t set_persist_restore(struct setstore *s, struct model *m, size_t *dropped)
{
	struct restore r = { .m = m };
	(void)setstore_each(s, apply, &r);
	if (r.why[0]) {
		char why[480];
		snprintf(why, sizeof(why), "%zu record(s) not restored, first %s", r.n_refused,
			 r.why);
		(void)setstore_set_aside(s, why);
	}
	for (size_t i = 0; i < r.n_refused; i++) {
		(void)setstore_remove(s, r.refused[i]);
		free(r.refused[i]);
	}
	free(r.refused);
	if (dropped)
		*dropped = r.n_refused;
	return r.applied;
}
