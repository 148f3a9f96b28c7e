/* SPDX-License-Identifier: Apache-2.0 */
/* The association state machine end to end, in memory: the client half of
 * iso.c (as iedc uses it) against the server half driven by mms_assoc_input
 * (as iedd uses it). Connect, associate, Identify, Conclude, release, abort,
 * refusal, and segmentation of PDUs larger than the TPDU size both ways. */
#include <errno.h>

#include "pair.h"

static const uint8_t identify_req[] = { 0xA0, 0x05, 0x02, 0x01, 0x01, 0x82, 0x00 };
static const uint8_t identify_resp[] = { 0xA1, 0x1C, 0x02, 0x01, 0x01, 0xA2, 0x17,
					 0x80, 0x04, 'i', 'e', 'd', 'd',
					 0x81, 0x0C, 's', 'o', 'f', 't', 'w', 'a', 'r', 'e', ' ',
					 'I', 'E', 'D',
					 0x82, 0x01, '0' };

START_TEST(full_exchange)
{
	struct pair p;
	struct mms_initiate req = initiate_request(), resp;

	pair_init(&p, 65000);
	ck_assert_uint_eq(mms_assoc_max_tpkt(&p.a), 512); /* before CR */

	/* CR / CC: 1024-octet TPDUs agreed on both sides */
	iso_connect(&p.cli, 10, &p.wire);
	ck_assert_uint_eq(p.cli.state, ISO_WAIT_CC);
	ck_assert_int_eq(to_server(&p), MMS_STEP_CONTINUE);
	ck_assert_uint_eq(p.a.iso.state, ISO_TRANSPORT);
	ck_assert_uint_eq(p.a.iso.tpdu_size, 1024);
	ck_assert_uint_eq(mms_assoc_max_tpkt(&p.a), 1024 + TPKT_HDR_LEN);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_CONNECTED);
	ck_assert_uint_eq(p.cli.tpdu_size, 1024);
	ck_assert_uint_eq(p.cli.peer_ref, SERVER_REF);
	ck_assert_uint_eq(p.a.iso.peer_ref, CLIENT_REF);

	/* CN+CP+AARQ(Initiate) / AC+CPA+AARE(Initiate-Response) */
	ck_assert_int_eq(pair_associate(&p, &req), MMS_STEP_ASSOCIATED);
	ck_assert_uint_eq(p.a.max_pdu, 32000);
	ck_assert_uint_eq(p.a.max_serv_outstanding, 5);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ASSOCIATED);
	ck_assert_uint_eq(p.cli.state, ISO_ASSOCIATED);
	ck_assert_int_eq(p.ev.acse.result, ACSE_ACCEPTED);
	ck_assert(p.ev.acse.context_is_mms);
	ck_assert_int_eq(mms_initiate_decode(p.ev.data, p.ev.len, true, &resp, NULL), 0);
	ck_assert_int_eq(resp.local_detail, 32000);
	ck_assert_int_eq(resp.max_serv_calling, 5);
	ck_assert_int_eq(resp.max_serv_called, 5);
	ck_assert_int_eq(resp.nesting, 10);
	ck_assert_int_eq(resp.version, 1);
	ck_assert(mms_bit(resp.services, MMS_SVC_IDENTIFY));
	ck_assert(mms_bit(resp.services, MMS_SVCBIT_CONCLUDE));
	ck_assert_uint_eq(resp.param_cbb[0], 0xF1);

	/* Identify */
	ck_assert_answer(&p, identify_req, identify_resp);
	ck_assert_uint_eq(p.a.requests, 1);

	/* Conclude */
	static const uint8_t conclude_req[] = { 0x8B, 0x00 };
	static const uint8_t conclude_resp[] = { 0x8C, 0x00 };
	ck_assert_answer(&p, conclude_req, conclude_resp);
	ck_assert(p.a.concluded);

	/* FN+RLRQ / DN+RLRE, then both sides are closed */
	iso_release(&p.cli, &p.wire);
	ck_assert_uint_eq(p.cli.state, ISO_RELEASING);
	ck_assert_int_eq(to_server(&p), MMS_STEP_CLOSE);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_RELEASED);
	ck_assert_uint_eq(p.ev.acse.type, ACSE_RLRE);
	ck_assert_uint_eq(p.cli.state, ISO_CLOSED);

	/* nothing is accepted after the close */
	static const uint8_t dt[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x80 };
	ck_assert_int_eq(server_raw(&p, dt, sizeof(dt)), -EBADMSG);
	ck_assert_uint_eq(p.wire.len, 0);
	pair_clear(&p);
}
END_TEST

START_TEST(segmented_client_to_server)
{
	/* 128-octet TPDUs: the AARQ and a 600-octet request need several DTs */
	struct pair p;
	struct mms_initiate req = initiate_request();

	pair_init(&p, 65000);
	pair_connect(&p, 7);
	ck_assert_uint_eq(p.cli.tpdu_size, 128);
	ck_assert_uint_eq(mms_assoc_max_tpkt(&p.a), 132);
	struct buf m;
	buf_init(&m, 0, 0);
	mms_initiate_encode(&m, false, &req);
	iso_associate(&p.cli, NULL, buf_data(&m), m.len, &p.wire);
	buf_clear(&m);
	ck_assert_uint_gt(tpkt_count(buf_data(&p.wire), p.wire.len, NULL), 1);
	ck_assert_int_eq(to_server(&p), MMS_STEP_ASSOCIATED);
	ck_assert_uint_gt(p.tpkts, 1);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ASSOCIATED);

	/* a confirmed request with an unknown service tag and a 600-octet
	 * body: reassembled, decoded, and rejected naming its invokeID */
	static const uint8_t head[] = {
		0xA0, 0x82, 0x02, 0x62,		/* 610 octets */
		0x02, 0x03, 0x01, 0x23, 0x45,	/* invokeID 0x12345 */
		0x9F, 0x64, 0x82, 0x02, 0x58,	/* [100], 600 octets */
	};
	uint8_t big[sizeof(head) + 600];
	memcpy(big, head, sizeof(head));
	memset(big + sizeof(head), 0x5A, 600);
	size_t n = sizeof(big);
	static const uint8_t reject[] = { 0xA4, 0x08, 0x80, 0x03, 0x01, 0x23, 0x45, 0x81, 0x01,
					  MMS_REJ_REQ_UNRECOGNIZED_SERVICE };
	ck_assert_int_eq(send_mms(&p, big, n), MMS_STEP_CONTINUE);
	ck_assert_uint_ge(p.tpkts, 5);
	const uint8_t *d;
	size_t len;
	recv_mms(&p, &d, &len);
	ck_assert_bytes(d, len, reject);

	/* the next unsegmented PDU still works (the reassembly buffer was reset) */
	ck_assert_answer(&p, identify_req, identify_resp);
	ck_assert_ptr_null(p.a.iso.reasm);
	pair_clear(&p);
}
END_TEST

START_TEST(segmented_server_to_client)
{
	/* a 200-odd-octet Identify response over 128-octet TPDUs */
	struct pair p;
	pair_init(&p, 65000);
	memset(p.srv.ident.vendor, 'v', 64);
	memset(p.srv.ident.model, 'm', 64);
	memset(p.srv.ident.revision, 'r', 64);
	p.srv.ident.vendor[64] = p.srv.ident.model[64] = p.srv.ident.revision[64] = 0;
	pair_up(&p, 7);

	ck_assert_int_eq(send_mms(&p, identify_req, sizeof(identify_req)), MMS_STEP_CONTINUE);
	size_t last;
	size_t k = tpkt_count(buf_data(&p.wire), p.wire.len, &last);
	ck_assert_uint_ge(k, 2);
	/* every TPDU within 128 octets, EOT on the last one only */
	const uint8_t *w = buf_data(&p.wire);
	for (size_t off = 0; off < p.wire.len;) {
		size_t n = (size_t)(w[off + 2] << 8 | w[off + 3]);
		ck_assert_uint_le(n - TPKT_HDR_LEN, 128);
		ck_assert_uint_eq(w[off + 5], COTP_DT);
		ck_assert_uint_eq(w[off + 6] & 0x80, off == last ? 0x80 : 0);
		off += n;
	}

	const uint8_t *d;
	size_t len;
	struct mms_pdu m;
	struct mms_identify id;
	recv_mms(&p, &d, &len);
	ck_assert_uint_eq(p.tpkts, k);
	ck_assert_int_eq(mms_pdu_decode(d, len, &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_CONFIRMED_RESPONSE);
	ck_assert_uint_eq(m.invoke_id, 1);
	ck_assert_int_eq(mms_identify_decode(m.body, m.body_len, &id, NULL), 0);
	ck_assert_str_eq(id.vendor, p.srv.ident.vendor);
	ck_assert_str_eq(id.model, p.srv.ident.model);
	ck_assert_str_eq(id.revision, p.srv.ident.revision);
	pair_clear(&p);
}
END_TEST

START_TEST(pipelined_requests)
{
	/* two requests in one read: two answers, in order */
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 11);
	struct buf b;
	for (uint32_t id = 7; id <= 8; id++) {
		buf_init(&b, ISO_HEADROOM, 0);
		mms_encode_identify_request(&b, id);
		ck_assert_int_eq(iso_send_data(&p.cli, &b, &p.wire), 0);
		buf_clear(&b);
	}
	ck_assert_int_eq(to_server(&p), MMS_STEP_CONTINUE);
	ck_assert_uint_eq(p.tpkts, 2);
	size_t last;
	ck_assert_uint_eq(tpkt_count(buf_data(&p.wire), p.wire.len, &last), 2);
	/* deliver them one at a time */
	struct buf all = p.wire;
	for (int i = 0; i < 2; i++) {
		size_t off = i ? last : 0, n = i ? all.len - last : last;
		buf_init(&p.wire, 0, 0);
		buf_put(&p.wire, buf_data(&all) + off, n);
		const uint8_t *d;
		size_t len;
		struct mms_pdu m;
		recv_mms(&p, &d, &len);
		ck_assert_int_eq(mms_pdu_decode(d, len, &m, NULL), 0);
		ck_assert_uint_eq(m.invoke_id, 7u + (uint32_t)i);
	}
	buf_clear(&all);
	ck_assert_uint_eq(p.a.requests, 2);
	pair_clear(&p);
}
END_TEST

START_TEST(refused_initiate_reaches_client)
{
	/* an Initiate-Error comes back to the client as ISO_EV_REFUSED */
	struct pair p;
	struct mms_initiate req = initiate_request();
	struct mms_pdu m;
	int cls, code;

	pair_init(&p, 65000);
	pair_connect(&p, 10);
	req.max_serv_calling = 0;
	ck_assert_int_eq(pair_associate(&p, &req), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "mms");
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_REFUSED);
	ck_assert_uint_eq(p.cli.state, ISO_CLOSED);
	ck_assert_int_eq(p.ev.acse.result, ACSE_REJECTED_PERMANENT);
	ck_assert_ptr_nonnull(p.ev.data);
	ck_assert_int_eq(mms_pdu_decode(p.ev.data, p.ev.len, &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_INITIATE_ERROR);
	ck_assert_int_eq(mms_service_error_decode(m.pdu, m.pdu_len, &cls, &code, NULL), 0);
	ck_assert_int_eq(cls, MMS_ERR_INITIATE);
	ck_assert_int_eq(code, MMS_INITIATE_MAX_CALLING_INSUFFICIENT);
	pair_clear(&p);
}
END_TEST

START_TEST(client_abort)
{
	struct pair p;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	iso_abort(&p.cli, &p.wire);
	ck_assert_uint_eq(p.cli.state, ISO_CLOSED);
	ck_assert_uint_gt(p.wire.len, 0);
	ck_assert_int_eq(to_server(&p), MMS_STEP_CLOSE);
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_uint_eq(p.wire.len, 0); /* an abort is not answered */
	pair_clear(&p);
}
END_TEST

START_TEST(server_aborts_on_protocol_error)
{
	/* data in the ACSE presentation context after association: the server
	 * aborts with session AB + ACSE ABRT, which the client sees */
	struct pair p;
	struct buf pd, sd;
	pair_init(&p, 65000);
	pair_up(&p, 10);
	buf_init(&pd, 0, 0);
	buf_init(&sd, 0, 0);
	pres_encode_data(&pd, p.cli.pcid_acse, identify_req, sizeof(identify_req));
	buf_put(&sd, ses_dt_header, SES_DT_HDR_LEN);
	buf_put(&sd, buf_data(&pd), pd.len);
	cotp_encode_dt(&p.wire, buf_data(&sd), sd.len, p.cli.tpdu_size);
	buf_clear(&pd);
	buf_clear(&sd);
	ck_assert_int_eq(to_server(&p), -EBADMSG);
	ck_assert_str_eq(p.err.layer, "presentation");
	ck_assert_uint_eq(p.a.iso.state, ISO_CLOSED);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_ABORTED);
	ck_assert_uint_eq(p.cli.state, ISO_CLOSED);
	pair_clear(&p);
}
END_TEST

START_TEST(client_sees_disconnect)
{
	/* a CR in class 2 is answered by DR, which the client reports */
	struct pair p;
	pair_init(&p, 65000);
	struct cotp_tpdu cr = { .code = COTP_CR, .src_ref = CLIENT_REF, .cls = 2 };
	cotp_encode(&p.wire, &cr);
	ck_assert_int_eq(to_server(&p), -EBADMSG);
	ck_assert_int_eq(to_client(&p), 0);
	ck_assert_uint_eq(p.ev.type, ISO_EV_DISCONNECTED);
	ck_assert_uint_eq(p.ev.cotp_reason, 0x82); /* connection negotiation failed */
	ck_assert_uint_eq(p.cli.state, ISO_CLOSED);
	pair_clear(&p);
}
END_TEST

START_TEST(client_refuses_unexpected)
{
	/* a client waiting for CC refuses a DT; one waiting for AC refuses data */
	struct iso_conn c;
	struct buf out;
	struct iso_event ev;
	struct proto_err e = { 0 };
	static const uint8_t dt[] = { 0x03, 0x00, 0x00, 0x0B, 0x02, 0xF0, 0x80,
				      0x01, 0x00, 0x01, 0x00 };
	iso_init(&c, true, 1);
	buf_init(&out, 0, 0);
	ck_assert_int_eq(iso_input(&c, dt, sizeof(dt), &out, &ev, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "cotp");
	ck_assert_int_eq(iso_input(&c, dt, 3, &out, &ev, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "tpkt");
	iso_clear(&c);
	buf_clear(&out);
}
END_TEST

static Suite *iso_suite(void)
{
	Suite *s = suite_create("iso");
	TCase *tc = tcase_create("iso");
	tcase_add_test(tc, full_exchange);
	tcase_add_test(tc, segmented_client_to_server);
	tcase_add_test(tc, segmented_server_to_client);
	tcase_add_test(tc, pipelined_requests);
	tcase_add_test(tc, refused_initiate_reaches_client);
	tcase_add_test(tc, client_abort);
	tcase_add_test(tc, server_aborts_on_protocol_error);
	tcase_add_test(tc, client_sees_disconnect);
	tcase_add_test(tc, client_refuses_unexpected);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(iso_suite)
