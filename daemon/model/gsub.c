/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE subscriptions from the served IED's Inputs/ExtRef (IEC 61850-6
 * §9.3.13), gse.h's struct mgoose_sub: one per publishing GoCB, its inputs
 * the ExtRefs bound to it. Built at load, after the data sets.
 *
 * Which ExtRefs are GOOSE inputs:
 * - serviceType "GOOSE", or no serviceType (Ed.1 has none); "Report",
 *   "SMV", "Poll" are left alone. An ExtRef without iedName is an internal
 *   binding (the IED's own data) and no subscription.
 * - Ed.2: srcCBName (with srcLDInst, default the ExtRef's ldInst) names
 *   the publisher's GSEControl in LLN0 directly.
 * - Ed.1 (no srcCBName): the publisher IED's GSEControl whose data set
 *   holds the FCDA the ExtRef names (iedName, ldInst, prefix, lnClass,
 *   lnInst, doName, daName, fc when given), searched in every LLN0 of that
 *   IED in document order; the first one wins.
 * Member index: the position of the FCDA in the publisher's data set that
 * equals the ExtRef's reference (fc compared when the ExtRef gives one).
 * An ExtRef naming a DA inside an FCD member (Pos.stVal where the data set
 * holds Pos[ST]) is refused with a warning: bind the whole DO (no daName)
 * or publish the DA as its own FCDA. The inputs hold no path below a
 * member, so that delivery stays one store per input.
 *
 * intAddr (6 leaves its content to the IED; iedd reads it as):
 *   "LDinst/LNname.DO.DA[FC]"  a reference into the served IED (LDinst or
 *                              the LD's domain name; [FC] optional);
 *   "DO.DA[FC]"                relative to the LN that holds the Inputs.
 * Without [FC] the member's FC is tried first, then the one FC that has
 * the attribute. The target must have the member's shape: for an FCDA a
 * basic attribute of the same basic type, for an FCD a structure whose
 * components match one by one (names and basic types). Otherwise, or when
 * the target does not resolve, a warning names both types; the input is
 * then supervised, not delivered, as is one without intAddr (one warning
 * per subscription lists how many).
 *
 * LGOS (7-4 Ed.2): an LGOS of the served IED whose GoCBRef.setSrcRef
 * names the subscription's GoCB ("LD/LLN0$GO$cb" or "LD/LLN0.cb")
 * supervises it.
 *
 * Everything here is a warning (doc/scl-findings.md); the model loads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gse.h"
#include "model_priv.h"
#include "scl_priv.h"

/* A subscription being built, with its XML and a growable input list. */
struct bsub {
	struct mgoose_sub s;
	char ldinst[65], cb[65];
	const xmlNode *ds;		/* the publisher's DataSet; NULL: unknown */
	const xmlNode *pub_ied;		/* NULL: the publisher is not in the file */
	const struct mtype **mt;	/* model arena, n_members */
	struct vec inputs;		/* struct mgoose_input */
	uint32_t no_addr;		/* inputs without a usable intAddr */
	const xmlNode *first;
};

static const char *attr_or(const xmlNode *n, const char *a, const char *def)
{
	const char *v = scl_attr(n, a);
	return v ? v : def;
}

static bool streq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static const xmlNode *find_ied(const struct ctx *c, const char *name)
{
	for (const xmlNode *x = c->root->children; x; x = x->next)
		if (scl_is_scl(x, "IED") && streq(scl_attr(x, "name"), name))
			return x;
	return NULL;
}

/* The LDevice `inst` of an IED (any AccessPoint's Server). */
static const xmlNode *find_ldev(const xmlNode *ied, const char *inst)
{
	for (const xmlNode *ap = ied->children; ap; ap = ap->next) {
		const xmlNode *srv = scl_is_scl(ap, "AccessPoint") ? scl_child(ap, "Server") : NULL;
		for (const xmlNode *x = srv ? srv->children : NULL; x; x = x->next)
			if (scl_is_scl(x, "LDevice") && streq(scl_attr(x, "inst"), inst))
				return x;
	}
	return NULL;
}

static const xmlNode *find_lnx(const xmlNode *ld, const char *prefix, const char *cls,
			       const char *inst)
{
	for (const xmlNode *x = ld->children; x; x = x->next) {
		if (scl_is_scl(x, "LN0") && streq(cls, "LLN0"))
			return x;
		if (scl_is_scl(x, "LN") && streq(scl_attr(x, "prefix"), prefix) &&
		    streq(scl_attr(x, "lnClass"), cls) && streq(scl_attr(x, "inst"), inst))
			return x;
	}
	return NULL;
}

static const xmlNode *find_named(const xmlNode *parent, const char *el, const char *name)
{
	for (const xmlNode *x = parent->children; x; x = x->next)
		if (scl_is_scl(x, el) && streq(scl_attr(x, "name"), name))
			return x;
	return NULL;
}

/* "doName.daName" of an FCDA or ExtRef. */
static void da_path(const xmlNode *x, char *out, size_t n)
{
	const char *d = attr_or(x, "doName", ""), *a = attr_or(x, "daName", "");
	snprintf(out, n, "%s%s%s", d, d[0] && a[0] ? "." : "", a);
}

/* The type of FCDA `f` of a data set of IED `ied` in LD `ldinst`, built
 * from the same DataTypeTemplates (scl_lnodetype_view is independent of
 * the IED being served). NULL when it does not resolve. */
static const struct mtype *fcda_type(struct ctx *c, const xmlNode *ied, const char *ldinst,
				     const xmlNode *f)
{
	const char *li = attr_or(f, "ldInst", ldinst), *fcs = scl_attr(f, "fc");
	const xmlNode *ld = find_ldev(ied, li);
	const xmlNode *ln = ld ? find_lnx(ld, attr_or(f, "prefix", ""), attr_or(f, "lnClass", ""),
					  attr_or(f, "lnInst", "")) : NULL;
	const char *lt = ln ? scl_attr(ln, "lnType") : NULL;
	struct tmpl *t = lt ? strhash_get(&c->tm[T_LNODE], lt, strlen(lt)) : NULL;
	if (!t || !fcs)
		return NULL;
	/* A DO of the LNodeType without a DOType would refuse the file in
	 * scl_lnodetype_view; this is not the served IED: leave it unknown. */
	for (uint32_t i = 0; i < t->n_child; i++)
		if (t->child[i].kind == C_DO && !t->child[i].ref)
			return NULL;
	struct mnode *n = scl_lnodetype_view(c, t);
	const struct mcomp *fc = n ? mtype_find(&n->t, fcs, strlen(fcs)) : NULL;
	char path[256];
	uint64_t ix = 0;
	const char *ixs = scl_attr(f, "ix");
	if (!fc || (ixs && scl_parse_uint_str(ixs, MAX_ARRAY_COUNT, &ix)))
		return NULL;
	da_path(f, path, sizeof(path));
	struct mwalk w;
	if (mtype_walk(fc->type, path, strlen(path), '.', ixs ? (int32_t)ix : -1, &w))
		return NULL;
	return w.type;
}

/* Whether FCDA `f` (in LD `ldinst` by default) is what ExtRef `e` names;
 * *inside: e names a DA below the FCDA (an FCD). */
static bool fcda_names(const xmlNode *f, const char *ldinst, const xmlNode *e, bool *inside)
{
	char fp[256], ep[256];
	*inside = false;
	if (!streq(attr_or(f, "ldInst", ldinst), scl_attr(e, "ldInst")) ||
	    !streq(scl_attr(f, "prefix"), scl_attr(e, "prefix")) ||
	    !streq(scl_attr(f, "lnClass"), scl_attr(e, "lnClass")) ||
	    !streq(scl_attr(f, "lnInst"), scl_attr(e, "lnInst")))
		return false;
	const char *efc = scl_attr(e, "fc");
	if (efc && !streq(efc, scl_attr(f, "fc")))
		return false;
	da_path(f, fp, sizeof(fp));
	da_path(e, ep, sizeof(ep));
	if (!strcmp(fp, ep))
		return true;
	size_t n = strlen(fp);
	*inside = n && !strncmp(fp, ep, n) && ep[n] == '.';
	return false;
}

/* Member index of ExtRef `e` in DataSet `ds`: >= 0, -1 none, -2 inside an FCD. */
static int member_of(const xmlNode *ds, const char *ldinst, const xmlNode *e)
{
	int i = 0, r = -1;
	for (const xmlNode *f = ds->children; f; f = f->next) {
		if (!scl_is_scl(f, "FCDA"))
			continue;
		bool inside;
		if (fcda_names(f, ldinst, e, &inside))
			return i;
		if (inside)
			r = -2;
		i++;
	}
	return r;
}

/* Ed.1: the first GSEControl of IED `ied` whose data set holds what `e`
 * names; its LDevice inst in ldinst_out. */
static const xmlNode *find_gocb_ed1(const xmlNode *ied, const xmlNode *e, const char **ldinst)
{
	for (const xmlNode *ap = ied->children; ap; ap = ap->next) {
		const xmlNode *srv = scl_is_scl(ap, "AccessPoint") ? scl_child(ap, "Server") : NULL;
		for (const xmlNode *ld = srv ? srv->children : NULL; ld; ld = ld->next) {
			const xmlNode *ln0 = scl_is_scl(ld, "LDevice") ? scl_child(ld, "LN0") : NULL;
			const char *li = ln0 ? scl_attr(ld, "inst") : NULL;
			for (const xmlNode *g = ln0 ? ln0->children : NULL; li && g; g = g->next) {
				if (!scl_is_scl(g, "GSEControl") || streq(scl_attr(g, "type"), "GSSE"))
					continue;
				const xmlNode *ds = find_named(ln0, "DataSet", scl_attr(g, "datSet"));
				if (ds && member_of(ds, li, e) >= 0) {
					*ldinst = li;
					return g;
				}
			}
		}
	}
	return NULL;
}

static int new_sub(struct ctx *c, struct vec *subs, const char *ied, const char *ldinst,
		   const char *cbname, const xmlNode *pub_ied, const xmlNode *gse_ctl,
		   const xmlNode *ext, struct bsub **out)
{
	struct bsub *b = vec_push(subs);
	if (!b)
		return scl_oom(c);
	b->inputs.esz = sizeof(struct mgoose_input);
	b->first = ext;
	b->pub_ied = pub_ied;
	b->s.line = (uint32_t)xmlGetLineNo(ext);
	snprintf(b->s.ied, sizeof(b->s.ied), "%s", ied);
	snprintf(b->ldinst, sizeof(b->ldinst), "%s", ldinst);
	snprintf(b->cb, sizeof(b->cb), "%s", cbname);
	const xmlNode *ld = pub_ied ? find_ldev(pub_ied, ldinst) : NULL;
	const char *ldname = ld ? scl_attr(ld, "ldName") : NULL;
	char ldn[140];
	if (ldname)
		snprintf(ldn, sizeof(ldn), "%s", ldname);
	else
		snprintf(ldn, sizeof(ldn), "%s%s", ied, ldinst);
	int len = snprintf(b->s.gocb_ref, sizeof(b->s.gocb_ref), "%s/LLN0$GO$%s", ldn, cbname);
	if (len < 0 || (size_t)len > 129) {
		scl_warn(c, ext, "ExtRef: the GoCB reference '%s/LLN0$GO$%s' is longer than 129"
			 " characters; no subscription (shorten the LD or control block name)", ldn,
			 cbname);
		subs->n--;
		*out = NULL;
		return 0;
	}
	if (gse_ctl) {
		const char *dsn = scl_attr(gse_ctl, "datSet"), *app = scl_attr(gse_ctl, "appID");
		const char *cr = scl_attr(gse_ctl, "confRev");
		uint64_t v = 0;
		if (cr && scl_parse_uint_str(cr, UINT32_MAX, &v))
			v = 0;
		b->s.conf_rev = (uint32_t)v;
		if (dsn && dsn[0] && strlen(ldn) + strlen(dsn) + 6 < sizeof(b->s.dat_set)) {
			/* ldn fits gocb_ref (checked above), so it is below 130 */
			size_t o = strlen(ldn);
			memcpy(b->s.dat_set, ldn, o);
			memcpy(b->s.dat_set + o, "/LLN0$", 6);
			memcpy(b->s.dat_set + o + 6, dsn, strlen(dsn) + 1);
		}
		snprintf(b->s.go_id, sizeof(b->s.go_id), "%s", app && app[0] ? app : b->s.gocb_ref);
		const xmlNode *ln0 = gse_ctl->parent;
		b->ds = dsn ? find_named(ln0, "DataSet", dsn) : NULL;
		if (!b->ds)
			scl_warn(c, gse_ctl, "GSEControl '%s' of IED '%s', subscribed by IED '%s' at line"
				 " %ld: DataSet '%s' is not in its LN0; the frames' structure is not"
				 " checked and no input is delivered (fix datSet)", cbname, ied,
				 c->m->ied_name, xmlGetLineNo(ext), dsn ? dsn : "");
	}
	if (b->ds) {
		uint32_t n = 0;
		for (const xmlNode *f = b->ds->children; f; f = f->next)
			n += scl_is_scl(f, "FCDA");
		b->mt = arena_zalloc(c->A, (n ? n : 1) * sizeof(*b->mt));
		if (!b->mt)
			return scl_oom(c);
		uint32_t i = 0;
		for (const xmlNode *f = b->ds->children; f; f = f->next) {
			if (!scl_is_scl(f, "FCDA"))
				continue;
			b->mt[i] = fcda_type(c, pub_ied, ldinst, f);
			if (c->failed)
				return -EINVAL;
			if (!b->mt[i])
				scl_warn(c, f, "FCDA %u of DataSet '%s' of IED '%s' (subscribed by IED"
					 " '%s'): its type does not resolve in DataTypeTemplates; that"
					 " member's structure is not checked (fix the FCDA or the IED's"
					 " types)", i, scl_attr(b->ds, "name"), ied, c->m->ied_name);
			i++;
		}
		b->s.n_members = n;
		b->s.member_type = b->mt;
	}
	int rc = scl_gse_find(c, ied, ldinst, cbname, &b->s.addr);
	if (rc < 0)
		return rc;
	b->s.has_addr = rc > 0;
	if (!rc)
		scl_warn(c, ext, "ExtRef: GoCB '%s' has no GSE in the Communication section; its"
			 " frames are matched by gocbRef alone, on any MAC and APPID (add"
			 " ConnectedAP iedName=\"%s\"/GSE ldInst=\"%s\" cbName=\"%s\")",
			 b->s.gocb_ref, ied, ldinst, cbname);
	*out = b;
	return 0;
}

/* Same shape: for structures, the same component names and shapes. */
static bool shape_eq(const struct mtype *a, const struct mtype *b)
{
	if (a->btype != b->btype)
		return false;
	if (a->btype == MB_ARRAY)
		return a->count == b->count && shape_eq(a->elem, b->elem);
	if (a->btype != MB_STRUCT)
		return true;
	if (a->n != b->n)
		return false;
	for (uint32_t i = 0; i < a->n; i++)
		if (strcmp(a->comp[i].name, b->comp[i].name) ||
		    !shape_eq(a->comp[i].type, b->comp[i].type))
			return false;
	return true;
}

static void type_text(const struct mtype *t, char *out, size_t n)
{
	if (t->btype == MB_STRUCT)
		snprintf(out, n, "a structure of %u components", (unsigned)t->n);
	else if (t->btype == MB_ARRAY)
		snprintf(out, n, "an array of %u", (unsigned)t->count);
	else
		snprintf(out, n, "%s", model_btype_name(t->btype));
}

/* The Quality q and Timestamp t directly inside `t` at voff. */
static void find_qt(const struct mtype *t, uint32_t voff, struct mgoose_input *in)
{
	if (t->btype != MB_STRUCT)
		return;
	for (uint32_t i = 0; i < t->n; i++) {
		const struct mcomp *k = &t->comp[i];
		if (!in->has_q && !strcmp(k->name, "q") && k->type->btype == MB_QUALITY) {
			in->has_q = true;
			in->q_voff = voff + k->off;
			in->q_trgops = k->type->trgops;
		} else if (!in->has_t && !strcmp(k->name, "t") && k->type->btype == MB_TIMESTAMP) {
			in->has_t = true;
			in->t_voff = voff + k->off;
		}
	}
}

/* The data object around (or at) the target: the innermost level of the
 * reference "LD/LN.DO.x.y[FC]" that holds a q. */
static void dobj_qt(const struct model *m, const char *ref, const char *fc,
		    struct mgoose_input *in)
{
	char buf[300];
	snprintf(buf, sizeof(buf), "%s", ref);
	char *br = strchr(buf, '[');
	if (br)
		*br = '\0';
	char *slash = strchr(buf, '/');
	if (!slash)
		return;
	for (;;) {
		char probe[320];
		snprintf(probe, sizeof(probe), "%s[%s]", buf, fc);
		struct mref r;
		if (!strchr(slash, '.'))
			return;
		if (!model_resolve_ref(m, probe, &r)) {
			find_qt(r.type, r.voff, in);
			if (in->has_q)
				return;
		}
		char *dot = strrchr(slash, '.');
		*dot = '\0';
	}
}

/* Resolves intAddr into in->dst_*; false with a warning. */
static bool bind_intaddr(struct ctx *c, const xmlNode *e, const char *ia, const struct mld *ld,
			 const struct mln *ln, const struct mtype *mt, uint8_t mfc,
			 struct mgoose_input *in)
{
	char ref[300], b[80];
	struct mref r;
	int rc;
	if (strchr(ia, '/'))
		snprintf(ref, sizeof(ref), "%s", ia);
	else
		snprintf(ref, sizeof(ref), "%s/%s.%s", ld->inst, ln->name, ia);
	const char *fcname = model_fc_name(mfc);
	rc = -ENOENT;
	if (!strchr(ref, '[') && fcname) {
		char wfc[320];
		snprintf(wfc, sizeof(wfc), "%s[%s]", ref, fcname);
		rc = model_resolve_ref(c->m, wfc, &r);
	}
	if (rc)
		rc = model_resolve_ref(c->m, ref, &r);
	if (rc) {
		scl_warn(c, e, "ExtRef intAddr '%s': %s in IED '%s' (write \"LDinst/LN.DO.DA\" or"
			 " \"DO.DA\" relative to LN '%s'); the input is supervised, not delivered",
			 scl_shown(ia, b, sizeof(b)),
			 rc == -EINVAL ? "malformed, or several FCs have it (add [FC])" :
					 "names no attribute", c->m->ied_name, ln->name);
		return false;
	}
	if (mt && !shape_eq(mt, r.type)) {
		char t1[64], t2[64];
		type_text(mt, t1, sizeof(t1));
		type_text(r.type, t2, sizeof(t2));
		scl_warn(c, e, "ExtRef intAddr '%s': the member is %s, the target is %s (bind an"
			 " attribute of the member's type); the input is supervised, not delivered",
			 scl_shown(ia, b, sizeof(b)), t1, t2);
		return false;
	}
	if (!mt) {
		scl_warn(c, e, "ExtRef intAddr '%s': the member's type is unknown, so the target's"
			 " cannot be checked; the input is supervised, not delivered (put the"
			 " publisher's IED and its types into the file)", scl_shown(ia, b, sizeof(b)));
		return false;
	}
	in->dst_type = r.type;
	in->dst_voff = r.voff;
	find_qt(r.type, r.voff, in);
	if (!in->has_q)
		dobj_qt(c->m, ref, model_fc_name(r.fc), in);
	return true;
}

static int one_extref(struct ctx *c, struct vec *subs, const xmlNode *e, const struct mld *ld,
		      const struct mln *ln)
{
	const char *st = scl_attr(e, "serviceType"), *ied = scl_attr(e, "iedName");
	const char *cbn = scl_attr(e, "srcCBName"), *eld = attr_or(e, "ldInst", "");
	char ref[300], b[80];
	if ((st && strcmp(st, "GOOSE")) || !ied || !ied[0])
		return 0;
	da_path(e, ref, sizeof(ref));
	char who[400];
	snprintf(who, sizeof(who), "ExtRef '%s/%s%s%s.%s' of IED '%s'", eld,
		 attr_or(e, "prefix", ""), attr_or(e, "lnClass", ""), attr_or(e, "lnInst", ""), ref,
		 ied);
	const xmlNode *pub = find_ied(c, ied), *g = NULL;
	const char *srcld;
	if (cbn) {
		srcld = attr_or(e, "srcLDInst", eld);
		const char *slc = scl_attr(e, "srcLNClass");
		if (slc && strcmp(slc, "LLN0")) {
			scl_warn(c, e, "%s: srcLNClass '%s' is not LLN0, where GSEControls are; no"
				 " subscription (write srcLNClass=\"LLN0\")", who,
				 scl_shown(slc, b, sizeof(b)));
			return 0;
		}
		const xmlNode *ldx = pub ? find_ldev(pub, srcld) : NULL;
		const xmlNode *ln0 = ldx ? scl_child(ldx, "LN0") : NULL;
		g = ln0 ? find_named(ln0, "GSEControl", cbn) : NULL;
		if (pub && !g) {
			scl_warn(c, e, "%s: IED '%s' has no GSEControl '%s' in LDevice '%s'; no"
				 " subscription (fix srcCBName or srcLDInst)", who, ied,
				 scl_shown(cbn, b, sizeof(b)), srcld);
			return 0;
		}
	} else {
		if (!pub) {
			if (st)
				scl_warn(c, e, "%s: IED '%s' is not in the file and the ExtRef has no"
					 " srcCBName; no subscription (add srcCBName and srcLDInst, or"
					 " use the SCD with IED '%s')", who, ied, ied);
			return 0;
		}
		g = find_gocb_ed1(pub, e, &srcld);
		if (!g) {
			scl_warn(c, e, "%s: no GSEControl of IED '%s' publishes it; no subscription (add"
				 " it to a GOOSE data set of IED '%s', or set serviceType if it comes"
				 " otherwise)", who, ied, ied);
			return 0;
		}
		cbn = scl_attr(g, "name");
	}
	struct bsub *bs = NULL;
	for (size_t i = 0; i < subs->n; i++) {
		struct bsub *x = (struct bsub *)subs->p + i;
		if (!strcmp(x->s.ied, ied) && !strcmp(x->ldinst, srcld) && !strcmp(x->cb, cbn))
			bs = x;
	}
	if (!bs) {
		int rc = new_sub(c, subs, ied, srcld, cbn, pub, g, e, &bs);
		if (rc || !bs)
			return rc;
	}
	struct mgoose_input in = { .line = (uint32_t)xmlGetLineNo(e) };
	int mi = bs->ds ? member_of(bs->ds, srcld, e) : -1;
	if (mi == -2) {
		scl_warn(c, e, "%s: names an attribute inside a data object that GoCB '%s' publishes"
			 " whole (FCD); not bound (give only doName to bind the whole data object,"
			 " or publish the attribute as its own FCDA)", who, bs->s.gocb_ref);
		return 0;
	}
	if (mi < 0) {
		if (bs->ds)
			scl_warn(c, e, "%s: not a member of DataSet '%s' of GoCB '%s'; not bound (fix"
				 " the ExtRef or the data set)", who, scl_attr(bs->ds, "name"),
				 bs->s.gocb_ref);
		else if (!bs->pub_ied)
			scl_warn(c, e, "%s: IED '%s' is not in the file, so the member index is"
				 " unknown; supervised only (use the SCD that has IED '%s')", who, ied,
				 ied);
		return 0;
	}
	in.member = (uint32_t)mi;
	const char *ia = scl_attr(e, "intAddr");
	uint8_t mfc = FC_NONE;
	{
		uint32_t i = 0;
		for (const xmlNode *f = bs->ds->children; f; f = f->next)
			if (scl_is_scl(f, "FCDA") && i++ == in.member) {
				const char *fcs = attr_or(f, "fc", "");
				mfc = model_fc_parse(fcs, strlen(fcs));
			}
	}
	if (!ia || !ia[0])
		bs->no_addr++;
	else
		bind_intaddr(c, e, ia, ld, ln, bs->mt[in.member], mfc, &in);
	struct mgoose_input *p = vec_push(&bs->inputs);
	if (!p)
		return scl_oom(c);
	*p = in;
	return 0;
}

/* LGOS.GoCBRef.setSrcRef as "LD/LLN0$GO$cb" or "LD/LLN0.cb". */
static bool ref_names(const char *v, const char *gocb_ref)
{
	if (!strcmp(v, gocb_ref))
		return true;
	const char *go = strstr(gocb_ref, "$GO$");
	size_t pre = go ? (size_t)(go - gocb_ref) : 0;
	return go && !strncmp(v, gocb_ref, pre) && v[pre] == '.' && !strcmp(v + pre + 1, go + 4);
}

static void bind_lgos(struct ctx *c, struct mgoose_sub *s)
{
	for (uint32_t i = 0; i < c->m->n_ld; i++) {
		const struct mld *ld = &c->m->lds[i];
		for (uint32_t k = 0; k < ld->n_ln; k++) {
			const struct mln *ln = &ld->lns[k];
			if (strcmp(ln->ln_class, "LGOS"))
				continue;
			char ref[200], v[200];
			struct mref r;
			snprintf(ref, sizeof(ref), "%s/%s.GoCBRef.setSrcRef[SP]", ld->inst, ln->name);
			if (model_resolve_ref(c->m, ref, &r) || r.type->btype != MB_VISSTRING)
				continue;
			model_get_text(c->m, r.type, r.voff, v, sizeof(v));
			if (ref_names(v, s->gocb_ref)) {
				s->lgos = ln;
				return;
			}
		}
	}
}

int scl_build_gsubs(struct ctx *c)
{
	const xmlNode *ied = find_ied(c, c->m->ied_name);
	struct vec subs = { .esz = sizeof(struct bsub) };
	int r = 0;
	for (uint32_t i = 0; ied && !r && i < c->m->n_ld; i++) {
		const struct mld *ld = &c->m->lds[i];
		const xmlNode *ldx = find_ldev(ied, ld->inst);
		for (const xmlNode *x = ldx ? ldx->children : NULL; !r && x; x = x->next) {
			if (!scl_is_scl(x, "LN0") && !scl_is_scl(x, "LN"))
				continue;
			const xmlNode *inp = scl_child(x, "Inputs");
			if (!inp)
				continue;
			char lnname[80];
			snprintf(lnname, sizeof(lnname), "%s%s%s", attr_or(x, "prefix", ""),
				 attr_or(x, "lnClass", ""), attr_or(x, "inst", ""));
			const struct mln *ln = model_find_ln(ld, lnname, strlen(lnname));
			for (const xmlNode *e = inp->children; ln && !r && e; e = e->next)
				if (scl_is_scl(e, "ExtRef"))
					r = one_extref(c, &subs, e, ld, ln);
		}
	}
	struct bsub *b = subs.p;
	if (!r && subs.n) {
		c->p->gsubs = arena_zalloc(c->A, subs.n * sizeof(*c->p->gsubs));
		if (!c->p->gsubs)
			r = scl_oom(c);
	}
	for (size_t i = 0; !r && i < subs.n; i++) {
		struct mgoose_sub *s = &c->p->gsubs[i];
		*s = b[i].s;
		s->no = (uint32_t)i;
		s->n_inputs = (uint32_t)b[i].inputs.n;
		if (s->n_inputs &&
		    !(s->inputs = arena_memdup(c->A, b[i].inputs.p,
					       b[i].inputs.n * sizeof(struct mgoose_input))))
			r = scl_oom(c);
		bind_lgos(c, s);
		if (b[i].no_addr)
			scl_warn(c, b[i].first, "GoCB '%s': %u ExtRef%s without intAddr; supervised,"
				 " not delivered into the model (add intAddr=\"DO.DA\" naming where"
				 " each value goes)", s->gocb_ref, (unsigned)b[i].no_addr,
				 b[i].no_addr == 1 ? "" : "s");
	}
	if (!r)
		c->p->n_gsubs = (uint32_t)subs.n;
	for (size_t i = 0; i < subs.n; i++)
		vec_free(&b[i].inputs);
	vec_free(&subs);
	return r;
}

uint32_t model_n_goose_subs(const struct model *m)
{
	const struct model_priv *p = m->priv;
	return p ? p->n_gsubs : 0;
}

const struct mgoose_sub *model_goose_sub(const struct model *m, uint32_t no)
{
	const struct model_priv *p = m->priv;
	return p && no < p->n_gsubs ? &p->gsubs[no] : NULL;
}

int model_goose_map_input(struct model *m, const char *ref, const char *gocb_ref, uint16_t appid,
			  uint32_t member, uint32_t line, char *err, size_t errlen)
{
	struct model_priv *p = m->priv;
	size_t rl = strlen(gocb_ref);
	if (!rl || rl > 129 || !strchr(gocb_ref, '/') || !strstr(gocb_ref, "$GO$")) {
		snprintf(err, errlen, "gocbRef '%.140s' is not LD/LLN0$GO$name (at most 129 characters)",
			 gocb_ref);
		return -EINVAL;
	}
	struct mref r;
	int rc = model_resolve_ref(m, ref, &r);
	if (rc) {
		snprintf(err, errlen, "'%s' %s", ref,
			 rc == -EINVAL ? "is not a reference LD/LN.DO.DA[FC]" : "names no attribute");
		return -EINVAL;
	}
	struct mgoose_input in = { .member = member, .dst_type = r.type, .dst_voff = r.voff,
				   .line = line };
	find_qt(r.type, r.voff, &in);
	if (!in.has_q)
		dobj_qt(m, ref, model_fc_name(r.fc), &in);
	struct mgoose_sub *s = NULL;
	for (uint32_t i = 0; i < p->n_gsubs && !s; i++)
		if (!strcmp(p->gsubs[i].gocb_ref, gocb_ref))
			s = &p->gsubs[i];
	if (s && s->n_members && member >= s->n_members) {
		snprintf(err, errlen, "member %u: the data set of %s has %u member(s) (0-based index)",
			 (unsigned)member, gocb_ref, (unsigned)s->n_members);
		return -EINVAL;
	}
	if (s && (s->has_addr || s->appid_only) && s->addr.appid != appid) {
		snprintf(err, errlen, "APPID %04X: the SCL gives %s APPID %04X", (unsigned)appid,
			 gocb_ref, (unsigned)s->addr.appid);
		return -EINVAL;
	}
	if (!s) {
		struct mgoose_sub *n = arena_zalloc(&p->arena, (p->n_gsubs + 1) * sizeof(*n));
		if (!n)
			goto oom;
		if (p->n_gsubs)
			memcpy(n, p->gsubs, p->n_gsubs * sizeof(*n));
		s = &n[p->n_gsubs];
		s->no = p->n_gsubs;
		snprintf(s->gocb_ref, sizeof(s->gocb_ref), "%s", gocb_ref);
		snprintf(s->ied, sizeof(s->ied), "(map)");
		s->appid_only = true;
		s->addr.appid = appid;
		s->line = line;
		p->gsubs = n;
		p->n_gsubs++;
	}
	struct mgoose_input *ni = arena_alloc(&p->arena, (s->n_inputs + 1) * sizeof(*ni));
	if (!ni)
		goto oom;
	if (s->n_inputs)
		memcpy(ni, s->inputs, s->n_inputs * sizeof(*ni));
	ni[s->n_inputs] = in;
	s->inputs = ni;
	s->n_inputs++;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -ENOMEM;
}

bool model_goose_input_at(const struct model *m, uint32_t voff, uint32_t size)
{
	const struct model_priv *p = m->priv;
	for (uint32_t i = 0; p && i < p->n_gsubs; i++) {
		const struct mgoose_sub *s = &p->gsubs[i];
		for (uint32_t k = 0; k < s->n_inputs; k++) {
			const struct mgoose_input *in = &s->inputs[k];
			if (in->dst_type && voff < in->dst_voff + in->dst_type->size &&
			    in->dst_voff < voff + size)
				return true;
		}
	}
	return false;
}
