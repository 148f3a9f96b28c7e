/* SPDX-License-Identifier: Apache-2.0 */
/* MMS (ISO 9506-2) PDUs: golden Identify, Initiate-Error, confirmed-error,
 * Reject and Conclude; the PDU envelope decoder; Initiate encoding and the
 * negotiation rules of ISO 9506-1 §8.2.2. */
#include <errno.h>

#include "mms.h"
#include "testutil.h"

static int pdu_exact(const uint8_t *p, size_t n, struct mms_pdu *m, struct proto_err *e)
{
	static uint8_t *copy; /* lives until the next call: m->body points into it */
	free(copy);
	copy = dup_exact(p, n);
	return mms_pdu_decode(copy, n, m, e);
}

#define PDU_REFUSED(...)                                                                        \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct mms_pdu m_;                                                              \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(pdu_exact(in_, sizeof(in_), &m_, &e_), -EBADMSG);             \
		ck_assert_str_eq(e_.layer, "mms");                                              \
	} while (0)

static const struct mms_identify ident = { .vendor = "iedd", .model = "software IED",
					   .revision = "0" };

START_TEST(identify_golden)
{
	struct buf b;
	struct mms_pdu m;
	struct mms_identify got;

	buf_init(&b, 0, 0);
	mms_encode_identify_request(&b, 1);
	static const uint8_t req[] = { 0xA0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00 };
	ck_assert_buf(&b, req);
	ck_assert_int_eq(pdu_exact(req, sizeof(req), &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_CONFIRMED_REQUEST);
	ck_assert(m.has_invoke_id);
	ck_assert_uint_eq(m.invoke_id, 1);
	ck_assert_uint_eq(m.service, MMS_SVC_IDENTIFY);
	ck_assert(!m.service_constructed);
	ck_assert_uint_eq(m.body_len, 0);
	ck_assert(!m.has_modifiers);

	buf_reset(&b, 0);
	mms_encode_identify_response(&b, 1, &ident);
	static const uint8_t resp[] = { 0xA1, 0x1C, 0x02, 0x01, 0x01, 0xA2, 0x17,
					0x80, 0x04, 'i', 'e', 'd', 'd',
					0x81, 0x0C, 's', 'o', 'f', 't', 'w', 'a', 'r', 'e', ' ',
					'I', 'E', 'D',
					0x82, 0x01, '0' };
	ck_assert_buf(&b, resp);
	ck_assert_int_eq(pdu_exact(resp, sizeof(resp), &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_CONFIRMED_RESPONSE);
	ck_assert_uint_eq(m.service, MMS_SVC_IDENTIFY);
	ck_assert(m.service_constructed);
	ck_assert_int_eq(mms_identify_decode(m.body, m.body_len, &got, NULL), 0);
	ck_assert_str_eq(got.vendor, "iedd");
	ck_assert_str_eq(got.model, "software IED");
	ck_assert_str_eq(got.revision, "0");

	/* invokeIDs are Unsigned32: 128 needs a leading zero octet, 2^32-1 five */
	buf_reset(&b, 0);
	mms_encode_identify_request(&b, 128);
	static const uint8_t req128[] = { 0xA0, 0x06, 0x02, 0x02, 0x00, 0x80, 0x82, 0x00 };
	ck_assert_buf(&b, req128);
	buf_reset(&b, 0);
	mms_encode_identify_request(&b, UINT32_MAX);
	ck_assert_int_eq(pdu_exact(buf_data(&b), b.len, &m, NULL), 0);
	ck_assert_uint_eq(m.invoke_id, UINT32_MAX);
	buf_clear(&b);
}
END_TEST

START_TEST(identify_decode_refusals)
{
	struct mms_identify got;
	struct proto_err e = { 0 };
	/* modelName missing */
	static const uint8_t two[] = { 0x80, 0x01, 'a', 0x82, 0x01, 'b' };
	ck_assert_int_eq(mms_identify_decode(two, sizeof(two), &got, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	/* a control character in a VisibleString */
	static const uint8_t ctl[] = { 0x80, 0x01, 0x07, 0x81, 0x01, 'a', 0x82, 0x01, 'b' };
	ck_assert_int_eq(mms_identify_decode(ctl, sizeof(ctl), &got, &e), -EBADMSG);
	/* a vendor name of 65 characters does not fit */
	uint8_t longv[2 + 65 + 6];
	longv[0] = 0x80;
	longv[1] = 65;
	memset(longv + 2, 'v', 65);
	memcpy(longv + 67, "\x81\x01m\x82\x01r", 6);
	ck_assert_int_eq(mms_identify_decode(longv, sizeof(longv), &got, &e), -EBADMSG);
	longv[1] = 64; /* 64 fits: shift the rest down by one */
	memmove(longv + 66, longv + 67, 6);
	ck_assert_int_eq(mms_identify_decode(longv, sizeof(longv) - 1, &got, NULL), 0);
	ck_assert_uint_eq(strlen(got.vendor), 64);
}
END_TEST

START_TEST(error_pdus_golden)
{
	struct buf b;
	struct mms_pdu m;
	int cls, code;

	buf_init(&b, 0, 0);
	mms_encode_initiate_error(&b, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);
	static const uint8_t ie[] = { 0xAA, 0x05, 0xA0, 0x03, 0x88, 0x01, 0x02 };
	ck_assert_buf(&b, ie);
	ck_assert_int_eq(pdu_exact(ie, sizeof(ie), &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_INITIATE_ERROR);
	ck_assert_int_eq(mms_service_error_decode(m.pdu, m.pdu_len, &cls, &code, NULL), 0);
	ck_assert_int_eq(cls, MMS_ERR_INITIATE);
	ck_assert_int_eq(code, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);

	buf_reset(&b, 0);
	mms_encode_confirmed_error(&b, 5, MMS_ERR_SERVICE, MMS_SERVICE_OTHER);
	static const uint8_t ce[] = { 0xA2, 0x0A, 0x80, 0x01, 0x05, 0xA2, 0x05, 0xA0, 0x03,
				      0x84, 0x01, 0x00 };
	ck_assert_buf(&b, ce);
	ck_assert_int_eq(pdu_exact(ce, sizeof(ce), &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_CONFIRMED_ERROR);
	ck_assert(m.has_invoke_id);
	ck_assert_uint_eq(m.invoke_id, 5);
	ck_assert_uint_eq(m.service, 2); /* serviceError */
	ck_assert_int_eq(mms_service_error_decode(m.body, m.body_len, &cls, &code, NULL), 0);
	ck_assert_int_eq(cls, MMS_ERR_SERVICE);
	ck_assert_int_eq(code, MMS_SERVICE_OTHER);

	buf_reset(&b, 0);
	mms_encode_reject(&b, true, 7, MMS_REJ_CONFIRMED_REQUEST, MMS_REJ_REQ_UNRECOGNIZED_SERVICE);
	static const uint8_t rj[] = { 0xA4, 0x06, 0x80, 0x01, 0x07, 0x81, 0x01, 0x01 };
	ck_assert_buf(&b, rj);
	ck_assert_int_eq(pdu_exact(rj, sizeof(rj), &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_REJECT);
	ck_assert(m.has_invoke_id);
	ck_assert_uint_eq(m.invoke_id, 7);
	ck_assert_uint_eq(m.service, MMS_REJ_CONFIRMED_REQUEST);

	buf_reset(&b, 0);
	mms_encode_reject(&b, false, 0, MMS_REJ_PDU_ERROR, MMS_REJ_PDU_INVALID);
	static const uint8_t rj2[] = { 0xA4, 0x03, 0x85, 0x01, 0x01 };
	ck_assert_buf(&b, rj2);
	ck_assert_int_eq(pdu_exact(rj2, sizeof(rj2), &m, NULL), 0);
	ck_assert(!m.has_invoke_id);
	ck_assert_uint_eq(m.service, MMS_REJ_PDU_ERROR);

	buf_reset(&b, 0);
	mms_encode_conclude(&b, false);
	mms_encode_conclude(&b, true);
	static const uint8_t cc[] = { 0x8B, 0x00, 0x8C, 0x00 };
	ck_assert_buf(&b, cc);
	ck_assert_int_eq(pdu_exact(cc, 2, &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_CONCLUDE_REQUEST);
	buf_clear(&b);
}
END_TEST

START_TEST(envelope_refusals)
{
	struct mms_pdu m;
	struct proto_err e = { 0 };

	ck_assert_int_eq(pdu_exact(NULL, 0, &m, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	PDU_REFUSED(0x8B, 0x00, 0x00);				/* octets after the PDU */
	PDU_REFUSED(0xAE, 0x00);				/* tag 14: no MMS PDU */
	PDU_REFUSED(0x0B, 0x00);				/* universal class */
	PDU_REFUSED(0x8B, 0x01, 0x00);				/* Conclude is an empty NULL */
	PDU_REFUSED(0xAB, 0x00);				/* ...and primitive */
	PDU_REFUSED(0xA0, 0x03, 0x02, 0x01, 0x01);		/* no service */
	PDU_REFUSED(0xA0, 0x02, 0x82, 0x00);			/* no invokeID */
	PDU_REFUSED(0xA0, 0x04, 0x02, 0x00, 0x82, 0x00);	/* empty invokeID */
	PDU_REFUSED(0xA0, 0x05, 0x02, 0x01, 0xFF, 0x82, 0x00);	/* negative invokeID */
	PDU_REFUSED(0xA0, 0x09, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x82, 0x00);
								/* invokeID 2^32 */
	PDU_REFUSED(0xA0, 0x07, 0x02, 0x01, 0x01, 0x82, 0x00, 0x82, 0x00); /* two services */
	PDU_REFUSED(0xA0, 0x05, 0x02, 0x01, 0x01, 0x02, 0x00);	/* universal service tag */
	PDU_REFUSED(0x80, 0x03, 0x02, 0x01, 0x01);		/* primitive confirmed request */
	PDU_REFUSED(0xA0, 0x05, 0x02, 0x01, 0x01, 0x30, 0x00);	/* modifiers, then nothing */
	PDU_REFUSED(0xA8, 0x01);				/* length past the end */
	PDU_REFUSED(0x88, 0x00);				/* Initiate must be constructed */
	/* a confirmed-error or Reject whose contents are not BER */
	PDU_REFUSED(0xA2, 0x03, 0x80, 0x05, 0x01);
	PDU_REFUSED(0xA4, 0x05, 0x80, 0x01, 0x07, 0x81, 0x05);
	PDU_REFUSED(0xA2, 0x03, 0x80, 0x01, 0xFF);		/* negative invokeID */
	PDU_REFUSED(0xA4, 0x03, 0x80, 0x01, 0x07);		/* Reject without reason */
	PDU_REFUSED(0xA2, 0x00);				/* confirmed-error, empty */

	/* the invokeID is reported when it was readable, so the server can
	 * answer with a Reject that names it */
	static const uint8_t bad_after_id[] = { 0xA0, 0x05, 0x02, 0x01, 0x2A, 0x02, 0x00 };
	ck_assert_int_eq(pdu_exact(bad_after_id, sizeof(bad_after_id), &m, NULL), -EBADMSG);
	ck_assert(m.has_invoke_id);
	ck_assert_uint_eq(m.invoke_id, 42);

	/* modifiers are flagged, the service still found */
	static const uint8_t mod[] = { 0xA0, 0x07, 0x02, 0x01, 0x01, 0x30, 0x00, 0x82, 0x00 };
	ck_assert_int_eq(pdu_exact(mod, sizeof(mod), &m, NULL), 0);
	ck_assert(m.has_modifiers);
	ck_assert_uint_eq(m.service, MMS_SVC_IDENTIFY);

	/* a high service tag (Unconfirmed is no confirmed PDU, but tag 100 decodes) */
	static const uint8_t hi[] = { 0xA0, 0x06, 0x02, 0x01, 0x01, 0x9F, 0x64, 0x00 };
	ck_assert_int_eq(pdu_exact(hi, sizeof(hi), &m, NULL), 0);
	ck_assert_uint_eq(m.service, 100);
}
END_TEST

static struct mms_initiate proposal(void)
{
	struct mms_initiate in = {
		.has_local_detail = true, .local_detail = 65000,
		.max_serv_calling = 5, .max_serv_called = 5,
		.has_nesting = true, .nesting = 10, .version = 1,
		.param_cbb = { 0xF1, 0x00 },
	};
	mms_set_bit(in.services, MMS_SVC_IDENTIFY);
	mms_set_bit(in.services, MMS_SVC_READ);
	return in;
}

START_TEST(initiate_roundtrip)
{
	struct mms_initiate in = proposal(), out;
	struct buf b;
	buf_init(&b, 0, 0);
	mms_initiate_encode(&b, false, &in);
	static const uint8_t exp[] = {
		0xA8, 0x26,
		0x80, 0x03, 0x00, 0xFD, 0xE8,		/* localDetailCalling 65000 */
		0x81, 0x01, 0x05, 0x82, 0x01, 0x05,	/* max serv outstanding */
		0x83, 0x01, 0x0A,			/* nesting */
		0xA4, 0x16, 0x80, 0x01, 0x01,		/* version 1 */
		0x81, 0x03, 0x05, 0xF1, 0x00,		/* 11 parameter CBB bits */
		0x82, 0x0C, 0x03, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00,				/* 85 service bits */
	};
	ck_assert_buf(&b, exp);
	ck_assert_int_eq(mms_initiate_decode(buf_data(&b), b.len, false, &out, NULL), 0);
	ck_assert(out.has_local_detail);
	ck_assert_int_eq(out.local_detail, 65000);
	ck_assert_int_eq(out.max_serv_calling, 5);
	ck_assert_int_eq(out.max_serv_called, 5);
	ck_assert(out.has_nesting);
	ck_assert_int_eq(out.nesting, 10);
	ck_assert_int_eq(out.version, 1);
	ck_assert_mem_eq(out.param_cbb, in.param_cbb, 2);
	ck_assert_mem_eq(out.services, in.services, MMS_SERVICE_OCTETS);
	/* a request is no response */
	ck_assert_int_eq(mms_initiate_decode(buf_data(&b), b.len, true, &out, NULL), -EBADMSG);
	buf_clear(&b);
}
END_TEST

START_TEST(initiate_refusals)
{
	struct mms_initiate out;
	struct proto_err e = { 0 };
	/* without max services outstanding */
	static const uint8_t no_called[] = { 0xA8, 0x05, 0x81, 0x01, 0x05, 0xA4, 0x00 };
	ck_assert_int_eq(mms_initiate_decode(no_called, sizeof(no_called), false, &out, &e),
			 -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	/* without initRequestDetail */
	static const uint8_t no_detail[] = { 0xA8, 0x06, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05 };
	ck_assert_int_eq(mms_initiate_decode(no_detail, sizeof(no_detail), false, &out, &e),
			 -EBADMSG);
	/* integers wider than their ASN.1 types */
	static const uint8_t wide_detail[] = { 0xA8, 0x0F, 0x80, 0x05, 0x01, 0x00, 0x00, 0x00,
					       0x00, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05, 0xA4,
					       0x00 };
	ck_assert_int_eq(mms_initiate_decode(wide_detail, sizeof(wide_detail), false, &out, &e),
			 -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	static const uint8_t wide_nesting[] = { 0xA8, 0x0C, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05,
						0x83, 0x02, 0x00, 0xC8, 0xA4, 0x00 };
	ck_assert_int_eq(mms_initiate_decode(wide_nesting, sizeof(wide_nesting), false, &out,
					     &e), -EBADMSG);
	static const uint8_t wide_serv[] = { 0xA8, 0x0A, 0x81, 0x03, 0x01, 0x00, 0x00, 0x82,
					     0x01, 0x05, 0xA4, 0x00 };
	ck_assert_int_eq(mms_initiate_decode(wide_serv, sizeof(wide_serv), false, &out, &e),
			 -EBADMSG);
	/* a services bit string longer than 85 bits */
	static const uint8_t long_svc[] = { 0xA8, 0x17, 0x81, 0x01, 0x05, 0x82, 0x01, 0x05,
					    0xA4, 0x0F, 0x82, 0x0D, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9,
					    10, 11, 12 };
	ck_assert_int_eq(mms_initiate_decode(long_svc, sizeof(long_svc), false, &out, &e),
			 -EBADMSG);
	/* the smallest acceptable request: no localDetail, no nesting */
	static const uint8_t minimal[] = { 0xA8, 0x08, 0x81, 0x01, 0x01, 0x82, 0x01, 0x01,
					   0xA4, 0x00 };
	ck_assert_int_eq(mms_initiate_decode(minimal, sizeof(minimal), false, &out, NULL), 0);
	ck_assert(!out.has_local_detail);
	ck_assert(!out.has_nesting);
}
END_TEST

static struct mms_limits limits(void)
{
	struct mms_limits lim = { .max_pdu = 8000, .min_pdu = 64, .max_serv_outstanding = 3,
				  .max_nesting = 8, .param_cbb = { 0xF1, 0x00 } };
	mms_set_bit(lim.services, MMS_SVC_IDENTIFY);
	mms_set_bit(lim.services, MMS_SVCBIT_CONCLUDE);
	return lim;
}

START_TEST(negotiation)
{
	struct mms_limits lim = limits();
	struct mms_initiate req = proposal(), resp;
	const char *why = NULL;

	/* every value is the smaller of proposal and limit */
	ck_assert_int_eq(mms_initiate_negotiate(&req, &lim, &resp, &why), 0);
	ck_assert(resp.has_local_detail);
	ck_assert_int_eq(resp.local_detail, 8000);
	ck_assert_int_eq(resp.max_serv_calling, 3);
	ck_assert_int_eq(resp.max_serv_called, 3);
	ck_assert(resp.has_nesting);
	ck_assert_int_eq(resp.nesting, 8);
	ck_assert_int_eq(resp.version, 1);
	ck_assert_mem_eq(resp.services, lim.services, MMS_SERVICE_OCTETS);

	req.local_detail = 1000;
	req.max_serv_calling = 1;
	req.nesting = 2;
	req.param_cbb[0] = 0x81;
	ck_assert_int_eq(mms_initiate_negotiate(&req, &lim, &resp, &why), 0);
	ck_assert_int_eq(resp.local_detail, 1000);
	ck_assert_int_eq(resp.max_serv_calling, 1);
	ck_assert_int_eq(resp.nesting, 2);
	ck_assert_uint_eq(resp.param_cbb[0], 0x81); /* intersection */

	/* without localDetail the server's limit applies */
	req.has_local_detail = false;
	req.has_nesting = false;
	ck_assert_int_eq(mms_initiate_negotiate(&req, &lim, &resp, &why), 0);
	ck_assert_int_eq(resp.local_detail, 8000);
	ck_assert_int_eq(resp.nesting, 8);
}
END_TEST

START_TEST(negotiation_refusals)
{
	struct mms_limits lim = limits();
	struct mms_initiate req, resp;
	const char *why;

#define REFUSED_WITH(field, value, code)                                                        \
	do {                                                                                    \
		req = proposal();                                                               \
		req.field = (value);                                                            \
		why = NULL;                                                                     \
		ck_assert_int_eq(mms_initiate_negotiate(&req, &lim, &resp, &why), (code));      \
		ck_assert_ptr_nonnull(why);                                                     \
	} while (0)
	REFUSED_WITH(version, 0, MMS_INITIATE_VERSION_INCOMPATIBLE);
	REFUSED_WITH(max_serv_calling, 0, MMS_INITIATE_MAX_CALLING_INSUFFICIENT);
	REFUSED_WITH(max_serv_calling, -1, MMS_INITIATE_MAX_CALLING_INSUFFICIENT);
	REFUSED_WITH(max_serv_called, 0, MMS_INITIATE_MAX_CALLED_INSUFFICIENT);
	REFUSED_WITH(local_detail, 10, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);
	REFUSED_WITH(local_detail, 63, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);
	REFUSED_WITH(local_detail, -1, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);
	REFUSED_WITH(nesting, -1, MMS_INITIATE_NESTING_INSUFFICIENT);
#undef REFUSED_WITH
	/* min_pdu itself is acceptable */
	req = proposal();
	req.local_detail = 64;
	ck_assert_int_eq(mms_initiate_negotiate(&req, &lim, &resp, &why), 0);
	ck_assert_int_eq(resp.local_detail, 64);
}
END_TEST

START_TEST(service_bits)
{
	uint8_t bits[MMS_SERVICE_OCTETS] = { 0 };
	mms_set_bit(bits, 0);
	mms_set_bit(bits, MMS_SVC_IDENTIFY);
	mms_set_bit(bits, MMS_SVCBIT_CANCEL);
	ck_assert_uint_eq(bits[0], 0xA0);
	ck_assert_uint_eq(bits[10], 0x08); /* bit 84 */
	ck_assert(mms_bit(bits, MMS_SVC_IDENTIFY));
	ck_assert(!mms_bit(bits, MMS_SVC_READ));
	ck_assert(mms_bit(bits, MMS_SVCBIT_CANCEL));
}
END_TEST

static Suite *mms_suite(void)
{
	Suite *s = suite_create("mms");
	TCase *tc = tcase_create("mms");
	tcase_add_test(tc, identify_golden);
	tcase_add_test(tc, identify_decode_refusals);
	tcase_add_test(tc, error_pdus_golden);
	tcase_add_test(tc, envelope_refusals);
	tcase_add_test(tc, initiate_roundtrip);
	tcase_add_test(tc, initiate_refusals);
	tcase_add_test(tc, negotiation);
	tcase_add_test(tc, negotiation_refusals);
	tcase_add_test(tc, service_bits);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_suite)
