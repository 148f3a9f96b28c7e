/* SPDX-License-Identifier: Apache-2.0 */
/* The refusal of a connection over the association limit, in proto
 * (iso_refuse_cr): a CR gets a DR addressed to the CR's source reference
 * with the reason given (ISO 8073 §6.6), anything else gets nothing; the
 * connection is closed either way. */
#include <errno.h>

#include "iso.h"
#include "testutil.h"

START_TEST(cr_gets_dr)
{
	struct iso_conn c;
	struct buf cr, out;
	struct cotp_tpdu t = { .code = COTP_CR, .src_ref = 0x1234, .cls = 0, .tpdu_size_code = 10 };

	buf_init(&cr, 0, 0);
	buf_init(&out, 0, 0);
	cotp_encode(&cr, &t);
	iso_init(&c, false, 0x0042);
	ck_assert_int_eq(iso_refuse_cr(&c, buf_data(&cr), cr.len, 1, &out), 0);
	ck_assert_uint_eq(c.state, ISO_CLOSED);
	/* TPKT, LI 6, DR, dst-ref = the CR's src-ref, src-ref = ours, reason 1 */
	static const uint8_t dr[] = { 0x03, 0x00, 0x00, 0x0B, 0x06, 0x80, 0x12, 0x34,
				      0x00, 0x42, 0x01 };
	ck_assert_buf(&out, dr);
	buf_clear(&cr);
	buf_clear(&out);
}
END_TEST

START_TEST(other_tpdus_get_nothing)
{
	struct iso_conn c;
	struct buf dt, out;
	static const uint8_t garbage[] = { 0x03, 0x00, 0x00, 0x07, 0x09, 0xE0, 0x00 };

	buf_init(&dt, 0, 0);
	buf_init(&out, 0, 0);
	cotp_encode_dt(&dt, (const uint8_t *)"x", 1, 128);
	iso_init(&c, false, 1);
	ck_assert_int_eq(iso_refuse_cr(&c, buf_data(&dt), dt.len, 1, &out), -EBADMSG);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_uint_eq(c.state, ISO_CLOSED);
	/* a CR whose length indicator runs past the TPDU, and a short TPKT */
	iso_init(&c, false, 1);
	uint8_t *g = dup_exact(garbage, sizeof(garbage));
	ck_assert_int_eq(iso_refuse_cr(&c, g, sizeof(garbage), 1, &out), -EBADMSG);
	ck_assert_int_eq(iso_refuse_cr(&c, g, 3, 1, &out), -EBADMSG);
	ck_assert_uint_eq(out.len, 0);
	free(g);
	buf_clear(&dt);
	buf_clear(&out);
}
END_TEST

static Suite *refuse_suite(void)
{
	Suite *s = suite_create("iso_refuse");
	TCase *tc = tcase_create("iso_refuse");
	tcase_add_test(tc, cr_gets_dr);
	tcase_add_test(tc, other_tpdus_get_nothing);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(refuse_suite)
