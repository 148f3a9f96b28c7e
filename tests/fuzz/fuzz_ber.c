/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: arbitrary bytes as BER. Walks every TLV recursively as
 * far as ber_enter allows (BER_MAX_DEPTH), applies every primitive getter to
 * every primitive, and checks that what decodes re-encodes to the same
 * value. Then hands the whole input to each top-level decoder of the OSI
 * upper layers and MMS. Any inconsistency is a crash. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acse.h"
#include "ber.h"
#include "mms.h"
#include "pres.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                \
	do {                                                                                    \
		if (!(x))                                                                       \
			__builtin_trap();                                                       \
	} while (0)

/* Decodes the single TLV in b (which must be exactly one TLV). */
static void reread(const struct buf *b, struct ber_tlv *t)
{
	struct ber_cur c;
	CHECK(!b->err);
	ber_cur_init(&c, buf_data(b), b->len);
	CHECK(ber_next(&c, t, NULL) == 0);
	CHECK(ber_cur_done(&c));
}

static void primitives(const struct ber_tlv *t)
{
	struct proto_err err;
	struct buf b;
	struct ber_tlv r;
	int64_t i, i2;
	uint64_t u, u2;
	bool v;
	double d, d2;
	bool dbl, dbl2;
	uint8_t bits[16], bits2[16];
	size_t nbits, nbits2, n, n2;
	char s[300], s2[300];
	uint32_t arcs[16], arcs2[16];
	struct ber_utctime ut, ut2;
	uint32_t ms;
	uint16_t days;
	bool has_days;

	buf_init(&b, 0, 0);

	if (ber_get_int64(t, &i, &err) == 0) {
		ber_put_int(&b, BER_UNIVERSAL, BER_TAG_INTEGER, i);
		reread(&b, &r);
		CHECK(ber_get_int64(&r, &i2, NULL) == 0 && i2 == i);
		CHECK(r.len <= t->len); /* the encoder is minimal */
		buf_reset(&b, 0);
	} else {
		CHECK(err.layer && err.reason[0]);
	}
	if (ber_get_uint64(t, &u, NULL) == 0) {
		ber_put_uint(&b, BER_UNIVERSAL, BER_TAG_INTEGER, u);
		reread(&b, &r);
		CHECK(ber_get_uint64(&r, &u2, NULL) == 0 && u2 == u);
		buf_reset(&b, 0);
	}
	static const int64_t ranges[][2] = { { 0, 1 }, { -128, 127 }, { INT32_MIN, INT32_MAX },
					     { 1, 127 }, { INT64_MIN, INT64_MAX } };
	for (size_t k = 0; k < sizeof(ranges) / sizeof(ranges[0]); k++)
		if (ber_get_int_range(t, ranges[k][0], ranges[k][1], &i, NULL) == 0)
			CHECK(i >= ranges[k][0] && i <= ranges[k][1]);

	if (ber_get_bool(t, &v, NULL) == 0)
		CHECK(t->len == 1);

	static const size_t maxes[] = { 0, 1, 2, 11, 16 };
	for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
		if (ber_get_bitstring(t, bits, maxes[k], &nbits, NULL))
			continue;
		CHECK(nbits <= maxes[k] * 8);
		ber_put_bitstring(&b, BER_UNIVERSAL, BER_TAG_BIT_STRING, bits, nbits);
		reread(&b, &r);
		CHECK(ber_get_bitstring(&r, bits2, maxes[k], &nbits2, NULL) == 0);
		CHECK(nbits2 == nbits);
		for (size_t bit = 0; bit < nbits; bit++)
			CHECK(!!(bits[bit / 8] & (0x80 >> (bit % 8))) ==
			      !!(bits2[bit / 8] & (0x80 >> (bit % 8))));
		buf_reset(&b, 0);
	}

	static const size_t sizes[] = { 1, 2, 65, 300 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		if (ber_get_visible(t, s, sizes[k], NULL))
			continue;
		CHECK(strlen(s) == t->len && t->len < sizes[k]);
		ber_put_str(&b, BER_UNIVERSAL, BER_TAG_VisibleString, s);
		reread(&b, &r);
		CHECK(ber_get_visible(&r, s2, sizeof(s2), NULL) == 0 && !strcmp(s, s2));
		buf_reset(&b, 0);
	}

	if (ber_get_float(t, &d, &dbl, NULL) == 0) {
		if (dbl)
			ber_put_float64(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, d);
		else
			ber_put_float32(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, (float)d);
		reread(&b, &r);
		CHECK(ber_get_float(&r, &d2, &dbl2, NULL) == 0 && dbl2 == dbl);
		CHECK(isnan(d) ? isnan(d2) : d2 == d);
		buf_reset(&b, 0);
	}

	static const size_t arc_max[] = { 2, 5, 16 };
	for (size_t k = 0; k < sizeof(arc_max) / sizeof(arc_max[0]); k++) {
		if (ber_get_oid(t, arcs, arc_max[k], &n, NULL))
			continue;
		CHECK(n >= 2 && n <= arc_max[k]);
		/* canonical input re-encodes to itself (ber_put_oid's buffer
		 * holds 64 octets, so only inputs that fit are compared) */
		if (t->len > 59)
			continue;
		ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, arcs, n);
		reread(&b, &r);
		CHECK(r.len == t->len && !memcmp(r.val, t->val, t->len));
		CHECK(ber_get_oid(&r, arcs2, 16, &n2, NULL) == 0 && n2 == n &&
		      !memcmp(arcs, arcs2, n * sizeof(arcs[0])));
		buf_reset(&b, 0);
	}

	if (ber_get_utctime(t, &ut, NULL) == 0) {
		ber_put_utctime(&b, BER_CONTEXT, 17, &ut);
		reread(&b, &r);
		CHECK(r.len == 8 && !memcmp(r.val, t->val, 8));
		CHECK(ber_get_utctime(&r, &ut2, NULL) == 0 && ut2.secs == ut.secs &&
		      ut2.frac == ut.frac && ut2.quality == ut.quality);
		buf_reset(&b, 0);
	}

	if (ber_get_binarytime(t, &ms, &days, &has_days, NULL) == 0)
		CHECK(has_days == (t->len == 6));

	buf_clear(&b);
}

static void walk(struct ber_cur *c)
{
	struct ber_tlv t;
	struct proto_err err;
	int r;

	while ((r = ber_next(c, &t, &err)) == 0) {
		/* the TLV lies inside the cursor and the cursor moved past it */
		CHECK(t.val + t.len == c->pos && c->pos <= c->end);
		if (t.constructed) {
			struct ber_cur child;
			if (ber_enter(c, &t, &child, &err) == 0) {
				CHECK(child.depth == c->depth + 1 && child.depth <= BER_MAX_DEPTH);
				walk(&child);
			} else {
				CHECK(c->depth + 1 > BER_MAX_DEPTH);
			}
		} else {
			primitives(&t);
		}
	}
	CHECK(r == -ENODATA || (r == -EBADMSG && err.layer && !strcmp(err.layer, "ber")));
}

/* The decoders of whole PDUs, which must refuse with a layer and a reason
 * or succeed with pointers into the input. */
static void decoders(const uint8_t *p, size_t n)
{
	struct proto_err err = { 0 };
	union {
		struct acse_apdu acse;
		struct pres_connect pres;
		struct mms_pdu mms;
		struct mms_initiate init;
		struct mms_identify ident;
	} u;
	int32_t pcid;
	const uint8_t *user;
	size_t user_len;
	int cls, code;

#define REFUSAL_NAMED(call)                                                                     \
	do {                                                                                    \
		err = (struct proto_err){ 0 };                                                  \
		int r_ = (call);                                                                \
		CHECK(r_ == 0 || (r_ == -EBADMSG && err.layer && err.reason[0]));               \
	} while (0)
#define INSIDE(ptr, len) CHECK(!(ptr) || ((ptr) >= p && (ptr) + (len) <= p + n))

	REFUSAL_NAMED(acse_decode(p, n, &u.acse, &err));
	if (!err.layer)
		INSIDE(u.acse.user, u.acse.user_len);
	REFUSAL_NAMED(pres_decode_cp(p, n, &u.pres, &err));
	if (!err.layer)
		INSIDE(u.pres.user, u.pres.user_len);
	REFUSAL_NAMED(pres_decode_cpa(p, n, &u.pres, &err));
	REFUSAL_NAMED(pres_decode_data(p, n, &pcid, &user, &user_len, &err));
	if (!err.layer)
		INSIDE(user, user_len);
	REFUSAL_NAMED(mms_pdu_decode(p, n, &u.mms, &err));
	if (!err.layer) {
		INSIDE(u.mms.body, u.mms.body_len);
		INSIDE(u.mms.pdu, u.mms.pdu_len);
	}
	REFUSAL_NAMED(mms_initiate_decode(p, n, false, &u.init, &err));
	REFUSAL_NAMED(mms_initiate_decode(p, n, true, &u.init, &err));
	REFUSAL_NAMED(mms_identify_decode(p, n, &u.ident, &err));
	REFUSAL_NAMED(mms_service_error_decode(p, n, &cls, &code, &err));
#undef REFUSAL_NAMED
#undef INSIDE
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ber_cur c;
	ber_cur_init(&c, data, size);
	walk(&c);
	decoders(data, size);
	return 0;
}
