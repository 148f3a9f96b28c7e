/* SPDX-License-Identifier: Apache-2.0 */
#include "mms.h"

#include <errno.h>
#include <string.h>

#include "ber.h"

#define L "mms"

static int get_u32(const struct ber_tlv *t, uint32_t *v, struct proto_err *err)
{
	uint64_t u;
	int r = ber_get_uint64(t, &u, err);
	if (r)
		return r;
	if (u > UINT32_MAX)
		return proto_fail(err, L, "invokeID %llu does not fit Unsigned32",
				  (unsigned long long)u);
	*v = (uint32_t)u;
	return 0;
}

int mms_pdu_decode(const uint8_t *p, size_t len, struct mms_pdu *m, struct proto_err *err)
{
	struct ber_cur top, c;
	struct ber_tlv t, f;
	int r;

	memset(m, 0, sizeof(*m));
	ber_cur_init(&top, p, len);
	if ((r = ber_next(&top, &t, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty PDU") : r);
	if (!ber_cur_done(&top))
		return proto_fail(err, L, "%zu octets after the PDU", (size_t)(top.end - top.pos));
	if (t.cls != BER_CONTEXT || t.tag > MMS_CONCLUDE_ERROR)
		return proto_fail(err, L, "unknown PDU type (tag 0x%02x)", t.start[0]);
	m->kind = (uint8_t)t.tag;
	m->pdu = t.val;
	m->pdu_len = t.len;
	switch (m->kind) {
	case MMS_CONCLUDE_REQUEST:
	case MMS_CONCLUDE_RESPONSE:
		if (t.constructed || t.len)
			return proto_fail(err, L, "conclude PDU is not an empty NULL");
		return 0;
	case MMS_CONFIRMED_REQUEST:
	case MMS_CONFIRMED_RESPONSE:
		if ((r = ber_enter(&top, &t, &c, err)) ||
		    (r = ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &f, "invokeID", err)) ||
		    (r = get_u32(&f, &m->invoke_id, err)))
			return proto_relayer(err, L, r);
		m->has_invoke_id = true;
		if ((r = ber_next(&c, &f, err)))
			return proto_relayer(err, L,
				r == -ENODATA ? proto_fail(err, L, "confirmed PDU without service") : r);
		if (ber_is(&f, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE)) {
			/* listOfModifier: iedd supports none; the caller rejects */
			m->has_modifiers = true;
			if ((r = ber_next(&c, &f, err)))
				return proto_relayer(err, L,
					r == -ENODATA ? proto_fail(err, L, "confirmed PDU without service") : r);
		}
		if (f.cls != BER_CONTEXT)
			return proto_fail(err, L, "service is not a context-specific CHOICE");
		m->service = f.tag;
		m->service_constructed = f.constructed;
		m->body = f.val;
		m->body_len = f.len;
		if (!ber_cur_done(&c))
			return proto_fail(err, L, "octets after the service of invokeID %u",
					  m->invoke_id);
		return 0;
	case MMS_CONFIRMED_ERROR:
	case MMS_REJECT:
		if ((r = ber_enter(&top, &t, &c, err)))
			return proto_relayer(err, L, r);
		if ((r = ber_next(&c, &f, err)) == 0 && ber_is(&f, BER_CONTEXT, 0)) {
			if ((r = get_u32(&f, &m->invoke_id, err)))
				return proto_relayer(err, L, r);
			m->has_invoke_id = true;
			r = ber_next(&c, &f, err);
		}
		if (r) /* serviceError and rejectReason are mandatory */
			return proto_relayer(err, L, r == -ENODATA ?
				proto_fail(err, L, "%s without %s", m->kind == MMS_REJECT ?
					   "Reject" : "confirmed-error", m->kind == MMS_REJECT ?
					   "rejectReason" : "serviceError") : r);
		m->service = f.tag;
		m->body = f.val;
		m->body_len = f.len;
		return 0;
	default:
		if (!t.constructed)
			return proto_fail(err, L, "PDU type %u must be constructed", m->kind);
		return 0;
	}
}

int mms_initiate_decode(const uint8_t *p, size_t len, bool response, struct mms_initiate *in,
			struct proto_err *err)
{
	struct ber_cur top, c, d;
	struct ber_tlv t, f;
	int64_t v;
	size_t nbits;
	int r;
	bool have_calling = false, have_called = false, have_detail = false;

	memset(in, 0, sizeof(*in));
	ber_cur_init(&top, p, len);
	if ((r = ber_expect(&top, BER_CONTEXT | BER_CONSTRUCTED,
			    response ? MMS_INITIATE_RESPONSE : MMS_INITIATE_REQUEST, &t,
			    response ? "Initiate-ResponsePDU" : "Initiate-RequestPDU", err)) ||
	    (r = ber_enter(&top, &t, &c, err)))
		return proto_relayer(err, L, r);
	while ((r = ber_next(&c, &t, err)) == 0) {
		if (t.cls != BER_CONTEXT)
			continue;
		switch (t.tag) {
		case 0:
			if ((r = ber_get_int_range(&t, INT32_MIN, INT32_MAX, &v, err)))
				break;
			in->has_local_detail = true;
			in->local_detail = (int32_t)v;
			break;
		case 1:
		case 2:
			if ((r = ber_get_int_range(&t, INT16_MIN, INT16_MAX, &v, err)))
				break;
			if (t.tag == 1) {
				in->max_serv_calling = (int16_t)v;
				have_calling = true;
			} else {
				in->max_serv_called = (int16_t)v;
				have_called = true;
			}
			break;
		case 3:
			if ((r = ber_get_int_range(&t, INT8_MIN, INT8_MAX, &v, err)))
				break;
			in->has_nesting = true;
			in->nesting = (int8_t)v;
			break;
		case 4:
			if ((r = ber_enter(&c, &t, &d, err)))
				break;
			have_detail = true;
			while ((r = ber_next(&d, &f, err)) == 0) {
				if (ber_is(&f, BER_CONTEXT, 0)) {
					if ((r = ber_get_int_range(&f, INT16_MIN, INT16_MAX, &v, err)))
						break;
					in->version = (int16_t)v;
				} else if (ber_is(&f, BER_CONTEXT, 1)) {
					if ((r = ber_get_bitstring(&f, in->param_cbb, 2, &nbits, err)))
						break;
				} else if (ber_is(&f, BER_CONTEXT, 2)) {
					if ((r = ber_get_bitstring(&f, in->services, MMS_SERVICE_OCTETS,
								   &nbits, err)))
						break;
				}
			}
			if (r == -ENODATA)
				r = 0;
			break;
		default:
			break;
		}
		if (r)
			break;
	}
	if (r != -ENODATA)
		return proto_relayer(err, L, r);
	if (!have_calling || !have_called)
		return proto_fail(err, L, "Initiate without max services outstanding");
	if (!have_detail)
		return proto_fail(err, L, "Initiate without init detail (version, CBBs)");
	return 0;
}

void mms_initiate_encode(struct buf *b, bool response, const struct mms_initiate *in)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED,
			     response ? MMS_INITIATE_RESPONSE : MMS_INITIATE_REQUEST);
	if (in->has_local_detail)
		ber_put_int(b, BER_CONTEXT, 0, in->local_detail);
	ber_put_int(b, BER_CONTEXT, 1, in->max_serv_calling);
	ber_put_int(b, BER_CONTEXT, 2, in->max_serv_called);
	if (in->has_nesting)
		ber_put_int(b, BER_CONTEXT, 3, in->nesting);
	size_t md = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 4);
	ber_put_int(b, BER_CONTEXT, 0, in->version);
	ber_put_bitstring(b, BER_CONTEXT, 1, in->param_cbb, MMS_PARAM_CBB_BITS);
	ber_put_bitstring(b, BER_CONTEXT, 2, in->services, MMS_SERVICE_BITS);
	ber_end(b, md);
	ber_end(b, m);
}

int mms_initiate_negotiate(const struct mms_initiate *req, const struct mms_limits *lim,
			   struct mms_initiate *resp, const char **why)
{
	memset(resp, 0, sizeof(*resp));
	if (req->version < 1) {
		*why = "proposed MMS version below 1";
		return MMS_INITIATE_VERSION_INCOMPATIBLE;
	}
	if (req->max_serv_calling < 1) {
		*why = "proposed max services outstanding (calling) below 1";
		return MMS_INITIATE_MAX_CALLING_INSUFFICIENT;
	}
	if (req->max_serv_called < 1) {
		*why = "proposed max services outstanding (called) below 1";
		return MMS_INITIATE_MAX_CALLED_INSUFFICIENT;
	}
	if (req->has_nesting && req->nesting < 0) {
		*why = "negative data structure nesting level";
		return MMS_INITIATE_NESTING_INSUFFICIENT;
	}
	uint32_t pdu = lim->max_pdu;
	if (req->has_local_detail) {
		if (req->local_detail < 0 || (uint32_t)req->local_detail < lim->min_pdu) {
			*why = "proposed max PDU size is too small";
			return MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT;
		}
		if ((uint32_t)req->local_detail < pdu)
			pdu = (uint32_t)req->local_detail;
	}
	resp->has_local_detail = true;
	resp->local_detail = (int32_t)pdu;
	resp->max_serv_calling = req->max_serv_calling < lim->max_serv_outstanding ?
					 req->max_serv_calling : lim->max_serv_outstanding;
	resp->max_serv_called = req->max_serv_called < lim->max_serv_outstanding ?
					req->max_serv_called : lim->max_serv_outstanding;
	resp->has_nesting = true;
	resp->nesting = req->has_nesting && req->nesting < lim->max_nesting ? req->nesting :
									      lim->max_nesting;
	resp->version = 1; /* ISO 9506:2003 */
	for (int i = 0; i < 2; i++)
		resp->param_cbb[i] = req->param_cbb[i] & lim->param_cbb[i];
	/* servicesSupportedCalled lists what this server offers. */
	memcpy(resp->services, lim->services, MMS_SERVICE_OCTETS);
	return 0;
}

static void put_service_error(struct buf *b, int error_class, int code)
{
	size_t mc = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_int(b, BER_CONTEXT, (uint32_t)error_class, code);
	ber_end(b, mc);
}

void mms_encode_initiate_error(struct buf *b, int code)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_INITIATE_ERROR);
	put_service_error(b, MMS_ERR_INITIATE, code);
	ber_end(b, m);
}

void mms_encode_confirmed_error(struct buf *b, uint32_t invoke_id, int error_class, int code)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_CONFIRMED_ERROR);
	ber_put_uint(b, BER_CONTEXT, 0, invoke_id);
	size_t ms = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
	put_service_error(b, error_class, code);
	ber_end(b, ms);
	ber_end(b, m);
}

void mms_encode_reject(struct buf *b, bool has_invoke_id, uint32_t invoke_id, int type,
		       int code)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_REJECT);
	if (has_invoke_id)
		ber_put_uint(b, BER_CONTEXT, 0, invoke_id);
	ber_put_int(b, BER_CONTEXT, (uint32_t)type, code);
	ber_end(b, m);
}

void mms_encode_conclude(struct buf *b, bool response)
{
	ber_put_null(b, BER_CONTEXT, response ? MMS_CONCLUDE_RESPONSE : MMS_CONCLUDE_REQUEST);
}

void mms_encode_conclude_error(struct buf *b, int code)
{
	/* concludeErrorPDU [13] IMPLICIT ServiceError */
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_CONCLUDE_ERROR);
	put_service_error(b, MMS_ERR_CONCLUDE, code);
	ber_end(b, m);
}

void mms_begin_confirmed(struct buf *b, bool response, uint32_t invoke_id, uint32_t service,
			 struct mms_marks *m)
{
	m->outer = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED,
			     response ? MMS_CONFIRMED_RESPONSE : MMS_CONFIRMED_REQUEST);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	m->service = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, service);
}

void mms_end_confirmed(struct buf *b, const struct mms_marks *m)
{
	ber_end(b, m->service);
	ber_end(b, m->outer);
}

void mms_encode_identify_request(struct buf *b, uint32_t invoke_id)
{
	size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, MMS_CONFIRMED_REQUEST);
	ber_put_uint(b, BER_UNIVERSAL, BER_TAG_INTEGER, invoke_id);
	ber_put_null(b, BER_CONTEXT, MMS_SVC_IDENTIFY);
	ber_end(b, m);
}

void mms_encode_identify_response(struct buf *b, uint32_t invoke_id,
				  const struct mms_identify *id)
{
	struct mms_marks m;
	mms_begin_confirmed(b, true, invoke_id, MMS_SVC_IDENTIFY, &m);
	ber_put_str(b, BER_CONTEXT, 0, id->vendor);
	ber_put_str(b, BER_CONTEXT, 1, id->model);
	ber_put_str(b, BER_CONTEXT, 2, id->revision);
	mms_end_confirmed(b, &m);
}

int mms_identify_decode(const uint8_t *body, size_t len, struct mms_identify *id,
			struct proto_err *err)
{
	struct ber_cur c;
	struct ber_tlv t;
	char *dst[3] = { id->vendor, id->model, id->revision };
	const char *names[3] = { "vendorName", "modelName", "revision" };
	int r;

	ber_cur_init(&c, body, len);
	for (int i = 0; i < 3; i++) {
		if ((r = ber_expect(&c, BER_CONTEXT, (uint32_t)i, &t, names[i], err)) ||
		    (r = ber_get_visible(&t, dst[i], sizeof(id->vendor), err)))
			return proto_relayer(err, L, r);
	}
	return 0;
}

int mms_service_error_decode(const uint8_t *body, size_t len, int *error_class, int *code,
			     struct proto_err *err)
{
	struct ber_cur c, e;
	struct ber_tlv t, f;
	int64_t v;
	int r;

	ber_cur_init(&c, body, len);
	if ((r = ber_expect(&c, BER_CONTEXT | BER_CONSTRUCTED, 0, &t, "errorClass", err)) ||
	    (r = ber_enter(&c, &t, &e, err)) || (r = ber_next(&e, &f, err)) ||
	    (r = ber_get_int64(&f, &v, err)))
		return proto_relayer(err, L, r == -ENODATA ? proto_fail(err, L, "empty errorClass") : r);
	*error_class = (int)f.tag;
	*code = (int)v;
	return 0;
}
