/* SPDX-License-Identifier: Apache-2.0 */
/* SCL loader, part 3 of 3 (scl_priv.h): data sets (FCDAs resolved against
 * the model) and control blocks (ReportControl, LogControl, GSEControl,
 * SettingControl), and the IED's Services. */
#include "scl_priv.h"

/* ---- data sets ---- */

static int cmp_dataset(const void *a, const void *b)
{
	return strcmp(((const struct mdataset *)a)->name, ((const struct mdataset *)b)->name);
}

/* Appends a path's names joined by `sep`, without "(n)", skipping
 * the first `from` names and stopping after `to`. */
static int join_path(char *out, size_t size, size_t *o, const char *path, unsigned from,
		     unsigned to)
{
	unsigned i = 0;
	for (const char *p = path; *p && i < to;) {
		const char *e = strchr(p, '.');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *paren = memchr(p, '(', len);
		size_t nlen = paren ? (size_t)(paren - p) : len;
		if (i >= from) {
			if (*o + nlen + 2 > size)
				return -ENAMETOOLONG;
			if (*o && out[*o - 1] != '$')
				out[(*o)++] = '$';
			memcpy(out + *o, p, nlen);
			*o += nlen;
			out[*o] = '\0';
		}
		i++;
		p = e ? e + 1 : p + len;
	}
	return 0;
}

/* A data set member that does not resolve: left out of its data set with a
 * warning (repairable, doc/scl-findings.md); the data set keeps the other
 * members and its control blocks keep their ConfRev as written (the SCL's
 * ConfRev describes the engineered data set; iedd does not invent a
 * revision). Returns FCDA_SKIPPED. */
#define FCDA_SKIPPED 1
__attribute__((format(printf, 5, 6)))
static int fcda_skip(struct ctx *c, const xmlNode *x, const struct mfcda *f, const char *dsname,
		     const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scl_warn(c, x, "FCDA '%s' in DataSet '%s': %s; left out of the data set, ConfRev unchanged",
		 f->ref, dsname, msg);
	return FCDA_SKIPPED;
}

static int load_fcda(struct ctx *c, const struct mld *ld, const char *dsname, xmlNode *x,
		     struct mfcda *f)
{
	char b[64], path[256];
	const char *ldinst = scl_attr(x, "ldInst"), *prefix = scl_attr(x, "prefix");
	const char *cls = scl_attr(x, "lnClass"), *lninst = scl_attr(x, "lnInst");
	const char *doname = scl_attr(x, "doName"), *daname = scl_attr(x, "daName");
	const char *fcs = scl_attr(x, "fc");
	const char *ixs = scl_attr(x, "ix");
	uint64_t ix = 0;
	if (!ldinst)
		ldinst = ld->inst;
	if (!prefix)
		prefix = "";
	if (!lninst)
		lninst = "";
	int n = snprintf(path, sizeof(path), "%s%s%s", doname ? doname : "",
			 doname && daname && daname[0] ? "." : "", doname && daname ? daname : "");
	int rn = snprintf(f->ref, sizeof(f->ref), "%s/%s%s%s%s%s[%s]", ldinst, prefix,
			  cls ? cls : "", lninst, path[0] ? "." : "", path, fcs ? fcs : "");
	if (n < 0 || (size_t)n >= sizeof(path) || rn < 0 || (size_t)rn >= sizeof(f->ref))
		return scl_fail(c, x, "FCDA '%s' in DataSet '%s': the reference is too long", f->ref,
				dsname);
	/* A member that names nothing resolvable, for want of an attribute
	 * too (the schema requires fc; without lnClass no LN is named), is
	 * left out like any other. */
	if (!cls || !fcs)
		return fcda_skip(c, x, f, dsname, "no %s attribute (add %s=\"...\")",
				 !cls ? "lnClass" : "fc", !cls ? "lnClass" : "fc");
	if (ixs && scl_parse_uint_str(ixs, MAX_ARRAY_COUNT, &ix))
		return fcda_skip(c, x, f, dsname, "ix=\"%s\" is not an array index from 0 to %u (fix"
				 " ix)", scl_shown(ixs, b, sizeof(b)), MAX_ARRAY_COUNT);
	int32_t ixv = ixs ? (int32_t)ix : -1;
	uint8_t fc = model_fc_parse(fcs, strlen(fcs));
	if (fc == FC_NONE)
		return fcda_skip(c, x, f, dsname, "fc '%s' is not a functional constraint (use ST, MX,"
				 " CF, ...)", scl_shown(fcs, b, sizeof(b)));
	if (!doname && daname)
		return fcda_skip(c, x, f, dsname, "daName without doName (add the doName)");
	f->ld = model_find_ld_inst(c->m, ldinst);
	if (!f->ld)	/* some tools write the domain name (IED name + inst) */
		f->ld = model_find_ld(c->m, ldinst);
	if (!f->ld)
		return fcda_skip(c, x, f, dsname, "IED '%s' has no LDevice with inst '%s' (fix"
				 " ldInst)", c->m->ied_name, ldinst);
	char lnname[80];
	snprintf(lnname, sizeof(lnname), "%s%s%s", prefix, cls, lninst);
	f->ln = model_find_ln(f->ld, lnname, strlen(lnname));
	if (!f->ln)
		return fcda_skip(c, x, f, dsname, "LDevice '%s' has no LN '%s' (fix prefix, lnClass"
				 " or lnInst)", ldinst, lnname);
	const struct mcomp *fcc = mtype_find(f->ln->type, fcs, 2);
	struct mwalk w;
	int r = fcc ? mtype_walk(fcc->type, path, strlen(path), '.', ixv, &w) : -ENOENT;
	if (r)
		return fcda_skip(c, x, f, dsname, "%s (fix doName, daName, fc%s, or the type)",
			    !fcc ? "the LN has no attribute with this FC" :
			    r == -EINVAL ? "the reference is malformed or has two array indexes" :
			    ixv >= 0 ? "no such data attribute, or ix does not select an element of"
				       " an array on the path" :
				       "no such data attribute with this FC in the model",
			    ixv >= 0 ? ", ix" : "");
	f->type = w.type;
	f->voff = f->ln->vbase + fcc->off + w.off;
	f->arr_index = w.index;
	/* IEC 61850-8-1 §14.2.2: an element is read as the array variable
	 * plus an AlternateAccess; the MMS name stops at the array. */
	size_t o = (size_t)snprintf(f->mms_item, sizeof(f->mms_item), "%s$%s", lnname, fcs);
	unsigned upto = w.index >= 0 ? w.index_step + 1 : w.n_steps;
	f->alt_item[0] = '\0';
	size_t ao = 0;
	if (o >= sizeof(f->mms_item) ||
	    join_path(f->mms_item, sizeof(f->mms_item), &o, path, 0, upto) ||
	    (w.index >= 0 &&
	     join_path(f->alt_item, sizeof(f->alt_item), &ao, path, upto, w.n_steps)))
		return scl_fail(c, x, "FCDA '%s' in DataSet '%s': the MMS name is longer than 129"
				" characters (shorten the names)", f->ref, dsname);
	return 0;
}

static int load_dataset(struct ctx *c, const struct mld *ld, const struct mln *ln, xmlNode *x,
			struct mdataset *ds)
{
	char who[128];
	snprintf(who, sizeof(who), "DataSet in LN '%s'", ln->name);
	const char *name = scl_req(c, x, "name", who);
	if (!name)
		return -EINVAL;
	int len = snprintf(ds->name, sizeof(ds->name), "%s$%s", ln->name, name);
	if (len < 0 || (size_t)len >= sizeof(ds->name))
		return scl_fail(c, x, "DataSet '%s' in LN '%s': the MMS name '%s$%s' is longer than 64"
				" characters (shorten the name)", name, ln->name, ln->name, name);
	ds->ln = ln;
	uint32_t n = 0;
	for (xmlNode *k = x->children; k; k = k->next)
		n += scl_is_scl(k, "FCDA");
	ds->members = arena_zalloc(c->A, (n ? n : 1) * sizeof(*ds->members));
	if (!ds->members)
		return scl_oom(c);
	for (xmlNode *k = x->children; k; k = k->next)
		if (scl_is_scl(k, "FCDA")) {
			int r = load_fcda(c, ld, name, k, &ds->members[ds->n]);
			if (r < 0)
				return r;
			if (r != FCDA_SKIPPED)
				ds->n++;
		}
	return 0;
}

/* ---- control blocks ---- */

/* A number attribute of a control block whose value does not fit
 * (repairable, doc/scl-findings.md): the block is served with the
 * attribute's default, with a warning. The attribute describes one block,
 * not the model's shape, and a wrong value of it should not refuse the
 * file. Not a number, or out of [min, max]. */
static void cb_uint(struct ctx *c, const xmlNode *n, const char *name, const char *who,
		    uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = scl_attr(n, name);
	char b[64];
	uint64_t x;
	*out = def;
	if (!v)
		return;
	if (scl_parse_uint_str(v, max, &x) || x < min) {
		scl_warn(c, n, "%s: %s=\"%s\" is not a number from %" PRIu64 " to %" PRIu64 "; served"
			 " as %" PRIu64 " (fix the attribute)", who, name, scl_shown(v, b, sizeof(b)), min,
			 max, def);
		return;
	}
	*out = x;
}

static void trgops_child(struct ctx *c, const xmlNode *x, const char *who, uint16_t *out)
{
	static const struct { const char *a; uint16_t bit; } t[] = {
		{ "dchg", MODEL_TRG_DCHG }, { "qchg", MODEL_TRG_QCHG }, { "dupd", MODEL_TRG_DUPD },
		{ "period", MODEL_TRG_PERIOD }, { "gi", MODEL_TRG_GI },
	};
	const xmlNode *k = scl_child(x, "TrgOps");
	*out = 0;
	for (size_t i = 0; k && i < sizeof(t) / sizeof(t[0]); i++) {
		bool v;
		/* tTrgOps: every option defaults to false, gi (Ed.2) to true. */
		scl_soft_bool(c, k, t[i].a, who, t[i].bit == MODEL_TRG_GI, &v);
		*out |= v ? t[i].bit : 0;
	}
}

static int load_cb(struct ctx *c, const struct mln *ln, xmlNode *x, struct vec *cbs)
{
	static const struct { const char *el; uint8_t kind; } kinds[] = {
		{ "ReportControl", MCB_URCB }, { "GSEControl", MCB_GOCB },
		{ "LogControl", MCB_LCB }, { "SettingControl", MCB_SGCB },
		{ "SampledValueControl", MCB_MSVCB },
	};
	size_t k;
	char who[160];
	uint64_t v;
	bool bv;

	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (scl_is_scl(x, kinds[k].el))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return 0;
	const char *type = scl_attr(x, "type");
	if (kinds[k].kind == MCB_GOCB && type && !strcmp(type, "GSSE")) {
		const char *nm = scl_attr(x, "name");
		char b[80];
		scl_warn(c, x, "GSEControl '%s' in LN '%s' is of type GSSE (IEC 61850 Ed.1 UCA GSSE),"
			 " which iedd does not serve; it is left out (make it type=\"GOOSE\" to"
			 " publish it)", scl_shown(nm ? nm : "", b, sizeof(b)), ln->name);
		return 0;
	}
	struct mcb *cb = vec_push(cbs);
	if (!cb)
		return scl_oom(c);
	cb->kind = kinds[k].kind;
	cb->ln = ln;
	cb->max_instances = 1;
	snprintf(who, sizeof(who), "%s in LN '%s'", kinds[k].el, ln->name);
	if (cb->kind == MCB_SGCB) {
		snprintf(cb->name, sizeof(cb->name), "SGCB");
		if (!scl_req(c, x, "numOfSGs", who) ||
		    scl_uint_attr(c, x, "numOfSGs", who, 1, 255, &v))
			return -EINVAL;
		cb->max_instances = (uint32_t)v;
		if (scl_uint_attr(c, x, "actSG", who, 1, 255, &v))
			return -EINVAL;
		cb->act_sg = (uint32_t)v;
		return 0;
	}
	const char *name = scl_req(c, x, "name", who);
	if (!name || scl_copy_str(c, x, cb->name, sizeof(cb->name), name, "name", who))
		return -EINVAL;
	snprintf(who, sizeof(who), "%s '%s' in LN '%s'", kinds[k].el, name, ln->name);
	const char *ds = scl_attr(x, "datSet");
	if (ds && scl_copy_str(c, x, cb->dataset, sizeof(cb->dataset), ds, "datSet", who))
		return -EINVAL;
	cb_uint(c, x, "confRev", who, 0, 0, UINT32_MAX, &v);
	cb->conf_rev = (uint32_t)v;
	const char *id = scl_attr(x, cb->kind == MCB_URCB ? "rptID" : cb->kind == MCB_GOCB ? "appID" :
				 cb->kind == MCB_LCB ? "logName" : "smvID");
	if (id && scl_copy_str(c, x, cb->rpt_id, sizeof(cb->rpt_id), id,
			       cb->kind == MCB_URCB ? "rptID" : "id", who))
		return -EINVAL;
	switch (cb->kind) {
	case MCB_URCB: {
		scl_soft_bool(c, x, "buffered", who, false, &cb->buffered);
		scl_soft_bool(c, x, "indexed", who, true, &cb->indexed);
		cb->kind = cb->buffered ? MCB_BRCB : MCB_URCB;
		cb_uint(c, x, "bufTime", who, 0, 0, UINT32_MAX, &v);
		cb->buf_time = (uint32_t)v;
		cb_uint(c, x, "intgPd", who, 0, 0, UINT32_MAX, &v);
		cb->intg_pd = (uint32_t)v;
		trgops_child(c, x, who, &cb->trgops);
		const xmlNode *re = scl_child(x, "RptEnabled");
		if (re) {
			/* tRptEnabled max: up to 99, default 1 (0 is taken as 1) */
			cb_uint(c, re, "max", who, 1, 0, 99, &v);
			cb->max_instances = v ? (uint32_t)v : 1;
		}
		const xmlNode *of = scl_child(x, "OptFields");
		static const struct { const char *a; uint8_t bit; } o[] = {
			{ "seqNum", 1 }, { "timeStamp", 2 }, { "reasonCode", 3 }, { "dataSet", 4 },
			{ "dataRef", 5 }, { "bufOvfl", 6 }, { "entryID", 7 }, { "configRef", 8 },
			{ "segmentation", 9 },
		};
		for (size_t i = 0; of && i < sizeof(o) / sizeof(o[0]); i++) {
			scl_soft_bool(c, of, o[i].a, who, false, &bv);
			cb->opt_fields |= bv ? (uint16_t)(1u << o[i].bit) : 0;
		}
		break;
	}
	case MCB_LCB:
		cb_uint(c, x, "intgPd", who, 0, 0, UINT32_MAX, &v);
		cb->intg_pd = (uint32_t)v;
		trgops_child(c, x, who, &cb->trgops);
		break;
	case MCB_MSVCB:
		scl_soft_bool(c, x, "multicast", who, true, &bv);
		cb->kind = bv ? MCB_MSVCB : MCB_USVCB;
		break;
	default:
		break;
	}
	return 0;
}

int scl_cmp_saddr(const void *a, const void *b)
{
	uint32_t x = ((const struct msaddr *)a)->voff, y = ((const struct msaddr *)b)->voff;
	return (x > y) - (x < y);
}

/* A control block whose datSet names no data set of its LN (repairable,
 * doc/scl-findings.md). A datSet written as an object reference or MMS name
 * ("LD/LLN0$name", "LLN0$name", "LD/LLN0.name", "LD/LLN0$BR$name") is
 * resolved when its last name is a data set of the control block's LN.
 * Otherwise the control block is kept without a data set: IEC 61850-7-2
 * lets a client set DatSet of a disabled RCB, LCB or GoCB, so the block
 * stays usable, where dropping it would remove what a client configures. */
static void load_cb_dataset(struct ctx *c, const xmlNode *x, const struct mld *ld,
			    const struct mld *dsview, struct mcb *cb)
{
	char full[140], b[80];
	const char *last = cb->dataset, *p;
	for (p = cb->dataset; *p; p++)
		if (*p == '$' || *p == '/' || *p == '.')
			last = p + 1;
	snprintf(full, sizeof(full), "%s$%s", cb->ln->name, last);
	if (last != cb->dataset && *last && model_find_dataset(dsview, full)) {
		scl_warn(c, x, "%s '%s' in LN '%s' of LDevice '%s': datSet '%s' is not the name of a"
			 " DataSet; taken as DataSet '%s' of the LN (write datSet=\"%s\")",
			 (const char *)x->name, cb->name, cb->ln->name, ld->inst,
			 scl_shown(cb->dataset, b, sizeof(b)), last, last);
		memmove(cb->dataset, last, strlen(last) + 1);
		return;
	}
	scl_warn(c, x, "%s '%s' in LN '%s' of LDevice '%s': DataSet '%s' is not defined in that LN;"
		 " the control block is served without a data set (add the DataSet or fix datSet)",
		 (const char *)x->name, cb->name, cb->ln->name, ld->inst,
		 scl_shown(cb->dataset, b, sizeof(b)));
	cb->dataset[0] = '\0';
}

/* Data sets and control blocks of every LN of one LD. */
int scl_load_services(struct ctx *c, struct ldinfo *li)
{
	struct mld *ld = li->ld;
	struct vec dss = { .esz = sizeof(struct mdataset) };
	struct vec cbs = { .esz = sizeof(struct mcb) };
	struct vec cbn = { .esz = sizeof(xmlNode *) };	/* element of each cbs[i] */
	struct strhash dsnames;
	int r = -EINVAL;

	strhash_init(&dsnames);

	for (uint32_t i = 0; i < ld->n_ln; i++) {
		const struct mln *ln = &ld->lns[i];
		for (xmlNode *x = li->lns[i].node->children; x; x = x->next) {
			if (x->type != XML_ELEMENT_NODE)
				continue;
			if (scl_is_scl(x, "DataSet")) {
				struct mdataset *ds = vec_push(&dss);
				if (!ds) {
					r = scl_oom(c);
					goto out;
				}
				if (load_dataset(c, ld, ln, x, ds))
					goto out;
				/* names are unique per LN (the MMS name holds the LN) */
				char *key = arena_strdup(&c->tmp, ds->name);
				void *old;
				int e = key ? strhash_put(&dsnames, key, strlen(key), x, &old) : -ENOMEM;
				if (e < 0) {
					r = scl_oom(c);
					goto out;
				}
				if (e == 1) {
					scl_fail(c, x, "DataSet '%s' is defined twice in LN '%s' (also at line"
						 " %ld; rename one)", strchr(key, '$') + 1, ln->name,
						 xmlGetLineNo(old));
					goto out;
				}
			} else {
				size_t before = cbs.n;
				if (load_cb(c, ln, x, &cbs))
					goto out;
				xmlNode **n = cbs.n > before ? vec_push(&cbn) : NULL;
				if (cbs.n > before && !n) {
					r = scl_oom(c);
					goto out;
				}
				if (n)
					*n = x;
			}
		}
	}
	scl_sort(dss.p, dss.n, dss.esz, cmp_dataset);
	struct mdataset *d = dss.p;
	/* A control block's datSet names a data set of its own LN. */
	struct mcb *cb = cbs.p;
	const struct mld dsview = { .n_ds = (uint32_t)dss.n, .datasets = d };
	for (size_t i = 0; i < cbs.n; i++) {
		char full[140];
		if (!cb[i].dataset[0])
			continue;
		snprintf(full, sizeof(full), "%s$%s", cb[i].ln->name, cb[i].dataset);
		if (!model_find_dataset(&dsview, full))
			load_cb_dataset(c, ((xmlNode **)cbn.p)[i], ld, &dsview, &cb[i]);
	}
	ld->n_ds = (uint32_t)dss.n;
	ld->datasets = dss.n ? arena_memdup(c->A, dss.p, dss.n * dss.esz) : NULL;
	ld->n_cb = (uint32_t)cbs.n;
	ld->cbs = cbs.n ? arena_memdup(c->A, cbs.p, cbs.n * cbs.esz) : NULL;
	r = ((dss.n && !ld->datasets) || (cbs.n && !ld->cbs)) ? scl_oom(c) : 0;
	for (size_t i = 0; !r && i < ld->n_cb; i++) {
		if (ld->cbs[i].kind != MCB_URCB && ld->cbs[i].kind != MCB_BRCB &&
		    ld->cbs[i].kind != MCB_GOCB)
			continue;
		struct scl_cb_node *e = vec_push(&c->cb_nodes);
		if (!e)
			r = scl_oom(c);
		else
			*e = (struct scl_cb_node){ .cb = &ld->cbs[i], .node = ((xmlNode **)cbn.p)[i] };
	}
out:
	vec_free(&dss);
	vec_free(&cbs);
	vec_free(&cbn);
	strhash_clear(&dsnames);
	return r;
}
