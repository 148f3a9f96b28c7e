/* SPDX-License-Identifier: Apache-2.0 */
/* MMS client codecs (daemon/proto/mms_client.c): golden encodings of every
 * request, decoding of hand-made responses, TypeSpecification limits, Data
 * printed as text and JSON, text parsed back to Data, and IEC 61850
 * references. Inputs are exact-size heap copies so ASan sees over-reads. */
#include <errno.h>

#include "mms_client.h"
#include "testutil.h"

/* TLV with a length the compiler counts (contents under 128 octets). */
#define T(tag, ...) (tag), (uint8_t)sizeof((const uint8_t[]){ __VA_ARGS__ }), __VA_ARGS__
#define T0(tag) (tag), 0x00
#define LD0 0x1A, 0x03, 'L', 'D', '0'

/* Encodes with `stmt` into a fresh buffer b and compares with the bytes. */

static struct mms_objname dom(const char *d, const char *i)
{
	struct mms_objname n = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(n.domain, sizeof(n.domain), "%s", d);
	snprintf(n.item, sizeof(n.item), "%s", i);
	return n;
}

/* The last exact-size copy of an input, freed at the next call. */
static uint8_t *copy;
static const uint8_t *exact(const uint8_t *p, size_t n)
{
	free(copy);
	return copy = dup_exact(p, n);
}

/* Decodes a whole PDU (from an exact copy) and checks it answers `svc`. */
static int answer(const uint8_t *p, size_t n, uint32_t invoke, uint32_t svc, struct mms_pdu *m,
		  struct mms_client_refusal *ref, struct proto_err *err)
{
	const uint8_t *d = exact(p, n);
	ck_assert_int_eq(mms_pdu_decode(d, n, m, err), 0);
	return mms_client_check(m, invoke, svc, ref, err);
}

/* ---- requests ---- */

START_TEST(req_getnamelist)
{
	struct mms_getnamelist_req q = { .object_class = MMS_CLASS_DOMAIN,
					 .scope = MMS_SCOPE_VMD };
	ENCODES(mms_client_getnamelist_req(&b, 1, &q),
		0xA0, 0x0E, 0x02, 0x01, 0x01, 0xA1, 0x09, 0xA0, 0x03, 0x80, 0x01, 0x09, 0xA1, 0x02,
		0x80, 0x00);

	struct mms_getnamelist_req v = { .object_class = MMS_CLASS_NAMED_VARIABLE,
					 .scope = MMS_SCOPE_DOMAIN, .domain = "LD0",
					 .has_continue_after = true, .continue_after = "LLN0" };
	ENCODES(mms_client_getnamelist_req(&b, 2, &v),
		0xA0, 0x17, 0x02, 0x01, 0x02, 0xA1, 0x12, 0xA0, 0x03, 0x80, 0x01, 0x00, 0xA1, 0x05,
		0x81, 0x03, 'L', 'D', '0', 0x82, 0x04, 'L', 'L', 'N', '0');

	/* named variable lists of a domain, and the aa-specific scope */
	struct mms_getnamelist_req l = { .object_class = MMS_CLASS_NAMED_VARIABLE_LIST,
					 .scope = MMS_SCOPE_DOMAIN, .domain = "LD0" };
	ENCODES(mms_client_getnamelist_req(&b, 3, &l),
		T(0xA0, 0x02, 0x01, 0x03,
		  T(0xA1, T(0xA0, 0x80, 0x01, 0x02), T(0xA1, 0x81, 0x03, 'L', 'D', '0'))));
	struct mms_getnamelist_req a = { .object_class = MMS_CLASS_NAMED_VARIABLE_LIST,
					 .scope = MMS_SCOPE_AA };
	ENCODES(mms_client_getnamelist_req(&b, 4, &a),
		T(0xA0, 0x02, 0x01, 0x04, T(0xA1, T(0xA0, 0x80, 0x01, 0x02), T(0xA1, T0(0x82)))));

	/* the server's decoder reads what we write */
	struct buf b;
	struct mms_pdu p;
	struct mms_getnamelist_req back;
	buf_init(&b, 0, 0);
	mms_client_getnamelist_req(&b, 2, &v);
	ck_assert_int_eq(mms_pdu_decode(buf_data(&b), b.len, &p, NULL), 0);
	ck_assert_int_eq(mms_getnamelist_req_decode(p.body, p.body_len, &back, NULL), 0);
	ck_assert_int_eq(back.object_class, 0);
	ck_assert_int_eq(back.scope, MMS_SCOPE_DOMAIN);
	ck_assert_str_eq(back.domain, "LD0");
	ck_assert(back.has_continue_after);
	ck_assert_str_eq(back.continue_after, "LLN0");
	buf_clear(&b);
}
END_TEST

START_TEST(req_gvaa)
{
	struct mms_objname n = dom("LD0", "LLN0");
	ENCODES(mms_client_gvaa_req(&b, 3, &n),
		0xA0, 0x14, 0x02, 0x01, 0x03, 0xA6, 0x0F, 0xA0, 0x0D, 0xA1, 0x0B, 0x1A, 0x03, 'L',
		'D', '0', 0x1A, 0x04, 'L', 'L', 'N', '0');
	struct mms_objname v = { .scope = MMS_SCOPE_VMD, .item = "X" };
	ENCODES(mms_client_gvaa_req(&b, 3, &v),
		T(0xA0, 0x02, 0x01, 0x03, T(0xA6, T(0xA0, 0x80, 0x01, 'X'))));
}
END_TEST

START_TEST(req_read)
{
	struct mms_objname n = dom("LD0", "LLN0$ST$Mod$stVal");
	ENCODES(mms_client_read_req(&b, 4, &n, 1),
		0xA0, 0x27, 0x02, 0x01, 0x04, 0xA4, 0x22, 0xA1, 0x20, 0xA0, 0x1E, 0x30, 0x1C, 0xA0,
		0x1A, 0xA1, 0x18, 0x1A, 0x03, 'L', 'D', '0', 0x1A, 0x11, 'L', 'L', 'N', '0', '$',
		'S', 'T', '$', 'M', 'o', 'd', '$', 's', 't', 'V', 'a', 'l');

	struct mms_objname two[2] = { dom("LD0", "A"), dom("LD0", "B") };
	ENCODES(mms_client_read_req(&b, 5, two, 2),
		0xA0, 0x25, 0x02, 0x01, 0x05, 0xA4, 0x20, 0xA1, 0x1E, 0xA0, 0x1C,
		0x30, 0x0C, 0xA0, 0x0A, 0xA1, 0x08, 0x1A, 0x03, 'L', 'D', '0', 0x1A, 0x01, 'A',
		0x30, 0x0C, 0xA0, 0x0A, 0xA1, 0x08, 0x1A, 0x03, 'L', 'D', '0', 0x1A, 0x01, 'B');

	/* the server's decoder reads both names back */
	struct buf b;
	struct mms_pdu p;
	struct mms_read_req rq;
	struct mms_varspec vs;
	buf_init(&b, 0, 0);
	mms_client_read_req(&b, 5, two, 2);
	ck_assert_int_eq(mms_pdu_decode(buf_data(&b), b.len, &p, NULL), 0);
	ck_assert_int_eq(mms_read_req_decode(p.body, p.body_len, &rq, NULL), 0);
	ck_assert_int_eq(rq.vas.n_vars, 2);
	ck_assert_int_eq(mms_varlist_next(&rq.vas, &vs, NULL), 1);
	ck_assert_str_eq(vs.name.item, "A");
	ck_assert_int_eq(mms_varlist_next(&rq.vas, &vs, NULL), 1);
	ck_assert_str_eq(vs.name.item, "B");
	ck_assert_int_eq(mms_varlist_next(&rq.vas, &vs, NULL), 0);
	buf_clear(&b);
}
END_TEST

START_TEST(req_read_nvl)
{
	struct mms_objname n = dom("LD0", "LLN0$DS1");
	ENCODES(mms_client_read_nvl_req(&b, 6, &n),
		0xA0, 0x1A, 0x02, 0x01, 0x06, 0xA4, 0x15, 0xA1, 0x13, 0xA1, 0x11, 0xA1, 0x0F, 0x1A,
		0x03, 'L', 'D', '0', 0x1A, 0x08, 'L', 'L', 'N', '0', '$', 'D', 'S', '1');
}
END_TEST

START_TEST(req_write)
{
	struct mms_objname n = dom("LD0", "LLN0$CF$X");
	static const uint8_t data[] = { 0x83, 0x01, 0xFF };
	ENCODES(mms_client_write_req(&b, 7, &n, data, sizeof(data)),
		0xA0, 0x22, 0x02, 0x01, 0x07, 0xA5, 0x1D, 0xA0, 0x16, 0x30, 0x14, 0xA0, 0x12, 0xA1,
		0x10, 0x1A, 0x03, 'L', 'D', '0', 0x1A, 0x09, 'L', 'L', 'N', '0', '$', 'C', 'F', '$',
		'X', 0xA0, 0x03, 0x83, 0x01, 0xFF);

	struct buf b;
	struct mms_pdu p;
	struct mms_write_req wq;
	buf_init(&b, 0, 0);
	mms_client_write_req(&b, 7, &n, data, sizeof(data));
	ck_assert_int_eq(mms_pdu_decode(buf_data(&b), b.len, &p, NULL), 0);
	ck_assert_int_eq(mms_write_req_decode(p.body, p.body_len, &wq, NULL), 0);
	ck_assert_int_eq(wq.n_data, 1);
	buf_clear(&b);
}
END_TEST

START_TEST(req_nvl_attr)
{
	struct mms_objname n = dom("LD0", "LLN0$DS1");
	ENCODES(mms_client_nvl_attr_req(&b, 8, &n),
		0xA0, 0x16, 0x02, 0x01, 0x08, 0xAC, 0x11, 0xA1, 0x0F, 0x1A, 0x03, 'L', 'D', '0',
		0x1A, 0x08, 'L', 'L', 'N', '0', '$', 'D', 'S', '1');
}
END_TEST

/* ---- answers ---- */

START_TEST(check_envelope)
{
	static const uint8_t ident[] = { T(0xA1, 0x02, 0x01, 0x05, T(0xA2, T(0x80, 'v'), T(0x81, 'm'), T(0x82, 'r'))) };
	static const uint8_t err_obj[] = { T(0xA2, 0x80, 0x01, 0x05, T(0xA2, T(0xA0, 0x87, 0x01, 0x02))) };
	static const uint8_t rej[] = { T(0xA4, 0x80, 0x01, 0x05, 0x81, 0x01, 0x04) };
	static const uint8_t rej_other[] = { T(0xA4, 0x80, 0x01, 0x09, 0x81, 0x01, 0x04) };
	struct mms_pdu p;
	struct mms_client_refusal ref;
	struct proto_err e = { 0 };
	char s[128];

	ck_assert_int_eq(answer(ident, sizeof(ident), 5, MMS_SVC_IDENTIFY, &p, &ref, &e), 0);
	ck_assert_int_eq(answer(ident, sizeof(ident), 6, MMS_SVC_IDENTIFY, &p, &ref, &e), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(e.reason, "invokeID 5"));
	ck_assert_int_eq(answer(ident, sizeof(ident), 5, MMS_SVC_READ, &p, &ref, &e), -EBADMSG);

	ck_assert_int_eq(answer(err_obj, sizeof(err_obj), 5, MMS_SVC_READ, &p, &ref, &e), -EREMOTEIO);
	ck_assert_int_eq(ref.kind, MMS_CONFIRMED_ERROR);
	ck_assert_int_eq(ref.error_class, MMS_ERR_ACCESS);
	ck_assert_int_eq(ref.code, 2);
	ck_assert_str_eq(mms_client_refusal_str(&ref, s, sizeof(s)), "access: object-non-existent");

	ck_assert_int_eq(answer(rej, sizeof(rej), 5, MMS_SVC_READ, &p, &ref, &e), -EREMOTEIO);
	ck_assert_int_eq(ref.kind, MMS_REJECT);
	ck_assert_str_eq(mms_client_refusal_str(&ref, s, sizeof(s)),
			 "Reject: confirmed-requestPDU: invalid-argument");
	ck_assert_int_eq(answer(rej_other, sizeof(rej_other), 5, MMS_SVC_READ, &p, &ref, &e), -EBADMSG);

	struct mms_client_refusal odd = { .kind = MMS_CONFIRMED_ERROR, .error_class = 40, .code = 3 };
	ck_assert_str_eq(mms_client_refusal_str(&odd, s, sizeof(s)), "errorClass 40: 3");
	odd = (struct mms_client_refusal){ .kind = MMS_CONFIRMED_ERROR, .error_class = 7, .code = 99 };
	ck_assert_str_eq(mms_client_refusal_str(&odd, s, sizeof(s)), "access: 99");
	odd = (struct mms_client_refusal){ .kind = MMS_REJECT, .error_class = 1, .code = 7 };
	ck_assert_str_eq(mms_client_refusal_str(&odd, s, sizeof(s)), "Reject: confirmed-requestPDU: 7");
	odd = (struct mms_client_refusal){ .kind = MMS_REJECT, .error_class = 5, .code = 1 };
	ck_assert_str_eq(mms_client_refusal_str(&odd, s, sizeof(s)), "Reject: pdu-error: invalid-pdu");

	ck_assert_str_eq(mms_dae_name(MMS_DAE_OBJECT_NON_EXISTENT), "object-non-existent");
	ck_assert_str_eq(mms_dae_name(0), "object-invalidated");
	ck_assert_str_eq(mms_dae_name(11), "object-value-invalid");
	ck_assert_str_eq(mms_dae_name(12), "data-access-error-12");
}
END_TEST

START_TEST(namelist_resp)
{
	static const uint8_t more[] = { T(0xA1, 0x02, 0x01, 0x01,
		T(0xA1, T(0xA0, LD0, 0x1A, 0x03, 'L', 'D', '1'), 0x81, 0x01, 0x00)) };
	static const uint8_t dflt[] = { T(0xA1, 0x02, 0x01, 0x01, T(0xA1, T(0xA0, LD0))) };
	static const uint8_t empty[] = { T(0xA1, 0x02, 0x01, 0x01, T(0xA1, T0(0xA0), 0x81, 0x01, 0x00)) };
	static const uint8_t not_vis[] = { T(0xA1, 0x02, 0x01, 0x01, T(0xA1, T(0xA0, 0x04, 0x01, 'X'))) };
	static const uint8_t ctrl[] = { T(0xA1, 0x02, 0x01, 0x01, T(0xA1, T(0xA0, 0x1A, 0x01, 0x07))) };
	static const uint8_t extra[] = { T(0xA1, 0x02, 0x01, 0x01, T(0xA1, T0(0xA0), 0x81, 0x01, 0x00, 0x82, 0x00)) };
	struct mms_pdu p;
	struct mms_namelist_resp r;
	struct proto_err e = { 0 };
	char name[MMS_MAX_ITEM + 1];

	ck_assert_int_eq(answer(more, sizeof(more), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(r.count, 2);
	ck_assert(!r.more_follows);
	ck_assert_int_eq(mms_client_namelist_next(&r, name, &e), 1);
	ck_assert_str_eq(name, "LD0");
	ck_assert_int_eq(mms_client_namelist_next(&r, name, &e), 1);
	ck_assert_str_eq(name, "LD1");
	ck_assert_int_eq(mms_client_namelist_next(&r, name, &e), 0);

	ck_assert_int_eq(answer(dflt, sizeof(dflt), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(r.count, 1);
	ck_assert(r.more_follows); /* DEFAULT TRUE */

	ck_assert_int_eq(answer(empty, sizeof(empty), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(r.count, 0);
	ck_assert_int_eq(mms_client_namelist_next(&r, name, &e), 0);

	ck_assert_int_eq(answer(not_vis, sizeof(not_vis), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	ck_assert_int_eq(answer(ctrl, sizeof(ctrl), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), -EBADMSG);
	ck_assert_int_eq(answer(extra, sizeof(extra), 1, MMS_SVC_GET_NAME_LIST, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_namelist_decode(p.body, p.body_len, &r, &e), -EBADMSG);

	/* truncated, and a name longer than 129 characters */
	ck_assert_int_eq(mms_client_namelist_decode(exact((const uint8_t[]){ 0xA0, 0x04, 0x1A, 0x03, 'a' }, 5), 5, &r, &e),
			 -EBADMSG);
	uint8_t body[140];
	body[0] = 0xA0;
	body[1] = 0x81;
	body[2] = 133;
	body[3] = 0x1A;
	body[4] = 0x81;
	body[5] = 130;
	memset(body + 6, 'a', 130);
	ck_assert_int_eq(mms_client_namelist_decode(exact(body, 136), 136, &r, &e), -EBADMSG);
	body[2] = 132;
	body[5] = 129;
	ck_assert_int_eq(mms_client_namelist_decode(exact(body, 135), 135, &r, &e), 0);
	ck_assert_int_eq(mms_client_namelist_next(&r, name, &e), 1);
	ck_assert_int_eq(strlen(name), 129);
}
END_TEST

START_TEST(read_resp)
{
	static const uint8_t two[] = { T(0xA1, 0x02, 0x01, 0x04,
		T(0xA4, T(0xA1, 0x80, 0x01, 0x0A, 0x83, 0x01, 0xFF, T(0xA2, 0x85, 0x01, 0x01)))) };
	static const uint8_t echoed[] = { T(0xA1, 0x02, 0x01, 0x04,
		T(0xA4, T(0xA0, T(0xA0, T(0x30, T(0xA0, 0x80, 0x01, 'X')))), T(0xA1, 0x85, 0x01, 0x07))) };
	static const uint8_t none[] = { T(0xA1, 0x02, 0x01, 0x04, T(0xA4, T(0xA0, 0x05, 0x00))) };
	static const uint8_t badres[] = { T(0xA1, 0x02, 0x01, 0x04, T(0xA4, T(0xA1, 0x88, 0x00))) };
	struct mms_pdu p;
	struct mms_read_resp r;
	struct mms_access_result a;
	struct proto_err e = { 0 };

	ck_assert_int_eq(answer(two, sizeof(two), 4, MMS_SVC_READ, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_read_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(r.count, 3);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), 1);
	ck_assert_int_eq(a.failure, MMS_DAE_OBJECT_NON_EXISTENT);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), 1);
	ck_assert_int_eq(a.failure, -1);
	ck_assert_int_eq(a.len, 3);
	ck_assert_int_eq(a.data[0], 0x83);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), 1);
	ck_assert_int_eq(a.failure, -1);
	ck_assert_int_eq(a.len, 5);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), 0);

	ck_assert_int_eq(answer(echoed, sizeof(echoed), 4, MMS_SVC_READ, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_read_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(r.count, 1);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), 1);
	ck_assert_int_eq(a.data[2], 0x07);

	ck_assert_int_eq(answer(none, sizeof(none), 4, MMS_SVC_READ, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_read_decode(p.body, p.body_len, &r, &e), -EBADMSG);
	ck_assert_int_eq(answer(badres, sizeof(badres), 4, MMS_SVC_READ, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_read_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(mms_client_read_next(&r, &a, &e), -EBADMSG);
}
END_TEST

START_TEST(write_resp)
{
	static const uint8_t ok[] = { T(0xA1, 0x02, 0x01, 0x07, T(0xA5, 0x81, 0x00, 0x80, 0x01, 0x03)) };
	static const uint8_t bad1[] = { T(0xA1, 0x02, 0x01, 0x07, T(0xA5, 0x81, 0x01, 0x00)) };
	int res[2];
	size_t n;
	struct mms_pdu p;
	struct proto_err e = { 0 };

	ck_assert_int_eq(answer(ok, sizeof(ok), 7, MMS_SVC_WRITE, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_write_decode(p.body, p.body_len, res, 2, &n, &e), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(res[0], -1);
	ck_assert_int_eq(res[1], MMS_DAE_OBJECT_ACCESS_DENIED);
	ck_assert_int_eq(mms_client_write_decode(p.body, p.body_len, res, 1, &n, &e), -EBADMSG);
	ck_assert_int_eq(answer(bad1, sizeof(bad1), 7, MMS_SVC_WRITE, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_write_decode(p.body, p.body_len, res, 2, &n, &e), -EBADMSG);
}
END_TEST

START_TEST(nvl_attr_resp)
{
	static const uint8_t ok[] = { T(0xA1, 0x02, 0x01, 0x08, T(0xAC, 0x80, 0x01, 0x00,
		T(0xA1, T(0x30, T(0xA0, T(0xA1, LD0, 0x1A, 0x05, 'G', 'G', 'I', 'O', '1'))),
		      T(0x30, T(0xA0, T(0xA1, LD0, 0x1A, 0x07, 'L', 'L', 'N', '0', '$', 'S', 'T')))))) };
	static const uint8_t alt[] = { T(0xA1, 0x02, 0x01, 0x08, T(0xAC, 0x80, 0x01, 0xFF,
		T(0xA1, T(0x30, T(0xA0, T(0xA1, LD0, 0x1A, 0x01, 'X')), T(0xA5, 0x81, 0x01, 'a'))),
		T(0x82, 'a', 'c', 'l'))) };
	static const uint8_t nolist[] = { T(0xA1, 0x02, 0x01, 0x08, T(0xAC, 0x80, 0x01, 0x00)) };
	static const uint8_t notseq[] = { T(0xA1, 0x02, 0x01, 0x08, T(0xAC, 0x80, 0x01, 0x00,
		T(0xA1, T(0xA0, T(0xA1, LD0, 0x1A, 0x01, 'X'))))) };
	struct mms_pdu p;
	struct mms_nvl_attr_resp r;
	struct mms_varspec v;
	struct proto_err e = { 0 };

	ck_assert_int_eq(answer(ok, sizeof(ok), 8, MMS_SVC_GET_NVL_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_nvl_attr_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert(!r.deletable);
	ck_assert_int_eq(r.vars.n_vars, 2);
	ck_assert_int_eq(mms_varlist_next(&r.vars, &v, &e), 1);
	ck_assert_str_eq(v.name.domain, "LD0");
	ck_assert_str_eq(v.name.item, "GGIO1");
	ck_assert_int_eq(mms_varlist_next(&r.vars, &v, &e), 1);
	ck_assert_str_eq(v.name.item, "LLN0$ST");
	ck_assert_int_eq(v.n_alt, 0);
	ck_assert_int_eq(mms_varlist_next(&r.vars, &v, &e), 0);

	/* alternate access on a member; accessControlList after the list */
	ck_assert_int_eq(answer(alt, sizeof(alt), 8, MMS_SVC_GET_NVL_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_nvl_attr_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert(r.deletable);
	ck_assert_int_eq(mms_varlist_next(&r.vars, &v, &e), 1);
	ck_assert_int_eq(v.n_alt, 1);
	ck_assert_str_eq(v.alt[0].component, "a");

	ck_assert_int_eq(answer(nolist, sizeof(nolist), 8, MMS_SVC_GET_NVL_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_nvl_attr_decode(p.body, p.body_len, &r, &e), -EBADMSG);
	ck_assert_int_eq(answer(notseq, sizeof(notseq), 8, MMS_SVC_GET_NVL_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_nvl_attr_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_int_eq(mms_varlist_next(&r.vars, &v, &e), -EBADMSG);
}
END_TEST

/* ---- TypeSpecification ---- */

static struct mms_typespec *ts(const uint8_t *p, size_t n, const struct mms_typespec_limits *lim,
			       int expect, struct proto_err *e)
{
	struct ber_cur c;
	struct ber_tlv t;
	struct mms_typespec *out = (struct mms_typespec *)1;
	const uint8_t *d = exact(p, n);
	ber_cur_init(&c, d, n);
	ck_assert_int_eq(ber_next(&c, &t, e), 0);
	int r = mms_typespec_decode(&c, &t, lim, &out, e);
	ck_assert_msg(r == expect, "decode %d, expected %d (%s)", r, expect, e->reason);
	if (r)
		ck_assert_ptr_null(out);
	return out;
}
#define TS(lim, expect, ...)                                                                    \
	({                                                                                      \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		ts(in_, sizeof(in_), lim, expect, &e);                                          \
	})

/* SEQUENCE { componentName, componentType } */
#define COMP(type, ...) T(0x30, T(0x80, __VA_ARGS__), T(0xA1, type))
START_TEST(typespec_basic)
{
	struct proto_err e = { 0 };
	char s[64];
	struct mms_typespec *t;

	t = TS(NULL, 0, 0x83, 0x00);
	ck_assert_int_eq(t->type, MMS_TYPE_BOOLEAN);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "boolean");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x84, 0x01, 0x0D);
	ck_assert_int_eq(t->size, 13);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "bit-string(13)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x85, 0x01, 0x20);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "int32");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x86, 0x01, 0x08);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "uint8");
	mms_typespec_free(t);
	t = TS(NULL, 0, T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08));
	ck_assert_int_eq(t->size, 32);
	ck_assert_int_eq(t->exp_width, 8);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "float32");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x89, 0x01, 0xC0);
	ck_assert_int_eq(t->size, -64);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "octet-string(max 64)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x8A, 0x02, 0xFF, 0x01);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "visible-string(max 255)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x8B, 0x00);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "generalized-time");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x8C, 0x01, 0xFF);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "binary-time(date)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x8D, 0x01, 0x04);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "bcd(4)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x8F, 0x00);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "objid");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x90, 0x02, 0xFF, 0x01);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "mms-string(max 255)");
	mms_typespec_free(t);
	t = TS(NULL, 0, 0x91, 0x00);
	ck_assert_str_eq(mms_typespec_str(t, s, sizeof(s)), "utc-time");
	mms_typespec_free(t);

	/* refusals */
	TS(NULL, -EBADMSG, T(0xA0, 0x80, 0x01, 'X')); /* typeName */
	ck_assert_ptr_nonnull(strstr(e.reason, "typeName"));
	TS(NULL, -EBADMSG, 0x83, 0x01, 0x00);	/* boolean with contents */
	TS(NULL, -EBADMSG, 0x85, 0x02, 0x01, 0x00); /* integer width 256 */
	TS(NULL, -EBADMSG, 0x88, 0x00);		/* no [8] */
	TS(NULL, -EBADMSG, 0x92, 0x00);		/* beyond utc-time */
	TS(NULL, -EBADMSG, 0x04, 0x01, 0x0D);	/* universal class */
	TS(NULL, -EBADMSG, T(0xA7, 0x02, 0x01, 0x20)); /* float without exponent width */
	TS(NULL, -EBADMSG, T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08, 0x05, 0x00));
}
END_TEST

START_TEST(typespec_tree)
{
	struct proto_err e = { 0 };
	char s[64];
	/* LLN0-like: ST { Mod { stVal int8, q, t } }, plus an array of 3 float32 */
	struct mms_typespec *t = TS(NULL, 0,
		T(0xA2, T(0xA1,
			COMP(T(0xA2, T(0xA1, COMP(T(0xA2, T(0xA1,
				COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'),
				COMP(T(0x84, 0x0D), 'q'), COMP(T0(0x91), 't'))), 'M', 'o', 'd'))),
			     'S', 'T'),
			COMP(T(0xA1, 0x81, 0x01, 0x03, T(0xA2, T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08))),
			     'a', 'r', 'r'),
			T(0x30, T(0xA1, T0(0x83))))));
	ck_assert_int_eq(t->type, MMS_TYPE_STRUCTURE);
	ck_assert_int_eq(t->n, 3);
	ck_assert_ptr_null(t->name);
	const struct mms_typespec *st = mms_typespec_component(t, "ST");
	ck_assert_ptr_nonnull(st);
	const struct mms_typespec *mod = mms_typespec_component(st, "Mod");
	ck_assert_ptr_nonnull(mod);
	ck_assert_int_eq(mod->n, 3);
	ck_assert_str_eq(mod->comp[0].name, "stVal");
	ck_assert_str_eq(mms_typespec_str(&mod->comp[0], s, sizeof(s)), "int8");
	ck_assert_str_eq(mod->comp[1].name, "q");
	ck_assert_int_eq(mod->comp[2].type, MMS_TYPE_UTC_TIME);
	const struct mms_typespec *arr = mms_typespec_component(t, "arr");
	ck_assert_int_eq(arr->type, MMS_TYPE_ARRAY);
	ck_assert_int_eq(arr->n, 3);
	ck_assert_str_eq(mms_typespec_str(arr, s, sizeof(s)), "array[3]");
	ck_assert_str_eq(mms_typespec_str(arr->elem, s, sizeof(s)), "float32");
	ck_assert_ptr_null(t->comp[2].name); /* componentName is OPTIONAL */
	ck_assert_int_eq(t->comp[2].type, MMS_TYPE_BOOLEAN);
	ck_assert_ptr_null(mms_typespec_component(t, "MX"));
	ck_assert_ptr_null(mms_typespec_component(mod->comp, "x"));
	mms_typespec_free(t);

	/* packed flags and an empty structure */
	t = TS(NULL, 0, T(0xA2, 0x80, 0x01, 0xFF, T0(0xA1)));
	ck_assert(t->packed);
	ck_assert_int_eq(t->n, 0);
	mms_typespec_free(t);
	t = TS(NULL, 0, T(0xA1, 0x80, 0x01, 0x00, 0x81, 0x01, 0x02, T(0xA2, T0(0x83))));
	ck_assert_int_eq(t->n, 2);
	ck_assert_int_eq(t->elem->type, MMS_TYPE_BOOLEAN);
	mms_typespec_free(t);

	/* malformed structures and arrays */
	TS(NULL, -EBADMSG, T0(0xA2));
	TS(NULL, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T(0x80, 'x')))));	/* no type */
	TS(NULL, -EBADMSG, T(0xA2, T(0xA1, T(0x31, T(0xA1, T0(0x83))))));	/* not a SEQUENCE */
	TS(NULL, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T(0x80, 0x01), T(0xA1, T0(0x83)))))); /* name */
	TS(NULL, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T(0xA1, T0(0x83), T0(0x83)))))); /* two types */
	TS(NULL, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T0(0xA1)))));		/* empty type */
	TS(NULL, -EBADMSG, T(0xA1, 0x81, 0x01, 0x02));			/* no elementType */
	TS(NULL, -EBADMSG, T(0xA1, T(0xA2, T0(0x83))));			/* no count */
	TS(NULL, -EBADMSG, T(0xA1, 0x81, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, T(0xA2, T0(0x83))));
	TS(NULL, -EBADMSG, T(0xA1, 0x81, 0x01, 0x02, T(0xA2, T0(0x83)), 0x83, 0x00));
}
END_TEST

START_TEST(typespec_limits)
{
	struct proto_err e = { 0 };
	struct mms_typespec_limits lim = { .max_depth = 3, .max_nodes = 4 };
	struct mms_typespec *t;

	/* depth: struct { struct { boolean } } is 3 levels */
	t = TS(&lim, 0, T(0xA2, T(0xA1, T(0x30, T(0xA1, T(0xA2, T(0xA1, T(0x30, T(0xA1, T0(0x83))))))))));
	mms_typespec_free(t);
	TS(&lim, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T(0xA1, T(0xA2, T(0xA1, T(0x30, T(0xA1,
		T(0xA2, T(0xA1, T(0x30, T(0xA1, T0(0x83))))))))))))));
	ck_assert_ptr_nonnull(strstr(e.reason, "deeper than 3"));
	/* arrays count too */
	TS(&lim, -EBADMSG, T(0xA1, 0x81, 0x01, 0x01, T(0xA2, T(0xA1, 0x81, 0x01, 0x01,
		T(0xA2, T(0xA1, 0x81, 0x01, 0x01, T(0xA2, T0(0x83))))))));

	/* nodes: a structure of 3 booleans is 4 nodes, of 4 is 5 */
	t = TS(&lim, 0, T(0xA2, T(0xA1, T(0x30, T(0xA1, T0(0x83))), T(0x30, T(0xA1, T0(0x83))),
				  T(0x30, T(0xA1, T0(0x83))))));
	mms_typespec_free(t);
	TS(&lim, -EBADMSG, T(0xA2, T(0xA1, T(0x30, T(0xA1, T0(0x83))), T(0x30, T(0xA1, T0(0x83))),
				     T(0x30, T(0xA1, T0(0x83))), T(0x30, T(0xA1, T0(0x83))))));
	ck_assert_ptr_nonnull(strstr(e.reason, "more than 4 nodes"));

	/* the BER depth limit holds whatever the TypeSpecification limit says */
	struct mms_typespec_limits deep = { .max_depth = 1000, .max_nodes = 1000 };
	uint8_t nest[400];
	size_t k = 0, levels = 14;
	/* innermost first, built backwards: boolean, then wrap 20 times */
	uint8_t tmp[400];
	size_t n = 0;
	tmp[n++] = 0x83;
	tmp[n++] = 0x00;
	for (size_t i = 0; i < levels; i++) {
		/* A2 { A1 { 30 { A1 { inner } } } } */
		k = 0;
		nest[k++] = 0xA2; nest[k++] = (uint8_t)(n + 6);
		nest[k++] = 0xA1; nest[k++] = (uint8_t)(n + 4);
		nest[k++] = 0x30; nest[k++] = (uint8_t)(n + 2);
		nest[k++] = 0xA1; nest[k++] = (uint8_t)n;
		memcpy(nest + k, tmp, n);
		n += 8;
		memcpy(tmp, nest, n);
	}
	ck_assert_int_lt(n, 128);
	ck_assert_ptr_null(ts(tmp, n, &deep, -EBADMSG, &e));
	ck_assert_ptr_nonnull(strstr(e.reason, "nesting deeper"));

	/* truncation at every length is refused, never read past */
	static const uint8_t whole[] = { T(0xA2, T(0xA1,
		COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'), COMP(T(0x84, 0x0D), 'q'),
		COMP(T(0xA1, 0x81, 0x01, 0x02, T(0xA2, T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08))), 'a'))) };
	for (size_t cut = 1; cut < sizeof(whole); cut++) {
		struct ber_cur c;
		struct ber_tlv tl;
		const uint8_t *d = exact(whole, cut);
		ber_cur_init(&c, d, cut);
		if (ber_next(&c, &tl, &e) == 0) {
			/* a shorter outer length: the contents are cut instead */
			ck_abort_msg("cut %zu decoded as a TLV", cut);
		}
		/* and with the outer length fixed up so the cut lands inside */
		uint8_t fix[sizeof(whole)];
		memcpy(fix, whole, cut);
		fix[1] = (uint8_t)(cut - 2);
		if (cut >= 2) {
			d = exact(fix, cut);
			ber_cur_init(&c, d, cut);
			ck_assert_int_eq(ber_next(&c, &tl, &e), 0);
			t = (struct mms_typespec *)1;
			int r = mms_typespec_decode(&c, &tl, NULL, &t, &e);
			ck_assert_msg(r == -EBADMSG, "cut %zu: %d", cut, r);
			ck_assert_ptr_null(t);
		}
	}
	t = ts(whole, sizeof(whole), NULL, 0, &e);
	mms_typespec_free(t);
}
END_TEST

START_TEST(gvaa_resp)
{
	static const uint8_t ok[] = { T(0xA1, 0x02, 0x01, 0x03, T(0xA6, 0x80, 0x01, 0x00,
		T(0xA2, T(0xA2, T(0xA1, COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'),
				       COMP(T(0x84, 0x0D), 'q'), COMP(T0(0x91), 't')))))) };
	static const uint8_t addr[] = { T(0xA1, 0x02, 0x01, 0x03, T(0xA6, 0x80, 0x01, 0xFF,
		T(0xA1, 0x80, 0x01, 0x05), T(0xA2, T0(0x83)), 0x83, 0x01, 'x')) };
	static const uint8_t notype[] = { T(0xA1, 0x02, 0x01, 0x03, T(0xA6, 0x80, 0x01, 0x00)) };
	static const uint8_t two[] = { T(0xA1, 0x02, 0x01, 0x03, T(0xA6, 0x80, 0x01, 0x00, T(0xA2, T0(0x83), T0(0x83)))) };
	struct mms_pdu p;
	struct proto_err e = { 0 };
	struct mms_typespec *t;
	bool del;

	ck_assert_int_eq(answer(ok, sizeof(ok), 3, MMS_SVC_GET_VAR_ACCESS_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_gvaa_decode(p.body, p.body_len, NULL, &del, &t, &e), 0);
	ck_assert(!del);
	ck_assert_int_eq(t->n, 3);
	ck_assert_str_eq(t->comp[2].name, "t");
	mms_typespec_free(t);

	ck_assert_int_eq(answer(addr, sizeof(addr), 3, MMS_SVC_GET_VAR_ACCESS_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_gvaa_decode(p.body, p.body_len, NULL, &del, &t, &e), 0);
	ck_assert(del);
	ck_assert_int_eq(t->type, MMS_TYPE_BOOLEAN);
	mms_typespec_free(t);

	ck_assert_int_eq(answer(notype, sizeof(notype), 3, MMS_SVC_GET_VAR_ACCESS_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_gvaa_decode(p.body, p.body_len, NULL, &del, &t, &e), -EBADMSG);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(answer(two, sizeof(two), 3, MMS_SVC_GET_VAR_ACCESS_ATTR, &p, NULL, &e), 0);
	ck_assert_int_eq(mms_client_gvaa_decode(p.body, p.body_len, NULL, &del, &t, &e), -EBADMSG);
}
END_TEST

/* ---- Data to text and JSON ---- */

static char out_s[4096];
static const char *fmtd(const uint8_t *p, size_t n, const struct mms_typespec *t, enum mms_fmt f)
{
	struct buf b;
	struct proto_err e = { 0 };
	buf_init(&b, 0, 0);
	int r = mms_data_format(&b, exact(p, n), n, t, f, &e);
	if (r)
		snprintf(out_s, sizeof(out_s), "ERR %s: %s", e.layer, e.reason);
	else
		snprintf(out_s, sizeof(out_s), "%.*s", (int)b.len, (const char *)buf_data(&b));
	buf_clear(&b);
	return out_s;
}
#define TEXT(type, expect, ...)                                                                 \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		ck_assert_str_eq(fmtd(in_, sizeof(in_), type, MMS_FMT_TEXT), expect);           \
	} while (0)
#define JSON(type, expect, ...)                                                                 \
	do {                                                                                    \
		static const uint8_t in_[] = { __VA_ARGS__ };                                   \
		ck_assert_str_eq(fmtd(in_, sizeof(in_), type, MMS_FMT_JSON), expect);           \
	} while (0)
#define BOTH(text, json, ...)                                                                   \
	do {                                                                                    \
		TEXT(NULL, text, __VA_ARGS__);                                                  \
		JSON(NULL, json, __VA_ARGS__);                                                  \
	} while (0)

START_TEST(data_basic)
{
	BOTH("true", "true", 0x83, 0x01, 0xFF);
	BOTH("false", "false", 0x83, 0x01, 0x00);
	BOTH("0000000000000", "\"0000000000000\"", 0x84, 0x03, 0x03, 0x00, 0x00);
	BOTH("0100000000001", "\"0100000000001\"", 0x84, 0x03, 0x03, 0x40, 0x08);
	BOTH("", "\"\"", 0x84, 0x01, 0x00);
	BOTH("-5", "-5", 0x85, 0x01, 0xFB);
	BOTH("-9223372036854775808", "-9223372036854775808", 0x85, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0);
	BOTH("200", "200", 0x86, 0x02, 0x00, 0xC8);
	BOTH("18446744073709551615", "18446744073709551615", 0x86, 0x09, 0x00, 0xFF, 0xFF, 0xFF,
	     0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
	BOTH("1.5", "1.5", 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00);
	BOTH("0.1", "0.1", 0x87, 0x05, 0x08, 0x3D, 0xCC, 0xCC, 0xCD);
	BOTH("-0.1", "-0.1", 0x87, 0x09, 0x0B, 0xBF, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A);
	BOTH("nan", "\"nan\"", 0x87, 0x05, 0x08, 0x7F, 0xC0, 0x00, 0x00);
	BOTH("-inf", "\"-inf\"", 0x87, 0x05, 0x08, 0xFF, 0x80, 0x00, 0x00);
	BOTH("00ff10", "\"00ff10\"", 0x89, 0x03, 0x00, 0xFF, 0x10);
	BOTH("iedd \"x\"", "\"iedd \\\"x\\\"\"", 0x8A, 0x08, 'i', 'e', 'd', 'd', ' ', '"', 'x', '"');
	BOTH("a\\x0ab\\x5c", "\"a\\u000ab\\\\\"", 0x8A, 0x04, 'a', '\n', 'b', '\\');
	BOTH("20261124100000.000Z", "\"20261124100000.000Z\"", 0x8B, 0x13, '2', '0', '2', '6',
	     '1', '1', '2', '4', '1', '0', '0', '0', '0', '0', '.', '0', '0', '0', 'Z');
	/* TimeOfDay: 10:00:00.250; with days since 1984: 2026-11-24 */
	BOTH("10:00:00.250", "\"10:00:00.250\"", 0x8C, 0x04, 0x02, 0x25, 0x51, 0xFA);
	BOTH("2026-11-24T10:00:00.250Z", "\"2026-11-24T10:00:00.250Z\"", 0x8C, 0x06, 0x02, 0x25,
	     0x51, 0xFA, 0x3D, 0x34);
	BOTH("1234", "1234", 0x8D, 0x02, 0x04, 0xD2);
	BOTH("101", "\"101\"", 0x8E, 0x02, 0x05, 0xA0);
	BOTH("1.0.9506.2.1", "\"1.0.9506.2.1\"", 0x8F, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x01);
	/* MMS string: UTF-8 passes, a bad octet is escaped or replaced */
	BOTH("Gr\xc3\xbc\xc3\x9f" "e", "\"Gr\xc3\xbc\xc3\x9f" "e\"", 0x90, 0x07, 'G', 'r', 0xC3,
	     0xBC, 0xC3, 0x9F, 'e');
	BOTH("a\\xffb", "\"a\\ufffdb\"", 0x90, 0x03, 'a', 0xFF, 'b');
	BOTH("a\\xc3", "\"a\\ufffd\"", 0x90, 0x02, 'a', 0xC3);
	/* UtcTime 2026-11-24T10:00:00 with a fraction of 0.5 and 0.123 s */
	BOTH("2026-11-24T10:00:00.500Z", "\"2026-11-24T10:00:00.500Z\"", 0x91, 0x08, 0x6B, 0x05,
	     0x60, 0x20, 0x80, 0x00, 0x00, 0x00);
	BOTH("2026-11-24T10:00:00.123Z q=0x0a (accuracy 10 bits)",
	     "\"2026-11-24T10:00:00.123Z\"", 0x91, 0x08, 0x6B,
	     0x05, 0x60, 0x20, 0x1F, 0x7C, 0xEE, 0x0A);
	/* a fraction that rounds up to the next second */
	BOTH("2026-11-24T10:00:01.000Z", "\"2026-11-24T10:00:01.000Z\"", 0x91, 0x08, 0x6B, 0x05,
	     0x60, 0x20, 0xFF, 0xFF, 0xFF, 0x00);
	BOTH("1970-01-01T00:00:00.000Z", "\"1970-01-01T00:00:00.000Z\"", 0x91, 0x08, 0, 0, 0, 0,
	     0, 0, 0, 0);

	/* refusals name the layer */
	TEXT(NULL, "ERR mms: BOOLEAN of 2 octets", 0x83, 0x02, 0x00, 0x00);
	TEXT(NULL, "ERR mms: unknown Data [8]", 0x88, 0x00);
	TEXT(NULL, "ERR mms: UtcTime of 7 octets, 8 expected", 0x91, 0x07, 0, 0, 0, 0, 0, 0, 0);
	TEXT(NULL, "ERR mms: Data [3] is constructed", 0xA3, 0x00);
	TEXT(NULL, "ERR mms: Data is not context-specific", 0x01, 0x01, 0x00);
	TEXT(NULL, "ERR mms: octets after the Data", 0x83, 0x01, 0x00, 0x00);
	TEXT(NULL, "ERR mms: INTEGER of 9 octets does not fit 64 bits", 0x85, 0x09, 0, 0, 0, 0,
	     0, 0, 0, 0, 1);
	TEXT(NULL, "ERR mms: negative value for an unsigned INTEGER", 0x86, 0x01, 0xFF);
}
END_TEST

START_TEST(data_constructed)
{
	struct proto_err e = { 0 };
	/* Mod: stVal int8, q bit-string(13), t utc-time */
	struct mms_typespec *mod = TS(NULL, 0, T(0xA2, T(0xA1,
		COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'), COMP(T(0x84, 0x0D), 'q'),
		COMP(T0(0x91), 't'))));
#define MOD_VALUE                                                                               \
	T(0xA2, 0x85, 0x01, 0x01, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x6B, 0x05, 0x60,  \
	  0x20, 0x00, 0x00, 0x00, 0x0A)
	TEXT(mod, "stVal: 1\nq: good (0000000000000)\n"
		  "t: 2026-11-24T10:00:00.000Z q=0x0a (accuracy 10 bits)", MOD_VALUE);
	JSON(mod, "{\"stVal\":1,\"q\":\"0000000000000\",\"qText\":\"good\","
		  "\"t\":\"2026-11-24T10:00:00.000Z\",\"tQuality\":10,\"tText\":\"accuracy 10 bits\"}",
	     MOD_VALUE);
	/* Quality (fixed or varying 13 bits) and TimeQuality in words:
	 * questionable|test (11 ... bit 11), invalid|oldData; LeapSecondsKnown,
	 * ClockNotSynchronized, accuracy unspecified (0xbf) */
	struct mms_typespec *qv = TS(NULL, 0, T(0xA2, T(0xA1, COMP(T(0x84, 0xF3), 'q'),
		COMP(T0(0x91), 't'))));
	TEXT(qv, "q: questionable|test (1100000000010)\nt: 2026-11-24T10:00:00.000Z q=0xbf "
		 "(LeapSecondsKnown|ClockNotSynchronized|accuracy unspecified)",
	     T(0xA2, 0x84, 0x03, 0x03, 0xC0, 0x10, 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x00,
	       0x00, 0x00, 0xBF));
	TEXT(mod, "stVal: 1\nq: invalid|oldData (0100000100000)\nt: 2026-11-24T10:00:00.000Z",
	     T(0xA2, 0x85, 0x01, 0x01, 0x84, 0x03, 0x03, 0x41, 0x00, 0x91, 0x08, 0x6B, 0x05,
	       0x60, 0x20, 0x00, 0x00, 0x00, 0x00));
	/* Dbpos: stVal bit-string(2), fixed or varying */
	struct mms_typespec *pos = TS(NULL, 0, T(0xA2, T(0xA1,
		COMP(T(0x84, 0x02), 's', 't', 'V', 'a', 'l'))));
	struct mms_typespec *posv = TS(NULL, 0, T(0xA2, T(0xA1,
		COMP(T(0x84, 0xFE), 's', 't', 'V', 'a', 'l'))));
	JSON(qv, "{\"q\":\"1100000000010\",\"qText\":\"questionable|test\","
		 "\"t\":\"2026-11-24T10:00:00.000Z\",\"tQuality\":191,"
		 "\"tText\":\"LeapSecondsKnown|ClockNotSynchronized|accuracy unspecified\"}",
	     T(0xA2, 0x84, 0x03, 0x03, 0xC0, 0x10, 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x00,
	       0x00, 0x00, 0xBF));
	TEXT(pos, "stVal: on (10)", T(0xA2, 0x84, 0x02, 0x06, 0x80));
	TEXT(posv, "stVal: off (01)", T(0xA2, 0x84, 0x02, 0x06, 0x40));
	TEXT(pos, "stVal: intermediate (00)", T(0xA2, 0x84, 0x02, 0x06, 0x00));
	TEXT(pos, "stVal: bad (11)", T(0xA2, 0x84, 0x02, 0x06, 0xC0));
	JSON(pos, "{\"stVal\":\"10\",\"stValText\":\"on\"}", T(0xA2, 0x84, 0x02, 0x06, 0x80));
	mms_typespec_free(qv);
	mms_typespec_free(pos);
	mms_typespec_free(posv);
	/* without a type there are no names */
	TEXT(NULL, "[0]: 1\n[1]: 0000000000000\n"
		   "[2]: 2026-11-24T10:00:00.000Z q=0x0a (accuracy 10 bits)",
	     MOD_VALUE);
	JSON(NULL, "[1,\"0000000000000\",\"2026-11-24T10:00:00.000Z\"]", MOD_VALUE);
	/* a value of another shape than the type: names where they fit, array in JSON */
	TEXT(mod, "stVal: 1\nq: 2", T(0xA2, 0x85, 0x01, 0x01, 0x85, 0x01, 0x02));
	JSON(mod, "[1,2]", T(0xA2, 0x85, 0x01, 0x01, 0x85, 0x01, 0x02));
	TEXT(mod, "[0]: true", T(0xA1, 0x83, 0x01, 0xFF));
	/* empty ones */
	BOTH("{}", "[]", T0(0xA2));
	BOTH("[]", "[]", T0(0xA1));

	/* nested: ST { Mod {...}, arr [ 3 floats ] } */
	struct mms_typespec *st = TS(NULL, 0, T(0xA2, T(0xA1,
		COMP(T(0xA2, T(0xA1, COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'),
			       COMP(T(0x84, 0x0D), 'q'), COMP(T0(0x91), 't'))), 'M', 'o', 'd'),
		COMP(T(0xA1, 0x81, 0x01, 0x02, T(0xA2, T(0xA2, T(0xA1, COMP(T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08), 'm', 'a', 'g'),
				COMP(T0(0x83), 'o', 'k'))))), 'a', 'r', 'r'),
		COMP(T(0xA2, T0(0xA1)), 'e'))));
#define ST_VALUE                                                                                \
	T(0xA2, MOD_VALUE,                                                                      \
	  T(0xA1, T(0xA2, 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00, 0x83, 0x01, 0x00),          \
		  T(0xA2, 0x87, 0x05, 0x08, 0xC0, 0x00, 0x00, 0x00, 0x83, 0x01, 0x01)),         \
	  T0(0xA2))
	TEXT(st, "Mod.stVal: 1\nMod.q: good (0000000000000)\n"
		 "Mod.t: 2026-11-24T10:00:00.000Z q=0x0a (accuracy 10 bits)\n"
		 "arr[0].mag: 1.5\narr[0].ok: false\narr[1].mag: -2\narr[1].ok: true\ne: {}",
	     ST_VALUE);
	JSON(st, "{\"Mod\":{\"stVal\":1,\"q\":\"0000000000000\",\"qText\":\"good\","
		 "\"t\":\"2026-11-24T10:00:00.000Z\",\"tQuality\":10,\"tText\":\"accuracy 10 bits\"},"
		 "\"arr\":[{\"mag\":1.5,\"ok\":false},{\"mag\":-2,\"ok\":true}],\"e\":{}}",
	     ST_VALUE);
	/* a bad leaf deep inside fails the whole value */
	TEXT(st, "ERR mms: BOOLEAN of 0 octets",
	     T(0xA2, MOD_VALUE, T(0xA1, T(0xA2, 0x87, 0x05, 0x08, 0, 0, 0, 0, 0x83, 0x00))));
	mms_typespec_free(st);
	mms_typespec_free(mod);

	/* nesting beyond the BER depth limit is refused, not recursed into */
	uint8_t deep[2 * 60 + 3], tmp[sizeof(deep)];
	size_t n = 3;
	memcpy(tmp, (const uint8_t[]){ 0x83, 0x01, 0xFF }, 3);
	for (int i = 0; i < 60; i++) {
		deep[0] = 0xA2;
		deep[1] = (uint8_t)n;
		memcpy(deep + 2, tmp, n);
		n += 2;
		memcpy(tmp, deep, n);
	}
	ck_assert_ptr_nonnull(strstr(fmtd(deep, n, NULL, MMS_FMT_JSON), "nesting deeper"));
}
END_TEST

/* A value read on its own: the words iedc puts beside "value" in JSON */
START_TEST(data_words_alone)
{
	static const uint8_t t_bf[] = { 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0, 0, 0, 0xBF };
	static const uint8_t q_bad[] = { 0x84, 0x03, 0x03, 0x41, 0x00 };
	static const uint8_t pos_on[] = { 0x84, 0x02, 0x06, 0x80 };
	static const uint8_t i8[] = { 0x85, 0x01, 0x01 };
	static const uint8_t short_time[] = { 0x91, 0x07, 0, 0, 0, 0, 0, 0, 0 };
	char w[200];
	int tq = 7;
	ck_assert(mms_data_words(t_bf, sizeof(t_bf), NULL, &tq, w, sizeof(w)));
	ck_assert_int_eq(tq, 0xBF);
	ck_assert_str_eq(w, "LeapSecondsKnown|ClockNotSynchronized|accuracy unspecified");
	/* Quality and Dbpos are known by their component name and size */
	struct mms_typespec q = { .type = MMS_TYPE_BIT_STRING, .name = "q", .size = -13 };
	ck_assert(mms_data_words(q_bad, sizeof(q_bad), &q, &tq, w, sizeof(w)));
	ck_assert_int_eq(tq, -1);
	ck_assert_str_eq(w, "invalid|oldData");
	struct mms_typespec pos = { .type = MMS_TYPE_BIT_STRING, .name = "stVal", .size = 2 };
	ck_assert(mms_data_words(pos_on, sizeof(pos_on), &pos, &tq, w, sizeof(w)));
	ck_assert_str_eq(w, "on");
	/* the same bits under another name, an integer, a bad time: no words */
	ck_assert(!mms_data_words(q_bad, sizeof(q_bad), NULL, &tq, w, sizeof(w)));
	ck_assert(!mms_data_words(i8, sizeof(i8), NULL, &tq, w, sizeof(w)));
	ck_assert(!mms_data_words(short_time, sizeof(short_time), NULL, &tq, w, sizeof(w)));
	ck_assert(!mms_data_words(t_bf, sizeof(t_bf) - 1, NULL, &tq, w, sizeof(w)));
}
END_TEST

/* ---- text to Data ---- */

static struct mms_typespec *ty_of(const uint8_t *p, size_t n)
{
	struct proto_err e = { 0 };
	return ts(p, n, NULL, 0, &e);
}
#define TY(...) ({ static const uint8_t in_[] = { __VA_ARGS__ }; ty_of(in_, sizeof(in_)); })

#define PARSES(t, s, ...)                                                                       \
	do {                                                                                    \
		static const uint8_t exp_[] = { __VA_ARGS__ };                                  \
		struct buf b_;                                                                  \
		struct proto_err e_ = { 0 };                                                    \
		buf_init(&b_, 0, 0);                                                            \
		int r_ = mms_data_parse(&b_, t, s, &e_);                                        \
		ck_assert_msg(r_ == 0, "'%s': %s", s, e_.reason);                               \
		ck_assert_buf(&b_, exp_);                                                       \
		buf_clear(&b_);                                                                 \
	} while (0)
#define REFUSED(t, s, why)                                                                      \
	do {                                                                                    \
		struct buf b_;                                                                  \
		struct proto_err e_ = { 0 };                                                    \
		buf_init(&b_, 0, 0);                                                            \
		ck_assert_int_eq(mms_data_parse(&b_, t, s, &e_), -EINVAL);                      \
		ck_assert_str_eq(e_.layer, "value");                                            \
		ck_assert_msg(strstr(e_.reason, why), "'%s': reason '%s' lacks '%s'", s,       \
			      e_.reason, why);                                                  \
		buf_clear(&b_);                                                                 \
	} while (0)

START_TEST(parse_values)
{
	struct mms_typespec *t;

	t = TY(0x83, 0x00);
	PARSES(t, "true", 0x83, 0x01, 0xFF);
	PARSES(t, "0", 0x83, 0x01, 0x00);
	REFUSED(t, "yes", "not a boolean");
	mms_typespec_free(t);

	t = TY(0x85, 0x01, 0x08);
	PARSES(t, "42", 0x85, 0x01, 0x2A);
	PARSES(t, "-128", 0x85, 0x01, 0x80);
	REFUSED(t, "128", "outside the range of int8");
	REFUSED(t, "4x", "not an integer");
	REFUSED(t, "", "not an integer");
	mms_typespec_free(t);
	t = TY(0x85, 0x01, 0x40);
	PARSES(t, "-9223372036854775808", 0x85, 0x08, 0x80, 0, 0, 0, 0, 0, 0, 0);
	REFUSED(t, "9223372036854775808", "does not fit 64 bits");
	mms_typespec_free(t);

	t = TY(0x86, 0x01, 0x20);
	PARSES(t, "4294967295", 0x86, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF);
	REFUSED(t, "4294967296", "outside the range of uint32");
	REFUSED(t, "18446744073709551616", "does not fit 64 bits");
	REFUSED(t, "1x", "not an unsigned integer");
	REFUSED(t, "-1", "not an unsigned integer");
	mms_typespec_free(t);

	t = TY(T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08));
	PARSES(t, "1.5", 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00);
	PARSES(t, "0.1", 0x87, 0x05, 0x08, 0x3D, 0xCC, 0xCC, 0xCD);
	REFUSED(t, "1e39", "does not fit float32");
	REFUSED(t, "1,5", "not a number");
	mms_typespec_free(t);
	t = TY(T(0xA7, 0x02, 0x01, 0x40, 0x02, 0x01, 0x0B));
	PARSES(t, "-0.1", 0x87, 0x09, 0x0B, 0xBF, 0xB9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9A);
	mms_typespec_free(t);

	t = TY(0x84, 0x01, 0x0D);
	PARSES(t, "0100000000001", 0x84, 0x03, 0x03, 0x40, 0x08);
	REFUSED(t, "01", "2 bits, the type has exactly 13");
	REFUSED(t, "010000000000x", "binary digits");
	mms_typespec_free(t);
	t = TY(0x84, 0x01, 0xFA); /* variable, up to 6 */
	PARSES(t, "011", 0x84, 0x02, 0x05, 0x60);
	REFUSED(t, "0000000", "at most 6");
	mms_typespec_free(t);

	t = TY(0x89, 0x01, 0xF8); /* up to 8 octets */
	PARSES(t, "00fF10", 0x89, 0x03, 0x00, 0xFF, 0x10);
	PARSES(t, "", 0x89, 0x00);
	REFUSED(t, "0", "pairs of hex");
	REFUSED(t, "0g", "pairs of hex");
	REFUSED(t, "000000000000000000", "at most 8");
	mms_typespec_free(t);

	t = TY(0x8A, 0x01, 0xFB); /* up to 5 characters */
	PARSES(t, "iedd", 0x8A, 0x04, 'i', 'e', 'd', 'd');
	REFUSED(t, "iedd12", "6 characters, the type allows at most 5");
	REFUSED(t, "\xc3\xbc", "printable ASCII");
	mms_typespec_free(t);
	t = TY(0x90, 0x01, 0xFD); /* up to 3 characters, UTF-8 */
	PARSES(t, "\xc3\xbc\xc3\x9f" "e", 0x90, 0x05, 0xC3, 0xBC, 0xC3, 0x9F, 'e');
	REFUSED(t, "abcd", "at most 3");
	REFUSED(t, "\xc3", "not valid UTF-8");
	mms_typespec_free(t);

	t = TY(0x91, 0x00);
	PARSES(t, "2026-11-24T10:00:00.000Z", 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0, 0, 0, 0);
	PARSES(t, "2026-11-24T10:00:00.5Z", 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x80, 0, 0, 0);
	PARSES(t, "2026-11-24T10:00:00.123Z q=0x0a", 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x1F,
	       0x7C, 0xEE, 0x0A);
	PARSES(t, "2026-11-24T10:00:00+00:00", 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0, 0, 0, 0);
	REFUSED(t, "2026-11-24 10:00", "not a UTC time");
	REFUSED(t, "2026-02-29T00:00:00Z", "not a UTC time");
	REFUSED(t, "2026-11-24T24:00:00Z", "not a UTC time");
	/* the words iedc prints after the octet are taken back (they restate it) */
	PARSES(t, "2026-11-24T10:00:00.123Z q=0x0a (accuracy 10 bits)", 0x91, 0x08, 0x6B, 0x05,
	       0x60, 0x20, 0x1F, 0x7C, 0xEE, 0x0A);
	REFUSED(t, "2026-11-24T10:00:00Z q=0x0a (accuracy", "q=0xNN");
	REFUSED(t, "2026-11-24T10:00:00Z q=0x0a x", "q=0xNN");
	REFUSED(t, "2026-11-24T10:00:00Z q=0x0", "q=0xNN");
	REFUSED(t, "1969-12-31T23:59:59Z", "outside 1970..2106");
	mms_typespec_free(t);

	t = TY(0x8C, 0x01, 0xFF);
	PARSES(t, "2026-11-24T10:00:00.250Z", 0x8C, 0x06, 0x02, 0x25, 0x51, 0xFA, 0x3D, 0x34);
	REFUSED(t, "1983-12-31T00:00:00Z", "outside 1984");
	mms_typespec_free(t);
	t = TY(0x8C, 0x01, 0x00);
	PARSES(t, "10:00:00.250", 0x8C, 0x04, 0x02, 0x25, 0x51, 0xFA);
	REFUSED(t, "10:00", "time of day");
	mms_typespec_free(t);

	t = TY(0x8D, 0x01, 0x04);
	PARSES(t, "1234", 0x8D, 0x02, 0x04, 0xD2);
	REFUSED(t, "12345", "more than 4 digits");
	mms_typespec_free(t);
	t = TY(0x8F, 0x00);
	PARSES(t, "1.0.9506.2.1", 0x8F, 0x05, 0x28, 0xCA, 0x22, 0x02, 0x01);
	REFUSED(t, "1", "object identifier");
	REFUSED(t, "1..2", "object identifier");
	REFUSED(t, "1.2.", "object identifier");
	mms_typespec_free(t);
	t = TY(0x8B, 0x00);
	PARSES(t, "20261124100000Z", 0x8B, 0x0F, '2', '0', '2', '6', '1', '1', '2', '4', '1', '0',
	       '0', '0', '0', '0', 'Z');
	mms_typespec_free(t);

	t = TY(T(0xA2, T(0xA1, COMP(T0(0x83), 'a'))));
	REFUSED(t, "true", "names a structure");
	mms_typespec_free(t);
	t = TY(T(0xA1, 0x81, 0x01, 0x02, T(0xA2, T0(0x83))));
	REFUSED(t, "true", "names an array");
	mms_typespec_free(t);
}
END_TEST

/* What the printer writes, the parser reads back to the same octets. */
START_TEST(round_trip)
{
	static const struct {
		uint8_t ts[8];
		size_t ts_len;
		uint8_t data[12];
		size_t len;
	} cases[] = {
		{ { 0x91, 0x00 }, 2, { 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x1F, 0x7C, 0xEE, 0x0A }, 10 },
		{ { 0x91, 0x00 }, 2, { 0x91, 0x08, 0x6B, 0x05, 0x60, 0x20, 0x00, 0x41, 0x89, 0x00 }, 10 },
		{ { 0x84, 0x01, 0x0D }, 3, { 0x84, 0x03, 0x03, 0x40, 0x08 }, 5 },
		{ { 0x85, 0x01, 0x20 }, 3, { 0x85, 0x02, 0xFF, 0x00 }, 4 },
		{ { 0xA7, 0x06, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08 }, 8, { 0x87, 0x05, 0x08, 0x3D, 0xCC, 0xCC, 0xCD }, 7 },
		{ { 0x89, 0x01, 0xF8 }, 3, { 0x89, 0x02, 0xAB, 0xCD }, 4 },
		{ { 0x8C, 0x01, 0xFF }, 3, { 0x8C, 0x06, 0x02, 0x25, 0x51, 0xFA, 0x3D, 0x34 }, 8 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mms_typespec *t = ty_of(cases[i].ts, cases[i].ts_len);
		char text[256];
		snprintf(text, sizeof(text), "%s",
			 fmtd(cases[i].data, cases[i].len, t, MMS_FMT_TEXT));
		struct buf b;
		struct proto_err e = { 0 };
		buf_init(&b, 0, 0);
		ck_assert_msg(mms_data_parse(&b, t, text, &e) == 0, "%zu '%s': %s", i, text, e.reason);
		ck_assert_msg(b.len == cases[i].len && !memcmp(buf_data(&b), cases[i].data, b.len),
			      "case %zu '%s': %s", i, text, hex(buf_data(&b), b.len));
		buf_clear(&b);
		mms_typespec_free(t);
	}
}
END_TEST

/* ---- references ---- */

#define REF(in, dom_, item_)                                                                    \
	do {                                                                                    \
		struct mms_objname n_;                                                          \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_msg(mms_ref_parse(in, &n_, &e_) == 0, "%s: %s", in, e_.reason);       \
		ck_assert_int_eq(n_.scope, MMS_SCOPE_DOMAIN);                                   \
		ck_assert_str_eq(n_.domain, dom_);                                              \
		ck_assert_str_eq(n_.item, item_);                                               \
	} while (0)
#define BADREF(in, why)                                                                         \
	do {                                                                                    \
		struct mms_objname n_;                                                          \
		struct proto_err e_ = { 0 };                                                    \
		ck_assert_int_eq(mms_ref_parse(in, &n_, &e_), -EINVAL);                         \
		ck_assert_str_eq(e_.layer, "reference");                                        \
		ck_assert_msg(strstr(e_.reason, why), "%s: '%s' lacks '%s'", in, e_.reason,    \
			      why);                                                             \
	} while (0)
#define FMT(dom_, item_, expect)                                                                \
	do {                                                                                    \
		struct mms_objname n_ = dom(dom_, item_);                                       \
		char s_[300];                                                                   \
		ck_assert_str_eq(mms_ref_format(&n_, s_, sizeof(s_)), expect);                  \
	} while (0)

START_TEST(references)
{
	REF("IED1LD0/LLN0.Mod.stVal[ST]", "IED1LD0", "LLN0$ST$Mod$stVal");
	REF("IED1LD0/LLN0$ST$Mod$stVal", "IED1LD0", "LLN0$ST$Mod$stVal");
	REF("LD0/MMXU1.PhV.phsA.cVal.mag.f[MX]", "LD0", "MMXU1$MX$PhV$phsA$cVal$mag$f");
	REF("LD0/LLN0", "LD0", "LLN0");
	REF("LD0/LLN0[CF]", "LD0", "LLN0$CF");
	REF("LD0/LLN0$brcb01", "LD0", "LLN0$brcb01");
	BADREF("LLN0.Mod", "no logical device");
	BADREF("/LLN0", "no logical device");
	BADREF("LD0/", "no logical node");
	BADREF("LD0/LLN0.Mod.stVal", "needs its [FC]");
	BADREF("LD0/LLN0.Mod.stVal[XY]", "[XY] is not a functional constraint");
	BADREF("LD0/LLN0.Mod[ST].stVal", "goes last");
	BADREF("LD0/LLN0..Mod[ST]", "empty component");
	BADREF("LD0/LLN0.Mod.[ST]", "empty component");
	BADREF("LD0/LLN0$$Mod", "empty component");
	BADREF("LD0/LLN0.Mod(1)[ST]", "array elements");
	BADREF("LD0/LLN0$ST.Mod", "character '.'");
	BADREF("L D/LLN0", "0x20");

	char longref[300];
	memset(longref, 'a', sizeof(longref));
	memcpy(longref, "LD/", 3);
	longref[3 + 129] = 0;
	struct mms_objname n;
	ck_assert_int_eq(mms_ref_parse(longref, &n, NULL), 0);
	longref[3 + 129] = 'a';
	longref[3 + 130] = 0;
	BADREF(longref, "longer than 129");
	longref[10] = '$';
	BADREF(longref, "at most 129");
	memset(longref, 'd', 65);
	longref[65] = '/';
	longref[66] = 'X';
	longref[67] = 0;
	BADREF(longref, "at most 64");
	/* dotted: 126 characters plus "$ST" is 129 */
	memset(longref, 'a', sizeof(longref));
	memcpy(longref, "LD/", 3);
	memcpy(longref + 3 + 126, "[ST]", 5);
	longref[3 + 4] = '.';
	ck_assert_int_eq(mms_ref_parse(longref, &n, NULL), 0);
	ck_assert_int_eq(strlen(n.item), 129);
	longref[3 + 126] = 'a';
	memcpy(longref + 3 + 127, "[ST]", 5);
	BADREF(longref, "longer than 129");

	FMT("IED1LD0", "LLN0$ST$Mod$stVal", "IED1LD0/LLN0.Mod.stVal[ST]");
	FMT("LD0", "LLN0", "LD0/LLN0");
	FMT("LD0", "LLN0$CF", "LD0/LLN0[CF]");
	FMT("LD0", "LLN0$Events", "LD0/LLN0.Events");
	FMT("LD0", "LLN0$BR$brcb01$RptEna", "LD0/LLN0.brcb01.RptEna[BR]");
	struct mms_objname v = { .scope = MMS_SCOPE_VMD, .item = "X$Y" };
	char s[16];
	ck_assert_str_eq(mms_ref_format(&v, s, sizeof(s)), "X.Y");
	v.scope = MMS_SCOPE_AA;
	ck_assert_str_eq(mms_ref_format(&v, s, sizeof(s)), "@X.Y");
	/* truncated output stays terminated */
	struct mms_objname lng = dom("IED1LD0", "LLN0$ST$Mod$stVal");
	ck_assert_str_eq(mms_ref_format(&lng, s, 10), "IED1LD0/L");

	ck_assert(mms_is_fc("ST", 2));
	ck_assert(mms_is_fc("GO", 2));
	ck_assert(!mms_is_fc("XX", 2));
	ck_assert(!mms_is_fc("st", 2));
	ck_assert(!mms_is_fc("STX", 3));
}
END_TEST

/* Every single-octet corruption and every truncation of a type description
 * and of a value is either decoded or refused; never a crash, a leak or a
 * read outside the input (ASan and UBSan builds check that). */
START_TEST(mutations)
{
	static const uint8_t gvaa[] = { 0x80, 0x01, 0x00, T(0xA2, T(0xA2, T(0xA1,
		COMP(T(0xA2, T(0xA1, COMP(T(0x85, 0x08), 's', 't', 'V', 'a', 'l'),
			       COMP(T(0x84, 0x0D), 'q'), COMP(T0(0x91), 't'))), 'M', 'o', 'd'),
		COMP(T(0xA1, 0x81, 0x01, 0x02, T(0xA2, T(0xA7, 0x02, 0x01, 0x20, 0x02, 0x01, 0x08))), 'a'),
		COMP(T(0x8A, 0xC0), 'd'), COMP(T(0x8C, 0x00), 'b')))) };
	static const uint8_t value[] = { T(0xA2,
		T(0xA2, 0x85, 0x01, 0x01, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x6B, 0x05, 0x60,
		  0x20, 0x00, 0x00, 0x00, 0x0A),
		T(0xA1, 0x87, 0x05, 0x08, 0x3F, 0xC0, 0x00, 0x00, 0x87, 0x05, 0x08, 0, 0, 0, 0),
		0x8A, 0x02, 'o', 'k', 0x8C, 0x04, 0, 0, 0, 1) };
	static const uint8_t flips[] = { 0x00, 0xFF, 0x80, 0x7F, 0x01, 0x20 };
	uint8_t m[sizeof(gvaa) > sizeof(value) ? sizeof(gvaa) : sizeof(value)];
	struct proto_err e = { 0 };
	struct mms_typespec *good, *t;
	bool del;

	ck_assert_int_lt(sizeof(gvaa), 128); /* T() makes one-octet lengths */
	ck_assert_msg(mms_client_gvaa_decode(exact(gvaa, sizeof(gvaa)), sizeof(gvaa), NULL, &del,
					     &good, &e) == 0, "%s", e.reason);
	for (size_t i = 0; i <= sizeof(gvaa); i++) {
		for (size_t f = 0; f < sizeof(flips) + 1; f++) {
			size_t n = sizeof(gvaa);
			memcpy(m, gvaa, n);
			if (i == sizeof(gvaa))
				n = f; /* truncations, first octets only */
			else if (f < sizeof(flips))
				m[i] = flips[f];
			else
				m[i] ^= 0x01;
			if (mms_client_gvaa_decode(exact(m, n), n, NULL, &del, &t, &e) == 0) {
				ck_assert_ptr_nonnull(t);
				struct buf b;
				buf_init(&b, 0, 0);
				mms_data_format(&b, exact(value, sizeof(value)), sizeof(value), t,
						MMS_FMT_JSON, &e);
				buf_clear(&b);
				mms_typespec_free(t);
			}
		}
	}
	for (size_t cut = 0; cut < sizeof(gvaa); cut++)
		ck_assert_int_ne(mms_client_gvaa_decode(exact(gvaa, cut), cut, NULL, &del, &t, &e), 0);

	for (size_t i = 0; i < sizeof(value); i++) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			memcpy(m, value, sizeof(value));
			m[i] = flips[f];
			for (int fmt = MMS_FMT_TEXT; fmt <= MMS_FMT_JSON; fmt++) {
				struct buf b;
				buf_init(&b, 0, 0);
				mms_data_format(&b, exact(m, sizeof(value)), sizeof(value), good,
						(enum mms_fmt)fmt, &e);
				buf_clear(&b);
			}
		}
	}
	for (size_t cut = 0; cut < sizeof(value); cut++) {
		struct buf b;
		buf_init(&b, 0, 0);
		ck_assert_int_ne(mms_data_format(&b, exact(value, cut), cut, good, MMS_FMT_TEXT, &e), 0);
		buf_clear(&b);
	}
	mms_typespec_free(good);
}
END_TEST

static Suite *mms_client_suite(void)
{
	Suite *s = suite_create("mms_client");
	TCase *tc = tcase_create("requests");
	tcase_add_test(tc, req_getnamelist);
	tcase_add_test(tc, req_gvaa);
	tcase_add_test(tc, req_read);
	tcase_add_test(tc, req_read_nvl);
	tcase_add_test(tc, req_write);
	tcase_add_test(tc, req_nvl_attr);
	suite_add_tcase(s, tc);
	tc = tcase_create("answers");
	tcase_add_test(tc, check_envelope);
	tcase_add_test(tc, namelist_resp);
	tcase_add_test(tc, read_resp);
	tcase_add_test(tc, write_resp);
	tcase_add_test(tc, nvl_attr_resp);
	tcase_add_test(tc, gvaa_resp);
	suite_add_tcase(s, tc);
	tc = tcase_create("typespec");
	tcase_add_test(tc, typespec_basic);
	tcase_add_test(tc, typespec_tree);
	tcase_add_test(tc, typespec_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("data");
	tcase_add_test(tc, data_basic);
	tcase_add_test(tc, data_constructed);
	tcase_add_test(tc, data_words_alone);
	tcase_add_test(tc, parse_values);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, mutations);
	suite_add_tcase(s, tc);
	tc = tcase_create("references");
	tcase_add_test(tc, references);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_client_suite)
