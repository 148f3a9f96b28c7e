/* SPDX-License-Identifier: Apache-2.0 */
/* BER (ISO/IEC 8825-1) cursor, decoders and encoders for the subset that the
 * OSI upper layers and MMS use. One cursor type serves every decoder.
 *
 * Decoding never reads past the cursor's end, refuses indefinite lengths
 * (ISO 9506 and the OSI upper layers used by IEC 61850-8-1 always send
 * definite lengths), tags wider than 28 bits, length fields wider than
 * 4 octets, and nesting deeper than BER_MAX_DEPTH. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "perr.h"

#define BER_UNIVERSAL	0x00
#define BER_APPLICATION	0x40
#define BER_CONTEXT	0x80
#define BER_PRIVATE	0xC0
#define BER_CONSTRUCTED	0x20

/* Universal tag numbers used here. */
enum {
	BER_TAG_BOOLEAN = 1, BER_TAG_INTEGER = 2, BER_TAG_BIT_STRING = 3,
	BER_TAG_OCTET_STRING = 4, BER_TAG_NULL = 5, BER_TAG_OID = 6,
	BER_TAG_EXTERNAL = 8, BER_TAG_UTF8String = 12, BER_TAG_SEQUENCE = 16,
	BER_TAG_SET = 17, BER_TAG_VisibleString = 26,
};

/* Deep enough for every PDU iedd decodes, including MMS Data nested to the
 * negotiated data structure nesting level. */
#define BER_MAX_DEPTH 48

struct ber_cur {
	const uint8_t *pos;
	const uint8_t *end;
	unsigned depth;
};

struct ber_tlv {
	uint8_t cls;		/* BER_UNIVERSAL / APPLICATION / CONTEXT / PRIVATE */
	bool constructed;
	uint32_t tag;
	const uint8_t *val;	/* points into the decoded buffer */
	size_t len;
	const uint8_t *start;	/* first octet of the identifier */
};

static inline void ber_cur_init(struct ber_cur *c, const uint8_t *p, size_t len)
{
	c->pos = p;
	c->end = p + len;
	c->depth = 0;
}

static inline bool ber_cur_done(const struct ber_cur *c) { return c->pos >= c->end; }

/* Reads the next TLV and moves the cursor past it. Returns 0, -ENODATA when
 * the cursor is at its end, or -EBADMSG (err filled, layer "ber"). */
int ber_next(struct ber_cur *c, struct ber_tlv *t, struct proto_err *err);
/* A cursor over a constructed TLV's contents, one level deeper than `parent`;
 * -EBADMSG if `t` is primitive or the depth limit is reached. */
int ber_enter(const struct ber_cur *parent, const struct ber_tlv *t,
	      struct ber_cur *child, struct proto_err *err);
/* Reads the next TLV and requires it to have this class|constructed and tag. */
int ber_expect(struct ber_cur *c, uint8_t clsc, uint32_t tag, struct ber_tlv *t,
	       const char *what, struct proto_err *err);

static inline bool ber_is(const struct ber_tlv *t, uint8_t clsc, uint32_t tag)
{
	return t->cls == (clsc & 0xC0) && t->constructed == !!(clsc & BER_CONSTRUCTED) &&
	       t->tag == tag;
}

/* Primitive value decoders: they check the TLV's length, not its tag. */
int ber_get_int64(const struct ber_tlv *t, int64_t *v, struct proto_err *err);
int ber_get_uint64(const struct ber_tlv *t, uint64_t *v, struct proto_err *err);
/* An INTEGER that must lie within [min, max]. */
int ber_get_int_range(const struct ber_tlv *t, int64_t min, int64_t max, int64_t *v,
		      struct proto_err *err);
int ber_get_bool(const struct ber_tlv *t, bool *v, struct proto_err *err);
/* BIT STRING into `bits` (zero-filled to `max` octets); *nbits = bit count.
 * Bits beyond `max` octets are refused. */
int ber_get_bitstring(const struct ber_tlv *t, uint8_t *bits, size_t max, size_t *nbits,
		      struct proto_err *err);
/* VisibleString: printable ASCII only; copied NUL-terminated into out[n]. */
int ber_get_visible(const struct ber_tlv *t, char *out, size_t n, struct proto_err *err);
/* MMS FloatingPoint (ISO 9506-2): exponent width octet then IEEE 754
 * big-endian, 4 octets (width 8) or 8 octets (width 11). */
int ber_get_float(const struct ber_tlv *t, double *v, bool *is_double, struct proto_err *err);
/* OBJECT IDENTIFIER into arcs[max]; *n = arc count. */
int ber_get_oid(const struct ber_tlv *t, uint32_t *arcs, size_t max, size_t *n,
		struct proto_err *err);
/* MMS UtcTime (IEC 61850-8-1 §8.1.3.7): seconds, 24-bit binary fraction,
 * time quality octet. */
struct ber_utctime {
	uint32_t secs;
	uint32_t frac;	/* 24-bit fraction of a second */
	uint8_t quality;
};
int ber_get_utctime(const struct ber_tlv *t, struct ber_utctime *v, struct proto_err *err);
/* MMS TimeOfDay / BinaryTime: ms since midnight, optional days since
 * 1984-01-01 (6-octet form). */
int ber_get_binarytime(const struct ber_tlv *t, uint32_t *ms, uint16_t *days, bool *has_days,
		       struct proto_err *err);

/* Encoders. All append to `b` and report failure through b->err (sticky). */
void ber_put_hdr(struct buf *b, uint8_t clsc, uint32_t tag, size_t len);
/* Opens a constructed TLV whose length is fixed by ber_end; returns a mark. */
size_t ber_begin(struct buf *b, uint8_t clsc, uint32_t tag);
void ber_end(struct buf *b, size_t mark);
void ber_put_raw(struct buf *b, uint8_t clsc, uint32_t tag, const void *v, size_t len);
void ber_put_int(struct buf *b, uint8_t clsc, uint32_t tag, int64_t v);
void ber_put_uint(struct buf *b, uint8_t clsc, uint32_t tag, uint64_t v);
void ber_put_bool(struct buf *b, uint8_t clsc, uint32_t tag, bool v);
void ber_put_null(struct buf *b, uint8_t clsc, uint32_t tag);
void ber_put_str(struct buf *b, uint8_t clsc, uint32_t tag, const char *s);
/* BIT STRING of `nbits` bits taken from bits[] (bit 0 = MSB of bits[0]). */
void ber_put_bitstring(struct buf *b, uint8_t clsc, uint32_t tag, const uint8_t *bits,
		       size_t nbits);
void ber_put_oid(struct buf *b, uint8_t clsc, uint32_t tag, const uint32_t *arcs, size_t n);
void ber_put_float32(struct buf *b, uint8_t clsc, uint32_t tag, float v);
void ber_put_float64(struct buf *b, uint8_t clsc, uint32_t tag, double v);
void ber_put_utctime(struct buf *b, uint8_t clsc, uint32_t tag, const struct ber_utctime *v);

/* Octets a definite length takes. */
size_t ber_len_size(size_t len);
/* Writes a one-octet tag and the length into the head room in front of the
 * data (for framing a response built first); 0 or b->err. */
int ber_prepend_hdr(struct buf *b, uint8_t tag_octet, size_t len);
