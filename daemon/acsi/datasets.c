/* SPDX-License-Identifier: Apache-2.0 */
/* DefineNamedVariableList / DeleteNamedVariableList (datasets.h). */
#include "datasets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mms_access.h"
#include "mms_codes.h"
#include "mms_nvl.h"
#include "goose_svc.h"
#include "report.h"

static uint32_t lim_or(uint32_t v, uint32_t d)
{
	return v ? v : d;
}

static void fail(struct buf *resp, uint32_t invoke, int cls, int code)
{
	buf_reset(resp, resp->head);
	mms_encode_confirmed_error(resp, invoke, cls, code);
}

/* One member from its variable specification: a domain-specific name,
 * optionally an array index followed by components (8-1 §14.2.2). */
static int member_of(const struct model *m, const struct mms_varspec *v, struct mfcda *f)
{
	if (v->name.scope != MMS_SCOPE_DOMAIN)
		return -EINVAL;
	int32_t ix = -1;
	char alt[sizeof(f->alt_item)] = "";
	size_t used = 0;
	for (uint32_t i = 0; i < v->n_alt; i++) {
		const struct mms_alt_step *s = &v->alt[i];
		if (i == 0 && s->kind == MMS_ALT_INDEX && s->index <= INT32_MAX) {
			ix = (int32_t)s->index;
			continue;
		}
		if (i == 0 || s->kind != MMS_ALT_COMPONENT)
			return -EINVAL;
		size_t n = strlen(s->component);
		if (used + n + 2 > sizeof(alt))
			return -EINVAL;
		if (used)
			alt[used++] = '$';
		memcpy(alt + used, s->component, n + 1);
		used += n;
	}
	return model_fcda_from_mms(m, v->name.domain, v->name.item, ix, alt, f);
}

int acsi_define_nvl(struct model *m, struct acsi_reports *R, const struct acsi_ds_limits *lim,
		    const void *owner, const struct mms_pdu *p, struct buf *resp)
{
	struct mms_definenvl_req q;
	struct mms_varspec v;
	int r;

	if (mms_definenvl_req_decode(p->body, p->body_len, &q, NULL))
		return -EBADMSG;
	struct mms_vas check = q.vars;
	uint32_t n = 0;
	while ((r = mms_varlist_next(&check, &v, NULL)) > 0)
		n++;
	if (r < 0)
		return -EBADMSG;
	uint32_t inv = p->invoke_id;
	const struct acsi_ds_limits none = { 0 };
	if (!lim)
		lim = &none;
	if (!m) {
		fail(resp, inv, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_UNDEFINED);
		return 0;
	}
	const struct mld *ld = NULL;
	switch (q.name.scope) {
	case MMS_SCOPE_DOMAIN:
		ld = model_find_ld(m, q.name.domain);
		if (!ld) {
			fail(resp, inv, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_UNDEFINED);
			return 0;
		}
		if (model_ld_n_dynamic(ld) >= lim_or(lim->max_ld_sets, ACSI_DS_MAX_LD_SETS)) {
			fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_CAPABILITY_UNAVAILABLE);
			return 0;
		}
		break;
	case MMS_SCOPE_AA:
		if (!owner) {
			fail(resp, inv, MMS_ERR_ACCESS, MMS_ACCESS_OBJECT_ACCESS_UNSUPPORTED);
			return 0;
		}
		if (model_aa_n_datasets(m, owner) >= lim_or(lim->max_aa_sets, ACSI_DS_MAX_AA_SETS)) {
			fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_CAPABILITY_UNAVAILABLE);
			return 0;
		}
		break;
	default:
		fail(resp, inv, MMS_ERR_ACCESS, MMS_ACCESS_OBJECT_ACCESS_UNSUPPORTED);
		return 0;
	}
	if (!n) {
		fail(resp, inv, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_UNDEFINED);
		return 0;
	}
	if (n > lim_or(lim->max_members, ACSI_DS_MAX_MEMBERS)) {
		fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_CAPABILITY_UNAVAILABLE);
		return 0;
	}
	struct mfcda *f = calloc(n, sizeof(*f));
	if (!f) {
		fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_MEMORY_UNAVAILABLE);
		return 0;
	}
	for (uint32_t i = 0; i < n && mms_varlist_next(&q.vars, &v, NULL) > 0; i++) {
		r = member_of(m, &v, &f[i]);
		if (r) {
			free(f);
			fail(resp, inv, MMS_ERR_DEFINITION,
			     r == -ENOENT ? MMS_DEFINITION_OBJECT_UNDEFINED :
					    MMS_DEFINITION_OBJECT_ATTRIBUTE_INCONSISTENT);
			return 0;
		}
	}
	const struct mdataset *ds;
	r = model_dataset_add(m, ld, ld ? NULL : owner, q.name.item, f, n, &ds);
	free(f);
	switch (r) {
	case 0:
		mms_definenvl_resp_encode(resp, inv);
		if (ld)
			acsi_reports_dataset_defined(R, ds); /* kept across a restart */
		break;
	case -EEXIST:
		fail(resp, inv, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_EXISTS);
		break;
	case -ENOMEM:
		fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_MEMORY_UNAVAILABLE);
		break;
	default: /* -EINVAL, -ENOENT: the name */
		fail(resp, inv, MMS_ERR_DEFINITION, MMS_DEFINITION_OBJECT_UNDEFINED);
		break;
	}
	return 0;
}

/* 0 deleted; else why not, as an access code. */
static int try_delete(struct model *m, struct acsi_reports *R, const struct acsi_gpub *G,
		      const void *owner, const struct mdataset *ds)
{
	if (!ds->deletable || (ds->owner && ds->owner != owner) || acsi_reports_uses_dataset(R, ds) ||
	    acsi_gpub_uses_dataset(G, ds))
		return MMS_ACCESS_OBJECT_ACCESS_DENIED;
	char ld[sizeof(ds->ln->ld->name)] = "", name[sizeof(ds->name)];
	bool domain = !ds->owner && ds->ln;
	if (domain)
		memcpy(ld, ds->ln->ld->name, sizeof(ld));
	memcpy(name, ds->name, sizeof(name));
	if (model_dataset_remove(m, ds))
		return MMS_ACCESS_OBJECT_ACCESS_DENIED;
	if (domain)
		acsi_reports_dataset_deleted(R, ld, name);
	return 0;
}

static const struct mdataset *lookup(const struct model *m, const void *owner,
				     const struct mms_objname *on)
{
	if (on->scope == MMS_SCOPE_AA)
		return owner ? model_find_aa_dataset(m, owner, on->item) : NULL;
	if (on->scope != MMS_SCOPE_DOMAIN)
		return NULL;
	const struct mld *ld = model_find_ld(m, on->domain);
	return ld ? model_find_dataset(ld, on->item) : NULL;
}

/* Deletes what it may of the sets listed by (n, at); returns deleted. */
static uint32_t delete_all(struct model *m, struct acsi_reports *R, const struct acsi_gpub *G,
			   const void *owner, const struct mdataset **list, uint32_t n)
{
	uint32_t deleted = 0;
	for (uint32_t i = 0; i < n; i++)
		if (!try_delete(m, R, G, owner, list[i]))
			deleted++;
	return deleted;
}

int acsi_delete_nvl(struct model *m, struct acsi_reports *R, const struct acsi_gpub *G,
		    const void *owner, const struct mms_pdu *p, struct buf *resp)
{
	struct mms_deletenvl_req q;
	uint32_t inv = p->invoke_id, matched = 0, deleted = 0;

	if (mms_deletenvl_req_decode(p->body, p->body_len, &q, NULL))
		return -EBADMSG;
	if (!m) {
		mms_deletenvl_resp_encode(resp, inv, 0, 0);
		return 0;
	}
	if (q.scope == 0) {
		if (q.n > MMS_DELNVL_MAX) {
			fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_CAPABILITY_UNAVAILABLE);
			return 0;
		}
		if (q.n == 1) {
			const struct mdataset *ds = lookup(m, owner, &q.names[0]);
			int code = ds ? try_delete(m, R, G, owner, ds) : MMS_ACCESS_OBJECT_NON_EXISTENT;
			if (code)
				fail(resp, inv, MMS_ERR_ACCESS, code);
			else
				mms_deletenvl_resp_encode(resp, inv, 1, 1);
			return 0;
		}
		for (uint32_t i = 0; i < q.n; i++) {
			const struct mdataset *ds = lookup(m, owner, &q.names[i]);
			if (!ds)
				continue;
			matched++;
			if (!try_delete(m, R, G, owner, ds))
				deleted++;
		}
		mms_deletenvl_resp_encode(resp, inv, matched, deleted);
		return 0;
	}
	/* a whole scope: collect first (deleting changes the lists) */
	const struct mdataset **list = NULL;
	uint32_t n = 0;
	if (q.scope == 1 && owner) {
		n = model_aa_n_datasets(m, owner);
		list = calloc(n ? n : 1, sizeof(*list));
		for (uint32_t i = 0; list && i < n; i++)
			list[i] = model_aa_dataset(m, owner, i);
	} else if (q.scope == 2 || q.scope == 3) {
		for (uint32_t l = 0; l < m->n_ld; l++) {
			const struct mld *ld = &m->lds[l];
			if (q.scope == 2 && (!q.has_domain || strcmp(ld->name, q.domain)))
				continue;
			uint32_t k = model_ld_n_datasets(ld);
			const struct mdataset **grown = realloc(list, (n + k + 1) * sizeof(*list));
			if (!grown) {
				free(list);
				list = NULL;
				break;
			}
			list = grown;
			for (uint32_t i = 0; i < k; i++)
				list[n++] = model_ld_dataset(ld, i);
		}
		if (!list && !n)
			list = calloc(1, sizeof(*list));
	}
	if (!list && (q.scope == 1 ? owner != NULL : q.scope == 2 || q.scope == 3)) {
		fail(resp, inv, MMS_ERR_RESOURCE, MMS_RESOURCE_MEMORY_UNAVAILABLE);
		return 0;
	}
	matched = n;
	deleted = delete_all(m, R, G, owner, list, n);
	free(list);
	mms_deletenvl_resp_encode(resp, inv, matched, deleted);
	return 0;
}
