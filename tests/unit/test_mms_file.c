/* SPDX-License-Identifier: Apache-2.0 */
/* MMS file services codecs (daemon/proto/mms_file.c): golden encodings of
 * every request and response, decoding them back, names that must come out
 * as filename-syntax-error rather than a decode failure, GeneralizedTime,
 * and every truncation of every golden PDU refused without an over-read
 * (inputs are exact-size heap copies, so ASan sees one). */
#include <errno.h>

#include "mms_file.h"
#include "testutil.h"


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

static const uint8_t dir_req[] = { 0xA0, 0x13, 0x02, 0x01, 0x01, 0xBF, 0x4D, 0x0D, 0xA0, 0x0B,
				   0x19, 0x09, '/', 'C', 'O', 'M', 'T', 'R', 'A', 'D', 'E' };
static const uint8_t open_req[] = { 0xA0, 0x12, 0x02, 0x01, 0x03, 0xBF, 0x48, 0x0C, 0xA0, 0x07,
				    0x19, 0x05, 'a', '.', 'c', 'f', 'g', 0x81, 0x01, 0x00 };
static const uint8_t rename_req[] = { 0xA0, 0x10, 0x02, 0x01, 0x07, 0xBF, 0x4B, 0x0A, 0xA0,
				      0x03, 0x19, 0x01, 'a', 0xA1, 0x03, 0x19, 0x01, 'b' };
static const uint8_t open_resp[] = { 0xA1, 0x24, 0x02, 0x01, 0x03, 0xBF, 0x48, 0x1E, 0x80, 0x01,
				     0x01, 0xA1, 0x19, 0x80, 0x02, 0x03, 0xE8, 0x81, 0x13, '2',
				     '0', '2', '0', '0', '1', '0', '1', '1', '2', '0', '0', '0',
				     '0', '.', '2', '5', '0', 'Z' };
static const uint8_t read_resp[] = { 0xA1, 0x0E, 0x02, 0x01, 0x04, 0xBF, 0x49, 0x08, 0x80,
				     0x03, 'a', 'b', 'c', 0x81, 0x01, 0x00 };
static const uint8_t dir_resp[] = { 0xA1, 0x19, 0x02, 0x01, 0x02, 0xBF, 0x4D, 0x13, 0xA0,
				    0x0E, 0x30, 0x0C, 0x30, 0x0A, 0xA0, 0x03, 0x19, 0x01, 'a',
				    0xA1, 0x03, 0x80, 0x01, 0x05, 0x81, 0x01, 0xFF };
#define T2020 1577880000250LL /* 2020-01-01T12:00:00.250Z */

START_TEST(requests)
{
	ENCODES(mms_file_dir_req_encode(&b, 1, "/COMTRADE", NULL), 0xA0, 0x13, 0x02, 0x01, 0x01,
		0xBF, 0x4D, 0x0D, 0xA0, 0x0B, 0x19, 0x09, '/', 'C', 'O', 'M', 'T', 'R', 'A', 'D',
		'E');
	ENCODES(mms_file_dir_req_encode(&b, 2, NULL, NULL), 0xA0, 0x06, 0x02, 0x01, 0x02, 0xBF,
		0x4D, 0x00);
	ENCODES(mms_file_dir_req_encode(&b, 2, NULL, "z"), 0xA0, 0x0B, 0x02, 0x01, 0x02, 0xBF,
		0x4D, 0x05, 0xA1, 0x03, 0x19, 0x01, 'z');
	ENCODES(mms_file_open_req_encode(&b, 3, "a.cfg", 0), 0xA0, 0x12, 0x02, 0x01, 0x03, 0xBF,
		0x48, 0x0C, 0xA0, 0x07, 0x19, 0x05, 'a', '.', 'c', 'f', 'g', 0x81, 0x01, 0x00);
	ENCODES(mms_file_frsm_req_encode(&b, 4, MMS_SVC_FILE_READ, 1), 0xA0, 0x07, 0x02, 0x01,
		0x04, 0x9F, 0x49, 0x01, 0x01);
	ENCODES(mms_file_frsm_req_encode(&b, 5, MMS_SVC_FILE_CLOSE, 1), 0xA0, 0x07, 0x02, 0x01,
		0x05, 0x9F, 0x4A, 0x01, 0x01);
	ENCODES(mms_file_delete_req_encode(&b, 6, "x"), 0xA0, 0x09, 0x02, 0x01, 0x06, 0xBF, 0x4C,
		0x03, 0x19, 0x01, 'x');
	ENCODES(mms_file_rename_req_encode(&b, 7, "a", "b"), 0xA0, 0x10, 0x02, 0x01, 0x07, 0xBF,
		0x4B, 0x0A, 0xA0, 0x03, 0x19, 0x01, 'a', 0xA1, 0x03, 0x19, 0x01, 'b');
}
END_TEST

START_TEST(responses)
{
	struct mms_file_attr a = { .size = 1000, .has_mtime = true, .mtime_ms = T2020 };
	ENCODES(mms_file_open_resp_encode(&b, 3, 1, &a), 0xA1, 0x24, 0x02, 0x01, 0x03, 0xBF,
		0x48, 0x1E, 0x80, 0x01, 0x01, 0xA1, 0x19, 0x80, 0x02, 0x03, 0xE8, 0x81, 0x13, '2',
		'0', '2', '0', '0', '1', '0', '1', '1', '2', '0', '0', '0', '0', '.', '2', '5', '0',
		'Z');
	ENCODES(mms_file_read_resp_encode(&b, 4, (const uint8_t *)"abc", 3, false), 0xA1, 0x0E,
		0x02, 0x01, 0x04, 0xBF, 0x49, 0x08, 0x80, 0x03, 'a', 'b', 'c', 0x81, 0x01, 0x00);
	ENCODES(mms_file_null_resp_encode(&b, 5, MMS_SVC_FILE_CLOSE), 0xA1, 0x06, 0x02, 0x01,
		0x05, 0x9F, 0x4A, 0x00);
	struct mms_file_attr e = { .size = 5 };
	struct mms_file_dir_marks m;
	ENCODES((mms_file_dir_resp_begin(&b, 2, &m), mms_file_dir_resp_entry(&b, "a", &e),
		 mms_file_dir_resp_end(&b, &m, true)),
		0xA1, 0x19, 0x02, 0x01, 0x02, 0xBF, 0x4D, 0x13, 0xA0, 0x0E, 0x30, 0x0C, 0x30, 0x0A,
		0xA0, 0x03, 0x19, 0x01, 'a', 0xA1, 0x03, 0x80, 0x01, 0x05, 0x81, 0x01, 0xFF);
	/* an empty directory: the SEQUENCE OF is there, empty */
	ENCODES((mms_file_dir_resp_begin(&b, 2, &m), mms_file_dir_resp_end(&b, &m, false)), 0xA1,
		0x0A, 0x02, 0x01, 0x02, 0xBF, 0x4D, 0x04, 0xA0, 0x02, 0x30, 0x00);
}
END_TEST

/* A 64 kB chunk: the precomputed lengths agree with what ber_end would
 * write, and the overhead stays within MMS_FILE_READ_OVERHEAD. */
START_TEST(read_resp_big)
{
	static uint8_t chunk[65000];
	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)i;
	struct buf b;
	buf_init(&b, 16, 0);
	mms_file_read_resp_encode(&b, 0x12345678, chunk, sizeof(chunk), true);
	ck_assert_int_eq(b.err, 0);
	ck_assert_uint_le(b.len, sizeof(chunk) + MMS_FILE_READ_OVERHEAD);
	struct mms_pdu p = body_of(buf_data(&b), b.len, MMS_SVC_FILE_READ);
	ck_assert_uint_eq(p.invoke_id, 0x12345678);
	const uint8_t *d;
	size_t n;
	bool more;
	ck_assert_int_eq(mms_file_read_resp_decode(p.body, p.body_len, &d, &n, &more, NULL), 0);
	ck_assert_uint_eq(n, sizeof(chunk));
	ck_assert(more);
	ck_assert(!memcmp(d, chunk, n));
	buf_clear(&b);
}
END_TEST

START_TEST(server_decode)
{
	struct proto_err e;
	struct mms_pdu p = body_of(dir_req, sizeof(dir_req), MMS_SVC_FILE_DIRECTORY);
	struct mms_file_dir_req d;
	ck_assert_int_eq(mms_file_dir_req_decode(p.body, p.body_len, &d, &e), 0);
	ck_assert(d.has_spec && !d.has_continue_after && d.spec.syntax_ok);
	ck_assert_str_eq(d.spec.s, "/COMTRADE");

	p = body_of(open_req, sizeof(open_req), MMS_SVC_FILE_OPEN);
	struct mms_file_open_req o;
	ck_assert_int_eq(mms_file_open_req_decode(p.body, p.body_len, &o, &e), 0);
	ck_assert_str_eq(o.name.s, "a.cfg");
	ck_assert_uint_eq(o.initial_position, 0);

	static const uint8_t read_req[] = { 0xA0, 0x07, 0x02, 0x01, 0x04, 0x9F, 0x49, 0x01, 0x01 };
	p = body_of(read_req, sizeof(read_req), MMS_SVC_FILE_READ);
	int32_t frsm = 0;
	ck_assert_int_eq(mms_file_frsm_decode(p.body, p.body_len, &frsm, &e), 0);
	ck_assert_int_eq(frsm, 1);
	ck_assert_int_eq(mms_file_frsm_decode(p.body, 0, &frsm, &e), -EBADMSG);

	static const uint8_t del_req[] = { 0xA0, 0x09, 0x02, 0x01, 0x06, 0xBF, 0x4C, 0x03, 0x19,
					   0x01, 'x' };
	p = body_of(del_req, sizeof(del_req), MMS_SVC_FILE_DELETE);
	struct mms_file_name n;
	ck_assert_int_eq(mms_file_delete_req_decode(p.body, p.body_len, &n, &e), 0);
	ck_assert_str_eq(n.s, "x");

	p = body_of(rename_req, sizeof(rename_req), MMS_SVC_FILE_RENAME);
	struct mms_file_rename_req rr;
	ck_assert_int_eq(mms_file_rename_req_decode(p.body, p.body_len, &rr, &e), 0);
	ck_assert_str_eq(rr.from.s, "a");
	ck_assert_str_eq(rr.to.s, "b");
}
END_TEST

/* Names that decode but are no usable name: the service answers
 * filename-syntax-error. Components are joined with '/'. */
START_TEST(names)
{
	struct mms_file_name n;
	struct proto_err e;
	static const uint8_t two[] = { 0x19, 0x03, 'd', 'i', 'r', 0x19, 0x01, 'f' };
	ck_assert_int_eq(mms_file_delete_req_decode(exact(two, sizeof(two)), sizeof(two), &n, &e),
			 0);
	ck_assert(n.syntax_ok);
	ck_assert_str_eq(n.s, "dir/f");

	static const uint8_t nul[] = { 0x19, 0x03, 'a', 0x00, 'b' };
	ck_assert_int_eq(mms_file_delete_req_decode(exact(nul, sizeof(nul)), sizeof(nul), &n, &e),
			 0);
	ck_assert(!n.syntax_ok);
	static const uint8_t ctl[] = { 0x19, 0x02, 'a', '\n' };
	ck_assert_int_eq(mms_file_delete_req_decode(exact(ctl, sizeof(ctl)), sizeof(ctl), &n, &e),
			 0);
	ck_assert(!n.syntax_ok);
	ck_assert_int_eq(mms_file_delete_req_decode(exact(ctl, 0), 0, &n, &e), 0);
	ck_assert(!n.syntax_ok); /* empty */

	uint8_t lng[4 + 300] = { 0x19, 0x82, 0x01, 0x2C };
	memset(lng + 4, 'a', 300);
	ck_assert_int_eq(mms_file_delete_req_decode(exact(lng, sizeof(lng)), sizeof(lng), &n, &e),
			 0);
	ck_assert(!n.syntax_ok);
	ck_assert_uint_le(n.len, MMS_FILE_NAME_MAX);
	/* exactly 255 octets is fine */
	lng[3] = 0xFF;
	lng[2] = 0x00;
	ck_assert_int_eq(mms_file_delete_req_decode(exact(lng, 4 + 255), 4 + 255, &n, &e), 0);
	ck_assert(n.syntax_ok);
	ck_assert_uint_eq(strlen(n.s), 255);

	/* a component that is no GraphicString is a decode failure */
	static const uint8_t vis[] = { 0x1A, 0x01, 'a' };
	ck_assert_int_eq(mms_file_delete_req_decode(exact(vis, sizeof(vis)), sizeof(vis), &n, &e),
			 -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
}
END_TEST

START_TEST(client_decode)
{
	struct proto_err e;
	struct mms_pdu p = body_of(open_resp, sizeof(open_resp), MMS_SVC_FILE_OPEN);
	int32_t frsm;
	struct mms_file_attr a;
	ck_assert_int_eq(mms_file_open_resp_decode(p.body, p.body_len, &frsm, &a, &e), 0);
	ck_assert_int_eq(frsm, 1);
	ck_assert_uint_eq(a.size, 1000);
	ck_assert(a.has_mtime);
	ck_assert_int_eq(a.mtime_ms, T2020);

	p = body_of(read_resp, sizeof(read_resp), MMS_SVC_FILE_READ);
	const uint8_t *d;
	size_t n;
	bool more;
	ck_assert_int_eq(mms_file_read_resp_decode(p.body, p.body_len, &d, &n, &more, &e), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert(!memcmp(d, "abc", 3));
	ck_assert(!more);

	p = body_of(dir_resp, sizeof(dir_resp), MMS_SVC_FILE_DIRECTORY);
	struct mms_file_dir_resp r;
	struct mms_file_name name;
	ck_assert_int_eq(mms_file_dir_resp_decode(p.body, p.body_len, &r, &e), 0);
	ck_assert_uint_eq(r.count, 1);
	ck_assert(r.more_follows);
	ck_assert_int_eq(mms_file_dir_resp_next(&r, &name, &a, &e), 1);
	ck_assert_str_eq(name.s, "a");
	ck_assert_uint_eq(a.size, 5);
	ck_assert(!a.has_mtime);
	ck_assert_int_eq(mms_file_dir_resp_next(&r, &name, &a, &e), 0);
}
END_TEST

/* Every golden PDU cut short at every octet is refused (or, cut between
 * optional elements, decodes), never read past its end. */
static int decode_any(uint32_t svc, bool response, const uint8_t *b, size_t n)
{
	struct proto_err e;
	union {
		struct mms_file_dir_req d;
		struct mms_file_open_req o;
		struct mms_file_rename_req r;
		struct mms_file_dir_resp dr;
	} u;
	struct mms_file_attr a;
	struct mms_file_name name;
	int32_t frsm;
	const uint8_t *d;
	size_t dn;
	bool more;
	switch (svc) {
	case MMS_SVC_FILE_DIRECTORY:
		if (!response)
			return mms_file_dir_req_decode(b, n, &u.d, &e);
		int r = mms_file_dir_resp_decode(b, n, &u.dr, &e);
		while (!r) {
			int k = mms_file_dir_resp_next(&u.dr, &name, &a, &e);
			if (k <= 0)
				return k;
		}
		return r;
	case MMS_SVC_FILE_OPEN:
		return response ? mms_file_open_resp_decode(b, n, &frsm, &a, &e) :
				  mms_file_open_req_decode(b, n, &u.o, &e);
	case MMS_SVC_FILE_READ:
		return mms_file_read_resp_decode(b, n, &d, &dn, &more, &e);
	case MMS_SVC_FILE_RENAME:
		return mms_file_rename_req_decode(b, n, &u.r, &e);
	}
	return -EINVAL;
}

START_TEST(truncations)
{
	const struct {
		const uint8_t *p;
		size_t n;
		uint32_t svc;
		bool response;
	} g[] = {
		{ dir_req, sizeof(dir_req), MMS_SVC_FILE_DIRECTORY, false },
		{ open_req, sizeof(open_req), MMS_SVC_FILE_OPEN, false },
		{ rename_req, sizeof(rename_req), MMS_SVC_FILE_RENAME, false },
		{ open_resp, sizeof(open_resp), MMS_SVC_FILE_OPEN, true },
		{ read_resp, sizeof(read_resp), MMS_SVC_FILE_READ, true },
		{ dir_resp, sizeof(dir_resp), MMS_SVC_FILE_DIRECTORY, true },
	};
	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct mms_pdu p = body_of(g[i].p, g[i].n, g[i].svc);
		size_t off = (size_t)(p.body - copy), blen = p.body_len;
		uint8_t *whole = dup_exact(copy + off, blen);
		ck_assert_int_eq(decode_any(g[i].svc, g[i].response, whole, blen), 0);
		for (size_t cut = 0; cut < blen; cut++) {
			uint8_t *c = dup_exact(whole, cut);
			int r = decode_any(g[i].svc, g[i].response, c, cut);
			ck_assert_msg(r == 0 || r == -EBADMSG, "PDU %zu cut at %zu: %d", i, cut, r);
			free(c);
		}
		free(whole);
	}
	/* a required element cut away is refused */
	struct mms_pdu p = body_of(open_req, sizeof(open_req), MMS_SVC_FILE_OPEN);
	struct mms_file_open_req o;
	ck_assert_int_eq(mms_file_open_req_decode(p.body, 9, &o, NULL), -EBADMSG);
}
END_TEST

START_TEST(times)
{
	char s[24];
	int64_t ms;
	mms_file_time_format(T2020, s);
	ck_assert_str_eq(s, "20200101120000.250Z");
	mms_file_time_format(0, s);
	ck_assert_str_eq(s, "19700101000000.000Z");
#define P(str) mms_file_time_parse((const uint8_t *)(str), strlen(str), &ms)
	ck_assert_int_eq(P("20200101120000.250Z"), 0);
	ck_assert_int_eq(ms, T2020);
	ck_assert_int_eq(P("20200101120000Z"), 0);
	ck_assert_int_eq(ms, T2020 - 250);
	ck_assert_int_eq(P("20200101120000.25"), 0);
	ck_assert_int_eq(ms, T2020);
	ck_assert_int_eq(P("2020010112000"), -EINVAL);
	ck_assert_int_eq(P("20201301120000Z"), -EINVAL);
	ck_assert_int_eq(P("20200101120000.Z"), -EINVAL);
	ck_assert_int_eq(P("20200101120000ZZ"), -EINVAL);
	ck_assert_str_eq(mms_file_error_name(MMS_FILE_NON_EXISTENT), "file-non-existent");
	ck_assert_str_eq(mms_file_error_name(9), "insufficient-space-in-filestore");
	ck_assert_str_eq(mms_file_error_name(42), "file-error-42");
#undef P
}
END_TEST

START_TEST(obtain)
{
	/* ObtainFile is tag 46: BF 2E */
	ENCODES(mms_file_obtain_req_encode(&b, 9, "a", "b"), 0xA0, 0x10, 0x02, 0x01, 0x09, 0xBF,
		0x2E, 0x0A, 0xA1, 0x03, 0x19, 0x01, 'a', 0xA2, 0x03, 0x19, 0x01, 'b');
	ENCODES(mms_file_null_resp_encode(&b, 9, MMS_SVC_OBTAIN_FILE), 0xA1, 0x06, 0x02, 0x01,
		0x09, 0x9F, 0x2E, 0x00);
	static const uint8_t req[] = { 0xA0, 0x15, 0x02, 0x01, 0x09, 0xBF, 0x2E, 0x0F, 0xA0, 0x03,
				       0xA2, 0x01, 0x00, 0xA1, 0x03, 0x19, 0x01, 'a', 0xA2, 0x03,
				       0x19, 0x01, 'b' };
	struct mms_pdu p = body_of(req, sizeof(req), MMS_SVC_OBTAIN_FILE);
	struct mms_file_obtain_req o;
	ck_assert_int_eq(mms_file_obtain_req_decode(p.body, p.body_len, &o, NULL), 0);
	ck_assert(o.has_source_server);
	ck_assert_str_eq(o.source.s, "a");
	ck_assert_str_eq(o.destination.s, "b");
	for (size_t cut = 0; cut < p.body_len; cut++) {
		uint8_t *c = dup_exact(p.body, cut);
		ck_assert_int_eq(mms_file_obtain_req_decode(c, cut, &o, NULL), -EBADMSG);
		free(c);
	}
}
END_TEST

static Suite *mms_file_suite(void)
{
	Suite *s = suite_create("mms_file");
	TCase *tc = tcase_create("codecs");
	tcase_add_test(tc, requests);
	tcase_add_test(tc, responses);
	tcase_add_test(tc, read_resp_big);
	tcase_add_test(tc, server_decode);
	tcase_add_test(tc, names);
	tcase_add_test(tc, client_decode);
	tcase_add_test(tc, truncations);
	tcase_add_test(tc, times);
	tcase_add_test(tc, obtain);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_file_suite)
