/* SPDX-License-Identifier: Apache-2.0 */
/* The client side of MMS (mms_client.h): request PDUs and the decoding of
 * their answers, and IEC 61850 references to MMS names (objref.h). The
 * type descriptions are mms_typespec.c's, Data as text mms_data_text.c's. */
#include "mms_client_priv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objref.h"

/* ---- requests ---- */

void mms_client_getnamelist_req(struct buf *b, uint32_t invoke_id,
				const struct mms_getnamelist_req *q)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_GET_NAME_LIST, &m);
	/* objectClass [0] ObjectClass: basicObjectClass [0] IMPLICIT INTEGER */
	size_t c = ber_begin(b, CTXC, 0);
	ber_put_int(b, CTX, 0, q->object_class);
	ber_end(b, c);
	/* objectScope [1] CHOICE { vmdSpecific [0] NULL, domainSpecific [1]
	 * Identifier, aaSpecific [2] NULL } */
	size_t s = ber_begin(b, CTXC, 1);
	if (q->scope == MMS_SCOPE_DOMAIN)
		ber_put_str(b, CTX, MMS_SCOPE_DOMAIN, q->domain);
	else
		ber_put_null(b, CTX, q->scope);
	ber_end(b, s);
	if (q->has_continue_after)
		ber_put_str(b, CTX, 2, q->continue_after);
	mms_end_confirmed(b, &m);
}

void mms_client_gvaa_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *name)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_GET_VAR_ACCESS_ATTR, &m);
	size_t n = ber_begin(b, CTXC, 0); /* name [0] ObjectName */
	mms_objname_encode(b, name);
	ber_end(b, n);
	mms_end_confirmed(b, &m);
}

/* listOfVariable [0] SEQUENCE OF SEQUENCE { variableSpecification name [0] } */
static void put_list_of_variable(struct buf *b, const struct mms_objname *names, size_t n)
{
	size_t list = ber_begin(b, CTXC, 0);
	for (size_t i = 0; i < n; i++) {
		size_t s = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		size_t v = ber_begin(b, CTXC, 0);
		mms_objname_encode(b, &names[i]);
		ber_end(b, v);
		ber_end(b, s);
	}
	ber_end(b, list);
}

void mms_client_read_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *names,
			 size_t n)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_READ, &m);
	/* specificationWithResult DEFAULT FALSE: omitted */
	size_t vas = ber_begin(b, CTXC, 1);
	put_list_of_variable(b, names, n);
	ber_end(b, vas);
	mms_end_confirmed(b, &m);
}

void mms_client_read_nvl_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *list)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_READ, &m);
	size_t vas = ber_begin(b, CTXC, 1);
	size_t ln = ber_begin(b, CTXC, 1); /* variableListName [1] ObjectName */
	mms_objname_encode(b, list);
	ber_end(b, ln);
	ber_end(b, vas);
	mms_end_confirmed(b, &m);
}

void mms_client_write_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *name,
			  const uint8_t *data, size_t len)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_WRITE, &m);
	/* Write-Request: the VariableAccessSpecification is untagged here */
	put_list_of_variable(b, name, 1);
	size_t d = ber_begin(b, CTXC, 0); /* listOfData [0] */
	buf_put(b, data, len);
	ber_end(b, d);
	mms_end_confirmed(b, &m);
}

void mms_client_nvl_attr_req(struct buf *b, uint32_t invoke_id, const struct mms_objname *list)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_GET_NVL_ATTR, &m);
	mms_objname_encode(b, list);
	mms_end_confirmed(b, &m);
}


/* ---- answers ---- */

int mms_client_check(const struct mms_pdu *p, uint32_t invoke_id, uint32_t service,
		     struct mms_client_refusal *ref, struct proto_err *err)
{
	struct mms_client_refusal x = { .kind = p->kind };
	int r;

	if (p->kind == MMS_CONFIRMED_ERROR || p->kind == MMS_REJECT) {
		if (p->has_invoke_id && p->invoke_id != invoke_id)
			return proto_fail(err, L, "%s for invokeID %u, expected %u",
					  p->kind == MMS_REJECT ? "Reject" : "confirmed-error",
					  p->invoke_id, invoke_id);
		if (p->kind == MMS_CONFIRMED_ERROR) {
			if (p->service != 2) /* serviceError [2] */
				return proto_fail(err, L, "confirmed-error without serviceError");
			if ((r = mms_service_error_decode(p->body, p->body_len, &x.error_class,
							  &x.code, err)))
				return r;
		} else {
			struct ber_tlv t = { .val = p->body, .len = p->body_len };
			int64_t v;
			if ((r = ber_get_int_range(&t, 0, INT32_MAX, &v, err)))
				return proto_relayer(err, L, r);
			x.error_class = (int)p->service;
			x.code = (int)v;
		}
		if (ref)
			*ref = x;
		return -EREMOTEIO;
	}
	if (p->kind != MMS_CONFIRMED_RESPONSE)
		return proto_fail(err, L, "unexpected PDU type %u instead of a confirmed response",
				  p->kind);
	if (p->invoke_id != invoke_id)
		return proto_fail(err, L, "response for invokeID %u, expected %u", p->invoke_id,
				  invoke_id);
	if (p->service != service)
		return proto_fail(err, L, "response of service %u, expected %u", p->service,
				  service);
	return 0;
}

const char *mms_client_refusal_str(const struct mms_client_refusal *ref, char *out, size_t n)
{
	const char *cls, *code = NULL;

	if (ref->kind == MMS_REJECT) {
		char c1[32], c2[16];
		cls = mms_reject_str(ref->error_class);
		code = mms_reject_code_str(ref->error_class, ref->code);
		snprintf(c1, sizeof(c1), "rejectReason %d", ref->error_class);
		snprintf(c2, sizeof(c2), "%d", ref->code);
		snprintf(out, n, "Reject: %s: %s", cls ? cls : c1, code ? code : c2);
		return out;
	}
	cls = mms_error_class_str(ref->error_class);
	code = mms_error_code_str(ref->error_class, ref->code);
	if (cls && code)
		snprintf(out, n, "%s: %s", cls, code);
	else if (cls)
		snprintf(out, n, "%s: %d", cls, ref->code);
	else
		snprintf(out, n, "errorClass %d: %d", ref->error_class, ref->code);
	return out;
}

const char *mms_dae_name(int code)
{
	static char other[40];
	const char *s = mms_dae_str(code);
	if (s)
		return s;
	snprintf(other, sizeof(other), "data-access-error-%d", code);
	return other;
}

int mms_client_namelist_decode(const uint8_t *body, size_t len, struct mms_namelist_resp *out,
			       struct proto_err *err)
{
	struct ber_cur c, k;
	struct ber_tlv t;
	char tmp[MMS_MAX_ITEM + 1];
	int r;

	memset(out, 0, sizeof(*out));
	out->more_follows = true; /* DEFAULT TRUE */
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTXC, 0, &t, "listOfIdentifier", err)) ||
	    (r = ber_enter(&c, &t, &out->names, err)))
		return proto_relayer(err, L, r);
	k = out->names;
	while ((r = ber_next(&k, &t, err)) == 0) {
		if (!ber_is(&t, BER_UNIVERSAL, BER_TAG_VisibleString))
			return proto_fail(err, L, "name %u is not a VisibleString", out->count + 1);
		if ((r = ber_get_visible(&t, tmp, sizeof(tmp), err)))
			return proto_relayer(err, L, r);
		out->count++;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if ((r = ber_next(&c, &t, err)) == 0) {
		if (!ber_is(&t, CTX, 1))
			return proto_fail(err, L, "unexpected element after listOfIdentifier");
		if ((r = ber_get_bool(&t, &out->more_follows, err)))
			return proto_relayer(err, L, r);
		r = ber_next(&c, &t, err);
		if (r == 0)
			return proto_fail(err, L, "unexpected element after moreFollows");
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	return 0;
}

int mms_client_namelist_next(struct mms_namelist_resp *r, char name[MMS_MAX_ITEM + 1],
			     struct proto_err *err)
{
	struct ber_tlv t;
	int e = ber_next(&r->names, &t, err);
	if (e == -ENODATA)
		return 0;
	if (!e && !ber_is(&t, BER_UNIVERSAL, BER_TAG_VisibleString))
		e = proto_fail(err, L, "name is not a VisibleString");
	if (!e)
		e = ber_get_visible(&t, name, MMS_MAX_ITEM + 1, err);
	return e ? proto_relayer(err, L, e) : 1;
}

int mms_client_read_decode(const uint8_t *body, size_t len, struct mms_read_resp *out,
			   struct proto_err *err)
{
	struct ber_cur c, k;
	struct ber_tlv t;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty Read response") : r);
	if (ber_is(&t, CTXC, 0) && (r = ber_next(&c, &t, err))) /* the echoed specification */
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "Read response without listOfAccessResult") : r);
	if (!ber_is(&t, CTXC, 1))
		return proto_fail(err, L, "Read response without listOfAccessResult");
	if ((r = ber_enter(&c, &t, &out->results, err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after listOfAccessResult");
	k = out->results;
	while ((r = ber_next(&k, &t, err)) == 0)
		out->count++;
	return r == -ENODATA ? 0 : proto_relayer(err, L, r);
}

int mms_client_read_next(struct mms_read_resp *rr, struct mms_access_result *out,
			 struct proto_err *err)
{
	struct ber_tlv t;
	int64_t v;
	int r = ber_next(&rr->results, &t, err);

	if (r == -ENODATA)
		return 0;
	if (r)
		return proto_relayer(err, L, r);
	memset(out, 0, sizeof(*out));
	if (ber_is(&t, CTX, 0)) {
		if ((r = ber_get_int_range(&t, 0, INT32_MAX, &v, err)))
			return proto_relayer(err, L, r);
		out->failure = (int)v;
		return 1;
	}
	if (t.cls != BER_CONTEXT || t.tag < MMS_TYPE_ARRAY || t.tag > MMS_TYPE_UTC_TIME ||
	    t.tag == 8)
		return proto_fail(err, L, "AccessResult with tag %u is neither failure nor Data",
				  t.tag);
	out->failure = MMS_DAE_SUCCESS;
	out->data = t.start;
	out->len = (size_t)(t.val + t.len - t.start);
	return 1;
}

int mms_client_write_decode(const uint8_t *body, size_t len, int *results, size_t max,
			    size_t *n, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int64_t v;
	int r;

	*n = 0;
	ber_cur_init(&c, body, len);
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (*n == max)
			return proto_fail(err, L, "more than %zu results in the Write response", max);
		if (ber_is(&t, CTX, 0)) {
			if ((r = ber_get_int_range(&t, 0, INT32_MAX, &v, err)))
				return proto_relayer(err, L, r);
			results[(*n)++] = (int)v;
		} else if (ber_is(&t, CTX, 1) && t.len == 0) {
			results[(*n)++] = MMS_DAE_SUCCESS;
		} else {
			return proto_fail(err, L, "Write result with tag %u", t.tag);
		}
	}
	return r == -ENODATA ? 0 : proto_relayer(err, L, r);
}

int mms_client_nvl_attr_decode(const uint8_t *body, size_t len, struct mms_nvl_attr_resp *out,
			       struct proto_err *err)
{
	struct ber_cur c, k;
	struct ber_tlv t;
	int r;

	memset(out, 0, sizeof(*out));
	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTX, 0, &t, "mmsDeletable", err)) ||
	    (r = ber_get_bool(&t, &out->deletable, err)) ||
	    (r = ber_expect(&c, CTXC, 1, &t, "listOfVariable", err)) ||
	    (r = ber_enter(&c, &t, &out->vars.vars, err)))
		return proto_relayer(err, L, r);
	/* accessControlList [2] (ISO 9506-2:2003) may follow: not used */
	k = out->vars.vars;
	while ((r = ber_next(&k, &t, err)) == 0)
		out->vars.n_vars++;
	return r == -ENODATA ? 0 : proto_relayer(err, L, r);
}


/* ---- references: objref.h parses and formats ---- */

bool mms_is_fc(const char *s, size_t len)
{
	return mms_fc_parse(s, len) != FC_NONE;
}

static int objref_fail_client(struct proto_err *err, const char *why)
{
	if (err) {
		err->layer = "reference";
		snprintf(err->reason, sizeof(err->reason), "%s", why);
	}
	return -EINVAL;
}

int mms_ref_parse(const char *ref, struct mms_objname *out, struct proto_err *err)
{
	struct objref r;
	int e = objref_parse(ref, &r, err);

	memset(out, 0, sizeof(*out));
	out->scope = MMS_SCOPE_DOMAIN;
	if (e)
		return e;
	/* An MMS name addresses no array element (IEC 61850-8-1 §14.2.2:
	 * that is AlternateAccess, which these requests do not send). */
	if (r.indexed)
		return objref_fail_client(err, "array elements are not supported: read the whole "
					  "array, or write LD/LN$FC$DO$DA for the attribute");
	if (!r.item[0])
		return objref_fail_client(err, "a dotted reference needs its [FC], as in "
					  "LD/LN.DO.DA[ST]; or use the MMS form LD/LN$FC$DO$DA");
	memcpy(out->domain, r.ld, sizeof(out->domain));
	memcpy(out->item, r.item, sizeof(out->item));
	return 0;
}

const char *mms_ref_format(const struct mms_objname *name, char *out, size_t n)
{
	if (n == 0)
		return out;
	if (name->scope == MMS_SCOPE_AA) {
		/* "@" marks an association-specific name */
		if (n < 2) {
			out[0] = 0;
			return out;
		}
		out[0] = '@';
		objref_format(NULL, name->item, out + 1, n - 1);
		return out;
	}
	return objref_format(name->scope == MMS_SCOPE_DOMAIN ? name->domain : NULL, name->item,
			     out, n);
}
