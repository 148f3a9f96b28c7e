/* SPDX-License-Identifier: Apache-2.0 */
/* An iedc-style client (struct iso_conn) and an iedd association (struct
 * mms_assoc) wired together in memory: what one side writes is split into
 * TPKTs exactly as net/ frames a TCP stream, copied to exact-size heap
 * buffers (so ASan sees over-reads) and fed to the other side. */
#pragma once
#include "iso.h"
#include "mms.h"
#include "mms_server.h"
#include "testutil.h"

struct pair {
	struct iso_conn cli;
	struct mms_server srv;
	struct mms_assoc a;
	struct buf wire;	/* bytes in flight, from whichever side wrote last */
	struct proto_err err;	/* of the last failing call */
	struct iso_event ev;	/* last client event other than ISO_EV_NONE */
	size_t tpkts;		/* TPKTs in the last delivery */
	uint8_t *keep;		/* the TPKT ev points into */
};

#define CLIENT_REF 0x0C11
#define SERVER_REF 0x05E1

static inline void pair_init(struct pair *p, uint32_t max_pdu)
{
	memset(p, 0, sizeof(*p));
	iso_init(&p->cli, true, CLIENT_REF);
	mms_server_init(&p->srv, max_pdu, 16, 10);
	mms_assoc_init(&p->a, SERVER_REF);
	buf_init(&p->wire, 0, 0);
}

static inline void pair_clear(struct pair *p)
{
	iso_clear(&p->cli);
	mms_assoc_clear(&p->a);
	mms_server_clear(&p->srv);
	buf_clear(&p->wire);
	free(p->keep);
	p->keep = NULL;
}

/* Feeds one TPKT to the server from an exact-size copy; the server's output
 * is appended to p->wire. */
static inline int server_raw(struct pair *p, const void *tpkt, size_t n)
{
	uint8_t *copy = dup_exact(tpkt, n);
	p->err = (struct proto_err){ 0 };
	int r = mms_assoc_input(&p->a, &p->srv, copy, n, &p->wire, &p->err, NULL, NULL);
	free(copy);
	if (r < 0)
		ck_assert_ptr_nonnull(p->err.layer);
	return r;
}

/* Delivers every TPKT on the wire to the server, framed by tpkt_header with
 * the server's own limit, until it fails or closes; the wire then holds
 * the server's answer. Returns the last mms_assoc_input result. */
static inline int to_server(struct pair *p)
{
	struct buf in = p->wire;
	const uint8_t *d = bytes_of(&in);
	size_t off = 0;
	int r = MMS_STEP_CONTINUE;

	buf_init(&p->wire, 0, 0);
	p->tpkts = 0;
	while (off < in.len) {
		size_t n;
		ck_assert_int_eq(tpkt_header(d + off, in.len - off, mms_assoc_max_tpkt(&p->a), &n,
					     NULL), 0);
		ck_assert_uint_le(n, in.len - off);
		r = server_raw(p, d + off, n);
		off += n;
		p->tpkts++;
		if (r < 0 || r == MMS_STEP_CLOSE)
			break;
	}
	buf_clear(&in);
	return r;
}

/* Delivers the wire to the client; p->ev holds the last event. */
static inline int to_client(struct pair *p)
{
	struct buf in = p->wire, out;
	const uint8_t *d = bytes_of(&in);
	size_t off = 0;
	int r = 0;

	buf_init(&p->wire, 0, 0);
	buf_init(&out, 0, 0);
	memset(&p->ev, 0, sizeof(p->ev));
	p->tpkts = 0;
	while (off < in.len) {
		size_t n;
		struct iso_event ev;
		ck_assert_int_eq(tpkt_header(d + off, in.len - off, iso_max_tpkt(&p->cli), &n,
					     NULL), 0);
		ck_assert_uint_le(n, in.len - off);
		free(p->keep);
		p->keep = dup_exact(d + off, n);
		p->err = (struct proto_err){ 0 };
		r = iso_input(&p->cli, p->keep, n, &out, &ev, &p->err);
		off += n;
		p->tpkts++;
		if (r)
			break;
		if (ev.type != ISO_EV_NONE)
			p->ev = ev;
	}
	ck_assert_uint_eq(out.len, 0); /* the client has nothing to answer */
	buf_clear(&out);
	buf_clear(&in);
	return r;
}

/* An Initiate-Request as IEC 61850 clients send it. */
static inline struct mms_initiate initiate_request(void)
{
	struct mms_initiate in = {
		.has_local_detail = true, .local_detail = 32000,
		.max_serv_calling = 5, .max_serv_called = 5,
		.has_nesting = true, .nesting = 10, .version = 1,
		.param_cbb = { 0xF1, 0x00 },
	};
	mms_set_bit(in.services, MMS_SVC_IDENTIFY);
	return in;
}

/* Client side of CR/CC with the given TPDU size code. */
static inline void pair_connect(struct pair *p, uint8_t tpdu_code)
{
	iso_connect(&p->cli, tpdu_code, &p->wire);
	ck_assert_int_eq(to_server(p), MMS_STEP_CONTINUE);
	ck_assert_int_eq(to_client(p), 0);
	ck_assert_uint_eq(p->ev.type, ISO_EV_CONNECTED);
}

/* Sends CN+CP+AARQ with `req`; returns the server's result. */
static inline int pair_associate(struct pair *p, const struct mms_initiate *req)
{
	struct buf m;
	buf_init(&m, 0, 0);
	mms_initiate_encode(&m, false, req);
	ck_assert_int_eq(m.err, 0);
	iso_associate(&p->cli, NULL, buf_data(&m), m.len, &p->wire);
	buf_clear(&m);
	return to_server(p);
}

/* Connects and associates with the default request; asserts success. */
static inline void pair_up(struct pair *p, uint8_t tpdu_code)
{
	struct mms_initiate req = initiate_request();
	pair_connect(p, tpdu_code);
	ck_assert_int_eq(pair_associate(p, &req), MMS_STEP_ASSOCIATED);
	ck_assert_int_eq(to_client(p), 0);
	ck_assert_uint_eq(p->ev.type, ISO_EV_ASSOCIATED);
	ck_assert_uint_eq(p->a.iso.state, ISO_ASSOCIATED);
}

/* Client sends the MMS PDU pdu[n]; returns the server's result. */
static inline int send_mms(struct pair *p, const void *pdu, size_t n)
{
	struct buf b;
	buf_init(&b, ISO_HEADROOM, 0);
	buf_put(&b, pdu, n);
	ck_assert_int_eq(iso_send_data(&p->cli, &b, &p->wire), 0);
	buf_clear(&b);
	return to_server(p);
}

/* Client receives the server's answer: one MMS PDU, returned in data/len. */
static inline void recv_mms(struct pair *p, const uint8_t **data, size_t *len)
{
	ck_assert_uint_gt(p->wire.len, 0);
	ck_assert_int_eq(to_client(p), 0);
	ck_assert_uint_eq(p->ev.type, ISO_EV_DATA);
	*data = p->ev.data;
	*len = p->ev.len;
}

/* Sends a request and checks the answer octet for octet. */
#define ck_assert_answer(p, req, exp)                                                           \
	do {                                                                                    \
		const uint8_t *ad_;                                                             \
		size_t an_;                                                                     \
		ck_assert_int_eq(send_mms((p), (req), sizeof(req)), MMS_STEP_CONTINUE);         \
		recv_mms((p), &ad_, &an_);                                                      \
		ck_assert_bytes(ad_, an_, exp);                                                 \
	} while (0)
