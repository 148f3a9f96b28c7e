/* SPDX-License-Identifier: Apache-2.0 */
/* Control report decoder (daemon/proto/mms_control.c): LastApplError,
 * CommandTermination+ and CommandTermination- as IEC 61850-8-1 §20 sends
 * them (golden PDUs assembled by hand from 8-1 §20.2.3 and ISO 9506-2
 * §12.6), decoded field by field; the reports that are not ours; the
 * refusals; and every truncation refused without an over-read (exact-size
 * heap copies). */
#include <errno.h>

#include "ber.h"
#include "iso.h"
#include "mms_control.h"
#include "mms_report.h"
#include "testutil.h"

/* LastApplError alone: CntrlObj "IEDD1BAY/XCBR1$CO$Pos$Oper", Error 0,
 * Origin {3, "iedc"}, ctlNum 12, AddCause 8 (Blocked-by-Mode) */
static const uint8_t lae_only[] = {
	0xA3, 0x4B, 0xA0, 0x49, 0xA0, 0x13, 0x30, 0x11, 0xA0, 0x0F, 0x80, 0x0D,
	0x4C, 0x61, 0x73, 0x74, 0x41, 0x70, 0x70, 0x6C, 0x45, 0x72, 0x72, 0x6F,
	0x72, 0xA0, 0x32, 0xA2, 0x30, 0x8A, 0x1A, 0x49, 0x45, 0x44, 0x44, 0x31,
	0x42, 0x41, 0x59, 0x2F, 0x58, 0x43, 0x42, 0x52, 0x31, 0x24, 0x43, 0x4F,
	0x24, 0x50, 0x6F, 0x73, 0x24, 0x4F, 0x70, 0x65, 0x72, 0x85, 0x01, 0x00,
	0xA2, 0x09, 0x85, 0x01, 0x03, 0x89, 0x04, 0x69, 0x65, 0x64, 0x63, 0x86,
	0x01, 0x0C, 0x85, 0x01, 0x08,
};
/* CommandTermination+: (IEDD1BAY, XCBR1$CO$Pos$Oper) with the Oper
 * {ctlVal false, origin {3, "iedc"}, ctlNum 12, T, Test false, Check 00} */
static const uint8_t term_pos[] = {
	0xA3, 0x4D, 0xA0, 0x4B, 0xA0, 0x23, 0x30, 0x21, 0xA0, 0x1F, 0xA1, 0x1D,
	0x1A, 0x08, 0x49, 0x45, 0x44, 0x44, 0x31, 0x42, 0x41, 0x59, 0x1A, 0x11,
	0x58, 0x43, 0x42, 0x52, 0x31, 0x24, 0x43, 0x4F, 0x24, 0x50, 0x6F, 0x73,
	0x24, 0x4F, 0x70, 0x65, 0x72, 0xA0, 0x24, 0xA2, 0x22, 0x83, 0x01, 0x00,
	0xA2, 0x09, 0x85, 0x01, 0x03, 0x89, 0x04, 0x69, 0x65, 0x64, 0x63, 0x86,
	0x01, 0x0C, 0x91, 0x08, 0x6A, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x0A,
	0x83, 0x01, 0x00, 0x84, 0x02, 0x06, 0x00,
};
/* CommandTermination-: LastApplError {Error 1, Origin {2, "station"},
 * ctlNum 200, AddCause 16 (Time-limit-over)}, then the same Oper */
static const uint8_t term_neg[] = {
	0xA3, 0x81, 0x97, 0xA0, 0x81, 0x94, 0xA0, 0x36, 0x30, 0x11, 0xA0, 0x0F,
	0x80, 0x0D, 0x4C, 0x61, 0x73, 0x74, 0x41, 0x70, 0x70, 0x6C, 0x45, 0x72,
	0x72, 0x6F, 0x72, 0x30, 0x21, 0xA0, 0x1F, 0xA1, 0x1D, 0x1A, 0x08, 0x49,
	0x45, 0x44, 0x44, 0x31, 0x42, 0x41, 0x59, 0x1A, 0x11, 0x58, 0x43, 0x42,
	0x52, 0x31, 0x24, 0x43, 0x4F, 0x24, 0x50, 0x6F, 0x73, 0x24, 0x4F, 0x70,
	0x65, 0x72, 0xA0, 0x5A, 0xA2, 0x34, 0x8A, 0x1A, 0x49, 0x45, 0x44, 0x44,
	0x31, 0x42, 0x41, 0x59, 0x2F, 0x58, 0x43, 0x42, 0x52, 0x31, 0x24, 0x43,
	0x4F, 0x24, 0x50, 0x6F, 0x73, 0x24, 0x4F, 0x70, 0x65, 0x72, 0x85, 0x01,
	0x01, 0xA2, 0x0C, 0x85, 0x01, 0x02, 0x89, 0x07, 0x73, 0x74, 0x61, 0x74,
	0x69, 0x6F, 0x6E, 0x86, 0x02, 0x00, 0xC8, 0x85, 0x01, 0x10, 0xA2, 0x22,
	0x83, 0x01, 0x00, 0xA2, 0x09, 0x85, 0x01, 0x03, 0x89, 0x04, 0x69, 0x65,
	0x64, 0x63, 0x86, 0x01, 0x0C, 0x91, 0x08, 0x6A, 0x00, 0x00, 0x00, 0x80,
	0x00, 0x00, 0x0A, 0x83, 0x01, 0x00, 0x84, 0x02, 0x06, 0x00,
};

static uint8_t *copy;
static const uint8_t *exact(const uint8_t *p, size_t n)
{
	free(copy);
	return copy = dup_exact(p, n);
}

/* The informationReport body of the whole Unconfirmed-PDU p[n] (into a copy). */
static void body_of(const uint8_t *p, size_t n, const uint8_t **body, size_t *len)
{
	struct mms_pdu m;
	ck_assert_int_eq(mms_pdu_decode(exact(p, n), n, &m, NULL), 0);
	ck_assert_uint_eq(m.kind, MMS_UNCONFIRMED);
	ck_assert_int_eq(mms_unconfirmed_report(&m, body, len, NULL), 1);
}

static int decode_pdu(const uint8_t *p, size_t n, struct mms_ctl_report *r,
		      struct proto_err *e)
{
	const uint8_t *body;
	size_t len;
	body_of(p, n, &body, &len);
	return mms_ctl_report_decode(body, len, r, e);
}

START_TEST(decode_lae)
{
	struct mms_ctl_report r;
	struct proto_err e = { 0 };
	ck_assert_int_eq(decode_pdu(lae_only, sizeof(lae_only), &r, &e), 1);
	ck_assert_uint_eq(r.kind, MMS_CTL_LAST_APPL_ERROR);
	ck_assert_str_eq(r.lae.cntrl_obj, "IEDD1BAY/XCBR1$CO$Pos$Oper");
	ck_assert_int_eq(r.lae.error, 0);
	ck_assert_int_eq(r.lae.or_cat, 3);
	ck_assert_uint_eq(r.lae.or_ident_len, 4);
	ck_assert(!memcmp(r.lae.or_ident, "iedc", 4));
	ck_assert_uint_eq(r.lae.ctl_num, 12);
	ck_assert_int_eq(r.lae.add_cause, 8);
	ck_assert_str_eq(mms_add_cause_name(r.lae.add_cause), "Blocked-by-Mode");
	ck_assert_ptr_null(r.oper_data);
}
END_TEST

START_TEST(decode_term_pos)
{
	struct mms_ctl_report r;
	ck_assert_int_eq(decode_pdu(term_pos, sizeof(term_pos), &r, NULL), 1);
	ck_assert_uint_eq(r.kind, MMS_CTL_TERMINATION_POS);
	ck_assert_uint_eq(r.oper.scope, MMS_SCOPE_DOMAIN);
	ck_assert_str_eq(r.oper.domain, "IEDD1BAY");
	ck_assert_str_eq(r.oper.item, "XCBR1$CO$Pos$Oper");
	/* the Oper structure, its whole TLV: A2 22 ... the last 36 octets */
	ck_assert_uint_eq(r.oper_len, 0x24);
	ck_assert_ptr_eq(r.oper_data, copy + sizeof(term_pos) - 0x24);
	ck_assert_uint_eq(r.oper_data[0], 0xA2);
	ck_assert_str_eq(r.lae.cntrl_obj, "");
}
END_TEST

START_TEST(decode_term_neg)
{
	struct mms_ctl_report r;
	ck_assert_int_eq(decode_pdu(term_neg, sizeof(term_neg), &r, NULL), 1);
	ck_assert_uint_eq(r.kind, MMS_CTL_TERMINATION_NEG);
	ck_assert_str_eq(r.lae.cntrl_obj, "IEDD1BAY/XCBR1$CO$Pos$Oper");
	ck_assert_int_eq(r.lae.error, 1);
	ck_assert_int_eq(r.lae.or_cat, 2);
	ck_assert_uint_eq(r.lae.or_ident_len, 7);
	ck_assert(!memcmp(r.lae.or_ident, "station", 7));
	ck_assert_uint_eq(r.lae.ctl_num, 200);
	ck_assert_int_eq(r.lae.add_cause, 16);
	ck_assert_str_eq(mms_add_cause_name(r.lae.add_cause), "Time-limit-over");
	ck_assert_str_eq(r.oper.domain, "IEDD1BAY");
	ck_assert_str_eq(r.oper.item, "XCBR1$CO$Pos$Oper");
	ck_assert_uint_eq(r.oper_len, 0x24);
	ck_assert_ptr_eq(r.oper_data, copy + sizeof(term_neg) - 0x24);
}
END_TEST

/* ---- variants, built with the BER encoders ---- */

#define CTXC (BER_CONTEXT | BER_CONSTRUCTED)

struct lae_v {
	const char *cntrl;
	int64_t error, or_cat, ctl_num, add_cause;
	uint8_t ctl_num_tag;		/* 6 unsigned (0: 6), 5 integer */
	size_t ident_len;
	bool extra;			/* a sixth component */
};

static void put_lae(struct buf *b, const struct lae_v *v)
{
	static const uint8_t ident[80] = "orIdent-octets";
	size_t s = ber_begin(b, CTXC, 2);
	ber_put_str(b, BER_CONTEXT, 10, v->cntrl ? v->cntrl : "LD/LN$CO$DO$Oper");
	ber_put_int(b, BER_CONTEXT, 5, v->error);
	size_t o = ber_begin(b, CTXC, 2);
	ber_put_int(b, BER_CONTEXT, 5, v->or_cat);
	ber_put_raw(b, BER_CONTEXT, 9, ident, v->ident_len);
	ber_end(b, o);
	ber_put_int(b, BER_CONTEXT, v->ctl_num_tag ? v->ctl_num_tag : 6, v->ctl_num);
	ber_put_int(b, BER_CONTEXT, 5, v->add_cause);
	if (v->extra)
		ber_put_bool(b, BER_CONTEXT, 3, true);
	ber_end(b, s);
}

static void put_name(struct buf *b, int scope, const char *domain, const char *item, bool alt)
{
	size_t q = ber_begin(b, BER_UNIVERSAL | BER_CONSTRUCTED, BER_TAG_SEQUENCE);
	size_t n = ber_begin(b, CTXC, 0);
	struct mms_objname on = { .scope = (uint8_t)scope };
	snprintf(on.domain, sizeof(on.domain), "%s", domain ? domain : "");
	snprintf(on.item, sizeof(on.item), "%s", item);
	mms_objname_encode(b, &on);
	ber_end(b, n);
	if (alt) {
		size_t a = ber_begin(b, CTXC, 5);
		ber_put_str(b, BER_CONTEXT, 1, "ctlVal"); /* component [1] */
		ber_end(b, a);
	}
	ber_end(b, q);
}

static void put_oper(struct buf *b)
{
	size_t s = ber_begin(b, CTXC, 2);
	ber_put_bool(b, BER_CONTEXT, 3, true);
	ber_end(b, s);
}

/* A body: `names` (l LastApplError, o the Oper, x another name, a the Oper
 * with alternateAccess), `results` (l, o, f a failure, b a boolean). */
static int decode_v(const char *names, const char *results, const struct lae_v *v,
		    struct mms_ctl_report *r)
{
	struct buf b;
	struct lae_v def = { .or_cat = 3, .ctl_num = 1, .ident_len = 4 };
	buf_init(&b, 0, 0);
	size_t l = ber_begin(&b, CTXC, 0);
	for (const char *p = names; *p; p++)
		if (*p == 'l')
			put_name(&b, MMS_SCOPE_VMD, NULL, "LastApplError", false);
		else if (*p == 'o' || *p == 'a')
			put_name(&b, MMS_SCOPE_DOMAIN, "LD", "LN$CO$DO$Oper", *p == 'a');
		else
			put_name(&b, MMS_SCOPE_DOMAIN, "LD", "LN$ST$DO$stVal", false);
	ber_end(&b, l);
	l = ber_begin(&b, CTXC, 0);
	for (const char *p = results; *p; p++)
		if (*p == 'l')
			put_lae(&b, v ? v : &def);
		else if (*p == 'o')
			put_oper(&b);
		else if (*p == 'f')
			ber_put_int(&b, BER_CONTEXT, 0, 10); /* failure: object-non-existent */
		else
			ber_put_bool(&b, BER_CONTEXT, 3, false);
	ber_end(&b, l);
	ck_assert_int_eq(b.err, 0);
	int k = mms_ctl_report_decode(exact(buf_data(&b), b.len), b.len, r, NULL);
	buf_clear(&b);
	return k;
}

START_TEST(not_ours)
{
	struct mms_ctl_report r;
	/* a data set's report "RPT" (variableListName) */
	static const uint8_t rpt[] = { 0xA1, 0x05, 0x80, 0x03, 'R', 'P', 'T', 0xA0, 0x03,
				       0x8A, 0x01, 0x72 };
	ck_assert_int_eq(mms_ctl_report_decode(exact(rpt, sizeof(rpt)), sizeof(rpt), &r, NULL), 0);
	ck_assert_uint_eq(r.kind, 0);
	/* other variables, in any number */
	ck_assert_int_eq(decode_v("x", "b", NULL, &r), 0);
	ck_assert_int_eq(decode_v("xo", "bo", NULL, &r), 0);
	ck_assert_int_eq(decode_v("ol", "ol", NULL, &r), 0);
	ck_assert_int_eq(decode_v("lll", "lll", NULL, &r), 0);
	ck_assert_int_eq(decode_v("loo", "loo", NULL, &r), 0);
	ck_assert_int_eq(decode_v("", "", NULL, &r), 0);
	/* a component of the Oper is no termination */
	ck_assert_int_eq(decode_v("a", "b", NULL, &r), 0);
	ck_assert_uint_eq(r.kind, 0);
}
END_TEST

START_TEST(variants)
{
	struct mms_ctl_report r;
	/* ctlNum as integer [5], negative Error and AddCause, 64 octets of orIdent */
	struct lae_v v = { .error = -1, .or_cat = -5, .ctl_num = 255, .ctl_num_tag = 5,
			   .add_cause = -128, .ident_len = 64 };
	ck_assert_int_eq(decode_v("l", "l", &v, &r), 1);
	ck_assert_int_eq(r.lae.error, -1);
	ck_assert_int_eq(r.lae.or_cat, -5);
	ck_assert_uint_eq(r.lae.ctl_num, 255);
	ck_assert_int_eq(r.lae.add_cause, -128);
	ck_assert_uint_eq(r.lae.or_ident_len, 64);
	ck_assert_ptr_null(mms_add_cause_name(r.lae.add_cause));
	/* CntrlObj of 129 characters, empty orIdent */
	char cntrl[131];
	memset(cntrl, 'A', 129);
	cntrl[129] = 0;
	v = (struct lae_v){ .cntrl = cntrl, .add_cause = 27 };
	ck_assert_int_eq(decode_v("lo", "lo", &v, &r), 1);
	ck_assert_uint_eq(r.kind, MMS_CTL_TERMINATION_NEG);
	ck_assert_uint_eq(strlen(r.lae.cntrl_obj), 129);
	ck_assert_uint_eq(r.lae.or_ident_len, 0);
	ck_assert_str_eq(mms_add_cause_name(r.lae.add_cause), "Locked-by-other-client");
	ck_assert_str_eq(r.oper.item, "LN$CO$DO$Oper");
	ck_assert_uint_eq(r.oper_len, 5);
}
END_TEST

START_TEST(refusals)
{
	struct mms_ctl_report r;
	/* results unlike the names, failures in place of values */
	ck_assert_int_eq(decode_v("l", "", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("l", "ll", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("lo", "l", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("o", "oo", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("l", "f", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("o", "f", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("lo", "lf", NULL, &r), -EBADMSG);
	/* of the wrong type */
	ck_assert_int_eq(decode_v("l", "b", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("o", "b", NULL, &r), -EBADMSG);
	ck_assert_int_eq(decode_v("lo", "ol", NULL, &r), -EBADMSG);
	ck_assert_uint_eq(r.kind, 0);
	/* out of range */
	struct lae_v bad[] = {
		{ .error = 128, .ident_len = 1 },
		{ .error = -129, .ident_len = 1 },
		{ .add_cause = 128, .ident_len = 1 },
		{ .ctl_num = 256 },
		{ .ctl_num = -1, .ctl_num_tag = 5 },
		{ .or_cat = (int64_t)INT32_MAX + 1 },
		{ .ident_len = 65 },
		{ .extra = true },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(decode_v("l", "l", &bad[i], &r) == -EBADMSG, "variant %zu", i);
	char cntrl[131];
	memset(cntrl, 'A', 130);
	cntrl[130] = 0;
	struct lae_v lc = { .cntrl = cntrl };
	ck_assert_int_eq(decode_v("l", "l", &lc, &r), -EBADMSG);
	/* octets after the listOfAccessResult; no listOfAccessResult */
	uint8_t more[sizeof(lae_only) + 2];
	const uint8_t *body;
	size_t len;
	body_of(lae_only, sizeof(lae_only), &body, &len);
	memcpy(more, body, len);
	more[len] = 0x05;
	more[len + 1] = 0x00;
	ck_assert_int_eq(mms_ctl_report_decode(exact(more, len + 2), len + 2, &r, NULL), -EBADMSG);
	ck_assert_int_eq(mms_ctl_report_decode(exact(more, 21), 21, &r, NULL), -EBADMSG);
	static const uint8_t other_spec[] = { 0xA2, 0x00, 0xA0, 0x00 };
	ck_assert_int_eq(mms_ctl_report_decode(exact(other_spec, 4), 4, &r, NULL), -EBADMSG);
}
END_TEST

START_TEST(truncations)
{
	static const struct {
		const uint8_t *p;
		size_t n;
	} pdus[] = { { lae_only, sizeof(lae_only) }, { term_pos, sizeof(term_pos) },
		     { term_neg, sizeof(term_neg) } };

	for (size_t k = 0; k < 3; k++) {
		const uint8_t *body;
		size_t len;
		body_of(pdus[k].p, pdus[k].n, &body, &len);
		uint8_t *whole = dup_exact(body, len);
		for (size_t cut = 0; cut < len; cut++) {
			struct mms_ctl_report r;
			uint8_t *c = dup_exact(whole, cut);
			ck_assert_msg(mms_ctl_report_decode(c, cut, &r, NULL) == -EBADMSG,
				      "report %zu cut at %zu", k, cut);
			ck_assert_uint_eq(r.kind, 0);
			free(c);
		}
		free(whole);
		/* and the whole PDU cut anywhere: no layer reads past it */
		for (size_t cut = 0; cut < pdus[k].n; cut++) {
			struct mms_pdu m;
			struct mms_ctl_report r;
			const uint8_t *b;
			size_t l;
			uint8_t *c = dup_exact(pdus[k].p, cut);
			if (mms_pdu_decode(c, cut, &m, NULL) == 0 && m.kind == MMS_UNCONFIRMED &&
			    mms_unconfirmed_report(&m, &b, &l, NULL) == 1)
				ck_assert_int_eq(mms_ctl_report_decode(b, l, &r, NULL), -EBADMSG);
			free(c);
		}
	}
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(mms_add_cause_name(0), "Unknown");
	ck_assert_str_eq(mms_add_cause_name(8), "Blocked-by-Mode");
	ck_assert_str_eq(mms_add_cause_name(10), "Blocked-by-interlocking");
	ck_assert_str_eq(mms_add_cause_name(27), "Locked-by-other-client");
	ck_assert_ptr_null(mms_add_cause_name(28));
	ck_assert_ptr_null(mms_add_cause_name(-1));
	ck_assert_str_eq(mms_or_cat_name(3), "remote-control");
	ck_assert_str_eq(mms_or_cat_name(8), "process");
	ck_assert_ptr_null(mms_or_cat_name(9));
	ck_assert_ptr_null(mms_or_cat_name(-1));
	ck_assert_str_eq(mms_ctl_model_name(0), "status-only");
	ck_assert_str_eq(mms_ctl_model_name(4), "sbo-with-enhanced-security");
	ck_assert_ptr_null(mms_ctl_model_name(5));
}
END_TEST

static Suite *mms_control_suite(void)
{
	Suite *s = suite_create("mms_control");
	TCase *tc = tcase_create("decoder");
	tcase_add_test(tc, decode_lae);
	tcase_add_test(tc, decode_term_pos);
	tcase_add_test(tc, decode_term_neg);
	tcase_add_test(tc, not_ours);
	tcase_add_test(tc, variants);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, names);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_control_suite)
