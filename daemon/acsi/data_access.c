/* SPDX-License-Identifier: Apache-2.0 */
#include "data_access.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"
#include "control.h"
#include "goose_svc.h"
#include "gse.h"
#include "mms_access.h"
#include "mms_client.h"
#include "mms_codes.h"
#include "report.h"
#include "update.h"

/* What write_one and acsi_write return beside the standard's codes stays
 * out of their range (mms_codes.h). */
_Static_assert(MODEL_WRITE_PENDING >= MMS_CODE_SENTINEL_BASE,
	       "MODEL_WRITE_PENDING is no DataAccessError");
_Static_assert(ACSI_DEFERRED >= MMS_CODE_SENTINEL_BASE && ACSI_DEFERRED != MODEL_WRITE_PENDING,
	       "ACSI_DEFERRED is no standard code nor the model's sentinel");

/* ---- GetNameList ---- */

/* Orders a name against the first component comp[0..clen) of continueAfter:
 * a longer name with comp as its prefix sorts after it. */
static int cmp_component(const char *name, const char *comp, size_t clen)
{
	int c = strncmp(name, comp, clen);
	return c ? c : name[clen] ? 1 : 0;
}

/* Where a listing resumes after `after` among n names (name(i) sorted by
 * strcmp): *start is the first name >= after's first component; *sub is
 * set, when that name equals the component, to the rest of `after` below it
 * ("" when `after` is that very name, whose subtree then follows). */
static uint32_t resume_at(const char *after, uint32_t n, const char *(*name)(const void *, uint32_t),
			  const void *ctx, const char **sub)
{
	const char *dollar = strchr(after, '$');
	size_t alen = dollar ? (size_t)(dollar - after) : strlen(after);
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cmp_component(name(ctx, mid), after, alen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*sub = NULL;
	if (lo < n && cmp_component(name(ctx, lo), after, alen) == 0)
		*sub = dollar ? dollar + 1 : "";
	return lo;
}

static const char *comp_name(const void *ctx, uint32_t i)
{
	const struct mtype *t = ctx;
	return t->comp[t->by_name[i]].name;
}

static const char *ln_name(const void *ctx, uint32_t i)
{
	const struct mld *ld = ctx;
	return ld->lns[i].name;
}

/* ---- rights (authz.h) ---- */

static const struct authz_peer *who_authz(const struct acsi_caller *who)
{
	return who ? who->authz : NULL;
}

/* May the caller do r on the object ref names? */
static bool may(const struct acsi_caller *who, enum authz_right r, const struct mref *ref)
{
	return authz_allows(who_authz(who), r, ref->ld ? ref->ld->name : NULL,
			    ref->ln ? ref->ln->ln_class : NULL, ref->fc);
}

static bool may_ld(const struct acsi_caller *who, enum authz_right r, const struct mld *ld)
{
	return authz_allows(who_authz(who), r, ld ? ld->name : NULL, NULL, FC_NONE);
}

/* A data set member's FC, from its MMS name "LN$FC$...". */
static uint8_t member_fc(const struct mfcda *f)
{
	const char *d = strchr(f->mms_item, '$');
	return d && d[1] && d[2] ? model_fc_parse(d + 1, 2) : FC_NONE;
}

static bool may_member(const struct acsi_caller *who, enum authz_right r, const struct mfcda *f)
{
	return authz_allows(who_authz(who), r, f->ld ? f->ld->name : NULL,
			    f->ln ? f->ln->ln_class : NULL, member_fc(f));
}

/* A data set the caller may see: every member's LD it may VIEW. */
static bool may_view_list(const struct acsi_caller *who, const struct mdataset *ds)
{
	if (!who_authz(who) || !who_authz(who)->pol)
		return true;
	for (uint32_t i = 0; i < ds->n; i++)
		if (!may_member(who, AZ_VIEW, &ds->members[i]))
			return false;
	return true;
}

/* Emits, in strcmp order, the names below `t` prefixed by prefix[plen] that
 * sort after `after` (the rest of continueAfter below this prefix; NULL =
 * all). Returns false when the response is full. Because '$' sorts before
 * every identifier character, a depth-first walk with children in name
 * order yields exactly the strcmp order of the full names. */
static bool emit_below(struct buf *b, struct mms_namelist_enc *e, const struct mtype *t,
		       char *prefix, size_t plen, const char *after)
{
	if (t->btype != MB_STRUCT)
		return true;
	const char *sub = NULL;
	uint32_t i = after ? resume_at(after, t->n, comp_name, t, &sub) : 0;
	for (; i < t->n; i++) {
		const struct mcomp *c = &t->comp[t->by_name[i]];
		size_t nl = strlen(c->name);
		if (plen + 1 + nl > MMS_MAX_ITEM)
			continue;
		prefix[plen] = '$';
		memcpy(prefix + plen + 1, c->name, nl + 1);
		if (sub) {
			/* this name was listed before: resume inside its subtree */
			if (!emit_below(b, e, c->type, prefix, plen + 1 + nl, *sub ? sub : NULL))
				return false;
			sub = NULL;
			continue;
		}
		if (!mms_namelist_add(b, e, prefix, plen + 1 + nl))
			return false;
		if (!emit_below(b, e, c->type, prefix, plen + 1 + nl, NULL))
			return false;
	}
	return true;
}

static bool emit_domain_vars(struct buf *b, struct mms_namelist_enc *e, const struct mld *ld,
			     const char *after, const struct acsi_caller *who)
{
	char name[MMS_MAX_ITEM + 1];
	const char *sub = NULL;
	uint32_t i = after ? resume_at(after, ld->n_ln, ln_name, ld, &sub) : 0;

	for (; i < ld->n_ln; i++) {
		const struct mln *ln = &ld->lns[i];
		if (!authz_allows(who_authz(who), AZ_VIEW, ld->name, ln->ln_class, FC_NONE)) {
			sub = NULL;
			continue;
		}
		size_t nl = strlen(ln->name);
		memcpy(name, ln->name, nl + 1);
		if (sub) {
			if (!emit_below(b, e, ln->type, name, nl, *sub ? sub : NULL))
				return false;
			sub = NULL;
			continue;
		}
		if (!mms_namelist_add(b, e, name, nl))
			return false;
		if (!emit_below(b, e, ln->type, name, nl, NULL))
			return false;
	}
	return true;
}

int acsi_get_name_list(const struct model *m, const struct mms_pdu *p, size_t max_pdu,
		       struct buf *resp, const struct acsi_caller *who)
{
	struct mms_getnamelist_req q;
	struct mms_namelist_enc e;
	const char *after;
	bool done = true;

	if (mms_getnamelist_req_decode(p->body, p->body_len, &q, NULL))
		return -EBADMSG;
	after = q.has_continue_after ? q.continue_after : NULL;
	const struct mld *ld = NULL;
	if (q.scope == MMS_SCOPE_DOMAIN) {
		ld = m ? model_find_ld(m, q.domain) : NULL;
		if (!ld || !may_ld(who, AZ_VIEW, ld)) {
			mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_DEFINITION,
						   MMS_DEFINITION_OBJECT_UNDEFINED);
			return 0;
		}
	}
	mms_namelist_begin(resp, p->invoke_id, max_pdu, &e);
	switch (q.object_class) {
	case MMS_CLASS_DOMAIN:
		if (q.scope != MMS_SCOPE_VMD || !m)
			break;
		for (uint32_t i = 0; i < m->n_ld && done; i++) {
			const char *nm = m->lds[i].name;
			if ((after && strcmp(nm, after) <= 0) || !may_ld(who, AZ_VIEW, &m->lds[i]))
				continue;
			done = mms_namelist_add(resp, &e, nm, strlen(nm));
		}
		break;
	case MMS_CLASS_NAMED_VARIABLE:
		if (ld)
			done = emit_domain_vars(resp, &e, ld, after, who);
		break;
	case MMS_CLASS_NAMED_VARIABLE_LIST:
		if (ld) {
			uint32_t n = model_ld_n_datasets(ld);
			for (uint32_t i = 0; i < n && done; i++) {
				const struct mdataset *ds = model_ld_dataset(ld, i);
				const char *nm = ds->name;
				if ((after && strcmp(nm, after) <= 0) || !may_view_list(who, ds))
					continue;
				done = mms_namelist_add(resp, &e, nm, strlen(nm));
			}
		} else if (m && q.scope == MMS_SCOPE_AA && who && who->client) {
			uint32_t n = model_aa_n_datasets(m, who->client);
			for (uint32_t i = 0; i < n && done; i++) {
				const char *nm = model_aa_dataset(m, who->client, i)->name;
				if (after && strcmp(nm, after) <= 0)
					continue;
				done = mms_namelist_add(resp, &e, nm, strlen(nm));
			}
		}
		break; /* no VMD-specific lists */
	default:
		/* journals and other classes: none exist (yet) */
		break;
	}
	if (!done && e.count == 0) {
		/* not even one name fits the negotiated PDU size */
		buf_reset(resp, resp->head);
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_SERVICE, MMS_SERVICE_PDU_SIZE);
		return 0;
	}
	mms_namelist_end(resp, &e, !done);
	return 0;
}

/* ---- GetVariableAccessAttributes ---- */

static void access_error(struct buf *resp, uint32_t invoke, int code)
{
	mms_encode_confirmed_error(resp, invoke, MMS_ERR_ACCESS, code);
}

int acsi_get_var_access_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp,
			     const struct acsi_caller *who)
{
	struct mms_objname on;
	struct mref ref;

	if (mms_gvaa_req_decode(p->body, p->body_len, &on, NULL))
		return -EBADMSG;
	if (!m || on.scope != MMS_SCOPE_DOMAIN ||
	    model_resolve_mms(m, on.domain, on.item, &ref) || !may(who, AZ_VIEW, &ref)) {
		access_error(resp, p->invoke_id, MMS_ACCESS_OBJECT_NON_EXISTENT);
		return 0;
	}
	mms_gvaa_resp_encode(resp, p->invoke_id, ref.type->typedesc, ref.type->typedesc_len);
	return 0;
}

/* ---- Read ---- */

/* Applies alternate access steps to (type, voff). Index ranges are handled
 * by the caller (only as the last step). Returns 0 or a DataAccessError. */
static int apply_alt(const struct mms_varspec *v, uint32_t upto, const struct mtype **t,
		     uint32_t *voff)
{
	for (uint32_t i = 0; i < upto; i++) {
		const struct mms_alt_step *s = &v->alt[i];
		const struct mtype *ty = *t;
		switch (s->kind) {
		case MMS_ALT_COMPONENT: {
			if (ty->btype != MB_STRUCT)
				return MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT;
			const struct mcomp *c = mtype_find(ty, s->component, strlen(s->component));
			if (!c)
				return MMS_DAE_OBJECT_NON_EXISTENT;
			*t = c->type;
			*voff += c->off;
			break;
		}
		case MMS_ALT_INDEX:
			if (ty->btype != MB_ARRAY)
				return MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT;
			if (s->index >= ty->count)
				return MMS_DAE_OBJECT_NON_EXISTENT;
			*t = ty->elem;
			*voff += s->index * ty->elem->size;
			break;
		case MMS_ALT_ALL:
			if (ty->btype != MB_ARRAY)
				return MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT;
			break;
		default:
			return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
		}
	}
	return 0;
}

static void read_one(const struct model *m, const struct mms_varspec *v, struct buf *resp,
		     const struct acsi_caller *who)
{
	struct mref ref;
	if (v->name.scope != MMS_SCOPE_DOMAIN ||
	    model_resolve_mms(m, v->name.domain, v->name.item, &ref) || !may(who, AZ_VIEW, &ref)) {
		mms_access_failure(resp, MMS_DAE_OBJECT_NON_EXISTENT);
		return;
	}
	if (!may(who, AZ_READ, &ref)) {
		mms_access_failure(resp, MMS_DAE_OBJECT_ACCESS_DENIED);
		return;
	}
	const struct mtype *t = ref.type;
	uint32_t voff = ref.voff;
	uint32_t steps = v->n_alt;
	bool range = steps && v->alt[steps - 1].kind == MMS_ALT_RANGE;
	int code = apply_alt(v, range ? steps - 1 : steps, &t, &voff);
	if (code) {
		mms_access_failure(resp, code);
		return;
	}
	/* a Read of SBO is the select of sbo-with-normal-security (control.h) */
	if (ref.fc == FC_CO && !range && who && who->controls &&
	    acsi_controls_read_as(who->controls, who->client, may(who, AZ_CONTROL, &ref), t, voff,
				  resp))
		return;
	if (range) {
		const struct mms_alt_step *s = &v->alt[steps - 1];
		if (t->btype != MB_ARRAY) {
			mms_access_failure(resp, MMS_DAE_OBJECT_ATTRIBUTE_INCONSISTENT);
			return;
		}
		if (s->index >= t->count || s->count > t->count - s->index) {
			mms_access_failure(resp, MMS_DAE_OBJECT_NON_EXISTENT);
			return;
		}
		uint32_t n = s->count ? s->count : t->count - s->index;
		size_t mk = ber_begin(resp, BER_CONTEXT | BER_CONSTRUCTED, 1);
		for (uint32_t i = 0; i < n; i++)
			model_encode_data(m, t->elem, voff + (s->index + i) * t->elem->size, resp);
		ber_end(resp, mk);
		return;
	}
	model_encode_data(m, t, voff, resp);
}

/* The named variable list `on` as `who` sees it, or NULL. */
static const struct mdataset *find_list(const struct model *m, const struct mms_objname *on,
					const struct acsi_caller *who)
{
	if (!m)
		return NULL;
	if (on->scope == MMS_SCOPE_AA)
		return who && who->client ? model_find_aa_dataset(m, who->client, on->item) : NULL;
	if (on->scope != MMS_SCOPE_DOMAIN)
		return NULL;
	const struct mld *ld = model_find_ld(m, on->domain);
	return ld ? model_find_dataset(ld, on->item) : NULL;
}

int acsi_read(const struct model *m, const struct mms_pdu *p, struct buf *resp,
	      const struct acsi_caller *who)
{
	struct mms_read_req q;
	struct mms_marks mk;
	size_t list;
	int r;

	if (mms_read_req_decode(p->body, p->body_len, &q, NULL))
		return -EBADMSG;
	if (q.vas.is_list_name) {
		const struct mdataset *ds = find_list(m, &q.vas.list_name, who);
		if (!ds || !may_view_list(who, ds)) {
			/* a list that does not exist */
			access_error(resp, p->invoke_id, MMS_ACCESS_OBJECT_NON_EXISTENT);
			return 0;
		}
		mms_read_resp_begin(resp, p->invoke_id, q.spec_with_result ? q.spec : NULL,
				    q.spec_len, &mk, &list);
		for (uint32_t i = 0; i < ds->n; i++) {
			if (!may_member(who, AZ_READ, &ds->members[i]))
				mms_access_failure(resp, MMS_DAE_OBJECT_ACCESS_DENIED);
			else
				model_encode_data(m, ds->members[i].type, ds->members[i].voff, resp);
		}
		mms_read_resp_end(resp, &mk, list);
		return 0;
	}
	/* decode every name first: a malformed entry rejects the whole PDU */
	struct mms_vas check = q.vas;
	struct mms_varspec v;
	while ((r = mms_varlist_next(&check, &v, NULL)) > 0)
		;
	if (r < 0)
		return -EBADMSG;
	mms_read_resp_begin(resp, p->invoke_id, q.spec_with_result ? q.spec : NULL, q.spec_len,
			    &mk, &list);
	while (mms_varlist_next(&q.vas, &v, NULL) > 0) {
		if (!m)
			mms_access_failure(resp, MMS_DAE_OBJECT_NON_EXISTENT);
		else
			read_one(m, &v, resp, who);
	}
	mms_read_resp_end(resp, &mk, list);
	return 0;
}

/* ---- Write ---- */

/* The services' part of SetDataValues, by FC: a write of an FC that
 * belongs to a service (model_fc_write: MODEL_FCW_SERVICE) goes to its
 * slot here before anything is stored (issue 11, the write dispatch). Each
 * service fills its slot when it exists: the control model (CO;
 * acsi/control.c: Oper, SBOw and Cancel of controllable objects), the report and log control blocks (RP, BR, LG), the
 * GOOSE and sampled-value control blocks (GO, MS, US) and setting-group
 * editing (SE, SC's SGCB). An empty slot: see write_one. */
static int write_rcb(struct model *m, const struct acsi_caller *who, const struct mref *ref,
		     const struct mtype *t, uint32_t voff, const struct ber_cur *parent,
		     const struct ber_tlv *data, struct model_write_wait **wait)
{
	(void)wait;
	if (!model_rcb_at(m, voff))
		return ACSI_WRITE_NOT_MINE; /* an SCL attribute of FC RP/BR, no RCB */
	if (!who || !who->reports)
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	return acsi_reports_write(who->reports, who->client, ref, t, voff, parent, data);
}

static int write_ctl(struct model *m, const struct acsi_caller *who, const struct mref *ref,
		     const struct mtype *t, uint32_t voff, const struct ber_cur *parent,
		     const struct ber_tlv *data, struct model_write_wait **wait)
{
	(void)m;
	bool ok = may(who, AZ_CONTROL, ref);
	if (!who || !who->controls)
		return ok ? ACSI_WRITE_NOT_MINE : MMS_DAE_OBJECT_ACCESS_DENIED;
	int r = acsi_controls_write_as(who->controls, who->client, ok, ref, t, voff, parent, data,
				       wait);
	return r == ACSI_WRITE_NOT_MINE && !ok ? MMS_DAE_OBJECT_ACCESS_DENIED : r;
}

static int write_goc(struct model *m, const struct acsi_caller *who, const struct mref *ref,
		     const struct mtype *t, uint32_t voff, const struct ber_cur *parent,
		     const struct ber_tlv *data, struct model_write_wait **wait)
{
	(void)wait;
	if (!who || !who->gpub || !model_gocb_at(m, voff))
		return ACSI_WRITE_NOT_MINE; /* no GOOSE service, or an SCL attribute of FC GO */
	return acsi_gpub_write(who->gpub, ref, t, voff, parent, data);
}

static const acsi_write_fn service_write[FC_COUNT] = {
	[FC_CO] = write_ctl, [FC_RP] = write_rcb, [FC_BR] = write_rcb, [FC_LG] = NULL,
	[FC_GO] = write_goc,
	[FC_GS] = NULL, [FC_MS] = NULL, [FC_US] = NULL, [FC_SC] = NULL, [FC_SE] = NULL,
};

/* The audit trail's view of one Write item: the value before, as JSON. */
struct write_audit {
	struct buf old;		/* JSON; empty: not resolved */
	uint8_t fc;
};

/* Appends the Data TLV data[len] to `out` as JSON, or a note of its size
 * when it is large (a whole LN): the trail keeps what a reader can use. */
#define AUDIT_VALUE_MAX 2048
static void audit_json(struct buf *out, const uint8_t *data, size_t len)
{
	size_t at = out->len;
	if (len > AUDIT_VALUE_MAX || mms_data_format(out, data, len, NULL, MMS_FMT_JSON, NULL) ||
	    out->len - at > AUDIT_VALUE_MAX) {
		out->len = at;
		char note[64];
		int n = snprintf(note, sizeof(note), "\"(%zu octets of MMS Data)\"", len);
		buf_put(out, note, (size_t)n);
	}
	buf_put(out, "", 1);	/* NUL: used as a string */
}

/* ---- durable settings hook (set by the daemon) ---- */
static struct acsi_setting_hook setting_hook;

void acsi_set_setting_hook(const struct acsi_setting_hook *h)
{
	setting_hook = h ? *h : (struct acsi_setting_hook){ 0 };
}

static bool is_setting_fc(uint8_t fc)
{
	return fc == FC_CF || fc == FC_DC || fc == FC_SP || fc == FC_SE;
}

static void setting_written(struct model *m, const struct mref *ref)
{
	if (setting_hook.written && ref->type && is_setting_fc(ref->fc))
		setting_hook.written(setting_hook.ctx, m, ref);
}

static int write_one(struct model *m, const struct acsi_caller *who, const struct mms_varspec *v,
		     const struct ber_cur *dc, const struct ber_tlv *d,
		     struct model_write_wait **wait, struct write_audit *au, struct mref *named)
{
	struct mref ref;
	if (!m || v->name.scope != MMS_SCOPE_DOMAIN ||
	    model_resolve_mms(m, v->name.domain, v->name.item, &ref) || !may(who, AZ_VIEW, &ref))
		return MMS_DAE_OBJECT_NON_EXISTENT;
	*named = ref;
	/* a command without CONTROL is refused by the control model itself,
	 * with LastApplError No-access-authority (write_ctl) */
	if (ref.fc != FC_CO && !may(who, authz_write_right(ref.fc), &ref))
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	const struct mtype *t = ref.type;
	uint32_t voff = ref.voff;
	if (v->n_alt && v->alt[v->n_alt - 1].kind == MMS_ALT_RANGE)
		return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
	int code = apply_alt(v, v->n_alt, &t, &voff);
	if (code)
		return code;
	if (au) {
		struct buf data;
		buf_init(&data, 0, 0);
		model_encode_data(m, t, voff, &data);
		if (!data.err)
			audit_json(&au->old, buf_data(&data), data.len);
		buf_clear(&data);
		au->fc = ref.fc;
	}
	/* IEC 61850-7-2 §6.2.1: the FC decides (model.h, model_fc_write); a
	 * whole LN spans FCs and is denied with the read-only ones. */
	switch (model_fc_write(ref.fc)) {
	case MODEL_FCW_PLAIN:
		break;
	case MODEL_FCW_SERVICE:
		if (service_write[ref.fc]) {
			code = service_write[ref.fc](m, who, &ref, t, voff, dc, d, wait);
			if (code != ACSI_WRITE_NOT_MINE)
				return code;
		}
		/* No service acts on it yet: only what a map row with w carries
		 * to a source is accepted (a user's Oper.ctlVal row, --simulate's
		 * control echo); anything else is object-access-unsupported and
		 * nothing is stored. A structure is accepted when at least one
		 * attribute inside it is carried: a client writes Oper as a whole
		 * (IEC 61850-8-1 §20: ctlVal, origin, ctlNum, T, Test, Check), so
		 * a whole-Oper write whose ctlVal is mapped must work; the carried
		 * attributes reach their sources and the rest is stored with them,
		 * as the command's parameters. */
		if (!model_write_hooked(m, voff, t->size))
			return MMS_DAE_OBJECT_ACCESS_UNSUPPORTED;
		break;
	default:
		return MMS_DAE_OBJECT_ACCESS_DENIED;
	}
	/* stores the value and passes mapped attributes on to their source
	 * (the write hooks pv installed; update.h) */
	return model_write(m, t, voff, dc, d, wait);
}

static void item_answered(void *ctx, int dae)
{
	struct acsi_write_item *it = ctx;
	struct acsi_write_job *job = it->job;
	it->code = dae ? dae : MMS_DAE_SUCCESS;
	if (!dae && it->setting.type)
		setting_written(it->setting_m, &it->setting);
	if (--job->outstanding == 0 && job->done)
		job->done(job->ctx, job);
}

void acsi_write_job_encode(const struct acsi_write_job *job, struct buf *resp)
{
	struct mms_marks mk;
	mms_write_resp_begin(resp, job->invoke_id, &mk);
	for (uint32_t i = 0; i < job->n_items; i++)
		mms_write_result(resp, job->items[i].code);
	mms_write_resp_end(resp, &mk);
}

/* One audit record for a Write item (controls have their own: the CO
 * structures are recorded by the control service). */
static void audit_write(const struct acsi_caller *who, const struct mms_varspec *v,
			const struct ber_tlv *d, struct write_audit *au, int code)
{
	if (au->fc == FC_CO && code != MMS_DAE_OBJECT_NON_EXISTENT)
		return;
	char ref[300];
	snprintf(ref, sizeof(ref), "%s/%s%s", v->name.domain, v->name.item,
		 v->n_alt ? " (alternate access)" : "");
	struct buf nv;
	buf_init(&nv, 0, 0);
	audit_json(&nv, d->start, (size_t)(d->val + d->len - d->start));
	bool ok = code == 0 || code == MODEL_WRITE_PENDING;
	const struct acsi_audit_rec r = {
		.kind = ACSI_AUDIT_WRITE, .peer = who->client ? who->client->peer : NULL,
		.client = who->client && who->client->client[0] ? who->client->client : NULL,
		.action = "write", .ref = ref,
		.old_val = au->old.len ? (const char *)buf_data(&au->old) : NULL,
		.new_val = nv.err ? NULL : (const char *)buf_data(&nv), .ok = ok,
		.result = code == MODEL_WRITE_PENDING ? "passed to its source" :
			  code == 0 ? "success" : mms_dae_str(code),
	};
	acsi_audit(who->audit, &r);
	buf_clear(&nv);
}

int acsi_write(struct model *m, const struct mms_pdu *p, struct buf *resp,
	       struct acsi_write_job **jobp, const struct acsi_caller *who)
{
	struct mms_write_req q;
	struct mms_varspec v;
	struct ber_tlv d;
	uint32_t n = 0;
	int r;

	if (mms_write_req_decode(p->body, p->body_len, &q, NULL))
		return -EBADMSG;
	if (q.vas.is_list_name) {
		/* SetDataSetValues is not part of IEC 61850-8-1's mapping */
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_ACCESS,
					   MMS_ACCESS_OBJECT_ACCESS_UNSUPPORTED);
		return 0;
	}
	struct mms_vas check = q.vas;
	while ((r = mms_varlist_next(&check, &v, NULL)) > 0)
		n++;
	if (r < 0)
		return -EBADMSG;
	/* Results first, the response after: an item may wait for its source.
	 * The usual Write (a few items, none waiting) allocates nothing; a
	 * Write that waits moves to the heap. */
	_Alignas(struct acsi_write_job) unsigned char local[sizeof(struct acsi_write_job) +
							    8 * sizeof(struct acsi_write_item)];
	size_t size = sizeof(struct acsi_write_job) + (size_t)n * sizeof(struct acsi_write_item);
	struct acsi_write_job *job = size <= sizeof(local) ? (void *)local : malloc(size);
	if (!job) {
		mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_RESOURCE, MMS_RESOURCE_OTHER);
		return 0;
	}
	memset(job, 0, size);
	job->invoke_id = p->invoke_id;
	job->n_items = n;
	for (uint32_t i = 0; i < n && mms_varlist_next(&q.vas, &v, NULL) > 0; i++) {
		struct acsi_write_item *it = &job->items[i];
		if (ber_next(&q.data, &d, NULL)) {
			it->code = MMS_DAE_TYPE_INCONSISTENT;
			continue;
		}
		struct write_audit au = { .fc = FC_NONE };
		if (who->audit)
			buf_init(&au.old, 0, 0);
		struct mref named = { 0 };
		int code = write_one(m, who, &v, &q.data, &d, jobp ? &it->wait : NULL,
				     who->audit ? &au : NULL, &named);
		if (who->audit) {
			audit_write(who, &v, &d, &au, code);
			buf_clear(&au.old);
		}
		if (code == MODEL_WRITE_PENDING) {
			job->outstanding++;
			if (is_setting_fc(named.fc)) {
				it->setting = named;
				it->setting_m = m;
			}
			continue;
		}
		if (!code)
			setting_written(m, &named);
		it->code = code ? code : MMS_DAE_SUCCESS;
	}
	if (!job->outstanding) {
		acsi_write_job_encode(job, resp);
		if (job != (void *)local)
			free(job);
		return 0;
	}
	if (job == (void *)local) {
		struct acsi_write_job *heap = malloc(size);
		if (!heap) {
			/* the sources still answer; nobody waits for them */
			for (uint32_t i = 0; i < n; i++)
				if (job->items[i].wait)
					model_write_wait_on(job->items[i].wait, NULL, NULL);
			mms_encode_confirmed_error(resp, p->invoke_id, MMS_ERR_RESOURCE,
						   MMS_RESOURCE_OTHER);
			return 0;
		}
		memcpy(heap, job, size);
		job = heap;
	}
	/* nothing answers before the loop runs again: register now */
	for (uint32_t i = 0; i < n; i++) {
		struct acsi_write_item *it = &job->items[i];
		it->job = job;
		if (it->wait)
			model_write_wait_on(it->wait, item_answered, it);
	}
	*jobp = job;
	return ACSI_DEFERRED;
}

/* ---- GetNamedVariableListAttributes ---- */

int acsi_get_nvl_attr(const struct model *m, const struct mms_pdu *p, struct buf *resp,
		      const struct acsi_caller *who)
{
	struct mms_objname on;
	struct mms_marks mk;
	size_t list;

	if (mms_nvl_attr_req_decode(p->body, p->body_len, &on, NULL))
		return -EBADMSG;
	const struct mdataset *ds = find_list(m, &on, who);
	if (!ds || !may_view_list(who, ds)) {
		access_error(resp, p->invoke_id, MMS_ACCESS_OBJECT_NON_EXISTENT);
		return 0;
	}
	mms_nvl_attr_resp_begin(resp, p->invoke_id, ds->deletable, &mk, &list);
	for (uint32_t i = 0; i < ds->n; i++)
		mms_nvl_attr_resp_add(resp, ds->members[i].ld->name, ds->members[i].mms_item);
	mms_nvl_attr_resp_end(resp, &mk, list);
	return 0;
}
