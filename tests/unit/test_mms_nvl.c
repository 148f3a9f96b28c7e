/* SPDX-License-Identifier: Apache-2.0 */
/* Named variable list codecs (daemon/proto/mms_nvl.c): golden
 * DefineNamedVariableList and DeleteNamedVariableList PDUs (assembled by
 * hand from ISO 9506-2 §11.4, §11.5) encoded byte for byte and decoded
 * back, alternate access in both directions, DeleteNamedVariableList's
 * optional fields and limits, and every truncation refused without an
 * over-read (inputs are exact-size heap copies, so ASan sees one). */
#include <errno.h>

#include "iso.h"
#include "mms_nvl.h"
#include "testutil.h"

static const uint8_t define_req[] = {
	0xA0, 0x33, 0x02, 0x01, 0x01, 0xAB, 0x2E, 0xA1, 0x0D, 0x1A, 0x02, 0x4C,
	0x44, 0x1A, 0x07, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x64, 0x73, 0xA0, 0x1D,
	0x30, 0x1B, 0xA0, 0x19, 0xA1, 0x17, 0x1A, 0x02, 0x4C, 0x44, 0x1A, 0x11,
	0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x53, 0x54, 0x24, 0x4D, 0x6F, 0x64, 0x24,
	0x73, 0x74, 0x56, 0x61, 0x6C,
};
static const uint8_t define_req_alt[] = {
	0xA0, 0x75, 0x02, 0x01, 0x07, 0xAB, 0x70, 0x82, 0x03, 0x64, 0x73, 0x31,
	0xA0, 0x69, 0x30, 0x1E, 0xA0, 0x13, 0xA1, 0x11, 0x1A, 0x02, 0x4C, 0x44,
	0x1A, 0x0B, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x53, 0x54, 0x24, 0x4D, 0x6F,
	0x64, 0xA5, 0x07, 0x81, 0x05, 0x73, 0x74, 0x56, 0x61, 0x6C, 0x30, 0x25,
	0xA0, 0x15, 0xA1, 0x13, 0x1A, 0x02, 0x4C, 0x44, 0x1A, 0x0D, 0x47, 0x47,
	0x49, 0x4F, 0x31, 0x24, 0x4D, 0x58, 0x24, 0x41, 0x6E, 0x49, 0x6E, 0xA5,
	0x0C, 0xA0, 0x0A, 0x81, 0x01, 0x02, 0x30, 0x05, 0x81, 0x03, 0x6D, 0x61,
	0x67, 0x30, 0x20, 0xA0, 0x14, 0xA1, 0x12, 0x1A, 0x02, 0x4C, 0x44, 0x1A,
	0x0C, 0x47, 0x47, 0x49, 0x4F, 0x31, 0x24, 0x53, 0x54, 0x24, 0x49, 0x6E,
	0x64, 0xA5, 0x08, 0xA3, 0x06, 0x80, 0x01, 0x01, 0x81, 0x01, 0x03,
};
static const uint8_t delete_req[] = {
	0xA0, 0x16, 0x02, 0x01, 0x02, 0xAD, 0x11, 0xA1, 0x0F, 0xA1, 0x0D, 0x1A,
	0x02, 0x4C, 0x44, 0x1A, 0x07, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x64, 0x73,
};
static const uint8_t delete_resp[] = {
	0xA1, 0x0B, 0x02, 0x01, 0x02, 0xAD, 0x06, 0x80, 0x01, 0x01, 0x81, 0x01,
	0x00,
};
static const uint8_t delete_full[] = {
	0x80, 0x01, 0x02, 0xA1, 0x11, 0xA1, 0x0C, 0x1A, 0x02, 0x4C, 0x44, 0x1A,
	0x06, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x61, 0x82, 0x01, 0x78, 0x82, 0x02,
	0x4C, 0x44,
};

static uint8_t *copy;
static const uint8_t *exact(const uint8_t *p, size_t n)
{
	free(copy);
	return copy = dup_exact(p, n);
}

/* The service body of a whole confirmed PDU (decoded from an exact copy). */
static struct mms_pdu body_of(const uint8_t *p, size_t n, uint32_t svc)
{
	struct mms_pdu m;
	struct proto_err e;
	ck_assert_int_eq(mms_pdu_decode(exact(p, n), n, &m, &e), 0);
	ck_assert_uint_eq(m.service, svc);
	return m;
}

static struct mms_objname dom(const char *d, const char *i)
{
	struct mms_objname o = { .scope = MMS_SCOPE_DOMAIN };
	snprintf(o.domain, sizeof(o.domain), "%s", d);
	snprintf(o.item, sizeof(o.item), "%s", i);
	return o;
}

static void assert_encoded(const struct buf *b, const uint8_t *exp, size_t n)
{
	ck_assert_int_eq(b->err, 0);
	ck_assert_msg(b->len == n && !memcmp(bytes_of(b), exp, n), "got      %s\nexpected %s",
		      hex(bytes_of(b), b->len), hex(exp, n));
}

START_TEST(define_encode)
{
	struct buf b;
	struct mms_objname ds = dom("LD", "LLN0$ds");
	struct mms_varspec v[3] = { { .name = dom("LD", "LLN0$ST$Mod$stVal") } };

	buf_init(&b, ISO_HEADROOM, 0);
	mms_definenvl_req_encode(&b, 1, &ds, v, 1);
	assert_encoded(&b, define_req, sizeof(define_req));

	/* an association-specific list; one component, an element's component,
	 * an index range */
	struct mms_objname aa = { .scope = MMS_SCOPE_AA, .item = "ds1" };
	memset(v, 0, sizeof(v));
	v[0].name = dom("LD", "LLN0$ST$Mod");
	v[0].n_alt = 1;
	v[0].alt[0] = (struct mms_alt_step){ .kind = MMS_ALT_COMPONENT, .component = "stVal" };
	v[1].name = dom("LD", "GGIO1$MX$AnIn");
	v[1].n_alt = 2;
	v[1].alt[0] = (struct mms_alt_step){ .kind = MMS_ALT_INDEX, .index = 2 };
	v[1].alt[1] = (struct mms_alt_step){ .kind = MMS_ALT_COMPONENT, .component = "mag" };
	v[2].name = dom("LD", "GGIO1$ST$Ind");
	v[2].n_alt = 1;
	v[2].alt[0] = (struct mms_alt_step){ .kind = MMS_ALT_RANGE, .index = 1, .count = 3 };
	buf_reset(&b, ISO_HEADROOM);
	mms_definenvl_req_encode(&b, 7, &aa, v, 3);
	assert_encoded(&b, define_req_alt, sizeof(define_req_alt));
	buf_clear(&b);
}
END_TEST

START_TEST(define_resp)
{
	ENCODES(mms_definenvl_resp_encode(&b, 1), 0xA1, 0x05, 0x02, 0x01, 0x01, 0x8B, 0x00);
}
END_TEST

START_TEST(define_decode)
{
	struct mms_definenvl_req q;
	struct mms_varspec v;
	struct proto_err e = { 0 };

	struct mms_pdu p = body_of(define_req, sizeof(define_req), MMS_SVC_DEFINE_NVL);
	ck_assert_int_eq(mms_definenvl_req_decode(p.body, p.body_len, &q, &e), 0);
	ck_assert_uint_eq(q.name.scope, MMS_SCOPE_DOMAIN);
	ck_assert_str_eq(q.name.domain, "LD");
	ck_assert_str_eq(q.name.item, "LLN0$ds");
	ck_assert(!q.vars.is_list_name);
	ck_assert_uint_eq(q.vars.n_vars, 1);
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 1);
	ck_assert_str_eq(v.name.domain, "LD");
	ck_assert_str_eq(v.name.item, "LLN0$ST$Mod$stVal");
	ck_assert_uint_eq(v.n_alt, 0);
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 0);

	p = body_of(define_req_alt, sizeof(define_req_alt), MMS_SVC_DEFINE_NVL);
	ck_assert_int_eq(mms_definenvl_req_decode(p.body, p.body_len, &q, &e), 0);
	ck_assert_uint_eq(q.name.scope, MMS_SCOPE_AA);
	ck_assert_str_eq(q.name.item, "ds1");
	ck_assert_uint_eq(q.vars.n_vars, 3);
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 1);
	ck_assert_str_eq(v.name.item, "LLN0$ST$Mod");
	ck_assert_uint_eq(v.n_alt, 1);
	ck_assert_uint_eq(v.alt[0].kind, MMS_ALT_COMPONENT);
	ck_assert_str_eq(v.alt[0].component, "stVal");
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 1);
	ck_assert_uint_eq(v.n_alt, 2);
	ck_assert_uint_eq(v.alt[0].kind, MMS_ALT_INDEX);
	ck_assert_uint_eq(v.alt[0].index, 2);
	ck_assert_uint_eq(v.alt[1].kind, MMS_ALT_COMPONENT);
	ck_assert_str_eq(v.alt[1].component, "mag");
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 1);
	ck_assert_uint_eq(v.alt[0].kind, MMS_ALT_RANGE);
	ck_assert_uint_eq(v.alt[0].index, 1);
	ck_assert_uint_eq(v.alt[0].count, 3);
	ck_assert_int_eq(mms_varlist_next(&q.vars, &v, &e), 0);

	/* an empty list decodes; the service refuses it */
	static const uint8_t empty[] = { 0x80, 0x01, 'x', 0xA0, 0x00 };
	ck_assert_int_eq(mms_definenvl_req_decode(exact(empty, sizeof(empty)), sizeof(empty), &q,
						  &e), 0);
	ck_assert_uint_eq(q.vars.n_vars, 0);
	/* a bad member is found at decode time, not during iteration */
	static const uint8_t bad_member[] = { 0x80, 0x01, 'x', 0xA0, 0x04, 0x30, 0x02, 0x05, 0x00 };
	ck_assert_int_eq(mms_definenvl_req_decode(exact(bad_member, sizeof(bad_member)),
						  sizeof(bad_member), &q, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	/* listOfVariable with the wrong tag ([1], as some clients send) */
	static const uint8_t tag1[] = { 0x80, 0x01, 'x', 0xA1, 0x00 };
	ck_assert_int_eq(mms_definenvl_req_decode(exact(tag1, sizeof(tag1)), sizeof(tag1), &q,
						  &e), -EBADMSG);
	static const uint8_t trailing[] = { 0x80, 0x01, 'x', 0xA0, 0x00, 0x05, 0x00 };
	ck_assert_int_eq(mms_definenvl_req_decode(exact(trailing, sizeof(trailing)),
						  sizeof(trailing), &q, &e), -EBADMSG);
}
END_TEST

START_TEST(delete_codecs)
{
	struct buf b;
	struct mms_objname ds = dom("LD", "LLN0$ds");
	struct mms_deletenvl_req q;
	struct proto_err e = { 0 };
	uint32_t matched, deleted;

	buf_init(&b, ISO_HEADROOM, 0);
	mms_deletenvl_req_encode(&b, 2, &ds);
	assert_encoded(&b, delete_req, sizeof(delete_req));
	buf_reset(&b, ISO_HEADROOM);
	mms_deletenvl_resp_encode(&b, 2, 1, 0);
	assert_encoded(&b, delete_resp, sizeof(delete_resp));
	buf_clear(&b);

	struct mms_pdu p = body_of(delete_req, sizeof(delete_req), MMS_SVC_DELETE_NVL);
	ck_assert_int_eq(mms_deletenvl_req_decode(p.body, p.body_len, &q, &e), 0);
	ck_assert_int_eq(q.scope, MMS_DELNVL_SPECIFIC);
	ck_assert_uint_eq(q.n, 1);
	ck_assert_str_eq(q.names[0].domain, "LD");
	ck_assert_str_eq(q.names[0].item, "LLN0$ds");
	ck_assert(!q.has_domain);

	p = body_of(delete_resp, sizeof(delete_resp), MMS_SVC_DELETE_NVL);
	ck_assert_int_eq(mms_deletenvl_resp_decode(p.body, p.body_len, &matched, &deleted, &e), 0);
	ck_assert_uint_eq(matched, 1);
	ck_assert_uint_eq(deleted, 0);

	/* every field: scope domain, a domain and an aa-specific name, domainName */
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(delete_full, sizeof(delete_full)),
						  sizeof(delete_full), &q, &e), 0);
	ck_assert_int_eq(q.scope, MMS_DELNVL_DOMAIN);
	ck_assert_uint_eq(q.n, 2);
	ck_assert_str_eq(q.names[0].item, "LLN0$a");
	ck_assert_uint_eq(q.names[1].scope, MMS_SCOPE_AA);
	ck_assert_str_eq(q.names[1].item, "x");
	ck_assert(q.has_domain);
	ck_assert_str_eq(q.domain, "LD");

	/* all defaults: an empty request */
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(NULL, 0), 0, &q, &e), 0);
	ck_assert_int_eq(q.scope, 0);
	ck_assert_uint_eq(q.n, 0);

	/* scope outside 0..3, fields out of order, unknown field */
	static const uint8_t scope4[] = { 0x80, 0x01, 0x04 };
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(scope4, sizeof(scope4)), sizeof(scope4),
						  &q, &e), -EBADMSG);
	static const uint8_t order[] = { 0x82, 0x01, 'x', 0x80, 0x01, 0x00 };
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(order, sizeof(order)), sizeof(order), &q,
						  &e), -EBADMSG);
	static const uint8_t unknown[] = { 0x83, 0x00 };
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(unknown, sizeof(unknown)),
						  sizeof(unknown), &q, &e), -EBADMSG);

	/* numberMatched beyond Unsigned32, numberDeleted missing */
	static const uint8_t big[] = { 0x80, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x81, 0x01, 0x00 };
	ck_assert_int_eq(mms_deletenvl_resp_decode(exact(big, sizeof(big)), sizeof(big), &matched,
						   &deleted, &e), -EBADMSG);
	static const uint8_t half[] = { 0x80, 0x01, 0x01 };
	ck_assert_int_eq(mms_deletenvl_resp_decode(exact(half, sizeof(half)), sizeof(half),
						   &matched, &deleted, &e), -EBADMSG);
}
END_TEST

/* More names than MMS_DELNVL_MAX: all are counted and checked, the first
 * MMS_DELNVL_MAX kept. */
START_TEST(delete_many)
{
	struct buf b;
	struct mms_deletenvl_req q;
	struct proto_err e = { 0 };
	const uint32_t n = MMS_DELNVL_MAX + 5;

	buf_init(&b, 0, 0);
	size_t l = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	for (uint32_t i = 0; i < n; i++) {
		char item[16];
		snprintf(item, sizeof(item), "LLN0$ds%u", i);
		struct mms_objname o = dom("LD", item);
		mms_objname_encode(&b, &o);
	}
	ber_end(&b, l);
	ck_assert_int_eq(b.err, 0);
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(buf_data(&b), b.len), b.len, &q, &e), 0);
	ck_assert_uint_eq(q.n, n);
	ck_assert_str_eq(q.names[0].item, "LLN0$ds0");
	ck_assert_str_eq(q.names[MMS_DELNVL_MAX - 1].item, "LLN0$ds15");
	/* a bad name beyond the kept ones still fails the request */
	buf_reset(&b, 0);
	l = ber_begin(&b, BER_CONTEXT | BER_CONSTRUCTED, 1);
	for (uint32_t i = 0; i < n; i++) {
		struct mms_objname o = dom("LD", "LLN0$x");
		mms_objname_encode(&b, &o);
	}
	buf_put(&b, (const uint8_t[]){ 0x83, 0x01, 'x' }, 3);
	ber_end(&b, l);
	ck_assert_int_eq(mms_deletenvl_req_decode(exact(buf_data(&b), b.len), b.len, &q, &e),
			 -EBADMSG);
	buf_clear(&b);
}
END_TEST

START_TEST(truncations)
{
	struct mms_definenvl_req q;
	struct mms_deletenvl_req dq;
	uint32_t m, d;

	static const struct {
		const uint8_t *p;
		size_t n;
	} defs[] = { { define_req, sizeof(define_req) }, { define_req_alt, sizeof(define_req_alt) } };
	for (size_t k = 0; k < 2; k++) {
		struct mms_pdu p = body_of(defs[k].p, defs[k].n, MMS_SVC_DEFINE_NVL);
		for (size_t cut = 0; cut < p.body_len; cut++) {
			uint8_t *c = dup_exact(p.body, cut);
			ck_assert_msg(mms_definenvl_req_decode(c, cut, &q, NULL) == -EBADMSG,
				      "define %zu cut at %zu", k, cut);
			free(c);
		}
	}
	/* DeleteNamedVariableList: every field is optional, so only the empty
	 * request is whole */
	struct mms_pdu p = body_of(delete_req, sizeof(delete_req), MMS_SVC_DELETE_NVL);
	for (size_t cut = 1; cut < p.body_len; cut++) {
		uint8_t *c = dup_exact(p.body, cut);
		ck_assert_int_eq(mms_deletenvl_req_decode(c, cut, &dq, NULL), -EBADMSG);
		free(c);
	}
	p = body_of(delete_resp, sizeof(delete_resp), MMS_SVC_DELETE_NVL);
	for (size_t cut = 0; cut < p.body_len; cut++) {
		uint8_t *c = dup_exact(p.body, cut);
		ck_assert_int_eq(mms_deletenvl_resp_decode(c, cut, &m, &d, NULL), -EBADMSG);
		free(c);
	}
}
END_TEST

static Suite *mms_nvl_suite(void)
{
	Suite *s = suite_create("mms_nvl");
	TCase *tc = tcase_create("codecs");
	tcase_add_test(tc, define_encode);
	tcase_add_test(tc, define_resp);
	tcase_add_test(tc, define_decode);
	tcase_add_test(tc, delete_codecs);
	tcase_add_test(tc, delete_many);
	tcase_add_test(tc, truncations);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_nvl_suite)
