/* SPDX-License-Identifier: Apache-2.0 */
/* The model's values as MMS Data (ISO 9506-2 Data, IEC 61850-8-1 §8.1.3):
 * encoding for Read and reports, decoding for Write, with the checks a
 * client's value must pass. Values are packed without alignment: every
 * access goes through memcpy (model.h, model_btype_size). */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "model_priv.h"
#include "objref.h"

/* ---- values: storage helpers ---- */

int64_t model_get_i64(const uint8_t *v)
{
	int64_t x;
	memcpy(&x, v, 8);
	return x;
}

uint64_t model_get_u64(const uint8_t *v)
{
	uint64_t x;
	memcpy(&x, v, 8);
	return x;
}

uint16_t model_get_octlen(const uint8_t *v)
{
	uint16_t n;
	memcpy(&n, v, 2);
	return n;
}


/* ---- values: MMS Data encoding ---- */

static void encode(const uint8_t *v, const struct mtype *t, struct buf *b)
{
	const uint8_t C = BER_CONTEXT, CC = BER_CONTEXT | BER_CONSTRUCTED;

	switch (t->btype) {
	case MB_STRUCT: {
		size_t mark = ber_begin(b, CC, 2);
		for (uint32_t i = 0; i < t->n; i++)
			encode(v + t->comp[i].off, t->comp[i].type, b);
		ber_end(b, mark);
		break;
	}
	case MB_ARRAY: {
		size_t mark = ber_begin(b, CC, 1);
		for (uint32_t i = 0; i < t->count; i++)
			encode(v + (size_t)i * t->elem->size, t->elem, b);
		ber_end(b, mark);
		break;
	}
	case MB_BOOLEAN:
		ber_put_bool(b, C, 3, v[0] != 0);
		break;
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
		ber_put_int(b, C, 5, model_get_i64(v));
		break;
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U:
		ber_put_uint(b, C, 6, model_get_u64(v));
		break;
	case MB_FLOAT32: {
		float f;
		memcpy(&f, v, 4);
		ber_put_float32(b, C, 7, f);
		break;
	}
	case MB_FLOAT64: {
		double d;
		memcpy(&d, v, 8);
		ber_put_float64(b, C, 7, d);
		break;
	}
	case MB_ENUM: {
		int32_t e;
		memcpy(&e, v, 4);
		ber_put_int(b, C, 5, e);
		break;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: {
		uint8_t bits = (uint8_t)(v[0] << 6);
		ber_put_bitstring(b, C, 4, &bits, 2);
		break;
	}
	case MB_QUALITY: {
		uint16_t q;
		memcpy(&q, v, 2);
		uint8_t bits[2] = { (uint8_t)(q >> 8), (uint8_t)q };
		ber_put_bitstring(b, C, 4, bits, 13);
		break;
	}
	case MB_TIMESTAMP:
		ber_put_raw(b, C, 17, v, 8);
		break;
	case MB_ENTRYTIME:
		ber_put_raw(b, C, 12, v, 6);
		break;
	case MB_VISSTRING:
		ber_put_raw(b, C, 10, v, strnlen((const char *)v, t->max_len));
		break;
	case MB_UNICODE:
		ber_put_raw(b, C, 16, v, strnlen((const char *)v, t->max_len));
		break;
	case MB_OCTET: {
		size_t n = (t->flags & MTYPE_FIXED) ? t->max_len : model_get_octlen(v);
		if (n > t->max_len)
			n = t->max_len;
		ber_put_raw(b, C, 9, v + 2, n);
		break;
	}
	case MB_BITSTRING:
		ber_put_bitstring(b, C, 4, v + 1, t->max_len);
		break;
	default:
		break;
	}
}

void model_encode_data(const struct model *m, const struct mtype *t, uint32_t voff,
		       struct buf *b)
{
	encode(m->values + voff, t, b);
}


/* ---- values: MMS Data decoding ---- */

/* Well-formed UTF-8 (RFC 3629): no overlong two-octet forms, nothing
 * beyond U+10FFFF; enough to keep garbage out of an mMSString. */
bool model_utf8_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k;
		if (c < 0x80)
			k = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if ((c & 0xF0) == 0xE0)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return false;
		if (k > n - i - 1)
			return false;
		for (size_t j = 1; j <= k; j++)
			if ((p[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

/* Decodes into `v` (scratch storage of t->size octets). */
static int decode(uint8_t *v, const struct mtype *t, const struct ber_cur *parent,
		  const struct ber_tlv *tlv, unsigned depth)
{
	const uint8_t C = BER_CONTEXT, CC = BER_CONTEXT | BER_CONSTRUCTED;
	struct ber_cur c;
	struct ber_tlv e;

	if (depth > MODEL_MAX_DEPTH + 4)
		return MMS_DAE_OBJECT_VALUE_INVALID;
	switch (t->btype) {
	case MB_STRUCT:
	case MB_ARRAY: {
		bool st = t->btype == MB_STRUCT;
		uint32_t n = st ? t->n : t->count;
		if (!ber_is(tlv, CC, st ? 2 : 1))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_enter(parent, tlv, &c, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		for (uint32_t i = 0; i < n; i++) {
			if (ber_next(&c, &e, NULL))
				return MMS_DAE_TYPE_INCONSISTENT;	/* too few, or broken */
			const struct mtype *ct = st ? t->comp[i].type : t->elem;
			uint32_t off = st ? t->comp[i].off : i * t->elem->size;
			int r = decode(v + off, ct, &c, &e, depth + 1);
			if (r)
				return r;
		}
		return ber_cur_done(&c) ? 0 : MMS_DAE_TYPE_INCONSISTENT;
	}
	case MB_BOOLEAN: {
		bool x;
		if (!ber_is(tlv, C, 3))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_bool(tlv, &x, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		v[0] = x;
		return 0;
	}
	case MB_INT8: case MB_INT16: case MB_INT24: case MB_INT32: case MB_INT64: case MB_INT128:
	case MB_ENUM: {
		int64_t min, max, x;
		if (!ber_is(tlv, C, 5))
			return MMS_DAE_TYPE_INCONSISTENT;
		model_int_range(t->btype, &min, &max);
		if (ber_get_int_range(tlv, min, max, &x, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (t->btype == MB_ENUM) {
			int32_t e32 = (int32_t)x;
			if (t->enm && !enum_name(t->enm, e32))
				return MMS_DAE_OBJECT_VALUE_INVALID;
			memcpy(v, &e32, 4);
		} else {
			memcpy(v, &x, 8);
		}
		return 0;
	}
	case MB_INT8U: case MB_INT16U: case MB_INT24U: case MB_INT32U: {
		uint64_t x;
		if (!ber_is(tlv, C, 6))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_uint64(tlv, &x, NULL) || x > model_uint_max(t->btype))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, &x, 8);
		return 0;
	}
	case MB_FLOAT32: case MB_FLOAT64: {
		double d;
		bool dbl;
		if (!ber_is(tlv, C, 7))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_float(tlv, &d, &dbl, NULL))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		if (t->btype == MB_FLOAT32) {
			/* A FLOAT32 takes the single format only (its typedesc
			 * says format-width 32). */
			if (dbl)
				return MMS_DAE_TYPE_INCONSISTENT;
			float f = (float)d;
			memcpy(v, &f, 4);
		} else {
			memcpy(v, &d, 8);
		}
		return 0;
	}
	case MB_DBPOS: case MB_TCMD: case MB_CHECK: case MB_QUALITY: case MB_BITSTRING: {
		uint8_t bits[8];
		size_t nbits, want = t->btype == MB_QUALITY ? 13 :
				     t->btype == MB_BITSTRING ? t->max_len : 2;
		if (!ber_is(tlv, C, 4))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (want > 64)
			return MMS_DAE_TYPE_INCONSISTENT;
		if (ber_get_bitstring(tlv, bits, (want + 7) / 8, &nbits, NULL))
			return MMS_DAE_TYPE_INCONSISTENT;
		/* A fixed-size bit string (8-1: positive size) is of its size
		 * or of another type; Quality and Check are varying (up to 13,
		 * up to 2 bits; 8-1 §8.2): bits not conveyed are 0, and no
		 * bits at all is not a value (UCA TISSUE 1361). */
		bool varying = t->btype == MB_QUALITY || t->btype == MB_CHECK;
		if (varying ? nbits < 1 || nbits > want : nbits != want)
			return MMS_DAE_TYPE_INCONSISTENT;
		for (size_t k = nbits; k < want; k++)	/* bits not conveyed are 0 */
			bits[k / 8] &= (uint8_t)~(0x80 >> (k % 8));
		if (t->btype == MB_QUALITY) {
			uint16_t q = (uint16_t)(bits[0] << 8 | (bits[1] & 0xF8));
			memcpy(v, &q, 2);
		} else if (t->btype == MB_BITSTRING) {
			v[0] = (uint8_t)want;
			memcpy(v + 1, bits, (want + 7) / 8);
		} else {
			v[0] = bits[0] >> 6;
		}
		return 0;
	}
	case MB_TIMESTAMP:
		if (!ber_is(tlv, C, 17))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len != 8)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, 8);
		return 0;
	case MB_ENTRYTIME:
		if (!ber_is(tlv, C, 12))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len != 6)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, 6);
		return 0;
	case MB_VISSTRING: case MB_UNICODE: {
		bool vis = t->btype == MB_VISSTRING;
		if (!ber_is(tlv, C, vis ? 10 : 16))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len > t->max_len)
			return MMS_DAE_OBJECT_VALUE_INVALID;
		for (size_t i = 0; vis && i < tlv->len; i++)
			if (tlv->val[i] < 0x20 || tlv->val[i] > 0x7E)
				return MMS_DAE_OBJECT_VALUE_INVALID;
		if (!vis && (memchr(tlv->val, 0, tlv->len) || !model_utf8_ok(tlv->val, tlv->len)))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		memcpy(v, tlv->val, tlv->len);
		memset(v + tlv->len, 0, t->max_len + 1 - tlv->len);
		return 0;
	}
	case MB_OCTET: {
		if (!ber_is(tlv, C, 9))
			return MMS_DAE_TYPE_INCONSISTENT;
		if (tlv->len > t->max_len || ((t->flags & MTYPE_FIXED) && tlv->len != t->max_len))
			return MMS_DAE_OBJECT_VALUE_INVALID;
		uint16_t n = (uint16_t)tlv->len;
		memcpy(v, &n, 2);
		memcpy(v + 2, tlv->val, n);
		memset(v + 2 + n, 0, t->max_len - n);
		return 0;
	}
	default:
		return MMS_DAE_TYPE_INCONSISTENT;
	}
}

int model_store_data_unhooked(struct model *m, const struct mtype *t, uint32_t voff,
		      const struct ber_cur *parent, const struct ber_tlv *tlv)
{
	uint8_t small[512], *tmp = small;

	if (t->size > sizeof(small) && !(tmp = malloc(t->size)))
		return MMS_DAE_TEMPORARILY_UNAVAILABLE;
	memcpy(tmp, m->values + voff, t->size);
	int r = decode(tmp, t, parent, tlv, 0);
	if (!r)
		memcpy(m->values + voff, tmp, t->size);
	if (tmp != small)
		free(tmp);
	return r;
}
