/* SPDX-License-Identifier: Apache-2.0 */
#include "session.h"

#include <errno.h>
#include <string.h>

#define L "session"

const uint8_t ses_dt_header[SES_DT_HDR_LEN] = { 0x01, 0x00, 0x01, 0x00 };

/* ISO 8327-1 §8.2.5: LI is one octet, or 0xFF followed by two. */
static int read_li(const uint8_t **pp, const uint8_t *end, size_t *li, struct proto_err *err)
{
	const uint8_t *p = *pp;
	if (p >= end)
		return proto_fail(err, L, "length indicator missing");
	if (*p != 0xFF) {
		*li = *p++;
	} else {
		if (end - p < 3)
			return proto_fail(err, L, "extended length indicator truncated");
		*li = (size_t)p[1] << 8 | p[2];
		p += 3;
	}
	if (*li > (size_t)(end - p))
		return proto_fail(err, L, "length %zu runs past the SPDU (%zu octets left)", *li,
				  (size_t)(end - p));
	*pp = p;
	return 0;
}

static int copy_ssel(uint8_t *dst, uint8_t *dlen, const uint8_t *v, size_t n,
		     struct proto_err *err)
{
	if (n > SES_MAX_SSEL)
		return proto_fail(err, L, "session selector of %zu octets (at most %d)", n,
				  SES_MAX_SSEL);
	memcpy(dst, v, n);
	*dlen = (uint8_t)n;
	return 0;
}

static int parse_params(const uint8_t *p, const uint8_t *end, struct ses_spdu *s, int level,
			struct proto_err *err)
{
	while (p < end) {
		uint8_t pi = *p++;
		size_t n;
		int r = read_li(&p, end, &n, err);
		if (r)
			return r;
		const uint8_t *v = p;
		p += n;
		switch (pi) {
		case 1:	 /* connection identifier PGI */
		case 5:	 /* connect/accept item PGI */
			if (level > 0)
				return proto_fail(err, L, "PGI %u nested in a PGI", pi);
			r = parse_params(v, v + n, s, level + 1, err);
			if (r)
				return r;
			break;
		case 17: /* transport disconnect */
			if (n == 1)
				s->transport_disconnect = v[0];
			break;
		case 19: /* protocol options */
			if (n == 1)
				s->protocol_options = v[0];
			break;
		case 20: /* session user requirements */
			if (n != 2)
				return proto_fail(err, L, "session requirements of length %zu", n);
			s->requirements = (uint16_t)(v[0] << 8 | v[1]);
			s->has_requirements = true;
			break;
		case 22: /* version number */
			if (n != 1)
				return proto_fail(err, L, "version number of length %zu", n);
			s->version = v[0];
			break;
		case 50: /* reason code */
			if (n >= 1) {
				s->reason = v[0];
				s->user_data = v + 1;
				s->user_len = n - 1;
			}
			break;
		case 51:
			r = copy_ssel(s->calling_ssel, &s->calling_ssel_len, v, n, err);
			if (r)
				return r;
			break;
		case 52:
			r = copy_ssel(s->called_ssel, &s->called_ssel_len, v, n, err);
			if (r)
				return r;
			break;
		case 193: /* user data */
		case 194: /* extended user data */
			s->user_data = v;
			s->user_len = n;
			break;
		default: /* parameters this profile does not use are ignored */
			break;
		}
	}
	return 0;
}

int ses_decode(const uint8_t *p, size_t len, struct ses_spdu *s, struct proto_err *err)
{
	const uint8_t *end = p + len;
	size_t li;
	int r;

	memset(s, 0, sizeof(*s));
	if (len < 2)
		return proto_fail(err, L, "SPDU of %zu octets is too short", len);
	s->si = *p++;
	r = read_li(&p, end, &li, err);
	if (r)
		return r;
	switch (s->si) {
	case SES_DT: {
		/* GIVE TOKENS (category 0) then DATA TRANSFER (category 2). */
		const uint8_t *q = p + li;
		if (q >= end || *q != SES_DT)
			return proto_fail(err, L, "GIVE TOKENS not followed by DATA TRANSFER");
		q++;
		r = read_li(&q, end, &li, err);
		if (r)
			return r;
		q += li; /* DT parameters (enclosure item) are not used by this profile */
		s->user_data = q;
		s->user_len = (size_t)(end - q);
		return 0;
	}
	case SES_CN:
	case SES_AC:
	case SES_RF:
	case SES_FN:
	case SES_DN:
	case SES_AB:
	case SES_AA:
		if (p + li != end)
			return proto_fail(err, L, "SPDU length %zu does not match the TSDU (%zu octets)",
					  li, (size_t)(end - p));
		return parse_params(p, p + li, s, 0, err);
	default:
		return proto_fail(err, L, "SPDU type %u is not supported", s->si);
	}
}

static void put_li(struct buf *b, size_t n)
{
	if (n < 255) {
		buf_put_u8(b, (uint8_t)n);
	} else {
		uint8_t t[3] = { 0xFF, (uint8_t)(n >> 8), (uint8_t)n };
		buf_put(b, t, 3);
	}
}

static size_t li_size(size_t n) { return n < 255 ? 1 : 3; }

void ses_encode_connect(struct buf *b, uint8_t si, uint8_t version, const uint8_t *user,
			size_t user_len)
{
	/* PGI 5 { PI 19 protocol options = 0, PI 22 version }, PI 20 = duplex
	 * functional unit (ISO 8327-1 §8.3.1.16; the only one MMS needs). */
	static const uint8_t fixed[] = { 5, 6, 19, 1, 0, 22, 1, 0, 20, 2, 0, 2 };
	uint8_t hdr[sizeof(fixed)];
	memcpy(hdr, fixed, sizeof(fixed));
	hdr[7] = version;
	size_t plen = sizeof(hdr) + 1 + li_size(user_len) + user_len;
	buf_put_u8(b, si);
	put_li(b, plen);
	buf_put(b, hdr, sizeof(hdr));
	buf_put_u8(b, 193);
	put_li(b, user_len);
	buf_put(b, user, user_len);
}

void ses_encode_simple(struct buf *b, uint8_t si, uint8_t param, const uint8_t *user,
		       size_t user_len)
{
	size_t plen = 0;
	if (si == SES_RF) {
		plen = 1 + li_size(1 + user_len) + 1 + user_len;
		buf_put_u8(b, si);
		put_li(b, plen);
		buf_put_u8(b, 50);
		put_li(b, 1 + user_len);
		buf_put_u8(b, param);
		buf_put(b, user, user_len);
		return;
	}
	bool has_td = si == SES_FN || si == SES_AB;
	if (has_td)
		plen += 3;
	if (user_len)
		plen += 1 + li_size(user_len) + user_len;
	buf_put_u8(b, si);
	put_li(b, plen);
	if (has_td) {
		uint8_t td[3] = { 17, 1, param };
		buf_put(b, td, 3);
	}
	if (user_len) {
		buf_put_u8(b, 193);
		put_li(b, user_len);
		buf_put(b, user, user_len);
	}
}
