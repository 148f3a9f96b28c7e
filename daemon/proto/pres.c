/* SPDX-License-Identifier: Apache-2.0 */
#include "pres.h"

#include <errno.h>
#include <string.h>

#include "ber.h"

#define L "presentation"

static const uint32_t oid_acse[] = { 2, 2, 1, 0, 1 };
static const uint32_t oid_mms[] = { 1, 0, 9506, 2, 1 };
static const uint32_t oid_ber[] = { 2, 1, 1 };

static bool oid_eq(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

static int copy_sel(uint8_t *dst, uint8_t *dlen, const struct ber_tlv *t, struct proto_err *err)
{
	if (t->len > PRES_MAX_SEL)
		return proto_fail(err, L, "presentation selector of %zu octets", t->len);
	memcpy(dst, t->val, t->len);
	*dlen = (uint8_t)t->len;
	return 0;
}

static int parse_ctx_list(struct ber_cur *parent, const struct ber_tlv *list,
			  struct pres_connect *cp, struct proto_err *err)
{
	struct ber_cur c, ic, tc;
	struct ber_tlv t, f;
	int r = ber_enter(parent, list, &c, err);
	if (r)
		return r;
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (!ber_is(&t, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE))
			return proto_fail(err, L, "context definition is not a SEQUENCE");
		if (cp->n_ctx == PRES_MAX_CTX)
			return proto_fail(err, L, "more than %d presentation contexts", PRES_MAX_CTX);
		struct pres_ctx *x = &cp->ctx[cp->n_ctx++];
		int64_t id;
		uint32_t arcs[16];
		size_t n;
		if ((r = ber_enter(&c, &t, &ic, err)) ||
		    (r = ber_expect(&ic, BER_UNIVERSAL, BER_TAG_INTEGER, &f, "context identifier", err)) ||
		    (r = ber_get_int_range(&f, 1, 127, &id, err)))
			return r;
		x->id = (int32_t)id;
		if ((r = ber_expect(&ic, BER_UNIVERSAL, BER_TAG_OID, &f, "abstract syntax name", err)) ||
		    (r = ber_get_oid(&f, arcs, 16, &n, err)))
			return r;
		x->as = oid_eq(arcs, n, oid_acse, 5) ? PRES_AS_ACSE :
			oid_eq(arcs, n, oid_mms, 5)  ? PRES_AS_MMS :
						       PRES_AS_UNKNOWN;
		if ((r = ber_expect(&ic, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE, &f,
				    "transfer syntax name list", err)) ||
		    (r = ber_enter(&ic, &f, &tc, err)))
			return r;
		while ((r = ber_next(&tc, &f, err)) == 0) {
			if (!ber_is(&f, BER_UNIVERSAL, BER_TAG_OID))
				return proto_fail(err, L, "transfer syntax name is not an OID");
			if ((r = ber_get_oid(&f, arcs, 16, &n, err)))
				return r;
			if (oid_eq(arcs, n, oid_ber, 3))
				x->ber = true;
		}
		if (r != -ENODATA)
			return r;
	}
	return r == -ENODATA ? 0 : r;
}

static int parse_user_data(struct ber_cur *parent, const struct ber_tlv *t, int32_t *pcid,
			   const uint8_t **user, size_t *user_len, struct proto_err *err)
{
	struct ber_cur c, pc;
	struct ber_tlv f;
	int64_t id;
	int r;

	if (t->cls == BER_APPLICATION && t->tag == 0)
		return proto_fail(err, L, "simply-encoded user data is not supported");
	if (!ber_is(t, BER_APPLICATION | BER_CONSTRUCTED, 1))
		return proto_fail(err, L, "user data is not fully-encoded data");
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE, &f, "PDV-list",
			    err)) ||
	    (r = ber_enter(&c, &f, &pc, err)))
		return r;
	if ((r = ber_next(&pc, &f, err)))
		return r == -ENODATA ? proto_fail(err, L, "empty PDV-list") : r;
	if (ber_is(&f, BER_UNIVERSAL, BER_TAG_OID) && (r = ber_next(&pc, &f, err)))
		return r == -ENODATA ? proto_fail(err, L, "PDV-list without context id") : r;
	if (!ber_is(&f, BER_UNIVERSAL, BER_TAG_INTEGER))
		return proto_fail(err, L, "PDV-list without presentation context identifier");
	if ((r = ber_get_int_range(&f, 1, 127, &id, err)))
		return r;
	if ((r = ber_next(&pc, &f, err)))
		return r == -ENODATA ? proto_fail(err, L, "PDV-list without presentation data") : r;
	if (ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 0)) {
		/* single-ASN1-type: the contents are the embedded PDU */
		*user = f.val;
		*user_len = f.len;
	} else if (ber_is(&f, BER_CONTEXT, 1)) {
		*user = f.val; /* octet-aligned */
		*user_len = f.len;
	} else {
		return proto_fail(err, L, "presentation data values of tag [%u] not supported", f.tag);
	}
	*pcid = (int32_t)id;
	return 0;
}

int pres_decode_cp(const uint8_t *p, size_t len, struct pres_connect *cp, struct proto_err *err)
{
	struct ber_cur top, c, nc, mc;
	struct ber_tlv t, f;
	bool mode_ok = false, have_normal = false;
	int r;

	memset(cp, 0, sizeof(*cp));
	ber_cur_init(&top, p, len);
	if ((r = ber_expect(&top, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET, &t, "CP-type", err)))
		return r;
	if ((r = ber_enter(&top, &t, &c, err)))
		return r;
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 0)) {
			int64_t mode;
			if ((r = ber_enter(&c, &t, &mc, err)) ||
			    (r = ber_expect(&mc, BER_CONTEXT, 0, &f, "mode-value", err)) ||
			    (r = ber_get_int64(&f, &mode, err)))
				return r;
			if (mode != 1)
				return proto_fail(err, L, "mode %lld requested, only normal mode (1) is supported",
						  (long long)mode);
			mode_ok = true;
		} else if (ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 2)) {
			have_normal = true;
			if ((r = ber_enter(&c, &t, &nc, err)))
				return r;
			while ((r = ber_next(&nc, &f, err)) == 0) {
				if (ber_is(&f, BER_CONTEXT, 1))
					r = copy_sel(cp->calling_sel, &cp->calling_sel_len, &f, err);
				else if (ber_is(&f, BER_CONTEXT, 2))
					r = copy_sel(cp->called_sel, &cp->called_sel_len, &f, err);
				else if (ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 4))
					r = parse_ctx_list(&nc, &f, cp, err);
				else if (f.cls == BER_APPLICATION)
					r = parse_user_data(&nc, &f, &cp->user_pcid, &cp->user,
							    &cp->user_len, err);
				/* protocol-version, default context, requirements: not needed */
				if (r)
					return r;
			}
			if (r != -ENODATA)
				return r;
		}
	}
	if (r != -ENODATA)
		return r;
	if (!mode_ok)
		return proto_fail(err, L, "CP-type without mode-selector");
	if (!have_normal)
		return proto_fail(err, L, "CP-type without normal-mode-parameters");
	if (!cp->n_ctx)
		return proto_fail(err, L, "CP-type without presentation context definition list");
	if (!cp->user)
		return proto_fail(err, L, "CP-type without user data (AARQ)");
	return 0;
}

static int parse_results(struct ber_cur *parent, const struct ber_tlv *list,
			 struct pres_connect *cp, struct proto_err *err)
{
	struct ber_cur c, ic;
	struct ber_tlv t, f;
	int r = ber_enter(parent, list, &c, err);
	if (r)
		return r;
	while ((r = ber_next(&c, &t, err)) == 0) {
		int64_t res;
		if (cp->n_ctx == PRES_MAX_CTX)
			return proto_fail(err, L, "more than %d context results", PRES_MAX_CTX);
		if ((r = ber_enter(&c, &t, &ic, err)) ||
		    (r = ber_expect(&ic, BER_CONTEXT, 0, &f, "result", err)) ||
		    (r = ber_get_int_range(&f, 0, 2, &res, err)))
			return r;
		cp->ctx[cp->n_ctx++].result = (uint8_t)res;
	}
	return r == -ENODATA ? 0 : r;
}

int pres_decode_cpa(const uint8_t *p, size_t len, struct pres_connect *cp,
		    struct proto_err *err)
{
	struct ber_cur top, c, nc;
	struct ber_tlv t, f;
	int r;

	memset(cp, 0, sizeof(*cp));
	ber_cur_init(&top, p, len);
	if ((r = ber_next(&top, &t, err)))
		return r == -ENODATA ? proto_fail(err, L, "empty CPA") : r;
	if (ber_is(&t, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE)) {
		/* CPR-PPDU, normal-mode-parameters */
		cp->refused = true;
		if ((r = ber_enter(&top, &t, &c, err)))
			return r;
		while ((r = ber_next(&c, &f, err)) == 0)
			if (ber_is(&f, BER_CONTEXT, 10) && (r = ber_get_int64(&f, &cp->provider_reason, err)))
				return r;
		return r == -ENODATA ? 0 : r;
	}
	if (!ber_is(&t, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET))
		return proto_fail(err, L, "neither CPA-PPDU nor CPR-PPDU");
	if ((r = ber_enter(&top, &t, &c, err)))
		return r;
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (!ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 2))
			continue;
		if ((r = ber_enter(&c, &t, &nc, err)))
			return r;
		while ((r = ber_next(&nc, &f, err)) == 0) {
			if (ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 5))
				r = parse_results(&nc, &f, cp, err);
			else if (f.cls == BER_APPLICATION)
				r = parse_user_data(&nc, &f, &cp->user_pcid, &cp->user, &cp->user_len,
						    err);
			if (r)
				return r;
		}
		if (r != -ENODATA)
			return r;
	}
	if (r != -ENODATA)
		return r;
	if (!cp->user)
		return proto_fail(err, L, "CPA-PPDU without user data (AARE)");
	return 0;
}

int pres_decode_data(const uint8_t *p, size_t len, int32_t *pcid, const uint8_t **user,
		     size_t *user_len, struct proto_err *err)
{
	struct ber_cur top;
	struct ber_tlv t;
	int r;

	ber_cur_init(&top, p, len);
	if ((r = ber_next(&top, &t, err)))
		return r == -ENODATA ? proto_fail(err, L, "empty user data") : r;
	return parse_user_data(&top, &t, pcid, user, user_len, err);
}

static void put_pdv(struct buf *b, int32_t pcid, const uint8_t *user, size_t user_len)
{
	size_t m1 = ber_begin(b, BER_APPLICATION | BER_CONSTRUCTED, 1);
	size_t m2 = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, pcid);
	ber_put_raw(b, BER_CONTEXT | BER_CONSTRUCTED, 0, user, user_len);
	ber_end(b, m2);
	ber_end(b, m1);
}

static void put_mode(struct buf *b)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_int(b, BER_CONTEXT, 0, 1); /* normal-mode */
	ber_end(b, m);
}

static const uint8_t default_psel[4] = { 0, 0, 0, 1 };

void pres_encode_cp(struct buf *b, const uint8_t *user, size_t user_len)
{
	size_t ms = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET);
	put_mode(b);
	size_t mn = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	ber_put_raw(b, BER_CONTEXT, 1, default_psel, 4);
	ber_put_raw(b, BER_CONTEXT, 2, default_psel, 4);
	size_t ml = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 4);
	for (int i = 0; i < 2; i++) {
		size_t mc = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, i ? PRES_CTX_MMS : PRES_CTX_ACSE);
		ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, i ? oid_mms : oid_acse, 5);
		size_t mt = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, oid_ber, 3);
		ber_end(b, mt);
		ber_end(b, mc);
	}
	ber_end(b, ml);
	put_pdv(b, PRES_CTX_ACSE, user, user_len);
	ber_end(b, mn);
	ber_end(b, ms);
}

void pres_encode_cpa(struct buf *b, const struct pres_connect *cp, const uint8_t *user,
		     size_t user_len)
{
	size_t ms = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET);
	put_mode(b);
	size_t mn = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	ber_put_raw(b, BER_CONTEXT, 3, cp->called_sel_len ? cp->called_sel : default_psel,
		    cp->called_sel_len ? cp->called_sel_len : 4);
	size_t ml = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 5);
	for (size_t i = 0; i < cp->n_ctx; i++) {
		size_t mc = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_int(b, BER_CONTEXT, 0, cp->ctx[i].result);
		if (cp->ctx[i].result == PRES_ACCEPT)
			ber_put_oid(b, BER_CONTEXT, 1, oid_ber, 3);
		else /* ISO 8823 Result-list provider-reason: abstract-syntax-not-supported (1)
		      * or proposed-transfer-syntaxes-not-supported (2) */
			ber_put_int(b, BER_CONTEXT, 2, cp->ctx[i].as == PRES_AS_UNKNOWN ? 1 : 2);
		ber_end(b, mc);
	}
	ber_end(b, ml);
	put_pdv(b, cp->user_pcid, user, user_len);
	ber_end(b, mn);
	ber_end(b, ms);
}

void pres_encode_cpr(struct buf *b, int provider_reason)
{
	size_t m = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_raw(b, BER_CONTEXT, 3, default_psel, 4);
	ber_put_int(b, BER_CONTEXT, 10, provider_reason);
	ber_end(b, m);
}

void pres_encode_data(struct buf *b, int32_t pcid, const uint8_t *user, size_t user_len)
{
	put_pdv(b, pcid, user, user_len);
}

int pres_prepend_data(struct buf *b, int32_t pcid)
{
	size_t n = b->len;
	uint8_t *p;
	int r;

	if ((r = ber_prepend_hdr(b, BER_CONTEXT | BER_CONSTRUCTED | 0, n)))
		return r;
	if (!(p = buf_prepend(b, 3)))
		return b->err;
	p[0] = BER_TAG_INTEGER;
	p[1] = 1;
	p[2] = (uint8_t)pcid;
	if ((r = ber_prepend_hdr(b, BER_UNIVERSAL | BER_CONSTRUCTED | BER_TAG_SEQUENCE, b->len)))
		return r;
	return ber_prepend_hdr(b, BER_APPLICATION | BER_CONSTRUCTED | 1, b->len);
}
