/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_access.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define L "mms"

static int get_ident(const struct ber_tlv *t, char *out, size_t n, const char *what,
		     struct proto_err *err)
{
	if (t->len >= n)
		return proto_fail(err, L, "%s of %zu characters (at most %zu)", what, t->len, n - 1);
	int r = ber_get_visible(t, out, n, err);
	return proto_relayer(err, L, r);
}

int mms_objname_decode(const struct ber_cur *parent, const struct ber_tlv *t,
		       struct mms_objname *o, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;

	memset(o, 0, sizeof(*o));
	if (t->cls != BER_CONTEXT || t->tag > 2)
		return proto_fail(err, L, "ObjectName with tag %u", t->tag);
	o->scope = (uint8_t)t->tag;
	if (t->tag != MMS_SCOPE_DOMAIN) {
		if (t->constructed)
			return proto_fail(err, L, "ObjectName identifier is constructed");
		return get_ident(t, o->item, sizeof(o->item), "item name", err);
	}
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_VisibleString, &f, "domainId", err)) ||
	    (r = get_ident(&f, o->domain, sizeof(o->domain), "domain name", err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_VisibleString, &f, "itemId", err)) ||
	    (r = get_ident(&f, o->item, sizeof(o->item), "item name", err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after itemId");
	return 0;
}

void mms_objname_encode(struct buf *b, const struct mms_objname *n)
{
	if (n->scope == MMS_SCOPE_DOMAIN) {
		size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
		ber_put_str(b, BER_UNIVERSAL, BER_TAG_VisibleString, n->domain);
		ber_put_str(b, BER_UNIVERSAL, BER_TAG_VisibleString, n->item);
		ber_end(b, m);
	} else {
		ber_put_str(b, BER_CONTEXT, n->scope, n->item);
	}
}

int mms_getnamelist_req_decode(const uint8_t *body, size_t len, struct mms_getnamelist_req *q,
			       struct proto_err *err)
{
	struct ber_cur c, s;
	struct ber_tlv t, f;
	int64_t v;
	int r;
	bool have_class = false, have_scope = false;

	memset(q, 0, sizeof(*q));
	ber_cur_init(&c, body, len);
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 0)) {
			if ((r = ber_enter(&c, &t, &s, err)) ||
			    (r = ber_expect(&s, BER_CONTEXT, 0, &f, "basicObjectClass", err)) ||
			    (r = ber_get_int_range(&f, 0, 127, &v, err)))
				return proto_relayer(err, L, r);
			q->object_class = (int)v;
			have_class = true;
		} else if (ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 1)) {
			if ((r = ber_enter(&c, &t, &s, err)) || (r = ber_next(&s, &f, err)))
				return proto_relayer(err, L, r == -ENODATA ?
						     proto_fail(err, L, "empty objectScope") : r);
			if (f.cls != BER_CONTEXT || f.tag > 2 || f.constructed)
				return proto_fail(err, L, "objectScope with tag %u", f.tag);
			q->scope = (uint8_t)f.tag;
			if (f.tag == MMS_SCOPE_DOMAIN &&
			    (r = get_ident(&f, q->domain, sizeof(q->domain), "domain name", err)))
				return r;
			have_scope = true;
		} else if (ber_is(&t, BER_CONTEXT, 2)) {
			if ((r = get_ident(&t, q->continue_after, sizeof(q->continue_after),
					   "continueAfter", err)))
				return r;
			q->has_continue_after = true;
		}
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (!have_class || !have_scope)
		return proto_fail(err, L, "GetNameList without %s", have_class ? "objectScope" :
										    "objectClass");
	return 0;
}

/* Octets the response envelope needs besides the names: confirmed-response
 * and invokeID, service and list headers with long lengths, moreFollows. */
#define NAMELIST_OVERHEAD 24

void mms_namelist_begin(struct buf *b, uint32_t invoke_id, size_t max_pdu,
			struct mms_namelist_enc *e)
{
	memset(e, 0, sizeof(*e));
	e->limit = max_pdu > NAMELIST_OVERHEAD ? max_pdu - NAMELIST_OVERHEAD : 0;
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_GET_NAME_LIST, &e->m);
	e->list = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
}

bool mms_namelist_add(struct buf *b, struct mms_namelist_enc *e, const char *name, size_t len)
{
	size_t need = 1 + ber_len_size(len) + len;
	if (b->len - e->m.outer + need > e->limit)
		return false;
	ber_put_hdr(b, BER_UNIVERSAL, BER_TAG_VisibleString, len);
	buf_put(b, name, len);
	e->count++;
	return true;
}

void mms_namelist_end(struct buf *b, struct mms_namelist_enc *e, bool more_follows)
{
	ber_end(b, e->list);
	ber_put_bool(b, BER_CONTEXT, 1, more_follows);
	mms_end_confirmed(b, &e->m);
}

int mms_gvaa_req_decode(const uint8_t *body, size_t len, struct mms_objname *out,
			struct proto_err *err)
{
	struct ber_cur c, s;
	struct ber_tlv t, f;
	int r;

	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty request") : r);
	if (ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 1))
		return proto_fail(err, L, "access by address is not supported");
	if (!ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 0))
		return proto_fail(err, L, "GetVariableAccessAttributes without a name");
	if ((r = ber_enter(&c, &t, &s, err)) || (r = ber_next(&s, &f, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty name") : r);
	return mms_objname_decode(&s, &f, out, err);
}

void mms_gvaa_resp_encode(struct buf *b, uint32_t invoke_id, const uint8_t *typedesc,
			  size_t typedesc_len)
{
	struct mms_marks m;
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_GET_VAR_ACCESS_ATTR, &m);
	ber_put_bool(b, BER_CONTEXT, 0, false);	/* mmsDeletable */
	ber_put_hdr(b, BER_CONTEXT | BER_CONSTRUCTED, 2, typedesc_len);
	buf_put(b, typedesc, typedesc_len);
	mms_end_confirmed(b, &m);
}

/* AlternateAccessSelection: selectAlternateAccess [0] { accessSelection,
 * alternateAccess } or selectAccess (component [1], index [2], indexRange
 * [3], allElements [4]). */
static int parse_alt(const struct ber_cur *parent, const struct ber_tlv *alt,
		     struct mms_varspec *v, struct proto_err *err);

static int parse_selection(struct ber_cur *c, const struct ber_tlv *t, uint8_t base,
			   struct mms_varspec *v, struct proto_err *err)
{
	struct ber_cur s;
	struct ber_tlv f;
	uint64_t u;
	int r;

	if (v->n_alt == MMS_MAX_ALT)
		return proto_fail(err, L, "alternate access deeper than %d", MMS_MAX_ALT);
	struct mms_alt_step *st = &v->alt[v->n_alt];
	memset(st, 0, sizeof(*st));
	switch (t->tag - base) {
	case 0: /* component */
		st->kind = MMS_ALT_COMPONENT;
		if ((r = get_ident(t, st->component, sizeof(st->component), "component", err)))
			return r;
		break;
	case 1: /* index */
		st->kind = MMS_ALT_INDEX;
		if ((r = ber_get_uint64(t, &u, err)) || u > UINT32_MAX)
			return proto_relayer(err, L, r ? r : proto_fail(err, L, "index too large"));
		st->index = (uint32_t)u;
		break;
	case 2: /* indexRange */
		st->kind = MMS_ALT_RANGE;
		if ((r = ber_enter(c, t, &s, err)) ||
		    (r = ber_expect(&s, BER_CONTEXT, 0, &f, "lowIndex", err)) ||
		    (r = ber_get_uint64(&f, &u, err)))
			return proto_relayer(err, L, r);
		st->index = (uint32_t)(u > UINT32_MAX ? UINT32_MAX : u);
		if ((r = ber_expect(&s, BER_CONTEXT, 1, &f, "numberOfElements", err)) ||
		    (r = ber_get_uint64(&f, &u, err)))
			return proto_relayer(err, L, r);
		st->count = (uint32_t)(u > UINT32_MAX ? UINT32_MAX : u);
		break;
	case 3:
		st->kind = MMS_ALT_ALL;
		break;
	default:
		return proto_fail(err, L, "alternate access selection [%u] not supported", t->tag);
	}
	v->n_alt++;
	return 0;
}

static int parse_alt(const struct ber_cur *parent, const struct ber_tlv *alt,
		     struct mms_varspec *v, struct proto_err *err)
{
	struct ber_cur c, s;
	struct ber_tlv t, f;
	int r;

	if ((r = ber_enter(parent, alt, &c, err)))
		return proto_relayer(err, L, r);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty alternate access") : r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "alternate access with several selections is not supported");
	if (t.cls != BER_CONTEXT)
		return proto_fail(err, L, "alternate access selection is not context-specific");
	if (t.tag == 0 && t.constructed) {
		/* selectAlternateAccess { accessSelection, alternateAccess } */
		if ((r = ber_enter(&c, &t, &s, err)) || (r = ber_next(&s, &f, err)))
			return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty selectAlternateAccess") : r);
		if (f.cls != BER_CONTEXT)
			return proto_fail(err, L, "bad accessSelection");
		if ((r = parse_selection(&s, &f, 0, v, err)))
			return r;
		if ((r = ber_next(&s, &f, err)))
			return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "selectAlternateAccess without alternateAccess") : r);
		return parse_alt(&s, &f, v, err);
	}
	if (t.tag == 5)
		return proto_fail(err, L, "named alternate access is not supported");
	return parse_selection(&c, &t, 1, v, err);
}

int mms_varlist_next(struct mms_vas *vas, struct mms_varspec *v, struct proto_err *err)
{
	struct ber_cur s, n;
	struct ber_tlv t, f;
	int r;

	if (ber_cur_done(&vas->vars))
		return 0;
	memset(v, 0, sizeof(*v));
	if ((r = ber_next(&vas->vars, &t, err)))
		return proto_relayer(err, L, r);
	if (!ber_is(&t, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE))
		return proto_fail(err, L, "listOfVariable entry is not a SEQUENCE");
	if ((r = ber_enter(&vas->vars, &t, &s, err)) || (r = ber_next(&s, &f, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty variable") : r);
	if (!ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 0))
		return proto_fail(err, L, "variable specification [%u] is not supported (only name)",
				  f.tag);
	struct ber_tlv on;
	if ((r = ber_enter(&s, &f, &n, err)) || (r = ber_next(&n, &on, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty name") : r);
	if ((r = mms_objname_decode(&n, &on, &v->name, err)))
		return r;
	if ((r = ber_next(&s, &f, err)) == 0) {
		if (!ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 5))
			return proto_fail(err, L, "unexpected element after the variable name");
		if ((r = parse_alt(&s, &f, v, err)))
			return r;
	} else if (r != -ENODATA) {
		return proto_relayer(err, L, r);
	}
	return 1;
}

/* VariableAccessSpecification CHOICE from its TLV. */
static int decode_vas(const struct ber_cur *parent, const struct ber_tlv *t, struct mms_vas *vas,
		      struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;

	memset(vas, 0, sizeof(*vas));
	if (ber_is(t, BER_CONTEXT | BER_CONSTRUCTED, 1)) {
		vas->is_list_name = true;
		if ((r = ber_enter(parent, t, &c, err)) || (r = ber_next(&c, &f, err)))
			return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty variableListName") : r);
		return mms_objname_decode(&c, &f, &vas->list_name, err);
	}
	if (!ber_is(t, BER_CONTEXT | BER_CONSTRUCTED, 0))
		return proto_fail(err, L, "variableAccessSpecification with tag %u", t->tag);
	if ((r = ber_enter(parent, t, &vas->vars, err)))
		return proto_relayer(err, L, r);
	/* count entries now, so the response can be checked against them */
	struct ber_cur k = vas->vars;
	while ((r = ber_next(&k, &f, err)) == 0)
		vas->n_vars++;
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (!vas->n_vars)
		return proto_fail(err, L, "empty listOfVariable");
	return 0;
}

int mms_read_req_decode(const uint8_t *body, size_t len, struct mms_read_req *q,
			struct proto_err *err)
{
	struct ber_cur c, s;
	struct ber_tlv t, f;
	int r;

	memset(q, 0, sizeof(*q));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty Read") : r);
	if (ber_is(&t, BER_CONTEXT, 0)) {
		if ((r = ber_get_bool(&t, &q->spec_with_result, err)))
			return proto_relayer(err, L, r);
		if ((r = ber_next(&c, &t, err)))
			return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "Read without variableAccessSpecification") : r);
	}
	if (!ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 1))
		return proto_fail(err, L, "Read without variableAccessSpecification");
	q->spec = t.val;
	q->spec_len = t.len;
	if ((r = ber_enter(&c, &t, &s, err)) || (r = ber_next(&s, &f, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty variableAccessSpecification") : r);
	return decode_vas(&s, &f, &q->vas, err);
}

void mms_read_resp_begin(struct buf *b, uint32_t invoke_id, const uint8_t *spec,
			 size_t spec_len, struct mms_marks *m, size_t *list)
{
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_READ, m);
	if (spec) {
		ber_put_hdr(b, BER_CONTEXT | BER_CONSTRUCTED, 0, spec_len);
		buf_put(b, spec, spec_len);
	}
	*list = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
}

void mms_read_resp_end(struct buf *b, struct mms_marks *m, size_t list)
{
	ber_end(b, list);
	mms_end_confirmed(b, m);
}

void mms_access_failure(struct buf *b, int data_access_error)
{
	ber_put_int(b, BER_CONTEXT, 0, data_access_error);
}

int mms_write_req_decode(const uint8_t *body, size_t len, struct mms_write_req *q,
			 struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t, f;
	int r;

	memset(q, 0, sizeof(*q));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty Write") : r);
	if ((r = decode_vas(&c, &t, &q->vas, err)))
		return r;
	if ((r = ber_expect(&c, BER_CONTEXT | BER_CONSTRUCTED, 0, &t, "listOfData", err)) ||
	    (r = ber_enter(&c, &t, &q->data, err)))
		return proto_relayer(err, L, r);
	struct ber_cur k = q->data;
	while ((r = ber_next(&k, &f, err)) == 0)
		q->n_data++;
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (!q->vas.is_list_name && q->n_data != q->vas.n_vars)
		return proto_fail(err, L, "Write of %u variables with %u values", q->vas.n_vars,
				  q->n_data);
	return 0;
}

void mms_write_resp_begin(struct buf *b, uint32_t invoke_id, struct mms_marks *m)
{
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_WRITE, m);
}

void mms_write_result(struct buf *b, int data_access_error)
{
	if (data_access_error < 0)
		ber_put_null(b, BER_CONTEXT, 1);
	else
		ber_put_int(b, BER_CONTEXT, 0, data_access_error);
}

void mms_write_resp_end(struct buf *b, struct mms_marks *m)
{
	mms_end_confirmed(b, m);
}

int mms_nvl_attr_req_decode(const uint8_t *body, size_t len, struct mms_objname *out,
			    struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty request") : r);
	return mms_objname_decode(&c, &t, out, err);
}

void mms_nvl_attr_resp_begin(struct buf *b, uint32_t invoke_id, bool deletable,
			     struct mms_marks *m, size_t *list)
{
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_GET_NVL_ATTR, m);
	ber_put_bool(b, BER_CONTEXT, 0, deletable);
	*list = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
}

void mms_nvl_attr_resp_add(struct buf *b, const char *domain, const char *item)
{
	size_t s = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t n = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	struct mms_objname on = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(on.domain, sizeof(on.domain), "%s", domain);
	snprintf(on.item, sizeof(on.item), "%s", item);
	mms_objname_encode(b, &on);
	ber_end(b, n);
	ber_end(b, s);
}

void mms_nvl_attr_resp_end(struct buf *b, struct mms_marks *m, size_t list)
{
	ber_end(b, list);
	mms_end_confirmed(b, m);
}
