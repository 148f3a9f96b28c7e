/* SPDX-License-Identifier: Apache-2.0 */
/* Report codecs (daemon/proto/mms_report.c): the InformationReport "RPT"
 * envelope encoded byte for byte and its overhead exact at every length
 * form, golden reports (assembled by hand from IEC 61850-8-1 §17.2.3 and
 * ISO 9506-2 §12.6) decoded field by field, the refusals, and every
 * truncation refused without an over-read (exact-size heap copies). */
#include <errno.h>

#include "ber.h"
#include "iso.h"
#include "mms_report.h"
#include "rptfmt.h"
#include "testutil.h"

static const uint8_t report_full[] = {
	0xA3, 0x81, 0x83, 0xA0, 0x81, 0x80, 0xA1, 0x05, 0x80, 0x03, 0x52, 0x50,
	0x54, 0xA0, 0x77, 0x8A, 0x04, 0x72, 0x70, 0x74, 0x31, 0x84, 0x03, 0x06,
	0x7F, 0xC0, 0x86, 0x01, 0x05, 0x8C, 0x06, 0x01, 0x02, 0x03, 0x04, 0x3A,
	0x5B, 0x8A, 0x0A, 0x4C, 0x44, 0x2F, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x64,
	0x73, 0x83, 0x01, 0x00, 0x89, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0x2C, 0x86, 0x01, 0x01, 0x86, 0x01, 0x00, 0x83, 0x01, 0x00, 0x84,
	0x02, 0x05, 0xA0, 0x8A, 0x16, 0x4C, 0x44, 0x2F, 0x47, 0x47, 0x49, 0x4F,
	0x31, 0x24, 0x53, 0x54, 0x24, 0x49, 0x6E, 0x64, 0x31, 0x24, 0x73, 0x74,
	0x56, 0x61, 0x6C, 0x8A, 0x11, 0x4C, 0x44, 0x2F, 0x47, 0x47, 0x49, 0x4F,
	0x31, 0x24, 0x4D, 0x58, 0x24, 0x41, 0x6E, 0x49, 0x6E, 0x31, 0x83, 0x01,
	0xFF, 0xA2, 0x03, 0x85, 0x01, 0x07, 0x84, 0x02, 0x01, 0x40, 0x84, 0x02,
	0x01, 0x04,
};
static const uint8_t report_min[] = {
	0xA3, 0x1A, 0xA0, 0x18, 0xA1, 0x05, 0x80, 0x03, 0x52, 0x50, 0x54, 0xA0,
	0x0F, 0x8A, 0x01, 0x72, 0x84, 0x03, 0x06, 0x00, 0x00, 0x84, 0x02, 0x06,
	0x80, 0x86, 0x01, 0x2A,
};

static uint8_t *copy;
static const uint8_t *exact(const uint8_t *p, size_t n)
{
	free(copy);
	return copy = dup_exact(p, n);
}

/* The whole PDU p[n] through mms_pdu_decode, mms_unconfirmed_report and
 * mms_report_decode; returns the last one's result. */
static int decode_pdu(const uint8_t *p, size_t n, struct mms_report *r, struct proto_err *e)
{
	struct mms_pdu m;
	const uint8_t *body;
	size_t len;
	int k;

	if ((k = mms_pdu_decode(exact(p, n), n, &m, e)))
		return k;
	ck_assert_uint_eq(m.kind, MMS_UNCONFIRMED);
	if ((k = mms_unconfirmed_report(&m, &body, &len, e)) != 1)
		return k < 0 ? k : -ENOENT;
	return mms_report_decode(body, len, r, e);
}

START_TEST(encode)
{
	struct buf b;
	struct mms_report_enc e;

	buf_init(&b, ISO_HEADROOM, 0);
	mms_report_begin(&b, &e);
	ber_put_str(&b, BER_CONTEXT, 10, "r");
	static const uint8_t opt[] = { 0, 0 };
	ber_put_bitstring(&b, BER_CONTEXT, 4, opt, 10);
	static const uint8_t incl[] = { 0x80 };
	ber_put_bitstring(&b, BER_CONTEXT, 4, incl, 2);
	ber_put_uint(&b, BER_CONTEXT, 6, 42);
	mms_report_end(&b, &e);
	ck_assert_int_eq(b.err, 0);
	ck_assert_bytes(bytes_of(&b), b.len, report_min);
	/* A3 1A A0 18 A1 05 80 03 "RPT" A0 0F: 13 octets around 15 */
	ck_assert_uint_eq(mms_report_overhead(15), 13);
	buf_clear(&b);
}
END_TEST

/* mms_report_overhead is exact across every change of a length's size. */
START_TEST(overhead)
{
	static const size_t sizes[] = { 0, 1, 115, 116, 117, 118, 119, 120, 125, 126, 127, 128,
					250, 251, 252, 253, 254, 255, 256, 65527, 65528, 65529,
					65530, 65531, 65535, 65536, 70000 };
	uint8_t *blob = calloc(1, 70000);
	ck_assert_ptr_nonnull(blob);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct buf b;
		struct mms_report_enc e;
		buf_init(&b, ISO_HEADROOM, 0);
		mms_report_begin(&b, &e);
		buf_put(&b, blob, sizes[i]);
		mms_report_end(&b, &e);
		ck_assert_int_eq(b.err, 0);
		ck_assert_msg(b.len - sizes[i] == mms_report_overhead(sizes[i]),
			      "content %zu: %zu octets around it, overhead says %zu", sizes[i],
			      b.len - sizes[i], mms_report_overhead(sizes[i]));
		/* and the envelope decodes as a report PDU */
		struct mms_pdu m;
		const uint8_t *body;
		size_t len;
		ck_assert_int_eq(mms_pdu_decode(buf_data(&b), b.len, &m, NULL), 0);
		ck_assert_int_eq(mms_unconfirmed_report(&m, &body, &len, NULL), 1);
		ck_assert_uint_eq(len, mms_report_overhead(sizes[i]) + sizes[i] -
				       (size_t)(body - buf_data(&b)));
		buf_clear(&b);
	}
	free(blob);
}
END_TEST

START_TEST(decode_full)
{
	struct mms_report_member mem[4];
	struct mms_report r = { .members = mem, .cap = 4 };
	struct proto_err e = { 0 };

	ck_assert_int_eq(decode_pdu(report_full, sizeof(report_full), &r, &e), 0);
	ck_assert_str_eq(r.rpt_id, "rpt1");
	ck_assert_uint_eq(r.opt_flds, 0x3FE);
	ck_assert(r.has_seq);
	ck_assert_uint_eq(r.seq_num, 5);
	ck_assert(r.has_time);
	static const uint8_t toe[] = { 0x01, 0x02, 0x03, 0x04, 0x3A, 0x5B };
	ck_assert_bytes(r.time_of_entry, 6, toe);
	ck_assert(r.has_dataset);
	ck_assert_str_eq(r.dataset, "LD/LLN0$ds");
	ck_assert(r.has_bufovfl && !r.buf_ovfl);
	ck_assert(r.has_entry_id);
	static const uint8_t eid[] = { 0, 0, 0, 0, 0, 0, 1, 0x2C };
	ck_assert_bytes(r.entry_id, 8, eid);
	ck_assert(r.has_conf_rev);
	ck_assert_uint_eq(r.conf_rev, 1);
	ck_assert(r.has_segment);
	ck_assert_uint_eq(r.sub_seq_num, 0);
	ck_assert(!r.more_segments);
	ck_assert_uint_eq(r.n_members, 3);
	ck_assert_uint_eq(r.n_included, 2);
	ck_assert_uint_eq(mem[0].index, 0);
	ck_assert_str_eq(mem[0].ref, "LD/GGIO1$ST$Ind1$stVal");
	static const uint8_t v0[] = { 0x83, 0x01, 0xFF };
	ck_assert_bytes(mem[0].data, mem[0].data_len, v0);
	ck_assert(mem[0].has_reason);
	ck_assert_uint_eq(mem[0].reason, 1u << MMS_REASON_DCHG);
	ck_assert_uint_eq(mem[1].index, 2);
	ck_assert_str_eq(mem[1].ref, "LD/GGIO1$MX$AnIn1");
	static const uint8_t v1[] = { 0xA2, 0x03, 0x85, 0x01, 0x07 };
	ck_assert_bytes(mem[1].data, mem[1].data_len, v1);
	ck_assert_uint_eq(mem[1].reason, 1u << MMS_REASON_GI);
	/* values point into the input */
	ck_assert(mem[1].data > copy && mem[1].data + mem[1].data_len <= copy + sizeof(report_full));

	/* too small an array: -ENOSPC, the count known */
	struct mms_report small = { .members = mem, .cap = 1 };
	ck_assert_int_eq(decode_pdu(report_full, sizeof(report_full), &small, &e), -ENOSPC);
	ck_assert_uint_eq(small.n_included, 2);
	ck_assert_str_eq(small.rpt_id, "rpt1");
}
END_TEST

START_TEST(decode_min)
{
	struct mms_report_member mem[1];
	struct mms_report r = { .members = mem, .cap = 1 };

	ck_assert_int_eq(decode_pdu(report_min, sizeof(report_min), &r, NULL), 0);
	ck_assert_str_eq(r.rpt_id, "r");
	ck_assert_uint_eq(r.opt_flds, 0);
	ck_assert(!r.has_seq && !r.has_time && !r.has_dataset && !r.has_bufovfl &&
		  !r.has_entry_id && !r.has_conf_rev && !r.has_segment);
	ck_assert_uint_eq(r.n_members, 2);
	ck_assert_uint_eq(r.n_included, 1);
	ck_assert_str_eq(mem[0].ref, "");
	ck_assert(!mem[0].has_reason);
	static const uint8_t v[] = { 0x86, 0x01, 0x2A };
	ck_assert_bytes(mem[0].data, mem[0].data_len, v);
	/* nothing included: no array needed */
	struct mms_report none = { 0 };
	uint8_t p[sizeof(report_min)];
	memcpy(p, report_min, sizeof(p));
	p[24] = 0x00; /* Inclusion 00: both members out, so the value is one too many */
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &none, NULL), -EBADMSG);
}
END_TEST

/* Reports a client must refuse: p is report_min with one change. */
START_TEST(refusals)
{
	struct mms_report_member mem[2];
	struct mms_report r = { .members = mem, .cap = 2 };
	struct proto_err e = { 0 };
	uint8_t p[sizeof(report_min)];

	/* another list name */
	memcpy(p, report_min, sizeof(p));
	p[10] = 'X';
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	/* the value is an access failure [0] */
	memcpy(p, report_min, sizeof(p));
	p[25] = 0x80;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	/* the value has a Data tag that does not exist ([8]) */
	memcpy(p, report_min, sizeof(p));
	p[25] = 0x88;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	/* RptID not a visible-string */
	memcpy(p, report_min, sizeof(p));
	p[13] = 0x89;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	/* OptFlds says SeqNum (bit 1) but the next is the Inclusion */
	memcpy(p, report_min, sizeof(p));
	p[19] = 0x40;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	/* OptFlds says ReasonCode (bit 3): none follow */
	memcpy(p, report_min, sizeof(p));
	p[19] = 0x10;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);
	ck_assert_str_eq(e.layer, "mms");
	/* Inclusion with two members: one value missing */
	memcpy(p, report_min, sizeof(p));
	p[24] = 0xC0;
	ck_assert_int_eq(decode_pdu(p, sizeof(p), &r, &e), -EBADMSG);

	/* an unconfirmed PDU that is no informationReport: 0, not an error */
	static const uint8_t status[] = { 0xA3, 0x03, 0xA1, 0x01, 0x00 };
	struct mms_pdu m;
	const uint8_t *body;
	size_t len;
	ck_assert_int_eq(mms_pdu_decode(exact(status, sizeof(status)), sizeof(status), &m, &e), 0);
	ck_assert_int_eq(mms_unconfirmed_report(&m, &body, &len, &e), 0);
	static const uint8_t prim[] = { 0xA3, 0x02, 0x80, 0x00 };
	ck_assert_int_eq(mms_pdu_decode(exact(prim, sizeof(prim)), sizeof(prim), &m, &e), 0);
	ck_assert_int_eq(mms_unconfirmed_report(&m, &body, &len, &e), -EBADMSG);
}
END_TEST

/* Inclusion of MMS_RPT_MAX_MEMBERS bits decodes, one more octet does not. */
START_TEST(inclusion_limit)
{
	struct buf b;
	struct mms_report_enc e;
	struct mms_report_member mem[1];
	struct mms_report r = { .members = mem, .cap = 1 };
	static uint8_t incl[MMS_RPT_MAX_MEMBERS / 8 + 1];
	const uint8_t *body;
	size_t len;
	struct mms_pdu m;

	for (int extra = 0; extra <= 1; extra++) {
		buf_init(&b, 0, 0);
		mms_report_begin(&b, &e);
		ber_put_str(&b, BER_CONTEXT, 10, "r");
		static const uint8_t opt[] = { 0, 0 };
		ber_put_bitstring(&b, BER_CONTEXT, 4, opt, 10);
		memset(incl, 0, sizeof(incl));
		incl[MMS_RPT_MAX_MEMBERS / 8 - 1] = 0x01; /* the last member */
		ber_put_bitstring(&b, BER_CONTEXT, 4, incl, MMS_RPT_MAX_MEMBERS + 8 * extra);
		ber_put_bool(&b, BER_CONTEXT, 3, true);
		mms_report_end(&b, &e);
		ck_assert_int_eq(mms_pdu_decode(buf_data(&b), b.len, &m, NULL), 0);
		ck_assert_int_eq(mms_unconfirmed_report(&m, &body, &len, NULL), 1);
		if (!extra) {
			ck_assert_int_eq(mms_report_decode(body, len, &r, NULL), 0);
			ck_assert_uint_eq(r.n_members, MMS_RPT_MAX_MEMBERS);
			ck_assert_uint_eq(mem[0].index, MMS_RPT_MAX_MEMBERS - 1);
		} else {
			ck_assert_int_eq(mms_report_decode(body, len, &r, NULL), -EBADMSG);
		}
		buf_clear(&b);
	}
}
END_TEST

START_TEST(truncations)
{
	struct mms_report_member mem[4];
	static const struct {
		const uint8_t *p;
		size_t n;
	} pdus[] = { { report_full, sizeof(report_full) }, { report_min, sizeof(report_min) } };

	for (size_t k = 0; k < 2; k++) {
		struct mms_pdu m;
		const uint8_t *body;
		size_t len;
		ck_assert_int_eq(mms_pdu_decode(exact(pdus[k].p, pdus[k].n), pdus[k].n, &m, NULL), 0);
		ck_assert_int_eq(mms_unconfirmed_report(&m, &body, &len, NULL), 1);
		for (size_t cut = 0; cut < len; cut++) {
			struct mms_report r = { .members = mem, .cap = 4 };
			uint8_t *c = dup_exact(body, cut);
			ck_assert_msg(mms_report_decode(c, cut, &r, NULL) == -EBADMSG,
				      "report %zu cut at %zu", k, cut);
			free(c);
		}
		/* and the whole PDU cut anywhere */
		for (size_t cut = 0; cut < pdus[k].n; cut++) {
			uint8_t *c = dup_exact(pdus[k].p, cut);
			ck_assert_int_eq(mms_pdu_decode(c, cut, &m, NULL), -EBADMSG);
			free(c);
		}
	}
}
END_TEST

/* ---- iedc report's printer (tools/iedc/rptfmt.c) ---- */

static const char *format(const uint8_t *pdu, size_t n, const struct rptfmt_dir *dir, bool json)
{
	static char line[2048];
	struct mms_report_member mem[4];
	struct mms_report r = { .members = mem, .cap = 4 };
	struct proto_err e = { 0 };
	struct buf b;

	ck_assert_int_eq(decode_pdu(pdu, n, &r, &e), 0);
	buf_init(&b, 0, 0);
	ck_assert_int_eq(rptfmt_format(&b, &r, dir, json, &e), 0);
	ck_assert_uint_lt(b.len, sizeof(line));
	memcpy(line, buf_data(&b), b.len);
	line[b.len] = 0;
	buf_clear(&b);
	return line;
}

START_TEST(print_text)
{
	/* references from the report, in iedc's dotted form; reasons in words;
	 * a structure on one line */
	ck_assert_str_eq(format(report_full, sizeof(report_full), NULL, false),
			 "rpt1 SqNum=5 sub=0 EntryID=000000000000012c: "
			 "LD/GGIO1.Ind1.stVal[ST]=true (dchg); LD/GGIO1.AnIn1[MX]={[0]: 7} (gi)\n");
	/* no data reference, no directory: the member's index */
	ck_assert_str_eq(format(report_min, sizeof(report_min), NULL, false), "r: #0=42\n");
	/* the directory read at start gives the reference and the type */
	struct mms_typespec u8 = { .type = MMS_TYPE_UNSIGNED, .size = 8 };
	char *refs[] = { "LD/GGIO1.Cnt1.actVal[ST]", "LD/GGIO1.x[ST]" };
	struct mms_typespec *types[] = { &u8, NULL };
	struct rptfmt_dir dir = { .n = 2, .refs = refs, .types = types };
	ck_assert_str_eq(format(report_min, sizeof(report_min), &dir, false),
			 "r: LD/GGIO1.Cnt1.actVal[ST]=42\n");
	/* a segment that is not the last, with BufOvfl set */
	uint8_t p[sizeof(report_full)];
	memcpy(p, report_full, sizeof(p));
	p[51] = 0xFF;	/* BufOvfl */
	p[67] = 0x03;	/* SubSeqNum */
	p[70] = 0x01;	/* MoreSegmentsFollow */
	ck_assert_str_eq(format(p, sizeof(p), NULL, false),
			 "rpt1 SqNum=5 sub=3 more EntryID=000000000000012c BufOvfl: "
			 "LD/GGIO1.Ind1.stVal[ST]=true (dchg); LD/GGIO1.AnIn1[MX]={[0]: 7} (gi)\n");
}
END_TEST

START_TEST(print_json)
{
	ck_assert_str_eq(format(report_full, sizeof(report_full), NULL, true),
			 "{\"rptId\":\"rpt1\",\"sqNum\":5,\"subSqNum\":0,\"moreSegments\":false,"
			 "\"entryId\":\"000000000000012c\",\"timeOfEntry\":\"2024-11-25T04:41:49.060Z\","
			 "\"dataSet\":\"LD/LLN0.ds\",\"bufOvfl\":false,\"confRev\":1,\"members\":["
			 "{\"index\":0,\"ref\":\"LD/GGIO1.Ind1.stVal[ST]\",\"value\":true,"
			 "\"reasons\":[\"dchg\"]},"
			 "{\"index\":2,\"ref\":\"LD/GGIO1.AnIn1[MX]\",\"value\":[7],"
			 "\"reasons\":[\"gi\"]}]}\n");
	ck_assert_str_eq(format(report_min, sizeof(report_min), NULL, true),
			 "{\"rptId\":\"r\",\"members\":[{\"index\":0,\"ref\":\"\",\"value\":42,"
			 "\"reasons\":[]}]}\n");
	/* a Quality member gets its words, as iedc read --json prints them */
	static const uint8_t q[] = { 0xA3, 0x1C, 0xA0, 0x1A, 0xA1, 0x05, 0x80, 0x03, 'R', 'P', 'T',
				     0xA0, 0x11, 0x8A, 0x01, 'r', 0x84, 0x03, 0x06, 0x00, 0x00,
				     0x84, 0x02, 0x07, 0x80, 0x84, 0x03, 0x03, 0x40, 0x00 };
	struct mms_typespec qt = { .type = MMS_TYPE_BIT_STRING, .size = 13, .name = "q" };
	struct mms_typespec *types[] = { &qt };
	char *refs[] = { "LD/GGIO1.Ind1.q[ST]" };
	struct rptfmt_dir dir = { .n = 1, .refs = refs, .types = types };
	const char *s = format(q, sizeof(q), &dir, true);
	ck_assert_msg(strstr(s, "\"value\":\"0100000000000\",\"valueText\":"), "%s", s);
}
END_TEST

START_TEST(print_bad_value)
{
	struct mms_report_member mem[1];
	struct mms_report r = { .members = mem, .cap = 1 };
	struct proto_err e = { 0 };
	struct buf b;
	uint8_t p[sizeof(report_min)];

	/* unsigned of 0 octets: the envelope passes, the printer refuses */
	memcpy(p, report_min, sizeof(p));
	p[1] -= 1, p[3] -= 1, p[12] -= 1, p[26] = 0x00;
	ck_assert_int_eq(decode_pdu(p, sizeof(p) - 1, &r, &e), 0);
	buf_init(&b, 0, 0);
	ck_assert_int_eq(rptfmt_format(&b, &r, NULL, false, &e), -EBADMSG);
	ck_assert_msg(strstr(e.reason, "member 0"), "%s", e.reason);
	buf_clear(&b);
}
END_TEST

START_TEST(rcb_refs)
{
	struct mms_objname o;
	char fc;

	ck_assert_int_eq(rptfmt_rcb_parse("LD0/LLN0.RP.urcbA01", &o, &fc), 0);
	ck_assert_str_eq(o.domain, "LD0");
	ck_assert_str_eq(o.item, "LLN0$RP$urcbA01");
	ck_assert_int_eq(fc, 'R');
	ck_assert_int_eq(rptfmt_rcb_parse("LD0/LLN0$BR$brcb01", &o, &fc), 0);
	ck_assert_str_eq(o.item, "LLN0$BR$brcb01");
	ck_assert_int_eq(fc, 'B');
	ck_assert_int_eq(rptfmt_rcb_parse("LD0/LLN0.brcb01", &o, &fc), 0);
	ck_assert_str_eq(o.item, "LLN0$RP$brcb01");
	ck_assert_int_eq(fc, 0);
	rptfmt_rcb_set_fc(&o, true);
	ck_assert_str_eq(o.item, "LLN0$BR$brcb01");
	rptfmt_rcb_set_fc(&o, false);
	ck_assert_str_eq(o.item, "LLN0$RP$brcb01");
	static const char *const bad[] = { "LLN0.rcb", "/LLN0.rcb", "LD0/LLN0", "LD0/LLN0.ST.rcb",
					   "LD0/LLN0.RP.rcb.x", "LD0/LLN0..rcb", "LD0/LLN0.RP.",
					   "LD0/LLN0.1rcb", "LD0/LLN0.rc-b", "LD0/LLN0.RP.rcb[RP]" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(rptfmt_rcb_parse(bad[i], &o, &fc) == -EINVAL, "%s", bad[i]);
}
END_TEST

START_TEST(trgops_words)
{
	char bits[7];
	const char *bad = NULL;

	ck_assert_int_eq(rptfmt_trgops("dchg,qchg,dupd,period,gi", bits, &bad), 0);
	ck_assert_str_eq(bits, "011111");
	ck_assert_int_eq(rptfmt_trgops("gi,dchg", bits, &bad), 0);
	ck_assert_str_eq(bits, "010001");
	ck_assert_int_eq(rptfmt_trgops("integrity", bits, &bad), 0);
	ck_assert_str_eq(bits, "000010");
	ck_assert_int_eq(rptfmt_trgops("dchg,app", bits, &bad), -EINVAL);
	ck_assert_str_eq(bad, "app");
	ck_assert_int_eq(rptfmt_trgops("dchg,", bits, &bad), 0);
	ck_assert_int_eq(rptfmt_trgops("dchg,,gi", bits, &bad), -EINVAL);
	ck_assert_str_eq(rptfmt_reason_name(MMS_REASON_APP_TRIGGER), "app");
	ck_assert_ptr_null(rptfmt_reason_name(0));
}
END_TEST

static Suite *mms_report_suite(void)
{
	Suite *s = suite_create("mms_report");
	TCase *tc = tcase_create("codecs");
	tcase_add_test(tc, encode);
	tcase_add_test(tc, overhead);
	tcase_add_test(tc, decode_full);
	tcase_add_test(tc, decode_min);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, inclusion_limit);
	tcase_add_test(tc, truncations);
	suite_add_tcase(s, tc);
	tc = tcase_create("iedc");
	tcase_add_test(tc, print_text);
	tcase_add_test(tc, print_json);
	tcase_add_test(tc, print_bad_value);
	tcase_add_test(tc, rcb_refs);
	tcase_add_test(tc, trgops_words);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(mms_report_suite)
