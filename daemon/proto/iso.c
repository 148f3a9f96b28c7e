/* SPDX-License-Identifier: Apache-2.0 */
#include "iso.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ber.h"

static const uint8_t tsel_default[2] = { 0, 1 };

void iso_init(struct iso_conn *c, bool client, uint16_t local_ref)
{
	*c = (struct iso_conn){
		.state = client ? ISO_WAIT_CC : ISO_WAIT_CR,
		.client = client,
		.local_ref = local_ref,
		.tpdu_size = 128,
		.pcid_acse = PRES_CTX_ACSE,
		.pcid_mms = PRES_CTX_MMS,
	};
}

void iso_clear(struct iso_conn *c)
{
	free(c->reasm);
	c->reasm = NULL;
	c->reasm_len = c->reasm_cap = 0;
}

size_t iso_max_tpkt(const struct iso_conn *c)
{
	/* Before CC the peer has not learnt our TPDU size: allow the largest a
	 * CR/CC can be; afterwards the negotiated size plus the TPKT header.
	 * Peers that send DT larger than negotiated are refused (ISO 8073 §6.4). */
	if (c->state == ISO_WAIT_CR || c->state == ISO_WAIT_CC)
		return 512;
	return (size_t)c->tpdu_size + TPKT_HDR_LEN;
}

static size_t max_tsdu(const struct iso_conn *c)
{
	return c->max_pdu ? c->max_pdu + ISO_TSDU_OVERHEAD : ISO_MAX_TSDU_UNASSOCIATED;
}

static void put_tsdu(struct iso_conn *c, const uint8_t *p, size_t n, struct buf *out)
{
	cotp_encode_dt(out, p, n, c->tpdu_size);
}

/* ---- server ---- */

static int on_cr(struct iso_conn *c, const struct cotp_tpdu *t, struct buf *out,
		 struct proto_err *err)
{
	if (t->code != COTP_CR)
		return proto_fail(err, "cotp", "expected CR, got TPDU code 0x%02x", t->code);
	if (t->cls != 0) {
		struct cotp_tpdu dr = { .code = COTP_DR, .dst_ref = t->src_ref,
					.src_ref = c->local_ref, .reason = 0x82 };
		cotp_encode(out, &dr);
		c->state = ISO_CLOSED;
		return proto_fail(err, "cotp", "CR asks for class %u; RFC 1006 uses class 0 only",
				  t->cls);
	}
	uint8_t code = t->tpdu_size_code ? t->tpdu_size_code : COTP_TPDU_CODE_MIN;
	if (code > COTP_CLASS0_MAX_CODE)
		code = COTP_CLASS0_MAX_CODE;
	c->tpdu_code = code;
	c->tpdu_size = (uint16_t)(1u << code);
	c->peer_ref = t->src_ref;
	struct cotp_tpdu cc = {
		.code = COTP_CC, .dst_ref = t->src_ref, .src_ref = c->local_ref, .cls = 0,
		.tpdu_size_code = code,
		.calling_tsel_len = t->called_tsel_len, .called_tsel_len = t->calling_tsel_len,
	};
	/* CC: calling = the called TSAP of the CR, called = its calling TSAP */
	memcpy(cc.calling_tsel, t->called_tsel, t->called_tsel_len);
	memcpy(cc.called_tsel, t->calling_tsel, t->calling_tsel_len);
	cotp_encode(out, &cc);
	c->state = ISO_TRANSPORT;
	return 0;
}

static int on_cn(struct iso_conn *c, const struct ses_spdu *s, struct buf *out,
		 struct iso_event *ev, struct proto_err *err)
{
	int r;

	if (s->version && !(s->version & (SES_VERSION1 | SES_VERSION2)))
		return proto_fail(err, "session", "no common protocol version (offered 0x%02x)",
				  s->version);
	if (!s->user_data)
		return proto_fail(err, "session", "CONNECT without user data");
	/* ISO 8327-1: answer with the highest version both support; a CN
	 * without the Version Number parameter proposes version 1 only. */
	c->ses_version = (s->version & SES_VERSION2) ? SES_VERSION2 : SES_VERSION1;
	if ((r = pres_decode_cp(s->user_data, s->user_len, &ev->pres, err)))
		return proto_relayer(err, "presentation", r);
	struct pres_connect *cp = &ev->pres;
	bool have_acse = false, have_mms = false;
	for (size_t i = 0; i < cp->n_ctx; i++) {
		struct pres_ctx *x = &cp->ctx[i];
		x->result = (x->as != PRES_AS_UNKNOWN && x->ber) ? PRES_ACCEPT : PRES_PROVIDER_REJECT;
		if (x->result != PRES_ACCEPT)
			continue;
		if (x->as == PRES_AS_ACSE && !have_acse) {
			have_acse = true;
			c->pcid_acse = x->id;
		} else if (x->as == PRES_AS_MMS && !have_mms) {
			have_mms = true;
			c->pcid_mms = x->id;
		}
	}
	if (!have_acse || !have_mms) {
		/* ISO 8823 §6.2.4: refuse with CPR, provider reason 5 (default
		 * context not supported) is closest; sent in a session REFUSE. */
		struct buf p;
		buf_init(&p, 0, 0);
		pres_encode_cpr(&p, 5);
		struct buf s2;
		buf_init(&s2, 0, 0);
		ses_encode_simple(&s2, SES_RF, 2, buf_data(&p), p.len);
		if (!s2.err && !p.err)
			put_tsdu(c, buf_data(&s2), s2.len, out);
		buf_clear(&p);
		buf_clear(&s2);
		c->state = ISO_CLOSED;
		return proto_fail(err, "presentation", "CP lacks an acceptable %s context (BER)",
				  have_acse ? "MMS (1.0.9506.2.1)" : "ACSE (2.2.1.0.1)");
	}
	if (cp->user_pcid != c->pcid_acse)
		return proto_fail(err, "presentation", "AARQ sent in context %d, not ACSE's %d",
				  cp->user_pcid, c->pcid_acse);
	if ((r = acse_decode(cp->user, cp->user_len, &ev->acse, err)))
		return r;
	if (ev->acse.type != ACSE_AARQ)
		return proto_fail(err, "acse", "expected AARQ, got APDU %u", ev->acse.type);
	ev->type = ISO_EV_ASSOCIATE;
	ev->data = ev->acse.user;
	ev->len = ev->acse.user_len;
	return 0;
}

/* Wraps ACSE `apdu` in presentation user data (or CPA) and a session SPDU. */
static void send_acse(struct iso_conn *c, uint8_t si, const struct pres_connect *cp,
		      const struct buf *apdu, struct buf *out)
{
	struct buf p, s;
	buf_init(&p, 0, 0);
	buf_init(&s, 0, 0);
	if (cp)
		pres_encode_cpa(&p, cp, buf_data(apdu), apdu->len);
	else
		pres_encode_data(&p, c->pcid_acse, buf_data(apdu), apdu->len);
	if (si == SES_AC)
		ses_encode_connect(&s, SES_AC, c->ses_version ? c->ses_version : SES_VERSION2,
				   buf_data(&p), p.len);
	else
		ses_encode_simple(&s, si, 0, buf_data(&p), p.len);
	if (!p.err && !s.err && !apdu->err)
		put_tsdu(c, buf_data(&s), s.len, out);
	buf_clear(&p);
	buf_clear(&s);
}

void iso_accept(struct iso_conn *c, const struct iso_event *ev, uint32_t max_pdu,
		const uint8_t *mms, size_t mms_len, struct buf *out)
{
	struct buf a;
	buf_init(&a, 0, 0);
	acse_encode_aare(&a, ACSE_ACCEPTED, ACSE_DIAG_NULL, c->pcid_mms, mms, mms_len);
	struct pres_connect cp = ev->pres;
	cp.user_pcid = c->pcid_acse;
	send_acse(c, SES_AC, &cp, &a, out);
	buf_clear(&a);
	c->max_pdu = max_pdu;
	c->state = ISO_ASSOCIATED;
}

void iso_refuse(struct iso_conn *c, const struct iso_event *ev, int result, int diagnostic,
		const uint8_t *mms, size_t mms_len, struct buf *out)
{
	/* ISO 8650 §7.1.5.6: a rejected AARQ is answered by an AARE in the
	 * presentation CPA, carried by session ACCEPT; ISO 8327 then expects
	 * the initiator to release. iedd closes the connection after it. */
	struct buf a;
	buf_init(&a, 0, 0);
	acse_encode_aare(&a, result, diagnostic, c->pcid_mms, mms, mms_len);
	struct pres_connect cp = ev->pres;
	cp.user_pcid = c->pcid_acse;
	send_acse(c, SES_AC, &cp, &a, out);
	buf_clear(&a);
	c->state = ISO_CLOSED;
}

void iso_refuse_transport(struct iso_conn *c, uint8_t reason, struct buf *out)
{
	struct cotp_tpdu dr = { .code = COTP_DR, .dst_ref = c->peer_ref, .src_ref = c->local_ref,
				.reason = reason };
	cotp_encode(out, &dr);
	c->state = ISO_CLOSED;
}

int iso_refuse_cr(struct iso_conn *c, const uint8_t *tpkt, size_t len, uint8_t reason,
		  struct buf *out)
{
	struct cotp_tpdu t;
	if (len < TPKT_HDR_LEN || cotp_decode(tpkt + TPKT_HDR_LEN, len - TPKT_HDR_LEN, &t, NULL) ||
	    t.code != COTP_CR) {
		c->state = ISO_CLOSED;
		return -EBADMSG;
	}
	c->peer_ref = t.src_ref;
	iso_refuse_transport(c, reason, out);
	return 0;
}

int iso_send_data(struct iso_conn *c, struct buf *pdu, struct buf *out)
{
	int r;
	if (pdu->err)
		return pdu->err;
	if ((r = pres_prepend_data(pdu, c->pcid_mms)))
		return r;
	uint8_t *h = buf_prepend(pdu, SES_DT_HDR_LEN);
	if (!h)
		return pdu->err;
	memcpy(h, ses_dt_header, SES_DT_HDR_LEN);
	if (pdu->len + 3 <= c->tpdu_size) {
		uint8_t *t = buf_prepend(pdu, COTP_DT_HDR_LEN);
		if (!t)
			return pdu->err;
		tpkt_write_header(t, pdu->len);
		t[4] = 2;
		t[5] = COTP_DT;
		t[6] = 0x80;
		buf_put(out, buf_data(pdu), pdu->len);
	} else {
		put_tsdu(c, buf_data(pdu), pdu->len, out);
	}
	return out->err;
}

void iso_abort(struct iso_conn *c, struct buf *out)
{
	switch (c->state) {
	case ISO_TRANSPORT:
	case ISO_WAIT_AC:
		iso_refuse_transport(c, 0x85 /* protocol error */, out);
		break;
	case ISO_ASSOCIATED:
	case ISO_RELEASING: {
		struct buf a;
		buf_init(&a, 0, 0);
		acse_encode_abrt(&a, c->client ? 0 : 1); /* acse-service-user / provider */
		struct buf p, s;
		buf_init(&p, 0, 0);
		buf_init(&s, 0, 0);
		pres_encode_data(&p, c->pcid_acse, buf_data(&a), a.len);
		ses_encode_simple(&s, SES_AB, 0x01 /* transport connection released */,
				  buf_data(&p), p.len);
		if (!a.err && !p.err && !s.err)
			put_tsdu(c, buf_data(&s), s.len, out);
		buf_clear(&a);
		buf_clear(&p);
		buf_clear(&s);
		break;
	}
	default:
		break;
	}
	c->state = ISO_CLOSED;
}

/* ---- client ---- */

void iso_connect(struct iso_conn *c, uint8_t tpdu_code, struct buf *out)
{
	struct cotp_tpdu cr = {
		.code = COTP_CR, .src_ref = c->local_ref, .cls = 0, .tpdu_size_code = tpdu_code,
		.calling_tsel_len = 2, .called_tsel_len = 2,
	};
	memcpy(cr.calling_tsel, tsel_default, 2);
	memcpy(cr.called_tsel, tsel_default, 2);
	cotp_encode(out, &cr);
	c->state = ISO_WAIT_CC;
}

void iso_associate(struct iso_conn *c, const char *password, const uint8_t *mms,
		   size_t mms_len, struct buf *out)
{
	iso_associate_from(c, password, NULL, mms, mms_len, out);
}

void iso_associate_from(struct iso_conn *c, const char *password, const struct acse_ap *calling,
			const uint8_t *mms, size_t mms_len, struct buf *out)
{
	struct buf a, p, s;
	buf_init(&a, 0, 0);
	buf_init(&p, 0, 0);
	buf_init(&s, 0, 0);
	acse_encode_aarq_from(&a, password, calling, PRES_CTX_MMS, mms, mms_len);
	pres_encode_cp(&p, buf_data(&a), a.len);
	ses_encode_connect(&s, SES_CN, SES_VERSION2, buf_data(&p), p.len);
	if (!a.err && !p.err && !s.err)
		put_tsdu(c, buf_data(&s), s.len, out);
	buf_clear(&a);
	buf_clear(&p);
	buf_clear(&s);
	c->state = ISO_WAIT_AC;
}

void iso_release(struct iso_conn *c, struct buf *out)
{
	struct buf a;
	buf_init(&a, 0, 0);
	acse_encode_rlrq(&a, 0 /* normal */);
	send_acse(c, SES_FN, NULL, &a, out);
	buf_clear(&a);
	c->state = ISO_RELEASING;
}

static int on_ac(struct iso_conn *c, const struct ses_spdu *s, struct iso_event *ev,
		 struct proto_err *err)
{
	int r;
	if (s->si == SES_RF) {
		ev->type = ISO_EV_REFUSED;
		c->state = ISO_CLOSED;
		return 0;
	}
	if (s->si != SES_AC)
		return proto_fail(err, "session", "expected ACCEPT, got SPDU %u", s->si);
	if (!s->user_data)
		return proto_fail(err, "session", "ACCEPT without user data");
	if ((r = pres_decode_cpa(s->user_data, s->user_len, &ev->pres, err)))
		return proto_relayer(err, "presentation", r);
	if (ev->pres.refused) {
		ev->type = ISO_EV_REFUSED;
		c->state = ISO_CLOSED;
		return 0;
	}
	if ((r = acse_decode(ev->pres.user, ev->pres.user_len, &ev->acse, err)))
		return r;
	if (ev->acse.type != ACSE_AARE)
		return proto_fail(err, "acse", "expected AARE, got APDU %u", ev->acse.type);
	ev->data = ev->acse.user;
	ev->len = ev->acse.user_len;
	if (ev->acse.result != ACSE_ACCEPTED) {
		ev->type = ISO_EV_REFUSED;
		c->state = ISO_CLOSED;
	} else {
		ev->type = ISO_EV_ASSOCIATED;
		c->state = ISO_ASSOCIATED;
	}
	return 0;
}

/* ---- common input path ---- */

static int on_release_or_abort(struct iso_conn *c, const struct ses_spdu *s, struct buf *out,
			       struct iso_event *ev, struct proto_err *err)
{
	int32_t pcid;
	const uint8_t *u;
	size_t ulen;
	int r;

	if (s->si == SES_AB || s->si == SES_AA) {
		ev->type = ISO_EV_ABORTED;
		c->state = ISO_CLOSED;
		return 0;
	}
	if (!s->user_data)
		return proto_fail(err, "session", "%s without user data",
				  s->si == SES_FN ? "FINISH" : "DISCONNECT");
	if ((r = pres_decode_data(s->user_data, s->user_len, &pcid, &u, &ulen, err)))
		return proto_relayer(err, "presentation", r);
	if ((r = acse_decode(u, ulen, &ev->acse, err)))
		return r;
	if (s->si == SES_FN && !c->client) {
		if (ev->acse.type != ACSE_RLRQ)
			return proto_fail(err, "acse", "FINISH carries APDU %u, not RLRQ",
					  ev->acse.type);
		struct buf a;
		buf_init(&a, 0, 0);
		acse_encode_rlre(&a, 0 /* normal */);
		send_acse(c, SES_DN, NULL, &a, out);
		buf_clear(&a);
		ev->type = ISO_EV_RELEASED;
		c->state = ISO_CLOSED;
		return 0;
	}
	if (s->si == SES_DN && c->client && c->state == ISO_RELEASING) {
		ev->type = ISO_EV_RELEASED;
		c->state = ISO_CLOSED;
		return 0;
	}
	return proto_fail(err, "session", "unexpected %s SPDU", s->si == SES_FN ? "FINISH" :
								    "DISCONNECT");
}

static int on_tsdu(struct iso_conn *c, const uint8_t *p, size_t n, struct buf *out,
		   struct iso_event *ev, struct proto_err *err)
{
	struct ses_spdu s;
	int r;

	if ((r = ses_decode(p, n, &s, err)))
		return proto_relayer(err, "session", r);
	switch (c->state) {
	case ISO_TRANSPORT:
		if (c->client)
			return proto_fail(err, "session", "data before association");
		if (s.si != SES_CN)
			return proto_fail(err, "session", "expected CONNECT, got SPDU %u", s.si);
		return on_cn(c, &s, out, ev, err);
	case ISO_WAIT_AC:
		return on_ac(c, &s, ev, err);
	case ISO_ASSOCIATED:
	case ISO_RELEASING:
		if (s.si == SES_DT) {
			int32_t pcid;
			if ((r = pres_decode_data(s.user_data, s.user_len, &pcid, &ev->data, &ev->len,
						  err)))
				return proto_relayer(err, "presentation", r);
			if (pcid != c->pcid_mms)
				return proto_fail(err, "presentation",
						  "data in context %d, not MMS's %d", pcid, c->pcid_mms);
			/* ISO 9506-1 §8.2.2.1: no PDU above the negotiated size */
			if (c->max_pdu && ev->len > c->max_pdu)
				return proto_fail(err, "mms",
						  "PDU of %zu octets exceeds the negotiated size (%u)",
						  ev->len, c->max_pdu);
			ev->type = ISO_EV_DATA;
			return 0;
		}
		return on_release_or_abort(c, &s, out, ev, err);
	default:
		return proto_fail(err, "session", "SPDU %u in state %u", s.si, c->state);
	}
}

int iso_input(struct iso_conn *c, const uint8_t *tpkt, size_t len, struct buf *out,
	      struct iso_event *ev, struct proto_err *err)
{
	struct cotp_tpdu t;
	int r;

	ev->type = ISO_EV_NONE;
	ev->data = NULL;
	ev->len = 0;
	if (len < TPKT_HDR_LEN)
		return proto_fail(err, "tpkt", "packet of %zu octets", len);
	if ((r = cotp_decode(tpkt + TPKT_HDR_LEN, len - TPKT_HDR_LEN, &t, err)))
		return r;
	if (c->state == ISO_CLOSED)
		return proto_fail(err, "cotp", "data after the connection was closed");
	if (t.code == COTP_DR) {
		ev->type = ISO_EV_DISCONNECTED;
		ev->cotp_reason = t.reason;
		c->state = ISO_CLOSED;
		return 0;
	}
	if (t.code == COTP_ER)
		return proto_fail(err, "cotp", "peer reports a TPDU error (cause %u)", t.reason);
	if (c->state == ISO_WAIT_CR)
		return on_cr(c, &t, out, err);
	if (c->state == ISO_WAIT_CC) {
		if (t.code != COTP_CC)
			return proto_fail(err, "cotp", "expected CC, got TPDU code 0x%02x", t.code);
		c->peer_ref = t.src_ref;
		c->tpdu_code = t.tpdu_size_code ? t.tpdu_size_code : COTP_TPDU_CODE_MIN;
		c->tpdu_size = (uint16_t)(1u << c->tpdu_code);
		c->state = ISO_TRANSPORT;
		ev->type = ISO_EV_CONNECTED;
		return 0;
	}
	if (t.code != COTP_DT)
		return proto_fail(err, "cotp", "TPDU code 0x%02x after connection set-up", t.code);
	if (t.data_len + 3 > c->tpdu_size)
		return proto_fail(err, "cotp", "DT of %zu octets exceeds the TPDU size %u",
				  t.data_len + 3, c->tpdu_size);
	size_t limit = max_tsdu(c);
	if (!t.eot || c->reasm_len) {
		if (c->reasm_len + t.data_len > limit)
			return proto_fail(err, c->max_pdu ? "mms" : "cotp",
					  "PDU of more than %zu octets exceeds the %s (%zu)",
					  c->reasm_len + t.data_len,
					  c->max_pdu ? "negotiated PDU size" : "limit before association",
					  limit);
		/* allocated also for an empty first segment: memcpy needs a buffer */
		if (!c->reasm || c->reasm_len + t.data_len > c->reasm_cap) {
			size_t cap = c->reasm_cap ? c->reasm_cap : 4096;
			while (cap < c->reasm_len + t.data_len)
				cap *= 2;
			uint8_t *np = realloc(c->reasm, cap);
			if (!np)
				return proto_fail(err, "cotp", "out of memory reassembling a TSDU");
			c->reasm = np;
			c->reasm_cap = cap;
		}
		memcpy(c->reasm + c->reasm_len, t.data, t.data_len);
		c->reasm_len += t.data_len;
		if (!t.eot)
			return 0;
		/* The event may point into reasm: it is released on the next call. */
		r = on_tsdu(c, c->reasm, c->reasm_len, out, ev, err);
		c->reasm_len = 0;
		return r;
	}
	if (c->reasm) {
		/* The previous TSDU was reassembled; give its memory back now that
		 * nothing points into it, so idle associations stay small. */
		iso_clear(c);
	}
	if (t.data_len > limit)
		return proto_fail(err, "mms", "PDU of %zu octets exceeds the negotiated size (%zu)",
				  t.data_len, limit);
	return on_tsdu(c, t.data, t.data_len, out, ev, err);
}
