/* SPDX-License-Identifier: Apache-2.0 */
#include "ber.h"

#include <errno.h>
#include <string.h>

#define L "ber"

int ber_next(struct ber_cur *c, struct ber_tlv *t, struct proto_err *err)
{
	const uint8_t *p = c->pos, *end = c->end;

	if (p >= end)
		return -ENODATA;
	t->start = p;
	uint8_t id = *p++;
	t->cls = id & 0xC0;
	t->constructed = id & 0x20;
	uint32_t tag = id & 0x1F;
	if (tag == 0x1F) {
		/* X.690 §8.1.2.4: high-tag-number form, base 128. */
		tag = 0;
		for (int i = 0;; i++) {
			if (p >= end)
				return proto_fail(err, L, "tag truncated");
			if (i == 4)
				return proto_fail(err, L, "tag number wider than 28 bits");
			uint8_t o = *p++;
			if (i == 0 && o == 0x80)
				return proto_fail(err, L, "tag number not minimally encoded");
			tag = (tag << 7) | (o & 0x7F);
			if (!(o & 0x80))
				break;
		}
	}
	t->tag = tag;
	if (p >= end)
		return proto_fail(err, L, "length missing after tag %u", tag);
	size_t len = *p++;
	if (len == 0x80)
		return proto_fail(err, L, "indefinite length (tag %u) is not allowed", tag);
	if (len > 0x80) {
		size_t n = len & 0x7F;
		if (n > 4)
			return proto_fail(err, L, "length field of %zu octets is too long", n);
		if ((size_t)(end - p) < n)
			return proto_fail(err, L, "length field truncated");
		len = 0;
		for (size_t i = 0; i < n; i++)
			len = (len << 8) | *p++;
	}
	if (len > (size_t)(end - p))
		return proto_fail(err, L, "tag %u: length %zu runs past the end (%zu left)", tag,
				  len, (size_t)(end - p));
	t->val = p;
	t->len = len;
	c->pos = p + len;
	return 0;
}

int ber_enter(const struct ber_cur *parent, const struct ber_tlv *t, struct ber_cur *child,
	      struct proto_err *err)
{
	if (!t->constructed)
		return proto_fail(err, L, "tag %u: expected a constructed value", t->tag);
	if (parent->depth + 1 > BER_MAX_DEPTH)
		return proto_fail(err, L, "nesting deeper than %d levels", BER_MAX_DEPTH);
	child->pos = t->val;
	child->end = t->val + t->len;
	child->depth = parent->depth + 1;
	return 0;
}

int ber_expect(struct ber_cur *c, uint8_t clsc, uint32_t tag, struct ber_tlv *t,
	       const char *what, struct proto_err *err)
{
	int r = ber_next(c, t, err);
	if (r == -ENODATA)
		return proto_fail(err, L, "%s missing", what);
	if (r)
		return r;
	if (!ber_is(t, clsc, tag))
		return proto_fail(err, L, "%s: unexpected tag [%s %u]%s", what,
				  t->cls == BER_UNIVERSAL	? "UNIVERSAL" :
				  t->cls == BER_APPLICATION ? "APPLICATION" :
				  t->cls == BER_CONTEXT	? "CONTEXT" : "PRIVATE",
				  t->tag, t->constructed ? " constructed" : "");
	return 0;
}

int ber_get_int64(const struct ber_tlv *t, int64_t *v, struct proto_err *err)
{
	if (t->len == 0 || t->len > 8)
		return proto_fail(err, L, "INTEGER of %zu octets does not fit 64 bits", t->len);
	uint64_t u = (t->val[0] & 0x80) ? UINT64_MAX : 0;
	for (size_t i = 0; i < t->len; i++)
		u = (u << 8) | t->val[i];
	*v = (int64_t)u;
	return 0;
}

int ber_get_uint64(const struct ber_tlv *t, uint64_t *v, struct proto_err *err)
{
	const uint8_t *p = t->val;
	size_t n = t->len;

	if (n == 0)
		return proto_fail(err, L, "INTEGER of 0 octets");
	if (p[0] & 0x80)
		return proto_fail(err, L, "negative value for an unsigned INTEGER");
	if (n > 1 && p[0] == 0) {
		p++;
		n--;
	}
	if (n > 8)
		return proto_fail(err, L, "unsigned INTEGER of %zu octets does not fit 64 bits",
				  t->len);
	uint64_t u = 0;
	for (size_t i = 0; i < n; i++)
		u = (u << 8) | p[i];
	*v = u;
	return 0;
}

int ber_get_int_range(const struct ber_tlv *t, int64_t min, int64_t max, int64_t *v,
		      struct proto_err *err)
{
	int64_t x;
	int r = ber_get_int64(t, &x, err);
	if (r)
		return r;
	if (x < min || x > max)
		return proto_fail(err, L, "INTEGER %lld outside %lld..%lld", (long long)x,
				  (long long)min, (long long)max);
	*v = x;
	return 0;
}

int ber_get_bool(const struct ber_tlv *t, bool *v, struct proto_err *err)
{
	if (t->len != 1)
		return proto_fail(err, L, "BOOLEAN of %zu octets", t->len);
	*v = t->val[0] != 0;
	return 0;
}

int ber_get_bitstring(const struct ber_tlv *t, uint8_t *bits, size_t max, size_t *nbits,
		      struct proto_err *err)
{
	if (t->len == 0)
		return proto_fail(err, L, "BIT STRING without unused-bits octet");
	uint8_t unused = t->val[0];
	size_t n = t->len - 1;
	if (unused > 7 || (n == 0 && unused))
		return proto_fail(err, L, "BIT STRING with %u unused bits", unused);
	if (n > max)
		return proto_fail(err, L, "BIT STRING of %zu octets, at most %zu expected", n, max);
	memset(bits, 0, max);
	if (n) {
		memcpy(bits, t->val + 1, n);
		/* X.690 §8.6.2.3: the unused bits may be anything in BER; clear
		 * them so equal values compare and store equal */
		bits[n - 1] &= (uint8_t)(0xFF << unused);
	}
	*nbits = n * 8 - unused;
	return 0;
}

int ber_get_visible(const struct ber_tlv *t, char *out, size_t n, struct proto_err *err)
{
	if (t->len >= n)
		return proto_fail(err, L, "string of %zu octets, at most %zu expected", t->len,
				  n - 1);
	for (size_t i = 0; i < t->len; i++)
		if (t->val[i] < 0x20 || t->val[i] > 0x7E)
			return proto_fail(err, L, "VisibleString with octet 0x%02x", t->val[i]);
	memcpy(out, t->val, t->len);
	out[t->len] = 0;
	return 0;
}

int ber_get_float(const struct ber_tlv *t, double *v, bool *is_double, struct proto_err *err)
{
	if (t->len == 5 && t->val[0] == 8) {
		uint32_t u = (uint32_t)t->val[1] << 24 | (uint32_t)t->val[2] << 16 |
			     (uint32_t)t->val[3] << 8 | t->val[4];
		float f;
		memcpy(&f, &u, 4);
		*v = f;
		if (is_double)
			*is_double = false;
		return 0;
	}
	if (t->len == 9 && t->val[0] == 11) {
		uint64_t u = 0;
		for (int i = 1; i < 9; i++)
			u = (u << 8) | t->val[i];
		memcpy(v, &u, 8);
		if (is_double)
			*is_double = true;
		return 0;
	}
	return proto_fail(err, L, "FloatingPoint of %zu octets (exponent width %u)", t->len,
			  t->len ? t->val[0] : 0);
}

int ber_get_oid(const struct ber_tlv *t, uint32_t *arcs, size_t max, size_t *n,
		struct proto_err *err)
{
	size_t k = 0;
	uint64_t acc = 0;
	int nb = 0;

	if (t->len == 0)
		return proto_fail(err, L, "empty OBJECT IDENTIFIER");
	if (max < 2)
		return proto_fail(err, L, "no room for OBJECT IDENTIFIER arcs");
	for (size_t i = 0; i < t->len; i++) {
		uint8_t o = t->val[i];
		if (nb == 0 && o == 0x80)
			return proto_fail(err, L, "OBJECT IDENTIFIER arc not minimally encoded");
		acc = (acc << 7) | (o & 0x7F);
		if (++nb > 5 || acc > UINT32_MAX)
			return proto_fail(err, L, "OBJECT IDENTIFIER arc wider than 32 bits");
		if (o & 0x80)
			continue;
		if (k == 0) {
			uint32_t first = acc < 40 ? 0 : acc < 80 ? 1 : 2;
			arcs[k++] = first;
			arcs[k++] = (uint32_t)(acc - first * 40);
		} else {
			if (k == max)
				return proto_fail(err, L, "OBJECT IDENTIFIER with more than %zu arcs",
						  max);
			arcs[k++] = (uint32_t)acc;
		}
		acc = 0;
		nb = 0;
	}
	if (nb)
		return proto_fail(err, L, "OBJECT IDENTIFIER truncated");
	*n = k;
	return 0;
}

int ber_get_utctime(const struct ber_tlv *t, struct ber_utctime *v, struct proto_err *err)
{
	if (t->len != 8)
		return proto_fail(err, L, "UtcTime of %zu octets, 8 expected", t->len);
	const uint8_t *p = t->val;
	v->secs = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	v->frac = (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
	v->quality = p[7];
	return 0;
}

int ber_get_binarytime(const struct ber_tlv *t, uint32_t *ms, uint16_t *days, bool *has_days,
		       struct proto_err *err)
{
	if (t->len != 4 && t->len != 6)
		return proto_fail(err, L, "BinaryTime of %zu octets, 4 or 6 expected", t->len);
	const uint8_t *p = t->val;
	*ms = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	*has_days = t->len == 6;
	*days = *has_days ? (uint16_t)(p[4] << 8 | p[5]) : 0;
	return 0;
}

/* ---- encoders ---- */

size_t ber_len_size(size_t len)
{
	if (len < 0x80)
		return 1;
	size_t n = 1;
	while (len) {
		n++;
		len >>= 8;
	}
	return n;
}

static void put_tag(struct buf *b, uint8_t clsc, uint32_t tag)
{
	if (tag < 31) {
		buf_put_u8(b, (uint8_t)(clsc | tag));
		return;
	}
	uint8_t tmp[6];
	int n = 0;
	tmp[n++] = clsc | 0x1F;
	int shift = 28;
	while (shift > 0 && !(tag >> shift))
		shift -= 7;
	for (; shift > 0; shift -= 7)
		tmp[n++] = 0x80 | ((tag >> shift) & 0x7F);
	tmp[n++] = tag & 0x7F;
	buf_put(b, tmp, (size_t)n);
}

static void put_len(uint8_t *p, size_t len, size_t n)
{
	if (n == 1) {
		p[0] = (uint8_t)len;
		return;
	}
	p[0] = (uint8_t)(0x80 | (n - 1));
	for (size_t i = n - 1; i >= 1; i--) {
		p[i] = (uint8_t)len;
		len >>= 8;
	}
}

void ber_put_hdr(struct buf *b, uint8_t clsc, uint32_t tag, size_t len)
{
	put_tag(b, clsc, tag);
	size_t n = ber_len_size(len);
	uint8_t *p = buf_reserve(b, n);
	if (!p)
		return;
	put_len(p, len, n);
	b->len += n;
}

size_t ber_begin(struct buf *b, uint8_t clsc, uint32_t tag)
{
	put_tag(b, clsc, tag);
	buf_put_u8(b, 0);
	return b->len;	/* offset just past the length octet */
}

void ber_end(struct buf *b, size_t mark)
{
	if (b->err)
		return;
	size_t len = b->len - mark;
	size_t n = ber_len_size(len);
	if (n > 1 && !buf_insert(b, mark, n - 1))
		return;
	put_len(buf_data(b) + mark - 1, len, n);
}

void ber_put_raw(struct buf *b, uint8_t clsc, uint32_t tag, const void *v, size_t len)
{
	if (tag < 31 && len < 0x80) {
		/* the common case in one reservation: tag, short length, value */
		uint8_t *p = buf_reserve(b, 2 + len);
		if (!p)
			return;
		p[0] = (uint8_t)(clsc | tag);
		p[1] = (uint8_t)len;
		if (len)
			memcpy(p + 2, v, len);
		b->len += 2 + len;
		return;
	}
	ber_put_hdr(b, clsc, tag, len);
	buf_put(b, v, len);
}

void ber_put_int(struct buf *b, uint8_t clsc, uint32_t tag, int64_t v)
{
	uint8_t tmp[8];
	int n = 8;
	for (int i = 7; i >= 0; i--) {
		tmp[i] = (uint8_t)v;
		v >>= 8; /* arithmetic shift on every compiler we support */
	}
	int s = 0;
	while (s < n - 1 && ((tmp[s] == 0x00 && !(tmp[s + 1] & 0x80)) ||
			     (tmp[s] == 0xFF && (tmp[s + 1] & 0x80))))
		s++;
	ber_put_raw(b, clsc, tag, tmp + s, (size_t)(n - s));
}

void ber_put_uint(struct buf *b, uint8_t clsc, uint32_t tag, uint64_t v)
{
	uint8_t tmp[9];
	tmp[0] = 0;
	for (int i = 8; i >= 1; i--) {
		tmp[i] = (uint8_t)v;
		v >>= 8;
	}
	int s = 0;
	while (s < 8 && tmp[s] == 0 && !(tmp[s + 1] & 0x80))
		s++;
	ber_put_raw(b, clsc, tag, tmp + s, (size_t)(9 - s));
}

void ber_put_bool(struct buf *b, uint8_t clsc, uint32_t tag, bool v)
{
	uint8_t o = v ? 0xFF : 0x00;
	ber_put_raw(b, clsc, tag, &o, 1);
}

void ber_put_null(struct buf *b, uint8_t clsc, uint32_t tag)
{
	ber_put_hdr(b, clsc, tag, 0);
}

void ber_put_str(struct buf *b, uint8_t clsc, uint32_t tag, const char *s)
{
	ber_put_raw(b, clsc, tag, s, strlen(s));
}

void ber_put_bitstring(struct buf *b, uint8_t clsc, uint32_t tag, const uint8_t *bits,
		       size_t nbits)
{
	size_t n = (nbits + 7) / 8;
	ber_put_hdr(b, clsc, tag, n + 1);
	buf_put_u8(b, (uint8_t)(n * 8 - nbits));
	uint8_t *p = buf_reserve(b, n);
	if (!p)
		return;
	memcpy(p, bits, n);
	if (nbits % 8)
		p[n - 1] &= (uint8_t)(0xFF << (8 - nbits % 8));
	b->len += n;
}

void ber_put_oid(struct buf *b, uint8_t clsc, uint32_t tag, const uint32_t *arcs, size_t n)
{
	uint8_t tmp[64];
	size_t k = 0;

	for (size_t i = 1; i < n && k + 5 <= sizeof(tmp); i++) {
		uint64_t a = i == 1 ? (uint64_t)arcs[0] * 40 + arcs[1] : arcs[i];
		uint8_t rev[10];
		int m = 0;
		do {
			rev[m++] = a & 0x7F;
			a >>= 7;
		} while (a);
		while (m--)
			tmp[k++] = (uint8_t)(rev[m] | (m ? 0x80 : 0));
	}
	ber_put_raw(b, clsc, tag, tmp, k);
}

void ber_put_float32(struct buf *b, uint8_t clsc, uint32_t tag, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	uint8_t tmp[5] = { 8, (uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8),
			   (uint8_t)u };
	ber_put_raw(b, clsc, tag, tmp, 5);
}

void ber_put_float64(struct buf *b, uint8_t clsc, uint32_t tag, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	uint8_t tmp[9];
	tmp[0] = 11;
	for (int i = 8; i >= 1; i--) {
		tmp[i] = (uint8_t)u;
		u >>= 8;
	}
	ber_put_raw(b, clsc, tag, tmp, 9);
}

void ber_put_utctime(struct buf *b, uint8_t clsc, uint32_t tag, const struct ber_utctime *v)
{
	uint8_t tmp[8] = { (uint8_t)(v->secs >> 24), (uint8_t)(v->secs >> 16),
			   (uint8_t)(v->secs >> 8),  (uint8_t)v->secs,
			   (uint8_t)(v->frac >> 16), (uint8_t)(v->frac >> 8),
			   (uint8_t)v->frac,	     v->quality };
	ber_put_raw(b, clsc, tag, tmp, 8);
}

int ber_prepend_hdr(struct buf *b, uint8_t tag_octet, size_t len)
{
	size_t n = ber_len_size(len);
	uint8_t *p = buf_prepend(b, 1 + n);
	if (!p)
		return b->err;
	p[0] = tag_octet;
	put_len(p + 1, len, n);
	return 0;
}
