/* SPDX-License-Identifier: Apache-2.0 */
/* BER (X.690) cursor, decoders and encoders: golden encodings of the values
 * MMS and the OSI upper layers send, round trips, and the refusals that keep
 * a decoder inside its buffer. */
#include <errno.h>

#include "ber.h"
#include "testutil.h"


/* Decodes one TLV from an exact-size copy of the bytes; the copy lives
 * until the next call, so the TLV can be handed to the getters. */
static uint8_t *copy;

static int next1(const uint8_t *p, size_t n, struct ber_tlv *t, struct proto_err *err)
{
	free(copy);
	uint8_t *d = copy = dup_exact(p, n);
	struct ber_cur c;
	ber_cur_init(&c, d, n);
	int r = ber_next(&c, t, err);
	if (r == 0) {
		/* the TLV must lie inside the input */
		ck_assert(t->val >= d && t->val + t->len <= d + n);
		ck_assert(c.pos == t->val + t->len);
	}
	return r;
}

/* Expects ber_next to refuse p[n] with a "ber" error. */
#define REFUSES(...)                                                                            \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct ber_tlv t_;                                                              \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(next1(in_, sizeof(in_), &t_, &e_), -EBADMSG);                 \
		ck_assert_str_eq(e_.layer, "ber");                                              \
		ck_assert(e_.reason[0]);                                                        \
	} while (0)

#define INT(v) ber_put_int(&b, BER_UNIVERSAL, BER_TAG_INTEGER, (v))
#define UINT(v) ber_put_uint(&b, BER_UNIVERSAL, BER_TAG_INTEGER, (v))

START_TEST(int_golden)
{
	ENCODES(INT(0), 0x02, 0x01, 0x00);
	ENCODES(INT(127), 0x02, 0x01, 0x7F);
	ENCODES(INT(128), 0x02, 0x02, 0x00, 0x80);
	ENCODES(INT(256), 0x02, 0x02, 0x01, 0x00);
	ENCODES(INT(-1), 0x02, 0x01, 0xFF);
	ENCODES(INT(-128), 0x02, 0x01, 0x80);
	ENCODES(INT(-129), 0x02, 0x02, 0xFF, 0x7F);
	ENCODES(INT(INT64_MIN), 0x02, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0);
	ENCODES(INT(INT64_MAX), 0x02, 0x08, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	ENCODES(UINT(0), 0x02, 0x01, 0x00);
	ENCODES(UINT(255), 0x02, 0x02, 0x00, 0xFF);
	ENCODES(UINT(UINT64_MAX), 0x02, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0xFF);
	/* the class and tag come from the caller: [CONTEXT 3] IMPLICIT INTEGER */
	ENCODES(ber_put_int(&b, BER_CONTEXT, 3, 5), 0x83, 0x01, 0x05);
}
END_TEST

static void int_roundtrip(int64_t v)
{
	struct buf b;
	struct ber_tlv t;
	int64_t got;

	buf_init(&b, 0, 0);
	INT(v);
	ck_assert_int_eq(next1(buf_data(&b), b.len, &t, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&t, &got, NULL), 0);
	ck_assert_msg(got == v, "%lld decoded as %lld", (long long)v, (long long)got);
	buf_clear(&b);
}

static void uint_roundtrip(uint64_t v)
{
	struct buf b;
	struct ber_tlv t;
	uint64_t got;

	buf_init(&b, 0, 0);
	UINT(v);
	ck_assert_int_eq(next1(buf_data(&b), b.len, &t, NULL), 0);
	ck_assert_int_eq(ber_get_uint64(&t, &got, NULL), 0);
	ck_assert_msg(got == v, "%llu decoded as %llu", (unsigned long long)v,
		      (unsigned long long)got);
	buf_clear(&b);
}

START_TEST(int_roundtrips)
{
	/* every power of two and its neighbours, both signs */
	for (int s = 0; s < 63; s++) {
		int64_t p = (int64_t)1 << s;
		int_roundtrip(p);
		int_roundtrip(p - 1);
		int_roundtrip(p + 1);
		int_roundtrip(-p);
		int_roundtrip(-p - 1);
		int_roundtrip(-p + 1);
	}
	int_roundtrip(INT64_MIN);
	int_roundtrip(INT64_MAX);
	for (int s = 0; s < 64; s++) {
		uint64_t p = (uint64_t)1 << s;
		uint_roundtrip(p);
		uint_roundtrip(p - 1);
		uint_roundtrip(p + 1);
	}
	uint_roundtrip(UINT64_MAX);
}
END_TEST

START_TEST(int_decode_limits)
{
	struct ber_tlv t;
	struct proto_err e = { 0 };
	int64_t v;
	uint64_t u;

	/* 9 octets never fit int64, whatever they hold */
	static const uint8_t i9[] = { 0x02, 0x09, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(next1(i9, sizeof(i9), &t, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&t, &v, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "ber");
	/* ...but 00 followed by 8 octets is a valid uint64 */
	ck_assert_int_eq(ber_get_uint64(&t, &u, NULL), 0);
	ck_assert(u == (uint64_t)1 << 63);

	/* 9 significant octets do not fit uint64 */
	static const uint8_t u9[] = { 0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(next1(u9, sizeof(u9), &t, NULL), 0);
	ck_assert_int_eq(ber_get_uint64(&t, &u, &e), -EBADMSG);
	static const uint8_t u10[] = { 0x02, 0x0A, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF,
				       0xFF, 0xFF, 0xFF, 0xFF };
	ck_assert_int_eq(next1(u10, sizeof(u10), &t, NULL), 0);
	ck_assert_int_eq(ber_get_uint64(&t, &u, &e), -EBADMSG);

	/* a negative value is no unsigned integer */
	static const uint8_t neg[] = { 0x02, 0x01, 0xFF };
	ck_assert_int_eq(next1(neg, sizeof(neg), &t, NULL), 0);
	ck_assert_int_eq(ber_get_uint64(&t, &u, &e), -EBADMSG);
	ck_assert_int_eq(ber_get_int64(&t, &v, NULL), 0);
	ck_assert_int_eq(v, -1);

	/* an INTEGER has at least one content octet */
	static const uint8_t empty[] = { 0x02, 0x00 };
	ck_assert_int_eq(next1(empty, sizeof(empty), &t, NULL), 0);
	ck_assert_int_eq(ber_get_int64(&t, &v, &e), -EBADMSG);
	ck_assert_int_eq(ber_get_uint64(&t, &u, &e), -EBADMSG);

	/* range check */
	static const uint8_t i200[] = { 0x02, 0x02, 0x00, 0xC8 };
	ck_assert_int_eq(next1(i200, sizeof(i200), &t, NULL), 0);
	ck_assert_int_eq(ber_get_int_range(&t, 0, 200, &v, NULL), 0);
	ck_assert_int_eq(v, 200);
	v = 7;
	ck_assert_int_eq(ber_get_int_range(&t, INT8_MIN, INT8_MAX, &v, &e), -EBADMSG);
	ck_assert_int_eq(v, 7); /* untouched on failure */
}
END_TEST

START_TEST(length_golden)
{
	ck_assert_uint_eq(ber_len_size(0), 1);
	ck_assert_uint_eq(ber_len_size(127), 1);
	ck_assert_uint_eq(ber_len_size(128), 2);
	ck_assert_uint_eq(ber_len_size(255), 2);
	ck_assert_uint_eq(ber_len_size(256), 3);
	ck_assert_uint_eq(ber_len_size(65535), 3);
	ck_assert_uint_eq(ber_len_size(65536), 4);
	ENCODES(ber_put_hdr(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, 127), 0x04, 0x7F);
	ENCODES(ber_put_hdr(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, 128), 0x04, 0x81, 0x80);
	ENCODES(ber_put_hdr(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, 256), 0x04, 0x82, 0x01,
		0x00);
	ENCODES(ber_put_hdr(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, 65536), 0x04, 0x83, 0x01,
		0x00, 0x00);
}
END_TEST

START_TEST(long_length_decode)
{
	/* a 65536-octet OCTET STRING: 83 01 00 00, decoded to the right length */
	size_t n = 5 + 65536;
	uint8_t *p = calloc(1, n);
	struct ber_tlv t;
	ck_assert_ptr_nonnull(p);
	memcpy(p, (const uint8_t[]){ 0x04, 0x83, 0x01, 0x00, 0x00 }, 5);
	ck_assert_int_eq(next1(p, n, &t, NULL), 0);
	ck_assert_uint_eq(t.len, 65536);
	/* one octet short is refused */
	ck_assert_int_eq(next1(p, n - 1, &t, NULL), -EBADMSG);
	free(p);

	/* four length octets are the most accepted */
	static const uint8_t four[] = { 0x04, 0x84, 0x00, 0x00, 0x00, 0x01, 0xAA };
	ck_assert_int_eq(next1(four, sizeof(four), &t, NULL), 0);
	ck_assert_uint_eq(t.len, 1);
	ck_assert_uint_eq(t.val[0], 0xAA);
}
END_TEST

START_TEST(begin_end_grows_length)
{
	/* ber_end moves the contents when the length needs more octets:
	 * SEQUENCE { OCTET STRING (200) } nested in [1] */
	struct buf b;
	uint8_t payload[200];
	struct ber_cur c, in, in2;
	struct ber_tlv t, f, g;

	for (size_t i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	buf_init(&b, 0, 0);
	size_t m1 = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	size_t m2 = ber_begin(&b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	ber_put_raw(&b, BER_UNIVERSAL, BER_TAG_OCTET_STRING, payload, sizeof(payload));
	ber_end(&b, m2);
	ber_end(&b, m1);
	ck_assert_int_eq(b.err, 0);
	static const uint8_t head[] = { 0xA1, 0x81, 0xCE, 0x30, 0x81, 0xCB, 0x04, 0x81, 0xC8 };
	ck_assert_uint_eq(b.len, sizeof(head) + sizeof(payload));
	ck_assert_mem_eq(buf_data(&b), head, sizeof(head));
	ck_assert_mem_eq(buf_data(&b) + sizeof(head), payload, sizeof(payload));

	ber_cur_init(&c, buf_data(&b), b.len);
	ck_assert_int_eq(ber_next(&c, &t, NULL), 0);
	ck_assert(ber_is(&t, BER_CONTEXT | BER_CONSTRUCTED, 1));
	ck_assert_int_eq(ber_enter(&c, &t, &in, NULL), 0);
	ck_assert_int_eq(ber_expect(&in, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE, &f,
				    "seq", NULL), 0);
	ck_assert_int_eq(ber_enter(&in, &f, &in2, NULL), 0);
	ck_assert_uint_eq(in2.depth, 2);
	ck_assert_int_eq(ber_expect(&in2, BER_UNIVERSAL, BER_TAG_OCTET_STRING, &g, "os", NULL), 0);
	ck_assert_uint_eq(g.len, sizeof(payload));
	ck_assert_mem_eq(g.val, payload, sizeof(payload));
	ck_assert(ber_cur_done(&in2) && ber_cur_done(&in) && ber_cur_done(&c));
	ck_assert_int_eq(ber_next(&c, &t, NULL), -ENODATA);
	buf_clear(&b);
}
END_TEST

START_TEST(high_tag_numbers)
{
	struct ber_tlv t;

	ENCODES(ber_put_null(&b, BER_CONTEXT, 30), 0x9E, 0x00);
	ENCODES(ber_put_null(&b, BER_CONTEXT, 31), 0x9F, 0x1F, 0x00);
	ENCODES(ber_put_null(&b, BER_CONTEXT, 127), 0x9F, 0x7F, 0x00);
	ENCODES(ber_put_null(&b, BER_CONTEXT, 128), 0x9F, 0x81, 0x00, 0x00);
	ENCODES(ber_put_null(&b, BER_CONTEXT | BER_CONSTRUCTED, 0x0FFFFFFF), 0xBF, 0xFF, 0xFF,
		0xFF, 0x7F, 0x00);

	static const uint8_t t28[] = { 0xBF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00 };
	ck_assert_int_eq(next1(t28, sizeof(t28), &t, NULL), 0);
	ck_assert_uint_eq(t.tag, 0x0FFFFFFF);
	ck_assert(t.constructed);
	ck_assert_uint_eq(t.cls, BER_CONTEXT);
	static const uint8_t t85[] = { 0x9F, 0x55, 0x00 };
	ck_assert_int_eq(next1(t85, sizeof(t85), &t, NULL), 0);
	ck_assert_uint_eq(t.tag, 85);
}
END_TEST

START_TEST(refusals)
{
	struct ber_tlv t;

	/* an empty cursor is the end, not an error */
	ck_assert_int_eq(next1((const uint8_t *)"", 0, &t, NULL), -ENODATA);
	/* truncated: no length, tag cut in its middle, length field cut */
	REFUSES(0x02);
	REFUSES(0x1F);
	REFUSES(0x1F, 0x81);
	REFUSES(0x04, 0x82, 0x01);
	REFUSES(0x04, 0x81);
	/* length past the buffer */
	REFUSES(0x04, 0x05, 0x01, 0x02);
	REFUSES(0x30, 0x01);
	REFUSES(0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00);
	/* indefinite length */
	REFUSES(0x30, 0x80, 0x00, 0x00);
	/* more than 4 length octets, even when the value would be small */
	REFUSES(0x04, 0x85, 0x00, 0x00, 0x00, 0x00, 0x01, 0xAA);
	REFUSES(0x04, 0xFF, 0x00);
	/* tag wider than 28 bits (five tag octets) */
	REFUSES(0x9F, 0x81, 0x80, 0x80, 0x80, 0x00, 0x00);
	REFUSES(0x9F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 0x00);
	/* tag not minimally encoded */
	REFUSES(0x9F, 0x80, 0x01, 0x00);
}
END_TEST

START_TEST(nesting_limit)
{
	/* BER_MAX_DEPTH + 1 nested SEQUENCEs: 48 levels are entered, the
	 * 49th is refused whatever the buffer holds. */
	enum { N = BER_MAX_DEPTH + 1 };
	uint8_t p[2 * N];
	for (int i = 0; i < N; i++) {
		p[2 * i] = 0x30;
		p[2 * i + 1] = (uint8_t)(2 * (N - 1 - i));
	}
	struct ber_cur c[N + 1];
	struct ber_tlv t;
	struct proto_err e = { 0 };
	ber_cur_init(&c[0], p, sizeof(p));
	for (int i = 0; i < BER_MAX_DEPTH; i++) {
		ck_assert_int_eq(ber_next(&c[i], &t, NULL), 0);
		ck_assert_int_eq(ber_enter(&c[i], &t, &c[i + 1], NULL), 0);
		ck_assert_uint_eq(c[i + 1].depth, (unsigned)i + 1);
	}
	ck_assert_int_eq(ber_next(&c[BER_MAX_DEPTH], &t, NULL), 0);
	ck_assert_int_eq(ber_enter(&c[BER_MAX_DEPTH], &t, &c[N], &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "ber");

	/* a primitive TLV cannot be entered */
	static const uint8_t prim[] = { 0x04, 0x00 };
	struct ber_cur pc, child;
	ber_cur_init(&pc, prim, sizeof(prim));
	ck_assert_int_eq(ber_next(&pc, &t, NULL), 0);
	ck_assert_int_eq(ber_enter(&pc, &t, &child, &e), -EBADMSG);
}
END_TEST

START_TEST(expect_names_what)
{
	static const uint8_t p[] = { 0x04, 0x00 };
	struct ber_cur c;
	struct ber_tlv t;
	struct proto_err e = { 0 };

	ber_cur_init(&c, p, sizeof(p));
	ck_assert_int_eq(ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &t, "invokeID", &e),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e.reason, "invokeID"));
	ck_assert_int_eq(ber_expect(&c, BER_UNIVERSAL, BER_TAG_INTEGER, &t, "service", &e),
			 -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e.reason, "service"));
	ck_assert_ptr_nonnull(strstr(e.reason, "missing"));
}
END_TEST

START_TEST(bitstring)
{
	/* ParameterSupportOptions of IEC 61850-8-1: 11 bits, str1 str2 vnam valt vlis */
	static const uint8_t cbb[2] = { 0xF1, 0xFF };
	ENCODES(ber_put_bitstring(&b, BER_CONTEXT, 1, cbb, 11), 0x81, 0x03, 0x05, 0xF1, 0xE0);
	ENCODES(ber_put_bitstring(&b, BER_CONTEXT, 1, cbb, 0), 0x81, 0x01, 0x00);

	struct ber_tlv t;
	struct proto_err e = { 0 };
	uint8_t bits[3];
	size_t nbits;
	static const uint8_t ok[] = { 0x03, 0x03, 0x05, 0xF1, 0xE0 };
	ck_assert_int_eq(next1(ok, sizeof(ok), &t, NULL), 0);
	memset(bits, 0xEE, sizeof(bits));
	ck_assert_int_eq(ber_get_bitstring(&t, bits, 3, &nbits, NULL), 0);
	ck_assert_uint_eq(nbits, 11);
	ck_assert_uint_eq(bits[0], 0xF1);
	ck_assert_uint_eq(bits[1], 0xE0);
	ck_assert_uint_eq(bits[2], 0); /* zero-filled */
	ck_assert_int_eq(ber_get_bitstring(&t, bits, 1, &nbits, &e), -EBADMSG); /* too long */

	static const uint8_t bad_unused[] = { 0x03, 0x02, 0x08, 0x00 };
	ck_assert_int_eq(next1(bad_unused, sizeof(bad_unused), &t, NULL), 0);
	ck_assert_int_eq(ber_get_bitstring(&t, bits, 3, &nbits, &e), -EBADMSG);
	static const uint8_t empty_unused[] = { 0x03, 0x01, 0x03 };
	ck_assert_int_eq(next1(empty_unused, sizeof(empty_unused), &t, NULL), 0);
	ck_assert_int_eq(ber_get_bitstring(&t, bits, 3, &nbits, &e), -EBADMSG);
	static const uint8_t no_octet[] = { 0x03, 0x00 };
	ck_assert_int_eq(next1(no_octet, sizeof(no_octet), &t, NULL), 0);
	ck_assert_int_eq(ber_get_bitstring(&t, bits, 3, &nbits, &e), -EBADMSG);
}
END_TEST

START_TEST(oid)
{
	static const uint32_t mms_ctx[] = { 1, 0, 9506, 2, 3 };
	static const uint32_t acse[] = { 2, 2, 1, 0, 1 };
	static const uint32_t big[] = { 2, 999, 4294967295u };
	ENCODES(ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, mms_ctx, 5), 0x06, 0x05, 0x28, 0xCA,
		0x22, 0x02, 0x03);
	ENCODES(ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, acse, 5), 0x06, 0x04, 0x52, 0x01,
		0x00, 0x01);
	ENCODES(ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, big, 3), 0x06, 0x07, 0x88, 0x37, 0x8F,
		0xFF, 0xFF, 0xFF, 0x7F);

	struct ber_tlv t;
	struct proto_err e = { 0 };
	uint32_t arcs[8];
	size_t n;
	static const uint8_t in_big[] = { 0x06, 0x07, 0x88, 0x37, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F };
	ck_assert_int_eq(next1(in_big, sizeof(in_big), &t, NULL), 0);
	ck_assert_int_eq(ber_get_oid(&t, arcs, 8, &n, NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_mem_eq(arcs, big, sizeof(big));
	ck_assert_int_eq(ber_get_oid(&t, arcs, 2, &n, &e), -EBADMSG); /* no room for 3 arcs */

	static const uint8_t wide[] = { 0x06, 0x06, 0x28, 0x90, 0x80, 0x80, 0x80, 0x00 };
	ck_assert_int_eq(next1(wide, sizeof(wide), &t, NULL), 0);
	ck_assert_int_eq(ber_get_oid(&t, arcs, 8, &n, &e), -EBADMSG);
	static const uint8_t cut[] = { 0x06, 0x02, 0x28, 0xCA };
	ck_assert_int_eq(next1(cut, sizeof(cut), &t, NULL), 0);
	ck_assert_int_eq(ber_get_oid(&t, arcs, 8, &n, &e), -EBADMSG);
	static const uint8_t pad[] = { 0x06, 0x03, 0x28, 0x80, 0x01 };
	ck_assert_int_eq(next1(pad, sizeof(pad), &t, NULL), 0);
	ck_assert_int_eq(ber_get_oid(&t, arcs, 8, &n, &e), -EBADMSG);
	static const uint8_t empty[] = { 0x06, 0x00 };
	ck_assert_int_eq(next1(empty, sizeof(empty), &t, NULL), 0);
	ck_assert_int_eq(ber_get_oid(&t, arcs, 8, &n, &e), -EBADMSG);
}
END_TEST

START_TEST(strings_bools_times)
{
	struct ber_tlv t;
	struct proto_err e = { 0 };
	char s[8];
	bool v;

	ENCODES(ber_put_str(&b, BER_CONTEXT, 0, "iedd"), 0x80, 0x04, 'i', 'e', 'd', 'd');
	ENCODES(ber_put_bool(&b, BER_UNIVERSAL, BER_TAG_BOOLEAN, true), 0x01, 0x01, 0xFF);
	ENCODES(ber_put_bool(&b, BER_UNIVERSAL, BER_TAG_BOOLEAN, false), 0x01, 0x01, 0x00);

	static const uint8_t vis[] = { 0x1A, 0x07, 'L', 'D', '0', '/', 'L', 'N', '0' };
	ck_assert_int_eq(next1(vis, sizeof(vis), &t, NULL), 0);
	ck_assert_int_eq(ber_get_visible(&t, s, sizeof(s), NULL), 0);
	ck_assert_str_eq(s, "LD0/LN0");
	ck_assert_int_eq(ber_get_visible(&t, s, 7, &e), -EBADMSG); /* no room for the NUL */
	static const uint8_t ctl[] = { 0x1A, 0x02, 'a', 0x0A };
	ck_assert_int_eq(next1(ctl, sizeof(ctl), &t, NULL), 0);
	ck_assert_int_eq(ber_get_visible(&t, s, sizeof(s), &e), -EBADMSG);

	static const uint8_t b7[] = { 0x01, 0x01, 0x07 };
	ck_assert_int_eq(next1(b7, sizeof(b7), &t, NULL), 0);
	ck_assert_int_eq(ber_get_bool(&t, &v, NULL), 0);
	ck_assert(v);
	static const uint8_t b2[] = { 0x01, 0x02, 0x00, 0x00 };
	ck_assert_int_eq(next1(b2, sizeof(b2), &t, NULL), 0);
	ck_assert_int_eq(ber_get_bool(&t, &v, &e), -EBADMSG);

	/* IEC 61850-8-1 UtcTime: 2^31 s, fraction 0x800000 (0.5 s), quality 0x0A */
	struct ber_utctime ut = { .secs = 0x80000000u, .frac = 0x800000, .quality = 0x0A }, ut2;
	ENCODES(ber_put_utctime(&b, BER_CONTEXT, 17, &ut), 0x91, 0x08, 0x80, 0, 0, 0, 0x80, 0, 0,
		0x0A);
	static const uint8_t utc[] = { 0x91, 0x08, 0x80, 0, 0, 0, 0x80, 0, 0, 0x0A };
	ck_assert_int_eq(next1(utc, sizeof(utc), &t, NULL), 0);
	ck_assert_int_eq(ber_get_utctime(&t, &ut2, NULL), 0);
	ck_assert_uint_eq(ut2.secs, ut.secs);
	ck_assert_uint_eq(ut2.frac, ut.frac);
	ck_assert_uint_eq(ut2.quality, ut.quality);
	static const uint8_t utc7[] = { 0x91, 0x07, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(next1(utc7, sizeof(utc7), &t, NULL), 0);
	ck_assert_int_eq(ber_get_utctime(&t, &ut2, &e), -EBADMSG);

	/* BinaryTime, 4 and 6 octets */
	uint32_t ms;
	uint16_t days;
	bool has_days;
	static const uint8_t bt6[] = { 0x8C, 0x06, 0x00, 0x00, 0x03, 0xE8, 0x01, 0x02 };
	ck_assert_int_eq(next1(bt6, sizeof(bt6), &t, NULL), 0);
	ck_assert_int_eq(ber_get_binarytime(&t, &ms, &days, &has_days, NULL), 0);
	ck_assert_uint_eq(ms, 1000);
	ck_assert(has_days);
	ck_assert_uint_eq(days, 0x0102);
	static const uint8_t bt5[] = { 0x8C, 0x05, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(next1(bt5, sizeof(bt5), &t, NULL), 0);
	ck_assert_int_eq(ber_get_binarytime(&t, &ms, &days, &has_days, &e), -EBADMSG);
}
END_TEST

START_TEST(floats)
{
	struct ber_tlv t;
	struct proto_err e = { 0 };
	double d;
	bool dbl;

	ENCODES(ber_put_float32(&b, BER_CONTEXT, 7, 1.5f), 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00,
		0x00);
	ENCODES(ber_put_float64(&b, BER_CONTEXT, 7, -2.0), 0x87, 0x09, 0x0B, 0xC0, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00);
	static const uint8_t f32[] = { 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00 };
	ck_assert_int_eq(next1(f32, sizeof(f32), &t, NULL), 0);
	ck_assert_int_eq(ber_get_float(&t, &d, &dbl, NULL), 0);
	ck_assert(d == 1.5 && !dbl);
	static const uint8_t f64[] = { 0x87, 0x09, 0x0B, 0xC0, 0, 0, 0, 0, 0, 0, 0 };
	ck_assert_int_eq(next1(f64, sizeof(f64), &t, NULL), 0);
	ck_assert_int_eq(ber_get_float(&t, &d, &dbl, NULL), 0);
	ck_assert(d == -2.0 && dbl);
	/* exponent width and length must agree */
	static const uint8_t mixed[] = { 0x87, 0x05, 0x0B, 0x3F, 0xC0, 0x00, 0x00 };
	ck_assert_int_eq(next1(mixed, sizeof(mixed), &t, NULL), 0);
	ck_assert_int_eq(ber_get_float(&t, &d, &dbl, &e), -EBADMSG);
	static const uint8_t none[] = { 0x87, 0x00 };
	ck_assert_int_eq(next1(none, sizeof(none), &t, NULL), 0);
	ck_assert_int_eq(ber_get_float(&t, &d, &dbl, &e), -EBADMSG);
}
END_TEST

START_TEST(buf_errors_are_sticky)
{
	struct buf b;

	buf_init(&b, 0, 4);
	ck_assert_int_eq(buf_put(&b, "abc", 3), 0);
	ck_assert_int_eq(buf_put(&b, "de", 2), -EMSGSIZE);
	ck_assert_int_eq(b.err, -EMSGSIZE);
	ck_assert_int_eq(buf_put_u8(&b, 'x'), -EMSGSIZE); /* would fit, but err is sticky */
	ck_assert_uint_eq(b.len, 3);
	/* an encoder over a full buffer stays a no-op */
	ber_put_int(&b, BER_UNIVERSAL, BER_TAG_INTEGER, 1);
	ck_assert_uint_eq(b.len, 3);
	buf_reset(&b, 0);
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(buf_put(&b, "abcd", 4), 0);
	buf_clear(&b);

	/* head room: prepend within it, -ENOSPC beyond it */
	buf_init(&b, 2, 0);
	ck_assert_int_eq(buf_put(&b, "cd", 2), 0);
	uint8_t *h = buf_prepend(&b, 2);
	ck_assert_ptr_nonnull(h);
	memcpy(h, "ab", 2);
	ck_assert_mem_eq(buf_data(&b), "abcd", 4);
	ck_assert_ptr_null(buf_prepend(&b, 1));
	ck_assert_int_eq(b.err, -ENOSPC);
	buf_clear(&b);

	/* ber_prepend_hdr frames data built first (as responses are) */
	buf_init(&b, 8, 0);
	uint8_t body[130];
	memset(body, 0x55, sizeof(body));
	buf_put(&b, body, sizeof(body));
	ck_assert_int_eq(ber_prepend_hdr(&b, 0xA1, b.len), 0);
	static const uint8_t head[] = { 0xA1, 0x81, 0x82 };
	ck_assert_mem_eq(buf_data(&b), head, 3);
	ck_assert_uint_eq(b.len, 3 + sizeof(body));
	buf_clear(&b);
}
END_TEST

static Suite *ber_suite(void)
{
	Suite *s = suite_create("ber");
	TCase *tc = tcase_create("ber");
	tcase_add_test(tc, int_golden);
	tcase_add_test(tc, int_roundtrips);
	tcase_add_test(tc, int_decode_limits);
	tcase_add_test(tc, length_golden);
	tcase_add_test(tc, long_length_decode);
	tcase_add_test(tc, begin_end_grows_length);
	tcase_add_test(tc, high_tag_numbers);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, nesting_limit);
	tcase_add_test(tc, expect_names_what);
	tcase_add_test(tc, bitstring);
	tcase_add_test(tc, oid);
	tcase_add_test(tc, strings_bools_times);
	tcase_add_test(tc, floats);
	tcase_add_test(tc, buf_errors_are_sticky);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(ber_suite)
