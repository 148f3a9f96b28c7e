/* SPDX-License-Identifier: Apache-2.0 */
/* ISO 8327-1 session SPDUs of the IEC 61850-8-1 profile: golden CN, FN, DN,
 * AB and RF, the GT+DT data header, extended length indicators, and the
 * refusal of SPDUs whose lengths disagree with the TSDU. */
#include <errno.h>

#include "session.h"
#include "testutil.h"

static int decode_exact(const uint8_t *p, size_t n, struct ses_spdu *s, struct proto_err *e)
{
	static uint8_t *copy; /* lives until the next call: s->user_data points into it */
	free(copy);
	copy = dup_exact(p, n);
	return ses_decode(copy, n, s, e);
}

#define REFUSES(...)                                                                            \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct ses_spdu s_;                                                             \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(decode_exact(in_, sizeof(in_), &s_, &e_), -EBADMSG);          \
		ck_assert_str_eq(e_.layer, "session");                                          \
	} while (0)

START_TEST(connect_golden)
{
	struct buf b;
	struct ses_spdu s;

	buf_init(&b, 0, 0);
	ses_encode_connect(&b, SES_CN, SES_VERSION2, (const uint8_t *)"AB", 2);
	/* CN { PGI 5 { PI 19 = 0, PI 22 = version 2 }, PI 20 = duplex, PGI 193 "AB" } */
	static const uint8_t exp[] = { 0x0D, 0x10, 0x05, 0x06, 0x13, 0x01, 0x00, 0x16, 0x01,
				       0x02, 0x14, 0x02, 0x00, 0x02, 0xC1, 0x02, 0x41, 0x42 };
	ck_assert_buf(&b, exp);

	ck_assert_int_eq(decode_exact(exp, sizeof(exp), &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_CN);
	ck_assert_uint_eq(s.version, SES_VERSION2);
	ck_assert(s.has_requirements);
	ck_assert_uint_eq(s.requirements, 0x0002);
	ck_assert_uint_eq(s.user_len, 2);
	ck_assert_mem_eq(s.user_data, "AB", 2);
	buf_clear(&b);
}
END_TEST

START_TEST(connect_long_user_data)
{
	/* more than 254 octets: both length indicators take the 0xFF form */
	uint8_t user[300];
	struct buf b;
	struct ses_spdu s;
	for (size_t i = 0; i < sizeof(user); i++)
		user[i] = (uint8_t)i;
	buf_init(&b, 0, 0);
	ses_encode_connect(&b, SES_AC, SES_VERSION2, user, sizeof(user));
	ck_assert_int_eq(b.err, 0);
	const uint8_t *p = buf_data(&b);
	ck_assert_uint_eq(p[0], SES_AC);
	ck_assert_uint_eq(p[1], 0xFF);
	ck_assert_uint_eq((size_t)(p[2] << 8 | p[3]), b.len - 4);
	ck_assert_int_eq(decode_exact(p, b.len, &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_AC);
	ck_assert_uint_eq(s.user_len, sizeof(user));
	ck_assert_mem_eq(s.user_data, user, sizeof(user));
	buf_clear(&b);
}
END_TEST

START_TEST(simple_golden)
{
	struct buf b;
	struct ses_spdu s;

	buf_init(&b, 0, 0);
	ses_encode_simple(&b, SES_FN, 1, (const uint8_t *)"xyz", 3);
	static const uint8_t fn[] = { 0x09, 0x08, 0x11, 0x01, 0x01, 0xC1, 0x03, 'x', 'y', 'z' };
	ck_assert_buf(&b, fn);
	ck_assert_int_eq(decode_exact(fn, sizeof(fn), &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_FN);
	ck_assert_uint_eq(s.transport_disconnect, 1);
	ck_assert_uint_eq(s.user_len, 3);

	buf_reset(&b, 0);
	ses_encode_simple(&b, SES_DN, 0, (const uint8_t *)"xyz", 3);
	static const uint8_t dn[] = { 0x0A, 0x05, 0xC1, 0x03, 'x', 'y', 'z' };
	ck_assert_buf(&b, dn);

	buf_reset(&b, 0);
	ses_encode_simple(&b, SES_AB, 1, NULL, 0);
	static const uint8_t ab[] = { 0x19, 0x03, 0x11, 0x01, 0x01 };
	ck_assert_buf(&b, ab);
	ck_assert_int_eq(decode_exact(ab, sizeof(ab), &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_AB);
	ck_assert_ptr_null(s.user_data);

	/* REFUSE, reason 2 (rejected by the SS-user, reason in user data) */
	buf_reset(&b, 0);
	ses_encode_simple(&b, SES_RF, 2, (const uint8_t *)"Z", 1);
	static const uint8_t rf[] = { 0x0C, 0x04, 0x32, 0x02, 0x02, 'Z' };
	ck_assert_buf(&b, rf);
	ck_assert_int_eq(decode_exact(rf, sizeof(rf), &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_RF);
	ck_assert_uint_eq(s.reason, 2);
	ck_assert_uint_eq(s.user_len, 1);
	ck_assert_uint_eq(s.user_data[0], 'Z');
	buf_clear(&b);
}
END_TEST

START_TEST(data_transfer)
{
	static const uint8_t exp_hdr[] = { 0x01, 0x00, 0x01, 0x00 };
	ck_assert_bytes(ses_dt_header, SES_DT_HDR_LEN, exp_hdr);

	uint8_t spdu[SES_DT_HDR_LEN + 3];
	struct ses_spdu s;
	memcpy(spdu, ses_dt_header, SES_DT_HDR_LEN);
	memcpy(spdu + SES_DT_HDR_LEN, "\x61\x01\x00", 3);
	ck_assert_int_eq(decode_exact(spdu, sizeof(spdu), &s, NULL), 0);
	ck_assert_uint_eq(s.si, SES_DT);
	ck_assert_uint_eq(s.user_len, 3);
	ck_assert_mem_eq(s.user_data, "\x61\x01\x00", 3);

	/* DT parameters (an enclosure item) are skipped, not taken as data */
	static const uint8_t enc[] = { 0x01, 0x00, 0x01, 0x03, 0x19, 0x01, 0x03, 0xAA };
	ck_assert_int_eq(decode_exact(enc, sizeof(enc), &s, NULL), 0);
	ck_assert_uint_eq(s.user_len, 1);
	ck_assert_uint_eq(s.user_data[0], 0xAA);
}
END_TEST

START_TEST(unknown_parameters_ignored)
{
	/* PI 16 (token item) and PGI 1 (connection identifier) are not used by
	 * this profile and must not make a CN fail */
	static const uint8_t cn[] = { 0x0D, 0x0C, 0x10, 0x01, 0x00, 0x01, 0x02, 0x0A, 0x00,
				      0x16, 0x01, 0x03, 0xC1, 0x00 };
	struct ses_spdu s;
	ck_assert_int_eq(decode_exact(cn, sizeof(cn), &s, NULL), 0);
	ck_assert_uint_eq(s.version, 3);
	ck_assert_uint_eq(s.user_len, 0);
}
END_TEST

START_TEST(refusals)
{
	REFUSES(0x0D);					/* no length indicator */
	REFUSES(0x0D, 0x05, 0x14, 0x02, 0x00);		/* LI longer than the TSDU */
	REFUSES(0x0D, 0x02, 0x14, 0x02, 0x00, 0x02);	/* LI shorter than the TSDU */
	REFUSES(0x0D, 0xFF, 0x00);			/* extended LI truncated */
	REFUSES(0x0D, 0xFF, 0x00, 0x05, 0x00);		/* extended LI past the end */
	REFUSES(0x0D, 0x03, 0x14, 0x05, 0x00);		/* PI length past the SPDU */
	REFUSES(0x01, 0x00, 0x0D, 0x00);		/* GIVE TOKENS without DATA TRANSFER */
	REFUSES(0x01, 0x00);				/* GIVE TOKENS alone */
	REFUSES(0x01, 0x00, 0x01, 0x05, 0x00);		/* DT parameters past the end */
	REFUSES(0x05, 0x00);				/* EXPEDITED is not in the profile */
	REFUSES(0x0D, 0x04, 0x16, 0x02, 0x02, 0x02);	/* version of 2 octets */
	REFUSES(0x0D, 0x03, 0x14, 0x01, 0x02);		/* requirements of 1 octet */
	REFUSES(0x0D, 0x06, 0x05, 0x04, 0x05, 0x02, 0x13, 0x00); /* PGI inside a PGI */
	REFUSES(0x0D, 0x04, 0x05, 0x02, 0x13, 0x05);	/* PI past its PGI */
	REFUSES(0x0D, 0x13, 0x33, 0x11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17);					/* calling SSEL of 17 octets */
}
END_TEST

static Suite *session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc = tcase_create("session");
	tcase_add_test(tc, connect_golden);
	tcase_add_test(tc, connect_long_user_data);
	tcase_add_test(tc, simple_golden);
	tcase_add_test(tc, data_transfer);
	tcase_add_test(tc, unknown_parameters_ignored);
	tcase_add_test(tc, refusals);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(session_suite)
