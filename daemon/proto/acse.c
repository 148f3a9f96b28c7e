/* SPDX-License-Identifier: Apache-2.0 */
#include "acse.h"

#include <errno.h>
#include <string.h>

#include "ber.h"

#define L "acse"

static const uint32_t oid_mms_ctx[] = { 1, 0, 9506, 2, 3 };
static const uint32_t oid_password[] = { 2, 2, 3, 1 };
static const uint32_t oid_ber[] = { 2, 1, 1 };

static int get_oid_in(struct ber_cur *parent, const struct ber_tlv *t, uint32_t *arcs, size_t *n,
		      const char *what, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_OID, &f, what, err)))
		return r;
	return ber_get_oid(&f, arcs, ACSE_MAX_ARCS, n, err);
}

static int get_int_in(struct ber_cur *parent, const struct ber_tlv *t, int64_t *v,
		      const char *what, struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &f, what, err)))
		return r;
	return ber_get_int64(&f, v, err);
}

/* AP-title form 2 is an OID; form 1 (a directory name) is accepted but not kept. */
static int get_ap_title(struct ber_cur *parent, const struct ber_tlv *t, struct acse_ap *ap,
			struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv f;
	int r;
	if ((r = ber_enter(parent, t, &c, err)) || (r = ber_next(&c, &f, err)))
		return r == -ENODATA ? proto_fail(err, L, "empty AP-title") : r;
	if (ber_is(&f, BER_UNIVERSAL, BER_TAG_OID))
		return ber_get_oid(&f, ap->ap_title, ACSE_MAX_ARCS, &ap->ap_title_n, err);
	return 0;
}

static int get_user_info(struct ber_cur *parent, const struct ber_tlv *t, struct acse_apdu *a,
			 struct proto_err *err)
{
	struct ber_cur c, e;
	struct ber_tlv f;
	int r;
	if ((r = ber_enter(parent, t, &c, err)) ||
	    (r = ber_expect(&c, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_EXTERNAL, &f,
			    "user-information EXTERNAL", err)) ||
	    (r = ber_enter(&c, &f, &e, err)))
		return r;
	while ((r = ber_next(&e, &f, err)) == 0) {
		if (ber_is(&f, BER_UNIVERSAL, BER_TAG_INTEGER)) {
			int64_t id;
			if ((r = ber_get_int_range(&f, 1, 127, &id, err)))
				return r;
			a->user_pcid = (int32_t)id;
		} else if (ber_is(&f, BER_CONTEXT | BER_CONSTRUCTED, 0)) {
			a->user = f.val;
			a->user_len = f.len;
		} else if (ber_is(&f, BER_CONTEXT, 1)) {
			a->user = f.val;
			a->user_len = f.len;
		}
	}
	if (r != -ENODATA)
		return r;
	if (!a->user)
		return proto_fail(err, L, "user-information without an encoding");
	return 0;
}

int acse_decode(const uint8_t *p, size_t len, struct acse_apdu *a, struct proto_err *err)
{
	struct ber_cur top, c, ac;
	struct ber_tlv t, f;
	uint32_t arcs[ACSE_MAX_ARCS];
	size_t n;
	int r;

	memset(a, 0, sizeof(*a));
	a->auth_kind = ACSE_AUTH_NONE;
	a->reason = -1;
	a->result = -1;
	ber_cur_init(&top, p, len);
	if ((r = ber_next(&top, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty APDU") : r);
	if (t.cls != BER_APPLICATION || !t.constructed || t.tag > ACSE_ABRT)
		return proto_fail(err, L, "not an ACSE APDU (tag 0x%02x)", t.start[0]);
	a->type = (uint8_t)t.tag;
	if ((r = ber_enter(&top, &t, &c, err)))
		return proto_relayer(err, L, r);
	bool have_ctx = false;
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (t.cls == BER_CONTEXT && t.tag == 0 && !t.constructed) {
			int64_t v;
			if (a->type == ACSE_AARQ || a->type == ACSE_AARE)
				continue; /* protocol-version: BIT STRING, version1 */
			if ((r = ber_get_int64(&t, &v, err)))
				break;
			if (a->type == ACSE_ABRT)
				a->abort_source = v;
			else
				a->reason = v;
			continue;
		}
		if (t.cls == BER_CONTEXT && t.tag == 30 && t.constructed) {
			if ((r = get_user_info(&c, &t, a, err)))
				break;
			continue;
		}
		if (a->type != ACSE_AARQ && a->type != ACSE_AARE)
			continue;
		if (t.cls != BER_CONTEXT)
			continue;
		bool aarq = a->type == ACSE_AARQ;
		switch (t.tag) {
		case 1: /* application-context-name */
			if ((r = get_oid_in(&c, &t, arcs, &n, "application-context-name", err)))
				break;
			have_ctx = true;
			a->context_is_mms = n == 5 && !memcmp(arcs, oid_mms_ctx, sizeof(oid_mms_ctx));
			break;
		case 2:
			if (aarq)
				r = get_ap_title(&c, &t, &a->called, err);
			else if ((r = get_int_in(&c, &t, &a->result, "result", err)) == 0 &&
				 (a->result < 0 || a->result > 2))
				r = proto_fail(err, L, "AARE result %lld", (long long)a->result);
			break;
		case 3:
			if (aarq) {
				r = get_int_in(&c, &t, &a->called.ae_qualifier, "called AE-qualifier", err);
				a->called.has_ae_qualifier = !r;
			} else {
				/* result-source-diagnostic: CHOICE { [1] user, [2] provider } */
				struct ber_tlv d;
				if ((r = ber_enter(&c, &t, &ac, err)) || (r = ber_next(&ac, &d, err)))
					break;
				r = get_int_in(&ac, &d, &a->diagnostic, "diagnostic", err);
			}
			break;
		case 4:
			if (!aarq)
				r = get_ap_title(&c, &t, &a->calling, err);
			break;
		case 5:
			if (!aarq) {
				r = get_int_in(&c, &t, &a->calling.ae_qualifier, "AE-qualifier", err);
				a->calling.has_ae_qualifier = !r;
			}
			break;
		case 6:
			if (aarq)
				r = get_ap_title(&c, &t, &a->calling, err);
			break;
		case 7:
			if (aarq) {
				r = get_int_in(&c, &t, &a->calling.ae_qualifier, "calling AE-qualifier",
					       err);
				a->calling.has_ae_qualifier = !r;
			}
			break;
		case 11: /* AARQ mechanism-name */
		case 9:	 /* AARE mechanism-name */
			if ((t.tag == 11) == aarq && !t.constructed)
				r = ber_get_oid(&t, a->mechanism, ACSE_MAX_ARCS, &a->mechanism_n, err);
			break;
		case 12: /* AARQ calling-authentication-value */
		case 10: /* AARE responding-authentication-value */
			if ((t.tag == 12) != aarq || !t.constructed)
				break;
			if ((r = ber_enter(&c, &t, &ac, err)) || (r = ber_next(&ac, &f, err)))
				break;
			if (f.cls != BER_CONTEXT || f.tag > 3) {
				r = proto_fail(err, L, "authentication value of unknown kind");
				break;
			}
			if (f.len > ACSE_MAX_AUTH) {
				r = proto_fail(err, L, "authentication value of %zu octets (at most %d)",
					       f.len, ACSE_MAX_AUTH);
				break;
			}
			a->auth_kind = (int)f.tag;
			memcpy(a->auth_value, f.val, f.len);
			a->auth_len = f.len;
			break;
		default:
			break;
		}
		if (r == -ENODATA) /* an empty structure where a value must be */
			r = proto_fail(err, L, "empty [%u] in %s", t.tag, aarq ? "AARQ" : "AARE");
		if (r)
			break;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if ((a->type == ACSE_AARQ || a->type == ACSE_AARE) && !have_ctx)
		return proto_fail(err, L, "%s without application-context-name",
				  a->type == ACSE_AARQ ? "AARQ" : "AARE");
	if (a->type == ACSE_AARE && a->result < 0)
		return proto_fail(err, L, "AARE without result");
	return 0;
}

static void put_ctx_name(struct buf *b)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, oid_mms_ctx, 5);
	ber_end(b, m);
}

static void put_user_info(struct buf *b, int32_t pcid, const uint8_t *user, size_t user_len)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 30);
	size_t me = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_EXTERNAL);
	ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, oid_ber, 3);
	ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, pcid);
	ber_put_raw(b, BER_CONTEXT | BER_CONSTRUCTED, 0, user, user_len);
	ber_end(b, me);
	ber_end(b, m);
}

void acse_encode_aarq(struct buf *b, const char *password, int32_t user_pcid,
		      const uint8_t *user, size_t user_len)
{
	acse_encode_aarq_from(b, password, NULL, user_pcid, user, user_len);
}

void acse_encode_aarq_from(struct buf *b, const char *password, const struct acse_ap *calling,
			   int32_t user_pcid, const uint8_t *user, size_t user_len)
{
	static const uint8_t version1[] = { 0x80 };
	size_t m = ber_begin(b, BER_APPLICATION | BER_CONSTRUCTED, ACSE_AARQ);
	ber_put_bitstring(b, BER_CONTEXT, 0, version1, 1);
	put_ctx_name(b);
	if (calling && calling->ap_title_n) {
		/* [6] calling-AP-title: AP-title form 2, an OID */
		size_t mt = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 6);
		ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, calling->ap_title, calling->ap_title_n);
		ber_end(b, mt);
	}
	if (calling && calling->has_ae_qualifier) {
		/* [7] calling-AE-qualifier: form 2, an INTEGER */
		size_t mq = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 7);
		ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, calling->ae_qualifier);
		ber_end(b, mq);
	}
	if (password) {
		static const uint8_t auth_fu[] = { 0x80 }; /* authentication functional unit */
		ber_put_bitstring(b, BER_CONTEXT, 10, auth_fu, 1);
		ber_put_oid(b, BER_CONTEXT, 11, oid_password, 4);
		size_t ma = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 12);
		ber_put_str(b, BER_CONTEXT, 0, password);
		ber_end(b, ma);
	}
	put_user_info(b, user_pcid, user, user_len);
	ber_end(b, m);
}

void acse_encode_aare(struct buf *b, int result, int diagnostic, int32_t user_pcid,
		      const uint8_t *user, size_t user_len)
{
	size_t m = ber_begin(b, BER_APPLICATION | BER_CONSTRUCTED, ACSE_AARE);
	put_ctx_name(b);
	size_t mr = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, result);
	ber_end(b, mr);
	size_t md = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 3);
	size_t mu = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 1); /* acse-service-user */
	ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, diagnostic);
	ber_end(b, mu);
	ber_end(b, md);
	if (user)
		put_user_info(b, user_pcid, user, user_len);
	ber_end(b, m);
}

static void put_reason(struct buf *b, int type, int reason)
{
	size_t m = ber_begin(b, BER_APPLICATION | BER_CONSTRUCTED, (uint32_t)type);
	ber_put_int(b, BER_CONTEXT, 0, reason);
	ber_end(b, m);
}

void acse_encode_rlrq(struct buf *b, int reason) { put_reason(b, ACSE_RLRQ, reason); }
void acse_encode_rlre(struct buf *b, int reason) { put_reason(b, ACSE_RLRE, reason); }
void acse_encode_abrt(struct buf *b, int source) { put_reason(b, ACSE_ABRT, source); }
