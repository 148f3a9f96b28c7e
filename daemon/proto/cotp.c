/* SPDX-License-Identifier: Apache-2.0 */
#include "cotp.h"

#include <errno.h>
#include <string.h>

#define L "cotp"

int tpkt_header(const uint8_t *p, size_t len, size_t max, size_t *pkt_len,
		struct proto_err *err)
{
	if (len < TPKT_HDR_LEN)
		return -EAGAIN;
	if (p[0] != 3)
		return proto_fail(err, "tpkt", "version %u, expected 3 (RFC 1006)", p[0]);
	size_t n = (size_t)p[2] << 8 | p[3];
	if (n < TPKT_MIN_LEN)
		return proto_fail(err, "tpkt", "length %zu is below the minimum of %d", n,
				  TPKT_MIN_LEN);
	if (n > max)
		return proto_fail(err, "tpkt", "length %zu exceeds the negotiated TPDU size (%zu)",
				  n, max);
	*pkt_len = n;
	return 0;
}

void tpkt_write_header(uint8_t *p, size_t total)
{
	p[0] = 3;
	p[1] = 0;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
}

static int parse_params(const uint8_t *p, const uint8_t *end, struct cotp_tpdu *t,
			struct proto_err *err)
{
	while (p < end) {
		if (end - p < 2)
			return proto_fail(err, L, "variable part truncated");
		uint8_t code = p[0], n = p[1];
		const uint8_t *v = p + 2;
		if (n > end - v)
			return proto_fail(err, L, "parameter 0x%02x of length %u runs past the header",
					  code, n);
		switch (code) {
		case 0xC0: /* TPDU size */
			if (n != 1)
				return proto_fail(err, L, "TPDU size parameter of length %u", n);
			if (v[0] < COTP_TPDU_CODE_MIN || v[0] > COTP_TPDU_CODE_MAX)
				return proto_fail(err, L, "TPDU size code %u outside %d..%d", v[0],
						  COTP_TPDU_CODE_MIN, COTP_TPDU_CODE_MAX);
			t->tpdu_size_code = v[0];
			break;
		case 0xC1: /* calling TSAP */
		case 0xC2: /* called TSAP */
			if (n > COTP_MAX_TSEL)
				return proto_fail(err, L, "TSAP selector of %u octets", n);
			if (code == 0xC1) {
				memcpy(t->calling_tsel, v, n);
				t->calling_tsel_len = n;
			} else {
				memcpy(t->called_tsel, v, n);
				t->called_tsel_len = n;
			}
			break;
		default: /* ISO 8073 §13.2.3: ignore parameters class 0 does not use */
			break;
		}
		p = v + n;
	}
	return 0;
}

int cotp_decode(const uint8_t *p, size_t len, struct cotp_tpdu *t, struct proto_err *err)
{
	memset(t, 0, sizeof(*t));
	if (len < 2)
		return proto_fail(err, L, "TPDU of %zu octets is too short", len);
	size_t li = p[0];
	if (li == 255 || li < 1)
		return proto_fail(err, L, "length indicator %zu is invalid", li);
	if (li + 1 > len)
		return proto_fail(err, L, "length indicator %zu runs past the TPDU (%zu octets)", li,
				  len);
	const uint8_t *end = p + 1 + li;
	uint8_t code = p[1] & 0xF0;
	t->code = code;
	switch (code) {
	case COTP_DT:
		if (li != 2)
			return proto_fail(err, L, "DT with length indicator %zu (class 0 uses 2)", li);
		t->eot = p[2] & 0x80;
		t->data = end;
		t->data_len = len - (li + 1);
		return 0;
	case COTP_CR:
	case COTP_CC:
		if (li < 6)
			return proto_fail(err, L, "%s with length indicator %zu, at least 6 needed",
					  code == COTP_CR ? "CR" : "CC", li);
		if (p[1] & 0x0F)
			return proto_fail(err, L, "CDT %u in class 0 (must be 0)", p[1] & 0x0F);
		t->dst_ref = (uint16_t)(p[2] << 8 | p[3]);
		t->src_ref = (uint16_t)(p[4] << 8 | p[5]);
		t->cls = p[6] >> 4;
		if (len > li + 1)
			return proto_fail(err, L, "%zu octets of user data in a CR/CC (class 0 has none)",
					  len - li - 1);
		return parse_params(p + 7, end, t, err);
	case COTP_DR:
		if (li < 6)
			return proto_fail(err, L, "DR with length indicator %zu", li);
		t->dst_ref = (uint16_t)(p[2] << 8 | p[3]);
		t->src_ref = (uint16_t)(p[4] << 8 | p[5]);
		t->reason = p[6];
		return 0;
	case COTP_ER:
		if (li < 4)
			return proto_fail(err, L, "ER with length indicator %zu", li);
		t->dst_ref = (uint16_t)(p[2] << 8 | p[3]);
		t->reason = p[4];
		return 0;
	default:
		return proto_fail(err, L, "TPDU code 0x%02x is not used in class 0", p[1]);
	}
}

void cotp_encode(struct buf *b, const struct cotp_tpdu *t)
{
	uint8_t tmp[TPKT_HDR_LEN + 7 + 3 + 2 * (2 + COTP_MAX_TSEL)];
	size_t n = TPKT_HDR_LEN + 1;

	tmp[n++] = t->code;
	tmp[n++] = (uint8_t)(t->dst_ref >> 8);
	tmp[n++] = (uint8_t)t->dst_ref;
	if (t->code == COTP_ER) {
		tmp[n++] = t->reason;
	} else {
		tmp[n++] = (uint8_t)(t->src_ref >> 8);
		tmp[n++] = (uint8_t)t->src_ref;
		tmp[n++] = t->code == COTP_DR ? t->reason : (uint8_t)(t->cls << 4);
	}
	if (t->code == COTP_CR || t->code == COTP_CC) {
		if (t->tpdu_size_code) {
			tmp[n++] = 0xC0;
			tmp[n++] = 1;
			tmp[n++] = t->tpdu_size_code;
		}
		if (t->calling_tsel_len) {
			tmp[n++] = 0xC1;
			tmp[n++] = t->calling_tsel_len;
			memcpy(tmp + n, t->calling_tsel, t->calling_tsel_len);
			n += t->calling_tsel_len;
		}
		if (t->called_tsel_len) {
			tmp[n++] = 0xC2;
			tmp[n++] = t->called_tsel_len;
			memcpy(tmp + n, t->called_tsel, t->called_tsel_len);
			n += t->called_tsel_len;
		}
	}
	tmp[TPKT_HDR_LEN] = (uint8_t)(n - TPKT_HDR_LEN - 1);
	tpkt_write_header(tmp, n);
	buf_put(b, tmp, n);
}

void cotp_encode_dt(struct buf *b, const uint8_t *data, size_t len, size_t tpdu_size)
{
	size_t chunk = tpdu_size - 3;

	do {
		size_t n = len < chunk ? len : chunk;
		uint8_t *p = buf_reserve(b, COTP_DT_HDR_LEN + n);
		if (!p)
			return;
		tpkt_write_header(p, COTP_DT_HDR_LEN + n);
		p[4] = 2;
		p[5] = COTP_DT;
		p[6] = n == len ? 0x80 : 0x00;
		memcpy(p + COTP_DT_HDR_LEN, data, n);
		b->len += COTP_DT_HDR_LEN + n;
		data += n;
		len -= n;
	} while (len);
}
