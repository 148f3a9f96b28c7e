/* SPDX-License-Identifier: Apache-2.0 */
/* What the CSV map and the runtime say to the user (issue 9): a UTF-8
 * byte order mark is accepted, a ';'-separated file is named as such,
 * references by LD inst are taken with one warning per file, and a
 * run-time value that does not fit its attribute is said once with the map
 * row, the value and the range, and once when values fit again. The
 * messages are read back from stderr, where the logger writes them. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ber.h"
#include "embedded.h"
#include "log.h"
#include "map.h"
#include "model.h"
#include "pv.h"
#include "update.h"

/* The instant a direct pv_scan gives values their sources leave unstamped
 * (2023-11-14T22:13:20Z): tests pass the time, they read no clock. */
#define SCAN_T_NS (1700000000ull * 1000000000u)

#define ck_assert_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)), "'%s' does not contain '%s'", (hay), (needle))

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- stderr capture (the logger's target) ---- */

static FILE *cap_file;
static int cap_saved = -1;

static void capture_begin(void)
{
	fflush(stderr);
	cap_file = tmpfile();
	ck_assert_ptr_nonnull(cap_file);
	cap_saved = dup(2);
	ck_assert_int_ge(cap_saved, 0);
	ck_assert_int_ge(dup2(fileno(cap_file), 2), 0);
}

/* What was logged since capture_begin (static buffer), stderr restored. */
static const char *capture_end(void)
{
	static char text[16384];
	fflush(stderr);
	ck_assert_int_ge(dup2(cap_saved, 2), 0);
	close(cap_saved);
	rewind(cap_file);
	size_t n = fread(text, 1, sizeof(text) - 1, cap_file);
	text[n] = 0;
	fclose(cap_file);
	return text;
}

/* ---- the parser ---- */

START_TEST(bom_accepted)
{
	static const char text[] = "\xEF\xBB\xBFreference,source,address\n"
				   "IEDD1BAY/MMXU1.TotW.db[CF],sim,const:1\n";
	struct map *m = NULL;
	char err[512] = "";
	ck_assert_msg(map_parse("b.csv", text, sizeof(text) - 1, &m, err, sizeof(err)) == 0, "%s",
		      err);
	ck_assert_uint_eq(m->n, 1);
	ck_assert_str_eq(m->rows[0].ref, "IEDD1BAY/MMXU1.TotW.db[CF]");
	ck_assert_uint_eq(m->rows[0].line, 2);
	map_free(m);
	/* only at the very start: elsewhere the octets are data */
	static const char late[] = "reference,source,address\n\xEF\xBB\xBFL/N.D.f[MX],sim,x\n";
	ck_assert_int_eq(map_parse("b.csv", late, sizeof(late) - 1, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m->n, 1);
	map_free(m);
}
END_TEST

START_TEST(semicolon_named)
{
	static const char text[] = "# exported by a spreadsheet\n"
				   "reference;source;address;scale\n"
				   "IEDD1BAY/MMXU1.TotW.db[CF];sim;const:1;\n";
	struct map *m = (struct map *)1;
	char err[512] = "";
	ck_assert_int_eq(map_parse("s.csv", text, sizeof(text) - 1, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_contains(err, "s.csv:2:1: this file seems to use ';' as separator");
	ck_assert_contains(err, "iedd reads ','");
	/* with a BOM too */
	static const char bom[] = "\xEF\xBB\xBFreference;source;address\n";
	ck_assert_int_eq(map_parse("s.csv", bom, sizeof(bom) - 1, &m, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "s.csv:1:1: this file seems to use ';'");
	/* a plain unknown column keeps its own message */
	static const char typo[] = "reference,source,adress\n";
	ck_assert_int_eq(map_parse("s.csv", typo, sizeof(typo) - 1, &m, err, sizeof(err)), -EINVAL);
	ck_assert_contains(err, "unknown column 'adress'");
}
END_TEST

START_TEST(empty_address_names_the_forms)
{
	static const char text[] = "reference,source,address\n"
				   "IEDD1BAY/MMXU1.TotW.db[CF],sim,\n";
	struct map *m = (struct map *)1;
	char err[512] = "";
	ck_assert_int_eq(map_parse("e.csv", text, sizeof(text) - 1, &m, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_contains(err, "e.csv:2:32: address: empty");
	ck_assert_contains(err, "sine:period=10");
	ck_assert_contains(err, "hr:100:f32");
}
END_TEST

/* ---- binding and run time, on the embedded sample and the sim ---- */

static struct model *sample(void)
{
	struct model *m = NULL;
	char err[1024];
	int r = model_load_scl_mem("sample.icd", embedded_sample_icd, embedded_sample_icd_len, NULL,
				   &m, err, sizeof(err));
	ck_assert_msg(r == 0, "%s", err);
	return m;
}

static struct pv *bind(struct model *m, const char *file, const char *csv)
{
	struct map *map;
	char err[2048] = "";
	ck_assert_msg(map_parse(file, csv, strlen(csv), &map, err, sizeof(err)) == 0, "%s", err);
	const struct pv_source_cfg src = { .name = "sim", .plugin = "sim" };
	const struct pv_cfg cfg = { .plugindir = getenv("PV_PLUGIN_DIR"), .sources = &src,
				    .n_sources = 1, .default_period_ms = 1000, .map = map };
	struct pv *pv = NULL;
	int r = pv_new(m, &cfg, &pv, err, sizeof(err));
	map_free(map);
	ck_assert_msg(r == 0, "%s", err);
	return pv;
}

START_TEST(inst_form_warned_once_per_file)
{
	struct model *m = sample();
	log_init(LOGL_INFO, false);
	capture_begin();
	struct pv *pv = bind(m, "old.csv",
			     "reference,source,address\n"
			     "IEDD1BAY/MMXU1.TotW.db[CF],sim,const:1\n"
			     "# a comment\n"
			     "  BAY/MMXU1.TotW.zeroDb[CF],sim,const:2\n"
			     "WTG/WTUR1.TurSt.stVal[ST],sim,const:3\n");
	const char *log = capture_end();
	ck_assert_uint_eq(pv_n_rows(pv), 3);
	pv_free(pv);
	ck_assert_uint_eq(count_of(log, "names its logical device by the LD inst"), 1);
	ck_assert_contains(log, "old.csv:4:3: 'BAY/MMXU1.TotW.zeroDb[CF]' names its logical "
				"device by the LD inst (2 row(s) of this file do)");
	ck_assert_contains(log, "'IEDD1BAY/MMXU1.TotW.zeroDb[CF]'");

	/* object references only: nothing to say */
	capture_begin();
	pv = bind(m, "new.csv",
		  "reference,source,address\n"
		  "IEDD1BAY/MMXU1.TotW.db[CF],sim,const:1\n"
		  "IEDD1WTG/WTUR1.TurSt.stVal[ST],sim,const:3\n");
	log = capture_end();
	pv_free(pv);
	ck_assert_msg(!strstr(log, "LD inst"), "%s", log);
	model_free(m);
}
END_TEST

/* A client's write of an INT32U CF attribute (BER unsigned `v` < 128). */
static void write_u(struct model *m, const char *ref, uint8_t v)
{
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, ref, &r), 0);
	const uint8_t data[] = { 0x86, 0x01, v };
	struct ber_cur c;
	struct ber_tlv t;
	ber_cur_init(&c, data, sizeof(data));
	ck_assert_int_eq(ber_next(&c, &t, NULL), 0);
	ck_assert_int_eq(model_write(m, r.type, r.voff, &c, &t, NULL), 0);
}

START_TEST(value_not_fitting_said_once_and_cleared)
{
	struct model *m = sample();
	log_init(LOGL_INFO, false);
	/* db (INT32U) reads the hold cell c minus 10: 5 gives -5, which does
	 * not fit; zeroDb's write row sets the cell */
	struct pv *pv = bind(m, "fit.csv",
			     "reference,source,address,scale,offset,direction\n"
			     "IEDD1BAY/MMXU1.TotW.db[CF],sim,\"hold:name=c,start=5\",1,-10,r\n"
			     "IEDD1BAY/MMXU1.TotW.zeroDb[CF],sim,hold:name=c,,,w\n");
	capture_begin();
	pv_scan(pv, 0, SCAN_T_NS);
	pv_scan(pv, 0, SCAN_T_NS);
	pv_scan(pv, 0, SCAN_T_NS);
	const char *log = capture_end();
	struct pv_stats st;
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.bad_values, 3);
	ck_assert_uint_eq(count_of(log, "does not fit"), 1);
	ck_assert_contains(log, "fit.csv:2: IEDD1BAY/MMXU1.TotW.db[CF]: value -5 (source value 5, "
				"scale 1, offset -10) from source 'sim' does not fit the attribute "
				"(INT32U 0..4294967295)");
	ck_assert_msg(!strstr(log, "fit again"), "%s", log);

	/* the source's value fits again (20 - 10): said once */
	write_u(m, "IEDD1BAY/MMXU1.TotW.zeroDb[CF]", 20);
	capture_begin();
	pv_scan(pv, 0, SCAN_T_NS);
	pv_scan(pv, 0, SCAN_T_NS);
	log = capture_end();
	ck_assert_uint_eq(count_of(log, "fit again"), 1);
	ck_assert_contains(log, "fit.csv:2: IEDD1BAY/MMXU1.TotW.db[CF]: the values of source 'sim' "
				"fit again");
	pv_get_stats(pv, &st);
	ck_assert_uint_eq(st.bad_values, 3);
	struct mref r;
	char text[32];
	ck_assert_int_eq(model_resolve_ref(m, "IEDD1BAY/MMXU1.TotW.db[CF]", &r), 0);
	model_get_text(m, r.type, r.voff, text, sizeof(text));
	ck_assert_str_eq(text, "10");
	pv_free(pv);
	model_free(m);
}
END_TEST

START_TEST(range_texts)
{
	struct model *m = sample();
	char buf[256];
	struct mref r;
	ck_assert_int_eq(model_resolve_ref(m, "IEDD1BAY/LLN0.Health.stVal[ST]", &r), 0);
	model_range_text(r.type, buf, sizeof(buf));
	ck_assert_contains(buf, "Enum HealthKind: 1 ");
	ck_assert_int_eq(model_resolve_ref(m, "IEDD1BAY/LLN0.NamPlt.vendor[DC]", &r), 0);
	model_range_text(r.type, buf, sizeof(buf));
	ck_assert_str_eq(buf, "VisString255: up to 255 printable ASCII characters");
	/* a short buffer still ends in NUL, the list cut with "..." */
	ck_assert_int_eq(model_resolve_ref(m, "IEDD1BAY/LLN0.Health.stVal[ST]", &r), 0);
	model_range_text(r.type, buf, 24);
	ck_assert_uint_lt(strlen(buf), 24);
	model_free(m);
}
END_TEST

static Suite *map_suite(void)
{
	Suite *s = suite_create("map");
	TCase *tc = tcase_create("map");
	tcase_add_test(tc, bom_accepted);
	tcase_add_test(tc, semicolon_named);
	tcase_add_test(tc, empty_address_names_the_forms);
	tcase_add_test(tc, inst_form_warned_once_per_file);
	tcase_add_test(tc, value_not_fitting_said_once_and_cleared);
	tcase_add_test(tc, range_texts);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init(LOGL_ERR, false);
	SRunner *sr = srunner_create(map_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
