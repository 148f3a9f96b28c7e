/* SPDX-License-Identifier: Apache-2.0 */
/* Presentation (ISO 8823-1) CP/CPA/CPR and user data, and ACSE (ISO 8650-1)
 * AARQ/AARE/RLRQ/RLRE/ABRT: round trips, golden APDUs with the standard's
 * code points, and refusals. */
#include <errno.h>

#include "acse.h"
#include "ber.h"
#include "pres.h"
#include "testutil.h"

static const uint32_t OID_ACSE[] = { 2, 2, 1, 0, 1 };
static const uint32_t OID_MMS[] = { 1, 0, 9506, 2, 1 };
static const uint32_t OID_BER[] = { 2, 1, 1 };
static const uint32_t OID_OTHER[] = { 1, 2, 3, 4 };
static const uint32_t OID_MMS_CTX_WRONG[] = { 1, 0, 9506, 2, 1 }; /* an AS, not the context */

struct tctx {
	int id;
	const uint32_t *as;
	size_t as_n;
	bool ber;
};

/* Flags for build_cp: what to leave out or spoil. */
enum { CP_NO_MODE = 1, CP_MODE_X410 = 2, CP_NO_NORMAL = 4, CP_NO_LIST = 8, CP_NO_USER = 16,
       CP_LONG_SEL = 32 };

/* CP-type with the given context definitions and `user` in context `pcid`. */
static void build_cp(struct buf *b, const struct tctx *ctx, size_t n, int pcid,
		     const uint8_t *user, size_t user_len, unsigned flags)
{
	size_t ms = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SET);
	if (!(flags & CP_NO_MODE)) {
		size_t m = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 0);
		ber_put_int(b, BER_CONTEXT, 0, (flags & CP_MODE_X410) ? 0 : 1);
		ber_end(b, m);
	}
	if (!(flags & CP_NO_NORMAL)) {
		size_t mn = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 2);
		static const uint8_t sel[17] = { 0, 0, 0, 1 };
		ber_put_raw(b, BER_CONTEXT, 1, sel, (flags & CP_LONG_SEL) ? 17 : 4);
		ber_put_raw(b, BER_CONTEXT, 2, sel, 4);
		if (!(flags & CP_NO_LIST)) {
			size_t ml = ber_begin(b, BER_CONTEXT | BER_CONSTRUCTED, 4);
			for (size_t i = 0; i < n; i++) {
				size_t mc = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED,
						      BER_TAG_SEQUENCE);
				ber_put_int(b, BER_UNIVERSAL, BER_TAG_INTEGER, ctx[i].id);
				ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID, ctx[i].as, ctx[i].as_n);
				size_t mt = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED,
						      BER_TAG_SEQUENCE);
				ber_put_oid(b, BER_UNIVERSAL, BER_TAG_OID,
					    ctx[i].ber ? OID_BER : OID_OTHER, ctx[i].ber ? 3 : 4);
				ber_end(b, mt);
				ber_end(b, mc);
			}
			ber_end(b, ml);
		}
		if (!(flags & CP_NO_USER))
			pres_encode_data(b, pcid, user, user_len);
		ber_end(b, mn);
	}
	ber_end(b, ms);
	ck_assert_int_eq(b->err, 0);
}

static const struct tctx std_ctx[] = {
	{ .id = 1, .as = OID_ACSE, .as_n = 5, .ber = true },
	{ .id = 3, .as = OID_MMS, .as_n = 5, .ber = true },
};

static int cp_decode(const struct buf *b, struct pres_connect *cp, struct proto_err *e)
{
	static uint8_t *copy;
	free(copy);
	copy = dup_exact(buf_data(b), b->len);
	return pres_decode_cp(copy, b->len, cp, e);
}

START_TEST(cp_roundtrip)
{
	struct buf b;
	struct pres_connect cp;
	static const uint8_t aarq[] = { 0x60, 0x00 };

	buf_init(&b, 0, 0);
	pres_encode_cp(&b, aarq, sizeof(aarq));
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), 0);
	ck_assert_uint_eq(cp.n_ctx, 2);
	ck_assert_int_eq(cp.ctx[0].id, PRES_CTX_ACSE);
	ck_assert_uint_eq(cp.ctx[0].as, PRES_AS_ACSE);
	ck_assert(cp.ctx[0].ber);
	ck_assert_int_eq(cp.ctx[1].id, PRES_CTX_MMS);
	ck_assert_uint_eq(cp.ctx[1].as, PRES_AS_MMS);
	ck_assert(cp.ctx[1].ber);
	ck_assert_int_eq(cp.user_pcid, PRES_CTX_ACSE);
	ck_assert_uint_eq(cp.user_len, sizeof(aarq));
	ck_assert_mem_eq(cp.user, aarq, sizeof(aarq));
	ck_assert_uint_eq(cp.calling_sel_len, 4);
	ck_assert_mem_eq(cp.calling_sel, "\0\0\0\1", 4);
	ck_assert_uint_eq(cp.called_sel_len, 4);
	buf_clear(&b);
}
END_TEST

START_TEST(cp_other_syntaxes)
{
	/* an unknown abstract syntax and an MMS context without BER decode
	 * fine; it is the association that decides what to accept */
	static const struct tctx ctx[] = {
		{ .id = 5, .as = OID_OTHER, .as_n = 4, .ber = true },
		{ .id = 7, .as = OID_MMS, .as_n = 5, .ber = false },
	};
	struct buf b;
	struct pres_connect cp;
	buf_init(&b, 0, 0);
	build_cp(&b, ctx, 2, 5, (const uint8_t *)"\x05\x00", 2, 0);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), 0);
	ck_assert_uint_eq(cp.n_ctx, 2);
	ck_assert_uint_eq(cp.ctx[0].as, PRES_AS_UNKNOWN);
	ck_assert(cp.ctx[0].ber);
	ck_assert_uint_eq(cp.ctx[1].as, PRES_AS_MMS);
	ck_assert(!cp.ctx[1].ber);
	buf_clear(&b);
}
END_TEST

START_TEST(cp_refusals)
{
	struct buf b;
	struct pres_connect cp;
	struct proto_err e;
	static const uint8_t u[] = { 0x60, 0x00 };
	static const unsigned bad[] = { CP_NO_MODE, CP_MODE_X410, CP_NO_NORMAL, CP_NO_LIST,
					CP_NO_USER, CP_LONG_SEL };

	buf_init(&b, 0, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&b, 0);
		build_cp(&b, std_ctx, 2, 1, u, sizeof(u), bad[i]);
		e = (struct proto_err){ 0 };
		ck_assert_msg(cp_decode(&b, &cp, &e) == -EBADMSG, "flags %u accepted", bad[i]);
		ck_assert_ptr_nonnull(e.layer);
	}

	/* context identifiers are 1..127 */
	struct tctx zero = { .id = 0, .as = OID_ACSE, .as_n = 5, .ber = true };
	buf_reset(&b, 0);
	build_cp(&b, &zero, 1, 1, u, sizeof(u), 0);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), -EBADMSG);
	struct tctx big = { .id = 128, .as = OID_ACSE, .as_n = 5, .ber = true };
	buf_reset(&b, 0);
	build_cp(&b, &big, 1, 1, u, sizeof(u), 0);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), -EBADMSG);

	/* more contexts than PRES_MAX_CTX */
	struct tctx many[PRES_MAX_CTX + 1];
	for (int i = 0; i <= PRES_MAX_CTX; i++)
		many[i] = (struct tctx){ .id = 2 * i + 1, .as = OID_ACSE, .as_n = 5, .ber = true };
	buf_reset(&b, 0);
	build_cp(&b, many, PRES_MAX_CTX, 1, u, sizeof(u), 0);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), 0);
	buf_reset(&b, 0);
	build_cp(&b, many, PRES_MAX_CTX + 1, 1, u, sizeof(u), 0);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), -EBADMSG);

	/* not a SET at all, and a truncated one */
	buf_reset(&b, 0);
	buf_put(&b, "\x30\x00", 2);
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), -EBADMSG);
	buf_reset(&b, 0);
	build_cp(&b, std_ctx, 2, 1, u, sizeof(u), 0);
	b.len--;
	ck_assert_int_eq(cp_decode(&b, &cp, NULL), -EBADMSG);
	buf_clear(&b);
}
END_TEST

START_TEST(cpa_golden_and_reasons)
{
	/* CPA answering {ACSE accepted, unknown abstract syntax, MMS without
	 * BER}: ISO 8823 Result-list provider-reason is
	 * abstract-syntax-not-supported (1) and
	 * proposed-transfer-syntaxes-not-supported (2). */
	struct pres_connect cp = {
		.n_ctx = 3,
		.ctx = { { .id = 1, .as = PRES_AS_ACSE, .ber = true, .result = PRES_ACCEPT },
			 { .id = 5, .as = PRES_AS_UNKNOWN, .ber = true,
			   .result = PRES_PROVIDER_REJECT },
			 { .id = 7, .as = PRES_AS_MMS, .ber = false,
			   .result = PRES_PROVIDER_REJECT } },
		.user_pcid = 1,
	};
	struct buf b;
	buf_init(&b, 0, 0);
	pres_encode_cpa(&b, &cp, (const uint8_t *)"\x05\x00", 2);
	static const uint8_t exp[] = {
		0x31, 0x33,
		0xA0, 0x03, 0x80, 0x01, 0x01,				/* normal mode */
		0xA2, 0x2C,
		0x83, 0x04, 0x00, 0x00, 0x00, 0x01,			/* responding selector */
		0xA5, 0x19,
		0x30, 0x07, 0x80, 0x01, 0x00, 0x81, 0x02, 0x51, 0x01,	/* acceptance, BER */
		0x30, 0x06, 0x80, 0x01, 0x02, 0x82, 0x01, 0x01,		/* AS not supported */
		0x30, 0x06, 0x80, 0x01, 0x02, 0x82, 0x01, 0x02,		/* TS not supported */
		0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x01, 0xA0, 0x02, 0x05, 0x00,
	};
	ck_assert_buf(&b, exp);

	struct pres_connect back;
	ck_assert_int_eq(pres_decode_cpa(buf_data(&b), b.len, &back, NULL), 0);
	ck_assert(!back.refused);
	ck_assert_uint_eq(back.n_ctx, 3);
	ck_assert_uint_eq(back.ctx[0].result, PRES_ACCEPT);
	ck_assert_uint_eq(back.ctx[1].result, PRES_PROVIDER_REJECT);
	ck_assert_int_eq(back.user_pcid, 1);
	ck_assert_uint_eq(back.user_len, 2);
	buf_clear(&b);
}
END_TEST

START_TEST(cpr)
{
	struct buf b;
	struct pres_connect cp;
	buf_init(&b, 0, 0);
	pres_encode_cpr(&b, 5);
	static const uint8_t exp[] = { 0x30, 0x09, 0x83, 0x04, 0x00, 0x00, 0x00, 0x01,
				       0x8A, 0x01, 0x05 };
	ck_assert_buf(&b, exp);
	ck_assert_int_eq(pres_decode_cpa(buf_data(&b), b.len, &cp, NULL), 0);
	ck_assert(cp.refused);
	ck_assert_int_eq(cp.provider_reason, 5);

	struct proto_err e = { 0 };
	ck_assert_int_eq(pres_decode_cpa((const uint8_t *)"", 0, &cp, &e), -EBADMSG);
	ck_assert_int_eq(pres_decode_cpa((const uint8_t *)"\x04\x00", 2, &cp, &e), -EBADMSG);
	/* a CPA without user data (AARE) */
	ck_assert_int_eq(pres_decode_cpa((const uint8_t *)"\x31\x00", 2, &cp, &e), -EBADMSG);
	buf_clear(&b);
}
END_TEST

static int data_decode(const uint8_t *p, size_t n, int32_t *pcid, const uint8_t **u,
		       size_t *un, struct proto_err *e)
{
	static uint8_t *copy;
	free(copy);
	copy = dup_exact(p, n);
	return pres_decode_data(copy, n, pcid, u, un, e);
}

#define DATA_REFUSED(...)                                                                       \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(data_decode(in_, sizeof(in_), &pcid, &u, &un, &e_), -EBADMSG); \
		ck_assert_ptr_nonnull(e_.layer);                                                \
	} while (0)

START_TEST(user_data)
{
	int32_t pcid;
	const uint8_t *u;
	size_t un;

	/* golden: fully-encoded data, one PDV in context 3 */
	struct buf b;
	buf_init(&b, 0, 0);
	pres_encode_data(&b, 3, (const uint8_t *)"\xA0\x00", 2);
	static const uint8_t exp[] = { 0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x03, 0xA0, 0x02,
				       0xA0, 0x00 };
	ck_assert_buf(&b, exp);
	ck_assert_int_eq(data_decode(exp, sizeof(exp), &pcid, &u, &un, NULL), 0);
	ck_assert_int_eq(pcid, 3);
	ck_assert_uint_eq(un, 2);
	ck_assert_mem_eq(u, "\xA0\x00", 2);

	/* a transfer syntax name in front and octet-aligned data are accepted */
	static const uint8_t ts[] = { 0x61, 0x0B, 0x30, 0x09, 0x06, 0x02, 0x51, 0x01,
				      0x02, 0x01, 0x03, 0xA0, 0x00 };
	ck_assert_int_eq(data_decode(ts, sizeof(ts), &pcid, &u, &un, NULL), 0);
	ck_assert_int_eq(pcid, 3);
	ck_assert_uint_eq(un, 0);
	static const uint8_t oa[] = { 0x61, 0x07, 0x30, 0x05, 0x02, 0x01, 0x03, 0x81, 0x00 };
	ck_assert_int_eq(data_decode(oa, sizeof(oa), &pcid, &u, &un, NULL), 0);

	DATA_REFUSED(0x40, 0x00);				/* simply-encoded data */
	DATA_REFUSED(0x62, 0x00);				/* not user data */
	DATA_REFUSED(0x61, 0x00);				/* no PDV-list */
	DATA_REFUSED(0x61, 0x02, 0x30, 0x00);			/* empty PDV-list */
	DATA_REFUSED(0x61, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00); /* context 0 */
	DATA_REFUSED(0x61, 0x06, 0x30, 0x04, 0x02, 0x02, 0x00, 0x80); /* context 128 */
	DATA_REFUSED(0x61, 0x05, 0x30, 0x03, 0x02, 0x01, 0x03); /* no data values */
	DATA_REFUSED(0x61, 0x08, 0x30, 0x06, 0x02, 0x01, 0x03, 0x82, 0x01, 0x00); /* arbitrary */
	DATA_REFUSED(0x61, 0x06, 0x30, 0x04, 0x06, 0x02, 0x51, 0x01); /* OID only */
	DATA_REFUSED(0x61, 0x09, 0x30, 0x07, 0x02, 0x01, 0x03, 0xA0, 0x03, 0xA0, 0x00);
	ck_assert_int_eq(data_decode(NULL, 0, &pcid, &u, &un, NULL), -EBADMSG);
	buf_clear(&b);
}
END_TEST

START_TEST(prepend_equals_encode)
{
	/* the in-place framing of responses produces the same octets as the
	 * copying encoder, also when lengths need long forms */
	static const size_t sizes[] = { 0, 1, 100, 127, 128, 200, 255, 256, 1000, 65000 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k];
		uint8_t *user = malloc(n + 1);
		ck_assert_ptr_nonnull(user);
		for (size_t i = 0; i < n; i++)
			user[i] = (uint8_t)(i * 13);
		struct buf a, b;
		buf_init(&a, 0, 0);
		buf_init(&b, PRES_DATA_HDR_MAX, 0);
		pres_encode_data(&a, 3, user, n);
		buf_put(&b, user, n);
		ck_assert_int_eq(pres_prepend_data(&b, 3), 0);
		ck_assert_msg(a.len == b.len && !memcmp(buf_data(&a), buf_data(&b), a.len),
			      "user data of %zu octets framed differently", n);
		buf_clear(&a);
		buf_clear(&b);
		free(user);
	}
}
END_TEST

/* ---- ACSE ---- */

static int acse_exact(const uint8_t *p, size_t n, struct acse_apdu *a, struct proto_err *e)
{
	static uint8_t *copy;
	free(copy);
	copy = dup_exact(p, n);
	return acse_decode(copy, n, a, e);
}

#define ACSE_REFUSED(...)                                                                       \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		struct acse_apdu a_;                                                            \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(acse_exact(in_, sizeof(in_), &a_, &e_), -EBADMSG);            \
		ck_assert_str_eq(e_.layer, "acse");                                             \
	} while (0)

START_TEST(aarq_golden)
{
	struct buf b;
	struct acse_apdu a;
	static const uint8_t init[] = { 0xA8, 0x00 };

	buf_init(&b, 0, 0);
	acse_encode_aarq(&b, NULL, PRES_CTX_MMS, init, sizeof(init));
	static const uint8_t exp[] = {
		0x60, 0x1C,
		0x80, 0x02, 0x07, 0x80,					/* version1 */
		0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03,	/* 1.0.9506.2.3 */
		0xBE, 0x0D, 0x28, 0x0B, 0x06, 0x02, 0x51, 0x01,		/* user-information */
		0x02, 0x01, 0x03, 0xA0, 0x02, 0xA8, 0x00,
	};
	ck_assert_buf(&b, exp);
	ck_assert_int_eq(acse_exact(exp, sizeof(exp), &a, NULL), 0);
	ck_assert_uint_eq(a.type, ACSE_AARQ);
	ck_assert(a.context_is_mms);
	ck_assert_int_eq(a.auth_kind, ACSE_AUTH_NONE);
	ck_assert_uint_eq(a.mechanism_n, 0);
	ck_assert_int_eq(a.user_pcid, PRES_CTX_MMS);
	ck_assert_uint_eq(a.user_len, sizeof(init));
	ck_assert_mem_eq(a.user, init, sizeof(init));
	buf_clear(&b);
}
END_TEST

START_TEST(aarq_password)
{
	struct buf b;
	struct acse_apdu a;
	static const uint8_t init[] = { 0xA8, 0x00 };
	static const uint32_t password_mech[] = { 2, 2, 3, 1 };

	buf_init(&b, 0, 0);
	acse_encode_aarq(&b, "top secret", PRES_CTX_MMS, init, sizeof(init));
	ck_assert_int_eq(acse_exact(buf_data(&b), b.len, &a, NULL), 0);
	ck_assert_uint_eq(a.mechanism_n, 4);
	ck_assert_mem_eq(a.mechanism, password_mech, sizeof(password_mech));
	ck_assert_int_eq(a.auth_kind, ACSE_AUTH_CHARSTRING);
	ck_assert_uint_eq(a.auth_len, 10);
	ck_assert_mem_eq(a.auth_value, "top secret", 10);
	ck_assert_uint_eq(a.user_len, sizeof(init)); /* user-information still found */
	buf_clear(&b);
}
END_TEST

START_TEST(aare_golden)
{
	/* ISO 8650-1 acse-service-user diagnostics used for authentication */
	ck_assert_int_eq(ACSE_DIAG_CONTEXT_NOT_SUPPORTED, 2);
	ck_assert_int_eq(ACSE_DIAG_CALLING_AP_TITLE, 3);
	ck_assert_int_eq(ACSE_DIAG_AUTH_MECH_NOT_RECOGNISED, 11);
	ck_assert_int_eq(ACSE_DIAG_AUTH_FAILURE, 13);
	ck_assert_int_eq(ACSE_DIAG_AUTH_REQUIRED, 14);

	struct buf b;
	struct acse_apdu a;
	buf_init(&b, 0, 0);
	acse_encode_aare(&b, ACSE_REJECTED_PERMANENT, ACSE_DIAG_AUTH_FAILURE, 3, NULL, 0);
	static const uint8_t exp[] = {
		0x61, 0x15,
		0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03,
		0xA2, 0x03, 0x02, 0x01, 0x01,				/* rejected-permanent */
		0xA3, 0x05, 0xA1, 0x03, 0x02, 0x01, 0x0D,		/* authentication-failure */
	};
	ck_assert_buf(&b, exp);
	ck_assert_int_eq(acse_exact(exp, sizeof(exp), &a, NULL), 0);
	ck_assert_uint_eq(a.type, ACSE_AARE);
	ck_assert_int_eq(a.result, ACSE_REJECTED_PERMANENT);
	ck_assert_int_eq(a.diagnostic, ACSE_DIAG_AUTH_FAILURE);
	ck_assert_ptr_null(a.user);

	buf_reset(&b, 0);
	acse_encode_aare(&b, ACSE_ACCEPTED, ACSE_DIAG_NULL, 3, (const uint8_t *)"\xA9\x00", 2);
	ck_assert_int_eq(acse_exact(buf_data(&b), b.len, &a, NULL), 0);
	ck_assert_int_eq(a.result, ACSE_ACCEPTED);
	ck_assert_int_eq(a.diagnostic, 0);
	ck_assert(a.context_is_mms);
	ck_assert_int_eq(a.user_pcid, 3);
	ck_assert_uint_eq(a.user_len, 2);
	buf_clear(&b);
}
END_TEST

START_TEST(release_abort_golden)
{
	struct buf b;
	struct acse_apdu a;

	buf_init(&b, 0, 0);
	acse_encode_rlrq(&b, 0);
	static const uint8_t rlrq[] = { 0x62, 0x03, 0x80, 0x01, 0x00 };
	ck_assert_buf(&b, rlrq);
	ck_assert_int_eq(acse_exact(rlrq, sizeof(rlrq), &a, NULL), 0);
	ck_assert_uint_eq(a.type, ACSE_RLRQ);
	ck_assert_int_eq(a.reason, 0);

	buf_reset(&b, 0);
	acse_encode_rlre(&b, 0);
	static const uint8_t rlre[] = { 0x63, 0x03, 0x80, 0x01, 0x00 };
	ck_assert_buf(&b, rlre);

	buf_reset(&b, 0);
	acse_encode_abrt(&b, 1);
	static const uint8_t abrt[] = { 0x64, 0x03, 0x80, 0x01, 0x01 };
	ck_assert_buf(&b, abrt);
	ck_assert_int_eq(acse_exact(abrt, sizeof(abrt), &a, NULL), 0);
	ck_assert_uint_eq(a.type, ACSE_ABRT);
	ck_assert_int_eq(a.abort_source, 1);

	/* an RLRQ without reason */
	ck_assert_int_eq(acse_exact((const uint8_t *)"\x62\x00", 2, &a, NULL), 0);
	ck_assert_int_eq(a.reason, -1);
	buf_clear(&b);
}
END_TEST

START_TEST(wrong_context)
{
	/* an AARQ naming an abstract syntax instead of the MMS application
	 * context decodes, and says so */
	struct buf b;
	struct acse_apdu a;
	buf_init(&b, 0, 0);
	size_t m = ber_begin(&b, BER_APPLICATION | BER_CONSTRUCTED, ACSE_AARQ);
	size_t mc = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	ber_put_oid(&b, BER_UNIVERSAL, BER_TAG_OID, OID_MMS_CTX_WRONG, 5);
	ber_end(&b, mc);
	ber_end(&b, m);
	ck_assert_int_eq(acse_exact(buf_data(&b), b.len, &a, NULL), 0);
	ck_assert(!a.context_is_mms);
	ck_assert_ptr_null(a.user);
	buf_clear(&b);
}
END_TEST

START_TEST(acse_refusals)
{
	ACSE_REFUSED(0x30, 0x00);		/* universal SEQUENCE */
	ACSE_REFUSED(0x65, 0x00);		/* [APPLICATION 5] */
	ACSE_REFUSED(0x40, 0x00);		/* primitive [APPLICATION 0] */
	ACSE_REFUSED(0x60, 0x00);		/* AARQ without application-context-name */
	ACSE_REFUSED(0x61, 0x09, 0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03);
						/* AARE without result */
	ACSE_REFUSED(0x61, 0x0E, 0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03,
		     0xA2, 0x03, 0x02, 0x01, 0x03); /* result 3 */
	ACSE_REFUSED(0x60, 0x03, 0xA1, 0x01, 0x06); /* BER error inside, named "acse" */
	ACSE_REFUSED(0x60, 0x04, 0xA1, 0x02, 0x04, 0x00); /* context name not an OID */
	ACSE_REFUSED(0x60, 0x07, 0xBE, 0x05, 0x28, 0x03, 0x02, 0x01, 0x03);
						/* user-information without encoding */
	ACSE_REFUSED(0x60, 0x0B, 0xBE, 0x09, 0x28, 0x07, 0x02, 0x01, 0x00, 0xA0, 0x02, 0xA8,
		     0x00);			/* user-information in context 0 */
	ACSE_REFUSED(0x60, 0x06, 0xAC, 0x04, 0x85, 0x02, 0x41, 0x42);
						/* authentication value of kind [5] */
	/* structures that are empty where a value must be: the decoder must not
	 * stop there and take the rest of the APDU as absent */
	ACSE_REFUSED(0x60, 0x1A, 0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03,
		     0xAC, 0x00,		/* empty calling-authentication-value */
		     0xBE, 0x0D, 0x28, 0x0B, 0x06, 0x02, 0x51, 0x01, 0x02, 0x01, 0x03, 0xA0,
		     0x02, 0xA8, 0x00);
	ACSE_REFUSED(0x61, 0x10, 0xA1, 0x07, 0x06, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x03,
		     0xA2, 0x03, 0x02, 0x01, 0x00,
		     0xA3, 0x00);		/* empty result-source-diagnostic */

	/* an authentication value longer than ACSE_MAX_AUTH */
	struct buf b;
	struct acse_apdu a;
	struct proto_err e = { 0 };
	uint8_t pw[ACSE_MAX_AUTH + 2];
	memset(pw, 'x', sizeof(pw));
	pw[sizeof(pw) - 1] = 0;
	buf_init(&b, 0, 0);
	acse_encode_aarq(&b, (const char *)pw, PRES_CTX_MMS, (const uint8_t *)"\xA8\x00", 2);
	ck_assert_int_eq(acse_exact(buf_data(&b), b.len, &a, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "acse");
	pw[ACSE_MAX_AUTH] = 0; /* exactly ACSE_MAX_AUTH is fine */
	buf_reset(&b, 0);
	acse_encode_aarq(&b, (const char *)pw, PRES_CTX_MMS, (const uint8_t *)"\xA8\x00", 2);
	ck_assert_int_eq(acse_exact(buf_data(&b), b.len, &a, NULL), 0);
	ck_assert_uint_eq(a.auth_len, ACSE_MAX_AUTH);
	buf_clear(&b);

	ck_assert_int_eq(acse_exact(NULL, 0, &a, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "acse");
}
END_TEST

static Suite *pres_acse_suite(void)
{
	Suite *s = suite_create("pres_acse");
	TCase *tp = tcase_create("presentation");
	tcase_add_test(tp, cp_roundtrip);
	tcase_add_test(tp, cp_other_syntaxes);
	tcase_add_test(tp, cp_refusals);
	tcase_add_test(tp, cpa_golden_and_reasons);
	tcase_add_test(tp, cpr);
	tcase_add_test(tp, user_data);
	tcase_add_test(tp, prepend_equals_encode);
	suite_add_tcase(s, tp);
	TCase *ta = tcase_create("acse");
	tcase_add_test(ta, aarq_golden);
	tcase_add_test(ta, aarq_password);
	tcase_add_test(ta, aare_golden);
	tcase_add_test(ta, release_abort_golden);
	tcase_add_test(ta, wrong_context);
	tcase_add_test(ta, acse_refusals);
	suite_add_tcase(s, ta);
	return s;
}

TEST_MAIN(pres_acse_suite)
