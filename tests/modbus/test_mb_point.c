/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the Modbus plugin's sans-I/O part: address parsing, the
 * register codec in every type and order, kind conversion, and batching. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mb_plan.h"
#include "mb_point.h"

static struct mb_addr parse_ok(const char *text)
{
	struct mb_addr a;
	char err[512] = "";

	ck_assert_msg(mb_addr_parse(text, &a, err, sizeof err) == 0, "%s: %s", text, err);
	return a;
}

static void parse_fails(const char *text, const char *needle)
{
	struct mb_addr a;
	char err[512] = "";

	ck_assert_msg(mb_addr_parse(text, &a, err, sizeof err) == -EINVAL, "%s parsed", text);
	ck_assert_msg(strstr(err, needle), "%s: '%s' lacks '%s'", text, err, needle);
}

START_TEST(parse_forms)
{
	struct mb_addr a = parse_ok("hr:100:f32:cdab");

	ck_assert_uint_eq(a.table, MB_HR);
	ck_assert_uint_eq(a.addr, 100);
	ck_assert_uint_eq(a.type, MB_F32);
	ck_assert_uint_eq(a.width, 2);
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 2, 3, 0, 1 }), 4);

	a = parse_ok("40101:f32:cdab");
	ck_assert_uint_eq(a.table, MB_HR);
	ck_assert_uint_eq(a.addr, 100);
	a = parse_ok("465536");
	ck_assert_uint_eq(a.addr, 65535);
	ck_assert_uint_eq(a.type, MB_U16);
	a = parse_ok("00001");
	ck_assert_uint_eq(a.table, MB_COIL);
	ck_assert_uint_eq(a.addr, 0);
	ck_assert_uint_eq(a.type, MB_BOOL);
	a = parse_ok("10010");
	ck_assert_uint_eq(a.table, MB_DI);
	ck_assert_uint_eq(a.addr, 9);
	a = parse_ok("30001:i32");
	ck_assert_uint_eq(a.table, MB_IR);
	ck_assert_uint_eq(a.type, MB_I32);
	a = parse_ok("  ir:0x10:double:dcba  ");
	ck_assert_uint_eq(a.addr, 16);
	ck_assert_uint_eq(a.type, MB_F64);
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 7, 6, 5, 4, 3, 2, 1, 0 }), 8);
	a = parse_ok("hr:0:u64:cdab");
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 6, 7, 4, 5, 2, 3, 0, 1 }), 8);
	a = parse_ok("hr:0:u64:badc");
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 1, 0, 3, 2, 5, 4, 7, 6 }), 8);
	a = parse_ok("hr:0:u64:efghabcd");
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 4, 5, 6, 7, 0, 1, 2, 3 }), 8);
	a = parse_ok("hr:0:i16:ba");
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 1, 0 }), 2);
	a = parse_ok("hr:0:i16:cdab");
	ck_assert_mem_eq(a.order, ((const uint8_t[]){ 0, 1 }), 2);
	a = parse_ok("hr:65532:f64");
	ck_assert_uint_eq(a.addr, 65532);
	a = parse_ok("COIL:65535");
	ck_assert_uint_eq(a.table, MB_COIL);
}
END_TEST

START_TEST(parse_refusals)
{
	parse_fails("", "TABLE:ADDR");
	parse_fails("hr:", "TABLE:ADDR");
	parse_fails("hr::u16", "TABLE:ADDR");
	parse_fails("hr:1:", "TABLE:ADDR");
	parse_fails("hr:-1", "0..65535");
	parse_fails("hr:+1", "0..65535");
	parse_fails("hr:0x", "0..65535");
	parse_fails("hr:99999999999999999999", "0..65535");
	parse_fails("reg:1", "unknown table 'reg'");
	parse_fails("hr:1:u8", "unknown type 'u8'");
	parse_fails("di:1:f32", "bool");
	parse_fails("ir:1:bool", "u16");
	parse_fails("hr:1:u32:abc", "cdab");
	parse_fails("hr:1:u32:abcc", "cdab");
	parse_fails("hr:1:u16:abcdefgh", "ab or ba");
	parse_fails("hr:1:f64:abcdefgi", "abcdefgh");
	parse_fails("coil:1:bool:ab", "no byte order");
	parse_fails("hr:65533:f64", "65535");
	parse_fails("400000", "1-based");
	parse_fails("465537", "1-based");
	parse_fails("50001", "starts with 0 (coil)");
	parse_fails("123", "5 or 6 digits");
	parse_fails("1234567", "5 or 6 digits");
	parse_fails("hr:1:u16:ab:cd", "TABLE:ADDR");
	char big[300];

	memset(big, 'h', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	parse_fails(big, "too long");
}
END_TEST

START_TEST(check_rows)
{
	char err[512];
	struct mb_addr a = parse_ok("ir:7");

	ck_assert_int_eq(mb_addr_check(&a, "ir:7", IEDD_KIND_UINT, false, err, sizeof err), 0);
	ck_assert_int_eq(mb_addr_check(&a, "ir:7", IEDD_KIND_UINT, true, err, sizeof err), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "hr:7"));
	a = parse_ok("di:7");
	ck_assert_int_eq(mb_addr_check(&a, "di:7", IEDD_KIND_BOOL, true, err, sizeof err), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "coil:7"));
	a = parse_ok("hr:7");
	ck_assert_int_eq(mb_addr_check(&a, "hr:7", IEDD_KIND_STRING, false, err, sizeof err),
			 -EINVAL);
	ck_assert_int_eq(mb_addr_check(&a, "hr:7", IEDD_KIND_FLOAT, true, err, sizeof err), 0);
	ck_assert_int_eq(mb_addr_check(&a, "hr:7", (enum iedd_kind)42, true, err, sizeof err),
			 -EINVAL);
}
END_TEST

/* Every type in every named order and a few odd permutations: what is
 * encoded decodes back, and the register image matches the definition
 * (wire byte i = value byte order[i]). */
START_TEST(codec_roundtrip)
{
	static const char *const types[] = { "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64" };
	static const char *const orders[] = { "abcd", "cdab", "badc", "dcba" };
	static const struct iedd_value vals[] = {
		{ .kind = IEDD_KIND_UINT, .v.u = 0 },
		{ .kind = IEDD_KIND_UINT, .v.u = 1 },
		{ .kind = IEDD_KIND_INT, .v.i = -1 },
		{ .kind = IEDD_KIND_UINT, .v.u = 0x1234 },
		{ .kind = IEDD_KIND_INT, .v.i = -30000 },
		{ .kind = IEDD_KIND_UINT, .v.u = 0x89ABCDEF },
		{ .kind = IEDD_KIND_INT, .v.i = -2000000000 },
		{ .kind = IEDD_KIND_UINT, .v.u = 0x0123456789ABCDEFULL },
		{ .kind = IEDD_KIND_INT, .v.i = INT64_MIN },
		{ .kind = IEDD_KIND_FLOAT, .v.f = 0.1 },
		{ .kind = IEDD_KIND_FLOAT, .v.f = -1e300 },
		{ .kind = IEDD_KIND_BOOL, .v.b = true },
	};
	char text[64], err[512];
	int tested = 0;

	for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
		for (size_t o = 0; o < sizeof orders / sizeof orders[0]; o++) {
			snprintf(text, sizeof text, "hr:10:%s:%s", types[t], orders[o]);
			struct mb_addr a = parse_ok(text);

			for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
				uint16_t regs[4] = { 0 }, plain[4] = { 0 };
				bool bit;
				int rc = mb_encode(&a, text, &vals[k], regs, &bit, err, sizeof err);

				if (rc < 0) {
					ck_assert_msg(rc == -ERANGE, "%s: %s", text, err);
					continue;
				}
				/* the same value in big-endian order */
				struct mb_addr be = a;

				for (int i = 0; i < 8; i++)
					be.order[i] = (uint8_t)i;
				ck_assert_int_eq(mb_encode(&be, text, &vals[k], plain, &bit, err,
							   sizeof err), 0);
				for (unsigned i = 0; i < 2u * a.width; i++) {
					unsigned wire = (unsigned)(regs[i / 2] >> (i % 2 ? 0 : 8)) & 0xff;
					unsigned j = a.order[i];
					unsigned want = (unsigned)(plain[j / 2] >> (j % 2 ? 0 : 8)) & 0xff;

					ck_assert_msg(wire == want, "%s value %zu byte %u", text, k, i);
				}
				struct mb_num num;
				struct iedd_value back;

				mb_decode_regs(&a, regs, &num);
				mb_num_to_value(&num, (enum iedd_kind)vals[k].kind, &back);
				ck_assert_uint_eq(back.quality, IEDD_Q_GOOD);
				switch (vals[k].kind) {
				case IEDD_KIND_UINT: {
					/* through a float type an integer keeps what the
					 * float can hold */
					uint64_t want = vals[k].v.u;

					if (a.type == MB_F32)
						want = (uint64_t)(float)want;
					else if (a.type == MB_F64)
						want = (uint64_t)(double)want;
					ck_assert_uint_eq(back.v.u, want);
					break;
				}
				case IEDD_KIND_INT: {
					int64_t want = vals[k].v.i;

					if (a.type == MB_F32)
						want = (int64_t)(float)want;
					else if (a.type == MB_F64)
						want = (int64_t)(double)want;
					ck_assert_int_eq(back.v.i, want);
					break;
				}
				case IEDD_KIND_BOOL:
					ck_assert(back.v.b);
					break;
				case IEDD_KIND_FLOAT:
					if (a.type == MB_F32)
						ck_assert(back.v.f == (double)(float)vals[k].v.f);
					else if (a.type == MB_F64)
						ck_assert(back.v.f == vals[k].v.f);
					else
						ck_assert(back.v.f == round(vals[k].v.f));
					break;
				}
				tested++;
			}
		}
	}
	ck_assert_int_gt(tested, 150);
}
END_TEST

START_TEST(codec_golden)
{
	char err[256];
	bool bit;
	uint16_t r[4];
	struct mb_addr a = parse_ok("hr:0:f32:cdab");

	ck_assert_int_eq(mb_encode(&a, "x", &(struct iedd_value){ .kind = IEDD_KIND_FLOAT,
								 .v.f = 1.0 }, r, &bit, err,
				   sizeof err), 0);
	ck_assert_uint_eq(r[0], 0x0000);
	ck_assert_uint_eq(r[1], 0x3F80);
	a = parse_ok("hr:0:u32:badc");
	ck_assert_int_eq(mb_encode(&a, "x", &(struct iedd_value){ .kind = IEDD_KIND_UINT,
								 .v.u = 0x11223344 }, r, &bit,
				   err, sizeof err), 0);
	ck_assert_uint_eq(r[0], 0x2211);
	ck_assert_uint_eq(r[1], 0x4433);
	a = parse_ok("hr:0:i64:dcba");
	ck_assert_int_eq(mb_encode(&a, "x", &(struct iedd_value){ .kind = IEDD_KIND_INT, .v.i = 1 },
				   r, &bit, err, sizeof err), 0);
	ck_assert_uint_eq(r[0], 0x0100);
	ck_assert_uint_eq(r[1], 0);
	ck_assert_uint_eq(r[3], 0);
	a = parse_ok("coil:3");
	ck_assert_int_eq(mb_encode(&a, "x", &(struct iedd_value){ .kind = IEDD_KIND_FLOAT,
								 .v.f = 0.5 }, r, &bit, err,
				   sizeof err), 0);
	ck_assert(bit);
}
END_TEST

START_TEST(encode_ranges)
{
	char err[256];
	bool bit;
	uint16_t r[4];
	struct mb_addr u16 = parse_ok("hr:0"), i16 = parse_ok("hr:0:i16"),
		       u64 = parse_ok("hr:0:u64"), i64 = parse_ok("hr:0:i64"),
		       f32 = parse_ok("hr:0:f32");
#define ENC(a, ...) mb_encode(&(a), "hr:0", &(struct iedd_value){ __VA_ARGS__ }, r, &bit, err, \
			      sizeof err)

	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_UINT, .v.u = 65535), 0);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_UINT, .v.u = 65536), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "0..65535"));
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_INT, .v.i = -1), -ERANGE);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_FLOAT, .v.f = 65535.4), 0);
	ck_assert_uint_eq(r[0], 65535);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_FLOAT, .v.f = 65535.5), -ERANGE);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_FLOAT, .v.f = -0.4), 0);
	ck_assert_uint_eq(r[0], 0);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_FLOAT, .v.f = INFINITY), -ERANGE);
	ck_assert_int_eq(ENC(u16, .kind = IEDD_KIND_FLOAT, .v.f = NAN), -EINVAL);
	ck_assert_int_eq(ENC(i16, .kind = IEDD_KIND_INT, .v.i = -32768), 0);
	ck_assert_uint_eq(r[0], 0x8000);
	ck_assert_int_eq(ENC(i16, .kind = IEDD_KIND_INT, .v.i = 32768), -ERANGE);
	ck_assert_int_eq(ENC(i16, .kind = IEDD_KIND_UINT, .v.u = 40000), -ERANGE);
	ck_assert_int_eq(ENC(i16, .kind = IEDD_KIND_FLOAT, .v.f = -32768.4), 0);
	ck_assert_int_eq(ENC(u64, .kind = IEDD_KIND_UINT, .v.u = UINT64_MAX), 0);
	ck_assert_uint_eq(r[0] & r[1] & r[2] & r[3], 0xFFFF);
	ck_assert_int_eq(ENC(u64, .kind = IEDD_KIND_FLOAT, .v.f = 18446744073709551616.0), -ERANGE);
	ck_assert_int_eq(ENC(u64, .kind = IEDD_KIND_INT, .v.i = -1), -ERANGE);
	ck_assert_int_eq(ENC(i64, .kind = IEDD_KIND_UINT, .v.u = (uint64_t)INT64_MAX + 1), -ERANGE);
	ck_assert_int_eq(ENC(i64, .kind = IEDD_KIND_FLOAT, .v.f = 9223372036854775808.0), -ERANGE);
	ck_assert_int_eq(ENC(i64, .kind = IEDD_KIND_FLOAT, .v.f = -9223372036854775808.0), 0);
	ck_assert_uint_eq(r[0], 0x8000);
	ck_assert_int_eq(ENC(f32, .kind = IEDD_KIND_FLOAT, .v.f = 1e39), -ERANGE);
	ck_assert_int_eq(ENC(f32, .kind = IEDD_KIND_FLOAT, .v.f = INFINITY), 0);
	ck_assert_uint_eq(r[0], 0x7F80);
	ck_assert_int_eq(ENC(f32, .kind = IEDD_KIND_STRING), -EINVAL);
	ck_assert_int_eq(ENC(f32, .kind = IEDD_KIND_NONE), -EINVAL);
#undef ENC
}
END_TEST

START_TEST(kind_conversion)
{
	struct iedd_value v;
	struct mb_num n = { .kind = IEDD_KIND_FLOAT, .v.f = -2.5 };

	mb_num_to_value(&n, IEDD_KIND_INT, &v);
	ck_assert_int_eq(v.v.i, -3);
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	mb_num_to_value(&n, IEDD_KIND_UINT, &v);
	ck_assert_uint_eq(v.v.u, 0);
	ck_assert_uint_eq(v.quality, IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE);
	mb_num_to_value(&n, IEDD_KIND_BOOL, &v);
	ck_assert(v.v.b);
	mb_num_to_value(&n, IEDD_KIND_NONE, &v);
	ck_assert_uint_eq(v.kind, IEDD_KIND_FLOAT);
	n.v.f = NAN;
	mb_num_to_value(&n, IEDD_KIND_INT, &v);
	ck_assert_uint_eq(v.kind, IEDD_KIND_NONE);
	ck_assert_uint_eq(v.quality, IEDD_Q_INVALID | IEDD_Q_OUT_OF_RANGE);
	mb_num_to_value(&n, IEDD_KIND_FLOAT, &v);
	ck_assert(isnan(v.v.f));
	ck_assert_uint_eq(v.quality, IEDD_Q_GOOD);
	n.v.f = 1e30;
	mb_num_to_value(&n, IEDD_KIND_INT, &v);
	ck_assert_int_eq(v.v.i, INT64_MAX);
	ck_assert_uint_eq(v.quality, IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE);
	n = (struct mb_num){ .kind = IEDD_KIND_INT, .v.i = -7 };
	mb_num_to_value(&n, IEDD_KIND_FLOAT, &v);
	ck_assert(v.v.f == -7.0);
	mb_num_to_value(&n, IEDD_KIND_UINT, &v);
	ck_assert_uint_eq(v.quality, IEDD_Q_VALIDITY_QUESTIONABLE | IEDD_Q_OUT_OF_RANGE);
	n = (struct mb_num){ .kind = IEDD_KIND_UINT, .v.u = 0 };
	mb_num_to_value(&n, IEDD_KIND_BOOL, &v);
	ck_assert(!v.v.b);
	ck_assert_uint_eq(mb_type_kind(MB_I16), IEDD_KIND_INT);
	ck_assert_uint_eq(mb_type_kind(MB_U64), IEDD_KIND_UINT);
	ck_assert_uint_eq(mb_type_kind(MB_F32), IEDD_KIND_FLOAT);
	ck_assert_uint_eq(mb_type_kind(MB_BOOL), IEDD_KIND_BOOL);
}
END_TEST

static const struct mb_plan_limits lim = {
	.max_regs = 125, .max_bits = 2000, .gap_regs = 8, .gap_bits = 128,
};

static struct mb_plan_item item(uint8_t table, uint16_t addr, uint8_t width, size_t index)
{
	return (struct mb_plan_item){ .table = table, .addr = addr, .width = width, .index = index };
}

START_TEST(plan_merges)
{
	struct mb_plan_item it[8] = {
		item(MB_HR, 20, 2, 0), item(MB_IR, 0, 1, 1), item(MB_HR, 0, 1, 2),
		item(MB_HR, 9, 1, 3), item(MB_HR, 10, 4, 4), item(MB_HR, 11, 1, 5),
		item(MB_COIL, 7, 1, 6), item(MB_DI, 7, 1, 7),
	};
	struct mb_req r[8];
	size_t n = mb_plan(it, 8, &lim, r);

	/* coil, di, hr 0..21, ir 0 */
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(r[0].table, MB_COIL);
	ck_assert_uint_eq(r[2].table, MB_HR);
	ck_assert_uint_eq(r[2].start, 0);
	ck_assert_uint_eq(r[2].count, 22);
	ck_assert_uint_eq(r[2].n, 5);
	ck_assert_uint_eq(it[r[2].first].index, 2);
	ck_assert_uint_eq(it[r[2].first + 4].index, 0);
	ck_assert_uint_eq(r[3].table, MB_IR);
}
END_TEST

START_TEST(plan_limits)
{
	struct mb_plan_item it[300];
	struct mb_req r[300];

	for (size_t i = 0; i < 250; i++)
		it[i] = item(MB_HR, (uint16_t)(65535 - i), 1, i);
	ck_assert_uint_eq(mb_plan(it, 250, &lim, r), 2);
	ck_assert_uint_eq(r[0].start, 65286);
	ck_assert_uint_eq(r[0].count, 125);
	ck_assert_uint_eq(r[1].count, 125);
	ck_assert_uint_eq((unsigned)r[1].start + r[1].count, 65536);

	/* a wide value that would cross the limit starts a new request */
	struct mb_plan_limits wide = lim;

	wide.gap_regs = 124;
	it[0] = item(MB_HR, 0, 1, 0);
	it[1] = item(MB_HR, 122, 4, 1);
	ck_assert_uint_eq(mb_plan(it, 2, &wide, r), 2);
	it[1] = item(MB_HR, 121, 4, 1);
	ck_assert_uint_eq(mb_plan(it, 2, &wide, r), 1);
	ck_assert_uint_eq(r[0].count, 125);
	ck_assert_uint_eq(mb_plan(it, 2, &lim, r), 2);

	/* gaps */
	it[0] = item(MB_COIL, 0, 1, 0);
	it[1] = item(MB_COIL, 129, 1, 1);
	ck_assert_uint_eq(mb_plan(it, 2, &lim, r), 1);
	it[1] = item(MB_COIL, 130, 1, 1);
	ck_assert_uint_eq(mb_plan(it, 2, &lim, r), 2);
	it[0] = item(MB_COIL, 0, 1, 0);
	it[1] = item(MB_COIL, 1999, 1, 1);
	wide.gap_bits = 1999;
	ck_assert_uint_eq(mb_plan(it, 2, &wide, r), 1);
	it[1] = item(MB_COIL, 2000, 1, 1);
	ck_assert_uint_eq(mb_plan(it, 2, &wide, r), 2);

	/* solo items stand alone, also beside a twin */
	it[0] = item(MB_HR, 5, 1, 0);
	it[1] = item(MB_HR, 5, 1, 1);
	it[2] = item(MB_HR, 6, 1, 2);
	it[1].solo = true;
	ck_assert_uint_eq(mb_plan(it, 3, &lim, r), 3);

	/* nothing to read */
	ck_assert_uint_eq(mb_plan(it, 0, &lim, r), 0);
}
END_TEST

static Suite *mb_suite(void)
{
	Suite *s = suite_create("modbus");
	TCase *tc = tcase_create("modbus");

	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_refusals);
	tcase_add_test(tc, check_rows);
	tcase_add_test(tc, codec_roundtrip);
	tcase_add_test(tc, codec_golden);
	tcase_add_test(tc, encode_ranges);
	tcase_add_test(tc, kind_conversion);
	tcase_add_test(tc, plan_merges);
	tcase_add_test(tc, plan_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(mb_suite());

	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);

	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
