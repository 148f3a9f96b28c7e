/* SPDX-License-Identifier: Apache-2.0 */
/* The server side of one association (mms_assoc_input) under bad and
 * unusual input at every layer: what iedd answers, what it returns, and
 * which layer the error names. Golden PDUs are checked octet for octet. */
#include <errno.h>

#include "ber.h"
#include "embedded.h"
#include "mms_client.h"
#include "pair.h"
#include "observe.h"
#include "update.h"

/* libiec61850's client CR: TPDU size 8192, called TSAP 0001, calling 0001. */
static const uint8_t cr_libiec61850[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00,
					  0x00, 0x01, 0x00, 0xC0, 0x01, 0x0D, 0xC2, 0x02,
					  0x00, 0x01, 0xC1, 0x02, 0x00, 0x01 };

static const uint32_t OID_ACSE[] = { 2, 2, 1, 0, 1 };
static const uint32_t OID_BER[] = { 2, 1, 1 };
static const uint32_t OID_UNKNOWN[] = { 1, 3, 9999, 1 };

START_TEST(cc_golden)
{
	/* class 0, TPDU size clamped to 2048 (ISO 8073 §13.3.4 b), TSAPs
	 * returned, our reference 0x05E1, the client's 0x0001 */
	static const uint8_t cc[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x05, 0xE1,
				      0x00, 0xC0, 0x01, 0x0B, 0xC1, 0x02, 0x00, 0x01, 0xC2, 0x02,
				      0x00, 0x01 };
	struct pair p;
	pair_init(&p, 65000);
	ck_assert_int_eq(server_raw(&p, cr_libiec61850, sizeof(cr_libiec61850)),
			 MMS_STEP_CONTINUE);
	ck_assert_buf(&p.wire, cc);
	ck_assert_uint_eq(p.a.iso.tpdu_size, 2048);
	ck_assert_uint_eq(mms_assoc_max_tpkt(&p.a), 2052);

	/* a CR without TPDU size gets the default 128 (ISO 8073 §13.3.4 b) */
	struct pair q;
	pair_init(&q, 65000);
	static const uint8_t cr_plain[] = { 0x03, 0x00, 0x00, 0x0B, 0x06, 0xE0, 0x00, 0x00,
					    0x00, 0x07, 0x00 };
	static const uint8_t cc_plain[] = { 0x03, 0x00, 0x00, 0x0E, 0x09, 0xD0, 0x00, 0x07, 0x05,
					    0xE1, 0x00, 0xC0, 0x01, 0x07 };
	ck_assert_int_eq(server_raw(&q, cr_plain, sizeof(cr_plain)), MMS_STEP_CONTINUE);
	ck_assert_buf(&q.wire, cc_plain);
	ck_assert_uint_eq(q.a.iso.tpdu_size, 128);
	pair_clear(&p);
	pair_clear(&q);
}
END_TEST

START_TEST(truncated_tpkt)
{
	struct pair p;
	uint8_t cut[15];

	/* a well-framed TPKT whose CR is cut short */
	pair_init(&p, 65000);
	memcpy(cut, cr_libiec61850, sizeof(cut));
	cut[3] = sizeof(cut);
	ck_assert_int_eq(server_raw(&p, cut, sizeof(cut)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	ck_assert_uint_eq(p.wire.len, 0);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	pair_clear(&p);

	/* a TPKT whose header promises more than was delivered */
	pair_init(&p, 65000);
	ck_assert_int_eq(server_raw(&p, cr_libiec61850, 15), -EBADMSG);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);

	/* a header and nothing else */
	pair_init(&p, 65000);
	ck_assert_int_eq(server_raw(&p, "\x03\x00\x00\x04", 4), -EBADMSG);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);

	/* a DT cut inside the session header, after CR/CC */
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	static const uint8_t dt[] = { 0x03, 0x00, 0x00, 0x08, 0x02, 0xF0, 0x80, 0x0D };
	ck_assert_int_eq(server_raw(&p, dt, sizeof(dt)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "session");
	pair_clear(&p);
}
END_TEST

START_TEST(cotp_wrong_class)
{
	/* class 2 asked for: DR "connection negotiation failed" (128+2) */
	struct pair p;
	uint8_t cr[sizeof(cr_libiec61850)];
	memcpy(cr, cr_libiec61850, sizeof(cr));
	cr[10] = 0x20;
	pair_init(&p, 65000);
	ck_assert_int_eq(server_raw(&p, cr, sizeof(cr)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	static const uint8_t dr[] = { 0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x00, 0x01, 0x05, 0xE1,
				      0x82 };
	ck_assert_buf(&p.wire, dr);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	pair_clear(&p);
}
END_TEST

START_TEST(cr_li_too_short)
{
	struct pair p;
	static const uint8_t cr[] = { 0x03, 0x00, 0x00, 0x0A, 0x05, 0xE0, 0x00, 0x00, 0x00, 0x01 };
	pair_init(&p, 65000);
	ck_assert_int_eq(server_raw(&p, cr, sizeof(cr)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	ck_assert_uint_eq(p.wire.len, 0); /* nothing to answer before a connection */

	/* and a DT where a CR must come */
	pair_clear(&p);
	pair_init(&p, 65000);
	static const uint8_t dt[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x80 };
	ck_assert_int_eq(server_raw(&p, dt, sizeof(dt)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	pair_clear(&p);
}
END_TEST

/* Sends a TSDU (session SPDU) to the server in DT TPDUs. */
static int send_tsdu(struct pair *p, const uint8_t *spdu, size_t n)
{
	cotp_encode_dt(&p->wire, spdu, n, p->cli.tpdu_size);
	return to_server(p);
}

/* The abort iedd sends before association: DR, reason protocol error. */
static const uint8_t dr_protocol_error[] = { 0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x0C, 0x11,
					     0x05, 0xE1, 0x85 };

START_TEST(session_bad_length)
{
	struct pair p;
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	/* CN whose length indicator claims 0x20 octets, 5 present */
	static const uint8_t cn[] = { 0x0D, 0x20, 0x14, 0x02, 0x00, 0x02, 0xC1 };
	ck_assert_int_eq(send_tsdu(&p, cn, sizeof(cn)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "session");
	ck_assert_buf(&p.wire, dr_protocol_error);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	pair_clear(&p);

	/* and one whose length indicator is shorter than the TSDU */
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	static const uint8_t cn2[] = { 0x0D, 0x02, 0x14, 0x02, 0x00, 0x02 };
	ck_assert_int_eq(send_tsdu(&p, cn2, sizeof(cn2)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "session");
	pair_clear(&p);
}
END_TEST

START_TEST(data_before_association)
{
	struct pair p;
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	static const uint8_t gt_dt[] = { 0x01, 0x00, 0x01, 0x00, 0x61, 0x00 };
	ck_assert_int_eq(send_tsdu(&p, gt_dt, sizeof(gt_dt)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "session");
	ck_assert_buf(&p.wire, dr_protocol_error);
	pair_clear(&p);

	/* a second CR on a connected transport */
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	ck_assert_int_eq(server_raw(&p, cr_libiec61850, sizeof(cr_libiec61850)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	pair_clear(&p);
}
END_TEST

/* A CP-type proposing the given contexts (BER each), carrying `aarq` in
 * context `pcid`, in a session CONNECT. */
struct ctxdef {
	int id;
	const uint32_t *as;
	size_t n;
};

static void put_cn(struct buf *spdu, const struct ctxdef *ctx, size_t nctx, int pcid,
		   const uint8_t *aarq, size_t aarq_len)
{
	struct buf cp;
	buf_init(&cp, 0, 0);
	size_t ms = ber_begin(&cp, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET);
	size_t mm = ber_begin(&cp, BER_CONTEXT | BER_CONSTRUCTED, 0);
	ber_put_int(&cp, BER_CONTEXT, 0, 1);
	ber_end(&cp, mm);
	size_t mn = ber_begin(&cp, BER_CONTEXT | BER_CONSTRUCTED, 2);
	size_t ml = ber_begin(&cp, BER_CONTEXT | BER_CONSTRUCTED, 4);
	for (size_t i = 0; i < nctx; i++) {
		size_t mc = ber_begin(&cp, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_int(&cp, BER_UNIVERSAL, BER_TAG_INTEGER, ctx[i].id);
		ber_put_oid(&cp, BER_UNIVERSAL, BER_TAG_OID, ctx[i].as, ctx[i].n);
		size_t mt = ber_begin(&cp, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
		ber_put_oid(&cp, BER_UNIVERSAL, BER_TAG_OID, OID_BER, 3);
		ber_end(&cp, mt);
		ber_end(&cp, mc);
	}
	ber_end(&cp, ml);
	pres_encode_data(&cp, pcid, aarq, aarq_len);
	ber_end(&cp, mn);
	ber_end(&cp, ms);
	ck_assert_int_eq(cp.err, 0);
	ses_encode_connect(spdu, SES_CN, SES_VERSION2, buf_data(&cp), cp.len);
	buf_clear(&cp);
}

/* Checks that the wire holds a session REFUSE carrying a presentation CPR
 * with the given provider reason. */
static void assert_refuse(const struct buf *w, int64_t provider_reason)
{
	struct cotp_tpdu t;
	struct ses_spdu s;
	struct pres_connect cp;
	ck_assert_uint_eq(tpkt_count(buf_data(w), w->len, NULL), 1);
	ck_assert_int_eq(cotp_decode(buf_data(w) + 4, w->len - 4, &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_DT);
	ck_assert(t.eot);
	ck_assert_int_eq(ses_decode(t.data, t.data_len, &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_RF);
	ck_assert_uint_eq(s.reason, 2); /* rejected by the SS-user, reason in user data */
	ck_assert_int_eq(pres_decode_cpa(s.user_data, s.user_len, &cp, NULL), 0);
	ck_assert(cp.refused);
	ck_assert_int_eq(cp.provider_reason, provider_reason);
}

START_TEST(pres_unknown_abstract_syntax)
{
	/* no MMS context (1.0.9506.2.1): refused with CPR in session REFUSE,
	 * ISO 8823 provider-reason default-context-not-supported (5) */
	static const uint8_t aarq[] = { 0x60, 0x00 };
	struct pair p;
	struct buf spdu;
	const struct ctxdef only_unknown[] = { { 1, OID_UNKNOWN, 4 } };
	const struct ctxdef acse_unknown[] = { { 1, OID_ACSE, 5 }, { 3, OID_UNKNOWN, 4 } };

	pair_init(&p, 65000);
	pair_connect(&p, 10);
	buf_init(&spdu, 0, 0);
	put_cn(&spdu, only_unknown, 1, 1, aarq, sizeof(aarq));
	ck_assert_int_eq(send_tsdu(&p, buf_data(&spdu), spdu.len), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "presentation");
	assert_refuse(&p.wire, 5);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	pair_clear(&p);

	pair_init(&p, 65000);
	pair_connect(&p, 10);
	buf_reset(&spdu, 0);
	put_cn(&spdu, acse_unknown, 2, 1, aarq, sizeof(aarq));
	ck_assert_int_eq(send_tsdu(&p, buf_data(&spdu), spdu.len), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "presentation");
	ck_assert_ptr_nonnull(strstr(p.err.reason, "MMS"));
	assert_refuse(&p.wire, 5);
	buf_clear(&spdu);
	pair_clear(&p);
}
END_TEST

/* Sends CN+CP(ACSE, MMS)+`aarq`, then decodes the server's answer as the
 * client would (it was waiting for AC). */
static int send_aarq(struct pair *p, const struct buf *aarq)
{
	struct buf cp, s;
	buf_init(&cp, 0, 0);
	buf_init(&s, 0, 0);
	pres_encode_cp(&cp, buf_data(aarq), aarq->len);
	ses_encode_connect(&s, SES_CN, SES_VERSION2, buf_data(&cp), cp.len);
	int r = send_tsdu(p, buf_data(&s), s.len);
	buf_clear(&cp);
	buf_clear(&s);
	p->cli.state = ISO_WAIT_AC;
	return r;
}

START_TEST(acse_wrong_context)
{
	struct pair p;
	struct buf a, m;
	struct mms_initiate req = initiate_request();
	static const uint32_t not_mms[] = { 1, 0, 9506, 2, 1 }; /* the AS, not the context */

	pair_init(&p, 65000);
	pair_connect(&p, 10);
	buf_init(&m, 0, 0);
	mms_initiate_encode(&m, false, &req);
	buf_init(&a, 0, 0);
	size_t ma = ber_begin(&a, BER_APPLICATION | BER_CONSTRUCTED, ACSE_AARQ);
	size_t mc = ber_begin(&a, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_oid(&a, BER_UNIVERSAL, BER_TAG_OID, not_mms, 5);
	ber_end(&a, mc);
	size_t mu = ber_begin(&a, BER_CONTEXT | BER_CONSTRUCTED, 30);
	size_t me = ber_begin(&a, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_EXTERNAL);
	ber_put_int(&a, BER_UNIVERSAL, BER_TAG_INTEGER, PRES_CTX_MMS);
	ber_put_raw(&a, BER_CONTEXT | BER_CONSTRUCTED, 0, buf_data(&m), m.len);
	ber_end(&a, me);
	ber_end(&a, mu);
	ber_end(&a, ma);

	ck_assert_int_eq(send_aarq(&p, &a), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "acse");
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_REFUSED);
	ck_assert_uint_eq(p.ev.acse.type, ACSE_AARE);
	ck_assert_int_eq(p.ev.acse.result, ACSE_REJECTED_PERMANENT);
	ck_assert_int_eq(p.ev.acse.diagnostic, ACSE_DIAG_CONTEXT_NOT_SUPPORTED);
	ck_assert(p.ev.acse.context_is_mms); /* the AARE names the context we support */
	buf_clear(&a);
	buf_clear(&m);
	pair_clear(&p);
}
END_TEST

START_TEST(aarq_without_initiate)
{
	struct pair p;
	struct buf a;
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	buf_init(&a, 0, 0);
	size_t ma = ber_begin(&a, BER_APPLICATION | BER_CONSTRUCTED, ACSE_AARQ);
	size_t mc = ber_begin(&a, BER_CONTEXT | BER_CONSTRUCTED, 1);
	static const uint32_t mms_ctx[] = { 1, 0, 9506, 2, 3 };
	ber_put_oid(&a, BER_UNIVERSAL, BER_TAG_OID, mms_ctx, 5);
	ber_end(&a, mc);
	ber_end(&a, ma);
	ck_assert_int_eq(send_aarq(&p, &a), -EBADMSG);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_REFUSED);
	ck_assert_int_eq(p.ev.acse.result, ACSE_REJECTED_PERMANENT);
	ck_assert_ptr_null(p.ev.data);
	buf_clear(&a);
	pair_clear(&p);
}
END_TEST

/* Proposes `req`; expects an AARE rejected-permanent carrying an
 * Initiate-ErrorPDU with errorClass initiate and `code`. */
static void expect_initiate_error(const struct mms_initiate *req, int code)
{
	struct pair p;
	struct mms_pdu m;
	int cls, got;

	pair_init(&p, 65000);
	pair_connect(&p, 10);
	ck_assert_int_eq(pair_associate(&p, req), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "mms");
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_uint_eq(p.a.max_pdu, 0);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_REFUSED);
	ck_assert_int_ne(p.ev.acse.result, ACSE_ACCEPTED);
	ck_assert_ptr_nonnull(p.ev.data);
	ck_assert_int_eq(mms_pdu_decode(p.ev.data, p.ev.len, &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_INITIATE_ERROR);
	ck_assert_int_eq(mms_service_error_decode(m.pdu, m.pdu_len, &cls, &got, NULL), 0);
	ck_assert_int_eq(cls, MMS_ERR_INITIATE);
	ck_assert_int_eq(got, code);
	pair_clear(&p);
}

START_TEST(initiate_absurd)
{
	struct mms_initiate req = initiate_request();
	req.max_serv_calling = 0;
	expect_initiate_error(&req, MMS_INITIATE_MAX_CALLING_INSUFFICIENT);
	req = initiate_request();
	req.max_serv_called = 0;
	expect_initiate_error(&req, MMS_INITIATE_MAX_CALLED_INSUFFICIENT);
	req = initiate_request();
	req.local_detail = 10;
	expect_initiate_error(&req, MMS_INITIATE_MAX_SEGMENT_INSUFFICIENT);
	req = initiate_request();
	req.version = 0;
	expect_initiate_error(&req, MMS_INITIATE_VERSION_INCOMPATIBLE);
	req = initiate_request();
	req.nesting = -3;
	expect_initiate_error(&req, MMS_INITIATE_NESTING_INSUFFICIENT);
}
END_TEST

/* Associates with the given localDetail and TPDU size code. */
static void pair_up_pdu(struct pair *p, int32_t local_detail, uint8_t tpdu_code)
{
	struct mms_initiate req = initiate_request();
	req.local_detail = local_detail;
	pair_connect(p, tpdu_code);
	ck_assert_int_eq(pair_associate(p, &req), MMS_STEP_ASSOCIATED);
	ck_assert_uint_eq(p->a.max_pdu, (uint32_t)local_detail);
	ck_assert_int_eq(to_client(p), 0);
	ck_assert_uint_eq(p->ev.type, ISO_EV_ASSOCIATED);
}

/* A confirmed request of exactly n octets with an unknown service tag. */
static size_t filler_request(uint8_t *out, size_t n)
{
	/* A0 82 hh ll | 02 01 01 | 9F 64 82 hh ll | filler */
	ck_assert_uint_ge(n, 14);
	size_t inner = n - 4, body = n - 4 - 3 - 5;
	out[0] = 0xA0;
	out[1] = 0x82;
	out[2] = (uint8_t)(inner >> 8);
	out[3] = (uint8_t)inner;
	memcpy(out + 4, "\x02\x01\x01\x9F\x64\x82", 6);
	out[10] = (uint8_t)(body >> 8);
	out[11] = (uint8_t)body;
	memset(out + 12, 0x33, body);
	return n;
}

START_TEST(pdu_larger_than_negotiated)
{
	uint8_t req[700];
	struct pair p;

	/* single TPDU (2048 octets): the PDU is refused as MMS's error, and
	 * the association aborted (session AB + ACSE ABRT) */
	pair_init(&p, 65000);
	pair_up_pdu(&p, 200, 11);
	ck_assert_int_eq(send_mms(&p, req, filler_request(req, 600)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "mms");
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ABORTED);
	pair_clear(&p);

	/* one octet over the negotiated size is already too much... */
	pair_init(&p, 65000);
	pair_up_pdu(&p, 200, 11);
	ck_assert_int_eq(send_mms(&p, req, filler_request(req, 201)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "mms");
	pair_clear(&p);

	/* ...while exactly the negotiated size is served */
	pair_init(&p, 65000);
	pair_up_pdu(&p, 200, 11);
	ck_assert_int_eq(send_mms(&p, req, filler_request(req, 200)), MMS_STEP_CONTINUE);
	const uint8_t *d;
	size_t n;
	recv_mms(&p, &d, &n);
	ck_assert_uint_eq(d[0], 0xA4); /* Reject: unrecognized service */
	pair_clear(&p);

	/* segmented (128-octet TPDUs): refused while reassembling */
	pair_init(&p, 65000);
	pair_up_pdu(&p, 200, 7);
	ck_assert_int_eq(send_mms(&p, req, filler_request(req, 700)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "mms");
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ABORTED);
	pair_clear(&p);
}
END_TEST

START_TEST(empty_segments)
{
	/* DT TPDUs without EOT that carry no data, before any reassembly
	 * buffer exists, are legal and change nothing */
	struct pair p;
	static const uint8_t empty_dt[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x00 };
	pair_init(&p, 65000);
	pair_up(&p, 10);
	ck_assert_int_eq(server_raw(&p, empty_dt, sizeof(empty_dt)), MMS_STEP_CONTINUE);
	ck_assert_int_eq(server_raw(&p, empty_dt, sizeof(empty_dt)), MMS_STEP_CONTINUE);
	ck_assert_uint_eq(p.wire.len, 0);
	static const uint8_t req[] = { 0xA0, 0x05, 0x02, 0x01, 0x03, 0x82, 0x00 };
	const uint8_t *d;
	size_t n;
	ck_assert_int_eq(send_mms(&p, req, sizeof(req)), MMS_STEP_CONTINUE);
	recv_mms(&p, &d, &n);
	ck_assert_uint_eq(d[0], 0xA1);
	pair_clear(&p);
}
END_TEST

START_TEST(response_larger_than_negotiated)
{
	/* an Identify response that would exceed 64 octets becomes a
	 * confirmed-error service/pdu-size */
	struct pair p;
	pair_init(&p, 65000);
	memset(p.srv.ident.vendor, 'v', 60);
	p.srv.ident.vendor[60] = 0;
	pair_up_pdu(&p, 64, 10);
	static const uint8_t req[] = { 0xA0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00 };
	static const uint8_t err[] = { 0xA2, 0x0A, 0x80, 0x01, 0x01, 0xA2, 0x05, 0xA0, 0x03,
				       0x84, 0x01, MMS_SERVICE_PDU_SIZE };
	ck_assert_answer(&p, req, err);
	pair_clear(&p);
}
END_TEST

START_TEST(unknown_service_rejected)
{
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	static const uint8_t req[] = { 0xA0, 0x06, 0x02, 0x01, 0x09, 0x9F, 0x64, 0x00 };
	static const uint8_t rej[] = { 0xA4, 0x06, 0x80, 0x01, 0x09, 0x81, 0x01,
				       MMS_REJ_REQ_UNRECOGNIZED_SERVICE };
	ck_assert_answer(&p, req, rej);
	/* 86, just past the last ConfirmedServiceRequest tag */
	static const uint8_t req86[] = { 0xA0, 0x06, 0x02, 0x01, 0x0A, 0xBF, 0x56, 0x00 };
	static const uint8_t rej86[] = { 0xA4, 0x06, 0x80, 0x01, 0x0A, 0x81, 0x01,
					 MMS_REJ_REQ_UNRECOGNIZED_SERVICE };
	ck_assert_answer(&p, req86, rej86);
	pair_clear(&p);
}
END_TEST

START_TEST(unoffered_service_confirmed_error)
{
	/* Every ConfirmedServiceRequest tag that servicesSupportedCalled does
	 * not announce is answered with confirmed-error service/other, never a
	 * Reject and never silence. Rename (3) is one; a few octets of body
	 * are there as a real client would send them. */
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	ck_assert(!mms_bit(p.srv.limits.services, MMS_SVC_RENAME));
	static const uint8_t rename[] = { 0xA0, 0x07, 0x02, 0x01, 0x0B, 0xA3, 0x02, 0x05, 0x00 };
	static const uint8_t err[] = { 0xA2, 0x0A, 0x80, 0x01, 0x0B, 0xA2, 0x05, 0xA0, 0x03, 0x84,
				       0x01, MMS_SERVICE_OTHER };
	ck_assert_answer(&p, rename, err);

	for (uint32_t tag = 0; tag <= MMS_SVC_MAX_TAG; tag++) {
		if (mms_bit(p.srv.limits.services, tag))
			continue;
		struct buf b;
		struct mms_marks mk;
		struct mms_pdu m;
		int cls, code;
		const uint8_t *d;
		size_t n;
		buf_init(&b, ISO_HEADROOM, 0);
		mms_begin_confirmed(&b, false, 1000 + tag, tag, &mk);
		mms_end_confirmed(&b, &mk);
		ck_assert_int_eq(iso_send_data(&p.cli, &b, &p.wire), 0);
		buf_clear(&b);
		ck_assert_int_eq(to_server(&p), MMS_STEP_CONTINUE);
		recv_mms(&p, &d, &n);
		ck_assert_int_eq(mms_pdu_decode(d, n, &m, NULL), 0);
		ck_assert_msg(m.kind == MMS_CONFIRMED_ERROR, "tag %u answered with PDU %u", tag,
			      m.kind);
		ck_assert_uint_eq(m.invoke_id, 1000 + tag);
		ck_assert_int_eq(mms_service_error_decode(m.body, m.body_len, &cls, &code, NULL), 0);
		ck_assert_int_eq(cls, MMS_ERR_SERVICE);
		ck_assert_int_eq(code, MMS_SERVICE_OTHER);
	}
	pair_clear(&p);
}
END_TEST

START_TEST(bad_requests_rejected)
{
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 10);

	/* invokeID that is no Unsigned32: pdu-error invalid-pdu, no invokeID */
	static const uint8_t rej_invalid[] = { 0xA4, 0x03, 0x85, 0x01, MMS_REJ_PDU_INVALID };
	static const uint8_t neg_id[] = { 0xA0, 0x05, 0x02, 0x01, 0xFF, 0x82, 0x00 };
	ck_assert_answer(&p, neg_id, rej_invalid);
	static const uint8_t empty_id[] = { 0xA0, 0x04, 0x02, 0x00, 0x82, 0x00 };
	ck_assert_answer(&p, empty_id, rej_invalid);
	static const uint8_t wide_id[] = { 0xA0, 0x09, 0x02, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00,
					   0x82, 0x00 };
	ck_assert_answer(&p, wide_id, rej_invalid);
	static const uint8_t no_id[] = { 0xA0, 0x02, 0x82, 0x00 };
	ck_assert_answer(&p, no_id, rej_invalid);

	/* readable invokeID, bad rest: confirmed-requestPDU invalid-argument */
	static const uint8_t bad_service[] = { 0xA0, 0x05, 0x02, 0x01, 0x2A, 0x02, 0x00 };
	static const uint8_t rej_arg[] = { 0xA4, 0x06, 0x80, 0x01, 0x2A, 0x81, 0x01,
					   MMS_REJ_REQ_INVALID_ARGUMENT };
	ck_assert_answer(&p, bad_service, rej_arg);

	/* Identify takes a NULL argument */
	static const uint8_t id_arg[] = { 0xA0, 0x06, 0x02, 0x01, 0x0C, 0x82, 0x01, 0x00 };
	static const uint8_t rej_id_arg[] = { 0xA4, 0x06, 0x80, 0x01, 0x0C, 0x81, 0x01,
					      MMS_REJ_REQ_INVALID_ARGUMENT };
	ck_assert_answer(&p, id_arg, rej_id_arg);

	/* modifiers are not supported */
	static const uint8_t mod[] = { 0xA0, 0x07, 0x02, 0x01, 0x0B, 0x30, 0x00, 0x82, 0x00 };
	static const uint8_t rej_mod[] = { 0xA4, 0x06, 0x80, 0x01, 0x0B, 0x81, 0x01,
					   MMS_REJ_REQ_UNRECOGNIZED_MODIFIER };
	ck_assert_answer(&p, mod, rej_mod);

	/* a confirmed response to a request iedd never sent: invalid-invokeID */
	static const uint8_t resp[] = { 0xA1, 0x05, 0x02, 0x01, 0x0D, 0x82, 0x00 };
	static const uint8_t rej_resp[] = { 0xA4, 0x06, 0x80, 0x01, 0x0D, 0x82, 0x01, 0x02 };
	ck_assert_answer(&p, resp, rej_resp);

	/* a second Initiate on an association */
	static const uint8_t init[] = { 0xA8, 0x08, 0x81, 0x01, 0x01, 0x82, 0x01, 0x01,
					0xA4, 0x00 };
	ck_assert_answer(&p, init, rej_invalid);

	/* no MMS PDU type at all (tag 14) */
	static const uint8_t t14[] = { 0xAE, 0x00 };
	static const uint8_t rej_type[] = { 0xA4, 0x03, 0x85, 0x01, MMS_REJ_PDU_UNKNOWN_TYPE };
	ck_assert_answer(&p, t14, rej_type);

	/* and the association keeps working */
	static const uint8_t idreq[] = { 0xA0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00 };
	ck_assert_int_eq(send_mms(&p, idreq, sizeof(idreq)), MMS_STEP_CONTINUE);
	const uint8_t *d;
	size_t n;
	recv_mms(&p, &d, &n);
	ck_assert_uint_eq(d[0], 0xA1);
	ck_assert_uint_eq(p.a.iso.state, ISO_ASSOCIATED);
	pair_clear(&p);
}
END_TEST

START_TEST(unanswered_pdus)
{
	/* Unconfirmed and Reject PDUs from the client get no answer */
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	static const uint8_t unconfirmed[] = { 0xA3, 0x02, 0xA0, 0x00 };
	ck_assert_int_eq(send_mms(&p, unconfirmed, sizeof(unconfirmed)), MMS_STEP_CONTINUE);
	ck_assert_uint_eq(p.wire.len, 0);
	static const uint8_t reject[] = { 0xA4, 0x03, 0x85, 0x01, 0x01 };
	ck_assert_int_eq(send_mms(&p, reject, sizeof(reject)), MMS_STEP_CONTINUE);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);
}
END_TEST

START_TEST(release_and_disconnect)
{
	struct pair p;

	/* a FINISH carrying an AARQ instead of an RLRQ: aborted */
	pair_init(&p, 65000);
	pair_up(&p, 10);
	struct buf a, pd, s;
	buf_init(&a, 0, 0);
	buf_init(&pd, 0, 0);
	buf_init(&s, 0, 0);
	acse_encode_aarq(&a, NULL, PRES_CTX_MMS, (const uint8_t *)"\xA8\x00", 2);
	pres_encode_data(&pd, PRES_CTX_ACSE, buf_data(&a), a.len);
	ses_encode_simple(&s, SES_FN, 1, buf_data(&pd), pd.len);
	ck_assert_int_eq(send_tsdu(&p, buf_data(&s), s.len), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "acse");
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ABORTED);
	buf_clear(&a);
	buf_clear(&pd);
	buf_clear(&s);
	pair_clear(&p);

	/* COTP DR from the client closes without an answer */
	pair_init(&p, 65000);
	pair_up(&p, 10);
	struct cotp_tpdu dr = { .code = COTP_DR, .dst_ref = SERVER_REF, .src_ref = CLIENT_REF };
	cotp_encode(&p.wire, &dr);
	ck_assert_int_eq(to_server(&p), MMS_STEP_CLOSE);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);

	/* COTP ER is a protocol error */
	pair_init(&p, 65000);
	pair_connect(&p, 10);
	static const uint8_t er[] = { 0x03, 0x00, 0x00, 0x09, 0x04, 0x70, 0x05, 0xE1, 0x01 };
	ck_assert_int_eq(server_raw(&p, er, sizeof(er)), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "cotp");
	pair_clear(&p);
}
END_TEST

struct lines {
	int in, out;
	char last_in[256], last_out[256];
};

static void collect(void *ctx, bool in, const char *line)
{
	struct lines *l = ctx;
	ck_assert_ptr_nonnull(line);
	ck_assert_uint_lt(strlen(line), 256);
	if (in) {
		l->in++;
		snprintf(l->last_in, sizeof(l->last_in), "%s", line);
	} else {
		l->out++;
		snprintf(l->last_out, sizeof(l->last_out), "%s", line);
	}
}

START_TEST(trace_lines)
{
	/* --trace: one readable line per PDU in and out */
	struct pair p;
	struct lines l = { 0 };
	struct buf b;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	buf_init(&b, ISO_HEADROOM, 0);
	mms_encode_identify_request(&b, 77);
	ck_assert_int_eq(iso_send_data(&p.cli, &b, &p.wire), 0);
	struct buf in = p.wire;
	buf_init(&p.wire, 0, 0);
	ck_assert_int_eq(mms_assoc_input(&p.a, &p.srv, buf_data(&in), in.len, &p.wire, &p.err,
					 collect, &l), MMS_STEP_CONTINUE);
	ck_assert_int_eq(l.in, 1);
	ck_assert_int_eq(l.out, 1);
	ck_assert_ptr_nonnull(strstr(l.last_in, "Identify"));
	ck_assert_ptr_nonnull(strstr(l.last_in, "77"));
	ck_assert_ptr_nonnull(strstr(l.last_out, "Identify"));
	buf_clear(&in);
	buf_clear(&b);
	pair_clear(&p);
}
END_TEST


/* ---- a Write that waits for its source ---- */

/* A hook that defers every write, as a blocking source does, and keeps the
 * ticket for the test to answer. */
struct deferrer {
	struct model_write_wait *ticket;	/* the last one */
	struct model_write_wait *all[8];
	int calls;
};

static int defer_hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	struct deferrer *d = ctx;
	(void)id;
	(void)m;
	d->ticket = model_wcall_defer(call);
	if (d->calls < 8)
		d->all[d->calls] = d->ticket;
	d->calls++;
	return 0;
}

/* What the association sent later (mms_assoc_set_emit). */
static void emit_to_wire(void *ctx, const uint8_t *data, size_t len)
{
	struct pair *p = ctx;
	buf_put(&p->wire, data, len);
}

static void write_db(struct pair *p, uint32_t invoke, uint32_t value)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	strcpy(n.domain, "IEDD1BAY");
	strcpy(n.item, "MMXU1$CF$TotW$db");
	uint8_t data[6] = { 0x86, 0x04, (uint8_t)(value >> 24), (uint8_t)(value >> 16),
			    (uint8_t)(value >> 8), (uint8_t)value };
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, invoke, &n, data, sizeof(data));
	ck_assert_int_eq(iso_send_data(&p->cli, &b, &p->wire), 0);
	buf_clear(&b);
	ck_assert_int_eq(to_server(p), MMS_STEP_CONTINUE);
}

/* The Write-Response on the wire: its invokeID and one result. */
static int write_result(struct pair *p, uint32_t invoke)
{
	const uint8_t *d;
	size_t n;
	struct mms_pdu pdu;
	int res[4];
	size_t nres;
	recv_mms(p, &d, &n);
	ck_assert_int_eq(mms_pdu_decode(d, n, &pdu, NULL), 0);
	ck_assert_uint_eq(pdu.kind, MMS_CONFIRMED_RESPONSE);
	ck_assert_uint_eq(pdu.invoke_id, invoke);
	ck_assert_uint_eq(pdu.service, MMS_SVC_WRITE);
	ck_assert_int_eq(mms_client_write_decode(pdu.body, pdu.body_len, res, 4, &nres, NULL), 0);
	ck_assert_uint_eq(nres, 1);
	return res[0];
}

static const char *db_text(struct model *m)
{
	static char text[32];
	struct mref ref;
	ck_assert_int_eq(model_resolve_ref(m, "BAY/MMXU1.TotW.db[CF]", &ref), 0);
	model_get_text(m, ref.type, ref.voff, text, sizeof(text));
	return text;
}

START_TEST(deferred_write)
{
	struct model *m = NULL;
	char err[512];
	ck_assert_int_eq(model_load_scl_mem("sample.icd", embedded_sample_icd,
					    embedded_sample_icd_len, NULL, &m, err, sizeof(err)), 0);
	struct mref ref;
	ck_assert_int_eq(model_resolve_ref(m, "BAY/MMXU1.TotW.db[CF]", &ref), 0);
	struct deferrer d = { 0 };
	const uint32_t voff = ref.voff, id = 0;
	const struct model_write_hooks h = { .fn = defer_hook, .ctx = &d, .n = 1, .voff = &voff,
					     .id = &id };
	model_set_write_hooks(m, &h);
	const char *initial = "1000";
	ck_assert_str_eq(db_text(m), initial);

	struct pair p;
	pair_init(&p, 65000);
	p.srv.model = m;
	mms_assoc_set_emit(&p.a, &p.srv, emit_to_wire, NULL, &p);
	pair_up(&p, 10);

	/* no answer until the source has answered; the model keeps the old
	 * value meanwhile, and other requests are served */
	write_db(&p, 5, 42);
	ck_assert_int_eq(d.calls, 1);
	ck_assert_ptr_nonnull(d.ticket);
	ck_assert_uint_eq(p.wire.len, 0);
	ck_assert_str_eq(db_text(m), initial);
	static const uint8_t ident[] = { 0xA0, 0x05, 0x02, 0x01, 0x06, 0x82, 0x00 };
	const uint8_t *ad;
	size_t an;
	ck_assert_int_eq(send_mms(&p, ident, sizeof(ident)), MMS_STEP_CONTINUE);
	recv_mms(&p, &ad, &an);
	ck_assert_uint_eq(ad[0], 0xA1);
	/* Conclude while the Write is outstanding: Conclude-Error,
	 * further-communication-required (AD 05 A0 03 89 01 01) */
	static const uint8_t conclude[] = { 0x8B, 0x00 };
	static const uint8_t conclude_err[] = { 0xAD, 0x05, 0xA0, 0x03, 0x89, 0x01, 0x01 };
	ck_assert_answer(&p, conclude, conclude_err);
	/* the invokeID of a waiting request cannot be reused: Reject
	 * invalid-invokeID, and the hook is not called */
	write_db(&p, 5, 43);
	ck_assert_int_eq(d.calls, 1);
	recv_mms(&p, &ad, &an);
	static const uint8_t rej_id[] = { 0xA4, 0x06, 0x80, 0x01, 0x05, 0x81, 0x01, 0x03 };
	ck_assert_bytes(ad, an, rej_id);
	/* the source succeeds: success, and the model has the value */
	model_write_done(d.ticket, 0);
	ck_assert_int_eq(write_result(&p, 5), -1);
	ck_assert_str_eq(db_text(m), "42");
	ck_assert_uint_eq(p.a.deferred, 1);

	/* waiting requests count against maxServOutstandingCalled (5 here):
	 * with 5 waiting, the next request is rejected */
	for (uint32_t i = 0; i < 5; i++) {
		write_db(&p, 10 + i, 50 + i);
		ck_assert_uint_eq(p.wire.len, 0);
	}
	ck_assert_int_eq(d.calls, 6);
	static const uint8_t ident21[] = { 0xA0, 0x05, 0x02, 0x01, 0x15, 0x82, 0x00 };
	static const uint8_t rej_max[] = { 0xA4, 0x06, 0x80, 0x01, 0x15, 0x81, 0x01, 0x06 };
	ck_assert_answer(&p, ident21, rej_max);
	/* answered out of order: each response carries its own invokeID, and
	 * the last success wins in the model */
	for (int i = 5; i >= 1; i--) {
		model_write_done(d.all[i], 0);
		ck_assert_int_eq(write_result(&p, 10 + (uint32_t)i - 1), -1);
	}
	ck_assert_str_eq(db_text(m), "50");
	ck_assert_int_eq(send_mms(&p, ident21, sizeof(ident21)), MMS_STEP_CONTINUE);
	recv_mms(&p, &ad, &an);
	ck_assert_uint_eq(ad[0], 0xA1); /* served again */

	/* the source fails: its error is the item's result, the model keeps 50 */
	write_db(&p, 6, 77);
	ck_assert_uint_eq(p.wire.len, 0);
	model_write_done(d.ticket, 1 /* hardware-fault */);
	ck_assert_int_eq(write_result(&p, 6), 1);
	ck_assert_str_eq(db_text(m), "50");

	/* the client goes away first: nothing is sent, nothing leaks, and the
	 * source's success still reaches the model */
	write_db(&p, 7, 99);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);
	model_write_done(d.ticket, 0);
	ck_assert_uint_eq(p.wire.len, 0);
	ck_assert_str_eq(db_text(m), "99");

	/* without an emitter (no way to answer later) nothing is deferred */
	pair_init(&p, 65000);
	p.srv.model = m;
	pair_up(&p, 10);
	d.ticket = NULL;
	write_db(&p, 8, 5);
	ck_assert_ptr_null(d.ticket);
	ck_assert_int_eq(write_result(&p, 8), -1);
	ck_assert_str_eq(db_text(m), "5");
	pair_clear(&p);
	model_set_write_hooks(m, NULL);
	model_free(m);
}
END_TEST

/* ---- what a Write of each FC does (data_access.c's dispatch) ---- */

/* A hook that answers at once and counts its calls. */
static int count_hook(void *ctx, uint32_t id, struct model *m, struct model_wcall *call)
{
	(void)id;
	(void)m;
	(void)call;
	++*(int *)ctx;
	return 0;
}

/* One Write of domain/item with `data` (one Data TLV); its one result. */
static int write_item(struct pair *p, uint32_t invoke, const char *domain, const char *item,
		      const uint8_t *data, size_t len)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(n.domain, sizeof(n.domain), "%s", domain);
	snprintf(n.item, sizeof(n.item), "%s", item);
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	mms_client_write_req(&b, invoke, &n, data, len);
	ck_assert_int_eq(iso_send_data(&p->cli, &b, &p->wire), 0);
	buf_clear(&b);
	ck_assert_int_eq(to_server(p), MMS_STEP_CONTINUE);
	return write_result(p, invoke);
}

static const char *ref_text(struct model *m, const char *ref)
{
	static char text[512];
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	model_get_text(m, r.type, r.voff, text, sizeof(text));
	return text;
}

/* The model's value at `ref` as MMS Data, to write it back whole. */
static size_t data_of(struct model *m, const char *ref, uint8_t *out, size_t cap)
{
	struct mref r;
	struct buf b;
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	buf_init(&b, 0, 0);
	model_encode_data(m, r.type, r.voff, &b);
	ck_assert_uint_le(b.len, cap);
	size_t n = b.len;
	memcpy(out, buf_data(&b), n);
	buf_clear(&b);
	return n;
}

START_TEST(write_dispatch_by_fc)
{
	/* issue 9 item 2: a write of an FC that belongs to a service (CO, RP,
	 * BR, GO, ...) is object-access-unsupported while no service acts on
	 * it, unless a map row (a write hook) carries it to a source */
	struct model *m = NULL;
	char err[512];
	/* the sample with attributes of the control-block FCs in SPS_T (so
	 * XCBR1.Loc has them): SCL lets a DA name any FC */
	static const char at[] = "<DOType id=\"SPS_T\" cdc=\"SPS\">";
	static const char extra[] = "<DA name=\"rp\" bType=\"BOOLEAN\" fc=\"RP\"/>"
				    "<DA name=\"br\" bType=\"BOOLEAN\" fc=\"BR\"/>"
				    "<DA name=\"go\" bType=\"BOOLEAN\" fc=\"GO\"/>";
	const char *icd = (const char *)embedded_sample_icd;
	const char *hit = memmem(icd, embedded_sample_icd_len, at, strlen(at));
	ck_assert_ptr_nonnull(hit);
	size_t head = (size_t)(hit - icd) + strlen(at), len = embedded_sample_icd_len + strlen(extra);
	char *text = malloc(len);
	ck_assert_ptr_nonnull(text);
	memcpy(text, icd, head);
	memcpy(text + head, extra, strlen(extra));
	memcpy(text + head + strlen(extra), icd + head, embedded_sample_icd_len - head);
	ck_assert_int_eq(model_load_scl_mem("sample.icd", text, len, NULL, &m, err, sizeof(err)), 0);
	free(text);
	struct pair p;
	pair_init(&p, 65000);
	p.srv.model = m;
	pair_up(&p, 10);
	static const uint8_t t_bool[] = { 0x83, 0x01, 0xFF };
	static const uint8_t u_7[] = { 0x86, 0x01, 0x07 };
	const char *ctl = "IEDD1BAY/XCBR1.Pos.Oper.ctlVal[CO]";
	const char *before = "false";
	ck_assert_str_eq(ref_text(m, ctl), before);
	ck_assert_int_eq(write_item(&p, 1, "IEDD1BAY", "XCBR1$CO$Pos$Oper$ctlVal", t_bool,
				    sizeof(t_bool)), 9 /* object-access-unsupported */);
	ck_assert_str_eq(ref_text(m, ctl), before);
	/* the control-block FCs RP, BR, GO */
	ck_assert_int_eq(write_item(&p, 2, "IEDD1BAY", "XCBR1$RP$Loc$rp", t_bool,
				    sizeof(t_bool)), 9);
	ck_assert_int_eq(write_item(&p, 3, "IEDD1BAY", "XCBR1$BR$Loc$br", t_bool,
				    sizeof(t_bool)), 9);
	ck_assert_int_eq(write_item(&p, 4, "IEDD1BAY", "XCBR1$GO$Loc", t_bool, sizeof(t_bool)),
			 9);
	ck_assert_str_eq(ref_text(m, "IEDD1BAY/XCBR1.Loc.rp[RP]"), "false");
	ck_assert_str_eq(ref_text(m, "IEDD1BAY/XCBR1.Loc.br[BR]"), "false");
	/* ST and a whole LN: denied; CF: stored */
	ck_assert_int_eq(write_item(&p, 5, "IEDD1BAY", "XCBR1$ST$Loc$stVal", t_bool,
				    sizeof(t_bool)), 3 /* object-access-denied */);
	ck_assert_int_eq(write_item(&p, 6, "IEDD1BAY", "XCBR1", t_bool, sizeof(t_bool)), 3);
	static const uint8_t u32_42[] = { 0x86, 0x01, 0x2A };
	ck_assert_int_eq(write_item(&p, 7, "IEDD1BAY", "MMXU1$CF$TotW$db", u32_42,
				    sizeof(u32_42)), -1);
	ck_assert_str_eq(ref_text(m, "IEDD1BAY/MMXU1.TotW.db[CF]"), "42");

	/* Oper.ctlVal carried by a map row: the leaf, and Oper written whole
	 * (as a client operates), go through; what holds no carried
	 * attribute (ctlNum alone, SBOw) stays unsupported */
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, ctl, &r), 0);
	int calls = 0;
	const uint32_t voff = r.voff, id = 0;
	const struct model_write_hooks h = { .fn = count_hook, .ctx = &calls, .n = 1,
					     .voff = &voff, .id = &id };
	model_set_write_hooks(m, &h);
	ck_assert_int_eq(write_item(&p, 8, "IEDD1BAY", "XCBR1$CO$Pos$Oper$ctlVal", t_bool,
				    sizeof(t_bool)), -1);
	ck_assert_int_eq(calls, 1);
	ck_assert_str_eq(ref_text(m, ctl), "true");
	uint8_t oper[256];
	size_t on = data_of(m, "IEDD1BAY/XCBR1.Pos.Oper[CO]", oper, sizeof(oper));
	ck_assert_uint_eq(oper[0], 0xA2); /* a structure */
	ck_assert_int_eq(write_item(&p, 9, "IEDD1BAY", "XCBR1$CO$Pos$Oper", oper, on), -1);
	ck_assert_int_eq(calls, 2);
	ck_assert_int_eq(write_item(&p, 10, "IEDD1BAY", "XCBR1$CO$Pos$Oper$ctlNum", u_7,
				    sizeof(u_7)), 9);
	ck_assert_int_eq(write_item(&p, 11, "IEDD1BAY", "XCBR1$CO$Pos$SBOw$ctlVal", t_bool,
				    sizeof(t_bool)), 9);
	ck_assert_int_eq(calls, 2);
	pair_clear(&p);
	model_set_write_hooks(m, NULL);
	model_free(m);
}
END_TEST

/* ---- a client's Write reaches the change observers (observe.h) ---- */

/* The sample with MMXU1.TotW.db[CF] made a dchg attribute and added to
 * dsMeas (member 5), next to TotW[MX] (member 0, another FC). */
static struct model *sample_with_db_member(void)
{
	static const char *const edits[][2] = {
		{ "<DA name=\"db\" bType=\"INT32U\" fc=\"CF\"/>",
		  "<DA name=\"db\" bType=\"INT32U\" fc=\"CF\" dchg=\"true\"/>" },
		{ "<FCDA ldInst=\"BAY\" lnClass=\"MMXU\" lnInst=\"1\" doName=\"A\" fc=\"MX\"/>",
		  "<FCDA ldInst=\"BAY\" lnClass=\"MMXU\" lnInst=\"1\" doName=\"A\" fc=\"MX\"/>"
		  "<FCDA ldInst=\"BAY\" lnClass=\"MMXU\" lnInst=\"1\" doName=\"TotW\" daName=\"db\""
		  " fc=\"CF\"/>" },
	};
	size_t len = embedded_sample_icd_len;
	char *text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	memcpy(text, embedded_sample_icd, len);
	text[len] = 0;
	for (size_t e = 0; e < 2; e++) {
		char *hit = strstr(text, edits[e][0]);
		ck_assert_ptr_nonnull(hit);
		size_t a = strlen(edits[e][0]), b = strlen(edits[e][1]), at = (size_t)(hit - text);
		char *n = malloc(len - a + b + 1);
		ck_assert_ptr_nonnull(n);
		memcpy(n, text, at);
		memcpy(n + at, edits[e][1], b);
		memcpy(n + at + b, text + at + a, len - at - a + 1);
		free(text);
		text = n;
		len = len - a + b;
	}
	struct model *m = NULL;
	char err[512];
	ck_assert_msg(model_load_scl_mem("sample.icd", text, len, NULL, &m, err, sizeof(err)) == 0,
		      "%s", err);
	free(text);
	return m;
}

struct told {
	int n, ends;
	struct model_change last;
};

static void told_change(void *ctx, struct model *m, const struct model_change *c)
{
	(void)m;
	struct told *t = ctx;
	t->n++;
	t->last = *c;
}

static void told_end(void *ctx, struct model *m)
{
	(void)m;
	((struct told *)ctx)->ends++;
}

START_TEST(write_tells_observers)
{
	struct model *m = sample_with_db_member();
	const struct mdataset *ds = model_find_dataset(model_find_ld_inst(m, "BAY"), "LLN0$dsMeas");
	ck_assert_ptr_nonnull(ds);
	ck_assert_uint_eq(ds->n, 6);
	struct told t = { 0 }, t2 = { 0 };
	const struct model_observer_desc d = { .ds = ds, .change = told_change, .end = told_end,
					       .ctx = &t };
	struct model_observer *o = model_observe_add(m, &d);
	ck_assert_ptr_nonnull(o);
	struct pair p;
	pair_init(&p, 65000);
	p.srv.model = m;
	pair_up(&p, 10);
	static const uint8_t u32_42[] = { 0x86, 0x01, 0x2A };
	ck_assert_int_eq(write_item(&p, 1, "IEDD1BAY", "MMXU1$CF$TotW$db", u32_42,
				    sizeof(u32_42)), -1);
	/* once, for member 5 (TotW.db[CF]); TotW[MX] (member 0) is another FC */
	ck_assert_int_eq(t.n, 1);
	ck_assert_int_eq(t.ends, 1);
	ck_assert_ptr_eq(t.last.ds, ds);
	ck_assert_uint_eq(t.last.member, 5);
	ck_assert_uint_eq(t.last.reason, MODEL_TRG_DCHG);
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, "BAY/MMXU1.TotW.db[CF]", &r), 0);
	ck_assert_uint_eq(t.last.voff, r.voff);
	/* the same value: no dchg, and db has no dupd */
	ck_assert_int_eq(write_item(&p, 2, "IEDD1BAY", "MMXU1$CF$TotW$db", u32_42,
				    sizeof(u32_42)), -1);
	ck_assert_int_eq(t.n, 1);
	/* a second observer, registered while the association runs; a refused
	 * write (ST: object-access-denied) tells nobody */
	const struct model_observer_desc d2 = { .change = told_change, .ctx = &t2 };
	ck_assert_ptr_nonnull(model_observe_add(m, &d2));
	static const uint8_t t_bool[] = { 0x83, 0x01, 0xFF };
	ck_assert_int_eq(write_item(&p, 3, "IEDD1BAY", "XCBR1$ST$Pos$stVal", t_bool,
				    sizeof(t_bool)), 3);
	static const uint8_t u32_7[] = { 0x86, 0x01, 0x07 };
	ck_assert_int_eq(write_item(&p, 4, "IEDD1BAY", "MMXU1$CF$TotW$db", u32_7,
				    sizeof(u32_7)), -1);
	ck_assert_int_eq(t.n, 2);
	ck_assert_int_eq(t2.n, 1);
	/* unregistered: told no more */
	model_observe_remove(m, o);
	ck_assert_int_eq(write_item(&p, 5, "IEDD1BAY", "MMXU1$CF$TotW$db", u32_42,
				    sizeof(u32_42)), -1);
	ck_assert_int_eq(t.n, 2);
	ck_assert_int_eq(t2.n, 2);
	pair_clear(&p);
	model_free(m);
}
END_TEST

static Suite *mms_server_suite(void)
{
	Suite *s = suite_create("mms_server");
	TCase *tl = tcase_create("lower layers");
	tcase_add_test(tl, cc_golden);
	tcase_add_test(tl, truncated_tpkt);
	tcase_add_test(tl, cotp_wrong_class);
	tcase_add_test(tl, cr_li_too_short);
	tcase_add_test(tl, session_bad_length);
	tcase_add_test(tl, data_before_association);
	tcase_add_test(tl, pres_unknown_abstract_syntax);
	tcase_add_test(tl, acse_wrong_context);
	tcase_add_test(tl, aarq_without_initiate);
	tcase_add_test(tl, release_and_disconnect);
	suite_add_tcase(s, tl);
	TCase *tm = tcase_create("mms");
	tcase_add_test(tm, initiate_absurd);
	tcase_add_test(tm, pdu_larger_than_negotiated);
	tcase_add_test(tm, empty_segments);
	tcase_add_test(tm, response_larger_than_negotiated);
	tcase_add_test(tm, unknown_service_rejected);
	tcase_add_test(tm, unoffered_service_confirmed_error);
	tcase_add_test(tm, bad_requests_rejected);
	tcase_add_test(tm, unanswered_pdus);
	tcase_add_test(tm, trace_lines);
	tcase_add_test(tm, deferred_write);
	tcase_add_test(tm, write_dispatch_by_fc);
	tcase_add_test(tm, write_tells_observers);
	suite_add_tcase(s, tm);
	return s;
}

TEST_MAIN(mms_server_suite)
