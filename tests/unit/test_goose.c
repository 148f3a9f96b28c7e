/* SPDX-License-Identifier: Apache-2.0 */
/* GOOSE frame codec (daemon/proto/goose.c): golden frames assembled by hand
 * from IEC 61850-8-1 Annex A and Annex C (with and without the 802.1Q tag,
 * with the Ed.2 simulation bit) encoded and decoded byte for byte, round
 * trips, every truncation refused without an over-read (exact-size heap
 * copies), each malformed-frame class of issue 14 refused with its reason,
 * the encoder's limits, padding, member iteration and goose_patch. */
#include <errno.h>

#include "ber.h"
#include "goose.h"
#include "testutil.h"

static const uint8_t golden_vlan[] = {
	0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01, 0x00, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E,
	0x81, 0x00, 0x80, 0x05, 0x88, 0xB8, 0x30, 0x01, 0x00, 0x6C, 0x00, 0x00,
	0x00, 0x00, 0x61, 0x62, 0x80, 0x14, 0x49, 0x45, 0x44, 0x31, 0x4C, 0x44,
	0x30, 0x2F, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x47, 0x4F, 0x24, 0x67, 0x63,
	0x62, 0x31, 0x81, 0x02, 0x07, 0xD0, 0x82, 0x10, 0x49, 0x45, 0x44, 0x31,
	0x4C, 0x44, 0x30, 0x2F, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x44, 0x53, 0x31,
	0x83, 0x04, 0x67, 0x63, 0x62, 0x31, 0x84, 0x08, 0x5F, 0x5E, 0x10, 0x00,
	0x80, 0x00, 0x00, 0x0A, 0x85, 0x01, 0x01, 0x86, 0x01, 0x00, 0x87, 0x01,
	0x00, 0x88, 0x01, 0x01, 0x89, 0x01, 0x00, 0x8A, 0x01, 0x03, 0xAB, 0x12,
	0x83, 0x01, 0xFF, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x5F, 0x5E,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x0A,
};
static const uint8_t golden_plain[] = {
	0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01, 0x00, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E,
	0x88, 0xB8, 0x30, 0x01, 0x00, 0x6C, 0x00, 0x00, 0x00, 0x00, 0x61, 0x62,
	0x80, 0x14, 0x49, 0x45, 0x44, 0x31, 0x4C, 0x44, 0x30, 0x2F, 0x4C, 0x4C,
	0x4E, 0x30, 0x24, 0x47, 0x4F, 0x24, 0x67, 0x63, 0x62, 0x31, 0x81, 0x02,
	0x07, 0xD0, 0x82, 0x10, 0x49, 0x45, 0x44, 0x31, 0x4C, 0x44, 0x30, 0x2F,
	0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x44, 0x53, 0x31, 0x83, 0x04, 0x67, 0x63,
	0x62, 0x31, 0x84, 0x08, 0x5F, 0x5E, 0x10, 0x00, 0x80, 0x00, 0x00, 0x0A,
	0x85, 0x01, 0x01, 0x86, 0x01, 0x00, 0x87, 0x01, 0x00, 0x88, 0x01, 0x01,
	0x89, 0x01, 0x00, 0x8A, 0x01, 0x03, 0xAB, 0x12, 0x83, 0x01, 0xFF, 0x84,
	0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x5F, 0x5E, 0x10, 0x00, 0x00, 0x00,
	0x00, 0x0A,
};
static const uint8_t golden_sim[] = {
	0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01, 0x00, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E,
	0x81, 0x00, 0x80, 0x05, 0x88, 0xB8, 0x30, 0x01, 0x00, 0x6C, 0x80, 0x00,
	0x00, 0x00, 0x61, 0x62, 0x80, 0x14, 0x49, 0x45, 0x44, 0x31, 0x4C, 0x44,
	0x30, 0x2F, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x47, 0x4F, 0x24, 0x67, 0x63,
	0x62, 0x31, 0x81, 0x02, 0x07, 0xD0, 0x82, 0x10, 0x49, 0x45, 0x44, 0x31,
	0x4C, 0x44, 0x30, 0x2F, 0x4C, 0x4C, 0x4E, 0x30, 0x24, 0x44, 0x53, 0x31,
	0x83, 0x04, 0x67, 0x63, 0x62, 0x31, 0x84, 0x08, 0x5F, 0x5E, 0x10, 0x00,
	0x80, 0x00, 0x00, 0x0A, 0x85, 0x01, 0x01, 0x86, 0x01, 0x00, 0x87, 0x01,
	0xFF, 0x88, 0x01, 0x01, 0x89, 0x01, 0x00, 0x8A, 0x01, 0x03, 0xAB, 0x12,
	0x83, 0x01, 0xFF, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08, 0x5F, 0x5E,
	0x10, 0x00, 0x00, 0x00, 0x00, 0x0A,
};

/* The golden frames' allData: boolean TRUE, a Quality (13 bits, good), a
 * utc-time. */
static const uint8_t golden_data[] = {
	0x83, 0x01, 0xFF, 0x84, 0x03, 0x03, 0x00, 0x00, 0x91, 0x08,
	0x5F, 0x5E, 0x10, 0x00, 0x00, 0x00, 0x00, 0x0A,
};

static struct goose_frame golden_frame(bool vlan, bool sim)
{
	struct goose_frame f = {
		.dst = { 0x01, 0x0C, 0xCD, 0x01, 0x00, 0x01 },
		.src = { 0x00, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E },
		.vlan = vlan, .priority = 4, .vid = 5, .appid = 0x3001, .simulation = sim,
		.gocb_ref = "IED1LD0/LLN0$GO$gcb1", .dat_set = "IED1LD0/LLN0$DS1", .go_id = "gcb1",
		.tal_ms = 2000, .t = { 0x5F, 0x5E, 0x10, 0x00, 0x80, 0x00, 0x00, 0x0A },
		.st_num = 1, .sq_num = 0, .test = sim, .conf_rev = 1, .nds_com = false,
		.n_entries = 3, .all_data = golden_data, .all_data_len = sizeof(golden_data),
	};
	return f;
}

static uint8_t *copy;
static const uint8_t *exact(const uint8_t *p, size_t n)
{
	free(copy);
	return copy = dup_exact(p, n);
}

static int decode(const uint8_t *p, size_t n, struct goose_frame *f, struct proto_err *e)
{
	memset(e, 0, sizeof(*e));
	return goose_decode(exact(p, n), n, f, e);
}

/* Refused with -EBADMSG, layer "goose" and a reason containing `why`. */
#define REFUSED(p, n, why)                                                                    \
	do {                                                                                  \
		struct goose_frame f_;                                                        \
		struct proto_err e_;                                                          \
		ck_assert_int_eq(decode((p), (n), &f_, &e_), -EBADMSG);                       \
		ck_assert_str_eq(e_.layer, "goose");                                          \
		ck_assert_msg(strstr(e_.reason, (why)), "reason \"%s\", expected \"%s\"",      \
			      e_.reason, (why));                                              \
	} while (0)

static void same_frame(const struct goose_frame *a, const struct goose_frame *b)
{
	ck_assert_mem_eq(a->dst, b->dst, 6);
	ck_assert_mem_eq(a->src, b->src, 6);
	ck_assert_int_eq(a->vlan, b->vlan);
	if (a->vlan) {
		ck_assert_uint_eq(a->priority, b->priority);
		ck_assert_uint_eq(a->vid, b->vid);
		ck_assert_int_eq(a->dei, b->dei);
	}
	ck_assert_uint_eq(a->appid, b->appid);
	ck_assert_int_eq(a->simulation, b->simulation);
	ck_assert_uint_eq(a->reserved1 & 0x7FFF, b->reserved1 & 0x7FFF);
	ck_assert_uint_eq(a->reserved2, b->reserved2);
	ck_assert_str_eq(a->gocb_ref, b->gocb_ref);
	ck_assert_str_eq(a->dat_set, b->dat_set);
	if (a->go_id || b->go_id) {
		ck_assert_ptr_nonnull(a->go_id);
		ck_assert_ptr_nonnull(b->go_id);
		ck_assert_str_eq(a->go_id, b->go_id);
	}
	ck_assert_uint_eq(a->tal_ms, b->tal_ms);
	ck_assert_mem_eq(a->t, b->t, 8);
	ck_assert_uint_eq(a->st_num, b->st_num);
	ck_assert_uint_eq(a->sq_num, b->sq_num);
	ck_assert_int_eq(a->test, b->test);
	ck_assert_uint_eq(a->conf_rev, b->conf_rev);
	ck_assert_int_eq(a->nds_com, b->nds_com);
	ck_assert_uint_eq(a->n_entries, b->n_entries);
	ck_assert_uint_eq(a->all_data_len, b->all_data_len);
	if (a->all_data_len)
		ck_assert_mem_eq(a->all_data, b->all_data, a->all_data_len);
}

START_TEST(golden_encode)
{
	struct { bool vlan, sim; const uint8_t *exp; size_t n; } c[] = {
		{ true, false, golden_vlan, sizeof(golden_vlan) },
		{ false, false, golden_plain, sizeof(golden_plain) },
		{ true, true, golden_sim, sizeof(golden_sim) },
	};
	for (size_t i = 0; i < 3; i++) {
		struct goose_frame f = golden_frame(c[i].vlan, c[i].sim);
		struct proto_err e;
		struct buf b;
		buf_init(&b, 0, 0);
		ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
		ck_assert_msg(b.len == c[i].n && !memcmp(buf_data(&b), c[i].exp, b.len),
			      "case %zu: got %s\nexpected %s", i, hex(buf_data(&b), b.len),
			      hex(c[i].exp, c[i].n));
		buf_clear(&b);
	}
}
END_TEST

START_TEST(golden_decode)
{
	struct goose_frame f, g;
	struct proto_err e;

	ck_assert_int_eq(decode(golden_vlan, sizeof(golden_vlan), &f, &e), 0);
	g = golden_frame(true, false);
	same_frame(&f, &g);
	ck_assert_uint_eq(f.priority, 4);
	ck_assert_uint_eq(f.vid, 5);
	ck_assert_uint_eq(f.reserved1, 0);
	ck_assert_ptr_eq(f.all_data, copy + sizeof(golden_vlan) - sizeof(golden_data));
	ck_assert(!f.has_security);

	ck_assert_int_eq(decode(golden_plain, sizeof(golden_plain), &f, &e), 0);
	g = golden_frame(false, false);
	same_frame(&f, &g);
	ck_assert(!f.vlan);

	ck_assert_int_eq(decode(golden_sim, sizeof(golden_sim), &f, &e), 0);
	ck_assert(f.simulation && f.test);
	ck_assert_uint_eq(f.reserved1, 0x8000);

	/* the members one by one */
	struct ber_cur c;
	struct ber_tlv m;
	unsigned n = 0;
	goose_members(&f, &c);
	while (goose_member_next(&c, &m)) {
		static const uint8_t tags[] = { 0x83, 0x84, 0x91 };
		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(*m.start, tags[n]);
		n++;
	}
	ck_assert_uint_eq(n, 3);
}
END_TEST

START_TEST(round_trip)
{
	/* long strings, a long allData (two-octet lengths), wide integers,
	 * the tag's DEI, reserved bits kept, no goID */
	char ref[GOOSE_MAX_STRING + 1];
	memset(ref, 'R', GOOSE_MAX_STRING);
	ref[GOOSE_MAX_STRING] = 0;
	struct buf d;
	buf_init(&d, 0, 0);
	for (int i = 0; i < 40; i++) {
		size_t m = ber_begin(&d, BER_CONTEXT | BER_CONSTRUCTED, 2);
		ber_put_bool(&d, BER_CONTEXT, 3, i & 1);
		ber_put_int(&d, BER_CONTEXT, 5, -i * 100000);
		ber_put_float32(&d, BER_CONTEXT, 7, (float)i / 3);
		ber_put_uint(&d, BER_CONTEXT, 6, 0xFFFFFFFFu - (unsigned)i);
		ber_end(&d, m);
	}
	ck_assert_int_eq(d.err, 0);
	ck_assert_uint_gt(d.len, 255);
	struct goose_frame f = golden_frame(true, true);
	f.gocb_ref = ref;
	f.dat_set = ref;
	f.go_id = NULL;
	f.dei = true;
	f.vid = 4095;
	f.priority = 7;
	f.reserved1 = 0x1234;
	f.reserved2 = 0xBEEF;
	f.tal_ms = UINT32_MAX;
	f.st_num = 0x80000000u;
	f.sq_num = 0x7FFFFFFFu;
	f.conf_rev = 255;
	f.nds_com = true;
	f.n_entries = 40;
	f.all_data = buf_data(&d);
	f.all_data_len = d.len;

	struct buf b;
	struct goose_frame g;
	struct proto_err e;
	buf_init(&b, 0, 0);
	ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
	ck_assert_int_eq(decode(buf_data(&b), b.len, &g, &e), 0);
	same_frame(&f, &g);
	ck_assert_ptr_null(g.go_id);
	ck_assert_uint_eq(g.reserved1, 0x9234);
	buf_clear(&b);
	buf_clear(&d);
}
END_TEST

START_TEST(truncated)
{
	/* every prefix, the 22-octet one (Ethernet and GOOSE headers, no
	 * goosePdu) included, untagged and tagged */
	const uint8_t *frames[] = { golden_plain, golden_vlan };
	size_t lens[] = { sizeof(golden_plain), sizeof(golden_vlan) };
	for (int k = 0; k < 2; k++)
		for (size_t n = 0; n < lens[k]; n++) {
			struct goose_frame f;
			struct proto_err e;
			ck_assert_msg(decode(frames[k], n, &f, &e) == -EBADMSG,
				      "prefix of %zu octets accepted", n);
		}
	REFUSED(golden_plain, 22, "runs past the frame");
	REFUSED(golden_plain, 13, "truncated in the Ethernet header");
	REFUSED(golden_vlan, 17, "truncated in the 802.1Q tag");
	REFUSED(golden_plain, 21, "truncated in the GOOSE header");
	/* 22 octets whose Length says 8: no goosePdu */
	uint8_t h[22];
	memcpy(h, golden_plain, 22);
	h[16] = 0;
	h[17] = 8;
	REFUSED(h, 22, "no goosePdu");
}
END_TEST

/* A frame around goosePdu contents fields[n] (untagged, the golden
 * addresses), into b. */
static void wrap(struct buf *b, const uint8_t *fields, size_t n)
{
	buf_reset(b, 0);
	buf_put(b, golden_plain, 14);
	static const uint8_t g[] = { 0x30, 0x01, 0, 0, 0, 0, 0, 0 };
	buf_put(b, g, 8);
	ber_put_raw(b, BER_APPLICATION | BER_CONSTRUCTED, 1, fields, n);
	uint8_t *p = buf_data(b);
	p[16] = (uint8_t)((b->len - 14) >> 8);
	p[17] = (uint8_t)(b->len - 14);
}

/* The golden goosePdu's fields with the field `tag` replaced by rep[n]
 * (n == 0: removed), or rep inserted before `tag` when insert. */
static void fields_with(struct buf *out, uint8_t tag, const uint8_t *rep, size_t n, bool insert)
{
	const uint8_t *p = golden_plain + 24, *end = golden_plain + sizeof(golden_plain);
	buf_reset(out, 0);
	while (p < end) {
		size_t len = 2u + p[1];
		if (*p == tag) {
			buf_put(out, rep, n);
			if (insert)
				buf_put(out, p, len);
		} else {
			buf_put(out, p, len);
		}
		p += len;
	}
}

#define MALFORMED(tag, why, ...)                                                               \
	do {                                                                                   \
		static const uint8_t rep_[] = { __VA_ARGS__ };                                 \
		struct buf fl_, fr_;                                                             \
		buf_init(&fl_, 0, 0);                                                           \
		buf_init(&fr_, 0, 0);                                                           \
		fields_with(&fl_, (tag), rep_, sizeof(rep_), false);                            \
		wrap(&fr_, buf_data(&fl_), fl_.len);                                              \
		REFUSED(buf_data(&fr_), fr_.len, (why));                                         \
		buf_clear(&fl_);                                                                \
		buf_clear(&fr_);                                                                \
	} while (0)

START_TEST(malformed)
{
	/* the untouched fields through wrap decode: the helpers are sound */
	struct buf fl, fr;
	struct goose_frame f;
	struct proto_err e;
	buf_init(&fl, 0, 0);
	buf_init(&fr, 0, 0);
	fields_with(&fl, 0xFF, NULL, 0, false);
	wrap(&fr, buf_data(&fl), fl.len);
	ck_assert_int_eq(decode(buf_data(&fr), fr.len, &f, &e), 0);
	ck_assert_bytes(buf_data(&fr), fr.len, golden_plain);

	/* inner lengths past the outer */
	MALFORMED(0x80, "runs past the end", 0x80, 0x7F, 'I');
	MALFORMED(0xAB, "runs past the end", 0xAB, 0x03, 0x83, 0x05, 0xFF);
	/* missing or short t */
	MALFORMED(0x84, "without t");
	MALFORMED(0x84, "t of 7 octets", 0x84, 0x07, 1, 2, 3, 4, 5, 6, 7);
	MALFORMED(0x84, "t of 0 octets", 0x84, 0x00);
	/* zero-length booleans */
	MALFORMED(0xAB, "boolean of 0 octets", 0xAB, 0x02, 0x83, 0x00);
	MALFORMED(0x87, "simulation: BOOLEAN of 0 octets", 0x87, 0x00);
	MALFORMED(0x89, "ndsCom: BOOLEAN of 2 octets", 0x89, 0x02, 0, 0);
	/* bit strings with padding > 7 (and an empty one with padding) */
	MALFORMED(0x8A, "8 unused bits", 0x8A, 0x01, 0x01, 0xAB, 0x04, 0x84, 0x02, 0x08, 0x00);
	MALFORMED(0x8A, "empty bit-string", 0x8A, 0x01, 0x01, 0xAB, 0x03, 0x84, 0x01, 0x03);
	MALFORMED(0x8A, "booleanArray with 9 unused", 0x8A, 0x01, 0x01, 0xAB, 0x04, 0x8E, 0x02, 0x09,
		  0x00);
	/* integers longer than 8 octets; header INT32U fields beyond 32 bits */
	MALFORMED(0x8A, "integer of 9 octets", 0x8A, 0x01, 0x01, 0xAB, 0x0B, 0x85, 0x09, 1, 2, 3, 4,
		  5, 6, 7, 8, 9);
	MALFORMED(0x8A, "unsigned of 10 octets", 0x8A, 0x01, 0x01, 0xAB, 0x0C, 0x86, 0x0A, 0, 0, 0,
		  0, 0, 0, 0, 0, 0, 1);
	MALFORMED(0x85, "stNum: INTEGER of 6 octets exceeds INT32U", 0x85, 0x06, 0, 0, 0, 0, 0, 1);
	MALFORMED(0x85, "stNum: INTEGER of 5 octets exceeds INT32U", 0x85, 0x05, 1, 0, 0, 0, 0);
	MALFORMED(0x86, "sqNum: negative INTEGER", 0x86, 0x01, 0xFF);
	MALFORMED(0x81, "timeAllowedtoLive: INTEGER of 0 octets", 0x81, 0x00);
	MALFORMED(0x88, "confRev: INTEGER of 9 octets", 0x88, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1);
	/* numDatSetEntries different from the members */
	MALFORMED(0x8A, "numDatSetEntries 2 but allData has 3", 0x8A, 0x01, 0x02);
	MALFORMED(0x8A, "numDatSetEntries 4 but allData has 3", 0x8A, 0x01, 0x04);
	MALFORMED(0x8A, "numDatSetEntries 0 but allData has 3", 0x8A, 0x01, 0x00);
	/* other Data refusals */
	MALFORMED(0x8A, "floating-point of 4 octets", 0x8A, 0x01, 0x01, 0xAB, 0x06, 0x87, 0x04, 0, 0,
		  0, 0);
	MALFORMED(0x8A, "utc-time of 7 octets", 0x8A, 0x01, 0x01, 0xAB, 0x09, 0x91, 0x07, 0, 0, 0,
		  0, 0, 0, 0);
	MALFORMED(0x8A, "Data [2] primitive", 0x8A, 0x01, 0x01, 0xAB, 0x02, 0x82, 0x00);
	MALFORMED(0x8A, "Data [3] constructed", 0x8A, 0x01, 0x01, 0xAB, 0x02, 0xA3, 0x00);
	MALFORMED(0x8A, "tag [8] is not used", 0x8A, 0x01, 0x01, 0xAB, 0x03, 0x88, 0x01, 0x00);
	MALFORMED(0x8A, "negative unsigned", 0x8A, 0x01, 0x01, 0xAB, 0x03, 0x86, 0x01, 0x80);
	MALFORMED(0x8A, "not a Data CHOICE", 0x8A, 0x01, 0x01, 0xAB, 0x03, 0x01, 0x01, 0x00);
	/* missing mandatory fields, order, repetition, unknown fields */
	MALFORMED(0x80, "without gocbRef");
	MALFORMED(0xAB, "without allData");
	MALFORMED(0x88, "without confRev");
	MALFORMED(0x85, "stNum out of order", 0x86, 0x01, 0x00, 0x85, 0x01, 0x01);
	MALFORMED(0x86, "stNum repeated", 0x85, 0x01, 0x01, 0x85, 0x01, 0x01);
	MALFORMED(0xAB, "unknown field", 0x8D, 0x00);
	MALFORMED(0x80, "gocbRef is constructed", 0xA0, 0x00);
	MALFORMED(0x80, "gocbRef is not visible ASCII", 0x80, 0x02, 'A', 0x01);

	/* nesting beyond GOOSE_MAX_NESTING; at the limit accepted */
	for (int depth = GOOSE_MAX_NESTING; depth <= GOOSE_MAX_NESTING + 1; depth++) {
		uint8_t d[2 * (GOOSE_MAX_NESTING + 1) + 3 + 8];
		size_t k = 0;
		d[k++] = 0x8A;
		d[k++] = 0x01;
		d[k++] = 0x01;
		d[k++] = 0xAB;
		d[k++] = (uint8_t)(2 * depth + 3);
		for (int i = 0; i < depth; i++) {
			d[k++] = 0xA2;
			d[k++] = (uint8_t)(2 * (depth - i - 1) + 3);
		}
		d[k++] = 0x83;
		d[k++] = 0x01;
		d[k++] = 0x00;
		fields_with(&fl, 0x8A, d, k, false);
		/* drop the golden allData that followed numDatSetEntries */
		fl.len -= 2 + sizeof(golden_data);
		wrap(&fr, buf_data(&fl), fl.len);
		int r = decode(buf_data(&fr), fr.len, &f, &e);
		if (depth == GOOSE_MAX_NESTING)
			ck_assert_msg(r == 0, "%s", e.reason);
		else
			REFUSED(buf_data(&fr), fr.len, "nested deeper");
	}

	/* over-long gocbRef and goID */
	uint8_t s[2 + 130];
	s[1] = 130;
	memset(s + 2, 'x', 130);
	/* 130 octets need a long length form */
	uint8_t sl[3 + 130];
	sl[1] = 0x81;
	sl[2] = 130;
	memset(sl + 3, 'x', 130);
	sl[0] = 0x80;
	fields_with(&fl, 0x80, sl, sizeof(sl), false);
	wrap(&fr, buf_data(&fl), fl.len);
	REFUSED(buf_data(&fr), fr.len, "gocbRef of 130 characters (at most 129)");
	sl[0] = 0x83;
	fields_with(&fl, 0x83, sl, sizeof(sl), false);
	wrap(&fr, buf_data(&fl), fl.len);
	REFUSED(buf_data(&fr), fr.len, "goID of 130 characters");
	/* 129 is allowed */
	sl[2] = 129;
	fields_with(&fl, 0x83, sl, sizeof(sl) - 1, false);
	wrap(&fr, buf_data(&fl), fl.len);
	ck_assert_int_eq(decode(buf_data(&fr), fr.len, &f, &e), 0);
	ck_assert_uint_eq(strlen(f.go_id), 129);
	(void)s;

	/* optional and DEFAULT fields absent, security present, a fixed-length
	 * (leading zero) stNum: all accepted */
	static const uint8_t st5[] = { 0x85, 0x05, 0x00, 0x00, 0x00, 0x00, 0x07 };
	fields_with(&fl, 0x85, st5, sizeof(st5), false);
	buf_reset(&fr, 0);
	const uint8_t *p = buf_data(&fl), *end = p + fl.len;
	while (p < end) {
		if (*p != 0x83 && *p != 0x87 && *p != 0x89)
			buf_put(&fr, p, 2u + p[1]);
		p += 2u + p[1];
	}
	static const uint8_t sec[] = { 0x8C, 0x02, 0xAA, 0xBB };
	buf_put(&fr, sec, sizeof(sec));
	buf_reset(&fl, 0);
	buf_put(&fl, buf_data(&fr), fr.len);
	wrap(&fr, buf_data(&fl), fl.len);
	ck_assert_msg(decode(buf_data(&fr), fr.len, &f, &e) == 0, "%s", e.reason);
	ck_assert_uint_eq(f.st_num, 7);
	ck_assert_ptr_null(f.go_id);
	ck_assert(!f.test && !f.nds_com && f.has_security);

	buf_clear(&fl);
	buf_clear(&fr);
}
END_TEST

START_TEST(frame_level)
{
	uint8_t m[sizeof(golden_vlan) + 4];
	/* wrong EtherType, untagged and behind the tag */
	memcpy(m, golden_plain, sizeof(golden_plain));
	m[12] = 0x08;
	m[13] = 0x00;
	REFUSED(m, sizeof(golden_plain), "EtherType 0x0800 is not GOOSE");
	memcpy(m, golden_vlan, sizeof(golden_vlan));
	m[17] = 0xBA; /* 0x88BA: Sampled Values */
	REFUSED(m, sizeof(golden_vlan), "EtherType 0x88ba is not GOOSE");
	/* Length disagreeing with the frame: too long, too short, below 8 */
	memcpy(m, golden_plain, sizeof(golden_plain));
	m[17]++;
	REFUSED(m, sizeof(golden_plain), "runs past the frame");
	m[17] -= 2;
	REFUSED(m, sizeof(golden_plain), "follow from APPID");
	m[16] = 0;
	m[17] = 7;
	REFUSED(m, sizeof(golden_plain), "Length 7 is shorter");
	/* octets after the frame */
	memcpy(m, golden_plain, sizeof(golden_plain));
	m[sizeof(golden_plain)] = 0;
	REFUSED(m, sizeof(golden_plain) + 1, "follow from APPID");
	/* octets after the goosePdu within Length */
	memcpy(m, golden_plain, sizeof(golden_plain));
	m[sizeof(golden_plain)] = 0;
	m[17]++;
	REFUSED(m, sizeof(golden_plain) + 1, "1 octets after the goosePdu");
	/* not a goosePdu: a GSE management PDU [APPLICATION 0] */
	memcpy(m, golden_plain, sizeof(golden_plain));
	m[22] = 0x60;
	REFUSED(m, sizeof(golden_plain), "not a goosePdu");
}
END_TEST

START_TEST(smallest)
{
	/* the smallest frame (empty strings, no members) is still longer than
	 * the Ethernet minimum of 60 octets, so the codec never pads */
	struct goose_frame f = {
		.dst = { 1, 0x0C, 0xCD, 1, 0, 0 }, .appid = 1, .gocb_ref = "", .dat_set = "",
	};
	struct goose_frame g;
	struct proto_err e;
	struct buf b;
	buf_init(&b, 0, 0);
	ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
	ck_assert_uint_eq(b.len, 61);
	ck_assert_int_eq(decode(buf_data(&b), b.len, &g, &e), 0);
	same_frame(&f, &g);
	ck_assert_uint_eq(g.all_data_len, 0);
	buf_clear(&b);
}
END_TEST

START_TEST(encode_limits)
{
	struct goose_frame f = golden_frame(false, false);
	struct proto_err e;
	struct buf b;
	char s[GOOSE_MAX_STRING + 2];
	buf_init(&b, 0, 0);

	memset(s, 'g', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;	/* 130 characters */
	f.gocb_ref = s;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	ck_assert_str_eq(e.reason, "gocbRef of 130 characters (at most 129)");
	ck_assert_uint_eq(b.len, 0);
	s[GOOSE_MAX_STRING] = 0;
	ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
	f = golden_frame(false, false);
	s[GOOSE_MAX_STRING] = 'g';
	f.go_id = s;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	ck_assert_str_eq(e.reason, "goID of 130 characters (at most 129)");
	f = golden_frame(false, false);
	f.dat_set = NULL;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	ck_assert_str_eq(e.reason, "datSet missing");
	f = golden_frame(false, false);
	f.dat_set = "a\tb";
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);

	f = golden_frame(true, false);
	f.vid = 4096;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	f.vid = 0;
	f.priority = 8;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);

	f = golden_frame(false, false);
	f.simulation = true;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	ck_assert(strstr(e.reason, "simulation"));

	f = golden_frame(false, false);
	f.n_entries = 2;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);
	ck_assert_str_eq(e.reason, "numDatSetEntries 2 but allData has 3 members");
	static const uint8_t bad[] = { 0x83, 0x00 };
	f.all_data = bad;
	f.all_data_len = sizeof(bad);
	f.n_entries = 1;
	ck_assert_int_eq(goose_encode(&f, &b, &e), -EINVAL);

	/* exactly the largest frame, untagged and tagged, and one octet more */
	for (int vlan = 0; vlan < 2; vlan++) {
		size_t max = vlan ? GOOSE_MAX_FRAME_VLAN : GOOSE_MAX_FRAME;
		static uint8_t data[1600];
		f = golden_frame(vlan, false);
		f.n_entries = 1;
		f.all_data = data;
		size_t k = 1000;
		data[0] = 0x89;
		data[1] = 0x82;
		data[2] = (uint8_t)(k >> 8);
		data[3] = (uint8_t)k;
		f.all_data_len = 4 + k;
		buf_reset(&b, 0);
		ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
		k += max - b.len;
		data[2] = (uint8_t)(k >> 8);
		data[3] = (uint8_t)k;
		f.all_data_len = 4 + k;
		buf_reset(&b, 0);
		ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
		ck_assert_uint_eq(b.len, max);
		struct goose_frame g;
		ck_assert_int_eq(decode(buf_data(&b), b.len, &g, &e), 0);
		k++;
		data[2] = (uint8_t)(k >> 8);
		data[3] = (uint8_t)k;
		f.all_data_len = 4 + k;
		buf_reset(&b, 0);
		ck_assert_int_eq(goose_encode(&f, &b, &e), -EMSGSIZE);
		ck_assert_uint_eq(b.len, 0);
		ck_assert(strstr(e.reason, vlan ? "exceeds 1518" : "exceeds 1514"));
	}
	buf_clear(&b);
}
END_TEST

START_TEST(patch)
{
	struct goose_frame f = golden_frame(true, false), g;
	struct proto_err e;
	struct buf b;
	buf_init(&b, 0, 0);
	f.st_num = 200;	/* two octets */
	f.sq_num = 5;
	ck_assert_int_eq(goose_encode(&f, &b, &e), 0);
	static const uint8_t t2[8] = { 0x60, 1, 2, 3, 4, 5, 6, 0x0A };
	ck_assert_int_eq(goose_patch(buf_data(&b), b.len, 4000, t2, 300, 127), 0);
	ck_assert_int_eq(decode(buf_data(&b), b.len, &g, &e), 0);
	f.tal_ms = 4000;
	f.st_num = 300;
	f.sq_num = 127;
	memcpy(f.t, t2, 8);
	same_frame(&f, &g);
	/* the patched frame is what a fresh encode gives */
	struct buf b2;
	buf_init(&b2, 0, 0);
	ck_assert_int_eq(goose_encode(&f, &b2, &e), 0);
	ck_assert_uint_eq(b.len, b2.len);
	ck_assert_mem_eq(buf_data(&b), buf_data(&b2), b.len);
	/* sqNum 128 needs a second octet: refused, nothing written */
	ck_assert_int_eq(goose_patch(buf_data(&b), b.len, 4000, t2, 301, 128), -ERANGE);
	ck_assert_mem_eq(buf_data(&b), buf_data(&b2), b.len);
	ck_assert_int_eq(goose_patch(buf_data(&b), b.len, 4000, t2, 127, 1), -ERANGE);
	ck_assert_int_eq(goose_patch(buf_data(&b), b.len, 40000, t2, 300, 1), -ERANGE);
	ck_assert_mem_eq(buf_data(&b), buf_data(&b2), b.len);
	/* not a GOOSE frame */
	ck_assert_int_eq(goose_patch(buf_data(&b), 30, 4000, t2, 300, 1), -EBADMSG);
	buf_clear(&b);
	buf_clear(&b2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("goose");
	TCase *tc = tcase_create("codec");
	tcase_add_test(tc, golden_encode);
	tcase_add_test(tc, golden_decode);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, truncated);
	tcase_add_test(tc, malformed);
	tcase_add_test(tc, frame_level);
	tcase_add_test(tc, smallest);
	tcase_add_test(tc, encode_limits);
	tcase_add_test(tc, patch);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(suite)
