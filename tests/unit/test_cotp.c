/* SPDX-License-Identifier: Apache-2.0 */
/* TPKT (RFC 1006) framing and COTP class 0 (ISO 8073): golden TPDUs,
 * segmentation of DT, and the refusals of malformed headers. */
#include <errno.h>

#include "cotp.h"
#include "testutil.h"

/* A CR as libiec61850's client sends it: TPDU size 8192, TSAPs 0001. */
static const uint8_t cr_libiec61850[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00,
					  0x00, 0x01, 0x00, 0xC0, 0x01, 0x0D, 0xC2, 0x02,
					  0x00, 0x01, 0xC1, 0x02, 0x00, 0x01 };

static int decode_exact(const uint8_t *p, size_t n, struct cotp_tpdu *t, struct proto_err *e)
{
	static uint8_t *copy; /* lives until the next call: t->data points into it */
	free(copy);
	copy = dup_exact(p, n);
	return cotp_decode(copy, n, t, e);
}

/* Expects the TPDU (TPKT payload) to be refused by "cotp". */
#define REFUSES(...)                                                                            \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct cotp_tpdu t_;                                                            \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(decode_exact(in_, sizeof(in_), &t_, &e_), -EBADMSG);          \
		ck_assert_str_eq(e_.layer, "cotp");                                             \
	} while (0)

START_TEST(tpkt_framing)
{
	size_t n = 0;
	struct proto_err e = { 0 };
	const uint8_t *p = cr_libiec61850;

	ck_assert_int_eq(tpkt_header(p, 3, 512, &n, &e), -EAGAIN);
	ck_assert_int_eq(tpkt_header(p, 4, 512, &n, &e), 0); /* header only: length known */
	ck_assert_uint_eq(n, 22);
	ck_assert_int_eq(tpkt_header(p, sizeof(cr_libiec61850), 512, &n, &e), 0);
	ck_assert_uint_eq(n, 22);
	/* larger than the caller accepts */
	ck_assert_int_eq(tpkt_header(p, sizeof(cr_libiec61850), 21, &n, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "tpkt");

	static const uint8_t v2[] = { 0x02, 0x00, 0x00, 0x07 };
	ck_assert_int_eq(tpkt_header(v2, 4, 512, &n, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "tpkt");
	static const uint8_t short6[] = { 0x03, 0x00, 0x00, 0x06 };
	ck_assert_int_eq(tpkt_header(short6, 4, 512, &n, &e), -EBADMSG);
	static const uint8_t zero[] = { 0x03, 0x00, 0x00, 0x00 };
	ck_assert_int_eq(tpkt_header(zero, 4, 512, &n, &e), -EBADMSG);
	static const uint8_t min7[] = { 0x03, 0x00, 0x00, 0x07 };
	ck_assert_int_eq(tpkt_header(min7, 4, 512, &n, &e), 0);
	ck_assert_uint_eq(n, 7);

	uint8_t h[4];
	tpkt_write_header(h, 0x1234);
	static const uint8_t exp[] = { 0x03, 0x00, 0x12, 0x34 };
	ck_assert_bytes(h, 4, exp);
}
END_TEST

START_TEST(cr_decode)
{
	struct cotp_tpdu t;

	ck_assert_int_eq(decode_exact(cr_libiec61850 + 4, sizeof(cr_libiec61850) - 4, &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_CR);
	ck_assert_uint_eq(t.dst_ref, 0);
	ck_assert_uint_eq(t.src_ref, 1);
	ck_assert_uint_eq(t.cls, 0);
	ck_assert_uint_eq(t.tpdu_size_code, 13);
	ck_assert_uint_eq(t.calling_tsel_len, 2);
	ck_assert_uint_eq(t.called_tsel_len, 2);
	ck_assert_mem_eq(t.calling_tsel, "\x00\x01", 2);
	ck_assert_mem_eq(t.called_tsel, "\x00\x01", 2);
}
END_TEST

START_TEST(cr_cc_encode_golden)
{
	struct buf b;
	struct cotp_tpdu cr = { .code = COTP_CR, .src_ref = 1, .tpdu_size_code = 13,
				.calling_tsel_len = 2, .called_tsel_len = 2 };
	memcpy(cr.calling_tsel, "\x00\x01", 2);
	memcpy(cr.called_tsel, "\x00\x01", 2);
	buf_init(&b, 0, 0);
	cotp_encode(&b, &cr);
	/* the same CR as libiec61850's, parameters in iedd's order */
	static const uint8_t exp_cr[] = { 0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00,
					  0x00, 0x01, 0x00, 0xC0, 0x01, 0x0D, 0xC1, 0x02,
					  0x00, 0x01, 0xC2, 0x02, 0x00, 0x01 };
	ck_assert_buf(&b, exp_cr);

	buf_reset(&b, 0);
	struct cotp_tpdu cc = { .code = COTP_CC, .dst_ref = 1, .src_ref = 0x4242,
				.tpdu_size_code = 11 };
	cotp_encode(&b, &cc);
	static const uint8_t exp_cc[] = { 0x03, 0x00, 0x00, 0x0E, 0x09, 0xD0, 0x00, 0x01,
					  0x42, 0x42, 0x00, 0xC0, 0x01, 0x0B };
	ck_assert_buf(&b, exp_cc);

	buf_reset(&b, 0);
	struct cotp_tpdu dr = { .code = COTP_DR, .dst_ref = 1, .src_ref = 0x4242,
				.reason = 0x85 };
	cotp_encode(&b, &dr);
	static const uint8_t exp_dr[] = { 0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x00, 0x01,
					  0x42, 0x42, 0x85 };
	ck_assert_buf(&b, exp_dr);

	/* and each decodes back */
	struct cotp_tpdu t;
	ck_assert_int_eq(decode_exact(exp_dr + 4, sizeof(exp_dr) - 4, &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_DR);
	ck_assert_uint_eq(t.reason, 0x85);
	ck_assert_uint_eq(t.src_ref, 0x4242);
	ck_assert_int_eq(decode_exact(exp_cc + 4, sizeof(exp_cc) - 4, &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_CC);
	ck_assert_uint_eq(t.tpdu_size_code, 11);
	buf_clear(&b);
}
END_TEST

START_TEST(dt_decode)
{
	struct cotp_tpdu t;
	static const uint8_t eot[] = { 0x02, 0xF0, 0x80, 0xAA, 0xBB };
	ck_assert_int_eq(decode_exact(eot, sizeof(eot), &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_DT);
	ck_assert(t.eot);
	ck_assert_uint_eq(t.data_len, 2);
	ck_assert_mem_eq(t.data, "\xAA\xBB", 2);
	static const uint8_t more[] = { 0x02, 0xF0, 0x00 };
	ck_assert_int_eq(decode_exact(more, sizeof(more), &t, NULL), 0);
	ck_assert(!t.eot);
	ck_assert_uint_eq(t.data_len, 0);

	static const uint8_t er[] = { 0x04, 0x70, 0x00, 0x07, 0x02 };
	ck_assert_int_eq(decode_exact(er, sizeof(er), &t, NULL), 0);
	ck_assert_uint_eq(t.code, COTP_ER);
	ck_assert_uint_eq(t.dst_ref, 7);
	ck_assert_uint_eq(t.reason, 2);
}
END_TEST

START_TEST(refusals)
{
	REFUSES(0x02);				/* shorter than LI + code */
	REFUSES(0x00, 0xF0);			/* LI 0 */
	REFUSES(0xFF, 0xF0, 0x80);		/* LI 255 is reserved */
	REFUSES(0x06, 0xE0, 0x00, 0x00);	/* LI past the TPDU */
	REFUSES(0x05, 0xE0, 0x00, 0x00, 0x00, 0x01); /* CR with LI too short */
	REFUSES(0x03, 0xF0, 0x80, 0x00);	/* DT with LI 3 */
	REFUSES(0x06, 0xE1, 0x00, 0x00, 0x00, 0x01, 0x00); /* CDT 1 */
	REFUSES(0x06, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xAA); /* user data in CR */
	REFUSES(0x08, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x02); /* param past header */
	REFUSES(0x07, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0); /* param length missing */
	REFUSES(0x0A, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x02, 0x0B, 0x00); /* size len 2 */
	REFUSES(0x09, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x06); /* 64 octets */
	REFUSES(0x09, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00, 0xC0, 0x01, 0x0E); /* 16384 octets */
	REFUSES(0x05, 0x80, 0x00, 0x01, 0x00, 0x02); /* DR with LI 5 */
	REFUSES(0x03, 0x70, 0x00, 0x01);	/* ER with LI 3 */
	REFUSES(0x02, 0x50, 0x00);		/* RJ is no class 0 TPDU */
	REFUSES(0x02, 0x10, 0x00);		/* nor is ED */

	/* a TSAP selector longer than COTP_MAX_TSEL */
	uint8_t big[7 + 2 + COTP_MAX_TSEL + 1] = { (uint8_t)(sizeof(big) - 1), 0xE0, 0, 0, 0, 1, 0,
						   0xC1, COTP_MAX_TSEL + 1 };
	struct cotp_tpdu t;
	struct proto_err e = { 0 };
	ck_assert_int_eq(decode_exact(big, sizeof(big), &t, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "cotp");
	big[0]--;
	big[8]--;
	ck_assert_int_eq(decode_exact(big, sizeof(big) - 1, &t, NULL), 0);
	ck_assert_uint_eq(t.calling_tsel_len, COTP_MAX_TSEL);
}
END_TEST

START_TEST(unknown_params_ignored)
{
	/* ISO 8073 §13.2.3: class 0 ignores parameters it does not use (here
	 * the checksum 0xC3 and additional option selection 0xC6) */
	static const uint8_t cr[] = { 0x10, 0xE0, 0x00, 0x00, 0x00, 0x07, 0x00, 0xC3, 0x02,
				      0x12, 0x34, 0xC6, 0x01, 0x01, 0xC0, 0x01, 0x0A };
	struct cotp_tpdu t;
	ck_assert_int_eq(decode_exact(cr, sizeof(cr), &t, NULL), 0);
	ck_assert_uint_eq(t.tpdu_size_code, 10);
	ck_assert_uint_eq(t.src_ref, 7);
}
END_TEST

START_TEST(dt_segmentation)
{
	uint8_t data[300];
	struct buf b;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	buf_init(&b, 0, 0);
	cotp_encode_dt(&b, data, sizeof(data), 128);
	ck_assert_int_eq(b.err, 0);

	/* 125 + 125 + 50 octets of user data, only the last with EOT */
	static const size_t want[] = { 125, 125, 50 };
	const uint8_t *p = buf_data(&b);
	size_t off = 0, got = 0, k = 0;
	while (off < b.len) {
		size_t n;
		struct cotp_tpdu t;
		ck_assert_int_eq(tpkt_header(p + off, b.len - off, 128 + 4, &n, NULL), 0);
		ck_assert_uint_le(n, b.len - off);
		ck_assert_uint_le(n - 4, 128); /* TPDU within the negotiated size */
		ck_assert_int_eq(decode_exact(p + off + 4, n - 4, &t, NULL), 0);
		ck_assert_uint_eq(t.code, COTP_DT);
		ck_assert_uint_lt(k, 3);
		ck_assert_uint_eq(t.data_len, want[k]);
		ck_assert(t.eot == (k == 2));
		ck_assert_mem_eq(t.data, data + got, t.data_len);
		got += t.data_len;
		off += n;
		k++;
	}
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(got, sizeof(data));

	/* exactly one TPDU's worth is not split; an empty TSDU is one DT with EOT */
	buf_reset(&b, 0);
	cotp_encode_dt(&b, data, 125, 128);
	ck_assert_uint_eq(tpkt_count(buf_data(&b), b.len, NULL), 1);
	buf_reset(&b, 0);
	cotp_encode_dt(&b, data, 0, 128);
	static const uint8_t empty[] = { 0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x80 };
	ck_assert_buf(&b, empty);
	buf_clear(&b);
}
END_TEST

static Suite *cotp_suite(void)
{
	Suite *s = suite_create("cotp");
	TCase *tc = tcase_create("cotp");
	tcase_add_test(tc, tpkt_framing);
	tcase_add_test(tc, cr_decode);
	tcase_add_test(tc, cr_cc_encode_golden);
	tcase_add_test(tc, dt_decode);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, unknown_params_ignored);
	tcase_add_test(tc, dt_segmentation);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(cotp_suite)
