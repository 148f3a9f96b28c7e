/* SPDX-License-Identifier: Apache-2.0 */
#include "mms_nvl.h"

#include <errno.h>
#include <string.h>

#include "ber.h"
#include "mms.h"

#define L "mms"
#define CTX BER_CONTEXT
#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

static int get_u32(const struct ber_tlv *t, uint32_t *v, const char *what,
		   struct proto_err *err)
{
	uint64_t u;
	int r = ber_get_uint64(t, &u, err);
	if (r)
		return proto_relayer(err, L, r);
	if (u > UINT32_MAX)
		return proto_fail(err, L, "%s %llu does not fit Unsigned32", what,
				  (unsigned long long)u);
	*v = (uint32_t)u;
	return 0;
}

/* ---- DefineNamedVariableList ---- */

int mms_definenvl_req_decode(const uint8_t *body, size_t len, struct mms_definenvl_req *q,
			     struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	struct mms_varspec v;
	int r;

	memset(q, 0, sizeof(*q));
	ber_cur_init(&c, body, len);
	if ((r = ber_next(&c, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ?
				     proto_fail(err, L, "DefineNamedVariableList without a name") : r);
	if ((r = mms_objname_decode(&c, &t, &q->name, err)))
		return r;
	if ((r = ber_expect(&c, CTXC, 0, &t, "listOfVariable", err)) ||
	    (r = ber_enter(&c, &t, &q->vars.vars, err)))
		return proto_relayer(err, L, r);
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after listOfVariable");
	/* every member now, so that the caller's iteration cannot fail */
	struct mms_vas k = q->vars;
	while ((r = mms_varlist_next(&k, &v, err)) == 1)
		q->vars.n_vars++;
	return r;
}

void mms_definenvl_resp_encode(struct buf *b, uint32_t invoke_id)
{
	/* [11] IMPLICIT NULL: primitive, empty */
	size_t m = ber_begin(b, CTXC, MMS_CONFIRMED_RESPONSE);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	ber_put_null(b, CTX, MMS_SVC_DEFINE_NVL);
	ber_end(b, m);
}

/* One AccessSelection step; `base` 0 inside selectAlternateAccess
 * (component [0] .. allElements [3]), 1 for selectAccess ([1] .. [4]). */
static void put_selection(struct buf *b, const struct mms_alt_step *st, uint32_t base)
{
	switch (st->kind) {
	case MMS_ALT_COMPONENT:
		ber_put_str(b, CTX, base, st->component);
		break;
	case MMS_ALT_INDEX:
		ber_put_uint(b, CTX, base + 1, st->index);
		break;
	case MMS_ALT_RANGE: {
		size_t s = ber_begin(b, CTXC, base + 2);
		ber_put_uint(b, CTX, 0, st->index);
		ber_put_uint(b, CTX, 1, st->count);
		ber_end(b, s);
		break;
	}
	default:
		ber_put_null(b, CTX, base + 3);
		break;
	}
}

/* AlternateAccess contents from step i on: the last step is a selectAccess,
 * the ones before it selectAlternateAccess [0] { selection, AlternateAccess }. */
static void put_alt(struct buf *b, const struct mms_varspec *v, uint32_t i)
{
	if (i + 1 == v->n_alt) {
		put_selection(b, &v->alt[i], 1);
		return;
	}
	size_t s = ber_begin(b, CTXC, 0);
	put_selection(b, &v->alt[i], 0);
	size_t a = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	put_alt(b, v, i + 1);
	ber_end(b, a);
	ber_end(b, s);
}

void mms_definenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name,
			      const struct mms_varspec *vars, uint32_t n)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_DEFINE_NVL, &m);
	mms_objname_encode(b, name);
	size_t list = ber_begin(b, CTXC, 0);
	for (uint32_t i = 0; i < n; i++) {
		size_t s = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		size_t vs = ber_begin(b, CTXC, 0);
		mms_objname_encode(b, &vars[i].name);
		ber_end(b, vs);
		if (vars[i].n_alt) {
			uint32_t na = vars[i].n_alt > MMS_MAX_ALT ? MMS_MAX_ALT : vars[i].n_alt;
			struct mms_varspec tmp = vars[i];
			tmp.n_alt = na;
			size_t a = ber_begin(b, CTXC, 5);
			put_alt(b, &tmp, 0);
			ber_end(b, a);
		}
		ber_end(b, s);
	}
	ber_end(b, list);
	mms_end_confirmed(b, &m);
}

/* ---- DeleteNamedVariableList ---- */

int mms_deletenvl_req_decode(const uint8_t *body, size_t len, struct mms_deletenvl_req *q,
			     struct proto_err *err)
{
	struct ber_cur c, s;
	struct ber_tlv t, f;
	struct mms_objname tmp;
	int64_t v;
	int r, last = -1;

	memset(q, 0, sizeof(*q));
	ber_cur_init(&c, body, len);
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (t.cls != CTX || t.tag > 2 || (int)t.tag <= last)
			return proto_fail(err, L, "DeleteNamedVariableList: unexpected [%u] after [%d]",
					  t.tag, last);
		last = (int)t.tag;
		if (t.tag == 0) {
			if (t.constructed)
				return proto_fail(err, L, "scopeOfDelete is constructed");
			if ((r = ber_get_int_range(&t, 0, 3, &v, err)))
				return proto_relayer(err, L, r);
			q->scope = (int)v;
		} else if (t.tag == 1) {
			if ((r = ber_enter(&c, &t, &s, err)))
				return proto_relayer(err, L, r);
			while ((r = ber_next(&s, &f, err)) == 0) {
				struct mms_objname *o = q->n < MMS_DELNVL_MAX ? &q->names[q->n] : &tmp;
				if ((r = mms_objname_decode(&s, &f, o, err)))
					return r;
				if (q->n == UINT32_MAX)
					return proto_fail(err, L, "too many names");
				q->n++;
			}
			if (r != -ENODATA)
				return proto_relayer(err, L, r);
		} else {
			if (t.constructed)
				return proto_fail(err, L, "domainName is constructed");
			if (t.len > MMS_MAX_DOMAIN)
				return proto_fail(err, L, "domainName of %zu characters (at most %d)",
						  t.len, MMS_MAX_DOMAIN);
			if ((r = ber_get_visible(&t, q->domain, sizeof(q->domain), err)))
				return proto_relayer(err, L, r);
			q->has_domain = true;
		}
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	return 0;
}

void mms_deletenvl_resp_encode(struct buf *b, uint32_t invoke_id, uint32_t matched,
			       uint32_t deleted)
{
	struct mms_marks m;
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_DELETE_NVL, &m);
	ber_put_uint(b, CTX, 0, matched);
	ber_put_uint(b, CTX, 1, deleted);
	mms_end_confirmed(b, &m);
}

void mms_deletenvl_req_encode(struct buf *b, uint32_t invoke_id, const struct mms_objname *name)
{
	struct mms_marks m;
	mms_begin_confirmed(b, false, invoke_id, MMS_SVC_DELETE_NVL, &m);
	/* scopeOfDelete DEFAULT specific: omitted */
	size_t l = ber_begin(b, CTXC, 1);
	mms_objname_encode(b, name);
	ber_end(b, l);
	mms_end_confirmed(b, &m);
}

int mms_deletenvl_resp_decode(const uint8_t *body, size_t len, uint32_t *matched,
			      uint32_t *deleted, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	int r;

	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, CTX, 0, &t, "numberMatched", err)))
		return proto_relayer(err, L, r);
	if ((r = get_u32(&t, matched, "numberMatched", err)))
		return r;
	if ((r = ber_expect(&c, CTX, 1, &t, "numberDeleted", err)))
		return proto_relayer(err, L, r);
	if ((r = get_u32(&t, deleted, "numberDeleted", err)))
		return r;
	if (!ber_cur_done(&c))
		return proto_fail(err, L, "octets after numberDeleted");
	return 0;
}
