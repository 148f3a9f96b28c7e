/* SPDX-License-Identifier: Apache-2.0 */
/* The MMS services the iedc commands share: GetNameList with paging and
 * GetVariableAccessAttributes. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "iedc.h"

/* Far above any IED (a large substation server lists some 10^5 names). */
#define NAMES_MAX 5000000

int iedc_fail(struct client *c, int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->errmsg, sizeof(c->errmsg), fmt, ap);
	va_end(ap);
	return status;
}

void names_clear(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct names){ 0 };
}

static int names_add(struct names *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

int svc_name_list(struct client *c, int object_class, const char *domain, struct names *out)
{
	struct mms_getnamelist_req q = {
		.object_class = object_class,
		.scope = domain ? MMS_SCOPE_DOMAIN : MMS_SCOPE_VMD,
	};
	char what[128], name[MMS_MAX_ITEM + 1];
	const char *cls = object_class == MMS_CLASS_DOMAIN		? "domains" :
			  object_class == MMS_CLASS_NAMED_VARIABLE	? "named variables" :
			  object_class == MMS_CLASS_NAMED_VARIABLE_LIST ? "named variable lists" :
									  "objects";
	if (domain) {
		snprintf(q.domain, sizeof(q.domain), "%s", domain);
		snprintf(what, sizeof(what), "GetNameList of the %s of %s", cls, domain);
	} else {
		snprintf(what, sizeof(what), "GetNameList of the %s", cls);
	}
	for (;;) {
		struct buf pdu;
		struct mms_pdu p;
		struct mms_namelist_resp nl;
		struct proto_err err = { 0 };
		uint32_t id = c->next_invoke++;
		int r;

		buf_init(&pdu, ISO_HEADROOM, 0);
		mms_client_getnamelist_req(&pdu, id, &q);
		r = client_call(c, &pdu, id, MMS_SVC_GET_NAME_LIST, what, &p);
		buf_clear(&pdu);
		if (r)
			return r;
		if (mms_client_namelist_decode(p.body, p.body_len, &nl, &err))
			return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s: %s", c->peer,
					 what, err.layer, err.reason);
		size_t before = out->n;
		while ((r = mms_client_namelist_next(&nl, name, &err)) == 1)
			if (names_add(out, name))
				return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
		/* a server that never stops paging must not exhaust memory */
		if (out->n > NAMES_MAX)
			return iedc_fail(c, IEDC_PROTOCOL, "%s: %s: more than %d names", c->peer,
					 what, NAMES_MAX);
		if (!nl.more_follows)
			return IEDC_OK;
		/* ISO 9506-2 §10.5.1.2: ask again after the last name received */
		if (out->n == before)
			return iedc_fail(c, IEDC_PROTOCOL, "%s: %s: moreFollows with no names",
					 c->peer, what);
		const char *last = out->v[out->n - 1];
		if (q.has_continue_after && !strcmp(q.continue_after, last))
			return iedc_fail(c, IEDC_PROTOCOL,
					 "%s: %s: the server repeats the list after '%s'", c->peer,
					 what, last);
		q.has_continue_after = true;
		snprintf(q.continue_after, sizeof(q.continue_after), "%s", last);
	}
}

int svc_type(struct client *c, const struct mms_objname *name, const char *ref,
	     struct mms_typespec **type)
{
	struct buf pdu;
	struct mms_pdu p;
	struct proto_err err = { 0 };
	char what[300];
	bool deletable;
	uint32_t id = c->next_invoke++;

	snprintf(what, sizeof(what), "GetVariableAccessAttributes of %s", ref);
	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_client_gvaa_req(&pdu, id, name);
	int r = client_call(c, &pdu, id, MMS_SVC_GET_VAR_ACCESS_ATTR, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	r = mms_client_gvaa_decode(p.body, p.body_len, NULL, &deletable, type, &err);
	if (r == -ENOMEM)
		return iedc_fail(c, IEDC_PROTOCOL, "out of memory");
	if (r)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s: %s", c->peer, what,
				 err.layer, err.reason);
	return IEDC_OK;
}

int svc_read_one(struct client *c, const struct mms_objname *name, const char *what,
		 struct mms_access_result *a)
{
	struct buf pdu;
	struct mms_pdu p;
	struct mms_read_resp rr;
	struct proto_err err = { 0 };
	uint32_t id = c->next_invoke++;

	buf_init(&pdu, ISO_HEADROOM, 0);
	mms_client_read_req(&pdu, id, name, 1);
	int r = client_call(c, &pdu, id, MMS_SVC_READ, what, &p);
	buf_clear(&pdu);
	if (r)
		return r;
	if (mms_client_read_decode(p.body, p.body_len, &rr, &err) ||
	    mms_client_read_next(&rr, a, &err) != 1 || rr.count != 1)
		return iedc_fail(c, IEDC_PROTOCOL, "%s: bad answer to %s: %s", c->peer, what,
				 err.layer ? err.reason : "not one result for one variable");
	return IEDC_OK;
}
